/**
 * Householder QR as a wasm kernel, batched, in float64: LAPACK's geqr2 and org2r as the
 * reference runs them (codegen/ref/linalg.ts householderQr): reflector j from column j below
 * the diagonal (dlarfg: beta = -sign(alpha) hypot(alpha, |x|), tau = (beta - alpha) / beta, no
 * reflection when the sub-column is already zero), applied to the columns on the right; Q the
 * product of the reflectors applied to the identity's first kq columns (kq = m with
 * fullMatrices, else min(m, n)); all-NaN q and r for a matrix with an inf or NaN.
 *
 * Row-major storage: applying H = I - tau v v^T to a block is w = v^T block (a sum of the
 * block's rows scaled by v, contiguous f64x2 axpys into w), then each row minus v_i w.
 *
 * geqrf and householderProduct are the two halves on their own: geqrf stops after the
 * reflectors and writes them with their taus (all NaN for a matrix with an inf or NaN, as the
 * reference); householderProduct reads reflectors and taus and forms Q's first n columns.
 */
import { itemSize } from "../../../ir/dtype.js";
import type { BufferDecl } from "../../kernel/kernel.js";
import type { Params } from "../../../ir/primitives.js";
import { type FactorStep, matrixDims } from "../../kernel/factor.js";
import { type Fn, get, i32c } from "../wat.js";
import { Asm, F, I, elemAddr, emitAxpy, emitHypot, loadAs64, storeFrom64 } from "./asm.js";

type HouseholderPrimitive = "qr" | "geqrf" | "householderProduct";

export function renderQr(s: FactorStep & { primitive: HouseholderPrimitive }, buffers: readonly BufferDecl[]): Fn {
  const asm = new Asm(s.name);
  const prim = s.primitive;
  const pin = asm.fn.param(`b${s.inputs[0]}`);
  const ptausIn = prim === "householderProduct" ? asm.fn.param(`b${s.inputs[1]}`) : "";
  const [out0, out1] = s.outputs as [number, number | undefined];
  const pqOut = asm.fn.param(`b${out0}`);
  const prOut = out1 === undefined ? "" : asm.fn.param(`b${out1}`);
  const pw = asm.fn.param(`b${s.work}`);
  const dtype = buffers[out0]!.dtype;
  const es = itemSize[dtype];
  const [batch, m, n] = matrixDims(s.eqn.inputs[0]!.aval);
  // k reflectors; Q's kq columns (none for geqrf)
  const k = prim === "householderProduct" ? s.eqn.inputs[1]!.aval.shape.at(-1)! : Math.min(m, n);
  const kq = prim === "qr" ? ((s.eqn.params as Params<"qr">).fullMatrices ? m : k) : prim === "householderProduct" ? n : 0;
  if (batch === 0) return asm.fn;
  const A = 0;
  const Q = A + m * n * 8;
  const WV = Q + m * kq * 8;
  const TAU = WV + Math.max(n, kq) * 8;
  const [b, i, j, c, e, finite] = ["b", "i", "j", "c", "e", "fin"].map((h) => asm.i32(h)) as [string, string, string, string, string, string];
  const [pa, pq, pr, prow, psrc] = ["pa", "pq", "pr", "row", "src"].map((h) => asm.i32(h)) as [string, string, string, string, string];
  const [alpha, xnorm, beta, tau, x, v, big] = ["al", "xn", "be", "tau", "x", "v", "big"].map((h) => asm.f64(h)) as [string, string, string, string, string, string, string];
  const W = (off: number) => I.add(get(pw), i32c(off));
  const at = (base: number, row: string, col: string, cols: number) => elemAddr(W(base), I.add(I.mul(row, i32c(cols)), col), 8);

  /**
   * Applies reflector j (v = [1, a[j+1:, j]], `tau`) to columns [c0, c0 + width) of the
   * matrix at `base` with `cols` columns, rows j..m-1.
   */
  const reflect = (base: number, cols: number, c0: string, width: string) => {
    const wv = W(WV);
    // w = block row j + sum_{i>j} v_i block row i
    asm.set(psrc, at(base, get(j), c0, cols));
    asm.for(c, i32c(0), width, () => asm.emit(F.store(elemAddr(wv, get(c), 8), F.load(elemAddr(get(psrc), get(c), 8)))));
    asm.for(i, I.add(get(j), i32c(1)), i32c(m), () => {
      asm.set(v, F.load(at(A, get(i), get(j), n)));
      asm.set(psrc, at(base, get(i), c0, cols));
      emitAxpy(asm, wv, get(psrc), v, width, "add");
    });
    asm.for(c, i32c(0), width, () => asm.emit(F.store(elemAddr(wv, get(c), 8), F.mul(F.load(elemAddr(wv, get(c), 8)), get(tau)))));
    // block row j -= w; block row i -= v_i w
    asm.set(v, F.c(1));
    asm.set(prow, at(base, get(j), c0, cols));
    emitAxpy(asm, get(prow), wv, v, width);
    asm.for(i, I.add(get(j), i32c(1)), i32c(m), () => {
      asm.set(v, F.load(at(A, get(i), get(j), n)));
      asm.set(prow, at(base, get(i), c0, cols));
      emitAxpy(asm, get(prow), wv, v, width);
    });
  };

  const nanUnlessFinite = (x64: string) => `(select ${x64} ${F.c(NaN)} ${get(finite)})`;
  asm.set(pa, get(pin));
  asm.set(pq, get(pqOut));
  // pr walks r (qr), the taus written (geqrf) or the taus read (householderProduct)
  if (prOut) asm.set(pr, get(prOut));
  else if (ptausIn) asm.set(pr, get(ptausIn));
  asm.for(b, i32c(0), i32c(batch), () => {
    asm.set(finite, i32c(1));
    asm.for(e, i32c(0), i32c(m * n), () => {
      asm.set(x, loadAs64(dtype, elemAddr(get(pa), get(e), es)));
      asm.set(finite, `(i32.and ${get(finite)} ${F.eq(F.sub(get(x), get(x)), F.c(0))})`);
      asm.emit(F.store(elemAddr(W(A), get(e), 8), get(x)));
    });
    if (prim === "householderProduct")
      asm.for(j, i32c(0), i32c(k), () => asm.emit(F.store(elemAddr(W(TAU), get(j), 8), loadAs64(dtype, elemAddr(get(pr), get(j), es)))));
    else
      asm.for(j, i32c(0), i32c(k), () => {
        // |a[j+1:, j]|, scaled by its largest magnitude
        asm.set(big, F.c(0));
        asm.for(i, I.add(get(j), i32c(1)), i32c(m), () => asm.set(big, `(f64.max ${get(big)} ${F.abs(F.load(at(A, get(i), get(j), n)))})`));
        asm.set(xnorm, F.c(0));
        asm.if(F.gt(get(big), F.c(0)), () => {
          asm.for(i, I.add(get(j), i32c(1)), i32c(m), () => {
            asm.set(x, F.div(F.load(at(A, get(i), get(j), n)), get(big)));
            asm.set(xnorm, F.add(get(xnorm), F.mul(get(x), get(x))));
          });
          asm.set(xnorm, F.mul(get(big), F.sqrt(get(xnorm))));
        });
        asm.emit(F.store(elemAddr(W(TAU), get(j), 8), F.c(0)));
        asm.if(F.ne(get(xnorm), F.c(0)), () => {
          asm.set(alpha, F.load(at(A, get(j), get(j), n)));
          emitHypot(asm, beta, get(alpha), get(xnorm));
          asm.set(beta, `(select ${get(beta)} ${F.sub(F.c(0), get(beta))} (f64.lt ${get(alpha)} ${F.c(0)}))`);
          asm.set(tau, F.div(F.sub(get(beta), get(alpha)), get(beta)));
          asm.emit(F.store(elemAddr(W(TAU), get(j), 8), get(tau)));
          asm.set(x, F.div(F.c(1), F.sub(get(alpha), get(beta))));
          asm.for(i, I.add(get(j), i32c(1)), i32c(m), () => asm.emit(F.store(at(A, get(i), get(j), n), F.mul(F.load(at(A, get(i), get(j), n)), get(x)))));
          asm.emit(F.store(at(A, get(j), get(j), n), get(beta)));
          if (n > 1) reflect(A, n, I.add(get(j), i32c(1)), I.sub(i32c(n), I.add(get(j), i32c(1))));
        });
      });
    if (prim === "geqrf") {
      // the reflectors below the diagonal, r on and above it, and the taus; NaN for a non-finite a
      asm.for(e, i32c(0), i32c(m * n), () => asm.emit(storeFrom64(dtype, elemAddr(get(pq), get(e), es), nanUnlessFinite(F.load(elemAddr(W(A), get(e), 8))))));
      asm.for(j, i32c(0), i32c(k), () => asm.emit(storeFrom64(dtype, elemAddr(get(pr), get(j), es), nanUnlessFinite(F.load(elemAddr(W(TAU), get(j), 8))))));
      asm.set(pa, I.add(get(pa), i32c(m * n * es)));
      asm.set(pq, I.add(get(pq), i32c(m * n * es)));
      asm.set(pr, I.add(get(pr), i32c(k * es)));
      return;
    }
    // Q: the reflectors, last first, applied to the identity's first kq columns
    asm.for(e, i32c(0), i32c(m * kq), () => asm.emit(F.store(elemAddr(W(Q), get(e), 8), F.c(0))));
    asm.for(i, i32c(0), i32c(Math.min(m, kq)), () => asm.emit(F.store(at(Q, get(i), get(i), kq), F.c(1))));
    asm.forDown(j, i32c(0), i32c(k), () => {
      asm.set(tau, F.load(elemAddr(W(TAU), get(j), 8)));
      asm.if(F.ne(get(tau), F.c(0)), () => reflect(Q, kq, i32c(0), i32c(kq)));
    });
    if (prim === "householderProduct") {
      // q as computed: NaNs in the operands propagate through the arithmetic, as in the reference
      asm.for(e, i32c(0), i32c(m * kq), () => asm.emit(storeFrom64(dtype, elemAddr(get(pq), get(e), es), F.load(elemAddr(W(Q), get(e), 8)))));
      asm.set(pa, I.add(get(pa), i32c(m * n * es)));
      asm.set(pq, I.add(get(pq), i32c(m * kq * es)));
      asm.set(pr, I.add(get(pr), i32c(k * es)));
      return;
    }
    // q, and r (the upper triangle of the first kq rows), or NaN for a non-finite a
    asm.for(e, i32c(0), i32c(m * kq), () => asm.emit(storeFrom64(dtype, elemAddr(get(pq), get(e), es), nanUnlessFinite(F.load(elemAddr(W(Q), get(e), 8))))));
    asm.for(i, i32c(0), i32c(kq), () =>
      asm.for(j, i32c(0), i32c(n), () => {
        const inR = `(i32.and ${I.le(get(i), get(j))} ${I.lt(get(i), i32c(m))})`;
        asm.emit(
          storeFrom64(
            dtype,
            elemAddr(get(pr), I.add(I.mul(get(i), i32c(n)), get(j)), es),
            nanUnlessFinite(`(select ${F.load(at(A, `(select ${get(i)} (i32.const 0) ${I.lt(get(i), i32c(m))})`, get(j), n))} ${F.c(0)} ${inR})`),
          ),
        );
      }),
    );
    asm.set(pa, I.add(get(pa), i32c(m * n * es)));
    asm.set(pq, I.add(get(pq), i32c(m * kq * es)));
    asm.set(pr, I.add(get(pr), i32c(kq * n * es)));
  });
  return asm.fn;
}
