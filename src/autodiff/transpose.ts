/**
 * Transposition of linear jaxprs: the backward pass of reverse mode. Each equation of a
 * linear jaxpr is linear in its linear inputs (those computed from the jaxpr's linear
 * invars); walking the equations in reverse, each primitive's transpose rule turns output
 * cotangents into input cotangents. The rules bind ordinary primitives on the current
 * interpreter, so a backward pass can itself be traced, jitted, or differentiated again.
 */
import type { ShapedArray } from "../../ir/aval.js";
import { type Atom, Jaxpr, Literal, type Var } from "../../ir/jaxpr.js";
import type { JArray } from "../core/array.js";
import { literalArray, traceFlat } from "../core/evalJaxpr.js";
import { scalar } from "../core/convert.js";
import { bind } from "../core/interpreter.js";
import * as lax from "../lax.js";
import { transposeRules } from "./transposeRules.js";

/** Stands for a linear input in a transpose rule: its value is not known, only its aval. */
export class UndefinedPrimal {
  constructor(readonly aval: ShapedArray) {}
}

export type Cotangent = JArray | null;

export function addCotangents(a: Cotangent, b: Cotangent): Cotangent {
  if (a === null) return b;
  if (b === null) return a;
  return lax.add(a, b);
}

/**
 * Cotangents of the linear invars (`linear[i]` true) of `jaxpr`, given its non-linear inputs
 * (`args[i]` for the others) and the cotangents of its outputs.
 */
export function backwardPass(jaxpr: Jaxpr, linear: readonly boolean[], args: readonly (JArray | null)[], cotangentsOut: readonly Cotangent[]): Cotangent[] {
  const known = new Map<Var, JArray>();
  const isLinear = new Set<Var>();
  jaxpr.invars.forEach((v, i) => (linear[i] ? isLinear.add(v) : known.set(v, args[i]!)));
  const read = (a: Atom): JArray | UndefinedPrimal => {
    if (a instanceof Literal) return literalArray(a);
    if (isLinear.has(a)) return new UndefinedPrimal(a.aval);
    const v = known.get(a);
    if (v === undefined) throw new Error("internal: backward pass read an undefined variable");
    return v;
  };
  // Forward: equations with no linear input are evaluated (they compute non-linear values).
  const linearEqns = [];
  for (const e of jaxpr.eqns) {
    if (e.inputs.some((a) => !(a instanceof Literal) && isLinear.has(a))) {
      e.outVars.forEach((v) => isLinear.add(v));
      linearEqns.push(e);
    } else {
      const outs = bind(e.primitive, e.inputs.map((a) => read(a) as JArray), e.params);
      e.outVars.forEach((v, i) => known.set(v, outs[i]!));
    }
  }
  const cts = new Map<Var, Cotangent>();
  jaxpr.outs.forEach((a, i) => {
    if (a instanceof Literal || !isLinear.has(a)) return;
    cts.set(a, addCotangents(cts.get(a) ?? null, cotangentsOut[i] ?? null));
  });
  for (let k = linearEqns.length - 1; k >= 0; k--) {
    const e = linearEqns[k]!;
    const outCts = e.outVars.map((v) => cts.get(v) ?? null);
    for (const v of e.outVars) cts.delete(v);
    if (outCts.every((c) => c === null)) continue;
    const inputs = e.inputs.map(read);
    const rule = transposeRules[e.primitive] as TransposeRuleAny;
    const inCts = rule(outCts, inputs, e.params, e.outVars.map((v) => v.aval));
    e.inputs.forEach((a, i) => {
      const c = inCts[i] ?? null;
      if (c === null || a instanceof Literal || !isLinear.has(a)) return;
      cts.set(a, addCotangents(cts.get(a) ?? null, c));
    });
  }
  return jaxpr.invars.map((v, i) => (linear[i] ? (cts.get(v) ?? null) : null));
}

type TransposeRuleAny = (cts: Cotangent[], inputs: (JArray | UndefinedPrimal)[], params: any, outAvals: ShapedArray[]) => Cotangent[];

/**
 * The transpose of a jaxpr as a jaxpr: inputs are the non-linear inputs, then cotangents of
 * the outputs; outputs are the cotangents of the linear inputs (zeros where there are none).
 */
export function transposeJaxpr(jaxpr: Jaxpr, linear: readonly boolean[]): { jaxpr: Jaxpr; consts: JArray[] } {
  const nonlinearAvals = jaxpr.invars.filter((_, i) => !linear[i]).map((v) => v.aval);
  const outAvals = jaxpr.outs.map((o) => o.aval);
  const traced = traceFlat(
    (...args) => {
      const nl = args.slice(0, nonlinearAvals.length);
      const cts = args.slice(nonlinearAvals.length);
      let k = 0;
      const full = jaxpr.invars.map((_, i) => (linear[i] ? null : nl[k++]!));
      const inCts = backwardPass(jaxpr, linear, full, cts);
      return jaxpr.invars.flatMap((v, i) => (linear[i] ? [inCts[i] ?? zerosOf(v.aval)] : []));
    },
    [...nonlinearAvals, ...outAvals],
    "transpose",
  );
  const j = traced.jaxpr;
  return { jaxpr: new Jaxpr([], [...j.constvars, ...j.invars], j.eqns, j.outs), consts: traced.consts };
}

export function zerosOf(aval: ShapedArray): JArray {
  const zero = scalar(0, aval.dtype, aval.weakType);
  return aval.ndim === 0 ? zero : lax.broadcastInDim(zero, aval.shape, []);
}
