// LeNet-5's convolutions alone, batch 64: `node scripts/convLenet.mjs <entry>...` times conv1 and conv2 forward
// (+ bias + relu, summed), conv2's input gradient and both weight gradients, jitted on wasm with one
// thread (CB_THREADS), each entry in its own child process, interleaved over CB_ROUNDS rounds; prints
// per case the median and min wall time and the median process CPU time (ms). CB_CASES=a,b picks cases.
// node tmp/convbench.mjs entry...  : per-conv times (1 thread), entries interleaved
import { pathToFileURL } from "node:url";
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
if (process.env.CB_CHILD) {
  const jx = await import(pathToFileURL(process.env.CB_CHILD).href);
  const { numpy: np, jit, lax, vjp } = jx;
  jx.defaultDevice("wasm");
  jx.setNumThreads(Number(process.env.CB_THREADS ?? 1));
  const dn = ["NHWC", "HWIO", "NHWC"];
  const rnd = (shape, s) => { const n = shape.reduce((a, b) => a * b, 1); return np.array(Float32Array.from({ length: n }, (_, i) => (((i * 2654435761 + s) >>> 0) / 4294967296) - 0.5)).reshape(shape); };
  const conv = (x, w) => lax.convGeneralDilated(x, w, [1, 1], "VALID", { dimensionNumbers: dn });
  const cases = {
    conv1fwd: [jit((x, w, b) => np.sum(np.maximum(np.add(conv(x, w), b), 0))), [rnd([64, 28, 28, 1], 1), rnd([5, 5, 1, 6], 2), rnd([6], 3)]],
    conv2fwd: [jit((x, w, b) => np.sum(np.maximum(np.add(conv(x, w), b), 0))), [rnd([64, 12, 12, 6], 1), rnd([5, 5, 6, 16], 2), rnd([16], 3)]],
    conv2dx: [jit((x, w, g) => np.sum(vjp((x) => conv(x, w), [x])[1](g)[0])), [rnd([64, 12, 12, 6], 1), rnd([5, 5, 6, 16], 2), rnd([64, 8, 8, 16], 3)]],
    conv2dw: [jit((x, w, g) => vjp((w) => conv(x, w), [w])[1](g)[0]), [rnd([64, 12, 12, 6], 1), rnd([5, 5, 6, 16], 2), rnd([64, 8, 8, 16], 3)]],
    conv1dw: [jit((x, w, g) => vjp((w) => conv(x, w), [w])[1](g)[0]), [rnd([64, 28, 28, 1], 1), rnd([5, 5, 1, 6], 2), rnd([64, 24, 24, 6], 3)]],
  };
  const only = process.env.CB_CASES?.split(",");
  const out = {};
  for (const [name, [f, args]] of Object.entries(cases)) {
    if (only && !only.includes(name)) continue;
    const reps = 40, times = [], cpus = [];
    for (let r = 0; r < reps + 5; r++) {
      const c0 = process.cpuUsage(); const t0 = performance.now();
      const y = f(...args); y.dataSync();
      const t = performance.now() - t0; const c = process.cpuUsage(c0);
      y.dispose?.();
      if (r >= 5) { times.push(t); cpus.push((c.user + c.system) / 1000); }
    }
    times.sort((a, b) => a - b); cpus.sort((a, b) => a - b);
    out[name] = [times[reps >> 1], times[0], cpus[reps >> 1]];
  }
  console.log(JSON.stringify(out));
  process.exit(0);
}
const entries = process.argv.slice(2);
const rounds = Number(process.env.CB_ROUNDS ?? 3);
const res = entries.map(() => ({}));
for (let r = 0; r < rounds; r++) entries.forEach((e, k) => {
  const o = JSON.parse(execFileSync(process.execPath, [fileURLToPath(import.meta.url)], { env: { ...process.env, CB_CHILD: e }, encoding: "utf8" }).trim().split("\n").pop());
  for (const [n, v] of Object.entries(o)) (res[k][n] ??= []).push(v);
});
const med = (a) => a.slice().sort((x, y) => x - y)[a.length >> 1];
for (const n of Object.keys(res[0])) console.log(n.padEnd(9), entries.map((e, k) => { const v = res[k][n]; return `${e.split("/").slice(-4, -2).join("/")}: med ${med(v.map((x) => x[0])).toFixed(3)} min ${Math.min(...v.map((x) => x[1])).toFixed(3)} cpu ${med(v.map((x) => x[2])).toFixed(3)}`; }).join(" | "));
