/**
 * The JaxprBuilder interpreter: records each primitive as an equation instead of running it.
 * It underlies makeJaxpr, evalShape, jit, and (later) control flow and custom derivatives.
 *
 * Values from outside (concrete arrays, enclosing interpreters' tracers) become constvars,
 * except concrete scalars, which are inlined as literals the way JAX inlines Python scalars.
 */
import type { ShapedArray } from "../../ir/aval.js";
import { type Atom, ClosedJaxpr, Jaxpr, Literal, Var, eqn } from "../../ir/jaxpr.js";
import type { Params, Primitive } from "../../ir/primitives.js";
import * as tree from "../tree.js";
import { ConcreteArray, JArray, Tracer } from "./array.js";
import { avalLong } from "./format.js";
import { argAval, asJArray } from "./convert.js";
import { type Interpreter, checkNotLeaked, currentInterpreter, outputAvals, withInterpreter } from "./interpreter.js";

export class BuilderTracer extends Tracer {
  constructor(
    readonly interpreter: JaxprBuilder,
    readonly variable: Var,
  ) {
    super();
  }
  get aval(): ShapedArray {
    return this.variable.aval;
  }
  /** As JAX prints the tracers of jit and make_jaxpr: `JitTracer(float32[3])`. */
  override toString(): string {
    return `JitTracer(${avalLong(this.aval)})`;
  }
}

export class JaxprBuilder implements Interpreter {
  readonly eqns: ReturnType<typeof eqn>[] = [];
  readonly invars: Var[] = [];
  /** Values captured from outside, by identity, with the constvar that stands for each. */
  private readonly consts = new Map<JArray, Var>();

  constructor(
    readonly parent: Interpreter,
    readonly transformName: string,
  ) {}

  newArg(aval: ShapedArray): BuilderTracer {
    const v = new Var(aval);
    this.invars.push(v);
    return new BuilderTracer(this, v);
  }

  /** The atom for a value used inside the trace. */
  lift(x: JArray): Atom {
    checkNotLeaked(x, this);
    if (x instanceof BuilderTracer && x.interpreter === this) return x.variable;
    const known = x instanceof ConcreteArray && x.ndim === 0 ? knownScalar(x) : undefined;
    if (known !== undefined) return new Literal(known, x.aval);
    let v = this.consts.get(x);
    if (v === undefined) {
      v = new Var(x.aval);
      this.consts.set(x, v);
    }
    return v;
  }

  process<P extends Primitive>(prim: P, args: readonly JArray[], params: Params<P>): JArray[] {
    const atoms = args.map((x) => this.lift(x));
    const outAvals = outputAvals(prim, atoms.map((a) => a.aval), params);
    const outVars = outAvals.map((a) => new Var(a));
    this.eqns.push(eqn(prim, atoms, params, outVars));
    return outVars.map((v) => new BuilderTracer(this, v));
  }

  /** The jaxpr of everything recorded, with `outs` as its outputs, and the captured constants. */
  build(outs: readonly JArray[]): ClosedJaxpr<JArray> {
    const outAtoms = outs.map((x) => this.lift(x));
    const constvars = [...this.consts.values()];
    return new ClosedJaxpr(new Jaxpr(constvars, this.invars, this.eqns, outAtoms), [...this.consts.keys()]);
  }
}

/**
 * A 0-d array's value when it is known without waiting: the synchronous backends read it; the
 * webgpu device knows it for a scalar placed from the host (a JS number under
 * defaultDevice("webgpu")), so such constants inline as literals there too.
 */
function knownScalar(x: ConcreteArray): number | undefined {
  return x.backend.name !== "webgpu" ? x.readHost()[0]! : x.backend.hostScalar?.(x.buffer);
}

export interface TracedFunction {
  closed: ClosedJaxpr<JArray>;
  inTree: tree.TreeDef;
  outTree: tree.TreeDef;
}

/**
 * Traces `f` at the given abstract arguments (one per flattened leaf of `argTree`) under a
 * new builder whose parent is the current interpreter.
 */
export function traceToJaxpr(
  f: (...args: any[]) => unknown,
  inAvals: readonly ShapedArray[],
  inTree: tree.TreeDef,
  transformName: string,
): TracedFunction {
  const builder = new JaxprBuilder(currentInterpreter(), transformName);
  const inTracers = inAvals.map((a) => builder.newArg(a));
  const out = withInterpreter(builder, () => {
    const args = tree.unflatten<unknown[]>(inTree, inTracers);
    return f(...args);
  });
  const [outLeaves, outTree] = tree.flatten(out);
  const outArrays = outLeaves.map((x, i) => {
    if (x instanceof JArray || typeof x === "number" || typeof x === "boolean") return asJArray(x);
    throw new TypeError(`${transformName}: output leaf ${i} of ${tree.treeDefString(outTree)} is not an array (got ${typeof x})`);
  });
  return { closed: builder.build(outArrays), inTree, outTree };
}

/** Flattens user arguments to leaves with their avals (JS numbers as weak float32, see argLeaf). */
export function flattenArgs(args: readonly unknown[], what: string): [unknown[], ShapedArray[], tree.TreeDef] {
  const [leaves, treedef] = tree.flatten(args);
  const avals = leaves.map((x, i) => argAval(x, `${what}: leaf ${i} of the arguments`));
  return [leaves, avals, treedef];
}
