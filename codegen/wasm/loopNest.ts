/**
 * The structure of a kernel's code: nested loops and scopes over index variables, each level
 * with a preheader where loop-invariant code goes, index arithmetic with invariant partial sums
 * hoisted, and loads and stores in scalar mode (one element) or vector mode (4 lanes along the
 * innermost variable). The expression code that runs inside is KernelEmitter's (emitter.ts).
 */
import { type DType, itemSize } from "../../ir/dtype.js";
import { type IAtom, type IExpr, type IVar, coefOf, iadd, iconst, inAtoms, irange, isubst, ivar, varsOf } from "../kernel/iexpr.js";
import { type SExpr, children } from "../kernel/sexpr.js";
import { Block, type Fn, type WasmType, get, i32c, vi32x4 } from "./wat.js";

/** Host functions a module may import (name -> arity); JS provides them (see runtime). */
export interface ImportSink {
  /** Returns the wasm name of host function `name` taking `arity` f64s and returning f64. */
  hostMath(name: string, arity: 1 | 2): string;
}

export interface EmitOptions {
  relaxedSimd: boolean;
}

/**
 * How float32 sin/cos treat large arguments (|x| > 8192, where the vector reduction loses
 * accuracy): "inline" fixes such lanes through the host in a branch; "flag" only ORs a mask into
 * the local `trigFlag` (so the hot loop has no call), for the caller to rerun the kernel in
 * "exact" mode, where every sin/cos lane goes to the host.
 */
export type TrigMode = { mode: "inline" } | { mode: "flag"; flag: string } | { mode: "exact" };

/** Pseudo variable id of the contraction accumulator. */
export const ACC = -1;

export interface Level {
  readonly v: number | null;
  readonly body: Block;
  readonly pre: Block;
  readonly memo: Map<string, string>;
}

export abstract class LoopNestEmitter {
  protected levels: Level[];
  protected readonly varDepth = new Map<number, number>();
  protected readonly varLocal = new Map<number, string>();
  protected readonly depsCache = new Map<number, Set<number>>();
  /** Ids whose lanes differ in vector mode: the vector variable, and ACC when the accumulator is a vector. */
  protected laneIds = new Set<number>();
  protected accValue: string | null = null;
  /**
   * A sequential kernel's outputs and its sequential variables: a load from those buffers
   * depends on those variables whatever its index (it reads what an earlier iteration stored),
   * so it is never hoisted out of their loops. Set before emitting.
   */
  pinnedLoads: { readonly bufs: ReadonlySet<number>; readonly vars: readonly number[] } | null = null;
  protected labels = 0;

  constructor(
    readonly fn: Fn,
    protected readonly bufPtr: (buf: number) => string,
    protected readonly imports: ImportSink,
    readonly opts: EmitOptions,
    root: Block = fn.body,
    protected readonly trig: TrigMode = { mode: "inline" },
  ) {
    this.levels = [{ v: null, body: root, pre: new Block(), memo: new Map() }];
  }

  get depth(): number {
    return this.levels.length - 1;
  }

  protected get cur(): Level {
    return this.levels[this.levels.length - 1]!;
  }

  /** Appends a statement at the current position. */
  emit(stmt: string): void {
    this.cur.body.push(stmt);
  }

  /** Where code for something at depth d goes: the current body, or the preheader of the level above d. */
  protected blockAt(d: number): Block {
    return d >= this.depth ? this.cur.body : this.levels[d + 1]!.pre;
  }

  protected memoAt(d: number): Map<string, string> {
    return this.levels[Math.min(d, this.depth)]!.memo;
  }

  protected lookup(key: string): string | undefined {
    for (let i = this.levels.length - 1; i >= 0; i--) {
      const hit = this.levels[i]!.memo.get(key);
      if (hit !== undefined) return hit;
    }
    return undefined;
  }

  /** Assigns `expr` to a fresh local at depth d, memoized under key. */
  protected define(key: string | null, d: number, type: WasmType, expr: string, hint = "t"): string {
    const l = this.fn.local(type, hint);
    this.blockAt(d).push(`(local.set ${l} ${expr})`);
    const g = get(l);
    if (key !== null) this.memoAt(d).set(key, g);
    return g;
  }

  /** A temporary at the current position. */
  tmp(type: WasmType, expr: string, hint = "t"): string {
    return this.define(null, this.depth, type, expr, hint);
  }

  // ---------------------------------------------------------------------------------------
  // Levels: loops and scopes.

  protected pushLevel(v: number | null, pre: Block, body: Block): void {
    this.levels.push({ v, body, pre, memo: new Map() });
    if (v !== null) this.varDepth.set(v, this.depth);
  }

  protected popLevel(): void {
    const l = this.levels.pop()!;
    if (l.v !== null) this.varDepth.delete(l.v);
  }

  /**
   * `for (v = start; v < end; v += step) body()`, a do-while (callers guarantee end > start).
   * With `vector`, v is the lane variable of vector mode inside.
   */
  loop(
    v: IVar | null,
    start: number | string,
    end: number | string,
    step: number,
    body: (local: string) => void,
    opts: { vector?: boolean; hint?: string; guard?: string } = {},
  ): void {
    // Static bounds must be non-empty; dynamic ones are guarded by `guard` (or the caller's promise).
    if (typeof start === "number" && typeof end === "number" && end <= start) return;
    const outer = this.cur.body;
    const pre = new Block();
    outer.push(pre);
    let parent = outer;
    if (opts.guard) {
      outer.push(`(if ${opts.guard} (then`);
      parent = new Block();
      parent.indent = true;
      outer.push(parent);
      outer.push(`))`);
    }
    const local = v ? this.localOfVar(v) : this.fn.local("i32", opts.hint ?? "j");
    parent.push(`(local.set ${local} ${typeof start === "number" ? i32c(start) : start})`);
    const label = `$L${this.labels++}`;
    parent.push(`(loop ${label}`);
    const inner = new Block();
    inner.indent = true;
    parent.push(inner);
    const endExpr = typeof end === "number" ? i32c(end) : end;
    parent.push(`  (br_if ${label} (i32.lt_s (local.tee ${local} (i32.add ${get(local)} ${i32c(step)})) ${endExpr})))`);
    const id = v ? v.id : this.pseudoId(local);
    this.varLocal.set(id, local);
    this.pushLevel(id, pre, inner);
    const savedLanes = this.laneIds;
    if (opts.vector && v) this.laneIds = new Set([...savedLanes, v.id]);
    else if (v && savedLanes.has(v.id)) this.laneIds = new Set([...savedLanes].filter((x) => x !== v.id));
    try {
      body(local);
    } finally {
      this.laneIds = savedLanes;
      this.popLevel();
    }
  }

  /**
   * The vector loop `for (v = start; v < full; v += 4) body()` (full - start a positive multiple of 8,
   * or guarded by `guard` when the bounds are run-time values),
   * unrolled twice: each trip emits the body for v = j and for v = j + 4 (its own local for v)
   * and interleaves the two copies' statements, so that the engine, which keeps their order,
   * hands the core two independent dependency chains side by side (long transcendental chains
   * are latency-bound). Copies that contain nested blocks (loops, branches) stay one after the
   * other. The stores of the two copies go to different elements, and a map kernel's outputs never
   * overlap its inputs, so the reordering keeps the result.
   */
  vectorLoopX2(v: IVar, start: number | string, full: number | string, body: () => void, guard?: string): void {
    const localA = this.localOfVar(v);
    const localB = this.fn.local("i32", v.name);
    this.loop(
      null,
      start,
      full,
      8,
      (j) => {
        const a = new Block();
        const b = new Block();
        this.scope([{ v, value: get(j) }], body, { vector: v, block: a });
        this.varLocal.set(v.id, localB);
        try {
          this.scope([{ v, value: `(i32.add ${get(j)} (i32.const 4))` }], body, { vector: v, block: b });
        } finally {
          this.varLocal.set(v.id, localA);
        }
        const flat = (blk: Block, out: string[]): boolean => {
          for (const l of blk.lines) {
            if (typeof l === "string") out.push(l);
            else if (l.indent || !flat(l, out)) return false;
          }
          return true;
        };
        const fa: string[] = [];
        const fb: string[] = [];
        if (flat(a, fa) && flat(b, fb)) {
          for (let i = 0; i < Math.max(fa.length, fb.length); i++) {
            if (i < fa.length) this.emit(fa[i]!);
            if (i < fb.length) this.emit(fb[i]!);
          }
        } else {
          this.cur.body.push(a);
          this.cur.body.push(b);
        }
      },
      { hint: "u", guard },
    );
  }

  protected pseudoIds = new Map<string, number>();
  protected pseudoId(local: string): number {
    let id = this.pseudoIds.get(local);
    if (id === undefined) this.pseudoIds.set(local, (id = -1000 - this.pseudoIds.size));
    return id;
  }

  protected localOfVar(v: IVar): string {
    let l = this.varLocal.get(v.id);
    if (l === undefined) {
      l = this.fn.local("i32", v.name);
      this.varLocal.set(v.id, l);
    }
    return l;
  }

  /**
   * A scope binding variables to values (`m = ip*4 + r`), optionally the vector lane variable
   * and the accumulator. Memoized code inside is discarded at the end.
   */
  scope(
    bind: { v: IVar; value: string }[],
    body: () => void,
    opts: { vector?: IVar; acc?: { value: string; vector: boolean }; block?: Block } = {},
  ): void {
    const parent = opts.block ?? this.cur.body;
    const pre = new Block();
    const inner = new Block();
    parent.push(pre);
    parent.push(inner);
    this.pushLevel(null, pre, inner);
    const d = this.depth;
    for (const { v, value } of bind) {
      const l = this.localOfVar(v);
      inner.push(`(local.set ${l} ${value})`);
      this.varDepth.set(v.id, d);
    }
    const savedLanes = this.laneIds;
    const savedAcc = this.accValue;
    const lanes = new Set(savedLanes);
    if (opts.vector) lanes.add(opts.vector.id);
    if (opts.acc) {
      this.accValue = opts.acc.value;
      this.varDepth.set(ACC, d);
      if (opts.acc.vector) lanes.add(ACC);
      else lanes.delete(ACC);
    }
    this.laneIds = lanes;
    try {
      body();
    } finally {
      this.laneIds = savedLanes;
      this.accValue = savedAcc;
      for (const { v } of bind) this.varDepth.delete(v.id);
      if (opts.acc) this.varDepth.delete(ACC);
      this.popLevel();
    }
  }

  /**
   * `scope`, returning what it memoized at its own level: the values of the nodes that depend on
   * its bindings, computed there once, for `reuse` by later scopes with the same bindings.
   */
  captureScope(bind: { v: IVar; value: string }[], body: () => void, opts: { vector?: IVar } = {}): ReadonlyMap<string, string> {
    let memo: ReadonlyMap<string, string> = new Map();
    this.scope(bind, () => {
      body();
      memo = this.cur.memo;
    }, opts);
    return memo;
  }

  /**
   * Makes the values an earlier `captureScope` computed visible at the current level (they are
   * in locals, which keep them). The caller guarantees that the variables they read are bound to
   * the same values here, in the same vector mode.
   */
  reuse(memo: ReadonlyMap<string, string>): void {
    for (const [key, value] of memo) this.cur.memo.set(key, value);
  }

  /** `(if cond (then ...) (else ...))` at the current position, each branch its own scope. */
  ifElse(cond: string, then: () => void, otherwise?: () => void): void {
    const parent = this.cur.body;
    const pre = new Block();
    parent.push(pre);
    parent.push(`(if ${cond} (then`);
    const t = new Block();
    t.indent = true;
    parent.push(t);
    this.pushLevel(null, pre, t);
    try {
      then();
    } finally {
      this.popLevel();
    }
    if (otherwise) {
      parent.push(`) (else`);
      const e = new Block();
      e.indent = true;
      parent.push(e);
      this.pushLevel(null, new Block(), e);
      // the else branch shares the preheader of the then branch
      this.levels[this.levels.length - 1] = { ...this.cur, pre };
      try {
        otherwise();
      } finally {
        this.popLevel();
      }
    }
    parent.push(`))`);
  }

  // ---------------------------------------------------------------------------------------
  // Dependencies and depth.

  protected depsOf(e: SExpr): Set<number> {
    const hit = this.depsCache.get(e.id);
    if (hit) return hit;
    const s = new Set<number>();
    const addIndex = (x: IExpr) => {
      for (const id of varsOf(x).keys()) s.add(id);
    };
    switch (e.k) {
      case "load":
      case "iota":
      case "icond":
        addIndex(e.index);
        if (e.k === "load" && this.pinnedLoads?.bufs.has(e.buf)) for (const id of this.pinnedLoads.vars) s.add(id);
        break;
      case "acc":
        s.add(ACC);
        break;
      case "const":
        break;
      case "reduce": {
        const inner = this.depsOf(e.body);
        const r = new Set(e.rvars.map((v) => v.id));
        for (const id of inner) if (!r.has(id)) s.add(id);
        break;
      }
      default:
        for (const c of children(e)) for (const id of this.depsOf(c)) s.add(id);
    }
    this.depsCache.set(e.id, s);
    return s;
  }

  protected depthOfIds(ids: Iterable<number>): number {
    let d = 0;
    for (const id of ids) {
      const vd = this.varDepth.get(id);
      if (vd === undefined) throw new Error(`internal: kernel variable ${id} used outside its loop`);
      d = Math.max(d, vd);
    }
    return d;
  }

  protected isLane(e: SExpr): boolean {
    for (const id of this.depsOf(e)) if (this.laneIds.has(id)) return true;
    return false;
  }

  // ---------------------------------------------------------------------------------------
  // Index expressions (i32).

  /** The i32 value of an index expression, with loop-invariant partial sums hoisted. */
  index(x: IExpr): string {
    if (x.terms.length === 0) return i32c(x.c);
    const termDepth = x.terms.map((t) => this.depthOfIds(atomVars(t.atom)));
    const D = Math.max(...termDepth);
    const outerTerms = x.terms.filter((_, i) => termDepth[i]! < D);
    const innerTerms = x.terms.filter((_, i) => termDepth[i]! === D);
    let acc: string;
    if (outerTerms.length === 0) acc = x.c !== 0 ? i32c(x.c) : "";
    else {
      const outer: IExpr = iadd(iconst(x.c), ...outerTerms.map((t) => ({ c: 0, terms: [t], key: "" }) as IExpr));
      const key = `I${outer.key}`;
      acc = this.lookup(key) ?? this.define(key, Math.max(...termDepth.filter((d) => d < D)), "i32", this.index(outer), "ix");
    }
    for (const t of innerTerms) {
      const a = this.atom(t.atom);
      const term = t.coef === 1 ? a : t.coef === -1 ? `(i32.sub (i32.const 0) ${a})` : `(i32.mul ${a} ${i32c(t.coef)})`;
      acc = acc === "" ? term : `(i32.add ${acc} ${term})`;
    }
    return acc === "" ? i32c(0) : acc;
  }

  protected atom(a: IAtom): string {
    switch (a.k) {
      case "var": {
        const l = this.varLocal.get(a.id);
        if (l === undefined || !this.varDepth.has(a.id)) throw new Error(`internal: loop variable ${a.name}${a.id} is not bound`);
        return get(l);
      }
      case "div":
      case "mod": {
        const key = `I${a.k}${a.d}|${a.a.key}`;
        const hit = this.lookup(key);
        if (hit) return hit;
        const d = this.depthOfIds(varsOf(a.a).keys());
        const x = this.index(a.a);
        const [lo] = irange(a.a);
        const pow2 = (a.d & (a.d - 1)) === 0;
        let expr: string;
        if (pow2) {
          const sh = Math.log2(a.d);
          expr = a.k === "div" ? `(i32.shr_s ${x} ${i32c(sh)})` : `(i32.and ${x} ${i32c(a.d - 1)})`;
        } else if (lo >= 0) {
          expr = a.k === "div" ? `(i32.div_u ${x} ${i32c(a.d)})` : `(i32.rem_u ${x} ${i32c(a.d)})`;
        } else {
          const xs = this.define(null, d, "i32", x, "ix");
          const r = this.define(null, d, "i32", `(i32.rem_s ${xs} ${i32c(a.d)})`, "ix");
          const m = `(i32.add ${r} (i32.and (i32.shr_s ${r} (i32.const 31)) ${i32c(a.d)}))`;
          expr = a.k === "mod" ? m : `(i32.div_s (i32.sub ${xs} ${m}) ${i32c(a.d)})`;
        }
        return this.define(key, d, "i32", expr, "ix");
      }
      case "clamp": {
        const key = `Iclamp${a.lo},${a.hi}|${a.a.key}`;
        const hit = this.lookup(key);
        if (hit) return hit;
        const d = this.depthOfIds(varsOf(a.a).keys());
        const x = this.define(null, d, "i32", this.index(a.a), "ix");
        const hi = `(select ${i32c(a.hi)} ${x} (i32.gt_s ${x} ${i32c(a.hi)}))`;
        const y = this.define(null, d, "i32", hi, "ix");
        return this.define(key, d, "i32", `(select ${i32c(a.lo)} ${y} (i32.lt_s ${y} ${i32c(a.lo)}))`, "ix");
      }
      case "read": {
        // A data-dependent index: load the integer, clamp it (unsigned compares for uint32).
        const key = `Iread${a.buf}:${a.dtype}[${a.a.key}]${a.lo},${a.hi}`;
        const hit = this.lookup(key);
        if (hit) return hit;
        const d = this.depthOfIds(varsOf(a.a).keys());
        const s = a.dtype === "uint32" ? "u" : "s";
        const x = this.define(null, d, "i32", `(i32.load ${this.address(a.buf, this.index(a.a), "int32")})`, "ix");
        const y = this.define(null, d, "i32", `(select ${i32c(a.hi)} ${x} (i32.gt_${s} ${x} ${i32c(a.hi)}))`, "ix");
        return this.define(key, d, "i32", `(select ${i32c(a.lo)} ${y} (i32.lt_${s} ${y} ${i32c(a.lo)}))`, "ix");
      }
    }
  }

  /** The index of lane l (the lane variable advanced by l). */
  protected laneIndex(x: IExpr, l: number): string {
    if (l === 0) return this.index(x);
    const shifted = isubst(x, (v) => (this.laneIds.has(v.id) ? iadd(ivar(v), l) : undefined));
    return this.index(shifted);
  }

  /** The lane variable an index expression varies along, if any. */
  protected laneVarOf(x: IExpr): IVar | null {
    for (const v of varsOf(x).values()) if (this.laneIds.has(v.id)) return v;
    return null;
  }

  /** A vector of the 4 lane values of an index expression. */
  protected vectorIndex(x: IExpr): string {
    const u = this.laneVarOf(x);
    if (u === null) return this.splat("i32", this.index(x));
    const c = coefOf(x, u);
    if (!inAtoms(x, u)) return `(i32x4.add (i32x4.splat ${this.index(x)}) ${vi32x4(0, c, 2 * c, 3 * c)})`;
    const lanes = [0, 1, 2, 3].map((l) => this.tmp("i32", this.laneIndex(x, l), "ix"));
    return this.build("i32", lanes);
  }

  // ---------------------------------------------------------------------------------------
  // Memory.

  protected address(buf: number, index: string, dtype: DType): string {
    const sh = Math.log2(itemSize[dtype]);
    const off = sh === 0 ? index : `(i32.shl ${index} ${i32c(sh)})`;
    return `(i32.add ${this.bufPtr(buf)} ${off})`;
  }

  scalarLoad(buf: number, index: string, dtype: DType): string {
    const addr = this.address(buf, index, dtype);
    switch (dtype) {
      case "float32":
        return `(f32.load ${addr})`;
      case "float64":
        return `(f64.load ${addr})`;
      case "bool":
      case "uint8":
        return `(i32.load8_u ${addr})`;
      case "int8":
        return `(i32.load8_s ${addr})`;
      case "float16":
        return `(i32.load16_u ${addr})`; // its bits (float16.ts)
      default:
        return `(i32.load ${addr})`;
    }
  }

  protected scalarStoreStmt(buf: number, index: string, dtype: DType, value: string): string {
    const addr = this.address(buf, index, dtype);
    switch (dtype) {
      case "float32":
        return `(f32.store ${addr} ${value})`;
      case "float64":
        return `(f64.store ${addr} ${value})`;
      case "bool":
      case "int8":
      case "uint8":
        return `(i32.store8 ${addr} ${value})`;
      case "float16":
        return `(i32.store16 ${addr} ${value})`;
      default:
        return `(i32.store ${addr} ${value})`;
    }
  }

  /** Stores a value (scalar or vector, matching the current mode of `index`) at buf[index]. */
  store(buf: number, index: IExpr, dtype: DType, value: string, vector: boolean): void {
    if (!vector) {
      this.emit(this.scalarStoreStmt(buf, this.index(index), dtype, value));
      return;
    }
    const u = this.laneVarOf(index);
    if (u !== null && coefOf(index, u) === 1 && !inAtoms(index, u)) {
      const addr = this.address(buf, this.index(index), dtype);
      if (dtype === "bool" || dtype === "int8" || dtype === "uint8") {
        // Lanes hold in-range values (0/1, or int8/uint8 extended), so saturating narrows keep them.
        const v = this.tmp("v128", value);
        const s = dtype === "int8" ? "s" : "u";
        const n16 = `(i16x8.narrow_i32x4_${s} ${v} ${v})`;
        this.emit(`(v128.store32_lane 0 ${addr} (i8x16.narrow_i16x8_${s} ${n16} ${n16}))`);
      } else if (dtype === "float16") {
        const v = this.tmp("v128", value); // lanes hold bits 0..0xffff: the unsigned narrow keeps them
        this.emit(`(v128.store64_lane 0 ${addr} (i16x8.narrow_i32x4_u ${v} ${v}))`);
      } else this.emit(`(v128.store ${addr} ${value})`);
      return;
    }
    const v = this.tmp("v128", value);
    for (let l = 0; l < 4; l++) this.emit(this.scalarStoreStmt(buf, this.laneIndex(index, l), dtype, this.extract(dtype, v, l)));
  }

  // ---------------------------------------------------------------------------------------
  // Lane helpers.

  protected splat(t: "i32" | "f32", s: string): string {
    return `(${t === "f32" ? "f32x4" : "i32x4"}.splat ${s})`;
  }

  protected extract(d: DType, v: string, l: number): string {
    return d === "float32" ? `(f32x4.extract_lane ${l} ${v})` : `(i32x4.extract_lane ${l} ${v})`;
  }

  /** A vector from 4 scalar expressions (duplicable). */
  protected build(t: "i32" | "f32", lanes: readonly string[]): string {
    const shape = t === "f32" ? "f32x4" : "i32x4";
    let v = this.tmp("v128", `(${shape}.splat ${lanes[0]})`);
    for (let l = 1; l < 4; l++) v = this.tmp("v128", `(${shape}.replace_lane ${l} ${v} ${lanes[l]})`);
    return v;
  }

  protected laneType = (d: DType): "i32" | "f32" => (d === "float32" ? "f32" : "i32");

}

function atomVars(a: IAtom): number[] {
  if (a.k === "var") return [a.id];
  return [...varsOf(a.a).keys()];
}
