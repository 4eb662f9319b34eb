/**
 * The sort step as a wasm function: per line, a permutation sorted, then every operand gathered
 * through it into its output. One 32-bit key (float32, int32, uint32, bool): an LSD radix sort
 * (8-bit digits, stable, passes whose digit is the same everywhere skipped) of the key mapped to
 * an unsigned integer of the same order, with the positions as payload. Several keys or float64:
 * a bottom-up merge sort of the positions (stable: on equal keys the left run's element goes
 * first), comparing the keys lexicographically at the permuted positions. Floats compare as JAX sorts them (NaNs after everything and
 * equal to each other; -0 equal to +0, so their order is the input's). Values are moved as bit
 * patterns (f32 as i32, f64 as i64), never through float registers.
 */
import { type DType, itemSize } from "../../ir/dtype.js";
import type { BufferDecl, SortStep } from "../kernel/kernel.js";
import { kernelFn } from "./mapKernel.js";
import { type Fn, get, i32c } from "./wat.js";

/** `a < b` in the sort order of a dtype, on two loaded scalars. */
function lessThan(d: DType, a: string, b: string): string {
  switch (d) {
    case "float32":
    case "float64": {
      const f = d === "float32" ? "f32" : "f64";
      // a < b, or b is NaN and a is not
      return `(i32.or (${f}.lt ${a} ${b}) (i32.and (${f}.ne ${b} ${b}) (${f}.eq ${a} ${a})))`;
    }
    case "int32":
    case "int8":
    case "float16": // as its order key (float16OrderKey)
      return `(i32.lt_s ${a} ${b})`;
    default:
      return `(i32.lt_u ${a} ${b})`;
  }
}

const loadOps: Partial<Record<DType, string>> = { float32: "f32.load", float64: "f64.load", bool: "i32.load8_u", uint8: "i32.load8_u", int8: "i32.load8_s", float16: "i32.load16_u" };
const loadOp = (d: DType): string => loadOps[d] ?? "i32.load";
/** Bit-pattern copies. */
const copyOps = (d: DType): [string, string] =>
  itemSize[d] === 8 ? ["i64.load", "i64.store"] : itemSize[d] === 2 ? ["i32.load16_u", "i32.store16"] : itemSize[d] === 1 ? ["i32.load8_u", "i32.store8"] : ["i32.load", "i32.store"];

/**
 * float16 bits -> an int32 that orders as the reference's float order does: negatives by
 * descending magnitude, -0 equal to +0, NaNs (all equal) after +infinity.
 */
const float16OrderKey = (x: string): string => {
  const mag = `(i32.and ${x} ${i32c(0x7fff)})`;
  return `(select ${i32c(0x8000)} (select (i32.sub (i32.const 0) ${mag}) ${mag} (i32.and ${x} ${i32c(0x8000)})) (i32.gt_u ${mag} ${i32c(0x7c00)}))`;
};

/**
 * With `oneLine`, the function sorts the one line its buffer addresses start at (elements
 * `inner` apart), its workspace at the perm address: batchSplit.ts calls it per line.
 */
export function renderSortKernel(s: SortStep, buffers: readonly BufferDecl[], oneLine = false): Fn {
  const bufs = [...new Set([...s.inputs, ...s.outputs, s.perm])].sort((a, b) => a - b);
  const { fn, ptr } = kernelFn(s.name, bufs);
  const P = (b: number) => get(ptr.get(b)!);
  const { outer, n, inner, numKeys } = s;
  const L = (hint: string) => fn.local("i32", hint);
  const [o, q, base, A, B, width, lo, mid, hi, i, j, k, take, r, l, t] = ["o", "q", "base", "A", "B", "w", "lo", "mid", "hi", "i", "j", "k", "take", "r", "l", "t"].map(L) as [
    string, string, string, string, string, string, string, string, string, string, string, string, string, string, string, string,
  ];
  const keyDtype = buffers[s.inputs[0]!]!.dtype;
  const radix = numKeys === 1 && (keyDtype === "float32" || keyDtype === "int32" || keyDtype === "uint32" || keyDtype === "bool");
  const body = fn.body;
  let labels = 0;
  const lbl = (x: string) => `$${x}${labels++}`;
  const set = (x: string, v: string) => `(local.set ${x} ${v})`;
  const inc = (x: string, by: string = i32c(1)) => set(x, `(i32.add ${get(x)} ${by})`);
  /** Byte address of element `e` (a line position) of buffer `buf`. */
  const elemAddr = (buf: number, e: string) => {
    const d = buffers[buf]!.dtype;
    const pos = inner === 1 ? `(i32.add ${get(base)} ${e})` : `(i32.add ${get(base)} (i32.mul ${e} ${i32c(inner)}))`;
    const sh = Math.log2(itemSize[d]);
    return `(i32.add ${P(buf)} ${sh === 0 ? pos : `(i32.shl ${pos} ${i32c(sh)})`})`;
  };
  const permAt = (arr: string, e: string) => `(i32.add ${get(arr)} (i32.shl ${e} (i32.const 2)))`;

  // Lexicographic "right element r before left element l": per key, r < l decides for r, l < r for l.
  const keyLocals = s.inputs.slice(0, numKeys).map((buf) => {
    const d = buffers[buf]!.dtype;
    const ty = d === "float32" ? "f32" : d === "float64" ? "f64" : "i32";
    return { buf, d, a: fn.local(ty, "ka"), b: fn.local(ty, "kb") };
  });
  const compareFrom = (kk: number): string => {
    if (kk === keyLocals.length) return "";
    const key = keyLocals[kk]!;
    let loads = `${set(key.a, `(${loadOp(key.d)} ${elemAddr(key.buf, get(r))})`)} ${set(key.b, `(${loadOp(key.d)} ${elemAddr(key.buf, get(l))})`)}`;
    if (key.d === "float16") loads += ` ${set(key.a, float16OrderKey(get(key.a)))} ${set(key.b, float16OrderKey(get(key.b)))}`;
    const rFirst = lessThan(key.d, get(key.a), get(key.b));
    if (kk === keyLocals.length - 1) return `${loads} ${set(take, rFirst)}`;
    const lFirst = lessThan(key.d, get(key.b), get(key.a));
    return `${loads} (if ${rFirst} (then ${set(take, i32c(1))}) (else (if (i32.eqz ${lFirst}) (then ${compareFrom(kk + 1)}))))`;
  };

  const loop = (v: string, end: string, each: () => void, step = i32c(1)) => {
    const top = lbl("L");
    const exit = lbl("X");
    body.push(set(v, i32c(0)));
    body.push(`(block ${exit} (loop ${top}`);
    body.push(`(br_if ${exit} (i32.ge_s ${get(v)} ${end}))`);
    each();
    body.push(inc(v, step));
    body.push(`(br ${top})))`);
  };

  /** The key as an unsigned integer of the same order (NaNs last and equal, -0 as +0). */
  const sortable = (x: string): string => {
    switch (keyDtype) {
      case "float32": {
        const f = fn.local("f32", "kf");
        const bits = fn.local("i32", "kb");
        // +0 for both zeros, one NaN pattern above +inf; then flip: negatives reversed below positives
        return `(block (result i32) ${set(f, x)} ${set(bits, `(select (i32.const 0) (select (i32.const -1) (i32.reinterpret_f32 ${get(f)}) (f32.ne ${get(f)} ${get(f)})) (f32.eq ${get(f)} (f32.const 0)))`)} (select (i32.const -1) (i32.xor ${get(bits)} (i32.or (i32.shr_s ${get(bits)} (i32.const 31)) (i32.const 0x80000000))) (i32.eq ${get(bits)} (i32.const -1))))`;
      }
      case "int32":
        return `(i32.xor ${x} (i32.const 0x80000000))`;
      default:
        return x;
    }
  };
  const keyLoad = (d: DType) => (d === "float32" ? "f32.load" : d === "bool" ? "i32.load8_u" : "i32.load");
  const [K0, I0, K1, I1, C, d, sh, sum, c] = ["K0", "I0", "K1", "I1", "C", "d", "sh", "sum", "c"].map(L) as [string, string, string, string, string, string, string, string, string];
  /** One line by LSD radix sort: keys K0 with positions I0, ping-ponging with K1/I1; the result's positions left in A. */
  const radixLine = () => {
    const at = (arr: string, e: string) => `(i32.add ${get(arr)} (i32.shl ${e} (i32.const 2)))`;
    body.push(set(K0, P(s.perm)));
    body.push(set(I0, `(i32.add ${P(s.perm)} ${i32c(4 * n)})`));
    body.push(set(K1, `(i32.add ${P(s.perm)} ${i32c(8 * n)})`));
    body.push(set(I1, `(i32.add ${P(s.perm)} ${i32c(12 * n)})`));
    body.push(set(C, `(i32.add ${P(s.perm)} ${i32c(16 * n)})`));
    loop(j, i32c(n), () => {
      body.push(`(i32.store ${at(K0, get(j))} ${sortable(`(${keyLoad(keyDtype)} ${elemAddr(s.inputs[0]!, get(j))})`)})`);
      body.push(`(i32.store ${at(I0, get(j))} ${get(j)})`);
    });
    const digit = (x: string) => `(i32.and (i32.shr_u ${x} ${get(sh)}) (i32.const 255))`;
    loop(sh, i32c(32), () => {
      loop(d, i32c(256), () => body.push(`(i32.store ${at(C, get(d))} (i32.const 0))`));
      loop(j, i32c(n), () => {
        body.push(set(d, digit(`(i32.load ${at(K0, get(j))})`)));
        body.push(`(i32.store ${at(C, get(d))} (i32.add (i32.load ${at(C, get(d))}) (i32.const 1)))`);
      });
      // a digit that is the same everywhere leaves the order as it is
      body.push(`(if (i32.ne (i32.load ${at(C, digit(`(i32.load ${get(K0)})`))}) ${i32c(n)}) (then`);
      body.push(set(sum, i32c(0)));
      loop(d, i32c(256), () => {
        body.push(set(c, `(i32.load ${at(C, get(d))})`));
        body.push(`(i32.store ${at(C, get(d))} ${get(sum)})`);
        body.push(inc(sum, get(c)));
      });
      loop(j, i32c(n), () => {
        body.push(set(r, `(i32.load ${at(K0, get(j))})`));
        body.push(set(d, digit(get(r))));
        body.push(set(c, `(i32.load ${at(C, get(d))})`));
        body.push(`(i32.store ${at(C, get(d))} (i32.add ${get(c)} (i32.const 1)))`);
        body.push(`(i32.store ${at(K1, get(c))} ${get(r)})`);
        body.push(`(i32.store ${at(I1, get(c))} (i32.load ${at(I0, get(j))}))`);
      });
      for (const [x, v] of [[t, K0], [K0, K1], [K1, t], [t, I0], [I0, I1], [I1, t]] as const) body.push(set(x, get(v)));
      body.push(`))`);
    }, i32c(8));
    body.push(set(A, get(I0)));
  };

  loop(o, i32c(oneLine ? 1 : outer), () => {
    loop(q, i32c(oneLine ? 1 : inner), () => {
      body.push(set(base, `(i32.add (i32.mul ${get(o)} ${i32c(n * inner)}) ${get(q)})`));
      if (radix) radixLine();
      else {
        body.push(set(A, P(s.perm)));
        body.push(set(B, `(i32.add ${P(s.perm)} ${i32c(4 * n)})`));
        loop(j, i32c(n), () => body.push(`(i32.store ${permAt(A, get(j))} ${get(j)})`));
        // bottom-up merges of runs of `width`, ping-ponging between A and B
        body.push(set(width, i32c(1)));
        const wTop = lbl("W");
        const wExit = lbl("WX");
        body.push(`(block ${wExit} (loop ${wTop}`);
        body.push(`(br_if ${wExit} (i32.ge_s ${get(width)} ${i32c(n)}))`);
        body.push(set(lo, i32c(0)));
        const rTop = lbl("R");
        const rExit = lbl("RX");
        const min = (x: string, y: string) => `(select ${x} ${y} (i32.lt_s ${x} ${y}))`;
        body.push(`(block ${rExit} (loop ${rTop}`);
        body.push(`(br_if ${rExit} (i32.ge_s ${get(lo)} ${i32c(n)}))`);
        body.push(set(mid, min(`(i32.add ${get(lo)} ${get(width)})`, i32c(n))));
        body.push(set(hi, min(`(i32.add ${get(lo)} (i32.shl ${get(width)} (i32.const 1)))`, i32c(n))));
        for (const [x, v] of [[i, lo], [j, mid], [k, lo]] as const) body.push(set(x, get(v)));
        const mTop = lbl("M");
        const mExit = lbl("MX");
        body.push(`(block ${mExit} (loop ${mTop}`);
        body.push(`(br_if ${mExit} (i32.ge_s ${get(k)} ${get(hi)}))`);
        body.push(set(take, i32c(0)));
        body.push(
          `(if (i32.lt_s ${get(j)} ${get(hi)}) (then (if (i32.ge_s ${get(i)} ${get(mid)}) (then ${set(take, i32c(1))}) (else ${set(r, `(i32.load ${permAt(A, get(j))})`)} ${set(l, `(i32.load ${permAt(A, get(i))})`)} ${compareFrom(0)}))))`,
        );
        body.push(
          `(if ${get(take)} (then (i32.store ${permAt(B, get(k))} (i32.load ${permAt(A, get(j))})) ${inc(j)}) (else (i32.store ${permAt(B, get(k))} (i32.load ${permAt(A, get(i))})) ${inc(i)}))`,
        );
        body.push(inc(k));
        body.push(`(br ${mTop})))`);
        body.push(inc(lo, `(i32.shl ${get(width)} (i32.const 1))`));
        body.push(`(br ${rTop})))`);
        for (const [x, v] of [[t, A], [A, B], [B, t]] as const) body.push(set(x, get(v)));
        body.push(set(width, `(i32.shl ${get(width)} (i32.const 1))`));
        body.push(`(br ${wTop})))`);
      }
      // every operand through the permutation
      loop(j, i32c(n), () => {
        body.push(set(r, `(i32.load ${permAt(A, get(j))})`));
        s.inputs.forEach((inBuf, m) => {
          const [ld, st] = copyOps(buffers[inBuf]!.dtype);
          body.push(`(${st} ${elemAddr(s.outputs[m]!, get(j))} (${ld} ${elemAddr(inBuf, get(r))}))`);
        });
      });
    });
  });
  return fn;
}
