/**
 * The control-flow functions' options, on the shared argument layer (src/core/options.ts): an
 * unknown or misspelled key, or a value of the wrong kind, is a TypeError naming the function
 * and listing what it accepts. cond, switch and whileLoop take none (their operands are varargs).
 */
import { bool, checkOptions, checkedLater, int, nonNegInt, refine } from "../core/options.js";

/** Checked by scan itself: JAX raises ValueError for a bad unroll, not TypeError. */
const unroll = checkedLater<number | boolean>("a boolean or a non-negative integer");

const SPECS = {
  "lax.scan": [{ length: nonNegInt, reverse: bool, unroll }, ["f", "init", "xs"]],
  "lax.foriLoop": [{ unroll }, ["lower", "upper", "bodyFun", "init"]],
  "lax.map": [{ batchSize: refine(int, "a positive integer", (b) => b >= 1) }, ["f", "xs"]],
  "lax.associativeScan": [{ reverse: bool, axis: int }, ["fn", "elems"]],
} as const;

type Specs = typeof SPECS;

/** The options of one control-flow function, checked. */
export function controlFlowOptions<F extends keyof Specs>(fname: F, opts: unknown) {
  const [spec, leading] = SPECS[fname];
  return checkOptions(fname, opts, spec as Specs[F][0], leading);
}
