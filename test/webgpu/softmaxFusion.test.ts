/**
 * The fused kernels of issue 11 item 3 (codegen/kernel/recompute.ts, fuseConsumers.ts) rendered
 * as WGSL: softmax, logSoftmax, cross-entropy's value and gradient, bias + relu recomputed in
 * their readers, and the relu gradient inside pooling's gradient routing, against the cpu
 * reference. Rows hold huge values; rows of infinities and NaN are test/webgpu/nanSemantics.test.ts's
 * (WGSL does not promise IEEE semantics for them; the renderer guards the forms that need it).
 */
import { describe, it } from "vitest";
import { devicePut, grad, jit, lax, nn, numpy as np, optax, valueAndGrad } from "../../src/index.js";
import { randomData } from "../wasm/helpers.js";
import { compareAsync, hasWebgpu } from "./helpers.js";

type Arr = np.Array;
const rand = (shape: number[], seed: number, range = 3) => np.array(randomData("float32", shape.reduce((a, b) => a * b, 1), seed, { range }), { dtype: "float32", shape });

/** Runs `f` under jit on webgpu and on cpu and compares every output. */
async function agree(what: string, f: (...xs: Arr[]) => Arr | Arr[], ...xs: Arr[]): Promise<void> {
  const outs = (r: Arr | Arr[]) => (Array.isArray(r) ? r.flat(Infinity as 1) as Arr[] : [r]);
  const want = outs(jit(f, { device: "cpu" })(...xs.map((x) => devicePut(x, "cpu"))));
  const got = outs(jit(f, { device: "webgpu" })(...xs.map((x) => devicePut(x, "webgpu"))));
  await compareAsync(got, want, what);
}

describe.skipIf(!hasWebgpu)("fused softmax / cross-entropy / relu kernels on webgpu == cpu", () => {
  it("softmax, logSoftmax and cross-entropy (one-hot and integer labels), value and gradient", async () => {
    const data = randomData("float32", 6 * 9, 5, { range: 4 });
    for (let c = 0; c < 9; c++) data[9 + c] = (c - 4) * 1e30; // a row of huge values
    data[18] = 3e38; // one near float32's largest
    const x = np.array(data, { shape: [6, 9] });
    const probs = nn.softmax(rand([6, 9], 6), -1);
    const labels = np.array(Int32Array.from([0, 8, 3, 3, 1, 5]));
    await agree("softmax", (a) => nn.softmax(a, -1), x);
    await agree("logSoftmax axis 0", (a) => nn.logSoftmax(a, 0), x);
    const finite = rand([6, 9], 7);
    await agree("softmaxCrossEntropy value and grad", (a, y) => valueAndGrad((b: Arr, c: Arr) => np.mean(optax.softmaxCrossEntropy(b, c)))(a, y) as unknown as Arr[], finite, probs);
    await agree(
      "softmaxCrossEntropyWithIntegerLabels value and grad",
      (a, y) => valueAndGrad((b: Arr, c: Arr) => np.mean(optax.softmaxCrossEntropyWithIntegerLabels(b, c)))(a, y) as unknown as Arr[],
      finite,
      labels,
    );
  });

  it("an MLP loss's gradient (bias + relu recomputed in packs and masks) and a pooled relu's gradient (fused into the routing)", async () => {
    const mlp = (w1: Arr, b1: Arr, w2: Arr, x: Arr, y: Arr) => np.mean(optax.softmaxCrossEntropy(np.matmul(nn.relu(np.add(np.matmul(x, w1), b1)), w2), y));
    await agree("mlp grad", (w1, b1, w2, x, y) => grad(mlp, { argnums: [0, 1, 2] })(w1, b1, w2, x, y) as unknown as Arr[], rand([64, 32], 1, 0.3), rand([32], 2, 0.3), rand([32, 16], 3, 0.3), rand([48, 64], 4, 1), nn.softmax(rand([48, 16], 5), -1));
    const pool = (x: Arr) => lax.reduceWindow(x, -Infinity, lax.max, [1, 2, 2, 1], [1, 2, 2, 1], "VALID");
    const loss = (x: Arr, b: Arr, w: Arr) => np.sum(np.matmul(np.reshape(pool(nn.relu(np.add(x, b))), [2, 48]), w));
    await agree("pooled relu grad", (x, b, w) => grad(loss, { argnums: [0, 1] })(x, b, w) as unknown as Arr[], rand([2, 8, 8, 3], 8, 2), rand([3], 9, 0.5), rand([48, 5], 10, 1));
  });
});
