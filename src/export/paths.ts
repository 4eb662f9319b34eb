/** Names of a tree's leaves as paths (`args[0].w[1]`), for error messages that point at one argument. */
import type { TreeDef } from "../tree.js";

const IDENT = /^[A-Za-z_$][\w$]*$/;

export function leafPaths(d: TreeDef, root: string): string[] {
  const out: string[] = [];
  const walk = (t: TreeDef, path: string) => {
    switch (t.kind) {
      case "leaf":
        out.push(path);
        return;
      case "none":
        return;
      case "list":
        t.children.forEach((c, i) => walk(c, `${path}[${i}]`));
        return;
      case "dict":
        t.children.forEach((c, i) => {
          const k = t.keys[i]!;
          walk(c, IDENT.test(k) ? `${path}.${k}` : `${path}[${JSON.stringify(k)}]`);
        });
        return;
      case "custom":
        t.children.forEach((c, i) => walk(c, `${path}<${i}>`));
    }
  };
  walk(d, root);
  return out;
}
