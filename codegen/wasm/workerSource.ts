/**
 * The code of one pool thread, as a string (a Node worker started with `eval: true`, or a
 * browser Worker from a Blob URL, needs no file, so it runs the same from the TypeScript
 * sources under a test runner, from the built package and from a bundled page).
 *
 * Node: the thread receives compiled modules synchronously with `receiveMessageOnPort` while it
 * sleeps in `Atomics.wait` between jobs. A browser has no synchronous receive, so there the
 * thread sleeps in `Atomics.waitAsync` instead, which leaves its event loop free to take the
 * modules the page sends (a job for a module not received yet is left to the other threads).
 * See threads.ts for the protocol.
 *
 * The control words (Int32Array over a SharedArrayBuffer), shared with threads.ts:
 *   NEXT   (job sequence << 8) | next unclaimed chunk; chunk 255 marks a closed job
 *   DONE   chunks finished in the open job
 *   NCH    chunks of the open job;  MOD module id;  KER kernel index;  EXT extent;  CHUNK chunk size
 *   NARGS  kernel arguments (from ARGS on);  ERR failures reported in the open job
 *   ACTIVE workers with an id below this take part;  STARTED workers running their loop
 */
export const CTRL = { NEXT: 0, DONE: 1, NCH: 2, MOD: 3, KER: 4, EXT: 5, CHUNK: 6, NARGS: 7, ERR: 8, ACTIVE: 9, STARTED: 10, ARGS: 16 } as const;
export const CTRL_WORDS = 16 + 256;
export const CLOSED = 255;
/** Spin iterations before a thread sleeps in Atomics.wait (a kernel's successor usually comes within microseconds). */
export const SPIN = 20000;

/** What both kinds of pool thread share: host math, module instances, and claiming chunks of a job. */
const COMMON = `
const C = ${JSON.stringify(CTRL)};
const CLOSED = ${CLOSED};
const SPIN = ${SPIN};
const hostMath = {
  exp: Math.exp, exp2: (x) => Math.pow(2, x), log: Math.log, expm1: Math.expm1, log1p: Math.log1p,
  tanh: Math.tanh, logistic: (x) => 1 / (1 + Math.exp(-x)), sin: Math.sin, cos: Math.cos, tan: Math.tan,
  asin: Math.asin, acos: Math.acos, atan: Math.atan, sinh: Math.sinh, cosh: Math.cosh, asinh: Math.asinh,
  acosh: Math.acosh, atanh: Math.atanh, cbrt: Math.cbrt, atan2: Math.atan2, fmod: (a, b) => a % b,
};
const modules = new Map();
const refuse = (what) => () => { throw new Error(what + " cannot run on a pool thread"); };
/** Takes one message of the calling thread: a module to instantiate, or one to drop. */
function receive(msg) {
  if (msg.drop !== undefined) { modules.delete(msg.drop); return; }
  const m = {};
  for (const name of msg.math) m[name] = hostMath[name] || refuse("host function " + name);
  const inst = new WebAssembly.Instance(msg.module, { env: { memory, host: refuse("a host step"), par: refuse("the entry") }, m });
  modules.set(msg.id, msg.kernels.map((name) => inst.exports[name]));
}
const args = [];
/** Claims and runs chunks of the open job (read at word w) until none is left; kernels(mid) gives the module's kernels. */
function work(w, kernels) {
  const seq = w >>> 8;
  const n = ctrl[C.NCH];
  const mid = ctrl[C.MOD], kid = ctrl[C.KER], ext = ctrl[C.EXT], chunk = ctrl[C.CHUNK], nargs = ctrl[C.NARGS];
  args.length = nargs + 3;
  for (let i = 0; i < nargs; i++) args[i] = ctrl[C.ARGS + i];
  args[nargs + 2] = scratch;
  let fn = null;
  let failure = null;
  while ((w >>> 8) === seq && (w & 255) < n) {
    const prev = Atomics.compareExchange(ctrl, C.NEXT, w, w + 1);
    if (prev !== w) { w = prev; continue; }
    const c = w & 255;
    try {
      if (fn === null) fn = kernels(mid)[kid];
      args[nargs] = c * chunk;
      args[nargs + 1] = Math.min(ext, (c + 1) * chunk);
      fn.apply(null, args);
    } catch (e) {
      if (failure === null) {
        failure = (e && e.message) || String(e);
        report({ thread: id, chunk: c, error: failure });
        Atomics.add(ctrl, C.ERR, 1);
      }
    }
    if (Atomics.add(ctrl, C.DONE, 1) + 1 === n) Atomics.notify(ctrl, C.DONE);
    w = Atomics.load(ctrl, C.NEXT);
  }
}
/** Whether the job at word w has chunks this thread may claim. */
const open = (w) => (w & 255) < ctrl[C.NCH] && id < Atomics.load(ctrl, C.ACTIVE);
`;

/** A Node worker_threads pool thread (started with \`eval: true\` and its workerData). */
export const NODE_WORKER_SOURCE = `
"use strict";
const { workerData, receiveMessageOnPort } = require("node:worker_threads");
const { memory, ctrlBuffer, id, port, scratch } = workerData;
const ctrl = new Int32Array(ctrlBuffer);
const report = (r) => port.postMessage(r);
${COMMON}
Atomics.add(ctrl, C.STARTED, 1);
function kernelsOf(mid) {
  while (!modules.has(mid)) {
    const got = receiveMessageOnPort(port);
    if (got === undefined) throw new Error("module " + mid + " was never sent to pool thread " + id);
    receive(got.message);
  }
  return modules.get(mid);
}
function sleepWhile(w) {
  for (let i = 0; i < SPIN; i++) if (Atomics.load(ctrl, C.NEXT) !== w) return;
  Atomics.wait(ctrl, C.NEXT, w);
}
for (;;) {
  const w = Atomics.load(ctrl, C.NEXT);
  if (open(w)) work(w, kernelsOf);
  else sleepWhile(w);
}
`;

/**
 * A browser Worker pool thread (from a Blob URL). Its first message carries what Node's
 * workerData does; later ones carry modules. Failures go back as messages (the page logs them).
 */
export const BROWSER_WORKER_SOURCE = `
"use strict";
self.onmessage = (first) => {
  const { memory, ctrlBuffer, id, scratch } = first.data;
  const ctrl = new Int32Array(ctrlBuffer);
  const report = (r) => self.postMessage(r);
  ${COMMON}
  self.onmessage = (e) => receive(e.data);
  Atomics.add(ctrl, C.STARTED, 1);
  const kernelsOf = (mid) => modules.get(mid);
  const wake = (w) => {
    const r = Atomics.waitAsync(ctrl, C.NEXT, w);
    return r.async ? r.value : Promise.resolve();
  };
  (async () => {
    for (;;) {
      let w = Atomics.load(ctrl, C.NEXT);
      // A job whose module has not arrived yet is left to the other threads.
      if (open(w) && modules.has(ctrl[C.MOD])) { work(w, kernelsOf); continue; }
      let i = 0;
      while (i < SPIN && Atomics.load(ctrl, C.NEXT) === w) i++;
      if (i === SPIN) await wake(w);
      // Let queued messages (modules) in between jobs.
      else await null;
    }
  })();
};
`;
