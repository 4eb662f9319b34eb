/**
 * `random.orthogonal`: uniformly distributed (semi-)orthogonal matrices, as JAX samples them: a
 * standard normal [max(n, m), min(n, m)] matrix Z, its reduced QR decomposition Z = QR, and Q
 * with each column multiplied by the sign of R's diagonal (which makes the result independent
 * of the QR algorithm's sign conventions: it is the Q of the QR with a positive diagonal).
 *
 * The QR is Householder's. On concrete (eager) input it runs in plain JS over the values, in
 * float64, and rounds Q to the dtype at the end; under a transform (jit, vmap, grad) the same
 * algorithm is unrolled into lax/numpy operations in the array's dtype, one reflection per
 * column. Both agree with JAX (LAPACK geqrf/orgqr in float32) to float32 rounding, not bit
 * for bit.
 */
import { bindArgs, checkedLater, required } from "../core/options.js";
import { typedArrayFor } from "../../ir/dtype.js";
import { ConcreteArray, type JArray } from "../core/array.js";
import { ValueError } from "../errors.js";
import * as lax from "../lax.js";
import * as np from "../numpy/index.js";
import { type FloatDType, floatDtype, normal } from "./samplers.js";
import { type Shape, canonicalShape, checkKey } from "./prng.js";

/**
 * `orthogonal(key, n, shape=[], {dtype, m})`: an n x m matrix (m defaults to n) with orthonormal
 * rows (n <= m) or columns (n >= m), batched over `shape`.
 */
export function orthogonal(k: JArray, n: number, shape?: Shape, opts?: { dtype?: FloatDType; m?: number }): JArray;
export function orthogonal(k: JArray, n: number, shape?: Shape, dtype?: FloatDType, m?: number): JArray;
export function orthogonal(...args: unknown[]): JArray {
  // JAX's order: key, n, shape, dtype, m; values are checked below.
  const { key: k, n, shape = [], ...opts } = bindArgs("random.orthogonal", args, {
    key: required(checkedLater<JArray>("a PRNG key")),
    n: required(checkedLater<number>("an integer")),
    shape: checkedLater<Shape>("a shape"),
    dtype: checkedLater<FloatDType>("a float dtype"),
    m: checkedLater<number>("an integer"),
  });
  const key = checkKey("orthogonal", k);
  const dtype = floatDtype("orthogonal", opts.dtype);
  const s = canonicalShape("orthogonal", shape);
  const m = opts.m ?? n;
  for (const [name, v] of [["n", n], ["m", m]] as const)
    if (!Number.isInteger(v) || v < 0) throw new ValueError(`random.orthogonal: ${name} must be a non-negative integer, got ${v}`);
  const rows = Math.max(n, m);
  const cols = Math.min(n, m);
  const z = normal(key, [...s, rows, cols], { dtype });
  const q = qrSignFixedQ(z);
  return n < m ? np.swapaxes(q, -1, -2) : q;
}

/** Q of the reduced QR of each trailing [r, c] matrix (r >= c), times sign(diag(R)). */
export function qrSignFixedQ(z: JArray): JArray {
  if (z instanceof ConcreteArray && z.device !== "webgpu") return qrConcrete(z);
  return qrTraced(z);
}

/** Householder QR in float64 over the values (eager path). */
function qrConcrete(z: ConcreteArray): JArray {
  const shape = z.shape;
  const r = shape[shape.length - 2]!;
  const c = shape[shape.length - 1]!;
  const data = z.readHost();
  const batch = r * c === 0 ? 0 : data.length / (r * c);
  const out = typedArrayFor(z.dtype, data.length);
  const R = new Float64Array(r * c);
  const Q = new Float64Array(r * c);
  const vs: Float64Array[] = [];
  const betas: number[] = [];
  for (let b = 0; b < batch; b++) {
    for (let i = 0; i < r * c; i++) R[i] = Number(data[b * r * c + i]);
    vs.length = 0;
    betas.length = 0;
    for (let k = 0; k < c; k++) {
      let norm2 = 0;
      for (let i = k; i < r; i++) norm2 += R[i * c + k]! ** 2;
      const x0 = R[k * c + k]!;
      const alpha = (x0 >= 0 ? -1 : 1) * Math.sqrt(norm2);
      const v = new Float64Array(r);
      for (let i = k; i < r; i++) v[i] = R[i * c + k]!;
      v[k] = x0 - alpha;
      let vn2 = 0;
      for (let i = k; i < r; i++) vn2 += v[i]! ** 2;
      const beta = vn2 > 0 ? 2 / vn2 : 0;
      for (let j = k; j < c; j++) {
        let dot = 0;
        for (let i = k; i < r; i++) dot += v[i]! * R[i * c + j]!;
        const f = beta * dot;
        for (let i = k; i < r; i++) R[i * c + j] = R[i * c + j]! - f * v[i]!;
      }
      vs.push(v);
      betas.push(beta);
    }
    Q.fill(0);
    for (let i = 0; i < c; i++) Q[i * c + i] = 1;
    for (let k = c - 1; k >= 0; k--) {
      const v = vs[k]!;
      const beta = betas[k]!;
      for (let j = 0; j < c; j++) {
        let dot = 0;
        for (let i = k; i < r; i++) dot += v[i]! * Q[i * c + j]!;
        const f = beta * dot;
        for (let i = k; i < r; i++) Q[i * c + j] = Q[i * c + j]! - f * v[i]!;
      }
    }
    for (let j = 0; j < c; j++) {
      const d = R[j * c + j]!;
      const sg = d > 0 ? 1 : d < 0 ? -1 : 0;
      for (let i = 0; i < r; i++) out[b * r * c + i * c + j] = Q[i * c + j]! * sg;
    }
  }
  return np.array(out, { shape: [...shape] });
}

/** The same Householder QR as lax/numpy operations (traced path), batched over leading dims. */
function qrTraced(z: JArray): JArray {
  const nd = z.ndim;
  const r = z.shape[nd - 2]!;
  const c = z.shape[nd - 1]!;
  const lead = z.shape.slice(0, nd - 2);
  const rowIota = lax.broadcastedIota("int32", [r], 0);
  const column = (a: JArray, k: number) => lax.reshape(lax.sliceInDim(a, k, k + 1, 1, nd - 1), [...lead, r]); // [..., r]
  const entry = (v: JArray, k: number) => lax.sliceInDim(v, k, k + 1, 1, v.ndim - 1); // [..., 1]
  // Applies I - beta v v^T to `a` ([..., r, c]).
  const reflect = (a: JArray, v: JArray, beta: JArray) => {
    const w = np.matmul(np.expandDims(v, -2), a); // [..., 1, c]
    return np.subtract(a, np.multiply(np.expandDims(beta, -1), np.multiply(np.expandDims(v, -1), w)));
  };
  let R = z;
  const vs: JArray[] = [];
  const betas: JArray[] = [];
  for (let k = 0; k < c; k++) {
    const below = np.greaterEqual(rowIota, k);
    const x = np.where(below, column(R, k), 0);
    const norm = np.sqrt(np.sum(np.square(x), -1, { keepdims: true })); // [..., 1]
    const x0 = entry(x, k);
    const alpha = np.multiply(np.where(np.greaterEqual(x0, 0), -1, 1), norm);
    const v = np.subtract(x, np.multiply(alpha, np.equal(rowIota, k).astype(z.dtype)));
    const vn2 = np.sum(np.square(v), -1, { keepdims: true });
    const beta = np.where(np.greater(vn2, 0), np.divide(2, np.where(np.greater(vn2, 0), vn2, 1)), 0); // [..., 1]
    R = reflect(R, v, beta);
    vs.push(v);
    betas.push(beta);
  }
  let Q = np.broadcastTo(np.eye(r, c, { dtype: z.dtype }), z.shape);
  for (let k = c - 1; k >= 0; k--) Q = reflect(Q, vs[k]!, betas[k]!);
  const diag = lax.concatenate(
    Array.from({ length: c }, (_, k) => entry(column(R, k), k)),
    nd - 2,
  ); // [..., c]
  return np.multiply(Q, np.expandDims(np.sign(diag), -2));
}
