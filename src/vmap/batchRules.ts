/**
 * The batching rule of every primitive: values with batch dims (null: not mapped) to
 * outputs with batch dims. Rules fold the batch into the primitive itself (reduction axes
 * shift, dotGeneral gains a batch dimension, convolution folds it into its batch or feature
 * dimension, gather/scatter use their batching dimensions) rather than looping.
 */
import * as E from "fp-ts/lib/Either.js";
import { ShapedArray } from "../../ir/aval.js";
import {
  type BinaryPrimitive,
  type ComparisonPrimitive,
  type Params,
  type Primitive,
  type UnaryPrimitive,
  binaryKinds,
  comparisonKinds,
  inferShapes,
  unaryKinds,
} from "../../ir/primitives.js";
import { range, tableOf } from "../../ir/util.js";
import type { JArray } from "../core/array.js";
import { bind, bind1 } from "../core/interpreter.js";
import { ValueError } from "../errors.js";
import * as lax from "../lax.js";
import { type BDim, batchFlat, batchJaxpr, moveBdim } from "./batching.js";
import { condBatch, scanBatch, whileBatch } from "./controlFlowBatch.js";
import { leadingBatch, triangularSolveBatch } from "./linalgBatch.js";

export type BatchRule<P extends Primitive> = (values: JArray[], dims: BDim[], params: Params<P>, axisSize: number) => [JArray[], BDim[]];

/** Shift an axis of the unbatched operand to its position in the batched value. */
const shift = (axis: number, bdim: number) => (axis >= bdim ? axis + 1 : axis);

/** The batched operand with its batch dim at 0 (broadcast if unmapped). */
const atZero = (x: JArray, d: BDim, n: number) => moveBdim(x, d, 0, n);

/**
 * Elementwise n-ary primitives whose rank-0 operands broadcast: batched operands move to
 * dim 0 and grow to the full shape; unbatched full-rank operands are broadcast; unbatched
 * scalars stay scalars.
 */
function elementwiseBatch<P extends Primitive>(prim: P, batchedOnly?: (i: number) => boolean): BatchRule<P> {
  return (values, dims, params, n) => {
    const unbatchedShapes = values.map((v, i) => (dims[i] === null ? v.shape : v.shape.filter((_, k) => k !== dims[i])));
    const full = unbatchedShapes.reduce((a, s) => (s.length > a.length ? s : a), [] as readonly number[]);
    // Fast path: every batched operand is full rank at the same dim, every other one a scalar.
    const d0 = dims.find((d) => d !== null) ?? 0;
    if (values.every((v, i) => (dims[i] === null ? v.ndim === 0 : dims[i] === d0 && v.ndim === full.length + 1))) {
      const outs = bind(prim, values, params);
      return [outs, outs.map(() => d0)];
    }
    const args = values.map((v, i) => {
      if (batchedOnly && !batchedOnly(i) && dims[i] === null) return v;
      const d = dims[i] ?? null;
      if (d === null) return v.ndim === 0 ? v : atZero(v, null, n);
      const moved = atZero(v, d, n);
      return moved.ndim === full.length + 1 ? moved : lax.broadcastInDim(moved, [n, ...full], [0]);
    });
    const outs = bind(prim, args, params);
    return [outs, outs.map(() => 0)];
  };
}

/** `x` (unbatched shape `[]` or `shape`) as a full `[n, ...shape]` batch at dim 0. */
function toFull(x: JArray, d: BDim, shape: readonly number[], n: number): JArray {
  const moved = atZero(x, d, n);
  return moved.ndim === shape.length + 1 ? moved : lax.broadcastInDim(moved, [n, ...shape], [0]);
}

/** The per-example shape of a batched operand. */
const unbatchedShape = (x: JArray, d: BDim) => (d === null ? x.shape : x.shape.filter((_, k) => k !== d));

/**
 * select_n: the predicate and each case are rank 0 or the full shape. Batched operands become
 * full `[n, ...shape]` at dim 0; unbatched rank-0 ones stay scalars.
 */
const selectNBatch: BatchRule<"selectN"> = (values, dims, params, n) => {
  const ds = dims.map((d) => d ?? null);
  const shape = values.map((x, i) => unbatchedShape(x, ds[i]!)).reduce((a, s) => (s.length > a.length ? s : a));
  const d0 = ds.find((d) => d !== null) ?? 0;
  const scalarUnbatched = (x: JArray, d: BDim) => d === null && x.ndim === 0;
  // Fast path: every operand is batched in place at one dim with the full shape, or an unbatched scalar.
  if (values.every((x, i) => (ds[i] === d0 && x.ndim === shape.length + 1) || scalarUnbatched(x, ds[i]!)))
    return [[bind1("selectN", values, params)], [d0]];
  const args = values.map((x, i) => (scalarUnbatched(x, ds[i]!) ? x : toFull(x, ds[i]!, shape, n)));
  return [[bind1("selectN", args, params)], [0]];
};

/** clamp: `x` is always full; each bound is rank 0 or x's shape. */
const clampBatch: BatchRule<"clamp"> = (values, dims, params, n) => {
  const [lo, x, hi] = values as [JArray, JArray, JArray];
  const [dl, dx, dh] = dims.map((d) => d ?? null) as [BDim, BDim, BDim];
  const shape = unbatchedShape(x, dx);
  const bound = (b: JArray, d: BDim) => (d === null && b.ndim === 0 ? b : toFull(b, d, shape, n));
  if (dx !== null && [lo, hi].every((b, i) => { const d = i === 0 ? dl : dh; return (d === null && b.ndim === 0) || (d === dx && b.ndim === x.ndim); }))
    return [[bind1("clamp", values, params)], [dx]];
  return [[bind1("clamp", [bound(lo, dl), toFull(x, dx, shape, n), bound(hi, dh)], params)], [0]];
};

/** Primitives acting on one operand without caring where its batch dim is. */
const sameDim =
  <P extends Primitive>(prim: P): BatchRule<P> =>
  (values, dims, params) => {
    const outs = bind(prim, values, params);
    return [outs, outs.map(() => dims[0] ?? null)];
  };

function reduceBatch<P extends "reduceSum" | "reduceProd" | "reduceMax" | "reduceMin" | "reduceAnd" | "reduceOr" | "argmax" | "argmin">(prim: P): BatchRule<P> {
  return ([x], [d], params) => {
    const b = d!;
    const axes = params.axes.map((a) => shift(a, b));
    const out = bind1(prim, [x!], { ...params, axes } as Params<P>);
    return [[out], [b - params.axes.filter((a) => a < b).length]];
  };
}

function cumulativeBatch<P extends "cumsum" | "cumprod" | "cummax" | "cummin">(prim: P): BatchRule<P> {
  return ([x], [d], params) => [[bind1(prim, [x!], { ...params, axis: shift(params.axis, d!) } as Params<P>)], [d!]];
}

function windowBatch<P extends "reduceWindowSum" | "reduceWindowMax" | "reduceWindowMin">(prim: P): BatchRule<P> {
  return ([x], [d], p) => {
    const b = d!;
    const ins = <T>(xs: readonly T[], v: T) => [...xs.slice(0, b), v, ...xs.slice(b)];
    const params = {
      windowDimensions: ins(p.windowDimensions, 1),
      windowStrides: ins(p.windowStrides, 1),
      padding: ins(p.padding, [0, 0] as const),
      baseDilation: ins(p.baseDilation, 1),
      windowDilation: ins(p.windowDilation, 1),
    } as Params<P>;
    return [[bind1(prim, [x!], params)], [b]];
  };
}

/** Both inputs batched at 0 (the unbatched one broadcast), the window one element wide there. */
function selectWindowBatch<P extends "selectAndScatterAdd" | "selectAndGatherAdd">(prim: P): BatchRule<P> {
  return ([a, x], [da, dx], p, n) => {
    const one = <T>(xs: readonly T[], v: T) => [v, ...xs];
    const params = {
      ...p,
      windowDimensions: one(p.windowDimensions, 1),
      windowStrides: one(p.windowStrides, 1),
      padding: one(p.padding, [0, 0] as const),
      baseDilation: one(p.baseDilation, 1),
      windowDilation: one(p.windowDilation, 1),
    } as Params<P>;
    return [[bind1(prim, [atZero(a!, da!, n), atZero(x!, dx!, n)], params)], [0]];
  };
}

type ScatterPrimitive = "scatter" | "scatterAdd" | "scatterMul" | "scatterMin" | "scatterMax";

/** Scatter with every operand batched at 0, expressed through the scatter's batching dims. */
function scatterBatch<P extends ScatterPrimitive>(prim: P): BatchRule<P> {
  return ([x, idx, u], [dx, di, du], params, n) => {
    const dn = params.dimensionNumbers;
    const inc = (ds: readonly number[]) => ds.map((a) => a + 1);
    const p = {
      ...params,
      dimensionNumbers: {
        updateWindowDims: inc(dn.updateWindowDims),
        insertedWindowDims: inc(dn.insertedWindowDims),
        scatterDimsToOperandDims: inc(dn.scatterDimsToOperandDims),
        operandBatchingDims: [0, ...inc(dn.operandBatchingDims)],
        scatterIndicesBatchingDims: [0, ...inc(dn.scatterIndicesBatchingDims)],
      },
    } as Params<P>;
    const out = bind1(prim, [atZero(x!, dx ?? null, n), atZero(idx!, di ?? null, n), atZero(u!, du ?? null, n)], p);
    return [[out], [0]];
  };
}

/**
 * convGeneralDilated, as JAX's rule: the vmapped batch is folded into the convolution's batch
 * dimension (lhs batched), its output features (rhs batched), or extra feature/batch groups
 * (both batched). One convolution, never a loop.
 */
function convBatch([lhs, rhs]: JArray[], [dlIn, drIn]: BDim[], p: Params<"convGeneralDilated">, n: number): [JArray[], BDim[]] {
  const dl = dlIn ?? null;
  const dr = drIn ?? null;
  const { lhsSpec, rhsSpec, outSpec } = p.dimensionNumbers;
  const conv = (l: JArray, r: JArray, changes: Partial<Params<"convGeneralDilated">>) => bind1("convGeneralDilated", [l, r], { ...p, ...changes });
  if (n === 0) {
    // Folding a size-0 batch into a dimension loses the other sizes: build the empty result directly.
    const aval = (x: JArray, d: BDim) => new ShapedArray(unbatchedShape(x, d), x.dtype);
    const out = inferShapes("convGeneralDilated", [aval(lhs!, dl), aval(rhs!, dr)], p);
    if (E.isLeft(out)) throw new ValueError(`conv_general_dilated: ${out.left}`);
    const o = out.right[0]!;
    return [[lax.broadcastInDim(lax.convertElementType(0, o.dtype), [0, ...o.shape], [])], [0]];
  }
  if (dl !== null && dr !== null) {
    // Both batched: the batch becomes extra feature groups (or batch groups).
    const l =
      p.batchGroupCount > 1 ? lax.reshapeAxisInto(dl, lhsSpec[0]!, lhs!) : lax.reshapeAxisInto(dl, lhsSpec[1]!, lhs!);
    const r = lax.reshapeAxisInto(dr, rhsSpec[0]!, rhs!);
    const out =
      p.batchGroupCount > 1
        ? conv(l, r, { batchGroupCount: n * p.batchGroupCount })
        : conv(l, r, { featureGroupCount: n * p.featureGroupCount });
    return [[lax.reshapeAxisOutOf(outSpec[1]!, n, out)], [outSpec[1]!]];
  }
  if (dl !== null) {
    if (p.batchGroupCount === 1) {
      // Only the input batched: fold the batch into the convolution's own batch dimension.
      const out = conv(lax.reshapeAxisInto(dl, lhsSpec[0]!, lhs!), rhs!, {});
      return [[lax.reshapeAxisOutOf(outSpec[0]!, n, out)], [outSpec[0]!]];
    }
    // Batch groups must stay outermost in the batch dimension: split them out, fold the vmapped
    // batch in after them, and merge back.
    let l = lax.reshapeAxisOutOf(lhsSpec[0]! + (dl <= lhsSpec[0]! ? 1 : 0), p.batchGroupCount, lhs!);
    l = lax.reshapeAxisInto(dl + (lhsSpec[0]! < dl ? 1 : 0), lhsSpec[0]! + 1, l);
    l = lax.reshapeAxisInto(lhsSpec[0]!, lhsSpec[0]!, l);
    const out = conv(l, rhs!, {});
    return [[lax.reshapeAxisOutOf(outSpec[0]!, n, out)], [outSpec[0]!]];
  }
  const b = dr!;
  if (p.featureGroupCount === 1 && p.batchGroupCount === 1) {
    // Only the kernel batched: fold the batch into the output features.
    const out = conv(lhs!, lax.reshapeAxisInto(b, rhsSpec[0]!, rhs!), {});
    return [[lax.reshapeAxisOutOf(outSpec[1]!, n, out)], [outSpec[1]!]];
  }
  // Grouped kernel: groups must stay outermost in the output features, so factor them out of the
  // kernel's output-feature dim, fold the batch into what remains, and put the groups back; the
  // output is unscrambled the same way.
  const groups = p.featureGroupCount > 1 ? p.featureGroupCount : p.batchGroupCount;
  let r = lax.reshapeAxisOutOf(rhsSpec[0]! + (b <= rhsSpec[0]! ? 1 : 0), groups, rhs!);
  r = lax.reshapeAxisInto(b + (rhsSpec[0]! < b ? 1 : 0), rhsSpec[0]! + 1, r);
  r = lax.reshapeAxisInto(rhsSpec[0]!, rhsSpec[0]!, r);
  let out = conv(lhs!, r, {});
  out = lax.reshapeAxisOutOf(outSpec[1]!, groups, out);
  out = lax.reshapeAxisOutOf(outSpec[1]! + 1, n, out);
  out = lax.reshapeAxisInto(outSpec[1]!, outSpec[1]! + 1, out);
  return [[out], [outSpec[1]!]];
}

function dotGeneralBatch([x, y]: JArray[], [dxIn, dyIn]: BDim[], params: Params<"dotGeneral">, n: number): [JArray[], BDim[]] {
  const dx = dxIn ?? null;
  const dy = dyIn ?? null;
  const [[lc, rc], [lb, rb]] = params.dimensionNumbers;
  if (dx !== null && dy !== null) {
    const l = atZero(x!, dx, n);
    const r = atZero(y!, dy, n);
    const inc = (ds: readonly number[]) => ds.map((a) => a + 1);
    const out = bind1("dotGeneral", [l, r], { ...params, dimensionNumbers: [[inc(lc), inc(rc)], [[0, ...inc(lb)], [0, ...inc(rb)]]] });
    return [[out], [0]];
  }
  if (dx !== null) {
    // The batch dim is a free dim of the lhs: it lands after the batch dims, among the lhs free dims.
    const b = dx;
    const sh = (ds: readonly number[]) => ds.map((a) => shift(a, b));
    const out = bind1("dotGeneral", [x!, y!], { ...params, dimensionNumbers: [[sh(lc), rc], [sh(lb), rb]] });
    const freeBefore = range(b).filter((i) => !sh(lc).includes(i) && !sh(lb).includes(i)).length;
    return [[out], [lb.length + freeBefore]];
  }
  const b = dy!;
  const sh = (ds: readonly number[]) => ds.map((a) => shift(a, b));
  const out = bind1("dotGeneral", [x!, y!], { ...params, dimensionNumbers: [[lc, sh(rc)], [lb, sh(rb)]] });
  const lhsFree = x!.ndim - lc.length - lb.length;
  const freeBefore = range(b).filter((i) => !sh(rc).includes(i) && !sh(rb).includes(i)).length;
  return [[out], [lb.length + lhsFree + freeBefore]];
}

function gatherBatch([x, idx]: JArray[], [dxIn, diIn]: BDim[], params: Params<"gather">, n: number): [JArray[], BDim[]] {
  const dx = dxIn ?? null;
  const di = diIn ?? null;
  const dn = params.dimensionNumbers;
  const inc = (ds: readonly number[]) => ds.map((a) => a + 1);
  if (dx !== null && di === null) {
    // The batch is one more window dimension of the operand, first in the output.
    const out = bind1("gather", [atZero(x!, dx, n), idx!], {
      ...params,
      dimensionNumbers: {
        offsetDims: [0, ...inc(dn.offsetDims)],
        collapsedSliceDims: inc(dn.collapsedSliceDims),
        startIndexMap: inc(dn.startIndexMap),
        operandBatchingDims: inc(dn.operandBatchingDims),
        startIndicesBatchingDims: dn.startIndicesBatchingDims,
      },
      sliceSizes: [n, ...params.sliceSizes],
    });
    return [[out], [0]];
  }
  // Indices batched (and maybe the operand): a batching dimension of the gather.
  const out = bind1("gather", [atZero(x!, dx ?? null, n), atZero(idx!, di ?? null, n)], {
    ...params,
    dimensionNumbers: {
      offsetDims: inc(dn.offsetDims),
      collapsedSliceDims: inc(dn.collapsedSliceDims),
      startIndexMap: inc(dn.startIndexMap),
      operandBatchingDims: [0, ...inc(dn.operandBatchingDims)],
      startIndicesBatchingDims: [0, ...inc(dn.startIndicesBatchingDims)],
    },
    sliceSizes: [1, ...params.sliceSizes],
  });
  return [[out], [0]];
}

/** Start indices of a dynamic slice as one `[n, rank]` index array (for the gather/scatter forms). */
function stackIndices(idx: JArray[], dims: BDim[], n: number): JArray {
  const cols = idx.map((i, k) => lax.reshape(atZero(lax.convertElementType(i, "int32"), dims[k] ?? null, n), [n, 1]));
  return lax.concatenate(cols, 1);
}

const unaryBatch = tableOf(unaryKinds, (p) => sameDim(p as UnaryPrimitive));
const binaryBatch = tableOf(binaryKinds, (p) => elementwiseBatch(p as BinaryPrimitive));
const comparisonBatch = tableOf(comparisonKinds, (p) => elementwiseBatch(p as ComparisonPrimitive));

/** Calls of sub-jaxprs (jit, checkpoint): batch the jaxpr, bind it the same way. */
function callBatch<P extends "jit" | "checkpoint">(prim: P): BatchRule<P> {
  return (values, dims, params, n) => {
    const b = batchJaxpr(params.jaxpr, dims, n, false);
    const outs = bind(prim, [...b.consts, ...values], { ...params, jaxpr: b.jaxpr } as Params<P>);
    return [outs, b.outDims];
  };
}

export const batchRules: { [P in Primitive]: BatchRule<P> } = {
  ...unaryBatch,
  ...binaryBatch,
  ...comparisonBatch,
  round: sameDim("round"),
  integerPow: sameDim("integerPow"),
  selectN: selectNBatch,
  clamp: clampBatch,
  convertElementType: sameDim("convertElementType"),
  bitcastConvertType: sameDim("bitcastConvertType"),
  stopGradient: sameDim("stopGradient"),
  copy: sameDim("copy"),
  iota: (_v, _d, params) => [[bind1("iota", [], params)], [null]],
  reduceSum: reduceBatch("reduceSum"),
  reduceProd: reduceBatch("reduceProd"),
  reduceMax: reduceBatch("reduceMax"),
  reduceMin: reduceBatch("reduceMin"),
  reduceAnd: reduceBatch("reduceAnd"),
  reduceOr: reduceBatch("reduceOr"),
  argmax: reduceBatch("argmax"),
  argmin: reduceBatch("argmin"),
  cumsum: cumulativeBatch("cumsum"),
  cumprod: cumulativeBatch("cumprod"),
  cummax: cumulativeBatch("cummax"),
  cummin: cumulativeBatch("cummin"),
  broadcastInDim: ([x], [d], { shape, broadcastDimensions }, n) => {
    const v = atZero(x!, d!, n);
    return [[lax.broadcastInDim(v, [n, ...shape], [0, ...broadcastDimensions.map((b) => b + 1)])], [0]];
  },
  reshape: ([x], [d], { newSizes }, n) => [[lax.reshape(atZero(x!, d!, n), [n, ...newSizes])], [0]],
  transpose: ([x], [d], { permutation }, n) => [[lax.transpose(atZero(x!, d!, n), [0, ...permutation.map((p) => p + 1)])], [0]],
  squeeze: ([x], [d], { dimensions }) => {
    const b = d!;
    const dims = dimensions.map((a) => shift(a, b));
    return [[lax.squeeze(x!, dims)], [b - dimensions.filter((a) => a < b).length]];
  },
  rev: ([x], [d], { dimensions }) => [[lax.rev(x!, dimensions.map((a) => shift(a, d!)))], [d!]],
  slice: ([x], [d], { startIndices, limitIndices, strides }) => {
    const b = d!;
    const ins = (xs: readonly number[], v: number) => [...xs.slice(0, b), v, ...xs.slice(b)];
    return [[lax.slice(x!, ins(startIndices, 0), ins(limitIndices, x!.shape[b]!), strides ? ins(strides, 1) : null)], [b]];
  },
  pad: ([x, v], [dx, dv], { paddingConfig }, n) => {
    if (dv === null) {
      const b = dx!;
      const cfg = [...paddingConfig.slice(0, b), [0, 0, 0] as const, ...paddingConfig.slice(b)];
      return [[lax.pad(x!, v!, cfg)], [b]];
    }
    // A batched padding value: pad with zeros, then choose the value wherever padding went.
    const xb = atZero(x!, dx ?? null, n);
    const cfg = [[0, 0, 0] as const, ...paddingConfig];
    const zero = lax.convertElementType(0, x!.dtype);
    const padded = lax.pad(xb, zero, cfg);
    const mask = lax.pad(lax.broadcastInDim(lax.convertElementType(false, "bool"), xb.shape, []), lax.convertElementType(true, "bool"), cfg);
    const vb = lax.broadcastInDim(atZero(v!, dv ?? null, n), padded.shape, [0]);
    return [[lax.select(mask, vb, padded)], [0]];
  },
  concatenate: (values, dims, { dimension }, n) => [[lax.concatenate(values.map((v, i) => atZero(v, dims[i] ?? null, n)), dimension + 1)], [0]],
  dynamicSlice: ([x, ...idx], [dx, ...di], { sliceSizes }, n) => {
    if (di.every((d) => d === null)) {
      const b = dx!;
      const starts = [...idx.slice(0, b), lax.convertElementType(0, idx[0]?.dtype ?? "int32"), ...idx.slice(b)];
      // The primitive itself, not lax.dynamicSlice: starts are already as the primitive takes them.
      return [[bind1("dynamicSlice", [x!, ...starts], { sliceSizes: [...sliceSizes.slice(0, b), n, ...sliceSizes.slice(b)] })], [b]];
    }
    // Batched start indices: a gather with the batch as a batching dimension (clamped like dynamic_slice).
    const operand = atZero(x!, dx ?? null, n);
    const out = lax.gather(
      operand,
      stackIndices(idx, di, n),
      {
        offsetDims: range(sliceSizes.length).map((i) => i + 1),
        collapsedSliceDims: [],
        startIndexMap: range(sliceSizes.length).map((i) => i + 1),
        operandBatchingDims: [0],
        startIndicesBatchingDims: [0],
      },
      [1, ...sliceSizes],
      { mode: "clip" },
    );
    return [[out], [0]];
  },
  dynamicUpdateSlice: ([x, u, ...idx], [dx, du, ...di], _p, n) => {
    if (di.every((d) => d === null)) {
      const xb = atZero(x!, dx ?? null, n);
      const ub = atZero(u!, du ?? null, n);
      return [[bind1("dynamicUpdateSlice", [xb, ub, lax.convertElementType(0, idx[0]?.dtype ?? "int32"), ...idx], {})], [0]];
    }
    const xb = atZero(x!, dx ?? null, n);
    const ub = atZero(u!, du ?? null, n);
    // Clamp starts as dynamic_update_slice does, then scatter the whole update window.
    const starts = idx.map((i, k) => {
      const hi = xb.shape[k + 1]! - ub.shape[k + 1]!;
      return lax.clamp(0, lax.convertElementType(atZero(i, di[k] ?? null, n), "int32"), hi);
    });
    const out = lax.scatter(
      xb,
      lax.concatenate(starts.map((s) => lax.reshape(s, [n, 1])), 1),
      ub,
      {
        updateWindowDims: range(idx.length).map((i) => i + 1),
        insertedWindowDims: [],
        scatterDimsToOperandDims: range(idx.length).map((i) => i + 1),
        operandBatchingDims: [0],
        scatterIndicesBatchingDims: [0],
      },
      { mode: "clip" },
    );
    return [[out], [0]];
  },
  gather: gatherBatch,
  scatter: scatterBatch("scatter"),
  scatterAdd: scatterBatch("scatterAdd"),
  scatterMul: scatterBatch("scatterMul"),
  scatterMin: scatterBatch("scatterMin"),
  scatterMax: scatterBatch("scatterMax"),
  dotGeneral: dotGeneralBatch,
  convGeneralDilated: convBatch,
  reduceWindowSum: windowBatch("reduceWindowSum"),
  reduceWindowMax: windowBatch("reduceWindowMax"),
  reduceWindowMin: windowBatch("reduceWindowMin"),
  selectAndScatterAdd: selectWindowBatch("selectAndScatterAdd"),
  selectAndGatherAdd: selectWindowBatch("selectAndGatherAdd"),
  sort: (values, dims, params, n) => {
    const moved = values.map((v, i) => atZero(v, dims[i] ?? null, n));
    const outs = bind("sort", moved, { ...params, dimension: params.dimension + 1 });
    return [outs, outs.map(() => 0)];
  },
  threefry2x32: elementwiseBatch("threefry2x32"),
  jit: callBatch("jit"),
  checkpoint: callBatch("checkpoint"),
  customJvpCall: (values, dims, params, n) => {
    // Batch the function and the rule alike; everything moves to batch dim 0.
    const b = batchJaxpr(params.jaxpr, values.map(() => 0), n);
    const moved = values.map((v, i) => atZero(v, dims[i] ?? null, n));
    const jvp = Object.assign(
      (allPs: JArray[], allTs: JArray[]) => {
        // The batched function's own captured constants come first; the user's rule never sees them.
        const ps = allPs.slice(b.consts.length);
        const ts = allTs.slice(b.consts.length);
        const [outs, outDims] = batchFlat(
          (...xs: JArray[]) => {
            const [po, to] = params.jvp(xs.slice(0, ps.length), xs.slice(ps.length)) as [JArray[], JArray[]];
            return [...po, ...to];
          },
          [...ps, ...ts],
          [...ps, ...ts].map(() => 0),
          n,
        );
        const all = outs.map((o, i) => atZero(o, outDims[i] ?? null, n));
        const k = all.length / 2;
        return [all.slice(0, k), all.slice(k)];
      },
      { ruleName: `vmap(${params.jvp.ruleName ?? "jvp"})` },
    );
    const outs = bind("customJvpCall", [...b.consts, ...moved], { ...params, jaxpr: b.jaxpr, jvp, numConsts: b.consts.length + params.numConsts });
    return [outs, outs.map(() => 0)];
  },
  customVjpCall: (values, dims, params, n) => {
    const b = batchJaxpr(params.jaxpr, values.map(() => 0), n);
    const moved = values.map((v, i) => atZero(v, dims[i] ?? null, n));
    const numConsts = b.consts.length;
    const fwd = Object.assign(
      (ps: JArray[]) => {
        let numOuts = 0;
        const [outs, outDims] = batchFlat(
          (...xs: JArray[]) => {
            const [o, r] = params.fwd(xs.slice(numConsts)) as [JArray[], JArray[]];
            numOuts = o.length;
            return [...o, ...r];
          },
          ps,
          ps.map((_, i) => (i < numConsts ? null : 0)),
          n,
        );
        const all = outs.map((o, i) => atZero(o, outDims[i] ?? null, n));
        return [all.slice(0, numOuts), all.slice(numOuts)];
      },
      { ruleName: `vmap(${params.fwd.ruleName ?? "fwd"})` },
    );
    const bwd = Object.assign(
      (res: JArray[], cts: JArray[]) => {
        const [outs, outDims] = batchFlat(
          (...xs: JArray[]) => params.bwd(xs.slice(0, res.length), xs.slice(res.length)) as JArray[],
          [...res, ...cts],
          [...res, ...cts].map(() => 0),
          n,
        );
        return outs.map((o, i) => atZero(o, outDims[i] ?? null, n));
      },
      { ruleName: `vmap(${params.bwd.ruleName ?? "bwd"})` },
    );
    const outs = bind("customVjpCall", [...b.consts, ...moved], { ...params, jaxpr: b.jaxpr, fwd, bwd, numConsts: numConsts + params.numConsts });
    return [outs, outs.map(() => 0)];
  },
  customLin: (values, dims, params, n) => {
    const moved = values.map((v, i) => atZero(v, dims[i] ?? null, n));
    const bwd = Object.assign(
      (res: JArray[], cts: JArray[]) => {
        const [outs, outDims] = batchFlat(
          (...xs: JArray[]) => params.bwd(xs.slice(0, res.length), xs.slice(res.length)) as JArray[],
          [...res, ...cts],
          [...res, ...cts].map(() => 0),
          n,
        );
        return outs.map((o, i) => atZero(o, outDims[i] ?? null, n));
      },
      { ruleName: `vmap(${params.bwd.ruleName ?? "bwd"})` },
    );
    const outAvals = params.outAvals.map((a) => a.update({ shape: [n, ...a.shape] }));
    const outs = bind("customLin", moved, { ...params, bwd, outAvals });
    return [outs, outs.map(() => 0)];
  },
  cond: condBatch,
  while: whileBatch,
  scan: scanBatch,
  cholesky: leadingBatch("cholesky"),
  triangularSolve: triangularSolveBatch,
  lu: leadingBatch("lu"),
  qr: leadingBatch("qr"),
  geqrf: leadingBatch("geqrf"),
  householderProduct: leadingBatch("householderProduct"),
  eigh: leadingBatch("eigh"),
  svd: leadingBatch("svd"),
};
