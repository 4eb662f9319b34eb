import { describe, expect, it } from "vitest";
import {
  ConcretizationTypeError,
  TracerBoolConversionError,
  UnexpectedTracerError,
  jit,
  makeJaxpr,
  numpy as np,
} from "../../src/index.js";

describe("tracing errors", () => {
  it("branching on a traced value throws ConcretizationTypeError naming the transform", () => {
    const f = (x: np.Array) => (x.sum().valueOf() > 0 ? x : np.negative(x));
    expect(() => makeJaxpr(f)(np.ones([2]))).toThrow(TracerBoolConversionError);
    expect(() => jit(f)(np.ones([2]))).toThrow(ConcretizationTypeError);
    expect(() => jit(f)(np.ones([2]))).toThrow(/jit\(f\)/);
    expect(() => jit((x: np.Array) => x.item())(np.ones([]))).toThrow(/item\(\)/);
  });

  it("eager arrays convert to numbers and branch normally", () => {
    const x = np.array([3]);
    expect(Number(x) > 2).toBe(true);
    expect(+np.sum(np.ones([4]))).toBe(4);
  });

  it("a leaked tracer used later throws UnexpectedTracerError", () => {
    let leaked: np.Array | undefined;
    jit((x: np.Array) => {
      leaked = np.multiply(x, 2);
      return x;
    })(np.ones([2]));
    expect(() => np.add(leaked!, 1)).toThrow(UnexpectedTracerError);
    expect(() => jit((y: np.Array) => np.add(y, leaked!))(np.ones([2]))).toThrow(UnexpectedTracerError);
  });
});

describe("jit (nested call on the reference backend)", () => {
  it("computes the same values as eager and caches by shape and static args", () => {
    let traces = 0;
    const f = jit(
      (x: np.Array, k: number) => {
        traces++;
        return np.multiply(np.sin(x), k);
      },
      { staticArgnums: [1] },
    );
    const x = np.array([0.5, 1, 2]);
    expect(f(x, 3).tolist()).toEqual(np.multiply(np.sin(x), 3).tolist());
    f(np.array([1, 2, 3]), 3);
    expect(traces).toBe(1);
    f(x, 4);
    expect(traces).toBe(2);
    f(np.ones([2]), 4);
    expect(traces).toBe(3);
  });

  it("returns pytrees and closes over arrays", () => {
    const w = np.array([1, 2]);
    const f = jit((p: { a: np.Array }) => [np.add(p.a, w), { s: np.sum(p.a) }]);
    const [y, { s }] = f({ a: np.array([10, 20]) }) as [np.Array, { s: np.Array }];
    expect(y.tolist()).toEqual([11, 22]);
    expect(s.item()).toBe(30);
  });

  it("lower() shows the traced program", () => {
    const text = jit((x: np.Array) => np.exp(x)).lower(np.ones([2])).asText();
    expect(text).toBe("{ lambda ; a:f32[2]. let b:f32[2] = exp a in (b,) }");
  });
});

describe("arrays", () => {
  it("read back through data, dataSync, tolist and item", async () => {
    const x = np.array([[1, 2], [3, 4]], { dtype: "int32" });
    expect(Array.from(await x.data())).toEqual([1, 2, 3, 4]);
    expect(x.dataSync()).toBeInstanceOf(Int32Array);
    expect(x.tolist()).toEqual([[1, 2], [3, 4]]);
    expect(np.array(true).item()).toBe(true);
    expect(() => x.item()).toThrow(/size 1/);
  });

  it("dispose frees an array and later use is a clear error", () => {
    const x = np.ones([3]);
    x.dispose();
    expect(() => np.add(x, 1)).toThrow(/disposed/);
    {
      using y = np.ones([2]);
      expect(y.size).toBe(2);
    }
  });
});
