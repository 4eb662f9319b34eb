/**
 * The fast WAT assembler (codegen/wasm/assembler.ts) against wabt, the independent truth: every
 * instruction of its opcode table, literals (fast-check over values and spellings), and the
 * modules the renderer writes for a corpus of programs (training steps, control flow, sort,
 * factorizations, narrow dtypes, random differential programs) assemble to the same bytes;
 * text outside the subset is refused with UnsupportedWat (the runtime then uses wabt).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { UnsupportedWat, assembleWat } from "../../codegen/wasm/assembler.js";
import { OPS } from "../../codegen/wasm/opcodes.js";
import { WasmRuntime } from "../../codegen/wasm/runtime.js";
import { f32Text, f64Text } from "../../codegen/wasm/wat.js";
import type { Wabt } from "../../codegen/wasm/runtime.js";
import { defaultMatmulTile, loadWabt } from "../../src/backends/wasm.js";
import { lowerJaxpr } from "../../codegen/kernel/lower.js";
import { renderProgram } from "../../codegen/wasm/module.js";
import { grad, lax, makeJaxpr, nn, numpy as np } from "../../src/index.js";
import type { Jaxpr } from "../../ir/jaxpr.js";
import { runProgram } from "./programs.js";

type A = np.Array;
const wabt: Wabt = await loadWabt();
const ALL = { simd: true, relaxed_simd: true, threads: true, sat_float_to_int: true, sign_extension: true, bulk_memory: true, mutable_globals: true };

/** wabt's bytes for `wat` (parsed with every feature this backend may use; no validation: single instructions need not type-check). */
function wabtBytes(wat: string): Uint8Array {
  const m = wabt.parseWat("t.wat", wat, ALL);
  try {
    return m.toBinary({}).buffer;
  } finally {
    m.destroy();
  }
}

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const same = (wat: string) => expect(hex(assembleWat(wat, ALL)), wat.slice(0, 200)).toBe(hex(wabtBytes(wat)));

/** A use of `name` with sample immediates, as a flat instruction. */
function sampleUse(name: string): string[] {
  const op = OPS.get(name)!;
  switch (op.imm) {
    case "none":
    case "fixed":
    case "select":
      return [name];
    case "mem":
      return [name, `${name} offset=12`, `${name} offset=70000 align=1`, `${name} align=${2 ** op.alignLog2}`];
    case "memLane":
      return [`${name} 1`, `${name} offset=4 align=1 0`];
    case "lane":
      return [`${name} 1`];
    case "local":
      return [`${name} 0`, `${name} $x`, `${name} 2`];
    case "call":
      return [`${name} 0`, `${name} $f`];
    case "label":
      return [`${name} 0`, `${name} 1`];
    case "labels":
      return [`${name} 0 1 0`];
    case "i32":
      return [`${name} 0`, `${name} -1`, `${name} 4294967295`, `${name} -2147483648`, `${name} 0x7fff_ffff`, `${name} 63`, `${name} 64`];
    case "i64":
      return [`${name} 0`, `${name} -1`, `${name} 18446744073709551615`, `${name} -9223372036854775808`, `${name} 0x1234567890`];
    case "f32":
    case "f64":
      return [`${name} 0`, `${name} -0x0p+0`, `${name} 1.5`, `${name} inf`, `${name} -inf`, `${name} nan`, `${name} 0.1`, `${name} 3.4028234663852886e38`, `${name} 1e-45`, `${name} -1e-50`, `${name} 0x1.8p+1`];
    case "v128":
      return [
        `${name} i32x4 0 -1 4294967295 7`,
        `${name} f32x4 0.5 -0x0p+0 inf nan`,
        `${name} i8x16 0 1 2 3 4 5 6 7 8 9 10 11 12 13 255 -128`,
        `${name} i16x8 0 -1 65535 -32768 1 2 3 4`,
        `${name} i64x2 -1 9223372036854775807`,
        `${name} f64x2 0.1 -inf`,
      ];
    case "shuffle":
      return [`${name} 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23`];
  }
}

const inFunc = (body: string) => `(module (import "env" "memory" (memory 1 65536 shared)) (func $f (param $x i32) (local v128 v128) (block (loop ${body}))))`;

describe("the fast assembler against wabt", () => {
  it("every instruction of the opcode table, with sample immediates", () => {
    expect(OPS.size).toBeGreaterThan(400);
    for (const name of OPS.keys()) for (const use of sampleUse(name)) same(inFunc(use));
  });

  it("typed select, blocks with results, if/else, br_table, calls forward and back, imports, exports, local runs", () => {
    same(`(module
  (import "env" "memory" (memory 1))
  (import "env" "host" (func $host (param i32 i32)))
  (import "m" "exp" (func $m_exp (param f64) (result f64)))
  (func $a (export "a") (param $p i32) (param f64 f32) (result i32)
    (local $x i32) (local $y i32) (local $v v128) (local i32 f64 f64)
    ;; a comment (with parens)
    (local.set $x (block $b (result i32) (br_if $b (i32.const 1) (local.get $p)) (drop) (i32.const 2)))
    (if $l (result i32) (local.get $x) (then (i32.const 1)) (else (call $b_fn (i32.const 0))))
    (drop)
    (if (i32.eqz (local.get $x)) (then (call $host (i32.const 0) (i32.const 4))))
    (block $e (block $c1 (block $c0 (br_table $c0 $c1 $e (local.get $x))) (br $e)) (nop))
    (local.set $v (select (result v128) (local.get $v) (v128.const i32x4 0 0 0 0) (local.get $x)))
    (f64.store offset=8 (i32.const 0) (call $m_exp (f64.const 1)))
    (local.get $x))
  (func $b_fn (export "b") (export "b2") (param i32) (result i32) (call $a (local.get 0) (f64.const 0) (f32.const 0)))
  (func $c (result f64) (f64.const nan))
)`);
  });

  it("property: float and integer literals either assemble to wabt's bytes or are refused", () => {
    const f32s = fc.float({ noDefaultInfinity: false }).map((v) => f32Text(v));
    const f64s = fc.double().map((v) => f64Text(v));
    // decimal spellings with more digits than a float32 holds (the double-rounding cases)
    const decimals = fc.tuple(fc.integer({ min: 0, max: 2 ** 30 }), fc.integer({ min: 0, max: 999999999 }), fc.integer({ min: -45, max: 38 })).map(([a, b, e]) => `${a}.${b}e${e}`);
    const ints = fc.oneof(fc.integer({ min: -(2 ** 31), max: 2 ** 32 - 1 }).map(String), fc.integer({ min: 0, max: 2 ** 31 - 1 }).map((v) => `0x${v.toString(16)}`));
    fc.assert(
      fc.property(fc.oneof(f32s, decimals), fc.oneof(f64s, decimals), ints, (f, d, i) => {
        const wat = inFunc(`(drop (f32.const ${f})) (drop (f64.const ${d})) (drop (i32.const ${i})) (drop (v128.const f32x4 ${f} ${f} 0 ${f}))`);
        let mine: Uint8Array;
        try {
          mine = assembleWat(wat, ALL);
        } catch (e) {
          if (e instanceof UnsupportedWat) return;
          throw e;
        }
        expect(hex(mine)).toBe(hex(wabtBytes(wat)));
      }),
      { numRuns: 300 },
    );
  });

  it("the renderer's literals never need the fallback: every float32 spelled by f32Text assembles", () => {
    fc.assert(
      fc.property(fc.float(), (v) => {
        same(inFunc(`(drop (f32.const ${f32Text(v)}))`));
      }),
      { numRuns: 500 },
    );
  });

  it("the runtime falls back to wabt outside the subset: same bytes as wabt's, counted", () => {
    const rt = new WasmRuntime(wabt, { sharedMemory: false, maxBytes: 1 << 20 });
    const wat = `(module (global $g (mut i32) (i32.const 7)) (func (export "f") (result i32) (global.get $g)))`;
    expect(() => assembleWat(wat, rt.features)).toThrow(UnsupportedWat);
    const before = WasmRuntime.wabtFallbacks;
    expect(hex(rt.assemble(wat))).toBe(hex(rt.assembleWithWabt(wat)));
    expect(WasmRuntime.wabtFallbacks).toBe(before + 1);
    const inst = new WebAssembly.Instance(new WebAssembly.Module(rt.assemble(wat)));
    expect((inst.exports.f as () => number)()).toBe(7);
  });

  it("refuses text outside its subset (UnsupportedWat), and relaxed SIMD or shared memory without the feature", () => {
    const refused = [
      `(module (global i32 (i32.const 0)))`,
      `(module (type (func)) (func (type 0)))`,
      `(module (func block end))`,
      `(module (func (drop (f32.const nan:0x200000))))`,
      `(module (func (call_indirect (i32.const 0))))`,
      `(module (func (drop (i32.const 4294967296))))`,
      // float32 ties after the parse to a double (half the smallest subnormal, either sign)
      `(module (func (drop (f32.const 7.006492321624085e-46))))`,
      `(module (func (drop (f32.const -7.006492321624085e-46))))`,
    ];
    for (const w of refused) expect(() => assembleWat(w, ALL), w).toThrow(UnsupportedWat);
    const relaxed = inFunc(`(drop (f32x4.relaxed_madd (local.get 1) (local.get 1) (local.get 1)))`);
    expect(() => assembleWat(relaxed, { relaxed_simd: false, threads: true })).toThrow(UnsupportedWat);
    expect(() => assembleWat(`(module (import "env" "memory" (memory 1 2 shared)))`, { threads: false })).toThrow(UnsupportedWat);
  });
});

describe("the renderer's modules: the fast assembler's bytes are wabt's", () => {
  const mlpLoss = (p: { w1: A; b1: A; w2: A; b2: A }, x: A, y: A) => {
    const h = nn.relu(np.matmul(x, p.w1).add(p.b1));
    const logits = np.matmul(h, p.w2).add(p.b2);
    return np.mean(np.sum(nn.logSoftmax(logits, -1).mul(y), -1)).neg();
  };
  const corpus: [string, () => { jaxpr: Jaxpr }][] = [
    ["an MLP training step", () => makeJaxpr((p: { w1: A; b1: A; w2: A; b2: A }, x: A, y: A) => grad(mlpLoss)(p, x, y))({ w1: np.ones([64, 32]), b1: np.ones([32]), w2: np.ones([32, 10]), b2: np.ones([10]) }, np.ones([16, 64]), np.ones([16, 10]))],
    [
      "a conv + pool step with its gradient",
      () =>
        makeJaxpr((w: A, x: A) =>
          grad((w: A) => np.sum(lax.reduceWindow(nn.relu(lax.convGeneralDilated(x, w, [1, 1], "VALID", { dimensionNumbers: ["NHWC", "HWIO", "NHWC"] })), -Infinity, lax.max, [1, 2, 2, 1], [1, 2, 2, 1], "VALID")))(w),
        )(np.ones([3, 3, 2, 4]), np.ones([2, 10, 10, 2])),
    ],
    ["a scan with a switch, a while loop and a sort", () => makeJaxpr((c: A, xs: A) => lax.scan((v: A, x: A) => [lax.switch(np.remainder(lax.convertElementType(np.sum(x), "int32"), 3), [(a: A) => np.sort(a), (a: A) => np.tanh(a), (a: A) => lax.whileLoop((s: A) => np.sum(s).lt(100), (s: A) => s.mul(2).add(1), a)], v.add(x)), null], c, xs))(np.ones([16]), np.ones([5, 16]))],
    ["cholesky, qr and a triangular solve (factor kernels)", () => makeJaxpr((a: A) => { const s = np.matmul(a, np.transpose(a)).add(np.eye(12).mul(12)); return [np.linalg.cholesky(s), np.linalg.qr(a)[1], lax.linalg.triangularSolve(np.linalg.cholesky(s), a, { leftSide: true, lower: true })]; })(np.ones([12, 12]))],
    ["float16, int8 and uint8 arithmetic, cumsum, argmax, erf", () => makeJaxpr((x: A) => [np.cumsum(x.astype("float16").mul(1.5), 0), x.astype("int8").add(3).astype("uint8"), np.argmax(x, 1), lax.erf(x), np.exp(np.sin(x))])(np.ones([9, 8]))],
  ];

  for (const relaxedSimd of [false, true])
    for (const sharedMemory of [false, true])
      it(`relaxed SIMD ${relaxedSimd ? "on" : "off"}, ${sharedMemory ? "shared" : "unshared"} memory: the corpus and random programs assemble to wabt's bytes without falling back`, async () => {
        // rendered here, not compiled: this engine may lack relaxed SIMD (wabt checks the text alone)
        const rt = new WasmRuntime(wabt, { relaxedSimd, sharedMemory, maxBytes: 1 << 26 });
        const lowerOpts = { splitIndexSets: true, factorSteps: true, directConv: true, matmulTile: defaultMatmulTile(relaxedSimd) };
        const render = (j: Jaxpr) => renderProgram(lowerJaxpr(j, lowerOpts), { relaxedSimd }, { shared: sharedMemory, maxPages: 1024 }).wat;
        const check = (wat: string) => expect(hex(assembleWat(wat, rt.features)), wat.slice(0, 300)).toBe(hex(rt.assembleWithWabt(wat)));
        for (const [what, make] of corpus) {
          let wat: string;
          try {
            wat = render(make().jaxpr);
          } catch (e) {
            throw new Error(`${what}: ${(e as Error).message}`);
          }
          check(wat);
        }
        fc.assert(
          fc.property(fc.array(fc.nat(), { minLength: 1, maxLength: 12 }), (seeds) => {
            const j = makeJaxpr((a: A, b: A, c: A) => runProgram(seeds, [a, b, c]))(np.ones([6, 8]), np.ones([8]), np.ones([6, 8]).astype("int32"));
            check(render(j.jaxpr));
          }),
          { numRuns: 25 },
        );
      });
});
