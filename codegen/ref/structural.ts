/**
 * Primitives that move elements without computing on them: broadcastInDim, reshape,
 * transpose, squeeze, rev, slice, pad, concatenate, iota, dynamicSlice and
 * dynamicUpdateSlice. Each is written as "for every output index, which input element".
 */
import { castScalar } from "../../ir/dtype.js";
import { type RefBuffer, type RefImpl, alloc, at, clampInt, flatIndex, forEachIndex, stridesOf } from "./util.js";

export const broadcastInDimImpl: RefImpl<"broadcastInDim"> = (inputs, inAvals, { broadcastDimensions }, outAvals) => {
  const x = at(inputs, 0);
  const inShape = at(inAvals, 0).shape;
  const inStrides = stridesOf(inShape);
  const outAval = at(outAvals, 0);
  const out = alloc(outAval);
  forEachIndex(outAval.shape, (idx, flat) => {
    let src = 0;
    broadcastDimensions.forEach((d, i) => (src += (inShape[i] === 1 ? 0 : idx[d]!) * inStrides[i]!));
    out[flat] = x[src]!;
  });
  return [out];
};

/** reshape and squeeze: the row-major element order is unchanged. */
export const reshapeImpl: RefImpl<"reshape" | "squeeze"> = (inputs) => [at(inputs, 0).slice()];

/** Output dim k is input dim permutation[k]. */
export const transposeImpl: RefImpl<"transpose"> = (inputs, inAvals, { permutation }, outAvals) => {
  const x = at(inputs, 0);
  const inStrides = stridesOf(at(inAvals, 0).shape);
  const outAval = at(outAvals, 0);
  const out = alloc(outAval);
  forEachIndex(outAval.shape, (idx, flat) => {
    let src = 0;
    permutation.forEach((p, k) => (src += idx[k]! * inStrides[p]!));
    out[flat] = x[src]!;
  });
  return [out];
};

export const revImpl: RefImpl<"rev"> = (inputs, inAvals, { dimensions }, outAvals) => {
  const x = at(inputs, 0);
  const shape = at(inAvals, 0).shape;
  const strides = stridesOf(shape);
  const out = alloc(at(outAvals, 0));
  forEachIndex(shape, (idx, flat) => {
    const src = idx.map((v, d) => (dimensions.includes(d) ? shape[d]! - 1 - v : v));
    out[flat] = x[flatIndex(src, strides)]!;
  });
  return [out];
};

export const sliceImpl: RefImpl<"slice"> = (inputs, inAvals, { startIndices, strides }, outAvals) => {
  const x = at(inputs, 0);
  const inStrides = stridesOf(at(inAvals, 0).shape);
  const outAval = at(outAvals, 0);
  const out = alloc(outAval);
  forEachIndex(outAval.shape, (idx, flat) => {
    const src = idx.map((v, d) => startIndices[d]! + v * (strides?.[d] ?? 1));
    out[flat] = x[flatIndex(src, inStrides)]!;
  });
  return [out];
};

/**
 * Input element i of a dim lands at lo + i * (interior + 1); negative lo/hi crop. Every
 * other output element is the padding value.
 */
export const padImpl: RefImpl<"pad"> = (inputs, inAvals, { paddingConfig }, outAvals) => {
  const [x, value] = [at(inputs, 0), at(inputs, 1)];
  const outAval = at(outAvals, 0);
  const outShape = outAval.shape;
  const outStrides = stridesOf(outShape);
  const out = alloc(outAval).fill(value[0]!);
  forEachIndex(at(inAvals, 0).shape, (idx, flat) => {
    let dst = 0;
    for (let d = 0; d < idx.length; d++) {
      const [lo, , interior] = paddingConfig[d]!;
      const p = lo + idx[d]! * (interior + 1);
      if (p < 0 || p >= outShape[d]!) return; // cropped away
      dst += p * outStrides[d]!;
    }
    out[dst] = x[flat]!;
  });
  return [out];
};

export const concatenateImpl: RefImpl<"concatenate"> = (inputs, inAvals, { dimension }, outAvals) => {
  const outAval = at(outAvals, 0);
  const outStrides = stridesOf(outAval.shape);
  const out = alloc(outAval);
  let offset = 0;
  inputs.forEach((x, k) => {
    const shape = at(inAvals, k).shape;
    forEachIndex(shape, (idx, flat) => {
      let dst = 0;
      idx.forEach((v, d) => (dst += (d === dimension ? v + offset : v) * outStrides[d]!));
      out[dst] = x[flat]!;
    });
    offset += shape[dimension]!;
  });
  return [out];
};

export const iotaImpl: RefImpl<"iota"> = (_inputs, _inAvals, { dtype, dimension }, outAvals) => {
  const outAval = at(outAvals, 0);
  const out = alloc(outAval);
  forEachIndex(outAval.shape, (idx, flat) => (out[flat] = castScalar(idx[dimension]!, dtype)));
  return [out];
};

/** Start indices, clamped (as XLA does) so that a window of `sizes` fits in `shape`. */
function clampedStarts(starts: readonly RefBuffer[], shape: readonly number[], sizes: readonly number[]): number[] {
  return shape.map((d, i) => clampInt(at(starts, i)[0]!, 0, d - sizes[i]!));
}

export const dynamicSliceImpl: RefImpl<"dynamicSlice"> = (inputs, inAvals, { sliceSizes }, outAvals) => {
  const [x, ...starts] = inputs as [RefBuffer, ...RefBuffer[]];
  const shape = at(inAvals, 0).shape;
  const inStrides = stridesOf(shape);
  const start = clampedStarts(starts, shape, sliceSizes);
  const outAval = at(outAvals, 0);
  const out = alloc(outAval);
  forEachIndex(outAval.shape, (idx, flat) => {
    out[flat] = x[flatIndex(idx.map((v, d) => v + start[d]!), inStrides)]!;
  });
  return [out];
};

export const dynamicUpdateSliceImpl: RefImpl<"dynamicUpdateSlice"> = (inputs, inAvals, _params, _outAvals) => {
  const [x, update, ...starts] = inputs as [RefBuffer, RefBuffer, ...RefBuffer[]];
  const shape = at(inAvals, 0).shape;
  const updShape = at(inAvals, 1).shape;
  const strides = stridesOf(shape);
  const start = clampedStarts(starts, shape, updShape);
  const out = x.slice();
  forEachIndex(updShape, (idx, flat) => {
    out[flatIndex(idx.map((v, d) => v + start[d]!), strides)] = update[flat]!;
  });
  return [out];
};
