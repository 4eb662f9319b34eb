/**
 * `testing.checkGrads`: JAX's gradient checker. Forward mode compares `jvp` with central
 * differences along a random direction; reverse mode checks the inner-product identity
 * <t, vjp(ct)> = <jvp(t), ct>. Higher orders recurse on the jvp/vjp of the function.
 */
import { arrayOf, bindArgs, fn, kind, nonNegInt, num, oneOf, required } from "../core/options.js";
import { isFloat } from "../../ir/dtype.js";
import { jvp, vjp } from "../autodiff/api.js";
import { JArray } from "../core/array.js";
import * as lax from "../lax.js";
import * as np from "../numpy/index.js";
import * as tree from "../tree.js";

export interface CheckGradsOptions {
  modes?: readonly ("fwd" | "rev")[];
  atol?: number;
  rtol?: number;
  eps?: number;
}

type Fn = (...args: any[]) => any;

/** A small deterministic PRNG (mulberry32) with Box–Muller normals, so failures reproduce. */
function normalSampler(seed: number): () => number {
  let a = seed >>> 0;
  const uniform = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
}

const leafArray = (x: unknown): JArray => (x instanceof JArray ? x : np.array(x as number));

function randLike(sample: () => number, t: unknown): unknown {
  return tree.map((x: unknown) => {
    const a = leafArray(x);
    const data = Float64Array.from({ length: a.size }, sample);
    return np.array(data, { dtype: isFloat(a.dtype) ? a.dtype : "float32", shape: a.shape });
  }, t);
}

const treeAdd = (a: unknown, b: unknown) => tree.map((x: JArray, y: JArray) => lax.add(leafArray(x), leafArray(y)), a, b);
const treeSub = (a: unknown, b: unknown) => tree.map((x: JArray, y: JArray) => lax.sub(leafArray(x), leafArray(y)), a, b);
const treeScale = (a: unknown, s: number) => tree.map((x: JArray) => lax.mul(leafArray(x), s), a);

function innerProduct(a: unknown, b: unknown): number {
  const la = tree.leaves<JArray>(a).map(leafArray);
  const lb = tree.leaves<JArray>(b).map(leafArray);
  let s = 0;
  la.forEach((x, i) => {
    const xd = x.dataSync();
    const yd = lb[i]!.dataSync();
    for (let k = 0; k < xd.length; k++) s += xd[k]! * yd[k]!;
  });
  return s;
}

function numericalJvp(f: Fn, primals: unknown[], tangents: unknown[], eps: number): unknown {
  const delta = treeScale(tangents, eps) as unknown[];
  const fPos = f(...(treeAdd(primals, delta) as unknown[]));
  const fNeg = f(...(treeSub(primals, delta) as unknown[]));
  return treeScale(treeSub(fPos, fNeg), 0.5 / eps);
}

/** The tolerance JAX uses for gradient checks of a dtype. */
function defaultTolerance(t: unknown): number {
  const leaves = tree.leaves<JArray>(t).filter((x) => x instanceof JArray);
  return leaves.some((x) => x.dtype === "float32") ? 2e-3 : 1e-5;
}

function checkClose(actual: unknown, expected: unknown, atol: number, rtol: number, what: string): void {
  const [la, ta] = tree.flatten(actual);
  const [le, te] = tree.flatten(expected);
  if (!tree.treeDefEqual(ta, te)) throw new Error(`checkGrads (${what}): output trees differ: ${tree.treeDefString(ta)} vs ${tree.treeDefString(te)}`);
  la.forEach((x, i) => {
    const a = leafArray(x).dataSync();
    const e = leafArray(le[i]).dataSync();
    for (let k = 0; k < a.length; k++) {
      const av = a[k]!;
      const ev = e[k]!;
      // NaN matches NaN, and an infinity the same infinity (their difference is NaN), as numpy's allclose.
      if ((Number.isNaN(av) && Number.isNaN(ev)) || av === ev) continue;
      if (!(Math.abs(av - ev) <= atol + rtol * Math.abs(ev)))
        throw new Error(
          `checkGrads (${what}): mismatch at leaf ${i}, element ${k}: got ${av}, expected ${ev} (atol ${atol}, rtol ${rtol})`,
        );
    }
  });
}

function checkJvp(f: Fn, args: unknown[], atol: number | undefined, rtol: number | undefined, eps: number, what: string, sample: () => number) {
  const tangent = randLike(sample, args) as unknown[];
  const [vOut, tOut] = jvp(f, args, tangent);
  const tol = defaultTolerance(args);
  checkClose(vOut, f(...args), atol ?? tol, rtol ?? tol, `${what}: primal output`);
  checkClose(tOut, numericalJvp(f, args, tangent, eps), atol ?? tol, rtol ?? tol, `${what}: tangent vs central differences`);
}

function checkVjp(f: Fn, args: unknown[], atol: number | undefined, rtol: number | undefined, eps: number, what: string, sample: () => number) {
  const [vOut, vjpFn] = vjp(f, args);
  const tol = defaultTolerance(args);
  checkClose(vOut, f(...args), atol ?? tol, rtol ?? tol, `${what}: primal output`);
  const tangent = randLike(sample, args) as unknown[];
  const tangentOut = numericalJvp(f, args, tangent, eps);
  const cotangent = randLike(sample, vOut);
  const cotangentOut = vjpFn(cotangent);
  const ip = innerProduct(tangent, cotangentOut);
  const ipExpected = innerProduct(tangentOut, cotangent);
  checkClose(np.array(ip, { dtype: "float64" }), np.array(ipExpected, { dtype: "float64" }), atol ?? tol, rtol ?? tol, `${what}: inner product <t, vjp(ct)> vs <jvp(t), ct>`);
}

/**
 * Checks the derivatives of `f` at `args` up to `order`, in forward ("fwd") and reverse
 * ("rev") mode; throws an error describing the first mismatch.
 */
export function checkGrads(f: Fn, args: readonly unknown[], order: number, opts?: CheckGradsOptions): void;
export function checkGrads(f: Fn, args: readonly unknown[], order: number, modes?: readonly ("fwd" | "rev")[], atol?: number, rtol?: number, eps?: number): void;
export function checkGrads(...callArgs: unknown[]): void {
  // JAX's check_grads(f, args, order, modes, atol, rtol, eps).
  const { f, args, order, ...opts } = bindArgs("testing.checkGrads", callArgs, {
    f: required(fn),
    args: required(kind<readonly unknown[]>("an array with one entry per argument of f", (v) => Array.isArray(v))),
    order: required(nonNegInt),
    modes: arrayOf(oneOf("fwd", "rev"), `an array of "fwd" and "rev"`),
    atol: num,
    rtol: num,
    eps: num,
  });
  const modes = opts.modes ?? ["fwd", "rev"];
  const eps = opts.eps ?? 1e-4;
  const sample = normalSampler(0);
  const go = (g: Fn, gArgs: unknown[], k: number, label: string): void => {
    if (modes.includes("fwd")) {
      const msg = label ? `JVP of ${label}` : "JVP";
      checkJvp(g, gArgs, opts.atol, opts.rtol, eps, msg, sample);
      if (k > 1) go((primals: unknown[], tangents: unknown[]) => jvp(g, primals, tangents), [gArgs, gArgs], k - 1, msg);
    }
    if (modes.includes("rev")) {
      const msg = label ? `VJP of ${label}` : "VJP";
      checkVjp(g, gArgs, opts.atol, opts.rtol, eps, msg, sample);
      if (k > 1) {
        const gVjp = (...a: unknown[]) => {
          const [out, fn] = vjp(g, a);
          return fn(out);
        };
        go(gVjp, gArgs, k - 1, msg);
      }
    }
  };
  go(f, [...args], order, "");
}
