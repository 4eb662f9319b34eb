/**
 * `lax.associativeScan`: an inclusive scan with an associative function, in O(log n) rounds
 * of whole-array operations (the odd/even recursion JAX uses), so it is parallel rather than
 * a loop and differentiates and batches through the ordinary primitives.
 */
import { JArray } from "../core/array.js";
import { describe } from "../core/convert.js";
import { ValueError } from "../errors.js";
import * as lax from "../lax.js";
import * as tree from "../tree.js";
import { operandLeaves } from "./common.js";
import { controlFlowOptions } from "./options.js";

export interface AssociativeScanOptions {
  /** Scan from the end: the result at i combines elements i..n-1. */
  reverse?: boolean;
  /** The axis to scan along (negative counts from the end). Default 0. */
  axis?: number;
}

/**
 * `lax.associativeScan(fn, elems, {reverse?, axis?})`: with `fn(a, b)` associative over pytrees
 * shaped like `elems`, returns the pytree whose slice i along `axis` is
 * `fn(...fn(fn(e0, e1), e2)..., ei)`.
 */
export function associativeScan<T>(fn: (a: T, b: T) => T, elems: T, opts?: AssociativeScanOptions): T {
  const { reverse = false, axis = 0 } = controlFlowOptions("lax.associativeScan", opts);
  if (typeof fn !== "function") throw new TypeError(`lax.associativeScan: fn should be callable, got ${describe(fn)}`);
  const [leaves, def] = operandLeaves(elems, "lax.associativeScan: elems");
  if (leaves.length === 0) return elems;
  const ndim = leaves[0]!.ndim;
  const ax = axis < 0 ? axis + ndim : axis;
  if (!Number.isInteger(ax) || ax < 0 || ax >= Math.max(ndim, 0) || leaves.some((x) => x.ndim <= ax))
    throw new ValueError(`lax.associativeScan: axis ${axis} is out of range for elems of shapes ${leaves.map((x) => `[${x.shape}]`).join(", ")}`);
  const n = leaves[0]!.shape[ax]!;
  if (leaves.some((x) => x.shape[ax] !== n))
    throw new ValueError(`lax.associativeScan: every leaf of elems must have the same size along axis ${ax}, got shapes ${leaves.map((x) => `[${x.shape}]`).join(", ")}`);
  const combine = (a: readonly JArray[], b: readonly JArray[]): JArray[] => {
    const [out, outDef] = tree.flatten(fn(tree.unflatten<T>(def, a), tree.unflatten<T>(def, b)));
    if (!tree.treeDefEqual(outDef, def))
      throw new TypeError(`lax.associativeScan: fn must return a tree like elems (${tree.treeDefString(def)}), got ${tree.treeDefString(outDef)}`);
    return out.map((x, i) => {
      if (!(x instanceof JArray) || x.shape[ax] !== a[i]!.shape[ax])
        throw new ValueError(`lax.associativeScan: fn must keep the shapes of its arguments along axis ${ax}; leaf ${i} came out as ${describe(x)}`);
      return x;
    });
  };
  return tree.unflatten<T>(def, associativeScanLeaves(combine, leaves, ax, reverse));
}

/** The scan over lists of leaves; `combine` maps two lists of slices to one. */
export function associativeScanLeaves(
  combine: (a: readonly JArray[], b: readonly JArray[]) => JArray[],
  elems: readonly JArray[],
  axis: number,
  reverse: boolean,
): JArray[] {
  if (reverse) return associativeScanLeaves(combine, elems.map((x) => lax.rev(x, [axis])), axis, false).map((x) => lax.rev(x, [axis]));
  const n = elems[0]!.shape[axis]!;
  if (n < 2) return [...elems];
  const slice = (x: JArray, start: number, stop: number, step: number) => lax.sliceInDim(x, start, stop, step, axis);
  // Combine adjacent pairs, scan the half-size result (the odd positions), then fill in the evens.
  const odds = associativeScanLeaves(
    combine,
    combine(
      elems.map((x) => slice(x, 0, n - 1, 2)),
      elems.map((x) => slice(x, 1, n, 2)),
    ),
    axis,
    false,
  );
  const m = odds[0]!.shape[axis]!;
  const evenTails = combine(
    n % 2 === 0 ? odds.map((x) => slice(x, 0, m - 1, 1)) : odds,
    elems.map((x) => slice(x, 2, n, 2)),
  );
  const evens = elems.map((x, i) => lax.concatenate([slice(x, 0, 1, 1), evenTails[i]!], axis));
  return evens.map((e, i) => interleave(e, odds[i]!, axis));
}

/** `[a0, b0, a1, b1, ...]` along `axis` (a may have one more element than b). */
function interleave(a: JArray, b: JArray, axis: number): JArray {
  const na = a.shape[axis]!;
  const nb = b.shape[axis]!;
  const cfg = (lo: number, hi: number) => a.shape.map((_, i) => (i === axis ? ([lo, hi, 1] as const) : ([0, 0, 0] as const)));
  const zero = lax.convertElementType(0, a.dtype);
  const pa = lax.pad(a, zero, cfg(0, nb === na ? 1 : 0));
  const pb = lax.pad(b, zero, cfg(1, nb === na ? 0 : 1));
  return a.dtype === "bool" ? lax.or(pa, pb) : lax.add(pa, pb);
}
