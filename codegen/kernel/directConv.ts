/**
 * Direct convolution (as XNNPACK has for small channel counts), instead of im2col into the
 * packed matmul.
 *
 * With few input features per group, im2col packs K = I * taps elements for every output
 * position (25 per position for LeNet's first convolution: a 0.9M-element buffer written and
 * read again) to feed a microkernel whose k loop is then short. A direct kernel reads the input
 * where it lies: the operand is first copied once into a zero-padded, channels-last buffer
 * `xp[n, u..., c]` (padding and any layout resolved there, its producers fused into that copy,
 * as into a pack), the kernel's taps into `wp[g, t..., i, o]` (o padded to a multiple of the
 * register block with zeros), and an output-stationary kernel runs, for a tile of R output
 * positions along the last spatial dim and a block of 8 output features, R x 2 vector
 * accumulators over every (tap, input feature): per step two weight vectors and R splatted
 * input elements, the input address affine in the tap (no bounds checks: the padding is in
 * xp). Taps that reach only padding are skipped (per output row for the outer spatial dims, per
 * tile along the last), so an input gradient (a "full" correlation) is not mostly zeros times
 * weights. The epilogue is the matmul kernel's (bias, relu, ... over the group, row and column
 * variables of lower.ts's `contraction`).
 *
 * int8/uint8 x int8/uint8 -> int32 convolutions (quantized inference) run the same kernel on
 * int32 words of two int16 halves, two taps along the last spatial dim (`paired`), with
 * i32x4.dot_i16x8_s into exact int32 accumulators, as the paired matmul does (narrow.ts).
 * float16 ones are decoded into the float32 copies (contractionAcc.ts).
 *
 * Which convolutions take it: `directConvPays` below, the one place the choice is made.
 */
import { shapeSize } from "../../ir/aval.js";
import type { DType } from "../../ir/dtype.js";
import type { Atom, Eqn } from "../../ir/jaxpr.js";
import type { Params } from "../../ir/primitives.js";
import { type IExpr, type IVar, flatten, iadd, iclamp, idiv, iscale, ivar, newVar } from "./iexpr.js";
import type { MapKernel } from "./kernel.js";
import type { NodeFactory, SExpr } from "./sexpr.js";
import { isNarrowContraction } from "./narrow.js";
import { isFloat16Contraction } from "./contractionAcc.js";

/** Output positions per register tile (along the last spatial dim) and output features per block. */
export const DIRECT_TILE_R = 4;
export const DIRECT_BLOCK_O = 8;

/**
 * `out[outIdx(g, m, j)] = epilogue(acc)`, acc = sum over taps t and features i of
 * xp[n, p * strides + t * dilation, g*I + i] * wp[g, t, i, j], for m over (n, output positions)
 * and j < OG.
 */
export interface DirectConvKernel {
  readonly kind: "directConv";
  readonly name: string;
  /** The padded channels-last input, float32 [N, ...inSp, G*I] (paired: int32 words). */
  readonly input: number;
  /** The packed taps, float32 [G, ...taps, I, OP]. */
  readonly weights: number;
  readonly G: number;
  readonly I: number;
  readonly OG: number;
  /** OG rounded up to a multiple of the feature block. */
  readonly OP: number;
  readonly batch: number;
  /** Spatial extents of the padded input, the output, the kernel. */
  readonly inSp: readonly number[];
  readonly outSp: readonly number[];
  readonly taps: readonly number[];
  readonly strides: readonly number[];
  readonly dilation: readonly number[];
  /** Per spatial dim, the range [lo, hi) of padded positions that hold input (outside it xp is zero padding). */
  readonly real: readonly (readonly [number, number])[];
  /** The epilogue's variables: group, row (batch entry and output position), output feature within the group. */
  readonly gVar: IVar;
  readonly mVar: IVar;
  readonly nVar: IVar;
  readonly epilogue: SExpr;
  readonly out: { readonly buf: number; readonly index: IExpr };
  /**
   * int8/uint8 operands accumulating exactly in int32 (narrow.ts): xp and wp hold int32 words
   * of two int16 halves, so one i32x4.dot_i16x8_s multiplies two terms for 4 output features.
   * "features" (an even number of input features per group): a word holds features (2i, 2i+1),
   * and `I` counts words (half the features). "taps": a word of xp at position u holds
   * (x[u], x[u + dilation]) along the last spatial dim, wp's word for pair l the taps
   * (2l, 2l + 1) (the second zero past an odd count), and the kernel's last-dim tap loop runs
   * over ceil(taps / 2) pairs.
   */
  readonly paired?: "features" | "taps";
  /**
   * Paired kernels whose last block has 5 or 6 live output features, one word of xp per
   * position and stride 1 along the last dim (LeNet's first convolution: O = 6): the block's
   * second vector of weights is laid out (a, a, b, b) for its features a = OP - 4, b = OP - 3,
   * and the kernel multiplies it by the words of two neighbouring positions (x_A, x_B, x_A, x_B),
   * one 8-byte splat: lanes (0, 2) are A's two features, (1, 3) B's. So that block takes 3 dot
   * products per position pair where 4 would leave 4 of 8 lanes dead; see `sharedTailPays`.
   */
  readonly sharedTail?: boolean;
  /**
   * A pooling fused into the epilogue (poolEpilogue.ts): the kernel then stores the pooled
   * result (`epilogue`, its acc the pooled value, over the pool's variables) at `out`, and the
   * convolution's full-resolution output is never stored.
   */
  readonly pool?: DirectConvPool;
}

/**
 * Pooling over non-overlapping windows (stride >= window, no padding) of the convolution's
 * output, as the kernel's epilogue: each pooled position combines, in the window's row-major
 * order from the reduction's identity (as the reduction kernel it replaces does), `body` at
 * every position of its window.
 */
export interface DirectConvPool {
  readonly op: "sum" | "max" | "min";
  /** The reduction's dtype (the body's). */
  readonly dtype: DType;
  /** Per spatial dim (of the convolution's output): window extent, stride, pooled extent. */
  readonly window: readonly number[];
  readonly strides: readonly number[];
  readonly outSp: readonly number[];
  /** The pooled position's batch entry and spatial coordinates (its feature is the kernel's g * OG + n). */
  readonly batchVar: IVar;
  readonly spatialVars: readonly IVar[];
  /** The position within the window, per spatial dim. */
  readonly windowVars: readonly IVar[];
  /** One window element: acc is the convolution's sum; reads gVar, mVar, nVar and the variables above. */
  readonly body: SExpr;
  /**
   * For the block's vector past the last output feature: `body` and the kernel's epilogue with
   * nVar replaced by `lane` (over the padded block) clamped into range, so that the lanes past
   * the end compute (and never store) a copy of the last feature's value in vector arithmetic,
   * reading nothing out of bounds. (Lane by lane, the scalar maxes of relu and the pool are
   * branches that mispredict on data: measured 1.3 ms of LeNet's first layer at batch 256.)
   */
  readonly edge: { readonly lane: IVar; readonly body: SExpr; readonly result: SExpr };
  /**
   * int32 accumulators dequantized monotonically: `body` is `convert(acc) * s + b` with s and b
   * per feature. Where s is finite (`finite`, per lane; `edgeFinite` for the edge's lanes) that
   * map is monotone (increasing or decreasing) and never NaN, so the window's max (min) of
   * body is the larger (smaller) of body at the accumulators' max and at their min: two int32
   * max/min instructions per element instead of a dequantization and a float max each.
   */
  readonly extremes?: {
    readonly finite: SExpr;
    readonly edgeFinite: SExpr;
    /**
     * Per lane, s's sign bit clear (`increasing`): body is then non-decreasing in acc (convert,
     * a product by s >= +0, a sum with b: each rounding is monotone), else non-increasing. Where
     * s and b are also finite (`exact`), body is never NaN, so the window's max is body at the
     * accumulators' max where increasing, at their min elsewhere (the min the reverse), bit for
     * bit (equal values differ only in the sign of a zero, which the max and min pick alike): one
     * dequantization and no float max per pooled vector.
     */
    readonly exact: SExpr;
    readonly edgeExact: SExpr;
    readonly increasing: SExpr;
    readonly edgeIncreasing: SExpr;
  };
}

/**
 * The choice between this kernel and im2col + matmul (or col2im), in one place. Measured on the
 * 2-core development machine (process CPU time of a jitted conv + bias + relu + sum, one
 * thread, 5x5 taps, batch 64, medians of 3 interleaved runs at load 10-14; scripts/convSweep.mjs and
 * scripts/convLenet.mjs), im2col -> direct, in ms:
 *   I = 1..8, O = 6, 28x28:    1.3 -> 0.9 (I=1), 3.6 -> 0.8 (2), 5.9 -> 1.4 (4), 10.9 -> 2.5 (8)
 *   I = 1..8, O = 16, 12x12:   0.19 -> 0.13 (I=1), 0.68 -> 0.23 (3), 1.19 -> 0.43 (6), 1.46 -> 0.55 (8)
 *   I = 16..64, O = 32..128:   5.7 -> 2.4 (16, 32, 12x12), 16.9 -> 8.4 (32, 64), 52 -> 33 (64, 128)
 *   I = 128, O = 128, 8x8:     27.3 -> 26.3 (even)
 *   LeNet's weight gradients (I = the batch, 64): 1.07 -> 0.54 (conv2), 0.80 -> 0.53 (conv1)
 *   LeNet's conv2 input gradient (a "full" correlation, padding 4 of 5 taps): col2im 1.60 -> 1.02
 *     (min 0.82 -> 0.72 with the last dim's padding taps skipped per tile)
 * The pack im2col writes (K = I * taps elements per output position) and reads back costs more
 * than the matmul microkernel's reuse saves while I is small; the direct kernel runs the same
 * 4 x 8 register tile with its k loop reading the input in place. So: direct up to MAX_I
 * input features per group (the largest measured win), im2col beyond. Taps over padding rows
 * are skipped, and along the last spatial dim those that reach padding for every position of a
 * tile; the rest of the padding is multiplied (zeros in xp): direct unless the last dim is more
 * than half padding. Not for lhs dilation (a strided convolution's input gradient: mostly
 * holes, col2im's case), batch groups, dtypes other than float32 and int8/uint8 contractions
 * into int32 (below), or no spatial dim.
 */
const MAX_I = 64;
/*
 * int8/uint8 (paired) convolutions take the same rule. Measured as above (int8 x int8 -> int32
 * conv summed, one thread, CPU ms, medians of 2 interleaved runs, load 3-8), paired im2col ->
 * direct (features paired where I is even, taps otherwise): LeNet's conv1 (I = 1, batch 256)
 * 3.0 -> 1.0, conv2 (I = 6) 2.3 -> 0.96; batch 64: I = 16, O = 32, 12x12: 1.58 -> 1.13;
 * I = 32, O = 64: 5.2 -> 4.3; I = 64, O = 128, 3x3 taps, 8x8: 4.87 -> 3.88; I = 15 (taps
 * paired, a 3-wide row: 1/3 zero halves), O = 32, 3x3: 1.7 -> 0.93.
 */
export function directConvPays(e: Eqn): boolean {
  if (e.primitive !== "convGeneralDilated") return false;
  const p = e.params as Params<"convGeneralDilated">;
  const [lhs, rhs] = e.inputs as [Atom, Atom];
  const out = e.outVars[0]!.aval;
  // (float16 operands are decoded into the float32 copies; their products are summed in the reference's order, taps then features)
  const float = (lhs.aval.dtype === "float32" && rhs.aval.dtype === "float32" && out.dtype === "float32") || isFloat16Contraction(e);
  if (!float && !isNarrowContraction(e)) return false;
  if (p.batchGroupCount !== 1 || lhs.aval.ndim < 3 || out.size === 0 || p.lhsDilation.some((d) => d !== 1)) return false;
  const { lhsSpec, rhsSpec } = p.dimensionNumbers;
  const I = rhs.aval.shape[rhsSpec[1]!]!;
  const taps = rhsSpec.slice(2).map((d) => rhs.aval.shape[d]!);
  if (I > MAX_I || I * shapeSize(taps) === 0) return false;
  const last = taps.length - 1;
  const X = lhs.aval.shape[lhsSpec[last + 2]!]!;
  const [lo, hi] = p.padding[last]!;
  return Math.max(0, lo) + Math.max(0, hi) <= X;
}

/**
 * Whether a paired kernel shares its last block's second vector between neighbouring positions
 * (DirectConvKernel.sharedTail): 5 or 6 live features there, and the two positions' words
 * adjacent in xp (one word per position, stride 1 along the last dim), so one 8-byte splat
 * loads both.
 */
export function sharedTailPays(paired: boolean, OG: number, wordsPerPosition: number, lastStride: number): boolean {
  const rem = OG - (Math.ceil(OG / DIRECT_BLOCK_O) - 1) * DIRECT_BLOCK_O;
  return paired && (rem === 5 || rem === 6) && wordsPerPosition === 1 && lastStride === 1;
}

export interface DirectConvPlan {
  /** Map kernels that fill the padded input and the packed taps (run before the kernel). */
  readonly packs: readonly MapKernel[];
  readonly gVar: IVar;
  readonly mVar: IVar;
  readonly nVar: IVar;
  kernel(epilogue: SExpr, out: { buf: number; index: IExpr }, pool?: DirectConvPool): DirectConvKernel;
}

/** The direct plan of a convolution `directConvPays` accepted; buffers from `scratch`. */
export function directConvPlan(
  e: Eqn,
  exprOf: (a: Atom, idx: readonly IExpr[]) => SExpr,
  f: NodeFactory,
  scratch: (shape: readonly number[], dtype: "float32" | "int32") => number,
  name: string,
): DirectConvPlan {
  const p = e.params as Params<"convGeneralDilated">;
  const [lhs, rhs] = e.inputs as [Atom, Atom];
  const out = e.outVars[0]!.aval;
  const { lhsSpec, rhsSpec, outSpec } = p.dimensionNumbers;
  const nsp = lhs.aval.ndim - 2;
  const sp = (shape: readonly number[], spec: readonly number[]) => spec.slice(2).map((d) => shape[d]!);
  const G = p.featureGroupCount;
  const N = lhs.aval.shape[lhsSpec[0]!]!;
  const C = lhs.aval.shape[lhsSpec[1]!]!;
  const I = C / G;
  const O = rhs.aval.shape[rhsSpec[0]!]!;
  const OG = O / G;
  const OP = Math.ceil(OG / DIRECT_BLOCK_O) * DIRECT_BLOCK_O;
  const xSp = sp(lhs.aval.shape, lhsSpec);
  const taps = sp(rhs.aval.shape, rhsSpec);
  const outSp = sp(out.shape, outSpec);
  // The padded extent actually read: the last output position's window end.
  const inSp = outSp.map((o, s) => (o - 1) * p.windowStrides[s]! + (taps[s]! - 1) * p.rhsDilation[s]! + 1);

  // xp[n, u..., c] = x[n, c, u - padLo] inside the input, else 0 (paired: a word of that and
  // the element dilation further along the last dim, as int16 halves)
  const paired = isNarrowContraction(e);
  // int16 pairs of input features where each group has an even count (no zero half; a pair is
  // two neighbouring channels), else of taps along the last spatial dim
  const pairFeatures = paired && I % 2 === 0;
  const pairTaps = paired && !pairFeatures;
  const CW = pairFeatures ? C / 2 : C;
  const IW = pairFeatures ? I / 2 : I;
  const elem = paired ? "int32" : "float32";
  const xpShape = [N, ...inSp, CW];
  const xp = scratch(xpShape, elem);
  const xvars = xpShape.map((n) => newVar(n, "i"));
  /** The padded input at xp's position, `shift` further along the last spatial dim (feature pairs: member `c`). */
  const paddedAt = (shift: number, c = 0): SExpr => {
    const xidx = new Array<IExpr>(lhs.aval.ndim);
    xidx[lhsSpec[0]!] = ivar(xvars[0]!);
    xidx[lhsSpec[1]!] = pairFeatures ? iadd(iscale(ivar(xvars[nsp + 1]!), 2), c) : ivar(xvars[nsp + 1]!);
    let valid: SExpr = f.const(1, "bool");
    const and = (c: SExpr) => {
      valid = valid.k === "const" ? (valid.value ? c : valid) : c.k === "const" ? (c.value ? valid : c) : f.binary("and", valid, c, "bool");
    };
    for (let s = 0; s < nsp; s++) {
      const lo = p.padding[s]![0] - (s === nsp - 1 ? shift : 0);
      const x = iadd(ivar(xvars[s + 1]!), -lo);
      if (lo > 0) and(f.icond(x, "ge", 0));
      if (inSp[s]! - lo > xSp[s]!) and(f.icond(x, "lt", xSp[s]!));
      xidx[lhsSpec[s + 2]!] = iclamp(x, 0, xSp[s]! - 1);
    }
    const xval = f.convert(exprOf(lhs, xidx), elem);
    return valid.k === "const" ? (valid.value ? xval : f.const(0, elem)) : f.select(valid, [f.const(0, elem), xval], elem);
  };
  const pair = (lo: SExpr, hi: SExpr) => f.binary("or", f.binary("and", lo, f.const(0xffff, "int32"), "int32"), f.binary("shiftLeft", hi, f.const(16, "int32"), "int32"), "int32");
  const xpKernel: MapKernel = {
    kind: "map",
    name: `${name}_padInput`,
    vars: xvars,
    outs: [{ buf: xp, index: flatten(xvars.map(ivar), xpShape), value: pairFeatures ? pair(paddedAt(0, 0), paddedAt(0, 1)) : pairTaps ? pair(paddedAt(0), paddedAt(p.rhsDilation[nsp - 1]!)) : paddedAt(0) }],
  };

  // wp[g, t..., i, j] = w[g*OG + j, i, t...] for j < OG, else 0 (paired: the last dim's t
  // counts pairs of taps, a word of taps 2t and 2t + 1, the second 0 past an odd count)
  const KL = taps[nsp - 1]!;
  const wpTaps = pairTaps ? [...taps.slice(0, -1), Math.ceil(KL / 2)] : taps;
  const wpShape = [G, ...wpTaps, IW, OP];
  const wp = scratch(wpShape, elem);
  // (a, a, b, b) in the last 4 lanes (DirectConvKernel.sharedTail): a second pack kernel writes them
  const sharedTail = sharedTailPays(paired, OG, CW, p.windowStrides[nsp - 1]!);
  const packed = sharedTail ? OP - 4 : OP;
  const wvars = [...wpShape.slice(0, -1), packed].map((n) => newVar(n, "i"));
  // lane j of the packed taps and the output feature it holds
  let j = ivar(wvars[nsp + 2]!);
  let feature = j;
  const tapAt = (shift: number): SExpr => {
    const widx = new Array<IExpr>(rhs.aval.ndim);
    widx[rhsSpec[0]!] = iadd(iscale(ivar(wvars[0]!), OG), iclamp(feature, 0, OG - 1));
    widx[rhsSpec[1]!] = pairFeatures ? iadd(iscale(ivar(wvars[nsp + 1]!), 2), shift) : ivar(wvars[nsp + 1]!);
    for (let s = 0; s < nsp - 1; s++) widx[rhsSpec[s + 2]!] = ivar(wvars[s + 1]!);
    const t = pairTaps ? iadd(iscale(ivar(wvars[nsp]!), 2), shift) : ivar(wvars[nsp]!);
    widx[rhsSpec[nsp + 1]!] = pairTaps && KL % 2 === 1 ? iclamp(t, 0, KL - 1) : t;
    const v = f.convert(exprOf(rhs, widx), elem);
    return pairTaps && KL % 2 === 1 && shift === 1 ? f.select(f.icond(t, "lt", KL), [f.const(0, elem), v], elem) : v;
  };
  const packKernel = (kname: string): MapKernel => {
    const wval = paired ? pair(tapAt(0), tapAt(1)) : tapAt(0);
    return {
      kind: "map",
      name: kname,
      vars: [...wvars],
      outs: [{ buf: wp, index: flatten([...wvars.slice(0, -1).map(ivar), j], wpShape), value: OP === OG ? wval : f.select(f.icond(feature, "lt", OG), [f.const(0, elem), wval], elem) }],
    };
  };
  const packs = [packKernel(`${name}_packTaps`)];
  if (sharedTail) {
    const lane = newVar(4, "i");
    wvars[nsp + 2] = lane;
    j = iadd(ivar(lane), OP - 4);
    feature = iadd(idiv(ivar(lane), 2), OP - 4);
    packs.push(packKernel(`${name}_packTapsShared`));
  }

  const gVar = newVar(G, "g");
  const mVar = newVar(N * shapeSize(outSp), "m");
  const nVar = newVar(OG, "n");
  return {
    packs: [xpKernel, ...packs],
    gVar,
    mVar,
    nVar,
    kernel: (epilogue, outRef, pool) => ({
      kind: "directConv",
      name,
      input: xp,
      weights: wp,
      G,
      I: IW,
      OG,
      OP,
      batch: N,
      inSp,
      outSp,
      taps,
      strides: [...p.windowStrides],
      dilation: [...p.rhsDilation],
      real: inSp.map((u, s) => [Math.max(0, p.padding[s]![0]), Math.min(u, p.padding[s]![0] + xSp[s]!)] as const),
      gVar,
      mVar,
      nVar,
      epilogue,
      out: outRef,
      ...(paired ? { paired: pairFeatures ? "features" : "taps" } : {}),
      ...(sharedTail ? { sharedTail } : {}),
      ...(pool ? { pool } : {}),
    }),
  };
}
