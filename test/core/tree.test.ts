import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { numpy as np, tree } from "../../src/index.js";

class Point {
  constructor(
    readonly x: unknown,
    readonly y: unknown,
    readonly label: string,
  ) {}
}
tree.register(
  Point,
  (p) => [[p.x, p.y], p.label],
  (label, [x, y]) => new Point(x, y, label as string),
);

// Arbitrary JSON-like trees of numbers, arrays, objects and nulls.
const treeArb: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  node: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.integer(),
    fc.constant(null),
    fc.array(tie("node"), { maxLength: 4 }),
    fc.dictionary(fc.string({ minLength: 1, maxLength: 3 }), tie("node"), { maxKeys: 4 }),
  ),
})).node;

describe("tree", () => {
  it("flattens objects in sorted key order, skipping null and undefined", () => {
    const [leaves, def] = tree.flatten({ b: 2, a: [1, null, { c: 3, d: undefined }] });
    expect(leaves).toEqual([1, 3, 2]);
    expect(tree.treeDefString(def)).toBe("PyTreeDef({a: [*, null, {c: *, d: undefined}], b: *})");
  });

  it("unflatten(flatten(t)) rebuilds t (property)", () => {
    fc.assert(
      fc.property(treeArb, (t) => {
        const [leaves, def] = tree.flatten(t);
        expect(tree.unflatten(def, leaves)).toEqual(t);
      }),
    );
  });

  it("map keeps structure and zips several trees", () => {
    fc.assert(
      fc.property(treeArb, (t) => {
        const doubled = tree.map((x: number) => 2 * x, t);
        expect(tree.leaves(doubled)).toEqual(tree.leaves(t).map((x: number) => 2 * x));
        const summed = tree.map((x: number, y: number) => x + y, t, doubled);
        expect(tree.leaves(summed)).toEqual(tree.leaves(t).map((x: number) => 3 * x));
      }),
    );
  });

  it("treats arrays as leaves and supports registered classes", () => {
    const a = np.ones([2]);
    const p = new Point(a, [1, 2], "p");
    const [leaves, def] = tree.flatten(p);
    expect(leaves).toEqual([a, 1, 2]);
    const q = tree.unflatten<Point>(def, [0, 1, 2]);
    expect(q).toBeInstanceOf(Point);
    expect(q.label).toBe("p");
    expect(q.y).toEqual([1, 2]);
  });

  it("reports structure mismatches as TypeErrors naming both structures", () => {
    expect(() => tree.map((x: number, y: number) => x + y, [1, 2], [1])).toThrow(TypeError);
    expect(() => tree.map((x: number, y: number) => x + y, { a: 1 }, { b: 1 })).toThrow(/PyTreeDef\(\{a: \*\}\)/);
    expect(() => tree.unflatten(tree.structure([1, 2]), [1])).toThrow(/2 leaves, got 1/);
  });

  it("structure and leaves agree with flatten", () => {
    const t = { w: [np.ones([1]), 3], b: null };
    expect(tree.leaves(t).length).toBe(2);
    expect(tree.structure(t)).toEqual(tree.flatten(t)[1]);
  });
});
