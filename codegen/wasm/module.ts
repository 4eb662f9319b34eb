/**
 * One wasm module per program: a function per kernel and an exported entry `run(arena, inputs...,
 * outputs...)` that runs every step in order, loops and branches included (see controlFlow.ts),
 * so a call whose program has no host steps crosses from JS into wasm once. Host steps call
 * back into JS through one import per step, `env.h<k>(addresses...)`, which receives the
 * addresses of its buffers (inside a loop they move with the iteration).
 * Memory is imported (`env.memory`): every module of a runtime shares one linear memory, and
 * kernels only see byte addresses passed in, never module state, so the same module can later
 * be instantiated in workers over a shared memory.
 */
import { type HostStep, type LeafStep, type Program, leafSteps } from "../kernel/kernel.js";
import { emitSteps } from "./controlFlow.js";
import type { EmitOptions, ImportSink } from "./emitter.js";
import { isDynamicKernel, renderMapKernel, renderMatmulKernel } from "./kernels.js";
import { Fn, get, i32c } from "./wat.js";

export interface RenderedModule {
  readonly wat: string;
  /** Host math functions imported from module "m" (name and arity). */
  readonly hostMath: readonly { name: string; arity: 1 | 2 }[];
  readonly usesHost: boolean;
  /** The host steps, in the order of their imports `env.h0`, `env.h1`, ... (each takes the addresses of its buffer inputs, then outputs). */
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

/** The buffers a host step's import takes, in order: buffer inputs, then outputs. */
export const hostStepBuffers = (s: HostStep): number[] => [...s.inputs.flatMap((i) => ("buf" in i ? [i.buf] : [])), ...s.outputs];

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
      hostCall: (s, ptr) => `(call $h${hostIndex.get(s)!} ${hostStepBuffers(s).map(ptr).join(" ")})`,
    },
    p.steps,
    entry.body,
  );
  const lines: string[] = ["(module"];
  lines.push(`  (import "env" "memory" (memory 1${memory.shared ? ` ${memory.maxPages ?? 65536} shared` : ""}))`);
  hostSteps.forEach((s, k) => {
    const params = hostStepBuffers(s).map(() => " i32").join("");
    lines.push(`  (import "env" "h${k}" (func $h${k}${params ? ` (param${params})` : ""}))`);
  });
  for (const [name, arity] of imports.math) {
    const params = arity === 1 ? "(param f64)" : "(param f64 f64)";
    lines.push(`  (import "m" "${name}" (func $m_${name} ${params} (result f64)))`);
  }
  for (const f of [...fns.values(), entry]) lines.push(f.render());
  lines.push(")");
  return { wat: lines.join("\n"), hostMath: [...imports.math].map(([name, arity]) => ({ name, arity })), usesHost: hostSteps.length > 0, hostSteps, dynamic };
}
