/**
 * Threefry-2x32 with 20 rounds (Salmon et al., "Parallel random numbers: as easy as 1, 2,
 * 3", SC 2011), written as JAX's `threefry2x32_p` lowering: rotations [13, 15, 26, 6] and
 * [17, 29, 16, 24] alternating every 4 rounds, key schedule (k0, k1, k0 ^ k1 ^ 0x1BD11BDA),
 * and a key injection after every 4 rounds with the injection count added to word 1.
 */
import { type RefImpl, alloc, at } from "./util.js";

const ROTATIONS = [
  [13, 15, 26, 6],
  [17, 29, 16, 24],
] as const;

const rotl = (v: number, r: number) => ((v << r) | (v >>> (32 - r))) >>> 0;
const add = (a: number, b: number) => (a + b) >>> 0;

/** Encrypts one block (x0, x1) under key (k0, k1). */
export function threefry2x32Block(k0: number, k1: number, x0: number, x1: number): [number, number] {
  const ks = [k0 >>> 0, k1 >>> 0, (k0 ^ k1 ^ 0x1bd11bda) >>> 0];
  let a = add(x0, ks[0]!);
  let b = add(x1, ks[1]!);
  for (let block = 0; block < 5; block++) {
    for (const r of ROTATIONS[block % 2]!) {
      a = add(a, b);
      b = rotl(b, r) ^ a;
      b >>>= 0;
    }
    a = add(a, ks[(block + 1) % 3]!);
    b = add(add(b, ks[(block + 2) % 3]!), block + 1);
  }
  return [a, b];
}

export const threefry2x32Impl: RefImpl<"threefry2x32"> = (inputs, _inAvals, _params, outAvals) => {
  // Elementwise over the four operands; rank-0 operands broadcast.
  const [k0, k1, x0, x1] = [at(inputs, 0), at(inputs, 1), at(inputs, 2), at(inputs, 3)];
  const y0 = alloc(at(outAvals, 0));
  const y1 = alloc(at(outAvals, 1));
  const get = (a: ArrayLike<number>, i: number) => (a.length === 1 ? a[0]! : a[i]!);
  for (let i = 0; i < y0.length; i++) [y0[i], y1[i]] = threefry2x32Block(get(k0, i), get(k1, i), get(x0, i), get(x1, i));
  return [y0, y1];
};
