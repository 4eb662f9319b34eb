/**
 * Variadic sort along one dimension: every line of every operand is permuted by the
 * stable order of the first `numKeys` operands, compared lexicographically.
 *
 * Floats use JAX's comparator: NaNs (of either sign) sort after everything else and are
 * equal to each other, and -0.0 equals +0.0 (JAX canonicalizes both before comparing, so
 * the stable sort keeps their original order).
 */
import { type RefBuffer, type RefImpl, alloc, at, stridedOffsets, stridesOf } from "./util.js";

/** Total order of JAX's sort comparator on JS numbers: -1, 0 or 1. */
export function compareForSort(a: number, b: number): number {
  const an = Number.isNaN(a);
  const bn = Number.isNaN(b);
  if (an || bn) return an && bn ? 0 : an ? 1 : -1;
  return a < b ? -1 : a > b ? 1 : 0; // -0 === +0
}

export const sortImpl: RefImpl<"sort"> = (inputs, inAvals, { dimension, numKeys }, outAvals) => {
  const shape = at(inAvals, 0).shape;
  const n = shape[dimension]!;
  const strides = stridesOf(shape);
  const stride = strides[dimension]!;
  const outs: RefBuffer[] = outAvals.map((a) => alloc(a));
  const keys = inputs.slice(0, numKeys);
  // The first element of every line along `dimension`.
  const lines = stridedOffsets(
    shape.map((d, i) => (i === dimension ? 1 : d)),
    strides,
  );
  const order = new Array<number>(n);
  for (let l = 0; l < lines.length; l++) {
    const base = lines[l]!;
    for (let j = 0; j < n; j++) order[j] = j;
    order.sort((i, j) => {
      for (const k of keys) {
        const c = compareForSort(k[base + i * stride]!, k[base + j * stride]!);
        if (c !== 0) return c;
      }
      return i - j; // stable, whatever the engine's sort is
    });
    // Element `to` of the sorted line is element order[to] of the input line, in every operand.
    for (let k = 0; k < inputs.length; k++) {
      const [x, out] = [inputs[k]!, outs[k]!];
      for (let to = 0; to < n; to++) out[base + to * stride] = x[base + order[to]! * stride]!;
    }
  }
  return outs;
};
