/**
 * Shared helpers of the checkgrads.*.test.ts files: float64 arbitraries that stay away from
 * the points where a function is not differentiable, and `check` (JAX's check_grads at
 * orders 1 and 2, forward and reverse, with JAX's default tolerances).
 */
import fc from "fast-check";
import { numpy as np, testing } from "../../src/index.js";

export type Arr = np.Array;
type Fn = (...args: any[]) => any;

/**
 * The central-difference step for float64 arguments. JAX's default (1e-4) leaves a truncation
 * error of eps^2 f'''/6, which near a pole or a branch point (asin at 0.85, digamma near -1)
 * reaches the 1e-5 tolerance in second-order checks; at 1e-6 it is 1e-4 times smaller, and
 * float64 round-off (1e-16 |f| / eps) stays near 1e-10. float32 arguments keep JAX's step.
 */
export const F64_EPS = 1e-6;

const allFloat64 = (args: readonly unknown[]): boolean => {
  const leaves = args.flatMap((a) => (a instanceof np.Array ? [a] : Array.isArray(a) ? a.filter((x) => x instanceof np.Array) : []));
  return leaves.length > 0 && leaves.every((x) => x.dtype === "float64");
};

/** checkGrads in forward and reverse mode, at `order` (2 checks order 1 on the way). */
export function check(f: Fn, args: readonly unknown[], order = 2, opts: { atol?: number; rtol?: number; eps?: number } = {}): void {
  testing.checkGrads(f, args, order, { modes: ["fwd", "rev"], ...(allFloat64(args) ? { eps: F64_EPS } : {}), ...opts });
}

/**
 * A property's number of runs, scaled by the CHECKGRADS_RUNS environment variable (default 1;
 * e.g. CHECKGRADS_RUNS=20 for a long hunt for counterexamples).
 */
export const runs = (n: number): number => Math.max(1, Math.round(n * Number(globalThis.process?.env?.CHECKGRADS_RUNS ?? 1)));

export const sizeOf = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

export const f64 = (data: readonly number[] | Float64Array, shape: readonly number[]): Arr =>
  np.array(Float64Array.from(data), { dtype: "float64", shape });

/** Shapes of rank minRank..maxRank with sides minSide..maxSide. */
export const shapes = (opts: { minRank?: number; maxRank?: number; minSide?: number; maxSide?: number } = {}) =>
  testing.arbitraries.shape({ minRank: opts.minRank ?? 0, maxRank: opts.maxRank ?? 3, minSide: opts.minSide ?? 1, maxSide: opts.maxSide ?? 4 });

/** float64 arrays with values in [min, max] (the package's own arbitrary). */
export const arr = (shape: readonly number[] | fc.Arbitrary<readonly number[]>, min = -2, max = 2) =>
  testing.arbitraries.array({ shape, dtype: "float64", min, max });

/** float64 arrays whose elements come from `value`. */
export function arrOf(shape: readonly number[], value: fc.Arbitrary<number>): fc.Arbitrary<Arr> {
  return fc.array(value, { minLength: sizeOf(shape), maxLength: sizeOf(shape) }).map((v) => f64(v, shape));
}

/** `arrOf` over generated shapes. */
export const arrOfShape = (shapeArb: fc.Arbitrary<readonly number[]>, value: fc.Arbitrary<number>) => shapeArb.chain((s) => arrOf(s, value));

export const uniform = (min: number, max: number) => fc.double({ min, max, noNaN: true, noDefaultInfinity: true });

/** Values with |v| in [lo, hi] (either sign): away from 0. */
export const awayFromZero = (lo: number, hi: number) => fc.tuple(uniform(lo, hi), fc.boolean()).map(([v, neg]) => (neg ? -v : v));

/** Values in [min, max] at least `margin` away from every integer (and from half-integers if `halves`). */
export function awayFromIntegers(min: number, max: number, margin = 0.1, halves = false): fc.Arbitrary<number> {
  const period = halves ? 0.5 : 1;
  return fc
    .tuple(fc.integer({ min: Math.ceil(min / period), max: Math.floor(max / period) - 1 }), uniform(margin, period - margin))
    .map(([k, f]) => k * period + f);
}

/**
 * float64 arrays of pairwise distinct values at least `gap` apart (so that max/min/sort have a
 * unique answer and central differences never cross a tie), in random order.
 */
export function distinct(shape: readonly number[], opts: { gap?: number; offset?: number } = {}): fc.Arbitrary<Arr> {
  const n = sizeOf(shape);
  const gap = opts.gap ?? 0.25;
  return fc
    .tuple(
      fc.array(fc.integer(), { minLength: n, maxLength: n }),
      fc.array(uniform(0, gap / 4), { minLength: n, maxLength: n }),
    )
    .map(([keys, jitter]) => {
      const order = keys.map((k, i) => [k, i] as const).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
      const rank = new Array<number>(n);
      order.forEach(([, i], r) => (rank[i] = r));
      const offset = opts.offset ?? -(gap * (n - 1)) / 2;
      return f64(rank.map((r, i) => offset + r * gap + jitter[i]!), shape);
    });
}

export const distinctOfShape = (shapeArb: fc.Arbitrary<readonly number[]>, opts: { gap?: number; offset?: number } = {}) =>
  shapeArb.chain((s) => distinct(s, opts));

/** A random subset of `0..n-1` (sorted). */
export const axesOf = (n: number) =>
  fc.array(fc.boolean(), { minLength: n, maxLength: n }).map((bs) => bs.flatMap((b, i) => (b ? [i] : [])));

/** A random permutation of `0..n-1`. */
export const permutationOf = (n: number) =>
  fc.array(fc.integer(), { minLength: n, maxLength: n }).map((keys) =>
    keys
      .map((k, i) => [k, i] as const)
      .sort((a, b) => a[0] - b[0] || a[1] - b[1])
      .map(([, i]) => i),
  );

/** Reads an array as a flat JS array of numbers. */
export const flat = (x: Arr): number[] => Array.from(x.dataSync() as ArrayLike<number>, Number);
