// The primitives of moving an array out of wasm memory into host memory, measured alone: what
// a read back (x.data()) or an eviction costs, by how the host array is allocated. Each variant
// runs a steady-state loop whose results are dropped (garbage, as eager code makes), timing each
// call and counting minor page faults per call.
//   node bench/hostCopy.mjs [--worker] [--shared] [--prime] [--sizes=100000,1000000] [--iters=400]
// --worker runs in a worker thread (as bench/bench.mjs does: its malloc arena differs from the
// main thread's); --shared copies out of a shared wasm memory (the runtime's default where
// threads exist: V8 copies out of a SharedArrayBuffer a word at a time, 2-3x slower than
// memcpy, which Buffer#fill avoids); --prime first allocates and drops one 30 MiB block, as codegen/wasm/hostMemory.ts
// does, raising glibc's dynamic mmap/trim thresholds so GC-freed arrays are reused rather than
// returned to the OS (compare faults/call with and without it).
// Findings on this VM (Firecracker, 2 cores; see the eagermem report): a fresh 4 KiB page
// costs ~13 us of CPU (35 us wall under load) to fault in, so the allocator's reuse decides
// everything: 4 MB into fresh memory 5-13 ms, into recycled memory ~0.15-0.3 ms.
import { Worker, isMainThread, workerData } from "node:worker_threads";

const args = Object.fromEntries(process.argv.slice(2).map((a) => a.replace(/^--/, "").split("=")).map(([k, v]) => [k, v ?? true]));

if (isMainThread && args.worker) {
  const w = new Worker(new URL(import.meta.url), { workerData: args });
  await new Promise((resolve, reject) => (w.on("exit", resolve), w.on("error", reject)));
} else {
  run(isMainThread ? args : workerData);
}

function run(opts) {
  if (opts.prime && typeof Buffer === "function") Buffer.allocUnsafeSlow(30 * 2 ** 20); // dropped at once
  const sizes = String(opts.sizes ?? "100000,1000000").split(",").map(Number);
  const iters = Number(opts.iters ?? 400);
  const shared = Boolean(opts.shared);
  const maxElems = Math.max(...sizes);
  const pages = Math.ceil((maxElems * 4 + 64) / 65536) + 1;
  const memory = new WebAssembly.Memory({ initial: pages, maximum: pages, shared });
  const haveBuffer = typeof Buffer === "function";

  const variants = {
    // what the runtime does today (read: typedView(...).slice(); evict: Uint8Array(...).slice())
    "view.slice()": (src) => src.slice(),
    "new Float32Array(n).set(view)": (src) => {
      const t = new Float32Array(src.length);
      t.set(src);
      return t;
    },
    "memory.buffer.slice(a, b)": shared ? null : (src) => new Float32Array(memory.buffer.slice(src.byteOffset, src.byteOffset + src.byteLength)),
    "Buffer.allocUnsafe + set": haveBuffer
      ? (src) => {
          const b = Buffer.allocUnsafe(src.byteLength);
          const t = new Float32Array(b.buffer, b.byteOffset, src.length);
          t.set(src);
          return t;
        }
      : null,
    "Buffer.allocUnsafeSlow + set": haveBuffer
      ? (src) => {
          const b = Buffer.allocUnsafeSlow(src.byteLength);
          const t = new Float32Array(b.buffer, 0, src.length);
          t.set(src);
          return t;
        }
      : null,
    "Buffer.allocUnsafeSlow + copy (u8)": haveBuffer
      ? (src) => {
          const b = Buffer.allocUnsafeSlow(src.byteLength);
          new Uint8Array(b.buffer, 0, src.byteLength).set(new Uint8Array(src.buffer, src.byteOffset, src.byteLength));
          return new Float32Array(b.buffer, 0, src.length);
        }
      : null,
    // what the runtime does now (codegen/wasm/hostMemory.ts copyBytes): Node's Buffer#fill with
    // a value as long as the range is a memcpy, shared source or not
    "Buffer.allocUnsafeSlow + fill (memcpy)": haveBuffer
      ? (src) => {
          const b = Buffer.allocUnsafeSlow(src.byteLength);
          b.fill(new Uint8Array(src.buffer, src.byteOffset, src.byteLength));
          return new Float32Array(b.buffer, 0, src.length);
        }
      : null,
    // the floor: a copy into memory that is already mapped (and warm)
    "pooled target (floor)": (() => {
      const pool = new Float32Array(maxElems);
      return (src) => {
        const t = pool.subarray(0, src.length);
        t.set(src);
        return t;
      };
    })(),
  };

  const faults = () => process.resourceUsage().minorPageFault;
  console.log(`node ${process.version}, ${isMainThread ? "main thread" : "worker thread"}, ${shared ? "shared" : "non-shared"} wasm memory, ${iters} calls per variant, results dropped`);
  for (const n of sizes) {
    const src = new Float32Array(memory.buffer, 64, n);
    for (let i = 0; i < n; i++) src[i] = i * 0.5;
    console.log(`\n${n} floats (${((n * 4) / 1024).toFixed(0)} KB):`);
    for (const [name, f] of Object.entries(variants)) {
      if (f === null) continue;
      let sink = 0;
      for (let i = 0; i < 50; i++) sink += f(src)[n - 1]; // warm up: engine, allocator, GC steady state
      const t = new Float64Array(iters);
      const f0 = faults();
      const c0 = process.cpuUsage();
      for (let i = 0; i < iters; i++) {
        const s = process.hrtime.bigint();
        sink += f(src)[i % n];
        t[i] = Number(process.hrtime.bigint() - s) / 1e3;
      }
      const c = process.cpuUsage(c0);
      const pf = (faults() - f0) / iters;
      t.sort();
      const us = (q) => t[Math.floor(q * (iters - 1))].toFixed(1);
      console.log(
        `  ${name.padEnd(36)} median ${us(0.5).padStart(7)} us  min ${us(0).padStart(7)}  p90 ${us(0.9).padStart(7)}  cpu/call ${((c.user + c.system) / iters).toFixed(1).padStart(7)} us  faults/call ${pf.toFixed(1)}${sink === -1 ? "!" : ""}`,
      );
    }
  }
}
