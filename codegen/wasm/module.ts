/**
 * One wasm module per program: a function per kernel and an exported entry `run(arena, inputs...,
 * outputs...)` that runs every step in order, loops and branches included (see controlFlow.ts),
 * so a call whose program has no host steps crosses from JS into wasm once. Host steps call
 * back into JS through the import `env.host(step, table)`, after storing the addresses of the
 * step's buffers (inside a loop they move with the iteration) in the program's `hostArgs` table.
 * Memory is imported (`env.memory`): every module of a runtime shares one linear memory, and
 * kernels only see byte addresses passed in, never module state, so the same module can later
 * be instantiated in workers over a shared memory.
 */
import { type HostStep, type LeafStep, type Program, hostStepBuffers, leafSteps } from "../kernel/kernel.js";
import { emitSteps } from "./controlFlow.js";
import type { EmitOptions, ImportSink } from "./emitter.js";
import { isDynamicKernel, renderMapKernel } from "./mapKernel.js";
import { renderMatmulKernel } from "./matmulKernel.js";
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
}

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
  for (const s of leaves) {
    if (s.kind === "host") {
      hostIndex.set(s, hostSteps.length);
      hostSteps.push(s);
    } else fns.set(s, s.kind === "map" ? renderMapKernel(s, p.buffers, imports, opts) : renderMatmulKernel(s, p.buffers, imports, opts));
  }
  emitSteps(
    {
      fn: entry,
      buffers: p.buffers,
      basePtr,
      kernelCall: (s, ptr) => {
        const fn = fns.get(s)!;
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
  for (const [name, arity] of imports.math) {
    const params = arity === 1 ? "(param f64)" : "(param f64 f64)";
    lines.push(`  (import "m" "${name}" (func $m_${name} ${params} (result f64)))`);
  }
  for (const f of [...fns.values(), entry]) lines.push(f.render());
  lines.push(")");
  return { wat: lines.join("\n"), hostMath: [...imports.math].map(([name, arity]) => ({ name, arity })), usesHost: hostSteps.length > 0, hostSteps, dynamic };
}
