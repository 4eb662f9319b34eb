/**
 * The generated ESM loader of a standalone export and its .d.ts. The loader imports nothing:
 * it reads the module (next to itself by default: `<name>.wasm`, `<name>.relaxed.wasm`,
 * `<name>.weights.bin`, through `fetch` in a browser or `node:fs` for file URLs in Node), makes
 * the memory, copies inputs in, calls the entry once, and copies outputs out.
 *
 * Its host functions mirror the runtime's exactly (Math for host math; reduce_window folded in
 * the reference interpreter's order, identity at padding and holes), so the standalone module's
 * outputs are bit-identical to jit's on the same engine features.
 */

export interface LoaderMeta {
  name: string;
  fnName: string;
  pages: number;
  weights: { mode: "embed" | "external"; base: number; bytes: number };
  constOffsets: number[];
  inputs: { name: string; shape: number[]; dtype: string; offset: number }[];
  outputs: { name: string; shape: number[]; dtype: string; offset: number }[];
  arena: number;
  hostMath: string[];
  hostSteps: { primitive: string; params: Record<string, unknown>; inAvals: { shape: number[]; dtype: string }[]; outAvals: { shape: number[]; dtype: string }[]; buffers: number }[];
  relaxed: boolean;
  relaxedProbe: number[];
}

const typedArrayName: Record<string, string> = {
  float32: "Float32Array",
  float64: "Float64Array",
  int32: "Int32Array",
  uint32: "Uint32Array",
  bool: "Uint8Array",
};

/** The loader's code after META: plain JS, kept as text so it is exactly what ships. */
const BODY = String.raw`
const ARRAY = { float32: Float32Array, float64: Float64Array, int32: Int32Array, uint32: Uint32Array, bool: Uint8Array };
const size = (shape) => shape.reduce((a, b) => a * b, 1);
const stridesOf = (shape) => { const s = []; let k = 1; for (let i = shape.length - 1; i >= 0; i--) { s[i] = k; k *= shape[i]; } return s; };

/** The input and output signatures, in order (names are paths in the exported function's arguments / results). */
export const inputs = META.inputs.map(({ name, shape, dtype }) => ({ name, shape, dtype }));
export const outputs = META.outputs.map(({ name, shape, dtype }) => ({ name, shape, dtype }));

/** Whether this engine accepts relaxed SIMD (the probe jaxts's wasm backend uses). */
export function relaxedSimdSupported() {
  if (!META.relaxed) return false;
  try { return WebAssembly.validate(new Uint8Array(META.relaxedProbe)); } catch { return false; }
}

async function bytesOf(source, what) {
  if (source instanceof Uint8Array) return source;
  if (source instanceof ArrayBuffer) return new Uint8Array(source);
  if (ArrayBuffer.isView(source)) return new Uint8Array(source.buffer, source.byteOffset, source.byteLength);
  const url = source instanceof URL ? source : new URL(String(source), import.meta.url);
  if (url.protocol === "file:") {
    const fs = await import("node:fs/promises");
    return new Uint8Array(await fs.readFile(url));
  }
  const response = await fetch(url);
  if (!response.ok) throw new Error(META.name + ".js: cannot fetch the " + what + " from " + url + ": HTTP " + response.status);
  return new Uint8Array(await response.arrayBuffer());
}

// The runtime's host math, function for function.
const HOST_MATH = {
  exp: Math.exp, exp2: (x) => Math.pow(2, x), log: Math.log, expm1: Math.expm1, log1p: Math.log1p, tanh: Math.tanh,
  logistic: (x) => 1 / (1 + Math.exp(-x)), sin: Math.sin, cos: Math.cos, tan: Math.tan, asin: Math.asin, acos: Math.acos,
  atan: Math.atan, sinh: Math.sinh, cosh: Math.cosh, asinh: Math.asinh, acosh: Math.acosh, atanh: Math.atanh,
  cbrt: Math.cbrt, atan2: Math.atan2, fmod: (a, b) => a % b,
};

// reduce_window over a float operand, as the reference interpreter computes it: the operand
// placed into a padded, base-dilated array filled with the identity, then each window folded
// in row-major order of its taps.
function offsetsOf(shape, strides) {
  const out = new Int32Array(size(shape));
  const idx = new Array(shape.length).fill(0);
  for (let k = 0, off = 0; k < out.length; k++) {
    out[k] = off;
    for (let d = shape.length - 1; d >= 0; d--) {
      if (++idx[d] < shape[d]) { off += strides[d]; break; }
      off -= (shape[d] - 1) * strides[d];
      idx[d] = 0;
    }
  }
  return out;
}
// The fold is written out per operation (a shared combine callback would not inline).
const FOLDS = {
  sum: (padded, starts, taps, out) => { for (let o = 0; o < out.length; o++) { let acc = 0; const s0 = starts[o]; for (let t = 0; t < taps.length; t++) acc += padded[s0 + taps[t]]; out[o] = acc; } },
  max: (padded, starts, taps, out) => { for (let o = 0; o < out.length; o++) { let acc = -Infinity; const s0 = starts[o]; for (let t = 0; t < taps.length; t++) acc = Math.max(acc, padded[s0 + taps[t]]); out[o] = acc; } },
  min: (padded, starts, taps, out) => { for (let o = 0; o < out.length; o++) { let acc = Infinity; const s0 = starts[o]; for (let t = 0; t < taps.length; t++) acc = Math.min(acc, padded[s0 + taps[t]]); out[o] = acc; } },
};
function reduceWindow(kind, identity) {
  return (x, out, inShape, outShape, p) => {
    const nd = inShape.length;
    const bd = p.baseDilation, lo = p.padding.map((q) => q[0]), hi = p.padding.map((q) => q[1]);
    const paddedShape = inShape.map((n, d) => Math.max(0, lo[d] + hi[d] + n + Math.max(0, n - 1) * (bd[d] - 1)));
    const ps = stridesOf(paddedShape);
    const padded = new Float64Array(size(paddedShape)).fill(identity);
    // Operand element at multi-index i lands at lo + i * baseDilation (negative padding crops).
    const idx = new Array(nd).fill(0);
    for (let i = 0; i < x.length; i++) {
      let off = 0, inside = true;
      for (let d = 0; d < nd; d++) {
        const q = lo[d] + idx[d] * bd[d];
        if (q < 0 || q >= paddedShape[d]) inside = false;
        off += q * ps[d];
      }
      if (inside) padded[off] = x[i];
      for (let d = nd - 1; d >= 0; d--) { if (++idx[d] < inShape[d]) break; idx[d] = 0; }
    }
    const starts = offsetsOf(outShape, ps.map((s, d) => s * p.windowStrides[d]));
    const taps = offsetsOf(p.windowDimensions, ps.map((s, d) => s * p.windowDilation[d]));
    FOLDS[kind](padded, starts, taps, out);
  };
}
const HOST_STEPS = {
  reduceWindowSum: reduceWindow("sum", 0),
  reduceWindowMax: reduceWindow("max", -Infinity),
  reduceWindowMin: reduceWindow("min", Infinity),
};

/**
 * Instantiates the model. Options (all optional): wasm / wasmRelaxed / weights, each bytes, a URL
 * or a path relative to this file (defaults: the files next to it); relaxedSimd: false to force
 * the portable module.
 */
export async function load(options = {}) {
  for (const k of Object.keys(options))
    if (!["wasm", "wasmRelaxed", "weights", "relaxedSimd"].includes(k))
      throw new TypeError(META.name + ".js: load() got an unknown option " + JSON.stringify(k) + "; it accepts wasm, wasmRelaxed, weights, relaxedSimd");
  const useRelaxed = options.relaxedSimd !== false && relaxedSimdSupported();
  const source = useRelaxed ? options.wasmRelaxed ?? "./" + META.name + ".relaxed.wasm" : options.wasm ?? "./" + META.name + ".wasm";
  const module = await WebAssembly.compile(await bytesOf(source, "module"));
  const memory = new WebAssembly.Memory({ initial: META.pages });
  if (META.weights.mode === "external") {
    const w = await bytesOf(options.weights ?? "./" + META.name + ".weights.bin", "weights");
    if (w.byteLength !== META.weights.bytes)
      throw new Error(META.name + ".js: the weights are " + w.byteLength + " bytes, but the model needs " + META.weights.bytes);
    new Uint8Array(memory.buffer, META.weights.base, w.byteLength).set(w);
  }
  const host = (index, table) => {
    const step = META.hostSteps[index];
    const buffer = memory.buffer;
    const ptrs = new Int32Array(buffer, table, step.buffers);
    const x = new ARRAY[step.inAvals[0].dtype](buffer, ptrs[0], size(step.inAvals[0].shape));
    const out = new ARRAY[step.outAvals[0].dtype](buffer, ptrs[1], size(step.outAvals[0].shape));
    HOST_STEPS[step.primitive](x, out, step.inAvals[0].shape, step.outAvals[0].shape, step.params);
  };
  const m = {};
  for (const name of META.hostMath) m[name] = HOST_MATH[name];
  const instance = await WebAssembly.instantiate(module, { env: { memory, host }, m });
  const entry = instance.exports.run;
  const ptrs = [META.arena, ...META.constOffsets, ...META.inputs.map((i) => i.offset), ...META.outputs.map((o) => o.offset)];
  /** Runs the model: one TypedArray per input (in order), one per output back (fresh copies). */
  const run = (values) => {
    if (!Array.isArray(values) || values.length !== META.inputs.length)
      throw new TypeError(META.name + ".js: run() takes an array of " + META.inputs.length + " TypedArrays (" + META.inputs.map((i) => i.name).join(", ") + ")");
    META.inputs.forEach((spec, k) => {
      const v = values[k];
      const T = ARRAY[spec.dtype];
      const n = size(spec.shape);
      if (!(v instanceof T) || v.length !== n)
        throw new TypeError(META.name + ".js: run(): input " + k + " (" + spec.name + ", " + spec.dtype + "[" + spec.shape + "]) must be a " + T.name + " of " + n + " elements, got " + (v === null || v === undefined ? String(v) : (v.constructor?.name ?? typeof v) + (v.length !== undefined ? " of " + v.length + " elements" : "")));
      new T(memory.buffer, spec.offset, n).set(v);
    });
    entry(...ptrs);
    return META.outputs.map((spec) => new ARRAY[spec.dtype](memory.buffer, spec.offset, size(spec.shape)).slice());
  };
  return { inputs, outputs, relaxedSimd: useRelaxed, run };
}
`;

export function loaderJs(meta: LoaderMeta): string {
  return `// Generated by jaxts (exportFn(${meta.fnName}).toWasm()): standalone inference, no dependencies.\n// ${meta.name}.wasm${meta.relaxed ? ` (and ${meta.name}.relaxed.wasm)` : ""}${meta.weights.mode === "external" ? ` with weights in ${meta.name}.weights.bin` : ""}.\nconst META = ${JSON.stringify(meta)};\n${BODY}`;
}

const tupleOf = (xs: { name: string; shape: number[]; dtype: string }[]) => `[${xs.map((x) => typedArrayName[x.dtype]).join(", ")}]`;
const specsOf = (xs: { name: string; shape: number[]; dtype: string }[]) =>
  `readonly [${xs.map((x) => `{ readonly name: ${JSON.stringify(x.name)}; readonly shape: readonly [${x.shape.join(", ")}]; readonly dtype: ${JSON.stringify(x.dtype)} }`).join(", ")}]`;

export function loaderDts(meta: LoaderMeta): string {
  const doc = (xs: LoaderMeta["inputs"]) => xs.map((x) => ` *   ${x.name}: ${x.dtype}[${x.shape.join(", ")}]`).join("\n");
  return `// Generated by jaxts: declarations of ${meta.name}.js.
/**
 * Inputs, in order:
${doc(meta.inputs)}
 */
export type Inputs = ${tupleOf(meta.inputs)};
/**
 * Outputs, in order:
${doc(meta.outputs)}
 */
export type Outputs = ${tupleOf(meta.outputs)};
export declare const inputs: ${specsOf(meta.inputs)};
export declare const outputs: ${specsOf(meta.outputs)};
export type Source = Uint8Array | ArrayBuffer | ArrayBufferView | URL | string;
export interface LoadOptions {
  /** The portable module (default: ./${meta.name}.wasm next to this file). */
  wasm?: Source;
  /** The relaxed-SIMD module (default: ./${meta.name}.relaxed.wasm), used where the engine accepts relaxed SIMD. */
  wasmRelaxed?: Source;
  /** The weights, for a model exported with weights: "external" (default: ./${meta.name}.weights.bin). */
  weights?: Source;
  /** false: use the portable module even where relaxed SIMD is available. */
  relaxedSimd?: boolean;
}
export interface Model {
  readonly inputs: typeof inputs;
  readonly outputs: typeof outputs;
  /** Whether the relaxed-SIMD module is the one running. */
  readonly relaxedSimd: boolean;
  /** Runs the model on one TypedArray per input; returns fresh TypedArrays, one per output. */
  run(inputs: Inputs): Outputs;
}
export declare function relaxedSimdSupported(): boolean;
export declare function load(options?: LoadOptions): Promise<Model>;
`;
}
