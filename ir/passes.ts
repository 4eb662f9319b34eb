/** Rewrite passes over jaxprs. */
import { type Atom, Jaxpr, Literal, type Var } from "./jaxpr.js";

/**
 * Dead-code elimination: drops equations whose outputs are never used (every primitive is
 * pure, so nothing else can depend on them). Sub-jaxprs are left as they are.
 */
export function dce(jaxpr: Jaxpr): Jaxpr {
  const live = new Set<Var>();
  const use = (a: Atom) => {
    if (!(a instanceof Literal)) live.add(a);
  };
  jaxpr.outs.forEach(use);
  const kept = [];
  for (let i = jaxpr.eqns.length - 1; i >= 0; i--) {
    const e = jaxpr.eqns[i]!;
    if (!e.outVars.some((v) => live.has(v))) continue;
    kept.push(e);
    e.inputs.forEach(use);
  }
  kept.reverse();
  return kept.length === jaxpr.eqns.length ? jaxpr : new Jaxpr(jaxpr.constvars, jaxpr.invars, kept, jaxpr.outs);
}
