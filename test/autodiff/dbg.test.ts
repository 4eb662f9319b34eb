import { it } from "vitest";
import { grad, lax, numpy as np, jvp } from "../../src/index.js";
it("x", () => {
  const x = np.array([[1, 2], [3, 4]], { dtype: "float32" });
  const y = np.array([[0.5, 1], [-1, 2]], { dtype: "float32" });
  for (const f of [
    (a: np.Array, b: np.Array) => np.sum(lax.dotGeneral(a, b, [[[1], [0]], [[], []]], { preferredElementType: "float64" })),
    (a: np.Array, b: np.Array) => np.sum(lax.convGeneralDilated(a.reshape([1, 1, 4]), b.reshape([1, 1, 4]), [1], "SAME", { preferredElementType: "float64" })),
  ]) {
    try { const g = grad(f, { argnums: [0, 1] })(x, y); console.log(g.map((v: np.Array) => [v.dtype, v.tolist()])); } catch (e) { console.log("ERR", (e as Error).message); }
    try { const [o, t] = jvp(f, [x, y], [x, y]); console.log(o.dtype, t.dtype, t.item()); } catch (e) { console.log("ERR jvp", (e as Error).message); }
  }
});
