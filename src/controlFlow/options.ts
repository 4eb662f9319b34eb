/** Strict options for the control-flow functions: an unknown key is a TypeError listing the accepted ones. */
export function checkOptions<T extends object>(fname: string, opts: T | undefined, accepted: readonly (keyof T & string)[]): T {
  if (opts === undefined || opts === null) return {} as T;
  if (typeof opts !== "object" || Array.isArray(opts))
    throw new TypeError(`${fname}: expected an options object {${accepted.join(", ")}} as the last argument, got ${String(opts)}`);
  for (const k of Object.keys(opts))
    if (!(accepted as readonly string[]).includes(k))
      throw new TypeError(`${fname}: unknown option '${k}'; the accepted options are ${accepted.map((a) => `'${a}'`).join(", ")}`);
  return opts;
}
