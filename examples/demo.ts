/**
 * A tour of what jaxts does today: arrays, numpy, pytrees, makeJaxpr and jit.
 * Run with `npm run demo`.
 */
import { jit, makeJaxpr, numpy as np, tree } from "../src/index.js";

const section = (title: string) => console.log(`\n=== ${title} ===`);

section("Arrays");
const x = np.arange(6).reshape([2, 3]);
console.log("x =", x.tolist(), x.dtype, x.shape);
const y = np.linspace(0, 1, 3);
console.log("x * 0.5 + y =", np.add(np.multiply(x, 0.5), y).tolist());
console.log("x.T @ x =", np.matmul(x.T, x).tolist());

section("numpy");
const v = np.array([3, -1.5, 2, 8]);
console.log("v =", v.tolist());
console.log("sum, mean, std:", np.sum(v).item(), np.mean(v).item(), np.std(v).item());
console.log("argsort:", np.argsort(v).tolist());
console.log("logsumexp:", np.logsumexp(v).item());
console.log("floorDivide(-7, 2), mod(-7, 2):", np.floorDivide(-7, 2).item(), np.mod(-7, 2).item());
console.log("int32 wrap-around 2147483647 + 1 =", np.add(np.array([2147483647], { dtype: "int32" }), 1).tolist());
console.log("v[::-2] =", v.slice([null, null, -2]).tolist());
console.log("v.at(1).set(100) =", v.at(1).set(100).tolist());

section("pytrees");
const params = { w: np.ones([2, 2]), b: np.zeros([2]) };
const [leaves, def] = tree.flatten(params);
console.log(`${leaves.length} leaves,`, tree.treeDefString(def));

section("makeJaxpr");
const f = (p: typeof params, inp: np.Array) => np.tanh(np.add(np.matmul(inp, p.w), p.b));
console.log(makeJaxpr(f)(params, np.ones([4, 2])).toString());

section("jit");
const g = jit(f);
console.log("jit(f)(params, ones) =", g(params, np.ones([1, 2])).tolist());
console.log(g.lower(params, np.ones([1, 2])).asText());
