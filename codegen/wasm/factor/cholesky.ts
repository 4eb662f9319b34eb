/**
 * Cholesky as a wasm kernel, batched: the lower factor of the symmetric matrix read from the
 * operand's lower triangle, in float64 (the reference's arithmetic), NaN in the whole lower
 * triangle when a pivot is not positive (or NaN), as JAX.
 *
 * Row-major storage makes the dot-product (Cholesky-Crout by rows) form the SIMD-friendly one:
 * l[i][j] = (a[i][j] - l[i][:j] . l[j][:j]) / l[j][j] reads two contiguous rows. Four j's are
 * done per pass over l[i][:j] (one load of row i feeds four f64x2 products), and the 4x4
 * triangle those four entries depend on among themselves is resolved in scalar code after.
 */
import { itemSize } from "../../../ir/dtype.js";
import type { BufferDecl } from "../../kernel/kernel.js";
import { type FactorStep, matrixDims } from "../../kernel/factor.js";
import { Asm, F, I, V, elemAddr, emitDot, loadAs64, storeFrom64 } from "./asm.js";
import { type Fn, get, i32c } from "../wat.js";

export function renderCholesky(s: FactorStep, buffers: readonly BufferDecl[]): Fn {
  const asm = new Asm(s.name);
  const pin = asm.fn.param(`b${s.inputs[0]}`);
  const pout = asm.fn.param(`b${s.outputs[0]}`);
  const pw = asm.fn.param(`b${s.work}`);
  const dtype = buffers[s.outputs[0]!]!.dtype;
  const es = itemSize[dtype];
  const [batch, n] = matrixDims(s.eqn.inputs[0]!.aval);
  if (batch * n === 0) return asm.fn;
  const rowBytes = n * 8;
  const [b, i, j, k, ok] = [asm.i32("b"), asm.i32("i"), asm.i32("j"), asm.i32("k"), asm.i32("ok")];
  const [pa, po, pi, pj] = [asm.i32("pa"), asm.i32("po"), asm.i32("pi"), asm.i32("pj")];
  const t = asm.f64("t");
  const sums = [asm.f64("s"), asm.f64("s"), asm.f64("s"), asm.f64("s")];
  const acc = [asm.v128("a"), asm.v128("a"), asm.v128("a"), asm.v128("a")];
  const x = asm.v128("x");
  const w = (row: string, col: string) => elemAddr(get(pw), I.add(I.mul(row, i32c(n)), col), 8);
  const ij = () => I.add(I.mul(get(i), i32c(n)), get(j));

  asm.set(pa, get(pin));
  asm.set(po, get(pout));
  asm.for(b, i32c(0), i32c(batch), () => {
    // the lower triangle into the workspace
    asm.for(i, i32c(0), i32c(n), () =>
      asm.for(j, i32c(0), I.add(get(i), i32c(1)), () => asm.emit(F.store(w(get(i), get(j)), loadAs64(dtype, elemAddr(get(pa), ij(), es))))),
    );
    asm.set(ok, i32c(1));
    asm.exitable((fail) =>
      asm.for(i, i32c(0), i32c(n), () => {
        asm.set(pi, w(get(i), i32c(0)));
        // four entries l[i][j..j+3] per pass, all strictly below the diagonal
        asm.for(
          j,
          i32c(0),
          I.sub(get(i), i32c(3)),
          () => {
            asm.set(pj, w(get(j), i32c(0)));
            for (const a of acc) asm.set(a, V.zero);
            asm.for(
              k,
              i32c(0),
              I.sub(get(j), i32c(1)),
              () => {
                const off = I.shl(get(k), 3);
                asm.set(x, V.load(I.add(get(pi), off)));
                acc.forEach((a, q) => asm.set(a, V.add(get(a), V.mul(get(x), V.load(I.add(get(pj), off), q * rowBytes)))));
              },
              2,
            );
            acc.forEach((a, q) => asm.set(sums[q]!, V.hsum(get(a))));
            asm.if(I.lt(get(k), get(j)), () => {
              const off = I.shl(get(k), 3);
              asm.set(t, F.load(I.add(get(pi), off)));
              sums.forEach((sq, q) => asm.set(sq, F.add(get(sq), F.mul(get(t), F.load(I.add(get(pj), off), q * rowBytes)))));
            });
            for (let q = 0; q < 4; q++) {
              // l[i][j+q] = (a[i][j+q] - sum - sum_{p<q} l[i][j+p] l[j+q][j+p]) / l[j+q][j+q]
              const col = (p: number) => I.add(get(pi), I.shl(I.add(get(j), i32c(p)), 3));
              const rowq = (p: number) => I.add(get(pj), I.add(i32c(q * rowBytes), I.shl(I.add(get(j), i32c(p)), 3)));
              let v = F.sub(F.load(col(q)), get(sums[q]!));
              for (let p = 0; p < q; p++) v = F.sub(v, F.mul(F.load(col(p)), F.load(rowq(p))));
              asm.emit(F.store(col(q), F.div(v, F.load(rowq(q)))));
            }
          },
          4,
        );
        // the rest of row i below the diagonal, one entry at a time
        asm.for(j, get(j), get(i), () => {
          asm.set(pj, w(get(j), i32c(0)));
          emitDot(asm, t, get(pi), get(pj), get(j));
          const at = I.add(get(pi), I.shl(get(j), 3));
          asm.emit(F.store(at, F.div(F.sub(F.load(at), get(t)), F.load(I.add(get(pj), I.shl(get(j), 3))))));
        });
        // the diagonal: not positive (or NaN) means not positive definite
        emitDot(asm, t, get(pi), get(pi), get(i));
        const dg = I.add(get(pi), I.shl(get(i), 3));
        asm.set(t, F.sub(F.load(dg), get(t)));
        asm.if(`(i32.eqz ${F.gt(get(t), F.c(0))})`, () => {
          asm.set(ok, i32c(0));
          asm.emit(fail);
        });
        asm.emit(F.store(dg, F.sqrt(get(t))));
      }),
    );
    // the factor (or NaN where JAX's failed factorization has it), zero above the diagonal
    asm.for(i, i32c(0), i32c(n), () =>
      asm.for(j, i32c(0), i32c(n), () =>
        asm.emit(
          storeFrom64(
            dtype,
            elemAddr(get(po), ij(), es),
            `(select (select ${F.load(w(get(i), get(j)))} ${F.c(NaN)} ${get(ok)}) ${F.c(0)} ${I.le(get(j), get(i))})`,
          ),
        ),
      ),
    );
    asm.set(pa, I.add(get(pa), i32c(n * n * es)));
    asm.set(po, I.add(get(po), i32c(n * n * es)));
  });
  return asm.fn;
}
