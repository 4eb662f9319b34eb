/**
 * Index-set splitting: a map kernel whose values branch on where a loop variable lies (the
 * predicates of pad and concatenate, clamps of shifted indices) is cut along that variable, at
 * the points where a predicate or a clamp changes, into one kernel per piece. Inside a piece the
 * variable's range decides every such predicate and clamp, so they fold away (NodeFactory.icond,
 * iclamp, select of a constant): the piece loads contiguously and vectorizes, where the whole
 * kernel gathered lane by lane through selects. The cotangent of a slice is a pad, and the
 * cotangent of several slices of one array (the gates of an LSTM) a sum of pads: one kernel of
 * four selects per element, 4 contiguous kernels after splitting.
 *
 * Every element computes the same operations on the same values as before (a select only
 * chooses which already-computed case it returns; a clamp that cannot bind returns its
 * argument), so results are bit-identical.
 */
import { type IExpr, type IVar, iadd, isDynamic, isubst, ivar, newVar } from "./iexpr.js";
import { type BufferDecl, type MapKernel, type Step, bufferRoots, stepReads } from "./kernel.js";
import { type NodeFactory, type SExpr, indexExprs, topoNodes } from "./sexpr.js";

/** Most kernels one kernel is cut into (pieces each cost a call and a loop prologue). */
const MAX_PIECES = 16;

/** Splits the map kernels of `steps` (loop bodies and branch regions included). */
export function splitIndexSets(f: NodeFactory, buffers: readonly BufferDecl[], steps: readonly Step[]): Step[] {
  const rec = (ss: readonly Step[]): Step[] => ss.flatMap((s) => splitStep(s));
  const splitStep = (s: Step): Step[] => {
    switch (s.kind) {
      case "loop":
        return [{ ...s, body: rec(s.body), oddExit: rec(s.oddExit), cond: s.cond && { steps: rec(s.cond.steps), pred: s.cond.pred } }];
      case "branch":
        return [{ ...s, regions: s.regions.map(rec) }];
      case "map":
        return splitKernel(f, buffers, s);
      default:
        return [s];
    }
  };
  return rec(steps);
}

function splitKernel(f: NodeFactory, buffers: readonly BufferDecl[], k: MapKernel): MapKernel[] {
  if (k.vars.some(isDynamic)) return [k];
  // A kernel reading memory it writes must run as one pass (a piece could read what another wrote).
  const written = new Set(k.outs.flatMap((o) => bufferRoots(buffers, o.buf)));
  if (stepReads(k).some((b) => bufferRoots(buffers, b).some((r) => written.has(r)))) return [k];
  const pieces = cut(f, k, MAX_PIECES);
  return pieces.length === 1 ? [k] : pieces.map((p, i) => ({ ...p, name: `${k.name}_part${i}` }));
}

/** The pieces of `k`, at most `budget` of them (innermost variable first, then recursively). */
function cut(f: NodeFactory, k: MapKernel, budget: number): MapKernel[] {
  for (let i = k.vars.length - 1; i >= 0; i--) {
    const v = k.vars[i]!;
    const points = breakpoints(k, v);
    if (points.length === 0 || points.length + 1 > budget) continue;
    const bounds = [0, ...points, v.extent];
    const out: MapKernel[] = [];
    const share = Math.max(1, Math.floor(budget / (bounds.length - 1)));
    for (let p = 0; p + 1 < bounds.length; p++) {
      const lo = bounds[p]!;
      const w = newVar(bounds[p + 1]! - lo, v.name);
      const at = (x: IVar): IExpr | undefined => (x.id === v.id ? iadd(ivar(w), lo) : undefined);
      const memo = new Map<number, SExpr>();
      const piece: MapKernel = {
        kind: "map",
        name: k.name,
        vars: k.vars.map((x) => (x.id === v.id ? w : x)).filter((x) => x.extent !== 1),
        outs: k.outs.map((o) => ({ buf: o.buf, value: f.mapIndices(o.value, (x) => isubst(x, at), memo), index: isubst(o.index, at) })),
      };
      out.push(...cut(f, piece, share));
    }
    return out;
  }
  return [k];
}

/**
 * The positions in (0, extent) of `v` where a predicate or clamp of the kernel changes: those
 * of expressions `a*v + c` alone (other variables would move the point).
 */
function breakpoints(k: MapKernel, v: IVar): number[] {
  const points = new Set<number>();
  const add = (p: number) => {
    if (p > 0 && p < v.extent) points.add(p);
  };
  /** Where `a*v + c0 >= c` flips, for x = a*v + c0 (a lone term in v). */
  const threshold = (x: IExpr, c: number) => {
    if (x.terms.length !== 1) return;
    const t = x.terms[0]!;
    if (t.atom.k !== "var" || t.atom.id !== v.id) return;
    const q = (c - x.c) / t.coef;
    add(t.coef > 0 ? Math.ceil(q) : Math.floor(q) + 1);
  };
  const clamps = (x: IExpr) => {
    for (const t of x.terms) {
      if (t.atom.k === "var") continue;
      clamps(t.atom.a);
      if (t.atom.k === "clamp") {
        threshold(t.atom.a, t.atom.lo);
        threshold(t.atom.a, t.atom.hi + 1);
      }
    }
  };
  const values = k.outs.map((o) => o.value);
  for (const e of topoNodes(values)) {
    if (e.k !== "icond") continue;
    if (e.op === "eq") {
      threshold(e.index, e.c);
      threshold(e.index, e.c + 1);
    } else threshold(e.index, e.c);
  }
  for (const x of indexExprs(values)) clamps(x);
  return [...points].sort((a, b) => a - b);
}
