/**
 * Property tests draw a fresh random seed on every run, so that local runs keep exploring new
 * shapes and values. CI sets JAXTS_FC_SEED so that whether a commit lands does not depend on the
 * draw; a counterexample found locally (fast-check prints its seed) becomes a regression test.
 */
import fc from "fast-check";

const seed = process.env.JAXTS_FC_SEED;
if (seed !== undefined && seed !== "") {
  const n = Number(seed);
  if (!Number.isInteger(n)) throw new Error(`JAXTS_FC_SEED must be an integer, got ${JSON.stringify(seed)}`);
  fc.configureGlobal({ ...fc.readConfigureGlobal(), seed: n });
}
