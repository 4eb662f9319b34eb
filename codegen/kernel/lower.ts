/**
 * Lowering a jaxpr to a Program of kernels, with fusion.
 *
 * 1. Optimize the jaxpr (inline calls, fold, CSE, DCE).
 * 2. Group equations, walking backwards: an elementwise equation joins the kernel of its
 *    consumers when they are all in one kernel; views and conversions (broadcastInDim,
 *    reshape, transpose, squeeze, rev, slice, pad, concatenate, convertElementType, iota) are
 *    index arithmetic and join every consumer kernel; a reduction or contraction starts a
 *    kernel that absorbs its producers, and becomes the core of its consumer's kernel (an
 *    epilogue) when that consumer is elementwise over the same index space. cond, while and
 *    scan stand alone, as do host steps (everything else). What a kernel computes is
 *    materialized in a buffer; the rest is never stored.
 * 3. Build each kernel's scalar expressions by walking from its root back to materialized
 *    values, translating views into index expressions. cond, while and scan become branch and
 *    loop steps whose regions are their sub-jaxprs lowered the same way (steps 1-4, on the
 *    buffers of the enclosing program: carries double-buffered, scan's xs and ys as views
 *    moving with the iteration), with loop-invariant kernels hoisted out of loops.
 * 4. Canonicalize loop nests (drop unit dims, merge dims every access walks contiguously) and
 *    plan the memory of temporaries (per iteration inside loops).
 *
 * Where each part lives: the grouping (step 2) in fusionGroups.ts; a kernel's expressions, one
 * case per primitive (step 3), in kernelExprs.ts, with the larger primitives in files of their
 * own (lowerIndexing.ts, lowerWindows.ts, lowerConvReduce.ts, contraction.ts, widen.ts);
 * matmul-style contractions in lowerMatmul.ts; cond, while and scan in lowerControlFlow.ts;
 * what the lowering shares (options, buffers, copies) in lowerContext.ts. This file walks a
 * region's groups and picks the lowering of each.
 */
import { type DType, storeScalar } from "../../ir/dtype.js";
import { type Atom, type Eqn, type Jaxpr, Literal, Var } from "../../ir/jaxpr.js";
import { flatten, ivar, newVar } from "./iexpr.js";
import { splitIndexSets } from "./indexSets.js";
import { type BufferKind, type HostInput, type Program, type Step, hostStepBuffers, leafSteps } from "./kernel.js";
import { narrowScatter, scatterKernel, scatterPrims } from "./lowerIndexing.js";
import { sortStep } from "./lowerSort.js";
import { factorStep } from "./factor.js";
import { narrowSortable } from "./narrow.js";
import { optimizeJaxpr } from "./passes.js";
import { cumulativeKernels, isCumulative, narrowCumulative } from "./lowerScan.js";
import { isSelectWindow, narrowSelectWindow, selectWindowKernels } from "./lowerWindows.js";
import { planMemory } from "./plan.js";
import { fuseIntoConsumers } from "./fuseConsumers.js";
import { canonicalize } from "./canonicalize.js";
import { LowerContext, type LowerOptions, atomBuffer, copySteps } from "./lowerContext.js";
import { controlFlowPrims, lowerControlFlow } from "./lowerControlFlow.js";
import { type Group, groupEquations, touchesNarrowDtype } from "./fusionGroups.js";
import { kernelExprs } from "./kernelExprs.js";
import { matmulSteps, pooledConvSteps } from "./lowerMatmul.js";
import { type PoolEpilogue, findPoolEpilogues } from "./poolEpilogue.js";

export type { LowerOptions } from "./lowerContext.js";
export { narrowDtypes } from "./fusionGroups.js";

export function lowerJaxpr(input: Jaxpr, opts: LowerOptions = {}): Program {
  const jaxpr = optimizeJaxpr(input);
  const ctx = new LowerContext(opts);
  const inputs = [...jaxpr.constvars, ...jaxpr.invars].map((v, k) => ctx.addBuffer("input", k, v.aval.dtype, v.aval.shape));
  const outputs = jaxpr.outs.map((a, k) => ctx.addBuffer("output", k, a.aval.dtype, a.aval.shape));
  const lowered = fuseIntoConsumers(ctx.f, ctx.buffers, lowerRegion(ctx, jaxpr, inputs, outputs), (k) => canonicalize(ctx.f, k));
  const steps = opts.splitIndexSets ? splitIndexSets(ctx.f, ctx.buffers, lowered) : lowered;
  const hostArity = Math.max(0, ...leafSteps(steps).map((s) => (s.kind === "host" ? hostStepBuffers(s).length : 0)));
  const hostArgs = hostArity > 0 ? ctx.addBuffer("scratch", -1, "int32", [hostArity]) : undefined;
  const program: Program = { jaxpr, buffers: ctx.buffers, inputs, outputs, steps, arenaBytes: 0, ...(hostArgs !== undefined ? { hostArgs } : {}) };
  planMemory(program);
  return program;
}

/**
 * Lowers an (optimized) jaxpr whose inputs (constvars, then invars) live in `inBufs` into
 * steps that leave its outputs in `outBufs` (null: not needed). An output computed by one of
 * the region's kernels is written there directly; any other (an input, a literal, a repeat) is
 * copied at the end.
 */
function lowerRegion(ctx: LowerContext, jaxpr: Jaxpr, inBufs: readonly number[], outBufs: readonly (number | null)[]): Step[] {
  const eqns = jaxpr.eqns;
  const { producer, groups, groupsOf, consumers, outputSet } = groupEquations(ctx, jaxpr);

  // ---- buffers ----
  const addBuffer = (kind: BufferKind, index: number, dtype: DType, shape: readonly number[]): number => ctx.addBuffer(kind, index, dtype, shape);
  const bufOf = new Map<Var, number>();
  [...jaxpr.constvars, ...jaxpr.invars].forEach((v, k) => bufOf.set(v, inBufs[k]!));
  const rootVars = new Set<Var>();
  for (const g of groups) for (const v of eqns[g.root]!.outVars) rootVars.add(v);
  jaxpr.outs.forEach((a, k) => {
    const id = outBufs[k];
    if (id !== null && id !== undefined && a instanceof Var && !bufOf.has(a) && rootVars.has(a)) bufOf.set(a, id);
  });
  const ordered = [...groups].sort((a, b) => a.root - b.root);
  for (const g of ordered)
    for (const v of eqns[g.root]!.outVars) if (!bufOf.has(v)) bufOf.set(v, addBuffer("temp", -1, v.aval.dtype, v.aval.shape));

  // ---- steps, one kernel (or more) per group ----
  const f = ctx.f;
  const steps: Step[] = [];

  // poolings that take their direct convolution into their epilogue (poolEpilogue.ts)
  const pools = ctx.opts.directConv
    ? findPoolEpilogues({ eqns, groups, groupsOf, consumers, outputs: outputSet, bufOf, f, rootValue: (g, idx) => kernelExprs(f, eqns, producer, bufOf, g).compute(eqns[g.root]!, idx) })
    : new Map<Group, PoolEpilogue<Group>>();
  const pooledConvs = new Set([...pools.values()].map((pe) => pe.conv));
  for (const g of ordered) {
    if (pooledConvs.has(g)) continue;
    const root = eqns[g.root]!;
    const name = ctx.nextName(g.kind === "host" ? root.primitive : g.core !== null ? eqns[g.core]!.primitive : root.primitive);
    if (g.kind === "host" && controlFlowPrims.has(root.primitive)) {
      const operands = root.inputs.map((a) => atomBuffer(ctx, steps, a, bufOf));
      steps.push(...lowerControlFlow(ctx, root, name, operands, root.outVars.map((v) => bufOf.get(v)!), lowerRegion));
      continue;
    }
    if (g.kind === "host") {
      hostKindSteps(ctx, root, name, bufOf, steps);
      continue;
    }
    const outVar = root.outVars[0]!;
    const outBuf = bufOf.get(outVar)!;
    const pe = pools.get(g);
    if (pe) {
      steps.push(...pooledConvSteps(ctx, eqns, pe, kernelExprs(f, eqns, producer, bufOf, pe.conv), eqns[g.core!]!, name, outBuf));
      continue;
    }
    const { compute, exprOf, computeAll } = kernelExprs(f, eqns, producer, bufOf, g);
    if (g.kind === "dot" && g.dotStyle === "matmul") {
      steps.push(...matmulSteps(ctx, eqns, g, name, outBuf, { compute, exprOf }));
      continue;
    }
    const vars = outVar.aval.shape.map((n) => newVar(n, "i"));
    const idx = vars.map(ivar);
    const values = computeAll(root, idx);
    if (outVar.aval.size === 0) continue;
    const index = flatten(idx, outVar.aval.shape);
    steps.push(canonicalize(f, { kind: "map", name, vars, outs: values.map((value, k) => ({ buf: bufOf.get(root.outVars[k]!)!, value, index })) }));
  }

  // ---- outputs not computed in place: literals, inputs, repeats ----
  jaxpr.outs.forEach((a, k) => {
    const outBuf = outBufs[k];
    if (outBuf === null || outBuf === undefined) return;
    if (a instanceof Var && bufOf.get(a) === outBuf) return;
    steps.push(...copySteps(ctx, a instanceof Literal ? a : bufOf.get(a)!, a.aval, outBuf, `output${k}`));
  });
  return steps;
}

/**
 * The steps of a host-kind equation (one that is neither elementwise, a view, a reduction nor a
 * contraction): the primitives with step kinds of their own (selectAndScatterAdd, cumulative
 * ops, scatters, sort, the factorizations) where the renderers have them, else a host step (the
 * reference kernel).
 */
function hostKindSteps(ctx: LowerContext, root: Eqn, name: string, bufOf: ReadonlyMap<Var, number>, steps: Step[]): void {
  const f = ctx.f;
  const addBuffer = (kind: BufferKind, index: number, dtype: DType, shape: readonly number[]): number => ctx.addBuffer(kind, index, dtype, shape);
  const native = !touchesNarrowDtype(root) && !ctx.opts.hostPrimitives?.has(root.primitive);
  if (isSelectWindow(root.primitive) && (native || (narrowSelectWindow(root) && !ctx.opts.hostPrimitives?.has(root.primitive)))) {
    const [first, operand] = root.inputs.map((a) => atomBuffer(ctx, steps, a, bufOf)) as [number, number];
    const kernels = selectWindowKernels(f, root, { first, operand, out: bufOf.get(root.outVars[0]!)! }, (d, s) => addBuffer("temp", -1, d, s), name);
    steps.push(...kernels.map((k) => canonicalize(f, k)));
    return;
  }
  if (isCumulative(root.primitive) && (native || (narrowCumulative(root) && !ctx.opts.hostPrimitives?.has(root.primitive)))) {
    const x = atomBuffer(ctx, steps, root.inputs[0]!, bufOf);
    const ks = cumulativeKernels(f, root, { x, out: bufOf.get(root.outVars[0]!)! }, (d, s) => addBuffer("temp", -1, d, s), name);
    steps.push(...ks.map((k) => canonicalize(f, k)));
    return;
  }
  if (scatterPrims.has(root.primitive) && (native || (narrowScatter(root) && !ctx.opts.hostPrimitives?.has(root.primitive)))) {
    // a copy of the operand, then the updates in order (lowerIndexing.ts)
    const [operand, indices, updates] = root.inputs as [Atom, Atom, Atom];
    const out = bufOf.get(root.outVars[0]!)!;
    steps.push(...copySteps(ctx, operand instanceof Literal ? operand : bufOf.get(operand)!, operand.aval, out, `${name}_operand`));
    const k = scatterKernel(f, root, name, out, atomBuffer(ctx, steps, indices, bufOf), atomBuffer(ctx, steps, updates, bufOf));
    if (k) steps.push(canonicalize(f, k));
    return;
  }
  if (root.primitive === "sort" && (native || (narrowSortable(root) && !ctx.opts.hostPrimitives?.has("sort")))) {
    const ins = root.inputs.map((a) => atomBuffer(ctx, steps, a, bufOf));
    const s = sortStep(root, name, ins, root.outVars.map((v) => bufOf.get(v)!), (n) => addBuffer("scratch", -1, "int32", [n]));
    if (s) steps.push(s);
    return;
  }
  const ins: HostInput[] = root.inputs.map((a) =>
    a instanceof Literal ? { literal: storeScalar(a.value, a.aval.dtype), dtype: a.aval.dtype } : { buf: bufOf.get(a)! },
  );
  const outs = root.outVars.map((v) => bufOf.get(v)!);
  const factor = ctx.opts.factorSteps && native ? factorStep(name, root, (a) => (a instanceof Var ? bufOf.get(a) : undefined), outs, (d, shape) => addBuffer("scratch", -1, d, shape)) : null;
  steps.push(factor ?? { kind: "host", name, eqn: root, inputs: ins, outputs: outs });
}
