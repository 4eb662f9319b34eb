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

/** Tokens made per refill (a few bytes each; the pool holds them until they are handed out). */
const POOL_SIZE = 8192;

export class LivenessPool {
  private spare: Liveness[] = [];
  private refillScheduled = false;
  /** Counters, for tests: tokens handed out, and requests the empty pool could not serve. */
  readonly stats = { taken: 0, dry: 0 };

  constructor(private readonly size = POOL_SIZE) {
    this.scheduleRefill();
  }

  /** A token made in an earlier job, or undefined when none is left (a refill is then on its way). */
  take(): Liveness | undefined {
    const l = this.spare.pop();
    if (this.spare.length < this.size >> 1) this.scheduleRefill();
    if (l === undefined) this.stats.dry++;
    else this.stats.taken++;
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
