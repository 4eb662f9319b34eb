/** fast-check arbitraries for property tests of users' own functions. */
import fc from "fast-check";
import type { DType } from "../../ir/dtype.js";
import type { JArray } from "../core/array.js";
import * as np from "../numpy/index.js";
import { checkOptions, checkedLater, dtype as dtypeKind, nonNegInt, num } from "../core/options.js";

const SHAPE_OPTIONS = { minRank: nonNegInt, maxRank: nonNegInt, minSide: nonNegInt, maxSide: nonNegInt };

export interface ShapeOptions {
  minRank?: number;
  maxRank?: number;
  minSide?: number;
  maxSide?: number;
}

/** Shapes with rank in [minRank, maxRank] (default 0..4) and sides in [minSide, maxSide] (default 1..5). */
export function shape(opts: ShapeOptions = {}): fc.Arbitrary<number[]> {
  checkOptions("testing.arbitraries.shape", opts, SHAPE_OPTIONS);
  return fc.array(fc.integer({ min: opts.minSide ?? 1, max: opts.maxSide ?? 5 }), {
    minLength: opts.minRank ?? 0,
    maxLength: opts.maxRank ?? 4,
  });
}

export interface ArrayOptions {
  shape?: readonly number[] | fc.Arbitrary<readonly number[]>;
  dtype?: DType;
  min?: number;
  max?: number;
}

/** Arrays of a given (or generated) shape and dtype with values in [min, max]. */
export function array(opts: ArrayOptions = {}): fc.Arbitrary<JArray> {
  checkOptions("testing.arbitraries.array", opts, { shape: checkedLater("a shape or an arbitrary of shapes"), dtype: dtypeKind, min: num, max: num });
  const dtype = opts.dtype ?? "float32";
  const shapeArb: fc.Arbitrary<readonly number[]> =
    opts.shape === undefined ? shape() : Array.isArray(opts.shape) ? fc.constant(opts.shape as readonly number[]) : (opts.shape as fc.Arbitrary<readonly number[]>);
  const lo = opts.min ?? (dtype === "uint32" ? 0 : -10);
  const hi = opts.max ?? 10;
  const value: fc.Arbitrary<number> =
    dtype === "bool"
      ? fc.boolean().map((b) => (b ? 1 : 0))
      : dtype === "int32" || dtype === "uint32"
        ? fc.integer({ min: Math.ceil(lo), max: Math.floor(hi) })
        : fc.double({ min: lo, max: hi, noNaN: true, noDefaultInfinity: true });
  return shapeArb.chain((s) => {
    const size = s.reduce((a, b) => a * b, 1);
    return fc.array(value, { minLength: size, maxLength: size }).map((vals) => np.array(Float64Array.from(vals), { dtype, shape: s }));
  });
}

/** `n` shapes that broadcast together (some dims 1, some missing on the left). */
export function broadcastableShapes(n: number, opts: ShapeOptions = {}): fc.Arbitrary<number[][]> {
  checkOptions("testing.arbitraries.broadcastableShapes", opts, SHAPE_OPTIONS, ["n"]);
  return shape(opts).chain((full) =>
    fc.tuple(
      ...Array.from({ length: n }, () =>
        fc
          .tuple(fc.integer({ min: 0, max: full.length }), fc.array(fc.boolean(), { minLength: full.length, maxLength: full.length }))
          .map(([drop, ones]) => full.slice(drop).map((d, i) => (ones[i + drop] ? 1 : d))),
      ),
    ),
  );
}
