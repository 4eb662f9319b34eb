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
import { evalJaxpr } from "../core/evalJaxpr.js";
import { type Interpreter, bind, checkNotLeaked, currentInterpreter, withInterpreter } from "../core/interpreter.js";

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

/** Splits a jaxpr into what can be computed from the known inputs and what must wait. */
export function partialEvalJaxpr(jaxpr: Jaxpr, unknowns: readonly boolean[]): SplitJaxpr {
  const known = new JaxprBuilder(currentInterpreter(), "partial eval");
  const pe = new PartialEvalBuilder(known, "partial eval");
  const ins = jaxpr.invars.map((v, i) => (unknowns[i] ? pe.newArg(v.aval) : known.newArg(v.aval)));
  const outs = withInterpreter(pe, () => evalJaxpr(jaxpr, [], ins));
  const outUnknowns = outs.map((o) => pe.isUnknown(o));
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
 * (and what the policy saves); the recorded unknown half takes the known inputs themselves
 * and recomputes everything else, so the backward pass reruns the forward computation.
 */
function partialEvalCheckpoint(pe: PartialEvalBuilder, args: readonly JArray[], { jaxpr, name, policy }: Params<"checkpoint">): JArray[] {
  const unknowns = args.map((x) => pe.isUnknown(x));
  const known = new Set<Var>(jaxpr.invars.filter((_, i) => !unknowns[i]));
  const isKnown = (a: Jaxpr["outs"][number]) => a instanceof Literal || known.has(a);
  const knownEqns: Eqn[] = [];
  for (const e of jaxpr.eqns) {
    if (e.inputs.every(isKnown)) {
      knownEqns.push(e);
      e.outVars.forEach((v) => known.add(v));
    }
  }
  const savedEqns = new Set(policy ? knownEqns.filter((e) => policy(e.primitive)) : []);
  const saved = [...savedEqns].flatMap((e) => e.outVars);
  const outUnknowns = jaxpr.outs.map((o) => !isKnown(o));
  const knownJaxpr = dce(
    new Jaxpr([], jaxpr.invars.filter((_, i) => !unknowns[i]), knownEqns, [...jaxpr.outs.filter((_, i) => !outUnknowns[i]), ...saved]),
  );
  const unknownJaxpr = dce(
    new Jaxpr([], [...saved, ...jaxpr.invars], jaxpr.eqns.filter((e) => !savedEqns.has(e)), jaxpr.outs.filter((_, i) => outUnknowns[i])),
  );
  const knownResults = withInterpreter(pe.parent, () =>
    bind("checkpoint", args.filter((_, i) => !unknowns[i]), { jaxpr: knownJaxpr, name, policy }),
  );
  const numKnownOuts = knownResults.length - saved.length;
  const unknownOuts = pe.record("checkpoint", [...knownResults.slice(numKnownOuts), ...args], { jaxpr: unknownJaxpr, name, policy });
  let k = 0;
  let u = 0;
  return outUnknowns.map((isU) => (isU ? unknownOuts[u++]! : knownResults[k++]!));
}
