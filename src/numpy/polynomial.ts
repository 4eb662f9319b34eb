/**
 * Polynomials as coefficient arrays, highest power first (`polyval polyadd polysub polymul
 * polyder vander`), and the 1-D discrete `convolve`/`correlate` they build on, as jax.numpy.
 */
import { showShape } from "../../ir/aval.js";
import type { ArrayLike, JArray } from "../core/array.js";
import { arrayLike, bindArgs, bool, nonNegInt, oneOf, orNull, required } from "../core/options.js";
import { ValueError } from "../errors.js";
import * as lax from "../lax.js";
import { zeros } from "./creation.js";
import { asArray, promoteArgs, promoteArgsInexact, filledLike } from "./util.js";

function vector(fn: string, what: string, x: JArray): JArray {
  if (x.ndim !== 1) throw new ValueError(`${fn}: ${what} must be 1-dimensional, got shape ${showShape(x.shape)}`);
  return x;
}

type Mode = "full" | "same" | "valid";

/** JAX's _conv: one conv_general_dilated over the longer input, the shorter one as the kernel. */
function conv1d(fn: string, op: "convolve" | "correlate", x1: ArrayLike, x2: ArrayLike, mode: Mode): JArray {
  let [x, y] = promoteArgsInexact(fn, [x1, x2]) as [JArray, JArray];
  vector(fn, "a", x);
  vector(fn, "v", y);
  if (x.shape[0] === 0 || y.shape[0] === 0) throw new ValueError(`${fn}: inputs cannot be empty, got shapes ${showShape(x.shape)} and ${showShape(y.shape)}`);
  let reverseOut = false;
  if (x.shape[0]! < y.shape[0]!) {
    [x, y] = [y, x];
    reverseOut = op === "correlate";
  }
  if (op === "convolve") y = lax.rev(y, [0]);
  const m = y.shape[0]!;
  const padding: [number, number] = mode === "valid" ? [0, 0] : mode === "same" ? [Math.floor(m / 2), m - Math.floor(m / 2) - 1] : [m - 1, m - 1];
  const out = lax.convGeneralDilated(lax.reshape(x, [1, 1, x.shape[0]!]), lax.reshape(y, [1, 1, m]), [1], [padding]);
  const flat = lax.reshape(out, [out.shape[2]!]);
  return reverseOut ? lax.rev(flat, [0]) : flat;
}

const CONV_SPEC = { a: required(arrayLike), v: required(arrayLike), mode: oneOf("full", "same", "valid") };

/** The discrete linear convolution of two 1-D arrays: `convolve(a, v, mode = "full")`. */
export function convolve(a: ArrayLike, v: ArrayLike, mode?: Mode): JArray;
export function convolve(a: ArrayLike, v: ArrayLike, opts?: { mode?: Mode }): JArray;
export function convolve(...args: unknown[]): JArray {
  const o = bindArgs("np.convolve", args, CONV_SPEC);
  return conv1d("np.convolve", "convolve", o.a, o.v, o.mode ?? "full");
}

/** The cross-correlation of two 1-D arrays: `correlate(a, v, mode = "valid")`. */
export function correlate(a: ArrayLike, v: ArrayLike, mode?: Mode): JArray;
export function correlate(a: ArrayLike, v: ArrayLike, opts?: { mode?: Mode }): JArray;
export function correlate(...args: unknown[]): JArray {
  const o = bindArgs("np.correlate", args, CONV_SPEC);
  return conv1d("np.correlate", "correlate", o.a, o.v, o.mode ?? "valid");
}

/** `p` evaluated at `x` by Horner's rule: `p[0] * x**(n-1) + ... + p[n-1]`. */
export function polyval(p: ArrayLike, x: ArrayLike): JArray {
  const [c, xs] = promoteArgs("np.polyval", [p, x]) as [JArray, JArray];
  vector("np.polyval", "p", c);
  let y = filledLike(xs, 0);
  for (let i = 0; i < c.shape[0]!; i++) y = lax.add(lax.mul(y, xs), lax.reshape(lax.slice(c, [i], [i + 1]), []));
  return y;
}

/** Both coefficient vectors, the shorter padded with leading zeros to the longer one's length. */
function aligned(fn: string, a1: ArrayLike, a2: ArrayLike): [JArray, JArray] {
  const [a, b] = promoteArgs(fn, [a1, a2]) as [JArray, JArray];
  vector(fn, "a1", a);
  vector(fn, "a2", b);
  const n = Math.max(a.shape[0]!, b.shape[0]!);
  const padFront = (t: JArray) => (t.shape[0] === n ? t : lax.pad(t, 0, [[n - t.shape[0]!, 0, 0]]));
  return [padFront(a), padFront(b)];
}

/** The sum of two polynomials. */
export function polyadd(a1: ArrayLike, a2: ArrayLike): JArray {
  const [a, b] = aligned("np.polyadd", a1, a2);
  return lax.add(a, b);
}

/** The difference of two polynomials. */
export function polysub(a1: ArrayLike, a2: ArrayLike): JArray {
  const [a, b] = aligned("np.polysub", a1, a2);
  return lax.sub(a, b);
}

/** The product of two polynomials (their coefficients' convolution). */
export function polymul(a1: ArrayLike, a2: ArrayLike, opts?: { trimLeadingZeros?: boolean }): JArray;
export function polymul(a1: ArrayLike, a2: ArrayLike, trimLeadingZeros?: boolean): JArray;
export function polymul(...args: unknown[]): JArray {
  const o = bindArgs("np.polymul", args, { a1: required(arrayLike), a2: required(arrayLike), trimLeadingZeros: bool });
  if (o.trimLeadingZeros) throw new ValueError("np.polymul: trimLeadingZeros needs concrete values and gives a value-dependent shape; it is not supported (as under jit in JAX)");
  const [a, b] = promoteArgsInexact("np.polymul", [o.a1, o.a2]) as [JArray, JArray];
  vector("np.polymul", "a1", a);
  vector("np.polymul", "a2", b);
  if (a.shape[0] === 0 || b.shape[0] === 0) throw new ValueError("np.polymul: the coefficient arrays cannot be empty");
  return conv1d("np.polymul", "convolve", a, b, "full");
}

/** The `m`-th derivative of a polynomial: `polyder(p, m = 1)`. */
export function polyder(p: ArrayLike, m?: number): JArray;
export function polyder(p: ArrayLike, opts?: { m?: number }): JArray;
export function polyder(...args: unknown[]): JArray {
  const o = bindArgs("np.polyder", args, { p: required(arrayLike), m: nonNegInt });
  let c = promoteArgsInexact("np.polyder", [o.p])[0]!;
  vector("np.polyder", "p", c);
  for (let k = 0; k < (o.m ?? 1); k++) {
    const n = c.shape[0]!;
    if (n <= 1) return lax.slice(c, [0], [0]);
    const weights = lax.convertElementType(lax.sub(n - 1, lax.iota("int32", n - 1)), c.dtype);
    c = lax.mul(lax.slice(c, [0], [n - 1]), weights);
  }
  return c;
}

/** The Vandermonde matrix: columns `x**(N-1), ..., x**0` (or increasing powers): `vander(x, N?, increasing?)`. */
export function vander(x: ArrayLike, N?: number | null, increasing?: boolean): JArray;
export function vander(x: ArrayLike, opts?: { N?: number | null; increasing?: boolean }): JArray;
export function vander(...args: unknown[]): JArray {
  const o = bindArgs("np.vander", args, { x: required(arrayLike), N: orNull(nonNegInt), increasing: bool });
  const a = asArray(o.x, "np.vander: argument x");
  vector("np.vander", "x", a);
  const n = o.N ?? a.shape[0]!;
  const cols: JArray[] = [];
  // Powers by repeated multiplication: exact for integers, and differentiable at x = 0.
  let pw = filledLike(a, 1);
  for (let i = 0; i < n; i++) {
    cols.push(lax.reshape(pw, [a.shape[0]!, 1]));
    pw = lax.mul(pw, a);
  }
  if (n === 0) return zeros([a.shape[0]!, 0], a.dtype);
  if (!o.increasing) cols.reverse();
  return lax.concatenate(cols, 1);
}
