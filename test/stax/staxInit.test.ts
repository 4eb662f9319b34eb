/**
 * stax initialization consumes PRNG keys exactly as JAX's stax does (`serial` splits one key off
 * per layer, `parallel` splits n ways, Dense/Conv split in two), so the same key gives the same
 * initial parameters. Golden params from JAX 0.10.2: test/golden/gen_stax_init.py.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { random, stax } from "../../src/index.js";
import { type EncArray, type EncTree, compareTree, decodeInput } from "../goldenTree.js";

interface InitCase {
  arch: string;
  seed: number;
  inputShape: number[];
  outputShape: unknown;
  params: EncTree;
  /** For some architectures: apply's output for this input and apply key (Dropout in train mode). */
  apply?: { input: EncArray; rngSeed: number; output: EncTree };
}
const golden = JSON.parse(readFileSync(new URL("../golden/stax_init.json", import.meta.url), "utf8")) as { cases: InitCase[] };

// The same architectures as ARCHS in gen_stax_init.py, written with stax's positional arguments.
const archs: Record<string, () => stax.Layer> = {
  mlp: () => stax.serial(stax.Dense(8), stax.Relu, stax.Dense(4), stax.LogSoftmax),
  convnet: () =>
    stax.serial(
      stax.Conv(4, [3, 3]),
      stax.Relu,
      stax.MaxPool([2, 2], [2, 2]),
      stax.Conv(6, [3, 3], [1, 1], "SAME"),
      stax.Relu,
      stax.AvgPool([2, 2], [2, 2]),
      stax.Flatten,
      stax.Dense(3),
    ),
  fanout_parallel: () =>
    stax.serial(stax.FanOut(2), stax.parallel(stax.Dense(3), stax.serial(stax.Dense(4), stax.Relu, stax.Dense(3))), stax.FanInSum),
  resnet_block: () =>
    stax.serial(
      stax.Conv(4, [3, 3], { padding: "SAME" }),
      stax.FanOut(2),
      stax.parallel(stax.serial(stax.Conv(4, [3, 3], { padding: "SAME" }), stax.BatchNorm(), stax.Relu), stax.Identity),
      stax.FanInSum,
      stax.ConvTranspose(2, [2, 2], [2, 2]),
      stax.Flatten,
      stax.Dense(2),
    ),
  dense: () => stax.Dense(3),
  // stax's Dropout(0.7) keeps 70%; jaxts's Dropout takes the drop rate.
  dropout_mlp: () => stax.serial(stax.Dense(6), stax.Dropout(0.3), stax.Relu, stax.Dense(3), stax.Dropout(0.3, "train")),
};

describe("stax init matches JAX's stax for the same key", () => {
  it("covers every architecture in the golden file", () => {
    expect(new Set(golden.cases.map((c) => c.arch))).toEqual(new Set(Object.keys(archs)));
  });
  for (const c of golden.cases) {
    it(`${c.arch}, PRNGKey(${c.seed})`, () => {
      const [init] = archs[c.arch]!();
      const [outShape, params] = init(random.PRNGKey(c.seed), c.inputShape);
      expect(outShape).toEqual(c.outputShape);
      const errs: string[] = [];
      // float32 samplers are bit-for-bit with JAX's; the tolerance only absorbs the last ulp.
      compareTree(params, c.params, 1e-6, 1e-7, "params", errs);
      if (c.apply) {
        // apply splits its rng one key per layer too (n ways at once, as stax's serial apply_fun).
        const out = archs[c.arch]!()[1](params, decodeInput(c.apply.input), { rng: random.PRNGKey(c.apply.rngSeed) });
        compareTree(out, c.apply.output, 1e-5, 1e-6, "apply output", errs);
      }
      expect(errs).toEqual([]);
    });
  }
});
