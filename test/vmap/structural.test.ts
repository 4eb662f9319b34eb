/**
 * vmap of reductions, cumulative ops, shape-changing primitives, pad/concatenate, dynamic
 * slices, iota and sort, against the slice-and-stack loop, under random in/out axes.
 */
import fc from "fast-check";
import { describe, it } from "vitest";
import { lax } from "../../src/index.js";
import { type Arr, type Kind, type Spec, permArb, range, shapeArb, subsetArb, vmapProperty } from "./helpers.js";

const REDUCERS: [string, (x: Arr, axes: number[]) => Arr, Kind][] = [
  ["reduceSum", lax.reduceSum, "f"],
  ["reduceProd", lax.reduceProd, "f"],
  ["reduceMax", lax.reduceMax, "f"],
  ["reduceMin", lax.reduceMin, "i32"],
  ["reduceAnd", lax.reduceAnd, "bool"],
  ["reduceOr", lax.reduceOr, "bool"],
  ["reduceSum int", lax.reduceSum, "i32"],
];

describe("vmap of reductions", () => {
  it.each(REDUCERS)("%s over random axes", (name, red, kind) => {
    vmapProperty(
      shapeArb(0, 3).chain((shape) => subsetArb(shape.length).map((axes): Spec => ({ name: `${name}${JSON.stringify(axes)}`, f: (x) => red(x, axes), args: [{ shape, kind }] }))),
      6,
    );
  });

  it.each([
    ["argmax", lax.argmax],
    ["argmin", lax.argmin],
  ] as const)("%s over a random axis (ties included)", (name, op) => {
    vmapProperty(
      shapeArb(1, 3).chain((shape) =>
        fc.tuple(fc.nat({ max: shape.length - 1 }), fc.constantFrom<Kind>("f", { idx: [0, 2] })).map(
          ([axis, kind]): Spec => ({ name: `${name}(${axis})`, f: (x) => op(x, axis), args: [{ shape, kind }] }),
        ),
      ),
      8,
    );
  });
});

describe("vmap of cumulative ops", () => {
  it.each([
    ["cumsum", lax.cumsum],
    ["cumprod", lax.cumprod],
    ["cummax", lax.cummax],
    ["cummin", lax.cummin],
  ] as const)("%s along a random axis, forward and reverse", (name, op) => {
    vmapProperty(
      shapeArb(1, 3).chain((shape) =>
        fc.tuple(fc.nat({ max: shape.length - 1 }), fc.boolean()).map(([axis, reverse]): Spec => ({ name, f: (x) => op(x, axis, { reverse }), args: [{ shape, kind: "f" }] })),
      ),
      6,
    );
  });
});

describe("vmap of shape primitives", () => {
  it("broadcastInDim (new dims and size-1 dims that grow)", () => {
    vmapProperty(
      shapeArb(0, 3).chain((target) =>
        fc.tuple(subsetArb(target.length), fc.array(fc.boolean(), { minLength: 3, maxLength: 3 })).map(([dims, ones]): Spec => {
          const shape = dims.map((d, i) => (ones[i] ? 1 : target[d]!));
          return { name: `broadcastInDim ${JSON.stringify([shape, target, dims])}`, f: (x) => lax.broadcastInDim(x, target, dims), args: [{ shape, kind: "f" }] };
        }),
      ),
      8,
    );
  });

  it("reshape to a permutation of the sides, with extra 1s", () => {
    vmapProperty(
      shapeArb(0, 3).chain((shape) =>
        fc.tuple(permArb(shape.length), fc.nat({ max: 2 })).map(([perm, ones]): Spec => {
          const newSizes = [...perm.map((p) => shape[p]!), ...range(ones).map(() => 1)];
          return { name: `reshape ${JSON.stringify([shape, newSizes])}`, f: (x) => lax.reshape(x, newSizes), args: [{ shape, kind: "f" }] };
        }),
      ),
      6,
    );
  });

  it("transpose", () => {
    vmapProperty(
      shapeArb(0, 4).chain((shape) => permArb(shape.length).map((perm): Spec => ({ name: `transpose ${perm}`, f: (x) => lax.transpose(x, perm), args: [{ shape, kind: "i32" }] }))),
      6,
    );
  });

  it("squeeze", () => {
    vmapProperty(
      fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 4 }).chain((shape) =>
        subsetArb(shape.length)
          .map((s) => s.filter((i) => shape[i] === 1))
          .map((dims): Spec => ({ name: `squeeze ${dims}`, f: (x) => lax.squeeze(x, dims), args: [{ shape, kind: "f" }] })),
      ),
      8,
    );
  });

  it("rev", () => {
    vmapProperty(
      shapeArb(0, 3).chain((shape) => subsetArb(shape.length).map((dims): Spec => ({ name: `rev ${dims}`, f: (x) => lax.rev(x, dims), args: [{ shape, kind: "f" }] }))),
      6,
    );
  });

  it("slice with strides", () => {
    vmapProperty(
      shapeArb(1, 3, 5).chain((shape) =>
        fc
          .tuple(...shape.map((d) => fc.tuple(fc.integer({ min: 0, max: d }), fc.integer({ min: 0, max: d }), fc.integer({ min: 1, max: 3 }))))
          .map((per): Spec => {
            const starts = per.map(([a, b]) => Math.min(a, b));
            const limits = per.map(([a, b]) => Math.max(a, b));
            const strides = per.map(([, , s]) => s);
            return { name: `slice ${JSON.stringify([starts, limits, strides])}`, f: (x) => lax.slice(x, starts, limits, strides), args: [{ shape, kind: "f" }] };
          }),
      ),
      8,
    );
  });
});

describe("vmap of pad and concatenate", () => {
  const padConfig = (shape: readonly number[]) =>
    fc
      .tuple(...shape.map(() => fc.tuple(fc.integer({ min: -1, max: 2 }), fc.integer({ min: -1, max: 2 }), fc.integer({ min: 0, max: 2 }))))
      .filter((cfg) => cfg.every(([lo, hi, interior], i) => lo + hi + shape[i]! + (shape[i]! - 1) * interior >= 0));

  it("pad with negative, positive and interior padding; the padding value batched or not", () => {
    vmapProperty(
      shapeArb(1, 3).chain((shape) =>
        padConfig(shape).map((cfg): Spec => ({
          name: `pad ${JSON.stringify(cfg)}`,
          f: (x, v) => lax.pad(x, v, cfg),
          args: [
            { shape, kind: "f" },
            { shape: [], kind: "f" },
          ],
        })),
      ),
      12,
    );
  });

  it("pad of int32 and bool operands", () => {
    vmapProperty(
      shapeArb(1, 2).chain((shape) =>
        fc.tuple(padConfig(shape), fc.constantFrom<Kind>("i32", "bool")).map(([cfg, kind]): Spec => ({
          name: `pad ${kind} ${JSON.stringify(cfg)}`,
          f: (x, v) => lax.pad(x, v, cfg),
          args: [
            { shape, kind },
            { shape: [], kind },
          ],
        })),
      ),
      8,
    );
  });

  it("concatenate of 1 to 3 operands along a random dimension", () => {
    vmapProperty(
      shapeArb(1, 3).chain((shape) =>
        fc.tuple(fc.nat({ max: shape.length - 1 }), fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 3 })).map(([dim, sizes]): Spec => ({
          name: `concatenate dim ${dim}`,
          f: (...xs) => lax.concatenate(xs, dim),
          args: sizes.map((s) => ({ shape: shape.map((d, i) => (i === dim ? s : d)), kind: "f" })),
        })),
      ),
      10,
    );
  });
});

describe("vmap of dynamic slices", () => {
  it("dynamicSlice with batched and unbatched start indices (out of range ones clamp)", () => {
    vmapProperty(
      shapeArb(1, 3, 4).chain((shape) =>
        fc.tuple(...shape.map((d) => fc.integer({ min: 0, max: d }))).map((sizes): Spec => ({
          name: `dynamicSlice ${JSON.stringify([shape, sizes])}`,
          f: (x, ...idx) => lax.dynamicSlice(x, idx, sizes),
          args: [{ shape, kind: "f" }, ...shape.map((d) => ({ shape: [], kind: { idx: [-2, d + 1] } as Kind }))],
        })),
      ),
      14,
    );
  });

  it("dynamicUpdateSlice with batched and unbatched operand, update and start indices", () => {
    vmapProperty(
      shapeArb(1, 3, 4).chain((shape) =>
        fc.tuple(...shape.map((d) => fc.integer({ min: 0, max: d }))).map((usizes): Spec => ({
          name: `dynamicUpdateSlice ${JSON.stringify([shape, usizes])}`,
          f: (x, u, ...idx) => lax.dynamicUpdateSlice(x, u, idx),
          args: [{ shape, kind: "f" }, { shape: usizes, kind: "f" }, ...shape.map((d) => ({ shape: [], kind: { idx: [-2, d + 1] } as Kind }))],
        })),
      ),
      14,
    );
  });

  it("dynamicSlice of a rank-0 operand", () => {
    vmapProperty(fc.constant<Spec>({ name: "dynamicSlice rank 0", f: (x) => lax.dynamicSlice(x, [], []), args: [{ shape: [], kind: "f" }] }), 2);
  });
});

describe("vmap of iota-using functions", () => {
  it("x + iota, x * broadcastedIota, and a one-hot by comparing with iota", () => {
    vmapProperty(
      shapeArb(1, 3).chain((shape) =>
        fc.nat({ max: shape.length - 1 }).map((dim): Spec => ({
          name: `iota dim ${dim}`,
          f: (x, k) => [
            lax.add(x, lax.convertElementType(lax.broadcastedIota("int32", shape, dim), "float64")),
            lax.mul(x, lax.convertElementType(lax.broadcastedIota("int32", shape, dim), "float64")),
            lax.eq(lax.iota("int32", 4), k),
          ],
          args: [
            { shape, kind: "f" },
            { shape: [], kind: { idx: [0, 3] } },
          ],
        })),
      ),
      6,
    );
  });

  it("a function whose result is only iota (unmapped output broadcast along outAxes)", () => {
    vmapProperty(fc.constant<Spec>({ name: "iota only", f: (_x) => lax.iota("int32", 3), args: [{ shape: [2], kind: "f" }] }), 3);
  });
});

describe("vmap of sort", () => {
  it("multi-operand sort with 1..k keys along a random dimension (ties included)", () => {
    vmapProperty(
      shapeArb(1, 3, 4).chain((shape) =>
        fc.tuple(fc.nat({ max: shape.length - 1 }), fc.integer({ min: 1, max: 3 })).chain(([dimension, k]) =>
          fc.integer({ min: 1, max: k }).map((numKeys): Spec => ({
            name: `sort dim ${dimension} k ${k} keys ${numKeys}`,
            f: (...xs) => lax.sort(xs, { dimension, numKeys }),
            args: range(k).map((i) => ({ shape, kind: i % 2 === 0 ? ({ idx: [0, 2] } as Kind) : "f" })),
          })),
        ),
      ),
      10,
    );
  });

  it("single-operand sort", () => {
    vmapProperty(shapeArb(1, 3).map((shape): Spec => ({ name: "sort", f: (x) => lax.sort(x), args: [{ shape, kind: "f" }] })), 4);
  });
});
