/// <reference types="@webgpu/types" />
/**
 * The `webgpu` backend: arrays live in GPUBuffers; every jaxpr (a jit call) lowers through the
 * same kernel IR as the wasm backend (codegen/kernel) and renders to WGSL (codegen/webgpu); every
 * eager primitive runs as a cached single-equation program through the same path.
 *
 * Reading is asynchronous only: `await x.data()`. The device is found once: in a browser,
 * `navigator.gpu` when the package is imported (quiet and cheap); in Node, the optional `webgpu`
 * npm package (Dawn) when `devices()` or the webgpu device is first asked for, through a quiet
 * probe in a child process (webgpuProbe.ts). Without either, or without an adapter, the device
 * is simply absent from `devices()`.
 */
import { ShapedArray } from "../../ir/aval.js";
import type { AnyTypedArray } from "../../ir/dtype.js";
import { Jaxpr, Var, eqn } from "../../ir/jaxpr.js";
import type { Params, Primitive } from "../../ir/primitives.js";
import { avalKey, jaxprKey, paramsKey } from "../../codegen/kernel/key.js";
import { type LowerOptions, lowerJaxpr } from "../../codegen/kernel/lower.js";

/**
 * Sort and the scatters lower as steps of their primitive here, which the WebGPU runtime runs as
 * its own device kernels (codegen/webgpu/deviceSteps.ts: a bitonic network, atomics), in place
 * of the wasm renderer's per-line sort and in-order scatter loop (one invocation on a GPU).
 */
const WEBGPU_LOWERING: LowerOptions = { hostPrimitives: new Set(["sort", "scatter", "scatterAdd", "scatterMul", "scatterMin", "scatterMax"]) };
import { type AdapterFacts, type CompiledProgram, type GpuArray, WebgpuRuntime } from "../../codegen/webgpu/runtime.js";
import type { Backend } from "./backend.js";
import { dawnDevice, probeDawnSync } from "./webgpuProbe.js";

export type { GpuArray };

const callPrims = new Set<Primitive>(["jit", "customJvpCall", "customVjpCall", "checkpoint"]);

/** The refusal for a dtype the device cannot hold; `what` names the array. */
function checkDType(aval: ShapedArray, what: string, adapter: { name: string; f16: boolean }): void {
  if (aval.dtype === "float64")
    throw new TypeError(
      `webgpu: ${what} is float64 (${aval}), and WebGPU has no 64-bit floats; convert it to float32 (x.astype("float32")) or use the wasm or cpu device`,
    );
  if (aval.dtype === "float16" && !adapter.f16)
    throw new TypeError(
      `webgpu: ${what} is float16 (${aval}), and this adapter (${adapter.name}) does not offer the shader-f16 feature; convert it to float32 (x.astype("float32")) or use the wasm or cpu device`,
    );
}

export class WebgpuBackend implements Backend<GpuArray> {
  readonly name = "webgpu" as const;
  readonly manualMemory = true;
  private readonly byJaxpr = new WeakMap<Jaxpr, CompiledProgram>();
  private readonly byKey = new Map<string, CompiledProgram>();
  readonly stats = { compiles: 0, cacheHits: 0, calls: 0 };

  /** What checkDType needs to know about the adapter. */
  private readonly adapter: { name: string; f16: boolean };

  constructor(
    readonly runtime: WebgpuRuntime,
    /** What the adapter is (for messages and benchmarks). */
    readonly adapterName: string,
    /** The adapter's features (float16 arrays need "shader-f16"). */
    readonly features: readonly string[],
    /** Keeps the Dawn instance alive as long as the backend (Node: dropping it destroys the device); set when the device exists. */
    public keepAlive: unknown,
  ) {
    this.adapter = { name: adapterName, f16: features.includes("shader-f16") };
  }

  fromHost(data: AnyTypedArray, aval: ShapedArray): GpuArray {
    checkDType(aval, "an array placed on it", this.adapter);
    return this.runtime.fromHost(data, aval.dtype);
  }

  readSync(_buffer: GpuArray, aval: ShapedArray): AnyTypedArray {
    throw new Error(
      `a ${aval} array on the webgpu device can only be read asynchronously: use \`await x.data()\` (dataSync(), item(), tolist() and printing values need a synchronous read, which WebGPU does not offer)`,
    );
  }

  hostScalar(buffer: GpuArray): number | undefined {
    return buffer.host;
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

  blockUntilReady(_buffer: GpuArray): Promise<void> {
    return this.settle();
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
    if (c === undefined || c.renderKey !== this.runtime.renderKey) {
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
    // (keyed by the runtime's render options too: tests switch them)
    const full = `${key}|${this.runtime.renderKey}`;
    const c = this.byKey.get(full);
    if (c !== undefined) {
      this.stats.cacheHits++;
      this.byKey.delete(full);
      this.byKey.set(full, c);
    }
    return c;
  }

  private compile(jaxpr: Jaxpr, key: string): CompiledProgram {
    [...jaxpr.constvars, ...jaxpr.invars].forEach((v, k) => checkDType(v.aval, `input ${k} of the computation`, this.adapter));
    jaxpr.outs.forEach((a, k) => checkDType(a.aval, `output ${k} of the computation`, this.adapter));
    if (!this.adapter.f16)
      for (const e of jaxpr.eqns)
        for (const v of e.outVars) if (v.aval.dtype === "float16") checkDType(v.aval, `an intermediate value of the computation (from ${e.primitive})`, this.adapter);
    // A float64 intermediate (no array the caller holds) makes the program run on the host instead.
    const c = this.runtime.compile(lowerJaxpr(jaxpr, WEBGPU_LOWERING), jaxpr);
    this.stats.compiles++;
    this.byKey.set(`${key}|${this.runtime.renderKey}`, c);
    if (this.byKey.size > 2000) this.byKey.delete(this.byKey.keys().next().value!);
    return c;
  }
}

const limitNames = ["maxStorageBufferBindingSize", "maxBufferSize", "maxStorageBuffersPerShaderStage", "maxComputeWorkgroupStorageSize"] as const;

function factsOf(adapter: GPUAdapter): AdapterFacts {
  const info = adapter.info;
  const limits: Record<string, number> = {};
  for (const k of limitNames) limits[k] = adapter.limits[k];
  return {
    name: [info?.vendor, info?.architecture, info?.description].filter(Boolean).join(" ") || "unknown adapter",
    fallback: (adapter as { isFallbackAdapter?: boolean }).isFallbackAdapter === true,
    features: [...adapter.features],
    limits,
  };
}

/** The device, asking for the limits the adapter offers (the default limits cap a storage binding at 128 MiB). */
function deviceOn(adapter: GPUAdapter, facts: AdapterFacts): Promise<GPUDevice> {
  const requiredLimits: Record<string, number> = {};
  for (const k of limitNames) requiredLimits[k] = Math.min(adapter.limits[k], facts.limits[k] ?? adapter.limits[k]);
  // float16 arrays are allowed only where the adapter has shader-f16 (checkDType), so ask for it
  const requiredFeatures: GPUFeatureName[] = adapter.features.has("shader-f16") ? ["shader-f16"] : [];
  return adapter.requestDevice({ requiredLimits, requiredFeatures });
}

function runtimeFor(device: GPUDevice | Promise<GPUDevice>, facts: AdapterFacts): WebgpuRuntime {
  const software = facts.fallback || /swiftshader|llvmpipe/i.test(facts.name);
  return new WebgpuRuntime(device, { sharedMatmul: !software, treeMaxOutputs: software ? 4 : 16384, maxStorageBuffers: facts.limits.maxStorageBuffersPerShaderStage ?? 8 });
}

/** A browser's webgpu backend on `navigator.gpu`'s first adapter, or null where there is none. */
export async function createBrowserWebgpuBackend(): Promise<WebgpuBackend | null> {
  const gpu = (globalThis as { navigator?: { gpu?: GPU } }).navigator?.gpu;
  if (!gpu) return null;
  const adapter = await gpu.requestAdapter();
  if (!adapter) return null;
  const facts = factsOf(adapter);
  return new WebgpuBackend(runtimeFor(await deviceOn(adapter, facts), facts), facts.name, facts.features, gpu);
}

/**
 * Node's webgpu backend on Dawn, or null where the `webgpu` package or an adapter is missing.
 * Synchronous: a quiet child process says whether there is an adapter (and its limits); the
 * device is then created here in the background, and work queued before it exists waits for it.
 */
export function createDawnWebgpuBackend(): WebgpuBackend | null {
  const facts = probeDawnSync();
  if (!facts) return null;
  let backend: WebgpuBackend | null = null;
  const device = dawnDevice().then(({ adapter, keepAlive }) => {
    if (backend) backend.keepAlive = keepAlive;
    return deviceOn(adapter, facts);
  });
  backend = new WebgpuBackend(runtimeFor(device, facts), facts.name, facts.features, null);
  return backend;
}
