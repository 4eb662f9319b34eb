/**
 * `lax.scan` (the `scan` primitive) and `lax.map`, which is a scan without a carry.
 */
import { sliceAval } from "../../ir/controlFlow.js";
import { JArray } from "../core/array.js";
import { describe } from "../core/convert.js";
import { bind } from "../core/interpreter.js";
import { ValueError } from "../errors.js";
import * as lax from "../lax.js";
import * as tree from "../tree.js";
import { vmap } from "../vmap/api.js";
import { operandLeaves, strongly, traceBody } from "./common.js";
import { checkCarry, weakCarriesToPromote } from "./loops.js";
import { controlFlowOptions } from "./options.js";

export interface ScanOptions {
  /** The number of iterations; required when `xs` has no leaves, else it must match their leading axis. */
  length?: number;
  /** Scan from the end of `xs` to the start (ys are still stored at their own positions). */
  reverse?: boolean;
  /** How many iterations one trip of the compiled loop runs (`true`: all of them). Results never depend on it. */
  unroll?: number | boolean;
}

/**
 * `lax.scan(f, init, xs, {length?, reverse?, unroll?})` with `f(carry, x) -> [carry, y]`:
 * returns `[finalCarry, ys]` where `ys` stacks every `y` along a new leading axis. `init`,
 * `xs` and `y` may be any pytrees (`xs` may be `null` with a `length`). The body is traced
 * once and the loop runs inside the compiled program.
 */
export function scan<C, X, Y>(f: (carry: C, x: X) => [C, Y], init: C, xs: X, opts?: ScanOptions): [C, Y] {
  const { length: lengthOpt, reverse = false, unroll = 1 } = controlFlowOptions("lax.scan", opts);
  if (typeof f !== "function") throw new TypeError(`lax.scan: f argument should be callable, got ${describe(f)}`);
  if (typeof reverse !== "boolean") throw new TypeError(`lax.scan: reverse must be a boolean, got ${describe(reverse)}`);
  let [carry, carryTree] = operandLeaves(init, "lax.scan: init");
  const [xLeaves, xTree] = operandLeaves(xs, "lax.scan: xs");
  const length = scanLength(xLeaves, lengthOpt);
  const unrollCount = unroll === true ? Math.max(length, 1) : unroll === false ? 1 : unroll;
  if (!Number.isInteger(unrollCount) || unrollCount < 0) throw new ValueError(`lax.scan: \`unroll\` must be a boolean or a non-negative integer, got ${describe(unroll)}`);
  const argTree: tree.TreeDef = { kind: "list", children: [carryTree, xTree] };
  const trace = () => {
    const body = traceBody(f, argTree, [...carry.map((c) => c.aval), ...xLeaves.map((x) => sliceAval(x.aval))], "scan");
    const out = body.outTree;
    if (out.kind !== "list" || out.children.length !== 2)
      throw new TypeError(`lax.scan: scan body output must be a pair [carry, y], got ${tree.treeDefString(out)}`);
    return { body, carryOut: out.children[0]!, yTree: out.children[1]! };
  };
  let t = trace();
  const promoted = weakCarriesToPromote(carry, t.body);
  if (promoted.some((p) => p)) {
    carry = carry.map((c, i) => (promoted[i] ? strongly(c) : c));
    t = trace();
  }
  checkCarry("lax.scan body", carryTree, carry, t.body, t.carryOut);
  const operands = [...t.body.consts, ...carry, ...xLeaves];
  const outs = bind("scan", operands, {
    jaxpr: t.body.jaxpr,
    length,
    linear: operands.map(() => false),
    numCarry: carry.length,
    numConsts: t.body.consts.length,
    reverse,
    unroll: Math.max(unrollCount, 1),
  });
  return [tree.unflatten<C>(carryTree, outs.slice(0, carry.length)), tree.unflatten<Y>(t.yTree, outs.slice(carry.length))];
}

/** The scan length from the xs' leading axes and the `length` option, with JAX's errors. */
function scanLength(xs: readonly JArray[], length: number | undefined): number {
  for (const x of xs) if (x.ndim === 0) throw new ValueError(`lax.scan: scan got value with no leading axis to scan over: ${x.aval}`);
  const lengths = xs.map((x) => x.shape[0]!);
  if (length !== undefined) {
    if (!Number.isInteger(length) || length < 0) throw new TypeError(`lax.scan: the length option must be a non-negative integer, got ${describe(length)}`);
    if (lengths.some((l) => l !== length))
      throw new ValueError(`lax.scan: scan got \`length\` argument of ${length} which disagrees with leading axis sizes [${lengths.join(", ")}]`);
    return length;
  }
  if (new Set(lengths).size > 1) throw new ValueError(`lax.scan: scan got values with different leading axis sizes: ${lengths.join(", ")}`);
  if (lengths.length === 0) throw new ValueError("lax.scan: scan got no values to scan over and `length` not provided");
  return lengths[0]!;
}

export interface MapOptions {
  /** Evaluate `f` on this many slices at once with vmap (the rest, if any, in one more vmapped call). */
  batchSize?: number;
}

/**
 * `lax.map(f, xs, {batchSize?})`: `f` applied to every slice of `xs` along its leading axis,
 * sequentially (a scan), or in vmapped groups of `batchSize`.
 */
export function map<X, Y>(f: (x: X) => Y, xs: X, opts?: MapOptions): Y {
  const { batchSize } = controlFlowOptions("lax.map", opts);
  if (typeof f !== "function") throw new TypeError(`lax.map: f argument should be callable, got ${describe(f)}`);
  if (batchSize === undefined) return scan((c: null, x: X) => [c, f(x)], null, xs)[1];
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new TypeError(`lax.map: batchSize must be a positive integer, got ${describe(batchSize)}`);
  const [leaves, def] = operandLeaves(xs, "lax.map: xs");
  const n = scanLength(leaves, undefined);
  const numBatches = Math.floor(n / batchSize);
  const rest = n - numBatches * batchSize;
  const batched = vmap(f);
  const parts: unknown[] = [];
  if (numBatches > 0) {
    const grouped = leaves.map((x) => lax.reshape(lax.sliceInDim(x, 0, numBatches * batchSize, 1, 0), [numBatches, batchSize, ...x.shape.slice(1)]));
    const ys = scan((c: null, x: X) => [c, batched(x)], null, tree.unflatten<X>(def, grouped))[1];
    parts.push(tree.map((y: JArray) => lax.reshape(y, [numBatches * batchSize, ...y.shape.slice(2)]), ys));
  }
  if (rest > 0) parts.push(batched(tree.unflatten<X>(def, leaves.map((x) => lax.sliceInDim(x, numBatches * batchSize, n, 1, 0)))));
  if (parts.length === 1) return parts[0] as Y;
  return tree.map((a: JArray, b: JArray) => lax.concatenate([a, b], 0), parts[0], parts[1]) as Y;
}
