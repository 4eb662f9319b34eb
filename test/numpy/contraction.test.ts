/** numpy contractions (matmul, dot, vdot, inner, outer, tensordot, einsum) against naive JS loops. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ValueError } from "../../src/errors.js";
import * as np from "../../src/numpy/index.js";
import { checkGrads } from "../../src/testing/checkGrads.js";
import { jit } from "../../src/transforms/jit.js";
import { makeJaxpr } from "../../src/transforms/makeJaxpr.js";

// --- helpers ------------------------------------------------------------------------------

interface Flat {
  shape: number[];
  data: number[];
}

const sizeOf = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

function stridesOf(shape: readonly number[]): number[] {
  const st = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    st[i] = s;
    s *= shape[i]!;
  }
  return st;
}

/** All multi-indices of a shape, row-major. */
function indices(shape: readonly number[]): number[][] {
  let out: number[][] = [[]];
  for (const d of shape) out = out.flatMap((idx) => Array.from({ length: d }, (_, i) => [...idx, i]));
  return out;
}

const get = (x: Flat, idx: readonly number[]) => x.data[idx.reduce((f, v, d) => f + v * stridesOf(x.shape)[d]!, 0)]!;

const f64 = (x: Flat) => np.array(Float64Array.from(x.data), { shape: x.shape });

let seed = 1;
/** Deterministic small values (exact in float64 sums). */
function rand(shape: number[]): Flat {
  const data = Array.from({ length: sizeOf(shape) }, () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return (seed % 9) - 4;
  });
  return { shape, data };
}

function expectFlat(x: np.Array, want: Flat, tol = 1e-12): void {
  expect([...x.shape]).toEqual(want.shape);
  const got = Array.from(x.dataSync(), Number);
  expect(got.length).toBe(want.data.length);
  got.forEach((g, i) => {
    if (!(Math.abs(g - want.data[i]!) <= tol * (1 + Math.abs(want.data[i]!)))) expect.fail(`element ${i}: got ${g}, want ${want.data[i]}`);
  });
}

/**
 * A naive einsum over letter subscripts with an explicit output: loops over every assignment
 * of every label; an operand dim of size 1 broadcasts (index 0).
 */
function einsumModel(spec: string, ...xs: Flat[]): Flat {
  const [ins, out] = spec.split("->") as [string, string];
  const terms = ins.split(",");
  const sizes = new Map<string, number>();
  terms.forEach((t, i) => [...t].forEach((l, d) => sizes.set(l, Math.max(sizes.get(l) ?? 1, xs[i]!.shape[d]!))));
  const labels = [...sizes.keys()];
  const outShape = [...out].map((l) => sizes.get(l)!);
  const result = new Array<number>(sizeOf(outShape)).fill(0);
  const outStrides = stridesOf(outShape);
  for (const assign of indices(labels.map((l) => sizes.get(l)!))) {
    const val = (l: string) => assign[labels.indexOf(l)]!;
    let p = 1;
    terms.forEach((t, i) => (p *= get(xs[i]!, [...t].map((l, d) => (xs[i]!.shape[d] === 1 ? 0 : val(l))))));
    result[[...out].reduce((f, l, d) => f + val(l) * outStrides[d]!, 0)]! += p;
  }
  return { shape: outShape, data: result };
}

// --- matmul -------------------------------------------------------------------------------------

/** Random matmul operands with broadcastable batch dims (1s and differing ranks) and 1-D cases. */
const matmulCase = fc
  .record({
    batch: fc.array(fc.integer({ min: 1, max: 3 }), { maxLength: 3 }),
    aRank: fc.integer({ min: 0, max: 3 }),
    bRank: fc.integer({ min: 0, max: 3 }),
    aOnes: fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }),
    bOnes: fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }),
    n: fc.integer({ min: 0, max: 3 }),
    k: fc.integer({ min: 0, max: 3 }),
    m: fc.integer({ min: 1, max: 3 }),
    aVec: fc.boolean(),
    bVec: fc.boolean(),
  })
  .map((c) => {
    const pick = (rank: number, ones: boolean[]) =>
      c.batch.slice(c.batch.length - Math.min(rank, c.batch.length)).map((d, i) => (ones[i] ? 1 : d));
    const aBatch = c.aVec ? [] : pick(c.aRank, c.aOnes);
    const bBatch = c.bVec ? [] : pick(c.bRank, c.bOnes);
    return {
      a: rand(c.aVec ? [c.k] : [...aBatch, c.n, c.k]),
      b: rand(c.bVec ? [c.k] : [...bBatch, c.k, c.m]),
      aBatch,
      bBatch,
      ...c,
    };
  });

function matmulModel(a: Flat, b: Flat, aVec: boolean, bVec: boolean): Flat {
  const aB = aVec ? [] : a.shape.slice(0, -2);
  const bB = bVec ? [] : b.shape.slice(0, -2);
  const nb = Math.max(aB.length, bB.length);
  const pad = (s: number[]) => [...new Array<number>(nb - s.length).fill(1), ...s];
  const batch = pad(aB).map((d, i) => Math.max(d, pad(bB)[i]!));
  const n = aVec ? 1 : a.shape[a.shape.length - 2]!;
  const k = a.shape[a.shape.length - 1]!;
  const m = bVec ? 1 : b.shape[b.shape.length - 1]!;
  const outShape = [...batch, ...(aVec ? [] : [n]), ...(bVec ? [] : [m])];
  const data: number[] = [];
  for (const bi of indices(batch))
    for (let i = 0; i < n; i++)
      for (let j = 0; j < m; j++) {
        let acc = 0;
        for (let t = 0; t < k; t++) {
          const sel = (shape: number[]) => bi.slice(nb - shape.length).map((v, q) => (shape[q] === 1 ? 0 : v));
          const av = aVec ? get(a, [t]) : get(a, [...sel(aB), i, t]);
          const bv = bVec ? get(b, [t]) : get(b, [...sel(bB), t, j]);
          acc += av * bv;
        }
        data.push(acc);
      }
  return { shape: outShape, data };
}

describe("matmul", () => {
  it("matches a naive loop over random broadcastable batch shapes and 1-D operands", () => {
    fc.assert(
      fc.property(matmulCase, (c) => {
        expectFlat(np.matmul(f64(c.a), f64(c.b)), matmulModel(c.a, c.b, c.aVec, c.bVec));
      }),
      { numRuns: 150 },
    );
  });

  it("is one dot_general, not a loop", () => {
    const a = f64(rand([4, 1, 2, 3]));
    const b = f64(rand([5, 3, 2]));
    const text = makeJaxpr(np.matmul)(a, b).toString();
    expect(text.match(/dot_general/g)?.length).toBe(1);
    expect(np.matmul(a, b).shape).toEqual([4, 5, 2, 2]);
  });

  it("promotes dtypes; ints stay ints; bools give bool", () => {
    const i = np.array(Int32Array.from([1, 2, 3, 4]), { shape: [2, 2] });
    const r = np.matmul(i, i);
    expect(r.dtype).toBe("int32");
    expect(r.tolist()).toEqual([
      [7, 10],
      [15, 22],
    ]);
    expect(np.matmul(i, np.array([[1, 0], [0, 1]])).dtype).toBe("float32");
    expect(np.matmul(np.array([[1, 2]]), np.array([[1], [2]], { dtype: "float64" })).dtype).toBe("float64");
    const b = np.array([
      [true, false],
      [false, false],
    ]);
    const bb = np.matmul(b, np.array([true, true]));
    expect(bb.dtype).toBe("bool");
    expect(bb.tolist()).toEqual([true, false]);
    expect(i.matmul(i).tolist()).toEqual(r.tolist());
  });

  it("rejects mismatched core dims (TypeError, as JAX), batch dims and scalars (ValueError) naming the shapes", () => {
    const a = np.zeros([2, 3]);
    const b = np.zeros([4, 5]);
    expect(() => np.matmul(a, b)).toThrow(TypeError);
    expect(() => np.matmul(a, b)).toThrow(/matmul: input operand 1 has a mismatch in its core dimension 0.*\(size 4 is different from 3\), shapes \(2, 3\) and \(4, 5\)/);
    expect(() => np.matmul(np.zeros([2, 2, 3]), np.zeros([3, 3, 4]))).toThrow(/matmul.*\(2, 2, 3\) and \(3, 3, 4\)/);
    expect(() => np.matmul(np.zeros([3]), 2)).toThrow(/matmul: input operand 1 must have ndim at least 1/);
    expect(() => np.matmul(np.zeros([3]), np.zeros([4]))).toThrow(TypeError);
    expect(() => np.matmul(np.zeros([2, 2, 3]), np.zeros([3, 3, 4]))).toThrow(ValueError);
  });
});

// --- dot, vdot, inner, outer ----------------------------------------------------------------------

describe("dot, vdot, inner, outer", () => {
  it("dot follows numpy's N-D rule", () => {
    const a = rand([2, 3, 4]);
    const b = rand([5, 4, 6]);
    expectFlat(np.dot(f64(a), f64(b)), einsumModel("ijk,lkm->ijlm", a, b));
    const v = rand([4]);
    expectFlat(np.dot(f64(a), f64(v)), einsumModel("ijk,k->ij", a, v));
    expectFlat(np.dot(f64(v), f64(b)), einsumModel("k,lkm->lm", v, b));
    expectFlat(np.dot(f64(v), f64(v)), einsumModel("k,k->", v, v));
    const m = rand([3, 4]);
    const n42 = rand([4, 2]);
    expectFlat(np.dot(f64(m), f64(n42)), einsumModel("ik,kj->ij", m, n42));
    expect(np.dot(2, f64(m)).tolist()).toEqual(np.multiply(2, f64(m)).tolist());
    expect(np.dot(f64(m), 0.5).shape).toEqual([3, 4]);
    expect(() => np.dot(f64(a), f64(rand([3, 6])))).toThrow(/dot: shapes \(2, 3, 4\) and \(3, 6\) not aligned: 4 \(dim 2\) != 3 \(dim 0\)/);
    expect(f64(m).dot(f64(v)).shape).toEqual([3]);
  });

  it("vdot flattens; inner contracts last axes; outer flattens", () => {
    const a = rand([2, 3]);
    const b = rand([3, 2]);
    expectFlat(np.vdot(f64(a), f64(b)), { shape: [], data: [a.data.reduce((s, x, i) => s + x * b.data[i]!, 0)] });
    expect(() => np.vdot(f64(a), f64(rand([4])))).toThrow(/vdot/);
    const c = rand([4, 3]);
    expectFlat(np.inner(f64(a), f64(c)), einsumModel("ik,jk->ij", a, c));
    expectFlat(np.inner(f64(a), 3), { shape: [2, 3], data: a.data.map((x) => 3 * x) });
    expect(() => np.inner(f64(a), f64(b))).toThrow(/inner/);
    const u = rand([3]);
    expectFlat(np.outer(f64(u), f64(a)), einsumModel("i,j->ij", u, { shape: [6], data: a.data }));
  });
});

// --- tensordot -----------------------------------------------------------------------------------------

describe("tensordot", () => {
  const a = rand([2, 3, 4]);
  const b = rand([3, 4, 5]);

  it("integer axes, axis pairs and axis lists", () => {
    expectFlat(np.tensordot(f64(a), f64(b)), einsumModel("ijk,jkl->il", a, b));
    const c45 = rand([4, 5]);
    expectFlat(np.tensordot(f64(a), f64(c45), 1), einsumModel("ijk,kl->ijl", a, c45));
    expectFlat(np.tensordot(f64(a), f64(b), 0), einsumModel("ijk,lmn->ijklmn", a, b));
    expectFlat(np.tensordot(f64(a), f64(b), [[1, 2], [0, 1]]), einsumModel("ijk,jkl->il", a, b));
    expectFlat(np.tensordot(f64(a), f64(b), [[2, 1], [1, 0]]), einsumModel("ijk,jkl->il", a, b));
    expectFlat(np.tensordot(f64(a), f64(b), [1, 0]), einsumModel("ijk,jlm->iklm", a, b));
    expectFlat(np.tensordot(f64(a), f64(b), [-2, -3]), einsumModel("ijk,jlm->iklm", a, b));
  });

  it("errors", () => {
    expect(() => np.tensordot(f64(a), f64(b), [[0], [0]])).toThrow(/tensordot: shape mismatch.*\(2, 3, 4\) and \(3, 4, 5\)/);
    expect(() => np.tensordot(f64(a), f64(b), 4)).toThrow(/tensordot/);
    expect(() => np.tensordot(f64(a), f64(b), [[0, 1], [0]])).toThrow(ValueError);
    expect(() => np.tensordot(f64(a), f64(b), [3, 0])).toThrow(/tensordot: axes\[0\] 3 is out of bounds/);
    expect(() => np.tensordot(f64(a), f64(b), "x" as never)).toThrow(TypeError);
  });
});

// --- einsum ------------------------------------------------------------------------------------------

describe("einsum", () => {
  const m34 = rand([3, 4]);
  const m45 = rand([4, 5]);
  const sq = rand([3, 3]);

  it.each([
    ["ij,jk->ik", [m34, m45]],
    ["ii->", [sq]],
    ["ii->i", [sq]],
    ["bij,bjk->bik", [rand([2, 3, 4]), rand([2, 4, 5])]],
    ["i,j->ij", [rand([3]), rand([4])]],
    ["ij->ji", [m34]],
    ["ij->", [m34]],
    ["ij->j", [m34]],
    ["i,i->", [rand([5]), rand([5])]],
    ["i,i->i", [rand([5]), rand([5])]],
    ["ij,ij->ij", [m34, rand([3, 4])]],
    ["ij,jk,kl->il", [m34, m45, rand([5, 2])]],
    ["ij,jk,kl->li", [m34, m45, rand([5, 2])]],
    ["iij,jk->ik", [rand([3, 3, 4]), m45]],
    ["iij,jk->k", [rand([3, 3, 4]), m45]],
    ["iii->i", [rand([2, 2, 2])]],
    ["ijk,ikl->jl", [rand([2, 3, 4]), rand([2, 4, 5])]],
    ["abc,cd,be->ade", [rand([2, 3, 4]), rand([4, 2]), rand([3, 3])]],
    ["ij,jk->ijk", [m34, m45]],
    ["ii,ij->j", [sq, rand([3, 2])]],
    [",ij->ij", [{ shape: [], data: [3] }, m34]],
    ["i,j->", [rand([2]), rand([3])]],
    ["ij,kj->ik", [rand([1, 4]), rand([3, 4])]],
    ["ij,ij->i", [rand([3, 1]), rand([3, 4])]],
  ] as [string, Flat[]][])("%s matches explicit loops", (spec, xs) => {
    expectFlat(np.einsum(spec, ...xs.map(f64)), einsumModel(spec, ...xs));
  });

  it("implicit outputs: labels seen once, sorted", () => {
    expectFlat(np.einsum("ij,jk", f64(m34), f64(m45)), einsumModel("ij,jk->ik", m34, m45));
    expectFlat(np.einsum("ii", f64(sq)), einsumModel("ii->", sq));
    expectFlat(np.einsum("ba", f64(m34)), einsumModel("ba->ab", m34));
    expectFlat(np.einsum("ij", f64(m34)), m34);
    expectFlat(np.einsum(" i j , j k ", f64(m34), f64(m45)), einsumModel("ij,jk->ik", m34, m45));
  });

  it("ellipsis: broadcast batch dims, in explicit and implicit outputs", () => {
    const a = rand([2, 3, 3, 4]);
    const b = rand([3, 4, 2]);
    expectFlat(np.einsum("...ij,...jk->...ik", f64(a), f64(b)), einsumModel("xyij,yjk->xyik", a, b));
    expectFlat(np.einsum("...ij,...jk", f64(a), f64(b)), einsumModel("xyij,yjk->xyik", a, b));
    const c = rand([1, 3, 4]);
    const d = rand([2, 1, 4, 5]);
    expectFlat(np.einsum("...ij,...jk->...ik", f64(c), f64(d)), einsumModel("yij,xyjk->xyik", c, d));
    const t = rand([2, 3, 3]);
    expectFlat(np.einsum("...ii->...i", f64(t)), einsumModel("xii->xi", t));
    const e = rand([2, 3, 4]);
    expectFlat(np.einsum("i...->...", f64(e)), einsumModel("ixy->xy", e));
    expectFlat(np.einsum("...ij->ij", f64(e)), einsumModel("xij->ij", e));
    const g = rand([3, 4, 2]);
    expectFlat(np.einsum("ij...,jk->ik...", f64(g), f64(m45)), einsumModel("ijx,jk->ikx", g, m45));
  });

  it("dtypes: promotion, ints, bools", () => {
    const i = np.array(Int32Array.from([1, 2, 3, 4]), { shape: [2, 2] });
    expect(np.einsum("ij,jk->ik", i, i).dtype).toBe("int32");
    expect(np.einsum("ii->", i).item()).toBe(5);
    expect(np.einsum("ij,jk->ik", i, np.ones([2, 2])).dtype).toBe("float32");
    const b = np.array([
      [true, false],
      [true, true],
    ]);
    const r = np.einsum("ij,jk->ik", b, b);
    expect(r.dtype).toBe("bool");
    expect(r.tolist()).toEqual([
      [true, false],
      [true, true],
    ]);
    expect(np.einsum("ii->", b).tolist()).toBe(true);
  });

  it("errors name einsum and the problem", () => {
    const a = f64(m34);
    expect(() => np.einsum("ij,jk->ik", a)).toThrow(/einsum: .*2 operand\(s\) but 1/);
    expect(() => np.einsum("ij,jk->ik", a, a)).toThrow(/einsum: size of subscript "j".*\(3, 4\)/);
    expect(() => np.einsum("ijk", a)).toThrow(/einsum: operand 0 has shape \(3, 4\)/);
    expect(() => np.einsum("ij->k", a)).toThrow(/output subscript "k"/);
    expect(() => np.einsum("ij->ii", a)).toThrow(/more than once/);
    expect(() => np.einsum("i1", a)).toThrow(/invalid character/);
    expect(() => np.einsum("ii", a)).toThrow(ValueError);
    expect(() => np.einsum("i", 3)).toThrow(ValueError);
    expect(() => np.einsum("ij")).toThrow(ValueError);
  });
});

// --- transforms -----------------------------------------------------------------------------------

describe("contractions differentiate and jit", () => {
  const x = np.array(Float64Array.from([0.3, -1.2, 2.1, 0.7, 1.5, -0.4]), { shape: [2, 3] });
  const y = np.array(Float64Array.from([0.5, 1.1, -0.9, 0.2, 0.4, -1.3]), { shape: [3, 2] });
  const bx = np.array(Float64Array.from(rand([2, 1, 2, 3]).data.map((v) => v / 4)), { shape: [2, 1, 2, 3] });
  const by = np.array(Float64Array.from(rand([3, 3, 2]).data.map((v) => v / 4)), { shape: [3, 3, 2] });
  const cases: [string, (...a: np.Array[]) => np.Array, np.Array[]][] = [
    ["matmul", (a, b) => np.matmul(a, b), [x, y]],
    ["matmul batched", (a, b) => np.matmul(a, b), [bx, by]],
    ["matmul vector", (a, b) => np.matmul(a, b), [np.sum(x, 1), bx]],
    ["dot", (a, b) => np.dot(a, b), [x, y]],
    ["vdot", (a, b) => np.vdot(a, b), [x, y]],
    ["inner", (a, b) => np.inner(a, b), [x, x]],
    ["outer", (a, b) => np.outer(a, b), [x, y]],
    ["tensordot", (a, b) => np.tensordot(a, b, [[0, 1], [1, 0]]), [x, y]],
    ["einsum transpose-product", (a, b) => np.einsum("ij,jk->ki", a, b), [x, y]],
    ["einsum diagonal", (a) => np.einsum("ii->i", a), [np.matmul(x, y)]],
    ["einsum three", (a, b) => np.einsum("ij,jk,kl->il", a, b, a), [x, y]],
    ["einsum ellipsis", (a, b) => np.einsum("...ij,...jk->...ik", a, b), [bx, by]],
  ];
  it.each(cases)("%s: checkGrads order 2, forward and reverse", (_, f, args) => {
    checkGrads(f, args, 2, { modes: ["fwd", "rev"] });
  });
  it.each(cases)("%s: jit gives the eager result", (_, f, args) => {
    expect(Array.from(jit(f)(...args).dataSync())).toEqual(Array.from(f(...args).dataSync()));
  });
});
