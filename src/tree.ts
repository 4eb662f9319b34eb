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

/** JAX's `is_leaf`: a predicate that stops flattening at the subtrees it accepts. */
export interface IsLeafOption {
  isLeaf?: ((x: unknown) => boolean) | null;
}

/**
 * Flattens a tree into its leaves (depth-first, keys sorted) and its structure; with
 * `{isLeaf}`, every subtree the predicate accepts is a leaf (JAX's `tree_flatten(t, is_leaf)`).
 */
export function flatten<L = any>(t: unknown, opts: IsLeafOption = {}): [L[], TreeDef] {
  const isLeaf = isLeafOf("tree.flatten", opts);
  const leaves: L[] = [];
  const walk = (x: unknown): TreeDef => {
    if (isLeaf?.(x)) {
      leaves.push(x as L);
      return LEAF;
    }
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

export function leaves<L = any>(t: unknown, opts: IsLeafOption = {}): L[] {
  return flatten<L>(t, opts)[0];
}

export function structure(t: unknown, opts: IsLeafOption = {}): TreeDef {
  return flatten(t, opts)[1];
}

/** The `isLeaf` predicate of an options argument, checked (unknown keys are an error, as everywhere). */
function isLeafOf(fn: string, opts: unknown): ((x: unknown) => boolean) | undefined {
  if (opts === undefined) return undefined;
  if (!isPlainObject(opts)) throw new TypeError(`${fn}: options must be an object {isLeaf?}, got ${typeof opts}`);
  const bad = Object.keys(opts).filter((k) => k !== "isLeaf");
  if (bad.length > 0) throw new TypeError(`${fn}: unknown option ${bad.map((k) => JSON.stringify(k)).join(", ")}; it accepts {isLeaf?}`);
  const f = opts.isLeaf;
  if (f !== undefined && f !== null && typeof f !== "function") throw new TypeError(`${fn}: isLeaf must be a function or null, got ${typeof f}`);
  return (f as ((x: unknown) => boolean) | null | undefined) ?? undefined;
}

/**
 * Whether the last argument of `tree.map` is its options object rather than one more tree:
 * a plain object whose only key is `isLeaf`, holding a function, null or undefined. (A pytree
 * of that one shape would have a function or nothing as its only leaf, which no transform
 * accepts; wrap such a tree in an array to map over it.)
 */
function isMapOptions(x: unknown): x is IsLeafOption {
  if (!isPlainObject(x)) return false;
  const keys = Object.keys(x);
  return keys.length === 1 && keys[0] === "isLeaf" && (x.isLeaf === null || x.isLeaf === undefined || typeof x.isLeaf === "function");
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
 *
 * JAX's `tree.map(f, tree, *rest, is_leaf=...)` is `tree.map(f, t, ...rest, {isLeaf})`: a last
 * argument that is a plain object with the single key `isLeaf` is the options object, not a tree.
 * `isLeaf` applies to `t`, as in JAX; `rest` is flattened up to `t`'s structure.
 */
export function map<R = any>(f: (x: any, ...rest: any[]) => R, t: unknown, ...rest: unknown[]): any {
  if (typeof f !== "function") throw new TypeError(`tree.map: the first argument must be a function, got ${typeof f}`);
  const opts = rest.length > 0 && isMapOptions(rest[rest.length - 1]) ? (rest.pop() as IsLeafOption) : {};
  const [ls, def] = flatten(t, opts);
  const others = rest.map((r, k) => flattenUpTo(def, r, `tree.map: argument ${k + 2}`));
  return unflatten(def, ls.map((x, i) => f(x, ...others.map((o) => o[i]))));
}

/**
 * JAX's `tree.transpose(outer_treedef, inner_treedef, pytree)`: turns a tree of structure
 * `outer` whose leaves are trees of structure `inner` into a tree of structure `inner` whose
 * leaves are trees of structure `outer`. With `inner` null it is read from the first subtree.
 */
export function transpose<T = any>(outer: TreeDef, inner: TreeDef | null | undefined, t: unknown): T {
  for (const [name, d] of [["outerTreedef", outer], ["innerTreedef", inner]] as const)
    if (d !== null && d !== undefined && !isTreeDef(d))
      throw new TypeError(`tree.transpose: ${name} must be a tree structure (from tree.structure), got ${typeof d}`);
  const subtrees = flattenUpTo(outer, t, "tree.transpose: the outer structure");
  if (inner === null || inner === undefined) {
    if (subtrees.length === 0) throw new TypeError("tree.transpose: the outer structure has no leaves, so innerTreedef cannot be inferred; pass it");
    inner = structure(subtrees[0]);
  }
  const innerDef = inner;
  const rows = subtrees.map((sub, i) => {
    const got = structure(sub);
    if (!treeDefEqual(got, innerDef))
      throw new TypeError(`tree.transpose: leaf ${i} of the outer structure ${treeDefString(outer)} has structure ${treeDefString(got)}, expected the inner structure ${treeDefString(innerDef)}`);
    return flatten(sub)[0];
  });
  const columns = range(numLeaves(innerDef)).map((j) => unflatten(outer, rows.map((r) => r[j])));
  return unflatten<T>(innerDef, columns);
}

const range = (n: number): number[] => globalThis.Array.from({ length: n }, (_, i) => i);

function isTreeDef(d: unknown): d is TreeDef {
  return d !== null && typeof d === "object" && ["leaf", "none", "list", "dict", "custom"].includes((d as { kind?: string }).kind ?? "");
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
