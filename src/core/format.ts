/**
 * Printing arrays as JAX does: `repr` is JAX's `Array([nan, inf, 1.5], dtype=float32)`, built
 * on a port of NumPy's `array2string` (its default options: 75-column lines, summarization
 * with "..." above 1000 elements keeping 3 items at each edge, and "maxprec" floats with at
 * most 8 fractional digits). Floats print with the shortest digits that round-trip in their
 * own dtype (float32 values with float32 digits), as NumPy's Dragon4 does; where digits are
 * cut off, the exact binary value is rounded, half to even. `str` is NumPy's str of the
 * values, which JAX uses for the primal inside a tracer's repr.
 *
 * Plain TS, no imports from the rest of src/ beyond types: it formats a flat TypedArray.
 */
import { type ShapedArray, shapeSize, showShape } from "../../ir/aval.js";
import { type AnyTypedArray, type DType, isFloat } from "../../ir/dtype.js";

const LINE_WIDTH = 75;
const THRESHOLD = 1000;
const EDGE_ITEMS = 3;
const PRECISION = 8;

/** JAX's repr of a concrete array; `data` null when its values cannot be read synchronously. */
export function arrayRepr(aval: ShapedArray, data: AnyTypedArray | null): string {
  const prefix = "Array(";
  const dtypeStr = `dtype=${aval.dtype}${aval.weakType ? ", weak_type=True" : ""}`;
  if (data === null) return `${prefix}shape=${showShape(aval.shape)}, ${dtypeStr})`;
  const s = aval.size === 0 ? `[], shape=${showShape(aval.shape)}` : array2string(aval.shape, aval.dtype, data, ", ", prefix, ",");
  // As jax.Array.__repr__ (including its arithmetic: rfind gives -1 without a newline).
  const lastLineLen = s.length - s.lastIndexOf("\n") + 1;
  const sep = lastLineLen + dtypeStr.length + 2 > LINE_WIDTH ? " ".repeat(prefix.length) : " ";
  return `${prefix}${s},${sep}${dtypeStr})`;
}

/** NumPy's `str` of an array: `[1. 2.]`, `[[0 1]\n [2 3]]`, and a 0-d array as its scalar (`2.0`). */
export function arrayStr(aval: ShapedArray, data: AnyTypedArray): string {
  if (aval.ndim === 0) return scalarStr(data[0]!, aval.dtype);
  if (aval.size === 0) return "[]";
  return array2string(aval.shape, aval.dtype, data, " ", "", "");
}

/** A long-form aval as JAX prints it in tracers: `float32[2,3]`, weak types with `~`. */
export function avalLong(aval: ShapedArray): string {
  return `${aval.weakType ? "~" : ""}${aval.dtype}[${aval.shape.join(",")}]`;
}

// ---------------------------------------------------------------------------------------
// array2string and _formatArray, as in numpy/_core/arrayprint.py.

function array2string(shape: readonly number[], dtype: DType, data: AnyTypedArray, separator: string, prefix: string, suffix: string): string {
  const lineWidth = LINE_WIDTH - suffix.length;
  const size = shapeSize(shape);
  const summarize = size > THRESHOLD;
  const strides = shape.map((_, i) => shapeSize(shape.slice(i + 1)));
  // The formatter is fitted to the values that are shown (NumPy's _leading_trailing).
  const shown: number[] = [];
  const collect = (axis: number, offset: number): void => {
    if (axis === shape.length) {
      shown.push(Number(data[offset]!));
      return;
    }
    for (const i of shownIndices(shape[axis]!, summarize)) collect(axis + 1, offset + i * strides[axis]!);
  };
  collect(0, 0);
  const format = formatterFor(dtype, shown, shape.length === 0);
  const summaryInsert = summarize ? "..." : "";

  const recurse = (axis: number, offset: number, hangingIndent: string, currWidth: number): string => {
    const axesLeft = shape.length - axis;
    if (axesLeft === 0) return format(Number(data[offset]!));
    const nextHangingIndent = hangingIndent + " ";
    const nextWidth = currWidth - "]".length;
    const n = shape[axis]!;
    const showSummary = summaryInsert !== "" && 2 * EDGE_ITEMS < n;
    const leading = showSummary ? EDGE_ITEMS : 0;
    const trailing = showSummary ? EDGE_ITEMS : n;
    const child = (i: number) => recurse(axis + 1, offset + i * strides[axis]!, nextHangingIndent, nextWidth);
    let s = "";
    if (axesLeft === 1) {
      const elemWidth = currWidth - Math.max(separator.trimEnd().length, "]".length);
      let line = hangingIndent;
      const extend = (word: string, width: number) => {
        // Wrap only where it helps (NumPy > 1.13).
        const needsWrap = line.length + word.length > width && line.length > hangingIndent.length;
        if (needsWrap) {
          s += line.trimEnd() + "\n";
          line = hangingIndent;
        }
        line += word;
      };
      for (let i = 0; i < leading; i++) {
        extend(child(i), elemWidth);
        line += separator;
      }
      if (showSummary) {
        extend(summaryInsert, elemWidth);
        line += separator;
      }
      for (let i = trailing; i > 1; i--) {
        extend(child(n - i), elemWidth);
        line += separator;
      }
      extend(child(n - 1), elemWidth);
      s += line;
    } else {
      const lineSep = separator.trimEnd() + "\n".repeat(axesLeft - 1);
      for (let i = 0; i < leading; i++) s += hangingIndent + child(i) + lineSep;
      if (showSummary) s += hangingIndent + summaryInsert + lineSep;
      for (let i = trailing; i > 1; i--) s += hangingIndent + child(n - i) + lineSep;
      s += hangingIndent + child(n - 1);
    }
    return "[" + s.slice(hangingIndent.length) + "]";
  };
  return recurse(0, 0, " " + " ".repeat(prefix.length), lineWidth);
}

function shownIndices(n: number, summarize: boolean): number[] {
  const all = (k: number, start: number) => Array.from({ length: k }, (_, i) => start + i);
  if (summarize && n > 2 * EDGE_ITEMS) return [...all(EDGE_ITEMS, 0), ...all(EDGE_ITEMS, n - EDGE_ITEMS)];
  return all(n, 0);
}

function formatterFor(dtype: DType, values: readonly number[], zeroD: boolean): (x: number) => string {
  if (dtype === "bool") {
    const t = zeroD ? "True" : " True";
    return (x) => (x !== 0 ? t : "False");
  }
  if (!isFloat(dtype)) {
    const width = Math.max(...values.map((v) => String(v).length));
    return (x) => String(x).padStart(width);
  }
  return floatFormatter(values, dtype);
}

/** NumPy's FloatingFormat in "maxprec" mode with precision 8, no suppression, sign "-". */
function floatFormatter(values: readonly number[], dtype: DType): (x: number) => string {
  const finite = values.filter(Number.isFinite);
  const absNonZero = finite.filter((v) => v !== 0).map(Math.abs);
  let expFormat = false;
  if (absNonZero.length > 0) {
    const max = Math.max(...absNonZero);
    const min = Math.min(...absNonZero);
    // NumPy 2's cutoff depends on the dtype: 10^min(8, finfo(dtype).precision).
    expFormat = max >= (dtype === "float32" ? 1e6 : 1e8) || min < 0.0001 || max / min > 1000;
  }
  let padLeft = 0;
  let padRight = 0;
  let precision = PRECISION;
  let expSize = -1;
  if (finite.length > 0 && expFormat) {
    const strs = finite.map((x) => scientific(x, dtype, { precision: PRECISION, trim: "." }));
    const parts = strs.map((s) => {
      const [mant, exp] = s.split("e") as [string, string];
      const [int, frac] = mant.split(".") as [string, string];
      return { int, frac, exp };
    });
    expSize = Math.max(...parts.map((p) => p.exp.length)) - 1;
    precision = Math.max(...parts.map((p) => p.frac.length));
    padLeft = Math.max(...parts.map((p) => p.int.length));
    padRight = expSize + 2 + precision;
  } else if (finite.length > 0) {
    const parts = finite.map((x) => positional(x, dtype, { precision: PRECISION, trim: "." }).split(".") as [string, string]);
    padLeft = Math.max(...parts.map((p) => p[0].length));
    padRight = Math.max(...parts.map((p) => p[1].length));
  }
  if (finite.length !== values.length) {
    const negInf = values.some((v) => v === -Infinity) ? 1 : 0;
    const offset = padRight + 1;
    padLeft = Math.max(padLeft, "nan".length - offset, "inf".length + negInf - offset);
  }
  return (x) => {
    if (!Number.isFinite(x)) {
      const r = Number.isNaN(x) ? "nan" : x < 0 ? "-inf" : "inf";
      return r.padStart(padLeft + padRight + 1);
    }
    if (expFormat) return scientific(x, dtype, { precision, minDigits: precision, trim: "k", padLeft, expDigits: expSize });
    return positional(x, dtype, { precision, trim: ".", padLeft, padRight });
  };
}

/** NumPy's str of a scalar (np.float32(2.5) -> "2.5", 1e20 -> "1e+20"), as its 0-d arrays print. */
function scalarStr(x: number, dtype: DType): string {
  if (dtype === "bool") return x !== 0 ? "True" : "False";
  if (!isFloat(dtype)) return String(x);
  if (Number.isNaN(x)) return "nan";
  if (!Number.isFinite(x)) return x < 0 ? "-inf" : "inf";
  const a = Math.abs(x);
  if (a === 0 || (a >= 1e-4 && a < (dtype === "float32" ? 1e6 : 1e16))) return positional(x, dtype, { trim: "0" });
  return scientific(x, dtype, { trim: "-" });
}

// ---------------------------------------------------------------------------------------
// Dragon4's positional and scientific output, for values that are exact float32 or float64.

interface DigitOpts {
  /** Most fractional digits (positional) or mantissa digits after the point (scientific). */
  precision?: number;
  minDigits?: number;
  /** "k": keep trailing zeros; ".": trim them, keep the point; "0": keep one zero; "-": trim the point too. */
  trim: "k" | "." | "0" | "-";
  padLeft?: number;
  padRight?: number;
  expDigits?: number;
}

/** A decimal `d1.d2d3... x 10^exp`; `digits` has no leading zeros. */
interface Decimal {
  digits: string;
  exp: number;
}

/** The shortest digits that read back as `x` in its own dtype (closest to `x` among the shortest). */
function shortest(x: number, dtype: DType): Decimal {
  const a = Math.abs(x);
  if (a === 0) return { digits: "0", exp: 0 };
  const parse = (s: string) => {
    const [m, e] = s.split("e") as [string, string];
    return { digits: m.replace(".", ""), exp: Number(e) };
  };
  if (dtype === "float64") return parse(a.toExponential());
  for (let p = 1; p <= 9; p++) {
    const base = parse(a.toExponential(p - 1));
    // The correctly rounded p digits, or (next to a power of two, where the interval of
    // values that read back is lopsided) one of their neighbours.
    let best: { d: Decimal; err: number } | undefined;
    for (const delta of [0, -1, 1]) {
      const d = delta === 0 ? base : bumpDigits(base, delta);
      if (d === null) continue;
      const v = Number(`${d.digits[0]}.${d.digits.slice(1)}e${d.exp}`);
      if (Math.fround(v) !== a) continue;
      const err = Math.abs(v - a);
      // On an exact tie Dragon4 rounds to the even digit; toExponential rounds half up.
      const even = Number(d.digits[d.digits.length - 1]) % 2 === 0;
      if (best === undefined || err < best.err || (err === best.err && even)) best = { d, err };
    }
    if (best !== undefined) return { digits: best.d.digits.replace(/0+$/, "") || "0", exp: best.d.exp };
  }
  return parse(a.toExponential(8));
}

function bumpDigits(d: Decimal, delta: number): Decimal | null {
  const n = BigInt(d.digits) + BigInt(delta);
  if (n <= 0n) return null;
  const s = n.toString();
  if (s.length === d.digits.length) return { digits: s, exp: d.exp };
  if (s.length > d.digits.length) return { digits: s.slice(0, d.digits.length), exp: d.exp + 1 };
  return null;
}

/** `|x|` rounded to `k` digits after the decimal point (k may be negative), exactly, half to even: an integer. */
function roundExact(x: number, k: number): bigint {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, Math.abs(x));
  const hi = view.getUint32(0);
  const lo = view.getUint32(4);
  const biased = (hi >>> 20) & 0x7ff;
  let mant = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  let e2: number;
  if (biased === 0) e2 = -1074;
  else {
    mant |= 1n << 52n;
    e2 = biased - 1075;
  }
  // |x| * 10^k = mant * 2^e2 * 10^k = num / den.
  let num = mant;
  let den = 1n;
  if (e2 >= 0) num <<= BigInt(e2);
  else den <<= BigInt(-e2);
  if (k >= 0) num *= 10n ** BigInt(k);
  else den *= 10n ** BigInt(-k);
  const q = num / den;
  const r2 = (num % den) * 2n;
  if (r2 > den || (r2 === den && q % 2n === 1n)) return q + 1n;
  return q;
}

/** The decimal exponent of the leading digit of |x| (x finite, non-zero). */
const exponentOf = (x: number): number => Number(Math.abs(x).toExponential(20).split("e")[1]);

/**
 * Where Dragon4 stops generating digits when the shortest round-trip digits are not what is
 * printed: more than `precision` of them are cut off, and fewer than `minDigits` are continued
 * with the exact value's own digits (not zeros: float32 0.1 prints as 1.0000000e-01 but
 * float32 1e-8 as 9.9999999e-09). Either way the exact value is rounded there; null when the
 * shortest digits stand.
 */
function cutoff(shortestFrac: number, o: DigitOpts): number | null {
  if (o.precision !== undefined && shortestFrac > o.precision) return o.precision;
  if (o.minDigits !== undefined && shortestFrac < o.minDigits) return o.minDigits;
  return null;
}

function trimFrac(frac: string, o: DigitOpts): string {
  let f = frac;
  if (o.trim !== "k") f = f.replace(/0+$/, "");
  if (o.minDigits !== undefined && f.length < o.minDigits) f = f.padEnd(o.minDigits, "0");
  if (o.trim === "0" && f.length === 0) f = "0";
  return f;
}

function positional(x: number, dtype: DType, o: DigitOpts): string {
  const sign = x < 0 || Object.is(x, -0) ? "-" : "";
  let int: string;
  let frac: string;
  const d = shortest(x, dtype);
  const cut = cutoff(Math.max(0, d.digits.length - 1 - d.exp), o);
  if (cut !== null) {
    const q = roundExact(x, cut).toString().padStart(cut + 1, "0");
    int = q.slice(0, q.length - cut);
    frac = q.slice(q.length - cut);
  } else if (d.exp >= 0) {
    const all = d.digits.padEnd(d.exp + 1, "0");
    int = all.slice(0, d.exp + 1);
    frac = all.slice(d.exp + 1);
  } else {
    int = "0";
    frac = "0".repeat(-d.exp - 1) + d.digits;
  }
  frac = trimFrac(frac, o);
  let s = sign + int + (frac.length > 0 || o.trim !== "-" ? "." : "") + frac;
  if (o.padLeft !== undefined) s = s.padStart(o.padLeft + s.length - (sign + int).length);
  if (o.padRight !== undefined) s = s.padEnd(s.length + Math.max(0, o.padRight - frac.length));
  return s;
}

function scientific(x: number, dtype: DType, o: DigitOpts): string {
  const sign = x < 0 || Object.is(x, -0) ? "-" : "";
  let digits: string;
  let exp: number;
  if (x === 0) {
    digits = "0";
    exp = 0;
  } else {
    const d = shortest(x, dtype);
    digits = d.digits;
    exp = d.exp;
    const cut = cutoff(digits.length - 1, o);
    if (cut !== null) {
      exp = exponentOf(x);
      let q = roundExact(x, cut - exp).toString();
      if (q.length > cut + 1) {
        exp += 1;
        q = q.slice(0, cut + 1);
      }
      digits = q;
    }
  }
  const frac = trimFrac(digits.slice(1), o);
  let mant = sign + digits[0] + (frac.length > 0 || o.trim !== "-" ? "." : "") + frac;
  if (o.padLeft !== undefined) mant = mant.padStart(o.padLeft + mant.length - (sign + digits[0]).length);
  const expDigits = Math.max(2, o.expDigits ?? 2);
  return `${mant}e${exp < 0 ? "-" : "+"}${String(Math.abs(exp)).padStart(expDigits, "0")}`;
}
