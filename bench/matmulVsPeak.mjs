// Is a slow matmul run the kernel's fault or the core's? Interleaves, in one process and in CPU
// time, the matmul 512 of the current build (one thread) with the f32x4 mul+add peak loop of
// bench/simdPeak.mjs (8 accumulators), and prints both and their ratio. A ratio that stays put
// while both numbers move says the machine changed (frequency, a busy sibling), not the kernel.
//   JAXTS_NUM_THREADS=1 node bench/matmulVsPeak.mjs [n] [reps]
const root = new URL(process.env.JAXTS_ENTRY ? `file://${process.env.JAXTS_ENTRY}` : "../dist/src/index.js", import.meta.url);
const jx = await import(root.href);
const np = jx.numpy;
const wabt = await (await import("wabt")).default();
const n = Number(process.argv[2] ?? 512);
const reps = Number(process.argv[3] ?? 9);

function peakLoop(nacc) {
  const accs = Array.from({ length: nacc }, (_, i) => `(local $c${i} v128)`).join(" ");
  const body = Array.from({ length: nacc }, (_, i) => `(local.set $c${i} (f32x4.add (local.get $c${i}) (f32x4.mul (local.get $a) (local.get $b))))`).join("\n");
  const sum = Array.from({ length: nacc }, (_, i) => `(local.get $c${i})`).reduce((x, y) => `(f32x4.add ${x} ${y})`);
  const wat = `(module (func (export "run") (param $n i32) (result f32) (local $a v128) (local $b v128) ${accs}
    (local.set $a (f32x4.splat (f32.const 1.0001))) (local.set $b (f32x4.splat (f32.const 0.9999)))
    (loop $L ${body} (local.set $n (i32.sub (local.get $n) (i32.const 1))) (br_if $L (local.get $n)))
    (f32x4.extract_lane 0 ${sum})))`;
  const bin = wabt.parseWat("p.wat", wat, { simd: true }).toBinary({}).buffer;
  return new WebAssembly.Instance(new WebAssembly.Module(bin)).exports.run;
}
const cpuMs = (f) => {
  const c0 = process.cpuUsage();
  f();
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1000;
};
const peak = peakLoop(8);
peak(1e6);
jx.defaultDevice("wasm");
const a = np.array(Float32Array.from({ length: n * n }, (_, i) => Math.sin(i))).reshape([n, n]);
const b = np.array(Float32Array.from({ length: n * n }, (_, i) => Math.cos(i))).reshape([n, n]);
const f = jx.jit((a, b) => np.matmul(a, b), { device: "wasm" });
for (let i = 0; i < 3; i++) f(a, b).dispose();
const pk = [];
const mm = [];
for (let r = 0; r < reps; r++) {
  const iters = 5e6;
  pk.push((iters * 64) / cpuMs(() => peak(iters)) / 1e6);
  const calls = 6;
  mm.push((calls * 2 * n ** 3) / cpuMs(() => { for (let i = 0; i < calls; i++) f(a, b).dispose(); }) / 1e6);
}
const med = (xs) => [...xs].sort((x, y) => x - y)[xs.length >> 1];
console.log(`peak ${med(pk).toFixed(1)} (best ${Math.max(...pk).toFixed(1)})  matmul ${n} ${med(mm).toFixed(1)} (best ${Math.max(...mm).toFixed(1)}) GFLOP/s  ratio ${(med(mm) / med(pk)).toFixed(3)}`);
