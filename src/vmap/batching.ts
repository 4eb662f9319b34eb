/**
 * Automatic batching: the Batch interpreter. Its tracers carry a value with one extra
 * dimension, the batch dimension `bdim` (or `null`: not mapped, the same for every element).
 * Each primitive's batching rule computes on whole batches at once, moving batch dimensions
 * only where a primitive needs them somewhere particular.
 */
import { ShapedArray } from "../../ir/aval.js";
import { Jaxpr } from "../../ir/jaxpr.js";
import type { Params, Primitive } from "../../ir/primitives.js";
import type { JArray } from "../core/array.js";
import { Tracer } from "../core/array.js";
import { avalLong } from "../core/format.js";
import { evalJaxpr, traceFlat } from "../core/evalJaxpr.js";
import { type Interpreter, checkNotLeaked, currentInterpreter, withInterpreter } from "../core/interpreter.js";
import * as lax from "../lax.js";
import { batchRules } from "./batchRules.js";

/** A batch dimension, or `null` for a value that is not mapped. */
export type BDim = number | null;

export class BatchTracer extends Tracer {
  readonly aval: ShapedArray;
  constructor(
    readonly interpreter: BatchInterpreter,
    readonly value: JArray,
    readonly bdim: number,
  ) {
    super();
    this.aval = new ShapedArray(
      value.shape.filter((_, i) => i !== bdim),
      value.dtype,
      value.weakType,
    );
  }
  /** As JAX prints vmap's tracers: `VmapTracer(aval=float32[3], batched=float32[2,3])`. */
  override toString(): string {
    return `VmapTracer(aval=${avalLong(this.aval)}, batched=${avalLong(this.value.aval)})`;
  }
}

export class BatchInterpreter implements Interpreter {
  constructor(
    readonly parent: Interpreter,
    readonly axisSize: number,
    /** For messages: `vmap(f)`. */
    readonly transformName = "vmap",
  ) {}

  lift(x: JArray): [JArray, BDim] {
    checkNotLeaked(x, this);
    if (x instanceof BatchTracer && x.interpreter === this) return [x.value, x.bdim];
    return [x, null];
  }

  wrap(value: JArray, bdim: BDim): JArray {
    return bdim === null ? value : new BatchTracer(this, value, bdim);
  }

  process<P extends Primitive>(prim: P, args: readonly JArray[], params: Params<P>): JArray[] {
    const lifted = args.map((x) => this.lift(x));
    const vals = lifted.map(([v]) => v);
    const dims = lifted.map(([, d]) => d);
    if (dims.every((d) => d === null)) return withInterpreter(this.parent, () => this.parent.process(prim, vals, params));
    const [outs, outDims] = withInterpreter(this.parent, () => batchRules[prim](vals, dims, params as never, this.axisSize));
    return outs.map((o, i) => this.wrap(o, outDims[i] ?? null));
  }
}

/** `x` with its batch dimension moved to `to` (a broadcast if it was not mapped). */
export function moveBdim(x: JArray, from: BDim, to: number, axisSize: number): JArray {
  if (from === null) {
    const shape = [...x.shape];
    shape.splice(to, 0, axisSize);
    return lax.broadcastInDim(
      x,
      shape,
      x.shape.map((_, i) => (i < to ? i : i + 1)),
    );
  }
  if (from === to) return x;
  const perm = x.shape.map((_, i) => i).filter((i) => i !== from);
  perm.splice(to, 0, from);
  return lax.transpose(x, perm);
}

/** Runs `f` on batched inputs; returns outputs with their batch dims (null: unmapped). */
export function batchFlat(
  f: (...xs: JArray[]) => JArray[],
  values: readonly JArray[],
  dims: readonly BDim[],
  axisSize: number,
  name?: string,
): [JArray[], BDim[]] {
  const interp = new BatchInterpreter(currentInterpreter(), axisSize, name);
  const ins = values.map((v, i) => interp.wrap(v, dims[i] ?? null));
  const outs = withInterpreter(interp, () => f(...ins));
  const lifted = outs.map((o) => interp.lift(o));
  return [lifted.map(([v]) => v), lifted.map(([, d]) => d)];
}

/**
 * The batched version of a jaxpr as a jaxpr: inputs batched at `inDims` (null: unmapped,
 * passed without a batch dim); every output is batched at dimension 0, or unmapped where
 * `forceOut` (one flag for all outputs, or one per output) is false and the output does not
 * depend on the batch.
 */
export function batchJaxpr(
  jaxpr: Jaxpr,
  inDims: readonly BDim[],
  axisSize: number,
  forceOut: boolean | readonly boolean[] = true,
): { jaxpr: Jaxpr; consts: JArray[]; outDims: BDim[] } {
  const force = (i: number) => (typeof forceOut === "boolean" ? forceOut : (forceOut[i] ?? false));
  const inAvals = jaxpr.invars.map((v, i) => {
    const d = inDims[i] ?? null;
    if (d === null) return v.aval;
    const shape = [...v.aval.shape];
    shape.splice(d, 0, axisSize);
    return new ShapedArray(shape, v.aval.dtype, v.aval.weakType);
  });
  let outDims: BDim[] = [];
  const traced = traceFlat(
    (...args) => {
      const [outs, dims] = batchFlat((...xs) => evalJaxpr(jaxpr, [], xs), args, inDims, axisSize);
      outDims = dims.map((d, i) => (force(i) || d !== null ? 0 : null));
      return outs.map((o, i) => (force(i) || dims[i] !== null ? moveBdim(o, dims[i] ?? null, 0, axisSize) : o));
    },
    inAvals,
    "vmap",
  );
  const j = traced.jaxpr;
  return { jaxpr: new Jaxpr([], [...j.constvars, ...j.invars], j.eqns, j.outs), consts: traced.consts, outDims };
}
