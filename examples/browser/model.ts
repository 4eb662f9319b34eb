/**
 * The page's model, shared by the page, its training script and its test: LeNet with the trained
 * parameters, class probabilities, and a saliency map, for one 28x28 grey image at a time.
 * No DOM and no Node modules here, so Node computes exactly what the page computes.
 */
import { type Array as JArray, interpret, jit, nn, numpy as np, random } from "../../src/index.js";
import { LeNet } from "../lenetModel.js";
import { decodeParams } from "./paramsFile.js";

/** Fashion-MNIST's classes, by label. */
export const CLASS_NAMES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];
export const SIDE = 28;
const NUM_CLASSES = CLASS_NAMES.length;

/** One bundled sample image (samples.json): its true label and its pixels, 784 bytes in base64. */
export interface Sample {
  label: number;
  /** Its index in Fashion-MNIST's test set (or the synthetic set's), for reference. */
  index: number;
  pixels: string;
}
export interface SamplesFile {
  dataset: "fashion-mnist" | "synthetic";
  classes: string[];
  samples: Sample[];
}

export interface Classification {
  /** The predicted class. */
  label: number;
  /** Softmax over the ten classes. */
  probabilities: number[];
  /** d logit[label] / d pixel, per pixel (784 values, row-major); positive where brighter means more `label`. */
  saliency: Float32Array;
}

/** A sample's pixels as floats in [0, 1] (row-major 28x28). */
export function samplePixels(sample: Sample): Float32Array {
  const bytes = atob(sample.pixels);
  if (bytes.length !== SIDE * SIDE) throw new Error(`samplePixels: a sample holds ${SIDE * SIDE} pixels, this one ${bytes.length}`);
  return Float32Array.from(bytes, (c) => c.charCodeAt(0) / 255);
}

/** Pixels in [0, 1] as samples.json stores them (rounded to bytes). */
export function encodePixels(pixels: ArrayLike<number>): string {
  let s = "";
  for (let i = 0; i < pixels.length; i++) s += String.fromCharCode(Math.round(Math.min(1, Math.max(0, pixels[i]!)) * 255));
  return btoa(s);
}

/** A classifier for the parameters in `paramBytes` (see paramsFile.ts), on the default device. */
export function makeClassifier(paramBytes: Uint8Array): (pixels: Float32Array) => Classification {
  const [init, apply] = LeNet();
  const [, template] = init(random.key(0), [-1, SIDE, SIDE, 1]);
  const params = decodeParams(paramBytes, template);
  const probabilities = jit((p: unknown, x: JArray) => nn.softmax(apply(p, x)));
  // Saliency by gradient: the gradient of the target class score with respect to the input image.
  const saliencyOf = jit((p: unknown, x: JArray, target: JArray) => interpret.saliency((xs: JArray) => apply(p, xs), x, { target }));
  return (pixels) => {
    if (pixels.length !== SIDE * SIDE) throw new Error(`classify: an image has ${SIDE * SIDE} pixels, got ${pixels.length}`);
    // Freed as soon as they are read: wasm memory is not the JS heap, and a page classifies on every stroke.
    using x = np.array(pixels, { shape: [1, SIDE, SIDE, 1] });
    using probsArray = probabilities(params, x);
    const probs = Array.from(probsArray.dataSync() as Float32Array);
    const label = probs.indexOf(Math.max(...probs));
    using target = np.array([label], "int32");
    using map = saliencyOf(params, x, target);
    const saliencyValues = Float32Array.from(map.dataSync() as Float32Array);
    return { label, probabilities: probs, saliency: saliencyValues };
  };
}
