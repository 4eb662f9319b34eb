/**
 * The breadth functions of issue 13 beyond the golden values: identities checked in plain JS
 * (frexp/ldexp round trips, subnormals included, where JAX 0.10.2 is off and numpy is right),
 * shape and dtype queries, and the errors a user gets, each naming the function and the shapes.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ValueError, jit, lax, nn, numpy as np, scipy } from "../../src/index.js";

type Arr = np.Array;
const vals = (x: Arr) => Array.from(x.dataSync() as ArrayLike<number>, Number);

describe("frexp and ldexp", () => {
  it("x = mantissa * 2^exponent with 0.5 <= |mantissa| < 1, for any finite float64, subnormals included", () => {
    fc.assert(
      fc.property(fc.array(fc.double({ noNaN: true, noDefaultInfinity: true }), { minLength: 1, maxLength: 8 }), (xs) => {
        const x = np.array(Float64Array.from(xs));
        const [m, e] = np.frexp(x);
        expect(e.dtype).toBe("int32");
        const mv = vals(m);
        const ev = vals(e);
        xs.forEach((v, i) => {
          if (v === 0) return expect([mv[i], ev[i]]).toEqual([v, 0]);
          expect(Math.abs(mv[i]!)).toBeGreaterThanOrEqual(0.5);
          expect(Math.abs(mv[i]!)).toBeLessThan(1);
          // Exact: scaling by powers of two in two steps avoids overflow of 2^e itself.
          expect(mv[i]! * 2 ** Math.floor(ev[i]! / 2) * 2 ** (ev[i]! - Math.floor(ev[i]! / 2))).toBe(v);
        });
        expect(vals(np.ldexp(m, e))).toEqual(xs);
      }),
      { numRuns: 20 },
    );
  });
  it("float32 subnormals follow numpy (JAX 0.10.2 gives exponent -149 for 2^-149)", () => {
    const [m, e] = np.frexp(np.array(Float32Array.from([2 ** -149, 6e-39])));
    expect(vals(e)).toEqual([-148, -126]);
    expect(vals(m)[0]).toBe(0.5);
  });
  it("ldexp overflows to inf and underflows to 0, and needs integer exponents", () => {
    expect(vals(np.ldexp(np.array([1, 1, -1]), np.array(Int32Array.from([128, -150, 200]))))).toEqual([Infinity, 0, -Infinity]);
    expect(() => np.ldexp(1, 2.5)).toThrow(/np\.ldexp: x2 must be an integer array, got float32/);
  });
});

describe("shape and dtype queries", () => {
  it("shape, ndim, size, isscalar take arrays, numbers and nested lists", () => {
    expect(np.shape([[1, 2, 3], [4, 5, 6]])).toEqual([2, 3]);
    expect(np.shape(3)).toEqual([]);
    expect(np.ndim(np.zeros([2, 3, 4]))).toBe(3);
    expect(np.size(np.zeros([2, 3, 4]))).toBe(24);
    expect(np.size(np.zeros([2, 3, 4]), 1)).toBe(3);
    expect(np.size(np.zeros([2, 3, 4]), { axis: -1 })).toBe(4);
    expect([np.isscalar(1), np.isscalar(true), np.isscalar(np.array(2)), np.isscalar(np.array([2])), np.isscalar([1])]).toEqual([true, true, true, false, false]);
    expect(() => np.shape([[1, 2], [3]])).toThrow(/np\.shape: the nested list is ragged/);
    expect(() => np.size(np.zeros([2]), 3)).toThrow(/np\.size: axis 3 is out of bounds for an array of dimension 1/);
  });
  it("resultType reads JS numbers as JAX's weak Python scalars", () => {
    expect(np.resultType(np.zeros([2], "int32"), 1)).toBe("int32");
    expect(np.resultType(np.zeros([2], "int32"), 1.5)).toBe("float32");
    expect(np.resultType("float32", "float64")).toBe("float64");
    expect(np.resultType(np.zeros([1], "float64"), 2.5)).toBe("float64");
    expect(np.resultType(true, 1)).toBe("int32");
  });
  it("finfo/iinfo reject the other kind", () => {
    expect(() => np.finfo("int32")).toThrow(/np\.finfo: data type int32 not inexact/);
    expect(() => np.iinfo("float32")).toThrow(/np\.iinfo: invalid integer data type "float32"/);
    expect(np.finfo(np.zeros([1], "float64")).eps).toBe(2 ** -52);
  });
});

describe("consistency with the functions they stand for", () => {
  it("aliases are the same functions", () => {
    expect(np.acos).toBe(np.arccos);
    expect(np.atan2).toBe(np.arctan2);
    expect(np.degrees).toBe(np.rad2deg);
    expect(np.bitwiseInvert).toBe(np.bitwiseNot);
    expect(np.hann).toBe(np.hanning);
    expect(nn.hardSwish).toBe(nn.hardSilu);
  });
  it("nan* equal the plain reductions on NaN-free input, eagerly and under jit", () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: -5, max: 5, noNaN: true }), { minLength: 6, maxLength: 6 }), (xs) => {
        const x = np.reshape(np.array(Float64Array.from(xs)), [2, 3]);
        for (const [nanf, f] of [
          [np.nansum, np.sum],
          [np.nanmean, np.mean],
          [np.nanvar, np.var],
          [np.nanmax, np.max],
        ] as const) {
          expect(vals((nanf as (a: Arr, ax: number) => Arr)(x, 1))).toEqual(vals((f as (a: Arr, ax: number) => Arr)(x, 1)).map((v) => expect.closeTo(v, 12)));
          expect(vals(jit((a: Arr) => (nanf as (a: Arr, ax: number) => Arr)(a, 0))(x))).toEqual(vals((f as (a: Arr, ax: number) => Arr)(x, 0)).map((v) => expect.closeTo(v, 12)));
        }
      }),
      { numRuns: 10 },
    );
  });
  it("polymul is convolution and polyval evaluates it: (p*q)(x) = p(x) q(x)", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -5, max: 5 }), { minLength: 1, maxLength: 5 }), fc.array(fc.integer({ min: -5, max: 5 }), { minLength: 1, maxLength: 4 }), fc.integer({ min: -3, max: 3 }), (p, q, x) => {
        const P = np.array(Float64Array.from(p));
        const Q = np.array(Float64Array.from(q));
        const lhs = vals(np.polyval(np.polymul(P, Q), x))[0]!;
        const rhs = vals(np.polyval(P, x))[0]! * vals(np.polyval(Q, x))[0]!;
        expect(lhs).toBeCloseTo(rhs, 8);
      }),
      { numRuns: 20 },
    );
  });
  it("topK matches a stable JS sort, ties by lower index", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -3, max: 3 }), { minLength: 1, maxLength: 9 }), fc.nat(), (xs, k0) => {
        const k = k0 % (xs.length + 1);
        const [v, i] = lax.topK(np.array(Int32Array.from(xs)), k);
        const order = xs.map((x, j) => [x, j] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]).slice(0, k);
        expect(vals(v)).toEqual(order.map((o) => o[0]));
        expect(vals(i)).toEqual(order.map((o) => o[1]));
      }),
      { numRuns: 30 },
    );
  });
  it("digamma satisfies its recurrence psi(x + 1) = psi(x) + 1/x in float64", () => {
    fc.assert(
      fc.property(fc.double({ min: -8, max: 20, noNaN: true }).filter((x) => Math.abs(x - Math.round(x)) > 1e-3), (x) => {
        const a = vals(scipy.special.digamma(np.array(Float64Array.from([x, x + 1]))));
        expect(a[1]! - a[0]!).toBeCloseTo(1 / x, 9);
      }),
      { numRuns: 30 },
    );
  });
});

describe("errors name the function and the shapes", () => {
  const f32 = (...s: number[]) => np.zeros(s);
  it.each([
    ["convolve of 2-D input", () => np.convolve(f32(2, 2), f32(2)), /np\.convolve: a must be 1-dimensional, got shape \(2, 2\)/],
    ["empty convolve", () => np.convolve(f32(0), f32(2)), /np\.convolve: inputs cannot be empty/],
    ["cross of 4-vectors", () => np.cross(f32(4), f32(4)), /np\.cross: incompatible dimensions for cross product \(dimension must be 2 or 3\), got 4 and 4/],
    ["matvec mismatch", () => np.matvec(f32(2, 3), f32(4)), /np\.matvec: the contracted dimensions differ \(3 and 4\), shapes \(2, 3\) and \(4,\)/],
    ["vecdot mismatch", () => np.vecdot(f32(2, 3), f32(2)), /np\.vecdot: x1 and x2 must have the same size along axis -1/],
    ["matrixTranspose of 1-D", () => np.matrixTranspose(f32(3)), /np\.matrixTranspose: x must have at least 2 dimensions, got shape \(3,\)/],
    ["vsplit of 1-D", () => np.vsplit(f32(4), 2), /np\.vsplit: only works on arrays of 2 or more dimensions, got shape \(4,\)/],
    ["diagIndicesFrom non-square", () => np.diagIndicesFrom(f32(2, 3)), /np\.diagIndicesFrom: all dimensions of the input must be of equal length, got shape \(2, 3\)/],
    ["cumulativeSum without axis", () => np.cumulativeSum(f32(2, 3)), /np\.cumulativeSum: the input has 2 dimensions \(shape \(2, 3\)\), so axis must be given/],
    ["select lengths", () => np.select([np.less(f32(2), 1)], []), /np\.select: condlist must have the same length as choicelist, got 1 and 0/],
    ["select non-bool", () => np.select([f32(2)], [f32(2)]), /np\.select: condlist\[0\] must be a boolean array, got float32/],
    ["glu odd axis", () => nn.glu(f32(2, 3)), /nn\.glu: axis -1 of shape \(2, 3\) must have an even size/],
    ["attention heads", () => nn.dotProductAttention(f32(1, 2, 3, 4), f32(1, 2, 2, 4), f32(1, 2, 2, 4)), /nn\.dotProductAttention: expected query \[B, T, N, H\], key and value \[B, S, K, H\] with K dividing N/],
    ["attention mask shape", () => nn.dotProductAttention(f32(1, 2, 2, 4), f32(1, 3, 2, 4), f32(1, 3, 2, 4), null, np.ones([5, 5], "bool")), /nn\.dotProductAttention: mask of shape \(5, 5\) does not broadcast to \[B, N, T, S\] = \(1, 2, 2, 3\)/],
    ["topK too large", () => lax.topK(f32(3), 4), /lax\.topK: k \(4\) must be at most the size of the last axis of the operand \(shape \(3,\)\)/],
    ["convTranspose ranks", () => lax.convTranspose(f32(1, 3, 3, 1), f32(2, 2, 1), [1, 1], "SAME"), /lax\.convTranspose: lhs and rhs must have the same rank/],
    ["bitwiseCount of floats", () => np.bitwiseCount(f32(2)), /np\.bitwiseCount: only integer and boolean arrays are supported, got float32/],
    ["geomspace through 0", () => np.geomspace(0, 4), /np\.geomspace: geometric sequence cannot include zero/],
    ["polygamma order", () => scipy.special.polygamma(1.5, 1), /scipy\.special\.polygamma: n must be a non-negative integer/],
    ["window length", () => np.hanning(-1), /np\.hanning: M must be a non-negative integer, got -1/],
    ["unknown option", () => np.convolve(f32(3), f32(2), { mode: "full", method: "fft" } as never), /np\.convolve: unknown option "method"; the options are mode/],
  ])("%s", (_, f, msg) => {
    expect(f).toThrow(msg);
  });
  it("arrayEquiv is false (not an error) for shapes that do not broadcast", () => {
    expect(vals(np.arrayEquiv(f32(3), f32(2)))).toEqual([0]);
    expect(ValueError).toBeDefined();
  });
});
