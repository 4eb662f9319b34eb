/** NumPy indexing, functional updates, take and takeAlongAxis against plain-JS models. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ValueError } from "../../src/errors.js";
import * as np from "../../src/numpy/index.js";
import { jit, testing, vmap } from "../../src/index.js";
import { makeJaxpr } from "../../src/transforms/makeJaxpr.js";

// --- a tiny n-d model -------------------------------------------------------------------------

const sizeOf = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

function stridesOf(shape: readonly number[]): number[] {
  const st = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    st[i] = s;
    s *= shape[i]!;
  }
  return st;
}

interface Nd {
  shape: number[];
  data: number[];
}

const flatOf = (shape: readonly number[], idx: readonly number[]) => {
  const st = stridesOf(shape);
  return idx.reduce((f, v, d) => f + v * st[d]!, 0);
};
const get = (x: Nd, idx: readonly number[]): number => x.data[flatOf(x.shape, idx)]!;

function forEachIndex(shape: readonly number[], f: (idx: number[]) => void): void {
  const st = stridesOf(shape);
  for (let flat = 0; flat < sizeOf(shape); flat++) f(shape.map((d, i) => Math.floor(flat / st[i]!) % d));
}

function build(shape: readonly number[], f: (idx: number[]) => number): Nd {
  const data: number[] = [];
  forEachIndex(shape, (idx) => data.push(f(idx)));
  return { shape: [...shape], data };
}

const iotaNd = (shape: readonly number[]): Nd => build(shape, (idx) => flatOf(shape, idx));
const toNp = (x: Nd, dtype: np.DType = "float32"): np.Array =>
  np.array(dtype === "int32" ? Int32Array.from(x.data) : Float32Array.from(x.data), { shape: x.shape });

function expectNd(a: np.Array, m: Nd): void {
  expect([...a.shape]).toEqual(m.shape);
  expect(Array.from(a.dataSync(), Number)).toEqual(m.data);
}

/** CPython's slice.indices followed by the range it describes. */
function pySlice(start: number | null, stop: number | null, step: number | null, n: number): number[] {
  const st = step ?? 1;
  const lower = st < 0 ? -1 : 0;
  const upper = st < 0 ? n - 1 : n;
  const adjust = (v: number | null, dflt: number) => {
    if (v === null) return dflt;
    if (v < 0) return Math.max(v + n, lower);
    return Math.min(v, upper);
  };
  const s = adjust(start, st < 0 ? upper : lower);
  const e = adjust(stop, st < 0 ? lower : upper);
  const out: number[] = [];
  for (let i = s; st > 0 ? i < e : i > e; i += st) out.push(i);
  return out;
}

type MEntry = number | [number | null, number | null, number | null] | null | "..." | { arr: Nd };

function broadcastModel(shapes: readonly number[][]): number[] {
  const nd = Math.max(0, ...shapes.map((s) => s.length));
  const out = new Array<number>(nd).fill(1);
  for (const s of shapes)
    s.forEach((d, i) => {
      const k = nd - s.length + i;
      if (d !== 1) out[k] = d;
    });
  return out;
}

/**
 * NumPy's indexing, written from its documentation: the result's shape, and for each result
 * coordinate the coordinate of `shape` it reads (array entries counted from the end when
 * negative, left out of range otherwise).
 */
function modelIndex(shape: readonly number[], index: readonly MEntry[]): { outShape: number[]; src: (out: number[]) => number[] } {
  const consumed = index.filter((e) => e !== null && e !== "...").length;
  const expanded: MEntry[] = [];
  let sawEllipsis = false;
  for (const e of index) {
    if (e === "...") {
      sawEllipsis = true;
      for (let k = 0; k < shape.length - consumed; k++) expanded.push([null, null, null]);
    } else expanded.push(e);
  }
  if (!sawEllipsis) for (let k = 0; k < shape.length - consumed; k++) expanded.push([null, null, null]);
  const hasArr = expanded.some((e) => typeof e === "object" && e !== null && !Array.isArray(e));
  const isAdv = (e: MEntry) => hasArr && (typeof e === "number" || (typeof e === "object" && e !== null && !Array.isArray(e)));
  const advPos = expanded.flatMap((e, i) => (isAdv(e) ? [i] : []));
  const B = broadcastModel(expanded.flatMap((e) => (typeof e === "object" && e !== null && !Array.isArray(e) ? [e.arr.shape] : [])));
  const contiguous = advPos.length === 0 || advPos[advPos.length - 1]! - advPos[0]! === advPos.length - 1;
  type O = { t: "slice"; list: number[]; entry: number } | { t: "new" } | { t: "B"; k: number };
  const outs: O[] = [];
  if (hasArr && !contiguous) B.forEach((_, k) => outs.push({ t: "B", k }));
  let dim = 0;
  const dimOf: number[] = [];
  let placedB = !hasArr || !contiguous;
  expanded.forEach((e, i) => {
    if (e === null) {
      outs.push({ t: "new" });
      return;
    }
    dimOf[i] = dim;
    if (Array.isArray(e)) outs.push({ t: "slice", list: pySlice(e[0], e[1], e[2], shape[dim]!), entry: i });
    else if (isAdv(e) && !placedB) {
      B.forEach((_, k) => outs.push({ t: "B", k }));
      placedB = true;
    }
    dim++;
  });
  const outShape = outs.map((o) => (o.t === "slice" ? o.list.length : o.t === "new" ? 1 : B[o.k]!));
  const src = (out: number[]) => {
    const bcoord = B.map((_, k) => out[outs.findIndex((o) => o.t === "B" && o.k === k)]!);
    const res: number[] = [];
    expanded.forEach((e, i) => {
      if (e === null) return;
      const n = shape[dimOf[i]!]!;
      if (Array.isArray(e)) {
        const pos = outs.findIndex((o) => o.t === "slice" && o.entry === i);
        res.push((outs[pos] as { list: number[] }).list[out[pos]!]!);
      } else if (typeof e === "number") res.push(e < 0 ? e + n : e);
      else if (typeof e === "object") {
        const a = (e as { arr: Nd }).arr;
        const lead = B.length - a.shape.length;
        const v = get(
          a,
          a.shape.map((d, j) => (d === 1 ? 0 : bcoord[lead + j]!)),
        );
        res.push(v < 0 ? v + n : v);
      }
    });
    return res;
  };
  return { outShape, src };
}

const toIndex = (e: MEntry): np.Index => {
  if (typeof e === "object" && e !== null && !Array.isArray(e)) return toNp(e.arr, "int32");
  return e as np.Index;
};

const clampTo = (v: number, n: number) => Math.min(Math.max(v, 0), n - 1);

function modelGet(x: Nd, index: readonly MEntry[]): Nd {
  const { outShape, src } = modelIndex(x.shape, index);
  return build(outShape, (o) => get(x, src(o).map((v, d) => clampTo(v, x.shape[d]!))));
}

// --- arbitraries --------------------------------------------------------------------------

const sliceArb = fc.tuple(
  fc.option(fc.integer({ min: -7, max: 7 })),
  fc.option(fc.integer({ min: -7, max: 7 })),
  fc.option(fc.constantFrom(1, 2, 3, -1, -2, -3)),
);

/** A basic index for an array of `shape`: ints, slices, newaxis and maybe an ellipsis. */
const basicIndexArb = (shape: readonly number[]) =>
  fc
    .tuple(
      fc.tuple(...shape.map((n) => (n > 0 ? fc.oneof(fc.integer({ min: -n, max: n - 1 }), sliceArb) : sliceArb))),
      fc.array(fc.integer({ min: 0, max: shape.length }), { maxLength: 2 }),
      fc.option(fc.tuple(fc.integer({ min: 0, max: shape.length }), fc.integer({ min: 0, max: shape.length }))),
      fc.boolean(),
    )
    .map(([perDim, newaxes, ellipsis, trimTrailing]) => {
      let entries: MEntry[] = perDim.map((e) => (Array.isArray(e) ? ([e[0], e[1], e[2]] as MEntry) : e));
      if (ellipsis) {
        const [a, b] = ellipsis;
        const lo = Math.min(a, b);
        const hi = Math.max(a, b);
        entries = [...entries.slice(0, lo), "...", ...entries.slice(hi)];
      } else if (trimTrailing) {
        // Leave trailing dims unindexed (they are full slices).
        entries = entries.slice(0, Math.ceil(entries.length / 2));
      }
      for (const p of newaxes) entries.splice(Math.min(p, entries.length), 0, null);
      return entries;
    });

const shapeArb = (minDims: number, maxDims: number, maxSide = 5, minSide = 0) =>
  fc.array(fc.integer({ min: minSide, max: maxSide }), { minLength: minDims, maxLength: maxDims });

// --- basic indexing ---------------------------------------------------------------------------

describe("getIndex: basic indexing", () => {
  it("matches the Python slicing model (ints, slices with any step, newaxis, ellipsis)", () => {
    fc.assert(
      fc.property(
        shapeArb(0, 4).chain((s) => fc.tuple(fc.constant(s), basicIndexArb(s))),
        ([shape, index]) => {
          const m = iotaNd(shape);
          const x = toNp(m);
          expectNd(x.slice(...index.map(toIndex)), modelGet(m, index));
        },
      ),
      { numRuns: 300 },
    );
  });

  it("never gathers: slice, rev, squeeze and broadcast_in_dim only", () => {
    const x = np.zeros([4, 5, 6]);
    const text = makeJaxpr((a: np.Array) => a.slice(1, [null, null, -2], null, [1, 5]))(x).toString();
    expect(text).toContain("slice");
    expect(text).toContain("rev");
    expect(text).toContain("squeeze");
    expect(text).toContain("broadcast_in_dim");
    expect(text).not.toContain("gather");
    expect(makeJaxpr((a: np.Array) => a.slice())(x).toString()).not.toContain("slice");
  });

  it("examples", () => {
    const x = np.arange(24).reshape([2, 3, 4]);
    expect(x.slice(1, [null, null, -1], [1, 3]).tolist()).toEqual([
      [21, 22],
      [17, 18],
      [13, 14],
    ]);
    expect(x.slice("...", -1).shape).toEqual([2, 3]);
    expect(x.slice(np.newaxis, 0, "...", np.newaxis).shape).toEqual([1, 3, 4, 1]);
    expect(x.slice(0, 0, 0).item()).toBe(0);
    expect(x.slice(-1, -1, -1).item()).toBe(23);
    expect(x.slice([5]).shape).toEqual([0, 3, 4]);
  });

  it("out-of-range integers and bad entries are errors naming the axis and size", () => {
    const x = np.zeros([3, 2]);
    expect(() => x.slice(5)).toThrow(ValueError);
    expect(() => x.slice(5)).toThrow(/index 5 is out of bounds for axis 0 with size 3/);
    expect(() => x.slice(0, -3)).toThrow(/index -3 is out of bounds for axis 1 with size 2/);
    expect(() => x.slice(0, 0, 0)).toThrow(/too many indices for array.*\(3, 2\).*2-dimensional, but 3 were indexed/);
    expect(() => x.slice("...", "...")).toThrow(/single ellipsis/);
    expect(() => x.slice(1.5)).toThrow(TypeError);
    expect(() => x.slice([0, 2, 0])).toThrow(/slice step cannot be zero/);
    expect(() => x.slice(np.array([0, 1]))).toThrow(TypeError); // float32 index array
    expect(() => x.slice("x" as np.Index)).toThrow(TypeError);
  });
});

// --- advanced indexing -------------------------------------------------------------------------

/** An index mixing integer arrays (of broadcastable shapes), ints, slices and newaxis. */
const advancedCase = shapeArb(1, 4, 4, 1).chain((shape) =>
  fc
    .tuple(
      fc.constant(shape),
      fc.tuple(...shape.map(() => fc.constantFrom("arr", "arr", "int", "full", "slice", "skip"))),
      shapeArb(0, 2, 3, 1),
      fc.array(fc.integer({ min: -100, max: 100 }), { minLength: 40, maxLength: 40 }),
      fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }),
      sliceArb,
      fc.option(fc.integer({ min: 0, max: 4 })),
    )
    .map(([shape, kinds, B, seeds, squash, sl, newaxisAt]) => {
      let seed = 0;
      const entries: MEntry[] = kinds.map((k, d) => {
        const n = shape[d]!;
        const r = () => (((seeds[seed++ % seeds.length]! % (2 * n)) + 2 * n) % (2 * n)) - n; // in [-n, n)
        switch (k) {
          case "arr": {
            // Some arrays drop leading dims or have size-1 dims: they broadcast against B.
            const s = squash[d] ? B.slice(1).map((v, i) => (squash[(i + d) % 4] ? 1 : v)) : B;
            return { arr: build(s, () => r()) };
          }
          case "int":
            return r();
          case "full":
            return [null, null, null] as MEntry;
          case "slice":
            return [sl[0], sl[1], sl[2]] as MEntry;
          default:
            return [null, null, null] as MEntry;
        }
      });
      if (!entries.some((e) => typeof e === "object" && e !== null && !Array.isArray(e))) entries[0] = { arr: build(B, () => 0) };
      if (newaxisAt !== null) entries.splice(Math.min(newaxisAt, entries.length), 0, null);
      return [shape, entries] as const;
    }),
);

describe("getIndex: integer arrays (gather)", () => {
  it("matches the NumPy model, including where the broadcast dims go", () => {
    fc.assert(
      fc.property(advancedCase, ([shape, index]) => {
        const m = iotaNd(shape);
        const x = toNp(m);
        expectNd(np.getIndex(x, index.map(toIndex)), modelGet(m, index));
      }),
      { numRuns: 300 },
    );
  });

  it("known NumPy shapes: adjacent advanced indices stay in place, separated ones go first", () => {
    const a = np.zeros([2, 3, 4, 5]);
    const i = np.array([0, 1], { dtype: "int32" });
    expect(a.slice(i, "...", i).shape).toEqual([2, 3, 4]);
    expect(a.slice(i, [null], [null], i).shape).toEqual([2, 3, 4]);
    expect(a.slice([null], i, null, i).shape).toEqual([2, 2, 1, 5]);
    expect(a.slice(i, null, i).shape).toEqual([2, 1, 4, 5]);
    expect(a.slice([null], i, i).shape).toEqual([2, 2, 5]);
    const c = np.zeros([2, 3, 4]);
    const j = np.array([[0, 1]], { dtype: "int32" });
    expect(c.slice(j, null, [null], j).shape).toEqual([1, 2, 1, 3]);
    expect(c.slice([null], j, 1).shape).toEqual([2, 1, 2]);
    expect(c.slice(1, [null], j).shape).toEqual([1, 2, 3]);
  });

  it("clamps out-of-range array indices (JAX's default for reads); fill mode reads NaN", () => {
    const x = np.arange(3).astype("float32");
    const i = np.array([5, -1, -7, 1], { dtype: "int32" });
    expect(x.slice(i).tolist()).toEqual([2, 2, 0, 1]);
    const filled = np.getIndex(x, [i], { mode: "fill" }).tolist() as number[];
    expect(filled.map((v) => (Number.isNaN(v) ? "nan" : v))).toEqual(["nan", 2, "nan", 1]);
    expect(x.at(i).get({ mode: "fill", fillValue: -1 }).tolist()).toEqual([-1, 2, -1, 1]);
  });

  it("a scalar integer array (a loop counter) is a dynamic_slice", () => {
    const x = np.arange(12).reshape([3, 4]);
    const i = np.array(-1, { dtype: "int32" });
    expect(x.slice(i).tolist()).toEqual([8, 9, 10, 11]);
    expect(x.slice([null], i).tolist()).toEqual([3, 7, 11]);
    const text = makeJaxpr((a: np.Array, k: np.Array) => a.slice(k, [1, 3]))(x, i).toString();
    expect(text).toContain("dynamic_slice");
    expect(text).not.toContain("gather");
    const text2 = makeJaxpr((a: np.Array, k: np.Array) => a.slice(k))(x, np.array([0, 2], { dtype: "int32" })).toString();
    expect(text2).toContain("gather");
  });

  it("boolean masks work on concrete arrays and are a TypeError when traced", () => {
    const x = np.arange(6).reshape([2, 3]);
    const mask = np.array([
      [true, false, true],
      [false, true, false],
    ]);
    expect(x.slice(mask).tolist()).toEqual([0, 2, 4]);
    expect(x.slice([null], np.array([false, true, true])).tolist()).toEqual([
      [1, 2],
      [4, 5],
    ]);
    expect(() => x.slice(np.array([true, false, true]))).toThrow(ValueError);
    expect(() => x.slice(np.array([true, false, true]))).toThrow(
      /boolean index did not match indexed array along axis 0; size of axis is 2 but size of corresponding boolean axis is 3/,
    );
    expect(() => makeJaxpr((a: np.Array, m: np.Array) => a.slice(m))(x, mask)).toThrow(TypeError);
  });

  it("uint32 index arrays and broadcasting errors", () => {
    const x = np.arange(5);
    expect(x.slice(np.array([4, 0], { dtype: "uint32" })).tolist()).toEqual([4, 0]);
    const a = np.array([0, 1], { dtype: "int32" });
    const b = np.array([0, 1, 2], { dtype: "int32" });
    expect(() => np.zeros([3, 3]).slice(a, b)).toThrow(ValueError);
    expect(() => np.zeros([3, 3]).slice(a, b)).toThrow(/getIndex.*\(2,\) \(3,\)/);
  });
});

// --- updates ----------------------------------------------------------------------------------

type Op = "set" | "add" | "mul" | "min" | "max";

/** The model of x.at(index).op(values): every indexed element in order, out-of-range ones dropped. */
function modelUpdate(x: Nd, index: readonly MEntry[], values: Nd, op: Op): { out: Nd; candidates: Map<number, number[]> } {
  const { outShape, src } = modelIndex(x.shape, index);
  const out = { shape: [...x.shape], data: [...x.data] };
  const candidates = new Map<number, number[]>();
  const lead = outShape.length - values.shape.length;
  forEachIndex(outShape, (o) => {
    const dst = src(o);
    if (dst.some((v, d) => v < 0 || v >= x.shape[d]!)) return;
    const f = flatOf(x.shape, dst);
    const v = get(
      values,
      values.shape.map((d, j) => (d === 1 ? 0 : o[lead + j]!)),
    );
    const old = out.data[f]!;
    // (+ 0 turns the -0 of 0 * -2 into the 0 an int32 holds.)
    out.data[f] = (op === "set" ? v : op === "add" ? old + v : op === "mul" ? old * v : op === "min" ? Math.min(old, v) : Math.max(old, v)) + 0;
    candidates.set(f, [...(candidates.get(f) ?? []), v]);
  });
  return { out, candidates };
}

describe("indexUpdateRef: x.at(...).set / add / mul / min / max", () => {
  it("matches the model for any index, duplicates accumulating (set: one of the writes wins)", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          advancedCase,
          shapeArb(0, 3, 4).chain((s) => fc.tuple(fc.constant(s), basicIndexArb(s))),
        ),
        fc.constantFrom<Op>("set", "add", "mul", "min", "max"),
        fc.boolean(),
        ([shape, index], op, scalarValues) => {
          const m = build(shape, (idx) => flatOf(shape, idx) % 7);
          const x = toNp(m, "int32");
          const { outShape } = modelIndex(shape, index);
          // Values of the indexed shape, or of a shape that broadcasts to it.
          const vShape = scalarValues ? [] : outShape.map((d, i) => (i === 0 ? 1 : d));
          const values = build(vShape, (idx) => (flatOf(vShape, idx) % 5) - 2);
          const got = x.at(...index.map(toIndex))[op](toNp(values, "int32"));
          expect(got.dtype).toBe("int32");
          const { out, candidates } = modelUpdate(m, index, values, op);
          const data = Array.from(got.dataSync(), Number);
          if (op !== "set") {
            expect(data).toEqual(out.data);
            return;
          }
          data.forEach((v, f) => {
            const c = candidates.get(f);
            if (c === undefined) expect(v).toBe(m.data[f]);
            else expect(c).toContain(v);
          });
        },
      ),
      { numRuns: 300 },
    );
  });

  it("duplicate indices accumulate for add (JAX semantics); out-of-range updates are dropped", () => {
    const x = np.arange(5);
    const i = np.array([0, 0, 7, -1, -9, 2], { dtype: "int32" });
    expect(x.at(i).add(10).tolist()).toEqual([20, 1, 12, 3, 14]);
    expect(x.at(i).set(np.array([9, 9, 9, 9, 9, 9], { dtype: "int32" })).tolist()).toEqual([9, 1, 9, 3, 9]);
    expect(x.at(i).mul(2).tolist()).toEqual([0, 1, 4, 3, 8]);
    expect(x.at(7).set(100).tolist()).toEqual([0, 1, 2, 3, 4]);
    expect(x.at(i).add(10, { mode: "clip" }).tolist()).toEqual([30, 1, 12, 3, 24]);
  });

  it("values are cast to x's dtype and broadcast; the input is left intact", () => {
    const x = np.zeros([2, 3], { dtype: "int32" });
    const y = x.at([null], [null, null, -1]).set(np.array([1.7, 2.2, 3.9]));
    expect(y.dtype).toBe("int32");
    expect(y.tolist()).toEqual([
      [3, 2, 1],
      [3, 2, 1],
    ]);
    expect(x.tolist()).toEqual([
      [0, 0, 0],
      [0, 0, 0],
    ]);
    const f = np.zeros([3]);
    expect(f.at(1).add(0.5).tolist()).toEqual([0, 0.5, 0]);
    expect(f.at().set(2).tolist()).toEqual([2, 2, 2]);
    expect(f.at(np.array([0, 2], { dtype: "int32" })).get().tolist()).toEqual([0, 0]);
  });

  it("divide and power", () => {
    const x = np.array([2, 4, 8]);
    expect(x.at([1, null]).divide(2).tolist()).toEqual([2, 2, 4]);
    expect(x.at(0).power(3).tolist()).toEqual([8, 4, 8]);
  });

  it("values that do not broadcast are an error naming both shapes", () => {
    const x = np.zeros([3]);
    const i = np.zeros([2], { dtype: "int32" });
    expect(() => x.at(i).set(np.zeros([3]))).toThrow(ValueError);
    expect(() => x.at(i).set(np.zeros([3]))).toThrow(/at\(\.\.\.\)\.set: values of shape \(3,\) cannot be broadcast to the indexed shape \(2,\)/);
  });

  it("traces to scatter primitives", () => {
    const x = np.zeros([3, 4]);
    const text = makeJaxpr((a: np.Array) => a.at([1, null], [null, null, 2]).set(1))(x).toString();
    expect(text).toContain("scatter");
    const add = makeJaxpr((a: np.Array, i: np.Array) => a.at(i).add(1))(x, np.array([0, 0], { dtype: "int32" })).toString();
    expect(add).toContain("scatter_add");
  });
});

// --- take, takeAlongAxis ----------------------------------------------------------------------

describe("take", () => {
  it("matches the model along any axis, negative indices wrapped, out-of-range filled", () => {
    fc.assert(
      fc.property(
        shapeArb(1, 3, 4, 1),
        shapeArb(0, 2, 3, 0),
        fc.array(fc.integer({ min: -6, max: 6 }), { minLength: 9, maxLength: 9 }),
        fc.nat(5),
        fc.constantFrom("fill", "clip", "wrap") as fc.Arbitrary<"fill" | "clip" | "wrap">,
        (shape, ishape, vals, axisPick, mode) => {
          const m = iotaNd(shape);
          const axis = axisPick % (shape.length + 1) === shape.length ? null : axisPick % shape.length;
          const src: Nd = axis === null ? { shape: [m.data.length], data: m.data } : m;
          const ax = axis ?? 0;
          const n = src.shape[ax]!;
          const idx = build(ishape, (i) => vals[flatOf(ishape, i) % 9]!);
          const outShape = [...src.shape.slice(0, ax), ...ishape, ...src.shape.slice(ax + 1)];
          const model = build(outShape, (o) => {
            let k = get(
              idx,
              o.slice(ax, ax + ishape.length),
            );
            if (mode === "fill") {
              if (k < 0) k += n;
              if (k < 0 || k >= n) return -1;
            } else if (mode === "clip") k = Math.min(Math.max(k, 0), n - 1);
            else k = ((k % n) + n) % n;
            return get(src, [...o.slice(0, ax), k, ...o.slice(ax + ishape.length)]);
          });
          expectNd(np.take(toNp(m), toNp(idx, "int32"), axis, { mode, fillValue: -1 }), model);
        },
      ),
    );
  });

  it("defaults: NaN fill for floats, a scalar index drops the axis", () => {
    const x = np.arange(6).reshape([2, 3]).astype("float32");
    const r = np.take(x, np.array([0, 5, -1], { dtype: "int32" })).tolist() as number[];
    expect(r.map((v) => (Number.isNaN(v) ? "nan" : v))).toEqual([0, 5, 5]);
    expect((np.take(x, np.array([9], { dtype: "int32" })).tolist() as number[]).map(Number.isNaN)).toEqual([true]);
    expect(np.take(x, 1, 1).tolist()).toEqual([1, 4]);
    expect(() => np.take(x, np.array([0.5]))).toThrow(TypeError);
    expect(() => np.take(x, 0, 2)).toThrow(/take: axis 2 is out of bounds/);
  });
});

describe("takeAlongAxis", () => {
  it("matches NumPy's model, the non-axis dims broadcasting", () => {
    fc.assert(
      fc.property(
        shapeArb(1, 3, 3, 1),
        fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }),
        fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }),
        fc.integer({ min: 0, max: 4 }),
        fc.array(fc.integer({ min: -4, max: 4 }), { minLength: 7, maxLength: 7 }),
        fc.nat(3),
        (bshape, arrOne, idxOne, k, vals, axisPick) => {
          const ax = axisPick % bshape.length;
          const aShape = bshape.map((d, i) => (i !== ax && arrOne[i] ? 1 : d));
          const iShape = bshape.map((d, i) => (i === ax ? k : idxOne[i] ? 1 : d));
          const m = iotaNd(aShape);
          const idx = build(iShape, (i) => vals[flatOf(iShape, i) % 7]!);
          const outShape = bshape.map((d, i) => (i === ax ? k : aShape[i] === 1 ? iShape[i]! : d));
          const n = aShape[ax]!;
          const model = build(outShape, (o) => {
            let v = get(
              idx,
              o.map((c, i) => (iShape[i] === 1 ? 0 : c)),
            );
            if (v < 0) v += n;
            if (v < 0 || v >= n) return -1;
            return get(
              m,
              o.map((c, i) => (i === ax ? v : aShape[i] === 1 ? 0 : c)),
            );
          });
          expectNd(np.takeAlongAxis(toNp(m), toNp(idx, "int32"), ax, { fillValue: -1 }), model);
        },
      ),
    );
  });

  it("argsort-style use, axis null, and errors", () => {
    const x = np.array([
      [10, 30, 20],
      [60, 40, 50],
    ]);
    const order = np.array(
      [
        [0, 2, 1],
        [1, 2, 0],
      ],
      { dtype: "int32" },
    );
    expect(np.takeAlongAxis(x, order, 1).tolist()).toEqual([
      [10, 20, 30],
      [40, 50, 60],
    ]);
    expect(np.takeAlongAxis(x, np.array([5, 0], { dtype: "int32" }), null).tolist()).toEqual([50, 10]);
    expect(() => np.takeAlongAxis(x, np.array([0], { dtype: "int32" }), 1)).toThrow(ValueError);
    expect(() => np.takeAlongAxis(x, np.array([0], { dtype: "int32" }), 1)).toThrow(/takeAlongAxis: .*\(1,\).*\(2, 3\)/);
    expect(() => np.takeAlongAxis(x, np.zeros([3, 1], { dtype: "int32" }), 1)).toThrow(/takeAlongAxis: .*\(2, 3\).*\(3, 1\)/);
  });
});

describe("nonzero / argwhere / flatnonzero", () => {
  it("concrete arrays", () => {
    const x = np.array([
      [0, 1, 0],
      [2, 0, 3],
    ]);
    expect(np.nonzero(x).map((a) => a.tolist())).toEqual([
      [0, 1, 1],
      [1, 0, 2],
    ]);
    expect(np.argwhere(x).tolist()).toEqual([
      [0, 1],
      [1, 0],
      [1, 2],
    ]);
    expect(np.flatnonzero(x).tolist()).toEqual([1, 3, 5]);
    expect(np.nonzero(x, { size: 4, fillValue: -1 })[1]!.tolist()).toEqual([1, 0, 2, -1]);
    expect(() => makeJaxpr((a: np.Array) => np.nonzero(a))(x)).toThrow(TypeError);
  });
});

// --- transforms -----------------------------------------------------------------------------

describe("indexing and shape functions under grad, jit and vmap", () => {
  const i32 = (v: number[] | number[][]) => np.array(v, { dtype: "int32" });
  const fns: [string, (x: np.Array, i: np.Array) => np.Array][] = [
    ["basic slicing", (x) => x.slice([1, null], [null, null, -2], null)],
    ["dynamic index", (x, i) => x.slice(np.take(i, 0))],
    ["gather", (x, i) => x.slice(i, [null, null, 2])],
    ["at.set", (x, i) => x.at(i, [1, null]).set(x.slice(0, 0).mul(3))],
    ["at.add", (x, i) => x.at(i).add(x.slice(0))],
    ["at.max", (x, i) => x.at(i).max(x.slice(0).mul(1.5))],
    ["take", (x, i) => np.take(x, i, 1)],
    ["takeAlongAxis", (x, i) => np.takeAlongAxis(x, np.broadcastTo(i.reshape([2, 1]), [2, 4]), 0)],
    ["pad", (x) => np.pad(x, [[1, 0], [2, 3]], "symmetric")],
    ["roll", (x) => np.roll(x, [1, -5], [0, 1])],
    ["repeat", (x) => np.repeat(x, [2, 0, 1], 0)],
    ["tile/concatenate", (x) => np.concatenate([np.tile(x, [1, 2]), np.flip(x, 1)], 1)],
  ];
  const x = np.arange(12).reshape([3, 4]).astype("float64").add(0.5);
  const i = i32([0, -1]);
  for (const [name, f] of fns) {
    it(name, () => {
      // Weighted sums so that every element's gradient is distinct.
      const loss = (a: np.Array) => {
        const y = f(a, i);
        return np.sum(np.sin(y).mul(np.arange(y.size).reshape(y.shape as number[]).add(1)));
      };
      testing.checkGrads(loss, [x], 1, { modes: ["fwd", "rev"] });
      expect(jit((a: np.Array, k: np.Array) => f(a, k))(x, i).tolist()).toEqual(f(x, i).tolist());
      const xs = np.stack([x, x.mul(2)]);
      const is = np.stack([i, i32([2, 1])]);
      const batched = vmap(f)(xs, is) as np.Array;
      expect(batched.tolist()).toEqual(np.stack([f(x, i), f(x.mul(2), i32([2, 1]))]).tolist());
    });
  }
});
