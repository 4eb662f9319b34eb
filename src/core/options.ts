/**
 * Argument normalization for every public function: one place that binds JAX's (NumPy's,
 * optax's, stax's) positional arguments and the trailing options object to named parameters,
 * and rejects what does not fit.
 *
 * A function describes its parameters once, in its Python original's order:
 *
 *   const a = bindArgs("optax.adam", args, {
 *     learningRate: required(scalarOrSchedule),
 *     b1: arrayLike,
 *     b2: arrayLike,
 *     nesterov: keywordOnly(bool), // keyword-only in optax too
 *   });
 *
 * and gets back `{learningRate, b1, b2, nesterov}` (undefined where not given), so
 * `adam(0.1, 0.8)` and `adam(0.1, {b1: 0.8})` bind the same. A trailing plain object is the
 * options unless the parameter in its position takes objects (`Kind.objectValue`). Nothing is dropped
 * silently: an unknown key (with a "did you mean" for misspellings such as `static_argnums` or
 * `argnum`), a value of the wrong kind, a value given twice, a missing required argument or an
 * extra argument is a TypeError that names the function and shows what it accepts. TypeError
 * because that is what Python raises for an unexpected keyword argument.
 */
import { isDType } from "../../ir/dtype.js";
import { JArray } from "./array.js";

// --- kinds: what one argument may be ---------------------------------------------------------

/** What one argument may be: a phrase for messages and a test. `T` is the value's TS type. */
export interface Kind<T> {
  /** "a number", "one of "SAME", "VALID"": completes "must be ...". */
  readonly what: string;
  readonly test: (v: unknown) => boolean;
  /**
   * A plain object is a legitimate value of this argument (a dict of boundaries, a mask tree),
   * so a trailing plain object in its position is the argument, not the options.
   */
  readonly objectValue?: boolean;
  /** Phantom: carries `T` for the bound result's type. */
  readonly __type?: T;
}

export const kind = <T>(what: string, test: (v: unknown) => boolean, objectValue = false): Kind<T> => ({ what, test, objectValue });

export const any: Kind<any> = kind("anything", () => true, true);
/**
 * Any value, validated afterwards by the function itself (which has the better, value-specific
 * message: a key's shape, a dtype JAX rejects with ValueError). Unlike `any`, a plain object in
 * its position is the options.
 */
export const checkedLater = <T = any>(what: string): Kind<T> => kind<T>(what, () => true);
export const num: Kind<number> = kind("a number", (v) => typeof v === "number");
export const int: Kind<number> = kind("an integer", (v) => Number.isInteger(v));
export const nonNegInt: Kind<number> = kind("a non-negative integer", (v) => Number.isInteger(v) && (v as number) >= 0);
export const bool: Kind<boolean> = kind("a boolean", (v) => typeof v === "boolean");
export const str: Kind<string> = kind("a string", (v) => typeof v === "string");
export const fn: Kind<(...a: any[]) => any> = kind("a function", (v) => typeof v === "function");
export const array: Kind<JArray> = kind("an array", (v) => v instanceof JArray);
/** A JS number, boolean or array: numpy's ArrayLike. */
export const arrayLike: Kind<number | boolean | JArray> = kind(
  "a number or an array",
  (v) => typeof v === "number" || typeof v === "boolean" || v instanceof JArray,
);
export const dtype = kind<import("../../ir/dtype.js").DType>(
  `a dtype ("float32", "float64", "int32", "uint32", "bool", "int8", "uint8" or "float16")`,
  (v) => isDType(v),
);
/** Any object or array: trees, masks, dicts. */
export const object: Kind<any> = kind("an object", (v) => typeof v === "object" && v !== null, true);
export const ints: Kind<readonly number[]> = kind("an array of integers", (v) => Array.isArray(v) && v.every((x) => Number.isInteger(x)));
/** One integer or an array of them (argnums, axes). */
export const intOrInts: Kind<number | readonly number[]> = kind(
  "an integer or an array of integers",
  (v) => Number.isInteger(v) || (Array.isArray(v) && v.every((x) => Number.isInteger(x))),
);
export function oneOf<const V extends readonly (string | number | boolean | null)[]>(...values: V): Kind<V[number]> {
  return kind(`one of ${values.map((v) => JSON.stringify(v)).join(", ")}`, (v) => values.includes(v as V[number]));
}

export function orNull<T>(k: Kind<T>): Kind<T | null> {
  return kind(`${k.what} or null`, (v) => v === null || k.test(v), k.objectValue);
}

export function union<A, B>(a: Kind<A>, b: Kind<B>): Kind<A | B> {
  return kind(`${a.what} or ${b.what}`, (v) => a.test(v) || b.test(v), a.objectValue || b.objectValue);
}

export function arrayOf<T>(k: Kind<T>, what = `an array of ${k.what.replace(/^an? /, "")}s`): Kind<readonly T[]> {
  return kind(what, (v) => Array.isArray(v) && v.every((x) => k.test(x)));
}

/** `k`, further restricted: `refine(num, "a number in [0, 1)", (r) => r >= 0 && r < 1)`. */
export function refine<T>(k: Kind<T>, what: string, test: (v: T) => boolean): Kind<T> {
  return kind(what, (v) => k.test(v) && test(v as T), k.objectValue);
}

// --- parameters: where an argument may be given ------------------------------------------------

/** A parameter: its kind, and whether it is required and where it may appear. */
export interface Param<T, Req extends boolean> {
  readonly kind: Kind<T>;
  readonly required: Req;
  /** May be passed positionally (in declaration order). */
  readonly positional: boolean;
  /** May be passed as a key of the trailing options object. */
  readonly keyword: boolean;
}

/** A required argument, positional only unless `{keyword: true}` (optax's schedules take both). */
export function required<T>(k: Kind<T>, opts: { keyword?: boolean } = {}): Param<T, true> {
  return { kind: k, required: true, positional: true, keyword: opts.keyword ?? false };
}
/** An optional argument that may only appear in the options object (Python's keyword-only). */
export function keywordOnly<T>(k: Kind<T>): Param<T, false> {
  return { kind: k, required: false, positional: false, keyword: true };
}

/** A bare Kind is an optional argument given positionally or by name. */
export type Spec = Record<string, Kind<any> | Param<any, boolean>>;

type ValueOf<P> = P extends Param<infer T, infer R> ? (R extends true ? T : T | undefined) : P extends Kind<infer T> ? T | undefined : never;
export type Bound<S extends Spec> = { -readonly [K in keyof S]: ValueOf<S[K]> };

const asParam = (p: Kind<unknown> | Param<unknown, boolean>): Param<unknown, boolean> =>
  "kind" in p ? p : { kind: p, required: false, positional: true, keyword: true };

/** A plain `{...}` object (not an array, an np.Array, a TypedArray or a class instance). */
export function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== "object" || v === null) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** A value as an error message shows it. */
function show(v: unknown): string {
  if (v === undefined) return "undefined";
  if (typeof v === "function") return `a function${v.name ? ` ${v.name}` : ""}`;
  if (v instanceof JArray) return `an array ${v.aval}`;
  if (typeof v === "object" && v !== null && !Array.isArray(v) && !isPlainObject(v)) return `an object of class ${v.constructor?.name ?? "?"}`;
  try {
    const s = JSON.stringify(v);
    if (s !== undefined) return s.length > 60 ? `${s.slice(0, 57)}...` : s;
  } catch {}
  return String(v);
}

/**
 * How a function is called, both forms where they differ: `optax.sgd(learningRate, momentum?,
 * nesterov?) or optax.sgd(learningRate, {momentum?, nesterov?, accumulatorDtype?})`.
 */
export function usage(fname: string, spec: Spec, leading: readonly string[] = []): string {
  const params = Object.entries(spec).map(([name, p]) => [name, asParam(p)] as const);
  const label = ([n, p]: readonly [string, Param<unknown, boolean>]) => (p.required ? n : `${n}?`);
  const req = params.filter(([, p]) => p.positional && p.required).map(label);
  const optPos = params.filter(([, p]) => p.positional && !p.required).map(label);
  const kw = params.filter(([, p]) => p.keyword).map(label);
  const call = (parts: readonly string[]) => `${fname}(${[...leading, ...parts].join(", ")})`;
  const withOpts = call([...req, ...(kw.length > 0 ? [`{${kw.join(", ")}}`] : [])]);
  if (optPos.length === 0) return withOpts;
  if (kw.length === 0) return call([...req, ...optPos]);
  return `${call([...req, ...optPos])} or ${withOpts}`;
}

const normalizeName = (s: string) => s.toLowerCase().replace(/[_\-\s]/g, "");

function editDistance(a: string, b: string): number {
  const d = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = d[0]!;
    d[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = d[j]!;
      d[j] = Math.min(d[j]! + 1, d[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return d[b.length]!;
}

/** Common names from elsewhere that mean one of ours. */
const ALIASES: Record<string, string> = { lr: "learningRate", stepsize: "learningRate", keepdim: "keepdims" };

/** The known name a misspelled key most likely meant (snake_case, a dropped letter, a typo). */
export function didYouMean(key: string, known: readonly string[]): string | undefined {
  const n = normalizeName(key);
  const exact = known.find((k) => normalizeName(k) === n);
  if (exact !== undefined) return exact;
  const alias = ALIASES[n];
  if (alias !== undefined && known.includes(alias)) return alias;
  let best: string | undefined;
  let bestD = Infinity;
  for (const k of known) {
    const dist = editDistance(n, normalizeName(k));
    if (dist < bestD) [best, bestD] = [k, dist];
  }
  return bestD <= Math.max(1, Math.floor(n.length / 4)) ? best : undefined;
}

/** The TypeError for a user mistake, with how the function is called. */
function fail(fname: string, spec: Spec, leading: readonly string[], msg: string): never {
  throw new TypeError(`${fname}: ${msg}. Usage: ${usage(fname, spec, leading)}`);
}

function unknownKeyMessage(key: string, params: readonly (readonly [string, Param<unknown, boolean>])[]): string {
  const kws = params.filter(([, p]) => p.keyword).map(([n]) => n);
  const positionalOnly = params.find(([n, p]) => n === key && !p.keyword);
  if (positionalOnly) return `"${key}" is not an option: pass it as a positional argument`;
  const hint = didYouMean(key, params.map(([n]) => n));
  const where = hint && !kws.includes(hint) ? ` (as a positional argument)` : "";
  return `unknown option "${key}"${hint ? ` (did you mean ${hint}${where}?)` : ""}; the options are ${kws.length > 0 ? kws.join(", ") : "none"}`;
}

interface Compiled {
  params: (readonly [string, Param<unknown, boolean>])[];
  positional: (readonly [string, Param<unknown, boolean>])[];
  hasKeywords: boolean;
}
/** Specs are module-level constants, mostly: their parameter lists are worked out once (eager ops call this per op). */
const compiledSpecs = new WeakMap<Spec, Compiled>();
function compiled(spec: Spec): Compiled {
  let c = compiledSpecs.get(spec);
  if (c === undefined) {
    const params = Object.entries(spec).map(([name, p]) => [name, asParam(p)] as const);
    c = { params, positional: params.filter(([, p]) => p.positional), hasKeywords: params.some(([, p]) => p.keyword) };
    compiledSpecs.set(spec, c);
  }
  return c;
}

/**
 * Binds `args` (everything after `leading`, the arguments the caller already took, named in
 * messages only) to `spec`'s parameters: positional arguments in declaration order, then the
 * keys of a trailing plain object. See the module comment.
 */
export function bindArgs<S extends Spec>(fname: string, args: readonly unknown[], spec: S, leading: readonly string[] = []): Bound<S> {
  const { params, positional, hasKeywords } = compiled(spec);
  let posArgs = args;
  let options: Record<string, unknown> | undefined;
  const last = args[args.length - 1];
  if (args.length > 0 && isPlainObject(last)) {
    const slot = positional[args.length - 1];
    if (!(slot && slot[1].kind.objectValue)) {
      options = last;
      posArgs = args.slice(0, -1);
    }
  }
  // Trailing undefineds are JS's way of not passing an argument (`f(x, opts?.a)`).
  let n = posArgs.length;
  while (n > 0 && posArgs[n - 1] === undefined) n--;
  posArgs = posArgs.slice(0, n);
  if (posArgs.length > positional.length) {
    const extra = posArgs[positional.length];
    const what = positional.length === 0 ? "no positional arguments" : `at most ${positional.length} positional argument${positional.length === 1 ? "" : "s"}`;
    const after = leading.length > 0 ? ` after ${leading.join(", ")}` : "";
    fail(
      fname,
      spec,
      leading,
      `takes ${what}${after} but got ${posArgs.length} (the extra one is ${show(extra)})` +
        (hasKeywords && !isPlainObject(extra) && positional.length === posArgs.length - 1 ? "; options go in one trailing object" : ""),
    );
  }
  const out: Record<string, unknown> = {};
  posArgs.forEach((v, i) => {
    if (v !== undefined) out[positional[i]![0]] = v;
  });
  if (options !== undefined) {
    for (const [key, v] of Object.entries(options)) {
      const p = params.find(([name]) => name === key);
      if (p === undefined || !p[1].keyword) fail(fname, spec, leading, unknownKeyMessage(key, params));
      if (v === undefined) continue;
      if (key in out) fail(fname, spec, leading, `got multiple values for argument "${key}" (positionally and in the options)`);
      out[key] = v;
    }
  }
  for (const [name, p] of params) {
    const v = out[name];
    if (v === undefined) {
      if (p.required) fail(fname, spec, leading, `missing required argument "${name}"`);
      continue;
    }
    if (!p.kind.test(v)) fail(fname, spec, leading, `${name} must be ${p.kind.what}, got ${show(v)}`);
  }
  return out as Bound<S>;
}

/** checkOptions's specs with every entry keyword-only, worked out once per spec. */
const keywordSpecs = new WeakMap<Spec, Spec>();

/**
 * Checks a trailing options object (`undefined` allowed) against `spec`, every entry of which
 * is an option: for functions whose other arguments are handled by hand (numpy's `axis`).
 * `leading` names the arguments before it, for the usage line.
 */
export function checkOptions<S extends Record<string, Kind<any>>>(fname: string, opts: unknown, spec: S, leading: readonly string[] = []): Bound<S> {
  if (opts === undefined) return {} as Bound<S>;
  let kwSpec = keywordSpecs.get(spec);
  if (kwSpec === undefined) {
    kwSpec = Object.fromEntries(Object.entries(spec).map(([k, v]) => [k, keywordOnly(v)])) as Spec;
    keywordSpecs.set(spec, kwSpec);
  }
  if (!isPlainObject(opts)) fail(fname, kwSpec, leading, `expected an options object as the last argument, got ${show(opts)}`);
  return bindArgs(fname, [opts], kwSpec, leading) as Bound<S>;
}
