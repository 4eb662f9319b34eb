/**
 * Converting arrays to JS values (API.md, "Arrays"): eagerly a size-1 array converts; under
 * grad/jvp/vjp/linearize a float array carrying a derivative refuses (ConcretizationTypeError
 * with a hint to use np functions, since a JS operator would silently drop the derivative),
 * while boolean and integer arrays convert when concrete; abstract tracers (jit, vmap,
 * makeJaxpr) refuse, naming the transform, the function and the value.
 */
import { describe, expect, it } from "vitest";
import {
  ConcretizationTypeError,
  TracerBoolConversionError,
  grad,
  jit,
  jvp,
  linearize,
  makeJaxpr,
  numpy as np,
  stopGradient,
  valueAndGrad,
  vjp,
  vmap,
} from "../../src/index.js";

type A = np.Array;
type Conv = [string, (x: A) => unknown];
// Every way a JS program turns an array into JS values.
const conversions: Conv[] = [
  ["x ** 3", (x) => (x as any) ** 3],
  ["x > 0", (x) => (x as any) > 0],
  ["2 * x", (x) => 2 * (x as any)],
  ["Number(x)", (x) => Number(x)],
  ["+x", (x) => +(x as any)],
  ["x.item()", (x) => x.item()],
  ["x.valueOf()", (x) => x.valueOf()],
  ["x.tolist()", (x) => x.tolist()],
  ["x.dataSync()", (x) => x.dataSync()],
];

/** The error `f` throws, or a failure if it throws none. */
function thrown(f: () => unknown): Error {
  try {
    f();
  } catch (e) {
    return e as Error;
  }
  throw new Error("expected an error, but nothing was thrown");
}

describe("eagerly, size-1 arrays convert", () => {
  it("through JS operators, Number() and item()", () => {
    const x = np.array(2);
    expect((x as any) ** 3).toBe(8);
    expect((x as any) > 1).toBe(true);
    expect(Number(x)).toBe(2);
    expect(x.item()).toBe(2);
    expect(np.array(true).item()).toBe(true);
    expect(np.array(7, { dtype: "int32" }).item()).toBe(7);
  });
  it("a larger array does not, with a TypeError naming its shape", () => {
    expect(() => Number(np.ones([2]))).toThrow(TypeError);
    expect(() => Number(np.ones([2]))).toThrow(/shape \[2\]/);
    expect(() => np.ones([2, 2]).item()).toThrow(/item\(\).*shape \[2,2\]/);
  });
});

describe("a float array carrying a derivative refuses to become a JS value", () => {
  const transforms: [string, (f: (x: A) => A) => unknown, RegExp][] = [
    ["grad", (f) => grad((x: A) => np.sum(f(x)))(np.array(2)), /under grad\(/],
    ["valueAndGrad", (f) => valueAndGrad((x: A) => np.sum(f(x)))(np.array(2)), /under valueAndGrad\(/],
    ["jvp", (f) => jvp(f, [np.array(2)], [np.array(1)]), /under jvp\(/],
    ["vjp", (f) => vjp(f, [np.array(2)]), /under vjp\(/],
    ["linearize", (f) => linearize(f, [np.array(2)]), /under linearize\(/],
  ];
  for (const [tname, run, names] of transforms) {
    it.each(conversions)(`${tname}: %s is a ConcretizationTypeError with a hint`, (_, conv) => {
      const e = thrown(() =>
        run((x) => {
          conv(x);
          return x;
        }),
      );
      expect(e).toBeInstanceOf(ConcretizationTypeError);
      expect(e).toBeInstanceOf(TypeError);
      expect(e.message).toMatch(names);
      expect(e.message).toContain("float32[]");
      expect(e.message).toContain("carries a derivative");
      expect(e.message).toMatch(/np functions/);
    });
  }

  it("the issue's example: x ** 3 + 2 * x under grad fails loudly instead of giving 0", () => {
    expect(() => grad((x: A) => (x as any) ** 3 + 2 * (x as any))(2)).toThrow(ConcretizationTypeError);
    // The np spelling is the derivative.
    expect(grad((x: A) => np.add(np.power(x, 3), np.multiply(2, x)))(2).item()).toBe(14);
  });

  it("the error names the user's function", () => {
    function loss(x: A) {
      return (x as any) > 0 ? x : np.negative(x);
    }
    expect(() => grad(loss)(1)).toThrow(/grad\(loss\)/);
  });
});

describe("booleans and integers convert under grad when concrete, so JS branches work", () => {
  const branchy = (x: A) => (np.greater(x, 0).item() ? np.sin(x) : np.cos(x));
  it("if (np.greater(x, 0).item()) picks the branch and differentiates it", () => {
    expect(grad(branchy)(1).item()).toBeCloseTo(Math.cos(1), 6);
    expect(grad(branchy)(-1).item()).toBeCloseTo(-Math.sin(-1), 6);
  });
  it("JS operators and Number() on comparisons and integer arrays", () => {
    const g = grad((x: A) => {
      const n = Number(np.floor(x).astype("int32"));
      const pos = (np.greater(x, 0) as any) > 0;
      return pos ? np.multiply(x, n) : x;
    });
    expect(g(2.5).item()).toBe(2);
  });
  it("a float value with no derivative (a constant, or stopGradient's output) converts", () => {
    const c = np.array(3);
    const g = grad((x: A) => np.multiply(x, (c as any) * 2 + Number(stopGradient(x))))(2);
    // d/dx [x * (6 + sg(x))] = 6 + x with the stopped factor held constant.
    expect(g.item()).toBe(8);
  });
  it("under jvp, vjp and linearize too", () => {
    expect((jvp(branchy, [np.array(1)], [np.array(1)]) as A[])[1]!.item()).toBeCloseTo(Math.cos(1), 6);
    expect((vjp(branchy, [np.array(-1)]) as [A, (c: number) => A[]])[1](1)[0]!.item()).toBeCloseTo(Math.sin(1), 6);
    expect((linearize(branchy, [np.array(1)]) as [A, (t: number) => A])[1](1).item()).toBeCloseTo(Math.cos(1), 6);
  });
});

describe("abstract tracers (jit, vmap, makeJaxpr) refuse every conversion", () => {
  function f(x: A) {
    return (x as any) > 0 ? x : np.negative(x);
  }
  it("a JS comparison under jit is a TracerBoolConversionError naming jit(f) and the value", () => {
    const e = thrown(() => jit(f)(np.array(1)));
    expect(e).toBeInstanceOf(TracerBoolConversionError);
    expect(e).toBeInstanceOf(ConcretizationTypeError);
    expect(e.message).toContain("jit(f)");
    expect(e.message).toContain("float32[]");
  });
  it("under vmap it names vmap(f) and the per-example shape", () => {
    const e = thrown(() => vmap(f)(np.ones([3])));
    expect(e).toBeInstanceOf(TracerBoolConversionError);
    expect(e.message).toContain("vmap(f)");
    expect(e.message).toContain("float32[]");
  });
  it.each(conversions)("%s under jit, vmap and makeJaxpr is a ConcretizationTypeError", (_, conv) => {
    const g = (x: A) => {
      conv(x);
      return x;
    };
    for (const run of [() => jit(g)(np.array(1)), () => vmap(g)(np.ones([2])), () => makeJaxpr(g)(np.array(1))]) {
      expect(run).toThrow(ConcretizationTypeError);
    }
  });
  it("item() is JAX's ConcretizationTypeError, not the bool-conversion subclass", () => {
    const e = thrown(() => jit((x: A) => (x.item(), x))(np.array(1)));
    expect(e).toBeInstanceOf(ConcretizationTypeError);
    expect(e).not.toBeInstanceOf(TracerBoolConversionError);
  });
  it("booleans under jit(grad) are abstract: they refuse too", () => {
    const branchy = (x: A) => (np.greater(x, 0).item() ? np.sin(x) : np.cos(x));
    expect(() => jit(grad(branchy))(1)).toThrow(ConcretizationTypeError);
  });
});
