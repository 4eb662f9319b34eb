/**
 * Deploying LeNet: train it briefly, export its inference function, and run it three ways:
 * jit in this process, the serialized export read back with `deserialize`, and a standalone
 * WebAssembly module (model.wasm + model.js + model.d.ts) in a fresh Node process that has no
 * jaxts. All three must agree bit for bit.
 *
 *   node dist/examples/export-lenet.js [--steps N] [--batch N] [--out DIR]
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { data, deserialize, exportFn, jit, numpy as np, optax, random, valueAndGrad } from "../src/index.js";
import { LeNet, argValue, syntheticDataset } from "./lenet.js";

export interface ExportLeNetOptions {
  /** Adam steps on the synthetic set before exporting (0: the initialized network). */
  steps?: number;
  /** Batch size the exported function takes. */
  batch?: number;
  /** Where the files go (default: a new temporary directory). */
  outDir?: string;
  log?: boolean;
}

export interface ExportLeNetResult {
  outDir: string;
  files: Record<string, number>;
  /** Whether the standalone outputs equal jit's bit for bit (and the deserialized export's). */
  standaloneBitIdentical: boolean;
  deserializedBitIdentical: boolean;
  maxAbsDiff: number;
  /** The standalone process could not import jaxts. */
  jaxtsImportable: boolean;
  logits: Float32Array;
  /** Bytes of the export's constants (the trained parameters). */
  weightBytes: number;
}

/** The standalone runner: loads model.js next to it, runs input.bin, writes output.bin. */
const RUNNER = `import { load } from "./model.js";
import { readFileSync, writeFileSync } from "node:fs";
let jaxtsImportable = true;
try { await import("jaxts"); } catch { jaxtsImportable = false; }
const model = await load();
const raw = readFileSync(new URL("./input.bin", import.meta.url));
const x = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
const start = performance.now();
const [logits] = model.run([x]);
const ms = performance.now() - start;
writeFileSync(new URL("./output.bin", import.meta.url), new Uint8Array(logits.buffer));
console.log(JSON.stringify({ jaxtsImportable, relaxedSimd: model.relaxedSimd, ms, shape: model.outputs[0].shape }));
`;

export function exportLeNet(opts: ExportLeNetOptions = {}): ExportLeNetResult {
  const log = opts.log ?? true;
  const batch = opts.batch ?? 8;
  const steps = opts.steps ?? 20;
  const [init, apply] = LeNet();
  let [, params] = init(random.key(0), [-1, 28, 28, 1]);

  // Train briefly (synthetic data: the point here is deployment, not accuracy).
  const train = syntheticDataset(Math.max(steps, 1) * 32, 1);
  const opt = optax.adam(3e-3);
  let state = opt.init(params);
  const loss = (p: unknown, x: np.Array, y: np.Array) => np.mean(optax.softmaxCrossEntropyWithIntegerLabels(apply(p, x), y));
  const step = jit((p: unknown, s: unknown, x: np.Array, y: np.Array) => {
    const [l, g] = valueAndGrad(loss)(p, x, y);
    const [updates, s2] = opt.update(g, s, p);
    return [optax.applyUpdates(p, updates), s2, l];
  });
  let k = 0;
  for (const rows of data.batches(steps * 32, 32, { seed: 1, dropRemainder: true })) {
    const x = np.array(data.gatherRows(train.images, 784, rows), { shape: [rows.length, 28, 28, 1] });
    const y = np.array(Int32Array.from(rows, (r) => train.labels[r]!));
    const [p, s, l] = step(params, state, x, y) as [unknown, unknown, np.Array];
    [params, state] = [p, s];
    if (log && (++k % 10 === 0 || k === steps)) console.log(`step ${k}/${steps} loss ${Number(l).toFixed(4)}`);
  }

  // Export inference at a fixed batch: the trained parameters become the export's constants.
  const predict = (x: np.Array) => apply(params, x) as np.Array;
  const exported = exportFn(predict)({ shape: [batch, 28, 28, 1], dtype: "float32" });
  const serialized = exported.serialize();
  const weightBytes = exported.consts.reduce((n, c) => n + c.byteLength, 0);
  const standalone = exported.toWasm({ weights: "embed" });

  const outDir = resolve(opts.outDir ?? mkdtempSync(join(tmpdir(), "lenet-export-")));
  mkdirSync(outDir, { recursive: true });
  const files: Record<string, Uint8Array | string> = {
    "model.jaxts": serialized,
    "model.wasm": standalone.wasm,
    "model.js": standalone.js,
    "model.d.ts": standalone.dts,
    "run.mjs": RUNNER,
  };
  if (standalone.wasmRelaxed) files["model.relaxed.wasm"] = standalone.wasmRelaxed;
  for (const [name, content] of Object.entries(files)) writeFileSync(join(outDir, name), content);

  // The same images three ways.
  const test = syntheticDataset(batch, 2);
  const x = np.array(test.images, { shape: [batch, 28, 28, 1] });
  writeFileSync(join(outDir, "input.bin"), new Uint8Array(test.images.buffer));
  const expected = jit(predict)(x).dataSync() as Float32Array;
  const fromBytes = deserialize(readFileSync(join(outDir, "model.jaxts"))).call(x) as np.Array;
  const deserializedBitIdentical = sameBits(fromBytes.dataSync() as Float32Array, expected);
  const report = JSON.parse(execFileSync(process.execPath, [join(outDir, "run.mjs")], { cwd: outDir, encoding: "utf8", env: { PATH: process.env.PATH ?? "" } })) as {
    jaxtsImportable: boolean;
    relaxedSimd: boolean;
    ms: number;
  };
  const raw = readFileSync(join(outDir, "output.bin"));
  const logits = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
  let maxAbsDiff = 0;
  for (let i = 0; i < expected.length; i++) maxAbsDiff = Math.max(maxAbsDiff, Math.abs(logits[i]! - expected[i]!));
  const standaloneBitIdentical = sameBits(logits, expected);

  const sizes = Object.fromEntries(Object.entries(files).map(([n, c]) => [n, typeof c === "string" ? Buffer.byteLength(c) : c.byteLength]));
  if (log) {
    console.log(`\nexported to ${outDir}:`);
    for (const [n, b] of Object.entries(sizes)) console.log(`  ${n.padEnd(20)} ${String(b).padStart(9)} bytes`);
    console.log(`standalone run (${report.relaxedSimd ? "relaxed SIMD" : "portable SIMD"}, jaxts ${report.jaxtsImportable ? "importable" : "not importable"}): ${report.ms.toFixed(2)} ms for ${batch} images`);
    console.log(`standalone vs jit: ${standaloneBitIdentical ? "bit-identical" : `max |diff| ${maxAbsDiff}`}; deserialized vs jit: ${deserializedBitIdentical ? "bit-identical" : "DIFFERENT"}`);
  }
  return { outDir, files: sizes, standaloneBitIdentical, deserializedBitIdentical, maxAbsDiff, jaxtsImportable: report.jaxtsImportable, logits, weightBytes };
}

function sameBits(a: Float32Array, b: Float32Array): boolean {
  if (a.length !== b.length) return false;
  const ua = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const ub = new Uint32Array(b.buffer, b.byteOffset, b.length);
  return ua.every((v, i) => v === ub[i]);
}

const isMain = import.meta.url === `file://${process.argv[1]}`;
if (isMain) {
  const out = process.argv.indexOf("--out");
  exportLeNet({ steps: argValue("steps"), batch: argValue("batch"), outDir: out >= 0 ? process.argv[out + 1] : undefined });
}
