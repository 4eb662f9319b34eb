/**
 * Accumulating carries of a scan become one contraction after the loop. A carry whose body
 * only does `c' = c + dot(a_t, b_t)` and reads c nowhere else ends at
 * `c0 + sum_t dot(a_t, b_t)`, which is one dot_general of the stacked operands that also
 * contracts over t. Reverse mode produces exactly this for every weight a loop reads: the
 * transposed scan accumulates `x_t^T @ g_t` into the weight's cotangent on each trip. Per trip
 * that is a product with a contraction as short as the batch (K = 32 for an LSTM's weight
 * gradient), whose epilogue reads and writes the whole accumulator; after the loop it is one
 * product with K = length * batch, at the matmul kernel's full speed and split across threads
 * once. The operands are stacked as extra ys (a scanned xs operand is used as it is).
 * (`c + reduce_sum(x_t)`, a bias gradient, stays in the loop: a sum over the stacked x after
 * the loop walks a stack larger than the cache column by column and measured no faster.)
 *
 * The sum runs in another order than trip by trip, so results agree to rounding, not bit for
 * bit (as any reassociation of a float sum).
 */
import { ShapedArray } from "../../ir/aval.js";
import { type Atom, type Eqn, Jaxpr, Var } from "../../ir/jaxpr.js";
import { dce } from "../../ir/passes.js";
import type { Params } from "../../ir/primitives.js";

/** `optimize` is applied to scan bodies first (the pattern appears once their views are folded). */
const FLOAT = new Set(["float32", "float64"]);
/** Most elements the stacked operands may take (64 MiB of float32). */
const MAX_STACK_ELEMENTS = 1 << 24;

export function hoistScanAccumulators(jaxpr: Jaxpr, optimize: (body: Jaxpr) => Jaxpr): Jaxpr {
  let changed = false;
  const eqns = jaxpr.eqns.flatMap((e) => {
    if (e.primitive !== "scan") return [e];
    const r = rewriteScan(e, optimize((e.params as Params<"scan">).jaxpr));
    if (r === null) return [e];
    changed = true;
    return r;
  });
  return changed ? new Jaxpr(jaxpr.constvars, jaxpr.invars, eqns, jaxpr.outs) : jaxpr;
}

/** How carry i's increment is computed from per-trip operands. */
interface Increment {
  readonly eqn: Eqn;
  readonly operands: readonly [Var, Var];
}

function rewriteScan(e: Eqn, body: Jaxpr): Eqn[] | null {
  const p = e.params as Params<"scan">;
  const { numConsts: ncon, numCarry: nc, length } = p;
  if (length < 2) return null;
  const producer = new Map<Var, Eqn>();
  const uses = new Map<Var, number>();
  const use = (a: Atom) => {
    if (a instanceof Var) uses.set(a, (uses.get(a) ?? 0) + 1);
  };
  for (const q of body.eqns) {
    q.inputs.forEach(use);
    for (const v of q.outVars) producer.set(v, q);
  }
  body.outs.forEach(use);
  const xsIndex = (v: Var) => {
    const i = body.invars.indexOf(v);
    return i >= ncon + nc ? i - ncon - nc : -1;
  };
  /** A per-trip value: computed in the body (from anything) or a scanned xs; not a const or a carry. */
  const perTrip = (a: Atom): a is Var => a instanceof Var && (producer.has(a) || xsIndex(a) >= 0);
  const found = new Map<number, Increment>();
  for (let i = 0; i < nc; i++) {
    const c = body.invars[ncon + i]!;
    const out = body.outs[i]!;
    if (!(out instanceof Var) || uses.get(c) !== 1 || uses.get(out) !== 1) continue;
    const add = producer.get(out);
    if (add?.primitive !== "add" || !add.inputs.includes(c) || add.inputs[0] === add.inputs[1]) continue;
    const t = add.inputs[0] === c ? add.inputs[1]! : add.inputs[0]!;
    if (!(t instanceof Var) || uses.get(t) !== 1 || !t.aval.sameType(c.aval) || !FLOAT.has(c.aval.dtype)) continue;
    const q = producer.get(t);
    if (q?.primitive === "dotGeneral") {
      const lb = (q.params as Params<"dotGeneral">).dimensionNumbers[1][0];
      const [a, b] = q.inputs as [Atom, Atom];
      if (lb.length === 0 && perTrip(a) && perTrip(b) && a.aval.dtype === c.aval.dtype && b.aval.dtype === c.aval.dtype) found.set(i, { eqn: q, operands: [a, b] });
    }
  }
  if (found.size === 0) return null;
  // Stacking costs memory per trip: a long loop over large operands keeps its per-trip products.
  const stackElems = [...new Set([...found.values()].flatMap((inc) => inc.operands.filter((v) => xsIndex(v) < 0)))].reduce((n, v) => n + length * v.aval.size, 0);
  if (stackElems > MAX_STACK_ELEMENTS) return null;
  // New ys: each operand once (stacked by the body), unless it is a scanned xs already.
  const stackedOf = new Map<Var, Atom>();
  const newYs: Var[] = [];
  const newYOut: Var[] = [];
  for (const inc of found.values())
    for (const v of inc.operands) {
      if (stackedOf.has(v)) continue;
      const x = xsIndex(v);
      if (x >= 0) stackedOf.set(v, e.inputs[ncon + nc + x]!);
      else {
        const s = new Var(new ShapedArray([length, ...v.aval.shape], v.aval.dtype, v.aval.weakType));
        stackedOf.set(v, s);
        newYs.push(v);
        newYOut.push(s);
      }
    }
  const keepCarry = Array.from({ length: nc }, (_, i) => !found.has(i));
  const pick = <T>(xs: readonly T[], keep: readonly boolean[]) => xs.filter((_, i) => keep[i]);
  const keepIn = body.invars.map((_, i) => i < ncon || i >= ncon + nc || keepCarry[i - ncon]!);
  const newBody = dce(new Jaxpr(body.constvars, pick(body.invars, keepIn), body.eqns, [...pick(body.outs.slice(0, nc), keepCarry), ...body.outs.slice(nc), ...newYs]));
  const scanOuts = [...pick(e.outVars.slice(0, nc), keepCarry), ...e.outVars.slice(nc), ...newYOut];
  const params: Params<"scan"> = { ...p, jaxpr: newBody, numCarry: keepCarry.filter((k) => k).length, linear: pick(p.linear, keepIn) };
  const out: Eqn[] = [{ primitive: "scan", inputs: pick(e.inputs, keepIn), params, outVars: scanOuts } as Eqn];
  // After the loop: the contraction over (t, ...) of the stacked operands, plus the initial carry.
  for (const [i, inc] of found) {
    const carryOut = e.outVars[i]!;
    const total = new Var(carryOut.aval);
    const dp = inc.eqn.params as Params<"dotGeneral">;
    const [[lc, rc]] = dp.dimensionNumbers;
    const shift = (d: readonly number[]) => [0, ...d.map((x) => x + 1)];
    const params: Params<"dotGeneral"> = { ...dp, dimensionNumbers: [[shift(lc), shift(rc)], [[], []]] };
    out.push({ primitive: "dotGeneral", inputs: inc.operands.map((v) => stackedOf.get(v)!), params, outVars: [total] } as Eqn);
    out.push({ primitive: "add", inputs: [e.inputs[ncon + i]!, total], params: {}, outVars: [carryOut] } as Eqn);
  }
  return out;
}
