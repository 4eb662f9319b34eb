/**
 * The code of one pool thread, as a string (a worker started with `eval: true` needs no file,
 * so it runs the same from the TypeScript sources under a test runner and from the built
 * package). Node only: it receives compiled modules synchronously with `receiveMessageOnPort`
 * while it sleeps in `Atomics.wait` between jobs (see threads.ts for the protocol).
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

export const WORKER_SOURCE = `
"use strict";
const { workerData, receiveMessageOnPort } = require("node:worker_threads");
const { memory, ctrlBuffer, id, port, scratch, mathNames } = workerData;
const ctrl = new Int32Array(ctrlBuffer);
Atomics.add(ctrl, ${CTRL.STARTED}, 1);
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
function kernelsOf(mid) {
  let k = modules.get(mid);
  while (k === undefined) {
    const got = receiveMessageOnPort(port);
    if (got === undefined) throw new Error("module " + mid + " was never sent to pool thread " + id);
    const msg = got.message;
    if (msg.drop !== undefined) { modules.delete(msg.drop); continue; }
    const m = {};
    for (const name of msg.math) m[name] = hostMath[name] || refuse("host function " + name);
    const inst = new WebAssembly.Instance(msg.module, { env: { memory, host: refuse("a host step"), par: refuse("the entry") }, m });
    modules.set(msg.id, msg.kernels.map((name) => inst.exports[name]));
    k = modules.get(mid);
  }
  return k;
}
function sleepWhile(w) {
  for (let i = 0; i < SPIN; i++) if (Atomics.load(ctrl, C.NEXT) !== w) return;
  Atomics.wait(ctrl, C.NEXT, w);
}
const args = [];
for (;;) {
  let w = Atomics.load(ctrl, C.NEXT);
  const seq = w >>> 8;
  const n = ctrl[C.NCH];
  if ((w & 255) >= n || id >= Atomics.load(ctrl, C.ACTIVE)) { sleepWhile(w); continue; }
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
      if (fn === null) fn = kernelsOf(mid)[kid];
      args[nargs] = c * chunk;
      args[nargs + 1] = Math.min(ext, (c + 1) * chunk);
      fn.apply(null, args);
    } catch (e) {
      if (failure === null) {
        failure = (e && e.message) || String(e);
        port.postMessage({ thread: id, chunk: c, error: failure });
        Atomics.add(ctrl, C.ERR, 1);
      }
    }
    if (Atomics.add(ctrl, C.DONE, 1) + 1 === n) Atomics.notify(ctrl, C.DONE);
    w = Atomics.load(ctrl, C.NEXT);
  }
}
`;
