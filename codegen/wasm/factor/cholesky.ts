/**
 * Cholesky as a wasm kernel, batched: the lower factor of the symmetric matrix read from the
 * operand's lower triangle, in float64 (the reference's arithmetic), NaN in the whole lower
 * triangle when a pivot is not positive (or NaN), as JAX.
 *
 * Row-major storage makes the dot-product (Cholesky-Crout by rows) form the SIMD-friendly one:
 * l[i][j] = (a[i][j] - l[i][:j] . l[j][:j]) / l[j][j] reads two contiguous rows. A register
 * block of two rows i, i+1 by four columns j..j+3 (left of row i's diagonal, so the two rows do
 * not depend on each other there) makes 8 f64x2 products per 6 loads; the 4x4 triangle those
 * entries depend on among themselves is resolved in scalar code after, and each row's last
 * entries and diagonal one at a time.
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
  const [b, i, j, ok] = [asm.i32("b"), asm.i32("i"), asm.i32("j"), asm.i32("ok")];
  const [pa, po, pi, pj] = [asm.i32("pa"), asm.i32("po"), asm.i32("pi"), asm.i32("pj")];
  const t = asm.f64("t");
  const acc = [0, 1].map(() => [0, 1, 2, 3].map(() => asm.v128("a")));
  const sums = [0, 1].map(() => [0, 1, 2, 3].map(() => asm.f64("s")));
  const xr = [asm.v128("x"), asm.v128("x")];
  const x = asm.v128("y");
  const kb = asm.i32("kb");
  const jb = asm.i32("jb");
  const w = (row: string, col: string) => elemAddr(get(pw), I.add(I.mul(row, i32c(n)), col), 8);
  const ij = () => I.add(I.mul(get(i), i32c(n)), get(j));

  /**
   * l[i + r][j..j+3] for the rows r < `rows` (all four columns left of row i's diagonal): the
   * dot products of rows i + r with rows j..j+3 over the first j columns (each load of a row
   * feeds four products; byte offsets kb from the rows' starts pi, pj), then the 4x4 triangle
   * among the four columns in scalar code.
   */
  const block = (rows: number) => {
    asm.set(pj, w(get(j), i32c(0)));
    asm.set(jb, I.shl(get(j), 3));
    for (let r = 0; r < rows; r++) for (const a of acc[r]!) asm.set(a, V.zero);
    const step = (lane: number) => {
      for (let r = 0; r < rows; r++) asm.set(xr[r]!, V.load(I.add(get(pi), get(kb)), r * rowBytes + lane));
      for (let q = 0; q < 4; q++) {
        const y = V.load(I.add(get(pj), get(kb)), q * rowBytes + lane);
        if (rows === 1) asm.set(acc[0]![q]!, V.add(get(acc[0]![q]!), V.mul(get(xr[0]!), y)));
        else {
          asm.set(x, y);
          for (let r = 0; r < rows; r++) asm.set(acc[r]![q]!, V.add(get(acc[r]![q]!), V.mul(get(xr[r]!), get(x))));
        }
      }
    };
    // four columns a trip, then two, then one
    asm.for(kb, i32c(0), I.sub(get(jb), i32c(24)), () => [0, 16].forEach(step), 32);
    asm.if(I.lt(get(kb), I.sub(get(jb), i32c(8))), () => {
      step(0);
      asm.set(kb, I.add(get(kb), i32c(16)));
    });
    for (let r = 0; r < rows; r++) acc[r]!.forEach((a, q) => asm.set(sums[r]![q]!, V.hsum(get(a))));
    asm.if(I.lt(get(kb), get(jb)), () => {
      for (let r = 0; r < rows; r++) {
        asm.set(t, F.load(I.add(get(pi), get(kb)), r * rowBytes));
        sums[r]!.forEach((sq, q) => asm.set(sq, F.add(get(sq), F.mul(get(t), F.load(I.add(get(pj), get(kb)), q * rowBytes)))));
      }
    });
    for (let r = 0; r < rows; r++)
      for (let q = 0; q < 4; q++) {
        // l[i+r][j+q] = (a[i+r][j+q] - sum - sum_{p<q} l[i+r][j+p] l[j+q][j+p]) / l[j+q][j+q]
        const col = (p: number) => I.add(I.add(get(pi), get(jb)), i32c(r * rowBytes + p * 8));
        const rowq = (p: number) => I.add(I.add(get(pj), get(jb)), i32c(q * rowBytes + p * 8));
        let v = F.sub(F.load(col(q)), get(sums[r]![q]!));
        for (let p = 0; p < q; p++) v = F.sub(v, F.mul(F.load(col(p)), F.load(rowq(p))));
        asm.emit(F.store(col(q), F.div(v, F.load(rowq(q)))));
      }
  };

  /** Row `row` (its row pointer in pr) from column j up to its diagonal, one entry at a time; exits through `fail` at a pivot not > 0. */
  const finishRow = (row: string, pr: string, fail: string) => {
    asm.for(j, get(j), get(row), () => {
      asm.set(pj, w(get(j), i32c(0)));
      emitDot(asm, t, get(pr), get(pj), get(j));
      const at = I.add(get(pr), I.shl(get(j), 3));
      asm.emit(F.store(at, F.div(F.sub(F.load(at), get(t)), F.load(I.add(get(pj), I.shl(get(j), 3))))));
    });
    // the diagonal: not positive (or NaN) means not positive definite
    emitDot(asm, t, get(pr), get(pr), get(row));
    const dg = I.add(get(pr), I.shl(get(row), 3));
    asm.set(t, F.sub(F.load(dg), get(t)));
    asm.if(`(i32.eqz ${F.gt(get(t), F.c(0))})`, () => {
      asm.set(ok, i32c(0));
      asm.emit(fail);
    });
    asm.emit(F.store(dg, F.sqrt(get(t))));
  };
  const i1 = asm.i32("i");
  const p1 = asm.i32("pi");
  const j1 = asm.i32("j");

  asm.set(pa, get(pin));
  asm.set(po, get(pout));
  asm.for(b, i32c(0), i32c(batch), () => {
    // the lower triangle into the workspace
    asm.for(i, i32c(0), i32c(n), () =>
      asm.for(j, i32c(0), I.add(get(i), i32c(1)), () => asm.emit(F.store(w(get(i), get(j)), loadAs64(dtype, elemAddr(get(pa), ij(), es))))),
    );
    asm.set(ok, i32c(1));
    // rows two at a time: their entries left of column i are independent of each other
    asm.exitable((fail) =>
      asm.for(
        i,
        i32c(0),
        i32c(n),
        () => {
          asm.set(pi, w(get(i), i32c(0)));
          asm.if(
            I.lt(I.add(get(i), i32c(1)), i32c(n)),
            () => asm.for(j, i32c(0), I.sub(get(i), i32c(3)), () => block(2), 4),
            () => asm.for(j, i32c(0), I.sub(get(i), i32c(3)), () => block(1), 4),
          );
          asm.set(j1, get(j));
          finishRow(i, pi, fail);
          asm.if(I.lt(I.add(get(i), i32c(1)), i32c(n)), () => {
            asm.set(i1, I.add(get(i), i32c(1)));
            asm.set(p1, I.add(get(pi), i32c(rowBytes)));
            asm.set(j, get(j1));
            finishRow(i1, p1, fail);
          });
        },
        2,
      ),
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
