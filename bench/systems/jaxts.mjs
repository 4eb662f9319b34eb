// jaxts, imported from the repository's build output (`npm run build` at the root writes dist/).
// Runs on the "wasm" device when it is registered, else on "cpu" (the reference interpreter);
// JAXTS_DEVICE=cpu|wasm|webgpu forces one.
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import { LENET_STEP, LSTM, MLP, mapObject, summarize } from "../common.mjs";

const root = fileURLToPath(new URL("../../", import.meta.url));
const entry = process.env.JAXTS_ENTRY ?? `${root}dist/src/index.js`;

let jx;
let device;

export async function init() {
  if (!existsSync(entry)) throw new Error(`jaxts build output not found at ${entry}: run \`npm run build\` at the repository root`);
  jx = await import(pathToFileURL(entry).href);
  if (typeof jx.init === "function") await jx.init();
  const available = jx.devices();
  device = process.env.JAXTS_DEVICE ?? (available.includes("wasm") ? "wasm" : "cpu");
  jx.defaultDevice(device);
  const version = JSON.parse(readFileSync(`${root}package.json`, "utf8")).version;
  const from = process.env.JAXTS_ENTRY ? entry : "the repository's dist/";
  return { name: "jaxts", version, device, devices: available, threads: 1, from };
}

function arr({ shape, data }) {
  return jx.numpy.array(data).reshape(shape);
}

/** Waits until `x` is computed. cpu and wasm execute synchronously; async backends are read. */
async function block(x) {
  if (typeof x.blockUntilReady === "function") await x.blockUntilReady();
  else if (device !== "cpu" && device !== "wasm") await x.data();
}

async function read(x) {
  return Array.from(await x.data());
}

/** A cell that calls `f` and waits for its result; `run(true)` keeps the result for `check`. */
function op(f) {
  return {
    async run(keep) {
      const y = f();
      await block(y);
      if (keep) return y;
      y.dispose();
    },
    check: async (y) => summarize(await read(y)),
  };
}

/**
 * A training-step cell: one jit of valueAndGrad(loss) followed by SGD over the parameter tree.
 * The parameters are updated on every call (the old ones disposed); `check` reads the loss.
 */
function sgdStepCell(loss, params, inputs, lr) {
  const { jit, valueAndGrad, tree } = jx;
  const step = jit(
    (p, ...xs) => {
      const [l, g] = valueAndGrad(loss)(p, ...xs);
      return [l, tree.map((w, gw) => w.sub(gw.mul(lr)), p, g)];
    },
    { device },
  );
  return {
    async run(keep) {
      const [l, next] = step(params, ...inputs);
      // one wait for the loss and the new parameters, as the jax-js cell does (on webgpu, a wait
      // per leaf cost a queue round trip each)
      if (typeof jx.blockUntilReady === "function") await jx.blockUntilReady([l, next]);
      else for (const w of [l, ...tree.leaves(next)]) await block(w);
      for (const w of tree.leaves(params)) w.dispose();
      params = next;
      if (keep) return l;
      l.dispose();
    },
    check: async (l) => [(await read(l))[0]],
  };
}

/** LeNet-5 (conv 5x5x6, max pool, conv 5x5x16, max pool, dense 120, 84, 10, relu), NHWC. */
function lenetForward(p, x) {
  const { numpy: np, lax } = jx;
  const dn = { dimensionNumbers: ["NHWC", "HWIO", "NHWC"] };
  const pool = (h) => lax.reduceWindow(h, -Infinity, lax.max, [1, 2, 2, 1], [1, 2, 2, 1], "VALID");
  const relu = (h) => np.maximum(h, 0);
  let h = pool(relu(np.add(lax.convGeneralDilated(x, p.conv1.w, [1, 1], "VALID", dn), p.conv1.b)));
  h = pool(relu(np.add(lax.convGeneralDilated(h, p.conv2.w, [1, 1], "VALID", dn), p.conv2.b)));
  h = np.reshape(h, [h.shape[0], -1]);
  h = relu(np.add(np.matmul(h, p.fc1.w), p.fc1.b));
  h = relu(np.add(np.matmul(h, p.fc2.w), p.fc2.b));
  return np.add(np.matmul(h, p.fc3.w), p.fc3.b);
}

export async function setup(cell, d) {
  const { numpy: np, nn, jit, valueAndGrad, tree, lax } = jx;
  switch (cell) {
    case "matmul512":
    case "matmul1024": {
      const a = arr(d.a);
      const b = arr(d.b);
      const f = jit((a, b) => np.matmul(a, b), { device });
      return op(() => f(a, b));
    }
    case "expsin": {
      const x = arr(d.x);
      const f = jit((x) => np.exp(np.sin(x).mul(2).add(1)), { device });
      return op(() => f(x));
    }
    case "mlpStep":
    case "mlpFirst": {
      const params = mapObject(d.params, arr);
      const x = arr(d.x);
      const y = arr(d.y);
      function loss(p, x, y) {
        const h1 = nn.relu(np.matmul(x, p.w1).add(p.b1));
        const h2 = nn.relu(np.matmul(h1, p.w2).add(p.b2));
        const logits = np.matmul(h2, p.w3).add(p.b3);
        return np.mean(np.sum(nn.logSoftmax(logits, -1).mul(y), -1)).neg();
      }
      // One jitted training step: value-and-grad of the loss, then SGD over the parameter tree.
      return sgdStepCell(loss, params, [x, y], MLP.lr);
    }
    case "lstmStep": {
      // The time loop is a lax.scan, so the step is traced once and compiled as one program.
      const { lax, nn: nnx } = jx;
      const params = mapObject(d.params, arr);
      const xs = arr(d.xs);
      const y = arr(d.y);
      const H = LSTM.hidden;
      const gate = (z, k) => z.slice([null, null], [k * H, (k + 1) * H]);
      function loss(p, xs, y) {
        const zeros = np.zeros([LSTM.batch, H]);
        const [[h]] = lax.scan(
          ([h, c], x) => {
            const z = np.matmul(np.concatenate([x, h], 1), p.kernel).add(p.bias);
            const c2 = nnx.sigmoid(gate(z, 0)).mul(np.tanh(gate(z, 1))).add(c.mul(nnx.sigmoid(gate(z, 2).add(1))));
            return [[np.tanh(c2).mul(nnx.sigmoid(gate(z, 3))), c2], null];
          },
          [zeros, zeros],
          xs,
        );
        return np.mean(np.square(h.sub(y)));
      }
      return sgdStepCell(loss, params, [xs, y], LSTM.lr);
    }
    case "cholesky256": {
      const a = arr(d.a);
      const f = jit((a) => np.linalg.cholesky(a), { device });
      return op(() => f(a));
    }
    case "solve256": {
      const a = arr(d.a);
      const b = arr(d.b);
      const f = jit((a, b) => np.linalg.solve(a, b), { device });
      return op(() => f(a, b));
    }
    case "svd256": {
      const a = arr(d.a);
      const f = jit((a) => np.linalg.svd(a)[1], { device });
      return op(() => f(a));
    }
    case "lenetStep": {
      const params = mapObject(d.params, (l) => ({ w: arr(l.w), b: arr(l.b) }));
      const loss = (p, x, y) => np.mean(np.sum(nn.logSoftmax(lenetForward(p, x), -1).mul(y), -1)).neg();
      return sgdStepCell(loss, params, [arr(d.x), arr(d.y)], LENET_STEP.lr);
    }
    case "lenet256":
    case "lenet256int8": {
      const { quant } = jx;
      const params = mapObject(d.params, (l) => ({ w: arr(l.w), b: arr(l.b) }));
      const lenet = lenetForward;
      const x = arr(d.x);
      if (cell === "lenet256") {
        const f = jit(lenet, { device });
        return op(() => f(params, x));
      }
      // Untimed: calibrate the activation scales on other images, quantize the weights.
      const scales = quant.calibrate(lenet, params, [arr(d.calibration)]);
      const qparams = quant.quantizeParams(params);
      const f = jit(quant.quantizedApply(lenet, scales), { device });
      return op(() => f(qparams, x));
    }
    case "tinyJit": {
      const x = arr(d.x);
      const f = jit((x) => x.mul(2).add(1), { device });
      return op(() => f(x));
    }
    case "eagerOp":
    case "eager100k": {
      const a = arr(d.a);
      const b = arr(d.b);
      return op(() => np.add(a, b));
    }
    case "eagerScalar": {
      const a = arr(d.a);
      return op(() => np.add(a, 1));
    }
    case "eager100kGc": {
      // As the README tells users: no dispose(); the result is dropped and left to the GC.
      const a = arr(d.a);
      const b = arr(d.b);
      return {
        async run(keep) {
          const y = np.add(a, b);
          await block(y);
          if (keep) return y;
        },
        check: async (y) => summarize(await read(y)),
      };
    }
    case "readback1e6": {
      const x = arr(d.x);
      return {
        async run(keep) {
          const host = await x.data();
          if (keep) return host;
        },
        check: async (host) => summarize(Array.from(host)),
      };
    }
    case "scan1000": {
      // The whole loop is one compiled module: one call from JS per 1000 steps.
      const c = arr(d.c);
      const xs = arr(d.xs);
      const f = jit((c, xs) => lax.scan((c, x) => [np.sin(c).mul(0.5).add(x), null], c, xs)[0], { device });
      return op(() => f(c, xs));
    }
    default:
      throw new Error(`jaxts: unknown cell ${cell}`);
  }
}
