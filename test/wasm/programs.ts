/** Random programs for the differential tests: a deterministic interpreter of integer seeds over numpy/lax. */
import fc from "fast-check";
import { expect } from "vitest";
import type { DType } from "../../ir/dtype.js";
import { lax, numpy as np } from "../../src/index.js";
import { expectClose, randomData } from "./helpers.js";
export type A = np.Array;
interface Val {
  x: A;
  /** Computed by operations both backends round identically (so discontinuous ops are safe on it). */
  exact: boolean;
}

interface InputSpec {
  shape: number[];
  dtype: DType;
}

/** Deterministically builds and runs a program from integer seeds on the given inputs. */
export function runProgram(seeds: readonly number[], inputs: readonly A[]): A[] {
  const pool: Val[] = inputs.map((x) => ({ x, exact: true }));
  const pick = (s: number, pred: (v: Val) => boolean = () => true): Val | undefined => {
    const cands = pool.filter(pred);
    if (cands.length === 0) return undefined;
    // favour recent values so chains form
    const k = s % (cands.length + 2);
    return cands[Math.max(0, cands.length - 1 - k)] ?? cands[cands.length - 1];
  };
  const isFloat = (v: Val) => v.x.dtype === "float32" || v.x.dtype === "float64";
  const push = (x: A, exact: boolean) => pool.push({ x, exact });
  for (const seed of seeds) {
    const s = seed >>> 0;
    const op = s % 19;
    const r = Math.floor(s / 19);
    const a = pick(r)!;
    const x = a.x;
    const axisOf = (k: number) => (x.ndim === 0 ? null : k % x.ndim);
    switch (op) {
      case 0: {
        // unary float math
        if (!isFloat(a)) {
          push(np.negative(np.abs(x)), a.exact);
          break;
        }
        const fns: [(y: A) => A, boolean][] = [
          [(y) => np.sin(y), false],
          [(y) => np.cos(y), false],
          [(y) => np.tanh(y), false],
          [(y) => np.exp(np.clip(y, -8, 8)), false],
          [(y) => np.log(np.add(np.abs(y), 0.5)), false],
          [(y) => np.sqrt(np.abs(y)), true],
          [(y) => np.square(y), true],
          [(y) => lax.logistic(y), false],
          [(y) => lax.erf(y), false],
          [(y) => np.negative(y), true],
        ];
        const [f, exact] = fns[r % fns.length]!;
        push(f(x), a.exact && exact);
        break;
      }
      case 1:
      case 2: {
        // binary with broadcasting against another value or a reduced copy of itself
        const b = pick(r >> 3, (v) => v.x.dtype === x.dtype && broadcasts(v.x.shape, x.shape));
        const other = b && r % 3 !== 0 ? b : { x: np.max(x, axisOf(r >> 5), { keepdims: true }), exact: a.exact };
        const fns = isFloat(a)
          ? [np.add, np.subtract, np.multiply, np.maximum, np.minimum, np.divide]
          : x.dtype === "bool"
            ? [np.logicalAnd, np.logicalOr, np.notEqual]
            : [np.add, np.subtract, np.multiply, np.maximum, np.minimum];
        const f = fns[(r >> 7) % fns.length]!;
        push(r % 2 ? f(x, other.x) : f(other.x, x), a.exact && other.exact);
        break;
      }
      case 3: {
        // reductions
        if (x.dtype === "bool") {
          push(np.any(x, axisOf(r)), true);
          break;
        }
        const axes = x.ndim === 0 ? null : r % 5 === 0 ? null : [axisOf(r)!, axisOf(r >> 2)!].filter((v, i, arr) => arr.indexOf(v) === i);
        const keepdims = (r >> 4) % 2 === 1;
        const k = (r >> 5) % 5;
        const fs = [np.sum, np.max, np.min, np.mean, np.prod];
        const f = fs[k]!;
        const arg = k === 4 && isFloat(a) ? np.tanh(x) : x; // keep products bounded
        push(f(arg, axes, { keepdims }), a.exact && (k === 1 || k === 2));
        break;
      }
      case 4: {
        // argmax / argmin on exact values
        const v = pick(r, (u) => u.exact && u.x.ndim > 0 && u.x.size > 0 && u.x.dtype !== "bool");
        if (!v) break;
        const ax = r % v.x.ndim;
        push(r % 2 ? np.argmax(v.x, ax) : np.argmin(v.x, ax), true);
        break;
      }
      case 5: {
        const perm = permutation(x.ndim, r);
        push(np.transpose(x, perm), a.exact);
        break;
      }
      case 6: {
        push(np.reshape(x, refactor(x.shape, r)), a.exact);
        break;
      }
      case 7: {
        if (x.ndim === 0) break;
        const idx = x.shape.map((n, d) => {
          const q = (r >> (3 * d)) & 7;
          const start = n === 0 ? 0 : q % Math.max(1, n);
          const step = 1 + ((q >> 1) % 2);
          return [start, null, step] as [number, null, number];
        });
        push(x.slice(...idx), a.exact);
        break;
      }
      case 8: {
        if (x.ndim === 0) break;
        push(np.flip(x, axisOf(r)), a.exact);
        break;
      }
      case 9: {
        const e = np.expandDims(x, r % (x.ndim + 1));
        const shape = e.shape.map((n) => (n === 1 ? 1 + (r % 3) : n));
        push(np.broadcastTo(e, shape), a.exact);
        break;
      }
      case 10: {
        if (x.ndim === 0) break;
        const widths = x.shape.map((_, d) => [(r >> d) % 2, (r >> (d + 1)) % 3] as [number, number]);
        push(np.pad(x, widths), a.exact);
        break;
      }
      case 11: {
        if (x.ndim === 0) break;
        const ax = r % x.ndim;
        const b = pick(r >> 2, (v) => v.x.dtype === x.dtype && v.x.ndim === x.ndim && v.x.shape.every((n, d) => d === ax || n === x.shape[d]));
        push(np.concatenate([x, b?.x ?? x, x], ax), a.exact && (b?.exact ?? true));
        break;
      }
      case 12: {
        // contractions: x @ x.T, x.T @ x, batched
        if (!isFloat(a) && x.dtype !== "int32") break;
        if (x.ndim === 2) push(r % 2 ? np.matmul(x, np.transpose(x)) : np.matmul(np.transpose(x), x), false);
        else if (x.ndim === 3) push(np.matmul(x, np.swapaxes(x, 1, 2)), false);
        else if (x.ndim === 1) push(np.dot(x, x), false);
        break;
      }
      case 13: {
        // dtype conversions
        if (isFloat(a)) push(a.exact ? np.astype(np.multiply(x, 3), "int32") : np.astype(x, "float32"), a.exact);
        else push(np.astype(x, r % 2 ? "float32" : "int32"), a.exact);
        break;
      }
      case 14: {
        // comparisons and select on exact values
        const v = pick(r, (u) => u.exact && u.x.dtype !== "bool");
        if (!v) break;
        const cond = np.greater(v.x, 0);
        const y = pick(r >> 2, (u) => broadcasts(u.x.shape, v.x.shape) && u.x.dtype !== "bool") ?? v;
        push(np.where(cond, v.x, y.x.dtype === v.x.dtype ? y.x : v.x), v.exact && y.exact);
        break;
      }
      case 15: {
        // host steps: cumulative sums and sorts
        if (x.ndim === 0 || x.dtype === "bool") break;
        push(r % 2 ? np.cumsum(x, axisOf(r)) : np.sort(x, axisOf(r)), a.exact && r % 2 === 0);
        break;
      }
      case 16: {
        // softmax-like pattern: x - max(x) then exp, normalized
        if (!isFloat(a) || x.ndim === 0) break;
        const ax = axisOf(r)!;
        const e = np.exp(np.subtract(x, np.max(x, ax, { keepdims: true })));
        push(np.divide(e, np.sum(e, ax, { keepdims: true })), false);
        break;
      }
      case 17: {
        if (!isFloat(a)) break;
        push(np.maximum(np.add(x, 0.25), 0), a.exact);
        break;
      }
      case 18: {
        // integer-only arithmetic
        if (x.dtype !== "int32") break;
        push(lax.shiftRightArithmetic(np.multiply(x, 7), lax.convertElementType(np.abs(np.remainder(x, 5)), "int32")), a.exact);
        break;
      }
    }
  }
  const outs = [pool[pool.length - 1]!.x];
  if (pool.length > inputs.length + 1) outs.push(pool[inputs.length + ((seeds[0] ?? 0) % (pool.length - inputs.length))]!.x);
  return outs;
}

function broadcasts(a: readonly number[], b: readonly number[]): boolean {
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[a.length - 1 - i] ?? 1;
    const y = b[b.length - 1 - i] ?? 1;
    if (x !== y && x !== 1 && y !== 1) return false;
  }
  return true;
}

function permutation(n: number, r: number): number[] {
  const p = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = (r >> i) % (i + 1);
    [p[i], p[j]] = [p[j]!, p[i]!];
  }
  return p;
}

/** A different shape of the same size: merge or split dims. */
function refactor(shape: readonly number[], r: number): number[] {
  const size = shape.reduce((a, b) => a * b, 1);
  if (size === 0) return [0, ...shape.filter((n) => n !== 0)].slice(0, 3);
  const divs = [];
  for (let d = 1; d <= size; d++) if (size % d === 0) divs.push(d);
  const a = divs[r % divs.length]!;
  const rest = size / a;
  const divs2 = divs.filter((d) => rest % d === 0);
  const b = divs2[(r >> 3) % divs2.length]!;
  return r % 3 === 0 ? [size] : [a, b, rest / b].filter((n, i) => i < 2 || n !== 1);
}

const dimArb = (maxDim: number) =>
  fc.oneof({ weight: 12, arbitrary: fc.integer({ min: 1, max: maxDim }) }, { weight: 1, arbitrary: fc.constant(0) }, { weight: 3, arbitrary: fc.constant(1) });
const dtypeArb = fc.oneof(
  { weight: 8, arbitrary: fc.constant<DType>("float32") },
  { weight: 2, arbitrary: fc.constant<DType>("int32") },
  { weight: 1, arbitrary: fc.constant<DType>("float64") },
  { weight: 1, arbitrary: fc.constant<DType>("bool") },
);
export const programArb = (maxDim = 6) =>
  fc.record({
  inputs: fc.array(fc.record({ shape: fc.array(dimArb(maxDim), { minLength: 0, maxLength: 3 }), dtype: dtypeArb }), { minLength: 1, maxLength: 3 }),
  seeds: fc.array(fc.nat(), { minLength: 1, maxLength: 10 }),
  dataSeed: fc.nat(),
});

export function makeInputs(specs: readonly InputSpec[], dataSeed: number): A[] {
  return specs.map((s, i) => {
    const size = s.shape.reduce((a, b) => a * b, 1);
    return np.array(randomData(s.dtype, size, dataSeed + i, { range: 3 }), { dtype: s.dtype, shape: s.shape });
  });
}

export const tol = { rtol: 2e-4, atol: 2e-4 };

export function compare(actual: readonly A[], expected: readonly A[], what: string): void {
  expect(actual.length).toBe(expected.length);
  expected.forEach((e, i) => {
    const a = actual[i]!;
    expect(a.dtype, `${what} output ${i} dtype`).toBe(e.dtype);
    expect(a.shape, `${what} output ${i} shape`).toEqual(e.shape);
    if (what.startsWith("jit")) expect(a.device, `${what} output ${i} device`).toBe("wasm");
    expectClose(a.dataSync(), e.dataSync(), e.dtype, e.dtype === "float64" ? { rtol: 1e-9, atol: 1e-9 } : tol, `${what} output ${i}`);
  });
}

