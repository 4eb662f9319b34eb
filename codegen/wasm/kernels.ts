/**
 * Kernel functions: one wasm function per map kernel (a loop nest, vectorized along its
 * innermost variable or inside its reduction) and per matmul (a register-tiled f32x4
 * microkernel over packed panels, with the fused epilogue applied tile by tile).
 */
import type { DType } from "../../ir/dtype.js";
import { type IVar, coefOf, inAtoms, isDynamic } from "../kernel/iexpr.js";
import type { BufferDecl, MapKernel, MatmulKernel } from "../kernel/kernel.js";
import { stepReads, stepWrites } from "../kernel/kernel.js";
import { type SExpr, topoNodes } from "../kernel/sexpr.js";
import { type EmitOptions, type ImportSink, KernelEmitter } from "./emitter.js";
import { nativeF32x4 } from "./simdmath.js";
import { Block, Fn, get, i32c } from "./wat.js";

function kernelFn(name: string, bufs: readonly number[]): { fn: Fn; ptr: Map<number, string> } {
  const fn = new Fn(name);
  const ptr = new Map<number, string>();
  for (const b of bufs) ptr.set(b, fn.param(`b${b}`));
  return { fn, ptr };
}

const usedBuffers = (step: MapKernel | MatmulKernel) => [...new Set([...stepReads(step), ...stepWrites(step)])].sort((a, b) => a - b);

/** Whether every value in these expressions fits 4-lane 32-bit vector code. */
function vectorizable(roots: readonly SExpr[], stores: readonly DType[]): boolean {
  if (stores.some((d) => d === "float64")) return false;
  return topoNodes(roots).every((n) => n.dtype !== "float64" && !(n.k === "reduce" && (n.op === "argmax" || n.op === "argmin")));
}

/** Loads in `roots` that walk `v` contiguously. */
function contiguousLoads(roots: readonly SExpr[], v: IVar): number {
  let n = 0;
  for (const e of topoNodes(roots)) if (e.k === "load" && !inAtoms(e.index, v) && coefOf(e.index, v) === 1) n++;
  return n;
}

/** Whether a kernel loops over a length given at run time (its function then takes `$n`). */
export const isDynamicKernel = (k: MapKernel): boolean => k.vars.some(isDynamic);

export function renderMapKernel(k: MapKernel, buffers: readonly BufferDecl[], imports: ImportSink, opts: EmitOptions): Fn {
  const { fn, ptr } = kernelFn(k.name, usedBuffers(k));
  if (isDynamicKernel(k)) fn.param("n");
  const roots = k.outs.map((o) => o.value);
  const hasTrig = topoNodes(roots).some((n) => n.k === "unary" && (n.op === "sin" || n.op === "cos") && n.dtype === "float32");
  if (!hasTrig) {
    emitMapLoops(k, buffers, new KernelEmitter(fn, (b) => get(ptr.get(b)!), imports, opts));
    return fn;
  }
  // sin/cos: a fast pass that only flags large arguments, and an exact rerun if any was seen.
  const flag = fn.local("v128", "bigtrig");
  fn.body.push(`(local.set ${flag} (v128.const i32x4 0 0 0 0))`);
  emitMapLoops(k, buffers, new KernelEmitter(fn, (b) => get(ptr.get(b)!), imports, opts, fn.body, { mode: "flag", flag }));
  fn.body.push(`(if (v128.any_true (local.get ${flag})) (then`);
  const exact = new Block();
  exact.indent = true;
  fn.body.push(exact);
  fn.body.push(`))`);
  emitMapLoops(k, buffers, new KernelEmitter(fn, (b) => get(ptr.get(b)!), imports, opts, exact, { mode: "exact" }));
  return fn;
}

function emitMapLoops(k: MapKernel, buffers: readonly BufferDecl[], em: KernelEmitter): void {
  const roots = k.outs.map((o) => o.value);
  const vec = vectorizable(
    roots,
    k.outs.map((o) => buffers[o.buf]!.dtype),
  );
  const last = k.vars[k.vars.length - 1];
  const outCand = vec && last !== undefined && last.extent >= 4;
  let vecOut = false;
  const red = topoNodes(roots).find((n): n is SExpr & { k: "reduce" } => n.k === "reduce");
  if (vec && red) {
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
    if (i === k.vars.length - 1 && vecOut) {
      const full = Math.floor(v.extent / 4) * 4;
      const full8 = Math.floor(v.extent / 8) * 8;
      if (unroll && full8 > 0) {
        // transcendental bodies: two interleaved vectors per trip, then at most one more vector
        em.vectorLoopX2(v, full8, () => body(true));
        if (full > full8) em.scope([{ v, value: i32c(full8) }], () => body(true), { vector: v });
      } else em.loop(v, 0, full, 4, () => body(true), { vector: true });
      em.loop(v, full, v.extent, 1, () => body(false));
      return;
    }
    em.loop(v, 0, v.extent, 1, () => nest(i + 1));
  };
  nest(0);
}

export function renderMatmulKernel(k: MatmulKernel, buffers: readonly BufferDecl[], imports: ImportSink, opts: EmitOptions): Fn {
  const { fn, ptr } = kernelFn(k.name, usedBuffers(k));
  const em = new KernelEmitter(fn, (b) => get(ptr.get(b)!), imports, opts);
  const { mr: MR, nr: NR, K } = k;
  const [Bt, M, N] = [k.bVar.extent, k.mVar.extent, k.nVar.extent];
  const MB = Math.ceil(M / MR);
  const NB = Math.ceil(N / NR);
  const MBf = Math.floor(M / MR);
  const NBf = Math.floor(N / NR);
  const NQ = NR / 4;
  const outDtype = buffers[k.out.buf]!.dtype;
  const vecEpilogue = vectorizable([k.epilogue], [outDtype]);
  let labels = 0;
  const pA = get(ptr.get(k.packA)!);
  const pB = get(ptr.get(k.packB)!);
  const pT = get(ptr.get(k.tile)!);
  const ap = fn.local("i32", "ap");
  const bp = fn.local("i32", "bp");
  const acc = Array.from({ length: MR }, () => Array.from({ length: NQ }, () => fn.local("v128", "c")));
  const bv = Array.from({ length: NQ }, () => fn.local("v128", "bq"));
  const av = fn.local("v128", "a");
  const fma = (a: string, b: string, c: string) => (opts.relaxedSimd ? `(f32x4.relaxed_madd ${a} ${b} ${c})` : `(f32x4.add ${c} (f32x4.mul ${a} ${b}))`);

  const storeEpilogue = (vector: boolean) => {
    const value = em.value(k.epilogue, vector);
    em.store(k.out.buf, k.out.index, outDtype, value, vector);
  };

  // Cache blocking: a block of A panels (about 128 KiB) stays in L2 while every B panel (in L1)
  // sweeps over it.
  const panelsPerBlock = Math.max(1, Math.min(MB, Math.floor(131072 / Math.max(1, K * MR * 4))));
  const blocks = Math.ceil(MB / panelsPerBlock);
  const unroll = 1;
  const apEnd = fn.local("i32", "apend");
  /** One rank-1 update from packed row u (relative to the current pointers). */
  const kStep = (u: number) => {
    for (let q = 0; q < NQ; q++) em.emit(`(local.set ${bv[q]} (v128.load offset=${(u * NR + 4 * q) * 4} ${get(bp)}))`);
    for (let r = 0; r < MR; r++) {
      em.emit(`(local.set ${av} (v128.load32_splat offset=${(u * MR + r) * 4} ${get(ap)}))`);
      for (let q = 0; q < NQ; q++) em.emit(`(local.set ${acc[r]![q]} ${fma(get(av), get(bv[q]!), get(acc[r]![q]!))})`);
    }
  };

  em.loop(k.bVar, 0, Bt, 1, (b) => {
    em.loop(null, 0, blocks, 1, (ib) => {
    em.loop(null, 0, NB, 1, (jp) => {
      const ipStart = `(i32.mul ${get(ib)} ${i32c(panelsPerBlock)})`;
      const ipEnd = MB % panelsPerBlock === 0 ? `(i32.add ${ipStart} ${i32c(panelsPerBlock)})` : `(select ${i32c(MB)} (i32.add ${ipStart} ${i32c(panelsPerBlock)}) (i32.eq ${get(ib)} ${i32c(blocks - 1)}))`;
      em.loop(null, ipStart, ipEnd, 1, (ip) => {
        em.emit(`(local.set ${ap} (i32.add ${pA} (i32.mul (i32.add (i32.mul ${get(b)} ${i32c(MB)}) ${get(ip)}) ${i32c(K * MR * 4)})))`);
        em.emit(`(local.set ${bp} (i32.add ${pB} (i32.mul (i32.add (i32.mul ${get(b)} ${i32c(NB)}) ${get(jp)}) ${i32c(K * NR * 4)})))`);
        for (const row of acc) for (const c of row) em.emit(`(local.set ${c} (v128.const i32x4 0 0 0 0))`);
        const main = Math.floor(K / unroll);
        if (main > 0) {
          // The k loop, unrolled, with load offsets and the A pointer as its counter.
          em.emit(`(local.set ${apEnd} (i32.add ${get(ap)} ${i32c(main * unroll * MR * 4)}))`);
          const label = `$K${labels++}`;
          em.emit(`(loop ${label}`);
          for (let u = 0; u < unroll; u++) kStep(u);
          em.emit(`  (local.set ${ap} (i32.add ${get(ap)} ${i32c(unroll * MR * 4)}))`);
          em.emit(`  (local.set ${bp} (i32.add ${get(bp)} ${i32c(unroll * NR * 4)}))`);
          em.emit(`  (br_if ${label} (i32.lt_u ${get(ap)} ${get(apEnd)})))`);
        }
        for (let u = 0; u < K - main * unroll; u++) kStep(u);
        const mBase = `(i32.mul ${get(ip)} ${i32c(MR)})`;
        const nBase = `(i32.mul ${get(jp)} ${i32c(NR)})`;
        const fullTile = () => {
          for (let r = 0; r < MR; r++)
            for (let q = 0; q < NQ; q++)
              em.scope(
                [
                  { v: k.mVar, value: `(i32.add ${mBase} ${i32c(r)})` },
                  { v: k.nVar, value: `(i32.add ${nBase} ${i32c(4 * q)})` },
                ],
                () => storeEpilogue(true),
                { vector: k.nVar, acc: { value: get(acc[r]![q]!), vector: true } },
              );
        };
        const edgeTile = () => {
          for (let r = 0; r < MR; r++) for (let q = 0; q < NQ; q++) em.emit(`(v128.store offset=${(r * NR + 4 * q) * 4} ${pT} ${get(acc[r]![q]!)})`);
          em.loop(
            null,
            0,
            MR,
            1,
            (rl) => {
              em.ifElse(`(i32.lt_s (i32.add ${mBase} ${get(rl)}) ${i32c(M)})`, () => {
                em.loop(
                  null,
                  0,
                  NR,
                  1,
                  (cl) => {
                    em.ifElse(`(i32.lt_s (i32.add ${nBase} ${get(cl)}) ${i32c(N)})`, () => {
                      const a = em.tmp("f32", `(f32.load (i32.add ${pT} (i32.shl (i32.add (i32.mul ${get(rl)} ${i32c(NR)}) ${get(cl)}) (i32.const 2))))`);
                      em.scope(
                        [
                          { v: k.mVar, value: `(i32.add ${mBase} ${get(rl)})` },
                          { v: k.nVar, value: `(i32.add ${nBase} ${get(cl)})` },
                        ],
                        () => storeEpilogue(false),
                        { acc: { value: a, vector: false } },
                      );
                    });
                  },
                  { hint: "cl" },
                );
              });
            },
            { hint: "rl" },
          );
        };
        if (!vecEpilogue || MBf === 0 || NBf === 0) edgeTile();
        else if (MBf === MB && NBf === NB) fullTile();
        else em.ifElse(`(i32.and (i32.lt_u ${get(ip)} ${i32c(MBf)}) (i32.lt_u ${get(jp)} ${i32c(NBf)}))`, fullTile, edgeTile);
      });
    });
    });
  });
  return fn;
}

