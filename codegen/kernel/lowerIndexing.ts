/**
 * Lowering of the indexing primitives to kernels, with data-dependent index expressions (the
 * `read` atom of iexpr.ts: an integer loaded from a buffer, clamped):
 *
 * - gather, dynamicSlice and dynamicUpdateSlice are views whose index reads the start indices
 *   from their buffer: they join their consumers' kernels like slice and pad, and fuse with
 *   their operands' producers. Their index operands are materialized (a kernel reads them
 *   from a buffer, never recomputes them inside the index arithmetic).
 * - the scatter family is a copy of the operand into the output, then a sequential map kernel
 *   over the updates, `out[pos(u)] = combine(out[pos(u)], updates[u])` in the updates' row-major
 *   order: duplicates combine in order (scatterAdd sums them, plain scatter keeps the last
 *   write, as the reference and CPU JAX do), and a dropped update (mode "fill", a window not
 *   wholly in bounds) writes the element back unchanged.
 *
 * Index semantics follow the reference (codegen/ref/indexing.ts, structural.ts): every start is
 * clamped so the whole window is in bounds; "fill" mode tests the unclamped start.
 */
import type { ShapedArray } from "../../ir/aval.js";
import { type DType, castScalar } from "../../ir/dtype.js";
import { type Atom, type Eqn, Literal, Var } from "../../ir/jaxpr.js";
import type { Params, Primitive } from "../../ir/primitives.js";
import { range } from "../../ir/util.js";
import { defaultFillValue } from "../ref/indexing.js";
import { type IExpr, type IVar, flatten, iadd, iclamp, iconst, iread, iscale, ivar, newVar } from "./iexpr.js";
import type { MapKernel } from "./kernel.js";
import type { NodeFactory, SExpr } from "./sexpr.js";

/** Indexing primitives lowered as views with data-dependent indices (kind "dup" in lower.ts). */
export const indexViewPrims: ReadonlySet<Primitive> = new Set<Primitive>(["gather", "dynamicSlice", "dynamicUpdateSlice"]);

/** The scatter family, lowered by lowerScatter. */
export const scatterPrims: ReadonlySet<Primitive> = new Set<Primitive>(["scatter", "scatterAdd", "scatterMul", "scatterMin", "scatterMax"]);

/** Positions of an equation's operands that hold indices (read through `read` atoms, so they must be in a buffer). */
function indexOperandPositions(e: Eqn): number[] {
  switch (e.primitive) {
    case "gather":
      return [1];
    case "dynamicSlice":
      return range(e.inputs.length).slice(1);
    case "dynamicUpdateSlice":
      return range(e.inputs.length).slice(2);
    default:
      return scatterPrims.has(e.primitive) ? [1] : [];
  }
}

/** Whether `e` reads `v` as indices (so `v` must be materialized in a buffer). */
export function readsAsIndex(e: Eqn, v: Var): boolean {
  return indexOperandPositions(e).some((k) => e.inputs[k] === v);
}

/** Whether `e` reads elements of `v` more than once (a gather of more rows than `v` has): an expensive producer should not be recomputed per read. */
export function expandsOperand(e: Eqn, v: Var): boolean {
  return (e.primitive === "gather" || e.primitive === "dynamicSlice") && e.inputs[0] === v && e.outVars[0]!.aval.size > v.aval.size;
}

/** What the lowering of one kernel offers to index lowering. */
export interface IndexingEnv {
  readonly f: NodeFactory;
  /** The value of an atom at a multi-index (fused producers computed, buffers loaded). */
  exprOf(a: Atom, idx: readonly IExpr[]): SExpr;
  /** The buffer holding a materialized variable. */
  bufferOf(v: Var): number;
}

const indexDType = (a: ShapedArray): "int32" | "uint32" => {
  if (a.dtype !== "int32" && a.dtype !== "uint32") throw new Error(`internal: ${a.dtype} indices reached a kernel`);
  return a.dtype;
};

/** One index (element `pos` of the index operand `a`): clamped into [0, hi], and the raw value for bounds tests. */
function startIndex(env: IndexingEnv, a: Atom, pos: readonly IExpr[], hi: number): { clamped: IExpr; raw: SExpr } {
  const dtype = indexDType(a.aval);
  if (a instanceof Literal) {
    const v = castScalar(a.value, a.aval.dtype);
    return { clamped: iconst(Math.min(Math.max(v, 0), Math.max(hi, 0))), raw: env.f.const(v, dtype) };
  }
  const buf = env.bufferOf(a as Var);
  const flat = flatten(pos, a.aval.shape);
  return { clamped: iread(buf, flat, dtype, 0, Math.max(hi, 0)), raw: env.f.load(buf, flat, dtype) };
}

/** `0 <= raw <= hi` as a bool expression. */
function inBounds(f: NodeFactory, raw: SExpr, hi: number): SExpr {
  const d = raw.dtype;
  if (raw.k === "const") return f.const(raw.value >= 0 && raw.value <= hi ? 1 : 0, "bool");
  const le = f.compare("le", raw, f.const(hi, d));
  return d === "uint32" ? le : f.binary("and", f.compare("ge", raw, f.const(0, d)), le, "bool");
}

const and = (f: NodeFactory, a: SExpr, b: SExpr): SExpr => {
  if (a.k === "const") return a.value ? b : a;
  if (b.k === "const") return b.value ? a : b;
  return f.binary("and", a, b, "bool");
};

interface WindowMap {
  windowDims: readonly number[];
  collapsedDims: readonly number[];
  startIndexMap: readonly number[];
  operandBatchingDims: readonly number[];
  indicesBatchingDims: readonly number[];
}

/**
 * The operand multi-index of windowed element `idx` (a gather output or scatter updates index)
 * and whether its window is wholly in bounds (for "fill"), as in the reference's operandOffsets.
 */
function operandIndex(
  env: IndexingEnv,
  m: WindowMap,
  operand: ShapedArray,
  indices: Atom,
  windowSizes: readonly number[],
  idx: readonly IExpr[],
): { index: IExpr[]; valid: SExpr } {
  const f = env.f;
  const batchIdx = idx.filter((_, d) => !m.windowDims.includes(d));
  const operandWindowDims = range(operand.ndim).filter((d) => !m.collapsedDims.includes(d) && !m.operandBatchingDims.includes(d));
  const index = new Array<IExpr>(operand.ndim).fill(iconst(0));
  let valid: SExpr = f.const(1, "bool");
  m.startIndexMap.forEach((d, k) => {
    const hi = operand.shape[d]! - windowSizes[d]!;
    const s = startIndex(env, indices, [...batchIdx, iconst(k)], hi);
    index[d] = iadd(index[d]!, s.clamped);
    valid = and(f, valid, inBounds(f, s.raw, hi));
  });
  m.operandBatchingDims.forEach((d, q) => (index[d] = iadd(index[d]!, batchIdx[m.indicesBatchingDims[q]!]!)));
  m.windowDims.forEach((wd, k) => {
    const d = operandWindowDims[k]!;
    index[d] = iadd(index[d]!, idx[wd]!);
  });
  return { index, valid };
}

/** The value of a gather, dynamicSlice or dynamicUpdateSlice at output index `idx`. */
export function computeIndexing(env: IndexingEnv, e: Eqn, idx: readonly IExpr[]): SExpr {
  const f = env.f;
  const out = e.outVars[0]!.aval;
  const operand = e.inputs[0]!;
  switch (e.primitive) {
    case "gather": {
      const p = e.params as Params<"gather">;
      const dn = p.dimensionNumbers;
      if (operand.aval.size === 0) return f.const(p.mode === "fill" ? (p.fillValue ?? defaultFillValue(out.dtype)) : 0, out.dtype);
      const m: WindowMap = {
        windowDims: dn.offsetDims,
        collapsedDims: dn.collapsedSliceDims,
        startIndexMap: dn.startIndexMap,
        operandBatchingDims: dn.operandBatchingDims,
        indicesBatchingDims: dn.startIndicesBatchingDims,
      };
      const { index, valid } = operandIndex(env, m, operand.aval, e.inputs[1]!, p.sliceSizes, idx);
      const value = env.exprOf(operand, index);
      if (p.mode !== "fill" || (valid.k === "const" && valid.value)) return value;
      const fill = f.const(castScalar(p.fillValue ?? defaultFillValue(out.dtype), out.dtype), out.dtype);
      return f.select(valid, [fill, value], out.dtype);
    }
    case "dynamicSlice": {
      const p = e.params as Params<"dynamicSlice">;
      const shape = operand.aval.shape;
      const index = idx.map((x, d) => iadd(startIndex(env, e.inputs[d + 1]!, [], shape[d]! - p.sliceSizes[d]!).clamped, x));
      return env.exprOf(operand, index);
    }
    case "dynamicUpdateSlice": {
      const update = e.inputs[1]!;
      const shape = operand.aval.shape;
      const u = update.aval.shape;
      if (update.aval.size === 0) return env.exprOf(operand, idx);
      // Inside the window: the update at idx - start; outside: the operand.
      let inside: SExpr = f.const(1, "bool");
      const updIdx = idx.map((x, d) => {
        const start = startIndex(env, e.inputs[d + 2]!, [], shape[d]! - u[d]!).clamped;
        const rel = iadd(x, iscale(start, -1));
        inside = and(f, inside, and(f, f.icond(rel, "ge", 0), f.icond(rel, "lt", u[d]!)));
        return iclamp(rel, 0, u[d]! - 1);
      });
      if (inside.k === "const") return inside.value ? env.exprOf(update, updIdx) : env.exprOf(operand, idx);
      return f.select(inside, [env.exprOf(operand, idx), env.exprOf(update, updIdx)], out.dtype);
    }
    default:
      throw new Error(`internal: ${e.primitive} is not an indexing view`);
  }
}

/**
 * Whether a scatter on a narrow dtype has kernels: every one. float16 adds and multiplies round
 * at every update, as XLA does (the scatter kernel's widened combine, below).
 */
export function narrowScatter(e: Eqn): boolean {
  const d = e.inputs[0]!.aval.dtype;
  return d === "int8" || d === "uint8" || d === "float16";
}

/**
 * A scatter's update kernel, run after the operand was copied into `out`: sequential (its
 * iterations read what earlier ones stored), one iteration per element of the updates.
 * `indicesBuf` and `updatesBuf` hold the indices and the updates; null when there is nothing to
 * update.
 */
export function scatterKernel(f: NodeFactory, e: Eqn, name: string, out: number, indicesBuf: number, updatesBuf: number): MapKernel | null {
  const p = e.params as Params<"scatter">;
  const dn = p.dimensionNumbers;
  const [operand, indices, updates] = e.inputs as [Atom, Atom, Atom];
  const op = operand.aval;
  const dtype = op.dtype;
  if (updates.aval.size === 0 || op.size === 0) return null;
  const windowOperandDims = range(op.ndim).filter((d) => !dn.insertedWindowDims.includes(d) && !dn.operandBatchingDims.includes(d));
  const windowSizes = range(op.ndim).map((d) => {
    const k = windowOperandDims.indexOf(d);
    return k < 0 ? 1 : updates.aval.shape[dn.updateWindowDims[k]!]!;
  });
  const m: WindowMap = {
    windowDims: dn.updateWindowDims,
    collapsedDims: dn.insertedWindowDims,
    startIndexMap: dn.scatterDimsToOperandDims,
    operandBatchingDims: dn.operandBatchingDims,
    indicesBatchingDims: dn.scatterIndicesBatchingDims,
  };
  const vars: IVar[] = updates.aval.shape.map((n) => newVar(n, "u"));
  const idx = vars.map(ivar);
  const env: IndexingEnv = { f, exprOf: () => f.const(0, dtype), bufferOf: () => indicesBuf };
  const { index, valid } = operandIndex(env, m, op, indices, windowSizes, idx);
  const at = flatten(index, op.shape);
  const old = f.load(out, at, dtype);
  const upd = f.convert(f.load(updatesBuf, flatten(idx, updates.aval.shape), updates.aval.dtype), dtype);
  // int8/uint8 and float16 combine widened (widen.ts): wrapping at each update is wrapping
  // once, and float16 rounds at each update as XLA does (min/max need no rounding)
  const wide = dtype === "int8" || dtype === "uint8" ? "int32" : dtype === "float16" ? "float32" : dtype;
  const combine = (o: "add" | "mul" | "min" | "max") => f.convert(f.binary(o, f.convert(old, wide), f.convert(upd, wide), wide), dtype);
  let value: SExpr;
  switch (e.primitive) {
    case "scatter":
      value = upd;
      break;
    case "scatterAdd":
      value = combine("add");
      break;
    case "scatterMul":
      value = combine("mul");
      break;
    case "scatterMin":
      value = combine("min");
      break;
    case "scatterMax":
      value = combine("max");
      break;
    default:
      throw new Error(`internal: ${e.primitive} is not a scatter`);
  }
  if (p.mode === "fill" && !(valid.k === "const" && valid.value)) value = f.select(valid, [old, value], dtype);
  return { kind: "map", name, vars, outs: [{ buf: out, value, index: at }], sequential: vars };
}
