/**
 * A small structured-assembly helper for the hand-written factor kernels: locals, counted loops,
 * ifs and early exits over the WAT text helpers (wat.ts), and the float64 / f64x2 operations the
 * kernels compute with. Expressions are folded WAT strings; statements go to the current block.
 */
import type { DType } from "../../../ir/dtype.js";
import { Block, Fn, f64c, get, i32c } from "../wat.js";

export class Asm {
  readonly fn: Fn;
  private cur: Block;
  private labels = 0;
  constructor(name: string) {
    this.fn = new Fn(name);
    this.cur = this.fn.body;
  }
  i32(hint = "i"): string {
    return this.fn.local("i32", hint);
  }
  f64(hint = "x"): string {
    return this.fn.local("f64", hint);
  }
  v128(hint = "v"): string {
    return this.fn.local("v128", hint);
  }
  emit(line: string): void {
    this.cur.push(line);
  }
  set(local: string, value: string): void {
    this.emit(`(local.set ${local} ${value})`);
  }
  /** Runs `body` with statements going into a nested (indented) block. */
  private nested(body: () => void): void {
    const saved = this.cur;
    const b = new Block();
    b.indent = true;
    saved.push(b);
    this.cur = b;
    try {
      body();
    } finally {
      this.cur = saved;
    }
  }
  /** `for (i = lo; i < hi; i += step) body` (i32, signed compare; `hi` is evaluated every trip). */
  for(i: string, lo: string, hi: string, body: () => void, step = 1): void {
    const n = this.labels++;
    this.set(i, lo);
    this.emit(`(block $fx${n} (loop $fl${n}`);
    this.nested(() => {
      this.emit(`(br_if $fx${n} (i32.ge_s ${get(i)} ${hi}))`);
      body();
      this.set(i, `(i32.add ${get(i)} ${i32c(step)})`);
      this.emit(`(br $fl${n})`);
    });
    this.emit(`))`);
  }
  /** `for (i = hi - 1; i >= lo; i--) body`. */
  forDown(i: string, lo: string, hi: string, body: () => void): void {
    const n = this.labels++;
    this.set(i, `(i32.sub ${hi} (i32.const 1))`);
    this.emit(`(block $fx${n} (loop $fl${n}`);
    this.nested(() => {
      this.emit(`(br_if $fx${n} (i32.lt_s ${get(i)} ${lo}))`);
      body();
      this.set(i, `(i32.sub ${get(i)} (i32.const 1))`);
      this.emit(`(br $fl${n})`);
    });
    this.emit(`))`);
  }
  if(cond: string, then: () => void, otherwise?: () => void): void {
    this.emit(`(if ${cond} (then`);
    this.nested(then);
    if (otherwise) {
      this.emit(`) (else`);
      this.nested(otherwise);
    }
    this.emit(`))`);
  }
  /** A block `body` may leave early with the statement it is given (`(br $label)`). */
  exitable(body: (exit: string) => void): void {
    const label = `$fe${this.labels++}`;
    this.emit(`(block ${label}`);
    this.nested(() => body(`(br ${label})`));
    this.emit(`)`);
  }
}

// ---- expressions -------------------------------------------------------------------------

export const I = {
  c: i32c,
  add: (a: string, b: string) => `(i32.add ${a} ${b})`,
  sub: (a: string, b: string) => `(i32.sub ${a} ${b})`,
  mul: (a: string, b: string) => `(i32.mul ${a} ${b})`,
  /** a * 2^k. */
  shl: (a: string, k: number) => `(i32.shl ${a} ${i32c(k)})`,
  lt: (a: string, b: string) => `(i32.lt_s ${a} ${b})`,
  le: (a: string, b: string) => `(i32.le_s ${a} ${b})`,
  ne: (a: string, b: string) => `(i32.ne ${a} ${b})`,
  load: (addr: string) => `(i32.load ${addr})`,
  store: (addr: string, v: string) => `(i32.store ${addr} ${v})`,
};

/** float64 scalars. */
export const F = {
  c: f64c,
  add: (a: string, b: string) => `(f64.add ${a} ${b})`,
  sub: (a: string, b: string) => `(f64.sub ${a} ${b})`,
  mul: (a: string, b: string) => `(f64.mul ${a} ${b})`,
  div: (a: string, b: string) => `(f64.div ${a} ${b})`,
  sqrt: (a: string) => `(f64.sqrt ${a})`,
  abs: (a: string) => `(f64.abs ${a})`,
  gt: (a: string, b: string) => `(f64.gt ${a} ${b})`,
  eq: (a: string, b: string) => `(f64.eq ${a} ${b})`,
  ne: (a: string, b: string) => `(f64.ne ${a} ${b})`,
  load: (addr: string, offset = 0) => `(f64.load${offset ? ` offset=${offset}` : ""} ${addr})`,
  store: (addr: string, v: string, offset = 0) => `(f64.store${offset ? ` offset=${offset}` : ""} ${addr} ${v})`,
};

/** f64x2 vectors. */
export const V = {
  zero: "(v128.const i64x2 0 0)",
  splat: (a: string) => `(f64x2.splat ${a})`,
  add: (a: string, b: string) => `(f64x2.add ${a} ${b})`,
  sub: (a: string, b: string) => `(f64x2.sub ${a} ${b})`,
  mul: (a: string, b: string) => `(f64x2.mul ${a} ${b})`,
  load: (addr: string, offset = 0) => `(v128.load${offset ? ` offset=${offset}` : ""} ${addr})`,
  store: (addr: string, v: string, offset = 0) => `(v128.store${offset ? ` offset=${offset}` : ""} ${addr} ${v})`,
  /** lane 0 + lane 1. */
  hsum: (v: string) => `(f64.add (f64x2.extract_lane 0 ${v}) (f64x2.extract_lane 1 ${v}))`,
};

/** Address of element `index` (i32 expression) of an array of `bytes`-wide items at `base`. */
export const elemAddr = (base: string, index: string, bytes: number): string => `(i32.add ${base} ${I.shl(index, Math.log2(bytes))})`;

/** Reads an operand element (float32 or float64 at `addr`) as float64. */
export const loadAs64 = (dtype: DType, addr: string): string => (dtype === "float32" ? `(f64.promote_f32 (f32.load ${addr}))` : F.load(addr));

/** Stores a float64 value into a float32 or float64 result element (rounded once for float32). */
export const storeFrom64 = (dtype: DType, addr: string, v: string): string => (dtype === "float32" ? `(f32.store ${addr} (f32.demote_f64 ${v}))` : F.store(addr, v));

/**
 * `out = sum_{k < len} a[k] * b[k]` over two float64 arrays at byte addresses `pa`, `pb` (i32
 * expressions, evaluated once), two f64x2 accumulators wide.
 */
export function emitDot(asm: Asm, out: string, paExpr: string, pbExpr: string, lenExpr: string): void {
  const [pa, pb, len] = [asm.i32("pa"), asm.i32("pb"), asm.i32("len")].map((l, q) => {
    asm.set(l, [paExpr, pbExpr, lenExpr][q]!);
    return get(l);
  }) as [string, string, string];
  const k = asm.i32("k");
  const a0 = asm.v128("d");
  const a1 = asm.v128("d");
  const at = (p: string) => `(i32.add ${p} ${I.shl(get(k), 3)})`;
  asm.set(a0, V.zero);
  asm.set(a1, V.zero);
  asm.for(
    k,
    i32c(0),
    I.sub(len, i32c(3)),
    () => {
      asm.set(a0, V.add(get(a0), V.mul(V.load(at(pa)), V.load(at(pb)))));
      asm.set(a1, V.add(get(a1), V.mul(V.load(at(pa), 16), V.load(at(pb), 16))));
    },
    4,
  );
  asm.if(I.lt(get(k), I.sub(len, i32c(1))), () => {
    asm.set(a0, V.add(get(a0), V.mul(V.load(at(pa)), V.load(at(pb)))));
    asm.set(k, I.add(get(k), i32c(2)));
  });
  asm.set(out, V.hsum(V.add(get(a0), get(a1))));
  asm.if(I.lt(get(k), len), () => asm.set(out, F.add(get(out), F.mul(F.load(at(pa)), F.load(at(pb))))));
}

/**
 * `dst[k] = dst[k] - l * src[k]` (or `+` with `add`), k < len, over float64 arrays at byte
 * addresses dst, src (locals' values, evaluated each use: pass `get(local)`s), l a float64
 * local; f64x2 then one scalar. Each element is the scalar operation's result exactly.
 */
export function emitAxpy(asm: Asm, dst: string, src: string, l: string, len: string, op: "sub" | "add" = "sub"): void {
  const k = asm.i32("k");
  const lv = asm.v128("l");
  const at = (p: string) => `(i32.add ${p} ${I.shl(get(k), 3)})`;
  asm.set(lv, V.splat(get(l)));
  asm.for(k, i32c(0), I.sub(len, i32c(1)), () => asm.emit(V.store(at(dst), V[op](V.load(at(dst)), V.mul(get(lv), V.load(at(src)))))), 2);
  asm.if(I.lt(get(k), len), () => asm.emit(F.store(at(dst), F[op](F.load(at(dst)), F.mul(get(l), F.load(at(src)))))));
}

/** sqrt(x^2 + y^2) without undue overflow or underflow (scaled by the larger magnitude), into `out`. */
export function emitHypot(asm: Asm, out: string, x: string, y: string): void {
  const big = asm.f64("big");
  asm.set(big, `(f64.max ${F.abs(x)} ${F.abs(y)})`);
  asm.if(
    `(i32.or ${F.eq(get(big), F.c(0))} ${F.eq(get(big), F.c(Infinity))})`,
    () => asm.set(out, get(big)),
    () => asm.set(out, F.mul(get(big), F.sqrt(F.add(F.mul(F.div(x, get(big)), F.div(x, get(big))), F.mul(F.div(y, get(big)), F.div(y, get(big))))))),
  );
}
