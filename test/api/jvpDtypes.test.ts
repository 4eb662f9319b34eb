/**
 * jvp, linearize and vjp check tangent and cotangent dtypes as JAX 0.10.2 does: a float primal
 * needs a tangent of its own dtype (TypeError from jvp, ValueError from the linearized and
 * vjp functions), and an integer or boolean primal needs JAX's float0 tangent, which jaxts,
 * having no float0, spells as an array of the primal's own dtype (its values are not used).
 * A JS number tangent is weak, so it takes the float primal's dtype.
 */
import { describe, expect, it } from "vitest";
import { ValueError, jit, jvp, linearize, numpy as np, vjp } from "../../src/index.js";

type A = np.Array;
const f32 = np.ones([3]);
const f64 = np.ones([3], { dtype: "float64" });
const i32 = np.ones([3], { dtype: "int32" });
const b = np.array([true, false, true]);
const double = (x: A) => np.multiply(x, 2);

describe("jvp: primal and tangent dtypes", () => {
  it("an int32 primal with a float32 tangent is a TypeError that explains float0", () => {
    let err: unknown;
    try {
      jvp(double, [i32], [f32]);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TypeError);
    const msg = (err as Error).message;
    expect(msg).toMatch(/^jvp: /);
    expect(msg).toContain("primal dtype int32");
    expect(msg).toContain("tangent dtype float32");
    expect(msg).toContain("float0");
    expect(msg).toContain("np.zerosLike(primal)");
  });

  it.each([
    ["bool primal, float32 tangent", b, f32],
    ["float32 primal, float64 tangent", f32, f64],
    ["float64 primal, float32 tangent", f64, f32],
    ["float32 primal, int32 tangent", f32, i32],
    ["int32 primal, bool tangent", i32, np.zerosLike(b)],
  ])("%s is a TypeError naming both dtypes", (_, p, t) => {
    expect(() => jvp(double, [p], [t])).toThrow(TypeError);
    expect(() => jvp(double, [p], [t])).toThrow(new RegExp(`primal dtype ${p.dtype}.*tangent dtype ${t.dtype}`));
  });

  it("an integer primal takes a tangent of its own dtype, standing for float0; its output tangent is zero", () => {
    const [p, t] = jvp(double, [i32], [np.zerosLike(i32)]) as [A, A];
    expect(p.tolist()).toEqual([2, 2, 2]);
    expect(t.dtype).toBe("int32");
    expect(t.tolist()).toEqual([0, 0, 0]);
  });

  it("mixed float and integer primals", () => {
    const [, t] = jvp((x: A, n: A) => np.multiply(x, n), [f32, np.array([1, 2, 3], { dtype: "int32" })], [f32, np.zerosLike(i32)]) as [A, A];
    expect(t.tolist()).toEqual([1, 2, 3]);
  });

  it("a JS number tangent takes the float primal's dtype (it is weakly typed)", () => {
    const [, t] = jvp(np.sin, [np.array(0, { dtype: "float64" })], [1]) as [A, A];
    expect(t.dtype).toBe("float64");
    expect(t.item()).toBe(1);
    const [, t32] = jvp(np.sin, [np.array(0)], [1]) as [A, A];
    expect(t32.dtype).toBe("float32");
  });

  it("the check holds under jit too", () => {
    expect(() => jit((x: A) => jvp(double, [x], [f64])[1] as A)(f32)).toThrow(TypeError);
    expect(() => jit((n: A) => jvp(double, [n], [f32])[1] as A)(i32)).toThrow(/float0/);
  });
});

describe("linearize: the linearized function checks its tangents", () => {
  const [, fJvp] = linearize(np.sin, [f32]) as [A, (...t: unknown[]) => A];
  it("a float64 or int32 tangent for a float32 primal is a ValueError", () => {
    expect(() => fJvp(f64)).toThrow(ValueError);
    expect(() => fJvp(f64)).toThrow(/linearize: .*primal dtype float32.*tangent dtype float64/);
    expect(() => fJvp(i32)).toThrow(ValueError);
  });
  it("a tangent of the wrong shape is a ValueError", () => {
    expect(() => fJvp(np.ones([4]))).toThrow(ValueError);
    expect(() => fJvp(np.ones([4]))).toThrow(/shape \[4\].*shape \[3\]/);
  });
  it("the right tangent works", () => {
    expect(fJvp(f32).tolist()).toEqual(Array.from(np.cos(f32).tolist() as number[]));
  });
  it("an integer primal's tangent has the primal's dtype", () => {
    const [, g] = linearize((x: A, n: A) => np.multiply(x, n), [f32, i32]) as [A, (...t: unknown[]) => A];
    expect(g(f32, np.zerosLike(i32)).tolist()).toEqual([1, 1, 1]);
    expect(() => g(f32, f32)).toThrow(/float0/);
  });
});

describe("vjp: the vjp function checks its cotangent", () => {
  const [, pull] = vjp(np.sin, [f32]) as [A, (ct: unknown) => A[]];
  it("a float64 or int32 cotangent for a float32 output is a ValueError", () => {
    expect(() => pull(f64)).toThrow(ValueError);
    expect(() => pull(f64)).toThrow(/cotangent for output leaf 0 has dtype float64, but expected float32/);
    expect(() => pull(i32)).toThrow(ValueError);
  });
  it("a JS number cotangent for a scalar output takes its dtype", () => {
    const [, p] = vjp((x: A) => np.sum(x), [f64]) as [A, (ct: unknown) => A[]];
    const [g] = p(1);
    expect(g!.dtype).toBe("float64");
  });
  it("an integer output accepts any cotangent, as JAX (its cotangent is float0 and unused)", () => {
    const [, p] = vjp(double, [i32]) as [A, (ct: unknown) => A[]];
    expect(p(f32)[0]!.tolist()).toEqual([0, 0, 0]);
    expect(p(i32)[0]!.tolist()).toEqual([0, 0, 0]);
  });
});
