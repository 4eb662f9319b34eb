/**
 * Pytrees: nested JS arrays and plain objects whose leaves are arrays (or JS numbers).
 *
 * As in JAX, object keys flatten in sorted order, `null` and `undefined` are empty nodes,
 * and classes can be registered with their own flatten/unflatten.
 */

// biome-ignore lint: any class constructor
type Constructor = abstract new (...args: any[]) => unknown;

interface Registration {
  flatten: (x: any) => [children: unknown[], aux: unknown];
  unflatten: (aux: any, children: unknown[]) => unknown;
}

const registry = new Map<Constructor, Registration>();

export type TreeDef =
  | { readonly kind: "leaf" }
  | { readonly kind: "none"; readonly value: null | undefined }
  | { readonly kind: "list"; readonly children: readonly TreeDef[] }
  | { readonly kind: "dict"; readonly keys: readonly string[]; readonly children: readonly TreeDef[] }
  | { readonly kind: "custom"; readonly cls: Constructor; readonly aux: unknown; readonly children: readonly TreeDef[] };

const LEAF: TreeDef = { kind: "leaf" };

function isPlainObject(x: unknown): x is Record<string, unknown> {
  if (x === null || typeof x !== "object") return false;
  const proto = Object.getPrototypeOf(x);
  return proto === Object.prototype || proto === null;
}

function registrationOf(x: unknown): [Constructor, Registration] | undefined {
  if (x === null || typeof x !== "object") return undefined;
  for (let proto = Object.getPrototypeOf(x); proto !== null; proto = Object.getPrototypeOf(proto)) {
    const reg = registry.get(proto.constructor);
    if (reg) return [proto.constructor, reg];
  }
  return undefined;
}

/** Flattens a tree into its leaves (depth-first, keys sorted) and its structure. */
export function flatten<L = any>(t: unknown): [L[], TreeDef] {
  const leaves: L[] = [];
  const walk = (x: unknown): TreeDef => {
    if (x === null || x === undefined) return { kind: "none", value: x };
    if (globalThis.Array.isArray(x)) return { kind: "list", children: x.map(walk) };
    const reg = registrationOf(x);
    if (reg) {
      const [children, aux] = reg[1].flatten(x);
      return { kind: "custom", cls: reg[0], aux, children: children.map(walk) };
    }
    if (isPlainObject(x)) {
      const keys = Object.keys(x).sort();
      return { kind: "dict", keys, children: keys.map((k) => walk(x[k])) };
    }
    leaves.push(x as L);
    return LEAF;
  };
  const def = walk(t);
  return [leaves, def];
}

/** Rebuilds a tree of the given structure from its leaves. */
export function unflatten<T = any>(treedef: TreeDef, leaves: readonly unknown[]): T {
  const expected = numLeaves(treedef);
  if (leaves.length !== expected)
    throw new TypeError(`tree.unflatten: the structure ${treeDefString(treedef)} has ${expected} leaves, got ${leaves.length}`);
  let i = 0;
  const build = (d: TreeDef): unknown => {
    switch (d.kind) {
      case "leaf":
        return leaves[i++];
      case "none":
        return d.value;
      case "list":
        return d.children.map(build);
      case "dict":
        return Object.fromEntries(d.keys.map((k, j) => [k, build(d.children[j]!)]));
      case "custom":
        return registry.get(d.cls)!.unflatten(d.aux, d.children.map(build));
    }
  };
  return build(treedef) as T;
}

export function numLeaves(d: TreeDef): number {
  switch (d.kind) {
    case "leaf":
      return 1;
    case "none":
      return 0;
    default:
      return d.children.reduce((n, c) => n + numLeaves(c), 0);
  }
}

export function leaves<L = any>(t: unknown): L[] {
  return flatten<L>(t)[0];
}

export function structure(t: unknown): TreeDef {
  return flatten(t)[1];
}

export function treeDefEqual(a: TreeDef, b: TreeDef): boolean {
  if (a.kind !== b.kind) return false;
  switch (a.kind) {
    case "leaf":
      return true;
    case "none":
      return true;
    case "list":
      return a.children.length === (b as typeof a).children.length && a.children.every((c, i) => treeDefEqual(c, (b as typeof a).children[i]!));
    case "dict": {
      const bb = b as typeof a;
      return a.keys.length === bb.keys.length && a.keys.every((k, i) => k === bb.keys[i] && treeDefEqual(a.children[i]!, bb.children[i]!));
    }
    case "custom": {
      const bb = b as typeof a;
      return a.cls === bb.cls && JSON.stringify(a.aux) === JSON.stringify(bb.aux) && a.children.length === bb.children.length && a.children.every((c, i) => treeDefEqual(c, bb.children[i]!));
    }
  }
}

/** `PyTreeDef([*, {a: *, b: *}])`-style text for error messages. */
export function treeDefString(d: TreeDef): string {
  const show = (d: TreeDef): string => {
    switch (d.kind) {
      case "leaf":
        return "*";
      case "none":
        return String(d.value);
      case "list":
        return `[${d.children.map(show).join(", ")}]`;
      case "dict":
        return `{${d.keys.map((k, i) => `${k}: ${show(d.children[i]!)}`).join(", ")}}`;
      case "custom":
        return `${(d.cls as { name?: string }).name ?? "custom"}(${d.children.map(show).join(", ")})`;
    }
  };
  return `PyTreeDef(${show(d)})`;
}

/**
 * Applies `f` to the leaves of `t` and the corresponding leaves of `rest`, which must have
 * `t`'s structure (or have it as a prefix, as in JAX: a leaf of `t` may match a subtree of `rest`).
 */
export function map<R = any>(f: (x: any, ...rest: any[]) => R, t: unknown, ...rest: unknown[]): any {
  const [ls, def] = flatten(t);
  const others = rest.map((r, k) => flattenUpTo(def, r, `tree.map: argument ${k + 2}`));
  return unflatten(def, ls.map((x, i) => f(x, ...others.map((o) => o[i]))));
}

/**
 * The subtrees of `t` at the leaf positions of `prefix` (JAX's `flatten_up_to`): used for
 * tree-prefix arguments like vmap's `inAxes`.
 */
export function flattenUpTo(prefix: TreeDef, t: unknown, what = "tree"): unknown[] {
  const out: unknown[] = [];
  const walk = (d: TreeDef, x: unknown): void => {
    const mismatch = () =>
      new TypeError(`${what}: expected a tree of structure ${treeDefString(prefix)}, got ${treeDefString(structure(t))}`);
    switch (d.kind) {
      case "leaf":
        out.push(x);
        return;
      case "none":
        if (x !== null && x !== undefined) throw mismatch();
        return;
      case "list":
        if (!globalThis.Array.isArray(x) || x.length !== d.children.length) throw mismatch();
        d.children.forEach((c, i) => walk(c, x[i]));
        return;
      case "dict": {
        if (!isPlainObject(x)) throw mismatch();
        const keys = Object.keys(x).sort();
        if (keys.length !== d.keys.length || keys.some((k, i) => k !== d.keys[i])) throw mismatch();
        d.keys.forEach((k, i) => walk(d.children[i]!, x[k]));
        return;
      }
      case "custom": {
        const reg = registrationOf(x);
        if (!reg || reg[0] !== d.cls) throw mismatch();
        const [children] = reg[1].flatten(x);
        if (children.length !== d.children.length) throw mismatch();
        d.children.forEach((c, i) => walk(c, children[i]));
        return;
      }
    }
  };
  walk(prefix, t);
  return out;
}

/** Registers a class as a pytree node with its own flatten/unflatten. */
export function register<C extends Constructor>(
  cls: C,
  flatten: (x: InstanceType<C>) => [children: unknown[], aux: unknown],
  unflatten: (aux: any, children: unknown[]) => InstanceType<C>,
): void {
  registry.set(cls, { flatten, unflatten });
}
