/**
 * The closed set of primitives, the parameters each one takes, and its shape/dtype rule.
 *
 * Every transform and backend keeps a table keyed by `Primitive` and typed as
 * `{ [P in Primitive]: Rule<P> }`, so adding a primitive here without adding its rules
 * everywhere is a compile error.
 *
 * Conventions (those of XLA/JAX's lax):
 * - Elementwise binary operands have the same dtype and the same shape, except that a
 *   rank-0 operand broadcasts (as JAX's jaxprs do with scalar literals: `mul a 2.0:f32[]`).
 * - Axes in params are non-negative; the numpy layer normalizes user input first.
 */
import * as E from "fp-ts/lib/Either.js";
import { ShapedArray, shapeSize, shapesEqual } from "./aval.js";
import { type DType, isFloat, isInt } from "./dtype.js";
import { type CondParams, type ScanParams, type WhileParams, condRule, scanRule, whileRule } from "./controlFlow.js";
import type { Jaxpr } from "./jaxpr.js";
import { type LinalgPrimitiveParams, choleskyRule, eighRule, geqrfRule, householderProductRule, luRule, qrRule, svdRule, triangularSolveRule } from "./linalg.js";
import { tableOf } from "./util.js";

type Either<A> = E.Either<string, A>;

// ---------------------------------------------------------------------------------------
// Elementwise primitives, grouped by which dtypes they accept.

/** Unary elementwise primitives and the dtypes each accepts. */
export const unaryKinds = {
  neg: "numeric",
  sign: "numeric",
  abs: "numeric",
  square: "numeric",
  floor: "float",
  ceil: "float",
  isFinite: "float",
  exp: "float",
  exp2: "float",
  log: "float",
  expm1: "float",
  log1p: "float",
  tanh: "float",
  logistic: "float",
  sin: "float",
  cos: "float",
  tan: "float",
  asin: "float",
  acos: "float",
  atan: "float",
  sinh: "float",
  cosh: "float",
  asinh: "float",
  acosh: "float",
  atanh: "float",
  sqrt: "float",
  rsqrt: "float",
  cbrt: "float",
  erf: "float",
  erfc: "float",
  erfInv: "float",
  not: "integral", // bool or integer: logical/bitwise not
} as const satisfies Record<string, DTypeKind>;

/** Binary elementwise primitives and the dtypes each accepts. */
export const binaryKinds = {
  add: "any",
  sub: "numeric",
  mul: "any",
  div: "numeric",
  rem: "numeric",
  pow: "float",
  max: "any",
  min: "any",
  atan2: "float",
  nextafter: "float",
  and: "integral",
  or: "integral",
  xor: "integral",
  shiftLeft: "int",
  shiftRightLogical: "int",
  shiftRightArithmetic: "int",
} as const satisfies Record<string, DTypeKind>;

/** Comparisons: same-typed operands, boolean result. */
export const comparisonKinds = {
  eq: "any",
  ne: "any",
  lt: "any",
  le: "any",
  gt: "any",
  ge: "any",
} as const satisfies Record<string, DTypeKind>;

export type DTypeKind = "any" | "numeric" | "float" | "int" | "integral";

export function dtypeHasKind(dtype: DType, kind: DTypeKind): boolean {
  switch (kind) {
    case "any":
      return true;
    case "numeric":
      return dtype !== "bool";
    case "float":
      return isFloat(dtype);
    case "int":
      return isInt(dtype);
    case "integral":
      return isInt(dtype) || dtype === "bool";
  }
}

export type UnaryPrimitive = keyof typeof unaryKinds;
export type BinaryPrimitive = keyof typeof binaryKinds;
export type ComparisonPrimitive = keyof typeof comparisonKinds;

export const isUnary = (p: string): p is UnaryPrimitive => Object.hasOwn(unaryKinds, p);
export const isBinary = (p: string): p is BinaryPrimitive => Object.hasOwn(binaryKinds, p);
export const isComparison = (p: string): p is ComparisonPrimitive => Object.hasOwn(comparisonKinds, p);

// ---------------------------------------------------------------------------------------
// Parameters of every primitive.

type NoParams = Record<string, never>;

export type Padding = readonly (readonly [number, number])[];

export interface GatherDimensionNumbers {
  /** Output dims that hold the slice (the non-collapsed operand dims, in order). */
  offsetDims: readonly number[];
  /** Operand dims whose slice size is 1 and that do not appear in the output. */
  collapsedSliceDims: readonly number[];
  /** Operand dim indexed by each entry of the index vector (the last dim of indices). */
  startIndexMap: readonly number[];
  /** Operand dims that are batch dims, paired with `startIndicesBatchingDims`. */
  operandBatchingDims: readonly number[];
  startIndicesBatchingDims: readonly number[];
}

export interface ScatterDimensionNumbers {
  updateWindowDims: readonly number[];
  insertedWindowDims: readonly number[];
  scatterDimsToOperandDims: readonly number[];
  operandBatchingDims: readonly number[];
  scatterIndicesBatchingDims: readonly number[];
}

/** How out-of-range indices behave: clamped into range, or (for gather) filled / (for scatter) dropped. */
export type IndexMode = "clip" | "fill";

export interface ScatterParams {
  dimensionNumbers: ScatterDimensionNumbers;
  mode: IndexMode;
}

export interface ConvDimensionNumbers {
  /** lhs: [batch dim, feature dim, ...spatial dims] */
  lhsSpec: readonly number[];
  /** rhs: [out-feature dim, in-feature dim, ...spatial dims] */
  rhsSpec: readonly number[];
  /** out: [batch dim, feature dim, ...spatial dims] */
  outSpec: readonly number[];
}

export interface ReduceWindowParams {
  windowDimensions: readonly number[];
  windowStrides: readonly number[];
  padding: Padding;
  baseDilation: readonly number[];
  windowDilation: readonly number[];
}

/**
 * selectAndScatterAdd / selectAndGatherAdd (the gradient of max and min pooling): the window
 * geometry of the reduceWindow, and which element each window selects (its first maximum or
 * minimum in window order; a NaN is selected over any number, as argmax does).
 */
export interface SelectWindowParams extends ReduceWindowParams {
  select: "max" | "min";
}

export interface CumulativeParams {
  axis: number;
  reverse: boolean;
}

export interface AxesParams {
  axes: readonly number[];
}

export type PrimitiveParams = { [P in UnaryPrimitive | BinaryPrimitive | ComparisonPrimitive]: NoParams } & {
  round: { roundingMethod: "awayFromZero" | "toNearestEven" };
  integerPow: { y: number };
  selectN: NoParams;
  clamp: NoParams;
  convertElementType: { newDtype: DType; weakType: boolean };
  bitcastConvertType: { newDtype: DType };
  stopGradient: NoParams;
  copy: NoParams;
  iota: { dtype: DType; shape: readonly number[]; dimension: number };
  reduceSum: AxesParams;
  reduceProd: AxesParams;
  reduceMax: AxesParams;
  reduceMin: AxesParams;
  reduceAnd: AxesParams;
  reduceOr: AxesParams;
  argmax: { axes: readonly [number]; indexDtype: DType };
  argmin: { axes: readonly [number]; indexDtype: DType };
  cumsum: CumulativeParams;
  cumprod: CumulativeParams;
  cummax: CumulativeParams;
  cummin: CumulativeParams;
  broadcastInDim: { shape: readonly number[]; broadcastDimensions: readonly number[] };
  reshape: { newSizes: readonly number[] };
  transpose: { permutation: readonly number[] };
  squeeze: { dimensions: readonly number[] };
  rev: { dimensions: readonly number[] };
  slice: { startIndices: readonly number[]; limitIndices: readonly number[]; strides: readonly number[] | null };
  pad: { paddingConfig: readonly (readonly [number, number, number])[] };
  concatenate: { dimension: number };
  dynamicSlice: { sliceSizes: readonly number[] };
  dynamicUpdateSlice: NoParams;
  gather: {
    dimensionNumbers: GatherDimensionNumbers;
    sliceSizes: readonly number[];
    mode: IndexMode;
    fillValue: number | null;
  };
  scatter: ScatterParams;
  scatterAdd: ScatterParams;
  scatterMul: ScatterParams;
  scatterMin: ScatterParams;
  scatterMax: ScatterParams;
  dotGeneral: {
    dimensionNumbers: readonly [
      readonly [readonly number[], readonly number[]],
      readonly [readonly number[], readonly number[]],
    ];
    preferredElementType: DType | null;
  };
  convGeneralDilated: {
    windowStrides: readonly number[];
    padding: Padding;
    lhsDilation: readonly number[];
    rhsDilation: readonly number[];
    dimensionNumbers: ConvDimensionNumbers;
    featureGroupCount: number;
    batchGroupCount: number;
    preferredElementType: DType | null;
  };
  reduceWindowSum: ReduceWindowParams;
  reduceWindowMax: ReduceWindowParams;
  reduceWindowMin: ReduceWindowParams;
  /** `(source, operand)`: zeros shaped like operand, plus each source element at its window's selected position. */
  selectAndScatterAdd: SelectWindowParams;
  /** `(tangents, operand)`: per window, the tangent at the window's selected position (0 where that is padding). */
  selectAndGatherAdd: SelectWindowParams;
  sort: { dimension: number; isStable: boolean; numKeys: number };
  threefry2x32: NoParams;
  /** A nested jit call: `jaxpr` has no constvars (constants are passed as leading inputs). */
  jit: { jaxpr: Jaxpr; name: string };
  /**
   * A function with a custom jvp rule. `jaxpr` computes it (its first `numConsts` inputs are
   * captured constants); `jvp` is the user's rule, opaque to the IR, called by the jvp transform.
   */
  customJvpCall: { jaxpr: Jaxpr; jvp: OpaqueRule; numConsts: number; name: string };
  /** A function with a custom vjp: `fwd` and `bwd` are the user's rules, opaque to the IR. */
  customVjpCall: { jaxpr: Jaxpr; fwd: OpaqueRule; bwd: OpaqueRule; numConsts: number; name: string };
  /**
   * The linear map of a custom_vjp function inside linearize: inputs are the residuals then
   * the tangents; it is only ever transposed (its transpose calls `bwd`).
   */
  customLin: { bwd: OpaqueRule; numResiduals: number; outAvals: readonly ShapedArray[]; name: string };
  /** `checkpoint` (remat): like jit, but reverse mode recomputes it instead of saving residuals. */
  checkpoint: { jaxpr: Jaxpr; name: string; policy: OpaqueRule | null };
  /** Structured control flow (ir/controlFlow.ts): params in the order JAX prints them. */
  cond: CondParams;
  while: WhileParams;
  scan: ScanParams;
} & LinalgPrimitiveParams; // the factorizations (ir/linalg.ts)

/** A user-supplied function carried in params (custom rules); printed by name. */
export type OpaqueRule = ((...args: any[]) => any) & { readonly ruleName?: string };

export type Primitive = keyof PrimitiveParams;
export type Params<P extends Primitive> = PrimitiveParams[P];

// ---------------------------------------------------------------------------------------
// Shape rules.

export type ShapeRule<P extends Primitive> = (inputs: readonly ShapedArray[], params: Params<P>) => Either<ShapedArray[]>;

const ok = (...avals: ShapedArray[]): Either<ShapedArray[]> => E.right(avals);
const fail = (msg: string): Either<never> => E.left(msg);

const fmt = (avals: readonly ShapedArray[]) => avals.map((a) => a.toString()).join(", ");

function expectArity(name: string, inputs: readonly ShapedArray[], n: number): Either<void> {
  return inputs.length === n ? E.right(undefined) : fail(`${name} takes ${n} operands, got ${inputs.length}`);
}

function unaryRule(name: UnaryPrimitive): ShapeRule<UnaryPrimitive> {
  return (inputs) => {
    if (inputs.length !== 1) return fail(`${name} takes 1 operand, got ${inputs.length}`);
    const x = inputs[0]!;
    const kind = unaryKinds[name];
    if (!dtypeHasKind(x.dtype, kind)) return fail(`${name} does not accept dtype ${x.dtype} (needs a ${kind} dtype)`);
    const out = name === "isFinite" ? new ShapedArray(x.shape, "bool") : x;
    return ok(out);
  };
}

/**
 * Shape and weak type of an elementwise op over same-dtype operands, where rank-0 operands
 * broadcast. The result is weak only if every operand is.
 */
export function elementwiseResult(name: string, inputs: readonly ShapedArray[]): Either<ShapedArray> {
  const first = inputs[0];
  if (first === undefined) return fail(`${name} takes at least one operand`);
  let shape: readonly number[] = [];
  for (const x of inputs) {
    if (x.dtype !== first.dtype) return fail(`${name} requires operands of one dtype, got ${fmt(inputs)}`);
    if (x.ndim === 0) continue;
    if (shape.length === 0) shape = x.shape;
    else if (!shapesEqual(shape, x.shape)) return fail(`${name} requires operands of one shape, got ${fmt(inputs)}`);
  }
  return E.right(new ShapedArray(shape, first.dtype, inputs.every((x) => x.weakType)));
}

function binaryRule(name: BinaryPrimitive | ComparisonPrimitive, kind: DTypeKind, comparison: boolean) {
  return (inputs: readonly ShapedArray[]): Either<ShapedArray[]> => {
    if (inputs.length !== 2) return fail(`${name} takes 2 operands, got ${inputs.length}`);
    const r = elementwiseResult(name, inputs);
    if (E.isLeft(r)) return r;
    if (!dtypeHasKind(r.right.dtype, kind)) return fail(`${name} does not accept dtype ${r.right.dtype}`);
    return ok(comparison ? new ShapedArray(r.right.shape, "bool") : r.right);
  };
}

function checkAxes(name: string, ndim: number, axes: readonly number[]): Either<void> {
  const seen = new Set<number>();
  for (const a of axes) {
    if (!Number.isInteger(a) || a < 0 || a >= ndim) return fail(`${name}: axis ${a} is out of range for rank ${ndim}`);
    if (seen.has(a)) return fail(`${name}: axis ${a} is repeated in ${JSON.stringify(axes)}`);
    seen.add(a);
  }
  return E.right(undefined);
}

function isPermutation(perm: readonly number[], n: number): boolean {
  return perm.length === n && [...perm].sort((a, b) => a - b).every((p, i) => p === i);
}

function reduceRule(name: string, kind: DTypeKind) {
  return (inputs: readonly ShapedArray[], params: AxesParams): Either<ShapedArray[]> => {
    if (inputs.length !== 1) return fail(`${name} takes 1 operand`);
    const x = inputs[0]!;
    if (!dtypeHasKind(x.dtype, kind)) return fail(`${name} does not accept dtype ${x.dtype}`);
    const ax = checkAxes(name, x.ndim, params.axes);
    if (E.isLeft(ax)) return ax;
    return ok(x.update({ shape: x.shape.filter((_, i) => !params.axes.includes(i)) }));
  };
}

function argRule(name: string) {
  return (inputs: readonly ShapedArray[], params: { axes: readonly [number]; indexDtype: DType }): Either<ShapedArray[]> => {
    const x = inputs[0]!;
    const ax = checkAxes(name, x.ndim, params.axes);
    if (E.isLeft(ax)) return ax;
    if (x.shape[params.axes[0]] === 0) return fail(`${name}: cannot reduce over an axis of size 0 in shape ${x}`);
    if (!isInt(params.indexDtype)) return fail(`${name}: index dtype must be an integer dtype`);
    return ok(new ShapedArray(x.shape.filter((_, i) => i !== params.axes[0]), params.indexDtype));
  };
}

function cumulativeRule(name: string) {
  return (inputs: readonly ShapedArray[], params: CumulativeParams): Either<ShapedArray[]> => {
    const x = inputs[0]!;
    const ax = checkAxes(name, x.ndim, [params.axis]);
    if (E.isLeft(ax)) return ax;
    if (x.dtype === "bool") return fail(`${name} does not accept bool`);
    return ok(x);
  };
}

function scatterRule(name: string) {
  return (inputs: readonly ShapedArray[], params: ScatterParams): Either<ShapedArray[]> => {
    if (inputs.length !== 3) return fail(`${name} takes operand, indices and updates`);
    const [operand, indices, updates] = inputs as [ShapedArray, ShapedArray, ShapedArray];
    if (!isInt(indices.dtype)) return fail(`${name}: indices must be integers, got ${indices}`);
    if (updates.dtype !== operand.dtype) return fail(`${name}: updates ${updates} must have the operand's dtype ${operand}`);
    const dn = params.dimensionNumbers;
    const batchShape = indices.shape.slice(0, -1);
    const updateScatterDims = updates.shape.map((_, i) => i).filter((i) => !dn.updateWindowDims.includes(i));
    if (updateScatterDims.length !== batchShape.length)
      return fail(`${name}: updates ${updates} do not match indices ${indices}`);
    if (updateScatterDims.some((d, i) => updates.shape[d] !== batchShape[i]))
      return fail(`${name}: updates ${updates} do not match indices ${indices}`);
    if (indices.shape[indices.ndim - 1] !== dn.scatterDimsToOperandDims.length)
      return fail(`${name}: index vector of ${indices} does not match scatterDimsToOperandDims`);
    const windowOperandDims = operand.shape
      .map((_, i) => i)
      .filter((i) => !dn.insertedWindowDims.includes(i) && !dn.operandBatchingDims.includes(i));
    if (windowOperandDims.length !== dn.updateWindowDims.length)
      return fail(`${name}: window dims of updates ${updates} do not match operand ${operand}`);
    for (let k = 0; k < windowOperandDims.length; k++) {
      if (updates.shape[dn.updateWindowDims[k]!]! > operand.shape[windowOperandDims[k]!]!)
        return fail(`${name}: update window ${updates} is larger than operand ${operand}`);
    }
    return ok(operand.strongly());
  };
}

function reduceWindowRule(name: string) {
  return (inputs: readonly ShapedArray[], p: ReduceWindowParams): Either<ShapedArray[]> => {
    const x = inputs[0]!;
    const n = x.ndim;
    for (const [k, v] of Object.entries({
      windowDimensions: p.windowDimensions,
      windowStrides: p.windowStrides,
      padding: p.padding,
      baseDilation: p.baseDilation,
      windowDilation: p.windowDilation,
    })) {
      if (v.length !== n) return fail(`${name}: ${k} has ${v.length} entries but the operand ${x} has rank ${n}`);
    }
    const shape = x.shape.map((d, i) => {
      const dilated = d === 0 ? 0 : (d - 1) * p.baseDilation[i]! + 1;
      const padded = dilated + p.padding[i]![0] + p.padding[i]![1];
      const win = (p.windowDimensions[i]! - 1) * p.windowDilation[i]! + 1;
      return padded < win ? 0 : Math.floor((padded - win) / p.windowStrides[i]!) + 1;
    });
    return ok(x.update({ shape }));
  };
}

function selectWindowRule(name: string, scatter: boolean) {
  const windowRule = reduceWindowRule(name);
  return (inputs: readonly ShapedArray[], p: SelectWindowParams): Either<ShapedArray[]> => {
    if (inputs.length !== 2) return fail(`${name} takes ${scatter ? "source" : "tangents"} and operand`);
    const [first, x] = inputs as [ShapedArray, ShapedArray];
    if (!isFloat(x.dtype)) return fail(`${name}: operand ${x} must be floating point`);
    if (p.select !== "max" && p.select !== "min") return fail(`${name}: select must be "max" or "min", got ${String(p.select)}`);
    const windowed = windowRule([x], p);
    if (E.isLeft(windowed)) return windowed;
    const expected = scatter ? windowed.right[0]! : x;
    if (first.dtype !== x.dtype || !shapesEqual(first.shape, expected.shape))
      return fail(`${name}: ${scatter ? "source" : "tangents"} ${first} must be ${x.dtype}[${expected.shape.join(",")}] for operand ${x}`);
    return ok((scatter ? x : windowed.right[0]!).strongly());
  };
}

/** The output shape of a dotGeneral: batch dims, then lhs free dims, then rhs free dims. */
function dotGeneralRule(inputs: readonly ShapedArray[], params: Params<"dotGeneral">): Either<ShapedArray[]> {
  const [lhs, rhs] = inputs as [ShapedArray, ShapedArray];
  const [[lc, rc], [lb, rb]] = params.dimensionNumbers;
  if (lhs.dtype !== rhs.dtype) return fail(`dot_general requires operands of one dtype, got ${fmt(inputs)}`);
  if (lc.length !== rc.length || lb.length !== rb.length)
    return fail(`dot_general: contracting/batch dimension lists differ in length: ${JSON.stringify(params.dimensionNumbers)}`);
  for (const [axes, x] of [
    [[...lc, ...lb], lhs],
    [[...rc, ...rb], rhs],
  ] as const) {
    const r = checkAxes("dot_general", x.ndim, axes);
    if (E.isLeft(r)) return r;
  }
  for (let i = 0; i < lc.length; i++)
    if (lhs.shape[lc[i]!] !== rhs.shape[rc[i]!])
      return fail(`dot_general requires contracting dimensions to have the same shape, got ${fmt(inputs)} contracting ${JSON.stringify(lc)} with ${JSON.stringify(rc)}`);
  for (let i = 0; i < lb.length; i++)
    if (lhs.shape[lb[i]!] !== rhs.shape[rb[i]!])
      return fail(`dot_general requires batch dimensions to have the same shape, got ${fmt(inputs)}`);
  const batch = lb.map((d) => lhs.shape[d]!);
  const lfree = lhs.shape.filter((_, i) => !lc.includes(i) && !lb.includes(i));
  const rfree = rhs.shape.filter((_, i) => !rc.includes(i) && !rb.includes(i));
  const dtype = params.preferredElementType ?? lhs.dtype;
  return ok(new ShapedArray([...batch, ...lfree, ...rfree], dtype, lhs.weakType && rhs.weakType));
}

function convRule(inputs: readonly ShapedArray[], p: Params<"convGeneralDilated">): Either<ShapedArray[]> {
  const [lhs, rhs] = inputs as [ShapedArray, ShapedArray];
  const { lhsSpec, rhsSpec, outSpec } = p.dimensionNumbers;
  if (lhs.dtype !== rhs.dtype) return fail(`conv_general_dilated requires operands of one dtype, got ${fmt(inputs)}`);
  if (lhs.ndim !== rhs.ndim) return fail(`conv_general_dilated requires lhs and rhs of one rank, got ${fmt(inputs)}`);
  const nsp = lhs.ndim - 2;
  if (nsp < 0) return fail(`conv_general_dilated needs rank >= 2 operands, got ${fmt(inputs)}`);
  for (const [k, v] of Object.entries({
    windowStrides: p.windowStrides,
    padding: p.padding,
    lhsDilation: p.lhsDilation,
    rhsDilation: p.rhsDilation,
  }))
    if (v.length !== nsp) return fail(`conv_general_dilated: ${k} needs ${nsp} entries, got ${v.length}`);
  const G = p.featureGroupCount;
  const B = p.batchGroupCount;
  const inFeatures = lhs.shape[lhsSpec[1]!]!;
  const rhsIn = rhs.shape[rhsSpec[1]!]!;
  const rhsOut = rhs.shape[rhsSpec[0]!]!;
  if (inFeatures !== rhsIn * G)
    return fail(`conv_general_dilated: lhs feature dimension ${inFeatures} must equal rhs input-feature dimension ${rhsIn} times featureGroupCount ${G} (lhs ${lhs}, rhs ${rhs})`);
  if (rhsOut % G !== 0 || rhsOut % B !== 0)
    return fail(`conv_general_dilated: rhs output-feature dimension ${rhsOut} must be divisible by the group counts`);
  const batch = lhs.shape[lhsSpec[0]!]!;
  if (batch % B !== 0) return fail(`conv_general_dilated: batch ${batch} must be divisible by batchGroupCount ${B}`);
  const outShape = new Array<number>(lhs.ndim);
  outShape[outSpec[0]!] = batch / B;
  outShape[outSpec[1]!] = rhsOut;
  for (let i = 0; i < nsp; i++) {
    const d = lhs.shape[lhsSpec[i + 2]!]!;
    const dilated = d === 0 ? 0 : (d - 1) * p.lhsDilation[i]! + 1;
    const padded = dilated + p.padding[i]![0] + p.padding[i]![1];
    const k = rhs.shape[rhsSpec[i + 2]!]!;
    const win = k === 0 ? 0 : (k - 1) * p.rhsDilation[i]! + 1;
    outShape[outSpec[i + 2]!] = padded < win ? 0 : Math.floor((padded - win) / p.windowStrides[i]!) + 1;
  }
  return ok(new ShapedArray(outShape, p.preferredElementType ?? lhs.dtype));
}

function gatherRule(inputs: readonly ShapedArray[], p: Params<"gather">): Either<ShapedArray[]> {
  const [operand, indices] = inputs as [ShapedArray, ShapedArray];
  const dn = p.dimensionNumbers;
  if (!isInt(indices.dtype)) return fail(`gather: indices must be integers, got ${indices}`);
  if (indices.ndim < 1) return fail(`gather: indices must have an index-vector dimension, got ${indices}`);
  if (indices.shape[indices.ndim - 1] !== dn.startIndexMap.length)
    return fail(`gather: index vector of ${indices} has length ${indices.shape[indices.ndim - 1]} but startIndexMap has ${dn.startIndexMap.length}`);
  if (p.sliceSizes.length !== operand.ndim)
    return fail(`gather: sliceSizes ${JSON.stringify(p.sliceSizes)} must have one entry per operand dim of ${operand}`);
  for (let i = 0; i < operand.ndim; i++)
    if (p.sliceSizes[i]! > operand.shape[i]! || p.sliceSizes[i]! < 0)
      return fail(`gather: slice size ${p.sliceSizes[i]} out of range for dim ${i} of ${operand}`);
  for (const d of [...dn.collapsedSliceDims, ...dn.operandBatchingDims])
    if (p.sliceSizes[d] !== 1 && p.sliceSizes[d] !== 0) return fail(`gather: collapsed/batching dim ${d} must have slice size 1`);
  const batchShape = indices.shape.slice(0, -1);
  const offsetSizes = p.sliceSizes.filter((_, i) => !dn.collapsedSliceDims.includes(i) && !dn.operandBatchingDims.includes(i));
  const rank = batchShape.length + offsetSizes.length;
  if (dn.offsetDims.length !== offsetSizes.length)
    return fail(`gather: offsetDims ${JSON.stringify(dn.offsetDims)} do not match the ${offsetSizes.length} window dims`);
  const out = new Array<number>(rank);
  dn.offsetDims.forEach((d, k) => (out[d] = offsetSizes[k]!));
  let b = 0;
  for (let i = 0; i < rank; i++) if (!dn.offsetDims.includes(i)) out[i] = batchShape[b++]!;
  if (out.some((d) => d === undefined)) return fail(`gather: offsetDims ${JSON.stringify(dn.offsetDims)} out of range`);
  return ok(new ShapedArray(out, operand.dtype, operand.weakType));
}

export const shapeRules: { [P in Primitive]: ShapeRule<P> } = {
  ...tableOf(unaryKinds, (p) => unaryRule(p)),
  ...tableOf(binaryKinds, (p) => binaryRule(p, binaryKinds[p], false)),
  ...tableOf(comparisonKinds, (p) => binaryRule(p, comparisonKinds[p], true)),
  round: (inputs) => unaryRule("floor")(inputs, {}),
  integerPow: (inputs, { y }) => {
    const x = inputs[0]!;
    if (x.dtype === "bool") return fail("integer_pow does not accept bool");
    if (!Number.isInteger(y)) return fail(`integer_pow: exponent ${y} must be an integer`);
    if (y < 0 && !isFloat(x.dtype)) return fail(`integer_pow: negative exponent ${y} needs a float operand, got ${x}`);
    return ok(x);
  },
  selectN: (inputs) => {
    const [pred, ...cases] = inputs;
    if (pred === undefined || cases.length === 0) return fail("select_n takes a predicate and at least one case");
    if (pred.dtype !== "bool" && pred.dtype !== "int32") return fail(`select_n: predicate must be bool or int32, got ${pred}`);
    if (pred.dtype === "bool" && cases.length > 2) return fail("select_n: a bool predicate selects between at most 2 cases");
    const r = elementwiseResult("select_n", cases);
    if (E.isLeft(r)) return r;
    if (pred.ndim !== 0 && r.right.ndim !== 0 && !shapesEqual(pred.shape, r.right.shape))
      return fail(`select_n: predicate ${pred} must be scalar or match the cases ${fmt(cases)}`);
    const shape = r.right.ndim === 0 ? pred.shape : r.right.shape;
    return ok(r.right.update({ shape }));
  },
  clamp: (inputs) => {
    const [lo, x, hi] = inputs as [ShapedArray, ShapedArray, ShapedArray];
    if (lo.dtype !== x.dtype || hi.dtype !== x.dtype) return fail(`clamp requires operands of one dtype, got ${fmt(inputs)}`);
    for (const b of [lo, hi])
      if (b.ndim !== 0 && !shapesEqual(b.shape, x.shape)) return fail(`clamp: bounds must be scalar or match x, got ${fmt(inputs)}`);
    return ok(x);
  },
  convertElementType: (inputs, { newDtype, weakType }) => ok(new ShapedArray(inputs[0]!.shape, newDtype, weakType)),
  bitcastConvertType: (inputs, { newDtype }) => {
    const x = inputs[0]!;
    const size = (d: DType) => (d === "float64" ? 8 : d === "bool" ? 1 : 4);
    if (size(x.dtype) !== size(newDtype)) return fail(`bitcast_convert_type: ${x.dtype} and ${newDtype} differ in width`);
    return ok(new ShapedArray(x.shape, newDtype));
  },
  stopGradient: (inputs) => ok(inputs[0]!),
  copy: (inputs) => ok(inputs[0]!),
  iota: (inputs, { dtype, shape, dimension }) => {
    if (inputs.length !== 0) return fail("iota takes no operands");
    if (dimension < 0 || dimension >= shape.length) return fail(`iota: dimension ${dimension} out of range for shape ${shape}`);
    return ok(new ShapedArray(shape, dtype));
  },
  reduceSum: reduceRule("reduce_sum", "any"),
  reduceProd: reduceRule("reduce_prod", "any"),
  reduceMax: reduceRule("reduce_max", "any"),
  reduceMin: reduceRule("reduce_min", "any"),
  reduceAnd: reduceRule("reduce_and", "integral"),
  reduceOr: reduceRule("reduce_or", "integral"),
  argmax: argRule("argmax"),
  argmin: argRule("argmin"),
  cumsum: cumulativeRule("cumsum"),
  cumprod: cumulativeRule("cumprod"),
  cummax: cumulativeRule("cummax"),
  cummin: cumulativeRule("cummin"),
  broadcastInDim: (inputs, { shape, broadcastDimensions }) => {
    const x = inputs[0]!;
    if (broadcastDimensions.length !== x.ndim)
      return fail(`broadcast_in_dim: broadcastDimensions ${JSON.stringify(broadcastDimensions)} must have one entry per dim of ${x}`);
    for (let i = 0; i < x.ndim; i++) {
      const d = broadcastDimensions[i]!;
      if (d < 0 || d >= shape.length) return fail(`broadcast_in_dim: dimension ${d} out of range for shape ${JSON.stringify(shape)}`);
      if (i > 0 && d <= broadcastDimensions[i - 1]!) return fail("broadcast_in_dim: broadcastDimensions must be strictly increasing");
      if (x.shape[i] !== 1 && x.shape[i] !== shape[d])
        return fail(`broadcast_in_dim: operand ${x} cannot broadcast to ${JSON.stringify(shape)} along ${JSON.stringify(broadcastDimensions)}`);
    }
    return ok(x.update({ shape }));
  },
  reshape: (inputs, { newSizes }) => {
    const x = inputs[0]!;
    if (newSizes.some((d) => !Number.isInteger(d) || d < 0) || shapeSize(newSizes) !== x.size)
      return fail(`reshape: cannot reshape ${x} (size ${x.size}) into shape ${JSON.stringify(newSizes)}`);
    return ok(x.update({ shape: newSizes }));
  },
  transpose: (inputs, { permutation }) => {
    const x = inputs[0]!;
    if (!isPermutation(permutation, x.ndim))
      return fail(`transpose: permutation ${JSON.stringify(permutation)} is not a permutation of the ${x.ndim} dims of ${x}`);
    return ok(x.update({ shape: permutation.map((p) => x.shape[p]!) }));
  },
  squeeze: (inputs, { dimensions }) => {
    const x = inputs[0]!;
    const r = checkAxes("squeeze", x.ndim, dimensions);
    if (E.isLeft(r)) return r;
    for (const d of dimensions) if (x.shape[d] !== 1) return fail(`squeeze: dimension ${d} of ${x} is not 1`);
    return ok(x.update({ shape: x.shape.filter((_, i) => !dimensions.includes(i)) }));
  },
  rev: (inputs, { dimensions }) => {
    const x = inputs[0]!;
    const r = checkAxes("rev", x.ndim, dimensions);
    return E.isLeft(r) ? r : ok(x);
  },
  slice: (inputs, { startIndices, limitIndices, strides }) => {
    const x = inputs[0]!;
    if (startIndices.length !== x.ndim || limitIndices.length !== x.ndim || (strides && strides.length !== x.ndim))
      return fail(`slice: indices must have one entry per dim of ${x}`);
    const shape: number[] = [];
    for (let i = 0; i < x.ndim; i++) {
      const s = startIndices[i]!;
      const l = limitIndices[i]!;
      const st = strides?.[i] ?? 1;
      if (s < 0 || l > x.shape[i]! || s > l || st < 1)
        return fail(`slice: start ${JSON.stringify(startIndices)} / limit ${JSON.stringify(limitIndices)} out of range for ${x}`);
      shape.push(Math.ceil((l - s) / st));
    }
    return ok(x.update({ shape }));
  },
  pad: (inputs, { paddingConfig }) => {
    const [x, v] = inputs as [ShapedArray, ShapedArray];
    if (v.ndim !== 0 || v.dtype !== x.dtype) return fail(`pad: padding value ${v} must be a scalar of dtype ${x.dtype}`);
    if (paddingConfig.length !== x.ndim) return fail(`pad: paddingConfig needs one entry per dim of ${x}`);
    const shape: number[] = [];
    for (let i = 0; i < x.ndim; i++) {
      const [lo, hi, interior] = paddingConfig[i]!;
      if (interior < 0) return fail("pad: interior padding must be non-negative");
      const d = x.shape[i]!;
      const n = lo + hi + d + Math.max(0, d - 1) * interior;
      if (n < 0) return fail(`pad: negative padding removes more than dim ${i} of ${x} holds`);
      shape.push(n);
    }
    return ok(x.update({ shape, weakType: x.weakType && v.weakType }));
  },
  concatenate: (inputs, { dimension }) => {
    const first = inputs[0];
    if (first === undefined) return fail("concatenate needs at least one operand");
    if (dimension < 0 || dimension >= first.ndim) return fail(`concatenate: dimension ${dimension} out of range for ${first}`);
    let total = 0;
    for (const x of inputs) {
      if (x.dtype !== first.dtype) return fail(`concatenate requires operands of one dtype, got ${fmt(inputs)}`);
      if (x.ndim !== first.ndim || x.shape.some((d, i) => i !== dimension && d !== first.shape[i]))
        return fail(`concatenate: operands must match except along dimension ${dimension}, got ${fmt(inputs)}`);
      total += x.shape[dimension]!;
    }
    const shape = first.shape.map((d, i) => (i === dimension ? total : d));
    return ok(new ShapedArray(shape, first.dtype, inputs.every((x) => x.weakType)));
  },
  dynamicSlice: (inputs, { sliceSizes }) => {
    const [x, ...idx] = inputs as [ShapedArray, ...ShapedArray[]];
    if (idx.length !== x.ndim || sliceSizes.length !== x.ndim)
      return fail(`dynamic_slice: needs one start index and slice size per dim of ${x}`);
    if (idx.some((i) => i.ndim !== 0 || !isInt(i.dtype))) return fail(`dynamic_slice: start indices must be integer scalars, got ${fmt(idx)}`);
    if (sliceSizes.some((s, i) => s < 0 || s > x.shape[i]!))
      return fail(`dynamic_slice: slice sizes ${JSON.stringify(sliceSizes)} exceed operand ${x}`);
    return ok(x.update({ shape: sliceSizes }));
  },
  dynamicUpdateSlice: (inputs) => {
    const [x, u, ...idx] = inputs as [ShapedArray, ShapedArray, ...ShapedArray[]];
    if (idx.length !== x.ndim || u.ndim !== x.ndim) return fail(`dynamic_update_slice: update ${u} must have the rank of ${x}, with one index per dim`);
    if (u.dtype !== x.dtype) return fail(`dynamic_update_slice: update ${u} must have dtype ${x.dtype}`);
    if (idx.some((i) => i.ndim !== 0 || !isInt(i.dtype))) return fail("dynamic_update_slice: start indices must be integer scalars");
    if (u.shape.some((s, i) => s > x.shape[i]!)) return fail(`dynamic_update_slice: update ${u} is larger than operand ${x}`);
    return ok(x.strongly());
  },
  gather: gatherRule,
  scatter: scatterRule("scatter"),
  scatterAdd: scatterRule("scatter_add"),
  scatterMul: scatterRule("scatter_mul"),
  scatterMin: scatterRule("scatter_min"),
  scatterMax: scatterRule("scatter_max"),
  dotGeneral: dotGeneralRule,
  convGeneralDilated: convRule,
  reduceWindowSum: reduceWindowRule("reduce_window_sum"),
  reduceWindowMax: reduceWindowRule("reduce_window_max"),
  reduceWindowMin: reduceWindowRule("reduce_window_min"),
  selectAndScatterAdd: selectWindowRule("select_and_scatter_add", true),
  selectAndGatherAdd: selectWindowRule("select_and_gather_add", false),
  sort: (inputs, { dimension, numKeys }) => {
    const first = inputs[0];
    if (first === undefined) return fail("sort needs at least one operand");
    if (dimension < 0 || dimension >= first.ndim) return fail(`sort: dimension ${dimension} out of range for ${first}`);
    if (numKeys < 1 || numKeys > inputs.length) return fail(`sort: numKeys ${numKeys} out of range`);
    if (inputs.some((x) => !shapesEqual(x.shape, first.shape))) return fail(`sort: operands must share a shape, got ${fmt(inputs)}`);
    return ok(...inputs);
  },
  threefry2x32: (inputs) => {
    const chk = expectArity("threefry2x32", inputs, 4);
    if (E.isLeft(chk)) return chk;
    if (inputs.some((x) => x.dtype !== "uint32")) return fail(`threefry2x32 takes uint32 operands, got ${fmt(inputs)}`);
    // Elementwise over key words and counts (rank-0 operands broadcast), so it batches like any elementwise op.
    const r = elementwiseResult("threefry2x32", inputs);
    if (E.isLeft(r)) return r;
    const out = r.right.strongly();
    return ok(out, out);
  },
  jit: (inputs, { jaxpr }) => callRule("jit", inputs, jaxpr),
  customJvpCall: (inputs, { jaxpr }) => callRule("custom_jvp_call", inputs, jaxpr),
  customVjpCall: (inputs, { jaxpr }) => callRule("custom_vjp_call", inputs, jaxpr),
  customLin: (inputs, { numResiduals, outAvals }) =>
    inputs.length < numResiduals ? fail(`custom_lin: expected at least ${numResiduals} residuals`) : ok(...outAvals),
  checkpoint: (inputs, { jaxpr }) => callRule("checkpoint", inputs, jaxpr),
  cond: condRule,
  while: whileRule,
  scan: scanRule,
  cholesky: choleskyRule,
  triangularSolve: triangularSolveRule,
  lu: luRule,
  qr: qrRule,
  geqrf: geqrfRule,
  householderProduct: householderProductRule,
  eigh: eighRule,
  svd: svdRule,
};

/** Shape rule of primitives that call a sub-jaxpr on their operands. */
function callRule(name: string, inputs: readonly ShapedArray[], jaxpr: Jaxpr): Either<ShapedArray[]> {
  if (inputs.length !== jaxpr.invars.length) return fail(`${name}: expected ${jaxpr.invars.length} operands, got ${inputs.length}`);
  for (let i = 0; i < inputs.length; i++)
    if (!inputs[i]!.sameType(jaxpr.invars[i]!.aval))
      return fail(`${name}: operand ${i} is ${inputs[i]} but the jaxpr expects ${jaxpr.invars[i]!.aval}`);
  return ok(...jaxpr.outs.map((o) => o.aval));
}

/** The output avals of a primitive, or a message saying what is wrong with its inputs. */
export function inferShapes<P extends Primitive>(prim: P, inputs: readonly ShapedArray[], params: Params<P>): Either<ShapedArray[]> {
  return (shapeRules[prim] as ShapeRule<P>)(inputs, params);
}

/** The snake_case name JAX prints for a primitive (`broadcastInDim` -> `broadcast_in_dim`). */
export function primitiveName(p: Primitive): string {
  return p.replace(/[A-Z]/g, (c) => "_" + c.toLowerCase());
}
