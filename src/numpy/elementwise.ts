/**
 * Elementwise numpy functions: promotion and broadcasting at the boundary, then primitives.
 */
import { isFloat, isInt } from "../../ir/dtype.js";
import { type ArrayLike, JArray } from "../core/array.js";
import { customJvp } from "../autodiff/custom.js";
import * as lax from "../lax.js";
import { describe, scalar } from "../core/convert.js";
import { ConcretizationTypeError, ValueError } from "../errors.js";
import { type NonzeroOptions, nonzero } from "./indexing.js";
import { asArray, broadcastArgs, promoteArgs, promoteArgsInexact } from "./util.js";

type Binary = (x: ArrayLike, y: ArrayLike) => JArray;
type Unary = (x: ArrayLike) => JArray;

/** A numpy binary function: promote, broadcast, then apply `op`. */
function binary(fn: string, op: (x: JArray, y: JArray) => JArray, inexact = false): Binary {
  return (x, y) => {
    const fast = operandsAsIs(x, y, inexact);
    if (fast !== undefined) return op(fast[0], fast[1]);
    const [a, b] = broadcastArgs(fn, inexact ? promoteArgsInexact(fn, [x, y]) : promoteArgs(fn, [x, y])) as [JArray, JArray];
    return op(a, b);
  };
}

/**
 * The common cases where promotion and broadcasting change nothing, decided without building
 * them (an eager op on small arrays costs about as much as that boundary): two arrays of one
 * dtype, weakness and shape (or a rank-0 one; a float dtype where the function computes in
 * floats, as true division does), or a float array (not weak) and a JS number,
 * which promotes to a constant of the array's dtype as promoteArgs would make it.
 */
function operandsAsIs(x: ArrayLike, y: ArrayLike, inexact: boolean): [JArray, JArray] | undefined {
  if (x instanceof JArray) {
    if (y instanceof JArray) {
      if (x.dtype !== y.dtype || x.weakType !== y.weakType || (inexact && !isFloat(x.dtype))) return undefined;
      const xs = x.shape;
      const ys = y.shape;
      if (xs.length !== ys.length) return xs.length === 0 || ys.length === 0 ? [x, y] : undefined;
      for (let i = 0; i < xs.length; i++) if (xs[i] !== ys[i]) return undefined;
      return [x, y];
    }
    if (typeof y === "number" && !x.weakType && isFloat(x.dtype)) return [x, scalar(y, x.dtype, false)];
    return undefined;
  }
  if (typeof x === "number" && y instanceof JArray && !y.weakType && isFloat(y.dtype)) return [scalar(x, y.dtype, false), y];
  return undefined;
}

/** A numpy unary function that computes in a float dtype (ints become float32). */
function inexactUnary(fn: string, op: (x: JArray) => JArray): Unary {
  return (x) => op(promoteArgsInexact(fn, [x])[0]!);
}

/** A numpy unary function that keeps the dtype. */
function sameUnary(fn: string, op: (x: JArray) => JArray): Unary {
  return (x) => op(asArray(x, fn));
}

// --- arithmetic -------------------------------------------------------------------------

export const add: Binary = binary("add", (a, b) => (a.dtype === "bool" ? lax.or(a, b) : lax.add(a, b)));
export const subtract: Binary = binary("subtract", (a, b) => {
  if (a.dtype === "bool") throw new TypeError("subtract: boolean subtract is not supported; use logicalXor");
  return lax.sub(a, b);
});
export const multiply: Binary = binary("multiply", (a, b) => (a.dtype === "bool" ? lax.and(a, b) : lax.mul(a, b)));
export const divide: Binary = binary("divide", lax.div, true);
export const trueDivide = divide;

/** Floor division; for floats, NumPy's divmod algorithm (so `1 // 0.1 == 9`). */
export const floorDivide: Binary = binary("floorDivide", (a, b) => {
  if (a.dtype === "bool") return lax.and(a, b);
  if (isInt(a.dtype)) {
    const q = lax.div(a, b);
    if (a.dtype === "uint32") return q;
    const r = lax.rem(a, b);
    // JAX compares signs (sign(0) = 0), so an integer division by zero gives -2 for x != 0, as JAX does.
    const signsDiffer = lax.ne(lax.sign(a), lax.sign(b));
    return lax.select(lax.and(signsDiffer, lax.ne(r, 0)), lax.sub(q, 1), q);
  }
  return floatDivmod(a, b)[0];
});

/** NumPy's float divmod: the floor quotient (rounded to an integer value) and a remainder with b's sign. */
function floatDivmod(a: JArray, b: JArray): [JArray, JArray] {
  let mod = lax.rem(a, b);
  let div = lax.div(lax.sub(a, mod), b);
  const fix = lax.and(lax.ne(mod, 0), lax.ne(lax.lt(b, 0), lax.lt(mod, 0)));
  mod = lax.select(fix, lax.add(mod, b), mod);
  div = lax.select(fix, lax.sub(div, 1), div);
  const floordiv = lax.floor(div);
  const rounded = lax.select(lax.gt(lax.sub(div, floordiv), 0.5), lax.add(floordiv, 1), floordiv);
  // Division by zero gives the plain quotient (inf or nan), as NumPy does.
  return [lax.select(lax.eq(b, 0), lax.div(a, b), rounded), mod];
}

/** Python/NumPy modulo: the result has the divisor's sign. */
export const mod: Binary = binary("mod", (a, b) => {
  if (a.dtype === "bool") throw new TypeError("mod: not supported for bool");
  // JAX replaces an integer divisor of 0 by 1, so x % 0 == 0.
  const divisor = isInt(a.dtype) ? lax.select(lax.eq(b, 0), lax.add(lax.mul(b, 0), 1), b) : b;
  const r = lax.rem(a, divisor);
  if (a.dtype === "uint32") return r;
  const fix = lax.and(lax.ne(r, 0), lax.ne(lax.lt(r, 0), lax.lt(divisor, 0)));
  const out = lax.select(fix, lax.add(r, divisor), r);
  if (isFloat(a.dtype)) {
    // NumPy gives a zero remainder the divisor's sign.
    return lax.select(lax.eq(out, 0), lax.mul(lax.abs(out), lax.sign(lax.add(b, lax.mul(out, 0)))), out);
  }
  return out;
});
export const remainder = mod;

/** C-style remainder with the dividend's sign (`np.fmod`). */
export const fmod: Binary = binary("fmod", lax.rem);

export function divmod(x: ArrayLike, y: ArrayLike): [JArray, JArray] {
  return [floorDivide(x, y), mod(x, y)];
}

/** `x ** y`. Integer bases with integer exponents stay integers (repeated squaring over the bits). */
export const power: Binary = (x, y) => {
  if (typeof y === "number" && Number.isInteger(y) && typeof x !== "number") {
    const a = asArray(x, "power");
    if (a.dtype === "bool") throw new TypeError("power: not supported for bool");
    if (y >= 0 || isFloat(a.dtype)) return lax.integerPow(a, y);
  }
  const [a, b] = broadcastArgs("power", promoteArgs("power", [x, y])) as [JArray, JArray];
  if (isFloat(a.dtype)) return lax.pow(a, b);
  if (a.dtype === "bool") throw new TypeError("power: not supported for bool");
  return intPower(a, b);
};
export const pow = power;

function intPower(base: JArray, exponent: JArray): JArray {
  // JAX's _pow_int_int: square-and-multiply over the exponent's bits; negative exponents give 0
  // except for bases 1 and -1.
  let acc: JArray = lax.add(lax.mul(base, 0), 1);
  let b = base;
  let e = exponent;
  for (let bit = 0; bit < 32; bit++) {
    acc = lax.select(lax.ne(lax.and(e, 1), 0), lax.mul(acc, b), acc);
    b = lax.mul(b, b);
    e = lax.shiftRightLogical(e, 1);
  }
  if (exponent.dtype === "uint32") return acc;
  const negative = lax.lt(exponent, 0);
  const odd = lax.ne(lax.and(exponent, 1), 0);
  const negResult = lax.select(lax.eq(base, 1), lax.add(lax.mul(base, 0), 1), lax.select(lax.eq(base, -1), lax.select(odd, lax.add(lax.mul(base, 0), -1), lax.add(lax.mul(base, 0), 1)), lax.mul(base, 0)));
  return lax.select(negative, negResult, acc);
}

export const negative: Unary = sameUnary("negative", (a) => {
  if (a.dtype === "bool") throw new TypeError("negative: not supported for bool; use logicalNot");
  return lax.neg(a);
});
export const positive: Unary = sameUnary("positive", (a) => a);
export const abs: Unary = sameUnary("abs", (a) => (a.dtype === "bool" || a.dtype === "uint32" ? a : lax.abs(a)));
export const absolute = abs;
export const sign: Unary = sameUnary("sign", (a) => {
  if (a.dtype === "bool") throw new TypeError("sign: not supported for bool (as JAX)");
  return lax.sign(a);
});
/** Bools square as int32, as JAX promotes them first. */
export const square: Unary = sameUnary("square", (a) => lax.square(a.dtype === "bool" ? lax.convertElementType(a, "int32") : a));
export const reciprocal: Unary = inexactUnary("reciprocal", (a) => lax.integerPow(a, -1));

export const exp: Unary = inexactUnary("exp", lax.exp);
export const exp2: Unary = inexactUnary("exp2", lax.exp2);
export const expm1: Unary = inexactUnary("expm1", lax.expm1);
export const log: Unary = inexactUnary("log", lax.log);
export const log1p: Unary = inexactUnary("log1p", lax.log1p);
export const log2: Unary = inexactUnary("log2", (a) => lax.div(lax.log(a), Math.LN2));
export const log10: Unary = inexactUnary("log10", (a) => lax.div(lax.log(a), Math.LN10));
export const sqrt: Unary = inexactUnary("sqrt", lax.sqrt);
export const cbrt: Unary = inexactUnary("cbrt", lax.cbrt);
export const sin: Unary = inexactUnary("sin", lax.sin);
export const cos: Unary = inexactUnary("cos", lax.cos);
export const tan: Unary = inexactUnary("tan", lax.tan);
export const arcsin: Unary = inexactUnary("arcsin", lax.asin);
export const arccos: Unary = inexactUnary("arccos", lax.acos);
export const arctan: Unary = inexactUnary("arctan", lax.atan);
export const sinh: Unary = inexactUnary("sinh", lax.sinh);
export const cosh: Unary = inexactUnary("cosh", lax.cosh);
export const tanh: Unary = inexactUnary("tanh", lax.tanh);
export const arcsinh: Unary = inexactUnary("arcsinh", lax.asinh);
export const arccosh: Unary = inexactUnary("arccosh", lax.acosh);
export const arctanh: Unary = inexactUnary("arctanh", lax.atanh);
export const arctan2: Binary = binary("arctan2", lax.atan2, true);
export const hypot: Binary = binary("hypot", (a, b) => lax.sqrt(lax.add(lax.square(a), lax.square(b))), true);
export const deg2rad: Unary = inexactUnary("deg2rad", (a) => lax.mul(a, Math.PI / 180));
export const rad2deg: Unary = inexactUnary("rad2deg", (a) => lax.mul(a, 180 / Math.PI));

/** Integers are already integral: floor/ceil/round/trunc return them unchanged, as in JAX. */
function rounding(fn: string, op: (a: JArray) => JArray): Unary {
  return sameUnary(fn, (a) => (isFloat(a.dtype) ? op(a) : a));
}
export const floor: Unary = rounding("floor", lax.floor);
export const ceil: Unary = rounding("ceil", lax.ceil);
export const trunc: Unary = rounding("trunc", (a) => lax.select(lax.lt(a, 0), lax.ceil(a), lax.floor(a)));
export const fix = trunc;
export const rint: Unary = rounding("rint", (a) => lax.round(a, "toNearestEven"));

/** `np.round(x, decimals=0)`: round half to even, as NumPy. */
export function round(x: ArrayLike, decimals = 0): JArray {
  const a = asArray(x, "round");
  if (!isFloat(a.dtype)) return a;
  if (decimals === 0) return lax.round(a, "toNearestEven");
  const factor = 10 ** decimals;
  return lax.div(lax.round(lax.mul(a, factor), "toNearestEven"), factor);
}
export const around = round;

export const maximum: Binary = binary("maximum", lax.max);
export const minimum: Binary = binary("minimum", lax.min);
/** Like maximum/minimum, but NaNs are ignored when the other operand is a number. */
export const fmax: Binary = binary("fmax", (a, b) => lax.select(lax.ne(a, a), b, lax.select(lax.ne(b, b), a, lax.max(a, b))));
export const fmin: Binary = binary("fmin", (a, b) => lax.select(lax.ne(a, a), b, lax.select(lax.ne(b, b), a, lax.min(a, b))));

/** `np.clip(x, min?, max?)`; the bounds broadcast. */
export function clip(x: ArrayLike, min?: ArrayLike | null, max?: ArrayLike | null): JArray {
  let out = asArray(x, "clip");
  if (min !== undefined && min !== null) out = maximum(out, min);
  if (max !== undefined && max !== null) out = minimum(out, max);
  return out;
}

/** `log(exp(x) + exp(y))` without overflow. */
function logaddexpImpl(a: JArray, b: JArray): JArray {
  const amax = lax.max(a, b);
  const delta = lax.sub(a, b);
  const finite = lax.add(amax, lax.log1p(lax.exp(lax.neg(lax.abs(delta)))));
  return lax.select(lax.ne(delta, delta), lax.add(a, b), finite);
}

/** +inf replaced by 0, so exp(x - out) is 1 rather than NaN where both are +inf. */
const replacePosInf = (x: JArray) => lax.select(lax.eq(x, Infinity), lax.mul(x, 0), x);

/**
 * With JAX's custom jvp: t1 * exp(x - out) + t2 * exp(y - out), which splits the gradient
 * evenly at ties (differentiating max and abs would give (1, 0) there).
 */
const logaddexpCustom: (a: JArray, b: JArray) => JArray = customJvp(function logaddexp(a: JArray, b: JArray): JArray {
  return logaddexpImpl(a, b);
}).defjvp(([a, b], [ta, tb]) => {
  // The output through the custom function itself, so higher derivatives use this rule too.
  const out = logaddexpCustom(a, b);
  const wa = lax.exp(lax.sub(replacePosInf(a), replacePosInf(out)));
  const wb = lax.exp(lax.sub(replacePosInf(b), replacePosInf(out)));
  return [out, lax.add(lax.mul(ta, wa), lax.mul(tb, wb))];
});

export const logaddexp: Binary = binary("logaddexp", (a, b) => logaddexpCustom(a, b), true);

// --- predicates ---------------------------------------------------------------------------

export const isnan: Unary = sameUnary("isnan", (a) => (isFloat(a.dtype) ? lax.ne(a, a) : lax.ne(lax.mul(a, 0), lax.mul(a, 0))));
export const isinf: Unary = sameUnary("isinf", (a) =>
  isFloat(a.dtype) ? lax.eq(lax.abs(a), Infinity) : lax.and(lax.ne(a, a), lax.eq(a, a)),
);
export const isfinite: Unary = sameUnary("isfinite", (a) => (isFloat(a.dtype) ? lax.isFinite(a) : lax.eq(a, a)));
export const isposinf: Unary = sameUnary("isposinf", (a) => (isFloat(a.dtype) ? lax.eq(a, Infinity) : lax.ne(a, a)));
export const isneginf: Unary = sameUnary("isneginf", (a) => (isFloat(a.dtype) ? lax.eq(a, -Infinity) : lax.ne(a, a)));
export const signbit: Unary = sameUnary("signbit", (a) => {
  if (!isFloat(a.dtype)) return lax.lt(a, 0);
  // -0.0 and -nan have the sign bit set: read it from the bits.
  const bits = lax.bitcastConvertType(a.dtype === "float64" ? lax.convertElementType(a, "float32") : a, "int32");
  return lax.lt(bits, 0);
});

// --- comparisons and logic -------------------------------------------------------------------

export const equal: Binary = binary("equal", lax.eq);
export const notEqual: Binary = binary("notEqual", lax.ne);
export const less: Binary = binary("less", lax.lt);
export const lessEqual: Binary = binary("lessEqual", lax.le);
export const greater: Binary = binary("greater", lax.gt);
export const greaterEqual: Binary = binary("greaterEqual", lax.ge);

const toBool = (a: JArray) => (a.dtype === "bool" ? a : lax.ne(a, 0));

export const logicalAnd: Binary = (x, y) => {
  const [a, b] = broadcastArgs("logicalAnd", [asArray(x, "logicalAnd"), asArray(y, "logicalAnd")]) as [JArray, JArray];
  return lax.and(toBool(a), toBool(b));
};
export const logicalOr: Binary = (x, y) => {
  const [a, b] = broadcastArgs("logicalOr", [asArray(x, "logicalOr"), asArray(y, "logicalOr")]) as [JArray, JArray];
  return lax.or(toBool(a), toBool(b));
};
export const logicalXor: Binary = (x, y) => {
  const [a, b] = broadcastArgs("logicalXor", [asArray(x, "logicalXor"), asArray(y, "logicalXor")]) as [JArray, JArray];
  return lax.xor(toBool(a), toBool(b));
};
export const logicalNot: Unary = (x) => lax.not(toBool(asArray(x, "logicalNot")));

function integral(fn: string, op: (a: JArray, b: JArray) => JArray): Binary {
  return binary(fn, (a, b) => {
    if (isFloat(a.dtype)) throw new TypeError(`${fn}: only integer and boolean arrays are supported, got ${a.dtype}`);
    return op(a, b);
  });
}
export const bitwiseAnd: Binary = integral("bitwiseAnd", lax.and);
export const bitwiseOr: Binary = integral("bitwiseOr", lax.or);
export const bitwiseXor: Binary = integral("bitwiseXor", lax.xor);
export const leftShift: Binary = integral("leftShift", lax.shiftLeft);
export const rightShift: Binary = integral("rightShift", (a, b) => (a.dtype === "uint32" ? lax.shiftRightLogical(a, b) : lax.shiftRightArithmetic(a, b)));
export const bitwiseNot: Unary = sameUnary("bitwiseNot", (a) => {
  if (isFloat(a.dtype)) throw new TypeError(`bitwiseNot: only integer and boolean arrays are supported, got ${a.dtype}`);
  return lax.not(a);
});
export const invert = bitwiseNot;

/** `np.where(cond, x, y)`: elementwise choice, with broadcasting and promotion of x and y. */
/**
 * `np.where(condition, x, y)`: `x` where `condition` holds, else `y`. The one-argument form
 * `np.where(condition, {size?, fillValue?})` is `np.nonzero(condition)`, as in NumPy and JAX;
 * its result's shape depends on the values, so it needs a concrete condition (not under jit).
 */
export function where(condition: ArrayLike, x: ArrayLike, y: ArrayLike): JArray;
export function where(condition: ArrayLike, opts?: NonzeroOptions): JArray[];
export function where(condition: ArrayLike, x?: ArrayLike | NonzeroOptions, y?: ArrayLike): JArray | JArray[] {
  const isOpts = x !== null && typeof x === "object" && Object.getPrototypeOf(x) === Object.prototype;
  if (y === undefined && (x === undefined || isOpts)) return whereNonzero(condition, x as NonzeroOptions | undefined);
  if (x === undefined || y === undefined || isOpts)
    throw new ValueError(
      `where: either both or neither of the x and y arguments should be given (where(condition, x, y) or where(condition)), got x=${describe(x)} and y=${describe(y)}`,
    );
  const [a, b] = promoteArgs("where", [x as ArrayLike, y]) as [JArray, JArray];
  const c = toBool(asArray(condition, "where: condition"));
  const [cb, ab, bb] = broadcastArgs("where", [c, a, b]) as [JArray, JArray, JArray];
  // select_n takes a scalar predicate or one of the cases' shape: give rank-0 cases the full shape.
  if (cb.ndim === 0) return lax.select(cb, ab, bb);
  const full = (t: JArray) => (t.ndim === 0 ? lax.broadcastInDim(t, cb.shape, []) : t);
  return lax.select(cb, full(ab), full(bb));
}

/** `where(condition)`: nonzero, with an error that says why it cannot be traced. */
function whereNonzero(condition: ArrayLike, opts: NonzeroOptions | undefined): JArray[] {
  const c = asArray(condition, "where: condition");
  try {
    c.toConcrete("where(condition)");
  } catch (e) {
    if (!(e instanceof ConcretizationTypeError)) throw e;
    throw new ConcretizationTypeError(
      `where: the one-argument form where(condition) is nonzero(condition), whose result's shape depends on the values of the condition, ` +
        `so it cannot run on the abstract ${c.aval} condition inside a transform (jit, vmap); use the three-argument form where(condition, x, y) there`,
    );
  }
  return nonzero(c, opts);
}
