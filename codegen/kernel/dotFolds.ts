/**
 * Views of a dot_general's result folded into the dot_general, where the product has no other
 * use. Reverse mode produces both around every matmul:
 * - A transpose that swaps the free-dimension groups, `transpose(dot(a, b), (batch, rfree,
 *   lfree))`, is `dot(b, a)` (the weight gradient `x^T @ g` comes out as `(g^T x)^T`). As a
 *   transpose it is a strided copy of the whole product, and it keeps the product's consumer
 *   (a scan's gradient accumulation, an SGD update) out of the matmul's epilogue.
 * - A slice of the result is the product of sliced operands (the cotangent of `concat([x, h])
 *   @ W` with only h's part needed): the slice of an operand is index arithmetic in its
 *   packing, and the product computes only the elements that are kept.
 * Each remaining result element is the same sum of the same products in the same order
 * (a*b = b*a exactly), so results are bit-identical.
 */
import { ShapedArray } from "../../ir/aval.js";
import { type Atom, type Eqn, Jaxpr, Var } from "../../ir/jaxpr.js";
import type { Params } from "../../ir/primitives.js";

export function foldViewsIntoDots(jaxpr: Jaxpr): Jaxpr {
  const producer = new Map<Var, Eqn>();
  const uses = new Map<Var, number>();
  const use = (a: Atom) => {
    if (a instanceof Var) uses.set(a, (uses.get(a) ?? 0) + 1);
  };
  for (const e of jaxpr.eqns) {
    e.inputs.forEach(use);
    for (const v of e.outVars) producer.set(v, e);
  }
  jaxpr.outs.forEach(use);
  let changed = false;
  const eqns: Eqn[] = [];
  for (const e of jaxpr.eqns) {
    const x = e.inputs[0];
    const dot = x instanceof Var && uses.get(x) === 1 ? producer.get(x) : undefined;
    const folded = dot?.primitive !== "dotGeneral" ? null : e.primitive === "transpose" ? foldTranspose(dot, e) : e.primitive === "slice" ? foldSlice(dot, e) : null;
    if (folded === null) eqns.push(e);
    else {
      // The old dot now has no use; DCE (which follows in the pipeline) drops it.
      eqns.push(...folded);
      changed = true;
    }
  }
  return changed ? new Jaxpr(jaxpr.constvars, jaxpr.invars, eqns, jaxpr.outs) : jaxpr;
}

interface DotShape {
  readonly lc: readonly number[];
  readonly rc: readonly number[];
  readonly lb: readonly number[];
  readonly rb: readonly number[];
  /** lhs and rhs free dims, in the order the result has them. */
  readonly lf: readonly number[];
  readonly rf: readonly number[];
}

function dotShape(dot: Eqn): DotShape {
  const [[lc, rc], [lb, rb]] = (dot.params as Params<"dotGeneral">).dimensionNumbers;
  const free = (ndim: number, c: readonly number[], b: readonly number[]) => Array.from({ length: ndim }, (_, i) => i).filter((i) => !c.includes(i) && !b.includes(i));
  return { lc, rc, lb, rb, lf: free(dot.inputs[0]!.aval.ndim, lc, lb), rf: free(dot.inputs[1]!.aval.ndim, rc, rb) };
}

/** dot(b, a) when `perm` maps dot(a, b)'s (batch, lfree, rfree) to (batch, rfree, lfree); else null. */
function foldTranspose(dot: Eqn, t: Eqn): Eqn[] | null {
  const perm = (t.params as Params<"transpose">).permutation;
  const { lc, rc, lb, rb, lf, rf } = dotShape(dot);
  const [nb, nl, nr] = [lb.length, lf.length, rf.length];
  if (nl === 0 || nr === 0) return null;
  const want = [...Array.from({ length: nb }, (_, i) => i), ...Array.from({ length: nr }, (_, i) => nb + nl + i), ...Array.from({ length: nl }, (_, i) => nb + i)];
  if (perm.length !== want.length || perm.some((d, i) => d !== want[i])) return null;
  const params: Params<"dotGeneral"> = { ...(dot.params as Params<"dotGeneral">), dimensionNumbers: [[rc, lc], [rb, lb]] };
  return [{ primitive: "dotGeneral", inputs: [dot.inputs[1]!, dot.inputs[0]!], params, outVars: t.outVars } as Eqn];
}

/** dot(slice(a), slice(b)) for a slice of dot(a, b) along free or batch dims; null when nothing is cut. */
function foldSlice(dot: Eqn, s: Eqn): Eqn[] | null {
  const { startIndices, limitIndices, strides } = s.params as Params<"slice">;
  const { lb, rb, lf, rf } = dotShape(dot);
  const [lhs, rhs] = dot.inputs as [Atom, Atom];
  const cut = (operand: Atom, dims: readonly (readonly [number, number])[]): { atom: Atom; eqns: Eqn[] } => {
    const nd = operand.aval.ndim;
    const start = new Array<number>(nd).fill(0);
    const limit = [...operand.aval.shape];
    const step = new Array<number>(nd).fill(1);
    let trivial = true;
    for (const [od, rd] of dims) {
      start[od] = startIndices[rd]!;
      limit[od] = limitIndices[rd]!;
      step[od] = strides?.[rd] ?? 1;
      if (start[od] !== 0 || limit[od] !== operand.aval.shape[od] || step[od] !== 1) trivial = false;
    }
    if (trivial) return { atom: operand, eqns: [] };
    const shape = start.map((a, d) => Math.max(0, Math.ceil((limit[d]! - a) / step[d]!)));
    const v = new Var(new ShapedArray(shape, operand.aval.dtype, operand.aval.weakType));
    const params: Params<"slice"> = { startIndices: start, limitIndices: limit, strides: step.every((k) => k === 1) ? null : step };
    return { atom: v, eqns: [{ primitive: "slice", inputs: [operand], params, outVars: [v] } as Eqn] };
  };
  const nb = lb.length;
  const a = cut(lhs, [...lb.map((d, i) => [d, i] as const), ...lf.map((d, i) => [d, nb + i] as const)]);
  const b = cut(rhs, [...rb.map((d, i) => [d, i] as const), ...rf.map((d, i) => [d, nb + lf.length + i] as const)]);
  if (a.eqns.length === 0 && b.eqns.length === 0) return null;
  return [...a.eqns, ...b.eqns, { primitive: "dotGeneral", inputs: [a.atom, b.atom], params: dot.params, outVars: s.outVars } as Eqn];
}
