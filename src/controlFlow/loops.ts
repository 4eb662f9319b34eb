/**
 * `lax.whileLoop` (the `while` primitive) and `lax.foriLoop`, which lowers to a scan when its
 * bounds are static (so reverse mode works, as in JAX) and to a while loop when they are traced.
 */
import { type DType, isInt } from "../../ir/dtype.js";
import { ConcreteArray, JArray } from "../core/array.js";
import { describe, scalar } from "../core/convert.js";
import { bind } from "../core/interpreter.js";
import * as lax from "../lax.js";
import * as tree from "../tree.js";
import { type TracedBody, avalDifferences, leafPaths, operandLeaves, placeLike, strongly, traceBody, typeString } from "./common.js";
import { controlFlowOptions } from "./options.js";
import { scan } from "./scan.js";

type Fn = (...args: any[]) => any;

/**
 * `lax.whileLoop(condFun, bodyFun, init)`: `val = init; while (condFun(val)) val = bodyFun(val);`
 * with the loop running inside the compiled program. Differentiable in forward mode only.
 */
export function whileLoop<T>(condFun: (val: T) => unknown, bodyFun: (val: T) => T, init: T): T {
  if (typeof condFun !== "function" || typeof bodyFun !== "function")
    throw new TypeError(`lax.whileLoop: condFun and bodyFun arguments should be callable, got ${describe(condFun)} and ${describe(bodyFun)}`);
  let [leaves, inTree] = operandLeaves(init, "lax.whileLoop: init");
  let traced = traceWhile(condFun, bodyFun, leaves, inTree);
  const promoted = weakCarriesToPromote(leaves, traced.body);
  if (promoted.some((p) => p)) {
    leaves = leaves.map((x, i) => (promoted[i] ? strongly(x) : x));
    traced = traceWhile(condFun, bodyFun, leaves, inTree);
  }
  checkCarry("lax.whileLoop body_fun", inTree, leaves, traced.body);
  const { cond, body } = traced;
  const outs = bind("while", [...cond.consts, ...body.consts, ...leaves], {
    bodyJaxpr: body.jaxpr,
    bodyNconsts: body.consts.length,
    condJaxpr: cond.jaxpr,
    condNconsts: cond.consts.length,
  });
  return tree.unflatten<T>(inTree, outs);
}

function traceWhile(condFun: Fn, bodyFun: Fn, leaves: readonly JArray[], inTree: tree.TreeDef) {
  const avals = leaves.map((x) => x.aval);
  const cond = traceBody(condFun, wrap(inTree), avals, "whileLoop cond_fun");
  const p = cond.outAvals;
  if (cond.outTree.kind !== "leaf" || p.length !== 1 || p[0]!.ndim !== 0 || p[0]!.dtype !== "bool")
    throw new TypeError(
      `lax.whileLoop: cond_fun must return a boolean scalar, but got output type(s) [${p.map(typeString).join(", ")}]` +
        (cond.outTree.kind !== "leaf" ? ` in a ${tree.treeDefString(cond.outTree)}` : ""),
    );
  const body = traceBody(bodyFun, wrap(inTree), avals, "whileLoop body_fun");
  return { cond, body };
}

/** The tree of the argument list `[val]` (the functions take the carry as one argument). */
const wrap = (t: tree.TreeDef): tree.TreeDef => ({ kind: "list", children: [t] });

/** Carries that enter weak and come out strong: JAX promotes them and traces again. */
export function weakCarriesToPromote(carry: readonly JArray[], body: TracedBody, offset = 0): boolean[] {
  return carry.map((x, i) => {
    const out = body.outAvals[offset + i];
    return x.weakType && out !== undefined && !out.weakType && x.aval.sameType(out);
  });
}

/** JAX's TypeError for a body whose carry output differs from its input in tree or types. */
export function checkCarry(what: string, inTree: tree.TreeDef, carry: readonly JArray[], body: TracedBody, outTree = body.outTree, offset = 0): void {
  if (!tree.treeDefEqual(inTree, outTree))
    throw new TypeError(
      `${what} function carry input and carry output must have the same pytree structure, but they differ:\n\n` +
        `the input tree structure is: ${tree.treeDefString(inTree)}\nthe output tree structure is: ${tree.treeDefString(outTree)}\n\n` +
        "Revise the function so that the carry output has the same pytree structure as the carry input.",
    );
  const outAvals = body.outAvals.slice(offset, offset + carry.length);
  const diff = avalDifferences(
    leafPaths(inTree),
    carry.map((x) => x.aval),
    outAvals,
    (path, a, b) => `the input carry${path ? ` component carry${path}` : ""} has type ${typeString(a)} but the corresponding output carry component has type ${typeString(b)}`,
  );
  if (diff !== null)
    throw new TypeError(
      `${what} function carry input and carry output must have equal types, but they differ:\n\n${diff}\n\n` +
        "Revise the function so that all output types match the corresponding input types.",
    );
}

export interface ForiLoopOptions {
  /** With static bounds: how many iterations one trip of the compiled loop runs. */
  unroll?: number | boolean;
}

/**
 * `lax.foriLoop(lower, upper, bodyFun, init, {unroll?})`: `val = init; for (i = lower; i < upper;
 * i++) val = bodyFun(i, val)`. Static bounds (JS numbers or concrete arrays) make a scan, which
 * reverse mode can differentiate; traced bounds make a while loop.
 */
export function foriLoop<T>(lower: JArray | number, upper: JArray | number, bodyFun: (i: JArray, val: T) => T, init: T, opts?: ForiLoopOptions): T {
  const { unroll } = controlFlowOptions("lax.foriLoop", opts);
  if (typeof bodyFun !== "function") throw new TypeError(`lax.foriLoop: bodyFun should be callable, got ${describe(bodyFun)}`);
  const dtype = boundsDtype(lower, upper);
  const isStatic = (b: JArray | number) => typeof b === "number" || b instanceof ConcreteArray;
  if (isStatic(lower) && isStatic(upper)) {
    const lo = Number(typeof lower === "number" ? lower : lower.item());
    const hi = Number(typeof upper === "number" ? upper : upper.item());
    const length = Math.max(hi - lo, 0);
    const [[, val]] = scan(
      ([i, x]: [JArray, T]) => [[lax.add(i, scalar(1, dtype)), bodyFun(i, x)], null],
      [placeLike(scalar(lo, dtype), tree.leaves(init)), init],
      null,
      { length, unroll: unroll ?? 1 },
    ) as [[JArray, T], null];
    return val;
  }
  if (unroll !== undefined && unroll !== 1 && unroll !== false)
    throw new TypeError("lax.foriLoop: unroll is only supported with static (concrete) bounds; traced bounds make a while loop");
  const lo = typeof lower === "number" ? scalar(lower, dtype) : lax.convertElementType(lower, dtype);
  const hi = typeof upper === "number" ? scalar(upper, dtype) : lax.convertElementType(upper, dtype);
  const [, , val] = whileLoop(
    ([i, u]: [JArray, JArray, T]) => lax.lt(i, u),
    ([i, u, x]: [JArray, JArray, T]) => [lax.add(i, scalar(1, dtype)), u, bodyFun(i, x)] as [JArray, JArray, T],
    [lo, hi, init] as [JArray, JArray, T],
  );
  return val;
}

/** The loop index's dtype: int32 for JS numbers, else the bounds' integer dtype. */
function boundsDtype(lower: JArray | number, upper: JArray | number): DType {
  const dtypes: DType[] = [];
  for (const [name, b] of [
    ["lower", lower],
    ["upper", upper],
  ] as const) {
    if (typeof b === "number") {
      if (!Number.isInteger(b)) throw new TypeError(`lax.foriLoop: ${name} must be an integer, got ${b}`);
    } else if (b instanceof JArray) {
      if (b.ndim !== 0 || !isInt(b.dtype)) throw new TypeError(`lax.foriLoop: ${name} must be an integer scalar, got ${b.aval}`);
      dtypes.push(b.dtype);
    } else throw new TypeError(`lax.foriLoop: ${name} must be an integer or an integer scalar array, got ${describe(b)}`);
  }
  if (dtypes.length === 2 && dtypes[0] !== dtypes[1]) throw new TypeError(`lax.foriLoop: lower and upper must have the same dtype, got ${dtypes[0]} and ${dtypes[1]}`);
  return dtypes[0] ?? "int32";
}
