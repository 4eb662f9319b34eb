/**
 * Interprets a jaxpr by binding each equation on the current interpreter. This is how
 * transforms act on sub-jaxprs: run the jaxpr under the transform's interpreter (inside a
 * builder) and read off the transformed jaxpr, never retracing user code.
 */
import type { ShapedArray } from "../../ir/aval.js";
import { type Atom, type Jaxpr, Literal, type Var } from "../../ir/jaxpr.js";
import type { JArray } from "./array.js";
import { traceToJaxpr } from "./builder.js";
import { scalar } from "./convert.js";
import { bind } from "./interpreter.js";
import * as tree from "../tree.js";

export function literalArray(lit: Literal): JArray {
  return scalar(lit.value, lit.aval.dtype, lit.aval.weakType);
}

export function evalJaxpr(jaxpr: Jaxpr, consts: readonly JArray[], args: readonly JArray[]): JArray[] {
  const env = new Map<Var, JArray>();
  const read = (a: Atom): JArray => {
    if (a instanceof Literal) return literalArray(a);
    const v = env.get(a);
    if (v === undefined) throw new Error("internal: evalJaxpr read an undefined variable");
    return v;
  };
  jaxpr.constvars.forEach((v, i) => env.set(v, consts[i]!));
  jaxpr.invars.forEach((v, i) => env.set(v, args[i]!));
  for (const e of jaxpr.eqns) {
    const outs = bind(e.primitive, e.inputs.map(read), e.params);
    e.outVars.forEach((v, i) => env.set(v, outs[i]!));
  }
  return jaxpr.outs.map(read);
}

/**
 * Traces `f` (taking and returning flat lists of arrays) at `avals`; the jaxpr's constvars
 * stand for `consts`, the values it captured.
 */
export function traceFlat(
  f: (...args: JArray[]) => JArray[],
  avals: readonly ShapedArray[],
  name: string,
): { jaxpr: Jaxpr; consts: JArray[] } {
  const traced = traceToJaxpr((...args: JArray[]) => f(...args), avals, tree.structure(avals.map(() => 0)), name);
  return { jaxpr: traced.closed.jaxpr, consts: [...traced.closed.consts] };
}
