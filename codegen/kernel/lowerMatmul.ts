/**
 * A contraction kernel as matmul steps: pack kernels (which fuse the operands' producers) laying
 * A and B out as register-tile panels, the matmul kernel with the group's fused consumers as its
 * epilogue; or a direct convolution (directConv.ts), or an im2col matmul then a gather-sum
 * (lowerConv.ts) where im2col would mostly pack padding; int8/uint8 operands as paired panels
 * (narrow.ts).
 */
import type { DType } from "../../ir/dtype.js";
import type { Eqn } from "../../ir/jaxpr.js";
import { flatten, iadd, iclamp, iconst, iscale, ivar, newVar, unravel } from "./iexpr.js";
import type { BufferKind, MatmulKernel, Step } from "./kernel.js";
import { isNarrowContraction, pairedPackKernels, pairedWords } from "./narrow.js";
import { col2imPlan } from "./lowerConv.js";
import { directConvPays, directConvPlan } from "./directConv.js";
import { matmulTileFor } from "./matmulTile.js";
import { contraction } from "./contraction.js";
import { canonicalize } from "./canonicalize.js";
import { type Group, PAIRED_TILE } from "./fusionGroups.js";
import type { KernelExprs } from "./kernelExprs.js";
import type { LowerContext } from "./lowerContext.js";
import { contractionValue, isFloat16Contraction, tapsFirst } from "./contractionAcc.js";
import { type PoolEpilogue, poolEpilogueKernel } from "./poolEpilogue.js";

/** The steps of group `g` (a matmul-style contraction and its fused consumers), storing its root's output in `outBuf`. */
export function matmulSteps(ctx: LowerContext, eqns: readonly Eqn[], g: Group, name: string, outBuf: number, { compute, exprOf }: Pick<KernelExprs, "compute" | "exprOf">): Step[] {
  const f = ctx.f;
  const root = eqns[g.root]!;
  const outVar = root.outVars[0]!;
  const addBuffer = (kind: BufferKind, index: number, dtype: DType, shape: readonly number[]): number => ctx.addBuffer(kind, index, dtype, shape);
  const steps: Step[] = [];
  const core = eqns[g.core!]!;
  const coreOut = core.outVars[0]!.aval;
  // int8/uint8 operands: panels of k pairs as int16 halves of int32 words (narrow.ts).
  const paired = isNarrowContraction(core);
  if (ctx.opts.directConv && directConvPays(core)) {
    const d = directConvPlan(core, (a, idx) => exprOf(a, idx), f, (shape, dtype) => addBuffer("scratch", -1, dtype, shape), name);
    const flat = flatten(contraction(core, (a, idx) => exprOf(a, idx), f, "float32").outIdx(ivar(d.gVar), ivar(d.mVar), ivar(d.nVar)), coreOut.shape);
    const epilogue = g.root === g.core ? contractionValue(f, core) : compute(root, unravel(flat, outVar.aval.shape));
    steps.push(...d.packs.map((k) => canonicalize(f, k)), d.kernel(epilogue, { buf: outBuf, index: flat }));
    return steps;
  }
  // A convolution whose im2col would mostly pack padding: a matmul into a temporary, then a gather-sum (lowerConv.ts).
  // (not for float16: the gather-sum adds per-tap partial sums, another order than the reference's)
  const col = g.root === g.core && !paired && !isFloat16Contraction(core) ? col2imPlan(core, (a, idx) => exprOf(a, idx), f) : null;
  const direct = col ? null : contraction(core, (a, idx) => exprOf(a, idx), f, paired ? "int32" : "float32", tapsFirst(core));
  const c = col ? col.contraction : direct!;
  const mmOut = col ? addBuffer("temp", -1, "float32", col.yShape) : outBuf;
  const { Bt, M, N, K } = c;
  if (Bt * M * N === 0) return steps;
  const [MR, NR] = paired ? PAIRED_TILE : matmulTileFor([ctx.MR, ctx.NR], M, N);
  const MB = Math.ceil(M / MR);
  const NB = Math.ceil(N / NR);
  const KP = paired ? pairedWords(direct!.kShape) : K;
  const elem = paired ? "int32" : "float32";
  const packA = addBuffer("scratch", -1, elem, [Bt * MB * MR * KP]);
  const packB = addBuffer("scratch", -1, elem, [Bt * NB * NR * KP]);
  const tile = addBuffer("scratch", -1, elem, [MR * NR]);
  // K's factors (a convolution's input feature and kernel taps) as loop variables of their own.
  const kFactors = core.primitive === "convGeneralDilated" ? c.kShape : undefined;
  // Pack kernels (which fuse the operands' producers): one over full panels, one for the
  // partial last panel (zero-padded).
  const pack = (which: "A" | "B", full: boolean) => {
    const R = which === "A" ? MR : NR;
    const total = which === "A" ? M : N;
    const nPanels = which === "A" ? MB : NB;
    const nFull = Math.floor(total / R);
    if (K === 0 || (full ? nFull === 0 : nFull === nPanels)) return;
    const bv = newVar(Bt, "b");
    const pv = full ? newVar(nFull, "p") : null;
    // K's factors as loop variables of their own (affine loads, no div/mod per element); for
    // a convolution's A (im2col), the panel row outside them, so that an output position's
    // index arithmetic is hoisted out of the loops over the taps.
    const kvars = kFactors ? kFactors.map((n) => newVar(n, "k")) : [newVar(K, "k")];
    const kIdx = kFactors ? flatten(kvars.map(ivar), kFactors) : ivar(kvars[0]!);
    const rv = newVar(R, "r");
    const panel = pv ? ivar(pv) : iconst(nFull);
    const pos = iadd(iscale(panel, R), ivar(rv));
    const at = full ? pos : iclamp(pos, 0, total - 1);
    let value = which === "A" ? c.a(ivar(bv), at, kIdx) : c.b(ivar(bv), kIdx, at);
    if (!full) value = f.select(f.icond(pos, "lt", total), [f.const(0, "float32"), value], "float32");
    const index = iadd(iscale(iadd(iscale(iadd(iscale(ivar(bv), nPanels), panel), K), kIdx), R), ivar(rv));
    const inner = which === "A" && kFactors ? [rv, ...kvars] : [...kvars, rv];
    const vars = pv ? [bv, pv, ...inner] : [bv, ...inner];
    steps.push(canonicalize(f, { kind: "map", name: `${name}_pack${which}${full ? "" : "_edge"}`, vars, outs: [{ buf: which === "A" ? packA : packB, value, index }] }));
  };
  if (paired) steps.push(...pairedPackKernels(f, name, direct!, MR, NR, packA, packB).map((pk) => canonicalize(f, pk)));
  else {
    pack("A", true);
    pack("A", false);
    pack("B", true);
    pack("B", false);
  }
  const bVar = newVar(Bt, "b");
  const mVar = newVar(M, "m");
  const nVar = newVar(N, "n");
  // The epilogue runs over the root's index space; it differs from the core's at most by unit dims.
  const flat = flatten(c.outIdx(ivar(bVar), ivar(mVar), ivar(nVar)), col ? col.yShape : coreOut.shape);
  const epilogue = g.root === g.core ? contractionValue(f, core) : compute(root, unravel(flat, outVar.aval.shape));
  const k: MatmulKernel = { kind: "matmul", name, bVar, mVar, nVar, K, epilogue, out: { buf: mmOut, index: flat }, packA, packB, tile, mr: MR, nr: NR, ...(paired ? { pairs: KP } : {}) };
  steps.push(k);
  if (col) steps.push(canonicalize(f, col.kernel(mmOut, outBuf, name)));
  return steps;
  return steps;
}

/**
 * A direct convolution whose pooling became its epilogue (poolEpilogue.ts): the convolution's
 * packs, then one kernel that convolves a tile, pools it and stores only the pooled values.
 */
export function pooledConvSteps(ctx: LowerContext, eqns: readonly Eqn[], pe: PoolEpilogue<Group>, cx: Pick<KernelExprs, "compute" | "exprOf">, pool: Eqn, name: string, outBuf: number): Step[] {
  const f = ctx.f;
  const core = eqns[pe.conv.core!]!;
  const d = directConvPlan(core, (a, idx) => cx.exprOf(a, idx), f, (shape, dtype) => ctx.addBuffer("scratch", -1, dtype, shape), name);
  const convOut = eqns[pe.conv.root]!.outVars[0]!.aval;
  const flat = flatten(contraction(core, (a, idx) => cx.exprOf(a, idx), f, "float32").outIdx(ivar(d.gVar), ivar(d.mVar), ivar(d.nVar)), core.outVars[0]!.aval.shape);
  const value = pe.conv.root === pe.conv.core ? contractionValue(f, core) : cx.compute(eqns[pe.conv.root]!, unravel(flat, convOut.shape));
  return [...d.packs.map((k) => canonicalize(f, k)), poolEpilogueKernel(f, pe, pool, core, d, value, outBuf)];
}
