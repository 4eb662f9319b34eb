/**
 * Replays test/golden/random.json (written by test/golden/gen_random.py from JAX 0.10.2) for the
 * random and nn.initializers golden tests. Bits, keys, integers and booleans must match exactly,
 * and so must float32 samples, compared as bit patterns: normal, truncatedNormal, gumbel and
 * categorical included (see src/random/xlaMath.ts). Tolerances apply only where a case says so:
 * "qr" (orthogonal: JAX's LAPACK QR vs ours, float32 rounding) and "f64" (float64 samplers
 * that go through erf/erfInv/log, computed by jaxts's own near correctly rounded functions).
 */
import { readFileSync } from "node:fs";
import { expect } from "vitest";
import type { JArray } from "../../src/core/array.js";
import * as init from "../../src/nn/initializers.js";
import * as np from "../../src/numpy/index.js";
import * as random from "../../src/random/index.js";

interface EncArray {
  array: unknown;
  dtype: np.DType;
}
interface Out {
  dtype: string;
  shape: number[];
  data: number[];
}
export interface Case {
  name: string;
  fn: string;
  seed: string;
  path?: (["split", number, number] | ["foldIn", number])[];
  args: Record<string, any>;
  tol?: "qr" | "f64";
  out: Out;
}

export const golden: { jax_version: string; cases: Case[] } = JSON.parse(readFileSync(new URL("../golden/random.json", import.meta.url), "utf8"));

const dec = (v: unknown): any =>
  v !== null && typeof v === "object" && "array" in (v as object) ? np.array((v as EncArray).array as any, { dtype: (v as EncArray).dtype }) : v;

function seedOf(s: string): number | bigint {
  const b = BigInt(s);
  return b >= BigInt(Number.MIN_SAFE_INTEGER) && b <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(b) : b;
}

export function keyFor(c: Pick<Case, "seed" | "path">): JArray {
  let k = random.key(seedOf(c.seed));
  for (const step of c.path ?? []) k = step[0] === "split" ? random.split(k, step[1]).slice(step[2]) : random.foldIn(k, step[1]);
  return k;
}

const initNames: Record<string, string> = { in_axis: "inAxis", out_axis: "outAxis", batch_axis: "batchAxis", column_axis: "columnAxis" };

function runInit(k: JArray, a: Record<string, any>): JArray {
  const kw: Record<string, any> = {};
  for (const [n, v] of Object.entries(a.kw as Record<string, any>)) kw[initNames[n] ?? n] = v;
  const shape = a.shape as number[];
  const dtype = a.dtype as "float32" | "float64" | undefined;
  switch (a.init as string) {
    case "zeros":
      return init.zeros(k, shape, dtype);
    case "ones":
      return init.ones(k, shape, dtype);
    case "constant":
      return init.constant(kw.value)(k, shape, dtype);
    case "uniform":
      return init.uniform(kw.scale)(k, shape, dtype);
    case "normal":
      return init.normal(kw.stddev)(k, shape, dtype);
    case "truncatedNormal":
      return init.truncatedNormal(kw.stddev, { lower: kw.lower, upper: kw.upper })(k, shape, dtype);
    case "varianceScaling": {
      const { scale, mode, distribution, ...rest } = kw;
      return init.varianceScaling(scale, mode, distribution, rest)(k, shape, dtype);
    }
    case "orthogonal":
      return init.orthogonal(kw.scale, { columnAxis: kw.columnAxis })(k, shape, dtype);
    default: {
      const builder = (init as any)[a.init] as (o: object) => init.Initializer;
      if (typeof builder !== "function") throw new Error(`no initializer ${a.init}`);
      return builder(kw)(k, shape, dtype);
    }
  }
}

export function runCase(c: Case): JArray {
  const a: Record<string, any> = Object.fromEntries(Object.entries(c.args).map(([n, v]) => [n, dec(v)]));
  const k = keyFor(c);
  const dtype = a.dtype;
  switch (c.fn) {
    case "key":
      return k;
    case "split":
      return random.split(k, a.num);
    case "foldIn":
      return random.foldIn(k, a.data);
    case "bits":
      return random.bits(k, a.shape);
    case "uniform":
      return random.uniform(k, a.shape, { dtype, minval: a.minval, maxval: a.maxval });
    case "normal":
      return random.normal(k, a.shape, { dtype });
    case "truncatedNormal":
      return random.truncatedNormal(k, a.lower, a.upper, a.shape, { dtype });
    case "bernoulli":
      return random.bernoulli(k, a.p, a.shape, { mode: a.mode });
    case "gumbel":
      return random.gumbel(k, a.shape, { dtype, mode: a.mode });
    case "categorical":
      return random.categorical(k, a.logits, { axis: a.axis, shape: a.shape, replace: a.replace });
    case "permutation":
      return random.permutation(k, a.x, { axis: a.axis, independent: a.independent });
    case "randint":
      return random.randint(k, a.shape, a.minval, a.maxval, { dtype });
    case "orthogonal":
      return random.orthogonal(k, a.n, a.shape, { m: a.m ?? undefined });
    case "init":
      return runInit(k, a);
  }
  throw new Error(`unknown fn ${c.fn}`);
}

/** float32 values as their uint32 bit patterns. */
const bitsOf = (x: JArray): number[] => Array.from(new Uint32Array(new Float32Array(x.dataSync() as Float32Array).buffer));

export function check(c: Case, got: JArray): void {
  const dtype = c.out.dtype === "bool" ? "bool" : c.out.dtype;
  expect(got.dtype, `${c.name}: dtype`).toBe(dtype);
  expect([...got.shape], `${c.name}: shape`).toEqual(c.out.shape);
  if (c.tol === "qr") {
    const want = new Float32Array(new Uint32Array(c.out.data).buffer);
    const have = got.dataSync();
    for (let i = 0; i < want.length; i++) expect(Math.abs(have[i]! - want[i]!), `${c.name}[${i}]: ${have[i]} vs ${want[i]}`).toBeLessThan(2e-5);
    return;
  }
  if (c.tol === "f64") {
    const have = got.dataSync();
    c.out.data.forEach((w, i) => expect(Math.abs(have[i]! - w), `${c.name}[${i}]: ${have[i]} vs ${w}`).toBeLessThanOrEqual(4e-15 * Math.max(1, Math.abs(w))));
    return;
  }
  if (dtype === "float32") {
    const have = bitsOf(got);
    const bad = c.out.data.map((w, i) => [i, w, have[i]!] as const).filter(([, w, h]) => w !== h);
    const ulps = bad.map(([, w, h]) => Math.abs((w | 0) - (h | 0)));
    expect(bad.length, `${c.name}: ${bad.length}/${have.length} float32 values differ from JAX (max ${Math.max(0, ...ulps)} ulp), first at ${bad[0]?.[0]}`).toBe(0);
    return;
  }
  expect(Array.from(got.dataSync(), Number), c.name).toEqual(c.out.data);
}

