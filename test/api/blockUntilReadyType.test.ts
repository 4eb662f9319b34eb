/**
 * blockUntilReady's declared type is honest: the array itself on the synchronous backends, a
 * promise of it on webgpu, so the type is `this | Promise<this>` (and `T | Promise<T>` for a
 * tree), and `await` gives the array (or the tree) back with its precise type. The type-level
 * assertions are checked by `tsc --noEmit -p .`; the runtime ones here run on the default device.
 */
import { describe, expect, expectTypeOf, it } from "vitest";
import * as jaxts from "../../src/index.js";

const { numpy: np } = jaxts;

describe("blockUntilReady's type", () => {
  it("is this | Promise<this>, and await gives the array", async () => {
    const x = np.arange(4);
    expectTypeOf(x.blockUntilReady()).toEqualTypeOf<jaxts.Array | Promise<jaxts.Array>>();
    const y = await x.blockUntilReady();
    expectTypeOf(y).toEqualTypeOf<jaxts.Array>();
    expect(y).toBe(x);
    expect(Array.from(await y.data())).toEqual([0, 1, 2, 3]);
  });

  it("blockUntilReady(tree) is T | Promise<T>, and await gives the tree", async () => {
    const t = { a: [np.ones([2]), np.zeros([3])], n: 3 };
    const r = jaxts.blockUntilReady(t);
    expectTypeOf(r).toEqualTypeOf<typeof t | Promise<typeof t>>();
    const u = await r;
    expectTypeOf(u).toEqualTypeOf<typeof t>();
    expect(u).toBe(t);
  });
});
