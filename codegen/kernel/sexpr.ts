/**
 * Scalar expressions: what a kernel computes at one point of its index space. Loads read a
 * buffer at an index expression; the rest are the elementwise primitives, index predicates (for
 * pad and concatenate), iota values, and at most one reduction. Nodes are hash-consed by
 * structure, so equal subexpressions are one object and a renderer computes each once.
 */
import type { DType } from "../../ir/dtype.js";
import type { BinaryPrimitive, ComparisonPrimitive, UnaryPrimitive } from "../../ir/primitives.js";
import { type IExpr, type IVar, irange, isubst, showIExpr } from "./iexpr.js";

export type ReduceOp = "sum" | "prod" | "max" | "min" | "and" | "or" | "argmax" | "argmin";

/** An index predicate: `e op c`. */
export type ICmp = "lt" | "ge" | "eq";

export type SNode =
  | { readonly k: "load"; readonly buf: number; readonly index: IExpr; readonly dtype: DType }
  | { readonly k: "const"; readonly value: number; readonly dtype: DType }
  | { readonly k: "iota"; readonly index: IExpr; readonly dtype: DType }
  | { readonly k: "icond"; readonly index: IExpr; readonly op: ICmp; readonly c: number; readonly dtype: "bool" }
  | { readonly k: "unary"; readonly op: UnaryPrimitive; readonly a: SExpr; readonly dtype: DType }
  | { readonly k: "binary"; readonly op: BinaryPrimitive; readonly a: SExpr; readonly b: SExpr; readonly dtype: DType }
  | { readonly k: "compare"; readonly op: ComparisonPrimitive; readonly a: SExpr; readonly b: SExpr; readonly dtype: "bool" }
  | { readonly k: "select"; readonly which: SExpr; readonly cases: readonly SExpr[]; readonly dtype: DType }
  | { readonly k: "clamp"; readonly lo: SExpr; readonly x: SExpr; readonly hi: SExpr; readonly dtype: DType }
  | { readonly k: "convert"; readonly a: SExpr; readonly dtype: DType }
  | { readonly k: "bitcast"; readonly a: SExpr; readonly dtype: DType }
  | { readonly k: "round"; readonly a: SExpr; readonly method: "awayFromZero" | "toNearestEven"; readonly dtype: DType }
  | { readonly k: "ipow"; readonly a: SExpr; readonly y: number; readonly dtype: DType }
  | {
      readonly k: "reduce";
      readonly op: ReduceOp;
      readonly body: SExpr;
      /** The reduced loop variables, outermost first. argmax/argmin have exactly one. */
      readonly rvars: readonly IVar[];
      /** The result dtype (the body's, or the index dtype of argmax/argmin). */
      readonly dtype: DType;
      /**
       * argmax/argmin only: fold as XLA folds a select-and-scatter's select (ge / le), the
       * pooling gradient's choice: a position replaces the one held unless the held value is
       * >= (<=) it, so ties keep the first and a NaN is replaced by the next position. Without
       * it, argmax's rule: the first NaN wins and stays.
       */
      readonly selectFold?: true;
    }
  /** The accumulator of a contraction, in its epilogue. */
  | { readonly k: "acc"; readonly dtype: DType };

/** A hash-consed node: `id` is unique per structure within a factory. */
export type SExpr = SNode & { readonly id: number };

/** Operand dtype of a node (what `a` holds, for comparisons and conversions). */
export const dtypeOf = (e: SExpr): DType => e.dtype;

export class NodeFactory {
  private table = new Map<string, SExpr>();
  private next = 0;

  private intern(node: SNode, key: string): SExpr {
    let e = this.table.get(key);
    if (e === undefined) {
      e = Object.freeze({ ...node, id: this.next++ }) as SExpr;
      this.table.set(key, e);
    }
    return e;
  }

  load(buf: number, index: IExpr, dtype: DType): SExpr {
    return this.intern({ k: "load", buf, index, dtype }, `L${buf}|${index.key}|${dtype}`);
  }
  const(value: number, dtype: DType): SExpr {
    const v = Object.is(value, -0) ? "-0" : String(value);
    return this.intern({ k: "const", value, dtype }, `C${v}|${dtype}`);
  }
  iota(index: IExpr, dtype: DType): SExpr {
    return this.intern({ k: "iota", index, dtype }, `I${index.key}|${dtype}`);
  }
  /** `index op c`, folded to a constant when the range decides it. */
  icond(index: IExpr, op: ICmp, c: number): SExpr {
    const [lo, hi] = irange(index);
    const always = op === "lt" ? hi < c : op === "ge" ? lo >= c : lo === hi && lo === c;
    const never = op === "lt" ? lo >= c : op === "ge" ? hi < c : c < lo || c > hi;
    if (always) return this.const(1, "bool");
    if (never) return this.const(0, "bool");
    return this.intern({ k: "icond", index, op, c, dtype: "bool" }, `Q${index.key}|${op}|${c}`);
  }
  unary(op: UnaryPrimitive, a: SExpr, dtype: DType): SExpr {
    return this.intern({ k: "unary", op, a, dtype }, `U${op}|${a.id}|${dtype}`);
  }
  binary(op: BinaryPrimitive, a: SExpr, b: SExpr, dtype: DType): SExpr {
    // Decided predicates (index-set splitting folds icond to constants) fold through and/or.
    if (dtype === "bool" && (op === "and" || op === "or")) {
      const absorb = op === "and" ? 0 : 1;
      for (const [x, y] of [[a, b], [b, a]] as const) if (x.k === "const") return x.value === absorb ? x : y;
    }
    return this.intern({ k: "binary", op, a, b, dtype }, `B${op}|${a.id}|${b.id}|${dtype}`);
  }
  compare(op: ComparisonPrimitive, a: SExpr, b: SExpr): SExpr {
    return this.intern({ k: "compare", op, a, b, dtype: "bool" }, `K${op}|${a.id}|${b.id}`);
  }
  select(which: SExpr, cases: readonly SExpr[], dtype: DType): SExpr {
    if (which.k === "const") {
      const i = Math.min(Math.max(which.value, 0), cases.length - 1);
      return cases[i]!;
    }
    if (cases.every((c) => c === cases[0])) return cases[0]!;
    return this.intern({ k: "select", which, cases, dtype }, `S${which.id}|${cases.map((c) => c.id).join(",")}|${dtype}`);
  }
  clamp(lo: SExpr, x: SExpr, hi: SExpr, dtype: DType): SExpr {
    return this.intern({ k: "clamp", lo, x, hi, dtype }, `P${lo.id}|${x.id}|${hi.id}`);
  }
  convert(a: SExpr, dtype: DType): SExpr {
    if (a.dtype === dtype) return a;
    return this.intern({ k: "convert", a, dtype }, `V${a.id}|${dtype}`);
  }
  bitcast(a: SExpr, dtype: DType): SExpr {
    if (a.dtype === dtype) return a;
    return this.intern({ k: "bitcast", a, dtype }, `X${a.id}|${dtype}`);
  }
  round(a: SExpr, method: "awayFromZero" | "toNearestEven"): SExpr {
    return this.intern({ k: "round", a, method, dtype: a.dtype }, `R${a.id}|${method}`);
  }
  ipow(a: SExpr, y: number): SExpr {
    return this.intern({ k: "ipow", a, y, dtype: a.dtype }, `W${a.id}|${y}`);
  }
  reduce(op: ReduceOp, body: SExpr, rvars: readonly IVar[], dtype: DType, selectFold = false): SExpr {
    const key = `G${op}${selectFold ? "~select" : ""}|${body.id}|${rvars.map((v) => v.id).join(",")}|${dtype}`;
    return this.intern(selectFold ? { k: "reduce", op, body, rvars, dtype, selectFold } : { k: "reduce", op, body, rvars, dtype }, key);
  }
  acc(dtype: DType): SExpr {
    return this.intern({ k: "acc", dtype }, `A${dtype}`);
  }

  /** Rebuilds a node with its index expressions rewritten (and re-simplified). */
  mapIndices(e: SExpr, f: (x: IExpr) => IExpr, memo = new Map<number, SExpr>()): SExpr {
    const hit = memo.get(e.id);
    if (hit) return hit;
    const r = (x: SExpr) => this.mapIndices(x, f, memo);
    let out: SExpr;
    switch (e.k) {
      case "load":
        out = this.load(e.buf, f(e.index), e.dtype);
        break;
      case "const":
      case "acc":
        out = e;
        break;
      case "iota":
        out = this.iota(f(e.index), e.dtype);
        break;
      case "icond":
        out = this.icond(f(e.index), e.op, e.c);
        break;
      case "unary":
        out = this.unary(e.op, r(e.a), e.dtype);
        break;
      case "binary":
        out = this.binary(e.op, r(e.a), r(e.b), e.dtype);
        break;
      case "compare":
        out = this.compare(e.op, r(e.a), r(e.b));
        break;
      case "select":
        out = this.select(r(e.which), e.cases.map(r), e.dtype);
        break;
      case "clamp":
        out = this.clamp(r(e.lo), r(e.x), r(e.hi), e.dtype);
        break;
      case "convert":
        out = this.convert(r(e.a), e.dtype);
        break;
      case "bitcast":
        out = this.bitcast(r(e.a), e.dtype);
        break;
      case "round":
        out = this.round(r(e.a), e.method);
        break;
      case "ipow":
        out = this.ipow(r(e.a), e.y);
        break;
      case "reduce":
        out = this.reduce(e.op, r(e.body), e.rvars, e.dtype, e.selectFold);
        break;
    }
    memo.set(e.id, out);
    return out;
  }

  /** Substitutes loop variables throughout a node. */
  substVars(e: SExpr, f: (v: IVar) => IExpr | undefined): SExpr {
    return this.mapIndices(e, (x) => isubst(x, f));
  }
}

/** The direct children of a node. */
export function children(e: SExpr): SExpr[] {
  switch (e.k) {
    case "load":
    case "const":
    case "iota":
    case "icond":
    case "acc":
      return [];
    case "unary":
    case "convert":
    case "bitcast":
    case "round":
    case "ipow":
      return [e.a];
    case "binary":
    case "compare":
      return [e.a, e.b];
    case "select":
      return [e.which, ...e.cases];
    case "clamp":
      return [e.lo, e.x, e.hi];
    case "reduce":
      return [e.body];
  }
}

/** Every node reachable from the roots, each once, children before parents. */
export function topoNodes(roots: readonly SExpr[]): SExpr[] {
  const seen = new Set<number>();
  const out: SExpr[] = [];
  const visit = (e: SExpr) => {
    if (seen.has(e.id)) return;
    seen.add(e.id);
    for (const c of children(e)) visit(c);
    out.push(e);
  };
  roots.forEach(visit);
  return out;
}

/** The index expressions a node reads (loads, iotas, predicates), deep. */
export function indexExprs(roots: readonly SExpr[]): IExpr[] {
  const out: IExpr[] = [];
  for (const e of topoNodes(roots)) if (e.k === "load" || e.k === "iota" || e.k === "icond") out.push(e.index);
  return out;
}

/** Text form, for kernel printing and tests: `exp(mul(sin(in0[i0]), 2.0))`. */
export function showSExpr(root: SExpr, name?: (v: IVar) => string, bufName: (b: number) => string = (b) => `b${b}`): string {
  const show = (e: SExpr): string => {
    switch (e.k) {
      case "load":
        return `${bufName(e.buf)}[${showIExpr(e.index, name)}]`;
      case "const":
        return `${Object.is(e.value, -0) ? "-0" : e.value}:${e.dtype}`;
      case "iota":
        return `iota<${e.dtype}>(${showIExpr(e.index, name)})`;
      case "icond":
        return `(${showIExpr(e.index, name)} ${e.op} ${e.c})`;
      case "unary":
        return `${e.op}(${show(e.a)})`;
      case "binary":
        return `${e.op}(${show(e.a)}, ${show(e.b)})`;
      case "compare":
        return `${e.op}(${show(e.a)}, ${show(e.b)})`;
      case "select":
        return `select(${show(e.which)}; ${e.cases.map(show).join(", ")})`;
      case "clamp":
        return `clamp(${show(e.lo)}, ${show(e.x)}, ${show(e.hi)})`;
      case "convert":
        return `convert<${e.dtype}>(${show(e.a)})`;
      case "bitcast":
        return `bitcast<${e.dtype}>(${show(e.a)})`;
      case "round":
        return `round_${e.method}(${show(e.a)})`;
      case "ipow":
        return `ipow(${show(e.a)}, ${e.y})`;
      case "reduce":
        return `reduce_${e.op}${e.selectFold ? "_selectFold" : ""}[${e.rvars.map((v) => (name ? name(v) : `${v.name}${v.id}`) + "<" + v.extent).join(", ")}](${show(e.body)})`;
      case "acc":
        return "acc";
    }
  };
  return show(root);
}
