/**
 * The reference `cpu` backend: a plain interpreter over TypedArrays for every primitive,
 * the oracle the other backends are tested against. Obviously right rather than fast.
 */
import { ShapedArray } from "../../ir/aval.js";
import { float16ToFloat32, float32ToFloat16, storeScalar, typedArrayFor } from "../../ir/dtype.js";
import { type Atom, type Jaxpr, Literal, type Var } from "../../ir/jaxpr.js";
import { type Params, type Primitive, binaryKinds, comparisonKinds, unaryKinds } from "../../ir/primitives.js";
import { tableOf } from "../../ir/util.js";
import { cumulativeFloat16Impl } from "./blockedScan.js";
import { convGeneralDilatedFloat16Impl, convGeneralDilatedImpl, dotGeneralFloat16Impl, dotGeneralImpl } from "./contraction.js";
import { condImpl, scanImpl, whileImpl } from "./controlFlow.js";
import {
  binaryImpl,
  bitcastConvertTypeImpl,
  clampImpl,
  comparisonImpl,
  convertElementTypeImpl,
  identityImpl,
  integerPowImpl,
  roundImpl,
  selectNImpl,
  unaryImpl,
} from "./elementwise.js";
import { gatherImpl, scatterAddFloat16Impl, scatterAddImpl, scatterMaxImpl, scatterMinImpl, scatterMulFloat16Impl, scatterMulImpl, scatterReplaceImpl } from "./indexing.js";
import {
  argmaxImpl,
  argminImpl,
  cummaxImpl,
  cumminImpl,
  cumprodImpl,
  cumsumImpl,
  reduceAndImpl,
  reduceMaxImpl,
  reduceMinImpl,
  reduceOrImpl,
  reduceProdImpl,
  reduceSumImpl,
} from "./reductions.js";
import { choleskyImpl, eighImpl, geqrfImpl, householderProductImpl, luImpl, qrImpl, svdImpl, triangularSolveImpl } from "./linalg.js";
import { sortImpl } from "./sort.js";
import {
  broadcastInDimImpl,
  concatenateImpl,
  dynamicSliceImpl,
  dynamicUpdateSliceImpl,
  iotaImpl,
  padImpl,
  reshapeImpl,
  revImpl,
  sliceImpl,
  transposeImpl,
} from "./structural.js";
import { threefry2x32Impl } from "./threefry.js";
import { type RefBuffer, type RefImpl, at } from "./util.js";
import { reduceWindowMaxImpl, reduceWindowMinImpl, reduceWindowSumImpl, selectAndGatherAddImpl, selectAndScatterAddFloat16Impl, selectAndScatterAddImpl } from "./windows.js";

export type { RefBuffer, RefImpl } from "./util.js";

const jitImpl: RefImpl<"jit"> = (inputs, _inAvals, { jaxpr }) => evalJaxprRef(jaxpr, [], inputs);

const refImpls: { [P in Primitive]: RefImpl<P> } = {
  ...tableOf(unaryKinds, unaryImpl),
  ...tableOf(binaryKinds, binaryImpl),
  ...tableOf(comparisonKinds, comparisonImpl),
  round: roundImpl,
  integerPow: integerPowImpl,
  selectN: selectNImpl,
  clamp: clampImpl,
  convertElementType: convertElementTypeImpl,
  bitcastConvertType: bitcastConvertTypeImpl,
  stopGradient: identityImpl,
  copy: identityImpl,
  iota: iotaImpl,
  reduceSum: reduceSumImpl,
  reduceProd: reduceProdImpl,
  reduceMax: reduceMaxImpl,
  reduceMin: reduceMinImpl,
  reduceAnd: reduceAndImpl,
  reduceOr: reduceOrImpl,
  argmax: argmaxImpl,
  argmin: argminImpl,
  cumsum: cumsumImpl,
  cumprod: cumprodImpl,
  cummax: cummaxImpl,
  cummin: cumminImpl,
  broadcastInDim: broadcastInDimImpl,
  reshape: reshapeImpl,
  transpose: transposeImpl,
  squeeze: reshapeImpl,
  rev: revImpl,
  slice: sliceImpl,
  pad: padImpl,
  concatenate: concatenateImpl,
  dynamicSlice: dynamicSliceImpl,
  dynamicUpdateSlice: dynamicUpdateSliceImpl,
  gather: gatherImpl,
  scatter: scatterReplaceImpl,
  scatterAdd: scatterAddImpl,
  scatterMul: scatterMulImpl,
  scatterMin: scatterMinImpl,
  scatterMax: scatterMaxImpl,
  dotGeneral: dotGeneralImpl,
  convGeneralDilated: convGeneralDilatedImpl,
  reduceWindowSum: reduceWindowSumImpl,
  reduceWindowMax: reduceWindowMaxImpl,
  reduceWindowMin: reduceWindowMinImpl,
  selectAndScatterAdd: selectAndScatterAddImpl,
  selectAndGatherAdd: selectAndGatherAddImpl,
  sort: sortImpl,
  threefry2x32: threefry2x32Impl,
  jit: jitImpl,
  customJvpCall: (inputs, _inAvals, { jaxpr }) => evalJaxprRef(jaxpr, [], inputs),
  customVjpCall: (inputs, _inAvals, { jaxpr }) => evalJaxprRef(jaxpr, [], inputs),
  checkpoint: (inputs, _inAvals, { jaxpr }) => evalJaxprRef(jaxpr, [], inputs),
  customLin: () => {
    throw new Error("custom_lin is the linear part of a custom_vjp function and can only be transposed, not evaluated");
  },
  cond: condImpl,
  while: whileImpl,
  scan: scanImpl,
  cholesky: choleskyImpl,
  triangularSolve: triangularSolveImpl,
  lu: luImpl,
  qr: qrImpl,
  geqrf: geqrfImpl,
  householderProduct: householderProductImpl,
  eigh: eighImpl,
  svd: svdImpl,
};

/** Runs one primitive. outAvals are already computed by the caller with inferShapes. */
export function evalPrimitiveRef<P extends Primitive>(
  prim: P,
  inputs: readonly RefBuffer[],
  inAvals: readonly ShapedArray[],
  params: Params<P>,
  outAvals: readonly ShapedArray[],
): RefBuffer[] {
  const impl = refImpls[prim] as RefImpl<P>;
  const touchesF16 = inAvals.some((a) => a.dtype === "float16") || outAvals.some((a) => a.dtype === "float16");
  if (!touchesF16 || subJaxprPrims.has(prim)) return impl(inputs, inAvals, params, outAvals);
  const own = float16Impls[prim] as RefImpl<P> | undefined;
  if (own) return own(inputs, inAvals, params, outAvals);
  return evalWidened(prim, (float16WidenedImpls[prim] as RefImpl<P> | undefined) ?? impl, inputs, inAvals, params, outAvals);
}

/** Primitives that compute float16 themselves, where XLA rounds within the primitive (not once at its end, as widening would). */
const float16Impls: { [P in Primitive]?: RefImpl<P> } = {
  selectAndScatterAdd: selectAndScatterAddFloat16Impl,
  scatterAdd: scatterAddFloat16Impl,
  scatterMul: scatterMulFloat16Impl,
  cumsum: cumulativeFloat16Impl("cumsum"),
  cumprod: cumulativeFloat16Impl("cumprod"),
  cummax: cumulativeFloat16Impl("cummax"),
  cummin: cumulativeFloat16Impl("cummin"),
};

/** Kernels of their own for float16 operands (widened): contractions accumulate in float32 (contraction.ts). */
const float16WidenedImpls: { [P in Primitive]?: RefImpl<P> } = { dotGeneral: dotGeneralFloat16Impl, convGeneralDilated: convGeneralDilatedFloat16Impl };

/** Primitives that evaluate sub-jaxprs: each inner equation widens for itself. */
const subJaxprPrims = new Set<Primitive>(["jit", "customJvpCall", "customVjpCall", "checkpoint", "cond", "while", "scan"]);

const widen = (a: ShapedArray): ShapedArray => (a.dtype === "float16" ? new ShapedArray(a.shape, "float32", a.weakType) : a);

/**
 * float16 on the CPU: the operands are widened to float32 (exactly), the float32 kernel runs,
 * and float16 results are rounded back to nearest even, as XLA's CPU backend computes f16.
 * A float16 result of convertElementType is then one rounding of the source value.
 */
function evalWidened<P extends Primitive>(
  prim: P,
  impl: RefImpl<P>,
  inputs: readonly RefBuffer[],
  inAvals: readonly ShapedArray[],
  params: Params<P>,
  outAvals: readonly ShapedArray[],
): RefBuffer[] {
  if (prim === "bitcastConvertType") throw new TypeError("lax.bitcastConvertType: float16 is not supported on the CPU backends");
  const wideIn = inputs.map((b, i) => (inAvals[i]!.dtype === "float16" ? float16ToFloat32(b as Uint16Array) : b));
  const outs = impl(wideIn, inAvals.map(widen), widenParams(params), outAvals.map(widen));
  return outs.map((b, i) => (outAvals[i]!.dtype === "float16" ? float32ToFloat16(b as Float32Array) : b));
}

/** Params naming a float16 result dtype name float32 instead (the kernel's own type). */
function widenParams<P>(params: P): P {
  const out = { ...params } as Record<string, unknown>;
  for (const k of ["newDtype", "dtype", "preferredElementType"]) if (out[k] === "float16") out[k] = "float32";
  return out as P;
}

/** A 1-element buffer holding a literal, in its aval's dtype. */
export function literalBuffer(lit: Literal): RefBuffer {
  const buf = typedArrayFor(lit.aval.dtype, 1);
  buf[0] = storeScalar(lit.value, lit.aval.dtype);
  return buf;
}

/** Runs a whole jaxpr (for the nested `jit` primitive and for jit on cpu). Outputs are fresh buffers. */
export function evalJaxprRef(jaxpr: Jaxpr, consts: readonly RefBuffer[], args: readonly RefBuffer[]): RefBuffer[] {
  if (consts.length !== jaxpr.constvars.length || args.length !== jaxpr.invars.length)
    throw new Error(
      `evalJaxprRef: the jaxpr takes ${jaxpr.constvars.length} consts and ${jaxpr.invars.length} args, got ${consts.length} and ${args.length}`,
    );
  const env = new Map<Var, RefBuffer>();
  jaxpr.constvars.forEach((v, i) => env.set(v, at(consts, i)));
  jaxpr.invars.forEach((v, i) => env.set(v, at(args, i)));
  const read = (a: Atom): RefBuffer => {
    if (a instanceof Literal) return literalBuffer(a);
    const buf = env.get(a);
    if (buf === undefined) throw new Error("evalJaxprRef: a variable is used before it is defined");
    return buf;
  };
  for (const e of jaxpr.eqns) {
    const outs = evalPrimitiveRef(
      e.primitive,
      e.inputs.map(read),
      e.inputs.map((a) => a.aval),
      e.params,
      e.outVars.map((v) => v.aval),
    );
    e.outVars.forEach((v, i) => env.set(v, at(outs, i)));
  }
  return jaxpr.outs.map((a) => read(a).slice());
}
