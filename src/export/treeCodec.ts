/**
 * Tree structures (TreeDef) as JSON, for serialized exports: leaves, `null`/`undefined`, lists
 * and dicts with their keys. Classes registered with `tree.register` live only in the process
 * that registered them, so an export whose arguments or outputs hold one cannot be written.
 */
import type { TreeDef } from "../tree.js";
import { InvalidContentsError, type JsonValue, NotSerializableError } from "./jaxprCodec.js";

export function encodeTree(d: TreeDef, what: string): JsonValue {
  switch (d.kind) {
    case "leaf":
      return "*";
    case "none":
      return d.value === null ? null : { undefined: true };
    case "list":
      return d.children.map((c) => encodeTree(c, what));
    case "dict":
      return { keys: [...d.keys], children: d.children.map((c) => encodeTree(c, what)) };
    case "custom":
      throw new NotSerializableError(
        `${what} holds an instance of ${d.cls.name || "a registered class"} (a tree.register node), which a serialized export cannot rebuild in another process; pass plain lists and objects`,
      );
  }
}

export function decodeTree(x: unknown, what: string): TreeDef {
  if (x === "*") return { kind: "leaf" };
  if (x === null) return { kind: "none", value: null };
  if (Array.isArray(x)) return { kind: "list", children: x.map((c) => decodeTree(c, what)) };
  if (typeof x === "object") {
    const o = x as Record<string, unknown>;
    if (o.undefined === true) return { kind: "none", value: undefined };
    if (Array.isArray(o.keys) && Array.isArray(o.children) && o.keys.length === o.children.length && o.keys.every((k) => typeof k === "string"))
      return { kind: "dict", keys: o.keys as string[], children: o.children.map((c) => decodeTree(c, what)) };
  }
  throw new InvalidContentsError(`${what}: not a tree structure: ${JSON.stringify(x)}`);
}
