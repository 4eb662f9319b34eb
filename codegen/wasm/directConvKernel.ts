/**
 * The direct convolution kernel (codegen/kernel/directConv.ts) as a wasm function: for each
 * group, output row (batch entry and every spatial position but the last) and block of 8
 * output features, tiles of R output positions along the last spatial dim, each an R x 2 block
 * of f32x4 accumulators over every (tap, input feature): two weight vectors loaded per step and
 * one splatted input element per position, all at constant offsets from a row pointer (a row of
 * taps is unrolled). The epilogue is applied per accumulator vector, as the matmul kernel does.
 * Paired (int8/uint8) kernels run the same loops on words of two int16 halves (two taps along
 * the last dim), with i32x4.dot_i16x8_s into exact int32 accumulators.
 */
import { shapeSize } from "../../ir/aval.js";
import { DIRECT_BLOCK_O, DIRECT_TILE_R, type DirectConvKernel } from "../kernel/directConv.js";
import type { BufferDecl } from "../kernel/kernel.js";
import { stepReads, stepWrites } from "../kernel/kernel.js";
import { type EmitOptions, type ImportSink, KernelEmitter } from "./emitter.js";
import { kernelFn, vectorizable } from "./mapKernel.js";
import { CHUNK_WORK, MAX_CHUNKS, PAR_MIN_WORK, type SplitPlan } from "./split.js";
import { type Fn, get, i32c } from "./wat.js";

/** Output rows (batch entry and all spatial positions but the last) the kernel loops over. */
const rowsOf = (k: DirectConvKernel): number => k.batch * shapeSize(k.outSp.slice(0, -1));

/**
 * How the kernel splits over threads: over output rows, in chunks fixed by the shape (so results
 * do not depend on the thread count; every output element is computed whole by one call).
 */
export function splitDirectConvKernel(k: DirectConvKernel): SplitPlan | null {
  const rows = rowsOf(k);
  const work = k.G * k.mVar.extent * k.OG * k.I * shapeSize(k.taps);
  if (work < PAR_MIN_WORK) return null;
  const want = Math.min(MAX_CHUNKS, rows, Math.floor(work / CHUNK_WORK));
  if (want < 2) return null;
  const chunk = Math.ceil(rows / want);
  const nChunks = Math.ceil(rows / chunk);
  return nChunks < 2 ? null : { axis: "rows", extent: rows, chunk, nChunks };
}

/** With a split plan the function takes the range `[lo, hi)` of output rows after the buffers. */
export function renderDirectConvKernel(k: DirectConvKernel, buffers: readonly BufferDecl[], imports: ImportSink, opts: EmitOptions, split: SplitPlan | null = null): Fn {
  const { fn, ptr } = kernelFn(k.name, [...new Set([...stepReads(k), ...stepWrites(k)])].sort((a, b) => a - b));
  const range = split === null ? null : { lo: get(fn.param("lo")), hi: get(fn.param("hi")) };
  const em = new KernelEmitter(fn, (b) => get(ptr.get(b)!), imports, opts);
  const nsp = k.outSp.length;
  const { G, I, OG, OP } = k;
  const C = G * I;
  // strides of xp in elements: per spatial position of dim s, per batch entry
  const inStride = k.inSp.map((_, s) => shapeSize(k.inSp.slice(s + 1)) * C);
  const strideN = shapeSize(k.inSp) * C;
  const rowDims = [k.batch, ...k.outSp.slice(0, -1)];
  const rows = rowsOf(k);
  const Wo = k.outSp[nsp - 1]!;
  const sL = k.strides[nsp - 1]!;
  const dL = k.dilation[nsp - 1]!;
  const KL = k.taps[nsp - 1]!;
  const paired = k.paired !== undefined;
  // per step along the last dim's taps: one tap, or a pair of them (two dilations of xp)
  const KLW = k.paired === "taps" ? Math.ceil(KL / 2) : KL;
  const dLW = k.paired === "taps" ? 2 * dL : dL;
  const outerTaps = k.taps.slice(0, -1);
  const T = shapeSize(k.taps);
  const NQ = DIRECT_BLOCK_O / 4;
  const nBlocks = OP / DIRECT_BLOCK_O;
  const R = DIRECT_TILE_R;
  const outDtype = buffers[k.out.buf]!.dtype;
  const vecEpilogue = vectorizable([k.epilogue], [outDtype]);
  const xpBase = get(ptr.get(k.input)!);
  const wpBase = get(ptr.get(k.weights)!);
  const acc = Array.from({ length: R }, () => Array.from({ length: NQ }, () => fn.local("v128", "c")));
  const wv = Array.from({ length: NQ }, () => fn.local("v128", "wq"));
  const av = fn.local("v128", "a");
  const ip = fn.local("i32", "ip");
  const wp = fn.local("i32", "wp");
  const ipk = fn.local("i32", "ipk");
  let labels = 0;
  const fma = (a: string, b: string, c: string) => (paired ? `(i32x4.add ${c} (i32x4.dot_i16x8_s ${a} ${b}))` : opts.relaxedSimd ? `(f32x4.relaxed_madd ${a} ${b} ${c})` : `(f32x4.add ${c} (f32x4.mul ${a} ${b}))`);

  em.loop(null, 0, G, 1, (g) => {
    em.loop(null, range?.lo ?? 0, range?.hi ?? rows, 1, (row) => {
      // the row's coordinates (n, p_0 .. p_{nsp-2}) and the address of its first window
      const coords: string[] = [];
      let rest = get(row);
      for (let s = rowDims.length - 1; s >= 1; s--) {
        coords[s] = em.tmp("i32", `(i32.rem_u ${rest} ${i32c(rowDims[s]!)})`, "p");
        rest = em.tmp("i32", `(i32.div_u ${rest} ${i32c(rowDims[s]!)})`, "q");
      }
      coords[0] = rest;
      let off = `(i32.add (i32.mul ${coords[0]} ${i32c(strideN)}) (i32.mul ${get(g)} ${i32c(I)}))`;
      for (let s = 0; s < nsp - 1; s++) off = `(i32.add ${off} (i32.mul ${coords[s + 1]} ${i32c(k.strides[s]! * inStride[s]!)}))`;
      // Per outer spatial dim, the taps whose input row is not padding: [tLo, tHi) (padding rows are skipped, not multiplied).
      const tapRange = outerTaps.map((K, s) => {
        const [lo, hi] = k.real[s]!;
        const [str, d] = [k.strides[s]!, k.dilation[s]!];
        const u0 = `(i32.mul ${coords[s + 1]} ${i32c(str)})`;
        const needLo = lo > 0;
        const needHi = (k.outSp[s]! - 1) * str + (K - 1) * d >= hi;
        if (!needLo && !needHi) return null;
        // first tap t with u0 + t*d >= lo, and one past the last with u0 + t*d < hi
        const a = em.tmp("i32", `(i32.sub ${i32c(lo)} ${u0})`, "a");
        const tLo = needLo ? em.tmp("i32", `(select (i32.div_s (i32.add ${a} ${i32c(d - 1)}) ${i32c(d)}) (i32.const 0) (i32.gt_s ${a} (i32.const 0)))`, "tlo") : i32c(0);
        const b = em.tmp("i32", `(i32.sub ${i32c(hi - 1)} ${u0})`, "b");
        const hiT = em.tmp("i32", `(i32.add (i32.div_s ${b} ${i32c(d)}) (i32.const 1))`, "thi");
        const tHi = needHi ? em.tmp("i32", `(select (select ${hiT} ${i32c(K)} (i32.lt_s ${hiT} ${i32c(K)})) (i32.const 0) (i32.ge_s ${b} (i32.const 0)))`, "thi") : i32c(K);
        return [tLo, tHi] as const;
      });
      const rowBase = em.tmp("i32", `(i32.add ${xpBase} (i32.shl ${off} (i32.const 2)))`, "rb");
      const mRow = em.tmp("i32", `(i32.mul ${get(row)} ${i32c(Wo)})`, "mr");
      em.loop(null, 0, nBlocks, 1, (ob) => {
        const wBlock = em.tmp("i32", `(i32.add ${wpBase} (i32.shl (i32.add (i32.mul ${get(g)} ${i32c((T / KL) * KLW * I * OP)}) (i32.mul ${get(ob)} ${i32c(DIRECT_BLOCK_O)})) (i32.const 2)))`, "wb");
        /** One tile of `rt` output positions starting at last-dim position `w0`. */
        const tile = (rt: number, w0: string) => {
          for (let r = 0; r < rt; r++) for (const c of acc[r]!) em.emit(`(local.set ${c} (v128.const i32x4 0 0 0 0))`);
          const ip0 = em.tmp("i32", `(i32.add ${rowBase} (i32.mul ${w0} ${i32c(sL * C * 4)}))`, "ip0");
          /** The unrolled row of taps along the last dim (all input features), from ip and wp. */
          const kStep = () => {
            for (let q = 0; q < NQ; q++) em.emit(`(local.set ${wv[q]} (v128.load offset=${4 * q * 4} ${get(wp)}))`);
            for (let r = 0; r < rt; r++) {
              em.emit(`(local.set ${av} (v128.load32_splat offset=${r * sL * C * 4} ${get(ip)}))`);
              for (let q = 0; q < NQ; q++) em.emit(`(local.set ${acc[r]![q]} ${fma(get(av), get(wv[q]!), get(acc[r]![q]!))})`);
            }
            em.emit(`(local.set ${wp} (i32.add ${get(wp)} ${i32c(OP * 4)}))`);
          };
          /** k loop of `n` (a wasm i32 expression, > 0) steps from ip, `step` bytes apart in xp (rank-1 updates of the tile, as the matmul kernel's k loop). */
          const featureLoop = (n: string, step = 4) => {
            const end = em.tmp("i32", `(i32.add ${get(ip)} (i32.mul ${n} ${i32c(step)}))`, "ipend");
            const label = `$D${labels++}`;
            em.emit(`(loop ${label}`);
            kStep();
            em.emit(`  (br_if ${label} (i32.lt_u (local.tee ${ip} (i32.add ${get(ip)} ${i32c(step)})) ${end})))`);
          };
          // The taps along the last dim that reach input (not padding) for some position of the
          // tile: [klLo, klHi); the others would multiply zeros of xp.
          const [lo, hi] = k.real[nsp - 1]!;
          const needLo = lo > 0;
          const needHi = (Wo - 1) * sL + (KL - 1) * dL >= hi;
          const klLo = needLo
            ? em.tmp("i32", `(select (i32.div_s (i32.add (local.tee ${ipk} (i32.sub ${i32c(lo + (rt - 1) * -sL)} (i32.mul ${w0} ${i32c(sL)}))) ${i32c(dL - 1)}) ${i32c(dL)}) (i32.const 0) (i32.gt_s ${get(ipk)} (i32.const 0)))`, "kllo")
            : i32c(0);
          const klHi = needHi
            ? em.tmp("i32", `(select (select (local.tee ${ipk} (i32.add (i32.div_s (i32.sub ${i32c(hi - 1)} (i32.mul ${w0} ${i32c(sL)})) ${i32c(dL)}) (i32.const 1))) ${i32c(KL)} (i32.lt_s ${get(ipk)} ${i32c(KL)})) (i32.const 0) (i32.ge_s (i32.sub ${i32c(hi - 1)} (i32.mul ${w0} ${i32c(sL)})) (i32.const 0)))`, "klhi")
            : i32c(KL);
          /** The row of taps along the last dim, every input feature, from ip and wp. */
          const tapRow = () => {
            // taps paired: the pairs of taps that hold a tap of [klLo, klHi)
            const wLo = k.paired === "taps" && needLo ? em.tmp("i32", `(i32.shr_s ${klLo} (i32.const 1))`, "wlo") : klLo;
            const wHi = k.paired === "taps" ? (needHi ? em.tmp("i32", `(i32.shr_s (i32.add ${klHi} (i32.const 1)) (i32.const 1))`, "whi") : i32c(KLW)) : klHi;
            if (needLo) {
              em.emit(`(local.set ${ip} (i32.add ${get(ip)} (i32.mul ${wLo} ${i32c(dLW * C * 4)})))`);
              em.emit(`(local.set ${wp} (i32.add ${get(wp)} (i32.mul ${wLo} ${i32c(I * OP * 4)})))`);
            }
            const taps = needLo ? `(i32.sub ${wHi} ${wLo})` : wHi;
            // the row's (tap, feature) pairs contiguous in xp as they are in wp: one k loop
            if (dLW * C === I) return featureLoop(`(i32.mul ${taps} ${i32c(I)})`);
            // one feature per group (LeNet's first convolution, paired; a depthwise one): one k loop over the taps
            if (I === 1) return featureLoop(taps, dLW * C * 4);
            // else a loop over the taps around one over the features (loops, not unrolled: V8 ran
            // an unrolled row of 30 steps for I = 6 at half the speed of the loop)
            const ipkEnd = em.tmp("i32", `(i32.add ${get(ip)} (i32.mul ${taps} ${i32c(dLW * C * 4)}))`, "ipkend");
            em.emit(`(local.set ${ipk} ${get(ip)})`);
            const label = `$D${labels++}`;
            em.emit(`(loop ${label}`);
            em.emit(`(local.set ${ip} ${get(ipk)})`);
            featureLoop(i32c(I));
            em.emit(`  (br_if ${label} (i32.lt_u (local.tee ${ipk} (i32.add ${get(ipk)} ${i32c(dLW * C * 4)})) ${ipkEnd})))`);
          };
          const guarded = (body: () => void) => (needLo || needHi ? em.ifElse(`(i32.lt_s ${klLo} ${klHi})`, body) : body());
          // loops over the taps of the other spatial dims
          const outer = (s: number, ipExpr: string, tapFlat: string) => {
            if (s === outerTaps.length) {
              em.emit(`(local.set ${ip} ${ipExpr})`);
              em.emit(`(local.set ${wp} (i32.add ${wBlock} (i32.mul ${tapFlat} ${i32c(KLW * I * OP * 4)})))`);
              guarded(tapRow);
              return;
            }
            const r = tapRange[s];
            em.loop(
              null,
              r ? r[0] : 0,
              r ? r[1] : outerTaps[s]!,
              1,
              (t) => outer(s + 1, `(i32.add ${ipExpr} (i32.mul ${get(t)} ${i32c(k.dilation[s]! * inStride[s]! * 4)}))`, `(i32.add (i32.mul ${tapFlat} ${i32c(outerTaps[s]!)}) ${get(t)})`),
              { hint: "t", ...(r ? { guard: `(i32.lt_s ${r[0]} ${r[1]})` } : {}) },
            );
          };
          outer(0, ip0, i32c(0));
          // the epilogue, per accumulator vector (lane by lane past the last output feature)
          const store = (vector: boolean) => em.store(k.out.buf, k.out.index, outDtype, em.value(k.epilogue, vector), vector);
          const epilogue = (full: boolean) => {
            const rem = full ? DIRECT_BLOCK_O : OG - (nBlocks - 1) * DIRECT_BLOCK_O;
            for (let r = 0; r < rt; r++) {
              const m = { v: k.mVar, value: `(i32.add ${mRow} (i32.add ${w0} ${i32c(r)}))` };
              const gb = { v: k.gVar, value: get(g) };
              for (let q = 0; q < NQ; q++) {
                const j0 = `(i32.add (i32.mul ${get(ob)} ${i32c(DIRECT_BLOCK_O)}) ${i32c(4 * q)})`;
                if (vecEpilogue && 4 * q + 4 <= rem) em.scope([gb, m, { v: k.nVar, value: j0 }], () => store(true), { vector: k.nVar, acc: { value: get(acc[r]![q]!), vector: true } });
                else
                  for (let l = 0; l < 4 && 4 * q + l < rem; l++)
                    em.scope([gb, m, { v: k.nVar, value: `(i32.add ${j0} ${i32c(l)})` }], () => store(false), {
                      acc: { value: paired ? em.tmp("i32", `(i32x4.extract_lane ${l} ${get(acc[r]![q]!)})`) : em.tmp("f32", `(f32x4.extract_lane ${l} ${get(acc[r]![q]!)})`), vector: false },
                    });
              }
            }
          };
          if (OG % DIRECT_BLOCK_O === 0) epilogue(true);
          else if (nBlocks === 1) epilogue(false);
          else em.ifElse(`(i32.lt_u ${get(ob)} ${i32c(nBlocks - 1)})`, () => epilogue(true), () => epilogue(false));
        };
        const nFull = Math.floor(Wo / R);
        if (nFull > 0) em.loop(null, 0, nFull, 1, (wt) => tile(R, `(i32.mul ${get(wt)} ${i32c(R)})`), { hint: "w" });
        if (Wo % R > 0) tile(Wo % R, i32c(nFull * R));
      }, { hint: "ob" });
    }, { hint: "row" });
  }, { hint: "g" });
  return fn;
}
