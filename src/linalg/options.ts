/**
 * Strict options for the linear-algebra functions: an unknown key is a TypeError naming the
 * function and the keys it accepts (JAX's class for an unexpected keyword argument). One
 * helper, so it can be swapped for the shared argument-normalization layer later.
 */
export function linalgOptions<T extends Record<string, unknown>>(fn: string, opts: unknown, defaults: T): T {
  if (opts === undefined || opts === null) return { ...defaults };
  if (typeof opts !== "object" || Array.isArray(opts))
    throw new TypeError(`${fn}: expected an options object {${Object.keys(defaults).join(", ")}}, got ${Array.isArray(opts) ? "an array" : typeof opts}`);
  const accepted = Object.keys(defaults);
  for (const k of Object.keys(opts))
    if (!accepted.includes(k))
      throw new TypeError(`${fn} got an unexpected option '${k}'; it accepts ${accepted.length ? accepted.map((a) => `'${a}'`).join(", ") : "no options"}`);
  const out: Record<string, unknown> = { ...defaults };
  for (const [k, v] of Object.entries(opts)) if (v !== undefined) out[k] = v;
  return out as T;
}
