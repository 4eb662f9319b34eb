/**
 * The binary encoding of the WebAssembly instructions the fast assembler (assembler.ts) knows:
 * MVP numerics, memory and control, sign extension, saturating truncation, bulk memory, fixed
 * and relaxed SIMD. Each name maps to its opcode bytes and the kind of immediates it takes.
 * Opcode numbers are the spec's (https://webassembly.github.io/spec/core/binary/instructions.html
 * and the relaxed-SIMD proposal's overview); test/wasm/assembler.test.ts assembles every entry
 * with wabt too and compares the bytes.
 */
import { uleb } from "./leb.js";

/** What follows an instruction's opcode. */
export type Imm =
  | "none"
  /** a memarg (align, offset): `alignLog2` is the natural alignment */
  | "mem"
  /** a memarg, then a lane index */
  | "memLane"
  /** a lane index (extract/replace) */
  | "lane"
  | "local"
  | "call"
  | "label"
  | "labels"
  | "i32"
  | "i64"
  | "f32"
  | "f64"
  | "v128"
  | "shuffle"
  | "select"
  /** fixed trailing bytes (memory indices of memory.size/grow/copy/fill) */
  | "fixed";

export interface OpInfo {
  readonly bytes: readonly number[];
  readonly imm: Imm;
  readonly alignLog2: number;
  /** Needs the relaxed-SIMD feature. */
  readonly relaxed: boolean;
}

export const OPS = new Map<string, OpInfo>();

function def(name: string, bytes: number[], imm: Imm = "none", alignLog2 = 0, relaxed = false): void {
  OPS.set(name, { bytes, imm, alignLog2, relaxed });
}

/** Consecutive opcodes from `first` (null names skip a number). */
function run(prefix: number | null, first: number, names: readonly (string | null)[], imm: Imm = "none"): void {
  names.forEach((name, i) => {
    if (name !== null) def(name, prefix === null ? [first + i] : [prefix, ...uleb(first + i)], imm);
  });
}

// ---- control, variables, constants ----
def("unreachable", [0x00]);
def("nop", [0x01]);
def("br", [0x0c], "label");
def("br_if", [0x0d], "label");
def("br_table", [0x0e], "labels");
def("return", [0x0f]);
def("call", [0x10], "call");
def("drop", [0x1a]);
def("select", [0x1b], "select");
def("local.get", [0x20], "local");
def("local.set", [0x21], "local");
def("local.tee", [0x22], "local");
def("i32.const", [0x41], "i32");
def("i64.const", [0x42], "i64");
def("f32.const", [0x43], "f32");
def("f64.const", [0x44], "f64");
def("memory.size", [0x3f, 0x00], "fixed");
def("memory.grow", [0x40, 0x00], "fixed");
def("memory.copy", [0xfc, 10, 0x00, 0x00], "fixed");
def("memory.fill", [0xfc, 11, 0x00], "fixed");

// ---- memory ----
const mem = (name: string, op: number, alignLog2: number) => def(name, [op], "mem", alignLog2);
mem("i32.load", 0x28, 2);
mem("i64.load", 0x29, 3);
mem("f32.load", 0x2a, 2);
mem("f64.load", 0x2b, 3);
mem("i32.load8_s", 0x2c, 0);
mem("i32.load8_u", 0x2d, 0);
mem("i32.load16_s", 0x2e, 1);
mem("i32.load16_u", 0x2f, 1);
mem("i64.load8_s", 0x30, 0);
mem("i64.load8_u", 0x31, 0);
mem("i64.load16_s", 0x32, 1);
mem("i64.load16_u", 0x33, 1);
mem("i64.load32_s", 0x34, 2);
mem("i64.load32_u", 0x35, 2);
mem("i32.store", 0x36, 2);
mem("i64.store", 0x37, 3);
mem("f32.store", 0x38, 2);
mem("f64.store", 0x39, 3);
mem("i32.store8", 0x3a, 0);
mem("i32.store16", 0x3b, 1);
mem("i64.store8", 0x3c, 0);
mem("i64.store16", 0x3d, 1);
mem("i64.store32", 0x3e, 2);

// ---- numerics (0x45 - 0xc4) ----
const cmpI = ["eq", "ne", "lt_s", "lt_u", "gt_s", "gt_u", "le_s", "le_u", "ge_s", "ge_u"];
const cmpF = ["eq", "ne", "lt", "gt", "le", "ge"];
const binI = ["clz", "ctz", "popcnt", "add", "sub", "mul", "div_s", "div_u", "rem_s", "rem_u", "and", "or", "xor", "shl", "shr_s", "shr_u", "rotl", "rotr"];
const binF = ["abs", "neg", "ceil", "floor", "trunc", "nearest", "sqrt", "add", "sub", "mul", "div", "min", "max", "copysign"];
run(null, 0x45, ["i32.eqz", ...cmpI.map((o) => `i32.${o}`)]);
run(null, 0x50, ["i64.eqz", ...cmpI.map((o) => `i64.${o}`)]);
run(null, 0x5b, cmpF.map((o) => `f32.${o}`));
run(null, 0x61, cmpF.map((o) => `f64.${o}`));
run(null, 0x67, binI.map((o) => `i32.${o}`));
run(null, 0x79, binI.map((o) => `i64.${o}`));
run(null, 0x8b, binF.map((o) => `f32.${o}`));
run(null, 0x99, binF.map((o) => `f64.${o}`));
run(null, 0xa7, [
  "i32.wrap_i64",
  "i32.trunc_f32_s",
  "i32.trunc_f32_u",
  "i32.trunc_f64_s",
  "i32.trunc_f64_u",
  "i64.extend_i32_s",
  "i64.extend_i32_u",
  "i64.trunc_f32_s",
  "i64.trunc_f32_u",
  "i64.trunc_f64_s",
  "i64.trunc_f64_u",
  "f32.convert_i32_s",
  "f32.convert_i32_u",
  "f32.convert_i64_s",
  "f32.convert_i64_u",
  "f32.demote_f64",
  "f64.convert_i32_s",
  "f64.convert_i32_u",
  "f64.convert_i64_s",
  "f64.convert_i64_u",
  "f64.promote_f32",
  "i32.reinterpret_f32",
  "i64.reinterpret_f64",
  "f32.reinterpret_i32",
  "f64.reinterpret_i64",
  "i32.extend8_s",
  "i32.extend16_s",
  "i64.extend8_s",
  "i64.extend16_s",
  "i64.extend32_s",
]);
run(0xfc, 0, [
  "i32.trunc_sat_f32_s",
  "i32.trunc_sat_f32_u",
  "i32.trunc_sat_f64_s",
  "i32.trunc_sat_f64_u",
  "i64.trunc_sat_f32_s",
  "i64.trunc_sat_f32_u",
  "i64.trunc_sat_f64_s",
  "i64.trunc_sat_f64_u",
]);

// ---- SIMD (0xfd prefix) ----
const simdMem = (name: string, op: number, alignLog2: number, imm: Imm = "mem") => def(name, [0xfd, ...uleb(op)], imm, alignLog2);
simdMem("v128.load", 0x00, 4);
simdMem("v128.load8x8_s", 0x01, 3);
simdMem("v128.load8x8_u", 0x02, 3);
simdMem("v128.load16x4_s", 0x03, 3);
simdMem("v128.load16x4_u", 0x04, 3);
simdMem("v128.load32x2_s", 0x05, 3);
simdMem("v128.load32x2_u", 0x06, 3);
simdMem("v128.load8_splat", 0x07, 0);
simdMem("v128.load16_splat", 0x08, 1);
simdMem("v128.load32_splat", 0x09, 2);
simdMem("v128.load64_splat", 0x0a, 3);
simdMem("v128.store", 0x0b, 4);
def("v128.const", [0xfd, 0x0c], "v128");
def("i8x16.shuffle", [0xfd, 0x0d], "shuffle");
run(0xfd, 0x0e, ["i8x16.swizzle", "i8x16.splat", "i16x8.splat", "i32x4.splat", "i64x2.splat", "f32x4.splat", "f64x2.splat"]);
run(
  0xfd,
  0x15,
  [
    "i8x16.extract_lane_s",
    "i8x16.extract_lane_u",
    "i8x16.replace_lane",
    "i16x8.extract_lane_s",
    "i16x8.extract_lane_u",
    "i16x8.replace_lane",
    "i32x4.extract_lane",
    "i32x4.replace_lane",
    "i64x2.extract_lane",
    "i64x2.replace_lane",
    "f32x4.extract_lane",
    "f32x4.replace_lane",
    "f64x2.extract_lane",
    "f64x2.replace_lane",
  ],
  "lane",
);
run(0xfd, 0x23, cmpI.map((o) => `i8x16.${o}`));
run(0xfd, 0x2d, cmpI.map((o) => `i16x8.${o}`));
run(0xfd, 0x37, cmpI.map((o) => `i32x4.${o}`));
run(0xfd, 0x41, cmpF.map((o) => `f32x4.${o}`));
run(0xfd, 0x47, cmpF.map((o) => `f64x2.${o}`));
run(0xfd, 0x4d, ["v128.not", "v128.and", "v128.andnot", "v128.or", "v128.xor", "v128.bitselect", "v128.any_true"]);
simdMem("v128.load8_lane", 0x54, 0, "memLane");
simdMem("v128.load16_lane", 0x55, 1, "memLane");
simdMem("v128.load32_lane", 0x56, 2, "memLane");
simdMem("v128.load64_lane", 0x57, 3, "memLane");
simdMem("v128.store8_lane", 0x58, 0, "memLane");
simdMem("v128.store16_lane", 0x59, 1, "memLane");
simdMem("v128.store32_lane", 0x5a, 2, "memLane");
simdMem("v128.store64_lane", 0x5b, 3, "memLane");
simdMem("v128.load32_zero", 0x5c, 2);
simdMem("v128.load64_zero", 0x5d, 3);
run(0xfd, 0x5e, [
  "f32x4.demote_f64x2_zero",
  "f64x2.promote_low_f32x4",
  "i8x16.abs",
  "i8x16.neg",
  "i8x16.popcnt",
  "i8x16.all_true",
  "i8x16.bitmask",
  "i8x16.narrow_i16x8_s",
  "i8x16.narrow_i16x8_u",
  "f32x4.ceil",
  "f32x4.floor",
  "f32x4.trunc",
  "f32x4.nearest",
  "i8x16.shl",
  "i8x16.shr_s",
  "i8x16.shr_u",
  "i8x16.add",
  "i8x16.add_sat_s",
  "i8x16.add_sat_u",
  "i8x16.sub",
  "i8x16.sub_sat_s",
  "i8x16.sub_sat_u",
  "f64x2.ceil",
  "f64x2.floor",
  "i8x16.min_s",
  "i8x16.min_u",
  "i8x16.max_s",
  "i8x16.max_u",
  "f64x2.trunc",
  "i8x16.avgr_u",
  "i16x8.extadd_pairwise_i8x16_s",
  "i16x8.extadd_pairwise_i8x16_u",
  "i32x4.extadd_pairwise_i16x8_s",
  "i32x4.extadd_pairwise_i16x8_u",
  "i16x8.abs",
  "i16x8.neg",
  "i16x8.q15mulr_sat_s",
  "i16x8.all_true",
  "i16x8.bitmask",
  "i16x8.narrow_i32x4_s",
  "i16x8.narrow_i32x4_u",
  "i16x8.extend_low_i8x16_s",
  "i16x8.extend_high_i8x16_s",
  "i16x8.extend_low_i8x16_u",
  "i16x8.extend_high_i8x16_u",
  "i16x8.shl",
  "i16x8.shr_s",
  "i16x8.shr_u",
  "i16x8.add",
  "i16x8.add_sat_s",
  "i16x8.add_sat_u",
  "i16x8.sub",
  "i16x8.sub_sat_s",
  "i16x8.sub_sat_u",
  "f64x2.nearest",
  "i16x8.mul",
  "i16x8.min_s",
  "i16x8.min_u",
  "i16x8.max_s",
  "i16x8.max_u",
  null,
  "i16x8.avgr_u",
  "i16x8.extmul_low_i8x16_s",
  "i16x8.extmul_high_i8x16_s",
  "i16x8.extmul_low_i8x16_u",
  "i16x8.extmul_high_i8x16_u",
  "i32x4.abs",
  "i32x4.neg",
  null,
  "i32x4.all_true",
  "i32x4.bitmask",
  null,
  null,
  "i32x4.extend_low_i16x8_s",
  "i32x4.extend_high_i16x8_s",
  "i32x4.extend_low_i16x8_u",
  "i32x4.extend_high_i16x8_u",
  "i32x4.shl",
  "i32x4.shr_s",
  "i32x4.shr_u",
  "i32x4.add",
  null,
  null,
  "i32x4.sub",
  null,
  null,
  null,
  "i32x4.mul",
  "i32x4.min_s",
  "i32x4.min_u",
  "i32x4.max_s",
  "i32x4.max_u",
  "i32x4.dot_i16x8_s",
  null,
  "i32x4.extmul_low_i16x8_s",
  "i32x4.extmul_high_i16x8_s",
  "i32x4.extmul_low_i16x8_u",
  "i32x4.extmul_high_i16x8_u",
  "i64x2.abs",
  "i64x2.neg",
  null,
  "i64x2.all_true",
  "i64x2.bitmask",
  null,
  null,
  "i64x2.extend_low_i32x4_s",
  "i64x2.extend_high_i32x4_s",
  "i64x2.extend_low_i32x4_u",
  "i64x2.extend_high_i32x4_u",
  "i64x2.shl",
  "i64x2.shr_s",
  "i64x2.shr_u",
  "i64x2.add",
  null,
  null,
  "i64x2.sub",
  null,
  null,
  null,
  "i64x2.mul",
  "i64x2.eq",
  "i64x2.ne",
  "i64x2.lt_s",
  "i64x2.gt_s",
  "i64x2.le_s",
  "i64x2.ge_s",
  "i64x2.extmul_low_i32x4_s",
  "i64x2.extmul_high_i32x4_s",
  "i64x2.extmul_low_i32x4_u",
  "i64x2.extmul_high_i32x4_u",
  "f32x4.abs",
  "f32x4.neg",
  null,
  "f32x4.sqrt",
  "f32x4.add",
  "f32x4.sub",
  "f32x4.mul",
  "f32x4.div",
  "f32x4.min",
  "f32x4.max",
  "f32x4.pmin",
  "f32x4.pmax",
  "f64x2.abs",
  "f64x2.neg",
  null,
  "f64x2.sqrt",
  "f64x2.add",
  "f64x2.sub",
  "f64x2.mul",
  "f64x2.div",
  "f64x2.min",
  "f64x2.max",
  "f64x2.pmin",
  "f64x2.pmax",
  "i32x4.trunc_sat_f32x4_s",
  "i32x4.trunc_sat_f32x4_u",
  "f32x4.convert_i32x4_s",
  "f32x4.convert_i32x4_u",
  "i32x4.trunc_sat_f64x2_s_zero",
  "i32x4.trunc_sat_f64x2_u_zero",
  "f64x2.convert_low_i32x4_s",
  "f64x2.convert_low_i32x4_u",
]);
[
  "i8x16.relaxed_swizzle",
  "i32x4.relaxed_trunc_f32x4_s",
  "i32x4.relaxed_trunc_f32x4_u",
  "i32x4.relaxed_trunc_f64x2_s_zero",
  "i32x4.relaxed_trunc_f64x2_u_zero",
  "f32x4.relaxed_madd",
  "f32x4.relaxed_nmadd",
  "f64x2.relaxed_madd",
  "f64x2.relaxed_nmadd",
  "i8x16.relaxed_laneselect",
  "i16x8.relaxed_laneselect",
  "i32x4.relaxed_laneselect",
  "i64x2.relaxed_laneselect",
  "f32x4.relaxed_min",
  "f32x4.relaxed_max",
  "f64x2.relaxed_min",
  "f64x2.relaxed_max",
  "i16x8.relaxed_q15mulr_s",
  "i16x8.relaxed_dot_i8x16_i7x16_s",
  "i32x4.relaxed_dot_i8x16_i7x16_add_s",
].forEach((name, i) => def(name, [0xfd, ...uleb(0x100 + i)], "none", 0, true));
