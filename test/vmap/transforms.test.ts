/**
 * vmap composed with the other transforms: vmap of jit and jit of vmap, checkpoint, customJvp
 * and customVjp functions (vmap of their grads, grads of their vmaps), per-example gradients,
 * grad of vmap, jvp of vmap and vmap of jvp, and nested vmaps, against loops.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { checkpoint, customJvp, customVjp, grad, jacfwd, jacrev, jit, jvp, lax, linearize, makeJaxpr, numpy as np, vjp, vmap } from "../../src/index.js";
import {
  type Arr,
  type AxisSpec,
  type Spec,
  RUNS_SCALE,
  arrayArb,
  expectTreeClose,
  loopVmap,
  range,
  shapeArb,
  vmapProperty,
} from "./helpers.js";

const runs = (n: number) => Math.max(1, Math.round(n * RUNS_SCALE));

// A few per-example functions of (x, y) of one shape, with several primitives each.
const BODIES: [string, (x: Arr, y: Arr) => unknown][] = [
  ["elementwise", (x, y) => np.add(np.sin(x), np.multiply(y, np.cos(x)))],
  ["reduce and broadcast", (x, y) => np.subtract(x, np.mean(np.multiply(x, y), null, { keepdims: true }))],
  ["two outputs", (x, y) => [np.sum(np.square(x)), np.maximum(x, y)]],
  ["dict output", (x, y) => ({ b: np.tanh(np.multiply(x, y)), a: np.cumsum(x) })],
  ["indexing", (x, y) => np.add(np.flip(x), np.take(y, np.array([0], { dtype: "int32" })))],
];

const bodySpecs = (wrap: (f: (x: Arr, y: Arr) => unknown) => (x: Arr, y: Arr) => unknown, outer?: (f: any) => any) =>
  fc.tuple(fc.constantFrom(...BODIES), shapeArb(1, 3)).map(
    ([[name, body], shape]): Spec => ({
      name,
      f: wrap(body),
      args: [
        { shape, kind: "f" },
        { shape, kind: "f" },
      ],
      ...(outer ? { outer } : {}),
    }),
  );

describe("vmap and jit", () => {
  it("vmap(jit(f))", () => vmapProperty(bodySpecs((f) => jit(f)), 10));
  it("jit(vmap(f))", () => vmapProperty(bodySpecs((f) => f, (g) => jit(g)), 10));
  it("jit(vmap(jit(f)))", () => vmapProperty(bodySpecs((f) => jit(f), (g) => jit(g)), 5));

  it("vmap of a jitted function keeps outputs that do not depend on the batch unmapped", () => {
    const f = jit((x: Arr, c: Arr) => [np.multiply(x, c), np.exp(c), np.arange(3)]);
    const xs = np.array([[1, 2, 3], [4, 5, 6]], { dtype: "float64" });
    const c = np.array([0.5, 1, 2], { dtype: "float64" });
    const [a, b, r] = vmap(f, { inAxes: [0, null], outAxes: [0, null, null] })(xs, c) as Arr[];
    expectTreeClose([a, b, r], [np.multiply(xs, c), np.exp(c), np.arange(3)]);
    // ... and the jaxpr of vmap(jit(f)) is one jit call, no loop.
    const text = makeJaxpr(vmap(f, { inAxes: [0, null], outAxes: [1, null, null] }))(xs, c).toString();
    expect(text.match(/\bjit\[/g) ?? text.match(/pjit|jit/g), text).toHaveLength(1);
  });

  it("vmap(jit(f)) with static arguments", () => {
    const f = jit((x: Arr, axis: number) => np.cumsum(x, axis), { staticArgnums: [1] });
    const xs = np.arange(24).reshape([2, 3, 4]).astype("float64");
    expectTreeClose(vmap((x: Arr) => f(x, 1), 2)(xs), loopVmap((x: Arr) => np.cumsum(x, 1), [xs], 2, 0, 4));
  });
});

describe("vmap and checkpoint", () => {
  it("vmap(checkpoint(f))", () => vmapProperty(bodySpecs((f) => checkpoint(f)), 8));
  it("vmap(grad(checkpoint(f))) and grad of vmap(checkpoint(f))", () => {
    const f = checkpoint((x: Arr, w: Arr) => np.sum(np.sin(np.matmul(x, w))));
    const xs = np.array([[0.1, 0.2], [0.3, -0.4], [1.5, 0.7]], { dtype: "float64" });
    const w = np.array([[1, -1, 0.5], [0.25, 2, -0.3]], { dtype: "float64" });
    expectTreeClose(vmap(grad(f, { argnums: [0, 1] }), { inAxes: [0, null] })(xs, w), loopVmap(grad(f, { argnums: [0, 1] }), [xs, w], [0, null], 0, 3));
    const gw = grad((w2: Arr) => np.sum(vmap(f, { inAxes: [0, null] })(xs, w2)))(w);
    expectTreeClose(gw, range(3).map((i) => grad(f, { argnums: 1 })(xs.slice(i), w)).reduce((a, b) => np.add(a, b)));
  });
});

// --- custom derivatives ---------------------------------------------------------------------------

const captured = np.array([0.5, -1.5, 2], { dtype: "float64" });

/** sin with the rule 2 cos(x) t (not the true derivative, so the rule is visibly used). */
const sin2 = customJvp(function sin2(x: Arr) {
  return np.sin(x);
}).defjvp(([x], [t]) => [np.sin(x), np.multiply(np.multiply(2, np.cos(x)), t)]);

/** x * y + sum(captured), with the rule using 10 x dy; closes over a constant. */
const mulc = customJvp(function mulc(x: Arr, y: Arr) {
  return np.add(np.multiply(x, y), np.sum(captured));
}).defjvp(([x, y], [tx, ty]) => [np.add(np.multiply(x, y), np.sum(captured)), np.add(np.multiply(y, tx), np.multiply(np.multiply(10, x), ty))]);

/** sin with bwd 3 cos(x) g, residuals in an object. */
const sin3 = customVjp(function sin3(x: Arr) {
  return np.sin(x);
}).defvjp(
  (x: Arr) => [np.sin(x), { c: np.cos(x) }],
  (res: { c: Arr }, g: Arr) => [np.multiply(np.multiply(3, res.c), g)],
);

/** x * sin(y) * captured-sum with bwd scaled by 0.5 for y; no residuals beyond the inputs. */
const xsin = customVjp(function xsin(x: Arr, y: Arr) {
  return np.multiply(np.multiply(x, np.sin(y)), np.sum(captured));
}).defvjp(
  (x: Arr, y: Arr) => [np.multiply(np.multiply(x, np.sin(y)), np.sum(captured)), [x, y]],
  ([x, y]: Arr[], g: Arr) => [np.multiply(np.multiply(np.sin(y!), np.sum(captured)), g), np.multiply(0.5, np.multiply(np.multiply(x!, np.cos(y!)), g))],
);

/** 2x with empty residuals. */
const double5 = customVjp(function double5(x: Arr) {
  return np.multiply(2, x);
}).defvjp(
  (x: Arr) => [np.multiply(2, x), []],
  (_res: unknown, g: Arr) => [np.multiply(5, g)],
);

const CUSTOM: [string, (x: Arr, y: Arr) => Arr][] = [
  ["customJvp sin2", (x) => sin2(x)],
  ["customJvp mulc", (x, y) => mulc(x, y)],
  ["customVjp sin3", (x) => sin3(x)],
  ["customVjp xsin", (x, y) => xsin(x, y)],
  ["customVjp double5", (x, y) => np.add(double5(x), y)],
];

const customSpecs = (wrap: (f: (x: Arr, y: Arr) => Arr, name: string) => (x: Arr, y: Arr) => unknown) =>
  fc.tuple(fc.constantFrom(...CUSTOM), fc.constantFrom([3], [2, 3], [])).map(
    ([[name, body], shape]): Spec => ({
      name,
      f: wrap(body, name),
      args: [
        { shape, kind: "f" },
        { shape, kind: "f" },
      ],
    }),
  );

describe("vmap of customJvp and customVjp functions", () => {
  it("vmap(f)", () => vmapProperty(customSpecs((f) => f), 12));
  it("vmap(grad(f)) (the custom rules are used per example)", () =>
    vmapProperty(
      customSpecs((f) => grad((x: Arr, y: Arr) => np.sum(f(x, y)), { argnums: [0, 1] })),
      12,
    ));
  it("vmap(jit(grad(f))) and jit(vmap(grad(f)))", () => {
    vmapProperty(customSpecs((f) => jit(grad((x: Arr, y: Arr) => np.sum(f(x, y)), { argnums: [0, 1] }))), 8);
    vmapProperty(customSpecs((f) => grad((x: Arr, y: Arr) => np.sum(f(x, y)), { argnums: [0, 1] })).map((s) => ({ ...s, outer: (g: any) => jit(g) })), 6);
  });
  it("vmap(grad(grad(f))) of scalar functions", () =>
    vmapProperty(
      fc.constantFrom(...CUSTOM.filter(([n]) => n !== "customVjp xsin")).map(([name, body]): Spec => ({
        name,
        f: grad(grad((x: Arr) => body(x, x))),
        args: [{ shape: [], kind: "f" }],
      })),
      5,
    ));
  it("vmap(jvp(f)) with tangents mapped or not", () =>
    vmapProperty(
      customSpecs((f, name) => (x: Arr, t: Arr) => (name.startsWith("customVjp") ? vjp((a: Arr) => f(a, a), [x])[1](t) : jvp((a: Arr) => f(a, a), [x], [t]))),
      10,
    ));

  it("customVjp in forward mode stays an error under vmap (jacfwd, vmap of a linearized function), as in JAX", () => {
    const x = np.array([0.1, 0.2], { dtype: "float64" });
    expect(() => jacfwd(sin3)(x)).toThrow(TypeError);
    const [, fJvp] = linearize(sin3, [x]);
    let unbatched: unknown;
    try {
      fJvp(x);
    } catch (e) {
      unbatched = (e as Error).message;
    }
    expect(unbatched).toBeDefined();
    expect(() => vmap(fJvp)(np.stack([x, x]))).toThrow(unbatched as string);
    // reverse mode through vmap: jacrev = vmap of the pullback, with the custom bwd rule
    expectTreeClose(jacrev(sin3)(x), np.multiply(np.eye(2, null, { dtype: "float64" }), np.multiply(3, np.cos(x))));
  });

  it.each(CUSTOM)("grad of sum(vmap(%s)) and jvp of vmap(f) equal the per-example derivatives", (_name, body) => {
    fc.assert(
      fc.property(
        fc.constantFrom([3], [2, 2]).chain((shape) =>
          fc.tuple(fc.constantFrom(0, -1, shape.length), fc.constantFrom<number | null>(0, null)).chain(([ax, ay]) => {
            const bshape = (a: number | null) => (a === null ? shape : (() => { const s = [...shape]; s.splice(a < 0 ? a + s.length + 1 : a, 0, 2); return s; })());
            return fc.tuple(fc.constant(ax), fc.constant(ay), arrayArb(bshape(ax), "f"), arrayArb(bshape(ay), "f"));
          }),
        ),
        ([ax, ay, xs, ys]) => {
          const inAxes = [ax, ay];
          const loss = (x: Arr, y: Arr) => np.sum(vmap(body, { inAxes })(x, y));
          const [gx, gy] = grad(loss, { argnums: [0, 1] })(xs, ys) as Arr[];
          // Per example: grad of sum(body) at each slice, stacked back along the in axes; an
          // unmapped argument's gradient is the sum over examples.
          const per = loopVmap(grad((x: Arr, y: Arr) => np.sum(body(x, y)), { argnums: [0, 1] }), [xs, ys], inAxes, [ax, 0], 2) as Arr[];
          expectTreeClose(gx, per[0]);
          expectTreeClose(gy, ay === null ? np.sum(per[1]!, 0) : per[1]);
          if (!_name.startsWith("customVjp")) {
            const [, tOut] = jvp(vmap(body, { inAxes }), [xs, ys], [np.onesLike(xs), np.zerosLike(ys)]);
            const tLoop = loopVmap((x: Arr, y: Arr) => jvp((a: Arr) => body(a, y), [x], [np.onesLike(x)])[1], [xs, ys], inAxes, 0, 2);
            expectTreeClose(tOut, tLoop);
          }
        },
      ),
      { numRuns: runs(4) },
    );
  });
});

// --- per-example gradients, grad of vmap ---------------------------------------------------------

describe("per-example gradients", () => {
  const loss = (params: { w: Arr; b: Arr }, x: Arr, y: Arr) => {
    const pred = np.add(np.matmul(x, params.w), params.b);
    return np.mean(np.square(np.subtract(np.tanh(pred), y)));
  };

  it("vmap(grad(loss), {inAxes: [null, 0, 0]}) equals the loop of grads (params as a dict)", () => {
    fc.assert(
      fc.property(
        fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 4 })).chain(([din, dout, n]) =>
          fc.record({
            w: arrayArb([din, dout], "f"),
            b: arrayArb([dout], "f"),
            x: arrayArb([n, din], "f"),
            y: arrayArb([n, dout], "f"),
          }),
        ),
        ({ w, b, x, y }) => {
          const n = x.shape[0]!;
          const g = vmap(grad(loss), { inAxes: [null, 0, 0] })({ w, b }, x, y);
          expectTreeClose(g, loopVmap(grad(loss), [{ w, b }, x, y], [null, 0, 0], 0, n));
          // The same with in_axes as a tree prefix of the params (w unmapped, b unmapped) and y along axis 1.
          const g2 = vmap(grad(loss), { inAxes: [{ w: null, b: null }, 0, 1] })({ w, b }, x, np.transpose(y));
          expectTreeClose(g2, g);
          // Mean of per-example gradients is the gradient of the mean loss.
          const full = grad((p: { w: Arr; b: Arr }) => np.mean(vmap(loss, { inAxes: [null, 0, 0] })(p, x, y)))({ w, b });
          expectTreeClose(full, { w: np.mean((g as any).w, 0), b: np.mean((g as any).b, 0) }, { rtol: 1e-10, atol: 1e-12 });
        },
      ),
      { numRuns: runs(6) },
    );
  });
});

// --- nested vmap ----------------------------------------------------------------------------------

describe("nested vmap", () => {
  it("vmap(vmap(f, inner), outer) equals the double loop, for random axes", () => {
    fc.assert(
      fc.property(
        fc
          .tuple(fc.constantFrom(...BODIES), shapeArb(0, 2), fc.integer({ min: -2, max: 1 }), fc.integer({ min: 0, max: 2 }), fc.constantFrom<number | null>(0, null), fc.constantFrom(2, 3), fc.constantFrom(1, 2))
          .chain(([body, shape, ai0, ao, ayOuter, n, m]) => {
            const ai = (((ai0 % (2 * shape.length + 2)) + 2 * shape.length + 2) % (2 * shape.length + 2)) - (shape.length + 1);
            // x: inner axis ai (of the per-example rank + 1), then outer axis ao; y: only the outer axis (or unmapped).
            const inner = [...shape];
            inner.splice(ai < 0 ? ai + inner.length + 1 : ai, 0, m);
            const outer = [...inner];
            outer.splice(Math.min(ao, outer.length), 0, n);
            const yShape = ayOuter === null ? shape : [n, ...shape];
            return fc.tuple(fc.constant(body), fc.constant([ai, ao, ayOuter, n, m] as const), arrayArb(outer, "f"), arrayArb(yShape, "f"));
          }),
        ([[name, body], [ai, ao0, ayOuter, n, m], xs, ys]) => {
          const ao = Math.min(ao0, xs.ndim - 1);
          const innerF = vmap(body, { inAxes: [ai, null], outAxes: -1 });
          const outerF = vmap(innerF, { inAxes: [ao, ayOuter], outAxes: 1 });
          const expected = loopVmap((x: Arr, y: Arr) => loopVmap(body, [x, y], [ai, null], -1, m), [xs, ys], [ao, ayOuter], 1, n);
          expectTreeClose(outerF(xs, ys), expected, {}, name);
        },
      ),
      { numRuns: runs(10) },
    );
  });

  it("vmap(vmap(jit(grad(f)))) and grad through nested vmaps", () => {
    const f = (x: Arr, w: Arr) => np.sum(np.sin(np.multiply(x, w)));
    const xs = np.reshape(np.linspace(-1, 1, 24), [2, 3, 4]).astype("float64");
    const w = np.array([0.5, -1, 2, 0.25], { dtype: "float64" });
    const g = vmap(vmap(jit(grad(f)), { inAxes: [0, null] }), { inAxes: [1, null], outAxes: 2 })(xs, w);
    const expected = loopVmap((x: Arr, ww: Arr) => loopVmap(grad(f), [x, ww], [0, null], 0, 2), [xs, w], [1, null], 2, 3);
    expectTreeClose(g, expected);
    const gw = grad((ww: Arr) => np.sum(vmap(vmap(f, { inAxes: [0, null] }), { inAxes: [0, null] })(xs, ww)))(w);
    expectTreeClose(gw, grad((ww: Arr) => f(np.reshape(xs, [-1, 4]), ww))(w));
  });

  it("an inner vmap over an argument the outer vmap does not map", () => {
    const xs = np.arange(6).reshape([2, 3]).astype("float64");
    const ys = np.arange(4).astype("float64");
    // outer over x's rows, inner over y (closed over from the outer level, unmapped there)
    const f = vmap((x: Arr) => vmap((y: Arr) => np.add(np.sum(x), y))(ys));
    expectTreeClose(f(xs), np.add(np.sum(xs, 1, { keepdims: true }), ys));
  });
});

describe("vmap with lax control of batch dims", () => {
  it("vmap of a function of a size-0 mapped axis", () => {
    const xs = np.zeros([0, 3], { dtype: "float64" });
    const out = vmap((x: Arr) => np.sum(np.sin(x)))(xs);
    expect([...out.shape]).toEqual([0]);
    const mm = vmap((x: Arr, w: Arr) => np.matmul(x, w), { inAxes: [0, null] })(np.zeros([0, 2, 3], { dtype: "float64" }), np.ones([3, 4], { dtype: "float64" }));
    expect([...mm.shape]).toEqual([0, 2, 4]);
    const cv = vmap((l: Arr, r: Arr) => lax.convGeneralDilated(l, r, [1], "SAME"))(np.zeros([0, 1, 2, 5], { dtype: "float64" }), np.zeros([0, 3, 2, 3], { dtype: "float64" }));
    expect([...cv.shape]).toEqual([0, 1, 3, 5]);
  });
});

void ([] as AxisSpec[]);
