/**
 * Derivatives through control flow against golden values from real JAX in float64
 * (test/golden/control_flow_grad.py writes test/golden/control_flow_grad.json). The registry
 * below holds the jaxts twin of every Python case, under a given set of Jacobian transforms:
 * once with Jacobians built from jvp/vjp one basis vector at a time (autodiff alone), once
 * with jacfwd/jacrev/hessian themselves (which also need the batching rules of the loops),
 * and once more with every case jitted.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { Jaxpr } from "../../ir/jaxpr.js";
import { grad, hessian, jacfwd, jacrev, jit, jvp, lax, makeJaxpr, numpy as np, tree, vjp, vmap } from "../../src/index.js";
import { type GoldenCase, compareTree, decodeInput } from "../goldenTree.js";

type A = np.Array;
type Fn = (...xs: any[]) => any;
type Argnums = number | readonly number[];

const golden = JSON.parse(readFileSync(new URL("../golden/control_flow_grad.json", import.meta.url), "utf8")) as {
  source: string;
  cases: GoldenCase[];
};

interface Jacobians {
  jacfwd: (f: Fn, opts?: { argnums?: Argnums }) => Fn;
  jacrev: (f: Fn, opts?: { argnums?: Argnums }) => Fn;
  hessian: (f: Fn, opts?: { argnums?: Argnums }) => Fn;
}

/** The one-hot array with `x`'s shape and dtype, 1 at flat position `j`. */
function unit(x: A, j: number): A {
  const data = new Float64Array(x.size);
  data[j] = 1;
  return np.array(data, { dtype: x.dtype, shape: x.shape });
}

const nums = (argnums: Argnums | undefined): readonly number[] => (argnums === undefined ? [0] : typeof argnums === "number" ? [argnums] : argnums);

/** jacfwd by one jvp per input element: each output leaf gets shape out.shape + in.shape. */
function jacfwdLoop(f: Fn, opts: { argnums?: Argnums } = {}): Fn {
  return (...args: A[]) => {
    const perArg = nums(opts.argnums).map((k) => {
      const x = args[k]!;
      const cols: unknown[] = [];
      for (let j = 0; j < x.size; j++) cols.push(jvp(f, args, args.map((a, i) => (i === k ? unit(x, j) : np.zerosLike(a))))[1]);
      const [first, def] = tree.flatten(cols[0]);
      const leaves = first.map((_, l) => {
        const col = cols.map((c) => tree.leaves<A>(c)[l]!);
        return np.reshape(np.stack(col, -1), [...col[0]!.shape, ...x.shape]);
      });
      return { leaves, def };
    });
    const { def } = perArg[0]!;
    const out = perArg[0]!.leaves.map((_, l) => (Array.isArray(opts.argnums) ? perArg.map((p) => p.leaves[l]!) : perArg[0]!.leaves[l]!));
    return tree.unflatten(def, out);
  };
}

/** jacrev by one vjp per output element (one array output). */
function jacrevLoop(f: Fn, opts: { argnums?: Argnums } = {}): Fn {
  return (...args: A[]) => {
    const [out, back] = vjp(f, args) as [A, (ct: A) => A[]];
    const ks = nums(opts.argnums);
    const rows = ks.map(() => [] as A[]);
    for (let m = 0; m < out.size; m++) {
      const cts = back(unit(out, m));
      ks.forEach((k, r) => rows[r]!.push(cts[k]!));
    }
    const jac = ks.map((k, r) => np.reshape(np.stack(rows[r]!, 0), [...out.shape, ...args[k]!.shape]));
    return Array.isArray(opts.argnums) ? jac : jac[0];
  };
}

const byLoops: Jacobians = {
  jacfwd: jacfwdLoop,
  jacrev: jacrevLoop,
  hessian: (f, opts = {}) => jacfwdLoop(jacrevLoop(f, opts), opts),
};
const real: Jacobians = { jacfwd, jacrev, hessian: (f, opts) => hessian(f, opts) };

const f64 = (x: number | number[]) => np.array(x, { dtype: "float64" });
/** An int32 loop index as float64 (JAX's `i * 0.1` is float64 under x64; a JS 0.1 would be float32). */
const asF64 = (i: A) => lax.convertElementType(i, "float64");

// The functions of the Python script, written with jaxts.
const condFn = (x: A, w: A) =>
  np.sum(
    lax.cond(
      np.greater(np.sum(x), 0),
      (a: A) => np.sin(np.multiply(a, w)),
      (a: A) => np.multiply(np.cos(a), a),
      x,
    ),
  );
const switchFn = (x: A) => {
  const s = np.sum(x);
  const i = np.add(lax.convertElementType(np.greater(s, 0), "int32"), lax.convertElementType(np.greater(s, 1), "int32"));
  return lax.switch(i, [(a: A) => np.multiply(a, a), (a: A) => np.exp(a), (a: A) => np.multiply(np.tanh(a), 3)], x);
};
const rnn = (W: A, h0: A, xs: A, opts: { reverse?: boolean; unroll?: number } = {}) => {
  const [h, ys] = lax.scan(
    (h: A, x: A) => {
      const hn = np.tanh(np.add(np.matmul(W, h), x));
      return [hn, np.sum(np.multiply(hn, hn))];
    },
    h0,
    xs,
    opts,
  );
  return np.add(np.sum(h), np.sum(np.multiply(ys, np.arange(1, ys.shape[0]! + 1, 1, { dtype: "float64" }))));
};
const scanYs = (c0: A, xs: A) => lax.scan((c: A, x: A) => {
  const cn = np.add(np.multiply(c, 0.9), np.sin(x));
  return [cn, np.multiply(cn, x)];
}, c0, xs)[1];
const pytreeCarry = (p: A) => {
  const [c] = lax.scan(
    (c: { a: A; b: A }, _: null) => [{ a: np.multiply(c.a, np.cos(c.b)), b: np.add(c.b, np.multiply(0.1, c.a)) }, null],
    { a: p.slice(0), b: p.slice(1) },
    null,
    { length: 4 },
  );
  return np.multiply(c.a, c.b);
};
const foriFn = (x: A, w: A) => np.sum(lax.foriLoop(0, 5, (i: A, v: A) => np.add(np.sin(np.multiply(v, w)), np.multiply(asF64(i), 0.1)), x));
const whileFn = (x: A) =>
  lax.whileLoop(
    ([i, v]: [A, A]) => np.logicalOr(np.less(i, 3), np.less(np.sum(v), -100)),
    ([i, v]: [A, A]) => [np.add(i, 1), np.add(np.multiply(v, 0.5), np.sin(v))] as [A, A],
    [np.array(0, { dtype: "int32" }), x] as [A, A],
  )[1];
const nestedScan = (W: A, xs: A) => {
  const [c, ys] = lax.scan(
    (c: A, row: A) => {
      const [d, ds] = lax.scan(
        (d: A, x: A) => {
          const dn = np.sin(np.add(np.multiply(d, x), np.sum(np.multiply(W, c))));
          return [dn, dn];
        },
        c.slice(0),
        row,
      );
      return [np.add(np.multiply(c, np.cos(d)), np.sum(ds)), d];
    },
    np.ones([2], { dtype: "float64" }),
    xs,
  );
  return np.add(np.sum(c), np.sum(ys));
};
const condInScan = (w: A, xs: A) => {
  const [c, ys] = lax.scan(
    (c: A, x: A) => {
      const cn = lax.cond(
        np.greater(x, 0),
        (c: A) => np.add(np.multiply(c, w), x),
        (c: A) => np.subtract(np.sin(c), np.multiply(w, x)),
        c,
      );
      return [cn, np.multiply(cn, cn)];
    },
    f64(0.5),
    xs,
  );
  return np.add(c, np.sum(ys));
};
const foriInScan = (w: A, xs: A) => {
  const [c, ys] = lax.scan(
    (c: A, x: A) => {
      const cn = lax.foriLoop(0, 3, (i: A, v: A) => np.add(np.multiply(v, np.cos(np.multiply(w, x))), np.multiply(0.1, asF64(i))), c);
      return [cn, np.sum(cn)];
    },
    np.full([2], 0.3, { dtype: "float64" }),
    xs,
  );
  return np.multiply(np.sum(c), np.sum(ys));
};
const scanInCond = (x: A, w: A) =>
  lax.cond(
    np.greater(np.sum(x), 0),
    (a: A) => lax.scan((c: A, y: A) => [np.add(np.multiply(c, y), w), c], a.slice(0), a)[0],
    (a: A) => np.sum(np.multiply(a, w)),
    x,
  );
const inner = (x: A) => lax.scan((c: A, y: A) => [np.sin(np.multiply(c, y)), c], f64(1), x)[0];

function registry({ jacfwd, jacrev, hessian }: Jacobians): Record<string, Fn> {
  return {
    cond_grad_true: (x, w) => grad(condFn, { argnums: [0, 1] })(x, w),
    cond_grad_false: (x, w) => grad(condFn, { argnums: [0, 1] })(x, w),
    cond_hessian: (x, w) => hessian(condFn)(x, w),
    switch_jacrev: (x) => jacrev(switchFn)(x),
    switch_jacfwd: (x) => jacfwd(switchFn)(x),
    scan_rnn_grad: (W, h0, xs) => grad(rnn, { argnums: [0, 1, 2] })(W, h0, xs),
    scan_rnn_reverse_grad: (W, h0, xs) => grad((W: A, h0: A, xs: A) => rnn(W, h0, xs, { reverse: true }), { argnums: [0, 1, 2] })(W, h0, xs),
    scan_rnn_unroll_jacrev: (W, h0, xs) => jacrev((W: A) => rnn(W, h0, xs, { unroll: 2 }))(W),
    scan_rnn_hessian_h0: (W, h0, xs) => hessian((h0: A) => rnn(W, h0, xs))(h0),
    scan_ys_jacfwd: (c0, xs) => jacfwd(scanYs, { argnums: [0, 1] })(c0, xs),
    scan_ys_jacrev: (c0, xs) => jacrev(scanYs, { argnums: [0, 1] })(c0, xs),
    scan_pytree_carry_grad: (p) => grad(pytreeCarry)(p),
    scan_pytree_carry_hessian: (p) => hessian(pytreeCarry)(p),
    fori_static_grad: (x, w) => grad(foriFn, { argnums: [0, 1] })(x, w),
    fori_static_hessian: (x, w) => hessian(foriFn)(x, w),
    while_jacfwd: (x) => jacfwd(whileFn)(x),
    while_jvp: (x, t) => jvp(whileFn, [x], [t]),
    nested_scan_grad: (W, xs) => grad(nestedScan, { argnums: [0, 1] })(W, xs),
    nested_scan_hessian_W: (W, xs) => hessian(nestedScan)(W, xs),
    cond_in_scan_grad: (w, xs) => grad(condInScan, { argnums: [0, 1] })(w, xs),
    cond_in_scan_hessian: (w, xs) => hessian(condInScan, { argnums: [0, 1] })(w, xs),
    fori_in_scan_grad: (w, xs) => grad(foriInScan, { argnums: [0, 1] })(w, xs),
    scan_in_cond_grad: (x, w) => grad(scanInCond, { argnums: [0, 1] })(x, w),
    scan_grad_of_grad: (x) => grad((x: A) => np.sum(np.square(grad(inner)(x))))(x),
  };
}

/** Whether vmap handles scan and cond yet (the batching rules live in their own work). */
function batchingWorks(): boolean {
  try {
    vmap((x: A) => lax.scan((c: A, y: A) => [np.add(c, y), c], x, np.ones([2, 1])))(np.ones([2, 1]));
    vmap((x: A) => lax.cond(true, (a: A) => a, (a: A) => a, x))(np.ones([2]));
    return true;
  } catch {
    return false;
  }
}

function runGolden(title: string, cases: Record<string, Fn>, wrap: (f: Fn) => Fn = (f) => f): void {
  describe(title, () => {
    it("has a jaxts twin for every golden case and vice versa", () => {
      expect(Object.keys(cases)).toEqual(golden.cases.map((c) => c.name));
    });
    it.each(golden.cases.map((c) => [c.name, c] as const))("%s", (name, c) => {
      const fn = cases[name];
      if (fn === undefined) throw new Error(`no jaxts twin for golden case ${name}`);
      const got = wrap(fn)(...c.inputs.map(decodeInput));
      const errs: string[] = [];
      compareTree(got, c.out, c.rtol, c.atol, "out", errs);
      expect(errs, errs.join("\n")).toEqual([]);
    });
  });
}

runGolden(`control-flow derivatives agree with ${golden.source} (Jacobians from jvp/vjp per basis vector)`, registry(byLoops));
runGolden(`control-flow derivatives agree with ${golden.source} under jit`, registry(byLoops), (f) => jit(f));
describe.runIf(batchingWorks())("with jacfwd/jacrev/hessian (needs the loops' batching rules)", () => {
  runGolden(`control-flow derivatives agree with ${golden.source} (jacfwd, jacrev, hessian)`, registry(real));
});

// --- the structure of the jaxprs: the same control-flow equations as JAX, in the same order ----

const structures = JSON.parse(readFileSync(new URL("../golden/control_flow_grad_jaxprs.json", import.meta.url), "utf8")) as {
  source: string;
  structures: Record<string, string[]>;
};

/** The control-flow equations at the top level of a jaxpr (looking through jit), as the script writes them. */
function controlFlowEqns(jaxpr: Jaxpr): string[] {
  return jaxpr.eqns.flatMap((e): string[] => {
    if (e.primitive === "jit") return controlFlowEqns((e.params as { jaxpr: Jaxpr }).jaxpr);
    if (e.primitive === "scan") return [`scan reverse=${(e.params as { reverse: boolean }).reverse ? "True" : "False"}`];
    if (e.primitive === "cond") return [`cond branches=${(e.params as { branches: readonly Jaxpr[] }).branches.length}`];
    if (e.primitive === "while") return ["while"];
    return [];
  });
}

const structureTwins: Record<string, [Fn, A[]]> = {
  grad_scan_rnn: [(W, h0, xs) => grad(rnn, { argnums: [0, 1, 2] })(W, h0, xs), [rnd([3, 3]), rnd([3]), rnd([4, 3])]],
  grad_scan_rnn_reverse: [(W, h0, xs) => grad((W: A, h0: A, xs: A) => rnn(W, h0, xs, { reverse: true }))(W, h0, xs), [rnd([3, 3]), rnd([3]), rnd([4, 3])]],
  grad_cond: [(x, w) => grad(condFn)(x, w), [rnd([3]), rnd([3])]],
  grad_fori_static: [(x, w) => grad(foriFn)(x, w), [rnd([3]), rnd([3])]],
  grad_cond_in_scan: [(w, xs) => grad(condInScan)(w, xs), [f64(0.7), rnd([4])]],
  jvp_scan_rnn: [(W, h0, xs) => jvp((W: A) => rnn(W, h0, xs), [W], [W]), [rnd([3, 3]), rnd([3]), rnd([4, 3])]],
  jvp_while: [(x, t) => jvp(whileFn, [x], [t]), [rnd([3]), rnd([3])]],
};

function rnd(shape: number[]): A {
  const n = shape.reduce((a, b) => a * b, 1);
  return np.array(Array.from({ length: n }, (_, i) => Math.sin(i + 1) * 0.8), { dtype: "float64", shape });
}

describe(`printed jaxprs have the control-flow structure of ${structures.source}`, () => {
  it("has a twin for every structure", () => expect(Object.keys(structureTwins)).toEqual(Object.keys(structures.structures)));
  it.each(Object.entries(structures.structures))("%s", (name, expected) => {
    const [fn, args] = structureTwins[name]!;
    const jaxpr = makeJaxpr(fn)(...args).jaxpr;
    expect(controlFlowEqns(jaxpr), jaxpr.toString()).toEqual(expected);
  });
});
