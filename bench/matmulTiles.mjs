// A/B of matmul register tiles (LowerOptions.matmulTile) and relaxed SIMD, in one process,
// interleaved, timed in CPU time (steadier than wall time on a busy machine). Each variant gets
// its own wasm backend. Run after a build, on one thread for per-core numbers:
//   JAXTS_NUM_THREADS=1 node --experimental-wasm-relaxed-simd bench/matmulTiles.mjs 4x8p,4x8r,3x12r [n]
// A tile is MRxNR; a suffix r forces relaxed SIMD, p forces mul+add (default: what the engine has).
const root = new URL(process.env.JAXTS_ENTRY ? `file://${process.env.JAXTS_ENTRY}` : "../dist/src/index.js", import.meta.url);
const jx = await import(root.href);
const { createWasmBackend } = await import(new URL("backends/wasm.js", root).href);
const { registerBackend } = await import(new URL("backends/index.js", root).href);
const np = jx.numpy;
const tiles = (process.argv[2] ?? "4x8p,4x8r,3x12r").split(",");
const n = Number(process.argv[3] ?? 512);
const reps = Number(process.env.REPS ?? 9);

const variants = [];
for (const t of tiles) {
  const [mr, nr] = t.replace(/[rp]$/, "").split("x").map(Number);
  const relaxedSimd = t.endsWith("r") ? true : t.endsWith("p") ? false : undefined;
  const backend = await createWasmBackend({ matmulTile: [mr, nr], relaxedSimd });
  registerBackend(backend);
  jx.defaultDevice("wasm");
  const a = np.array(Float32Array.from({ length: n * n }, (_, i) => Math.sin(i))).reshape([n, n]);
  const b = np.array(Float32Array.from({ length: n * n }, (_, i) => Math.cos(i))).reshape([n, n]);
  const f = jx.jit((a, b) => np.matmul(a, b), { device: "wasm" });
  variants.push({ t, backend, a, b, f, first: f(a, b).dataSync(), ms: [] });
}
for (const v of variants) {
  let err = 0;
  for (let i = 0; i < v.first.length; i += 997) err = Math.max(err, Math.abs(v.first[i] - variants[0].first[i]));
  if (err > 1e-2) throw new Error(`${v.t} differs from ${variants[0].t} by ${err}`);
}
for (let r = 0; r < reps; r++)
  for (const v of variants) {
    registerBackend(v.backend);
    v.f(v.a, v.b).dispose(); // the same tier and caches for every sample
    const calls = 6;
    const c0 = process.cpuUsage();
    for (let i = 0; i < calls; i++) v.f(v.a, v.b).dispose();
    const c = process.cpuUsage(c0);
    v.ms.push((c.user + c.system) / calls / 1000);
  }
const gflops = (ms) => ((2 * n ** 3) / ms / 1e6).toFixed(1);
for (const v of variants) {
  const s = [...v.ms].sort((x, y) => x - y);
  console.log(`${v.t.padEnd(7)} relaxed SIMD ${String(v.backend.runtime.relaxedSimd).padEnd(5)} matmul ${n}: ${gflops(s[s.length >> 1])} GFLOP/s median, ${gflops(s[0])} best (CPU time)`);
}
