/**
 * The argument-normalization layer (src/core/options.ts) on its own: binding positional
 * arguments and the options object to the same names, hints for misspellings, and the errors.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { arrayLike, bindArgs, bool, checkOptions, didYouMean, keywordOnly, num, object, orNull, required, usage } from "../../src/core/options.js";

const SPEC = { lr: required(num), momentum: orNull(num), nesterov: bool, dtype: keywordOnly(orNull(num)) };
const POSITIONAL = ["lr", "momentum", "nesterov"] as const;

describe("bindArgs", () => {
  it("binds the same values positionally or by name, for any split between the two", () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true }), fc.option(fc.double({ noNaN: true })), fc.boolean(), fc.integer({ min: 1, max: 3 }), (lr, momentum, nesterov, k) => {
        const values: Record<string, unknown> = { lr, momentum, nesterov };
        // The first k arguments positionally, the rest in the options object.
        const positional = POSITIONAL.slice(0, k).map((n) => values[n]);
        const rest = Object.fromEntries(POSITIONAL.slice(k).map((n) => [n, values[n]]));
        const a = bindArgs("f", k === 3 ? positional : [...positional, rest], SPEC);
        expect(a).toEqual({ lr, momentum, nesterov });
      }),
    );
  });
  it("ignores trailing undefineds and undefined option values (JS's way of not passing one)", () => {
    expect(bindArgs("f", [1, undefined, undefined], SPEC)).toEqual({ lr: 1 });
    expect(bindArgs("f", [1, { momentum: undefined }], SPEC)).toEqual({ lr: 1 });
  });
  it("keeps keyword-only parameters out of the positions", () => {
    expect(() => bindArgs("f", [1, 0.9, true, 3], SPEC)).toThrow(/f: takes at most 3 positional arguments but got 4 \(the extra one is 3\); options go in one trailing object/);
    expect(bindArgs("f", [1, { dtype: 3 }], SPEC)).toEqual({ lr: 1, dtype: 3 });
  });
  it("takes a plain object as the argument where a parameter's value may be one", () => {
    const spec = { init: required(num), table: orNull(object) };
    expect(bindArgs("g", [1, { 10: 0.5 }], spec)).toEqual({ init: 1, table: { 10: 0.5 } });
    // An object in table's position is table itself, never the options.
    expect(bindArgs("g", [1, { table: { 10: 0.5 } }], spec)).toEqual({ init: 1, table: { table: { 10: 0.5 } } });
    expect(() => bindArgs("g", [{ init: 1 }], spec)).toThrow(/g: "init" is not an option: pass it as a positional argument/);
  });
  it("rejects unknown keys, wrong kinds, duplicates and missing arguments, with the usage", () => {
    expect(() => bindArgs("f", [1, { nestrov: true }], SPEC)).toThrow(
      'f: unknown option "nestrov" (did you mean nesterov?); the options are momentum, nesterov, dtype. Usage: f(lr, momentum?, nesterov?) or f(lr, {momentum?, nesterov?, dtype?})',
    );
    expect(() => bindArgs("f", [1, "0.9"], SPEC)).toThrow(/^f: momentum must be a number or null, got "0\.9"\./);
    expect(() => bindArgs("f", [1, 0.9, { momentum: 0.5 }], SPEC)).toThrow(/got multiple values for argument "momentum"/);
    expect(() => bindArgs("f", [], SPEC)).toThrow(/missing required argument "lr"/);
    for (const bad of [() => bindArgs("f", [1, 2, true, { x: 1 }], SPEC), () => bindArgs("f", [1, "a"], SPEC)]) expect(bad).toThrow(TypeError);
  });
});

describe("checkOptions", () => {
  it("accepts undefined and known keys, and rejects anything but a plain object", () => {
    const spec = { keepdims: bool, where: arrayLike };
    expect(checkOptions("np.sum", undefined, spec)).toEqual({});
    expect(checkOptions("np.sum", { keepdims: true }, spec)).toEqual({ keepdims: true });
    expect(() => checkOptions("np.sum", true, spec, ["a", "axis?"])).toThrow("np.sum: expected an options object as the last argument, got true. Usage: np.sum(a, axis?, {keepdims?, where?})");
    expect(() => checkOptions("np.sum", [1], spec)).toThrow(TypeError);
  });
});

describe("didYouMean", () => {
  const camelToSnake = (s: string) => s.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
  const known = ["staticArgnums", "argnums", "hasAux", "allowInt", "inAxes", "outAxes", "axisSize", "keepdims", "learningRate", "weightDecay"];
  it("maps each name's snake_case spelling back to it", () => {
    fc.assert(
      fc.property(fc.constantFrom(...known), (k) => {
        expect(didYouMean(camelToSnake(k), known)).toBe(k);
      }),
    );
  });
  it("catches one dropped, added or changed letter, and the usual aliases", () => {
    expect(didYouMean("argnum", known)).toBe("argnums");
    expect(didYouMean("keepdim", known)).toBe("keepdims");
    expect(didYouMean("hasaux", known)).toBe("hasAux");
    expect(didYouMean("lr", known)).toBe("learningRate");
    expect(didYouMean("unrelated", known)).toBeUndefined();
  });
});

describe("usage", () => {
  it("shows required, optional positional and option forms", () => {
    expect(usage("optax.trace", { decay: required(num, { keyword: true }), nesterov: bool })).toBe("optax.trace(decay, nesterov?) or optax.trace(decay, {decay, nesterov?})");
    expect(usage("jit", { f: required(num), staticArgnums: keywordOnly(num) })).toBe("jit(f, {staticArgnums?})");
  });
});
