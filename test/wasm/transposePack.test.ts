/**
 * Transposing copies rendered as 4x4 register transposes (codegen/wasm/transposeKernel.ts): the
 * matmul's A pack for tiles of 4, 8, 12 and 16 rows (with a fused producer, ragged k tails,
 * batches, and an A read transposed, which stays on the generic path) and plain transposes
 * whose output rows are 4..16 wide, against the reference interpreter.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Jaxpr } from "../../ir/jaxpr.js";
import { createWasmBackend } from "../../src/backends/wasm.js";
import { jit, makeJaxpr, numpy as np } from "../../src/index.js";
import { checkJaxpr, randomData } from "./helpers.js";

const jaxprOf = (f: (...xs: np.Array[]) => np.Array, ...shapes: number[][]): Jaxpr =>
  makeJaxpr(f)(...shapes.map((s) => np.zeros(s))).jaxpr;

/** The text of one function of a module's WAT. */
const funcText = (wat: string, name: string): string => {
  const start = wat.indexOf(`(func $${name} `);
  expect(start, `function ${name} in the module`).toBeGreaterThanOrEqual(0);
  const next = wat.indexOf("\n(func ", start + 1);
  return wat.slice(start, next < 0 ? undefined : next);
};

const producers: Record<string, (x: np.Array) => np.Array> = {
  none: (x) => x,
  "relu(2x - 1)": (x) => np.maximum(np.subtract(np.multiply(x, 2), 1), 0),
  "x transposed": (x) => np.swapaxes(x, -1, -2),
};

describe("transposing packs", () => {
  it("the A pack of a 4x8 tile is loads along k, 8 shuffles and 4 stores per 4x4 block (no lane inserts)", () => {
    const a = np.zeros([64, 64]);
    const text = jit((x: np.Array, w: np.Array) => np.matmul(x, w), { device: "wasm" }).lower(a, a).compile().asText();
    const pack = funcText(text, text.match(/\(func \$(\w+_packA) /)![1]!);
    expect(pack.match(/i8x16\.shuffle/g)?.length).toBe(8);
    expect(pack).not.toContain("replace_lane");
    expect(pack.match(/v128\.store/g)?.length).toBe(4);
  });

  for (const tile of [
    [4, 8],
    [8, 4],
    [12, 4],
    [16, 4],
  ] as const)
    it(`tile ${tile[0]}x${tile[1]}: x @ w with a producer on x matches the reference (ragged k, m and n)`, async () => {
      const backend = await createWasmBackend({ matmulTile: tile, matmulMinFlops: 0, eagerHostMaxElements: 0 });
      fc.assert(
        fc.property(
          fc.integer({ min: 1, max: 2 }),
          fc.integer({ min: 1, max: 41 }),
          fc.integer({ min: 1, max: 21 }),
          fc.integer({ min: 1, max: 39 }),
          fc.constantFrom(...Object.keys(producers)),
          fc.integer({ min: 0, max: 1000 }),
          (b, m, n, k, producer, seed) => {
            const p = producers[producer]!;
            const xShape = producer === "x transposed" ? [b, k, m] : [b, m, k];
            const j = jaxprOf((x, w) => np.matmul(p(x), w), xShape, [b, k, n]);
            const inputs = j.invars.map((v, i) => randomData("float32", v.aval.size, seed + i, { range: 2 }));
            checkJaxpr(j, inputs, { rtol: 1e-4, atol: 1e-4 }, `${tile} ${producer} ${b}x${m}x${k} @ ${k}x${n}`, backend);
          },
        ),
        { numRuns: 30 },
      );
    });

  it("a transpose of [8, 37] is a register transpose too", () => {
    const text = jit((x: np.Array) => np.transpose(x), { device: "wasm" }).lower(np.zeros([8, 37])).compile().asText();
    expect(text.match(/i8x16\.shuffle/g)?.length).toBeGreaterThanOrEqual(8);
  });

  it("transposes (and a fused map) of [r, c], r = 4..16, match the reference exactly", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4 }).map((q) => 4 * q),
        fc.integer({ min: 1, max: 45 }),
        fc.boolean(),
        fc.constantFrom("float32", "int32"),
        fc.integer({ min: 0, max: 1000 }),
        (r, c, fused, dtype, seed) => {
          const f = fused ? (x: np.Array) => np.add(np.transpose(x), np.transpose(x)) : (x: np.Array) => np.transpose(x);
          const j = makeJaxpr(f)(np.zeros([r, c], { dtype })).jaxpr;
          checkJaxpr(j, [randomData(dtype, r * c, seed)], { rtol: 0, atol: 0 }, `${dtype} [${r}, ${c}]${fused ? " fused" : ""}`);
        },
      ),
      { numRuns: 40 },
    );
  });
});
