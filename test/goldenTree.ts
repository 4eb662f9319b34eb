/**
 * Golden files from real JAX: the encoding of inputs and results (NaN and infinities as strings,
 * pytrees as lists and {dict}), decoding, and the comparison that reports every mismatch. Shared
 * by the autodiff and vmap golden suites.
 */
import { numpy as np } from "../src/index.js";

type A = np.Array;

export type EncNum = number | "nan" | "inf" | "-inf";
export interface EncArray {
  dtype: string;
  shape: number[];
  data: EncNum[];
}
export type EncTree = EncArray | EncTree[] | { dict: Record<string, EncTree> } | null;
export interface GoldenCase {
  name: string;
  inputs: EncArray[];
  out: EncTree;
  rtol: number;
  atol: number;
  note?: string;
}

export const decNum = (v: EncNum): number => (v === "nan" ? NaN : v === "inf" ? Infinity : v === "-inf" ? -Infinity : v);

export function decodeInput(e: EncArray): A {
  const flat = e.data.map(decNum);
  return np.reshape(np.array(flat, { dtype: e.dtype as np.DType }), e.shape);
}

/** Compares a jaxts result tree with an encoded JAX result; collects mismatches. */
export function compareTree(got: unknown, exp: EncTree, rtol: number, atol: number, path: string, errs: string[]): void {
  if (exp === null) {
    if (got !== null && got !== undefined) errs.push(`${path}: expected null, got ${String(got)}`);
    return;
  }
  if (Array.isArray(exp)) {
    if (!Array.isArray(got) || got.length !== exp.length) {
      errs.push(`${path}: expected a list of ${exp.length}, got ${Array.isArray(got) ? `a list of ${got.length}` : String(got)}`);
      return;
    }
    exp.forEach((e, i) => compareTree(got[i], e, rtol, atol, `${path}[${i}]`, errs));
    return;
  }
  if ("dict" in exp) {
    const keys = Object.keys(exp.dict).sort();
    if (got === null || typeof got !== "object" || Array.isArray(got) || got instanceof np.Array) {
      errs.push(`${path}: expected an object with keys ${keys}, got ${String(got)}`);
      return;
    }
    const gotKeys = Object.keys(got).sort();
    if (JSON.stringify(gotKeys) !== JSON.stringify(keys)) errs.push(`${path}: keys ${gotKeys} != ${keys}`);
    for (const k of keys) compareTree((got as Record<string, unknown>)[k], exp.dict[k]!, rtol, atol, `${path}.${k}`, errs);
    return;
  }
  if (!(got instanceof np.Array)) {
    errs.push(`${path}: expected an array, got ${String(got)}`);
    return;
  }
  if (got.dtype !== exp.dtype) errs.push(`${path}: dtype ${got.dtype} != ${exp.dtype}`);
  if (JSON.stringify(got.shape) !== JSON.stringify(exp.shape)) {
    errs.push(`${path}: shape [${got.shape}] != [${exp.shape}]`);
    return;
  }
  const exact = exp.dtype !== "float64" && exp.dtype !== "float32";
  const data = Array.from(got.dataSync() as ArrayLike<number>, Number);
  let bad = 0;
  exp.data.forEach((ev, i) => {
    const e = decNum(ev);
    const g = data[i]!;
    const ok = Number.isNaN(e) ? Number.isNaN(g) : exact || !Number.isFinite(e) ? g === e : Math.abs(g - e) <= atol + rtol * Math.abs(e);
    if (!ok && bad++ < 6) errs.push(`${path}[${i}] (flat): got ${g}, JAX ${e} (diff ${Math.abs(g - e)})`);
  });
  if (bad > 6) errs.push(`${path}: ... ${bad} mismatches in all`);
}

/** Decodes an encoded tree of arrays (lists, {dict}, null) into jaxts arrays. */
export function decodeTree(e: EncTree): unknown {
  if (e === null) return null;
  if (Array.isArray(e)) return e.map(decodeTree);
  if ("dict" in e) return Object.fromEntries(Object.entries(e.dict).map(([k, v]) => [k, decodeTree(v)]));
  return decodeInput(e);
}
