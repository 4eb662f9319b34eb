// Eager (un-jitted) int8 and float16 adds on wasm, A/B between two builds in one process,
// interleaved: before the narrowrest branch these ran the reference interpreter on views of wasm
// memory; now the size-generic compiled kernels jit uses. Each sample times REPS adds (results
// disposed) and reports microseconds per add. Run with JAXTS_NUM_THREADS=1 for one thread.
// Usage: node bench/narrowEager.mjs /path/to/old/dist/src/index.js [/path/to/new/dist/src/index.js]
const [oldEntry, newEntry = new URL("../dist/src/index.js", import.meta.url).pathname] = process.argv.slice(2);
const ROUNDS = Number(process.env.ROUNDS ?? 15);

async function setup(entry) {
  const { numpy: np } = await import(`file://${entry}`);
  const cells = {};
  for (const n of [16, 100000]) {
    const reps = n === 16 ? 2000 : 50;
    const a8 = np.array(Int8Array.from({ length: n }, (_, i) => ((i * 37) % 256) - 128), { dtype: "int8" });
    const b8 = np.array(Int8Array.from({ length: n }, (_, i) => ((i * 91) % 256) - 128), { dtype: "int8" });
    const ah = np.array(Float32Array.from({ length: n }, (_, i) => ((i % 2001) - 1000) * 0.01), { dtype: "float16" });
    const bh = np.array(Float32Array.from({ length: n }, (_, i) => ((i % 997) - 500) * 0.1), { dtype: "float16" });
    cells[`int8 add ${n}`] = { reps, f: () => np.add(a8, b8) };
    cells[`float16 add ${n}`] = { reps, f: () => np.add(ah, bh) };
  }
  for (const { f } of Object.values(cells)) for (let i = 0; i < 20; i++) f().dispose();
  return cells;
}

function time({ reps, f }) {
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) {
    const y = f();
    y.blockUntilReady();
    y.dispose();
  }
  return ((performance.now() - t0) / reps) * 1000;
}

const systems = { old: await setup(oldEntry), new: await setup(newEntry) };
const samples = {};
for (let r = 0; r < ROUNDS; r++)
  for (const [sys, cells] of Object.entries(systems)) for (const [name, c] of Object.entries(cells)) (samples[`${name} | ${sys}`] ??= []).push(time(c));
const med = (xs) => [...xs].sort((p, q) => p - q)[Math.floor(xs.length / 2)];
console.log(`threads: ${process.env.JAXTS_NUM_THREADS ?? "default"}, ${ROUNDS} rounds`);
for (const k of Object.keys(samples).sort()) console.log(`${k.padEnd(28)} median ${med(samples[k]).toFixed(2)} us  min ${Math.min(...samples[k]).toFixed(2)} us`);
