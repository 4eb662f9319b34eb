/**
 * Jaxpr passes the compiler runs before lowering: inlining of nested calls (jit,
 * customJvpCall, customVjpCall, checkpoint evaluate like their sub-jaxprs), forwarding of
 * copy/stopGradient, constant folding of scalar equations, a few algebraic identities, common
 * subexpression elimination, transposes and slices of products folded into the product (dotFolds.ts),
 * accumulating scan carries turned into one contraction after the loop (scanAccumulators.ts),
 * and dead-code elimination (inside scans too: scanDce.ts).
 */
import type { ShapedArray } from "../../ir/aval.js";
import { type Atom, type Eqn, Jaxpr, Literal, Var } from "../../ir/jaxpr.js";
import { dce } from "../../ir/passes.js";
import { isBinary, isComparison, isUnary } from "../../ir/primitives.js";
import { evalPrimitiveRef, literalBuffer } from "../ref/index.js";
import { foldViewsIntoDots } from "./dotFolds.js";
import { paramsKey } from "./key.js";
import { hoistScanAccumulators } from "./scanAccumulators.js";
import { dceScans } from "./scanDce.js";

const callPrimitives = new Set(["jit", "customJvpCall", "customVjpCall", "checkpoint"]);

/** Primitives whose all-literal scalar equations are folded at compile time. */
function foldable(p: string): boolean {
  return (
    isUnary(p) ||
    isBinary(p) ||
    isComparison(p) ||
    ["round", "integerPow", "selectN", "clamp", "convertElementType", "copy", "stopGradient", "bitcastConvertType"].includes(p)
  );
}

/** Replaces calls of sub-jaxprs by their equations (recursively), with fresh variables. */
export function inlineCalls(jaxpr: Jaxpr): Jaxpr {
  if (!jaxpr.eqns.some((e) => callPrimitives.has(e.primitive))) return jaxpr;
  const env = new Map<Var, Atom>();
  const eqns: Eqn[] = [];
  const sub = (a: Atom): Atom => (a instanceof Var ? (env.get(a) ?? a) : a);
  const splice = (inner: Jaxpr, inputs: readonly Atom[], outVars: readonly Var[]) => {
    const ienv = new Map<Var, Atom>();
    inner.invars.forEach((v, i) => ienv.set(v, inputs[i]!));
    const isub = (a: Atom): Atom => (a instanceof Var ? (ienv.get(a) ?? a) : a);
    for (const ie of inner.eqns) {
      const outs = ie.outVars.map((v) => new Var(v.aval));
      ie.outVars.forEach((v, i) => ienv.set(v, outs[i]!));
      eqns.push({ primitive: ie.primitive, inputs: ie.inputs.map(isub), params: ie.params, outVars: outs } as Eqn);
    }
    outVars.forEach((v, i) => env.set(v, isub(inner.outs[i]!)));
  };
  for (const e of jaxpr.eqns) {
    if (callPrimitives.has(e.primitive)) {
      const inner = inlineCalls((e.params as { jaxpr: Jaxpr }).jaxpr);
      splice(inner, e.inputs.map(sub), e.outVars);
    } else {
      eqns.push({ primitive: e.primitive, inputs: e.inputs.map(sub), params: e.params, outVars: e.outVars } as Eqn);
    }
  }
  return new Jaxpr(jaxpr.constvars, jaxpr.invars, eqns, jaxpr.outs.map(sub));
}

const litKey = (l: Literal) => `${Object.is(l.value, -0) ? "-0" : l.value}:${l.aval.dtype}`;

/**
 * Forwarding, folding, identities and CSE in one forward sweep (each equation sees its
 * inputs already rewritten), then DCE.
 */
export function simplify(jaxpr: Jaxpr): Jaxpr {
  const env = new Map<Var, Atom>();
  const sub = (a: Atom): Atom => (a instanceof Var ? (env.get(a) ?? a) : a);
  const seen = new Map<string, readonly Var[]>();
  const ids = new Map<Var, number>();
  let nextId = 0;
  const atomKey = (a: Atom) => {
    if (a instanceof Literal) return `L${litKey(a)}`;
    let id = ids.get(a);
    if (id === undefined) ids.set(a, (id = nextId++));
    return `v${id}`;
  };
  const eqns: Eqn[] = [];
  for (const e0 of jaxpr.eqns) {
    const inputs = e0.inputs.map(sub);
    const e = { primitive: e0.primitive, inputs, params: e0.params, outVars: e0.outVars } as Eqn;
    const out0 = e.outVars[0];
    // copy and stopGradient only forward their operand (when the types agree exactly).
    if ((e.primitive === "copy" || e.primitive === "stopGradient") && out0 && inputs[0]!.aval.sameType(out0.aval)) {
      env.set(out0, inputs[0]!);
      continue;
    }
    if (e.primitive === "convertElementType" && out0 && inputs[0]!.aval.dtype === out0.aval.dtype && inputs[0]!.aval.sameType(out0.aval)) {
      env.set(out0, inputs[0]!);
      continue;
    }
    // Scalar equations over literals fold.
    if (foldable(e.primitive) && inputs.every((a) => a instanceof Literal) && e.outVars.every((v) => v.aval.ndim === 0)) {
      const bufs = inputs.map((a) => literalBuffer(a as Literal));
      try {
        const outs = evalPrimitiveRef(e.primitive, bufs, inputs.map((a) => a.aval), e.params, e.outVars.map((v) => v.aval));
        e.outVars.forEach((v, i) => env.set(v, new Literal(outs[i]![0]!, v.aval)));
        continue;
      } catch {
        // leave it to run
      }
    }
    const id = identity(e);
    if (id !== undefined && out0) {
      env.set(out0, id);
      continue;
    }
    // CSE: same primitive, inputs and params.
    let key: string | undefined;
    try {
      key = `${e.primitive}(${inputs.map(atomKey).join(",")})${paramsKey(e.params)}`;
    } catch {
      key = undefined;
    }
    if (key !== undefined) {
      const prev = seen.get(key);
      if (prev && prev.length === e.outVars.length && prev.every((v, i) => v.aval.sameType(e.outVars[i]!.aval))) {
        e.outVars.forEach((v, i) => env.set(v, prev[i]!));
        continue;
      }
      seen.set(key, e.outVars);
    }
    eqns.push(e);
  }
  return dce(new Jaxpr(jaxpr.constvars, jaxpr.invars, eqns, jaxpr.outs.map(sub)));
}

/** x*1, x/1, x-0, x+(-0) (and x+0 for integers) are x, when x already has the result's type. */
function identity(e: Eqn): Atom | undefined {
  if (!["mul", "div", "sub", "add"].includes(e.primitive)) return undefined;
  const [a, b] = e.inputs as [Atom, Atom];
  const out = e.outVars[0]!;
  const isNegZero = (x: Atom) => x instanceof Literal && Object.is(x.value, -0);
  const keep = (x: Atom) => (x.aval.sameType(out.aval) ? x : undefined);
  const float = out.aval.dtype === "float32" || out.aval.dtype === "float64";
  switch (e.primitive) {
    case "mul":
      if (out.aval.dtype === "bool") return undefined;
      if (b instanceof Literal && b.value === 1) return keep(a);
      if (a instanceof Literal && a.value === 1) return keep(b);
      return undefined;
    case "div":
      return b instanceof Literal && b.value === 1 ? keep(a) : undefined;
    case "sub":
      return b instanceof Literal && b.value === 0 ? keep(a) : undefined;
    case "add":
      if (out.aval.dtype === "bool") return undefined;
      if (float) {
        if (isNegZero(b)) return keep(a);
        if (isNegZero(a)) return keep(b);
        return undefined;
      }
      if (b instanceof Literal && b.value === 0) return keep(a);
      if (a instanceof Literal && a.value === 0) return keep(b);
      return undefined;
  }
  return undefined;
}

/** Results by input (jaxprs are immutable): scan bodies are optimized by their parent's pipeline and again when lowered. */
const optimized = new WeakMap<Jaxpr, Jaxpr>();

/** The pipeline the compiler runs: inline, then simplify to a fixed point (at most a few rounds). */
export function optimizeJaxpr(jaxpr: Jaxpr): Jaxpr {
  const hit = optimized.get(jaxpr);
  if (hit !== undefined) return hit;
  const out = optimizeOnce(jaxpr);
  optimized.set(jaxpr, out);
  return out;
}

function optimizeOnce(jaxpr: Jaxpr): Jaxpr {
  let j = inlineCalls(jaxpr);
  for (let i = 0; i < 3; i++) {
    const next = dceScans(simplify(hoistScanAccumulators(foldViewsIntoDots(j), optimizeJaxpr)));
    if (next.eqns.length === j.eqns.length && next.outs.every((o, k) => o === j.outs[k])) {
      j = next;
      break;
    }
    j = next;
  }
  return j;
}

