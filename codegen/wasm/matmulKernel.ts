/**
 * The matmul microkernel as a wasm function: a register-tiled f32x4 product over the packed
 * panels of A and B (MR x NR accumulators), with the fused epilogue applied tile by tile.
 */
import type { BufferDecl, MatmulKernel } from "../kernel/kernel.js";
import { type EmitOptions, type ImportSink, KernelEmitter } from "./emitter.js";
import { kernelFn, usedBuffers, vectorizable } from "./mapKernel.js";
import { type SplitPlan, matmulBlocking } from "./split.js";
import { type Fn, get, i32c } from "./wat.js";

/**
 * With a split plan the function takes the range `[lo, hi)` of batch entries, column panels or blocks of row panels
 * after the buffers, and the address of the calling thread's own edge-tile scratch (threads
 * running chunks side by side must not share one).
 */
export function renderMatmulKernel(k: MatmulKernel, buffers: readonly BufferDecl[], imports: ImportSink, opts: EmitOptions, split: SplitPlan | null = null): Fn {
  const { fn, ptr } = kernelFn(k.name, usedBuffers(k));
  const range = split === null ? null : { axis: split.axis, lo: get(fn.param("lo")), hi: get(fn.param("hi")), scratch: get(fn.param("scratch")) };
  const em = new KernelEmitter(fn, (b) => get(ptr.get(b)!), imports, opts);
  const { mr: MR, nr: NR } = k;
  // Paired (int8) panels: K counts words of two k terms each (narrow.ts).
  const K = k.pairs ?? k.K;
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
  const pT = range ? range.scratch : get(ptr.get(k.tile)!);
  const ap = fn.local("i32", "ap");
  const bp = fn.local("i32", "bp");
  const acc = Array.from({ length: MR }, () => Array.from({ length: NQ }, () => fn.local("v128", "c")));
  const bv = Array.from({ length: NQ }, () => fn.local("v128", "bq"));
  const av = fn.local("v128", "a");
  const fma = (a: string, b: string, c: string) =>
    k.pairs !== undefined ? `(i32x4.add ${c} (i32x4.dot_i16x8_s ${a} ${b}))` : opts.relaxedSimd ? `(f32x4.relaxed_madd ${a} ${b} ${c})` : `(f32x4.add ${c} (f32x4.mul ${a} ${b}))`;

  const storeEpilogue = (vector: boolean) => {
    const value = em.value(k.epilogue, vector);
    em.store(k.out.buf, k.out.index, outDtype, value, vector);
  };

  // Cache blocking: a block of A panels (about 128 KiB) stays in L2 while every B panel (in L1)
  // sweeps over it.
  const { panelsPerBlock, blocks } = matmulBlocking(k);
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

  const bRange: [number | string, number | string] = range?.axis === "batch" ? [range.lo, range.hi] : [0, Bt];
  const jRange: [number | string, number | string] = range?.axis === "panels" ? [range.lo, range.hi] : [0, NB];
  const blockRange: [number | string, number | string] = range?.axis === "rows" ? [range.lo, range.hi] : [0, blocks];
  em.loop(k.bVar, bRange[0], bRange[1], 1, (b) => {
    em.loop(null, blockRange[0], blockRange[1], 1, (ib) => {
    em.loop(null, jRange[0], jRange[1], 1, (jp) => {
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
                      const t = k.pairs !== undefined ? "i32" : "f32";
                      const a = em.tmp(t, `(${t}.load (i32.add ${pT} (i32.shl (i32.add (i32.mul ${get(rl)} ${i32c(NR)}) ${get(cl)}) (i32.const 2))))`);
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
        // The last column panel of full rows (N not a multiple of NR, e.g. a convolution with 6
        // output channels): whole 4-column chunks through the vector epilogue, the rest lane by lane.
        const nRem = N - NBf * NR;
        const colEdgeTile = () => {
          const whole = Math.floor(nRem / 4);
          const scalarAcc = (r: number, c: number) => `(${k.pairs !== undefined ? "i32x4" : "f32x4"}.extract_lane ${c % 4} ${get(acc[r]![Math.floor(c / 4)]!)})`;
          for (let r = 0; r < MR; r++) {
            const m = { v: k.mVar, value: `(i32.add ${mBase} ${i32c(r)})` };
            for (let q = 0; q < whole; q++)
              em.scope([m, { v: k.nVar, value: `(i32.add ${nBase} ${i32c(4 * q)})` }], () => storeEpilogue(true), { vector: k.nVar, acc: { value: get(acc[r]![q]!), vector: true } });
            for (let c = 4 * whole; c < nRem; c++)
              em.scope([m, { v: k.nVar, value: `(i32.add ${nBase} ${i32c(c)})` }], () => storeEpilogue(false), { acc: { value: em.tmp(k.pairs !== undefined ? "i32" : "f32", scalarAcc(r, c)), vector: false } });
          }
        };
        const fullRows = () => (NBf === NB ? fullTile() : NBf === 0 ? colEdgeTile() : em.ifElse(`(i32.lt_u ${get(jp)} ${i32c(NBf)})`, fullTile, colEdgeTile));
        if (!vecEpilogue || MBf === 0) edgeTile();
        else if (MBf === MB) fullRows();
        else em.ifElse(`(i32.lt_u ${get(ip)} ${i32c(MBf)})`, fullRows, edgeTile);
      });
    });
    });
  });
  return fn;
}
