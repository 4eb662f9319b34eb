/**
 * Arrays iterate over their first axis, as NumPy's and JAX's do (API.md, "Arrays"): JAX's
 * `key, subkey = random.split(key)` is `const [key, subkey] = random.split(key)`. Tracers
 * iterate too (shapes are static). A 0-d array is not iterable: a TypeError, as JAX's
 * "iteration over a 0-d array".
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { grad, jit, numpy as np, random, testing, vmap } from "../../src/index.js";

type A = np.Array;

describe("iteration over the first axis", () => {
  it("const [key, subkey] = random.split(key) gives the rows of the split", () => {
    const keys = random.split(random.key(0));
    const [key, subkey] = keys;
    expect(key!.tolist()).toEqual(keys.slice(0).tolist());
    expect(subkey!.tolist()).toEqual(keys.slice(1).tolist());
    expect(key!.shape).toEqual([2]);
    expect(key!.dtype).toBe("uint32");
    const [a, b, c] = random.split(random.key(1), 3);
    expect([a, b, c].map((k) => k!.shape)).toEqual([[2], [2], [2]]);
  });

  it("for...of, spread and Array.from", () => {
    const x = np.arange(6).reshape([2, 3]);
    const rows: unknown[] = [];
    for (const row of x) rows.push(row.tolist());
    expect(rows).toEqual([
      [0, 1, 2],
      [3, 4, 5],
    ]);
    expect([...x].map((r) => r.shape)).toEqual([[3], [3]]);
    expect(Array.from(np.arange(3), (v) => v.item())).toEqual([0, 1, 2]);
    // Elements of a 1-d array are 0-d arrays, as in JAX.
    expect([...np.arange(2)].map((v) => v.ndim)).toEqual([0, 0]);
  });

  it("an empty first axis iterates zero times", () => {
    expect([...np.zeros([0, 3])]).toEqual([]);
  });

  it("[...x] stacks back to x (property over shapes and dtypes)", () => {
    fc.assert(
      fc.property(testing.arbitraries.array({ shape: fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 3 }) as never }), (x) => {
        const parts = [...x];
        expect(parts.length).toBe(x.shape[0]);
        expect(np.stack(parts).tolist()).toEqual(x.tolist());
        parts.forEach((p) => expect(p.dtype).toBe(x.dtype));
      }),
      { numRuns: 30 },
    );
  });
});

describe("tracers iterate with their static shapes", () => {
  it("under jit", () => {
    const f = jit((x: A) => {
      const [a, b] = x;
      return np.subtract(a!, b!);
    });
    expect(f(np.array([[1, 2], [5, 7]])).tolist()).toEqual([-4, -5]);
  });
  it("under vmap (the per-example first axis)", () => {
    const f = vmap((x: A) => {
      const [a, b, c] = x;
      return np.add(np.add(a!, b!), c!);
    });
    expect(f(np.arange(6).reshape([2, 3])).tolist()).toEqual([3, 12]);
  });
  it("under grad", () => {
    const g = grad((x: A) => {
      let s: A = np.array(0);
      for (const v of x) s = np.add(s, np.multiply(v, v));
      return s;
    })(np.array([1, 2, 3]));
    expect(g.tolist()).toEqual([2, 4, 6]);
  });
  it("random.split under jit destructures", () => {
    const f = jit((k: A) => {
      const [, sub] = random.split(k);
      return random.normal(sub!, [2]);
    });
    const [, sub] = random.split(random.key(3));
    expect(f(random.key(3)).tolist()).toEqual(random.normal(sub!, [2]).tolist());
  });
});

describe("a 0-d array is not iterable", () => {
  it.each([
    ["spread", (x: A) => [...x]],
    ["destructuring", (x: A) => {
      const [a] = x;
      return a;
    }],
    ["for...of", (x: A) => {
      for (const v of x) return v;
      return null;
    }],
  ])("%s is a TypeError, eagerly and under jit", (_, use) => {
    expect(() => use(np.array(1))).toThrow(TypeError);
    expect(() => use(np.array(1))).toThrow(/not iterable/);
    expect(() => jit((x: A) => (use(x), x))(np.array(1))).toThrow(TypeError);
  });

  it("deep equality in test libraries still works on trees with scalar leaves", () => {
    // vitest iterates anything with an iterator; a 0-d array has none, so this must not throw.
    const s = np.array(1);
    expect({ a: [s, 2] }).toEqual({ a: [s, 2] });
    expect([np.arange(2)]).toEqual([np.arange(2)]);
  });
});
