/**
 * JS numbers passed as arguments to a transformed function are weak float32 scalars whatever
 * their value, under every transform and eagerly alike (API.md, "Arrays"): `jit(grad(f))(3)`
 * differentiates at 3.0, and 3 and 3.5 trace once. Numbers inside arithmetic keep their weak
 * int/float reading.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  checkpoint,
  customJvp,
  customVjp,
  evalShape,
  grad,
  hessian,
  jacfwd,
  jacrev,
  jit,
  jvp,
  linearize,
  makeJaxpr,
  numpy as np,
  valueAndGrad,
  vjp,
  vmap,
} from "../../src/index.js";

type A = np.Array;
const cube = (x: A) => np.multiply(x, np.multiply(x, x));
const num = (x: unknown) => Number((x as A).item());
const isWeakF32Scalar = (x: unknown) => {
  const a = x as A;
  return a.dtype === "float32" && a.ndim === 0;
};

/** `f` wrapped so that each run of its body (each trace, under jit) is counted. */
function counted<F extends (...args: any[]) => any>(f: F): F & { runs: number } {
  const g = ((...args: unknown[]) => {
    g.runs++;
    return f(...args);
  }) as F & { runs: number };
  g.runs = 0;
  return g;
}

describe("a JS number argument is a weak float32 scalar under every transform", () => {
  it("jit: 3 and 3.5 compile once, as float32, weakly typed", () => {
    const f = counted((x: A) => np.multiply(x, 2));
    const g = jit(f);
    const a = g(3 as unknown as A);
    const b = g(3.5 as unknown as A);
    expect(f.runs).toBe(1);
    expect([a.dtype, a.weakType, num(a)]).toEqual(["float32", true, 6]);
    expect([b.dtype, b.weakType, num(b)]).toEqual(["float32", true, 7]);
  });

  it("jit(grad(f))(3) differentiates at 3.0, once for 3 and 3.5", () => {
    const f = counted(cube);
    const g = jit(grad(f));
    expect(num(g(3))).toBe(27);
    expect(num(g(3.5))).toBeCloseTo(36.75, 4);
    expect(num(g(-2))).toBe(12);
    expect(f.runs).toBe(1);
  });

  it("jit(x => jvp(f, [x], [1.0])[1])(3.0) is the derivative, not 0", () => {
    const f = counted((x: A) => jvp(cube, [x], [1.0])[1] as A);
    const g = jit(f);
    expect(num(g(3 as unknown as A))).toBe(27);
    expect(num(g(0.5 as unknown as A))).toBeCloseTo(0.75, 6);
    expect(f.runs).toBe(1);
  });

  it("eagerly and under jit the same numbers give the same dtype and value", () => {
    fc.assert(
      fc.property(fc.integer({ min: -1000, max: 1000 }), fc.double({ min: -100, max: 100, noNaN: true }), (i, d) => {
        for (const v of [i, d]) {
          const eager = grad(cube)(v) as A;
          const jitted = jit(grad(cube))(v) as A;
          expect(eager.dtype).toBe("float32");
          expect(jitted.dtype).toBe("float32");
          expect(num(jitted)).toBeCloseTo(num(eager), 3);
        }
      }),
      { numRuns: 30 },
    );
  });

  it("jit traces once across many integer and fractional numbers (property)", () => {
    const f = counted((x: A, y: A) => np.add(np.multiply(x, y), 1));
    const g = jit(f);
    fc.assert(
      fc.property(fc.oneof(fc.integer(), fc.double({ noNaN: true })), fc.oneof(fc.integer(), fc.double({ noNaN: true })), (x, y) => {
        const r = g(x as unknown as A, y as unknown as A);
        expect(r.dtype).toBe("float32");
        expect(r.weakType).toBe(true);
      }),
      { numRuns: 40 },
    );
    expect(f.runs).toBe(1);
  });

  it("grad and valueAndGrad at an integer-valued number", () => {
    expect(num(grad(cube)(3))).toBe(27);
    const [v, g] = valueAndGrad(cube)(2) as [A, A];
    expect([num(v), num(g), v.dtype, g.dtype]).toEqual([8, 12, "float32", "float32"]);
  });

  it("jvp, vjp and linearize at integer-valued numbers", () => {
    const [p, t] = jvp(cube, [3], [1]) as [A, A];
    expect([p.dtype, t.dtype, num(p), num(t)]).toEqual(["float32", "float32", 27, 27]);
    const [out, pull] = vjp(cube, [2]) as [A, (ct: unknown) => A[]];
    expect([out.dtype, num(out)]).toEqual(["float32", 8]);
    const [ct] = pull(1);
    expect([ct!.dtype, num(ct)]).toEqual(["float32", 12]);
    const [y, fJvp] = linearize(cube, [2]) as [A, (...t: unknown[]) => A];
    expect([y.dtype, num(fJvp(1))]).toEqual(["float32", 12]);
  });

  it("jacfwd, jacrev and hessian at an integer-valued number", () => {
    expect(num(jacfwd(cube)(3))).toBe(27);
    expect(num(jacrev(cube)(3))).toBe(27);
    expect(num(hessian(cube)(3))).toBe(18);
  });

  it("vmap: an unmapped number is a float32 scalar, so an int32 batch times 2 is float32 (as JAX's 2.0)", () => {
    const r = vmap((x: A, c: A) => np.multiply(x, c), { inAxes: [0, null] })(np.arange(3), 2 as unknown as A);
    expect(r.dtype).toBe("float32");
    expect(r.tolist()).toEqual([0, 2, 4]);
  });

  it("makeJaxpr and evalShape see f32[] for 3 and for 3.5", () => {
    const text3 = makeJaxpr((x: A) => np.sin(x))(3 as unknown as A).toString();
    const text35 = makeJaxpr((x: A) => np.sin(x))(3.5 as unknown as A).toString();
    expect(text3).toBe(text35);
    expect(text3).toContain("a:f32[]");
    expect(evalShape((x: A) => x)(3 as unknown as A)).toEqual({ shape: [], dtype: "float32" });
    expect(evalShape((x: A, y: A) => np.add(x, y))(np.ones([2], { dtype: "int32" }), 3 as unknown as A)).toEqual({ shape: [2], dtype: "float32" });
  });

  it("customJvp, customVjp and checkpoint functions take numbers as float32", () => {
    const cj = customJvp((x: A) => np.sin(x));
    cj.defjvp(([x], [t]) => [np.sin(x), np.multiply(np.cos(x), t)]);
    const cv = customVjp((x: A) => np.sin(x));
    cv.defvjp(
      (x) => [np.sin(x), x],
      (x, g) => [np.multiply(np.cos(x as A), g)],
    );
    const ck = checkpoint((x: A) => np.sin(x));
    for (const g of [cj, cv, ck]) {
      const y = g(3 as unknown as A);
      expect(isWeakF32Scalar(y)).toBe(true);
      expect(num(y)).toBeCloseTo(Math.sin(3), 6);
      expect(num(grad(g)(2))).toBeCloseTo(Math.cos(2), 6);
      expect(num(jit(grad(g))(2))).toBeCloseTo(Math.cos(2), 6);
    }
  });

  it("custom functions under jit trace once for 3 and 3.5", () => {
    const inner = counted((x: A) => np.sin(x));
    const ck = checkpoint(inner);
    const g = jit(ck);
    g(3 as unknown as A);
    g(3.5 as unknown as A);
    expect(inner.runs).toBe(1);
  });

  it("an integer argument is passed as an int32 array", () => {
    const r = jit((x: A) => np.add(x, 1))(np.array(3, { dtype: "int32" }));
    expect(r.dtype).toBe("int32");
  });
});

describe("JS numbers inside arithmetic keep their weak int/float reading", () => {
  const i32 = np.array([1, 2], { dtype: "int32" });
  it("eagerly", () => {
    expect(np.add(i32, 1).dtype).toBe("int32");
    expect(np.multiply(i32, 2.5).dtype).toBe("float32");
    expect(np.add(np.ones([2]), 1).dtype).toBe("float32");
  });
  it("under jit, vmap and grad", () => {
    expect(jit((x: A) => np.add(x, 1))(i32).dtype).toBe("int32");
    expect(jit((x: A) => np.multiply(x, 2.5))(i32).dtype).toBe("float32");
    expect(vmap((x: A) => np.add(x, 1))(i32).dtype).toBe("int32");
    expect(grad((x: A) => np.sum(np.multiply(np.add(i32, 1).astype("float32"), x)))(np.ones([2])).tolist()).toEqual([2, 3]);
  });
});
