/**
 * The browser page's parameter file (examples/browser/paramsFile.ts) and its training script:
 * the bytes follow the safetensors layout (checked by parsing them here by hand), trees round-trip
 * exactly, a file of the wrong structure is an error naming the leaf and both shapes, and
 * train.ts at a tiny size writes files the page's model loads.
 */
import fc from "fast-check";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { CLASS_NAMES, type SamplesFile, makeClassifier, samplePixels } from "../../examples/browser/model.js";
import { decodeParams, encodeParams } from "../../examples/browser/paramsFile.js";
import { trainPage } from "../../examples/browser/train.js";
import { LeNet } from "../../examples/lenetModel.js";
import { numpy as np, random } from "../../src/index.js";

const publicDir = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "examples", "browser", "public");

/** The header and data of a safetensors file, read without paramsFile.ts. */
function parseSafetensors(bytes: Uint8Array): { header: Record<string, any>; data: Uint8Array } {
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  return { header: JSON.parse(Buffer.from(bytes.subarray(8, 8 + n)).toString("utf8")), data: bytes.subarray(8 + n) };
}

const shapeArb = fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 0, maxLength: 3 });
const leafArb = shapeArb.chain((shape) =>
  fc.tuple(fc.constant(shape), fc.array(fc.float({ noNaN: true }), { minLength: shape.reduce((a, b) => a * b, 1), maxLength: shape.reduce((a, b) => a * b, 1) })),
);

describe("the page's parameter file", () => {
  it("round-trips trees of float32 arrays bit for bit, in the safetensors layout", () => {
    fc.assert(
      fc.property(fc.array(leafArb, { minLength: 1, maxLength: 4 }), (leaves) => {
        // A stax-like tree: a list of per-layer lists, some empty.
        const tree = leaves.map(([shape, values], i) => (i % 2 ? [np.array(Float32Array.from(values), { shape })] : [np.array(Float32Array.from(values), { shape }), []]));
        const bytes = encodeParams(tree, { model: "test" });
        const { header, data } = parseSafetensors(bytes);
        expect((bytes.length - data.length - 8) % 8).toBe(0);
        expect(header.__metadata__.model).toBe("test");
        let offset = 0;
        leaves.forEach(([shape, values], i) => {
          const e = header[`leaf.${String(i).padStart(3, "0")}`];
          expect(e).toEqual({ dtype: "F32", shape, data_offsets: [offset, offset + 4 * values.length] });
          const stored = new Float32Array(data.slice(offset, offset + 4 * values.length).buffer);
          expect(Array.from(stored)).toEqual(Array.from(Float32Array.from(values)));
          offset += 4 * values.length;
        });
        expect(data.length).toBe(offset);
        // Back to the same tree: empty lists where they were, each array's values unchanged.
        const asLists = (t: unknown[][]) => t.map((layer) => layer.map((a) => (a instanceof np.Array ? a.tolist() : a)));
        expect(asLists(decodeParams(bytes, tree))).toEqual(asLists(tree));
      }),
      { numRuns: 25 },
    );
  });

  it("the committed file holds LeNet's 44,426 parameters in its 10 arrays", () => {
    const bytes = new Uint8Array(readFileSync(join(publicDir, "lenet.safetensors")));
    const { header, data } = parseSafetensors(bytes);
    const entries = Object.entries(header).filter(([k]) => k !== "__metadata__");
    // conv 5x5x1x6 + 6 (stax keeps a conv bias as [1, 1, 1, out]), conv 5x5x6x16 + 16, dense 256x120 + 120, 120x84 + 84, 84x10 + 10.
    expect(entries.map(([, e]) => e.shape)).toEqual([[5, 5, 1, 6], [1, 1, 1, 6], [5, 5, 6, 16], [1, 1, 1, 16], [256, 120], [120], [120, 84], [84], [84, 10], [10]]);
    expect(data.length).toBe(4 * 44_426);
    expect(header.__metadata__.model).toBe("LeNet");
    const [, template] = LeNet()[0](random.key(0), [-1, 28, 28, 1]);
    expect(() => decodeParams(bytes, template)).not.toThrow();
  });

  it("a file of another structure or shape, or a truncated one, is an error saying what differs", () => {
    const a = [[np.zeros([2, 3]), np.zeros([3])]];
    const bytes = encodeParams(a);
    expect(() => decodeParams(bytes, [[np.zeros([3, 2]), np.zeros([3])]])).toThrow("decodeParams: leaf.000 has shape [2,3], the model's leaf has shape [3,2]");
    expect(() => decodeParams(bytes, [[np.zeros([2, 3])]])).toThrow("decodeParams: the file holds 2 arrays, the model has 1");
    expect(() => decodeParams(bytes.subarray(0, bytes.length - 4), a)).toThrow(/leaf\.001's data_offsets \[24, 36\] do not hold 3 float32 values/);
    expect(() => decodeParams(bytes.subarray(0, 4), a)).toThrow("decodeParams: the file has 4 bytes, too few for a header");
  });

  it("train.ts at a tiny size writes a parameter file and one sample per class that the page's model reads", async () => {
    const out = mkdtempSync(join(tmpdir(), "jaxts-train-page-"));
    try {
      const r = await trainPage({ outDir: out, synthetic: true, epochs: 1, trainSize: 64, testSize: 100, log: false });
      expect(r.dataset).toBe("synthetic");
      const samples = JSON.parse(readFileSync(join(out, "samples.json"), "utf8")) as SamplesFile;
      expect(samples.classes).toEqual(CLASS_NAMES);
      expect(samples.samples.map((s) => s.label)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      const bytes = new Uint8Array(readFileSync(join(out, "lenet.safetensors")));
      expect(bytes.length).toBe(r.paramBytes);
      const classify = makeClassifier(bytes);
      const c = classify(samplePixels(samples.samples[3]!));
      expect(c.probabilities.reduce((s, p) => s + p, 0)).toBeCloseTo(1, 5);
      expect(c.saliency.length).toBe(784);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }, 120_000);
});
