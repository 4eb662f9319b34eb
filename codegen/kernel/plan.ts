/**
 * Static memory planning: every temporary and scratch buffer of a program gets a byte offset in
 * one arena per call. Buffers whose lifetimes (first write .. last read, in steps) overlap get
 * disjoint ranges; the rest reuse space. Greedy by size, largest first, lowest fitting offset.
 */
import { type Program, bufferBytes, stepReads, stepWrites } from "./kernel.js";

/** Alignment of every arena buffer, in bytes (a cache line: SIMD-friendly, no false sharing between workers). */
export const ARENA_ALIGN = 64;

const align = (n: number) => Math.ceil(n / ARENA_ALIGN) * ARENA_ALIGN;

export function planMemory(p: Program): void {
  const first = new Map<number, number>();
  const last = new Map<number, number>();
  p.steps.forEach((s, i) => {
    for (const b of [...stepWrites(s), ...stepReads(s)]) {
      if (!first.has(b)) first.set(b, i);
      last.set(b, i);
    }
  });
  const arena = p.buffers.filter((b) => b.kind === "temp" || b.kind === "scratch");
  const placed: { start: number; end: number; from: number; to: number }[] = [];
  let top = 0;
  const order = [...arena].sort((a, b) => bufferBytes(b) - bufferBytes(a) || a.id - b.id);
  for (const b of order) {
    const from = first.get(b.id) ?? 0;
    const to = last.get(b.id) ?? from;
    const size = align(Math.max(bufferBytes(b), 1));
    const conflicts = placed.filter((q) => q.from <= to && from <= q.to).sort((x, y) => x.start - y.start);
    let offset = 0;
    for (const q of conflicts) {
      if (offset + size <= q.start) break;
      offset = Math.max(offset, q.end);
    }
    b.offset = offset;
    placed.push({ start: offset, end: offset + size, from, to });
    top = Math.max(top, offset + size);
  }
  p.arenaBytes = top;
}
