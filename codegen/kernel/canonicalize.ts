/**
 * Loop-nest canonicalization of map kernels: unit loops dropped, adjacent loops (and reduced
 * variables) merged where every index walks them as one.
 */
import { type IExpr, type IVar, coefOf, iconst, inAtoms, isubst, ivar, newVar } from "./iexpr.js";
import type { MapKernel, MapOutput } from "./kernel.js";
import { type NodeFactory, type SExpr, children as childrenOf, indexExprs } from "./sexpr.js";

/**
 * Loop-nest canonicalization: unit variables are gone already (ivar of an extent-1 var is 0);
 * adjacent variables merge when every index expression walks them as one (coef(a) = coef(b) *
 * extent(b), neither inside a non-affine atom). The same for the reduced variables of a
 * reduction. The result has the fewest, longest loops, so contiguous data is one flat loop.
 */
export function canonicalize(f: NodeFactory, k: MapKernel): MapKernel {
  let vars = k.vars.filter((v) => v.extent !== 1);
  let outs: MapOutput[] = [...k.outs];
  const allIndex = () => [...outs.map((o) => o.index), ...indexExprs(outs.map((o) => o.value))];
  const mergeable = (a: IVar, b: IVar, exprs: readonly IExpr[]) =>
    !k.sequential?.includes(a) && !k.sequential?.includes(b) &&
    exprs.every((e) => !inAtoms(e, a) && !inAtoms(e, b) && coefOf(e, a) === coefOf(e, b) * b.extent);
  const substAll = (map: (v: IVar) => IExpr | undefined) => {
    const memo = new Map<number, SExpr>();
    outs = outs.map((o) => ({
      buf: o.buf,
      value: f.mapIndices(o.value, (x) => substIdx(x, map), memo),
      index: substIdx(o.index, map),
    }));
  };
  for (let p = 0; p + 1 < vars.length; ) {
    const a = vars[p]!;
    const b = vars[p + 1]!;
    if (mergeable(a, b, allIndex())) {
      const w = newVar(a.extent * b.extent, b.name);
      substAll((v) => (v.id === a.id ? iconst(0) : v.id === b.id ? ivar(w) : undefined));
      vars = [...vars.slice(0, p), w, ...vars.slice(p + 2)];
    } else p++;
  }
  // Reductions: merge adjacent reduced variables the same way.
  const reduceMemo = new Map<number, SExpr>();
  const fixReduces = (e: SExpr): SExpr => {
    const hit = reduceMemo.get(e.id);
    if (hit) return hit;
    let out = e;
    if (e.k === "reduce" && e.op !== "argmax" && e.op !== "argmin") {
      let rvars = e.rvars.filter((v) => v.extent !== 1);
      let body = e.body;
      for (let p = 0; p + 1 < rvars.length; ) {
        const a = rvars[p]!;
        const b = rvars[p + 1]!;
        if (mergeable(a, b, indexExprs([body]))) {
          const w = newVar(a.extent * b.extent, b.name);
          body = f.substVars(body, (v) => (v.id === a.id ? iconst(0) : v.id === b.id ? ivar(w) : undefined));
          rvars = [...rvars.slice(0, p), w, ...rvars.slice(p + 2)];
        } else p++;
      }
      out = f.reduce(e.op, body, rvars, e.dtype);
    } else if (e.k !== "reduce") {
      // rebuild parents whose reduce child changed
      out = f.mapIndices(e, (x) => x, new Map([...reduceChildren(e)].map((c) => [c.id, fixReduces(c)])));
    }
    reduceMemo.set(e.id, out);
    return out;
  };
  outs = outs.map((o) => ({ ...o, value: fixReduces(o.value) }));
  const sequential = k.sequential?.filter((v) => vars.includes(v)) ?? [];
  return { kind: "map", name: k.name, vars, outs, ...(sequential.length > 0 ? { sequential } : {}) };
}

const substIdx = (x: IExpr, map: (v: IVar) => IExpr | undefined) => isubst(x, map);

/** Reduce nodes reachable from e without crossing another reduce. */
function reduceChildren(e: SExpr): Set<SExpr> {
  const out = new Set<SExpr>();
  const seen = new Set<number>();
  const go = (x: SExpr) => {
    if (seen.has(x.id)) return;
    seen.add(x.id);
    if (x.k === "reduce") {
      out.add(x);
      return;
    }
    for (const c of childrenOf(x)) go(c);
  };
  for (const c of childrenOf(e)) go(c);
  return out;
}
