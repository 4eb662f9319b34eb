/**
 * The WGSL renderer: turns the leaf kernels of a lowered Program (codegen/kernel) into compute
 * shaders, beside the WAT renderer over the same IR.
 *
 * - A map kernel is one invocation per point of its loop nest (the flat invocation index
 *   unravelled into the loop variables); a reduction inside its values is a serial loop in
 *   that invocation over the reduced variables.
 * - A matmul kernel is a tiled shader over the packed operand panels: each invocation keeps a
 *   4 x 8 register tile of accumulators; a workgroup stages K slabs of its panels in
 *   workgroup-shared memory (or, on software adapters, streams them from storage); the fused
 *   epilogue then stores each output.
 * - Views are index arithmetic (the IR's index expressions); a view that moves with a loop
 *   (scan's xs and ys slices) adds an element offset read from a uniform per dispatch.
 *
 * Buffers are bound as storage arrays of their element type; bool is stored as u32 (WGSL has no
 * byte-sized storage), and held as WGSL `bool` in registers.
 *
 * A kernel the renderer cannot express (an operation without a WGSL form yet) throws
 * UnsupportedKernel; the backend then runs the whole program on the host instead.
 */
import type { DType } from "../../ir/dtype.js";
import { type IExpr, type IVar, irange } from "../kernel/iexpr.js";
import type { BufferDecl, LeafStep, MapKernel, MatmulKernel } from "../kernel/kernel.js";
import { type ReduceOp, type SExpr, topoNodes } from "../kernel/sexpr.js";
import { renderMapVec4 } from "./vec4Map.js";

export class UnsupportedKernel extends Error {}

/** Invocations per workgroup of a map kernel. */
export const MAP_WORKGROUP = 256;
/** Invocations per workgroup of a tree reduction. */
export const TREE_WORKGROUP = 128;
/**
 * A reduction becomes a workgroup tree (one workgroup per output point) when each output
 * reduces at least TREE_MIN_REDUCED points and there are at most `treeMaxOutputs` outputs
 * (RenderOptions; beyond that, one invocation per output already fills a GPU).
 */
export const TREE_MIN_REDUCED = 256;

/** What suits the adapter (see WebgpuRuntime). */
export interface RenderOptions {
  /** Matmul shaders stage operand slabs in workgroup-shared memory. */
  readonly sharedMatmul: boolean;
  /** Most output points of a reduction rendered as workgroup trees. */
  readonly treeMaxOutputs: number;
  /** Map kernels run four points per invocation where they can (vec4Map.ts). */
  readonly vec4Maps?: boolean;
}
/** Side of the square output tile (and of the K slab) of the matmul shader. */
export const MATMUL_TILE = 16;
/**
 * A panels (4 rows each) per invocation of the streaming matmul shader (software adapters): an
 * 8 x nr register tile. On SwiftShader, matmul 512 took 183-195 ms of CPU with 2 panels against
 * 241-257 ms with 1 (a 4 x 8 tile); 4 panels, or 2 B panels, or both, were no better.
 */
export const STREAM_A_PANELS = 2;
/** Most workgroups along one dispatch dimension (WebGPU's default limit). */
export const MAX_GROUPS_PER_DIM = 65535;

/** A rendered kernel: its WGSL, the program buffers it binds (in binding order), and its launch shape. */
export interface RenderedKernel {
  readonly name: string;
  readonly wgsl: string;
  /** Program buffer ids, binding k = bindings[k]; `writes[k]` says whether it is written. */
  readonly bindings: readonly number[];
  readonly writes: readonly boolean[];
  /** Bindings that are views moving with a loop: their element offsets come from the uniform at binding `bindings.length`. */
  readonly offsetSlots: readonly number[];
  /** Constant words of this dispatch, after the offsets in the same uniform (passes of one multi-pass kernel share a pipeline). */
  readonly params?: readonly number[];
  /** Workgroups along x, y, z. */
  readonly groups: readonly [number, number, number];
}

export const storageType = (d: DType): string => {
  switch (d) {
    case "float32":
      return "f32";
    case "int32":
      return "i32";
    case "uint32":
    case "bool":
      return "u32";
    case "float64":
      throw new UnsupportedKernel("a float64 intermediate value (WebGPU has no 64-bit floats)");
    default:
      // int8/uint8/float16 have no WGSL kernels yet: such programs run as host steps.
      throw new UnsupportedKernel(`a ${d} value (no WGSL kernels for it yet)`);
  }
};
const valueType = (d: DType): string => (d === "bool" ? "bool" : storageType(d));

function f32Literal(v: number): string {
  if (!Number.isFinite(v) || Object.is(v, -0)) {
    const bits = new Uint32Array(new Float32Array([v]).buffer)[0]!;
    // through a function: WGSL rejects a constant expression that evaluates to inf or NaN
    return `fbits(0x${bits.toString(16)}u)`;
  }
  const s = String(v);
  return /[.e]/.test(s) ? `${s}f` : `${s}.0f`;
}

function literal(v: number, d: DType): string {
  switch (d) {
    case "float32":
      return f32Literal(v);
    case "int32":
      return v === -0x80000000 ? "bitcast<i32>(0x80000000u)" : `${v}i`;
    case "uint32":
      return `${v >>> 0}u`;
    case "bool":
      return v ? "true" : "false";
    case "float64":
      throw new UnsupportedKernel("float64 has no WGSL type");
    default:
      throw new UnsupportedKernel(`${d} has no WGSL kernels yet`);
  }
}

/** atan2c / atan2c4 (BodyEmitter.atan2) at one width: T the float type, U the bits type. */
function atan2Helper(suffix: string, T: string, U: string, isnan: string, or: string): string {
  const sign = (v: string) => `(bitcast<${U}>(${v}) & ${U}(0x80000000u))`;
  const nan = suffix ? "nan4()" : "nan()";
  return `fn atan2c${suffix}(y: ${T}, x: ${T}) -> ${T} { let pi = bitcast<${T}>(${U}(0x40490fdbu) | ${sign("y")}); let z = select(y, pi, ${sign("x")} != ${U}(0u)); let r = select(atan2(y, x), z, y == ${T}(0.0f)); return select(r, ${nan}, ${isnan}(y) ${or} ${isnan}(x)); }`;
}

/** Helper functions a kernel may call; only the ones used are emitted. */
export const helpers: Record<string, string> = {
  fbits: "fn fbits(b: u32) -> f32 { return bitcast<f32>(b); }",
  fdiv: "fn fdiv(a: i32, d: i32) -> i32 { let q = a / d; return select(q, q - 1, (a % d != 0) && (a < 0)); }",
  fmod: "fn fmod(a: i32, d: i32) -> i32 { let r = a % d; return select(r, r + d, r < 0); }",
  nan: "fn nan() -> f32 { return fbits(0x7fc00000u); }",
  isfin: "fn isfin(x: f32) -> bool { return (bitcast<u32>(x) & 0x7f800000u) != 0x7f800000u; }",
  isnan: "fn isnan_(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u; }",
  expm1: "fn expm1_(x: f32) -> f32 { if (abs(x) < 1e-5f) { return x + 0.5f * x * x; } let u = exp(x); if (u == 1.0f) { return x; } let um1 = u - 1.0f; if (um1 == -1.0f || abs(x) > 0.5f) { return um1; } return um1 * x / log(u); }",
  log1p: "fn log1p_(x: f32) -> f32 { let u = 1.0f + x; if (u == 1.0f) { return x; } if (abs(x) > 0.5f) { return log(u); } return log(u) * x / (u - 1.0f); }",
  // IEEE pow's special cases spelled out: SwiftShader's pow(0, -1) is 1.7e38, pow(1, inf) inf
  powc:
    "fn powc(x: f32, y: f32) -> f32 { if (y == 0.0f || x == 1.0f) { return 1.0f; } if (isnan_(x) || isnan_(y)) { return nan(); } if (x == -1.0f && abs(y) == fbits(0x7f800000u)) { return 1.0f; } var a = pow(abs(x), y); if (x == 0.0f) { a = select(0.0f, fbits(0x7f800000u), y < 0.0f); } if (x < 0.0f && floor(y) != y && x != fbits(0xff800000u)) { return nan(); } if ((bitcast<u32>(x) & 0x80000000u) != 0u && floor(y) == y && abs(y) < 16777216.0f && (i32(y) & 1) == 1) { return -a; } return a; }",
  erf:
    "fn erf_(x: f32) -> f32 { let a = abs(x); if (a < 0.5f) { let z = x * x; return 1.1283791670955126f * x * (1.0f + z * (-0.3333333333f + z * (0.1f + z * (-0.0238095238f + z * 0.0046296296f)))); } if (a >= 4.0f) { return sign(x); } let t = 1.0f / (1.0f + 0.3275911f * a); let p = t * (0.254829592f + t * (-0.284496736f + t * (1.421413741f + t * (-1.453152027f + t * 1.061405429f)))); return sign(x) * (1.0f - p * exp(-a * a)); }",
  erfc:
    "fn erfc_(x: f32) -> f32 { if (x < 0.5f) { return 1.0f - erf_(x); } if (x >= 10.0f) { return 0.0f; } let t = 1.0f / (1.0f + 0.3275911f * x); let p = t * (0.254829592f + t * (-0.284496736f + t * (1.421413741f + t * (-1.453152027f + t * 1.061405429f)))); return p * exp(-x * x); }",
  // Giles' single-precision approximation ("Approximating the erfinv function", 2010)
  erfinv:
    "fn erfinv_(x: f32) -> f32 { let a = abs(x); if (a >= 1.0f) { return select(nan(), x * fbits(0x7f800000u), a == 1.0f); } var w = -log((1.0f - x) * (1.0f + x)); var p: f32; if (w < 5.0f) { w = w - 2.5f; p = 2.81022636e-08f; p = 3.43273939e-07f + p * w; p = -3.5233877e-06f + p * w; p = -4.39150654e-06f + p * w; p = 0.00021858087f + p * w; p = -0.00125372503f + p * w; p = -0.00417768164f + p * w; p = 0.246640727f + p * w; p = 1.50140941f + p * w; } else { w = sqrt(w) - 3.0f; p = -0.000200214257f; p = 0.000100950558f + p * w; p = 0.00134934322f + p * w; p = -0.00367342844f + p * w; p = 0.00573950773f + p * w; p = -0.0076224613f + p * w; p = 0.00943887047f + p * w; p = 1.00167406f + p * w; p = 2.83297682f + p * w; } return p * x; }",
  // C's fmod, exact (a - b * trunc(a / b) is not once a / b passes 2^24): |a| less b scaled by
  // the largest power of two that fits, until below |b| (each subtraction exact), a's sign
  frem: "fn frem(a: f32, b: f32) -> f32 { if (isnan_(a) || isnan_(b) || !isfin(a) || b == 0.0f) { return nan(); } if (!isfin(b)) { return a; } let d = abs(b); var r = abs(a); for (var i = 0; i < 300 && r >= d; i++) { var q = ldexp(d, frexp(r).exp - frexp(d).exp); if (q > r) { q = q * 0.5f; } r = r - q; } return bitcast<f32>(bitcast<u32>(r) | (bitcast<u32>(a) & 0x80000000u)); }",
  // atan2 with IEEE's zeros and NaN (see BodyEmitter.atan2): y == +-0 gives y, or pi with y's sign when x's sign bit is set
  atan2c: atan2Helper("", "f32", "u32", "isnan_", "||"),
  atan2c4: atan2Helper("4", "vec4<f32>", "vec4<u32>", "isnan4", "|"),
  // the vec4 forms (vec4Map.ts) of isfin, isnan and nan
  isfin4: "fn isfin4(x: vec4<f32>) -> vec4<bool> { return (bitcast<vec4<u32>>(x) & vec4<u32>(0x7f800000u)) != vec4<u32>(0x7f800000u); }",
  isnan4: "fn isnan4(x: vec4<f32>) -> vec4<bool> { return (bitcast<vec4<u32>>(x) & vec4<u32>(0x7fffffffu)) > vec4<u32>(0x7f800000u); }",
  // through a let: WGSL rejects a constant expression that evaluates to NaN
  nan4: "fn nan4() -> vec4<f32> { let bits = vec4<u32>(0x7fc00000u); return bitcast<vec4<f32>>(bits); }",
};
const helperDeps: Record<string, string[]> = { atan2c: ["isnan", "nan"], atan2c4: ["isnan4", "nan4"], frem: ["nan", "isnan", "isfin"], powc: ["nan", "isnan", "fbits"], erfc: ["erf"], nan: ["fbits"], erfinv: ["nan", "fbits"] };

/**
 * A reduction rendered as a workgroup tree: every invocation of the workgroup folds a strided
 * share of the reduced points, then the partials are combined pairwise in workgroup memory.
 */
export interface TreeReduce {
  /** Invocations per workgroup (a power of two). */
  readonly wg: number;
  /** The local invocation index, as an i32 expression. */
  readonly li: string;
}

/**
 * How many points one invocation computes: 1 (values are scalars) or 4 consecutive points of the
 * innermost loop variable (values are vec4s; see vec4Map.ts). The expression forms below are
 * written once for both; a form that exists only for scalars throws UnsupportedKernel at width 4,
 * and the kernel is then rendered one point per invocation.
 */
export type Lanes = 1 | 4;

/** Emits the statements of one kernel body; collects helper functions it needs. */
export class BodyEmitter {
  readonly lines: string[] = [];
  readonly used = new Set<string>();
  /** Module-scope declarations (workgroup arrays of tree reductions). */
  readonly decls: string[] = [];
  /** When set, reductions render as workgroup trees (see renderMap). */
  tree: TreeReduce | null = null;
  private tmp = 0;
  constructor(
    private readonly varName: (v: IVar) => string,
    private readonly load: (buf: number, index: string, dtype: DType) => string,
    readonly lanes: Lanes = 1,
    /** Renders the leaves it knows (vec4Map.ts: loads, iota and icond per lane); undefined for the rest. */
    private readonly leaf?: (e: SExpr) => string | undefined,
  ) {}

  /** The WGSL type of a value of dtype `d`, `lanes` wide. */
  type(d: DType): string {
    return this.lanes === 1 ? valueType(d) : `vec4<${valueType(d)}>`;
  }

  /** The constant `v` as a value of dtype `d`, `lanes` wide. */
  lit(v: number, d: DType): string {
    return this.lanes === 1 ? literal(v, d) : `${this.type(d)}(${literal(v, d)})`;
  }

  /** Stops a vec4 rendering at a form that exists only for scalars. */
  private scalarOnly(what: string): void {
    if (this.lanes !== 1) throw new UnsupportedKernel(`${what} has no vec4 form`);
  }

  /**
   * `value`, a function of x, made NaN where x is NaN or `outside` (x out of the function's
   * domain) holds, as IEEE and the reference have it. WGSL does not promise either, and
   * SwiftShader breaks both: exp(NaN) and cosh(NaN) are +inf, tanh(NaN) -1, sign(NaN),
   * logistic(NaN) and cbrt(NaN) 0, log(NaN) 89.1, log(-x) log(x), acosh(0.5) 89.1, atanh(2)
   * 0.55 (test/webgpu/nanSemantics.test.ts). The NaN test is on the bits: `x != x` is false there.
   */
  private nanWhere(value: string, x: string, outside?: string): string {
    const isnan = `${this.helper("isnan")}(${x})`;
    if (outside === undefined) return `select(${value}, ${x}, ${isnan})`;
    return `select(${value}, ${this.helper("nan")}(), ${isnan} ${this.lanes === 1 ? "||" : "|"} (${outside}))`;
  }

  /** atan2 with NaN propagated and the signs of zeros (SwiftShader: atan2(NaN, 0) is 0, atan2(-0, 1) pi, atan2(0, -0) 0). */
  private atan2(y: string, x: string): string {
    const h = this.lanes === 1 ? "atan2c" : "atan2c4";
    this.need(h);
    return `${h}(${y}, ${x})`;
  }

  /** Names the helper function `h` (isfin, isnan or nan) at this width, and emits it. */
  private helper(h: "isfin" | "isnan" | "nan"): string {
    if (this.lanes === 1) {
      this.need(h);
      return h === "isnan" ? "isnan_" : h;
    }
    this.need(`${h}4`);
    return `${h}4`;
  }

  need(h: string): void {
    if (this.used.has(h)) return;
    this.used.add(h);
    for (const d of helperDeps[h] ?? []) this.need(d);
  }

  fresh(prefix: string): string {
    return `${prefix}${this.tmp++}`;
  }

  index(x: IExpr): string {
    const parts: string[] = [];
    for (const t of x.terms) {
      const a = t.atom;
      let s: string;
      switch (a.k) {
        case "var":
          s = this.varName(a);
          break;
        case "div":
        case "mod": {
          const inner = this.index(a.a);
          const nonneg = irange(a.a)[0] >= 0;
          if (nonneg) s = a.k === "div" ? `((${inner}) / ${a.d})` : `((${inner}) % ${a.d})`;
          else {
            const h = a.k === "div" ? "fdiv" : "fmod";
            this.need(h);
            s = `${h}(${inner}, ${a.d})`;
          }
          break;
        }
        case "clamp":
          s = `clamp(${this.index(a.a)}, ${a.lo}, ${a.hi})`;
          break;
        case "read": {
          // A data-dependent index: the stored integer, clamped (uint32 clamped before the cast).
          const raw = this.load(a.buf, this.index(a.a), a.dtype);
          s = a.dtype === "uint32" ? `i32(clamp(${raw}, ${a.lo}u, ${a.hi}u))` : `clamp(${raw}, ${a.lo}, ${a.hi})`;
          break;
        }
      }
      parts.push(t.coef === 1 ? s : `${t.coef} * ${s}`);
    }
    if (x.c !== 0 || parts.length === 0) parts.push(String(x.c));
    return parts.join(" + ");
  }

  /** Emits `let`s for every node reachable from the roots (not yet in scope) and returns the root names. */
  values(roots: readonly SExpr[], scope: Map<number, string>): string[] {
    for (const e of topoNodes(roots)) {
      if (scope.has(e.id)) continue;
      // nodes inside a reduction body are emitted by the reduction's loop
      if (e.k === "reduce") {
        scope.set(e.id, this.reduce(e, scope));
        continue;
      }
      if (insideReduceOnly(e, roots, scope)) continue;
      const name = `n${e.id}`;
      this.lines.push(`let ${name}: ${this.type(e.dtype)} = ${this.expr(e, scope)};`);
      scope.set(e.id, name);
    }
    return roots.map((r) => scope.get(r.id)!);
  }

  /** `a op b` for two partial results of a reduction (not argmax/argmin). */
  private combine(op: ReduceOp, a: string, b: string, d: DType): string {
    switch (op) {
      case "sum":
        return `${a} + ${b}`;
      case "prod":
        return `${a} * ${b}`;
      case "and":
        return `${a} && ${b}`;
      case "or":
        return `${a} || ${b}`;
      default:
        if (d === "float32") {
          // NaN wins, as in XLA
          this.need("isnan");
          this.need("nan");
          return `select(${op}(${a}, ${b}), nan(), isnan_(${a}) || isnan_(${b}))`;
        }
        return `${op}(${a}, ${b})`;
    }
  }

  /** The reduction as a workgroup tree (see TreeReduce); every invocation ends with the result. */
  private treeReduce(e: Extract<SExpr, { k: "reduce" }>, outer: Map<number, string>, init: string, tree: TreeReduce): string {
    const acc = this.fresh("acc");
    const t = valueType(e.dtype);
    const R = e.rvars.reduce((n, v) => n * v.extent, 1);
    const f = `${acc}_f`;
    this.decls.push(`var<workgroup> ${acc}_w: array<${t}, ${tree.wg}>;`);
    this.lines.push(`var ${acc}: ${t} = ${init};`);
    this.lines.push(`for (var ${f}: i32 = ${tree.li}; ${f} < ${R}; ${f} += ${tree.wg}) {`);
    let stride = R;
    for (const v of e.rvars) {
      stride /= v.extent;
      this.lines.push(`let ${this.varName(v)} = (${f} / ${stride}) % ${v.extent};`);
    }
    const [b] = this.values([e.body], new Map(outer));
    this.lines.push(`${acc} = ${this.combine(e.op, acc, b!, e.dtype)};`, "}");
    this.lines.push(`${acc}_w[${tree.li}] = ${acc};`, "workgroupBarrier();");
    for (let h = tree.wg / 2; h >= 1; h /= 2) {
      this.lines.push(`if (${tree.li} < ${h}) { ${acc}_w[${tree.li}] = ${this.combine(e.op, `${acc}_w[${tree.li}]`, `${acc}_w[${tree.li} + ${h}]`, e.dtype)}; }`, "workgroupBarrier();");
    }
    this.lines.push(`let ${acc}_r = ${acc}_w[0];`);
    return `${acc}_r`;
  }

  private reduce(e: Extract<SExpr, { k: "reduce" }>, outer: Map<number, string>): string {
    if (this.tree && treeable(e)) return this.treeReduce(e, outer, reduceInit(e), this.tree);
    const acc = this.fresh("acc");
    const bd = e.body.dtype;
    const arg = e.op === "argmax" || e.op === "argmin";
    if (arg) {
      this.lines.push(`var ${acc}_v: ${valueType(bd)} = ${reduceInit(e)};`);
      this.lines.push(`var ${acc}: ${valueType(e.dtype)} = ${literal(0, e.dtype)};`);
    } else this.lines.push(`var ${acc}: ${valueType(e.dtype)} = ${reduceInit(e)};`);
    for (const v of e.rvars) this.lines.push(`for (var ${this.varName(v)}: i32 = 0; ${this.varName(v)} < ${v.extent}; ${this.varName(v)}++) {`);
    const inner = new Map(outer);
    const [b] = this.values([e.body], inner);
    switch (e.op) {
      case "sum":
        this.lines.push(`${acc} = ${acc} + ${b};`);
        break;
      case "prod":
        this.lines.push(`${acc} = ${acc} * ${b};`);
        break;
      case "max":
      case "min":
        if (bd === "bool") this.lines.push(`${acc} = ${acc} ${e.op === "max" ? "||" : "&&"} ${b};`);
        // float32: NaN wins, as in XLA, and stays (combine)
        else this.lines.push(`${acc} = ${this.combine(e.op, acc, b!, bd)};`);
        break;
      case "and":
        this.lines.push(`${acc} = ${acc} && ${b};`);
        break;
      case "or":
        this.lines.push(`${acc} = ${acc} || ${b};`);
        break;
      case "argmax":
      case "argmin": {
        const r = this.varName(e.rvars[0]!);
        const cmp = e.op === "argmax" ? ">" : "<";
        let better: string;
        if (bd === "bool") better = `(${r} == 0 || (u32(${b}) ${cmp} u32(${acc}_v)))`;
        else if (bd === "float32" && e.selectFold) {
          // XLA's select fold: replaced unless the held value is >= (<=) b, so a NaN on either side replaces
          this.need("isnan");
          better = `(${r} == 0 || isnan_(${acc}_v) || isnan_(${b}) || ${b} ${cmp} ${acc}_v)`;
        } else if (bd === "float32") {
          // the first NaN wins; otherwise the first extreme
          this.need("isnan");
          better = `(${r} == 0 || (!isnan_(${acc}_v) && (isnan_(${b}) || ${b} ${cmp} ${acc}_v)))`;
        } else better = `(${r} == 0 || ${b} ${cmp} ${acc}_v)`;
        this.lines.push(`if ${better} { ${acc}_v = ${b}; ${acc} = ${e.dtype === "uint32" ? `u32(${r})` : r}; }`);
        break;
      }
    }
    for (let k = 0; k < e.rvars.length; k++) this.lines.push("}");
    return acc;
  }

  private expr(e: SExpr, scope: Map<number, string>): string {
    const own = this.leaf?.(e);
    if (own !== undefined) return own;
    const v = (x: SExpr) => scope.get(x.id)!;
    switch (e.k) {
      case "load":
        return this.load(e.buf, this.index(e.index), e.dtype);
      case "const":
        return this.lit(e.value, e.dtype);
      case "iota":
        return this.convert(this.index(e.index), "int32", e.dtype);
      case "icond":
        return `(${this.index(e.index)} ${e.op === "lt" ? "<" : e.op === "ge" ? ">=" : "=="} ${e.c})`;
      case "acc":
        this.scalarOnly("a scan accumulator");
        return "acc";
      case "unary":
        return this.unary(e.op, v(e.a), e.a.dtype);
      case "binary":
        return this.binary(e.op, v(e.a), v(e.b), e.a.dtype);
      case "compare": {
        const op = { eq: "==", ne: "!=", lt: "<", le: "<=", gt: ">", ge: ">=" }[e.op];
        if (e.a.dtype === "bool" && op !== "==" && op !== "!=") {
          this.scalarOnly("an ordered comparison of bools");
          return `(u32(${v(e.a)}) ${op} u32(${v(e.b)}))`;
        }
        // SwiftShader's float != is ordered (NaN != x is false): the negation of == is not
        if (op === "!=" && e.a.dtype === "float32") return `(!(${v(e.a)} == ${v(e.b)}))`;
        return `(${v(e.a)} ${op} ${v(e.b)})`;
      }
      case "select": {
        const w = v(e.which);
        if (e.which.dtype === "bool") return `select(${v(e.cases[0]!)}, ${v(e.cases[1]!)}, ${w})`;
        // an integer index past the ends picks the nearest case
        let s = v(e.cases[e.cases.length - 1]!);
        for (let k = e.cases.length - 2; k >= 0; k--) s = `select(${s}, ${v(e.cases[k]!)}, ${w} <= ${this.lit(k, e.which.dtype)})`;
        return s;
      }
      case "clamp":
        return `min(max(${v(e.x)}, ${v(e.lo)}), ${v(e.hi)})`;
      case "convert":
        return this.convert(v(e.a), e.a.dtype, e.dtype);
      case "bitcast":
        if (e.dtype === "bool" || e.a.dtype === "bool") this.scalarOnly("a bitcast of bools");
        return `bitcast<${this.type(e.dtype)}>(${v(e.a)})`;
      case "round":
        if (e.method === "toNearestEven") return `round(${v(e.a)})`;
        this.scalarOnly("round half away from zero");
        return `select(trunc(${v(e.a)}), trunc(${v(e.a)}) + sign(${v(e.a)}), abs(${v(e.a)} - trunc(${v(e.a)})) >= 0.5f)`;
      case "ipow": {
        const x = v(e.a);
        const n = Math.abs(e.y);
        if (n === 0) return this.lit(1, e.dtype);
        // square-and-multiply, written out
        const name = this.fresh("p");
        let acc = "";
        let base = x;
        let k = n;
        let bi = 0;
        while (k > 0) {
          if (k & 1) acc = acc ? `(${acc} * ${base})` : base;
          k >>= 1;
          if (k > 0) {
            const nb = `${name}_${bi++}`;
            this.lines.push(`let ${nb} = ${base} * ${base};`);
            base = nb;
          }
        }
        return e.y < 0 ? `(${this.lit(1, e.dtype)} / ${acc})` : acc;
      }
      case "reduce":
        throw new Error("internal: reduce emitted as an expression");
    }
  }

  private unary(op: string, x: string, d: DType): string {
    const float = d === "float32";
    if (d === "bool" && op !== "not") this.scalarOnly(`${op} on bool`);
    switch (op) {
      case "neg":
        return d === "uint32" ? `(${this.lit(0, d)} - ${x})` : `(-${x})`;
      case "sign":
        if (d === "uint32") return `select(${this.lit(0, d)}, ${this.lit(1, d)}, ${x} != ${this.lit(0, d)})`;
        return d === "float32" ? this.nanWhere(`sign(${x})`, x) : `sign(${x})`;
      case "abs":
        return d === "uint32" ? x : `abs(${x})`;
      case "square":
        return `(${x} * ${x})`;
      case "not":
        return d === "bool" ? `(!${x})` : `(~${x})`;
    }
    if (!float) throw new UnsupportedKernel(`${op} on ${d}`);
    switch (op) {
      case "floor":
      case "ceil":
      case "sin":
      case "cos":
      case "tan":
      case "asin":
      case "acos":
      case "atan":
      case "sinh":
      case "sqrt":
        return `${op}(${x})`;
      // the builtins a driver got wrong on NaN or outside their domain (see nanWhere)
      case "exp":
      case "exp2":
      case "cosh":
        return this.nanWhere(`${op}(${x})`, x);
      case "asinh":
        // beyond 4096, ln(2|x|) (asinh - that < 2e-8): SwiftShader's x * x overflows to inf from 1e19, and asinh(+-inf) is 89.1
        return this.nanWhere(`select(asinh(${x}), sign(${x}) * (log(abs(${x})) + 0.6931471805599453f), abs(${x}) > ${this.lit(4096, d)})`, x);
      case "log":
        // log(+-0) is -inf (SwiftShader: -88.03)
        return this.nanWhere(`select(log(${x}), ${this.lit(-Infinity, d)}, ${x} == ${this.lit(0, d)})`, x, `${x} < ${this.lit(0, d)}`);
      case "acosh":
        return this.nanWhere(`acosh(${x})`, x, `${x} < ${this.lit(1, d)}`);
      case "atanh":
        // atanh(+-1) is +-inf (SwiftShader: +-44)
        return this.nanWhere(`select(atanh(${x}), ${x} * ${this.lit(Infinity, d)}, abs(${x}) == ${this.lit(1, d)})`, x, `abs(${x}) > ${this.lit(1, d)}`);
      case "tanh":
        // tanh is 1 in float32 beyond 9; clamping keeps exp from overflowing in the driver's formula
        return this.nanWhere(`tanh(clamp(${x}, ${this.lit(-15, d)}, ${this.lit(15, d)}))`, x);
      case "isFinite":
        return `${this.helper("isfin")}(${x})`;
      case "logistic":
        return this.nanWhere(`(1.0f / (1.0f + exp(-${x})))`, x);
      case "rsqrt":
        return `inverseSqrt(${x})`;
    }
    // helper functions (and pow) on scalars only
    this.scalarOnly(op);
    switch (op) {
      case "expm1":
        this.need("expm1");
        return `expm1_(${x})`;
      case "log1p":
        this.need("log1p");
        return this.nanWhere(`select(log1p_(${x}), ${f32Literal(-Infinity)}, ${x} == -1.0f)`, x, `${x} < -1.0f`);
      case "cbrt":
        return this.nanWhere(`(sign(${x}) * pow(abs(${x}), 1.0f / 3.0f))`, x);
      case "erf":
        this.need("erf");
        return `erf_(${x})`;
      case "erfc":
        this.need("erfc");
        return `erfc_(${x})`;
      case "erfInv":
        this.need("erfinv");
        return `erfinv_(${x})`;
    }
    throw new UnsupportedKernel(`unary ${op} has no WGSL form yet`);
  }

  private binary(op: string, a: string, b: string, d: DType): string {
    const int = d === "int32" || d === "uint32";
    // bool's logical operators: && and || take scalars only
    const [and, or] = this.lanes === 1 ? ["&&", "||"] : ["&", "|"];
    switch (op) {
      case "add":
        return d === "bool" ? `(${a} ${or} ${b})` : `(${a} + ${b})`;
      case "sub":
        if (d === "bool") this.scalarOnly("sub on bool");
        return `(${a} - ${b})`;
      case "mul":
        return d === "bool" ? `(${a} ${and} ${b})` : `(${a} * ${b})`;
      case "div":
        // XLA: x / 0 is -1 (all bits set) for integers
        if (d !== "float32") this.scalarOnly(`div on ${d}`);
        if (int) return `select(${d === "int32" ? "-1i" : "0xffffffffu"}, ${a} / select(${b}, ${literal(1, d)}, ${b} == ${literal(0, d)}), ${b} != ${literal(0, d)})`;
        return `(${a} / ${b})`;
      case "max":
      case "min":
        if (d === "bool") return op === "max" ? `(${a} ${or} ${b})` : `(${a} ${and} ${b})`;
        if (d === "float32") {
          // NaN wins, as in XLA
          const isnan = this.helper("isnan");
          return `select(${op}(${a}, ${b}), ${this.helper("nan")}(), ${isnan}(${a}) ${or} ${isnan}(${b}))`;
        }
        return `${op}(${a}, ${b})`;
      case "atan2":
        if (d !== "float32") {
          this.scalarOnly(`atan2 on ${d}`);
          return `atan2(${a}, ${b})`;
        }
        return this.atan2(a, b);
      case "and":
      case "or":
      case "xor":
        if (d === "float32") this.scalarOnly(`${op} on float32`);
        if (d !== "bool") return `(${a} ${op === "and" ? "&" : op === "or" ? "|" : "^"} ${b})`;
        return `(${a} ${op === "and" ? and : op === "or" ? or : "!="} ${b})`;
    }
    // the rest on scalars only
    this.scalarOnly(op);
    switch (op) {
      case "rem":
        if (int) return `select(${a}, ${a} % select(${b}, ${literal(1, d)}, ${b} == ${literal(0, d)}), ${b} != ${literal(0, d)})`;
        this.need("frem");
        return `frem(${a}, ${b})`;
      case "pow":
        this.need("powc");
        return `powc(${a}, ${b})`;
      case "shiftLeft":
        return `select(${literal(0, d)}, ${a} << (u32(${b}) & 31u), u32(${b}) < 32u)`;
      case "shiftRightLogical":
        return d === "int32" ? `select(0i, bitcast<i32>(bitcast<u32>(${a}) >> (u32(${b}) & 31u)), u32(${b}) < 32u)` : `select(0u, ${a} >> (${b} & 31u), ${b} < 32u)`;
      case "shiftRightArithmetic": {
        const s = d === "int32" ? a : `bitcast<i32>(${a})`;
        const r = `select(${s} >> 31u, ${s} >> (u32(${b}) & 31u), u32(${b}) < 32u)`;
        return d === "int32" ? r : `bitcast<u32>(${r})`;
      }
    }
    throw new UnsupportedKernel(`binary ${op} has no WGSL form yet`);
  }

  /** A value of dtype `from` as dtype `to`. */
  convert(x: string, from: DType, to: DType): string {
    if (from === to) return x;
    if (to === "bool") return from === "float32" ? `(!(${x} == ${this.lit(0, from)}))` : `(${x} != ${this.lit(0, from)})`; // NaN is true (see compare)
    if (from === "bool") return `select(${this.lit(0, to)}, ${this.lit(1, to)}, ${x})`;
    if (to === "uint32" && from === "float32") return `bitcast<${this.type("uint32")}>(${this.type("int32")}(${x}))`; // negative values wrap, as the reference does
    return (from === "int32" && to === "uint32") || (from === "uint32" && to === "int32") ? `bitcast<${this.type(to)}>(${x})` : `${this.type(to)}(${x})`;
  }
}

/** The identity of a reduction (for argmax/argmin: of its running value). */
function reduceInit(e: Extract<SExpr, { k: "reduce" }>): string {
  const bd = e.body.dtype;
  const inf = (neg: boolean) =>
    bd === "float32" ? f32Literal(neg ? -Infinity : Infinity) : bd === "int32" ? literal(neg ? -0x80000000 : 0x7fffffff, "int32") : bd === "uint32" ? (neg ? "0u" : "0xffffffffu") : neg ? "false" : "true";
  switch (e.op) {
    case "sum":
      return literal(0, e.dtype);
    case "prod":
      return literal(1, e.dtype);
    case "max":
      return inf(true);
    case "min":
      return inf(false);
    case "and":
      return "true";
    case "or":
      return "false";
    default:
      return inf(e.op === "argmax");
  }
}

/** Whether a reduction can be a workgroup tree: not argmax/argmin (pairs), not on bool (no bool in workgroup memory), same dtype in and out. */
function treeable(e: Extract<SExpr, { k: "reduce" }>): boolean {
  return e.op !== "argmax" && e.op !== "argmin" && e.dtype !== "bool" && e.body.dtype === e.dtype;
}

/** Whether a node is only reachable through a reduction not yet emitted (so it belongs inside that loop). */
function insideReduceOnly(e: SExpr, roots: readonly SExpr[], scope: Map<number, string>): boolean {
  // Walk from the roots without entering reductions: e is outside-reachable if found.
  const seen = new Set<number>();
  const stack = [...roots];
  while (stack.length) {
    const x = stack.pop()!;
    if (seen.has(x.id) || scope.has(x.id)) continue;
    seen.add(x.id);
    if (x.id === e.id) return false;
    if (x.k === "reduce") continue;
    switch (x.k) {
      case "unary":
      case "convert":
      case "bitcast":
      case "round":
      case "ipow":
        stack.push(x.a);
        break;
      case "binary":
      case "compare":
        stack.push(x.a, x.b);
        break;
      case "select":
        stack.push(x.which, ...x.cases);
        break;
      case "clamp":
        stack.push(x.lo, x.x, x.hi);
        break;
      default:
        break;
    }
  }
  return true;
}

/** How a kernel addresses its buffers: each program buffer it touches becomes one binding. */
export class Bindings {
  readonly ids: number[] = [];
  readonly writes: boolean[] = [];
  readonly offsetSlots: number[] = [];
  /** Bindings declared as vec4 arrays (the matmul's packed panels). */
  readonly vec4 = new Set<number>();
  /** Bindings declared as arrays of atomics (binding -> "i32" | "u32"). */
  readonly atomic = new Map<number, string>();
  /** Constant words after the offsets in the uniform (see RenderedKernel.params). */
  paramCount = 0;
  constructor(private readonly buffers: readonly BufferDecl[]) {}
  slot(buf: number, write: boolean): number {
    let k = this.ids.indexOf(buf);
    if (k < 0) {
      k = this.ids.length;
      this.ids.push(buf);
      this.writes.push(write);
      if (movesWithLoop(this.buffers, buf)) this.offsetSlots.push(k);
    } else if (write) this.writes[k] = true;
    return k;
  }
  at(buf: number, index: string): string {
    const k = this.slot(buf, false);
    const off = this.offsetSlots.indexOf(k);
    return off < 0 ? `b${k}[${index}]` : `b${k}[${index} + off[${off >> 2}][${off & 3}]]`;
  }
  /** Constant word p of the dispatch (call once every binding is slotted). */
  param(p: number): string {
    const w = this.offsetSlots.length + p;
    return `off[${w >> 2}][${w & 3}]`;
  }
  declarations(): string[] {
    const out = this.ids.map((id, k) => {
      const decl = this.buffers[id]!;
      const d = decl.dtype;
      const a = this.atomic.get(k);
      const t = a ? `atomic<${a}>` : this.vec4.has(k) ? `vec4<${storageType(d)}>` : storageType(d);
      // Sized arrays where the bound buffer is exactly the declared one (not a view or a swap
      // pair, not atomics): the robustness clamp on every access is then against a constant
      // instead of the binding's runtime length. On SwiftShader: matmul 512's kernel 192 -> 180
      // ms of CPU (min 174 -> 151), exp(sin(x)*2+1) on 1e6 floats 19 -> 12.5 ms.
      const count = this.vec4.has(k) ? Math.floor(decl.size / 4) : decl.size;
      const sized = !a && !decl.view && !decl.swap && count >= 1;
      return `@group(0) @binding(${k}) var<storage, ${this.writes[k] || a ? "read_write" : "read"}> b${k}: array<${t}${sized ? `, ${count}` : ""}>;`;
    });
    const words = this.offsetSlots.length + this.paramCount;
    if (words) out.push(`@group(0) @binding(${this.ids.length}) var<uniform> off: array<vec4<i32>, ${Math.ceil(words / 4)}>;`);
    return out;
  }
}

/** Whether a buffer is (a view of) a window that moves with a loop's iteration. */
export function movesWithLoop(buffers: readonly BufferDecl[], b: number): boolean {
  const d = buffers[b]!;
  if (d.view) return true;
  return false;
}

export const loadAs = (binds: Bindings) => (buf: number, index: string, dtype: DType) => {
  const raw = binds.at(buf, index);
  return dtype === "bool" ? `(${raw} != 0u)` : raw;
};
export const storeValue = (v: string, d: DType) => (d === "bool" ? `select(0u, 1u, ${v})` : v);

export function assemble(binds: Bindings, body: BodyEmitter, main: string[]): string {
  const text = main.join("\n");
  if (text.includes("fbits(")) body.need("fbits");
  const fns = [...body.used].map((h) => helpers[h]!);
  return [...binds.declarations(), ...body.decls, ...fns, ...main].join("\n");
}

/** The reduction a map kernel holds, when it should render as a workgroup tree. */
function treeReduction(k: MapKernel, total: number, maxOutputs: number): Extract<SExpr, { k: "reduce" }> | null {
  const reduces = topoNodes(k.outs.map((o) => o.value)).filter((e): e is Extract<SExpr, { k: "reduce" }> => e.k === "reduce");
  if (reduces.length !== 1 || !treeable(reduces[0]!)) return null;
  const R = reduces[0]!.rvars.reduce((n, v) => n * v.extent, 1);
  return R >= TREE_MIN_REDUCED && total <= maxOutputs ? reduces[0]! : null;
}

/** Splits a count of workgroups over x and y (each at most MAX_GROUPS_PER_DIM). */
export function gridFor(groups: number): [number, number] {
  if (groups <= MAX_GROUPS_PER_DIM) return [Math.max(groups, 1), 1];
  const y = Math.ceil(groups / MAX_GROUPS_PER_DIM);
  return [Math.ceil(groups / y), y];
}

export function renderMap(k: MapKernel, buffers: readonly BufferDecl[], treeMaxOutputs = 16384): RenderedKernel {
  const binds = new Bindings(buffers);
  const names = new Map<number, string>();
  k.vars.forEach((v, i) => names.set(v.id, `i${i}`));
  const varName = (v: IVar) => {
    let n = names.get(v.id);
    if (n === undefined) names.set(v.id, (n = `r${v.id}`));
    return n;
  };
  // outputs first, so their bindings are writable
  for (const o of k.outs) binds.slot(o.buf, true);
  const body = new BodyEmitter(varName, loadAs(binds));
  // One invocation per point of the parallel variables; the sequential ones loop inside it, in
  // their order (a scatter, all of whose variables are sequential, is one invocation).
  const isSeq = (v: IVar) => k.sequential?.includes(v) ?? false;
  const parallel = k.vars.filter((v) => !isSeq(v));
  const total = parallel.reduce((n, v) => n * v.extent, 1);
  const tree = k.sequential ? null : treeReduction(k, total, treeMaxOutputs);
  if (tree) body.tree = { wg: TREE_WORKGROUP, li: "li" };
  // a tree: one workgroup per output point; else one invocation per point
  const [gx, gy] = gridFor(tree ? total : Math.ceil(total / MAP_WORKGROUP));
  const pre: string[] = tree
    ? // no early return: every invocation must reach the barriers; only the first stores
      [`let li = i32(lid);`, `let g0 = i32(wg.x + wg.y * ${gx}u);`, `let g = min(g0, ${total - 1});`]
    : [`let g = i32(gid.x + gid.y * ${gx * MAP_WORKGROUP}u);`, `if (g >= ${total}) { return; }`];
  let stride = total;
  let first = true;
  for (let d = 0; d < k.vars.length; d++) {
    const v = k.vars[d]!;
    if (isSeq(v)) continue;
    stride /= v.extent;
    pre.push(`let i${d} = ${first ? `g / ${stride}` : `(g / ${stride}) % ${v.extent}`};`);
    first = false;
  }
  const seqDims = k.vars.flatMap((v, d) => (isSeq(v) ? [d] : []));
  const scope = new Map<number, string>();
  const vals = body.values(
    k.outs.map((o) => o.value),
    scope,
  );
  let stores = k.outs.map((o, j) => `${binds.at(o.buf, body.index(o.index))} = ${storeValue(vals[j]!, buffers[o.buf]!.dtype)};`);
  if (tree) stores = [`if (li == 0 && g0 < ${total}) {`, ...stores.map((l) => `  ${l}`), "}"];
  const ind = "  ".repeat(seqDims.length + 1);
  const main = [
    `@compute @workgroup_size(${tree ? TREE_WORKGROUP : total === 1 ? 1 : MAP_WORKGROUP})`,
    tree
      ? `fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {`
      : `fn main(@builtin(global_invocation_id) gid: vec3<u32>) {`,
    ...pre.map((l) => `  ${l}`),
    ...seqDims.map((d, j) => `${"  ".repeat(j + 1)}for (var i${d}: i32 = 0; i${d} < ${k.vars[d]!.extent}; i${d}++) {`),
    ...body.lines.map((l) => `${ind}${l}`),
    ...stores.map((l) => `${ind}${l}`),
    ...seqDims.map((_, j) => `${"  ".repeat(seqDims.length - j)}}`),
    "}",
  ];
  return { name: k.name, wgsl: assemble(binds, body, main), bindings: binds.ids, writes: binds.writes, offsetSlots: binds.offsetSlots, groups: [gx, gy, 1] };
}

/**
 * The matmul shader. The packed operands are panels: 4 rows of A per k (one vec4), `nr` columns
 * of B per k (nr/4 vec4s). Each invocation owns one A panel x one B panel (a 4 x nr register
 * tile of accumulators); a workgroup of 8 x 8 invocations covers 32 x 8nr outputs and stages a
 * K slab of its 8 A panels and 8 B panels in workgroup-shared memory, so each operand element is
 * read from storage once per workgroup and each barrier pair covers 4 * nr * KT multiply-adds.
 * The epilogue (the fused consumers of the contraction) is a function of (b, m, n, acc) that
 * stores one output.
 */
export function renderMatmul(k: MatmulKernel, buffers: readonly BufferDecl[], shared = true): RenderedKernel {
  if (k.pairs !== undefined) throw new UnsupportedKernel("an int8 matmul (no WGSL kernel for paired int16 panels yet)");
  if (k.mr !== 4 || k.nr % 4 !== 0) throw new UnsupportedKernel(`matmul tile ${k.mr}x${k.nr}: the WGSL shader takes 4 x 4n tiles`);
  const P = 8; // panels per workgroup side
  const KT = MATMUL_TILE;
  const NV = k.nr / 4;
  const binds = new Bindings(buffers);
  const M = k.mVar.extent;
  const N = k.nVar.extent;
  const K = k.K;
  const MB = Math.ceil(M / 4);
  const NB = Math.ceil(N / k.nr);
  binds.slot(k.out.buf, true);
  const pa = binds.slot(k.packA, false);
  const pb = binds.slot(k.packB, false);
  binds.vec4.add(pa);
  binds.vec4.add(pb);
  const varName = (v: IVar) => (v.id === k.bVar.id ? "b" : v.id === k.mVar.id ? "m" : v.id === k.nVar.id ? "n" : `r${v.id}`);
  const body = new BodyEmitter(varName, loadAs(binds));
  const [ep] = body.values([k.epilogue], new Map());
  const store = `${binds.at(k.out.buf, body.index(k.out.index))} = ${storeValue(ep!, buffers[k.out.buf]!.dtype)};`;
  const fmas: string[] = [];
  for (let h = 0; h < NV; h++) {
    fmas.push(`let bv${h} = sb[(tx * ${KT} + kk) * ${NV} + ${h}];`);
    for (let r = 0; r < 4; r++) fmas.push(`acc[${r * NV + h}] = fma(vec4<f32>(av[${r}]), bv${h}, acc[${r * NV + h}]);`);
  }
  // Streaming (software adapters): each invocation takes STREAM_A_PANELS A panels against its
  // B panel, so every B load feeds twice the multiply-adds (see STREAM_A_PANELS).
  const PA = shared ? 1 : STREAM_A_PANELS;
  const direct: string[] = [];
  for (let a = 0; a < PA; a++) direct.push(`let av${a} = b${pa}[pa${a} + kk];`);
  for (let h = 0; h < NV; h++) {
    direct.push(`let bv${h} = b${pb}[pb0 + kk * ${NV} + ${h}];`);
    for (let a = 0; a < PA; a++)
      for (let r = 0; r < 4; r++) direct.push(`acc[${(a * 4 + r) * NV + h}] = fma(vec4<f32>(av${a}[${r}]), bv${h}, acc[${(a * 4 + r) * NV + h}]);`);
  }
  const kLoop = shared
    ? [
        `  for (var k0: i32 = 0; k0 < ${K}; k0 += ${KT}) {`,
        `    for (var e: i32 = li; e < ${P * KT}; e += ${P * P}) {`,
        `      let p = ip0 + e / ${KT};`,
        `      let kk = k0 + e % ${KT};`,
        `      sa[e] = select(vec4<f32>(0.0f), b${pa}[min((b * ${MB} + p) * ${K} + kk, ${Math.max(0, k.bVar.extent * MB * K - 1)})], p < ${MB} && kk < ${K});`,
        `    }`,
        `    for (var e: i32 = li; e < ${P * KT * NV}; e += ${P * P}) {`,
        `      let p = jp0 + e / ${KT * NV};`,
        `      let kk = k0 + (e / ${NV}) % ${KT};`,
        `      sb[e] = select(vec4<f32>(0.0f), b${pb}[min(((b * ${NB} + p) * ${K} + kk) * ${NV} + e % ${NV}, ${Math.max(0, k.bVar.extent * NB * K * NV - 1)})], p < ${NB} && kk < ${K});`,
        `    }`,
        `    workgroupBarrier();`,
        `    for (var kk: i32 = 0; kk < ${KT}; kk++) {`,
        `      let av = sa[ty * ${KT} + kk];`,
        ...fmas.map((l) => `      ${l}`),
        `    }`,
        `    workgroupBarrier();`,
        `  }`,
        `  if (ip >= ${MB} || jp >= ${NB}) { return; }`,
      ]
    : [
        // ip counts groups of PA panels here; a panel past MB (odd MB) reads the last one, unstored
        `  if (ip * ${PA} >= ${MB} || jp >= ${NB}) { return; }`,
        ...Array.from({ length: PA }, (_, a) => `  let pa${a} = (b * ${MB} + min(ip * ${PA} + ${a}, ${MB - 1})) * ${K};`),
        `  let pb0 = (b * ${NB} + jp) * ${K * NV};`,
        `  for (var kk: i32 = 0; kk < ${K}; kk++) {`,
        ...direct.map((l) => `    ${l}`),
        `  }`,
      ];
  const main = [
    ...(shared ? [`var<workgroup> sa: array<vec4<f32>, ${P * KT}>;`, `var<workgroup> sb: array<vec4<f32>, ${P * KT * NV}>;`] : []),
    `fn epilogue(b: i32, m: i32, n: i32, acc: f32) {`,
    `  if (m >= ${M} || n >= ${N}) { return; }`,
    ...body.lines.map((l) => `  ${l}`),
    `  ${store}`,
    `}`,
    `@compute @workgroup_size(${P}, ${P})`,
    `fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {`,
    `  let b = i32(wg.z);`,
    `  let tx = i32(lid.x);`,
    `  let ty = i32(lid.y);`,
    `  let li = ty * ${P} + tx;`,
    `  let ip0 = i32(wg.y) * ${P};`,
    `  let jp0 = i32(wg.x) * ${P};`,
    `  let ip = ip0 + ty;`,
    `  let jp = jp0 + tx;`,
    `  var acc: array<vec4<f32>, ${4 * NV * PA}>;`,
    ...kLoop,
    // a loop, not unrolled: the epilogue is compiled once
    `  for (var q: i32 = 0; q < ${4 * PA * NV * 4}; q++) {`,
    `    let r = q / ${NV * 4};`,
    `    let c = q % ${NV * 4};`,
    `    epilogue(b, ip * ${4 * PA} + r, jp * ${k.nr} + c, acc[r * ${NV} + c / 4][c % 4]);`,
    `  }`,
    "}",
  ];
  return {
    name: k.name,
    wgsl: assemble(binds, body, main),
    bindings: binds.ids,
    writes: binds.writes,
    offsetSlots: binds.offsetSlots,
    groups: [Math.ceil(NB / P), Math.ceil(Math.ceil(MB / PA) / P), k.bVar.extent],
  };
}

export function renderKernel(step: Exclude<LeafStep, { kind: "host" | "sort" | "factor" | "directConv" }>, buffers: readonly BufferDecl[], opts: RenderOptions): RenderedKernel {
  if (step.kind === "matmul") return renderMatmul(step, buffers, opts.sharedMatmul);
  return ((opts.vec4Maps ?? true) && renderMapVec4(step, buffers)) || renderMap(step, buffers, opts.treeMaxOutputs);
}
