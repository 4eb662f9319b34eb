/**
 * `jit(f)`: trace once per (shapes, dtypes, static arguments, tree structure), then bind the
 * traced jaxpr as one `jit` primitive. The bottom interpreter hands that jaxpr to the backend
 * as a whole; every other interpreter transforms it through its rule for `jit`.
 */
import type { ShapedArray } from "../../ir/aval.js";
import { Jaxpr } from "../../ir/jaxpr.js";
import { ConcreteArray, type JArray, Tracer } from "../core/array.js";
import { type TracedFunction, flattenArgs, traceToJaxpr } from "../core/builder.js";
import { argLeaf } from "../core/convert.js";
import { bind, moveTo } from "../core/interpreter.js";
import { optimizeJaxpr } from "../../codegen/kernel/passes.js";
import { type DeviceName, defaultDevice, getBackend } from "../backends/index.js";
import * as tree from "../tree.js";
import { bindArgs, fn, intOrInts, keywordOnly, oneOf, required } from "../core/options.js";

export interface JitOptions {
  /** Positions of arguments that are not traced: their values are part of the cache key. */
  staticArgnums?: number | readonly number[];
  device?: DeviceName;
}

export interface Lowered {
  /** The jaxpr that runs, as text. */
  asText(): string;
  compile(): { asText(): string };
}

export type Jitted<F extends (...args: any[]) => any> = F & { lower(...args: Parameters<F>): Lowered };

/** Moves constvars to the front of the invars: sub-jaxprs of primitives have no constvars. */
export function hoistConsts(jaxpr: Jaxpr): Jaxpr {
  if (jaxpr.constvars.length === 0) return jaxpr;
  return new Jaxpr([], [...jaxpr.constvars, ...jaxpr.invars], jaxpr.eqns, jaxpr.outs);
}

const objectIds = new WeakMap<object, number>();
let nextObjectId = 0;
/** A cache key for a static argument: its JSON, or its identity for objects that don't serialize. */
function staticKey(x: unknown): string {
  if (typeof x === "function" || (typeof x === "object" && x !== null)) {
    try {
      if (typeof x !== "function") return JSON.stringify(x);
    } catch {}
    let id = objectIds.get(x as object);
    if (id === undefined) objectIds.set(x as object, (id = nextObjectId++));
    return `#${id}`;
  }
  return `${typeof x}:${String(x)}`;
}

/** JAX's jit takes everything after `fun` by keyword only, so jaxts's does by option only. */
const JIT_SPEC = {
  f: required(fn),
  staticArgnums: keywordOnly(intOrInts),
  device: keywordOnly(oneOf<readonly DeviceName[]>("cpu", "wasm", "webgpu")),
};

export function jit<F extends (...args: any[]) => any>(f: F, opts?: JitOptions): Jitted<F>;
export function jit<F extends (...args: any[]) => any>(...args: unknown[]): Jitted<F> {
  const { f: f0, ...opts } = bindArgs("jit", args, JIT_SPEC);
  const f = f0 as F;
  const staticArgnums = typeof opts.staticArgnums === "number" ? [opts.staticArgnums] : [...(opts.staticArgnums ?? [])];
  const name = f.name || "fn";
  const cache = new Map<string, TracedFunction>();

  const trace = (args: unknown[]): { traced: TracedFunction; leaves: unknown[] } => {
    const norm = staticArgnums.map((i) => (i < 0 ? i + args.length : i));
    const dynamic = args.map((a, i) => (norm.includes(i) ? null : a));
    const [leaves, avals, inTree] = flattenArgs(dynamic, `jit(${name})`);
    const key = `${tree.treeDefString(inTree)}|${avals.map(avalKey).join(",")}|${norm.map((i) => staticKey(args[i])).join(",")}`;
    let traced = cache.get(key);
    if (traced === undefined) {
      const g = (...dyn: unknown[]) => f(...dyn.map((a, i) => (norm.includes(i) ? args[i] : a)));
      traced = traceToJaxpr(g, avals, inTree, `jit(${name})`);
      // A trace that captured an enclosing transform's tracers is only valid for this call.
      if (!traced.closed.consts.some((c) => c instanceof Tracer)) cache.set(key, traced);
    }
    return { traced, leaves };
  };

  const jitted = ((...args: unknown[]) => {
    const { traced, leaves } = trace(args);
    const jaxpr = hoistedOf(traced);
    let operands = [...traced.closed.consts, ...leaves.map((x, i) => argLeaf(x, `jit(${name}): leaf ${i} of the arguments`))];
    const device = opts.device;
    if (device !== undefined) operands = operands.map((x) => (x instanceof ConcreteArray ? moveTo(x, device) : x));
    const outs = bind("jit", operands, { jaxpr, name });
    return tree.unflatten(traced.outTree, outs);
  }) as Jitted<F>;

  jitted.lower = (...args: Parameters<F>): Lowered => {
    const { traced } = trace(args);
    const backend = getBackend(opts.device ?? defaultDevice());
    return {
      asText: () => optimizeJaxpr(traced.closed.jaxpr).toString(),
      compile: () => {
        const text =
          backend.lowerText?.(hoistedOf(traced)) ??
          `// ${backend.name} reference backend: the jaxpr is interpreted directly\n${traced.closed.jaxpr}`;
        return { asText: () => text };
      },
    };
  };
  Object.defineProperty(jitted, "name", { value: `jit(${name})` });
  return jitted;
}

/** One hoisted jaxpr per trace, so the backend's compiled-program cache (keyed by jaxpr identity) hits. */
const hoisted = new WeakMap<TracedFunction, Jaxpr>();
function hoistedOf(t: TracedFunction): Jaxpr {
  let j = hoisted.get(t);
  if (j === undefined) hoisted.set(t, (j = hoistConsts(t.closed.jaxpr)));
  return j;
}

const avalKey = (a: ShapedArray) => `${a}${a.weakType ? "w" : ""}`;
