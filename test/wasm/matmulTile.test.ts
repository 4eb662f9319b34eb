/**
 * The matmul microkernel with every register tile the backend may pick (defaultMatmulTile: 3x12
 * with relaxed SIMD, 4x8 without) and a few others, with and without relaxed SIMD where the
 * engine has it, against the reference interpreter over random shapes (edge tiles in both
 * dims, batches, epilogues). CI's Node has no relaxed SIMD unless flagged, so the tile that
 * relaxed engines get is also checked with mul+add here.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Jaxpr } from "../../ir/jaxpr.js";
import { WasmRuntime } from "../../codegen/wasm/runtime.js";
import { createWasmBackend, defaultMatmulTile, loadWabt } from "../../src/backends/wasm.js";
import { makeJaxpr, numpy as np } from "../../src/index.js";
import { checkJaxpr, randomData } from "./helpers.js";

const jaxprOf = (f: (...xs: np.Array[]) => np.Array, ...shapes: number[][]): Jaxpr =>
  makeJaxpr(f)(...shapes.map((s) => np.zeros(s))).jaxpr;

const relaxedAvailable = WasmRuntime.detectRelaxedSimd(await loadWabt());
const tiles: (readonly [number, number])[] = [
  [3, 12],
  [4, 8],
  [1, 4],
  [5, 4],
];
const modes = relaxedAvailable ? [false, true] : [false];

describe("matmul register tiles", () => {
  it("the default tile follows relaxed SIMD; products narrower than the tile fall back to 4x8", async () => {
    expect(defaultMatmulTile(true)).toEqual([3, 12]);
    expect(defaultMatmulTile(false)).toEqual([4, 8]);
    const backend = await createWasmBackend({ matmulTile: [3, 12], matmulMinFlops: 0 });
    expect(backend.lowerText(jaxprOf((x, w) => np.matmul(x, w), [16, 7], [7, 10]))).toContain("tile 4x8");
    expect(backend.lowerText(jaxprOf((x, w) => np.matmul(x, w), [3, 7], [7, 12]))).toContain("tile 3x12");
  });

  for (const relaxedSimd of modes)
    for (const tile of tiles)
      it(`${tile[0]}x${tile[1]}${relaxedSimd ? " (relaxed SIMD)" : ""}: batched x @ w (+ an epilogue) matches the reference`, async () => {
        const backend = await createWasmBackend({ matmulTile: tile, relaxedSimd, matmulMinFlops: 0, eagerHostMaxElements: 0 });
        expect(backend.lowerText(jaxprOf((x, w) => np.matmul(x, w), [16, 16], [16, 16]))).toContain(`tile ${tile[0]}x${tile[1]}`);
        fc.assert(
          fc.property(
            fc.integer({ min: 1, max: 3 }),
            fc.integer({ min: 1, max: 29 }),
            fc.integer({ min: 1, max: 37 }),
            fc.integer({ min: 1, max: 33 }),
            fc.boolean(),
            fc.integer({ min: 0, max: 1000 }),
            (b, m, n, k, epilogue, seed) => {
              const f = epilogue ? (x: np.Array, w: np.Array) => np.tanh(np.subtract(np.matmul(x, w), 0.5)) : (x: np.Array, w: np.Array) => np.matmul(x, w);
              const j = jaxprOf(f, [b, m, k], [b, k, n]);
              const inputs = j.invars.map((v, i) => randomData("float32", v.aval.size, seed + i, { range: 2 }));
              checkJaxpr(j, inputs, { rtol: 1e-4, atol: 1e-4 }, `${tile} ${b}x${m}x${k} @ ${k}x${n}`, backend);
            },
          ),
          { numRuns: 25 },
        );
      });
});
