/**
 * Workspaces of batched steps whose items are independent (a sort's lines, a factorization's
 * matrices): such a step gets one workspace per slot, so that a renderer may run up to `slots`
 * ranges of items at the same time (the wasm backend's thread pool), each range with its own
 * workspace. Items never share a result, so how they are spread cannot change a bit; the slot
 * count is fixed from the shape alone, never from a thread count.
 */

/** Most workspaces per step (so most threads one batched step keeps busy). */
export const MAX_BATCH_SLOTS = 16;
/**
 * Work (items times the per-item estimate, about one unit per inner-loop operation) below which
 * a batched step keeps one workspace and runs on the calling thread. See the report of the
 * threadsplit branch for the measurement (sort of many short lines, batched Cholesky).
 */
export let BATCH_SPLIT_MIN_WORK = 1 << 17;
/** For measurements (bench/reduceSplit.mjs): the threshold for programs lowered from now on. */
export function setBatchSplitMinWork(work: number): void {
  BATCH_SPLIT_MIN_WORK = work;
}
/** Most bytes of workspace added for slots. */
const MAX_SLOTS_BYTES = 32 << 20;

/** Workspaces of a step of `items` independent items of `workPerItem` each, one workspace `workspaceBytes` big. */
export function batchSlots(items: number, workPerItem: number, workspaceBytes: number): number {
  if (items < 2 || items * workPerItem < BATCH_SPLIT_MIN_WORK) return 1;
  return Math.max(1, Math.min(items, MAX_BATCH_SLOTS, Math.floor(MAX_SLOTS_BYTES / Math.max(1, workspaceBytes))));
}
