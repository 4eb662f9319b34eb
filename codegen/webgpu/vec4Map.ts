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
 * that variable, and whose nodes all have a vec4 form (wgsl.ts's BodyEmitter renders both widths;
 * this file adds the loads and the per-lane index values); otherwise `renderMapVec4` returns
 * null and the scalar renderer takes the kernel. Each load is classified by its index:
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
import { BodyEmitter, Bindings, MAP_WORKGROUP, type RenderedKernel, UnsupportedKernel, assemble, gridFor, movesWithLoop, storageType } from "./wgsl.js";

type Access = "vector" | "uniform" | "other";

/** The load of a data-dependent index (`read` atoms), which renderMapVec4 keeps out of vec4 kernels. */
const noLoad = (): never => {
  throw new Error("internal: a data-dependent index in a vec4 kernel");
};

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
    // a form without a vec4 spelling (BodyEmitter's scalarOnly): one point per invocation instead
    if (e instanceof UnsupportedKernel) return null;
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
  // index strings of lanes 1-3 (lane 0's are the body's own)
  const others = [1, 2, 3].map((j) => new BodyEmitter(lane(j), noLoad));
  const laneIndex = [(x: IExpr) => body.index(x), ...others.map((e) => (x: IExpr) => e.index(x))];
  const idx = (x: IExpr, j = 0) => laneIndex[j]!(x);

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
  // The scalar renderer's expressions at width 4; only the leaves that depend on the loop
  // variables differ: a load by its access kind, iota and icond per lane.
  const perLane = (x: IExpr, f: (s: string) => string, d: DType): string =>
    mentions(x, inner) ? `${body.type(d)}(${laneIndex.map((ix) => f(ix(x))).join(", ")})` : `${body.type(d)}(${f(idx(x))})`;
  const leaf = (e: SExpr): string | undefined => {
    switch (e.k) {
      case "load":
        return load(e.buf, e.index, e.dtype);
      case "iota":
        return body.convert(perLane(e.index, (s) => s, "int32"), "int32", e.dtype);
      case "icond": {
        const op = e.op === "lt" ? "<" : e.op === "ge" ? ">=" : "==";
        return perLane(e.index, (s) => `(${s} ${op} ${e.c})`, "bool");
      }
      default:
        return undefined;
    }
  };
  const body = new BodyEmitter(lane(0), noLoad, 4, leaf);
  const vals = body.values(
    k.outs.map((o) => o.value),
    new Map(),
  );
  const stores = k.outs.map((o, j) => {
    const s = binds.slot(o.buf, true);
    const val = buffers[o.buf]!.dtype === "bool" ? `select(vec4<u32>(0u), vec4<u32>(1u), ${vals[j]!})` : vals[j]!;
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
  for (const e of others) for (const h of e.used) body.need(h);
  const main = [
    `@compute @workgroup_size(${total === 1 ? 1 : MAP_WORKGROUP})`,
    `fn main(@builtin(global_invocation_id) gid: vec3<u32>) {`,
    ...pre.map((l) => `  ${l}`),
    ...body.lines.map((l) => `  ${l}`),
    ...stores.map((l) => `  ${l}`),
    "}",
  ];
  return { name: k.name, wgsl: assemble(binds, body, main), bindings: binds.ids, writes: binds.writes, offsetSlots: binds.offsetSlots, groups: [gx, gy, 1] };
}
