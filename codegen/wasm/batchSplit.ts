/**
 * Batched steps split over the thread pool: a sort's lines and a factorization's matrices are
 * independent items, so the pool runs ranges of items on any threads. The step's kernel is
 * rendered for ONE item (the same code as the batched kernel's loop body, so every item's bits
 * are what one thread computes) and a wrapper `(bufs..., lo, hi)` calls it per item with the
 * item's addresses and the workspace of its slot: the step's workspace holds one per slot
 * (codegen/kernel/batchSlots.ts), and the pool's chunks are the slots, so two threads never
 * share one (a whole-range call on one thread uses the first).
 *
 * Scatter stays sequential: its updates are applied in order, and where indices repeat (JAX
 * allows it) a later update must see an earlier one (scatter) or add to it in that order
 * (scatterAdd: float addition is not associative), so splitting the updates would change results;
 * splitting by output range would make every thread read every index, and the copy that precedes
 * the updates is already an elementwise kernel split like any other.
 */
import { ShapedArray } from "../../ir/aval.js";
import { itemSize } from "../../ir/dtype.js";
import type { Atom, Eqn } from "../../ir/jaxpr.js";
import { type FactorStep, factorSlots, factorWorkspace, matrixDims } from "../kernel/factor.js";
import type { BufferDecl, SortStep } from "../kernel/kernel.js";
import { sortSlots, sortWorkspace } from "../kernel/lowerSort.js";
import { renderFactorStep } from "./factor/index.js";
import { renderSortKernel } from "./sortKernel.js";
import { Fn, get, i32c } from "./wat.js";

export interface BatchSplit {
  /** `(bufs..., lo, hi)`: items [lo, hi). */
  readonly wrapper: Fn;
  /** The one-item kernel it calls. */
  readonly one: Fn;
  readonly extent: number;
  readonly chunk: number;
  readonly nChunks: number;
}

/**
 * The wrapper around `one` (parameters `$b<id>`): per item, each buffer's address plus the item's
 * byte offset (`offset(buf, item)`, null for the workspace), the workspace at its slot.
 */
function wrap(name: string, one: Fn, items: number, slots: number, work: number, workBytes: number, offset: (buf: number, item: string) => string | null): BatchSplit {
  const chunk = Math.ceil(items / slots);
  const fn = new Fn(name);
  const bufs = one.params.map((p) => Number(p.name.slice(2)));
  const ptr = new Map(bufs.map((b) => [b, fn.param(`b${b}`)] as const));
  const lo = fn.param("lo");
  const hi = fn.param("hi");
  const item = fn.local("i32", "item");
  const ws = fn.local("i32", "ws");
  fn.body.push(`(local.set ${ws} (i32.add ${get(ptr.get(work)!)} (i32.mul (i32.div_u ${get(lo)} ${i32c(chunk)}) ${i32c(workBytes)})))`);
  fn.body.push(`(local.set ${item} ${get(lo)})`);
  fn.body.push(`(block $done (loop $next`);
  fn.body.push(`  (br_if $done (i32.ge_s ${get(item)} ${get(hi)}))`);
  const args = bufs.map((b) => {
    if (b === work) return get(ws);
    const off = offset(b, get(item));
    return off === null ? get(ptr.get(b)!) : `(i32.add ${get(ptr.get(b)!)} ${off})`;
  });
  fn.body.push(`  (call $${one.name} ${args.join(" ")})`);
  fn.body.push(`  (local.set ${item} (i32.add ${get(item)} (i32.const 1)))`);
  fn.body.push(`  (br $next)))`);
  return { wrapper: fn, one, extent: items, chunk, nChunks: Math.ceil(items / chunk) };
}

/** A sort step over the pool by lines, or null when it keeps one workspace. */
export function splitSortStep(s: SortStep, buffers: readonly BufferDecl[]): BatchSplit | null {
  const slots = sortSlots(s);
  if (slots < 2) return null;
  const one = renderSortKernel({ ...s, name: `${s.name}_line` }, buffers, true);
  const { n, inner } = s;
  // line l = o * inner + q starts at element o * n * inner + q
  const start = (item: string) => (inner === 1 ? `(i32.mul ${item} ${i32c(n)})` : `(i32.add (i32.mul (i32.div_u ${item} ${i32c(inner)}) ${i32c(n * inner)}) (i32.rem_u ${item} ${i32c(inner)}))`);
  return wrap(s.name, one, s.outer * inner, slots, s.perm, 4 * sortWorkspace(n), (b, item) => {
    const sh = Math.log2(itemSize[buffers[b]!.dtype]);
    return sh === 0 ? start(item) : `(i32.shl ${start(item)} ${i32c(sh)})`;
  });
}

/** A factor step over the pool by matrices, or null when it keeps one workspace. */
export function splitFactorStep(s: FactorStep, buffers: readonly BufferDecl[]): BatchSplit | null {
  const slots = factorSlots(s.eqn);
  if (slots < 2) return null;
  const [batch] = matrixDims(s.eqn.inputs[0]!.aval);
  // The step as its kernel sees one matrix: operands without their batch dims, buffers one matrix big.
  const oneAval = (a: Atom): Atom => ({ aval: new ShapedArray([1, ...a.aval.shape.slice(-2)], a.aval.dtype) }) as unknown as Atom;
  const eqn1 = { ...s.eqn, inputs: s.eqn.inputs.map(oneAval) } as Eqn;
  const items = new Set([...s.inputs, ...s.outputs]);
  const buffers1 = buffers.map((b) => (items.has(b.id) ? { ...b, size: b.size / batch, shape: [b.size / batch] } : b));
  const one = renderFactorStep({ ...s, name: `${s.name}_one`, eqn: eqn1 }, buffers1);
  return wrap(s.name, one, batch, slots, s.work, 8 * factorWorkspace(s.eqn), (b, item) => {
    const bytes = (buffers[b]!.size / batch) * itemSize[buffers[b]!.dtype];
    return `(i32.mul ${item} ${i32c(bytes)})`;
  });
}
