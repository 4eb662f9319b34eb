import { lax, numpy as np, makeJaxpr, jit } from "../../src/index.js";
import { test } from "vitest";
test("smoke", () => {
const x = np.array([1, 2, 3]);
console.log(lax.cond(true, (a: any) => np.multiply(a, 2), (a: any) => np.add(a, 1), x).tolist());
console.log(lax.cond(np.array(false), (a: any) => np.multiply(a, 2), (a: any) => np.add(a, 1), x).tolist());
console.log(lax.switch(5, [(a: any) => a, (a: any) => np.sin(a), (a: any) => np.negative(a)], x).tolist());
console.log(lax.whileLoop((c: any) => np.less(c, 10), (c: any) => np.add(c, 1.5), 0).tolist());
console.log(lax.foriLoop(0, 5, (i: any, c: any) => np.add(c, i), np.array(0)).tolist());
const [c, ys] = lax.scan((c: any, x: any) => [np.add(c, x), np.multiply(c, 2)], 0, x);
console.log(c.tolist(), ys.tolist());
console.log(makeJaxpr((x: any) => lax.scan((c: any, xx: any) => [np.add(c, np.multiply(xx, x)), c], np.zeros([3]), np.ones([4, 3])))(x).toString());
console.log(makeJaxpr((x: any, p: any) => lax.cond(p, (a: any) => np.multiply(a, x), (a: any) => a, x))(x, true).toString());
console.log(jit((x: any) => lax.scan((c: any, xx: any) => [np.add(c, xx), c], np.zeros([3]), np.ones([4, 3]).add(x)))(x)[1].tolist());
console.log(lax.associativeScan((a: any, b: any) => np.add(a, b), np.arange(10)).tolist());
console.log(lax.map((a: any) => np.sum(a), np.ones([7, 3]), { batchSize: 3 }).tolist());
console.log(jit((n: any) => lax.foriLoop(0, n, (i: any, c: any) => np.add(c, i), np.array(0)))(np.array(5, { dtype: "int32" })).tolist());
});
