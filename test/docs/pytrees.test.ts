/**
 * Port of JAX's "Working with pytrees": https://docs.jax.dev/en/latest/working-with-pytrees.html,
 * "Common pytree functions" (leaves of the example trees; tree.map over one and two trees),
 * "Example of jax.tree.map with ML model parameters" (an MLP trained by a jitted SGD update that
 * is a tree.map over params and grads) and "Transposing pytrees" (tree.map with several trees,
 * and jax.tree.transpose), plus is_leaf (jax.tree.map's docstring). Golden values:
 * test/golden/gen_docs.py ("pytrees"); the MLP's initial parameters are recorded there because the
 * docs draw them from NumPy's global RNG.
 */
import { describe, expect, it } from "vitest";
import { grad, jit, nn, numpy as np, tree } from "../../src/index.js";
import { decodeInput, decodeTree } from "../goldenTree.js";
import { expectLikeJax, golden } from "./docsGolden.js";

type Arr = np.Array;
type Layer = { weights: Arr; biases: Arr };
const g = golden("pytrees");

describe("working with pytrees", () => {
  it("leaves of the docs' example trees", () => {
    class Opaque {}
    const exampleTrees = [[1, "a", new Opaque()], [1, [2, 3], []], [1, { k1: 2, k2: [3, 4] }, 5], { a: 2, b: [2, 3] }, np.array([1, 2, 3])];
    expect(exampleTrees.map((t) => tree.leaves(t).length)).toEqual(g.plain.leaf_counts);
  });

  it("tree.map over one tree and over two", () => {
    const listOfLists = [[1, 2, 3], [1, 2], [1, 2, 3, 4]];
    expect(tree.map((x: number) => x * 2, listOfLists)).toEqual(g.plain.doubled);
    expect(tree.map((x: number, y: number) => x + y, listOfLists, listOfLists)).toEqual(g.plain.summed);
  });

  it("an MLP whose SGD update is a tree.map over params and grads", () => {
    let params = decodeTree(g.init_params) as Layer[];
    expect(tree.map((x: Arr) => [...x.shape], params, { isLeaf: (x: unknown) => x instanceof np.Array })).toEqual(g.plain.param_shapes);
    const forward = (params: Layer[], x: Arr) => {
      const hidden = params.slice(0, -1);
      const last = params[params.length - 1]!;
      for (const layer of hidden) x = nn.relu(np.add(np.matmul(x, layer.weights), layer.biases));
      return np.add(np.matmul(x, last.weights), last.biases);
    };
    const lossFn = (params: Layer[], x: Arr, y: Arr) => np.mean(np.power(np.subtract(forward(params, x), y), 2));
    const LEARNING_RATE = 0.0001;
    const update = jit((params: Layer[], x: Arr, y: Arr) => {
      const grads = grad(lossFn)(params, x, y);
      return tree.map((p: Arr, gr: Arr) => np.subtract(p, np.multiply(LEARNING_RATE, gr)), params, grads) as Layer[];
    });
    const xs = decodeInput(g.xs);
    const ys = decodeInput(g.ys);
    const losses: Arr[] = [];
    for (let i = 0; i < 5; i++) {
      params = update(params, xs, ys);
      losses.push(lossFn(params, xs, ys));
    }
    // float32 matmuls over 128-wide rows: summation order differs from XLA's by a few ulps.
    expectLikeJax(losses, g.losses, 1e-5, 1e-7, "losses");
    expectLikeJax(params, g.final_params, 1e-5, 1e-6, "params after 5 steps");
  });

  it("transposing a list of trees with tree.map(..., *rest) and with tree.transpose", () => {
    const treeTranspose = (listOfTrees: unknown[]) => tree.map((...xs: unknown[]) => xs, listOfTrees[0], ...listOfTrees.slice(1));
    const episodeSteps = [
      { t: 1, obs: 3 },
      { t: 2, obs: 4 },
    ];
    expect(treeTranspose(episodeSteps)).toEqual(g.plain.transposed_map);
    const transposed = tree.transpose(tree.structure(episodeSteps.map(() => 0)), tree.structure(episodeSteps[0]), episodeSteps);
    expect(transposed).toEqual(g.plain.transposed);
  });

  it("tree.map with isLeaf", () => {
    expect(tree.map((pair: number[]) => pair[0]! + pair[1]!, { a: [1, 2], b: { c: [3, 4] } }, { isLeaf: (x: unknown) => Array.isArray(x) })).toEqual(
      g.plain.is_leaf_sums,
    );
  });
});
