/**
 * Reductions with few outputs and a long reduced extent (a sum, max or argmax of a whole array,
 * or of a few long columns) split along the reduced extent, so every thread gets work.
 *
 * The outermost reduced variable is cut into chunks of a FIXED number of terms (REDUCE_CHUNK,
 * from the shape alone, never from the thread count). A partial function computes, for chunks
 * [lo, hi) of that cut, each chunk's partial of every output (argmax/argmin: the chunk's best
 * value and its first index) into a scratch area after the call's arena; the pool runs ranges
 * of chunks on any threads (a whole-range call on one thread computes the same partials). A
 * combine function then folds the partials in chunk order and finishes the kernel's outputs.
 * So one, two or eight threads, and a page without threads, give the same bits: the order of
 * every float operation is fixed by the shape. Argmax/argmin keep the first index among ties
 * (the fold replaces only on a strictly better value or the first NaN, as the one-pass scan).
 *
 * Below REDUCE_SPLIT_MIN terms a reduction stays one pass on the calling thread (the kernel
 * renderer's ordinary loops); kernels with many outputs are split over their outputs instead
 * (split.ts), each output's terms in one pass.
 */
import { DYNAMIC_EXTENT, type IExpr, type IVar, iadd, iconst, isDynamic, iscale, ivar, newVar } from "../kernel/iexpr.js";
import type { BufferDecl, MapKernel } from "../kernel/kernel.js";
import { type SExpr, topoNodes } from "../kernel/sexpr.js";
import { type EmitOptions, type ImportSink, KernelEmitter, argBetter, argInit, combineScalar, combineVector, reduceIdentity } from "./emitter.js";
import { emitMapLoops, kernelFn, usedBuffers } from "./mapKernel.js";
import { MAX_CHUNKS } from "./split.js";
import { type Fn, get, i32c, scalarConst, scalarType, vectorConst } from "./wat.js";

/**
 * Terms per partial. Fixed, so results do not depend on the thread count; about 8K float32
 * terms (32 KiB) is a few microseconds of work, long enough that a chunk's fold and store are
 * noise, short enough that 1e6 terms give 122 chunks to balance over any pool.
 */
export const REDUCE_CHUNK = 8192;
/**
 * Reduced terms from which a reduction is split. Measured (bench/reduceSplit.mjs, sum of n
 * float32 on the 2-core development machine, under load): see the report; below this a second
 * thread does not win back its wake-up.
 */
export let REDUCE_SPLIT_MIN = 1 << 16;
/** For measurements (bench/reduceSplit.mjs): the threshold for modules compiled from now on. */
export function setReduceSplitMin(terms: number): void {
  REDUCE_SPLIT_MIN = terms;
}
/** Most outputs of a split reduction (more outputs are split over the outputs instead). */
export const REDUCE_SPLIT_MAX_OUTPUTS = 16;

type Reduce = SExpr & { k: "reduce" };

export interface ReduceSplit {
  readonly red: Reduce;
  /** Output elements (the product of the kernel's variables). */
  readonly nOut: number;
  /** Chunk index variable (extent nChunks) and a chunk's length in units of the outermost reduced variable. */
  readonly chunkVar: IVar;
  readonly chunkLen: number;
  readonly nChunks: number;
  /** Whether the partials are (best value, index) pairs. */
  readonly arg: boolean;
  /** Scratch bytes for the partials. */
  readonly partBytes: number;
  /** Work (output elements times terms), for the parallel threshold. */
  readonly work: number;
}

const bytesOf = (d: string): number => (d === "float64" ? 8 : d === "bool" || d === "int8" || d === "uint8" ? 1 : d === "float16" || d === "int16" || d === "uint16" ? 2 : 4);

/** How a map kernel's reduction splits along its reduced extent, or null when it runs as one pass. */
export function planReduceSplit(k: MapKernel): ReduceSplit | null {
  if (k.sequential || k.vars.some(isDynamic)) return null;
  const nodes = topoNodes(k.outs.map((o) => o.value));
  const reds = nodes.filter((n): n is Reduce => n.k === "reduce");
  if (reds.length !== 1) return null;
  // float32 sin/cos kernels rerun exactly after a fast pass (mapKernel.ts); not worth a split variant.
  if (nodes.some((n) => n.k === "unary" && (n.op === "sin" || n.op === "cos") && n.dtype === "float32")) return null;
  const red = reds[0]!;
  if (red.selectFold) return null; // a chunk's partial does not say whether the chunk held a NaN, which a select fold's next chunk needs
  if (red.rvars.length === 0 || red.rvars.some((v) => v.extent === DYNAMIC_EXTENT || v.extent <= 0)) return null;
  const nOut = k.vars.reduce((n, v) => n * v.extent, 1);
  if (nOut > REDUCE_SPLIT_MAX_OUTPUTS) return null;
  const rv0 = red.rvars[0]!;
  const inner = red.rvars.slice(1).reduce((n, v) => n * v.extent, 1);
  const terms = rv0.extent * inner;
  if (terms < REDUCE_SPLIT_MIN) return null;
  // A lone reduced variable is vectorized along: chunks start on multiples of 8 lanes.
  const align = red.rvars.length === 1 ? 8 : 1;
  const chunkLen = Math.ceil(Math.ceil(REDUCE_CHUNK / inner) / align) * align;
  const nChunks = Math.ceil(rv0.extent / chunkLen);
  if (nChunks < 2) return null;
  const arg = red.op === "argmax" || red.op === "argmin";
  const partBytes = nChunks * nOut * (arg ? bytesOf(red.body.dtype) + 4 : bytesOf(red.dtype));
  return { red, nOut, chunkVar: newVar(nChunks, "ch"), chunkLen, nChunks, arg, partBytes: Math.ceil(partBytes / 16) * 16, work: nOut * terms };
}

/** The pool's cut of the partial function's range (chunks of reduction chunks). */
export function reduceSplitPool(rs: ReduceSplit): { extent: number; chunk: number; nChunks: number } {
  const per = Math.ceil(rs.nChunks / Math.min(MAX_CHUNKS, rs.nChunks));
  return { extent: rs.nChunks, chunk: per, nChunks: Math.ceil(rs.nChunks / per) };
}

/** Row-major position of an output element among the kernel's variables. */
function outPosition(k: MapKernel): IExpr {
  let x = iconst(0);
  let stride = 1;
  for (let i = k.vars.length - 1; i >= 0; i--) {
    x = iadd(x, iscale(ivar(k.vars[i]!), stride));
    stride *= k.vars[i]!.extent;
  }
  return x;
}

/**
 * The partials' pseudo-buffers (ids after the program's): values at `part`, argmax indices after
 * them. Their addresses are the parameters named after these ids.
 */
function partBuffers(rs: ReduceSplit, buffers: readonly BufferDecl[]): { ext: BufferDecl[]; val: number; idx: number | null } {
  const val = buffers.length;
  const n = rs.nChunks * rs.nOut;
  const decl = (id: number, dtype: BufferDecl["dtype"]): BufferDecl => ({ id, kind: "scratch", index: -1, dtype, shape: [n], size: n, offset: 0 });
  const ext = [...buffers, decl(val, rs.arg ? rs.red.body.dtype : rs.red.dtype)];
  if (!rs.arg) return { ext, val, idx: null };
  ext.push(decl(val + 1, "int32"));
  return { ext, val, idx: val + 1 };
}

/** Byte offset of the argmax index partials from the value partials. */
const idxOffset = (rs: ReduceSplit): number => Math.ceil((rs.nChunks * rs.nOut * bytesOf(rs.red.body.dtype)) / 16) * 16;

let fakeIds = 0;
/** A load node outside any factory (a negative id cannot collide with the kernel's nodes). */
const partLoad = (buf: number, index: IExpr, dtype: BufferDecl["dtype"]): SExpr => Object.freeze({ k: "load" as const, buf, index, dtype, id: -1 - fakeIds++ });

export interface ReduceSplitFns {
  /** `(bufs..., part, lo, hi)`: partials of chunks [lo, hi). */
  readonly partial: Fn;
  /** Buffer ids of the partial's leading parameters; ids past the program's are the partials' address. */
  readonly partialBufs: readonly number[];
  /** `(bufs..., part)`: folds the partials and stores the kernel's outputs. */
  readonly combine: Fn;
  readonly combineBufs: readonly number[];
}

/** Renders a split reduction's two functions (called in this order, the partial possibly across the pool). */
export function renderReduceSplit(k: MapKernel, rs: ReduceSplit, buffers: readonly BufferDecl[], imports: ImportSink, opts: EmitOptions): ReduceSplitFns {
  const { ext, val, idx } = partBuffers(rs, buffers);
  const pos = outPosition(k);
  const at = iadd(iscale(ivar(rs.chunkVar), rs.nOut), pos);
  const red = rs.red;

  // Partial: for each chunk, the kernel's loop nest storing the reduction (bounded to the chunk).
  const partialKernel: MapKernel = { kind: "map", name: `${k.name}_part`, vars: k.vars, outs: [{ buf: rs.arg ? idx! : val, index: at, value: red }] };
  const partialBufs = usedBuffers(partialKernel).filter((b) => b < buffers.length);
  const p = kernelFn(partialKernel.name, partialBufs);
  const partParam = get(p.fn.param("part"));
  const lo = get(p.fn.param("lo"));
  const hi = get(p.fn.param("hi"));
  const partPtr = (b: number): string => (b === val ? partParam : b === idx ? `(i32.add ${partParam} ${i32c(idxOffset(rs))})` : get(p.ptr.get(b)!));
  const em = new KernelEmitter(p.fn, partPtr, imports, opts);
  em.vectorArgs = false; // its best values go on as scalars (argBestSink)
  const rv0 = red.rvars[0]!;
  em.loop(
    rs.chunkVar,
    lo,
    hi,
    1,
    (ch) => {
      const r0 = em.tmp("i32", `(i32.mul ${get(ch)} ${i32c(rs.chunkLen)})`, "r0");
      const end = `(i32.add ${r0} ${i32c(rs.chunkLen)})`;
      const r1 = em.tmp("i32", `(select ${end} ${i32c(rv0.extent)} (i32.lt_s ${end} ${i32c(rv0.extent)}))`, "r1");
      em.reduceBounds = { lo: r0, hi: r1 };
      if (rs.arg) em.argBestSink = (best) => em.store(val, at, red.body.dtype, best, false);
      emitMapLoops(partialKernel, ext, em);
    },
    { guard: `(i32.lt_s ${lo} ${hi})` },
  );

  // Combine: the kernel's own loop nest, the reduction's value a fold of its partials.
  const combineBufs = usedBuffers(k);
  const c = kernelFn(k.name, combineBufs);
  const cPart = get(c.fn.param("part"));
  const cPtr = (b: number): string => (b === val ? cPart : b === idx ? `(i32.add ${cPart} ${i32c(idxOffset(rs))})` : get(c.ptr.get(b)!));
  const ce = new KernelEmitter(c.fn, cPtr, imports, opts);
  ce.vectorArgs = false; // its argmax fold over the partials is scalar
  ce.reduceOverride = (e, vector) => {
    if (e !== red) return null;
    if (rs.arg) {
      if (vector) throw new Error("internal: vector argmax");
      const d = red.body.dtype;
      const max = red.op === "argmax";
      const best = c.fn.local(scalarType(d), "best");
      const bestK = c.fn.local("i32", "bestk");
      ce.emit(`(local.set ${best} ${scalarConst(argInit(d, max), d)})`);
      ce.emit(`(local.set ${bestK} (i32.const 0))`);
      const vLoad = partLoad(val, at, d);
      const kLoad = partLoad(idx!, at, "int32");
      ce.loop(rs.chunkVar, 0, rs.nChunks, 1, () => {
        const x = ce.tmp(scalarType(d), ce.value(vLoad, false));
        ce.emit(`(if ${argBetter(d, max, x, get(best))} (then (local.set ${best} ${x}) (local.set ${bestK} ${ce.value(kLoad, false)})))`);
      });
      return get(bestK);
    }
    const d = red.dtype;
    const acc = c.fn.local(vector ? "v128" : scalarType(d), "acc");
    const id = reduceIdentity(red.op, d);
    ce.emit(`(local.set ${acc} ${vector ? vectorConst(id, d) : scalarConst(id, d)})`);
    const load = partLoad(val, at, d);
    ce.loop(rs.chunkVar, 0, rs.nChunks, 1, () => {
      const x = ce.value(load, vector);
      ce.emit(`(local.set ${acc} ${vector ? combineVector(red.op, d, get(acc), x) : combineScalar(red.op, d, get(acc), x)})`);
    });
    return get(acc);
  };
  emitMapLoops(k, buffers, ce);
  return { partial: p.fn, partialBufs, combine: c.fn, combineBufs };
}
