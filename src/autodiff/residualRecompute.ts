/**
 * Residuals a loop need not stack: a residual that a few cheap elementwise equations compute
 * from other residuals (and literals) is recomputed by the unknown half instead. A scan stacks
 * every residual once per iteration and the transposed scan reads it back, so `s * (1 - s)`
 * (the derivative of logistic, next to s itself) costs a kernel, a store and a load per step;
 * recomputed, it is two multiply-adds fused into the backward kernel that reads s anyway.
 * The same operations on the same values give the same bits.
 */
import { type Atom, type Eqn, Jaxpr, Literal, Var } from "../../ir/jaxpr.js";
import { dce } from "../../ir/passes.js";
import type { SplitJaxpr } from "./partialEval.js";

/** Elementwise primitives cheaper to recompute than to store and load (no transcendentals). */
const CHEAP = new Set(["add", "sub", "mul", "neg", "square", "integerPow", "max", "min", "abs", "sign", "selectN"]);
/** Most equations recomputed for one residual. */
const MAX_EQNS = 4;

export function recomputeCheapResiduals(split: SplitJaxpr): SplitJaxpr {
  const k = split.known;
  const nr = split.numResiduals;
  const numKnownOuts = k.outs.length - nr;
  const resAtoms = k.outs.slice(numKnownOuts);
  const u = split.unknown;
  const resVars = u.invars.slice(0, nr);
  const producer = new Map<Var, Eqn>();
  for (const e of k.eqns) for (const v of e.outVars) producer.set(v, e);
  const out0 = (e: Eqn) => e.outVars[0]!;
  /** The equations (in order) computing `r` from residuals other than `r` and literals, or null. */
  const recipe = (r: Var, keep: ReadonlySet<Var>): Eqn[] | null => {
    const eqns: Eqn[] = [];
    const seen = new Set<Var>();
    const visit = (v: Var, top: boolean): boolean => {
      if (!top && keep.has(v)) return true;
      if (seen.has(v)) return true;
      seen.add(v);
      const e = producer.get(v);
      if (e === undefined || e.outVars.length !== 1 || !CHEAP.has(e.primitive) || !out0(e).aval.sameType(r.aval)) return false;
      for (const a of e.inputs) if (a instanceof Var && !visit(a, false)) return false;
      eqns.push(e);
      return eqns.length <= MAX_EQNS;
    };
    return visit(r, true) ? eqns : null;
  };
  // Greedily drop residuals whose recipe reads only residuals that stay.
  const keep = new Set<Var>(resAtoms.filter((a): a is Var => a instanceof Var));
  const recipes = new Map<Var, Eqn[]>();
  for (const a of resAtoms) {
    if (!(a instanceof Var) || recipes.has(a)) continue;
    const others = new Set([...keep].filter((v) => v !== a && !recipes.has(v)));
    const r = recipe(a, others);
    if (r === null) continue;
    recipes.set(a, r);
    keep.delete(a);
  }
  if (recipes.size === 0) return split;
  // The unknown half: residual invars of the kept slots; recipes first, reading those.
  const keepSlot = resAtoms.map((a) => !(a instanceof Var && recipes.has(a)));
  const env = new Map<Var, Atom>();
  resAtoms.forEach((a, i) => {
    if (keepSlot[i] && a instanceof Var) env.set(a, resVars[i]!);
  });
  const sub = (a: Atom): Atom => (a instanceof Literal ? a : (env.get(a) ?? a));
  const prologue: Eqn[] = [];
  const done = new Set<Var>();
  const emit = (r: Var) => {
    if (done.has(r)) return;
    done.add(r);
    for (const e of recipes.get(r)!) {
      // A recipe may read another recomputed residual: emit that one first.
      for (const a of e.inputs) if (a instanceof Var && recipes.has(a) && !env.has(a)) emit(a);
      if (env.has(out0(e))) continue;
      const v = new Var(out0(e).aval);
      prologue.push({ primitive: e.primitive, inputs: e.inputs.map(sub), params: e.params, outVars: [v] } as Eqn);
      env.set(out0(e), v);
    }
  };
  resAtoms.forEach((a, i) => {
    if (!keepSlot[i]) emit(a as Var);
  });
  // Uses of a dropped residual's invar in the unknown half read the recomputed value.
  const uenv = new Map<Var, Atom>();
  resAtoms.forEach((a, i) => {
    if (!keepSlot[i]) uenv.set(resVars[i]!, env.get(a as Var)!);
  });
  const usub = (a: Atom): Atom => (a instanceof Literal ? a : (uenv.get(a) ?? a));
  const body = u.eqns.map((e) => ({ ...e, inputs: e.inputs.map(usub) }) as Eqn);
  const unknown = dce(new Jaxpr([], [...resVars.filter((_, i) => keepSlot[i]), ...u.invars.slice(nr)], [...prologue, ...body], u.outs.map(usub)));
  const known = dce(new Jaxpr([], k.invars, k.eqns, [...k.outs.slice(0, numKnownOuts), ...resAtoms.filter((_, i) => keepSlot[i])]));
  return { ...split, known, unknown, numResiduals: keepSlot.filter((x) => x).length };
}
