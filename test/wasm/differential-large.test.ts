/**
 * The same differential property over larger shapes (vector bodies with scalar tails, several
 * microkernel tiles), on a wasm backend that uses the packed matmul kernel for every float32
 * contraction with M >= 4 and N >= 8 (the default backend keeps small ones reduce-style).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { registerBackend } from "../../src/backends/index.js";
import { createWasmBackend } from "../../src/backends/wasm.js";
import { devicePut, jit } from "../../src/index.js";
import { type A, compare, makeInputs, programArb, runProgram } from "./programs.js";

const backend = await createWasmBackend({ matmulMinFlops: 0, eagerHostMaxElements: 0 });
registerBackend(backend);

describe("random programs on larger shapes (matmul kernel forced)", () => {
  it("agree with cpu", () => {
    let ran = 0;
    fc.assert(
      fc.property(programArb(19), ({ inputs, seeds, dataSeed }) => {
        const cpuIn = makeInputs(inputs, dataSeed);
        let expected: A[];
        try {
          expected = runProgram(seeds, cpuIn);
        } catch {
          return;
        }
        ran++;
        const wasmIn = cpuIn.map((x) => devicePut(x, "wasm"));
        const jitted = jit((...xs: A[]) => runProgram(seeds, xs), { device: "wasm" })(...wasmIn);
        compare(jitted, expected, `jit ${JSON.stringify({ inputs, seeds, dataSeed })}`);
        [...wasmIn, ...jitted].forEach((x) => x.dispose());
      }),
      { numRuns: Number(process.env.RUNS ?? 150), seed: Number(process.env.SEED ?? 99) },
    );
    expect(ran).toBeGreaterThan(Number(process.env.RUNS ?? 150) * 0.8);
  });
});
