/**
 * Variadic sort along one dimension: every line of every operand is permuted by the
 * stable order of the first `numKeys` operands, compared lexicographically.
 *
 * Floats use JAX's comparator: NaNs (of either sign) sort after everything else and are
 * equal to each other, and -0.0 equals +0.0 (JAX canonicalizes both before comparing, so
 * the stable sort keeps their original order).
 */
import { type RefBuffer, type RefImpl, alloc, at, forEachIndex, stridesOf } from "./util.js";

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
  forEachIndex(
    shape.map((d, i) => (i === dimension ? 1 : d)),
    (idx) => {
      const base = idx.reduce((f, v, d) => f + v * strides[d]!, 0);
      const pos = (j: number) => base + j * stride;
      const order = Array.from({ length: n }, (_, j) => j);
      order.sort((i, j) => {
        for (const k of keys) {
          const c = compareForSort(k[pos(i)]!, k[pos(j)]!);
          if (c !== 0) return c;
        }
        return i - j; // stable, whatever the engine's sort is
      });
      inputs.forEach((x, k) => order.forEach((from, to) => (at(outs, k)[pos(to)] = x[pos(from)]!)));
    },
  );
  return outs;
};
