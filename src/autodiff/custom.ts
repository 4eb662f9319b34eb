/**
 * Custom derivatives and rematerialization: `customJvp`, `customVjp`, `checkpoint`.
 *
 * Each traces the user's function to a jaxpr and binds a higher-order primitive that carries
 * it, together with the user's rules (opaque to the IR). Evaluation runs the jaxpr; the
 * autodiff rules call the user's rules instead of differentiating the jaxpr.
 */
import { ShapedArray, shapesEqual } from "../../ir/aval.js";
import type { DType } from "../../ir/dtype.js";
import { Jaxpr } from "../../ir/jaxpr.js";
import type { OpaqueRule, Params } from "../../ir/primitives.js";
import type { JArray } from "../core/array.js";
import { flattenArgs, traceToJaxpr } from "../core/builder.js";
import { argLeaf, asJArray, describe } from "../core/convert.js";
import { bind } from "../core/interpreter.js";
import * as lax from "../lax.js";
import * as tree from "../tree.js";
import { zerosOf } from "./ruleUtils.js";
import { bindArgs, fn, keywordOnly, orNull, required } from "../core/options.js";

type Fn = (...args: any[]) => any;

/** Traces `f` at `args`; the jaxpr takes the captured constants first, then the flat args. */
function traceCall(f: Fn, args: unknown[], what: string) {
  const [leaves, avals, inTree] = flattenArgs(args, what);
  const traced = traceToJaxpr(f, avals, inTree, what);
  const j = traced.closed.jaxpr;
  const jaxpr = new Jaxpr([], [...j.constvars, ...j.invars], j.eqns, j.outs);
  return { jaxpr, consts: [...traced.closed.consts], leaves: leaves.map((x, i) => argLeaf(x, `${what}: leaf ${i} of the arguments`)), inTree, outTree: traced.outTree };
}

function named<F extends Fn>(fn: F, name: string): OpaqueRule {
  return Object.assign(fn, { ruleName: name });
}

/** Checks that a rule's outputs have the function's output structure, shapes and dtypes. */
function checkLike(what: string, got: unknown, outTree: tree.TreeDef, expected: readonly JArray[] | readonly { shape: readonly number[]; dtype: string }[]): JArray[] {
  const [leaves, t] = tree.flatten(got);
  if (!tree.treeDefEqual(t, outTree))
    throw new TypeError(`${what}: expected a tree of structure ${tree.treeDefString(outTree)}, got ${tree.treeDefString(t)}`);
  return leaves.map((x, i) => {
    const a = asJArray(x as JArray, `${what}: leaf ${i}`);
    const e = expected[i]!;
    if (!shapesEqual(a.shape, e.shape))
      throw new TypeError(`${what}: leaf ${i} has shape [${a.shape}] but the function's output has shape [${e.shape}]`);
    return a;
  });
}

export type CustomJvpFunction<F extends Fn> = F & {
  /** Registers `rule(primals, tangents) -> [primalOut, tangentOut]` and returns this function. */
  defjvp(rule: (primals: Parameters<F>, tangents: Parameters<F>) => [ReturnType<F>, ReturnType<F>]): CustomJvpFunction<F>;
  /**
   * JAX's `defjvps`: one rule per argument, `(tangent, primalOut, ...primals) => tangentOut`, or
   * `null` for an argument with no derivative; the output tangent is the sum of the rules'.
   */
  defjvps(...jvps: (((tangent: any, primalOut: ReturnType<F>, ...primals: Parameters<F>) => ReturnType<F>) | null)[]): CustomJvpFunction<F>;
};

/** `customJvp(f)`: `f` with a jvp rule of your own, used in forward and reverse mode. */
export function customJvp<F extends Fn>(f: F): CustomJvpFunction<F> {
  bindArgs("customJvp", [...arguments], { f: required(fn) }); // JAX's nondiff_argnums is not supported: reject it
  const name = f.name || "fn";
  let rule: ((primals: any, tangents: any) => [unknown, unknown]) | undefined;
  const g = ((...args: unknown[]) => {
    if (rule === undefined) throw new TypeError(`customJvp(${name}): no jvp rule defined; call .defjvp(rule) first`);
    const userRule = rule;
    const call = traceCall(f, args, `customJvp(${name})`);
    const numConsts = call.consts.length;
    const outAvals = call.jaxpr.outs.map((o) => o.aval);
    // Called by the jvp transform with flat primals/tangents (constants first).
    const jvp = named((primals: JArray[], tangents: JArray[]) => {
      const p = tree.unflatten<unknown[]>(call.inTree, primals.slice(numConsts));
      const t = tree.unflatten<unknown[]>(call.inTree, tangents.slice(numConsts));
      const result = userRule(p, t);
      if (!Array.isArray(result) || result.length !== 2)
        throw new TypeError(`customJvp(${name}): the jvp rule must return [primalOut, tangentOut], got ${describe(result)}`);
      const po = checkLike(`customJvp(${name}): primal output of the jvp rule`, result[0], call.outTree, outAvals);
      const to = checkLike(`customJvp(${name}): tangent output of the jvp rule`, result[1], call.outTree, outAvals);
      return [po, to];
    }, `${name}_jvp`);
    const outs = bind("customJvpCall", [...call.consts, ...call.leaves], { jaxpr: call.jaxpr, jvp, numConsts, name });
    return tree.unflatten(call.outTree, outs);
  }) as CustomJvpFunction<F>;
  g.defjvp = (r) => {
    rule = r as typeof rule;
    return g;
  };
  g.defjvps = (...jvps) => {
    jvps.forEach((j, i) => {
      if (j !== null && typeof j !== "function")
        throw new TypeError(`customJvp(${name}).defjvps: argument ${i} must be a function or null, got ${describe(j)}`);
    });
    rule = (primals: unknown[], tangents: unknown[]) => {
      if (jvps.length !== primals.length)
        throw new TypeError(`customJvp(${name}).defjvps: got ${jvps.length} jvp rules for a function called with ${primals.length} arguments; give one per argument (null for none)`);
      const primalOut = f(...primals);
      const [outLeaves, outTree] = tree.flatten(primalOut);
      const outs = outLeaves.map((o) => asJArray(o as JArray));
      let sum: JArray[] | undefined;
      jvps.forEach((j, i) => {
        if (j === null) return;
        const t = checkLike(`customJvp(${name}).defjvps: the tangent returned by rule ${i}`, j(tangents[i], primalOut, ...(primals as Parameters<F>)), outTree, outs);
        sum = sum === undefined ? t : sum.map((acc, k) => lax.add(acc, t[k]!));
      });
      return [primalOut, tree.unflatten(outTree, sum ?? outs.map((o) => zerosOf(new ShapedArray(o.shape, o.dtype, false))))];
    };
    return g;
  };
  Object.defineProperty(g, "name", { value: name });
  return g;
}

/**
 * The flat cotangents of the arguments from what bwd returned: one entry per argument, where
 * `null` (JAX's `None`) for an argument, or for any subtree or leaf of it, means zeros there.
 * Anything else must have the argument's structure and each leaf its shape; otherwise the
 * error says, as JAX's does, which structure was expected.
 */
function bwdCotangents(name: string, grads: unknown, inTree: tree.TreeDef, inAvals: readonly { shape: readonly number[]; dtype: DType }[]): JArray[] {
  const numArgs = inTree.kind === "list" ? inTree.children.length : 0;
  const mismatch = () =>
    new TypeError(
      `customVjp(${name}): the bwd rule must return an array with one cotangent per argument of the primal function ` +
        `(${numArgs}), each with that argument's structure or null for zeros, but got bwd output structure ` +
        `${tree.treeDefString(tree.structure(grads))} for primal input structure ${tree.treeDefString(inTree)}`,
    );
  if (!Array.isArray(grads) || grads.length !== numArgs) throw mismatch();
  const out: JArray[] = [];
  const zeros = (d: tree.TreeDef) => {
    for (let k = tree.numLeaves(d); k > 0; k--) out.push(zerosOf(new ShapedArray(inAvals[out.length]!.shape, inAvals[out.length]!.dtype, false)));
  };
  const walk = (d: tree.TreeDef, x: unknown, path: string): void => {
    if (x === null || x === undefined) return zeros(d);
    if (d.kind === "leaf") {
      const a = asJArray(x as JArray, `customVjp(${name}): cotangent ${path} returned by bwd`);
      const e = inAvals[out.length]!;
      if (!shapesEqual(a.shape, e.shape))
        throw new TypeError(
          `customVjp(${name}): the bwd rule must return cotangents shaped like the arguments, but ${path} has shape [${a.shape}] for an argument of shape [${e.shape}]`,
        );
      out.push(a);
      return;
    }
    if (d.kind === "none") throw mismatch();
    // One level of d's container, so that x's children may be null where d has subtrees.
    const oneLevel = { ...d, children: d.children.map((): tree.TreeDef => ({ kind: "leaf" })) } as tree.TreeDef;
    let children: unknown[];
    try {
      children = tree.flattenUpTo(oneLevel, x, "bwd");
    } catch {
      throw mismatch();
    }
    const labels = d.kind === "dict" ? d.keys.map((k) => `.${k}`) : d.children.map((_, i) => `[${i}]`);
    d.children.forEach((c, i) => walk(c, children[i], `${path}${labels[i]}`));
  };
  (inTree as Extract<tree.TreeDef, { kind: "list" }>).children.forEach((d, i) => walk(d, grads[i], `cotangent[${i}]`));
  return out;
}

export type CustomVjpFunction<F extends Fn> = F & {
  /**
   * Registers `fwd(...args) -> [out, residuals]` and `bwd(residuals, cotangent) -> grads`
   * (one gradient per argument) and returns this function.
   */
  defvjp(fwd: (...args: Parameters<F>) => [ReturnType<F>, unknown], bwd: (residuals: any, g: ReturnType<F>) => unknown[]): CustomVjpFunction<F>;
};

/** `customVjp(f)`: `f` with a reverse-mode rule of your own (forward mode through it is an error, as in JAX). */
export function customVjp<F extends Fn>(f: F): CustomVjpFunction<F> {
  bindArgs("customVjp", [...arguments], { f: required(fn) }); // JAX's nondiff_argnums is not supported: reject it
  const name = f.name || "fn";
  let rules: { fwd: Fn; bwd: Fn } | undefined;
  const g = ((...args: unknown[]) => {
    if (rules === undefined) throw new TypeError(`customVjp(${name}): no rules defined; call .defvjp(fwd, bwd) first`);
    const { fwd: userFwd, bwd: userBwd } = rules;
    const call = traceCall(f, args, `customVjp(${name})`);
    const numConsts = call.consts.length;
    const outAvals = call.jaxpr.outs.map((o) => o.aval);
    const inAvals = call.jaxpr.invars.slice(numConsts).map((v) => v.aval);
    let residualTree: tree.TreeDef | undefined;
    // fwd: flat primals (constants first) -> [flat outputs, flat residuals].
    const fwd = named((primals: JArray[]) => {
      const result = userFwd(...tree.unflatten<unknown[]>(call.inTree, primals.slice(numConsts)));
      if (!Array.isArray(result) || result.length !== 2)
        throw new TypeError(`customVjp(${name}): fwd must return [output, residuals], got ${describe(result)}`);
      const outs = checkLike(`customVjp(${name}): output of fwd`, result[0], call.outTree, outAvals);
      const [res, rt] = tree.flatten(result[1]);
      residualTree = rt;
      return [outs, res.map((r, i) => asJArray(r as JArray, `customVjp(${name}): residual ${i}`))];
    }, `${name}_fwd`);
    // bwd: flat residuals and output cotangents -> flat cotangents of the arguments (not constants).
    const bwd = named((residuals: JArray[], cts: JArray[]) => {
      const grads = userBwd(tree.unflatten(residualTree!, residuals), tree.unflatten(call.outTree, cts));
      return bwdCotangents(name, grads, call.inTree, inAvals);
    }, `${name}_bwd`);
    const outs = bind("customVjpCall", [...call.consts, ...call.leaves], { jaxpr: call.jaxpr, fwd, bwd, numConsts, name });
    return tree.unflatten(call.outTree, outs);
  }) as CustomVjpFunction<F>;
  g.defvjp = (fwd, bwd) => {
    rules = { fwd, bwd };
    return g;
  };
  Object.defineProperty(g, "name", { value: name });
  return g;
}

export interface CheckpointOptions {
  /**
   * Which values reverse mode may save instead of recomputing: called with each primitive's
   * name and params in the forward pass (JAX passes the same); `true` saves its outputs.
   * Default: save nothing.
   */
  policy?: ((primitive: string, params: Readonly<Record<string, unknown>>) => boolean) | null;
}

const isDot = (p: string) => p === "dotGeneral" || p === "convGeneralDilated";
/** JAX's rule: a dot_general whose dimension numbers have no batch dimensions (convolutions excluded). */
const isDotWithNoBatchDims = (p: string, params: Readonly<Record<string, unknown>>) => {
  if (p !== "dotGeneral") return false;
  const [, [lhsBatch, rhsBatch]] = params.dimensionNumbers as Params<"dotGeneral">["dimensionNumbers"];
  return lhsBatch.length === 0 && rhsBatch.length === 0;
};

/** Checkpointing policies, as `jax.checkpoint_policies` (the ones that do not need `checkpoint_name`). */
export const checkpointPolicies = {
  nothingSaveable: named(() => false, "nothing_saveable"),
  everythingSaveable: named(() => true, "everything_saveable"),
  dotsSaveable: named(isDot, "dots_saveable"),
  /** JAX's older name of dotsSaveable. */
  checkpointDots: named(isDot, "checkpoint_dots"),
  dotsWithNoBatchDimsSaveable: named(isDotWithNoBatchDims, "dots_with_no_batch_dims_saveable"),
  /** JAX's older name of dotsWithNoBatchDimsSaveable. */
  checkpointDotsWithNoBatchDims: named(isDotWithNoBatchDims, "checkpoint_dots_with_no_batch_dims"),
};

/** `checkpoint(f)`: reverse mode recomputes `f`'s forward pass in the backward pass. */
export function checkpoint<F extends Fn>(f: F, opts?: CheckpointOptions): F;
export function checkpoint<F extends Fn>(...args: unknown[]): F {
  // JAX's checkpoint takes its options by keyword only.
  const { f: f0, ...opts } = bindArgs("checkpoint", args, { f: required(fn), policy: keywordOnly(orNull(fn)) });
  const f = f0 as F;
  const name = f.name || "fn";
  const policy = opts.policy ? named(opts.policy, (opts.policy as OpaqueRule).ruleName ?? "policy") : null;
  const g = ((...args: unknown[]) => {
    const call = traceCall(f, args, `checkpoint(${name})`);
    const outs = bind("checkpoint", [...call.consts, ...call.leaves], { jaxpr: call.jaxpr, name, policy });
    return tree.unflatten(call.outTree, outs);
  }) as F;
  Object.defineProperty(g, "name", { value: `checkpoint(${name})` });
  return g;
}

/** `remat` is JAX's other name for checkpoint. */
export const remat = checkpoint;
