#!/usr/bin/env node
// jaxts benchmarks against TensorFlow.js (wasm backend) and jax-js, on this machine, in one run.
//
//   node bench/bench.mjs [--cells=a,b] [--systems=jaxts,tfjs,jax-js] [--cap=20] [--reps=11]
//                        [--first-reps=3] [--clock=wall|cpu] [--quick] [--out=PATH | --no-write]
//                        [--no-relaxed-simd]
//
// Each system runs in its own child process (worker.mjs). Within a benchmark ("cell") the systems take turns,
// A B C A B C ..., each turn timing a sample of back-to-back calls (~100 ms), and the median over
// samples is reported. Every system gets a time budget per cell (--cap seconds, the first call and
// calibration included); a worker still busy at its deadline is terminated and the cell reads
// "timeout". See README.md.
import { fork, spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import os from "node:os";
import { fileURLToPath } from "node:url";
import { LENET, LENET_STEP, LSTM, MLP, summaryError } from "./common.mjs";

// ---------------------------------------------------------------------------------------------
// Options

// `--name=value`, `--name value` (as in `npm run bench -- --device webgpu`) or a bare `--flag`.
const args = {};
for (let i = 2, last = null; i < process.argv.length; i++) {
  const a = process.argv[i];
  const m = /^--([^=]+)(?:=(.*))?$/.exec(a);
  if (m) {
    args[m[1]] = m[2] ?? true;
    last = m[2] === undefined ? m[1] : null;
  } else if (last !== null) {
    args[last] = a;
    last = null;
  } else throw new Error(`bench: bad argument ${a}`);
}
const quick = Boolean(args.quick);
const opts = {
  capMs: 1000 * Number(args.cap ?? (quick ? 8 : 20)),
  reps: Number(args.reps ?? (quick ? 5 : 11)),
  firstReps: Number(args["first-reps"] ?? (quick ? 1 : 3)),
  sampleMs: Number(args["sample-ms"] ?? (quick ? 50 : 100)),
  warmupMs: Number(args["warmup-ms"] ?? (quick ? 200 : 500)),
  clock: String(args.clock ?? "wall"),
  initTimeoutMs: 120_000,
};
if (!["wall", "cpu"].includes(opts.clock)) throw new Error("bench: --clock is wall or cpu");
const benchDir = fileURLToPath(new URL(".", import.meta.url));
// --device webgpu: every system on WebGPU (jaxts's webgpu device, tfjs-backend-webgpu, jax-js's
// webgpu device), results in results-webgpu.md; the workers see it through the environment.
const device = String(args.device ?? "wasm");
if (!["wasm", "webgpu"].includes(device)) throw new Error("bench: --device is wasm or webgpu");
if (device === "webgpu") {
  process.env.JAXTS_DEVICE = "webgpu";
  process.env.BENCH_DEVICE = "webgpu";
}
const outPath = args["no-write"] ? null : (args.out ?? `${benchDir}${device === "webgpu" ? "results-webgpu.md" : "results.md"}`);

// Relaxed SIMD (f32x4 fused multiply-add) is on by default in browsers and in Node >= 22; Node 20
// needs a V8 flag. jaxts and jax-js both feature-detect it; tfjs-wasm's prebuilt binary does not
// use it. Unless told otherwise, re-run this script with the flag when the engine lacks it.
const RELAXED_PROBE = "0061736d0100000001080160037b7b7b017b030201000a0d010b00200020012002fd85020b";
const relaxedSimd = () => WebAssembly.validate(Buffer.from(RELAXED_PROBE, "hex"));
if (!relaxedSimd() && !args["no-relaxed-simd"] && !process.env.JAXTS_BENCH_CHILD) {
  const flag = "--experimental-wasm-relaxed-simd";
  const probe = spawnSync(process.execPath, [flag, "-e", ""], { stdio: "ignore" });
  if (probe.status === 0) {
    const r = spawnSync(process.execPath, [flag, ...process.execArgv, fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
      stdio: "inherit",
      env: { ...process.env, JAXTS_BENCH_CHILD: "1" },
    });
    process.exit(r.status ?? 1);
  }
}

// ---------------------------------------------------------------------------------------------
// Systems and cells

const SYSTEMS = ["jaxts", "tfjs", "jax-js"];
const systems = args.systems ? String(args.systems).split(",") : SYSTEMS;
for (const s of systems) if (!SYSTEMS.includes(s)) throw new Error(`bench: unknown system ${s}`);

const [d0, d1, d2, d3] = MLP.sizes;
const B = MLP.batch;
// Forward, weight gradients, and input gradients of layers 2 and 3 (layer 1's input needs none).
const MLP_FLOPS = 2 * B * (2 * (d0 * d1 + d1 * d2 + d2 * d3) + (d1 * d2 + d2 * d3));

// The LSTM step's matmuls: per time step [B, I+H] @ [I+H, 4H] forward, and twice that backward
// (the kernel's gradient and the gradient of [x, h]); elementwise work not counted.
const LSTM_FLOPS = 3 * LSTM.time * 2 * LSTM.batch * (LSTM.input + LSTM.hidden) * 4 * LSTM.hidden;

const CELLS = [
  { name: "matmul512", label: "matmul 512×512 · 512×512 (f32)", flops: 2 * 512 ** 3, targets: [{ peer: "tfjs", min: 1.4 }] },
  { name: "matmul1024", label: "matmul 1024×1024 · 1024×1024 (f32)", flops: 2 * 1024 ** 3, targets: [] },
  {
    name: "expsin",
    label: "exp(sin(x)*2+1), x: f32[1e6] (jit; tfjs eager)",
    elems: 1e6,
    targets: [
      { peer: "jax-js", min: 6 },
      { peer: "tfjs", min: 12 },
    ],
  },
  {
    name: "mlpStep",
    label: `MLP ${MLP.sizes.join("-")} train step, batch ${B} (jit(valueAndGrad)+SGD)`,
    flops: MLP_FLOPS,
    targets: [{ peer: "tfjs", min: 15 }],
  },
  { name: "mlpFirst", label: "  first call of that step (fresh worker: trace+compile+run)", first: true, targets: [{ maxMs: 150 }] },
  {
    name: "lstmStep",
    label: `LSTM train step, batch ${LSTM.batch}, seq ${LSTM.time}, in ${LSTM.input}, hidden ${LSTM.hidden} (jit(valueAndGrad)+SGD; see README)`,
    flops: LSTM_FLOPS,
    targets: [{ maxMs: 25 }],
  },
  {
    name: "lenetStep",
    label: `LeNet-5 train step, batch ${LENET_STEP.batch} (jit(valueAndGrad)+SGD; one-hot cross-entropy)`,
    images: LENET_STEP.batch,
    // issue 11: <= 12 ms on two threads (and <= 20 ms on one: the one-thread section below)
    targets: [{ maxMs: 12 }],
  },
  // Linear algebra (issue 13's targets: >= 2x jax-js; tfjs has no cholesky, solve or svd).
  { name: "cholesky256", label: "Cholesky of a 256×256 SPD matrix (f32, jit)", flops: 256 ** 3 / 3, targets: [{ peer: "jax-js", min: 2 }] },
  { name: "solve256", label: "solve a x = b, a: 256×256, b: 256×1 (f32, jit; LU with pivoting)", flops: (2 * 256 ** 3) / 3, targets: [{ peer: "jax-js", min: 2 }] },
  { name: "svd256", label: "SVD of a 256×256 matrix (f32, jit; u, s, vh computed, s read)", targets: [{ peer: "jax-js", min: 2 }] },
  // Issue 14: int8 inference at least 1.5x faster than float32 (both jaxts, LeNet batch 256).
  { name: "lenet256", label: `LeNet inference, batch ${LENET.batch} (f32, jit)`, images: LENET.batch, targets: [] },
  {
    name: "lenet256int8",
    label: `  the same LeNet in int8 (calibrated quant.quantizedApply, jit; peers have no int8 path)`,
    images: LENET.batch,
    targets: [{ cell: "lenet256", min: 1.5 }],
  },
  { name: "tinyJit", label: "tiny jitted call x*2+1, x: f32[16] (tfjs: 2 eager ops)", targets: [{ maxMs: 0.01 }] },
  // Issue 11 item 4: eager calls as users write them (a JS number operand, no dispose).
  { name: "eagerOp", label: "eager op: add, f32[16] + f32[16]", targets: [{ maxMs: 0.002 }] },
  { name: "eagerScalar", label: "eager op: add, f32[16] + 1 (a JS number)", targets: [{ maxMs: 0.002 }] },
  { name: "eager100k", label: "eager op: add, f32[1e5] + f32[1e5], result disposed", elems: 1e5, targets: [] },
  {
    name: "eager100kGc",
    label: "  the same, result dropped without dispose (jaxts: left to the GC; tfjs: tf.tidy; jax-js: dispose)",
    elems: 1e5,
    targets: [],
  },
  { name: "readback1e6", label: "read back f32[1e6] to the host (await x.data())", elems: 1e6, targets: [{ maxMs: 0.5 }] },
  {
    name: "scan1000",
    label: "scan of 1000 steps c = sin(c)*0.5 + x_t, c: f32[16] (jit(lax.scan); peers: a JS loop of eager ops)",
    steps: 1000,
    // 0.1 µs per step (JAX 0.10.2 on this machine's CPU: 0.05 µs)
    targets: [{ maxMs: 0.1 }],
  },
];
// On WebGPU: the issue's three workloads (target: 1.5x the faster peer) and the first call.
const WEBGPU_CELLS = ["matmul512", "expsin", "mlpStep", "mlpFirst"];
if (device === "webgpu")
  for (const c of CELLS)
    if (c.targets.some((t) => t.peer)) c.targets = WEBGPU_CELLS.slice(0, 3).includes(c.name) ? [{ peer: "jax-js", min: 1.5 }, { peer: "tfjs", min: 1.5 }] : [];
const defaultCells = device === "webgpu" ? CELLS.filter((c) => WEBGPU_CELLS.includes(c.name)) : CELLS;
const cells = args.cells ? String(args.cells).split(",").map((n) => {
  const c = CELLS.find((c) => c.name === n);
  if (!c) throw new Error(`bench: unknown cell ${n}; cells: ${CELLS.map((c) => c.name).join(", ")}`);
  return c;
}) : defaultCells;

// ---------------------------------------------------------------------------------------------
// Workers

/** A system in a child process of its own (worker.mjs; see there why not a worker thread). */
class SysWorker {
  constructor(system) {
    this.system = system;
    // The same node flags as this process (--experimental-wasm-relaxed-simd where it was re-run with it).
    this.worker = fork(fileURLToPath(new URL("./worker.mjs", import.meta.url)), [system], { serialization: "advanced", stdio: ["ignore", "inherit", "inherit", "ipc"] });
    this.exited = new Promise((res) => this.worker.once("exit", res));
    this.waiting = null;
    this.dead = false;
    const settle = (r) => {
      const w = this.waiting;
      this.waiting = null;
      if (w) w(r);
    };
    this.ready = new Promise((res) => (this.waiting = res));
    this.worker.on("message", (m) => settle(m));
    this.worker.on("error", (e) => settle({ ok: false, error: String(e?.stack ?? e) }));
    this.worker.on("exit", (code) => {
      this.dead = true;
      settle({ ok: false, error: `worker exited (code ${code})` });
    });
  }

  /** Sends a request; resolves to its reply, or to {timeout: true} after killing the worker. */
  async call(msg, timeoutMs) {
    const r = await this.ready;
    if (!r.ok) return r;
    if (this.dead) return { ok: false, error: "worker is not running" };
    let timer;
    const reply = new Promise((res) => (this.waiting = res));
    const timeout = new Promise((res) => (timer = setTimeout(() => res({ ok: false, timeout: true }), Math.max(1, timeoutMs))));
    this.worker.send(msg);
    const out = await Promise.race([reply, timeout]);
    clearTimeout(timer);
    if (out.timeout) await this.kill();
    return out;
  }

  async kill() {
    this.waiting = null;
    if (!this.dead) {
      this.worker.kill("SIGKILL");
      await this.exited;
    }
    this.dead = true;
  }
}

const infos = {}; // system -> what its init reported (or an error)

async function startWorker(system) {
  const w = new SysWorker(system);
  const r = await w.call({ type: "init" }, opts.initTimeoutMs);
  if (!r.ok) {
    await w.kill();
    infos[system] ??= { error: r.timeout ? "init timed out" : firstLine(r.error) };
    return { worker: null, error: r.timeout ? "init timed out" : firstLine(r.error) };
  }
  infos[system] = r.info;
  return { worker: w };
}

const firstLine = (s) => String(s).split("\n")[0].slice(0, 160);

// ---------------------------------------------------------------------------------------------
// Measuring

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

const live = {}; // system -> SysWorker kept across cells

async function liveWorker(system) {
  if (live[system] && !live[system].dead) return { worker: live[system] };
  const r = await startWorker(system);
  if (r.worker) live[system] = r.worker;
  return r;
}

/** Steady-state cell: setup (first call, check, calibration) in turn, then alternating samples. */
async function measureCell(cell) {
  const st = Object.fromEntries(systems.map((s) => [s, { samples: [], cpu: [], spent: 0, status: "ok" }]));
  for (const s of systems) {
    const x = st[s];
    const { worker, error } = await liveWorker(s);
    if (!worker) {
      Object.assign(x, { status: "error", error });
      continue;
    }
    const t0 = performance.now();
    const r = await worker.call({ type: "setup", cell: cell.name, sampleMs: opts.sampleMs, calibrateMs: opts.sampleMs, warmupMs: opts.warmupMs, slowMs: opts.capMs / 10 }, opts.capMs);
    x.spent = performance.now() - t0;
    if (r.timeout) Object.assign(x, { status: "timeout" });
    else if (!r.ok) Object.assign(x, { status: "error", error: firstLine(r.error) });
    else Object.assign(x, { firstMs: r.firstMs, check: r.check, perIter: r.perIter, iters: r.itersPerSample });
  }
  for (let rep = 0; rep < opts.reps; rep++) {
    let any = false;
    for (const s of systems) {
      const x = st[s];
      if (x.status !== "ok" || x.done) continue;
      const left = opts.capMs - x.spent;
      if (x.perIter * x.iters > left) {
        x.done = true; // out of budget: keep what we have
        continue;
      }
      any = true;
      const t0 = performance.now();
      const r = await live[s].call({ type: "sample", iters: x.iters }, left);
      x.spent += performance.now() - t0;
      if (r.timeout) x.done = true;
      else if (!r.ok) Object.assign(x, { status: "error", error: firstLine(r.error) });
      else {
        x.samples.push(r.ms);
        x.cpu.push(r.cpuMs);
        x.perIter = r.ms;
      }
    }
    if (!any) break;
  }
  for (const s of systems) {
    const x = st[s];
    if (x.status === "ok" && x.samples.length === 0) x.status = "timeout";
    if (x.samples.length) {
      x.wallMs = median(x.samples);
      x.cpuMs = median(x.cpu);
      x.ms = opts.clock === "cpu" ? x.cpuMs : x.wallMs; // what the table and ratios use
    }
  }
  return st;
}

/** First-call cell: per repetition and system, a fresh worker times only the first call. */
async function measureFirst(cell) {
  const st = Object.fromEntries(systems.map((s) => [s, { samples: [], cpu: [], spent: 0, status: "ok" }]));
  for (let rep = 0; rep < opts.firstReps; rep++) {
    for (const s of systems) {
      const x = st[s];
      if (x.status !== "ok" || x.done) continue;
      const left = opts.capMs - x.spent;
      if (x.samples.length && median(x.samples) > left) {
        x.done = true;
        continue;
      }
      const { worker, error } = await startWorker(s);
      if (!worker) {
        Object.assign(x, { status: "error", error });
        continue;
      }
      const t0 = performance.now();
      const r = await worker.call({ type: "first", cell: cell.name }, left);
      x.spent += performance.now() - t0;
      await worker.kill();
      if (r.timeout) x.done = true;
      else if (!r.ok) Object.assign(x, { status: "error", error: firstLine(r.error) });
      else {
        x.samples.push(r.ms);
        x.cpu.push(r.cpuMs);
      }
    }
  }
  for (const s of systems) {
    const x = st[s];
    if (x.status === "ok" && x.samples.length === 0) x.status = "timeout";
    if (x.samples.length) {
      x.wallMs = median(x.samples);
      x.cpuMs = median(x.cpu);
      x.ms = opts.clock === "cpu" ? x.cpuMs : x.wallMs; // what the table and ratios use
    }
  }
  return st;
}

// ---------------------------------------------------------------------------------------------
// Formatting

function fmtTime(ms) {
  if (ms < 1) return `${(ms * 1000).toPrecision(3)} µs`;
  if (ms < 1000) return `${ms.toPrecision(3)} ms`;
  return `${(ms / 1000).toPrecision(3)} s`;
}
const fmtRatio = (r) => (r >= 100 ? `${r.toFixed(0)}×` : r >= 0.1 ? `${r.toPrecision(3)}×` : `${r.toPrecision(2)}×`);

function fmtCell(cell, x) {
  if (!x) return "—";
  if (x.status === "error") return `error`;
  if (x.status === "timeout") {
    const cap = `>${(opts.capMs / 1000).toFixed(0)} s budget`;
    return x.firstMs !== undefined ? `timeout (${cap}; 1st call ${fmtTime(x.firstMs)})` : `timeout (${cap})`;
  }
  let s = fmtTime(x.ms);
  if (cell.flops) s += ` · ${(cell.flops / x.ms / 1e6).toFixed(cell.flops / x.ms / 1e6 < 1 ? 3 : 1)} GFLOP/s`;
  if (cell.elems) s += ` · ${(cell.elems / x.ms / 1e3).toFixed(0)} Melem/s`;
  if (cell.steps) s += ` · ${fmtTime(x.ms / cell.steps)}/step`;
  if (cell.images) s += ` · ${((cell.images / x.ms) * 1000).toFixed(0)} img/s`;
  return s;
}

/** How many times faster jaxts is than `peer` (>1: jaxts faster). */
function ratio(st, peer) {
  const a = st.jaxts;
  const b = st[peer];
  if (!a || !b || a.ms === undefined || b.ms === undefined) return null;
  return b.ms / a.ms;
}

function targetText(cell, st) {
  return cell.targets
    .map((t) => {
      if (t.cell !== undefined) {
        // jaxts against its own time on another cell of this run (int8 vs float32).
        const other = results.find((r) => r.cell.name === t.cell)?.st.jaxts?.ms;
        const got = st.jaxts?.ms;
        const r = other === undefined || got === undefined ? null : other / got;
        return `≥ ${t.min}× jaxts ${t.cell} ${r === null ? "(n/a)" : `${fmtRatio(r)} ${r >= t.min ? "✅" : "❌"}`}`;
      }
      if (t.maxMs !== undefined) {
        const want = `< ${fmtTime(t.maxMs)}`;
        const got = st.jaxts?.ms;
        return `${want} ${got === undefined ? "(n/a)" : got < t.maxMs ? "✅" : "❌"}`;
      }
      const r = ratio(st, t.peer);
      return `≥ ${t.min}× ${systemName(t.peer)} ${r === null ? "(n/a)" : r >= t.min ? "✅" : "❌"}`;
    })
    .join("; ");
}

function systemName(s) {
  if (s === "tfjs") return device === "webgpu" ? "tfjs-webgpu" : "tfjs-wasm";
  if (s === "jax-js") return "jax-js";
  return s;
}

function header(s) {
  const i = infos[s];
  if (s === "jaxts") return `jaxts (${i?.device ?? "?"})`;
  if (s === "tfjs") return systemName(s);
  return `jax-js (${i?.device ?? "wasm"})`;
}

function table(results) {
  const peers = systems.filter((s) => s !== "jaxts");
  const cols = ["benchmark", ...systems.map(header), ...(systems.includes("jaxts") ? peers.map((p) => `jaxts vs ${systemName(p)}`) : []), "target (jaxts)"];
  const rows = results.map(({ cell, st }) => [
    cell.label,
    ...systems.map((s) => fmtCell(cell, st[s])),
    ...(systems.includes("jaxts") ? peers.map((p) => {
      const r = ratio(st, p);
      return r === null ? "n/a" : fmtRatio(r);
    }) : []),
    cell.targets.length ? targetText(cell, st) : "—",
  ]);
  const lines = [`| ${cols.join(" | ")} |`, `|${cols.map((_, i) => (i === 0 ? "---" : "---:")).join("|")}|`];
  for (const r of rows) lines.push(`| ${r.join(" | ")} |`);
  return lines.join("\n");
}

function detailTable(results) {
  const lines = [
    "| benchmark | system | samples | wall time (median) | min | max | CPU time (median) | first call | result check (vs tfjs) |",
    "|---|---|---:|---:|---:|---:|---:|---:|---|",
  ];
  for (const { cell, st } of results) {
    const ref = st.tfjs?.check;
    for (const s of systems) {
      const x = st[s];
      const n = x.samples.length;
      const check =
        x.check === undefined ? "—" : s === "tfjs" || !ref ? (/^(mlp|lstm)/.test(cell.name) ? `loss ${x.check[0].toFixed(5)}` : "ref") : (() => {
          const e = summaryError(x.check, ref);
          return `${e < 1e-3 ? "ok" : "MISMATCH"} (rel. err ${e.toExponential(1)})`;
        })();
      const status = x.status === "error" ? `error: ${x.error}` : x.status === "timeout" && !n ? "timeout" : "";
      lines.push(
        `| ${cell.name} | ${header(s)} | ${!n ? "—" : cell.first ? `${n} fresh workers` : `${n} × ${x.iters} calls`} | ${n ? fmtTime(x.wallMs) : status || "—"} | ${n ? fmtTime(Math.min(...x.samples)) : ""} | ${n ? fmtTime(Math.max(...x.samples)) : ""} | ${n ? fmtTime(x.cpuMs) : ""} | ${x.firstMs !== undefined ? fmtTime(x.firstMs) : ""} | ${check}${status && n ? ` (${status})` : ""} |`,
      );
    }
  }
  return lines.join("\n");
}

function environment() {
  const cpus = os.cpus();
  const lines = [
    `- date: ${new Date().toISOString()}`,
    `- node ${process.version} (V8 ${process.versions.v8}), ${os.platform()} ${os.arch()}`,
    `- CPU: ${cpus[0]?.model ?? "?"} × ${cpus.length} logical cores; load average at start ${loadAtStart.map((l) => l.toFixed(2)).join(" ")}`,
    `- wasm relaxed SIMD: ${relaxedSimd() ? "on" : "off"}`,
  ];
  if (adapter) lines.push(`- WebGPU adapter (every system): **${adapter}**, through Dawn (the \`webgpu\` npm package)${process.env.VK_ICD_FILENAMES ? `, VK_ICD_FILENAMES=${process.env.VK_ICD_FILENAMES}` : ""}`);
  if (cpuShare !== null) {
    lines.push(
      `- CPU share of the timed samples (CPU time / wall time, median): ${(100 * cpuShare).toFixed(0)}%${cpuShare < 0.85 ? " — the machine was busy, so wall times are inflated and noisy; the details list CPU time too" : ""}`,
    );
  }
  for (const s of systems) {
    const i = infos[s];
    if (!i) continue;
    if (i.error) lines.push(`- ${systemName(s)}: failed to start: ${i.error}`);
    else if (s === "jaxts") lines.push(`- jaxts ${i.version}: backend **${i.device}** (devices(): ${i.devices.join(", ")}), from ${i.from}`);
    else lines.push(`- ${s === "tfjs" ? `@tensorflow/tfjs + @tensorflow/tfjs-backend-${device}` : "@jax-js/jax"} ${i.version}: ${i.device}, ${i.threads} thread${i.threads === 1 ? "" : "s"}`);
  }
  lines.push(
    `- budget: ${opts.capMs / 1000} s per system per benchmark (first call, ${opts.warmupMs} ms warm-up and calibration included), then up to ${opts.reps} alternating samples of ~${opts.sampleMs} ms each; first call: up to ${opts.firstReps} fresh workers per system`,
  );
  return lines.join("\n");
}

// ---------------------------------------------------------------------------------------------
// Main

/** The adapter every system gets on --device webgpu (Dawn's first, as each system's own `create([])` finds). */
async function adapterName() {
  const { create } = await import("webgpu");
  const a = await create([]).requestAdapter();
  if (!a) throw new Error("bench --device webgpu: Dawn finds no adapter here (set VK_ICD_FILENAMES, see test/webgpu)");
  const info = a.info ?? {};
  return [info.vendor, info.architecture, info.device, info.description].filter(Boolean).join(" ") || "unknown adapter";
}
const adapter = device === "webgpu" ? await adapterName() : null;

const loadAtStart = os.loadavg();
const tStart = performance.now();
console.log(`jaxts bench: ${systems.join(", ")}; ${cells.length} benchmarks; budget ${opts.capMs / 1000} s per system per benchmark`);
const results = [];
for (const cell of cells) {
  const t0 = performance.now();
  const st = cell.first ? await measureFirst(cell) : await measureCell(cell);
  results.push({ cell, st });
  const parts = systems.map((s) => `${s}: ${fmtCell(cell, st[s])}${st[s].status === "error" ? ` (${st[s].error})` : ""}`);
  console.log(`  ${cell.name} (${((performance.now() - t0) / 1000).toFixed(1)} s): ${parts.join(" | ")}`);
}
for (const w of Object.values(live)) await w.kill();
const shares = results.flatMap(({ st }) => Object.values(st).flatMap((x) => x.samples.map((ms, i) => Math.min(1, x.cpu[i] / ms))));
const cpuShare = shares.length ? median(shares) : null;
const totalS = (performance.now() - tStart) / 1000;

const report = [
  "# jaxts benchmarks",
  "",
  "Produced by `npm run bench` (bench/bench.mjs). Times are medians of alternating samples",
  "(systems take turns within each benchmark), single-threaded, inputs identical across systems;",
  `the table shows ${opts.clock === "cpu" ? "CPU time (--clock=cpu)" : "wall-clock time"} per call.`,
  "Ratios are speed-ups of jaxts over each peer: above 1× jaxts is faster.",
  "",
  environment(),
  `- total run time: ${totalS.toFixed(0)} s`,
  "",
  table(results),
  "",
  "## Details",
  "",
  detailTable(results),
  "",
].join("\n");

console.log();
console.log(table(results));
console.log();
console.log(environment());
console.log(`- total run time: ${totalS.toFixed(0)} s`);
if (outPath) {
  writeFileSync(outPath, report);
  console.log(`\nwrote ${outPath}`);
}
