/** The reference interpreter: structural primitives, against JS models and round trips. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type Arr, allIndices, arr, build, flatten, get, mapAxis, type Nested, nestedShape, run, scalar, toNested, values } from "./refHelpers.js";

const shapeArb = (maxRank = 4, maxDim = 4) => fc.array(fc.integer({ min: 0, max: maxDim }), { minLength: 0, maxLength: maxRank });
/** An array whose values are their own flat positions, so every misplacement shows. */
const positions = (shape: readonly number[]): Arr => {
  const a = build(shape, () => 0);
  return { ...a, data: a.data.map((_, i) => i) };
};
const permutationArb = (n: number) => fc.shuffledSubarray([...Array(n).keys()], { minLength: n, maxLength: n });

describe("transpose", () => {
  it("moves element idx to idx permuted, and the inverse permutation undoes it (property)", () => {
    fc.assert(
      fc.property(
        shapeArb().chain((shape) => fc.tuple(fc.constant(shape), permutationArb(shape.length))),
        ([shape, perm]) => {
          const x = positions(shape);
          const y = run("transpose", [x], { permutation: perm });
          expect(y.shape).toEqual(perm.map((p) => shape[p]));
          for (const idx of allIndices(y.shape)) {
            const src = new Array<number>(shape.length);
            perm.forEach((p, k) => (src[p] = idx[k]!));
            expect(get(y, idx)).toBe(get(x, src));
          }
          const inverse = new Array<number>(perm.length);
          perm.forEach((p, k) => (inverse[p] = k));
          expect(run("transpose", [y], { permutation: inverse }).data).toEqual(x.data);
        },
      ),
    );
  });

  it("a 2-D transpose", () => {
    expect(values("transpose", [arr([1, 2, 3, 4, 5, 6], [2, 3])], { permutation: [1, 0] })).toEqual([1, 4, 2, 5, 3, 6]);
  });
});

describe("slice", () => {
  it("picks the Cartesian product of per-dim ranges (property)", () => {
    const arb = shapeArb(3, 6).chain((shape) =>
      fc.tuple(
        fc.constant(shape),
        fc.tuple(
          ...shape.map((d) =>
            fc
              .tuple(fc.integer({ min: 0, max: d }), fc.integer({ min: 0, max: d }), fc.integer({ min: 1, max: 3 }))
              .map(([a, b, s]) => [Math.min(a, b), Math.max(a, b), s] as const),
          ),
        ),
        fc.boolean(),
      ),
    );
    fc.assert(
      fc.property(arb, ([shape, dims, withStrides]) => {
        const x = positions(shape);
        const ranges = dims.map(([s, l, st]) => {
          const r: number[] = [];
          for (let i = s; i < l; i += withStrides ? st : 1) r.push(i);
          return r;
        });
        const model = allIndices(ranges.map((r) => r.length)).map((k) => get(x, k.map((j, d) => ranges[d]![j]!)));
        const y = run("slice", [x], {
          startIndices: dims.map((d) => d[0]),
          limitIndices: dims.map((d) => d[1]),
          strides: withStrides ? dims.map((d) => d[2]) : null,
        });
        expect(y.shape).toEqual(ranges.map((r) => r.length));
        expect(y.data).toEqual(model);
      }),
    );
  });
});

/** 1-D lax.pad of a list, as the definition reads: interior, then lo/hi (negative = crop). */
function pad1(xs: Nested[], lo: number, hi: number, interior: number, v: number): Nested[] {
  const filler = (like: Nested): Nested => (typeof like === "number" ? v : like.map(filler));
  const like = xs[0] ?? v;
  const body: Nested[] = [];
  xs.forEach((x, i) => {
    if (i > 0) for (let k = 0; k < interior; k++) body.push(filler(like));
    body.push(x);
  });
  let out = [...Array.from({ length: Math.max(lo, 0) }, () => filler(like)), ...body, ...Array.from({ length: Math.max(hi, 0) }, () => filler(like))];
  if (lo < 0) out = out.slice(-lo);
  if (hi < 0) out = out.slice(0, out.length + hi);
  return out;
}

describe("pad", () => {
  it("matches padding one axis at a time, with negative (cropping) and interior padding (property)", () => {
    const arb = fc
      .array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 3 })
      .chain((shape) =>
        fc.tuple(
          fc.constant(shape),
          fc.tuple(...shape.map(() => fc.tuple(fc.integer({ min: -2, max: 2 }), fc.integer({ min: -2, max: 2 }), fc.integer({ min: 0, max: 2 })))),
        ),
      )
      .filter(([shape, cfg]) => shape.every((d, i) => cfg[i]![0] + cfg[i]![1] + d + (d - 1) * cfg[i]![2] >= 0));
    fc.assert(
      fc.property(arb, ([shape, cfg]) => {
        const x = { ...positions(shape), data: positions(shape).data.map((v) => v + 1) };
        let nested = toNested(x);
        cfg.forEach(([lo, hi, interior], axis) => (nested = mapAxis(nested, axis, (xs) => pad1(xs, lo, hi, interior, -1))));
        const y = run("pad", [x, scalar(-1)], { paddingConfig: cfg });
        expect(y.shape).toEqual(nestedShape(nested, shape.length, y.shape));
        expect(y.data).toEqual(y.data.length === 0 ? [] : flatten(nested));
      }),
    );
  });

  it("a worked example: [[1,2],[3,4]] with (1,0,1) and (-1,1,0)", () => {
    // rows: one pad row on top, one interior row; cols: drop the first, one pad column at the end
    expect(values("pad", [arr([1, 2, 3, 4], [2, 2]), scalar(0)], { paddingConfig: [[1, 0, 1], [-1, 1, 0]] })).toEqual([0, 0, 2, 0, 0, 0, 4, 0]);
  });

  it("pads an empty dim", () => {
    expect(run("pad", [arr([], [0], "int32"), scalar(7, "int32")], { paddingConfig: [[1, 2, 3]] }).data).toEqual([7, 7, 7]);
  });
});

describe("concatenate, broadcastInDim, rev, reshape, squeeze, iota", () => {
  it("concatenate matches nested-list concatenation along the axis (property)", () => {
    const arb = fc
      .tuple(shapeArb(3, 3).filter((s) => s.length > 0), fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 3 }))
      .chain(([shape, sizes]) => fc.tuple(fc.constant(shape), fc.constant(sizes), fc.integer({ min: 0, max: shape.length - 1 })));
    fc.assert(
      fc.property(arb, ([shape, sizes, axis]) => {
        let offset = 0;
        const xs = sizes.map((n) => {
          const s = shape.map((d, i) => (i === axis ? n : d));
          const a = positions(s);
          const shifted = { ...a, data: a.data.map((v) => v + offset) };
          offset += 1000;
          return shifted;
        });
        const y = run("concatenate", xs, { dimension: axis });
        const outShape = shape.map((d, i) => (i === axis ? sizes.reduce((p, q) => p + q, 0) : d));
        expect(y.shape).toEqual(outShape);
        // model: output element idx comes from the operand whose range along axis holds idx[axis]
        const model = allIndices(outShape).map((idx) => {
          let k = 0;
          let i = idx[axis]!;
          while (i >= sizes[k]!) i -= sizes[k++]!;
          return get(xs[k]!, idx.map((v, d) => (d === axis ? i : v)));
        });
        expect(y.data).toEqual(model);
      }),
    );
  });

  it("broadcastInDim maps output idx to the operand, size-1 dims repeating (property)", () => {
    const arb = fc
      .array(fc.integer({ min: 0, max: 3 }), { minLength: 0, maxLength: 4 })
      .chain((outShape) =>
        fc.tuple(fc.constant(outShape), fc.subarray([...outShape.keys()]), fc.array(fc.boolean(), { minLength: outShape.length, maxLength: outShape.length })),
      );
    fc.assert(
      fc.property(arb, ([outShape, dims, ones]) => {
        const inShape = dims.map((d) => (ones[d] ? 1 : outShape[d]!));
        const x = positions(inShape);
        const y = run("broadcastInDim", [x], { shape: outShape, broadcastDimensions: dims });
        expect(y.data).toEqual(allIndices(outShape).map((idx) => get(x, dims.map((d, i) => (inShape[i] === 1 ? 0 : idx[d]!)))));
      }),
    );
  });

  it("rev reverses the chosen dims (property), and twice is the identity", () => {
    const arb = shapeArb().chain((shape) => fc.tuple(fc.constant(shape), fc.subarray([...shape.keys()])));
    fc.assert(
      fc.property(arb, ([shape, dims]) => {
        const x = positions(shape);
        let nested = toNested(x);
        for (const d of dims) nested = mapAxis(nested, d, (xs) => [...xs].reverse());
        const y = run("rev", [x], { dimensions: dims });
        expect(y.data).toEqual(y.data.length ? flatten(nested) : []);
        expect(run("rev", [y], { dimensions: dims }).data).toEqual(x.data);
      }),
    );
  });

  it("reshape and squeeze keep the row-major order", () => {
    expect(run("reshape", [arr([1, 2, 3, 4, 5, 6], [2, 3])], { newSizes: [3, 1, 2] })).toEqual(arr([1, 2, 3, 4, 5, 6], [3, 1, 2]));
    expect(run("squeeze", [arr([1, 2, 3], [1, 3, 1])], { dimensions: [0, 2] })).toEqual(arr([1, 2, 3], [3]));
    expect(run("reshape", [arr([], [0, 3])], { newSizes: [3, 0] }).data).toEqual([]);
  });

  it("iota counts along one dimension in any dtype", () => {
    expect(run("iota", [], { dtype: "int32", shape: [2, 3], dimension: 1 })).toEqual(arr([0, 1, 2, 0, 1, 2], [2, 3], "int32"));
    expect(run("iota", [], { dtype: "float32", shape: [3, 2], dimension: 0 })).toEqual(arr([0, 0, 1, 1, 2, 2], [3, 2], "float32"));
    expect(run("iota", [], { dtype: "uint32", shape: [0], dimension: 0 }).data).toEqual([]);
  });
});

describe("dynamicSlice and dynamicUpdateSlice clamp their starts so the window fits", () => {
  const x = positions([4, 5]);
  const idx = (v: number) => scalar(v, "int32");

  it("dynamicSlice equals slice at the clamped start (property)", () => {
    fc.assert(
      fc.property(fc.integer({ min: -6, max: 9 }), fc.integer({ min: -6, max: 9 }), fc.integer({ min: 0, max: 4 }), fc.integer({ min: 0, max: 5 }), (i, j, h, w) => {
        const ci = Math.min(Math.max(i, 0), 4 - h);
        const cj = Math.min(Math.max(j, 0), 5 - w);
        const got = run("dynamicSlice", [x, idx(i), idx(j)], { sliceSizes: [h, w] });
        const want = run("slice", [x], { startIndices: [ci, cj], limitIndices: [ci + h, cj + w], strides: null });
        expect(got).toEqual(want);
      }),
    );
  });

  it("takes uint32 start indices", () => {
    expect(values("dynamicSlice", [arr([1, 2, 3, 4]), scalar(0xffffffff, "uint32")], { sliceSizes: [2] })).toEqual([3, 4]);
  });

  it("dynamicUpdateSlice writes the update at the clamped start and leaves the operand alone", () => {
    const u = arr([-1, -2, -3, -4], [2, 2]);
    const y = run("dynamicUpdateSlice", [x, u, idx(3), idx(-2)], {});
    const want = [...x.data];
    // start clamped to (2, 0)
    want[2 * 5 + 0] = -1;
    want[2 * 5 + 1] = -2;
    want[3 * 5 + 0] = -3;
    want[3 * 5 + 1] = -4;
    expect(y.data).toEqual(want);
    expect(x.data[10]).toBe(10);
  });
});
