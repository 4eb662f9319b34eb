/**
 * Dtypes and JAX's type promotion lattice, restricted to the dtypes jaxts has.
 *
 * JAX promotes along a lattice in which Python scalars are "weak": they take the dtype
 * of whatever they meet. We model the same thing: an abstract value carries a dtype and
 * a `weakType` flag, and promotion works on lattice nodes where weak ints and weak floats
 * are their own nodes (`i*`, `f*`).
 */

export type DType = "float32" | "float64" | "int32" | "uint32" | "bool" | "int8" | "uint8" | "float16";

export const dtypes: readonly DType[] = ["float32", "float64", "int32", "uint32", "bool", "int8", "uint8", "float16"];

export const isDType = (x: unknown): x is DType => typeof x === "string" && (dtypes as readonly string[]).includes(x);

export const isFloat = (d: DType): boolean => d === "float32" || d === "float64" || d === "float16";
export const isInt = (d: DType): boolean => d === "int32" || d === "uint32" || d === "int8" || d === "uint8";
export const isSigned = (d: DType): boolean => d !== "uint32" && d !== "uint8" && d !== "bool";

/** The short names JAX prints in jaxprs: `f32[3,4]`. */
export const shortName: Record<DType, string> = {
  float32: "f32",
  float64: "f64",
  int32: "i32",
  uint32: "u32",
  bool: "bool",
  int8: "i8",
  uint8: "u8",
  float16: "f16",
};

export type TypedArrayFor<D extends DType> = D extends "float32"
  ? Float32Array
  : D extends "float64"
    ? Float64Array
    : D extends "int32"
      ? Int32Array
      : D extends "uint32"
        ? Uint32Array
        : D extends "int8"
          ? Int8Array
          : D extends "float16"
            ? Uint16Array
            : Uint8Array;

export type AnyTypedArray = Float32Array | Float64Array | Int32Array | Uint32Array | Uint8Array | Int8Array | Uint16Array;

/**
 * Storage for each dtype; bool is one byte per element holding 0 or 1. float16 is stored as
 * its IEEE half-precision bit patterns in a Uint16Array (JS has no Float16Array before Node
 * 24); the CPU backends compute on it by widening to float32 and rounding the result back
 * (see codegen/ref/index.ts), which is what XLA's CPU backend does for f16 too.
 */
export function typedArrayFor(dtype: DType, size: number): AnyTypedArray {
  switch (dtype) {
    case "float32":
      return new Float32Array(size);
    case "float64":
      return new Float64Array(size);
    case "int32":
      return new Int32Array(size);
    case "uint32":
      return new Uint32Array(size);
    case "bool":
    case "uint8":
      return new Uint8Array(size);
    case "int8":
      return new Int8Array(size);
    case "float16":
      return new Uint16Array(size);
  }
}

/**
 * The dtype a TypedArray stands for. A Uint8Array stands for booleans (jaxts's bool storage;
 * pass `{dtype: "uint8"}` for bytes) and a Uint16Array is not read as float16 bits unless asked.
 */
export function dtypeOfTypedArray(a: ArrayBufferView): DType | undefined {
  if (a instanceof Int8Array) return "int8";
  if (a instanceof Float32Array) return "float32";
  if (a instanceof Float64Array) return "float64";
  if (a instanceof Int32Array) return "int32";
  if (a instanceof Uint32Array) return "uint32";
  if (a instanceof Uint8Array) return "bool";
  return undefined;
}

export const itemSize: Record<DType, number> = { float32: 4, float64: 8, int32: 4, uint32: 4, bool: 1, int8: 1, uint8: 1, float16: 2 };

/** Rounds a JS number to what a dtype stores (f32 rounding, int wrap-around, bool truthiness). */
export function castScalar(x: number | boolean, dtype: DType): number {
  const v = typeof x === "boolean" ? (x ? 1 : 0) : x;
  switch (dtype) {
    case "float32":
      return Math.fround(v);
    case "float64":
      return v;
    case "int32":
      return Number.isFinite(v) ? Math.trunc(v) | 0 : 0;
    case "uint32":
      return Number.isFinite(v) ? Math.trunc(v) >>> 0 : 0;
    case "bool":
      return v !== 0 ? 1 : 0;
    case "int8":
      return Number.isFinite(v) ? (Math.trunc(v) << 24) >> 24 : 0;
    case "uint8":
      return Number.isFinite(v) ? Math.trunc(v) & 0xff : 0;
    case "float16":
      return roundToFloat16(v);
  }
}

/** What a buffer of `dtype` stores for the value `x`: castScalar's value, or float16's bits. */
export const storeScalar = (x: number | boolean, dtype: DType): number =>
  dtype === "float16" ? float16Bits(typeof x === "boolean" ? Number(x) : x) : castScalar(x, dtype);

/** The value a buffer element of `dtype` stands for (float16's bits decoded; others as stored). */
export const loadScalar = (stored: number, dtype: DType): number => (dtype === "float16" ? float16Value(stored) : stored);

// ---------------------------------------------------------------------------------------
// float16 bits. Conversions round to nearest even, as IEEE 754 (and numpy) do.

/** The float16 bit pattern nearest to `x` (round to nearest even; overflow gives infinity). */
export function float16Bits(x: number): number {
  // Round to float32 first would double-round; work from the float64 value instead.
  if (Number.isNaN(x)) return 0x7e00;
  const sign = x < 0 || Object.is(x, -0) ? 0x8000 : 0;
  const a = Math.abs(x);
  if (a === Infinity) return sign | 0x7c00;
  if (a < 2 ** -24 * 0.5) return sign; // rounds to zero (ties at exactly half go to even: zero)
  if (a < 2 ** -14) {
    // Subnormal: a multiple of 2^-24, rounded to nearest even.
    const m = roundHalfEven(a * 2 ** 24);
    return sign | m; // m may reach 0x400, which is the smallest normal's bit pattern
  }
  let e = Math.floor(Math.log2(a));
  if (2 ** e > a) e--; // log2's rounding near powers of two
  if (2 ** (e + 1) <= a) e++;
  let m = roundHalfEven((a / 2 ** e - 1) * 1024);
  if (m === 1024) {
    m = 0;
    e++;
  }
  if (e > 15) return sign | 0x7c00;
  return sign | ((e + 15) << 10) | m;
}

function roundHalfEven(x: number): number {
  const f = Math.floor(x);
  const r = x - f;
  if (r > 0.5) return f + 1;
  if (r < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

/** The number a float16 bit pattern stands for. */
export function float16Value(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const e = (bits >> 10) & 0x1f;
  const m = bits & 0x3ff;
  if (e === 0) return sign * m * 2 ** -24;
  if (e === 31) return m === 0 ? sign * Infinity : NaN;
  return sign * (1 + m / 1024) * 2 ** (e - 15);
}

/** `x` rounded to the nearest float16 value. */
export const roundToFloat16 = (x: number): number => float16Value(float16Bits(x));

/** float16 bits widened to float32 values (exact). */
export function float16ToFloat32(bits: Uint16Array): Float32Array {
  const out = new Float32Array(bits.length);
  for (let i = 0; i < bits.length; i++) out[i] = float16Value(bits[i]!);
  return out;
}

/** Values rounded to float16 bits. */
export function float32ToFloat16(values: ArrayLike<number>): Uint16Array {
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = float16Bits(values[i]!);
  return out;
}


// ---------------------------------------------------------------------------------------
// Promotion.

/**
 * A node of JAX's promotion lattice: a dtype, one of the weak kinds, or one of the integer
 * dtypes jaxts does not have (int16, uint16, int64, uint64), which the lattice needs to give
 * JAX's joins and which `canonical` then maps onto the dtypes we have.
 */
type LatticeNode = DType | "i*" | "f*" | "int16" | "uint16" | "int64" | "uint64";

/** Edges of the lattice (JAX's `_type_promotion_lattice`, without complex and the small floats). */
const latticeEdges: Record<LatticeNode, LatticeNode[]> = {
  bool: ["i*"],
  "i*": ["uint8", "int8"],
  uint8: ["int16", "uint16"],
  uint16: ["int32", "uint32"],
  uint32: ["int64", "uint64"],
  uint64: ["f*"],
  int8: ["int16"],
  int16: ["int32"],
  int32: ["int64"],
  int64: ["f*"],
  "f*": ["float16"],
  float16: ["float32"],
  float32: ["float64"],
  float64: [],
};

/**
 * Where a join lands on a dtype jaxts lacks. int64 and uint64 become int32 and uint32 as in
 * JAX without x64. int16 and uint16 (uint8 with int8, say) are a divergence from JAX, which
 * has them: jaxts widens to int32 and uint32, the nearest dtypes that hold every value.
 */
const canonical: Record<LatticeNode, LatticeNode> = Object.fromEntries(
  (Object.keys(latticeEdges) as LatticeNode[]).map((n) => [n, n]),
) as Record<LatticeNode, LatticeNode>;
canonical.int64 = "int32";
canonical.uint64 = "uint32";
canonical.int16 = "int32";
canonical.uint16 = "uint32";

const upperBounds: Record<LatticeNode, Set<LatticeNode>> = (() => {
  const out = {} as Record<LatticeNode, Set<LatticeNode>>;
  const visit = (n: LatticeNode): Set<LatticeNode> => {
    const s = new Set<LatticeNode>([n]);
    for (const m of latticeEdges[n]) for (const k of visit(m)) s.add(k);
    return s;
  };
  for (const n of Object.keys(latticeEdges) as LatticeNode[]) out[n] = visit(n);
  return out;
})();

function toNode(dtype: DType, weak: boolean): LatticeNode {
  if (!weak) return dtype;
  if (isFloat(dtype)) return "f*";
  if (isInt(dtype)) return "i*";
  return "bool";
}

function join(a: LatticeNode, b: LatticeNode): LatticeNode {
  const ua = upperBounds[a];
  const ub = upperBounds[b];
  const common = [...ua].filter((n) => ub.has(n));
  // The least upper bound is the common bound that every other common bound is above.
  for (const c of common) if (common.every((d) => upperBounds[c].has(d))) return c;
  throw new Error(`no least upper bound for ${a} and ${b}`);
}

export interface DTypeAndWeak {
  dtype: DType;
  weakType: boolean;
}

/** JAX's `promote_types` with weak types: the dtype a binary op computes in. */
export function promoteTypes(...xs: DTypeAndWeak[]): DTypeAndWeak {
  if (xs.length === 0) throw new Error("promoteTypes of nothing");
  let node = toNode(xs[0]!.dtype, xs[0]!.weakType);
  // A weak float64 stays float64 (it can only come from a float64 computation).
  let weakFloat: DType = xs[0]!.weakType && xs[0]!.dtype === "float64" ? "float64" : "float32";
  for (const x of xs.slice(1)) {
    node = join(node, toNode(x.dtype, x.weakType));
    if (x.weakType && x.dtype === "float64") weakFloat = "float64";
  }
  if (node === "i*") return { dtype: "int32", weakType: true };
  if (node === "f*") return { dtype: weakFloat, weakType: true };
  return { dtype: canonical[node] as DType, weakType: false };
}

/** The dtype JAX gives the result of a true division or a float-only function. */
export function toInexact(d: DTypeAndWeak): DTypeAndWeak {
  return isFloat(d.dtype) ? d : { dtype: "float32", weakType: d.weakType };
}
