/**
 * Windowed primitives in the kernel IR: pooling (reduceWindowSum/Max/Min) and the gradient of
 * max/min pooling (selectAndScatterAdd, and selectAndGatherAdd, its transpose).
 *
 * Pooling is a reduction over the window's variables: output index o and window index w read
 * the operand at `x = o * stride + w * windowDilation - padLo` of the operand dilated by
 * baseDilation; where that is padding or a dilation hole, the reduction reads its identity
 * (an index predicate, never a padded copy). It fuses like any reduction: its producers
 * (bias-add, relu) are computed in its loads, and elementwise consumers become its epilogue.
 *
 * The selecting pair is two kernels: the first computes, per window, which element it selects
 * (an argmax over the flattened window folded as XLA folds its select, see the reduce node's
 * selectFold; padding as the identity); the second routes each value through that choice.
 * selectAndScatterAdd is written gather-style, from the operand's side: operand element x sums, over the window positions w, the source of the window o that
 * has x at position w (`o * stride = x * baseDilation + padLo - w * windowDilation`, when
 * integral and in range) if that window selected w. So nothing is scattered, every output is
 * written once, and the kernel splits across threads like any map kernel.
 *
 * The routing adds an element's values in the order XLA and the reference do, windows in
 * increasing order (so the window positions in reverse), starting from 0, unrolled over the
 * positions that can reach an element (orderedSum), so float32 and float16 results have their
 * bits. float16 (bits in the kernels, see widen.ts) rounds each partial sum to float16 (XLA's CPU
 * backend does; the reference too, codegen/ref/windows.ts) and compares its values widened to
 * float32 (exact). Past maxRoutedTerms positions float16 routes scatter-style instead, window by
 * window on one thread (sequentialRouting).
 * selectAndGatherAdd takes the chosen value with a max over the window positions where the
 * others read -inf (a sum from 0 would turn a -0 into +0).
 */
import type { DType } from "../../ir/dtype.js";
import { isFloat } from "../../ir/dtype.js";
import type { Atom, Eqn } from "../../ir/jaxpr.js";
import type { Params, Primitive } from "../../ir/primitives.js";
import { type IExpr, type IVar, flatten, iadd, iclamp, iconst, idiv, imod, iread, iscale, isubst, ivar, newVar, unravel } from "./iexpr.js";
import type { MapKernel } from "./kernel.js";
import type { NodeFactory, ReduceOp, SExpr } from "./sexpr.js";

export type ReduceWindowPrimitive = "reduceWindowSum" | "reduceWindowMax" | "reduceWindowMin";
export type SelectWindowPrimitive = "selectAndScatterAdd" | "selectAndGatherAdd";

const reduceWindowOps: Record<ReduceWindowPrimitive, "sum" | "max" | "min"> = { reduceWindowSum: "sum", reduceWindowMax: "max", reduceWindowMin: "min" };

export const isReduceWindow = (p: Primitive): p is ReduceWindowPrimitive => Object.hasOwn(reduceWindowOps, p);
export const isSelectWindow = (p: Primitive): p is SelectWindowPrimitive => p === "selectAndScatterAdd" || p === "selectAndGatherAdd";

/** The value a reduction starts from (what padding reads as). */
export function reduceIdentityOf(op: ReduceOp, d: DType): number {
  switch (op) {
    case "sum":
    case "or":
      return 0;
    case "prod":
      return 1;
    case "and":
      return 1;
    case "max":
    case "argmax":
      return isFloat(d) ? -Infinity : d === "int32" ? -0x80000000 : 0;
    case "min":
    case "argmin":
      return isFloat(d) ? Infinity : d === "int32" ? 0x7fffffff : d === "uint32" ? 0xffffffff : 1;
  }
}

/**
 * Whether a pooling reads operand elements more than once (overlapping windows): then an
 * elementwise producer fused into its loads would be recomputed per read, so it is computed
 * in a kernel of its own instead.
 */
export function windowRereads(e: Eqn): boolean {
  if (!isReduceWindow(e.primitive)) return false;
  const p = e.params as Params<"reduceWindowSum">;
  return p.windowDimensions.some((w, d) => w > 1 && ((w - 1) * p.windowDilation[d]! + 1 > p.windowStrides[d]! * p.baseDilation[d]! || p.baseDilation[d]! > 1));
}

const and = (f: NodeFactory, a: SExpr, b: SExpr): SExpr => {
  if (a.k === "const") return a.value ? b : a;
  if (b.k === "const") return b.value ? a : b;
  return f.binary("and", a, b, "bool");
};

/**
 * Where window position `w` of window `o` reads the operand (shape `shape`): the operand
 * index (clamped into range) and the predicate that it is a real element (not padding or a
 * base-dilation hole).
 */
export function windowSource(f: NodeFactory, p: Params<"reduceWindowSum">, shape: readonly number[], o: readonly IExpr[], w: readonly IExpr[]): { idx: IExpr[]; valid: SExpr } {
  let valid = f.const(1, "bool");
  const idx = shape.map((n, d) => {
    const bd = p.baseDilation[d]!;
    const x = iadd(iscale(o[d]!, p.windowStrides[d]!), iscale(w[d]!, p.windowDilation[d]!), -p.padding[d]![0]);
    valid = and(f, valid, f.icond(x, "ge", 0));
    valid = and(f, valid, f.icond(x, "lt", (n - 1) * bd + 1));
    if (bd > 1) valid = and(f, valid, f.icond(imod(x, bd), "eq", 0));
    return iclamp(idiv(x, bd), 0, n - 1);
  });
  return { idx, valid };
}

/** `body` where `valid`, else the constant `otherwise`. */
function where(f: NodeFactory, valid: SExpr, body: () => SExpr, otherwise: number, dtype: DType): SExpr {
  if (valid.k === "const") return valid.value ? body() : f.const(otherwise, dtype);
  return f.select(valid, [f.const(otherwise, dtype), body()], dtype);
}

/** The value of a pooling at output index `idx`: a reduction over the window's variables. */
export function reduceWindowExpr(f: NodeFactory, e: Eqn, idx: readonly IExpr[], exprOf: (a: Atom, idx: readonly IExpr[]) => SExpr): SExpr {
  const p = e.params as Params<"reduceWindowSum">;
  const x = e.inputs[0]!;
  const dtype = e.outVars[0]!.aval.dtype;
  const op = reduceWindowOps[e.primitive as ReduceWindowPrimitive];
  const identity = reduceIdentityOf(op, dtype);
  if (x.aval.shape.some((n) => n === 0)) return f.const(identity, dtype);
  const rvars = p.windowDimensions.map((n) => newVar(n, "w"));
  const { idx: at, valid } = windowSource(f, p, x.aval.shape, idx, rvars.map(ivar));
  const body = where(f, valid, () => exprOf(x, at), identity, dtype);
  return f.reduce(op, body, rvars, dtype);
}

/**
 * The kernels of selectAndScatterAdd / selectAndGatherAdd, reading `first` (source or
 * tangents) and `operand` from buffers and writing `out`: the choice of each window into an
 * int32 temporary (`addTemp`), then the routing.
 */
export function selectWindowKernels(
  f: NodeFactory,
  e: Eqn,
  bufs: { first: number; operand: number; out: number },
  addTemp: (dtype: DType, shape: readonly number[]) => number,
  name: string,
): MapKernel[] {
  const p = e.params as Params<"selectAndScatterAdd">;
  const operand = e.inputs[1]!.aval;
  const dtype = operand.dtype;
  const scatter = e.primitive === "selectAndScatterAdd";
  const windowShape = scatter ? e.inputs[0]!.aval.shape : e.outVars[0]!.aval.shape;
  const outAval = e.outVars[0]!.aval;
  if (outAval.size === 0) return [];
  const zeroKernel = (): MapKernel[] => {
    const vars = outAval.shape.map((n) => newVar(n, "i"));
    return [{ kind: "map", name, vars, outs: [{ buf: bufs.out, value: f.const(0, dtype), index: flatten(vars.map(ivar), outAval.shape) }] }];
  };
  if (operand.size === 0 || windowShape.some((n) => n === 0) || p.windowDimensions.some((n) => n === 0)) return zeroKernel();
  const taps = p.windowDimensions.reduce((a, b) => a * b, 1);
  const argOp = p.select === "max" ? "argmax" : "argmin";
  // float16 values (bits) are compared and summed as float32 values
  const f16 = dtype === "float16";
  const key: DType = f16 ? "float32" : dtype;
  const read = (buf: number, index: IExpr): SExpr => (f16 ? f.convert(f.load(buf, index, "float16"), "float32") : f.load(buf, index, dtype));
  const identity = reduceIdentityOf(argOp, key);

  // 1. chosen[o]: the flat window position each window selects, as XLA folds the select (ge /
  // le) over the window: the first maximum (minimum), a NaN held only where it ends the window.
  const chosen = addTemp("int32", windowShape);
  const oVars = windowShape.map((n) => newVar(n, "o"));
  const t = newVar(taps, "w");
  const sel = windowSource(f, p, operand.shape, oVars.map(ivar), unravel(ivar(t), p.windowDimensions));
  const candidate = where(f, sel.valid, () => read(bufs.operand, flatten(sel.idx, operand.shape)), identity, key);
  const choose: MapKernel = {
    kind: "map",
    name: `${name}_select`,
    vars: oVars,
    outs: [{ buf: chosen, value: f.reduce(argOp, candidate, [t], "int32", true), index: flatten(oVars.map(ivar), windowShape) }],
  };

  // 2. The routing: a sum over window positions of the value where the window chose it.
  const wVars = p.windowDimensions.map((n) => newVar(n, "w"));
  const w = wVars.map(ivar);
  const tap = f.iota(flatten(w, p.windowDimensions), "int32");
  const outVars = outAval.shape.map((n) => newVar(n, "i"));
  const at = outVars.map(ivar);
  let value: SExpr;
  if (scatter && f16 && routedTerms(e) > maxRoutedTerms) return [choose, ...zeroKernel(), sequentialRouting(f, p, operand.shape, windowShape, { chosen, first: bufs.first, out: bufs.out }, name)];
  if (scatter) {
    // Operand element `at` is position w of window o where o * stride = at * baseDilation + padLo - w * windowDilation.
    // Along a dim whose windows do not overlap (no window dilation, window <= stride) that is
    // at most one window, at w = (at * baseDilation + padLo) % stride: no loop over w there.
    let valid = f.const(1, "bool");
    const tapAt: IExpr[] = [];
    const sumVars: typeof wVars = [];
    const o = windowShape.map((n, d) => {
      const s = p.windowStrides[d]!;
      const wd = p.windowDilation[d]!;
      const win = p.windowDimensions[d]!;
      if (wd === 1 && win <= s) {
        const q0 = iadd(iscale(at[d]!, p.baseDilation[d]!), p.padding[d]![0]);
        valid = and(f, valid, f.icond(q0, "ge", 0));
        valid = and(f, valid, f.icond(q0, "lt", (n - 1) * s + win));
        const wAt = imod(iclamp(q0, 0, (n - 1) * s + win - 1), s);
        if (win < s) valid = and(f, valid, f.icond(wAt, "lt", win));
        tapAt.push(wAt);
        return iclamp(idiv(q0, s), 0, n - 1);
      }
      sumVars.push(wVars[d]!);
      tapAt.push(w[d]!);
      const q = iadd(iscale(at[d]!, p.baseDilation[d]!), p.padding[d]![0], iscale(w[d]!, -wd));
      valid = and(f, valid, f.icond(q, "ge", 0));
      valid = and(f, valid, f.icond(q, "lt", (n - 1) * s + 1));
      if (s > 1) valid = and(f, valid, f.icond(imod(q, s), "eq", 0));
      return iclamp(idiv(q, s), 0, n - 1);
    });
    const window = flatten(o, windowShape);
    const tapHere = f.iota(flatten(tapAt, p.windowDimensions), "int32");
    const routed = () => f.select(f.compare("eq", f.load(chosen, window, "int32"), tapHere), [f.const(0, key), read(bufs.first, window)], key);
    const term = where(f, valid, routed, 0, key);
    const sum = routedTerms(e) <= maxRoutedTerms ? orderedSum(f, term, sumVars, key, f16) : f.reduce("sum", term, sumVars, key);
    value = f16 ? f.convert(sum, "float16") : sum;
  } else {
    // The chosen value, exactly (-0 too): a max over the window positions where the others read -inf.
    const src = windowSource(f, p, operand.shape, at, w);
    const here = f.compare("eq", f.load(chosen, flatten(at, windowShape), "int32"), tap);
    const chosenValue = where(f, src.valid, () => read(bufs.first, flatten(src.idx, operand.shape)), 0, key);
    const max = f.reduce("max", f.select(here, [f.const(-Infinity, key), chosenValue], key), wVars, key);
    value = f16 ? f.convert(max, "float16") : max;
  }
  const route: MapKernel = { kind: "map", name, vars: outVars, outs: [{ buf: bufs.out, value, index: flatten(at, outAval.shape) }] };
  return [choose, route];
}

/**
 * A float16 routing with more window positions per element than orderedSum unrolls: scatter
 * style, the windows in increasing order (sequential), each adding its source to the element it
 * chose (read, add, round to float16, write; a padding choice adds nothing), after `out` was
 * zeroed: XLA's and the reference's order and roundings, without a bound, on one thread.
 */
function sequentialRouting(
  f: NodeFactory,
  p: Params<"selectAndScatterAdd">,
  operandShape: readonly number[],
  windowShape: readonly number[],
  bufs: { chosen: number; first: number; out: number },
  name: string,
): MapKernel {
  const taps = p.windowDimensions.reduce((a, b) => a * b, 1);
  const oVars = windowShape.map((n) => newVar(n, "o"));
  const window = flatten(oVars.map(ivar), windowShape);
  const tap = iread(bufs.chosen, window, "int32", 0, taps - 1);
  const src = windowSource(f, p, operandShape, oVars.map(ivar), unravel(tap, p.windowDimensions));
  const at = flatten(src.idx, operandShape);
  const old = f.load(bufs.out, at, "float16");
  const sum = f.convert(f.binary("add", f.convert(old, "float32"), f.convert(f.load(bufs.first, window, "float16"), "float32"), "float32"), "float16");
  const value = src.valid.k === "const" && src.valid.value ? sum : f.select(src.valid, [old, sum], "float16");
  return { kind: "map", name: `${name}_route`, vars: oVars, outs: [{ buf: bufs.out, value, index: at }], sequential: oVars };
}

/**
 * `term` summed over `vars` from 0, each var from its last value to its first (row-major over
 * the vars): the order in which the windows reach the element (see the module comment), as XLA
 * and the reference add them. `toFloat16` rounds each partial sum to float16 (float16 terms held
 * as float32 values: a float32 sum of two float16 values rounds to float16 as an exact sum would).
 * Unrolled, since a reduction has neither a rounding step nor a promised order.
 */
function orderedSum(f: NodeFactory, term: SExpr, vars: readonly IVar[], dtype: DType, toFloat16: boolean): SExpr {
  let acc = f.const(0, dtype);
  const values = new Map<number, IExpr>();
  const visit = (d: number): void => {
    if (d === vars.length) {
      const sum = f.binary("add", acc, f.mapIndices(term, (x) => isubst(x, (v) => values.get(v.id))), dtype);
      acc = toFloat16 ? f.convert(f.convert(sum, "float16"), dtype) : sum;
      return;
    }
    for (let k = vars[d]!.extent - 1; k >= 0; k--) {
      values.set(vars[d]!.id, iconst(k));
      visit(d + 1);
    }
  };
  visit(0);
  return acc;
}

/**
 * Window positions selectAndScatterAdd's routing adds per element in order at most (unrolled, see
 * orderedSum). Beyond that float32 sums in a loop (windows in decreasing order: within rounding of
 * the reference, not its bits) and float16 routes sequentially (sequentialRouting: its bits, one thread).
 */
export const maxRoutedTerms = 512;

/** The number of window positions summed per operand element by selectWindowKernels' routing (1 where windows do not overlap). */
export function routedTerms(e: Eqn): number {
  const p = e.params as Params<"selectAndScatterAdd">;
  return p.windowDimensions.reduce((n, win, d) => (p.windowDilation[d] === 1 && win <= p.windowStrides[d]! ? n : n * win), 1);
}

/** A float16 selectAndScatterAdd / selectAndGatherAdd that selectWindowKernels computes (not a host step). */
export const narrowSelectWindow = (e: Eqn): boolean => isSelectWindow(e.primitive) && e.inputs[1]!.aval.dtype === "float16";
