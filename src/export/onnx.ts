/**
 * ONNX export: a closed jaxpr becomes an ONNX model (a protobuf ModelProto), one rule per
 * primitive (src/export/onnxRules.ts). Every jaxpr variable becomes a tensor name, constants
 * become initializers, and higher-order primitives become ONNX's control flow: `cond` -> If,
 * `while` and `scan` -> Loop, with their sub-jaxprs as subgraphs that read outer names.
 * The protobuf encoding is protobufjs's, over ONNX's own schema (src/export/onnxSchema.ts,
 * generated from onnx.proto).
 */
import protobuf from "protobufjs";
import type { ShapedArray } from "../../ir/aval.js";
import { type DType, float16Bits } from "../../ir/dtype.js";
import { type Atom, type ClosedJaxpr, type Jaxpr, Literal, type Var } from "../../ir/jaxpr.js";
import { JArray } from "../core/array.js";
import { bindArgs, checkedLater, int, keywordOnly, required } from "../core/options.js";
import { ValueError } from "../errors.js";
import { onnxRules } from "./onnxRules.js";
import { onnxSchema } from "./onnxSchema.js";

/** ONNX's TensorProto.DataType codes for our dtypes. */
export const onnxDtype: Record<DType, number> = { float32: 1, uint8: 2, int8: 3, int32: 6, bool: 9, float16: 10, float64: 11, uint32: 12 };
export const INT64 = 7;

// protobufjs message objects are plain objects with the schema's field names.
export interface NodeProto {
  op_type: string;
  input: string[];
  output: string[];
  name: string;
  attribute: AttributeProto[];
  domain?: string;
}
export interface AttributeProto {
  name: string;
  type: number;
  i?: number;
  f?: number;
  ints?: number[];
  floats?: number[];
  g?: GraphProto;
  t?: TensorProto;
  s?: Uint8Array;
}
export interface TensorProto {
  name: string;
  data_type: number;
  dims: number[];
  raw_data: Uint8Array;
}
export interface ValueInfoProto {
  name: string;
  type: { tensor_type: { elem_type: number; shape: { dim: { dim_value: number }[] } } };
}
export interface GraphProto {
  name: string;
  node: NodeProto[];
  input: ValueInfoProto[];
  output: ValueInfoProto[];
  initializer: TensorProto[];
}

/** An attribute value: numbers are INT unless `float` marks them; arrays of numbers are INTS. */
export type AttrValue = number | readonly number[] | { float: number } | { graph: GraphProto } | { tensor: TensorProto } | { string: string };

/** The opset ONNX models default to, and the IR version each opset needs (ONNX's versioning table). */
export const DEFAULT_OPSET = 17;
const irVersionFor = (opset: number) => (opset <= 18 ? 8 : opset <= 20 ? 9 : opset <= 22 ? 10 : 11);

export function valueInfo(name: string, aval: { shape: readonly number[]; dtype: DType } | { shape: readonly number[]; elem: number }): ValueInfoProto {
  const elem = "elem" in aval ? aval.elem : onnxDtype[aval.dtype];
  return { name, type: { tensor_type: { elem_type: elem, shape: { dim: aval.shape.map((d) => ({ dim_value: d })) } } } };
}

/** Bytes of a tensor's values, little-endian, in ONNX's storage for the dtype (float16 as bits). */
function rawBytes(values: ArrayLike<number>, dtype: DType | "int64"): Uint8Array {
  const n = values.length;
  switch (dtype) {
    case "int64": {
      const a = new BigInt64Array(n);
      for (let i = 0; i < n; i++) a[i] = BigInt(values[i]!);
      return new Uint8Array(a.buffer);
    }
    case "float16": {
      const a = new Uint16Array(n);
      for (let i = 0; i < n; i++) a[i] = float16Bits(values[i]!);
      return new Uint8Array(a.buffer);
    }
    default: {
      const ctor = { float32: Float32Array, float64: Float64Array, int32: Int32Array, uint32: Uint32Array, bool: Uint8Array, int8: Int8Array, uint8: Uint8Array }[dtype];
      const a = new ctor(n);
      for (let i = 0; i < n; i++) a[i] = values[i]!;
      return new Uint8Array(a.buffer);
    }
  }
}

export function tensorProto(name: string, values: ArrayLike<number>, shape: readonly number[], dtype: DType | "int64"): TensorProto {
  return { name, data_type: dtype === "int64" ? INT64 : onnxDtype[dtype], dims: [...shape], raw_data: rawBytes(values, dtype) };
}

/**
 * One graph under construction (the model's, or a subgraph's). Names are unique across the
 * whole model, since subgraphs see every outer name.
 */
export class GraphBuilder {
  readonly nodes: NodeProto[] = [];
  readonly initializers: TensorProto[] = [];
  private readonly names = new Map<Var, string>();
  private readonly constCache = new Map<string, string>();

  constructor(
    readonly model: ModelContext,
    private readonly parent?: GraphBuilder,
  ) {}

  /** A fresh, model-unique tensor name. */
  fresh(hint: string): string {
    return this.model.fresh(hint);
  }

  bind(v: Var, name: string): void {
    this.names.set(v, name);
  }

  /** The tensor name of an atom: a bound variable (here or in an enclosing graph) or a literal's constant. */
  name(a: Atom): string {
    if (a instanceof Literal) return this.constant([a.value], [], a.aval.dtype);
    for (let g: GraphBuilder | undefined = this; g; g = g.parent) {
      const n = g.names.get(a);
      if (n !== undefined) return n;
    }
    throw new Error(`jaxprToOnnx: internal: variable ${a.id} used before it is defined`);
  }

  /** A constant tensor (an initializer), shared by equal values. */
  constant(values: ArrayLike<number>, shape: readonly number[], dtype: DType | "int64"): string {
    const key = `${dtype}:${shape}:${Array.from(values, (v) => (Object.is(v, -0) ? "-0" : String(v))).join(",")}`;
    // Tiny constants are cached by value; large ones (weights) are not worth the key.
    const cacheable = values.length <= 16;
    if (cacheable) {
      const hit = this.constCache.get(key);
      if (hit !== undefined) return hit;
    }
    const name = this.fresh("const");
    // Subgraph initializers are allowed, but putting every constant in the main graph keeps them shareable.
    this.model.main.initializers.push(tensorProto(name, values, shape, dtype));
    if (cacheable) this.constCache.set(key, name);
    return name;
  }

  /** int64 vector constant (shapes, axes, pads: what ONNX takes as int64 inputs). */
  i64(values: readonly number[]): string {
    return this.constant(values, [values.length], "int64");
  }

  /** Adds a node; returns its output names. */
  node(opType: string, inputs: readonly string[], attrs: Record<string, AttrValue> = {}, nOut = 1, outNames?: readonly string[]): string[] {
    const outputs = outNames ? [...outNames] : Array.from({ length: nOut }, () => this.fresh(opType.toLowerCase()));
    const attribute: AttributeProto[] = Object.entries(attrs).map(([name, v]) => attributeProto(name, v));
    this.nodes.push({ op_type: opType, input: [...inputs], output: outputs, name: this.fresh(`n_${opType}`), attribute });
    return outputs;
  }

  /** `node` with one output. */
  op(opType: string, inputs: readonly string[], attrs: Record<string, AttrValue> = {}): string {
    return this.node(opType, inputs, attrs)[0]!;
  }

  cast(x: string, to: DType | "int64"): string {
    return this.op("Cast", [x], { to: to === "int64" ? INT64 : onnxDtype[to] });
  }

  /** Converts a jaxpr's equations into this graph; its invars must be bound already. */
  emitEqns(jaxpr: Jaxpr): void {
    for (const e of jaxpr.eqns) {
      const rule = onnxRules[e.primitive];
      if (rule === null)
        throw new ValueError(`jaxprToOnnx: primitive "${e.primitive}" has no ONNX export rule (it cannot be exported to ONNX yet)`);
      const outs = (rule as (g: GraphBuilder, ins: readonly Atom[], params: unknown, outAvals: readonly ShapedArray[], inAvals: readonly ShapedArray[]) => string[])(
        this,
        e.inputs,
        e.params,
        e.outVars.map((v) => v.aval),
        e.inputs.map((a) => a.aval),
      );
      e.outVars.forEach((v, i) => this.bind(v, outs[i]!));
    }
  }

  graph(name: string, inputs: ValueInfoProto[], outputs: ValueInfoProto[]): GraphProto {
    return { name, node: this.nodes, input: inputs, output: outputs, initializer: this.initializers };
  }

  /**
   * A subgraph computing `jaxpr` with its invars bound to `inputNames` (outer names, or the
   * subgraph's own inputs); its outputs get fresh names through Identity where needed, since
   * a graph output must be produced inside the graph.
   */
  subgraph(name: string, jaxpr: Jaxpr, inputNames: readonly string[], formalInputs: ValueInfoProto[], extraOutputs: (g: GraphBuilder) => { name: string; info: ValueInfoProto }[] = () => []): GraphProto {
    const g = new GraphBuilder(this.model, this);
    jaxpr.invars.forEach((v, i) => g.bind(v, inputNames[i]!));
    g.emitEqns(jaxpr);
    const lead = extraOutputs(g);
    const outs = jaxpr.outs.map((a) => {
      const n = g.op("Identity", [g.name(a)]);
      return valueInfo(n, a.aval);
    });
    return g.graph(name, formalInputs, [...lead.map((l) => l.info), ...outs]);
  }
}

function attributeProto(name: string, v: AttrValue): AttributeProto {
  // AttributeProto.AttributeType: FLOAT 1, INT 2, STRING 3, TENSOR 4, GRAPH 5, FLOATS 6, INTS 7.
  if (typeof v === "number") return { name, type: 2, i: v };
  if (Array.isArray(v)) return { name, type: 7, ints: [...(v as number[])] };
  if ("float" in (v as object)) return { name, type: 1, f: (v as { float: number }).float };
  if ("graph" in (v as object)) return { name, type: 5, g: (v as { graph: GraphProto }).graph };
  if ("tensor" in (v as object)) return { name, type: 4, t: (v as { tensor: TensorProto }).tensor };
  return { name, type: 3, s: new TextEncoder().encode((v as { string: string }).string) };
}

/** What all graphs of one model share: unique names, the opset, the main graph. */
export class ModelContext {
  private counter = 0;
  readonly main: GraphBuilder;
  constructor(readonly opset: number) {
    this.main = new GraphBuilder(this);
  }
  fresh(hint: string): string {
    return `${hint}_${this.counter++}`;
  }
}

let modelType: protobuf.Type | undefined;
/** The ModelProto message type, built once from the schema. */
export function onnxTypes(): { ModelProto: protobuf.Type } {
  modelType ??= protobuf.Root.fromJSON(onnxSchema as protobuf.INamespace).lookupType("onnx.ModelProto");
  return { ModelProto: modelType };
}

/**
 * `jaxprToOnnx(closed, {opset = 17})`: the bytes of an ONNX model computing `closed`. Inputs are
 * named `input_0`, `input_1`, ... and outputs `output_0`, ... in the jaxpr's order; constants
 * (the closed jaxpr's consts, literals) are initializers. A primitive without an ONNX rule is a
 * ValueError naming it.
 */
export function jaxprToOnnx(...args: unknown[]): Uint8Array {
  const a = bindArgs("jaxprToOnnx", args, { closed: required(checkedLater<ClosedJaxpr>("a closed jaxpr")), opset: keywordOnly(int) });
  const closed = a.closed;
  if (closed === null || typeof closed !== "object" || !("jaxpr" in closed)) throw new TypeError("jaxprToOnnx: closed must be a ClosedJaxpr (from makeJaxpr or an Exported)");
  const opset = a.opset ?? DEFAULT_OPSET;
  if (opset < 17) throw new ValueError(`jaxprToOnnx: opset ${opset} is below 17, the oldest this exporter writes`);
  const ctx = new ModelContext(opset);
  const g = ctx.main;
  const { jaxpr, consts } = closed;
  jaxpr.constvars.forEach((v, i) => {
    const c = consts[i];
    if (!(c instanceof JArray)) throw new TypeError(`jaxprToOnnx: constant ${i} of the jaxpr is not an array`);
    const name = ctx.fresh("weight");
    g.initializers.push(tensorProto(name, c.toConcrete("jaxprToOnnx").readHost(), v.aval.shape, v.aval.dtype));
    g.bind(v, name);
  });
  const inputs = jaxpr.invars.map((v, i) => {
    g.bind(v, `input_${i}`);
    return valueInfo(`input_${i}`, v.aval);
  });
  g.emitEqns(jaxpr);
  const outputs = jaxpr.outs.map((o, i) => {
    g.node("Identity", [g.name(o)], {}, 1, [`output_${i}`]);
    return valueInfo(`output_${i}`, o.aval);
  });
  const model = {
    ir_version: irVersionFor(opset),
    producer_name: "jaxts",
    opset_import: [{ domain: "", version: opset }],
    graph: g.graph("jaxts", inputs, outputs),
  };
  const { ModelProto } = onnxTypes();
  return ModelProto.encode(ModelProto.fromObject(model)).finish();
}

/** Decodes ONNX model bytes into a plain object (for inspection and tests). */
export function decodeOnnx(bytes: Uint8Array): { ir_version: number; opset_import: { version: number }[]; graph: GraphProto } {
  const { ModelProto } = onnxTypes();
  return ModelProto.toObject(ModelProto.decode(bytes), { longs: Number, defaults: false, arrays: true }) as never;
}
