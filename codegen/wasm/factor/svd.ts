/**
 * SVD as a wasm kernel, batched, in float64, with the reference's conventions (codegen/ref/
 * linalg.ts jacobiSvd): the matrix scaled by max|a| first, a wide matrix handled as its
 * transpose, singular values descending (ties in column order), u's columns for values at
 * rounding level (<= 1e-13 of the largest) and the extra ones fullMatrices asks for an
 * orthonormal completion by Gram-Schmidt of the standard basis, all-NaN outputs for a matrix
 * with an inf or NaN. The decomposition itself is Golub-Kahan-Reinsch (golubKahan.ts), not the
 * reference's one-sided Jacobi: a few QR sweeps' worth of rotations instead of ~13 Jacobi sweeps
 * at 256 x 256; the singular values agree to rounding, the vectors up to the signs (and the
 * bases of repeated values) that no SVD fixes. Without computeUv, u and v are not accumulated.
 */
import { itemSize } from "../../../ir/dtype.js";
import type { BufferDecl } from "../../kernel/kernel.js";
import { type FactorStep, factorParams, matrixDims } from "../../kernel/factor.js";
import { type Fn, get, i32c } from "../wat.js";
import { Asm, F, I, elemAddr, emitDot, loadAs64, storeFrom64 } from "./asm.js";
import { emitGolubKahan } from "./golubKahan.js";

export function renderSvd(s: FactorStep & { primitive: "svd" }, buffers: readonly BufferDecl[]): Fn {
  const asm = new Asm(s.name);
  const { fullMatrices, computeUv } = factorParams(s);
  const pin = asm.fn.param(`b${s.inputs[0]}`);
  const outs = s.outputs.map((b) => asm.fn.param(`b${b}`));
  const pwork = asm.fn.param(`b${s.work}`);
  const dtype = buffers[s.outputs[0]!]!.dtype;
  const es = itemSize[dtype];
  const [batch, m, n] = matrixDims(s.eqn.inputs[0]!.aval);
  if (batch * m * n === 0) return asm.fn; // (factorStep leaves empty matrices to the host)
  // The tall matrix t (M x N, M >= N) is a, or a^T when a is wide.
  const wide = m < n;
  const [M, N] = [Math.max(m, n), Math.min(m, n)];
  const KU = fullMatrices ? M : N;
  // Workspace (float64, svdWorkspace): wt N x M (t's u columns times s, as rows), vt N x N,
  // norms N, keys N, order N (as float64 indices), ut KU x M (u of t, as rows; first t itself,
  // row-major), x M (a completion candidate), then Golub-Kahan's v, bidiagonal and row.
  const WT = 0;
  const VT = WT + N * M * 8;
  const NORMS = VT + N * N * 8;
  const KEYS = NORMS + N * 8;
  const ORDER = KEYS + N * 8;
  const UT = ORDER + N * 8;
  const X = UT + KU * M * 8;
  const VG = X + M * 8;
  const RV1 = VG + N * N * 8;
  const WD = RV1 + N * 8;
  const SROW = WD + N * 8;
  const [b, i, j, p, k, e, c, finite, nonzero] = ["b", "i", "j", "p", "k", "e", "c", "fin", "nz"].map((h) => asm.i32(h)) as [string, string, string, string, string, string, string, string, string];
  const [pa, pp, pq] = [asm.i32("pa"), asm.i32("pp"), asm.i32("pq")];
  const po = outs.map(() => asm.i32("po"));
  const [scale, t, x, best, tiny] = ["scale", "t", "x", "best", "tiny"].map((h) => asm.f64(h)) as [string, string, string, string, string];
  const W = (off: number) => I.add(get(pwork), i32c(off));
  const row = (base: number, r: string, width: number) => I.add(get(pwork), I.add(i32c(base), I.mul(r, i32c(width * 8))));
  const f64At = (base: number, idx: string) => elemAddr(W(base), idx, 8);
  const at = (ptr: string, idx: string) => I.add(ptr, I.shl(idx, 3));
  // a's element of t[i][j]
  const aAt = (ti: string, tj: string) => elemAddr(get(pa), wide ? I.add(I.mul(tj, i32c(n)), ti) : I.add(I.mul(ti, i32c(n)), tj), es);
  const orderOf = (dst: string) => `(i32.trunc_f64_s ${F.load(f64At(ORDER, dst))})`;

  const nanAll = () =>
    s.outputs.forEach((o, r) => {
      const size = buffers[o]!.size / batch;
      asm.for(e, i32c(0), i32c(size), () => asm.emit(storeFrom64(dtype, elemAddr(get(po[r]!), get(e), es), F.c(NaN))));
    });

  asm.set(pa, get(pin));
  outs.forEach((o, r) => asm.set(po[r]!, get(o)));
  asm.for(b, i32c(0), i32c(batch), () => {
    // t's columns (scaled by 1 / max|a|) as the rows of wt; whether a is finite
    asm.set(scale, F.c(0));
    asm.set(finite, i32c(1));
    asm.for(e, i32c(0), i32c(m * n), () => {
      asm.set(x, loadAs64(dtype, elemAddr(get(pa), get(e), es)));
      asm.set(finite, `(i32.and ${get(finite)} ${F.eq(F.sub(get(x), get(x)), F.c(0))})`);
      asm.set(scale, `(select ${F.abs(get(x))} ${get(scale)} ${F.gt(F.abs(get(x)), get(scale))})`);
    });
    asm.if(
      `(i32.eqz ${get(finite)})`,
      nanAll,
      () => {
        asm.if(F.eq(get(scale), F.c(0)), () => asm.set(scale, F.c(1)));
        // t / max|a| (row-major, where ut goes later), then Golub-Kahan-Reinsch. Entries below
        // 1e-200 (relative to the largest) become zero: they cannot change the SVD in float64,
        // and a reflector built from such a row or column would overflow (1 / its norm).
        asm.for(i, i32c(0), i32c(M), () =>
          asm.for(j, i32c(0), i32c(N), () => {
            asm.set(x, F.div(loadAs64(dtype, aAt(get(i), get(j))), get(scale)));
            asm.emit(F.store(f64At(UT, I.add(I.mul(get(i), i32c(N)), get(j))), `(select ${get(x)} ${F.c(0)} (f64.ge ${F.abs(get(x))} ${F.c(1e-200)}))`));
          }),
        );
        emitGolubKahan(asm, { pw: pwork, A: UT, V: VG, RV1, WD, S: SROW, WT, VT, NORMS }, M, N, computeUv);
        // their order (descending; ties in column order)
        asm.for(j, i32c(0), i32c(N), () => asm.emit(F.store(f64At(KEYS, get(j)), F.load(f64At(NORMS, get(j))))));
        asm.for(i, i32c(0), i32c(N), () => {
          asm.set(p, i32c(0));
          asm.set(best, F.c(-1));
          asm.for(j, i32c(0), i32c(N), () =>
            asm.if(F.gt(F.load(f64At(KEYS, get(j))), get(best)), () => {
              asm.set(best, F.load(f64At(KEYS, get(j))));
              asm.set(p, get(j));
            }),
          );
          asm.emit(F.store(f64At(KEYS, get(p)), F.c(-2)));
          asm.emit(F.store(f64At(ORDER, get(i)), `(f64.convert_i32_s ${get(p)})`));
          asm.emit(storeFrom64(dtype, elemAddr(get(po[0]!), get(i), es), F.mul(F.load(f64At(NORMS, get(p))), get(scale))));
        });
        if (computeUv) renderVectors();
      },
    );
    asm.set(pa, I.add(get(pa), i32c(m * n * es)));
    s.outputs.forEach((o, r) => asm.set(po[r]!, I.add(get(po[r]!), i32c((buffers[o]!.size / batch) * es))));
  });

  /** u and vt from wt, vt, the norms and their order. */
  function renderVectors(): void {
    // ut's rows: t's normalized columns in order, then an orthonormal completion
    asm.set(tiny, F.mul(F.load(f64At(NORMS, orderOf(i32c(0)))), F.c(1e-13)));
    asm.set(nonzero, i32c(0));
    asm.for(e, i32c(0), i32c(KU * M), () => asm.emit(F.store(f64At(UT, get(e)), F.c(0))));
    asm.for(i, i32c(0), i32c(N), () => {
      asm.set(p, orderOf(get(i)));
      asm.set(x, F.load(f64At(NORMS, get(p))));
      asm.if(`(i32.and ${F.gt(get(x), get(tiny))} ${F.gt(get(x), F.c(0))})`, () => {
        asm.set(pp, row(WT, get(p), M));
        asm.set(pq, row(UT, get(i), M));
        asm.for(k, i32c(0), i32c(M), () => asm.emit(F.store(at(get(pq), get(k)), F.div(F.load(at(get(pp), get(k))), get(x)))));
        asm.set(nonzero, I.add(get(i), i32c(1)));
      });
    });
    // Gram-Schmidt (twice) of e_0, e_1, ... against the columns so far, keeping those not in their span
    asm.set(c, get(nonzero));
    asm.set(e, i32c(0));
    asm.emit(`(block $filled (loop $candidate`);
    asm.emit(`(br_if $filled (i32.or (i32.ge_s ${get(e)} ${i32c(M)}) (i32.ge_s ${get(c)} ${i32c(KU)})))`);
    asm.for(k, i32c(0), i32c(M), () => asm.emit(F.store(f64At(X, get(k)), F.c(0))));
    asm.emit(F.store(f64At(X, get(e)), F.c(1)));
    for (let pass = 0; pass < 2; pass++)
      asm.for(j, i32c(0), get(c), () => {
        asm.set(pq, row(UT, get(j), M));
        asm.set(pp, W(X));
        emitDot(asm, t, get(pq), get(pp), i32c(M));
        asm.for(k, i32c(0), i32c(M), () => asm.emit(F.store(at(get(pp), get(k)), F.sub(F.load(at(get(pp), get(k))), F.mul(get(t), F.load(at(get(pq), get(k))))))));
      });
    asm.set(pp, W(X));
    emitDot(asm, t, get(pp), get(pp), i32c(M));
    asm.set(t, F.sqrt(get(t)));
    asm.if(`(f64.ge ${get(t)} ${F.c(1e-6)})`, () => {
      asm.set(pq, row(UT, get(c), M));
      asm.for(k, i32c(0), i32c(M), () => asm.emit(F.store(at(get(pq), get(k)), F.div(F.load(at(get(pp), get(k))), get(t)))));
      asm.set(c, I.add(get(c), i32c(1)));
    });
    asm.set(e, I.add(get(e), i32c(1)));
    asm.emit(`(br $candidate)))`);
    // Outputs. Tall a: u[i][c] = ut[c][i], vt[d] = v^T's row order[d]. Wide a (t = a^T): u = t's v,
    // u[k][d] = vt[order[d]][k]; a's vt = t's u^T, row c = ut[c].
    const [pu, pv] = [po[1]!, po[2]!];
    const ucols = wide ? N : KU;
    if (!wide) {
      asm.for(i, i32c(0), i32c(M), () =>
        asm.for(c, i32c(0), i32c(KU), () => asm.emit(storeFrom64(dtype, elemAddr(get(pu), I.add(I.mul(get(i), i32c(ucols)), get(c)), es), F.load(f64At(UT, I.add(I.mul(get(c), i32c(M)), get(i))))))),
      );
      asm.for(i, i32c(0), i32c(N), () => {
        asm.set(pp, row(VT, orderOf(get(i)), N));
        asm.for(k, i32c(0), i32c(N), () => asm.emit(storeFrom64(dtype, elemAddr(get(pv), I.add(I.mul(get(i), i32c(N)), get(k)), es), F.load(at(get(pp), get(k))))));
      });
    } else {
      asm.for(i, i32c(0), i32c(N), () => {
        asm.set(pp, row(VT, orderOf(get(i)), N));
        asm.for(k, i32c(0), i32c(N), () => asm.emit(storeFrom64(dtype, elemAddr(get(pu), I.add(I.mul(get(k), i32c(N)), get(i)), es), F.load(at(get(pp), get(k))))));
      });
      asm.for(e, i32c(0), i32c(KU * M), () => asm.emit(storeFrom64(dtype, elemAddr(get(pv), get(e), es), F.load(f64At(UT, get(e))))));
    }
  }
  return asm.fn;
}
