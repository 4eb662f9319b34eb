/**
 * The Golub-Kahan-Reinsch SVD of a tall matrix (M >= N) as wasm code, in float64: Householder
 * bidiagonalization (reflectors from the left on columns, from the right on rows), the
 * reflectors accumulated into v and the thin u, then implicit-shift QR sweeps on the bidiagonal
 * (Wilkinson-like shift from the trailing 2x2, splitting and cancellation when an entry is
 * negligible against the matrix norm), each rotation applied to u and v. This is the classic
 * algorithm (Golub and Reinsch 1970, as in Numerical Recipes' svdcmp and EISPACK's svd); it
 * costs a few QR sweeps' worth of rotations where one-sided Jacobi needs ~10 full sweeps.
 *
 * Row-major storage: the reflectors' products with blocks are accumulated row by row (f64x2
 * axpys), and u and v are transposed (their columns as rows) before the QR sweeps so every
 * rotation is over two contiguous rows.
 */
import { get, i32c } from "../wat.js";
import { type Asm, F, I, V, elemAddr, emitAxpy, emitDot, emitHypot } from "./asm.js";

/** Byte offsets in the workspace (at local `pw`) of the regions the code uses. */
export interface GkLayout {
  readonly pw: string;
  /** In: the tall matrix, M x N row-major (overwritten with the thin u). */
  readonly A: number;
  /** N x N: v during accumulation. */
  readonly V: number;
  /** N each: the superdiagonal and the diagonal of the bidiagonal. */
  readonly RV1: number;
  readonly WD: number;
  /** max(M, N): a row of reflector products. */
  readonly S: number;
  /** Out (computeUv): u's columns times the singular values, as rows (N x M). */
  readonly WT: number;
  /** Out (computeUv): v's columns as rows (N x N). */
  readonly VT: number;
  /** Out: the singular values (unsorted, >= 0). */
  readonly NORMS: number;
}

export function emitGolubKahan(asm: Asm, L: GkLayout, M: number, N: number, computeUv: boolean): void {
  const loc = <T extends string>(type: "i32" | "f64", names: readonly T[]) => Object.fromEntries(names.map((h) => [h, type === "i32" ? asm.i32(h) : asm.f64(h)])) as Record<T, string>;
  const { i, j, k, l, nm, its, flag, q } = loc("i32", ["i", "j", "k", "l", "nm", "its", "flag", "q"] as const);
  const { anorm, c, f, g, h, s, x, y, z, scale, t } = loc("f64", ["anorm", "c", "f", "g", "h", "s", "x", "y", "z", "scale", "t"] as const);
  const [pp, pq] = [asm.i32("pp"), asm.i32("pq")];
  const [vc, vs, vx, vy] = [asm.v128("vc"), asm.v128("vs"), asm.v128("vx"), asm.v128("vy")];
  const [rp, rq] = [asm.f64("rp"), asm.f64("rq")];
  const W = (off: number) => I.add(get(L.pw), i32c(off));
  const vec = (base: number, idx: string) => elemAddr(W(base), idx, 8);
  const a = (r: string, col: string) => elemAddr(W(L.A), I.add(I.mul(r, i32c(N)), col), 8);
  const v = (r: string, col: string) => elemAddr(W(L.V), I.add(I.mul(r, i32c(N)), col), 8);
  const rowOf = (base: number, r: string, width: number) => I.add(W(base), I.mul(r, i32c(width * 8)));
  const rowAt = (base: number, r: string, col: string, width: number) => I.add(rowOf(base, r, width), I.shl(col, 3));
  const withSign = (mag: string, sgn: string) => `(select ${F.abs(mag)} ${F.sub(F.c(0), F.abs(mag))} (f64.ge ${sgn} ${F.c(0)}))`;
  const negligible = (e: string) => F.eq(F.add(F.abs(e), get(anorm)), get(anorm));
  const widthFromL = I.sub(i32c(N), get(l));

  /** Rows P (at pp) and Q (at pq), `width` entries: P' = c P + s Q, Q' = c Q - s P. */
  const rotate = (width: number) => {
    asm.set(vc, V.splat(get(c)));
    asm.set(vs, V.splat(get(s)));
    const at = (p: string) => I.add(get(p), I.shl(get(q), 3));
    asm.for(q, i32c(0), i32c(width - 1), () => {
      asm.set(vx, V.load(at(pp)));
      asm.set(vy, V.load(at(pq)));
      asm.emit(V.store(at(pp), V.add(V.mul(get(vx), get(vc)), V.mul(get(vy), get(vs)))));
      asm.emit(V.store(at(pq), V.sub(V.mul(get(vy), get(vc)), V.mul(get(vx), get(vs)))));
    }, 2);
    if (width % 2 === 1) {
      asm.set(rp, F.load(at(pp)));
      asm.set(rq, F.load(at(pq)));
      asm.emit(F.store(at(pp), F.add(F.mul(get(rp), get(c)), F.mul(get(rq), get(s)))));
      asm.emit(F.store(at(pq), F.sub(F.mul(get(rq), get(c)), F.mul(get(rp), get(s)))));
    }
  };
  /** S[l..N) = 0, then S[l..N) += coef(r) * row r of `base` [l..N) for r in [from, to). */
  const accumulateRows = (base: number, from: string, to: string, coef: (r: string) => string) => {
    asm.for(q, get(l), i32c(N), () => asm.emit(F.store(vec(L.S, get(q)), F.c(0))));
    asm.for(k, from, to, () => {
      asm.set(t, coef(get(k)));
      emitAxpy(asm, vec(L.S, get(l)), rowAt(base, get(k), get(l), N), t, widthFromL, "add");
    });
  };
  /** Row r of `base` [l..N) += coef(r) * S[l..N) for r in [from, to). */
  const updateRows = (base: number, from: string, to: string, coef: (r: string) => string) =>
    asm.for(k, from, to, () => {
      asm.set(t, coef(get(k)));
      emitAxpy(asm, rowAt(base, get(k), get(l), N), vec(L.S, get(l)), t, widthFromL, "add");
    });

  // ---- Householder bidiagonalization ----
  asm.set(g, F.c(0));
  asm.set(scale, F.c(0));
  asm.set(anorm, F.c(0));
  asm.for(i, i32c(0), i32c(N), () => {
    asm.set(l, I.add(get(i), i32c(1)));
    asm.emit(F.store(vec(L.RV1, get(i)), F.mul(get(scale), get(g))));
    asm.set(g, F.c(0));
    asm.set(s, F.c(0));
    asm.set(scale, F.c(0));
    // from the left: column i, rows i..M
    asm.for(k, get(i), i32c(M), () => asm.set(scale, F.add(get(scale), F.abs(F.load(a(get(k), get(i)))))));
    asm.if(F.ne(get(scale), F.c(0)), () => {
      asm.for(k, get(i), i32c(M), () => {
        asm.set(t, F.div(F.load(a(get(k), get(i))), get(scale)));
        asm.emit(F.store(a(get(k), get(i)), get(t)));
        asm.set(s, F.add(get(s), F.mul(get(t), get(t))));
      });
      asm.set(f, F.load(a(get(i), get(i))));
      asm.set(g, F.sub(F.c(0), withSign(F.sqrt(get(s)), get(f))));
      asm.set(h, F.sub(F.mul(get(f), get(g)), get(s)));
      asm.emit(F.store(a(get(i), get(i)), F.sub(get(f), get(g))));
      asm.if(I.lt(get(l), i32c(N)), () => {
        accumulateRows(L.A, get(i), i32c(M), (r) => F.load(a(r, get(i))));
        asm.for(q, get(l), i32c(N), () => asm.emit(F.store(vec(L.S, get(q)), F.div(F.load(vec(L.S, get(q))), get(h)))));
        updateRows(L.A, get(i), i32c(M), (r) => F.load(a(r, get(i))));
      });
      asm.for(k, get(i), i32c(M), () => asm.emit(F.store(a(get(k), get(i)), F.mul(F.load(a(get(k), get(i))), get(scale)))));
    });
    asm.emit(F.store(vec(L.WD, get(i)), F.mul(get(scale), get(g))));
    asm.set(g, F.c(0));
    asm.set(s, F.c(0));
    asm.set(scale, F.c(0));
    // from the right: row i, columns l..N
    asm.if(I.lt(get(l), i32c(N)), () => {
      asm.for(k, get(l), i32c(N), () => asm.set(scale, F.add(get(scale), F.abs(F.load(a(get(i), get(k)))))));
      asm.if(F.ne(get(scale), F.c(0)), () => {
        asm.for(k, get(l), i32c(N), () => {
          asm.set(t, F.div(F.load(a(get(i), get(k))), get(scale)));
          asm.emit(F.store(a(get(i), get(k)), get(t)));
          asm.set(s, F.add(get(s), F.mul(get(t), get(t))));
        });
        asm.set(f, F.load(a(get(i), get(l))));
        asm.set(g, F.sub(F.c(0), withSign(F.sqrt(get(s)), get(f))));
        asm.set(h, F.sub(F.mul(get(f), get(g)), get(s)));
        asm.emit(F.store(a(get(i), get(l)), F.sub(get(f), get(g))));
        asm.for(k, get(l), i32c(N), () => asm.emit(F.store(vec(L.RV1, get(k)), F.div(F.load(a(get(i), get(k))), get(h)))));
        asm.for(j, get(l), i32c(M), () => {
          emitDot(asm, t, rowAt(L.A, get(j), get(l), N), rowAt(L.A, get(i), get(l), N), widthFromL);
          emitAxpy(asm, rowAt(L.A, get(j), get(l), N), vec(L.RV1, get(l)), t, widthFromL, "add");
        });
        asm.for(k, get(l), i32c(N), () => asm.emit(F.store(a(get(i), get(k)), F.mul(F.load(a(get(i), get(k))), get(scale)))));
      });
    });
    asm.set(anorm, `(f64.max ${get(anorm)} ${F.add(F.abs(F.load(vec(L.WD, get(i)))), F.abs(F.load(vec(L.RV1, get(i)))))})`);
  });

  if (computeUv) {
    // ---- v: the right reflectors, last first ----
    asm.set(l, i32c(N));
    asm.forDown(i, i32c(0), i32c(N), () => {
      asm.if(I.lt(get(i), i32c(N - 1)), () => {
        asm.if(F.ne(get(g), F.c(0)), () => {
          asm.for(j, get(l), i32c(N), () => asm.emit(F.store(v(get(j), get(i)), F.div(F.div(F.load(a(get(i), get(j))), F.load(a(get(i), get(l)))), get(g)))));
          accumulateRows(L.V, get(l), i32c(N), (r) => F.load(a(get(i), r)));
          updateRows(L.V, get(l), i32c(N), (r) => F.load(v(r, get(i))));
        });
        asm.for(j, get(l), i32c(N), () => {
          asm.emit(F.store(v(get(i), get(j)), F.c(0)));
          asm.emit(F.store(v(get(j), get(i)), F.c(0)));
        });
      });
      asm.emit(F.store(v(get(i), get(i)), F.c(1)));
      asm.set(g, F.load(vec(L.RV1, get(i))));
      asm.set(l, get(i));
    });
    // ---- the thin u, in place of a: the left reflectors, last first ----
    asm.forDown(i, i32c(0), i32c(N), () => {
      asm.set(l, I.add(get(i), i32c(1)));
      asm.set(g, F.load(vec(L.WD, get(i))));
      asm.for(j, get(l), i32c(N), () => asm.emit(F.store(a(get(i), get(j)), F.c(0))));
      asm.if(
        F.ne(get(g), F.c(0)),
        () => {
          asm.set(g, F.div(F.c(1), get(g)));
          asm.if(I.lt(get(l), i32c(N)), () => {
            accumulateRows(L.A, get(l), i32c(M), (r) => F.load(a(r, get(i))));
            asm.for(q, get(l), i32c(N), () => asm.emit(F.store(vec(L.S, get(q)), F.mul(F.div(F.load(vec(L.S, get(q))), F.load(a(get(i), get(i)))), get(g)))));
            updateRows(L.A, get(i), i32c(M), (r) => F.load(a(r, get(i))));
          });
          asm.for(j, get(i), i32c(M), () => asm.emit(F.store(a(get(j), get(i)), F.mul(F.load(a(get(j), get(i))), get(g)))));
        },
        () => asm.for(j, get(i), i32c(M), () => asm.emit(F.store(a(get(j), get(i)), F.c(0)))),
      );
      asm.emit(F.store(a(get(i), get(i)), F.add(F.load(a(get(i), get(i))), F.c(1))));
    });
    // u's and v's columns as rows
    asm.for(i, i32c(0), i32c(M), () => asm.for(j, i32c(0), i32c(N), () => asm.emit(F.store(rowAt(L.WT, get(j), get(i), M), F.load(a(get(i), get(j)))))));
    asm.for(i, i32c(0), i32c(N), () => asm.for(j, i32c(0), i32c(N), () => asm.emit(F.store(rowAt(L.VT, get(j), get(i), N), F.load(v(get(i), get(j)))))));
  }

  // ---- implicit-shift QR on the bidiagonal ----
  const uRows = (r1: string, r2: string) => {
    if (!computeUv) return;
    asm.set(pp, rowOf(L.WT, r1, M));
    asm.set(pq, rowOf(L.WT, r2, M));
    rotate(M);
  };
  const vRows = (r1: string, r2: string) => {
    if (!computeUv) return;
    asm.set(pp, rowOf(L.VT, r1, N));
    asm.set(pq, rowOf(L.VT, r2, N));
    rotate(N);
  };
  const wAt = (idx: string) => vec(L.WD, idx);
  const eAt = (idx: string) => vec(L.RV1, idx);
  asm.forDown(k, i32c(0), i32c(N), () => {
    asm.set(its, i32c(0));
    asm.emit(`(block $converged (loop $iterate`);
    // the start l of the unreduced block ending at k (flag: w[l-1] is negligible, cancel e[l])
    asm.set(flag, i32c(1));
    asm.set(l, get(k));
    asm.emit(`(block $found (loop $scan`);
    asm.set(nm, I.sub(get(l), i32c(1)));
    asm.if(negligible(F.load(eAt(get(l)))), () => {
      asm.set(flag, i32c(0));
      asm.emit(`(br $found)`);
    });
    asm.emit(`(br_if $found ${negligible(F.load(wAt(get(nm))))})`);
    asm.set(l, get(nm));
    asm.emit(`(br $scan)))`);
    asm.if(get(flag), () => {
      asm.set(c, F.c(0));
      asm.set(s, F.c(1));
      asm.exitable((done) =>
        asm.for(i, get(l), I.add(get(k), i32c(1)), () => {
          asm.set(f, F.mul(get(s), F.load(eAt(get(i)))));
          asm.emit(F.store(eAt(get(i)), F.mul(get(c), F.load(eAt(get(i))))));
          asm.if(negligible(get(f)), () => asm.emit(done));
          asm.set(g, F.load(wAt(get(i))));
          emitHypot(asm, h, get(f), get(g));
          asm.emit(F.store(wAt(get(i)), get(h)));
          asm.set(h, F.div(F.c(1), get(h)));
          asm.set(c, F.mul(get(g), get(h)));
          asm.set(s, F.sub(F.c(0), F.mul(get(f), get(h))));
          uRows(get(nm), get(i));
        }),
      );
    });
    asm.set(z, F.load(wAt(get(k))));
    asm.if(`(i32.eq ${get(l)} ${get(k)})`, () => {
      asm.if(`(f64.lt ${get(z)} ${F.c(0)})`, () => {
        asm.emit(F.store(wAt(get(k)), F.sub(F.c(0), get(z))));
        if (computeUv) asm.for(q, i32c(0), i32c(N), () => asm.emit(F.store(rowAt(L.VT, get(k), get(q), N), F.sub(F.c(0), F.load(rowAt(L.VT, get(k), get(q), N))))));
      });
      asm.emit(`(br $converged)`);
    });
    asm.set(its, I.add(get(its), i32c(1)));
    asm.emit(`(br_if $converged (i32.gt_s ${get(its)} (i32.const 75)))`);
    // the shift from the trailing 2x2
    asm.set(x, F.load(wAt(get(l))));
    asm.set(nm, I.sub(get(k), i32c(1)));
    asm.set(y, F.load(wAt(get(nm))));
    asm.set(g, F.load(eAt(get(nm))));
    asm.set(h, F.load(eAt(get(k))));
    asm.set(f, F.div(F.add(F.mul(F.sub(get(y), get(z)), F.add(get(y), get(z))), F.mul(F.sub(get(g), get(h)), F.add(get(g), get(h)))), F.mul(F.mul(F.c(2), get(h)), get(y))));
    emitHypot(asm, g, get(f), F.c(1));
    asm.set(f, F.div(F.add(F.mul(F.sub(get(x), get(z)), F.add(get(x), get(z))), F.mul(get(h), F.sub(F.div(get(y), F.add(get(f), withSign(get(g), get(f)))), get(h)))), get(x)));
    // chase the bulge from l to k
    asm.set(c, F.c(1));
    asm.set(s, F.c(1));
    asm.for(j, get(l), I.add(get(nm), i32c(1)), () => {
      asm.set(i, I.add(get(j), i32c(1)));
      asm.set(g, F.load(eAt(get(i))));
      asm.set(y, F.load(wAt(get(i))));
      asm.set(h, F.mul(get(s), get(g)));
      asm.set(g, F.mul(get(c), get(g)));
      emitHypot(asm, z, get(f), get(h));
      asm.emit(F.store(eAt(get(j)), get(z)));
      asm.set(c, F.div(get(f), get(z)));
      asm.set(s, F.div(get(h), get(z)));
      asm.set(f, F.add(F.mul(get(x), get(c)), F.mul(get(g), get(s))));
      asm.set(g, F.sub(F.mul(get(g), get(c)), F.mul(get(x), get(s))));
      asm.set(h, F.mul(get(y), get(s)));
      asm.set(y, F.mul(get(y), get(c)));
      vRows(get(j), get(i));
      emitHypot(asm, z, get(f), get(h));
      asm.emit(F.store(wAt(get(j)), get(z)));
      asm.if(F.ne(get(z), F.c(0)), () => {
        asm.set(z, F.div(F.c(1), get(z)));
        asm.set(c, F.mul(get(f), get(z)));
        asm.set(s, F.mul(get(h), get(z)));
      });
      asm.set(f, F.add(F.mul(get(c), get(g)), F.mul(get(s), get(y))));
      asm.set(x, F.sub(F.mul(get(c), get(y)), F.mul(get(s), get(g))));
      uRows(get(j), get(i));
    });
    asm.emit(F.store(eAt(get(l)), F.c(0)));
    asm.emit(F.store(eAt(get(k)), get(f)));
    asm.emit(F.store(wAt(get(k)), get(x)));
    asm.emit(`(br $iterate)))`);
  });
  // the singular values; u's rows scaled by them (the caller normalizes)
  asm.for(i, i32c(0), i32c(N), () => {
    asm.set(t, F.load(wAt(get(i))));
    asm.emit(F.store(vec(L.NORMS, get(i)), get(t)));
    if (computeUv) asm.for(q, i32c(0), i32c(M), () => asm.emit(F.store(rowAt(L.WT, get(i), get(q), M), F.mul(F.load(rowAt(L.WT, get(i), get(q), M)), get(t)))));
  });
}
