/**
 * Transpose rules of the control-flow primitives: cond transposes each branch; scan
 * transposes into a scan running the other way that accumulates the constants' cotangents
 * in its carry; while has no transpose (JAX's ValueError).
 */
import { sliceAval } from "../../ir/controlFlow.js";
import type { JArray } from "../core/array.js";
import { traceFlat } from "../core/evalJaxpr.js";
import { bind } from "../core/interpreter.js";
import { ValueError } from "../errors.js";
import { hoist, joinConsts } from "./controlFlowJvp.js";
import { type Cotangent, UndefinedPrimal, addCotangents, backwardPass, transposeJaxpr, zerosOf } from "./transpose.js";
import type { TransposeRule } from "./transposeRules.js";

const isLinear = (x: unknown): x is UndefinedPrimal => x instanceof UndefinedPrimal;

/**
 * cond: every branch is transposed w.r.t. the linear operands (the index and the residuals
 * are not linear), and one cond picks the transposed branch by the same index.
 */
export const condTranspose: TransposeRule<"cond"> = (cts, inputs, { branches }, outAvals) => {
  const [index, ...ops] = inputs;
  if (index === undefined || isLinear(index)) throw new Error("internal: the index of a cond cannot be linear");
  const linear = ops.map(isLinear);
  const { jaxprs, consts } = joinConsts(branches.map((b) => transposeJaxpr(b, linear)));
  const nonlinear = ops.filter((x): x is JArray => !isLinear(x));
  const ctsIn = cts.map((c, i) => c ?? zerosOf(outAvals[i]!));
  const outs = bind("cond", [index, ...consts, ...nonlinear, ...ctsIn], { branches: jaxprs });
  let k = 0;
  return [null, ...linear.map((l) => (l ? outs[k++]! : null))];
};

export const whileTranspose: TransposeRule<"while"> = () => {
  throw new ValueError(
    "Reverse-mode differentiation does not work for lax.while_loop or lax.fori_loop with dynamic start/stop values. " +
      "Try using lax.scan, or using fori_loop with static start/stop.",
  );
};

/**
 * scan: the transposed scan runs the other way. Its consts are the non-linear consts; its
 * carry is the running cotangent of the linear consts (summed over iterations) and the
 * carry's cotangent; its xs are the non-linear xs (residuals) and the ys' cotangents; its ys
 * are the cotangents of the linear xs. Carries are always treated as linear (a carry that
 * starts from a known value, such as instantiated zeros, just gets its cotangent dropped).
 */
export const scanTranspose: TransposeRule<"scan"> = (cts, inputs, params, outAvals) => {
  const { jaxpr, numConsts: ncon, numCarry: nc, reverse } = params;
  const consts = inputs.slice(0, ncon);
  const carry = inputs.slice(ncon, ncon + nc);
  const xs = inputs.slice(ncon + nc);
  const constLin = consts.map(isLinear);
  const xsLin = xs.map(isLinear);
  const nonlinConsts = consts.filter((x): x is JArray => !isLinear(x));
  const linConstAvals = consts.filter(isLinear).map((x) => x.aval);
  const resXs = xs.filter((x): x is JArray => !isLinear(x));
  const carryAvals = jaxpr.invars.slice(ncon, ncon + nc).map((v) => v.aval);
  const yAvals = jaxpr.outs.slice(nc).map((o) => o.aval);
  const linXAvals = jaxpr.invars.slice(ncon + nc).filter((_, i) => xsLin[i]).map((v) => v.aval);
  const nN = nonlinConsts.length;
  const nL = linConstAvals.length;
  const nR = resXs.length;
  const bodyLinear = [...constLin, ...carry.map(() => true), ...xsLin];
  const traced = traceFlat(
    (...a) => {
      const nConsts = a.slice(0, nN);
      const acc = a.slice(nN, nN + nL);
      const ctCarry = a.slice(nN + nL, nN + nL + nc);
      const res = a.slice(nN + nL + nc, nN + nL + nc + nR);
      const ctY = a.slice(nN + nL + nc + nR);
      let i = 0;
      let j = 0;
      const args = [...constLin.map((l) => (l ? null : nConsts[i++]!)), ...carry.map(() => null), ...xsLin.map((l) => (l ? null : res[j++]!))];
      const inCts = backwardPass(jaxpr, bodyLinear, args, [...ctCarry, ...ctY]);
      const constCts = inCts.slice(0, ncon).filter((_, k) => constLin[k]);
      const newAcc = acc.map((s, k) => addCotangents(s, constCts[k] ?? null)!);
      const carryCts = inCts.slice(ncon, ncon + nc).map((c, k) => c ?? zerosOf(carryAvals[k]!));
      const xCts = inCts.slice(ncon + nc).filter((_, k) => xsLin[k]);
      return [...newAcc, ...carryCts, ...xCts.map((c, k) => c ?? zerosOf(linXAvals[k]!))];
    },
    [...nonlinConsts.map((x) => x.aval), ...linConstAvals, ...carryAvals, ...resXs.map((x) => sliceAval(x.aval)), ...yAvals],
    "scan transpose",
  );
  const body = hoist(traced);
  const ctCarryIn = cts.slice(0, nc).map((c, k) => c ?? zerosOf(outAvals[k]!));
  const ctYs = cts.slice(nc).map((c, k) => c ?? zerosOf(outAvals[nc + k]!));
  const nt = body.consts.length;
  const falses = (n: number) => Array<boolean>(n).fill(false);
  const trues = (n: number) => Array<boolean>(n).fill(true);
  const outs = bind("scan", [...body.consts, ...nonlinConsts, ...linConstAvals.map(zerosOf), ...ctCarryIn, ...resXs, ...ctYs], {
    ...params,
    jaxpr: body.jaxpr,
    numConsts: nt + nN,
    numCarry: nL + nc,
    reverse: !reverse,
    linear: [...falses(nt + nN), ...trues(nL + nc), ...falses(nR), ...trues(ctYs.length)],
  });
  const constCts = outs.slice(0, nL);
  const carryCts = outs.slice(nL, nL + nc);
  const xCts = outs.slice(nL + nc);
  let a = 0;
  let b = 0;
  return [
    ...constLin.map((l) => (l ? constCts[a++]! : null)),
    ...carry.map((c, k): Cotangent => (isLinear(c) ? carryCts[k]! : null)),
    ...xsLin.map((l) => (l ? xCts[b++]! : null)),
  ];
};
