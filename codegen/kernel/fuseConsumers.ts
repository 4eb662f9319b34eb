/**
 * Kernel-level fusion of a map kernel into its only, elementwise consumer.
 *
 * The grouping in lower.ts fuses equations before kernels exist; what it lowers to kernels of
 * their own (pooling's gradient routing, cumulative ops, gathers, ...) still leaves a temporary
 * that an elementwise kernel reads right back, element for element: LeNet's relu gradient
 * `select(x > 0, routed, 0)` after selectAndScatterAdd's routing kernel is a pass over the
 * activations that reads two arrays and writes a third. When a map kernel P stores a temporary
 * t that exactly one later map kernel C reads, and C reads it only where C itself stores (the
 * same flat position, outside any reduction), C can compute P's value in place of the load: one
 * kernel, one loop nest, t never stored.
 *
 * Both kernels store densely in row-major order over their own loops, so either loop nest can
 * drive the fused kernel, the other kernel's variables being the unravelled flat position; the
 * nest that leaves fewer divisions in the index arithmetic is kept. Values are computed by the
 * same expressions as before, so results are bit-identical.
 *
 * Two smaller rules of the same pass: readers of a plain copy read its source, and readers of
 * a constant fill use the constant (forwardCopy).
 */
import { type IExpr, type IVar, flatten, isubst, ivar, readBuffers, unravel } from "./iexpr.js";
import type { DirectConvKernel } from "./directConv.js";
import { type BufferDecl, type MapKernel, type Step, leafSteps, stepReads, stepWrites } from "./kernel.js";
import { type NodeFactory, type SExpr, children } from "./sexpr.js";

/** Whether a kernel stores every output at the row-major flat position of its loop variables. */
function storesDensely(k: MapKernel): IExpr | null {
  const dense = flatten(k.vars.map(ivar), k.vars.map((v) => v.extent));
  return k.outs.every((o) => o.index.key === dense.key) ? dense : null;
}

/** Loads of `buf` in an expression: their index keys, and whether one sits inside a reduction. */
function loadsOf(roots: readonly SExpr[], buf: number): { keys: Set<string>; inReduce: boolean; inIndex: boolean } {
  const keys = new Set<string>();
  let inReduce = false;
  let inIndex = false;
  const seen = new Set<string>();
  const go = (e: SExpr, underReduce: boolean) => {
    const key = `${e.id}|${underReduce}`;
    if (seen.has(key)) return;
    seen.add(key);
    if (e.k === "load" || e.k === "iota" || e.k === "icond") if (readBuffers(e.index).has(buf)) inIndex = true;
    if (e.k === "load" && e.buf === buf) {
      keys.add(e.index.key);
      if (underReduce) inReduce = true;
    }
    for (const c of children(e)) go(c, underReduce || e.k === "reduce");
  };
  roots.forEach((r) => go(r, false));
  return { keys, inReduce, inIndex };
}

const hasReduce = (roots: readonly SExpr[]): boolean => {
  const seen = new Set<number>();
  const go = (e: SExpr): boolean => {
    if (seen.has(e.id)) return false;
    seen.add(e.id);
    return e.k === "reduce" || children(e).some(go);
  };
  return roots.some(go);
};

/** Divisions and remainders in a kernel's index arithmetic (what a loop nest should avoid). */
function divisions(k: MapKernel): number {
  const seen = new Set<number>();
  let n = 0;
  const countIdx = (x: IExpr) => {
    for (const t of x.terms) {
      if (t.atom.k === "div" || t.atom.k === "mod") n++;
      if (t.atom.k !== "var") countIdx(t.atom.a);
    }
  };
  const go = (e: SExpr) => {
    if (seen.has(e.id)) return;
    seen.add(e.id);
    if (e.k === "load" || e.k === "iota" || e.k === "icond") countIdx(e.index);
    children(e).forEach(go);
  };
  for (const o of k.outs) {
    countIdx(o.index);
    go(o.value);
  }
  return n;
}

/**
 * C with its loads of `t` replaced by P's value, over the loop nest of `driver` (P or C); the
 * other kernel's variables become the unravelled flat position. Null when a load of t does not
 * land on P's store position after the substitution.
 */
function fuseOver(f: NodeFactory, p: MapKernel, c: MapKernel, t: number, driver: "p" | "c"): MapKernel | null {
  const flatOf = (k: MapKernel) => flatten(k.vars.map(ivar), k.vars.map((v) => v.extent));
  const from = driver === "p" ? c : p; // the kernel whose variables are rewritten
  const to = driver === "p" ? p : c;
  const at = unravel(flatOf(to), from.vars.map((v) => v.extent));
  const byId = new Map<number, IExpr>(from.vars.map((v, i) => [v.id, at[i]!]));
  const rename = (v: IVar) => byId.get(v.id);
  const pValue = driver === "p" ? p.outs[0]!.value : f.substVars(p.outs[0]!.value, rename);
  const pIndex = driver === "p" ? p.outs[0]!.index : isubst(p.outs[0]!.index, rename);
  const tLoad = (dtype: SExpr["dtype"]) => f.load(t, pIndex, dtype);
  const outs = c.outs.map((o) => {
    const value = driver === "c" ? o.value : f.substVars(o.value, rename);
    const index = driver === "c" ? o.index : isubst(o.index, rename);
    const memo = new Map<number, SExpr>([[tLoad(p.outs[0]!.value.dtype).id, pValue]]);
    return { buf: o.buf, value: f.mapIndices(value, (x) => x, memo), index };
  });
  if (loadsOf(outs.map((o) => o.value), t).keys.size > 0) return null;
  return { kind: "map", name: `${c.name}_${p.name}`, vars: to.vars, outs };
}

/** Fuses P into C when the rules of this file allow it; null otherwise. */
function tryFuse(f: NodeFactory, p: MapKernel, c: MapKernel, t: number): MapKernel | null {
  if (p.sequential || c.sequential || p.outs.length !== 1) return null;
  const pDense = storesDensely(p);
  const cDense = storesDensely(c);
  if (!pDense || !cDense) return null;
  const size = (k: MapKernel) => k.vars.reduce((n, v) => n * v.extent, 1);
  if (size(p) !== size(c)) return null;
  const pRoots = [p.outs[0]!.value];
  const cRoots = c.outs.map((o) => o.value);
  // t read at C's own position only, not per reduction step nor as an index
  const uses = loadsOf(cRoots, t);
  if (uses.inReduce || uses.inIndex || uses.keys.size !== 1 || !uses.keys.has(cDense.key)) return null;
  // at most one reduction per kernel, and P must not read what it stores or what C stores
  if (hasReduce(pRoots) && hasReduce(cRoots)) return null;
  const pReads = new Set(stepReads(p));
  if (pReads.has(t) || c.outs.some((o) => pReads.has(o.buf))) return null;
  const candidates = (["p", "c"] as const).map((d) => fuseOver(f, p, c, t, d)).filter((k): k is MapKernel => k !== null);
  if (candidates.length === 0) return null;
  return candidates.reduce((best, k) => (divisions(k) < divisions(best) ? k : best));
}

/** Whether an expression is the same at every point: no loads, no indices, no reduction. */
function isClosed(e: SExpr): boolean {
  if (e.k === "load" || e.k === "iota" || e.k === "icond" || e.k === "reduce" || e.k === "acc") return false;
  return children(e).every(isClosed);
}

/**
 * Readers of a plain copy `t[i] = s[i]` (a reshape that had to be stored for a kernel that
 * cannot take views, such as pooling's gradient routing) read `s` instead; readers of a
 * constant fill (the `-1/n` a mean's gradient broadcasts before a scatter-add) use the
 * constant. Null for any other kernel, or when a reader reads t as an index.
 */
function forwardCopy(f: NodeFactory, p: MapKernel, readers: readonly (MapKernel | DirectConvKernel)[], t: number): (MapKernel | DirectConvKernel)[] | null {
  const dense = storesDensely(p);
  const v = p.outs[0]!.value;
  if (!dense || p.outs.length !== 1) return null;
  let replace: (load: SExpr & { k: "load" }) => SExpr;
  if (isClosed(v)) replace = () => v;
  else if (v.k === "load" && v.index.key === dense.key && v.buf !== t) replace = (load) => f.load(v.buf, load.index, v.dtype);
  else return null;
  const out: (MapKernel | DirectConvKernel)[] = [];
  for (const r of readers) {
    if (r.kind === "directConv") {
      // a direct convolution's padded input that is a plain copy (no padding, channels last
      // already: LeNet's second convolution reading the first's pooled output) is read in place
      if (v.k !== "load" || r.input !== t || r.weights === t || stepReads({ ...r, input: v.buf }).includes(t)) return null;
      out.push({ ...r, input: v.buf });
      continue;
    }
    const uses = loadsOf(r.outs.map((o) => o.value), t);
    if (uses.inIndex || r.outs.some((o) => readBuffers(o.index).has(t))) return null;
    const memo = new Map<number, SExpr>();
    const seen = new Set<number>();
    const visit = (e: SExpr) => {
      if (seen.has(e.id)) return;
      seen.add(e.id);
      if (e.k === "load" && e.buf === t) memo.set(e.id, replace(e));
      children(e).forEach(visit);
    };
    r.outs.forEach((o) => visit(o.value));
    out.push({ ...r, outs: r.outs.map((o) => ({ ...o, value: f.mapIndices(o.value, (x) => x, memo) })) });
  }
  return out;
}

/**
 * Fuses map kernels of the top-level step list into their only, elementwise consumer (see the
 * file comment). `buffers`: the program's; only temporaries (not outputs, inputs, views or loop
 * carries) are elided. `canonical` re-canonicalizes a fused kernel's loop nest.
 */
export function fuseIntoConsumers(f: NodeFactory, buffers: readonly BufferDecl[], steps: readonly Step[], canonical: (k: MapKernel) => MapKernel): Step[] {
  const out = [...steps];
  // For each buffer, the top-level positions of the steps that read and write it (a step inside
  // a loop or branch counts at the position of its loop or branch). Rebuilt after each change,
  // so the pass stays linear in the program's size per fusion.
  let uses = useIndex(out);
  const writesBetween = (bufs: Iterable<number>, from: number, to: number) => {
    for (const b of bufs) if ((uses.get(b)?.writers ?? []).some((w) => w > from && w < to)) return true;
    return false;
  };
  for (let i = 0; i < out.length; i++) {
    const p = out[i]!;
    if (p.kind !== "map" || p.outs.length !== 1) continue;
    const t = p.outs[0]!.buf;
    if (buffers[t]!.kind !== "temp" && buffers[t]!.kind !== "scratch") continue;
    const u = uses.get(t);
    if (!u || u.writers.length !== 1) continue;
    const at = [...new Set(u.readers.filter((j) => j !== i))];
    if (at.length === 0 || at.some((j) => j <= i)) continue;
    const readers = at.map((j) => out[j]!);
    if (!readers.every((r): r is MapKernel | DirectConvKernel => r.kind === "map" || r.kind === "directConv")) continue;
    const pReads = stepReads(p);
    // the sources are not overwritten before the last reader
    if (writesBetween(pReads, i, Math.max(...at)) || readers.some((r) => stepWrites(r).some((b) => pReads.includes(b)))) continue;
    const forwarded = forwardCopy(f, p, readers, t);
    const only = readers.length === 1 && readers[0]!.kind === "map" ? readers[0]! : null;
    const fused = forwarded || !only ? null : tryFuse(f, p, only, t);
    if (!forwarded && !fused) continue;
    if (forwarded) at.forEach((j, k) => (out[j] = forwarded[k]!));
    else out[at[0]!] = canonical(fused!);
    out.splice(i, 1);
    i--;
    uses = useIndex(out);
  }
  return out;
}

function useIndex(steps: readonly Step[]): Map<number, { readers: number[]; writers: number[] }> {
  const m = new Map<number, { readers: number[]; writers: number[] }>();
  const entry = (b: number) => {
    let e = m.get(b);
    if (!e) m.set(b, (e = { readers: [], writers: [] }));
    return e;
  };
  steps.forEach((s, pos) => {
    for (const leaf of leafSteps([s])) {
      for (const b of stepReads(leaf)) entry(b).readers.push(pos);
      for (const b of stepWrites(leaf)) entry(b).writers.push(pos);
    }
  });
  return m;
}
