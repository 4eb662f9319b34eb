/**
 * Rule: nothing is ignored silently. Every exported function that takes an options object
 * rejects an unknown key with a TypeError that names the function, the key and what it accepts
 * (the list of functions is walked from the package's exports, so a new one cannot skip this:
 * optionCalls.ts says how to call each); misspellings get a "did you mean"; extra arguments and
 * values of the wrong kind are TypeErrors too.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import * as jaxts from "../../src/index.js";
import { NO_OPTIONS, type Recipe, WITH_OPTIONS } from "./optionCalls.js";

const { numpy: np, optax, stax, random } = jaxts;

const isModule = (v: unknown) => Object.prototype.toString.call(v) === "[object Module]";
const isClass = (f: Function) => /^class\b/.test(Function.prototype.toString.call(f));

/** Every exported function (not classes), each with all the names it is exported under. */
function exportedFunctions(): Map<Function, string[]> {
  const out = new Map<Function, string[]>();
  const walk = (ns: Record<string, unknown>, prefix: string) => {
    for (const k of Object.keys(ns).sort()) {
      const v = ns[k];
      if (isModule(v)) walk(v as Record<string, unknown>, `${prefix}${k}.`);
      else if (typeof v === "function" && !isClass(v)) out.set(v, [...(out.get(v) ?? []), `${prefix}${k}`]);
    }
  };
  walk(jaxts as unknown as Record<string, unknown>, "");
  return out;
}

/** The name an error shows for an export path: numpy's functions are `np.*`. */
const shownName = (path: string) => path.replace(/^numpy\./, "np.");

const call = (r: Recipe) => (typeof r === "function" ? r : r.call);

describe("every exported function is in the options table", () => {
  const fns = exportedFunctions();
  it("is listed (under one of its names) as taking options or not", () => {
    const missing = [...fns.values()].filter((names) => !names.some((n) => n in WITH_OPTIONS || NO_OPTIONS.has(n)));
    expect(missing.map((n) => n.join(" = ")), "add these to test/api/optionCalls.ts").toEqual([]);
  });
  it("lists no name that is not exported", () => {
    const all = new Set([...fns.values()].flat());
    expect([...Object.keys(WITH_OPTIONS), ...NO_OPTIONS].filter((n) => !all.has(n))).toEqual([]);
  });
});

describe("unknown option keys are rejected by every function that takes options", () => {
  for (const [path, recipe] of Object.entries(WITH_OPTIONS)) {
    const name = typeof recipe === "function" ? shownName(path) : recipe.name;
    it(path, () => {
      // The recipe is right: with no options it works, so the error below is the key's.
      expect(() => call(recipe)({})).not.toThrow();
      let err: unknown;
      try {
        call(recipe)({ bogusOption: 1 });
      } catch (e) {
        err = e;
      }
      expect(err, `${path} accepted an unknown option`).toBeInstanceOf(TypeError);
      const msg = (err as Error).message;
      expect(msg).toContain(name);
      expect(msg).toContain('"bogusOption"');
      // It lists what the function accepts.
      expect(msg).toMatch(/the options are \w+/);
      expect(msg).toContain("Usage:");
    });
  }
});

describe("for every function that takes options: any unknown key is rejected, and snake_case gets a hint", () => {
  const camelToSnake = (k: string) => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
  for (const [path, recipe] of Object.entries(WITH_OPTIONS)) {
    it(path, () => {
      const accepted = /the options are ([^.]*)\./.exec(typeErrorOf(() => call(recipe)({ bogusOption: 1 })))![1]!.split(", ");
      fc.assert(
        fc.property(
          fc.stringMatching(/^[a-zA-Z_][a-zA-Z0-9_]{0,12}$/).filter((k) => !accepted.includes(k) && !(k in Object.prototype)),
          (k) => {
            expect(typeErrorOf(() => call(recipe)({ [k]: 1 }))).toContain(`"${k}"`);
          },
        ),
        { numRuns: 5 },
      );
      for (const k of accepted.filter((a) => /[A-Z]/.test(a)))
        expect(typeErrorOf(() => call(recipe)({ [camelToSnake(k)]: 1 }))).toContain(`did you mean ${k}`);
    });
  }
});

/** The TypeError `f` throws, or a failure. */
function typeErrorOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(TypeError);
    return (e as Error).message;
  }
  throw new Error("expected a TypeError, but nothing was thrown");
}

describe("error messages", () => {
  const f = (x: jaxts.Array, y: jaxts.Array) => np.sum(np.multiply(x, y));
  it("suggest the camelCase name for a snake_case or misspelled key", () => {
    expect(typeErrorOf(() => jaxts.jit(f, { static_argnums: [1] } as never))).toMatch(/^jit: unknown option "static_argnums" \(did you mean staticArgnums\?\); the options are staticArgnums, device/);
    expect(typeErrorOf(() => jaxts.grad(f, { argnum: 1 } as never))).toMatch(/^grad: unknown option "argnum" \(did you mean argnums\?\)/);
    expect(typeErrorOf(() => jaxts.grad(f, { has_aux: true } as never))).toContain("did you mean hasAux?");
    expect(typeErrorOf(() => jaxts.vmap(f, { in_axes: 0 } as never))).toContain("did you mean inAxes?");
    expect(typeErrorOf(() => optax.adam(0.1, { lr: 0.1 } as never))).toContain("did you mean learningRate (as a positional argument)?");
    expect(typeErrorOf(() => np.sum(np.ones([2]), null, { keepdim: true } as never))).toContain("did you mean keepdims?");
    expect(typeErrorOf(() => stax.Conv(8, [3, 3], { stride: [2, 2] } as never))).toContain("did you mean strides?");
  });
  it("name the argument and what it must be for a value of the wrong kind", () => {
    expect(typeErrorOf(() => jaxts.grad(f, "1" as never))).toMatch(/^grad: argnums must be an integer or an array of integers, got "1"/);
    expect(typeErrorOf(() => optax.sgd(0.1, 0.9, "yes" as never))).toMatch(/^optax\.sgd: nesterov must be a boolean, got "yes"/);
    expect(typeErrorOf(() => stax.Conv(8, [3, 3], [2, 2], "same" as never))).toMatch(/stax\.Conv: padding must be "SAME", "VALID" or an array of \[lo, hi\] pairs, got "same"/);
    expect(typeErrorOf(() => np.zeros([2, 3], "int64" as never))).toMatch(/^np\.zeros: dtype must be a dtype/);
  });
  it("reject extra arguments, naming how many the function takes", () => {
    expect(typeErrorOf(() => (jaxts.grad as Function)(f, 0, false, false, false, 1))).toMatch(/^grad: takes at most 5 positional arguments but got 6/);
    expect(typeErrorOf(() => (jaxts.jit as Function)(f, [1]))).toMatch(/^jit: takes at most 1 positional argument but got 2 \(the extra one is \[1\]\); options go in one trailing object/);
    expect(typeErrorOf(() => (optax.sgd as Function)(0.1, 0.9, false, null, 1))).toMatch(/^optax\.sgd: takes at most 4 positional arguments/);
    expect(typeErrorOf(() => (jaxts.customJvp as Function)(f, [0]))).toMatch(/^customJvp: takes at most 1 positional argument/);
    expect(typeErrorOf(() => (optax.scaleBySign as Function)(1))).toMatch(/^optax\.scaleBySign: takes no positional arguments/);
    expect(typeErrorOf(() => (jaxts.makeJaxpr as Function)(f, { staticArgnums: [1] }))).toMatch(/^makeJaxpr: unknown option "staticArgnums"; the options are none/);
  });
  it("say that np.zeros takes the shape as one argument", () => {
    expect(typeErrorOf(() => (np.zeros as Function)(2, 3))).toBe("np.zeros: the shape is one argument: np.zeros([2, 3]), not np.zeros(2, 3)");
    expect(typeErrorOf(() => (np.ones as Function)(2, 3))).toContain("np.ones([2, 3])");
  });
  it("say where numpy's options go when they take the axis's place", () => {
    expect(typeErrorOf(() => np.sum(np.ones([2]), { keepdims: true } as never))).toMatch(/^sum: axis must be an integer, an array of integers or null, got an options object; the options come after the axis: sum\(x, null, \{"keepdims":true\}\)/);
  });
  it("reject a value given both positionally and in the options", () => {
    expect(typeErrorOf(() => (optax.sgd as Function)(0.1, 0.9, { momentum: 0.5 }))).toMatch(/^optax\.sgd: got multiple values for argument "momentum"/);
  });
  it("name a missing required argument", () => {
    expect(typeErrorOf(() => (optax.cosineDecaySchedule as Function)({ initValue: 0.1, decay_steps: 100 }))).toContain('"decay_steps" (did you mean decaySteps?)');
    expect(typeErrorOf(() => (optax.cosineDecaySchedule as Function)({ initValue: 0.1 }))).toMatch(/^optax\.cosineDecaySchedule: missing required argument "decaySteps"/);
    expect(typeErrorOf(() => (random.uniform as Function)())).toMatch(/^random\.uniform: missing required argument "key"/);
  });
  it("reject options where JAX has no such argument in that position (jit's are keyword-only)", () => {
    expect(typeErrorOf(() => (jaxts.vjp as Function)(f, [1, 2], true))).toMatch(/^vjp: takes at most 2 positional arguments/);
  });
  it("say a layer or transformation constructor must be called", () => {
    expect(typeErrorOf(() => stax.serial(stax.Dense as never))).toContain("must be called: Dense(...)");
    expect(typeErrorOf(() => optax.chain(optax.clipByGlobalNorm as never))).toContain("got the function clipByGlobalNorm, which must be called to make one");
  });
});
