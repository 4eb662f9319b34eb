/**
 * The jvp rule of every primitive: primal inputs and tangents (null = symbolic zero) to
 * primal outputs and tangents. Rules run with the parent interpreter current, and they follow
 * JAX's conventions at non-differentiable points (grad(abs)(0) = 1, ties of max/min split
 * the gradient evenly, floor/round/sign have zero gradient).
 */
import { isFloat } from "../../ir/dtype.js";
import { type Params, type Primitive, type UnaryPrimitive, unaryKinds } from "../../ir/primitives.js";
import { range, tableOf } from "../../ir/util.js";
import type { JArray } from "../core/array.js";
import { bind, bind1, currentInterpreter } from "../core/interpreter.js";
import * as lax from "../lax.js";
import { condJvp, scanJvp, whileJvp } from "./controlFlowJvp.js";
import { choleskyJvp, eighJvp, luJvp, notDifferentiable, qrJvp, svdJvp, triangularSolveJvp } from "./linalgJvp.js";
import type { JvpInterpreter, Tangent } from "./jvp.js";
import { jvpFlat, jvpJaxpr } from "./jvp.js";
import { associativeScan, broadcastTo, full, gatherParamsForScatter, scatterWinners, takeAlongAxis, zerosOf } from "./ruleUtils.js";

export type JvpRule<P extends Primitive> = (
  primals: JArray[],
  tangents: Tangent[],
  params: Params<P>,
  interpreter: JvpInterpreter,
) => [JArray[], Tangent[]];

const instantiate = (t: Tangent, like: JArray): JArray => t ?? zerosOf(like.aval);

function addT(a: Tangent, b: Tangent): Tangent {
  if (a === null) return b;
  if (b === null) return a;
  return lax.add(a, b);
}

/** Tangent `t` scaled by `s` (and broadcast to the output shape when t was a rank-0 operand). */
function scale(t: Tangent, s: JArray | number, outShape: readonly number[]): Tangent {
  if (t === null) return null;
  return broadcastTo(s === 1 ? t : lax.mul(t, s), outShape);
}

/** A primitive with zero derivative (or non-float outputs). */
const zeroJvp =
  <P extends Primitive>(prim: P): JvpRule<P> =>
  (primals, _t, params) => {
    const outs = bind(prim, primals, params);
    return [outs, outs.map(() => null)];
  };

/** A primitive linear in every input: the tangent is the primitive applied to the tangents. */
const linearJvp =
  <P extends Primitive>(prim: P): JvpRule<P> =>
  (primals, tangents, params) => {
    const outs = bind(prim, primals, params);
    const ts = bind(prim, tangents.map((t, i) => instantiate(t, primals[i]!)), params);
    return [outs, ts];
  };

/** A primitive linear in the inputs at `linearArgs`; other inputs (indices) are passed as is. */
const linearInJvp =
  <P extends Primitive>(prim: P, linearArgs: (i: number) => boolean): JvpRule<P> =>
  (primals, tangents, params) => {
    const outs = bind(prim, primals, params);
    if (primals.every((_, i) => !linearArgs(i) || tangents[i] === null)) return [outs, outs.map(() => null)];
    const ts = bind(prim, primals.map((p, i) => (linearArgs(i) ? instantiate(tangents[i] ?? null, p) : p)), params);
    return [outs, ts];
  };

/** Unary rule from the derivative as a function of input and output: t * d(x, y). */
function unaryJvp(prim: UnaryPrimitive, deriv: ((x: JArray, y: JArray) => JArray) | null): JvpRule<UnaryPrimitive> {
  return (primals, tangents) => {
    const x = primals[0]!;
    const y = bind1(prim, [x], {});
    const t = tangents[0] ?? null;
    if (deriv === null || t === null || !isFloat(y.dtype)) return [[y], [null]];
    return [[y], [lax.mul(t, deriv(x, y))]];
  };
}

const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);

const unaryDerivatives: { [P in UnaryPrimitive]: ((x: JArray, y: JArray) => JArray) | null } = {
  neg: (x) => lax.convertElementType(-1, x.dtype),
  sign: null,
  // select_n's cases must have the predicate's shape: constants are filled to x's shape.
  abs: (x) => lax.select(lax.ge(x, 0), full(1, x), full(-1, x)),
  square: (x) => lax.mul(x, 2),
  floor: null,
  ceil: null,
  isFinite: null,
  exp: (_, y) => y,
  exp2: (_, y) => lax.mul(y, Math.LN2),
  log: (x) => lax.div(1, x),
  expm1: (_, y) => lax.add(y, 1),
  log1p: (x) => lax.div(1, lax.add(x, 1)),
  tanh: (_, y) => lax.sub(1, lax.square(y)),
  logistic: (_, y) => lax.mul(y, lax.sub(1, y)),
  sin: (x) => lax.cos(x),
  cos: (x) => lax.neg(lax.sin(x)),
  tan: (_, y) => lax.add(1, lax.square(y)),
  asin: (x) => lax.rsqrt(lax.sub(1, lax.square(x))),
  acos: (x) => lax.neg(lax.rsqrt(lax.sub(1, lax.square(x)))),
  atan: (x) => lax.div(1, lax.add(1, lax.square(x))),
  sinh: (x) => lax.cosh(x),
  cosh: (x) => lax.sinh(x),
  asinh: (x) => lax.rsqrt(lax.add(lax.square(x), 1)),
  acosh: (x) => lax.rsqrt(lax.mul(lax.sub(x, 1), lax.add(x, 1))),
  atanh: (x) => lax.div(1, lax.sub(1, lax.square(x))),
  sqrt: (_, y) => lax.div(0.5, y),
  rsqrt: (x, y) => lax.mul(lax.div(y, x), -0.5),
  cbrt: (_, y) => lax.div(lax.integerPow(y, -2), 3),
  erf: (x) => lax.mul(lax.exp(lax.neg(lax.square(x))), TWO_OVER_SQRT_PI),
  erfc: (x) => lax.mul(lax.exp(lax.neg(lax.square(x))), -TWO_OVER_SQRT_PI),
  erfInv: (_, y) => lax.mul(lax.exp(lax.square(y)), Math.sqrt(Math.PI) / 2),
  not: null,
};

/** Where ties of max/min split the gradient evenly: weight of `a` in max(a, b) (same shapes). */
function chooserWeight(a: JArray, b: JArray, pick: (a: JArray, b: JArray) => JArray): JArray {
  return lax.select(lax.eq(a, b), full(0.5, a), lax.select(pick(a, b), full(1, a), full(0, a)));
}

const binaryChooser =
  <P extends "max" | "min">(prim: P): JvpRule<P> =>
  ([x, y], [tx, ty]) => {
    const out = bind1(prim, [x!, y!], {});
    if (!isFloat(out.dtype)) return [[out], [null]];
    const pick = prim === "max" ? lax.gt : lax.lt;
    const bx = broadcastTo(x!, out.shape);
    const by = broadcastTo(y!, out.shape);
    const t = addT(scale(tx ?? null, chooserWeight(bx, by, pick), out.shape), scale(ty ?? null, chooserWeight(by, bx, pick), out.shape));
    return [[out], [t]];
  };

/** jvp of a reduction that picks an element (max/min): the mean tangent of the tied maxima. */
const reduceChooser =
  <P extends "reduceMax" | "reduceMin">(prim: P): JvpRule<P> =>
  ([x], [t], params) => {
    const out = bind1(prim, [x!], params);
    if (!isFloat(out.dtype) || t === null) return [[out], [null]];
    const kept = range(x!.ndim).filter((d) => !params.axes.includes(d));
    const locations = lax.convertElementType(lax.eq(x!, lax.broadcastInDim(out, x!.shape, kept)), x!.dtype);
    const counts = lax.reduceSum(locations, params.axes);
    return [[out], [lax.div(lax.reduceSum(lax.mul(t!, locations), params.axes), counts)]];
  };

/** The jvp of a call of a sub-jaxpr (jit, checkpoint): transform the jaxpr, bind it the same way. */
function jvpOfCall(
  primals: JArray[],
  tangents: Tangent[],
  jaxpr: Params<"jit">["jaxpr"],
  interp: JvpInterpreter,
  call: (jaxpr: Params<"jit">["jaxpr"], operands: JArray[]) => JArray[],
): [JArray[], Tangent[]] {
  const j = jvpJaxpr(jaxpr, tangents.map((t) => t !== null), interp.forReverse);
  const outs = call(j.jaxpr, [...j.consts, ...primals, ...(tangents.filter((t) => t !== null) as JArray[])]);
  const n = jaxpr.outs.length;
  const ts = outs.slice(n);
  let k = 0;
  return [outs.slice(0, n), j.outNonzero.map((nz) => (nz ? ts[k++]! : null))];
}

/** The product over `axes` as the last element of an associative scan. */
function productByScan(x: JArray, axes: readonly number[], outShape: readonly number[]): JArray {
  const kept = range(x.ndim).filter((d) => !axes.includes(d));
  const n = axes.reduce((m, d) => m * x.shape[d]!, 1);
  const flat = lax.reshape(lax.transpose(x, [...kept, ...axes]), [...kept.map((d) => x.shape[d]!), n]);
  const last = flat.ndim - 1;
  const scanned = associativeScan(lax.mul, flat, last, false);
  return lax.reshape(lax.sliceInDim(scanned, n - 1, n, 1, last), outShape);
}

/** jvp through a composite of primitives (exact where a closed form is awkward). */
function jvpOfComposite(f: (...xs: JArray[]) => JArray[], primals: JArray[], tangents: Tangent[], interp: JvpInterpreter): [JArray[], Tangent[]] {
  const [p, t] = jvpFlat(f, primals, tangents, currentInterpreter(), interp.forReverse);
  return [p, t];
}

const cumulative =
  <P extends "cumprod" | "cummax" | "cummin">(prim: P, op: (a: JArray, b: JArray) => JArray): JvpRule<P> =>
  (primals, tangents, params, interp) => {
    if (!isFloat(primals[0]!.dtype)) return zeroJvp(prim)(primals, tangents, params, interp);
    return jvpOfComposite((x) => [associativeScan(op, x, params.axis, params.reverse)], primals, tangents, interp);
  };

/**
 * reduceWindowMax/Min: the tangent of each window's selected element (its first maximum, as
 * JAX's select_and_gather_add), whose transpose routes each cotangent to that element
 * (selectAndScatterAdd) instead of building a mask over every window position.
 */
const reduceWindowChooser =
  <P extends "reduceWindowMax" | "reduceWindowMin">(prim: P): JvpRule<P> =>
  (primals, tangents, params, interp) => {
    if (!isFloat(primals[0]!.dtype)) return zeroJvp(prim)(primals, tangents, params, interp);
    const x = primals[0]!;
    const out = bind1(prim, [x], params);
    const t = tangents[0] ?? null;
    if (t === null) return [[out], [null]];
    const select = prim === "reduceWindowMax" ? "max" : "min";
    return [[out], [bind1("selectAndGatherAdd", [t, x], { ...params, select })]];
  };

/** Linear in the first input (tangents or source); the operand only decides which element each window selects. */
const selectWindowJvp =
  <P extends "selectAndScatterAdd" | "selectAndGatherAdd">(prim: P): JvpRule<P> =>
  (primals, tangents, params) => {
    const out = bind1(prim, primals, params);
    const t = tangents[0] ?? null;
    return [[out], [t === null ? null : bind1(prim, [t, primals[1]!], params)]];
  };

const scatterChooser =
  <P extends "scatterMin" | "scatterMax">(prim: P): JvpRule<P> =>
  (primals, tangents, params) => {
    const [x, idx, u] = primals as [JArray, JArray, JArray];
    const out = bind1(prim, primals, params);
    const [tx, , tu] = tangents;
    if (!isFloat(out.dtype) || (tx === null && tu === null)) return [[out], [null]];
    // Every input equal to the chosen value shares its tangent (ties split evenly).
    const g = gatherParamsForScatter(params.dimensionNumbers, x.aval, u.aval);
    const atUpdates = bind1("gather", [out, idx], g);
    const ix = lax.convertElementType(lax.eq(x, out), x.dtype);
    const iu = lax.convertElementType(lax.eq(u, atUpdates), u.dtype);
    const scatterAdd = (base: JArray, upd: JArray) => bind1("scatterAdd", [base, idx, upd], params as Params<"scatterAdd">);
    const counts = scatterAdd(ix, iu);
    const num = scatterAdd(lax.mul(instantiate(tx ?? null, x), ix), lax.mul(instantiate(tu ?? null, u), iu));
    return [[out], [lax.div(num, counts)]];
  };

/** scatter (last writer wins on overlaps): only the updates that land, and the operand where none did, carry tangents. */
function scatterJvp(primals: JArray[], tangents: Tangent[], params: Params<"scatter">): [JArray[], Tangent[]] {
  const [x, idx, u] = primals as [JArray, JArray, JArray];
  const out = bind1("scatter", primals, params);
  const [tx, , tu] = tangents;
  if (!isFloat(out.dtype) || (!tx && !tu)) return [[out], [null]];
  // As JAX's _scatter_jvp: the tangent is a scatter-add of masked tangents (so it is transposable).
  const { landed, untouched } = scatterWinners(x.aval, idx, u.aval, params);
  const mtx = lax.select(untouched, instantiate(tx ?? null, x), full(0, x));
  const mtu = lax.select(landed, instantiate(tu ?? null, u), full(0, u));
  return [[out], [bind1("scatterAdd", [mtx, idx, mtu], params as Params<"scatterAdd">)]];
}

/**
 * d(x[p] * prod_k u_k) over the updates k landing on p: the tangent of u_j is weighted by
 * x[p] * prod_{k != j} u_k, computed without dividing by a zero u_j (so it is exact at zero
 * updates; JAX supports only unique indices here, where the weight is x[p]).
 */
function scatterMulJvp(primals: JArray[], tangents: Tangent[], params: Params<"scatterMul">): [JArray[], Tangent[]] {
  const [x, idx, u] = primals as [JArray, JArray, JArray];
  const out = bind1("scatterMul", primals, params);
  const [tx, , tu] = tangents;
  if (!isFloat(out.dtype) || (!tx && !tu)) return [[out], [null]];
  const fromX = tx ? bind1("scatterMul", [tx, idx, u], params) : null;
  if (!tu) return [[out], [fromX]];
  const scatterAdd = (base: JArray, upd: JArray) => bind1("scatterAdd", [base, idx, upd], params as Params<"scatterAdd">);
  const g = { ...gatherParamsForScatter(params.dimensionNumbers, x.aval, u.aval), mode: params.mode, fillValue: 0 };
  const isZero = lax.eq(u, full(0, u));
  const one = full(1, u);
  const safeU = lax.select(isZero, one, u);
  // Per operand element: x times the non-zero updates, the product of the zero ones (0, or 1 if none; it
  // carries their tangents), and how many are zero; each read back at every update.
  const nonzeroProd = bind1("gather", [bind1("scatterMul", [x, idx, safeU], params), idx], g);
  const zeroProd = bind1("gather", [bind1("scatterMul", [full(1, x), idx, lax.select(isZero, u, one)], params), idx], g);
  const zeros = bind1("gather", [scatterAdd(full(0, x), lax.convertElementType(isZero, u.dtype)), idx], g);
  // u_j != 0: x * prod_{k != j} u_k = nonzeroProd / u_j * zeroProd; u_j == 0: nonzeroProd if it is the only zero, else 0.
  const weight = lax.select(
    isZero,
    lax.select(lax.eq(zeros, one), nonzeroProd, full(0, u)),
    lax.mul(lax.div(nonzeroProd, safeU), zeroProd),
  );
  return [[out], [addT(fromX, scatterAdd(zerosOf(x.aval), lax.mul(tu, weight)))]];
}

export const jvpRules: { [P in Primitive]: JvpRule<P> } = {
  ...tableOf(unaryKinds, (p) => unaryJvp(p, unaryDerivatives[p])),
  add: ([x, y], [tx, ty]) => {
    const out = lax.add(x!, y!);
    return [[out], [addT(scale(tx ?? null, 1, out.shape), scale(ty ?? null, 1, out.shape))]];
  },
  sub: ([x, y], [tx, ty]) => {
    const out = lax.sub(x!, y!);
    return [[out], [addT(scale(tx ?? null, 1, out.shape), scale(ty ?? null, -1, out.shape))]];
  },
  mul: ([x, y], [tx, ty]) => {
    const out = lax.mul(x!, y!);
    if (!isFloat(out.dtype)) return [[out], [null]];
    return [[out], [addT(scale(tx ?? null, y!, out.shape), scale(ty ?? null, x!, out.shape))]];
  },
  div: ([x, y], [tx, ty]) => {
    const out = lax.div(x!, y!);
    if (!isFloat(out.dtype)) return [[out], [null]];
    const dy = ty ? lax.neg(lax.div(out, y!)) : null;
    return [[out], [addT(scale(tx ?? null, lax.div(1, y!), out.shape), dy && scale(ty ?? null, dy, out.shape))]];
  },
  rem: ([x, y], [tx, ty]) => {
    const out = lax.rem(x!, y!);
    if (!isFloat(out.dtype)) return [[out], [null]];
    const q = lax.div(x!, y!);
    const dy = ty ? lax.neg(lax.mul(lax.sign(q), lax.floor(lax.abs(q)))) : null;
    return [[out], [addT(scale(tx ?? null, 1, out.shape), dy && scale(ty ?? null, dy, out.shape))]];
  },
  pow: ([x, y], [tx, ty]) => {
    const out = lax.pow(x!, y!);
    const bx = broadcastTo(x!, out.shape);
    const by = broadcastTo(y!, out.shape);
    // As JAX for a float exponent: d/dx = y * x^(y-1) (nan at x == y == 0, as in JAX; a select on
    // y == 0 would also make its derivative in y wrong there), d/dy = log(x) * x^y with log(0) taken as 0.
    const dx = tx ? lax.mul(by, lax.pow(bx, lax.sub(by, 1))) : null;
    const dy = ty ? lax.mul(lax.log(lax.select(lax.eq(bx, 0), full(1, out), bx)), out) : null;
    return [[out], [addT(dx && scale(tx ?? null, dx, out.shape), dy && scale(ty ?? null, dy, out.shape))]];
  },
  max: binaryChooser("max"),
  min: binaryChooser("min"),
  atan2: ([x, y], [tx, ty]) => {
    const out = lax.atan2(x!, y!);
    const denom = lax.add(lax.square(x!), lax.square(y!));
    const dx = tx ? lax.div(y!, denom) : null;
    const dy = ty ? lax.neg(lax.div(x!, denom)) : null;
    return [[out], [addT(dx && scale(tx ?? null, dx, out.shape), dy && scale(ty ?? null, dy, out.shape))]];
  },
  nextafter: zeroJvp("nextafter"),
  and: zeroJvp("and"),
  or: zeroJvp("or"),
  xor: zeroJvp("xor"),
  shiftLeft: zeroJvp("shiftLeft"),
  shiftRightLogical: zeroJvp("shiftRightLogical"),
  shiftRightArithmetic: zeroJvp("shiftRightArithmetic"),
  eq: zeroJvp("eq"),
  ne: zeroJvp("ne"),
  lt: zeroJvp("lt"),
  le: zeroJvp("le"),
  gt: zeroJvp("gt"),
  ge: zeroJvp("ge"),
  round: zeroJvp("round"),
  integerPow: ([x], [t], { y }) => {
    const out = lax.integerPow(x!, y);
    if (t === null || !isFloat(out.dtype)) return [[out], [null]];
    const d = y === 0 ? lax.mul(x!, 0) : y === 1 ? lax.convertElementType(1, x!.dtype) : lax.mul(lax.integerPow(x!, y - 1), y);
    return [[out], [lax.mul(t!, d)]];
  },
  selectN: (primals, tangents) => {
    const [which, ...cases] = primals as [JArray, ...JArray[]];
    const out = bind1("selectN", primals, {});
    if (!isFloat(out.dtype) || tangents.slice(1).every((t) => t === null)) return [[out], [null]];
    const ts = cases.map((c, i) => broadcastTo(instantiate(tangents[i + 1] ?? null, c), out.shape));
    return [[out], [bind1("selectN", [which, ...ts], {})]];
  },
  clamp: ([lo, x, hi], [tlo, tx, thi]) => {
    const out = bind1("clamp", [lo!, x!, hi!], {});
    if (!isFloat(out.dtype)) return [[out], [null]];
    // As JAX: the tangent of lo where lo > x (and lo < hi), of x strictly inside, of hi where hi < x.
    const pick = (t: Tangent, cond: JArray): Tangent => (t === null ? null : lax.select(cond, broadcastTo(t, out.shape), full(0, out)));
    const blo = broadcastTo(lo!, out.shape);
    const bhi = broadcastTo(hi!, out.shape);
    const t = addT(
      addT(pick(tlo ?? null, lax.and(lax.gt(blo, x!), lax.lt(blo, bhi))), pick(tx ?? null, lax.and(lax.gt(x!, blo), lax.lt(x!, bhi)))),
      pick(thi ?? null, lax.lt(bhi, x!)),
    );
    return [[out], [t]];
  },
  convertElementType: ([x], [t], params) => {
    const out = bind1("convertElementType", [x!], params);
    if (!t || !isFloat(params.newDtype) || !isFloat(x!.dtype)) return [[out], [null]];
    return [[out], [bind1("convertElementType", [t], params)]];
  },
  bitcastConvertType: zeroJvp("bitcastConvertType"),
  stopGradient: zeroJvp("stopGradient"),
  copy: linearJvp("copy"),
  iota: zeroJvp("iota"),
  reduceSum: linearJvp("reduceSum"),
  reduceProd: (primals, tangents, params, interp) => {
    const out = bind1("reduceProd", primals, params);
    if (!isFloat(out.dtype) || out.size === 0 || primals[0]!.size === 0) return [[out], [null]];
    // Through a log-depth product tree, so the tangent is exact at zeros (no division by x).
    const [, t] = jvpOfComposite((x) => [productByScan(x, params.axes, out.shape)], primals, tangents, interp);
    return [[out], t];
  },
  reduceMax: reduceChooser("reduceMax"),
  reduceMin: reduceChooser("reduceMin"),
  reduceAnd: zeroJvp("reduceAnd"),
  reduceOr: zeroJvp("reduceOr"),
  argmax: zeroJvp("argmax"),
  argmin: zeroJvp("argmin"),
  cumsum: linearJvp("cumsum"),
  cumprod: cumulative("cumprod", (a, b) => lax.mul(a, b)), // lazily: lax may still be loading (import cycle through control flow)
  cummax: cumulative("cummax", (a, b) => lax.max(a, b)),
  cummin: cumulative("cummin", (a, b) => lax.min(a, b)),
  broadcastInDim: linearJvp("broadcastInDim"),
  reshape: linearJvp("reshape"),
  transpose: linearJvp("transpose"),
  squeeze: linearJvp("squeeze"),
  rev: linearJvp("rev"),
  slice: linearJvp("slice"),
  pad: linearJvp("pad"),
  concatenate: linearJvp("concatenate"),
  dynamicSlice: linearInJvp("dynamicSlice", (i) => i === 0),
  dynamicUpdateSlice: linearInJvp("dynamicUpdateSlice", (i) => i < 2),
  gather: (primals, tangents, params) => {
    const out = bind1("gather", primals, params);
    const t = tangents[0] ?? null;
    if (t === null || !isFloat(out.dtype)) return [[out], [null]];
    // As JAX: a filled (out-of-bounds) window has a zero tangent, whatever the fill value.
    return [[out], [bind1("gather", [t, primals[1]!], { ...params, fillValue: 0 })]];
  },
  scatter: scatterJvp,
  scatterAdd: linearInJvp("scatterAdd", (i) => i !== 1),
  scatterMul: scatterMulJvp,
  scatterMin: scatterChooser("scatterMin"),
  scatterMax: scatterChooser("scatterMax"),
  dotGeneral: ([x, y], [tx, ty], params) => {
    const out = bind1("dotGeneral", [x!, y!], params);
    if (!isFloat(out.dtype)) return [[out], [null]];
    const a = tx ? bind1("dotGeneral", [tx, y!], params) : null;
    const b = ty ? bind1("dotGeneral", [x!, ty], params) : null;
    return [[out], [addT(a, b)]];
  },
  convGeneralDilated: ([x, y], [tx, ty], params) => {
    const out = bind1("convGeneralDilated", [x!, y!], params);
    if (!isFloat(out.dtype)) return [[out], [null]];
    const a = tx ? bind1("convGeneralDilated", [tx, y!], params) : null;
    const b = ty ? bind1("convGeneralDilated", [x!, ty], params) : null;
    return [[out], [addT(a, b)]];
  },
  reduceWindowSum: linearJvp("reduceWindowSum"),
  reduceWindowMax: reduceWindowChooser("reduceWindowMax"),
  reduceWindowMin: reduceWindowChooser("reduceWindowMin"),
  selectAndScatterAdd: selectWindowJvp("selectAndScatterAdd"),
  selectAndGatherAdd: selectWindowJvp("selectAndGatherAdd"),
  sort: (primals, tangents, params) => {
    const dim = params.dimension;
    const iota = lax.broadcastedIota("int32", primals[0]!.shape, dim);
    const sorted = bind("sort", [...primals, iota], params);
    const perm = sorted[sorted.length - 1]!;
    const outs = sorted.slice(0, -1);
    const ts = tangents.map((t, i) => (t === null || !isFloat(primals[i]!.dtype) ? null : takeAlongAxis(t, perm, dim)));
    return [outs, ts];
  },
  threefry2x32: zeroJvp("threefry2x32"),
  jit: (primals, tangents, params, interp) =>
    jvpOfCall(primals, tangents, params.jaxpr, interp, (jaxpr, operands) => bind("jit", operands, { jaxpr, name: `jvp(${params.name})` })),
  checkpoint: (primals, tangents, params, interp) =>
    jvpOfCall(primals, tangents, params.jaxpr, interp, (jaxpr, operands) => bind("checkpoint", operands, { ...params, jaxpr })),
  customJvpCall: (primals, tangents, { jvp, numConsts, name }) => {
    if (tangents.slice(0, numConsts).some((t) => t !== null))
      throw new TypeError(`customJvp(${name}): the function closes over a value that is being differentiated; pass it as an argument instead`);
    const [po, to] = jvp(primals, tangents.map((t, i) => t ?? zerosOf(primals[i]!.aval))) as [JArray[], JArray[]];
    return [po, to.map((t, i) => (isFloat(po[i]!.dtype) ? t : null))];
  },
  customVjpCall: (primals, tangents, { fwd, bwd, numConsts, name }, interp) => {
    if (!interp.forReverse)
      throw new TypeError(`can't apply forward-mode autodiff (jvp) to a custom_vjp function (customVjp(${name})); use customJvp, or reverse mode`);
    if (tangents.slice(0, numConsts).some((t) => t !== null))
      throw new TypeError(`customVjp(${name}): the function closes over a value that is being differentiated; pass it as an argument instead`);
    const [outs, residuals] = fwd(primals) as [JArray[], JArray[]];
    const ts = tangents.slice(numConsts).map((t, i) => t ?? zerosOf(primals[numConsts + i]!.aval));
    const tOut = bind("customLin", [...residuals, ...ts], { bwd, numResiduals: residuals.length, outAvals: outs.map((o) => o.aval), name });
    return [outs, tOut];
  },
  customLin: (_p, _t, { name }) => {
    throw new TypeError(`customVjp(${name}): its linearized part cannot be differentiated in forward mode`);
  },
  cond: condJvp,
  while: whileJvp,
  scan: scanJvp,
  cholesky: choleskyJvp,
  triangularSolve: triangularSolveJvp,
  lu: luJvp,
  qr: qrJvp,
  geqrf: notDifferentiable("geqrf"),
  householderProduct: notDifferentiable("householderProduct"),
  eigh: eighJvp,
  svd: svdJvp,
};
