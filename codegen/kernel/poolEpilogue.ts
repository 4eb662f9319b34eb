/**
 * Pooling fused into a direct convolution's epilogue (LeNet's conv -> bias -> relu -> 2x2 max
 * pool, and its int8 form conv -> int32 -> dequantize -> relu -> pool -> requantize).
 *
 * Lowered apart, the convolution stores its full-resolution output (256x24x24x6 float32 or
 * int32 in LeNet's first layer at batch 256: 3.5 MB, past the L2) and the pooling kernel reads
 * it back to keep a quarter. Fused, the kernel's register tile covers whole pooling windows (a
 * 2x2 window: 2 rows x 2 positions, the same 4 positions x 8 features as the unfused tile), and
 * the epilogue combines them before anything is stored.
 *
 * Which pairs fuse (`findPoolEpilogues`, at the level of lower.ts's groups): a direct
 * convolution (directConvPays) whose output is read by nothing but one reduction group, whose
 * core is a max/min/sum pooling reading it elementwise (bias, relu, a dequantization between);
 * the pooling has no padding, no dilation, windows that do not overlap (stride >= window, so
 * no convolution output is needed twice), at most 4 positions per window (the register tile),
 * and pools only spatial dims. The convolution then runs where the pooling group was lowered,
 * after whatever the pooling's other operands need (a requantization's scale products).
 *
 * Results are the unfused kernels' bit for bit: the window elements are the same expressions
 * of the same sums, combined in the same (row-major window) order from the same identity.
 *
 * Training keeps the kernels apart: there the full-resolution activation is also read by the
 * backward pass (pooling's gradient selects from it, relu's gradient tests it), so it is
 * stored anyway and the pooling group is not its only reader. Measured (V8 profile of the
 * LeNet step, batch 64, one thread) the forward pooling kernels are ~6% of the step and, as
 * in inference, a fused epilogue costs about what the separate kernel did (the pooling kernels
 * are bound by their arithmetic, wasm's NaN-propagating f32x4.max, not by the reload), so a
 * second, full-resolution store from the epilogue would not pay; the step's pooling cost is its
 * gradient's scalar argmax kernel (17%).
 *
 * Measured in inference (in-process A/B, alternating runs, one thread, batch 256, both run
 * orders): LeNet's first layer (conv + bias + relu + pool) 0.98x the unfused time in float32
 * and 0.78x in int8; the whole network 0.97-1.01x in float32 and 0.88-0.92x in int8. Less than
 * the 3.5 MB store and reload suggested: the unfused pooling kernel was compute-bound (wasm's
 * NaN-propagating f32x4.max), and the epilogue computes on 8-wide feature blocks (LeNet's 6
 * features waste a quarter). What pays is less arithmetic: relu hoisted past the pool
 * (`hoistLattice`) and int32 sums pooled by their extremes (DirectConvPool.extremes).
 */
import { shapeSize } from "../../ir/aval.js";
import type { Eqn, Var } from "../../ir/jaxpr.js";
import type { Params } from "../../ir/primitives.js";
import { directConvPays, type DirectConvKernel, type DirectConvPlan, type DirectConvPool } from "./directConv.js";
import { type IExpr, type IVar, flatten, iadd, iclamp, iconst, iscale, ivar, newVar, varsOf } from "./iexpr.js";
import { windowSource } from "./lowerWindows.js";
import { type NodeFactory, type SExpr, children } from "./sexpr.js";

/** Positions per window at most (the direct kernel's register tile holds 4 positions). */
const MAX_WINDOW = 4;

const poolOps = { reduceWindowMax: "max", reduceWindowMin: "min", reduceWindowSum: "sum" } as const;

/** What lower.ts's groups look like from here. */
export interface GroupView {
  readonly root: number;
  readonly core: number | null;
  readonly kind: string;
  readonly dotStyle?: "matmul" | "reduce";
}

/** A convolution group whose pooling group takes it into its epilogue. */
export interface PoolEpilogue<G> {
  readonly conv: G;
  /** The pooling group's value over `pvars` (the pooled output's index), its one reduction `reduce`. */
  readonly value: SExpr;
  readonly reduce: SExpr & { k: "reduce" };
  readonly pvars: readonly IVar[];
  /** The buffer the convolution would have stored (read by nothing else). */
  readonly convOut: number;
}

/** Whether a pooling equation's parameters fit the kernel (see the file comment), over a convolution with dimension numbers `conv`. */
function poolFits(pool: Eqn, conv: Eqn): boolean {
  if (!(pool.primitive in poolOps)) return false;
  const p = pool.params as Params<"reduceWindowMax">;
  const { outSpec } = (conv.params as Params<"convGeneralDilated">).dimensionNumbers;
  const x = pool.inputs[0]!.aval;
  const dtype = pool.outVars[0]!.aval.dtype;
  if ((dtype !== "float32" && dtype !== "int32") || pool.outVars[0]!.aval.size === 0) return false;
  if (p.baseDilation.some((d) => d !== 1) || p.windowDilation.some((d) => d !== 1) || p.padding.some(([lo, hi]) => lo !== 0 || hi !== 0)) return false;
  const spatial = outSpec.slice(2);
  for (let d = 0; d < x.ndim; d++) {
    const [w, s] = [p.windowDimensions[d]!, p.windowStrides[d]!];
    if (!spatial.includes(d) ? w !== 1 || s !== 1 : s < w) return false;
  }
  return shapeSize(p.windowDimensions) <= MAX_WINDOW;
}

/**
 * The pooling groups that take their convolution into their epilogue, keyed by pooling group.
 * `rootValue` builds a group's value at an index (lower.ts's expressions); `bufOf` the buffers
 * of group roots.
 */
export function findPoolEpilogues<G extends GroupView>(a: {
  eqns: readonly Eqn[];
  groups: readonly G[];
  groupsOf: readonly ReadonlySet<G>[];
  consumers: ReadonlyMap<Var, readonly number[]>;
  outputs: ReadonlySet<Var>;
  bufOf: ReadonlyMap<Var, number>;
  f: NodeFactory;
  rootValue: (g: G, idx: readonly IExpr[]) => SExpr;
}): Map<G, PoolEpilogue<G>> {
  const found = new Map<G, PoolEpilogue<G>>();
  for (const c of a.groups) {
    if (c.kind !== "dot" || c.dotStyle !== "matmul" || c.core === null || !directConvPays(a.eqns[c.core]!)) continue;
    const v = a.eqns[c.root]!.outVars[0]!;
    const cons = a.consumers.get(v) ?? [];
    if (a.outputs.has(v) || cons.length === 0) continue;
    const readers = new Set<G>();
    for (const j of cons) for (const g of a.groupsOf[j]!) readers.add(g);
    if (readers.size !== 1) continue;
    const pg = [...readers][0]!;
    if (pg.kind !== "reduce" || pg.core === null || found.has(pg)) continue;
    const pool = a.eqns[pg.core]!;
    const root = a.eqns[pg.root]!;
    if (!poolFits(pool, a.eqns[c.core]!)) continue;
    const shape = pool.outVars[0]!.aval.shape;
    if (root.outVars.length !== 1 || root.outVars[0]!.aval.shape.join() !== shape.join()) continue;
    if (pool.inputs[0]!.aval.shape.join() !== v.aval.shape.join()) continue;
    const pvars = shape.map((n) => newVar(n, "p"));
    const value = a.rootValue(pg, pvars.map(ivar));
    const t = a.bufOf.get(v)!;
    const reduce = onlyReduce(value);
    if (!reduce || reduce.op !== poolOps[pool.primitive as keyof typeof poolOps]) continue;
    // the convolution's output is read only by the window's body, at the window's element
    const src = windowSource(a.f, pool.params as Params<"reduceWindowMax">, v.aval.shape, pvars.map(ivar), reduce.rvars.map(ivar));
    const want = flatten(src.idx, v.aval.shape).key;
    const inBody = loadKeys(reduce.body, t);
    if (inBody.size !== 1 || !inBody.has(want) || loadKeys(a.f.mapIndices(value, (x) => x, new Map([[reduce.id, a.f.const(0, reduce.dtype)]])), t).size > 0) continue;
    found.set(pg, { conv: c, value, reduce, pvars, convOut: t });
  }
  return found;
}

/** The one reduction node of an expression, or null (none, or several). */
function onlyReduce(e: SExpr): (SExpr & { k: "reduce" }) | null {
  const seen = new Set<number>();
  const found: (SExpr & { k: "reduce" })[] = [];
  const go = (x: SExpr) => {
    if (seen.has(x.id)) return;
    seen.add(x.id);
    if (x.k === "reduce") found.push(x);
    children(x).forEach(go);
  };
  go(e);
  return found.length === 1 ? found[0]! : null;
}

/** The index keys of the loads of `buf` in an expression. */
function loadKeys(e: SExpr, buf: number): Set<string> {
  const keys = new Set<string>();
  const seen = new Set<number>();
  const go = (x: SExpr) => {
    if (seen.has(x.id)) return;
    seen.add(x.id);
    if (x.k === "load" && x.buf === buf) keys.add(x.index.key);
    children(x).forEach(go);
  };
  go(e);
  return keys;
}

/**
 * The fused kernel: `plan` (the convolution's direct plan), `convValue` its epilogue value at
 * the plan's g/m/n (acc, or the convolution group's elementwise root), the pooled result stored
 * into `out`.
 */
export function poolEpilogueKernel(f: NodeFactory, pe: PoolEpilogue<unknown>, pool: Eqn, conv: Eqn, plan: DirectConvPlan, convValue: SExpr, out: number): DirectConvKernel {
  const p = pool.params as Params<"reduceWindowMax">;
  const { outSpec } = (conv.params as Params<"convGeneralDilated">).dimensionNumbers;
  const spatial = outSpec.slice(2);
  const OG = plan.nVar.extent;
  // the pooled feature is the kernel's g * OG + n (n the vector lane variable); window
  // variables of the unit (batch, feature) dims are 0
  const feature = pe.pvars[outSpec[1]!]!;
  const unitW = new Set(pe.reduce.rvars.filter((_, d) => !spatial.includes(d)).map((v) => v.id));
  const rename = (v: IVar): IExpr | undefined => (v.id === feature.id ? iadd(iscale(ivar(plan.gVar), OG), ivar(plan.nVar)) : unitW.has(v.id) ? iconst(0) : undefined);
  const memo = new Map<number, SExpr>();
  const seen = new Set<number>();
  const mark = (x: SExpr) => {
    if (seen.has(x.id)) return;
    seen.add(x.id);
    if (x.k === "load" && x.buf === pe.convOut) memo.set(x.id, convValue);
    children(x).forEach(mark);
  };
  mark(pe.reduce.body);
  const element = new Set([plan.mVar.id, ...pe.reduce.rvars.map((v) => v.id)]);
  const { inner, outer } = hoistLattice(f, f.mapIndices(pe.reduce.body, (x) => x, memo), pe.reduce.op, element);
  const body = f.substVars(inner, rename);
  const pooled = outer(f.acc(pe.reduce.dtype));
  const result = f.substVars(f.mapIndices(pe.value, (x) => x, new Map([[pe.reduce.id, pooled]])), rename);
  const lane = newVar(plan.nVar.extent + 8, "n");
  const clampN = (v: IVar): IExpr | undefined => (v.id === plan.nVar.id ? iclamp(ivar(lane), 0, OG - 1) : undefined);
  const shape = pool.outVars[0]!.aval.shape;
  const index = flatten(
    pe.pvars.map((v) => rename(v) ?? ivar(v)),
    shape,
  );
  const desc: { -readonly [K in keyof DirectConvPool]: DirectConvPool[K] } = {
    op: pe.reduce.op as DirectConvPool["op"],
    dtype: pe.reduce.dtype,
    window: spatial.map((d) => p.windowDimensions[d]!),
    strides: spatial.map((d) => p.windowStrides[d]!),
    outSp: spatial.map((d) => shape[d]!),
    batchVar: pe.pvars[outSpec[0]!]!,
    spatialVars: spatial.map((d) => pe.pvars[d]!),
    windowVars: spatial.map((d) => pe.reduce.rvars[d]!),
    body,
    edge: { lane, body: f.substVars(body, clampN), result: f.substVars(result, clampN) },
  };
  const affine = monotoneScale(inner, element);
  if (affine && (desc.op === "max" || desc.op === "min")) {
    const isFinite = (x: SExpr) => f.compare("lt", f.unary("abs", x, "float32"), f.const(Infinity, "float32"));
    const finite = f.substVars(isFinite(affine.scale), rename);
    const exact = affine.offset ? f.substVars(f.binary("and", isFinite(affine.scale), isFinite(affine.offset), "bool"), rename) : finite;
    const increasing = f.substVars(f.compare("ge", f.bitcast(affine.scale, "int32"), f.const(0, "int32")), rename);
    const edge = (x: SExpr) => f.substVars(x, clampN);
    Object.assign(desc, { extremes: { finite, edgeFinite: edge(finite), exact, edgeExact: edge(exact), increasing, edgeIncreasing: edge(increasing) } });
  }
  return plan.kernel(result, { buf: out, index }, desc);
}

/**
 * A max (min) pooling of `max(x, c)` or `min(x, c)` where c is the same at every window element
 * (relu's 0, a clip's bounds, a per-feature value) is `max(pool(x), c)` (`min(pool(x), c)`):
 * wasm's max and min are the lattice operations of the total order -0 < +0 with NaN absorbing,
 * so they distribute over each other and the results are equal bit for bit (NaN-ness included).
 * Pooling LeNet's relu this way computes one relu per pooled value instead of one per window
 * element. Returns the per-element part and what the pooled value becomes.
 */
function hoistLattice(f: NodeFactory, body: SExpr, op: string, element: ReadonlySet<number>): { inner: SExpr; outer: (pooled: SExpr) => SExpr } {
  if (op !== "max" && op !== "min") return { inner: body, outer: (x) => x };
  const perElement = (e: SExpr): boolean => {
    const seen = new Set<number>();
    const go = (x: SExpr): boolean => {
      if (seen.has(x.id)) return false;
      seen.add(x.id);
      if (x.k === "acc" || x.k === "reduce") return true;
      if ((x.k === "load" || x.k === "iota" || x.k === "icond") && [...varsOf(x.index).keys()].some((v) => element.has(v))) return true;
      return children(x).some(go);
    };
    return go(e);
  };
  const steps: { op: "max" | "min"; c: SExpr }[] = [];
  let x = body;
  while (x.k === "binary" && (x.op === "max" || x.op === "min") && x.dtype === body.dtype) {
    const [a, b] = [x.a, x.b];
    if (!perElement(b) && perElement(a)) x = (steps.push({ op: x.op, c: b }), a);
    else if (!perElement(a) && perElement(b)) x = (steps.push({ op: x.op, c: a }), b);
    else break;
  }
  return { inner: x, outer: (pooled) => steps.reduceRight((v, s) => f.binary(s.op, v, s.c, body.dtype), pooled) };
}

/**
 * The scale s when `body` is `convert<float32>(acc) * s + b` (either operand order, b optional)
 * with acc an int32 accumulator and s, b the same at every window element; else null.
 */
function monotoneScale(body: SExpr, element: ReadonlySet<number>): { scale: SExpr; offset: SExpr | null } | null {
  const perElement = (e: SExpr): boolean => {
    if (e.k === "acc") return true;
    if ((e.k === "load" || e.k === "iota" || e.k === "icond") && [...varsOf(e.index).keys()].some((v) => element.has(v))) return true;
    return children(e).some(perElement);
  };
  const split = (e: SExpr, op: string): [SExpr, SExpr] | null => {
    if (e.k !== "binary" || e.op !== op || e.dtype !== "float32") return null;
    if (perElement(e.a) && !perElement(e.b)) return [e.a, e.b];
    if (perElement(e.b) && !perElement(e.a)) return [e.b, e.a];
    return null;
  };
  const add = split(body, "add");
  const mul = split(add?.[0] ?? body, "mul");
  if (!mul) return null;
  const [c, s] = mul;
  return c.k === "convert" && c.dtype === "float32" && c.a.k === "acc" && c.a.dtype === "int32" ? { scale: s, offset: add?.[1] ?? null } : null;
}
