/**
 * Gaussian-process regression: fits an RBF kernel's hyperparameters (one length scale per
 * input, signal and noise variance) by maximizing the log marginal likelihood with Adam,
 * differentiating through the Cholesky factorization and triangular solves, then predicts a
 * held-out set and plots the posterior mean and a 2-sd band along the most relevant input.
 *
 * Data: scikit-learn's diabetes regression set (442 patients, 10 inputs) when Debian's
 * python3-sklearn is installed (it ships the CSVs); otherwise a generated set, and it says so.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { jit, lax, numpy as np, optax, scipy, valueAndGrad } from "../src/index.js";
import { bandSvg } from "./plot.js";

const SKLEARN_DATA = "/usr/lib/python3/dist-packages/sklearn/datasets/data";
const DIABETES_NAMES = ["age", "sex", "bmi", "bp", "s1", "s2", "s3", "s4", "s5", "s6"];

export interface Dataset {
  source: "diabetes" | "generated";
  x: number[][];
  y: number[];
  names: string[];
}

const readGz = (path: string) => gunzipSync(readFileSync(path)).toString("utf8");
const parseRows = (text: string) =>
  text
    .trim()
    .split("\n")
    .map((line) => line.trim().split(/[\s,]+/).map(Number));

/** The diabetes set when its CSVs are installed, else undefined. */
export function loadDiabetes(dir = SKLEARN_DATA): Dataset | undefined {
  const [xf, yf] = [`${dir}/diabetes_data_raw.csv.gz`, `${dir}/diabetes_target.csv.gz`];
  if (!existsSync(xf) || !existsSync(yf)) return undefined;
  const x = parseRows(readGz(xf));
  const y = parseRows(readGz(yf)).flat();
  if (x.length !== y.length || x.some((r) => r.length !== 10 || r.some((v) => !Number.isFinite(v)))) return undefined;
  return { source: "diabetes", x, y, names: DIABETES_NAMES };
}

/** A smooth function of 4 inputs (two relevant, one weak, one irrelevant) plus noise, from a seeded generator. */
export function generatedSet(n: number, seed = 1): Dataset {
  let s = seed >>> 0;
  const unif = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s + 0.5) / 2 ** 32;
  };
  const gauss = () => Math.sqrt(-2 * Math.log(unif())) * Math.cos(2 * Math.PI * unif());
  const x = Array.from({ length: n }, () => Array.from({ length: 4 }, () => 4 * unif() - 2));
  const y = x.map(([a, b, c]) => Math.sin(1.5 * a!) + 0.5 * b! * b! + 0.1 * c! + 0.1 * gauss());
  return { source: "generated", x, y, names: ["x0", "x1", "x2", "x3"] };
}

/** Columns standardized with the training rows' mean and sd. */
function standardize(train: number[][], rows: number[][]): number[][] {
  const d = train[0]!.length;
  const mean = Array.from({ length: d }, (_, j) => train.reduce((a, r) => a + r[j]!, 0) / train.length);
  const sd = Array.from({ length: d }, (_, j) => Math.sqrt(train.reduce((a, r) => a + (r[j]! - mean[j]!) ** 2, 0) / train.length) || 1);
  return rows.map((r) => r.map((v, j) => (v - mean[j]!) / sd[j]!));
}

type Params = { logLengthScales: np.Array; logSignal: np.Array; logNoise: np.Array };

/** k(a, b) = sf^2 exp(-|a - b|^2 / 2) on inputs already divided by the length scales. */
function rbf(a: np.Array, b: np.Array, logSignal: np.Array): np.Array {
  const sq = np.add(np.add(np.sum(np.square(a), 1, { keepdims: true }), np.transpose(np.sum(np.square(b), 1, { keepdims: true }))), np.multiply(-2, np.matmul(a, np.transpose(b))));
  return np.multiply(np.exp(np.multiply(2, logSignal)), np.exp(np.multiply(-0.5, np.maximum(sq, 0))));
}

/** The training covariance's Cholesky factor and alpha = K^-1 y. */
function factor(p: Params, x: np.Array, y: np.Array) {
  const xs = np.divide(x, np.exp(p.logLengthScales));
  const n = x.shape[0]!;
  const K = np.add(rbf(xs, xs, p.logSignal), np.multiply(np.exp(np.multiply(2, p.logNoise)), np.eye(n)));
  const L = np.linalg.cholesky(K);
  const alpha = scipy.linalg.choSolve([L, true], y);
  return { xs, L, alpha };
}

/** Negative log marginal likelihood per point: (y^T K^-1 y / 2 + sum log diag L + n log(2 pi) / 2) / n. */
export function negLogMarginalLikelihood(p: Params, x: np.Array, y: np.Array): np.Array {
  const { L, alpha } = factor(p, x, y);
  const n = x.shape[0]!;
  const fit = np.multiply(0.5, np.sum(np.multiply(y, alpha)));
  const logDet = np.sum(np.log(np.diagonal(L)));
  return np.divide(np.add(np.add(fit, logDet), 0.5 * n * Math.log(2 * Math.PI)), n);
}

/** Posterior mean and predictive variance (noise included) at xNew. */
export function predict(p: Params, x: np.Array, y: np.Array, xNew: np.Array): { mean: np.Array; variance: np.Array } {
  const { xs, L, alpha } = factor(p, x, y);
  const ks = rbf(np.divide(xNew, np.exp(p.logLengthScales)), xs, p.logSignal);
  const mean = np.matmul(ks, alpha);
  const v = lax.linalg.triangularSolve(L, np.transpose(ks), { leftSide: true, lower: true });
  const variance = np.add(np.subtract(np.exp(np.multiply(2, p.logSignal)), np.sum(np.square(v), 0)), np.exp(np.multiply(2, p.logNoise)));
  return { mean, variance };
}

export interface GpResult {
  source: Dataset["source"];
  nTrain: number;
  nTest: number;
  losses: number[];
  lengthScales: Record<string, number>;
  signalSd: number;
  noiseSd: number;
  /** Held-out root-mean-square error in the target's units, and a constant predictor's (the training mean). */
  testRmse: number;
  constantRmse: number;
  svg: string;
}

export function fitGaussianProcess(opts: { data?: Dataset; nTrain?: number; steps?: number; learningRate?: number; log?: boolean } = {}): GpResult {
  const data = opts.data ?? loadDiabetes() ?? generatedSet(400);
  const log = opts.log ?? true;
  const nTrain = Math.min(opts.nTrain ?? 300, data.x.length - 20);
  // A fixed shuffle (the diabetes rows are not in random order).
  const order = data.x.map((_, i) => i).sort((a, b) => ((a * 2654435761) % 1000003) - ((b * 2654435761) % 1000003));
  const rows = order.map((i) => data.x[i]!);
  const targets = order.map((i) => data.y[i]!);
  const [trainX, testX] = [rows.slice(0, nTrain), rows.slice(nTrain)];
  const [trainY, testY] = [targets.slice(0, nTrain), targets.slice(nTrain)];
  const yMean = trainY.reduce((a, b) => a + b, 0) / nTrain;
  const ySd = Math.sqrt(trainY.reduce((a, b) => a + (b - yMean) ** 2, 0) / nTrain);
  const x = np.array(standardize(trainX, trainX));
  const xTest = np.array(standardize(trainX, testX));
  const y = np.array(trainY.map((v) => (v - yMean) / ySd));
  const d = trainX[0]!.length;

  let params: Params = { logLengthScales: np.full([d], Math.log(2)), logSignal: np.array(0), logNoise: np.array(Math.log(0.5)) };
  const opt = optax.adam(opts.learningRate ?? 0.05);
  let state = opt.init(params);
  const step = jit((p: Params, s: unknown) => {
    const [l, g] = valueAndGrad((q: Params) => negLogMarginalLikelihood(q, x, y))(p);
    const [updates, s2] = opt.update(g, s, p);
    return [optax.applyUpdates(p, updates), s2, l];
  });
  const losses: number[] = [];
  const steps = opts.steps ?? 150;
  for (let i = 0; i < steps; i++) {
    const [p, s, l] = step(params, state) as [Params, unknown, np.Array];
    losses.push(Number(l));
    params = p;
    state = s;
    if (log && (i % 25 === 0 || i === steps - 1)) console.log(`step ${i}: -log marginal likelihood / n = ${losses[i]!.toFixed(4)}`);
  }
  losses.push(Number(negLogMarginalLikelihood(params, x, y)));

  const { mean } = predict(params, x, y, xTest);
  const pred = Array.from(mean.dataSync() as Float32Array, (v) => v * ySd + yMean);
  const rmse = (f: (i: number) => number) => Math.sqrt(testY.reduce((a, t, i) => a + (t - f(i)) ** 2, 0) / testY.length);
  const ls = Array.from(np.exp(params.logLengthScales).dataSync() as Float32Array);
  const lengthScales = Object.fromEntries(data.names.map((n, j) => [n, ls[j]!]));

  // The posterior along the most relevant input (shortest length scale), the others at their training mean.
  const j = ls.indexOf(Math.min(...ls));
  const gridN = 60;
  const colTest = (xTest.tolist() as number[][]).map((r) => r[j]!);
  const [lo, hi] = [Math.min(...colTest, -2), Math.max(...colTest, 2)];
  const grid = Array.from({ length: gridN }, (_, i) => lo + ((hi - lo) * i) / (gridN - 1));
  const gridX = np.array(grid.map((g) => Array.from({ length: d }, (_, k) => (k === j ? g : 0))));
  const post = predict(params, x, y, gridX);
  const gm = Array.from(post.mean.dataSync() as Float32Array, (v) => v * ySd + yMean);
  const gsd = Array.from(post.variance.dataSync() as Float32Array, (v) => Math.sqrt(Math.max(v, 0)) * ySd);
  const svg = bandSvg(
    grid,
    gm,
    gm.map((m, i) => m - 2 * gsd[i]!),
    gm.map((m, i) => m + 2 * gsd[i]!),
    colTest.map((c, i) => ({ x: c, y: testY[i]! })),
    { title: `GP posterior mean +- 2 sd along ${data.names[j]} (${data.source} data, held-out points)`, xLabel: `${data.names[j]} (standardized; other inputs at their mean)`, yLabel: "target" },
  );
  return {
    source: data.source,
    nTrain,
    nTest: testY.length,
    losses,
    lengthScales,
    signalSd: Math.exp(Number(params.logSignal)) * ySd,
    noiseSd: Math.exp(Number(params.logNoise)) * ySd,
    testRmse: rmse((i) => pred[i]!),
    constantRmse: rmse(() => yMean),
    svg,
  };
}

const isMain = import.meta.url === `file://${process.argv[1]}`;
if (isMain) {
  const r = fitGaussianProcess();
  console.log(`data: ${r.source === "diabetes" ? "scikit-learn's diabetes set (python3-sklearn)" : "generated (python3-sklearn's CSVs not installed)"}; ${r.nTrain} training and ${r.nTest} held-out points`);
  console.log(`-log marginal likelihood / n: ${r.losses[0]!.toFixed(4)} -> ${r.losses[r.losses.length - 1]!.toFixed(4)}`);
  console.log(`length scales (standardized inputs): ${Object.entries(r.lengthScales).map(([k, v]) => `${k} ${v.toFixed(3)}`).join(", ")}`);
  console.log(`signal sd ${r.signalSd.toFixed(3)}, noise sd ${r.noiseSd.toFixed(3)} (target units)`);
  console.log(`held-out RMSE ${r.testRmse.toFixed(3)} vs ${r.constantRmse.toFixed(3)} for the training mean`);
  writeFileSync("gaussian-process.svg", r.svg);
  console.log("wrote gaussian-process.svg");
}
