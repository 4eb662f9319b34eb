/**
 * The entry function's statements for a program's steps: a call per kernel, a call of the host
 * import per host step, and structured control flow around them — a scan or while loop is a
 * wasm `loop` (in a `block` to leave a while), a cond/switch an `if` or a `br_table` over
 * `block`s. Everything runs inside the one call from JS; an iteration never leaves wasm
 * unless its body holds a host step. Addresses of loop views are computed at each call from
 * the loop's locals: `t` (the iteration index, reversed for a reverse scan) for xs/ys windows,
 * the trip counter's parity for double-buffered carries.
 */
import type { BranchStep, BufferDecl, HostStep, LeafStep, LoopStep, Step } from "../kernel/kernel.js";
import { Block, type Fn, get, i32c } from "./wat.js";

export interface StepEmitter {
  readonly fn: Fn;
  readonly buffers: readonly BufferDecl[];
  /** The address of a non-view buffer (a parameter, or the arena plus its offset). */
  readonly basePtr: (buf: number) => string;
  /** The call statement of a kernel step, given the address of each buffer. */
  readonly kernelCall: (step: Exclude<LeafStep, HostStep>, ptr: (buf: number) => string) => string;
  /** The call statement of a host step, given the address of each buffer. */
  readonly hostCall: (step: HostStep, ptr: (buf: number) => string) => string;
}

/** Emits `steps` into `out`, in order. */
export function emitSteps(em: StepEmitter, steps: readonly Step[], out: Block): void {
  /** Per loop id: the local holding its iteration index t, and the one counting its trips. */
  const iterLocal = new Map<number, string>();
  const counterLocal = new Map<number, string>();
  let labels = 0;
  const ptr = (buf: number): string => {
    const d = em.buffers[buf]!;
    if (d.swap) {
      const i = counterLocal.get(d.swap.loop);
      if (i === undefined) throw new Error(`internal: carry of loop ${d.swap.loop} used outside it`);
      return `(select ${ptr(d.swap.odd)} ${ptr(d.swap.even)} (i32.and ${get(i)} (i32.const 1)))`;
    }
    const v = d.view;
    if (!v) return em.basePtr(buf);
    const t = iterLocal.get(v.loop);
    if (t === undefined) throw new Error(`internal: view of loop ${v.loop} used outside it`);
    return `(i32.add ${ptr(v.base)} (i32.mul ${get(t)} ${i32c(v.strideBytes)}))`;
  };
  const emit = (ss: readonly Step[], blk: Block) => {
    for (const s of ss) {
      switch (s.kind) {
        case "loop":
          emitLoop(s, blk);
          break;
        case "branch":
          emitBranch(s, blk);
          break;
        case "host":
          blk.push(em.hostCall(s, ptr));
          break;
        default:
          blk.push(em.kernelCall(s, ptr));
      }
    }
  };
  const nested = (parent: Block): Block => {
    const b = new Block();
    b.indent = true;
    parent.push(b);
    return b;
  };
  const emitLoop = (s: LoopStep, blk: Block) => {
    const i = em.fn.local("i32", `i${s.id}`);
    const t = em.fn.local("i32", `t${s.id}`);
    iterLocal.set(s.id, t);
    counterLocal.set(s.id, i);
    const top = `$loop${labels++}`;
    const next = (b: Block) => b.push(`(local.set ${i} (i32.add ${get(i)} (i32.const 1)))`);
    if (s.length === null) {
      // while: test, leave the block when false, run the body, count the trip, jump back
      const exit = `$exit${labels++}`;
      blk.push(`(local.set ${i} (i32.const 0))`);
      blk.push(`(block ${exit}`);
      const outer = nested(blk);
      outer.push(`(loop ${top}`);
      const inner = nested(outer);
      if (s.cond) {
        emit(s.cond.steps, inner);
        inner.push(`(br_if ${exit} (i32.eqz (i32.load8_u ${ptr(s.cond.pred)})))`);
      }
      emit(s.body, inner);
      next(inner);
      inner.push(`(br ${top})`);
      outer.push(`)`);
      blk.push(`)`);
      if (s.oddExit.length) {
        blk.push(`(if (i32.and ${get(i)} (i32.const 1)) (then`);
        emit(s.oddExit, nested(blk));
        blk.push(`))`);
      }
      return;
    }
    // scan: `unroll` bodies per jump over the full trips, then the remaining bodies straight
    const L = s.length;
    const u = s.unroll;
    const trips = Math.floor(L / u);
    const setT = (b: Block) => b.push(`(local.set ${t} ${s.reverse ? `(i32.sub ${i32c(L - 1)} ${get(i)})` : get(i)})`);
    const once = (b: Block) => {
      setT(b);
      emit(s.body, b);
      next(b);
    };
    blk.push(`(local.set ${i} (i32.const 0))`);
    if (trips > 0) {
      blk.push(`(loop ${top}`);
      const inner = nested(blk);
      for (let k = 0; k < u; k++) once(inner);
      inner.push(`(br_if ${top} (i32.lt_s ${get(i)} ${i32c(trips * u)}))`);
      blk.push(`)`);
    }
    for (let k = trips * u; k < L; k++) once(blk);
    if (L % 2 === 1) emit(s.oddExit, blk);
  };
  const emitBranch = (s: BranchStep, blk: Block) => {
    const n = s.regions.length;
    const k = em.fn.local("i32", "case");
    // Clamp into range (negative to the first branch; br_table sends large ones to the last).
    blk.push(`(local.set ${k} (i32.load ${ptr(s.index)}))`);
    blk.push(`(local.set ${k} (select (i32.const 0) ${get(k)} (i32.lt_s ${get(k)} (i32.const 0))))`);
    if (n === 2) {
      blk.push(`(if (i32.eqz ${get(k)}) (then`);
      emit(s.regions[0]!, nested(blk));
      blk.push(`) (else`);
      emit(s.regions[1]!, nested(blk));
      blk.push(`))`);
      return;
    }
    const base = labels;
    labels += n + 1;
    const end = `$end${base}`;
    const caseLabel = (c: number) => `$case${base}_${c}`;
    // (block $end (block $c{n-1} ... (block $c0 (br_table $c0 .. $c{n-1} k)) region0 (br $end)) ... region{n-1})
    blk.push(`(block ${end}`);
    for (let c = n - 1; c >= 0; c--) blk.push(`(block ${caseLabel(c)}`);
    blk.push(`(br_table ${Array.from({ length: n }, (_, c) => caseLabel(c)).join(" ")} ${get(k)})`);
    for (let c = 0; c < n; c++) {
      blk.push(`)`);
      emit(s.regions[c]!, nested(blk));
      if (c < n - 1) blk.push(`(br ${end})`);
    }
    blk.push(`)`);
  };
  emit(steps, out);
}
