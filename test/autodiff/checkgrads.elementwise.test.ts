/**
 * checkGrads (orders 1 and 2, forward and reverse, float64) of every differentiable
 * elementwise primitive, over generated shapes and values away from the points where the
 * function is not differentiable; and JAX's conventions at those points, as exact values.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { grad, jvp, lax, nn, numpy as np } from "../../src/index.js";
import {
  type Arr,
  arr,
  arrOf,
  arrOfShape,
  awayFromIntegers,
  awayFromZero,
  check,
  distinct,
  f64,
  flat,
  shapes,
  uniform,
  runs,
} from "./checkgrads.helpers.js";

const RUNS = 6;
const shape = shapes({ maxRank: 3, maxSide: 3 });

// --- unary ---------------------------------------------------------------------------------

/** Each unary primitive with a domain where it is smooth (and its derivatives are moderate). */
const unaryCases: [string, (x: Arr) => Arr, fc.Arbitrary<number>][] = [
  ["neg", lax.neg, uniform(-3, 3)],
  ["sign", lax.sign, awayFromZero(0.1, 3)],
  ["abs", lax.abs, awayFromZero(0.1, 3)],
  ["square", lax.square, uniform(-3, 3)],
  ["floor", lax.floor, awayFromIntegers(-3, 3)],
  ["ceil", lax.ceil, awayFromIntegers(-3, 3)],
  ["round awayFromZero", (x) => lax.round(x, "awayFromZero"), awayFromIntegers(-3, 3, 0.1, true)],
  ["round toNearestEven", (x) => lax.round(x, "toNearestEven"), awayFromIntegers(-3, 3, 0.1, true)],
  ["exp", lax.exp, uniform(-2, 2)],
  ["exp2", lax.exp2, uniform(-2, 2)],
  ["log", lax.log, uniform(0.5, 4)],
  ["expm1", lax.expm1, uniform(-2, 2)],
  ["log1p", lax.log1p, uniform(-0.5, 3)],
  ["tanh", lax.tanh, uniform(-2, 2)],
  ["logistic", lax.logistic, uniform(-3, 3)],
  ["sin", lax.sin, uniform(-3, 3)],
  ["cos", lax.cos, uniform(-3, 3)],
  ["tan", lax.tan, uniform(-1.1, 1.1)],
  ["asin", lax.asin, uniform(-0.85, 0.85)],
  ["acos", lax.acos, uniform(-0.85, 0.85)],
  ["atan", lax.atan, uniform(-3, 3)],
  ["sinh", lax.sinh, uniform(-2, 2)],
  ["cosh", lax.cosh, uniform(-2, 2)],
  ["asinh", lax.asinh, uniform(-3, 3)],
  ["acosh", lax.acosh, uniform(1.2, 4)],
  ["atanh", lax.atanh, uniform(-0.85, 0.85)],
  ["sqrt", lax.sqrt, uniform(0.5, 4)],
  ["rsqrt", lax.rsqrt, uniform(0.5, 4)],
  ["cbrt", lax.cbrt, awayFromZero(0.5, 4)],
  ["erf", lax.erf, uniform(-2, 2)],
  ["erfc", lax.erfc, uniform(-2, 2)],
  // erfInv's higher derivatives blow up towards +-1, where central differences (the oracle)
  // lose accuracy before the rule does (a shrunk counterexample at 0.83 was 1.5e-5 off at order 2).
  ["erfInv", lax.erfInv, uniform(-0.7, 0.7)],
];

describe("checkGrads: unary elementwise primitives", () => {
  it.each(unaryCases)("%s", (_, f, value) => {
    fc.assert(fc.property(arrOfShape(shape, value), (x) => check(f, [x])), { numRuns: runs(RUNS) });
  });

  it("composite of unaries (sin(exp(x)) * log1p(x^2)), order 2", () => {
    fc.assert(
      fc.property(arr(shape, -1, 1), (x) => check((a: Arr) => lax.mul(lax.sin(lax.exp(a)), lax.log1p(lax.square(a))), [x])),
      { numRuns: runs(RUNS) },
    );
  });

  it("isFinite has no tangent and does not block gradients through a select", () => {
    fc.assert(
      fc.property(arr(shape, -2, 2), (x) =>
        check((a: Arr) => lax.select(lax.isFinite(a), lax.sin(a), lax.neg(a)), [x]),
      ),
      { numRuns: runs(RUNS) },
    );
  });
});

// --- binary --------------------------------------------------------------------------------

/** [x, y] for binary primitives: same shape, or one of them rank 0 (broadcasting). */
function pairOf(vx: fc.Arbitrary<number>, vy: fc.Arbitrary<number>): fc.Arbitrary<[Arr, Arr]> {
  return fc.tuple(shape, fc.integer({ min: 0, max: 2 })).chain(([s, scalarWhich]) =>
    fc.tuple(arrOf(scalarWhich === 1 ? [] : s, vx), arrOf(scalarWhich === 2 ? [] : s, vy)),
  );
}

const binaryCases: [string, (x: Arr, y: Arr) => Arr, fc.Arbitrary<[Arr, Arr]>][] = [
  ["add", lax.add, pairOf(uniform(-3, 3), uniform(-3, 3))],
  ["sub", lax.sub, pairOf(uniform(-3, 3), uniform(-3, 3))],
  ["mul", lax.mul, pairOf(uniform(-3, 3), uniform(-3, 3))],
  ["div", lax.div, pairOf(uniform(-3, 3), awayFromZero(0.5, 3))],
  ["pow", lax.pow, pairOf(uniform(0.5, 3), uniform(-2, 2))],
  ["atan2", lax.atan2, pairOf(awayFromZero(0.5, 3), awayFromZero(0.5, 3))],
];

describe("checkGrads: binary elementwise primitives", () => {
  it.each(binaryCases)("%s", (_, f, pair) => {
    fc.assert(fc.property(pair, ([x, y]) => check(f, [x, y])), { numRuns: runs(RUNS) });
  });

  it("rem, away from its discontinuities (x / y not near an integer)", () => {
    // x = q * y with |q| away from integers, so trunc(x / y) is constant nearby.
    const arb = fc.tuple(shape, fc.integer({ min: 0, max: 2 })).chain(([s, which]) =>
      fc.tuple(arrOf(which === 1 ? [] : s, awayFromIntegers(-4, 4, 0.15)), arrOf(which === 2 ? [] : s, awayFromZero(0.5, 2))),
    );
    fc.assert(
      fc.property(arb, ([q, y]) => {
        const x = lax.mul(q.ndim === 0 && y.ndim > 0 ? lax.broadcastInDim(q, y.shape, []) : q, y.ndim === 0 && q.ndim > 0 ? lax.broadcastInDim(y, q.shape, []) : y);
        check(lax.rem, [x, y]);
      }),
      { numRuns: runs(RUNS) },
    );
  });

  it.each([
    ["max", lax.max],
    ["min", lax.min],
  ] as const)("%s with distinct operands", (_, f) => {
    const arb = shape.chain((s) => distinct([2, ...s])).map((xy) => {
      const s = xy.shape.slice(1);
      const n = s.reduce((a, b) => a * b, 1);
      const d = flat(xy);
      return [f64(d.slice(0, n), s), f64(d.slice(n), s)] as const;
    });
    fc.assert(fc.property(arb, ([x, y]) => check(f, [x, y])), { numRuns: runs(RUNS) });
  });

  it("max/min against a rank-0 operand", () => {
    fc.assert(
      fc.property(distinct([5]), (v) => {
        const d = flat(v);
        const x = f64(d.slice(0, 4), [2, 2]);
        const y = f64([d[4]!], []);
        check(lax.max, [x, y]);
        check(lax.min, [y, x]);
      }),
      { numRuns: runs(RUNS) },
    );
  });
});

// --- integerPow, selectN, clamp, convertElementType -------------------------------------------

describe("checkGrads: integerPow, selectN, clamp, convertElementType", () => {
  it("integerPow for exponents -3..5", () => {
    fc.assert(
      // Negative powers have large high derivatives near 0, where central differences (the
      // oracle) lose accuracy: keep |x| >= 1 for them (a shrunk counterexample: x^-3 at 0.74).
      fc.property(
        fc.integer({ min: -3, max: 5 }).chain((y) => fc.tuple(fc.constant(y), arrOfShape(shape, awayFromZero(y < 0 ? 1 : 0.6, 2)))),
        ([y, x]) => check((a: Arr) => lax.integerPow(a, y), [x]),
      ),
      { numRuns: runs(12) },
    );
  });

  it("selectN with a bool predicate, array and rank-0 cases", () => {
    const arb = shape.chain((s) =>
      fc.tuple(
        fc.array(fc.boolean(), { minLength: s.reduce((a, b) => a * b, 1), maxLength: s.reduce((a, b) => a * b, 1) }).map((b) => np.array(Uint8Array.from(b, Number), { shape: s, dtype: "bool" })),
        arr(s),
        fc.oneof(arr(s), arr([])),
      ),
    );
    fc.assert(
      fc.property(arb, ([pred, a, b]) => {
        check((x: Arr, y: Arr) => lax.selectN(pred, lax.sin(x), lax.mul(y, y)), [a, b]);
      }),
      { numRuns: runs(RUNS) },
    );
  });

  it("selectN with an int32 predicate and three cases, and a scalar predicate", () => {
    const arb = shape.chain((s) =>
      fc.tuple(
        fc
          .array(fc.integer({ min: 0, max: 2 }), { minLength: s.reduce((a, b) => a * b, 1), maxLength: s.reduce((a, b) => a * b, 1) })
          .map((w) => np.array(Int32Array.from(w), { shape: s })),
        fc.integer({ min: 0, max: 2 }),
        arr(s),
        arr(s),
        arr(s),
      ),
    );
    fc.assert(
      fc.property(arb, ([which, k, a, b, c]) => {
        check((x: Arr, y: Arr, z: Arr) => lax.selectN(which, x, lax.exp(y), lax.mul(z, x)), [a, b, c]);
        const scalarWhich = np.array(Int32Array.from([k]), { shape: [] });
        check((x: Arr, y: Arr, z: Arr) => lax.selectN(scalarWhich, x, y, lax.sin(z)), [a, b, c]);
      }),
      { numRuns: runs(RUNS) },
    );
  });

  it("clamp with array and rank-0 bounds, x away from the bounds", () => {
    // lo in [-3, -1], hi in [1, 3], x away from both.
    const xv = fc.oneof(uniform(-4, -3.2), uniform(-0.8, 0.8), uniform(3.2, 4), uniform(-2.9, -1.1), uniform(1.1, 2.9));
    const arb = shape.chain((s) =>
      fc.tuple(arrOf(s, xv), fc.oneof(arrOf(s, uniform(-3, -1)), arrOf([], uniform(-3, -1))), fc.oneof(arrOf(s, uniform(1, 3)), arrOf([], uniform(1, 3)))),
    );
    fc.assert(
      fc.property(arb, ([x, lo, hi]) => {
        // Skip draws where x lies within 0.05 of a bound (not differentiable there).
        const xs = flat(x);
        const los = flat(lo);
        const his = flat(hi);
        const near = xs.some((v, i) => Math.abs(v - los[lo.ndim ? i : 0]!) < 0.05 || Math.abs(v - his[hi.ndim ? i : 0]!) < 0.05);
        fc.pre(!near);
        check((l: Arr, a: Arr, h: Arr) => lax.clamp(l, a, h), [lo, x, hi]);
      }),
      { numRuns: runs(RUNS * 2) },
    );
  });

  it("convertElementType float64 -> float32 -> float64 (looser tolerance: the float32 rounding)", () => {
    const roundTrip = (a: Arr) => lax.convertElementType(lax.convertElementType(a, "float32"), "float64");
    fc.assert(
      fc.property(arr(shape, -2, 2), (x) => {
        // Linear, so central differences are exact up to the float32 rounding of the values.
        check((a: Arr) => roundTrip(lax.mul(a, 3)), [x], 2, { eps: 1e-2, atol: 1e-3, rtol: 1e-3 });
        check((a: Arr) => lax.sin(roundTrip(a)), [x], 2, { eps: 1e-3, atol: 1e-3, rtol: 1e-3 });
      }),
      { numRuns: runs(RUNS) },
    );
  });

  it("convertElementType to an integer dtype has a zero tangent", () => {
    const x = f64([0.5, 1.7, -2.2], [3]);
    const [, t] = jvp((a: Arr) => lax.convertElementType(lax.convertElementType(a, "int32"), "float64"), [x], [f64([1, 1, 1], [3])]);
    expect(flat(t)).toEqual([0, 0, 0]);
    expect(flat(grad((a: Arr) => np.sum(lax.convertElementType(lax.convertElementType(a, "int32"), "float64")))(x))).toEqual([0, 0, 0]);
  });
});

// --- JAX's conventions at non-differentiable points ------------------------------------------

describe("gradients at non-differentiable points follow JAX", () => {
  const s = (v: number) => f64([v], []);

  it("grad(abs)(0) = 1, and -1 / 1 either side", () => {
    expect(grad(lax.abs)(s(0)).item()).toBe(1);
    expect(grad(np.abs)(s(0)).item()).toBe(1);
    expect(grad(lax.abs)(s(-2)).item()).toBe(-1);
    expect(grad(lax.abs)(s(2)).item()).toBe(1);
  });

  it("grad(nn.relu)(0) = 0", () => {
    expect(grad(nn.relu)(s(0)).item()).toBe(0);
    expect(grad(nn.relu)(s(1)).item()).toBe(1);
    expect(grad(nn.relu)(s(-1)).item()).toBe(0);
  });

  it("maximum/minimum split the gradient evenly at ties", () => {
    for (const f of [np.maximum, np.minimum, lax.max, lax.min]) {
      const [gx, gy] = grad(f, { argnums: [0, 1] })(s(1.5), s(1.5));
      expect([gx.item(), gy.item()]).toEqual([0.5, 0.5]);
    }
    const [gx, gy] = grad((a: Arr, b: Arr) => np.sum(np.maximum(a, b)), { argnums: [0, 1] })(f64([1, 2, 3], [3]), f64([1, 5, 0], [3]));
    expect(flat(gx)).toEqual([0.5, 0, 1]);
    expect(flat(gy)).toEqual([0.5, 1, 0]);
  });

  it("maximum of an array with a tied scalar: each tie sends half to the scalar", () => {
    // b = 2 wins over 1 (gradient 1) and ties with the two 2s (1/2 each).
    const g = grad((b: Arr) => np.sum(np.maximum(f64([1, 2, 2], [3]), b)))(s(2));
    expect(g.item()).toBe(2);
    const gl = grad((b: Arr) => np.sum(lax.max(f64([1, 2, 2], [3]), b)))(s(2));
    expect(gl.item()).toBe(2);
  });

  it("reduce max/min ties split evenly: grad(np.max)([1, 3, 3]) = [0, .5, .5]", () => {
    expect(flat(grad((x: Arr) => np.max(x))(f64([1, 3, 3], [3])))).toEqual([0, 0.5, 0.5]);
    expect(flat(grad((x: Arr) => np.min(x))(f64([1, 1, 3, 1], [4])))).toEqual([1 / 3, 1 / 3, 0, 1 / 3]);
    expect(flat(grad((x: Arr) => np.sum(np.max(x, 1)))(f64([2, 2, 0, 1, 4, 4], [2, 3])))).toEqual([0.5, 0.5, 0, 0, 0.5, 0.5]);
  });

  it("grad(sqrt)(0) = inf", () => {
    expect(grad(lax.sqrt)(s(0)).item()).toBe(Infinity);
    expect(grad(np.sqrt)(s(0)).item()).toBe(Infinity);
  });

  it("floor, ceil, round and sign have zero gradient (at integers too)", () => {
    for (const f of [np.floor, np.ceil, np.round, np.sign, lax.floor, lax.ceil, lax.round, lax.sign]) {
      for (const v of [0, 1, 2.5, -0.7]) expect(grad(f as (x: Arr) => Arr)(s(v)).item()).toBe(0);
    }
  });

  it("the double-where idiom gives finite gradients at 0", () => {
    const f = (x: Arr) => np.where(np.greater(x, 0), np.sqrt(np.where(np.greater(x, 0), x, 1)), 0);
    expect(grad(f)(s(0)).item()).toBe(0);
    expect(grad(f)(s(4)).item()).toBe(0.25);
    const g = grad((x: Arr) => np.sum(f(x)))(f64([0, 1, -1, 4], [4]));
    expect(flat(g)).toEqual([0, 0.5, 0, 0.25]);
    expect(flat(g).every(Number.isFinite)).toBe(true);
  });

  it("the single where does leak a nan at 0, as in JAX", () => {
    // d/dx where(x > 0, sqrt(x), 0) at 0: the sqrt branch's inf times a zero cotangent is nan.
    const f = (x: Arr) => np.where(np.greater(x, 0), np.sqrt(x), 0);
    expect(Number.isNaN(grad(f)(s(0)).item())).toBe(true);
  });

  it("clamp at its bounds: the gradient goes to x on neither bound (JAX's select-based rule)", () => {
    // JAX: d/dx clamp(lo, x, hi) = select((x > lo) & (x < hi), g, 0); d/dlo = select(lo > x, g, 0).
    const [glo, gx, ghi] = grad((lo: Arr, x: Arr, hi: Arr) => lax.clamp(lo, x, hi), { argnums: [0, 1, 2] })(s(0), s(0), s(1));
    expect([glo.item(), gx.item(), ghi.item()]).toEqual([0, 0, 0]);
  });

  it("pow at x = 0 and y = 0 gives JAX's values", () => {
    // JAX 0.10 (float exponent): grad of x**y at (0, 2) is (0, 0); at (0, 0) it is (nan, 0).
    const [gx, gy] = grad((x: Arr, y: Arr) => lax.pow(x, y), { argnums: [0, 1] })(s(0), s(2));
    expect([gx.item(), gy.item()]).toEqual([0, 0]);
    const [gx0, gy0] = grad((x: Arr, y: Arr) => lax.pow(x, y), { argnums: [0, 1] })(s(0), s(0));
    expect(Number.isNaN(gx0.item())).toBe(true);
    expect(gy0.item()).toBe(0);
    // An integer exponent is integer_pow, whose derivative at y = 0 is 0.
    expect(grad((x: Arr) => np.power(x, 0))(s(0)).item()).toBe(0);
    // jax.hessian(lax.pow)(0.5, 0.) = [[0, 2], [2, log(0.5)^2]]: the mixed derivative 1/x at y = 0.
    const h = grad((x: Arr, y: Arr) => grad((a: Arr, b: Arr) => lax.pow(a, b), { argnums: 1 })(x, y), { argnums: [0, 1] })(s(0.5), s(0));
    expect(h[0].item()).toBeCloseTo(2, 14);
    expect(h[1].item()).toBeCloseTo(Math.log(0.5) ** 2, 14);
    check(lax.pow, [f64([0.5, 2, 1.5], [3]), f64([0, 0, 1], [3])]);
  });
});

it("jvp tangent of a broadcast rank-0 operand has the output's shape", () => {
  const x = f64([1, 2, 3], [3]);
  const [, t] = jvp((a: Arr, b: Arr) => lax.mul(a, b), [x, s0(2)], [f64([0, 0, 0], [3]), s0(1)]);
  expect(t.shape).toEqual([3]);
  expect(flat(t)).toEqual([1, 2, 3]);
  function s0(v: number) {
    return f64([v], []);
  }
});
