/**
 * Arithmetic on the narrow dtypes (int8, uint8, float16) in kernels, by widening: an equation
 * is lowered as the same primitive on wide operands (int32, float32), and its result narrowed
 * back, which is how the reference computes them:
 *
 * - float16: the reference widens every operand to float32 (exactly), runs the float32 kernel
 *   and rounds each float16 result to nearest even (codegen/ref/index.ts evalWidened), so one
 *   rounding per equation, and kernels do the same (float16 values live as their bits; the
 *   renderer's conversions decode and encode them). Sums and products accumulate in float64:
 *   the reference's float32 reductions accumulate in double and round once, and a float64 sum of
 *   float16 terms is exact (for fewer than 2^13 of them) and in the same order beyond.
 * - int8/uint8: every result is the exact result modulo 2^8 (XLA's semantics at 8 bits), and
 *   int32 arithmetic on the extended values is exact modulo 2^32, so the wrap on the way back
 *   gives the same bits; where the 8-bit semantics differ from int32's on the extended value,
 *   the operand is reinterpreted first: a logical right shift of an int8 shifts its zero-extended
 *   pattern, an arithmetic one of a uint8 its sign-extended one (shift amounts of 8..31 then
 *   shift everything out, as at 8 bits). max/min reductions clamp instead of wrapping, so that
 *   an empty one gives the 8-bit identity (-128, 127, 0, 255).
 *
 * Moves (views, gathers, selects, conversions, iota) need no widening: they keep the bits.
 */
import { ShapedArray } from "../../ir/aval.js";
import { type DType, castScalar } from "../../ir/dtype.js";
import { type Atom, type Eqn, Var } from "../../ir/jaxpr.js";
import { type Primitive, isBinary, isComparison, isUnary } from "../../ir/primitives.js";
import type { NodeFactory, SExpr } from "./sexpr.js";

const byteInts = new Set<DType>(["int8", "uint8"]);

/** Primitives whose result is a value computed from its operands' values (not a move of their bits). */
const computedPrims = new Set<Primitive>([
  "round",
  "integerPow",
  "clamp",
  "reduceSum",
  "reduceProd",
  "reduceMax",
  "reduceMin",
  "reduceAnd",
  "reduceOr",
  "argmax",
  "argmin",
  "reduceWindowSum",
  "reduceWindowMax",
  "reduceWindowMin",
]);

/** Whether kernels compute `p` on narrow operands by widening (elementwise ops, reductions, pooling). */
export const widensNarrow = (p: Primitive): boolean => isUnary(p) || isBinary(p) || isComparison(p) || computedPrims.has(p);

/** Primitives that keep an int8/uint8 value in range, so need no widening (max and min of two in-range values, clamps, comparisons). */
const inRangeOps = new Set<Primitive>(["max", "min", "clamp"]);

const maxLike = new Set<Primitive>(["reduceMax", "reduceMin", "reduceWindowMax", "reduceWindowMin"]);
const sumLike = new Set<Primitive>(["reduceSum", "reduceProd", "reduceWindowSum"]);

/** The widened form of an equation: fresh input and output variables of wide dtypes. */
export interface Widening {
  readonly eqn: Eqn;
  /** The wide result, narrowed to the equation's own output dtype. */
  finish(f: NodeFactory, wide: SExpr): SExpr;
}

interface Alias {
  readonly orig: Atom;
  readonly read: (f: NodeFactory, x: SExpr) => SExpr;
}

const aliases = new WeakMap<Var, Alias>();
const widenings = new WeakMap<Eqn, Widening | null>();

/** For a widened equation's input: the original operand and how to widen its value. */
export const widenedOperand = (a: Atom): Alias | undefined => (a instanceof Var ? aliases.get(a) : undefined);

/** The widening of `e`, or null when it computes in its own dtypes. */
export function widening(e: Eqn): Widening | null {
  let w = widenings.get(e);
  if (w === undefined) {
    w = makeWidening(e);
    widenings.set(e, w);
  }
  return w;
}

function needsWidening(e: Eqn): boolean {
  if (!widensNarrow(e.primitive)) return false;
  const dtypes = [...e.inputs.map((a) => a.aval.dtype), ...e.outVars.map((v) => v.aval.dtype)];
  if (dtypes.includes("float16")) return true;
  if (!dtypes.some((d) => byteInts.has(d))) return false;
  return !(inRangeOps.has(e.primitive) || isComparison(e.primitive));
}

function makeWidening(e: Eqn): Widening | null {
  if (!needsWidening(e)) return null;
  const p = e.primitive;
  const outDtype = e.outVars[0]!.aval.dtype;
  const f16Sum = outDtype === "float16" && sumLike.has(p);
  const wideOf = (d: DType): DType => (d === "float16" ? (f16Sum ? "float64" : "float32") : byteInts.has(d) ? "int32" : d);
  const inputs = e.inputs.map((a, k) => {
    const d = a.aval.dtype;
    const to = wideOf(d);
    if (to === d) return a;
    // the 8-bit pattern a shift of this width sees (see the module comment)
    const via: DType | null = k === 0 && p === "shiftRightLogical" && d === "int8" ? "uint8" : k === 0 && p === "shiftRightArithmetic" && d === "uint8" ? "int8" : null;
    const read = (f: NodeFactory, x: SExpr): SExpr => {
      if (x.k === "const") return f.const(castScalar(via ? castScalar(x.value, via) : x.value, to), to);
      return f.convert(via ? f.convert(x, via) : x, to);
    };
    const v = new Var(new ShapedArray(a.aval.shape, to, a.aval.weakType));
    aliases.set(v, { orig: a, read });
    return v;
  });
  const outVars = e.outVars.map((v) => new Var(widenAval(v.aval, wideOf(v.aval.dtype))));
  const eqn = { ...e, inputs, outVars } as Eqn;
  const finish = (f: NodeFactory, wide: SExpr): SExpr => {
    if (outDtype === "float16") return f.convert(wide, "float16");
    if (!byteInts.has(outDtype)) return wide;
    if (maxLike.has(p)) {
      const [lo, hi] = outDtype === "int8" ? [-128, 127] : [0, 255];
      return f.convert(f.clamp(f.const(lo, "int32"), wide, f.const(hi, "int32"), "int32"), outDtype);
    }
    return f.convert(wide, outDtype);
  };
  return { eqn, finish };
}

const widenAval = (a: ShapedArray, d: DType): ShapedArray => (a.dtype === d ? a : new ShapedArray(a.shape, d, a.weakType));
