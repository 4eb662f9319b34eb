/**
 * `optax`: gradient transformations, optimizers, schedules and losses, following optax 0.2's API
 * (camelCase names, options in a trailing object) and numerics. See API.md.
 */
export {
  type EmptyState,
  type GradientTransformation,
  type OptState,
  type Params,
  type ScalarOrSchedule,
  type Schedule,
  type Updates,
  applyUpdates,
  chain,
  identity,
  initEmptyState,
  NO_PARAMS_MSG,
  setToZero,
} from "./base.js";
export { globalNorm, safeIncrement } from "./treeUtils.js";
export * from "./transforms.js";
export * from "./aliases.js";
export * from "./schedules.js";
export * from "./losses.js";
