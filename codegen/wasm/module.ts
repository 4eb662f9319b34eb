/**
 * One wasm module per program: a function per kernel and an exported entry `run(arena, inputs...,
 * outputs...)` that calls every kernel in order (host steps call back into JS through the
 * imported `env.host(step)`), so a call with no host steps crosses from JS into wasm once.
 * Memory is imported (`env.memory`): every module of a runtime shares one linear memory, and
 * kernels only see byte addresses passed in, never module state, so the same module can later
 * be instantiated in workers over a shared memory.
 */
import type { Program } from "../kernel/kernel.js";
import type { EmitOptions, ImportSink } from "./emitter.js";
import { isDynamicKernel, renderMapKernel, renderMatmulKernel } from "./kernels.js";
import { Fn, get, i32c } from "./wat.js";

export interface RenderedModule {
  readonly wat: string;
  /** Host math functions imported from module "m" (name and arity). */
  readonly hostMath: readonly { name: string; arity: 1 | 2 }[];
  readonly usesHost: boolean;
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
  const fns: Fn[] = [];
  const entry = new Fn("run");
  entry.exportName = "run";
  const arena = entry.param("arena");
  // Size-generic programs take the run-time length after the arena.
  const dynamic = p.steps.some((s) => s.kind === "map" && isDynamicKernel(s));
  const n = dynamic ? entry.param("n") : null;
  const ins = p.inputs.map((_, k) => entry.param(`in${k}`));
  const outs = p.outputs.map((_, k) => entry.param(`out${k}`));
  const ptrOf = (buf: number): string => {
    const b = p.buffers[buf]!;
    switch (b.kind) {
      case "input":
        return get(ins[b.index]!);
      case "output":
        return get(outs[b.index]!);
      default:
        return b.offset === 0 ? get(arena) : `(i32.add ${get(arena)} ${i32c(b.offset)})`;
    }
  };
  let usesHost = false;
  p.steps.forEach((s, i) => {
    if (s.kind === "host") {
      usesHost = true;
      entry.body.push(`(call $host ${i32c(i)})`);
      return;
    }
    const fn = s.kind === "map" ? renderMapKernel(s, p.buffers, imports, opts) : renderMatmulKernel(s, p.buffers, imports, opts);
    fns.push(fn);
    const args = fn.params.map((q) => (q.name === "$n" ? get(n!) : ptrOf(Number(q.name.slice(2))))).join(" ");
    entry.body.push(`(call $${fn.name} ${args})`);
  });
  const lines: string[] = ["(module"];
  lines.push(`  (import "env" "memory" (memory 1${memory.shared ? ` ${memory.maxPages ?? 65536} shared` : ""}))`);
  if (usesHost) lines.push(`  (import "env" "host" (func $host (param i32)))`);
  for (const [name, arity] of imports.math) {
    const params = arity === 1 ? "(param f64)" : "(param f64 f64)";
    lines.push(`  (import "m" "${name}" (func $m_${name} ${params} (result f64)))`);
  }
  for (const f of [...fns, entry]) lines.push(f.render());
  lines.push(")");
  return { wat: lines.join("\n"), hostMath: [...imports.math].map(([name, arity]) => ({ name, arity })), usesHost, dynamic };
}
