/**
 * Triangular solve as a wasm kernel, batched, in float64. Every case is brought to one: solve
 * t x = r for each right-hand side r (a column of b for a left-side solve, a row for a
 * right-side one, since x op(a) = b is op(a)^T x^T = b^T), where t is op(a) or its transpose,
 * lower or upper. The workspace holds t row-major (only its triangle, the diagonal 1 when
 * unitDiagonal) and the right-hand sides each contiguous, so substitution is a dot product of
 * two contiguous rows per entry: x[i] = (r[i] - t[i][<i] . x[<i]) / t[i][i] (forward) or over
 * the entries after i (backward). Division by the diagonal, as the reference and trsm: a zero
 * there gives inf/NaN.
 */
import { itemSize } from "../../../ir/dtype.js";
import type { BufferDecl } from "../../kernel/kernel.js";
import { type FactorStep, factorParams, matrixDims } from "../../kernel/factor.js";
import { type Fn, get, i32c } from "../wat.js";
import { Asm, F, I, elemAddr, emitDot, loadAs64, storeFrom64 } from "./asm.js";

export function renderTriangularSolve(s: FactorStep & { primitive: "triangularSolve" }, buffers: readonly BufferDecl[]): Fn {
  const asm = new Asm(s.name);
  const { leftSide, lower, transposeA, unitDiagonal } = factorParams(s);
  const paIn = asm.fn.param(`b${s.inputs[0]}`);
  // solve(a, a): one buffer, one parameter (a second of the same name would not assemble)
  const pbIn = s.inputs[1] === s.inputs[0] ? paIn : asm.fn.param(`b${s.inputs[1]}`);
  const pout = asm.fn.param(`b${s.outputs[0]}`);
  const pw = asm.fn.param(`b${s.work}`);
  const dtype = buffers[s.outputs[0]!]!.dtype;
  const es = itemSize[dtype];
  const [batch, m] = matrixDims(s.eqn.inputs[0]!.aval);
  const [, bm, bn] = matrixDims(s.eqn.inputs[1]!.aval);
  const nrhs = leftSide ? bn : bm;
  if (batch * m * nrhs === 0) return asm.fn;
  // t = op(a) (left) or op(a)^T (right): a itself or a^T
  const tTransposed = transposeA === leftSide;
  const tLower = lower !== tTransposed;
  const [b, i, j, c] = [asm.i32("b"), asm.i32("i"), asm.i32("j"), asm.i32("c")];
  const [pa, pb, po, px, pt] = [asm.i32("pa"), asm.i32("pb"), asm.i32("po"), asm.i32("px"), asm.i32("pt")];
  const t = asm.f64("t");
  const T = (row: string, col: string) => elemAddr(get(pw), I.add(I.mul(row, i32c(m)), col), 8);
  const X0 = m * m * 8;
  const X = (rhs: string, k: string) => elemAddr(get(pw), I.add(I.mul(rhs, i32c(m)), k), 8);
  const mat = (base: string, row: string, col: string, cols: number) => elemAddr(get(base), I.add(I.mul(row, i32c(cols)), col), es);
  // element (i, k) of the right-hand sides as b stores them: b[i][k] (left) or b[k][i] (right)
  const bAt = (base: string, rhs: string, k: string) => (leftSide ? mat(base, k, rhs, bn) : mat(base, rhs, k, bn));
  const inTriangle = (r: string, col: string) => (tLower ? I.lt(col, r) : I.lt(r, col));

  asm.set(pa, get(paIn));
  asm.set(pb, get(pbIn));
  asm.set(po, get(pout));
  asm.for(b, i32c(0), i32c(batch), () => {
    // t's triangle (what a stores in the triangle `lower` names), its diagonal
    asm.for(i, i32c(0), i32c(m), () => {
      asm.for(j, i32c(0), i32c(m), () =>
        asm.if(inTriangle(get(i), get(j)), () =>
          asm.emit(F.store(T(get(i), get(j)), loadAs64(dtype, tTransposed ? mat(pa, get(j), get(i), m) : mat(pa, get(i), get(j), m)))),
        ),
      );
      asm.emit(F.store(T(get(i), get(i)), unitDiagonal ? F.c(1) : loadAs64(dtype, mat(pa, get(i), get(i), m))));
    });
    asm.for(c, i32c(0), i32c(nrhs), () => {
      asm.for(i, i32c(0), i32c(m), () => asm.emit(F.store(I.add(X(get(c), get(i)), i32c(X0)), loadAs64(dtype, bAt(pb, get(c), get(i))))));
      asm.set(px, I.add(X(get(c), i32c(0)), i32c(X0)));
      const solveEntry = () => {
        asm.set(pt, T(get(i), i32c(0)));
        if (tLower) emitDot(asm, t, get(pt), get(px), get(i));
        else {
          const from = I.add(get(i), i32c(1));
          emitDot(asm, t, I.add(get(pt), I.shl(from, 3)), I.add(get(px), I.shl(from, 3)), I.sub(i32c(m), from));
        }
        const xi = I.add(get(px), I.shl(get(i), 3));
        asm.emit(F.store(xi, F.div(F.sub(F.load(xi), get(t)), F.load(I.add(get(pt), I.shl(get(i), 3))))));
      };
      if (tLower) asm.for(i, i32c(0), i32c(m), solveEntry);
      else asm.forDown(i, i32c(0), i32c(m), solveEntry);
      asm.for(i, i32c(0), i32c(m), () => asm.emit(storeFrom64(dtype, bAt(po, get(c), get(i)), F.load(I.add(get(px), I.shl(get(i), 3))))));
    });
    asm.set(pa, I.add(get(pa), i32c(m * m * es)));
    asm.set(pb, I.add(get(pb), i32c(bm * bn * es)));
    asm.set(po, I.add(get(po), i32c(bm * bn * es)));
  });
  return asm.fn;
}
