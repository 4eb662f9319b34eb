/** Shared helpers for the optax tests: decoding test/golden/optax.json and comparing arrays. */
import { readFileSync } from "node:fs";
import { expect } from "vitest";
import * as np from "../../src/numpy/index.js";
import * as tree from "../../src/tree.js";

export type EncValue = number | "nan" | "inf" | "-inf";
export interface EncArray {
  shape: number[];
  dtype: string;
  data: EncValue[];
}

export const golden = JSON.parse(readFileSync(new URL("../golden/optax.json", import.meta.url), "utf8"));

export function decodeValue(v: EncValue): number {
  if (v === "nan") return NaN;
  if (v === "inf") return Infinity;
  if (v === "-inf") return -Infinity;
  return v;
}

export function decode(a: EncArray): np.Array {
  const data = a.data.map(decodeValue);
  if (a.dtype === "float32") return np.array(Float32Array.from(data), { shape: a.shape });
  if (a.dtype === "int32") return np.array(Int32Array.from(data), { shape: a.shape });
  if (a.dtype === "float64") return np.array(Float64Array.from(data), { shape: a.shape });
  throw new Error(`golden: unexpected dtype ${a.dtype}`);
}

/** The problem's parameter tree from its leaves (in JAX's flatten order: b, layers[0], layers[1], w). */
export function makeTree(leaves: np.Array[]): { b: np.Array; layers: [np.Array, np.Array]; w: np.Array } {
  const [b, l0, l1, w] = leaves as [np.Array, np.Array, np.Array, np.Array];
  return { b, layers: [l0, l1], w };
}

export interface Tol {
  rtol: number;
  atol: number;
}

/** The largest |actual - expected| / (atol + rtol * |expected|) over all elements; NaNs and infinities must match exactly. */
export function closeness(actual: np.Array, expected: np.Array | EncArray, tol: Tol, what: string): number {
  const e = expected instanceof np.Array ? expected : decode(expected);
  expect(actual.shape, `${what}: shape`).toEqual(e.shape);
  expect(actual.dtype, `${what}: dtype`).toBe(e.dtype);
  const a = actual.dataSync();
  const b = e.dataSync();
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    const x = Number(a[i]);
    const y = Number(b[i]);
    if (Number.isNaN(y) || !Number.isFinite(y)) {
      expect(Object.is(x, y) || (Number.isNaN(x) && Number.isNaN(y)), `${what}[${i}]: got ${x}, expected ${y}`).toBe(true);
      continue;
    }
    if (x === y) continue;
    const r = Math.abs(x - y) / (tol.atol + tol.rtol * Math.abs(y));
    if (!(r <= 1)) throw new Error(`${what}[${i}]: got ${x}, expected ${y} (rtol ${tol.rtol}, atol ${tol.atol})`);
    worst = Math.max(worst, r);
  }
  return worst;
}

/** Compares two trees leaf by leaf. */
export function expectTreeClose(actual: unknown, expected: unknown, tol: Tol, what: string): void {
  const [la, da] = tree.flatten<np.Array>(actual);
  const [le, de] = tree.flatten<np.Array>(expected);
  expect(tree.treeDefString(da), `${what}: structure`).toBe(tree.treeDefString(de));
  la.forEach((x, i) => closeness(x, le[i]!, tol, `${what} leaf ${i}`));
}
