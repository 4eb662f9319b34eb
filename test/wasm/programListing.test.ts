/**
 * jit(f).lower().compile().asText() on wasm lists the arena's buffers: exactly those the
 * program's steps touch. Fusion (codegen/kernel/fuseConsumers.ts, recompute.ts) removes
 * temporaries after lowering created them; they were listed (and given arena space) until the
 * memory planner left untouched buffers out.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { grad, jit, lax, nn, numpy as np } from "../../src/index.js";

type Arr = np.Array;

/** The temporaries the listing declares, and those its steps (and view/swap lines) name. */
function declaredAndUsed(text: string): { declared: Set<string>; used: Set<string> } {
  const lines = text.split("\n").filter((l) => l.startsWith(";; ")).map((l) => l.slice(3));
  const declared = new Set<string>();
  const used = new Set<string>();
  for (const l of lines.slice(1)) {
    const decl = /^ {2}(t\d+): \S+ (temp|scratch) @\d+$/.exec(l);
    if (decl) {
      declared.add(decl[1]!);
      continue;
    }
    for (const m of l.matchAll(/\bt\d+\b/g)) used.add(m[0]);
  }
  return { declared, used };
}

const programs: Record<string, [(...xs: Arr[]) => Arr, number[][]]> = {
  softmax: [(x) => nn.softmax(x, -1), [[8, 12]]],
  logSoftmax: [(x) => nn.logSoftmax(x, 0), [[6, 9]]],
  "mlp layer": [(x, w, b) => nn.relu(np.add(np.matmul(x, w), b)), [[16, 32], [32, 24], [24]]],
  "relu chain with a reduction": [(x) => np.sum(np.exp(nn.relu(np.subtract(x, np.max(x, 1, { keepdims: true })))), 1), [[5, 7]]],
  "max pool of a relu": [(x) => lax.reduceWindow(nn.relu(x), -Infinity, lax.max, [1, 2, 2, 1], [1, 2, 2, 1], "VALID"), [[2, 6, 6, 3]]],
  // the relu gradient fused into pooling's gradient routing: the routed temporary is never stored
  "gradient of a pooled relu": [(x) => grad((a: Arr) => np.sum(np.sin(lax.reduceWindow(nn.relu(a), -Infinity, lax.max, [1, 2, 2, 1], [1, 2, 2, 1], "VALID"))))(x), [[2, 6, 6, 3]]],
  // exp fused into the cumulative sum's kernel
  "exp of a cumulative sum": [(x) => np.exp(np.cumsum(x, 0)), [[9, 5]]],
};

describe("asText lists only the buffers the program uses", () => {
  it.each(Object.keys(programs))("%s", (name) => {
    const [f, shapes] = programs[name]!;
    const text = jit(f, { device: "wasm" })
      .lower(...shapes.map((s) => np.zeros(s)))
      .compile()
      .asText();
    const { declared, used } = declaredAndUsed(text);
    expect([...declared].filter((t) => !used.has(t)), `${name}: declared, never used`).toEqual([]);
    expect([...used].filter((t) => !declared.has(t)), `${name}: used, not declared`).toEqual([]);
  });

  it("on random elementwise chains with reductions", () => {
    const ops = [np.exp, np.sin, (a: Arr) => np.multiply(a, 2), (a: Arr) => np.subtract(a, np.max(a, -1, { keepdims: true })), (a: Arr) => np.add(a, np.sum(a, 0, { keepdims: true }))];
    fc.assert(
      fc.property(fc.array(fc.nat(ops.length - 1), { minLength: 1, maxLength: 6 }), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 6 }), (chain, m, n) => {
        const f = (x: Arr) => chain.reduce((a, k) => ops[k]!(a), x);
        const text = jit(f, { device: "wasm" }).lower(np.zeros([m, n])).compile().asText();
        const { declared, used } = declaredAndUsed(text);
        expect([...declared].filter((t) => !used.has(t))).toEqual([]);
        expect([...used].filter((t) => !declared.has(t))).toEqual([]);
      }),
      { numRuns: 30 },
    );
  });
});
