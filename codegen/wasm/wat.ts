/** Small helpers for writing WAT text: nested statement blocks, functions with locals, constants. */
import { type DType, float16Bits } from "../../ir/dtype.js";

export type WasmType = "i32" | "i64" | "f32" | "f64" | "v128";

/** A list of statements that may still grow after it has been placed (preheaders are filled late). */
export class Block {
  readonly lines: (string | Block)[] = [];
  /** Rendered one level deeper than its parent (loop and branch bodies). */
  indent = false;
  push(line: string | Block): void {
    this.lines.push(line);
  }
  render(indent: string, out: string[]): void {
    const ind = this.indent ? indent + "  " : indent;
    for (const l of this.lines) {
      if (typeof l === "string") out.push(ind + l);
      else l.render(ind, out);
    }
  }
}

export class Fn {
  readonly params: { name: string; type: WasmType }[] = [];
  readonly locals: { name: string; type: WasmType }[] = [];
  readonly body = new Block();
  private count = 0;
  exportName: string | null = null;
  result: WasmType | null = null;

  constructor(readonly name: string) {}

  param(name: string, type: WasmType = "i32"): string {
    this.params.push({ name: `$${name}`, type });
    return `$${name}`;
  }

  local(type: WasmType, hint = "t"): string {
    const name = `$${hint}_${this.count++}`;
    this.locals.push({ name, type });
    return name;
  }

  render(): string {
    const out: string[] = [];
    const exp = this.exportName ? ` (export "${this.exportName}")` : "";
    const params = this.params.map((p) => ` (param ${p.name} ${p.type})`).join("");
    const result = this.result ? ` (result ${this.result})` : "";
    out.push(`(func $${this.name}${exp}${params}${result}`);
    for (const l of this.locals) out.push(`  (local ${l.name} ${l.type})`);
    this.body.render("  ", out);
    out.push(")");
    return out.join("\n");
  }
}

/** The wasm type that holds one scalar of a dtype. */
export const scalarType = (d: DType): WasmType => (d === "float32" ? "f32" : d === "float64" ? "f64" : "i32");

export function f32Text(v: number): string {
  if (Number.isNaN(v)) return "nan";
  if (v === Infinity) return "inf";
  if (v === -Infinity) return "-inf";
  if (Object.is(v, -0)) return "-0x0p+0";
  return String(Math.fround(v));
}

export function f64Text(v: number): string {
  if (Number.isNaN(v)) return "nan";
  if (v === Infinity) return "inf";
  if (v === -Infinity) return "-inf";
  if (Object.is(v, -0)) return "-0x0p+0";
  return String(v);
}

export const i32c = (v: number): string => `(i32.const ${v | 0})`;
export const f32c = (v: number): string => `(f32.const ${f32Text(v)})`;
export const f64c = (v: number): string => `(f64.const ${f64Text(v)})`;
export const vf32 = (v: number): string => {
  const t = f32Text(v);
  return `(v128.const f32x4 ${t} ${t} ${t} ${t})`;
};
export const vi32 = (v: number): string => `(v128.const i32x4 ${v | 0} ${v | 0} ${v | 0} ${v | 0})`;
export const vi32x4 = (a: number, b: number, c: number, d: number): string => `(v128.const i32x4 ${a | 0} ${b | 0} ${c | 0} ${d | 0})`;

/** A scalar constant of a dtype (ints as their 32-bit pattern, bool as 0/1). */
export function scalarConst(v: number, d: DType): string {
  switch (d) {
    case "float32":
      return f32c(v);
    case "float64":
      return f64c(v);
    case "float16":
      return i32c(float16Bits(v)); // held as its bits (float16.ts)
    default:
      return i32c(v);
  }
}

/** A constant vector of 4 lanes of a (32-bit or bool) dtype. */
export function vectorConst(v: number, d: DType): string {
  return d === "float32" ? vf32(v) : vi32(d === "float16" ? float16Bits(v) : v);
}

export const get = (local: string): string => `(local.get ${local})`;
