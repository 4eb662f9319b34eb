/**
 * Contractions (dotGeneral, and convGeneralDilated as an implicit im2col) as one batched matrix
 * product over index expressions: what the packed matmul, the reduce-style kernels and the
 * direct convolutions all read their operands through.
 */
import { shapeSize } from "../../ir/aval.js";
import type { DType } from "../../ir/dtype.js";
import type { Atom, Eqn } from "../../ir/jaxpr.js";
import type { Params } from "../../ir/primitives.js";
import { type IExpr, iadd, iclamp, idiv, imod, iscale, unravel } from "./iexpr.js";
import type { NodeFactory, SExpr } from "./sexpr.js";

export interface DotDims {
  batch: number[];
  lfree: number[];
  rfree: number[];
  contract: number[];
  lc: readonly number[];
  rc: readonly number[];
  lb: readonly number[];
  rb: readonly number[];
}

export function dotDims(e: Eqn): DotDims {
  const [lhs, rhs] = e.inputs as [Atom, Atom];
  const [[lc, rc], [lb, rb]] = (e.params as Params<"dotGeneral">).dimensionNumbers;
  const lfree = lhs.aval.shape.map((_, i) => i).filter((i) => !lc.includes(i) && !lb.includes(i));
  const rfree = rhs.aval.shape.map((_, i) => i).filter((i) => !rc.includes(i) && !rb.includes(i));
  return {
    batch: lb.map((d) => lhs.aval.shape[d]!),
    lfree: lfree.map((d) => lhs.aval.shape[d]!),
    rfree: rfree.map((d) => rhs.aval.shape[d]!),
    contract: lc.map((d) => lhs.aval.shape[d]!),
    lc,
    rc,
    lb,
    rb,
  };
}

/**
 * A contraction as a batched matrix product: `out[outIdx(b, m, n)] = sum_k a(b, m, k) * b(b, k, n)`.
 * dotGeneral: batch dims, lhs free dims, rhs free dims, contracting dims (each group flattened).
 * convGeneralDilated (feature groups as the batch): m runs over (batch, output positions), k
 * over (input feature, kernel positions) — an implicit im2col, where positions that fall in the
 * padding or in lhs-dilation holes read as zero.
 */
export interface Contraction {
  readonly Bt: number;
  readonly M: number;
  readonly N: number;
  readonly K: number;
  /** The dims m and k flatten (row-major): lhs free dims or (batch, output positions); contracting dims or (input feature, kernel positions). */
  readonly mShape: readonly number[];
  readonly kShape: readonly number[];
  a(b: IExpr, m: IExpr, k: IExpr): SExpr;
  b(b: IExpr, k: IExpr, n: IExpr): SExpr;
  outIdx(b: IExpr, m: IExpr, n: IExpr): IExpr[];
}

/**
 * A contraction's operands as functions of (batch, m, k) and (batch, k, n), converted to `elem`:
 * the output dtype by default (reductions), float32 for the packed matmul, int32 for paired
 * int8 panels. `tapsFirst`: a convolution's k runs over (kernel positions, input feature) instead
 * (a float16 one's order of summation, contractionAcc.ts).
 */
export function contraction(e: Eqn, exprOf: (a: Atom, idx: readonly IExpr[]) => SExpr, f: NodeFactory, elem: DType = e.outVars[0]!.aval.dtype, tapsFirst = false): Contraction {
  const [lhs, rhs] = e.inputs as [Atom, Atom];
  const out = e.outVars[0]!.aval;
  const cvt = (x: SExpr) => f.convert(x, elem);
  const zero = f.const(0, elem);
  if (e.primitive === "dotGeneral") {
    const d = dotDims(e);
    const operandIdx = (a: Atom, c: readonly number[], bd: readonly number[], bIdx: readonly IExpr[], freeIdx: readonly IExpr[], kIdx: readonly IExpr[]) => {
      let free = 0;
      return a.aval.shape.map((_, dim) => {
        const ci = c.indexOf(dim);
        if (ci >= 0) return kIdx[ci]!;
        const bi = bd.indexOf(dim);
        if (bi >= 0) return bIdx[bi]!;
        return freeIdx[free++]!;
      });
    };
    return {
      Bt: shapeSize(d.batch),
      M: shapeSize(d.lfree),
      N: shapeSize(d.rfree),
      K: shapeSize(d.contract),
      mShape: d.lfree,
      kShape: d.contract,
      a: (b, m, k) => cvt(exprOf(lhs, operandIdx(lhs, d.lc, d.lb, unravel(b, d.batch), unravel(m, d.lfree), unravel(k, d.contract)))),
      b: (b, k, n) => cvt(exprOf(rhs, operandIdx(rhs, d.rc, d.rb, unravel(b, d.batch), unravel(n, d.rfree), unravel(k, d.contract)))),
      outIdx: (b, m, n) => [...unravel(b, d.batch), ...unravel(m, d.lfree), ...unravel(n, d.rfree)],
    };
  }
  const p = e.params as Params<"convGeneralDilated">;
  const { lhsSpec, rhsSpec, outSpec } = p.dimensionNumbers;
  const nsp = lhs.aval.ndim - 2;
  // Feature groups or batch groups (at most one of them above 1) are the batch of the product:
  // group g reads lhs features g*I.. (feature groups) or lhs batch entries g*Nb.. (batch groups).
  const G = p.featureGroupCount * p.batchGroupCount;
  const BG = p.batchGroupCount;
  const Nb = lhs.aval.shape[lhsSpec[0]!]! / BG;
  const O = rhs.aval.shape[rhsSpec[0]!]!;
  const I = rhs.aval.shape[rhsSpec[1]!]!;
  const OG = O / G;
  const sp = (shape: readonly number[], spec: readonly number[]) => spec.slice(2).map((d) => shape[d]!);
  const outSp = sp(out.shape, outSpec);
  const ksz = sp(rhs.aval.shape, rhsSpec);
  const insz = sp(lhs.aval.shape, lhsSpec);
  const kShape = tapsFirst ? [...ksz, I] : [I, ...ksz];
  /** (input feature, kernel positions) of k. */
  const kParts = (k: IExpr): [IExpr, IExpr[]] => {
    const parts = unravel(k, kShape);
    return tapsFirst ? [parts[parts.length - 1]!, parts.slice(0, -1)] : [parts[0]!, parts.slice(1)];
  };
  return {
    Bt: G,
    M: Nb * shapeSize(outSp),
    N: OG,
    K: I * shapeSize(ksz),
    mShape: [Nb, ...outSp],
    kShape,
    a: (g, m, k) => {
      if (insz.some((n) => n === 0)) return zero;
      const [n, ...pos] = unravel(m, [Nb, ...outSp]);
      const [i, kk] = kParts(k);
      const idx = new Array<IExpr>(lhs.aval.ndim);
      idx[lhsSpec[0]!] = BG > 1 ? iadd(iscale(g, Nb), n!) : n!;
      idx[lhsSpec[1]!] = BG > 1 ? i! : iadd(iscale(g, I), i!);
      const conds: SExpr[] = [];
      for (let s = 0; s < nsp; s++) {
        const dil = p.lhsDilation[s]!;
        const x = iadd(iscale(pos[s]!, p.windowStrides[s]!), iscale(kk[s]!, p.rhsDilation[s]!), -p.padding[s]![0]);
        conds.push(f.icond(x, "ge", 0), f.icond(x, "lt", (insz[s]! - 1) * dil + 1));
        if (dil > 1) conds.push(f.icond(imod(x, dil), "eq", 0));
        idx[lhsSpec[s + 2]!] = iclamp(idiv(x, dil), 0, insz[s]! - 1);
      }
      const v = cvt(exprOf(lhs, idx));
      let valid: SExpr = f.const(1, "bool");
      for (const c of conds) valid = valid.k === "const" ? (valid.value ? c : valid) : c.k === "const" ? (c.value ? valid : c) : f.binary("and", valid, c, "bool");
      if (valid.k === "const") return valid.value ? v : zero;
      return f.select(valid, [zero, v], elem);
    },
    b: (g, k, j) => {
      const [i, kk] = kParts(k);
      const idx = new Array<IExpr>(rhs.aval.ndim);
      idx[rhsSpec[0]!] = iadd(iscale(g, OG), j);
      idx[rhsSpec[1]!] = i!;
      for (let s = 0; s < nsp; s++) idx[rhsSpec[s + 2]!] = kk[s]!;
      return cvt(exprOf(rhs, idx));
    },
    outIdx: (g, m, j) => {
      const [n, ...pos] = unravel(m, [Nb, ...outSp]);
      const idx = new Array<IExpr>(out.ndim);
      idx[outSpec[0]!] = n!;
      idx[outSpec[1]!] = iadd(iscale(g, OG), j);
      for (let s = 0; s < nsp; s++) idx[outSpec[s + 2]!] = pos[s]!;
      return idx;
    },
  };
}

