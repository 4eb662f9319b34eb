/**
 * The reference implementations of cond, while and scan: plain loops over the sub-jaxprs,
 * evaluated by the same reference interpreter. Obviously right; the oracle for the compiled
 * loops.
 */
import { evalJaxprRef } from "./index.js";
import { type RefBuffer, type RefImpl, alloc, at } from "./util.js";

export const condImpl: RefImpl<"cond"> = (inputs, _inAvals, { branches }) => {
  // The index is clamped into range, as lax.switch promises (lax.cond passes 0 or 1).
  const i = Math.min(Math.max(Number(at(inputs, 0)[0]), 0), branches.length - 1);
  return evalJaxprRef(branches[i]!, [], inputs.slice(1));
};

export const whileImpl: RefImpl<"while"> = (inputs, _inAvals, { condJaxpr, bodyJaxpr, condNconsts, bodyNconsts }) => {
  const condConsts = inputs.slice(0, condNconsts);
  const bodyConsts = inputs.slice(condNconsts, condNconsts + bodyNconsts);
  let carry: readonly RefBuffer[] = inputs.slice(condNconsts + bodyNconsts).map((b) => b.slice());
  while (at(evalJaxprRef(condJaxpr, [], [...condConsts, ...carry]), 0)[0] !== 0) carry = evalJaxprRef(bodyJaxpr, [], [...bodyConsts, ...carry]);
  return [...carry];
};

export const scanImpl: RefImpl<"scan"> = (inputs, inAvals, { jaxpr, length, reverse, numConsts, numCarry }, outAvals) => {
  const consts = inputs.slice(0, numConsts);
  let carry: readonly RefBuffer[] = inputs.slice(numConsts, numConsts + numCarry).map((b) => b.slice());
  const xs = inputs.slice(numConsts + numCarry);
  const xSizes = inAvals.slice(numConsts + numCarry).map((a) => a.size / Math.max(length, 1));
  const ys = outAvals.slice(numCarry).map(alloc);
  const ySizes = outAvals.slice(numCarry).map((a) => a.size / Math.max(length, 1));
  for (let step = 0; step < length; step++) {
    const t = reverse ? length - 1 - step : step;
    const x = xs.map((buf, k) => buf.subarray(t * xSizes[k]!, (t + 1) * xSizes[k]!) as RefBuffer);
    const outs = evalJaxprRef(jaxpr, [], [...consts, ...carry, ...x]);
    carry = outs.slice(0, numCarry);
    outs.slice(numCarry).forEach((y, k) => ys[k]!.set(y as never, t * ySizes[k]!));
  }
  return [...carry, ...ys];
};
