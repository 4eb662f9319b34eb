/**
 * The interpreter stack, in JAX's "stackless" style: exactly one interpreter is current,
 * each has a parent, and `bind` hands a primitive to the current one. The bottom one,
 * `evalInterpreter`, runs primitives on a backend. A transform makes a new interpreter
 * whose parent is the current one, runs the user's function under it, and restores.
 *
 * A tracer belongs to one interpreter. When an interpreter sees an argument, it either owns
 * it (its own tracer), or the argument comes from an enclosing interpreter (an ancestor's
 * tracer, or a concrete array) and is a constant to it. A tracer of any other interpreter
 * has escaped its transform: that is an UnexpectedTracerError.
 */
import * as E from "fp-ts/lib/Either.js";
import type { ShapedArray } from "../../ir/aval.js";
import { type Params, type Primitive, inferShapes, primitiveName } from "../../ir/primitives.js";
import { type DeviceName, getBackend } from "../backends/index.js";
import { UnexpectedTracerError, ValueError } from "../errors.js";
import { ConcreteArray, type JArray, Tracer } from "./array.js";

export interface Interpreter {
  readonly parent: Interpreter | null;
  /** For messages: "jit", "vmap", "jvp", "makeJaxpr", ... */
  readonly transformName: string;
  /** The device tracers of this interpreter report. */
  readonly device?: DeviceName;
  process<P extends Primitive>(prim: P, args: readonly JArray[], params: Params<P>): JArray[];
}

let current: Interpreter;

export function currentInterpreter(): Interpreter {
  return current;
}

/** Runs `f` with `interp` as the current interpreter. */
export function withInterpreter<T>(interp: Interpreter, f: () => T): T {
  const saved = current;
  current = interp;
  try {
    return f();
  } finally {
    current = saved;
  }
}

export function bind<P extends Primitive>(prim: P, args: readonly JArray[], params: Params<P>): JArray[] {
  return current.process(prim, args, params);
}

export function bind1<P extends Primitive>(prim: P, args: readonly JArray[], params: Params<P>): JArray {
  return current.process(prim, args, params)[0]!;
}

/** Whether `anc` is `interp` or one of its parents. */
function isAncestorOrSelf(anc: Interpreter, interp: Interpreter): boolean {
  for (let i: Interpreter | null = interp; i !== null; i = i.parent) if (i === anc) return true;
  return false;
}

/** Checks that an argument reaching `interp` is its own or an enclosing one's. */
export function checkNotLeaked(x: JArray, interp: Interpreter): void {
  if (x instanceof Tracer && x.interpreter !== interp && !isAncestorOrSelf(x.interpreter, interp)) {
    throw new UnexpectedTracerError(
      `Encountered an unexpected tracer ${x.aval} created by ${x.interpreter.transformName}, which has already finished ` +
        `(it is being used under ${interp.transformName}). A traced value escaped its transform, for example by being ` +
        "stored in a variable outside the function; return it as an output instead.",
    );
  }
}

/** Output avals of a primitive; a bad input throws naming the primitive and the operands. */
export function outputAvals<P extends Primitive>(prim: P, avals: readonly ShapedArray[], params: Params<P>): ShapedArray[] {
  const r = inferShapes(prim, avals, params);
  if (E.isLeft(r)) throw new ValueError(`${primitiveName(prim)}: ${r.left}`);
  return r.right;
}

/** The bottom of the stack: runs each primitive on the backend of its operands. */
export const evalInterpreter: Interpreter = {
  parent: null,
  transformName: "eager evaluation",
  process(prim, args, params) {
    // Plain loops: this runs once per eager op, whose cost on small arrays is mostly overhead.
    const n = args.length;
    const concrete = new Array<ConcreteArray>(n);
    for (let i = 0; i < n; i++) {
      const x = args[i]!;
      if (x instanceof Tracer) checkNotLeaked(x, this);
      concrete[i] = x as ConcreteArray;
    }
    const backend = pickBackend(concrete);
    const buffers = new Array<unknown>(n);
    const inAvals = new Array<ShapedArray>(n);
    for (let i = 0; i < n; i++) {
      const x = concrete[i]!;
      buffers[i] = x.backend === backend ? x.buffer : moveTo(x, backend.name).buffer;
      inAvals[i] = x.aval;
    }
    const outAvals = outputAvals(prim, inAvals, params);
    const outs = backend.executePrimitive(prim, buffers, inAvals, params, outAvals);
    return outs.map((b, i) => new ConcreteArray(outAvals[i]!, backend, b));
  },
};

current = evalInterpreter;

/**
 * Operands on different devices: weakly-typed scalars (JS numbers) follow the others, and
 * otherwise the first operand's device wins, as an uncommitted JAX array would.
 */
function pickBackend(args: readonly ConcreteArray[]) {
  const strong = args.find((x) => !(x.weakType && x.ndim === 0));
  return (strong ?? args[0])?.backend ?? getBackend();
}

/** A copy of a concrete array on another device. */
export function moveTo(x: ConcreteArray, device: DeviceName): ConcreteArray {
  if (x.device === device) return x;
  const target = getBackend(device);
  return new ConcreteArray(x.aval, target, target.fromHost(x.readStored(), x.aval));
}
