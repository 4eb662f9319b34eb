/**
 * Which kernels run in parallel and how their range is cut: a kernel splits along one index
 * variable of its output (a map kernel's loop variable that every store depends on, a matmul's
 * batch or column panels) into chunks fixed here, from the kernel's shape alone. A chunk
 * computes whole output elements (a reduction's terms never spread over threads), and chunk
 * edges along a vectorized innermost variable fall on multiples of 8 (the unrolled vector
 * loop's step), so every element takes the same code path as in one pass over the whole range.
 * Chunks depend on shapes only, never on the thread count: results are bit-identical whatever it is.
 */
import type { IVar } from "../kernel/iexpr.js";
import { dependsOn, isDynamic } from "../kernel/iexpr.js";
import type { MapKernel, MatmulKernel } from "../kernel/kernel.js";
import { topoNodes } from "../kernel/sexpr.js";

/**
 * Work (output elements times reduced terms, or multiply-adds) below which a kernel runs on the
 * calling thread in one call: waking the pool and waiting for it costs more than the kernel.
 * The estimate behind 64K: a dispatch (an import call, a notify, a pool thread waking from
 * Atomics.wait, a final wait) costs 10-50 us on an idle core, and one core adds about 1-2
 * float32 elements per ns, so below ~64K elements a second thread cannot win back its wake-up.
 * Measuring it on the 2-core development machine failed: at a load average of ~20 every
 * timing there was scheduler noise (a 4K-element add took 0.3 ms). Re-measure on an idle machine
 * (an add of 4K..1M floats with setParallelMinWork(1), 1 vs 2 threads) before tuning.
 * Loop bodies follow the same rule per call: a kernel in a scan pays one dispatch per trip.
 */
export let PAR_MIN_WORK = 1 << 16;
/** Work per chunk: enough to amortize a claim (a compare-and-swap and a call), small enough to balance. */
export const CHUNK_WORK = 1 << 14;
/** Most chunks per kernel (the chunk index has 8 bits in the pool's NEXT word). */
export const MAX_CHUNKS = 64;

/** For tests and measurements: the threshold in force from now on (modules compiled later). */
export function setParallelMinWork(work: number): void {
  PAR_MIN_WORK = work;
}

export interface SplitPlan {
  /** Map kernels: the index of the split variable in `vars`. Matmul: which loop (batch entries, column panels, blocks of row panels). */
  readonly axis: number | "batch" | "panels" | "rows";
  readonly extent: number;
  readonly chunk: number;
  readonly nChunks: number;
}

function chunking(extent: number, work: number, align: number): { chunk: number; nChunks: number } | null {
  if (work < PAR_MIN_WORK) return null;
  const units = Math.floor(extent / align);
  const want = Math.min(MAX_CHUNKS, units, Math.floor(work / CHUNK_WORK));
  if (want < 2) return null;
  const chunk = Math.ceil(extent / want / align) * align;
  const nChunks = Math.ceil(extent / chunk);
  return nChunks < 2 ? null : { chunk, nChunks };
}

/** How a map kernel splits, or null when it runs whole (small, size-generic, or no variable fits). */
export function splitMapKernel(k: MapKernel): SplitPlan | null {
  if (k.vars.some(isDynamic)) return null;
  const red = topoNodes(k.outs.map((o) => o.value)).find((n) => n.k === "reduce");
  const terms = red && red.k === "reduce" ? red.rvars.reduce((n, v) => n * v.extent, 1) : 1;
  const work = k.vars.reduce((n, v) => n * v.extent, 1) * terms;
  const last = k.vars.length - 1;
  const alignOf = (i: number) => (i === last ? 8 : 1);
  const candidates = k.vars
    .map((v, i) => ({ v, i }))
    .filter(({ v }) => v.extent > 1 && !k.sequential?.includes(v) && k.outs.every((o) => dependsOn(o.index, v)));
  if (candidates.length === 0) return null;
  const units = ({ v, i }: { v: IVar; i: number }) => Math.floor(v.extent / alignOf(i));
  const pick = candidates.find((c) => units(c) >= 8) ?? candidates.reduce((a, b) => (units(b) > units(a) ? b : a));
  const c = chunking(pick.v.extent, work, alignOf(pick.i));
  return c && { axis: pick.i, extent: pick.v.extent, ...c };
}

/**
 * A matmul's cache blocking: blocks of row panels of A (about 128 KiB of packed A each) that
 * stay in L2 while every column panel of B sweeps over them.
 */
export function matmulBlocking(k: MatmulKernel): { panelsPerBlock: number; blocks: number } {
  const MB = Math.ceil(k.mVar.extent / k.mr);
  const panelsPerBlock = Math.max(1, Math.min(MB, Math.floor(131072 / Math.max(1, k.K * k.mr * 4))));
  return { panelsPerBlock, blocks: Math.ceil(MB / panelsPerBlock) };
}

/**
 * How a matmul splits: over its batch when that has more chunks to give, else over column
 * panels, or over blocks of row panels when those are more (a tall product with few columns,
 * as a convolution with few output channels is).
 */
export function splitMatmulKernel(k: MatmulKernel): SplitPlan | null {
  const Bt = k.bVar.extent;
  const NB = Math.ceil(k.nVar.extent / k.nr);
  const { blocks } = matmulBlocking(k);
  const work = Bt * k.mVar.extent * k.nVar.extent * k.K;
  const [axis, extent] = Math.max(Bt, NB) >= blocks ? (Bt >= NB ? (["batch", Bt] as const) : (["panels", NB] as const)) : (["rows", blocks] as const);
  const c = chunking(extent, work, 1);
  return c && { axis, extent, ...c };
}
