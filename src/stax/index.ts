/**
 * `stax`: layers as `[initFun, applyFun]` pairs, as in JAX's example_libraries/stax.
 *
 * `initFun(rng, inputShape) -> [outputShape, params]`; `applyFun(params, inputs, {rng, mode})`.
 * Parameterless layers are pairs themselves (`Relu`, `Flatten`, ...); the rest are
 * constructors (`Dense(512)`, `Conv(32, [3, 3])`). Params trees have stax's shapes.
 */
import type { JArray } from "../core/array.js";
import { ValueError } from "../errors.js";
import * as lax from "../lax.js";
import * as nn from "../nn/activations.js";
import * as init from "../nn/initializers.js";
import * as np from "../numpy/index.js";
import * as random from "../random/index.js";

export type Shape = readonly number[];
export interface ApplyOptions {
  rng?: JArray;
  mode?: "train" | "eval";
}
export type InitFun = (rng: JArray, inputShape: any) => [any, any];
export type ApplyFun = (params: any, inputs: any, opts?: ApplyOptions) => any;
export type Layer = [InitFun, ApplyFun];
export type Initializer = (key: JArray, shape: Shape, dtype?: np.DType) => JArray;

// --- elementwise layers ---------------------------------------------------------------------

/** A parameterless layer applying `fn` elementwise. */
export function elementwise(fn: (x: JArray) => JArray): Layer {
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
export function Dense(outDim: number, opts: { WInit?: Initializer; bInit?: Initializer } = {}): Layer {
  const WInit = opts.WInit ?? init.glorotNormal();
  const bInit = opts.bInit ?? init.normal(1e-2);
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

/** A convolution with explicit dimension numbers, as stax.GeneralConv. */
export function GeneralConv(
  dimensionNumbers: readonly [string, string, string],
  outChan: number,
  filterShape: readonly number[],
  opts: { strides?: readonly number[]; padding?: Padding; WInit?: Initializer; bInit?: Initializer } = {},
): Layer {
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

/** `Conv(outChan, filterShape, {strides, padding})`: NHWC inputs, HWIO kernels, as stax.Conv. */
export function Conv(outChan: number, filterShape: readonly number[], opts: { strides?: readonly number[]; padding?: Padding; WInit?: Initializer; bInit?: Initializer } = {}): Layer {
  return GeneralConv(["NHWC", "HWIO", "NHWC"], outChan, filterShape, opts);
}

/** A transposed convolution (NHWC/HWIO), as stax.ConvTranspose. */
export function ConvTranspose(outChan: number, filterShape: readonly number[], opts: { strides?: readonly number[]; padding?: Padding; WInit?: Initializer; bInit?: Initializer } = {}): Layer {
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
  return filterShape.map((k, i) => {
    const s = strides[i]!;
    const padLen = padding === "SAME" ? k + s - 2 : k + s - 2 + Math.max(k - s, 0);
    const lo = padding === "SAME" ? (s > k - 1 ? k - 1 : Math.ceil(padLen / 2)) : k - 1;
    return [lo, padLen - lo] as const;
  });
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

/** Batch normalization over `axis` with learned scale and offset (batch statistics, as stax). */
export function BatchNorm(
  opts: { axis?: readonly number[]; epsilon?: number; center?: boolean; scale?: boolean; betaInit?: Initializer; gammaInit?: Initializer } = {},
): Layer {
  const axis = opts.axis ?? [0, 1, 2];
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
export function Dropout(rate: number, mode: "train" | "eval" = "train"): Layer {
  if (!(rate >= 0 && rate < 1)) throw new ValueError(`stax.Dropout: rate must be in [0, 1), got ${rate}`);
  const applyFun: ApplyFun = (_params, inputs: JArray, opts = {}) => {
    if ((opts.mode ?? mode) !== "train" || rate === 0) return inputs;
    if (opts.rng === undefined)
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
  return (windowShape: readonly number[], opts: { strides?: readonly number[]; padding?: Padding } = {}): Layer => {
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
  };
}

export const MaxPool = pooling("max");
export const SumPool = pooling("sum");
export const AvgPool = pooling("avg");

// --- combinators ------------------------------------------------------------------------------

/** Layers applied in sequence. */
export function serial(...layers: Layer[]): Layer {
  const initFun: InitFun = (rng, inputShape) => {
    const params: unknown[] = [];
    let shape = inputShape;
    const keys = splitKeys(rng, layers.length);
    layers.forEach(([init], i) => {
      const [s, p] = init(keys[i]!, shape);
      shape = s;
      params.push(p);
    });
    return [shape, params];
  };
  const applyFun: ApplyFun = (params: unknown[], inputs, opts = {}) => {
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
  const initFun: InitFun = (rng, inputShapes: unknown[]) => {
    const keys = splitKeys(rng, layers.length);
    const results = layers.map(([init], i) => init(keys[i]!, inputShapes[i]));
    return [results.map(([s]) => s), results.map(([, p]) => p)];
  };
  const applyFun: ApplyFun = (params: unknown[], inputs: unknown[], opts = {}) => {
    const keys = opts.rng ? splitKeys(opts.rng, layers.length) : undefined;
    return layers.map(([, apply], i) => apply(params[i], inputs[i], { ...opts, rng: keys?.[i] }));
  };
  return [initFun, applyFun];
}

/** `num` copies of the input. */
export function FanOut(num: number): Layer {
  return [(_rng, inputShape) => [Array.from({ length: num }, () => inputShape), []], (_p, inputs) => Array.from({ length: num }, () => inputs)];
}

/** The sum of a list of inputs. */
export const FanInSum: Layer = [
  (_rng, inputShapes: Shape[]) => [inputShapes[0], []],
  (_p, inputs: JArray[]) => inputs.reduce((a, b) => np.add(a, b)),
];

/** The concatenation of a list of inputs along `axis`. */
export function FanInConcat(axis = -1): Layer {
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

function splitKeys(rng: JArray, n: number): JArray[] {
  const keys = random.split(rng, n);
  return Array.from({ length: n }, (_, i) => keys.slice(i));
}
