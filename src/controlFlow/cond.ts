/**
 * `lax.cond` and `lax.switch`: both bind the `cond` primitive, whose first operand is an
 * int32 index choosing a branch. Every branch is traced once at the operands' types; the
 * values any branch closes over become operands shared by all branches.
 */
import type { ShapedArray } from "../../ir/aval.js";
import { isFloat, isInt } from "../../ir/dtype.js";
import { Jaxpr, Var } from "../../ir/jaxpr.js";
import { JArray } from "../core/array.js";
import { describe, scalar } from "../core/convert.js";
import { bind, bind1 } from "../core/interpreter.js";
import { ValueError } from "../errors.js";
import * as tree from "../tree.js";
import { type TracedBody, avalDifferences, leafPaths, operandLeaves, placeLike, strongly, traceBody, typeString } from "./common.js";

type Fn = (...args: any[]) => any;

/**
 * `lax.cond(pred, trueFun, falseFun, ...operands)`: `trueFun(...operands)` if `pred` is true,
 * else `falseFun(...operands)`. Both branches are traced; under vmap with a batched predicate
 * both run and the results are selected, as in JAX.
 */
export function cond(pred: JArray | boolean | number, trueFun: Fn, falseFun: Fn, ...operands: unknown[]): any {
  if (typeof trueFun !== "function" || typeof falseFun !== "function")
    throw new TypeError(`lax.cond: trueFun and falseFun arguments should be callable, got ${describe(trueFun)} and ${describe(falseFun)}`);
  if (pred === null || pred === undefined) throw new TypeError("lax.cond: the predicate is null or undefined");
  let p: JArray = pred instanceof JArray ? pred : typeof pred === "number" || typeof pred === "boolean" ? scalar(pred) : invalidPred(pred);
  if (p.ndim !== 0) throw new TypeError(`lax.cond: Pred must be a scalar, got an array of shape [${p.shape}]`);
  if (p.dtype !== "bool") {
    if (!isInt(p.dtype) && !isFloat(p.dtype)) throw new TypeError(`lax.cond: Pred type must be either boolean or number, got ${p.dtype}`);
    p = bind1("ne", [p, scalar(0, p.dtype, p.weakType)], {});
  }
  const index = placeLike(bind1("convertElementType", [p], { newDtype: "int32", weakType: false }), tree.leaves(operands));
  return condByIndex("cond", index, [falseFun, trueFun], ["false_fun", "true_fun"], operands);
}

function invalidPred(pred: unknown): never {
  throw new TypeError(`lax.cond: Pred type must be either boolean or number, got ${describe(pred)}`);
}

/**
 * `lax.switch(index, branches, ...operands)`: `branches[index](...operands)`, with `index`
 * clamped into `[0, branches.length - 1]` as JAX does.
 */
export function switch_(index: JArray | number, branches: readonly Fn[], ...operands: unknown[]): any {
  if (!Array.isArray(branches) || branches.some((b) => typeof b !== "function"))
    throw new TypeError(`lax.switch: branches argument should be an array of callables, got ${describe(branches)}`);
  if (branches.length === 0) throw new ValueError("lax.switch: empty branch sequence");
  let i: JArray;
  if (typeof index === "number") {
    if (!Number.isInteger(index)) throw new TypeError(`lax.switch: Index type must be an integer, got ${index}`);
    i = scalar(index, "int32");
  } else if (index instanceof JArray) {
    if (index.ndim !== 0) throw new TypeError(`lax.switch: Branch index must be scalar, got an array of shape [${index.shape}]`);
    if (!isInt(index.dtype)) throw new TypeError(`lax.switch: Index type must be an integer, got ${index.dtype}`);
    i = index;
  } else throw new TypeError(`lax.switch: Branch index must be an integer scalar, got ${describe(index)}`);
  if (branches.length === 1) return branches[0]!(...operands);
  i = bind1("convertElementType", [i], { newDtype: "int32", weakType: false });
  i = placeLike(i, tree.leaves(operands));
  i = bind1("clamp", [placeLike(scalar(0, "int32"), [i]), i, placeLike(scalar(branches.length - 1, "int32"), [i])], {});
  return condByIndex(
    "switch",
    i,
    branches,
    branches.map((_, k) => `branches[${k}]`),
    operands,
  );
}

function condByIndex(api: string, index: JArray, fns: readonly Fn[], names: readonly string[], operands: readonly unknown[]): any {
  const [leaves, inTree] = operandLeaves(operands, `lax.${api}: operands`);
  const inAvals = leaves.map((x) => x.aval);
  let traced = fns.map((f) => traceBody(f, inTree, inAvals, api));
  // cond's branches are [false_fun, true_fun] by index; JAX's messages name true_fun first.
  if (api === "cond") checkBranches(api, [names[1]!, names[0]!], [traced[1]!, traced[0]!]);
  else checkBranches(api, names, traced);
  // Outputs weak in one branch and strong in another are strongly typed in all (JAX joins them so).
  const mixed = traced[0]!.outAvals.map((_, i) => !traced.every((t) => t.outAvals[i]!.weakType === traced[0]!.outAvals[i]!.weakType));
  if (mixed.some((m) => m))
    traced = fns.map((f) =>
      traceBody(
        (...args: unknown[]) => {
          const [outs, def] = tree.flatten(f(...args));
          return tree.unflatten(def, outs.map((o, i) => (mixed[i] && o instanceof JArray ? strongly(o) : o)));
        },
        inTree,
        inAvals,
        api,
      ),
    );
  const { branches, consts } = commonConsts(traced);
  const outs = bind("cond", [index, ...consts, ...leaves], { branches });
  return tree.unflatten(traced[0]!.outTree, outs);
}

/** JAX's TypeErrors for branches whose outputs differ in tree structure or types. */
function checkBranches(api: string, names: readonly string[], traced: readonly TracedBody[]): void {
  const first = traced[0]!;
  for (let k = 1; k < traced.length; k++) {
    const other = traced[k]!;
    const [n1, n2] = [names[0]!, names[k]!];
    if (!tree.treeDefEqual(first.outTree, other.outTree))
      throw new TypeError(
        `lax.${api} branch outputs must have the same pytree structure, but they differ:\n\n` +
          `${n1} output is ${tree.treeDefString(first.outTree)} but ${n2} output is ${tree.treeDefString(other.outTree)}.\n\n` +
          `Revise ${n1} and/or ${n2} so that they have the same pytree structure.`,
      );
    const diff = avalDifferences(
      leafPaths(first.outTree),
      first.outAvals,
      other.outAvals,
      (path, a, b) => `the output of ${n1}${path ? ` at path ${path}` : ""} has type ${typeString(a)} but the corresponding output of ${n2} has type ${typeString(b)}`,
    );
    if (diff !== null)
      throw new TypeError(
        `lax.${api} branches must have equal output types but they differ.\n\n${diff}\n\nRevise ${n1} and/or ${n2} so that all output types match.`,
      );
  }
}

/**
 * Gives every branch the same operand list: the constants of all branches, then the operands.
 * Branch k ignores the other branches' constants.
 */
function commonConsts(traced: readonly TracedBody[]): { branches: Jaxpr[]; consts: JArray[] } {
  const consts = traced.flatMap((t) => t.consts);
  const constAvals: ShapedArray[] = consts.map((c) => c.aval);
  let offset = 0;
  const branches = traced.map((t) => {
    const n = t.consts.length;
    const own = t.jaxpr.invars.slice(0, n);
    const args = t.jaxpr.invars.slice(n);
    const invars = [...constAvals.slice(0, offset).map((a) => new Var(a)), ...own, ...constAvals.slice(offset + n).map((a) => new Var(a)), ...args];
    offset += n;
    return new Jaxpr([], invars, t.jaxpr.eqns, t.jaxpr.outs);
  });
  return { branches, consts };
}
