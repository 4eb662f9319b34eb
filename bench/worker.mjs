// One system per child process (`node worker.mjs <system>`, forked by bench.mjs with an IPC
// channel): the orchestrator sends requests and waits with a deadline; a process past its
// deadline is killed, which interrupts even synchronous code. A process of its own gives each
// system its own heap, garbage collector threads and C allocator, as a user's program has: in
// worker threads of one process the systems' garbage and allocator state changed each other's
// numbers (reading back 1e6 floats: 0.2 ms for jaxts alone, 1.9 ms with the peers beside it).
import { cellData } from "./common.mjs";

const system = process.argv[2];
const send = (m) => process.send(m);

const adapters = {
  jaxts: () => import("./systems/jaxts.mjs"),
  tfjs: () => import("./systems/tfjs.mjs"),
  "jax-js": () => import("./systems/jaxjs.mjs"),
};

const sys = await adapters[system]();
let cell = null; // { name, s }

async function handle(msg) {
  switch (msg.type) {
    case "init":
      return { info: await sys.init() };
    case "setup": {
      // Build inputs and the function (untimed), then time the first call, then read a
      // summary of the result for the cross-system check, then calibrate a sample size.
      cell = { name: msg.cell, s: await sys.setup(msg.cell, cellData(msg.cell)) };
      const t0 = performance.now();
      const out = await cell.s.run(true);
      const firstMs = performance.now() - t0;
      const check = await cell.s.check(out);
      // A very slow system goes straight to single-call samples (its budget is what limits it).
      if (firstMs >= msg.slowMs) return { firstMs, check, perIter: firstMs, itersPerSample: 1 };
      // Warm up (the engines' JITs, caches, allocators) before calibrating: for warmupMs of
      // CPU time, so that a busy machine does not shorten it (wall time capped at 4x that).
      const tw = performance.now();
      const cw = process.cpuUsage();
      let cpuMs = 0;
      do {
        await cell.s.run();
        const c = process.cpuUsage(cw);
        cpuMs = (c.user + c.system) / 1000;
      } while (cpuMs < msg.warmupMs && performance.now() - tw < 4 * msg.warmupMs);
      let iters = 0;
      const t1 = performance.now();
      let el = 0;
      do {
        await cell.s.run();
        iters++;
        el = performance.now() - t1;
      } while (el < msg.calibrateMs && iters < 1e6);
      const perIter = el / iters;
      return { firstMs, check, perIter, itersPerSample: Math.max(1, Math.round(msg.sampleMs / perIter)) };
    }
    case "first": {
      // A fresh worker: build everything untimed, then time only the first call.
      const s = await sys.setup(msg.cell, cellData(msg.cell));
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      await s.run();
      const ms = performance.now() - t0;
      const c = process.cpuUsage(c0);
      return { ms, cpuMs: (c.user + c.system) / 1000 };
    }
    case "sample": {
      // Wall time is what is reported; the process's CPU time (this worker does all the work
      // while the others wait) shows how much of the CPU the sample actually got.
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      for (let i = 0; i < msg.iters; i++) await cell.s.run();
      const ms = (performance.now() - t0) / msg.iters;
      const c = process.cpuUsage(c0);
      return { ms, cpuMs: (c.user + c.system) / 1000 / msg.iters };
    }
    default:
      throw new Error(`unknown request ${msg.type}`);
  }
}

process.on("message", async (msg) => {
  try {
    send({ ok: true, ...(await handle(msg)) });
  } catch (e) {
    send({ ok: false, error: String(e?.stack ?? e) });
  }
});
send({ ok: true, ready: true });
