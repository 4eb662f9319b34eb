/**
 * Map kernels as wasm functions: one function per kernel, a loop nest vectorized along its
 * innermost variable (or inside its reduction), with an exact rerun for float32 sin/cos when a
 * fast pass saw a large argument. Also the helpers every kernel function shares.
 */
import { type DType, isFloat } from "../../ir/dtype.js";
import { type IVar, coefOf, inAtoms, isDynamic } from "../kernel/iexpr.js";
import type { BufferDecl, MapKernel, MatmulKernel } from "../kernel/kernel.js";
import { stepReads, stepWrites } from "../kernel/kernel.js";
import { type SExpr, topoNodes } from "../kernel/sexpr.js";
import { type EmitOptions, type ImportSink, KernelEmitter, vectorArgDtypes } from "./emitter.js";
import { nativeF32x4 } from "./simdmath.js";
import type { SplitPlan } from "./split.js";
import { emitTransposeLoops, isTransposeCopy } from "./transposeKernel.js";
import { Block, Fn, get, i32c } from "./wat.js";

/** A kernel function taking the address of each buffer it uses (parameter `$b<id>`). */
export function kernelFn(name: string, bufs: readonly number[]): { fn: Fn; ptr: Map<number, string> } {
  const fn = new Fn(name);
  const ptr = new Map<number, string>();
  for (const b of bufs) ptr.set(b, fn.param(`b${b}`));
  return { fn, ptr };
}

export const usedBuffers = (step: MapKernel | MatmulKernel) => [...new Set([...stepReads(step), ...stepWrites(step)])].sort((a, b) => a - b);

/**
 * Whether every value in these expressions fits 4-lane 32-bit vector code. argmax/argmin only
 * where `vectorArgs` (map kernels vectorized across outputs: emitter.ts argReduceVector) and over
 * 32-bit bodies.
 */
export function vectorizable(roots: readonly SExpr[], stores: readonly DType[], vectorArgs = false): boolean {
  if (stores.some((d) => d === "float64")) return false;
  return topoNodes(roots).every((n) => n.dtype !== "float64" && !(isArgReduce(n) && !(vectorArgs && vectorArgDtypes.has((n as SExpr & { k: "reduce" }).body.dtype))));
}

const isArgReduce = (n: SExpr): boolean => n.k === "reduce" && (n.op === "argmax" || n.op === "argmin");


/** Loads in `roots` that walk `v` contiguously. */
function contiguousLoads(roots: readonly SExpr[], v: IVar): number {
  let n = 0;
  for (const e of topoNodes(roots)) if (e.k === "load" && !inAtoms(e.index, v) && coefOf(e.index, v) === 1) n++;
  return n;
}

/** Whether a kernel loops over a length given at run time (its function then takes `$n`). */
export const isDynamicKernel = (k: MapKernel): boolean => k.vars.some(isDynamic);

/**
 * With a split plan the function takes the range `[lo, hi)` of the split variable after the
 * buffers (the thread pool calls it once per chunk; see split.ts).
 */
export function renderMapKernel(k: MapKernel, buffers: readonly BufferDecl[], imports: ImportSink, opts: EmitOptions, split: SplitPlan | null = null): Fn {
  const { fn, ptr } = kernelFn(k.name, usedBuffers(k));
  if (isDynamicKernel(k)) fn.param("n");
  const range = split === null ? null : { axis: split.axis as number, lo: get(fn.param("lo")), hi: get(fn.param("hi")) };
  const roots = k.outs.map((o) => o.value);
  const hasTrig = topoNodes(roots).some((n) => n.k === "unary" && (n.op === "sin" || n.op === "cos") && n.dtype === "float32");
  if (!hasTrig) {
    const em = new KernelEmitter(fn, (b) => get(ptr.get(b)!), imports, opts);
    if (isTransposeCopy(k, buffers, range?.axis ?? null)) emitTransposeLoops(k, buffers, em, range);
    else emitMapLoops(k, buffers, em, range);
    return fn;
  }
  // sin/cos: a fast pass that only flags large arguments, and an exact rerun if any was seen.
  const flag = fn.local("v128", "bigtrig");
  fn.body.push(`(local.set ${flag} (v128.const i32x4 0 0 0 0))`);
  emitMapLoops(k, buffers, new KernelEmitter(fn, (b) => get(ptr.get(b)!), imports, opts, fn.body, { mode: "flag", flag }), range);
  fn.body.push(`(if (v128.any_true (local.get ${flag})) (then`);
  const exact = new Block();
  exact.indent = true;
  fn.body.push(exact);
  fn.body.push(`))`);
  emitMapLoops(k, buffers, new KernelEmitter(fn, (b) => get(ptr.get(b)!), imports, opts, exact, { mode: "exact" }), range);
  return fn;
}

/** A split variable's range: loop `axis` of the nest runs over [lo, hi) (wasm expressions). */
type Range = { axis: number; lo: string; hi: string } | null;

export function emitMapLoops(k: MapKernel, buffers: readonly BufferDecl[], em: KernelEmitter, range: Range = null): void {
  const roots = k.outs.map((o) => o.value);
  if (k.sequential) em.pinnedLoads = { bufs: new Set(k.outs.map((o) => o.buf)), vars: k.sequential.map((v) => v.id) };
  const vec = k.sequential?.length !== k.vars.length && vectorizable(
    roots,
    k.outs.map((o) => buffers[o.buf]!.dtype),
    em.vectorArgs,
  );
  const last = k.vars[k.vars.length - 1];
  const outCand = vec && last !== undefined && last.extent >= 4 && !k.sequential?.includes(last);
  let vecOut = false;
  const red = topoNodes(roots).find((n): n is SExpr & { k: "reduce" } => n.k === "reduce");
  if (vec && red && !isArgReduce(red)) {
    const rlast = red.rvars[red.rvars.length - 1];
    const redCand = rlast !== undefined && rlast.extent >= 4;
    if (redCand && (!outCand || contiguousLoads([red.body], rlast) >= contiguousLoads([red.body], last!))) {
      em.reduceVectorVar = (e) => (e === red ? rlast : null);
    } else vecOut = outCand;
  } else vecOut = outCand;

  // Bodies with a vectorized transcendental (long, latency-bound dependency chains, no reductions
  // or nested loops) are unrolled twice; cheap bodies are memory-bound and stay as they are.
  const unroll = !red && topoNodes(roots).some((n) => n.k === "unary" && nativeF32x4[n.op] !== undefined && n.dtype === "float32");
  const body = (vector: boolean) => {
    for (const o of k.outs) {
      const value = em.value(o.value, vector);
      em.store(o.buf, o.index, buffers[o.buf]!.dtype, value, vector);
    }
  };
  const nest = (i: number) => {
    if (i === k.vars.length) {
      body(false);
      return;
    }
    const v = k.vars[i]!;
    if (isDynamic(v)) {
      // n is a run-time length: a vector loop over n & ~3 and a scalar tail, each guarded.
      const n = "(local.get $n)";
      const full = `(i32.and ${n} (i32.const -4))`;
      if (vecOut && i === k.vars.length - 1) {
        em.loop(v, 0, full, 4, () => body(true), { vector: true, guard: `(i32.ge_s ${n} (i32.const 4))` });
        em.loop(v, full, n, 1, () => body(false), { guard: `(i32.and ${n} (i32.const 3))` });
      } else em.loop(v, 0, n, 1, () => nest(i + 1), { guard: `(i32.gt_s ${n} (i32.const 0))` });
      return;
    }
    if (range !== null && range.axis === i) {
      if (i === k.vars.length - 1 && vecOut) splitVectorLoop(em, v, range.lo, range.hi, unroll, body);
      else em.loop(v, range.lo, range.hi, 1, () => nest(i + 1));
      return;
    }
    if (i === k.vars.length - 1 && vecOut) {
      const full = Math.floor(v.extent / 4) * 4;
      const full8 = Math.floor(v.extent / 8) * 8;
      if (unroll && full8 > 0) {
        // transcendental bodies: two interleaved vectors per trip, then at most one more vector
        em.vectorLoopX2(v, 0, full8, () => body(true));
        if (full > full8) em.scope([{ v, value: i32c(full8) }], () => body(true), { vector: v });
      } else em.loop(v, 0, full, 4, () => body(true), { vector: true });
      // A ragged tail (an extent of 6: NHWC with 6 channels) as one more vector ending at the
      // extent, overlapping the last: lanes written twice get the same value (tailOverlaps).
      if (full < v.extent && full >= 4 && tailOverlaps(k, buffers)) em.scope([{ v, value: i32c(v.extent - 4) }], () => body(true), { vector: v });
      else em.loop(v, full, v.extent, 1, () => body(false));
      return;
    }
    em.loop(v, 0, v.extent, 1, () => nest(i + 1));
  };
  nest(0);
}

/** Float ops whose scalar and vector code compute the same IEEE operation lane by lane. */
const SAME_SCALAR_UNARY = new Set(["neg", "abs", "floor", "ceil", "sqrt", "sign", "square", "isFinite"]);
const HOST_BINARY = new Set(["pow", "atan2", "rem", "nextafter"]);

/**
 * Whether the vectorized loop's ragged tail may run as a vector overlapping the one before it:
 * the kernel reads none of the buffers it writes (a lane computed twice reads the same inputs and
 * stores the same value), no view aliases them, and every op has the same value in vector and
 * scalar code (no host math, whose lanes the scalar tail would compute in f64).
 */
function tailOverlaps(k: MapKernel, buffers: readonly BufferDecl[]): boolean {
  const reads = stepReads(k);
  const writes = stepWrites(k);
  if ([...reads, ...writes].some((b) => buffers[b]!.kind === "view")) return false;
  if (writes.some((b) => reads.includes(b))) return false;
  return topoNodes(k.outs.map((o) => o.value)).every((n) => {
    if (n.k === "unary") return !isFloat(n.dtype) || SAME_SCALAR_UNARY.has(n.op);
    if (n.k === "binary") return !isFloat(n.dtype) || !HOST_BINARY.has(n.op);
    return true;
  });
}

/**
 * The innermost, vectorized loop over a chunk [lo, hi) whose lo is a multiple of 8: the same
 * split into unrolled vectors, one more vector and a scalar tail as the whole range's loop, so
 * every element takes the code path it takes in one pass (today a scalar lane of a native
 * vector op computes through the vector code, but nothing should rely on that).
 */
function splitVectorLoop(em: KernelEmitter, v: IVar, lo: string, hi: string, unroll: boolean, body: (vector: boolean) => void): void {
  const len = em.tmp("i32", `(i32.sub ${hi} ${lo})`, "len");
  const full = em.tmp("i32", `(i32.add ${lo} (i32.and ${len} (i32.const -4)))`, "full");
  if (unroll) {
    const full8 = em.tmp("i32", `(i32.add ${lo} (i32.and ${len} (i32.const -8)))`, "full8");
    em.vectorLoopX2(v, lo, full8, () => body(true), `(i32.gt_s ${full8} ${lo})`);
    em.ifElse(`(i32.gt_s ${full} ${full8})`, () => em.scope([{ v, value: full8 }], () => body(true), { vector: v }));
  } else em.loop(v, lo, full, 4, () => body(true), { vector: true, guard: `(i32.gt_s ${full} ${lo})` });
  em.loop(v, full, hi, 1, () => body(false), { guard: `(i32.lt_s ${full} ${hi})` });
}
