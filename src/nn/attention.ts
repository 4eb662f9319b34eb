/**
 * `dotProductAttention`, as jax.nn's (its "xla" implementation): scaled dot-product attention
 * over `[B, T, N, H]` queries and `[B, S, K, H]` keys and values (grouped-query attention when
 * K divides N; the batch dim may be left out), with an additive bias, a boolean mask, a causal
 * mask, per-example sequence lengths and a local window. Logits and softmax run in float32.
 */
import { showShape } from "../../ir/aval.js";
import type { ArrayLike, JArray } from "../core/array.js";
import { any, arrayLike, bindArgs, bool, keywordOnly, num, oneOf, orNull, required } from "../core/options.js";
import { ValueError } from "../errors.js";
import * as lax from "../lax.js";
import * as np from "../numpy/index.js";
import { asArray, broadcastToShape } from "../numpy/util.js";
import { softmax } from "./activations.js";

export interface DotProductAttentionOptions {
  scale?: number | null;
  isCausal?: boolean;
  querySeqLengths?: ArrayLike | null;
  keyValueSeqLengths?: ArrayLike | null;
  localWindowSize?: number | readonly [number, number] | null;
  implementation?: "xla" | null;
}

const FN = "nn.dotProductAttention";

/** `query @ key` per head, softmax over the keys, then weights @ value: `dotProductAttention(query, key, value, bias?, mask?, {scale, isCausal, ...})`. */
export function dotProductAttention(query: ArrayLike, key: ArrayLike, value: ArrayLike, bias?: ArrayLike | null, mask?: ArrayLike | null, opts?: DotProductAttentionOptions): JArray;
export function dotProductAttention(query: ArrayLike, key: ArrayLike, value: ArrayLike, opts?: DotProductAttentionOptions & { bias?: ArrayLike | null; mask?: ArrayLike | null }): JArray;
export function dotProductAttention(...args: unknown[]): JArray {
  const o = bindArgs(FN, args, {
    query: required(arrayLike),
    key: required(arrayLike),
    value: required(arrayLike),
    bias: orNull(arrayLike),
    mask: orNull(arrayLike),
    scale: keywordOnly(orNull(num)),
    isCausal: keywordOnly(bool),
    querySeqLengths: keywordOnly(orNull(arrayLike)),
    keyValueSeqLengths: keywordOnly(orNull(arrayLike)),
    localWindowSize: keywordOnly(orNull(any)),
    implementation: keywordOnly(orNull(oneOf("xla"))),
  });
  let q = asArray(o.query, `${FN}: query`);
  let k = asArray(o.key, `${FN}: key`);
  let v = asArray(o.value, `${FN}: value`);
  const unbatched = q.ndim === 3;
  if (q.ndim !== k.ndim || q.ndim !== v.ndim || (q.ndim !== 3 && q.ndim !== 4))
    throw new ValueError(`${FN}: query, key and value must all be 3-D [T, N, H] or all 4-D [B, T, N, H], got shapes ${showShape(q.shape)}, ${showShape(k.shape)} and ${showShape(v.shape)}`);
  if (unbatched) [q, k, v] = [q, k, v].map((t) => lax.reshape(t, [1, ...t.shape])) as [JArray, JArray, JArray];
  if (q.dtype !== k.dtype || q.dtype !== v.dtype) throw new TypeError(`${FN}: query, key and value must have the same dtype, got ${q.dtype}, ${k.dtype} and ${v.dtype}`);
  const [B, T, N, H] = q.shape as [number, number, number, number];
  const [Bk, S, K, Hk] = k.shape as [number, number, number, number];
  if (Bk !== B || Hk !== H || v.shape[0] !== B || v.shape[1] !== S || v.shape[2] !== K || v.shape[3] !== H || K === 0 || N % K !== 0)
    throw new ValueError(
      `${FN}: expected query [B, T, N, H], key and value [B, S, K, H] with K dividing N, got shapes ${showShape(q.shape)}, ${showShape(k.shape)} and ${showShape(v.shape)}`,
    );
  const G = N / K;
  const scale = o.scale ?? 1 / Math.sqrt(H);
  // [B, T, K, G, H] x [B, S, K, H] -> [B, K, G, T, S], accumulated in float32 as JAX does.
  const q5 = lax.reshape(q, [B, T, K, G, H]);
  let logits = lax.dotGeneral(q5, k, [[[4], [3]], [[0, 2], [0, 2]]]); // [B, K, T, G, S]
  // Logits are float32 whatever the inputs' dtype (JAX's preferred_element_type), and so is the masking constant.
  logits = lax.convertElementType(lax.transpose(logits, [0, 1, 3, 2, 4]), "float32"); // [B, K, G, T, S]
  logits = lax.mul(logits, scale);
  const full = [B, N, T, S];
  const asBNTS = (t: ArrayLike, what: string) => {
    let a = asArray(t, `${FN}: ${what}`);
    if (unbatched && a.ndim === 4) throw new ValueError(`${FN}: ${what} of shape ${showShape(a.shape)} has a batch dim but the inputs do not`);
    if (unbatched && a.ndim === 3) a = lax.reshape(a, [1, ...a.shape]);
    if (a.ndim > 4) throw new ValueError(`${FN}: ${what} must have at most 4 dims [B, N, T, S], got shape ${showShape(a.shape)}`);
    try {
      np.broadcastShapes(a.shape, full);
    } catch {
      throw new ValueError(`${FN}: ${what} of shape ${showShape(a.shape)} does not broadcast to [B, N, T, S] = ${showShape(full)}`);
    }
    return lax.reshape(broadcastToShape(a, full), [B, K, G, T, S]);
  };
  if (o.bias !== undefined && o.bias !== null) logits = lax.add(logits, lax.convertElementType(asBNTS(o.bias, "bias"), logits.dtype));
  let keep: JArray | null = null;
  const andKeep = (m: JArray) => {
    keep = keep === null ? m : lax.and(keep, m);
  };
  if (o.mask !== undefined && o.mask !== null) {
    const m = asBNTS(o.mask, "mask");
    andKeep(m.dtype === "bool" ? m : lax.ne(m, 0));
  }
  const shape5 = [B, K, G, T, S];
  const tIdx = lax.broadcastedIota("int32", shape5, 3);
  const sIdx = lax.broadcastedIota("int32", shape5, 4);
  if (o.isCausal) andKeep(lax.le(sIdx, tIdx));
  if (o.localWindowSize !== undefined && o.localWindowSize !== null) {
    const w = o.localWindowSize;
    const [left, right] = typeof w === "number" ? [w, w] : Array.isArray(w) && w.length === 2 ? (w as [number, number]) : [NaN, NaN];
    if (!Number.isInteger(left) || !Number.isInteger(right)) throw new TypeError(`${FN}: localWindowSize must be an integer or a pair [left, right] of integers, got ${JSON.stringify(w)}`);
    andKeep(lax.and(lax.ge(sIdx, lax.sub(tIdx, left)), lax.le(sIdx, lax.add(tIdx, right))));
  }
  const lengths = (t: ArrayLike, what: string, idx: JArray) => {
    const l = asArray(t, `${FN}: ${what}`);
    if (l.ndim !== 1 || l.shape[0] !== B) throw new ValueError(`${FN}: ${what} must have shape [B] = [${B}], got ${showShape(l.shape)}`);
    return lax.lt(idx, lax.broadcastInDim(lax.convertElementType(l, "int32"), shape5, [0]));
  };
  if (o.querySeqLengths !== undefined && o.querySeqLengths !== null) andKeep(lengths(o.querySeqLengths, "querySeqLengths", tIdx));
  if (o.keyValueSeqLengths !== undefined && o.keyValueSeqLengths !== null) andKeep(lengths(o.keyValueSeqLengths, "keyValueSeqLengths", sIdx));
  if (keep !== null) {
    const largeNegative = -0.7 * 3.4028234663852886e38;
    logits = np.where(keep, logits, largeNegative);
  }
  const probs = lax.convertElementType(softmax(logits, -1), k.dtype);
  // [B, K, G, T, S] x [B, S, K, H] -> [B, K, G, T, H] -> [B, T, K, G, H]
  let out = lax.dotGeneral(probs, v, [[[4], [1]], [[0, 1], [0, 2]]]);
  out = lax.transpose(out, [0, 3, 1, 2, 4]);
  out = lax.reshape(out, [B, T, N, H]);
  // Padded query rows (at or past their sequence's length) come out as zeros, as JAX's do.
  if (o.querySeqLengths !== undefined && o.querySeqLengths !== null) {
    const qlen = lax.convertElementType(asArray(o.querySeqLengths, `${FN}: querySeqLengths`), "int32");
    const valid = lax.lt(lax.broadcastedIota("int32", [B, T, N, H], 1), lax.broadcastInDim(qlen, [B, T, N, H], [0]));
    out = np.where(valid, out, 0);
  }
  return unbatched ? lax.reshape(out, [T, N, H]) : out;
}
