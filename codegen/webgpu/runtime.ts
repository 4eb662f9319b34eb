/// <reference types="@webgpu/types" />
/**
 * Running lowered programs on a GPUDevice: buffers from a pool keyed by size, compiled kernels
 * (WGSL pipelines, cached by source), and an executor that records a program's dispatches into
 * one command encoder and submits once.
 *
 * Some steps need values on the host: a host step (a primitive with no kernel: its inputs are
 * read back, the reference interpreter runs, its outputs are written back), a while loop's
 * predicate (read back once per trip) and a branch index. Reading a GPU buffer is asynchronous,
 * so the executor is a generator that yields a promise where it must wait. A program that never
 * yields runs to completion synchronously; one that does continues on a promise chain, and
 * every later call joins the chain behind it, so calls still run in order. Reads wait for the
 * chain.
 */
import type { ShapedArray } from "../../ir/aval.js";
import { type AnyTypedArray, type DType, itemSize, typedArrayFor } from "../../ir/dtype.js";
import type { Jaxpr } from "../../ir/jaxpr.js";
import { type BufferDecl, type HostStep, type LeafStep, type LoopStep, type Program, type Step, leafSteps, sortAsHostStep } from "../kernel/kernel.js";
import { evalJaxprRef, evalPrimitiveRef } from "../ref/index.js";
import { ScratchSink, renderDeviceStep } from "./deviceSteps.js";
import { renderFusedWhile } from "./fusedWhile.js";
import { type RenderedKernel, UnsupportedKernel, renderKernel } from "./wgsl.js";

// The WebGPU usage flags, as numbers (Node has no GPUBufferUsage global unless installed).
const MAP_READ = 0x1;
const COPY_SRC = 0x4;
const COPY_DST = 0x8;
const UNIFORM = 0x40;
const STORAGE = 0x80;
const COMPUTE = 0x4;

/**
 * An array's memory on the device. Every element takes 4 bytes (bool is stored as u32).
 * `buffer` and `id` are set when the array is allocated, which waits for the device when the
 * array was made before the device existed (see WebgpuRuntime's constructor).
 */
export interface GpuArray {
  buffer: GPUBuffer;
  /** The pool bucket (bytes). */
  readonly bytes: number;
  id: number;
  released: boolean;
  /**
   * The value of a one-element array placed from the host: known without a read, so a jit
   * trace inlines it as a literal (as it does a host scalar) instead of binding a buffer.
   */
  host?: number;
}

/** What the backend knows about the adapter before its device exists (from a probe). */
export interface AdapterFacts {
  readonly name: string;
  /** A software adapter (SwiftShader, llvmpipe). */
  readonly fallback: boolean;
  readonly features: readonly string[];
  readonly limits: Readonly<Record<string, number>>;
}

/** Bytes of device memory for `size` elements (at least one word: WebGPU has no empty bindings). */
export const deviceBytes = (size: number): number => Math.max(4, size * 4);

/**
 * Host elements -> device words: every element takes 4 bytes on the device (WGSL has no
 * narrower storage), so bool, uint8 and float16's bits widen to u32 and int8 to i32.
 */
function toDevice(data: AnyTypedArray, dtype: DType): ArrayBufferView<ArrayBuffer> {
  if (itemSize[dtype] === 4) return data as ArrayBufferView<ArrayBuffer>;
  if (dtype === "int8") return Int32Array.from(data as Int8Array);
  return Uint32Array.from(data as Uint8Array | Uint16Array);
}

/** Device words -> a typed array of the dtype (narrow dtypes narrow back from their words). */
function fromDevice(bytes: ArrayBuffer, dtype: DType, size: number): AnyTypedArray {
  const out = typedArrayFor(dtype, size);
  if (itemSize[dtype] === 4) new Uint8Array(out.buffer, out.byteOffset, size * 4).set(new Uint8Array(bytes, 0, size * 4));
  else (out as Int8Array | Uint8Array | Uint16Array).set(dtype === "int8" ? new Int32Array(bytes, 0, size) : new Uint32Array(bytes, 0, size));
  return out;
}

interface CompiledKernel {
  readonly rendered: RenderedKernel;
  /** Created at the first dispatch (the device may not exist yet when the program compiles). */
  pipe: { readonly pipeline: GPUComputePipeline; readonly layout: GPUBindGroupLayout } | null;
  /** Bind groups by the buffers bound (a training loop sees the same pooled buffers each step). */
  readonly bindGroups: Map<string, GPUBindGroup>;
}

/** A program ready to run: its kernels compiled, or (when some kernel has no WGSL form) the whole jaxpr on the host. */
export interface CompiledProgram {
  readonly program: Program;
  readonly kernels: Map<LeafStep, CompiledKernel>;
  /** Host steps that run as device kernels instead (deviceSteps.ts), in dispatch order. */
  readonly deviceSteps: Map<LeafStep, CompiledKernel[]>;
  /** While loops that run inside one shader (fusedWhile.ts). */
  readonly fusedLoops: Map<LoopStep, CompiledKernel>;
  /** The program's buffers, then the scratch of its device steps. */
  readonly buffers: readonly BufferDecl[];
  /** Set when the program runs on the host (why, for asText and tests). */
  readonly hostFallback: string | null;
  readonly jaxpr: Jaxpr;
  readonly outAvals: readonly ShapedArray[];
  /** The runtime's renderKey when compiled (a cached program compiled under other options is stale). */
  readonly renderKey: string;
}

type Wait = Promise<unknown>;
type Exec = Generator<Wait, void, unknown>;

export interface RuntimeStats {
  /** GPUBuffers created (the pool's misses). */
  created: number;
  reused: number;
  submits: number;
  dispatches: number;
  /** Buffers read back to the host (reads, host steps, while predicates, branch indices). */
  readbacks: number;
  hostSteps: number;
  /** Host-step primitives that ran as device kernels (sort, scatter). */
  deviceSteps: number;
  pipelines: number;
}

/** Element offsets of the views a dispatch binds, one 256-byte slot (the dynamic-offset alignment) per dispatch. */
const PARAM_SLOT_BYTES = 256;
const PARAM_SLOTS = 1024;

/** Uniform words a dispatch of the kernel takes: its views' offsets, then its constant words. */
const uniformWords = (r: RenderedKernel): number => r.offsetSlots.length + (r.params?.length ?? 0);

export class WebgpuRuntime {
  private readonly pool = new Map<string, GPUBuffer[]>();
  private nextId = 1;
  private readonly ids = new WeakMap<GPUBuffer, number>();
  private readonly pipelines = new Map<string, { pipeline: GPUComputePipeline; layout: GPUBindGroupLayout }>();
  readonly stats: RuntimeStats = { created: 0, reused: 0, submits: 0, dispatches: 0, readbacks: 0, hostSteps: 0, deviceSteps: 0, pipelines: 0 };
  /** The promise chain of programs that had to wait for the host, or null when everything is submitted. */
  private chain: Promise<void> | null = null;
  /** Buffers released while the chain may still use them. */
  private deferred: GpuArray[] = [];
  /** An error from a program that ran asynchronously, or from the device; thrown by the next read. */
  private error: unknown = null;
  private params!: GPUBuffer;
  private dev: GPUDevice | null = null;
  /** Arrays made before the device existed, with the bytes to write into them. */
  private unborn: { arr: GpuArray; data: ArrayBufferView<ArrayBuffer> | null }[] = [];
  private readonly paramData = new Int32Array((PARAM_SLOTS * PARAM_SLOT_BYTES) / 4);

  /**
   * Whether matmul shaders stage operand slabs in workgroup-shared memory. Off on software
   * adapters (SwiftShader): there a barrier makes the shader compile for seconds and run slower
   * than streaming the packed panels from storage.
   */
  sharedMatmul: boolean;
  /**
   * Most output points of a reduction that renders as workgroup trees (one workgroup per
   * output). Software adapters get a handful: SwiftShader runs a workgroup with barriers as
   * coroutines, so a row-wise sum of 64 rows of 16384 took 2x longer as 64 trees than as one
   * invocation per row; a whole-array sum of 2^20 took 2-4x less.
   */
  treeMaxOutputs: number;
  /** Whether map kernels run four points per invocation where they can (vec4Map.ts); off for A/B tests. */
  vec4Maps = true;
  /** Whether a while loop whose body fits runs inside one shader (fusedWhile.ts); off, it runs as dispatches per trip. */
  fuseWhile = true;

  /** The options above that change what compile() renders (part of the backend's cache keys, so tests can switch them). */
  get renderKey(): string {
    return `${this.sharedMatmul ? "shared" : "stream"}|${this.treeMaxOutputs}|${this.vec4Maps ? "vec4" : "scalar"}|${this.fuseWhile ? "fuse" : "trips"}`;
  }

  /** Most storage buffers one kernel may bind (larger kernels make the program run on the host). */
  readonly maxStorageBuffers: number;

  /**
   * `device` may still be on its way (Dawn in Node is created in the background after a
   * synchronous probe): until it arrives, arrays are recorded unallocated and every program
   * waits on the promise chain behind it, exactly as behind a host step.
   */
  constructor(device: GPUDevice | Promise<GPUDevice>, opts: { sharedMatmul?: boolean; treeMaxOutputs?: number; maxStorageBuffers: number }) {
    this.sharedMatmul = opts.sharedMatmul ?? true;
    this.treeMaxOutputs = opts.treeMaxOutputs ?? 16384;
    this.maxStorageBuffers = opts.maxStorageBuffers;
    if (device instanceof Promise) this.enqueue(device.then((d) => this.born(d)));
    else this.born(device);
  }

  get device(): GPUDevice {
    if (this.dev === null) throw new Error("internal: webgpu device used before it exists");
    return this.dev;
  }

  private born(device: GPUDevice): void {
    this.dev = device;
    device.addEventListener("uncapturederror", (ev) => {
      this.error ??= new Error(`webgpu device error: ${(ev as GPUUncapturedErrorEvent).error.message}`);
    });
    this.params = device.createBuffer({ size: PARAM_SLOTS * PARAM_SLOT_BYTES, usage: UNIFORM | COPY_DST });
    for (const { arr, data } of this.unborn) {
      this.allocate(arr);
      if (data) device.queue.writeBuffer(arr.buffer, 0, data);
    }
    this.unborn = [];
  }

  // ---- memory -------------------------------------------------------------------------

  private take(bytes: number, usage: number): GPUBuffer {
    const key = `${usage}:${bytes}`;
    const free = this.pool.get(key);
    const hit = free?.pop();
    if (hit) {
      this.stats.reused++;
      return hit;
    }
    this.stats.created++;
    const b = this.device.createBuffer({ size: bytes, usage });
    this.ids.set(b, this.nextId++);
    return b;
  }

  private give(b: GPUBuffer, usage: number): void {
    const key = `${usage}:${b.size}`;
    let free = this.pool.get(key);
    if (!free) this.pool.set(key, (free = []));
    free.push(b);
  }

  /** A storage buffer for `size` elements. */
  acquire(size: number): GpuArray {
    const arr: GpuArray = { buffer: null as unknown as GPUBuffer, bytes: deviceBytes(size), id: 0, released: false };
    if (this.dev === null) this.unborn.push({ arr, data: null });
    else this.allocate(arr);
    return arr;
  }

  private allocate(arr: GpuArray): void {
    arr.buffer = this.take(arr.bytes, STORAGE | COPY_SRC | COPY_DST);
    arr.id = this.ids.get(arr.buffer)!;
  }

  release(a: GpuArray): void {
    if (a.released) return;
    a.released = true;
    if (this.chain !== null) this.deferred.push(a);
    else this.give(a.buffer, STORAGE | COPY_SRC | COPY_DST);
  }

  fromHost(data: AnyTypedArray, dtype: DType): GpuArray {
    const a = this.acquire(data.length);
    if (data.length === 0) return a;
    // before the device exists, keep a copy: the caller may reuse its array
    if (data.length === 1 && itemSize[dtype] === 4) a.host = Number(data[0]);
    const words = toDevice(data, dtype);
    if (this.dev === null) this.unborn[this.unborn.length - 1]!.data = new Uint8Array(words.buffer, words.byteOffset, words.byteLength).slice();
    else this.device.queue.writeBuffer(a.buffer, 0, words);
    return a;
  }

  /** Reads an array back (after everything queued before it). */
  async read(a: GpuArray, dtype: DType, size: number): Promise<AnyTypedArray> {
    if (this.chain !== null) await this.chain;
    this.throwPending();
    const encoder = this.device.createCommandEncoder();
    const bytes = deviceBytes(size);
    const staging = this.take(bytes, MAP_READ | COPY_DST);
    encoder.copyBufferToBuffer(a.buffer, 0, staging, 0, bytes);
    this.device.queue.submit([encoder.finish()]);
    this.stats.readbacks++;
    await staging.mapAsync(1);
    const out = fromDevice(staging.getMappedRange(0, bytes).slice(0), dtype, size);
    staging.unmap();
    this.give(staging, MAP_READ | COPY_DST);
    this.throwPending();
    return out;
  }

  /** Resolves when everything queued so far has run. */
  async settle(): Promise<void> {
    if (this.chain !== null) await this.chain;
    this.throwPending(); // (a device that failed to come: its error, not "used before it exists")
    await this.device.queue.onSubmittedWorkDone();
    this.throwPending();
  }

  private throwPending(): void {
    if (this.error !== null) {
      const e = this.error;
      this.error = null;
      throw e;
    }
  }

  // ---- compiling ----------------------------------------------------------------------

  compile(program: Program, jaxpr: Jaxpr): CompiledProgram {
    const outAvals = jaxpr.outs.map((o) => o.aval);
    const kernels = new Map<LeafStep, CompiledKernel>();
    const deviceSteps = new Map<LeafStep, CompiledKernel[]>();
    const scratch = new ScratchSink(program.buffers);
    const limit = this.maxStorageBuffers;
    const checked = (r: RenderedKernel) => {
      if (r.bindings.length > limit) throw new UnsupportedKernel(`kernel ${r.name} binds ${r.bindings.length} buffers, the device allows ${limit}`);
      return this.kernel(r);
    };
    try {
      for (const s of leafSteps(program.steps)) {
        if (s.kind === "map" || s.kind === "matmul") kernels.set(s, checked(renderKernel(s, program.buffers, this)));
        else if (s.kind === "host" || s.kind === "sort") {
          const d = renderDeviceStep(s.kind === "sort" ? sortAsHostStep(s) : s, scratch);
          if (d) deviceSteps.set(s, d.kernels.map(checked));
        } else throw new UnsupportedKernel(`${s.kind} steps have no WGSL form (this backend lowers without them)`);
      }
    } catch (e) {
      if (!(e instanceof UnsupportedKernel)) throw e;
      return { program, kernels: new Map(), deviceSteps: new Map(), fusedLoops: new Map(), buffers: program.buffers, hostFallback: e.message, jaxpr, outAvals, renderKey: this.renderKey };
    }
    const fusedLoops = new Map<LoopStep, CompiledKernel>();
    const walk = (steps: readonly Step[]) => {
      for (const s of steps) {
        if (s.kind === "loop") {
          const r = this.fuseWhile ? renderFusedWhile(s, program.buffers, limit) : null;
          if (r) fusedLoops.set(s, this.kernel(r));
          else {
            if (s.cond) walk(s.cond.steps);
            walk(s.body);
          }
        } else if (s.kind === "branch") s.regions.forEach(walk);
      }
    };
    walk(program.steps);
    return { program, kernels, deviceSteps, fusedLoops, buffers: scratch.all, hostFallback: null, jaxpr, outAvals, renderKey: this.renderKey };
  }

  private kernel(r: RenderedKernel): CompiledKernel {
    return { rendered: r, pipe: null, bindGroups: new Map() };
  }

  /** The pipeline of a rendered kernel (shared by every kernel with the same WGSL). */
  pipeline(r: RenderedKernel): { pipeline: GPUComputePipeline; layout: GPUBindGroupLayout } {
    let p = this.pipelines.get(r.wgsl);
    if (!p) {
      const entries: GPUBindGroupLayoutEntry[] = r.bindings.map((_, k) => ({
        binding: k,
        visibility: COMPUTE,
        buffer: { type: r.writes[k] ? "storage" : "read-only-storage" },
      }));
      if (uniformWords(r)) entries.push({ binding: r.bindings.length, visibility: COMPUTE, buffer: { type: "uniform", hasDynamicOffset: true } });
      const layout = this.device.createBindGroupLayout({ entries });
      const module = this.device.createShaderModule({ code: r.wgsl, label: r.name });
      const pipeline = this.device.createComputePipeline({
        layout: this.device.createPipelineLayout({ bindGroupLayouts: [layout] }),
        compute: { module, entryPoint: "main" },
        label: r.name,
      });
      this.stats.pipelines++;
      p = { pipeline, layout };
      this.pipelines.set(r.wgsl, p);
    }
    return p;
  }

  /**
   * The steps (kernels, host steps, loops and branches, by name) and the WGSL of every kernel.
   * Not showProgram's expression listing: printed as trees, a threefry kernel's DAG is huge.
   */
  text(c: CompiledProgram): string {
    const lines: string[] = [];
    const walk = (steps: readonly Step[], ind: string) => {
      for (const s of steps) {
        if (s.kind === "loop" && c.fusedLoops.has(s)) lines.push(`// ${ind}${s.name}: while loop inside one shader (${c.fusedLoops.get(s)!.rendered.name})`);
        else if (s.kind === "loop") {
          lines.push(`// ${ind}${s.name}: ${s.length === null ? "while loop (predicate read back per trip)" : `scan loop of ${s.length} trips`} {`);
          if (s.cond) walk(s.cond.steps, ind + "  ");
          walk(s.body, ind + "  ");
          lines.push(`// ${ind}}`);
        } else if (s.kind === "branch") {
          lines.push(`// ${ind}${s.name}: branch (index read back) {`);
          s.regions.forEach((r, k) => {
            lines.push(`// ${ind}  case ${k}:`);
            walk(r, ind + "    ");
          });
          lines.push(`// ${ind}}`);
        } else if (s.kind === "host" || s.kind === "sort") {
          const d = c.deviceSteps.get(s);
          lines.push(
            d
              ? `// ${ind}${s.name}: ${s.eqn.primitive} as ${d.length} dispatches of ${new Set(d.map((k) => k.rendered.wgsl)).size} device kernels`
              : `// ${ind}${s.name}: host step ${s.eqn.primitive} (read back, reference interpreter, written back)`,
          );
        }
        else lines.push(`// ${ind}${s.name}: ${s.kind} kernel`);
      }
    };
    walk(c.program.steps, "");
    if (c.hostFallback !== null) return `${lines.join("\n")}\n// runs on the host: ${c.hostFallback}`;
    const all = [...c.kernels.values(), ...[...c.deviceSteps.values()].flat(), ...c.fusedLoops.values()];
    const seen = new Set<string>();
    const shaders = all.filter((k) => !seen.has(k.rendered.wgsl) && seen.add(k.rendered.wgsl)).map((k) => `// ---- ${k.rendered.name}\n${k.rendered.wgsl}`);
    return [...lines, ...shaders].join("\n");
  }

  // ---- running ------------------------------------------------------------------------

  /** Runs a program on input arrays; returns its output arrays at once (their contents may still be on the way). */
  run(c: CompiledProgram, inputs: readonly GpuArray[]): GpuArray[] {
    const outputs = c.outAvals.map((a) => this.acquire(a.size));
    const exec = c.hostFallback !== null ? this.runOnHost(c, inputs, outputs) : new Execution(this, c, inputs, outputs).run();
    this.schedule(exec);
    return outputs;
  }

  private schedule(exec: Exec): void {
    let started: Promise<void>;
    if (this.chain === null) {
      const first = exec.next();
      if (first.done) return;
      started = drive(exec, first.value);
    } else started = this.chain.then(() => drive(exec, undefined));
    this.enqueue(started);
  }

  /** Makes `started` the tail of the chain; when the chain drains, deferred releases return to the pool. */
  private enqueue(started: Promise<unknown>): void {
    const mine: Promise<void> = started.then(
      () => undefined,
      (e: unknown) => {
        this.error ??= e;
      },
    );
    this.chain = mine;
    void mine.then(() => {
      if (this.chain !== mine) return;
      this.chain = null;
      // (an array made before a device that never came has no buffer)
      for (const a of this.deferred) if (a.buffer) this.give(a.buffer, STORAGE | COPY_SRC | COPY_DST);
      this.deferred = [];
    });
  }

  /** Copies device ranges back to the host (one submission for all); resolves to their bytes. */
  readRanges(encoder: GPUCommandEncoder, ranges: readonly { buffer: GPUBuffer; offset: number; bytes: number }[]): Promise<ArrayBuffer[]> {
    const stagings = ranges.map((r) => {
      const s = this.take(Math.max(4, r.bytes), MAP_READ | COPY_DST);
      if (r.bytes > 0) encoder.copyBufferToBuffer(r.buffer, r.offset, s, 0, r.bytes);
      return s;
    });
    this.submit(encoder);
    this.stats.readbacks += ranges.length;
    return Promise.all(
      stagings.map(async (s, k) => {
        await s.mapAsync(1);
        const bytes = s.getMappedRange(0, Math.max(4, ranges[k]!.bytes)).slice(0);
        s.unmap();
        this.give(s, MAP_READ | COPY_DST);
        return bytes;
      }),
    );
  }

  submit(encoder: GPUCommandEncoder, paramSlots = 0): void {
    if (paramSlots > 0) this.device.queue.writeBuffer(this.params, 0, this.paramData, 0, (paramSlots * PARAM_SLOT_BYTES) / 4);
    this.device.queue.submit([encoder.finish()]);
    this.stats.submits++;
  }

  get paramBuffer(): GPUBuffer {
    return this.params;
  }
  get paramWords(): Int32Array {
    return this.paramData;
  }

  bufferId(b: GPUBuffer): number {
    return this.ids.get(b)!;
  }

  /** The whole jaxpr on the reference interpreter: read every input, run, write every output. */
  private *runOnHost(c: CompiledProgram, inputs: readonly GpuArray[], outputs: readonly GpuArray[]): Exec {
    const avals = c.jaxpr.invars.map((v) => v.aval);
    const pending = this.readRanges(
      this.device.createCommandEncoder(),
      inputs.map((a, k) => ({ buffer: a.buffer, offset: 0, bytes: avals[k]!.size * 4 })),
    );
    let bytes: ArrayBuffer[] = [];
    yield pending.then((b) => (bytes = b));
    this.stats.hostSteps++;
    const outs = evalJaxprRef(
      c.jaxpr,
      [],
      bytes.map((b, k) => fromDevice(b, avals[k]!.dtype, avals[k]!.size)),
    );
    outs.forEach((o, k) => {
      if (o.length > 0) this.device.queue.writeBuffer(outputs[k]!.buffer, 0, toDevice(o, c.outAvals[k]!.dtype));
    });
  }
}

async function drive(exec: Exec, first: Wait | undefined): Promise<void> {
  let w = first;
  for (;;) {
    if (w !== undefined) await w;
    const r = exec.next();
    if (r.done) return;
    w = r.value;
  }
}

interface LoopState {
  /** The iteration index views move with. */
  t: number;
  /** Trips made so far (double-buffered carries alternate on its parity). */
  trip: number;
}

/** One call of a compiled program: the buffers it binds and the encoder it records into. */
class Execution {
  private readonly env = new Map<number, GpuArray>();
  private readonly temps: GpuArray[] = [];
  private readonly loops = new Map<number, LoopState>();
  private encoder: GPUCommandEncoder | null = null;
  private pass: GPUComputePassEncoder | null = null;
  private slots = 0;
  private readonly buffers: readonly BufferDecl[];

  constructor(
    private readonly rt: WebgpuRuntime,
    private readonly c: CompiledProgram,
    inputs: readonly GpuArray[],
    outputs: readonly GpuArray[],
  ) {
    this.buffers = c.buffers;
    c.program.inputs.forEach((b, k) => this.env.set(b, inputs[k]!));
    c.program.outputs.forEach((b, k) => this.env.set(b, outputs[k]!));
  }

  *run(): Exec {
    try {
      yield* this.steps(this.c.program.steps);
      this.flush();
    } finally {
      for (const t of this.temps) this.rt.release(t);
    }
  }

  /** The device array and element offset behind a program buffer, for the current loop trips. */
  private resolve(b: number): { arr: GpuArray; off: number } {
    const d = this.buffers[b]!;
    if (d.view) {
      const base = this.resolve(d.view.base);
      const t = this.loops.get(d.view.loop)?.t ?? 0;
      return { arr: base.arr, off: base.off + (t * d.view.strideBytes) / itemSize[d.dtype] };
    }
    if (d.swap) {
      const trip = this.loops.get(d.swap.loop)?.trip ?? 0;
      return this.resolve(trip % 2 === 0 ? d.swap.even : d.swap.odd);
    }
    let arr = this.env.get(b);
    if (!arr) {
      arr = this.rt.acquire(d.size);
      this.temps.push(arr);
      this.env.set(b, arr);
    }
    return { arr, off: 0 };
  }

  private computePass(): GPUComputePassEncoder {
    this.encoder ??= this.rt.device.createCommandEncoder();
    this.pass ??= this.encoder.beginComputePass();
    return this.pass;
  }

  /** Submits what is recorded (with the dispatches' view offsets). */
  private flush(): void {
    this.pass?.end();
    this.pass = null;
    if (this.encoder) this.rt.submit(this.encoder, this.slots);
    this.encoder = null;
    this.slots = 0;
  }

  private dispatch(k: CompiledKernel): void {
    const r = k.rendered;
    const pipe = (k.pipe ??= this.rt.pipeline(r));
    const bound = r.bindings.map((b) => this.resolve(b));
    let dynamic: number[] = [];
    if (uniformWords(r)) {
      if (this.slots === PARAM_SLOTS) this.flush();
      const words = this.rt.paramWords;
      const at = (this.slots * PARAM_SLOT_BYTES) / 4;
      r.offsetSlots.forEach((s, j) => (words[at + j] = bound[s]!.off));
      r.params?.forEach((p, j) => (words[at + r.offsetSlots.length + j] = p));
      dynamic = [this.slots * PARAM_SLOT_BYTES];
      this.slots++;
    }
    const key = bound.map((x) => x.arr.id).join(",");
    let group = k.bindGroups.get(key);
    if (!group) {
      const entries: GPUBindGroupEntry[] = bound.map((x, i) => ({ binding: i, resource: { buffer: x.arr.buffer } }));
      if (uniformWords(r)) entries.push({ binding: bound.length, resource: { buffer: this.rt.paramBuffer, size: Math.ceil(uniformWords(r) / 4) * 16 } });
      group = this.rt.device.createBindGroup({ layout: pipe.layout, entries });
      if (k.bindGroups.size >= 64) k.bindGroups.delete(k.bindGroups.keys().next().value!);
      k.bindGroups.set(key, group);
    }
    const pass = this.computePass();
    pass.setPipeline(pipe.pipeline);
    pass.setBindGroup(0, group, dynamic);
    pass.dispatchWorkgroups(...r.groups);
    this.rt.stats.dispatches++;
  }

  /** Reads program buffers back (submitting what is recorded first). */
  private *readBack(bufs: readonly number[]): Generator<Wait, AnyTypedArray[], unknown> {
    this.pass?.end();
    this.pass = null;
    const encoder = this.encoder ?? this.rt.device.createCommandEncoder();
    if (this.slots > 0) this.rt.device.queue.writeBuffer(this.rt.paramBuffer, 0, this.rt.paramWords, 0, (this.slots * PARAM_SLOT_BYTES) / 4);
    this.encoder = null;
    this.slots = 0;
    const where = bufs.map((b) => ({ ...this.resolve(b), d: this.buffers[b]! }));
    let bytes: ArrayBuffer[] = [];
    yield this.rt.readRanges(
      encoder,
      where.map((w) => ({ buffer: w.arr.buffer, offset: w.off * 4, bytes: w.d.size * 4 })),
    ).then((b) => (bytes = b));
    return bytes.map((b, k) => fromDevice(b, where[k]!.d.dtype, where[k]!.d.size));
  }

  private *steps(steps: readonly Step[]): Exec {
    for (const s of steps) {
      switch (s.kind) {
        case "map":
        case "matmul": {
          const k = this.c.kernels.get(s)!;
          const total = s.kind === "map" ? s.vars.reduce((n, v) => n * v.extent, 1) : s.mVar.extent * s.nVar.extent * s.bVar.extent;
          if (total > 0) this.dispatch(k);
          break;
        }
        case "sort":
        case "host": {
          // a sort step (the wasm lowering's) runs as the host step of its primitive here
          const h = s.kind === "sort" ? sortAsHostStep(s) : s;
          const onDevice = this.c.deviceSteps.get(s);
          if (onDevice) {
            for (const k of onDevice) this.dispatch(k);
            this.rt.stats.deviceSteps++;
            break;
          }
          const bufIns = h.inputs.flatMap((i) => ("buf" in i ? [i.buf] : []));
          const values = yield* this.readBack(bufIns);
          let j = 0;
          const ins = h.inputs.map((i) => {
            if ("buf" in i) return values[j++]!;
            const t = typedArrayFor(i.dtype, 1);
            t[0] = i.literal;
            return t;
          });
          this.rt.stats.hostSteps++;
          const outs = evalPrimitiveRef(
            h.eqn.primitive,
            ins,
            h.eqn.inputs.map((a) => a.aval),
            h.eqn.params,
            h.eqn.outVars.map((v) => v.aval),
          );
          h.outputs.forEach((b, k) => {
            const { arr, off } = this.resolve(b);
            const o = outs[k]!;
            if (o.length > 0) this.rt.device.queue.writeBuffer(arr.buffer, off * 4, toDevice(o, this.buffers[b]!.dtype));
          });
          break;
        }
        case "branch": {
          const [index] = yield* this.readBack([s.index]);
          const i = Math.min(Math.max(index![0]!, 0), s.regions.length - 1);
          yield* this.steps(s.regions[i]!);
          break;
        }
        case "loop": {
          const fused = this.c.fusedLoops.get(s);
          if (fused) {
            this.dispatch(fused);
            break;
          }
          const state: LoopState = { t: 0, trip: 0 };
          this.loops.set(s.id, state);
          for (;;) {
            if (s.length !== null && state.trip >= s.length) break;
            state.t = s.length !== null && s.reverse ? s.length - 1 - state.trip : state.trip;
            if (s.cond) {
              yield* this.steps(s.cond.steps);
              const [pred] = yield* this.readBack([s.cond.pred]);
              if (!pred![0]) break;
            }
            yield* this.steps(s.body);
            state.trip++;
          }
          if (state.trip % 2 === 1) yield* this.steps(s.oddExit);
          break;
        }
      }
    }
  }
}
