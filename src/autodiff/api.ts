/**
 * The autodiff API: jvp, linearize, vjp, linearTranspose, grad, valueAndGrad.
 *
 * Reverse mode is linearize (jvp on top of partial evaluation, recording the tangent map as a
 * linear jaxpr whose captured values are the residuals) followed by transposing that jaxpr.
 */
import { shapesEqual } from "../../ir/aval.js";
import { isFloat } from "../../ir/dtype.js";
import { Jaxpr } from "../../ir/jaxpr.js";
import { JArray } from "../core/array.js";
import { argLeaf, describe } from "../core/convert.js";
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
const leafArray = argLeaf;

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

/**
 * The tangent (or vjp cotangent) for primal `p` given by the user, with its dtype checked as
 * JAX checks it: a float primal needs a tangent of its own dtype (a JS number, being weak,
 * takes that dtype), and an integer or boolean primal, which has no tangent space, needs what
 * stands for JAX's float0 here: a tangent of the primal's own dtype (e.g. `np.zerosLike(p)`),
 * whose values are not used. `kind` says whose error it is.
 */
function tangentFor(p: JArray, x: unknown, i: number, fname: string, kind: "tangent" | "cotangent" = "tangent"): JArray {
  let t = leafArray(x, `${fname}: ${kind} leaf ${i}`);
  if (typeof x === "number" && isFloat(p.dtype)) t = lax.convertElementType(t, p.dtype);
  if (t.dtype === p.dtype) return t;
  const expected = isFloat(p.dtype)
    ? p.dtype
    : `${p.dtype} (an integer or boolean value has no tangent space: JAX wants a float0 tangent, which jaxts spells as an array of the primal's own dtype, e.g. np.zerosLike(primal); its values are not used)`;
  const msg =
    kind === "cotangent"
      ? `${fname}: the cotangent for output leaf ${i} has dtype ${t.dtype}, but expected ${expected} because the corresponding output of the differentiated function has type ${p.dtype}[${p.shape}]`
      : `${fname}: primal and tangent arguments do not match at leaf ${i}; dtypes must be equal, or for an integer or boolean primal the tangent must stand for float0. Got primal dtype ${p.dtype}, so expected tangent dtype ${expected}, but got tangent dtype ${t.dtype}`;
  // JAX raises TypeError from jvp and ValueError from the linearized and vjp functions.
  throw fname === "jvp" ? new TypeError(msg) : new ValueError(msg);
}

// ---------------------------------------------------------------------------------------

/** One entry per positional argument of `f` (JAX's primals tuple). */
const argList = kind<readonly unknown[]>("an array with one entry per argument of f", (v) => Array.isArray(v));

const JVP_SPEC = { f: required(fn), primals: required(argList), tangents: required(argList), hasAux: bool };

/**
 * `jvp(f, primals, tangents, hasAux?)` or `jvp(f, primals, tangents, {hasAux})` -> `[primalsOut,
 * tangentsOut]`. Each tangent has its primal's shape and dtype; an integer or boolean primal,
 * whose tangent JAX types as float0, takes a tangent of its own dtype (`np.zerosLike(primal)`),
 * and its output tangents are such zeros.
 */
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
    const t = tangentFor(ps[i]!, x, i, "jvp");
    if (!shapesEqual(t.shape, ps[i]!.shape))
      throw new ValueError(`jvp called with different primal and tangent shapes; got primal shape [${ps[i]!.shape}] and tangent shape [${t.shape}] at leaf ${i}`);
    return isFloat(t.dtype) ? t : null;
  });
  const { flat, store } = flattenFun(f, pTree, opts.hasAux ?? false, "jvp");
  const [po, to, interp] = jvpFlat((...xs) => flat(...xs), ps, ts, currentInterpreter(), false, `jvp(${f.name || "fn"})`);
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

function linearizeFlat(f: Fn, primals: readonly unknown[], hasAux: boolean, fname: string, fnName?: string): Linearized & { inTree: tree.TreeDef; primals: JArray[] } {
  if (!Array.isArray(primals)) throw new TypeError(`${fname}: primals must be an array with one entry per argument of f`);
  const [leaves, inTree] = tree.flatten(primals);
  const ps = leaves.map((x, i) => leafArray(x, `${fname}: primal leaf ${i}`));
  const pe = new PartialEvalBuilder(currentInterpreter(), fname);
  const tangentIns = ps.map((p) => pe.newArg(tangentAval(p.aval)));
  const tangents: Tangent[] = ps.map((p, i) => (isFloat(p.dtype) ? tangentIns[i]! : null));
  const { flat, store } = flattenFun(f, inTree, hasAux, fname);
  const [po, to, interp] = jvpFlat(flat, ps, tangents, pe, true, `${fname}(${fnName ?? (f.name || "fn")})`);
  for (const p of po) if (pe.isUnknown(p)) throw new Error(`internal: ${fname} produced a primal output that depends on tangents`);
  const closed = pe.build(to.map((t, i) => t ?? zerosOf(po[i]!.aval)));
  const aux = hasAux ? primalOf(store.aux, (a) => interp.lift(a)[0]) : undefined;
  return { primalsOut: po, linear: closed.jaxpr, residuals: [...closed.consts], outTree: store.outTree!, aux, inTree, primals: ps };
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
    const ts = tLeaves.map((x, i) => {
      const p = lin.primals[i]!;
      const t = tangentFor(p, x, i, "linearize");
      if (!shapesEqual(t.shape, p.shape))
        throw new ValueError(`linearize: the linearized function was called with a tangent of shape [${t.shape}] for the primal of shape [${p.shape}] at leaf ${i}`);
      return t;
    });
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
      const p = lin.primalsOut[i]!;
      // An integer output's cotangent is ignored (JAX accepts any dtype there): give the
      // transpose one of the output's own dtype.
      const ct = isFloat(p.dtype) ? tangentFor(p, c, i, fname, "cotangent") : leafArray(c, `${fname}: cotangent leaf ${i}`);
      if (!shapesEqual(ct.shape, p.shape))
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
    const lin = linearizeFlat(g, diffArgs, hasAux, fname, f.name || "fn");
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

