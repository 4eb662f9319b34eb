/**
 * A jaxpr as plain JSON data and back, for serialized exports.
 *
 * Variables are numbered per jaxpr (sub-jaxprs are closed, so each has its own numbering);
 * an atom is `{v: n}` or `{lit: value, aval}`; params go through `encodeValue`, which tags the
 * few things JSON cannot hold (sub-jaxprs, avals, non-finite numbers and -0). User functions in
 * params (custom rules) cannot be written: custom_jvp/custom_vjp calls become plain `jit` calls
 * of the function they compute (what inference runs), and anything else opaque is an error.
 */
import { ShapedArray } from "../../ir/aval.js";
import { isDType } from "../../ir/dtype.js";
import { type Atom, Jaxpr, Literal, Var, eqn } from "../../ir/jaxpr.js";
import { type Params, type Primitive, primitiveName, shapeRules } from "../../ir/primitives.js";
import { checkpointPolicies } from "../autodiff/custom.js";

export type JsonValue = null | boolean | number | string | JsonValue[] | { [k: string]: JsonValue };

/** [shape, dtype, weakType] */
export type AvalJson = [number[], string, boolean];

export interface JaxprJson {
  constvars: AvalJson[];
  invars: AvalJson[];
  eqns: { p: string; in: JsonValue[]; params: JsonValue; out: AvalJson[] }[];
  outs: JsonValue[];
}

/** Thrown for what a serialized jaxpr cannot hold (a user function in a primitive's params). */
export class NotSerializableError extends TypeError {
  override readonly name = "NotSerializableError";
}

/** Thrown for malformed contents when reading (the bytes passed the checksum but do not describe a valid program). */
export class InvalidContentsError extends Error {
  override readonly name = "InvalidContentsError";
}

const encodeAval = (a: ShapedArray): AvalJson => [[...a.shape], a.dtype, a.weakType];

function encodeNumber(x: number): JsonValue {
  if (Number.isFinite(x) && !Object.is(x, -0)) return x;
  return { $num: Number.isNaN(x) ? "nan" : Object.is(x, -0) ? "-0" : x > 0 ? "inf" : "-inf" };
}

const policyNames = new Map<unknown, string>(Object.entries(checkpointPolicies).map(([k, f]) => [f, k]));

/** One param value (any depth) as JSON; `where` names it in errors. */
function encodeValue(x: unknown, where: string): JsonValue {
  if (x === null || typeof x === "boolean" || typeof x === "string") return x;
  if (x === undefined) return { $undefined: true };
  if (typeof x === "number") return encodeNumber(x);
  if (x instanceof Jaxpr) return { $jaxpr: encodeJaxpr(x) as unknown as JsonValue };
  if (x instanceof ShapedArray) return { $aval: encodeAval(x) as unknown as JsonValue };
  if (Array.isArray(x)) return x.map((v, i) => encodeValue(v, `${where}[${i}]`));
  if (typeof x === "function") {
    const policy = policyNames.get(x);
    if (policy !== undefined) return { $policy: policy };
    const name = (x as { ruleName?: string }).ruleName ?? x.name;
    throw new NotSerializableError(`${where} is a user function${name ? ` (${name})` : ""}, which a serialized export cannot hold`);
  }
  if (typeof x === "object") {
    const out: Record<string, JsonValue> = {};
    for (const [k, v] of Object.entries(x)) out[k] = encodeValue(v, `${where}.${k}`);
    return out;
  }
  throw new NotSerializableError(`${where} is a ${typeof x}, which a serialized export cannot hold`);
}

/**
 * The equation as it is written: custom_jvp/custom_vjp calls keep only the function they compute
 * (their custom rules are JS functions, and inference never differentiates), as a nested `jit`.
 */
function writableEqn(e: ReturnType<typeof eqn>): { primitive: Primitive; params: unknown } {
  if (e.primitive === "customJvpCall" || e.primitive === "customVjpCall") {
    const p = e.params as Params<"customJvpCall">;
    return { primitive: "jit", params: { jaxpr: p.jaxpr, name: p.name } };
  }
  if (e.primitive === "customLin")
    throw new NotSerializableError("custom_lin (the linear part of a custom_vjp function inside linearize) holds a user backward rule and cannot be serialized; export the function itself, not its linearization");
  return { primitive: e.primitive, params: e.params };
}

export function encodeJaxpr(j: Jaxpr): JaxprJson {
  const ids = new Map<Var, number>();
  const bind = (v: Var) => {
    ids.set(v, ids.size);
    return encodeAval(v.aval);
  };
  const atom = (a: Atom): JsonValue => {
    if (a instanceof Literal) return { lit: encodeNumber(a.value), aval: encodeAval(a.aval) as unknown as JsonValue };
    const id = ids.get(a);
    if (id === undefined) throw new Error("internal: a jaxpr uses a variable it does not define");
    return { v: id };
  };
  const constvars = j.constvars.map(bind);
  const invars = j.invars.map(bind);
  const eqns = j.eqns.map((e) => {
    const { primitive, params } = writableEqn(e);
    const inputs = e.inputs.map(atom);
    const encoded = encodeValue(params, `the params of ${primitiveName(e.primitive)}`);
    return { p: primitive as string, in: inputs, params: encoded, out: e.outVars.map(bind) };
  });
  return { constvars, invars, eqns, outs: j.outs.map(atom) };
}

// ---------------------------------------------------------------------------------------
// Reading. Everything is checked as it is read, so a malformed file is an InvalidContentsError
// saying where, never a TypeError from deep inside a shape rule.

const bad = (msg: string): never => {
  throw new InvalidContentsError(msg);
};

const isObj = (x: unknown): x is Record<string, unknown> => typeof x === "object" && x !== null && !Array.isArray(x);

export function decodeAval(x: unknown, where: string): ShapedArray {
  if (!Array.isArray(x) || x.length !== 3) return bad(`${where}: expected an aval [shape, dtype, weakType], got ${JSON.stringify(x)}`);
  const [shape, dtype, weak] = x as unknown[];
  if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0))
    return bad(`${where}: shape ${JSON.stringify(shape)} is not a list of non-negative integers`);
  if (!isDType(dtype)) return bad(`${where}: unknown dtype ${JSON.stringify(dtype)}`);
  if (typeof weak !== "boolean") return bad(`${where}: weakType must be a boolean`);
  return new ShapedArray(shape as number[], dtype, weak);
}

function decodeNumber(x: unknown, where: string): number {
  if (typeof x === "number") return x;
  if (isObj(x) && typeof x.$num === "string") {
    const v = { nan: NaN, inf: Infinity, "-inf": -Infinity, "-0": -0 }[x.$num];
    if (v !== undefined) return v;
  }
  return bad(`${where}: expected a number, got ${JSON.stringify(x)}`);
}

function decodeValue(x: unknown, where: string): unknown {
  if (x === null || typeof x === "boolean" || typeof x === "string" || typeof x === "number") return x;
  if (Array.isArray(x)) return x.map((v, i) => decodeValue(v, `${where}[${i}]`));
  if (!isObj(x)) return bad(`${where}: unexpected value ${JSON.stringify(x)}`);
  if ("$num" in x) return decodeNumber(x, where);
  if ("$undefined" in x) return undefined;
  if ("$jaxpr" in x) return decodeJaxpr(x.$jaxpr, `${where} (a sub-jaxpr)`);
  if ("$aval" in x) return decodeAval(x.$aval, where);
  if ("$policy" in x) {
    const p = checkpointPolicies[x.$policy as keyof typeof checkpointPolicies];
    return p ?? bad(`${where}: unknown checkpoint policy ${JSON.stringify(x.$policy)}`);
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(x)) {
    if (k === "__proto__") bad(`${where}: unexpected key "__proto__"`);
    out[k] = decodeValue(v, `${where}.${k}`);
  }
  return out;
}

const isPrimitive = (p: unknown): p is Primitive => typeof p === "string" && Object.hasOwn(shapeRules, p);

export function decodeJaxpr(x: unknown, where = "jaxpr"): Jaxpr {
  if (!isObj(x)) return bad(`${where}: expected a jaxpr object`);
  const list = (k: string): unknown[] => (Array.isArray(x[k]) ? (x[k] as unknown[]) : bad(`${where}: missing list "${k}"`));
  const vars: Var[] = [];
  const bind = (a: unknown, w: string) => {
    const v = new Var(decodeAval(a, w));
    vars.push(v);
    return v;
  };
  const atom = (a: unknown, w: string): Atom => {
    if (isObj(a) && "v" in a) {
      const v = Number.isInteger(a.v) ? vars[a.v as number] : undefined;
      return v ?? bad(`${w}: variable ${JSON.stringify(a.v)} is not defined before its use`);
    }
    if (isObj(a) && "lit" in a) {
      const aval = decodeAval(a.aval, w);
      if (aval.ndim !== 0) bad(`${w}: a literal must be a scalar, got ${aval}`);
      return new Literal(decodeNumber(a.lit, w), aval);
    }
    return bad(`${w}: expected a variable or a literal, got ${JSON.stringify(a)}`);
  };
  const constvars = list("constvars").map((a, i) => bind(a, `${where} constvar ${i}`));
  const invars = list("invars").map((a, i) => bind(a, `${where} invar ${i}`));
  const eqns = list("eqns").map((e, i) => {
    const w = `${where} equation ${i}`;
    if (!isObj(e)) return bad(`${w}: expected an equation object`);
    if (!isPrimitive(e.p)) return bad(`${w}: unknown primitive ${JSON.stringify(e.p)}`);
    if (!Array.isArray(e.in) || !Array.isArray(e.out)) return bad(`${w} (${e.p}): missing inputs or outputs`);
    if (!isObj(e.params)) return bad(`${w} (${e.p}): params must be an object`);
    const inputs = e.in.map((a, k) => atom(a, `${w} (${e.p}) input ${k}`));
    const params = decodeValue(e.params, `${w} (${e.p}) params`);
    const outVars = e.out.map((a, k) => bind(a, `${w} (${e.p}) output ${k}`));
    return eqn(e.p, inputs, params as Params<Primitive>, outVars);
  });
  const outs = list("outs").map((a, i) => atom(a, `${where} output ${i}`));
  return new Jaxpr(constvars, invars, eqns, outs);
}
