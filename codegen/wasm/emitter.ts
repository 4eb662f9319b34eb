/**
 * Emits the body of one kernel: loop nests over index variables and the scalar expressions
 * computed inside them, in scalar mode (one element) or vector mode (4 lanes of f32x4 /
 * i32x4 along the innermost variable).
 *
 * Loop-invariant code motion is structural: every expression node (and every partial index
 * sum) is emitted at the depth of the deepest loop variable it depends on, into the preheader
 * of the next loop, and memoized there; so a broadcast operand is loaded (and splatted) once
 * per row, not once per element, and a shared subexpression is computed once.
 */
import { type DType, itemSize } from "../../ir/dtype.js";
import type { BinaryPrimitive, ComparisonPrimitive, UnaryPrimitive } from "../../ir/primitives.js";
import { type IAtom, type IExpr, type IVar, coefOf, iadd, iconst, inAtoms, irange, isubst, ivar, varsOf } from "../kernel/iexpr.js";
import { type ReduceOp, type SExpr, children } from "../kernel/sexpr.js";
import { type Asm, nativeF32x4 } from "./simdmath.js";
import { Block, type Fn, type WasmType, get, i32c, scalarConst, scalarType, vectorConst, vf32, vi32, vi32x4 } from "./wat.js";

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
const ACC = -1;

interface Level {
  readonly v: number | null;
  readonly body: Block;
  readonly pre: Block;
  readonly memo: Map<string, string>;
}

const isF = (d: DType) => d === "float32" || d === "float64";
const F = (d: DType) => (d === "float64" ? "f64" : "f32");

/** Unary float functions the host provides (ref semantics: computed in double). */
const hostUnaryFns: Partial<Record<UnaryPrimitive, string>> = {
  exp: "exp",
  exp2: "exp2",
  log: "log",
  expm1: "expm1",
  log1p: "log1p",
  tanh: "tanh",
  logistic: "logistic",
  sin: "sin",
  cos: "cos",
  tan: "tan",
  asin: "asin",
  acos: "acos",
  atan: "atan",
  sinh: "sinh",
  cosh: "cosh",
  asinh: "asinh",
  acosh: "acosh",
  atanh: "atanh",
  cbrt: "cbrt",
  erf: "erf",
  erfc: "erfc",
  erfInv: "erfInv",
};

export class KernelEmitter {
  private levels: Level[];
  private readonly varDepth = new Map<number, number>();
  private readonly varLocal = new Map<number, string>();
  private readonly depsCache = new Map<number, Set<number>>();
  /** Ids whose lanes differ in vector mode: the vector variable, and ACC when the accumulator is a vector. */
  private laneIds = new Set<number>();
  private accValue: string | null = null;
  private labels = 0;

  constructor(
    readonly fn: Fn,
    private readonly bufPtr: (buf: number) => string,
    private readonly imports: ImportSink,
    readonly opts: EmitOptions,
    root: Block = fn.body,
    private readonly trig: TrigMode = { mode: "inline" },
  ) {
    this.levels = [{ v: null, body: root, pre: new Block(), memo: new Map() }];
  }

  get depth(): number {
    return this.levels.length - 1;
  }

  private get cur(): Level {
    return this.levels[this.levels.length - 1]!;
  }

  /** Appends a statement at the current position. */
  emit(stmt: string): void {
    this.cur.body.push(stmt);
  }

  /** Where code for something at depth d goes: the current body, or the preheader of the level above d. */
  private blockAt(d: number): Block {
    return d >= this.depth ? this.cur.body : this.levels[d + 1]!.pre;
  }

  private memoAt(d: number): Map<string, string> {
    return this.levels[Math.min(d, this.depth)]!.memo;
  }

  private lookup(key: string): string | undefined {
    for (let i = this.levels.length - 1; i >= 0; i--) {
      const hit = this.levels[i]!.memo.get(key);
      if (hit !== undefined) return hit;
    }
    return undefined;
  }

  /** Assigns `expr` to a fresh local at depth d, memoized under key. */
  private define(key: string | null, d: number, type: WasmType, expr: string, hint = "t"): string {
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

  private pushLevel(v: number | null, pre: Block, body: Block): void {
    this.levels.push({ v, body, pre, memo: new Map() });
    if (v !== null) this.varDepth.set(v, this.depth);
  }

  private popLevel(): void {
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
   * The vector loop `for (v = 0; v < full; v += 4) body()` (full a positive multiple of 8),
   * unrolled twice: each trip emits the body for v = j and for v = j + 4 (its own local for v)
   * and interleaves the two copies' statements, so that the engine, which keeps their order,
   * hands the core two independent dependency chains side by side (long transcendental chains
   * are latency-bound). Copies that contain nested blocks (loops, branches) stay one after the
   * other. The stores of the two copies go to different elements, and a map kernel's outputs never
   * overlap its inputs, so the reordering keeps the result.
   */
  vectorLoopX2(v: IVar, full: number, body: () => void): void {
    const localA = this.localOfVar(v);
    const localB = this.fn.local("i32", v.name);
    this.loop(
      null,
      0,
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
      { hint: "u" },
    );
  }

  private pseudoIds = new Map<string, number>();
  private pseudoId(local: string): number {
    let id = this.pseudoIds.get(local);
    if (id === undefined) this.pseudoIds.set(local, (id = -1000 - this.pseudoIds.size));
    return id;
  }

  private localOfVar(v: IVar): string {
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

  private depsOf(e: SExpr): Set<number> {
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

  private depthOfIds(ids: Iterable<number>): number {
    let d = 0;
    for (const id of ids) {
      const vd = this.varDepth.get(id);
      if (vd === undefined) throw new Error(`internal: kernel variable ${id} used outside its loop`);
      d = Math.max(d, vd);
    }
    return d;
  }

  private isLane(e: SExpr): boolean {
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

  private atom(a: IAtom): string {
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
    }
  }

  /** The index of lane l (the lane variable advanced by l). */
  private laneIndex(x: IExpr, l: number): string {
    if (l === 0) return this.index(x);
    const shifted = isubst(x, (v) => (this.laneIds.has(v.id) ? iadd(ivar(v), l) : undefined));
    return this.index(shifted);
  }

  /** The lane variable an index expression varies along, if any. */
  private laneVarOf(x: IExpr): IVar | null {
    for (const v of varsOf(x).values()) if (this.laneIds.has(v.id)) return v;
    return null;
  }

  /** A vector of the 4 lane values of an index expression. */
  private vectorIndex(x: IExpr): string {
    const u = this.laneVarOf(x);
    if (u === null) return this.splat("i32", this.index(x));
    const c = coefOf(x, u);
    if (!inAtoms(x, u)) return `(i32x4.add (i32x4.splat ${this.index(x)}) ${vi32x4(0, c, 2 * c, 3 * c)})`;
    const lanes = [0, 1, 2, 3].map((l) => this.tmp("i32", this.laneIndex(x, l), "ix"));
    return this.build("i32", lanes);
  }

  // ---------------------------------------------------------------------------------------
  // Memory.

  private address(buf: number, index: string, dtype: DType): string {
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
        return `(i32.load8_u ${addr})`;
      default:
        return `(i32.load ${addr})`;
    }
  }

  private scalarStoreStmt(buf: number, index: string, dtype: DType, value: string): string {
    const addr = this.address(buf, index, dtype);
    switch (dtype) {
      case "float32":
        return `(f32.store ${addr} ${value})`;
      case "float64":
        return `(f64.store ${addr} ${value})`;
      case "bool":
        return `(i32.store8 ${addr} ${value})`;
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
      if (dtype === "bool") {
        const v = this.tmp("v128", value);
        const n16 = `(i16x8.narrow_i32x4_u ${v} ${v})`;
        this.emit(`(v128.store32_lane 0 ${addr} (i8x16.narrow_i16x8_u ${n16} ${n16}))`);
      } else this.emit(`(v128.store ${addr} ${value})`);
      return;
    }
    const v = this.tmp("v128", value);
    for (let l = 0; l < 4; l++) this.emit(this.scalarStoreStmt(buf, this.laneIndex(index, l), dtype, this.extract(dtype, v, l)));
  }

  // ---------------------------------------------------------------------------------------
  // Lane helpers.

  private splat(t: "i32" | "f32", s: string): string {
    return `(${t === "f32" ? "f32x4" : "i32x4"}.splat ${s})`;
  }

  private extract(d: DType, v: string, l: number): string {
    return d === "float32" ? `(f32x4.extract_lane ${l} ${v})` : `(i32x4.extract_lane ${l} ${v})`;
  }

  /** A vector from 4 scalar expressions (duplicable). */
  private build(t: "i32" | "f32", lanes: readonly string[]): string {
    const shape = t === "f32" ? "f32x4" : "i32x4";
    let v = this.tmp("v128", `(${shape}.splat ${lanes[0]})`);
    for (let l = 1; l < 4; l++) v = this.tmp("v128", `(${shape}.replace_lane ${l} ${v} ${lanes[l]})`);
    return v;
  }

  private laneType = (d: DType): "i32" | "f32" => (d === "float32" ? "f32" : "i32");

  // ---------------------------------------------------------------------------------------
  // Expressions.

  /**
   * The value of a node in the requested mode: a scalar, or a vector (a lane-independent node
   * is computed once as a scalar and splatted).
   */
  value(e: SExpr, vector: boolean): string {
    if (e.k === "const") return vector ? vectorConst(e.value, e.dtype) : scalarConst(e.value, e.dtype);
    if (e.k === "acc") {
      if (this.accValue === null) throw new Error("internal: accumulator used outside a contraction epilogue");
      const laneAcc = this.laneIds.has(ACC);
      if (laneAcc && !vector) throw new Error("internal: vector accumulator in scalar context");
      return laneAcc || !vector ? this.accValue : this.splat(this.laneType(e.dtype), this.accValue);
    }
    const lane = this.isLane(e);
    if (lane) {
      if (!vector) throw new Error("internal: lane-varying value requested as a scalar");
      return this.node(e, true);
    }
    const s = this.node(e, false);
    if (!vector) return s;
    const key = `${e.id}|splat`;
    const hit = this.lookup(key);
    if (hit) return hit;
    const d = e.k === "reduce" ? this.depth : this.depthOfIds(this.depsOf(e));
    return this.define(key, d, "v128", this.splat(this.laneType(e.dtype), s), "sp");
  }

  private node(e: SExpr, vector: boolean): string {
    const key = `${e.id}|${vector ? "v" : "s"}`;
    const hit = this.lookup(key);
    if (hit) return hit;
    // A reduction opens its loops here; everything else goes to the depth of its dependencies.
    const d = e.k === "reduce" ? this.depth : this.depthOfIds(this.depsOf(e));
    const saved = this.levels;
    // Emit at depth d: temporarily truncate the level stack so that helpers write there.
    let expr: string;
    if (d < this.depth) {
      const truncated = this.levels.slice(0, d + 1);
      const preLevel: Level = { v: null, body: this.levels[d + 1]!.pre, pre: truncated[d]!.pre, memo: truncated[d]!.memo };
      this.levels = [...truncated.slice(0, d), preLevel];
      try {
        expr = vector ? this.vectorExpr(e) : this.scalarExpr(e);
      } finally {
        this.levels = saved;
      }
    } else expr = vector ? this.vectorExpr(e) : this.scalarExpr(e);
    const type: WasmType = vector ? "v128" : scalarType(e.dtype);
    return this.define(key, d, type, expr, vector ? "v" : "s");
  }

  private scalarExpr(e: SExpr): string {
    const v = (x: SExpr) => this.value(x, false);
    switch (e.k) {
      case "load":
        return this.scalarLoad(e.buf, this.index(e.index), e.dtype);
      case "iota":
        return convertScalar(this.index(e.index), "int32", e.dtype);
      case "icond": {
        const x = this.index(e.index);
        return e.op === "lt" ? `(i32.lt_s ${x} ${i32c(e.c)})` : e.op === "ge" ? `(i32.ge_s ${x} ${i32c(e.c)})` : `(i32.eq ${x} ${i32c(e.c)})`;
      }
      case "unary":
        return this.scalarUnary(e.op, e.a.dtype, v(e.a));
      case "binary":
        return this.scalarBinary(e.op, e.a.dtype, v(e.a), v(e.b));
      case "compare":
        return scalarCompare(e.op, e.a.dtype, v(e.a), v(e.b));
      case "select": {
        const w = v(e.which);
        const cases = e.cases.map(v);
        if (e.which.dtype === "bool") return `(select ${cases[1]} ${cases[0]} ${w})`;
        let r = cases[cases.length - 1]!;
        for (let k = cases.length - 2; k >= 0; k--) r = `(select ${cases[k]} ${r} (i32.le_s ${w} ${i32c(k)}))`;
        return r;
      }
      case "clamp":
        return scalarClamp(e.dtype, v(e.lo), v(e.x), v(e.hi));
      case "convert":
        return convertScalar(v(e.a), e.a.dtype, e.dtype);
      case "bitcast":
        return bitcastScalar(v(e.a), e.a.dtype, e.dtype);
      case "round": {
        const x = v(e.a);
        if (e.method === "toNearestEven") return `(${F(e.dtype)}.nearest ${x})`;
        const f = F(e.dtype);
        const t = this.tmp(f, `(${f}.trunc ${x})`);
        const one = `(${f}.copysign (${f}.const 1) ${x})`;
        return `(${f}.copysign (select (${f}.add ${t} ${one}) ${t} (${f}.ge (${f}.abs (${f}.sub ${x} ${t})) (${f}.const 0.5))) ${x})`;
      }
      case "ipow":
        return this.ipow(v(e.a), e.y, e.dtype, false);
      case "reduce":
        return this.reduce(e, false);
      case "const":
      case "acc":
        return this.value(e, false);
    }
  }

  private vectorExpr(e: SExpr): string {
    const v = (x: SExpr) => this.value(x, true);
    switch (e.k) {
      case "load": {
        const u = this.laneVarOf(e.index);
        if (u !== null && coefOf(e.index, u) === 1 && !inAtoms(e.index, u) && e.dtype !== "float64") {
          const addr = this.address(e.buf, this.index(e.index), e.dtype);
          if (e.dtype === "bool") return `(i32x4.extend_low_i16x8_u (i16x8.extend_low_i8x16_u (v128.load32_zero ${addr})))`;
          return `(v128.load ${addr})`;
        }
        const lanes = [0, 1, 2, 3].map((l) => this.tmp(scalarType(e.dtype), this.scalarLoad(e.buf, this.laneIndex(e.index, l), e.dtype)));
        return this.build(this.laneType(e.dtype), lanes);
      }
      case "iota":
        return convertVector(this.vectorIndex(e.index), "int32", e.dtype);
      case "icond": {
        const x = this.vectorIndex(e.index);
        const c = vi32(e.c);
        const m = e.op === "lt" ? `(i32x4.lt_s ${x} ${c})` : e.op === "ge" ? `(i32x4.ge_s ${x} ${c})` : `(i32x4.eq ${x} ${c})`;
        return `(i32x4.neg ${m})`;
      }
      case "unary":
        return this.vectorUnary(e, v(e.a));
      case "binary":
        return this.vectorBinary(e, v(e.a), v(e.b));
      case "compare": {
        const r = vectorCompare(e.op, e.a.dtype, v(e.a), v(e.b));
        return r ?? this.lanes(e, [v(e.a), v(e.b)], [e.a.dtype, e.b.dtype], (a) => scalarCompare(e.op, e.a.dtype, a[0]!, a[1]!));
      }
      case "select": {
        const w = v(e.which);
        const cases = e.cases.map(v);
        if (e.which.dtype === "bool") return `(v128.bitselect ${cases[1]} ${cases[0]} (i32x4.neg ${w}))`;
        const wl = this.tmp("v128", w);
        let r = cases[cases.length - 1]!;
        for (let k = cases.length - 2; k >= 0; k--) r = `(v128.bitselect ${cases[k]} ${r} (i32x4.le_s ${wl} ${vi32(k)}))`;
        return r;
      }
      case "clamp": {
        const r = vectorClamp(e.dtype, v(e.lo), v(e.x), v(e.hi));
        return r;
      }
      case "convert":
        return convertVector(v(e.a), e.a.dtype, e.dtype);
      case "bitcast":
        return v(e.a);
      case "round": {
        const x = this.tmp("v128", v(e.a));
        if (e.method === "toNearestEven") return `(f32x4.nearest ${x})`;
        const SIGN = vi32(0x80000000);
        const t = this.tmp("v128", `(f32x4.trunc ${x})`);
        const big = `(f32x4.ge (f32x4.abs (f32x4.sub ${x} ${t})) ${vf32(0.5)})`;
        const one = `(v128.or (v128.and ${x} ${SIGN}) ${vf32(1)})`;
        const r = this.tmp("v128", `(f32x4.add ${t} (v128.and ${one} ${big}))`);
        return `(v128.or (v128.and ${x} ${SIGN}) (v128.andnot ${r} ${SIGN}))`;
      }
      case "ipow":
        return this.ipow(v(e.a), e.y, e.dtype, true);
      case "reduce":
        return this.reduce(e, true);
      case "const":
      case "acc":
        return this.value(e, true);
    }
  }

  /** Per-lane fallback: extract each lane of the operands, compute the scalar form, rebuild. */
  private lanes(e: SExpr, operands: readonly string[], dtypes: readonly DType[], scalar: (a: readonly string[]) => string): string {
    const ops = operands.map((o) => this.tmp("v128", o));
    const results: string[] = [];
    for (let l = 0; l < 4; l++) {
      const a = ops.map((o, i) => this.tmp(scalarType(dtypes[i]!), this.extract(dtypes[i]!, o, l)));
      results.push(this.tmp(scalarType(e.dtype), scalar(a)));
    }
    return this.build(this.laneType(e.dtype), results);
  }

  private ipow(x0: string, y: number, dtype: DType, vector: boolean): string {
    const mul = vector ? (dtype === "float32" ? "f32x4.mul" : "i32x4.mul") : isF(dtype) ? `${F(dtype)}.mul` : "i32.mul";
    const type: WasmType = vector ? "v128" : scalarType(dtype);
    if (y === 0) return vector ? vectorConst(1, dtype) : scalarConst(1, dtype);
    let n = Math.abs(y);
    let acc: string | null = null;
    let base = this.tmp(type, x0);
    while (n > 0) {
      if (n & 1) acc = acc === null ? base : this.tmp(type, `(${mul} ${acc} ${base})`);
      n = Math.floor(n / 2);
      if (n > 0) base = this.tmp(type, `(${mul} ${base} ${base})`);
    }
    if (y > 0) return acc!;
    return vector ? `(f32x4.div ${vf32(1)} ${acc})` : `(${F(dtype)}.div (${F(dtype)}.const 1) ${acc})`;
  }

  /** A vectorized f32 math function run on one scalar (lane 0 of a splat), so tails match bodies. */
  private viaVector(fnName: string, x: string): string {
    const f = nativeF32x4[fnName]!;
    const r = f(this.asm(), `(f32x4.splat ${x})`);
    return `(f32x4.extract_lane 0 ${r})`;
  }

  private asm(): Asm {
    return {
      tmp: (expr) => this.tmp("v128", expr, "m"),
      local: () => this.fn.local("v128", "m"),
      emit: (s) => this.emit(s),
      hostUnary: (name) => this.imports.hostMath(name, 1),
      trigFlag: this.trig.mode === "flag" ? this.trig.flag : undefined,
      fma: this.opts.relaxedSimd,
    };
  }

  private hostCall1(name: string, dtype: DType, x: string): string {
    const fn = this.imports.hostMath(name, 1);
    return dtype === "float64" ? `(call ${fn} ${x})` : `(f32.demote_f64 (call ${fn} (f64.promote_f32 ${x})))`;
  }

  private hostCall2(name: string, dtype: DType, a: string, b: string): string {
    const fn = this.imports.hostMath(name, 2);
    return dtype === "float64" ? `(call ${fn} ${a} ${b})` : `(f32.demote_f64 (call ${fn} (f64.promote_f32 ${a}) (f64.promote_f32 ${b})))`;
  }

  private scalarUnary(op: UnaryPrimitive, d: DType, a: string): string {
    if (isF(d)) {
      const f = F(d);
      switch (op) {
        case "neg":
        case "abs":
        case "floor":
        case "ceil":
        case "sqrt":
          return `(${f}.${op} ${a})`;
        case "sign":
          return `(select (${f}.copysign (${f}.const 1) ${a}) ${a} (${f}.gt (${f}.abs ${a}) (${f}.const 0)))`;
        case "square":
          return `(${f}.mul ${a} ${a})`;
        case "isFinite":
          return `(${f}.lt (${f}.abs ${a}) (${f}.const inf))`;
        case "rsqrt":
          return d === "float64" ? `(f64.div (f64.const 1) (f64.sqrt ${a}))` : `(f32.demote_f64 (f64.div (f64.const 1) (f64.sqrt (f64.promote_f32 ${a}))))`;
        default: {
          if (d === "float32" && nativeF32x4[op] && !(this.trig.mode === "exact" && (op === "sin" || op === "cos"))) return this.viaVector(op, a);
          const name = hostUnaryFns[op];
          if (!name) throw new Error(`internal: no float lowering for ${op}`);
          return this.hostCall1(name, d, a);
        }
      }
    }
    const unsigned = d === "uint32";
    switch (op) {
      case "neg":
        return `(i32.sub (i32.const 0) ${a})`;
      case "sign":
        return unsigned ? `(i32.ne ${a} (i32.const 0))` : `(i32.sub (i32.gt_s ${a} (i32.const 0)) (i32.lt_s ${a} (i32.const 0)))`;
      case "abs":
        return unsigned ? a : `(select ${a} (i32.sub (i32.const 0) ${a}) (i32.ge_s ${a} (i32.const 0)))`;
      case "square":
        return `(i32.mul ${a} ${a})`;
      case "not":
        return d === "bool" ? `(i32.xor ${a} (i32.const 1))` : `(i32.xor ${a} (i32.const -1))`;
      default:
        throw new Error(`internal: ${op} on ${d}`);
    }
  }

  private scalarBinary(op: BinaryPrimitive, d: DType, a: string, b: string): string {
    if (isF(d)) {
      const f = F(d);
      switch (op) {
        case "add":
        case "sub":
        case "mul":
        case "div":
        case "max":
        case "min":
          return `(${f}.${op} ${a} ${b})`;
        case "pow":
          return this.hostCall2("pow", d, a, b);
        case "atan2":
          return this.hostCall2("atan2", d, a, b);
        case "rem":
          return this.hostCall2("fmod", d, a, b);
        case "nextafter":
          return this.hostCall2(d === "float32" ? "nextafter32" : "nextafter64", d, a, b);
        default:
          throw new Error(`internal: ${op} on ${d}`);
      }
    }
    if (d === "bool") {
      switch (op) {
        case "add":
        case "max":
        case "or":
          return `(i32.or ${a} ${b})`;
        case "mul":
        case "min":
        case "and":
          return `(i32.and ${a} ${b})`;
        case "xor":
          return `(i32.xor ${a} ${b})`;
        default:
          throw new Error(`internal: ${op} on bool`);
      }
    }
    const s = d === "uint32" ? "u" : "s";
    switch (op) {
      case "add":
      case "sub":
      case "mul":
      case "and":
      case "or":
      case "xor":
        return `(i32.${op} ${a} ${b})`;
      case "max":
        return `(select ${a} ${b} (i32.gt_${s} ${a} ${b}))`;
      case "min":
        return `(select ${a} ${b} (i32.lt_${s} ${a} ${b}))`;
      case "div": {
        if (s === "u") return `(select (i32.const -1) (i32.div_u ${a} (select (i32.const 1) ${b} (i32.eqz ${b}))) (i32.eqz ${b}))`;
        const bad = `(i32.or (i32.eqz ${b}) (i32.and (i32.eq ${a} (i32.const -2147483648)) (i32.eq ${b} (i32.const -1))))`;
        return `(select (i32.const -1) (i32.div_s ${a} (select (i32.const 1) ${b} ${bad})) (i32.eqz ${b}))`;
      }
      case "rem":
        return `(select ${a} (i32.rem_${s} ${a} (select (i32.const 1) ${b} (i32.eqz ${b}))) (i32.eqz ${b}))`;
      case "shiftLeft":
        return `(select (i32.shl ${a} ${b}) (i32.const 0) (i32.lt_u ${b} (i32.const 32)))`;
      case "shiftRightLogical":
        return `(select (i32.shr_u ${a} ${b}) (i32.const 0) (i32.lt_u ${b} (i32.const 32)))`;
      case "shiftRightArithmetic":
        return `(i32.shr_s ${a} (select ${b} (i32.const 31) (i32.lt_u ${b} (i32.const 32))))`;
      default:
        throw new Error(`internal: ${op} on ${d}`);
    }
  }

  private vectorUnary(e: SExpr & { k: "unary" }, a: string): string {
    const d = e.a.dtype;
    const op = e.op;
    if (d === "float32") {
      switch (op) {
        case "neg":
        case "abs":
        case "floor":
        case "ceil":
        case "sqrt":
          return `(f32x4.${op} ${a})`;
        case "square": {
          const x = this.tmp("v128", a);
          return `(f32x4.mul ${x} ${x})`;
        }
        case "sign": {
          const x = this.tmp("v128", a);
          const one = `(v128.or (v128.and ${x} ${vi32(0x80000000)}) ${vf32(1)})`;
          return `(v128.bitselect ${one} ${x} (f32x4.gt (f32x4.abs ${x}) ${vf32(0)}))`;
        }
        case "isFinite":
          return `(i32x4.neg (f32x4.lt (f32x4.abs ${a}) ${vf32(Infinity)}))`;
        case "rsqrt":
          return `(f32x4.div ${vf32(1)} (f32x4.sqrt ${a}))`;
        default: {
          const native = nativeF32x4[op];
          if (native && !(this.trig.mode === "exact" && (op === "sin" || op === "cos"))) return native(this.asm(), a);
          return this.lanes(e, [a], [d], (x) => this.scalarUnary(op, d, x[0]!));
        }
      }
    }
    switch (op) {
      case "neg":
        return `(i32x4.neg ${a})`;
      case "abs":
        return d === "int32" ? `(i32x4.abs ${a})` : a;
      case "square": {
        const x = this.tmp("v128", a);
        return `(i32x4.mul ${x} ${x})`;
      }
      case "not":
        return d === "bool" ? `(v128.xor ${a} ${vi32(1)})` : `(v128.not ${a})`;
      case "sign": {
        const x = this.tmp("v128", a);
        if (d === "uint32") return `(i32x4.neg (i32x4.ne ${x} ${vi32(0)}))`;
        return `(i32x4.sub (i32x4.neg (i32x4.gt_s ${x} ${vi32(0)})) (i32x4.neg (i32x4.lt_s ${x} ${vi32(0)})))`;
      }
      default:
        return this.lanes(e, [a], [d], (x) => this.scalarUnary(op, d, x[0]!));
    }
  }

  private vectorBinary(e: SExpr & { k: "binary" }, a: string, b: string): string {
    const d = e.a.dtype;
    const op = e.op;
    // Shifts by a constant amount: one instruction (amounts of 32 or more follow the reference).
    if ((op === "shiftLeft" || op === "shiftRightLogical" || op === "shiftRightArithmetic") && e.b.k === "const") {
      const n = e.b.value >>> 0;
      if (op === "shiftRightArithmetic") return `(i32x4.shr_s ${a} (i32.const ${Math.min(n, 31)}))`;
      if (n >= 32) return vi32(0);
      return `(i32x4.${op === "shiftLeft" ? "shl" : "shr_u"} ${a} (i32.const ${n}))`;
    }
    if (d === "float32") {
      switch (op) {
        case "add":
        case "sub":
        case "mul":
        case "div":
        case "max":
        case "min":
          return `(f32x4.${op} ${a} ${b})`;
      }
    } else if (d === "bool") {
      switch (op) {
        case "add":
        case "max":
        case "or":
          return `(v128.or ${a} ${b})`;
        case "mul":
        case "min":
        case "and":
          return `(v128.and ${a} ${b})`;
        case "xor":
          return `(v128.xor ${a} ${b})`;
      }
    } else {
      const s = d === "uint32" ? "u" : "s";
      switch (op) {
        case "add":
        case "sub":
        case "mul":
          return `(i32x4.${op} ${a} ${b})`;
        case "and":
        case "or":
        case "xor":
          return `(v128.${op} ${a} ${b})`;
        case "max":
          return `(i32x4.max_${s} ${a} ${b})`;
        case "min":
          return `(i32x4.min_${s} ${a} ${b})`;
      }
    }
    return this.lanes(e, [a, b], [d, d], (x) => this.scalarBinary(op, d, x[0]!, x[1]!));
  }

  // ---------------------------------------------------------------------------------------
  // Reductions.

  /** Which variable a reduction vectorizes along, when emitted in scalar mode: its innermost reduced one. */
  reduceVectorVar: ((e: SExpr & { k: "reduce" }) => IVar | null) | null = null;

  private reduce(e: SExpr & { k: "reduce" }, vector: boolean): string {
    const acc = e.body.dtype;
    if (e.op === "argmax" || e.op === "argmin") {
      if (vector) throw new Error("internal: vector argmax");
      return this.argReduce(e);
    }
    const id = reduceIdentity(e.op, acc);
    const inner = !vector && this.reduceVectorVar ? this.reduceVectorVar(e) : null;
    const rv = e.rvars;
    if (!vector && inner) {
      const accV = this.fn.local("v128", "acc");
      const accS = this.fn.local(scalarType(acc), "acc");
      this.emit(`(local.set ${accV} ${vectorConst(id, acc)})`);
      this.emit(`(local.set ${accS} ${scalarConst(id, acc)})`);
      const nest = (i: number) => {
        const v = rv[i]!;
        if (i < rv.length - 1) {
          this.loop(v, 0, v.extent, 1, () => nest(i + 1));
          return;
        }
        const full = Math.floor(v.extent / 4) * 4;
        this.loop(v, 0, full, 4, () => this.emit(`(local.set ${accV} ${combineVector(e.op, acc, get(accV), this.value(e.body, true))})`), {
          vector: true,
        });
        this.loop(v, full, v.extent, 1, () => this.emit(`(local.set ${accS} ${combineScalar(e.op, acc, get(accS), this.value(e.body, false))})`));
      };
      if (rv.every((v) => v.extent > 0)) nest(0);
      let r = get(accS);
      for (let l = 0; l < 4; l++) r = this.tmp(scalarType(acc), combineScalar(e.op, acc, this.tmp(scalarType(acc), this.extract(acc, get(accV), l)), r));
      return r;
    }
    const type: WasmType = vector ? "v128" : scalarType(acc);
    const a = this.fn.local(type, "acc");
    this.emit(`(local.set ${a} ${vector ? vectorConst(id, acc) : scalarConst(id, acc)})`);
    const nest = (i: number) => {
      if (i === rv.length) {
        const x = this.value(e.body, vector);
        this.emit(`(local.set ${a} ${vector ? combineVector(e.op, acc, get(a), x) : combineScalar(e.op, acc, get(a), x)})`);
        return;
      }
      const v = rv[i]!;
      this.loop(v, 0, v.extent, 1, () => nest(i + 1));
    };
    if (rv.every((v) => v.extent > 0)) nest(0);
    return get(a);
  }

  private argReduce(e: SExpr & { k: "reduce" }): string {
    const d = e.body.dtype;
    const t = scalarType(d);
    const best = this.fn.local(t, "best");
    const bestK = this.fn.local("i32", "bestk");
    const max = e.op === "argmax";
    const init = isF(d) ? (max ? -Infinity : Infinity) : d === "int32" ? (max ? -0x80000000 : 0x7fffffff) : d === "uint32" ? (max ? 0 : 0xffffffff) : max ? 0 : 1;
    this.emit(`(local.set ${best} ${scalarConst(init, d)})`);
    this.emit(`(local.set ${bestK} (i32.const 0))`);
    const rv = e.rvars[0]!;
    if (rv.extent > 0)
      this.loop(rv, 0, rv.extent, 1, (local) => {
        const x = this.tmp(t, this.value(e.body, false));
        let cond: string;
        if (isF(d)) {
          const f = F(d);
          const better = max ? `(${f}.gt ${x} ${get(best)})` : `(${f}.lt ${x} ${get(best)})`;
          cond = `(i32.and (${f}.eq ${get(best)} ${get(best)}) (i32.or ${better} (${f}.ne ${x} ${x})))`;
        } else {
          const s = d === "int32" ? "s" : "u";
          cond = max ? `(i32.gt_${s} ${x} ${get(best)})` : `(i32.lt_${s} ${x} ${get(best)})`;
        }
        this.emit(`(if ${cond} (then (local.set ${best} ${x}) (local.set ${bestK} ${get(local)})))`);
      });
    return get(bestK);
  }
}

// ---------------------------------------------------------------------------------------
// Pure helpers.

function atomVars(a: IAtom): number[] {
  if (a.k === "var") return [a.id];
  return [...varsOf(a.a).keys()];
}

export function reduceIdentity(op: ReduceOp, d: DType): number {
  switch (op) {
    case "sum":
    case "or":
      return 0;
    case "prod":
      return 1;
    case "and":
      return d === "bool" ? 1 : -1;
    case "max":
    case "argmax":
      return isF(d) ? -Infinity : d === "int32" ? -0x80000000 : 0;
    case "min":
    case "argmin":
      return isF(d) ? Infinity : d === "int32" ? 0x7fffffff : d === "uint32" ? 0xffffffff : 1;
  }
}

export function combineScalar(op: ReduceOp, d: DType, a: string, b: string): string {
  if (d === "bool") {
    return op === "sum" || op === "max" || op === "or" ? `(i32.or ${a} ${b})` : `(i32.and ${a} ${b})`;
  }
  if (isF(d)) {
    const f = F(d);
    const o = op === "sum" ? "add" : op === "prod" ? "mul" : op;
    if (o === "and" || o === "or") throw new Error(`internal: reduce ${op} on ${d}`);
    return `(${f}.${o} ${a} ${b})`;
  }
  const s = d === "uint32" ? "u" : "s";
  switch (op) {
    case "sum":
      return `(i32.add ${a} ${b})`;
    case "prod":
      return `(i32.mul ${a} ${b})`;
    case "max":
      return `(select ${a} ${b} (i32.gt_${s} ${a} ${b}))`;
    case "min":
      return `(select ${a} ${b} (i32.lt_${s} ${a} ${b}))`;
    case "and":
      return `(i32.and ${a} ${b})`;
    case "or":
      return `(i32.or ${a} ${b})`;
    default:
      throw new Error(`internal: combine ${op}`);
  }
}

export function combineVector(op: ReduceOp, d: DType, a: string, b: string): string {
  if (d === "bool") return op === "sum" || op === "max" || op === "or" ? `(v128.or ${a} ${b})` : `(v128.and ${a} ${b})`;
  if (d === "float32") {
    const o = op === "sum" ? "add" : op === "prod" ? "mul" : op;
    return `(f32x4.${o} ${a} ${b})`;
  }
  const s = d === "uint32" ? "u" : "s";
  switch (op) {
    case "sum":
      return `(i32x4.add ${a} ${b})`;
    case "prod":
      return `(i32x4.mul ${a} ${b})`;
    case "max":
      return `(i32x4.max_${s} ${a} ${b})`;
    case "min":
      return `(i32x4.min_${s} ${a} ${b})`;
    case "and":
      return `(v128.and ${a} ${b})`;
    case "or":
      return `(v128.or ${a} ${b})`;
    default:
      throw new Error(`internal: combine ${op}`);
  }
}

function scalarCompare(op: ComparisonPrimitive, d: DType, a: string, b: string): string {
  if (isF(d)) return `(${F(d)}.${op} ${a} ${b})`;
  if (op === "eq" || op === "ne") return `(i32.${op} ${a} ${b})`;
  const s = d === "int32" ? "s" : "u";
  return `(i32.${op}_${s} ${a} ${b})`;
}

function vectorCompare(op: ComparisonPrimitive, d: DType, a: string, b: string): string | null {
  if (d === "float64") return null;
  if (d === "float32") return `(i32x4.neg (f32x4.${op} ${a} ${b}))`;
  if (op === "eq" || op === "ne") return `(i32x4.neg (i32x4.${op} ${a} ${b}))`;
  const s = d === "int32" ? "s" : "u";
  return `(i32x4.neg (i32x4.${op}_${s} ${a} ${b}))`;
}

function scalarClamp(d: DType, lo: string, x: string, hi: string): string {
  if (isF(d)) return `(${F(d)}.min (${F(d)}.max ${x} ${lo}) ${hi})`;
  if (d === "bool") return `(i32.and (i32.or ${x} ${lo}) ${hi})`;
  const s = d === "uint32" ? "u" : "s";
  const m = `(select ${x} ${lo} (i32.gt_${s} ${x} ${lo}))`;
  // m is used twice: callers pass locals, and m's parts are locals, so duplication is safe.
  return `(select ${m} ${hi} (i32.lt_${s} ${m} ${hi}))`;
}

function vectorClamp(d: DType, lo: string, x: string, hi: string): string {
  if (d === "float32") return `(f32x4.min (f32x4.max ${x} ${lo}) ${hi})`;
  if (d === "bool") return `(v128.and (v128.or ${x} ${lo}) ${hi})`;
  const s = d === "uint32" ? "u" : "s";
  return `(i32x4.min_${s} (i32x4.max_${s} ${x} ${lo}) ${hi})`;
}

export function convertScalar(x: string, from: DType, to: DType): string {
  if (from === to) return x;
  if (to === "bool") return isF(from) ? `(${F(from)}.ne ${x} (${F(from)}.const 0))` : `(i32.ne ${x} (i32.const 0))`;
  if (to === "float32" || to === "float64") {
    const f = F(to);
    if (from === "float32") return `(f64.promote_f32 ${x})`;
    if (from === "float64") return `(f32.demote_f64 ${x})`;
    return from === "int32" ? `(${f}.convert_i32_s ${x})` : `(${f}.convert_i32_u ${x})`;
  }
  // to int32 / uint32
  if (isF(from)) return `(i32.trunc_sat_${F(from)}_${to === "int32" ? "s" : "u"} ${x})`;
  return x; // int32 <-> uint32 <-> bool(0/1): same bits
}

function convertVector(x: string, from: DType, to: DType): string {
  if (from === to) return x;
  if (to === "bool") return from === "float32" ? `(i32x4.neg (f32x4.ne ${x} ${vf32(0)}))` : `(i32x4.neg (i32x4.ne ${x} ${vi32(0)}))`;
  if (to === "float32") return from === "int32" ? `(f32x4.convert_i32x4_s ${x})` : `(f32x4.convert_i32x4_u ${x})`;
  if (from === "float32") return `(i32x4.trunc_sat_f32x4_${to === "int32" ? "s" : "u"} ${x})`;
  return x;
}

function bitcastScalar(x: string, from: DType, to: DType): string {
  if (from === to) return x;
  if (from === "float32") return `(i32.reinterpret_f32 ${x})`;
  if (to === "float32") return `(f32.reinterpret_i32 ${x})`;
  return x;
}

