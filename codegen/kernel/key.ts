/**
 * Structural keys: two jaxprs with the same key compute the same function of their inputs, so
 * a compiled program can be reused for both. Variables are numbered by first appearance,
 * literals keep their exact value (-0 and NaN included), params are serialized deeply (sub-
 * jaxprs by their own key, functions by identity).
 */
import type { ShapedArray } from "../../ir/aval.js";
import { type Atom, Jaxpr, Literal, type Var } from "../../ir/jaxpr.js";

const fnIds = new WeakMap<object, number>();
let nextFnId = 0;

function num(x: number): string {
  if (Object.is(x, -0)) return "-0";
  return String(x); // NaN, Infinity and exact doubles round-trip
}

export function paramsKey(value: unknown): string {
  if (value === null) return "N";
  if (value === undefined) return "U";
  switch (typeof value) {
    case "number":
      return num(value);
    case "boolean":
      return value ? "T" : "F";
    case "string":
      return JSON.stringify(value);
    case "function": {
      let id = fnIds.get(value);
      if (id === undefined) fnIds.set(value, (id = nextFnId++));
      return `fn#${id}`;
    }
    case "object": {
      if (value instanceof Jaxpr) return `{${jaxprKey(value)}}`;
      if (Array.isArray(value)) return `[${value.map(paramsKey).join(",")}]`;
      if (typeof (value as { toString?: unknown }).toString === "function" && (value as object).constructor?.name === "ShapedArray")
        return avalKey(value as ShapedArray);
      return `{${Object.keys(value)
        .sort()
        .map((k) => `${k}:${paramsKey((value as Record<string, unknown>)[k])}`)
        .join(",")}}`;
    }
    default:
      return String(value);
  }
}

export const avalKey = (a: ShapedArray): string => `${a.dtype}[${a.shape.join(",")}]`;

/** The structural key of a jaxpr (constvars count as leading inputs). */
export function jaxprKey(jaxpr: Jaxpr): string {
  const ids = new Map<Var, number>();
  const bind = (v: Var) => {
    ids.set(v, ids.size);
    return avalKey(v.aval);
  };
  const atom = (a: Atom) => (a instanceof Literal ? `${num(a.value)}:${a.aval.dtype}` : `%${ids.get(a) ?? "?"}`);
  const parts: string[] = [];
  parts.push(`(${[...jaxpr.constvars, ...jaxpr.invars].map(bind).join(",")})`);
  for (const e of jaxpr.eqns) {
    const ins = e.inputs.map(atom).join(",");
    const outs = e.outVars.map(bind).join(",");
    parts.push(`${outs}=${e.primitive}${paramsKey(e.params)}(${ins})`);
  }
  parts.push(`->(${jaxpr.outs.map(atom).join(",")})`);
  return parts.join(";");
}
