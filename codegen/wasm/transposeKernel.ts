/**
 * Map kernels that transpose as they copy, rendered as 4x4 register transposes: the matmul's A
 * pack (`packA[p, k, r] = A[p*MR + r, k]`, rows of A read along k, written 4 rows to a vector)
 * and any kernel like it. The generic renderer vectorizes the innermost variable (r), whose
 * input stride is a whole row, so it builds each vector from 4 scalar loads and 3 lane
 * inserts; here the value is computed as vectors along the next variable (k, contiguous in
 * the input) for 4 values of r, transposed with 8 shuffles, and stored as 4 vectors along r.
 * Values are computed by the vector code of the generic path (only the tail of k differs: one
 * more vector overlapping the last, where the generic path has none along k).
 */
import { type DType, isFloat } from "../../ir/dtype.js";
import { type IVar, coefOf, inAtoms, isDynamic } from "../kernel/iexpr.js";
import { type BufferDecl, type MapKernel, stepReads, stepWrites } from "../kernel/kernel.js";
import { type SExpr, topoNodes } from "../kernel/sexpr.js";
import type { KernelEmitter } from "./emitter.js";
import { get, i32c } from "./wat.js";

const WORD_TYPES: ReadonlySet<DType> = new Set<DType>(["float32", "int32", "uint32"]);
/** Most values of the innermost variable handled (each group of 4 is one transpose per k step). */
const MAX_INNER = 16;

/** Loads of `roots` that walk `v` with stride 1. */
function stride1Loads(roots: readonly SExpr[], v: IVar): number {
  let n = 0;
  for (const e of topoNodes(roots)) if (e.k === "load" && !inAtoms(e.index, v) && coefOf(e.index, v) === 1) n++;
  return n;
}

/**
 * Whether `k` is a transposing copy this renderer takes: one output of a 32-bit type, stored
 * contiguously along the innermost variable (extent a multiple of 4, at most 16), its loads all
 * of 32-bit types and contiguous along the variable outside it (extent at least 4) and none
 * along the innermost; no reduction, no run-time extents, no in-order variables, no views, no
 * buffer both read and written (a ragged tail is stored twice). A split must cut one of the
 * outer variables.
 */
export function isTransposeCopy(k: MapKernel, buffers: readonly BufferDecl[], splitAxis: number | null): boolean {
  const n = k.vars.length;
  if (n < 2 || k.outs.length !== 1 || k.sequential !== undefined || k.vars.some(isDynamic)) return false;
  if (splitAxis !== null && splitAxis >= n - 2) return false;
  const inner = k.vars[n - 1]!;
  const along = k.vars[n - 2]!;
  if (inner.extent % 4 !== 0 || inner.extent > MAX_INNER || along.extent < 4) return false;
  const out = k.outs[0]!;
  const reads = stepReads(k);
  const writes = stepWrites(k);
  if ([...reads, ...writes].some((b) => buffers[b]!.kind === "view") || writes.some((b) => reads.includes(b))) return false;
  if (!WORD_TYPES.has(buffers[out.buf]!.dtype)) return false;
  if (inAtoms(out.index, inner) || coefOf(out.index, inner) !== 1) return false;
  const nodes = topoNodes([out.value]);
  if (nodes.some((e) => e.k === "reduce" || e.k === "acc" || e.dtype === "float64")) return false;
  // sin/cos take the generic renderer's flag-and-rerun path.
  if (nodes.some((e) => e.k === "unary" && (e.op === "sin" || e.op === "cos") && isFloat(e.dtype))) return false;
  if (nodes.some((e) => e.k === "load" && !WORD_TYPES.has(e.dtype))) return false;
  return stride1Loads([out.value], along) > 0 && stride1Loads([out.value], inner) === 0;
}

/** 32-bit lanes [a, b, c, d] of the pair (x, y) (lanes 4..7 are y's) as an i8x16.shuffle. */
const shuffle = (lanes: readonly number[], x: string, y: string) =>
  `(i8x16.shuffle ${lanes.flatMap((l) => [4 * l, 4 * l + 1, 4 * l + 2, 4 * l + 3]).join(" ")} ${x} ${y})`;

/** Emits the loops of a kernel accepted by isTransposeCopy (range: the split variable's [lo, hi)). */
export function emitTransposeLoops(k: MapKernel, buffers: readonly BufferDecl[], em: KernelEmitter, range: { axis: number; lo: string; hi: string } | null): void {
  const n = k.vars.length;
  const inner = k.vars[n - 1]!;
  const along = k.vars[n - 2]!;
  const out = k.outs[0]!;
  const dtype = buffers[out.buf]!.dtype;
  const fn = em.fn;
  const rows = Array.from({ length: 4 }, () => fn.local("v128", "tr"));
  const half = Array.from({ length: 4 }, () => fn.local("v128", "th"));
  const full = Math.floor(along.extent / 4) * 4;
  const vectorSteps = (kk: string) => {
    for (let g = 0; g < inner.extent; g += 4) {
      // rows[r] = value at (k .. k+3, g + r): vectors along k.
      for (let r = 0; r < 4; r++)
        em.scope(
          [
            { v: along, value: kk },
            { v: inner, value: i32c(g + r) },
          ],
          () => em.emit(`(local.set ${rows[r]} ${em.value(out.value, true)})`),
          { vector: along },
        );
      em.emit(`(local.set ${half[0]} ${shuffle([0, 4, 1, 5], get(rows[0]!), get(rows[1]!))})`);
      em.emit(`(local.set ${half[1]} ${shuffle([2, 6, 3, 7], get(rows[0]!), get(rows[1]!))})`);
      em.emit(`(local.set ${half[2]} ${shuffle([0, 4, 1, 5], get(rows[2]!), get(rows[3]!))})`);
      em.emit(`(local.set ${half[3]} ${shuffle([2, 6, 3, 7], get(rows[2]!), get(rows[3]!))})`);
      // Column j of the 4x4 block: the value at (k + j, g .. g+3), a vector along the innermost variable.
      const cols = [
        shuffle([0, 1, 4, 5], get(half[0]!), get(half[2]!)),
        shuffle([2, 3, 6, 7], get(half[0]!), get(half[2]!)),
        shuffle([0, 1, 4, 5], get(half[1]!), get(half[3]!)),
        shuffle([2, 3, 6, 7], get(half[1]!), get(half[3]!)),
      ];
      for (let j = 0; j < 4; j++)
        em.scope(
          [
            { v: along, value: `(i32.add ${kk} ${i32c(j)})` },
            { v: inner, value: i32c(g) },
          ],
          () => em.store(out.buf, out.index, dtype, cols[j]!, true),
          { vector: inner },
        );
    }
  };
  const nest = (i: number) => {
    if (i === n - 2) {
      em.loop(null, 0, full, 4, (kk) => vectorSteps(get(kk)), { hint: "k4" });
      // A ragged k tail as one more step over the last 4 k, overlapping the one before: those
      // elements are stored twice with the same value (the kernel reads none of its outputs).
      if (full < along.extent) vectorSteps(i32c(along.extent - 4));
      return;
    }
    const v = k.vars[i]!;
    if (range !== null && range.axis === i) em.loop(v, range.lo, range.hi, 1, () => nest(i + 1));
    else em.loop(v, 0, v.extent, 1, () => nest(i + 1));
  };
  nest(0);
}
