/**
 * Dead-code elimination that looks inside scans: a scan's ys output that nothing reads is
 * dropped from its body (and what only it needed, by the body's own DCE), and a const or xs
 * operand its body no longer reads is dropped from its inputs. Walking backwards, a later
 * scan that stops reading an operand makes the earlier scan that stacked it drop that output:
 * reverse mode's residuals that the transposed loop never reads (the zero cotangent of an
 * input the loss does not depend on) are then neither computed nor stacked per step.
 * Carries stay (each feeds the next trip). Other equations go as in `dce`.
 */
import { type Atom, type Eqn, Jaxpr, Literal, type Var } from "../../ir/jaxpr.js";
import { dce } from "../../ir/passes.js";
import type { Params } from "../../ir/primitives.js";

export function dceScans(jaxpr: Jaxpr): Jaxpr {
  const live = new Set<Var>();
  const use = (a: Atom) => {
    if (!(a instanceof Literal)) live.add(a);
  };
  jaxpr.outs.forEach(use);
  let changed = false;
  const kept: Eqn[] = [];
  for (let i = jaxpr.eqns.length - 1; i >= 0; i--) {
    let e = jaxpr.eqns[i]!;
    if (!e.outVars.some((v) => live.has(v))) {
      changed = true;
      continue;
    }
    if (e.primitive === "scan") {
      const pruned = pruneScan(e, live);
      if (pruned !== e) changed = true;
      e = pruned;
    }
    kept.push(e);
    e.inputs.forEach(use);
  }
  kept.reverse();
  return changed ? new Jaxpr(jaxpr.constvars, jaxpr.invars, kept, jaxpr.outs) : jaxpr;
}

function pruneScan(e: Eqn, live: ReadonlySet<Var>): Eqn {
  const p = e.params as Params<"scan">;
  const { numConsts: ncon, numCarry: nc } = p;
  const body = p.jaxpr;
  const keepY = e.outVars.slice(nc).map((v) => live.has(v));
  const outs = [...body.outs.slice(0, nc), ...body.outs.slice(nc).filter((_, k) => keepY[k])];
  const inner = dceScans(dce(new Jaxpr(body.constvars, body.invars, body.eqns, outs)));
  const read = new Set<Atom>(inner.outs);
  for (const q of inner.eqns) q.inputs.forEach((a) => read.add(a));
  // Carries stay; consts and xs stay when the body reads them.
  const keepIn = body.invars.map((v, i) => (i >= ncon && i < ncon + nc) || read.has(v));
  if (keepY.every((k) => k) && keepIn.every((k) => k) && inner.eqns.length === body.eqns.length && inner.eqns.every((q, i) => q === body.eqns[i])) return e;
  const pick = <T>(xs: readonly T[], keep: readonly boolean[]) => xs.filter((_, i) => keep[i]);
  const jaxpr = new Jaxpr(inner.constvars, pick(body.invars, keepIn), inner.eqns, inner.outs);
  const params: Params<"scan"> = { ...p, jaxpr, numConsts: keepIn.slice(0, ncon).filter((k) => k).length, linear: pick(p.linear, keepIn) };
  return { primitive: "scan", inputs: pick(e.inputs, keepIn), params, outVars: [...e.outVars.slice(0, nc), ...pick(e.outVars.slice(nc), keepY)] } as Eqn;
}
