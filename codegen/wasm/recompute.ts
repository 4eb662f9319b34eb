/**
 * Recomputable results: how an eager loop whose results are dropped without dispose() runs in
 * the same few blocks of wasm memory as one that disposes them.
 *
 * The runtime learns that a dropped array is dead only when a full collection clears its
 * liveness token (liveness.ts), which happens every few hundred megabytes of garbage. Until then
 * each new result needs fresh memory, so a loop of dropped 400 KB results writes every one to
 * memory last touched a collection ago, out of every cache: measured on a 100k-float add, the
 * same loop costs 14-16 us when each result is disposed at once or up to 16 results late, 18 us
 * 32 late, 25 us 64 late and 30-33 us 600 late.
 *
 * So the runtime does not wait to learn. A recent result of an elementwise (or data-movement) program keeps a
 * recipe: the compiled program, its input buffers and its length. Once more than the window's
 * bytes of newer such results exist, its contents are dropped and its block reused at once; if
 * its array is used after all, the recipe computes the same bytes again (programs are
 * deterministic, whatever the thread count) into a new block, and it never has a recipe again.
 * A dropped result that was in fact dead costs nothing more; a live one costs one more run of
 * one elementwise op, when next used.
 *
 * What a recipe holds must stay readable until the recipe goes: its inputs' buffers count the
 * recipes that hold them (`holds`), and an input freed meanwhile (dispose, its finalizer, found
 * dead) keeps its memory, or its own recipe, until the last holder lets go. So:
 * - an input with a recipe of its own keeps it while held: a result of `np.add(np.multiply(a,
 *   x), b)` and its temporary both drop, and computing the result again computes the temporary
 *   first. Recipes go at most MAX_RECIPE_DEPTH deep (a result whose input is that deep gets
 *   none), which bounds both what a recomputation runs and what a chain of results holds;
 * - an input without a recipe (an array the user made, a matmul's result) is held as it is:
 *   when everything in a loop is dropped, the collection that finds the input dead finds its
 *   holders dead too, so holding delays nothing much; a held input of a result that lives on
 *   unused stays in memory with it (evictable to host memory like any other buffer);
 * - a recipe goes when its result is used (computed again), disposed, finalized, or found dead
 *   by its liveness token (the runtime looks at dropped results' tokens as their number grows),
 *   and when an input it reads is disposed while the result still has its contents: so
 *   `x.dispose()` frees x at once unless a result whose contents were dropped needs it (then x's
 *   memory goes with the last such result).
 */
import type { WasmBuffer } from "./runtime.js";

/** How to compute a buffer's contents again: a single-output program over `inputs` of run-time length `n`. */
export interface Recipe {
  readonly rerun: (inputs: readonly WasmBuffer[], n: number, out: WasmBuffer) => void;
  readonly inputs: readonly WasmBuffer[];
  readonly n: number;
  /** 1 + the deepest input recipe (1: no input has one). */
  readonly depth: number;
}

/** The deepest a recipe may go (see above). */
export const MAX_RECIPE_DEPTH = 4;

/** Default bytes of recent recomputable results kept resident (4 MiB: well inside the cache-friendly range measured above). */
export const RECOMPUTE_WINDOW_BYTES = 4 * 2 ** 20;

/**
 * The recent results with recipes, oldest first, and their bytes. `push` returns the results that
 * fell out of the window (the caller drops those still holding their recipe).
 */
export class RecentResults {
  private queue: WasmBuffer[] = [];
  private head = 0;
  private bytes = 0;

  constructor(readonly windowBytes: number) {}

  push(b: WasmBuffer, fallen: WasmBuffer[]): void {
    this.queue.push(b);
    this.bytes += b.bytes;
    while (this.bytes > this.windowBytes && this.head < this.queue.length - 1) {
      const old = this.queue[this.head]!;
      this.queue[this.head++] = undefined as unknown as WasmBuffer;
      this.bytes -= old.bytes;
      fallen.push(old);
    }
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
  }

  /** The results in the window, newest first (some may have been freed or lost their recipe since). */
  *newestFirst(): IterableIterator<WasmBuffer> {
    for (let k = this.queue.length - 1; k >= this.head; k--) yield this.queue[k]!;
  }
}
