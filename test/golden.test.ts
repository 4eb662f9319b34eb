/**
 * Golden values from real JAX (DESIGN.md, "How we know it is right" #4).
 *
 * test/golden/gen_numpy.py runs JAX 0.10.2 and writes test/golden/numpy.json; this file replays
 * every case against jaxts's `np` and compares dtype and shape exactly and values within a
 * tolerance set by the output dtype and the kind of operation (see TOLERANCES). A case whose
 * function jaxts does not have fails with a message that says so: missing work is a failure,
 * not a skip.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ValueError } from "../src/errors.js";
import * as np from "../src/numpy/index.js";

// --- the JSON format (see gen_numpy.py's docstring) ---------------------------------------------

type Nested = number | string | boolean | Nested[];
interface EncArray {
  array: Nested;
  dtype: string;
  shape: number[];
}
type EncArg = EncArray | { slice: (number | null)[] } | number | boolean | string | null | EncArg[];
type EncOut = EncArray | EncOut[] | boolean;
type TolClass = "exact" | "transcendental" | "reduce";
interface GoldenCase {
  name: string;
  fn: string;
  args: EncArg[];
  opts?: Record<string, EncArg>;
  tol?: TolClass;
  rtol?: number;
  atol?: number;
  out?: EncOut;
  raises?: "ValueError" | "TypeError";
}
interface GoldenFile {
  jax_version: string;
  cases: GoldenCase[];
}

const golden: GoldenFile = JSON.parse(readFileSync(new URL("./golden/numpy.json", import.meta.url), "utf8"));

/**
 * [rtol, atol] by output dtype and operation kind. "exact": correctly rounded ops (float32
 * results may differ by a few ulps where JAX computes differently, e.g. linspace); "transcendental":
 * JAX's XLA kernels are accurate to a few ulps (a case may widen this to JAX's measured error
 * against a float64 reference, via its own rtol/atol); "reduce": sums whose order differs.
 */
const TOLERANCES: Record<string, Record<TolClass, [number, number]>> = {
  float32: { exact: [1e-6, 0], transcendental: [2e-6, 0], reduce: [1e-5, 1e-6] },
  float64: { exact: [1e-15, 0], transcendental: [1e-13, 0], reduce: [1e-12, 1e-14] },
};

// --- decoding -------------------------------------------------------------------------------------

function decodeScalar(v: Nested): number | boolean {
  if (v === "nan") return NaN;
  if (v === "inf") return Infinity;
  if (v === "-inf") return -Infinity;
  if (typeof v === "number" || typeof v === "boolean") return v;
  throw new Error(`golden encoding: unexpected value ${JSON.stringify(v)}`);
}

function decodeNested(v: Nested): any {
  return Array.isArray(v) ? v.map(decodeNested) : decodeScalar(v);
}

function flatten(v: Nested, out: (number | boolean)[] = []): (number | boolean)[] {
  if (Array.isArray(v)) for (const x of v) flatten(x, out);
  else out.push(decodeScalar(v));
  return out;
}

function isEncArray(v: unknown): v is EncArray {
  return typeof v === "object" && v !== null && !Array.isArray(v) && "array" in v;
}

function buildArray(a: EncArray): np.Array {
  const dtype = a.dtype as np.DType;
  // Nested lists cannot express a size-0 array of any shape, so those are built as zeros.
  const x = a.shape.includes(0) ? np.zeros(a.shape, { dtype }) : np.array(decodeNested(a.array), { dtype });
  if (x.dtype !== a.dtype || JSON.stringify(x.shape) !== JSON.stringify(a.shape))
    throw new Error(`golden input: built ${x.dtype}[${x.shape}] for ${a.dtype}[${a.shape}]`);
  return x;
}

function decodeArg(v: EncArg): any {
  if (v === null || typeof v !== "object") return v;
  if (Array.isArray(v)) return v.map(decodeArg);
  if (isEncArray(v)) return buildArray(v);
  if ("slice" in v) return v.slice; // jaxts writes a slice as [start, stop, step]
  throw new Error(`golden encoding: unexpected argument ${JSON.stringify(v)}`);
}

// --- calling jaxts ---------------------------------------------------------------------------------

const AT_OPS: Record<string, string> = { atSet: "set", atAdd: "add", atMul: "mul", atMin: "min", atMax: "max" };

function missing(what: string): never {
  throw new Error(`NOT IMPLEMENTED: ${what} does not exist in jaxts`);
}

function callJaxts(c: GoldenCase): unknown {
  const args = c.args.map(decodeArg);
  const opts = c.opts ? [Object.fromEntries(Object.entries(c.opts).map(([k, v]) => [k, decodeArg(v)]))] : [];
  const self = args[0] as np.Array;
  if (c.fn === "getIndex") {
    if (typeof self.slice !== "function") missing("x.slice(...index)");
    return self.slice(...(args[1] as np.Index[]));
  }
  if (c.fn in AT_OPS) {
    if (typeof self.at !== "function") missing("x.at(...index)");
    const ref: any = self.at(...(args[1] as np.Index[]));
    const op = AT_OPS[c.fn]!;
    if (typeof ref?.[op] !== "function") missing(`x.at(...).${op}`);
    return ref[op](args[2], ...opts);
  }
  if (c.fn === "prop.T") return self.T;
  if (c.fn.startsWith("method.")) {
    const m = c.fn.slice("method.".length);
    const f = (self as any)[m];
    if (typeof f !== "function") missing(`the array method x.${m}`);
    return f.call(self, ...args.slice(1), ...opts);
  }
  const f = (np as any)[c.fn];
  if (typeof f !== "function") missing(`np.${c.fn}`);
  return f(...args, ...opts);
}

// --- comparing -------------------------------------------------------------------------------------

function fmt(v: number | boolean): string {
  return typeof v === "number" && Object.is(v, -0) ? "-0" : String(v);
}

function compareArray(got: unknown, want: EncArray, c: GoldenCase, where: string): void {
  if (!(got instanceof np.Array)) throw new Error(`${where}: expected an np.Array, got ${String(got)}`);
  expect(got.dtype, `${where}: dtype`).toBe(want.dtype);
  expect([...got.shape], `${where}: shape`).toEqual(want.shape);
  const expected = flatten(want.array);
  const actual = Array.from(got.dataSync() as ArrayLike<number>);
  expect(actual.length, `${where}: size`).toBe(expected.length);
  const isFloat = want.dtype === "float32" || want.dtype === "float64";
  const [rtol0, atol0] = isFloat ? TOLERANCES[want.dtype]![c.tol ?? "exact"] : [0, 0];
  const rtol = c.rtol ?? rtol0;
  const atol = c.atol ?? atol0;
  const bad: string[] = [];
  let nBad = 0;
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i]!;
    const a = actual[i]!;
    let ok: boolean;
    if (typeof e === "boolean") ok = a === (e ? 1 : 0);
    else if (!isFloat) ok = a === e;
    else if (Number.isNaN(e)) ok = Number.isNaN(a);
    else if (!Number.isFinite(e)) ok = a === e;
    else {
      // The expected value is the shortest decimal for a float32; compare with that float32.
      const ee = want.dtype === "float32" ? Math.fround(e) : e;
      ok = Number.isFinite(a) && Math.abs(a - ee) <= atol + rtol * Math.abs(ee);
    }
    if (!ok) {
      nBad++;
      if (bad.length < 6) bad.push(`  [flat ${i}] got ${fmt(a)}, want ${fmt(e)}`);
    }
  }
  if (nBad > 0)
    throw new Error(
      `${where}: ${nBad} of ${expected.length} values differ (${want.dtype}, rtol ${rtol}, atol ${atol}):\n${bad.join("\n")}`,
    );
}

function compare(got: unknown, want: EncOut, c: GoldenCase, where = "result"): void {
  if (typeof want === "boolean") {
    const v = got instanceof np.Array ? got.item() : got;
    expect(v, `${where}: boolean`).toBe(want);
  } else if (Array.isArray(want)) {
    if (!Array.isArray(got)) throw new Error(`${where}: expected a list of ${want.length} arrays, got ${String(got)}`);
    expect(got.length, `${where}: number of outputs`).toBe(want.length);
    want.forEach((w, i) => compare(got[i], w, c, `${where}[${i}]`));
  } else compareArray(got, want, c, where);
}

// --- the cases -------------------------------------------------------------------------------------

const families = new Map<string, GoldenCase[]>();
for (const c of golden.cases) {
  const family = c.name.split("/")[0]!;
  if (!families.has(family)) families.set(family, []);
  families.get(family)!.push(c);
}

describe(`numpy golden values from JAX ${golden.jax_version}`, () => {
  for (const [family, cases] of families) {
    describe(family, () => {
      it.each(cases.map((c) => [c.name.slice(family.length + 1) || c.name, c] as const))("%s", (_, c) => {
        if (c.raises) {
          let err: unknown;
          try {
            callJaxts(c);
          } catch (e) {
            err = e;
          }
          if (err instanceof Error && err.message.startsWith("NOT IMPLEMENTED")) throw err;
          expect(err, `expected a ${c.raises}`).toBeDefined();
          if (c.raises === "ValueError") expect(err, `expected a ValueError, got ${String(err)}`).toBeInstanceOf(ValueError);
          else expect(err, `expected a TypeError, got ${String(err)}`).toBeInstanceOf(TypeError);
          return;
        }
        compare(callJaxts(c), c.out!, c);
      });
    });
  }
});
