/**
 * One wasm module per program: a function per kernel and an exported entry `run(arena, inputs...,
 * outputs...)` that runs every step in order, loops and branches included (see controlFlow.ts),
 * so a call whose program has no host steps crosses from JS into wasm once. Host steps call
 * back into JS through the import `env.host(step, table)`, after storing the addresses of the
 * step's buffers (inside a loop they move with the iteration) in the program's `hostArgs` table.
 * Memory is imported (`env.memory`): every module of a runtime shares one linear memory, and
 * kernels only see byte addresses passed in, never module state, so the same module is
 * instantiated by the thread pool's workers over the shared memory (threads.ts): a kernel above
 * the parallel threshold (split.ts) is exported and called through `env.par`, which runs its
 * chunks across the pool and returns when all are done. Inside compiled loops the same rule
 * holds per trip: a body kernel large enough to pay for a dispatch is split on every iteration,
 * smaller ones run on the calling thread.
 */
import { type HostStep, type LeafStep, type MapKernel, type Program, hostStepBuffers, leafSteps } from "../kernel/kernel.js";
import { emitSteps } from "./controlFlow.js";
import { renderFactorStep } from "./factor/index.js";
import type { EmitOptions, ImportSink } from "./emitter.js";
import { isDynamicKernel, renderMapKernel } from "./mapKernel.js";
import { renderMatmulKernel } from "./matmulKernel.js";
import { renderDirectConvKernel, splitDirectConvKernel } from "./directConvKernel.js";
import { renderSortKernel } from "./sortKernel.js";
import { splitFactorStep, splitSortStep } from "./batchSplit.js";
import { type ReduceSplit, type ReduceSplitFns, planReduceSplit, reduceSplitPool, renderReduceSplit } from "./reduceSplit.js";
import { PAR_MIN_WORK, type SplitPlan, splitMapKernel, splitMatmulKernel } from "./split.js";
import type { ParallelKernel } from "./threads.js";
import { Fn, get, i32c } from "./wat.js";

export interface RenderedModule {
  readonly wat: string;
  /** Host math functions imported from module "m" (name and arity). */
  readonly hostMath: readonly { name: string; arity: 1 | 2 }[];
  readonly usesHost: boolean;
  /** The host steps, by the number `env.host` is called with. */
  readonly hostSteps: readonly HostStep[];
  /** Whether the entry takes a run-time length after the arena (size-generic programs). */
  readonly dynamic: boolean;
  /**
   * Kernels the entry hands to the thread pool (`env.par(index, table)`, the buffer addresses
   * stored in a table after the arena), by index; empty unless rendered for a shared memory.
   */
  readonly parallel: readonly ParallelKernel[];
  /** Bytes after the arena's planned end where the entry stores a parallel kernel's addresses. */
  readonly parTableBytes: number;
}

/** Host math a pool thread provides (plain Math); kernels calling anything else stay on the calling thread. */
const THREAD_MATH = new Set(["exp", "exp2", "log", "expm1", "log1p", "tanh", "logistic", "sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "asinh", "acosh", "atanh", "cbrt", "atan2", "fmod"]);

/** Where the parallel-call table starts in the arena (after the planned bytes, aligned). */
export const parTableOffset = (arenaBytes: number): number => Math.ceil(arenaBytes / 64) * 64;

class Imports implements ImportSink {
  readonly math = new Map<string, 1 | 2>();
  hostMath(name: string, arity: 1 | 2): string {
    this.math.set(name, arity);
    return `$m_${name}`;
  }
}

export function renderProgram(p: Program, opts: EmitOptions, memory: { shared: boolean; maxPages?: number } = { shared: false }): RenderedModule {
  const imports = new Imports();
  const entry = new Fn("run");
  entry.exportName = "run";
  const arena = entry.param("arena");
  // Size-generic programs take the run-time length after the arena.
  const leaves = leafSteps(p.steps);
  const dynamic = leaves.some((s) => s.kind === "map" && isDynamicKernel(s));
  const n = dynamic ? entry.param("n") : null;
  const ins = p.inputs.map((_, k) => entry.param(`in${k}`));
  const outs = p.outputs.map((_, k) => entry.param(`out${k}`));
  const basePtr = (buf: number): string => {
    const b = p.buffers[buf]!;
    switch (b.kind) {
      case "input":
        return get(ins[b.index]!);
      case "output":
        return get(outs[b.index]!);
      case "view":
        throw new Error("internal: a view has no address of its own");
      default:
        return b.offset === 0 ? get(arena) : `(i32.add ${get(arena)} ${i32c(b.offset)})`;
    }
  };
  // Every kernel is rendered once, however often the entry calls it (unrolled loop bodies).
  const fns = new Map<LeafStep, Fn>();
  const hostSteps: HostStep[] = [];
  const hostIndex = new Map<HostStep, number>();
  const parallel: ParallelKernel[] = [];
  const parIndex = new Map<LeafStep, number>();
  // Reductions split along their reduced extent (reduceSplit.ts): a partial function (on the
  // pool when memory is shared and the work pays for it) and a combine, and their partials' bytes.
  const reduceSplits = new Map<LeafStep, { fns: ReduceSplitFns; par: number | null; nChunks: number }>();
  let partBytes = 0;
  const itemFns: Fn[] = [];
  const renderSplitReduction = (s: MapKernel, rs: ReduceSplit) => {
    partBytes = Math.max(partBytes, rs.partBytes);
    const used = new Imports();
    const fns = renderReduceSplit(s, rs, p.buffers, used, opts);
    for (const [name, arity] of used.math) imports.hostMath(name, arity);
    let par: number | null = null;
    if (memory.shared && rs.work >= PAR_MIN_WORK && [...used.math.keys()].every((m) => THREAD_MATH.has(m))) {
      fns.partial.exportName = fns.partial.name;
      par = parallel.length;
      parallel.push({ name: fns.partial.name, nargs: fns.partialBufs.length + 1, ...reduceSplitPool(rs) });
    }
    return { fns, par, nChunks: rs.nChunks };
  };
  for (const s of leaves) {
    if (s.kind === "host") {
      hostIndex.set(s, hostSteps.length);
      hostSteps.push(s);
      continue;
    }
    if (s.kind === "sort" || s.kind === "factor") {
      // independent lines or matrices: over the pool by items when the step has workspaces for it (batchSplit.ts)
      const bs = memory.shared ? (s.kind === "sort" ? splitSortStep(s, p.buffers) : splitFactorStep(s, p.buffers)) : null;
      if (bs === null) {
        fns.set(s, s.kind === "sort" ? renderSortKernel(s, p.buffers) : renderFactorStep(s, p.buffers));
        continue;
      }
      bs.wrapper.exportName = bs.wrapper.name;
      itemFns.push(bs.one);
      parIndex.set(s, parallel.length);
      parallel.push({ name: bs.wrapper.name, nargs: bs.wrapper.params.length - 2, extent: bs.extent, chunk: bs.chunk, nChunks: bs.nChunks });
      fns.set(s, bs.wrapper);
      continue;
    }
    const rsplit = s.kind === "map" ? planReduceSplit(s) : null;
    if (rsplit !== null) {
      reduceSplits.set(s, renderSplitReduction(s as MapKernel, rsplit));
      continue;
    }
    const split = memory.shared ? (s.kind === "map" ? splitMapKernel(s) : s.kind === "directConv" ? splitDirectConvKernel(s) : splitMatmulKernel(s)) : null;
    const render = (plan: SplitPlan | null, sink: ImportSink) =>
      s.kind === "map"
        ? renderMapKernel(s, p.buffers, sink, opts, plan)
        : s.kind === "directConv"
          ? renderDirectConvKernel(s, p.buffers, sink, opts, plan)
          : renderMatmulKernel(s, p.buffers, sink, opts, plan);
    if (split === null) {
      fns.set(s, render(null, imports));
      continue;
    }
    // Render to see which host functions it calls; kernels needing more than Math stay whole.
    const used = new Imports();
    const fn = render(split, used);
    if (![...used.math.keys()].every((m) => THREAD_MATH.has(m))) {
      fns.set(s, render(null, imports));
      continue;
    }
    for (const [name, arity] of used.math) imports.hostMath(name, arity);
    fn.exportName = fn.name;
    parIndex.set(s, parallel.length);
    const nargs = fn.params.length - (s.kind === "matmul" ? 3 : 2);
    parallel.push({ name: fn.name, nargs, extent: split.extent, chunk: split.chunk, nChunks: split.nChunks });
    fns.set(s, fn);
  }
  const parTable = `(i32.add ${get(arena)} ${i32c(parTableOffset(p.arenaBytes))})`;
  const tableBytes = Math.ceil((4 * Math.max(0, ...parallel.map((q) => q.nargs))) / 64) * 64;
  const partPtr = `(i32.add ${get(arena)} ${i32c(parTableOffset(p.arenaBytes) + tableBytes)})`;
  emitSteps(
    {
      fn: entry,
      buffers: p.buffers,
      basePtr,
      kernelCall: (s, ptr) => {
        const rs = reduceSplits.get(s);
        if (rs !== undefined) {
          const addr = (bufs: readonly number[]) => [...bufs.map(ptr), partPtr];
          const { partial, partialBufs, combine, combineBufs } = rs.fns;
          const first =
            rs.par !== null
              ? [...addr(partialBufs).map((a, i) => `(i32.store offset=${4 * i} ${parTable} ${a})`), `(call $par ${i32c(rs.par)} ${parTable})`].join(" ")
              : `(call $${partial.name} ${addr(partialBufs).join(" ")} ${i32c(0)} ${i32c(rs.nChunks)})`;
          return `${first} (call $${combine.name} ${addr(combineBufs).join(" ")})`;
        }
        const fn = fns.get(s)!;
        const k = parIndex.get(s);
        if (k !== undefined) {
          // The pool reads the buffers' addresses from the table (params are $b<id>, then the range).
          const bufs = fn.params.slice(0, parallel[k]!.nargs).map((q) => ptr(Number(q.name.slice(2))));
          const stores = bufs.map((a, i) => `(i32.store offset=${4 * i} ${parTable} ${a})`);
          return [...stores, `(call $par ${i32c(k)} ${parTable})`].join(" ");
        }
        const args = fn.params.map((q) => (q.name === "$n" ? get(n!) : ptr(Number(q.name.slice(2))))).join(" ");
        return `(call $${fn.name} ${args})`;
      },
      hostCall: (s, ptr) => {
        const table = basePtr(p.hostArgs!);
        const stores = hostStepBuffers(s).map((b, k) => `(i32.store offset=${4 * k} ${table} ${ptr(b)})`);
        return [...stores, `(call $host ${i32c(hostIndex.get(s)!)} ${table})`].join(" ");
      },
    },
    p.steps,
    entry.body,
  );
  const lines: string[] = ["(module"];
  lines.push(`  (import "env" "memory" (memory 1${memory.shared ? ` ${memory.maxPages ?? 65536} shared` : ""}))`);
  if (hostSteps.length > 0) lines.push(`  (import "env" "host" (func $host (param i32 i32)))`);
  if (parallel.length > 0) lines.push(`  (import "env" "par" (func $par (param i32 i32)))`);
  for (const [name, arity] of imports.math) {
    const params = arity === 1 ? "(param f64)" : "(param f64 f64)";
    lines.push(`  (import "m" "${name}" (func $m_${name} ${params} (result f64)))`);
  }
  for (const f of [...fns.values(), ...itemFns, ...[...reduceSplits.values()].flatMap((r) => [r.fns.partial, r.fns.combine]), entry]) lines.push(f.render());
  lines.push(")");
  return { wat: lines.join("\n"), hostMath: [...imports.math].map(([name, arity]) => ({ name, arity })), usesHost: hostSteps.length > 0, hostSteps, dynamic, parallel, parTableBytes: partBytes > 0 ? tableBytes + partBytes : 4 * Math.max(0, ...parallel.map((q) => q.nargs)) };
}
