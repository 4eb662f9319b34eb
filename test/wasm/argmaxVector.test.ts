/**
 * argmax/argmin vectorized across outputs (codegen/wasm/emitter.ts argReduceVector): four
 * outputs per vector, each lane keeping its own best value and index. The lanes must pick what
 * the scalar loop and the reference pick: the first index among ties, the first NaN (argmax),
 * and for pooling gradients XLA's select fold (a NaN replaces until the window's end).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { DType } from "../../ir/dtype.js";
import type { Jaxpr } from "../../ir/jaxpr.js";
import { lax, makeJaxpr, numpy as np, vjp } from "../../src/index.js";
import { aval, checkJaxpr, checkPrimitive, randomData, wasmBackend } from "./helpers.js";

/** Values with ties (few distinct), NaN, and infinities forced in. */
function tiedData(d: DType, n: number, seed: number, nanRate: number): Float32Array | Int32Array | Uint32Array {
  const base = randomData(d, n, seed, { range: 3 });
  const out = d === "float32" ? new Float32Array(n) : d === "int32" ? new Int32Array(n) : new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    const r = ((i * 2654435761 + seed * 97) >>> 0) / 2 ** 32;
    if (d === "float32" && r < nanRate) out[i] = NaN;
    else if (d === "float32" && r < nanRate + 0.05) out[i] = r < nanRate + 0.025 ? Infinity : -Infinity;
    else out[i] = Math.round(Number(base[i]!));
  }
  return out;
}

describe("argmax/argmin across four outputs at once", () => {
  it("the vector form is what the kernels use (reduction over axis 0 of [n, c], c >= 4)", () => {
    const j = makeJaxpr((x: np.Array) => np.argmax(x, 0))(np.zeros([9, 8])).jaxpr;
    const wat = wasmBackend.lowerText(j);
    expect(wat).toMatch(/v128\.bitselect \(i32x4\.splat/);
  });

  it("property: any [n, c] over axis 0 (and the last axis), float32/int32/uint32, ties, NaN and infinities: the reference's indices", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 1, max: 13 }),
        fc.constantFrom<DType>("float32", "int32", "uint32"),
        fc.constantFrom(0, 0.1, 0.4),
        fc.nat(1000),
        (n, c, d, nanRate, seed) => {
          const data = tiedData(d, n * c, seed, nanRate);
          for (const p of ["argmax", "argmin"] as const)
            for (const axis of [0, 1]) checkPrimitive(p, [{ aval: aval([n, c], d), data }], { axes: [axis], indexDtype: "int32" });
        },
      ),
      { numRuns: 60 },
    );
  });

  it("property: max-pooling gradients (XLA's select fold) with ties and NaN in windows, outputs four at a time", () => {
    const pooled = (shape: number[], win: number, stride: number): Jaxpr =>
      makeJaxpr((x: np.Array, ct: np.Array) => {
        const [, back] = vjp((y: np.Array) => lax.reduceWindow(y, -Infinity, lax.max, [1, win, win], [1, stride, stride], "VALID"), [x]);
        return (back(ct) as np.Array[])[0]!;
      })(np.zeros(shape), np.zeros([shape[0]!, Math.floor((shape[1]! - win) / stride) + 1, Math.floor((shape[2]! - win) / stride) + 1])).jaxpr;
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 12 }), fc.integer({ min: 4, max: 17 }), fc.constantFrom(2, 3), fc.constantFrom(1, 2), fc.nat(1000), (h, w, win, stride, seed) => {
        if (h < win || w < win) return;
        const j = pooled([2, h, w], win, stride);
        const x = tiedData("float32", 2 * h * w, seed, 0.15);
        const ct = randomData("float32", j.invars[1]!.aval.size, seed + 1, { range: 2 });
        checkJaxpr(j, [x, ct], { rtol: 0, atol: 0 });
      }),
      { numRuns: 40 },
    );
  });
});
