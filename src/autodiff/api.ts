/**
 * The autodiff API: jvp, linearize, vjp, linearTranspose, grad, valueAndGrad.
 *
 * Reverse mode is linearize (jvp on top of partial evaluation, recording the tangent map as a
 * linear jaxpr whose captured values are the residuals) followed by transposing that jaxpr.
 */
import { isFloat } from "../../ir/dtype.js";
import { Jaxpr } from "../../ir/jaxpr.js";
import { JArray } from "../core/array.js";
import { describe, scalar } from "../core/convert.js";
import { evalJaxpr } from "../core/evalJaxpr.js";
import { currentInterpreter } from "../core/interpreter.js";
import { ValueError } from "../errors.js";
import { type Kind, bindArgs, bool, fn, intOrInts, keywordOnly, kind, refine, required } from "../core/options.js";
import * as lax from "../lax.js";
import * as tree from "../tree.js";
import { type Tangent, jvpFlat, tangentAval } from "./jvp.js";
import { PartialEvalBuilder } from "./partialEval.js";
import { backwardPass, zerosOf } from "./transpose.js";

type Fn = (...args: any[]) => any;

/** An argument leaf as an array; JS numbers become weakly-typed float32 (JS has no int literals). */
function leafArray(x: unknown, what: string): JArray {
  if (x instanceof JArray) return x;
  if (typeof x === "number") return scalar(x, "float32", true);
  if (typeof x === "boolean") return scalar(x);
  throw new TypeError(`${what}: expected arrays or numbers as leaves, got ${describe(x)}`);
}

/** Flattens `f` to a function of leaves returning leaves; records the output tree (and aux). */
function flattenFun(f: Fn, inTree: tree.TreeDef, hasAux: boolean, fname: string) {
  const store: { outTree?: tree.TreeDef; aux?: unknown } = {};
  const flat = (...leaves: JArray[]): JArray[] => {
    let out = f(...tree.unflatten<unknown[]>(inTree, leaves));
    if (hasAux) {
      if (!Array.isArray(out) || out.length !== 2)
        throw new TypeError(`${fname} with hasAux: the function must return a pair [output, aux], got ${describe(out)}`);
      store.aux = out[1];
      out = out[0];
    }
    const [outLeaves, outTree] = tree.flatten(out);
    store.outTree = outTree;
    return outLeaves.map((x, i) => leafArray(x, `${fname}: output leaf ${i}`));
  };
  return { flat, store };
}

/** Strips transform tracers from aux outputs (aux is not differentiated). */
function primalOf(x: unknown, unwrap: (a: JArray) => JArray): unknown {
  return tree.map((l: unknown) => (l instanceof JArray ? unwrap(l) : l), x);
}

// ---------------------------------------------------------------------------------------

/** One entry per positional argument of `f` (JAX's primals tuple). */
const argList = kind<readonly unknown[]>("an array with one entry per argument of f", (v) => Array.isArray(v));

const JVP_SPEC = { f: required(fn), primals: required(argList), tangents: required(argList), hasAux: bool };

/** `jvp(f, primals, tangents, hasAux?)` or `jvp(f, primals, tangents, {hasAux})` -> `[primalsOut, tangentsOut]`. */
export function jvp(f: Fn, primals: readonly unknown[], tangents: readonly unknown[], opts?: { hasAux?: boolean }): any;
export function jvp(f: Fn, primals: readonly unknown[], tangents: readonly unknown[], hasAux?: boolean): any;
export function jvp(f: Fn, primals: readonly unknown[], tangents: readonly unknown[], hasAuxOrOptions?: boolean | { hasAux?: boolean }): any;
export function jvp(...args: unknown[]): any {
  const { f, primals, tangents, ...opts } = bindArgs("jvp", args, JVP_SPEC);
  const [pLeaves, pTree] = tree.flatten(primals);
  const [tLeaves, tTree] = tree.flatten(tangents);
  if (!tree.treeDefEqual(pTree, tTree))
    throw new TypeError(
      `jvp: primal and tangent arguments must have the same tree structure; got ${tree.treeDefString(pTree)} and ${tree.treeDefString(tTree)}`,
    );
  const ps = pLeaves.map((x, i) => leafArray(x, `jvp: primal leaf ${i}`));
  const ts = tLeaves.map((x, i) => {
    const t = leafArray(x, `jvp: tangent leaf ${i}`);
    const p = ps[i]!;
    if (t.shape.length !== p.shape.length || t.shape.some((d, k) => d !== p.shape[k]))
      throw new ValueError(`jvp called with different primal and tangent shapes; got primal shape [${p.shape}] and tangent shape [${t.shape}] at leaf ${i}`);
    if (isFloat(p.dtype) && t.dtype !== p.dtype)
      throw new TypeError(`jvp called with inconsistent primal and tangent dtypes; primal ${p.dtype} and tangent ${t.dtype} at leaf ${i}`);
    return isFloat(p.dtype) ? t : null;
  });
  const { flat, store } = flattenFun(f, pTree, opts.hasAux ?? false, "jvp");
  const [po, to, interp] = jvpFlat((...xs) => flat(...xs), ps, ts, currentInterpreter(), false);
  const outTree = store.outTree!;
  const tangentsOut = to.map((t, i) => t ?? zerosOf(po[i]!.aval));
  const result = [tree.unflatten(outTree, po), tree.unflatten(outTree, tangentsOut)];
  if (opts.hasAux) result.push(primalOf(store.aux, (a) => interp.lift(a)[0]));
  return result;
}

interface Linearized {
  primalsOut: JArray[];
  /** The linear map: invars are the tangents of every primal; constvars are the residuals. */
  linear: Jaxpr;
  residuals: JArray[];
  outTree: tree.TreeDef;
  aux: unknown;
}

function linearizeFlat(f: Fn, primals: readonly unknown[], hasAux: boolean, fname: string): Linearized & { inTree: tree.TreeDef } {
  if (!Array.isArray(primals)) throw new TypeError(`${fname}: primals must be an array with one entry per argument of f`);
  const [leaves, inTree] = tree.flatten(primals);
  const ps = leaves.map((x, i) => leafArray(x, `${fname}: primal leaf ${i}`));
  const pe = new PartialEvalBuilder(currentInterpreter(), fname);
  const tangentIns = ps.map((p) => pe.newArg(tangentAval(p.aval)));
  const tangents: Tangent[] = ps.map((p, i) => (isFloat(p.dtype) ? tangentIns[i]! : null));
  const { flat, store } = flattenFun(f, inTree, hasAux, fname);
  const [po, to, interp] = jvpFlat(flat, ps, tangents, pe, true);
  for (const p of po) if (pe.isUnknown(p)) throw new Error(`internal: ${fname} produced a primal output that depends on tangents`);
  const closed = pe.build(to.map((t, i) => t ?? zerosOf(po[i]!.aval)));
  const aux = hasAux ? primalOf(store.aux, (a) => interp.lift(a)[0]) : undefined;
  return { primalsOut: po, linear: closed.jaxpr, residuals: [...closed.consts], outTree: store.outTree!, aux, inTree };
}

/** vjp and linearize: JAX's has_aux is keyword-only there (the primals are varargs). */
const PRIMALS_SPEC = { f: required(fn), primals: required(argList), hasAux: keywordOnly(bool) };

/** `linearize(f, primals, {hasAux})` -> `[out, fJvp]` where `fJvp(...tangents)` applies the linear map. */
export function linearize(f: Fn, primals: readonly unknown[], opts?: { hasAux?: boolean }): any;
export function linearize(...args: unknown[]): any {
  const { f, primals, ...opts } = bindArgs("linearize", args, PRIMALS_SPEC);
  const lin = linearizeFlat(f, primals, opts.hasAux ?? false, "linearize");
  const out = tree.unflatten(lin.outTree, lin.primalsOut);
  const fJvp = (...tangents: unknown[]) => {
    const tLeaves = tree.flattenUpTo(lin.inTree, tangents, "linearize: tangents");
    const ts = tLeaves.map((t, i) => leafArray(t, `linearize: tangent leaf ${i}`));
    const outs = evalJaxpr(lin.linear, lin.residuals, ts);
    return tree.unflatten(lin.outTree, outs);
  };
  return opts.hasAux ? [out, fJvp, lin.aux] : [out, fJvp];
}

function makeVjpFn(lin: Linearized & { inTree: tree.TreeDef }, fname: string) {
  const { linear, residuals } = lin;
  const hoisted = new Jaxpr([], [...linear.constvars, ...linear.invars], linear.eqns, linear.outs);
  const isLinear = [...linear.constvars.map(() => false), ...linear.invars.map(() => true)];
  return (cotangent: unknown) => {
    const ctLeaves = tree.flattenUpTo(lin.outTree, cotangent, `${fname}: cotangent`).map((c, i) => {
      const ct = leafArray(c, `${fname}: cotangent leaf ${i}`);
      const p = lin.primalsOut[i]!;
      if (ct.ndim !== p.ndim || ct.shape.some((d, k) => d !== p.shape[k]))
        throw new ValueError(`${fname}: cotangent shape [${ct.shape}] does not match the output shape [${p.shape}] at leaf ${i}`);
      return ct.dtype === p.dtype ? ct : lax.convertElementType(ct, p.dtype);
    });
    const cts = backwardPass(hoisted, isLinear, [...residuals, ...linear.invars.map(() => null)], ctLeaves).slice(residuals.length);
    const grads = cts.map((c, i) => c ?? zerosOf(linear.invars[i]!.aval));
    return tree.unflatten<unknown[]>(lin.inTree, grads);
  };
}

/** `vjp(f, primals, {hasAux})` -> `[out, vjpFn]` (and aux), with `vjpFn(ct)` giving one cotangent per primal. */
export function vjp(f: Fn, primals: readonly unknown[], opts?: { hasAux?: boolean }): any;
export function vjp(...args: unknown[]): any {
  const { f, primals, ...opts } = bindArgs("vjp", args, PRIMALS_SPEC);
  const lin = linearizeFlat(f, primals, opts.hasAux ?? false, "vjp");
  const out = tree.unflatten(lin.outTree, lin.primalsOut);
  const vjpFn = makeVjpFn(lin, "vjp");
  return opts.hasAux ? [out, vjpFn, lin.aux] : [out, vjpFn];
}

/** The transpose of a linear function, at primals that fix its input shapes. */
export function linearTranspose(f: Fn, primals: readonly unknown[]): (ct: unknown) => unknown[];
export function linearTranspose(...args: unknown[]): (ct: unknown) => unknown[] {
  const { f, primals } = bindArgs("linearTranspose", args, { f: required(fn), primals: required(argList) });
  return makeVjpFn(linearizeFlat(f, primals, false, "linearTranspose"), "linearTranspose");
}

export interface GradOptions {
  argnums?: number | readonly number[];
  hasAux?: boolean;
  /** Only `false`: jaxts has no complex numbers (kept so JAX's positions line up). */
  holomorphic?: false;
  /** Allow integer inputs (their gradient is zero), as JAX's allow_int. */
  allowInt?: boolean;
}

/** `holomorphic` exists so positional calls line up with JAX's; only false is meaningful here. */
export const holomorphicFalse: Kind<false> = refine<boolean>(bool, "false (jaxts has no complex numbers)", (v) => v === false) as Kind<false>;

/** grad and valueAndGrad, in JAX's positional order: argnums, has_aux, holomorphic, allow_int. */
const GRAD_SPEC = { f: required(fn), argnums: intOrInts, hasAux: bool, holomorphic: holomorphicFalse, allowInt: bool };

function gradImpl(f: Fn, opts: GradOptions, fname: string, withValue: boolean): Fn {
  const argnums = opts.argnums ?? 0;
  const nums = typeof argnums === "number" ? [argnums] : [...argnums];
  const hasAux = opts.hasAux ?? false;
  return (...args: unknown[]) => {
    const idx = nums.map((n) => {
      const k = n < 0 ? n + args.length : n;
      if (!Number.isInteger(n) || k < 0 || k >= args.length)
        throw new ValueError(`${fname}: argnums ${JSON.stringify(argnums)} out of range for a call with ${args.length} positional arguments`);
      return k;
    });
    const diffArgs = idx.map((k) => tree.map((x: unknown) => leafArray(x, `${fname}: argument ${k}`), args[k]));
    if (!opts.allowInt) {
      for (const [j, a] of diffArgs.entries()) {
        for (const leaf of tree.leaves<JArray>(a)) {
          if (!isFloat(leaf.dtype))
            throw new TypeError(
              `${fname} requires real-valued inputs (a float dtype), but argument ${idx[j]} has dtype ${leaf.dtype}. ` +
                "Use vjp, or pass {allowInt: true}, to differentiate with respect to integer or boolean inputs.",
            );
        }
      }
    }
    const g = (...d: unknown[]) => {
      const full = [...args];
      idx.forEach((k, j) => (full[k] = d[j]));
      return f(...full);
    };
    const lin = linearizeFlat(g, diffArgs, hasAux, fname);
    const outs = lin.primalsOut;
    if (outs.length !== 1 || outs[0]!.ndim !== 0 || lin.outTree.kind !== "leaf")
      throw new TypeError(
        `${fname}: gradient only defined for scalar-output functions. Output had ${outs.length === 1 ? `shape: [${outs[0]!.shape}]` : `tree structure ${tree.treeDefString(lin.outTree)}`}.`,
      );
    const out = outs[0]!;
    if (!isFloat(out.dtype)) throw new TypeError(`${fname}: gradient requires a float output, got ${out.dtype}`);
    const grads = makeVjpFn(lin, fname)(lax.convertElementType(1, out.dtype)) as unknown[];
    const result = typeof argnums === "number" ? grads[0] : grads;
    const value = hasAux ? [out, lin.aux] : out;
    if (withValue) return [value, result];
    return hasAux ? [result, lin.aux] : result;
  };
}

/**
 * `grad(f, {argnums, hasAux, allowInt})`, or JAX's positional `grad(f, argnums, hasAux,
 * holomorphic, allowInt)`: the gradient of a scalar function.
 */
export function grad(f: Fn, opts?: GradOptions): Fn;
export function grad(f: Fn, argnums?: number | readonly number[], hasAux?: boolean, holomorphic?: false, allowInt?: boolean): Fn;
export function grad(f: Fn, argnumsOrOptions?: number | readonly number[] | GradOptions, hasAux?: boolean, holomorphic?: false, allowInt?: boolean): Fn;
export function grad(...args: unknown[]): Fn {
  const { f, ...opts } = bindArgs("grad", args, GRAD_SPEC);
  return gradImpl(f, opts, "grad", false);
}

/** `valueAndGrad(f, opts)(...args)` -> `[value, grad]` (`[[value, aux], grad]` with hasAux); positional as grad. */
export function valueAndGrad(f: Fn, opts?: GradOptions): Fn;
export function valueAndGrad(f: Fn, argnums?: number | readonly number[], hasAux?: boolean, holomorphic?: false, allowInt?: boolean): Fn;
export function valueAndGrad(f: Fn, argnumsOrOptions?: number | readonly number[] | GradOptions, hasAux?: boolean, holomorphic?: false, allowInt?: boolean): Fn;
export function valueAndGrad(...args: unknown[]): Fn {
  const { f, ...opts } = bindArgs("valueAndGrad", args, GRAD_SPEC);
  return gradImpl(f, opts, "valueAndGrad", true);
}

