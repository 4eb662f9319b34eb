/**
 * The `wasm` backend: arrays live in one WebAssembly linear memory; every jaxpr (a jit call)
 * compiles to one wasm module of fused SIMD kernels (codegen/kernel + codegen/wasm), and every
 * eager primitive runs as a cached single-equation program through the same path.
 *
 * Creating the backend is async (wabt initializes asynchronously); this module awaits it at
 * top level, after which compiling and running are synchronous.
 */
import { ShapedArray, shapesEqual } from "../../ir/aval.js";
import type { AnyTypedArray, DType } from "../../ir/dtype.js";
import { Jaxpr, Var, eqn } from "../../ir/jaxpr.js";
import { type Params, type Primitive, binaryKinds, comparisonKinds, unaryKinds } from "../../ir/primitives.js";
import { DYNAMIC_EXTENT } from "../../codegen/kernel/iexpr.js";
import { showProgram } from "../../codegen/kernel/kernel.js";
import { avalKey, jaxprKey, paramsKey } from "../../codegen/kernel/key.js";
import { isFactorPrimitive } from "../../codegen/kernel/factor.js";
import { type LowerOptions, lowerJaxpr, narrowDtypes } from "../../codegen/kernel/lower.js";
import { narrowNeedsHost } from "../../codegen/kernel/narrow.js";
import { type Compiled, type RuntimeOptions, type Wabt, WasmBuffer, WasmRuntime } from "../../codegen/wasm/runtime.js";
import type { Backend } from "./backend.js";

export type { WasmBuffer };

export interface WasmBackendOptions extends RuntimeOptions, LowerOptions {
  /** Most compiled programs kept (least recently used are dropped). */
  cacheSize?: number;
  /**
   * Eager primitives that are not size-generic (reductions, views, contractions, ...) and touch
   * at most this many elements in all run the reference implementation on views of wasm
   * memory instead of compiling a module for their shape (compiling costs about a millisecond,
   * more than such an op). 0 compiles everything. Default 2048.
   */
  eagerHostMaxElements?: number;
}

const callPrims = new Set<Primitive>(["jit", "customJvpCall", "customVjpCall", "checkpoint"]);
/**
 * Structured control flow always compiles, however small: the reference would run the whole
 * loop in JS, and the compiled loop (cached by the structure of its sub-jaxprs) never leaves wasm.
 */
const controlFlowPrims = new Set<Primitive>(["cond", "while", "scan"]);

/** Primitives whose eager programs are size-generic (elementwise, one output). */
const sizeGeneric = new Set<Primitive>([
  ...(Object.keys(unaryKinds) as Primitive[]),
  ...(Object.keys(binaryKinds) as Primitive[]),
  ...(Object.keys(comparisonKinds) as Primitive[]),
  "round",
  "integerPow",
  "selectN",
  "clamp",
  "convertElementType",
  "bitcastConvertType",
  "copy",
  "stopGradient",
]);

/**
 * Eager primitives whose results may be dropped and computed again if used (see
 * codegen/wasm/recompute.ts): those whose cost is one pass over their output (elementwise ops,
 * and moving data around), so a wrong guess costs about one more such op.
 */
const recomputablePrims = new Set<Primitive>([...sizeGeneric, "broadcastInDim", "reshape", "transpose", "squeeze", "rev", "slice", "pad", "concatenate", "iota"]);

/**
 * Whether a single-equation program of `prim` would be a host step because of a narrow dtype
 * (float16 bitcasts, which the reference refuses): such a program is never size-generic (a host
 * step's buffers have static sizes).
 */
function hostStepOnly(prim: Primitive, inAvals: readonly ShapedArray[], params: unknown, outAvals: readonly ShapedArray[]): boolean {
  if (![...inAvals, ...outAvals].some((a) => narrowDtypes.has(a.dtype))) return false;
  return narrowNeedsHost(eqn(prim, inAvals.map((a) => new Var(a)), params as Params<typeof prim>, outAvals.map((a) => new Var(a))));
}

/** A size-generic eager program with what selects it: the params and each input's dtype and rank-0-ness. */
interface GenericProgram {
  readonly params: Record<string, unknown>;
  readonly dtypes: readonly DType[];
  readonly scalar: readonly boolean[];
  readonly compiled: Compiled;
}

/** Equal params without serializing them: own keys with identical primitive values (anything else: not equal). */
function sameScalarParams(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  let n = 0;
  for (const k in a) {
    const v = a[k];
    if ((typeof v === "object" && v !== null) || typeof v === "function" || !Object.is(v, b[k])) return false;
    n++;
  }
  for (const _ in b) n--;
  return n === 0;
}

export class WasmBackend implements Backend<WasmBuffer> {
  readonly name = "wasm" as const;
  readonly manualMemory = true;
  private readonly byJaxpr = new WeakMap<Jaxpr, Compiled>();
  private readonly byKey = new Map<string, Compiled>();
  /**
   * The eager fast path: size-generic programs by primitive, matched without building a string
   * key (an eager add of small arrays costs about as much as building and hashing that key).
   * Bounded by the primitives times the dtype patterns and params in use.
   */
  private readonly generic = new Map<Primitive, GenericProgram[]>();
  /** Counters, for tests and benchmarks. */
  readonly stats = { compiles: 0, cacheHits: 0, calls: 0, hostOps: 0 };

  constructor(
    readonly runtime: WasmRuntime,
    private readonly opts: WasmBackendOptions = {},
  ) {}

  fromHost(data: AnyTypedArray, aval: ShapedArray): WasmBuffer {
    return this.runtime.fromHost(data, aval.dtype);
  }

  readSync(buffer: WasmBuffer, aval: ShapedArray): AnyTypedArray {
    return this.runtime.read(buffer, aval.dtype, aval.size);
  }

  async read(buffer: WasmBuffer, aval: ShapedArray): Promise<AnyTypedArray> {
    return this.readSync(buffer, aval);
  }

  dispose(buffer: WasmBuffer): void {
    this.runtime.free(buffer);
  }

  finalizerToken(buffer: WasmBuffer): object | undefined {
    return buffer.small ? undefined : buffer.token;
  }

  livenessToken(buffer: WasmBuffer): object | undefined {
    return this.runtime.livenessToken(buffer);
  }

  disposeToken(token: object): void {
    this.runtime.freeToken(token as WasmBuffer["token"]);
  }

  /** Bytes of wasm memory held by live arrays (and in-flight arenas). */
  get allocatedBytes(): number {
    return this.runtime.allocator.allocatedBytes;
  }

  executePrimitive<P extends Primitive>(
    prim: P,
    inputs: readonly WasmBuffer[],
    inAvals: readonly ShapedArray[],
    params: Params<P>,
    outAvals: readonly ShapedArray[],
  ): WasmBuffer[] {
    const hit = this.genericHit(prim, inAvals, params as Record<string, unknown>, outAvals);
    if (hit !== undefined) {
      this.stats.calls++;
      this.stats.cacheHits++;
      const n = outAvals[0]!.size;
      const outs = hit.run(inputs, n);
      this.runtime.recomputable(outs[0]!, hit, inputs, n);
      return outs;
    }
    if (callPrims.has(prim)) return this.executeJaxpr((params as { jaxpr: Jaxpr }).jaxpr, inputs);
    if (prim === "customLin")
      throw new Error("custom_lin is the linear part of a custom_vjp function and can only be transposed, not evaluated");
    // Elementwise primitives over same-shaped operands (rank-0 ones broadcast) compile once per
    // dtype pattern, whatever the shape: the length is a run-time argument.
    const out = outAvals[0]!;
    const generic =
      sizeGeneric.has(prim) &&
      outAvals.length === 1 &&
      out.size > 0 &&
      out.ndim > 0 &&
      inAvals.every((a) => a.ndim === 0 || shapesEqual(a.shape, out.shape)) &&
      !hostStepOnly(prim, inAvals, params, outAvals);
    const flat = (a: ShapedArray) => (generic && a.ndim > 0 ? new ShapedArray([DYNAMIC_EXTENT], a.dtype, a.weakType) : a);
    const key = `${prim}${paramsKey(params)}(${inAvals.map((a) => (generic && a.ndim > 0 ? `${a.dtype}[*]` : avalKey(a))).join(",")})`;
    let c = this.lookup(key);
    // (Never a factorization: eager and jitted calls run the same kernel, so they agree on the
    // SVD's signs, which the native kernel and the reference choose differently.)
    if (c === undefined && !generic && !controlFlowPrims.has(prim) && !isFactorPrimitive(prim)) {
      const total = [...inAvals, ...outAvals].reduce((n, a) => n + a.size, 0);
      if (total <= (this.opts.eagerHostMaxElements ?? 2048)) {
        this.stats.hostOps++;
        return this.runtime.runReference(prim, inputs, inAvals, params, outAvals);
      }
    }
    if (c === undefined) {
      const invars = inAvals.map((a) => new Var(flat(a)));
      const outVars = outAvals.map((a) => new Var(flat(a)));
      const jaxpr = new Jaxpr([], invars, [eqn(prim, invars, params, outVars)], outVars);
      c = this.compile(jaxpr, key);
    }
    this.stats.calls++;
    if (generic) this.rememberGeneric(prim, inAvals, params as Record<string, unknown>, c);
    const n = generic ? out.size : 0;
    const outs = c.run(inputs, n);
    if (outs.length === 1 && recomputablePrims.has(prim)) this.runtime.recomputable(outs[0]!, c, inputs, n);
    return outs;
  }

  /** The size-generic program for this call, if it is one and has run before. */
  private genericHit(prim: Primitive, inAvals: readonly ShapedArray[], params: Record<string, unknown>, outAvals: readonly ShapedArray[]): Compiled | undefined {
    const list = this.generic.get(prim);
    if (list === undefined || outAvals.length !== 1) return undefined;
    const out = outAvals[0]!;
    if (out.ndim === 0 || out.size === 0) return undefined;
    for (let k = 0; k < inAvals.length; k++) {
      const a = inAvals[k]!;
      if (a.ndim !== 0 && !shapesEqual(a.shape, out.shape)) return undefined;
    }
    search: for (const g of list) {
      if (g.dtypes.length !== inAvals.length) continue;
      for (let k = 0; k < inAvals.length; k++) if (g.dtypes[k] !== inAvals[k]!.dtype || g.scalar[k] !== (inAvals[k]!.ndim === 0)) continue search;
      if (sameScalarParams(g.params, params)) return g.compiled;
    }
    return undefined;
  }

  private rememberGeneric(prim: Primitive, inAvals: readonly ShapedArray[], params: Record<string, unknown>, compiled: Compiled): void {
    for (const k in params) {
      const v = params[k];
      if ((typeof v === "object" && v !== null) || typeof v === "function") return; // matched only by the string key
    }
    let list = this.generic.get(prim);
    if (list === undefined) this.generic.set(prim, (list = []));
    if (list.length >= 64) list.shift();
    list.push({ params: { ...params }, dtypes: inAvals.map((a) => a.dtype), scalar: inAvals.map((a) => a.ndim === 0), compiled });
  }

  executeJaxpr(jaxpr: Jaxpr, inputs: readonly WasmBuffer[]): WasmBuffer[] {
    return this.call(this.compiled(jaxpr), inputs);
  }

  /** The compiled program for a jaxpr (cached by identity, then by structure). */
  compiled(jaxpr: Jaxpr): Compiled {
    let c = this.byJaxpr.get(jaxpr);
    if (c === undefined) {
      const key = jaxprKey(jaxpr);
      c = this.lookup(key) ?? this.compile(jaxpr, key);
      this.byJaxpr.set(jaxpr, c);
    } else this.stats.cacheHits++;
    return c;
  }

  /** The generated code for a jaxpr: the kernel listing and the WAT module. */
  lowerText(jaxpr: Jaxpr): string {
    const c = this.compiled(jaxpr);
    return `;; kernels\n${showProgram(c.program)
      .split("\n")
      .map((l) => `;; ${l}`)
      .join("\n")}\n${c.rendered.wat}`;
  }

  private lookup(key: string): Compiled | undefined {
    const c = this.byKey.get(key);
    if (c !== undefined) {
      this.stats.cacheHits++;
      // refresh its place in the LRU order
      this.byKey.delete(key);
      this.byKey.set(key, c);
    }
    return c;
  }

  private compile(jaxpr: Jaxpr, key: string): Compiled {
    const program = lowerJaxpr(jaxpr, { splitIndexSets: true, factorSteps: true, directConv: true, ...this.opts });
    const c = this.runtime.compile(program);
    this.stats.compiles++;
    this.byKey.set(key, c);
    const max = this.opts.cacheSize ?? 2000;
    if (this.byKey.size > max) this.byKey.delete(this.byKey.keys().next().value!);
    return c;
  }

  private call(c: Compiled, inputs: readonly WasmBuffer[]): WasmBuffer[] {
    this.stats.calls++;
    return c.run(inputs);
  }
}

let wabtPromise: Promise<Wabt> | null = null;

/** wabt, initialized once per process. */
export function loadWabt(): Promise<Wabt> {
  wabtPromise ??= import("wabt").then((m) => (m.default as unknown as () => Promise<Wabt>)());
  return wabtPromise;
}

/** A new wasm backend with its own memory (relaxed SIMD when the engine accepts it, unless opted out). */
export async function createWasmBackend(opts: WasmBackendOptions = {}): Promise<WasmBackend> {
  const wabt = await loadWabt();
  const relaxedSimd = opts.relaxedSimd ?? WasmRuntime.detectRelaxedSimd(wabt);
  return new WasmBackend(new WasmRuntime(wabt, { ...opts, relaxedSimd }), { matmulTile: defaultMatmulTile(relaxedSimd), ...opts });
}

/**
 * The matmul register tile for the engine. V8 (TurboFan) gives wasm 15 vector registers on
 * x64 and hoists the tile's A splats to the top of the k loop, so a tile needs MR·NR/4
 * accumulators + NR/4 B vectors + MR splats <= 15 to run without spills: 4x8 (14) or 3x12 (15).
 * With mul+add the product needs a temporary too, and 3x12 spills; a fused multiply-add does
 * not, and its latency (4-5 cycles, two per cycle) wants more than 8 independent accumulators,
 * so relaxed SIMD gets 3x12 (9). Measured on the 2-core EPYC here, one thread, A/B in one
 * process (tmp harness; CPU time under load): matmul 512 38.7 vs 37.4 GFLOP/s, 1024 45.3 vs
 * 43.0, 256 29.9 vs 28.5; 6x8 and 4x12 spill and fall to 20-25.
 */
export function defaultMatmulTile(relaxedSimd: boolean): readonly [number, number] {
  return relaxedSimd ? [3, 12] : [4, 8];
}

/** wabt, ready (for code that assembles modules itself, such as the standalone export). */
export const wabt: Wabt = await loadWabt();

/** The process-wide wasm backend. */
export const wasmBackend: WasmBackend = await createWasmBackend();

