/**
 * Issue 11 item 2, eagerly: un-jitted primitives on int8, uint8 and float16 arrays run the same
 * native kernels as jitted ones (one cached single-equation program per primitive and shape, or
 * a size-generic one for elementwise ops), not the reference interpreter. Observable: the
 * backend's hostOps counter (eager ops handed to the reference) and the runtime's hostSteps
 * counter (host steps run inside compiled programs) stay put but for the primitives
 * narrowProbe.ts's expectedHost lists; and every result has the reference's bits.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ShapedArray } from "../../ir/aval.js";
import { type AnyTypedArray, type DType, storeScalar, typedArrayFor } from "../../ir/dtype.js";
import { Literal } from "../../ir/jaxpr.js";
import { type Primitive, inferShapes } from "../../ir/primitives.js";
import * as E from "fp-ts/lib/Either.js";
import { evalJaxprRef } from "../../codegen/ref/index.js";
import type { WasmBackend, WasmBuffer } from "../../src/backends/wasm.js";
import { createWasmBackend } from "../../src/backends/wasm.js";
import { expectClose, primJaxpr } from "./helpers.js";
import { type NarrowDType, type Probe, exactFloatOps, expectFloat16, expectHost, narrowData, narrowDtypes, narrowProbes } from "./narrowProbe.js";

/** Compiles every eager op (as the default backend does for those over 2048 elements, and for elementwise ones always). */
const backend: WasmBackend = await createWasmBackend({ eagerHostMaxElements: 0 });

/** Runs a probe's one equation eagerly (literal operands as rank-0 arrays), with the counters' increments. */
function runEager(b: WasmBackend, p: Probe): { outs: AnyTypedArray[]; hostOps: number; hostSteps: number } {
  const e = p.jaxpr.eqns[0]!;
  let k = 0;
  const bufs: WasmBuffer[] = e.inputs.map((a) => {
    if (a instanceof Literal) {
      const t = typedArrayFor(a.aval.dtype, 1);
      t[0] = storeScalar(a.value, a.aval.dtype);
      return b.fromHost(t, a.aval);
    }
    return b.fromHost(p.inputs[k++]!, a.aval);
  });
  const [ops0, steps0] = [b.stats.hostOps, b.runtime.hostSteps];
  const outBufs = b.executePrimitive(e.primitive as Primitive, bufs, e.inputs.map((a) => a.aval), e.params as never, e.outVars.map((v) => v.aval));
  const counts = { hostOps: b.stats.hostOps - ops0, hostSteps: b.runtime.hostSteps - steps0 };
  const outs = outBufs.map((o, j) => b.readSync(o, e.outVars[j]!.aval));
  [...bufs, ...outBufs].forEach((x) => b.dispose(x));
  return { outs, ...counts };
}

function expectSameBits(p: Probe, got: AnyTypedArray[], want: AnyTypedArray[]): void {
  want.forEach((w, k) => {
    const aval = p.jaxpr.outs[k]!.aval;
    if (aval.dtype === "float16") expectFloat16(got[k] as Uint16Array, w as Uint16Array, !exactFloatOps.has(p.prim), p.name);
    else expectClose(got[k]!, w, aval.dtype, { rtol: 0, atol: 0 }, p.name);
  });
}

describe("narrow dtypes: eager ops on wasm run native kernels", () => {
  for (const dtype of narrowDtypes) {
    it(`every eager ${dtype} primitive runs compiled kernels (but the listed ones) and agrees with the reference`, () => {
      let hosted = 0;
      for (const p of narrowProbes(dtype)) {
        if (p.prim === "bitcastConvertType" && dtype === "float16") {
          expect(() => runEager(backend, p), p.name).toThrow(/float16 is not supported on the CPU backends/); // as JAX's CPU backend
          continue;
        }
        const { outs, hostOps, hostSteps } = runEager(backend, p);
        expect(hostOps, `${p.name}: eager op handed to the reference`).toBe(0);
        expect(hostSteps > 0, `${p.name}: host steps ${hostSteps}`).toBe(expectHost(p.prim, dtype));
        if (hostSteps > 0) hosted++;
        expectSameBits(p, outs, evalJaxprRef(p.jaxpr, [], p.inputs));
      }
      // (with the contractions and pooling gradients native, the only listed exception, float16
      // bitcasts, is refused above: every other probe runs without a host step)
      expect(hosted).toBe(0);
    });
  }
});

type Op = { prim: Primitive; params: object; arity: number; dtypes?: readonly NarrowDType[]; to?: DType; nonGeneric?: boolean };
/** Eager ops of every kind: size-generic elementwise ones (rank-0 operands broadcast), conversions, and shaped ones (reductions, scans, moves). */
const ops: Op[] = [
  ...(["add", "sub", "mul", "div", "rem", "max", "min"] as const).map((prim) => ({ prim, params: {}, arity: 2 })),
  ...(["and", "or", "xor", "shiftLeft", "shiftRightLogical", "shiftRightArithmetic"] as const).map((prim) => ({ prim, params: {}, arity: 2, dtypes: ["int8", "uint8"] as const })),
  ...(["pow", "atan2"] as const).map((prim) => ({ prim, params: {}, arity: 2, dtypes: ["float16"] as const })),
  ...(["neg", "sign", "square"] as const).map((prim) => ({ prim, params: {}, arity: 1 })),
  ...(["sqrt", "exp", "tanh", "floor", "isFinite"] as const).map((prim) => ({ prim, params: {}, arity: 1, dtypes: ["float16"] as const })),
  ...(["eq", "lt", "ge"] as const).map((prim) => ({ prim, params: {}, arity: 2 })),
  { prim: "integerPow", params: { y: 3 }, arity: 1 },
  ...(["float32", "int32", "int8", "uint8", "float16"] as const).map((to) => ({ prim: "convertElementType" as const, params: { newDtype: to, weakType: false }, arity: 1, to })),
  { prim: "reduceSum", params: { axes: [0] }, arity: 1, nonGeneric: true },
  { prim: "reduceMax", params: { axes: [0] }, arity: 1, nonGeneric: true },
  { prim: "cumsum", params: { axis: 0, reverse: true }, arity: 1, nonGeneric: true },
  { prim: "rev", params: { dimensions: [0] }, arity: 1, nonGeneric: true },
];

/** An operand: the shape, or rank 0 (a scalar that broadcasts), in the op's dtype, with its extremes. */
const shapeArb = fc.oneof(
  { weight: 4, arbitrary: fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 3 }) },
  { weight: 1, arbitrary: fc.integer({ min: 1000, max: 70000 }).map((n) => [n]) }, // past the vector loop and the thread split
);

describe("narrow dtypes: eager ops on wasm, any shape and values (fast-check)", () => {
  it("elementwise (rank-0 operands too), conversions, reductions, scans and moves give the reference's bits without it", async () => {
    const defaultBackend = (await import("../../src/backends/wasm.js")).wasmBackend;
    fc.assert(
      fc.property(fc.constantFrom(...ops), fc.constantFrom(...narrowDtypes), shapeArb, fc.array(fc.boolean(), { minLength: 2, maxLength: 2 }), fc.nat(100000), fc.boolean(), (op, dtype, shape, scalar, seed, compileAll) => {
        if (op.dtypes && !op.dtypes.includes(dtype)) return;
        if (op.to === dtype) return;
        const inAvals = Array.from({ length: op.arity }, (_, k) => new ShapedArray(op.arity === 2 && scalar[k] && !scalar[1 - k] && !op.nonGeneric ? [] : shape, dtype));
        const r = inferShapes(op.prim, inAvals, op.params as never);
        if (E.isLeft(r)) throw new Error(r.left);
        const inputs = inAvals.map((a, k) => narrowData(dtype, a.size, seed + k, { small: op.prim === "integerPow" || op.prim === "pow" }));
        const p: Probe = { name: `${op.prim}<${dtype}>(${inAvals.map((a) => `[${a.shape}]`).join(",")})`, prim: op.prim, dtype, jaxpr: primJaxpr(op.prim, inAvals, op.params as never), inputs };
        const b = compileAll ? backend : defaultBackend;
        const { outs, hostOps, hostSteps } = runEager(b, p);
        expect(hostSteps, p.name).toBe(0);
        // the default backend hands small non-elementwise ops to the reference, as for float32 (eagerHostMaxElements)
        const small = [...inAvals, ...r.right].reduce((n, a) => n + a.size, 0) <= 2048;
        expect(hostOps, p.name).toBe(!compileAll && op.nonGeneric && small ? 1 : 0);
        expectSameBits(p, outs, evalJaxprRef(p.jaxpr, [], inputs));
      }),
      { numRuns: 150 },
    );
  });
});
