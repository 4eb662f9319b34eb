import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { numpy as np, testing } from "../../src/index.js";

/** numpy's broadcasting by definition: align right, sizes equal or 1. */
function modelBroadcast(a: number[], b: number[]): number[] | null {
  const n = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const x = a[a.length - n + i] ?? 1;
    const y = b[b.length - n + i] ?? 1;
    if (x !== y && x !== 1 && y !== 1) return null;
    out.push(x === 1 ? y : x);
  }
  return out;
}

/** The element of an array of `shape` read at output index `idx` under broadcasting. */
function readBroadcast(data: ArrayLike<number>, shape: number[], outIdx: number[]): number {
  let flat = 0;
  const lead = outIdx.length - shape.length;
  for (let d = 0; d < shape.length; d++) flat = flat * shape[d]! + (shape[d] === 1 ? 0 : outIdx[lead + d]!);
  return data[flat]!;
}

function* indices(shape: number[]): Generator<number[]> {
  const n = shape.reduce((a, b) => a * b, 1);
  const idx = shape.map(() => 0);
  for (let k = 0; k < n; k++) {
    yield [...idx];
    for (let d = shape.length - 1; d >= 0; d--) {
      if (++idx[d]! < shape[d]!) break;
      idx[d] = 0;
    }
  }
}

describe("broadcasting laws (property)", () => {
  it("the result shape is numpy's, and every element reads the right operand elements", () => {
    fc.assert(
      fc.property(testing.arbitraries.broadcastableShapes(2, { maxRank: 4, maxSide: 4 }), ([s1, s2]) => {
        const a = np.arange(s1!.reduce((x, y) => x * y, 1)).reshape(s1!).astype("float64");
        const b = np.multiply(np.arange(s2!.reduce((x, y) => x * y, 1)).reshape(s2!).astype("float64"), 1000);
        const out = np.add(a, b);
        expect(out.shape).toEqual(modelBroadcast(s1!, s2!));
        const ad = a.dataSync();
        const bd = b.dataSync();
        const od = out.dataSync();
        let k = 0;
        for (const idx of indices([...out.shape])) expect(od[k++]).toBe(readBroadcast(ad, s1!, idx) + readBroadcast(bd, s2!, idx));
      }),
      { numRuns: 60 },
    );
  });

  it("is symmetric, and broadcasting to the result shape first changes nothing", () => {
    fc.assert(
      fc.property(testing.arbitraries.broadcastableShapes(3, { maxRank: 3, maxSide: 3 }), ([s1, s2, s3]) => {
        const [a, b, c] = [s1!, s2!, s3!].map((s, k) => np.add(np.zeros(s, { dtype: "float64" }), k + 1));
        const ab = np.multiply(a!, b!);
        expect(np.multiply(b!, a!).shape).toEqual(ab.shape);
        expect(np.multiply(np.broadcastTo(a!, ab.shape), b!).tolist()).toEqual(ab.tolist());
        // Associativity of the broadcast shape.
        expect(np.add(np.add(a!, b!), c!).shape).toEqual(np.add(a!, np.add(b!, c!)).shape);
        expect(np.broadcastShapes(s1!, s2!, s3!)).toEqual(np.add(np.add(a!, b!), c!).shape);
      }),
      { numRuns: 60 },
    );
  });

  it("incompatible shapes are rejected exactly when the model says so", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 4 }), { maxLength: 3 }),
        fc.array(fc.integer({ min: 1, max: 4 }), { maxLength: 3 }),
        (s1, s2) => {
          const model = modelBroadcast(s1, s2);
          const run = () => np.add(np.zeros(s1), np.zeros(s2));
          if (model === null) expect(run).toThrow(/could not be broadcast/);
          else expect(run().shape).toEqual(model);
        },
      ),
      { numRuns: 150 },
    );
  });
});
