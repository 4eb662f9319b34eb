/**
 * Batching rules of the control-flow primitives, JAX's algorithms:
 * - cond: with an unmapped index every branch is batched alike and the outputs batched in any
 *   branch are batched in all; a batched index evaluates every branch and selects per lane.
 * - while: the batched carries are found by fixpoint; a batched predicate runs the loop until
 *   every lane is done, and the body only updates the lanes whose own predicate still holds.
 * - scan: the batched carries are found by fixpoint; batched xs keep the scan axis first.
 * Sub-jaxprs are batched as jaxprs (batchJaxpr), never by retracing user code.
 */
import { isFloat } from "../../ir/dtype.js";
import { Jaxpr, Var } from "../../ir/jaxpr.js";
import type { JArray } from "../core/array.js";
import { scalar } from "../core/convert.js";
import { evalJaxpr, traceFlat } from "../core/evalJaxpr.js";
import { bind } from "../core/interpreter.js";
import * as lax from "../lax.js";
import type { BatchRule } from "./batchRules.js";
import { type BDim, batchFlat, batchJaxpr, moveBdim } from "./batching.js";

/** Batch dims for values batched at 0 where `batched`, unmapped elsewhere. */
const atZeroWhere = (batched: readonly boolean[]): BDim[] => batched.map((b) => (b ? 0 : null));

/** `x` at batch dim 0 where `batched` (broadcast if it was unmapped), untouched otherwise. */
const moveWhere = (xs: readonly JArray[], dims: readonly BDim[], batched: readonly boolean[], n: number): JArray[] =>
  xs.map((x, i) => (batched[i] ? moveBdim(x, dims[i] ?? null, 0, n) : x));

/**
 * Which loop carries are batched: those batched on entry, and every carry the body makes
 * batched from batched carries (or consts), iterated until nothing changes. `carryOutDims`
 * batches the body with the carries batched at 0 where the flags say so.
 */
function batchedCarries(initial: readonly boolean[], carryOutDims: (carryDims: BDim[]) => BDim[]): boolean[] {
  let batched = [...initial];
  for (;;) {
    const out = carryOutDims(atZeroWhere(batched));
    const next = batched.map((b, i) => b || out[i] !== null);
    if (next.every((b, i) => b === batched[i])) return batched;
    batched = next;
  }
}

/** A traced function as a closed jaxpr: the values it captured become leading invars. */
function closedTrace(f: (...xs: JArray[]) => JArray[], args: readonly JArray[], name: string): { jaxpr: Jaxpr; consts: JArray[] } {
  const t = traceFlat(f, args.map((x) => x.aval), name);
  return { jaxpr: new Jaxpr([], [...t.jaxpr.constvars, ...t.jaxpr.invars], t.jaxpr.eqns, t.jaxpr.outs), consts: t.consts };
}

/**
 * One operand list for several jaxprs whose leading invars stand for their own constants:
 * the constants of all of them, then the shared operands; jaxpr k ignores the others' constants.
 */
function shareConsts(parts: readonly { jaxpr: Jaxpr; consts: JArray[] }[]): { jaxprs: Jaxpr[]; consts: JArray[] } {
  const consts = parts.flatMap((p) => p.consts);
  let offset = 0;
  const jaxprs = parts.map(({ jaxpr, consts: own }) => {
    const k = own.length;
    const ignored = (cs: readonly JArray[]) => cs.map((c) => new Var(c.aval));
    const invars = [...ignored(consts.slice(0, offset)), ...jaxpr.invars.slice(0, k), ...ignored(consts.slice(offset + k)), ...jaxpr.invars.slice(k)];
    offset += k;
    return new Jaxpr([], invars, jaxpr.eqns, jaxpr.outs);
  });
  return { jaxprs, consts };
}

/**
 * Every branch on every lane, then each lane's result chosen by its own (clamped) index: the
 * per-example function that a batched index turns cond into. As in JAX, a branch sees its float
 * operands through `select(taken, x, stopGradient(x))`, so that reverse mode sends no cotangent
 * (and no 0 * inf = NaN) into lanes that took another branch.
 */
function selectBranches(branches: readonly Jaxpr[], index: JArray, ops: readonly JArray[]): JArray[] {
  const i = lax.clamp(scalar(0, "int32"), index, scalar(branches.length - 1, "int32"));
  const outs = branches.map((b, k) => {
    const taken = lax.eq(i, scalar(k, "int32"));
    // Only operands the branch reads need the guard (a branch ignores the other branches' consts).
    const used = new Set<unknown>([...b.eqns.flatMap((e) => e.inputs), ...b.outs]);
    return evalJaxpr(
      b,
      [],
      ops.map((x, j) => (isFloat(x.dtype) && used.has(b.invars[j]) ? lax.select(taken, x, lax.stopGradient(x)) : x)),
    );
  });
  return outs[0]!.map((_, j) => (branches.length === 1 ? outs[0]![j]! : lax.selectN(i, ...outs.map((o) => o[j]!))));
}

export const condBatch: BatchRule<"cond"> = (values, dims, { branches }, n) => {
  const [index, ...ops] = values;
  const [indexDim, ...opDims] = dims;
  if ((indexDim ?? null) !== null) {
    // Each lane may take another branch: evaluate them all, batched, and select per lane.
    return batchFlat((i, ...xs) => selectBranches(branches, i!, xs), values, dims, n);
  }
  // One branch for all lanes: batch each branch with the operands' dims, and batch (at 0) every
  // output that any branch batches, so that all branches return the same types.
  const outBatched = branches
    .map((b) => batchJaxpr(b, opDims, n, false).outDims)
    .reduce((acc, ds) => acc.map((a, i) => a || ds[i] !== null), branches[0]!.outAvals.map(() => false));
  const { jaxprs, consts } = shareConsts(branches.map((b) => batchJaxpr(b, opDims, n, outBatched)));
  const outs = bind("cond", [index!, ...consts, ...ops], { branches: jaxprs });
  return [outs, atZeroWhere(outBatched)];
};

export const whileBatch: BatchRule<"while"> = (values, dims, params, n) => {
  const { condJaxpr, bodyJaxpr, condNconsts, bodyNconsts } = params;
  const split = <T>(xs: readonly T[]) => [xs.slice(0, condNconsts), xs.slice(condNconsts, condNconsts + bodyNconsts), xs.slice(condNconsts + bodyNconsts)] as const;
  const [condConsts, bodyConsts, carry0] = split(values);
  const [condDims, bodyDims, carryDims] = split(dims.map((d) => d ?? null));
  const predDim = (carryIn: BDim[]) => batchJaxpr(condJaxpr, [...condDims, ...carryIn], n, false).outDims[0] ?? null;
  let carryBatched = batchedCarries(
    carryDims.map((d) => d !== null),
    (carryIn) => batchJaxpr(bodyJaxpr, [...bodyDims, ...carryIn], n, false).outDims,
  );

  if (predDim(atZeroWhere(carryBatched)) === null) {
    // Every lane runs the same number of iterations: a while loop of the batched body.
    const carry = moveWhere(carry0, carryDims, carryBatched, n);
    const c = batchJaxpr(condJaxpr, [...condDims, ...atZeroWhere(carryBatched)], n, false);
    const b = batchJaxpr(bodyJaxpr, [...bodyDims, ...atZeroWhere(carryBatched)], n, carryBatched);
    const outs = bind("while", [...c.consts, ...condConsts, ...b.consts, ...bodyConsts, ...carry], {
      condJaxpr: c.jaxpr,
      bodyJaxpr: b.jaxpr,
      condNconsts: c.consts.length + condNconsts,
      bodyNconsts: b.consts.length + bodyNconsts,
    });
    return [outs, atZeroWhere(carryBatched)];
  }

  // Lanes finish at different iterations, so every carry differs per lane: all are batched. The
  // loop runs while any lane's predicate holds, and a lane whose predicate is false keeps its carry.
  carryBatched = carryBatched.map(() => true);
  const carry = moveWhere(carry0, carryDims, carryBatched, n);
  const carryIn = atZeroWhere(carryBatched);
  const nc = condNconsts;
  const nb = bodyNconsts;
  const cond = closedTrace(
    (...xs) => {
      const [[pred], [d]] = batchFlat((...ys) => evalJaxpr(condJaxpr, [], ys), xs, [...condDims, ...carryIn], n);
      return [lax.reduceOr(moveBdim(pred!, d ?? null, 0, n), [0])];
    },
    [...condConsts, ...carry],
    "vmap(while cond)",
  );
  const body = closedTrace(
    (...xs) => {
      const [outs, ds] = batchFlat(
        (...ys) => {
          const c = ys.slice(nc + nb);
          const [pred] = evalJaxpr(condJaxpr, [], [...ys.slice(0, nc), ...c]);
          const next = evalJaxpr(bodyJaxpr, [], ys.slice(nc));
          return next.map((x, i) => lax.select(pred!, x, c[i]!));
        },
        xs,
        [...condDims, ...bodyDims, ...carryIn],
        n,
      );
      return outs.map((o, i) => moveBdim(o, ds[i] ?? null, 0, n));
    },
    [...condConsts, ...bodyConsts, ...carry],
    "vmap(while body)",
  );
  // The body reads the cond consts too (to compute each lane's predicate).
  const outs = bind("while", [...cond.consts, ...condConsts, ...body.consts, ...condConsts, ...bodyConsts, ...carry], {
    condJaxpr: cond.jaxpr,
    bodyJaxpr: body.jaxpr,
    condNconsts: cond.consts.length + nc,
    bodyNconsts: body.consts.length + nc + nb,
  });
  return [outs, atZeroWhere(carryBatched)];
};

export const scanBatch: BatchRule<"scan"> = (values, dims, params, n) => {
  const { jaxpr, numConsts, numCarry, linear } = params;
  const ds = dims.map((d) => d ?? null);
  const consts = values.slice(0, numConsts);
  const carry0 = values.slice(numConsts, numConsts + numCarry);
  const constDims = ds.slice(0, numConsts);
  const carryDims = ds.slice(numConsts, numConsts + numCarry);
  // Axis 0 of xs is the scan axis: a batch dim there moves behind it, and each slice of a
  // batched x then has its batch dim one lower.
  const xsDims = ds.slice(numConsts + numCarry);
  const xs = values.slice(numConsts + numCarry).map((x, i) => (xsDims[i] === 0 ? moveBdim(x, 0, 1, n) : x));
  const sliceDims = xsDims.map((d) => (d === null ? null : d === 0 ? 0 : d - 1));
  const inDims = (carryIn: BDim[]) => [...constDims, ...carryIn, ...sliceDims];
  const carryBatched = batchedCarries(
    carryDims.map((d) => d !== null),
    (carryIn) => batchJaxpr(jaxpr, inDims(carryIn), n, false).outDims.slice(0, numCarry),
  );
  const numYs = jaxpr.outs.length - numCarry;
  const b = batchJaxpr(jaxpr, inDims(atZeroWhere(carryBatched)), n, [...carryBatched, ...Array<boolean>(numYs).fill(false)]);
  const carry = moveWhere(carry0, carryDims, carryBatched, n);
  const outs = bind("scan", [...b.consts, ...consts, ...carry, ...xs], {
    ...params,
    jaxpr: b.jaxpr,
    numConsts: b.consts.length + numConsts,
    linear: [...b.consts.map(() => false), ...linear],
  });
  // A y batched at 0 in the body is stacked behind the scan axis.
  const yDims = b.outDims.slice(numCarry).map((d) => (d === null ? null : 1));
  return [outs, [...atZeroWhere(carryBatched), ...yDims]];
};
