/**
 * The ndarray methods NumPy users reach for (`x.std()`, `x.var(0, {ddof: 1})`, `x.cumsum()`,
 * `x.clip(0, 1)`, ...): each is the np function of the same name, with numpy's positional axis
 * and the options object last.
 */
import { describe, expect, it } from "vitest";
import { grad, jit, numpy as np } from "../../src/index.js";

type Arr = np.Array;
const x = np.array([
  [3, -1, 2],
  [0.5, 4, -2],
]);
const same = (a: Arr, b: Arr) => {
  expect(a.shape).toEqual(b.shape);
  expect(a.dtype).toBe(b.dtype);
  expect(a.tolist()).toEqual(b.tolist());
};

describe("array methods", () => {
  it("reductions: each equals the np function with the same axis and options", () => {
    for (const axis of [undefined, null, 0, 1, -1, [0, 1]] as const) {
      same(x.var(axis), np.var(x, axis));
      same(x.std(axis, { ddof: 1 }), np.std(x, axis, { ddof: 1 }));
      same(x.all(axis), np.all(x, axis));
      same(x.any(axis, { keepdims: true }), np.any(x, axis, { keepdims: true }));
      same(x.sum(axis), np.sum(x, axis));
      same(x.mean(axis), np.mean(x, axis));
      same(x.prod(axis), np.prod(x, axis));
      same(x.max(axis), np.max(x, axis));
      same(x.min(axis), np.min(x, axis));
    }
    expect(x.std().item()).toBeCloseTo(Math.sqrt(np.var(x).item() as number), 6);
    same(x.argmax(1), np.argmax(x, 1));
    same(x.argmin(), np.argmin(x));
  });

  it("scans, sorting, take, clip, round, swapaxes, squeeze, ravel", () => {
    same(x.cumsum(), np.cumsum(x));
    same(x.cumsum(1), np.cumsum(x, 1));
    same(x.cumprod(0, { dtype: "float64" }), np.cumprod(x, 0, { dtype: "float64" }));
    same(x.sort(), np.sort(x));
    same(x.sort(0), np.sort(x, 0));
    same(x.argsort(null), np.argsort(x, null));
    same(x.take(np.array(Int32Array.from([2, 0]))), np.take(x, np.array(Int32Array.from([2, 0]))));
    same(x.take(np.array(Int32Array.from([1])), 1), np.take(x, np.array(Int32Array.from([1])), 1));
    same(x.clip(0, 2), np.clip(x, 0, 2));
    same(x.clip(null, 1), np.clip(x, null, 1));
    same(np.array([1.26, -2.5]).round(1), np.round(np.array([1.26, -2.5]), 1));
    same(x.swapaxes(0, 1), np.swapaxes(x, 0, 1));
    same(x.reshape([1, 2, 3]).squeeze(0), x);
    same(x.ravel(), np.ravel(x));
  });

  it("work on tracers: under jit and grad", () => {
    const f = (a: Arr) => a.std(0).sum();
    expect(jit(f)(x).item()).toBeCloseTo(f(x).item() as number, 6);
    const g = grad((a: Arr) => a.clip(-1, 1).cumsum().sum())(x);
    expect(g.shape).toEqual([2, 3]);
  });
});
