/** Shared helpers for the wasm backend tests: run on `wasm` and on the `cpu` reference, compare. */
import * as E from "fp-ts/lib/Either.js";
import { expect } from "vitest";
import { ShapedArray } from "../../ir/aval.js";
import { type AnyTypedArray, type DType, typedArrayFor } from "../../ir/dtype.js";
import { type Atom, Jaxpr, Literal, Var, eqn } from "../../ir/jaxpr.js";
import { type Params, type Primitive, inferShapes } from "../../ir/primitives.js";
import { evalJaxprRef, evalPrimitiveRef } from "../../codegen/ref/index.js";
import { registerBackend } from "../../src/backends/index.js";
import { type WasmBackend, createWasmBackend } from "../../src/backends/wasm.js";
import type { ThreadPool } from "../../codegen/wasm/threads.js";

/**
 * The backend the tests run on: it compiles every eager primitive (the default backend runs
 * tiny non-elementwise eager ops through the reference instead, which would test nothing here).
 */
export const wasmBackend: WasmBackend = await createWasmBackend({ eagerHostMaxElements: 0 });
registerBackend(wasmBackend);

export interface Tol {
  rtol?: number;
  atol?: number;
}

/** Float closeness with NaN == NaN, infinities equal only to themselves; ints and bools exact. */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, dtype: DType, tol: Tol = {}, what = ""): void {
  expect(actual.length, `${what}: length`).toBe(expected.length);
  const float = dtype === "float32" || dtype === "float64";
  const rtol = tol.rtol ?? (dtype === "float64" ? 1e-12 : 2e-6);
  const atol = tol.atol ?? (dtype === "float64" ? 1e-14 : 1e-6);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    if (!float) {
      if (a !== e) expect.fail(`${what}: element ${i}: got ${a}, expected ${e} (${dtype})`);
      continue;
    }
    if (Number.isNaN(e) || Number.isNaN(a)) {
      if (!(Number.isNaN(e) && Number.isNaN(a))) expect.fail(`${what}: element ${i}: got ${a}, expected ${e}`);
      continue;
    }
    if (!Number.isFinite(e) || !Number.isFinite(a)) {
      if (a !== e) expect.fail(`${what}: element ${i}: got ${a}, expected ${e}`);
      continue;
    }
    if (Math.abs(a - e) > atol + rtol * Math.abs(e)) expect.fail(`${what}: element ${i}: got ${a}, expected ${e} (diff ${Math.abs(a - e)})`);
  }
}

export function buffer(dtype: DType, values: ArrayLike<number>): AnyTypedArray {
  const b = typedArrayFor(dtype, values.length);
  for (let i = 0; i < values.length; i++) b[i] = values[i]!;
  return b;
}

/** Runs a jaxpr on wasm (one compiled module) and returns host copies of the outputs. */
export function runJaxprWasm(jaxpr: Jaxpr, inputs: readonly AnyTypedArray[], backend: WasmBackend = wasmBackend): AnyTypedArray[] {
  const bufs = inputs.map((d, i) => backend.fromHost(d, jaxpr.invars[i]!.aval));
  const outs = backend.executeJaxpr(jaxpr, bufs);
  const host = outs.map((b, i) => backend.readSync(b, jaxpr.outs[i]!.aval));
  [...bufs, ...outs].forEach((b) => backend.dispose(b));
  return host;
}

/** A one-equation jaxpr for a primitive (literal operands allowed as numbers). */
export function primJaxpr<P extends Primitive>(prim: P, ins: readonly (ShapedArray | { literal: number; dtype: DType })[], params: Params<P>): Jaxpr {
  const invars: Var[] = [];
  const atoms: Atom[] = ins.map((a) => {
    if (a instanceof ShapedArray) {
      const v = new Var(a);
      invars.push(v);
      return v;
    }
    return literal(a.literal, a.dtype);
  });
  const r = inferShapes(prim, atoms.map((a) => a.aval), params);
  if (E.isLeft(r)) throw new Error(r.left);
  const outs = r.right.map((a) => new Var(a));
  return new Jaxpr([], invars, [eqn(prim, atoms, params, outs)], outs);
}

export const literal = (v: number, dtype: DType) => new Literal(v, new ShapedArray([], dtype));

/** Checks a jaxpr on wasm against the reference, output by output. */
export function checkJaxpr(jaxpr: Jaxpr, inputs: readonly AnyTypedArray[], tol: Tol = {}, what = "", backend: WasmBackend = wasmBackend): void {
  const expected = evalJaxprRef(jaxpr, [], inputs);
  const actual = runJaxprWasm(jaxpr, inputs, backend);
  expected.forEach((e, i) => {
    const aval = jaxpr.outs[i]!.aval;
    expect(actual[i]!.constructor, `${what}: output ${i} type`).toBe(e.constructor);
    expectClose(actual[i]!, e, aval.dtype, tol, `${what} output ${i} (${aval})`);
  });
}

/** One primitive on wasm (eager path: executePrimitive) against evalPrimitiveRef. */
export function checkPrimitive<P extends Primitive>(
  prim: P,
  inputs: readonly { aval: ShapedArray; data: AnyTypedArray }[],
  params: Params<P>,
  tol: Tol = {},
  backend: WasmBackend = wasmBackend,
): void {
  const inAvals = inputs.map((i) => i.aval);
  const r = inferShapes(prim, inAvals, params);
  if (E.isLeft(r)) throw new Error(r.left);
  const outAvals = r.right;
  const expected = evalPrimitiveRef(prim, inputs.map((i) => i.data), inAvals, params, outAvals);
  const bufs = inputs.map((i) => backend.fromHost(i.data, i.aval));
  const outs = backend.executePrimitive(prim, bufs, inAvals, params, outAvals);
  outs.forEach((b, k) => {
    const got = backend.readSync(b, outAvals[k]!);
    expectClose(got, expected[k]!, outAvals[k]!.dtype, tol, `${prim}(${inAvals.join(", ")}) output ${k}`);
  });
  [...bufs, ...outs].forEach((b) => backend.dispose(b));
}

/** Deterministic pseudo-random numbers (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Random data of a dtype: floats in [-range, range] with a sprinkle of specials; ints around 0 and at the extremes. */
export function randomData(dtype: DType, size: number, seed: number, opts: { specials?: boolean; range?: number } = {}): AnyTypedArray {
  const r = rng(seed);
  const out = typedArrayFor(dtype, size);
  const range = opts.range ?? 4;
  const fspecials = [0, -0, 1, -1, NaN, Infinity, -Infinity, 0.5, -0.5, 2.5, 1e-30];
  const ispecials = [0, 1, -1, 2, -2147483648, 2147483647, 31, 32, 33];
  const uspecials = [0, 1, 2, 0xffffffff, 0x80000000, 31, 32, 33];
  for (let i = 0; i < size; i++) {
    const special = opts.specials && r() < 0.2;
    switch (dtype) {
      case "float32":
      case "float64":
        out[i] = special ? fspecials[Math.floor(r() * fspecials.length)]! : (r() * 2 - 1) * range;
        break;
      case "int32":
        out[i] = special ? ispecials[Math.floor(r() * ispecials.length)]! : Math.floor((r() * 2 - 1) * 10);
        break;
      case "uint32":
        out[i] = special ? uspecials[Math.floor(r() * uspecials.length)]! : Math.floor(r() * 20);
        break;
      case "bool":
        out[i] = r() < 0.5 ? 1 : 0;
        break;
    }
  }
  return out;
}

export const aval = (shape: readonly number[], dtype: DType = "float32") => new ShapedArray(shape, dtype);

export { evalJaxprRef };

/** Float data with rows of specials: all -inf, one +inf, NaN, huge magnitudes. */
export function rowsWithSpecials(dtype: DType, shape: number[], seed: number): AnyTypedArray {
  const n = shape.reduce((a, b) => a * b, 1);
  const d = randomData(dtype, n, seed, { range: 6 });
  const r = rng(seed + 1);
  const big = dtype === "float32" ? 1e30 : 1e300;
  const last = shape[shape.length - 1] ?? 1;
  for (let row = 0; row * last < n; row++) {
    const kind = Math.floor(r() * 8);
    for (let c = 0; c < last; c++) {
      const i = row * last + c;
      if (i >= n) break;
      if (kind === 0) d[i] = -Infinity;
      else if (kind === 1 && c === 0) d[i] = Infinity;
      else if (kind === 2 && r() < 0.3) d[i] = NaN;
      else if (kind === 3) d[i] = (r() - 0.5) * big;
      else if (kind === 4 && r() < 0.5) d[i] = -Infinity;
    }
  }
  return d;
}

/**
 * Runs `run` (with two threads set) until a pool thread has taken chunks of it, asserts one did,
 * and returns the last result. Pool threads start asynchronously (a second or so on a loaded
 * machine), and one woken late finds every chunk taken by the calling thread: so meanwhile the
 * caller leaves the chunks to the pool, and `run` is called again until a pool thread ran some.
 */
export function runOnPoolThreads<T>(pool: ThreadPool, run: () => T): T {
  let out = run();
  const before = pool.stats.workerChunks;
  const deadline = Date.now() + 30_000;
  pool.callerClaims = false;
  try {
    while (pool.stats.workerChunks === before && Date.now() < deadline) out = run();
  } finally {
    pool.callerClaims = true;
  }
  expect(pool.stats.workerChunks, `a worker thread took chunks (${JSON.stringify(pool.stats)}, ${pool.size} threads)`).toBeGreaterThan(before);
  return out;
}
