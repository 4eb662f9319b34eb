/**
 * float16 cumulative ops (cumsum, cumprod, cummax, cummin) in XLA's order, which is the
 * reference's (codegen/ref/blockedScan.ts; golden from JAX: test/golden/gen_narrow_cumulative.py):
 * the axis in rows of 16, each element folded from init over its row up to it (from it to the
 * row's end when reversed, still in increasing index order), plus the exclusive scan of the
 * rows' totals, found the same way one level up. Level l holds m_l positions along the axis
 * (m_0 = n, m_{l+1} = ceil(m_l / 16), up to a level of at most 16):
 *
 *   row[l][i]  = fold over j < 16 of op(acc, in_l(16 * floor(i / 16) + j))  (in the row's part)
 *   scan[l][i] = op(row[l][i], carry)   with carry = scan[l + 1][r -+ 1], or init at the open end
 *
 * where in_0 is the operand and in_{l+1}(q) is row[l] at row q's last position (first when
 * reversed). One map kernel per level for the rows, then one per level for the carries, top
 * down: a forward level's rows scan sequentially within a row (parallel across rows and the
 * other axes), a reversed one's fold the rest of the row, unrolled (16 terms); the carries are
 * parallel everywhere. Values are held as
 * float32 (exact for float16) and rounded to float16 after every combination, as XLA's CPU
 * backend computes f16 one operation at a time (a float32 sum or product of two float16 values
 * rounded to float16 is the correctly rounded one). A length-1 axis is copied (XLA returns it
 * as it is: cumsum [-0] is -0, where a fold from +0 would give +0).
 */
import type { DType } from "../../ir/dtype.js";
import type { Eqn } from "../../ir/jaxpr.js";
import type { Params } from "../../ir/primitives.js";
import { type IExpr, flatten, iadd, iclamp, idiv, iscale, ivar, newVar } from "./iexpr.js";
import type { MapKernel } from "./kernel.js";
import type { NodeFactory, SExpr } from "./sexpr.js";

/** The row length of XLA's ReduceWindowRewriter on the CPU. */
const block = 16;

const combine = { cumsum: "add", cumprod: "mul", cummax: "max", cummin: "min" } as const;
const initOf = { cumsum: 0, cumprod: 1, cummax: -Infinity, cummin: Infinity } as const;

/** The kernels of a float16 cumulative op from buffer `x` into `out`; `temp` adds a scratch buffer. */
export function blockedScanKernels(
  f: NodeFactory,
  e: Eqn,
  bufs: { x: number; out: number },
  temp: (dtype: DType, shape: readonly number[]) => number,
  name: string,
): MapKernel[] {
  const { axis, reverse } = e.params as Params<"cumsum">;
  const prim = e.primitive as keyof typeof combine;
  const shape = e.outVars[0]!.aval.shape;
  const n = shape[axis]!;
  if (shape.some((d) => d === 0)) return [];
  const wide = "float32";
  const init = f.const(initOf[prim], wide);
  const op = (a: SExpr, b: SExpr): SExpr => f.convert(f.convert(f.binary(combine[prim], a, b, wide), "float16"), wide);
  // op(init, x) of a float16 value x is exact (x, or +0 for -0 in a sum): no rounding
  const fromInit = (x: SExpr): SExpr => f.binary(combine[prim], init, x, wide);
  const shapeAt = (m: number): number[] => shape.map((d, k) => (k === axis ? m : d));
  /** A map kernel over a level of m positions writing value(vars, i) into buf. */
  const levelKernel = (suffix: string, m: number, buf: number, dtype: DType, value: (idx: (pos: IExpr) => IExpr[], i: IExpr) => SExpr): MapKernel => {
    const vars = shapeAt(m).map((d) => newVar(d, "i"));
    const idx = (pos: IExpr): IExpr[] => vars.map((v, k) => (k === axis ? pos : ivar(v)));
    const i = ivar(vars[axis]!);
    return { kind: "map", name: `${name}${suffix}`, vars, outs: [{ buf, value: f.convert(value(idx, i), dtype), index: flatten(idx(i), shapeAt(m)) }] };
  };
  if (n === 1) return [levelKernel("", 1, bufs.out, "float16", (idx, i) => f.load(bufs.x, flatten(idx(i), shape), "float16"))];

  const sizes = [n];
  while (sizes[sizes.length - 1]! > block) sizes.push(Math.ceil(sizes[sizes.length - 1]! / block));
  const top = sizes.length - 1;
  const kernels: MapKernel[] = [];
  // level 0 reads the operand widened once (a fold reads each element up to 16 times)
  const wideX = temp(wide, shape);
  kernels.push(levelKernel("_widen", n, wideX, wide, (idx, i) => f.load(bufs.x, flatten(idx(i), shape), "float16")));
  // A level's rows live in a buffer padded to whole rows (its axis split into row r and position
  // t). Forward, each position combines the one before it (t sequential: one combination per
  // element); reversed, each folds the rest of its row, unrolled (its fold does not extend the
  // next position's), with t innermost so that every lane of a vector reads the same elements.
  const extentOf = (l: number): number => (sizes[l]! > block ? Math.ceil(sizes[l]! / block) * block : sizes[l]!);
  const rows: number[] = [];
  for (let l = 0; l <= top; l++) {
    const m = sizes[l]!;
    const ext = extentOf(l);
    // level 0 (a single row) is the result
    rows.push(top === 0 ? bufs.out : temp(wide, shapeAt(ext)));
    const input = (idx: (pos: IExpr) => IExpr[], q: IExpr): SExpr => {
      if (l === 0) return f.load(wideX, flatten(idx(iclamp(q, 0, m - 1)), shape), wide);
      const below = extentOf(l - 1);
      const end = reverse ? iscale(q, block) : iadd(iscale(q, block), block - 1);
      return f.load(rows[l - 1]!, flatten(idx(iclamp(end, 0, below - 1)), shapeAt(below)), wide);
    };
    const dtype = top === 0 ? "float16" : wide;
    const T = Math.min(block, m);
    const r = newVar(ext / T, "i");
    const t = newVar(T, reverse ? "i" : "t");
    const others = shape.map((d) => newVar(d, "i"));
    const vars = others.flatMap((v, k) => (k === axis ? [r, t] : [v]));
    const p = iadd(iscale(ivar(r), T), ivar(t));
    const idx = (pos: IExpr): IExpr[] => others.map((v, k) => (k === axis ? pos : ivar(v)));
    /** The operand at q of the level, init past its end. */
    const inLevel = (q: IExpr): SExpr => (ext === m ? input(idx, q) : f.select(f.icond(q, "lt", m), [init, input(idx, q)], wide));
    let value: SExpr;
    if (!reverse) {
      const x = inLevel(p);
      const prev = f.convert(f.load(rows[l]!, flatten(idx(iclamp(iadd(p, -1), 0, ext - 1)), shapeAt(ext)), dtype), wide);
      value = f.select(f.icond(ivar(t), "eq", 0), [op(prev, x), fromInit(x)], wide);
    } else {
      let acc = init;
      for (let j = 0; j < T; j++) {
        const x = f.select(f.icond(ivar(t), "lt", j + 1), [init, inLevel(iadd(iscale(ivar(r), T), j))], wide);
        acc = j === 0 ? fromInit(x) : op(acc, x);
      }
      value = acc;
    }
    kernels.push({ kind: "map", name: `${name}_rows${l}`, vars, outs: [{ buf: rows[l]!, value: f.convert(value, dtype), index: flatten(idx(p), shapeAt(ext)) }], ...(reverse ? {} : { sequential: [t] }) });
  }
  // the carries, top down: scan[l] = op(row[l], scan[l + 1] of the row before (after) it)
  let above = { buf: rows[top]!, ext: extentOf(top) };
  for (let l = top - 1; l >= 0; l--) {
    const m = sizes[l]!;
    const rowsAbove = sizes[l + 1]!;
    const buf = l === 0 ? bufs.out : temp(wide, shapeAt(m));
    const { buf: aboveBuf, ext: aboveExt } = above;
    kernels.push(
      levelKernel(`_carry${l}`, m, buf, l === 0 ? "float16" : wide, (idx, i) => {
        const r = idiv(i, block);
        const from = reverse ? iadd(r, 1) : iadd(r, -1);
        const open = reverse ? f.icond(r, "ge", rowsAbove - 1) : f.icond(r, "lt", 1);
        // op(row, init) is the row exactly (a row's sum is never -0: it starts from +0)
        const row = f.load(rows[l]!, flatten(idx(i), shapeAt(extentOf(l))), wide);
        const carry = f.load(aboveBuf, flatten(idx(iclamp(from, 0, rowsAbove - 1)), shapeAt(aboveExt)), wide);
        return f.select(open, [op(row, carry), row], wide);
      }),
    );
    above = { buf, ext: m };
  }
  return kernels;
}
