/**
 * Map kernels four points per invocation, as vec4 values.
 *
 * Why: on SwiftShader (the software adapter these machines have) an invocation's fixed cost
 * (index arithmetic, bounds-checked scalar loads, the per-invocation store) outweighs the math:
 * exp(sin(x)*2+1) over 1e6 floats took 30-35 ms of CPU as one scalar invocation per point and
 * 8-11 ms as vec4 invocations (a plain copy: 17-23 ms against 8-10 ms). On GPUs, 16-byte
 * loads and stores are the usual choice for elementwise kernels too.
 *
 * Applies to a map kernel without reductions or sequential variables whose innermost variable's
 * extent is a multiple of 4, whose stores all write four consecutive, 4-aligned elements along
 * that variable, and whose nodes all have a vec4 form below; otherwise `renderMapVec4` returns
 * null and the scalar renderer (wgsl.ts) takes the kernel. Each load is classified by its index:
 * - `vector`: the innermost variable with coefficient 1 and a 4-aligned rest: one vec4 load
 *   (when every access of that buffer is `vector`, it is bound as array<vec4<T>>);
 * - `uniform`: no innermost variable: one scalar load, splatted;
 * - `other` (a transpose, a broadcast along the innermost axis through div/mod): four scalar
 *   loads, one per lane.
 */
import type { DType } from "../../ir/dtype.js";
import { type IExpr, type IVar, isDynamic } from "../kernel/iexpr.js";
import type { BufferDecl, MapKernel } from "../kernel/kernel.js";
import { type SExpr, topoNodes } from "../kernel/sexpr.js";
import { BodyEmitter, Bindings, MAP_WORKGROUP, type RenderedKernel, assemble, gridFor, movesWithLoop, storageType } from "./wgsl.js";

type Access = "vector" | "uniform" | "other";

/** Helpers of the vec4 forms (emitted when used). */
const vecHelpers: Record<string, string> = {
  isnan4: "fn isnan4(x: vec4<f32>) -> vec4<bool> { return (bitcast<vec4<u32>>(x) & vec4<u32>(0x7fffffffu)) > vec4<u32>(0x7f800000u); }",
  isfin4: "fn isfin4(x: vec4<f32>) -> vec4<bool> { return (bitcast<vec4<u32>>(x) & vec4<u32>(0x7f800000u)) != vec4<u32>(0x7f800000u); }",
  // through a let: WGSL rejects a constant expression that evaluates to NaN
  nan4: "fn nan4() -> vec4<f32> { let bits = vec4<u32>(0x7fc00000u); return bitcast<vec4<f32>>(bits); }",
};

/** Float unary primitives that are WGSL builtins taking vectors as they take scalars. */
const builtinUnary = new Set(["floor", "ceil", "exp", "exp2", "log", "sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "asinh", "acosh", "atanh", "sqrt"]);

class NoVec4 extends Error {}

const vtype = (d: DType): string => (d === "bool" ? "vec4<bool>" : `vec4<${storageType(d)}>`);

function scalarLiteral(v: number, d: DType): string {
  switch (d) {
    case "float32": {
      // through wgsl.ts's fbits helper (assemble emits it): a constant inf or NaN is rejected
      if (!Number.isFinite(v) || Object.is(v, -0)) return `fbits(0x${new Uint32Array(new Float32Array([v]).buffer)[0]!.toString(16)}u)`;
      const s = String(v);
      return /[.e]/.test(s) ? `${s}f` : `${s}.0f`;
    }
    case "int32":
      return v === -0x80000000 ? "bitcast<i32>(0x80000000u)" : `${v}i`;
    case "uint32":
      return `${v >>> 0}u`;
    case "bool":
      return v ? "true" : "false";
    default:
      throw new NoVec4();
  }
}
const splat = (v: number, d: DType): string => `${vtype(d)}(${scalarLiteral(v, d)})`;

function mentions(x: IExpr, v: IVar): boolean {
  return x.terms.some((t) => {
    const a = t.atom;
    return a.k === "var" ? a.id === v.id : mentions(a.a, v);
  });
}
function hasRead(x: IExpr): boolean {
  return x.terms.some((t) => t.atom.k === "read" || (t.atom.k !== "var" && hasRead(t.atom.a)));
}

function classify(x: IExpr, v: IVar): Access {
  const withV = x.terms.filter((t) => (t.atom.k === "var" ? t.atom.id === v.id : mentions(t.atom.a, v)));
  if (withV.length === 0) return "uniform";
  const [t] = withV;
  const aligned = x.c % 4 === 0 && x.terms.every((u) => u === t || u.coef % 4 === 0);
  return withV.length === 1 && t!.coef === 1 && t!.atom.k === "var" && aligned ? "vector" : "other";
}

export function renderMapVec4(k: MapKernel, buffers: readonly BufferDecl[]): RenderedKernel | null {
  if (k.sequential?.length || k.vars.length === 0 || k.vars.some(isDynamic)) return null;
  const inner = k.vars[k.vars.length - 1]!;
  if (inner.extent % 4 !== 0) return null;
  const nodes = topoNodes(k.outs.map((o) => o.value));
  if (nodes.some((e) => e.k === "reduce" || e.k === "acc")) return null;
  // every access, by buffer: a buffer is bound as vec4 only when all of its accesses are `vector`
  const accesses = new Map<number, Access[]>();
  const note = (buf: number, a: Access) => accesses.set(buf, [...(accesses.get(buf) ?? []), a]);
  for (const o of k.outs) {
    if (classify(o.index, inner) !== "vector" || hasRead(o.index)) return null;
    note(o.buf, "vector");
  }
  for (const e of nodes) {
    if ((e.k === "load" || e.k === "iota" || e.k === "icond") && hasRead(e.index)) return null;
    if (e.k === "load") note(e.buf, classify(e.index, inner));
  }
  for (const b of accesses.keys()) if (movesWithLoop(buffers, b)) return null;
  try {
    return render(k, buffers, inner, accesses);
  } catch (e) {
    if (e instanceof NoVec4) return null;
    throw e;
  }
}

function render(k: MapKernel, buffers: readonly BufferDecl[], inner: IVar, accesses: Map<number, Access[]>): RenderedKernel {
  const binds = new Bindings(buffers);
  for (const o of k.outs) binds.slot(o.buf, true);
  const vecBound = (buf: number) => accesses.get(buf)!.every((a) => a === "vector");
  const bind = (buf: number) => {
    const s = binds.slot(buf, false);
    if (vecBound(buf)) binds.vec4.add(s);
    return s;
  };
  for (const b of accesses.keys()) bind(b);
  const d = k.vars.length - 1;
  // index strings: the innermost variable as the first lane's value, or as lane j's
  const lane = (j: number) => (v: IVar) => (v.id === inner.id ? (j === 0 ? `i${d}` : `(i${d} + ${j})`) : `i${k.vars.indexOf(v)}`);
  const noLoad = () => {
    throw new Error("internal: a data-dependent index in a vec4 kernel");
  };
  const ix = [0, 1, 2, 3].map((j) => new BodyEmitter(lane(j), noLoad));
  const idx = (x: IExpr, j = 0) => ix[j]!.index(x);
  const used = new Set<string>();
  const need = (h: string) => used.add(h);

  const load = (buf: number, x: IExpr, dtype: DType): string => {
    const s = bind(buf);
    const t = storageType(dtype);
    const kind = classify(x, inner);
    let v: string;
    if (kind === "uniform") v = `vec4<${t}>(b${s}[${idx(x)}])`;
    else if (kind === "vector" && binds.vec4.has(s)) v = `b${s}[(${idx(x)}) / 4]`;
    else v = `vec4<${t}>(${[0, 1, 2, 3].map((j) => `b${s}[${idx(x, j)}]`).join(", ")})`;
    return dtype === "bool" ? `(${v} != vec4<u32>(0u))` : v;
  };
  const perLane = (x: IExpr, f: (s: string) => string, d: DType): string =>
    mentions(x, inner) ? `${vtype(d)}(${[0, 1, 2, 3].map((j) => f(idx(x, j))).join(", ")})` : `${vtype(d)}(${f(idx(x))})`;

  const names = new Map<number, string>();
  const v = (e: SExpr) => names.get(e.id)!;
  const expr = (e: SExpr): string => {
    switch (e.k) {
      case "load":
        return load(e.buf, e.index, e.dtype);
      case "const":
        return splat(e.value, e.dtype);
      case "iota":
        return convert(perLane(e.index, (s) => s, "int32"), "int32", e.dtype);
      case "icond": {
        const op = e.op === "lt" ? "<" : e.op === "ge" ? ">=" : "==";
        return perLane(e.index, (s) => `(${s} ${op} ${e.c})`, "bool");
      }
      case "unary":
        return unary(e.op, v(e.a), e.a.dtype, need);
      case "binary":
        return binary(e.op, v(e.a), v(e.b), e.a.dtype, need);
      case "compare": {
        const op = { eq: "==", ne: "!=", lt: "<", le: "<=", gt: ">", ge: ">=" }[e.op];
        if (e.a.dtype === "bool" && op !== "==" && op !== "!=") throw new NoVec4();
        return `(${v(e.a)} ${op} ${v(e.b)})`;
      }
      case "select": {
        const w = v(e.which);
        if (e.which.dtype === "bool") return `select(${v(e.cases[0]!)}, ${v(e.cases[1]!)}, ${w})`;
        let s = v(e.cases[e.cases.length - 1]!);
        for (let c = e.cases.length - 2; c >= 0; c--) s = `select(${s}, ${v(e.cases[c]!)}, ${w} <= ${splat(c, e.which.dtype)})`;
        return s;
      }
      case "clamp":
        return `min(max(${v(e.x)}, ${v(e.lo)}), ${v(e.hi)})`;
      case "convert":
        return convert(v(e.a), e.a.dtype, e.dtype);
      case "bitcast":
        if (e.dtype === "bool" || e.a.dtype === "bool") throw new NoVec4();
        return `bitcast<${vtype(e.dtype)}>(${v(e.a)})`;
      case "round":
        if (e.method !== "toNearestEven") throw new NoVec4();
        return `round(${v(e.a)})`;
      case "ipow": {
        const n = Math.abs(e.y);
        if (n === 0) return splat(1, e.dtype);
        let acc = "";
        let base = v(e.a);
        for (let m = n; m > 0; m >>= 1) {
          if (m & 1) acc = acc ? `(${acc} * ${base})` : base;
          if (m > 1) base = `(${base} * ${base})`;
        }
        return e.y < 0 ? `(${splat(1, e.dtype)} / ${acc})` : acc;
      }
      default:
        throw new NoVec4();
    }
  };
  const lines: string[] = [];
  for (const e of topoNodes(k.outs.map((o) => o.value))) {
    const name = `n${e.id}`;
    lines.push(`let ${name}: ${vtype(e.dtype)} = ${expr(e)};`);
    names.set(e.id, name);
  }
  const stores = k.outs.map((o) => {
    const s = binds.slot(o.buf, true);
    const val = buffers[o.buf]!.dtype === "bool" ? `select(vec4<u32>(0u), vec4<u32>(1u), ${v(o.value)})` : v(o.value);
    return `b${s}[(${idx(o.index)}) / 4] = ${val};`;
  });

  const total = k.vars.reduce((n, x) => n * x.extent, 1) / 4;
  const [gx, gy] = gridFor(Math.ceil(total / MAP_WORKGROUP));
  const pre = [`let g = i32(gid.x + gid.y * ${gx * MAP_WORKGROUP}u);`, `if (g >= ${total}) { return; }`];
  let stride = total;
  k.vars.forEach((x, i) => {
    const extent = i === d ? x.extent / 4 : x.extent;
    stride /= extent;
    const q = i === 0 ? `g / ${stride}` : `(g / ${stride}) % ${extent}`;
    pre.push(`let i${i} = ${i === d ? `4 * (${q})` : q};`);
  });
  const body = ix[0]!;
  for (const e of ix.slice(1)) for (const h of e.used) body.need(h);
  for (const h of used) body.decls.push(vecHelpers[h]!);
  const main = [
    `@compute @workgroup_size(${total === 1 ? 1 : MAP_WORKGROUP})`,
    `fn main(@builtin(global_invocation_id) gid: vec3<u32>) {`,
    ...pre.map((l) => `  ${l}`),
    ...lines.map((l) => `  ${l}`),
    ...stores.map((l) => `  ${l}`),
    "}",
  ];
  return { name: k.name, wgsl: assemble(binds, body, main), bindings: binds.ids, writes: binds.writes, offsetSlots: binds.offsetSlots, groups: [gx, gy, 1] };
}

function convert(x: string, from: DType, to: DType): string {
  if (from === to) return x;
  if (to === "bool") return `(${x} != ${splat(0, from)})`;
  if (from === "bool") return `select(${splat(0, to)}, ${splat(1, to)}, ${x})`;
  if (to === "uint32" && from === "float32") return `bitcast<vec4<u32>>(vec4<i32>(${x}))`; // negative values wrap, as the reference does
  if ((from === "int32" && to === "uint32") || (from === "uint32" && to === "int32")) return `bitcast<${vtype(to)}>(${x})`;
  return `${vtype(to)}(${x})`;
}

function unary(op: string, x: string, d: DType, need: (h: string) => void): string {
  switch (op) {
    case "neg":
      return d === "uint32" ? `(vec4<u32>(0u) - ${x})` : d === "bool" ? no() : `(-${x})`;
    case "abs":
      return d === "uint32" ? x : d === "bool" ? no() : `abs(${x})`;
    case "sign":
      return d === "uint32" ? `select(vec4<u32>(0u), vec4<u32>(1u), ${x} != vec4<u32>(0u))` : d === "bool" ? no() : `sign(${x})`;
    case "square":
      return d === "bool" ? no() : `(${x} * ${x})`;
    case "not":
      return d === "bool" ? `(!${x})` : `(~${x})`;
  }
  if (d !== "float32") return no();
  if (builtinUnary.has(op)) return `${op}(${x})`;
  switch (op) {
    case "tanh":
      // as the scalar form: clamped, so the driver's formula cannot overflow
      return `tanh(clamp(${x}, vec4<f32>(-15.0f), vec4<f32>(15.0f)))`;
    case "logistic":
      return `(1.0f / (1.0f + exp(-${x})))`;
    case "rsqrt":
      return `inverseSqrt(${x})`;
    case "isFinite":
      need("isfin4");
      return `isfin4(${x})`;
  }
  return no();
}

function binary(op: string, a: string, b: string, d: DType, need: (h: string) => void): string {
  const bool = d === "bool";
  switch (op) {
    case "add":
      return bool ? `(${a} | ${b})` : `(${a} + ${b})`;
    case "sub":
      return bool ? no() : `(${a} - ${b})`;
    case "mul":
      return bool ? `(${a} & ${b})` : `(${a} * ${b})`;
    case "div":
      return d === "float32" ? `(${a} / ${b})` : no();
    case "max":
    case "min":
      if (bool) return op === "max" ? `(${a} | ${b})` : `(${a} & ${b})`;
      if (d === "float32") {
        // NaN wins, as in XLA (and the scalar form)
        need("isnan4");
        need("nan4");
        return `select(${op}(${a}, ${b}), nan4(), isnan4(${a}) | isnan4(${b}))`;
      }
      return `${op}(${a}, ${b})`;
    case "atan2":
      return d === "float32" ? `atan2(${a}, ${b})` : no();
    case "and":
      return bool ? `(${a} & ${b})` : d === "float32" ? no() : `(${a} & ${b})`;
    case "or":
      return bool ? `(${a} | ${b})` : d === "float32" ? no() : `(${a} | ${b})`;
    case "xor":
      return bool ? `(${a} != ${b})` : d === "float32" ? no() : `(${a} ^ ${b})`;
  }
  return no();
}

function no(): never {
  throw new NoVec4();
}
