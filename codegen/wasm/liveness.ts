/**
 * Liveness tokens: how the runtime learns, inside one synchronous burst of work, that an array
 * the user dropped is dead, so its wasm memory can be reused without copying it out first.
 *
 * A dropped array's buffer is normally reclaimed by a FinalizationRegistry callback, but those
 * run as tasks: in a loop that only awaits microtasks (`for (...) { y = np.add(a, b); await
 * y.blockUntilReady(); }`, one job from the engine's point of view) none runs, resident memory
 * reaches the eviction threshold, and every dropped result was copied to host memory once before
 * its block could be reused: a copy, a host allocation (page faults on a fresh one), and garbage
 * that drives the collector, costing more than the op itself for large arrays.
 *
 * A WeakRef tells more, within the rules of the language: its target may be cleared by any
 * collection once unreachable, except targets made or dereferenced in the current job (the
 * engine keeps those until the job ends). So tokens are made ahead of time, in a task of their
 * own (`LivenessPool.refill`); an array that owns a large buffer takes one and holds it (and
 * nothing else does), and the runtime keeps only the WeakRef. After a collection, `deref()` of
 * a dropped array's token gives undefined, even in the middle of the job: the array is
 * unreachable, and so is every path to its buffer through the public API.
 *
 * The pool runs dry in a job that makes more arrays than it holds; arrays made then get no
 * token and are evicted by copy as before (correct, only slower). A dereference that finds the
 * token alive keeps it alive for the rest of that job, so the runtime asks only about eviction
 * candidates (buffers it would otherwise copy out right then).
 */

/** What the owning array holds (strongly, and alone) for its buffer's lifetime. */
export type LivenessToken = Record<string, never>;

export interface Liveness {
  readonly token: LivenessToken;
  readonly ref: WeakRef<LivenessToken>;
}

/** Tokens the pool holds at first (about 80 bytes each, with their WeakRefs). */
const POOL_SIZE = 8192;
/** The most it grows to, doubling each time a job ran it dry (about 5 MB). */
const MAX_POOL_SIZE = 65536;

export class LivenessPool {
  private spare: Liveness[] = [];
  private refillScheduled = false;

  constructor(
    private size = POOL_SIZE,
    private readonly maxSize = MAX_POOL_SIZE,
  ) {
    this.scheduleRefill();
  }

  /** A token made in an earlier job, or undefined when none is left (a refill is then on its way, for a pool twice as large). */
  take(): Liveness | undefined {
    const l = this.spare.pop();
    if (l === undefined) this.size = Math.min(this.maxSize, 2 * this.size);
    if (this.spare.length < this.size >> 1) this.scheduleRefill();
    return l;
  }

  /** Fills the pool now: only tokens made in a job before the one that uses them can be found dead in it. */
  refill(): void {
    while (this.spare.length < this.size) {
      const token: LivenessToken = {};
      this.spare.push({ token, ref: new WeakRef(token) });
    }
  }

  private scheduleRefill(): void {
    if (this.refillScheduled) return;
    this.refillScheduled = true;
    const t = setTimeout(() => {
      this.refillScheduled = false;
      this.refill();
    }, 0) as unknown as { unref?: () => void };
    t.unref?.(); // never keeps a Node process alive
  }
}

/** Bytes of a collector nudge (see CollectorWatch.nudge). */
const NUDGE_BYTES = 64 * 2 ** 20;
/** Canaries per nudge: how many sweeps may ask whether the collection has run before the runtime stops waiting for it. */
const CANARIES = 8;

/**
 * Asks the engine for a full collection, the only kind that clears WeakRefs (and so finds
 * dropped arrays), and tells when one has run.
 *
 * The nudge: an ArrayBuffer this large, dropped at once, counts toward the heap's external size
 * and makes the engine start marking (concurrently; it finishes some milliseconds later). It is
 * never written, so it costs address space, not memory (the C allocator maps fresh zero pages
 * for it and none is touched).
 *
 * The canaries: tokens from the pool (made in an earlier job), dropped at the nudge, their
 * WeakRefs kept. One that reads as cleared says a full collection ran since the nudge. Reading
 * one that is still there keeps it alive for the rest of the job (the engine keeps what a
 * WeakRef hands out), so each question uses up a canary.
 */
export class CollectorWatch {
  private canaries: WeakRef<LivenessToken>[] = [];
  /** The caller's clock (see nudge) at the last nudge, and at the last nudge whose collection was seen to run. */
  private nudgedAt = 0;
  confirmedAt = 0;

  constructor(private readonly pool: LivenessPool) {}

  /** Whether a nudge is waiting for its collection (with canaries left to ask). */
  get waiting(): boolean {
    return this.canaries.length > 0;
  }

  /**
   * Asks for a collection. `now` is the caller's clock (the runtime counts allocations): once
   * the collection is seen to run, whatever was dropped before `now` has been found
   * (`confirmedAt`), except what the marker had already passed when it was dropped.
   */
  nudge(now: number): void {
    this.plant(now);
    try {
      new ArrayBuffer(NUDGE_BYTES);
    } catch {
      // no address space for it: copies push the collector the usual way
    }
  }

  /**
   * Watches for the next full collection without asking for one (the engine runs one as its
   * heap grows): `collected` tells when it has run, as after a nudge.
   */
  plant(now: number): void {
    this.nudgedAt = now;
    this.canaries = [];
    for (let k = 0; k < CANARIES; k++) {
      const l = this.pool.take();
      if (l === undefined) break;
      this.canaries.push(l.ref); // l.token is dropped here
    }
  }

  /** Whether the collection the last nudge asked for has run; stops waiting once it has, or once the canaries are used up. */
  collected(): boolean {
    const c = this.canaries.pop();
    if (c === undefined) return false;
    if (c.deref() !== undefined) return false;
    this.canaries = [];
    this.confirmedAt = this.nudgedAt;
    return true;
  }
}
