/**
 * Compiled control flow: cond, switch, whileLoop, foriLoop and scan jitted on `wasm` (the loop
 * inside the one module) give the results of the `cpu` reference interpreter (the oracle), over
 * fast-check-generated shapes, lengths, options and values; eager calls go through the same
 * compiled path; the module holds no host step for them, and a 1000-step scan is one call.
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DType } from "../../ir/dtype.js";
import { type BufferDecl, type Step, bufferBytes, leafSteps } from "../../codegen/kernel/kernel.js";
import { lowerJaxpr } from "../../codegen/kernel/lower.js";
import { liveRanges } from "../../codegen/kernel/plan.js";
import { evalJaxprRef, evalPrimitiveRef } from "../../codegen/ref/index.js";
import { createWasmBackend } from "../../src/backends/wasm.js";
import { defaultDevice, devicePut, jit, lax, makeJaxpr, numpy as np } from "../../src/index.js";
import * as tree from "../../src/tree.js";
import { expectClose, randomData, wasmBackend } from "./helpers.js";
import { makeInputs, programArb, runProgram } from "./programs.js";

type A = np.Array;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Fn = (...args: any[]) => any;

const tol = { rtol: 2e-4, atol: 2e-4 };

/** Host data for an input: float32 in [-range, range] (or ints / bools), reproducible from a seed. */
interface In {
  readonly shape: readonly number[];
  readonly dtype?: DType;
  readonly seed: number;
  readonly range?: number;
  /** A given scalar instead of random data. */
  readonly fixed?: number;
}

const make = (x: In, device: "cpu" | "wasm"): A => {
  const size = x.shape.reduce((a, b) => a * b, 1);
  const dtype = x.dtype ?? "float32";
  if (x.fixed !== undefined) return devicePut(np.array(x.fixed, { dtype }), device);
  return devicePut(np.array(randomData(dtype, size, x.seed, { range: x.range ?? 2 }), { dtype, shape: [...x.shape] }), device);
};

function onDevice<T>(device: "cpu" | "wasm", f: () => T): T {
  const saved = defaultDevice();
  defaultDevice(device);
  try {
    return f();
  } finally {
    defaultDevice(saved);
  }
}

function expectTreeClose(got: unknown, want: unknown, what: string): void {
  const [g, gd] = tree.flatten<A>(got);
  const [w, wd] = tree.flatten<A>(want);
  expect(tree.treeDefEqual(gd, wd), `${what}: tree structure`).toBe(true);
  w.forEach((e, i) => {
    const a = g[i]!;
    expect(a.shape, `${what} leaf ${i} shape`).toEqual(e.shape);
    expect(a.dtype, `${what} leaf ${i} dtype`).toBe(e.dtype);
    expectClose(a.dataSync(), e.dataSync(), e.dtype, tol, `${what} leaf ${i}`);
  });
}

/**
 * f on the cpu reference, then jitted on wasm (one module), then eagerly on wasm (each
 * control-flow primitive a cached compiled program): all three agree.
 */
function checkAgainstCpu(f: Fn, inputs: readonly In[], what: string, { eager = true } = {}): void {
  const want = onDevice("cpu", () => f(...inputs.map((x) => make(x, "cpu"))));
  const wasmIn = inputs.map((x) => make(x, "wasm"));
  const got = onDevice("wasm", () => jit(f, { device: "wasm" })(...wasmIn));
  expectTreeClose(got, want, `jit ${what}`);
  for (const leaf of tree.leaves<A>(got)) expect(leaf.device).toBe("wasm");
  if (eager) expectTreeClose(onDevice("wasm", () => f(...wasmIn)), want, `eager ${what}`);
}

const shapeArb = fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 0, maxLength: 2 });
const seedArb = fc.integer({ min: 0, max: 1 << 20 });

let savedDefault: ReturnType<typeof defaultDevice>;
beforeAll(() => {
  savedDefault = defaultDevice();
});
afterAll(() => {
  defaultDevice(savedDefault);
});

describe("scan compiled on wasm == cpu reference", () => {
  it("carries, xs, ys and closed-over constants, forward and reversed, unrolled, any length (zero included)", () => {
    fc.assert(
      fc.property(
        shapeArb,
        fc.integer({ min: 0, max: 7 }),
        fc.boolean(),
        fc.integer({ min: 1, max: 4 }),
        seedArb,
        (shape, length, reverse, unroll, seed) => {
          const f = (c0: A, xs: A, w: A) =>
            lax.scan(
              (c: A, x: A) => {
                const c2 = np.add(np.multiply(np.sin(c), w), x);
                return [c2, np.subtract(np.multiply(c, 2), x)];
              },
              c0,
              xs,
              { reverse, unroll },
            );
          checkAgainstCpu(f, [{ shape, seed }, { shape: [length, ...shape], seed: seed + 1 }, { shape, seed: seed + 2 }], JSON.stringify({ shape, length, reverse, unroll }));
        },
      ),
      { numRuns: 30, seed: 1 },
    );
  });

  it("pytree carries and xs, ys of several dtypes, a carry passed through unchanged, swapped carries", () => {
    fc.assert(
      fc.property(shapeArb, fc.integer({ min: 1, max: 6 }), fc.boolean(), seedArb, (shape, length, reverse, seed) => {
        const f = (a: A, b: A, k: A, xs: A) =>
          lax.scan(
            (c: { a: A; b: A; k: A; same: A; seen: A }, x: { v: A; i: A }) => {
              // a and b swap (a new carry computed from another old one), k counts, same stays,
              // seen is a bool carry.
              const a2 = np.add(c.b, x.v);
              const b2 = np.multiply(c.a, 0.5);
              const k2 = np.add(c.k, x.i);
              const seen = np.logicalOr(c.seen, np.greater(x.v, 1));
              return [{ a: a2, b: b2, k: k2, same: c.same, seen }, { sum: np.sum(c.a), k: c.k, lt: np.less(x.v, c.b), old: c.a }];
            },
            { a, b, k, same: a, seen: np.less(a, -5) },
            { v: xs, i: np.arange(length, undefined, undefined, { dtype: "int32" }) },
            { reverse },
          );
        checkAgainstCpu(
          f,
          [
            { shape, seed },
            { shape, seed: seed + 1 },
            { shape: [], dtype: "int32", seed: seed + 2 },
            { shape: [length, ...shape], seed: seed + 3 },
          ],
          JSON.stringify({ shape, length, reverse }),
        );
      }),
      { numRuns: 20, seed: 2 },
    );
  });

  it("lax.map (a scan without carries), with a batch size, and a fully unrolled scan", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 4 }), shapeArb, seedArb, (n, batchSize, shape, seed) => {
        const g = (x: A) => np.add(np.sum(np.cos(x)), 1);
        checkAgainstCpu((xs: A) => lax.map(g, xs, { batchSize }), [{ shape: [n, ...shape], seed }], JSON.stringify({ n, batchSize, shape }));
        checkAgainstCpu((c0: A, xs: A) => lax.scan((c: A, x: A) => [np.add(np.multiply(c, 0.5), x), c], c0, xs, { unroll: true }), [{ shape, seed }, { shape: [n, ...shape], seed: seed + 1 }], `unroll true ${n}`);
      }),
      { numRuns: 10, seed: 12 },
    );
  });

  it("xs = null with a length, literal carries and literal ys", () => {
    const f = (x: A) => lax.scan((c: A, _: null): [A, A] => [np.add(np.multiply(c, 1.5), np.sum(x)), 3 as unknown as A], 0 as unknown as A, null, { length: 5 });
    checkAgainstCpu(f, [{ shape: [3], seed: 4 }], "null xs");
  });

  it("bodies with matmuls (the packed microkernel) and reductions", () => {
    fc.assert(
      fc.property(fc.integer({ min: 4, max: 20 }), fc.integer({ min: 8, max: 40 }), fc.integer({ min: 1, max: 5 }), seedArb, (m, n, length, seed) => {
        const f = (h0: A, w: A, xs: A) =>
          lax.scan(
            (h: A, x: A) => {
              const z = np.tanh(np.add(np.matmul(h, w), x));
              return [z, np.max(z, 1)];
            },
            h0,
            xs,
          );
        checkAgainstCpu(f, [{ shape: [m, n], seed }, { shape: [n, n], seed: seed + 1, range: 0.3 }, { shape: [length, m, n], seed: seed + 2 }], JSON.stringify({ m, n, length }));
      }),
      { numRuns: 10, seed: 3 },
    );
    // large enough for the matmul kernel (M >= 4, N >= 8, 16384 multiply-adds)
    const text = jit((h: A, w: A) => lax.scan((c: A, _: null) => [np.tanh(np.matmul(c, w)), null], h, null, { length: 3 }))
      .lower(np.ones([16, 32]), np.ones([32, 32]))
      .compile()
      .asText();
    expect(text).toMatch(/matmul \[/);
  });

  it("host-step primitives inside the body (sort, gather, cumsum) run as calls out of the loop, or natively", async () => {
    // sort and gather have native kernels; a backend that forces them onto the host-step path
    const hostBackend = await createWasmBackend({ hostPrimitives: new Set(["sort", "gather", "cumsum"] as const) });
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 0, max: 5 }), seedArb, (n, length, seed) => {
        const f = (c0: A, xs: A, idx: A) =>
          lax.scan(
            (c: A, x: A) => {
              const s = np.sort(np.add(c, x));
              // a kernel between host steps that reads only what a host step computed this trip
              return [np.take(np.exp(np.multiply(s, 0.1)), idx), np.cumsum(s)];
            },
            c0,
            xs,
          );
        checkAgainstCpu(f, [{ shape: [n], seed }, { shape: [length, n], seed: seed + 1 }, { shape: [n], dtype: "int32", seed: seed + 2, range: n - 1 }], JSON.stringify({ n, length }));
        const j = makeJaxpr(f)(np.zeros([n]), np.zeros([length, n]), np.zeros([n], { dtype: "int32" })).jaxpr;
        const ins = [randomData("float32", n, seed), randomData("float32", length * n, seed + 1), Int32Array.from({ length: n }, (_, i) => (i * 5) % n)];
        const want = evalJaxprRef(j, [], ins);
        const bufs = ins.map((d, k) => hostBackend.fromHost(d, j.invars[k]!.aval));
        const outs = hostBackend.executeJaxpr(j, bufs);
        outs.forEach((o, k) => expectClose(hostBackend.readSync(o, j.outs[k]!.aval), want[k]!, j.outs[k]!.aval.dtype, tol, `host steps, output ${k}`));
        [...bufs, ...outs].forEach((b) => hostBackend.dispose(b));
      }),
      { numRuns: 12, seed: 4 },
    );
    const text = hostBackend.lowerText(makeJaxpr((c0: A, xs: A) => lax.scan((v: A, x: A) => [np.sort(np.add(v, x)), null], c0, xs))(np.ones([16]), np.ones([4, 16])).jaxpr);
    expect(text).toMatch(/\(loop [^]*\(call \$host /);
  });
});

describe("whileLoop and foriLoop compiled on wasm == cpu reference", () => {
  it("data-dependent trip counts", () => {
    fc.assert(
      fc.property(shapeArb, seedArb, fc.double({ min: 1, max: 50, noNaN: true }), (shape, seed, limit) => {
        // Grows every element until the sum passes the limit: the trip count depends on the data.
        const f = (x0: A) =>
          lax.whileLoop(
            (c: { x: A; n: A }) => np.logicalAnd(np.less(np.sum(c.x), limit), np.less(c.n, 200)),
            (c: { x: A; n: A }) => ({ x: np.add(np.multiply(np.abs(c.x), 1.25), 0.125), n: np.add(c.n, 1) }),
            { x: x0, n: np.array(0, { dtype: "int32" }) },
          );
        checkAgainstCpu(f, [{ shape, seed }], JSON.stringify({ shape, limit }));
      }),
      { numRuns: 25, seed: 5 },
    );
  });

  it("a predicate false at once runs no trip; a constant-true body bound by a counter", () => {
    checkAgainstCpu((x: A) => lax.whileLoop((c: A) => np.less(np.sum(c), -1e9), (c: A) => np.add(c, 1), x), [{ shape: [4], seed: 6 }], "no trip");
    checkAgainstCpu((x: A) => lax.whileLoop((c: [A, A]) => np.less(c[0], 7), (c: [A, A]): [A, A] => [np.add(c[0], 1), np.sin(c[1])], [np.array(0, { dtype: "int32" }), x]), [{ shape: [3], seed: 7 }], "counter");
  });

  it("foriLoop with static bounds (a scan) and traced bounds (a while)", () => {
    fc.assert(
      fc.property(fc.integer({ min: -2, max: 6 }), fc.integer({ min: -2, max: 12 }), shapeArb, seedArb, (lo, hi, shape, seed) => {
        // contractive (|d/dc| <= 0.75), so last-ulp differences of sin do not grow over the trips
        const body = (i: A, c: A) => np.add(np.multiply(c, 0.5), np.multiply(np.sin(np.add(np.multiply(i, 0.1), c)), 0.25));
        checkAgainstCpu((x: A) => lax.foriLoop(lo, hi, body, x), [{ shape, seed }], `static ${lo}..${hi}`);
        checkAgainstCpu(
          (x: A, a: A, b: A) => lax.foriLoop(a, b, body, x),
          [
            { shape, seed },
            { shape: [], dtype: "int32", seed, fixed: lo },
            { shape: [], dtype: "int32", seed, fixed: hi },
          ],
          `traced ${lo}..${hi}`,
        );
      }),
      { numRuns: 15, seed: 8 },
    );
  });
});

describe("cond and switch compiled on wasm == cpu reference", () => {
  it("any index, out of range ones clamped, branches over pytrees", () => {
    fc.assert(
      fc.property(fc.integer({ min: -4, max: 6 }), fc.integer({ min: 1, max: 4 }), shapeArb, seedArb, (index, nBranches, shape, seed) => {
        const branches = [
          (p: { a: A; b: A }) => [np.add(p.a, p.b), np.sum(p.a)],
          (p: { a: A; b: A }) => [np.sin(p.a), np.max(p.b)],
          (p: { a: A; b: A }) => [p.b, np.array(3, { dtype: "float32" })],
          (p: { a: A; b: A }) => [np.multiply(p.a, p.b), np.min(np.add(p.a, 1))],
        ].slice(0, nBranches);
        const f = (i: A, a: A, b: A) => lax.switch(i, branches, { a, b });
        checkAgainstCpu(f, [{ shape: [], dtype: "int32", seed, fixed: index }, { shape, seed: seed + 1 }, { shape, seed: seed + 2 }], `switch ${index} of ${nBranches}`);
      }),
      { numRuns: 30, seed: 9 },
    );
  });

  it("cond on a traced predicate and on a constant one", () => {
    for (const p of [true, false]) {
      const f = (pred: A, x: A) => lax.cond(pred, (v: A) => np.multiply(v, 2), (v: A) => np.cos(v), x);
      checkAgainstCpu(f, [{ shape: [], dtype: "bool", seed: 0, fixed: Number(p) }, { shape: [5], seed: 10 }], `cond ${p}`);
      checkAgainstCpu((x: A) => lax.cond(p, (v: A) => np.multiply(v, 2), (v: A) => np.cos(v), x), [{ shape: [5], seed: 10 }], `constant cond ${p}`);
    }
  });
});

describe("nested control flow compiled on wasm == cpu reference", () => {
  it("scan in scan (xs views of views), while in scan, cond in a while", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 4 }), fc.integer({ min: 0, max: 4 }), fc.integer({ min: 1, max: 4 }), fc.boolean(), seedArb, (outer, inner, n, reverse, seed) => {
        const f = (c0: A, xss: A) =>
          lax.scan(
            (c: A, xs: A) => {
              const [ci, ys] = lax.scan((d: A, x: A) => [np.add(np.multiply(d, 0.5), x), np.multiply(d, x)], c, xs, { reverse });
              const w = lax.whileLoop(
                (s: [A, A]) => np.less(s[0], 3),
                (s: [A, A]): [A, A] => [np.add(s[0], 1), lax.cond(np.greater(np.sum(s[1]), 0), (v: A) => np.subtract(v, 1), (v: A) => np.add(v, 0.5), s[1])],
                [np.array(0, { dtype: "int32" }), ci],
              );
              return [w[1], ys];
            },
            c0,
            xss,
          );
        checkAgainstCpu(f, [{ shape: [n], seed }, { shape: [outer, inner, n], seed: seed + 1 }], JSON.stringify({ outer, inner, n, reverse }));
      }),
      { numRuns: 20, seed: 11 },
    );
  });
});

describe("random programs as loop bodies", () => {
  it("agree with the reference when each trip runs a random program on xs slices and stores its outputs as ys", () => {
    let ran = 0;
    fc.assert(
      fc.property(programArb(4), fc.integer({ min: 1, max: 3 }), ({ inputs, seeds, dataSeed }, length) => {
        // the program's inputs stacked over `length` trips (a different draw of data per trip)
        const stacked = onDevice("cpu", () => {
          const trips = Array.from({ length }, (_, t) => makeInputs(inputs, dataSeed + 1000 * t));
          return inputs.map((_, k) => np.stack(trips.map((xs) => xs[k]!)));
        });
        const f = (...xs: A[]) =>
          lax.scan((n: A, x: A[]) => [np.add(n, 1), runProgram(seeds, x)], np.array(0, { dtype: "int32" }), xs);
        let want: unknown;
        try {
          want = onDevice("cpu", () => f(...stacked));
        } catch {
          return; // an invalid program (a shape error while tracing): nothing to compare
        }
        ran++;
        const wasmIn = stacked.map((x) => devicePut(x, "wasm"));
        const got = onDevice("wasm", () => jit(f, { device: "wasm" })(...wasmIn));
        expectTreeClose(got, want, `scan of ${JSON.stringify({ inputs, seeds, dataSeed, length })}`);
      }),
      { numRuns: Number(process.env.RUNS ?? 60), seed: 14 },
    );
    expect(ran).toBeGreaterThan(20);
  });
});

describe("branches inside loops", () => {
  it("a switch in a scan body writes the new carries and the ys (double-buffered and strided) directly", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 6 }), shapeArb, fc.boolean(), seedArb, (length, shape, reverse, seed) => {
        const f = (c0: A, xs: A, ks: A) =>
          lax.scan(
            (c: A, [x, k]: [A, A]) => {
              const [c2, y] = lax.switch(
                k,
                [(a: A, b: A) => [np.add(a, b), np.sum(a)], (a: A, b: A) => [np.multiply(a, 0.5), np.max(b)], (a: A, _b: A) => [a, np.array(-1, { dtype: "float32" })]],
                c,
                x,
              );
              return [c2, y];
            },
            c0,
            [xs, ks],
            { reverse },
          );
        checkAgainstCpu(f, [{ shape, seed }, { shape: [length, ...shape], seed: seed + 1 }, { shape: [length], dtype: "int32", seed: seed + 2, range: 3 }], JSON.stringify({ length, shape, reverse }));
      }),
      { numRuns: 15, seed: 13 },
    );
  });
});

describe("the compiled module", () => {
  const body = (c: A, x: A): [A, null] => [np.add(np.multiply(np.sin(c), 0.5), x), null];

  it("holds no host step for scan, while and cond", () => {
    const c = np.ones([16]);
    const fs: [string, Fn, A[]][] = [
      ["scan", (c0: A, xs: A) => lax.scan(body, c0, xs), [c, np.ones([10, 16])]],
      ["while", (c0: A) => lax.whileLoop((v: A) => np.less(np.sum(v), 100), (v: A) => np.add(v, 1), c0), [c]],
      ["cond", (i: A, c0: A) => lax.switch(i, [(v: A) => v, (v: A) => np.sin(v), (v: A) => np.cos(v)], c0), [np.array(1, { dtype: "int32" }), c]],
    ];
    for (const [name, f, args] of fs) {
      const text = jit(f, { device: "wasm" }).lower(...args).compile().asText();
      expect(text, name).not.toMatch(/host /);
      expect(text, name).not.toMatch(/\(import "env" "host"/);
      expect(text, name).toMatch(name === "cond" ? /br_table/ : /\(loop /);
    }
    // a sort inside the body is a native step, called from inside the loop
    const text = jit((c0: A, xs: A) => lax.scan((v: A, x: A) => [np.sort(np.add(v, x)), null], c0, xs), { device: "wasm" })
      .lower(c, np.ones([4, 16]))
      .compile()
      .asText();
    expect(text).not.toMatch(/\(import "env" "host"/);
    expect(text).toMatch(/\(loop [^]*\(call \$k\d+_sort /);
  });

  it("runs a 1000-step scan in one call from JS into wasm", () => {
    const f = jit((c0: A, xs: A) => lax.scan(body, c0, xs)[0], { device: "wasm" });
    const c0 = make({ shape: [16], seed: 12 }, "wasm");
    const xs = make({ shape: [1000, 16], seed: 13 }, "wasm");
    f(c0, xs).dispose(); // compile
    const before = { ...wasmBackend.stats };
    const out = f(c0, xs);
    expect(wasmBackend.stats.calls - before.calls).toBe(1);
    expect(wasmBackend.stats.hostOps - before.hostOps).toBe(0);
    expect(wasmBackend.stats.compiles - before.compiles).toBe(0);
    const want = onDevice("cpu", () => lax.scan(body, devicePut(c0, "cpu"), devicePut(xs, "cpu"))[0]);
    expectClose(out.dataSync(), want.dataSync(), "float32", tol, "1000-step scan");
    [c0, xs, out].forEach((a) => a.dispose());
  });

  it("eager scan/while/cond compile once per structure (cached), never through the reference, however small", async () => {
    // The default backend runs small non-elementwise eager ops through the reference; control flow compiles.
    const backend = await createWasmBackend();
    const fs: [string, Fn, A[]][] = [
      ["scan", (c0: A, xs: A) => lax.scan(body, c0, xs)[0], [np.zeros([16]), np.zeros([7, 16])]],
      ["while", (c0: A) => lax.whileLoop((v: A) => np.less(np.sum(v), 100), (v: A) => np.add(np.abs(v), 1), c0), [np.zeros([4])]],
      ["cond", (i: A, c0: A) => lax.switch(i, [(v: A) => v, (v: A) => np.sin(v), (v: A) => np.cos(v)], c0), [np.array(2, { dtype: "int32" }), np.zeros([3])]],
    ];
    for (const [name, f, args] of fs) {
      const e = makeJaxpr(f)(...args).jaxpr.eqns.find((q) => q.primitive === name)!;
      const inAvals = e.inputs.map((a) => a.aval);
      const outAvals = e.outVars.map((v) => v.aval);
      const host = inAvals.map((a, k) => (a.dtype === "int32" ? Int32Array.of(1) : randomData(a.dtype, a.size, 40 + k, { range: 2 })));
      const want = evalPrimitiveRef(e.primitive, host, inAvals, e.params, outAvals);
      const before = { ...backend.stats };
      for (let rep = 0; rep < 2; rep++) {
        const ins = host.map((h, k) => backend.fromHost(h, inAvals[k]!));
        const outs = backend.executePrimitive(e.primitive, ins, inAvals, e.params, outAvals);
        outs.forEach((o, k) => expectClose(backend.readSync(o, outAvals[k]!), want[k]!, outAvals[k]!.dtype, tol, `eager ${name} output ${k}`));
        [...ins, ...outs].forEach((b) => backend.dispose(b));
      }
      expect(backend.stats.hostOps - before.hostOps, name).toBe(0);
      expect(backend.stats.compiles - before.compiles, name).toBe(1);
      expect(backend.stats.calls - before.calls, name).toBe(2);
    }
  });

  it("keeps memory steady: a loop's arena is released after each call", () => {
    const f = jit((c0: A, xs: A) => lax.scan((c: A, x: A) => [np.tanh(np.add(np.matmul(c, c), x)), np.sum(c)], c0, xs), { device: "wasm" });
    const c0 = make({ shape: [8, 8], seed: 16, range: 0.2 }, "wasm");
    const xs = make({ shape: [5, 8, 8], seed: 17 }, "wasm");
    f(c0, xs).forEach((a: A) => a.dispose());
    const before = wasmBackend.allocatedBytes;
    for (let i = 0; i < 20; i++) f(c0, xs).forEach((a: A) => a.dispose());
    expect(wasmBackend.allocatedBytes).toBe(before);
    [c0, xs].forEach((a) => a.dispose());
  });

  it("plans memory per iteration: body temporaries share space, loop-crossing buffers live for the whole loop", () => {
    // A body of several unfusable steps (reductions over rows) on a [64, 64] carry, reading in
    // its second step only a value computed before the loop (which must outlive every trip).
    const f = (c0: A, xs: A) => {
      const w = np.cos(np.sum(c0, 0));
      const step = (c: A, x: A): [A, A] => {
        const r1 = np.sum(np.sin(c), 1, { keepdims: true });
        const r2 = np.max(np.add(np.add(c, r1), w), 1, { keepdims: true });
        const r3 = np.min(np.multiply(c, r2), 0, { keepdims: true });
        return [np.add(np.multiply(c, 0.5), np.add(np.multiply(r3, 1e-3), x)), r2];
      };
      return lax.scan(step, c0, xs);
    };
    const lowered = (length: number) => lowerJaxpr(makeJaxpr(f)(np.zeros([64, 64]), np.zeros([length, 64, 64])).jaxpr);
    const p = lowered(1000);
    // the arena does not grow with the trip count
    expect(p.arenaBytes).toBe(lowered(2).arenaBytes);
    const loop = p.steps.find((s): s is Step & { kind: "loop" } => s.kind === "loop")!;
    expect(loop).toBeDefined();
    const ranges = liveRanges(p);
    // positions of the loop's steps (program order, as the planner counts them)
    const all = leafSteps(p.steps);
    const inLoop = new Set(leafSteps(loop.body));
    const positions = all.flatMap((s, i) => (inLoop.has(s) ? [i] : []));
    const [from, to] = [Math.min(...positions), Math.max(...positions)];
    const arena = p.buffers.filter((b: BufferDecl) => b.kind === "temp" || b.kind === "scratch");
    const overlaps = (a: BufferDecl, b: BufferDecl) => a.offset < b.offset + bufferBytes(b) && b.offset < a.offset + bufferBytes(a);
    // created outside the loop and used inside it (the second buffer of the carry among them):
    // alive over every trip
    const crossing = arena.filter((b) => {
      const r = ranges.get(b.id);
      return b.loop === undefined && r !== undefined && r.from <= to && r.to >= from;
    });
    expect(crossing.length).toBeGreaterThan(0);
    for (const b of crossing) {
      const r = ranges.get(b.id)!;
      expect(r.from <= from && r.to >= to, `t${b.id} lives over [${r.from}, ${r.to}], the loop over [${from}, ${to}]`).toBe(true);
    }
    // body temporaries reuse each other's space, and never overlap a buffer that lives across trips
    const bodyTemps = arena.filter((b) => b.loop === loop.id);
    expect(bodyTemps.length).toBeGreaterThanOrEqual(2);
    expect(new Set(bodyTemps.map((b) => b.offset)).size).toBeLessThan(bodyTemps.length);
    for (const t of bodyTemps) for (const b of crossing) expect(overlaps(t, b), `t${t.id} overlaps loop-crossing t${b.id}`).toBe(false);
    checkAgainstCpu(f, [{ shape: [64, 64], seed: 20 }, { shape: [9, 64, 64], seed: 21 }], "planned body", { eager: false });
  });

  it("hoists loop-invariant kernels (a function of the constants, a matmul's packed weights) out of the loop, through nested loops", () => {
    const f = (h0: A, w: A, xs: A) =>
      lax.scan(
        (h: A, x: A) => {
          // exp(w) and the packing of w for the matmul are the same on every trip of both loops
          const inner = lax.foriLoop(0, 3, (_i: A, g: A) => np.tanh(np.add(np.matmul(g, np.exp(w)), x)), h);
          return [inner, np.sum(inner)];
        },
        h0,
        xs,
      );
    const p = lowerJaxpr(makeJaxpr(f)(np.zeros([16, 32]), np.zeros([32, 32]), np.zeros([5, 16, 32])).jaxpr);
    const outer = p.steps.find((s): s is Step & { kind: "loop" } => s.kind === "loop")!;
    const names = (steps: readonly Step[]) => leafSteps(steps).map((s) => s.name);
    const before = names(p.steps.slice(0, p.steps.indexOf(outer)));
    // packing w (with exp fused into it) runs once, before both loops
    expect(before.some((n) => n.includes("_packB"))).toBe(true);
    expect(names(outer.body).some((n) => n.includes("_packB"))).toBe(false);
    expect(names(outer.body).some((n) => n.includes("_packA"))).toBe(true);
    checkAgainstCpu(f, [{ shape: [16, 32], seed: 30 }, { shape: [32, 32], seed: 31, range: 0.1 }, { shape: [5, 16, 32], seed: 32 }], "hoisted");
    // a while loop that makes no trip still gives its initial carry
    checkAgainstCpu(
      (c: A, w: A) => lax.whileLoop((v: A) => np.greater(np.sum(v), 1e9), (v: A) => np.add(v, np.exp(w)), c),
      [{ shape: [8], seed: 33 }, { shape: [8], seed: 34 }],
      "no trip, hoisted body",
    );
  });
});
