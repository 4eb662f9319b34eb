// A/B of the native indexing kernels against the host-step path they replace, in one process,
// interleaved: two wasm backends over the same build, one lowering with
// `hostPrimitives` (gather, scatterAdd, sort run through the reference interpreter, as before).
// Run after `npm run build`: JAXTS_NUM_THREADS=1 node scripts/benchIndexing.mjs [reps]
import { createWasmBackend } from "../dist/src/backends/wasm.js";
import { lax, makeJaxpr, numpy as np } from "../dist/src/index.js";

const reps = Number(process.argv[2] ?? 15);
const native = await createWasmBackend();
const host = await createWasmBackend({ hostPrimitives: new Set(["gather", "scatterAdd", "sort", "dynamicSlice", "dynamicUpdateSlice"]) });

const rows = 100000;
const cases = [
  {
    name: `gather: take 1e5 rows of a [1000, 8] table, then *2`,
    f: (t, i) => np.multiply(np.take(t, i, 0), 2),
    args: [np.zeros([1000, 8]), np.zeros([rows], { dtype: "int32" })],
    data: [Float32Array.from({ length: 8000 }, (_, k) => Math.sin(k)), Int32Array.from({ length: rows }, (_, k) => (k * 7919) % 1000)],
  },
  {
    name: "sort of 1e5 float32",
    f: (x) => np.sort(x),
    args: [np.zeros([rows])],
    data: [Float32Array.from({ length: rows }, (_, k) => Math.sin(k * 12.9898) * 43758.5453 % 1)],
  },
  {
    name: "argsort of 1e5 float32",
    f: (x) => np.argsort(x),
    args: [np.zeros([rows])],
    data: [Float32Array.from({ length: rows }, (_, k) => Math.sin(k * 12.9898) * 43758.5453 % 1)],
  },
  {
    name: "scatterAdd: 1e5 updates into [1000] (segment sum)",
    f: (x, i, u) => x.at(i).add(u),
    args: [np.zeros([1000]), np.zeros([rows], { dtype: "int32" }), np.zeros([rows])],
    data: [new Float32Array(1000), Int32Array.from({ length: rows }, (_, k) => (k * 7919) % 1000), Float32Array.from({ length: rows }, (_, k) => k % 3)],
  },
  {
    name: "dynamicSlice in a 1000-step scan over a [1000, 64] table",
    f: (t, c0, ks) => lax.scan((c, k) => [np.add(c, lax.dynamicSlice(t, [k, 0], [1, 64])), null], c0, ks)[0],
    args: [np.zeros([1000, 64]), np.zeros([1, 64]), np.zeros([1000], { dtype: "int32" })],
    data: [Float32Array.from({ length: 64000 }, (_, k) => k % 17), new Float32Array(64), Int32Array.from({ length: 1000 }, (_, k) => (k * 31) % 1000)],
  },
];

const stats = (ts) => {
  const s = [...ts].sort((a, b) => a - b);
  return `median ${s[Math.floor(s.length / 2)].toFixed(3)} ms, min ${s[0].toFixed(3)} ms`;
};

for (const c of cases) {
  const j = makeJaxpr(c.f)(...c.args).jaxpr;
  const run = (b) => {
    const ins = c.data.map((d, k) => b.fromHost(d, j.invars[k].aval));
    const t0 = performance.now();
    const outs = b.executeJaxpr(j, ins);
    const first = b.readSync(outs[0], j.outs[0].aval);
    const t = performance.now() - t0;
    [...ins, ...outs].forEach((x) => b.dispose(x));
    return { t, first };
  };
  const a = run(native).first;
  const h = run(host).first;
  let same = a.length === h.length;
  for (let k = 0; same && k < a.length; k++) same = Object.is(a[k], h[k]) || a[k] === h[k];
  const tn = [];
  const th = [];
  for (let r = 0; r < reps; r++) {
    tn.push(run(native).t);
    th.push(run(host).t);
  }
  console.log(`${c.name}${same ? "" : " (RESULTS DIFFER)"}\n  native:    ${stats(tn)}\n  host step: ${stats(th)}`);
}
