/**
 * What the lowering of a program and of its nested regions (loop bodies, branches) shares: the
 * options, the buffers, the expression factory, kernel and loop counters; and the two small
 * step builders every part of the lowering uses (a copy into a buffer, a literal operand's
 * buffer).
 */
import { type ShapedArray, shapeSize } from "../../ir/aval.js";
import { type DType, castScalar } from "../../ir/dtype.js";
import { type Atom, Literal, Var } from "../../ir/jaxpr.js";
import type { Primitive } from "../../ir/primitives.js";
import { flatten, ivar, newVar } from "./iexpr.js";
import type { BufferDecl, BufferKind, Step, SwapOf, ViewOf } from "./kernel.js";
import { NodeFactory } from "./sexpr.js";
import { canonicalize } from "./canonicalize.js";

export interface LowerOptions {
  /** Float32 contractions with at least this many multiply-adds (and M >= 4, N >= 8) use the packed matmul kernel. */
  matmulMinFlops?: number;
  /**
   * Register tile of the matmul microkernel: rows (MR) and columns (NR, a multiple of 4).
   * Default 4x8 (8 accumulators + 3 operand registers fit x64's 16 SIMD registers; measured
   * fastest on AMD EPYC and Intel Xeon, with and without relaxed-SIMD fma).
   */
  matmulTile?: readonly [number, number];
  /** Primitives that run as host steps even where a native kernel exists (tests of the host-step path, A/B measurements). */
  hostPrimitives?: ReadonlySet<Primitive>;
  /** Cut map kernels where their pad/concatenate predicates change (indexSets.ts): for SIMD renderers. */
  splitIndexSets?: boolean;
  /** The factorizations (ir/linalg.ts) as factor steps the renderer has kernels for (codegen/kernel/factor.ts), not host steps. */
  factorSteps?: boolean;
  /** Convolutions with few input features as direct kernels (directConv.ts), not im2col: for renderers that have them. */
  directConv?: boolean;
}

/** What the lowering of a program and of its nested regions (loop bodies, branches) shares. */
export class LowerContext {
  /** Every buffer, by id (an entry may be replaced, e.g. when a hoisted kernel's output moves out of a loop). */
  readonly buffers: BufferDecl[] = [];
  readonly f = new NodeFactory();
  kernelCount = 0;
  loopCount = 0;
  /** The loop whose body is being lowered (buffers created now live one iteration). */
  loop: number | undefined = undefined;
  readonly minFlops: number;
  readonly MR: number;
  readonly NR: number;
  constructor(readonly opts: LowerOptions) {
    this.minFlops = opts.matmulMinFlops ?? 16384;
    [this.MR, this.NR] = opts.matmulTile ?? [4, 8];
  }
  addBuffer(kind: BufferKind, index: number, dtype: DType, shape: readonly number[], view?: ViewOf, swap?: SwapOf): number {
    const id = this.buffers.length;
    const loop = kind === "temp" || kind === "scratch" ? this.loop : undefined;
    this.buffers.push({
      id,
      kind,
      index,
      dtype,
      shape,
      size: shapeSize(shape),
      offset: -1,
      ...(view ? { view } : {}),
      ...(swap ? { swap } : {}),
      ...(loop !== undefined ? { loop } : {}),
    });
    return id;
  }
  nextName(what: string): string {
    return `k${this.kernelCount++}_${what}`;
  }
}

/** A map kernel that stores a literal or a whole buffer into `to` (none for empty arrays). */
export function copySteps(ctx: LowerContext, from: Literal | number, aval: ShapedArray, to: number, what: string): Step[] {
  if (aval.size === 0) return [];
  const f = ctx.f;
  const vars = aval.shape.map((n) => newVar(n, "i"));
  const index = flatten(vars.map(ivar), aval.shape);
  const value = from instanceof Literal ? f.const(castScalar(from.value, aval.dtype), aval.dtype) : f.load(from, index, aval.dtype);
  return [canonicalize(f, { kind: "map", name: ctx.nextName(what), vars, outs: [{ buf: to, value, index }] })];
}

/** The buffer holding an operand: a literal is stored into a fresh temporary first. */
export function atomBuffer(ctx: LowerContext, steps: Step[], a: Atom, bufOf: ReadonlyMap<Var, number>): number {
  if (a instanceof Var) return bufOf.get(a)!;
  const t = ctx.addBuffer("temp", -1, a.aval.dtype, a.aval.shape);
  steps.push(...copySteps(ctx, a, a.aval, t, "literal"));
  return t;
}
