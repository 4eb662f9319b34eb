/**
 * The webgpu device's contract: reads are asynchronous (`await x.data()`), synchronous reads
 * throw an error that says so, float64 is refused naming the array, the tiled matmul shader
 * and its fused epilogue agree with the reference, and a jitted call is one submission.
 */
import { describe, expect, it } from "vitest";
import { devicePut, devices, jit, numpy as np } from "../../src/index.js";
import { randomData } from "../wasm/helpers.js";
import { compareAsync, hasWebgpu, webgpu } from "./helpers.js";

const rand = (shape: number[], seed: number) => np.array(randomData("float32", shape.reduce((a, b) => a * b, 1), seed, { range: 2 }), { dtype: "float32", shape });

describe.skipIf(!hasWebgpu)("webgpu device", () => {
  it("is listed by devices()", () => {
    expect(devices()).toContain("webgpu");
  });

  it("reads asynchronously; dataSync, item and tolist say to use await x.data()", async () => {
    const x = devicePut(np.array([1.5, -2, 3]), "webgpu");
    const y = np.multiply(x, 2);
    expect(y.device).toBe("webgpu");
    expect([...(await y.data())]).toEqual([3, -4, 6]);
    expect(() => y.dataSync()).toThrow(/f32\[3\] array on the webgpu device can only be read asynchronously: use `await x\.data\(\)`/);
    expect(() => y.tolist()).toThrow(/await x\.data\(\)/);
    expect(() => np.sum(y).item()).toThrow(/await x\.data\(\)/);
    // printing shows what is known without the values
    expect(String(y)).toContain("float32");
  });

  it("holds int32, uint32 and bool arrays", async () => {
    const i = devicePut(np.array(new Int32Array([-7, 0, 5, 2147483647])), "webgpu");
    expect([...(await np.add(i, 1).data())]).toEqual([-6, 1, 6, -2147483648]);
    const u = devicePut(np.array(new Uint32Array([0, 1, 4294967295])), "webgpu");
    expect([...(await np.add(u, np.array(new Uint32Array([1, 1, 1]))).data())]).toEqual([1, 2, 0]);
    const b = np.greater(i, 0);
    expect(b.dtype).toBe("bool");
    expect([...(await b.data())]).toEqual([0, 0, 1, 1]);
    expect([...(await np.logicalNot(b).data())]).toEqual([1, 1, 0, 0]);
  });

  it("refuses float64 arrays, naming them", () => {
    const x = np.array([1, 2], { dtype: "float64" });
    expect(() => devicePut(x, "webgpu")).toThrow(/webgpu: an array placed on it is float64 \(f64\[2\]\).*no 64-bit floats.*float32/);
    const y = devicePut(np.array([1, 2]), "webgpu");
    expect(() => jit((a: np.Array) => np.sum(np.astype(a, "float64")), { device: "webgpu" })(y)).toThrow(/webgpu: output 0 of the computation is float64 \(f64\[\]\)/);
    // a float64 value inside the computation (no array the caller holds) runs the program on the host
    const f = jit((a: np.Array) => np.astype(np.sum(np.astype(a, "float64")), "float32"), { device: "webgpu" });
    expect(f.lower(y).compile().asText()).toMatch(/runs on the host: a float64 intermediate value/);
  });

  it("runs matmul on the tiled shader with a fused epilogue, batched and transposed", async () => {
    const cases: [number[], number[], (a: np.Array, b: np.Array) => np.Array][] = [
      [[37, 53], [53, 29], (a, b) => np.tanh(np.add(np.matmul(a, b), 0.5))],
      [[3, 20, 33], [3, 33, 17], (a, b) => np.multiply(np.matmul(a, b), 2)],
      [[40, 24], [40, 24], (a, b) => np.matmul(np.transpose(a), b)],
      [[64, 64], [64, 64], (a, b) => np.maximum(np.matmul(a, b), 0)],
    ];
    for (const [k, [sa, sb, f]] of cases.entries()) {
      const a = rand(sa, 10 + k);
      const b = rand(sb, 20 + k);
      const expected = f(a, b);
      const g = jit(f, { device: "webgpu" });
      const [ga, gb] = [devicePut(a, "webgpu"), devicePut(b, "webgpu")];
      await compareAsync([g(ga, gb)], [expected], `matmul case ${k}`, { rtol: 1e-4, atol: 1e-4 });
      expect(g.lower(ga, gb).compile().asText(), `case ${k} uses the matmul shader`).toContain("fn epilogue");
    }
  });

  it("runs the workgroup-shared-memory variant of the matmul shader (what a GPU adapter gets)", async () => {
    const rt = webgpu().runtime;
    const saved = rt.sharedMatmul;
    rt.sharedMatmul = true;
    try {
      const f = (a: np.Array, b: np.Array) => np.add(np.matmul(a, b), 1);
      const [a, b] = [rand([2, 45, 19], 30), rand([2, 19, 70], 31)];
      const g = jit(f, { device: "webgpu" });
      const [ga, gb] = [devicePut(a, "webgpu"), devicePut(b, "webgpu")];
      await compareAsync([g(ga, gb)], [f(a, b)], "shared-memory matmul", { rtol: 1e-4, atol: 1e-4 });
      expect(g.lower(ga, gb).compile().asText()).toContain("var<workgroup> sa");
    } finally {
      rt.sharedMatmul = saved;
    }
  });

  it("records a jitted call in one submission", async () => {
    const f = jit((x: np.Array, w: np.Array) => np.sum(np.square(np.tanh(np.matmul(x, w))), 1), { device: "webgpu" });
    const x = devicePut(rand([16, 32], 1), "webgpu");
    const w = devicePut(rand([32, 16], 2), "webgpu");
    await f(x, w).data(); // warm up: compile
    const stats = webgpu().runtime.stats;
    const before = stats.submits;
    const y = f(x, w);
    expect(stats.submits - before).toBe(1);
    await y.data();
  });

  it("shows the WGSL of a jitted function", () => {
    const f = jit((x: np.Array) => np.exp(np.add(np.multiply(np.sin(x), 2), 1)), { device: "webgpu" });
    const text = f.lower(devicePut(np.ones([8]), "webgpu")).compile().asText();
    expect(text).toContain("@compute @workgroup_size");
    expect(text).toMatch(/exp\(/);
  });
});
