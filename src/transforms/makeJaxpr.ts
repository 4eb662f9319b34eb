/** Introspection: `makeJaxpr(f)(...args)` and `evalShape(f)(...args)`. */
import { ShapedArray } from "../../ir/aval.js";
import { isDType } from "../../ir/dtype.js";
import type { ClosedJaxpr } from "../../ir/jaxpr.js";
import type { JArray } from "../core/array.js";
import { traceToJaxpr } from "../core/builder.js";
import { argAval } from "../core/convert.js";
import * as tree from "../tree.js";
import { bindArgs, fn, required } from "../core/options.js";

/**
 * JAX's `ShapeDtypeStruct`: a plain object `{shape, dtype}` (and optionally `weakType`) standing
 * for an array argument of that shape and dtype, where only the abstract value matters.
 */
export interface ShapeDtypeSpec {
  shape: readonly number[];
  dtype: string;
  weakType?: boolean;
}

/**
 * Whether `x` is a `{shape, dtype}` spec: a plain object with those keys (and at most
 * `weakType` besides), `shape` a list of numbers and `dtype` a string. A pytree dict with these
 * two keys would hold a list and a string as leaves, which no transform accepts, so the reading
 * is unambiguous.
 */
export function isShapeDtypeSpec(x: unknown): x is ShapeDtypeSpec {
  if (x === null || typeof x !== "object" || Object.getPrototypeOf(x) !== Object.prototype) return false;
  const keys = Object.keys(x);
  const o = x as Record<string, unknown>;
  return (
    keys.includes("shape") && keys.includes("dtype") && keys.every((k) => k === "shape" || k === "dtype" || k === "weakType") &&
    Array.isArray(o.shape) && o.shape.every((d) => typeof d === "number") && typeof o.dtype === "string"
  );
}

/** The arguments' leaves (specs are leaves), their abstract values and the tree structure. */
export function flattenArgsOrSpecs(args: readonly unknown[], what: string) {
  const [leaves, inTree] = tree.flatten(args, { isLeaf: isShapeDtypeSpec });
  const avals = leaves.map((x, i) => {
    if (!isShapeDtypeSpec(x)) return argAval(x, `${what}: leaf ${i} of the arguments`);
    if (!isDType(x.dtype)) throw new TypeError(`${what}: leaf ${i} of the arguments is a {shape, dtype} spec with unknown dtype ${JSON.stringify(x.dtype)}`);
    if (x.shape.some((d) => !Number.isInteger(d) || d < 0))
      throw new TypeError(`${what}: leaf ${i} of the arguments is a {shape, dtype} spec whose shape [${x.shape}] is not a list of non-negative integers`);
    return new ShapedArray(x.shape, x.dtype, x.weakType === true);
  });
  return [leaves, avals, inTree] as const;
}

/** The jaxpr of `f` at these arguments, printable with `.toString()` in JAX's style. */
export function makeJaxpr<A extends unknown[]>(f: (...args: A) => unknown): (...args: SpecArgs<A>) => ClosedJaxpr<JArray> {
  bindArgs("makeJaxpr", [...arguments], { f: required(fn) }); // JAX's static_argnums etc. are not supported: rejected, not ignored
  return (...args: SpecArgs<A>) => {
    const [, avals, inTree] = flattenArgsOrSpecs(args, "makeJaxpr");
    return traceToJaxpr(f as (...a: unknown[]) => unknown, avals, inTree, "makeJaxpr").closed;
  };
}

export interface ShapeDtype {
  shape: number[];
  dtype: string;
}

/** Arguments where any array may be given as a `{shape, dtype}` spec instead. */
export type SpecArgs<A extends unknown[]> = { [K in keyof A]: WithSpecs<A[K]> };
type WithSpecs<T> = T extends JArray ? T | ShapeDtypeSpec : T extends readonly unknown[] ? { [K in keyof T]: WithSpecs<T[K]> } : T extends object ? { [K in keyof T]: WithSpecs<T[K]> } : T;

/**
 * The shapes and dtypes `f` would return, as a tree of `{shape, dtype}`, without computing.
 * Arguments may be arrays or `{shape, dtype}` specs (JAX's `ShapeDtypeStruct`), in any pytree.
 */
export function evalShape<A extends unknown[]>(f: (...args: A) => unknown): (...args: SpecArgs<A>) => any {
  bindArgs("evalShape", [...arguments], { f: required(fn) }); // arguments go to the returned function
  return (...args: SpecArgs<A>) => {
    const [, avals, inTree] = flattenArgsOrSpecs(args, "evalShape");
    const { closed, outTree } = traceToJaxpr(f as (...a: unknown[]) => unknown, avals, inTree, "evalShape");
    const outs = closed.jaxpr.outs.map((o) => ({ shape: [...o.aval.shape], dtype: o.aval.dtype }) satisfies ShapeDtype);
    return tree.unflatten(outTree, outs);
  };
}
