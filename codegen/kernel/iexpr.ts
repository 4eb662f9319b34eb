/**
 * Index expressions: the integer arithmetic that turns a kernel's loop variables into a flat
 * element position. Views (broadcast, reshape, transpose, slice, rev, squeeze, pad,
 * concatenate) are nothing but index expressions, so they never copy.
 *
 * An expression is kept in a canonical affine form `c + sum(coef * atom)`, where an atom is a
 * loop variable or a non-affine piece (floor division, modulo, clamp) of another expression.
 * Every loop variable has a known extent, so each expression has a known range, which lets the
 * constructors simplify: `floor((6*i + j) / 3)` with `j < 3` is `2*i`, `(6*i + j) % 3` is `j`,
 * and a clamp that cannot bind disappears. Renderers ask for the coefficient of their innermost
 * variable to decide between contiguous, broadcast and gathered loads.
 */

/** A loop variable, ranging over [0, extent). */
export interface IVar {
  readonly k: "var";
  readonly id: number;
  readonly extent: number;
  /** For printing: a letter and a role. */
  readonly name: string;
}

export type IAtom =
  | IVar
  | { readonly k: "div"; readonly a: IExpr; readonly d: number }
  | { readonly k: "mod"; readonly a: IExpr; readonly d: number }
  | { readonly k: "clamp"; readonly a: IExpr; readonly lo: number; readonly hi: number }
  /**
   * A data-dependent index: the integer in buffer `buf` at flat position `a`, clamped into
   * [lo, hi] (gather and dynamic-slice starts, clamped as XLA clamps them). The buffer is never
   * written by a kernel that reads it this way (scatter kernels read their indices, not their output).
   */
  | { readonly k: "read"; readonly buf: number; readonly a: IExpr; readonly dtype: "int32" | "uint32"; readonly lo: number; readonly hi: number };

export interface ITerm {
  readonly atom: IAtom;
  readonly coef: number;
}

/** `c + sum(coef * atom)`, terms sorted by atom key, no zero coefficients. */
export interface IExpr {
  readonly c: number;
  readonly terms: readonly ITerm[];
  readonly key: string;
}

/**
 * The extent that stands for "a length given at run time" in size-generic programs (eager
 * elementwise primitives are compiled once for every length). Large, so that range analysis
 * never assumes it small.
 */
export const DYNAMIC_EXTENT = 2 ** 30;

export const isDynamic = (v: IVar): boolean => v.extent === DYNAMIC_EXTENT;

let nextVarId = 0;

export function newVar(extent: number, name = "i"): IVar {
  return { k: "var", id: nextVarId++, extent, name };
}

export function atomKey(a: IAtom): string {
  switch (a.k) {
    case "var":
      return `v${a.id}`;
    case "div":
      return `(${a.a.key})/${a.d}`;
    case "mod":
      return `(${a.a.key})%${a.d}`;
    case "clamp":
      return `clamp(${a.a.key},${a.lo},${a.hi})`;
    case "read":
      return `read${a.buf}:${a.dtype}[${a.a.key}]in${a.lo},${a.hi}`;
  }
}

function make(c: number, terms: ITerm[]): IExpr {
  terms.sort((x, y) => (atomKey(x.atom) < atomKey(y.atom) ? -1 : 1));
  const key = terms.map((t) => `${t.coef}*${atomKey(t.atom)}`).join("+") + `+${c}`;
  return { c, terms, key };
}

export const iconst = (c: number): IExpr => make(c, []);
export const ivar = (v: IVar): IExpr => (v.extent === 1 ? iconst(0) : make(0, [{ atom: v, coef: 1 }]));
const iatom = (a: IAtom): IExpr => make(0, [{ atom: a, coef: 1 }]);

/** Sum of expressions and constants. */
export function iadd(...xs: (IExpr | number)[]): IExpr {
  let c = 0;
  const acc = new Map<string, ITerm>();
  for (const x of xs) {
    if (typeof x === "number") {
      c += x;
      continue;
    }
    c += x.c;
    for (const t of x.terms) {
      const k = atomKey(t.atom);
      const prev = acc.get(k);
      acc.set(k, { atom: t.atom, coef: (prev?.coef ?? 0) + t.coef });
    }
  }
  // k*d*floor(x/d) + k*(x mod d) = k*x: undoes unravel-then-flatten (reshape chains, stores).
  for (let changed = true; changed; ) {
    changed = false;
    for (const [key, t] of acc) {
      const a = t.atom;
      if (a.k !== "mod" || t.coef === 0) continue;
      const partner = idiv(a.a, a.d);
      if (partner.c !== 0 || partner.terms.length !== 1 || partner.terms[0]!.coef !== 1) continue;
      const pk = atomKey(partner.terms[0]!.atom);
      const p = acc.get(pk);
      if (p === undefined || p.coef !== t.coef * a.d) continue;
      acc.delete(key);
      acc.delete(pk);
      c += t.coef * a.a.c;
      for (const u of a.a.terms) {
        const k = atomKey(u.atom);
        const prev = acc.get(k);
        acc.set(k, { atom: u.atom, coef: (prev?.coef ?? 0) + t.coef * u.coef });
      }
      changed = true;
      break;
    }
  }
  return make(
    c,
    [...acc.values()].filter((t) => t.coef !== 0),
  );
}

export function iscale(x: IExpr, k: number): IExpr {
  if (k === 0) return iconst(0);
  if (k === 1) return x;
  return make(
    x.c * k,
    x.terms.map((t) => ({ atom: t.atom, coef: t.coef * k })),
  );
}

/** The closed range [lo, hi] an expression takes over its variables' extents. */
export function irange(x: IExpr): [number, number] {
  let lo = x.c;
  let hi = x.c;
  for (const t of x.terms) {
    const [alo, ahi] = atomRange(t.atom);
    if (t.coef >= 0) {
      lo += t.coef * alo;
      hi += t.coef * ahi;
    } else {
      lo += t.coef * ahi;
      hi += t.coef * alo;
    }
  }
  return [lo, hi];
}

function atomRange(a: IAtom): [number, number] {
  switch (a.k) {
    case "var":
      return [0, Math.max(0, a.extent - 1)];
    case "div": {
      const [lo, hi] = irange(a.a);
      return [Math.floor(lo / a.d), Math.floor(hi / a.d)];
    }
    case "mod": {
      const [lo, hi] = irange(a.a);
      if (lo >= 0 && hi < a.d) return [lo, hi];
      return [0, a.d - 1];
    }
    case "clamp": {
      const [lo, hi] = irange(a.a);
      return [Math.min(Math.max(lo, a.lo), a.hi), Math.min(Math.max(hi, a.lo), a.hi)];
    }
    case "read":
      return [a.lo, a.hi];
  }
}

const mod = (a: number, d: number) => ((a % d) + d) % d;

/** Splits x into (multiple of d part / d, remainder part with constant in [0, d)). */
function splitBy(x: IExpr, d: number): { q: IExpr; r: IExpr } {
  const qTerms: ITerm[] = [];
  const rTerms: ITerm[] = [];
  for (const t of x.terms) {
    if (t.coef % d === 0) qTerms.push({ atom: t.atom, coef: t.coef / d });
    else rTerms.push(t);
  }
  const cr = mod(x.c, d);
  const cq = (x.c - cr) / d;
  return { q: make(cq, qTerms), r: make(cr, rTerms) };
}

/** Floor division by a positive constant. */
export function idiv(x: IExpr, d: number): IExpr {
  if (d === 1) return x;
  // floor(floor(y / a) / d) = floor(y / (a * d)): one canonical form for nested divisions.
  if (x.c === 0 && x.terms.length === 1 && x.terms[0]!.coef === 1 && x.terms[0]!.atom.k === "div") {
    const inner = x.terms[0]!.atom;
    return idiv(inner.a, inner.d * d);
  }
  const { q, r } = splitBy(x, d);
  const [lo, hi] = irange(r);
  const flo = Math.floor(lo / d);
  if (flo === Math.floor(hi / d)) return iadd(q, flo);
  return iadd(q, iatom({ k: "div", a: r, d }));
}

/** Floor modulo by a positive constant (result in [0, d)). */
export function imod(x: IExpr, d: number): IExpr {
  if (d === 1) return iconst(0);
  const { r } = splitBy(x, d);
  const [lo, hi] = irange(r);
  const flo = Math.floor(lo / d);
  if (flo === Math.floor(hi / d)) return iadd(r, -flo * d);
  return iatom({ k: "mod", a: r, d });
}

/** Clamps into [lo, hi]. */
export function iclamp(x: IExpr, lo: number, hi: number): IExpr {
  const [a, b] = irange(x);
  if (a >= lo && b <= hi) return x;
  if (b <= lo) return iconst(lo);
  if (a >= hi) return iconst(hi);
  return iatom({ k: "clamp", a: x, lo, hi });
}

/**
 * The integer stored in `buf` at flat position `at`, clamped into [lo, hi] (a constant when the
 * range has one point). Only int32 and uint32 buffers hold indices in kernels.
 */
export function iread(buf: number, at: IExpr, dtype: "int32" | "uint32", lo: number, hi: number): IExpr {
  if (hi <= lo) return iconst(lo);
  if (dtype === "uint32" && lo < 0) throw new Error("internal: a uint32 index clamped below 0");
  return iatom({ k: "read", buf, a: at, dtype, lo, hi });
}

/** Row-major flat position of a multi-index in a shape. */
export function flatten(idx: readonly IExpr[], shape: readonly number[]): IExpr {
  let acc = iconst(0);
  let stride = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    acc = iadd(acc, iscale(idx[d]!, stride));
    stride *= shape[d]!;
  }
  return acc;
}

/** The multi-index of a flat position in a shape. */
export function unravel(flat: IExpr, shape: readonly number[]): IExpr[] {
  const out = new Array<IExpr>(shape.length);
  let stride = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    const n = shape[d]!;
    out[d] = d === 0 ? idiv(flat, stride) : imod(idiv(flat, stride), n);
    stride *= n;
  }
  return out;
}

/** Coefficient of v among the top-level terms (0 if absent). */
export function coefOf(x: IExpr, v: IVar): number {
  for (const t of x.terms) if (t.atom.k === "var" && t.atom.id === v.id) return t.coef;
  return 0;
}

/** Whether v occurs inside a non-affine atom. */
export function inAtoms(x: IExpr, v: IVar): boolean {
  return x.terms.some((t) => t.atom.k !== "var" && dependsOn(t.atom.a, v));
}

export function dependsOn(x: IExpr, v: IVar): boolean {
  return x.terms.some((t) => (t.atom.k === "var" ? t.atom.id === v.id : dependsOn(t.atom.a, v)));
}

/** Every variable occurring in x. */
export function varsOf(x: IExpr, out = new Map<number, IVar>()): Map<number, IVar> {
  for (const t of x.terms) {
    if (t.atom.k === "var") out.set(t.atom.id, t.atom);
    else varsOf(t.atom.a, out);
  }
  return out;
}

/** The buffers a data-dependent index reads (its `read` atoms, nested ones included). */
export function readBuffers(x: IExpr, out = new Set<number>()): Set<number> {
  for (const t of x.terms) {
    if (t.atom.k === "var") continue;
    if (t.atom.k === "read") out.add(t.atom.buf);
    readBuffers(t.atom.a, out);
  }
  return out;
}

/** Replaces variables (those `f` maps) and re-simplifies. */
export function isubst(x: IExpr, f: (v: IVar) => IExpr | undefined): IExpr {
  const parts: IExpr[] = [iconst(x.c)];
  for (const t of x.terms) {
    const a = t.atom;
    let e: IExpr;
    switch (a.k) {
      case "var":
        e = f(a) ?? iatom(a);
        break;
      case "div":
        e = idiv(isubst(a.a, f), a.d);
        break;
      case "mod":
        e = imod(isubst(a.a, f), a.d);
        break;
      case "clamp":
        e = iclamp(isubst(a.a, f), a.lo, a.hi);
        break;
      case "read":
        e = iread(a.buf, isubst(a.a, f), a.dtype, a.lo, a.hi);
        break;
    }
    parts.push(iscale(e, t.coef));
  }
  return iadd(...parts);
}

/** Evaluates with concrete variable values (for tests and host-side checks); `read` atoms need `mem`. */
export function ieval(x: IExpr, env: (v: IVar) => number, mem?: (buf: number, at: number) => number): number {
  let s = x.c;
  for (const t of x.terms) {
    const a = t.atom;
    let v: number;
    switch (a.k) {
      case "var":
        v = env(a);
        break;
      case "div":
        v = Math.floor(ieval(a.a, env, mem) / a.d);
        break;
      case "mod":
        v = mod(ieval(a.a, env, mem), a.d);
        break;
      case "clamp":
        v = Math.min(Math.max(ieval(a.a, env, mem), a.lo), a.hi);
        break;
      case "read":
        if (mem === undefined) throw new Error("internal: ieval of a data-dependent index without memory");
        v = Math.min(Math.max(mem(a.buf, ieval(a.a, env, mem)), a.lo), a.hi);
        break;
    }
    s += t.coef * v;
  }
  return s;
}

export function showIExpr(x: IExpr, name: (v: IVar) => string = (v) => `${v.name}${v.id}`): string {
  const atom = (a: IAtom): string => {
    switch (a.k) {
      case "var":
        return name(a);
      case "div":
        return `(${showIExpr(a.a, name)})/${a.d}`;
      case "mod":
        return `(${showIExpr(a.a, name)})%${a.d}`;
      case "clamp":
        return `clamp(${showIExpr(a.a, name)}, ${a.lo}, ${a.hi})`;
      case "read":
        return `read(b${a.buf}[${showIExpr(a.a, name)}], ${a.lo}, ${a.hi})`;
    }
  };
  const parts = x.terms.map((t) => (t.coef === 1 ? atom(t.atom) : `${t.coef}*${atom(t.atom)}`));
  if (x.c !== 0 || parts.length === 0) parts.push(String(x.c));
  return parts.join(" + ");
}
