/**
 * Contractions: `matmul dot vdot inner outer tensordot einsum`, each one `dotGeneral` (with
 * batch dimensions where numpy broadcasts), after promoting the operands to one dtype. Bool
 * operands contract as bool (or of ands), as in JAX.
 */
import { checkOptions, dtype as dtypeKind, orNull } from "../core/options.js";
import { showShape } from "../../ir/aval.js";
import type { DType } from "../../ir/dtype.js";
import type { ArrayLike, JArray } from "../core/array.js";
import { scalar } from "../core/convert.js";
import { ValueError } from "../errors.js";
import * as lax from "../lax.js";
import { multiply } from "./elementwise.js";
import { asArray, normalizeAxis, promoteArgs } from "./util.js";

export interface DotOptions {
  /** The dtype the contraction accumulates in and returns (JAX's `preferred_element_type`). */
  preferredElementType?: DType | null;
}

const s = (x: { shape: readonly number[] }) => showShape(x.shape);

/** The options of every contraction (checked strictly: core/options.ts). */
const DOT_OPTIONS = { preferredElementType: orNull(dtypeKind) };

function dotGeneral(a: JArray, b: JArray, contract: [number[], number[]], batch: [number[], number[]], opts: DotOptions): JArray {
  return lax.dotGeneral(a, b, [contract, batch], { preferredElementType: opts.preferredElementType ?? null });
}

/** Sums `axes` of `x` (or-reduces for bool). */
function sumAxes(x: JArray, axes: readonly number[]): JArray {
  if (axes.length === 0) return x;
  return x.dtype === "bool" ? lax.reduceOr(x, axes) : lax.reduceSum(x, axes);
}

/** The permutation that sorts `xs` (numpy's argsort of distinct integers). */
const argsortInts = (xs: readonly number[]): number[] => xs.map((_, i) => i).sort((i, j) => xs[i]! - xs[j]!);

// --- matmul ---------------------------------------------------------------------------------

/**
 * `np.matmul(a, b)`: matrix product over the last two dims, with numpy's broadcasting of the
 * leading (batch) dims; a 1-D operand acts as a row (a) or column (b) vector whose dim is then
 * dropped. One dotGeneral with batch dims (size-1 batch dims are squeezed, not broadcast).
 */
export function matmul(x: ArrayLike, y: ArrayLike, opts: DotOptions = {}): JArray {
  checkOptions("np.matmul", opts, DOT_OPTIONS, ["a", "b"]);
  const xs = [asArray(x, "matmul: input operand 0"), asArray(y, "matmul: input operand 1")];
  xs.forEach((t, i) => {
    if (t.ndim < 1) throw new ValueError(`matmul: input operand ${i} must have ndim at least 1, but it has ndim 0 (shapes ${s(xs[0]!)} and ${s(xs[1]!)})`);
  });
  let [a, b] = promoteArgs("matmul", xs) as [JArray, JArray];
  const aIsMat = a.ndim > 1;
  const bIsMat = b.ndim > 1;
  const k = a.shape[a.ndim - 1]!;
  const bk = b.shape[bIsMat ? b.ndim - 2 : 0]!;
  // JAX raises TypeError here (from dot_general), so do we.
  if (k !== bk)
    throw new TypeError(
      `matmul: input operand 1 has a mismatch in its core dimension 0, with gufunc signature (n?,k),(k,m?)->(n?,m?) ` +
        `(size ${bk} is different from ${k}), shapes ${s(a)} and ${s(b)}`,
    );
  const aBatch: (number | null)[] = aIsMat ? a.shape.slice(0, -2) : [];
  const bBatch: (number | null)[] = bIsMat ? b.shape.slice(0, -2) : [];
  const nb = Math.max(aBatch.length, bBatch.length);
  while (aBatch.length < nb) aBatch.unshift(null);
  while (bBatch.length < nb) bBatch.unshift(null);

  // JAX's construction: squeeze size-1 batch dims that meet a larger one, contract with the
  // matching batch dims as dotGeneral batch dims, then permute into numpy's output order.
  const aSqueeze: number[] = [];
  const bSqueeze: number[] = [];
  const aBatchPos: number[] = [];
  const bBatchPos: number[] = [];
  const idxBatch: number[] = [];
  const idxAOther: number[] = [];
  const idxBOther: number[] = [];
  for (let i = 0; i < nb; i++) {
    const ba = aBatch[i]!;
    const bb = bBatch[i]!;
    if (ba === null) idxBOther.push(i);
    else if (bb === null) idxAOther.push(i);
    else if (ba === 1) {
      idxBOther.push(i);
      aSqueeze.push(idxBatch.length + idxAOther.length + aSqueeze.length);
    } else if (bb === 1) {
      idxAOther.push(i);
      bSqueeze.push(idxBatch.length + idxBOther.length + bSqueeze.length);
    } else if (ba === bb) {
      aBatchPos.push(idxBatch.length + idxAOther.length);
      bBatchPos.push(idxBatch.length + idxBOther.length);
      idxBatch.push(i);
    } else {
      throw new ValueError(
        `matmul: operands could not be broadcast together: batch dimensions ${showShape(a.shape.slice(0, -2))} and ` +
          `${showShape(b.shape.slice(0, -2))} do not match, shapes ${s(a)} and ${s(b)}`,
      );
    }
  }
  if (aIsMat) idxAOther.push(nb);
  if (bIsMat) idxBOther.push(nb + (aIsMat ? 1 : 0));
  const perm = argsortInts([...idxBatch, ...idxAOther, ...idxBOther]);
  if (aSqueeze.length > 0) a = lax.squeeze(a, aSqueeze);
  if (bSqueeze.length > 0) b = lax.squeeze(b, bSqueeze);
  const out = dotGeneral(a, b, [[a.ndim - 1], [b.ndim - 1 - (bIsMat ? 1 : 0)]], [aBatchPos, bBatchPos], opts);
  return lax.transpose(out, perm);
}

// --- dot, vdot, inner, outer ------------------------------------------------------------------

/**
 * `np.dot(a, b)`: with a scalar, the product; otherwise a sum over the last axis of `a` and
 * the second-to-last of `b` (the only axis, if `b` is 1-D), the free dims of `a` first.
 */
export function dot(x: ArrayLike, y: ArrayLike, opts: DotOptions = {}): JArray {
  checkOptions("np.dot", opts, DOT_OPTIONS, ["a", "b"]);
  const [a, b] = promoteArgs("dot", [x, y]) as [JArray, JArray];
  if (a.ndim === 0 || b.ndim === 0) return dotGeneral(a, b, [[], []], [[], []], opts);
  const ad = a.ndim - 1;
  const bd = b.ndim === 1 ? 0 : b.ndim - 2;
  if (a.shape[ad] !== b.shape[bd])
    throw new TypeError(`dot: shapes ${s(a)} and ${s(b)} not aligned: ${a.shape[ad]} (dim ${ad}) != ${b.shape[bd]} (dim ${bd})`);
  return dotGeneral(a, b, [[ad], [bd]], [[], []], opts);
}

/** `np.vdot(a, b)`: the dot product of the flattened operands (which must have one size). */
export function vdot(x: ArrayLike, y: ArrayLike, opts: DotOptions = {}): JArray {
  checkOptions("np.vdot", opts, DOT_OPTIONS, ["a", "b"]);
  const [a, b] = promoteArgs("vdot", [x, y]) as [JArray, JArray];
  if (a.size !== b.size)
    throw new ValueError(`vdot: operands must have the same number of elements, got shapes ${s(a)} (size ${a.size}) and ${s(b)} (size ${b.size})`);
  return dotGeneral(lax.reshape(a, [a.size]), lax.reshape(b, [b.size]), [[0], [0]], [[], []], opts);
}

/** `np.inner(a, b)`: a sum over the last axes of both; with a scalar, the product. */
export function inner(x: ArrayLike, y: ArrayLike, opts: DotOptions = {}): JArray {
  checkOptions("np.inner", opts, DOT_OPTIONS, ["a", "b"]);
  const [a, b] = promoteArgs("inner", [x, y]) as [JArray, JArray];
  if (a.ndim === 0 || b.ndim === 0) return multiply(a, b);
  const ad = a.ndim - 1;
  const bd = b.ndim - 1;
  if (a.shape[ad] !== b.shape[bd])
    throw new TypeError(`inner: shapes ${s(a)} and ${s(b)} not aligned: ${a.shape[ad]} (dim ${ad}) != ${b.shape[bd]} (dim ${bd})`);
  return dotGeneral(a, b, [[ad], [bd]], [[], []], opts);
}

/** `np.outer(a, b)`: `ravel(a)[:, None] * ravel(b)[None, :]`. */
export function outer(x: ArrayLike, y: ArrayLike): JArray {
  const a = asArray(x, "outer: argument a");
  const b = asArray(y, "outer: argument b");
  return multiply(lax.reshape(a, [a.size, 1]), lax.reshape(b, [1, b.size]));
}

// --- tensordot ------------------------------------------------------------------------------------

/**
 * `np.tensordot(a, b, axes=2)`: `axes` is a count (the last `axes` dims of `a` against the
 * first of `b`), a pair of axes, or a pair of equal-length axis lists.
 */
export function tensordot(
  x: ArrayLike,
  y: ArrayLike,
  axes: number | readonly [number, number] | readonly [readonly number[], readonly number[]] = 2,
  opts: DotOptions = {},
): JArray {
  checkOptions("np.tensordot", opts, DOT_OPTIONS, ["a", "b", "axes?"]);
  const [a, b] = promoteArgs("tensordot", [x, y]) as [JArray, JArray];
  let ca: number[];
  let cb: number[];
  if (typeof axes === "number") {
    if (!Number.isInteger(axes) || axes < 0) throw new TypeError(`tensordot: axes must be a non-negative integer or a pair of axis lists, got ${axes}`);
    if (axes > Math.min(a.ndim, b.ndim))
      throw new ValueError(`tensordot: number of axes (${axes}) exceeds the input ranks (shapes ${s(a)} and ${s(b)})`);
    ca = Array.from({ length: axes }, (_, i) => a.ndim - axes + i);
    cb = Array.from({ length: axes }, (_, i) => i);
  } else if (Array.isArray(axes) && axes.length === 2) {
    const [p, q] = axes as readonly [unknown, unknown];
    if (typeof p === "number" && typeof q === "number") {
      ca = [normalizeAxis("tensordot", p, a.ndim, "axes[0]")];
      cb = [normalizeAxis("tensordot", q, b.ndim, "axes[1]")];
    } else if (Array.isArray(p) && Array.isArray(q)) {
      if (p.length !== q.length)
        throw new ValueError(`tensordot: axes lists must have equal length, got ${JSON.stringify(p)} and ${JSON.stringify(q)}`);
      ca = p.map((d) => normalizeAxis("tensordot", d as number, a.ndim, "axes[0]"));
      cb = q.map((d) => normalizeAxis("tensordot", d as number, b.ndim, "axes[1]"));
      for (const [list, name] of [[ca, "axes[0]"], [cb, "axes[1]"]] as const)
        if (new Set(list).size !== list.length) throw new ValueError(`tensordot: repeated axis in ${name} ${JSON.stringify(list)}`);
    } else throw new TypeError(`tensordot: axes must be an integer or a pair of integers or of axis lists, got ${JSON.stringify(axes)}`);
  } else throw new TypeError(`tensordot: axes must be an integer or a pair of integers or of axis lists, got ${JSON.stringify(axes)}`);
  for (let i = 0; i < ca.length; i++)
    if (a.shape[ca[i]!] !== b.shape[cb[i]!])
      throw new ValueError(
        `tensordot: shape mismatch for contracted axes: axis ${ca[i]} of a (size ${a.shape[ca[i]!]}) and axis ${cb[i]} of b ` +
          `(size ${b.shape[cb[i]!]}), shapes ${s(a)} and ${s(b)}`,
      );
  return dotGeneral(a, b, [ca, cb], [[], []], opts);
}

// --- einsum ------------------------------------------------------------------------------------------

/** An operand during einsum: the array and one label per dim (letters; ellipsis dims are "0", "1", ...). */
interface Labeled {
  x: JArray;
  labels: string[];
}

/** The letters of one term, and whether (and where) it has an ellipsis. */
function parseTerm(term: string, what: string, spec: string): { before: string[]; after: string[]; ellipsis: boolean } {
  const parts = term.split("...");
  if (parts.length > 2) throw new ValueError(`einsum: ${what} "${term}" has more than one ellipsis, in "${spec}"`);
  for (const p of parts)
    for (const c of p)
      if (!/[a-zA-Z]/.test(c))
        throw new ValueError(`einsum: invalid character "${c}" in ${what} "${term}" of "${spec}" (subscripts are letters a-z, A-Z and "...")`);
  return { before: [...parts[0]!], after: [...(parts[1] ?? "")], ellipsis: parts.length === 2 };
}

/** Takes the diagonal over each repeated label, summing it away unless `keep` has it (JAX's sum_repeats). */
function sumRepeats(op: Labeled, keep: ReadonlySet<string>): Labeled {
  let { x, labels } = op;
  for (const label of [...new Set(labels)]) {
    const axes = labels.flatMap((l, i) => (l === label ? [i] : []));
    if (axes.length < 2) continue;
    let mask: JArray | null = null;
    const first = lax.broadcastedIota("int32", x.shape, axes[0]!);
    for (const ax of axes.slice(1)) {
      const eq = lax.eq(first, lax.broadcastedIota("int32", x.shape, ax));
      mask = mask === null ? eq : lax.and(mask, eq);
    }
    x = lax.select(mask!, x, lax.broadcastInDim(scalar(0, x.dtype), x.shape, []));
    const drop = keep.has(label) ? axes.slice(0, -1) : axes;
    x = sumAxes(x, drop);
    labels = labels.filter((_, i) => !drop.includes(i));
  }
  return { x, labels };
}

/** Sums the dims whose labels are not in `keep`. */
function sumUnneeded(op: Labeled, keep: ReadonlySet<string>): Labeled {
  const drop = op.labels.flatMap((l, i) => (keep.has(l) ? [] : [i]));
  if (drop.length === 0) return op;
  return { x: sumAxes(op.x, drop), labels: op.labels.filter((_, i) => !drop.includes(i)) };
}

/** Squeezes size-1 dims whose label has a larger size in `other` (they broadcast). */
function dropSingletons(op: Labeled, other: Labeled): Labeled {
  const drop = op.labels.flatMap((l, i) => {
    const j = other.labels.indexOf(l);
    return op.x.shape[i] === 1 && j >= 0 && other.x.shape[j] !== 1 ? [i] : [];
  });
  if (drop.length === 0) return op;
  return { x: lax.squeeze(op.x, drop), labels: op.labels.filter((_, i) => !drop.includes(i)) };
}

/**
 * One pairwise contraction: shared labels in `keep` are batch dims, the other shared ones are
 * summed. With `target` (the final output order), batch dims follow it, and the operands are
 * swapped when that gives the target order without a transpose (as JAX does).
 */
function contractPair(l0: Labeled, r0: Labeled, keep: ReadonlySet<string>, target?: readonly string[]): Labeled {
  let lhs = dropSingletons(l0, r0);
  let rhs = dropSingletons(r0, lhs);
  lhs = sumUnneeded(lhs, new Set([...keep, ...rhs.labels]));
  rhs = sumUnneeded(rhs, new Set([...keep, ...lhs.labels]));
  const shared = lhs.labels.filter((l) => rhs.labels.includes(l));
  const batch = (target ?? lhs.labels).filter((l) => shared.includes(l) && keep.has(l));
  const contracted = shared.filter((l) => !keep.has(l));
  const idx = (op: Labeled, ls: readonly string[]) => ls.map((l) => op.labels.indexOf(l));
  const free = (op: Labeled) => op.labels.filter((l) => !shared.includes(l));
  const matches = (ls: readonly string[]) => target !== undefined && ls.every((l, i) => l === target[i]);
  const swap = !matches([...batch, ...free(lhs), ...free(rhs)]) && matches([...batch, ...free(rhs), ...free(lhs)]);
  const [p, q] = swap ? [rhs, lhs] : [lhs, rhs];
  const x = lax.dotGeneral(p.x, q.x, [
    [idx(p, contracted), idx(q, contracted)],
    [idx(p, batch), idx(q, batch)],
  ]);
  return { x, labels: [...batch, ...free(p), ...free(q)] };
}

/**
 * `np.einsum(subscripts, ...operands)`: Einstein summation. Supports an explicit output
 * (`"ij,jk->ik"`) or numpy's implicit one (labels that occur once, sorted), repeated labels
 * within an operand (diagonals: `"ii->i"`, traces: `"ii"`), labels summed within one operand,
 * `...` for broadcast leading dims, and size-1 dims broadcasting against the same label
 * elsewhere. Operands are promoted to one dtype and contracted pairwise, left to right, each
 * pair with one dotGeneral.
 */
export function einsum(subscripts: string, ...operands: ArrayLike[]): JArray {
  if (typeof subscripts !== "string") throw new TypeError(`einsum: subscripts must be a string, got ${typeof subscripts}`);
  const spec = subscripts.replace(/\s+/g, "");
  const arrow = spec.split("->");
  if (arrow.length > 2) throw new ValueError(`einsum: subscripts "${subscripts}" have more than one "->"`);
  const terms = arrow[0]!.split(",");
  if (operands.length === 0) throw new ValueError("einsum: at least one operand is required");
  if (terms.length !== operands.length)
    throw new ValueError(`einsum: subscripts "${subscripts}" name ${terms.length} operand(s) but ${operands.length} were given`);
  const arrays = promoteArgs("einsum", operands);

  // Labels per operand; ellipsis dims are right-aligned across operands, as in broadcasting.
  const parsed = terms.map((t, i) => parseTerm(t, `operand ${i} subscripts`, subscripts));
  const ellipsisDims = parsed.map((p, i) => {
    const named = p.before.length + p.after.length;
    const nd = arrays[i]!.ndim;
    if (p.ellipsis ? nd < named : nd !== named)
      throw new ValueError(
        `einsum: operand ${i} has shape ${s(arrays[i]!)} (${nd} dims) but its subscripts "${terms[i]}" name ${named} dims` +
          (p.ellipsis ? " plus an ellipsis" : ""),
      );
    return nd - named;
  });
  const maxEll = Math.max(0, ...ellipsisDims);
  const ellLabels = (n: number) => Array.from({ length: n }, (_, j) => String(maxEll - n + j));
  const ops: Labeled[] = parsed.map((p, i) => ({ x: arrays[i]!, labels: [...p.before, ...ellLabels(ellipsisDims[i]!), ...p.after] }));

  // Sizes: equal per label, except that 1 broadcasts between operands.
  const sizes = new Map<string, number>();
  ops.forEach(({ x, labels }, i) => {
    const mine = new Map<string, number>();
    labels.forEach((l, d) => {
      const n = x.shape[d]!;
      const name = /^\d+$/.test(l) ? `ellipsis dim ${l}` : `"${l}"`;
      if (mine.has(l) && mine.get(l) !== n)
        throw new ValueError(`einsum: repeated subscript ${name} of operand ${i} labels dims of different sizes, shape ${s(x)}`);
      mine.set(l, n);
      const prev = sizes.get(l);
      if (prev !== undefined && prev !== n && prev !== 1 && n !== 1)
        throw new ValueError(
          `einsum: size of subscript ${name} in operand ${i} (${n}, shape ${s(x)}) does not match its size ${prev} in an earlier operand (shapes ${arrays.map(s).join(", ")})`,
        );
      if (prev === undefined || prev === 1) sizes.set(l, n);
    });
  });

  // The output labels.
  let output: string[];
  if (arrow.length === 2) {
    const p = parseTerm(arrow[1]!, "output subscripts", subscripts);
    output = [...p.before, ...(p.ellipsis ? ellLabels(maxEll) : []), ...p.after];
    const seen = new Set<string>();
    for (const l of [...p.before, ...p.after]) {
      if (seen.has(l)) throw new ValueError(`einsum: output subscript "${l}" appears more than once in "${subscripts}"`);
      seen.add(l);
      if (!sizes.has(l)) throw new ValueError(`einsum: output subscript "${l}" does not appear in the inputs of "${subscripts}"`);
    }
  } else {
    const counts = new Map<string, number>();
    for (const p of parsed) for (const l of [...p.before, ...p.after]) counts.set(l, (counts.get(l) ?? 0) + 1);
    const once = [...counts].filter(([, n]) => n === 1).map(([l]) => l);
    output = [...ellLabels(maxEll), ...once.sort()];
  }
  const outSet = new Set(output);

  // Diagonals and sums within each operand, then pairwise contractions left to right.
  const prepared = ops.map((op, i) => {
    const elsewhere = new Set<string>([...output, ...ops.flatMap((o, j) => (j === i ? [] : o.labels))]);
    return sumUnneeded(sumRepeats(op, elsewhere), elsewhere);
  });
  let acc = prepared[0]!;
  for (let k = 1; k < prepared.length; k++) {
    const keep = new Set<string>([...outSet, ...prepared.slice(k + 1).flatMap((o) => o.labels)]);
    acc = contractPair(acc, prepared[k]!, keep, k === prepared.length - 1 ? output : undefined);
  }
  acc = sumUnneeded(acc, outSet);
  return lax.transpose(
    acc.x,
    output.map((l) => acc.labels.indexOf(l)),
  );
}
