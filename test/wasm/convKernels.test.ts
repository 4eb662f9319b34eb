/**
 * Convolutions that used to run as host steps on wasm: batch groups (the weight gradient of
 * grouped convolutions), float64 and integer dtypes. Differential tests against the cpu
 * reference over fast-check-generated geometry (strides, padding, lhs/rhs dilation, groups);
 * the compiled programs hold no host step.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { DType } from "../../ir/dtype.js";
import type { Params } from "../../ir/primitives.js";
import { leafSteps } from "../../codegen/kernel/kernel.js";
import { lowerJaxpr } from "../../codegen/kernel/lower.js";
import { devicePut, grad, jit, lax, numpy as np } from "../../src/index.js";
import { aval, checkJaxpr, expectClose, primJaxpr, randomData } from "./helpers.js";

type A = np.Array;

const geometryArb = fc.record({
  nsp: fc.integer({ min: 1, max: 2 }),
  nb: fc.integer({ min: 1, max: 3 }),
  I: fc.integer({ min: 1, max: 3 }),
  og: fc.integer({ min: 1, max: 3 }),
  groups: fc.integer({ min: 1, max: 3 }),
  batchGroups: fc.boolean(),
  inSize: fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 2, maxLength: 2 }),
  kSize: fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 2, maxLength: 2 }),
  stride: fc.array(fc.integer({ min: 1, max: 2 }), { minLength: 2, maxLength: 2 }),
  pad: fc.array(fc.tuple(fc.integer({ min: -1, max: 2 }), fc.integer({ min: -1, max: 2 })), { minLength: 2, maxLength: 2 }),
  lhsDil: fc.array(fc.integer({ min: 1, max: 2 }), { minLength: 2, maxLength: 2 }),
  rhsDil: fc.array(fc.integer({ min: 1, max: 2 }), { minLength: 2, maxLength: 2 }),
  dtype: fc.constantFrom<DType>("float32", "float64", "int32", "uint32"),
  seed: fc.integer({ min: 0, max: 1 << 20 }),
});

describe("convolutions with batch groups, float64 and integer dtypes are native", () => {
  it("match the reference", () => {
    let ran = 0;
    fc.assert(
      fc.property(geometryArb, (c) => {
        const sp = (xs: number[]) => xs.slice(0, c.nsp);
        const fg = c.batchGroups ? 1 : c.groups;
        const bg = c.batchGroups ? c.groups : 1;
        const lhsShape = [c.nb * bg, c.I * fg, ...sp(c.inSize)];
        const rhsShape = [c.og * c.groups, c.I, ...sp(c.kSize)];
        const spec = [0, 1, ...sp([2, 3])];
        const p: Params<"convGeneralDilated"> = {
          windowStrides: sp(c.stride),
          padding: sp(c.pad as never) as never,
          lhsDilation: sp(c.lhsDil),
          rhsDilation: sp(c.rhsDil),
          dimensionNumbers: { lhsSpec: spec, rhsSpec: spec, outSpec: spec },
          featureGroupCount: fg,
          batchGroupCount: bg,
          preferredElementType: null,
        };
        let j;
        try {
          j = primJaxpr("convGeneralDilated", [aval(lhsShape, c.dtype), aval(rhsShape, c.dtype)], p);
        } catch {
          return; // an empty or negative output size
        }
        ran++;
        expect(leafSteps(lowerJaxpr(j).steps).every((s) => s.kind !== "host")).toBe(true);
        const tol = c.dtype === "float32" ? { rtol: 1e-5, atol: 1e-5 } : {};
        checkJaxpr(j, j.invars.map((v, k) => randomData(v.aval.dtype, v.aval.size, c.seed + k)), tol, `conv ${JSON.stringify(c)}`);
      }),
      { numRuns: 150 },
    );
    expect(ran).toBeGreaterThan(50);
  });

  it("the weight gradient of a grouped convolution (batch groups) under jit == cpu, no host step", () => {
    const f = (x: A, w: A) =>
      np.sum(np.square(lax.convGeneralDilated(x, w, [1, 1], [[1, 1], [1, 1]], { featureGroupCount: 2, dimensionNumbers: ["NCHW", "OIHW", "NCHW"] })));
    const x = np.array(randomData("float32", 2 * 4 * 5 * 5, 1) as Float32Array).reshape([2, 4, 5, 5]);
    const w = np.array(randomData("float32", 6 * 2 * 3 * 3, 2) as Float32Array).reshape([6, 2, 3, 3]);
    const g = (a: A, b: A) => grad(f, { argnums: 1 })(a, b);
    const text = jit(g, { device: "wasm" }).lower(x, w).compile().asText();
    expect(text).not.toMatch(/host /);
    const got = jit(g, { device: "wasm" })(devicePut(x, "wasm"), devicePut(w, "wasm"));
    const want = g(devicePut(x, "cpu"), devicePut(w, "cpu"));
    expectClose(got.dataSync(), want.dataSync(), "float32", { rtol: 1e-4, atol: 1e-4 }, "grouped conv weight gradient");
  });
});
