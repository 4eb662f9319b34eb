/**
 * exportFn / Exported / deserialize: round trips give bit-identical outputs to jit (random
 * programs over several dtypes, control flow, trees, specs), and damaged or foreign bytes are
 * refused with an error that says what is wrong.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type Array as JArray, checkpoint, checkpointPolicies, customJvp, customVjp, deserialize, exportFn, grad, jit, lax, numpy as np, random, tree, vmap } from "../../src/index.js";
import { crc32 } from "../../src/export/container.js";
import { makeInputs, programArb, runProgram } from "../wasm/programs.js";

const bits = (x: JArray) => {
  const d = x.dataSync();
  return new Uint8Array(d.buffer.slice(d.byteOffset, d.byteOffset + d.byteLength));
};
/** Same structure, shapes, dtypes and bits. */
function expectIdentical(actual: unknown, expected: unknown) {
  const [a, ta] = tree.flatten(actual);
  const [e, te] = tree.flatten(expected);
  expect(tree.treeDefString(ta)).toBe(tree.treeDefString(te));
  e.forEach((x: JArray, i) => {
    const y = a[i] as JArray;
    expect(y.dtype).toBe(x.dtype);
    expect(y.shape).toEqual(x.shape);
    expect(bits(y)).toEqual(bits(x));
  });
}

const roundTrip = <E extends { serialize(): Uint8Array }>(e: E) => deserialize(e.serialize());

describe("serialize -> deserialize -> call", () => {
  it("equals jit bit-for-bit on random programs over float32, int32, float64 and bool inputs", () => {
    let ran = 0;
    fc.assert(
      fc.property(programArb(5), ({ inputs, seeds, dataSeed }) => {
        const f = (...xs: JArray[]) => runProgram(seeds, xs);
        let exported;
        try {
          exported = exportFn(f)(...inputs.map((s) => ({ shape: s.shape, dtype: s.dtype })));
        } catch {
          return; // a shape error while tracing the random program: nothing to compare
        }
        ran++;
        const args = makeInputs(inputs, dataSeed);
        const back = roundTrip(exported);
        expect(back.toText()).toBe(exported.toText());
        expect(back.inAvals.map(String)).toEqual(exported.inAvals.map(String));
        expect(back.outAvals.map(String)).toEqual(exported.outAvals.map(String));
        const expected = jit(f)(...args);
        expectIdentical(exported.call(...args), expected);
        expectIdentical(back.call(...args), expected);
        // Writing is deterministic, and what is read back writes the same bytes.
        expect(back.serialize()).toEqual(exported.serialize());
      }),
      { numRuns: 40, seed: 1405 },
    );
    expect(ran).toBeGreaterThan(20);
  }, 120_000);

  it("carries captured constants of every dtype, and float64 on the cpu device", () => {
    const c32 = random.normal(random.key(1), [3]);
    const ci = np.array([1, -2, 3], "int32");
    const cb = np.array([true, false, true]);
    const c64 = np.array([0.1, 0.2, 0.3], { dtype: "float64" });
    const f = (x: JArray) => [np.where(cb, np.multiply(x, c32), np.astype(ci, "float32")), np.add(np.astype(x, "float64"), c64), np.array([NaN, -0, Infinity]).add(x)];
    for (const device of ["wasm", "cpu"] as const) {
      const e = exportFn(f, { device })({ shape: [3], dtype: "float32" });
      expect(e.device).toBe(device);
      const back = roundTrip(e);
      expect(back.device).toBe(device);
      const x = np.array([1.5, -2, 0]);
      const out = back.call(x) as JArray[];
      expect(out[0]!.device).toBe(device);
      expectIdentical(out, jit(f, { device })(x));
    }
  });

  it("covers control flow and nested calls: cond, switch, while (traced bounds), scan, jit, checkpoint", () => {
    const inner = jit((a: JArray) => np.sin(a));
    const f = (x: JArray, n: JArray) => {
      const y = lax.cond(np.greater(np.sum(x), 0), (a: JArray) => np.multiply(a, 2), (a: JArray) => np.subtract(a, 1), x);
      const z = lax.switch(n, [(a: JArray) => a, (a: JArray) => np.exp(a), (a: JArray) => np.cos(a)], y);
      const w = lax.foriLoop(0, n, (i: JArray, acc: JArray) => np.add(acc, np.astype(i, "float32")), z); // traced bound: while
      const [c, ys] = lax.scan((carry: JArray, xi: JArray) => [np.add(carry, xi), inner(np.multiply(carry, xi))], np.zeros([]), w, { reverse: true });
      const r = checkpoint((a: JArray) => np.tanh(np.multiply(a, a)), { policy: checkpointPolicies.dotsSaveable })(ys);
      return { c, r };
    };
    const e = exportFn(f)({ shape: [4], dtype: "float32" }, { shape: [], dtype: "int32" });
    const text = e.toText();
    for (const p of ["cond[", "while[", "scan[", "jit[", "checkpoint["]) expect(text).toContain(p);
    const back = roundTrip(e);
    expect(back.toText()).toBe(text);
    for (const n of [0, 1, 2, 5]) {
      const x = np.array([0.5, -1, 2, 0.25]);
      const ni = np.array(n, "int32");
      expectIdentical(back.call(x, ni), jit(f)(x, ni));
    }
  });

  it("custom_jvp and custom_vjp functions are written as the function they compute", () => {
    const softplus = customJvp((x: JArray) => np.log1p(np.exp(x)));
    softplus.defjvp(([x], [t]) => [softplus(x), np.multiply(t, lax.logistic(x))]);
    const clipGrad = customVjp((x: JArray) => np.multiply(x, 3));
    clipGrad.defvjp((x: JArray) => [np.multiply(x, 3), []], (_res: unknown, g: JArray) => [np.clip(g, -1, 1)]);
    const f = (x: JArray) => np.add(softplus(x), clipGrad(x));
    const e = exportFn(f)({ shape: [3], dtype: "float32" });
    const back = roundTrip(e);
    expect(back.toText()).not.toMatch(/custom_(jvp|vjp)_call/);
    expect(back.toText()).toContain("jit[");
    const x = np.array([-1, 0, 2]);
    expectIdentical(back.call(x), jit(f)(x));
  });

  it("a user function in a primitive's params cannot be written: a clear error", () => {
    const f = checkpoint((x: JArray) => np.sin(np.sin(x)), { policy: (prim: string) => prim === "sin" });
    const e = exportFn(f)({ shape: [2], dtype: "float32" });
    expect(e.call(np.array([1, 2])).shape).toEqual([2]);
    expect(() => e.serialize()).toThrow(/params of checkpoint\.policy is a user function .*cannot hold/);
  });

  it("the exported call composes with transforms (it is a jit call of the jaxpr)", () => {
    const f = (x: JArray) => np.sum(np.sin(np.multiply(x, x)));
    const back = roundTrip(exportFn(f)({ shape: [3], dtype: "float32" }));
    const x = np.array([0.1, 0.7, -1.2]);
    expectIdentical(grad((y: JArray) => back.call(y))(x), grad(f)(x));
    const xs = np.array([[1, 2, 3], [4, 5, 6]]);
    expect(vmap((y: JArray) => back.call(y))(xs).shape).toEqual([2]);
  });
});

describe("tree structures and shape specs", () => {
  it("keeps argument and output trees: lists, dicts (any keys), null and undefined", () => {
    const f = (p: { w: JArray; "b-1": JArray[] }, extra: null, x: JArray) => ({ out: [np.matmul(x, p.w), null, { "a b": np.add(p["b-1"][0]!, 1) }], u: undefined });
    const specs = [{ w: { shape: [2, 3], dtype: "float32" }, "b-1": [{ shape: [], dtype: "int32" }] }, null, { shape: [4, 2], dtype: "float32" }] as const;
    const e = exportFn(f)(...(specs as unknown as Parameters<typeof f>));
    const back = roundTrip(e);
    expect(tree.treeDefString(back.inTree)).toBe(tree.treeDefString(e.inTree));
    expect(tree.treeDefString(back.outTree)).toBe(tree.treeDefString(e.outTree));
    const args = [{ w: np.ones([2, 3]), "b-1": [np.array(4, "int32")] }, null, np.ones([4, 2])] as const;
    const out = back.call(...args);
    expect(Object.keys(out).sort()).toEqual(["out", "u"]);
    expect(out.u).toBeUndefined();
    expect(out.out[1]).toBeNull();
    expectIdentical(out, jit(f)(...(args as unknown as Parameters<typeof f>)));
  });

  it("a registered class in the arguments cannot be written (named in the error)", () => {
    class Pair {
      constructor(readonly a: unknown, readonly b: unknown) {}
    }
    tree.register(Pair, (p) => [[p.a, p.b], null], (_aux, [a, b]) => new Pair(a, b));
    const e = exportFn((p: Pair) => np.add(p.a as JArray, p.b as JArray))(new Pair({ shape: [2], dtype: "float32" }, { shape: [2], dtype: "float32" }) as never);
    expect(e.call(new Pair(np.ones([2]), np.ones([2]))).shape).toEqual([2]);
    expect(() => e.serialize()).toThrow(/serialize: the arguments holds an instance of Pair/);
  });

  it("specs need no data; call checks arguments, naming the path, shape and dtype", () => {
    const f = (params: { w: JArray }, x: JArray) => np.matmul(x, params.w);
    const e = exportFn(f)({ w: { shape: [3, 2], dtype: "float32" } }, { shape: [5, 3], dtype: "float32" });
    expect(e.inAvals.map(String)).toEqual(["f32[3,2]", "f32[5,3]"]);
    expect(e.outAvals.map(String)).toEqual(["f32[5,2]"]);
    expect(e.formatVersion).toBe(1);
    const back = roundTrip(e);
    expect(() => back.call({ w: np.ones([2, 3]) }, np.ones([5, 3]))).toThrow(
      /Exported\(f\)\.call: argument args\[0\]\.w has shape \[2,3\] and dtype float32, but the function was exported for shape \[3,2\] and dtype float32/,
    );
    expect(() => back.call({ w: np.ones([3, 2]) }, np.ones([5, 3], "int32"))).toThrow(/argument args\[1\] has shape \[5,3\] and dtype int32, but .* dtype float32/);
    expect(() => back.call({ v: np.ones([3, 2]) }, np.ones([5, 3]))).toThrow(/the arguments have structure .*v.* but the function was exported for .*w/);
    expect(() => back.call(np.ones([3, 2]))).toThrow(/structure/);
    // A JS number stands for a float32 scalar.
    const g = exportFn((s: JArray, x: JArray) => np.multiply(s, x))({ shape: [], dtype: "float32" }, { shape: [2], dtype: "float32" });
    expectIdentical(roundTrip(g).call(3, np.array([1, 2])), np.array([3, 6]));
  });

  it("rejects bad specs and options, and traced captures, naming exportFn", () => {
    expect(() => exportFn((x: JArray) => x)({ shape: [2], dtype: "float16x" })).toThrow(/exportFn\(.*\): leaf 0 .* unknown dtype "float16x"/);
    expect(() => exportFn((x: JArray) => x, { device: "tpu" } as never)).toThrow(/exportFn.*device/);
    expect(() => exportFn((x: JArray) => x, { devcie: "cpu" } as never)).toThrow(/devcie/);
    expect(() =>
      jit((y: JArray) => {
        exportFn((x: JArray) => np.add(x, y))({ shape: [], dtype: "float32" });
        return y;
      })(np.array(1)),
    ).toThrow(/exportFn\(.*\): the function closes over a traced value/);
    expect(() => deserialize("bytes" as never)).toThrow(/deserialize.*Uint8Array/);
  });
});

describe("deserialize refuses damaged or foreign bytes, saying what is wrong", () => {
  const e = exportFn((x: JArray) => np.tanh(np.multiply(x, np.array([1, 2, 3]))).reshape([3, 1]))({ shape: [3], dtype: "float32" });
  const good = e.serialize();
  const copy = () => good.slice();
  /** Rewrites the JSON document and fixes up lengths and checksum, as a deliberate tamperer would. */
  function tampered(edit: (doc: any) => void): Uint8Array {
    const view = new DataView(good.buffer, good.byteOffset);
    const n = view.getUint32(20, true);
    const doc = JSON.parse(new TextDecoder().decode(good.subarray(24, 24 + n)));
    const dataStart = Math.ceil((24 + n) / 8) * 8;
    const data = good.subarray(dataStart);
    edit(doc);
    const json = new TextEncoder().encode(JSON.stringify(doc));
    const start = Math.ceil((24 + json.length) / 8) * 8;
    const out = new Uint8Array(start + data.length);
    out.set(good.subarray(0, 24));
    out.set(json, 24);
    out.set(data, start);
    const v = new DataView(out.buffer);
    v.setUint32(12, out.length, true);
    v.setUint32(20, json.length, true);
    v.setUint32(16, crc32(out.subarray(20)), true);
    return out;
  }

  it("reads its own bytes", () => {
    expect(deserialize(good).toText()).toBe(e.toText());
  });
  it("another format version", () => {
    const b = copy();
    new DataView(b.buffer).setUint32(8, 2, true);
    expect(() => deserialize(b)).toThrow(/export format version 2, but this jaxts reads version 1 only/);
  });
  it("truncated, too short, trailing bytes, not an export", () => {
    expect(() => deserialize(good.subarray(0, good.length - 5))).toThrow(/truncated: the header says \d+ bytes, but only \d+ were given/);
    expect(() => deserialize(good.subarray(0, 10))).toThrow(/10 bytes are too few/);
    const longer = new Uint8Array(good.length + 3);
    longer.set(good);
    expect(() => deserialize(longer)).toThrow(/3 unexpected bytes follow/);
    expect(() => deserialize(new TextEncoder().encode("PK\u0003\u0004 this is a zip file, not an export"))).toThrow(/not a serialized jaxts export/);
  });
  it("any flipped byte after the header is caught by the checksum", () => {
    fc.assert(
      fc.property(fc.integer({ min: 20, max: good.length - 1 }), fc.integer({ min: 1, max: 255 }), (at, mask) => {
        const b = copy();
        b[at]! ^= mask;
        expect(() => deserialize(b)).toThrow(/corrupted|JSON length/);
      }),
      { numRuns: 60, seed: 3 },
    );
  });
  it("tampered contents with a valid checksum: unknown primitive, ill-typed jaxpr, misplaced constants, bad trees", () => {
    expect(() => deserialize(tampered((d) => (d.jaxpr.eqns[0].p = "frobnicate")))).toThrow(/contents are invalid: jaxpr equation 0: unknown primitive "frobnicate"/);
    expect(() => deserialize(tampered((d) => (d.jaxpr.eqns[0].out[0][0] = [4])))).toThrow(/contents are invalid: the jaxpr does not type-check/);
    expect(() => deserialize(tampered((d) => (d.consts[0].offset = 1 << 20)))).toThrow(/constant 0 \(f32\[3\]\) at offset 1048576 .* does not fit/);
    expect(() => deserialize(tampered((d) => (d.inTree = ["*", "*"])))).toThrow(/inTree has 2 leaves but the jaxpr takes 1 arguments/);
    expect(() => deserialize(tampered((d) => (d.jaxpr.invars[0][1] = "complex128")))).toThrow(/unknown dtype "complex128"/);
    expect(() => deserialize(tampered((d) => (d.jaxpr.eqns[0].in[0] = { v: 99 })))).toThrow(/variable 99 is not defined before its use/);
    expect(() => deserialize(tampered((d) => delete d.jaxpr))).toThrow(/contents are invalid/);
    const reshapeAt = (d: any) => d.jaxpr.eqns.findIndex((q: any) => q.p === "reshape");
    expect(() => deserialize(tampered((d) => delete d.jaxpr.eqns[reshapeAt(d)].params.newSizes))).toThrow(/contents are invalid: the jaxpr's params are malformed/);
    expect(() => deserialize(tampered((d) => (d.jaxpr.eqns[0].params = JSON.parse('{"__proto__": {"x": 1}}'))))).toThrow(/unexpected key "__proto__"/);
  });
});
