/**
 * Post-training int8 quantization (the seed's "model lightweighting"): symmetric int8 values
 * with float scales, per channel. `quantize(x)` gives `{q, scale}` with
 * `x ≈ dequantize({q, scale}) = q * scale`, q in [-127, 127] (the symmetric range: -128 is
 * left out so that negating a quantized value cannot overflow) and `scale` shaped like `x`
 * with every dim but `axis` reduced to 1, so it broadcasts against `q`.
 *
 * Weights stored this way are 4x smaller than float32. Inference can either dequantize them
 * (weight-only quantization) or stay in int8: `lax.dotGeneral`/`lax.convGeneralDilated` of int8
 * operands with `preferredElementType: "int32"` accumulate exactly in int32, and the product
 * of the two scales brings the result back to float.
 */
import { isFloat } from "../../ir/dtype.js";
import type { JArray } from "../core/array.js";
import { asArray } from "../numpy/util.js";
import { arrayLike, bindArgs, fn, int, keywordOnly, kind, object, orNull, required } from "../core/options.js";
import { ValueError } from "../errors.js";
import * as lax from "../lax.js";
import * as np from "../numpy/index.js";
import * as tree from "../tree.js";

/** The int8 values and their float scales. */
export interface Quantized {
  q: JArray;
  scale: JArray;
}

const QMAX = 127;

function quantizeImpl(fname: string, x: JArray, axis: number | null): Quantized {
  if (!isFloat(x.dtype)) throw new TypeError(`${fname}: x must be a float array, got ${x.dtype}[${x.shape}]`);
  let reduce: number[];
  if (axis === null) reduce = x.shape.map((_, d) => d);
  else {
    if (axis < -x.ndim || axis >= x.ndim) throw new ValueError(`${fname}: axis ${axis} is out of range for x of shape [${x.shape}]`);
    const a = axis < 0 ? axis + x.ndim : axis;
    reduce = x.shape.map((_, d) => d).filter((d) => d !== a);
  }
  const amax = reduce.length > 0 ? np.max(np.abs(x), reduce, { keepdims: true }) : np.abs(x);
  // An all-zero channel gets scale 1, so that q = 0 and nothing divides by zero.
  const scale = np.where(np.greater(amax, 0), np.divide(amax, QMAX), np.onesLike(amax));
  const q = lax.convertElementType(np.clip(np.round(np.divide(x, scale)), -QMAX, QMAX), "int8");
  return { q, scale };
}

/**
 * `quant.quantize(x, {axis = -1})`: symmetric int8 quantization of a float array, one scale
 * per index of `axis` (the output channel of stax's Dense `[in, out]` and Conv `HWIO` weights),
 * or one scale for the whole array with `axis: null`.
 */
export function quantize(...args: unknown[]): Quantized {
  const a = bindArgs("quant.quantize", args, { x: required(arrayLike), axis: keywordOnly(orNull(int)) });
  return quantizeImpl("quant.quantize", asArray(a.x, "quant.quantize"), a.axis === undefined ? -1 : a.axis);
}

const quantizedKind = kind<Quantized>("a {q, scale} object of arrays", (v) => isQuantized(v), true);

/** Whether a value is a `{q, scale}` pair as `quantize` returns. */
export function isQuantized(v: unknown): v is Quantized {
  if (typeof v !== "object" || v === null || Array.isArray(v)) return false;
  const keys = Object.keys(v).sort();
  const o = v as Record<string, unknown>;
  return keys.length === 2 && keys[0] === "q" && keys[1] === "scale" && o.q instanceof np.Array && o.scale instanceof np.Array;
}

/** `quant.dequantize({q, scale})`: the float array `q * scale` (in the scale's dtype). */
export function dequantize(...args: unknown[]): JArray {
  const a = bindArgs("quant.dequantize", args, { quantized: required(quantizedKind) });
  const { q, scale } = a.quantized;
  if (q.dtype !== "int8") throw new TypeError(`quant.dequantize: q must be int8, got ${q.dtype}[${q.shape}]`);
  return np.multiply(lax.convertElementType(q, scale.dtype), scale);
}

/**
 * `quant.quantizeParams(params, {axis = -1, skip?})`: every float leaf of a params tree with
 * at least two dims longer than 1 (a matrix or a filter) becomes `{q, scale}`; the rest
 * (biases, stax's `[1, 1, 1, C]` conv biases, BatchNorm statistics: small, and sensitive to
 * rounding) stays as it is. `skip(leaf)` returning true keeps a leaf in float too.
 */
export function quantizeParams(...args: unknown[]): unknown {
  const fname = "quant.quantizeParams";
  const a = bindArgs(fname, args, { params: required(object), axis: keywordOnly(orNull(int)), skip: keywordOnly(fn) });
  const axis = a.axis === undefined ? -1 : a.axis;
  const skip = a.skip ?? ((_: JArray) => false);
  return tree.map((leaf: unknown) => {
    if (!(leaf instanceof np.Array) || !isFloat(leaf.dtype) || leaf.shape.filter((d) => d > 1).length < 2 || skip(leaf)) return leaf;
    return quantizeImpl(fname, leaf, axis);
  }, a.params);
}

/** `quant.dequantizeParams(qparams)`: the float params tree back, every `{q, scale}` dequantized. */
export function dequantizeParams(...args: unknown[]): unknown {
  const a = bindArgs("quant.dequantizeParams", args, { params: required(object) });
  return tree.map((x: unknown) => (isQuantized(x) ? dequantize(x) : x), a.params, { isLeaf: isQuantized });
}

/** Bytes a params tree takes (int8 values, float scales and all), for comparing model sizes. */
export function paramBytes(...args: unknown[]): number {
  const a = bindArgs("quant.paramBytes", args, { params: required(object) });
  const sizes: Record<string, number> = { float64: 8, float32: 4, int32: 4, uint32: 4, float16: 2, int8: 1, uint8: 1, bool: 1 };
  return tree.leaves(a.params).reduce((n: number, l: unknown) => n + (l instanceof np.Array ? l.size * sizes[l.dtype]! : 0), 0);
}

export { calibrate, quantizedApply } from "./calibrate.js";
