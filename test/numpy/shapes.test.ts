/** numpy shape functions against plain-JS models over flat data and shapes. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ValueError } from "../../src/errors.js";
import * as np from "../../src/numpy/index.js";
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

/** Row-major n-d data. */
interface Nd {
  shape: number[];
  data: number[];
}

const get = (x: Nd, idx: readonly number[]): number => {
  const st = stridesOf(x.shape);
  return x.data[idx.reduce((f, v, d) => f + v * st[d]!, 0)]!;
};

/** Builds an Nd of `shape` from a function of the multi-index. */
function build(shape: readonly number[], f: (idx: number[]) => number): Nd {
  const n = sizeOf(shape);
  const st = stridesOf(shape);
  const data: number[] = [];
  for (let flat = 0; flat < n; flat++) data.push(f(shape.map((d, i) => Math.floor(flat / st[i]!) % d)));
  return { shape: [...shape], data };
}

const iotaNd = (shape: readonly number[]): Nd => build(shape, (idx) => idx.reduce((f, v, d) => f * shape[d]! + v, 0));
const toNp = (x: Nd): np.Array => np.array(Float32Array.from(x.data), { shape: x.shape });
const fromNp = (a: np.Array): Nd => ({ shape: [...a.shape], data: Array.from(a.dataSync(), Number) });

function expectNd(a: np.Array, m: Nd): void {
  expect([...a.shape]).toEqual(m.shape);
  expect(Array.from(a.dataSync(), Number)).toEqual(m.data);
}

// --- arbitraries --------------------------------------------------------------------------

const shapeArb = (minDims = 0, maxDims = 4, maxSide = 4, minSide = 0) =>
  fc.array(fc.integer({ min: minSide, max: maxSide }), { minLength: minDims, maxLength: maxDims });

const permArb = (n: number) => fc.shuffledSubarray([...Array(n).keys()], { minLength: n, maxLength: n });

const shapeAndPerm = shapeArb(0, 4).chain((s) => fc.tuple(fc.constant(s), permArb(s.length)));

const shapeAndAxis = (minDims = 1) => shapeArb(minDims, 4).chain((s) => fc.tuple(fc.constant(s), fc.integer({ min: -s.length, max: s.length - 1 })));

const norm = (ax: number, n: number) => (ax < 0 ? ax + n : ax);

// --- reshape, ravel, transpose ---------------------------------------------------------------

describe("reshape / ravel", () => {
  it("round trips and keeps row-major order", () => {
    fc.assert(
      fc.property(shapeArb(0, 4), fc.nat(10), (shape, pick) => {
        const m = iotaNd(shape);
        const x = toNp(m);
        const flat = np.ravel(x);
        expectNd(flat, { shape: [m.data.length], data: m.data });
        // A compatible target: split the size into a divisor and the rest, one of them as -1.
        const n = m.data.length;
        const divisors = [...Array(n + 1).keys()].filter((d) => d > 0 && n % d === 0);
        const d = divisors.length ? divisors[pick % divisors.length]! : 0;
        const target = n === 0 ? [0, 3] : pick % 2 ? [d, -1] : [-1, d];
        const r = np.reshape(x, target);
        expect(sizeOf(r.shape)).toBe(n);
        expect(Array.from(r.dataSync(), Number)).toEqual(m.data);
        expectNd(r.reshape(shape), m);
      }),
    );
  });

  it("x.reshape and x.flatten are the numpy functions", () => {
    const x = np.arange(6);
    expect(x.reshape([2, 3]).tolist()).toEqual([
      [0, 1, 2],
      [3, 4, 5],
    ]);
    expect(np.reshape(x, [3, -1]).shape).toEqual([3, 2]);
    expect(x.reshape([2, 3]).flatten().tolist()).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it("errors name the function and both shapes", () => {
    const x = np.zeros([2, 3]);
    expect(() => np.reshape(x, [4, 2])).toThrow(TypeError); // as JAX
    expect(() => np.reshape(x, [4, 2])).toThrow("reshape: cannot reshape array of shape (2, 3) (size 6) into shape (4, 2)");
    expect(() => np.reshape(x, [-1, 4])).toThrow(/reshape: cannot reshape array of shape \(2, 3\)/);
    expect(() => np.reshape(x, [-1, -1])).toThrow(/one unknown dimension/);
    expect(() => np.reshape(x, [2.5, 2] as number[])).toThrow(TypeError);
  });
});

describe("transpose / swapaxes / moveaxis", () => {
  it("transpose matches the model and inverts", () => {
    fc.assert(
      fc.property(shapeAndPerm, ([shape, perm]) => {
        const m = iotaNd(shape);
        const x = toNp(m);
        const model = build(
          perm.map((p) => shape[p]!),
          (idx) => {
            const src = new Array<number>(shape.length);
            perm.forEach((p, k) => (src[p] = idx[k]!));
            return get(m, src);
          },
        );
        const t = np.transpose(x, perm);
        expectNd(t, model);
        const inv = perm.map((_, i) => perm.indexOf(i));
        expectNd(np.transpose(t, inv), m);
      }),
    );
  });

  it("default transpose reverses the axes; x.T is the same", () => {
    const m = iotaNd([2, 3, 4]);
    const x = toNp(m);
    expectNd(x.T, fromNp(np.transpose(x, [2, 1, 0])));
    expect(np.transpose(x, [-1, 0, 1]).shape).toEqual([4, 2, 3]);
    expect(() => np.transpose(x, [0, 1])).toThrow(TypeError); // as JAX
    expect(() => np.transpose(x, [0, 1])).toThrow(/transpose: axes \(0, 1\) don't match array of shape \(2, 3, 4\)/);
    expect(() => np.transpose(x, [0, 0, 1])).toThrow(/repeated axis/);
  });

  it("swapaxes swaps two coordinates", () => {
    fc.assert(
      fc.property(
        shapeArb(1, 4).chain((s) => fc.tuple(fc.constant(s), fc.integer({ min: -s.length, max: s.length - 1 }), fc.integer({ min: -s.length, max: s.length - 1 }))),
        ([shape, a1, a2]) => {
          const m = iotaNd(shape);
          const i = norm(a1, shape.length);
          const j = norm(a2, shape.length);
          const outShape = [...shape];
          [outShape[i], outShape[j]] = [shape[j]!, shape[i]!];
          const model = build(outShape, (idx) => {
            const src = [...idx];
            [src[i], src[j]] = [idx[j]!, idx[i]!];
            return get(m, src);
          });
          expectNd(np.swapaxes(toNp(m), a1, a2), model);
        },
      ),
    );
  });

  it("moveaxis of one axis matches the model; moving back is the identity", () => {
    fc.assert(
      fc.property(
        shapeArb(1, 4).chain((s) => fc.tuple(fc.constant(s), fc.integer({ min: 0, max: s.length - 1 }), fc.integer({ min: 0, max: s.length - 1 }))),
        ([shape, s, d]) => {
          const m = iotaNd(shape);
          // Output coordinates: take out the coordinate at d and put it back at s.
          const others = shape.filter((_, k) => k !== s);
          const outShape = [...others.slice(0, d), shape[s]!, ...others.slice(d)];
          const model = build(outShape, (idx) => {
            const rest = idx.filter((_, k) => k !== d);
            return get(m, [...rest.slice(0, s), idx[d]!, ...rest.slice(s)]);
          });
          const y = np.moveaxis(toNp(m), s, d);
          expectNd(y, model);
          expectNd(np.moveaxis(y, d - shape.length, s), m);
        },
      ),
    );
  });

  it("moveaxis with several axes", () => {
    const x = np.zeros([3, 4, 5, 6]);
    expect(np.moveaxis(x, [0, 1], [-1, -2]).shape).toEqual([5, 6, 4, 3]);
    expect(np.moveaxis(x, [3, 0], [0, 3]).shape).toEqual([6, 4, 5, 3]);
    expect(() => np.moveaxis(x, [0, 1], [0])).toThrow(ValueError);
    expect(() => np.moveaxis(x, 4, 0)).toThrow(/moveaxis: source 4 is out of bounds for an array of dimension 4/);
  });
});

// --- squeeze, expandDims, broadcasting ---------------------------------------------------------

describe("squeeze / expandDims / broadcastTo / broadcastArrays", () => {
  it("squeeze removes size-1 dims; expandDims puts them back", () => {
    fc.assert(
      fc.property(shapeArb(0, 5, 3), (shape) => {
        const m = iotaNd(shape);
        const x = toNp(m);
        const s = np.squeeze(x);
        expectNd(s, { shape: shape.filter((d) => d !== 1), data: m.data });
        const ones = shape.flatMap((d, i) => (d === 1 ? [i] : []));
        if (ones.length > 0) expectNd(np.expandDims(s, ones), m);
        expectNd(x.squeeze(ones), { shape: shape.filter((d) => d !== 1), data: m.data });
      }),
    );
  });

  it("expandDims with negative and multiple axes", () => {
    const x = np.zeros([3, 4]);
    expect(np.expandDims(x, 0).shape).toEqual([1, 3, 4]);
    expect(np.expandDims(x, -1).shape).toEqual([3, 4, 1]);
    expect(np.expandDims(x, [0, 2]).shape).toEqual([1, 3, 1, 4]);
    expect(np.expandDims(x, [-1, 0]).shape).toEqual([1, 3, 4, 1]);
    expect(() => np.expandDims(x, [0, 0])).toThrow(ValueError);
    expect(() => np.expandDims(x, 3)).toThrow(/expandDims: axis 3 is out of bounds/);
  });

  it("squeeze of a named axis that is not 1 is an error naming the shape", () => {
    const x = np.zeros([2, 1, 3]);
    expect(np.squeeze(x, 1).shape).toEqual([2, 3]);
    expect(np.squeeze(x, -2).shape).toEqual([2, 3]);
    expect(() => np.squeeze(x, 0)).toThrow(ValueError);
    expect(() => np.squeeze(x, 0)).toThrow(/squeeze: .*shape=\(2, 1, 3\) and dimensions=\(0,\)/);
  });

  it("broadcastTo matches the model", () => {
    fc.assert(
      fc.property(shapeArb(0, 4, 3, 1), fc.array(fc.boolean(), { maxLength: 4 }), fc.array(fc.integer({ min: 1, max: 3 }), { maxLength: 2 }), (target, squash, lead) => {
        const src = target.map((d, i) => (squash[i] ? 1 : d)).slice(lead.length > 0 ? Math.min(lead.length, target.length) : 0);
        const full = [...target];
        const m = iotaNd(src);
        const k = full.length - src.length;
        const model = build(full, (idx) => get(m, src.map((d, i) => (d === 1 ? 0 : idx[k + i]!))));
        expectNd(np.broadcastTo(toNp(m), full), model);
      }),
    );
  });

  it("broadcastTo errors name the function and both shapes", () => {
    expect(() => np.broadcastTo(np.zeros([3]), [4, 2])).toThrow(ValueError);
    expect(() => np.broadcastTo(np.zeros([3]), [4, 2])).toThrow("broadcastTo: cannot broadcast array of shape (3,) to shape (4, 2)");
    expect(() => np.broadcastTo(np.zeros([2, 3]), [3])).toThrow(/\(2, 3\).*\(3,\)/);
  });

  it("broadcastArrays gives every argument the common shape", () => {
    const [a, b, c] = np.broadcastArrays(np.arange(3), np.zeros([2, 1]), 5);
    expect(a!.shape).toEqual([2, 3]);
    expect(b!.shape).toEqual([2, 3]);
    expect(c!.shape).toEqual([2, 3]);
    expect(a!.tolist()).toEqual([
      [0, 1, 2],
      [0, 1, 2],
    ]);
    expect(() => np.broadcastArrays(np.zeros([2]), np.zeros([3]))).toThrow(ValueError);
    expect(() => np.broadcastArrays(np.zeros([2]), np.zeros([3]))).toThrow(/broadcastArrays.*\(2,\) \(3,\)/);
    expect(np.broadcastShapes([2, 1], [3])).toEqual([2, 3]);
  });
});

// --- concatenate, stack, split -----------------------------------------------------------------

function concatModel(parts: readonly Nd[], axis: number): Nd {
  const shape = [...parts[0]!.shape];
  shape[axis] = parts.reduce((s, p) => s + p.shape[axis]!, 0);
  return build(shape, (idx) => {
    let k = idx[axis]!;
    for (const p of parts) {
      if (k < p.shape[axis]!) {
        const src = [...idx];
        src[axis] = k;
        return get(p, src);
      }
      k -= p.shape[axis]!;
    }
    throw new Error("unreachable");
  });
}

describe("concatenate / stack / split", () => {
  it("concatenate matches the model", () => {
    fc.assert(
      fc.property(shapeAndAxis(1), fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 4 }), ([shape, axis], sizes) => {
        const ax = norm(axis, shape.length);
        let offset = 0;
        const parts = sizes.map((n) => {
          const s = [...shape];
          s[ax] = n;
          const p = build(s, (idx) => offset + idx.reduce((f, v) => f * 7 + v, 0));
          offset += 1000;
          return p;
        });
        expectNd(np.concatenate(parts.map(toNp), axis), concatModel(parts, ax));
      }),
    );
  });

  it("split then concatenate is the identity; pieces match slices", () => {
    fc.assert(
      fc.property(shapeAndAxis(1), fc.array(fc.integer({ min: -6, max: 6 }), { maxLength: 4 }), ([shape, axis], cuts) => {
        const m = iotaNd(shape);
        const x = toNp(m);
        const ax = norm(axis, shape.length);
        const n = shape[ax]!;
        const sorted = cuts.map((c) => Math.min(Math.max(c < 0 ? c + n : c, 0), n)).sort((a, b) => a - b);
        const pieces = np.split(x, sorted, axis);
        expect(pieces.length).toBe(sorted.length + 1);
        const edges = [0, ...sorted, n];
        pieces.forEach((p, k) => expect(p.shape[ax]).toBe(edges[k + 1]! - edges[k]!));
        expectNd(np.concatenate(pieces, axis), m);
      }),
    );
  });

  it("split into equal sections, and arraySplit into unequal ones", () => {
    const x = np.arange(12).reshape([2, 6]);
    const parts = np.split(x, 3, 1);
    expect(parts.map((p) => p.tolist())).toEqual([
      [
        [0, 1],
        [6, 7],
      ],
      [
        [2, 3],
        [8, 9],
      ],
      [
        [4, 5],
        [10, 11],
      ],
    ]);
    expect(() => np.split(np.zeros([5]), 2)).toThrow(ValueError);
    expect(() => np.split(np.zeros([5]), 2)).toThrow(/split: array split does not result in an equal division.*size 5.*2 sections/);
    expect(np.arraySplit(np.arange(7), 3).map((p) => p.tolist())).toEqual([[0, 1, 2], [3, 4], [5, 6]]);
    // Indices past the end and decreasing indices give empty pieces, as NumPy.
    expect(np.split(np.arange(5), [3, 1, 9]).map((p) => p.tolist())).toEqual([[0, 1, 2], [], [1, 2, 3, 4], []]);
  });

  it("stack inserts a new axis; unstacking with indexing gives the inputs back", () => {
    fc.assert(
      fc.property(shapeArb(0, 3), fc.integer({ min: 1, max: 3 }), fc.nat(8), (shape, count, axisPick) => {
        const parts = [...Array(count).keys()].map((k) => build(shape, (idx) => k * 100 + idx.reduce((f, v) => f * 5 + v, 0)));
        const axis = (axisPick % (shape.length + 1)) - (axisPick % 2 ? shape.length + 1 : 0);
        const ax = norm(axis, shape.length + 1);
        const s = np.stack(parts.map(toNp), axis);
        const expectedShape = [...shape.slice(0, ax), count, ...shape.slice(ax)];
        expect(s.shape).toEqual(expectedShape);
        parts.forEach((p, k) => expectNd(np.take(s, k, ax), p));
      }),
    );
  });

  it("dtype promotion, axis null, and errors naming the shapes", () => {
    const a = np.array([1, 2], { dtype: "int32" });
    const b = np.array([0.5]);
    const c = np.concatenate([a, b]);
    expect(c.dtype).toBe("float32");
    expect(c.tolist()).toEqual([1, 2, 0.5]);
    expect(np.concatenate([np.zeros([2, 2]), np.ones([3])], null).shape).toEqual([7]);
    expect(() => np.concatenate([np.zeros([2, 3]), np.zeros([3, 4])])).toThrow(TypeError); // as JAX
    expect(() => np.concatenate([np.zeros([2, 3]), np.zeros([3, 4])])).toThrow(/concatenate: .*\(2, 3\), \(3, 4\) along axis 0/);
    expect(() => np.concatenate([np.zeros([2, 3]), np.zeros([3])])).toThrow(/concatenate: .*same number of dimensions.*\(2, 3\), \(3,\)/);
    expect(() => np.concatenate([])).toThrow(ValueError);
    expect(() => np.concatenate([np.zeros([])])).toThrow(/zero-dimensional/);
    expect(() => np.stack([np.zeros([2]), np.zeros([3])])).toThrow(/stack: all input arrays must have the same shape, got \(2,\), \(3,\)/);
  });

  it("hstack / vstack / dstack / columnStack", () => {
    const a = np.arange(3);
    const b = np.arange(3, 6);
    expect(np.hstack([a, b]).tolist()).toEqual([0, 1, 2, 3, 4, 5]);
    expect(np.vstack([a, b]).tolist()).toEqual([
      [0, 1, 2],
      [3, 4, 5],
    ]);
    expect(np.hstack([np.zeros([2, 1]), np.ones([2, 2])]).shape).toEqual([2, 3]);
    expect(np.dstack([a, b]).shape).toEqual([1, 3, 2]);
    expect(np.columnStack([a, b]).tolist()).toEqual([
      [0, 3],
      [1, 4],
      [2, 5],
    ]);
  });
});

// --- tile, repeat -------------------------------------------------------------------------------

describe("tile / repeat", () => {
  it("tile matches the model", () => {
    fc.assert(
      fc.property(shapeArb(0, 3, 3), fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 4 }), (shape, reps) => {
        const m = iotaNd(shape);
        const n = Math.max(shape.length, reps.length);
        const s = [...Array(n - shape.length).fill(1), ...shape];
        const r = [...Array(n - reps.length).fill(1), ...reps];
        const padded: Nd = { shape: s, data: m.data };
        const model = build(
          s.map((d, i) => d * r[i]!),
          (idx) => get(padded, idx.map((v, i) => v % s[i]!)),
        );
        expectNd(np.tile(toNp(m), reps), model);
      }),
    );
  });

  it("repeat with a scalar or per-element counts matches the model", () => {
    fc.assert(
      fc.property(shapeArb(1, 3, 4), fc.nat(10), fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 4, maxLength: 4 }), fc.boolean(), (shape, axisPick, counts, flat) => {
        const m = iotaNd(shape);
        const axis = flat ? null : axisPick % shape.length;
        const src: Nd = axis === null ? { shape: [m.data.length], data: m.data } : m;
        const ax = axis ?? 0;
        const n = src.shape[ax]!;
        const perElement = axisPick % 2 === 0;
        const reps = perElement ? [...Array(n).keys()].map((i) => counts[i % 4]!) : counts[0]!;
        const srcIdx: number[] = [];
        for (let i = 0; i < n; i++) for (let k = 0; k < (typeof reps === "number" ? reps : reps[i]!); k++) srcIdx.push(i);
        const outShape = [...src.shape];
        outShape[ax] = srcIdx.length;
        const model = build(outShape, (idx) => {
          const s = [...idx];
          s[ax] = srcIdx[idx[ax]!]!;
          return get(src, s);
        });
        expectNd(np.repeat(toNp(m), reps, axis), model);
      }),
    );
  });

  it("repeat errors", () => {
    expect(() => np.repeat(np.zeros([3]), [1, 2])).toThrow(ValueError);
    expect(() => np.repeat(np.zeros([3]), [1, 2])).toThrow(/repeat: repeats has 2 entries but axis 0 .*\(3,\) has size 3/);
    expect(() => np.repeat(np.zeros([3]), -1)).toThrow(ValueError);
  });
});

// --- pad ----------------------------------------------------------------------------------------

type Mode = "constant" | "edge" | "reflect" | "symmetric" | "wrap";

/** The source coordinate for padded coordinate p (relative to the first element), written as NumPy describes each mode. */
function padSourceModel(mode: Exclude<Mode, "constant">, p: number, n: number): number {
  switch (mode) {
    case "edge":
      return p < 0 ? 0 : p >= n ? n - 1 : p;
    case "wrap":
      while (p < 0) p += n;
      while (p >= n) p -= n;
      return p;
    case "reflect":
      if (n === 1) return 0;
      while (p < 0 || p >= n) {
        if (p < 0) p = -p;
        if (p >= n) p = 2 * (n - 1) - p;
      }
      return p;
    case "symmetric":
      while (p < 0 || p >= n) {
        if (p < 0) p = -p - 1;
        if (p >= n) p = 2 * n - 1 - p;
      }
      return p;
  }
}

function padModel(m: Nd, widths: readonly [number, number][], mode: Mode, value: number): Nd {
  return build(
    m.shape.map((d, i) => d + widths[i]![0] + widths[i]![1]),
    (idx) => {
      const src = idx.map((v, i) => v - widths[i]![0]);
      if (mode === "constant") return src.every((s, i) => s >= 0 && s < m.shape[i]!) ? get(m, src) : value;
      return get(
        m,
        src.map((s, i) => padSourceModel(mode, s, m.shape[i]!)),
      );
    },
  );
}

describe("pad", () => {
  it("every mode matches the model, pad widths larger than the array included", () => {
    fc.assert(
      fc.property(
        shapeArb(0, 3, 4, 1),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 7 }), fc.integer({ min: 0, max: 7 })), { minLength: 3, maxLength: 3 }),
        fc.constantFrom<Mode>("constant", "edge", "reflect", "symmetric", "wrap"),
        (shape, ws, mode) => {
          const m = iotaNd(shape);
          const widths = shape.map((_, i) => ws[i]!);
          const opts = mode === "constant" ? { mode, constantValues: -1 } : { mode };
          expectNd(np.pad(toNp(m), widths, opts), padModel(m, widths, mode, -1));
        },
      ),
    );
  });

  it("padWidth forms: int, [before, after], [[before, after]], per axis", () => {
    const m = iotaNd([2, 3]);
    const x = toNp(m);
    expectNd(np.pad(x, 1), padModel(m, [[1, 1], [1, 1]], "constant", 0));
    expectNd(np.pad(x, [1, 2]), padModel(m, [[1, 2], [1, 2]], "constant", 0));
    expectNd(np.pad(x, [[2, 0]]), padModel(m, [[2, 0], [2, 0]], "constant", 0));
    expectNd(np.pad(x, [[0, 1], [2, 3]], "edge"), padModel(m, [[0, 1], [2, 3]], "edge", 0));
    expectNd(np.pad(x, [3]), padModel(m, [[3, 3], [3, 3]], "constant", 0));
  });

  it("matches NumPy on known values", () => {
    const x = np.array([1, 2, 3]);
    expect(np.pad(x, [7, 8], { mode: "reflect" }).tolist()).toEqual([2, 3, 2, 1, 2, 3, 2, 1, 2, 3, 2, 1, 2, 3, 2, 1, 2, 3]);
    expect(np.pad(x, [7, 8], { mode: "symmetric" }).tolist()).toEqual([1, 1, 2, 3, 3, 2, 1, 1, 2, 3, 3, 2, 1, 1, 2, 3, 3, 2]);
    expect(np.pad(x, [7, 8], { mode: "wrap" }).tolist()).toEqual([3, 1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2]);
    expect(np.pad(np.array([1]), [3, 2], "reflect").tolist()).toEqual([1, 1, 1, 1, 1, 1]);
  });

  it("per-axis constant values and dtype", () => {
    const x = np.ones([1, 1], { dtype: "int32" });
    const y = np.pad(x, 1, { constantValues: [[5, 6], [7, 8]] });
    expect(y.dtype).toBe("int32");
    expect(y.tolist()).toEqual([
      [7, 5, 8],
      [7, 1, 8],
      [7, 6, 8],
    ]);
    expect((np.pad(x, 1, { constantValues: 2.7 }).tolist() as number[][])[0]).toEqual([2, 2, 2]);
  });

  it("errors", () => {
    expect(() => np.pad(np.zeros([2]), -1)).toThrow(ValueError);
    expect(() => np.pad(np.zeros([2, 2]), [[1, 1], [1, 1], [1, 1]])).toThrow(/pad: padWidth/);
    expect(() => np.pad(np.zeros([0]), 1, "edge")).toThrow(/can't extend empty axis 0/);
    expect(() => np.pad(np.zeros([2]), 1, { mode: "median" as "edge" })).toThrow(/pad: mode "median" is not supported/);
  });
});

// --- flip, roll ----------------------------------------------------------------------------------

describe("flip / roll / rot90", () => {
  it("flip matches the model", () => {
    fc.assert(
      fc.property(shapeArb(0, 4), fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }), fc.boolean(), (shape, which, all) => {
        const m = iotaNd(shape);
        const axes = all ? null : shape.flatMap((_, i) => (which[i] ? [i] : []));
        const flipped = (i: number) => axes === null || axes.includes(i);
        const model = build(shape, (idx) => get(m, idx.map((v, i) => (flipped(i) ? shape[i]! - 1 - v : v))));
        expectNd(np.flip(toNp(m), axes), model);
      }),
    );
  });

  it("roll matches the model, with several shifts and axes", () => {
    fc.assert(
      fc.property(
        shapeArb(1, 3, 4),
        fc.array(fc.tuple(fc.integer({ min: -9, max: 9 }), fc.nat(5)), { minLength: 1, maxLength: 3 }),
        fc.boolean(),
        (shape, pairs, flat) => {
          const m = iotaNd(shape);
          if (flat) {
            const n = m.data.length;
            const s = pairs[0]![0];
            const model = build([n], ([i]) => m.data[(((i! - s) % n) + n) % n]!);
            expectNd(np.roll(toNp(m), s), { shape, data: n === 0 ? [] : model.data });
            return;
          }
          const shifts = pairs.map(([s]) => s);
          const axes = pairs.map(([, a]) => a % shape.length);
          const total = shape.map((_, d) => axes.reduce((t, a, k) => t + (a === d ? shifts[k]! : 0), 0));
          const model = build(shape, (idx) => get(m, idx.map((v, d) => (((v - total[d]!) % shape[d]!) + shape[d]!) % shape[d]!)));
          expectNd(np.roll(toNp(m), shifts, axes), model);
        },
      ),
    );
  });

  it("roll by a traced shift", () => {
    const x = np.arange(10).reshape([2, 5]);
    const expected = np.roll(x, 3, 1).tolist();
    expect(np.roll(x, np.array(3, { dtype: "int32" }), 1).tolist()).toEqual(expected);
    expect(np.roll(x, np.array(-7, { dtype: "int32" }), 1).tolist()).toEqual(expected);
    const text = makeJaxpr((a: np.Array, s: np.Array) => np.roll(a, s, 1))(x, np.array(3, { dtype: "int32" })).toString();
    expect(text).toContain("dynamic_slice");
  });

  it("rot90 and fliplr / flipud", () => {
    const x = np.arange(6).reshape([2, 3]);
    expect(np.rot90(x).tolist()).toEqual([
      [2, 5],
      [1, 4],
      [0, 3],
    ]);
    expect(np.rot90(x, 2).tolist()).toEqual([
      [5, 4, 3],
      [2, 1, 0],
    ]);
    expect(np.rot90(x, -1).tolist()).toEqual([
      [3, 0],
      [4, 1],
      [5, 2],
    ]);
    expect(np.fliplr(x).tolist()).toEqual([
      [2, 1, 0],
      [5, 4, 3],
    ]);
    expect(np.flipud(x).tolist()).toEqual([
      [3, 4, 5],
      [0, 1, 2],
    ]);
  });
});

describe("atleast1d / 2d / 3d", () => {
  it("shapes as NumPy", () => {
    const s = np.array(1);
    const v = np.zeros([3]);
    const m = np.zeros([2, 3]);
    expect(np.atleast1d(s).shape).toEqual([1]);
    expect(np.atleast2d(v).shape).toEqual([1, 3]);
    expect(np.atleast3d(s).shape).toEqual([1, 1, 1]);
    expect(np.atleast3d(v).shape).toEqual([1, 3, 1]);
    expect(np.atleast3d(m).shape).toEqual([2, 3, 1]);
    expect(np.atleast1d(s, v).map((a) => a.shape)).toEqual([[1], [3]]);
  });
});

describe("tracing", () => {
  it("shape functions trace to structural primitives", () => {
    const x = np.zeros([2, 3]);
    const text = makeJaxpr((a: np.Array) => np.concatenate([np.flip(a, 0), np.expandDims(a, 0).reshape([2, 3])], 1))(x).toString();
    expect(text).toContain("rev");
    expect(text).toContain("concatenate");
    expect(text).toContain("broadcast_in_dim");
    expect(text).not.toContain("gather");
  });

  it("inputs are left intact", () => {
    const x = np.arange(6).reshape([2, 3]);
    np.pad(x, 1, "wrap");
    np.roll(x, 1);
    np.transpose(x);
    expect(x.tolist()).toEqual([
      [0, 1, 2],
      [3, 4, 5],
    ]);
  });
});
