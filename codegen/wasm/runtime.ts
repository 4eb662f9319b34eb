/**
 * The wasm runtime: one growable linear memory with a JS-side allocator, compilation of
 * Programs to instantiated modules (WAT assembled by assembler.ts, or by wabt outside its subset), and calls.
 *
 * Memory layout: bytes [0, 64) are reserved; every array and every call's arena is a block
 * aligned to 64 bytes handed out by a first-fit free-list allocator with coalescing. Nothing
 * lives in module globals, so workers sharing the memory could run the same module.
 */
import type { ShapedArray } from "../../ir/aval.js";
import { type AnyTypedArray, type DType, itemSize } from "../../ir/dtype.js";
import type { Params, Primitive } from "../../ir/primitives.js";
import { DYNAMIC_EXTENT } from "../kernel/iexpr.js";
import { type Program, hostStepBuffers } from "../kernel/kernel.js";
import { evalPrimitiveRef } from "../ref/index.js";
import { erf, erfInv, erfc, nextafter, powC } from "../ref/special.js";
import { copyBytes, copyToHost, typedOver } from "./hostMemory.js";
import { CollectorWatch, type LivenessToken, LivenessPool } from "./liveness.js";
import { UnsupportedWat, assembleWat } from "./assembler.js";
import { MAX_RECIPE_DEPTH, RECOMPUTE_WINDOW_BYTES, RecentResults, type Recipe } from "./recompute.js";
import { type RenderedModule, parTableOffset, renderProgram } from "./module.js";
import { type ParallelModule, SCRATCH_BYTES, ThreadPool, effectiveThreads, sharedMemoryAvailable } from "./threads.js";

/** The part of wabt's API used here (`(await import("wabt")).default()`). */
export interface Wabt {
  parseWat(
    filename: string,
    text: string,
    features?: Record<string, boolean>,
  ): { validate(features?: Record<string, boolean>): void; toBinary(o: object): { buffer: Uint8Array }; destroy(): void };
}

export const WASM_PAGE = 65536;
export const ALIGN = 64;
/** Most bytes one eviction sweep moves to host memory (see WasmRuntime.evictFor). */
export const EVICT_BATCH_BYTES = 16 * 2 ** 20;
/** Dropped results (recompute.ts) the runtime lets pile up before it looks for dead ones among them. */
const DROPPED_SCAN_MIN = 1024;
/** Fewest bytes allocated between two requests for a full collection (see WasmRuntime.evictFor). */
const MIN_NUDGE_SPACING_BYTES = 32 * 2 ** 20;

export class WasmOutOfMemoryError extends Error {
  override readonly name = "WasmOutOfMemoryError";
}

/** A first-fit free-list allocator over a WebAssembly.Memory. */
export class Allocator {
  /** Free blocks, sorted by offset, never adjacent (coalesced). */
  private free: { off: number; size: number }[] = [];
  private brk = ALIGN;
  /** Bytes in live blocks. */
  allocatedBytes = 0;
  /** Live blocks. */
  liveBlocks = 0;

  constructor(
    readonly memory: WebAssembly.Memory,
    readonly maxBytes: number,
  ) {}

  alloc(bytes: number): number {
    const size = Math.max(ALIGN, Math.ceil(bytes / ALIGN) * ALIGN);
    for (let i = 0; i < this.free.length; i++) {
      const b = this.free[i]!;
      if (b.size >= size) {
        const off = b.off;
        if (b.size === size) this.free.splice(i, 1);
        else this.free[i] = { off: b.off + size, size: b.size - size };
        this.allocatedBytes += size;
        this.liveBlocks++;
        return off;
      }
    }
    const off = this.brk;
    const end = off + size;
    if (end > this.memory.buffer.byteLength) this.grow(end);
    this.brk = end;
    this.allocatedBytes += size;
    this.liveBlocks++;
    return off;
  }

  /** Frees a block from `alloc` (same requested size). */
  release(off: number, bytes: number): void {
    const size = Math.max(ALIGN, Math.ceil(bytes / ALIGN) * ALIGN);
    this.allocatedBytes -= size;
    this.liveBlocks--;
    // binary search for the insertion point
    let lo = 0;
    let hi = this.free.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.free[mid]!.off < off) lo = mid + 1;
      else hi = mid;
    }
    let start = off;
    let end = off + size;
    const prev = this.free[lo - 1];
    const next = this.free[lo];
    let removeFrom = lo;
    let removeCount = 0;
    if (prev && prev.off + prev.size === start) {
      start = prev.off;
      removeFrom = lo - 1;
      removeCount++;
    }
    if (next && next.off === end) {
      end = next.off + next.size;
      removeCount++;
    }
    if (end === this.brk) {
      this.free.splice(removeFrom, removeCount);
      this.brk = start;
      return;
    }
    this.free.splice(removeFrom, removeCount, { off: start, size: end - start });
  }

  private grow(end: number): void {
    const have = this.memory.buffer.byteLength;
    if (end > this.maxBytes)
      throw new WasmOutOfMemoryError(
        `wasm backend: out of memory: cannot allocate ${end - this.brk} bytes (${this.allocatedBytes} bytes in ${this.liveBlocks} live blocks, limit ${this.maxBytes} bytes)`,
      );
    const want = Math.min(this.maxBytes, Math.max(end, have * 2));
    const pages = Math.ceil((want - have) / WASM_PAGE);
    try {
      this.memory.grow(pages);
    } catch (e) {
      throw new WasmOutOfMemoryError(
        `wasm backend: out of memory: growing the wasm memory from ${have} to ${have + pages * WASM_PAGE} bytes failed (${this.allocatedBytes} bytes in use): ${(e as Error).message}`,
      );
    }
  }

  /** Heap top (for tests of the allocator). */
  get top(): number {
    return this.brk;
  }
}

/** A block of wasm memory holding one array. */
/**
 * An array's memory. While resident it is a block of wasm memory at `ptr`; under memory
 * pressure the runtime may evict it to `host` (a plain JS copy) and bring it back when next
 * used. Its `token` is what the FinalizationRegistry holds, so a dropped array's host copy is
 * reachable only from the array itself and the JS garbage collector frees it directly, even in
 * a synchronous loop (where finalization callbacks cannot run).
 */
export class WasmBuffer {
  freed = false;
  host: Uint8Array | undefined = undefined;
  /** Calls that need this buffer in wasm memory right now (eviction skips it while above 0). */
  pins = 0;
  /** Used since the eviction sweep last passed it (a second chance, as the CLOCK algorithm gives). */
  referenced = false;
  readonly token: BufferToken = {};
  /**
   * The weak side of the owning array's liveness token (liveness.ts): cleared once the array is
   * unreachable and a collection has run, which eviction may see inside a synchronous loop.
   */
  alive: WeakRef<LivenessToken> | undefined = undefined;
  /** Whether an array took this buffer's token already (a second owner turns liveness off for it). */
  tokenTaken = false;
  /** The eviction sweep that found its token dead (0: not found dead); see WasmRuntime.reclaimDead. */
  deadSince = 0;
  /** The runtime's allocation count when it was made (whether a collection since can have found it dead). */
  born = 0;
  /** How to compute it again, while it is a recent elementwise result or its contents are dropped (recompute.ts). */
  recipe: Recipe | undefined = undefined;
  /** Its contents were dropped (no memory anywhere): the next use computes them again from `recipe`. */
  dropped = false;
  /** Recipes that read it: its memory outlives its owner until the last of them goes. */
  holds = 0;
  /** Its owner freed it (or was found dead) while recipes held it: freed when `holds` falls to 0. */
  ownerGone = false;
  /**
   * At most SMALL_BUFFER_BYTES: no finalizer watches it (registering one costs more than a small
   * op, and in a synchronous loop the registry's dead cells pile up); the runtime reclaims it by
   * eviction instead, when many are resident or when the event loop turns.
   */
  readonly small: boolean;
  constructor(
    public ptr: number,
    readonly bytes: number,
  ) {
    this.small = bytes <= SMALL_BUFFER_BYTES;
  }
}

/** Buffers up to this size are reclaimed by eviction rather than by finalizers (see WasmBuffer.small). */
export const SMALL_BUFFER_BYTES = 4096;

/** What a finalizer keeps of a buffer: an identity the runtime can look up while it is resident. */
export type BufferToken = Record<string, never>;

export interface Compiled {
  readonly program: Program;
  readonly rendered: RenderedModule;
  /** Runs the program; size-generic programs take the run-time length `n`. */
  readonly run: (inputs: readonly WasmBuffer[], n?: number) => WasmBuffer[];
  /** Runs a single-output program again, writing into `out`, a block of the output's size (recompute.ts). */
  readonly rerun: (inputs: readonly WasmBuffer[], n: number, out: WasmBuffer) => void;
}

export interface RuntimeOptions {
  /** Use relaxed-SIMD fused multiply-add (when the engine accepts it). */
  relaxedSimd?: boolean;
  /** Memory limit in bytes (default 4 GiB, the wasm32 maximum). */
  maxBytes?: number;
  initialBytes?: number;
  /**
   * A shared memory (SharedArrayBuffer-backed, modules import it as `shared`), with kernels
   * above the parallel threshold split across the thread pool (threads.ts). Default: wherever
   * SharedArrayBuffer and worker threads exist, whatever the thread count (so results never
   * depend on it; see split.ts).
   */
  sharedMemory?: boolean;
  /** Resident bytes above which buffers are evicted to host memory (default 256 MiB; up to half again above it while buffers of dropped-looking arrays wait for a collection, see liveness.ts). */
  evictAboveBytes?: number;
  /** Resident small buffers (SMALL_BUFFER_BYTES) above which the oldest are evicted (default 65536). */
  maxSmallResident?: number;
  /**
   * Bytes of recent elementwise results kept before the contents of older ones are dropped, to
   * be computed again if used (recompute.ts; default RECOMPUTE_WINDOW_BYTES; 0: never dropped).
   */
  recomputeWindowBytes?: number;
}

const bytesOf = (dtype: DType, size: number) => size * itemSize[dtype];

/**
 * Writes `data` into `view` (a view of wasm memory of the same length): a byte copy at memcpy
 * speed when the element types agree (see copyBytes), an element conversion otherwise.
 */
function writeInto(view: AnyTypedArray, data: AnyTypedArray): void {
  if (view.constructor === data.constructor) copyBytes(new Uint8Array(view.buffer, view.byteOffset, view.byteLength), new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  else view.set(data);
}

function typedView(buffer: ArrayBuffer, dtype: DType, ptr: number, size: number): AnyTypedArray {
  switch (dtype) {
    case "float32":
      return new Float32Array(buffer, ptr, size);
    case "float64":
      return new Float64Array(buffer, ptr, size);
    case "int32":
      return new Int32Array(buffer, ptr, size);
    case "uint32":
      return new Uint32Array(buffer, ptr, size);
    case "bool":
    case "uint8":
      return new Uint8Array(buffer, ptr, size);
    case "int8":
      return new Int8Array(buffer, ptr, size);
    case "float16":
      return new Uint16Array(buffer, ptr, size);
  }
}

/** Host math the modules may import: Math's double functions and the reference special functions. */
const hostMath: Record<string, (...x: number[]) => number> = {
  exp: Math.exp,
  exp2: (x) => Math.pow(2, x),
  log: Math.log,
  expm1: Math.expm1,
  log1p: Math.log1p,
  tanh: Math.tanh,
  logistic: (x) => 1 / (1 + Math.exp(-x)),
  sin: Math.sin,
  cos: Math.cos,
  tan: Math.tan,
  asin: Math.asin,
  acos: Math.acos,
  atan: Math.atan,
  sinh: Math.sinh,
  cosh: Math.cosh,
  asinh: Math.asinh,
  acosh: Math.acosh,
  atanh: Math.atanh,
  cbrt: Math.cbrt,
  erf,
  erfc,
  erfInv,
  pow: powC,
  atan2: Math.atan2,
  fmod: (a, b) => a % b,
  nextafter32: (a, b) => nextafter(a, b, 32),
  nextafter64: (a, b) => nextafter(a, b, 64),
};

export class WasmRuntime {
  readonly memory: WebAssembly.Memory;
  readonly allocator: Allocator;
  readonly relaxedSimd: boolean;
  readonly sharedMemory: boolean;

  constructor(
    private readonly wabt: Wabt,
    opts: RuntimeOptions = {},
  ) {
    const maxBytes = opts.maxBytes ?? 65536 * WASM_PAGE;
    const initial = Math.ceil((opts.initialBytes ?? 16 * WASM_PAGE) / WASM_PAGE);
    this.sharedMemory = opts.sharedMemory ?? sharedMemoryAvailable();
    this.memory = new WebAssembly.Memory({ initial, maximum: Math.ceil(maxBytes / WASM_PAGE), shared: this.sharedMemory });
    this.allocator = new Allocator(this.memory, maxBytes);
    this.evictFloor = opts.evictAboveBytes ?? Math.min(256 * 2 ** 20, maxBytes / 2);
    this.evictAbove = this.evictFloor;
    this.maxSmallResident = opts.maxSmallResident ?? 65536;
    const window = opts.recomputeWindowBytes ?? RECOMPUTE_WINDOW_BYTES;
    this.recent = window > 0 ? new RecentResults(window) : undefined;
    this.relaxedSimd = opts.relaxedSimd ?? false;
  }

  /** Whether this engine validates a module using relaxed-SIMD fma (Node 20 needs --experimental-wasm-relaxed-simd). */
  static detectRelaxedSimd(wabt: Wabt): boolean {
    const wat = `(module (func (param v128) (result v128) (f32x4.relaxed_madd (local.get 0) (local.get 0) (local.get 0))))`;
    let m;
    try {
      m = wabt.parseWat("probe.wat", wat, { simd: true, relaxed_simd: true });
      const { buffer } = m.toBinary({});
      return WebAssembly.validate(buffer as Uint8Array<ArrayBuffer>);
    } catch {
      return false;
    } finally {
      m?.destroy();
    }
  }

  get features(): Record<string, boolean> {
    return {
      simd: true,
      relaxed_simd: this.relaxedSimd,
      threads: this.sharedMemory,
      sat_float_to_int: true,
      sign_extension: true,
      bulk_memory: true,
      mutable_globals: true,
    };
  }

  /** Modules assembled by wabt because the fast assembler met text outside its subset (for tests). */
  static wabtFallbacks = 0;

  /**
   * WAT text to wasm bytes: by the fast assembler (assembler.ts; the engine validates when the
   * module is compiled), or by wabt, validated with the same features, for text outside its subset.
   */
  assemble(wat: string): Uint8Array<ArrayBuffer> {
    try {
      return assembleWat(wat, this.features);
    } catch (e) {
      if (!(e instanceof UnsupportedWat)) throw e;
      WasmRuntime.wabtFallbacks++;
    }
    return this.assembleWithWabt(wat);
  }

  /** WAT text to wasm bytes by wabt (validated with the same features). */
  assembleWithWabt(wat: string): Uint8Array<ArrayBuffer> {
    const features = this.features;
    const m = this.wabt.parseWat("program.wat", wat, features);
    try {
      m.validate(features); // wabt's validate takes the features too (its .d.ts omits the argument)
      return m.toBinary({}).buffer as Uint8Array<ArrayBuffer>;
    } finally {
      m.destroy();
    }
  }

  // ---- arrays ----

  /**
   * Buffers in wasm memory, by token: the only strong references the runtime keeps. The map's
   * order is the eviction order (oldest first; a buffer used since the sweep last passed it
   * goes to the back once instead of being evicted).
   */
  private readonly resident = new Map<BufferToken, WasmBuffer>();
  /**
   * Resident bytes above which the runtime evicts buffers to host memory before allocating
   * more. Buffers whose arrays were dropped can only be freed by finalizers, which never run
   * inside a synchronous loop; eviction moves them where the JS garbage collector reclaims them.
   * A sweep evicts the oldest unused buffers until an eighth of the threshold (at most
   * EVICT_BATCH_BYTES) is free, so in a loop of ops whose results are dropped each op pays for
   * about one copy of its output, not for copying every resident buffer at once.
   */
  private evictAbove: number;
  private readonly evictFloor: number;
  /**
   * Counters, for tests: sweeps, buffers (and bytes) copied out, buffers copied back, buffers (and
   * bytes) reclaimed without a copy, results whose contents were dropped (and bytes), and results
   * computed again.
   */
  readonly evictions = { runs: 0, buffers: 0, bytes: 0, restores: 0, reclaimed: 0, reclaimedBytes: 0, dropped: 0, droppedBytes: 0, recomputed: 0 };

  // ---- reclaiming dropped buffers without a copy (liveness.ts) ----

  private livenessPool: LivenessPool | undefined;
  private collector: CollectorWatch | undefined;
  /** Buffers whose tokens a sweep found dead, freed by the next sweep unless used in between. */
  private doomed: WasmBuffer[] = [];
  private doomedBytes = 0;
  /** After a sweep that left buffers waiting for a collection: the next sweep waits for another batch of allocations (not one per allocation). */
  private sweepAgainAbove = 0;
  private sweeps = 0;

  /**
   * The token the array that owns `b` must hold for as long as it lives (undefined: none, for
   * small buffers, a second owner, or an empty pool). Only the owner may hold it: once it is
   * unreachable the buffer may be reused without notice.
   */
  livenessToken(b: WasmBuffer): LivenessToken | undefined {
    if (b.small) return undefined;
    if (b.tokenTaken) {
      b.alive = undefined; // two owners: neither one's death alone says the buffer is unused
      return undefined;
    }
    b.tokenTaken = true;
    if (this.livenessPool === undefined) {
      this.livenessPool = new LivenessPool();
      this.collector = new CollectorWatch(this.livenessPool);
    }
    const l = this.livenessPool.take();
    if (l === undefined) return undefined;
    b.alive = l.ref;
    return l.token;
  }

  /**
   * Frees the buffers an earlier sweep found dead and nothing used since. The sweep that finds
   * a token cleared does not free the block at once: a call inside the runtime that took the
   * raw buffer before its array died, and uses it only after an allocation, pins it first,
   * which takes it off this list (see touch); a buffer freed anyway throws when used.
   */
  private reclaimDead(): void {
    for (const b of this.doomed) {
      if (b.freed || b.deadSince === 0) continue; // disposed meanwhile, or used again
      b.freed = true;
      b.deadSince = 0;
      if (b.recipe !== undefined) this.releaseRecipe(b);
      this.allocator.release(b.ptr, b.bytes);
      this.evictions.reclaimed++;
      this.evictions.reclaimedBytes += b.bytes;
    }
    this.doomed = [];
    this.doomedBytes = 0;
  }

  /** A use of a buffer a sweep found dead: it is not dead after all (a raw reference held across an allocation); keep it. */
  private touch(b: WasmBuffer): void {
    b.deadSince = 0;
    this.doomedBytes -= b.bytes;
    this.resident.set(b.token, b);
  }

  // ---- recomputable results (recompute.ts) ----

  private readonly recent: RecentResults | undefined;
  /** Results whose contents were dropped, by token (a finalizer finds them here). */
  private readonly droppedResults = new Map<BufferToken, WasmBuffer>();
  /** Dropped results not yet asked about (see forgetDeadDropped), oldest first from `unaskedHead`. */
  private unasked: WasmBuffer[] = [];
  private unaskedHead = 0;
  /** The count of dropped results at which the runtime next looks for dead ones among them (see forgetDeadDropped). */
  private droppedScanAt = DROPPED_SCAN_MIN;
  private readonly fallen: WasmBuffer[] = [];

  /**
   * Gives `out`, just computed by `compiled` from `inputs` (a single-output program, run-time
   * length `n`), a recipe (unless an input's recipe is as deep as recipes go), and drops the
   * contents of the results that leave the window.
   */
  recomputable(out: WasmBuffer, compiled: Compiled, inputs: readonly WasmBuffer[], n: number): void {
    const recent = this.recent;
    if (recent === undefined || out.small) return;
    let depth = 1;
    for (let k = 0; k < inputs.length; k++) {
      const r = inputs[k]!.recipe;
      if (r !== undefined) depth = Math.max(depth, r.depth + 1);
    }
    if (depth > MAX_RECIPE_DEPTH) return;
    for (let k = 0; k < inputs.length; k++) inputs[k]!.holds++;
    out.recipe = { rerun: compiled.rerun, inputs: inputs.slice(), n, depth };
    const fallen = this.fallen;
    recent.push(out, fallen);
    for (let k = 0; k < fallen.length; k++) this.dropContents(fallen[k]!);
    fallen.length = 0;
  }

  /** Frees a recent result's block, keeping its recipe (or, where that gains nothing, lets the recipe go). */
  private dropContents(b: WasmBuffer): void {
    if (b.recipe === undefined || b.freed || b.dropped) return; // freed, or already computed again
    if (b.pins > 0 || b.ptr < 0 || b.deadSince !== 0 || b.alive === undefined) {
      // In use right now, evicted, or found dead: keep it as it is. Without a liveness token (two
      // owners, or the token pool ran dry in a long job) nothing but a finalizer would ever tell
      // the runtime it died, so its recipe would hold its inputs for the rest of the job.
      this.releaseRecipe(b);
      return;
    }
    this.allocator.release(b.ptr, b.bytes);
    if (this.resident.delete(b.token) && b.small) this.smallResident--;
    b.ptr = -1;
    b.referenced = false;
    b.dropped = true;
    this.droppedResults.set(b.token, b);
    this.unasked.push(b);
    this.evictions.dropped++;
    this.evictions.droppedBytes += b.bytes;
    if (this.unasked.length - this.unaskedHead >= this.droppedScanAt) this.forgetDeadDropped();
  }

  /**
   * Lets the recipes of dropped results whose arrays a collection found dead go (and their
   * inputs' memory with them), inside a job where no finalizer runs. Their liveness tokens are
   * asked only after a full collection is seen to have run since they were made (the collector
   * watch's canaries tell; the runtime asks for one), because asking about a dropped array the
   * collector has not reached yet keeps its token alive for the rest of the job. Runs as the
   * count doubles, checking for the collection every DROPPED_SCAN_MIN / 4 drops meanwhile.
   */
  private forgetDeadDropped(): void {
    const watch = this.collector;
    const unasked = this.unasked;
    while (this.unaskedHead < unasked.length && !unasked[this.unaskedHead]!.dropped) this.unaskedHead++; // computed again or freed since
    const oldest = unasked[this.unaskedHead];
    if (watch === undefined || oldest === undefined) return; // (every dropped result has a liveness token)
    if (oldest.born > watch.confirmedAt) {
      // No collection seen since the oldest was made: watch for the next one (the heap grows with
      // the dropped results; memory pressure asks for one, see evictFor), or ask whether it ran.
      if (!watch.waiting) watch.plant(this.allocations);
      else watch.collected();
      if (oldest.born > watch.confirmedAt) {
        this.droppedScanAt = unasked.length - this.unaskedHead + DROPPED_SCAN_MIN / 4;
        return;
      }
    }
    // Oldest first (results are dropped in the order they were made: the window is a queue).
    // Each is asked once: one found alive (or dead but held by another's recipe) is left to its
    // finalizer after that.
    const foundUpTo = watch.confirmedAt;
    let k = this.unaskedHead;
    for (; k < unasked.length; k++) {
      const b = unasked[k]!;
      if (b.born > foundUpTo) break;
      if (!b.dropped || b.alive === undefined) continue;
      const dead = b.alive.deref() === undefined;
      b.alive = undefined;
      if (!dead) continue;
      if (b.holds > 0) {
        b.ownerGone = true; // another dropped result's recipe reads it: it goes with the last of them
        continue;
      }
      this.droppedResults.delete(b.token);
      b.dropped = false;
      b.freed = true;
      this.releaseRecipe(b);
    }
    this.unasked = unasked.slice(k);
    this.unaskedHead = 0;
    this.droppedScanAt = Math.max(DROPPED_SCAN_MIN, 2 * this.unasked.length);
  }

  /**
   * Lets go the recipes of the recent results (contents still there) that read `b`, which its
   * owner is freeing. Newest first: disposing a temporary right after the op that read it finds
   * that op's result at once.
   */
  private releaseRecentHolders(b: WasmBuffer): void {
    if (this.recent === undefined) return;
    for (const r of this.recent.newestFirst()) {
      if (r.recipe !== undefined && !r.dropped && r.recipe.inputs.includes(b)) this.releaseRecipe(r);
      if (b.holds === 0) return;
    }
  }

  private releaseRecipe(b: WasmBuffer): void {
    const inputs = b.recipe!.inputs;
    b.recipe = undefined;
    for (let k = 0; k < inputs.length; k++) {
      const i = inputs[k]!;
      if (--i.holds === 0 && i.ownerGone) this.free(i);
    }
  }

  /** Computes a dropped result's contents again, into a new block; it has no recipe after that. */
  private recompute(b: WasmBuffer): void {
    const r = b.recipe!;
    this.pin(r.inputs);
    try {
      b.ptr = this.allocate(b.bytes);
      try {
        r.rerun(r.inputs, r.n, b);
      } catch (e) {
        this.allocator.release(b.ptr, b.bytes);
        b.ptr = -1;
        throw e;
      }
      b.dropped = false;
      this.droppedResults.delete(b.token);
      this.resident.set(b.token, b);
    } finally {
      this.unpin(r.inputs);
    }
    this.releaseRecipe(b);
    this.evictions.recomputed++;
  }

  /** Buffers allocated so far: the clock of the liveness bookkeeping. */
  private allocations = 0;
  /** Bytes of buffers allocated so far, and that count at the last collector nudge. */
  private allocatedTotal = 0;
  private nudgedAtBytes = -Infinity;
  /** Host steps run inside compiled programs (the reference kernel of one equation), for tests. */
  hostSteps = 0;

  allocBuffer(bytes: number): WasmBuffer {
    const b = new WasmBuffer(this.allocate(bytes), bytes);
    b.born = ++this.allocations;
    this.allocatedTotal += bytes;
    this.resident.set(b.token, b);
    if (b.small) this.addSmall();
    return b;
  }

  /** Small buffers in wasm memory, and the count above which a sweep evicts the oldest. */
  private smallResident = 0;
  private readonly maxSmallResident: number;
  private idleSweepScheduled = false;

  /**
   * Counts a new resident small buffer. Nothing tells the runtime when a small buffer's array
   * is dropped, so their number is bounded by sweeps, and once the event loop turns (the end of
   * a synchronous burst of work) every small buffer moves to host memory: the garbage collector
   * frees the dropped ones, the live ones come back on their next use (a copy of at most 4 KB).
   */
  private addSmall(): void {
    if (++this.smallResident > this.maxSmallResident) this.sweepSmall(this.maxSmallResident >> 2);
    if (!this.idleSweepScheduled) {
      this.idleSweepScheduled = true;
      const t = setTimeout(() => {
        this.idleSweepScheduled = false;
        this.sweepSmall(0);
      }, 0) as unknown as { unref?: () => void };
      t.unref?.(); // never keeps a Node process alive
    }
  }

  /** Evicts the oldest unpinned small buffers until at most `keep` stay resident. */
  private sweepSmall(keep: number): void {
    this.evictions.runs++;
    for (const [token, b] of this.resident) {
      if (this.smallResident <= keep) break;
      if (b.small && b.pins === 0) this.evict(token, b);
    }
  }

  /** A block of wasm memory, evicting unpinned buffers first when resident memory is high. */
  private allocate(bytes: number): number {
    const after = this.allocator.allocatedBytes + bytes;
    if (after > this.evictAbove && after > this.sweepAgainAbove) this.evictFor(bytes);
    return this.allocator.alloc(bytes);
  }

  /** Evicts the oldest unpinned, unused buffers until `bytes` fit below the threshold with room to spare. */
  private evictFor(bytes: number): void {
    this.evictions.runs++;
    this.sweeps++;
    this.reclaimDead();
    const limit = this.evictAbove;
    const target = limit - Math.min(limit / 8, EVICT_BATCH_BYTES) - bytes;
    // A token is asked about only if a full collection ran since its buffer was made (asking
    // earlier would keep a dropped array alive for the rest of the job: a copy). Younger ones
    // wait for the collection (the sweep asks for one) while resident memory stays within half
    // the threshold above it; past that they are copied out as before.
    const watch = this.collector;
    if (watch?.waiting === true) watch.collected();
    const waitUntil = limit + limit / 2 - bytes;
    let pinnedBytes = 0;
    let waitingBytes = 0;
    for (const [token, b] of this.resident) {
      const inUse = this.allocator.allocatedBytes - this.doomedBytes;
      if (inUse <= target) break;
      if (b.pins > 0) {
        pinnedBytes += b.bytes;
        continue;
      }
      if (b.referenced) {
        b.referenced = false;
        this.resident.delete(token);
        this.resident.set(token, b); // visited again at the end of this sweep if still needed
        continue;
      }
      if (b.alive !== undefined && watch !== undefined && b.born > watch.confirmedAt && inUse <= waitUntil) {
        // At most one collection per quarter threshold of allocations, and per 32 MiB (each costs a full mark).
        if (!watch.waiting && this.allocatedTotal - this.nudgedAtBytes >= Math.max(limit / 4, MIN_NUDGE_SPACING_BYTES)) {
          this.nudgedAtBytes = this.allocatedTotal;
          watch.nudge(this.allocations);
        }
        waitingBytes += b.bytes;
        continue;
      }
      if (b.alive !== undefined && b.alive.deref() === undefined) {
        b.alive = undefined;
        if (b.holds > 0) {
          // Its array is gone but recipes still read it (recompute.ts): out of the way, freed with the last of them.
          b.ownerGone = true;
          this.evict(token, b);
          continue;
        }
        // Its array is gone: no copy; the block is freed by the next sweep (reclaimDead).
        b.deadSince = this.sweeps;
        this.resident.delete(token);
        this.doomed.push(b);
        this.doomedBytes += b.bytes;
        continue;
      }
      this.evict(token, b);
    }

    // A pinned working set near the threshold would make every allocation sweep: raise it above
    // what must stay resident (and let it fall back to the floor once that is released).
    const batch = Math.min(limit / 8, EVICT_BATCH_BYTES);
    this.sweepAgainAbove = waitingBytes > 0 ? this.allocator.allocatedBytes + batch : 0;
    // (doomed blocks are free by the next sweep; buffers left waiting for a collection are not a working set)
    const kept = this.allocator.allocatedBytes - this.doomedBytes - waitingBytes + bytes;
    this.evictAbove = Math.max(this.evictFloor, 2 * (pinnedBytes + bytes), kept > limit ? 2 * kept : 0);
  }

  private evict(token: BufferToken, b: WasmBuffer): void {
    b.host = copyToHost(this.memory.buffer, b.ptr, b.bytes);
    this.allocator.release(b.ptr, b.bytes);
    b.ptr = -1;
    this.resident.delete(token);
    if (b.small) this.smallResident--;
    this.evictions.buffers++;
    this.evictions.bytes += b.bytes;
  }

  /** Moves every resident, unpinned buffer to host memory. */
  evictAll(): void {
    this.evictions.runs++;
    this.reclaimDead();
    for (const [token, b] of this.resident) if (b.pins === 0) this.evict(token, b);
  }

  /** Brings an evicted buffer back into wasm memory (its pointer is valid until the next eviction). */
  ensureResident(b: WasmBuffer): void {
    if (b.freed) throw new ReferenceError("wasm backend: an array whose memory was freed was used");
    if (b.dropped) return this.recompute(b);
    if (b.deadSince !== 0) this.touch(b);
    if (b.host === undefined) return;
    const host = b.host;
    b.pins++;
    try {
      b.ptr = this.allocate(b.bytes);
    } finally {
      b.pins--;
    }
    copyBytes(new Uint8Array(this.memory.buffer, b.ptr, b.bytes), host);
    b.host = undefined;
    this.resident.set(b.token, b);
    if (b.small) this.addSmall();
    this.evictions.restores++;
  }

  /** Makes `buffers` resident and pins them (allocations cannot evict them) until `unpin`. */
  pin(buffers: readonly WasmBuffer[]): void {
    let k = 0;
    try {
      for (; k < buffers.length; k++) {
        const b = buffers[k]!;
        if (b.host !== undefined || b.freed || b.deadSince !== 0 || b.dropped) this.ensureResident(b);
        b.pins++;
        b.referenced = true;
      }
    } catch (e) {
      for (let j = 0; j < k; j++) buffers[j]!.pins--;
      throw e;
    }
  }

  unpin(buffers: readonly WasmBuffer[]): void {
    for (let k = 0; k < buffers.length; k++) buffers[k]!.pins--;
  }

  /** Runs `f` with `buffers` resident and pinned (so allocations inside cannot evict them). */
  withPinned<T>(buffers: readonly WasmBuffer[], f: () => T): T {
    this.pin(buffers);
    try {
      return f();
    } finally {
      this.unpin(buffers);
    }
  }

  free(b: WasmBuffer): void {
    if (b.freed) return;
    if (b.holds > 0) this.releaseRecentHolders(b);
    if (b.holds > 0) {
      b.ownerGone = true; // recipes still read it: freed when the last of them goes (releaseRecipe)
      return;
    }
    b.freed = true;
    if (b.recipe !== undefined) this.releaseRecipe(b);
    if (b.dropped) {
      b.dropped = false;
      this.droppedResults.delete(b.token);
      return;
    }
    if (b.host !== undefined) {
      b.host = undefined;
      return;
    }
    if (b.deadSince !== 0) {
      b.deadSince = 0; // on the doomed list, no longer in `resident`
      this.doomedBytes -= b.bytes;
    } else if (this.resident.delete(b.token) && b.small) this.smallResident--;
    this.allocator.release(b.ptr, b.bytes);
  }

  /** Frees the buffer behind a finalizer's token, if it is still in wasm memory (evicted ones are the GC's). */
  freeToken(token: BufferToken): void {
    const b = this.resident.get(token) ?? this.droppedResults.get(token);
    if (b !== undefined) this.free(b);
  }

  fromHost(data: AnyTypedArray, dtype: DType): WasmBuffer {
    const b = this.allocBuffer(bytesOf(dtype, data.length));
    writeInto(typedView(this.memory.buffer, dtype, b.ptr, data.length), data);
    return b;
  }

  read(b: WasmBuffer, dtype: DType, size: number): AnyTypedArray {
    if (b.freed) throw new ReferenceError("wasm backend: reading an array whose memory was freed");
    if (b.dropped) this.recompute(b);
    if (b.deadSince !== 0) this.touch(b);
    const bytes = bytesOf(dtype, size);
    const copy = b.host !== undefined ? copyToHost(b.host.buffer, b.host.byteOffset, bytes) : copyToHost(this.memory.buffer, b.ptr, bytes);
    return typedOver(copy.buffer, dtype, size);
  }

  /** One primitive through the reference implementation on views of wasm memory (no module). */
  runReference<P extends Primitive>(prim: P, inputs: readonly WasmBuffer[], inAvals: readonly ShapedArray[], params: Params<P>, outAvals: readonly ShapedArray[]): WasmBuffer[] {
    return this.withPinned(inputs, () => this.runReferencePinned(prim, inputs, inAvals, params, outAvals));
  }

  private runReferencePinned<P extends Primitive>(prim: P, inputs: readonly WasmBuffer[], inAvals: readonly ShapedArray[], params: Params<P>, outAvals: readonly ShapedArray[]): WasmBuffer[] {
    const mem = this.memory.buffer;
    const views = inputs.map((b, i) => {
      if (b.freed) throw new ReferenceError("wasm backend: an input array was disposed");
      return typedView(mem, inAvals[i]!.dtype, b.ptr, inAvals[i]!.size);
    });
    const results = evalPrimitiveRef(prim, views, inAvals, params, outAvals);
    return results.map((r, k) => this.fromHost(r, outAvals[k]!.dtype));
  }

  // ---- threads ----

  private poolInstance: ThreadPool | null = null;
  private modules = 0;

  /** The thread pool over this runtime's memory (started on the first parallel kernel). */
  get pool(): ThreadPool {
    if (this.poolInstance === null) {
      if (!this.sharedMemory) throw new Error("internal: a thread pool needs a shared memory");
      const scratch = () => this.allocator.alloc(SCRATCH_BYTES);
      this.poolInstance = new ThreadPool(this.memory, scratch, scratch());
    }
    return this.poolInstance;
  }

  // ---- programs ----

  compile(program: Program): Compiled {
    // Without shared memory every kernel runs on this thread: say so once if more were asked for.
    if (!this.sharedMemory) effectiveThreads();
    const rendered = renderProgram(program, { relaxedSimd: this.relaxedSimd }, { shared: this.sharedMemory, maxPages: Math.ceil(this.allocator.maxBytes / WASM_PAGE) });
    const bytes = this.assemble(rendered.wat);
    const module = new WebAssembly.Module(bytes);
    // A host step's call leaves the addresses of its buffers (buffer inputs, then outputs) in a table.
    const host = (index: number, table: number) => {
      this.hostSteps++;
      const step = rendered.hostSteps[index]!;
      const mem = this.memory.buffer;
      const ptrs = new Int32Array(mem, table, hostStepBuffers(step).length);
      let k = 0;
      const ins = step.inputs.map((inp) => {
        if ("buf" in inp) {
          const d = program.buffers[inp.buf]!;
          return typedView(mem, d.dtype, ptrs[k++]!, d.size);
        }
        const t = typedView(new ArrayBuffer(8), inp.dtype, 0, 1);
        t[0] = inp.literal;
        return t;
      });
      const e = step.eqn;
      const outs = evalPrimitiveRef(
        e.primitive,
        ins,
        e.inputs.map((a) => a.aval),
        e.params,
        e.outVars.map((v) => v.aval),
      );
      const mem2 = this.memory.buffer;
      step.outputs.forEach((buf, j) => {
        const d = program.buffers[buf]!;
        writeInto(typedView(mem2, d.dtype, ptrs[k++]!, d.size), outs[j]!);
      });
    };
    const m: Record<string, (...x: number[]) => number> = {};
    for (const { name } of rendered.hostMath) m[name] = hostMath[name]!;
    let parallel: ParallelModule | null = null;
    // A parallel kernel's call: the entry left its buffers' addresses in the table at `table`.
    const par = (k: number, table: number) => this.pool.run(parallel!, k, new Int32Array(this.memory.buffer, table, rendered.parallel[k]!.nargs));
    const instance = new WebAssembly.Instance(module, { env: { memory: this.memory, host, par }, m });
    const entry = instance.exports.run as (...ptrs: number[]) => void;
    if (rendered.parallel.length > 0)
      parallel = {
        id: this.modules++,
        module,
        kernels: rendered.parallel,
        fns: rendered.parallel.map((q) => instance.exports[q.name] as (...a: number[]) => void),
        math: rendered.hostMath.map((h) => h.name),
      };
    const arenaBytes = rendered.parTableBytes > 0 ? parTableOffset(program.arenaBytes) + rendered.parTableBytes : program.arenaBytes;
    const outBytes = program.outputs.map((id) => {
      const d = program.buffers[id]!;
      return bytesOf(d.dtype, d.size);
    });
    const dynamicOut = program.outputs.map((id) => program.buffers[id]!.size === DYNAMIC_EXTENT);
    const nOut = outBytes.length;
    const dynamic = rendered.dynamic;
    // The entry's arguments: arena, [n], input pointers, output pointers (one array reused per
    // call; calls do not nest, a host step never calls back into a module).
    const args = new Array<number>((dynamic ? 2 : 1) + program.inputs.length + nOut).fill(0);
    // Calls the entry with `outs` allocated and pinned by the caller.
    const call = (inputs: readonly WasmBuffer[], n: number, outs: readonly WasmBuffer[]): void => {
      let arena = 0;
      try {
        if (arenaBytes > 0) arena = this.allocate(arenaBytes);
        let j = 0;
        args[j++] = arena;
        if (dynamic) args[j++] = n;
        for (let k = 0; k < inputs.length; k++) args[j++] = inputs[k]!.ptr;
        for (let k = 0; k < nOut; k++) args[j++] = outs[k]!.ptr;
        switch (j) {
          case 3:
            entry(args[0]!, args[1]!, args[2]!);
            break;
          case 4:
            entry(args[0]!, args[1]!, args[2]!, args[3]!);
            break;
          case 5:
            entry(args[0]!, args[1]!, args[2]!, args[3]!, args[4]!);
            break;
          default:
            entry(...args);
        }
      } finally {
        if (arena !== 0) this.allocator.release(arena, arenaBytes);
      }
    };
    const checkInputs = (inputs: readonly WasmBuffer[]): void => {
      const nIn = inputs.length;
      if (nIn !== program.inputs.length) throw new Error(`internal: program takes ${program.inputs.length} inputs, got ${nIn}`);
      for (let k = 0; k < nIn; k++) if (inputs[k]!.freed) throw new ReferenceError("wasm backend: an input array was disposed");
    };
    const run = (inputs: readonly WasmBuffer[], n = 0): WasmBuffer[] => {
      checkInputs(inputs);
      this.pin(inputs);
      const outs: WasmBuffer[] = [];
      try {
        for (let k = 0; k < nOut; k++) {
          const o = this.allocBuffer(dynamicOut[k] ? (outBytes[k]! / DYNAMIC_EXTENT) * n : outBytes[k]!);
          o.pins++;
          outs.push(o);
        }
        call(inputs, n, outs);
      } catch (err) {
        for (const o of outs) {
          o.pins--;
          this.free(o);
        }
        outs.length = 0;
        throw err;
      } finally {
        for (const o of outs) o.pins--;
        this.unpin(inputs);
      }
      return outs;
    };
    const rerun = (inputs: readonly WasmBuffer[], n: number, out: WasmBuffer): void => {
      if (nOut !== 1) throw new Error(`internal: rerun of a program with ${nOut} outputs`);
      checkInputs(inputs);
      this.pin(inputs);
      out.pins++;
      try {
        call(inputs, n, [out]);
      } finally {
        out.pins--;
        this.unpin(inputs);
      }
    };
    return { program, rendered, run, rerun };
  }
}

