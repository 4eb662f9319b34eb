/**
 * Accuracy of the vectorized float32 transcendentals (Cephes/msun polynomials in f32x4): the
 * error against Math's double-precision value rounded to float32, in ulp, over dense sweeps.
 */
import { describe, expect, it } from "vitest";
import { erf } from "../../codegen/ref/special.js";
import { aval, primJaxpr, runJaxprWasm } from "./helpers.js";

function ulpDiff(a: number, b: number): number {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b) ? 0 : Infinity;
  if (a === b) return 0;
  const buf = new DataView(new ArrayBuffer(8));
  const ord = (x: number) => {
    buf.setFloat32(0, x);
    const i = buf.getInt32(0);
    return i < 0 ? -(i & 0x7fffffff) : i;
  };
  return Math.abs(ord(a) - ord(b));
}

function sweep(lo: number, hi: number, n: number): Float32Array {
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = lo + ((hi - lo) * i) / (n - 1);
  return x;
}

const cases: [name: "exp" | "log" | "sin" | "cos" | "tanh" | "logistic" | "erf", (x: number) => number, [number, number][], number][] = [
  ["exp", Math.exp, [[-87, 88], [-1, 1], [-104, -87]], 2],
  ["log", Math.log, [[1e-30, 1], [0.5, 2], [1, 1e30], [1e-44, 1e-38]], 2],
  ["sin", Math.sin, [[-10, 10], [-8000, 8000], [-1e5, 1e5]], 2],
  ["cos", Math.cos, [[-10, 10], [-8000, 8000], [-1e5, 1e5]], 2],
  ["tanh", Math.tanh, [[-10, 10], [-0.7, 0.7], [-1e-3, 1e-3]], 3],
  ["logistic", (x) => 1 / (1 + Math.exp(-x)), [[-20, 20], [-90, 90]], 4],
  ["erf", erf, [[-5, 5], [-0.9, 0.9], [0.8, 1.3], [1.2, 7]], 3],
];

describe("vectorized float32 math", () => {
  for (const [name, ref, ranges, maxUlp] of cases) {
    it(`${name} is within ${maxUlp} ulp`, () => {
      const n = 20001;
      for (const [lo, hi] of ranges) {
        const x = sweep(lo, hi, n);
        const [y] = runJaxprWasm(primJaxpr(name, [aval([n])], {}), [x]);
        let worst = 0;
        let at = 0;
        for (let i = 0; i < n; i++) {
          const want = Math.fround(ref(x[i]!));
          // near zeros of sin/cos the absolute error of the reduction dominates: measure it against the input's ulp
          const d = ulpDiff(y![i]!, want);
          const abs = Math.abs(y![i]! - want);
          const ok = (name === "sin" || name === "cos") && abs < 2 ** -24 ? 0 : name === "exp" && want < 1.2e-38 ? (abs <= 2 ** -149 ? 0 : d) : d;
          if (ok > worst) {
            worst = ok;
            at = x[i]!;
          }
        }
        if (process.env.SHOW_ULP) console.log(`${name} [${lo}, ${hi}]: ${worst} ulp at ${at}`);
        expect(worst, `${name} on [${lo}, ${hi}]: worst ${worst} ulp at x = ${at}`).toBeLessThanOrEqual(maxUlp);
      }
      // special values
      const sp = new Float32Array([NaN, Infinity, -Infinity, 0, -0]);
      const [y] = runJaxprWasm(primJaxpr(name, [aval([5])], {}), [sp]);
      for (let i = 0; i < 5; i++) {
        const want = Math.fround(ref(sp[i]!));
        expect(Object.is(y![i], want) || (Number.isNaN(want) && Number.isNaN(y![i]!)), `${name}(${sp[i]}) = ${y![i]}, want ${want}`).toBe(true);
      }
    });
  }
});
