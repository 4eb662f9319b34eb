/**
 * A tour of what jaxts does today: arrays, numpy, pytrees, makeJaxpr, jit, grad, vmap, control
 * flow, and three small trainings (linear regression, LeNet, a character-level LSTM).
 * Run with `npm run demo`.
 */
import { writeFileSync } from "node:fs";
import { grad, jit, lax, makeJaxpr, numpy as np, tree, vmap } from "../src/index.js";
import { trainCharRnn } from "./char-rnn.js";
import { argValue, trainLeNet } from "./lenet.js";
import { trainLinearRegression } from "./linear-regression.js";
import { lossCurveSvg } from "./plot.js";

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

section("grad and vmap");
const loss = (w: np.Array, x: np.Array) => np.sum(np.square(np.tanh(np.matmul(x, w))));
const w = np.ones([2, 1]);
console.log("grad(loss)(w, x) =", grad(loss)(w, np.ones([3, 2])).tolist());
const perExample = vmap(grad(loss), { inAxes: [null, 0] });
console.log("per-example gradients, shape", perExample(w, np.ones([4, 1, 2])).shape);
console.log(makeJaxpr(grad(loss))(w, np.ones([3, 2])).toString());

section("Control flow");
const [total, cumulative] = lax.scan((c: np.Array, xi: np.Array) => [np.add(c, xi), np.add(c, xi)], np.array(0), np.arange(1, 6).astype("float32"));
console.log("scan (running sum of 1..5):", cumulative.tolist(), "total", total.item());
console.log("cond(x > 0, sqrt, negative) at -4:", lax.cond(np.greater(-4, 0), np.sqrt, np.negative, np.array(-4)).item());
console.log("whileLoop (halve until below 1) from 37:", lax.whileLoop((v: np.Array) => np.greater(v, 1), (v: np.Array) => np.divide(v, 2), np.array(37)).item());
console.log(makeJaxpr((c0: np.Array, xs: np.Array) => lax.scan((c: np.Array, xi: np.Array) => [np.tanh(np.add(c, xi)), c], c0, xs))(np.zeros([2]), np.ones([5, 2])).toString());

section("Linear regression (Keras' hello world: y = 2x)");
const lr = trainLinearRegression();
console.log(`after 500 epochs: loss ${lr.losses[lr.losses.length - 1]!.toExponential(3)}, prediction for x = 5: ${lr.prediction.toFixed(4)}`);

section("LeNet on Fashion-MNIST");
const epochs = argValue("epochs");
// One short epoch by default (a slice of the training set); --epochs N trains on all of it.
const lenet = await trainLeNet({ epochs: epochs ?? 1, trainSize: epochs === undefined ? 1024 : undefined, testSize: epochs === undefined ? 1000 : undefined });
const svg = lossCurveSvg([{ name: `LeNet on ${lenet.dataset}`, values: lenet.losses }], { title: "LeNet training loss (cross-entropy)" });
writeFileSync("loss-curve.svg", svg);
console.log("wrote loss-curve.svg");

section("Character-level LSTM on English words (stax.LSTM runs a lax.scan)");
trainCharRnn({ steps: 150, hidden: 32, batchSize: 32, samples: 10 });
