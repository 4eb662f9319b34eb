/**
 * `vmap(f, {inAxes, outAxes, axisSize})` and the Jacobians built on it: `jacfwd`, `jacrev`,
 * `hessian`.
 */
import { isFloat } from "../../ir/dtype.js";
import { jvp, vjp } from "../autodiff/api.js";
import { JArray } from "../core/array.js";
import { argLeaf, asJArray, describe } from "../core/convert.js";
import { ValueError } from "../errors.js";
import { holomorphicFalse } from "../autodiff/api.js";
import { bindArgs, bool, fn, intOrInts, kind, nonNegInt, orNull, required } from "../core/options.js";
import * as lax from "../lax.js";
import * as tree from "../tree.js";
import { type BDim, batchFlat, moveBdim } from "./batching.js";

type Fn = (...args: any[]) => any;

/** An axis spec: a number, null, or (as a tree prefix) arrays/objects of those. */
export type AxisSpec = number | null | readonly AxisSpec[] | { readonly [key: string]: AxisSpec };

export interface VmapOptions {
  inAxes?: AxisSpec;
  outAxes?: AxisSpec;
  axisSize?: number;
}

/**
 * The axis of every leaf of `t`, from a prefix `spec` of it (a number or null applies to a
 * whole subtree). Unlike tree.flatten, null here is a value, not an empty node.
 */
function axesForLeaves(spec: AxisSpec | undefined, t: unknown, what: string): (number | null)[] {
  if (spec === undefined || spec === null || typeof spec === "number") return tree.leaves(t).map(() => spec ?? null);
  if (Array.isArray(spec)) {
    if (!Array.isArray(t) || t.length !== spec.length)
      throw new ValueError(`${what}: the axis spec ${JSON.stringify(spec)} is not a tree prefix of the value's structure ${tree.treeDefString(tree.structure(t))}`);
    return spec.flatMap((s, i) => axesForLeaves(s, (t as unknown[])[i], what));
  }
  const obj = spec as Record<string, AxisSpec>;
  if (t === null || typeof t !== "object" || Array.isArray(t))
    throw new ValueError(`${what}: the axis spec ${JSON.stringify(spec)} is not a tree prefix of the value's structure ${tree.treeDefString(tree.structure(t))}`);
  const keys = Object.keys(t as object).sort();
  const specKeys = Object.keys(obj).sort();
  if (keys.length !== specKeys.length || keys.some((k, i) => k !== specKeys[i]))
    throw new ValueError(`${what}: the axis spec has keys ${JSON.stringify(specKeys)} but the value has ${JSON.stringify(keys)}`);
  return keys.flatMap((k) => axesForLeaves(obj[k], (t as Record<string, unknown>)[k], what));
}


/** Checks that every leaf of an axis spec is an integer or null (JAX's TypeError at vmap time). */
function checkAxisSpec(spec: unknown, what: string, name: string): void {
  const bad = (x: unknown): boolean => {
    if (x === null || x === undefined) return false;
    if (typeof x === "number") return !Number.isInteger(x);
    if (Array.isArray(x)) return x.some(bad);
    if (typeof x === "object") return Object.values(x as object).some(bad);
    return true;
  };
  if (bad(spec)) throw new TypeError(`vmap(${name}) ${what} must be an int, null, or (nested) container with those types as leaves, but got ${JSON.stringify(spec)}`);
}

const shapeStr = (v: JArray) => `${v.dtype}[${v.shape.join(",")}]`;

/** inAxes/outAxes: checked in detail by checkAxisSpec; a plain object in their position is the options. */
const axisSpec = kind<AxisSpec>("an int, null, or an array with one entry per positional argument", () => true);
/** JAX's axis_name sits between out_axes and axis_size; jaxts has no named axes. */
const noAxisName = kind<null>("null (jaxts has no collectives over named axes)", (v) => v === null);

/** JAX's order: in_axes, out_axes, axis_name, axis_size. */
const VMAP_SPEC = { f: required(fn), inAxes: axisSpec, outAxes: axisSpec, axisName: noAxisName, axisSize: orNull(nonNegInt) };

/**
 * `vmap(f, {inAxes, outAxes, axisSize})`, or JAX's positional `vmap(f, inAxes, outAxes,
 * axisName, axisSize)`: `f` mapped over an array axis.
 */
export function vmap<F extends Fn>(f: F, opts?: VmapOptions): F;
export function vmap<F extends Fn>(f: F, inAxes?: AxisSpec, outAxes?: AxisSpec, axisName?: null, axisSize?: number): F;
export function vmap<F extends Fn>(f: F, inAxesOrOptions?: VmapOptions | AxisSpec, outAxes?: AxisSpec, axisName?: null, axisSize?: number): F;
export function vmap<F extends Fn>(...args: unknown[]): F {
  const { f, ...bound } = bindArgs("vmap", args, VMAP_SPEC);
  const name = f.name || "fn";
  const o: VmapOptions = { inAxes: bound.inAxes, outAxes: bound.outAxes, axisSize: bound.axisSize ?? undefined };
  const inAxes = o.inAxes === undefined ? 0 : o.inAxes;
  const outAxes = o.outAxes === undefined ? 0 : o.outAxes;
  if (!(inAxes === null || typeof inAxes === "number" || Array.isArray(inAxes)))
    throw new TypeError(
      `vmap(${name}) inAxes must be an int, null, or an array with one entry per positional argument passed to the function, but got ${JSON.stringify(inAxes)}`,
    );
  checkAxisSpec(inAxes, "inAxes", name);
  checkAxisSpec(outAxes, "outAxes", name);
  if (o.axisSize !== undefined && !(Number.isInteger(o.axisSize) && o.axisSize >= 0))
    throw new TypeError(`vmap(${name}): axisSize must be a non-negative integer, got ${o.axisSize}`);
  const mapped = (...args: unknown[]) => {
    if (Array.isArray(inAxes) && inAxes.length !== args.length)
      throw new ValueError(
        `vmap(${name}) inAxes must be an int, null, or an array with one entry per positional argument passed to the function, but got inAxes.length=${inAxes.length}, args.length=${args.length}`,
      );
    const perArg = Array.isArray(inAxes) ? inAxes : args.map(() => inAxes);
    const [leaves, inTree] = tree.flatten(args);
    const axes = args.flatMap((a, i) => axesForLeaves(perArg[i] as AxisSpec, a, `vmap(${name}) inAxes`));
    const values = leaves.map((x, i) => argLeaf(x, `vmap(${name}): argument leaf ${i}`));
    // Normalize axes and find the mapped size (as JAX's _mapped_axis_size).
    const dims: BDim[] = values.map((v, i) => {
      const a = axes[i] ?? null;
      if (a === null) return null;
      if (a < -v.ndim || a >= v.ndim)
        throw new ValueError(
          `vmap(${name}) was requested to map its argument along axis ${a}, which implies that its rank should be at least ${a < 0 ? -a : a + 1}, but is only ${v.ndim} (its shape is [${v.shape.join(", ")}])`,
        );
      return a < 0 ? a + v.ndim : a;
    });
    const sizes = new Set<number>();
    if (o.axisSize !== undefined) sizes.add(o.axisSize);
    values.forEach((v, i) => dims[i] !== null && sizes.add(v.shape[dims[i]!]!));
    if (sizes.size === 0)
      throw new ValueError(
        leaves.length === 0
          ? `vmap(${name}) wrapped function must be passed at least one argument containing an array or axisSize must be specified`
          : `vmap(${name}) must have at least one non-null value in inAxes or axisSize must be specified`,
      );
    if (sizes.size > 1) {
      const lines: string[] = [];
      if (o.axisSize !== undefined) lines.push(`the \`axisSize\` argument was ${o.axisSize}`);
      values.forEach((v, i) => {
        const d = dims[i];
        if (d !== null && d !== undefined) lines.push(`one axis had size ${v.shape[d]}: axis ${axes[i]} of argument leaf ${i} of type ${shapeStr(v)}`);
      });
      throw new ValueError(`vmap(${name}) got inconsistent sizes for array axes to be mapped:\n${lines.map((l) => `  * ${l}`).join(";\n")}`);
    }
    const size = [...sizes][0]!;
    const n = size;
    let outTree: tree.TreeDef | undefined;
    const [outs, outDims] = batchFlat(
      (...xs: JArray[]) => {
        const [ls, t] = tree.flatten(f(...tree.unflatten<unknown[]>(inTree, xs)));
        outTree = t;
        return ls.map((x, i) => asJArray(x as JArray | number, `vmap(${name}): output leaf ${i}`));
      },
      values,
      dims,
      n,
      `vmap(${name})`,
    );
    const outStructure = tree.unflatten(outTree!, outs.map(() => 0));
    const wanted = axesForLeaves(outAxes, outStructure, `vmap(${name}) outAxes`);
    const results = outs.map((v, i) => {
      const want = wanted[i] ?? null;
      const have = outDims[i] ?? null;
      if (want === null) {
        if (have !== null)
          throw new ValueError(
            `vmap(${name}) has mapped output but outAxes is null for it (output leaf ${i}, batched on axis ${have}); an output can only be unmapped if it does not depend on the mapped inputs`,
          );
        return v;
      }
      const rank = v.ndim + (have === null ? 1 : 0);
      if (want < -rank || want >= rank)
        throw new ValueError(`vmap(${name}) outAxes: axis ${want} is out of bounds for output leaf ${i} of dimension ${rank} (its unbatched shape is [${have === null ? v.shape : v.shape.filter((_, k) => k !== have)}])`);
      return moveBdim(v, have, want < 0 ? want + rank : want, n);
    });
    return tree.unflatten(outTree!, results);
  };
  Object.defineProperty(mapped, "name", { value: `vmap(${name})` });
  return mapped as F;
}

// ---------------------------------------------------------------------------------------
// Jacobians.

export interface JacOptions {
  argnums?: number | readonly number[];
  hasAux?: boolean;
  /** Only `false`: jaxts has no complex numbers (kept so JAX's positions line up). */
  holomorphic?: false;
}

/** jacfwd and hessian in JAX's order: argnums, has_aux, holomorphic (jacrev adds allow_int). */
const JAC_SPEC = { f: required(fn), argnums: intOrInts, hasAux: bool, holomorphic: holomorphicFalse };
const JACREV_SPEC = { ...JAC_SPEC, allowInt: bool };

function argnumsOf(opts: JacOptions, nargs: number, fname: string): number[] {
  const a = opts.argnums ?? 0;
  return (typeof a === "number" ? [a] : [...a]).map((k) => {
    const i = k < 0 ? k + nargs : k;
    if (!Number.isInteger(k) || i < 0 || i >= nargs) throw new ValueError(`${fname}: argnums ${JSON.stringify(a)} out of range for ${nargs} arguments`);
    return i;
  });
}

/** The standard basis of a flat list of leaves: `[N, ...leafShape]` per leaf, N the total size. */
function stdBasis(leaves: readonly JArray[]): JArray[] {
  const total = leaves.reduce((s, l) => s + l.size, 0);
  const dtype = leaves.find((l) => isFloat(l.dtype))?.dtype ?? "float32";
  const eye = lax.convertElementType(lax.eq(lax.broadcastedIota("int32", [total, total], 0), lax.broadcastedIota("int32", [total, total], 1)), dtype);
  let offset = 0;
  return leaves.map((l) => {
    const part = lax.sliceInDim(eye, offset, offset + l.size, 1, 1);
    offset += l.size;
    return lax.reshape(lax.convertElementType(part, l.dtype), [total, ...l.shape]);
  });
}

/** Splits the flat basis axis `axis` of `x` (size N) into the leaves' shapes, in place. */
function splitAxis(x: JArray, axis: number, leaves: readonly JArray[]): JArray[] {
  let offset = 0;
  return leaves.map((l) => {
    const part = lax.sliceInDim(x, offset, offset + l.size, 1, axis);
    offset += l.size;
    const shape = [...x.shape.slice(0, axis), ...l.shape, ...x.shape.slice(axis + 1)];
    return lax.reshape(part, shape);
  });
}

function selectArgs(args: unknown[], idx: number[]) {
  const dyn = idx.map((k) => args[k]);
  const g = (f: Fn) => (...d: unknown[]) => {
    const full = [...args];
    idx.forEach((k, j) => (full[k] = d[j]));
    return f(...full);
  };
  return { dyn, g };
}

/** `jacfwd(f, {argnums, hasAux})` or `jacfwd(f, argnums, hasAux)`: the Jacobian by forward mode, output dims first, then input dims. */
export function jacfwd(f: Fn, opts?: JacOptions): Fn;
export function jacfwd(f: Fn, argnums?: number | readonly number[], hasAux?: boolean, holomorphic?: false): Fn;
export function jacfwd(f: Fn, argnumsOrOptions?: number | readonly number[] | JacOptions, hasAux?: boolean, holomorphic?: false): Fn;
export function jacfwd(...args: unknown[]): Fn {
  const { f, ...opts } = bindArgs("jacfwd", args, JAC_SPEC);
  return (...args: unknown[]) => {
    const idx = argnumsOf(opts, args.length, "jacfwd");
    const { dyn, g } = selectArgs(args, idx);
    const [inLeaves, inTree] = tree.flatten(dyn);
    const ins = inLeaves.map((x, i) => argLeaf(x, `jacfwd: input leaf ${i}`));
    for (const [i, l] of ins.entries())
      if (!isFloat(l.dtype)) throw new TypeError(`jacfwd requires float inputs, but input leaf ${i} has dtype ${l.dtype}`);
    const basis = stdBasis(ins);
    const hasAux = opts.hasAux ?? false;
    const push = (...ts: JArray[]) => jvp(g(f), tree.unflatten<unknown[]>(inTree, ins), tree.unflatten<unknown[]>(inTree, ts), { hasAux });
    // The primal output (and aux) do not depend on the tangent basis: unmapped.
    const [y, jac, aux] = vmap(push, { inAxes: 0, outAxes: hasAux ? [null, -1, null] : [null, -1] })(...basis) as [unknown, unknown, unknown];
    const [outLeaves, outTree] = tree.flatten(y);
    const jacLeaves = tree.leaves<JArray>(jac);
    const perOut = jacLeaves.map((j, k) => {
      const o = outLeaves[k] as JArray;
      const blocks = splitAxis(j, o.ndim, ins);
      const inStructured = tree.unflatten(inTree, blocks) as unknown[];
      return typeof opts.argnums === "number" || opts.argnums === undefined ? inStructured[0] : inStructured;
    });
    const result = tree.unflatten(outTree, perOut);
    return hasAux ? [result, aux] : result;
  };
}

/** `jacrev(f, {argnums, hasAux, allowInt})` or `jacrev(f, argnums, hasAux)`: the Jacobian by reverse mode, output dims first, then input dims. */
export function jacrev(f: Fn, opts?: JacOptions & { allowInt?: boolean }): Fn;
export function jacrev(f: Fn, argnums?: number | readonly number[], hasAux?: boolean, holomorphic?: false, allowInt?: boolean): Fn;
export function jacrev(f: Fn, argnumsOrOptions?: number | readonly number[] | JacOptions, hasAux?: boolean, holomorphic?: false, allowInt?: boolean): Fn;
export function jacrev(...args: unknown[]): Fn {
  const { f, ...opts } = bindArgs("jacrev", args, JACREV_SPEC);
  return (...args: unknown[]) => {
    const idx = argnumsOf(opts, args.length, "jacrev");
    const { dyn, g } = selectArgs(args, idx);
    const [inLeaves, inTree] = tree.flatten(dyn);
    const ins = inLeaves.map((x, i) => argLeaf(x, `jacrev: input leaf ${i}`));
    for (const [i, l] of ins.entries())
      if (!isFloat(l.dtype)) throw new TypeError(`jacrev requires float inputs, but input leaf ${i} has dtype ${l.dtype}`);
    const hasAux = opts.hasAux ?? false;
    const [y, pullback, aux] = vjp(g(f), tree.unflatten<unknown[]>(inTree, ins), { hasAux });
    const [outLeaves, outTree] = tree.flatten(y);
    const outs = outLeaves.map((o) => o as JArray);
    const basis = stdBasis(outs);
    const pulled = vmap((...cts: JArray[]) => tree.leaves(pullback(tree.unflatten(outTree, cts))), 0)(...basis) as JArray[];
    // pulled[i]: [M, ...inShape_i]; split M into the outputs' shapes.
    const blocksPerIn = pulled.map((p) => splitAxis(p, 0, outs));
    const perOut = outs.map((_, k) => {
      const inStructured = tree.unflatten(inTree, blocksPerIn.map((b) => b[k]!)) as unknown[];
      return typeof opts.argnums === "number" || opts.argnums === undefined ? inStructured[0] : inStructured;
    });
    const result = tree.unflatten(outTree, perOut);
    return hasAux ? [result, aux] : result;
  };
}

/** `hessian(f, {argnums, hasAux})` or `hessian(f, argnums, hasAux)` = `jacfwd(jacrev(f))`. */
export function hessian(f: Fn, opts?: JacOptions): Fn;
export function hessian(f: Fn, argnums?: number | readonly number[], hasAux?: boolean, holomorphic?: false): Fn;
export function hessian(f: Fn, argnumsOrOptions?: number | readonly number[] | JacOptions, hasAux?: boolean, holomorphic?: false): Fn;
export function hessian(...args: unknown[]): Fn {
  const { f, ...opts } = bindArgs("hessian", args, JAC_SPEC);
  return jacfwd(jacrev(f, opts), opts);
}
