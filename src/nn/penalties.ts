/**
 * Regularization penalties over a parameter tree, to add to a loss: `nn.l1Penalty(params)` is
 * the sum of |w| over every leaf, `nn.l2Penalty(params)` the sum of w^2 (no factor 1/2, unlike
 * optax.l2Loss). A `mask` (a tree of booleans with the params' structure or a prefix of it, or a
 * function from the params to one, as optax.masked takes) keeps the leaves under `true` and
 * skips those under `false`, e.g. biases:
 *
 *   const loss = (p, x, y) => np.add(crossEntropy(p, x, y), np.multiply(1e-4, nn.l2Penalty(p, {mask})));
 *
 * (`optax.addDecayedWeights` is the same L2 applied to the update instead of the loss.)
 */
import { JArray } from "../core/array.js";
import { any, bindArgs, fn, keywordOnly, object, required, union } from "../core/options.js";
import * as np from "../numpy/index.js";
import * as tree from "../tree.js";

type Mask = unknown | ((params: unknown) => unknown);
const SPEC = { tree: required(any), mask: keywordOnly(union(object, fn)) };

function isKept(fname: string, m: unknown): boolean {
  if (typeof m === "boolean") return m;
  if (m instanceof JArray && m.size === 1) return Boolean(m.item());
  throw new TypeError(`${fname}: mask leaves must be booleans, got ${m instanceof JArray ? `an array ${m.dtype}[${m.shape.join(", ")}]` : JSON.stringify(m)}`);
}

function penalty(fname: string, term: (leaf: JArray) => JArray) {
  return (args: unknown[]): JArray => {
    const o = bindArgs(fname, args, SPEC);
    let kept: unknown[] = tree.leaves(o.tree);
    if (o.mask !== undefined) {
      const maskTree = typeof o.mask === "function" ? (o.mask as (p: unknown) => unknown)(o.tree) : o.mask;
      kept = [];
      tree.map((m: unknown, sub: unknown) => {
        if (isKept(fname, m)) kept.push(...tree.leaves(sub));
        return null;
      }, maskTree, o.tree);
    }
    let total: JArray | undefined;
    for (const leaf of kept) {
      const s = np.sum(term(leaf instanceof JArray ? leaf : np.array(leaf as number)));
      total = total === undefined ? s : np.add(total, s);
    }
    return total ?? np.array(0);
  };
}

const l1 = penalty("nn.l1Penalty", (w) => np.abs(w));
const l2 = penalty("nn.l2Penalty", (w) => np.square(w));

/** Sum of |w| over the leaves of `params` (those under `true` in `mask`, when given). */
export function l1Penalty(params: unknown, opts?: { mask?: Mask }): JArray {
  return l1([...arguments]);
}

/** Sum of w^2 over the leaves of `params` (those under `true` in `mask`, when given). */
export function l2Penalty(params: unknown, opts?: { mask?: Mask }): JArray {
  return l2([...arguments]);
}
