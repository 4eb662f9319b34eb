/**
 * Narrow dtypes on the webgpu device: int8 and uint8 arrays are held one element per 32-bit
 * word (sign- or zero-extended) and read back exactly; a float16 array is refused with an error
 * naming the array and the missing shader-f16 feature where the adapter lacks it (SwiftShader),
 * and held and computed (on the host: no WGSL f16 kernels yet) where the adapter offers it.
 */
import { describe, expect, it } from "vitest";
import { devicePut, jit, numpy as np } from "../../src/index.js";
import { hasWebgpu, webgpu } from "./helpers.js";

describe.skipIf(!hasWebgpu)("webgpu: narrow dtypes", () => {
  it("int8 and uint8 arrays round-trip and compute as the reference does (wrapping)", async () => {
    const i8 = np.array(Int8Array.from([1, -2, 127, -128, 0]));
    const u8 = np.array(Uint8Array.from([0, 1, 200, 255, 7]), { dtype: "uint8" });
    const [gi, gu] = [devicePut(i8, "webgpu"), devicePut(u8, "webgpu")];
    expect([...(await gi.data())]).toEqual([1, -2, 127, -128, 0]);
    expect([...(await gu.data())]).toEqual([0, 1, 200, 255, 7]);
    const f = (a: np.Array, b: np.Array) => [np.add(a, a), np.multiply(b, 2), np.astype(a, "float32")];
    const want = f(i8, u8);
    const got = jit(f, { device: "webgpu" })(gi, gu);
    for (let k = 0; k < want.length; k++) {
      expect(got[k]!.dtype).toBe(want[k]!.dtype);
      expect([...(await got[k]!.data())]).toEqual([...want[k]!.dataSync()]);
    }
  });

  it("float16 where the adapter offers shader-f16: arrays round-trip bit for bit and programs compute as the reference does", async () => {
    // SwiftShader has no shader-f16, so the adapter is made to say it has: float16 arrays are
    // held as their bits in 32-bit words and their equations run on the host (no WGSL f16
    // kernels yet), which needs no shader feature, so this checks what such an adapter gets.
    const backend = webgpu() as unknown as { adapter: { f16: boolean } };
    const saved = backend.adapter.f16;
    backend.adapter.f16 = true;
    try {
      // the smallest subnormal, the largest subnormal, the largest finite half, infinities, -0, NaN
      const h = np.astype(np.array(Float32Array.from([6e-8, 6.1e-5, 1, 65504, Infinity, -Infinity, -0, NaN, -5])), "float16");
      const values = [...h.dataSync()];
      expect(values.slice(0, 4)).toEqual([2 ** -24, 1023 * 2 ** -24, 1, 65504]);
      expect(Object.is(values[6], -0)).toBe(true);
      const g = devicePut(h, "webgpu");
      expect(g.dtype).toBe("float16");
      expect([...(await g.data())]).toEqual(values);
      const f = (a: np.Array, b: np.Array) => [np.add(a, b), np.exp(np.multiply(a, 0.5)), np.astype(a, "float32"), np.astype(np.multiply(b, 3), "float16")];
      const x = np.astype(np.array([0.1, -2.5, 1000, 65504, 3e-5, -0]), "float16");
      const y = np.array([1, 2, 3, 4, 5, 6]);
      const want = f(x, y.astype("float16")).map((a) => [...a.dataSync()]);
      const got = jit(f, { device: "webgpu" })(devicePut(x, "webgpu"), devicePut(y.astype("float16"), "webgpu"));
      for (let k = 0; k < want.length; k++) {
        expect(got[k]!.device).toBe("webgpu");
        expect([...(await got[k]!.data())], `output ${k}`).toEqual(want[k]);
      }
    } finally {
      backend.adapter.f16 = saved;
    }
  });

  it("float16 without shader-f16 is a clear error naming the array", () => {
    const hasF16 = webgpu().features.includes("shader-f16");
    const h = np.astype(np.array([1, 2, 3]), "float16");
    if (hasF16) return; // checked where a GPU with shader-f16 is lent
    expect(() => devicePut(h, "webgpu")).toThrow(/webgpu: an array placed on it is float16 \(f16\[3\]\), and this adapter \(.+\) does not offer the shader-f16 feature/);
    const x = devicePut(np.array([1, 2, 3]), "webgpu");
    expect(() => jit((a: np.Array) => np.astype(np.astype(a, "float16"), "float32"), { device: "webgpu" })(x)).toThrow(
      /an intermediate value of the computation \(from convertElementType\) is float16/,
    );
  });
});
