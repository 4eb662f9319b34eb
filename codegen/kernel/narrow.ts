/**
 * Kernels for the narrow dtypes (int8, uint8, float16).
 *
 * int8/uint8 values live in kernels as int32 values (sign- or zero-extended), float16 ones as
 * their bits, so a kernel may move, select and convert them, and store them back, with no extra
 * code (int8/uint8 also compare, clamp, max and min as int32); arithmetic and reductions widen
 * (widen.ts). Contractions of int8/uint8 operands accumulating in int32
 * (quantized inference) become paired matmuls: the packed panels hold, per 32-bit word, two
 * consecutive k terms as int16 halves, so the microkernel multiplies with i32x4.dot_i16x8_s
 * (8 exact products and 4 pairwise sums per instruction), with the same panels, tiling and
 * fused epilogue as the float32 matmul. Convolutions with few input features take the direct
 * kernel instead (directConv.ts, its `paired` form: taps paired the same way, as int16 halves).
 */
import type { Contraction } from "./contraction.js";
import { type DType, isFloat } from "../../ir/dtype.js";
import type { Eqn } from "../../ir/jaxpr.js";
import { type Params, type Primitive, isComparison } from "../../ir/primitives.js";
import { type IExpr, iadd, iclamp, iconst, idiv, iscale, ivar, newVar } from "./iexpr.js";
import type { MapKernel } from "./kernel.js";
import type { NodeFactory, SExpr } from "./sexpr.js";
import { indexViewPrims } from "./lowerIndexing.js";
import { viewPrims } from "./viewPrims.js";
import { widensNarrow } from "./widen.js";
import { isFloat16Contraction } from "./contractionAcc.js";

const byteInts = new Set<DType>(["int8", "uint8"]);

/** Primitives that keep every int8/uint8 value in range: moves, selects, clamps, comparisons, conversions. */
const inRangePrims = new Set<Primitive>([...viewPrims, "selectN", "clamp", "max", "min"]);

/**
 * An int8/uint8 x int8/uint8 -> int32 dotGeneral or convolution, or one into its operands' own
 * int8/uint8 type (int32 sums wrapped at the end, contractionAcc.ts): a paired matmul (batch
 * groups, like feature groups, are the batch of its im2col product; contraction.ts).
 */
export function isNarrowContraction(e: Eqn): boolean {
  if (e.primitive !== "dotGeneral" && e.primitive !== "convGeneralDilated") return false;
  const out = e.outVars[0]!.aval.dtype;
  return e.inputs.length === 2 && e.inputs.every((a) => byteInts.has(a.aval.dtype)) && (out === "int32" || e.inputs.every((a) => a.aval.dtype === out));
}

/**
 * A float -> int8/uint8 conversion (a quantized activation). Where a convolution's im2col rereads
 * its result, it is materialized as bytes rather than fused: otherwise each reread converts a
 * float again (a saturating float -> int conversion is ~8 x86 instructions per vector), and
 * the float producer (the quantization's clamp) is materialized anyway.
 */
export const narrowsFloat = (e: Eqn): boolean =>
  e.primitive === "convertElementType" && byteInts.has(e.outVars[0]!.aval.dtype) && isFloat(e.inputs[0]!.aval.dtype);

/**
 * A dotGeneral or convolution of float16 operands into float64 (preferredElementType): a
 * sum-reduction kernel over float64 products of the decoded operands (exact), added in order,
 * as XLA does (float64 accumulation: 65504*65504 + 1 - 65504*65504 is 1, where float32 sums give 0).
 */
export const isFloat16IntoFloat64 = (e: Eqn): boolean =>
  (e.primitive === "dotGeneral" || e.primitive === "convGeneralDilated") && e.outVars[0]!.aval.dtype === "float64" && e.inputs.every((a) => a.aval.dtype === "float16");

/**
 * Whether an equation must run as a host step because of a narrow dtype it reads or writes:
 * what neither the moves, the widened arithmetic (widen.ts) nor the contractions (paired, or of
 * float16 operands decoded into float32 panels or into float64 sums) cover: float16 bitcasts
 * (which the reference refuses), mixed-dtype contractions. Sorts, scatters and cumulative ops
 * decide in lower.ts (narrowSortable, narrowScatter, narrowCumulative).
 */
export function narrowNeedsHost(e: Eqn): boolean {
  const dtypes = [...e.inputs.map((a) => a.aval.dtype), ...e.outVars.map((v) => v.aval.dtype)];
  const f16 = dtypes.includes("float16");
  if (!f16 && !dtypes.some((d) => byteInts.has(d))) return false;
  if (e.primitive === "bitcastConvertType") return f16;
  if (isFloat16Contraction(e) || isNarrowContraction(e) || isFloat16IntoFloat64(e)) return false;
  return !(inRangePrims.has(e.primitive) || indexViewPrims.has(e.primitive) || isComparison(e.primitive) || widensNarrow(e.primitive));
}

/**
 * A sort whose operands include int8/uint8/float16 ones: the merge sort kernel (codegen/wasm/
 * sortKernel.ts) loads, compares and copies them (the reference's float order for float16 keys).
 */
export const narrowSortable = (e: Eqn): boolean => e.primitive === "sort";

/** What the pack kernels need of a contraction (operands as int32 values). */
export type PairedOperands = Omit<Contraction, "outIdx">;

/**
 * The dim of k's shape that pairs run along: the one that leaves the fewest words (an even
 * extent wastes no half word; a 5x5 kernel over 6 input features pairs the features, 75 words
 * rather than 90), the last on ties. Pairing along one dim keeps every k index the pack kernels
 * compute affine in one loop variable per dim of k: no division or remainder (a convolution's
 * k flattens (input feature, kernel rows, kernel columns), and pairing the flat k would divide
 * by the kernel's width for every term of the im2col).
 */
function pairDim(kShape: readonly number[]): number {
  let best = kShape.length - 1;
  const words = (d: number) => (kShape.reduce((a, b) => a * b, 1) / kShape[d]!) * Math.ceil(kShape[d]! / 2);
  for (let d = kShape.length - 2; d >= 0; d--) if (kShape[d]! > 0 && words(d) < words(best)) best = d;
  return best;
}

/** Words per row (or column) of a paired panel: ceil(n / 2) along the pair dim (pairDim), the other dims whole. */
export function pairedWords(kShape: readonly number[]): number {
  if (kShape.length === 0) return 1;
  if (kShape.some((n) => n === 0)) return 0;
  const d = pairDim(kShape);
  return (kShape.reduce((a, b) => a * b, 1) / kShape[d]!) * Math.ceil(kShape[d]! / 2);
}

/**
 * The pack kernels of a paired matmul: panels of `mr` rows of A, word
 * `packA[((b*MB + ip)*KP + w)*mr + r]` = (a[m, k0(w)] & 0xffff) | a[m, k1(w)] << 16 for
 * m = ip*mr + r and word w (pairedWords), and panels of `nr` columns of B the same way; zero
 * beyond M, N and K. One kernel over full panels and one for the partial last panel, per
 * operand, vectorized along the panel's rows (A) or columns (B).
 */
export function pairedPackKernels(f: NodeFactory, name: string, c: PairedOperands, MR: number, NR: number, packA: number, packB: number): MapKernel[] {
  const { Bt, M, N, K } = c;
  const kShape = c.kShape.length > 0 ? c.kShape : [1];
  const KP = pairedWords(kShape);
  const pd = pairDim(kShape);
  const L = kShape[pd]!;
  const MB = Math.ceil(M / MR);
  const NB = Math.ceil(N / NR);
  const i32 = (v: number) => f.const(v, "int32");
  const out: MapKernel[] = [];
  const pack = (which: "A" | "B", full: boolean) => {
    const R = which === "A" ? MR : NR;
    const total = which === "A" ? M : N;
    const nPanels = which === "A" ? MB : NB;
    const nFull = Math.floor(total / R);
    if (K === 0 || (full ? nFull === 0 : nFull === nPanels)) return;
    const bv = newVar(Bt, "b");
    // When R divides m's last dim (a convolution's output width), the panels loop over m's
    // leading dims and the panel s within the last, and m = (leading dims, s*R + r) is affine
    // in every loop variable: an im2col reads R consecutive positions with one index
    // computation (one vector load for a single channel), with no division by the output's extents.
    const inner = which === "A" && c.mShape.length > 0 ? c.mShape[c.mShape.length - 1]! : 0;
    const split = full && inner > R && inner % R === 0;
    const lead = split ? c.mShape.slice(0, -1).map((n) => newVar(n, "m")) : [];
    const sv = split ? newVar(inner / R, "s") : null;
    const pv = full && !split ? newVar(nFull, "p") : null;
    const rv = newVar(R, "r");
    // One loop per dim of k, the pair dim's over word halves.
    const kv = kShape.map((n, d) => newVar(d === pd ? Math.ceil(n / 2) : n, d === pd ? "l" : "k"));
    let leadFlat = iconst(0);
    for (let d = lead.length - 1, st = inner; d >= 0; st *= c.mShape[d]!, d--) leadFlat = iadd(leadFlat, iscale(ivar(lead[d]!), st));
    const panel = sv ? iadd(idiv(leadFlat, R), ivar(sv)) : pv ? ivar(pv) : iconst(nFull);
    const pos = sv ? iadd(leadFlat, iscale(ivar(sv), R), ivar(rv)) : iadd(iscale(panel, R), ivar(rv));
    const at = full ? pos : iclamp(pos, 0, total - 1);
    // k = (dims, 2l + j at the pair dim) flattened; word w = (dims, l) flattened.
    let kBase = iconst(0);
    let kStride = 1;
    let w = iconst(0);
    let wStride = 1;
    let pairStride = 1;
    for (let d = kShape.length - 1; d >= 0; d--) {
      if (d === pd) pairStride = kStride;
      else kBase = iadd(kBase, iscale(ivar(kv[d]!), kStride));
      w = iadd(w, iscale(ivar(kv[d]!), wStride));
      kStride *= kShape[d]!;
      wStride *= kv[d]!.extent;
    }
    const term = (k: IExpr) => (which === "A" ? c.a(ivar(bv), at, k) : c.b(ivar(bv), k, at));
    const two = iscale(ivar(kv[pd]!), 2);
    const lo = term(iadd(kBase, iscale(two, pairStride)));
    const hi =
      L % 2 === 0
        ? term(iadd(kBase, iscale(iadd(two, 1), pairStride)))
        : f.select(f.icond(iadd(two, 1), "lt", L), [i32(0), term(iadd(kBase, iscale(iclamp(iadd(two, 1), 0, L - 1), pairStride)))], "int32");
    let value = f.binary("or", f.binary("and", lo, i32(0xffff), "int32"), f.binary("shiftLeft", hi, i32(16), "int32"), "int32");
    if (!full) value = f.select(f.icond(pos, "lt", total), [i32(0), value], "int32");
    const index = iadd(iscale(iadd(iscale(iadd(iscale(ivar(bv), nPanels), panel), KP), w), R), ivar(rv));
    const vars = [bv, ...lead, ...(sv ? [sv] : pv ? [pv] : []), ...kv, rv];
    out.push({ kind: "map", name: `${name}_pack${which}${full ? "" : "_edge"}`, vars, outs: [{ buf: which === "A" ? packA : packB, value, index }] });
  };
  pack("A", true);
  pack("A", false);
  pack("B", true);
  pack("B", false);
  return out;
}

/**
 * A paired word read from adjacent bytes: `or(and(x[i], 0xffff), shiftLeft(x[i + 1], 16))` with
 * x an int8/uint8 buffer (what the packs above build when a pair's two terms are neighbours in
 * memory, as a convolution's input channels are). A renderer may load the two bytes at once and
 * widen them to int16 halves; null when `e` is not of that form.
 */
export function adjacentBytePair(e: SExpr): { buf: number; index: IExpr; dtype: "int8" | "uint8" } | null {
  if (e.k !== "binary" || e.op !== "or" || e.dtype !== "int32") return null;
  const { a, b } = e;
  if (a.k !== "binary" || a.op !== "and" || a.b.k !== "const" || a.b.value !== 0xffff) return null;
  if (b.k !== "binary" || b.op !== "shiftLeft" || b.b.k !== "const" || b.b.value !== 16) return null;
  const byteLoad = (x: SExpr) => {
    const l = x.k === "convert" && x.dtype === "int32" ? x.a : null;
    return l !== null && l.k === "load" && (l.dtype === "int8" || l.dtype === "uint8") ? l : null;
  };
  const lo = byteLoad(a.a);
  const hi = byteLoad(b.a);
  if (lo === null || hi === null || lo.buf !== hi.buf || lo.dtype !== hi.dtype || iadd(lo.index, 1).key !== hi.index.key) return null;
  return { buf: lo.buf, index: lo.index, dtype: lo.dtype as "int8" | "uint8" };
}

/**
 * Whether a float value converted to int8/uint8 is already clipped into the target's range (or
 * NaN) by a clamp with constant bounds (a quantization's clip): the conversion's own saturation
 * then changes nothing and a renderer may truncate directly.
 */
export function clippedToByteRange(x: SExpr, to: DType): boolean {
  if (!byteInts.has(to) || !isFloat(x.dtype)) return false;
  const [lo, hi] = to === "int8" ? [-128, 127] : [0, 255];
  const constOf = (e: SExpr) => (e.k === "const" ? e.value : null);
  /** The constant bound of `op(y, c)` / `op(c, y)`, and y. */
  const bound = (e: SExpr, op: "max" | "min"): [number, SExpr] | null => {
    if (e.k !== "binary" || e.op !== op) return null;
    const ca = constOf(e.a);
    const cb = constOf(e.b);
    return cb !== null ? [cb, e.a] : ca !== null ? [ca, e.b] : null;
  };
  if (x.k === "clamp") {
    const [l, h] = [constOf(x.lo), constOf(x.hi)];
    return l !== null && h !== null && l >= lo && h <= hi;
  }
  for (const [outer, inner] of [["min", "max"], ["max", "min"]] as const) {
    const o = bound(x, outer);
    const i = o && bound(o[1], inner);
    if (o && i) {
      const [l, h] = outer === "min" ? [i[0], o[0]] : [o[0], i[0]];
      if (l >= lo && h <= hi) return true;
    }
  }
  return false;
}

/**
 * A float32 value clipped by constant bounds lo <= 0 <= hi inside an int8/uint8 range (a
 * quantization's clip), taken apart: `clip(y)` converted to the byte type equals `y`
 * truncated with saturation to int32, then clamped in int32 by trunc(lo), trunc(hi) in the
 * same order (truncation is monotone; NaN gives 0 either way, as 0 lies within the bounds). A
 * vector renderer may clamp in integers (one instruction per bound) rather than in floats
 * (wasm's float min/max, NaN-propagating, are several instructions each on x86).
 */
/**
 * `round_toNearestEven(div(max(z, 0), c))` (or `mul`, either operand order, `max(0, z)`) with c > 0
 * a constant: a relu before a positive scaling and rounding, as a quantization of a relu's output
 * has. Inside byteClipParts (a lower bound lo <= 0, so a clamp at 0 is within the clip), the relu
 * can move after the truncation, as an int32 max with 0: for z >= +0 nothing changes; for any
 * other z (negative, -0, -inf, NaN) the original is clamp(trunc(+0 or NaN)) = 0, and z / c
 * rounds to a value <= 0 (or NaN) that truncates to an int32 <= 0, which the max with 0 makes 0.
 */
export function reluScaledRound(y: SExpr): { z: SExpr; op: "div" | "mul"; c: number } | null {
  if (y.k !== "round" || y.method !== "toNearestEven" || y.dtype !== "float32") return null;
  const s = y.a;
  if (s.k !== "binary" || (s.op !== "div" && s.op !== "mul")) return null;
  const [r, c] = s.b.k === "const" ? [s.a, s.b] : s.op === "mul" && s.a.k === "const" ? [s.b, s.a] : [null, null];
  if (!r || !c || c.k !== "const" || !(c.value > 0)) return null;
  if (r.k !== "binary" || r.op !== "max" || r.dtype !== "float32") return null;
  const zero = (e: SExpr) => e.k === "const" && e.value === 0;
  const z = zero(r.b) ? r.a : zero(r.a) ? r.b : null;
  return z ? { z, op: s.op, c: c.value } : null;
}

export function byteClipParts(x: SExpr, to: DType): { y: SExpr; first: ["max" | "min", number]; second: ["max" | "min", number] } | null {
  if (!byteInts.has(to) || x.dtype !== "float32") return null;
  const [lo, hi] = to === "int8" ? [-128, 127] : [0, 255];
  const ok = (l: number, h: number) => l >= lo && h <= hi && l <= 0 && h >= 0;
  const constOf = (e: SExpr) => (e.k === "const" ? e.value : null);
  if (x.k === "clamp") {
    const [l, h] = [constOf(x.lo), constOf(x.hi)];
    return l !== null && h !== null && ok(l, h) ? { y: x.x, first: ["max", Math.trunc(l)], second: ["min", Math.trunc(h)] } : null;
  }
  const bound = (e: SExpr, op: "max" | "min"): [number, SExpr] | null => {
    if (e.k !== "binary" || e.op !== op) return null;
    const ca = constOf(e.a);
    const cb = constOf(e.b);
    return cb !== null ? [cb, e.a] : ca !== null ? [ca, e.b] : null;
  };
  for (const [outer, inner] of [["min", "max"], ["max", "min"]] as const) {
    const o = bound(x, outer);
    const i = o && bound(o[1], inner);
    if (o && i) {
      const [l, h] = outer === "min" ? [i[0], o[0]] : [o[0], i[0]];
      if (ok(l, h)) return { y: i[1], first: [inner, Math.trunc(i[0])], second: [outer, Math.trunc(o[0])] };
    }
  }
  return null;
}
