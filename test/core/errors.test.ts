import { describe, expect, it } from "vitest";
import { IndexError, ValueError, grad, numpy as np } from "../../src/index.js";

/** Asserts that `f` throws `cls` with a message matching every pattern, and that `inputs` are unchanged. */
function expectError(f: () => unknown, cls: new (...args: any[]) => Error, patterns: RegExp[], inputs: np.Array[]) {
  const before = inputs.map((x) => x.tolist());
  let error: unknown;
  try {
    f();
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(cls);
  for (const p of patterns) expect((error as Error).message).toMatch(p);
  inputs.forEach((x, i) => expect(x.tolist()).toEqual(before[i]));
}

describe("bad input at the API boundary names the function, the argument and the shapes", () => {
  const a = np.ones([2, 3]);
  const b = np.ones([4, 5]);

  it("broadcast mismatch: ValueError", () => {
    expectError(() => np.add(a, np.ones([4])), ValueError, [/add/, /\(2, 3\)/, /\(4,\)/], [a]);
    expectError(() => np.broadcastTo(np.ones([3]), [4, 2]), ValueError, [/broadcastTo/, /\(3,\)/, /\(4, 2\)/], []);
    expectError(() => a.mul(np.ones([3, 2])), ValueError, [/multiply/, /\(2, 3\)/, /\(3, 2\)/], [a]);
  });

  it("bad axis: ValueError naming the axis and the rank", () => {
    expectError(() => np.sum(a, 2), ValueError, [/sum/, /axis 2/, /dimension 2/], [a]);
    expectError(() => np.concatenate([a, a], -3), ValueError, [/concatenate/, /-3/], [a]);
    expectError(() => np.argmax(a, 5), ValueError, [/argmax/, /5/], [a]);
    expectError(() => np.expandDims(a, 4), ValueError, [/expandDims/], [a]);
  });

  it("matmul inner dimension mismatch: TypeError (as JAX) with both shapes", () => {
    expectError(() => np.matmul(a, b), TypeError, [/matmul/, /\(2, 3\)/, /\(4, 5\)/], [a, b]);
    expectError(() => np.dot(a, b), TypeError, [/dot/, /\(2, 3\)/, /\(4, 5\)/], [a, b]);
  });

  it("reshape size mismatch: TypeError (as JAX) with both shapes and sizes", () => {
    expectError(() => np.reshape(a, [4, 2]), TypeError, [/reshape/, /\(2, 3\)/, /size 6/, /\(4, 2\)/], [a]);
    expectError(() => a.reshape([7]), TypeError, [/reshape/, /\(7,\)/], [a]);
  });

  it("unsupported dtype: TypeError naming the dtype", () => {
    expectError(() => np.zeros([2], { dtype: "bfloat16" as np.DType }), TypeError, [/zeros|full/, /bfloat16/], []);
    expectError(() => a.astype("int64" as np.DType), TypeError, [/astype/, /int64/], [a]);
    expectError(() => np.array([1, 2], { dtype: "complex64" as np.DType }), TypeError, [/np\.array/, /complex64/], []);
  });

  it("out-of-range index: IndexError naming the index, the axis and the size", () => {
    expectError(() => a.slice(5), IndexError, [/index 5/, /axis 0/, /size 2/], [a]);
    expectError(() => a.slice(0, -4), IndexError, [/-4/, /axis 1/, /size 3/], [a]);
  });

  it("grad of a non-scalar function: TypeError with the shape; integer input: TypeError", () => {
    expectError(() => grad((x: np.Array) => np.sin(x))(np.ones([3])), TypeError, [/scalar/, /\[3\]/], []);
    expectError(() => grad((x: np.Array) => np.sum(x))(np.arange(3)), TypeError, [/int32/], []);
  });

  it("errors leave the arguments usable", () => {
    expect(() => np.add(a, b)).toThrow();
    expect(np.add(a, a).tolist()).toEqual([
      [2, 2, 2],
      [2, 2, 2],
    ]);
  });
});
