/**
 * Forward mode: the Jvp interpreter. Its tracers carry a primal and a tangent; a `null`
 * tangent is a symbolic zero, so rules skip work for inputs that do not vary.
 *
 * Rules run with the parent interpreter current: the primal and tangent computations they
 * bind belong to whatever encloses this transform (eval, a jit trace, partial evaluation
 * for linearize, another jvp for higher derivatives).
 */
import { ShapedArray } from "../../ir/aval.js";
import { isFloat } from "../../ir/dtype.js";
import { Jaxpr } from "../../ir/jaxpr.js";
import type { Params, Primitive } from "../../ir/primitives.js";
import { ConcreteArray, type JArray, Tracer } from "../core/array.js";
import { ConcretizationTypeError } from "../errors.js";
import { evalJaxpr, traceFlat } from "../core/evalJaxpr.js";
import { type Interpreter, checkNotLeaked, currentInterpreter, withInterpreter } from "../core/interpreter.js";
import { jvpRules } from "./jvpRules.js";
import { zerosOf } from "./transpose.js";

/** A tangent, or `null` for a symbolic zero. */
export type Tangent = JArray | null;

export class JvpTracer extends Tracer {
  constructor(
    readonly interpreter: JvpInterpreter,
    readonly primal: JArray,
    readonly tangent: Tangent,
  ) {
    super();
  }
  get aval(): ShapedArray {
    return this.primal.aval;
  }
  /**
   * Under plain jvp/grad the primal is known, but a float value carries a derivative that a
   * JS number would silently drop (`x ** 3` converts x before raising it): refuse, as JAX's
   * `float(x)` does. Integers and booleans have no derivative, so `if (np.greater(x, 0).item())`
   * branches as in JAX.
   */
  override toConcrete(what: string): ConcreteArray {
    if (isFloat(this.dtype))
      throw new ConcretizationTypeError(
        `Attempted ${what} on a ${this.dtype}[${this.shape}] array that carries a derivative under ${this.interpreter.transformName}: ` +
          "as a JS value it would lose its derivative. Use np functions instead of JS operators and Number() " +
          "(np.power(x, 3), np.multiply(2, x), np.greater(x, 0), np.where, lax.cond); comparisons give boolean arrays, " +
          "and a boolean or integer array converts (if (np.greater(x, 0).item()) ...).",
      );
    return this.primal.toConcrete(what);
  }

  /** As JAX prints them: `JVPTracer(primal=[1. 2.], tangent=[1. 1.])`, `GradTracer(primal=2.0, typeof(tangent)=f32[])`. */
  override toString(): string {
    const show = (x: JArray) => (x instanceof ConcreteArray ? x.toStr() : x.toString());
    if (this.interpreter.forReverse) return `GradTracer(primal=${show(this.primal)}, typeof(tangent)=${this.tangent?.aval.strongly() ?? this.aval.strongly()})`;
    return `JVPTracer(primal=${show(this.primal)}, tangent=${this.tangent === null ? "Zero" : show(this.tangent)})`;
  }
}

export class JvpInterpreter implements Interpreter {
  readonly transformName: string;
  constructor(
    readonly parent: Interpreter,
    /** Set by linearize/vjp: custom_vjp functions are differentiable only in this mode. */
    readonly forReverse: boolean,
    /** For messages: the user's transform and function, e.g. `grad(loss)`. */
    name?: string,
  ) {
    this.transformName = name ?? (forReverse ? "grad/vjp" : "jvp");
  }

  lift(x: JArray): [JArray, Tangent] {
    checkNotLeaked(x, this);
    if (x instanceof JvpTracer && x.interpreter === this) return [x.primal, x.tangent];
    return [x, null];
  }

  process<P extends Primitive>(prim: P, args: readonly JArray[], params: Params<P>): JArray[] {
    const lifted = args.map((x) => this.lift(x));
    const primals = lifted.map(([p]) => p);
    const tangents = lifted.map(([, t]) => t);
    if (tangents.every((t) => t === null)) {
      // Nothing varies: the result is a constant to this interpreter.
      return withInterpreter(this.parent, () => this.parent.process(prim, primals, params));
    }
    const [primalsOut, tangentsOut] = withInterpreter(this.parent, () => jvpRules[prim](primals, tangents, params as never, this));
    return primalsOut.map((p, i) => {
      const t = tangentsOut[i] ?? null;
      return t === null ? p : new JvpTracer(this, p, t);
    });
  }
}

/** The aval of tangents for a primal aval: the same for floats; non-floats have no tangent. */
export function tangentAval(aval: ShapedArray): ShapedArray {
  return new ShapedArray(aval.shape, aval.dtype, aval.weakType);
}

export const hasTangentSpace = (aval: ShapedArray): boolean => isFloat(aval.dtype);

/** Runs `f` on JvpTracers of primals and tangents; returns primal and tangent outputs. */
export function jvpFlat(
  f: (...xs: JArray[]) => JArray[],
  primals: readonly JArray[],
  tangents: readonly Tangent[],
  parent: Interpreter,
  forReverse: boolean,
  name?: string,
): [JArray[], Tangent[], JvpInterpreter] {
  const interp = new JvpInterpreter(parent, forReverse, name);
  const ins = primals.map((p, i) => {
    const t = tangents[i] ?? null;
    return t === null ? p : new JvpTracer(interp, p, t);
  });
  const outs = withInterpreter(interp, () => f(...ins));
  const lifted = outs.map((o) => interp.lift(o));
  return [lifted.map(([p]) => p), lifted.map(([, t]) => t), interp];
}

/**
 * The jvp of a jaxpr as a jaxpr: inputs are its primals then the tangents of the inputs in
 * `nonzero`; outputs are its primal outputs then the tangents that are not symbolically zero
 * (which ones is returned as `outNonzero`). Outputs listed in `instantiate` get a tangent
 * even when it is zero (materialized zeros), so a loop's carry tangents keep one layout.
 */
export function jvpJaxpr(
  jaxpr: Jaxpr,
  nonzero: readonly boolean[],
  forReverse: boolean,
  instantiate: readonly boolean[] = [],
): { jaxpr: Jaxpr; consts: JArray[]; outNonzero: boolean[] } {
  const inAvals = jaxpr.inAvals;
  const tangentAvals = inAvals.filter((_, i) => nonzero[i]).map(tangentAval);
  let outNonzero: boolean[] = [];
  const traced = traceFlat(
    (...args) => {
      const primals = args.slice(0, inAvals.length);
      const ts = args.slice(inAvals.length);
      let k = 0;
      const tangents = inAvals.map((_, i) => (nonzero[i] ? ts[k++]! : null));
      const [po, to] = jvpFlat((...xs) => evalJaxpr(jaxpr, [], xs), primals, tangents, currentInterpreter(), forReverse);
      const forced = (i: number) => (instantiate[i] ?? false) && hasTangentSpace(po[i]!.aval);
      outNonzero = to.map((t, i) => t !== null || forced(i));
      return [...po, ...to.flatMap((t, i) => (t !== null ? [t] : forced(i) ? [zerosOf(tangentAval(po[i]!.aval))] : []))];
    },
    [...inAvals, ...tangentAvals],
    "jvp",
  );
  const hoisted = new Jaxpr([], [...traced.jaxpr.constvars, ...traced.jaxpr.invars], traced.jaxpr.eqns, traced.jaxpr.outs);
  return { jaxpr: hoisted, consts: traced.consts, outNonzero };
}
