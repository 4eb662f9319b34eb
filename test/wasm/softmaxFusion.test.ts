/**
 * Fusion of softmax, logSoftmax and cross-entropy (forward and gradient), of bias + relu into
 * their readers, and of the relu gradient into pooling's gradient routing (issue 11 item 3):
 * what the kernel IR holds after the passes of codegen/kernel/recompute.ts and
 * codegen/kernel/fuseConsumers.ts, and that the compiled kernels agree with the cpu reference
 * on random shapes, axes and dtypes with infinities, NaN and large values in rows, that their
 * gradients pass central differences, and that 1 and 2 threads give the same bits.
 */
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import type { AnyTypedArray, DType } from "../../ir/dtype.js";
import type { Jaxpr } from "../../ir/jaxpr.js";
import { type MapKernel, type Program, leafSteps, showProgram } from "../../codegen/kernel/kernel.js";
import { lowerJaxpr } from "../../codegen/kernel/lower.js";
import * as jaxts from "../../src/index.js";
import { checkGrads } from "../../src/testing/index.js";
import { checkJaxpr, randomData, rng, rowsWithSpecials, runOnPoolThreads, wasmBackend } from "./helpers.js";

const { numpy: np, nn, optax, lax, grad, jit, makeJaxpr, valueAndGrad } = jaxts;
type Arr = jaxts.Array;

const initialThreads = jaxts.numThreads();
afterAll(() => jaxts.setNumThreads(initialThreads));

const zerosOf = (s: number[] | [DType, number[]]) => (typeof s[0] === "string" ? np.zeros(s[1] as number[], { dtype: s[0] as DType }) : np.zeros(s as number[]));
const jaxprOf = (f: (...xs: Arr[]) => Arr | Arr[], ...shapes: (number[] | [DType, number[]])[]): Jaxpr => makeJaxpr(f)(...shapes.map(zerosOf)).jaxpr;
const maps = (p: Program): MapKernel[] => leafSteps(p.steps).filter((s): s is MapKernel => s.kind === "map");
const tempSizes = (p: Program) => p.buffers.filter((b) => b.kind === "temp" && leafSteps(p.steps).some((s) => s.kind === "map" && s.outs.some((o) => o.buf === b.id))).map((b) => b.size);

const xent = (x: Arr, y: Arr) => np.mean(optax.softmaxCrossEntropy(x, y));
const xentInt = (x: Arr, y: Arr) => np.mean(optax.softmaxCrossEntropyWithIntegerLabels(x, y));

describe("what is fused (kernel IR)", () => {
  it("logSoftmax is a max pass, an exp-sum pass and one normalisation; x - max is never stored", () => {
    const p = lowerJaxpr(jaxprOf((x) => nn.logSoftmax(x, 1), [32, 100]));
    expect(maps(p).map((k) => k.name.replace(/^k\d+_/, ""))).toEqual(["reduceMax", "reduceSum", "sub"]);
    // the only temporaries are the per-row max and sum
    expect(tempSizes(p)).toEqual([32, 32]);
    expect(showProgram(p)).toContain("reduce_sum[r0<100](exp(sub(in0[100*i0 + r0], t");
  });

  it("softmax stores exp(x - max) once (for the sum and the division) and x - max never", () => {
    const p = lowerJaxpr(jaxprOf((x) => nn.softmax(x, -1), [32, 100]));
    expect(maps(p).length).toBe(4);
    expect(tempSizes(p).sort((a, b) => a - b)).toEqual([32, 32, 3200]);
    const text = showProgram(p);
    expect(text).toMatch(/= exp\(sub\(in0\[100\*i0 \+ i1\], t\d+\[i0\]\)\)/);
  });

  it("cross-entropy's value and gradient (softmax - onehot) store nothing the size of the logits", () => {
    const cases: [typeof xent, number[] | [DType, number[]]][] = [
      [xent, [8, 100]],
      [xentInt, ["int32", [8]]],
    ];
    for (const [f, labels] of cases) {
      const p = lowerJaxpr(jaxprOf((x, y) => valueAndGrad(f)(x, y) as unknown as Arr[], [8, 100], labels));
      const text = showProgram(p);
      // one kernel writes the gradient, from the logits (or their stored exp) and the row statistics
      const gradKernel = maps(p).find((k) => k.outs.some((o) => o.buf === p.outputs[1]));
      expect(gradKernel, text).toBeDefined();
      // one-hot labels: the softmax is recomputed from the logits, and no temporary has the
      // logits' size; integer labels (logsumexp and a gather): exp(x - max) is stored once for
      // the sum and the gradient, and the gather's gradient is a scatter-add of the labels
      const big = tempSizes(p).filter((n) => n >= 800);
      if (f === xent) {
        expect(showProgram({ ...p, steps: [gradKernel!] })).toMatch(/exp\(sub\(sub\(in0\[100\*i0 \+ i1\]/);
        expect(big, text).toEqual([]);
      } else expect(big.length, text).toBe(2);
    }
  });

  it("bias + relu are recomputed where read (matmul packs, gradient masks), not a kernel of their own", () => {
    const mlp = (w1: Arr, b1: Arr, w2: Arr, x: Arr, y: Arr) => xent(np.matmul(nn.relu(np.matmul(x, w1).add(b1)), w2), y);
    const j = jaxprOf((w1, b1, w2, x, y) => grad(mlp, { argnums: [0, 1, 2] })(w1, b1, w2, x, y) as unknown as Arr[], [64, 32], [32], [32, 16], [48, 64], [48, 16]);
    const p = lowerJaxpr(j);
    const text = showProgram(p);
    expect(maps(p).filter((k) => /_(max|add|selectN)$/.test(k.name)), text).toEqual([]);
    expect(text).toContain("max(add(");
  });

  it("the relu gradient after max pooling's gradient is part of the routing kernel; the reshape before it is not copied", () => {
    const pool = (x: Arr) => lax.reduceWindow(x, -Infinity, lax.max, [1, 2, 2, 1], [1, 2, 2, 1], "VALID");
    const loss = (x: Arr, b: Arr, w: Arr) => np.sum(np.matmul(np.reshape(pool(nn.relu(x.add(b))), [2, 48]), w));
    const j = jaxprOf((x, b, w) => grad(loss, { argnums: [0, 1] })(x, b, w) as unknown as Arr[], [2, 8, 8, 3], [3], [48, 5]);
    const p = lowerJaxpr(j);
    const text = showProgram(p);
    const names = maps(p).map((k) => k.name);
    expect(names.some((n) => /selectN.*selectAndScatterAdd/.test(n)), text).toBe(true);
    expect(names.filter((n) => /_(selectN|reshape)$/.test(n)), text).toEqual([]);
    const inputs = j.invars.map((v, i) => randomData(v.aval.dtype, v.aval.size, 7 + i, { range: 2 }));
    checkJaxpr(j, inputs, { rtol: 1e-5, atol: 1e-5 });
  });

  it("a map kernel fuses into its only elementwise consumer only where that consumer reads it at its own position", () => {
    // pooling's gradient routing (a kernel of its own) read elementwise: fused; read transposed: stored
    const routed = (x: Arr) => grad((a: Arr) => np.sum(np.multiply(lax.reduceWindow(a, -Infinity, lax.max, [2, 2], [2, 2], "VALID"), 3)))(x);
    const same = lowerJaxpr(jaxprOf((x) => np.exp(routed(x)), [6, 8]));
    const moved = lowerJaxpr(jaxprOf((x) => np.exp(np.transpose(routed(x))), [6, 8]));
    expect(maps(same).length).toBe(maps(moved).length - 1);
    expect(showProgram(same)).toMatch(/_exp_k\d+_selectAndScatterAdd: map/);
    for (const j of [jaxprOf((x) => np.exp(routed(x)), [6, 8]), jaxprOf((x) => np.exp(np.transpose(routed(x))), [6, 8])])
      checkJaxpr(j, [randomData("float32", 48, 3, { specials: true })], { rtol: 1e-5 });
  });
});

const caseArb = fc.record({
  shape: fc.integer({ min: 1, max: 3 }).chain((rank) => fc.array(fc.integer({ min: 1, max: 9 }), { minLength: rank, maxLength: rank })),
  axisPick: fc.nat(10),
  dtype: fc.constantFrom<DType>("float32", "float64"),
  seed: fc.nat(1_000_000),
});

describe("softmax, logSoftmax, cross-entropy == cpu (forward and gradient)", () => {
  it("any shape, axis and float dtype, with -inf, +inf, NaN and huge values in rows", () => {
    fc.assert(
      fc.property(caseArb, ({ shape, axisPick, dtype, seed }) => {
        const axis = axisPick % shape.length;
        const tol = dtype === "float32" ? { rtol: 2e-5, atol: 1e-6 } : { rtol: 1e-12, atol: 1e-14 };
        const x: [DType, number[]] = [dtype, shape];
        const data = rowsWithSpecials(dtype, shape, seed);
        for (const [name, f] of [
          ["softmax", (a: Arr) => nn.softmax(a, axis)],
          ["logSoftmax", (a: Arr) => nn.logSoftmax(a, axis)],
          ["grad logSoftmax", (a: Arr) => grad((b: Arr) => np.sum(np.sin(nn.logSoftmax(b, axis))))(a)],
          ["grad softmax", (a: Arr) => grad((b: Arr) => np.sum(np.multiply(nn.softmax(b, axis), np.cos(b))))(a)],
        ] as const) {
          const j = jaxprOf(f, x);
          checkJaxpr(j, [data], tol, `${name} ${dtype}[${shape}] axis ${axis}`);
        }
        // cross-entropy with one-hot / probability labels and with integer labels, value and gradient
        const labels = randomData(dtype, data.length, seed + 2, { range: 1 }).map(Math.abs);
        const j = jaxprOf((a, y) => valueAndGrad((b: Arr, c: Arr) => np.mean(optax.softmaxCrossEntropy(b, c, axis)))(a, y) as unknown as Arr[], x, x);
        checkJaxpr(j, [data, labels], tol, `softmaxCrossEntropy ${dtype}[${shape}] axis ${axis}`);
        const batch = shape.filter((_, d) => d !== axis);
        const r = rng(seed + 3);
        const ints = Int32Array.from({ length: batch.reduce((a, b) => a * b, 1) }, () => Math.floor(r() * (shape[axis]! + 2)) - 1);
        const ji = jaxprOf((a, y) => valueAndGrad((b: Arr, c: Arr) => np.mean(optax.softmaxCrossEntropyWithIntegerLabels(b, c, axis)))(a, y) as unknown as Arr[], x, ["int32", batch]);
        checkJaxpr(ji, [data, ints], tol, `softmaxCrossEntropyWithIntegerLabels ${dtype}[${shape}] axis ${axis}`);
      }),
      { numRuns: 40 },
    );
  });
});

describe("the fused losses' gradients (central differences, compiled on wasm)", () => {
  const on = (shape: number[], seed: number, dtype: DType = "float64") =>
    jaxts.devicePut(np.array(randomData(dtype, shape.reduce((a, b) => a * b, 1), seed, { range: 3 }), { shape, dtype }), "wasm");
  it("softmaxCrossEntropy, softmaxCrossEntropyWithIntegerLabels and an MLP loss (orders 1 and 2, fwd and rev)", () => {
    const logits = on([5, 7], 1);
    const probs = jaxts.devicePut(nn.softmax(on([5, 7], 2), -1), "wasm");
    checkGrads(jit((x: Arr, y: Arr) => xent(x, y), { device: "wasm" }), [logits, probs], 2, { modes: ["fwd", "rev"] });
    const labels = jaxts.devicePut(np.array(Int32Array.from([0, 6, 3, 3, 1])), "wasm");
    checkGrads(jit((x: Arr) => xentInt(x, labels), { device: "wasm" }), [logits], 2, { modes: ["fwd", "rev"] });
    const [w1, b1, w2, x] = [on([6, 8], 3), on([8], 4), on([8, 7], 5), on([5, 6], 6)];
    const mlp = (w1: Arr, b1: Arr, w2: Arr) => xent(np.matmul(nn.relu(np.matmul(x, w1).add(b1)), w2), probs);
    checkGrads(jit(mlp, { device: "wasm" }), [w1, b1, w2], 1, { modes: ["fwd", "rev"] });
  });
});

describe("rows split across threads", () => {
  const bits = (a: Arr) => Array.from(new Uint32Array(new Float32Array(a.dataSync() as Float32Array).buffer));
  it("cross-entropy's value and gradient over 512 rows are bit-identical with 1 and 2 threads", () => {
    const put = (shape: number[], seed: number) => jaxts.devicePut(np.array(randomData("float32", shape[0]! * shape[1]!, seed, { range: 4 }), { shape }), "wasm");
    const x = put([512, 300], 11);
    const y = jaxts.devicePut(nn.softmax(put([512, 300], 12), -1), "wasm");
    const step = jit((x: Arr, y: Arr) => valueAndGrad(xent)(x, y) as unknown as Arr[], { device: "wasm" });
    const sm = jit((x: Arr) => nn.softmax(x, -1), { device: "wasm" });
    const run = () => [...step(x, y), sm(x)];
    jaxts.setNumThreads(1);
    const one = run().map(bits);
    jaxts.setNumThreads(2);
    const pool = wasmBackend.runtime.pool;
    const two = runOnPoolThreads(pool, () => run().map(bits));
    expect(two).toEqual(one);
  });
});
