/**
 * Host memory for copies out of wasm memory: the arrays `data()` / `dataSync()` return, and the
 * host copies of evicted buffers.
 *
 * `new Uint8Array(n)` zero-fills its memory, which is wasted work when every byte is about to
 * be overwritten by the copy: calloc clears memory the allocator recycles (a second pass over
 * the array, as long as the copy itself). Node's `Buffer.allocUnsafeSlow` allocates without
 * clearing (and, unlike `allocUnsafe`, never from its shared 8 KB pool, so the ArrayBuffer
 * belongs to this array alone: a user who keeps `result.buffer` sees only these bytes). Every
 * byte is written before the array is returned, so nothing of the old contents can show.
 * Elsewhere (browsers) the zero-filled allocation is used. Measured by bench/hostCopy.mjs.
 */
import type { AnyTypedArray, DType } from "../../ir/dtype.js";

/** Below this many bytes the plain constructor is cheaper than Node's Buffer machinery. */
const UNINITIALIZED_MIN_BYTES = 4096;

const nodeBuffer = (globalThis as { Buffer?: { allocUnsafeSlow?: (n: number) => Uint8Array } }).Buffer;
const allocUnsafeSlow = typeof nodeBuffer?.allocUnsafeSlow === "function" ? nodeBuffer.allocUnsafeSlow.bind(nodeBuffer) : undefined;

/**
 * Copies of at least this many bytes first prime the C allocator (see primeAllocator).
 */
const PRIME_MIN_BYTES = 256 * 1024;
/** Just under glibc's cap on its dynamic mmap threshold (32 MiB on 64-bit). */
const PRIME_BYTES = 30 * 2 ** 20;
let primed = false;

/**
 * Makes the C allocator keep and reuse the memory of dropped host arrays instead of returning
 * it to the OS.
 *
 * A dropped array's memory is freed by V8's garbage collector, in batches (a young-generation
 * GC runs after about 32 MiB of new ArrayBuffers). glibc serves blocks above its mmap
 * threshold with fresh mappings, and trims free memory at the top of its heap once it exceeds
 * twice that threshold; both thresholds start at 128 KiB and rise only when a large mapped
 * block is freed (to that block's size, at most 32 MiB). So with 4 MB read backs the
 * allocator trims at 8 MB and each GC batch goes back to the OS, and every new host array
 * takes a page fault per 4 KiB page (1000 for 4 MB, measured 13 us of CPU each on the
 * Firecracker VM the bench runs on: 13 ms for a 0.2 ms copy). Allocating and dropping one
 * 30 MiB block (never written, so no page is touched) raises the thresholds to 30/60 MiB, as
 * glibc itself does once a program frees a block that size: GC batches stay in the heap and
 * the next arrays reuse their pages. Harmless elsewhere (a short-lived virtual allocation).
 * The thresholds are the process's (every thread and library in it): glibc may then keep up to
 * 60 MiB of freed memory per arena for reuse rather than return it. Measured with
 * bench/hostCopy.mjs (--worker --shared, 4 MB copies): 575-780 faults and 8-11 ms of CPU a copy
 * without it, 0-5 faults and 0.2-0.3 ms with it (the floor, a copy into one reused array: 0.17).
 */
function primeAllocator(): void {
  primed = true;
  try {
    allocUnsafeSlow?.(PRIME_BYTES); // dropped at once; the GC frees it
  } catch {
    // no address space for it: the thresholds stay as they are, nothing else changes
  }
}

/** `bytes` bytes of fresh host memory, owned by the returned array alone (byteOffset 0, its own ArrayBuffer), contents unspecified. */
export function hostBytesUninitialized(bytes: number): Uint8Array<ArrayBuffer> {
  if (allocUnsafeSlow !== undefined && bytes >= UNINITIALIZED_MIN_BYTES) {
    if (!primed && bytes >= PRIME_MIN_BYTES) primeAllocator();
    const b = allocUnsafeSlow(bytes);
    return new Uint8Array(b.buffer as ArrayBuffer, 0, bytes);
  }
  return new Uint8Array(bytes);
}

/**
 * Node's `Buffer.prototype.fill` with a byte array as the value: a plain memcpy when the value
 * is as long as the range it fills (its documented meaning: the value repeated over the range).
 *
 * V8 copies into or out of a SharedArrayBuffer (the wasm memory whenever threads can exist)
 * with `TypedArray.prototype.set` one relaxed atomic word at a time, to keep racing threads
 * well defined: 17 us for 400 KB here against 4.5 us for the same copy between unshared
 * buffers. Node's fill copies the value's bytes with memcpy, shared or not: 5.4 us. Nothing
 * else touches the bytes while the runtime copies them (the pool's workers only run inside a
 * kernel call), so the relaxed copy buys nothing. Measured by bench/hostCopy.mjs.
 */
const nodeFill = (nodeBuffer as { prototype?: { fill?: unknown } } | undefined)?.prototype?.fill as ((this: Uint8Array, value: Uint8Array) => unknown) | undefined;

/** Below this many bytes `set` is cheaper than the call into Node's fill (crossover 1-2 KB, measured). */
const FILL_MIN_BYTES = 2048;

/** Copies `src` into `dst` (the same length; either may be a view of shared memory) at memcpy speed where the platform allows. */
export function copyBytes(dst: Uint8Array, src: Uint8Array): void {
  if (src.length !== dst.length) throw new RangeError(`copyBytes: ${src.length} bytes into ${dst.length}`);
  if (nodeFill !== undefined && src.length >= FILL_MIN_BYTES) nodeFill.call(dst, src);
  else dst.set(src);
}

/** A copy of `bytes` bytes at `ptr` of `source` in fresh host memory of its own. */
export function copyToHost(source: ArrayBufferLike, ptr: number, bytes: number): Uint8Array<ArrayBuffer> {
  const out = hostBytesUninitialized(bytes);
  copyBytes(out, new Uint8Array(source, ptr, bytes));
  return out;
}

/** A typed array of `dtype` over a whole fresh host buffer of `size` elements (float16 as its bits, Uint16Array). */
export function typedOver(buffer: ArrayBuffer, dtype: DType, size: number): AnyTypedArray {
  switch (dtype) {
    case "float32":
      return new Float32Array(buffer, 0, size);
    case "float64":
      return new Float64Array(buffer, 0, size);
    case "int32":
      return new Int32Array(buffer, 0, size);
    case "uint32":
      return new Uint32Array(buffer, 0, size);
    case "bool":
    case "uint8":
      return new Uint8Array(buffer, 0, size);
    case "int8":
      return new Int8Array(buffer, 0, size);
    case "float16":
      return new Uint16Array(buffer, 0, size);
  }
}
