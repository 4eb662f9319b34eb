/**
 * vmap through control flow against golden values from real JAX in float64
 * (test/golden/control_flow_vmap.py writes test/golden/control_flow_vmap.json; CI needs no
 * Python). `makeCases` is the twin of the Python `@case` functions: same keys, same order, the
 * same function written with jaxts. Every case runs four ways against the same JAX values:
 * as it is, with every vmapped function jitted first (vmap(jit(f))), as one jitted function on
 * the default device, and as one jitted function on the cpu reference device.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { grad, jit, lax, makeJaxpr, numpy as np, vmap as vmap0 } from "../../src/index.js";
import { type GoldenCase, compareTree, decodeInput } from "../goldenTree.js";

type A = np.Array;
type Fn = (...xs: A[]) => unknown;

const golden = JSON.parse(readFileSync(new URL("../golden/control_flow_vmap.json", import.meta.url), "utf8")) as { source: string; cases: GoldenCase[] };

const f64 = (v: number) => np.array(v, { dtype: "float64" });
const i32 = (v: number) => np.array(v, { dtype: "int32" });

function makeCases(vmap: typeof vmap0): Record<string, Fn> {
  const BR3 = [(a: A) => a, (a: A) => np.sin(a), (a: A) => np.multiply(np.negative(a), 2)];
  return {
    // --- cond and switch
    cond_batched_pred: (x) =>
      vmap((v: A) =>
        lax.cond(
          np.greater(np.sum(v), 0),
          (a: A) => np.multiply(np.sin(a), 2),
          (a: A) => np.subtract(a, 1),
          v,
        ),
      )(x),
    cond_batched_pred_untaken_nan_branch: (x) => vmap((v: A) => lax.cond(np.greaterEqual(v, 0), (a: A) => np.sqrt(a), (a: A) => np.negative(a), v))(x),
    cond_unbatched_pred_batched_operand: (s, x) => {
      const f = (t: A, v: A) =>
        lax.cond(
          np.greater(t, 0),
          (a: A) => np.multiply(a, t),
          (a: A) => np.cos(a),
          v,
        );
      const g = vmap(f, { inAxes: [null, 0] });
      return [g(s, x), g(np.negative(s!), x)];
    },
    cond_output_batched_in_one_branch: (x) => {
      const f = (p: boolean) =>
        vmap((v: A) =>
          lax.cond(
            p,
            () => np.zeros([3], { dtype: "float64" }),
            (a: A) => np.multiply(a, 2),
            v,
          ),
        )(x);
      return [f(true), f(false)];
    },
    cond_batched_consts_pytree: (x, w, b) =>
      vmap((v: A, ww: A) =>
        lax.cond(
          np.greater(ww, 0),
          (o: { x: A }) => [np.add(np.multiply(o.x, ww), b!), np.sum(o.x)],
          (o: { x: A }) => [np.subtract(o.x, b!), np.multiply(ww, 1)],
          { x: v },
        ),
      )(x, w),
    switch_batched_index_clamped: (i, x) => vmap((j: A, v: A) => lax.switch(j, BR3, v))(i, x),
    switch_unbatched_index: (ks, x) => {
      const g = vmap((j: A, v: A) => lax.switch(j, BR3, v), { inAxes: [null, 0] });
      return [0, 1, 2].map((k) => g(ks!.slice(k), x));
    },
    switch_batched_index_unbatched_operand: (i, x) => vmap((j: A) => lax.switch(j, BR3, x!))(i),

    // --- whileLoop and foriLoop
    while_batched_pred_per_lane_counts: (n, x) =>
      vmap((m: A, v: A) =>
        lax.whileLoop(
          (c: A[]) => np.less(c[0]!, m),
          (c: A[]) => [np.add(c[0]!, 1), np.add(np.multiply(c[1]!, 0.9), v)],
          [i32(0), v],
        ),
      )(n, x),
    while_unbatched_pred_batched_carry: (x) =>
      vmap((v: A) =>
        lax.whileLoop(
          (c: A[]) => np.less(c[0]!, 4),
          (c: A[]) => [np.add(c[0]!, 1), np.add(np.sin(c[1]!), v)],
          [i32(0), v],
        ),
      )(x),
    while_carry_batched_by_body: (x, s) =>
      vmap((v: A) =>
        lax.whileLoop(
          (c: A[]) => np.less(c[0]!, 3),
          (c: A[]) => [np.add(c[0]!, 1), np.add(np.multiply(c[1]!, v), 1), np.add(c[2]!, c[1]!)],
          [i32(0), s!, s!],
        ),
      )(x),
    while_batched_cond_const: (limit) =>
      vmap((l: A) =>
        lax.whileLoop(
          (c: A[]) => np.less(c[1]!, l),
          (c: A[]) => [np.add(c[0]!, 1), np.add(np.multiply(c[1]!, 1.5), 1)],
          [i32(0), f64(0)],
        ),
      )(limit),
    fori_traced_batched_bounds: (lo, hi, x) =>
      vmap((a: A, b: A, v: A) => lax.foriLoop(a, b, (i: A, c: A) => np.add(np.multiply(c, 0.5), np.multiply(i, v)), v))(lo, hi, x),
    fori_traced_unbatched_bounds: (bounds, x) => {
      const g = vmap((a: A, b: A, v: A) => lax.foriLoop(a, b, (i: A, c: A) => np.add(np.multiply(c, 0.5), np.multiply(i, v)), v), { inAxes: [null, null, 0] });
      return g(bounds!.slice(0), bounds!.slice(1), x);
    },
    fori_static_bounds_batched_carry: (x) => vmap((v: A) => lax.foriLoop(0, 4, (i: A, c: A) => np.add(np.sin(c), i), v))(x),
    vmap_of_vmap_while_counts: (n, x) => {
      const f = (m: A, v: A) =>
        lax.whileLoop(
          (c: A[]) => np.less(c[0]!, m),
          (c: A[]) => [np.add(c[0]!, 1), np.add(c[1]!, np.multiply(v, c[1]!))],
          [i32(0), f64(1)],
        );
      return vmap(vmap(f))(n, x);
    },

    // --- scan
    scan_batched_xs_axis1_unbatched_init: (xs, c0) => {
      const f = (c: A, seq: A) => lax.scan((c: A, x: A) => [np.add(np.multiply(c, 0.5), x), np.sum(np.multiply(c, x))], c, seq);
      return vmap(f, { inAxes: [null, 1] })(c0, xs);
    },
    scan_batched_consts_only: (xs, w) => vmap((ww: A) => lax.scan((c: A, x: A) => [np.add(c, np.multiply(x, ww)), np.multiply(c, ww)], np.zeros([2], { dtype: "float64" }), xs))(w),
    scan_reverse_unroll_pytree: (xs, a0, b0) =>
      vmap((seq: A, a: A) =>
        lax.scan(
          (c: { a: A; b: A }, x: { u: A; v: A }) => [
            { a: np.add(np.multiply(c.a, x.u), c.b), b: np.tanh(np.add(c.b, x.v)) },
            [np.subtract(c.a, x.u), { y: np.sum(c.b) }],
          ],
          { a, b: b0! },
          { u: seq, v: np.multiply(seq, 2) },
          { reverse: true, unroll: 2 },
        ),
      )(xs, a0),
    scan_unbatched_carry_part_and_ys: (x, ks) =>
      vmap((v: A) => lax.scan((c: A[], k: A) => [[np.add(c[0]!, k), np.add(np.multiply(c[1]!, 0.5), v)], np.multiply(k, 2)], [f64(0), v], ks))(x),
    scan_carry_batched_by_body: (w, xs) => vmap((ww: A) => lax.scan((c: A, x: A) => [np.add(np.multiply(c, ww), x), c], f64(1), xs))(w),
    scan_in_out_axes: (c, xs) => {
      const f = (cc: A, seq: A) => lax.scan((carry: A, t: A) => [np.add(np.multiply(carry, t), 1), np.subtract(carry, t)], cc, seq);
      return vmap(f, { inAxes: [1, 0], outAxes: [0, 1] })(c, xs);
    },

    // --- compositions
    vmap_of_vmap_scan: (x) => {
      const f = (v: A) => lax.scan((c: A, t: A) => [np.add(c, t), np.multiply(c, t)], f64(0), v);
      return vmap(vmap(f, { inAxes: 1 }), { inAxes: 0 })(x);
    },
    vmap_jit_scan_and_jit_vmap_scan: (x) => {
      const f = (v: A) => lax.scan((c: A, t: A) => [np.add(np.multiply(np.sin(c), 0.5), t), c], f64(0), v);
      return [vmap(jit(f))(x), jit(vmap(f))(x)];
    },
    vmap_inside_scan_body: (xs, w) =>
      vmap((ww: A) =>
        lax.scan(
          (c: A, x: A) => {
            const y = vmap((r: A) => np.add(np.dot(r, ww), c))(x);
            return [np.add(c, np.sum(y)), y];
          },
          f64(0),
          xs,
        ),
      )(w),
    nested_scan_while_cond: (x, n) =>
      vmap((v: A, m: A) =>
        lax.scan(
          (c: A, t: A) => {
            const [k, acc] = lax.whileLoop(
              (s: A[]) => np.less(s[0]!, m),
              (s: A[]) => [np.add(s[0]!, 1), np.add(np.multiply(s[1]!, 0.5), t)],
              [i32(0), c],
            );
            const out = lax.cond(
              np.greater(acc!, 0),
              (a: A) => np.subtract(a, 1),
              (a: A) => np.multiply(a, a),
              acc,
            );
            return [out, k];
          },
          f64(0.5),
          v,
        ),
      )(x, n),
    nested_scan_in_scan: (x) =>
      vmap((m: A) =>
        lax.scan(
          (c: A, row: A) => lax.scan((a: A, t: A) => [np.add(np.multiply(a, 0.5), np.multiply(t, c)), a], c, row),
          f64(1),
          m,
        ),
      )(x),
    map_batch_size_under_vmap: (x) => vmap((v: A) => lax.map((r: A) => np.multiply(np.sum(np.sin(r)), r), v, { batchSize: 3 }))(x),
    map_of_vmapped_cond: (x) =>
      lax.map(
        (r: A) =>
          lax.cond(
            np.greater(np.sum(r), 0),
            (a: A) => np.sin(a),
            (a: A) => np.cos(a),
            r,
          ),
        x,
        { batchSize: 3 },
      ),

    // --- reverse mode through a batched predicate
    grad_of_vmap_cond_batched_pred_untaken_nan: (x) =>
      grad((v: A) => np.sum(vmap((a: A) => lax.cond(np.greaterEqual(a, 0), (b: A) => np.sqrt(b), (b: A) => np.negative(b), a))(v)))(x),
  };
}

/** Every vmapped function jitted first: vmap(jit(f)). */
const vmapOfJit = ((f: Fn, opts?: Parameters<typeof vmap0>[1]) => vmap0(jit(f), opts)) as typeof vmap0;

const plain = makeCases(vmap0);
const ofJit = makeCases(vmapOfJit);

function check(name: string, c: GoldenCase, got: unknown): void {
  const errs: string[] = [];
  compareTree(got, c.out, c.rtol, c.atol, name, errs);
  expect(errs, errs.join("\n")).toEqual([]);
}

const cases = golden.cases.map((c) => [c.name, c] as const);

describe(`vmap of control flow against JAX (${golden.source})`, () => {
  it("the registry and the golden file list the same cases", () => {
    expect(Object.keys(plain)).toEqual(golden.cases.map((c) => c.name));
  });

  it.each(cases)("%s", (name, c) => check(name, c, plain[name]!(...c.inputs.map(decodeInput))));

  it.each(cases)("vmap(jit(f)): %s", (name, c) => check(name, c, ofJit[name]!(...c.inputs.map(decodeInput))));

  it.each(cases)("jit on the default device: %s", (name, c) => {
    const fn = plain[name]!;
    check(name, c, jit((...xs: A[]) => fn(...xs))(...c.inputs.map(decodeInput)));
  });

  it.each(cases)("jit on the cpu reference device: %s", (name, c) => {
    const fn = plain[name]!;
    check(name, c, jit((...xs: A[]) => fn(...xs), { device: "cpu" })(...c.inputs.map(decodeInput)));
  });

  it("a batched while predicate reduces the lanes' predicates with reduce_or and selects updates", () => {
    const text = makeJaxpr(plain.while_batched_pred_per_lane_counts!)(i32(0).reshape([1]), f64(0).reshape([1])).toString();
    expect(text).toContain("reduce_or[axes=(0,)]");
    expect(text).toContain("select_n");
    expect(text).toMatch(/while\[/);
  });

  it("an unbatched predicate keeps cond a cond and while a plain while (no per-lane selects)", () => {
    const c = golden.cases.find((g) => g.name === "cond_unbatched_pred_batched_operand")!;
    const condText = makeJaxpr(plain.cond_unbatched_pred_batched_operand!)(...c.inputs.map(decodeInput)).toString();
    expect(condText).toContain("cond[");
    expect(condText).not.toContain("select_n");
    const whileText = makeJaxpr(plain.while_unbatched_pred_batched_carry!)(np.zeros([2, 3], { dtype: "float64" })).toString();
    expect(whileText).toContain("while[");
    expect(whileText).not.toContain("reduce_or");
    expect(whileText).not.toContain("select_n");
  });
});
