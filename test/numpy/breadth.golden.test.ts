/**
 * The numpy/nn/lax/scipy breadth functions of issue 13 against golden values from real JAX
 * 0.10.2 (test/golden/gen_numpy_breadth.py): values in float32 and float64, the gradient of the
 * sum of the (first) output, and a sample under vmap. Each golden case name maps to the same
 * computation here.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { grad, jit, lax, nn, numpy as np, scipy, vmap } from "../../src/index.js";
import { type EncArray, type EncTree, compareTree, decodeInput } from "../goldenTree.js";

type Arr = np.Array;
interface Case {
  inputs: EncArray[];
  out: EncTree;
  grad?: EncArray[];
}
interface Golden {
  cases: Record<string, Case>;
  meta: {
    finfo: Record<string, Record<string, number>>;
    iinfo: Record<string, Record<string, number>>;
    promote_types: [string, string, string][];
  };
}
const golden = JSON.parse(readFileSync(new URL("../golden/numpy_breadth.json", import.meta.url), "utf8")) as Golden;
const sp = scipy.special;

type F = (...a: Arr[]) => unknown;
const i32 = (...v: number[]) => np.array(Int32Array.from(v));

const fns: Record<string, F> = {
  acos: np.acos,
  asin: np.asin,
  atan: np.atan,
  atanh: np.atanh,
  asinh: np.asinh,
  acosh: np.acosh,
  atan2: np.atan2,
  degrees: np.degrees,
  radians: np.radians,
  copysign: np.copysign,
  float_power: np.floatPower,
  float_power_int: np.floatPower,
  heaviside: np.heaviside,
  logaddexp2: np.logaddexp2,
  sinc: np.sinc,
  sinc_grad2: vmap(grad(grad(np.sinc))),
  modf: np.modf,
  frexp: np.frexp,
  ldexp: np.ldexp,
  ldexp_f64: np.ldexp,
  nan_to_num: (x) => np.nanToNum(x),
  nan_to_num_opts: (x) => np.nanToNum(x, { nan: 1, posinf: 2, neginf: -3 }),
  bitwise_count: np.bitwiseCount,
  bitwise_count_u32: np.bitwiseCount,
  bitwise_invert: np.bitwiseInvert,
  bitwise_left_shift: np.bitwiseLeftShift,
  bitwise_right_shift: np.bitwiseRightShift,
};
const nanFns = { nansum: np.nansum, nanprod: np.nanprod, nanmax: np.nanmax, nanmin: np.nanmin, nanmean: np.nanmean, nanvar: np.nanvar, nanstd: np.nanstd } as const;
for (const [name, f] of Object.entries(nanFns)) {
  const g = f as (x: Arr, axis?: number | null, o?: { keepdims?: boolean }) => Arr;
  fns[name] = (x) => g(x);
  fns[`${name}_axis0`] = (x) => g(x, 0);
  fns[`${name}_axis1_keepdims`] = (x) => g(x, 1, { keepdims: true });
  if (name !== "nanstd") fns[`${name}_allnan`] = (x) => g(x, 1);
}
Object.assign(fns, {
  nanvar_ddof: (x: Arr) => np.nanvar(x, 1, { ddof: 1 }),
  nanstd_ddof: (x: Arr) => np.nanstd(x, 0, { ddof: 1 }),
  nanargmax: (x: Arr) => np.nanargmax(x, 1),
  nanargmin: (x: Arr) => np.nanargmin(x, 0),
  nanargmax_flat: (x: Arr) => np.nanargmax(x),
  nancumsum: (x: Arr) => np.nancumsum(x, 1),
  nancumprod: (x: Arr) => np.nancumprod(x, 0),
  nancumsum_flat: (x: Arr) => np.nancumsum(x),
});
for (const M of [0, 1, 2, 5, 8]) {
  fns[`bartlett_${M}`] = () => np.bartlett(M);
  fns[`blackman_${M}`] = () => np.blackman(M);
  fns[`hamming_${M}`] = () => np.hamming(M);
  fns[`hanning_${M}`] = () => np.hann(M);
}
Object.assign(fns, {
  polyval: np.polyval,
  polyadd: np.polyadd,
  polysub: np.polysub,
  polymul: (a: Arr, b: Arr) => np.polymul(a, b),
  polyder: (p: Arr) => np.polyder(p),
  polyder_m2: (p: Arr) => np.polyder(p, 2),
  polyder_int: (p: Arr) => np.polyder(p),
  polyval_int: np.polyval,
  polyadd_int: np.polyadd,
  vander: (x: Arr) => np.vander(x, 4),
  vander_increasing: (x: Arr) => np.vander(x, { increasing: true }),
  vander_int: (x: Arr) => np.vander(x),
  convolve_int: (a: Arr, v: Arr) => np.convolve(a, v),
});
for (const mode of ["full", "same", "valid"] as const) {
  fns[`convolve_${mode}`] = (a, v) => np.convolve(a!, v!, mode);
  fns[`correlate_${mode}`] = (a, v) => np.correlate(a!, v!, { mode });
  fns[`correlate_swapped_${mode}`] = (a, v) => np.correlate(a!, v!, mode);
  fns[`convolve_swapped_${mode}`] = (a, v) => np.convolve(a!, v!, { mode });
}
Object.assign(fns, {
  diff: (x: Arr) => np.diff(x),
  diff_n2_axis0: (x: Arr) => np.diff(x, 2, 0),
  diff_prepend_append: (x: Arr) => np.diff(x, { axis: 1, prepend: 0.5, append: np.array([[1], [2], [3]], { dtype: "float64" }) }), // float64 in the generator too
  diff_bool: (x: Arr) => np.diff(x),
  diff_int: (x: Arr) => np.diff(x, 2),
  ediff1d: (x: Arr) => np.ediff1d(x, np.array([9, 8], { dtype: x.dtype }), -1),
  ediff1d_plain: (x: Arr) => np.ediff1d(x),
  trapezoid: (y: Arr) => np.trapezoid(y),
  trapezoid_x: (y: Arr, x: Arr) => np.trapezoid(y, x),
  trapezoid_dx_axis0: (y: Arr) => np.trapezoid(y, { dx: 0.5, axis: 0 }),
  unwrap: (p: Arr) => np.unwrap(p),
  unwrap_period: (p: Arr) => np.unwrap(p, { period: 4, axis: 0, discont: 3 }),
  cumulative_sum: (x: Arr) => np.cumulativeSum(x, 1),
  cumulative_sum_initial: (x: Arr) => np.cumulativeSum(x, { axis: 0, includeInitial: true }),
  cumulative_sum_1d: (x: Arr) => np.cumulativeSum(x),
  cumulative_prod: (x: Arr) => np.cumulativeProd(x, 1, { includeInitial: true }),
  cumulative_sum_bool: (x: Arr) => np.cumulativeSum(x),
  cov: (x: Arr) => np.cov(x),
  cov_rowvar_bias: (x: Arr) => np.cov(x, { rowvar: false, bias: true }),
  cov_y_ddof: (x: Arr, y: Arr) => np.cov(x, { y, ddof: 0 }),
  cov_weights: (x: Arr, aw: Arr) => np.cov(x, { fweights: i32(1, 2, 1, 3, 1, 1), aweights: aw }),
  cov_1d: (x: Arr) => np.cov(x),
  corrcoef: (x: Arr) => np.corrcoef(x),
  corrcoef_y: (x: Arr, y: Arr) => np.corrcoef(x, y, false),
  corrcoef_1d: (x: Arr) => np.corrcoef(x),
  cross: (a: Arr, b: Arr) => np.cross(a, b),
  cross_2_3: (a: Arr, b: Arr) => np.cross(a, b),
  cross_2_2: (a: Arr, b: Arr) => np.cross(a, b),
  cross_axes: (a: Arr, b: Arr) => np.cross(a, b, 0, 1, 0),
  cross_axis: (a: Arr, b: Arr) => np.cross(a, b, { axis: 0 }),
  matrix_transpose: np.matrixTranspose,
  matvec: np.matvec,
  matvec_bcast: np.matvec,
  vecmat: np.vecmat,
  vecdot: (a: Arr, b: Arr) => np.vecdot(a, b),
  vecdot_axis0: (a: Arr, b: Arr) => np.vecdot(a, b, 0),
  meshgrid: (a: Arr, b: Arr, c: Arr) => np.meshgrid(a, b, c),
  meshgrid_ij: (a: Arr, b: Arr) => np.meshgrid(a, b, { indexing: "ij" }),
  meshgrid_sparse: (a: Arr, b: Arr) => np.meshgrid(a, b, { sparse: true }),
  indices: () => np.indices([2, 3]),
  indices_sparse: () => np.indices([2, 3], { sparse: true }),
  fromfunction: () => np.fromfunction((i: Arr, j: Arr) => np.add(i, np.multiply(2, j)), [2, 3]),
  diag_indices: () => np.diagIndices(3, 3),
  diag_indices_from: (x: Arr) => np.diagIndicesFrom(x),
  logspace: () => np.logspace(0, 2, 5),
  logspace_base2: () => np.logspace(0, 3, 4, false, 2),
  logspace_f64: () => np.logspace(-1, 1.5, { num: 7, dtype: "float64" }),
  geomspace: () => np.geomspace(1, 1000, 4),
  geomspace_neg: () => np.geomspace(-1, -16, 5),
  geomspace_noend: () => np.geomspace(2, 32, { num: 4, endpoint: false }),
  hsplit: (x: Arr) => np.hsplit(x, 2),
  hsplit_1d: (x: Arr) => np.hsplit(x, [1, 3]),
  vsplit: (x: Arr) => np.vsplit(x, [1]),
  dsplit: (x: Arr) => np.dsplit(x, 2),
  unstack: (x: Arr) => np.unstack(x, 1),
  append: (a: Arr, b: Arr) => np.append(a, b),
  append_axis0: (a: Arr, b: Arr) => np.append(a, b, 0),
  apply_along_axis: (x: Arr) => np.applyAlongAxis((v: Arr) => np.multiply(v, np.sum(v)), 1, x),
  apply_along_axis_scalar: (x: Arr) => np.applyAlongAxis((v: Arr) => np.subtract(np.max(v), np.min(v)), 0, x),
  apply_over_axes: (x: Arr) => np.applyOverAxes((a: Arr, ax: number) => np.sum(a, ax), x, [0, 2]),
  array_equiv: np.arrayEquiv,
  array_equiv_ne: np.arrayEquiv,
  array_equiv_shape: np.arrayEquiv,
  isin: (a: Arr, b: Arr) => np.isin(a, b),
  isin_invert: (a: Arr, b: Arr) => np.isin(a, b, { invert: true }),
  select: (x: Arr) => np.select([np.less(x, -0.3), np.greater(x, 0.3)], [np.multiply(x, 2), np.power(x, 2)], 0.5),
  select_default: (x: Arr) => np.select([np.less(x, 0)], [np.negative(x)]),
});
const acts = {
  celu: (x: Arr) => nn.celu(x),
  selu: nn.selu,
  hard_sigmoid: nn.hardSigmoid,
  hard_silu: nn.hardSilu,
  hard_tanh: nn.hardTanh,
  identity: nn.identity,
  mish: nn.mish,
  soft_sign: nn.softSign,
  sparse_plus: nn.sparsePlus,
  sparse_sigmoid: nn.sparseSigmoid,
  squareplus: (x: Arr) => nn.squareplus(x),
};
for (const [k, f] of Object.entries(acts)) fns[`nn.${k}`] = f as F;
const tril = (t: number, s: number, k: number) => np.array(Array.from({ length: t }, (_, i) => Array.from({ length: s }, (_, j) => j <= i + k)));
Object.assign(fns, {
  "nn.celu_alpha": (x: Arr) => nn.celu(x, 0.5),
  "nn.squareplus_b": (x: Arr) => nn.squareplus(x, { b: 1 }),
  "nn.log1mexp": nn.log1mexp,
  "nn.glu": (x: Arr) => nn.glu(x),
  "nn.glu_axis0": (x: Arr) => nn.glu(x, 0),
  "nn.logmeanexp": (x: Arr) => nn.logmeanexp(x),
  "nn.logmeanexp_axis": (x: Arr) => nn.logmeanexp(x, 1, { keepdims: true }),
  "nn.logmeanexp_where": (x: Arr) =>
    nn.logmeanexp(x, 0, {
      where: np.array([
        [true, false, true, true],
        [true, false, true, true],
        [true, true, false, true],
      ]),
    }),
  "nn.standardize": (x: Arr) => nn.standardize(x),
  "nn.standardize_axis0": (x: Arr) => nn.standardize(x, { axis: 0, epsilon: 1e-3 }),
  "nn.standardize_given": (x: Arr, m: Arr, v: Arr) => nn.standardize(x, 1, m, v),
  "nn.dot_product_attention": (q: Arr, k: Arr, v: Arr) => nn.dotProductAttention(q, k, v),
  "nn.dot_product_attention_bias_mask": (q: Arr, k: Arr, v: Arr, b: Arr) => nn.dotProductAttention(q, k, v, b, tril(3, 6, 2)),
  "nn.dot_product_attention_causal_scale": (q: Arr, k: Arr, v: Arr) => nn.dotProductAttention(q, k, v, { isCausal: true, scale: 0.3 }),
  "nn.dot_product_attention_lengths": (q: Arr, k: Arr, v: Arr) => nn.dotProductAttention(q, k, v, { querySeqLengths: i32(2, 3), keyValueSeqLengths: i32(4, 6) }),
  "nn.dot_product_attention_window": (q: Arr, k: Arr, v: Arr) => nn.dotProductAttention(q, k, v, { localWindowSize: [1, 1] }),
  "lax.top_k": (x: Arr) => lax.topK(x, 3),
  "lax.top_k_int": (x: Arr) => lax.topK(x, 4),
  "lax.conv_transpose_kernel": (l: Arr, r: Arr) => lax.convTranspose(l, r, [2, 1], "SAME", { transposeKernel: true }),
  "lax.conv_transpose_dilated_pads": (l: Arr, r: Arr) => lax.convTranspose(l, r, [2, 2], [[1, 0], [2, 1]], [2, 1]),
  "lax.conv_transpose_1d": (l: Arr, r: Arr) => lax.convTranspose(l, r, [3], "VALID", { dimensionNumbers: ["NCH", "OIH", "NCH"] }),
  "lax.conv_with_general_padding": (l: Arr, r: Arr) => lax.convWithGeneralPadding(l, r, [2, 1], [[1, 2], [0, 1]], [1, 2], [2, 1]),
  "sp.digamma": sp.digamma,
  "sp.digamma_poles": sp.digamma,
  "sp.digamma_grad2": vmap(grad(grad(sp.digamma))),
  "sp.polygamma1": (x: Arr) => sp.polygamma(1, x),
  "sp.polygamma2": (x: Arr) => sp.polygamma(2, x),
  "sp.polygamma3": (x: Arr) => sp.polygamma(3, x),
  "vmap:nanmean": vmap((x: Arr) => np.nanmean(x, 0)),
  "vmap:polyval": vmap(np.polyval),
  "vmap:cross": vmap((a: Arr, b: Arr) => np.cross(a, b)),
  "vmap:top_k": vmap((x: Arr) => lax.topK(x, 2)),
  "vmap:digamma": vmap(sp.digamma),
  "vmap:sinc": vmap(np.sinc),
  "vmap:convolve": vmap((a: Arr, v: Arr) => np.convolve(a, v, "same"), [0, null]),
  "vmap:unwrap": vmap((p: Arr) => np.unwrap(p)),
  "vmap:cov": vmap((x: Arr) => np.cov(x)),
  "vmap:frexp": vmap(np.frexp),
  "vmap:dot_product_attention": vmap((q: Arr, k: Arr, v: Arr) => nn.dotProductAttention(q, k, v)),
});
for (const pad of ["SAME", "VALID"] as const)
  for (const s of [1, 2]) fns[`lax.conv_transpose_${pad}_${s}`] = (l, r) => lax.convTranspose(l!, r!, [s, s], pad);

const baseName = (name: string) => name.replace(/:f(32|64)$/, "");

/** Cases whose gradient is taken with respect to other arguments than all of them. */
const GRAD_ARGNUMS: Record<string, number[]> = { "nn.dot_product_attention_lengths": [1, 2] };

/**
 * Gradient entries where jaxts deliberately differs from JAX 0.10.2, each with the value it
 * gives instead: d ldexp(1.5, 127) / dx1 is 2^127 (finite); JAX's, through its frexp-based
 * formula, overflows to inf.
 */
const GRAD_OVERRIDES: Record<string, [arg: number, flatIndex: number, value: number][]> = { "ldexp:f32": [[0, 3, 2 ** 127]] };

function expectedGrad(name: string, g: EncArray[]): EncArray[] {
  const out = g.map((e) => ({ ...e, data: [...e.data] }));
  for (const [arg, i, v] of GRAD_OVERRIDES[name] ?? []) out[arg]!.data[i] = v;
  return out;
}

/** float32 results are compared to a few float32 ulps; float64 ones much tighter. */
function tolerances(c: Case, name = ""): { rtol: number; atol: number } {
  // JAX runs attention's softmax in float32 whatever the input dtype, so float64 attention
  // agrees to float32 precision only.
  if (name.includes("dot_product_attention")) return { rtol: 3e-5, atol: 3e-6 };
  const f64 = c.inputs.some((e) => e.dtype === "float64") || JSON.stringify(c.out).includes('"float64"');
  return f64 ? { rtol: 1e-9, atol: 1e-12 } : { rtol: 3e-5, atol: 3e-6 };
}

describe("breadth functions against JAX 0.10.2", () => {
  it("has a function for every golden case and a golden case for every function", () => {
    const names = new Set(Object.keys(golden.cases).map(baseName));
    expect([...names].filter((n) => !(n in fns))).toEqual([]);
    expect(Object.keys(fns).filter((n) => !names.has(n))).toEqual([]);
  });

  for (const [name, c] of Object.entries(golden.cases)) {
    it(name, () => {
      const f = fns[baseName(name)]!;
      const inputs = c.inputs.map(decodeInput);
      const { rtol, atol } = tolerances(c, name);
      const errs: string[] = [];
      compareTree(f(...inputs), c.out, rtol, atol, "value", errs);
      if (c.grad) {
        const argnums = GRAD_ARGNUMS[baseName(name)] ?? c.grad.map((_, i) => i);
        const first = (t: unknown): Arr => (Array.isArray(t) ? first(t[0]) : (t as Arr));
        const g = grad((...a: Arr[]) => np.sum(first(f(...a))), { argnums: argnums.length === 1 ? argnums[0]! : argnums })(...inputs);
        compareTree(argnums.length === 1 ? [g] : g, expectedGrad(name, c.grad), rtol * 10, atol * 10, "grad", errs);
      }
      expect(errs).toEqual([]);
    });
  }
});

describe("a jitted sample agrees with JAX too", () => {
  for (const name of ["nanvar_axis1_keepdims:f32", "polymul:f32", "cov_weights:f32", "cross_axes:f32", "sp.digamma:f32", "nn.dot_product_attention_bias_mask:f32", "lax.top_k:f32", "frexp:f32", "unwrap:f32"]) {
    it(name, () => {
      const c = golden.cases[name]!;
      const errs: string[] = [];
      const { rtol, atol } = tolerances(c);
      compareTree(jit(fns[baseName(name)]!)(...c.inputs.map(decodeInput)), c.out, rtol, atol, "jit value", errs);
      expect(errs).toEqual([]);
    });
  }
});

describe("dtype introspection against JAX", () => {
  it("finfo", () => {
    for (const dt of ["float32", "float64"] as const) {
      const got = np.finfo(dt);
      const exp = golden.meta.finfo[dt]!;
      const fields: [keyof typeof got, string][] = [
        ["eps", "eps"], ["epsneg", "epsneg"], ["max", "max"], ["min", "min"], ["tiny", "tiny"], ["smallestNormal", "smallest_normal"],
        ["smallestSubnormal", "smallest_subnormal"], ["resolution", "resolution"], ["bits", "bits"], ["precision", "precision"], ["nmant", "nmant"],
        ["nexp", "nexp"], ["maxexp", "maxexp"], ["minexp", "minexp"],
      ];
      for (const [ours, theirs] of fields) expect([dt, ours, got[ours]]).toEqual([dt, ours, exp[theirs]]);
    }
  });
  it("iinfo", () => {
    for (const dt of ["int32", "uint32"] as const) expect(np.iinfo(dt)).toMatchObject(golden.meta.iinfo[dt]!);
  });
  it("promoteTypes", () => {
    // Generated with x64 on, where int32 and uint32 meet at int64; JAX's default (32-bit) mode
    // computes int32 + uint32 in int32, which is what jaxts (without int64) gives.
    for (const [a, b, r] of golden.meta.promote_types) expect([a, b, np.promoteTypes(a as np.DType, b as np.DType)]).toEqual([a, b, r === "int64" ? "int32" : r]);
  });
});
