/**
 * Jaxprs: the IR that tracing produces and every transform and backend consumes.
 *
 * A jaxpr is a list of equations in A-normal form over variables and literals, with
 * constvars (closed-over arrays), invars and outputs. Higher-order primitives hold
 * sub-jaxprs in their params.
 */
import * as E from "fp-ts/lib/Either.js";
import type { ShapedArray } from "./aval.js";
import { shortName } from "./dtype.js";
import { type Params, type Primitive, inferShapes, primitiveName } from "./primitives.js";

let nextVarId = 0;

export class Var {
  readonly id = nextVarId++;
  constructor(readonly aval: ShapedArray) {}
}

/** A scalar constant inlined into an equation, as JAX does for Python scalars. */
export class Literal {
  constructor(
    readonly value: number,
    readonly aval: ShapedArray,
  ) {}
}

export type Atom = Var | Literal;

export interface Eqn<P extends Primitive = Primitive> {
  readonly primitive: P;
  readonly inputs: readonly Atom[];
  readonly params: Params<P>;
  readonly outVars: readonly Var[];
}

/** Makes an equation; the generic keeps `primitive` and `params` in agreement. */
export function eqn<P extends Primitive>(primitive: P, inputs: readonly Atom[], params: Params<P>, outVars: readonly Var[]): Eqn {
  return { primitive, inputs, params, outVars } as Eqn;
}

export class Jaxpr {
  constructor(
    readonly constvars: readonly Var[],
    readonly invars: readonly Var[],
    readonly eqns: readonly Eqn[],
    readonly outs: readonly Atom[],
  ) {}

  toString(): string {
    return printJaxpr(this);
  }

  get inAvals(): ShapedArray[] {
    return this.invars.map((v) => v.aval);
  }

  get outAvals(): ShapedArray[] {
    return this.outs.map((v) => v.aval);
  }
}

/** A jaxpr together with the values of its constvars. */
export class ClosedJaxpr<C = unknown> {
  constructor(
    readonly jaxpr: Jaxpr,
    readonly consts: readonly C[],
  ) {}

  toString(): string {
    return printJaxpr(this.jaxpr);
  }
}

// ---------------------------------------------------------------------------------------
// Printing, in JAX's style:
//   { lambda ; a:f32[3]. let b:f32[3] = sin a in (b,) }

const LINE_WIDTH = 80;

class Namer {
  private names = new Map<Var, string>();
  private count = 0;
  name(v: Var): string {
    let n = this.names.get(v);
    if (n === undefined) {
      n = Namer.nth(this.count++);
      this.names.set(v, n);
    }
    return n;
  }
  /** a, b, ..., z, ba, bb, ... as JAX names variables. */
  static nth(i: number): string {
    let s = "";
    do {
      s = String.fromCharCode(97 + (i % 26)) + s;
      i = Math.floor(i / 26);
    } while (i > 0);
    return s;
  }
}

function formatNumber(value: number, aval: ShapedArray): string {
  if (aval.dtype === "bool") return value ? "True" : "False";
  if (Number.isNaN(value)) return "nan";
  if (!Number.isFinite(value)) return value > 0 ? "inf" : "-inf";
  if (aval.dtype === "float32" || aval.dtype === "float64") return Number.isInteger(value) ? value.toFixed(1) : String(value);
  return String(value);
}

function formatParam(value: unknown, namer: Namer, indent: string): string {
  if (value === null || value === undefined) return "None";
  if (typeof value === "boolean") return value ? "True" : "False";
  if (typeof value === "string") return value;
  if (typeof value === "number") return String(value);
  if (typeof value === "function") return (value as { ruleName?: string }).ruleName ?? (value.name || "<function>");
  if (value instanceof Jaxpr) return printJaxprWith(value, namer, indent + "  ");
  if (Array.isArray(value)) {
    const items = value.map((v) => formatParam(v, namer, indent));
    return `(${items.join(", ")}${items.length === 1 ? "," : ""})`;
  }
  if (typeof value === "object") {
    return `{${Object.entries(value as Record<string, unknown>)
      .map(([k, v]) => `${k}=${formatParam(v, namer, indent)}`)
      .join(", ")}}`;
  }
  return String(value);
}

function printJaxprWith(jaxpr: Jaxpr, namer: Namer, indent: string): string {
  const binder = (v: Var) => `${namer.name(v)}:${v.aval}`;
  const atom = (a: Atom) => (a instanceof Var ? namer.name(a) : `${formatNumber(a.value, a.aval)}:${shortName[a.aval.dtype]}[${a.aval.shape.join(",")}]`);
  const head = `{ lambda ${jaxpr.constvars.map(binder).join(" ")}; ${jaxpr.invars.map(binder).join(" ")}. let`;
  const lines = jaxpr.eqns.map((e) => {
    const outs = e.outVars.map(binder).join(" ");
    const entries = Object.entries(e.params as Record<string, unknown>);
    const params = entries.length ? `[${entries.map(([k, v]) => `${snake(k)}=${formatParam(v, namer, indent)}`).join(" ")}]` : "";
    return `${outs} = ${primitiveName(e.primitive)}${params} ${e.inputs.map(atom).join(" ")}`.trimEnd();
  });
  const outs = jaxpr.outs.map(atom);
  const tail = `in (${outs.join(", ")}${outs.length === 1 ? "," : ""}) }`;
  const oneLine = [head, ...lines, tail].join(" ");
  if (oneLine.length + indent.length <= LINE_WIDTH && !oneLine.includes("\n")) return oneLine;
  return [head, ...lines.map((l) => `${indent}    ${l}`), `${indent}  ${tail}`].join("\n");
}

const snake = (k: string) => k.replace(/[A-Z]/g, (c) => "_" + c.toLowerCase());

export function printJaxpr(jaxpr: Jaxpr): string {
  return printJaxprWith(jaxpr, new Namer(), "");
}

// ---------------------------------------------------------------------------------------
// Type checking: every problem found, not just the first.

export function typecheckJaxpr(jaxpr: Jaxpr): E.Either<string[], Jaxpr> {
  const problems: string[] = [];
  const defined = new Set<Var>();
  const namer = new Namer();
  const define = (v: Var, where: string) => {
    if (defined.has(v)) problems.push(`${where}: variable ${namer.name(v)} is defined twice`);
    defined.add(v);
  };
  const use = (a: Atom, where: string) => {
    if (a instanceof Var && !defined.has(a)) problems.push(`${where}: variable ${namer.name(a)} is used before it is defined`);
    if (a instanceof Literal && a.aval.ndim !== 0) problems.push(`${where}: literal ${a.value} is not a scalar`);
  };
  jaxpr.constvars.forEach((v) => define(v, "constvars"));
  jaxpr.invars.forEach((v) => define(v, "invars"));
  jaxpr.eqns.forEach((e, i) => {
    const where = `equation ${i} (${primitiveName(e.primitive)})`;
    e.inputs.forEach((a) => use(a, where));
    const inferred = inferShapes(e.primitive, e.inputs.map((a) => a.aval), e.params);
    if (E.isLeft(inferred)) problems.push(`${where}: ${inferred.left}`);
    else {
      if (inferred.right.length !== e.outVars.length)
        problems.push(`${where}: ${e.outVars.length} outputs, but the rule gives ${inferred.right.length}`);
      inferred.right.forEach((aval, k) => {
        const v = e.outVars[k];
        if (v && !v.aval.sameType(aval)) problems.push(`${where}: output ${namer.name(v)} is ${v.aval} but the rule gives ${aval}`);
      });
    }
    for (const [key, p] of Object.entries(e.params as Record<string, unknown>)) {
      // Sub-jaxprs are checked too: one in a param (jit, while, scan) or a list of them (cond's branches).
      const subs = p instanceof Jaxpr ? [p] : Array.isArray(p) ? p.filter((x): x is Jaxpr => x instanceof Jaxpr) : [];
      for (const sub of subs) {
        const r = typecheckJaxpr(sub);
        if (E.isLeft(r)) problems.push(...r.left.map((m) => `${where}, in its sub-jaxpr ${key}: ${m}`));
      }
    }
    e.outVars.forEach((v) => define(v, where));
  });
  jaxpr.outs.forEach((a) => use(a, "outputs"));
  return problems.length ? E.left(problems) : E.right(jaxpr);
}
