// LeNet inference (batch 256, float32 and the calibrated int8 quantizedApply), two builds A/B in
// one process: `node scripts/lenetPair.mjs <old>/dist/src/index.js <new>/dist/src/index.js`.
// Runs alternate one by one (REPS each, default 150), so load drift on a shared machine hits both
// alike; prints per-build wall medians/minima, process CPU medians and the median of the paired
// ratios B/A. One thread only (TH=1): with more, the two builds' thread pools compete for cores.
// LAYERS=1 or 2 times only the first one or two conv -> bias -> relu -> pool layers (summed).
import { pathToFileURL } from "node:url";
const entries = process.argv.slice(2);
const TH = Number(process.env.TH ?? 1), REPS = Number(process.env.REPS ?? 150), B = Number(process.env.B ?? 256);
const progs = [];
for (const e of entries) {
  const jx = await import(pathToFileURL(e).href);
  const { numpy: np, lax, jit, quant, random } = jx;
  jx.defaultDevice("wasm"); jx.setNumThreads(TH);
  const r = (s, k) => random.normal(random.key(k), s).mul(0.1);
  const p = { conv1: { w: r([5,5,1,6],1), b: r([6],2) }, conv2: { w: r([5,5,6,16],3), b: r([16],4) }, fc1: { w: r([256,120],5), b: r([120],6) }, fc2: { w: r([120,84],7), b: r([84],8) }, fc3: { w: r([84,10],9), b: r([10],10) } };
  const lenet = (p, x) => { const dn = { dimensionNumbers: ["NHWC", "HWIO", "NHWC"] };
    const pool = (h) => lax.reduceWindow(h, -Infinity, lax.max, [1, 2, 2, 1], [1, 2, 2, 1], "VALID");
    const relu = (h) => np.maximum(h, 0);
    let h = pool(relu(np.add(lax.convGeneralDilated(x, p.conv1.w, [1, 1], "VALID", dn), p.conv1.b)));
    if (process.env.LAYERS === "1") return h.sum();
    h = pool(relu(np.add(lax.convGeneralDilated(h, p.conv2.w, [1, 1], "VALID", dn), p.conv2.b)));
    if (process.env.LAYERS === "2") return h.sum();
    h = np.reshape(h, [h.shape[0], -1]);
    h = relu(np.add(np.matmul(h, p.fc1.w), p.fc1.b));
    h = relu(np.add(np.matmul(h, p.fc2.w), p.fc2.b));
    return np.add(np.matmul(h, p.fc3.w), p.fc3.b); };
  const x = random.uniform(random.key(11), [B, 28, 28, 1]);
  const f32 = jit(lenet);
  const q = jit(quant.quantizedApply(lenet, quant.calibrate(lenet, p, [random.uniform(random.key(12), [64, 28, 28, 1])])));
  const qp = quant.quantizeParams(p);
  progs.push({ e, f32: () => f32(p, x).dataSync(), int8: () => q(qp, x).dataSync() });
}
for (const cell of ["f32", "int8"]) {
  const t = progs.map(() => ({ w: [], c: [] }));
  for (let i = 0; i < 10; i++) progs.forEach((pr) => pr[cell]());
  for (let i = 0; i < REPS; i++) progs.forEach((pr, k) => { const c0 = process.cpuUsage(); const t0 = performance.now(); pr[cell](); const w = performance.now() - t0; const c = process.cpuUsage(c0); t[k].w.push(w); t[k].c.push((c.user + c.system) / 1000); });
  const med = (a) => [...a].sort((x, y) => x - y)[a.length >> 1], min = (a) => Math.min(...a);
  const row = t.map((x, k) => `${k === 0 ? "A" : "B"} wall med ${med(x.w).toFixed(2)} min ${min(x.w).toFixed(2)} | cpu med ${med(x.c).toFixed(2)}`).join("  ||  ");
  // paired: per rep, B/A wall
  const ratios = t[0].w.map((a, i) => t[1].w[i] / a);
  console.log(`${cell} TH=${TH}: ${row}  || median B/A ${med(ratios).toFixed(3)}`);
}
