/** Introspection: `makeJaxpr(f)(...args)` and `evalShape(f)(...args)`. */
import type { ClosedJaxpr } from "../../ir/jaxpr.js";
import type { JArray } from "../core/array.js";
import { flattenArgs, traceToJaxpr } from "../core/builder.js";
import * as tree from "../tree.js";
import { bindArgs, fn, required } from "../core/options.js";

/** The jaxpr of `f` at these arguments, printable with `.toString()` in JAX's style. */
export function makeJaxpr<A extends unknown[]>(f: (...args: A) => unknown): (...args: A) => ClosedJaxpr<JArray> {
  bindArgs("makeJaxpr", [...arguments], { f: required(fn) }); // JAX's static_argnums etc. are not supported: rejected, not ignored
  return (...args: A) => {
    const [, avals, inTree] = flattenArgs(args, "makeJaxpr");
    return traceToJaxpr(f as (...a: unknown[]) => unknown, avals, inTree, "makeJaxpr").closed;
  };
}

export interface ShapeDtype {
  shape: number[];
  dtype: string;
}

/** The shapes and dtypes `f` would return, as a tree of `{shape, dtype}`, without computing. */
export function evalShape<A extends unknown[]>(f: (...args: A) => unknown): (...args: A) => any {
  bindArgs("evalShape", [...arguments], { f: required(fn) }); // arguments go to the returned function
  return (...args: A) => {
    const [, avals, inTree] = flattenArgs(args, "evalShape");
    const { closed, outTree } = traceToJaxpr(f as (...a: unknown[]) => unknown, avals, inTree, "evalShape");
    const outs = closed.jaxpr.outs.map((o) => ({ shape: [...o.aval.shape], dtype: o.aval.dtype }) satisfies ShapeDtype);
    return tree.unflatten(outTree, outs);
  };
}
