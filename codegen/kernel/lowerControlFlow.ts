/**
 * Structured control flow: cond, while and scan as branch and loop steps around their lowered
 * sub-jaxprs (lowerRegion, passed in), on the buffers of the enclosing program: carries
 * double-buffered, scan's xs and ys as views moving with the iteration, loop-invariant kernels
 * hoisted out of loops.
 */
import type { ShapedArray } from "../../ir/aval.js";
import { itemSize } from "../../ir/dtype.js";
import { type Eqn, type Jaxpr, Literal } from "../../ir/jaxpr.js";
import type { Params, Primitive } from "../../ir/primitives.js";
import { type Step, bufferRoots, leafSteps, stepReads, stepWrites } from "./kernel.js";
import { type LowerContext, copySteps } from "./lowerContext.js";
import { optimizeJaxpr } from "./passes.js";

/** Lowers a region (lower.ts's lowerRegion): a jaxpr whose inputs live in `inBufs`, its outputs left in `outBufs`. */
export type RegionLowering = (ctx: LowerContext, jaxpr: Jaxpr, inBufs: readonly number[], outBufs: readonly (number | null)[]) => Step[];

export const controlFlowPrims = new Set<Primitive>(["cond", "while", "scan"]);

/**
 * The carries of loop `id` as its body sees them. A carry the body changes is double-buffered:
 * its own buffer and a second one (both alive for the whole loop) alternate between being read
 * (`cur`) and written (`next`) from trip to trip, so no trip copies a carry; after an odd
 * number of trips the result sits in the second buffer and `oddExit` copies it back. A carry
 * the body returns unchanged is read in place and never written.
 */
function loopCarries(ctx: LowerContext, id: number, body: Jaxpr, carryIn: number, carries: readonly number[]) {
  const unchanged = carries.map((_, k) => body.outs[k] === body.invars[carryIn + k]);
  const cur: number[] = [];
  const next: (number | null)[] = [];
  const oddExit: Step[] = [];
  carries.forEach((c, k) => {
    if (unchanged[k]) {
      cur.push(c);
      next.push(null);
      return;
    }
    const { dtype, shape } = ctx.buffers[c]!;
    const second = ctx.addBuffer("temp", -1, dtype, shape);
    cur.push(ctx.addBuffer("view", -1, dtype, shape, undefined, { loop: id, even: c, odd: second }));
    next.push(ctx.addBuffer("view", -1, dtype, shape, undefined, { loop: id, even: second, odd: c }));
    oddExit.push(...copySteps(ctx, second, body.outs[k]!.aval, c, `carry${k}`));
  });
  return { cur, next, oddExit };
}

/**
 * Loop-invariant code motion: a kernel of the loop's body that reads only buffers the loop
 * never writes (constants, values computed before the loop, what earlier hoisted kernels
 * computed) computes the same on every trip, so it runs once, before the loop, and its
 * outputs live across the loop (packing a weight matrix for a matmul, a function of the
 * constants). Host steps stay (they are rare and may be costly to run when a while loop makes
 * no trip).
 */
function hoistInvariants(ctx: LowerContext, id: number, body: readonly Step[], cond: readonly Step[] = []): { hoisted: Step[]; body: Step[] } {
  const writes = new Map<number, number>();
  for (const s of leafSteps([...cond, ...body]))
    for (const b of stepWrites(s)) for (const r of bufferRoots(ctx.buffers, b)) writes.set(r, (writes.get(r) ?? 0) + 1);
  const varies = (b: number): boolean => {
    const d = ctx.buffers[b]!;
    if (d.view?.loop === id || d.swap?.loop === id) return true;
    return bufferRoots(ctx.buffers, b).some((r) => (writes.get(r) ?? 0) > 0);
  };
  const hoisted: Step[] = [];
  const kept: Step[] = [];
  for (const s of body) {
    if (s.kind !== "map" && s.kind !== "matmul") {
      kept.push(s);
      continue;
    }
    const own = stepWrites(s);
    const movable =
      own.every((b) => ctx.buffers[b]!.loop === id && writes.get(b) === 1) &&
      stepReads(s).every((b) => own.includes(b) || !varies(b));
    if (!movable) {
      kept.push(s);
      continue;
    }
    hoisted.push(s);
    for (const b of own) {
      writes.delete(b);
      const { loop: _, ...rest } = ctx.buffers[b]!;
      ctx.buffers[b] = ctx.loop === undefined ? rest : { ...rest, loop: ctx.loop };
    }
  }
  return { hoisted, body: kept };
}

/** Runs `f` with buffers created meanwhile scoped to one iteration of loop `id`. */
function inLoop<T>(ctx: LowerContext, id: number, f: () => T): T {
  const saved = ctx.loop;
  ctx.loop = id;
  try {
    return f();
  } finally {
    ctx.loop = saved;
  }
}

/**
 * cond, while and scan as structured steps around their lowered sub-jaxprs. A loop's carries
 * start as a copy of their initial values in the equation's output buffers and are
 * double-buffered from there (loopCarries); scan's xs and ys are views of the stacked arrays at
 * the iteration index. A cond's branches write its output buffers directly.
 */
export function lowerControlFlow(ctx: LowerContext, e: Eqn, name: string, ins: readonly number[], outs: readonly number[], lowerRegion: RegionLowering): Step[] {
  const steps: Step[] = [];
  const initCarries = (init: readonly number[], carries: readonly number[]) =>
    carries.forEach((c, k) => steps.push(...copySteps(ctx, init[k]!, e.outVars[k]!.aval, c, `${name}_init${k}`)));
  switch (e.primitive) {
    case "cond": {
      const { branches } = e.params as Params<"cond">;
      const index = e.inputs[0]!;
      const ops = ins.slice(1);
      const region = (b: Jaxpr) => lowerRegion(ctx, optimizeJaxpr(b), ops, outs);
      if (index instanceof Literal) {
        const k = Math.min(Math.max(Math.trunc(index.value), 0), branches.length - 1);
        return [...steps, ...region(branches[k]!)];
      }
      if (branches.length === 1) return region(branches[0]!);
      steps.push({ kind: "branch", name, index: ins[0]!, regions: branches.map(region) });
      return steps;
    }
    case "while": {
      const p = e.params as Params<"while">;
      const condConsts = ins.slice(0, p.condNconsts);
      const bodyConsts = ins.slice(p.condNconsts, p.condNconsts + p.bodyNconsts);
      initCarries(ins.slice(p.condNconsts + p.bodyNconsts), outs);
      const id = ctx.loopCount++;
      const bodyJaxpr = optimizeJaxpr(p.bodyJaxpr);
      const { cur, next, oddExit } = loopCarries(ctx, id, bodyJaxpr, bodyConsts.length, outs);
      const [cond, body] = inLoop(ctx, id, () => {
        const pred = ctx.addBuffer("temp", -1, "bool", []);
        const condSteps = lowerRegion(ctx, optimizeJaxpr(p.condJaxpr), [...condConsts, ...cur], [pred]);
        return [{ steps: condSteps, pred }, lowerRegion(ctx, bodyJaxpr, [...bodyConsts, ...cur], next)] as const;
      });
      const { hoisted, body: loopBody } = hoistInvariants(ctx, id, body, cond.steps);
      steps.push(...hoisted, { kind: "loop", name, id, length: null, reverse: false, unroll: 1, cond, body: loopBody, oddExit });
      return steps;
    }
    case "scan": {
      const p = e.params as Params<"scan">;
      const consts = ins.slice(0, p.numConsts);
      const carries = outs.slice(0, p.numCarry);
      const xs = ins.slice(p.numConsts + p.numCarry);
      const ys = outs.slice(p.numCarry);
      initCarries(ins.slice(p.numConsts, p.numConsts + p.numCarry), carries);
      if (p.length === 0) return steps;
      const id = ctx.loopCount++;
      const view = (base: number, aval: ShapedArray) =>
        ctx.addBuffer("view", -1, aval.dtype, aval.shape.slice(1), { base, loop: id, strideBytes: (aval.size / p.length) * itemSize[aval.dtype] });
      const xViews = xs.map((b, k) => view(b, e.inputs[p.numConsts + p.numCarry + k]!.aval));
      const yViews = ys.map((b, k) => view(b, e.outVars[p.numCarry + k]!.aval));
      const bodyJaxpr = optimizeJaxpr(p.jaxpr);
      const { cur, next, oddExit } = loopCarries(ctx, id, bodyJaxpr, consts.length, carries);
      const { hoisted, body } = hoistInvariants(ctx, id, inLoop(ctx, id, () => lowerRegion(ctx, bodyJaxpr, [...consts, ...cur, ...xViews], [...next, ...yViews])));
      const unroll = Math.max(1, Math.min(p.unroll, p.length));
      steps.push(...hoisted, { kind: "loop", name, id, length: p.length, reverse: p.reverse, unroll, cond: null, body, oddExit });
      return steps;
    }
    default:
      throw new Error(`internal: ${e.primitive} is not structured control flow`);
  }
}
