/// <reference types="@webgpu/types" />
/**
 * The `webgpu` backend: arrays live in GPUBuffers; every jaxpr (a jit call) lowers through the
 * same kernel IR as the wasm backend (codegen/kernel) and renders to WGSL (codegen/webgpu); every
 * eager primitive runs as a cached single-equation program through the same path.
 *
 * Reading is asynchronous only: `await x.data()`. The device is found once, when the package is
 * imported: `navigator.gpu` in a browser, else the optional `webgpu` npm package (Dawn) in Node.
 * Without either, or without an adapter, the device is simply absent from `devices()`.
 */
import { ShapedArray } from "../../ir/aval.js";
import type { AnyTypedArray } from "../../ir/dtype.js";
import { Jaxpr, Var, eqn } from "../../ir/jaxpr.js";
import type { Params, Primitive } from "../../ir/primitives.js";
import { avalKey, jaxprKey, paramsKey } from "../../codegen/kernel/key.js";
import { lowerJaxpr } from "../../codegen/kernel/lower.js";
import { type CompiledProgram, type GpuArray, WebgpuRuntime } from "../../codegen/webgpu/runtime.js";
import type { Backend } from "./backend.js";

export type { GpuArray };

const callPrims = new Set<Primitive>(["jit", "customJvpCall", "customVjpCall", "checkpoint"]);

/** The refusal for a dtype the device cannot hold; `what` names the array. */
function checkDType(aval: ShapedArray, what: string): void {
  if (aval.dtype === "float64")
    throw new TypeError(
      `webgpu: ${what} is float64 (${aval}), and WebGPU has no 64-bit floats; convert it to float32 (x.astype("float32")) or use the wasm or cpu device`,
    );
}

export class WebgpuBackend implements Backend<GpuArray> {
  readonly name = "webgpu" as const;
  readonly manualMemory = true;
  private readonly byJaxpr = new WeakMap<Jaxpr, CompiledProgram>();
  private readonly byKey = new Map<string, CompiledProgram>();
  readonly stats = { compiles: 0, cacheHits: 0, calls: 0 };

  constructor(
    readonly runtime: WebgpuRuntime,
    /** What the adapter is (for messages and benchmarks). */
    readonly adapterName: string,
    /** Keeps the Dawn instance alive as long as the backend (Node: dropping it destroys the device). */
    private readonly keepAlive: unknown,
  ) {}

  fromHost(data: AnyTypedArray, aval: ShapedArray): GpuArray {
    checkDType(aval, "an array placed on it");
    return this.runtime.fromHost(data, aval.dtype);
  }

  readSync(_buffer: GpuArray, aval: ShapedArray): AnyTypedArray {
    throw new Error(
      `a ${aval} array on the webgpu device can only be read asynchronously: use \`await x.data()\` (dataSync(), item(), tolist() and printing values need a synchronous read, which WebGPU does not offer)`,
    );
  }

  read(buffer: GpuArray, aval: ShapedArray): Promise<AnyTypedArray> {
    return this.runtime.read(buffer, aval.dtype, aval.size);
  }

  dispose(buffer: GpuArray): void {
    this.runtime.release(buffer);
  }

  /** Resolves when every queued dispatch has run (what blockUntilReady waits for). */
  settle(): Promise<void> {
    return this.runtime.settle();
  }

  executePrimitive<P extends Primitive>(
    prim: P,
    inputs: readonly GpuArray[],
    inAvals: readonly ShapedArray[],
    params: Params<P>,
    outAvals: readonly ShapedArray[],
  ): GpuArray[] {
    if (callPrims.has(prim)) return this.executeJaxpr((params as { jaxpr: Jaxpr }).jaxpr, inputs);
    if (prim === "customLin")
      throw new Error("custom_lin is the linear part of a custom_vjp function and can only be transposed, not evaluated");
    const key = `${prim}${paramsKey(params)}(${inAvals.map(avalKey).join(",")})`;
    let c = this.lookup(key);
    if (c === undefined) {
      const invars = inAvals.map((a) => new Var(a));
      const outVars = outAvals.map((a) => new Var(a));
      c = this.compile(new Jaxpr([], invars, [eqn(prim, invars, params, outVars)], outVars), key);
    }
    this.stats.calls++;
    return this.runtime.run(c, inputs);
  }

  executeJaxpr(jaxpr: Jaxpr, inputs: readonly GpuArray[]): GpuArray[] {
    this.stats.calls++;
    return this.runtime.run(this.compiled(jaxpr), inputs);
  }

  compiled(jaxpr: Jaxpr): CompiledProgram {
    let c = this.byJaxpr.get(jaxpr);
    if (c === undefined) {
      const key = jaxprKey(jaxpr);
      c = this.lookup(key) ?? this.compile(jaxpr, key);
      this.byJaxpr.set(jaxpr, c);
    } else this.stats.cacheHits++;
    return c;
  }

  /** The kernel listing and the WGSL of every kernel. */
  lowerText(jaxpr: Jaxpr): string {
    return this.runtime.text(this.compiled(jaxpr));
  }

  private lookup(key: string): CompiledProgram | undefined {
    const c = this.byKey.get(key);
    if (c !== undefined) {
      this.stats.cacheHits++;
      this.byKey.delete(key);
      this.byKey.set(key, c);
    }
    return c;
  }

  private compile(jaxpr: Jaxpr, key: string): CompiledProgram {
    [...jaxpr.constvars, ...jaxpr.invars].forEach((v, k) => checkDType(v.aval, `input ${k} of the computation`));
    jaxpr.outs.forEach((a, k) => checkDType(a.aval, `output ${k} of the computation`));
    // A float64 intermediate (no array the caller holds) makes the program run on the host instead.
    const c = this.runtime.compile(lowerJaxpr(jaxpr), jaxpr);
    this.stats.compiles++;
    this.byKey.set(key, c);
    if (this.byKey.size > 2000) this.byKey.delete(this.byKey.keys().next().value!);
    return c;
  }
}

/** The GPU entry point: the browser's, or Dawn's from the optional `webgpu` package; null when neither loads. */
async function findGpu(): Promise<{ gpu: GPU; keepAlive: unknown } | null> {
  const nav = (globalThis as { navigator?: { gpu?: GPU } }).navigator;
  if (nav?.gpu) return { gpu: nav.gpu, keepAlive: nav.gpu };
  if (typeof process === "undefined" || !process.versions?.node) return null;
  try {
    const name = "webgpu"; // not a literal import, so bundlers leave the optional package alone
    const m = (await import(name)) as { create: (flags: string[]) => GPU };
    const gpu = m.create([]);
    return { gpu, keepAlive: gpu };
  } catch {
    return null;
  }
}

/** A webgpu backend on the first adapter, or null where there is none. */
export async function createWebgpuBackend(): Promise<WebgpuBackend | null> {
  const found = await findGpu();
  if (!found) return null;
  const adapter = await found.gpu.requestAdapter();
  if (!adapter) return null;
  // The default limits cap a storage binding at 128 MiB: ask for what the adapter offers.
  const requiredLimits: Record<string, number> = {};
  for (const k of ["maxStorageBufferBindingSize", "maxBufferSize", "maxStorageBuffersPerShaderStage", "maxComputeWorkgroupStorageSize"] as const)
    requiredLimits[k] = adapter.limits[k];
  const device = await adapter.requestDevice({ requiredLimits });
  const info = adapter.info;
  const name = [info?.vendor, info?.architecture, info?.description].filter(Boolean).join(" ") || "unknown adapter";
  const software = (adapter as { isFallbackAdapter?: boolean }).isFallbackAdapter === true || /swiftshader|llvmpipe/i.test(name);
  return new WebgpuBackend(new WebgpuRuntime(device, { sharedMatmul: !software }), name, found.keepAlive);
}
