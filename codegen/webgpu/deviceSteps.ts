/**
 * WGSL kernels for primitives the kernel IR leaves as host steps (sort and the scatter family):
 * on the webgpu device such a step runs as a few dispatches in the program's command encoder
 * instead of reading its inputs back, running the reference interpreter and writing back.
 *
 * - sort: a bitonic network per line along the sorted dimension, padded to a power of two, over
 *   a scratch permutation (stable: ties compare by original position), then one gather per
 *   operand. One pipeline for all log2(P)(log2(P)+1)/2 compare-exchange passes (the pass's k
 *   and j are uniform words).
 * - scatter (replace): the last update to each operand element wins, as in the reference: a
 *   scratch "winner" array takes atomicMax of the update positions, then each winner stores.
 * - scatterAdd/Mul/Min/Max: one invocation per update element, combined atomically: atomicAdd,
 *   atomicMin/Max, atomicAnd/Or on integers and bool, a compare-exchange loop on float32 (so
 *   float sums add in an unspecified order, as on any GPU).
 *
 * A step these kernels cannot take (a dtype without WGSL storage, a literal operand) renders as
 * null and stays a host step.
 */
import type { ShapedArray } from "../../ir/aval.js";
import type { DType } from "../../ir/dtype.js";
import type { Params, Primitive } from "../../ir/primitives.js";
import { range } from "../../ir/util.js";
import type { BufferDecl, HostStep } from "../kernel/kernel.js";
import { Bindings, MAP_WORKGROUP, type RenderedKernel, UnsupportedKernel, gridFor, helpers, storageType } from "./wgsl.js";

/** The kernels of one host step on the device, and the scratch buffers they use. */
export interface DeviceStep {
  readonly kernels: readonly RenderedKernel[];
  /** Scratch buffers, with ids past the program's buffers (allocated per call). */
  readonly scratch: readonly BufferDecl[];
}

type Renderer = (s: HostStep, buffers: readonly BufferDecl[], scratch: ScratchSink) => RenderedKernel[];

/** Allocates scratch buffer ids past the program's; `all` is the program's buffers and the scratch so far. */
export class ScratchSink {
  readonly decls: BufferDecl[] = [];
  readonly all: BufferDecl[];
  constructor(buffers: readonly BufferDecl[]) {
    this.all = [...buffers];
  }
  add(dtype: DType, size: number): number {
    const id = this.all.length;
    const d: BufferDecl = { id, kind: "scratch", index: -1, dtype, shape: [size], size, offset: 0 };
    this.decls.push(d);
    this.all.push(d);
    return id;
  }
  /** Forgets the scratch added since `mark` (a step that stays on the host). */
  rollback(mark: number): void {
    this.all.length -= this.decls.length - mark;
    this.decls.length = mark;
  }
}

const strides = (shape: readonly number[]): number[] => {
  const out = new Array<number>(shape.length).fill(1);
  for (let d = shape.length - 2; d >= 0; d--) out[d] = out[d + 1]! * shape[d + 1]!;
  return out;
};
const size = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/** A one-invocation-per-point kernel over `total` points: the flat index is `g`. */
function flatKernel(name: string, binds: Bindings, total: number, body: string[], extra: string[] = [], params?: number[]): RenderedKernel {
  const [gx, gy] = gridFor(Math.ceil(total / MAP_WORKGROUP));
  const wgsl = [
    ...binds.declarations(),
    ...extra,
    `@compute @workgroup_size(${MAP_WORKGROUP})`,
    `fn main(@builtin(global_invocation_id) gid: vec3<u32>) {`,
    `  let g = i32(gid.x + gid.y * ${gx * MAP_WORKGROUP}u);`,
    `  if (g >= ${total}) { return; }`,
    ...body.map((l) => `  ${l}`),
    "}",
  ].join("\n");
  return { name, wgsl, bindings: binds.ids, writes: binds.writes, offsetSlots: binds.offsetSlots, groups: [gx, gy, 1], ...(params ? { params } : {}) };
}

const bufferInputs = (s: HostStep): number[] => {
  if (s.inputs.some((i) => !("buf" in i))) throw new UnsupportedKernel(`${s.eqn.primitive} with a literal operand`);
  return s.inputs.map((i) => (i as { buf: number }).buf);
};

/** `cmp(a, b)` for sorting: -1, 0 or 1; floats put NaNs last and equal each other, -0 equals +0 (JAX's comparator). */
function sortCompare(d: DType): string {
  const t = storageType(d);
  if (d === "float32")
    return `fn cmp_f32(a: f32, b: f32) -> i32 { let an = isnan_(a); let bn = isnan_(b); if (an || bn) { return select(select(-1, 1, an), 0, an && bn); } return select(select(0, 1, a > b), -1, a < b); }`;
  return `fn cmp_${t}(a: ${t}, b: ${t}) -> i32 { return select(select(0, 1, a > b), -1, a < b); }`;
}

const renderSort: Renderer = (s, buffers, scratch) => {
  const { dimension, numKeys } = s.eqn.params as Params<"sort">;
  const ins = bufferInputs(s);
  const aval = s.eqn.inputs[0]!.aval as ShapedArray;
  const shape = aval.shape;
  const n = shape[dimension]!;
  const inner = size(shape.slice(dimension + 1));
  const lines = size(shape) / Math.max(n, 1);
  if (size(shape) === 0 || n <= 1) {
    // nothing to order: each output is its input
    return ins.map((b, o) => {
      const binds = new Bindings(buffers);
      binds.slot(s.outputs[o]!, true);
      return flatKernel(`${s.name}_copy${o}`, binds, size(shape), [`${binds.at(s.outputs[o]!, "g")} = ${binds.at(b, "g")};`]);
    });
  }
  let P = 1;
  while (P < n) P *= 2;
  const perm = scratch.add("int32", lines * P);
  const kernels: RenderedKernel[] = [];
  // the line's first element: lines run over (outer, inner) with the sorted dim removed
  const baseOf = (l: string) => `(${l} / ${inner}) * ${n * inner} + ${l} % ${inner}`;
  {
    const binds = new Bindings(buffers);
    binds.slot(perm, true);
    kernels.push(flatKernel(`${s.name}_iota`, binds, lines * P, [`${binds.at(perm, "g")} = g % ${P};`]));
  }
  {
    const binds = new Bindings(buffers);
    binds.slot(perm, true);
    const keys = ins.slice(0, numKeys);
    const cmps = new Set<string>();
    const keyLines: string[] = [];
    for (const kb of keys) {
      const d = buffers[kb]!.dtype;
      cmps.add(sortCompare(d));
      const load = (x: string) => binds.at(kb, `base + ${x} * ${inner}`);
      keyLines.push(`  c = cmp_${storageType(d)}(${load("x")}, ${load("y")}); if (c != 0) { return c < 0; }`);
    }
    binds.paramCount = 2;
    const [k, j] = [binds.param(0), binds.param(1)];
    const before = [
      `// whether element x of the line sorts before element y (padding after everything; ties by position)`,
      `fn before(base: i32, x: i32, y: i32) -> bool {`,
      `  if (x >= ${n} || y >= ${n}) { return y >= ${n} && (x < ${n} || x < y); }`,
      `  var c: i32 = 0;`,
      ...keyLines,
      `  return x < y;`,
      `}`,
    ];
    const uses = [...cmps].join("\n");
    const extra = [...(uses.includes("isnan_") ? [helpers.isnan!] : []), uses, ...before];
    const half = (lines * P) / 2;
    const body = [
      `let l = g / ${P / 2};`,
      `let q = g % ${P / 2};`,
      `let k = ${k};`,
      `let j = ${j};`,
      `let i = 2 * j * (q / j) + q % j;`,
      `let p0 = l * ${P} + i;`,
      `let a = ${binds.at(perm, "p0")};`,
      `let b = ${binds.at(perm, "p0 + j")};`,
      `let base = ${baseOf("l")};`,
      `let up = (i & k) == 0;`,
      `if (select(before(base, a, b), before(base, b, a), up)) {`,
      `  ${binds.at(perm, "p0")} = b;`,
      `  ${binds.at(perm, "p0 + j")} = a;`,
      `}`,
    ];
    for (let kk = 2; kk <= P; kk *= 2) for (let jj = kk / 2; jj >= 1; jj /= 2) kernels.push(flatKernel(`${s.name}_pass`, binds, half, body, extra, [kk, jj]));
  }
  ins.forEach((b, o) => {
    const binds = new Bindings(buffers);
    const out = s.outputs[o]!;
    binds.slot(out, true);
    kernels.push(
      flatKernel(`${s.name}_gather${o}`, binds, lines * n, [
        `let l = g / ${n};`,
        `let t = g % ${n};`,
        `let base = ${baseOf("l")};`,
        `${binds.at(out, `base + t * ${inner}`)} = ${binds.at(b, `base + ${binds.at(perm, `l * ${P} + t`)} * ${inner}`)};`,
      ]),
    );
  });
  return kernels;
};

type ScatterPrim = "scatter" | "scatterAdd" | "scatterMul" | "scatterMin" | "scatterMax";

/**
 * WGSL computing `dst`, the flat operand offset of update element `g`, and `live`, false when
 * mode "fill" drops its window (the reference's operandOffsets, with the shapes made constants).
 */
function scatterIndexing(p: Params<ScatterPrim>, operand: ShapedArray, indices: ShapedArray, updates: ShapedArray, idx: (i: string) => string): string[] {
  const dn = p.dimensionNumbers;
  const opStrides = strides(operand.shape);
  const windowOperandDims = range(operand.ndim).filter((d) => !dn.insertedWindowDims.includes(d) && !dn.operandBatchingDims.includes(d));
  const windowSizes = range(operand.ndim).map((d) => {
    const k = windowOperandDims.indexOf(d);
    return k < 0 ? 1 : updates.shape[dn.updateWindowDims[k]!]!;
  });
  const batchShape = indices.shape.slice(0, -1);
  const vecLength = indices.shape[indices.ndim - 1]!;
  const batchDims = range(updates.ndim).filter((d) => !dn.updateWindowDims.includes(d));
  const uStrides = strides(updates.shape);
  const bStrides = strides(batchShape);
  const lines: string[] = [];
  const coord = (d: number) => `((g / ${uStrides[d]}) % ${updates.shape[d]})`;
  const bTerms = batchDims.map((d, j) => `${coord(d)} * ${bStrides[j]}`);
  lines.push(`let bi = ${bTerms.length ? bTerms.join(" + ") : "0"};`);
  const terms: string[] = ["0"];
  batchDims.forEach((d, j) => {
    const k = dn.scatterIndicesBatchingDims.indexOf(j);
    if (k >= 0) terms.push(`${coord(d)} * ${opStrides[dn.operandBatchingDims[k]!]}`);
  });
  dn.updateWindowDims.forEach((wd, k) => terms.push(`${coord(wd)} * ${opStrides[windowOperandDims[k]!]}`));
  lines.push(`var dst: i32 = ${terms.join(" + ")};`, `var live = true;`);
  const iType = indices.dtype;
  dn.scatterDimsToOperandDims.forEach((d, k) => {
    const raw = idx(`bi * ${vecLength} + ${k}`);
    const s = iType === "uint32" ? `i32(min(${raw}, 0x7fffffffu))` : raw;
    const hi = operand.shape[d]! - windowSizes[d]!;
    lines.push(`{ let s = ${s}; live = live && s >= 0 && s <= ${hi}; dst = dst + clamp(s, 0, ${Math.max(hi, 0)}) * ${opStrides[d]}; }`);
  });
  if (p.mode !== "fill") lines.push(`live = true;`);
  return lines;
}

/** An atomic update of `&ref` with value `v` (a u32 of the stored bits for floats). */
function atomicCombine(prim: ScatterPrim, d: DType, ref: string, v: string): string[] {
  if (d === "bool") return [prim === "scatterAdd" || prim === "scatterMax" ? `atomicOr(${ref}, ${v});` : `atomicAnd(${ref}, ${v});`];
  if (d !== "float32") {
    if (prim === "scatterAdd") return [`atomicAdd(${ref}, ${v});`];
    if (prim === "scatterMax") return [`atomicMax(${ref}, ${v});`];
    if (prim === "scatterMin") return [`atomicMin(${ref}, ${v});`];
  }
  const t = d === "float32" ? "f32" : storageType(d);
  const cur = d === "float32" ? "bitcast<f32>(old)" : "old";
  const combined = (() => {
    switch (prim) {
      case "scatterAdd":
        return `${cur} + ${v}`;
      case "scatterMul":
        return `${cur} * ${v}`;
      default:
        // NaN wins, as Math.min/Math.max in the reference
        return `select(${prim === "scatterMax" ? "max" : "min"}(${cur}, ${v}), nan(), isnan_(${cur}) || isnan_(${v}))`;
    }
  })();
  const store = d === "float32" ? `bitcast<u32>(nv)` : "nv";
  return [
    `var old = atomicLoad(${ref});`,
    `loop {`,
    `  let nv: ${t} = ${combined};`,
    `  let r = atomicCompareExchangeWeak(${ref}, old, ${store});`,
    `  if (r.exchanged) { break; }`,
    `  old = r.old_value;`,
    `}`,
  ];
}

function renderScatter(prim: ScatterPrim): Renderer {
  return (s, buffers, scratch) => {
    const [opB, idxB, updB] = bufferInputs(s) as [number, number, number];
    const [operand, indices, updates] = s.eqn.inputs.map((v) => v.aval as ShapedArray) as [ShapedArray, ShapedArray, ShapedArray];
    const p = s.eqn.params as Params<ScatterPrim>;
    const out = s.outputs[0]!;
    const d = operand.dtype;
    storageType(d);
    if (indices.dtype !== "int32" && indices.dtype !== "uint32") throw new UnsupportedKernel(`${prim} with ${indices.dtype} indices`);
    const kernels: RenderedKernel[] = [];
    const win = prim === "scatter" ? scratch.add("int32", Math.max(operand.size, 1)) : -1;
    {
      const binds = new Bindings(buffers);
      binds.slot(out, true);
      if (win >= 0) binds.slot(win, true);
      const body = [`${binds.at(out, "g")} = ${binds.at(opB, "g")};`];
      if (win >= 0) body.push(`${binds.at(win, "g")} = -1;`);
      kernels.push(flatKernel(`${s.name}_init`, binds, operand.size, body));
    }
    if (updates.size === 0 || operand.size === 0) return kernels;
    const binds = new Bindings(buffers);
    const target = win >= 0 ? win : out;
    const slot = binds.slot(target, true);
    binds.atomic.set(slot, win >= 0 ? "i32" : d === "float32" || d === "bool" ? "u32" : storageType(d));
    const indexing = scatterIndexing(p, operand, indices, updates, (i) => binds.at(idxB, i));
    const ref = `&${binds.at(target, "dst")}`;
    const upd = binds.at(updB, "g");
    const body = [...indexing, `if (!live) { return; }`];
    const extra: string[] = [];
    if (win >= 0) body.push(`atomicMax(${ref}, g);`);
    else {
      if (d === "float32" && (prim === "scatterMin" || prim === "scatterMax")) extra.push(helpers.fbits!, helpers.nan!, helpers.isnan!);
      body.push(...atomicCombine(prim, d, ref, upd));
    }
    kernels.push(flatKernel(`${s.name}_${win >= 0 ? "claim" : "combine"}`, binds, updates.size, body, extra));
    if (win >= 0) {
      const b2 = new Bindings(buffers);
      b2.slot(out, true);
      const ix = scatterIndexing(p, operand, indices, updates, (i) => b2.at(idxB, i));
      kernels.push(
        flatKernel(`${s.name}_store`, b2, updates.size, [...ix, `if (live && ${b2.at(win, "dst")} == g) { ${b2.at(out, "dst")} = ${b2.at(updB, "g")}; }`]),
      );
    }
    return kernels;
  };
}

const renderers: Partial<Record<Primitive, Renderer>> = {
  sort: renderSort,
  scatter: renderScatter("scatter"),
  scatterAdd: renderScatter("scatterAdd"),
  scatterMul: renderScatter("scatterMul"),
  scatterMin: renderScatter("scatterMin"),
  scatterMax: renderScatter("scatterMax"),
};

/** The host step as device kernels, or null when it has none (it then stays a host step). */
export function renderDeviceStep(s: HostStep, scratch: ScratchSink): DeviceStep | null {
  const r = renderers[s.eqn.primitive];
  if (!r) return null;
  const mark = scratch.decls.length;
  try {
    const kernels = r(s, scratch.all, scratch);
    return { kernels, scratch: scratch.decls.slice(mark) };
  } catch (e) {
    if (e instanceof UnsupportedKernel) {
      scratch.rollback(mark);
      return null;
    }
    throw e;
  }
}
