/**
 * Static int8 inference of a float model: `calibrate` measures, over a few batches, the range
 * of the activation entering each contraction (dotGeneral or convolution) whose weight is a
 * params leaf that quantizeParams quantizes; `quantizedApply` runs the same model with those
 * contractions in int8: the activation quantized per tensor with its calibrated scale (a
 * constant, so the quantization fuses into the kernel that packs it), an int8 x int8 -> int32
 * contraction, and the product of the two scales bringing the result back to float (fused
 * into the contraction's epilogue). Everything else runs as in the float model.
 *
 * Both interpret the model's jaxpr (traced at the arguments' shapes), so the k-th calibrated
 * scale belongs to the k-th such contraction in program order, whatever the batch size. A
 * contraction inside a nested jaxpr (a jit, cond or scan inside the model) is not seen and
 * stays float.
 */
import { ShapedArray } from "../../ir/aval.js";
import { isFloat } from "../../ir/dtype.js";
import { type Atom, type Eqn, type Jaxpr, Literal, type Var } from "../../ir/jaxpr.js";
import type { Params } from "../../ir/primitives.js";
import { JArray } from "../core/array.js";
import { traceToJaxpr } from "../core/builder.js";
import { literalArray } from "../core/evalJaxpr.js";
import { bind } from "../core/interpreter.js";
import { arrayOf, bindArgs, fn, kind, object, required } from "../core/options.js";
import { ValueError } from "../errors.js";
import * as lax from "../lax.js";
import * as np from "../numpy/index.js";
import { asArray } from "../numpy/util.js";
import * as tree from "../tree.js";
import { type Quantized, dequantize, isQuantized } from "./index.js";

const QMAX = 127;

/** What quantizeParams quantizes (by default): a float leaf with at least two dims longer than 1. */
const quantizable = (a: ShapedArray) => isFloat(a.dtype) && a.shape.filter((d) => d > 1).length >= 2;

/**
 * Whether a contraction's weight is its rhs, a quantizable params leaf, with its output channel
 * last (quantizeParams's default axis -1) and landing on the output's last dim, so that the
 * per-channel scale broadcasts against the result.
 */
function int8Candidate(e: Eqn, paramLeaf: ReadonlyMap<Var, number>): number | null {
  if (e.primitive !== "dotGeneral" && e.primitive !== "convGeneralDilated") return null;
  const [lhs, rhs] = e.inputs as [Atom, Atom];
  if (rhs instanceof Literal || !paramLeaf.has(rhs) || !quantizable(rhs.aval)) return null;
  const out = e.outVars[0]!.aval;
  if (lhs.aval.dtype !== "float32" || out.dtype !== "float32") return null;
  const last = rhs.aval.ndim - 1;
  if (e.primitive === "dotGeneral") {
    const [[, rc], [, rb]] = (e.params as Params<"dotGeneral">).dimensionNumbers;
    if (rc.includes(last) || rb.includes(last)) return null;
  } else {
    const p = e.params as Params<"convGeneralDilated">;
    if (p.featureGroupCount !== 1 || p.batchGroupCount !== 1) return null;
    if (p.dimensionNumbers.rhsSpec[0] !== last || p.dimensionNumbers.outSpec[1] !== out.ndim - 1) return null;
  }
  return paramLeaf.get(rhs)!;
}

interface Traced {
  jaxpr: Jaxpr;
  consts: JArray[];
  /** jaxpr invar -> index among the params leaves. */
  paramLeaf: Map<Var, number>;
  outTree: tree.TreeDef;
}

/** Traces f(params, ...rest) with params given as leaf avals (Quantized leaves as their float shape). */
function traceModel(fname: string, f: (...a: any[]) => unknown, paramAvals: ShapedArray[], paramTree: tree.TreeDef, rest: JArray[]): Traced {
  const restAvals = rest.map((x) => new ShapedArray(x.shape, x.dtype, x.weakType));
  const g = (p: JArray[], ...xs: JArray[]) => f(tree.unflatten(paramTree, p), ...xs);
  const flatTree = tree.structure([paramAvals.map(() => 0), ...rest.map(() => 0)]);
  const traced = traceToJaxpr(g, [...paramAvals, ...restAvals], flatTree, fname);
  const paramLeaf = new Map<Var, number>();
  traced.closed.jaxpr.invars.slice(0, paramAvals.length).forEach((v, i) => paramLeaf.set(v, i));
  return { jaxpr: traced.closed.jaxpr, consts: [...traced.closed.consts], paramLeaf, outTree: traced.outTree };
}

/** Runs a jaxpr equation by equation; `hook` may compute an equation itself (returning its outputs). */
function interpret(t: Traced, args: readonly (JArray | Quantized)[], hook: (e: Eqn, read: (a: Atom) => JArray | Quantized) => JArray[] | null): JArray[] {
  const env = new Map<Var, JArray | Quantized>();
  const read = (a: Atom): JArray | Quantized => (a instanceof Literal ? literalArray(a) : env.get(a)!);
  const dense = new Map<Var, JArray>();
  const readFloat = (a: Atom): JArray => {
    const v = read(a);
    if (!isQuantized(v)) return v;
    let d = dense.get(a as Var);
    if (d === undefined) dense.set(a as Var, (d = dequantize(v)));
    return d;
  };
  t.jaxpr.constvars.forEach((v, i) => env.set(v, t.consts[i]!));
  t.jaxpr.invars.forEach((v, i) => env.set(v, args[i]!));
  for (const e of t.jaxpr.eqns) {
    const outs = hook(e, read) ?? bind(e.primitive, e.inputs.map(readFloat), e.params);
    e.outVars.forEach((v, i) => env.set(v, outs[i]!));
  }
  return t.jaxpr.outs.map(readFloat);
}

const batchesKind = kind<readonly unknown[]>("a non-empty array of input batches", (v) => Array.isArray(v) && v.length > 0);

/**
 * `quant.calibrate(f, params, batches)`: the activation scale (max |x| / 127 over the batches)
 * of each contraction of `f(params, x)` whose weight quantizeParams would quantize, in program
 * order: the scales `quantizedApply(f, scales)` uses. `batches` is an array of inputs `x` (or of
 * argument lists `[x, ...]` for a model taking more than params and x).
 */
export function calibrate(...args: unknown[]): number[] {
  const fname = "quant.calibrate";
  const a = bindArgs(fname, args, { f: required(fn), params: required(object), batches: required(batchesKind) });
  const [leaves, paramTree] = tree.flatten(a.params, { isLeaf: isQuantized });
  leaves.forEach((l, i) => {
    if (!(l instanceof JArray))
      throw new TypeError(`${fname}: params leaf ${i} is not an array (got ${isQuantized(l) ? "a {q, scale} pair" : typeof l}); calibrate the float params, before quantizeParams`);
  });
  const params = leaves as JArray[];
  const paramAvals = params.map((p) => new ShapedArray(p.shape, p.dtype, p.weakType));
  let amax: number[] | null = null;
  a.batches.forEach((b, bi) => {
    const rest = (Array.isArray(b) ? b : [b]).map((x) => asArray(x, `${fname}: batches[${bi}]`));
    const t = traceModel(fname, a.f, paramAvals, paramTree, rest);
    const seen: number[] = [];
    interpret(t, [...params, ...rest], (e, read) => {
      if (int8Candidate(e, t.paramLeaf) !== null) seen.push(np.max(np.abs(read(e.inputs[0]!) as JArray)).item() as number);
      return null;
    });
    if (amax !== null && amax.length !== seen.length)
      throw new ValueError(`${fname}: batches[${bi}] runs ${seen.length} quantizable contractions, batches[0] ran ${amax.length}`);
    amax = amax === null ? seen : amax.map((m, i) => Math.max(m, seen[i]!));
  });
  return amax!.map((m) => (m > 0 && Number.isFinite(m) ? Math.fround(m / QMAX) : 1));
}

/**
 * `quant.quantizedApply(f, scales)`: `(qparams, x, ...) => f's output`, for qparams from
 * quantizeParams(params) and scales from calibrate(f, params, batches): each calibrated
 * contraction whose weight is quantized runs in int8 (activation q = clip(round(x / s), -127,
 * 127) as int8, int8 x int8 -> int32, times s * weight scale), the rest in float (other
 * quantized leaves dequantized). Traceable: jit it, or export it.
 */
export function quantizedApply(...args: unknown[]): (qparams: unknown, ...rest: unknown[]) => any {
  const fname = "quant.quantizedApply";
  const a = bindArgs(fname, args, { f: required(fn), scales: required(arrayOf(kind<number>("a positive number", (v) => typeof v === "number" && v > 0))) });
  const scales = [...a.scales];
  return (qparams: unknown, ...restArgs: unknown[]) => {
    const [leaves, paramTree] = tree.flatten(qparams, { isLeaf: isQuantized });
    const paramAvals = leaves.map((l, i) => {
      if (isQuantized(l)) return new ShapedArray(l.q.shape, l.scale.dtype);
      if (l instanceof JArray) return new ShapedArray(l.shape, l.dtype, l.weakType);
      throw new TypeError(`${fname}: params leaf ${i} is neither an array nor a {q, scale} pair`);
    });
    const rest = restArgs.map((x, i) => asArray(x as JArray, `${fname}: argument ${i + 1}`));
    const t = traceModel(fname, a.f, paramAvals, paramTree, rest);
    let k = 0;
    const outs = interpret(t, [...(leaves as (JArray | Quantized)[]), ...rest], (e, read) => {
      const leaf = int8Candidate(e, t.paramLeaf);
      if (leaf === null) return null;
      if (k >= scales.length) throw new ValueError(`${fname}: the model has more quantizable contractions than the ${scales.length} calibrated scales`);
      const s = scales[k++]!;
      const w = read(e.inputs[1]!);
      const out = e.outVars[0]!.aval;
      const channels = out.shape[out.ndim - 1]!;
      // Only a per-output-channel (or per-tensor) scale folds into the epilogue; else float.
      if (!isQuantized(w) || w.scale.size !== 1 && w.scale.size !== channels || w.scale.shape.slice(0, -1).some((d) => d !== 1)) return null;
      const x = read(e.inputs[0]!) as JArray;
      const q = lax.convertElementType(np.clip(np.round(np.divide(x, s)), -QMAX, QMAX), "int8");
      const acc = bind(e.primitive, [q, w.q], { ...e.params, preferredElementType: "int32" } as never)[0]!;
      const scale = np.multiply(np.reshape(w.scale, [w.scale.size]), s);
      return [np.multiply(lax.convertElementType(acc, "float32"), scale)];
    });
    if (k !== scales.length) throw new ValueError(`${fname}: ${scales.length} scales were given, the model has ${k} quantizable contractions`);
    return tree.unflatten(t.outTree, outs);
  };
}
