/**
 * Static memory planning: every temporary and scratch buffer of a program gets a byte offset in
 * one arena per call. Buffers whose lifetimes (first write .. last read, in steps) overlap get
 * disjoint ranges; the rest reuse space. Greedy by size, largest first, lowest fitting offset.
 *
 * Steps are numbered in program order, loop bodies inline. A buffer used inside a loop that it
 * was not created in (a carry and its second buffer, a constant, the stacked xs and ys behind
 * a view, an outer temporary) is read again by later iterations, so it lives for the whole loop; a buffer the
 * body created is written before it is read in every iteration and lives only from its first
 * to its last use inside the body, so body temporaries share space with each other per
 * iteration.
 */
import { type Program, type Step, bufferBytes, bufferRoots, stepReads, stepWrites } from "./kernel.js";

/** Alignment of every arena buffer, in bytes (a cache line: SIMD-friendly, no false sharing between workers). */
export const ARENA_ALIGN = 64;

const align = (n: number) => Math.ceil(n / ARENA_ALIGN) * ARENA_ALIGN;

/** Live ranges (in step positions) of the buffers a program's steps touch (views count as their base). */
export function liveRanges(p: Program): Map<number, { from: number; to: number }> {
  const spans = new Map<number, { from: number; to: number }>();
  const uses: { buf: number; pos: number; loops: readonly number[] }[] = [];
  let pos = 0;
  const use = (bufs: readonly number[], loops: readonly number[]) => {
    for (const b of bufs) for (const r of bufferRoots(p.buffers, b)) uses.push({ buf: r, pos, loops });
    pos++;
  };
  const walk = (steps: readonly Step[], loops: readonly number[]) => {
    for (const s of steps) {
      switch (s.kind) {
        case "loop": {
          const from = pos;
          const inner = [...loops, s.id];
          if (s.cond) {
            walk(s.cond.steps, inner);
            use([s.cond.pred], inner);
          }
          walk(s.body, inner);
          spans.set(s.id, { from, to: Math.max(from, pos - 1) });
          walk(s.oddExit, loops);
          break;
        }
        case "branch":
          use([s.index], loops);
          for (const r of s.regions) walk(r, loops);
          break;
        default:
          use([...stepWrites(s), ...stepReads(s), ...(s.kind === "host" && p.hostArgs !== undefined ? [p.hostArgs] : [])], loops);
      }
    }
  };
  walk(p.steps, []);
  const ranges = new Map<number, { from: number; to: number }>();
  for (const { buf, pos: at, loops } of uses) {
    let from = at;
    let to = at;
    // Every enclosing loop below the buffer's own scope runs this use again on later trips.
    const home = p.buffers[buf]!.loop;
    const k = home === undefined ? 0 : loops.indexOf(home) + 1;
    for (const l of loops.slice(k)) {
      const span = spans.get(l)!;
      from = Math.min(from, span.from);
      to = Math.max(to, span.to);
    }
    const r = ranges.get(buf);
    if (r === undefined) ranges.set(buf, { from, to });
    else {
      r.from = Math.min(r.from, from);
      r.to = Math.max(r.to, to);
    }
  }
  return ranges;
}

export function planMemory(p: Program): void {
  const ranges = liveRanges(p);
  const arena = p.buffers.filter((b) => b.kind === "temp" || b.kind === "scratch");
  const placed: { start: number; end: number; from: number; to: number }[] = [];
  let top = 0;
  const order = [...arena].sort((a, b) => bufferBytes(b) - bufferBytes(a) || a.id - b.id);
  for (const b of order) {
    const r = ranges.get(b.id);
    // a buffer no step touches (a fusion took its readers and writer: the full-resolution output
    // of a convolution whose pooling became its epilogue) takes no space
    if (r === undefined) {
      b.offset = 0;
      continue;
    }
    const { from, to } = r;
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
