/**
 * Users' mistakes with control flow get JAX's error classes and messages that name the
 * function and show both sides of a mismatch (JAX 0.10.2's messages, checked by hand with
 * ~/jaxref; the wording follows theirs where our API has the same concept).
 */
import { describe, expect, it } from "vitest";
import { jit, lax, numpy as np, ValueError } from "../../src/index.js";

type A = np.Array;
const id = (x: unknown) => x;

/** The error `f` throws (failing the test when it throws nothing). */
function thrown(f: () => unknown): Error {
  try {
    f();
  } catch (e) {
    return e as Error;
  }
  throw new Error("expected an error, but the call returned normally");
}

/** Checks class and every message fragment, eagerly and under jit (where tracing raises the same error). */
function expectError(f: (x: A) => unknown, cls: new (...a: any[]) => Error, ...fragments: (string | RegExp)[]): void {
  for (const run of [() => f(np.ones([3])), () => jit(f)(np.ones([3]))]) {
    const e = thrown(run);
    expect(e, String(e)).toBeInstanceOf(cls);
    for (const frag of fragments) expect(e.message).toMatch(frag);
  }
}

describe("cond and switch: branches that disagree", () => {
  it("different output trees: TypeError naming both branches and both structures", () => {
    expectError(
      (x) => lax.cond(true, (a: A) => a, (a: A) => [a, a], x),
      TypeError,
      "lax.cond branch outputs must have the same pytree structure",
      "true_fun output is PyTreeDef(*) but false_fun output is PyTreeDef([*, *]).",
      "Revise true_fun and/or false_fun",
    );
  });

  it("different shapes: TypeError with both types", () => {
    expectError(
      (x) => lax.cond(true, (a: A) => np.sum(a), (a: A) => a, x),
      TypeError,
      "lax.cond branches must have equal output types but they differ",
      "The output of true_fun has type float32[] but the corresponding output of false_fun has type float32[3], so the shapes do not match.",
    );
  });

  it("different dtypes, at a path inside the output tree", () => {
    expectError(
      (x) => lax.cond(false, (a: A) => [a, np.array(1, { dtype: "int32" })], (a: A) => [a, np.array(1)], x),
      TypeError,
      "The output of true_fun at path [1] has type int32[] but the corresponding output of false_fun has type float32[], so the dtypes do not match.",
    );
  });

  it("several differing leaves are listed one per line", () => {
    expectError(
      (x) => lax.cond(true, (a: A) => ({ p: a, q: np.sum(a) }), (a: A) => ({ p: np.astype(a, "int32"), q: a }), x),
      TypeError,
      /\* the output of true_fun at path \['p'\] has type float32\[3\] but .* int32\[3\], so the dtypes do not match;/,
      /\* the output of true_fun at path \['q'\] has type float32\[\] but .* float32\[3\], so the shapes do not match;/,
    );
  });

  it("switch names the branches by index", () => {
    expectError(
      (x) => lax.switch(0, [(a: A) => a, (a: A) => a, (a: A) => np.astype(a, "int32")], x),
      TypeError,
      "lax.switch branches must have equal output types",
      "The output of branches[0] has type float32[3] but the corresponding output of branches[2] has type int32[3], so the dtypes do not match.",
    );
  });
});

describe("cond and switch: bad predicates and indices", () => {
  it("a non-scalar predicate is a TypeError with its shape", () => {
    expectError((x) => lax.cond(np.greater(x, 0), id, id, x), TypeError, "lax.cond: Pred must be a scalar, got an array of shape [3]");
  });

  it("a predicate that is neither boolean nor a number is a TypeError", () => {
    expectError((x) => lax.cond("yes" as never, id, id, x), TypeError, "lax.cond: Pred type must be either boolean or number, got");
    expectError((x) => lax.cond(null as never, id, id, x), TypeError, "lax.cond: the predicate is null or undefined");
    expectError((x) => lax.cond(np.array([true]).reshape([]) as A, 1 as never, id, x), TypeError, "lax.cond: trueFun and falseFun arguments should be callable");
  });

  it("numbers and numeric arrays are accepted as predicates (non-zero is true), as in JAX", () => {
    expect(lax.cond(np.array(2.5), () => np.array(1), () => np.array(0)).item()).toBe(1);
    expect(lax.cond(0, () => np.array(1), () => np.array(0)).item()).toBe(0);
  });

  it("switch with no branches is a ValueError; a float index or a non-scalar one a TypeError", () => {
    expectError((x) => lax.switch(0, [], x), ValueError, "lax.switch: empty branch sequence");
    expectError((x) => lax.switch(1.5, [id, id], x), TypeError, "lax.switch: Index type must be an integer, got 1.5");
    expectError((x) => lax.switch(np.array(1), [id, id], x), TypeError, "lax.switch: Index type must be an integer, got float32");
    expectError((x) => lax.switch(np.array([0, 1], { dtype: "int32" }), [id, id], x), TypeError, "lax.switch: Branch index must be scalar, got an array of shape [2]");
    expectError((x) => lax.switch(0, id as never, x), TypeError, "lax.switch: branches argument should be an array of callables");
  });
});

describe("scan and whileLoop: bodies that change their carry", () => {
  it("scan body changing the carry's tree: TypeError showing both structures", () => {
    expectError(
      (x) => lax.scan((c: A, xx: A) => [[c, c], xx] as never, np.sum(x), x),
      TypeError,
      "lax.scan body function carry input and carry output must have the same pytree structure, but they differ",
      "the input tree structure is: PyTreeDef(*)\nthe output tree structure is: PyTreeDef([*, *])",
    );
  });

  it("scan body changing the carry's dtype or shape: TypeError with both types", () => {
    expectError(
      (x) => lax.scan((c: A, xx: A) => [np.astype(c, "int32"), xx], np.sum(x), x),
      TypeError,
      "lax.scan body function carry input and carry output must have equal types, but they differ",
      "The input carry has type float32[] but the corresponding output carry component has type int32[], so the dtypes do not match.",
    );
    expectError(
      (x) => lax.scan((c: { h: A }, xx: A) => [{ h: np.ones([2]) }, xx], { h: x }, np.ones([4, 1])),
      TypeError,
      "The input carry component carry['h'] has type float32[3] but the corresponding output carry component has type float32[2], so the shapes do not match.",
    );
  });

  it("whileLoop body changing the carry: TypeError; cond_fun not a boolean scalar: TypeError", () => {
    expectError(
      (x) => lax.whileLoop((c: A) => np.less(np.sum(c), 3), (c: A) => np.astype(c, "int32"), x),
      TypeError,
      "lax.whileLoop body_fun function carry input and carry output must have equal types",
      "has type float32[3] but the corresponding output carry component has type int32[3], so the dtypes do not match.",
    );
    expectError(
      (x) => lax.whileLoop((c: A) => np.less(np.sum(c), 3), (c: A) => [c, c] as never, x),
      TypeError,
      "lax.whileLoop body_fun function carry input and carry output must have the same pytree structure",
    );
    expectError(
      (x) => lax.whileLoop((c: A) => np.less(c, 3), (c: A) => c, x),
      TypeError,
      "lax.whileLoop: cond_fun must return a boolean scalar, but got output type(s) [bool[3]]",
    );
    expectError((x) => lax.whileLoop((c: A) => np.sum(c), (c: A) => c, x), TypeError, "cond_fun must return a boolean scalar, but got output type(s) [float32[]]");
  });

  it("foriLoop body changing the carry is reported as the scan (static bounds) or while (traced bounds) it becomes", () => {
    expectError((x) => lax.foriLoop(0, 3, (_i, c: A) => np.sum(c), x), TypeError, "carry input and carry output must have equal types", "float32[3]", "float32[]");
  });
});

describe("scan: lengths", () => {
  it("xs of different lengths, no xs and no length, and a disagreeing length are ValueErrors", () => {
    const body = (c: A, x: unknown) => [c, x] as [A, unknown];
    expectError((x) => lax.scan(body, x, [np.ones([3]), np.ones([4])]), ValueError, "lax.scan: scan got values with different leading axis sizes: 3, 4");
    expectError((x) => lax.scan(body, x, null), ValueError, "lax.scan: scan got no values to scan over and `length` not provided");
    expectError((x) => lax.scan(body, x, np.ones([3]), { length: 4 }), ValueError, "lax.scan: scan got `length` argument of 4 which disagrees with leading axis sizes [3]");
    expectError((x) => lax.scan(body, x, np.array(1)), ValueError, "lax.scan: scan got value with no leading axis to scan over: f32[]");
    expectError((x) => lax.scan(body, x, null, { length: -1 }), TypeError, "lax.scan: length must be a non-negative integer, got -1");
  });

  it("a body that does not return a pair is a TypeError", () => {
    expectError((x) => lax.scan((c: A) => c as never, x, null, { length: 2 }), TypeError, "lax.scan: scan body output must be a pair [carry, y], got");
  });
});

describe("arguments of the wrong kind", () => {
  it("foriLoop bounds must be integers of one dtype; unroll needs static bounds", () => {
    const body = (_i: A, c: A) => c;
    expectError((x) => lax.foriLoop(0.5, 3, body, x), TypeError, "lax.foriLoop: lower must be an integer, got 0.5");
    expectError((x) => lax.foriLoop(np.array(0), 3, body, x), TypeError, "lax.foriLoop: lower must be an integer scalar, got f32[]");
    expectError(
      (x) => lax.foriLoop(np.array(0, { dtype: "int32" }), np.array(3, { dtype: "uint32" }), body, x),
      TypeError,
      "lax.foriLoop: lower and upper must have the same dtype, got int32 and uint32",
    );
    const e = thrown(() => jit((n: A, x: A) => lax.foriLoop(0, n, body, x, { unroll: 2 }))(np.array(3, { dtype: "int32" }), np.ones([3])));
    expect(e).toBeInstanceOf(TypeError);
    expect(e.message).toMatch("lax.foriLoop: unroll is only supported with static (concrete) bounds");
  });

  it("scan's f, xs, reverse and unroll; map's batchSize; whileLoop's functions", () => {
    expectError((x) => lax.scan(3 as never, x, x), TypeError, "lax.scan: f argument should be callable, got number 3");
    expectError((x) => lax.scan((c: A, y: A) => [c, y], x, "abc" as never), TypeError, "lax.scan: xs, leaf 0: expected arrays or numbers as leaves, got the string \"abc\"");
    expectError((x) => lax.scan((c: A, y: A) => [c, y], x, x, { reverse: 1 as never }), TypeError, "lax.scan: reverse must be a boolean, got 1");
    expectError((x) => lax.scan((c: A, y: A) => [c, y], x, x, { unroll: -1 }), ValueError, "lax.scan: `unroll` must be a boolean or a non-negative integer, got number -1");
    expectError((x) => lax.map((a: A) => a, x, { batchSize: 0 }), TypeError, "lax.map: batchSize must be a positive integer, got 0");
    expectError((x) => lax.whileLoop(3 as never, (c: A) => c, x), TypeError, "lax.whileLoop: condFun and bodyFun arguments should be callable, got number 3");
  });

  it("associativeScan: axis in range, equal sizes along it, fn returning elems' tree and shapes", () => {
    expectError((x) => lax.associativeScan(np.add, x, { axis: 1 }), ValueError, "lax.associativeScan: axis 1 is out of range for elems of shapes [3]");
    expectError(
      (x) => lax.associativeScan(np.add as never, [x, np.ones([4])]),
      ValueError,
      "lax.associativeScan: every leaf of elems must have the same size along axis 0, got shapes [3], [4]",
    );
    expectError((x) => lax.associativeScan((a: A, b: A) => [a, b] as never, x), TypeError, "lax.associativeScan: fn must return a tree like elems (PyTreeDef(*)), got PyTreeDef([*, *])");
    expectError((x) => lax.associativeScan((a: A) => np.sum(a), x), ValueError, "lax.associativeScan: fn must keep the shapes of its arguments along axis 0");
  });
});

describe("unknown options", () => {
  it("every control-flow function with options rejects unknown keys, listing the accepted ones", () => {
    expectError((x) => lax.scan((c: A, y: A) => [c, y], x, x, { lenth: 3 } as never), TypeError, 'lax.scan: unknown option "lenth" (did you mean length?); the options are length, reverse, unroll', "Usage: lax.scan(f, init, xs, {length?, reverse?, unroll?})");
    expectError((x) => lax.foriLoop(0, 2, (_i, c: A) => c, x, { reverse: true } as never), TypeError, 'lax.foriLoop: unknown option "reverse"; the options are unroll');
    expectError((x) => lax.map((a: A) => a, x, { batch_size: 2 } as never), TypeError, 'lax.map: unknown option "batch_size" (did you mean batchSize?); the options are batchSize');
    expectError((x) => lax.associativeScan(np.add, x, { axes: 0 } as never), TypeError, 'lax.associativeScan: unknown option "axes"', "the options are reverse, axis");
  });
});

describe("lax's binary primitives do not broadcast", () => {
  it("operands of different shapes are a TypeError naming the function and both shapes", () => {
    const e = thrown(() => lax.add(np.ones([2]), np.ones([3])));
    expect(e).toBeInstanceOf(TypeError);
    expect(e.message).toMatch("lax.add got incompatible shapes for broadcasting: [2], [3]");
    expect(thrown(() => lax.lt(np.ones([2, 3]), np.ones([3])))).toBeInstanceOf(TypeError);
    expect(thrown(() => lax.mul(np.ones([2, 3]), np.ones([3, 2]))).message).toMatch("lax.mul got incompatible shapes for broadcasting: [2,3], [3,2]");
    expect(thrown(() => jit((a: A) => lax.sub(a, np.ones([4])))(np.ones([3])))).toBeInstanceOf(TypeError);
  });

  it("rank-0 operands and JS numbers still broadcast (our convention for scalars)", () => {
    expect(lax.add(np.ones([2]), np.array(2)).tolist()).toEqual([3, 3]);
    expect(lax.mul(3, np.ones([2, 1])).tolist()).toEqual([[3], [3]]);
  });
});
