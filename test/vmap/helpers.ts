/**
 * Shared helpers of the test/vmap suite: a loop oracle for vmap (apply `f` to every slice
 * along the mapped axes, stack the results along the out axes), tree comparison, and a
 * fast-check driver that runs a per-example function spec under random in/out axes.
 *
 * The oracle never goes through src/vmap: it slices with `x.slice(...)` and stacks with
 * `np.stack`, and expands axis-spec tree prefixes with its own small walker.
 */
import fc from "fast-check";
import { expect } from "vitest";
import { numpy as np, tree, vmap } from "../../src/index.js";

export type Arr = np.Array;
export type Axis = number | null;
export type AxisSpec = Axis | readonly AxisSpec[] | { readonly [k: string]: AxisSpec };
type Fn = (...args: any[]) => any;

export const range = (n: number) => Array.from({ length: n }, (_, i) => i);
export const sizeOf = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

const isLeaf = (x: unknown) => x instanceof np.Array || typeof x === "number" || typeof x === "boolean";

/** Maps `fn(leaf, axis)` over the leaves of `t`, with axes given by the tree prefix `spec`. */
export function mapWithAxes(spec: AxisSpec | undefined, t: unknown, fn: (leaf: any, axis: Axis) => unknown): unknown {
  if (spec === undefined || spec === null || typeof spec === "number") {
    const ax = spec ?? null;
    if (isLeaf(t)) return fn(t, ax);
    return tree.map((l: unknown) => fn(l, ax), t as any);
  }
  if (Array.isArray(spec)) {
    if (!Array.isArray(t) || t.length !== spec.length) throw new Error("test oracle: spec is not a prefix of the value");
    return spec.map((s, i) => mapWithAxes(s, t[i], fn));
  }
  const o = t as Record<string, unknown>;
  // Keys in sorted order, as tree.flatten visits them.
  return Object.fromEntries(
    Object.keys(o)
      .sort()
      .map((k) => [k, mapWithAxes((spec as Record<string, AxisSpec>)[k], o[k], fn)]),
  );
}

/** `x` at index `i` along `axis` (negative counts from the end), by basic slicing. */
export function sliceAt(x: Arr, axis: number, i: number): Arr {
  const a = axis < 0 ? axis + x.ndim : axis;
  const index: np.Index[] = [...range(a).map(() => [null, null] as const), i];
  return x.slice(...index);
}

/**
 * What `vmap(f, {inAxes, outAxes})(...args)` must return, by a loop over the mapped axis:
 * `n` slices in, per-example results stacked along `outAxes` (null: the results must all agree
 * and are returned once).
 */
export function loopVmap(f: Fn, args: readonly unknown[], inAxes: AxisSpec, outAxes: AxisSpec, n: number): unknown {
  const perI = perExample(f, args, inAxes, n);
  return stackOuts(perI, outAxes);
}

export function perExample(f: Fn, args: readonly unknown[], inAxes: AxisSpec, n: number): unknown[] {
  const perArg: readonly AxisSpec[] = Array.isArray(inAxes) ? inAxes : args.map(() => inAxes);
  return range(n).map((i) => {
    const argsI = args.map((a, k) => mapWithAxes(perArg[k], a, (leaf, ax) => (ax === null ? leaf : sliceAt(leaf as Arr, ax, i))));
    return f(...argsI);
  });
}

export function stackOuts(perI: readonly unknown[], outAxes: AxisSpec): unknown {
  const first = perI[0];
  const leavesPerI = perI.map((o) => tree.leaves(o).map((l) => (l instanceof np.Array ? l : np.array(l as number))));
  let k = 0;
  return mapWithAxes(outAxes, first, (_leaf, ax) => {
    const parts = leavesPerI.map((ls) => ls[k]!);
    k++;
    if (ax === null) {
      for (const p of parts) expectArraysClose(p, parts[0]!);
      return parts[0];
    }
    return np.stack(parts, ax);
  });
}

export interface Tol {
  rtol?: number;
  atol?: number;
}

/** Same dtype, same shape, values equal within tolerance (NaN matches NaN; ints/bools exact). */
export function expectArraysClose(actual: unknown, expected: unknown, tol: Tol = {}, where = ""): void {
  expect(actual, `${where}: not an array`).toBeInstanceOf(np.Array);
  const a = actual as Arr;
  const e = expected instanceof np.Array ? expected : np.array(expected as number);
  expect(a.dtype, `${where}: dtype`).toBe(e.dtype);
  expect([...a.shape], `${where}: shape`).toEqual([...e.shape]);
  const av = Array.from(a.dataSync() as ArrayLike<number | bigint>, Number);
  const ev = Array.from(e.dataSync() as ArrayLike<number | bigint>, Number);
  const exact = !(a.dtype === "float32" || a.dtype === "float64");
  const rtol = tol.rtol ?? (a.dtype === "float32" ? 1e-6 : 1e-12);
  const atol = tol.atol ?? (a.dtype === "float32" ? 1e-6 : 1e-12);
  for (let i = 0; i < ev.length; i++) {
    const x = av[i]!;
    const y = ev[i]!;
    if (Number.isNaN(y) && Number.isNaN(x)) continue;
    if (x === y) continue;
    if (exact || !Number.isFinite(y) || Math.abs(x - y) > atol + rtol * Math.abs(y))
      throw new Error(`${where}: element ${i} of ${a.dtype}[${a.shape}] is ${x}, expected ${y}\n  actual:   ${av.slice(0, 40).join(", ")}\n  expected: ${ev.slice(0, 40).join(", ")}`);
  }
}

/** Same tree structure and every leaf close. */
export function expectTreeClose(actual: unknown, expected: unknown, tol: Tol = {}, where = "result"): void {
  const [al, at] = tree.flatten(actual);
  const [el, et] = tree.flatten(expected);
  expect(tree.treeDefString(at), `${where}: tree structure`).toBe(tree.treeDefString(et));
  el.forEach((e, i) => expectArraysClose(al[i], e, tol, `${where} leaf ${i}`));
}

// --- generated inputs ------------------------------------------------------------------------

/**
 * How the values of an argument are drawn. `f` floats in [-3, 3]; `pos` in [0.1, 3]; `unit` in
 * (-0.95, 0.95); `ge1` in [1, 3]; `i32` ints in [-20, 20]; `small` ints in [0, 4]; `idx`
 * ints in [lo, hi]; `bool`; `u32` all of uint32; `f32` floats in [-3, 3] as float32.
 */
export type Kind = "f" | "pos" | "unit" | "ge1" | "i32" | "bool" | "u32" | "f32" | { idx: [number, number] };

export interface ArgSpec {
  shape: readonly number[];
  kind: Kind;
}

/** A per-example function with the shapes and kinds of its (array) arguments. */
export interface Spec {
  name: string;
  f: Fn;
  args: readonly ArgSpec[];
  /** Axes that may be chosen for each argument (default: any, or null). */
  allowUnmapped?: boolean;
  tol?: Tol;
  /** Wraps the vmapped function before calling it (e.g. `jit`), to test `jit(vmap(f))`. */
  outer?: (vmapped: Fn) => Fn;
}

const dtypeOf = (k: Kind): np.DType =>
  typeof k === "object" ? "int32" : k === "i32" ? "int32" : k === "bool" ? "bool" : k === "u32" ? "uint32" : k === "f32" ? "float32" : "float64";

function valueArb(k: Kind): fc.Arbitrary<number> {
  const dbl = (min: number, max: number) => fc.double({ min, max, noNaN: true, noDefaultInfinity: true });
  if (typeof k === "object") return fc.integer({ min: k.idx[0], max: k.idx[1] });
  switch (k) {
    case "f":
    case "f32":
      return dbl(-3, 3);
    case "pos":
      return dbl(0.1, 3);
    case "unit":
      return dbl(-0.95, 0.95);
    case "ge1":
      return dbl(1, 3);
    case "i32":
      return fc.integer({ min: -20, max: 20 });
    case "bool":
      return fc.boolean().map((b) => (b ? 1 : 0));
    case "u32":
      return fc.nat({ max: 2 ** 32 - 1 });
  }
}

export function arrayArb(shape: readonly number[], kind: Kind): fc.Arbitrary<Arr> {
  const n = sizeOf(shape);
  return fc.array(valueArb(kind), { minLength: n, maxLength: n }).map((v) => np.array(Float64Array.from(v), { dtype: dtypeOf(kind), shape: [...shape] }));
}

/** A deterministic stream of small numbers from a seed (for choices made after the fact). */
export function chooser(seed: number) {
  let s = seed >>> 0 || 1;
  return (k: number) => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s % k;
  };
}

export interface Drawn {
  spec: Spec;
  n: number;
  inAxes: Axis[];
  args: Arr[];
  outSeed: number;
}

/** Draws a spec, a mapped size, an axis per argument (some negative, some null; at least one mapped) and values. */
export function drawn(specs: fc.Arbitrary<Spec>, opts: { maxN?: number } = {}): fc.Arbitrary<Drawn> {
  return specs.chain((spec) => {
    const axisArbs = spec.args.map((a): fc.Arbitrary<Axis> => {
      const r = a.shape.length;
      const ints = fc.integer({ min: -(r + 1), max: r });
      return spec.allowUnmapped === false ? ints : fc.oneof(ints, ints, fc.constant<Axis>(null));
    });
    return fc
      .tuple(fc.constantFrom(...range(opts.maxN ?? 3).map((i) => i + 1).reverse()), fc.tuple(...axisArbs), fc.nat())
      .chain(([n, axes0, outSeed]) => {
        const axes: Axis[] = [...axes0];
        if (!axes.some((a) => a !== null)) axes[0] = 0;
        const argArbs = spec.args.map((a, i) => {
          const ax = axes[i] ?? null;
          if (ax === null) return arrayArb(a.shape, a.kind);
          const shape = [...a.shape];
          shape.splice(ax < 0 ? ax + shape.length + 1 : ax, 0, n);
          return arrayArb(shape, a.kind);
        });
        return fc.tuple(...argArbs).map((args) => ({ spec, n, inAxes: axes, args, outSeed }));
      });
  });
}

/**
 * The property: vmap with the drawn in axes and random out axes (a number for a single
 * output, an array or object tree prefix for several) equals the loop oracle.
 */
export function checkDrawn(d: Drawn): void {
  const { spec, n, inAxes, args } = d;
  const perI = perExample(spec.f, args, inAxes, n);
  const pick = chooser(d.outSeed);
  const axisFor = (l: unknown) => {
    const r = l instanceof np.Array ? l.ndim : 0;
    return pick(2 * r + 2) - (r + 1);
  };
  let outAxes: AxisSpec;
  const out0 = perI[0];
  if (out0 instanceof np.Array) outAxes = axisFor(out0);
  else if (Array.isArray(out0) && pick(3) === 0) outAxes = pick(2) === 0 ? 0 : -1;
  else outAxes = mapWithAxes(0, out0, (l) => axisFor(l)) as AxisSpec;
  const expected = stackOuts(perI, outAxes);
  // Exercise both spellings of in_axes for single-argument functions.
  const inSpec: AxisSpec = args.length === 1 && pick(2) === 0 ? inAxes[0]! : inAxes;
  const mapped = vmap(spec.f, { inAxes: inSpec, outAxes });
  const actual = (spec.outer ? spec.outer(mapped) : mapped)(...args);
  expectTreeClose(actual, expected, spec.tol, `${spec.name} inAxes=${JSON.stringify(inAxes)} outAxes=${JSON.stringify(outAxes)} n=${n} shapes=${JSON.stringify(args.map((a) => a.shape))}`);
}

/** Multiplies every property's numRuns (set VMAP_RUNS_SCALE=20 for a deep local run; CI uses 1). */
export const RUNS_SCALE = Number(process.env.VMAP_RUNS_SCALE ?? 1);

export function vmapProperty(specs: fc.Arbitrary<Spec>, numRuns = 6, opts: { maxN?: number; seed?: number } = {}): void {
  fc.assert(
    fc.property(drawn(specs, opts), (d) => checkDrawn(d)),
    { numRuns: Math.max(1, Math.round(numRuns * RUNS_SCALE)), ...(opts.seed !== undefined ? { seed: opts.seed } : {}) },
  );
}

// --- shape arbitraries -------------------------------------------------------------------------

export const shapeArb = (minRank = 0, maxRank = 3, maxSide = 3) => fc.array(fc.integer({ min: 1, max: maxSide }), { minLength: minRank, maxLength: maxRank });

/** A random permutation of 0..n-1. */
export const permArb = (n: number) =>
  fc.array(fc.nat(), { minLength: n, maxLength: n }).map((keys) => range(n).sort((a, b) => keys[a]! - keys[b]! || a - b));

/** A random subset of 0..n-1, sorted. */
export const subsetArb = (n: number, minSize = 0) =>
  fc.array(fc.boolean(), { minLength: n, maxLength: n }).map((bs) => range(n).filter((i) => bs[i])).filter((s) => s.length >= minSize);
