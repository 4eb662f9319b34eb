/**
 * Rule: JAX's (NumPy's, optax's, stax's) positional arguments work in the same positions, and
 * give the same results as the trailing options object. Each case builds the same thing both
 * ways and compares the results exactly (the same computation runs either way).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import * as jaxts from "../../src/index.js";

const { numpy: np, optax, stax, random, nn, tree, testing } = jaxts;
type A = jaxts.Array;

/** Two results are the same tree with bitwise-equal leaves (NaNs equal). */
function expectSame(a: unknown, b: unknown): void {
  const [la, ta] = tree.flatten(a);
  const [lb, tb] = tree.flatten(b);
  expect(tree.treeDefString(ta)).toBe(tree.treeDefString(tb));
  la.forEach((x, i) => {
    const y = lb[i];
    if (x instanceof np.Array && y instanceof np.Array) {
      expect(y.dtype).toBe(x.dtype);
      expect(y.shape).toEqual(x.shape);
      expect(Array.from(y.dataSync() as ArrayLike<number>)).toEqual(Array.from(x.dataSync() as ArrayLike<number>));
    } else expect(y).toEqual(x);
  });
}

const vec = (n: number) => testing.arbitraries.array({ shape: [n], min: -2, max: 2 });
const runs = { numRuns: 15 };

describe("transforms: argnums and the rest in JAX's positions", () => {
  const f = (x: A, y: A) => np.sum(np.multiply(np.sin(x), np.multiply(y, y)));
  const withAux = (x: A, y: A) => [f(x, y), np.cos(x)];
  it("grad(f, 1) differentiates argument 1, as grad(f, {argnums: 1})", () => {
    fc.assert(
      fc.property(vec(3), vec(3), (x, y) => {
        const g = jaxts.grad(f, 1)(x, y);
        expectSame(g, jaxts.grad(f, { argnums: 1 })(x, y));
        // and it is the derivative in y, not x: 2 y sin(x)
        expect(np.allclose(g, np.multiply(2, np.multiply(y, np.sin(x))), { rtol: 1e-5, atol: 1e-6 })).toBe(true);
      }),
      runs,
    );
  });
  it("grad, valueAndGrad, jacfwd, jacrev, hessian: (f, argnums, hasAux) positionally", () => {
    fc.assert(
      fc.property(vec(3), vec(3), (x, y) => {
        expectSame(jaxts.grad(f, [0, 1])(x, y), jaxts.grad(f, { argnums: [0, 1] })(x, y));
        expectSame(jaxts.grad(withAux, 0, true)(x, y), jaxts.grad(withAux, { argnums: 0, hasAux: true })(x, y));
        expectSame(jaxts.grad(f, 1, false, false, true)(x, y), jaxts.grad(f, { argnums: 1, allowInt: true })(x, y));
        expectSame(jaxts.valueAndGrad(withAux, 1, true)(x, y), jaxts.valueAndGrad(withAux, { argnums: 1, hasAux: true })(x, y));
        expectSame(jaxts.jacfwd(f, 1)(x, y), jaxts.jacfwd(f, { argnums: 1 })(x, y));
        expectSame(jaxts.jacrev(f, [1])(x, y), jaxts.jacrev(f, { argnums: [1] })(x, y));
        expectSame(jaxts.hessian(f, 1)(x, y), jaxts.hessian(f, { argnums: 1 })(x, y));
        expectSame(jaxts.jacrev(withAux, 0, true)(x, y), jaxts.jacrev(withAux, { hasAux: true })(x, y));
      }),
      runs,
    );
  });
  it("vmap(f, inAxes, outAxes, axisName, axisSize) and jvp(f, primals, tangents, hasAux)", () => {
    const g = (x: A, y: A) => np.multiply(x, y);
    const xs = np.reshape(np.arange(6, { dtype: "float32" }), [2, 3]);
    const y = np.array([1, 2, 3]);
    expectSame(jaxts.vmap(g, [0, null], 1)(xs, y), jaxts.vmap(g, { inAxes: [0, null], outAxes: 1 })(xs, y));
    expectSame(jaxts.vmap(() => np.ones([2]), [], 0, null, 3)(), jaxts.vmap(() => np.ones([2]), { inAxes: [], axisSize: 3 })());
    const h = (x: A) => [np.sin(x), np.cos(x)];
    expectSame(jaxts.jvp(h, [y], [y], true), jaxts.jvp(h, [y], [y], { hasAux: true }));
  });
  it("a positional value that JAX does not support is a clear error, not ignored", () => {
    expect(() => jaxts.grad(f, 0, false, true as never)).toThrow(/grad: holomorphic must be false \(jaxts has no complex numbers\)/);
    expect(() => jaxts.vmap(f, 0, 0, "batch" as never)).toThrow(/vmap: axisName must be null/);
  });
});

describe("optax: optax's positional order", () => {
  const params = { w: np.array([1, -2, 3]), b: np.array(0.5) };
  const grads = [
    { w: np.array([0.1, -0.3, 0.2]), b: np.array(-1) },
    { w: np.array([-0.2, 0.1, 0.4]), b: np.array(0.5) },
    { w: np.array([0.3, 0.3, -0.1]), b: np.array(0.25) },
  ];
  /** The params after three steps of `opt`. */
  function run(opt: jaxts.optax.GradientTransformation) {
    let p: unknown = params;
    let state = opt.init(p);
    for (const g of grads) {
      const [u, s] = opt.update(g, state, p);
      state = s;
      p = optax.applyUpdates(p, u);
    }
    return p;
  }
  const cases: [string, () => jaxts.optax.GradientTransformation, () => jaxts.optax.GradientTransformation][] = [
    ["sgd", () => optax.sgd(0.1, 0.9, true), () => optax.sgd(0.1, { momentum: 0.9, nesterov: true })],
    ["adam", () => optax.adam(0.1, 0.8, 0.9, 1e-6, 0.1), () => optax.adam(0.1, { b1: 0.8, b2: 0.9, eps: 1e-6, epsRoot: 0.1 })],
    ["adamw", () => optax.adamw(0.1, 0.8, 0.9, 1e-6, 0, null, 0.01), () => optax.adamw(0.1, { b1: 0.8, b2: 0.9, eps: 1e-6, weightDecay: 0.01 })],
    ["adamw mask", () => optax.adamw(0.1, 0.9, 0.999, 1e-8, 0, null, 0.1, { w: true, b: false }), () => optax.adamw(0.1, { weightDecay: 0.1, mask: { w: true, b: false } })],
    ["nadam", () => optax.nadam(0.1, 0.8), () => optax.nadam(0.1, { b1: 0.8 })],
    ["nadamw", () => optax.nadamw(0.1, 0.8, 0.9, 1e-8, 0, null, 0.05), () => optax.nadamw(0.1, { b1: 0.8, b2: 0.9, weightDecay: 0.05 })],
    [
      "rmsprop",
      () => optax.rmsprop(0.1, 0.8, 1e-6, 0.1, false, true, 0.5, true, true),
      () => optax.rmsprop(0.1, { decay: 0.8, eps: 1e-6, initialScale: 0.1, epsInSqrt: false, centered: true, momentum: 0.5, nesterov: true, biasCorrection: true }),
    ],
    ["adagrad", () => optax.adagrad(0.1, 0.2, 1e-5), () => optax.adagrad(0.1, { initialAccumulatorValue: 0.2, eps: 1e-5 })],
    ["lamb", () => optax.lamb(0.1, 0.8, 0.9, 1e-5, 0, 0.01), () => optax.lamb(0.1, { b1: 0.8, b2: 0.9, eps: 1e-5, weightDecay: 0.01 })],
    ["lion", () => optax.lion(0.1, 0.8, 0.95, null, 0.01), () => optax.lion(0.1, { b1: 0.8, b2: 0.95, weightDecay: 0.01 })],
    ["scaleByAdam", () => optax.scaleByAdam(0.8, 0.9, 1e-6), () => optax.scaleByAdam({ b1: 0.8, b2: 0.9, eps: 1e-6 })],
    ["scaleByRms", () => optax.scaleByRms(0.8, 1e-5, 0.1, false, true), () => optax.scaleByRms({ decay: 0.8, eps: 1e-5, initialScale: 0.1, epsInSqrt: false, biasCorrection: true })],
    ["scaleByStddev", () => optax.scaleByStddev(0.8, 1e-5), () => optax.scaleByStddev({ decay: 0.8, eps: 1e-5 })],
    ["scaleByRss", () => optax.scaleByRss(0.2, 1e-5), () => optax.scaleByRss({ initialAccumulatorValue: 0.2, eps: 1e-5 })],
    ["scaleByLion", () => optax.scaleByLion(0.8, 0.95), () => optax.scaleByLion({ b1: 0.8, b2: 0.95 })],
    ["scaleByTrustRatio", () => optax.scaleByTrustRatio(0.1, 0.5, 1e-3), () => optax.scaleByTrustRatio({ minNorm: 0.1, trustCoefficient: 0.5, eps: 1e-3 })],
    ["trace", () => optax.trace(0.9, true), () => optax.trace({ decay: 0.9, nesterov: true })],
    ["addDecayedWeights", () => optax.addDecayedWeights(0.1, { w: true, b: false }), () => optax.addDecayedWeights({ weightDecay: 0.1, mask: { w: true, b: false } })],
  ];
  for (const [name, positional, options] of cases) {
    it(`${name}: positional = options`, () => expectSame(run(positional()), run(options())));
  }
  it("sgd(0.1, 0.9) has momentum (it differs from plain sgd and equals trace + scale)", () => {
    const withMomentum = run(optax.sgd(0.1, 0.9));
    expect(() => expectSame(withMomentum, run(optax.sgd(0.1)))).toThrow();
    expectSame(withMomentum, run(optax.chain(optax.trace(0.9), optax.scale(-0.1))));
  });
});

describe("optax schedules: positional, options, and all-by-name forms agree", () => {
  const count = fc.integer({ min: 0, max: 250 });
  const forms: [string, jaxts.optax.Schedule[]][] = [
    [
      "cosineDecaySchedule",
      [
        optax.cosineDecaySchedule(0.1, 100, 0.2, 2),
        optax.cosineDecaySchedule(0.1, 100, { alpha: 0.2, exponent: 2 }),
        optax.cosineDecaySchedule({ initValue: 0.1, decaySteps: 100, alpha: 0.2, exponent: 2 }),
      ],
    ],
    [
      "exponentialDecay",
      [
        optax.exponentialDecay(0.1, 10, 0.5, 5, true, 0.01),
        optax.exponentialDecay(0.1, 10, 0.5, { transitionBegin: 5, staircase: true, endValue: 0.01 }),
        optax.exponentialDecay({ initValue: 0.1, transitionSteps: 10, decayRate: 0.5, transitionBegin: 5, staircase: true, endValue: 0.01 }),
      ],
    ],
    ["linearSchedule", [optax.linearSchedule(1, 0, 10, 5), optax.linearSchedule(1, 0, 10, { transitionBegin: 5 }), optax.linearSchedule({ initValue: 1, endValue: 0, transitionSteps: 10, transitionBegin: 5 })]],
    ["polynomialSchedule", [optax.polynomialSchedule(1, 0, 2, 10, 5), optax.polynomialSchedule({ initValue: 1, endValue: 0, power: 2, transitionSteps: 10, transitionBegin: 5 })]],
    [
      "warmupCosineDecaySchedule",
      [
        optax.warmupCosineDecaySchedule(0, 1, 10, 100, 0.1, 2),
        optax.warmupCosineDecaySchedule(0, 1, 10, 100, { endValue: 0.1, exponent: 2 }),
        optax.warmupCosineDecaySchedule({ initValue: 0, peakValue: 1, warmupSteps: 10, decaySteps: 100, endValue: 0.1, exponent: 2 }),
      ],
    ],
    ["piecewiseConstantSchedule", [optax.piecewiseConstantSchedule(1, { 10: 0.5, 20: 0.1 }), optax.piecewiseConstantSchedule({ initValue: 1, boundariesAndScales: { 10: 0.5, 20: 0.1 } })]],
    ["constantSchedule", [optax.constantSchedule(2), optax.constantSchedule({ value: 2 })]],
    [
      "joinSchedules",
      [
        optax.joinSchedules([optax.constantSchedule(1), optax.linearSchedule(1, 0, 10)], [5]),
        optax.joinSchedules({ schedules: [optax.constantSchedule(1), optax.linearSchedule(1, 0, 10)], boundaries: [5] }),
      ],
    ],
  ];
  for (const [name, schedules] of forms) {
    it(`${name}`, () => {
      fc.assert(
        fc.property(count, (c) => {
          const values = schedules.map((s) => s(c) as number);
          // The options forms used to leave arguments undefined and give NaN later: never again.
          for (const v of values) expect(Number.isFinite(v)).toBe(true);
          for (const v of values.slice(1)) expect(v).toBe(values[0]);
        }),
        { numRuns: 30 },
      );
    });
  }
});

describe("stax: stax's positional order", () => {
  const key = random.PRNGKey(3);
  /** Same init (shape and params) and apply for both layers. */
  function expectSameLayer(a: jaxts.stax.Layer, b: jaxts.stax.Layer, inputShape: number[]) {
    const [sa, pa] = a[0](key, inputShape);
    const [sb, pb] = b[0](key, inputShape);
    expect(sb).toEqual(sa);
    expectSame(pa, pb);
    const x = random.normal(random.PRNGKey(4), inputShape);
    expectSame(a[1](pa, x, { rng: key }), b[1](pb, x, { rng: key }));
    return sa;
  }
  const img = [2, 8, 8, 3];
  it("Conv(out, filterShape, strides, padding) uses the strides and padding", () => {
    const s = expectSameLayer(stax.Conv(4, [3, 3], [2, 2], "SAME"), stax.Conv(4, [3, 3], { strides: [2, 2], padding: "SAME" }), img);
    expect(s).toEqual([2, 4, 4, 4]);
    const w = nn.initializers.normal(0.5);
    expectSameLayer(stax.Conv(4, [2, 2], null, "VALID", w, w), stax.Conv(4, [2, 2], { WInit: w, bInit: w }), img);
  });
  it("GeneralConv(dimensionNumbers, out, filterShape, strides, padding)", () => {
    const dn = ["NHWC", "HWIO", "NHWC"] as const;
    const s = expectSameLayer(stax.GeneralConv(dn, 4, [3, 3], [2, 1], "VALID"), stax.GeneralConv(dn, 4, [3, 3], { strides: [2, 1], padding: "VALID" }), img);
    expect(s).toEqual([2, 3, 6, 4]);
  });
  it("ConvTranspose(out, filterShape, strides, padding)", () => {
    const s = expectSameLayer(stax.ConvTranspose(2, [2, 2], [2, 2], "SAME"), stax.ConvTranspose(2, [2, 2], { strides: [2, 2], padding: "SAME" }), img);
    expect(s).toEqual([2, 16, 16, 2]);
  });
  it("MaxPool, AvgPool, SumPool(window, strides, padding)", () => {
    for (const pool of [stax.MaxPool, stax.AvgPool, stax.SumPool]) {
      const s = expectSameLayer(pool([3, 3], [2, 2], "SAME"), pool([3, 3], { strides: [2, 2], padding: "SAME" }), img);
      expect(s).toEqual([2, 4, 4, 3]);
    }
  });
  it("Dense(out, WInit, bInit), BatchNorm(axis, epsilon, ...), Dropout(rate, mode)", () => {
    const w = nn.initializers.uniform(0.3);
    expectSameLayer(stax.Dense(5, w, w), stax.Dense(5, { WInit: w, bInit: w }), [2, 3]);
    expectSameLayer(stax.BatchNorm([0], 1e-3, true, false), stax.BatchNorm({ axis: [0], epsilon: 1e-3, scale: false }), [4, 3]);
    expectSameLayer(stax.BatchNorm(0), stax.BatchNorm({ axis: [0] }), [4, 3]);
    expectSameLayer(stax.Dropout(0.5, "eval"), stax.Dropout(0.5, { mode: "eval" }), [4, 3]);
    expectSameLayer(stax.Dropout(0.5), stax.Dropout({ rate: 0.5 }), [4, 3]);
  });
});

describe("numpy creation: NumPy's positional dtype", () => {
  it("array, zeros, ones, full, the *Likes", () => {
    expectSame(np.array([1.7, 2], "int32"), np.array([1.7, 2], { dtype: "int32" }));
    expect(np.array([1.7, 2], "int32").dtype).toBe("int32");
    expectSame(np.zeros([2, 3], "int32"), np.zeros([2, 3], { dtype: "int32" }));
    expect(np.zeros([2, 3], "int32").dtype).toBe("int32");
    expectSame(np.ones(3, "bool"), np.ones(3, { dtype: "bool" }));
    expectSame(np.full([2], 7, "int32"), np.full([2], 7, { dtype: "int32" }));
    const x = np.array([1.5, 2.5]);
    expectSame(np.zerosLike(x, "int32"), np.zerosLike(x, { dtype: "int32" }));
    expectSame(np.onesLike(x, null, [3]), np.onesLike(x, { shape: [3] }));
    expectSame(np.fullLike(x, 2, "int32", [2, 2]), np.fullLike(x, 2, { dtype: "int32", shape: [2, 2] }));
  });
  it("arange(start, stop, step, dtype), arange(stop, {dtype})", () => {
    fc.assert(
      fc.property(fc.integer({ min: -5, max: 5 }), fc.integer({ min: -5, max: 10 }), fc.integer({ min: 1, max: 3 }), (a, b, s) => {
        const p = np.arange(a, b, s, "float32");
        expect(p.dtype).toBe("float32");
        expectSame(p, np.arange(a, b, s, { dtype: "float32" }));
        expectSame(np.arange(a, b, s), np.arange(a, b, s, null));
      }),
      runs,
    );
    expectSame(np.arange(5, { dtype: "float32" }), np.arange(0, 5, 1, "float32"));
  });
  it("linspace(start, stop, num, endpoint, retstep, dtype), eye(N, M, k, dtype), identity(n, dtype)", () => {
    expectSame(np.linspace(0, 1, 5, false), np.linspace(0, 1, 5, { endpoint: false }));
    expectSame(np.linspace(0, 1, 5, true, false, "float32"), np.linspace(0, 1, 5, { dtype: "float32" }));
    expectSame(np.eye(3, 4, 1, "int32"), np.eye(3, 4, { k: 1, dtype: "int32" }));
    expectSame(np.identity(3, "int32"), np.identity(3, { dtype: "int32" }));
  });
});

describe("lax: JAX's positional order", () => {
  const key = random.PRNGKey(2);
  it("convGeneralDilated(lhs, rhs, strides, padding, lhsDilation, rhsDilation, dimensionNumbers, featureGroupCount), as stax calls it", () => {
    const x = random.normal(key, [1, 6, 6, 4]);
    const w = random.normal(random.PRNGKey(5), [3, 3, 2, 6]);
    const dn = ["NHWC", "HWIO", "NHWC"] as const;
    expectSame(
      jaxts.lax.convGeneralDilated(x, w, [2, 1], "SAME", [1, 1], [1, 2], dn, 2),
      jaxts.lax.convGeneralDilated(x, w, [2, 1], "SAME", { rhsDilation: [1, 2], dimensionNumbers: dn, featureGroupCount: 2 }),
    );
  });
  it("dotGeneral, reduceWindow, sort, cumsum", () => {
    const a = random.normal(key, [3, 4]);
    const dn: jaxts.lax.DotDimensionNumbers = [[[1], [1]], [[], []]];
    expectSame(jaxts.lax.dotGeneral(a, a, dn, null, "float32"), jaxts.lax.dotGeneral(a, a, dn, { preferredElementType: "float32" }));
    expectSame(
      jaxts.lax.reduceWindow(a, 0, jaxts.lax.add, [2, 2], [1, 1], "VALID", [1, 2], [2, 1]),
      jaxts.lax.reduceWindow(a, 0, jaxts.lax.add, [2, 2], [1, 1], "VALID", { baseDilation: [1, 2], windowDilation: [2, 1] }),
    );
    expectSame(jaxts.lax.sort(a, 0, true, 1), jaxts.lax.sort(a, { dimension: 0 }));
    expectSame(jaxts.lax.cumsum(a, 1, true), jaxts.lax.cumsum(a, 1, { reverse: true }));
    expect(() => jaxts.lax.dotGeneral(a, a, dn, "highest" as never)).toThrow(/lax\.dotGeneral: precision must be null \(jaxts has no precision setting\)/);
  });
});

describe("random, nn, losses, testing: JAX's positional order", () => {
  const key = random.PRNGKey(7);
  it("samplers", () => {
    expectSame(random.uniform(key, [3], "float32", -2, 2), random.uniform(key, [3], { dtype: "float32", minval: -2, maxval: 2 }));
    expectSame(random.normal(key, [3], "float32"), random.normal(key, [3], { dtype: "float32" }));
    expectSame(random.bernoulli(key, 0.3, [4], "high"), random.bernoulli(key, 0.3, [4], { mode: "high" }));
    const logits = random.normal(key, [3, 4]);
    expectSame(random.categorical(key, logits, 0), random.categorical(key, logits, { axis: 0 }));
    expectSame(random.categorical(key, logits, -1, [5, 3], true, "high"), random.categorical(key, logits, { shape: [5, 3], mode: "high" }));
    expectSame(random.permutation(key, logits, 1, true), random.permutation(key, logits, { axis: 1, independent: true }));
    expectSame(random.randint(key, [3], 0, 10, "uint32"), random.randint(key, [3], 0, 10, { dtype: "uint32" }));
    expectSame(random.gumbel(key, [3], "float32", "high"), random.gumbel(key, [3], { mode: "high" }));
    expectSame(random.truncatedNormal(key, -1, 1, [3], "float32"), random.truncatedNormal(key, -1, 1, [3], { dtype: "float32" }));
    expectSame(random.orthogonal(key, 3, [], "float32", 2), random.orthogonal(key, 3, [], { m: 2 }));
    expectSame(random.bits(key, [2], "uint32"), random.bits(key, [2], { dtype: "uint32" }));
  });
  it("nn.gelu(x, approximate) and the initializers", () => {
    const x = np.array([-1, 0.5, 2]);
    expectSame(nn.gelu(x, false), nn.gelu(x, { approximate: false }));
    const b = np.array([1, 2, 0.5]);
    expectSame(nn.logsumexp(x, 0, b, true), nn.logsumexp(x, 0, { b, keepdims: true }));
    const I = nn.initializers;
    const s = [3, 4, 5];
    expectSame(I.glorotNormal(0, 1)(key, s), I.glorotNormal({ inAxis: 0, outAxis: 1 })(key, s));
    expectSame(I.heUniform(0, 2, [], "float32")(key, s), I.heUniform({ inAxis: 0, outAxis: 2 })(key, s));
    expectSame(I.varianceScaling(2, "fan_out", "normal", 0, 1, [])(key, s), I.varianceScaling(2, "fan_out", "normal", { inAxis: 0, outAxis: 1 })(key, s));
    expectSame(I.truncatedNormal(0.1, "float32", -1, 1)(key, s), I.truncatedNormal(0.1, { lower: -1, upper: 1 })(key, s));
    expectSame(I.orthogonal(2, 0)(key, s), I.orthogonal(2, { columnAxis: 0 })(key, s));
    expectSame(I.constant(3, "float32")(key, s), I.constant(3, { dtype: "float32" })(key, s));
    expectSame(I.normal(0.5, "float32")(key, s), I.normal(0.5)(key, s));
  });
  it("losses and checkGrads", () => {
    const logits = random.normal(key, [3, 4]);
    const labels = nn.softmax(random.normal(random.PRNGKey(1), [3, 4]), 0);
    expectSame(optax.softmaxCrossEntropy(logits, labels, 0), optax.softmaxCrossEntropy(logits, labels, { axis: 0 }));
    const ints = np.array([0, 2, 1, 1], "int32");
    expectSame(optax.softmaxCrossEntropyWithIntegerLabels(logits, ints, 0), optax.softmaxCrossEntropyWithIntegerLabels(logits, ints, { axis: 0 }));
    const f = (x: A) => np.sum(np.sin(x));
    expect(() => testing.checkGrads(f, [np.array([0.1, 0.2])], 2, ["rev"], 1e-2, 1e-2)).not.toThrow();
    expect(() => testing.checkGrads(f, [np.array([0.1, 0.2])], 1, ["backward" as never])).toThrow(/testing\.checkGrads: modes must be an array of "fwd" and "rev"/);
  });
});
