import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import * as np from "../../src/numpy/index.js";
import * as tree from "../../src/tree.js";
import { loadSafetensors, saveSafetensors } from "../../src/io/index.js";
import { loadWithMetadata } from "../../src/io/safetensors.js";
import { ValueError } from "../../src/errors.js";
import type { DType } from "../../ir/dtype.js";

// Golden files from Python's `safetensors` package: test/golden/gen_safetensors.py.
const dir = new URL("../golden/safetensors/", import.meta.url);
const golden = JSON.parse(readFileSync(new URL("python.json", dir), "utf8")) as {
  metadata: Record<string, string>;
  tensors: Record<string, { dtype: string; shape: number[]; values: (number | boolean)[] }>;
};
const numpyToJaxts: Record<string, DType> = { bool: "bool" };
const dtypeOf = (npName: string) => numpyToJaxts[npName] ?? (npName as DType);
const valuesOf = (a: np.Array) => (a.dtype === "bool" ? a.tolist() : Array.from(a.dataSync() as ArrayLike<number>));
const flatValues = (v: unknown): unknown[] => (Array.isArray(v) ? v.flatMap(flatValues) : [v]);

/** The golden content as a flat object of names, as a Hugging Face state dict is. */
const goldenFlat = () =>
  Object.fromEntries(Object.entries(golden.tensors).map(([k, t]) => [k, np.array(t.values as number[], { dtype: dtypeOf(t.dtype), shape: t.shape })]));

describe("io.loadSafetensors reads files written by Python's safetensors", () => {
  const bytes = new Uint8Array(readFileSync(new URL("python.safetensors", dir)));
  it("every dtype, shape and value, bit for bit", () => {
    const { tree: t, metadata } = loadWithMetadata("test", bytes);
    expect(metadata).toEqual(golden.metadata);
    const [leaves] = tree.flatten(t);
    expect(leaves.length).toBe(Object.keys(golden.tensors).length);
    const byName = (t2: any, name: string) => name.split(".").reduce((n, k) => n[k], t2);
    for (const [name, g] of Object.entries(golden.tensors)) {
      const a = byName(t, name) as np.Array;
      expect([name, a.dtype, a.shape]).toEqual([name, dtypeOf(g.dtype), g.shape]);
      expect(flatValues(a.dtype === "bool" ? a.tolist() : valuesOf(a))).toEqual(g.values);
    }
  });
  it("rebuilds lists and objects from the dotted names", () => {
    const t = loadSafetensors(bytes) as any;
    expect(Array.isArray(t.encoder.layers)).toBe(true);
    expect(Object.keys(t.encoder.layers[0]).sort()).toEqual(["bias", "weight"]);
    expect(Object.keys(t).sort()).toEqual(["encoder", "half", "head", "quant", "scalar"]);
    expect(t.scalar.shape).toEqual([]);
  });
});

describe("io.saveSafetensors writes files Python's safetensors reads", () => {
  it("writes exactly the bytes gen_safetensors.py --verify checked with the Python package", () => {
    const bytes = saveSafetensors(goldenFlat(), { metadata: golden.metadata });
    const path = new URL("jaxts.safetensors", dir);
    if (process.env.JAXTS_WRITE_GOLDEN) writeFileSync(path, bytes);
    const verified = JSON.parse(readFileSync(new URL("jaxts.verified.json", dir), "utf8")) as { sha256: string; bytes: number };
    expect(bytes.length).toBe(verified.bytes);
    expect(createHash("sha256").update(bytes).digest("hex")).toBe(verified.sha256);
    if (existsSync(path)) expect(Buffer.from(bytes).equals(readFileSync(path))).toBe(true);
  });
  it("lays tensors out as the Python package does, header padded to 8 bytes", () => {
    const ours = saveSafetensors(goldenFlat());
    const headerOf = (b: Uint8Array) => {
      const n = Number(new DataView(b.buffer, b.byteOffset).getBigUint64(0, true));
      return { n, h: JSON.parse(new TextDecoder().decode(b.subarray(8, 8 + n))) as Record<string, any> };
    };
    const mine = headerOf(ours);
    const theirs = headerOf(new Uint8Array(readFileSync(new URL("python.safetensors", dir))));
    expect(mine.n % 8).toBe(0);
    for (const name of Object.keys(golden.tensors)) expect(mine.h[name]).toEqual(theirs.h[name]);
  });
});

const dtypeArb = fc.constantFrom<DType>("float32", "float64", "int32", "uint32", "bool", "int8", "uint8", "float16");
const leafArb = fc.tuple(dtypeArb, fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 3 }), fc.integer()).map(([dtype, shape, seed]) => {
  const n = shape.reduce((a, b) => a * b, 1);
  const vals = Array.from({ length: n }, (_, i) => ((seed + i * 40503) % 1000) / (dtype.startsWith("float") ? 7 : 1));
  return np.array(dtype === "bool" ? vals.map((v) => v % 2 === 0) : vals, { dtype, shape });
});
const treeArb = fc.letrec((tie) => ({
  node: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    leafArb,
    fc.constant(null),
    fc.array(tie("node"), { maxLength: 3 }),
    fc.dictionary(fc.constantFrom("w", "b", "conv", "layer.0", "m"), tie("node"), { maxKeys: 3 }),
  ),
})).node;

describe("safetensors round trips", () => {
  it("saves and loads any tree of every dtype to the same tree, bit for bit", () => {
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom("params", "opt", "x"), treeArb, { minKeys: 1, maxKeys: 3 }), (t) => {
        let bytes: Uint8Array;
        try {
          bytes = saveSafetensors(t);
        } catch (e) {
          // "layer.0" keys can collide with a list's path: that is the one refusal allowed.
          expect((e as Error).message).toMatch(/both named/);
          return;
        }
        const back = loadSafetensors(bytes);
        const [l1, d1] = tree.flatten(t);
        const [l2, d2] = tree.flatten(back);
        expect(tree.treeDefString(d2)).toBe(tree.treeDefString(d1));
        l1.forEach((a: np.Array, i) => {
          const b = l2[i] as np.Array;
          expect([b.dtype, b.shape]).toEqual([a.dtype, a.shape]);
          expect(valuesOf(b)).toEqual(valuesOf(a));
        });
      }),
      { numRuns: 40 },
    );
  });
  it("keeps stax-style params with empty layers and the user's metadata", () => {
    const params = [[np.ones([2, 3]), np.zeros([3])], [], [np.ones([3, 1], { dtype: "float16" })]];
    const bytes = saveSafetensors(params, { metadata: { epoch: "3" } });
    const { tree: back, metadata } = loadWithMetadata("test", bytes);
    expect(metadata).toEqual({ epoch: "3" });
    expect(tree.treeDefString(tree.structure(back))).toBe(tree.treeDefString(tree.structure(params)));
  });
  it("loads from a Node Buffer that is a view into a larger pool (as readFileSync returns small files)", () => {
    const params = { w: np.array([[1, 2], [3, 4]]), b: np.array([5, 6], { dtype: "int8" }) };
    const bytes = saveSafetensors(params);
    // Buffer.slice is a view, not a copy: the loader must not read the pool's other bytes.
    const pool = Buffer.alloc(bytes.length + 100, 7);
    pool.set(bytes, 37);
    const back = loadSafetensors(pool.subarray(37, 37 + bytes.length)) as { w: np.Array; b: np.Array };
    expect(Array.from(back.w.dataSync() as Float32Array)).toEqual([1, 2, 3, 4]);
    expect(Array.from(back.b.dataSync() as Int8Array)).toEqual([5, 6]);
  });
});

describe("bad safetensors input is a clear error", () => {
  const good = saveSafetensors({ a: np.arange(6), b: np.ones([2], { dtype: "int8" }) });
  const n = Number(new DataView(good.buffer).getBigUint64(0, true));
  const withHeader = (edit: (h: Record<string, any>) => void) => {
    const h = JSON.parse(new TextDecoder().decode(good.subarray(8, 8 + n)));
    edit(h);
    const json = new TextEncoder().encode(JSON.stringify(h));
    const out = new Uint8Array(8 + json.length + good.length - 8 - n);
    new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
    out.set(json, 8);
    out.set(good.subarray(8 + n), 8 + json.length);
    return out;
  };
  const cases: [string, Uint8Array, RegExp][] = [
    ["a truncated file", good.subarray(0, good.length - 3), /tensor "a" ends at byte 24 .* truncated or the header lies|cover/],
    ["a file shorter than its length prefix", good.subarray(0, 5), /too short/],
    ["a header longer than the file", good.subarray(0, 8 + n - 1), /claims \d+ bytes .* truncated/],
    ["offsets that lie", withHeader((h) => (h.a.data_offsets = [0, 20])), /tensor "a" is I32\[6\] \(24 bytes\) but data_offsets \[0, 20\] span 20/],
    ["overlapping tensors", withHeader((h) => { h.b.data_offsets = [20, 22]; }), /starts at byte 20 .* where 24 was expected/],
    ["an unknown dtype", withHeader((h) => (h.a.dtype = "BF16")), /tensor "a" has dtype "BF16"; jaxts reads F32, F64/],
    ["a dtype that lies about the width", withHeader((h) => (h.b.dtype = "F16")), /tensor "b" is F16\[2\] \(4 bytes\)/],
    ["a bad shape", withHeader((h) => (h.a.shape = [-6])), /shape \[-6\]/],
  ];
  it.each(cases)("%s", (_, bytes, msg) => {
    expect(() => loadSafetensors(bytes)).toThrow(ValueError);
    expect(() => loadSafetensors(bytes)).toThrow(msg);
  });
  it("a huge header length and non-JSON", () => {
    const b = new Uint8Array(16);
    new DataView(b.buffer).setBigUint64(0, 2n ** 40n, true);
    expect(() => loadSafetensors(b)).toThrow(/over the 100000000-byte limit/);
    new DataView(b.buffer).setBigUint64(0, 8n, true);
    expect(() => loadSafetensors(b)).toThrow(/not valid UTF-8 JSON/);
  });
  it("names the function for wrong arguments", () => {
    expect(() => loadSafetensors("x" as never)).toThrow(/io.loadSafetensors/);
    expect(() => saveSafetensors(np.ones([2]))).toThrow(/io.saveSafetensors: tree must be/);
    expect(() => saveSafetensors({ a: np.ones([2]) }, { metadata: { n: 3 } as never })).toThrow(/io.saveSafetensors/);
  });
});
