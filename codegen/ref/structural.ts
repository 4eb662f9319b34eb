/**
 * Primitives that move elements without computing on them: broadcastInDim, reshape,
 * transpose, squeeze, rev, slice, pad, concatenate, iota, dynamicSlice and
 * dynamicUpdateSlice. Each is written as "for every output index, which input element"
 * (or, for pad/concatenate/dynamicUpdateSlice, "for every input index, which output
 * element"), and that map is always affine: flat offset = base + sum of idx[d] * stride[d].
 * So each primitive only works out its base and per-dim strides, and `copyStrided` moves
 * the elements.
 */
import { castScalar } from "../../ir/dtype.js";
import type { ShapedArray } from "../../ir/aval.js";
import { type RefBuffer, type RefImpl, alloc, at, clampInt, copyStrided, flatIndex, stridedOffsets, stridesOf } from "./util.js";

/** A fresh output where out[idx] = x[base + sum of idx[d] * srcStrides[d]] for every output index. */
function gatherStrided(outAval: ShapedArray, x: RefBuffer, base: number, srcStrides: readonly number[]): RefBuffer {
  const out = alloc(outAval);
  copyStrided(outAval.shape, out, 0, stridesOf(outAval.shape), x, base, srcStrides);
  return out;
}

/** Output dim broadcastDimensions[i] reads input dim i (stride 0 where the input dim is 1); other output dims broadcast. */
export const broadcastInDimImpl: RefImpl<"broadcastInDim"> = (inputs, inAvals, { broadcastDimensions }, outAvals) => {
  const x = at(inputs, 0);
  const inShape = at(inAvals, 0).shape;
  const inStrides = stridesOf(inShape);
  const outAval = at(outAvals, 0);
  if (x.length === 1) return [alloc(outAval).fill(x[0]!)]; // every output element is the one input element
  const srcStrides = new Array<number>(outAval.ndim).fill(0);
  broadcastDimensions.forEach((d, i) => (srcStrides[d] = inShape[i] === 1 ? 0 : inStrides[i]!));
  return [gatherStrided(outAval, x, 0, srcStrides)];
};

/** reshape and squeeze: the row-major element order is unchanged. */
export const reshapeImpl: RefImpl<"reshape" | "squeeze"> = (inputs) => [at(inputs, 0).slice()];

/** Output dim k is input dim permutation[k]. */
export const transposeImpl: RefImpl<"transpose"> = (inputs, inAvals, { permutation }, outAvals) => {
  const inStrides = stridesOf(at(inAvals, 0).shape);
  const outAval = at(outAvals, 0);
  const srcStrides = permutation.map((p) => inStrides[p]!);
  return [gatherStrided(outAval, at(inputs, 0), 0, srcStrides)];
};

/** Output index v of a reversed dim d reads input index shape[d] - 1 - v. */
export const revImpl: RefImpl<"rev"> = (inputs, inAvals, { dimensions }, outAvals) => {
  const shape = at(inAvals, 0).shape;
  const strides = stridesOf(shape);
  let base = 0;
  const srcStrides = strides.map((s, d) => {
    if (!dimensions.includes(d)) return s;
    base += (shape[d]! - 1) * s;
    return -s;
  });
  return [gatherStrided(at(outAvals, 0), at(inputs, 0), base, srcStrides)];
};

/** Output index v of dim d reads input index startIndices[d] + v * strides[d]. */
export const sliceImpl: RefImpl<"slice"> = (inputs, inAvals, { startIndices, strides }, outAvals) => {
  const inStrides = stridesOf(at(inAvals, 0).shape);
  const outAval = at(outAvals, 0);
  let base = 0;
  const srcStrides = inStrides.map((s, d) => {
    base += startIndices[d]! * s;
    return (strides?.[d] ?? 1) * s;
  });
  return [gatherStrided(outAval, at(inputs, 0), base, srcStrides)];
};

/**
 * Writes x (of inShape) into out (of outShape) as pad places it: input element i of a dim
 * lands at lo + i * (interior + 1); those that land outside the output (negative lo/hi
 * crop) are dropped. Elements of out that no input lands on are left as they are.
 */
export function padInto(out: RefBuffer, outShape: readonly number[], x: RefBuffer, inShape: readonly number[], paddingConfig: readonly (readonly [number, number, number])[]): RefBuffer {
  const inStrides = stridesOf(inShape);
  const outStrides = stridesOf(outShape);
  // Per dim, the input indices first .. first + count - 1 are the ones that land inside.
  const count: number[] = [];
  const dstStrides: number[] = [];
  let srcBase = 0;
  let dstBase = 0;
  paddingConfig.forEach(([lo, , interior], d) => {
    const step = interior + 1;
    const first = Math.max(0, Math.ceil(-lo / step)); // the smallest i with lo + i * step >= 0
    const end = Math.min(inShape[d]!, Math.floor((outShape[d]! - 1 - lo) / step) + 1); // past the largest with lo + i * step < out
    count.push(Math.max(0, end - first));
    srcBase += first * inStrides[d]!;
    dstBase += (lo + first * step) * outStrides[d]!;
    dstStrides.push(step * outStrides[d]!);
  });
  copyStrided(count, out, dstBase, dstStrides, x, srcBase, inStrides);
  return out;
}

/**
 * Input element i of a dim lands at lo + i * (interior + 1); negative lo/hi crop. Every
 * other output element is the padding value.
 */
export const padImpl: RefImpl<"pad"> = (inputs, inAvals, { paddingConfig }, outAvals) => {
  const [x, value] = [at(inputs, 0), at(inputs, 1)];
  const outAval = at(outAvals, 0);
  const out = alloc(outAval).fill(value[0]!);
  return [padInto(out, outAval.shape, x, at(inAvals, 0).shape, paddingConfig)];
};

/** Operand k lands at offset (sum of the earlier operands' sizes) along `dimension`. */
export const concatenateImpl: RefImpl<"concatenate"> = (inputs, inAvals, { dimension }, outAvals) => {
  const outAval = at(outAvals, 0);
  const outStrides = stridesOf(outAval.shape);
  const out = alloc(outAval);
  let offset = 0;
  inputs.forEach((x, k) => {
    const shape = at(inAvals, k).shape;
    copyStrided(shape, out, offset * outStrides[dimension]!, outStrides, x, 0, stridesOf(shape));
    offset += shape[dimension]!;
  });
  return [out];
};

/** Every element is its own index along `dimension`: sum of idx[d] * (d === dimension ? 1 : 0). */
export const iotaImpl: RefImpl<"iota"> = (_inputs, _inAvals, { dtype, dimension }, outAvals) => {
  const outAval = at(outAvals, 0);
  const out = alloc(outAval);
  const index = stridedOffsets(
    outAval.shape,
    outAval.shape.map((_, d) => (d === dimension ? 1 : 0)),
  );
  // An index is an exact integer: storing it is castScalar for every dtype but bool (which is index != 0).
  if (dtype === "bool") for (let i = 0; i < out.length; i++) out[i] = castScalar(index[i]!, dtype);
  else out.set(index);
  return [out];
};

/** Start indices, clamped (as XLA does) so that a window of `sizes` fits in `shape`. */
function clampedStarts(starts: readonly RefBuffer[], shape: readonly number[], sizes: readonly number[]): number[] {
  return shape.map((d, i) => clampInt(at(starts, i)[0]!, 0, d - sizes[i]!));
}

/** Output index v of dim d reads input index start[d] + v. */
export const dynamicSliceImpl: RefImpl<"dynamicSlice"> = (inputs, inAvals, { sliceSizes }, outAvals) => {
  const [x, ...starts] = inputs as [RefBuffer, ...RefBuffer[]];
  const shape = at(inAvals, 0).shape;
  const inStrides = stridesOf(shape);
  const start = clampedStarts(starts, shape, sliceSizes);
  const outAval = at(outAvals, 0);
  return [gatherStrided(outAval, x, flatIndex(start, inStrides), inStrides)];
};

/** A copy of x where update element v lands at start + v. */
export const dynamicUpdateSliceImpl: RefImpl<"dynamicUpdateSlice"> = (inputs, inAvals, _params, _outAvals) => {
  const [x, update, ...starts] = inputs as [RefBuffer, RefBuffer, ...RefBuffer[]];
  const shape = at(inAvals, 0).shape;
  const updShape = at(inAvals, 1).shape;
  const strides = stridesOf(shape);
  const start = clampedStarts(starts, shape, updShape);
  const out = x.slice();
  copyStrided(updShape, out, flatIndex(start, strides), strides, update, 0, stridesOf(updShape));
  return [out];
};
