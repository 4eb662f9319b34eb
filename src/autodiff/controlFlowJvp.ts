/**
 * jvp rules of the control-flow primitives (cond, while, scan): each transforms its
 * sub-jaxprs with jvpJaxpr, never retracing user code. Symbolic zeros survive where they
 * can: a branch or loop gets tangent operands only for the inputs whose tangents are nonzero,
 * and outputs only for the tangents that some branch (or some iteration) makes nonzero.
 */
import { Jaxpr, Var } from "../../ir/jaxpr.js";
import type { JArray } from "../core/array.js";
import { bind } from "../core/interpreter.js";
import { type Tangent, hasTangentSpace, jvpJaxpr } from "./jvp.js";
import type { JvpRule } from "./jvpRules.js";
import { zerosOf } from "./transpose.js";

/** A closed jaxpr whose captured values are its leading invars, and those values. */
export interface Hoisted {
  jaxpr: Jaxpr;
  consts: JArray[];
}

/** A traced jaxpr with its constvars turned into leading invars. */
export function hoist(traced: { jaxpr: Jaxpr; consts: JArray[] }): Hoisted {
  const j = traced.jaxpr;
  return { jaxpr: new Jaxpr([], [...j.constvars, ...j.invars], j.eqns, j.outs), consts: traced.consts };
}

/**
 * Gives several jaxprs (branches), each taking its own `consts` first, one operand list:
 * the consts of all of them, then the common operands. Each ignores the others' consts.
 */
export function joinConsts(parts: readonly Hoisted[]): { jaxprs: Jaxpr[]; consts: JArray[] } {
  const consts = parts.flatMap((p) => p.consts);
  let offset = 0;
  const jaxprs = parts.map(({ jaxpr, consts: own }) => {
    const n = own.length;
    const fresh = (cs: readonly JArray[]) => cs.map((c) => new Var(c.aval));
    const invars = [...fresh(consts.slice(0, offset)), ...jaxpr.invars.slice(0, n), ...fresh(consts.slice(offset + n)), ...jaxpr.invars.slice(n)];
    offset += n;
    return new Jaxpr([], invars, jaxpr.eqns, jaxpr.outs);
  });
  return { jaxprs, consts };
}

/** The jaxpr with its invars permuted: `order[k]` is the old position of the new k-th invar. */
export function permuteInvars(jaxpr: Jaxpr, order: readonly number[]): Jaxpr {
  return new Jaxpr([], order.map((i) => jaxpr.invars[i]!), jaxpr.eqns, jaxpr.outs);
}

export const span = (start: number, n: number): number[] => Array.from({ length: n }, (_, i) => start + i);

const nz = (t: Tangent) => t !== null;
const nonzeroOnly = (ts: readonly Tangent[]) => ts.filter(nz) as JArray[];

/** Re-inserts the tangents of `outs` at the positions `nonzero` names (null elsewhere). */
function spread(nonzero: readonly boolean[], ts: readonly JArray[]): Tangent[] {
  let k = 0;
  return nonzero.map((n) => (n ? ts[k++]! : null));
}

/**
 * cond: every branch is differentiated w.r.t. the operands whose tangents are nonzero; an
 * output tangent is materialized in every branch when any branch makes it nonzero.
 */
export const condJvp: JvpRule<"cond"> = (primals, tangents, { branches }, interp) => {
  const [index, ...ops] = primals;
  const inNz = tangents.slice(1).map(nz);
  let jvps = branches.map((b) => jvpJaxpr(b, inNz, interp.forReverse));
  const numOuts = branches[0]!.outs.length;
  const outNz = span(0, numOuts).map((i) => jvps.some((j) => j.outNonzero[i]));
  // No branch makes any output vary: the primal cond alone.
  if (!outNz.some((n) => n)) return [bind("cond", primals, { branches }), outNz.map(() => null)];
  if (jvps.some((j) => j.outNonzero.some((n, i) => n !== outNz[i]))) jvps = branches.map((b) => jvpJaxpr(b, inNz, interp.forReverse, outNz));
  const { jaxprs, consts } = joinConsts(jvps);
  const outs = bind("cond", [index!, ...consts, ...ops, ...nonzeroOnly(tangents.slice(1))], { branches: jaxprs });
  return [outs.slice(0, numOuts), spread(outNz, outs.slice(numOuts))];
};

/**
 * The carry tangents a loop body makes nonzero, found by fixpoint: a carry whose tangent is
 * nonzero after one iteration is nonzero on entry to the next. Returns the body's jvp with
 * exactly those carry tangents (instantiated as zeros where one iteration gives none).
 */
function loopJvpFixpoint(
  body: Jaxpr,
  before: readonly boolean[],
  carryNz0: readonly boolean[],
  after: readonly boolean[],
  carry: readonly JArray[],
  forReverse: boolean,
): { carryNz: boolean[]; jvp: ReturnType<typeof jvpJaxpr> } {
  const numCarry = carryNz0.length;
  let carryNz = carryNz0.map((n, i) => n && hasTangentSpace(carry[i]!.aval));
  for (;;) {
    const instantiate = [...carryNz, ...body.outs.slice(numCarry).map(() => false)];
    const jvp = jvpJaxpr(body, [...before, ...carryNz, ...after], forReverse, instantiate);
    const next = carryNz.map((n, i) => n || jvp.outNonzero[i]!);
    if (next.every((n, i) => n === carryNz[i])) return { carryNz, jvp };
    carryNz = next;
  }
}

/**
 * while: the body carries primal and tangent values; the cond_jaxpr takes (and ignores) the
 * tangent carries. Tangents of cond_consts cannot matter (the predicate is boolean).
 */
export const whileJvp: JvpRule<"while"> = (primals, tangents, params, interp) => {
  const { condJaxpr, bodyJaxpr, condNconsts: cn, bodyNconsts: bn } = params;
  const condConsts = primals.slice(0, cn);
  const bodyConsts = primals.slice(cn, cn + bn);
  const carry = primals.slice(cn + bn);
  const bodyConstTs = tangents.slice(cn, cn + bn);
  const carryTs = tangents.slice(cn + bn);
  const { carryNz, jvp } = loopJvpFixpoint(bodyJaxpr, bodyConstTs.map(nz), carryTs.map(nz), [], carry, interp.forReverse);
  if (!carryNz.some((n) => n)) return [bind("while", primals, params), carry.map(() => null)];
  const nc = carry.length;
  const nj = jvp.consts.length;
  const nbt = bodyConstTs.filter(nz).length;
  const nct = carryNz.filter((n) => n).length;
  // jvp invars: [jvp consts, body consts, carry, body-const tangents, carry tangents].
  const body = permuteInvars(jvp.jaxpr, [...span(0, nj + bn), ...span(nj + bn + nc, nbt), ...span(nj + bn, nc), ...span(nj + bn + nc + nbt, nct)]);
  const tangentCarry = carry.flatMap((c, i) => (carryNz[i] ? [carryTs[i] ?? zerosOf(c.aval)] : []));
  const cond = new Jaxpr([], [...condJaxpr.invars, ...tangentCarry.map((t) => new Var(t.aval))], condJaxpr.eqns, condJaxpr.outs);
  const outs = bind("while", [...condConsts, ...jvp.consts, ...bodyConsts, ...nonzeroOnly(bodyConstTs), ...carry, ...tangentCarry], {
    condJaxpr: cond,
    condNconsts: cn,
    bodyJaxpr: body,
    bodyNconsts: nj + bn + nbt,
  });
  return [outs.slice(0, nc), spread(carryNz, outs.slice(nc))];
};

/**
 * scan: consts, carry and xs get tangent operands where nonzero (carry by fixpoint); the new
 * body's layout is [consts, const tangents | carry, carry tangents | xs, x tangents] ->
 * [carry, carry tangents | ys, y tangents].
 */
export const scanJvp: JvpRule<"scan"> = (primals, tangents, params, interp) => {
  const { jaxpr, numConsts: ncon, numCarry: nc, linear } = params;
  const consts = primals.slice(0, ncon);
  const carry = primals.slice(ncon, ncon + nc);
  const xs = primals.slice(ncon + nc);
  const constTs = tangents.slice(0, ncon);
  const carryTs = tangents.slice(ncon, ncon + nc);
  const xTs = tangents.slice(ncon + nc);
  const { carryNz, jvp } = loopJvpFixpoint(jaxpr, constTs.map(nz), carryTs.map(nz), xTs.map(nz), carry, interp.forReverse);
  // Neither the carry nor any y varies: the primal scan alone.
  if (!jvp.outNonzero.some((n) => n)) return [bind("scan", primals, params), jvp.outNonzero.map(() => null)];
  const nx = xs.length;
  const nj = jvp.consts.length;
  const nctc = constTs.filter(nz).length;
  const ncc = carryNz.filter((n) => n).length;
  const nxt = xTs.filter(nz).length;
  const numYs = jaxpr.outs.length - nc;
  const ysNz = jvp.outNonzero.slice(nc);
  const nyt = ysNz.filter((n) => n).length;
  // jvp invars: [jvp consts, consts, carry, xs, const tangents, carry tangents, x tangents].
  const t0 = nj + ncon + nc + nx;
  const order = [
    ...span(0, nj + ncon),
    ...span(t0, nctc),
    ...span(nj + ncon, nc),
    ...span(t0 + nctc, ncc),
    ...span(nj + ncon + nc, nx),
    ...span(t0 + nctc + ncc, nxt),
  ];
  const j = permuteInvars(jvp.jaxpr, order);
  // jvp outs: [carry, ys, carry tangents, y tangents] -> [carry, carry tangents, ys, y tangents].
  const o = j.outs;
  const body = new Jaxpr([], j.invars, j.eqns, [...o.slice(0, nc), ...o.slice(nc + numYs, nc + numYs + ncc), ...o.slice(nc, nc + numYs), ...o.slice(nc + numYs + ncc)]);
  const tangentCarry = carry.flatMap((c, i) => (carryNz[i] ? [carryTs[i] ?? zerosOf(c.aval)] : []));
  const operands = [...jvp.consts, ...consts, ...nonzeroOnly(constTs), ...carry, ...tangentCarry, ...xs, ...nonzeroOnly(xTs)];
  const lin = (n: number, v: boolean) => Array<boolean>(n).fill(v);
  const outs = bind("scan", operands, {
    ...params,
    jaxpr: body,
    numConsts: nj + ncon + nctc,
    numCarry: nc + ncc,
    linear: [...lin(nj, false), ...linear.slice(0, ncon), ...lin(nctc, true), ...linear.slice(ncon, ncon + nc), ...lin(ncc, true), ...linear.slice(ncon + nc), ...lin(nxt, true)],
  });
  const carryOut = outs.slice(0, nc);
  const carryTOut = spread(carryNz, outs.slice(nc, nc + ncc));
  const ysOut = outs.slice(nc + ncc, nc + ncc + numYs);
  const yTOut = spread(ysNz, outs.slice(nc + ncc + numYs, nc + ncc + numYs + nyt));
  return [
    [...carryOut, ...ysOut],
    [...carryTOut, ...yTOut],
  ];
};
