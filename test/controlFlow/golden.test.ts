/**
 * Structured control flow against real JAX (test/golden/control_flow.py writes
 * test/golden/control_flow.json; CI needs no Python): every primitive alone, on every device
 * (`wasm`, the default, and the `cpu` reference interpreter), plainly and under jit; and the
 * printed jaxprs of cond, switch, while and scan compared in structure with JAX's.
 *
 * `cases` is the twin of the Python `@case` functions: same keys, same order, the same function
 * written with jaxts. A key missing on either side fails the test.
 */
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { devicePut, jit, lax, makeJaxpr, numpy as np, stax, tree } from "../../src/index.js";
import { type EncArray, type GoldenCase, compareTree, decodeInput } from "../goldenTree.js";

type A = np.Array;
type Fn = (...xs: A[]) => unknown;

const golden = JSON.parse(readFileSync(new URL("../golden/control_flow.json", import.meta.url), "utf8")) as {
  source: string;
  cases: GoldenCase[];
  jaxprs: { name: string; inputs: EncArray[]; text: string }[];
};

const f32 = (x: A) => np.astype(x, "float32");
const int32 = (v: number) => np.array(v, { dtype: "int32" });

const condPair = (p: A, x: A, y: A) =>
  lax.cond(p, (a: A, c: A) => [np.multiply(np.sin(a), c), a], (a: A, c: A) => [np.cos(a), np.multiply(c, 2)], x, y);
const dense = (a: A[], k: number) => ({ Wh: a[k]!, Wx: a[k + 1]!, b: a[k + 2]! });
const rnnStep = (c: A, x: A): [A, A] => {
  const h = np.tanh(np.add(np.multiply(c, 0.5), x));
  return [h, np.multiply(h, h)];
};

const cases: Record<string, Fn> = {
  // --- cond and switch
  cond_true: condPair,
  cond_false: condPair,
  cond_int_pred_nonzero_is_true: (p, x) => lax.cond(p, (a: A) => np.matmul(a, a), (a: A) => a.T, x),
  cond_float_pred_zero_is_false: (p, x) => lax.cond(p, np.exp, np.tanh, x),
  cond_closes_over_outer_values: (p, x, w) => lax.cond(p, (a: A) => np.add(np.multiply(a, w), 1), (a: A) => np.subtract(a, w), x),
  cond_pytree_operands_and_outputs: (p, x, y) =>
    lax.cond(
      p,
      (d: { x: A; y: A }) => ({ s: np.add(np.sum(d.x), np.sum(d.y)), v: [d.x, np.multiply(d.y, 2)] }),
      (d: { x: A; y: A }) => ({ s: np.prod(d.y), v: [np.multiply(d.x, 3), np.sin(d.y)] }),
      { x, y },
    ),
  switch_every_index_clamped: (idx, x) => {
    const branches = [(a: A) => np.multiply(a, 2), np.sin, (a: A) => np.subtract(a, np.sum(a))];
    return Array.from({ length: idx.shape[0]! }, (_, k) => lax.switch(idx.slice(k), branches, x));
  },
  switch_two_operands: (i, x, y) => lax.switch(i, [(a: A, c: A) => np.add(a, c), (a: A, c: A) => np.multiply(a, c)], x, y),

  // --- whileLoop and foriLoop
  while_pytree_carry: (x) =>
    lax.whileLoop(
      (c: [A, A]) => np.less(c[0], 7),
      (c: [A, A]) => [np.add(c[0], 1), np.add(np.multiply(c[1], 0.9), x)] as [A, A],
      [int32(0), np.zeros([3])] as [A, A],
    ),
  while_newton_sqrt: (a) =>
    lax.whileLoop(
      ([y, k]: [A, A]) => np.logicalAnd(np.greater(np.max(np.abs(np.subtract(np.multiply(y, y), a))), 1e-5), np.less(k, 50)),
      ([y, k]: [A, A]) => [np.multiply(0.5, np.add(y, np.divide(a, y))), np.add(k, 1)] as [A, A],
      [np.onesLike(a), int32(0)] as [A, A],
    ),
  while_zero_iterations: (x) => lax.whileLoop((c: A) => np.greater(np.sum(c), 100), (c: A) => np.multiply(c, 2), x),
  fori_static_bounds: (x) => lax.foriLoop(2, 6, (i, c: A) => np.add(np.multiply(c, 0.5), np.multiply(np.sin(f32(i)), x)), x),
  fori_static_bounds_unroll_2: (x) => lax.foriLoop(0, 5, (i, c: A) => np.add(np.cos(c), f32(i)), x, { unroll: 2 }),
  fori_static_empty_range: (x) => lax.foriLoop(4, 2, (_i, c: A) => np.add(c, 1), x),
  fori_traced_bounds_under_jit: (lo, hi, x) =>
    jit((l: A, h: A, v: A) => lax.foriLoop(l, h, (i, c: A) => np.subtract(np.multiply(c, 1.5), f32(i)), v))(lo, hi, x),

  // --- scan
  scan_basic: (c0, xs) => lax.scan(rnnStep, c0, xs),
  scan_reverse: (c0, xs) => lax.scan(rnnStep, c0, xs, { reverse: true }),
  scan_unroll_3: (c0, xs) => lax.scan(rnnStep, c0, xs, { unroll: 3 }),
  scan_unroll_true_reverse: (c0, xs) => lax.scan(rnnStep, c0, xs, { unroll: true, reverse: true }),
  scan_pytree_carry_and_ys: (h0, xs, ws) =>
    lax.scan(
      (carry: { h: A; n: A }, x: { v: A; w: A }) => {
        const h2 = np.sin(np.add(np.multiply(carry.h, x.w), x.v));
        return [{ h: h2, n: np.add(carry.n, 1) }, [h2, { s: np.sum(h2), n: carry.n }]];
      },
      { h: h0, n: int32(0) },
      { v: xs, w: ws },
    ),
  scan_xs_none_with_length: (c0) => lax.scan((c: A, _x: null) => [np.add(np.multiply(c, 0.8), 1), np.sum(c)], c0, null, { length: 4 }),
  scan_ys_none: (c0, xs) => lax.scan((c: A, x: A) => [np.add(c, np.multiply(x, x)), null], c0, xs),
  scan_closes_over_outer_values: (w, c0, xs) => lax.scan((c: A, x: A) => [np.tanh(np.add(np.matmul(w, c), x)), c], c0, xs),
  scan_length_zero: (c0, xs) => lax.scan((c: A, x: A) => [np.add(c, x), np.multiply(c, 2)], c0, xs),

  // --- map
  map_sequential: (xs) => lax.map((x: A) => [np.sum(x), np.multiply(x, 2)], xs),
  map_batch_size_divides: (xs) => lax.map((x: A) => np.add(np.sin(x), np.max(x)), xs, { batchSize: 3 }),
  map_batch_size_with_remainder: (xs) => lax.map((x: A) => ({ a: np.multiply(x.slice(0), x.slice(1)), b: np.cos(x) }), xs, { batchSize: 3 }),
  map_pytree_xs: (a, c) => lax.map((t: [A, A]) => np.multiply(t[0], t[1]), [a, np.expandDims(c, 1)]),

  // --- associativeScan
  assoc_scan_add: (x) => lax.associativeScan(np.add, x),
  assoc_scan_add_reverse: (x) => lax.associativeScan(np.add, x, { reverse: true }),
  assoc_scan_max_axis_1: (x) => lax.associativeScan(np.maximum, x, { axis: 1 }),
  assoc_scan_negative_axis: (x) => lax.associativeScan(np.add, x, { axis: -2 }),
  assoc_scan_axis_1_reverse: (x) => lax.associativeScan(np.add, x, { reverse: true, axis: 1 }),
  assoc_scan_pytree_linear_recurrence: (a, b) =>
    lax.associativeScan((l: [A, A], r: [A, A]): [A, A] => [np.multiply(l[0], r[0]), np.add(np.multiply(r[0], l[1]), r[1])], [a, b] as [A, A]),
  assoc_scan_length_one: (x) => lax.associativeScan(np.multiply, x),

  // --- stax's recurrent layers, which run their time loop with lax.scan (params leaves in sorted-key order)
  stax_rnn: (Wh, Wx, b, x) => stax.RNN(4)[1]({ Wh, Wx, b }, x),
  stax_lstm: (...a) => stax.LSTM(4)[1]({ f: dense(a, 0), g: dense(a, 3), i: dense(a, 6), o: dense(a, 9) }, a[12]),
  stax_gru: (...a) => stax.GRU(4)[1]({ n: dense(a, 0), r: dense(a, 3), z: dense(a, 6) }, a[9]),
};

/** Every array leaf of a result tree, to check where it lives. */
const arrayLeaves = (t: unknown): A[] => tree.leaves(t).filter((x): x is A => x instanceof np.Array);

const runs: { label: string; device: "wasm" | "cpu"; run: (f: Fn, xs: A[]) => unknown }[] = [
  { label: "wasm, eager", device: "wasm", run: (f, xs) => f(...xs) },
  { label: "wasm, jit", device: "wasm", run: (f, xs) => jit(f)(...xs) },
  { label: "cpu, eager", device: "cpu", run: (f, xs) => f(...xs) },
  { label: "cpu, jit", device: "cpu", run: (f, xs) => jit(f, { device: "cpu" })(...xs) },
];

describe(`control flow against JAX (${golden.source})`, () => {
  it("the registry and the golden file list the same cases", () => {
    expect(Object.keys(cases)).toEqual(golden.cases.map((c) => c.name));
  });

  for (const { label, device, run } of runs) {
    describe(label, () => {
      it.each(golden.cases.map((c) => [c.name, c] as const))("%s", (name, c) => {
        const fn = cases[name];
        if (!fn) throw new Error(`no jaxts twin for golden case ${name}`);
        const got = run(fn, c.inputs.map((e) => devicePut(decodeInput(e), device)));
        for (const leaf of arrayLeaves(got)) expect(leaf.device).toBe(device);
        const errs: string[] = [];
        compareTree(got, c.out, c.rtol, c.atol, name, errs);
        expect(errs, errs.join("\n")).toEqual([]);
      });
    });
  }
});

// --- jaxpr structure -------------------------------------------------------------------------

const jaxprFns: Record<string, Fn> = {
  cond_closure: (x, p) => lax.cond(p, (a: A) => np.multiply(a, x), (a: A) => a, x),
  switch_three_branches: (i, x) => lax.switch(i, [(a: A) => a, (a: A) => np.multiply(a, 2), np.sin], x),
  while_with_body_consts: (a) =>
    lax.whileLoop(
      (c: [A, A]) => np.less(c[0], 3),
      (c: [A, A]) => [np.add(c[0], 1), np.multiply(c[1], a)] as [A, A],
      [0, a] as unknown as [A, A],
    ),
  scan_reverse_with_consts: (w, xs) => lax.scan((c: A, x: A) => [np.add(c, np.multiply(x, w)), c], w, xs, { reverse: true }),
  scan_unroll_2: (c0, xs) => lax.scan((c: A, x: A) => [np.multiply(np.sin(c), x), c], c0, xs, { unroll: 2 }),
  scan_xs_none: (c0) => lax.scan((c: A, _x: null) => [np.multiply(c, 2), null], c0, null, { length: 3 }),
  fori_static_bounds_is_a_scan: (x) => lax.foriLoop(1, 4, (_i, c: A) => np.multiply(c, 2), x),
  fori_traced_bounds_is_a_while: (n, x) => lax.foriLoop(0, n, (_i, c: A) => np.sin(c), x),
};

/** A higher-order equation of a printed jaxpr, reduced to what both printers must agree on. */
interface HigherOrder {
  primitive: string;
  params: Record<string, string>;
  /** For each sub-jaxpr param (or each branch), its primitives in order, nested ones included. */
  bodies: Record<string, string[][]>;
}

/** Splits `text` at top-level occurrences of `sep` (outside (), [] and {}). */
function splitTop(text: string, sep: RegExp): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if ("([{".includes(ch)) depth++;
    else if (")]}".includes(ch)) depth--;
    else if (depth === 0 && sep.test(ch)) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts.map((p) => p.trim()).filter((p) => p !== "");
}

/** The index just past the bracket that closes the one at `open`. */
function closing(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    if ("([{".includes(text[i]!)) depth++;
    else if (")]}".includes(text[i]!) && --depth === 0) return i + 1;
  }
  throw new Error(`unbalanced brackets in ${text}`);
}

/** The primitive names of the equations in a printed jaxpr `{ lambda ... let ... in ... }`, in order. */
function primitivesOf(jaxpr: string): string[] {
  const names: string[] = [];
  const body = jaxpr.slice(jaxpr.indexOf(". let") + 5);
  for (const m of body.matchAll(/=\s*([a-z_]+)(?=[\s[])/g)) {
    // Skip `key=value` inside params: an equation's `=` follows a type annotation (`...:f32[3] =`).
    const before = body.slice(0, m.index).trimEnd();
    if (/\]$/.test(before) && /:[a-z0-9]+\[[0-9,]*\]$/.test(before)) names.push(m[1]!);
  }
  return names;
}

function higherOrderEqns(text: string): HigherOrder[] {
  const out: HigherOrder[] = [];
  for (const m of text.matchAll(/\b(cond|while|scan)\[/g)) {
    const open = m.index + m[1]!.length;
    const inner = text.slice(open + 1, closing(text, open) - 1);
    const params: Record<string, string> = {};
    const bodies: Record<string, string[][]> = {};
    for (const kv of splitTop(inner, /\s/)) {
      const eq = kv.indexOf("=");
      const key = kv.slice(0, eq);
      const value = kv.slice(eq + 1);
      if (value.startsWith("{")) bodies[key] = [primitivesOf(value)];
      else if (value.startsWith("(") && value.includes("lambda")) bodies[key] = splitTop(value.slice(1, -1), /[\s,]/).map(primitivesOf);
      else params[key] = value;
    }
    // JAX leaves `linear` out of the printing when every entry is False (its default).
    if (params.linear !== undefined && /^\((False,? ?)*\)$/.test(params.linear)) delete params.linear;
    out.push({ primitive: m[1]!, params, bodies });
  }
  return out;
}

describe("printed jaxprs have JAX's structure", () => {
  it("the registry and the golden file list the same jaxprs", () => {
    expect(Object.keys(jaxprFns)).toEqual(golden.jaxprs.map((c) => c.name));
  });

  it.each(golden.jaxprs.map((c) => [c.name, c] as const))("%s", (name, c) => {
    const ours = makeJaxpr(jaxprFns[name]!)(...c.inputs.map(decodeInput)).toString();
    const theirs = higherOrderEqns(c.text);
    expect(theirs.length).toBeGreaterThan(0);
    expect(higherOrderEqns(ours), `ours:\n${ours}\nJAX's:\n${c.text}`).toEqual(theirs);
  });

  it("the structure parser sees through nesting", () => {
    const text = "{ lambda ; a:f32[]. let b:f32[] = scan[jaxpr={ lambda ; c:f32[]. let d:f32[] = cond[branches=({ lambda ; e:f32[]. let f:f32[] = sin e in (f,) }, { lambda ; g:f32[]. let  in (g,) })] 0:i32[] c in (d,) } length=2 num_carry=1 num_consts=0 reverse=False unroll=1] a in (b,) }";
    const eqns = higherOrderEqns(text);
    expect(eqns.map((e) => e.primitive)).toEqual(["scan", "cond"]);
    expect(eqns[0]!.bodies.jaxpr).toEqual([["cond", "sin"]]);
    expect(eqns[1]!.bodies.branches).toEqual([["sin"], []]);
    expect(eqns[0]!.params).toEqual({ length: "2", num_carry: "1", num_consts: "0", reverse: "False", unroll: "1" });
  });
});

// --- forward semantics against plain JS (fast-check) ------------------------------------------

/** Multiplies every property's numRuns (CONTROL_FLOW_RUNS_SCALE=20 for a deep local run). */
const numRuns = (n: number) => Math.max(1, Math.round(n * Number(process.env.CONTROL_FLOW_RUNS_SCALE ?? 1)));

/** Deterministic float32 data from a seed, in [-1, 1). */
function seeded(seed: number, n: number): number[] {
  let s = seed >>> 0 || 1;
  return Array.from({ length: n }, () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return Math.fround(((s >>> 0) / 4294967296) * 2 - 1);
  });
}

const close = (got: readonly number[], want: readonly number[], tol = 1e-5) => {
  expect(got.length).toBe(want.length);
  got.forEach((g, i) => expect(Math.abs(g - want[i]!), `[${i}] ${g} vs ${want[i]}`).toBeLessThanOrEqual(tol * (1 + Math.abs(want[i]!))));
};
const flat = (x: A) => Array.from(x.dataSync() as Float32Array);
const modes = fc.constantFrom("eager" as const, "jit" as const, "cpu-jit" as const);
const run = (mode: "eager" | "jit" | "cpu-jit", f: Fn, xs: A[]) =>
  mode === "eager" ? f(...xs) : mode === "jit" ? jit(f)(...xs) : jit(f, { device: "cpu" })(...xs.map((x) => devicePut(x, "cpu")));

describe("control flow against plain JS loops (fast-check)", () => {
  it("scan: the carry and the stacked ys of c' = tanh(a·c + x), y = c·x, any length, forward or reverse", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 7 }), fc.integer({ min: 1, max: 3 }), fc.boolean(), fc.integer({ min: 1, max: 1e6 }), fc.integer({ min: 1, max: 4 }), modes, (n, d, reverse, seed, unroll, mode) => {
        const c0 = seeded(seed, d);
        const xs = seeded(seed + 1, n * d);
        const a = 0.7;
        const [cT, ys] = run(mode, (c: A, x: A) => lax.scan((c1: A, xt: A) => [np.tanh(np.add(np.multiply(c1, a), xt)), np.multiply(c1, xt)], c, x, { reverse, unroll }), [
          np.array(c0),
          np.reshape(np.array(xs), [n, d]),
        ]) as [A, A];
        // The same loop in JS, in float64.
        let c = [...c0];
        const want: number[] = new Array(n * d).fill(0);
        for (let k = 0; k < n; k++) {
          const t = reverse ? n - 1 - k : k;
          const x = xs.slice(t * d, (t + 1) * d);
          c.forEach((ci, i) => (want[t * d + i] = ci * x[i]!));
          c = c.map((ci, i) => Math.tanh(ci * a + x[i]!));
        }
        close(flat(cT), c);
        close(flat(ys), want);
        expect(ys.shape).toEqual([n, d]);
      }),
      { numRuns: numRuns(12) },
    );
  });

  it("switch and cond: the branch at the clamped index runs", () => {
    fc.assert(
      fc.property(fc.integer({ min: -3, max: 7 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 1e6 }), modes, (index, nb, seed, mode) => {
        const x = seeded(seed, 3);
        const branches = Array.from({ length: nb }, (_, k) => (v: A) => np.add(np.multiply(v, k + 1), k));
        const got = run(mode, (i: A, v: A) => lax.switch(i, branches, v), [np.array(index, { dtype: "int32" }), np.array(x)]) as A;
        const k = Math.min(Math.max(index, 0), nb - 1);
        close(flat(got), x.map((v) => Math.fround(v * (k + 1)) + k));
        const pred = run(mode, (p: A, v: A) => lax.cond(p, np.sin, np.cos, v), [np.array(index), np.array(x)]) as A;
        close(flat(pred), x.map(index !== 0 ? Math.sin : Math.cos));
      }),
      { numRuns: numRuns(12) },
    );
  });

  it("whileLoop and foriLoop: the iteration count and the final carry agree with JS loops", () => {
    fc.assert(
      fc.property(fc.integer({ min: -2, max: 6 }), fc.integer({ min: -2, max: 9 }), fc.integer({ min: 1, max: 1e6 }), modes, (lo, hi, seed, mode) => {
        const x0 = seeded(seed, 2);
        const body = (i: A, c: A) => np.add(np.multiply(c, 0.5), np.astype(i, "float32"));
        let want = [...x0];
        for (let i = lo; i < hi; i++) want = want.map((v) => v * 0.5 + i);
        close(flat(run(mode, (c: A) => lax.foriLoop(lo, hi, body, c), [np.array(x0)]) as A), want);
        // Traced bounds (a while loop inside jit).
        const traced = jit((l: A, h: A, c: A) => lax.foriLoop(l, h, body, c));
        close(flat(traced(np.array(lo, { dtype: "int32" }), np.array(hi, { dtype: "int32" }), np.array(x0))), want);
        // A while loop whose trip count depends on the data: double until the sum exceeds 10.
        const [count, last] = run(mode, (c: A) => lax.whileLoop(([, v]: [A, A]) => np.less(np.sum(np.abs(v)), 10), ([k, v]: [A, A]) => [np.add(k, 1), np.multiply(v, 2)] as [A, A], [np.array(0, { dtype: "int32" }), c] as [A, A]), [np.array(x0)]) as [A, A];
        let v = [...x0];
        let k = 0;
        while (Math.abs(v[0]!) + Math.abs(v[1]!) < 10) {
          v = v.map((t) => t * 2);
          k++;
        }
        expect(count.item()).toBe(k);
        close(flat(last), v);
      }),
      { numRuns: numRuns(10) },
    );
  });

  it("associativeScan of add is the cumulative sum along any axis, either way; map with any batchSize is a JS map", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 13 }), fc.integer({ min: 1, max: 3 }), fc.boolean(), fc.integer({ min: 0, max: 1 }), fc.integer({ min: 1, max: 15 }), fc.integer({ min: 1, max: 1e6 }), modes, (n, m, reverse, axis, batchSize, seed, mode) => {
        const data = seeded(seed, n * m);
        const shape = axis === 0 ? [n, m] : [m, n];
        const at = (i: number, j: number) => (axis === 0 ? data[i * m + j]! : data[j * n + i]!); // i along the axis
        const got = flat(run(mode, (x: A) => lax.associativeScan(np.add, x, { reverse, axis }), [np.reshape(np.array(data), shape)]) as A);
        const want = new Array(n * m).fill(0);
        for (let j = 0; j < m; j++) {
          let acc = 0;
          for (let k = 0; k < n; k++) {
            const i = reverse ? n - 1 - k : k;
            acc += at(i, j);
            want[axis === 0 ? i * m + j : j * n + i] = acc;
          }
        }
        close(got, want, 1e-5 * n);
        const mapped = flat(run(mode, (x: A) => lax.map((r: A) => np.multiply(np.sum(r), r), x, { batchSize }), [np.reshape(np.array(data), [n, m])]) as A);
        const rows = Array.from({ length: n }, (_, i) => data.slice(i * m, (i + 1) * m));
        close(mapped, rows.flatMap((r) => r.map((v) => v * r.reduce((a, b) => a + b, 0))));
      }),
      { numRuns: numRuns(10) },
    );
  });
});
