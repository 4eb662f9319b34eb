/**
 * optax's core: a `GradientTransformation` is a pair of pure functions, `init(params) -> state`
 * and `update(updates, state, params?) -> [updates, state]`, over pytrees of arrays. States are
 * pytrees too (plain objects in place of optax's NamedTuples, JS arrays in place of tuples, int32
 * scalars for step counts), so a training step that calls `update` can be jitted or
 * differentiated as a whole.
 */
import { JArray } from "../core/array.js";
import { ValueError } from "../errors.js";
import * as np from "../numpy/index.js";
import * as tree from "../tree.js";
import { type Kind, arrayLike, bool, fn, object, orNull, union } from "../core/options.js";

/** A pytree of parameters (arrays as leaves; `null` marks an empty node). */
export type Params = any;
/** A pytree of updates, with the structure of the parameters. */
export type Updates = any;
/** An optimizer state: a pytree of arrays. */
export type OptState = any;

/**
 * A schedule maps a step count to a value. The count is a JS number when a user evaluates the
 * schedule directly (the result is then a JS number, computed in double precision) or an int32
 * scalar array inside an optimizer (the result is then a float32 array, computed as optax does).
 */
export type Schedule = (count: number | JArray) => number | JArray;
/** A learning rate (or weight decay): a fixed scalar or a schedule of the step count. */
export type ScalarOrSchedule = number | JArray | Schedule;

export interface GradientTransformation<S = OptState> {
  /** The initial state for the given parameters. */
  init(params: Params): S;
  /** Transforms `updates` (gradients, or updates of an earlier transformation) given the state. */
  update(updates: Updates, state: S, params?: Params | null): [Updates, S];
}

/** The state of a transformation that keeps none (optax's `EmptyState`): an empty pytree. */
export type EmptyState = Record<string, never>;

export const initEmptyState = (_params: Params): EmptyState => ({});

/** The message optax gives when a transformation needs `params` and none were passed. */
export const NO_PARAMS_MSG =
  "You are using a transformation that requires the current value of parameters, but you are not passing `params` when calling `update`.";

/** Throws optax's ValueError when `params` is missing. */
export function requireParams(params: Params | null | undefined, fn: string): Params {
  if (params === undefined || params === null) throw new ValueError(`${fn}: ${NO_PARAMS_MSG}`);
  return params;
}

/** The transformation that leaves updates as they are. */
export function identity(): GradientTransformation<EmptyState> {
  return { init: initEmptyState, update: (updates, state) => [updates, state] };
}

/** The transformation that sets every update to zero (optax's `set_to_zero`). */
export function setToZero(): GradientTransformation<EmptyState> {
  return { init: initEmptyState, update: (updates, state) => [tree.map((u: JArray) => np.zerosLike(u), updates), state] };
}

/**
 * Applies the transformations in order: each one's updates feed the next. The state is an array
 * with one entry per transformation (optax's tuple).
 */
export function chain(...transforms: GradientTransformation[]): GradientTransformation<OptState[]> {
  transforms.forEach((t, i) => {
    if (t === null || typeof t !== "object" || typeof t.init !== "function" || typeof t.update !== "function")
      throw new TypeError(
        `optax.chain: argument ${i + 1} is not a GradientTransformation (an object with init and update)` +
          // The usual slip: a constructor passed uncalled (`chain(optax.clipByGlobalNorm, ...)`).
          (typeof t === "function" ? `; got the function ${(t as Function).name || "(anonymous)"}, which must be called to make one` : ""),
      );
  });
  return {
    init: (params) => transforms.map((t) => t.init(params)),
    update: (updates, state, params) => {
      if (!globalThis.Array.isArray(state) || state.length !== transforms.length)
        throw new ValueError(
          "optax.chain: The number of updates and states has to be the same in chain! Make sure you have called init first!",
        );
      let u = updates;
      const newState: OptState[] = [];
      transforms.forEach((t, i) => {
        const [nu, ns] = t.update(u, state[i], params);
        u = nu;
        newState.push(ns);
      });
      return [u, newState];
    },
  };
}

/**
 * `params + updates`, leaf by leaf, keeping each parameter's dtype (optax's `apply_updates`).
 * `null` parameters stay `null`.
 */
export function applyUpdates(params: Params, updates: Updates): Params {
  return tree.map((p: JArray | number, u: JArray | number) => {
    const pa = p instanceof JArray ? p : np.asarray(p);
    return np.add(pa, u).astype(pa.dtype);
  }, params, updates);
}

/** Whether `x` looks like a schedule (a function) rather than a scalar. */
export const isSchedule = (x: unknown): x is Schedule => typeof x === "function";

// --- argument kinds shared by optax's constructors (see core/options.ts) ----------------------

/** A learning rate or weight decay: a number, a scalar array, or a schedule. */
export const scalarOrSchedule: Kind<ScalarOrSchedule> = union(arrayLike, fn) as Kind<ScalarOrSchedule>;
/** A mask: a tree of booleans (a prefix of the params' structure) or a function making one. */
export const maskOrFn: Kind<any> = orNull(union(object, union(fn, bool)));
