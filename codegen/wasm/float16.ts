/**
 * float16 in wasm kernels. A float16 value lives in an i32 (lane) as its IEEE half-precision
 * bit pattern, zero-extended, exactly as it is stored: loads, stores, selects and moves keep
 * the bits. Arithmetic never sees those bits: codegen/kernel/widen.ts widens every float16
 * equation to float32 (as the reference does: widen, run the float32 kernel, round back), so
 * the only float16 operations here are the two conversions:
 *
 * - decode (bits -> f32): exact; normal numbers rebias the exponent, infinities and NaNs keep
 *   their payload, subnormals go through one exact subtraction;
 * - encode (f32 -> bits): round to nearest even; subnormal results by one f32 addition of 0.5
 *   (whose quantum at [0.5, 1) is 2^-24, the float16 subnormal step, and f32 addition rounds
 *   to nearest even), normal ones by integer rounding of the 13 dropped mantissa bits; overflow
 *   to infinity; every NaN becomes 0x7e00, the reference's one NaN (ir/dtype.ts float16Bits).
 *
 * Both in scalar and in i32x4/f32x4 form, branch-free.
 */
import { i32c, vf32, vi32 } from "./wat.js";

/** A helper that binds an expression to a fresh local and returns a reusable reference to it. */
export type Tmp = (type: "i32" | "f32" | "v128", expr: string) => string;

const TWO_M14 = 2 ** -14;

/** float16 bits (i32, 0..0xffff) -> the f32 value. */
export function decodeScalar(tmp: Tmp, h: string): string {
  const x = tmp("i32", h);
  const o = tmp("i32", `(i32.shl (i32.and ${x} ${i32c(0x7fff)}) ${i32c(13)})`);
  const e = tmp("i32", `(i32.and ${o} ${i32c(0x0f800000)})`);
  // infinities and NaNs: exponent 31 -> 255; normals: rebias by 127 - 15
  const normal = `(f32.reinterpret_i32 (i32.add ${o} (select ${i32c(0x70000000)} ${i32c(0x38000000)} (i32.eq ${e} ${i32c(0x0f800000)}))))`;
  // zero and subnormals: (1 + m/1024) * 2^-14 - 2^-14 = m * 2^-24, exactly
  const sub = `(f32.sub (f32.reinterpret_i32 (i32.add ${o} ${i32c(0x38800000)})) (f32.const ${TWO_M14}))`;
  const mag = `(select ${sub} ${normal} (i32.eqz ${e}))`;
  return `(f32.reinterpret_i32 (i32.or (i32.reinterpret_f32 ${mag}) (i32.shl (i32.and ${x} ${i32c(0x8000)}) ${i32c(16)})))`;
}

/** f32 -> float16 bits (i32), rounded to nearest even. */
export function encodeScalar(tmp: Tmp, v: string): string {
  const x = tmp("f32", v);
  const b = tmp("i32", `(i32.reinterpret_f32 ${x})`);
  const a = tmp("i32", `(i32.and ${b} ${i32c(0x7fffffff)})`);
  const r = tmp("i32", `(i32.add (i32.add ${a} ${i32c(0xfff)}) (i32.and (i32.shr_u ${a} ${i32c(13)}) ${i32c(1)}))`);
  const normal = `(select ${i32c(0x7c00)} (i32.shr_u (i32.sub ${r} ${i32c(0x38000000)}) ${i32c(13)}) (i32.ge_u ${r} ${i32c(0x47800000)}))`;
  const sub = `(i32.sub (i32.reinterpret_f32 (f32.add (f32.abs ${x}) (f32.const 0.5))) ${i32c(0x3f000000)})`;
  const signed = `(i32.or (i32.and (i32.shr_u ${b} ${i32c(16)}) ${i32c(0x8000)}) (select ${sub} ${normal} (i32.lt_u ${a} ${i32c(0x38800000)})))`;
  return `(select ${i32c(0x7e00)} ${signed} (i32.gt_u ${a} ${i32c(0x7f800000)}))`;
}

/** Four float16 bit patterns (i32x4 lanes) -> f32x4. */
export function decodeVector(tmp: Tmp, h: string): string {
  const x = tmp("v128", h);
  const o = tmp("v128", `(i32x4.shl (v128.and ${x} ${vi32(0x7fff)}) (i32.const 13))`);
  const e = tmp("v128", `(v128.and ${o} ${vi32(0x0f800000)})`);
  const normal = `(i32x4.add ${o} (v128.bitselect ${vi32(0x70000000)} ${vi32(0x38000000)} (i32x4.eq ${e} ${vi32(0x0f800000)})))`;
  const sub = `(f32x4.sub (i32x4.add ${o} ${vi32(0x38800000)}) ${vf32(TWO_M14)})`;
  const mag = `(v128.bitselect ${sub} ${normal} (i32x4.eq ${e} ${vi32(0)}))`;
  return `(v128.or ${mag} (i32x4.shl (v128.and ${x} ${vi32(0x8000)}) (i32.const 16)))`;
}

/** f32x4 -> four float16 bit patterns (i32x4 lanes), rounded to nearest even. */
export function encodeVector(tmp: Tmp, v: string): string {
  const b = tmp("v128", v);
  const a = tmp("v128", `(v128.and ${b} ${vi32(0x7fffffff)})`);
  const r = tmp("v128", `(i32x4.add (i32x4.add ${a} ${vi32(0xfff)}) (v128.and (i32x4.shr_u ${a} (i32.const 13)) ${vi32(1)}))`);
  const normal = `(v128.bitselect ${vi32(0x7c00)} (i32x4.shr_u (i32x4.sub ${r} ${vi32(0x38000000)}) (i32.const 13)) (i32x4.ge_u ${r} ${vi32(0x47800000)}))`;
  const sub = `(i32x4.sub (f32x4.add ${a} ${vf32(0.5)}) ${vi32(0x3f000000)})`;
  const signed = `(v128.or (v128.and (i32x4.shr_u ${b} (i32.const 16)) ${vi32(0x8000)}) (v128.bitselect ${sub} ${normal} (i32x4.lt_u ${a} ${vi32(0x38800000)})))`;
  return `(v128.bitselect ${vi32(0x7e00)} ${signed} (i32x4.gt_u ${a} ${vi32(0x7f800000)}))`;
}

/**
 * decode(encode(x)) for an f32 x, without the bits in between: x rounded to the nearest float16
 * value (ties to even), as an f32; overflow to infinity, NaN to the canonical f32 NaN (what
 * decoding 0x7e00 gives). A widened float16 expression rounds here between two operations.
 */
export function roundScalar(tmp: Tmp, v: string): string {
  const x = tmp("f32", v);
  const b = tmp("i32", `(i32.reinterpret_f32 ${x})`);
  const a = tmp("i32", `(i32.and ${b} ${i32c(0x7fffffff)})`);
  const r = tmp("i32", `(i32.and (i32.add (i32.add ${a} ${i32c(0xfff)}) (i32.and (i32.shr_u ${a} ${i32c(13)}) ${i32c(1)})) ${i32c(0xffffe000 | 0)})`);
  const normal = `(select ${i32c(0x7f800000)} ${r} (i32.ge_u ${r} ${i32c(0x47800000)}))`;
  const sub = `(i32.reinterpret_f32 (f32.sub (f32.add (f32.abs ${x}) (f32.const 0.5)) (f32.const 0.5)))`;
  const mag = `(select ${i32c(0x7fc00000)} (select ${sub} ${normal} (i32.lt_u ${a} ${i32c(0x38800000)})) (i32.gt_u ${a} ${i32c(0x7f800000)}))`;
  return `(f32.reinterpret_i32 (i32.or ${mag} (i32.and ${b} ${i32c(0x80000000 | 0)})))`;
}

/** roundScalar on f32x4. */
export function roundVector(tmp: Tmp, v: string): string {
  const b = tmp("v128", v);
  const a = tmp("v128", `(v128.and ${b} ${vi32(0x7fffffff)})`);
  const r = tmp("v128", `(v128.and (i32x4.add (i32x4.add ${a} ${vi32(0xfff)}) (v128.and (i32x4.shr_u ${a} (i32.const 13)) ${vi32(1)})) ${vi32(0xffffe000 | 0)})`);
  const normal = `(v128.bitselect ${vi32(0x7f800000)} ${r} (i32x4.ge_u ${r} ${vi32(0x47800000)}))`;
  const sub = `(f32x4.sub (f32x4.add ${a} ${vf32(0.5)}) ${vf32(0.5)})`;
  const mag = `(v128.bitselect ${vi32(0x7fc00000)} (v128.bitselect ${sub} ${normal} (i32x4.lt_u ${a} ${vi32(0x38800000)})) (i32x4.gt_u ${a} ${vi32(0x7f800000)}))`;
  return `(v128.or ${mag} (v128.and ${b} ${vi32(0x80000000 | 0)}))`;
}
