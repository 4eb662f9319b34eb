// What a system actually runs on WebGPU for a bench cell: the WGSL of every pipeline it
// dispatches, the dispatch sizes, submissions, buffer copies, buffers created and readbacks
// (mapAsync), recorded for one warm call of the cell (after `--warm` untimed calls).
//
//   VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json \
//     node bench/wgslDump.mjs --system=jaxts|jax-js --cell=matmul512|expsin|mlpStep [--out=DIR] [--warm=2] [--each=N]
//
// --each=N replays every recorded dispatch alone (its own submission, waited for) N times and
// prints each one's median wall and CPU time: where a call's time goes, kernel by kernel.
//
// The Dawn classes are patched on their prototypes (the `webgpu` package's globals), so every
// device the system creates is seen. With --out, each distinct shader is written to DIR as
// <system>.<cell>.<k>.wgsl beside a summary; without it only the summary is printed.
import { mkdirSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { cellData } from "./common.mjs";

const args = Object.fromEntries(process.argv.slice(2).map((a) => a.replace(/^--/, "").split("=")));
const system = args.system ?? "jaxts";
const cell = args.cell ?? "expsin";
const warm = Number(args.warm ?? 2);
process.env.BENCH_DEVICE = "webgpu";
process.env.JAXTS_DEVICE = "webgpu";

const { globals } = createRequire(import.meta.url)("webgpu");
const G = globals;

let recording = false;
const codeOf = new WeakMap(); // GPUShaderModule -> WGSL
const shaderOf = new WeakMap(); // GPUComputePipeline -> WGSL
const shaders = new Map(); // WGSL -> index
const log = { dispatches: [], submits: 0, copies: [], created: [], maps: [], writes: [], pipelinesCreated: 0, bindGroups: 0, encoders: 0 };
let current = null;
let currentGroup = null;

function wrap(cls, name, fn) {
  const orig = cls.prototype[name];
  cls.prototype[name] = function (...a) {
    return fn.call(this, orig, a);
  };
}
wrap(G.GPUDevice, "createShaderModule", function (orig, [desc]) {
  const m = orig.call(this, desc);
  codeOf.set(m, desc.code);
  return m;
});
for (const name of ["createComputePipeline", "createComputePipelineAsync"]) {
  wrap(G.GPUDevice, name, function (orig, [desc]) {
    const code = codeOf.get(desc.compute.module);
    if (recording) log.pipelinesCreated++;
    const p = orig.call(this, desc);
    if (p instanceof Promise) return p.then((q) => (shaderOf.set(q, code), q));
    shaderOf.set(p, code);
    return p;
  });
}
wrap(G.GPUDevice, "createBuffer", function (orig, [desc]) {
  if (recording) log.created.push({ size: desc.size, usage: desc.usage });
  return orig.call(this, desc);
});
wrap(G.GPUDevice, "createBindGroup", function (orig, a) {
  if (recording) log.bindGroups++;
  return orig.apply(this, a);
});
wrap(G.GPUDevice, "createCommandEncoder", function (orig, a) {
  if (recording) log.encoders++;
  return orig.apply(this, a);
});
wrap(G.GPUComputePassEncoder, "setPipeline", function (orig, [p]) {
  current = p;
  return orig.call(this, p);
});
wrap(G.GPUComputePassEncoder, "setBindGroup", function (orig, a) {
  currentGroup = [a[1], a[2] ? [...a[2]] : undefined];
  return orig.apply(this, a);
});
let theDevice = null;
wrap(G.GPUDevice, "createCommandEncoder", function (orig, a) {
  theDevice = this;
  return orig.apply(this, a);
});
wrap(G.GPUComputePassEncoder, "dispatchWorkgroups", function (orig, a) {
  if (recording) {
    const code = shaderOf.get(current) ?? "?";
    if (!shaders.has(code)) shaders.set(code, shaders.size);
    log.dispatches.push({ shader: shaders.get(code), groups: a.map((x) => x ?? 1), pipeline: current, bind: currentGroup });
  }
  return orig.apply(this, a);
});
wrap(G.GPUCommandEncoder, "copyBufferToBuffer", function (orig, a) {
  if (recording) log.copies.push(a.length >= 5 ? a[4] : (a[2]?.size ?? a[1]?.size));
  return orig.apply(this, a);
});
wrap(G.GPUQueue, "submit", function (orig, a) {
  if (recording) log.submits++;
  return orig.apply(this, a);
});
wrap(G.GPUQueue, "writeBuffer", function (orig, a) {
  if (recording) log.writes.push(a[4] !== undefined ? a[4] * (a[2]?.BYTES_PER_ELEMENT ?? 1) : (a[2]?.byteLength ?? 0));
  return orig.apply(this, a);
});
wrap(G.GPUBuffer, "mapAsync", function (orig, a) {
  if (recording) log.maps.push(this.size);
  return orig.apply(this, a);
});

const sys = await import(system === "jaxts" ? "./systems/jaxts.mjs" : system === "jax-js" ? "./systems/jaxjs.mjs" : `./systems/${system}.mjs`);
const info = await sys.init();
const s = await sys.setup(cell, cellData(cell));
for (let i = 0; i < warm; i++) await s.run(false);
recording = true;
const t0 = performance.now();
await s.run(false);
const ms = performance.now() - t0;
recording = false;

const wgSize = (code) => /@workgroup_size\(([^)]*)\)/.exec(code)?.[1] ?? "?";
const byShader = new Map();
for (const d of log.dispatches) {
  const e = byShader.get(d.shader) ?? { n: 0, groups: [] };
  e.n++;
  e.groups.push(d.groups.join("x"));
  byShader.set(d.shader, e);
}
const lines = [
  `${info.name} ${info.version} (${info.device}) · ${cell} · one warm call: ${ms.toFixed(1)} ms wall (this process, instrumented)`,
  `submits ${log.submits} · command encoders ${log.encoders} · dispatches ${log.dispatches.length} · pipelines created ${log.pipelinesCreated} · bind groups created ${log.bindGroups}`,
  `buffers created ${log.created.length} (${log.created.map((c) => `${c.size}B/u${c.usage}`).join(", ")})`,
  `buffer copies ${log.copies.length} (${log.copies.join(", ")} B) · writeBuffer ${log.writes.length} (${log.writes.join(", ")} B) · mapAsync ${log.maps.length} (${log.maps.join(", ")} B)`,
  ...[...shaders].map(([code, k]) => {
    const e = byShader.get(k);
    const vec4 = (code.match(/vec4</g) ?? []).length;
    const barriers = (code.match(/workgroupBarrier/g) ?? []).length;
    return `  shader ${k}: workgroup_size(${wgSize(code)}), ${e.n} dispatch(es) [${e.groups.join(" ")}], ${code.split("\n").length} lines, vec4 mentions ${vec4}, barriers ${barriers}`;
  }),
];
console.log(lines.join("\n"));
if (args.out) {
  mkdirSync(args.out, { recursive: true });
  const stem = `${args.out}/${system}.${cell}`;
  writeFileSync(`${stem}.summary.txt`, lines.join("\n") + "\n");
  for (const [code, k] of shaders) writeFileSync(`${stem}.${k}.wgsl`, code);
}
if (args.each) {
  const med = (v) => [...v].sort((x, y) => x - y)[v.length >> 1];
  const rows = log.dispatches.map((d) => ({ d, wall: [], cpu: [] }));
  for (let r = 0; r < Number(args.each); r++)
    for (const row of rows) {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      const enc = theDevice.createCommandEncoder();
      const pass = enc.beginComputePass();
      pass.setPipeline(row.d.pipeline);
      pass.setBindGroup(0, row.d.bind[0], row.d.bind[1]);
      pass.dispatchWorkgroups(...row.d.groups);
      pass.end();
      theDevice.queue.submit([enc.finish()]);
      await theDevice.queue.onSubmittedWorkDone();
      row.wall.push(performance.now() - t0);
      const c = process.cpuUsage(c0);
      row.cpu.push((c.user + c.system) / 1000);
    }
  let tw = 0;
  let tc = 0;
  for (const [k, row] of rows.entries()) {
    tw += med(row.wall);
    tc += med(row.cpu);
    console.log(`  dispatch ${String(k).padStart(2)} shader ${String(row.d.shader).padStart(2)} [${row.d.groups.join("x")}]: wall ${med(row.wall).toFixed(2)} ms, cpu ${med(row.cpu).toFixed(2)} ms`);
  }
  console.log(`  sum of medians: wall ${tw.toFixed(1)} ms, cpu ${tc.toFixed(1)} ms`);
}
process.exit(0);
