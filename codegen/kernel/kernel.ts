/**
 * A lowered program: buffers with a static memory plan, and the steps that run in order.
 * Kernels are loop nests over an index space computing scalar expressions (map kernels, which
 * may hold one reduction), contractions with packed operands and a fused epilogue (matmul), or
 * host steps that run a primitive through the reference interpreter on views of the buffers.
 * Structured control flow (cond, while, scan) is a loop step around a body region of steps,
 * or a branch step choosing one of several regions, so a renderer emits the loop itself
 * instead of calling out per iteration.
 * Target-neutral: the wasm renderer (and later WGSL) turns each kernel into code.
 */
import type { DType } from "../../ir/dtype.js";
import { itemSize } from "../../ir/dtype.js";
import type { Eqn, Jaxpr } from "../../ir/jaxpr.js";
import { primitiveName } from "../../ir/primitives.js";
import type { DirectConvKernel } from "./directConv.js";
import type { FactorStep } from "./factor.js";
import { type IExpr, type IVar, readBuffers, showIExpr } from "./iexpr.js";
import { type SExpr, showSExpr } from "./sexpr.js";

export type BufferKind = "input" | "output" | "temp" | "scratch" | "view";

/**
 * A window of another buffer that moves with a loop's iteration: its address is the base's
 * plus `t * strideBytes`, t the iteration index of loop `loop` (a scan's xs and ys slices, so
 * the body reads and writes the stacked arrays in place).
 */
export interface ViewOf {
  readonly base: number;
  readonly loop: number;
  readonly strideBytes: number;
}

/**
 * A double-buffered loop carry: the buffer `even` on even trips of loop `loop` (counted from
 * 0), `odd` on odd ones. A carry is read through one such view and its new value written
 * through the opposite one, so a trip never copies its carries.
 */
export interface SwapOf {
  readonly loop: number;
  readonly even: number;
  readonly odd: number;
}

export interface BufferDecl {
  readonly id: number;
  readonly kind: BufferKind;
  /** Position among the program's inputs or outputs; -1 for temps and scratch. */
  readonly index: number;
  readonly dtype: DType;
  readonly shape: readonly number[];
  readonly size: number;
  /** Byte offset in the call's arena (temps and scratch), set by the memory plan. */
  offset: number;
  /** For kind "view": what it is a window of. */
  readonly view?: ViewOf;
  /** For kind "view": the two buffers it alternates between. */
  readonly swap?: SwapOf;
  /**
   * The loop whose body created this buffer (written before it is read in every iteration, so
   * it lives for one iteration); undefined for buffers of the top level, which live across
   * every loop that uses them.
   */
  readonly loop?: number;
}

export const bufferBytes = (b: BufferDecl): number => b.size * itemSize[b.dtype];

export interface MapOutput {
  readonly buf: number;
  readonly value: SExpr;
  /** Flat store position, over the kernel's vars. */
  readonly index: IExpr;
}

/** `for vars: out[index] = value` (values may hold one reduction over further variables). */
export interface MapKernel {
  readonly kind: "map";
  readonly name: string;
  /** Loop nest, outermost first. */
  readonly vars: readonly IVar[];
  readonly outs: readonly MapOutput[];
  /**
   * Those of `vars` whose iterations must run in order, each reading what earlier ones stored:
   * a cumulative scan's axis, or every variable of a scatter's update loop (its positions are
   * data-dependent). Renderers never vectorize, split or parallelize along them, and never
   * hoist a load of the kernel's own outputs out of their loops.
   */
  readonly sequential?: readonly IVar[];
}

/**
 * A float32 contraction over packed operands, `acc[b, m, n] = sum_k A[b, m, k] * B[b, k, n]`,
 * then `out[index] = epilogue(acc)`. The operands were packed beforehand by map kernels (which
 * fuse the operands' producers): panels of `mr` rows of A, `packA[((b*MB + ip)*K + k)*mr + r]`
 * for m = ip*mr + r, and panels of `nr` columns of B, `packB[((b*NB + jp)*K + k)*nr + c]` for
 * n = jp*nr + c, zero beyond M and N. A renderer runs a register-tiled microkernel per
 * (ip, jp) panel pair.
 */
export interface MatmulKernel {
  readonly kind: "matmul";
  readonly name: string;
  readonly bVar: IVar;
  readonly mVar: IVar;
  readonly nVar: IVar;
  readonly K: number;
  /** Over bVar, mVar, nVar and the `acc` leaf. */
  readonly epilogue: SExpr;
  readonly out: { readonly buf: number; readonly index: IExpr };
  readonly packA: number;
  readonly packB: number;
  /** Scratch for one mr x nr tile of accumulators (edge tiles). */
  readonly tile: number;
  readonly mr: number;
  readonly nr: number;
  /**
   * int8/uint8 operands (codegen/kernel/narrow.ts): the panels hold `pairs` int32 words per
   * row or column, each two int16 halves (two k terms), and `acc` is int32.
   */
  readonly pairs?: number;
}

export type HostInput = { readonly buf: number } | { readonly literal: number; readonly dtype: DType };

/** The buffers whose addresses a host step's call passes, in order: buffer inputs, then outputs. */
export const hostStepBuffers = (s: HostStep): number[] => [...s.inputs.flatMap((i) => ("buf" in i ? [i.buf] : [])), ...s.outputs];

/** A primitive with no native kernel yet: the reference implementation on buffer views. */
export interface HostStep {
  readonly kind: "host";
  readonly name: string;
  readonly eqn: Eqn;
  readonly inputs: readonly HostInput[];
  readonly outputs: readonly number[];
}

/**
 * A stable sort of lines (lax.sort): every line of `n` elements (at stride `inner`, `outer *
 * inner` lines) is ordered by the first `numKeys` operands compared lexicographically (floats
 * as JAX compares them: NaNs last and equal to each other, -0 equal to +0), and every operand is
 * permuted alike into its output. `perm` is int32 scratch of 4n + 256 (keys, permutations, merge
 * or radix buffers, digit counts).
 */
export interface SortStep {
  readonly kind: "sort";
  readonly name: string;
  /** The sort equation (for backends that run it through the reference). */
  readonly eqn: Eqn;
  readonly inputs: readonly number[];
  readonly outputs: readonly number[];
  readonly outer: number;
  readonly n: number;
  readonly inner: number;
  readonly numKeys: number;
  readonly perm: number;
}

/** A sort step as the host step that computes the same (for backends without a sort kernel). */
export const sortAsHostStep = (s: SortStep): HostStep => ({ kind: "host", name: s.name, eqn: s.eqn, inputs: s.inputs.map((buf) => ({ buf })), outputs: s.outputs });

/**
 * A loop: `scan` (a static trip count, `length`) or `while` (until the `cond` region leaves
 * zero in the bool scalar buffer `pred`). Each trip runs `cond` (while), then `body`; carries
 * are double-buffered (SwapOf views), and every buffer created in the body is dead between
 * trips. Views with `loop === id` move with the iteration index t (`length - 1 - i`
 * when `reverse`). `unroll` trips' bodies run per loop jump (a code-size hint only).
 */
export interface LoopStep {
  readonly kind: "loop";
  readonly name: string;
  readonly id: number;
  readonly length: number | null;
  readonly reverse: boolean;
  readonly unroll: number;
  readonly cond: { readonly steps: readonly Step[]; readonly pred: number } | null;
  readonly body: readonly Step[];
  /** Run after the loop when it made an odd number of trips (the carries then sit in their second buffers). */
  readonly oddExit: readonly Step[];
}

/** `cond`/`switch`: runs region `clamp(index, 0, regions.length - 1)`, the index an int32 scalar buffer. */
export interface BranchStep {
  readonly kind: "branch";
  readonly name: string;
  readonly index: number;
  readonly regions: readonly (readonly Step[])[];
}

/** Steps that run code over buffers (as opposed to structured control flow around other steps). */
export type LeafStep = MapKernel | MatmulKernel | DirectConvKernel | HostStep | SortStep | FactorStep;
export type Step = LeafStep | LoopStep | BranchStep;

/** The buffers whose memory a buffer is (itself, or what its views and swaps point into). */
export function bufferRoots(buffers: readonly BufferDecl[], b: number): number[] {
  const d = buffers[b]!;
  if (d.view) return bufferRoots(buffers, d.view.base);
  if (d.swap) return [...bufferRoots(buffers, d.swap.even), ...bufferRoots(buffers, d.swap.odd)];
  return [b];
}

/** Every leaf step, in program order (loop bodies and branch regions included, once each). */
export function leafSteps(steps: readonly Step[]): LeafStep[] {
  const out: LeafStep[] = [];
  const walk = (ss: readonly Step[]) => {
    for (const s of ss) {
      if (s.kind === "loop") {
        if (s.cond) walk(s.cond.steps);
        walk(s.body);
        walk(s.oddExit);
      } else if (s.kind === "branch") s.regions.forEach(walk);
      else out.push(s);
    }
  };
  walk(steps);
  return out;
}

export interface Program {
  /** The optimized jaxpr this program computes. */
  readonly jaxpr: Jaxpr;
  readonly buffers: readonly BufferDecl[];
  /** Buffer id of each jaxpr input / output. */
  readonly inputs: readonly number[];
  readonly outputs: readonly number[];
  readonly steps: readonly Step[];
  /**
   * Scratch int32 buffer where a host step's call leaves the addresses of its buffers (buffer
   * inputs, then outputs) for the host to read; present when the program has host steps.
   */
  readonly hostArgs?: number;
  /** Bytes of the per-call arena that holds temps and scratch (after planning). */
  arenaBytes: number;
}

/** Buffers a step reads. */
export function stepReads(step: LeafStep): number[] {
  const out = new Set<number>();
  const visit = (roots: readonly SExpr[]) => {
    const seen = new Set<number>();
    const go = (e: SExpr) => {
      if (seen.has(e.id)) return;
      seen.add(e.id);
      if (e.k === "load") out.add(e.buf);
      if (e.k === "load" || e.k === "iota" || e.k === "icond") readBuffers(e.index, out);
      switch (e.k) {
        case "unary":
        case "convert":
        case "bitcast":
        case "round":
        case "ipow":
          go(e.a);
          break;
        case "binary":
        case "compare":
          go(e.a);
          go(e.b);
          break;
        case "select":
          go(e.which);
          e.cases.forEach(go);
          break;
        case "clamp":
          go(e.lo);
          go(e.x);
          go(e.hi);
          break;
        case "reduce":
          go(e.body);
          break;
        default:
          break;
      }
    };
    roots.forEach(go);
  };
  switch (step.kind) {
    case "map":
      visit(step.outs.map((o) => o.value));
      for (const o of step.outs) readBuffers(o.index, out);
      break;
    case "matmul":
      visit([step.epilogue]);
      readBuffers(step.out.index, out);
      out.add(step.packA);
      out.add(step.packB);
      out.add(step.tile);
      break;
    case "directConv":
      visit(step.pool ? [step.epilogue, step.pool.body] : [step.epilogue]);
      readBuffers(step.out.index, out);
      out.add(step.input);
      out.add(step.weights);
      break;
    case "host":
      for (const i of step.inputs) if ("buf" in i) out.add(i.buf);
      break;
    case "sort":
      for (const b of step.inputs) out.add(b);
      out.add(step.perm);
      break;
    case "factor":
      for (const b of [...step.inputs, step.work]) out.add(b);
      break;
  }
  return [...out];
}

/** Buffers a step writes. */
export function stepWrites(step: LeafStep): number[] {
  switch (step.kind) {
    case "map":
      return step.outs.map((o) => o.buf);
    case "matmul":
      return [step.out.buf, step.tile];
    case "directConv":
      return [step.out.buf];
    case "host":
      return [...step.outputs];
    case "sort":
      return [...step.outputs, step.perm];
    case "factor":
      return [...step.outputs, step.work];
  }
}

/** A readable listing of a program: buffers, then one block per step. */
export function showProgram(p: Program): string {
  const bufName = (id: number) => {
    const b = p.buffers[id]!;
    return b.kind === "input" ? `in${b.index}` : b.kind === "output" ? `out${b.index}` : b.kind === "view" ? `v${id}` : `t${id}`;
  };
  const lines: string[] = [];
  // the arena's buffers (planMemory left those no step touches, e.g. removed by fusion, at offset -1)
  const temps = p.buffers.filter((b) => (b.kind === "temp" || b.kind === "scratch") && b.offset >= 0);
  lines.push(`program: ${p.inputs.length} inputs, ${p.outputs.length} outputs, ${temps.length} temps in a ${p.arenaBytes}-byte arena`);
  for (const b of temps) lines.push(`  ${bufName(b.id)}: ${b.dtype}[${b.shape.join(",")}] ${b.kind} @${b.offset}`);
  for (const b of p.buffers) {
    if (b.view) lines.push(`  ${bufName(b.id)}: ${b.dtype}[${b.shape.join(",")}] view of ${bufName(b.view.base)} + t${b.view.loop}*${b.view.strideBytes}B`);
    if (b.swap) lines.push(`  ${bufName(b.id)}: ${b.dtype}[${b.shape.join(",")}] ${bufName(b.swap.even)} on even trips of loop ${b.swap.loop}, else ${bufName(b.swap.odd)}`);
  }
  const show = (steps: readonly Step[], ind: string) => {
    const at = lines.length;
    showSteps(steps);
    for (let i = at; i < lines.length; i++) lines[i] = ind + lines[i];
  };
  const showSteps = (steps: readonly Step[]) => {
  for (const s of steps) {
    switch (s.kind) {
      case "loop": {
        const trips = s.length === null ? "while" : `t${s.id}<${s.length}${s.reverse ? " reversed" : ""}${s.unroll > 1 ? ` unroll ${s.unroll}` : ""}`;
        lines.push(`${s.name}: loop [${trips}] {`);
        if (s.cond) {
          lines.push(`  cond -> ${bufName(s.cond.pred)}:`);
          show(s.cond.steps, "    ");
        }
        lines.push("  body:");
        show(s.body, "    ");
        if (s.oddExit.length) {
          lines.push("  after an odd number of trips:");
          show(s.oddExit, "    ");
        }
        lines.push("}");
        break;
      }
      case "branch":
        lines.push(`${s.name}: branch on ${bufName(s.index)} {`);
        s.regions.forEach((r, k) => {
          lines.push(`  case ${k}:`);
          show(r, "    ");
        });
        lines.push("}");
        break;
      case "map": {
        const names = new Map<number, string>();
        s.vars.forEach((v, i) => names.set(v.id, `i${i}`));
        const name = (v: IVar) => {
          let n = names.get(v.id);
          if (n === undefined) names.set(v.id, (n = `${v.name}${names.size - s.vars.length}`));
          return n;
        };
        const loops = s.vars.map((v) => `${name(v)}<${v.extent}`).join(", ");
        lines.push(`${s.name}: map [${loops}]`);
        for (const o of s.outs) lines.push(`  ${bufName(o.buf)}[${showIExpr(o.index, name)}] = ${showSExpr(o.value, name, bufName)}`);
        break;
      }
      case "matmul": {
        const name = (v: IVar) => (v === s.bVar ? "b" : v === s.mVar ? "m" : v === s.nVar ? "n" : `${v.name}${v.id}`);
        lines.push(
          `${s.name}: matmul [b<${s.bVar.extent}, m<${s.mVar.extent}, n<${s.nVar.extent}, k<${s.K}] tile ${s.mr}x${s.nr} over ${bufName(s.packA)}, ${bufName(s.packB)}`,
        );
        lines.push(`  ${bufName(s.out.buf)}[${showIExpr(s.out.index, name)}] = ${showSExpr(s.epilogue, name, bufName)}`);
        break;
      }
      case "directConv": {
        const name = (v: IVar) => (v === s.gVar ? "g" : v === s.mVar ? "m" : v === s.nVar ? "n" : `${v.name}${v.id}`);
        lines.push(`${s.name}: directConv [g<${s.G}, m<${s.mVar.extent}, n<${s.OG}, taps ${s.taps.join("x")} x ${s.I}${s.paired ? `, int16 pairs of ${s.paired}${s.sharedTail ? ", shared tail" : ""}` : ""}] over ${bufName(s.input)}, ${bufName(s.weights)}`);
        if (s.pool) lines.push(`  pooled: ${s.pool.op}[${s.pool.windowVars.map((v, i) => `${name(v)}<${s.pool!.window[i]} stride ${s.pool!.strides[i]}`).join(", ")}](${showSExpr(s.pool.body, name, bufName)})`);
        lines.push(`  ${bufName(s.out.buf)}[${showIExpr(s.out.index, name)}] = ${showSExpr(s.epilogue, name, bufName)}`);
        break;
      }
      case "sort":
        lines.push(`${s.name}: sort [${s.outer} x ${s.n} x ${s.inner}, ${s.numKeys} key${s.numKeys > 1 ? "s" : ""}] (${s.inputs.map(bufName).join(", ")}) -> ${s.outputs.map(bufName).join(", ")} via ${bufName(s.perm)}`);
        break;
      case "host": {
        const ins = s.inputs.map((i) => ("buf" in i ? bufName(i.buf) : `${i.literal}:${i.dtype}`)).join(", ");
        lines.push(`${s.name}: host ${primitiveName(s.eqn.primitive)}(${ins}) -> ${s.outputs.map(bufName).join(", ")}`);
        break;
      }
      case "factor":
        lines.push(`${s.name}: factor ${primitiveName(s.eqn.primitive)}(${s.inputs.map(bufName).join(", ")}) -> ${s.outputs.map(bufName).join(", ")} work ${bufName(s.work)}`);
        break;
    }
  }
  };
  showSteps(p.steps);
  return lines.join("\n");
}
