// jax-js (npm @jax-js/jax, github.com/ekzhang/jax-js) on its "wasm" device.
// jax-js starts worker threads only where a global `Worker` exists (browsers); Node has none,
// so here it runs on one thread. jax-js arrays are reference counted: every function consumes
// its array arguments, `x.ref` adds a reference, `dispose()` drops one. The code below follows
// those rules so nothing leaks and nothing is freed early.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { LSTM, MLP, mapObject, summarize } from "../common.mjs";

const require = createRequire(import.meta.url);
let jax;

export async function init() {
  // --device webgpu: jax-js finds WebGPU through `navigator.gpu`, which Node lacks; Dawn's
  // (the `webgpu` package) stands in, with its globals (GPUBufferUsage and the like).
  const device = process.env.BENCH_DEVICE === "webgpu" ? "webgpu" : "wasm";
  if (device === "webgpu") {
    const { create, globals } = await import("webgpu");
    Object.assign(globalThis, globals);
    globalThis.navigator = { gpu: create([]), userAgent: "node" };
  }
  jax = await import("@jax-js/jax");
  const got = await jax.init(device);
  if (!got.includes(device)) throw new Error(`jax-js: no ${device} device (got ${got.join(", ")})`);
  jax.defaultDevice(device);
  const pkg = path.join(path.dirname(require.resolve("@jax-js/jax")), "..", "package.json");
  const version = JSON.parse(readFileSync(pkg, "utf8")).version;
  const threads = typeof globalThis.Worker === "undefined" ? 1 : "multi";
  return { name: "jax-js", version, device, threads };
}

const arr = ({ shape, data }) => jax.numpy.array(data).reshape(shape);
/** Reads and consumes `x`. */
const read = async (x) => Array.from(await x.data());

/** A cell that calls `f` and waits for its result; `run(true)` keeps the result for `check`. */
function op(f) {
  return {
    async run(keep) {
      const y = f();
      await y.blockUntilReady();
      if (keep) return y;
      y.dispose();
    },
    check: async (y) => summarize(await read(y)),
  };
}

export async function setup(cell, d) {
  const { numpy: np, nn, jit, valueAndGrad, tree } = jax;
  switch (cell) {
    case "matmul512":
    case "matmul1024": {
      const a = arr(d.a);
      const b = arr(d.b);
      const f = jit((a, b) => np.matmul(a, b));
      return op(() => f(a.ref, b.ref));
    }
    case "expsin": {
      const x = arr(d.x);
      const f = jit((x) => np.exp(np.sin(x).mul(2).add(1)));
      return op(() => f(x.ref));
    }
    case "mlpStep":
    case "mlpFirst": {
      let params = mapObject(d.params, arr);
      const x = arr(d.x);
      const y = arr(d.y);
      function loss(p, x, y) {
        const h1 = nn.relu(np.matmul(x, p.w1).add(p.b1));
        const h2 = nn.relu(np.matmul(h1, p.w2).add(p.b2));
        const logits = np.matmul(h2, p.w3).add(p.b3);
        return np.mean(np.sum(nn.logSoftmax(logits, -1).mul(y), -1)).mul(-1);
      }
      // One jitted training step: value-and-grad of the loss, then SGD over the parameter tree.
      // `p` is used twice, so its first use takes a new reference.
      const step = jit((p, x, y) => {
        const [l, g] = valueAndGrad(loss)(tree.ref(p), x, y);
        return [l, tree.map((w, gw) => w.sub(gw.mul(MLP.lr)), p, g)];
      });
      return {
        async run(keep) {
          const [l, next] = step(params, x.ref, y.ref); // consumes the old params
          params = next;
          await jax.blockUntilReady([l, params]);
          if (keep) return l;
          l.dispose();
        },
        check: async (l) => [(await read(l))[0]],
      };
    }
    case "lstmStep": {
      // jax-js 0.1.25 has no lax.scan: the 50 steps are a JS loop unrolled inside one jit
      // (traced once, 50 copies of the cell in the program). Arguments used again take `.ref`.
      let params = mapObject(d.params, arr);
      const xs = arr(d.xs);
      const y = arr(d.y);
      function loss(p, xs, y) {
        let h = np.zeros([LSTM.batch, LSTM.hidden]);
        let c = np.zeros([LSTM.batch, LSTM.hidden]);
        for (let t = 0; t < LSTM.time; t++) {
          const z = np.matmul(np.concatenate([xs.ref.slice(t), h], 1), p.kernel.ref).add(p.bias.ref);
          const [i, j, f, o] = np.split(z, 4, 1);
          c = nn.sigmoid(i).mul(np.tanh(j)).add(c.mul(nn.sigmoid(f.add(1))));
          h = np.tanh(c.ref).mul(nn.sigmoid(o));
        }
        xs.dispose();
        c.dispose();
        p.kernel.dispose();
        p.bias.dispose();
        return np.mean(np.square(h.sub(y)));
      }
      const step = jit((p, xs, y) => {
        const [l, g] = valueAndGrad(loss)(tree.ref(p), xs, y);
        return [l, tree.map((w, gw) => w.sub(gw.mul(LSTM.lr)), p, g)];
      });
      return {
        async run(keep) {
          const [l, next] = step(params, xs.ref, y.ref); // consumes the old params
          params = next;
          await jax.blockUntilReady([l, params]);
          if (keep) return l;
          l.dispose();
        },
        check: async (l) => [(await read(l))[0]],
      };
    }
    case "cholesky256": {
      const a = arr(d.a);
      const f = jit((a) => np.linalg.cholesky(a));
      return op(() => f(a.ref));
    }
    case "solve256": {
      const a = arr(d.a);
      const b = arr(d.b);
      // jax-js 0.1.25 cannot jit solve ("routine primitive triangular_solve input is not imm"), so it runs eagerly.
      return op(() => np.linalg.solve(a.ref, b.ref));
    }
    case "svd256": {
      const a = arr(d.a);
      const f = jit((a) => np.linalg.svd(a)[1]);
      return op(() => f(a.ref));
    }
    case "tinyJit": {
      const x = arr(d.x);
      const f = jit((x) => x.mul(2).add(1));
      return op(() => f(x.ref));
    }
    case "eagerOp":
    case "eager100k":
    case "eager100kGc": {
      // jax-js is reference counted: a result that is never disposed is never freed, so the
      // no-dispose cell disposes too.
      const a = arr(d.a);
      const b = arr(d.b);
      return op(() => np.add(a.ref, b.ref));
    }
    case "eagerScalar": {
      const a = arr(d.a);
      return op(() => np.add(a.ref, 1));
    }
    case "readback1e6": {
      const x = arr(d.x);
      return {
        async run(keep) {
          const host = await x.ref.data(); // data() consumes a reference
          if (keep) return host;
        },
        check: async (host) => summarize(Array.from(host)),
      };
    }
    case "scan1000": {
      // jax-js has no scan: a JS loop of eager ops over pre-split rows of xs (ops consume
      // their operands, so the kept arrays are passed as `.ref`).
      const c0 = arr(d.c);
      const rows = Array.from({ length: d.xs.shape[0] }, (_, t) => arr({ shape: d.xs.shape.slice(1), data: d.xs.data.subarray(t * 16, (t + 1) * 16) }));
      return op(() => {
        let c = c0.ref;
        for (const x of rows) c = np.sin(c).mul(0.5).add(x.ref);
        return c;
      });
    }
    case "lenet256":
    case "lenet256int8":
    case "lenetStep":
      throw new Error("jax-js: the LeNet cells are not written for jax-js (and it has no int8 path)");
    default:
      throw new Error(`jax-js: unknown cell ${cell}`);
  }
}
