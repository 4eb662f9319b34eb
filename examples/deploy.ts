/**
 * LeNet leaves the training process (issue 14): trained on Fashion-MNIST (or the synthetic set
 * without Debian's dataset-fashion-mnist), exported four ways (a serialized function, a
 * standalone .wasm with its loader run in a fresh Node process without jaxts, safetensors
 * weights, ONNX run by onnxruntime-node), and quantized to int8 (calibrated activation scales,
 * int8 contractions) in-process and as a standalone .wasm. Prints size on disk, test
 * accuracy and images per second for each form.
 *
 *   node dist/examples/deploy.js [--epochs N] [--train-size N] [--batch N] [--out DIR]
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import ort from "onnxruntime-node";
import { type Array as JArray, deserialize, exportFn, io, jit, numpy as np, quant } from "../src/index.js";
import { FASHION_MNIST_DIR, LeNet, argValue, loadFashionMnist, syntheticDataset, trainLeNet } from "./lenet.js";

export interface DeployRow {
  form: string;
  bytes: number;
  accuracy: number;
  imagesPerSecond: number;
  note?: string;
}

/** Runs a standalone export over the test images in a fresh Node process: logits and time. */
const RUNNER = `import { load } from "./model.js";
import { readFileSync, writeFileSync } from "node:fs";
const model = await load();
const raw = readFileSync(new URL("./images.bin", import.meta.url));
const all = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
const [batch] = model.inputs[0].shape;
const n = all.length / 784;
const out = new Float32Array((n / batch) * batch * 10);
model.run([all.subarray(0, batch * 784)]); // warm-up
const start = performance.now();
for (let b = 0; b + batch <= n; b += batch) out.set(model.run([all.subarray(b * 784, (b + batch) * 784)])[0], b * 10);
const ms = performance.now() - start;
writeFileSync(new URL("./logits.bin", import.meta.url), new Uint8Array(out.buffer));
console.log(JSON.stringify({ ms, relaxedSimd: model.relaxedSimd }));
`;

export async function deploy(opts: { epochs?: number; trainSize?: number; batch?: number; outDir?: string; log?: boolean } = {}): Promise<DeployRow[]> {
  const log = opts.log ?? true;
  const batch = opts.batch ?? 256;
  const trained = await trainLeNet({ epochs: opts.epochs ?? 1, trainSize: opts.trainSize, log });
  const params = trained.params;
  const [, apply] = LeNet();
  const haveData = trained.dataset === "fashion-mnist";
  const test = haveData ? await loadFashionMnist("t10k") : syntheticDataset(2048, 2);
  const n = Math.floor(test.n / batch) * batch; // whole batches: the exports take a fixed batch
  const images = test.images.subarray(0, n * 784);
  const outDir = resolve(opts.outDir ?? mkdtempSync(join(tmpdir(), "lenet-deploy-")));
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, "images.bin"), images);
  const accuracyOf = (logits: Float32Array) => {
    let right = 0;
    for (let i = 0; i < n; i++) {
      let best = 0;
      for (let c = 1; c < 10; c++) if (logits[i * 10 + c]! > logits[i * 10 + best]!) best = c;
      if (best === test.labels[i]) right++;
    }
    return right / n;
  };
  const batchOf = (b: number) => np.array(images.subarray(b * 784, (b + batch) * 784), { shape: [batch, 28, 28, 1] });
  /** Runs `f` over the test set in batches (after one warm-up call): logits and images per second. */
  const sweep = async (f: (x: JArray) => JArray | Promise<Float32Array>) => {
    const logits = new Float32Array(n * 10);
    const first = await f(batchOf(0));
    if (!(first instanceof Float32Array)) first.dataSync();
    const start = performance.now();
    for (let b = 0; b < n; b += batch) {
      const y = await f(batchOf(b));
      logits.set(y instanceof Float32Array ? y : (y.dataSync() as Float32Array), b * 10);
    }
    return { logits, ips: (n / (performance.now() - start)) * 1000 };
  };
  const file = (name: string, bytes: Uint8Array | string) => {
    writeFileSync(join(outDir, name), bytes);
    return typeof bytes === "string" ? Buffer.byteLength(bytes) : bytes.byteLength;
  };
  const standalone = (dir: string, files: { wasm: Uint8Array; wasmRelaxed?: Uint8Array; js: string }) => {
    mkdirSync(join(outDir, dir), { recursive: true });
    let bytes = file(`${dir}/model.wasm`, files.wasm) + file(`${dir}/model.js`, files.js);
    if (files.wasmRelaxed) file(`${dir}/model.relaxed.wasm`, files.wasmRelaxed);
    writeFileSync(join(outDir, dir, "run.mjs"), RUNNER);
    writeFileSync(join(outDir, dir, "images.bin"), images);
    const r = JSON.parse(execFileSync(process.execPath, [join(outDir, dir, "run.mjs")], { cwd: join(outDir, dir), encoding: "utf8", env: { PATH: process.env.PATH ?? "" } })) as { ms: number; relaxedSimd: boolean };
    const raw = readFileSync(join(outDir, dir, "logits.bin"));
    const logits = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
    return { bytes, logits, ips: (n / r.ms) * 1000, relaxed: r.relaxedSimd };
  };
  const rows: DeployRow[] = [];
  const spec = { shape: [batch, 28, 28, 1], dtype: "float32" as const };

  // float32 in this process: jit, the safetensors weights read back, the serialized function.
  const f32Bytes = file("lenet.safetensors", io.saveSafetensors(params as object));
  const loaded = io.loadSafetensors(readFileSync(join(outDir, "lenet.safetensors")));
  const applyJit = jit((p: unknown, x: JArray) => apply(p, x) as JArray);
  const fromWeights = await sweep((x) => applyJit(loaded, x));
  rows.push({ form: "float32 weights (safetensors) + jit", bytes: f32Bytes, accuracy: accuracyOf(fromWeights.logits), imagesPerSecond: fromWeights.ips });
  const predict = (x: JArray) => apply(params, x) as JArray;
  const exported = exportFn(predict)(spec);
  const serBytes = file("lenet.jaxts", exported.serialize());
  const back = deserialize(readFileSync(join(outDir, "lenet.jaxts")));
  const ser = await sweep((x) => back.call(x) as JArray);
  rows.push({ form: "serialized function (deserialize().call)", bytes: serBytes, accuracy: accuracyOf(ser.logits), imagesPerSecond: ser.ips });
  const sa = standalone("wasm-f32", exported.toWasm({ weights: "embed" }));
  rows.push({ form: "standalone .wasm + loader (fresh node)", bytes: sa.bytes, accuracy: accuracyOf(sa.logits), imagesPerSecond: sa.ips, note: sa.relaxed ? "relaxed SIMD" : "portable SIMD" });
  const onnxBytes = exported.toOnnx({ opset: 17 });
  file("lenet.onnx", onnxBytes);
  const session = await ort.InferenceSession.create(onnxBytes);
  const onnx = await sweep(async (x) => {
    const out = await session.run({ [session.inputNames[0]!]: new ort.Tensor("float32", x.dataSync() as Float32Array, [...x.shape]) });
    return out[session.outputNames[0]!]!.data as Float32Array;
  });
  rows.push({ form: "ONNX (onnxruntime-node, CPU)", bytes: onnxBytes.byteLength, accuracy: accuracyOf(onnx.logits), imagesPerSecond: onnx.ips });

  // int8: weights per channel, activation scales calibrated on 4 training-set-like batches.
  const calib = haveData ? await loadFashionMnist("train") : syntheticDataset(4 * batch, 3);
  const batches = [0, 1, 2, 3].map((b) => np.array(calib.images.subarray(b * batch * 784, (b + 1) * batch * 784), { shape: [batch, 28, 28, 1] }));
  const scales = quant.calibrate(apply, params, batches);
  const qparams = quant.quantizeParams(params);
  const qapply = quant.quantizedApply(apply, scales);
  const int8Bytes = file("lenet.int8.safetensors", io.saveSafetensors(qparams as object, { metadata: { activationScales: JSON.stringify(scales) } }));
  const qjit = jit((x: JArray) => qapply(qparams, x) as JArray);
  const q = await sweep(qjit);
  rows.push({ form: "int8 weights (safetensors) + jit", bytes: int8Bytes, accuracy: accuracyOf(q.logits), imagesPerSecond: q.ips });
  const qexported = exportFn((x: JArray) => qapply(qparams, x) as JArray)(spec);
  const qsa = standalone("wasm-int8", qexported.toWasm({ weights: "embed" }));
  rows.push({ form: "int8 standalone .wasm + loader", bytes: qsa.bytes, accuracy: accuracyOf(qsa.logits), imagesPerSecond: qsa.ips, note: qsa.relaxed ? "relaxed SIMD" : "portable SIMD" });
  // ONNX has no int8 Conv with int32 output in every runtime: the export casts int8 operands to
  // float32 (exact here), so the file holds int8 weights but ONNX Runtime computes in float.
  const qonnxBytes = qexported.toOnnx({ opset: 17 });
  file("lenet.int8.onnx", qonnxBytes);
  const qsession = await ort.InferenceSession.create(qonnxBytes);
  const qonnx = await sweep(async (x) => {
    const out = await qsession.run({ [qsession.inputNames[0]!]: new ort.Tensor("float32", x.dataSync() as Float32Array, [...x.shape]) });
    return out[qsession.outputNames[0]!]!.data as Float32Array;
  });
  rows.push({ form: "int8 ONNX (onnxruntime-node)", bytes: qonnxBytes.byteLength, accuracy: accuracyOf(qonnx.logits), imagesPerSecond: qonnx.ips, note: "int8 operands cast to float32" });

  if (log) {
    console.log(`\nLeNet on ${haveData ? "Fashion-MNIST" : "the synthetic set"}: ${n} test images, batch ${batch}; files in ${outDir}`);
    console.log(`${"form".padEnd(42)} ${"size".padStart(10)} ${"accuracy".padStart(9)} ${"images/s".padStart(9)}`);
    for (const r of rows)
      console.log(`${r.form.padEnd(42)} ${`${(r.bytes / 1024).toFixed(1)} KiB`.padStart(10)} ${`${(100 * r.accuracy).toFixed(2)}%`.padStart(9)} ${r.imagesPerSecond.toFixed(0).padStart(9)}${r.note ? `  (${r.note})` : ""}`);
  }
  return rows;
}

const isMain = import.meta.url === `file://${process.argv[1]}`;
if (isMain) {
  if (!existsSync(`${FASHION_MNIST_DIR}/train-images-idx3-ubyte.gz`)) console.log("(Fashion-MNIST is not installed: the synthetic set stands in)");
  const out = process.argv.indexOf("--out");
  await deploy({ epochs: argValue("epochs"), trainSize: argValue("train-size"), batch: argValue("batch"), outDir: out >= 0 ? process.argv[out + 1] : undefined });
}
