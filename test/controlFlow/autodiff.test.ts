/**
 * Autodiff through control flow: checkGrads (central differences, orders 1 and 2, forward and
 * reverse) through cond, switch, scan, foriLoop and nested loops, whileLoop in forward mode;
 * fast-check properties over shapes and values; compositions with jit, checkpoint, customJvp
 * and customVjp; the structure of the jaxprs reverse mode builds; and while's ValueError.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  ValueError,
  checkpoint,
  customJvp,
  customVjp,
  grad,
  jit,
  jvp,
  lax,
  linearize,
  makeJaxpr,
  numpy as np,
  testing,
  vjp,
} from "../../src/index.js";
import { partialEvalJaxpr } from "../../src/autodiff/partialEval.js";

type A = np.Array;

const f64 = (x: number | number[] | number[][]) => np.array(x, { dtype: "float64" });
/** Deterministic float64 values in [-1, 1) of a shape (a small LCG, so failures reproduce). */
function rand(shape: number[], seed: number): A {
  let s = seed >>> 0;
  const n = shape.reduce((a, b) => a * b, 1);
  const data = Float64Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s / 2 ** 32) * 2 - 1;
  });
  return np.array(data, { dtype: "float64", shape });
}
const toList = (x: A) => x.tolist();
/** Whether two arrays agree to float64 round-off. */
const close = (a: A, b: A) => expect(np.allclose(a, b, { rtol: 1e-12, atol: 1e-12 }), `${a.tolist()} vs ${b.tolist()}`).toBe(true);
const both = { modes: ["fwd", "rev"] as const };
const fwdOnly = { modes: ["fwd"] as const };

// --- the functions under test -----------------------------------------------------------------

const condFn = (x: A, w: A) =>
  lax.cond(
    np.greater(np.sum(x), 0),
    (a: A) => np.sin(np.multiply(a, w)),
    (a: A) => np.multiply(np.cos(a), w),
    x,
  );

const switchFn = (x: A, w: A) => {
  // The index is computed from x (clamped by switch); each branch closes over w differently.
  const i = lax.convertElementType(np.floor(np.multiply(np.sum(x), 2)), "int32");
  return lax.switch(i, [(a: A) => np.multiply(a, w), (a: A) => np.exp(np.multiply(a, w)), (a: A) => np.tanh(np.add(a, w))], x);
};

const rnn =
  (opts: { reverse?: boolean; unroll?: number | boolean } = {}) =>
  (W: A, h0: A, xs: A) => {
    const [h, ys] = lax.scan(
      (h: A, x: A) => {
        const hn = np.tanh(np.add(np.matmul(W, h), x));
        return [hn, np.multiply(hn, x)];
      },
      h0,
      xs,
      opts,
    );
    return [h, ys];
  };

describe("checkGrads through cond and switch (float64, orders 1 and 2, fwd and rev)", () => {
  it("cond, true branch", () => testing.checkGrads(condFn, [f64([0.3, 0.5, -0.1]), f64([0.7, -1.2, 0.4])], 2, both));
  it("cond, false branch", () => testing.checkGrads(condFn, [f64([-0.3, 0.5, -0.9]), f64([0.7, -1.2, 0.4])], 2, both));
  it("cond with an operand the branches ignore and outputs that are not differentiated", () => {
    const f = (x: A, y: A) => {
      const [a, b, n] = lax.cond(
        np.less(np.sum(y), 10),
        (x: A, _y: A) => [np.square(x), x, np.array(1, { dtype: "int32" })],
        (_x: A, y: A) => [y, np.sin(y), np.array(2, { dtype: "int32" })],
        x,
        y,
      ) as [A, A, A];
      return np.multiply(np.add(a, b), lax.convertElementType(n, "float64"));
    };
    testing.checkGrads(f, [f64([0.2, -0.4]), f64([1.5, 2.5])], 2, both);
  });
  for (const x of [-0.4, 0.3, 0.7, 2.0])
    it(`switch, index from sum(x) = ${x * 2} (clamped)`, () => testing.checkGrads(switchFn, [f64([x / 2, x / 2]), f64([0.3, -0.8])], 2, both));
  it("cond with a pytree of operands and outputs", () => {
    const f = (p: { a: A; b: A }) =>
      lax.cond(
        np.greater(np.sum(p.a), 0),
        (q: { a: A; b: A }) => ({ s: np.multiply(q.a, q.b), t: [np.sin(q.b)] }),
        (q: { a: A; b: A }) => ({ s: q.b, t: [np.multiply(q.a, 2)] }),
        p,
      );
    testing.checkGrads(f, [{ a: f64([0.5, 0.1]), b: f64([1.0, -2.0]) }], 2, both);
  });
});

describe("checkGrads through scan (float64, orders 1 and 2, fwd and rev)", () => {
  const W = rand([3, 3], 1);
  const h0 = rand([3], 2);
  const xs = rand([4, 3], 3);
  it("an RNN (consts, carry and xs all differentiated)", () => testing.checkGrads(rnn(), [W, h0, xs], 2, both));
  it("reverse", () => testing.checkGrads(rnn({ reverse: true }), [W, h0, xs], 2, both));
  it("unroll 2 and unroll true", () => {
    testing.checkGrads(rnn({ unroll: 2 }), [W, h0, rand([5, 3], 4)], 2, both);
    testing.checkGrads(rnn({ unroll: true }), [W, h0, xs], 1, both);
  });
  it("pytree carry (dict and list) with xs null and a length", () => {
    const f = (a: A, b: A) =>
      lax.scan(
        (c: { p: A; q: [A, A] }, _x: null) => [{ p: np.multiply(c.p, np.cos(c.q[0])), q: [np.add(c.q[0], np.multiply(c.p, 0.1)), np.sin(c.q[1])] as [A, A] }, np.sum(c.p)],
        { p: a, q: [b, np.multiply(b, 2)] },
        null,
        { length: 4 },
      );
    testing.checkGrads(f, [f64([0.4, -0.3]), f64([0.9, 0.2])], 2, both);
  });
  it("pytree xs and ys", () => {
    const f = (xs: { u: A; v: A }, c0: A) =>
      lax.scan((c: A, x: { u: A; v: A }) => [np.add(np.multiply(c, x.u), x.v), { a: np.multiply(c, c), b: [x.u] }], c0, xs);
    testing.checkGrads(f, [{ u: rand([3, 2], 5), v: rand([3, 2], 6) }, f64([0.1, 0.2])], 2, both);
  });
  it("a carry whose tangent is zero until the body makes it nonzero (fixpoint)", () => {
    // c2 starts from a constant and only picks up x's dependence through c1.
    const f = (x: A) =>
      lax.scan(
        ([c1, c2]: [A, A], _: null) => [[np.multiply(c1, x), np.add(np.sin(c1), c2)] as [A, A], c2],
        [f64(1), f64(0)],
        null,
        { length: 3 },
      );
    testing.checkGrads(f, [f64(0.7)], 2, both);
  });
  it("length 0 gives zero derivatives for xs and passes the carry through", () => {
    const f = (c: A, xs: A) => lax.scan((c: A, x: A) => [np.multiply(c, x), x], c, xs);
    testing.checkGrads(f, [f64([1, 2]), np.zeros([0, 2], { dtype: "float64" })], 2, both);
    expect(toList(grad((c: A) => np.sum(f(c, np.zeros([0, 2], { dtype: "float64" }))[0]))(f64([1, 2])))).toEqual([1, 1]);
  });
  it("integer carries and boolean/integer ys have no tangents; float32 carries that start as JS numbers", () => {
    const f = (x: A) =>
      lax.scan(
        ([i, c]: [A, A], y: A) => [[np.add(i, 1), np.multiply(c, y)] as [A, A], [np.greater(c, 0), i] as [A, A]],
        [np.array(0, { dtype: "int32" }), x] as [A, A],
        np.array([1, 2, 3.5]),
      );
    expect(((jvp(f, [np.array(1.5)], [np.array(1)]) as unknown[][])[1]![0] as A[])[1]!.item()).toBe(7);
    const [, back] = vjp(f, [np.array(1.5)]) as [unknown, (ct: unknown) => A[]];
    const ct = [[np.array(0, { dtype: "int32" }), np.array(1)], [np.array([false, false, false]), np.array([0, 0, 0], { dtype: "int32" })]];
    expect(back(ct)[0]!.item()).toBe(7);
    // c_3 = 0.5 x0 x1 x2 with the carry entering as a JS number (weak float32).
    const g = grad((xs: A) => lax.scan((c: A, x: A) => [np.multiply(c, x), c], 0.5 as unknown as A, xs)[0])(np.array([0.5, 0.2, -0.3]));
    expect(np.allclose(g, np.array([-0.03, -0.075, 0.05]), { rtol: 1e-6 })).toBe(true);
    testing.checkGrads((xs: A) => lax.scan((c: A, x: A) => [np.sin(np.multiply(c, x)), np.cos(c)], 0.5 as unknown as A, xs), [np.array([0.5, 0.2, -0.3])], 2, both);
  });
  it("lax.map", () => testing.checkGrads((xs: A) => lax.map((x: A) => np.sin(np.multiply(x, x)), xs), [rand([3, 2], 7)], 2, both));
});

describe("checkGrads through foriLoop, whileLoop and nested loops", () => {
  it("foriLoop with static bounds (a scan) closing over a differentiated value", () => {
    const f = (x: A, w: A) => lax.foriLoop(0, 4, (i: A, v: A) => np.add(np.sin(np.multiply(v, w)), lax.convertElementType(i, "float64")), x);
    testing.checkGrads(f, [f64([0.2, -0.5]), f64([1.1, 0.6])], 2, both);
  });
  it("whileLoop in forward mode (orders 1 and 2)", () => {
    const f = (x: A, w: A) =>
      lax.whileLoop(
        ([i]: [A, A]) => np.less(i, 4),
        ([i, v]: [A, A]) => [np.add(i, 1), np.add(np.multiply(np.sin(v), w), 0.1)] as [A, A],
        [np.array(0, { dtype: "int32" }), x] as [A, A],
      )[1];
    testing.checkGrads(f, [f64([0.2, -0.5]), f64([1.1, 0.6])], 2, fwdOnly);
  });
  it("whileLoop whose predicate closes over a differentiated value (its tangent cannot matter)", () => {
    // v = [1, 1] x^k for the first k with 2 x^k >= lim: with x = 1.5, lim = 10, k = 4.
    const w = (x: A, lim: A) => lax.whileLoop((v: A) => np.less(np.sum(v), lim), (v: A) => np.multiply(v, x), f64([1, 1]));
    const [y, t] = jvp(w, [f64(1.5), f64(10)], [f64(1), f64(1)]) as [A, A];
    expect(toList(y)).toEqual([1.5 ** 4, 1.5 ** 4]);
    expect(toList(t)).toEqual([4 * 1.5 ** 3, 4 * 1.5 ** 3]);
  });
  it("whileLoop whose trip count depends on the value (forward mode)", () => {
    // Newton's iteration for sqrt(a) until converged: the derivative is 1 / (2 sqrt(a)).
    const sqrt = (a: A) =>
      lax.whileLoop(
        ([x, prev]: [A, A]) => np.greater(np.abs(np.subtract(x, prev)), 1e-12),
        ([x]: [A, A]) => [np.multiply(0.5, np.add(x, np.divide(a, x))), x] as [A, A],
        [a, np.add(a, 1)] as [A, A],
      )[0];
    const [y, t] = jvp(sqrt, [f64(2)], [f64(1)]) as [A, A];
    expect(y.item()).toBeCloseTo(Math.SQRT2, 12);
    expect(t.item()).toBeCloseTo(1 / (2 * Math.SQRT2), 10);
  });
  it("scan in scan, cond in scan, fori in scan, scan in cond", () => {
    const nested = (W: A, xs: A) =>
      lax.scan(
        (c: A, row: A) => {
          const [d] = lax.scan((d: A, x: A) => [np.sin(np.add(np.multiply(d, x), np.sum(np.multiply(W, c)))), d], c.slice(0), row);
          return [np.multiply(c, np.cos(d)), d];
        },
        f64([1, 0.5]),
        xs,
      );
    testing.checkGrads(nested, [f64([0.3, -0.2]), rand([3, 2], 8)], 2, both);
    const condIn = (w: A, xs: A) =>
      lax.scan(
        (c: A, x: A) => {
          const cn = lax.cond(np.greater(x, 0), (c: A) => np.add(np.multiply(c, w), x), (c: A) => np.subtract(np.sin(c), np.multiply(w, x)), c);
          return [cn, np.multiply(cn, cn)];
        },
        f64(0.5),
        xs,
      );
    testing.checkGrads(condIn, [f64(0.7), f64([0.5, -0.3, 0.8, -0.9])], 2, both);
    const foriIn = (w: A, xs: A) =>
      lax.scan((c: A, x: A) => [lax.foriLoop(0, 3, (_i: A, v: A) => np.multiply(v, np.cos(np.multiply(w, x))), c), c], f64([0.3, 0.6]), xs);
    testing.checkGrads(foriIn, [f64([0.4, -0.7]), f64([0.5, 0.2, -0.6])], 2, both);
    const scanIn = (x: A, w: A) =>
      lax.cond(np.greater(np.sum(x), 0), (a: A) => lax.scan((c: A, y: A) => [np.add(np.multiply(c, y), w), c], a.slice(0), a), (a: A) => [np.sum(np.multiply(a, w)), a], x);
    testing.checkGrads(scanIn, [f64([0.3, 0.5, 0.7]), f64(0.4)], 2, both);
  });
});

describe("properties over shapes and values (fast-check)", () => {
  const dims = fc.record({ n: fc.integer({ min: 1, max: 3 }), len: fc.integer({ min: 1, max: 4 }), seed: fc.integer({ min: 1, max: 1e6 }) });
  it("RNN scan: checkGrads order 1 (fwd and rev), with reverse either way", () => {
    fc.assert(
      fc.property(dims, fc.boolean(), ({ n, len, seed }, reverse) => {
        testing.checkGrads(rnn({ reverse }), [rand([n, n], seed), rand([n], seed + 1), rand([len, n], seed + 2)], 1, both);
      }),
      { numRuns: 8 },
    );
  });
  it("grad of a scan equals grad of the same loop unrolled in JS", () => {
    fc.assert(
      fc.property(dims, ({ n, len, seed }) => {
        const W = rand([n, n], seed);
        const h0 = rand([n], seed + 1);
        const xs = rand([len, n], seed + 2);
        const loss = (f: (W: A, h0: A, xs: A) => A[]) => (W: A, h0: A, xs: A) => {
          const [h, ys] = f(W, h0, xs);
          return np.add(np.sum(np.square(h!)), np.sum(ys!));
        };
        const unrolled = (W: A, h0: A, xs: A) => {
          let h = h0;
          const ys: A[] = [];
          for (let t = 0; t < len; t++) {
            h = np.tanh(np.add(np.matmul(W, h), xs.slice(t)));
            ys.push(np.multiply(h, xs.slice(t)));
          }
          return [h, np.stack(ys)];
        };
        const g1 = grad(loss(rnn()), { argnums: [0, 1, 2] })(W, h0, xs) as A[];
        const g2 = grad(loss(unrolled), { argnums: [0, 1, 2] })(W, h0, xs) as A[];
        g1.forEach((g, i) => close(g, g2[i]!));
      }),
      { numRuns: 10 },
    );
  });
  it("cond: grad equals the grad of the branch taken, for random predicates", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 1e6 }), (n, seed) => {
        const x = rand([n], seed);
        const w = rand([n], seed + 1);
        const loss = (x: A, w: A) => np.sum(condFn(x, w));
        const taken = Number(np.sum(x).item()) > 0 ? (x: A, w: A) => np.sum(np.sin(np.multiply(x, w))) : (x: A, w: A) => np.sum(np.multiply(np.cos(x), w));
        const g1 = grad(loss, { argnums: [0, 1] })(x, w) as A[];
        const g2 = grad(taken, { argnums: [0, 1] })(x, w) as A[];
        g1.forEach((g, i) => expect(toList(g)).toEqual(toList(g2[i]!)));
      }),
      { numRuns: 10 },
    );
  });
});

describe("composition with jit, checkpoint, customJvp, customVjp and linearize", () => {
  const W = rand([3, 3], 11);
  const h0 = rand([3], 12);
  const xs = rand([4, 3], 13);
  const loss = (W: A, h0: A, xs: A) => {
    const [h, ys] = rnn()(W, h0, xs);
    return np.add(np.sum(h!), np.sum(np.square(ys!)));
  };
  const expected = grad(loss, { argnums: [0, 1, 2] })(W, h0, xs) as A[];
  const same = (got: A[]) => got.forEach((g, i) => close(g, expected[i]!));

  it("jit(grad(f)), grad(jit(f)) and jit(grad(jit(f))) agree with grad(f)", () => {
    same(jit(grad(loss, { argnums: [0, 1, 2] }))(W, h0, xs));
    same(grad(jit(loss), { argnums: [0, 1, 2] })(W, h0, xs));
    same(jit(grad(jit(loss), { argnums: [0, 1, 2] }))(W, h0, xs));
  });
  it("checkpoint inside the scan body: same gradient, recomputed in the backward scan", () => {
    const ckLoss = (W: A, h0: A, xs: A) => {
      const cell = checkpoint((h: A, x: A) => np.tanh(np.add(np.matmul(W, h), x)));
      const [h, ys] = lax.scan((h: A, x: A) => {
        const hn = cell(h, x);
        return [hn, np.multiply(hn, x)];
      }, h0, xs);
      return np.add(np.sum(h), np.sum(np.square(ys)));
    };
    same(grad(ckLoss, { argnums: [0, 1, 2] })(W, h0, xs));
    const text = makeJaxpr(grad(ckLoss))(W, h0, xs).toString();
    expect(text).toContain("checkpoint[");
    testing.checkGrads(ckLoss, [W, h0, xs], 2, { modes: ["rev"] });
  });
  it("checkGrads of jitted loops (orders 1 and 2, fwd and rev) and of foriLoop with traced bounds (fwd)", () => {
    testing.checkGrads(jit(rnn({ reverse: true })), [W, h0, xs], 2, both);
    testing.checkGrads(jit(condFn), [f64([0.3, 0.5, -0.1]), f64([0.7, -1.2, 0.4])], 2, both);
    const n = np.array(3, { dtype: "int32" });
    const fori = jit((x: A, n: A) => lax.foriLoop(0, n, (_i: A, v: A) => np.sin(np.multiply(v, x)), x));
    testing.checkGrads((x: A) => fori(x, n), [f64([0.4, 0.9])], 2, fwdOnly);
  });
  it("checkpoint around a whole scan: same gradient", () => {
    same(grad(checkpoint(loss), { argnums: [0, 1, 2] })(W, h0, xs));
    same(jit(grad(checkpoint(loss), { argnums: [0, 1, 2] }))(W, h0, xs));
  });
  it("bodies with dead code on differentiated values (their residuals are dropped)", () => {
    const f = (x: A, y: A) => {
      const c = lax.cond(np.greater(np.sum(y), 0), (a: A, b: A) => (np.multiply(b, a), np.multiply(a, 2)), (a: A) => a, y, x);
      const [s] = lax.scan((c: A, _: null) => (np.multiply(x, c), [np.multiply(c, 2), c]), y, null, { length: 3 });
      return np.add(np.sum(np.multiply(c, s)), np.sum(x));
    };
    expect(toList(grad(f)(f64([1, 2]), f64([3, 4])))).toEqual([1, 1]);
    testing.checkGrads(f, [f64([1, 2]), f64([3, 4])], 2, both);
  });
  it("customJvp inside a scan body: its rule is used in forward and reverse mode", () => {
    // A "sin" whose declared derivative is 2 (not cos): the derivative of the loop shows it.
    const s = customJvp((x: A) => np.sin(x));
    s.defjvp(([x], [t]) => [np.sin(x), np.multiply(t, 2)]);
    const f = (x: A) => lax.scan((c: A, _: null) => [s(c), null], x, null, { length: 3 })[0];
    expect(grad(f)(f64(0.3)).item()).toBeCloseTo(8, 12);
    expect((jvp(f, [f64(0.3)], [f64(1)]) as A[])[1]!.item()).toBeCloseTo(8, 12);
  });
  it("customVjp inside a scan body: its bwd is used; forward mode through it is JAX's TypeError", () => {
    const clip = customVjp((x: A) => np.multiply(x, 1));
    clip.defvjp(
      (x: A) => [np.multiply(x, 1), null],
      (_r: null, g: A) => [np.multiply(g, 0.5)],
    );
    const f = (x: A, w: A) => lax.scan((c: A, _: null) => [np.multiply(clip(c), w), null], x, null, { length: 3 })[0];
    // c1 = x w, c2 = clip(c1) w, c3 = clip(c2) w with clip' = 0.5 in reverse mode:
    // d/dx = (0.5 w)^3; d/dw = c2 + 0.5 w (c1 + 0.5 w x) = 4.5 + 0.75 (3 + 1.5) = 7.875.
    const [gx, gw] = grad(f, { argnums: [0, 1] })(f64(2), f64(1.5)) as A[];
    expect(gx!.item()).toBeCloseTo(0.75 ** 3, 12);
    expect(gw!.item()).toBeCloseTo(7.875, 12);
    expect(() => jvp(f, [f64(2), f64(1.5)], [f64(1), f64(0)])).toThrow(TypeError);
  });
  it("linearize through scan, cond and while gives the jvp", () => {
    const f = (x: A) => {
      const c = lax.cond(np.greater(np.sum(x), 0), (a: A) => np.sin(a), (a: A) => np.cos(a), x);
      const w = lax.whileLoop(([i]: [A, A]) => np.less(i, 3), ([i, v]: [A, A]) => [np.add(i, 1), np.multiply(v, c)] as [A, A], [np.array(0, { dtype: "int32" }), x] as [A, A])[1];
      return lax.scan((k: A, y: A) => [np.multiply(k, y), k], np.sum(w), w);
    };
    const x = f64([0.4, 0.9]);
    const t = f64([1, -0.5]);
    const [out, fJvp] = linearize(f, [x]) as [A[], (t: A) => A[]];
    const [pOut, tOut] = jvp(f, [x], [t]) as [A[], A[]];
    out.forEach((o, i) => expect(toList(o)).toEqual(toList(pOut[i]!)));
    fJvp(t).forEach((o, i) => close(o, tOut[i]!));
  });
});

describe("whileLoop in reverse mode: JAX's ValueError", () => {
  const message =
    "Reverse-mode differentiation does not work for lax.while_loop or lax.fori_loop with dynamic start/stop values. " +
    "Try using lax.scan, or using fori_loop with static start/stop.";
  const f = (x: A) => lax.whileLoop((v: A) => np.less(np.sum(v), 10), (v: A) => np.multiply(v, 2), x);
  const expectError = (fn: () => unknown) => {
    expect(fn).toThrow(ValueError);
    expect(fn).toThrow(message);
  };
  it("grad, vjp, jit(grad) and grad(jit)", () => {
    const x = f64([0.5, 1]);
    expectError(() => grad((x: A) => np.sum(f(x)))(x));
    expectError(() => (vjp(f, [x]) as [A, (ct: A) => A[]])[1](f64([1, 1])));
    expectError(() => jit(grad((x: A) => np.sum(f(x))))(x));
    expectError(() => grad(jit((x: A) => np.sum(f(x))))(x));
  });
  it("foriLoop with traced bounds under grad", () => {
    const g = (x: A, n: A) => np.sum(lax.foriLoop(0, n, (_i: A, v: A) => np.sin(v), x));
    expectError(() => jit((x: A, n: A) => grad(g)(x, n))(f64([0.5]), np.array(3, { dtype: "int32" })));
  });
  it("a while loop that does not depend on the differentiated input is fine", () => {
    const g = (x: A) => {
      const n = lax.whileLoop((k: A) => np.less(k, 5), (k: A) => np.add(k, 2), np.array(0, { dtype: "int32" }));
      return np.multiply(np.sum(x), lax.convertElementType(n, "float64"));
    };
    expect(toList(grad(g)(f64([1, 2])))).toEqual([6, 6]);
  });
});

describe("the jaxprs autodiff builds", () => {
  const eqnsOf = (text: string, prim: string) => text.split("\n").filter((l) => new RegExp(`= ${prim}\\[`).test(l));
  it("grad(scan) is a forward scan then a reversed scan (and the other way for reverse=true)", () => {
    const loss = (reverse: boolean) => (W: A, h0: A, xs: A) => np.sum(rnn({ reverse })(W, h0, xs)[1]!);
    const args = [rand([2, 2], 1), rand([2], 2), rand([3, 2], 3)] as const;
    for (const reverse of [false, true]) {
      const text = makeJaxpr(grad(loss(reverse)))(...args).toString();
      const scans = text.split("\n").filter((l) => / = scan\[|\] [a-z ]+$/.test(l) && l.includes("length=3"));
      expect(scans.length, text).toBe(2);
      expect(scans[0], text).toContain(`reverse=${reverse ? "True" : "False"}`);
      expect(scans[1], text).toContain(`reverse=${reverse ? "False" : "True"}`);
    }
  });
  it("linearize/vjp of an RNN does not stack the loop-invariant weights per step", () => {
    const W = rand([8, 8], 21);
    const loss = (W: A, h0: A, xs: A) => np.sum(rnn()(W, h0, xs)[0]!);
    const args = [W, rand([8], 22), rand([5, 8], 23)] as const;
    for (const text of [
      makeJaxpr((W: A, h0: A, xs: A) => (vjp(loss, [W, h0, xs]) as [A, (c: A) => A[]])[1](f64(1)))(...args).toString(),
      makeJaxpr(grad(loss))(...args).toString(),
      makeJaxpr((W: A, h0: A, xs: A) => (linearize(loss, [W, h0, xs]) as [A, (...t: A[]) => A])[1](W, h0, xs))(...args).toString(),
    ]) {
      expect(text).not.toContain("f64[5,8,8]");
      expect(text).toContain("scan[");
    }
  });
  it("nested scans do not stack the weights either (per outer or inner step)", () => {
    const W = rand([6, 6], 31);
    const loss = (W: A, xs: A) =>
      np.sum(
        lax.scan(
          (h: A, row: A) => [lax.scan((g: A, x: A) => [np.tanh(np.add(np.matmul(W, g), x)), null], h, row)[0], null],
          rand([6], 32),
          xs,
        )[0],
      );
    const text = makeJaxpr(grad(loss))(W, rand([3, 4, 6], 33)).toString();
    expect(text).not.toMatch(/f64\[(3,4|3|4),6,6\]/);
    expect(text.match(/reverse=True/g)?.length, text).toBe(2);
  });
  it("jvp keeps symbolic zeros: a carry that never sees the tangent gets no tangent carry", () => {
    const f = (x: A) => lax.scan((c: A, y: A) => [np.add(c, 1), np.multiply(y, x)], f64(0), f64([1, 2, 3]));
    const text = makeJaxpr((x: A, t: A) => jvp(f, [x], [t]))(f64(2), f64(1)).toString();
    const scan = eqnsOf(text, "scan").join("\n") + text.slice(text.lastIndexOf("] "));
    expect(text, scan).toContain("num_carry=1");
    // A tangent that reaches no output: the primal scan alone (two operands), zero tangents.
    const h = (x: A) => lax.scan((c: A, _y: A) => [np.add(c, 1), np.multiply(c, 2)], f64(0), x);
    const hText = makeJaxpr((x: A, t: A) => jvp(h, [x], [t]))(f64([1, 2]), f64([1, 1])).toString();
    expect(hText, hText).toContain("linear=(False, False)");
    expect(toList((jvp(h, [f64([1, 2])], [f64([1, 1])]) as A[][])[1]![1]!)).toEqual([0, 0]);
    // The jvp of a cond differentiates only the operands with tangents.
    const g = (x: A, y: A) => lax.cond(np.greater(y, 0), (a: A, b: A) => np.multiply(a, b), (a: A, _b: A) => a, x, y);
    const condText = makeJaxpr((x: A, t: A) => jvp((x: A) => g(x, f64(3)), [x], [t]))(f64(2), f64(1)).toString();
    expect(condText.match(/cond\[/g)?.length, condText).toBe(1);
  });
  it("grad(cond) has a cond forward and a transposed cond backward; branches share residual slots", () => {
    const j = makeJaxpr(grad((x: A, w: A) => np.sum(condFn(x, w))))(f64([0.5, 0.2, 0.1]), f64([1, 2, 3])).jaxpr;
    const conds = j.eqns.filter((e) => e.primitive === "cond");
    expect(conds.length, j.toString()).toBe(2);
    // Each branch needs two f64[3] residuals (sin/cos and w or a): two shared slots, not four.
    expect(conds[0]!.outVars.map((v) => v.aval.toString()), j.toString()).toEqual(["f64[3]", "f64[3]", "f64[3]"]);
  });
  it("partial evaluation of a cond with an unknown index makes every output unknown", () => {
    const j = makeJaxpr((i: A, x: A) => lax.switch(i, [(a: A) => np.sin(a), (a: A) => a], x))(np.array(0, { dtype: "int32" }), f64(1));
    // Find the cond equation and split its jaxpr with the index unknown and the operand known.
    const split = partialEvalJaxpr(j.jaxpr, [true, false]);
    expect(split.outUnknowns).toEqual([true]);
    const known = partialEvalJaxpr(j.jaxpr, [false, false]);
    expect(known.outUnknowns).toEqual([false]);
  });
});
