// Where one thread's matmul n x n x n time goes, in CPU time: the current build's compiled module
// (its WAT, from jit(...).lower().compile().asText()) instantiated on its own, its three kernels
// (pack A, pack B, the microkernel) timed separately, interleaved with two loops that touch no
// matmul data: the 4x8 mul+add k-step over L1-resident panels (1 KB + 2 KB) and the
// register-only mul+add peak of bench/simdPeak.mjs. When the L1 loop drops with the kernel while
// the peak does not, the machine is in a slow period for loads (see bench/README.md).
//   node bench/matmulParts.mjs [n] [reps]
const root = new URL(process.env.JAXTS_ENTRY ? `file://${process.env.JAXTS_ENTRY}` : "../dist/src/index.js", import.meta.url);
process.env.JAXTS_NUM_THREADS = "1";
const jx = await import(root.href);
const np = jx.numpy;
const wabt = await (await import("wabt")).default();
const n = Number(process.argv[2] ?? 512);
const reps = Number(process.argv[3] ?? 20);

jx.defaultDevice("wasm");
const text = jx.jit((a, b) => np.matmul(a, b), { device: "wasm" }).lower(np.zeros([n, n]), np.zeros([n, n])).compile().asText();
const extentOf = (name) => Number(new RegExp(`;; \\w+_${name}: map \\[i0<(\\d+)`).exec(text)[1]);
const tile = /tile (\d+)x(\d+)/.exec(text);
const kernels = [
  { name: "packA", extent: extentOf("packA") },
  { name: "packB", extent: extentOf("packB") },
  { name: "kernel", extent: Math.ceil(n / Number(tile[2])) },
];
const wat = text.split("\n").filter((l) => !l.startsWith(";;")).join("\n");
const exportsOf = [...wat.matchAll(/\(func \$(\w+) \(export "(\w+)"\)/g)].map((m) => m[2]).filter((e) => e !== "run");
if (exportsOf.length !== 3) throw new Error(`expected 3 parallel kernels, got ${exportsOf}`);
const bin = wabt.parseWat("m.wat", wat, { simd: true, threads: true }).toBinary({}).buffer;
const arenaBytes = Number(/in a (\d+)-byte arena/.exec(text)[1]) + 64;
const memory = new WebAssembly.Memory({ initial: Math.ceil((12 * n * n + 2 * arenaBytes + 65536) / 65536), maximum: 65536, shared: true });
const A = 4096, B = A + 4 * n * n + 64, C = B + 4 * n * n + 64, ARENA = (C + 4 * n * n + 4095) & ~4095, SCRATCH = ARENA + arenaBytes + 4096;
const f32 = new Float32Array(memory.buffer);
for (let i = 0; i < n * n; i++) (f32[A / 4 + i] = Math.sin(i)), (f32[B / 4 + i] = Math.cos(i));
const cpu = (f) => {
  const c0 = process.cpuUsage();
  f();
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1000;
};
const spent = [0, 0, 0];
let inst;
const par = (k, table) => {
  const fn = inst.exports[exportsOf[k]];
  const nargs = fn.length - (k === 2 ? 3 : 2);
  const args = [...new Int32Array(memory.buffer, table, nargs), 0, kernels[k].extent, SCRATCH];
  spent[k] += cpu(() => fn(...args));
};
inst = new WebAssembly.Instance(new WebAssembly.Module(bin), { env: { memory, par } });
const run = () => inst.exports.run(ARENA, A, B, C);

// The two reference loops.
const accs = Array.from({ length: 8 }, (_, i) => `(local $c${i} v128)`).join(" ");
const sum = Array.from({ length: 8 }, (_, i) => `(local.get $c${i})`).reduce((x, y) => `(f32x4.add ${x} ${y})`);
const madd = (c, a, b) => `(local.set $c${c} (f32x4.add (local.get $c${c}) (f32x4.mul (local.get ${a}) (local.get ${b}))))`;
const kstep = [0, 1, 2, 3].map((r) => `(local.set $a (v128.load32_splat offset=${4 * r} (local.get $ap))) ${madd(2 * r, "$a", "$b0")} ${madd(2 * r + 1, "$a", "$b1")}`).join("\n");
const refWat = `(module (memory 1)
 (func (export "l1") (param $n i32) (result f32) (local $ap i32) (local $bp i32) (local $a v128) (local $b0 v128) (local $b1 v128) ${accs}
  (loop $O (local.set $ap (i32.const 0)) (local.set $bp (i32.const 4096))
   (loop $K (local.set $b0 (v128.load (local.get $bp))) (local.set $b1 (v128.load offset=16 (local.get $bp))) ${kstep}
     (local.set $ap (i32.add (local.get $ap) (i32.const 16))) (local.set $bp (i32.add (local.get $bp) (i32.const 32)))
     (br_if $K (i32.lt_u (local.get $ap) (i32.const 1024))))
   (br_if $O (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
  (f32x4.extract_lane 0 ${sum}))
 (func (export "peak") (param $n i32) (result f32) (local $a v128) (local $b v128) ${accs}
  (local.set $a (f32x4.splat (f32.const 1.0001))) (local.set $b (f32x4.splat (f32.const 0.9999)))
  (loop $L ${Array.from({ length: 8 }, (_, i) => madd(i, "$a", "$b")).join(" ")} (br_if $L (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
  (f32x4.extract_lane 0 ${sum})))`;
const ref = new WebAssembly.Instance(new WebAssembly.Module(wabt.parseWat("r.wat", refWat, { simd: true }).toBinary({}).buffer)).exports;

for (let i = 0; i < 5; i++) run();
ref.l1(1000);
ref.peak(1e6);
const rows = { packA: [], packB: [], kernel: [], l1: [], peak: [] };
for (let r = 0; r < reps; r++) {
  spent.fill(0);
  for (let i = 0; i < 5; i++) run();
  kernels.forEach((k, i) => rows[k.name].push(spent[i] / 5));
  rows.l1.push((8000 * 64 * 64) / cpu(() => ref.l1(8000)) / 1e6);
  rows.peak.push((1e6 * 64) / cpu(() => ref.peak(1e6)) / 1e6);
}
const med = (xs) => [...xs].sort((x, y) => x - y)[xs.length >> 1];
const gf = (ms) => ((2 * n ** 3) / ms / 1e6).toFixed(1);
const total = med(rows.packA) + med(rows.packB) + med(rows.kernel);
console.log(
  `matmul ${n} tile ${tile[1]}x${tile[2]}: packA ${med(rows.packA).toFixed(3)} ms, packB ${med(rows.packB).toFixed(3)} ms, kernel ${med(rows.kernel).toFixed(3)} ms ` +
    `(${gf(med(rows.kernel))} GFLOP/s), all ${gf(total)} GFLOP/s | L1 4x8 loop ${med(rows.l1).toFixed(1)}, peak ${med(rows.peak).toFixed(1)} GFLOP/s (medians of ${reps}, CPU time)`,
);
