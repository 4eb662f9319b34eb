// Whole-array reductions, sorts of many lines and batched Cholesky on 1 and 2 threads, an old
// build against this one in the same process, samples interleaved (issue 11 item 1; the
// threadsplit branch's report).
//
//   JAXTS_OLD=/path/to/old/dist/src/index.js node bench/reduceSplit.mjs [--reps=9] [--cells=a,b] [--threshold]
//
// Each sample runs a cell's jitted call repeatedly for about --sample-ms and records wall and
// process CPU time (all threads) per call; the table shows median and min over the samples.
// --threshold instead measures this build's split reduction (forced on from 4K terms, the pool
// dispatched for any size) on 1 and 2 threads over sizes 4K..1M, to place REDUCE_SPLIT_MIN.
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const arg = (name, dflt) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split("=")[1] ?? dflt;
const reps = Number(arg("reps", 9));
const sampleMs = Number(arg("sample-ms", 150));
const newEntry = process.env.JAXTS_ENTRY ?? join(here, "..", "dist", "src", "index.js");
const oldEntry = process.env.JAXTS_OLD;

function seeded(n, seed) {
  let s = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = (((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1;
  }
  return out;
}

function spd(batch, n) {
  const g = seeded(batch * n * n, 5);
  const d = new Float32Array(batch * n * n);
  for (let b = 0; b < batch; b++)
    for (let i = 0; i < n; i++)
      for (let j = 0; j <= i; j++) {
        let s = 0;
        for (let k = 0; k < n; k++) s += g[b * n * n + i * n + k] * g[b * n * n + j * n + k];
        d[b * n * n + i * n + j] = d[b * n * n + j * n + i] = s / n + (i === j ? 1 : 0);
      }
  return d;
}

/** Cells: name -> (jaxts) => a function running one call and waiting for it. */
const cells = {
  sum1e6: (j) => call(j, (x) => j.numpy.sum(x), [seeded(1e6, 1)], [[1e6]]),
  sum1e7: (j) => call(j, (x) => j.numpy.sum(x), [seeded(1e7, 2)], [[1e7]]),
  argmax1e6: (j) => call(j, (x) => j.numpy.argmax(x), [seeded(1e6, 3)], [[1e6]]),
  colsum4x1e6: (j) => call(j, (x) => j.numpy.sum(x, 0), [seeded(4e6, 4)], [[1e6, 4]]),
  sort256x4096: (j) => call(j, (x) => j.numpy.sort(x, -1), [seeded(256 * 4096, 6)], [[256, 4096]]),
  cholesky64x64x64: (j) => call(j, (x) => j.lax.linalg.cholesky(x), [spd(64, 64)], [[64, 64, 64]]),
};

function call(j, f, datas, shapes) {
  const xs = datas.map((d, i) => j.numpy.array(d, { shape: shapes[i] }));
  const g = j.jit(f);
  return () => g(...xs).blockUntilReady();
}

function sample(run) {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  let n = 0;
  do {
    run();
    n++;
  } while (performance.now() - t0 < sampleMs);
  const c = process.cpuUsage(c0);
  return { wall: (performance.now() - t0) / n, cpu: (c.user + c.system) / 1000 / n };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const min = (xs) => Math.min(...xs);
const fmt = (ms) => (ms < 1 ? `${(ms * 1000).toFixed(0)} us` : `${ms.toFixed(2)} ms`);

async function main() {
  const systems = [];
  if (oldEntry) systems.push({ name: "old", j: await import(pathToFileURL(oldEntry).href) });
  systems.push({ name: "new", j: await import(pathToFileURL(newEntry).href) });
  if (process.argv.includes("--threshold")) return threshold(systems.at(-1).j);
  if (process.argv.includes("--batch-threshold")) return batchThreshold(systems.at(-1).j);
  const names = arg("cells", Object.keys(cells).join(",")).split(",");
  const configs = [];
  for (const name of names)
    for (const s of systems)
      for (const threads of [1, 2]) {
        const run = cells[name](s.j);
        s.j.setNumThreads(threads);
        for (let w = 0; w < 3; w++) run(); // compile, start pool threads, warm up
        configs.push({ name, sys: s, threads, run, wall: [], cpu: [] });
      }
  await new Promise((r) => setTimeout(r, 500)); // let pool threads start
  for (let r = 0; r < reps; r++)
    for (const c of configs) {
      c.sys.j.setNumThreads(c.threads);
      const { wall, cpu } = sample(c.run);
      c.wall.push(wall);
      c.cpu.push(cpu);
    }
  console.log(`| cell | build | threads | wall median | wall min | CPU median | CPU min |`);
  console.log(`|---|---|---|---|---|---|---|`);
  for (const c of configs) console.log(`| ${c.name} | ${c.sys.name} | ${c.threads} | ${fmt(median(c.wall))} | ${fmt(min(c.wall))} | ${fmt(median(c.cpu))} | ${fmt(min(c.cpu))} |`);
}

async function threshold(j) {
  const entry = dirname(fileURLToPath(pathToFileURL(newEntry).href));
  const rs = await import(pathToFileURL(join(entry, "..", "codegen", "wasm", "reduceSplit.js")).href);
  const split = await import(pathToFileURL(join(entry, "..", "codegen", "wasm", "split.js")).href);
  rs.setReduceSplitMin(4096);
  split.setParallelMinWork(1);
  const sizes = [4096, 8192, 16384, 32768, 65536, 131072, 262144, 1 << 20];
  const configs = [];
  for (const n of sizes)
    for (const threads of [1, 2]) {
      const run = call(j, (x) => j.numpy.sum(x), [seeded(n, 9)], [[n]]);
      j.setNumThreads(threads);
      for (let w = 0; w < 3; w++) run();
      configs.push({ n, threads, run, wall: [], cpu: [] });
    }
  await new Promise((r) => setTimeout(r, 500));
  for (let r = 0; r < reps; r++)
    for (const c of configs) {
      j.setNumThreads(c.threads);
      const { wall, cpu } = sample(c.run);
      c.wall.push(wall);
      c.cpu.push(cpu);
    }
  console.log(`| sum of n f32 (split forced) | threads | wall median | wall min | CPU median |`);
  console.log(`|---|---|---|---|---|`);
  for (const c of configs) console.log(`| ${c.n} | ${c.threads} | ${fmt(median(c.wall))} | ${fmt(min(c.wall))} | ${fmt(median(c.cpu))} |`);
}

async function batchThreshold(j) {
  const entry = dirname(fileURLToPath(pathToFileURL(newEntry).href));
  const bs = await import(pathToFileURL(join(entry, "..", "codegen", "kernel", "batchSlots.js")).href);
  bs.setBatchSplitMinWork(1);
  const cases = [];
  for (const n of [128, 512, 2048, 8192]) cases.push({ what: `sort [8, ${n}] (work ${8 * n * Math.log2(n)})`, make: () => call(j, (x) => j.numpy.sort(x, -1), [seeded(8 * n, 3)], [[8, n]]) });
  for (const n of [8, 16, 32, 64]) cases.push({ what: `cholesky [8, ${n}, ${n}] (work ${8 * n ** 3})`, make: () => call(j, (x) => j.lax.linalg.cholesky(x), [spd(8, n)], [[8, n, n]]) });
  const configs = [];
  for (const c of cases)
    for (const threads of [1, 2]) {
      const run = c.make();
      j.setNumThreads(threads);
      for (let w = 0; w < 3; w++) run();
      configs.push({ what: c.what, threads, run, wall: [], cpu: [] });
    }
  await new Promise((r) => setTimeout(r, 500));
  for (let r = 0; r < reps; r++)
    for (const c of configs) {
      j.setNumThreads(c.threads);
      const { wall, cpu } = sample(c.run);
      c.wall.push(wall);
      c.cpu.push(cpu);
    }
  console.log(`| batched step (split forced) | threads | wall median | wall min | CPU median |`);
  console.log(`|---|---|---|---|---|`);
  for (const c of configs) console.log(`| ${c.what} | ${c.threads} | ${fmt(median(c.wall))} | ${fmt(min(c.wall))} | ${fmt(median(c.cpu))} |`);
}

await main();
process.exit(0);
