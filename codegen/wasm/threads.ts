/**
 * The thread pool of the wasm backend: worker threads that instantiate the same compiled
 * modules over the runtime's one shared WebAssembly.Memory and run chunks of a kernel's range.
 *
 * A parallel kernel's range (rows of its output, matmul column panels, batch) is cut into
 * chunks fixed when the module is compiled, never by the thread count; each chunk computes its
 * own outputs completely (a reduction's elements are never split between threads), so which
 * thread runs a chunk, and how many threads there are, cannot change a single bit of a result.
 *
 * One job at a time, from inside an entry call (the `env.par` import): the calling thread
 * publishes the job in shared control words, wakes the workers (Atomics.notify), claims chunks
 * itself like any worker (compare-and-swap on the NEXT word), and sleeps in Atomics.wait until
 * every chunk is done. Workers not started yet simply take no chunks, so the pool never blocks
 * on a starting thread. Workers are unref'd: they never keep a Node process alive.
 *
 * Node runs pool threads as worker_threads; a browser as Workers started from a Blob URL (they
 * receive modules asynchronously: see workerSource.ts). A browser's main thread may not block,
 * so there the calling thread spins until the chunks other threads claimed are done (it claims
 * chunks itself first, so it spins only for the last ones). Where shared memory is missing (a
 * page without cross-origin isolation) or there are no workers, every chunk runs on the calling
 * thread, and a request for more than one thread says so once.
 */
import { BROWSER_WORKER_SOURCE, CLOSED, CTRL, CTRL_WORDS, NODE_WORKER_SOURCE, SPIN } from "./workerSource.js";

/** A kernel split into chunks: its export, argument count and range. */
export interface ParallelKernel {
  readonly name: string;
  readonly nargs: number;
  /** The split range [0, extent) and its chunk size (the last chunk may be shorter). */
  readonly extent: number;
  readonly chunk: number;
  readonly nChunks: number;
}

/** A compiled module whose entry calls `env.par` for its parallel kernels. */
export interface ParallelModule {
  readonly id: number;
  readonly module: WebAssembly.Module;
  readonly kernels: readonly ParallelKernel[];
  /** The kernel functions of this thread's instance, by kernel index. */
  readonly fns: readonly ((...a: number[]) => void)[];
  /** Host math imported from "m" (pool threads provide Math's). */
  readonly math: readonly string[];
}

/** Bytes of private scratch per thread (a matmul's edge tile). */
export const SCRATCH_BYTES = 4096;

type NodeWorkerThreads = typeof import("node:worker_threads");
const nodeThreads: NodeWorkerThreads | null =
  typeof process !== "undefined" && process.versions?.node !== undefined ? await import("node:worker_threads") : null;

const nodeCores: number | undefined =
  nodeThreads !== null ? await import("node:os").then((os) => (os.availableParallelism ? os.availableParallelism() : os.cpus().length)) : undefined;

function machineCores(): number {
  if (nodeCores !== undefined) return nodeCores;
  if (typeof navigator !== "undefined" && navigator.hardwareConcurrency) return navigator.hardwareConcurrency;
  return 1;
}

/** The thread count from JAXTS_NUM_THREADS, else the machine's cores. */
function initialThreads(): number {
  const env = typeof process !== "undefined" ? process.env?.JAXTS_NUM_THREADS : undefined;
  if (env !== undefined && env !== "") {
    const n = Number(env);
    if (!Number.isInteger(n) || n < 1) throw new Error(`JAXTS_NUM_THREADS must be a positive integer, got ${JSON.stringify(env)}`);
    return n;
  }
  return machineCores();
}

let requestedThreads = initialThreads();

/** The browser's Worker constructor, where there is one and Node's worker_threads are not used. */
const BrowserWorker: typeof Worker | undefined = nodeThreads === null && typeof Worker !== "undefined" ? Worker : undefined;

/**
 * Whether this thread may sleep in Atomics.wait: Node's threads may, a browser Worker may, a
 * browser page's main thread may not (it throws).
 */
const mayBlock = nodeThreads !== null || typeof (globalThis as { WorkerGlobalScope?: unknown }).WorkerGlobalScope !== "undefined";

/** Why threads cannot run here, or null when they can. */
export function threadsUnavailableReason(): string | null {
  if (typeof SharedArrayBuffer === "undefined" || (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === false)
    return "SharedArrayBuffer is unavailable (a browser page needs cross-origin isolation: COOP/COEP headers)";
  if (nodeThreads === null && BrowserWorker === undefined) return "this JavaScript environment has no worker threads";
  if (nodeThreads === null && typeof (Atomics as { waitAsync?: unknown }).waitAsync !== "function")
    return "this browser lacks Atomics.waitAsync, which jaxts's pool threads sleep in";
  return null;
}

/** Whether modules are compiled for a shared memory and parallel kernels. */
export const sharedMemoryAvailable = (): boolean => threadsUnavailableReason() === null;

let warned = false;
/** The threads kernels run on now: the requested count, or 1 where threads are unavailable (said once). */
export function effectiveThreads(): number {
  if (requestedThreads <= 1) return 1;
  const why = threadsUnavailableReason();
  if (why === null) return requestedThreads;
  if (!warned) {
    warned = true;
    console.warn(`jaxts: running on one thread: ${why}`);
  }
  return 1;
}

export function setRequestedThreads(n: number): void {
  requestedThreads = n;
  // An explicit request for threads that cannot run here is answered at once (once).
  if (n > 1) effectiveThreads();
}

export function requestedThreadCount(): number {
  return requestedThreads;
}

interface PoolThread {
  /** Sends a message (a module to instantiate) to the thread. */
  readonly post: (msg: unknown) => void;
  /** The failure reports the thread sent that have not been read yet (Node reads them synchronously). */
  readonly takeReports: () => { thread: number; chunk: number; error: string }[];
  readonly terminate: () => Promise<unknown>;
  /** Module ids sent to this thread. */
  readonly sent: Set<number>;
}

/** Failure of a chunk on a pool thread. */
export class WorkerError extends Error {
  override readonly name = "WorkerError";
}

export class ThreadPool {
  private readonly ctrl = new Int32Array(new SharedArrayBuffer(CTRL_WORDS * 4));
  private readonly threads: PoolThread[] = [];
  private seq = 0;
  private busy = false;
  /** Counters, for tests. */
  readonly stats = { jobs: 0, serialJobs: 0, workerChunks: 0 };
  /**
   * Whether the calling thread claims chunks too (always, except in tests that must see pool
   * threads do the work: on a loaded machine a woken thread may find every chunk taken).
   */
  callerClaims = true;

  constructor(
    private readonly memory: WebAssembly.Memory,
    /** Allocates a pool thread's private scratch in the shared memory. */
    private readonly allocScratch: () => number,
    private readonly callerScratch: number,
  ) {
    this.ctrl[CTRL.NEXT] = CLOSED;
  }

  /** Pool threads started so far. */
  get size(): number {
    return this.threads.length;
  }

  /** Runs every chunk of kernel `k` of module `mod` with arguments `args`, on up to effectiveThreads() threads. */
  run(mod: ParallelModule, k: number, args: ArrayLike<number>): void {
    const kernel = mod.kernels[k]!;
    const fn = mod.fns[k]!;
    const threads = this.busy ? 1 : effectiveThreads();
    if (threads <= 1 || kernel.nChunks <= 1) {
      this.stats.serialJobs++;
      // One call over the whole range: chunks only cut it (each computes whole outputs, along
      // the same code path), so this is bit-identical to running them in turn, without a
      // JS-to-wasm call per chunk (64 per matmul in a scan body add up).
      const a = [...Array.from(args), 0, kernel.extent, this.callerScratch];
      fn(...a);
      return;
    }
    this.busy = true;
    try {
      this.runShared(mod, k, kernel, fn, args, threads - 1);
    } finally {
      this.busy = false;
    }
  }

  private runShared(mod: ParallelModule, k: number, kernel: ParallelKernel, fn: (...a: number[]) => void, args: ArrayLike<number>, workers: number): void {
    this.stats.jobs++;
    this.grow(workers);
    for (let i = 0; i < Math.min(workers, this.threads.length); i++) {
      const t = this.threads[i]!;
      if (!t.sent.has(mod.id)) {
        t.post({ id: mod.id, module: mod.module, kernels: mod.kernels.map((q) => q.name), math: mod.math });
        t.sent.add(mod.id);
      }
    }
    const ctrl = this.ctrl;
    const n = kernel.nChunks;
    ctrl[CTRL.DONE] = 0;
    ctrl[CTRL.ERR] = 0;
    ctrl[CTRL.NCH] = n;
    ctrl[CTRL.MOD] = mod.id;
    ctrl[CTRL.KER] = k;
    ctrl[CTRL.EXT] = kernel.extent;
    ctrl[CTRL.CHUNK] = kernel.chunk;
    ctrl[CTRL.NARGS] = kernel.nargs;
    for (let i = 0; i < kernel.nargs; i++) ctrl[CTRL.ARGS + i] = args[i]!;
    ctrl[CTRL.ACTIVE] = workers;
    this.seq = (this.seq + 1) & 0x7fffff;
    const open = this.seq << 8;
    Atomics.store(ctrl, CTRL.NEXT, open);
    Atomics.notify(ctrl, CTRL.NEXT, workers);
    // Claim chunks like any pool thread.
    const a = [...Array.from(args), 0, 0, this.callerScratch];
    let own: unknown = null;
    let mine = 0;
    let w = open;
    const claimAll = () => {
      while ((w & 255) < n) {
        const prev = Atomics.compareExchange(ctrl, CTRL.NEXT, w, w + 1);
        if (prev !== w) {
          w = prev;
          continue;
        }
        const c = w & 255;
        a[kernel.nargs] = c * kernel.chunk;
        a[kernel.nargs + 1] = Math.min(kernel.extent, (c + 1) * kernel.chunk);
        try {
          fn(...a);
        } catch (e) {
          own ??= e;
        }
        mine++;
        Atomics.add(ctrl, CTRL.DONE, 1);
        w = Atomics.load(ctrl, CTRL.NEXT);
      }
    };
    const claimed = this.callerClaims || Atomics.load(ctrl, CTRL.STARTED) === 0;
    if (claimed) claimAll();
    // Wait for the chunks other threads claimed: spin briefly, then sleep (a browser's main
    // thread may not sleep: it spins on). When the caller left the chunks to the pool (tests
    // only), it still runs those that no pool thread took within 100 ms (a browser thread
    // whose copy of the module has not arrived cannot take them).
    let spins = 0;
    const graceEnds = claimed ? 0 : Date.now() + 100;
    for (let d = Atomics.load(ctrl, CTRL.DONE); d < n; d = Atomics.load(ctrl, CTRL.DONE)) {
      if (spins++ < SPIN) continue;
      w = Atomics.load(ctrl, CTRL.NEXT);
      if ((w & 255) < n) {
        if (Date.now() < graceEnds) continue;
        claimAll();
      } else if (mayBlock) Atomics.wait(ctrl, CTRL.DONE, d);
    }
    Atomics.store(ctrl, CTRL.NEXT, open | CLOSED);
    this.stats.workerChunks += n - mine;
    if (own !== null) throw own;
    if (ctrl[CTRL.ERR]! > 0) {
      const reports = this.threads.flatMap((t) => t.takeReports()).map((r) => `pool thread ${r.thread + 1} failed on chunk ${r.chunk} of ${n}: ${r.error}`);
      // A browser thread's report arrives as a message after this call returns; it is logged then.
      throw new WorkerError(`wasm backend: kernel ${kernel.name} failed on a worker thread (${reports.join("; ") || "its report follows in the console"})`);
    }
  }

  /** Starts pool threads up to `count` (they join jobs once running). */
  private grow(count: number): void {
    while (this.threads.length < count) {
      const id = this.threads.length;
      const init = { memory: this.memory, ctrlBuffer: this.ctrl.buffer, id, scratch: this.allocScratch() };
      let thread: PoolThread;
      try {
        thread = nodeThreads !== null ? startNodeThread(nodeThreads, init) : startBrowserThread(init);
      } catch (e) {
        console.warn(`jaxts: could not start pool thread ${id + 1}: ${(e as Error).message}`);
        return;
      }
      this.threads.push(thread);
    }
  }

  /** Stops every pool thread (for tests; a process exits without it). */
  async terminate(): Promise<void> {
    const ts = this.threads.splice(0);
    await Promise.all(ts.map((t) => t.terminate()));
  }
}

interface ThreadInit {
  readonly memory: WebAssembly.Memory;
  readonly ctrlBuffer: ArrayBufferLike;
  readonly id: number;
  readonly scratch: number;
}

function startNodeThread(wt: NodeWorkerThreads, init: ThreadInit): PoolThread {
  const { port1, port2 } = new wt.MessageChannel();
  const worker = new wt.Worker(NODE_WORKER_SOURCE, {
    eval: true,
    // Not the parent's loader flags (a test runner's hooks would make the thread wait for the parent's event loop).
    execArgv: [],
    workerData: { ...init, port: port2 },
    transferList: [port2],
  });
  worker.unref();
  // A thread that dies (its own heap exhausted) is reported; its chunks then never finish, so
  // it must not take part again.
  worker.on("error", (e) => console.warn(`jaxts: pool thread ${init.id + 1} stopped: ${(e as Error).message}`));
  port1.unref?.();
  const takeReports = () => {
    const out: { thread: number; chunk: number; error: string }[] = [];
    for (let m = wt.receiveMessageOnPort(port1); m !== undefined; m = wt.receiveMessageOnPort(port1)) out.push(m.message as (typeof out)[number]);
    return out;
  };
  return { post: (msg) => port1.postMessage(msg), takeReports, terminate: () => worker.terminate(), sent: new Set() };
}

let browserWorkerUrl: string | undefined;

function startBrowserThread(init: ThreadInit): PoolThread {
  browserWorkerUrl ??= URL.createObjectURL(new Blob([BROWSER_WORKER_SOURCE], { type: "text/javascript" }));
  const worker = new BrowserWorker!(browserWorkerUrl, { name: `jaxts pool thread ${init.id + 1}` });
  worker.onmessage = (e: MessageEvent) => {
    const r = e.data as { thread: number; chunk: number; error: string };
    console.error(`jaxts: pool thread ${r.thread + 1} failed on chunk ${r.chunk}: ${r.error}`);
  };
  worker.onerror = (e: ErrorEvent) => console.warn(`jaxts: pool thread ${init.id + 1} stopped: ${e.message}`);
  worker.postMessage(init);
  return {
    post: (msg) => worker.postMessage(msg),
    takeReports: () => [],
    terminate: async () => worker.terminate(),
    sent: new Set(),
  };
}
