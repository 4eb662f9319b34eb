/**
 * NaN and infinities in WGSL kernels agree with the cpu reference (IEEE / XLA semantics). WGSL
 * does not promise them and SwiftShader (the adapter these machines have) breaks many: exp(NaN)
 * and cosh(NaN) are +inf, tanh(NaN) -1, logistic(NaN) and cbrt(NaN) 0, log(NaN) 89.1 and
 * log(-1) 0 (the log of |x|), acosh(0.5) 89.1, atanh(2) 0.55, `NaN != x` false, and so softmax
 * of a row holding +inf, all -inf or NaN gave 0 or -inf where JAX gives NaN; a max/min
 * reduction dropped a NaN that came before a larger value. The renderer (codegen/webgpu/wgsl.ts)
 * now guards those forms; these tests hold every float unary and binary primitive, the
 * comparisons, reductions and softmax rows to the reference, in vec4 kernels (length a multiple
 * of 4) and scalar ones.
 */
import fc from "fast-check";
import { describe, it } from "vitest";
import type { DType } from "../../ir/dtype.js";
import { devicePut, jit, lax, nn, numpy as np } from "../../src/index.js";
import { rowsWithSpecials } from "../wasm/helpers.js";
import { compareAsync, hasWebgpu } from "./helpers.js";

type Arr = np.Array;

/** Runs `f` under jit on webgpu and on cpu and compares every output (NaN where the cpu has NaN, infinities exactly). */
async function agree(what: string, f: (...xs: Arr[]) => Arr, ...xs: Arr[]): Promise<void> {
  const want = jit(f, { device: "cpu" })(...xs.map((x) => devicePut(x, "cpu")));
  const got = jit(f, { device: "webgpu" })(...xs.map((x) => devicePut(x, "webgpu")));
  await compareAsync([got], [want], what, { rtol: 2e-4, atol: 2e-5 });
}

const specials = [NaN, Infinity, -Infinity, 0, -0, 1, -1, 0.5, -0.5, 2, -2, 100, -100, 1e-3, 3.5, -1e30];
/** Every special, at lengths that render as vec4 kernels (a multiple of 4) and as scalar ones. */
const column = (n: number, shift = 0) => np.array(Float32Array.from({ length: n }, (_, i) => specials[(i + shift) % specials.length]!));
/** All pairs of specials. */
const pairs = (): [Arr, Arr] => {
  const a: number[] = [];
  const b: number[] = [];
  for (const x of specials) for (const y of specials) a.push(x), b.push(y);
  return [np.array(Float32Array.from(a)), np.array(Float32Array.from(b))];
};

const unary = ["neg", "sign", "abs", "square", "floor", "ceil", "exp", "exp2", "log", "expm1", "log1p", "tanh", "logistic", "sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "asinh", "acosh", "atanh", "sqrt", "rsqrt", "cbrt", "erf", "erfc", "erfInv"] as const;
const binary = ["add", "sub", "mul", "div", "rem", "pow", "max", "min", "atan2"] as const;
const L = lax as unknown as Record<string, (...a: Arr[]) => Arr>;

describe.skipIf(!hasWebgpu)("NaN and infinities on webgpu == cpu", () => {
  it("every float unary primitive on NaN, +-inf, +-0 and values outside its domain (vec4 and scalar kernels)", async () => {
    for (const n of [specials.length, specials.length - 1])
      for (const op of unary) {
        // sin, cos and tan of huge arguments are outside WGSL's accuracy promise (it covers [-pi, pi]): -1e30 left out
        const x = ["sin", "cos", "tan"].includes(op) ? np.where(np.equal(column(n), -1e30), 0.25, column(n)) : column(n);
        await agree(`${op} over ${n}`, (a) => L[op]!(a), x);
      }
    for (const n of [16, 15]) await agree(`isFinite over ${n}`, (x) => np.where(lax.isFinite(x), 1, 0), column(n));
  });

  it("binary primitives and comparisons on all pairs of specials", async () => {
    const [a, b] = pairs(); // 256 pairs: vec4 kernels
    const a1 = lax.slice(a, [0], [255]);
    const b1 = lax.slice(b, [0], [255]);
    for (const op of binary) {
      await agree(op, (x, y) => L[op]!(x, y), a, b);
      await agree(`${op} scalar kernel`, (x, y) => L[op]!(x, y), a1, b1);
    }
    for (const [name, f] of [["equal", np.equal], ["notEqual", np.notEqual], ["less", np.less], ["lessEqual", np.lessEqual], ["greater", np.greater], ["greaterEqual", np.greaterEqual]] as const) {
      await agree(name, (x, y) => np.where(f(x, y), 1, 0), a, b);
      await agree(`${name} scalar kernel`, (x, y) => np.where(f(x, y), 1, 0), a1, b1);
    }
    // float -> bool: NaN is true
    await agree("astype bool", (x) => np.where(np.astype(x, "bool"), 1, 0), column(16));
  });

  it("max, min, argmax, argmin reductions with NaN anywhere in a row, serial and as workgroup trees", async () => {
    const rows = np.array(Float32Array.from([1, NaN, 2, 3, NaN, 5, -1, 0, -Infinity, -Infinity, -Infinity, -Infinity, 4, 3, 2, NaN, Infinity, NaN, -Infinity, 1]), { shape: [5, 4] });
    for (const [name, f] of [["max", np.max], ["min", np.min], ["argmax", np.argmax], ["argmin", np.argmin]] as const) {
      await agree(`${name} rows`, (x) => np.astype(f(x, -1), "float32"), rows);
      await agree(`${name} columns`, (x) => np.astype(f(x, 0), "float32"), rows);
    }
    // long rows: workgroup trees (at least 256 points a row)
    const long = column(2 * 600, 3).reshape([2, 600]);
    const finite = np.where(lax.isFinite(long), long, 7);
    for (const [name, f] of [["max", np.max], ["min", np.min]] as const) {
      await agree(`${name} long rows`, (x) => f(x, -1), long);
      await agree(`${name} long finite rows`, (x) => f(x, -1), finite);
    }
  });

  it("softmax and logSoftmax of rows holding +inf, -inf, all -inf, NaN", async () => {
    const rows = np.array(Float32Array.from([1, 2, Infinity, 3, -Infinity, -Infinity, -Infinity, -Infinity, 1, NaN, 2, 3, 1, 2, 3, 4, -Infinity, 0, -Infinity, 1, Infinity, Infinity, 0, 0]), { shape: [6, 4] });
    for (const axis of [-1, 0]) {
      await agree(`softmax axis ${axis}`, (x) => nn.softmax(x, axis), rows);
      await agree(`logSoftmax axis ${axis}`, (x) => nn.logSoftmax(x, axis), rows);
    }
  });

  it("softmax and logSoftmax on random shapes and axes with rows of specials", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 3 }).chain((rank) => fc.array(fc.integer({ min: 1, max: 9 }), { minLength: rank, maxLength: rank })),
        fc.nat(10),
        fc.nat(1_000_000),
        async (shape, axisPick, seed) => {
          const axis = axisPick % shape.length;
          const x = np.array(rowsWithSpecials("float32" as DType, shape, seed), { shape });
          await agree(`softmax [${shape}] axis ${axis}`, (a) => nn.softmax(a, axis), x);
          await agree(`logSoftmax [${shape}] axis ${axis}`, (a) => nn.logSoftmax(a, axis), x);
        },
      ),
      { numRuns: 15 },
    );
  });
});
