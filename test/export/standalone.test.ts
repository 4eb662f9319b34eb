/**
 * The standalone .wasm export: the generated loader runs in a fresh Node process that cannot
 * import jaxts, and its outputs are bit-for-bit those of jit on this engine.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type Array as JArray, evalShape, exportFn, jit, lax, nn, numpy as np, random, stax } from "../../src/index.js";
import { wasmBackend } from "../../src/backends/wasm.js";
import { bytesOf, runStandalone } from "./standalone.js";

const data = (x: JArray) => x.dataSync() as Float32Array | Int32Array | Uint8Array;

/** Exports `f` at `args`, runs it standalone, and checks every output bit-for-bit against jit. */
function expectStandaloneMatchesJit(f: (...a: any[]) => any, args: JArray[], weights: "embed" | "external" = "embed") {
  const files = exportFn(f)(...args).toWasm({ weights });
  const r = runStandalone(
    files,
    args.map((a) => ({ dtype: a.dtype, data: data(a) })),
  );
  expect(r.error).toBeUndefined();
  expect(r.jaxtsImportable).toBe(false);
  const want = [jit(f)(...args)].flat(Infinity) as JArray[];
  expect(r.outputs.length).toBe(want.length);
  want.forEach((w, i) => expect(r.outputs[i]!.bytes).toEqual(bytesOf(data(w))));
  return { files, r };
}

describe("toWasm", () => {
  const key = random.key(0);
  const [k1, k2, k3] = random.split(key, 3);
  const w1 = random.normal(k1!, [12, 16]);
  const b1 = random.normal(k2!, [16]);
  const w2 = random.normal(k3!, [16, 5]);
  const mlp = (x: JArray) => nn.logSoftmax(np.matmul(nn.relu(np.add(np.matmul(x, w1), b1)), w2));

  it("an MLP with its weights embedded runs standalone, bit-identical to jit, without jaxts", () => {
    const x = random.uniform(random.key(7), [3, 12]);
    const { files } = expectStandaloneMatchesJit(mlp, [x]);
    expect(files.weights).toBeUndefined();
    expect(files.dts).toContain("export type Inputs = [Float32Array];");
    expect(files.dts).toContain("args[0]: float32[3, 12]");
    expect(files.js).not.toMatch(/\bimport\s+[^(]/); // no static imports: dependency-free
  }, 60_000);

  it("external weights: a separate blob, passed at load, same outputs; a wrong-sized blob is an error", () => {
    const x = random.uniform(random.key(8), [2, 12]);
    const { files } = expectStandaloneMatchesJit(mlp, [x], "external");
    expect(files.weights!.byteLength).toBeGreaterThanOrEqual((12 * 16 + 16 + 16 * 5) * 4);
    const embedded = exportFn(mlp)(x).toWasm();
    expect(files.wasm.byteLength).toBeLessThan(embedded.wasm.byteLength);
    const r = runStandalone({ ...files, weights: files.weights!.subarray(8) }, [{ dtype: "float32", data: data(x) }]);
    expect(r.error).toMatch(/weights are \d+ bytes, but the model needs \d+/);
    // Fetched over HTTP, as in a browser page: the same bits.
    const overHttp = runStandalone(files, [{ dtype: "float32", data: data(x) }], { serveOverHttp: true });
    expect(overHttp.error).toBeUndefined();
    expect(overHttp.outputs[0]!.bytes).toEqual(bytesOf(data(jit(mlp)(x))));
    const missing = runStandalone({ ...files, weights: new Uint8Array(0) }, [{ dtype: "float32", data: data(x) }], { serveOverHttp: true });
    expect(missing.error).toMatch(/weights are 0 bytes/);
  }, 60_000);

  it("pooling (native kernels now), convolution, scan and cond run standalone bit-identically", () => {
    const [init, apply] = stax.serial(stax.Conv(3, [3, 3], { padding: "SAME" }), stax.Relu, stax.MaxPool([2, 2], { strides: [2, 2] }), stax.AvgPool([2, 2], { padding: "SAME" }));
    const [, params] = init(random.key(3), [2, 6, 6, 2]);
    const f = (x: JArray, n: JArray) => {
      const h = apply(params, x) as JArray;
      const [c, ys] = lax.scan((carry: JArray, row: JArray) => [np.add(np.multiply(carry, 0.5), row), np.tanh(row)], np.zeros(h.shape.slice(1)), h);
      const picked = lax.cond(np.greater(n, 0).reshape([]), (a: JArray) => np.sin(a), (a: JArray) => np.cos(a), c);
      return [picked, ys, np.lessEqual(c, 0.1)];
    };
    const x = random.normal(random.key(4), [2, 6, 6, 2]);
    const { files } = expectStandaloneMatchesJit(f, [x, np.array([1], "int32")]);
    expect(files.js).not.toContain('"primitive":"reduceWindowMax"'); // pooling is a kernel of the module, not a host step of the loader
    expectStandaloneMatchesJit(f, [x, np.array([-1], "int32")]);
  }, 60_000);

  it("reduce_window (sum, max, min with padding, strides and dilations) in the standalone module equals jit bit-for-bit", () => {
    const configArb = fc.record({
      op: fc.constantFrom("add", "max", "min"),
      window: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })),
      strides: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 2 })),
      pads: fc.tuple(fc.tuple(fc.integer({ min: -1, max: 2 }), fc.integer({ min: -1, max: 2 })), fc.tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 1 }))),
      baseDilation: fc.tuple(fc.integer({ min: 1, max: 2 }), fc.constant(1)),
      windowDilation: fc.tuple(fc.constant(1), fc.integer({ min: 1, max: 2 })),
    });
    let checked = 0;
    fc.assert(
      fc.property(fc.tuple(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 6 })), fc.array(configArb, { minLength: 4, maxLength: 8 }), fc.nat(), (shape, configs, seed) => {
        const window = (c: (typeof configs)[number]) => (x: JArray) =>
          lax.reduceWindow(x, c.op === "add" ? 0 : c.op === "max" ? -Infinity : Infinity, lax[c.op], c.window, c.strides, c.pads, { baseDilation: c.baseDilation, windowDilation: c.windowDilation });
        const valid = configs.filter((c) => {
          try {
            return evalShape(window(c))({ shape, dtype: "float32" }).shape.every((d: number) => d > 0);
          } catch {
            return false; // a window that does not fit the padded operand
          }
        });
        if (valid.length === 0) return;
        checked += valid.length;
        const f = (x: JArray) => valid.map((c) => window(c)(x));
        // Include NaN, infinities and signed zeros among the values.
        const x = np.array(random.normal(random.key(seed), shape).dataSync().map((v, i) => [NaN, -0, Infinity, -Infinity][i % 11] ?? v), { shape });
        const { files } = expectStandaloneMatchesJit(f, [x]);
        expect(files.js).not.toMatch(/"primitive":"reduceWindow(Sum|Max|Min)"/);
      }),
      { numRuns: 3, seed: 11 },
    );
    expect(checked).toBeGreaterThanOrEqual(6);
  }, 60_000);

  it("the .d.ts types a consumer strictly: input tuple types and literal shapes", () => {
    const files = exportFn(mlp)({ shape: [3, 12], dtype: "float32" }).toWasm();
    const dir = mkdtempSync(join(tmpdir(), "jaxts-dts-"));
    try {
      writeFileSync(join(dir, "model.js"), files.js);
      writeFileSync(join(dir, "model.d.ts"), files.dts);
      writeFileSync(join(dir, "package.json"), '{"type":"module"}');
      writeFileSync(join(dir, "tsconfig.json"), JSON.stringify({ compilerOptions: { strict: true, module: "NodeNext", target: "ES2022", noEmit: true, types: [] }, files: ["consumer.ts"] }));
      writeFileSync(
        join(dir, "consumer.ts"),
        [
          'import { load, inputs, outputs, type Inputs, type Outputs } from "./model.js";',
          "const model = await load({ relaxedSimd: false });",
          "const x: Inputs = [new Float32Array(36)];",
          "const [y]: Outputs = model.run(x);",
          "const batch: 3 = inputs[0].shape[0];",
          "const classes: 5 = outputs[0].shape[1];",
          "console.log(y.length, batch, classes);",
          "// @ts-expect-error a Float64Array is not this model's input",
          "model.run([new Float64Array(36)]);",
        ].join("\n"),
      );
      const tsc = join(process.cwd(), "node_modules", ".bin", "tsc");
      expect(() => execFileSync(tsc, ["-p", dir], { encoding: "utf8" })).not.toThrow();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it("checks run()'s inputs: count, TypedArray type and length, naming the input", () => {
    const x = random.uniform(random.key(9), [3, 12]);
    const files = exportFn(mlp)(x).toWasm();
    const wrongType = runStandalone(files, [{ dtype: "float64", data: new Float64Array(36) }]);
    expect(wrongType.error).toMatch(/input 0 \(args\[0\], float32\[3,12\]\) must be a Float32Array of 36 elements, got Float64Array of 36 elements/);
    const wrongLength = runStandalone(files, [{ dtype: "float32", data: new Float32Array(35) }]);
    expect(wrongLength.error).toMatch(/must be a Float32Array of 36 elements, got Float32Array of 35 elements/);
    const wrongCount = runStandalone(files, []);
    expect(wrongCount.error).toMatch(/run\(\) takes an array of 1 TypedArrays \(args\[0\]\)/);
  }, 60_000);

  it("refuses programs with host steps the loader cannot run, naming the primitives", () => {
    // a float16 bitcast is still a host step (int8 arithmetic, sort, cumsum and float16 contractions are native now)
    const f = (x: JArray) => lax.bitcastConvertType(np.multiply(x, x), "float16");
    expect(() => exportFn(f)({ shape: [5], dtype: "float16" }).toWasm()).toThrow(/toWasm: the standalone module cannot run .*bitcast_convert_type\(f16\[5\]/);
  });

  it("checks its options", () => {
    const e = exportFn(mlp)({ shape: [1, 12], dtype: "float32" });
    expect(() => e.toWasm({ weights: "inline" as "embed" })).toThrow(/weights/);
    expect(() => e.toWasm({ wieghts: "embed" } as object)).toThrow(/wieghts/);
  });

  it("ships a relaxed-SIMD rendering that an engine with relaxed SIMD picks (and the portable one elsewhere)", () => {
    const x = random.uniform(random.key(10), [8, 12]);
    const files = exportFn(mlp)(x).toWasm();
    expect(files.wasmRelaxed).toBeDefined();
    const input = [{ dtype: "float32", data: data(x) }];
    const portable = runStandalone(files, input, { loadOptions: { relaxedSimd: false } });
    expect(portable.relaxedSimd).toBe(false);
    // Node 20 accepts relaxed SIMD behind a flag; later versions without one.
    const probe = /"relaxedProbe":(\[[\d,]*\])/.exec(files.js)![1]!;
    const here = WebAssembly.validate(new Uint8Array(JSON.parse(probe) as number[]));
    const relaxed = runStandalone(files, input, { nodeFlags: here ? [] : ["--experimental-wasm-relaxed-simd"] });
    expect(relaxed.error).toBeUndefined();
    expect(relaxed.relaxedSimd).toBe(true);
    // The variant this process's backend uses is jit's module, bit for bit; fused multiply-adds
    // round once instead of twice, so the other is close to, not always equal to, it.
    const jitBits = bytesOf(data(jit(mlp)(x)));
    const [same, other] = wasmBackend.runtime.relaxedSimd ? [relaxed, portable] : [portable, relaxed];
    expect(same.outputs[0]!.bytes).toEqual(jitBits);
    const a = new Float32Array(other.outputs[0]!.bytes.buffer);
    const b = new Float32Array(jitBits.buffer);
    for (let i = 0; i < a.length; i++) expect(Math.abs(a[i]! - b[i]!)).toBeLessThan(1e-4 * (1 + Math.abs(b[i]!)));
  }, 60_000);
});
