/**
 * Runs a standalone export in a fresh Node process from a temporary directory outside the
 * repository, where `jaxts` cannot be imported (the runner checks), and returns its outputs.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { StandaloneWasm } from "../../src/index.js";

const RUNNER = `
import { load } from "./model.js";
import { readFileSync } from "node:fs";
let jaxtsImportable = true;
try { await import("jaxts"); } catch { jaxtsImportable = false; }
const spec = JSON.parse(readFileSync(new URL("./inputs.json", import.meta.url), "utf8"));
const T = { float32: Float32Array, float64: Float64Array, int32: Int32Array, uint32: Uint32Array, bool: Uint8Array };
let server;
try {
  let options = spec.options ?? {};
  if (spec.serveOverHttp) {
    // The browser's path: every file through fetch from an HTTP server.
    const { createServer } = await import("node:http");
    server = createServer((req, res) => {
      try { res.end(readFileSync(new URL("." + req.url, import.meta.url))); } catch { res.statusCode = 404; res.end(); }
    });
    await new Promise((r) => server.listen(0, "127.0.0.1", r));
    const base = "http://127.0.0.1:" + server.address().port + "/";
    options = { ...options, wasm: new URL("model.wasm", base), wasmRelaxed: new URL("model.relaxed.wasm", base), weights: new URL("model.weights.bin", base) };
  }
  const model = await load(options);
  const inputs = spec.inputs.map(({ dtype, b64 }) => { const b = Buffer.from(b64, "base64"); return new T[dtype](b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength)); });
  const outs = model.run(inputs);
  process.stdout.write(JSON.stringify({ jaxtsImportable, relaxedSimd: model.relaxedSimd, outputs: outs.map((o) => ({ type: o.constructor.name, b64: Buffer.from(o.buffer, o.byteOffset, o.byteLength).toString("base64") })) }));
} catch (e) {
  process.stdout.write(JSON.stringify({ jaxtsImportable, error: e.constructor.name + ": " + e.message, outputs: [] }));
} finally {
  server?.close();
}
`;

export interface StandaloneResult {
  jaxtsImportable: boolean;
  relaxedSimd: boolean;
  /** The loader's error, when load() or run() threw. */
  error?: string;
  outputs: { type: string; bytes: Uint8Array }[];
}

export function runStandalone(
  files: StandaloneWasm,
  inputs: readonly { dtype: string; data: ArrayBufferView }[],
  opts: { nodeFlags?: string[]; loadOptions?: Record<string, unknown>; serveOverHttp?: boolean } = {},
): StandaloneResult {
  const dir = mkdtempSync(join(tmpdir(), "jaxts-standalone-"));
  try {
    writeFileSync(join(dir, "model.wasm"), files.wasm);
    if (files.wasmRelaxed) writeFileSync(join(dir, "model.relaxed.wasm"), files.wasmRelaxed);
    if (files.weights) writeFileSync(join(dir, "model.weights.bin"), files.weights);
    writeFileSync(join(dir, "model.js"), files.js);
    writeFileSync(join(dir, "model.d.ts"), files.dts);
    writeFileSync(join(dir, "run.mjs"), RUNNER);
    const enc = inputs.map(({ dtype, data }) => ({ dtype, b64: Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString("base64") }));
    writeFileSync(join(dir, "inputs.json"), JSON.stringify({ inputs: enc, options: opts.loadOptions, serveOverHttp: opts.serveOverHttp }));
    const out = execFileSync(process.execPath, [...(opts.nodeFlags ?? []), join(dir, "run.mjs")], { cwd: dir, encoding: "utf8", env: { PATH: process.env.PATH ?? "" } });
    const r = JSON.parse(out) as { jaxtsImportable: boolean; relaxedSimd: boolean; error?: string; outputs: { type: string; b64: string }[] };
    return { ...r, outputs: r.outputs.map((o) => ({ type: o.type, bytes: new Uint8Array(Buffer.from(o.b64, "base64")) })) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The raw bytes of a TypedArray, for bit-for-bit comparison. */
export const bytesOf = (a: ArrayBufferView): Uint8Array => new Uint8Array(a.buffer.slice(a.byteOffset, a.byteOffset + a.byteLength));
