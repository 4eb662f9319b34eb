/**
 * Emits the scalar expressions of one kernel inside the loop nest of LoopNestEmitter
 * (loopNest.ts), in scalar mode (one element) or vector mode (4 lanes of f32x4 / i32x4 along
 * the innermost variable): arithmetic, comparisons, selects, conversions, transcendentals
 * (vectorized polynomials from simdmath.ts, or the host's double functions), and reductions.
 *
 * Loop-invariant code motion is structural: every expression node (and every partial index
 * sum) is emitted at the depth of the deepest loop variable it depends on, into the preheader
 * of the next loop, and memoized there; so a broadcast operand is loaded (and splatted) once
 * per row, not once per element, and a shared subexpression is computed once.
 */
import type { DType } from "../../ir/dtype.js";
import type { BinaryPrimitive, UnaryPrimitive } from "../../ir/primitives.js";
import { type IVar, coefOf, inAtoms } from "../kernel/iexpr.js";
import type { SExpr } from "../kernel/sexpr.js";
import { adjacentBytePair, byteClipParts, clippedToByteRange, reluScaledRound } from "../kernel/narrow.js";
import {
  F,
  bitcastScalar,
  bitcastVector,
  combineScalar,
  combineVector,
  convertScalar,
  convertVector,
  isF,
  reduceIdentity,
  scalarClamp,
  scalarCompare,
  vectorClamp,
  vectorCompare,
} from "./instructions.js";
import { type Tmp, decodeScalar, decodeVector, encodeScalar, encodeVector, roundScalar, roundVector } from "./float16.js";
import { ACC, type Level, LoopNestEmitter } from "./loopNest.js";
import { type Asm, nativeF32x4 } from "./simdmath.js";
import { type WasmType, get, i32c, scalarConst, scalarType, vectorConst, vf32, vi32 } from "./wat.js";

export type { EmitOptions, ImportSink, TrigMode } from "./loopNest.js";
export { combineScalar, combineVector, convertScalar, reduceIdentity } from "./instructions.js";

/** Unary float functions the host provides (ref semantics: computed in double). */
const hostUnaryFns: Partial<Record<UnaryPrimitive, string>> = {
  exp: "exp",
  exp2: "exp2",
  log: "log",
  expm1: "expm1",
  log1p: "log1p",
  tanh: "tanh",
  logistic: "logistic",
  sin: "sin",
  cos: "cos",
  tan: "tan",
  asin: "asin",
  acos: "acos",
  atan: "atan",
  sinh: "sinh",
  cosh: "cosh",
  asinh: "asinh",
  acosh: "acosh",
  atanh: "atanh",
  cbrt: "cbrt",
  erf: "erf",
  erfc: "erfc",
  erfInv: "erfInv",
};

/** float32 -> float16 -> float32 (a widened float16 result read by the next widened operation): one rounding in f32 (float16.ts). */
const isFloat16Round = (e: SExpr): e is SExpr & { k: "convert"; a: SExpr & { k: "convert"; a: SExpr } } =>
  e.k === "convert" && e.dtype === "float32" && e.a.k === "convert" && e.a.dtype === "float16" && e.a.a.dtype === "float32";

export class KernelEmitter extends LoopNestEmitter {
  // ---------------------------------------------------------------------------------------
  // Expressions.

  /**
   * The value of a node in the requested mode: a scalar, or a vector (a lane-independent node
   * is computed once as a scalar and splatted).
   */
  value(e: SExpr, vector: boolean): string {
    if (e.k === "const") return vector ? vectorConst(e.value, e.dtype) : scalarConst(e.value, e.dtype);
    if (e.k === "acc") {
      if (this.accValue === null) throw new Error("internal: accumulator used outside a contraction epilogue");
      const laneAcc = this.laneIds.has(ACC);
      if (laneAcc && !vector) throw new Error("internal: vector accumulator in scalar context");
      return laneAcc || !vector ? this.accValue : this.splat(this.laneType(e.dtype), this.accValue);
    }
    const lane = this.isLane(e);
    if (lane) {
      if (!vector) throw new Error("internal: lane-varying value requested as a scalar");
      return this.node(e, true);
    }
    const s = this.node(e, false);
    if (!vector) return s;
    const key = `${e.id}|splat`;
    const hit = this.lookup(key);
    if (hit) return hit;
    const d = e.k === "reduce" ? this.depth : this.depthOfIds(this.depsOf(e));
    return this.define(key, d, "v128", this.splat(this.laneType(e.dtype), s), "sp");
  }

  private node(e: SExpr, vector: boolean): string {
    const key = `${e.id}|${vector ? "v" : "s"}`;
    const hit = this.lookup(key);
    if (hit) return hit;
    // A reduction opens its loops here; everything else goes to the depth of its dependencies.
    const d = e.k === "reduce" ? this.depth : this.depthOfIds(this.depsOf(e));
    const saved = this.levels;
    // Emit at depth d: temporarily truncate the level stack so that helpers write there.
    let expr: string;
    if (d < this.depth) {
      const truncated = this.levels.slice(0, d + 1);
      const preLevel: Level = { v: null, body: this.levels[d + 1]!.pre, pre: truncated[d]!.pre, memo: truncated[d]!.memo };
      this.levels = [...truncated.slice(0, d), preLevel];
      try {
        expr = vector ? this.vectorExpr(e) : this.scalarExpr(e);
      } finally {
        this.levels = saved;
      }
    } else expr = vector ? this.vectorExpr(e) : this.scalarExpr(e);
    const type: WasmType = vector ? "v128" : scalarType(e.dtype);
    return this.define(key, d, type, expr, vector ? "v" : "s");
  }

  private scalarExpr(e: SExpr): string {
    const v = (x: SExpr) => this.value(x, false);
    switch (e.k) {
      case "load":
        return this.scalarLoad(e.buf, this.index(e.index), e.dtype);
      case "iota":
        return this.convert(this.index(e.index), "int32", e.dtype, false);
      case "icond": {
        const x = this.index(e.index);
        return e.op === "lt" ? `(i32.lt_s ${x} ${i32c(e.c)})` : e.op === "ge" ? `(i32.ge_s ${x} ${i32c(e.c)})` : `(i32.eq ${x} ${i32c(e.c)})`;
      }
      case "unary":
        return this.scalarUnary(e.op, e.a.dtype, v(e.a));
      case "binary":
        return this.scalarBinary(e.op, e.a.dtype, v(e.a), v(e.b));
      case "compare":
        return scalarCompare(e.op, e.a.dtype, v(e.a), v(e.b));
      case "select": {
        const w = v(e.which);
        const cases = e.cases.map(v);
        if (e.which.dtype === "bool") return `(select ${cases[1]} ${cases[0]} ${w})`;
        let r = cases[cases.length - 1]!;
        for (let k = cases.length - 2; k >= 0; k--) r = `(select ${cases[k]} ${r} (i32.le_s ${w} ${i32c(k)}))`;
        return r;
      }
      case "clamp":
        return scalarClamp(e.dtype, v(e.lo), v(e.x), v(e.hi));
      case "convert":
        if (isFloat16Round(e)) return roundScalar((t, s) => this.tmp(t, s, "h"), v(e.a.a));
        return this.convert(v(e.a), e.a.dtype, clippedToByteRange(e.a, e.dtype) ? "int32" : e.dtype, false);
      case "bitcast":
        return bitcastScalar(v(e.a), e.a.dtype, e.dtype);
      case "round": {
        const x = v(e.a);
        if (e.method === "toNearestEven") return `(${F(e.dtype)}.nearest ${x})`;
        const f = F(e.dtype);
        const t = this.tmp(f, `(${f}.trunc ${x})`);
        const one = `(${f}.copysign (${f}.const 1) ${x})`;
        return `(${f}.copysign (select (${f}.add ${t} ${one}) ${t} (${f}.ge (${f}.abs (${f}.sub ${x} ${t})) (${f}.const 0.5))) ${x})`;
      }
      case "ipow":
        return this.ipow(v(e.a), e.y, e.dtype, false);
      case "reduce":
        return this.reduce(e, false);
      case "const":
      case "acc":
        return this.value(e, false);
    }
  }

  /**
   * Paired words of adjacent bytes gathered at a stride (an int8 convolution's pack over output
   * positions): each lane's two bytes in one 16-bit load, widened to int16 halves, instead of
   * eight byte loads, lane inserts and the masking (narrow.ts adjacentBytePair).
   */
  private bytePairs(e: SExpr): string | null {
    const pair = adjacentBytePair(e);
    const u = pair && this.laneVarOf(pair.index);
    if (!pair || !u || (coefOf(pair.index, u) === 1 && !inAtoms(pair.index, u))) return null;
    let bytes = "(v128.const i32x4 0 0 0 0)";
    for (let l = 0; l < 4; l++) bytes = this.tmp("v128", `(v128.load16_lane ${l} ${this.address(pair.buf, this.laneIndex(pair.index, l), pair.dtype)} ${bytes})`);
    return `(i16x8.extend_low_i8x16_${pair.dtype === "int8" ? "s" : "u"} ${bytes})`;
  }

  private vectorExpr(e: SExpr): string {
    const v = (x: SExpr) => this.value(x, true);
    switch (e.k) {
      case "load": {
        const u = this.laneVarOf(e.index);
        if (u !== null && coefOf(e.index, u) === 1 && !inAtoms(e.index, u) && e.dtype !== "float64") {
          const addr = this.address(e.buf, this.index(e.index), e.dtype);
          if (e.dtype === "bool") return `(i32x4.extend_low_i16x8_u (i16x8.extend_low_i8x16_u (v128.load32_zero ${addr})))`;
          if (e.dtype === "int8") return `(i32x4.extend_low_i16x8_s (i16x8.extend_low_i8x16_s (v128.load32_zero ${addr})))`;
          if (e.dtype === "uint8") return `(i32x4.extend_low_i16x8_u (i16x8.extend_low_i8x16_u (v128.load32_zero ${addr})))`;
          if (e.dtype === "float16") return `(i32x4.extend_low_i16x8_u (v128.load64_zero ${addr}))`;
          return `(v128.load ${addr})`;
        }
        const lanes = [0, 1, 2, 3].map((l) => this.tmp(scalarType(e.dtype), this.scalarLoad(e.buf, this.laneIndex(e.index, l), e.dtype)));
        return this.build(this.laneType(e.dtype), lanes);
      }
      case "iota":
        return this.convert(this.vectorIndex(e.index), "int32", e.dtype, true);
      case "icond": {
        const x = this.vectorIndex(e.index);
        const c = vi32(e.c);
        const m = e.op === "lt" ? `(i32x4.lt_s ${x} ${c})` : e.op === "ge" ? `(i32x4.ge_s ${x} ${c})` : `(i32x4.eq ${x} ${c})`;
        return `(i32x4.neg ${m})`;
      }
      case "unary":
        return this.vectorUnary(e, v(e.a));
      case "binary":
        return this.bytePairs(e) ?? this.vectorBinary(e, v(e.a), v(e.b));
      case "compare": {
        const r = vectorCompare(e.op, e.a.dtype, v(e.a), v(e.b));
        return r ?? this.lanes(e, [v(e.a), v(e.b)], [e.a.dtype, e.b.dtype], (a) => scalarCompare(e.op, e.a.dtype, a[0]!, a[1]!));
      }
      case "select": {
        const w = v(e.which);
        const cases = e.cases.map(v);
        if (e.which.dtype === "bool") return `(v128.bitselect ${cases[1]} ${cases[0]} (i32x4.neg ${w}))`;
        const wl = this.tmp("v128", w);
        let r = cases[cases.length - 1]!;
        for (let k = cases.length - 2; k >= 0; k--) r = `(v128.bitselect ${cases[k]} ${r} (i32x4.le_s ${wl} ${vi32(k)}))`;
        return r;
      }
      case "clamp": {
        const r = vectorClamp(e.dtype, v(e.lo), v(e.x), v(e.hi));
        return r;
      }
      case "convert":
        if (isFloat16Round(e)) return roundVector((t, s) => this.tmp(t, s, "h"), v(e.a.a));
        {
          // a quantization's clip: truncate, then clamp in int32 (byteClipParts: the same value)
          const clip = byteClipParts(e.a, e.dtype);
          if (clip) {
            const [[op1, b1], [op2, b2]] = [clip.first, clip.second];
            // a relu before the scaling: an int32 max with 0 after truncating (reluScaledRound), not a float max
            const relu = reluScaledRound(clip.y);
            if (relu) {
              const y = `(f32x4.nearest (f32x4.${relu.op} ${v(relu.z)} ${vf32(relu.c)}))`;
              const [lo, hi] = op1 === "max" ? [b1, b2] : [b2, b1];
              return `(i32x4.min_s (i32x4.max_s (i32x4.trunc_sat_f32x4_s ${y}) ${vi32(Math.max(lo, 0))}) ${vi32(hi)})`;
            }
            return `(i32x4.${op2}_s (i32x4.${op1}_s (i32x4.trunc_sat_f32x4_s ${v(clip.y)}) ${vi32(b1)}) ${vi32(b2)})`;
          }
        }
        // a clip already saturated it: truncate without clamping again (same value, NaN -> 0 too)
        return this.convert(v(e.a), e.a.dtype, clippedToByteRange(e.a, e.dtype) ? "int32" : e.dtype, true);
      case "bitcast":
        return bitcastVector(v(e.a), e.a.dtype, e.dtype);
      case "round": {
        const x = this.tmp("v128", v(e.a));
        if (e.method === "toNearestEven") return `(f32x4.nearest ${x})`;
        const SIGN = vi32(0x80000000);
        const t = this.tmp("v128", `(f32x4.trunc ${x})`);
        const big = `(f32x4.ge (f32x4.abs (f32x4.sub ${x} ${t})) ${vf32(0.5)})`;
        const one = `(v128.or (v128.and ${x} ${SIGN}) ${vf32(1)})`;
        const r = this.tmp("v128", `(f32x4.add ${t} (v128.and ${one} ${big}))`);
        return `(v128.or (v128.and ${x} ${SIGN}) (v128.andnot ${r} ${SIGN}))`;
      }
      case "ipow":
        return this.ipow(v(e.a), e.y, e.dtype, true);
      case "reduce":
        return this.reduce(e, true);
      case "const":
      case "acc":
        return this.value(e, true);
    }
  }

  /** A conversion; float16's (bits in i32 lanes) through float32, as the reference converts (float16.ts). */
  private convert(x: string, from: DType, to: DType, vector: boolean): string {
    const conv = vector ? convertVector : convertScalar;
    if (from !== "float16" && to !== "float16") return conv(x, from, to);
    const tmp: Tmp = (t, s) => this.tmp(t, s, "h");
    if (from === "float16") return conv(vector ? decodeVector(tmp, x) : decodeScalar(tmp, x), "float32", to);
    const wide = conv(x, from, "float32"); // a float64 or int32 rounds to float32 first, as in the reference
    return vector ? encodeVector(tmp, wide) : encodeScalar(tmp, wide);
  }

  /** Per-lane fallback: extract each lane of the operands, compute the scalar form, rebuild. */
  private lanes(e: SExpr, operands: readonly string[], dtypes: readonly DType[], scalar: (a: readonly string[]) => string): string {
    const ops = operands.map((o) => this.tmp("v128", o));
    const results: string[] = [];
    for (let l = 0; l < 4; l++) {
      const a = ops.map((o, i) => this.tmp(scalarType(dtypes[i]!), this.extract(dtypes[i]!, o, l)));
      results.push(this.tmp(scalarType(e.dtype), scalar(a)));
    }
    return this.build(this.laneType(e.dtype), results);
  }

  private ipow(x0: string, y: number, dtype: DType, vector: boolean): string {
    const mul = vector ? (dtype === "float32" ? "f32x4.mul" : "i32x4.mul") : isF(dtype) ? `${F(dtype)}.mul` : "i32.mul";
    const type: WasmType = vector ? "v128" : scalarType(dtype);
    if (y === 0) return vector ? vectorConst(1, dtype) : scalarConst(1, dtype);
    let n = Math.abs(y);
    let acc: string | null = null;
    let base = this.tmp(type, x0);
    while (n > 0) {
      if (n & 1) acc = acc === null ? base : this.tmp(type, `(${mul} ${acc} ${base})`);
      n = Math.floor(n / 2);
      if (n > 0) base = this.tmp(type, `(${mul} ${base} ${base})`);
    }
    if (y > 0) return acc!;
    return vector ? `(f32x4.div ${vf32(1)} ${acc})` : `(${F(dtype)}.div (${F(dtype)}.const 1) ${acc})`;
  }

  /** A vectorized f32 math function run on one scalar (lane 0 of a splat), so tails match bodies. */
  private viaVector(fnName: string, x: string): string {
    const f = nativeF32x4[fnName]!;
    const r = f(this.asm(), `(f32x4.splat ${x})`);
    return `(f32x4.extract_lane 0 ${r})`;
  }

  private asm(): Asm {
    return {
      tmp: (expr) => this.tmp("v128", expr, "m"),
      local: () => this.fn.local("v128", "m"),
      emit: (s) => this.emit(s),
      hostUnary: (name) => this.imports.hostMath(name, 1),
      trigFlag: this.trig.mode === "flag" ? this.trig.flag : undefined,
      fma: this.opts.relaxedSimd,
    };
  }

  private hostCall1(name: string, dtype: DType, x: string): string {
    const fn = this.imports.hostMath(name, 1);
    return dtype === "float64" ? `(call ${fn} ${x})` : `(f32.demote_f64 (call ${fn} (f64.promote_f32 ${x})))`;
  }

  private hostCall2(name: string, dtype: DType, a: string, b: string): string {
    const fn = this.imports.hostMath(name, 2);
    return dtype === "float64" ? `(call ${fn} ${a} ${b})` : `(f32.demote_f64 (call ${fn} (f64.promote_f32 ${a}) (f64.promote_f32 ${b})))`;
  }

  private scalarUnary(op: UnaryPrimitive, d: DType, a: string): string {
    if (isF(d)) {
      const f = F(d);
      switch (op) {
        case "neg":
        case "abs":
        case "floor":
        case "ceil":
        case "sqrt":
          return `(${f}.${op} ${a})`;
        case "sign":
          return `(select (${f}.copysign (${f}.const 1) ${a}) ${a} (${f}.gt (${f}.abs ${a}) (${f}.const 0)))`;
        case "square":
          return `(${f}.mul ${a} ${a})`;
        case "isFinite":
          return `(${f}.lt (${f}.abs ${a}) (${f}.const inf))`;
        case "rsqrt":
          return d === "float64" ? `(f64.div (f64.const 1) (f64.sqrt ${a}))` : `(f32.demote_f64 (f64.div (f64.const 1) (f64.sqrt (f64.promote_f32 ${a}))))`;
        default: {
          if (d === "float32" && nativeF32x4[op] && !(this.trig.mode === "exact" && (op === "sin" || op === "cos"))) return this.viaVector(op, a);
          const name = hostUnaryFns[op];
          if (!name) throw new Error(`internal: no float lowering for ${op}`);
          return this.hostCall1(name, d, a);
        }
      }
    }
    const unsigned = d === "uint32";
    switch (op) {
      case "neg":
        return `(i32.sub (i32.const 0) ${a})`;
      case "sign":
        return unsigned ? `(i32.ne ${a} (i32.const 0))` : `(i32.sub (i32.gt_s ${a} (i32.const 0)) (i32.lt_s ${a} (i32.const 0)))`;
      case "abs":
        return unsigned ? a : `(select ${a} (i32.sub (i32.const 0) ${a}) (i32.ge_s ${a} (i32.const 0)))`;
      case "square":
        return `(i32.mul ${a} ${a})`;
      case "not":
        return d === "bool" ? `(i32.xor ${a} (i32.const 1))` : `(i32.xor ${a} (i32.const -1))`;
      default:
        throw new Error(`internal: ${op} on ${d}`);
    }
  }

  private scalarBinary(op: BinaryPrimitive, d: DType, a: string, b: string): string {
    if (isF(d)) {
      const f = F(d);
      switch (op) {
        case "add":
        case "sub":
        case "mul":
        case "div":
        case "max":
        case "min":
          return `(${f}.${op} ${a} ${b})`;
        case "pow":
          return this.hostCall2("pow", d, a, b);
        case "atan2":
          return this.hostCall2("atan2", d, a, b);
        case "rem":
          return this.hostCall2("fmod", d, a, b);
        case "nextafter":
          return this.hostCall2(d === "float32" ? "nextafter32" : "nextafter64", d, a, b);
        default:
          throw new Error(`internal: ${op} on ${d}`);
      }
    }
    if (d === "bool") {
      switch (op) {
        case "add":
        case "max":
        case "or":
          return `(i32.or ${a} ${b})`;
        case "mul":
        case "min":
        case "and":
          return `(i32.and ${a} ${b})`;
        case "xor":
          return `(i32.xor ${a} ${b})`;
        default:
          throw new Error(`internal: ${op} on bool`);
      }
    }
    const s = d === "uint32" ? "u" : "s";
    switch (op) {
      case "add":
      case "sub":
      case "mul":
      case "and":
      case "or":
      case "xor":
        return `(i32.${op} ${a} ${b})`;
      case "max":
        return `(select ${a} ${b} (i32.gt_${s} ${a} ${b}))`;
      case "min":
        return `(select ${a} ${b} (i32.lt_${s} ${a} ${b}))`;
      case "div": {
        if (s === "u") return `(select (i32.const -1) (i32.div_u ${a} (select (i32.const 1) ${b} (i32.eqz ${b}))) (i32.eqz ${b}))`;
        const bad = `(i32.or (i32.eqz ${b}) (i32.and (i32.eq ${a} (i32.const -2147483648)) (i32.eq ${b} (i32.const -1))))`;
        return `(select (i32.const -1) (i32.div_s ${a} (select (i32.const 1) ${b} ${bad})) (i32.eqz ${b}))`;
      }
      case "rem":
        return `(select ${a} (i32.rem_${s} ${a} (select (i32.const 1) ${b} (i32.eqz ${b}))) (i32.eqz ${b}))`;
      case "shiftLeft":
        return `(select (i32.shl ${a} ${b}) (i32.const 0) (i32.lt_u ${b} (i32.const 32)))`;
      case "shiftRightLogical":
        return `(select (i32.shr_u ${a} ${b}) (i32.const 0) (i32.lt_u ${b} (i32.const 32)))`;
      case "shiftRightArithmetic":
        return `(i32.shr_s ${a} (select ${b} (i32.const 31) (i32.lt_u ${b} (i32.const 32))))`;
      default:
        throw new Error(`internal: ${op} on ${d}`);
    }
  }

  private vectorUnary(e: SExpr & { k: "unary" }, a: string): string {
    const d = e.a.dtype;
    const op = e.op;
    if (d === "float32") {
      switch (op) {
        case "neg":
        case "abs":
        case "floor":
        case "ceil":
        case "sqrt":
          return `(f32x4.${op} ${a})`;
        case "square": {
          const x = this.tmp("v128", a);
          return `(f32x4.mul ${x} ${x})`;
        }
        case "sign": {
          const x = this.tmp("v128", a);
          const one = `(v128.or (v128.and ${x} ${vi32(0x80000000)}) ${vf32(1)})`;
          return `(v128.bitselect ${one} ${x} (f32x4.gt (f32x4.abs ${x}) ${vf32(0)}))`;
        }
        case "isFinite":
          return `(i32x4.neg (f32x4.lt (f32x4.abs ${a}) ${vf32(Infinity)}))`;
        case "rsqrt":
          return `(f32x4.div ${vf32(1)} (f32x4.sqrt ${a}))`;
        default: {
          const native = nativeF32x4[op];
          if (native && !(this.trig.mode === "exact" && (op === "sin" || op === "cos"))) return native(this.asm(), a);
          return this.lanes(e, [a], [d], (x) => this.scalarUnary(op, d, x[0]!));
        }
      }
    }
    switch (op) {
      case "neg":
        return `(i32x4.neg ${a})`;
      case "abs":
        return d === "int32" ? `(i32x4.abs ${a})` : a;
      case "square": {
        const x = this.tmp("v128", a);
        return `(i32x4.mul ${x} ${x})`;
      }
      case "not":
        return d === "bool" ? `(v128.xor ${a} ${vi32(1)})` : `(v128.not ${a})`;
      case "sign": {
        const x = this.tmp("v128", a);
        if (d === "uint32") return `(i32x4.neg (i32x4.ne ${x} ${vi32(0)}))`;
        return `(i32x4.sub (i32x4.neg (i32x4.gt_s ${x} ${vi32(0)})) (i32x4.neg (i32x4.lt_s ${x} ${vi32(0)})))`;
      }
      default:
        return this.lanes(e, [a], [d], (x) => this.scalarUnary(op, d, x[0]!));
    }
  }

  private vectorBinary(e: SExpr & { k: "binary" }, a: string, b: string): string {
    const d = e.a.dtype;
    const op = e.op;
    // Shifts by a constant amount: one instruction (amounts of 32 or more follow the reference).
    if ((op === "shiftLeft" || op === "shiftRightLogical" || op === "shiftRightArithmetic") && e.b.k === "const") {
      const n = e.b.value >>> 0;
      if (op === "shiftRightArithmetic") return `(i32x4.shr_s ${a} (i32.const ${Math.min(n, 31)}))`;
      if (n >= 32) return vi32(0);
      return `(i32x4.${op === "shiftLeft" ? "shl" : "shr_u"} ${a} (i32.const ${n}))`;
    }
    if (d === "float32") {
      switch (op) {
        case "add":
        case "sub":
        case "mul":
        case "div":
        case "max":
        case "min":
          return `(f32x4.${op} ${a} ${b})`;
      }
    } else if (d === "bool") {
      switch (op) {
        case "add":
        case "max":
        case "or":
          return `(v128.or ${a} ${b})`;
        case "mul":
        case "min":
        case "and":
          return `(v128.and ${a} ${b})`;
        case "xor":
          return `(v128.xor ${a} ${b})`;
      }
    } else {
      const s = d === "uint32" ? "u" : "s";
      switch (op) {
        case "add":
        case "sub":
        case "mul":
          return `(i32x4.${op} ${a} ${b})`;
        case "and":
        case "or":
        case "xor":
          return `(v128.${op} ${a} ${b})`;
        case "max":
          return `(i32x4.max_${s} ${a} ${b})`;
        case "min":
          return `(i32x4.min_${s} ${a} ${b})`;
      }
    }
    return this.lanes(e, [a, b], [d, d], (x) => this.scalarBinary(op, d, x[0]!, x[1]!));
  }

  // ---------------------------------------------------------------------------------------
  // Reductions.

  /** Which variable a reduction vectorizes along, when emitted in scalar mode: its innermost reduced one. */
  reduceVectorVar: ((e: SExpr & { k: "reduce" }) => IVar | null) | null = null;

  /**
   * One chunk of a reduction split over threads (reduceSplit.ts): its outermost reduced variable
   * runs over [lo, hi) (i32 expressions, a non-empty range) instead of its whole extent.
   */
  reduceBounds: { readonly lo: string; readonly hi: string } | null = null;
  /** A reduction's value computed some other way (a split reduction's combine), or null for its loops. */
  reduceOverride: ((e: SExpr & { k: "reduce" }, vector: boolean) => string | null) | null = null;
  /** Whether map kernels may vectorize an argmax/argmin across outputs (a split one's partial and combine kernels keep it scalar). */
  vectorArgs = true;
  /** Receives an argmax/argmin's best value (a split reduction's partial stores it beside the index). */
  argBestSink: ((best: string) => void) | null = null;

  private reduce(e: SExpr & { k: "reduce" }, vector: boolean): string {
    const acc = e.body.dtype;
    const over = this.reduceOverride?.(e, vector);
    if (over != null) return over;
    const bounds = this.reduceBounds;
    const from = (i: number): number | string => (i === 0 && bounds ? bounds.lo : 0);
    const to = (i: number): number | string => (i === 0 && bounds ? bounds.hi : e.rvars[i]!.extent);
    if (e.op === "argmax" || e.op === "argmin") return vector ? this.argReduceVector(e) : this.argReduce(e);
    const id = reduceIdentity(e.op, acc);
    const inner = !vector && this.reduceVectorVar ? this.reduceVectorVar(e) : null;
    const rv = e.rvars;
    if (!vector && inner) {
      const accV = this.fn.local("v128", "acc");
      const accS = this.fn.local(scalarType(acc), "acc");
      this.emit(`(local.set ${accV} ${vectorConst(id, acc)})`);
      this.emit(`(local.set ${accS} ${scalarConst(id, acc)})`);
      const nest = (i: number) => {
        const v = rv[i]!;
        if (i < rv.length - 1) {
          this.loop(v, from(i), to(i), 1, () => nest(i + 1));
          return;
        }
        const vectorStep = () => this.emit(`(local.set ${accV} ${combineVector(e.op, acc, get(accV), this.value(e.body, true))})`);
        const scalarStep = () => this.emit(`(local.set ${accS} ${combineScalar(e.op, acc, get(accS), this.value(e.body, false))})`);
        if (i === 0 && bounds) {
          const full = this.tmp("i32", `(i32.add ${bounds.lo} (i32.and (i32.sub ${bounds.hi} ${bounds.lo}) (i32.const -4)))`, "full");
          this.loop(v, bounds.lo, full, 4, vectorStep, { vector: true, guard: `(i32.gt_s ${full} ${bounds.lo})` });
          this.loop(v, full, bounds.hi, 1, scalarStep, { guard: `(i32.lt_s ${full} ${bounds.hi})` });
          return;
        }
        const full = Math.floor(v.extent / 4) * 4;
        this.loop(v, 0, full, 4, vectorStep, { vector: true });
        this.loop(v, full, v.extent, 1, scalarStep);
      };
      if (rv.every((v) => v.extent > 0)) nest(0);
      let r = get(accS);
      for (let l = 0; l < 4; l++) r = this.tmp(scalarType(acc), combineScalar(e.op, acc, this.tmp(scalarType(acc), this.extract(acc, get(accV), l)), r));
      return r;
    }
    const type: WasmType = vector ? "v128" : scalarType(acc);
    const a = this.fn.local(type, "acc");
    this.emit(`(local.set ${a} ${vector ? vectorConst(id, acc) : scalarConst(id, acc)})`);
    const nest = (i: number) => {
      if (i === rv.length) {
        const x = this.value(e.body, vector);
        this.emit(`(local.set ${a} ${vector ? combineVector(e.op, acc, get(a), x) : combineScalar(e.op, acc, get(a), x)})`);
        return;
      }
      this.loop(rv[i]!, from(i), to(i), 1, () => nest(i + 1));
    };
    if (rv.every((v) => v.extent > 0)) nest(0);
    return get(a);
  }

  private argReduce(e: SExpr & { k: "reduce" }): string {
    const d = e.body.dtype;
    const t = scalarType(d);
    const best = this.fn.local(t, "best");
    const bestK = this.fn.local("i32", "bestk");
    const max = e.op === "argmax";
    this.emit(`(local.set ${best} ${scalarConst(argInit(d, max), d)})`);
    this.emit(`(local.set ${bestK} (i32.const 0))`);
    const rv = e.rvars[0]!;
    const bounds = this.reduceBounds;
    if (rv.extent > 0)
      this.loop(rv, bounds?.lo ?? 0, bounds?.hi ?? rv.extent, 1, (local) => {
        const x = this.tmp(t, this.value(e.body, false));
        const cond = e.selectFold ? selectReplaces(d, max, x, get(best)) : argBetter(d, max, x, get(best));
        this.emit(`(if ${cond} (then (local.set ${best} ${x}) (local.set ${bestK} ${get(local)})))`);
      });
    this.argBestSink?.(get(best));
    return get(bestK);
  }

  /**
   * argmax/argmin for four outputs at once (32-bit bodies; see vectorizable): each lane keeps its
   * best value and index as the scalar loop does, the replacement a lane mask (the same IEEE
   * comparisons lane by lane, so the same index wins, NaN rules and ties included).
   */
  private argReduceVector(e: SExpr & { k: "reduce" }): string {
    if (this.argBestSink !== null) throw new Error("internal: a split argmax partial is not vectorized");
    const d = e.body.dtype;
    const max = e.op === "argmax";
    const best = this.fn.local("v128", "best");
    const bestK = this.fn.local("v128", "bestk");
    this.emit(`(local.set ${best} ${vectorConst(argInit(d, max), d)})`);
    this.emit(`(local.set ${bestK} (v128.const i32x4 0 0 0 0))`);
    const rv = e.rvars[0]!;
    const bounds = this.reduceBounds;
    if (rv.extent > 0)
      this.loop(rv, bounds?.lo ?? 0, bounds?.hi ?? rv.extent, 1, (local) => {
        const x = this.tmp("v128", this.value(e.body, true));
        const cond = this.tmp("v128", e.selectFold ? selectReplacesVector(d, max, x, get(best)) : argBetterVector(d, max, x, get(best)));
        this.emit(`(local.set ${best} (v128.bitselect ${x} ${get(best)} ${cond}))`);
        this.emit(`(local.set ${bestK} (v128.bitselect (i32x4.splat ${get(local)}) ${get(bestK)} ${cond}))`);
      });
    return get(bestK);
  }
}

/** Body dtypes whose argmax/argmin has a vector form (argReduceVector). */
export const vectorArgDtypes: ReadonlySet<DType> = new Set<DType>(["float32", "int32", "uint32"]);

/** selectReplaces lane by lane (a mask): unless best >= x (<= x). */
function selectReplacesVector(d: DType, max: boolean, x: string, best: string): string {
  if (d !== "float32") return argBetterVector(d, max, x, best);
  return `(v128.not (f32x4.${max ? "ge" : "le"} ${best} ${x}))`;
}

/** argBetter lane by lane (a mask): strictly better, or the first NaN (which then stays). */
function argBetterVector(d: DType, max: boolean, x: string, best: string): string {
  if (d === "float32") {
    const better = max ? `(f32x4.gt ${x} ${best})` : `(f32x4.lt ${x} ${best})`;
    return `(v128.and (f32x4.eq ${best} ${best}) (v128.or ${better} (f32x4.ne ${x} ${x})))`;
  }
  const s = d === "int32" ? "s" : "u";
  return max ? `(i32x4.gt_${s} ${x} ${best})` : `(i32x4.lt_${s} ${x} ${best})`;
}

/** The starting best value of argmax/argmin over dtype d. */
export function argInit(d: DType, max: boolean): number {
  return isF(d) ? (max ? -Infinity : Infinity) : d === "int32" ? (max ? -0x80000000 : 0x7fffffff) : d === "uint32" ? (max ? 0 : 0xffffffff) : max ? 0 : 1;
}

/**
 * Whether x replaces best in a select fold (see the reduce node's selectFold): unless best >= x
 * (<= x), so a NaN on either side replaces; from -inf (+inf), the first position always does
 * but where it is -inf (+inf) itself, which leaves the first index held.
 */
export function selectReplaces(d: DType, max: boolean, x: string, best: string): string {
  if (!isF(d)) return argBetter(d, max, x, best);
  return `(i32.eqz (${F(d)}.${max ? "ge" : "le"} ${best} ${x}))`;
}

/**
 * Whether x replaces best in argmax/argmin scanned in index order: strictly better, or the first
 * NaN (which then stays), so ties keep the first index, as JAX.
 */
export function argBetter(d: DType, max: boolean, x: string, best: string): string {
  if (isF(d)) {
    const f = F(d);
    const better = max ? `(${f}.gt ${x} ${best})` : `(${f}.lt ${x} ${best})`;
    return `(i32.and (${f}.eq ${best} ${best}) (i32.or ${better} (${f}.ne ${x} ${x})))`;
  }
  const s = d === "int32" ? "s" : "u";
  return max ? `(i32.gt_${s} ${x} ${best})` : `(i32.lt_${s} ${x} ${best})`;
}
