/**
 * `exportFn(f)(...argsOrSpecs) -> Exported`, modelled on `jax.export`: a function traced once at
 * fixed shapes into a closed jaxpr, with its input/output avals and tree structures, that can
 * be called, printed, serialized to bytes (and read back in another process with
 * `deserialize`), compiled to a standalone WebAssembly module, or converted to ONNX.
 */
import type { ShapedArray } from "../../ir/aval.js";
import { type AnyTypedArray, typedArrayFor } from "../../ir/dtype.js";
import { ClosedJaxpr, Jaxpr, typecheckJaxpr } from "../../ir/jaxpr.js";
import * as E from "fp-ts/lib/Either.js";
import { type DeviceName, defaultDevice, getBackend } from "../backends/index.js";
import { ConcreteArray, type JArray } from "../core/array.js";
import { traceToJaxpr } from "../core/builder.js";
import { argAval, argLeaf, describe } from "../core/convert.js";
import { bind, moveTo } from "../core/interpreter.js";
import { bindArgs, fn, keywordOnly, kind, oneOf, required } from "../core/options.js";
import { hoistConsts } from "../transforms/jit.js";
import { type SpecArgs, flattenArgsOrSpecs } from "../transforms/makeJaxpr.js";
import * as tree from "../tree.js";
import { DeserializeError, FORMAT_VERSION, pack, unpack } from "./container.js";
import { InvalidContentsError, decodeJaxpr, encodeJaxpr } from "./jaxprCodec.js";
import { jaxprToOnnx } from "./onnx.js";
import { decodeTree, encodeTree } from "./treeCodec.js";
import { leafPaths } from "./paths.js";
import { type StandaloneWasm, type ToWasmOptions, toStandaloneWasm } from "./wasm.js";

const DEVICES = ["cpu", "wasm", "webgpu"] as const;

export interface ExportOptions {
  /** The device `call` runs on (default: the default device when exporting). */
  device?: DeviceName;
}

export class Exported {
  /** The format version `serialize` writes (and `deserialize` reads). */
  static readonly formatVersion = FORMAT_VERSION;
  readonly formatVersion = FORMAT_VERSION;
  /** The jaxpr's constants on `device`, made on first call. */
  #deviceConsts: JArray[] | undefined;
  readonly #hoisted: Jaxpr;

  /**
   * @param jaxpr the traced function: constvars (the captured constants, `consts`) and one
   *   invar per argument leaf
   * @param consts the constants' values, host copies
   */
  constructor(
    readonly fnName: string,
    readonly jaxpr: Jaxpr,
    readonly consts: readonly AnyTypedArray[],
    readonly inTree: tree.TreeDef,
    readonly outTree: tree.TreeDef,
    readonly device: DeviceName,
  ) {
    this.#hoisted = hoistConsts(jaxpr);
  }

  /** The closed jaxpr (constants as host TypedArrays). */
  get closedJaxpr(): ClosedJaxpr<AnyTypedArray> {
    return new ClosedJaxpr(this.jaxpr, this.consts);
  }

  get inAvals(): ShapedArray[] {
    return this.jaxpr.inAvals;
  }

  get outAvals(): ShapedArray[] {
    return this.jaxpr.outAvals;
  }

  /** Runs the exported function (as a jit call of its jaxpr, so it composes with transforms). */
  call(...args: unknown[]): any {
    const what = `Exported(${this.fnName}).call`;
    const [leaves, argTree] = tree.flatten(args);
    if (!tree.treeDefEqual(argTree, this.inTree))
      throw new TypeError(`${what}: the arguments have structure ${tree.treeDefString(argTree)}, but the function was exported for ${tree.treeDefString(this.inTree)}`);
    const paths = leafPaths(this.inTree, "args");
    const operands = leaves.map((x, i) => {
      const want = this.inAvals[i]!;
      const got = argAval(x, `${what}: ${paths[i]}`);
      if (!got.sameType(want))
        throw new TypeError(`${what}: argument ${paths[i]} has shape [${got.shape}] and dtype ${got.dtype}, but the function was exported for shape [${want.shape}] and dtype ${want.dtype}`);
      const a = argLeaf(x, `${what}: ${paths[i]}`);
      return a instanceof ConcreteArray ? moveTo(a, this.device) : a;
    });
    this.#deviceConsts ??= this.consts.map((c, i) => {
      const aval = this.jaxpr.constvars[i]!.aval;
      return ConcreteArray.fromHost(c, aval.shape, aval.dtype, getBackend(this.device), aval.weakType);
    });
    const outs = bind("jit", [...this.#deviceConsts, ...operands], { jaxpr: this.#hoisted, name: this.fnName });
    return tree.unflatten(this.outTree, outs);
  }

  /** The jaxpr, in JAX's printed form, under a line naming the function and its trees. */
  toText(): string {
    return `# exported ${this.fnName}: ${tree.treeDefString(this.inTree)} -> ${tree.treeDefString(this.outTree)} (format ${this.formatVersion}, device ${this.device})\n${this.jaxpr}`;
  }

  /** The bytes `deserialize` reads back, in any process. */
  serialize(): Uint8Array {
    const jaxpr = encodeJaxpr(this.jaxpr);
    const inTree = encodeTree(this.inTree, `Exported(${this.fnName}).serialize: the arguments`);
    const outTree = encodeTree(this.outTree, `Exported(${this.fnName}).serialize: the outputs`);
    const blobs = this.consts.map((c) => new Uint8Array(c.buffer, c.byteOffset, c.byteLength));
    return pack(blobs, (offsets) => ({
      producer: "jaxts",
      fnName: this.fnName,
      device: this.device,
      jaxpr,
      inTree,
      outTree,
      consts: offsets.map((offset, i) => ({ offset, byteLength: blobs[i]!.byteLength })),
    }));
  }

  /** A standalone WebAssembly module and a dependency-free ESM loader (see src/export/wasm.ts). */
  toWasm(opts?: ToWasmOptions): StandaloneWasm {
    return toStandaloneWasm(this, opts ?? {});
  }

  /** An ONNX model of the function (see src/export/onnx.ts). */
  toOnnx(opts: { opset?: number } = {}): Uint8Array {
    // jaxprToOnnx takes arrays: the captured constants (host copies here) become cpu arrays.
    const consts = this.consts.map((c, i) => {
      const aval = this.jaxpr.constvars[i]!.aval;
      return ConcreteArray.fromHost(c, aval.shape, aval.dtype, getBackend("cpu"), aval.weakType);
    });
    return jaxprToOnnx(new ClosedJaxpr(this.jaxpr, consts), { opset: opts.opset });
  }
}

/** `jax.export.export`: `exportFn(f, {device?})(...argsOrSpecs)`; arguments may be `{shape, dtype}` specs. */
export function exportFn<A extends unknown[]>(f: (...args: A) => unknown, opts?: ExportOptions): (...args: SpecArgs<A>) => Exported;
export function exportFn<A extends unknown[]>(...args: unknown[]): (...args: SpecArgs<A>) => Exported {
  const { f, device } = bindArgs("exportFn", args, { f: required(fn), device: keywordOnly(oneOf(...DEVICES)) });
  if (device !== undefined) getBackend(device);
  const name = (f as { name?: string }).name || "fn";
  return (...fargs: SpecArgs<A>) => {
    const what = `exportFn(${name})`;
    const [, avals, inTree] = flattenArgsOrSpecs(fargs, what);
    const { closed, outTree } = traceToJaxpr(f, avals, inTree, what);
    const consts = closed.consts.map((c, i) => {
      if (!(c instanceof ConcreteArray))
        throw new TypeError(`${what}: the function closes over a traced value (${describe(c)}, constant ${i}) from an enclosing transform; an exported function can only capture concrete arrays`);
      return c.readHost();
    });
    return new Exported(name, closed.jaxpr, consts, inTree, outTree, device ?? defaultDevice());
  };
}

/** Reads back `Exported.serialize()`'s bytes; refuses other format versions and damaged bytes, saying what is wrong. */
export function deserialize(bytes: Uint8Array): Exported;
export function deserialize(...args: unknown[]): Exported {
  const { bytes } = bindArgs("deserialize", args, { bytes: required(oneOfBytes) });
  const { document, data } = unpack(bytes);
  try {
    return build(document, data);
  } catch (e) {
    if (e instanceof InvalidContentsError) throw new DeserializeError(`deserialize: the export's contents are invalid: ${e.message}`);
    throw e;
  }
}

const oneOfBytes = kind<Uint8Array>("a Uint8Array", (v) => v instanceof Uint8Array);

function build(doc: unknown, data: Uint8Array): Exported {
  const bad = (msg: string): never => {
    throw new InvalidContentsError(msg);
  };
  if (typeof doc !== "object" || doc === null) return bad("the document is not an object");
  const d = doc as Record<string, unknown>;
  if (d.producer !== "jaxts") bad(`producer ${JSON.stringify(d.producer)} is not jaxts`);
  const device = DEVICES.includes(d.device as DeviceName) ? (d.device as DeviceName) : bad(`unknown device ${JSON.stringify(d.device)}`);
  const fnName = typeof d.fnName === "string" ? d.fnName : bad("fnName is missing");
  const jaxpr = decodeJaxpr(d.jaxpr);
  let checked: ReturnType<typeof typecheckJaxpr>;
  try {
    checked = typecheckJaxpr(jaxpr);
  } catch (e) {
    // A shape rule reading params of the wrong form (missing fields, wrong kinds).
    return bad(`the jaxpr's params are malformed: ${(e as Error).message}`);
  }
  if (E.isLeft(checked)) bad(`the jaxpr does not type-check:\n  ${checked.left.join("\n  ")}`);
  const inTree = decodeTree(d.inTree, "inTree");
  const outTree = decodeTree(d.outTree, "outTree");
  if (tree.numLeaves(inTree) !== jaxpr.invars.length)
    bad(`inTree has ${tree.numLeaves(inTree)} leaves but the jaxpr takes ${jaxpr.invars.length} arguments`);
  if (tree.numLeaves(outTree) !== jaxpr.outs.length)
    bad(`outTree has ${tree.numLeaves(outTree)} leaves but the jaxpr returns ${jaxpr.outs.length} values`);
  const entries = Array.isArray(d.consts) ? d.consts : bad("consts is missing");
  if (entries.length !== jaxpr.constvars.length) bad(`${entries.length} constants for ${jaxpr.constvars.length} constvars`);
  const consts = entries.map((entry, i) => {
    const aval = jaxpr.constvars[i]!.aval;
    const { offset, byteLength } = (entry ?? {}) as { offset?: unknown; byteLength?: unknown };
    const want = typedArrayFor(aval.dtype, aval.size);
    if (!Number.isInteger(offset) || (offset as number) < 0 || byteLength !== want.byteLength || (offset as number) + want.byteLength > data.byteLength)
      bad(`constant ${i} (${aval}) at offset ${JSON.stringify(offset)} with ${JSON.stringify(byteLength)} bytes does not fit the ${data.byteLength}-byte data region`);
    new Uint8Array(want.buffer).set(data.subarray(offset as number, (offset as number) + want.byteLength));
    return want;
  });
  return new Exported(fnName, jaxpr, consts, inTree, outTree, device);
}
