// A/B on WebGPU in ONE process, interleaved: two jaxts builds (JAXTS_ENTRY=old dist, the
// repository's dist/) and, optionally, jax-js, taking turns call by call, so a loaded machine
// slows every side alike. Reports wall and CPU time per call (median and min).
//
//   VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json node bench/abWebgpu.mjs \
//     --old=/path/to/old/dist/src/index.js [--cells=matmul512,expsin,mlpStep] [--rounds=15] [--jaxjs]
import { writeSync } from "node:fs";
import { cellData } from "./common.mjs";

const args = Object.fromEntries(process.argv.slice(2).map((a) => a.replace(/^--/, "").split("=")));
const cells = (args.cells ?? "matmul512,expsin,mlpStep").split(",");
const rounds = Number(args.rounds ?? 15);
process.env.BENCH_DEVICE = "webgpu";
process.env.JAXTS_DEVICE = "webgpu";

const systems = [];
if (args.old) {
  process.env.JAXTS_ENTRY = args.old;
  systems.push({ label: "jaxts old", mod: await import("./systems/jaxts.mjs?old") });
  delete process.env.JAXTS_ENTRY;
}
systems.push({ label: "jaxts new", mod: await import("./systems/jaxts.mjs?new") });
if ("jaxjs" in args) systems.push({ label: "jax-js", mod: await import("./systems/jaxjs.mjs") });
for (const s of systems) await s.mod.init();

const med = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];
const fmt = (x) => x.toFixed(1).padStart(7);
for (const cell of cells) {
  const d = cellData(cell);
  const cs = [];
  for (const s of systems) {
    const c = await s.mod.setup(cell, d);
    for (let i = 0; i < 3; i++) await c.run(false);
    cs.push({ s, c, wall: [], cpu: [] });
  }
  for (let r = 0; r < rounds; r++)
    for (const x of r % 2 ? [...cs].reverse() : cs) {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      await x.c.run(false);
      const t = performance.now() - t0;
      const c = process.cpuUsage(c0);
      x.wall.push(t);
      x.cpu.push((c.user + c.system) / 1000);
    }
  for (const x of cs)
    writeSync(1, `${cell.padEnd(10)} ${x.s.label.padEnd(10)} wall ms median ${fmt(med(x.wall))} min ${fmt(Math.min(...x.wall))} | cpu ms median ${fmt(med(x.cpu))} min ${fmt(Math.min(...x.cpu))}\n`);
}
process.exit(0);
