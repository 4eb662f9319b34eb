/** Classification metrics over integer labels: accuracy, precision and recall. */
import { any, bindArgs, keywordOnly, nonNegInt, oneOf, required } from "../core/options.js";
import type { JArray } from "../core/array.js";
import { ValueError } from "../errors.js";
import * as np from "../numpy/index.js";

export interface AverageOptions {
  numClasses: number;
  /** "macro": the mean over classes of per-class scores (the default); "none": per-class scores. */
  average?: "macro" | "none";
}

/** Labels: an array, a JS list or a TypedArray of class indices. */
export type Labels = JArray | readonly number[] | Int32Array | Uint8Array;

function labelsOf(x: Labels, what: string): JArray {
  const a = ArrayBuffer.isView(x) ? np.array(Int32Array.from(x)) : np.asarray(x as JArray | number[], { dtype: "int32" });
  if (a.ndim !== 1) throw new ValueError(`${what}: expected a 1-d array of integer labels, got shape [${a.shape}]`);
  return a.astype("int32");
}

function check(pred: JArray, labels: JArray, fn: string): void {
  if (pred.shape[0] !== labels.shape[0]) throw new ValueError(`${fn}: predictions [${pred.shape}] and labels [${labels.shape}] differ in length`);
}

/** The fraction of predictions equal to the labels. */
export function accuracy(predictions: Labels, labels: Labels): number {
  bindArgs("data.metrics.accuracy", [...arguments], { predictions: required(any), labels: required(any) });
  const p = labelsOf(predictions, "accuracy: predictions");
  const l = labelsOf(labels, "accuracy: labels");
  check(p, l, "accuracy");
  return p.size === 0 ? NaN : Number(np.mean(np.equal(p, l)));
}

/** Confusion counts: `[truePositives, predictedPositives, actualPositives]` per class. */
function counts(pred: JArray, labels: JArray, numClasses: number): [number[], number[], number[]] {
  const p = pred.dataSync();
  const l = labels.dataSync();
  const tp = new Array<number>(numClasses).fill(0);
  const pp = new Array<number>(numClasses).fill(0);
  const ap = new Array<number>(numClasses).fill(0);
  for (let i = 0; i < p.length; i++) {
    const a = p[i]!;
    const b = l[i]!;
    if (a < 0 || a >= numClasses || b < 0 || b >= numClasses) throw new ValueError(`label ${a < 0 || a >= numClasses ? a : b} is outside [0, ${numClasses})`);
    pp[a]!++;
    ap[b]!++;
    if (a === b) tp[a]!++;
  }
  return [tp, pp, ap];
}

function averaged(scores: number[], average: "macro" | "none"): number | number[] {
  return average === "none" ? scores : scores.reduce((s, x) => s + x, 0) / scores.length;
}

/** Precision (true positives / predicted positives) per class, macro-averaged by default; 0 for a class never predicted. */
/** precision and recall: numClasses is required (positionally or as an option). */
const AVERAGE = { predictions: required(any), labels: required(any), numClasses: required(nonNegInt, { keyword: true }), average: keywordOnly(oneOf("macro", "none")) };

export function precision(predictions: Labels, labels: Labels, opts: AverageOptions): number | number[];
export function precision(predictions: Labels, labels: Labels, numClasses: number, opts?: Omit<AverageOptions, "numClasses">): number | number[];
export function precision(...args: unknown[]): number | number[] {
  const { predictions, labels, ...opts } = bindArgs("data.metrics.precision", args, AVERAGE) as { predictions: Labels; labels: Labels } & AverageOptions;
  const p = labelsOf(predictions, "precision: predictions");
  const l = labelsOf(labels, "precision: labels");
  check(p, l, "precision");
  const [tp, pp] = counts(p, l, opts.numClasses);
  return averaged(tp.map((t, k) => (pp[k]! === 0 ? 0 : t / pp[k]!)), opts.average ?? "macro");
}

/** Recall (true positives / actual positives) per class, macro-averaged by default; 0 for a class that never occurs. */
export function recall(predictions: Labels, labels: Labels, opts: AverageOptions): number | number[];
export function recall(predictions: Labels, labels: Labels, numClasses: number, opts?: Omit<AverageOptions, "numClasses">): number | number[];
export function recall(...args: unknown[]): number | number[] {
  const { predictions, labels, ...opts } = bindArgs("data.metrics.recall", args, AVERAGE) as { predictions: Labels; labels: Labels } & AverageOptions;
  const p = labelsOf(predictions, "recall: predictions");
  const l = labelsOf(labels, "recall: labels");
  check(p, l, "recall");
  const [tp, , ap] = counts(p, l, opts.numClasses);
  return averaged(tp.map((t, k) => (ap[k]! === 0 ? 0 : t / ap[k]!)), opts.average ?? "macro");
}
