/**
 * `lax`: the user-facing wrappers of the primitives, arguments in JAX's order. Unlike numpy,
 * lax does not promote dtypes or broadcast (JS scalars excepted: they take the dtype of the
 * other operand, as Python scalars do in JAX).
 */
import { type DType, isDType, isFloat } from "../ir/dtype.js";
import {
  type BinaryPrimitive,
  type ComparisonPrimitive,
  type ConvDimensionNumbers,
  type GatherDimensionNumbers,
  type IndexMode,
  type Padding,
  type Params,
  type ScatterDimensionNumbers,
  type UnaryPrimitive,
  binaryKinds,
  comparisonKinds,
  primitiveName,
  unaryKinds,
} from "../ir/primitives.js";
import { range, tableOf } from "../ir/util.js";
import { type ArrayLike, ConcreteArray, JArray } from "./core/array.js";
import { describe, scalar } from "./core/convert.js";
import { bind, bind1, moveTo } from "./core/interpreter.js";
import { ValueError } from "./errors.js";
import { any, bindArgs, bool, checkOptions, checkedLater, dtype as dtypeKind, fn, int, ints, kind, nonNegInt, num, oneOf, orNull, required } from "./core/options.js";

/** An operand: laxOperands checks it, with lax's message. */
const operand = required(checkedLater<ArrayLike>("an array or a number"));
/** JAX's `precision` sits in some positional lists; jaxts computes at full precision always. */
const precision = kind<null>("null (jaxts has no precision setting)", (v) => v === null);

/**
 * Each wrapper's parameters in JAX's order (positional or, past the required ones, in a
 * trailing options object; checked strictly by core/options.ts), as constants: some run per
 * eager op.
 */
const SPECS = {
  cumulative: { operand, axis: int, reverse: bool },
  gather: { mode: oneOf("clip", "fill"), fillValue: orNull(num) },
  scatter: { mode: oneOf("clip", "fill") },
  dotGeneral: { lhs: operand, rhs: operand, dimensionNumbers: required(checkedLater<DotDimensionNumbers>("dimension numbers")), precision, preferredElementType: orNull(dtypeKind) },
  convGeneralDilated: {
    lhs: operand,
    rhs: operand,
    windowStrides: required(ints),
    padding: required(checkedLater<ConvPadding>(`"SAME", "VALID" or [lo, hi] pairs`)),
    lhsDilation: orNull(ints),
    rhsDilation: orNull(ints),
    dimensionNumbers: orNull(any),
    featureGroupCount: nonNegInt,
    batchGroupCount: nonNegInt,
    precision,
    preferredElementType: orNull(dtypeKind),
  },
  reduceWindow: {
    operand,
    initValue: operand,
    computation: required(fn),
    windowDimensions: required(ints),
    windowStrides: orNull(ints),
    padding: checkedLater<"SAME" | "VALID" | Padding>(`"SAME", "VALID" or [lo, hi] pairs`),
    baseDilation: ints,
    windowDilation: ints,
  },
  sort: { operand: required(checkedLater<JArray | readonly JArray[]>("an array or a list of arrays")), dimension: int, isStable: bool, numKeys: nonNegInt },
};

/** Arrays for lax operands: JS scalars take the dtype of the first array among them. */
export function laxOperands(name: string, xs: readonly ArrayLike[]): JArray[] {
  const ref = xs.find((x): x is JArray => x instanceof JArray);
  return xs.map((x) => {
    if (x instanceof JArray) return x;
    if (typeof x !== "number" && typeof x !== "boolean") throw new TypeError(`lax.${name}: expected arrays or numbers, got ${typeof x}`);
    return ref ? scalar(x, ref.dtype, true) : scalar(x);
  });
}

function sameDtypes(name: string, xs: readonly JArray[]): void {
  const d = xs[0]?.dtype;
  if (xs.some((x) => x.dtype !== d))
    throw new TypeError(`lax.${name} requires arguments to have the same dtypes, got ${xs.map((x) => x.dtype).join(", ")}`);
}

const unary = (p: UnaryPrimitive) => (x: ArrayLike) => bind1(p, laxOperands(p, [x]), {});
/**
 * lax does not broadcast: operands of different shapes are JAX's TypeError. Rank-0 operands
 * (and JS numbers) still broadcast, our convention for scalars throughout lax.
 */
function sameShapes(name: string, xs: readonly JArray[]): void {
  const shaped = xs.filter((x) => x.ndim > 0);
  const first = shaped[0];
  if (first !== undefined && shaped.some((x) => x.ndim !== first.ndim || x.shape.some((d, i) => d !== first.shape[i])))
    throw new TypeError(`lax.${name} got incompatible shapes for broadcasting: ${xs.map((x) => `[${x.shape.join(",")}]`).join(", ")}`);
}

const binary = (p: BinaryPrimitive | ComparisonPrimitive) => (x: ArrayLike, y: ArrayLike) => {
  const xs = laxOperands(p, [x, y]);
  sameDtypes(p, xs);
  sameShapes(p, xs);
  return bind1(p, xs, {});
};

const unaries = tableOf(unaryKinds, unary);
const binaries = tableOf(binaryKinds, (p) => binary(p));
const comparisons = tableOf(comparisonKinds, (p) => binary(p));

export const {
  neg, sign, abs, square, floor, ceil, isFinite, exp, exp2, log, expm1, log1p, tanh, logistic,
  sin, cos, tan, asin, acos, atan, sinh, cosh, asinh, acosh, atanh, sqrt, rsqrt, cbrt, erf, erfc, erfInv, not,
} = unaries;
export const { add, sub, mul, div, rem, pow, max, min, atan2, nextafter, and, or, xor, shiftLeft, shiftRightLogical, shiftRightArithmetic } =
  binaries;
export const { eq, ne, lt, le, gt, ge } = comparisons;

export function round(x: ArrayLike, roundingMethod: 0 | 1 | "awayFromZero" | "toNearestEven" = 0): JArray {
  const m = roundingMethod === 1 || roundingMethod === "toNearestEven" ? "toNearestEven" : "awayFromZero";
  return bind1("round", laxOperands("round", [x]), { roundingMethod: m });
}

export function integerPow(x: ArrayLike, y: number): JArray {
  return bind1("integerPow", laxOperands("integer_pow", [x]), { y });
}

/** `selectN(which, ...cases)`: `cases[which]` elementwise (bool `which` picks between two). */
export function selectN(which: ArrayLike, ...cases: ArrayLike[]): JArray {
  const cs = laxOperands("select_n", cases);
  sameDtypes("select_n", cs);
  return bind1("selectN", [...laxOperands("select_n", [which]), ...cs], {});
}

/** `select(pred, onTrue, onFalse)`, the older lax spelling. */
export function select(pred: ArrayLike, onTrue: ArrayLike, onFalse: ArrayLike): JArray {
  return selectN(pred, onFalse, onTrue);
}

export function clamp(lo: ArrayLike, x: ArrayLike, hi: ArrayLike): JArray {
  const xs = laxOperands("clamp", [x, lo, hi]);
  sameDtypes("clamp", xs);
  return bind1("clamp", [xs[1]!, xs[0]!, xs[2]!], {});
}

export function convertElementType(x: ArrayLike, newDtype: DType, weakType = false): JArray {
  if (!isDType(newDtype)) throw new TypeError(`lax.convert_element_type: unsupported dtype ${String(newDtype)}`);
  // Constants convert at once (constant folding), so traces keep literals like `2.0:f32[]`.
  if (typeof x === "number" || typeof x === "boolean") return scalar(x, newDtype, weakType);
  const [a] = laxOperands("convert_element_type", [x]);
  if (a!.dtype === newDtype && a!.weakType === weakType) return a!;
  if (a instanceof ConcreteArray && a.ndim === 0 && a.device !== "webgpu") {
    // A weak scalar converts from the JS number it came from, so 0.1 becomes float64 0.1 exactly.
    const v = a.weakType && a.jsValue !== undefined ? a.jsValue : a.readHost()[0]!;
    return moveTo(scalar(v, newDtype, weakType), a.device);
  }
  return bind1("convertElementType", [a!], { newDtype, weakType });
}

export function bitcastConvertType(x: ArrayLike, newDtype: DType): JArray {
  return bind1("bitcastConvertType", laxOperands("bitcast_convert_type", [x]), { newDtype });
}

export function stopGradient(x: ArrayLike): JArray {
  return bind1("stopGradient", laxOperands("stop_gradient", [x]), {});
}

export function iota(dtype: DType, size: number): JArray {
  return bind1("iota", [], { dtype, shape: [size], dimension: 0 });
}

export function broadcastedIota(dtype: DType, shape: readonly number[], dimension: number): JArray {
  checkShapeArg("broadcastedIota", shape, "shape");
  return bind1("iota", [], { dtype, shape: [...shape], dimension });
}

// --- reductions ---------------------------------------------------------------------
const reducer = (p: "reduceSum" | "reduceProd" | "reduceMax" | "reduceMin" | "reduceAnd" | "reduceOr") => (x: ArrayLike, axes: readonly number[]) =>
  bind1(p, laxOperands(primitiveName(p), [x]), { axes: [...axes] });
export const reduceSum = reducer("reduceSum");
export const reduceProd = reducer("reduceProd");
export const reduceMax = reducer("reduceMax");
export const reduceMin = reducer("reduceMin");
export const reduceAnd = reducer("reduceAnd");
export const reduceOr = reducer("reduceOr");

export function argmax(x: ArrayLike, axis: number, indexDtype: DType = "int32"): JArray {
  return bind1("argmax", laxOperands("argmax", [x]), { axes: [axis], indexDtype });
}
export function argmin(x: ArrayLike, axis: number, indexDtype: DType = "int32"): JArray {
  return bind1("argmin", laxOperands("argmin", [x]), { axes: [axis], indexDtype });
}

/** `cumsum(operand, axis?, reverse?)` (JAX's order) or `cumsum(operand, axis, {reverse})`. */
type Cumulative = {
  (x: ArrayLike, axis?: number, opts?: { reverse?: boolean }): JArray;
  (x: ArrayLike, axis?: number, reverse?: boolean): JArray;
};
const cumulative =
  (p: "cumsum" | "cumprod" | "cummax" | "cummin"): Cumulative =>
  (...args: unknown[]) => {
    const { operand: x, axis = 0, reverse = false } = bindArgs(`lax.${p}`, args, SPECS.cumulative);
    return bind1(p, laxOperands(p, [x]), { axis, reverse });
  };
export const cumsum = cumulative("cumsum");
export const cumprod = cumulative("cumprod");
export const cummax = cumulative("cummax");
export const cummin = cumulative("cummin");

// --- structure -------------------------------------------------------------------------
/**
 * Checks a shape argument of a lax function: a list of non-negative integers. lax takes no bare
 * number for a shape (as JAX's lax), so `lax.reshape(x, 6)` says so instead of failing later.
 */
function checkShapeArg(fn: string, shape: unknown, what: string): void {
  if (!Array.isArray(shape) || shape.some((d) => typeof d !== "number" || !Number.isInteger(d) || d < 0))
    throw new TypeError(
      `lax.${fn}: ${what} must be a list of non-negative integers${typeof shape === "number" ? ` (e.g. [${shape}])` : ""}, got ${Array.isArray(shape) ? `[${shape.join(", ")}]` : describe(shape)}`,
    );
}

export function broadcastInDim(x: ArrayLike, shape: readonly number[], broadcastDimensions: readonly number[]): JArray {
  checkShapeArg("broadcastInDim", shape, "shape");
  const [a] = laxOperands("broadcast_in_dim", [x]);
  if (a!.ndim === shape.length && a!.shape.every((d, i) => d === shape[i]) && broadcastDimensions.every((d, i) => d === i)) return a!;
  return bind1("broadcastInDim", [a!], { shape: [...shape], broadcastDimensions: [...broadcastDimensions] });
}

/** Broadcasts by adding leading dims: `broadcast(x, [2, 3])` has shape `[2, 3, ...x.shape]`. */
export function broadcast(x: ArrayLike, sizes: readonly number[]): JArray {
  checkShapeArg("broadcast", sizes, "sizes");
  const [a] = laxOperands("broadcast", [x]);
  return broadcastInDim(a!, [...sizes, ...a!.shape], range(a!.ndim).map((i) => i + sizes.length));
}

export function reshape(x: ArrayLike, newSizes: readonly number[], dimensions?: readonly number[] | null): JArray {
  checkShapeArg("reshape", newSizes, "newSizes");
  let [a] = laxOperands("reshape", [x]);
  if (dimensions) a = transpose(a!, dimensions);
  if (a!.shape.length === newSizes.length && a!.shape.every((d, i) => d === newSizes[i])) return a!;
  return bind1("reshape", [a!], { newSizes: [...newSizes] });
}

export function transpose(x: ArrayLike, permutation: readonly number[]): JArray {
  const [a] = laxOperands("transpose", [x]);
  if (permutation.every((p, i) => p === i) && permutation.length === a!.ndim) return a!;
  return bind1("transpose", [a!], { permutation: [...permutation] });
}

export function squeeze(x: ArrayLike, dimensions: readonly number[]): JArray {
  return bind1("squeeze", laxOperands("squeeze", [x]), { dimensions: [...dimensions] });
}

export function expandDims(x: ArrayLike, dimensions: readonly number[]): JArray {
  const [a] = laxOperands("expand_dims", [x]);
  const ndim = a!.ndim + dimensions.length;
  const dims = dimensions.map((d) => (d < 0 ? d + ndim : d)).sort((p, q) => p - q);
  const shape = [...a!.shape];
  for (const d of dims) shape.splice(d, 0, 1);
  return reshape(a!, shape);
}

export function rev(x: ArrayLike, dimensions: readonly number[]): JArray {
  return bind1("rev", laxOperands("rev", [x]), { dimensions: [...dimensions] });
}

export function slice(x: ArrayLike, startIndices: readonly number[], limitIndices: readonly number[], strides?: readonly number[] | null): JArray {
  return bind1("slice", laxOperands("slice", [x]), {
    startIndices: [...startIndices],
    limitIndices: [...limitIndices],
    strides: strides && strides.some((s) => s !== 1) ? [...strides] : null,
  });
}

/** `sliceInDim(x, start, limit, stride, axis)` as in JAX. */
export function sliceInDim(x: JArray, start: number, limit: number, stride = 1, axis = 0): JArray {
  const starts = x.shape.map((_, i) => (i === axis ? start : 0));
  const limits = x.shape.map((d, i) => (i === axis ? limit : d));
  const strides = x.shape.map((_, i) => (i === axis ? stride : 1));
  return slice(x, starts, limits, strides);
}

export function pad(x: ArrayLike, paddingValue: ArrayLike, paddingConfig: readonly (readonly [number, number, number])[]): JArray {
  const xs = laxOperands("pad", [x, paddingValue]);
  sameDtypes("pad", xs);
  return bind1("pad", xs, { paddingConfig: paddingConfig.map((c) => [c[0], c[1], c[2]] as const) });
}

export function concatenate(operands: readonly ArrayLike[], dimension: number): JArray {
  const xs = laxOperands("concatenate", operands);
  if (xs.length === 1) return xs[0]!;
  return bind1("concatenate", xs, { dimension });
}

/** Start indices as JAX's wrappers take them: negative ones count from the end (the primitive then clamps). */
function startIndicesOf(x: JArray, startIndices: readonly ArrayLike[]): JArray[] {
  return startIndices.map((i, d) => {
    const dim = x.shape[d] ?? 0;
    if (!(i instanceof JArray)) {
      const v = Number(i);
      return scalar(v < 0 ? v + dim : v, "int32");
    }
    return i.dtype === "uint32" ? i : selectN(lt(i, 0), i, add(i, dim));
  });
}

export function dynamicSlice(x: ArrayLike, startIndices: readonly ArrayLike[], sliceSizes: readonly number[]): JArray {
  const [a] = laxOperands("dynamic_slice", [x]);
  const idx = startIndicesOf(a!, startIndices);
  return bind1("dynamicSlice", [a!, ...idx], { sliceSizes: [...sliceSizes] });
}

export function dynamicUpdateSlice(x: ArrayLike, update: ArrayLike, startIndices: readonly ArrayLike[]): JArray {
  const xs = laxOperands("dynamic_update_slice", [x, update]);
  const idx = startIndicesOf(xs[0]!, startIndices);
  return bind1("dynamicUpdateSlice", [...xs, ...idx], {});
}

export function gather(
  operand: JArray,
  startIndices: JArray,
  dimensionNumbers: Partial<GatherDimensionNumbers> & Pick<GatherDimensionNumbers, "offsetDims" | "collapsedSliceDims" | "startIndexMap">,
  sliceSizes: readonly number[],
  opts: { mode?: IndexMode; fillValue?: number | null } = {},
): JArray {
  checkOptions("lax.gather", opts, SPECS.gather, ["operand", "startIndices", "dimensionNumbers", "sliceSizes"]);
  return bind1("gather", [operand, startIndices], {
    dimensionNumbers: {
      offsetDims: [...dimensionNumbers.offsetDims],
      collapsedSliceDims: [...dimensionNumbers.collapsedSliceDims],
      startIndexMap: [...dimensionNumbers.startIndexMap],
      operandBatchingDims: [...(dimensionNumbers.operandBatchingDims ?? [])],
      startIndicesBatchingDims: [...(dimensionNumbers.startIndicesBatchingDims ?? [])],
    },
    sliceSizes: [...sliceSizes],
    mode: opts.mode ?? "fill",
    fillValue: opts.fillValue ?? null,
  });
}

type ScatterPrimitive = "scatter" | "scatterAdd" | "scatterMul" | "scatterMin" | "scatterMax";
const scatterer =
  (p: ScatterPrimitive) =>
  (
    operand: JArray,
    scatterIndices: JArray,
    updates: ArrayLike,
    dimensionNumbers: Partial<ScatterDimensionNumbers> &
      Pick<ScatterDimensionNumbers, "updateWindowDims" | "insertedWindowDims" | "scatterDimsToOperandDims">,
    opts: { mode?: IndexMode } = {},
  ): JArray => {
    checkOptions(`lax.${p}`, opts, SPECS.scatter, ["operand", "scatterIndices", "updates", "dimensionNumbers"]);
    const [u] = laxOperands(primitiveName(p), [operand, updates]).slice(1);
    return bind1(p, [operand, scatterIndices, u!], {
      dimensionNumbers: {
        updateWindowDims: [...dimensionNumbers.updateWindowDims],
        insertedWindowDims: [...dimensionNumbers.insertedWindowDims],
        scatterDimsToOperandDims: [...dimensionNumbers.scatterDimsToOperandDims],
        operandBatchingDims: [...(dimensionNumbers.operandBatchingDims ?? [])],
        scatterIndicesBatchingDims: [...(dimensionNumbers.scatterIndicesBatchingDims ?? [])],
      },
      mode: opts.mode ?? "fill",
    });
  };
export const scatter = scatterer("scatter");
export const scatterAdd = scatterer("scatterAdd");
export const scatterMul = scatterer("scatterMul");
export const scatterMin = scatterer("scatterMin");
export const scatterMax = scatterer("scatterMax");

/** Splits axis `src` into `[size1, rest]` (used to move batches in and out of conv groups). */
export function reshapeAxisOutOf(src: number, size1: number, x: JArray): JArray {
  const shape = [...x.shape];
  shape.splice(src, 1, size1, shape[src]! / size1);
  return reshape(x, shape);
}

/** Merges axis `src` into axis `dst` (numbered without `src`), as its major part. */
export function reshapeAxisInto(src: number, dst: number, x: JArray): JArray {
  const perm = range(x.ndim).filter((i) => i !== src);
  perm.splice(dst, 0, src);
  const shape = x.shape.filter((_, i) => i !== src);
  shape[dst] = shape[dst]! * x.shape[src]!;
  return reshape(transpose(x, perm), shape);
}

// --- contraction ---------------------------------------------------------------------------
export type DotDimensionNumbers = Params<"dotGeneral">["dimensionNumbers"];

export function dotGeneral(x: ArrayLike, y: ArrayLike, dimensionNumbers: DotDimensionNumbers, opts?: { preferredElementType?: DType | null }): JArray;
export function dotGeneral(x: ArrayLike, y: ArrayLike, dimensionNumbers: DotDimensionNumbers, precision?: null, preferredElementType?: DType | null): JArray;
export function dotGeneral(...args: unknown[]): JArray {
  const { lhs: x, rhs: y, dimensionNumbers, ...opts } = bindArgs("lax.dotGeneral", args, SPECS.dotGeneral);
  const xs = laxOperands("dot_general", [x, y]);
  sameDtypes("dot_general", xs);
  const [[lc, rc], [lb, rb]] = dimensionNumbers;
  return bind1("dotGeneral", xs, {
    dimensionNumbers: [
      [[...lc], [...rc]],
      [[...lb], [...rb]],
    ],
    preferredElementType: opts.preferredElementType ?? null,
  });
}

/** `lax.dot`: vector-vector, matrix-vector or matrix-matrix product. */
export function dot(x: JArray, y: JArray): JArray {
  if (x.ndim > 2 || y.ndim > 2 || x.ndim < 1 || y.ndim < 1)
    throw new TypeError(`lax.dot takes rank-1 or rank-2 arrays, got shapes [${x.shape}] and [${y.shape}]`);
  return dotGeneral(x, y, [
    [[x.ndim - 1], [0]],
    [[], []],
  ]);
}

export type ConvPadding = "SAME" | "VALID" | "SAME_LOWER" | Padding;

/** `[lo, hi]` pads per spatial dim that SAME/VALID mean for these sizes (as `lax.padtype_to_pads`). */
export function padtypeToPads(inShape: readonly number[], windowShape: readonly number[], strides: readonly number[], padding: ConvPadding): [number, number][] {
  if (typeof padding !== "string") return padding.map(([lo, hi]) => [lo, hi]);
  if (padding === "VALID") return inShape.map(() => [0, 0]);
  return inShape.map((d, i) => {
    const s = strides[i]!;
    const out = Math.ceil(d / s);
    const total = Math.max(0, (out - 1) * s + windowShape[i]! - d);
    const lo = padding === "SAME" ? Math.floor(total / 2) : Math.ceil(total / 2);
    return [lo, total - lo];
  });
}

/** Dimension numbers from layout strings like `["NHWC", "HWIO", "NHWC"]`. */
export function convDimensionNumbers(lhsRank: number, spec?: readonly [string, string, string] | ConvDimensionNumbers | null): ConvDimensionNumbers {
  if (spec === undefined || spec === null) {
    const all = range(lhsRank);
    return { lhsSpec: all, rhsSpec: all, outSpec: all };
  }
  if (!Array.isArray(spec)) return spec as ConvDimensionNumbers;
  const [l, r, o] = spec as readonly [string, string, string];
  const parse = (s: string, batch: string, feature: string, what: string) => {
    if (s.length !== lhsRank) throw new ValueError(`conv_general_dilated: ${what} spec "${s}" must have ${lhsRank} letters`);
    const b = s.indexOf(batch);
    const f = s.indexOf(feature);
    if (b < 0 || f < 0) throw new ValueError(`conv_general_dilated: ${what} spec "${s}" needs "${batch}" and "${feature}"`);
    const spatial = [...s].map((c, i) => [c, i] as const).filter(([c]) => c !== batch && c !== feature);
    return { b, f, spatial };
  };
  const lhs = parse(l, "N", "C", "lhs");
  const rhs = parse(r, "O", "I", "rhs");
  const out = parse(o, "N", "C", "out");
  // Spatial dims are matched by the order they appear in the rhs spec (as JAX does).
  const order = rhs.spatial.map(([c]) => c);
  const find = (sp: readonly (readonly [string, number])[], c: string, what: string) => {
    const hit = sp.find(([d]) => d === c);
    if (!hit) throw new ValueError(`conv_general_dilated: spatial dim "${c}" missing from the ${what} spec`);
    return hit[1];
  };
  return {
    lhsSpec: [lhs.b, lhs.f, ...order.map((c) => find(lhs.spatial, c, "lhs"))],
    rhsSpec: [rhs.b, rhs.f, ...rhs.spatial.map(([, i]) => i)],
    outSpec: [out.b, out.f, ...order.map((c) => find(out.spatial, c, "out"))],
  };
}

export interface ConvOptions {
  lhsDilation?: readonly number[] | null;
  rhsDilation?: readonly number[] | null;
  dimensionNumbers?: readonly [string, string, string] | ConvDimensionNumbers | null;
  featureGroupCount?: number;
  batchGroupCount?: number;
  preferredElementType?: DType | null;
}

/**
 * `convGeneralDilated(lhs, rhs, windowStrides, padding, lhsDilation?, rhsDilation?,
 * dimensionNumbers?, featureGroupCount?, batchGroupCount?, precision?, preferredElementType?)`
 * in JAX's order (as stax calls it), or with the optional ones in a trailing options object.
 */
export function convGeneralDilated(
  lhs: ArrayLike,
  rhs: ArrayLike,
  windowStrides: readonly number[],
  padding: ConvPadding,
  lhsDilation?: readonly number[] | null,
  rhsDilation?: readonly number[] | null,
  dimensionNumbers?: readonly [string, string, string] | ConvDimensionNumbers | null,
  featureGroupCount?: number,
  batchGroupCount?: number,
  precision?: null,
  preferredElementType?: DType | null,
): JArray;
// The options form last, so `Parameters<typeof convGeneralDilated>[4]` is the options type.
export function convGeneralDilated(lhs: ArrayLike, rhs: ArrayLike, windowStrides: readonly number[], padding: ConvPadding, opts?: ConvOptions): JArray;
export function convGeneralDilated(...args: unknown[]): JArray {
  const { lhs, rhs, windowStrides, padding, ...o } = bindArgs("lax.convGeneralDilated", args, SPECS.convGeneralDilated);
  const opts = o as ConvOptions;
  const [l, r] = laxOperands("conv_general_dilated", [lhs, rhs]) as [JArray, JArray];
  sameDtypes("conv_general_dilated", [l, r]);
  const dn = convDimensionNumbers(l.ndim, opts.dimensionNumbers);
  const nsp = l.ndim - 2;
  const lhsDilation = opts.lhsDilation ?? new Array<number>(nsp).fill(1);
  const rhsDilation = opts.rhsDilation ?? new Array<number>(nsp).fill(1);
  let pads: Padding;
  if (typeof padding === "string") {
    const inShape = dn.lhsSpec.slice(2).map((d, i) => (l.shape[d]! - 1) * lhsDilation[i]! + 1);
    const win = dn.rhsSpec.slice(2).map((d, i) => (r.shape[d]! - 1) * rhsDilation[i]! + 1);
    pads = padtypeToPads(inShape, win, windowStrides, padding);
  } else pads = padding;
  return bind1("convGeneralDilated", [l, r], {
    windowStrides: [...windowStrides],
    padding: pads.map(([lo, hi]) => [lo, hi] as const),
    lhsDilation: [...lhsDilation],
    rhsDilation: [...rhsDilation],
    dimensionNumbers: dn,
    featureGroupCount: opts.featureGroupCount ?? 1,
    batchGroupCount: opts.batchGroupCount ?? 1,
    preferredElementType: opts.preferredElementType ?? null,
  });
}

/** `conv(lhs, rhs, strides, padding)`: NCHW/OIHW convolution, as `lax.conv`. */
export function conv(lhs: JArray, rhs: JArray, windowStrides: readonly number[], padding: ConvPadding): JArray {
  return convGeneralDilated(lhs, rhs, windowStrides, padding);
}

/**
 * `reduceWindow(x, init, op, windowDimensions, windowStrides, padding)` with op one of
 * `lax.add`, `lax.max`, `lax.min`; `init` is combined with each window's result.
 */
export function reduceWindow(
  x: ArrayLike,
  init: ArrayLike,
  op: typeof add | typeof max | typeof min,
  windowDimensions: readonly number[],
  windowStrides?: readonly number[] | null,
  padding?: "SAME" | "VALID" | Padding,
  opts?: { baseDilation?: readonly number[]; windowDilation?: readonly number[] },
): JArray;
export function reduceWindow(
  x: ArrayLike,
  init: ArrayLike,
  op: typeof add | typeof max | typeof min,
  windowDimensions: readonly number[],
  windowStrides?: readonly number[] | null,
  padding?: "SAME" | "VALID" | Padding,
  baseDilation?: readonly number[],
  windowDilation?: readonly number[],
): JArray;
export function reduceWindow(...args: unknown[]): JArray {
  const b = bindArgs("lax.reduceWindow", args, SPECS.reduceWindow);
  const { operand: x, initValue: init, windowDimensions, windowStrides, padding = "VALID", ...opts } = b;
  const op = b.computation as typeof add;
  const [a, i0] = laxOperands("reduce_window", [x, init]) as [JArray, JArray];
  const n = a.ndim;
  const strides = windowStrides ?? new Array<number>(n).fill(1);
  const baseDilation = opts.baseDilation ?? new Array<number>(n).fill(1);
  const windowDilation = opts.windowDilation ?? new Array<number>(n).fill(1);
  const pads =
    typeof padding === "string"
      ? padtypeToPads(
          a.shape.map((d, k) => (d - 1) * baseDilation[k]! + 1),
          windowDimensions.map((w, k) => (w - 1) * windowDilation[k]! + 1),
          strides,
          padding,
        )
      : padding;
  const prim = op === add ? "reduceWindowSum" : op === max ? "reduceWindowMax" : op === min ? "reduceWindowMin" : null;
  if (prim === null) throw new ValueError("lax.reduce_window: op must be lax.add, lax.max or lax.min");
  const out = bind1(prim, [a], {
    windowDimensions: [...windowDimensions],
    windowStrides: [...strides],
    padding: pads.map(([lo, hi]) => [lo, hi] as const),
    baseDilation: [...baseDilation],
    windowDilation: [...windowDilation],
  });
  // The primitives fold from the identity already: combining with it again would only add work
  // (and, for max and min, a tie in the gradient where the result equals it).
  const identity = prim === "reduceWindowSum" ? 0 : prim === "reduceWindowMax" ? -Infinity : Infinity;
  if (typeof init === "number" && init === identity && isFloat(a.dtype)) return out;
  return op(out, i0);
}

// --- sorting ---------------------------------------------------------------------------------
/** Sorts `operands` along `dimension` by the first `numKeys` of them; returns all of them sorted. */
export function sort(operands: JArray | readonly JArray[], opts?: { dimension?: number; isStable?: boolean; numKeys?: number }): any;
export function sort(operands: JArray | readonly JArray[], dimension?: number, isStable?: boolean, numKeys?: number): any;
export function sort(...args: unknown[]): any {
  const { operand: operands, ...opts } = bindArgs("lax.sort", args, SPECS.sort);
  const single = operands instanceof JArray;
  const xs = single ? [operands] : [...operands];
  const dimension = opts.dimension ?? xs[0]!.ndim - 1;
  const out = bind("sort", xs, { dimension, isStable: opts.isStable ?? true, numKeys: opts.numKeys ?? 1 });
  return single ? out[0] : out;
}

export function threefry2x32(k1: JArray, k2: JArray, x1: JArray, x2: JArray): [JArray, JArray] {
  const [a, b] = bind("threefry2x32", [k1, k2, x1, x2], {});
  return [a!, b!];
}

// ---------------------------------------------------------------------------------------
// Structured control flow (src/controlFlow/), each a primitive with closed sub-jaxprs.

export { cond, switch_ as switch } from "./controlFlow/cond.js";
export { whileLoop, foriLoop } from "./controlFlow/loops.js";
export { scan, map } from "./controlFlow/scan.js";
export { associativeScan } from "./controlFlow/associativeScan.js";
export type { ForiLoopOptions } from "./controlFlow/loops.js";
export type { ScanOptions, MapOptions } from "./controlFlow/scan.js";
export type { AssociativeScanOptions } from "./controlFlow/associativeScan.js";
export * as linalg from "./linalg/laxLinalg.js";
export { convTranspose, convWithGeneralPadding } from "./laxExtra/convTranspose.js";
export type { ConvTransposeOptions } from "./laxExtra/convTranspose.js";
export { topK } from "./laxExtra/topK.js";
