// In-process, interleaved A/B of matmul n x n x n between two builds (JAXTS_ENTRY_A, JAXTS_ENTRY_B:
// paths to dist/src/index.js), in CPU time; results must be bit-identical. Each build loads its
// own copy of the library (its own wasm memory). Per-core numbers: JAXTS_NUM_THREADS=1.
//   JAXTS_NUM_THREADS=1 JAXTS_ENTRY_A=/old/dist/src/index.js node bench/matmulAB.mjs [n] [reps]
const n = Number(process.argv[2] ?? 512);
const reps = Number(process.argv[3] ?? 11);
const entries = { A: process.env.JAXTS_ENTRY_A, B: process.env.JAXTS_ENTRY_B ?? new URL("../dist/src/index.js", import.meta.url).pathname };
const sides = [];
for (const [name, path] of Object.entries(entries)) {
  if (!path) throw new Error(`set JAXTS_ENTRY_${name}`);
  const jx = await import(`file://${path}`);
  const np = jx.numpy;
  jx.defaultDevice("wasm");
  const a = np.array(Float32Array.from({ length: n * n }, (_, i) => Math.sin(i))).reshape([n, n]);
  const b = np.array(Float32Array.from({ length: n * n }, (_, i) => Math.cos(i))).reshape([n, n]);
  const f = jx.jit((a, b) => np.matmul(a, b), { device: "wasm" });
  sides.push({ name, path, run: () => f(a, b), ms: [] });
}
const [x, y] = sides.map((s) => s.run().dataSync());
for (let i = 0; i < x.length; i++) if (Object.is(x[i], y[i]) === false) throw new Error(`results differ at ${i}: ${x[i]} vs ${y[i]}`);
for (const s of sides) for (let i = 0; i < 5; i++) s.run().dispose();
for (let r = 0; r < reps; r++)
  for (const s of r % 2 ? [...sides].reverse() : sides) {
    const calls = 6;
    const c0 = process.cpuUsage();
    for (let i = 0; i < calls; i++) s.run().dispose();
    const c = process.cpuUsage(c0);
    s.ms.push((c.user + c.system) / calls / 1000);
  }
const g = (ms) => ((2 * n ** 3) / ms / 1e6).toFixed(1);
for (const s of sides) {
  const v = [...s.ms].sort((p, q) => p - q);
  console.log(`${s.name} ${g(v[v.length >> 1])} GFLOP/s median, ${g(v[0])} best (CPU time, matmul ${n}) ${s.path}`);
}
process.exit(0);
