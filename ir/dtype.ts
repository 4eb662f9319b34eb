/**
 * Dtypes and JAX's type promotion lattice, restricted to the dtypes jaxts has.
 *
 * JAX promotes along a lattice in which Python scalars are "weak": they take the dtype
 * of whatever they meet. We model the same thing: an abstract value carries a dtype and
 * a `weakType` flag, and promotion works on lattice nodes where weak ints and weak floats
 * are their own nodes (`i*`, `f*`).
 */

export type DType = "float32" | "float64" | "int32" | "uint32" | "bool";

export const dtypes: readonly DType[] = ["float32", "float64", "int32", "uint32", "bool"];

export const isDType = (x: unknown): x is DType => typeof x === "string" && (dtypes as readonly string[]).includes(x);

export const isFloat = (d: DType): boolean => d === "float32" || d === "float64";
export const isInt = (d: DType): boolean => d === "int32" || d === "uint32";
export const isSigned = (d: DType): boolean => d !== "uint32" && d !== "bool";

/** The short names JAX prints in jaxprs: `f32[3,4]`. */
export const shortName: Record<DType, string> = {
  float32: "f32",
  float64: "f64",
  int32: "i32",
  uint32: "u32",
  bool: "bool",
};

export type TypedArrayFor<D extends DType> = D extends "float32"
  ? Float32Array
  : D extends "float64"
    ? Float64Array
    : D extends "int32"
      ? Int32Array
      : D extends "uint32"
        ? Uint32Array
        : Uint8Array;

export type AnyTypedArray = Float32Array | Float64Array | Int32Array | Uint32Array | Uint8Array;

/** Storage for each dtype; bool is one byte per element holding 0 or 1. */
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
      return new Uint8Array(size);
  }
}

/** The dtype a TypedArray stands for (Uint8Array holds booleans). */
export function dtypeOfTypedArray(a: ArrayBufferView): DType | undefined {
  if (a instanceof Float32Array) return "float32";
  if (a instanceof Float64Array) return "float64";
  if (a instanceof Int32Array) return "int32";
  if (a instanceof Uint32Array) return "uint32";
  if (a instanceof Uint8Array) return "bool";
  return undefined;
}

export const itemSize: Record<DType, number> = { float32: 4, float64: 8, int32: 4, uint32: 4, bool: 1 };

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
  }
}

// ---------------------------------------------------------------------------------------
// Promotion.

/** A node of JAX's promotion lattice: a dtype, or one of the weak kinds. */
type LatticeNode = DType | "i*" | "f*";

/** Edges of the lattice (JAX's `_type_promotion_lattice`, restricted to our dtypes). */
const latticeEdges: Record<LatticeNode, LatticeNode[]> = {
  bool: ["i*"],
  "i*": ["uint32", "int32"],
  uint32: ["int32"], // JAX goes through int64, which canonicalizes to int32 without x64
  int32: ["f*"],
  "f*": ["float32"],
  float32: ["float64"],
  float64: [],
};

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
  return { dtype: node, weakType: false };
}

/** The dtype JAX gives the result of a true division or a float-only function. */
export function toInexact(d: DTypeAndWeak): DTypeAndWeak {
  return isFloat(d.dtype) ? d : { dtype: "float32", weakType: d.weakType };
}
