/**
 * The direct convolution kernel (codegen/kernel/directConv.ts) as a wasm function: for each
 * group, output row (batch entry and every spatial position but the last) and block of 8
 * output features, tiles of R output positions along the last spatial dim, each an R x 2 block
 * of f32x4 accumulators over every (tap, input feature): two weight vectors loaded per step and
 * one splatted input element per position, all at constant offsets from a row pointer (a row of
 * taps is unrolled). The epilogue is applied per accumulator vector, as the matmul kernel does.
 * Paired (int8/uint8) kernels run the same loops on words of two int16 halves (two taps along
 * the last dim), with i32x4.dot_i16x8_s into exact int32 accumulators.
 * With a fused pooling (codegen/kernel/poolEpilogue.ts) the rows are pooled rows and a tile's
 * positions are whole pooling windows (a 2x2 window: two convolution rows, two positions), which
 * the epilogue combines before the pooled value is stored.
 */
import { shapeSize } from "../../ir/aval.js";
import { DIRECT_BLOCK_O, DIRECT_TILE_R, type DirectConvKernel } from "../kernel/directConv.js";
import { type IVar, readBuffers, varsOf } from "../kernel/iexpr.js";
import type { BufferDecl } from "../kernel/kernel.js";
import { type SExpr, children, topoNodes } from "../kernel/sexpr.js";
import { stepReads, stepWrites } from "../kernel/kernel.js";
import { type EmitOptions, type ImportSink, KernelEmitter } from "./emitter.js";
import { kernelFn, vectorizable } from "./mapKernel.js";
import { CHUNK_WORK, MAX_CHUNKS, PAR_MIN_WORK, type SplitPlan } from "./split.js";
import { combineScalar, combineVector, reduceIdentity } from "./instructions.js";
import { type Fn, get, i32c, scalarConst, scalarType, vectorConst } from "./wat.js";

/** One output position of a register tile (see `tile` below). */
interface TileEntry {
  readonly last: number;
  readonly outer: readonly number[];
  readonly p: number;
  readonly wl: number;
}

/** Row-major coordinates of flat position i in `shape`. */
function unflat(i: number, shape: readonly number[]): number[] {
  const out = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    out[d] = i % shape[d]!;
    i = Math.floor(i / shape[d]!);
  }
  return out;
}

/**
 * The nodes of `roots` that read no accumulator and no index variable but those of `allowed`
 * (and not `out`), maximal ones only: per-feature values such as a bias or a dequantizing scale,
 * which every tile of a block of output features shares.
 */
function invariantRoots(roots: readonly SExpr[], allowed: ReadonlySet<number>, out: number): SExpr[] {
  const invariant = new Map<number, boolean>();
  const nodes = topoNodes(roots);
  for (const e of nodes) {
    const index = e.k === "load" || e.k === "iota" || e.k === "icond" ? e.index : null;
    const ok =
      e.k !== "acc" &&
      e.k !== "reduce" &&
      !(e.k === "load" && e.buf === out) &&
      children(e).every((c) => invariant.get(c.id)) &&
      (index === null || ([...varsOf(index).keys()].every((id) => allowed.has(id)) && !readBuffers(index).has(out)));
    invariant.set(e.id, ok);
  }
  const parentVaries = new Set<number>(roots.map((r) => r.id));
  for (const e of nodes) if (!invariant.get(e.id)) for (const c of children(e)) parentVaries.add(c.id);
  return nodes.filter((e) => invariant.get(e.id) && e.k !== "const" && parentVaries.has(e.id));
}

/** Output rows (batch entry and all spatial positions but the last; pooled ones with a pool) the kernel loops over. */
const rowsOf = (k: DirectConvKernel): number => k.batch * shapeSize((k.pool?.outSp ?? k.outSp).slice(0, -1));

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
  const rowDims = [k.batch, ...(k.pool?.outSp ?? k.outSp).slice(0, -1)];
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
  const pool = k.pool;
  const vecEpilogue = vectorizable(pool ? [k.epilogue, pool.body] : [k.epilogue], [outDtype]);
  // with a pool: per spatial dim its window and stride (1 and 1 without), and the positions
  // along the last dim the rows are tiled over (pooled ones)
  const PK = pool ? pool.window : k.outSp.map(() => 1);
  const PS = pool ? pool.strides : k.outSp.map(() => 1);
  const tiledOut = pool ? pool.outSp[nsp - 1]! : Wo;
  // convolution rows between neighbouring positions of outer spatial dim s
  const convRowStride = k.outSp.slice(0, -1).map((_, s) => shapeSize(k.outSp.slice(s + 1, -1)));
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

  /**
   * The epilogue's per-feature values (bias, scale, the finite test of the int32 extremes; for
   * the vector past the last feature, gathered lane by lane from clamped indices), computed once
   * per block rather than once per tile: per vector q of block `ob` (a wasm i32 expression), what
   * its epilogue scope reuses, and whether all its scales are finite (none for lane-by-lane
   * epilogues).
   */
  const perFeatureOf = (ob: string, full: boolean, g: string) => {
    const rem = full ? DIRECT_BLOCK_O : OG - (nBlocks - 1) * DIRECT_BLOCK_O;
    return Array.from({ length: Math.ceil(rem / 4) }, (_, q) => {
      const live = Math.min(4, rem - 4 * q);
      if (!vecEpilogue || (!pool && live < 4)) return null;
      const edge = pool !== undefined && live < 4;
      const lane = edge ? pool.edge.lane : k.nVar;
      const roots = !pool ? [k.epilogue] : edge ? [pool.edge.body, pool.edge.result] : [pool.body, k.epilogue];
      const ex = pool?.extremes && paired ? pool.extremes : null;
      const [finite, exact, increasing] = !ex ? [] : edge ? [ex.edgeFinite, ex.edgeExact, ex.edgeIncreasing] : [ex.finite, ex.exact, ex.increasing];
      if (finite && exact && increasing) roots.push(finite, exact, increasing);
      const nodes = invariantRoots(roots, new Set([k.gVar.id, lane.id]), k.out.buf);
      const j0 = `(i32.add (i32.mul ${ob} ${i32c(DIRECT_BLOCK_O)}) ${i32c(4 * q)})`;
      // the tests of the int32 extremes (DirectConvPool.extremes), all lanes at once, and the lanes where body increases
      let tests: { finite: string; exact: string; increasing: string } | null = null;
      const memo = em.captureScope([{ v: k.gVar, value: g }, { v: lane, value: j0 }], () => {
        nodes.forEach((e) => em.value(e, true));
        if (finite && exact && increasing)
          tests = {
            finite: em.tmp("i32", `(i32x4.all_true ${em.value(finite, true)})`, "finite"),
            exact: em.tmp("i32", `(i32x4.all_true ${em.value(exact, true)})`, "exact"),
            // (a vector bool is 0/1 per lane: negated, the all-ones mask bitselect takes)
            increasing: em.tmp("v128", `(i32x4.neg ${em.value(increasing, true)})`, "up"),
          };
      }, { vector: lane });
      return { memo, tests: tests as { finite: string; exact: string; increasing: string } | null };
    });
  };

  em.loop(null, 0, G, 1, (g) => {
    // blocks at a constant index (the last, partial one; the only full one) take their per-feature values here, once per group
    const fullBlocks = OG % DIRECT_BLOCK_O === 0 ? nBlocks : nBlocks - 1;
    const perBlock = new Map<string, ReturnType<typeof perFeatureOf>>();
    if (fullBlocks < nBlocks) perBlock.set(i32c(nBlocks - 1), perFeatureOf(i32c(nBlocks - 1), false, get(g)));
    if (fullBlocks === 1) perBlock.set(i32c(0), perFeatureOf(i32c(0), true, get(g)));
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
      for (let s = 0; s < nsp - 1; s++) off = `(i32.add ${off} (i32.mul ${coords[s + 1]} ${i32c(PS[s]! * k.strides[s]! * inStride[s]!)}))`;
      // Per outer spatial dim, the taps whose input row is not padding: [tLo, tHi) (padding rows are skipped, not multiplied).
      const tapRange = outerTaps.map((K, s) => {
        const [lo, hi] = k.real[s]!;
        const [str, d] = [k.strides[s]!, k.dilation[s]!];
        // the row's convolution rows (a pooling window's) start at u0 and end at u1
        const u0 = `(i32.mul ${coords[s + 1]} ${i32c(PS[s]! * str)})`;
        const u1 = PK[s]! > 1 ? `(i32.add ${u0} ${i32c((PK[s]! - 1) * str)})` : u0;
        const needLo = lo > 0;
        const needHi = (k.outSp[s]! - 1) * str + (K - 1) * d >= hi;
        if (!needLo && !needHi) return null;
        // first tap t with u1 + t*d >= lo, and one past the last with u0 + t*d < hi (taps over
        // padding for some of the rows read zeros of xp)
        const a = em.tmp("i32", `(i32.sub ${i32c(lo)} ${u1})`, "a");
        const tLo = needLo ? em.tmp("i32", `(select (i32.div_s (i32.add ${a} ${i32c(d - 1)}) ${i32c(d)}) (i32.const 0) (i32.gt_s ${a} (i32.const 0)))`, "tlo") : i32c(0);
        const b = em.tmp("i32", `(i32.sub ${i32c(hi - 1)} ${u0})`, "b");
        const hiT = em.tmp("i32", `(i32.add (i32.div_s ${b} ${i32c(d)}) (i32.const 1))`, "thi");
        const tHi = needHi ? em.tmp("i32", `(select (select ${hiT} ${i32c(K)} (i32.lt_s ${hiT} ${i32c(K)})) (i32.const 0) (i32.ge_s ${b} (i32.const 0)))`, "thi") : i32c(K);
        return [tLo, tHi] as const;
      });
      const rowBase = em.tmp("i32", `(i32.add ${xpBase} (i32.shl ${off} (i32.const 2)))`, "rb");
      // m of the row's first output position (a pooled row's: of its window's first convolution row)
      let convRow = pool ? coords[0]! : get(row);
      if (pool) for (let s = 0; s < nsp - 1; s++) convRow = `(i32.add (i32.mul ${convRow} ${i32c(k.outSp[s]!)}) (i32.mul ${coords[s + 1]} ${i32c(PS[s]!)}))`;
      const mRow = em.tmp("i32", `(i32.mul ${convRow} ${i32c(Wo)})`, "mr");
      /**
       * One block of 8 output features (its index `ob`, a wasm i32 expression): `full` when all 8
       * are live, else the last block, whose vectors without a live lane are not computed and,
       * with `sharedTail`, whose second vector is shared by neighbouring positions.
       */
      const block = (ob: string, full: boolean) => {
        const rem = full ? DIRECT_BLOCK_O : OG - (nBlocks - 1) * DIRECT_BLOCK_O;
        const shared = !full && k.sharedTail === true;
        // accumulator vectors with a live lane
        const liveQ = Math.ceil(rem / 4);
        const perFeature = perBlock.get(ob) ?? perFeatureOf(ob, full, get(g));
        const wBlock = em.tmp("i32", `(i32.add ${wpBase} (i32.shl (i32.add (i32.mul ${get(g)} ${i32c((T / KL) * KLW * I * OP)}) (i32.mul ${ob} ${i32c(DIRECT_BLOCK_O)})) (i32.const 2)))`, "wb");
        /**
         * One tile: output positions `entries` (at most R) starting at last-dim position `w0`,
         * each at `last` positions along the last dim and `outer` rows along the others from
         * there; `span` the largest `last`. With a pool, `p0` the tile's first pooled position
         * and an entry's `p` its pooled position within the tile, `w` its window position.
         */
        const tile = (entries: readonly TileEntry[], w0: string, p0?: string) => {
          const rt = entries.length;
          const span = Math.max(...entries.map((e) => e.last));
          const splatOffset = (e: TileEntry) => 4 * (e.last * sL * C + e.outer.reduce((o, w, s) => o + w * k.strides[s]! * inStride[s]!, 0));
          // sharedTail: entries whose words are adjacent in xp share the second vector, acc[A][1]
          // accumulating lanes (A's, B's, A's, B's); an entry without a neighbour takes a splat
          const pairs: (readonly [number, number])[] = [];
          const alone: number[] = [];
          if (shared) {
            const taken = new Set<number>();
            for (let r = 0; r < rt; r++) {
              if (taken.has(r)) continue;
              taken.add(r);
              const b = entries.findIndex((e, r2) => !taken.has(r2) && splatOffset(e) === splatOffset(entries[r]!) + 4);
              if (b < 0) alone.push(r);
              else {
                taken.add(b);
                pairs.push([r, b]);
              }
            }
          }
          for (let r = 0; r < rt; r++)
            for (let q = 0; q < liveQ; q++) if (!shared || q === 0 || alone.includes(r) || pairs.some(([a]) => a === r)) em.emit(`(local.set ${acc[r]![q]} (v128.const i32x4 0 0 0 0))`);
          const ip0 = em.tmp("i32", `(i32.add ${rowBase} (i32.mul ${w0} ${i32c(sL * C * 4)}))`, "ip0");
          /** The unrolled row of taps along the last dim (all input features), from ip and wp. */
          const kStep = () => {
            for (let q = 0; q < liveQ; q++) em.emit(`(local.set ${wv[q]} (v128.load offset=${4 * q * 4} ${get(wp)}))`);
            for (let r = 0; r < rt; r++) {
              em.emit(`(local.set ${av} (v128.load32_splat offset=${splatOffset(entries[r]!)} ${get(ip)}))`);
              for (let q = 0; q < liveQ; q++) if (!shared || q === 0 || alone.includes(r)) em.emit(`(local.set ${acc[r]![q]} ${fma(get(av), get(wv[q]!), get(acc[r]![q]!))})`);
            }
            for (const [a] of pairs) {
              em.emit(`(local.set ${av} (v128.load64_splat offset=${splatOffset(entries[a]!)} ${get(ip)}))`);
              em.emit(`(local.set ${acc[a]![1]} ${fma(get(av), get(wv[1]!), get(acc[a]![1]!))})`);
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
            ? em.tmp("i32", `(select (i32.div_s (i32.add (local.tee ${ipk} (i32.sub ${i32c(lo - span * sL)} (i32.mul ${w0} ${i32c(sL)}))) ${i32c(dL - 1)}) ${i32c(dL)}) (i32.const 0) (i32.gt_s ${get(ipk)} (i32.const 0)))`, "kllo")
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
          // sharedTail: each entry's second vector back in the usual layout (its two features in lanes 0 and 1)
          const lanes32 = (a: number, b: number) => [a, b, a, b].flatMap((l) => [4 * l, 4 * l + 1, 4 * l + 2, 4 * l + 3]).join(" ");
          for (const [a, b] of pairs) {
            em.emit(`(local.set ${acc[b]![1]} (i8x16.shuffle ${lanes32(1, 3)} ${get(acc[a]![1]!)} ${get(acc[a]![1]!)}))`);
            em.emit(`(local.set ${acc[a]![1]} (i8x16.shuffle ${lanes32(0, 2)} ${get(acc[a]![1]!)} ${get(acc[a]![1]!)}))`);
          }
          for (const r of alone) em.emit(`(local.set ${acc[r]![1]} (i8x16.shuffle ${lanes32(0, 2)} ${get(acc[r]![1]!)} ${get(acc[r]![1]!)}))`);
          // the epilogue, per accumulator vector (lane by lane past the last output feature)
          const store = (vector: boolean) => em.store(k.out.buf, k.out.index, outDtype, em.value(k.epilogue, vector), vector);
          const epilogue = () => {
            if (pool) return poolEpilogue(rem);
            for (let r = 0; r < rt; r++) {
              const m = { v: k.mVar, value: `(i32.add ${mRow} (i32.add ${w0} ${i32c(r)}))` };
              const gb = { v: k.gVar, value: get(g) };
              for (let q = 0; q < NQ; q++) {
                const j0 = `(i32.add (i32.mul ${ob} ${i32c(DIRECT_BLOCK_O)}) ${i32c(4 * q)})`;
                if (vecEpilogue && 4 * q + 4 <= rem)
                  em.scope([gb, m, { v: k.nVar, value: j0 }], () => {
                    em.reuse(perFeature[q]!.memo);
                    store(true);
                  }, { vector: k.nVar, acc: { value: get(acc[r]![q]!), vector: true } });
                else
                  for (let l = 0; l < 4 && 4 * q + l < rem; l++)
                    em.scope([gb, m, { v: k.nVar, value: `(i32.add ${j0} ${i32c(l)})` }], () => store(false), {
                      acc: { value: paired ? em.tmp("i32", `(i32x4.extract_lane ${l} ${get(acc[r]![q]!)})`) : em.tmp("f32", `(f32x4.extract_lane ${l} ${get(acc[r]![q]!)})`), vector: false },
                    });
              }
            }
          };
          /**
           * The pooled epilogue: per pooled position and accumulator vector (lane by lane past the
           * last output feature), the window's elements combined in its row-major order from the
           * reduction's identity, then the result stored.
           */
          const poolEpilogue = (rem: number) => {
            const pl = pool!;
            const gb = { v: k.gVar, value: get(g) };
            const at = (p: number) => [
              { v: pl.batchVar, value: coords[0]! },
              ...pl.spatialVars.map((v, s) => ({ v, value: s < nsp - 1 ? coords[s + 1]! : `(i32.add ${p0!} ${i32c(p)})` })),
            ];
            const pooledCount = Math.max(...entries.map((e) => e.p)) + 1;
            for (let p = 0; p < pooledCount; p++) {
              const mine = entries.map((e, r) => ({ e, r })).filter(({ e }) => e.p === p);
              for (let q = 0; q < NQ; q++) {
                const j0 = `(i32.add (i32.mul ${ob} ${i32c(DIRECT_BLOCK_O)}) ${i32c(4 * q)})`;
                // the window element's own variables (bound per element; what depends only on the
                // pooled position and feature, such as a bias load, is computed once outside)
                const element = (e: TileEntry) => [
                  { v: k.mVar, value: `(i32.add ${mRow} (i32.add ${w0} ${i32c(e.last + Wo * e.outer.reduce((o, w, s) => o + w * convRowStride[s]!, 0))}))` },
                  ...pl.windowVars.map((v, s) => ({ v, value: i32c(s < nsp - 1 ? e.outer[s]! : e.wl) })),
                ];
                const live = Math.max(0, Math.min(4, rem - 4 * q));
                if (live === 0) continue;
                /** The pooled value of one lane group (a vector, or lane l), combined from the window's elements, then `finish` with it as acc. */
                const pooledValue = (laneVar: IVar, body: SExpr, vector: boolean, l: number | null, finish: () => void) => {
                  const n = { v: laneVar, value: l === null ? j0 : `(i32.add ${j0} ${i32c(l)})` };
                  const pv = fn.local(vector ? "v128" : scalarType(pl.dtype), "pool");
                  const id = reduceIdentity(pl.op, pl.dtype);
                  // max and min start from the first element: combining it with the identity
                  // (-inf, +inf) gives it back, NaN included (a sum's +0 would turn -0 into +0)
                  let first = false;
                  const start = (v: boolean) => {
                    first = pl.op !== "sum";
                    if (!first) em.emit(`(local.set ${pv} ${v ? vectorConst(id, pl.dtype) : scalarConst(id, pl.dtype)})`);
                  };
                  const combine = (x: string, v: boolean) => {
                    em.emit(`(local.set ${pv} ${first ? x : v ? combineVector(pl.op, pl.dtype, get(pv), x) : combineScalar(pl.op, pl.dtype, get(pv), x)})`);
                    first = false;
                  };
                  const perElement = () => {
                    start(vector);
                    for (const { e, r } of mine) {
                      const a = get(acc[r]![q]!);
                      const accValue = l === null ? a : em.tmp(paired ? "i32" : "f32", `(${paired ? "i32x4" : "f32x4"}.extract_lane ${l} ${a})`);
                      em.scope(element(e), () => combine(em.value(body, vector), vector), { acc: { value: accValue, vector } });
                    }
                    em.scope([], finish, { acc: { value: get(pv), vector } });
                  };
                  em.scope([gb, ...at(p), n], () => {
                    if (vector) em.reuse(perFeature[q]!.memo);
                    const ex = pl.extremes;
                    if (!ex || !vector || !paired) return perElement();
                    const tests = perFeature[q]!.tests!;
                    /** The accumulators' max and min (int32, exact). */
                    const extremes = () => {
                      let hi = get(acc[mine[0]!.r]![q]!);
                      let lo = hi;
                      for (const { r } of mine.slice(1)) {
                        hi = em.tmp("v128", `(i32x4.max_s ${hi} ${get(acc[r]![q]!)})`);
                        lo = em.tmp("v128", `(i32x4.min_s ${lo} ${get(acc[r]![q]!)})`);
                      }
                      return [hi, lo] as const;
                    };
                    // s and b finite: body at the extreme the lane's direction picks; s finite: body at both (see DirectConvPool.extremes)
                    em.ifElse(tests.exact, () => {
                      const [hi, lo] = extremes();
                      const [up, down] = pl.op === "max" ? [hi, lo] : [lo, hi];
                      const at = em.tmp("v128", `(v128.bitselect ${up} ${down} ${tests.increasing})`);
                      em.scope([], () => em.emit(`(local.set ${pv} ${em.value(body, true)})`), { acc: { value: at, vector: true } });
                      em.scope([], finish, { acc: { value: get(pv), vector: true } });
                    }, () =>
                      em.ifElse(tests.finite, () => {
                        const [hi, lo] = extremes();
                        start(true);
                        for (const x of [hi, lo]) em.scope([], () => combine(em.value(body, true), true), { acc: { value: x, vector: true } });
                        em.scope([], finish, { acc: { value: get(pv), vector: true } });
                      }, perElement),
                    );
                  }, vector ? { vector: laneVar } : {});
                };
                if (vecEpilogue && live < 4) {
                  // past the last feature: vector arithmetic on the clamped copy, the live lanes stored
                  pooledValue(pl.edge.lane, pl.edge.body, true, null, () => {
                    const v = em.tmp("v128", em.value(pl.edge.result, true));
                    for (let l = 0; l < live; l++)
                      em.scope([{ v: k.nVar, value: `(i32.add ${j0} ${i32c(l)})` }], () =>
                        em.store(k.out.buf, k.out.index, outDtype, `(${outDtype === "float32" ? "f32x4" : "i32x4"}.extract_lane ${l} ${v})`, false),
                      );
                  });
                  continue;
                }
                const vector = vecEpilogue;
                for (const l of vector ? [null] : Array.from({ length: live }, (_, l) => l)) pooledValue(k.nVar, pl.body, vector, l, () => store(vector));
              }
            }
          };
          epilogue();
        };
        if (!pool) {
          const row = (rt: number) => Array.from({ length: rt }, (_, r) => ({ last: r, outer: outerTaps.map(() => 0), p: 0, wl: 0 }));
          const nFull = Math.floor(Wo / R);
          if (nFull > 0) em.loop(null, 0, nFull, 1, (wt) => tile(row(R), `(i32.mul ${get(wt)} ${i32c(R)})`), { hint: "w" });
          if (Wo % R > 0) tile(row(Wo % R), i32c(nFull * R));
        } else {
          // RP pooled positions per tile, each with its whole window (row-major, the last dim innermost)
          const windowSize = shapeSize(PK);
          const RP = Math.max(1, Math.floor(R / windowSize));
          const pooled = (rp: number): TileEntry[] =>
            Array.from({ length: rp * windowSize }, (_, i) => {
              const p = Math.floor(i / windowSize);
              const w = unflat(i % windowSize, PK);
              const wl = w[nsp - 1]!;
              return { last: p * PS[nsp - 1]! + wl, outer: w.slice(0, -1), p, wl };
            });
          const nFull = Math.floor(tiledOut / RP);
          const stepL = PS[nsp - 1]!;
          if (nFull > 0) em.loop(null, 0, nFull, 1, (wt) => tile(pooled(RP), `(i32.mul ${get(wt)} ${i32c(RP * stepL)})`, `(i32.mul ${get(wt)} ${i32c(RP)})`), { hint: "w" });
          if (tiledOut % RP > 0) tile(pooled(tiledOut % RP), i32c(nFull * RP * stepL), i32c(nFull * RP));
        }
      };
      // the full blocks in a loop (a constant index when there is one), then the last one when it is partial
      if (fullBlocks === 1) block(i32c(0), true);
      else if (fullBlocks > 1) em.loop(null, 0, fullBlocks, 1, (ob) => block(get(ob), true), { hint: "ob" });
      if (fullBlocks < nBlocks) block(i32c(nBlocks - 1), false);
    }, { hint: "row" });
  }, { hint: "g" });
  return fn;
}
