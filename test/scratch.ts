import { numpy as np, grad, jit, jvp, vmap, makeJaxpr, random, linearize, vjp } from "../src/index.js";
const f = (x: any) => np.multiply(x, np.multiply(x, x));
console.log(String(jit(grad(f))(3.0)), String(jit((x: any) => jvp(f, [x], [1.0])[1])(3.0)));
console.log(String(np.array([NaN, Infinity, 1.5])), String(np.array(1.0)), String(np.arange(6).reshape([2, 3])));
console.log(np.array([0.1, 1/3, -0, 1e-8, 1e10]));
const [k1, k2] = random.split(random.key(0));
console.log(k1, k2, [...np.arange(3)]);
try { grad((x: any) => (x as any) ** 3)(2.0) } catch (e: any) { console.log(e.name, e.message) }
try { jit((x: any) => ((x as any) > 0 ? x : x))(2.0) } catch (e: any) { console.log(e.name, e.message) }
try { vmap((x: any) => ((x as any) > 0 ? x : x))(np.ones([3])) } catch (e: any) { console.log(e.name, e.message) }
console.log(grad((x: any) => np.greater(x, 0).item() ? np.sin(x) : np.cos(x))(1.0).toString());
try { jvp((x: any) => x, [np.array(1, {dtype: "int32"})], [np.array(1.0)]) } catch (e: any) { console.log(e.name, e.message) }
jit((x: any) => { console.log(String(x)); return x })(np.ones([3]));
grad((x: any) => { console.log(String(x)); return x.sum() })(np.ones([3]));
jvp((x: any) => { console.log(String(x)); return x }, [np.arange(6).reshape([2,3]).astype("float32")], [np.ones([2,3])]);
vmap((x: any) => { console.log(String(x)); return x })(np.ones([2, 3]));
jit(grad((x: any) => { console.log(String(x)); return x.sum() }))(np.ones([3]));
grad(grad((x: any) => { console.log(String(x)); return x.mul(x) }))(2.0);
console.log(String(makeJaxpr((x: any) => x)(1.0)));
