/**
 * Partial evaluation: a jaxpr builder that records only what depends on its own (unknown)
 * inputs and hands everything else to its parent to compute now. Linearize runs the Jvp
 * interpreter on top of it with tangents unknown, so the recorded jaxpr is exactly the
 * linear tangent map and the values it captures are the residuals.
 */
import { type Eqn, Jaxpr, Literal, type Var } from "../../ir/jaxpr.js";
import { dce } from "../../ir/passes.js";
import type { Params, Primitive } from "../../ir/primitives.js";
import type { JArray } from "../core/array.js";
import { BuilderTracer, JaxprBuilder } from "../core/builder.js";
import { evalJaxpr, traceFlat } from "../core/evalJaxpr.js";
import { type Interpreter, bind, checkNotLeaked, currentInterpreter, withInterpreter } from "../core/interpreter.js";
import { partialEvalCond, partialEvalScan, partialEvalWhile } from "./controlFlowPartialEval.js";

export class PartialEvalBuilder extends JaxprBuilder {
  constructor(parent: Interpreter, transformName: string) {
    super(parent, transformName);
  }

  isUnknown(x: JArray): boolean {
    return x instanceof BuilderTracer && x.interpreter === this;
  }

  override process<P extends Primitive>(prim: P, args: readonly JArray[], params: Params<P>): JArray[] {
    for (const x of args) checkNotLeaked(x, this);
    if (!args.some((x) => this.isUnknown(x))) return withInterpreter(this.parent, () => this.parent.process(prim, args, params));
    if (prim === "jit") return partialEvalJit(this, args, params as Params<"jit">);
    if (prim === "checkpoint") return partialEvalCheckpoint(this, args, params as Params<"checkpoint">);
    if (prim === "cond") return partialEvalCond(this, args, params as Params<"cond">);
    if (prim === "scan") return partialEvalScan(this, args, params as Params<"scan">);
    if (prim === "while") return partialEvalWhile(this, args, params as Params<"while">);
    return super.process(prim, args, params);
  }

  /** Records an equation even if all its inputs are known (for the unknown half of a split). */
  record<P extends Primitive>(prim: P, args: readonly JArray[], params: Params<P>): JArray[] {
    return super.process(prim, args, params);
  }
}

export interface SplitJaxpr {
  /** known inputs -> known outputs, then residuals (its constvars hoisted to leading inputs). */
  known: Jaxpr;
  knownConsts: JArray[];
  /** residuals, then unknown inputs -> unknown outputs. */
  unknown: Jaxpr;
  outUnknowns: boolean[];
  numResiduals: number;
}

/**
 * Splits a jaxpr into what can be computed from the known inputs and what must wait.
 * Outputs listed in `instantiate` are unknown even when computable (a loop's carry must keep
 * one layout): their known values become residuals that the unknown half returns.
 */
export function partialEvalJaxpr(jaxpr: Jaxpr, unknowns: readonly boolean[], instantiate: readonly boolean[] = []): SplitJaxpr {
  const known = new JaxprBuilder(currentInterpreter(), "partial eval");
  const pe = new PartialEvalBuilder(known, "partial eval");
  const ins = jaxpr.invars.map((v, i) => (unknowns[i] ? pe.newArg(v.aval) : known.newArg(v.aval)));
  const outs = withInterpreter(pe, () => evalJaxpr(jaxpr, [], ins));
  const outUnknowns = outs.map((o, i) => pe.isUnknown(o) || (instantiate[i] ?? false));
  const unknownClosed = pe.build(outs.filter((_, i) => outUnknowns[i]));
  const residuals = [...unknownClosed.consts];
  const knownClosed = known.build([...outs.filter((_, i) => !outUnknowns[i]), ...residuals]);
  const u = unknownClosed.jaxpr;
  const k = knownClosed.jaxpr;
  return {
    known: new Jaxpr([], [...k.constvars, ...k.invars], k.eqns, k.outs),
    knownConsts: [...knownClosed.consts],
    unknown: new Jaxpr([], [...u.constvars, ...u.invars], u.eqns, u.outs),
    outUnknowns,
    numResiduals: residuals.length,
  };
}

/** A jit call with some unknown inputs: run the known half now, record the unknown half. */
function partialEvalJit(pe: PartialEvalBuilder, args: readonly JArray[], { jaxpr, name }: Params<"jit">): JArray[] {
  const unknowns = args.map((x) => pe.isUnknown(x));
  const split = partialEvalJaxpr(jaxpr, unknowns);
  const knownArgs = args.filter((_, i) => !unknowns[i]);
  const knownOuts = withInterpreter(pe.parent, () => bind("jit", [...split.knownConsts, ...knownArgs], { jaxpr: split.known, name }));
  const numKnownOuts = knownOuts.length - split.numResiduals;
  const residuals = knownOuts.slice(numKnownOuts);
  const unknownOuts = pe.record("jit", [...residuals, ...args.filter((_, i) => unknowns[i])], { jaxpr: split.unknown, name });
  let k = 0;
  let u = 0;
  return split.outUnknowns.map((isU) => (isU ? unknownOuts[u++]! : knownOuts[k++]!));
}

/**
 * A checkpoint call with some unknown inputs. The known half computes only the known outputs
 * (and the residuals the policy saves); the recorded unknown half takes the known inputs
 * themselves and recomputes the other residuals before its linear part, so the backward
 * pass reruns the forward computation. Nested calls are split like any other (through
 * partialEvalJaxpr), so the recomputation never mixes primal and tangent work in one equation.
 */
function partialEvalCheckpoint(pe: PartialEvalBuilder, args: readonly JArray[], { jaxpr, name, policy }: Params<"checkpoint">): JArray[] {
  const unknowns = args.map((x) => pe.isUnknown(x));
  const split = partialEvalJaxpr(jaxpr, unknowns);
  const known = split.known;
  const numKnownOuts = known.outs.length - split.numResiduals;
  const residualAtoms = known.outs.slice(numKnownOuts);
  const producer = new Map<Var, Eqn>();
  for (const e of known.eqns) for (const v of e.outVars) producer.set(v, e);
  const saved = residualAtoms.map((a) => {
    if (a instanceof Literal) return false;
    const e = producer.get(a);
    return e !== undefined && policy !== null && policy(e.primitive, e.params) === true;
  });
  const knownForward = dce(new Jaxpr([], known.invars, known.eqns, [...known.outs.slice(0, numKnownOuts), ...residualAtoms.filter((_, i) => saved[i])]));
  const recompute = dce(new Jaxpr([], known.invars, known.eqns, residualAtoms.filter((_, i) => !saved[i])));
  const knownArgs = args.filter((_, i) => !unknowns[i]);
  const unknownArgs = args.filter((_, i) => unknowns[i]);
  const forward = withInterpreter(pe.parent, () => bind("checkpoint", [...split.knownConsts, ...knownArgs], { jaxpr: knownForward, name, policy }));
  const savedValues = forward.slice(numKnownOuts);
  // The unknown half: [saved residuals, known consts, known args, unknown args] -> unknown outputs.
  const numSaved = savedValues.length;
  const numConsts = split.knownConsts.length;
  const inAvals = [...savedValues, ...split.knownConsts, ...knownArgs, ...unknownArgs].map((x) => x.aval);
  const traced = traceFlat(
    (...xs) => {
      const savedIn = xs.slice(0, numSaved);
      const knownIn = xs.slice(numSaved, numSaved + numConsts + knownArgs.length);
      const unknownIn = xs.slice(numSaved + numConsts + knownArgs.length);
      const recomputed = evalJaxpr(recompute, [], knownIn);
      let r = 0;
      let s = 0;
      const residuals = saved.map((isSaved) => (isSaved ? savedIn[s++]! : recomputed[r++]!));
      return evalJaxpr(split.unknown, [], [...residuals, ...unknownIn]);
    },
    inAvals,
    "checkpoint",
  );
  const tj = traced.jaxpr;
  const unknownJaxpr = new Jaxpr([], [...tj.constvars, ...tj.invars], tj.eqns, tj.outs);
  const unknownOuts = pe.record("checkpoint", [...traced.consts, ...savedValues, ...split.knownConsts, ...knownArgs, ...unknownArgs], {
    jaxpr: unknownJaxpr,
    name,
    policy,
  });
  let k = 0;
  let u = 0;
  return split.outUnknowns.map((isU) => (isU ? unknownOuts[u++]! : forward[k++]!));
}
