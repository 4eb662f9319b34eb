/**
 * Differential tests: random programs (chains of numpy/lax operations over random shapes,
 * dtypes, broadcasting, views, reductions, contractions and host-step primitives, odd sizes and
 * size-0 dims) give the same results on `wasm` — eagerly (one cached program per primitive) and
 * under jit (one fused module) — as on the `cpu` reference.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { defaultDevice, devicePut, jit } from "../../src/index.js";
import { wasmBackend } from "./helpers.js";
import { type A, compare, makeInputs, programArb, runProgram } from "./programs.js";

describe("random programs: wasm (eager and jit) == cpu", () => {
  it("does not leak wasm memory across programs", () => {
    // JS numbers become scalar arrays on the default device, freed only when garbage collected;
    // keep those on cpu here so that every wasm allocation is an input, an output or an arena.
    const savedDefault = defaultDevice();
    defaultDevice("cpu");
    const before = wasmBackend.allocatedBytes;
    try {
    fc.assert(
      fc.property(programArb(), ({ inputs, seeds, dataSeed }) => {
        const wasmIn = makeInputs(inputs, dataSeed).map((x) => devicePut(x, "wasm"));
        let outs: A[] = [];
        try {
          outs = jit((...xs: A[]) => runProgram(seeds, xs), { device: "wasm" })(...wasmIn);
        } catch {
          // shape errors while tracing
        }
        [...wasmIn, ...outs].forEach((x) => x.dispose());
      }),
      { numRuns: 30, seed: 7 },
    );
    expect(wasmBackend.allocatedBytes).toBe(before);
    } finally {
      defaultDevice(savedDefault);
    }
  });
  it("agree on random chains of operations", () => {
    let ran = 0;
    fc.assert(
      fc.property(programArb(), ({ inputs, seeds, dataSeed }) => {
        const cpuIn = makeInputs(inputs, dataSeed);
        let expected: A[];
        try {
          expected = runProgram(seeds, cpuIn);
        } catch (e) {
          if (process.env.SHOW_SKIPS) console.log("skipped", (e as Error).message);
          return; // an invalid program on the reference (a shape error): nothing to compare
        }
        ran++;
        const wasmIn = cpuIn.map((x) => devicePut(x, "wasm"));
        const eager = runProgram(seeds, wasmIn);
        compare(eager, expected, `eager ${JSON.stringify({ inputs, seeds, dataSeed })}`);
        const jitted = jit((...xs: A[]) => runProgram(seeds, xs), { device: "wasm" })(...wasmIn);
        compare(jitted, expected, `jit ${JSON.stringify({ inputs, seeds, dataSeed })}`);
        [...wasmIn, ...eager, ...jitted].forEach((x) => x.dispose());
      }),
      { numRuns: Number(process.env.RUNS ?? 300), seed: Number(process.env.SEED ?? 20240611) },
    );
    expect(ran).toBeGreaterThan(Number(process.env.RUNS ?? 300) * 0.8);
  });

});
