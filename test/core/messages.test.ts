/**
 * Error messages that used to confuse (issue 10): each names the function, the argument and what
 * it accepts, and never calls a JS array "Array" (our array class's name) or says "undefined undefined".
 */
import { describe, expect, it } from "vitest";
import { ConcretizationTypeError, jit, lax, numpy as np, random, ValueError } from "../../src/index.js";

type Arr = np.Array;

describe("one-argument np.where", () => {
  it("is nonzero eagerly, as in NumPy and JAX", () => {
    const [i] = np.where(np.array([1, 0, 2]));
    expect(i!.tolist()).toEqual([0, 2]);
    const [r, c] = np.where(np.array([[0, 1], [1, 0]]), { size: 3 });
    expect(r!.tolist()).toEqual([0, 1, 0]);
    expect(c!.tolist()).toEqual([1, 0, 0]);
  });

  it("under jit is a ConcretizationTypeError that says why and what to use", () => {
    const f = jit((x: Arr) => np.where(x)[0]!);
    expect(() => f(np.array([1, 0, 2]))).toThrow(ConcretizationTypeError);
    expect(() => f(np.array([1, 0, 2]))).toThrow(
      "where: the one-argument form where(condition) is nonzero(condition), whose result's shape depends on the values of the condition, so it cannot run on the abstract f32[3] condition inside a transform (jit, vmap); use the three-argument form where(condition, x, y) there",
    );
  });

  it("x without y is a ValueError, as JAX's", () => {
    expect(() => (np.where as (...a: unknown[]) => unknown)(np.array([true]), np.array([1]))).toThrow(ValueError);
    expect(() => (np.where as (...a: unknown[]) => unknown)(np.array([true]), np.array([1]))).toThrow(
      "where: either both or neither of the x and y arguments should be given (where(condition, x, y) or where(condition)), got x=an array f32[1] and y=undefined (a missing argument?)",
    );
  });
});

describe("shapes given as numbers or objects", () => {
  it("numpy and random accept a number as the shape [n], as NumPy does", () => {
    expect(np.zeros(3).shape).toEqual([3]);
    expect(np.broadcastTo(np.array(1), 3).shape).toEqual([3]);
    expect(random.uniform(random.key(0), 3).shape).toEqual([3]);
  });

  it("lax takes lists only (as JAX's lax) and says so instead of 'shape is not iterable'", () => {
    expect(() => lax.broadcastInDim(np.array(1), 3 as never, [])).toThrow("lax.broadcastInDim: shape must be a list of non-negative integers (e.g. [3]), got number 3");
    expect(() => lax.reshape(np.zeros([3]), 3 as never)).toThrow("lax.reshape: newSizes must be a list of non-negative integers (e.g. [3]), got number 3");
    expect(() => lax.broadcast(np.array(1), [2, -1])).toThrow("lax.broadcast: sizes must be a list of non-negative integers, got [2, -1]");
  });

  it("an options object where random expects a shape is the options form (shape by name); a wrong key names the options", () => {
    expect(random.uniform(random.key(0), { shape: [2] } as never).shape).toEqual([2]);
    expect(() => random.uniform(random.key(0), { shpe: [2] } as never)).toThrow('random.uniform: unknown option "shpe"');
  });
});

describe("allclose and isclose", () => {
  it("take NumPy's positional rtol, atol, equalNan as well as the options object", () => {
    const a = np.array([1, NaN]);
    const b = np.array([1.001, NaN]);
    expect(np.allclose(a, b, 1e-2, 0, true)).toBe(true);
    expect(np.allclose(a, b, { rtol: 1e-2, atol: 0, equalNan: true })).toBe(true);
    expect(np.allclose(a, b, 1e-2)).toBe(false); // NaN != NaN without equalNan
    expect(np.isclose(a, b, 1e-4).tolist()).toEqual([false, false]);
  });

  it("errors name allclose and list its options (not isclose, not keepdims)", () => {
    expect(() => np.allclose(np.array([1]), np.array([1]), { tol: 1 } as never)).toThrow(
      'np.allclose: unknown option "tol" (did you mean rtol?); the options are rtol, atol, equalNan. Usage: np.allclose(a, b, rtol?, atol?, equalNan?) or np.allclose(a, b, {rtol?, atol?, equalNan?})',
    );
    expect(() => np.allclose(np.array([1]), np.array([1]), "1e-3" as never)).toThrow('np.allclose: rtol must be a number, got "1e-3"');
    expect(() => np.isclose(np.array([1]), np.array([1]), 1, 1, 1 as never)).toThrow("np.isclose: equalNan must be a boolean, got 1");
  });
});

describe("JS arrays where arrays are expected", () => {
  it("say 'a JS array (nested list)' and point to np.array, never 'an object of type Array'", () => {
    for (const f of [() => np.add([1, 2] as never, 1), () => np.sum([1, 2] as never), () => np.exp([1, 2] as never)]) {
      expect(f).toThrow(/a JS array \(nested list\) of length 2; use np\.array\(\.\.\.\) to make an array of it/);
      expect(f).not.toThrow(/object of type Array/);
    }
    expect(() => np.add(1, undefined as never)).toThrow("add: argument 2: expected an array or a number, got undefined (a missing argument?)");
  });
});
