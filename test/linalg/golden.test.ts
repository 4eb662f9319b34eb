/**
 * Replays test/golden/linalg.json (real JAX 0.10.2, float32 and float64, batched and not):
 * values, and the gradient of a weighted sum of the outputs. Eigenvectors and singular vectors
 * are only defined up to sign, so they are compared through reconstructions (a = v diag(w) v^T,
 * a = u diag(s) vh, orthonormal columns) and enter the gradient's loss squared.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { grad, lax, numpy as np, scipy } from "../../src/index.js";

type A = np.Array;
type EncNum = number | "nan" | "inf" | "-inf";
interface EncArray {
  array: (EncNum | boolean)[];
  dtype: string;
  shape: number[];
}
type EncArg = EncArray | number | string | boolean | null | EncArg[];
interface Case {
  name: string;
  fn: string;
  args: EncArg[];
  opts: Record<string, unknown>;
  out: (EncArray | null)[];
  form: ("lin" | "sq" | "skip")[];
  recon: "eigh" | "svd" | null;
  weights: (EncArray | null)[];
  grad?: EncArray[];
  gradArgs?: number[];
  rtol: number;
  atol: number;
  gtol?: [number, number];
}

const golden = JSON.parse(readFileSync(new URL("../golden/linalg.json", import.meta.url), "utf8")) as { jax: string; cases: Case[] };

const dec = (v: EncNum | boolean): number | boolean => (v === "nan" ? NaN : v === "inf" ? Infinity : v === "-inf" ? -Infinity : v);
const isEnc = (a: unknown): a is EncArray => typeof a === "object" && a !== null && !Array.isArray(a) && "array" in a;

function decodeArray(e: EncArray): A {
  const flat = e.array.map(dec) as number[];
  const x = e.dtype === "bool" ? np.array(flat.map((v) => (v ? 1 : 0)), { dtype: "int32" }).astype("bool") : np.array(flat, { dtype: e.dtype as np.DType });
  return np.reshape(x, e.shape);
}

function decodeArg(a: EncArg): unknown {
  if (isEnc(a)) return decodeArray(a);
  if (Array.isArray(a)) return a.map(decodeArg);
  return a;
}

function decodeOpts(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, v === "inf" ? Infinity : v === "-inf" ? -Infinity : v]));
}

const namespaces: Record<string, any> = { np, "np.linalg": np.linalg, "scipy.linalg": scipy.linalg, "lax.linalg": lax.linalg };
function resolve(path: string): (...args: any[]) => unknown {
  const i = path.lastIndexOf(".");
  const f = namespaces[path.slice(0, i)]?.[path.slice(i + 1)];
  if (typeof f !== "function") throw new Error(`no function ${path}`);
  return f;
}

/** The array leaves of a result, booleans dropped (as the generator's `leaves`). */
function leaves(x: unknown): A[] {
  if (Array.isArray(x)) return x.flatMap(leaves);
  if (typeof x === "boolean") return [];
  return [x as A];
}

/** Which outputs a case's Python function kept (it returned a part of the result). */
const picks: [string, number[]][] = [
  ["lax.lu.ints", [1, 2]],
  ["lstsq rank int", [2]],
];

function call(c: Case, args: unknown[]): A[] {
  const f = resolve(c.fn);
  const opts = decodeOpts(c.opts);
  const out = leaves(Object.keys(opts).length ? f(...args, opts) : f(...args));
  const pick = picks.find(([p]) => c.name.startsWith(p));
  return pick ? pick[1].map((i) => out[i]!) : out;
}

function close(got: A, exp: A, rtol: number, atol: number, what: string, errs: string[]): void {
  if (got.dtype !== exp.dtype) errs.push(`${what}: dtype ${got.dtype}, expected ${exp.dtype}`);
  if (JSON.stringify(got.shape) !== JSON.stringify(exp.shape)) {
    errs.push(`${what}: shape [${got.shape}], expected [${exp.shape}]`);
    return;
  }
  const g = Array.from(got.dataSync() as ArrayLike<number>, Number);
  const e = Array.from(exp.dataSync() as ArrayLike<number>, Number);
  let bad = 0;
  let first = "";
  e.forEach((ev, i) => {
    const gv = g[i]!;
    const ok = Number.isNaN(ev) ? Number.isNaN(gv) : ev === gv || Math.abs(gv - ev) <= atol + rtol * Math.abs(ev);
    if (!ok && bad++ === 0) first = `at ${i}: got ${gv}, expected ${ev}`;
  });
  if (bad) errs.push(`${what}: ${bad}/${e.length} elements differ (${first})`);
}

const mm = (a: A, b: A) => np.matmul(a, b);
const mT = (a: A) => np.swapaxes(a, -1, -2);

/** a = v diag(w) v^T with orthonormal v (for eigh), checked against the symmetrized input. */
function checkEigh(a: A, w: A, v: A, c: Case, errs: string[]): void {
  const sym = np.divide(np.add(a, mT(a)), 2);
  const scale = Number(np.max(np.abs(sym)));
  close(mm(np.multiply(v, np.expandDims(w, -2)), mT(v)), sym, c.rtol * 10, c.atol * 10 * scale, "v diag(w) v^T", errs);
  const n = v.shape[v.ndim - 1]!;
  close(mm(mT(v), v), np.broadcastTo(np.eye(n, null, { dtype: v.dtype }), v.shape), 0, c.atol * 10 + c.rtol * 10, "v^T v", errs);
}

function checkSvd(a: A, u: A, s: A, vh: A, c: Case, errs: string[]): void {
  const k = s.shape[s.ndim - 1]!;
  const uk = u.slice(...u.shape.slice(0, -1).map(() => [null, null, null] as [null, null, null]), [0, k, null]);
  const vk = vh.slice(...vh.shape.slice(0, -2).map(() => [null, null, null] as [null, null, null]), [0, k, null]);
  const scale = Number(np.max(np.abs(a)));
  close(mm(np.multiply(uk, np.expandDims(s, -2)), vk), a, c.rtol * 10, c.atol * 10 * scale, "u diag(s) vh", errs);
  const eyeOf = (m: number, like: A) => np.broadcastTo(np.eye(m, null, { dtype: like.dtype }), [...like.shape.slice(0, -2), m, m]);
  close(mm(mT(u), u), eyeOf(u.shape[u.ndim - 1]!, u), 0, c.atol * 10 + c.rtol * 10, "u^T u", errs);
  close(mm(vh, mT(vh)), eyeOf(vh.shape[vh.ndim - 2]!, vh), 0, c.atol * 10 + c.rtol * 10, "vh vh^T", errs);
}

describe(`linear algebra against JAX ${golden.jax}`, () => {
  it("has cases for every surface", () => {
    const fns = new Set(golden.cases.map((c) => c.fn));
    for (const f of ["lax.linalg.cholesky", "lax.linalg.eigh", "lax.linalg.lu", "lax.linalg.qr", "lax.linalg.svd", "lax.linalg.triangularSolve"]) expect(fns).toContain(f);
    expect(golden.cases.some((c) => c.name.endsWith("float64"))).toBe(true);
  });

  for (const c of golden.cases) {
    it(c.name, () => {
      const args = c.args.map(decodeArg);
      const outs = call(c, args);
      const errs: string[] = [];
      expect(outs.length, "number of outputs").toBe(c.out.length);
      outs.forEach((o, i) => {
        const e = c.out[i];
        if (!e || c.form[i] === "sq") return; // sign-ambiguous: through reconstructions below
        close(o, decodeArray(e), c.rtol, c.atol, `output ${i}`, errs);
      });
      if (c.recon === "eigh") {
        const [w, v] = c.fn === "lax.linalg.eigh" ? [outs[1]!, outs[0]!] : [outs[0]!, outs[1]!];
        close(w, decodeArray(c.out[c.fn === "lax.linalg.eigh" ? 1 : 0]!), c.rtol, c.atol, "eigenvalues", errs);
        checkEigh(args[0] as A, w, v, c, errs);
      }
      if (c.recon === "svd") {
        const [u, s, vh] = outs as [A, A, A];
        close(s, decodeArray(c.out[1]!), c.rtol, c.atol, "singular values", errs);
        checkSvd(args[0] as A, u, s, vh, c, errs);
      }
      if (c.grad && c.gradArgs) {
        const weights = c.weights.map((w) => (w ? decodeArray(w) : null));
        const loss = (...xs: A[]) => {
          const full = [...args];
          c.gradArgs!.forEach((ai, k) => (full[ai] = xs[k]));
          const o = call(c, full);
          let total: A | null = null;
          o.forEach((oi, i) => {
            const w = weights[i];
            if (c.form[i] === "skip" || !w) return;
            const t = np.sum(np.multiply(c.form[i] === "sq" ? np.multiply(oi, oi) : oi, w));
            total = total === null ? t : np.add(total, t);
          });
          return total!;
        };
        const gs = grad(loss, { argnums: c.gradArgs.map((_, k) => k) })(...c.gradArgs.map((i) => args[i] as A)) as A[];
        const [grtol, gatol] = c.gtol!;
        c.grad.forEach((g, k) => {
          const exp = decodeArray(g);
          const scale = Math.max(1, Number(np.max(np.abs(exp))));
          close(gs[k]!, exp, grtol, gatol * scale, `gradient ${k}`, errs);
        });
      }
      expect(errs).toEqual([]);
    });
  }
});
