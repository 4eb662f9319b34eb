/**
 * optax golden values (test/golden/gen_optax.py, real optax 0.2.8 on JAX 0.10.2, float32):
 * 5 steps of every optimizer and transformation on fixed gradients, a short training run with
 * gradients from `valueAndGrad`, schedule values, and every loss with its gradient.
 *
 * Tolerances: jaxts's CPU backend rounds each float32 op correctly, as XLA's CPU kernels do for
 * the basic ops, so differences come from transcendental functions (rsqrt, pow, exp, log, cos:
 * XLA's are within an ulp or two) and from summation order in norms and means, then compound
 * over 5 steps of division by small square roots: rtol 1e-5 covers that.
 */
import { describe, expect, it } from "vitest";
import { valueAndGrad } from "../../src/autodiff/api.js";
import * as np from "../../src/numpy/index.js";
import * as optax from "../../src/optax/index.js";
import * as tree from "../../src/tree.js";
import { type EncArray, type EncValue, type Tol, closeness, decode, decodeValue, golden, makeTree } from "./helpers.js";

type Tree = ReturnType<typeof makeTree>;

/** Each optimizer of gen_optax.py's OPTIMIZERS, built with jaxts. */
const OPTIMIZERS: Record<string, () => optax.GradientTransformation> = {
  sgd: () => optax.sgd(0.1),
  sgd_momentum: () => optax.sgd(0.1, { momentum: 0.9 }),
  sgd_nesterov: () => optax.sgd(0.1, { momentum: 0.9, nesterov: true }),
  sgd_piecewise: () => optax.sgd(optax.piecewiseConstantSchedule(0.1, { 2: 0.5, 4: 0.1 }), { momentum: 0.5 }),
  sgd_join: () => optax.sgd(optax.joinSchedules([optax.constantSchedule(0.1), optax.linearSchedule(0.1, 0.0, 3)], [2])),
  adam: () => optax.adam(1e-2),
  adam_options: () => optax.adam(1e-2, { b1: 0.8, b2: 0.99, eps: 1e-6, epsRoot: 1e-8 }),
  adam_nesterov: () => optax.adam(1e-2, { nesterov: true }),
  nadam: () => optax.nadam(3e-2, { b1: 0.7 }),
  adam_warmup_cosine: () => optax.adam(optax.warmupCosineDecaySchedule(0.0, 0.1, 2, 5, { endValue: 0.01 })),
  adam_polynomial: () => optax.adam(optax.polynomialSchedule(0.1, 0.001, 2, 4)),
  adamw: () => optax.adamw(1e-2, { weightDecay: 0.1 }),
  adamw_default: () => optax.adamw(1e-2),
  adamw_mask_prefix: () => optax.adamw(1e-2, { weightDecay: 0.1, mask: { b: false, layers: true, w: true } }),
  adamw_mask_fn: () => optax.adamw(1e-2, { weightDecay: 0.1, mask: (p: unknown) => tree.map((x: np.Array) => x.ndim > 1, p) }),
  adamw_wd_schedule: () => optax.adamw(1e-2, { weightDecay: optax.linearSchedule(0.1, 0.0, 4) }),
  nadamw: () => optax.nadamw(1e-2, { weightDecay: 0.05 }),
  rmsprop: () => optax.rmsprop(1e-2),
  rmsprop_centered_momentum: () =>
    optax.rmsprop(1e-2, { decay: 0.8, eps: 1e-6, initialScale: 0.1, centered: true, momentum: 0.9, nesterov: true }),
  rmsprop_bias_correction: () => optax.rmsprop(1e-2, { epsInSqrt: false, biasCorrection: true }),
  rmsprop_centered_bias: () => optax.rmsprop(1e-2, { centered: true, biasCorrection: true, initialScale: 1.0 }),
  rmsprop_exponential: () => optax.rmsprop(optax.exponentialDecay(0.01, 2, 0.5, { staircase: true }), { momentum: 0.9 }),
  adagrad: () => optax.adagrad(0.1),
  adagrad_zero_init: () => optax.adagrad(0.1, { initialAccumulatorValue: 0.0, eps: 1e-6 }),
  lamb: () => optax.lamb(1e-2),
  lamb_wd_mask: () => optax.lamb(1e-2, { weightDecay: 0.01, mask: { b: false, layers: [true, false], w: true } }),
  lion: () => optax.lion(1e-3),
  lion_options: () => optax.lion(1e-3, { b1: 0.95, b2: 0.98, weightDecay: 0.1 }),
  chain_clip_global_norm_adam_cosine: () =>
    optax.chain(optax.clipByGlobalNorm(1.0), optax.scaleByAdam(), optax.scaleByLearningRate(optax.cosineDecaySchedule(0.1, 5, { alpha: 0.1 }))),
  chain_clip_scale: () => optax.chain(optax.clip(0.05), optax.scale(-0.5)),
  chain_decay_trace_lr: () =>
    optax.chain(optax.addDecayedWeights(1e-2), optax.trace({ decay: 0.5 }), optax.scaleByLearningRate(0.1, { flipSign: false })),
  chain_sign: () => optax.chain(optax.scaleBySign(), optax.scale(-0.01)),
  chain_identity_set_to_zero: () => optax.chain(optax.identity(), optax.setToZero()),
  scale_by_schedule: () => optax.scaleBySchedule(optax.linearSchedule(1.0, 0.0, 4, { transitionBegin: 1 })),
  scale_by_rms: () => optax.scaleByRms({ decay: 0.5, eps: 1e-4 }),
  scale_by_stddev: () => optax.scaleByStddev({ decay: 0.5, eps: 1e-4, initialScale: 0.5 }),
  scale_by_trust_ratio: () => optax.scaleByTrustRatio({ minNorm: 0.5, trustCoefficient: 0.1, eps: 1e-3 }),
  masked_sgd_momentum: () => optax.masked(optax.sgd(0.1, { momentum: 0.9 }), { b: false, layers: [true, false], w: true }),
  masked_fn_adam: () => optax.masked(optax.adam(0.1), () => ({ b: true, layers: false, w: false })),
  masked_all_false: () => optax.masked(optax.adam(0.1), { b: false, layers: false, w: false }),
  add_decayed_weights_masked_schedule: () =>
    optax.addDecayedWeights(optax.exponentialDecay(0.5, 1, 0.5), { b: true, layers: [false, true], w: false }),
};

const UPDATE_TOL: Tol = { rtol: 1e-5, atol: 1e-7 };
/**
 * Parameters are O(1) sums p + u that can cancel (scale_by_stddev's reach 0.0167 from -0.2346 +
 * 0.2513), so their absolute tolerance is a few ulps of 1 rather than of the result.
 */
const PARAM_TOL: Tol = { rtol: 1e-5, atol: 1e-6 };

const problemParams = (): Tree => makeTree((golden.problem.params as EncArray[]).map(decode));
const problemGrads = (): Tree[] => (golden.problem.grads as EncArray[][]).map((g) => makeTree(g.map(decode)));

describe("optax golden: optimizers on fixed gradients (5 steps)", () => {
  it("the problem's tree flattens in JAX's order", () => {
    const shapes = tree.leaves<np.Array>(problemParams()).map((x) => x.shape);
    expect(shapes).toEqual((golden.problem.params as EncArray[]).map((a) => a.shape));
  });

  it("every golden optimizer has a jaxts counterpart", () => {
    const missing = (golden.optimizers as { name: string }[]).map((c) => c.name).filter((n) => !(n in OPTIMIZERS));
    expect(missing).toEqual([]);
  });

  for (const c of golden.optimizers as { name: string; steps: { updates: EncArray[]; params: EncArray[] }[] }[]) {
    it(c.name, () => {
      const make = OPTIMIZERS[c.name];
      if (!make) throw new Error(`no jaxts optimizer for golden case ${c.name}`);
      const opt = make();
      let params: unknown = problemParams();
      let state = opt.init(params);
      problemGrads().forEach((g, k) => {
        const [updates, newState] = opt.update(g, state, params);
        state = newState;
        params = optax.applyUpdates(params, updates);
        const step = c.steps[k]!;
        tree.leaves<np.Array>(updates).forEach((u, i) => closeness(u, step.updates[i]!, UPDATE_TOL, `${c.name} step ${k} updates`));
        tree.leaves<np.Array>(params).forEach((p, i) => closeness(p, step.params[i]!, PARAM_TOL, `${c.name} step ${k} params`));
        expect(tree.leaves(updates).length).toBe(step.updates.length);
      });
    });
  }
});

describe("optax golden: training with gradients from valueAndGrad", () => {
  it("adam on a linear regression follows optax for 5 steps", () => {
    const t = golden.train;
    const x = decode(t.x);
    const y = decode(t.y);
    // JAX flattens {"b", "w"} in sorted order.
    const [b0, w0] = (t.params as EncArray[]).map(decode) as [np.Array, np.Array];
    const lossFn = (p: { w: np.Array; b: np.Array }, xx: np.Array, yy: np.Array) =>
      np.mean(optax.squaredError(np.add(np.matmul(xx, p.w), p.b), yy));
    const opt = optax.adam(0.1);
    let params = { w: w0, b: b0 };
    let state = opt.init(params);
    (t.steps as { loss: number; params: EncArray[] }[]).forEach((step, k) => {
      const [loss, g] = valueAndGrad(lossFn)(params, x, y);
      const [u, s] = opt.update(g, state, params);
      state = s;
      params = optax.applyUpdates(params, u);
      closeness(loss, np.array(step.loss), { rtol: 1e-5, atol: 0 }, `train step ${k} loss`);
      closeness(params.b, step.params[0]!, PARAM_TOL, `train step ${k} b`);
      closeness(params.w, step.params[1]!, PARAM_TOL, `train step ${k} w`);
    });
  });
});

/** Each schedule of gen_optax.py's SCHEDULES. */
const SCHEDULES: Record<string, () => optax.Schedule> = {
  constant: () => optax.constantSchedule(0.3),
  linear: () => optax.linearSchedule(1.0, 0.1, 10),
  linear_begin: () => optax.linearSchedule(0.0, 1.0, 5, { transitionBegin: 3 }),
  linear_zero_steps: () => optax.linearSchedule(0.5, 0.1, 0),
  polynomial: () => optax.polynomialSchedule(1.0, 0.01, 2, 8, { transitionBegin: 2 }),
  polynomial_frac_power: () => optax.polynomialSchedule(2.0, 0.5, 0.5, 10),
  cosine: () => optax.cosineDecaySchedule(1.0, 10),
  cosine_alpha_exponent: () => optax.cosineDecaySchedule(0.5, 7, { alpha: 0.1, exponent: 2.0 }),
  warmup_cosine: () => optax.warmupCosineDecaySchedule(0.0, 1.0, 3, 10, { endValue: 0.05 }),
  warmup_cosine_exponent: () => optax.warmupCosineDecaySchedule(0.1, 2.0, 4, 12, { exponent: 1.5 }),
  exponential: () => optax.exponentialDecay(1.0, 3, 0.5),
  exponential_staircase: () => optax.exponentialDecay(2.0, 4, 0.3, { transitionBegin: 2, staircase: true }),
  exponential_end: () => optax.exponentialDecay(1.0, 2, 0.5, { endValue: 0.2 }),
  exponential_growth_end: () => optax.exponentialDecay(0.1, 2, 2.0, { endValue: 0.9 }),
  piecewise: () => optax.piecewiseConstantSchedule(0.1, { 3: 0.5, 6: 0.1, 9: 2.0 }),
  piecewise_none: () => optax.piecewiseConstantSchedule(0.7),
  join: () =>
    optax.joinSchedules([optax.constantSchedule(1.0), optax.linearSchedule(1.0, 0.0, 4), optax.constantSchedule(0.25)], [3, 7]),
};

describe("optax golden: schedules", () => {
  const steps = golden.schedules.steps as number[];
  it("every golden schedule has a jaxts counterpart", () => {
    const missing = (golden.schedules.cases as { name: string }[]).map((c) => c.name).filter((n) => !(n in SCHEDULES));
    expect(missing).toEqual([]);
  });
  for (const c of golden.schedules.cases as { name: string; f32: EncValue[]; f64: number[] }[]) {
    it(`${c.name}: int32 array counts give optax's float32 values`, () => {
      const s = SCHEDULES[c.name]!();
      steps.forEach((step, i) => {
        const v = s(np.array(step, { dtype: "int32" }));
        const arr = v instanceof np.Array ? v : np.array(v);
        // float32 ops, a few of them transcendental (cos, pow): a few ulps.
        closeness(arr.astype("float32"), np.array(decodeValue(c.f32[i]!)), { rtol: 1e-6, atol: 1e-7 }, `${c.name}(${step})`);
      });
    });
    it(`${c.name}: JS number steps give JS numbers, optax's values in float64`, () => {
      const s = SCHEDULES[c.name]!();
      steps.forEach((step, i) => {
        const v = s(step);
        expect(typeof v, `${c.name}(${step})`).toBe("number");
        const e = c.f64[i]!;
        expect(Math.abs((v as number) - e), `${c.name}(${step}) = ${v}, expected ${e}`).toBeLessThanOrEqual(1e-15 + 1e-12 * Math.abs(e));
      });
    });
  }
});

/**
 * A loss's tolerance: float32 with a few transcendental ops (exp, log, log1p), and cross entropies
 * are differences logsumexp - logit of numbers up to ~4 here, so the absolute part is an ulp of 4.
 */
const LOSS_TOL: Tol = { rtol: 2e-6, atol: 5e-7 };
/**
 * softmax_cross_entropy_int_extreme has a row of logits 3e4: logsumexp is 30001.386, whose float32
 * ulp is 2e-3, and the loss is that minus 3e4. JAX rounds the same way here, but the case is
 * conditioned by the magnitude of the logits, so its absolute tolerance is one ulp of 3e4.
 */
const LOSS_ATOL: Record<string, number> = { softmax_cross_entropy_int_extreme: 2e-3 };

describe("optax golden: losses and their gradients", () => {
  for (const c of golden.losses as { name: string; fn: string; args: EncArray[]; opts: Record<string, unknown>; out: EncArray; grad: EncArray }[]) {
    it(c.name, () => {
      const f = (optax as unknown as Record<string, (...a: unknown[]) => np.Array>)[c.fn];
      if (typeof f !== "function") throw new Error(`optax.${c.fn} is missing`);
      const args = c.args.map(decode);
      // Options go last; a loss called with options but no targets gets `undefined` for them.
      const rest: unknown[] = args.slice(1);
      if (Object.keys(c.opts).length) {
        if (rest.length === 0) rest.push(undefined);
        rest.push(c.opts);
      }
      const call = (x: np.Array) => f(x, ...rest);
      const tol = { ...LOSS_TOL, atol: LOSS_ATOL[c.name] ?? LOSS_TOL.atol };
      closeness(call(args[0]!), c.out, tol, `${c.name} value`);
      const g = valueAndGrad((x: np.Array) => np.sum(call(x)))(args[0]!)[1] as np.Array;
      closeness(g, c.grad, LOSS_TOL, `${c.name} gradient`);
    });
  }
});
