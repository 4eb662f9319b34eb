/**
 * optax's behaviour beyond the numbers: state layout and dtypes, pytrees of any shape, masking,
 * schedules' number/array duality, errors, and jit of a whole training step (grad + update +
 * applyUpdates) giving the eager result with one trace.
 */
import { describe, expect, it } from "vitest";
import { grad, valueAndGrad } from "../../src/autodiff/api.js";
import { ValueError } from "../../src/errors.js";
import * as np from "../../src/numpy/index.js";
import * as optax from "../../src/optax/index.js";
import { jit } from "../../src/transforms/jit.js";
import * as tree from "../../src/tree.js";
import { expectTreeClose } from "./helpers.js";

type Arr = np.Array;
const f32 = (data: number[], shape?: number[]) => np.array(Float32Array.from(data), shape ? { shape } : {});
const EXACT = { rtol: 0, atol: 0 };

/** Runs `opt` for `n` steps on the gradients `grads(k)`. */
function run(opt: optax.GradientTransformation, params: unknown, grads: (k: number) => unknown, n = 3) {
  let p = params;
  let s = opt.init(p);
  for (let k = 0; k < n; k++) {
    const [u, ns] = opt.update(grads(k), s, p);
    s = ns;
    p = optax.applyUpdates(p, u);
  }
  return { params: p, state: s };
}

describe("optax states", () => {
  it("adam's state is [{count, mu, nu}, {}] with an int32 count that counts updates", () => {
    const params = { w: f32([1, 2, 3]), b: f32([0.5]) };
    const opt = optax.adam(0.1);
    const s0 = opt.init(params);
    expect(Array.isArray(s0)).toBe(true);
    expect(s0.length).toBe(2);
    expect(Object.keys(s0[0]).sort()).toEqual(["count", "mu", "nu"]);
    expect(s0[1]).toEqual({});
    expect(s0[0].count.dtype).toBe("int32");
    expect(s0[0].count.shape).toEqual([]);
    const { state } = run(opt, params, () => ({ w: f32([0.1, -0.2, 0.3]), b: f32([1]) }), 4);
    expect(state[0].count.item()).toBe(4);
    expect(state[0].count.dtype).toBe("int32");
    expect(tree.treeDefString(tree.structure(state[0].mu))).toBe(tree.treeDefString(tree.structure(params)));
  });

  it("counts saturate at the int32 maximum (safeIncrement)", () => {
    expect(optax.safeIncrement(np.array(2147483646, { dtype: "int32" })).item()).toBe(2147483647);
    expect(optax.safeIncrement(np.array(2147483647, { dtype: "int32" })).item()).toBe(2147483647);
  });

  it("schedules as learning rates keep a count in the state", () => {
    const opt = optax.sgd(optax.linearSchedule(1, 0, 4));
    const { state } = run(opt, f32([1]), () => f32([1]), 2);
    expect(state[1].count.item()).toBe(2);
  });

  it("muDtype and accumulatorDtype set the moment dtypes", () => {
    const params = f32([1, 2]);
    const s = optax.scaleByAdam({ muDtype: "float64" }).init(params);
    expect(s.mu.dtype).toBe("float64");
    expect(s.nu.dtype).toBe("float32");
    const [, s1] = optax.scaleByAdam({ muDtype: "float64" }).update(f32([0.5, -1]), s);
    expect(s1.mu.dtype).toBe("float64");
    expect(optax.trace({ decay: 0.9, accumulatorDtype: "float64" }).init(params).trace.dtype).toBe("float64");
  });
});

describe("pytrees of any shape", () => {
  it("nested arrays, objects, nulls and a bare array all work, leaf by leaf", () => {
    // Adam is elementwise: on any tree it equals Adam on the concatenation of the leaves.
    const leaves = [f32([1, -2]), f32([[0.5, 0.25], [3, -1]].flat(), [2, 2]), f32([7]), f32([0.1, 0.2, 0.3])];
    const gradLeaves = (k: number) => leaves.map((l) => np.multiply(np.sin(np.add(l, k)), 0.5));
    const params = { a: [leaves[0], { deep: [leaves[1], null] }], b: { c: leaves[2], d: [[leaves[3]]] }, e: null };
    const build = (ls: Arr[]) => ({ a: [ls[0], { deep: [ls[1], null] }], b: { c: ls[2], d: [[ls[3]]] }, e: null });
    const opt = optax.adamw(0.1, { weightDecay: 0.01 });
    const out = run(opt, params, (k) => build(gradLeaves(k))).params;
    expect(tree.treeDefString(tree.structure(out))).toBe(tree.treeDefString(tree.structure(params)));
    expect((out as any).e).toBe(null);
    expect((out as any).a[1].deep[1]).toBe(null);
    const flat = np.concatenate(leaves.map((l) => np.ravel(l)));
    const flatOut = run(opt, flat, (k) => np.concatenate(gradLeaves(k).map((l) => np.ravel(l)))).params as Arr;
    expectTreeClose(np.concatenate(tree.leaves<Arr>(out).map((l) => np.ravel(l))), flatOut, EXACT, "adamw on a tree vs on one array");
  });

  it("applyUpdates keeps each parameter's dtype and leaves nulls alone", () => {
    const params = { w: f32([1, 2]), n: null, d: np.array(Float64Array.from([1, 2]), { dtype: "float64" }) };
    const updates = { w: np.array(Float64Array.from([0.5, 0.25]), { dtype: "float64" }), n: null, d: f32([1, 1]) };
    const out = optax.applyUpdates(params, updates);
    expect(out.w.dtype).toBe("float32");
    expect(out.d.dtype).toBe("float64");
    expect(out.n).toBe(null);
    expect(Array.from(out.w.dataSync())).toEqual([1.5, 2.25]);
  });
});

describe("masked", () => {
  const params = { w: f32([1, 2, 3]), b: f32([0.5]), layers: [f32([1, 1]), f32([2])] };
  const g = { w: f32([0.1, 0.2, 0.3]), b: f32([0.4]), layers: [f32([0.5, 0.6]), f32([0.7])] };

  it("passes unmasked updates through unchanged and gives the inner transformation only the masked leaves", () => {
    const seen: unknown[] = [];
    const spy: optax.GradientTransformation = {
      init: (p) => {
        seen.push(p);
        return {};
      },
      update: (u, s, p) => {
        seen.push(u, p);
        return [tree.map((x: Arr) => np.multiply(x, 10), u), s];
      },
    };
    const opt = optax.masked(spy, { w: true, b: false, layers: [false, true] });
    const state = opt.init(params);
    const [u] = opt.update(g, state, params);
    expect(u.b).toBe(g.b);
    expect(u.layers[0]).toBe(g.layers[0]);
    expectTreeClose(u.w, np.multiply(g.w, 10), EXACT, "masked-in w");
    expectTreeClose(u.layers[1], np.multiply(g.layers[1]!, 10), EXACT, "masked-in layers[1]");
    // The inner transformation sees null (optax's MaskedNode) where the mask is false.
    expect((seen[0] as any).b).toBe(null);
    expect((seen[1] as any).layers[0]).toBe(null);
    expect((seen[2] as any).b).toBe(null);
  });

  it("a mask may be a function of the params, and a prefix of their structure", () => {
    const fn = optax.masked(optax.sgd(1), (p: any) => ({ w: true, b: false, layers: p.layers.length > 1 }));
    const [u] = fn.update(g, fn.init(params), params);
    expectTreeClose(u.w, np.negative(g.w), EXACT, "w");
    expect(u.b).toBe(g.b);
    expectTreeClose(u.layers, tree.map((x: Arr) => np.negative(x), g.layers), EXACT, "layers");
    const state = fn.init(params);
    expect(state.innerState[0]).toEqual({});
  });

  it("adamw's mask limits weight decay (masked-out leaves get plain adam)", () => {
    const withMask = run(optax.adamw(0.1, { weightDecay: 0.5, mask: { w: true, b: false, layers: false } }), params, () => g).params as any;
    const plain = run(optax.adam(0.1), params, () => g).params as any;
    const decayed = run(optax.adamw(0.1, { weightDecay: 0.5 }), params, () => g).params as any;
    expectTreeClose(withMask.b, plain.b, EXACT, "b (not decayed)");
    expectTreeClose(withMask.layers, plain.layers, EXACT, "layers (not decayed)");
    expectTreeClose(withMask.w, decayed.w, EXACT, "w (decayed)");
  });
});

describe("schedules", () => {
  it("map JS numbers to JS numbers and int32 counts to float32 arrays", () => {
    const schedules = [
      optax.linearSchedule(1, 0, 10),
      optax.cosineDecaySchedule(1, 10),
      optax.exponentialDecay(1, 2, 0.5),
      optax.piecewiseConstantSchedule(1, { 3: 2 }),
      optax.warmupCosineDecaySchedule(0, 1, 2, 10),
      optax.joinSchedules([optax.constantSchedule(1), optax.linearSchedule(1, 0, 2)], [3]),
      optax.polynomialSchedule(1, 0, 2, 4),
    ];
    for (const s of schedules) {
      expect(typeof s(4)).toBe("number");
      const v = s(np.array(4, { dtype: "int32" })) as Arr;
      expect(v).toBeInstanceOf(np.Array);
      expect(v.dtype).toBe("float32");
      expect(v.item()).toBeCloseTo(s(4) as number, 6);
    }
  });

  it("piecewise boundaries scale from the boundary step on, and scales compound", () => {
    const s = optax.piecewiseConstantSchedule(0.5, { 4: 0.5, 2: 4 });
    expect([0, 1, 2, 3, 4, 5].map((k) => s(k))).toEqual([0.5, 0.5, 2, 2, 1, 1]);
  });

  it("trace under jit with the count as a tracer", () => {
    const s = optax.warmupCosineDecaySchedule(0, 1, 3, 10, { endValue: 0.1 });
    const f = jit((c: Arr) => s(c) as Arr);
    for (const k of [0, 2, 3, 7, 10, 12]) expect(f(np.array(k, { dtype: "int32" })).item()).toBeCloseTo(s(k) as number, 6);
  });

  it("reject bad arguments as optax does", () => {
    expect(() => optax.cosineDecaySchedule(1, 0)).toThrow(ValueError);
    expect(() => optax.warmupCosineDecaySchedule(0, 1, 5, 5)).toThrow(ValueError);
    expect(() => optax.piecewiseConstantSchedule(1, { 3: -0.5 })).toThrow(ValueError);
    expect(() => optax.linearSchedule(1, 0, 4)("3" as unknown as number)).toThrow(TypeError);
  });
});

describe("errors", () => {
  it("chain with a state of the wrong length", () => {
    const opt = optax.chain(optax.scale(2), optax.scale(3));
    expect(() => opt.update(f32([1]), [{}], null)).toThrow(ValueError);
    expect(() => optax.chain({} as optax.GradientTransformation)).toThrow(TypeError);
  });

  it("transformations that need params say so", () => {
    const p = f32([1, 2]);
    for (const opt of [optax.addDecayedWeights(0.1), optax.lamb(0.1), optax.scaleByTrustRatio(), optax.adamw(0.1)]) {
      expect(() => opt.update(p, opt.init(p))).toThrow(/requires the current value of parameters/);
    }
  });

  it("trace needs a decay", () => {
    expect(() => optax.trace({} as optax.TraceOptions)).toThrow(TypeError);
  });

  it("losses check dtypes and shapes", () => {
    expect(() => optax.squaredError(f32([1, 2]), f32([1, 2, 3]))).toThrow(ValueError);
    expect(() => optax.squaredError(np.array(Int32Array.from([1, 2])))).toThrow(TypeError);
    expect(() => optax.softmaxCrossEntropyWithIntegerLabels(f32([1, 2], [1, 2]), f32([1]))).toThrow(TypeError);
    expect(() => optax.softmaxCrossEntropy(np.array(Int32Array.from([1, 2])), f32([0, 1]))).toThrow(TypeError);
  });
});

describe("learning rates", () => {
  it("an array learning rate, a schedule returning numbers, and flipSign", () => {
    const p = f32([1, 2]);
    const g = f32([0.5, -0.5]);
    const a = run(optax.sgd(np.array(0.1)), p, () => g, 1).params;
    const b = run(optax.sgd(optax.constantSchedule(0.1)), p, () => g, 1).params;
    const c = run(optax.sgd(0.1), p, () => g, 1).params;
    expectTreeClose(a, c, EXACT, "array lr");
    expectTreeClose(b, c, EXACT, "constant schedule");
    const [u] = optax.scaleByLearningRate(2, { flipSign: false }).update(g, {});
    expectTreeClose(u, np.multiply(g, 2), EXACT, "flipSign false");
    const [v] = optax.scaleByLearningRate(null).update(g, {});
    expect(v).toBe(g);
  });
});

describe("jit of a training step", () => {
  const x = np.array(Float32Array.from([0.5, -1, 2, 1.5, 0.25, -0.75, 1, 1, -2, 0.3, 0.7, -0.1]), { shape: [4, 3] });
  const y = f32([1, -2, 0.5, 3]);
  const params0 = { w: f32([0.1, -0.2, 0.3]), b: f32([0]), extra: [f32([1, 2]), null] };
  const loss = (p: typeof params0, xx: Arr, yy: Arr) =>
    np.add(np.mean(optax.huberLoss(np.add(np.matmul(xx, p.w), p.b), yy)), np.multiply(0.01, np.sum(np.square(p.extra[0]!))));

  const optimizers: [string, () => optax.GradientTransformation][] = [
    ["adam with warmup cosine", () => optax.adam(optax.warmupCosineDecaySchedule(0, 0.1, 2, 6))],
    ["adamw with a mask function", () => optax.adamw(0.05, { weightDecay: 0.1, mask: (p: any) => ({ w: true, b: false, extra: false }) })],
    ["lamb", () => optax.lamb(0.05, { weightDecay: 0.01 })],
    ["lion", () => optax.lion(0.01)],
    ["rmsprop centered with nesterov momentum", () => optax.rmsprop(0.01, { centered: true, momentum: 0.9, nesterov: true })],
    ["sgd piecewise momentum", () => optax.sgd(optax.piecewiseConstantSchedule(0.1, { 2: 0.5 }), { momentum: 0.9 })],
    ["adagrad", () => optax.adagrad(0.1)],
    [
      "chain(clipByGlobalNorm, masked(trace), scaleByLearningRate(exponentialDecay), addDecayedWeights(schedule))",
      () =>
        optax.chain(
          optax.clipByGlobalNorm(0.5),
          optax.masked(optax.trace({ decay: 0.5 }), { w: true, b: true, extra: false }),
          optax.scaleByLearningRate(optax.exponentialDecay(0.1, 2, 0.5)),
          optax.addDecayedWeights(optax.linearSchedule(0.01, 0, 3)),
        ),
    ],
  ];

  for (const [name, make] of optimizers) {
    it(`${name}: jit(step) == eager step, traced once`, () => {
      const opt = make();
      let traces = 0;
      const step = (p: typeof params0, s: unknown, xx: Arr, yy: Arr) => {
        traces++;
        const [l, g] = valueAndGrad(loss)(p, xx, yy);
        const [u, ns] = opt.update(g, s, p);
        return [optax.applyUpdates(p, u), ns, l];
      };
      const jitted = jit(step);
      let pe: any = params0;
      let se: unknown = opt.init(params0);
      let pj: any = params0;
      let sj: unknown = opt.init(params0);
      for (let k = 0; k < 4; k++) {
        [pe, se] = step(pe, se, x, y);
        [pj, sj] = jitted(pj, sj, x, y);
        expectTreeClose(pj, pe, { rtol: 1e-6, atol: 1e-7 }, `${name} params after step ${k}`);
        expectTreeClose(sj, se, { rtol: 1e-6, atol: 1e-7 }, `${name} state after step ${k}`);
      }
      // 4 eager calls, plus one trace: the state keeps its structure, dtypes and weak types.
      expect(traces).toBe(5);
    });
  }

  it("grad of the loss after an update, with respect to the learning rate", () => {
    const g = { w: f32([0.2, -0.1, 0.4]), b: f32([0.3]), extra: [f32([0.1, 0.1]), null] };
    const after = (lr: Arr) => {
      const opt = optax.sgd(lr);
      const [u] = opt.update(g, opt.init(params0), params0);
      return loss(optax.applyUpdates(params0, u), x, y);
    };
    const lr = np.array(0.1);
    const dlr = grad(after)(lr) as Arr;
    const eps = 1e-2;
    const fd = ((after(np.array(0.1 + eps)).item() as number) - (after(np.array(0.1 - eps)).item() as number)) / (2 * eps);
    expect(dlr.item()).toBeCloseTo(fd, 3);
  });
});
