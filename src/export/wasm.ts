/**
 * `Exported.toWasm()`: the module the wasm backend compiles for the exported jaxpr, made to run
 * without jaxts. The backend's program takes the constants (weights) and the arguments as
 * input buffers; here they get fixed addresses in a memory the loader creates:
 *
 *   [0, 64)             reserved, as in the backend
 *   weights             every constant, 64-byte aligned (data segments, or copied in at load)
 *   inputs, outputs     one block per argument / result
 *   arena               the program's temporaries
 *
 * The loader (loaderSource.ts) calls the entry `run(arena, ...weights, ...inputs, ...outputs)`.
 * When the backend would use relaxed SIMD, both renderings ship (the loader picks by feature
 * detection, as the backend does); otherwise only the portable one.
 *
 * Host steps (primitives without a native kernel, which call back into the reference
 * interpreter) cannot call jaxts from a standalone module: the loader carries its own
 * implementation of the few that inference networks need (reduce_window_sum/max/min on floats,
 * i.e. pooling), and any other is refused with an error naming it.
 */
import type { ShapedArray } from "../../ir/aval.js";
import { isFloat, itemSize } from "../../ir/dtype.js";
import { primitiveName } from "../../ir/primitives.js";
import { type BufferDecl, type HostStep, type Program, hostStepBuffers, leafSteps } from "../../codegen/kernel/kernel.js";
import { renderProgram } from "../../codegen/wasm/module.js";
import type { Wabt } from "../../codegen/wasm/runtime.js";
import { wabt, wasmBackend } from "../backends/wasm.js";
import { checkOptions, oneOf, str } from "../core/options.js";
import { hoistConsts } from "../transforms/jit.js";
import type { Exported } from "./exported.js";
import { type LoaderMeta, loaderDts, loaderJs } from "./loaderSource.js";
import { leafPaths } from "./paths.js";
import { appendDataSegment } from "./wasmBinary.js";

export interface ToWasmOptions {
  /** "embed" (default): weights are data segments of the module; "external": a separate blob passed at load. */
  weights?: "embed" | "external";
  /** Base name of the files the loader looks for next to itself (default "model"). */
  name?: string;
}

export interface StandaloneWasm {
  /** The portable module (SIMD, no relaxed SIMD). */
  wasm: Uint8Array;
  /** The relaxed-SIMD rendering, when the program uses it (the loader prefers it where the engine accepts it). */
  wasmRelaxed?: Uint8Array;
  /** With `weights: "external"`: the weights blob the loader copies into memory. */
  weights?: Uint8Array;
  /** The ESM loader (no imports). */
  js: string;
  /** Its TypeScript declarations, with the input and output shapes. */
  dts: string;
}

/** Host steps the standalone loader implements itself (see loaderSource.ts). */
const loaderHostPrims = new Set(["reduceWindowSum", "reduceWindowMax", "reduceWindowMin"]);
/** Host math the loader provides (plain Math, as the runtime's table does); the rest are jaxts's own special functions. */
export const loaderHostMath = new Set(["exp", "exp2", "log", "expm1", "log1p", "tanh", "logistic", "sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "asinh", "acosh", "atanh", "cbrt", "atan2", "fmod"]);

const ALIGN = 64;
const alignUp = (n: number) => Math.ceil(n / ALIGN) * ALIGN;

function assemble(w: Wabt, wat: string, relaxed: boolean): Uint8Array {
  const features = { simd: true, relaxed_simd: relaxed, sat_float_to_int: true, sign_extension: true, bulk_memory: true, mutable_globals: true };
  const m = w.parseWat("export.wat", wat, features);
  try {
    m.validate(features);
    return m.toBinary({}).buffer;
  } finally {
    m.destroy();
  }
}

/** The bytes of the relaxed-SIMD probe the loader validates (the backend's own probe). */
export const RELAXED_PROBE_WAT = `(module (func (param v128) (result v128) (f32x4.relaxed_madd (local.get 0) (local.get 0) (local.get 0))))`;

function hostStepsRefused(steps: readonly HostStep[]): string[] {
  const refused = new Set<string>();
  for (const s of steps) {
    const ok = loaderHostPrims.has(s.eqn.primitive) && s.eqn.inputs.every((a) => isFloat(a.aval.dtype));
    if (!ok) refused.add(`${primitiveName(s.eqn.primitive)}(${s.eqn.inputs.map((a) => a.aval).join(", ")})`);
  }
  return [...refused];
}

const avalJson = (a: ShapedArray) => ({ shape: [...a.shape], dtype: a.dtype });

export function toStandaloneWasm(e: Exported, opts: ToWasmOptions): StandaloneWasm {
  const what = `Exported(${e.fnName}).toWasm`;
  const { weights = "embed", name = "model" } = checkOptions(what, opts, { weights: oneOf("embed", "external"), name: str });
  if (!/^[\w.-]+$/.test(name)) throw new TypeError(`${what}: name ${JSON.stringify(name)} must be a file base name (letters, digits, _ . -)`);
  const program: Program = wasmBackend.compiled(hoistConsts(e.jaxpr)).program;
  const leaves = leafSteps(program.steps);
  const hostSteps = leaves.filter((s): s is HostStep => s.kind === "host");
  const refused = hostStepsRefused(hostSteps);
  if (refused.length > 0)
    throw new TypeError(
      `${what}: the standalone module cannot run ${refused.join(", ")}: these primitives have no native wasm kernel yet and run as host steps through jaxts's reference interpreter, which a standalone loader does not carry (it implements only reduce_window_sum/max/min on floats)`,
    );

  const portable = renderProgram(program, { relaxedSimd: false }, { shared: false });
  // wabt assembles relaxed SIMD whatever this engine accepts; the loader decides where it runs.
  const relaxed = renderProgram(program, { relaxedSimd: true }, { shared: false });
  const missingMath = portable.hostMath.map((m) => m.name).filter((n) => !loaderHostMath.has(n));
  if (missingMath.length > 0)
    throw new TypeError(`${what}: the standalone module would need jaxts's host functions ${missingMath.join(", ")} (float64 special functions), which the loader does not carry`);
  if (portable.dynamic) throw new Error(`internal: ${what}: an exported program has static shapes`);

  // Memory layout.
  let top = ALIGN;
  const place = (bytes: number) => {
    const at = top;
    top = alignUp(top + Math.max(bytes, 1));
    return at;
  };
  const bytesOf = (b: BufferDecl) => b.size * itemSize[b.dtype];
  const nConsts = e.consts.length;
  const weightsBase = top;
  const constOffsets = program.inputs.slice(0, nConsts).map((id) => place(bytesOf(program.buffers[id]!)));
  const weightsEnd = top;
  const blob = new Uint8Array(weightsEnd - weightsBase);
  e.consts.forEach((c, i) => blob.set(new Uint8Array(c.buffer, c.byteOffset, c.byteLength), constOffsets[i]! - weightsBase));
  const inPaths = leafPaths(e.inTree, "args");
  const outPaths = leafPaths(e.outTree, "out");
  const inputs = program.inputs.slice(nConsts).map((id, i) => ({ name: inPaths[i]!, ...avalJson(e.inAvals[i]!), offset: place(bytesOf(program.buffers[id]!)) }));
  const outputs = program.outputs.map((id, i) => ({ name: outPaths[i]!, ...avalJson(e.outAvals[i]!), offset: place(bytesOf(program.buffers[id]!)) }));
  const arena = place(program.arenaBytes);
  const pages = Math.max(1, Math.ceil(top / 65536));

  const meta: LoaderMeta = {
    name,
    fnName: e.fnName,
    pages,
    weights: { mode: weights, base: weightsBase, bytes: blob.byteLength },
    constOffsets,
    inputs,
    outputs,
    arena,
    hostMath: portable.hostMath.map((m) => m.name),
    hostSteps: portable.hostSteps.map((s) => ({
      primitive: s.eqn.primitive,
      params: s.eqn.params as unknown as Record<string, unknown>,
      inAvals: s.eqn.inputs.map((a) => avalJson(a.aval)),
      outAvals: s.eqn.outVars.map((v) => avalJson(v.aval)),
      buffers: hostStepBuffers(s).length,
    })),
    relaxed: relaxed.wat !== portable.wat,
    relaxedProbe: [],
  };
  let wasm = assemble(wabt, portable.wat, false);
  let wasmRelaxed = meta.relaxed ? assemble(wabt, relaxed.wat, true) : undefined;
  if (meta.relaxed) meta.relaxedProbe = [...assemble(wabt, RELAXED_PROBE_WAT, true)];
  if (weights === "embed" && blob.byteLength > 0) {
    wasm = appendDataSegment(wasm, weightsBase, blob);
    if (wasmRelaxed) wasmRelaxed = appendDataSegment(wasmRelaxed, weightsBase, blob);
  }
  return {
    wasm,
    ...(wasmRelaxed ? { wasmRelaxed } : {}),
    ...(weights === "external" ? { weights: blob } : {}),
    js: loaderJs(meta),
    dts: loaderDts(meta),
  };
}
