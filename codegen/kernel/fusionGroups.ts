/**
 * Fusion: the equations of a region grouped into kernels, walking backwards (lower.ts's module
 * doc, step 2). An elementwise equation joins the kernel of its consumers when they are all in
 * one kernel; views and conversions join every consumer kernel; a reduction or contraction
 * starts a kernel that absorbs its producers, and becomes the core of its consumer's kernel
 * when that consumer is elementwise over the same index space; the rest stand alone.
 */
import { shapeSize, shapesEqual } from "../../ir/aval.js";
import type { DType } from "../../ir/dtype.js";
import { type Eqn, type Jaxpr, Var } from "../../ir/jaxpr.js";
import { type Primitive, isBinary, isComparison, isUnary } from "../../ir/primitives.js";
import { expandsOperand, indexViewPrims, readsAsIndex } from "./lowerIndexing.js";
import { convIsMatmul } from "./lowerConvReduce.js";
import { isNarrowContraction, narrowNeedsHost, narrowsFloat } from "./narrow.js";
import { viewPrims } from "./viewPrims.js";
import { isReduceWindow, windowRereads } from "./lowerWindows.js";
import { recomputable } from "./recompute.js";
import type { ReduceOp } from "./sexpr.js";
import { matmulTileFor } from "./matmulTile.js";
import { dotDims } from "./contraction.js";
import { controlFlowPrims } from "./lowerControlFlow.js";
import type { LowerContext } from "./lowerContext.js";
import { isFloat16Contraction } from "./contractionAcc.js";

export type Kind = "ew" | "dup" | "reduce" | "dot" | "multi" | "host";

/** The register tile of paired (int8) matmul kernels: the one their microkernel was measured and tested with. */
export const PAIRED_TILE: readonly [number, number] = [4, 8];

const ewPrims = new Set<Primitive>(["round", "integerPow", "selectN", "clamp", "bitcastConvertType"]);
export const reducePrims: Partial<Record<Primitive, ReduceOp>> = {
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
export const touchesNarrowDtype = (e: Eqn) => e.inputs.some((a) => narrowDtypes.has(a.aval.dtype)) || e.outVars.some((v) => narrowDtypes.has(v.aval.dtype));

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

export interface Group {
  readonly id: number;
  kind: "map" | "reduce" | "dot" | "host";
  readonly root: number;
  core: number | null;
  dotStyle?: "matmul" | "reduce";
  readonly members: Set<number>;
  /** Members whose values feed a reduce-style contraction's operands (evaluated many times). */
  readonly operandCtx: Set<number>;
}

/** The kernels of a region's equations (each group one kernel or step), and each value's producing equation. */
/** The groups, and what the grouping learned on the way (who produces and who reads each value, each equation's groups). */
export interface Grouping {
  producer: Map<Var, number>;
  groups: Group[];
  groupsOf: Set<Group>[];
  consumers: Map<Var, number[]>;
  outputSet: Set<Var>;
}

export function groupEquations(ctx: LowerContext, jaxpr: Jaxpr): Grouping {
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
    // float16 ones always: the packed kernels add each output's products in order, as the reference
    if (isFloat16Contraction(e)) return "matmul";
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

  return { producer, groups, groupsOf, consumers, outputSet };
}
