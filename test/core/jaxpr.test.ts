import * as E from "fp-ts/lib/Either.js";
import { describe, expect, it } from "vitest";
import { ShapedArray } from "../../ir/aval.js";
import { Jaxpr, Literal, Var, eqn, typecheckJaxpr } from "../../ir/jaxpr.js";
import { evalShape, jit, lax, makeJaxpr, numpy as np } from "../../src/index.js";

describe("makeJaxpr prints JAX-style text", () => {
  it("prints a one-equation jaxpr on one line, exactly as JAX does", () => {
    // jax.make_jaxpr(jnp.sin)(jnp.ones(3))
    expect(makeJaxpr(np.sin)(np.ones([3])).toString()).toBe("{ lambda ; a:f32[3]. let b:f32[3] = sin a in (b,) }");
  });

  it("prints longer jaxprs on several lines with scalar literals inline", () => {
    const f = (x: np.Array) => np.sum(np.add(np.multiply(x, 2.5), 1), 0);
    // JAX prints the same equations (plus its out_sharding=None parameter on reduce_sum).
    expect(makeJaxpr(f)(np.ones([3, 4])).toString()).toBe(
      [
        "{ lambda ; a:f32[3,4]. let",
        "    b:f32[3,4] = mul a 2.5:f32[]",
        "    c:f32[3,4] = add b 1.0:f32[]",
        "    d:f32[4] = reduce_sum[axes=(0,)] c",
        "  in (d,) }",
      ].join("\n"),
    );
  });

  it("shows captured arrays as constvars and pytree inputs as flat invars", () => {
    const w = np.array([1, 2, 3]);
    const f = (p: { a: np.Array; b: np.Array }) => np.add(np.multiply(p.a, w), p.b);
    const text = makeJaxpr(f)({ a: np.ones([3]), b: np.zeros([3]) }).toString();
    expect(text).toBe(
      ["{ lambda a:f32[3]; b:f32[3] c:f32[3]. let", "    d:f32[3] = mul b a", "    e:f32[3] = add d c", "  in (e,) }"].join("\n"),
    );
  });

  it("prints a nested jit call with its sub-jaxpr", () => {
    const inner = jit(function inner(x: np.Array) {
      return np.exp(x);
    });
    const text = makeJaxpr((x: np.Array) => np.negative(inner(x)))(np.ones([2])).toString();
    // As JAX prints it: one namespace of variables, the sub-jaxpr's after the equation's outputs.
    expect(text).toContain("b:f32[2] = jit[jaxpr={ lambda ; c:f32[2]. let d:f32[2] = exp c in (d,) } name=inner] a");
    expect(text).toContain("= neg");
  });

  it("prints params of structural primitives", () => {
    const text = makeJaxpr((x: np.Array) => lax.transpose(lax.broadcastInDim(x, [2, 3], [1]), [1, 0]))(np.ones([3])).toString();
    expect(text).toContain("broadcast_in_dim[shape=(2, 3) broadcast_dimensions=(1,)] a");
    expect(text).toContain("transpose[permutation=(1, 0)]");
  });
});

describe("evalShape", () => {
  it("returns the output tree of shapes and dtypes without computing", () => {
    const out = evalShape((x: np.Array, y: np.Array) => ({ s: np.add(x, y), d: np.less(x, y) }))(np.ones([2, 3]), np.ones([3]));
    expect(out).toEqual({ d: { shape: [2, 3], dtype: "bool" }, s: { shape: [2, 3], dtype: "float32" } });
  });
});

describe("typecheckJaxpr reports every problem", () => {
  it("accepts traced jaxprs", () => {
    const closed = makeJaxpr((x: np.Array) => np.tanh(np.add(x, 1)))(np.ones([2]));
    expect(E.isRight(typecheckJaxpr(closed.jaxpr))).toBe(true);
  });

  it("finds an undefined variable, a bad output type and a shape error at once", () => {
    const a = new Var(new ShapedArray([3], "float32"));
    const stray = new Var(new ShapedArray([3], "float32"));
    const b = new Var(new ShapedArray([4], "float32")); // wrong: sin keeps [3]
    const c = new Var(new ShapedArray([3], "float32"));
    const jaxpr = new Jaxpr(
      [],
      [a],
      [
        eqn("sin", [a], {}, [b]),
        eqn("add", [stray, new Literal(1, new ShapedArray([], "int32"))], {}, [c]),
      ],
      [c],
    );
    const r = typecheckJaxpr(jaxpr);
    expect(E.isLeft(r)).toBe(true);
    const problems = E.isLeft(r) ? r.left : [];
    expect(problems.length).toBe(3);
    expect(problems.join("\n")).toMatch(/used before it is defined/);
    expect(problems.join("\n")).toMatch(/f32\[4\] but the rule gives f32\[3\]/);
    expect(problems.join("\n")).toMatch(/one dtype/);
  });
});
