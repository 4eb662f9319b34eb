/**
 * Cumulative sums, products, maxima and minima on wasm against the cpu reference: one map
 * kernel whose scanned axis is a sequential loop (codegen/kernel/lowerScan.ts), every other
 * axis parallel; any rank, axis, direction and dtype, eager and fused, never a host step.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Jaxpr, Var, eqn } from "../../ir/jaxpr.js";
import type { DType } from "../../ir/dtype.js";
import { leafSteps } from "../../codegen/kernel/kernel.js";
import { lowerJaxpr } from "../../codegen/kernel/lower.js";
import { aval, checkJaxpr, checkPrimitive, literal, randomData } from "./helpers.js";
import { evalPrimitiveRef } from "../../codegen/ref/index.js";

const prims = ["cumsum", "cumprod", "cummax", "cummin"] as const;

const shapeAxis = fc
  .array(fc.integer({ min: 0, max: 9 }), { minLength: 1, maxLength: 3 })
  .chain((shape) => fc.tuple(fc.constant(shape), fc.integer({ min: 0, max: shape.length - 1 }), fc.boolean()));

describe("cumulative kernels == cpu", () => {
  it.each(["float32", "float64", "int32", "uint32"] as const)("%s: any rank, axis and direction; eager, and fused between a producer and a consumer", (dtype: DType) => {
    fc.assert(
      fc.property(shapeAxis, fc.constantFrom(...prims), fc.nat(1000), ([shape, axis, reverse], prim, seed) => {
        const size = shape.reduce((a, b) => a * b, 1);
        const data = randomData(dtype, size, seed, { specials: dtype.startsWith("float"), range: 3 });
        const tol = { rtol: 1e-5, atol: 1e-5 };
        checkPrimitive(prim, [{ aval: aval(shape, dtype), data }], { axis, reverse }, tol);
        // x + 1 -> scan -> * 2 under jit
        const x = new Var(aval(shape, dtype));
        const y = new Var(aval(shape, dtype));
        const s = new Var(aval(shape, dtype));
        const out = new Var(aval(shape, dtype));
        const j = new Jaxpr(
          [],
          [x],
          [eqn("add", [x, literal(1, dtype)], {}, [y]), eqn(prim, [y], { axis, reverse }, [s]), eqn("mul", [s, literal(2, dtype)], {}, [out])],
          [out],
        );
        checkJaxpr(j, [data], tol, `${prim} ${dtype}[${shape}] axis ${axis}${reverse ? " reversed" : ""}`);
        expect(leafSteps(lowerJaxpr(j).steps).filter((st) => st.kind === "host")).toEqual([]);
      }),
      { numRuns: 50 },
    );
  });

  it("float32 scans accumulate in float32, in order: bit-identical to the cpu reference, and JAX's value where a double accumulator would differ", () => {
    // jnp.cumsum(jnp.array([1e8, 1, 1, 1, -1e8], jnp.float32)) in JAX 0.10.2 (CPU):
    // [1e8, 1e8, 1e8, 1e8, 0]; a double accumulator ends at 3 instead.
    const x = new Float32Array([1e8, 1, 1, 1, -1e8]);
    const expected = new Float32Array([1e8, 1e8, 1e8, 1e8, 0]);
    const inAval = aval([5], "float32");
    expect(Array.from(evalPrimitiveRef("cumsum", [x], [inAval], { axis: 0, reverse: false }, [inAval])[0]!)).toEqual(Array.from(expected));
    checkPrimitive("cumsum", [{ aval: inAval, data: x }], { axis: 0, reverse: false }, { rtol: 0, atol: 0 });
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2000 }), fc.constantFrom("cumsum", "cumprod"), fc.boolean(), fc.nat(1000), (n, prim, reverse, seed) => {
        const data = randomData("float32", n, seed, { range: 100 });
        checkPrimitive(prim, [{ aval: aval([n], "float32"), data }], { axis: 0, reverse }, { rtol: 0, atol: 0 });
      }),
      { numRuns: 30 },
    );
  });

  it("long lines and wide batches: a 1-D scan of 100k elements and a scan along axis 0 of [300, 1000] (vectorized and split over the other axis)", () => {
    const long = { aval: aval([100_000], "int32"), data: randomData("int32", 100_000, 3, { range: 100 }) };
    checkPrimitive("cumsum", [long], { axis: 0, reverse: false });
    checkPrimitive("cummax", [long], { axis: 0, reverse: true });
    const wide = { aval: aval([300, 1000], "float32"), data: randomData("float32", 300_000, 4, { range: 1 }) };
    checkPrimitive("cumsum", [wide], { axis: 0, reverse: false }, { rtol: 1e-4, atol: 1e-4 });
    checkPrimitive("cummin", [wide], { axis: 1, reverse: true });
  });
});
