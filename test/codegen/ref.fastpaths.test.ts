/**
 * The reference interpreter's loops: its index helpers against forEachIndex, and each
 * specialized float loop against the generic definition it stands for, value for value
 * (-0 and NaN included).
 */
import * as E from "fp-ts/lib/Either.js";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ShapedArray, shapeSize, stridesOf } from "../../ir/aval.js";
import { type DType, typedArrayFor } from "../../ir/dtype.js";
import { type Params, type Primitive, binaryKinds, comparisonKinds, inferShapes, unaryKinds } from "../../ir/primitives.js";
import { binaryScalar, comparisonScalar, mapElementwise, unaryScalar } from "../../codegen/ref/elementwise.js";
import { type RefBuffer, evalPrimitiveRef } from "../../codegen/ref/index.js";
import { convertScalar, copyStrided, forEachIndex, mergeDims, opsFor, stridedOffsets } from "../../codegen/ref/util.js";

/** The bytes of a buffer, for comparing to the bit. */
const bytes = (b: RefBuffer) => Array.from(new Uint8Array(b.buffer, b.byteOffset, b.byteLength));

/**
 * The values of a buffer, for toEqual, which compares numbers with Object.is: -0 differs
 * from 0, and every NaN equals every other (V8 does not keep NaN sign and payload bits the
 * same across its tiers, so two runs of the same expression may differ in them).
 */
const numbers = (b: RefBuffer) => Array.from(b);

/** Runs a primitive with the out avals from its shape rule; undefined when the rule rejects the inputs. */
function evalRef<P extends Primitive>(prim: P, inputs: RefBuffer[], inAvals: ShapedArray[], params: Params<P>): RefBuffer[] | undefined {
  const outAvals = inferShapes(prim, inAvals, params);
  if (E.isLeft(outAvals)) return undefined;
  return evalPrimitiveRef(prim, inputs, inAvals, params, outAvals.right);
}

const buffer = (dtype: DType, values: readonly number[]): RefBuffer => {
  const b = typedArrayFor(dtype, values.length);
  b.set(values);
  return b;
};

/** Awkward float values: signed zeros, NaN, infinities, subnormals, huge and tiny, and ordinary ones. */
const specials = [0, -0, NaN, Infinity, -Infinity, 1e-310, -1e-310, 1e-45, 5e-324, 1, -1, 0.5, -0.5, 2, -3.7, 88.7, -745.2, 710, 1e30, -1e30, 3.4e38, 1e300, Math.PI];

describe("index helpers", () => {
  /** A shape (size-0 and size-1 dims included, rank 0 to 4), one stride list per operand, and bases. */
  const arb = (operands: number) =>
    fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 4 }).chain((shape) =>
      fc.tuple(
        fc.constant(shape),
        fc.array(fc.array(fc.integer({ min: -5, max: 5 }), { minLength: shape.length, maxLength: shape.length }), { minLength: operands, maxLength: operands }),
        fc.array(fc.integer({ min: 60, max: 80 }), { minLength: operands, maxLength: operands }),
      ),
    );

  it("stridedOffsets lists base + sum of idx[d] * strides[d] in row-major order (property)", () => {
    fc.assert(
      fc.property(arb(1), ([shape, [strides], [base]]) => {
        const want: number[] = [];
        forEachIndex(shape, (idx) => want.push(idx.reduce((f, v, d) => f + v * strides![d]!, base!)));
        expect(Array.from(stridedOffsets(shape, strides!, base))).toEqual(want);
      }),
    );
  });

  it("mergeDims keeps the offsets visited and their order (property)", () => {
    fc.assert(
      fc.property(arb(2), ([shape, stridesList]) => {
        const { dims, strides } = mergeDims(shape, stridesList);
        expect(dims.length).toBeGreaterThan(0);
        for (let k = 0; k < stridesList.length; k++)
          expect(Array.from(stridedOffsets(Array.from(dims), Array.from(strides[k]!)))).toEqual(Array.from(stridedOffsets(shape, stridesList[k]!)));
      }),
    );
  });

  it("copyStrided does the element moves of a forEachIndex loop, in every dtype (property)", () => {
    const dtypes: DType[] = ["float32", "float64", "int32", "uint32", "bool"];
    fc.assert(
      fc.property(arb(2), fc.constantFrom(...dtypes), ([shape, [ds, ss], [db, sb]], dtype) => {
        const src = buffer(dtype, Array.from({ length: 160 }, (_, i) => (dtype === "bool" ? i % 3 & 1 : dtype === "uint32" ? 0xffffffff - i : i - 80.5)));
        const want = typedArrayFor(dtype, 160);
        forEachIndex(shape, (idx) => {
          const d = idx.reduce((f, v, k) => f + v * ds![k]!, db!);
          const s = idx.reduce((f, v, k) => f + v * ss![k]!, sb!);
          want[d] = src[s]!;
        });
        const got = typedArrayFor(dtype, 160);
        copyStrided(shape, got, db!, ds!, src, sb!, ss!);
        expect(bytes(got)).toEqual(bytes(want));
      }),
    );
  });

  it("copyStrided moves the bits of every dtype", () => {
    const shape = [2, 3];
    const perm = [1, 0];
    for (const dtype of ["float32", "float64", "int32", "uint32", "bool"] as DType[]) {
      const vals = dtype === "bool" ? [1, 0, 1, 1, 0, 0] : dtype === "uint32" ? [0xffffffff, 0, 7, 0x80000000, 1, 2] : [NaN, -0, 1.5, -Infinity, 3, -7];
      const x = buffer(dtype, vals);
      const out = typedArrayFor(dtype, 6);
      const outShape = perm.map((p) => shape[p]!);
      copyStrided(outShape, out, 0, stridesOf(outShape), x, 0, perm.map((p) => stridesOf(shape)[p]!));
      const want = typedArrayFor(dtype, 6);
      forEachIndex(outShape, (idx, flat) => (want[flat] = x[idx[0]! + idx[1]! * 3]!));
      expect(bytes(out)).toEqual(bytes(want));
    }
  });
});

describe("elementwise float loops equal the generic definitions", () => {
  const floats: DType[] = ["float32", "float64"];

  it("every unary primitive", () => {
    for (const dtype of floats) {
      const x = buffer(dtype, specials);
      const aval = new ShapedArray([specials.length], dtype);
      for (const p of Object.keys(unaryKinds) as (keyof typeof unaryKinds)[]) {
        const got = evalRef(p, [x], [aval], {});
        if (got === undefined) continue;
        const f = unaryScalar[p](dtype);
        const want = mapElementwise([x], [aval], new ShapedArray(aval.shape, got[0] instanceof Uint8Array ? "bool" : dtype), (a) => f(a[0]!));
        expect(numbers(got[0]!), `${p} ${dtype}`).toEqual(numbers(want));
      }
    }
  });

  it("every binary and comparison primitive, with rank-0 operands on either side", () => {
    const n = specials.length;
    const lhs = specials.flatMap((a) => specials.map(() => a));
    const rhs = specials.flatMap(() => specials);
    for (const dtype of floats) {
      const shapes: [number[], number[], number[], number[]][] = [
        [[n * n], [n * n], lhs, rhs],
        [[], [n], [-1.5], specials],
        [[n], [], specials, [NaN]],
        [[n], [], specials, [-0]],
        [[], [], [2.5], [-0.5]],
      ];
      for (const [sa, sb, va, vb] of shapes) {
        const [a, b] = [buffer(dtype, va), buffer(dtype, vb)];
        const avals = [new ShapedArray(sa, dtype), new ShapedArray(sb, dtype)];
        const outShape = sa.length > 0 ? sa : sb;
        for (const p of Object.keys(binaryKinds) as (keyof typeof binaryKinds)[]) {
          const got = evalRef(p, [a, b], avals, {});
          if (got === undefined) continue;
          const f = binaryScalar[p](dtype);
          const want = mapElementwise([a, b], avals, new ShapedArray(outShape, dtype), (x) => f(x[0]!, x[1]!));
          expect(numbers(got[0]!), `${p} ${dtype} ${sa} ${sb}`).toEqual(numbers(want));
        }
        for (const p of Object.keys(comparisonKinds) as (keyof typeof comparisonKinds)[]) {
          const got = evalRef(p, [a, b], avals, {})!;
          const f = comparisonScalar[p];
          const want = mapElementwise([a, b], avals, new ShapedArray(outShape, "bool"), (x) => (f(x[0]!, x[1]!) ? 1 : 0));
          expect(numbers(got[0]!), `${p} ${dtype} ${sa} ${sb}`).toEqual(numbers(want));
        }
      }
    }
  });

  it("two-way selectN equals the clamped n-way rule, for bool and int32 predicates and every case dtype", () => {
    const which: [DType, number[]][] = [
      ["bool", [0, 1, 1, 0, 1, 0]],
      ["int32", [-2, 0, 1, 2, 5, -1]],
    ];
    for (const [wd, wv] of which)
      for (const dtype of ["float32", "float64", "int32", "uint32", "bool"] as DType[]) {
        const cases = dtype === "bool" ? [[1, 1, 0, 0, 1, 0], [0, 1, 1, 0, 0, 1]] : [[NaN, -0, 3, 4, 5, 6], [10, 20, -30, 0xff, 0, -0]];
        const w = buffer(wd, wv);
        for (const [sw, s0] of [[6, 6], [0, 6], [6, 0]] as const) {
          const avals = [new ShapedArray(sw ? [6] : [], wd), new ShapedArray(s0 ? [6] : [], dtype), new ShapedArray([6], dtype)];
          const ins = [sw ? w : w.slice(0, 1), s0 ? buffer(dtype, cases[0]!) : buffer(dtype, [cases[0]![0]!]), buffer(dtype, cases[1]!)];
          const got = evalRef("selectN", ins, avals, {})!;
          const want = mapElementwise(ins, avals, new ShapedArray([6], dtype), (a) => a[1 + Math.min(Math.max(a[0]!, 0), 1)]!);
          expect(numbers(got[0]!), `${wd} ${dtype}`).toEqual(numbers(want));
        }
      }
  });

  it("convertElementType to a float equals convertScalar", () => {
    const inputs: [DType, number[]][] = [
      ["float32", specials],
      ["float64", specials],
      ["int32", [0, -1, 0x7fffffff, -0x80000000, 16777217, -16777217, 123456789]],
      ["uint32", [0, 1, 0xffffffff, 0x80000000, 16777217, 4294967041]],
      ["bool", [0, 1, 1, 0]],
    ];
    for (const [from, vals] of inputs)
      for (const to of ["float32", "float64"] as DType[]) {
        const x = buffer(from, vals);
        const aval = new ShapedArray([vals.length], from);
        const got = evalRef("convertElementType", [x], [aval], { newDtype: to, weakType: false })!;
        const want = mapElementwise([x], [aval], new ShapedArray(aval.shape, to), (a) => convertScalar(a[0]!, from, to));
        expect(numbers(got[0]!), `${from} -> ${to}`).toEqual(numbers(want));
      }
  });
});

// ---------------------------------------------------------------------------------------
// Reductions, windows and contractions on float data, against direct models that add in
// the order the definitions give (so results are equal, not merely close).

/** Random floats with a few awkward values mixed in, rounded to the dtype. */
const floatData = (n: number, seed: number, dtype: DType, awkward = true): RefBuffer => {
  let s = seed >>> 0 || 1;
  const next = () => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return s / 2 ** 32;
  };
  const vals = Array.from({ length: n }, () => {
    const u = next();
    if (awkward && u < 0.03) return [NaN, -0, Infinity, -Infinity][Math.floor(next() * 4)]!;
    return (next() - 0.5) * 10;
  });
  return buffer(dtype, vals);
};

const shapeArb = (maxRank: number, maxDim = 4) => fc.array(fc.integer({ min: 0, max: maxDim }), { maxLength: maxRank });

describe("float reductions equal a fold in input order", () => {
  const cases = [
    ["reduceSum", (a: number, b: number) => a + b, 0],
    ["reduceProd", (a: number, b: number) => a * b, 1],
    ["reduceMax", Math.max, -Infinity],
    ["reduceMin", Math.min, Infinity],
  ] as const;
  it("sum / prod / max / min over any axes (property)", () => {
    const arb = shapeArb(4).chain((shape) => fc.tuple(fc.constant(shape), fc.subarray([...shape.keys()]), fc.integer(), fc.constantFrom<DType>("float32", "float64")));
    fc.assert(
      fc.property(arb, ([shape, axes, seed, dtype]) => {
        const x = floatData(shapeSize(shape), seed, dtype);
        const kept = shape.map((_, d) => d).filter((d) => !axes.includes(d));
        const outShape = kept.map((d) => shape[d]!);
        const outStrides = stridesOf(outShape);
        for (const [prim, f, init] of cases) {
          const acc = new Float64Array(shapeSize(outShape)).fill(init);
          forEachIndex(shape, (idx, flat) => {
            const o = kept.reduce((p, d, j) => p + idx[d]! * outStrides[j]!, 0);
            acc[o] = f(acc[o]!, x[flat]!);
          });
          const want = typedArrayFor(dtype, acc.length);
          want.set(acc);
          const got = evalRef(prim, [x], [new ShapedArray(shape, dtype)], { axes })!;
          expect(numbers(got[0]!), prim).toEqual(numbers(want));
        }
      }),
    );
  });
});

describe("float reduceWindow equals skipping padding and dilation holes", () => {
  it("sum / max / min in 2-D with strides, padding (negative too), base and window dilation (property)", () => {
    const pair = (lo: number, hi: number) => fc.tuple(fc.integer({ min: lo, max: hi }), fc.integer({ min: lo, max: hi }));
    const arb = fc.record({
      shape: pair(0, 5),
      win: pair(1, 3),
      strides: pair(1, 2),
      padding: fc.tuple(pair(-1, 2), pair(-1, 2)),
      base: pair(1, 2),
      wdil: pair(1, 2),
      seed: fc.integer(),
      dtype: fc.constantFrom<DType>("float32", "float64"),
    });
    const ops = [
      ["reduceWindowSum", (a: number, b: number) => a + b, 0],
      ["reduceWindowMax", Math.max, -Infinity],
      ["reduceWindowMin", Math.min, Infinity],
    ] as const;
    fc.assert(
      fc.property(arb, (c) => {
        const x = floatData(shapeSize(c.shape), c.seed, c.dtype);
        const params = { windowDimensions: c.win, windowStrides: c.strides, padding: c.padding, baseDilation: c.base, windowDilation: c.wdil };
        const inAval = new ShapedArray(c.shape, c.dtype);
        for (const [prim, f, id] of ops) {
          const got = evalRef(prim, [x], [inAval], params);
          if (got === undefined) continue;
          const outShape = inferShapes(prim, [inAval], params);
          if (E.isLeft(outShape)) continue;
          const acc: number[] = [];
          forEachIndex(outShape.right[0]!.shape, (o) => {
            let a = id;
            forEachIndex(c.win, (w) => {
              const src: number[] = [];
              for (let d = 0; d < 2; d++) {
                const pos = o[d]! * c.strides[d]! + w[d]! * c.wdil[d]! - c.padding[d]![0];
                if (pos < 0 || pos % c.base[d]! !== 0 || pos / c.base[d]! >= c.shape[d]!) return;
                src.push(pos / c.base[d]!);
              }
              a = f(a, x[src[0]! * c.shape[1]! + src[1]!]!);
            });
            acc.push(a);
          });
          expect(numbers(got[0]!), prim).toEqual(numbers(buffer(c.dtype, acc)));
        }
      }),
    );
  });
});

describe("float contractions equal the direct sums, added in the definitions' order", () => {
  it("dotGeneral: out[b, i, j] adds lhs[b, i, c] * rhs[b, j, c] over c in row-major order (property)", () => {
    const arb = fc.record({
      b: fc.integer({ min: 0, max: 2 }),
      m: fc.integer({ min: 0, max: 4 }),
      n: fc.integer({ min: 0, max: 4 }),
      k: fc.tuple(fc.integer({ min: 0, max: 4 }), fc.integer({ min: 1, max: 3 })),
      rhsTransposed: fc.boolean(),
      seed: fc.integer(),
      dtype: fc.constantFrom<DType>("float32", "float64"),
    });
    fc.assert(
      fc.property(arb, (c) => {
        // lhs [b, m, k0, k1]; rhs [b, k0, k1, n] or [b, n, k0, k1].
        const [k0, k1] = c.k;
        const lShape = [c.b, c.m, k0, k1];
        const rShape = c.rhsTransposed ? [c.b, c.n, k0, k1] : [c.b, k0, k1, c.n];
        const lhs = floatData(shapeSize(lShape), c.seed, c.dtype);
        const rhs = floatData(shapeSize(rShape), c.seed + 1, c.dtype);
        const rc = c.rhsTransposed ? [2, 3] : [1, 2];
        const got = evalRef("dotGeneral", [lhs, rhs], [new ShapedArray(lShape, c.dtype), new ShapedArray(rShape, c.dtype)], {
          dimensionNumbers: [
            [[2, 3], rc],
            [[0], [0]],
          ],
          preferredElementType: null,
        } as Params<"dotGeneral">)!;
        const [ls, rs] = [stridesOf(lShape), stridesOf(rShape)];
        const want: number[] = [];
        forEachIndex([c.b, c.m, c.n], ([b, i, j]) => {
          let acc = 0;
          forEachIndex([k0, k1], ([p, q]) => {
            const r = c.rhsTransposed ? b! * rs[0]! + j! * rs[1]! + p! * rs[2]! + q! : b! * rs[0]! + p! * rs[1]! + q! * rs[2]! + j!;
            acc += lhs[b! * ls[0]! + i! * ls[1]! + p! * ls[2]! + q!]! * rhs[r]!;
          });
          want.push(acc);
        });
        expect(numbers(got[0]!)).toEqual(numbers(buffer(c.dtype, want)));
      }),
    );
  });

  it("convGeneralDilated: kernel positions in row-major order, then input features; feature and batch groups (property)", () => {
    const arb = fc.record({
      n: fc.integer({ min: 1, max: 2 }),
      hw: fc.tuple(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 5 })),
      cg: fc.integer({ min: 1, max: 3 }),
      og: fc.integer({ min: 1, max: 3 }),
      groups: fc.integer({ min: 1, max: 3 }),
      byBatch: fc.boolean(),
      k: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })),
      strides: fc.tuple(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 3 })),
      padding: fc.tuple(fc.tuple(fc.integer({ min: -1, max: 2 }), fc.integer({ min: -1, max: 2 })), fc.tuple(fc.integer({ min: -1, max: 2 }), fc.integer({ min: -1, max: 2 }))),
      lhsDilation: fc.tuple(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 2 })),
      rhsDilation: fc.tuple(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 2 })),
      nchw: fc.boolean(),
      seed: fc.integer(),
      dtype: fc.constantFrom<DType>("float32", "float64"),
    });
    fc.assert(
      fc.property(arb, (c) => {
        // Logical shapes: lhs (N, C, H, W), rhs (O, I, KH, KW), out (N', O, OH, OW).
        const G = c.byBatch ? 1 : c.groups;
        const B = c.byBatch ? c.groups : 1;
        const N = c.n * B;
        const [I, O] = [c.cg, c.og * c.groups];
        const C = I * G;
        const lhsSpec = c.nchw ? [0, 1, 2, 3] : [0, 3, 1, 2];
        const rhsSpec = c.nchw ? [0, 1, 2, 3] : [3, 2, 0, 1];
        const outSpec = lhsSpec;
        const physical = (spec: number[], logical: number[]) => {
          const shape = new Array<number>(4);
          spec.forEach((d, k) => (shape[d] = logical[k]!));
          return shape;
        };
        const lShape = physical(lhsSpec, [N, C, ...c.hw]);
        const rShape = physical(rhsSpec, [O, I, ...c.k]);
        const lhs = floatData(shapeSize(lShape), c.seed, c.dtype, false);
        const rhs = floatData(shapeSize(rShape), c.seed + 3, c.dtype, false);
        const params = {
          windowStrides: c.strides,
          padding: c.padding,
          lhsDilation: c.lhsDilation,
          rhsDilation: c.rhsDilation,
          dimensionNumbers: { lhsSpec, rhsSpec, outSpec },
          featureGroupCount: G,
          batchGroupCount: B,
          preferredElementType: null,
        } as Params<"convGeneralDilated">;
        const inAvals = [new ShapedArray(lShape, c.dtype), new ShapedArray(rShape, c.dtype)];
        const outAvals = inferShapes("convGeneralDilated", inAvals, params);
        if (E.isLeft(outAvals)) return;
        const got = evalPrimitiveRef("convGeneralDilated", [lhs, rhs], inAvals, params, outAvals.right)[0]!;
        const outShape = outAvals.right[0]!.shape;
        const [ls, rs, os] = [stridesOf(lShape), stridesOf(rShape), stridesOf(outShape)];
        const at = (spec: number[], strides: number[], logical: number[]) => logical.reduce((f, v, k) => f + v * strides[spec[k]!]!, 0);
        const want = typedArrayFor(c.dtype, got.length);
        const logicalOut = outSpec.map((d) => outShape[d]!);
        forEachIndex(logicalOut, ([n, o, p, q]) => {
          const g = Math.floor(o! / (O / G));
          const bg = Math.floor(o! / (O / B));
          let acc = 0;
          forEachIndex(c.k, ([kh, kw]) => {
            const x = [p! * c.strides[0] + kh! * c.rhsDilation[0] - c.padding[0][0], q! * c.strides[1] + kw! * c.rhsDilation[1] - c.padding[1][0]];
            const xi = x.map((v, s) => v / c.lhsDilation[s]!);
            if (x.some((v, s) => v < 0 || v % c.lhsDilation[s]! !== 0 || xi[s]! >= c.hw[s]!)) return;
            for (let i = 0; i < I; i++) acc += lhs[at(lhsSpec, ls, [bg * c.n + n!, g * I + i, xi[0]!, xi[1]!])]! * rhs[at(rhsSpec, rs, [o!, i, kh!, kw!])]!;
          });
          want[at(outSpec, os, [n!, o!, p!, q!])] = acc;
        });
        expect(numbers(got)).toEqual(numbers(want));
      }),
    );
  });
});
