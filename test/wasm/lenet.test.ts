/**
 * The LeNet-5 training step (examples/lenet.ts: stax convs, max pooling, dense layers,
 * cross-entropy, Adam) compiles to native kernels on wasm: pooling, its gradient and the
 * convolutions (and their gradients) are no longer host steps, and the compiled step matches
 * the cpu reference.
 */
import { describe, expect, it } from "vitest";
import { devicePut, jit, numpy as np, optax, random, tree, valueAndGrad } from "../../src/index.js";
import { LeNet } from "../../examples/lenetModel.js";
import "./helpers.js";

describe("LeNet-5 training step on wasm", () => {
  const [init, apply] = LeNet();
  const [, params] = init(random.key(0), [-1, 28, 28, 1]);
  const opt = optax.adam(1e-3);
  const state = opt.init(params);
  const loss = (p: unknown, x: np.Array, y: np.Array) => np.mean(optax.softmaxCrossEntropyWithIntegerLabels(apply(p, x), y));
  const step = (p: unknown, s: unknown, x: np.Array, y: np.Array) => {
    const [l, g] = valueAndGrad(loss)(p, x, y);
    const [u, s2] = opt.update(g, s, p);
    return [optax.applyUpdates(p, u), s2, l];
  };
  const B = 8;
  const x = np.array(Float32Array.from({ length: B * 784 }, (_, i) => ((i * 2654435761) >>> 0) / 4294967296)).reshape([B, 28, 28, 1]);
  const y = np.array(Int32Array.from({ length: B }, (_, i) => i % 10));

  it("has no host step (pooling, its gradient, the convolutions, the labels' gather and scatter-add are kernels)", () => {
    const text = jit(step, { device: "wasm" }).lower(params, state, x, y).compile().asText();
    const hostSteps = [...text.matchAll(/: host (\w+)\(/g)].map((m) => m[1]!);
    expect(hostSteps).toEqual([]);
    expect(text).toMatch(/reduceWindowMax: map/);
    expect(text).toMatch(/selectAndScatterAdd: map/);
    // every convolution (forward, weight and input gradients) as a direct kernel (directConv.ts)
    expect(text.match(/convGeneralDilated: directConv \[/g)?.length).toBe(5);
  });

  it("computes what the cpu reference computes", () => {
    const on = (device: "wasm" | "cpu") => {
      const put = (t: unknown) => tree.map((v: np.Array) => devicePut(v, device), t);
      return tree.leaves<np.Array>(jit(step, { device })(put(params), put(state), put(x), put(y)));
    };
    const a = on("wasm");
    const b = on("cpu");
    expect(a.length).toBe(b.length);
    a.forEach((v, i) => {
      const got = Array.from(v.dataSync());
      const want = Array.from(b[i]!.dataSync());
      got.forEach((g, k) => expect(Math.abs(g - want[k]!), `leaf ${i} element ${k}: ${g} vs ${want[k]}`).toBeLessThanOrEqual(1e-4 + 1e-3 * Math.abs(want[k]!)));
    });
  });
});
