/**
 * Lowering a jaxpr to a Program of kernels, with fusion.
 *
 * 1. Optimize the jaxpr (inline calls, fold, CSE, DCE).
 * 2. Group equations, walking backwards: an elementwise equation joins the kernel of its
 *    consumers when they are all in one kernel; views and conversions (broadcastInDim,
 *    reshape, transpose, squeeze, rev, slice, pad, concatenate, convertElementType, iota) are
 *    index arithmetic and join every consumer kernel; a reduction or contraction starts a
 *    kernel that absorbs its producers, and becomes the core of its consumer's kernel (an
 *    epilogue) when that consumer is elementwise over the same index space. cond, while and
 *    scan stand alone, as do host steps (everything else). What a kernel computes is
 *    materialized in a buffer; the rest is never stored.
 * 3. Build each kernel's scalar expressions by walking from its root back to materialized
 *    values, translating views into index expressions. cond, while and scan become branch and
 *    loop steps whose regions are their sub-jaxprs lowered the same way (steps 1-4, on the
 *    buffers of the enclosing program: carries double-buffered, scan's xs and ys as views
 *    moving with the iteration), with loop-invariant kernels hoisted out of loops.
 * 4. Canonicalize loop nests (drop unit dims, merge dims every access walks contiguously) and
 *    plan the memory of temporaries (per iteration inside loops).
 */
import { type ShapedArray, shapeSize, shapesEqual } from "../../ir/aval.js";
import { type DType, castScalar, itemSize, storeScalar } from "../../ir/dtype.js";
import { type Atom, type Eqn, type Jaxpr, Literal, Var } from "../../ir/jaxpr.js";
import { type Params, type Primitive, isBinary, isComparison, isUnary } from "../../ir/primitives.js";
import {
  type IExpr,
  type IVar,
  flatten,
  iadd,
  iclamp,
  iconst,
  idiv,
  imod,
  iscale,
  ivar,
  newVar,
  unravel,
} from "./iexpr.js";
import { splitIndexSets } from "./indexSets.js";
import { type BufferDecl, type BufferKind, type HostInput, type MapKernel, type MatmulKernel, type Program, type Step, type SwapOf, type ViewOf, bufferRoots, hostStepBuffers, leafSteps, stepReads, stepWrites } from "./kernel.js";
import { computeIndexing, expandsOperand, float32ScatterKernels, indexViewPrims, narrowScatter, readsAsIndex, scatterKernel, scatterPrims, scatterViaFloat32 } from "./lowerIndexing.js";
import { convAsReduction, convIsMatmul } from "./lowerConvReduce.js";
import { sortStep } from "./lowerSort.js";
import { factorStep } from "./factor.js";
import { isNarrowContraction, narrowNeedsHost, narrowSortable, narrowsFloat, pairedPackKernels, pairedWords } from "./narrow.js";
import { widenedOperand, widening } from "./widen.js";
import { optimizeJaxpr } from "./passes.js";
import { viewPrims } from "./viewPrims.js";
import { col2imPlan } from "./lowerConv.js";
import { directConvPays, directConvPlan } from "./directConv.js";
import { type PoolEpilogue, findPoolEpilogues, poolEpilogueKernel } from "./poolEpilogue.js";
import { accumulatesInFloat32, cumulativeKernels, isCumulative, narrowCumulative } from "./lowerScan.js";
import { isReduceWindow, isSelectWindow, reduceWindowExpr, selectWindowKernels, windowRereads } from "./lowerWindows.js";
import { planMemory } from "./plan.js";
import { recomputable } from "./recompute.js";
import { fuseIntoConsumers } from "./fuseConsumers.js";
import { NodeFactory, type ReduceOp, type SExpr } from "./sexpr.js";
import { matmulTileFor } from "./matmulTile.js";
import { contraction, dotDims } from "./contraction.js";
import { canonicalize } from "./canonicalize.js";

export interface LowerOptions {
  /** Float32 contractions with at least this many multiply-adds (and M >= 4, N >= 8) use the packed matmul kernel. */
  matmulMinFlops?: number;
  /**
   * Register tile of the matmul microkernel: rows (MR) and columns (NR, a multiple of 4).
   * Default 4x8 (8 accumulators + 3 operand registers fit x64's 16 SIMD registers; measured
   * fastest on AMD EPYC and Intel Xeon, with and without relaxed-SIMD fma).
   */
  matmulTile?: readonly [number, number];
  /** Primitives that run as host steps even where a native kernel exists (tests of the host-step path, A/B measurements). */
  hostPrimitives?: ReadonlySet<Primitive>;
  /** Cut map kernels where their pad/concatenate predicates change (indexSets.ts): for SIMD renderers. */
  splitIndexSets?: boolean;
  /** The factorizations (ir/linalg.ts) as factor steps the renderer has kernels for (codegen/kernel/factor.ts), not host steps. */
  factorSteps?: boolean;
  /** Convolutions with few input features as direct kernels (directConv.ts), not im2col: for renderers that have them. */
  directConv?: boolean;
}

type Kind = "ew" | "dup" | "reduce" | "dot" | "multi" | "host";

/** The register tile of paired (int8) matmul kernels: the one their microkernel was measured and tested with. */
const PAIRED_TILE: readonly [number, number] = [4, 8];

const ewPrims = new Set<Primitive>(["round", "integerPow", "selectN", "clamp", "bitcastConvertType"]);
const reducePrims: Partial<Record<Primitive, ReduceOp>> = {
  reduceSum: "sum",
  reduceProd: "prod",
  reduceMax: "max",
  reduceMin: "min",
  reduceAnd: "and",
  reduceOr: "or",
  argmax: "argmax",
  argmin: "argmin",
};

export function kindOf(p: Primitive): Kind {
  if (isUnary(p) || isBinary(p) || isComparison(p) || ewPrims.has(p)) return "ew";
  if (viewPrims.has(p) || indexViewPrims.has(p)) return "dup";
  if (p in reducePrims || isReduceWindow(p)) return "reduce";
  if (p === "dotGeneral") return "dot";
  if (p === "threefry2x32") return "multi"; // elementwise with several outputs: a kernel root
  return "host";
}

/**
 * The narrow dtypes (int8, uint8, float16). Beyond what narrow.ts makes native, the primitives
 * with step kinds of their own (scatter, sort, pooling's gradient, cumulative ops, the
 * factorizations) run as host steps when they touch one (float16 widened to float32 there).
 */
export const narrowDtypes: ReadonlySet<DType> = new Set<DType>(["int8", "uint8", "float16"]);
const touchesNarrowDtype = (e: Eqn) => e.inputs.some((a) => narrowDtypes.has(a.aval.dtype)) || e.outVars.some((v) => narrowDtypes.has(v.aval.dtype));

/**
 * The kind of an equation: convolutions are contractions (float32 and int8/uint8-into-int32
 * ones matmul-style, see lowerConvReduce.ts for the rest) but bool ones; what narrow.ts cannot
 * keep in range (float16 always) runs as a host step (the reference kernel, float16 widened).
 */
function kindOfEqn(e: Eqn): Kind {
  if (narrowNeedsHost(e) && !controlFlowPrims.has(e.primitive)) return "host";
  if (e.primitive === "convGeneralDilated") return e.outVars[0]!.aval.dtype === "bool" ? "host" : "dot";
  return kindOf(e.primitive);
}

/** Whether an equation reads `operand` at exactly its own output index (so a core's value can stay in a register). */
function indexPreserving(e: Eqn, operand: Var): boolean {
  const k = kindOf(e.primitive);
  const out = e.outVars[0]!.aval;
  const sameShape = shapesEqual(out.shape, operand.aval.shape);
  if (k === "ew") return sameShape;
  if (e.primitive === "convertElementType" || e.primitive === "copy" || e.primitive === "stopGradient") return sameShape;
  // Adding or removing unit dims (keepdims) keeps every element at its flat position.
  if (e.primitive === "reshape" || e.primitive === "squeeze" || e.primitive === "broadcastInDim")
    return out.size === operand.aval.size && shapesEqual(out.shape.filter((n) => n !== 1), operand.aval.shape.filter((n) => n !== 1));
  return false;
}

interface Group {
  readonly id: number;
  kind: "map" | "reduce" | "dot" | "host";
  readonly root: number;
  core: number | null;
  dotStyle?: "matmul" | "reduce";
  readonly members: Set<number>;
  /** Members whose values feed a reduce-style contraction's operands (evaluated many times). */
  readonly operandCtx: Set<number>;
}

/** What the lowering of a program and of its nested regions (loop bodies, branches) shares. */
class LowerContext {
  /** Every buffer, by id (an entry may be replaced, e.g. when a hoisted kernel's output moves out of a loop). */
  readonly buffers: BufferDecl[] = [];
  readonly f = new NodeFactory();
  kernelCount = 0;
  loopCount = 0;
  /** The loop whose body is being lowered (buffers created now live one iteration). */
  loop: number | undefined = undefined;
  readonly minFlops: number;
  readonly MR: number;
  readonly NR: number;
  constructor(readonly opts: LowerOptions) {
    this.minFlops = opts.matmulMinFlops ?? 16384;
    [this.MR, this.NR] = opts.matmulTile ?? [4, 8];
  }
  addBuffer(kind: BufferKind, index: number, dtype: DType, shape: readonly number[], view?: ViewOf, swap?: SwapOf): number {
    const id = this.buffers.length;
    const loop = kind === "temp" || kind === "scratch" ? this.loop : undefined;
    this.buffers.push({
      id,
      kind,
      index,
      dtype,
      shape,
      size: shapeSize(shape),
      offset: -1,
      ...(view ? { view } : {}),
      ...(swap ? { swap } : {}),
      ...(loop !== undefined ? { loop } : {}),
    });
    return id;
  }
  nextName(what: string): string {
    return `k${this.kernelCount++}_${what}`;
  }
}

export function lowerJaxpr(input: Jaxpr, opts: LowerOptions = {}): Program {
  const jaxpr = optimizeJaxpr(input);
  const ctx = new LowerContext(opts);
  const inputs = [...jaxpr.constvars, ...jaxpr.invars].map((v, k) => ctx.addBuffer("input", k, v.aval.dtype, v.aval.shape));
  const outputs = jaxpr.outs.map((a, k) => ctx.addBuffer("output", k, a.aval.dtype, a.aval.shape));
  const lowered = fuseIntoConsumers(ctx.f, ctx.buffers, lowerRegion(ctx, jaxpr, inputs, outputs), (k) => canonicalize(ctx.f, k));
  const steps = opts.splitIndexSets ? splitIndexSets(ctx.f, ctx.buffers, lowered) : lowered;
  const hostArity = Math.max(0, ...leafSteps(steps).map((s) => (s.kind === "host" ? hostStepBuffers(s).length : 0)));
  const hostArgs = hostArity > 0 ? ctx.addBuffer("scratch", -1, "int32", [hostArity]) : undefined;
  const program: Program = { jaxpr, buffers: ctx.buffers, inputs, outputs, steps, arenaBytes: 0, ...(hostArgs !== undefined ? { hostArgs } : {}) };
  planMemory(program);
  return program;
}

/**
 * Lowers an (optimized) jaxpr whose inputs (constvars, then invars) live in `inBufs` into
 * steps that leave its outputs in `outBufs` (null: not needed). An output computed by one of
 * the region's kernels is written there directly; any other (an input, a literal, a repeat) is
 * copied at the end.
 */
function lowerRegion(ctx: LowerContext, jaxpr: Jaxpr, inBufs: readonly number[], outBufs: readonly (number | null)[]): Step[] {
  const eqns = jaxpr.eqns;
  const { minFlops, MR, NR } = ctx;

  const producer = new Map<Var, number>();
  const consumers = new Map<Var, number[]>();
  eqns.forEach((e, i) => {
    e.outVars.forEach((v) => producer.set(v, i));
    for (const a of e.inputs) {
      if (!(a instanceof Var)) continue;
      const list = consumers.get(a);
      if (list === undefined) consumers.set(a, [i]);
      else if (list[list.length - 1] !== i) list.push(i);
    }
  });
  const outputSet = new Set<Var>(jaxpr.outs.filter((a): a is Var => a instanceof Var));

  const dotStyleOf = (e: Eqn): "matmul" | "reduce" => {
    if (e.primitive === "convGeneralDilated") return convIsMatmul(e) || isNarrowContraction(e) ? "matmul" : "reduce";
    const out = e.outVars[0]!.aval;
    const lhs = e.inputs[0]!.aval;
    if ((out.dtype !== "float32" || lhs.dtype !== "float32") && !isNarrowContraction(e)) return "reduce";
    const d = dotDims(e);
    const M = shapeSize(d.lfree);
    const N = shapeSize(d.rfree);
    const K = shapeSize(d.contract);
    const [mr, nr] = isNarrowContraction(e) ? PAIRED_TILE : matmulTileFor([MR, NR], M, N);
    return M >= mr && N >= nr && K >= 1 && M * N * K * shapeSize(d.batch) >= minFlops ? "matmul" : "reduce";
  };

  // ---- grouping, backwards ----
  const groupsOf: Set<Group>[] = eqns.map(() => new Set());
  const groups: Group[] = [];
  const newGroup = (i: number, kind: Group["kind"]): Group => {
    const g: Group = { id: groups.length, kind, root: i, core: null, members: new Set([i]), operandCtx: new Set() };
    groups.push(g);
    groupsOf[i]!.add(g);
    return g;
  };
  const inOperandCtx = (g: Group, v: Var): boolean =>
    (consumers.get(v) ?? []).some(
      (j) =>
        g.members.has(j) &&
        // reduce-style dots and convolutions (im2col) read each operand element many times
        ((j === g.core && (g.dotStyle === "reduce" || eqns[j]!.primitive === "convGeneralDilated" || windowRereads(eqns[j]!))) || g.operandCtx.has(j)),
    );
  /** Whether every use of v inside g (transitively) reads it at its own index, and nothing outside g does. */
  const flowsIndexPreserving = (g: Group, v: Var): boolean => {
    const stack = [v];
    const seen = new Set<Var>();
    while (stack.length) {
      const u = stack.pop()!;
      if (seen.has(u)) continue;
      seen.add(u);
      for (const j of consumers.get(u) ?? []) {
        if (!g.members.has(j) || groupsOf[j]!.size !== 1) return false;
        const e = eqns[j]!;
        if (!indexPreserving(e, u)) return false;
        if (j !== g.root) stack.push(e.outVars[0]!);
      }
    }
    return true;
  };

  for (let i = eqns.length - 1; i >= 0; i--) {
    const e = eqns[i]!;
    const kind = ctx.opts.hostPrimitives?.has(e.primitive) ? "host" : kindOfEqn(e);
    if (kind === "host") {
      newGroup(i, "host");
      continue;
    }
    if (kind === "multi") {
      newGroup(i, "map");
      continue;
    }
    const v = e.outVars[0]!;
    const cons = consumers.get(v) ?? [];
    const isOut = outputSet.has(v);
    const consGroups = new Set<Group>();
    for (const j of cons) for (const g of groupsOf[j]!) consGroups.add(g);

    if (kind === "ew" || kind === "dup") {
      // indices are read from a buffer (data-dependent index expressions): materialize them
      if (!isOut && cons.length > 0 && !cons.some((j) => readsAsIndex(eqns[j]!, v))) {
        const expands =
          kind === "ew" &&
          cons.some((j) => {
            const c = eqns[j]!;
            return (c.primitive === "broadcastInDim" && c.outVars[0]!.aval.size > v.aval.size) || expandsOperand(c, v);
          });
        const canJoin = (g: Group) => g.kind !== "host" && !expands && ((kind === "dup" && !narrowsFloat(e)) || !inOperandCtx(g, v));
        const join = (g: Group) => {
          if (inOperandCtx(g, v)) g.operandCtx.add(i);
          g.members.add(i);
          groupsOf[i]!.add(g);
        };
        if (kind === "ew" && consGroups.size === 1) {
          const g = [...consGroups][0]!;
          if (canJoin(g)) {
            join(g);
            continue;
          }
        }
        // a cheap elementwise value read by several kernels is recomputed in each (recompute.ts)
        if ((kind === "dup" || recomputable(e, consGroups.size)) && [...consGroups].every(canJoin)) {
          consGroups.forEach(join);
          continue;
        }
      }
      newGroup(i, "map");
      continue;
    }

    // reduce / dot
    const style = kind === "dot" ? dotStyleOf(e) : undefined;
    if (!isOut && cons.length > 0 && consGroups.size === 1) {
      const g = [...consGroups][0]!;
      if (g.kind === "map" && g.core === null && flowsIndexPreserving(g, v)) {
        g.core = i;
        g.kind = kind === "dot" ? "dot" : "reduce";
        if (style) g.dotStyle = style;
        g.members.add(i);
        groupsOf[i]!.add(g);
        continue;
      }
    }
    const g = newGroup(i, kind === "dot" ? "dot" : "reduce");
    g.core = i;
    if (style) g.dotStyle = style;
  }

  // ---- buffers ----
  const addBuffer = (kind: BufferKind, index: number, dtype: DType, shape: readonly number[]): number => ctx.addBuffer(kind, index, dtype, shape);
  const bufOf = new Map<Var, number>();
  [...jaxpr.constvars, ...jaxpr.invars].forEach((v, k) => bufOf.set(v, inBufs[k]!));
  const rootVars = new Set<Var>();
  for (const g of groups) for (const v of eqns[g.root]!.outVars) rootVars.add(v);
  jaxpr.outs.forEach((a, k) => {
    const id = outBufs[k];
    if (id !== null && id !== undefined && a instanceof Var && !bufOf.has(a) && rootVars.has(a)) bufOf.set(a, id);
  });
  const ordered = [...groups].sort((a, b) => a.root - b.root);
  for (const g of ordered)
    for (const v of eqns[g.root]!.outVars) if (!bufOf.has(v)) bufOf.set(v, addBuffer("temp", -1, v.aval.dtype, v.aval.shape));

  // ---- expressions ----
  const f = ctx.f;
  const steps: Step[] = [];

  const buildExprs = (g: Group) => {
    const memo = new Map<string, SExpr>();
    const rootOuts = new Set(eqns[g.root]!.outVars);
    const exprOf = (a: Atom, idx: readonly IExpr[]): SExpr => {
      const wide = widenedOperand(a); // an operand of a widened narrow-dtype equation (widen.ts)
      if (wide) return wide.read(f, exprOf(wide.orig, idx));
      if (a instanceof Literal) return f.const(castScalar(a.value, a.aval.dtype), a.aval.dtype);
      const buf = bufOf.get(a);
      if (buf !== undefined && !rootOuts.has(a)) return f.load(buf, flatten(idx, a.aval.shape), a.aval.dtype);
      const key = `${a.id}|${idx.map((x) => x.key).join(";")}`;
      const hit = memo.get(key);
      if (hit) return hit;
      const p = producer.get(a);
      if (p === undefined || !g.members.has(p)) throw new Error(`internal: lowering reached a value outside its kernel (${a.aval})`);
      const r = compute(eqns[p]!, idx);
      memo.set(key, r);
      return r;
    };
    const operand = (e: Eqn, k: number, idx: readonly IExpr[]) => {
      const a = e.inputs[k]!;
      return exprOf(a, a.aval.ndim === 0 ? [] : idx);
    };
    const compute = (e: Eqn, idx: readonly IExpr[]): SExpr => {
      const w = widening(e); // int8/uint8/float16 arithmetic: on int32/float32, narrowed back (widen.ts)
      if (w) return w.finish(f, compute(w.eqn, idx));
      const out = e.outVars[0]!.aval;
      const prim = e.primitive;
      if (isUnary(prim)) return f.unary(prim, operand(e, 0, idx), out.dtype);
      if (isBinary(prim)) return f.binary(prim, operand(e, 0, idx), operand(e, 1, idx), out.dtype);
      if (isComparison(prim)) return f.compare(prim, operand(e, 0, idx), operand(e, 1, idx));
      const inShape = (k: number) => e.inputs[k]!.aval.shape;
      switch (prim) {
        case "round":
          return f.round(operand(e, 0, idx), (e.params as Params<"round">).roundingMethod);
        case "integerPow":
          return f.ipow(operand(e, 0, idx), (e.params as Params<"integerPow">).y);
        case "selectN":
          return f.select(
            operand(e, 0, idx),
            e.inputs.slice(1).map((_, k) => operand(e, k + 1, idx)),
            out.dtype,
          );
        case "clamp":
          return f.clamp(operand(e, 0, idx), operand(e, 1, idx), operand(e, 2, idx), out.dtype);
        case "bitcastConvertType":
          return f.bitcast(operand(e, 0, idx), out.dtype);
        case "convertElementType":
          return f.convert(operand(e, 0, idx), out.dtype);
        case "copy":
        case "stopGradient":
          return operand(e, 0, idx);
        case "iota": {
          const p = e.params as Params<"iota">;
          return f.iota(idx[p.dimension]!, out.dtype);
        }
        case "broadcastInDim": {
          const p = e.params as Params<"broadcastInDim">;
          const s = inShape(0);
          return exprOf(e.inputs[0]!, s.map((n, i) => (n === 1 ? iconst(0) : idx[p.broadcastDimensions[i]!]!)));
        }
        case "reshape":
          return exprOf(e.inputs[0]!, unravel(flatten(idx, out.shape), inShape(0)));
        case "squeeze": {
          const p = e.params as Params<"squeeze">;
          let j = 0;
          return exprOf(e.inputs[0]!, inShape(0).map((_, d) => (p.dimensions.includes(d) ? iconst(0) : idx[j++]!)));
        }
        case "transpose": {
          const p = e.params as Params<"transpose">;
          const inIdx = new Array<IExpr>(idx.length);
          p.permutation.forEach((src, k) => (inIdx[src] = idx[k]!));
          return exprOf(e.inputs[0]!, inIdx);
        }
        case "rev": {
          const p = e.params as Params<"rev">;
          const s = inShape(0);
          return exprOf(e.inputs[0]!, idx.map((x, d) => (p.dimensions.includes(d) ? iadd(s[d]! - 1, iscale(x, -1)) : x)));
        }
        case "slice": {
          const p = e.params as Params<"slice">;
          return exprOf(e.inputs[0]!, idx.map((x, d) => iadd(p.startIndices[d]!, iscale(x, p.strides?.[d] ?? 1))));
        }
        case "pad": {
          const p = e.params as Params<"pad">;
          const s = inShape(0);
          const padValue = exprOf(e.inputs[1]!, []);
          if (s.some((n) => n === 0)) return padValue;
          let valid = f.const(1, "bool");
          const inIdx = idx.map((o, d) => {
            const [lo, , interior] = p.paddingConfig[d]!;
            const step = interior + 1;
            const n = s[d]!;
            const q = iadd(o, -lo);
            const conds = [f.icond(q, "ge", 0), f.icond(q, "lt", (n - 1) * step + 1)];
            if (step > 1) conds.push(f.icond(imod(q, step), "eq", 0));
            for (const c of conds) valid = and(valid, c);
            return iclamp(idiv(q, step), 0, n - 1);
          });
          if (valid.k === "const") return valid.value ? exprOf(e.inputs[0]!, inIdx) : padValue;
          return f.select(valid, [padValue, exprOf(e.inputs[0]!, inIdx)], out.dtype);
        }
        case "concatenate": {
          const p = e.params as Params<"concatenate">;
          const d = p.dimension;
          const parts: { k: number; off: number; n: number }[] = [];
          let off = 0;
          e.inputs.forEach((a, k) => {
            const n = a.aval.shape[d]!;
            if (n > 0) parts.push({ k, off, n });
            off += n;
          });
          const partExpr = (part: { k: number; off: number; n: number }) =>
            exprOf(
              e.inputs[part.k]!,
              idx.map((x, i) => (i === d ? iclamp(iadd(x, -part.off), 0, part.n - 1) : x)),
            );
          if (parts.length === 0) return f.const(0, out.dtype); // an empty result: never evaluated
          let value = partExpr(parts[parts.length - 1]!);
          for (let q = parts.length - 2; q >= 0; q--) {
            const next = parts[q + 1]!;
            value = f.select(f.icond(idx[d]!, "lt", next.off), [value, partExpr(parts[q]!)], out.dtype);
          }
          return value;
        }
        case "dotGeneral":
          return computeDot(e, idx);
        case "convGeneralDilated":
          if (g.dotStyle === "matmul" && g.core === producer.get(e.outVars[0]!)) return f.acc(out.dtype);
          if (g.dotStyle === "reduce" && g.core === producer.get(e.outVars[0]!)) return convAsReduction(contraction(e, exprOf, f), e, idx, f);
          throw new Error("internal: a convolution outside its contraction kernel");
        default: {
          if (isReduceWindow(prim)) return reduceWindowExpr(f, e, idx, exprOf);
          if (indexViewPrims.has(prim)) return computeIndexing({ f, exprOf, bufferOf: (v) => bufOf.get(v)! }, e, idx);
          const op = reducePrims[prim];
          if (op === undefined) throw new Error(`internal: ${prim} has no kernel lowering`);
          const axes = (e.params as Params<"reduceSum">).axes;
          const s = inShape(0);
          const rvars: IVar[] = [];
          let j = 0;
          const inIdx = s.map((n, dim) => {
            if (axes.includes(dim)) {
              const v = newVar(n, "r");
              rvars.push(v);
              return ivar(v);
            }
            return idx[j++]!;
          });
          const body = exprOf(e.inputs[0]!, inIdx);
          return f.reduce(op, body, rvars, out.dtype);
        }
      }
    };
    /** Threefry-2x32 (20 rounds), as codegen/ref/threefry.ts: both words from one shared DAG. */
    const threefry = (e: Eqn, idx: readonly IExpr[]): SExpr[] => {
      const [k0, k1, x0, x1] = [0, 1, 2, 3].map((k) => operand(e, k, idx)) as [SExpr, SExpr, SExpr, SExpr];
      const u = "uint32";
      const add = (a: SExpr, b: SExpr) => f.binary("add", a, b, u);
      const xor = (a: SExpr, b: SExpr) => f.binary("xor", a, b, u);
      const c = (v: number) => f.const(v >>> 0, u);
      const rotl = (v: SExpr, r: number) => f.binary("or", f.binary("shiftLeft", v, c(r), u), f.binary("shiftRightLogical", v, c(32 - r), u), u);
      const ks = [k0, k1, xor(xor(k0, k1), c(0x1bd11bda))];
      const rotations = [
        [13, 15, 26, 6],
        [17, 29, 16, 24],
      ];
      let a = add(x0, ks[0]!);
      let b = add(x1, ks[1]!);
      for (let block = 0; block < 5; block++) {
        for (const r of rotations[block % 2]!) {
          a = add(a, b);
          b = xor(rotl(b, r), a);
        }
        a = add(a, ks[(block + 1) % 3]!);
        b = add(add(b, ks[(block + 2) % 3]!), c(block + 1));
      }
      return [a, b];
    };
    const computeAll = (e: Eqn, idx: readonly IExpr[]): SExpr[] => (e.primitive === "threefry2x32" ? threefry(e, idx) : [compute(e, idx)]);
    const and = (a: SExpr, b: SExpr): SExpr => {
      if (a.k === "const") return a.value ? b : a;
      if (b.k === "const") return b.value ? a : b;
      return f.binary("and", a, b, "bool");
    };
    const computeDot = (e: Eqn, idx: readonly IExpr[]): SExpr => {
      const out = e.outVars[0]!.aval;
      if (g.dotStyle === "matmul" && g.core === producer.get(e.outVars[0]!)) return f.acc(out.dtype);
      // Reduce style: a sum over the contracting dims of the converted product.
      const d = dotDims(e);
      const [lhs, rhs] = e.inputs as [Atom, Atom];
      const rvars = d.contract.map((n) => newVar(n, "k"));
      const nb = d.batch.length;
      const nl = d.lfree.length;
      const operandIdx = (a: Atom, c: readonly number[], b: readonly number[], freeOffset: number) => {
        let free = 0;
        return a.aval.shape.map((_, dim) => {
          const ci = c.indexOf(dim);
          if (ci >= 0) return ivar(rvars[ci]!);
          const bi = b.indexOf(dim);
          if (bi >= 0) return idx[bi]!;
          return idx[freeOffset + free++]!;
        });
      };
      const A = f.convert(exprOf(lhs, operandIdx(lhs, d.lc, d.lb, nb)), out.dtype);
      const B = f.convert(exprOf(rhs, operandIdx(rhs, d.rc, d.rb, nb + nl)), out.dtype);
      return f.reduce("sum", f.binary("mul", A, B, out.dtype), rvars, out.dtype);
    };
    return { exprOf, compute, computeAll };
  };

  // poolings that take their direct convolution into their epilogue (poolEpilogue.ts)
  const pools = ctx.opts.directConv ? findPoolEpilogues({ eqns, groups, groupsOf, consumers, outputs: outputSet, bufOf, f, rootValue: (g, idx) => buildExprs(g).compute(eqns[g.root]!, idx) }) : new Map<Group, PoolEpilogue<Group>>();
  const pooledConvs = new Set([...pools.values()].map((pe) => pe.conv));
  for (const g of ordered) {
    if (pooledConvs.has(g)) continue;
    const root = eqns[g.root]!;
    const name = ctx.nextName(g.kind === "host" ? root.primitive : g.core !== null ? eqns[g.core]!.primitive : root.primitive);
    if (g.kind === "host" && controlFlowPrims.has(root.primitive)) {
      const operands = root.inputs.map((a) => atomBuffer(ctx, steps, a, bufOf));
      steps.push(...lowerControlFlow(ctx, root, name, operands, root.outVars.map((v) => bufOf.get(v)!)));
      continue;
    }
    const native = !touchesNarrowDtype(root) && !ctx.opts.hostPrimitives?.has(root.primitive);
    if (g.kind === "host" && isSelectWindow(root.primitive) && native) {
      const [first, operand] = root.inputs.map((a) => atomBuffer(ctx, steps, a, bufOf)) as [number, number];
      const kernels = selectWindowKernels(f, root, { first, operand, out: bufOf.get(root.outVars[0]!)! }, (d, s) => addBuffer("temp", -1, d, s), name);
      steps.push(...kernels.map((k) => canonicalize(f, k)));
      continue;
    }
    if (g.kind === "host" && isCumulative(root.primitive) && (native || (narrowCumulative(root) && !ctx.opts.hostPrimitives?.has(root.primitive)))) {
      const out = root.outVars[0]!.aval;
      const acc = accumulatesInFloat32(root) ? addBuffer("temp", -1, "float32", out.shape) : undefined; // lowerScan.ts
      const ks = cumulativeKernels(f, root, { x: atomBuffer(ctx, steps, root.inputs[0]!, bufOf), out: bufOf.get(root.outVars[0]!)!, acc }, name);
      steps.push(...ks.map((k) => canonicalize(f, k)));
      continue;
    }
    if (g.kind === "host" && scatterPrims.has(root.primitive) && (native || (narrowScatter(root) && !ctx.opts.hostPrimitives?.has(root.primitive)))) {
      // a copy of the operand, then the updates in order (lowerIndexing.ts)
      const [operand, indices, updates] = root.inputs as [Atom, Atom, Atom];
      const out = bufOf.get(root.outVars[0]!)!;
      if (scatterViaFloat32(root)) {
        const bufs = { operand: atomBuffer(ctx, steps, operand, bufOf), indices: atomBuffer(ctx, steps, indices, bufOf), updates: atomBuffer(ctx, steps, updates, bufOf) };
        const acc = addBuffer("temp", -1, "float32", operand.aval.shape); // lowerIndexing.ts
        steps.push(...float32ScatterKernels(f, root, name, { ...bufs, acc, out }).map((k) => canonicalize(f, k)));
        continue;
      }
      steps.push(...copySteps(ctx, operand instanceof Literal ? operand : bufOf.get(operand)!, operand.aval, out, `${name}_operand`));
      const k = scatterKernel(f, root, name, out, atomBuffer(ctx, steps, indices, bufOf), atomBuffer(ctx, steps, updates, bufOf));
      if (k) steps.push(canonicalize(f, k));
      continue;
    }
    if (g.kind === "host" && root.primitive === "sort" && (native || (narrowSortable(root) && !ctx.opts.hostPrimitives?.has("sort")))) {
      const ins = root.inputs.map((a) => atomBuffer(ctx, steps, a, bufOf));
      const s = sortStep(root, name, ins, root.outVars.map((v) => bufOf.get(v)!), (n) => addBuffer("scratch", -1, "int32", [n]));
      if (s) steps.push(s);
      continue;
    }
    if (g.kind === "host") {
      const ins: HostInput[] = root.inputs.map((a) =>
        a instanceof Literal ? { literal: storeScalar(a.value, a.aval.dtype), dtype: a.aval.dtype } : { buf: bufOf.get(a)! },
      );
      const outs = root.outVars.map((v) => bufOf.get(v)!);
      const factor = ctx.opts.factorSteps && native ? factorStep(name, root, (a) => (a instanceof Var ? bufOf.get(a) : undefined), outs, (d, shape) => addBuffer("scratch", -1, d, shape)) : null;
      steps.push(factor ?? { kind: "host", name, eqn: root, inputs: ins, outputs: outs });
      continue;
    }
    const outVar = root.outVars[0]!;
    const outBuf = bufOf.get(outVar)!;
    const pe = pools.get(g);
    if (pe) {
      const core = eqns[pe.conv.core!]!;
      const cx = buildExprs(pe.conv);
      const d = directConvPlan(core, (a, idx) => cx.exprOf(a, idx), f, (shape, dtype) => addBuffer("scratch", -1, dtype, shape), name);
      const convOut = eqns[pe.conv.root]!.outVars[0]!.aval;
      const flat = flatten(contraction(core, (a, idx) => cx.exprOf(a, idx), f, "float32").outIdx(ivar(d.gVar), ivar(d.mVar), ivar(d.nVar)), core.outVars[0]!.aval.shape);
      const value = pe.conv.root === pe.conv.core ? f.acc(convOut.dtype) : cx.compute(eqns[pe.conv.root]!, unravel(flat, convOut.shape));
      steps.push(...d.packs.map((k) => canonicalize(f, k)), poolEpilogueKernel(f, pe, eqns[g.core!]!, core, d, value, outBuf));
      continue;
    }
    const { compute, exprOf, computeAll } = buildExprs(g);
    if (g.kind === "dot" && g.dotStyle === "matmul") {
      const core = eqns[g.core!]!;
      const coreOut = core.outVars[0]!.aval;
      // int8/uint8 operands: panels of k pairs as int16 halves of int32 words (narrow.ts).
      const paired = isNarrowContraction(core);
      if (ctx.opts.directConv && directConvPays(core)) {
        const d = directConvPlan(core, (a, idx) => exprOf(a, idx), f, (shape, dtype) => addBuffer("scratch", -1, dtype, shape), name);
        const flat = flatten(contraction(core, (a, idx) => exprOf(a, idx), f, "float32").outIdx(ivar(d.gVar), ivar(d.mVar), ivar(d.nVar)), coreOut.shape);
        const epilogue = g.root === g.core ? f.acc(coreOut.dtype) : compute(root, unravel(flat, outVar.aval.shape));
        steps.push(...d.packs.map((k) => canonicalize(f, k)), d.kernel(epilogue, { buf: outBuf, index: flat }));
        continue;
      }
      // A convolution whose im2col would mostly pack padding: a matmul into a temporary, then a gather-sum (lowerConv.ts).
      const col = g.root === g.core && !paired ? col2imPlan(core, (a, idx) => exprOf(a, idx), f) : null;
      const direct = col ? null : contraction(core, (a, idx) => exprOf(a, idx), f, paired ? "int32" : "float32");
      const c = col ? col.contraction : direct!;
      const mmOut = col ? addBuffer("temp", -1, "float32", col.yShape) : outBuf;
      const { Bt, M, N, K } = c;
      if (Bt * M * N === 0) continue;
      const [MR, NR] = paired ? PAIRED_TILE : matmulTileFor([ctx.MR, ctx.NR], M, N);
      const MB = Math.ceil(M / MR);
      const NB = Math.ceil(N / NR);
      const KP = paired ? pairedWords(direct!.kShape) : K;
      const elem = paired ? "int32" : "float32";
      const packA = addBuffer("scratch", -1, elem, [Bt * MB * MR * KP]);
      const packB = addBuffer("scratch", -1, elem, [Bt * NB * NR * KP]);
      const tile = addBuffer("scratch", -1, elem, [MR * NR]);
      // K's factors (a convolution's input feature and kernel taps) as loop variables of their own.
      const kFactors = core.primitive === "convGeneralDilated" ? c.kShape : undefined;
      // Pack kernels (which fuse the operands' producers): one over full panels, one for the
      // partial last panel (zero-padded).
      const pack = (which: "A" | "B", full: boolean) => {
        const R = which === "A" ? MR : NR;
        const total = which === "A" ? M : N;
        const nPanels = which === "A" ? MB : NB;
        const nFull = Math.floor(total / R);
        if (K === 0 || (full ? nFull === 0 : nFull === nPanels)) return;
        const bv = newVar(Bt, "b");
        const pv = full ? newVar(nFull, "p") : null;
        // K's factors as loop variables of their own (affine loads, no div/mod per element); for
        // a convolution's A (im2col), the panel row outside them, so that an output position's
        // index arithmetic is hoisted out of the loops over the taps.
        const kvars = kFactors ? kFactors.map((n) => newVar(n, "k")) : [newVar(K, "k")];
        const kIdx = kFactors ? flatten(kvars.map(ivar), kFactors) : ivar(kvars[0]!);
        const rv = newVar(R, "r");
        const panel = pv ? ivar(pv) : iconst(nFull);
        const pos = iadd(iscale(panel, R), ivar(rv));
        const at = full ? pos : iclamp(pos, 0, total - 1);
        let value = which === "A" ? c.a(ivar(bv), at, kIdx) : c.b(ivar(bv), kIdx, at);
        if (!full) value = f.select(f.icond(pos, "lt", total), [f.const(0, "float32"), value], "float32");
        const index = iadd(iscale(iadd(iscale(iadd(iscale(ivar(bv), nPanels), panel), K), kIdx), R), ivar(rv));
        const inner = which === "A" && kFactors ? [rv, ...kvars] : [...kvars, rv];
        const vars = pv ? [bv, pv, ...inner] : [bv, ...inner];
        steps.push(canonicalize(f, { kind: "map", name: `${name}_pack${which}${full ? "" : "_edge"}`, vars, outs: [{ buf: which === "A" ? packA : packB, value, index }] }));
      };
      if (paired) steps.push(...pairedPackKernels(f, name, direct!, MR, NR, packA, packB).map((pk) => canonicalize(f, pk)));
      else {
        pack("A", true);
        pack("A", false);
        pack("B", true);
        pack("B", false);
      }
      const bVar = newVar(Bt, "b");
      const mVar = newVar(M, "m");
      const nVar = newVar(N, "n");
      // The epilogue runs over the root's index space; it differs from the core's at most by unit dims.
      const flat = flatten(c.outIdx(ivar(bVar), ivar(mVar), ivar(nVar)), col ? col.yShape : coreOut.shape);
      const epilogue = g.root === g.core ? f.acc(coreOut.dtype) : compute(root, unravel(flat, outVar.aval.shape));
      const k: MatmulKernel = { kind: "matmul", name, bVar, mVar, nVar, K, epilogue, out: { buf: mmOut, index: flat }, packA, packB, tile, mr: MR, nr: NR, ...(paired ? { pairs: KP } : {}) };
      steps.push(k);
      if (col) steps.push(canonicalize(f, col.kernel(mmOut, outBuf, name)));
      continue;
    }
    const vars = outVar.aval.shape.map((n) => newVar(n, "i"));
    const idx = vars.map(ivar);
    const values = computeAll(root, idx);
    if (outVar.aval.size === 0) continue;
    const index = flatten(idx, outVar.aval.shape);
    steps.push(canonicalize(f, { kind: "map", name, vars, outs: values.map((value, k) => ({ buf: bufOf.get(root.outVars[k]!)!, value, index })) }));
  }

  // ---- outputs not computed in place: literals, inputs, repeats ----
  jaxpr.outs.forEach((a, k) => {
    const outBuf = outBufs[k];
    if (outBuf === null || outBuf === undefined) return;
    if (a instanceof Var && bufOf.get(a) === outBuf) return;
    steps.push(...copySteps(ctx, a instanceof Literal ? a : bufOf.get(a)!, a.aval, outBuf, `output${k}`));
  });
  return steps;
}

/** A map kernel that stores a literal or a whole buffer into `to` (none for empty arrays). */
function copySteps(ctx: LowerContext, from: Literal | number, aval: ShapedArray, to: number, what: string): Step[] {
  if (aval.size === 0) return [];
  const f = ctx.f;
  const vars = aval.shape.map((n) => newVar(n, "i"));
  const index = flatten(vars.map(ivar), aval.shape);
  const value = from instanceof Literal ? f.const(castScalar(from.value, aval.dtype), aval.dtype) : f.load(from, index, aval.dtype);
  return [canonicalize(f, { kind: "map", name: ctx.nextName(what), vars, outs: [{ buf: to, value, index }] })];
}

/** The buffer holding an operand: a literal is stored into a fresh temporary first. */
function atomBuffer(ctx: LowerContext, steps: Step[], a: Atom, bufOf: ReadonlyMap<Var, number>): number {
  if (a instanceof Var) return bufOf.get(a)!;
  const t = ctx.addBuffer("temp", -1, a.aval.dtype, a.aval.shape);
  steps.push(...copySteps(ctx, a, a.aval, t, "literal"));
  return t;
}

// ---- structured control flow ----

const controlFlowPrims = new Set<Primitive>(["cond", "while", "scan"]);

/**
 * The carries of loop `id` as its body sees them. A carry the body changes is double-buffered:
 * its own buffer and a second one (both alive for the whole loop) alternate between being read
 * (`cur`) and written (`next`) from trip to trip, so no trip copies a carry; after an odd
 * number of trips the result sits in the second buffer and `oddExit` copies it back. A carry
 * the body returns unchanged is read in place and never written.
 */
function loopCarries(ctx: LowerContext, id: number, body: Jaxpr, carryIn: number, carries: readonly number[]) {
  const unchanged = carries.map((_, k) => body.outs[k] === body.invars[carryIn + k]);
  const cur: number[] = [];
  const next: (number | null)[] = [];
  const oddExit: Step[] = [];
  carries.forEach((c, k) => {
    if (unchanged[k]) {
      cur.push(c);
      next.push(null);
      return;
    }
    const { dtype, shape } = ctx.buffers[c]!;
    const second = ctx.addBuffer("temp", -1, dtype, shape);
    cur.push(ctx.addBuffer("view", -1, dtype, shape, undefined, { loop: id, even: c, odd: second }));
    next.push(ctx.addBuffer("view", -1, dtype, shape, undefined, { loop: id, even: second, odd: c }));
    oddExit.push(...copySteps(ctx, second, body.outs[k]!.aval, c, `carry${k}`));
  });
  return { cur, next, oddExit };
}

/**
 * Loop-invariant code motion: a kernel of the loop's body that reads only buffers the loop
 * never writes (constants, values computed before the loop, what earlier hoisted kernels
 * computed) computes the same on every trip, so it runs once, before the loop, and its
 * outputs live across the loop (packing a weight matrix for a matmul, a function of the
 * constants). Host steps stay (they are rare and may be costly to run when a while loop makes
 * no trip).
 */
function hoistInvariants(ctx: LowerContext, id: number, body: readonly Step[], cond: readonly Step[] = []): { hoisted: Step[]; body: Step[] } {
  const writes = new Map<number, number>();
  for (const s of leafSteps([...cond, ...body]))
    for (const b of stepWrites(s)) for (const r of bufferRoots(ctx.buffers, b)) writes.set(r, (writes.get(r) ?? 0) + 1);
  const varies = (b: number): boolean => {
    const d = ctx.buffers[b]!;
    if (d.view?.loop === id || d.swap?.loop === id) return true;
    return bufferRoots(ctx.buffers, b).some((r) => (writes.get(r) ?? 0) > 0);
  };
  const hoisted: Step[] = [];
  const kept: Step[] = [];
  for (const s of body) {
    if (s.kind !== "map" && s.kind !== "matmul") {
      kept.push(s);
      continue;
    }
    const own = stepWrites(s);
    const movable =
      own.every((b) => ctx.buffers[b]!.loop === id && writes.get(b) === 1) &&
      stepReads(s).every((b) => own.includes(b) || !varies(b));
    if (!movable) {
      kept.push(s);
      continue;
    }
    hoisted.push(s);
    for (const b of own) {
      writes.delete(b);
      const { loop: _, ...rest } = ctx.buffers[b]!;
      ctx.buffers[b] = ctx.loop === undefined ? rest : { ...rest, loop: ctx.loop };
    }
  }
  return { hoisted, body: kept };
}

/** Runs `f` with buffers created meanwhile scoped to one iteration of loop `id`. */
function inLoop<T>(ctx: LowerContext, id: number, f: () => T): T {
  const saved = ctx.loop;
  ctx.loop = id;
  try {
    return f();
  } finally {
    ctx.loop = saved;
  }
}

/**
 * cond, while and scan as structured steps around their lowered sub-jaxprs. A loop's carries
 * start as a copy of their initial values in the equation's output buffers and are
 * double-buffered from there (loopCarries); scan's xs and ys are views of the stacked arrays at
 * the iteration index. A cond's branches write its output buffers directly.
 */
function lowerControlFlow(ctx: LowerContext, e: Eqn, name: string, ins: readonly number[], outs: readonly number[]): Step[] {
  const steps: Step[] = [];
  const initCarries = (init: readonly number[], carries: readonly number[]) =>
    carries.forEach((c, k) => steps.push(...copySteps(ctx, init[k]!, e.outVars[k]!.aval, c, `${name}_init${k}`)));
  switch (e.primitive) {
    case "cond": {
      const { branches } = e.params as Params<"cond">;
      const index = e.inputs[0]!;
      const ops = ins.slice(1);
      const region = (b: Jaxpr) => lowerRegion(ctx, optimizeJaxpr(b), ops, outs);
      if (index instanceof Literal) {
        const k = Math.min(Math.max(Math.trunc(index.value), 0), branches.length - 1);
        return [...steps, ...region(branches[k]!)];
      }
      if (branches.length === 1) return region(branches[0]!);
      steps.push({ kind: "branch", name, index: ins[0]!, regions: branches.map(region) });
      return steps;
    }
    case "while": {
      const p = e.params as Params<"while">;
      const condConsts = ins.slice(0, p.condNconsts);
      const bodyConsts = ins.slice(p.condNconsts, p.condNconsts + p.bodyNconsts);
      initCarries(ins.slice(p.condNconsts + p.bodyNconsts), outs);
      const id = ctx.loopCount++;
      const bodyJaxpr = optimizeJaxpr(p.bodyJaxpr);
      const { cur, next, oddExit } = loopCarries(ctx, id, bodyJaxpr, bodyConsts.length, outs);
      const [cond, body] = inLoop(ctx, id, () => {
        const pred = ctx.addBuffer("temp", -1, "bool", []);
        const condSteps = lowerRegion(ctx, optimizeJaxpr(p.condJaxpr), [...condConsts, ...cur], [pred]);
        return [{ steps: condSteps, pred }, lowerRegion(ctx, bodyJaxpr, [...bodyConsts, ...cur], next)] as const;
      });
      const { hoisted, body: loopBody } = hoistInvariants(ctx, id, body, cond.steps);
      steps.push(...hoisted, { kind: "loop", name, id, length: null, reverse: false, unroll: 1, cond, body: loopBody, oddExit });
      return steps;
    }
    case "scan": {
      const p = e.params as Params<"scan">;
      const consts = ins.slice(0, p.numConsts);
      const carries = outs.slice(0, p.numCarry);
      const xs = ins.slice(p.numConsts + p.numCarry);
      const ys = outs.slice(p.numCarry);
      initCarries(ins.slice(p.numConsts, p.numConsts + p.numCarry), carries);
      if (p.length === 0) return steps;
      const id = ctx.loopCount++;
      const view = (base: number, aval: ShapedArray) =>
        ctx.addBuffer("view", -1, aval.dtype, aval.shape.slice(1), { base, loop: id, strideBytes: (aval.size / p.length) * itemSize[aval.dtype] });
      const xViews = xs.map((b, k) => view(b, e.inputs[p.numConsts + p.numCarry + k]!.aval));
      const yViews = ys.map((b, k) => view(b, e.outVars[p.numCarry + k]!.aval));
      const bodyJaxpr = optimizeJaxpr(p.jaxpr);
      const { cur, next, oddExit } = loopCarries(ctx, id, bodyJaxpr, consts.length, carries);
      const { hoisted, body } = hoistInvariants(ctx, id, inLoop(ctx, id, () => lowerRegion(ctx, bodyJaxpr, [...consts, ...cur, ...xViews], [...next, ...yViews])));
      const unroll = Math.max(1, Math.min(p.unroll, p.length));
      steps.push(...hoisted, { kind: "loop", name, id, length: p.length, reverse: p.reverse, unroll, cond: null, body, oddExit });
      return steps;
    }
    default:
      throw new Error(`internal: ${e.primitive} is not structured control flow`);
  }
}
