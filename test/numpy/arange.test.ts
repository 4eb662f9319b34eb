/** `np.arange` with a dtype: the trailing `{dtype}` after any of its numbers, or NumPy's positional dtype. */
import { describe, expect, it } from "vitest";
import { numpy as np } from "../../src/index.js";

describe("np.arange dtype", () => {
  it("takes {dtype} after stop, after start/stop, and after start/stop/step", () => {
    const a = np.arange(4, { dtype: "float32" });
    expect([a.dtype, a.tolist()]).toEqual(["float32", [0, 1, 2, 3]]);
    const b = np.arange(1, 4, { dtype: "float64" });
    expect([b.dtype, b.tolist()]).toEqual(["float64", [1, 2, 3]]);
    const c = np.arange(0, 1, 0.25, { dtype: "float64" });
    expect([c.dtype, c.tolist()]).toEqual(["float64", [0, 0.25, 0.5, 0.75]]);
    const d = np.arange(0, 6, 2, "uint32");
    expect([d.dtype, d.tolist()]).toEqual(["uint32", [0, 2, 4]]);
    expect(np.arange(0, null, { dtype: "int32" }).shape).toEqual([0]);
  });

  it("keeps JAX's defaults without one: int32 for integers, float32 otherwise", () => {
    expect(np.arange(3).dtype).toBe("int32");
    expect(np.arange(0, 1, 0.5).dtype).toBe("float32");
  });

  it("rejects unknown options and extra arguments, naming np.arange", () => {
    expect(() => np.arange(3, { dtpye: "float32" } as never)).toThrow('np.arange: unknown option "dtpye"; the options are stop, step, dtype');
    // NumPy's fourth positional argument is the dtype.
    expect(() => (np.arange as (...a: unknown[]) => unknown)(0, 1, 1, 1)).toThrow("np.arange: dtype must be a dtype");
    expect(() => (np.arange as (...a: unknown[]) => unknown)(0, 1, 1, "int32", 5)).toThrow(/^np\.arange: .*argument/);
    expect(() => np.arange(3, { dtype: "f32" as never })).toThrow('np.arange: dtype must be a dtype ("float32", "float64", "int32", "uint32", "bool", "int8", "uint8" or "float16") or null, got "f32"');
  });
});
