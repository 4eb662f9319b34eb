/**
 * ONNX export rules, one per primitive: `null` where ONNX export is not supported (jaxprToOnnx
 * then names the primitive). The table is keyed by every primitive, so a new primitive does not
 * compile until it gets an entry here.
 *
 * A rule gets the graph, the operand atoms, the params, and the avals; it adds nodes and
 * returns the names of its outputs.
 */
import type { ShapedArray } from "../../ir/aval.js";
import { type DType, isFloat } from "../../ir/dtype.js";
import type { Atom } from "../../ir/jaxpr.js";
import type { Params, Primitive } from "../../ir/primitives.js";
import { range } from "../../ir/util.js";
import { ValueError } from "../errors.js";
import { type AttrValue, GraphBuilder, INT64, valueInfo } from "./onnx.js";

type Rule<P extends Primitive> = (g: GraphBuilder, ins: readonly Atom[], params: Params<P>, outAvals: readonly ShapedArray[], inAvals: readonly ShapedArray[]) => string[];

const unsupported = (what: string): never => {
  throw new ValueError(`jaxprToOnnx: ${what}`);
};

/** A one-node elementwise rule. */
const simple =
  (opType: string, attrs: Record<string, AttrValue> = {}): Rule<any> =>
  (g, ins) => [g.op(opType, ins.map((a) => g.name(a)), attrs)];

/** A rule computing on the operands' names. */
const on =
  <P extends Primitive>(f: (g: GraphBuilder, x: string[], params: Params<P>, outAvals: readonly ShapedArray[], inAvals: readonly ShapedArray[]) => string): Rule<P> =>
  (g, ins, params, outAvals, inAvals) => [f(g, ins.map((a) => g.name(a)), params, outAvals, inAvals)];

const scalar = (g: GraphBuilder, v: number, dtype: DType) => g.constant([v], [], dtype);

/** ReduceSum takes axes as an input since opset 13; the other reductions only since opset 18. */
function reduce(g: GraphBuilder, opType: string, x: string, axes: readonly number[]): string {
  if (axes.length === 0) return g.op("Identity", [x]);
  if (opType === "ReduceSum" || g.model.opset >= 18) return g.op(opType, [x, g.i64(axes)], { keepdims: 0 });
  return g.op(opType, [x], { axes, keepdims: 0 });
}

/** Boolean reductions through int32 (ONNX reductions do not take bool). */
const boolReduce =
  (opType: string): Rule<"reduceAnd" | "reduceOr"> =>
  (g, ins, { axes }, _o, [x]) => {
    const xs = g.name(ins[0]!);
    if (x!.dtype !== "bool") return unsupported(`${opType === "ReduceMin" ? "reduceAnd" : "reduceOr"} of ${x!.dtype} (only bool)`);
    return [g.cast(reduce(g, opType, g.cast(xs, "int32"), axes), "bool")];
  };

/** Spatial dims of a window op: the dims whose window, stride or padding is not trivial. */
function windowRule(kind: "max" | "min" | "sum"): Rule<"reduceWindowMax" | "reduceWindowMin" | "reduceWindowSum"> {
  return (g, ins, p, [out], [xAval]) => {
    if (p.baseDilation.some((d) => d !== 1)) return unsupported("reduceWindow with base dilation");
    const n = xAval!.ndim;
    const spatial = range(n).filter((d) => p.windowDimensions[d] !== 1 || p.windowStrides[d] !== 1 || p.padding[d]![0] !== 0 || p.padding[d]![1] !== 0);
    if (kind === "sum" && p.windowDilation.some((d) => d !== 1)) return unsupported("reduceWindowSum with window dilation");
    if (p.padding.some(([lo, hi]) => lo < 0 || hi < 0)) return unsupported("reduceWindow with negative padding");
    const other = range(n).filter((d) => !spatial.includes(d));
    let x = g.name(ins[0]!);
    if (kind === "min") x = g.op("Neg", [x]);
    // Move the other dims first and fold them into N (C = 1): pools work over N, C, spatial...
    const perm = [...other, ...spatial];
    const t = g.op("Transpose", [x], { perm });
    const otherSize = other.reduce((s, d) => s * xAval!.shape[d]!, 1);
    const r = g.op("Reshape", [t, g.i64([otherSize, 1, ...spatial.map((d) => xAval!.shape[d]!)])]);
    const attrs: Record<string, AttrValue> = {
      kernel_shape: spatial.map((d) => p.windowDimensions[d]!),
      strides: spatial.map((d) => p.windowStrides[d]!),
      pads: [...spatial.map((d) => p.padding[d]![0]), ...spatial.map((d) => p.padding[d]![1])],
    };
    let pooled: string;
    if (kind === "sum") {
      const avg = g.op("AveragePool", [r], { ...attrs, count_include_pad: 1 });
      const size = spatial.reduce((s, d) => s * p.windowDimensions[d]!, 1);
      pooled = g.op("Mul", [avg, scalar(g, size, xAval!.dtype)]);
    } else pooled = g.op("MaxPool", [r], { ...attrs, dilations: spatial.map((d) => p.windowDilation[d]!) });
    const outT = g.op("Reshape", [pooled, g.i64(perm.map((d) => out!.shape[d]!))]);
    const back = g.op("Transpose", [outT], { perm: inversePerm(perm) });
    return [kind === "min" ? g.op("Neg", [back]) : back];
  };
}

const inversePerm = (perm: readonly number[]) => {
  const inv = new Array<number>(perm.length);
  perm.forEach((p, i) => (inv[p] = i));
  return inv;
};

const LETTERS = "abcdefghijklmnopqrstuvwxyz";

const dotGeneral: Rule<"dotGeneral"> = (g, ins, { dimensionNumbers }, [out], [l, r]) => {
  const [[lc, rc], [lb, rb]] = dimensionNumbers;
  const outDtype = out!.dtype;
  let [a, b] = ins.map((x) => g.name(x)) as [string, string];
  if (l!.dtype !== outDtype) a = g.cast(a, outDtype);
  if (r!.dtype !== outDtype) b = g.cast(b, outDtype);
  // x[..., k] @ W[k, n]: MatMul.
  if (lb.length === 0 && rb.length === 0 && lc.length === 1 && rc.length === 1 && lc[0] === l!.ndim - 1 && rc[0] === 0 && r!.ndim === 2) return [g.op("MatMul", [a, b])];
  let next = 0;
  const lLetters = range(l!.ndim).map(() => LETTERS[next++]!);
  const rLetters = range(r!.ndim).map(() => "");
  lc.forEach((d, i) => (rLetters[rc[i]!] = lLetters[d]!));
  lb.forEach((d, i) => (rLetters[rb[i]!] = lLetters[d]!));
  for (let d = 0; d < r!.ndim; d++) if (rLetters[d] === "") rLetters[d] = LETTERS[next++]!;
  const lFree = range(l!.ndim).filter((d) => !lc.includes(d) && !lb.includes(d));
  const rFree = range(r!.ndim).filter((d) => !rc.includes(d) && !rb.includes(d));
  const outLetters = [...lb.map((d) => lLetters[d]!), ...lFree.map((d) => lLetters[d]!), ...rFree.map((d) => rLetters[d]!)];
  const equation = `${lLetters.join("")},${rLetters.join("")}->${outLetters.join("")}`;
  return [g.op("Einsum", [a, b], { equation: { string: equation } })];
};

const conv: Rule<"convGeneralDilated"> = (g, ins, p, [out], [l, r]) => {
  if (p.lhsDilation.some((d) => d !== 1)) return unsupported("convGeneralDilated with lhs dilation (a transposed convolution)");
  if (p.batchGroupCount !== 1) return unsupported("convGeneralDilated with batchGroupCount > 1");
  if (p.padding.some(([lo, hi]) => lo < 0 || hi < 0)) return unsupported("convGeneralDilated with negative padding");
  const { lhsSpec, rhsSpec, outSpec } = p.dimensionNumbers;
  // ONNX Conv computes in float: integer operands (int8 weights and activations) go through
  // float32, which is exact while every sum stays below 2^24 in magnitude.
  const computeDtype: DType = isFloat(out!.dtype) ? out!.dtype : "float32";
  let [x, w] = ins.map((a) => g.name(a)) as [string, string];
  if (l!.dtype !== computeDtype) x = g.cast(x, computeDtype);
  if (r!.dtype !== computeDtype) w = g.cast(w, computeDtype);
  const xt = g.op("Transpose", [x], { perm: [...lhsSpec] });
  const wt = g.op("Transpose", [w], { perm: [...rhsSpec] });
  const y = g.op("Conv", [xt, wt], {
    strides: [...p.windowStrides],
    pads: [...p.padding.map(([lo]) => lo), ...p.padding.map(([, hi]) => hi)],
    dilations: [...p.rhsDilation],
    group: p.featureGroupCount,
  });
  const perm = inversePerm(outSpec);
  const back = g.op("Transpose", [y], { perm });
  return [computeDtype === out!.dtype ? back : g.cast(back, out!.dtype)];
};

/** broadcastInDim: reshape to the output rank (1s in the new dims), then Expand. */
const broadcastInDim: Rule<"broadcastInDim"> = (g, ins, { shape, broadcastDimensions }, _o, [x]) => {
  const mid = shape.map(() => 1);
  broadcastDimensions.forEach((d, i) => (mid[d] = x!.shape[i]!));
  const r = g.op("Reshape", [g.name(ins[0]!), g.i64(mid)]);
  return [g.op("Expand", [r, g.i64([...shape])])];
};

/**
 * gather, for the pattern numpy's `take` and integer indexing produce: indices `[..., 1]`
 * into one operand dim `d`, which is collapsed, with full slices of every other dim. ONNX's
 * Gather along `d` gives `operand.shape[:d] + batch + operand.shape[d+1:]`; a Transpose then
 * puts the dims where JAX's offsetDims say. Out-of-range indices clamp ("clip") or give the
 * fill value ("fill"), as in JAX.
 */
const gather: Rule<"gather"> = (g, ins, p, [out], [xAval, iAval]) => {
  const dn = p.dimensionNumbers;
  const x = xAval!;
  const idx = iAval!;
  const simpleTake =
    dn.startIndexMap.length === 1 &&
    dn.collapsedSliceDims.length === 1 &&
    dn.collapsedSliceDims[0] === dn.startIndexMap[0] &&
    dn.operandBatchingDims.length === 0 &&
    idx.shape[idx.ndim - 1] === 1 &&
    p.sliceSizes.every((s, d) => (d === dn.startIndexMap[0] ? s === 1 : s === x.shape[d]));
  if (!simpleTake) return unsupported("gather other than taking along one axis (numpy's take and integer indexing)");
  const axis = dn.startIndexMap[0]!;
  const n = x.shape[axis]!;
  const batchShape = idx.shape.slice(0, -1);
  let i = g.op("Reshape", [g.name(ins[1]!), g.i64(batchShape.length ? batchShape : [])]);
  i = g.cast(i, "int64");
  const clamped = g.op("Max", [g.op("Min", [i, g.constant([n - 1], [], "int64")]), g.constant([0], [], "int64")]);
  let y = g.op("Gather", [g.name(ins[0]!), clamped], { axis });
  // ONNX's layout: x dims before axis, batch dims, x dims after. JAX's: batch dims where
  // offsetDims are not, operand dims (minus axis) in order at offsetDims.
  const b = batchShape.length;
  const onnxPos = { batch: range(b).map((k) => axis + k), operand: [...range(axis), ...range(x.ndim - axis - 1).map((k) => axis + b + k)] };
  const outRank = out!.ndim;
  const perm = new Array<number>(outRank);
  dn.offsetDims.forEach((od, k) => (perm[od] = onnxPos.operand[k]!));
  let bk = 0;
  for (let d = 0; d < outRank; d++) if (!dn.offsetDims.includes(d)) perm[d] = onnxPos.batch[bk++]!;
  if (perm.some((q, d) => q !== d)) y = g.op("Transpose", [y], { perm });
  if (p.mode === "fill") {
    const ok = g.op("And", [g.op("GreaterOrEqual", [i, g.constant([0], [], "int64")]), g.op("Less", [i, g.constant([n], [], "int64")])]);
    // The mask has the batch shape; put it where the batch dims are in the output, 1 elsewhere.
    const maskShape = range(outRank).map((d) => (dn.offsetDims.includes(d) ? 1 : out!.shape[d]!));
    const mask = g.op("Reshape", [ok, g.i64(maskShape)]);
    const fill = p.fillValue ?? (isFloat(out!.dtype) ? NaN : out!.dtype === "bool" ? 1 : out!.dtype === "uint32" ? 0xffffffff : out!.dtype === "int8" ? -128 : out!.dtype === "uint8" ? 255 : -0x80000000);
    y = g.op("Where", [mask, y, scalar(g, fill, out!.dtype)]);
  }
  return [y];
};

const selectN: Rule<"selectN"> = (g, ins, _p, _o, [which]) => {
  const [w, ...cases] = ins.map((a) => g.name(a)) as [string, ...string[]];
  if (cases.length === 1) return [g.op("Identity", [cases[0]!])];
  if (which!.dtype === "bool") return [g.op("Where", [w, cases[1]!, cases[0]!])];
  let acc = cases[cases.length - 1]!;
  for (let k = cases.length - 2; k >= 0; k--) acc = g.op("Where", [g.op("Equal", [w, scalar(g, k, which!.dtype)]), cases[k]!, acc]);
  return [acc];
};

const iota: Rule<"iota"> = (g, _ins, { dtype, shape, dimension }) => {
  const size = shape.reduce((a, b) => a * b, 1);
  const inner = shape.slice(dimension + 1).reduce((a, b) => a * b, 1);
  const values = Array.from({ length: size }, (_, f) => Math.floor(f / inner) % shape[dimension]!);
  return [g.constant(values, shape, dtype)];
};

const pad: Rule<"pad"> = (g, ins, { paddingConfig }) => {
  if (paddingConfig.some(([, , interior]) => interior !== 0)) return unsupported("pad with interior padding");
  const pads = [...paddingConfig.map(([lo]) => lo), ...paddingConfig.map(([, hi]) => hi)];
  return [g.op("Pad", [g.name(ins[0]!), g.i64(pads), g.name(ins[1]!)], { mode: { string: "constant" } })];
};

const slice: Rule<"slice"> = (g, ins, { startIndices, limitIndices, strides }) => {
  const axes = range(startIndices.length);
  return [g.op("Slice", [g.name(ins[0]!), g.i64([...startIndices]), g.i64([...limitIndices]), g.i64(axes), g.i64(strides ? [...strides] : axes.map(() => 1))])];
};

/** Start indices of a dynamic slice as one int64 vector, each clamped as JAX does to [0, dim - size]. */
function clampedStarts(g: GraphBuilder, ins: readonly Atom[], dims: readonly number[], sizes: readonly number[]): string {
  const starts = ins.map((a, d) => {
    const i = g.cast(g.op("Reshape", [g.name(a), g.i64([1])]), "int64");
    return g.op("Max", [g.op("Min", [i, g.constant([dims[d]! - sizes[d]!], [1], "int64")]), g.constant([0], [1], "int64")]);
  });
  return starts.length === 1 ? starts[0]! : g.op("Concat", starts, { axis: 0 });
}

const dynamicSlice: Rule<"dynamicSlice"> = (g, ins, { sliceSizes }, _o, [x]) => {
  if (x!.ndim === 0) return [g.op("Identity", [g.name(ins[0]!)])];
  const starts = clampedStarts(g, ins.slice(1), x!.shape, sliceSizes);
  const ends = g.op("Add", [starts, g.i64([...sliceSizes])]);
  return [g.op("Slice", [g.name(ins[0]!), starts, ends, g.i64(range(x!.ndim))])];
};

/** ScatterND of the update at its clamped start: indices = start + every multi-index of the update. */
const dynamicUpdateSlice: Rule<"dynamicUpdateSlice"> = (g, ins, _p, _o, [x, u]) => {
  const r = x!.ndim;
  if (r === 0) return [g.op("Identity", [g.name(ins[1]!)])];
  if (u!.size === 0) return [g.op("Identity", [g.name(ins[0]!)])];
  const starts = clampedStarts(g, ins.slice(2), x!.shape, u!.shape);
  const grid: number[] = [];
  for (let f = 0; f < u!.size; f++) {
    let rest = f;
    const idx = new Array<number>(r);
    for (let d = r - 1; d >= 0; d--) {
      idx[d] = rest % u!.shape[d]!;
      rest = Math.floor(rest / u!.shape[d]!);
    }
    grid.push(...idx);
  }
  const indices = g.op("Add", [g.constant(grid, [...u!.shape, r], "int64"), g.op("Reshape", [starts, g.i64([...u!.shape.map(() => 1), r])])]);
  return [g.op("ScatterND", [g.name(ins[0]!), indices, g.name(ins[1]!)])];
};

const rev: Rule<"rev"> = (g, ins, { dimensions }) => {
  if (dimensions.length === 0) return [g.op("Identity", [g.name(ins[0]!)])];
  const big = Number.MIN_SAFE_INTEGER;
  return [g.op("Slice", [g.name(ins[0]!), g.i64(dimensions.map(() => -1)), g.i64(dimensions.map(() => big)), g.i64([...dimensions]), g.i64(dimensions.map(() => -1))])];
};

const toShape: Rule<"reshape" | "squeeze"> = (g, ins, _p, [out]) => [g.op("Reshape", [g.name(ins[0]!), g.i64([...out!.shape])])];

/** JAX's round away from zero: sign(x) * floor(|x| + 0.5). */
const roundRule: Rule<"round"> = (g, ins, { roundingMethod }, _o, [x]) => {
  const a = g.name(ins[0]!);
  if (roundingMethod === "toNearestEven") return [g.op("Round", [a])];
  const half = scalar(g, 0.5, x!.dtype);
  return [g.op("Mul", [g.op("Sign", [a]), g.op("Floor", [g.op("Add", [g.op("Abs", [a]), half])])])];
};

/** Inlines a call's sub-jaxpr: its invars are the operands' names. */
const inline: Rule<"jit"> = (g, ins, { jaxpr }) => {
  const names = ins.map((a) => g.name(a));
  // A nested scope that shares this graph's node list: sub-jaxpr vars bind locally.
  jaxpr.invars.forEach((v, i) => g.bind(v, names[i]!));
  g.emitEqns(jaxpr);
  return jaxpr.outs.map((o) => g.name(o));
};

/**
 * cond -> If: branch k runs when index <= k, given that the earlier tests failed (JAX clamps
 * the index into range, so below 0 is branch 0 and past the end is the last branch); more than
 * two branches nest an If in the else graph. Branches read the operands by their outer names.
 */
const cond: Rule<"cond"> = (g, ins, { branches }) => {
  const [index, ...ops] = ins.map((a) => g.name(a)) as [string, ...string[]];
  const chain = (h: GraphBuilder, k: number): string[] => {
    if (k === branches.length - 1) return inlineBranch(h, branches[k]!, ops);
    const test = h.op("LessOrEqual", [index, scalar(h, k, "int32")]);
    const thenGraph = h.subgraph(`branch_${k}`, branches[k]!, ops, []);
    const rest = new GraphBuilder(h.model, h);
    const restOuts = chain(rest, k + 1).map((n, i) => {
      const o = rest.op("Identity", [n]);
      return valueInfo(o, branches[k + 1]!.outs[i]!.aval);
    });
    const elseGraph = rest.graph(`branches_from_${k + 1}`, [], restOuts);
    return h.node("If", [test], { then_branch: { graph: thenGraph }, else_branch: { graph: elseGraph } }, branches[k]!.outs.length);
  };
  return chain(g, 0);
};

function inlineBranch(g: GraphBuilder, jaxpr: Params<"jit">["jaxpr"], names: readonly string[]): string[] {
  jaxpr.invars.forEach((v, i) => g.bind(v, names[i]!));
  g.emitEqns(jaxpr);
  return jaxpr.outs.map((o) => g.name(o));
}

/**
 * while -> Loop without a trip count: the condition is computed before the loop and again at
 * the end of every body. Loop's body takes (iteration, condition, ...carry).
 */
const whileRule: Rule<"while"> = (g, ins, p, outAvals) => {
  const names = ins.map((a) => g.name(a));
  const condConsts = names.slice(0, p.condNconsts);
  const bodyConsts = names.slice(p.condNconsts, p.condNconsts + p.bodyNconsts);
  const carry = names.slice(p.condNconsts + p.bodyNconsts);
  const first = inlineBranch(g, p.condJaxpr, [...condConsts, ...carry])[0]!;
  const iter = g.fresh("iter");
  const condIn = g.fresh("cond_in");
  const carryIn = carry.map(() => g.fresh("carry_in"));
  const formal = [valueInfo(iter, { shape: [], elem: INT64 }), valueInfo(condIn, { shape: [], dtype: "bool" }), ...carryIn.map((n, i) => valueInfo(n, outAvals[i]!))];
  const body = g.subgraph("while_body", p.bodyJaxpr, [...bodyConsts, ...carryIn], formal, (sub) => {
    // The condition on the new carry: bind the body's outputs as the cond jaxpr's carry.
    const newCarry = p.bodyJaxpr.outs.map((o) => sub.name(o));
    const c = inlineBranch(sub, p.condJaxpr, [...condConsts, ...newCarry])[0]!;
    const out = sub.op("Identity", [c]);
    return [{ name: out, info: valueInfo(out, { shape: [], dtype: "bool" }) }];
  });
  return g.node("Loop", ["", first, ...carry], { body: { graph: body } }, outAvals.length);
};

/**
 * scan -> Loop with a trip count: each iteration takes slice i of every xs (from the end when
 * reversed), and the ys come out as Loop's scan outputs, stacked on a new leading axis.
 */
const scanRule: Rule<"scan"> = (g, ins, p, outAvals) => {
  const names = ins.map((a) => g.name(a));
  const consts = names.slice(0, p.numConsts);
  const carry = names.slice(p.numConsts, p.numConsts + p.numCarry);
  const xs = names.slice(p.numConsts + p.numCarry);
  const iter = g.fresh("iter");
  const condIn = g.fresh("cond_in");
  const carryIn = carry.map(() => g.fresh("carry_in"));
  const carryAvals = outAvals.slice(0, p.numCarry);
  const formal = [valueInfo(iter, { shape: [], elem: INT64 }), valueInfo(condIn, { shape: [], dtype: "bool" }), ...carryIn.map((n, i) => valueInfo(n, carryAvals[i]!))];
  const bodyGraph = scanBody(g, p, consts, carryIn, xs, iter, condIn, formal);
  const outs = g.node("Loop", [g.constant([p.length], [], "int64"), g.constant([1], [], "bool"), ...carry], { body: { graph: bodyGraph } }, outAvals.length);
  if (!p.reverse) return outs;
  // Reversed scans produce ys from the last iteration first: flip them back.
  return outs.map((o, i) => (i < p.numCarry ? o : g.op("Slice", [o, g.i64([-1]), g.i64([Number.MIN_SAFE_INTEGER]), g.i64([0]), g.i64([-1])])));
};

function scanBody(g: GraphBuilder, p: Params<"scan">, consts: string[], carryIn: string[], xs: string[], iter: string, condIn: string, formal: ReturnType<typeof valueInfo>[]) {
  const sub = new GraphBuilder(g.model, g);
  const idx = p.reverse ? sub.op("Sub", [sub.constant([p.length - 1], [], "int64"), iter]) : iter;
  const xSlices = xs.map((x) => sub.op("Gather", [x, idx], { axis: 0 }));
  const jaxpr = p.jaxpr;
  const names = [...consts, ...carryIn, ...xSlices];
  jaxpr.invars.forEach((v, i) => sub.bind(v, names[i]!));
  sub.emitEqns(jaxpr);
  const condOut = sub.op("Identity", [condIn]);
  const outs = jaxpr.outs.map((a) => {
    const n = sub.op("Identity", [sub.name(a)]);
    return valueInfo(n, a.aval);
  });
  return sub.graph("scan_body", formal, [valueInfo(condOut, { shape: [], dtype: "bool" }), ...outs]);
}

const no = null;

export const onnxRules: { [P in Primitive]: Rule<P> | null } = {
  // Unary.
  neg: simple("Neg"),
  sign: simple("Sign"),
  abs: simple("Abs"),
  square: on((g, [x]) => g.op("Mul", [x!, x!])),
  floor: simple("Floor"),
  ceil: simple("Ceil"),
  isFinite: on((g, [x]) => g.op("Not", [g.op("Or", [g.op("IsNaN", [x!]), g.op("IsInf", [x!])])])),
  exp: simple("Exp"),
  exp2: on((g, [x], _p, _o, [a]) => g.op("Pow", [scalar(g, 2, a!.dtype), x!])),
  log: simple("Log"),
  expm1: on((g, [x], _p, _o, [a]) => g.op("Sub", [g.op("Exp", [x!]), scalar(g, 1, a!.dtype)])),
  log1p: on((g, [x], _p, _o, [a]) => g.op("Log", [g.op("Add", [x!, scalar(g, 1, a!.dtype)])])),
  tanh: simple("Tanh"),
  logistic: simple("Sigmoid"),
  sin: simple("Sin"),
  cos: simple("Cos"),
  tan: simple("Tan"),
  asin: simple("Asin"),
  acos: simple("Acos"),
  atan: simple("Atan"),
  sinh: simple("Sinh"),
  cosh: simple("Cosh"),
  asinh: simple("Asinh"),
  acosh: simple("Acosh"),
  atanh: simple("Atanh"),
  sqrt: simple("Sqrt"),
  rsqrt: on((g, [x]) => g.op("Reciprocal", [g.op("Sqrt", [x!])])),
  cbrt: no,
  erf: simple("Erf"),
  erfc: on((g, [x], _p, _o, [a]) => g.op("Sub", [scalar(g, 1, a!.dtype), g.op("Erf", [x!])])),
  erfInv: no,
  not: on((g, [x], _p, _o, [a]) => (a!.dtype === "bool" ? g.op("Not", [x!]) : unsupported(`not of ${a!.dtype} (bitwise not needs opset 18's BitwiseNot)`))),
  // Binary.
  add: simple("Add"),
  sub: simple("Sub"),
  mul: simple("Mul"),
  div: simple("Div"),
  rem: simple("Mod", { fmod: 1 }),
  pow: simple("Pow"),
  max: simple("Max"),
  min: simple("Min"),
  atan2: no,
  nextafter: no,
  and: on((g, xs, _p, _o, [a]) => (a!.dtype === "bool" ? g.op("And", xs) : unsupported(`and of ${a!.dtype} (only bool)`))),
  or: on((g, xs, _p, _o, [a]) => (a!.dtype === "bool" ? g.op("Or", xs) : unsupported(`or of ${a!.dtype} (only bool)`))),
  xor: on((g, xs, _p, _o, [a]) => (a!.dtype === "bool" ? g.op("Xor", xs) : unsupported(`xor of ${a!.dtype} (only bool)`))),
  shiftLeft: no,
  shiftRightLogical: no,
  shiftRightArithmetic: no,
  // Comparisons.
  eq: simple("Equal"),
  ne: on((g, xs) => g.op("Not", [g.op("Equal", xs)])),
  lt: simple("Less"),
  le: simple("LessOrEqual"),
  gt: simple("Greater"),
  ge: simple("GreaterOrEqual"),
  // Other elementwise.
  round: roundRule,
  integerPow: on((g, [x], { y }, _o, [a]) => g.op("Pow", [x!, scalar(g, y, a!.dtype)])),
  selectN,
  clamp: on((g, [lo, x, hi]) => g.op("Max", [g.op("Min", [x!, hi!]), lo!])),
  convertElementType: on((g, [x], { newDtype }) => g.cast(x!, newDtype)),
  bitcastConvertType: no,
  stopGradient: simple("Identity"),
  copy: simple("Identity"),
  iota,
  // Reductions.
  reduceSum: on((g, [x], { axes }) => reduce(g, "ReduceSum", x!, axes)),
  reduceProd: on((g, [x], { axes }) => reduce(g, "ReduceProd", x!, axes)),
  reduceMax: on((g, [x], { axes }) => reduce(g, "ReduceMax", x!, axes)),
  reduceMin: on((g, [x], { axes }) => reduce(g, "ReduceMin", x!, axes)),
  reduceAnd: boolReduce("ReduceMin"),
  reduceOr: boolReduce("ReduceMax"),
  argmax: on((g, [x], { axes, indexDtype }) => g.cast(g.op("ArgMax", [x!], { axis: axes[0], keepdims: 0 }), indexDtype)),
  argmin: on((g, [x], { axes, indexDtype }) => g.cast(g.op("ArgMin", [x!], { axis: axes[0], keepdims: 0 }), indexDtype)),
  cumsum: on((g, [x], { axis, reverse }) => g.op("CumSum", [x!, g.constant([axis], [], "int64")], { reverse: reverse ? 1 : 0 })),
  cumprod: no,
  cummax: no,
  cummin: no,
  // Shapes.
  broadcastInDim,
  reshape: toShape,
  transpose: on((g, [x], { permutation }) => g.op("Transpose", [x!], { perm: [...permutation] })),
  squeeze: toShape,
  rev,
  slice,
  pad,
  concatenate: on((g, xs, { dimension }) => g.op("Concat", xs, { axis: dimension })),
  dynamicSlice,
  dynamicUpdateSlice,
  gather,
  scatter: no,
  scatterAdd: no,
  scatterMul: no,
  scatterMin: no,
  scatterMax: no,
  // Contractions and windows.
  dotGeneral,
  convGeneralDilated: conv,
  reduceWindowSum: windowRule("sum"),
  reduceWindowMax: windowRule("max"),
  reduceWindowMin: windowRule("min"),
  selectAndScatterAdd: no,
  selectAndGatherAdd: no,
  sort: no,
  threefry2x32: no,
  // Calls are inlined; control flow becomes If and Loop.
  jit: inline,
  customJvpCall: inline as unknown as Rule<"customJvpCall">,
  customVjpCall: inline as unknown as Rule<"customVjpCall">,
  checkpoint: inline as unknown as Rule<"checkpoint">,
  customLin: no,
  cond,
  while: whileRule,
  scan: scanRule,
  // The factorizations have no ONNX operator (ONNX has no Cholesky/LU/QR/eigh/SVD): exporting them is an error naming the primitive.
  cholesky: no,
  triangularSolve: no,
  lu: no,
  qr: no,
  geqrf: no,
  householderProduct: no,
  eigh: no,
  svd: no,
};
