/**
 * The IDX format of MNIST and Fashion-MNIST (gzipped or not), and simple shuffled batching.
 *
 * IDX: two zero bytes, a type code (0x08 = uint8, 0x09 = int8, 0x0B = int16, 0x0C = int32,
 * 0x0D = float32, 0x0E = float64), the number of dimensions, then each dimension as a
 * big-endian uint32, then the data in big-endian row-major order.
 */
import { bool, checkOptions, int, orNull } from "../core/options.js";
import { ValueError } from "../errors.js";

export interface IdxArray {
  shape: number[];
  /** The values, widened to a JS typed array of the file's type. */
  data: Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;
}

const TYPES: Record<number, { size: number; make: (n: number) => IdxArray["data"]; read: (v: DataView, o: number) => number }> = {
  0x08: { size: 1, make: (n) => new Uint8Array(n), read: (v, o) => v.getUint8(o) },
  0x09: { size: 1, make: (n) => new Int8Array(n), read: (v, o) => v.getInt8(o) },
  0x0b: { size: 2, make: (n) => new Int16Array(n), read: (v, o) => v.getInt16(o, false) },
  0x0c: { size: 4, make: (n) => new Int32Array(n), read: (v, o) => v.getInt32(o, false) },
  0x0d: { size: 4, make: (n) => new Float32Array(n), read: (v, o) => v.getFloat32(o, false) },
  0x0e: { size: 8, make: (n) => new Float64Array(n), read: (v, o) => v.getFloat64(o, false) },
};

/** Parses IDX bytes (already decompressed). */
export function parseIdx(bytes: Uint8Array): IdxArray {
  if (bytes.length < 4 || bytes[0] !== 0 || bytes[1] !== 0) throw new ValueError("parseIdx: not an IDX file (bad magic number)");
  const type = TYPES[bytes[2]!];
  if (!type) throw new ValueError(`parseIdx: unknown IDX type code 0x${bytes[2]!.toString(16)}`);
  const ndim = bytes[3]!;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shape = Array.from({ length: ndim }, (_, i) => view.getUint32(4 + 4 * i, false));
  const size = shape.reduce((a, b) => a * b, 1);
  const offset = 4 + 4 * ndim;
  if (bytes.length < offset + size * type.size)
    throw new ValueError(`parseIdx: the header promises shape [${shape}] (${size * type.size} bytes) but only ${bytes.length - offset} bytes follow`);
  if (type.size === 1) {
    const data = type.make(size);
    data.set(bytes.subarray(offset, offset + size) as never);
    return { shape, data };
  }
  const data = type.make(size);
  for (let i = 0; i < size; i++) data[i] = type.read(view, offset + i * type.size);
  return { shape, data };
}

/** Reads an IDX file from disk (Node), gunzipping it if it is gzipped. */
export async function loadIdx(path: string): Promise<IdxArray> {
  const { readFile } = await import("node:fs/promises");
  let bytes: Uint8Array = await readFile(path);
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    const { gunzipSync } = await import("node:zlib");
    bytes = gunzipSync(bytes);
  }
  return parseIdx(bytes);
}

/** A deterministic permutation of 0..n-1 (Fisher–Yates with a seeded xorshift). */
export function shuffledIndices(n: number, seed: number): Int32Array {
  const idx = Int32Array.from({ length: n }, (_, i) => i);
  let s = (seed >>> 0) || 0x9e3779b9;
  for (let i = n - 1; i > 0; i--) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    const j = s % (i + 1);
    [idx[i], idx[j]] = [idx[j]!, idx[i]!];
  }
  return idx;
}

/**
 * Batches of `[images, labels]` index lists over `n` examples: shuffled with `seed` (no
 * shuffle when seed is null); the last partial batch is dropped when `dropRemainder`.
 */
export function batches(n: number, batchSize: number, opts: { seed?: number | null; dropRemainder?: boolean } = {}): Generator<Int32Array> {
  // Checked here, at the call, not at the first iteration as a generator function's body would be.
  checkOptions("data.batches", opts, { seed: orNull(int), dropRemainder: bool }, ["n", "batchSize"]);
  if (!(batchSize >= 1)) throw new ValueError(`batches: batchSize must be at least 1, got ${batchSize}`);
  return batchesOf(n, batchSize, opts);
}

function* batchesOf(n: number, batchSize: number, opts: { seed?: number | null; dropRemainder?: boolean }): Generator<Int32Array> {
  const order = opts.seed === null || opts.seed === undefined ? Int32Array.from({ length: n }, (_, i) => i) : shuffledIndices(n, opts.seed);
  for (let start = 0; start < n; start += batchSize) {
    if (start + batchSize > n && opts.dropRemainder) return;
    yield order.subarray(start, Math.min(n, start + batchSize));
  }
}

/** Gathers rows of a row-major dataset (`rowSize` values per example) into a new array. */
export function gatherRows<T extends IdxArray["data"] | Float32Array>(data: T, rowSize: number, rows: ArrayLike<number>, out?: Float32Array): Float32Array {
  const result = out ?? new Float32Array(rows.length * rowSize);
  for (let r = 0; r < rows.length; r++) {
    const src = rows[r]! * rowSize;
    for (let k = 0; k < rowSize; k++) result[r * rowSize + k] = data[src + k]!;
  }
  return result;
}
