/**
 * A `while` loop inside one shader, when its body fits: every step of its predicate region, body
 * and odd-exit is a map kernel of at most FUSED_WHILE_MAX_POINTS points (no matmuls, host
 * steps, nested loops or branches, no views that move with a loop). Then one workgroup runs the
 * whole loop: its invocations stride over each kernel's points, a storageBarrier separates
 * kernels, and the predicate reaches every invocation through workgroupUniformLoad. No
 * predicate is read back and the call stays one submission.
 *
 * Carries are double-buffered (SwapOf views that alternate with the trip's parity), so the loop
 * is unrolled by two: an even trip then an odd trip, each binding its carries statically.
 */
import type { IVar } from "../kernel/iexpr.js";
import type { BufferDecl, LoopStep, MapKernel, Step } from "../kernel/kernel.js";
import { Bindings, BodyEmitter, type RenderedKernel, UnsupportedKernel, assemble, loadAs, storeValue } from "./wgsl.js";

/** Most points of one kernel inside a fused loop (one workgroup strides over them). */
export const FUSED_WHILE_MAX_POINTS = 16384;
const WG = 256;

/** The buffer a program buffer is on a trip of the given parity of loop `loop` (null: not fusable). */
function resolve(buffers: readonly BufferDecl[], b: number, loop: number, parity: number): number {
  const d = buffers[b]!;
  if (d.view) throw new UnsupportedKernel("a view moving with a loop");
  if (d.swap) {
    if (d.swap.loop !== loop) throw new UnsupportedKernel("a carry of another loop");
    return resolve(buffers, parity === 0 ? d.swap.even : d.swap.odd, loop, parity);
  }
  return b;
}

function mapKernels(steps: readonly Step[]): MapKernel[] {
  return steps.map((s) => {
    if (s.kind !== "map") throw new UnsupportedKernel(`a ${s.kind} step`);
    if (s.vars.reduce((n, v) => n * v.extent, 1) > FUSED_WHILE_MAX_POINTS) throw new UnsupportedKernel("a large kernel");
    return s;
  });
}

/** The loop as one single-workgroup shader, or null when it does not fit (it then runs as dispatches per trip). */
export function renderFusedWhile(s: LoopStep, buffers: readonly BufferDecl[], maxBindings: number): RenderedKernel | null {
  if (s.length !== null || !s.cond) return null;
  try {
    const cond = mapKernels(s.cond.steps);
    const body = mapKernels(s.body);
    const oddExit = mapKernels(s.oddExit);
    const binds = new Bindings(buffers);
    const used = new Set<string>();
    const decls: string[] = [];
    // outputs first, so their bindings are writable
    for (const k of [...cond, ...body, ...oddExit]) for (const o of k.outs) for (const p of [0, 1]) binds.slot(resolve(buffers, o.buf, s.id, p), true);
    const block = (k: MapKernel, parity: number): string[] => {
      const res = (b: number) => resolve(buffers, b, s.id, parity);
      const names = new Map<number, string>();
      k.vars.forEach((v, i) => names.set(v.id, `i${i}`));
      const varName = (v: IVar) => {
        let n = names.get(v.id);
        if (n === undefined) names.set(v.id, (n = `r${v.id}`));
        return n;
      };
      const load = loadAs(binds);
      const em = new BodyEmitter(varName, (buf, index, dtype) => load(res(buf), index, dtype));
      const total = k.vars.reduce((n, v) => n * v.extent, 1);
      const pre: string[] = [];
      let stride = total;
      k.vars.forEach((v, d) => {
        stride /= v.extent;
        pre.push(`let i${d} = ${d === 0 ? `g / ${stride}` : `(g / ${stride}) % ${v.extent}`};`);
      });
      const vals = em.values(
        k.outs.map((o) => o.value),
        new Map(),
      );
      const stores = k.outs.map((o, j) => `${binds.at(res(o.buf), em.index(o.index))} = ${storeValue(vals[j]!, buffers[o.buf]!.dtype)};`);
      for (const h of em.used) used.add(h);
      decls.push(...em.decls);
      return [
        `// ${k.name}`,
        `for (var g: i32 = li; g < ${total}; g += ${WG}) {`,
        ...[...pre, ...em.lines, ...stores].map((l) => `  ${l}`),
        `}`,
        `storageBarrier();`,
      ];
    };
    const trip = (parity: number): string[] => [
      ...cond.flatMap((k) => block(k, parity)),
      `if (li == 0) { go = ${binds.at(resolve(buffers, s.cond!.pred, s.id, parity), "0")}; }`,
      `if (workgroupUniformLoad(&go) == 0u) { break; }`,
      ...body.flatMap((k) => block(k, parity)),
      `trip = trip + 1;`,
    ];
    const main = [
      `var<workgroup> go: u32;`,
      `@compute @workgroup_size(${WG})`,
      `fn main(@builtin(local_invocation_index) lid: u32) {`,
      `  let li = i32(lid);`,
      `  var trip: i32 = 0;`,
      `  loop {`,
      ...[...trip(0), ...trip(1)].map((l) => `    ${l}`),
      `  }`,
      ...(oddExit.length ? [`  if (trip % 2 == 1) {`, ...oddExit.flatMap((k) => block(k, 1)).map((l) => `    ${l}`), `  }`] : []),
      `}`,
    ];
    if (binds.ids.length > maxBindings) return null;
    const emitter = new BodyEmitter(
      () => "",
      () => "",
    );
    for (const h of used) emitter.need(h);
    emitter.decls.push(...decls);
    return { name: `${s.name}_fused`, wgsl: assemble(binds, emitter, main), bindings: binds.ids, writes: binds.writes, offsetSlots: binds.offsetSlots, groups: [1, 1, 1] };
  } catch (e) {
    if (e instanceof UnsupportedKernel) return null;
    throw e;
  }
}
