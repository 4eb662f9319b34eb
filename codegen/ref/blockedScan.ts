/**
 * float16 cumulative ops (cumsum, cumprod, cummax, cummin) in XLA's order, as JAX 0.10.2 computes
 * them on the CPU (golden: test/golden/gen_narrow_cumulative.py).
 *
 * JAX lowers a cumulative op to a reduce_window as long as the axis, padded by n - 1 before it
 * (after it when reversed). A reduce_window folds its window from the init value in increasing
 * index order, also when reversed, so element i of a reversed scan is
 * op(..op(op(init, x[i]), x[i + 1]).., x[n - 1]), not a right-to-left scan. XLA's
 * ReduceWindowRewriter (base length 16) rewrites a longer one into a blocked scan: the axis
 * padded with init to rows of 16, each row scanned that way, the rows' totals (a row's last
 * element, its first when reversed) scanned exclusively by the same rule, recursively, and
 * op(row scan, carry) for every element. float16 rounds at each combination (XLA computes f16
 * one operation at a time). A length-1 axis is returned as it is (cumsum [-0] is -0).
 */
import { float16Value, float32ToFloat16, roundToFloat16 } from "../../ir/dtype.js";
import type { CumulativeParams } from "../../ir/primitives.js";
import { stridesOf } from "../../ir/aval.js";
import { type RefImpl, at } from "./util.js";

/** The row length of XLA's ReduceWindowRewriter on the CPU. */
export const scanBlock = 16;

type Combine = (a: number, b: number) => number;

/** The fold of xs[lo..hi] (inclusive, increasing index) from init; values past xs's end read as init. */
function fold(op: Combine, init: number, xs: readonly number[], lo: number, hi: number): number {
  let acc = init;
  for (let k = lo; k <= hi; k++) acc = op(acc, k < xs.length ? xs[k]! : init);
  return acc;
}

/** XLA's inclusive scan of one line (length > 1). */
export function blockedScan(op: Combine, init: number, xs: readonly number[], reverse: boolean): number[] {
  const n = xs.length;
  const b = scanBlock;
  if (n <= b) return xs.map((_, i) => (reverse ? fold(op, init, xs, i, n - 1) : fold(op, init, xs, 0, i)));
  const rows = Math.ceil(n / b);
  const local = new Array<number>(rows * b);
  for (let r = 0; r < rows; r++)
    for (let j = 0; j < b; j++) local[r * b + j] = reverse ? fold(op, init, xs, r * b + j, r * b + b - 1) : fold(op, init, xs, r * b, r * b + j);
  const totals = Array.from({ length: rows }, (_, r) => local[r * b + (reverse ? 0 : b - 1)]!);
  const inclusive = blockedScan(op, init, totals, reverse);
  // the exclusive scan of the totals: the inclusive one shifted by a row, init at the open end
  const carry = (r: number): number => (reverse ? (r + 1 < rows ? inclusive[r + 1]! : init) : r > 0 ? inclusive[r - 1]! : init);
  return xs.map((_, i) => op(local[i]!, carry(Math.floor(i / b))));
}

const float16Ops: Record<"cumsum" | "cumprod" | "cummax" | "cummin", { op: Combine; init: number }> = {
  cumsum: { op: (a, b) => roundToFloat16(a + b), init: 0 },
  cumprod: { op: (a, b) => roundToFloat16(a * b), init: 1 },
  // XLA's max/min propagate NaN and order -0 below +0, as Math.max/min do: no rounding needed
  cummax: { op: Math.max, init: -Infinity },
  cummin: { op: Math.min, init: Infinity },
};

/** A float16 cumulative op (bits in, bits out) in XLA's order (module comment). */
export function cumulativeFloat16Impl(prim: keyof typeof float16Ops): RefImpl<typeof prim> {
  const { op, init } = float16Ops[prim];
  return (inputs, inAvals, { axis, reverse }: CumulativeParams) => {
    const x = at(inputs, 0);
    const shape = at(inAvals, 0).shape;
    const n = shape[axis]!;
    const stride = stridesOf(shape)[axis]!;
    const out = new Float64Array(x.length);
    for (let base = 0; base < x.length; base++) {
      // a line starts where the axis index is 0
      if (Math.floor(base / stride) % n !== 0) continue;
      const line = Array.from({ length: n }, (_, k) => float16Value(x[base + k * stride]!));
      const scanned = n === 1 ? line : blockedScan(op, init, line, reverse);
      scanned.forEach((v, k) => (out[base + k * stride] = v));
    }
    return [float32ToFloat16(out)];
  };
}
