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
  const y = new Uint32Array(2);
  threefry2x32Into(k0, k1, x0, x1, y, y, 0, 1);
  return [y[0]!, y[1]!];
}

/** threefry2x32Block, storing the two output words at y0[i0] and y1[i1] (so that a loop over blocks allocates nothing). */
function threefry2x32Into(k0: number, k1: number, x0: number, x1: number, y0: Uint32Array, y1: Uint32Array, i0: number, i1: number): void {
  // The key schedule (k0, k1, k0 ^ k1 ^ 0x1BD11BDA) as (p, q, r), rotated left once per block,
  // so that after block j the injection adds p and q: schedule words j + 1 and j + 2 (mod 3).
  let p = k0 >>> 0;
  let q = k1 >>> 0;
  let r = (k0 ^ k1 ^ 0x1bd11bda) >>> 0;
  let a = add(x0, p);
  let b = add(x1, q);
  for (let block = 0; block < 5; block++) {
    const rotations = ROTATIONS[block % 2]!;
    for (let k = 0; k < 4; k++) {
      a = add(a, b);
      b = rotl(b, rotations[k]!) ^ a;
      b >>>= 0;
    }
    [p, q, r] = [q, r, p];
    a = add(a, p);
    b = add(add(b, q), block + 1);
  }
  y0[i0] = a;
  y1[i1] = b;
}

export const threefry2x32Impl: RefImpl<"threefry2x32"> = (inputs, _inAvals, _params, outAvals) => {
  // Elementwise over the four operands; rank-0 operands broadcast.
  const [k0, k1, x0, x1] = [at(inputs, 0), at(inputs, 1), at(inputs, 2), at(inputs, 3)];
  const y0 = alloc(at(outAvals, 0)) as Uint32Array;
  const y1 = alloc(at(outAvals, 1)) as Uint32Array;
  const step = (a: ArrayLike<number>) => (a.length === 1 ? 0 : 1);
  const [s0, s1, t0, t1] = [step(k0), step(k1), step(x0), step(x1)];
  for (let i = 0; i < y0.length; i++) threefry2x32Into(k0[i * s0]!, k1[i * s1]!, x0[i * t0]!, x1[i * t1]!, y0, y1, i, i);
  return [y0, y1];
};
