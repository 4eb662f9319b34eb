/**
 * What every control-flow function shares: turning user operands (pytrees of arrays and JS
 * numbers) into leaves, tracing a body once into a closed jaxpr whose captured values become
 * explicit operands, and JAX's messages when two trees or types that must agree do not.
 */
import { ShapedArray } from "../../ir/aval.js";
import { Jaxpr, Var } from "../../ir/jaxpr.js";
import { ConcreteArray, JArray } from "../core/array.js";
import { traceToJaxpr } from "../core/builder.js";
import { argLeaf, describe, scalar } from "../core/convert.js";
import { bind1, moveTo } from "../core/interpreter.js";
import * as tree from "../tree.js";


/** Flattens a pytree of operands into array leaves (JS numbers are weak float32, as arguments of every transformed function). */
export function operandLeaves(t: unknown, what: string): [JArray[], tree.TreeDef] {
  const [leaves, def] = tree.flatten(t);
  return [leaves.map((x, i) => argLeaf(x, `${what}, leaf ${i}`)), def];
}

/** The path of every leaf of a tree, as JAX's keystr writes it: `[0]['w']`. */
export function leafPaths(def: tree.TreeDef, prefix = ""): string[] {
  switch (def.kind) {
    case "leaf":
      return [prefix];
    case "none":
      return [];
    case "list":
      return def.children.flatMap((c, i) => leafPaths(c, `${prefix}[${i}]`));
    case "dict":
      return def.children.flatMap((c, i) => leafPaths(c, `${prefix}['${def.keys[i]}']`));
    case "custom":
      return def.children.flatMap((c, i) => leafPaths(c, `${prefix}[${i}]`));
  }
}

/** A traced body: a jaxpr whose first `consts.length` invars stand for the captured values. */
export interface TracedBody {
  jaxpr: Jaxpr;
  consts: JArray[];
  outTree: tree.TreeDef;
  outAvals: ShapedArray[];
}

/**
 * Traces `f` once at abstract arguments (`inAvals`, the leaves of `inTree`). Arrays it closes
 * over (concrete ones and outer tracers alike) are hoisted into leading invars, so the caller
 * passes them as operands and every enclosing transform sees them.
 */
export function traceBody(f: (...args: any[]) => unknown, inTree: tree.TreeDef, inAvals: readonly ShapedArray[], name: string): TracedBody {
  const traced = traceToJaxpr(f, inAvals, inTree, name);
  const j = traced.closed.jaxpr;
  const jaxpr = new Jaxpr([], [...j.constvars, ...j.invars], j.eqns, j.outs);
  return { jaxpr, consts: [...traced.closed.consts], outTree: traced.outTree, outAvals: j.outs.map((o) => o.aval) };
}

/** A jaxpr with extra leading invars that it ignores (to give several bodies one operand list). */
export function withIgnoredInputs(jaxpr: Jaxpr, before: readonly ShapedArray[], after: readonly ShapedArray[] = []): Jaxpr {
  const pre = before.map((a) => new Var(a));
  const post = after.map((a) => new Var(a));
  return new Jaxpr([], [...pre, ...jaxpr.invars, ...post], jaxpr.eqns, jaxpr.outs);
}

/** `x` with its weak type dropped (a no-op on strongly typed arrays). */
export function strongly(x: JArray): JArray {
  return x.weakType ? bind1("convertElementType", [x], { newDtype: x.dtype, weakType: false }) : x;
}

/** The short type of an aval as JAX prints it in messages: `float32[3]`. */
export const typeString = (a: ShapedArray): string => `${a.dtype}[${a.shape.join(",")}]`;

/**
 * JAX's description of how two lists of avals differ, one bullet per differing leaf, or null
 * when they agree (weak types aside).
 */
export function avalDifferences(
  paths: readonly string[],
  a: readonly ShapedArray[],
  b: readonly ShapedArray[],
  describeLeaf: (path: string, x: ShapedArray, y: ShapedArray) => string,
): string | null {
  const diffs: string[] = [];
  a.forEach((x, i) => {
    const y = b[i]!;
    if (x.sameType(y)) return;
    const why =
      x.dtype !== y.dtype && !shapesSame(x, y) ? "the shapes and dtypes do not match" : x.dtype !== y.dtype ? "the dtypes do not match" : "the shapes do not match";
    diffs.push(`${describeLeaf(paths[i] ?? `[${i}]`, x, y)}, so ${why}`);
  });
  if (diffs.length === 0) return null;
  return diffs.length === 1 ? `${diffs[0]!.charAt(0).toUpperCase()}${diffs[0]!.slice(1)}.` : diffs.map((d) => `  * ${d};`).join("\n");
}

const shapesSame = (x: ShapedArray, y: ShapedArray) => x.shape.length === y.shape.length && x.shape.every((d, i) => d === y.shape[i]);

/**
 * `x` (an array the control-flow function made itself, such as a branch index or a loop
 * counter) on the device of the first concrete array among `like`, so that eager evaluation
 * runs where the user's operands live instead of on the default device.
 */
export function placeLike<T extends JArray>(x: T, like: readonly unknown[]): T {
  if (!(x instanceof ConcreteArray)) return x;
  const ref = like.find((y): y is ConcreteArray => y instanceof ConcreteArray);
  return (ref === undefined ? x : moveTo(x, ref.device)) as unknown as T;
}
