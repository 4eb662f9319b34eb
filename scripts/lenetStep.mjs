// LeNet-5 training step (batch 64, Adam, as examples/lenet.ts) timed on the wasm device with 1
// and 2 threads. `node scripts/lenetStep.mjs [entry ...]`: each entry (a built dist/src/index.js;
// default this checkout's) is timed in its own child process, the entries interleaved over
// rounds, so an A/B comparison shares the machine's load. Prints medians and minima of the wall
// time and the median process CPU time per step (on one thread the step's own cost), in ms.
import { execFileSync } from "node:child_process";
import { dirname, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const arg = (name, dflt) => {
  const a = process.argv.find((s) => s.startsWith(`--${name}=`));
  return a ? a.slice(name.length + 3) : dflt;
};

if (process.env.LENET_CHILD) {
  const entry = process.env.LENET_CHILD;
  const jx = await import(pathToFileURL(entry).href);
  const { LeNet } = await import(pathToFileURL(resolve(dirname(entry), "../examples/lenetModel.js")).href);
  const { numpy: np, jit, valueAndGrad, optax, random } = jx;
  jx.defaultDevice("wasm");
  const [init, apply] = LeNet();
  let [, params] = init(random.key(0), [-1, 28, 28, 1]);
  const opt = optax.adam(1e-3);
  let state = opt.init(params);
  const loss = (p, x, y) => np.mean(optax.softmaxCrossEntropyWithIntegerLabels(apply(p, x), y));
  const step = jit((p, s, x, y) => {
    const [l, g] = valueAndGrad(loss)(p, x, y);
    const [u, s2] = opt.update(g, s, p);
    return [optax.applyUpdates(p, u), s2, l];
  });
  const B = 64;
  const xs = new Float32Array(B * 784).map((_, i) => ((i * 2654435761) >>> 0) / 4294967296);
  const x = np.array(xs).reshape([B, 28, 28, 1]);
  const y = np.array(Int32Array.from({ length: B }, (_, i) => i % 10));
  const reps = Number(process.env.LENET_REPS ?? 30);
  const out = {};
  for (const threads of [1, 2]) {
    jx.setNumThreads(threads);
    const times = [];
    const cpus = [];
    for (let r = 0; r < reps + 5; r++) {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      const [p, s, l] = step(params, state, x, y);
      l.dataSync();
      const t = performance.now() - t0;
      const c = process.cpuUsage(c0);
      if (r >= 5) {
        times.push(t);
        cpus.push((c.user + c.system) / 1000);
      }
      params = p;
      state = s;
    }
    times.sort((a, b) => a - b);
    cpus.sort((a, b) => a - b);
    // CPU time of the process per step: on one thread, the step's cost with less of the machine's load in it.
    out[threads] = { median: times[times.length >> 1], min: times[0], cpu: cpus[cpus.length >> 1] };
  }
  if (process.env.LENET_TEXT) console.error(step.lower(params, state, x, y).compile().asText());
  console.log(JSON.stringify(out));
  process.exit(0);
}

const entries = process.argv.slice(2).filter((s) => !s.startsWith("--"));
if (entries.length === 0) entries.push(resolve(here, "../dist/src/index.js"));
const rounds = Number(arg("rounds", 3));
const results = entries.map(() => ({ 1: [], 2: [] }));
for (let r = 0; r < rounds; r++)
  entries.forEach((entry, k) => {
    const o = JSON.parse(execFileSync(process.execPath, [fileURLToPath(import.meta.url)], { env: { ...process.env, LENET_CHILD: resolve(entry) }, encoding: "utf8" }).trim().split("\n").pop());
    for (const t of [1, 2]) results[k][t].push(o[t]);
  });
entries.forEach((entry, k) => {
  const fmt = (t) => {
    const meds = results[k][t].map((o) => o.median).sort((a, b) => a - b);
    const mins = results[k][t].map((o) => o.min);
    const cpus = results[k][t].map((o) => o.cpu).sort((a, b) => a - b);
    return `${t} thread${t > 1 ? "s" : ""}: median ${meds[meds.length >> 1].toFixed(2)} ms (per round ${meds.map((m) => m.toFixed(1)).join(", ")}), min ${Math.min(...mins).toFixed(2)} ms; process CPU per step (median) ${cpus[cpus.length >> 1].toFixed(2)} ms`;
  };
  console.log(`${entry}\n  ${fmt(1)}\n  ${fmt(2)}`);
});
