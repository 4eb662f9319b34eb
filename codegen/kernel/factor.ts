/**
 * Factor steps: a matrix factorization (ir/linalg.ts) run by a native kernel of the target over
 * the buffers of its operands, batched over the leading dims. They are not loop nests (pivot
 * searches, square roots on the critical path, data-dependent early exits), so a renderer writes
 * each as a hand-scheduled routine; what the step carries is target-neutral: the primitive with
 * its params and avals (the equation), the buffers, and a float64 workspace in the arena.
 *
 * Every factor kernel computes in float64 whatever the dtype (a float32 operand is widened into
 * the workspace and the result rounded once), as the reference does (codegen/ref/linalg.ts):
 * the pivots LU picks and the NaN a failed Cholesky gives are then the reference's, not an
 * artefact of float32 rounding on near-ties.
 */
import { type ShapedArray, shapeSize } from "../../ir/aval.js";
import { batchSlots } from "./batchSlots.js";
import type { DType } from "../../ir/dtype.js";
import { type Atom, type Eqn, Literal } from "../../ir/jaxpr.js";
import type { Params } from "../../ir/primitives.js";

/** The factorizations that have native kernels (the others stay host steps). */
export type FactorPrimitive = "cholesky" | "triangularSolve" | "lu" | "qr" | "geqrf" | "householderProduct" | "eigh" | "svd";
const factorPrimitives = new Set<string>(["cholesky", "triangularSolve", "lu", "qr", "geqrf", "householderProduct", "eigh", "svd"]);
export const isFactorPrimitive = (p: string): p is FactorPrimitive => factorPrimitives.has(p);

export interface FactorStep {
  readonly kind: "factor";
  readonly name: string;
  readonly primitive: FactorPrimitive;
  /** The equation: params, operand and result avals. */
  readonly eqn: Eqn;
  readonly inputs: readonly number[];
  readonly outputs: readonly number[];
  /** A float64 scratch buffer of `workspaceElements` entries. */
  readonly work: number;
}

/** [batch, rows, cols] of a batched matrix aval. */
export const matrixDims = (a: ShapedArray): [number, number, number] => [shapeSize(a.shape.slice(0, -2)), a.shape[a.ndim - 2]!, a.shape[a.ndim - 1]!];

/** Float64 entries of workspace one matrix of the batch needs (reused across the batch). */
function workspaceElements(e: Eqn): number {
  const [, m, n] = matrixDims(e.inputs[0]!.aval);
  switch (e.primitive as FactorPrimitive) {
    case "cholesky":
    case "lu":
      return m * n;
    case "triangularSolve": {
      // the triangular matrix as solved (op(a), or its transpose for a right-side solve), then
      // the right-hand sides, each contiguous
      const [, bm, bn] = matrixDims(e.inputs[1]!.aval);
      return m * m + bm * bn;
    }
    case "qr": {
      // a, q (m x kq), one row of reflector products, the taus
      const kq = (e.params as Params<"qr">).fullMatrices ? m : Math.min(m, n);
      return m * n + m * kq + Math.max(n, kq) + Math.min(m, n);
    }
    case "geqrf":
      // a, one row of reflector products, the taus
      return m * n + n + Math.min(m, n);
    case "householderProduct":
      // a, q (m x n), one row of reflector products, the taus (k <= n)
      return 2 * m * n + 2 * n;
    case "eigh":
      // a, v^T, the eigenvalues to sort, the taken flags
      return 2 * n * n + 2 * n;
    case "svd":
      return svdWorkspace(m, n, (e.params as Params<"svd">).fullMatrices);
  }
}

/**
 * Float64 entries of the SVD's workspace for an m x n matrix (M = max, N = min): u's columns
 * scaled N x M, v^T N x N, norms, sort keys and order 3N, u's columns (fullMatrices ? M : N) x M
 * (first the tall matrix itself), one candidate column M, v N x N, the bidiagonal 2N, a row M.
 */
export function svdWorkspace(m: number, n: number, fullMatrices: boolean): number {
  const [M, N] = [Math.max(m, n), Math.min(m, n)];
  return N * M + N * N + 3 * N + (fullMatrices ? M : N) * M + M + N * N + 2 * N + M;
}

/**
 * The factor step of a host-bound equation when it has a native kernel (a factorization of
 * float32 or float64 matrices), else null.
 */
export function factorStep(
  name: string,
  e: Eqn,
  bufOf: (a: Atom) => number | undefined,
  outputs: readonly number[],
  addScratch: (dtype: DType, shape: readonly number[]) => number,
): FactorStep | null {
  if (!factorPrimitives.has(e.primitive)) return null;
  const dtype = e.inputs[0]!.aval.dtype;
  if (dtype !== "float32" && dtype !== "float64") return null;
  if (e.inputs.some((a) => a instanceof Literal)) return null;
  // an SVD of an empty matrix still has u and vt to fill: the reference does it
  if (e.primitive === "svd" && matrixDims(e.inputs[0]!.aval)[1] * matrixDims(e.inputs[0]!.aval)[2] === 0) return null;
  const inputs = e.inputs.map((a) => bufOf(a));
  if (inputs.some((b) => b === undefined)) return null;
  const work = addScratch("float64", [Math.max(1, workspaceElements(e)) * factorSlots(e)]);
  return { kind: "factor", name, primitive: e.primitive as FactorPrimitive, eqn: e, inputs: inputs as number[], outputs, work };
}

/** Float64 entries of one matrix's workspace. */
export const factorWorkspace = (e: Eqn): number => Math.max(1, workspaceElements(e));

/**
 * Workspaces of a factor step (batchSlots.ts): its matrices are independent. The work estimate
 * per matrix is m * n * min(m, n) (a factorization's flop count up to a constant).
 */
export function factorSlots(e: Eqn): number {
  const [batch, m, n] = matrixDims(e.inputs[0]!.aval);
  return batchSlots(batch, m * n * Math.min(m, n), 8 * factorWorkspace(e));
}

/** The params of a factor step's primitive. */
export const factorParams = <P extends FactorPrimitive>(s: FactorStep & { primitive: P }): Params<P> => s.eqn.params as Params<P>;
