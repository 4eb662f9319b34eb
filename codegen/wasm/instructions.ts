/**
 * Single wasm instructions (as WAT text) for scalar and 4-lane operations that need no emitter
 * state: reduction identities and combiners, comparisons, clamps, conversions and bitcasts.
 */
import type { DType } from "../../ir/dtype.js";
import type { ComparisonPrimitive } from "../../ir/primitives.js";
import type { ReduceOp } from "../kernel/sexpr.js";
import { vf32, vi32 } from "./wat.js";

export const isF = (d: DType): boolean => d === "float32" || d === "float64";
export const F = (d: DType): "f32" | "f64" => (d === "float64" ? "f64" : "f32");
export function reduceIdentity(op: ReduceOp, d: DType): number {
  switch (op) {
    case "sum":
    case "or":
      return 0;
    case "prod":
      return 1;
    case "and":
      return d === "bool" ? 1 : -1;
    case "max":
    case "argmax":
      return isF(d) ? -Infinity : d === "int32" ? -0x80000000 : 0;
    case "min":
    case "argmin":
      return isF(d) ? Infinity : d === "int32" ? 0x7fffffff : d === "uint32" ? 0xffffffff : 1;
  }
}

export function combineScalar(op: ReduceOp, d: DType, a: string, b: string): string {
  if (d === "bool") {
    return op === "sum" || op === "max" || op === "or" ? `(i32.or ${a} ${b})` : `(i32.and ${a} ${b})`;
  }
  if (isF(d)) {
    const f = F(d);
    const o = op === "sum" ? "add" : op === "prod" ? "mul" : op;
    if (o === "and" || o === "or") throw new Error(`internal: reduce ${op} on ${d}`);
    return `(${f}.${o} ${a} ${b})`;
  }
  const s = d === "uint32" ? "u" : "s";
  switch (op) {
    case "sum":
      return `(i32.add ${a} ${b})`;
    case "prod":
      return `(i32.mul ${a} ${b})`;
    case "max":
      return `(select ${a} ${b} (i32.gt_${s} ${a} ${b}))`;
    case "min":
      return `(select ${a} ${b} (i32.lt_${s} ${a} ${b}))`;
    case "and":
      return `(i32.and ${a} ${b})`;
    case "or":
      return `(i32.or ${a} ${b})`;
    default:
      throw new Error(`internal: combine ${op}`);
  }
}

export function combineVector(op: ReduceOp, d: DType, a: string, b: string): string {
  if (d === "bool") return op === "sum" || op === "max" || op === "or" ? `(v128.or ${a} ${b})` : `(v128.and ${a} ${b})`;
  if (d === "float32") {
    const o = op === "sum" ? "add" : op === "prod" ? "mul" : op;
    return `(f32x4.${o} ${a} ${b})`;
  }
  const s = d === "uint32" ? "u" : "s";
  switch (op) {
    case "sum":
      return `(i32x4.add ${a} ${b})`;
    case "prod":
      return `(i32x4.mul ${a} ${b})`;
    case "max":
      return `(i32x4.max_${s} ${a} ${b})`;
    case "min":
      return `(i32x4.min_${s} ${a} ${b})`;
    case "and":
      return `(v128.and ${a} ${b})`;
    case "or":
      return `(v128.or ${a} ${b})`;
    default:
      throw new Error(`internal: combine ${op}`);
  }
}

/** int8/uint8 values live in i32 (lanes) sign- or zero-extended, so they compare and convert as signed int32. */
const signedI32 = (d: DType): boolean => d === "int32" || d === "int8" || d === "uint8";

export function scalarCompare(op: ComparisonPrimitive, d: DType, a: string, b: string): string {
  if (isF(d)) return `(${F(d)}.${op} ${a} ${b})`;
  if (op === "eq" || op === "ne") return `(i32.${op} ${a} ${b})`;
  const s = signedI32(d) ? "s" : "u";
  return `(i32.${op}_${s} ${a} ${b})`;
}

export function vectorCompare(op: ComparisonPrimitive, d: DType, a: string, b: string): string | null {
  if (d === "float64") return null;
  if (d === "float32") return `(i32x4.neg (f32x4.${op} ${a} ${b}))`;
  if (op === "eq" || op === "ne") return `(i32x4.neg (i32x4.${op} ${a} ${b}))`;
  const s = signedI32(d) ? "s" : "u";
  return `(i32x4.neg (i32x4.${op}_${s} ${a} ${b}))`;
}

export function scalarClamp(d: DType, lo: string, x: string, hi: string): string {
  if (isF(d)) return `(${F(d)}.min (${F(d)}.max ${x} ${lo}) ${hi})`;
  if (d === "bool") return `(i32.and (i32.or ${x} ${lo}) ${hi})`;
  const s = d === "uint32" ? "u" : "s";
  const m = `(select ${x} ${lo} (i32.gt_${s} ${x} ${lo}))`;
  // m is used twice: callers pass locals, and m's parts are locals, so duplication is safe.
  return `(select ${m} ${hi} (i32.lt_${s} ${m} ${hi}))`;
}

export function vectorClamp(d: DType, lo: string, x: string, hi: string): string {
  if (d === "float32") return `(f32x4.min (f32x4.max ${x} ${lo}) ${hi})`;
  if (d === "bool") return `(v128.and (v128.or ${x} ${lo}) ${hi})`;
  const s = d === "uint32" ? "u" : "s";
  return `(i32x4.min_${s} (i32x4.max_${s} ${x} ${lo}) ${hi})`;
}

export function bitcastVector(x: string, from: DType, to: DType): string {
  return bytePair(from, to) ? convertVector(x, from, to) : x;
}

export function convertScalar(x: string, from: DType, to: DType): string {
  if (from === to) return x;
  if (to === "bool") return isF(from) ? `(${F(from)}.ne ${x} (${F(from)}.const 0))` : `(i32.ne ${x} (i32.const 0))`;
  if (to === "float32" || to === "float64") {
    const f = F(to);
    if (from === "float32") return `(f64.promote_f32 ${x})`;
    if (from === "float64") return `(f32.demote_f64 ${x})`;
    return signedI32(from) ? `(${f}.convert_i32_s ${x})` : `(${f}.convert_i32_u ${x})`;
  }
  if (to === "int8" || to === "uint8") {
    // As XLA on CPU: floats truncate and saturate (NaN to 0; clamping first is the same and
    // lets x appear once), ints wrap.
    const [lo, hi] = to === "int8" ? [-128, 127] : [0, 255];
    if (isF(from)) return `(i32.trunc_sat_${F(from)}_${to === "int8" ? "s" : "u"} (${F(from)}.min (${F(from)}.max ${x} (${F(from)}.const ${lo})) (${F(from)}.const ${hi})))`;
    if (from === "bool" || (from === "int8" && to === "int8") || (from === "uint8" && to === "uint8")) return x;
    return to === "int8" ? `(i32.extend8_s ${x})` : `(i32.and ${x} (i32.const 255))`;
  }
  // to int32 / uint32
  if (isF(from)) return `(i32.trunc_sat_${F(from)}_${to === "int32" ? "s" : "u"} ${x})`;
  return x; // int32 <-> uint32 <-> bool(0/1), int8/uint8 (held extended) to int32/uint32: same bits
}

export function convertVector(x: string, from: DType, to: DType): string {
  if (from === to) return x;
  if (to === "bool") return from === "float32" ? `(i32x4.neg (f32x4.ne ${x} ${vf32(0)}))` : `(i32x4.neg (i32x4.ne ${x} ${vi32(0)}))`;
  if (to === "float32") return signedI32(from) ? `(f32x4.convert_i32x4_s ${x})` : `(f32x4.convert_i32x4_u ${x})`;
  if (to === "int8" || to === "uint8") {
    const [lo, hi] = to === "int8" ? [-128, 127] : [0, 255];
    if (from === "float32") return `(i32x4.trunc_sat_f32x4_${to === "int8" ? "s" : "u"} (f32x4.min (f32x4.max ${x} ${vf32(lo)}) ${vf32(hi)}))`;
    if (from === "bool" || from === to) return x;
    return to === "int8" ? `(i32x4.shr_s (i32x4.shl ${x} (i32.const 24)) (i32.const 24))` : `(v128.and ${x} ${vi32(255)})`;
  }
  if (from === "float32") return `(i32x4.trunc_sat_f32x4_${to === "int32" ? "s" : "u"} ${x})`;
  return x;
}

/** int8 <-> uint8 reinterpretations re-extend the held value (a wrap, which is the same bits at 8 bits). */
const bytePair = (from: DType, to: DType): boolean => (from === "int8" || from === "uint8") && (to === "int8" || to === "uint8");

export function bitcastScalar(x: string, from: DType, to: DType): string {
  if (from === to) return x;
  if (bytePair(from, to)) return convertScalar(x, from, to);
  if (from === "float32") return `(i32.reinterpret_f32 ${x})`;
  if (to === "float32") return `(f32.reinterpret_i32 ${x})`;
  return x;
}
