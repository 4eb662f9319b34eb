/** The reference interpreter: sort and threefry2x32. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { allIndices, arr, get, run, runAll } from "./refHelpers.js";

describe("sort", () => {
  it("sorts by several keys, stably, NaN last, -0 equal to 0 (JAX on CPU)", () => {
    const k1 = arr([2, NaN, 1, 2, -0, 0, 1, -Infinity]);
    const k2 = arr([3, 0, 5, 1, 9, 8, 5, 2], [8], "int32");
    const v = arr([0, 1, 2, 3, 4, 5, 6, 7], [8], "int32");
    const [a, b, c] = runAll("sort", [k1, k2, v], { dimension: 0, isStable: true, numKeys: 2 });
    expect(a!.data).toEqual([-Infinity, 0, -0, 1, 1, 2, 2, NaN]);
    expect(b!.data).toEqual([2, 8, 9, 5, 5, 1, 3, 0]);
    expect(c!.data).toEqual([7, 5, 4, 2, 6, 3, 0, 1]);
  });

  it("keeps the original order of equal keys, -0 and 0 included", () => {
    const [k, v] = runAll("sort", [arr([0, -0, 0, -0, NaN, NaN]), arr([0, 1, 2, 3, 4, 5], [6], "int32")], { dimension: 0, isStable: true, numKeys: 1 });
    expect(k!.data).toEqual([0, -0, 0, -0, NaN, NaN]);
    expect(v!.data).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it("sorts every line along the dimension, carrying the other operands (property)", () => {
    const arb = fc
      .tuple(fc.integer({ min: 0, max: 4 }), fc.integer({ min: 0, max: 4 }), fc.integer({ min: 0, max: 1 }))
      .chain(([r, c, dim]) => fc.tuple(fc.constant([r, c]), fc.constant(dim), fc.array(fc.integer({ min: -3, max: 3 }), { minLength: r * c, maxLength: r * c })));
    fc.assert(
      fc.property(arb, ([shape, dim, data]) => {
        const keys = arr(data, shape, "int32");
        const pos = arr(data.map((_, i) => i), shape, "int32");
        const [k, p] = runAll("sort", [keys, pos], { dimension: dim, isStable: true, numKeys: 1 });
        const other = 1 - dim;
        for (let line = 0; line < shape[other]!; line++) {
          const idx = (j: number) => (dim === 0 ? [j, line] : [line, j]);
          const n = shape[dim]!;
          const entries = [...Array(n).keys()].map((j) => [get(keys, idx(j)), get(pos, idx(j))] as const);
          const sorted = [...entries].sort((x, y) => x[0] - y[0] || x[1] - y[1]);
          expect([...Array(n).keys()].map((j) => [get(k!, idx(j)), get(p!, idx(j))])).toEqual(sorted);
        }
        expect(allIndices(shape).length).toBe(k!.data.length);
      }),
    );
  });

  it("uint32 keys sort unsigned; float32 keys keep their dtype", () => {
    expect(run("sort", [arr([0xffffffff, 1, 0x80000000], [3], "uint32")], { dimension: 0, isStable: false, numKeys: 1 }).data).toEqual([1, 0x80000000, 0xffffffff]);
    expect(run("sort", [arr([2.5, -1, Infinity, NaN, -Infinity], [5], "float32")], { dimension: 0, isStable: false, numKeys: 1 })).toEqual(
      arr([-Infinity, -1, 2.5, Infinity, NaN], [5], "float32"),
    );
  });
});

describe("threefry2x32", () => {
  // Known-answer vectors from the Random123 paper, as in JAX's random tests.
  const vectors = [
    [[0x13198a2e, 0x03707344], [0x243f6a88, 0x85a308d3], [0xc4923a9c, 0x483df7a0]],
    [[0, 0], [0, 0], [0x6b200159, 0x99ba4efe]],
    [[0xffffffff, 0xffffffff], [0xffffffff, 0xffffffff], [0x1cb996fc, 0xbb002be7]],
  ] as const;
  const u32 = (xs: number[], shape = [xs.length]) => arr(xs, shape, "uint32");

  for (const [[k0, k1], [x0, x1], [y0, y1]] of vectors) {
    it(`key (${k0.toString(16)}, ${k1.toString(16)}), counts (${x0.toString(16)}, ${x1.toString(16)})`, () => {
      const [a, b] = runAll("threefry2x32", [u32([k0], []), u32([k1], []), u32([x0]), u32([x1])], {});
      expect([a!.data[0], b!.data[0]]).toEqual([y0, y1]);
    });
  }

  it("works elementwise over arrays of counts, empty ones included", () => {
    const [a, b] = runAll("threefry2x32", [u32([0], []), u32([0], []), u32([0, 0xffffffff, 0], [3, 1]), u32([0, 0xffffffff, 0], [3, 1])], {});
    expect(a!.shape).toEqual([3, 1]);
    expect(a!.data[0]).toBe(0x6b200159);
    expect(b!.data[2]).toBe(0x99ba4efe);
    const [c] = runAll("threefry2x32", [u32([1], []), u32([2], []), u32([], [0]), u32([], [0])], {});
    expect(c!.data).toEqual([]);
  });
});
