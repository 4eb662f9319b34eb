/**
 * jacfwd, jacrev and hessian: against Jacobians built column by column from jvp (and row by
 * row from vjp) for random functions and shapes, on pytrees (dict in, tuple out), with argnums
 * arrays; hessian against jacfwd(jacfwd) and jacrev(jacrev); JAX's errors.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { hessian, jacfwd, jacrev, jit, jvp, numpy as np, tree, vjp, vmap } from "../../src/index.js";
import { type Arr, RUNS_SCALE, arrayArb, expectTreeClose, range, shapeArb, sizeOf } from "./helpers.js";

const runs = (n: number) => Math.max(1, Math.round(n * RUNS_SCALE));
const TOL = { rtol: 1e-10, atol: 1e-12 };

/** The unit vector `j` of a flat basis of `shape`, as an array of that shape. */
const unit = (shape: readonly number[], j: number) =>
  np.reshape(np.array(Float64Array.from(range(sizeOf(shape)), (k) => (k === j ? 1 : 0)), { dtype: "float64" }), [...shape]);

/** d f(x) / d x as [...outShape, ...inShape], one jvp per input element. */
function jacByColumns(f: (x: Arr) => Arr, x: Arr): Arr {
  const y = f(x);
  const cols = range(x.size).map((j) => jvp(f, [x], [unit(x.shape, j)])[1] as Arr);
  if (cols.length === 0) return np.zeros([...y.shape, ...x.shape], { dtype: "float64" });
  return np.reshape(np.stack(cols, -1), [...y.shape, ...x.shape]);
}

/** The same, one vjp per output element. */
function jacByRows(f: (x: Arr) => Arr, x: Arr): Arr {
  const [y, pull] = vjp(f, [x]) as [Arr, (ct: Arr) => Arr[]];
  const rows = range(y.size).map((i) => pull(unit(y.shape, i))[0]!);
  if (rows.length === 0) return np.zeros([...y.shape, ...x.shape], { dtype: "float64" });
  return np.reshape(np.stack(rows, 0), [...y.shape, ...x.shape]);
}

// Random functions of one array, with constants drawn from a seed.
const FUNCS: [string, (x: Arr, c: Arr) => Arr][] = [
  ["elementwise", (x) => np.multiply(np.sin(x), np.exp(np.multiply(x, 0.3)))],
  ["sum to scalar", (x) => np.sum(np.square(np.tanh(x)))],
  ["matvec (non-square)", (x, c) => np.tanh(np.tensordot(np.reshape(c, [2, -1]).slice([null, null], [0, x.size]), np.ravel(x), 1))],
  ["outer", (x) => np.outer(np.ravel(x), np.cos(np.ravel(x)))],
  ["cumsum and flip", (x) => np.flip(np.cumsum(np.multiply(x, x), x.ndim > 0 ? 0 : null))],
  ["softmax", (x) => {
    const e = np.exp(np.subtract(x, np.max(x)));
    return np.divide(e, np.sum(e));
  }],
  ["slice and concatenate", (x) => np.concatenate([np.ravel(x).slice([null, null, 2]), np.sin(np.ravel(x))])],
  ["broadcast", (x, c) => np.multiply(np.expandDims(x, 0), np.reshape(c.slice([0, 3]), [3, ...x.shape.map(() => 1)]))],
];

describe("jacfwd and jacrev of random functions", () => {
  it("equal the Jacobian built from jvp columns and vjp rows (square and non-square)", () => {
    fc.assert(
      fc.property(
        fc.tuple(fc.constantFrom(...FUNCS), shapeArb(0, 3)).chain(([fn, shape]) => fc.tuple(fc.constant(fn), arrayArb(shape, "f"), arrayArb([64], "f"))),
        ([[name, fn], x, c]) => {
          const f = (a: Arr) => fn(a, c);
          const expected = jacByColumns(f, x);
          expectTreeClose(jacfwd(f)(x), expected, TOL, `${name} jacfwd`);
          expectTreeClose(jacrev(f)(x), expected, TOL, `${name} jacrev`);
          expectTreeClose(jacByRows(f, x), expected, TOL, `${name} rows`);
          expectTreeClose(jit(jacrev(f))(x), expected, TOL, `${name} jit(jacrev)`);
        },
      ),
      { numRuns: runs(16) },
    );
  });

  it("hessian equals jacfwd(jacfwd), jacrev(jacrev), jacrev(jacfwd), and is symmetric for scalar functions", () => {
    fc.assert(
      fc.property(
        fc.tuple(fc.constantFrom(...FUNCS.filter(([n]) => n !== "cumsum and flip")), shapeArb(0, 2)).chain(([fn, shape]) =>
          fc.tuple(fc.constant(fn), arrayArb(shape, "f"), arrayArb([64], "f")),
        ),
        ([[name, fn], x, c]) => {
          const f = (a: Arr) => np.sum(np.multiply(fn(a, c), np.cos(fn(a, c))));
          const h = hessian(f)(x) as Arr;
          expect([...h.shape]).toEqual([...x.shape, ...x.shape]);
          expectTreeClose(h, jacfwd(jacfwd(f))(x), TOL, `${name} jacfwd^2`);
          expectTreeClose(h, jacrev(jacrev(f))(x), TOL, `${name} jacrev^2`);
          expectTreeClose(h, jacrev(jacfwd(f))(x), TOL, `${name} jacrev(jacfwd)`);
          const n = x.size;
          const flat = np.reshape(h, [n, n]);
          expectTreeClose(flat, np.transpose(flat), TOL, `${name} symmetric`);
        },
      ),
      { numRuns: runs(10) },
    );
  });

  it("vmap of jacfwd and jacrev: batched Jacobians", () => {
    fc.assert(
      fc.property(fc.tuple(fc.constantFrom(...FUNCS), shapeArb(1, 2)).chain(([fn, shape]) => fc.tuple(fc.constant(fn), arrayArb([2, ...shape], "f"), arrayArb([64], "f"))), ([[name, fn], xs, c]) => {
        const f = (a: Arr) => fn(a, c);
        const expected = np.stack([0, 1].map((i) => jacByColumns(f, xs.slice(i))));
        expectTreeClose(vmap(jacfwd(f))(xs), expected, TOL, `${name} vmap(jacfwd)`);
        expectTreeClose(vmap(jacrev(f))(xs), expected, TOL, `${name} vmap(jacrev)`);
      }),
      { numRuns: runs(6) },
    );
  });
});

describe("Jacobians of pytree functions and argnums", () => {
  // dict in, tuple out
  const g = (d: { u: Arr; v: Arr }) => [np.multiply(np.sum(np.square(d.u)), np.sum(np.sin(d.v))), np.outer(np.tanh(d.u), np.square(d.v)), np.multiply(d.u, 2)] as const;

  it("dict in, tuple out: the result is a tuple (per output) of dicts (per input)", () => {
    fc.assert(
      fc.property(fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })).chain(([m, k]) => fc.tuple(arrayArb([m], "f"), arrayArb([k], "f"))), ([u, v]) => {
        const jf = jacfwd(g)({ u, v });
        const jr = jacrev(g)({ u, v });
        expectTreeClose(jr, jf, TOL);
        // each block against the single-input Jacobians
        const outs = g({ u, v });
        outs.forEach((_, k) => {
          const byU = jacByColumns((a: Arr) => g({ u: a, v })[k] as Arr, u);
          const byV = jacByColumns((b: Arr) => g({ u, v: b })[k] as Arr, v);
          expectTreeClose((jf as any)[k], { u: byU, v: byV }, TOL, `output ${k}`);
        });
        // hessian of a scalar function of a dict: a dict of dicts
        const s = (d: { u: Arr; v: Arr }) => np.add(g(d)[0], np.sum(np.power(d.u, 3)));
        const h = hessian(s)({ u, v }) as any;
        expect(Object.keys(h).sort()).toEqual(["u", "v"]);
        expect(Object.keys(h.u).sort()).toEqual(["u", "v"]);
        expectTreeClose(h.u.v, np.transpose(h.v.u), TOL, "mixed partials");
        expectTreeClose(h, jacfwd(jacfwd(s))({ u, v }), TOL);
      }),
      { numRuns: runs(6) },
    );
  });

  it("argnums arrays (in the given order) and negative argnums", () => {
    const f = (x: Arr, y: Arr, z: Arr) => np.stack([np.multiply(np.sum(x), z), np.sum(np.multiply(y, y)), np.multiply(x.slice(0), y.slice(-1))]);
    const x = np.array([0.3, -0.7], { dtype: "float64" });
    const y = np.array([1.1, 0.4, -0.2], { dtype: "float64" });
    const z = np.array(0.9, { dtype: "float64" });
    const colsX = jacByColumns((a) => f(a, y, z), x);
    const colsY = jacByColumns((b) => f(x, b, z), y);
    const colsZ = jacByColumns((c) => f(x, y, c), z);
    for (const jac of [jacfwd, jacrev]) {
      expectTreeClose(jac(f, { argnums: [2, 0] })(x, y, z), [colsZ, colsX], TOL);
      expectTreeClose(jac(f, { argnums: [1] })(x, y, z), [colsY], TOL);
      expectTreeClose(jac(f, { argnums: 1 })(x, y, z), colsY, TOL);
      expectTreeClose(jac(f, { argnums: -1 })(x, y, z), colsZ, TOL);
      expectTreeClose(jac(f)(x, y, z), colsX, TOL);
    }
    const s = (a: Arr, b: Arr) => np.sum(np.multiply(np.sin(a), b.slice([0, 2])));
    const h = hessian(s, { argnums: [0, 1] })(x, y) as Arr[][];
    expect(h.map((r) => r.map((b) => [...b.shape]))).toEqual([
      [
        [2, 2],
        [2, 3],
      ],
      [
        [3, 2],
        [3, 3],
      ],
    ]);
    expectTreeClose(h[0]![1], np.transpose(h[1]![0]!), TOL);
  });

  it("outputs that do not depend on the input give zero blocks", () => {
    const f = (x: Arr) => [np.ones([2], { dtype: "float64" }), np.sin(x)];
    const x = np.array([0.1, 0.2, 0.3], { dtype: "float64" });
    for (const jac of [jacfwd, jacrev]) {
      const [a, b] = jac(f)(x) as Arr[];
      expectTreeClose(a, np.zeros([2, 3], { dtype: "float64" }));
      expectTreeClose(b, np.multiply(np.eye(3, null, { dtype: "float64" }), np.cos(x)), TOL);
    }
  });

  it("leaves of a tuple input keep their order in the result", () => {
    const f = (p: [Arr, Arr]) => np.multiply(np.sum(p[0]), p[1]);
    const p: [Arr, Arr] = [np.array([1, 2], { dtype: "float64" }), np.array([3, 4, 5], { dtype: "float64" })];
    const jf = jacfwd(f)(p);
    expectTreeClose(jf, jacrev(f)(p), TOL);
    expect(tree.leaves(jf).map((l: Arr) => [...l.shape])).toEqual([
      [3, 2],
      [3, 3],
    ]);
  });
});

describe("hasAux", () => {
  it("jacfwd, jacrev and hessian return [jacobian, aux] with the aux of the primal computation", () => {
    const f = (x: Arr) => [np.sin(np.multiply(x, x)), { norm: np.sum(np.square(x)), n: 3 }] as const;
    const x = np.array([0.3, -0.5, 1.2], { dtype: "float64" });
    const expected = jacByColumns((a) => f(a)[0], x);
    for (const jac of [jacfwd, jacrev]) {
      const [j, aux] = jac(f, { hasAux: true })(x) as [Arr, { norm: Arr; n: Arr }];
      expectTreeClose(j, expected, TOL);
      expectTreeClose(aux.norm, np.sum(np.square(x)), TOL);
      expect(Number(aux.n)).toBe(3);
    }
    const s = (a: Arr) => [np.sum(np.sin(a)), np.max(a)] as const;
    const [h, aux] = hessian(s, { hasAux: true })(x) as [Arr, Arr];
    expectTreeClose(h, np.multiply(np.eye(3, null, { dtype: "float64" }), np.negative(np.sin(x))), TOL);
    expectTreeClose(aux, np.max(x));
  });
});

describe("Jacobian errors (as JAX)", () => {
  it("integer inputs: TypeError", () => {
    const xi = np.array([1, 2], { dtype: "int32" });
    expect(() => jacfwd((a: Arr) => a)(xi)).toThrow(TypeError);
    expect(() => jacrev((a: Arr) => a)(xi)).toThrow(TypeError);
    expect(() => hessian((a: Arr) => np.sum(a))(xi)).toThrow(TypeError);
  });
});
