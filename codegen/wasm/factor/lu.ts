/**
 * LU with partial pivoting as a wasm kernel, batched: LAPACK getf2's algorithm step for step as
 * the reference runs it (codegen/ref/linalg.ts luInPlace), in float64: the first row of largest
 * |a[i][j]| (a NaN never compares larger), a zero pivot column skipped (no swap, no division),
 * the column below the pivot divided by it, then the rank-1 update of the trailing block with
 * rows whose multiplier is zero skipped. Each operation is the reference's (a - l*u, not fused),
 * so the pivots and factors are the reference's exactly. The update walks contiguous rows with
 * f64x2 vectors, two rows per pass so each load of the pivot row feeds both.
 */
import { itemSize } from "../../../ir/dtype.js";
import type { BufferDecl } from "../../kernel/kernel.js";
import { type FactorStep, matrixDims } from "../../kernel/factor.js";
import { type Fn, get, i32c } from "../wat.js";
import { Asm, F, I, V, elemAddr, loadAs64, storeFrom64 } from "./asm.js";

export function renderLu(s: FactorStep, buffers: readonly BufferDecl[]): Fn {
  const asm = new Asm(s.name);
  const pin = asm.fn.param(`b${s.inputs[0]}`);
  const [luOut, pivOut, permOut] = s.outputs as [number, number, number];
  const pout = asm.fn.param(`b${luOut}`);
  const ppiv = asm.fn.param(`b${pivOut}`);
  const pperm = asm.fn.param(`b${permOut}`);
  const pw = asm.fn.param(`b${s.work}`);
  const dtype = buffers[luOut]!.dtype;
  const es = itemSize[dtype];
  const [batch, m, n] = matrixDims(s.eqn.inputs[0]!.aval);
  const kk = Math.min(m, n);
  if (batch * m === 0) return asm.fn;
  const rowBytes = n * 8;
  const [b, i, j, c, p, e] = [asm.i32("b"), asm.i32("i"), asm.i32("j"), asm.i32("c"), asm.i32("p"), asm.i32("e")];
  const [pa, po, pv, pr, rj, ri] = [asm.i32("pa"), asm.i32("po"), asm.i32("pv"), asm.i32("pr"), asm.i32("rj"), asm.i32("ri")];
  const [best, v, l0, l1, tmp] = [asm.f64("best"), asm.f64("v"), asm.f64("l"), asm.f64("l"), asm.f64("t")];
  const [u, s0, s1] = [asm.v128("u"), asm.v128("s"), asm.v128("s")];
  const w = (row: string, col: string) => elemAddr(get(pw), I.add(I.mul(row, i32c(n)), col), 8);
  const at = (rowPtr: string, col: string) => I.add(rowPtr, I.shl(col, 3));

  /** row[c] -= l * rj[c] for c in [j+1, n), on the row at local `r` with multiplier local `l`. */
  const updateRow = (r: string, l: string) => {
    asm.set(s0, V.splat(get(l)));
    asm.for(c, I.add(get(j), i32c(1)), i32c(n - 1), () => asm.emit(V.store(at(get(r), get(c)), V.sub(V.load(at(get(r), get(c))), V.mul(get(s0), V.load(at(get(rj), get(c))))))), 2);
    asm.if(I.lt(get(c), i32c(n)), () => asm.emit(F.store(at(get(r), get(c)), F.sub(F.load(at(get(r), get(c))), F.mul(get(l), F.load(at(get(rj), get(c))))))));
  };

  asm.set(pa, get(pin));
  asm.set(po, get(pout));
  asm.set(pv, get(ppiv));
  asm.set(pr, get(pperm));
  asm.for(b, i32c(0), i32c(batch), () => {
    asm.for(e, i32c(0), i32c(m * n), () => asm.emit(F.store(elemAddr(get(pw), get(e), 8), loadAs64(dtype, elemAddr(get(pa), get(e), es)))));
    asm.for(j, i32c(0), i32c(kk), () => {
      // idamax over column j from the diagonal down
      asm.set(p, get(j));
      asm.set(best, F.abs(F.load(w(get(j), get(j)))));
      asm.for(i, I.add(get(j), i32c(1)), i32c(m), () => {
        asm.set(v, F.abs(F.load(w(get(i), get(j)))));
        asm.if(`(i32.or ${F.gt(get(v), get(best))} (i32.and ${F.ne(get(best), get(best))} ${F.eq(get(v), get(v))}))`, () => {
          asm.set(best, get(v));
          asm.set(p, get(i));
        });
      });
      asm.emit(I.store(elemAddr(get(pv), get(j), 4), get(p)));
      asm.set(rj, w(get(j), i32c(0)));
      asm.if(F.ne(F.load(w(get(p), get(j))), F.c(0)), () => {
        asm.if(I.ne(get(p), get(j)), () => {
          asm.set(ri, w(get(p), i32c(0)));
          asm.for(c, i32c(0), i32c(n - 1), () => {
            asm.set(u, V.load(at(get(rj), get(c))));
            asm.emit(V.store(at(get(rj), get(c)), V.load(at(get(ri), get(c)))));
            asm.emit(V.store(at(get(ri), get(c)), get(u)));
          }, 2);
          asm.if(I.lt(get(c), i32c(n)), () => {
            asm.set(tmp, F.load(at(get(rj), get(c))));
            asm.emit(F.store(at(get(rj), get(c)), F.load(at(get(ri), get(c)))));
            asm.emit(F.store(at(get(ri), get(c)), get(tmp)));
          });
        });
        asm.set(tmp, F.load(at(get(rj), get(j))));
        asm.for(i, I.add(get(j), i32c(1)), i32c(m), () => {
          const a = w(get(i), get(j));
          asm.emit(F.store(a, F.div(F.load(a), get(tmp))));
        });
      });
      // the rank-1 update, two rows a pass (a row whose multiplier is zero is left alone)
      asm.set(i, I.add(get(j), i32c(1)));
      asm.emit(`(block $pairs (loop $pair`);
      asm.emit(`(br_if $pairs (i32.ge_s ${I.add(get(i), i32c(1))} ${i32c(m)}))`);
      asm.set(ri, w(get(i), i32c(0)));
      asm.set(l0, F.load(at(get(ri), get(j))));
      asm.set(l1, F.load(at(get(ri), get(j)), rowBytes));
      asm.if(
        `(i32.and ${F.ne(get(l0), F.c(0))} ${F.ne(get(l1), F.c(0))})`,
        () => {
          asm.set(s0, V.splat(get(l0)));
          asm.set(s1, V.splat(get(l1)));
          asm.for(c, I.add(get(j), i32c(1)), i32c(n - 1), () => {
            asm.set(u, V.load(at(get(rj), get(c))));
            asm.emit(V.store(at(get(ri), get(c)), V.sub(V.load(at(get(ri), get(c))), V.mul(get(s0), get(u)))));
            asm.emit(V.store(at(get(ri), get(c)), V.sub(V.load(at(get(ri), get(c)), rowBytes), V.mul(get(s1), get(u))), rowBytes));
          }, 2);
          asm.if(I.lt(get(c), i32c(n)), () => {
            asm.set(tmp, F.load(at(get(rj), get(c))));
            asm.emit(F.store(at(get(ri), get(c)), F.sub(F.load(at(get(ri), get(c))), F.mul(get(l0), get(tmp)))));
            asm.emit(F.store(at(get(ri), get(c)), F.sub(F.load(at(get(ri), get(c)), rowBytes), F.mul(get(l1), get(tmp))), rowBytes));
          });
        },
        () => {
          asm.if(F.ne(get(l0), F.c(0)), () => updateRow(ri, l0));
          asm.set(ri, I.add(get(ri), i32c(rowBytes)));
          asm.if(F.ne(get(l1), F.c(0)), () => updateRow(ri, l1));
        },
      );
      asm.set(i, I.add(get(i), i32c(2)));
      asm.emit(`(br $pair)))`);
      asm.if(I.lt(get(i), i32c(m)), () => {
        asm.set(ri, w(get(i), i32c(0)));
        asm.set(l0, F.load(at(get(ri), get(j))));
        asm.if(F.ne(get(l0), F.c(0)), () => updateRow(ri, l0));
      });
    });
    asm.for(e, i32c(0), i32c(m * n), () => asm.emit(storeFrom64(dtype, elemAddr(get(po), get(e), es), F.load(elemAddr(get(pw), get(e), 8)))));
    // the permutation the row swaps make of 0..m-1
    asm.for(i, i32c(0), i32c(m), () => asm.emit(I.store(elemAddr(get(pr), get(i), 4), get(i))));
    asm.for(j, i32c(0), i32c(kk), () => {
      asm.set(p, I.load(elemAddr(get(pv), get(j), 4)));
      asm.set(c, I.load(elemAddr(get(pr), get(j), 4)));
      asm.emit(I.store(elemAddr(get(pr), get(j), 4), I.load(elemAddr(get(pr), get(p), 4))));
      asm.emit(I.store(elemAddr(get(pr), get(p), 4), get(c)));
    });
    asm.set(pa, I.add(get(pa), i32c(m * n * es)));
    asm.set(po, I.add(get(po), i32c(m * n * es)));
    asm.set(pv, I.add(get(pv), i32c(kk * 4)));
    asm.set(pr, I.add(get(pr), i32c(m * 4)));
  });
  return asm.fn;
}
