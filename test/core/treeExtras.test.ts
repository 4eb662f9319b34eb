/** `tree.map(f, t, ...rest, {isLeaf})`, `isLeaf` on flatten/leaves/structure, and `tree.transpose`, as JAX's. */
import { describe, expect, it } from "vitest";
import { numpy as np, tree } from "../../src/index.js";

describe("isLeaf", () => {
  it("tree.map stops at the subtrees isLeaf accepts (JAX's is_leaf)", () => {
    const t = { a: [1, 2], b: { c: [3, 4] } };
    const isPair = (x: unknown) => Array.isArray(x) && x.length === 2 && x.every((v) => typeof v === "number");
    expect(tree.map((p: number[]) => p[0]! + p[1]!, t, { isLeaf: isPair })).toEqual({ a: 3, b: { c: 7 } });
    // The rest trees are flattened up to the first tree's (isLeaf-cut) structure, as in JAX.
    expect(tree.map((p: number[], q: number[]) => p.length + q.length, t, { a: [0, 0, 0], b: { c: [] } }, { isLeaf: isPair })).toEqual({ a: 5, b: { c: 2 } });
    // isLeaf: null is the default.
    expect(tree.map((x: number) => x * 10, [1, [2]], { isLeaf: null })).toEqual([10, [20]]);
  });

  it("a last argument that is a tree (not exactly {isLeaf}) is still a rest tree", () => {
    expect(tree.map((x: number, y: number) => x + y, { isLeaf: 1 }, { isLeaf: 2 })).toEqual({ isLeaf: 3 });
    expect(tree.map((x: number, y: number) => x + y, { a: 1, isLeaf: 1 }, { a: 2, isLeaf: 2 })).toEqual({ a: 3, isLeaf: 3 });
  });

  it("flatten, leaves and structure take {isLeaf}; unknown options are rejected", () => {
    const isArr = (x: unknown) => x instanceof np.Array;
    const t = { p: [np.ones([2]), null], q: 3 };
    const [leaves, def] = tree.flatten(t, { isLeaf: (x) => x === null || isArr(x) });
    expect(leaves.length).toBe(3);
    expect(tree.unflatten(def, leaves)).toEqual(t);
    expect(tree.leaves([[1, 2], [3]], { isLeaf: Array.isArray })).toEqual([[[1, 2], [3]]]);
    expect(tree.structure([[1, 2], [3]], { isLeaf: (x) => Array.isArray(x) && x.length === 1 })).toEqual(tree.structure([[0, 0], 0]));
    expect(() => tree.flatten([1], { is_leaf: Array.isArray } as never)).toThrow('tree.flatten: unknown option "is_leaf"; it accepts {isLeaf?}');
    expect(() => tree.map((x: number) => x, [1], 3 as never)).toThrow("tree.map: argument 2: expected a tree of structure PyTreeDef([*])");
  });
});

describe("tree.transpose", () => {
  it("turns a list of dicts into a dict of lists, as JAX's", () => {
    const t = [
      { a: 1, b: 2 },
      { a: 3, b: 4 },
      { a: 5, b: 6 },
    ];
    const outer = tree.structure([0, 0, 0]);
    const inner = tree.structure({ a: 0, b: 0 });
    expect(tree.transpose(outer, inner, t)).toEqual({ a: [1, 3, 5], b: [2, 4, 6] });
    // inner inferred from the first subtree; transposing back gives the original
    expect(tree.transpose(outer, null, t)).toEqual({ a: [1, 3, 5], b: [2, 4, 6] });
    expect(tree.transpose(inner, outer, { a: [1, 3, 5], b: [2, 4, 6] })).toEqual(t);
  });

  it("works with nested inner structures and array leaves", () => {
    const x = np.ones([2]);
    const out = tree.transpose(tree.structure({ u: 0, v: 0 }), tree.structure([0, [0, 0]]), { u: [x, [1, 2]], v: [x, [3, 4]] }) as unknown[];
    expect(out[0]).toEqual({ u: x, v: x });
    expect(out[1]).toEqual([{ u: 1, v: 3 }, { u: 2, v: 4 }]);
  });

  it("a mismatched structure is a TypeError naming both structures", () => {
    const outer = tree.structure([0, 0]);
    expect(() => tree.transpose(outer, tree.structure({ a: 0 }), [{ a: 1 }, { b: 2 }])).toThrow(
      "tree.transpose: leaf 1 of the outer structure PyTreeDef([*, *]) has structure PyTreeDef({b: *}), expected the inner structure PyTreeDef({a: *})",
    );
    expect(() => tree.transpose(outer, null, [1, 2, 3])).toThrow("tree.transpose: the outer structure: expected a tree of structure PyTreeDef([*, *])");
    expect(() => tree.transpose([0, 0] as never, null, [1, 2])).toThrow("tree.transpose: outerTreedef must be a tree structure (from tree.structure), got object");
  });
});
