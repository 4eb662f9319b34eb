// The f32x4 multiply-add peak of one core for wasm in this engine: a loop of independent
// accumulators (8 and 12) updated with mul+add or relaxed-SIMD fma, in CPU time. The ceiling for
// the matmul microkernel (bench/matmulTiles.mjs): node --experimental-wasm-relaxed-simd bench/simdPeak.mjs
const wabt = await (await import("wabt")).default();
function mod(nacc, relaxed) {
  const accs = Array.from({length: nacc}, (_, i) => `(local $c${i} v128)`).join(" ");
  const body = Array.from({length: nacc}, (_, i) => relaxed ? `(local.set $c${i} (f32x4.relaxed_madd (local.get $a) (local.get $b) (local.get $c${i})))` : `(local.set $c${i} (f32x4.add (local.get $c${i}) (f32x4.mul (local.get $a) (local.get $b))))`).join("\n");
  const sum = Array.from({length: nacc}, (_, i) => `(local.get $c${i})`).reduce((x, y) => `(f32x4.add ${x} ${y})`);
  const wat = `(module (func (export "run") (param $n i32) (result f32) (local $a v128) (local $b v128) ${accs}
    (local.set $a (f32x4.splat (f32.const 1.0001))) (local.set $b (f32x4.splat (f32.const 0.9999)))
    (loop $L ${body} (local.set $n (i32.sub (local.get $n) (i32.const 1))) (br_if $L (local.get $n)))
    (f32x4.extract_lane 0 ${sum})))`;
  const m = wabt.parseWat("p.wat", wat, { simd: true, relaxed_simd: true });
  const bin = m.toBinary({}).buffer;
  return new WebAssembly.Instance(new WebAssembly.Module(bin)).exports.run;
}
// The relaxed rows compile only under --experimental-wasm-relaxed-simd (Node 20); without it
// they are skipped and the mul+add rows (what plain node runs) still measure.
const relaxedOk = (() => {
  try {
    mod(8, true);
    return true;
  } catch {
    console.log("relaxed SIMD unavailable (run with --experimental-wasm-relaxed-simd for the fma rows)");
    return false;
  }
})();
const cfgs = [[8, false], [8, true], [12, false], [12, true]].filter(([, r]) => relaxedOk || !r);
const fns = cfgs.map(([n, r]) => ({ n, r, f: mod(n, r), res: [] }));
for (const x of fns) x.f(1e6);
for (let rep = 0; rep < 7; rep++) for (const x of fns) {
  const iters = 2e7; const c0 = process.cpuUsage(); x.f(iters); const c = process.cpuUsage(c0);
  x.res.push(iters * x.n * 8 / ((c.user + c.system) * 1e3));
}
for (const x of fns) { const s = x.res.sort((a, b) => a - b); console.log(`acc ${x.n} ${x.r ? "relaxed" : "mul+add"} GFLOP/s median ${s[3].toFixed(1)} best ${s[6].toFixed(1)}`); }
