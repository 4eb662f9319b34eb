import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { promoteTypes } from "../../ir/dtype.js";
import * as np from "../../src/numpy/index.js";

// Golden table from real JAX (test/golden/gen_promotion.py).
const golden = JSON.parse(readFileSync(new URL("../golden/promotion.json", import.meta.url), "utf8")) as {
  cases: { a: string; b: string; dtype: string; weak: boolean }[];
};

const operand = (kind: string) => {
  switch (kind) {
    case "weakint":
      return 3;
    case "weakfloat":
      return 2.5;
    case "bool":
      return np.array([true, false]);
    default:
      return np.ones([2], { dtype: kind as np.DType });
  }
};

const asAval = (kind: string) =>
  kind === "weakint"
    ? { dtype: "int32" as const, weakType: true }
    : kind === "weakfloat"
      ? { dtype: "float32" as const, weakType: true }
      : { dtype: kind as np.DType, weakType: false };

// jaxts has no int16/uint16: where JAX answers one (int8 with uint8), it widens to int32/uint32.
const jaxtsDtype: Record<string, string> = { int16: "int32", uint16: "uint32" };

describe("dtype promotion agrees with JAX", () => {
  it.each(golden.cases.map((c) => ({ ...c, dtype: jaxtsDtype[c.dtype] ?? c.dtype })))("$a + $b -> $dtype (weak $weak)", ({ a, b, dtype, weak }) => {
    expect(promoteTypes(asAval(a), asAval(b))).toEqual({ dtype, weakType: weak });
    const r = np.add(operand(a), operand(b));
    expect(r.dtype).toBe(dtype);
    expect(r.weakType).toBe(weak);
  });

  it("follows API.md's examples", () => {
    expect(np.add(np.ones([2]), 1).dtype).toBe("float32");
    expect(np.add(np.arange(3), 1).dtype).toBe("int32");
    expect(np.multiply(np.arange(3), 2.5).dtype).toBe("float32");
    expect(np.array([1, 2]).dtype).toBe("float32");
    expect(np.array(new Int32Array([1, 2])).dtype).toBe("int32");
    expect(np.arange(0, 3).dtype).toBe("int32");
    expect(np.arange(0, 1, 0.5).dtype).toBe("float32");
  });
});
