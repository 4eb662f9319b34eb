/**
 * The convolution wrappers JAX builds on conv_general_dilated: `lax.convTranspose` (a gradient-
 * style transposed convolution: the input dilated by the strides) and
 * `lax.convWithGeneralPadding` (explicit padding and dilations, NCHW/OIHW layout).
 */
import type { DType } from "../../ir/dtype.js";
import type { ArrayLike, JArray } from "../core/array.js";
import { any, bindArgs, bool, checkedLater, dtype as dtypeKind, ints, kind, orNull, required } from "../core/options.js";
import { ValueError } from "../errors.js";
import { type ConvPadding, convDimensionNumbers, convGeneralDilated, laxOperands, rev, transpose } from "../lax.js";

const operand = required(checkedLater<ArrayLike>("an array or a number"));
const precision = kind<null>("null (jaxts has no precision setting)", (v) => v === null);
type Padding = readonly (readonly [number, number])[];

/** The `[lo, hi]` padding of a transposed convolution for a (dilated) kernel size and stride (JAX's _conv_transpose_padding). */
export function convTransposePadding(k: number, s: number, padding: "SAME" | "VALID"): [number, number] {
  const padLen = padding === "SAME" ? k + s - 2 : k + s - 2 + Math.max(k - s, 0);
  const lo = padding === "SAME" ? (s > k - 1 ? k - 1 : Math.ceil(padLen / 2)) : k - 1;
  return [lo, padLen - lo];
}

const DEFAULT_SPECS: Record<number, readonly [string, string, string]> = {
  2: ["NC", "IO", "NC"],
  3: ["NHC", "HIO", "NHC"],
  4: ["NHWC", "HWIO", "NHWC"],
  5: ["NHWDC", "HWDIO", "NHWDC"],
};

export interface ConvTransposeOptions {
  rhsDilation?: readonly number[] | null;
  dimensionNumbers?: readonly [string, string, string] | null;
  transposeKernel?: boolean;
  precision?: null;
  preferredElementType?: DType | null;
}

/**
 * `convTranspose(lhs, rhs, strides, padding, rhsDilation?, dimensionNumbers?, transposeKernel =
 * false, precision?, preferredElementType?)`: the input dilated by `strides` and convolved with
 * unit strides (channels-last layouts by default, as JAX); `transposeKernel` flips the spatial
 * dims and swaps the kernel's in/out features, making it the gradient of a forward conv.
 */
export function convTranspose(lhs: ArrayLike, rhs: ArrayLike, strides: readonly number[], padding: ConvPadding, opts?: ConvTransposeOptions): JArray;
export function convTranspose(
  lhs: ArrayLike,
  rhs: ArrayLike,
  strides: readonly number[],
  padding: ConvPadding,
  rhsDilation?: readonly number[] | null,
  dimensionNumbers?: readonly [string, string, string] | null,
  transposeKernel?: boolean,
  precision?: null,
  preferredElementType?: DType | null,
): JArray;
export function convTranspose(...args: unknown[]): JArray {
  const o = bindArgs("lax.convTranspose", args, {
    lhs: operand,
    rhs: operand,
    strides: required(ints),
    padding: required(checkedLater<ConvPadding>(`"SAME", "VALID" or [lo, hi] pairs`)),
    rhsDilation: orNull(ints),
    dimensionNumbers: orNull(any),
    transposeKernel: bool,
    precision: orNull(precision),
    preferredElementType: orNull(dtypeKind),
  });
  let [l, r] = laxOperands("conv_transpose", [o.lhs, o.rhs]) as [JArray, JArray];
  if (l.ndim !== r.ndim || l.ndim < 2)
    throw new ValueError(`lax.convTranspose: lhs and rhs must have the same rank (at least 2), got shapes [${l.shape}] and [${r.shape}]`);
  const spec = (o.dimensionNumbers as readonly [string, string, string] | null | undefined) ?? DEFAULT_SPECS[l.ndim];
  if (spec === undefined) throw new ValueError(`lax.convTranspose: no default dimension numbers for rank ${l.ndim}; pass dimensionNumbers`);
  const dn = convDimensionNumbers(l.ndim, spec);
  const nsp = l.ndim - 2;
  if (o.strides.length !== nsp) throw new ValueError(`lax.convTranspose: strides ${JSON.stringify(o.strides)} must have one entry per spatial dim (${nsp})`);
  const rhsDilation = o.rhsDilation ?? new Array<number>(nsp).fill(1);
  const kSpatial = dn.rhsSpec.slice(2).map((d) => r.shape[d]!);
  const effective = kSpatial.map((k, i) => (k - 1) * rhsDilation[i]! + 1);
  let pads: Padding;
  if (typeof o.padding === "string") {
    if (o.padding !== "SAME" && o.padding !== "VALID") throw new ValueError(`lax.convTranspose: padding must be "SAME", "VALID" or [lo, hi] pairs, got ${JSON.stringify(o.padding)}`);
    pads = effective.map((k, i) => convTransposePadding(k, o.strides[i]!, o.padding as "SAME" | "VALID"));
  } else pads = o.padding as Padding;
  if (o.transposeKernel) {
    // Flip the spatial dims and swap the kernel's in and out feature dims.
    r = rev(r, dn.rhsSpec.slice(2));
    const perm = r.shape.map((_, i) => i);
    const [a, b] = [dn.rhsSpec[0]!, dn.rhsSpec[1]!];
    [perm[a], perm[b]] = [perm[b]!, perm[a]!];
    r = transpose(r, perm);
  }
  return convGeneralDilated(l, r, new Array<number>(nsp).fill(1), pads, {
    lhsDilation: o.strides,
    rhsDilation,
    dimensionNumbers: dn,
    preferredElementType: o.preferredElementType ?? null,
  });
}

/**
 * `convWithGeneralPadding(lhs, rhs, windowStrides, padding, lhsDilation?, rhsDilation?,
 * precision?, preferredElementType?)`: conv_general_dilated in the default NCHW/OIHW layout.
 */
export function convWithGeneralPadding(
  lhs: ArrayLike,
  rhs: ArrayLike,
  windowStrides: readonly number[],
  padding: ConvPadding,
  lhsDilation?: readonly number[] | null,
  rhsDilation?: readonly number[] | null,
  precision?: null,
  preferredElementType?: DType | null,
): JArray;
export function convWithGeneralPadding(
  lhs: ArrayLike,
  rhs: ArrayLike,
  windowStrides: readonly number[],
  padding: ConvPadding,
  opts?: { lhsDilation?: readonly number[] | null; rhsDilation?: readonly number[] | null; precision?: null; preferredElementType?: DType | null },
): JArray;
export function convWithGeneralPadding(...args: unknown[]): JArray {
  const o = bindArgs("lax.convWithGeneralPadding", args, {
    lhs: operand,
    rhs: operand,
    windowStrides: required(ints),
    padding: required(checkedLater<ConvPadding>(`"SAME", "VALID" or [lo, hi] pairs`)),
    lhsDilation: orNull(ints),
    rhsDilation: orNull(ints),
    precision: orNull(precision),
    preferredElementType: orNull(dtypeKind),
  });
  return convGeneralDilated(o.lhs, o.rhs, o.windowStrides, o.padding, {
    lhsDilation: o.lhsDilation ?? null,
    rhsDilation: o.rhsDilation ?? null,
    preferredElementType: o.preferredElementType ?? null,
  });
}

