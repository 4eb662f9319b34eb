/**
 * Gradients of the differentiable breadth functions (issue 13) by testing.checkGrads (central
 * differences in float64, forward and reverse) over fast-check shapes and values. Domains keep
 * away from kinks (clip-like activations) and poles, where a finite difference means nothing.
 */
import fc from "fast-check";
import { describe, it } from "vitest";
import { lax, nn, numpy as np, scipy, testing } from "../../src/index.js";

type Arr = np.Array;
const { arbitraries: arb, checkGrads } = testing;
const f64 = "float64" as const;
const RUNS = { numRuns: 3, endOnFailure: true };
/**
 * The central-difference step (float64 throughout): JAX's default 1e-4 leaves a truncation error
 * of eps^2 f'''/6 that near a pole (digamma near -1, log1mexp near 0) reaches the 1e-5
 * tolerance in second-order checks; at 1e-6 it is 1e-4 times smaller and round-off stays ~1e-10.
 */
const EPS = 1e-6;
const shapes = (minRank = 1, maxRank = 2, minSide = 1, maxSide = 4) => arb.shape({ minRank, maxRank, minSide, maxSide });
/**
 * float64 arrays with values spread evenly over [min, max]: fc.double's bias toward 0, the
 * bounds and subnormals makes ties and underflow (where no finite difference is meaningful)
 * the common case, so values come from unbiased integers on a fine grid instead.
 */
const values = (shape: fc.Arbitrary<number[]> | number[], min = -2, max = 2): fc.Arbitrary<Arr> =>
  (Array.isArray(shape) ? fc.constant(shape) : shape).chain((s) => {
    const size = s.reduce((p, d) => p * d, 1);
    const steps = 1 << 20;
    return fc
      .array(fc.noBias(fc.integer({ min: 0, max: steps })), { minLength: size, maxLength: size })
      .map((v) => np.array(Float64Array.from(v, (k) => min + ((max - min) * k) / steps), { dtype: f64, shape: s }));
  });
void arb.array;
/** Values at least `gap` away from every point of `avoid`. */
const awayFrom = (a: fc.Arbitrary<Arr>, avoid: number[], gap = 0.05) =>
  a.filter((x) => Array.from(x.dataSync() as Float64Array).every((v) => avoid.every((p) => Math.abs(v - p) > gap)));

function unary(name: string, f: (x: Arr) => Arr, a: fc.Arbitrary<Arr>, order: 1 | 2 = 1): void {
  it(name, () => {
    fc.assert(
      fc.property(a, (x) => {
        checkGrads(f, [x], order, { modes: ["fwd", "rev"], eps: EPS });
      }),
      RUNS,
    );
  });
}

function binary(name: string, f: (x: Arr, y: Arr) => Arr, a: (s: number[]) => fc.Arbitrary<Arr>, b: (s: number[]) => fc.Arbitrary<Arr>, order: 1 | 2 = 1): void {
  it(name, () => {
    fc.assert(
      fc.property(
        shapes().chain((s) => fc.tuple(a(s), b(s))),
        ([x, y]) => {
          checkGrads(f, [x, y], order, { modes: ["fwd", "rev"], eps: EPS });
        },
      ),
      RUNS,
    );
  });
}

describe("elementwise", () => {
  unary("acos", np.acos, values(shapes(), -0.9, 0.9));
  unary("atanh", np.atanh, values(shapes(), -0.9, 0.9));
  unary("acosh", np.acosh, values(shapes(), 1.2, 4));
  binary("atan2", np.atan2, (s) => values(s, 0.3, 2), (s) => values(s, -2, 2));
  binary("copysign (in |x1|)", np.copysign, (s) => awayFrom(values(s), [0]), (s) => awayFrom(values(s), [0]));
  binary("floatPower", np.floatPower, (s) => values(s, 0.3, 3), (s) => values(s, -2, 2), 2);
  binary("logaddexp2", np.logaddexp2, (s) => values(s, -5, 5), (s) => values(s, -5, 5), 2);
  unary("sinc, order 2, including 0", np.sinc, fc.oneof(values(shapes(), -3, 3), fc.constant(np.array([0, 0.5], { dtype: f64 }))), 2);
  unary("modf", (x) => np.modf(x)[0], awayFrom(values(shapes(), -3, 3), [-3, -2, -1, 0, 1, 2, 3]));
  unary("ldexp (in x1)", (x) => np.ldexp(x, np.array(Int32Array.from([3]))), values(shapes()));
  unary("nanToNum", (x) => np.nanToNum(x), values(shapes()));
});

describe("NaN-ignoring reductions (NaNs put in at fixed places; their gradient is 0)", () => {
  // Every row and column keeps at least two numbers.
  const nanMask = np.array([
    [false, true, false, false],
    [true, false, false, true],
    [false, false, true, false],
  ]);
  const withNans = (x: Arr) => np.where(nanMask, NaN, x);
  const rows = values(fc.constant([3, 4]));
  for (const [name, f] of [
    ["nansum", (x: Arr) => np.nansum(withNans(x), 1)],
    ["nanprod", (x: Arr) => np.nanprod(withNans(x), 0)],
    ["nanmean", (x: Arr) => np.nanmean(withNans(x), 1)],
    ["nanvar", (x: Arr) => np.nanvar(withNans(x), null, { ddof: 1 })],
    ["nanstd", (x: Arr) => np.nanstd(withNans(x), 0)],
    ["nanmax", (x: Arr) => np.nanmax(withNans(x), 1)],
    ["nancumsum", (x: Arr) => np.nancumsum(withNans(x), 1)],
    ["nancumprod", (x: Arr) => np.nancumprod(withNans(x), 0)],
  ] as const)
    unary(name, f, rows);
});

describe("polynomials, convolution, differences, moments", () => {
  const vec = (n: number, lo = -2, hi = 2) => values(fc.constant([n]), lo, hi);
  it("polyval, polymul, convolve, correlate (both arguments)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5 }).chain((n) => vec(n)), fc.integer({ min: 1, max: 4 }).chain((m) => vec(m)), (p, q) => {
        checkGrads(np.polyval, [p, q], 2, { modes: ["fwd", "rev"] });
        checkGrads((a: Arr, b: Arr) => np.polymul(a, b), [p, q], 1, { modes: ["fwd", "rev"] });
        for (const mode of ["full", "same", "valid"] as const) {
          checkGrads((a: Arr, b: Arr) => np.convolve(a, b, mode), [p, q], 1, { modes: ["rev"] });
          checkGrads((a: Arr, b: Arr) => np.correlate(a, b, mode), [p, q], 1, { modes: ["rev"] });
        }
      }),
      RUNS,
    );
  });
  unary("polyder", (p) => np.polyder(p, 2), vec(5));
  unary("vander", (x) => np.vander(x, 4), values(shapes(1, 1)));
  unary("diff", (x) => np.diff(x, 2, 0), values(shapes(1, 2, 3, 4)));
  unary("trapezoid", (y) => np.trapezoid(y), values(shapes(1, 2, 2, 4)));
  unary("unwrap", (p) => np.unwrap(p), values(shapes(1, 2, 2, 5), -6, 6));
  unary("cumulativeProd", (x) => np.cumulativeProd(x, -1, { includeInitial: true }), values(shapes(1, 1)));
  unary("cov", (x) => np.cov(x), values(fc.constant([2, 5])), 2);
  unary("corrcoef", (x) => np.corrcoef(x), values(fc.constant([3, 6])));
  binary("cross", (a, b) => np.cross(np.reshape(a, [-1, 1]), np.reshape(b, [-1, 1]), { axisa: 0, axisb: 0 }), () => values([3]), () => values([3]));
  binary("vecdot", (a, b) => np.vecdot(a, b), (s) => values(s), (s) => values(s), 2);
});

describe("nn", () => {
  const acts: [string, (x: Arr) => Arr, number[]][] = [
    ["celu", (x) => nn.celu(x, 0.7), [0]],
    ["selu", nn.selu, [0]],
    ["hardSigmoid", nn.hardSigmoid, [-3, 3]],
    ["hardSilu", nn.hardSilu, [-3, 3]],
    ["hardTanh", nn.hardTanh, [-1, 1]],
    ["mish", nn.mish, []],
    ["softSign", nn.softSign, [0]],
    ["sparsePlus", nn.sparsePlus, [-1, 1]],
    ["sparseSigmoid", nn.sparseSigmoid, [-1, 1]],
    ["squareplus", (x) => nn.squareplus(x, 2), []],
  ];
  for (const [name, f, kinks] of acts) unary(name, f, awayFrom(values(shapes(), -4, 4), kinks, 0.05));
  unary("log1mexp", nn.log1mexp, values(shapes(), 0.05, 5), 2);
  it("log1mexp near its pole (shrunk counterexample of seed -1923848339 with the default step)", () => {
    const x = np.array(Float64Array.from([1.58895841, 4.58928127, 0.31468425, 0.06618252]), { dtype: f64 });
    checkGrads(nn.log1mexp, [x], 2, { modes: ["fwd", "rev"], eps: 1e-6 });
  });
  unary("glu", (x) => nn.glu(x, 0), values(fc.constant([4, 3])));
  unary("logmeanexp", (x) => nn.logmeanexp(x, 1), values(shapes(2, 2)), 2);
  unary("standardize", (x) => nn.standardize(x, { axis: 1, epsilon: 0.1 }), values(shapes(2, 2, 2, 4)));
  it("dotProductAttention (query, key, value, bias; grouped heads)", () => {
    fc.assert(
      fc.property(values([1, 2, 4, 3], -1, 1), values([1, 3, 2, 3], -1, 1), values([1, 3, 2, 3], -1, 1), values([1, 4, 2, 3], -1, 1), (q, k, v, b) => {
        // JAX's (and so jaxts's) attention runs its softmax in float32 even for float64 input,
        // so differences agree to float32 precision only.
        checkGrads((q: Arr, k: Arr, v: Arr, b: Arr) => nn.dotProductAttention(q, k, v, b, null, { isCausal: true }), [q, k, v, b], 1, { modes: ["rev"], atol: 1e-3, rtol: 1e-3 });
      }),
      { numRuns: 2 },
    );
  });
});

describe("lax and scipy.special", () => {
  unary("topK values", (x) => lax.topK(x, 2)[0], values(fc.constant([2, 5])));
  it("convTranspose (lhs and rhs)", () => {
    fc.assert(
      fc.property(values([1, 3, 3, 2], -1, 1), values([2, 2, 2, 2], -1, 1), fc.constantFrom("SAME" as const, "VALID" as const), (l, r, pad) => {
        checkGrads((l: Arr, r: Arr) => lax.convTranspose(l, r, [2, 2], pad), [l, r], 1, { modes: ["fwd", "rev"] });
      }),
      { numRuns: 2 },
    );
  });
  unary("digamma, order 2", scipy.special.digamma, awayFrom(values(shapes(), -3, 6), [-3, -2, -1, 0], 0.1), 2);
  unary("polygamma(1), order 2", (x) => scipy.special.polygamma(1, x), values(shapes(), 0.2, 6), 2);
});
