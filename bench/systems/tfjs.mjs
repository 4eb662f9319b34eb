// TensorFlow.js on its wasm backend (XNNPACK), single-threaded. The union package
// @tensorflow/tfjs is imported as its docs say: tfjs-core's own bundles register neither the
// gradients (needed by the training step) nor the chained tensor methods.
// In Node the wasm binaries are loaded from the package's dist/ folder; tfjs-backend-wasm
// never uses its threaded build under Node, and setThreadsCount(1) pins XNNPACK to one thread.
import { createRequire } from "node:module";
import path from "node:path";
import { LENET_STEP, LSTM, MLP, mapObject, summarize } from "../common.mjs";

const require = createRequire(import.meta.url);
let tf;
let wasm;

export async function init() {
  if (process.env.BENCH_DEVICE === "webgpu") return initWebgpu();
  tf = await import("@tensorflow/tfjs");
  wasm = await import("@tensorflow/tfjs-backend-wasm");
  const dist = path.dirname(require.resolve("@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm"));
  const names = ["tfjs-backend-wasm.wasm", "tfjs-backend-wasm-simd.wasm", "tfjs-backend-wasm-threaded-simd.wasm"];
  wasm.setWasmPaths(Object.fromEntries(names.map((n) => [n, path.join(dist, n)])));
  if (typeof wasm.setThreadsCount === "function") wasm.setThreadsCount(1);
  if (!(await tf.setBackend("wasm"))) throw new Error("tfjs: the wasm backend failed to initialize");
  await tf.ready();
  const simd = await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT");
  const mt = await tf.env().getAsync("WASM_HAS_MULTITHREAD_SUPPORT");
  const threads = typeof wasm.getThreadsCount === "function" ? wasm.getThreadsCount() : mt ? "?" : 1;
  return { name: "tfjs", version: tf.version.tfjs, device: `wasm${simd ? "+simd" : ""}`, threads };
}

/**
 * --device webgpu: tfjs-backend-webgpu on Dawn's navigator.gpu. The backend registers itself at
 * import only where navigator.gpu exists, so the adapter goes in first.
 */
async function initWebgpu() {
  const { create, globals } = await import("webgpu");
  Object.assign(globalThis, globals);
  globalThis.navigator = { gpu: create([]), userAgent: "node" };
  tf = await import("@tensorflow/tfjs");
  try {
    await import("@tensorflow/tfjs-backend-webgpu");
  } catch {
    throw new Error("@tensorflow/tfjs-backend-webgpu is not installed in bench/node_modules");
  }
  if (!(await tf.setBackend("webgpu"))) throw new Error("tfjs: the webgpu backend failed to initialize");
  await tf.ready();
  return { name: "tfjs", version: tf.version.tfjs, device: "webgpu", threads: 1 };
}

const tensor = ({ shape, data }) => tf.tensor(data, shape, "float32");
const read = async (t) => {
  const d = Array.from(await t.data());
  t.dispose();
  return d;
};

// tfjs-wasm executes each op synchronously when it is called, so a returned tensor is complete;
// on webgpu, the call waits for the queue (reading the result back, tfjs's only way to wait).
const settle = async (t) => {
  if (tf.getBackend() === "webgpu") await t.data();
};

/** A cell that calls `f`; `run(true)` keeps the result for `check`. */
function op(f) {
  return {
    async run(keep) {
      const y = f();
      await settle(y);
      if (keep) return y;
      y.dispose();
    },
    check: async (y) => summarize(await read(y)),
  };
}

/** LeNet-5 as the other systems compute it (NHWC, HWIO weights, valid convolutions). */
function lenetForward(p, x) {
  const pool = (h) => tf.maxPool(h, 2, 2, "valid");
  let h = pool(tf.relu(tf.add(tf.conv2d(x, p.conv1.w, 1, "valid"), p.conv1.b)));
  h = pool(tf.relu(tf.add(tf.conv2d(h, p.conv2.w, 1, "valid"), p.conv2.b)));
  h = tf.reshape(h, [h.shape[0], -1]);
  h = tf.relu(tf.add(tf.matMul(h, p.fc1.w), p.fc1.b));
  h = tf.relu(tf.add(tf.matMul(h, p.fc2.w), p.fc2.b));
  return tf.add(tf.matMul(h, p.fc3.w), p.fc3.b);
}

export async function setup(cell, d) {
  switch (cell) {
    case "matmul512":
    case "matmul1024": {
      const a = tensor(d.a);
      const b = tensor(d.b);
      return op(() => tf.matMul(a, b));
    }
    case "expsin": {
      const x = tensor(d.x);
      return op(() => tf.tidy(() => x.sin().mul(2).add(1).exp()));
    }
    case "mlpStep":
    case "mlpFirst": {
      const p = mapObject(d.params, (v) => tf.variable(tensor(v)));
      const x = tensor(d.x);
      const y = tensor(d.y);
      const loss = () => {
        const h1 = tf.relu(tf.add(tf.matMul(x, p.w1), p.b1));
        const h2 = tf.relu(tf.add(tf.matMul(h1, p.w2), p.b2));
        const logits = tf.add(tf.matMul(h2, p.w3), p.b3);
        return tf.neg(tf.mean(tf.sum(tf.mul(tf.logSoftmax(logits, -1), y), -1)));
      };
      const opt = tf.train.sgd(MLP.lr);
      const vars = Object.values(p);
      return {
        async run(keep) {
          // minimize = variableGrads (value and gradients) + the SGD update of the variables.
          const l = opt.minimize(loss, true, vars);
          await settle(l);
          if (keep) return l;
          l.dispose();
        },
        check: async (l) => [(await read(l))[0]],
      };
    }
    case "lstmStep": {
      // tfjs has no scan or jit: the 50 steps are a JS loop of tf.basicLSTMCell (tfjs's own
      // LSTM cell op, the same math as the other systems), run eagerly under minimize's tape.
      const p = mapObject(d.params, (v) => tf.variable(tensor(v)));
      const xs = tf.unstack(tensor(d.xs)); // T tensors [batch, input], made once (untimed)
      const y = tensor(d.y);
      const forgetBias = tf.scalar(1);
      const loss = () => {
        let h = tf.zeros([LSTM.batch, LSTM.hidden]);
        let c = tf.zeros([LSTM.batch, LSTM.hidden]);
        for (const x of xs) [c, h] = tf.basicLSTMCell(forgetBias, p.kernel, p.bias, x, c, h);
        return tf.mean(tf.square(tf.sub(h, y)));
      };
      const opt = tf.train.sgd(LSTM.lr);
      const vars = Object.values(p);
      return {
        run(keep) {
          const l = opt.minimize(loss, true, vars);
          if (keep) return l;
          l.dispose();
        },
        check: async (l) => [(await read(l))[0]],
      };
    }
    case "lenet256": {
      const p = Object.fromEntries(Object.entries(d.params).map(([k, l]) => [k, { w: tensor(l.w), b: tensor(l.b) }]));
      const x = tensor(d.x);
      return op(() => tf.tidy(() => lenetForward(p, x)));
    }
    case "lenetStep": {
      const p = Object.fromEntries(Object.entries(d.params).map(([k, l]) => [k, { w: tf.variable(tensor(l.w)), b: tf.variable(tensor(l.b)) }]));
      const x = tensor(d.x);
      const y = tensor(d.y);
      const loss = () => tf.neg(tf.mean(tf.sum(tf.mul(tf.logSoftmax(lenetForward(p, x), -1), y), -1)));
      const opt = tf.train.sgd(LENET_STEP.lr);
      const vars = Object.values(p).flatMap((l) => [l.w, l.b]);
      return {
        async run(keep) {
          const l = opt.minimize(loss, true, vars);
          await settle(l);
          if (keep) return l;
          l.dispose();
        },
        check: async (l) => [(await read(l))[0]],
      };
    }
    case "lenet256int8":
      throw new Error("tfjs-backend-wasm has no int8 inference path");
    case "cholesky256":
    case "solve256":
    case "svd256":
      throw new Error(`tfjs has no ${cell.replace(/256$/, "")}`);
    case "tinyJit": {
      // tfjs has no jit: the same two ops, eagerly, under tidy.
      const x = tensor(d.x);
      return op(() => tf.tidy(() => x.mul(2).add(1)));
    }
    case "eagerOp":
    case "eager100k": {
      const a = tensor(d.a);
      const b = tensor(d.b);
      return op(() => tf.add(a, b));
    }
    case "eagerScalar": {
      const a = tensor(d.a);
      return op(() => tf.add(a, 1));
    }
    case "eager100kGc": {
      // tfjs never frees a tensor by itself (dropped ones leak): tf.tidy is its way to write no dispose().
      const a = tensor(d.a);
      const b = tensor(d.b);
      return {
        run(keep) {
          if (keep) return tf.add(a, b);
          tf.tidy(() => {
            tf.add(a, b);
          });
        },
        check: async (y) => summarize(await read(y)),
      };
    }
    case "readback1e6": {
      const x = tensor(d.x);
      return {
        async run(keep) {
          const host = await x.data();
          if (keep) return host;
        },
        check: async (host) => summarize(Array.from(host)),
      };
    }
    case "scan1000": {
      // tfjs has no scan: a JS loop of the eager ops, under tidy, over pre-split rows of xs.
      const c0 = tensor(d.c);
      const rows = tf.unstack(tensor(d.xs));
      return op(() =>
        tf.tidy(() => {
          let c = c0;
          for (const x of rows) c = tf.add(tf.mul(tf.sin(c), 0.5), x);
          return c;
        }),
      );
    }
    default:
      throw new Error(`tfjs: unknown cell ${cell}`);
  }
}
