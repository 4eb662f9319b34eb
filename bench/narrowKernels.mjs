// float16 and int8 kernels on wasm: jitted float16 exp(sin(x)) and int8 x + y (wrapping) on 1e6
// elements, and 512 x 512 x 512 matmuls of float32, float16 (float32 sums) and int8 into int8
// (int32 sums, wrapped), A/B between two builds in one process run, interleaved (before the
// narrow branch the elementwise cells were host steps of the reference interpreter, before the
// f16mm branch the float16 and int8-result matmuls). JAXTS_NUM_THREADS=1 for one thread.
// Usage: node bench/narrowKernels.mjs /path/to/old/dist/src/index.js [/path/to/new/dist/src/index.js]
const [oldEntry, newEntry = new URL("../dist/src/index.js", import.meta.url).pathname] = process.argv.slice(2);
const N = 1e6;
const ROUNDS = Number(process.env.ROUNDS ?? 15);

async function setup(entry) {
  const jax = await import(`file://${entry}`);
  const { numpy: np, lax, jit } = jax;
  const h = np.array(Float32Array.from({ length: N }, (_, i) => ((i % 2001) - 1000) * 0.01), { dtype: "float16" });
  const a = np.array(Int8Array.from({ length: N }, (_, i) => (i * 37) % 256 - 128), { dtype: "int8" });
  const b = np.array(Int8Array.from({ length: N }, (_, i) => (i * 91) % 256 - 128), { dtype: "int8" });
  const f16 = jit((x) => np.exp(np.sin(x)));
  const add8 = jit((x, y) => lax.add(x, y));
  const h32 = np.array(Float32Array.from({ length: N }, (_, i) => ((i % 2001) - 1000) * 0.01));
  const f32 = jit((x) => np.exp(np.sin(x)));
  const S = 512;
  const vals = (seed) => Float32Array.from({ length: S * S }, (_, i) => (((i * seed) % 2001) - 1000) * 0.001);
  const m32 = [np.array(vals(37), { shape: [S, S] }), np.array(vals(91), { shape: [S, S] })];
  const m16 = m32.map((m) => np.array(m, { dtype: "float16" }));
  const m8 = [37, 91].map((seed) => np.array(Int8Array.from({ length: S * S }, (_, i) => ((i * seed) % 256) - 128), { shape: [S, S], dtype: "int8" }));
  const mm = jit((x, y) => np.matmul(x, y));
  const table = [
    ["float32 exp(sin(x)) 1e6", f32, [h32]],
    ["float16 exp(sin(x)) 1e6", f16, [h]],
    ["int8 add 1e6", add8, [a, b]],
    ["float32 matmul 512", mm, m32],
    ["float16 matmul 512", mm, m16],
    ["int8->int8 matmul 512", mm, m8],
  ].filter(([k]) => !process.env.CELLS || process.env.CELLS.split(",").some((c) => k.includes(c)));
  const cells = Object.fromEntries(table.map(([k, f, args]) => [k, () => f(...args)]));
  const hostSteps = Object.fromEntries(table.map(([k, f, args]) => [k, (f.lower(...args).compile().asText().match(/: host /g) ?? []).length]));
  for (const f of Object.values(cells)) for (let i = 0; i < 3; i++) f().blockUntilReady().dispose?.();
  return { cells, hostSteps };
}

const time = (f) => {
  const t0 = performance.now();
  const r = f();
  r.blockUntilReady();
  const dt = performance.now() - t0;
  r.dispose?.();
  return dt;
};

const systems = { old: await setup(oldEntry), new: await setup(newEntry) };
const samples = {};
for (let r = 0; r < ROUNDS; r++)
  for (const [sys, { cells }] of Object.entries(systems))
    for (const [name, f] of Object.entries(cells)) (samples[`${name} | ${sys}`] ??= []).push(time(f));
const med = (xs) => [...xs].sort((p, q) => p - q)[Math.floor(xs.length / 2)];
for (const [k, xs] of Object.entries(samples)) {
  const [name, sys] = k.split(" | ");
  const gflops = name.includes("matmul 512") ? `  ${((2 * 512 ** 3) / Math.min(...xs) / 1e6).toFixed(1)} GFLOP/s at the min` : "";
  console.log(`${k.padEnd(32)} median ${med(xs).toFixed(2)} ms  min ${Math.min(...xs).toFixed(2)} ms  host steps ${systems[sys].hostSteps[name]}${gflops}`);
}
