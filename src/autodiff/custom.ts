/**
 * Custom derivatives and rematerialization: `customJvp`, `customVjp`, `checkpoint`.
 *
 * Each traces the user's function to a jaxpr and binds a higher-order primitive that carries
 * it, together with the user's rules (opaque to the IR). Evaluation runs the jaxpr; the
 * autodiff rules call the user's rules instead of differentiating the jaxpr.
 */
import { shapesEqual } from "../../ir/aval.js";
import { Jaxpr } from "../../ir/jaxpr.js";
import type { OpaqueRule } from "../../ir/primitives.js";
import type { JArray } from "../core/array.js";
import { flattenArgs, traceToJaxpr } from "../core/builder.js";
import { asJArray, describe } from "../core/convert.js";
import { bind } from "../core/interpreter.js";
import * as tree from "../tree.js";
import { bindArgs, fn, keywordOnly, orNull, required } from "../core/options.js";

type Fn = (...args: any[]) => any;

/** Traces `f` at `args`; the jaxpr takes the captured constants first, then the flat args. */
function traceCall(f: Fn, args: unknown[], what: string) {
  const [leaves, avals, inTree] = flattenArgs(args, what);
  const traced = traceToJaxpr(f, avals, inTree, what);
  const j = traced.closed.jaxpr;
  const jaxpr = new Jaxpr([], [...j.constvars, ...j.invars], j.eqns, j.outs);
  return { jaxpr, consts: [...traced.closed.consts], leaves: leaves.map((x) => asJArray(x as JArray)), inTree, outTree: traced.outTree };
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
  Object.defineProperty(g, "name", { value: name });
  return g;
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
      if (!Array.isArray(grads) || grads.length !== args.length)
        throw new TypeError(`customVjp(${name}): bwd must return an array with one gradient per argument (${args.length}), got ${describe(grads)}`);
      return checkLike(`customVjp(${name}): gradients returned by bwd`, grads, call.inTree, inAvals);
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
   * name in the forward pass; `true` saves its outputs. Default: save nothing.
   */
  policy?: ((primitive: string) => boolean) | null;
}

/** Checkpointing policies, as `jax.checkpoint_policies`. */
export const checkpointPolicies = {
  nothingSaveable: named(() => false, "nothing_saveable"),
  everythingSaveable: named(() => true, "everything_saveable"),
  dotsSaveable: named((p: string) => p === "dotGeneral" || p === "convGeneralDilated", "dots_saveable"),
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
