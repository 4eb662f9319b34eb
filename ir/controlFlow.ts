/**
 * The structured control-flow primitives' shape rules: `cond` (cond and switch), `while`
 * and `scan`. Each carries closed sub-jaxprs in its params whose constants were hoisted into
 * leading invars (and are passed as explicit operands), so a sub-jaxpr never closes over
 * anything and every transform can rewrite it without retracing user code.
 *
 * Operand layouts (those of JAX's lax):
 * - cond:  [index: i32[], ...operands]; every branch maps the operands to the same output types.
 * - while: [...condConsts, ...bodyConsts, ...carry]; condJaxpr(condConsts, carry) -> bool[],
 *          bodyJaxpr(bodyConsts, carry) -> carry.
 * - scan:  [...consts, ...carry, ...xs]; jaxpr(consts, carry, x) -> [carry, y] where x and y
 *          are the xs and ys without their leading axis of size `length`.
 */
import * as E from "fp-ts/lib/Either.js";
import { ShapedArray } from "./aval.js";
import type { Jaxpr } from "./jaxpr.js";

type Either<A> = E.Either<string, A>;

const fmt = (avals: readonly ShapedArray[]) => `(${avals.map((a) => a.toString()).join(", ")})`;

/** Whether two lists of avals agree in shape and dtype (weak types aside). */
function sameTypes(a: readonly ShapedArray[], b: readonly ShapedArray[]): boolean {
  return a.length === b.length && a.every((x, i) => x.sameType(b[i]!));
}

/** Output types of several computations that must agree: weak only where all are weak. */
export function joinAvals(lists: readonly (readonly ShapedArray[])[]): ShapedArray[] {
  const first = lists[0] ?? [];
  return first.map((a, i) => (lists.every((l) => l[i]!.weakType) ? a : a.strongly()));
}

export interface CondParams {
  branches: readonly Jaxpr[];
}

export function condRule(inputs: readonly ShapedArray[], { branches }: CondParams): Either<ShapedArray[]> {
  const index = inputs[0];
  if (index === undefined) return E.left("cond takes an index operand first");
  if (index.ndim !== 0 || index.dtype !== "int32") return E.left(`cond: the index must be an i32[] scalar, got ${index}`);
  if (branches.length === 0) return E.left("cond needs at least one branch");
  const ops = inputs.slice(1);
  for (const [k, b] of branches.entries()) {
    if (b.constvars.length !== 0) return E.left(`cond: branch ${k} has constvars; constants must be hoisted into operands`);
    if (!sameTypes(b.inAvals, ops)) return E.left(`cond: branch ${k} takes ${fmt(b.inAvals)} but the operands are ${fmt(ops)}`);
    if (!sameTypes(b.outAvals, branches[0]!.outAvals))
      return E.left(`cond: branch ${k} returns ${fmt(b.outAvals)} but branch 0 returns ${fmt(branches[0]!.outAvals)}`);
  }
  return E.right(joinAvals(branches.map((b) => b.outAvals)));
}

export interface WhileParams {
  bodyJaxpr: Jaxpr;
  bodyNconsts: number;
  condJaxpr: Jaxpr;
  condNconsts: number;
}

export function whileRule(inputs: readonly ShapedArray[], p: WhileParams): Either<ShapedArray[]> {
  const { condJaxpr, bodyJaxpr, condNconsts, bodyNconsts } = p;
  if (inputs.length < condNconsts + bodyNconsts) return E.left(`while: expected at least ${condNconsts + bodyNconsts} operands, got ${inputs.length}`);
  const condConsts = inputs.slice(0, condNconsts);
  const bodyConsts = inputs.slice(condNconsts, condNconsts + bodyNconsts);
  const carry = inputs.slice(condNconsts + bodyNconsts);
  if (condJaxpr.constvars.length || bodyJaxpr.constvars.length) return E.left("while: constants must be hoisted into operands");
  if (!sameTypes(condJaxpr.inAvals, [...condConsts, ...carry]))
    return E.left(`while: cond_jaxpr takes ${fmt(condJaxpr.inAvals)} but gets ${fmt([...condConsts, ...carry])}`);
  const pred = condJaxpr.outAvals;
  if (pred.length !== 1 || pred[0]!.ndim !== 0 || pred[0]!.dtype !== "bool")
    return E.left(`while: cond_jaxpr must return one bool[] scalar, got ${fmt(pred)}`);
  if (!sameTypes(bodyJaxpr.inAvals, [...bodyConsts, ...carry]))
    return E.left(`while: body_jaxpr takes ${fmt(bodyJaxpr.inAvals)} but gets ${fmt([...bodyConsts, ...carry])}`);
  if (!sameTypes(bodyJaxpr.outAvals, carry)) return E.left(`while: body_jaxpr returns ${fmt(bodyJaxpr.outAvals)} for a carry of ${fmt(carry)}`);
  return E.right(joinAvals([carry, bodyJaxpr.outAvals]));
}

export interface ScanParams {
  jaxpr: Jaxpr;
  length: number;
  /** Which operands the scan is linear in (informational, as in JAX; transposition decides by itself). */
  linear: readonly boolean[];
  numCarry: number;
  numConsts: number;
  reverse: boolean;
  /** How many iterations one loop trip runs (a code-generation hint; never changes results). */
  unroll: number;
}

/** The aval of one slice of a stacked array (its leading axis removed). */
export const sliceAval = (a: ShapedArray): ShapedArray => new ShapedArray(a.shape.slice(1), a.dtype, a.weakType);
/** The aval of `length` stacked slices. */
export const stackAval = (a: ShapedArray, length: number): ShapedArray => new ShapedArray([length, ...a.shape], a.dtype, a.weakType);

export function scanRule(inputs: readonly ShapedArray[], p: ScanParams): Either<ShapedArray[]> {
  const { jaxpr, length, numConsts, numCarry, linear } = p;
  if (!Number.isInteger(length) || length < 0) return E.left(`scan: length must be a non-negative integer, got ${length}`);
  if (jaxpr.constvars.length) return E.left("scan: constants must be hoisted into operands");
  if (inputs.length < numConsts + numCarry) return E.left(`scan: expected at least ${numConsts + numCarry} operands, got ${inputs.length}`);
  if (linear.length !== inputs.length) return E.left(`scan: linear has ${linear.length} entries for ${inputs.length} operands`);
  const consts = inputs.slice(0, numConsts);
  const carry = inputs.slice(numConsts, numConsts + numCarry);
  const xs = inputs.slice(numConsts + numCarry);
  for (const x of xs) if (x.ndim === 0 || x.shape[0] !== length) return E.left(`scan: a scanned operand ${x} does not have leading axis ${length}`);
  const expected = [...consts, ...carry, ...xs.map(sliceAval)];
  if (!sameTypes(jaxpr.inAvals, expected)) return E.left(`scan: the body takes ${fmt(jaxpr.inAvals)} but gets ${fmt(expected)}`);
  const outs = jaxpr.outAvals;
  if (outs.length < numCarry) return E.left(`scan: the body returns ${outs.length} values for ${numCarry} carries`);
  const carryOut = outs.slice(0, numCarry);
  if (!sameTypes(carryOut, carry)) return E.left(`scan: the body returns the carry ${fmt(carryOut)} for a carry of ${fmt(carry)}`);
  return E.right([...joinAvals([carry, carryOut]), ...outs.slice(numCarry).map((y) => stackAval(y, length))]);
}
