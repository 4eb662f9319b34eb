/**
 * eigh as a wasm kernel, batched: the reference's cyclic Jacobi (codegen/ref/linalg.ts
 * jacobiEigh) in float64 on the symmetric matrix read from one triangle, scaled by its largest
 * magnitude; sweeps until the off-diagonal mass is below 1e-32 of the diagonal's (at most 100),
 * each pair rotated as a <- J^T a J (columns, then rows), the eigenvectors accumulated; the
 * eigenvalues ascending (ties in index order) and the vectors in that order; all-NaN for a
 * matrix with an inf or NaN. v is accumulated as v^T (rows), so its rotation is f64x2 over
 * contiguous rows, as is the rotation of a's two rows; a's two columns are strided.
 */
import { itemSize } from "../../../ir/dtype.js";
import type { BufferDecl } from "../../kernel/kernel.js";
import { type FactorStep, factorParams, matrixDims } from "../../kernel/factor.js";
import { type Fn, get, i32c } from "../wat.js";
import { Asm, F, I, V, elemAddr, loadAs64, storeFrom64 } from "./asm.js";

export function renderEigh(s: FactorStep & { primitive: "eigh" }, buffers: readonly BufferDecl[]): Fn {
  const asm = new Asm(s.name);
  const { lower } = factorParams(s);
  const pin = asm.fn.param(`b${s.inputs[0]}`);
  const [vOut, wOut] = s.outputs as [number, number];
  const pvOut = asm.fn.param(`b${vOut}`);
  const pwOut = asm.fn.param(`b${wOut}`);
  const pw = asm.fn.param(`b${s.work}`);
  const dtype = buffers[vOut]!.dtype;
  const es = itemSize[dtype];
  const [batch, n] = matrixDims(s.eqn.inputs[0]!.aval);
  if (batch * n === 0) return asm.fn;
  const A = 0;
  const VT = n * n * 8;
  const KEYS = 2 * n * n * 8;
  const ORDER = KEYS + n * 8;
  const [b, i, j, p, q, k, sweep, finite] = ["b", "i", "j", "p", "q", "k", "sw", "fin"].map((h) => asm.i32(h)) as [string, string, string, string, string, string, string, string];
  const [pa, pv, pwv, pp, pq] = ["pa", "pv", "pw", "pp", "pq"].map((h) => asm.i32(h)) as [string, string, string, string, string];
  const [scale, x, y, off, diag, apq, tau, t, cs, sn, best] = ["scale", "x", "y", "off", "diag", "apq", "tau", "t", "c", "s", "best"].map((h) => asm.f64(h)) as [
    string, string, string, string, string, string, string, string, string, string, string,
  ];
  const [vc, vs, vx, vy] = ["vc", "vs", "vx", "vy"].map((h) => asm.v128(h)) as [string, string, string, string];
  const W = (off0: number) => I.add(get(pw), i32c(off0));
  const at = (base: number, row: string, col: string) => elemAddr(W(base), I.add(I.mul(row, i32c(n)), col), 8);
  // the element of the symmetric matrix at (i, j), from the `lower` (or upper) triangle
  const sym = (r: string, c: string) => {
    const fromLower = `(select ${I.add(I.mul(r, i32c(n)), c)} ${I.add(I.mul(c, i32c(n)), r)} ${I.le(c, r)})`;
    const fromUpper = `(select ${I.add(I.mul(r, i32c(n)), c)} ${I.add(I.mul(c, i32c(n)), r)} ${I.le(r, c)})`;
    return loadAs64(dtype, elemAddr(get(pa), lower ? fromLower : fromUpper, es));
  };

  /** x' = c x - s y, y' = s x + c y over `len` entries of the rows at pp, pq (contiguous). */
  const rotateRows = () => {
    asm.set(vc, V.splat(get(cs)));
    asm.set(vs, V.splat(get(sn)));
    const a2 = (ptr: string) => I.add(get(ptr), I.shl(get(k), 3));
    asm.for(k, i32c(0), i32c(n - 1), () => {
      asm.set(vx, V.load(a2(pp)));
      asm.set(vy, V.load(a2(pq)));
      asm.emit(V.store(a2(pp), V.sub(V.mul(get(vc), get(vx)), V.mul(get(vs), get(vy)))));
      asm.emit(V.store(a2(pq), V.add(V.mul(get(vs), get(vx)), V.mul(get(vc), get(vy)))));
    }, 2);
    if (n % 2 === 1) {
      asm.set(x, F.load(a2(pp)));
      asm.set(y, F.load(a2(pq)));
      asm.emit(F.store(a2(pp), F.sub(F.mul(get(cs), get(x)), F.mul(get(sn), get(y)))));
      asm.emit(F.store(a2(pq), F.add(F.mul(get(sn), get(x)), F.mul(get(cs), get(y)))));
    }
  };

  asm.set(pa, get(pin));
  asm.set(pv, get(pvOut));
  asm.set(pwv, get(pwOut));
  asm.for(b, i32c(0), i32c(batch), () => {
    asm.for(i, i32c(0), i32c(n), () => asm.emit(F.store(elemAddr(W(ORDER), get(i), 8), F.c(0))));
    // a / max|a| (read from one triangle), v^T = I
    asm.set(scale, F.c(0));
    asm.for(i, i32c(0), i32c(n), () => asm.for(j, i32c(0), i32c(n), () => asm.set(scale, `(f64.max ${get(scale)} ${F.abs(sym(get(i), get(j)))})`)));
    asm.if(F.eq(get(scale), F.c(0)), () => asm.set(scale, F.c(1)));
    asm.set(finite, i32c(1));
    asm.for(i, i32c(0), i32c(n), () =>
      asm.for(j, i32c(0), i32c(n), () => {
        asm.set(x, F.div(sym(get(i), get(j)), get(scale)));
        asm.set(finite, `(i32.and ${get(finite)} ${F.eq(F.sub(get(x), get(x)), F.c(0))})`);
        asm.emit(F.store(at(A, get(i), get(j)), get(x)));
        asm.emit(F.store(at(VT, get(i), get(j)), `(select ${F.c(1)} ${F.c(0)} (i32.eq ${get(i)} ${get(j)}))`));
      }),
    );
    asm.if(
      `(i32.eqz ${get(finite)})`,
      () => {
        asm.for(i, i32c(0), i32c(n * n), () => asm.emit(storeFrom64(dtype, elemAddr(get(pv), get(i), es), F.c(NaN))));
        asm.for(i, i32c(0), i32c(n), () => asm.emit(storeFrom64(dtype, elemAddr(get(pwv), get(i), es), F.c(NaN))));
      },
      () => {
        asm.set(sweep, i32c(0));
        asm.emit(`(block $sweeps (loop $sweep`);
        asm.set(off, F.c(0));
        asm.set(diag, F.c(0));
        asm.for(i, i32c(0), i32c(n), () =>
          asm.for(j, i32c(0), i32c(n), () => {
            asm.set(x, F.load(at(A, get(i), get(j))));
            asm.set(x, F.mul(get(x), get(x)));
            asm.if(`(i32.eq ${get(i)} ${get(j)})`, () => asm.set(diag, F.add(get(diag), get(x))), () => asm.set(off, F.add(get(off), get(x))));
          }),
        );
        asm.emit(`(br_if $sweeps (i32.or (f64.le ${get(off)} ${F.mul(F.c(1e-32), get(diag))}) ${F.eq(get(off), F.c(0))}))`);
        asm.for(p, i32c(0), i32c(n - 1), () =>
          asm.for(q, I.add(get(p), i32c(1)), i32c(n), () => {
            asm.set(apq, F.load(at(A, get(p), get(q))));
            asm.if(F.ne(get(apq), F.c(0)), () => {
              asm.set(tau, F.div(F.sub(F.load(at(A, get(q), get(q))), F.load(at(A, get(p), get(p)))), F.mul(F.c(2), get(apq))));
              asm.set(t, F.div(`(select ${F.c(-1)} ${F.c(1)} (f64.lt ${get(tau)} ${F.c(0)}))`, F.add(F.abs(get(tau)), F.sqrt(F.add(F.c(1), F.mul(get(tau), get(tau)))))));
              asm.set(cs, F.div(F.c(1), F.sqrt(F.add(F.c(1), F.mul(get(t), get(t))))));
              asm.set(sn, F.mul(get(t), get(cs)));
              // columns p and q of a (strided)
              asm.for(k, i32c(0), i32c(n), () => {
                asm.set(x, F.load(at(A, get(k), get(p))));
                asm.set(y, F.load(at(A, get(k), get(q))));
                asm.emit(F.store(at(A, get(k), get(p)), F.sub(F.mul(get(cs), get(x)), F.mul(get(sn), get(y)))));
                asm.emit(F.store(at(A, get(k), get(q)), F.add(F.mul(get(sn), get(x)), F.mul(get(cs), get(y)))));
              });
              // rows p and q of a, then of v^T (v's columns)
              asm.set(pp, at(A, get(p), i32c(0)));
              asm.set(pq, at(A, get(q), i32c(0)));
              rotateRows();
              asm.set(pp, at(VT, get(p), i32c(0)));
              asm.set(pq, at(VT, get(q), i32c(0)));
              rotateRows();
            });
          }),
        );
        asm.set(sweep, I.add(get(sweep), i32c(1)));
        asm.emit(`(br_if $sweep ${I.lt(get(sweep), i32c(100))})`);
        asm.emit(`))`);
        // ascending eigenvalues (ties in index order), the vectors in that order
        asm.for(i, i32c(0), i32c(n), () => asm.emit(F.store(elemAddr(W(KEYS), get(i), 8), F.load(at(A, get(i), get(i))))));
        asm.for(i, i32c(0), i32c(n), () => {
          asm.set(p, i32c(-1));
          asm.set(best, F.c(0));
          asm.for(j, i32c(0), i32c(n), () =>
            asm.if(
              `(i32.and ${F.eq(F.load(elemAddr(W(ORDER), get(j), 8)), F.c(0))} (i32.or (i32.lt_s ${get(p)} (i32.const 0)) (f64.lt ${F.load(elemAddr(W(KEYS), get(j), 8))} ${get(best)})))`,
              () => {
                asm.set(best, F.load(elemAddr(W(KEYS), get(j), 8)));
                asm.set(p, get(j));
              },
            ),
          );
          // ORDER flags the source indices taken
          asm.emit(F.store(elemAddr(W(ORDER), get(p), 8), F.c(1)));
          asm.emit(storeFrom64(dtype, elemAddr(get(pwv), get(i), es), F.mul(get(best), get(scale))));
          asm.set(pp, at(VT, get(p), i32c(0)));
          asm.for(k, i32c(0), i32c(n), () => asm.emit(storeFrom64(dtype, elemAddr(get(pv), I.add(I.mul(get(k), i32c(n)), get(i)), es), F.load(I.add(get(pp), I.shl(get(k), 3))))));
        });
      },
    );
    asm.set(pa, I.add(get(pa), i32c(n * n * es)));
    asm.set(pv, I.add(get(pv), i32c(n * n * es)));
    asm.set(pwv, I.add(get(pwv), i32c(n * es)));
  });
  return asm.fn;
}
