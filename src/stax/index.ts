/**
 * `stax`: layers as `[initFun, applyFun]` pairs, as in JAX's example_libraries/stax.
 *
 * `initFun(rng, inputShape) -> [outputShape, params]`; `applyFun(params, inputs, {rng, mode})`.
 * Parameterless layers are pairs themselves (`Relu`, `Flatten`, ...); the rest are
 * constructors (`Dense(512)`, `Conv(32, [3, 3])`). Params trees have stax's shapes.
 */
import { convTransposePadding } from "../laxExtra/convTranspose.js";
import type { JArray } from "../core/array.js";
import { ValueError } from "../errors.js";
import * as lax from "../lax.js";
import * as nn from "../nn/activations.js";
import * as init from "../nn/initializers.js";
import * as np from "../numpy/index.js";
import * as random from "../random/index.js";
import { type Kind, array, arrayOf, bindArgs, bool, checkOptions, fn as fnKind, int, intOrInts, kind, nonNegInt, num, oneOf, orNull, refine, required, str } from "../core/options.js";

// Argument kinds of stax's constructors (see core/options.ts): each constructor takes stax's
// positional order or a trailing options object.
const dim = refine(int, "a positive integer", (n) => n > 0);
const dims = arrayOf(dim, "an array of positive integers");
const initializer: Kind<Initializer> = fnKind;
const paddingKind: Kind<Padding> = kind(
  `"SAME", "VALID" or an array of [lo, hi] pairs`,
  (v) => v === "SAME" || v === "VALID" || (Array.isArray(v) && v.every((p) => Array.isArray(p) && p.length === 2 && p.every((x) => Number.isInteger(x)))),
);
const layer: Kind<Layer> = kind("a layer (an [initFun, applyFun] pair)", (v) => Array.isArray(v) && v.length === 2 && v.every((f) => typeof f === "function"));
/** stax's apply functions take an rng and a mode by keyword; layers pass them down. */
const APPLY = { rng: orNull(array), mode: oneOf("train", "eval", "test") };

export type Shape = readonly number[];
export interface ApplyOptions {
  rng?: JArray | null;
  /** "test" is stax's spelling of "eval". */
  mode?: "train" | "eval" | "test";
}
export type InitFun = (rng: JArray, inputShape: any) => [any, any];
export type ApplyFun = (params: any, inputs: any, opts?: ApplyOptions) => any;
export type Layer = [InitFun, ApplyFun];
/** nn.initializers' type, so `stax.Dense(5, nn.initializers.normal(0.1))` type-checks. */
export type Initializer = init.Initializer;

// --- elementwise layers ---------------------------------------------------------------------

/** A parameterless layer applying `fn` elementwise. */
export function elementwise(fn: (x: JArray) => JArray): Layer {
  bindArgs("stax.elementwise", [...arguments], { fn: required(fnKind) });
  return [(_rng, inputShape) => [inputShape, []], (_params, inputs) => fn(inputs)];
}

export const Tanh: Layer = elementwise(np.tanh);
export const Relu: Layer = elementwise(nn.relu);
export const Exp: Layer = elementwise(np.exp);
export const LogSoftmax: Layer = elementwise((x) => nn.logSoftmax(x, -1));
export const Softmax: Layer = elementwise((x) => nn.softmax(x, -1));
export const Softplus: Layer = elementwise(nn.softplus);
export const Sigmoid: Layer = elementwise(nn.sigmoid);
export const Elu: Layer = elementwise((x) => nn.elu(x));
export const LeakyRelu: Layer = elementwise((x) => nn.leakyRelu(x));
export const Gelu: Layer = elementwise((x) => nn.gelu(x));
export const Identity: Layer = elementwise((x) => x);

// --- layers with parameters -------------------------------------------------------------------

/** A fully connected layer: `inputs @ W + b`, W of shape [in, out] and b of shape [out]. */
export function Dense(outDim: number, opts?: { WInit?: Initializer; bInit?: Initializer }): Layer;
export function Dense(outDim: number, WInit?: Initializer, bInit?: Initializer): Layer;
export function Dense(...args: unknown[]): Layer {
  const o = bindArgs("stax.Dense", args, { outDim: required(dim), WInit: initializer, bInit: initializer });
  const outDim = o.outDim;
  const WInit = o.WInit ?? init.glorotNormal();
  const bInit = o.bInit ?? init.normal(1e-2);
  const initFun: InitFun = (rng, inputShape: Shape) => {
    const [k1, k2] = splitKeys(rng, 2);
    const W = WInit(k1!, [inputShape[inputShape.length - 1]!, outDim]);
    const b = bInit(k2!, [outDim]);
    return [[...inputShape.slice(0, -1), outDim], [W, b]];
  };
  const applyFun: ApplyFun = ([W, b], inputs) => np.add(np.dot(inputs, W), b);
  return [initFun, applyFun];
}

export type Padding = "SAME" | "VALID" | readonly (readonly [number, number])[];

export interface ConvOptions {
  strides?: readonly number[] | null;
  padding?: Padding;
  WInit?: Initializer | null;
  bInit?: Initializer;
}

/** stax's order after the filter shape: strides, padding, W_init, b_init. */
const CONV_ARGS = { outChan: required(dim), filterShape: required(dims), strides: orNull(dims), padding: paddingKind, WInit: orNull(initializer), bInit: initializer };
const dimensionNumbersKind = kind<readonly [string, string, string]>(
  `three layout strings such as ["NHWC", "HWIO", "NHWC"]`,
  (v) => Array.isArray(v) && v.length === 3 && v.every((x) => typeof x === "string"),
);

/**
 * A convolution with explicit dimension numbers, as stax.GeneralConv:
 * `GeneralConv(dimensionNumbers, outChan, filterShape, strides?, padding?, WInit?, bInit?)` or
 * with the optional ones in `{strides, padding, WInit, bInit}`.
 */
export function GeneralConv(dimensionNumbers: readonly [string, string, string], outChan: number, filterShape: readonly number[], opts?: ConvOptions): Layer;
export function GeneralConv(
  dimensionNumbers: readonly [string, string, string],
  outChan: number,
  filterShape: readonly number[],
  strides?: readonly number[] | null,
  padding?: Padding,
  WInit?: Initializer | null,
  bInit?: Initializer,
): Layer;
export function GeneralConv(...args: unknown[]): Layer {
  const o = bindArgs("stax.GeneralConv", args, { dimensionNumbers: required(dimensionNumbersKind), ...CONV_ARGS });
  return generalConv(o.dimensionNumbers, o.outChan, o.filterShape, o);
}

function generalConv(dimensionNumbers: readonly [string, string, string], outChan: number, filterShape: readonly number[], opts: ConvOptions): Layer {
  const [lhsSpec, rhsSpec, outSpec] = dimensionNumbers;
  const one = filterShape.map(() => 1);
  const strides = opts.strides ?? one;
  const padding = opts.padding ?? "VALID";
  const WInit = opts.WInit ?? init.glorotNormal({ inAxis: rhsSpec.indexOf("I"), outAxis: rhsSpec.indexOf("O") });
  const bInit = opts.bInit ?? init.normal(1e-6);
  const initFun: InitFun = (rng, inputShape: Shape) => {
    let f = 0;
    const kernelShape = [...rhsSpec].map((c) => (c === "O" ? outChan : c === "I" ? inputShape[lhsSpec.indexOf("C")]! : filterShape[f++]!));
    const outputShape = convOutputShape(inputShape, kernelShape, strides, padding, dimensionNumbers);
    const biasShape = [...outSpec].map((c) => (c === "C" ? outChan : 1));
    const [k1, k2] = splitKeys(rng, 2);
    return [outputShape, [WInit(k1!, kernelShape), bInit(k2!, biasShape)]];
  };
  const applyFun: ApplyFun = ([W, b], inputs) =>
    np.add(lax.convGeneralDilated(inputs, W, strides, padding, { lhsDilation: one, rhsDilation: one, dimensionNumbers }), b);
  return [initFun, applyFun];
}

/**
 * `Conv(outChan, filterShape, strides?, padding?, WInit?, bInit?)`, or the optional ones as
 * `{strides, padding, WInit, bInit}`: NHWC inputs, HWIO kernels, as stax.Conv.
 */
export function Conv(outChan: number, filterShape: readonly number[], opts?: ConvOptions): Layer;
export function Conv(outChan: number, filterShape: readonly number[], strides?: readonly number[] | null, padding?: Padding, WInit?: Initializer | null, bInit?: Initializer): Layer;
export function Conv(...args: unknown[]): Layer {
  const o = bindArgs("stax.Conv", args, CONV_ARGS);
  return generalConv(["NHWC", "HWIO", "NHWC"], o.outChan, o.filterShape, o);
}

/** A transposed convolution (NHWC/HWIO), as stax.ConvTranspose; arguments as Conv's. */
export function ConvTranspose(outChan: number, filterShape: readonly number[], opts?: ConvOptions): Layer;
export function ConvTranspose(
  outChan: number,
  filterShape: readonly number[],
  strides?: readonly number[] | null,
  padding?: Padding,
  WInit?: Initializer | null,
  bInit?: Initializer,
): Layer;
export function ConvTranspose(...args: unknown[]): Layer {
  const opts = bindArgs("stax.ConvTranspose", args, CONV_ARGS);
  const { outChan, filterShape } = opts;
  const dimensionNumbers = ["NHWC", "HWIO", "NHWC"] as const;
  const one = filterShape.map(() => 1);
  const strides = opts.strides ?? one;
  const padding = opts.padding ?? "VALID";
  const WInit = opts.WInit ?? init.glorotNormal({ inAxis: 2, outAxis: 3 });
  const bInit = opts.bInit ?? init.normal(1e-6);
  const initFun: InitFun = (rng, inputShape: Shape) => {
    const kernelShape = [...filterShape, inputShape[3]!, outChan];
    const pads = convTransposePads(filterShape, strides, padding);
    const spatial = inputShape.slice(1, 3).map((d, i) => (d - 1) * strides[i]! + 1 + pads[i]![0] + pads[i]![1] - filterShape[i]! + 1);
    const [k1, k2] = splitKeys(rng, 2);
    return [[inputShape[0]!, ...spatial, outChan], [WInit(k1!, kernelShape), bInit(k2!, [1, 1, 1, outChan])]];
  };
  const applyFun: ApplyFun = ([W, b], inputs: JArray) => np.add(convTranspose(inputs, W, strides, padding, filterShape), b);
  return [initFun, applyFun];
}

/** The padding `lax.conv_transpose` uses for each spatial dim (JAX's _conv_transpose_padding). */
function convTransposePads(filterShape: readonly number[], strides: readonly number[], padding: Padding): (readonly [number, number])[] {
  if (typeof padding !== "string") return padding.map(([lo, hi]) => [lo, hi] as const);
  return filterShape.map((k, i) => convTransposePadding(k, strides[i]!, padding));
}

/** `lax.conv_transpose` for NHWC/HWIO: the input dilated by the strides, then convolved. */
function convTranspose(x: JArray, W: JArray, strides: readonly number[], padding: Padding, filterShape: readonly number[]): JArray {
  return lax.convGeneralDilated(x, W, filterShape.map(() => 1), convTransposePads(filterShape, strides, padding), {
    lhsDilation: strides,
    dimensionNumbers: ["NHWC", "HWIO", "NHWC"],
  });
}

/** Output shape of a convolution given the layout strings (lax.conv_general_shape_tuple). */
function convOutputShape(inputShape: Shape, kernelShape: Shape, strides: readonly number[], padding: Padding, dn: readonly [string, string, string]): number[] {
  const [lhsSpec, rhsSpec, outSpec] = dn;
  const spatialChars = [...rhsSpec].filter((c) => c !== "O" && c !== "I");
  const inSpatial = spatialChars.map((c) => inputShape[lhsSpec.indexOf(c)]!);
  const kSpatial = spatialChars.map((c) => kernelShape[rhsSpec.indexOf(c)]!);
  const pads = lax.padtypeToPads(inSpatial, kSpatial, strides, padding);
  const outSpatial = inSpatial.map((d, i) => Math.floor((d + pads[i]![0] + pads[i]![1] - kSpatial[i]!) / strides[i]!) + 1);
  return [...outSpec].map((c) =>
    c === "N" ? inputShape[lhsSpec.indexOf("N")]! : c === "C" ? kernelShape[rhsSpec.indexOf("O")]! : outSpatial[spatialChars.indexOf(c)]!,
  );
}

export interface BatchNormOptions {
  axis?: number | readonly number[];
  epsilon?: number;
  center?: boolean;
  scale?: boolean;
  betaInit?: Initializer;
  gammaInit?: Initializer;
}

/**
 * Batch normalization over `axis` with learned scale and offset (batch statistics, as stax):
 * `BatchNorm(axis?, epsilon?, center?, scale?, betaInit?, gammaInit?)` (stax's order) or `BatchNorm({...})`.
 */
export function BatchNorm(opts?: BatchNormOptions): Layer;
export function BatchNorm(
  axis?: number | readonly number[],
  epsilon?: number,
  center?: boolean,
  scale?: boolean,
  betaInit?: Initializer,
  gammaInit?: Initializer,
): Layer;
export function BatchNorm(...args: unknown[]): Layer {
  const opts = bindArgs("stax.BatchNorm", args, { axis: intOrInts, epsilon: num, center: bool, scale: bool, betaInit: initializer, gammaInit: initializer });
  // stax: `axis = (axis,) if jnp.isscalar(axis) else axis`.
  const axis = typeof opts.axis === "number" ? [opts.axis] : (opts.axis ?? [0, 1, 2]);
  const epsilon = opts.epsilon ?? 1e-5;
  const center = opts.center ?? true;
  const scale = opts.scale ?? true;
  const betaInit = opts.betaInit ?? init.zeros;
  const gammaInit = opts.gammaInit ?? init.ones;
  const initFun: InitFun = (rng, inputShape: Shape) => {
    const norm = axis.map((a) => (a < 0 ? a + inputShape.length : a));
    const shape = inputShape.filter((_, i) => !norm.includes(i));
    const [k1, k2] = splitKeys(rng, 2);
    const beta = center ? betaInit(k1!, shape) : [];
    const gamma = scale ? gammaInit(k2!, shape) : [];
    return [inputShape, [beta, gamma]];
  };
  const applyFun: ApplyFun = ([beta, gamma], x: JArray) => {
    const norm = axis.map((a) => (a < 0 ? a + x.ndim : a));
    const mean = np.mean(x, norm, { keepdims: true });
    const variance = np.var(x, norm, { keepdims: true });
    let z = np.multiply(np.subtract(x, mean), lax.rsqrt(np.add(variance, epsilon)));
    const expand = (p: JArray) => np.reshape(p, x.shape.map((d, i) => (norm.includes(i) ? 1 : d)));
    if (scale) z = np.multiply(z, expand(gamma));
    if (center) z = np.add(z, expand(beta));
    return z;
  };
  return [initFun, applyFun];
}

/**
 * Dropout with drop probability `rate` (unlike stax, whose argument is the keep rate): in
 * "train" mode (the default) each input is zeroed with probability `rate` and the rest scaled
 * by 1 / (1 - rate); in "eval" mode it is the identity. Training needs `{rng}`.
 */
export function Dropout(rate: number, mode?: "train" | "eval" | "test"): Layer;
export function Dropout(rate: number, opts?: { mode?: "train" | "eval" | "test" }): Layer;
export function Dropout(opts: { rate: number; mode?: "train" | "eval" | "test" }): Layer;
export function Dropout(...args: unknown[]): Layer {
  const { rate, mode = "train" } = bindArgs("stax.Dropout", args, { rate: required(num, { keyword: true }), mode: APPLY.mode });
  if (!(rate >= 0 && rate < 1)) throw new ValueError(`stax.Dropout: rate must be in [0, 1) (the drop probability; stax's argument is the keep rate), got ${rate}`);
  const applyFun: ApplyFun = (_params, inputs: JArray, applyOpts) => {
    const opts = checkOptions("stax.Dropout apply", applyOpts, APPLY, ["params", "inputs"]);
    if ((opts.mode ?? mode) !== "train" || rate === 0) return inputs;
    if (opts.rng === undefined || opts.rng === null)
      throw new ValueError("stax.Dropout: apply needs a PRNG key as {rng} in train mode (pass {mode: 'eval'} for inference)");
    const keep = random.bernoulli(opts.rng, 1 - rate, inputs.shape);
    return np.where(keep, np.divide(inputs, 1 - rate), 0);
  };
  return [(_rng, inputShape) => [inputShape, []], applyFun];
}

export const Flatten: Layer = [
  (_rng, inputShape: Shape) => [[inputShape[0]!, inputShape.slice(1).reduce((a, b) => a * b, 1)], []],
  (_params, inputs: JArray) => np.reshape(inputs, [inputs.shape[0]!, -1]),
];

// --- pooling ------------------------------------------------------------------------------------

type PoolKind = "max" | "sum" | "avg";

function pooling(kind: PoolKind) {
  const name = `stax.${kind === "max" ? "Max" : kind === "sum" ? "Sum" : "Avg"}Pool`;
  function pool(windowShape: readonly number[], opts?: PoolOptions): Layer;
  function pool(windowShape: readonly number[], strides?: readonly number[] | null, padding?: Padding, spec?: string | null): Layer;
  function pool(...args: unknown[]): Layer {
    // stax's order: window_shape, strides, padding, spec.
    const opts = bindArgs(name, args, { windowShape: required(dims), strides: orNull(dims), padding: paddingKind, spec: orNull(nhwcLike) });
    const windowShape = opts.windowShape;
    // NHWC: window and strides of 1 over the batch and channel dims.
    const strides0 = opts.strides ?? windowShape.map(() => 1);
    const window = [1, ...windowShape, 1];
    const strides = [1, ...strides0, 1];
    const padding = opts.padding ?? "VALID";
    const initFun: InitFun = (_rng, inputShape: Shape) => {
      const pads = lax.padtypeToPads(inputShape, window, strides, padding);
      const out = inputShape.map((d, i) => Math.floor((d + pads[i]![0] + pads[i]![1] - window[i]!) / strides[i]!) + 1);
      return [out, []];
    };
    const applyFun: ApplyFun = (_params, inputs: JArray) => {
      const pads = lax.padtypeToPads(inputs.shape, window, strides, padding);
      if (kind === "max") return lax.reduceWindow(inputs, -Infinity, lax.max, window, strides, pads);
      const summed = lax.reduceWindow(inputs, 0, lax.add, window, strides, pads);
      if (kind === "sum") return summed;
      // Average over the window's elements that are inside the input (padding excluded), as stax.
      const ones = np.ones(inputs.shape.slice(1, -1), { dtype: inputs.dtype });
      const sizes = lax.reduceWindow(ones, 0, lax.add, windowShape, strides0, pads.slice(1, -1));
      return np.divide(summed, np.expandDims(np.expandDims(sizes, 0), -1));
    };
    return [initFun, applyFun];
  }
  return pool;
}

export interface PoolOptions {
  strides?: readonly number[] | null;
  padding?: Padding;
  /** The layout; only layouts with the batch first and channels last (like "NHWC") are supported. */
  spec?: string | null;
}

const nhwcLike = refine(str, `a layout with N first and C last such as "NHWC" (other layouts are not supported)`, (s) => s.startsWith("N") && s.endsWith("C"));

export const MaxPool = pooling("max");
export const SumPool = pooling("sum");
export const AvgPool = pooling("avg");

// --- combinators ------------------------------------------------------------------------------

/** Layers applied in sequence. */
export function serial(...layers: Layer[]): Layer {
  layers.forEach((l, i) => checkLayer("stax.serial", l, i));
  const initFun: InitFun = (rng, inputShape) => {
    const params: unknown[] = [];
    let shape = inputShape;
    // As stax: `rng, layer_rng = random.split(rng)` for each layer in turn, so the same key
    // gives the same parameters as JAX's stax (splitting once into n keys would not).
    let key = rng;
    layers.forEach(([init]) => {
      const [next, layerRng] = splitKeys(key, 2);
      key = next!;
      const [s, p] = init(layerRng!, shape);
      shape = s;
      params.push(p);
    });
    return [shape, params];
  };
  const applyFun: ApplyFun = (params: unknown[], inputs, applyOpts) => {
    const opts = checkOptions("stax.serial apply", applyOpts, APPLY, ["params", "inputs"]);
    // Apply-time keys are split n ways at once, as stax's apply_fun does.
    const keys = opts.rng ? splitKeys(opts.rng, layers.length) : undefined;
    let x = inputs;
    layers.forEach(([, apply], i) => {
      x = apply(params[i], x, { ...opts, rng: keys?.[i] });
    });
    return x;
  };
  return [initFun, applyFun];
}

/** Layers applied side by side to a list of inputs. */
export function parallel(...layers: Layer[]): Layer {
  layers.forEach((l, i) => checkLayer("stax.parallel", l, i));
  const initFun: InitFun = (rng, inputShapes: unknown[]) => {
    const keys = splitKeys(rng, layers.length);
    const results = layers.map(([init], i) => init(keys[i]!, inputShapes[i]));
    return [results.map(([s]) => s), results.map(([, p]) => p)];
  };
  const applyFun: ApplyFun = (params: unknown[], inputs: unknown[], applyOpts) => {
    const opts = checkOptions("stax.parallel apply", applyOpts, APPLY, ["params", "inputs"]);
    const keys = opts.rng ? splitKeys(opts.rng, layers.length) : undefined;
    return layers.map(([, apply], i) => apply(params[i], inputs[i], { ...opts, rng: keys?.[i] }));
  };
  return [initFun, applyFun];
}

/** `num` copies of the input. */
export function FanOut(num: number): Layer {
  bindArgs("stax.FanOut", [...arguments], { num: required(nonNegInt, { keyword: true }) });
  return [(_rng, inputShape) => [Array.from({ length: num }, () => inputShape), []], (_p, inputs) => Array.from({ length: num }, () => inputs)];
}

/** The sum of a list of inputs. */
export const FanInSum: Layer = [
  (_rng, inputShapes: Shape[]) => [inputShapes[0], []],
  (_p, inputs: JArray[]) => inputs.reduce((a, b) => np.add(a, b)),
];

/** The concatenation of a list of inputs along `axis`. */
export function FanInConcat(axis = -1): Layer {
  bindArgs("stax.FanInConcat", [...arguments], { axis: int });
  return [
    (_rng, inputShapes: Shape[]) => {
      const first = inputShapes[0]!;
      const ax = axis < 0 ? axis + first.length : axis;
      const total = inputShapes.reduce((s, sh) => s + sh[ax]!, 0);
      return [first.map((d, i) => (i === ax ? total : d)), []];
    },
    (_p, inputs: JArray[]) => np.concatenate(inputs, axis),
  ];
}

/** A layer built from the input shape at init and apply time (stax.shape_dependent). */
export function shapeDependent(makeLayer: (inputShape: any) => Layer): Layer {
  bindArgs("stax.shapeDependent", [...arguments], { makeLayer: required(fnKind) });
  return [
    (rng, inputShape) => makeLayer(inputShape)[0](rng, inputShape),
    (params, inputs, opts) => makeLayer(tree_shape(inputs))[1](params, inputs, opts),
  ];
}

const tree_shape = (x: unknown): unknown => (Array.isArray(x) ? x.map(tree_shape) : (x as JArray).shape);

// --- recurrent layers (over a time axis: inputs [batch, time, features]) -------------------------

type Cell = {
  init: (rng: JArray, inDim: number) => unknown;
  step: (params: any, h: unknown, x: JArray) => [unknown, JArray];
  initialState: (batch: number, dtype: np.DType) => unknown;
};

/**
 * A layer running `cell` over the time axis with `lax.scan`: the cell is traced once, whatever
 * the sequence length, so a jitted training step is one compiled loop rather than one copy of
 * the cell per time step.
 */
function recurrent(name: string, hidden: number, cell: Cell): Layer {
  const initFun: InitFun = (rng, inputShape: Shape) => {
    if (inputShape.length !== 3) throw new ValueError(`stax.${name}: expected an input shape [batch, time, features], got [${inputShape}]`);
    return [[inputShape[0]!, inputShape[1]!, hidden], cell.init(rng, inputShape[2]!)];
  };
  const applyFun: ApplyFun = (params, inputs: JArray) => {
    if (inputs.ndim !== 3) throw new ValueError(`stax.${name}: expected inputs of shape [batch, time, features], got [${inputs.shape}]`);
    const h0 = cell.initialState(inputs.shape[0]!, inputs.dtype);
    // scan runs over the leading axis: time first in, batch first out.
    const [, ys] = lax.scan((h: unknown, x: JArray) => cell.step(params, h, x), h0, np.swapaxes(inputs, 0, 1));
    return np.swapaxes(ys, 0, 1);
  };
  return [initFun, applyFun];
}

const denseParams = (rng: JArray, inDim: number, outDim: number) => {
  const [k1, k2, k3] = splitKeys(rng, 3);
  return {
    Wx: init.glorotNormal()(k1!, [inDim, outDim]),
    Wh: init.orthogonal()(k2!, [outDim, outDim]),
    b: init.zeros(k3!, [outDim]),
  };
};
const affine = (p: { Wx: JArray; Wh: JArray; b: JArray }, x: JArray, h: JArray) => np.add(np.add(np.dot(x, p.Wx), np.dot(h, p.Wh)), p.b);

/** An Elman RNN: `h = tanh(x Wx + h Wh + b)`; outputs the hidden state at every step. */
export function RNN(hidden: number): Layer {
  bindArgs("stax.RNN", [...arguments], { hidden: required(dim) });
  return recurrent("RNN", hidden, {
    init: (rng, inDim) => denseParams(rng, inDim, hidden),
    initialState: (batch, dtype) => np.zeros([batch, hidden], { dtype }),
    step: (p, h, x) => {
      const h2 = np.tanh(affine(p, x, h as JArray));
      return [h2, h2];
    },
  });
}

/** An LSTM (input, forget, cell and output gates; forget bias 1); outputs the hidden state. */
export function LSTM(hidden: number): Layer {
  bindArgs("stax.LSTM", [...arguments], { hidden: required(dim) });
  const gates = ["i", "f", "g", "o"] as const;
  return recurrent("LSTM", hidden, {
    init: (rng, inDim) => {
      const keys = splitKeys(rng, 4);
      return Object.fromEntries(gates.map((g, k) => {
        const p = denseParams(keys[k]!, inDim, hidden);
        return [g, g === "f" ? { ...p, b: np.onesLike(p.b) } : p];
      }));
    },
    initialState: (batch, dtype) => [np.zeros([batch, hidden], { dtype }), np.zeros([batch, hidden], { dtype })],
    step: (p, state, x) => {
      const [h, c] = state as [JArray, JArray];
      const i = nn.sigmoid(affine(p.i, x, h));
      const f = nn.sigmoid(affine(p.f, x, h));
      const g = np.tanh(affine(p.g, x, h));
      const o = nn.sigmoid(affine(p.o, x, h));
      const c2 = np.add(np.multiply(f, c), np.multiply(i, g));
      const h2 = np.multiply(o, np.tanh(c2));
      return [[h2, c2], h2];
    },
  });
}

/** A GRU (update and reset gates); outputs the hidden state. */
export function GRU(hidden: number): Layer {
  bindArgs("stax.GRU", [...arguments], { hidden: required(dim) });
  return recurrent("GRU", hidden, {
    init: (rng, inDim) => {
      const [k1, k2, k3] = splitKeys(rng, 3);
      return { z: denseParams(k1!, inDim, hidden), r: denseParams(k2!, inDim, hidden), n: denseParams(k3!, inDim, hidden) };
    },
    initialState: (batch, dtype) => np.zeros([batch, hidden], { dtype }),
    step: (p, state, x) => {
      const h = state as JArray;
      const z = nn.sigmoid(affine(p.z, x, h));
      const r = nn.sigmoid(affine(p.r, x, h));
      const n = np.tanh(np.add(np.add(np.dot(x, p.n.Wx), np.multiply(r, np.dot(h, p.n.Wh))), p.n.b));
      const h2 = np.add(np.multiply(np.subtract(1, z), n), np.multiply(z, h));
      return [h2, h2];
    },
  });
}

/** A combinator's argument must be a layer; a constructor passed uncalled (`Dense`) is the usual slip. */
function checkLayer(fname: string, l: unknown, i: number): void {
  if (layer.test(l)) return;
  const hint = typeof l === "function" ? ` (a layer constructor such as ${l.name || "Dense"} must be called: ${l.name || "Dense"}(...))` : "";
  throw new TypeError(`${fname}: argument ${i} must be ${layer.what}, got ${typeof l === "function" ? "a function" : JSON.stringify(l)}${hint}`);
}

function splitKeys(rng: JArray, n: number): JArray[] {
  const keys = random.split(rng, n);
  return Array.from({ length: n }, (_, i) => keys.slice(i));
}
