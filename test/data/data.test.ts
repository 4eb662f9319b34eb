import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { batches, loadIdx, metrics, parseIdx, shuffledIndices } from "../../src/data/index.js";

/** Builds IDX bytes by the format's definition (big-endian header and data). */
function idxBytes(type: number, shape: number[], values: number[]): Uint8Array {
  const size = { 0x08: 1, 0x0c: 4, 0x0d: 4 }[type]!;
  const buf = new Uint8Array(4 + 4 * shape.length + values.length * size);
  const v = new DataView(buf.buffer);
  buf[2] = type;
  buf[3] = shape.length;
  shape.forEach((d, i) => v.setUint32(4 + 4 * i, d, false));
  const off = 4 + 4 * shape.length;
  values.forEach((x, i) => {
    if (type === 0x08) v.setUint8(off + i, x);
    else if (type === 0x0c) v.setInt32(off + 4 * i, x, false);
    else v.setFloat32(off + 4 * i, x, false);
  });
  return buf;
}

describe("IDX reader", () => {
  it("parses uint8 images, int32 and float32 arrays, big-endian", () => {
    const img = parseIdx(idxBytes(0x08, [2, 2, 3], [0, 1, 2, 3, 4, 5, 250, 251, 252, 253, 254, 255]));
    expect(img.shape).toEqual([2, 2, 3]);
    expect(Array.from(img.data)).toEqual([0, 1, 2, 3, 4, 5, 250, 251, 252, 253, 254, 255]);
    expect(Array.from(parseIdx(idxBytes(0x0c, [3], [-1, 70000, 5])).data)).toEqual([-1, 70000, 5]);
    expect(Array.from(parseIdx(idxBytes(0x0d, [2], [1.5, -2.25])).data)).toEqual([1.5, -2.25]);
  });

  it("reads gzipped and plain files from disk", async () => {
    const dir = mkdtempSync(join(tmpdir(), "idx-"));
    const bytes = idxBytes(0x08, [4], [9, 8, 7, 6]);
    writeFileSync(join(dir, "a.idx"), bytes);
    writeFileSync(join(dir, "a.idx.gz"), gzipSync(bytes));
    expect(Array.from((await loadIdx(join(dir, "a.idx"))).data)).toEqual([9, 8, 7, 6]);
    expect(Array.from((await loadIdx(join(dir, "a.idx.gz"))).data)).toEqual([9, 8, 7, 6]);
  });

  it("rejects bad magic numbers and truncated files with clear errors", () => {
    expect(() => parseIdx(new Uint8Array([1, 0, 8, 1]))).toThrow(/magic/);
    expect(() => parseIdx(idxBytes(0x08, [5], [1, 2]).subarray(0, 10))).toThrow(/shape \[5\]/);
  });
});

describe("batching", () => {
  it("shuffles into a permutation and covers every example once", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 50 }), fc.integer({ min: 1, max: 7 }), fc.integer(), (n, bs, seed) => {
        const seen = [...batches(n, bs, { seed })].flatMap((b) => Array.from(b));
        expect(seen.sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i));
        expect(Array.from(shuffledIndices(n, seed))).toEqual(Array.from(shuffledIndices(n, seed)));
      }),
    );
    expect([...batches(10, 4, { dropRemainder: true })].length).toBe(2);
  });
});

describe("metrics", () => {
  // Worked example: predictions [0,1,1,2,2,2], labels [0,1,2,2,1,0].
  const pred = [0, 1, 1, 2, 2, 2];
  const labels = [0, 1, 2, 2, 1, 0];
  it("accuracy, per-class and macro precision and recall", () => {
    expect(metrics.accuracy(pred, labels)).toBeCloseTo(3 / 6, 12);
    // class 0: tp 1, predicted 1, actual 2; class 1: tp 1, predicted 2, actual 2; class 2: tp 1, predicted 3, actual 2.
    expect(metrics.precision(pred, labels, { numClasses: 3, average: "none" })).toEqual([1, 0.5, 1 / 3]);
    expect(metrics.recall(pred, labels, { numClasses: 3, average: "none" })).toEqual([0.5, 0.5, 0.5]);
    expect(metrics.precision(pred, labels, { numClasses: 3 }) as number).toBeCloseTo((1 + 0.5 + 1 / 3) / 3, 12);
    expect(metrics.recall(pred, labels, { numClasses: 3 }) as number).toBeCloseTo(0.5, 12);
  });
  it("rejects mismatched lengths and out-of-range labels", () => {
    expect(() => metrics.accuracy([0, 1], [0])).toThrow(/differ in length/);
    expect(() => metrics.recall([0, 5], [0, 1], { numClasses: 3 })).toThrow(/outside/);
  });
});
