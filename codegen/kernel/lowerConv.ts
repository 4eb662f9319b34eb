/**
 * Convolutions lowered as a matrix product followed by a gather-sum ("col2im"), for the
 * convolutions where the usual implicit im2col wastes most of its work: those whose output
 * positions far outnumber the real input positions, as the gradient of a convolution with
 * respect to its input (a "full" correlation over the output gradient padded by the kernel's
 * size less one) is.
 *
 * im2col packs, for every output position and kernel tap, an input element (mostly padding
 * there) and multiplies: N*P*C*O*K multiply-adds, and N*P*K*C elements packed with heavy index
 * arithmetic (P output positions, Q input positions, K kernel taps, C in and O out features).
 * Instead, multiply every real input position by every tap of the kernel,
 *
 *   Y[n, q, k, o] = sum_c x[n, q, c] * w[o, c, k]          (a matmul: M = N*Q, K = C, N = K*O)
 *
 * and let each output position sum the taps that land on it,
 *
 *   out[n, p, o] = sum_k Y[n, q, k, o]   where q * lhsDilation = p * stride + k * rhsDilation - padLo,
 *
 * which is N*Q*C*O*K multiply-adds and a map kernel of N*P*O*K loads (fused with nothing: the
 * packs still fuse the operands' producers). The choice is by an estimate of both costs.
 */
import { shapeSize } from "../../ir/aval.js";
import type { Atom, Eqn } from "../../ir/jaxpr.js";
import type { Params } from "../../ir/primitives.js";
import { type IExpr, flatten, iadd, iclamp, idiv, imod, iscale, ivar, newVar, unravel } from "./iexpr.js";
import type { MapKernel } from "./kernel.js";
import type { NodeFactory, SExpr } from "./sexpr.js";

/** The contraction the matmul kernel computes (as lower.ts's `Contraction`). */
export interface Col2imContraction {
  readonly Bt: number;
  readonly M: number;
  readonly N: number;
  readonly K: number;
  readonly kShape?: readonly number[];
  a(b: IExpr, m: IExpr, k: IExpr): SExpr;
  b(b: IExpr, k: IExpr, n: IExpr): SExpr;
  outIdx(b: IExpr, m: IExpr, n: IExpr): IExpr[];
}

export interface Col2imPlan {
  /** The matmul writing Y (shape `yShape`: [n, q..., k..., o]). */
  readonly contraction: Col2imContraction;
  readonly yShape: readonly number[];
  /** The gather-sum from Y (buffer `y`) into the convolution's output buffer `out`. */
  kernel(y: number, out: number, name: string): MapKernel;
}

/** Multiply-adds an estimate counts one packed element of im2col as (index arithmetic and a store). */
const PACK_COST = 10;
/** ... and one tap of the gather-sum (a predicated load and an add). */
const GATHER_COST = 3;

/**
 * The col2im plan of a float32 convolution, when it is estimated cheaper than im2col (no
 * feature or batch groups), else null.
 */
export function col2imPlan(e: Eqn, exprOf: (a: Atom, idx: readonly IExpr[]) => SExpr, f: NodeFactory): Col2imPlan | null {
  if (e.primitive !== "convGeneralDilated") return null;
  const p = e.params as Params<"convGeneralDilated">;
  if (p.featureGroupCount !== 1 || p.batchGroupCount !== 1) return null;
  const [lhs, rhs] = e.inputs as [Atom, Atom];
  const out = e.outVars[0]!.aval;
  const { lhsSpec, rhsSpec, outSpec } = p.dimensionNumbers;
  const nsp = lhs.aval.ndim - 2;
  const sp = (shape: readonly number[], spec: readonly number[]) => spec.slice(2).map((d) => shape[d]!);
  const Nb = lhs.aval.shape[lhsSpec[0]!]!;
  const C = lhs.aval.shape[lhsSpec[1]!]!;
  const O = rhs.aval.shape[rhsSpec[0]!]!;
  const inSp = sp(lhs.aval.shape, lhsSpec);
  const kSp = sp(rhs.aval.shape, rhsSpec);
  const outSp = sp(out.shape, outSpec);
  const P = shapeSize(outSp);
  const Q = shapeSize(inSp);
  const Kt = shapeSize(kSp);
  if (Nb * Q * C * O * Kt === 0 || P === 0) return null;
  const im2col = Nb * P * C * O * Kt + PACK_COST * Nb * P * Kt * C;
  const col2im = Nb * Q * C * O * Kt + PACK_COST * Nb * Q * C + GATHER_COST * Nb * P * O * Kt + 2 * Nb * Q * Kt * O;
  if (col2im >= im2col) return null;
  const cvt = (x: SExpr) => f.convert(x, "float32");
  const yShape = [Nb, ...inSp, ...kSp, O];
  const contraction: Col2imContraction = {
    Bt: 1,
    M: Nb * Q,
    N: Kt * O,
    K: C,
    a: (_b, m, k) => {
      const [n, ...q] = unravel(m, [Nb, ...inSp]);
      const idx = new Array<IExpr>(lhs.aval.ndim);
      idx[lhsSpec[0]!] = n!;
      idx[lhsSpec[1]!] = k;
      for (let s = 0; s < nsp; s++) idx[lhsSpec[s + 2]!] = q[s]!;
      return cvt(exprOf(lhs, idx));
    },
    b: (_b, k, j) => {
      const u = unravel(j, [...kSp, O]);
      const o = u[nsp]!;
      const kk = u.slice(0, nsp);
      const idx = new Array<IExpr>(rhs.aval.ndim);
      idx[rhsSpec[0]!] = o;
      idx[rhsSpec[1]!] = k;
      for (let s = 0; s < nsp; s++) idx[rhsSpec[s + 2]!] = kk[s]!;
      return cvt(exprOf(rhs, idx));
    },
    outIdx: (_b, m, j) => [...unravel(m, [Nb, ...inSp]), ...unravel(j, [...kSp, O])],
  };
  return {
    contraction,
    yShape,
    kernel: (y, outBuf, name) => {
      const vars = out.shape.map((n) => newVar(n, "i"));
      const oidx = vars.map(ivar);
      const n = oidx[outSpec[0]!]!;
      const o = oidx[outSpec[1]!]!;
      const pos = outSpec.slice(2).map((d) => oidx[d]!);
      const taps = kSp.map((k) => newVar(k, "k"));
      let valid = f.const(1, "bool");
      const andc = (c: SExpr) => {
        valid = valid.k === "const" ? (valid.value ? c : valid) : c.k === "const" ? (c.value ? valid : c) : f.binary("and", valid, c, "bool");
      };
      const q = inSp.map((Qd, s) => {
        const ld = p.lhsDilation[s]!;
        const x = iadd(iscale(pos[s]!, p.windowStrides[s]!), iscale(ivar(taps[s]!), p.rhsDilation[s]!), -p.padding[s]![0]);
        andc(f.icond(x, "ge", 0));
        andc(f.icond(x, "lt", (Qd - 1) * ld + 1));
        if (ld > 1) andc(f.icond(imod(x, ld), "eq", 0));
        return iclamp(idiv(x, ld), 0, Qd - 1);
      });
      const load = () => f.load(y, flatten([n, ...q, ...taps.map(ivar), o], yShape), "float32");
      const body = valid.k === "const" ? (valid.value ? load() : f.const(0, "float32")) : f.select(valid, [f.const(0, "float32"), load()], "float32");
      const value = f.reduce("sum", body, taps, "float32");
      return { kind: "map", name: `${name}_col2im`, vars, outs: [{ buf: outBuf, value, index: flatten(oidx, out.shape) }] };
    },
  };
}
