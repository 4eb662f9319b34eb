/**
 * Differential tests: random programs (the wasm suite's generator: elementwise chains,
 * broadcasting, views, reductions, contractions, conversions and host-step primitives, odd and
 * size-0 shapes) give the same results on `webgpu`, eagerly (one cached pipeline program per
 * primitive) and under jit (one submission), as on the `cpu` reference. float64 inputs become
 * float32 (webgpu refuses float64).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { devicePut, jit } from "../../src/index.js";
import { type A, makeInputs, programArb, runProgram } from "../wasm/programs.js";
import { compareAsync, hasWebgpu } from "./helpers.js";

describe.skipIf(!hasWebgpu)("random programs: webgpu (eager and jit) == cpu", () => {
  it("agree on random chains of operations", async () => {
    let ran = 0;
    const runs = Number(process.env.RUNS ?? 60);
    await fc.assert(
      fc.asyncProperty(programArb(), async ({ inputs, seeds, dataSeed }) => {
        const specs = inputs.map((s) => ({ ...s, dtype: s.dtype === "float64" ? ("float32" as const) : s.dtype }));
        const cpuIn = makeInputs(specs, dataSeed);
        let expected: A[];
        try {
          expected = runProgram(seeds, cpuIn);
        } catch {
          return; // an invalid program on the reference (a shape error): nothing to compare
        }
        ran++;
        const what = JSON.stringify({ inputs: specs, seeds, dataSeed });
        const gpuIn = cpuIn.map((x) => devicePut(x, "webgpu"));
        const eager = runProgram(seeds, gpuIn);
        await compareAsync(eager, expected, `eager ${what}`);
        const jitted = jit((...xs: A[]) => runProgram(seeds, xs), { device: "webgpu" })(...gpuIn);
        await compareAsync(jitted, expected, `jit ${what}`);
        [...gpuIn, ...eager, ...jitted].forEach((x) => x.dispose());
      }),
      { numRuns: runs, seed: Number(process.env.SEED ?? 20240611) },
    );
    expect(ran).toBeGreaterThan(runs * 0.7);
  }, 240_000);
});
