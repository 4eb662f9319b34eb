// Shared by the orchestrator (bench.mjs) and the workers (worker.mjs): the benchmark cells
// and deterministic input data, so every system computes on exactly the same numbers.

/** mulberry32: a small seeded PRNG; returns floats in [0, 1). */
export function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `n` floats uniform in [lo, hi). */
export function uniform(seed, n, lo = -1, hi = 1) {
  const r = rng(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = lo + (hi - lo) * r();
  return out;
}

/** `n` standard normal floats times `scale` (Box-Muller). */
export function normal(seed, n, scale = 1) {
  const r = rng(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i += 2) {
    const u = 1 - r();
    const v = r();
    const m = Math.sqrt(-2 * Math.log(u)) * scale;
    out[i] = m * Math.cos(2 * Math.PI * v);
    if (i + 1 < n) out[i + 1] = m * Math.sin(2 * Math.PI * v);
  }
  return out;
}

export const MLP = { sizes: [784, 512, 512, 10], batch: 128, lr: 0.01 };

/**
 * The MLP's parameters (He-normal weights, zero biases), a random batch, and one-hot labels.
 * Weights are `[in, out]`, applied as `x @ w + b`.
 */
export function mlpData() {
  const [d0, d1, d2, d3] = MLP.sizes;
  const B = MLP.batch;
  const params = {
    w1: { shape: [d0, d1], data: normal(11, d0 * d1, Math.sqrt(2 / d0)) },
    b1: { shape: [d1], data: new Float32Array(d1) },
    w2: { shape: [d1, d2], data: normal(12, d1 * d2, Math.sqrt(2 / d1)) },
    b2: { shape: [d2], data: new Float32Array(d2) },
    w3: { shape: [d2, d3], data: normal(13, d2 * d3, Math.sqrt(2 / d2)) },
    b3: { shape: [d3], data: new Float32Array(d3) },
  };
  const x = { shape: [B, d0], data: uniform(14, B * d0, 0, 1) };
  const labels = rng(15);
  const y = new Float32Array(B * d3);
  for (let i = 0; i < B; i++) y[i * d3 + Math.floor(labels() * d3)] = 1;
  return { params, x, y: { shape: [B, d3], data: y } };
}

/**
 * Case (b) of issue 9: an LSTM training step. Gates are computed as `[x, h] @ kernel + bias`
 * with the kernel's columns in the order (i, j, f, o) and a forget bias of 1 added inside the
 * cell, which is exactly tfjs's `basicLSTMCell`, so every system computes the same numbers:
 * c' = σ(i)·tanh(j) + c·σ(f + 1), h' = tanh(c')·σ(o); the loss is mean((h_T - y)²).
 */
export const LSTM = { batch: 32, time: 50, input: 64, hidden: 128, lr: 0.01 };

/** The LSTM's kernel [input + hidden, 4·hidden] and bias, time-major inputs [time, batch, input], targets [batch, hidden]. */
export function lstmData() {
  const { batch: B, time: T, input: I, hidden: H } = LSTM;
  return {
    params: {
      kernel: { shape: [I + H, 4 * H], data: normal(21, (I + H) * 4 * H, Math.sqrt(1 / (I + H))) },
      bias: { shape: [4 * H], data: new Float32Array(4 * H) },
    },
    xs: { shape: [T, B, I], data: uniform(22, T * B * I) },
    y: { shape: [B, H], data: uniform(23, B * H, -0.5, 0.5) },
  };
}

/** A symmetric positive-definite n x n matrix: G G^T / n + I for a seeded uniform G (float32 data, float64 arithmetic). */
function spd(n, seed) {
  const g = uniform(seed, n * n, -1, 1);
  const a = new Float32Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j <= i; j++) {
      let sum = 0;
      for (let k = 0; k < n; k++) sum += g[i * n + k] * g[j * n + k];
      a[i * n + j] = a[j * n + i] = sum / n + (i === j ? 1 : 0);
    }
  return a;
}

/**
 * LeNet inference (issue 14): the PyTorch tutorial's network (conv 5x5x6, max pool 2, conv
 * 5x5x16, max pool 2, dense 120, 84, 10, relu between), NHWC images in [0, 1], HWIO filters,
 * [in, out] dense weights, seeded He-scaled normal weights and small biases. The int8 cell
 * calibrates on `calibration` (untimed) and runs the same images.
 */
export const LENET = { batch: 256 };

export function lenetData() {
  const layer = (seed, shape, fanIn) => ({
    w: { shape, data: normal(seed, shape.reduce((a, b) => a * b, 1), Math.sqrt(2 / fanIn)) },
    b: { shape: [shape[shape.length - 1]], data: uniform(seed + 100, shape[shape.length - 1], -0.05, 0.05) },
  });
  return {
    params: {
      conv1: layer(31, [5, 5, 1, 6], 25),
      conv2: layer(32, [5, 5, 6, 16], 150),
      fc1: layer(33, [256, 120], 256),
      fc2: layer(34, [120, 84], 120),
      fc3: layer(35, [84, 10], 84),
    },
    x: { shape: [LENET.batch, 28, 28, 1], data: uniform(36, LENET.batch * 784, 0, 1) },
    calibration: { shape: [LENET.batch, 28, 28, 1], data: uniform(37, LENET.batch * 784, 0, 1) },
  };
}

/**
 * Issue 11: a LeNet-5 training step, batch 64: the LeNet of lenetData (same seeded weights), a
 * softmax cross-entropy on one-hot labels, and SGD. Every system computes the same numbers.
 */
export const LENET_STEP = { batch: 64, lr: 0.01 };

export function lenetStepData() {
  const B = LENET_STEP.batch;
  const labels = rng(39);
  const y = new Float32Array(B * 10);
  for (let i = 0; i < B; i++) y[i * 10 + Math.floor(labels() * 10)] = 1;
  return { params: lenetData().params, x: { shape: [B, 28, 28, 1], data: uniform(38, B * 784, 0, 1) }, y: { shape: [B, 10], data: y } };
}

/** Inputs for each cell, by name. */
export function cellData(cell) {
  switch (cell) {
    case "matmul512":
    case "matmul1024": {
      const n = cell === "matmul512" ? 512 : 1024;
      return { a: { shape: [n, n], data: uniform(1, n * n) }, b: { shape: [n, n], data: uniform(2, n * n) } };
    }
    case "expsin":
      return { x: { shape: [1_000_000], data: uniform(3, 1_000_000) } };
    case "mlpStep":
    case "mlpFirst":
      return mlpData();
    case "lstmStep":
      return lstmData();
    case "tinyJit":
      return { x: { shape: [16], data: uniform(4, 16) } };
    case "eagerOp":
    case "eagerScalar":
      return { a: { shape: [16], data: uniform(5, 16) }, b: { shape: [16], data: uniform(6, 16) } };
    case "eager100k":
    case "eager100kGc":
      return { a: { shape: [100_000], data: uniform(13, 100_000) }, b: { shape: [100_000], data: uniform(14, 100_000) } };
    case "readback1e6":
      return { x: { shape: [1_000_000], data: uniform(15, 1_000_000) } };
    case "scan1000":
      return { c: { shape: [16], data: uniform(7, 16) }, xs: { shape: [1000, 16], data: uniform(8, 16000) } };
    case "cholesky256":
      return { a: { shape: [256, 256], data: spd(256, 9) } };
    case "solve256": {
      // A general matrix, diagonally shifted so it is well conditioned, and one right-hand side.
      const a = uniform(10, 256 * 256, -1, 1);
      for (let i = 0; i < 256; i++) a[i * 257] += 16;
      return { a: { shape: [256, 256], data: a }, b: { shape: [256, 1], data: uniform(11, 256) } };
    }
    case "lenet256":
    case "lenet256int8":
      return lenetData();
    case "lenetStep":
      return lenetStepData();
    case "svd256":
      return { a: { shape: [256, 256], data: uniform(12, 256 * 256, -1, 1) } };
    default:
      throw new Error(`unknown cell ${cell}`);
  }
}

/** A few fixed positions of a flat output, plus its mean absolute value, to compare systems. */
export function summarize(flat) {
  const n = flat.length;
  const picks = [0, 1, Math.floor(n / 3), Math.floor(n / 2), n - 1].map((i) => flat[i]);
  let sum = 0;
  for (let i = 0; i < n; i++) sum += Math.abs(flat[i]);
  return [...picks, sum / n];
}

/** The largest difference between two summaries, relative to the reference's scale. */
export function summaryError(got, ref) {
  const scale = Math.abs(ref[ref.length - 1]) || 1;
  let err = 0;
  for (let i = 0; i < ref.length; i++) err = Math.max(err, Math.abs(got[i] - ref[i]) / (Math.abs(ref[i]) + scale));
  return err;
}

/** `{k: f(v)}` for a flat object. */
export function mapObject(obj, f) {
  return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, f(v)]));
}
