/**
 * Random convolution geometry for the direct-convolution tests (float32 and int8): 1-3 spatial
 * dims, batch, feature groups, kernel sizes, strides, asymmetric and negative padding, rhs
 * dilation and a random layout of each operand, as fast-check arbitraries and the one-equation
 * jaxpr they describe.
 */
import fc from "fast-check";
import type { DType } from "../../ir/dtype.js";
import type { Params } from "../../ir/primitives.js";
import { aval, primJaxpr } from "./helpers.js";

/** A random permutation of [0, n) from a seed (the layout of a convolution's operand). */
export function perm(n: number, seed: number): number[] {
  const p = Array.from({ length: n }, (_, i) => i);
  let s = seed;
  for (let i = n - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) >>> 0;
    const j = s % (i + 1);
    [p[i], p[j]] = [p[j]!, p[i]!];
  }
  return p;
}

const dims = (min: number, max: number) => fc.array(fc.integer({ min, max }), { minLength: 3, maxLength: 3 });

/** The geometry with input features per group from `I` and the test's own fields (`extra`, drawn after the layout). */
export function geometryArb<X extends object>(I: fc.Arbitrary<number>, extra: { [K in keyof X]: fc.Arbitrary<X[K]> }): fc.Arbitrary<ConvGeometry & X & { seed: number }> {
  return fc.record({
    nsp: fc.integer({ min: 1, max: 3 }),
    nb: fc.integer({ min: 1, max: 3 }),
    I,
    og: fc.integer({ min: 1, max: 18 }),
    groups: fc.integer({ min: 1, max: 2 }),
    inSize: dims(1, 9),
    kSize: dims(1, 5),
    stride: dims(1, 3),
    pad: fc.array(fc.tuple(fc.integer({ min: -1, max: 4 }), fc.integer({ min: -1, max: 4 })), { minLength: 3, maxLength: 3 }),
    rhsDil: dims(1, 2),
    layout: fc.integer({ min: 0, max: 1 << 20 }),
    ...extra,
    seed: fc.integer({ min: 0, max: 1 << 20 }),
  }) as fc.Arbitrary<ConvGeometry & X & { seed: number }>;
}

export interface ConvGeometry {
  nsp: number;
  nb: number;
  I: number;
  og: number;
  groups: number;
  inSize: number[];
  kSize: number[];
  stride: number[];
  pad: [number, number][];
  rhsDil: number[];
  layout: number;
}

/** The convolution a geometry describes, as a one-equation jaxpr (throws for an empty or negative output size). */
export function convJaxpr(c: ConvGeometry, dtypes: readonly [DType, DType], preferredElementType: DType | null = null) {
  const sp = <T>(xs: T[]) => xs.slice(0, c.nsp);
  const nd = c.nsp + 2;
  const [lhsSpec, rhsSpec, outSpec] = [perm(nd, c.layout), perm(nd, c.layout + 1), perm(nd, c.layout + 2)];
  const place = (spec: number[], [b, f]: [number, number], spatial: number[]) => {
    const shape = new Array<number>(nd);
    shape[spec[0]!] = b;
    shape[spec[1]!] = f;
    spatial.forEach((n, s) => (shape[spec[s + 2]!] = n));
    return shape;
  };
  const p: Params<"convGeneralDilated"> = {
    windowStrides: sp(c.stride),
    padding: sp(c.pad) as never,
    lhsDilation: sp(c.stride).map(() => 1),
    rhsDilation: sp(c.rhsDil),
    dimensionNumbers: { lhsSpec, rhsSpec, outSpec },
    featureGroupCount: c.groups,
    batchGroupCount: 1,
    preferredElementType,
  };
  const lhs = place(lhsSpec, [c.nb, c.I * c.groups], sp(c.inSize));
  const rhs = place(rhsSpec, [c.og * c.groups, c.I], sp(c.kSize));
  return primJaxpr("convGeneralDilated", [aval(lhs, dtypes[0]), aval(rhs, dtypes[1])], p);
}
