/**
 * The transpose rule of every primitive. Linear primitives map output cotangents to
 * cotangents of their linear inputs (`UndefinedPrimal`s); non-linear ones have an explicit
 * `notLinear` entry, so the table is exhaustive and a new primitive must decide.
 */
import type { ShapedArray } from "../../ir/aval.js";
import { type Params, type Primitive, type UnaryPrimitive, unaryKinds } from "../../ir/primitives.js";
import { range, tableOf } from "../../ir/util.js";
import type { JArray } from "../core/array.js";
import { bind, bind1 } from "../core/interpreter.js";
import * as lax from "../lax.js";
import { gatherParamsForScatter, scatterDnForGather, scatterWinners, unbroadcast, zerosOf } from "./ruleUtils.js";
import { condTranspose, scanTranspose, whileTranspose } from "./controlFlowTranspose.js";
import { triangularSolveTranspose } from "./linalgTranspose.js";
import { type Cotangent, UndefinedPrimal, transposeJaxpr } from "./transpose.js";

type Input = JArray | UndefinedPrimal;

export type TransposeRule<P extends Primitive> = (cts: Cotangent[], inputs: Input[], params: Params<P>, outAvals: ShapedArray[]) => Cotangent[];

const isLinear = (x: Input | undefined): x is UndefinedPrimal => x instanceof UndefinedPrimal;

const notLinear =
  <P extends Primitive>(prim: P): TransposeRule<P> =>
  () => {
    throw new Error(`internal: ${prim} is not linear, so it has no transpose rule`);
  };

const avalOf = (x: Input | undefined): ShapedArray => {
  if (x === undefined) throw new Error("internal: missing operand in a transpose rule");
  return x.aval;
};

const known = (x: Input | undefined, what: string): JArray => {
  if (x === undefined || isLinear(x)) throw new Error(`internal: transpose of ${what} needs its non-linear operand`);
  return x;
};

/** The transpose of a primitive acting on one operand (`ct` is not null here). */
function onOperand<P extends Primitive>(f: (ct: JArray, x: UndefinedPrimal, params: Params<P>) => JArray): TransposeRule<P> {
  return ([ct], [x], params) => [ct ? f(ct, x as UndefinedPrimal, params) : null];
}

/** Transpose of dotGeneral with respect to its lhs (`swapAns` when the lhs was the rhs). */
function dotTransposeLhs(ct: JArray, x: ShapedArray, y: JArray, dn: Params<"dotGeneral">["dimensionNumbers"], swapAns: boolean): JArray {
  const [[xContract, yContract], [xBatch, yBatch]] = dn;
  const xKept = range(x.ndim).filter((d) => !xContract.includes(d) && !xBatch.includes(d));
  const yKept = range(y.ndim).filter((d) => !yContract.includes(d) && !yBatch.includes(d));
  const nb = xBatch.length;
  const ansBatch = range(nb);
  // Output dims of the forward product: batch, then lhs free, then rhs free (swapped for rhs).
  const ansY = swapAns ? range(yKept.length).map((i) => nb + i) : range(yKept.length).map((i) => nb + xKept.length + i);
  const xContractSortedByY = [...xContract].map((d, i) => [d, yContract[i]!] as const).sort((a, b) => a[1] - b[1]).map(([d]) => d);
  const order = [...xBatch, ...xKept, ...xContractSortedByY];
  const outAxes = range(order.length).sort((a, b) => order[a]! - order[b]!);
  const prod = lax.dotGeneral(ct, y, [
    [ansY, yKept],
    [ansBatch, yBatch],
  ]);
  return lax.transpose(prod, outAxes);
}

/** `r` as `aval`'s dtype (a contraction with preferredElementType computes in a wider one). */
const cast = (r: JArray, aval: ShapedArray): JArray => (r.dtype === aval.dtype ? r : lax.convertElementType(r, aval.dtype, aval.weakType));
/** The non-linear operand in the cotangent's dtype, so the transposed contraction's operands agree. */
const like = (x: JArray, ct: JArray): JArray => (x.dtype === ct.dtype ? x : lax.convertElementType(x, ct.dtype));

function dotGeneralTranspose(cts: Cotangent[], [x, y]: Input[], params: Params<"dotGeneral">): Cotangent[] {
  const ct = cts[0];
  if (!ct) return [null, null];
  const dn = params.dimensionNumbers;
  const ctLhs = isLinear(x) ? cast(dotTransposeLhs(ct, x.aval, like(known(y, "dot_general"), ct), dn, false), x.aval) : null;
  const swapped: Params<"dotGeneral">["dimensionNumbers"] = [
    [dn[0][1], dn[0][0]],
    [dn[1][1], dn[1][0]],
  ];
  const ctRhs = isLinear(y) ? cast(dotTransposeLhs(ct, y.aval, like(known(x, "dot_general"), ct), swapped, true), y.aval) : null;
  return [ctLhs, ctRhs];
}

// --- convolution ------------------------------------------------------------------------

const dilateShape = (shape: readonly number[], dilation: readonly number[]) => shape.map((d, i) => (d === 0 ? 0 : 1 + dilation[i]! * (d - 1)));
const specTranspose = (spec: readonly number[]) => [spec[1]!, spec[0]!, ...spec.slice(2)];

function convTransposeLhs(ct: JArray, lhs: ShapedArray, rhsIn: JArray, p: Params<"convGeneralDilated">): JArray {
  const { lhsSpec, rhsSpec, outSpec } = p.dimensionNumbers;
  let rhs = rhsIn;
  let featureGroupCount = p.featureGroupCount;
  const batchGroupCount = p.batchGroupCount;
  if (featureGroupCount > 1) {
    rhs = lax.reshapeAxisOutOf(rhsSpec[0]!, featureGroupCount, rhs);
    rhs = lax.reshapeAxisInto(rhsSpec[0]!, rhsSpec[1]!, rhs);
  } else if (batchGroupCount > 1) {
    rhs = lax.reshapeAxisOutOf(rhsSpec[0]!, batchGroupCount, rhs);
    rhs = lax.reshapeAxisInto(rhsSpec[0]!, rhsSpec[1]!, rhs);
    featureGroupCount = batchGroupCount;
  }
  const sdims = (spec: readonly number[], shape: readonly number[]) => spec.slice(2).map((d) => shape[d]!);
  const inShape = sdims(lhsSpec, lhs.shape);
  const winShape = sdims(rhsSpec, rhs.shape);
  const outShape = sdims(outSpec, ct.shape);
  const lhsDil = dilateShape(inShape, p.lhsDilation);
  const rhsDil = dilateShape(winShape, p.rhsDilation);
  const outDil = dilateShape(outShape, p.windowStrides);
  const padding = lhsDil.map((_, i) => {
    const before = rhsDil[i]! - p.padding[i]![0] - 1;
    const after = lhsDil[i]! + rhsDil[i]! - 1 - outDil[i]! - before;
    return [before, after] as const;
  });
  const revd = lax.rev(rhs, rhsSpec.slice(2));
  let out = lax.convGeneralDilated(ct, revd, p.lhsDilation, padding, {
    lhsDilation: p.windowStrides,
    rhsDilation: p.rhsDilation,
    dimensionNumbers: { lhsSpec: outSpec, rhsSpec: specTranspose(rhsSpec), outSpec: lhsSpec },
    featureGroupCount,
    batchGroupCount: 1,
  });
  if (batchGroupCount > 1) {
    out = lax.reshapeAxisOutOf(lhsSpec[1]!, batchGroupCount, out);
    out = lax.reshapeAxisInto(lhsSpec[1]!, lhsSpec[0]!, out);
  }
  return out;
}

function convTransposeRhs(ct: JArray, lhs: JArray, rhs: ShapedArray, p: Params<"convGeneralDilated">): JArray {
  if (ct.size === 0) return zerosOf(rhs);
  const { lhsSpec, rhsSpec, outSpec } = p.dimensionNumbers;
  let featureGroupCount = p.featureGroupCount;
  let batchGroupCount = p.batchGroupCount;
  if (batchGroupCount > 1) {
    featureGroupCount = batchGroupCount;
    batchGroupCount = 1;
  } else if (featureGroupCount > 1) {
    batchGroupCount = featureGroupCount;
    featureGroupCount = 1;
  }
  const sdims = (spec: readonly number[], shape: readonly number[]) => spec.slice(2).map((d) => shape[d]!);
  const inShape = sdims(lhsSpec, lhs.shape);
  const winShape = sdims(rhsSpec, rhs.shape);
  const outShape = sdims(outSpec, ct.shape);
  const lhsDil = dilateShape(inShape, p.lhsDilation);
  const rhsDil = dilateShape(winShape, p.rhsDilation);
  const outDil = dilateShape(outShape, p.windowStrides);
  const padding = lhsDil.map((_, i) => {
    const lo = p.padding[i]![0];
    const fromLhs = outDil[i]! - lhsDil[i]!;
    const fromRhs = rhsDil[i]! - lo - 1;
    return [lo, fromLhs + fromRhs] as const;
  });
  return lax.convGeneralDilated(lhs, ct, p.rhsDilation, padding, {
    lhsDilation: p.lhsDilation,
    rhsDilation: p.windowStrides,
    dimensionNumbers: { lhsSpec: specTranspose(lhsSpec), rhsSpec: specTranspose(outSpec), outSpec: specTranspose(rhsSpec) },
    featureGroupCount,
    batchGroupCount,
  });
}

function padTranspose(ct: JArray, operand: ShapedArray, config: Params<"pad">["paddingConfig"]): [JArray, JArray] {
  const zero = lax.convertElementType(0, ct.dtype);
  const unpadded = lax.pad(ct, zero, config.map(([lo, hi]) => [-lo, -hi, 0] as const));
  const ctOperand = lax.slice(unpadded, unpadded.shape.map(() => 0), unpadded.shape, config.map(([, , interior]) => interior + 1));
  const ctValue = lax.sub(lax.reduceSum(ct, range(ct.ndim)), lax.reduceSum(ctOperand, range(ctOperand.ndim)));
  void operand;
  return [ctOperand, ctValue];
}

function reduceWindowSumTranspose(ct: JArray, x: ShapedArray, p: Params<"reduceWindowSum">): JArray {
  const n = x.ndim;
  // out[o] = sum_k xpad[o*s + k*wd]: spread each cotangent over its window, then undo padding and base dilation.
  const padded = x.shape.map((d, i) => (d === 0 ? 0 : (d - 1) * p.baseDilation[i]! + 1) + p.padding[i]![0] + p.padding[i]![1]);
  const win = p.windowDimensions.map((w, i) => (w - 1) * p.windowDilation[i]! + 1);
  const zero = lax.convertElementType(0, ct.dtype);
  const spread = lax.pad(
    ct,
    zero,
    range(n).map((i) => {
      const used = (ct.shape[i]! - 1) * p.windowStrides[i]! + win[i]!;
      return [win[i]! - 1, win[i]! - 1 + padded[i]! - used, p.windowStrides[i]! - 1] as const;
    }),
  );
  const summed = bind1("reduceWindowSum", [spread], {
    windowDimensions: p.windowDimensions,
    windowStrides: range(n).map(() => 1),
    padding: range(n).map(() => [0, 0] as const),
    baseDilation: range(n).map(() => 1),
    windowDilation: p.windowDilation,
  });
  const unpadded = lax.pad(summed, zero, range(n).map((i) => [-p.padding[i]![0], -p.padding[i]![1], 0] as const));
  return lax.slice(unpadded, range(n).map(() => 0), unpadded.shape, p.baseDilation);
}

/** Transpose of a call of a sub-jaxpr: transpose the jaxpr, bind it the same way. */
function transposeCall(cts: Cotangent[], inputs: Input[], jaxpr: Params<"jit">["jaxpr"], call: (jaxpr: Params<"jit">["jaxpr"], operands: JArray[]) => JArray[]): Cotangent[] {
  const linear = inputs.map(isLinear);
  const t = transposeJaxpr(jaxpr, linear);
  const nonlinear = inputs.filter((x): x is JArray => !isLinear(x));
  const ctsIn = cts.map((c, i) => c ?? zerosOf(jaxpr.outs[i]!.aval));
  const outs = call(t.jaxpr, [...t.consts, ...nonlinear, ...ctsIn]);
  let k = 0;
  return inputs.map((x) => (isLinear(x) ? outs[k++]! : null));
}

const nonLinearUnary = tableOf(unaryKinds, (p) => notLinear(p as UnaryPrimitive));

export const transposeRules: { [P in Primitive]: TransposeRule<P> } = {
  ...nonLinearUnary,
  neg: onOperand((ct) => lax.neg(ct)),
  add: ([ct], [x, y]) => [ct && isLinear(x) ? unbroadcast(ct, x.aval) : null, ct && isLinear(y) ? unbroadcast(ct, y.aval) : null],
  sub: ([ct], [x, y]) => [ct && isLinear(x) ? unbroadcast(ct, x.aval) : null, ct && isLinear(y) ? unbroadcast(lax.neg(ct), y.aval) : null],
  mul: ([ct], [x, y]) => [
    ct && isLinear(x) ? unbroadcast(lax.mul(ct, known(y, "mul")), x.aval) : null,
    ct && isLinear(y) ? unbroadcast(lax.mul(known(x, "mul"), ct), y.aval) : null,
  ],
  div: ([ct], [x, y]) => {
    if (isLinear(y)) throw new Error("internal: div is not linear in its divisor");
    return [ct && isLinear(x) ? unbroadcast(lax.div(ct, known(y, "div")), x.aval) : null, null];
  },
  rem: notLinear("rem"),
  pow: notLinear("pow"),
  max: notLinear("max"),
  min: notLinear("min"),
  atan2: notLinear("atan2"),
  nextafter: notLinear("nextafter"),
  and: notLinear("and"),
  or: notLinear("or"),
  xor: notLinear("xor"),
  shiftLeft: notLinear("shiftLeft"),
  shiftRightLogical: notLinear("shiftRightLogical"),
  shiftRightArithmetic: notLinear("shiftRightArithmetic"),
  eq: notLinear("eq"),
  ne: notLinear("ne"),
  lt: notLinear("lt"),
  le: notLinear("le"),
  gt: notLinear("gt"),
  ge: notLinear("ge"),
  round: notLinear("round"),
  integerPow: notLinear("integerPow"),
  selectN: ([ct], [which, ...cases]) => {
    const w = known(which, "select_n");
    return [
      null,
      ...cases.map((c, i) => {
        if (!ct || !isLinear(c)) return null;
        const zeros = zerosOf(ct.aval);
        return unbroadcast(bind1("selectN", [w, ...cases.map((_, j) => (j === i ? ct : zeros))], {}), c.aval);
      }),
    ];
  },
  clamp: notLinear("clamp"),
  convertElementType: onOperand((ct, x) => lax.convertElementType(ct, x.aval.dtype, x.aval.weakType)),
  bitcastConvertType: notLinear("bitcastConvertType"),
  stopGradient: notLinear("stopGradient"),
  copy: onOperand((ct) => ct),
  iota: notLinear("iota"),
  reduceSum: onOperand((ct, x, { axes }) => lax.broadcastInDim(ct, x.aval.shape, range(x.aval.ndim).filter((d) => !axes.includes(d)))),
  reduceProd: notLinear("reduceProd"),
  reduceMax: notLinear("reduceMax"),
  reduceMin: notLinear("reduceMin"),
  reduceAnd: notLinear("reduceAnd"),
  reduceOr: notLinear("reduceOr"),
  argmax: notLinear("argmax"),
  argmin: notLinear("argmin"),
  cumsum: onOperand((ct, _, { axis, reverse }) => lax.cumsum(ct, axis, { reverse: !reverse })),
  cumprod: notLinear("cumprod"),
  cummax: notLinear("cummax"),
  cummin: notLinear("cummin"),
  broadcastInDim: onOperand((ct, x, { shape, broadcastDimensions }) => {
    const newDims = range(shape.length).filter((d) => !broadcastDimensions.includes(d));
    const expanded = broadcastDimensions.filter((d, i) => x.aval.shape[i] === 1 && shape[d] !== 1);
    const summed = lax.reduceSum(ct, [...newDims, ...expanded].sort((a, b) => a - b));
    return lax.reshape(summed, x.aval.shape);
  }),
  reshape: onOperand((ct, x) => lax.reshape(ct, x.aval.shape)),
  transpose: onOperand((ct, _, { permutation }) => lax.transpose(ct, range(permutation.length).sort((a, b) => permutation[a]! - permutation[b]!))),
  squeeze: onOperand((ct, x) => lax.reshape(ct, x.aval.shape)),
  rev: onOperand((ct, _, { dimensions }) => lax.rev(ct, dimensions)),
  slice: onOperand((ct, x, { startIndices, limitIndices, strides }) => {
    if (ct.size === 0) return zerosOf(x.aval);
    const zero = lax.convertElementType(0, ct.dtype);
    return lax.pad(
      ct,
      zero,
      x.aval.shape.map((d, i) => {
        const s = strides?.[i] ?? 1;
        const last = startIndices[i]! + (ct.shape[i]! - 1) * s;
        void limitIndices;
        return [startIndices[i]!, d - last - 1, s - 1] as const;
      }),
    );
  }),
  pad: ([ct], [x, v], { paddingConfig }) => {
    if (!ct) return [null, null];
    const [cx, cv] = padTranspose(ct, (isLinear(x) ? x.aval : avalOf(x)), paddingConfig);
    return [isLinear(x) ? cx : null, isLinear(v) ? cv : null];
  },
  concatenate: ([ct], inputs, { dimension }) => {
    let offset = 0;
    return inputs.map((x) => {
      const size = (isLinear(x) ? x.aval : x).shape[dimension]!;
      const start = offset;
      offset += size;
      if (!ct || !isLinear(x)) return null;
      return lax.sliceInDim(ct, start, start + size, 1, dimension);
    });
  },
  dynamicSlice: ([ct], [x, ...idx]) => {
    const op = x as UndefinedPrimal;
    return [ct ? lax.dynamicUpdateSlice(zerosOf(op.aval), ct, idx as JArray[]) : null, ...idx.map(() => null)];
  },
  dynamicUpdateSlice: ([ct], [x, u, ...idx]) => {
    if (!ct) return [null, null, ...idx.map(() => null)];
    const uAval = isLinear(u) ? u.aval : avalOf(u);
    const ctX = isLinear(x) ? lax.dynamicUpdateSlice(ct, zerosOf(uAval), idx as JArray[]) : null;
    const ctU = isLinear(u) ? lax.dynamicSlice(ct, idx as JArray[], uAval.shape) : null;
    return [ctX, ctU, ...idx.map(() => null)];
  },
  gather: ([ct], [x, idx], params) => {
    if (!ct) return [null, null];
    const op = x as UndefinedPrimal;
    const out = bind1("scatterAdd", [zerosOf(op.aval), known(idx, "gather"), ct], {
      dimensionNumbers: scatterDnForGather(params.dimensionNumbers),
      mode: params.mode,
    });
    return [out, null];
  },
  scatter: ([ct], [x, idx, u], params) => {
    if (!ct) return [null, null, null];
    const i = known(idx, "scatter");
    const uAval = isLinear(u) ? u.aval : avalOf(u);
    const xAval = isLinear(x) ? x.aval : avalOf(x);
    const ctX = isLinear(x) ? bind1("scatter", [ct, i, zerosOf(uAval)], params) : null;
    const g = { ...gatherParamsForScatter(params.dimensionNumbers, xAval, uAval), mode: params.mode, fillValue: 0 };
    // Only the updates that land (the last writer where several overlap) receive a cotangent.
    const ctU = isLinear(u) ? lax.select(scatterWinners(xAval, i, uAval, params).landed, bind1("gather", [ct, i], g), zerosOf(uAval)) : null;
    return [ctX, null, ctU];
  },
  scatterAdd: ([ct], [x, idx, u], params) => {
    if (!ct) return [null, null, null];
    const i = known(idx, "scatter_add");
    const uAval = isLinear(u) ? u.aval : avalOf(u);
    const xAval = isLinear(x) ? x.aval : avalOf(x);
    const g = { ...gatherParamsForScatter(params.dimensionNumbers, xAval, uAval), mode: params.mode, fillValue: 0 };
    return [isLinear(x) ? ct : null, null, isLinear(u) ? bind1("gather", [ct, i], g) : null];
  },
  scatterMul: ([ct], [x, idx, u], params) => {
    if (isLinear(u)) throw new Error("internal: scatter_mul is not linear in its updates");
    return [ct && isLinear(x) ? bind1("scatterMul", [ct, known(idx, "scatter_mul"), known(u, "scatter_mul")], params) : null, null, null];
  },
  scatterMin: notLinear("scatterMin"),
  scatterMax: notLinear("scatterMax"),
  dotGeneral: dotGeneralTranspose,
  convGeneralDilated: ([ct], [lhs, rhs], params) => {
    if (!ct) return [null, null];
    return [
      isLinear(lhs) ? cast(convTransposeLhs(ct, lhs.aval, like(known(rhs, "conv"), ct), params), lhs.aval) : null,
      isLinear(rhs) ? cast(convTransposeRhs(ct, like(known(lhs, "conv"), ct), rhs.aval, params), rhs.aval) : null,
    ];
  },
  reduceWindowSum: onOperand((ct, x, params) => reduceWindowSumTranspose(ct, x.aval, params)),
  reduceWindowMax: notLinear("reduceWindowMax"),
  reduceWindowMin: notLinear("reduceWindowMin"),
  // Each is the other's transpose in its first input; the operand is not linear.
  selectAndScatterAdd: ([ct], [, x], params) => [ct ? bind1("selectAndGatherAdd", [ct, known(x, "select_and_scatter_add")], params) : null, null],
  selectAndGatherAdd: ([ct], [, x], params) => [ct ? bind1("selectAndScatterAdd", [ct, known(x, "select_and_gather_add")], params) : null, null],
  sort: notLinear("sort"),
  threefry2x32: notLinear("threefry2x32"),
  jit: (cts, inputs, params) =>
    transposeCall(cts, inputs, params.jaxpr, (jaxpr, operands) => bind("jit", operands, { jaxpr, name: `transpose(${params.name})` })),
  checkpoint: (cts, inputs, params) => transposeCall(cts, inputs, params.jaxpr, (jaxpr, operands) => bind("checkpoint", operands, { ...params, jaxpr })),
  customJvpCall: notLinear("customJvpCall"),
  customVjpCall: notLinear("customVjpCall"),
  customLin: (cts, inputs, { bwd, numResiduals, outAvals }) => {
    const residuals = inputs.slice(0, numResiduals).map((r) => known(r, "custom_lin"));
    const grads = bwd(residuals, cts.map((c, i) => c ?? zerosOf(outAvals[i]!))) as JArray[];
    return [...residuals.map(() => null), ...grads];
  },
  cond: condTranspose,
  while: whileTranspose,
  scan: scanTranspose,
  cholesky: notLinear("cholesky"),
  triangularSolve: triangularSolveTranspose,
  lu: notLinear("lu"),
  qr: notLinear("qr"),
  geqrf: notLinear("geqrf"),
  householderProduct: notLinear("householderProduct"),
  eigh: notLinear("eigh"),
  svd: notLinear("svd"),
};
