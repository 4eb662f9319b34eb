/**
 * A fast WAT-to-binary assembler for the modules the renderer writes (module.ts): imports of
 * a memory and functions, then functions with inline exports, params, results, locals and
 * folded (or flat, non-block) instructions. It writes the bytes wabt's parseWat + toBinary
 * (canonical LEBs, no names section) write for the same text (test/wasm/assembler.test.ts).
 *
 * Why not wabt: wabt is itself a wasm module; in a fresh process its parser runs in V8's
 * baseline code, and the hot parser functions it tiers up (bodies up to 19 KB, 100-480 ms each
 * in TurboFan on a busy 2-core machine) fill V8's background compile queue just when a new
 * program's own kernels want theirs (0-1 ms each): in the first call of a jitted MLP training
 * step the kernels ran their whole first jobs in baseline code, 5x slower, and that cost more
 * than the parse (node --trace-wasm-compilation-times; the call's median 771 -> 347 ms, process
 * CPU 290 -> 191 ms, busy machine, fresh processes). Anything outside the subset (other module fields, type uses,
 * flat block instructions, literals whose rounding would need care) throws UnsupportedWat,
 * and the runtime falls back to wabt, so the subset may stay small. Validation is the engine's
 * (`new WebAssembly.Module` validates the whole module before compiling).
 */
import { OPS, type OpInfo } from "./opcodes.js";

/** Text outside the subset this assembler handles (the caller falls back to wabt). */
export class UnsupportedWat extends Error {
  override readonly name = "UnsupportedWat";
}

export interface AssembleFeatures {
  readonly relaxed_simd?: boolean;
  readonly threads?: boolean;
}

const VALTYPE: Record<string, number> = { i32: 0x7f, i64: 0x7e, f32: 0x7d, f64: 0x7c, v128: 0x7b };

class Bytes {
  buf: Uint8Array;
  len = 0;
  /** Small by default: a large ArrayBuffer costs a zeroing and may prompt a collection. */
  constructor(capacity = 256) {
    this.buf = new Uint8Array(capacity);
  }
  private grow(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + n) size *= 2;
    const b = new Uint8Array(size);
    b.set(this.buf.subarray(0, this.len));
    this.buf = b;
  }
  byte(b: number): void {
    if (this.len === this.buf.length) this.grow(1);
    this.buf[this.len++] = b;
  }
  bytes(bs: ArrayLike<number>): void {
    this.grow(bs.length);
    for (let i = 0; i < bs.length; i++) this.buf[this.len++] = bs[i]!;
  }
  u32(n: number): void {
    do {
      let b = n & 0x7f;
      n >>>= 7;
      if (n !== 0) b |= 0x80;
      this.byte(b);
    } while (n !== 0);
  }
  s32(n: number): void {
    n |= 0;
    for (;;) {
      const b = n & 0x7f;
      n >>= 7;
      if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) {
        this.byte(b);
        return;
      }
      this.byte(b | 0x80);
    }
  }
  s64(v: bigint): void {
    for (;;) {
      const b = Number(v & 0x7fn);
      v >>= 7n;
      if ((v === 0n && (b & 0x40) === 0) || (v === -1n && (b & 0x40) !== 0)) {
        this.byte(b);
        return;
      }
      this.byte(b | 0x80);
    }
  }
  name(s: string): void {
    this.u32(s.length);
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c > 0x7e || c < 0x20) throw new UnsupportedWat("a non-ASCII name");
      this.byte(c);
    }
  }
  /** Appends `other` prefixed with its length. */
  sized(other: Bytes): void {
    this.u32(other.len);
    this.grow(other.len);
    this.buf.set(other.buf.subarray(0, other.len), this.len);
    this.len += other.len;
  }
}

const scratch = new DataView(new ArrayBuffer(8));

/** The bits of a float32 literal, or UnsupportedWat where a double-rounded parse could differ from wabt's. */
function f32Bits(t: string): number {
  const neg = t.charCodeAt(0) === 45;
  const body = neg || t.charCodeAt(0) === 43 ? t.slice(1) : t;
  if (body === "nan") return neg ? 0xffc00000 : 0x7fc00000;
  if (body === "inf") return neg ? 0xff800000 : 0x7f800000;
  const d = parseFloatLiteral(t);
  const f = Math.fround(d);
  if (!Number.isFinite(f)) throw new UnsupportedWat(`f32 literal ${t}`);
  if (f !== d) {
    // The decimal was rounded to a double first: safe unless that double is a tie between floats.
    let other: number;
    if (f === 0) other = d > 0 ? 2 ** -149 : -(2 ** -149);
    else {
      scratch.setFloat32(0, f, true);
      const bits = scratch.getUint32(0, true);
      scratch.setUint32(0, d > f === f > 0 ? bits + 1 : bits - 1, true);
      other = scratch.getFloat32(0, true);
    }
    if (Math.abs(d - f) === Math.abs(other - d)) throw new UnsupportedWat(`f32 literal ${t} (a tie)`);
  }
  scratch.setFloat32(0, f, true);
  return scratch.getUint32(0, true);
}

function f64Value(t: string): number | "nan" | "-nan" {
  const neg = t.charCodeAt(0) === 45;
  const body = neg || t.charCodeAt(0) === 43 ? t.slice(1) : t;
  if (body === "nan") return neg ? "-nan" : "nan";
  if (body === "inf") return neg ? -Infinity : Infinity;
  const d = parseFloatLiteral(t);
  if (!Number.isFinite(d)) throw new UnsupportedWat(`f64 literal ${t}`);
  return d;
}

function f64Into(view: DataView, at: number, v: number | "nan" | "-nan"): void {
  if (v === "nan" || v === "-nan") view.setBigUint64(at, v === "nan" ? 0x7ff8000000000000n : 0xfff8000000000000n, true);
  else view.setFloat64(at, v, true);
}

/** A decimal literal, or a hexadecimal one whose value a double holds exactly. */
function parseFloatLiteral(t: string): number {
  const s = t.includes("_") ? t.replace(/_/g, "") : t;
  const m = /^([+-]?)0x([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?(?:[pP]([+-]?\d+))?$/.exec(s);
  if (m !== null) {
    const digits = (m[2] ?? "") + (m[3] ?? "");
    if (digits.length === 0 || digits.replace(/^0+/, "").length > 13) throw new UnsupportedWat(`float literal ${t}`);
    const exp = Number(m[4] ?? 0) - 4 * (m[3] ?? "").length;
    if (exp < -1000 || exp > 1000) throw new UnsupportedWat(`float literal ${t}`);
    const v = parseInt(digits, 16) * 2 ** exp;
    return m[1] === "-" ? -v : v;
  }
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s)) throw new UnsupportedWat(`float literal ${t}`);
  return Number(s);
}

/** Whether `t` is [-]digits (the common spelling; parsed without a regular expression). */
function plainDecimal(t: string): boolean {
  const n = t.length;
  let i = t.charCodeAt(0) === 45 ? 1 : 0;
  if (i === n || n - i > 15) return false;
  for (; i < n; i++) {
    const c = t.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

function intValue(t: string, bits: 8 | 16 | 32): number {
  if (plainDecimal(t)) {
    const v = +t;
    if (!(v >= -(2 ** (bits - 1)) && v < 2 ** bits)) throw new UnsupportedWat(`integer literal ${t} out of range`);
    return v;
  }
  const s = t.includes("_") ? t.replace(/_/g, "") : t;
  if (!/^[+-]?(\d+|0x[0-9a-fA-F]+)$/.test(s)) throw new UnsupportedWat(`integer literal ${t}`);
  const neg = s.charCodeAt(0) === 45;
  const v = Number(neg || s.charCodeAt(0) === 43 ? s.slice(1) : s) * (neg ? -1 : 1);
  if (!(v >= -(2 ** (bits - 1)) && v < 2 ** bits)) throw new UnsupportedWat(`integer literal ${t} out of range`);
  return v;
}

function i64Value(t: string): bigint {
  const s = t.includes("_") ? t.replace(/_/g, "") : t;
  if (!/^[+-]?(\d+|0x[0-9a-fA-F]+)$/.test(s)) throw new UnsupportedWat(`integer literal ${t}`);
  const neg = s.charCodeAt(0) === 45;
  let v = BigInt(neg || s.charCodeAt(0) === 43 ? s.slice(1) : s);
  if (neg) v = -v;
  if (v < -(2n ** 63n) || v >= 2n ** 64n) throw new UnsupportedWat(`integer literal ${t} out of range`);
  return BigInt.asIntN(64, v);
}

interface AssembledFunc {
  readonly exports: string[];
  readonly type: number;
  /** The encoded body (local declarations, instructions, end). */
  readonly body: Uint8Array;
}

const enum Tok {
  Open,
  Close,
  Atom,
  Str,
  End,
}

class Assembler {
  private pos = 0;
  private readonly types: number[][] = [];
  private readonly typeKeys = new Map<string, number>();
  private readonly funcIndex = new Map<string, number>();
  private readonly imports = new Bytes();
  private nImports = 0;
  private nFuncImports = 0;
  private readonly funcs: AssembledFunc[] = [];
  private labels: (string | null)[] = [];
  private locals: Map<string, number> = new Map();
  private readonly code = new Bytes(8192);
  /** The largest function index called (checked against the count at the end). */
  private maxCall = -1;
  /** Bytes of the function bodies so far. */
  private codeBytes = 0;
  private nLocals = 0;

  constructor(
    private readonly s: string,
    private readonly features: AssembleFeatures,
  ) {}

  // ---- tokens ----

  private skip(): void {
    const s = this.s;
    for (;;) {
      const c = s.charCodeAt(this.pos);
      if (c === 32 || c === 10 || c === 9 || c === 13) this.pos++;
      else if (c === 59 && s.charCodeAt(this.pos + 1) === 59) {
        const nl = s.indexOf("\n", this.pos);
        this.pos = nl < 0 ? s.length : nl + 1;
      } else if (c === 40 && s.charCodeAt(this.pos + 1) === 59) throw new UnsupportedWat("a block comment");
      else return;
    }
  }

  private peek(): Tok {
    this.skip();
    if (this.pos >= this.s.length) return Tok.End;
    const c = this.s.charCodeAt(this.pos);
    return c === 40 ? Tok.Open : c === 41 ? Tok.Close : c === 34 ? Tok.Str : Tok.Atom;
  }

  private expect(t: Tok.Open | Tok.Close): void {
    if (this.peek() !== t) throw new UnsupportedWat(`expected ${t === Tok.Open ? "(" : ")"} at ${this.pos}`);
    this.pos++;
  }

  private atom(): string {
    if (this.peek() !== Tok.Atom) throw new UnsupportedWat(`expected an atom at ${this.pos}`);
    const s = this.s;
    const start = this.pos;
    let p = start;
    for (;;) {
      const c = s.charCodeAt(p);
      if (c === 32 || c === 10 || c === 40 || c === 41 || c === 9 || c === 13 || c === 59 || c === 34 || Number.isNaN(c)) break;
      p++;
    }
    this.pos = p;
    return s.slice(start, p);
  }

  private str(): string {
    if (this.peek() !== Tok.Str) throw new UnsupportedWat(`expected a string at ${this.pos}`);
    const end = this.s.indexOf('"', this.pos + 1);
    const v = this.s.slice(this.pos + 1, end);
    if (end < 0 || v.includes("\\")) throw new UnsupportedWat("a string with escapes");
    this.pos = end + 1;
    return v;
  }

  /** Whether the next tokens are "(" + `kw` (consumed when they are). */
  private openIf(kw: string): boolean {
    if (this.peek() !== Tok.Open) return false;
    const save = this.pos;
    this.pos++;
    if (this.peek() === Tok.Atom && this.s.startsWith(kw, this.pos)) {
      const at = this.pos;
      if (this.atom() === kw) return true;
      this.pos = at;
    }
    this.pos = save;
    return false;
  }

  private valtype(): number {
    const t = VALTYPE[this.atom()];
    if (t === undefined) throw new UnsupportedWat("a value type");
    return t;
  }

  private typeIndex(params: number[], results: number[]): number {
    const key = `${params.join(",")}:${results.join(",")}`;
    let k = this.typeKeys.get(key);
    if (k === undefined) {
      k = this.types.length;
      this.typeKeys.set(key, k);
      this.types.push([0x60, params.length, ...params, results.length, ...results]);
    }
    return k;
  }

  // ---- module ----

  assemble(): Uint8Array<ArrayBuffer> {
    // Function indices by name first (calls may precede their callee): imports precede
    // definitions in the text, so the order of "(func $name" is the index order.
    let index = 0;
    for (const m of this.s.matchAll(/\(func\s+(\$[^\s()]+)/g)) this.funcIndex.set(m[1]!, index++);
    this.expect(Tok.Open);
    if (this.atom() !== "module") throw new UnsupportedWat("not a module");
    while (this.peek() === Tok.Open) {
      this.pos++;
      const kw = this.atom();
      if (kw === "import") this.importField();
      else if (kw === "func") this.funcHeader();
      else throw new UnsupportedWat(`module field ${kw}`);
    }
    this.expect(Tok.Close);
    if (this.peek() !== Tok.End) throw new UnsupportedWat("text after the module");
    if (this.maxCall >= this.nFuncImports + this.funcs.length || this.funcIndex.size > this.nFuncImports + this.funcs.length) throw new UnsupportedWat("function indices");

    const out = new Bytes(this.codeBytes + 1024);
    out.bytes([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);
    const section = (id: number, b: Bytes) => {
      out.byte(id);
      out.sized(b);
    };
    if (this.types.length > 0) {
      const b = new Bytes();
      b.u32(this.types.length);
      for (const t of this.types) b.bytes(t);
      section(1, b);
    }
    if (this.nImports > 0) {
      const b = new Bytes();
      b.u32(this.nImports);
      b.bytes(this.imports.buf.subarray(0, this.imports.len));
      section(2, b);
    }
    if (this.funcs.length > 0) {
      const b = new Bytes();
      b.u32(this.funcs.length);
      for (const f of this.funcs) b.u32(f.type);
      section(3, b);
    }
    const exports = this.funcs.flatMap((f, i) => f.exports.map((name) => ({ name, index: this.nFuncImports + i })));
    if (exports.length > 0) {
      const b = new Bytes();
      b.u32(exports.length);
      for (const e of exports) {
        b.name(e.name);
        b.byte(0x00);
        b.u32(e.index);
      }
      section(7, b);
    }
    if (this.funcs.length > 0) {
      const b = new Bytes(this.codeBytes + 5 * this.funcs.length + 8);
      b.u32(this.funcs.length);
      for (const f of this.funcs) {
        b.u32(f.body.length);
        b.bytes(f.body);
      }
      section(10, b);
    }
    return out.buf.slice(0, out.len);
  }

  private importField(): void {
    const mod = this.str();
    const field = this.str();
    this.imports.name(mod);
    this.imports.name(field);
    this.expect(Tok.Open);
    const kind = this.atom();
    if (kind === "memory") {
      const min = intValue(this.atom(), 32);
      let max: number | null = null;
      let shared = false;
      if (this.peek() === Tok.Atom) {
        const a = this.atom();
        if (a === "shared") throw new UnsupportedWat("shared memory without a maximum");
        max = intValue(a, 32);
        if (this.peek() === Tok.Atom) {
          if (this.atom() !== "shared") throw new UnsupportedWat("memory limits");
          shared = true;
        }
      }
      if (shared && !this.features.threads) throw new UnsupportedWat("shared memory without the threads feature");
      this.expect(Tok.Close);
      this.imports.byte(0x02);
      this.imports.byte(shared ? 0x03 : max !== null ? 0x01 : 0x00);
      this.imports.u32(min);
      if (max !== null) this.imports.u32(max);
    } else if (kind === "func") {
      let name: string | null = null;
      if (this.peek() === Tok.Atom) name = this.atom();
      if (name !== null && name.charCodeAt(0) !== 36) throw new UnsupportedWat("a function import's name");
      const { params, results } = this.signature(null);
      this.expect(Tok.Close);
      if (name !== null && this.funcIndex.get(name) !== this.nFuncImports) throw new UnsupportedWat(`function ${name}'s index`);
      this.nFuncImports++;
      this.imports.byte(0x00);
      this.imports.u32(this.typeIndex(params, results));
    } else throw new UnsupportedWat(`import of a ${kind}`);
    this.expect(Tok.Close);
    this.nImports++;
  }

  /** (param ...)* (result ...)*; named params go into `locals`. */
  private signature(locals: Map<string, number> | null): { params: number[]; results: number[] } {
    const params: number[] = [];
    const results: number[] = [];
    while (this.openIf("param")) {
      if (this.peek() === Tok.Atom && this.s.charCodeAt(this.pos) === 36) {
        const id = this.atom();
        if (locals === null || locals.has(id)) throw new UnsupportedWat(`param ${id}`);
        locals.set(id, params.length);
        params.push(this.valtype());
      } else while (this.peek() === Tok.Atom) params.push(this.valtype());
      this.expect(Tok.Close);
    }
    while (this.openIf("result")) {
      while (this.peek() === Tok.Atom) results.push(this.valtype());
      this.expect(Tok.Close);
    }
    return { params, results };
  }

  private funcHeader(): void {
    let name: string | null = null;
    if (this.peek() === Tok.Atom) {
      name = this.atom();
      if (name.charCodeAt(0) !== 36) throw new UnsupportedWat("a function's name");
    }
    const exports: string[] = [];
    while (this.openIf("export")) {
      exports.push(this.str());
      this.expect(Tok.Close);
    }
    if (this.peek() === Tok.Open && this.openIf("type")) throw new UnsupportedWat("a type use");
    const locals = new Map<string, number>();
    const { params, results } = this.signature(locals);
    const localTypes: number[] = [];
    while (this.openIf("local")) {
      if (this.peek() === Tok.Atom && this.s.charCodeAt(this.pos) === 36) {
        const id = this.atom();
        if (locals.has(id)) throw new UnsupportedWat(`local ${id}`);
        locals.set(id, params.length + localTypes.length);
        localTypes.push(this.valtype());
      } else while (this.peek() === Tok.Atom) localTypes.push(this.valtype());
      this.expect(Tok.Close);
    }
    if (name !== null && this.funcIndex.get(name) !== this.nFuncImports + this.funcs.length) throw new UnsupportedWat(`function ${name}'s index`);
    const type = this.typeIndex(params, results);
    this.code.len = 0;
    this.funcBody(localTypes, locals, params.length, this.code);
    this.funcs.push({ exports, type, body: this.code.buf.slice(0, this.code.len) });
    this.codeBytes += this.code.len;
  }

  // ---- code ----

  private funcBody(localTypes: readonly number[], locals: Map<string, number>, nParams: number, out: Bytes): void {
    // local declarations: runs of one type
    const runs: [number, number][] = [];
    for (const t of localTypes) {
      const last = runs[runs.length - 1];
      if (last !== undefined && last[1] === t) last[0]++;
      else runs.push([1, t]);
    }
    out.u32(runs.length);
    for (const [n, t] of runs) {
      out.u32(n);
      out.byte(t);
    }
    this.locals = locals;
    this.nLocals = nParams + localTypes.length;
    this.labels = [];
    this.instrs(out);
    this.expect(Tok.Close);
    out.byte(0x0b);
  }

  /** Instructions up to (not including) the closing ")". */
  private instrs(out: Bytes): void {
    for (;;) {
      const t = this.peek();
      if (t === Tok.Open) {
        this.pos++;
        this.folded(out);
      } else if (t === Tok.Atom) this.plain(this.atom(), out);
      else return;
    }
  }

  /** A folded instruction whose "(" was consumed, through its ")". */
  private folded(out: Bytes): void {
    const kw = this.atom();
    if (kw === "block" || kw === "loop") {
      const label = this.label();
      const bt = this.blockType();
      out.byte(kw === "block" ? 0x02 : 0x03);
      out.byte(bt);
      this.labels.push(label);
      this.instrs(out);
      this.labels.pop();
      this.expect(Tok.Close);
      out.byte(0x0b);
      return;
    }
    if (kw === "if") {
      const label = this.label();
      const bt = this.blockType();
      // the condition: folded instructions before (then ...)
      while (!this.openIf("then")) {
        if (this.peek() !== Tok.Open) throw new UnsupportedWat("an if without (then)");
        this.pos++;
        this.folded(out);
      }
      out.byte(0x04);
      out.byte(bt);
      this.labels.push(label);
      this.instrs(out);
      this.expect(Tok.Close);
      if (this.openIf("else")) {
        out.byte(0x05);
        this.instrs(out);
        this.expect(Tok.Close);
      }
      this.labels.pop();
      this.expect(Tok.Close);
      out.byte(0x0b);
      return;
    }
    const op = OPS.get(kw);
    if (op === undefined) throw new UnsupportedWat(`instruction ${kw}`);
    if (op.imm === "local" || op.imm === "i32") {
      // the most common instructions (local.get/set/tee, i32.const), without an immediates array
      const v = op.imm === "local" ? this.localIndex(this.atom()) : intValue(this.atom(), 32);
      this.instrs(out);
      this.expect(Tok.Close);
      out.byte(op.bytes[0]!);
      if (op.imm === "local") out.u32(v);
      else out.s32(v);
      return;
    }
    if (op.relaxed && !this.features.relaxed_simd) throw new UnsupportedWat(`${kw} without the relaxed-SIMD feature`);
    // Immediates come first in the text and last in the binary (after the operands).
    const imm = this.immediates(op, kw);
    this.instrs(out);
    this.expect(Tok.Close);
    out.bytes(op.bytes);
    if (imm !== null) this.writeImm(op, imm, out);
  }

  /** A flat instruction (no block structure). */
  private plain(kw: string, out: Bytes): void {
    const op = OPS.get(kw);
    if (op === undefined) throw new UnsupportedWat(`instruction ${kw}`);
    if (op.relaxed && !this.features.relaxed_simd) throw new UnsupportedWat(`${kw} without the relaxed-SIMD feature`);
    const imm = this.immediates(op, kw);
    out.bytes(op.bytes);
    if (imm !== null) this.writeImm(op, imm, out);
  }

  private label(): string | null {
    if (this.peek() === Tok.Atom && this.s.charCodeAt(this.pos) === 36) return this.atom();
    return null;
  }

  private blockType(): number {
    if (this.openIf("param")) throw new UnsupportedWat("a block with params");
    if (!this.openIf("result")) return 0x40;
    const t = this.valtype();
    if (this.peek() !== Tok.Close) throw new UnsupportedWat("a block with several results");
    this.pos++;
    if (this.openIf("result")) throw new UnsupportedWat("a block with several results");
    return t;
  }

  private labelDepth(a: string): number {
    if (a.charCodeAt(0) === 36) {
      for (let i = this.labels.length - 1; i >= 0; i--) if (this.labels[i] === a) return this.labels.length - 1 - i;
      throw new UnsupportedWat(`unknown label ${a}`);
    }
    const n = intValue(a, 32);
    if (n < 0 || n >= this.labels.length + 1) throw new UnsupportedWat(`label depth ${a}`);
    return n;
  }

  private localIndex(a: string): number {
    const k = a.charCodeAt(0) === 36 ? this.locals.get(a) : intValue(a, 32);
    if (k === undefined || k < 0 || k >= this.nLocals) throw new UnsupportedWat(`unknown local ${a}`);
    return k;
  }

  /** Reads the immediates of `op` (their values, encoded later), or null for none. */
  private immediates(op: OpInfo, kw: string): number[] | bigint | null {
    switch (op.imm) {
      case "none":
      case "fixed":
        return null;
      case "local":
        return [this.localIndex(this.atom())];
      case "call": {
        const a = this.atom();
        const k = a.charCodeAt(0) === 36 ? this.funcIndex.get(a) : intValue(a, 32);
        if (k === undefined || k < 0) throw new UnsupportedWat(`unknown function ${a}`);
        this.maxCall = Math.max(this.maxCall, k);
        return [k];
      }
      case "label":
        return [this.labelDepth(this.atom())];
      case "labels": {
        const ds: number[] = [];
        while (this.peek() === Tok.Atom) ds.push(this.labelDepth(this.atom()));
        if (ds.length === 0) throw new UnsupportedWat("br_table without labels");
        return ds;
      }
      case "mem":
      case "memLane": {
        let offset = 0;
        let align = op.alignLog2;
        if (this.peek() === Tok.Atom && this.s.startsWith("offset=", this.pos)) offset = intValue(this.atom().slice(7), 32);
        if (this.peek() === Tok.Atom && this.s.startsWith("align=", this.pos)) {
          const bytes = intValue(this.atom().slice(6), 32);
          align = Math.log2(bytes);
          if (!Number.isInteger(align)) throw new UnsupportedWat(`alignment ${bytes}`);
        }
        if (op.imm === "mem") return [align, offset];
        return [align, offset, intValue(this.atom(), 8)];
      }
      case "lane":
        return [intValue(this.atom(), 8)];
      case "i32":
        return [intValue(this.atom(), 32)];
      case "i64":
        return i64Value(this.atom());
      case "f32":
        scratch.setUint32(0, f32Bits(this.atom()), true);
        return [scratch.getUint8(0), scratch.getUint8(1), scratch.getUint8(2), scratch.getUint8(3)];
      case "f64":
        f64Into(scratch, 0, f64Value(this.atom()));
        return Array.from({ length: 8 }, (_, i) => scratch.getUint8(i));
      case "v128":
        return this.v128();
      case "shuffle": {
        const lanes: number[] = [];
        for (let i = 0; i < 16; i++) {
          const l = intValue(this.atom(), 8);
          if (l < 0 || l >= 32) throw new UnsupportedWat(`shuffle lane ${l}`);
          lanes.push(l);
        }
        return lanes;
      }
      case "select":
        if (this.openIf("result")) {
          const t = this.valtype();
          this.expect(Tok.Close);
          return [t];
        }
        return null;
      default:
        throw new UnsupportedWat(`immediates of ${kw}`);
    }
  }

  /** A v128.const's 16 bytes. */
  private v128(): number[] {
    const shape = this.atom();
    const b = new DataView(new ArrayBuffer(16));
    switch (shape) {
      case "i8x16":
        for (let i = 0; i < 16; i++) b.setUint8(i, intValue(this.atom(), 8) & 0xff);
        break;
      case "i16x8":
        for (let i = 0; i < 8; i++) b.setUint16(2 * i, intValue(this.atom(), 16) & 0xffff, true);
        break;
      case "i32x4":
        for (let i = 0; i < 4; i++) b.setUint32(4 * i, intValue(this.atom(), 32) >>> 0, true);
        break;
      case "i64x2":
        for (let i = 0; i < 2; i++) b.setBigInt64(8 * i, i64Value(this.atom()), true);
        break;
      case "f32x4":
        for (let i = 0; i < 4; i++) b.setUint32(4 * i, f32Bits(this.atom()), true);
        break;
      case "f64x2":
        for (let i = 0; i < 2; i++) f64Into(b, 8 * i, f64Value(this.atom()));
        break;
      default:
        throw new UnsupportedWat(`v128.const shape ${shape}`);
    }
    return Array.from(new Uint8Array(b.buffer));
  }

  private writeImm(op: OpInfo, imm: number[] | bigint, out: Bytes): void {
    if (typeof imm === "bigint") {
      out.s64(imm);
      return;
    }
    switch (op.imm) {
      case "local":
      case "call":
      case "label":
        out.u32(imm[0]!);
        return;
      case "labels":
        out.u32(imm.length - 1);
        for (const d of imm) out.u32(d);
        return;
      case "mem":
        out.u32(imm[0]!);
        out.u32(imm[1]!);
        return;
      case "memLane":
        out.u32(imm[0]!);
        out.u32(imm[1]!);
        out.byte(imm[2]!);
        return;
      case "lane":
        out.byte(imm[0]!);
        return;
      case "i32":
        out.s32(imm[0]!);
        return;
      case "f32":
      case "f64":
      case "v128":
      case "shuffle":
        out.bytes(imm);
        return;
      case "select":
        // typed select: 0x1c, one type
        out.len--;
        out.byte(0x1c);
        out.byte(1);
        out.byte(imm[0]!);
        return;
      default:
        throw new UnsupportedWat("immediates");
    }
  }
}

/** The binary of a module in the renderer's WAT subset; throws UnsupportedWat outside it. */
export function assembleWat(wat: string, features: AssembleFeatures): Uint8Array<ArrayBuffer> {
  return new Assembler(wat, features).assemble();
}
