/**
 * A character-level LSTM language model over English words: it reads Debian's `wamerican` word
 * list (/usr/share/dict/words; `sudo apt-get install wamerican`), or a small bundled list when
 * that is absent, learns to predict each next letter, prints the loss falling, and then invents
 * new words by sampling one letter at a time with `random.categorical`.
 *
 * The LSTM (stax.LSTM) runs its time loop with `lax.scan`, so the whole training step,
 * `jit(valueAndGrad(loss))` plus Adam, is one compiled program traced once; sampling is a
 * `lax.foriLoop` over positions with the LSTM's scan nested inside, also one compiled program.
 *
 *   node dist/examples/char-rnn.js [--steps N] [--hidden N] [--batch-size N] [--samples N]
 */
import { existsSync, readFileSync } from "node:fs";
import { jit, lax, nn, numpy as np, optax, random, stax, valueAndGrad } from "../src/index.js";
import { argValue } from "./lenet.js";
import { FALLBACK_WORDS } from "./words-fallback.js";

export const WORDS_PATH = "/usr/share/dict/words";
/** Token 0 marks both the start and the end of a word; 1..26 are the letters a..z. */
export const VOCAB = `\n${"abcdefghijklmnopqrstuvwxyz"}`;
const V = VOCAB.length;

export interface CharRnnOptions {
  /** Training steps (default 300). */
  steps?: number;
  hidden?: number;
  batchSize?: number;
  learningRate?: number;
  /** Words longer than this are left out (default 10). */
  maxLen?: number;
  /** How many new words to sample at the end (default 12). */
  samples?: number;
  temperature?: number;
  seed?: number;
  /** Print progress (default true). */
  log?: boolean;
  /** Use the bundled list even when wamerican is installed. */
  bundled?: boolean;
}

export interface CharRnnResult {
  losses: number[];
  samples: string[];
  dataset: "wamerican" | "bundled";
  numWords: number;
}

/** Lowercase words of 2..maxLen letters from wamerican (proper nouns and possessives left out), or the bundled list. */
export function loadWords(maxLen: number, bundled = false): { words: string[]; dataset: "wamerican" | "bundled" } {
  const keep = (w: string) => /^[a-z]+$/.test(w) && w.length >= 2 && w.length <= maxLen;
  if (!bundled && existsSync(WORDS_PATH)) {
    const words = readFileSync(WORDS_PATH, "utf8").split("\n").filter(keep);
    if (words.length > 0) return { words, dataset: "wamerican" };
  }
  return { words: FALLBACK_WORDS.filter(keep), dataset: "bundled" };
}

/**
 * A batch of words as int32 [batch, maxLen + 1] arrays: inputs start with the boundary token,
 * targets are the inputs shifted by one and end with it, and the mask covers each word's letters
 * and its end (the padding after it does not count in the loss).
 */
export function encodeBatch(words: readonly string[], maxLen: number): { inputs: np.Array; targets: np.Array; mask: np.Array } {
  const T = maxLen + 1;
  const inputs = new Int32Array(words.length * T);
  const targets = new Int32Array(words.length * T);
  const mask = new Float32Array(words.length * T);
  words.forEach((w, b) => {
    for (let t = 0; t < w.length; t++) {
      const c = VOCAB.indexOf(w[t]!);
      inputs[b * T + t + 1] = c;
      targets[b * T + t] = c;
    }
    for (let t = 0; t <= w.length; t++) mask[b * T + t] = 1;
  });
  const shape = [words.length, T];
  return { inputs: np.array(inputs, { shape }), targets: np.array(targets, { shape }), mask: np.array(mask, { shape }) };
}

/** The model: one-hot letters, an LSTM, and a dense layer giving next-letter logits at every position. */
export function charModel(hidden: number): stax.Layer {
  const [init, apply] = stax.serial(stax.LSTM(hidden), stax.Dense(V));
  return [init, (params, tokens: np.Array) => apply(params, nn.oneHot(tokens, V))];
}

/** Mean cross-entropy of the next letter over the masked positions. */
export function charLoss(apply: stax.ApplyFun) {
  return (params: unknown, inputs: np.Array, targets: np.Array, mask: np.Array) => {
    const ce = optax.softmaxCrossEntropyWithIntegerLabels(apply(params, inputs), targets);
    return np.divide(np.sum(np.multiply(ce, mask)), np.sum(mask));
  };
}

/**
 * Samples `n` words: starting from the boundary token, each position's logits give the next
 * letter by `random.categorical`, in a `lax.foriLoop` over positions inside one jitted program.
 */
export function makeSampler(apply: stax.ApplyFun, n: number, maxLen: number, temperature = 1) {
  const T = maxLen + 1;
  const sampleTokens = jit((params: unknown, key: np.Array) =>
    lax.foriLoop(
      0,
      T - 1,
      (t, seqs: np.Array) => {
        const logits = apply(params, seqs) as np.Array; // [n, T, V]; causal, so positions after t do not matter
        let here = np.reshape(lax.dynamicSlice(logits, [0, t, 0], [n, 1, V]), [n, V]);
        // A word has at least one letter: the boundary token cannot come first.
        here = np.where(np.logicalAnd(np.equal(t, 0), np.equal(np.arange(V), 0)), -Infinity, here);
        const next = random.categorical(random.foldIn(key, t), np.divide(here, temperature));
        return lax.dynamicUpdateSlice(seqs, np.reshape(next, [n, 1]), [0, lax.add(t, 1)]);
      },
      np.zeros([n, T], { dtype: "int32" }),
    ),
  );
  return (params: unknown, key: np.Array): string[] => {
    const rows = sampleTokens(params, key).tolist() as number[][];
    return rows.map((row) => {
      const end = row.indexOf(0, 1);
      return row
        .slice(1, end < 0 ? T : end)
        .map((c) => VOCAB[c])
        .join("");
    });
  };
}

/** A seeded xorshift generator, for picking batches of words. */
function xorshift(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
}

export function trainCharRnn(opts: CharRnnOptions = {}): CharRnnResult {
  const log = opts.log ?? true;
  const steps = opts.steps ?? 300;
  const hidden = opts.hidden ?? 64;
  const batchSize = opts.batchSize ?? 64;
  const maxLen = opts.maxLen ?? 10;
  const { words, dataset } = loadWords(maxLen, opts.bundled);
  if (log)
    console.log(
      dataset === "wamerican"
        ? `${words.length} words from ${WORDS_PATH}`
        : `${WORDS_PATH} is not installed (sudo apt-get install wamerican); training on ${words.length} bundled words`,
    );

  const [init, apply] = charModel(hidden);
  const key = random.key(opts.seed ?? 0);
  const keys = random.split(key);
  let [, params] = init(keys.slice(0), [batchSize, maxLen + 1, V]);
  const opt = optax.adam(opts.learningRate ?? 1e-2);
  let state = opt.init(params);
  const loss = charLoss(apply);
  // One compiled program per step: forward scan, its transpose, and Adam.
  const step = jit((p: unknown, s: unknown, x: np.Array, y: np.Array, m: np.Array) => {
    const [l, g] = valueAndGrad(loss)(p, x, y, m);
    const [updates, s2] = opt.update(g, s, p);
    return [optax.applyUpdates(p, updates), s2, l];
  });

  const rand = xorshift((opts.seed ?? 0) + 1);
  const losses: number[] = [];
  const every = Math.max(1, Math.floor(steps / 10));
  const start = performance.now();
  for (let k = 0; k < steps; k++) {
    const batch = Array.from({ length: batchSize }, () => words[Math.floor(rand() * words.length)]!);
    const { inputs, targets, mask } = encodeBatch(batch, maxLen);
    const [p, s, l] = step(params, state, inputs, targets, mask) as [unknown, unknown, np.Array];
    params = p;
    state = s;
    losses.push(Number(l));
    if (log && ((k + 1) % every === 0 || k === 0))
      console.log(`step ${String(k + 1).padStart(5)}/${steps}  loss ${losses[k]!.toFixed(4)}  (${((performance.now() - start) / (k + 1)).toFixed(1)} ms/step)`);
  }

  const samples = makeSampler(apply, opts.samples ?? 12, maxLen, opts.temperature ?? 0.8)(params, keys.slice(1));
  if (log) {
    const known = new Set(words);
    console.log(`sampled words (* = not in the training list): ${samples.map((w) => (known.has(w) ? w : `${w}*`)).join(" ")}`);
  }
  return { losses, samples, dataset, numWords: words.length };
}

const isMain = import.meta.url === `file://${process.argv[1]}`;
if (isMain) {
  trainCharRnn({ steps: argValue("steps"), hidden: argValue("hidden"), batchSize: argValue("batch-size"), samples: argValue("samples") });
}
