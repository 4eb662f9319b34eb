/**
 * Partial evaluation (the heart of linearize) of the control-flow primitives. Each splits its
 * sub-jaxprs with partialEvalJaxpr into a known half, run now by the parent interpreter, and
 * an unknown half recorded as the same primitive, which takes the known half's residuals:
 *
 * - cond: the branches are split jointly. An output unknown in any branch is unknown in all;
 *   the known cond returns the residuals of every branch (each branch zeros for the others',
 *   with residuals of the same type sharing a slot), and the unknown cond takes them all. An
 *   unknown index makes the whole cond unknown.
 * - scan: the unknown carries are found by fixpoint; per-iteration residuals are stacked as
 *   extra ys of the known scan and read back as xs by the unknown one. Residuals that do not
 *   change across iterations (known consts of the loop) go to the unknown scan as consts, so
 *   weights are never copied once per step.
 * - while: when the predicate depends only on known carries, a known while computes the
 *   known carries; the unknown ones come from recording the whole while (forward mode can
 *   evaluate it; reverse mode cannot transpose it, which is JAX's ValueError).
 */
import type { ShapedArray } from "../../ir/aval.js";
import { Jaxpr, Literal, Var } from "../../ir/jaxpr.js";
import { dce } from "../../ir/passes.js";
import type { Params } from "../../ir/primitives.js";
import type { JArray } from "../core/array.js";
import { evalJaxpr, literalArray, traceFlat } from "../core/evalJaxpr.js";
import { bind, withInterpreter } from "../core/interpreter.js";
import { type Hoisted, hoist, joinConsts } from "./controlFlowJvp.js";
import { type PartialEvalBuilder, type SplitJaxpr, partialEvalJaxpr } from "./partialEval.js";
import { recomputeCheapResiduals } from "./residualRecompute.js";
import { zerosOf } from "./transpose.js";

const pick = <T>(xs: readonly T[], mask: readonly boolean[], want: boolean): T[] => xs.filter((_, i) => mask[i] === want);

/** Puts known and unknown results back in their original order. */
function merge(outUnknowns: readonly boolean[], known: readonly JArray[], unknown: readonly JArray[]): JArray[] {
  let k = 0;
  let u = 0;
  return outUnknowns.map((isU) => (isU ? unknown[u++]! : known[k++]!));
}

const same = (a: readonly boolean[], b: readonly boolean[]) => a.every((x, i) => x === b[i]);

/**
 * The split with dead code removed from its unknown half and the residuals nothing reads
 * dropped from both halves (a jvp'd body can compute tangents it never returns), so a loop
 * never stacks a residual per step for nothing.
 */
function pruneResiduals(split: SplitJaxpr): SplitJaxpr {
  const u = dce(split.unknown);
  const used = new Set<Var>();
  const use = (a: Literal | Var) => {
    if (a instanceof Var) used.add(a);
  };
  for (const e of u.eqns) e.inputs.forEach(use);
  u.outs.forEach(use);
  const nr = split.numResiduals;
  const keep = u.invars.slice(0, nr).map((v) => used.has(v));
  if (keep.every((k) => k) && u === split.unknown) return split;
  const k = split.known;
  const numKnownOuts = k.outs.length - nr;
  return {
    ...split,
    known: dce(new Jaxpr([], k.invars, k.eqns, [...k.outs.slice(0, numKnownOuts), ...pick(k.outs.slice(numKnownOuts), keep, true)])),
    unknown: new Jaxpr([], [...pick(u.invars.slice(0, nr), keep, true), ...u.invars.slice(nr)], u.eqns, u.outs),
    numResiduals: keep.filter((x) => x).length,
  };
}

/**
 * Residual slots shared by branches: for each type, as many slots as the branch with the most
 * residuals of that type needs. `slotOf[k][i]` is the slot of branch k's i-th residual.
 */
function residualSlots(perBranch: readonly (readonly ShapedArray[])[]): { slots: ShapedArray[]; slotOf: number[][] } {
  const slots: ShapedArray[] = [];
  const byType = new Map<string, number[]>();
  const slotOf = perBranch.map((avals) => {
    const used = new Map<string, number>();
    return avals.map((aval) => {
      const key = `${aval.dtype}[${aval.shape.join(",")}]`;
      const n = used.get(key) ?? 0;
      used.set(key, n + 1);
      const list = byType.get(key) ?? [];
      byType.set(key, list);
      if (list.length <= n) {
        list.push(slots.length);
        slots.push(aval);
      }
      return list[n]!;
    });
  });
  return { slots, slotOf };
}

export function partialEvalCond(pe: PartialEvalBuilder, args: readonly JArray[], params: Params<"cond">): JArray[] {
  const [index, ...ops] = args;
  if (pe.isUnknown(index!)) return pe.record("cond", args, params);
  const { branches } = params;
  const opsUk = ops.map((x) => pe.isUnknown(x));
  let splits = branches.map((b) => partialEvalJaxpr(b, opsUk));
  const outUk = splits[0]!.outUnknowns.map((_, i) => splits.some((s) => s.outUnknowns[i]));
  if (splits.some((s) => !same(s.outUnknowns, outUk))) splits = branches.map((b) => partialEvalJaxpr(b, opsUk, outUk));
  splits = splits.map(pruneResiduals);
  // Only one branch runs, so branches share residual slots of the same type (as JAX merges
  // them): slot j of a type holds the j-th residual of that type of whichever branch ran.
  const { slots, slotOf } = residualSlots(splits.map((s) => s.unknown.invars.slice(0, s.numResiduals).map((v) => v.aval)));
  const numKnownOuts = outUk.filter((u) => !u).length;
  // Known branch k: its known outputs, then every slot (its residuals, zeros elsewhere).
  const known: Hoisted[] = splits.map((s, k) => {
    const traced = traceFlat(
      (...xs) => {
        const outs = evalJaxpr(s.known, [], xs);
        const res = outs.slice(numKnownOuts);
        const bySlot = new Map(slotOf[k]!.map((slot, i) => [slot, res[i]!]));
        return [...outs.slice(0, numKnownOuts), ...slots.map((aval, j) => bySlot.get(j) ?? zerosOf(aval))];
      },
      s.known.inAvals,
      "cond",
    );
    return { jaxpr: hoist(traced).jaxpr, consts: [...traced.consts, ...s.knownConsts] };
  });
  const knownJoined = joinConsts(known);
  const knownOuts = withInterpreter(pe.parent, () => bind("cond", [index!, ...knownJoined.consts, ...pick(ops, opsUk, false)], { branches: knownJoined.jaxprs }));
  if (!outUk.some((u) => u)) return knownOuts.slice(0, numKnownOuts);
  const residuals = knownOuts.slice(numKnownOuts);
  // Unknown branch k reads its residuals from their slots and ignores the other slots.
  const unknownBranches = splits.map((s, k) => {
    const u = s.unknown;
    const bySlot = new Map(slotOf[k]!.map((slot, i) => [slot, u.invars[i]!]));
    const invars = [...slots.map((aval, j) => bySlot.get(j) ?? new Var(aval)), ...u.invars.slice(s.numResiduals)];
    return new Jaxpr([], invars, u.eqns, u.outs);
  });
  const unknownOuts = pe.record("cond", [index!, ...residuals, ...pick(ops, opsUk, true)], { branches: unknownBranches });
  return merge(outUk, knownOuts.slice(0, numKnownOuts), unknownOuts);
}

/**
 * Where a residual of a scan body comes from without stacking it: a literal or a known const
 * of the loop (the same every iteration: passed as a const), or a known xs operand (passed as
 * the same xs). Null when it must be stacked by the known scan.
 */
function forwardedResidual(
  split: SplitJaxpr,
  atom: Literal | Var,
  knownConstArgs: readonly JArray[],
  knownCarryCount: number,
  knownXs: readonly JArray[],
): { value: JArray; asConst: boolean } | null {
  if (atom instanceof Literal) return { value: literalArray(atom), asConst: true };
  const i = split.known.invars.indexOf(atom);
  if (i < 0) return null;
  const nkc = split.knownConsts.length;
  if (i < nkc) return { value: split.knownConsts[i]!, asConst: true };
  if (i < nkc + knownConstArgs.length) return { value: knownConstArgs[i - nkc]!, asConst: true };
  const x = i - nkc - knownConstArgs.length - knownCarryCount;
  return x >= 0 ? { value: knownXs[x]!, asConst: false } : null;
}

export function partialEvalScan(pe: PartialEvalBuilder, args: readonly JArray[], params: Params<"scan">): JArray[] {
  const { jaxpr, numConsts: ncon, numCarry: nc, length, linear } = params;
  const uk = args.map((x) => pe.isUnknown(x));
  const constUk = uk.slice(0, ncon);
  const xsUk = uk.slice(ncon + nc);
  const numYs = jaxpr.outs.length - nc;
  let carryUk = uk.slice(ncon, ncon + nc);
  let split: SplitJaxpr;
  for (;;) {
    split = partialEvalJaxpr(jaxpr, [...constUk, ...carryUk, ...xsUk], [...carryUk, ...Array<boolean>(numYs).fill(false)]);
    const next = carryUk.map((u, i) => u || split.outUnknowns[i]!);
    if (same(next, carryUk)) break;
    carryUk = next;
  }
  split = recomputeCheapResiduals(pruneResiduals(split));
  const outUk = split.outUnknowns;
  const consts = args.slice(0, ncon);
  const carry = args.slice(ncon, ncon + nc);
  const xs = args.slice(ncon + nc);
  const knownConstArgs = pick(consts, constUk, false);
  const known = split.known;
  const numKnownOuts = known.outs.length - split.numResiduals;
  const resAtoms = known.outs.slice(numKnownOuts);
  const knownCarryCount = carryUk.filter((u) => !u).length;
  const forwarded = resAtoms.map((a) => forwardedResidual(split, a, knownConstArgs, knownCarryCount, pick(xs, xsUk, false)));
  const stacked = forwarded.map((f) => f === null);
  const asConst = forwarded.map((f) => f !== null && f.asConst);
  // The known scan: known carries and ys, then the per-iteration residuals as extra ys.
  const knownBody = dce(new Jaxpr([], known.invars, known.eqns, [...known.outs.slice(0, numKnownOuts), ...pick(resAtoms, stacked, true)]));
  const nkc = split.knownConsts.length;
  const knownOperands = [...split.knownConsts, ...knownConstArgs, ...pick(carry, carryUk, false), ...pick(xs, xsUk, false)];
  const knownOuts = withInterpreter(pe.parent, () =>
    bind("scan", knownOperands, {
      ...params,
      jaxpr: knownBody,
      numConsts: nkc + knownConstArgs.length,
      numCarry: knownCarryCount,
      linear: [...Array<boolean>(nkc).fill(false), ...pick(linear.slice(0, ncon), constUk, false), ...pick(linear.slice(ncon, ncon + nc), carryUk, false), ...pick(linear.slice(ncon + nc), xsUk, false)],
    }),
  );
  if (!outUk.some((u) => u)) return knownOuts.slice(0, numKnownOuts);
  // Per-iteration residuals: stacked by the known scan, or known xs passed on as they are.
  const fromKnown = knownOuts.slice(numKnownOuts);
  let k = 0;
  const perStep = forwarded.flatMap((f, i) => (asConst[i] ? [] : [f === null ? fromKnown[k++]! : f.value]));
  const invariantValues = forwarded.flatMap((f, i) => (asConst[i] ? [f!.value] : []));
  // The unknown scan: [invariant residuals, unknown consts | unknown carry | stacked residuals, unknown xs].
  const u = split.unknown;
  const nr = split.numResiduals;
  const resVars = u.invars.slice(0, nr);
  const ukIn = u.invars.slice(nr);
  const nuc = constUk.filter((x) => x).length;
  const nucarry = carryUk.filter((x) => x).length;
  const invars = [...pick(resVars, asConst, true), ...ukIn.slice(0, nuc), ...ukIn.slice(nuc, nuc + nucarry), ...pick(resVars, asConst, false), ...ukIn.slice(nuc + nucarry)];
  const unknownBody = new Jaxpr([], invars, u.eqns, u.outs);
  const ukConstArgs = pick(consts, constUk, true);
  const ukCarryArgs = pick(carry, carryUk, true);
  const ukXsArgs = pick(xs, xsUk, true);
  const falses = (n: number) => Array<boolean>(n).fill(false);
  const unknownOuts = pe.record("scan", [...invariantValues, ...ukConstArgs, ...ukCarryArgs, ...perStep, ...ukXsArgs], {
    ...params,
    jaxpr: unknownBody,
    numConsts: invariantValues.length + ukConstArgs.length,
    numCarry: ukCarryArgs.length,
    linear: [
      ...falses(invariantValues.length),
      ...pick(linear.slice(0, ncon), constUk, true),
      ...pick(linear.slice(ncon, ncon + nc), carryUk, true),
      ...falses(perStep.length),
      ...pick(linear.slice(ncon + nc), xsUk, true),
    ],
  });
  // Outputs: carries then ys, each half in its own order.
  const knownCarryOut = knownOuts.slice(0, knownCarryCount);
  const knownYs = knownOuts.slice(knownCarryOut.length, numKnownOuts);
  const ukCarryOut = unknownOuts.slice(0, nucarry);
  const ukYs = unknownOuts.slice(nucarry);
  return [...merge(outUk.slice(0, nc), knownCarryOut, ukCarryOut), ...merge(outUk.slice(nc), knownYs, ukYs)];
}

export function partialEvalWhile(pe: PartialEvalBuilder, args: readonly JArray[], params: Params<"while">): JArray[] {
  const { condJaxpr, bodyJaxpr, condNconsts: cn, bodyNconsts: bn } = params;
  const uk = args.map((x) => pe.isUnknown(x));
  const ccUk = uk.slice(0, cn);
  const bcUk = uk.slice(cn, cn + bn);
  let carryUk = uk.slice(cn + bn);
  let body: SplitJaxpr;
  for (;;) {
    body = partialEvalJaxpr(bodyJaxpr, [...bcUk, ...carryUk], carryUk);
    const next = carryUk.map((u, i) => u || body.outUnknowns[i]!);
    if (same(next, carryUk)) break;
    carryUk = next;
  }
  const cond = partialEvalJaxpr(condJaxpr, [...ccUk, ...carryUk]);
  if (cond.outUnknowns[0] || carryUk.every((u) => u)) return pe.record("while", args, params);
  const carry = args.slice(cn + bn);
  const numKnownCarry = carryUk.filter((u) => !u).length;
  const knownCond = dce(new Jaxpr([], cond.known.invars, cond.known.eqns, [cond.known.outs[0]!]));
  const knownBody = dce(new Jaxpr([], body.known.invars, body.known.eqns, body.known.outs.slice(0, numKnownCarry)));
  const knownCondConsts = [...cond.knownConsts, ...pick(args.slice(0, cn), ccUk, false)];
  const knownBodyConsts = [...body.knownConsts, ...pick(args.slice(cn, cn + bn), bcUk, false)];
  const knownOuts = withInterpreter(pe.parent, () =>
    bind("while", [...knownCondConsts, ...knownBodyConsts, ...pick(carry, carryUk, false)], {
      condJaxpr: knownCond,
      condNconsts: knownCondConsts.length,
      bodyJaxpr: knownBody,
      bodyNconsts: knownBodyConsts.length,
    }),
  );
  const recorded = carryUk.some((u) => u) ? pe.record("while", args, params) : [];
  return merge(carryUk, knownOuts, pick(recorded, carryUk, true));
}
