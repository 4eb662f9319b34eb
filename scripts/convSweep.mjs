// Convolution A/B over shapes: `node scripts/convSweep.mjs <entry>...` (built dist/src/index.js files) times a
// jitted NHWC conv 5x5 + bias + relu + sum (batch 64) for each (I, O, H) case, one thread, each entry in its own
// child process, entries interleaved over rounds; prints the median and min process CPU time (ms).
// SW_CASES=I:O:H,... picks cases, SW_I=1,2,.. the input features of the default grid, SW_ROUNDS the rounds.
import { pathToFileURL, fileURLToPath } from "node:url";
import { execFileSync } from "node:child_process";
const cases = process.env.SW_CASES ? process.env.SW_CASES.split(",").map((c) => c.split(":").map(Number)) : [];
if (!process.env.SW_CASES)
for (const I of (process.env.SW_I ?? "1,2,3,4,6,8").split(",").map(Number)) for (const [O, H] of [[6, 28], [16, 12]]) cases.push([I, O, H]);
if (process.env.SW_CHILD) {
  const jx = await import(pathToFileURL(process.env.SW_CHILD).href);
  const { numpy: np, jit, lax } = jx;
  jx.defaultDevice("wasm"); jx.setNumThreads(1);
  const dn = ["NHWC", "HWIO", "NHWC"];
  const rnd = (shape, s) => { const n = shape.reduce((a, b) => a * b, 1); return np.array(Float32Array.from({ length: n }, (_, i) => (((i * 2654435761 + s) >>> 0) / 4294967296) - 0.5)).reshape(shape); };
  const f = jit((x, w, b) => np.sum(np.maximum(np.add(lax.convGeneralDilated(x, w, [1, 1], "VALID", { dimensionNumbers: dn }), b), 0)));
  const out = [];
  for (const [I, O, H] of cases) {
    const args = [rnd([64, H, H, I], 1), rnd([5, 5, I, O], 2), rnd([O], 3)];
    const ts = [];
    for (let r = 0; r < 25; r++) { const c0 = process.cpuUsage(); f(...args).dataSync(); const c = process.cpuUsage(c0); if (r >= 5) ts.push((c.user + c.system) / 1000); }
    ts.sort((a, b) => a - b); out.push([ts[ts.length >> 1], ts[0]]);
  }
  console.log(JSON.stringify(out)); process.exit(0);
}
const entries = process.argv.slice(2); const res = entries.map(() => cases.map(() => []));
for (let r = 0; r < Number(process.env.SW_ROUNDS ?? 3); r++) entries.forEach((e, k) => { JSON.parse(execFileSync(process.execPath, [fileURLToPath(import.meta.url)], { env: { ...process.env, SW_CHILD: e }, encoding: "utf8" }).trim().split("\n").pop()).forEach((v, i) => res[k][i].push(v)); });
cases.forEach(([I, O, H], i) => console.log(`I=${I} O=${O} H=${H}`, entries.map((e, k) => { const v = res[k][i]; const m = v.map((x) => x[0]).sort((a, b) => a - b); return `med ${m[m.length >> 1].toFixed(3)} min ${Math.min(...v.map((x) => x[1])).toFixed(3)}`; }).join(" | ")));
