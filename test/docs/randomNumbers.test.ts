/**
 * Port of JAX's "Pseudorandom numbers": https://docs.jax.dev/en/latest/random-numbers.html,
 * "Random numbers in JAX" (the same key always gives the same draw; the loop that splits off a
 * subkey per draw) and the splitting examples (`random.split(key, num=43)`, a sequence of draws
 * from split keys). Golden values: test/golden/gen_docs.py ("random"); bits must match exactly.
 */
import { describe, it } from "vitest";
import { numpy as np, random } from "../../src/index.js";
import { expectLikeJax, golden } from "./docsGolden.js";

type Arr = np.Array;
const g = golden("random");

describe("pseudorandom numbers", () => {
  it("the same key gives the same draw", () => {
    const key = random.key(42);
    expectLikeJax(random.normal(key), g.draw_a, 0, 0, "first draw");
    expectLikeJax(random.normal(key), g.draw_b, 0, 0, "second draw");
  });

  it("splitting a new key and a subkey for each draw", () => {
    let key: Arr = random.key(42);
    const draws: Arr[] = [];
    for (let i = 0; i < 3; i++) {
      const keys = random.split(key);
      const [newKey, subkey] = [keys.slice(0), keys.slice(1)];
      draws.push(random.normal(subkey));
      key = newKey; // the old key is consumed by split: never reuse it
    }
    expectLikeJax(draws, g.loop_draws, 0, 0, "loop draws");
    expectLikeJax(random.keyData(key), g.key_after_loop, 0, 0, "key after the loop");
    const split = random.split(key);
    expectLikeJax(random.keyData(split.slice(1)), g.split_subkey, 0, 0, "subkey");
    // key, *forty_two_subkeys = random.split(key, num=43)
    const many = random.split(split.slice(0), 43);
    expectLikeJax(random.keyData(many.slice(1)), g.subkey_0_of_42, 0, 0, "first of 42 subkeys");
    expectLikeJax(random.keyData(many.slice(42)), g.subkey_41_of_42, 0, 0, "last of 42 subkeys");
  });

  it("a sequence of draws from split keys, and uniform", () => {
    const subkeys = random.split(random.key(42), 3);
    const sequence = np.stack([0, 1, 2].map((i) => random.normal(subkeys.slice(i))));
    expectLikeJax(sequence, g.sequence, 0, 0, "sequence");
    expectLikeJax(random.uniform(random.key(42), [3]), g.uniform_3, 0, 0, "uniform");
  });
});
