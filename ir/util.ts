/** Builds a table with one entry per key of `keys`, typed so the keys are kept. */
export function tableOf<K extends string, V>(keys: Record<K, unknown>, make: (key: K) => V): Record<K, V> {
  return Object.fromEntries(Object.keys(keys).map((k) => [k, make(k as K)])) as Record<K, V>;
}

export const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

export function unreachable(x: never, what = "value"): never {
  throw new Error(`unreachable ${what}: ${String(x)}`);
}
