/**
 * A kernel's scalar expressions (lower.ts's module doc, step 3): walking from its root back to
 * materialized values, each primitive of the group as a node of the kernel IR (sexpr.ts), views
 * as index expressions on the reads.
 */
import { castScalar } from "../../ir/dtype.js";
import { type Atom, type Eqn, Literal, Var } from "../../ir/jaxpr.js";
import { type Params, isBinary, isComparison, isUnary } from "../../ir/primitives.js";
import { type IExpr, type IVar, flatten, iadd, iclamp, iconst, idiv, imod, iscale, ivar, newVar, unravel } from "./iexpr.js";
import { computeIndexing, indexViewPrims } from "./lowerIndexing.js";
import { convAsReduction } from "./lowerConvReduce.js";
import { widenedOperand, widening } from "./widen.js";
import { isReduceWindow, reduceWindowExpr } from "./lowerWindows.js";
import type { NodeFactory, SExpr } from "./sexpr.js";
import { contraction, dotDims } from "./contraction.js";
import { type Group, reducePrims } from "./fusionGroups.js";
import { accumulatorDtype, contractionValue } from "./contractionAcc.js";

/** The expressions of group `g`'s kernel: `exprOf` a value at an index, `compute` an equation's output there (`computeAll`: every output). */
export function kernelExprs(f: NodeFactory, eqns: readonly Eqn[], producer: ReadonlyMap<Var, number>, bufOf: ReadonlyMap<Var, number>, g: Group) {
  const memo = new Map<string, SExpr>();
  const rootOuts = new Set(eqns[g.root]!.outVars);
  const exprOf = (a: Atom, idx: readonly IExpr[]): SExpr => {
    const wide = widenedOperand(a); // an operand of a widened narrow-dtype equation (widen.ts)
    if (wide) return wide.read(f, exprOf(wide.orig, idx));
    if (a instanceof Literal) return f.const(castScalar(a.value, a.aval.dtype), a.aval.dtype);
    const buf = bufOf.get(a);
    if (buf !== undefined && !rootOuts.has(a)) return f.load(buf, flatten(idx, a.aval.shape), a.aval.dtype);
    const key = `${a.id}|${idx.map((x) => x.key).join(";")}`;
    const hit = memo.get(key);
    if (hit) return hit;
    const p = producer.get(a);
    if (p === undefined || !g.members.has(p)) throw new Error(`internal: lowering reached a value outside its kernel (${a.aval})`);
    const r = compute(eqns[p]!, idx);
    memo.set(key, r);
    return r;
  };
  const operand = (e: Eqn, k: number, idx: readonly IExpr[]) => {
    const a = e.inputs[k]!;
    return exprOf(a, a.aval.ndim === 0 ? [] : idx);
  };
  const compute = (e: Eqn, idx: readonly IExpr[]): SExpr => {
    const w = widening(e); // int8/uint8/float16 arithmetic: on int32/float32, narrowed back (widen.ts)
    if (w) return w.finish(f, compute(w.eqn, idx));
    const out = e.outVars[0]!.aval;
    const prim = e.primitive;
    if (isUnary(prim)) return f.unary(prim, operand(e, 0, idx), out.dtype);
    if (isBinary(prim)) return f.binary(prim, operand(e, 0, idx), operand(e, 1, idx), out.dtype);
    if (isComparison(prim)) return f.compare(prim, operand(e, 0, idx), operand(e, 1, idx));
    const inShape = (k: number) => e.inputs[k]!.aval.shape;
    switch (prim) {
      case "round":
        return f.round(operand(e, 0, idx), (e.params as Params<"round">).roundingMethod);
      case "integerPow":
        return f.ipow(operand(e, 0, idx), (e.params as Params<"integerPow">).y);
      case "selectN":
        return f.select(
          operand(e, 0, idx),
          e.inputs.slice(1).map((_, k) => operand(e, k + 1, idx)),
          out.dtype,
        );
      case "clamp":
        return f.clamp(operand(e, 0, idx), operand(e, 1, idx), operand(e, 2, idx), out.dtype);
      case "bitcastConvertType":
        return f.bitcast(operand(e, 0, idx), out.dtype);
      case "convertElementType":
        return f.convert(operand(e, 0, idx), out.dtype);
      case "copy":
      case "stopGradient":
        return operand(e, 0, idx);
      case "iota": {
        const p = e.params as Params<"iota">;
        return f.iota(idx[p.dimension]!, out.dtype);
      }
      case "broadcastInDim": {
        const p = e.params as Params<"broadcastInDim">;
        const s = inShape(0);
        return exprOf(e.inputs[0]!, s.map((n, i) => (n === 1 ? iconst(0) : idx[p.broadcastDimensions[i]!]!)));
      }
      case "reshape":
        return exprOf(e.inputs[0]!, unravel(flatten(idx, out.shape), inShape(0)));
      case "squeeze": {
        const p = e.params as Params<"squeeze">;
        let j = 0;
        return exprOf(e.inputs[0]!, inShape(0).map((_, d) => (p.dimensions.includes(d) ? iconst(0) : idx[j++]!)));
      }
      case "transpose": {
        const p = e.params as Params<"transpose">;
        const inIdx = new Array<IExpr>(idx.length);
        p.permutation.forEach((src, k) => (inIdx[src] = idx[k]!));
        return exprOf(e.inputs[0]!, inIdx);
      }
      case "rev": {
        const p = e.params as Params<"rev">;
        const s = inShape(0);
        return exprOf(e.inputs[0]!, idx.map((x, d) => (p.dimensions.includes(d) ? iadd(s[d]! - 1, iscale(x, -1)) : x)));
      }
      case "slice": {
        const p = e.params as Params<"slice">;
        return exprOf(e.inputs[0]!, idx.map((x, d) => iadd(p.startIndices[d]!, iscale(x, p.strides?.[d] ?? 1))));
      }
      case "pad": {
        const p = e.params as Params<"pad">;
        const s = inShape(0);
        const padValue = exprOf(e.inputs[1]!, []);
        if (s.some((n) => n === 0)) return padValue;
        let valid = f.const(1, "bool");
        const inIdx = idx.map((o, d) => {
          const [lo, , interior] = p.paddingConfig[d]!;
          const step = interior + 1;
          const n = s[d]!;
          const q = iadd(o, -lo);
          const conds = [f.icond(q, "ge", 0), f.icond(q, "lt", (n - 1) * step + 1)];
          if (step > 1) conds.push(f.icond(imod(q, step), "eq", 0));
          for (const c of conds) valid = and(valid, c);
          return iclamp(idiv(q, step), 0, n - 1);
        });
        if (valid.k === "const") return valid.value ? exprOf(e.inputs[0]!, inIdx) : padValue;
        return f.select(valid, [padValue, exprOf(e.inputs[0]!, inIdx)], out.dtype);
      }
      case "concatenate": {
        const p = e.params as Params<"concatenate">;
        const d = p.dimension;
        const parts: { k: number; off: number; n: number }[] = [];
        let off = 0;
        e.inputs.forEach((a, k) => {
          const n = a.aval.shape[d]!;
          if (n > 0) parts.push({ k, off, n });
          off += n;
        });
        const partExpr = (part: { k: number; off: number; n: number }) =>
          exprOf(
            e.inputs[part.k]!,
            idx.map((x, i) => (i === d ? iclamp(iadd(x, -part.off), 0, part.n - 1) : x)),
          );
        if (parts.length === 0) return f.const(0, out.dtype); // an empty result: never evaluated
        let value = partExpr(parts[parts.length - 1]!);
        for (let q = parts.length - 2; q >= 0; q--) {
          const next = parts[q + 1]!;
          value = f.select(f.icond(idx[d]!, "lt", next.off), [value, partExpr(parts[q]!)], out.dtype);
        }
        return value;
      }
      case "dotGeneral":
        return computeDot(e, idx);
      case "convGeneralDilated":
        if (g.dotStyle === "matmul" && g.core === producer.get(e.outVars[0]!)) return contractionValue(f, e);
        if (g.dotStyle === "reduce" && g.core === producer.get(e.outVars[0]!)) return convAsReduction(contraction(e, exprOf, f), e, idx, f);
        throw new Error("internal: a convolution outside its contraction kernel");
      default: {
        if (isReduceWindow(prim)) return reduceWindowExpr(f, e, idx, exprOf);
        if (indexViewPrims.has(prim)) return computeIndexing({ f, exprOf, bufferOf: (v) => bufOf.get(v)! }, e, idx);
        const op = reducePrims[prim];
        if (op === undefined) throw new Error(`internal: ${prim} has no kernel lowering`);
        const axes = (e.params as Params<"reduceSum">).axes;
        const s = inShape(0);
        const rvars: IVar[] = [];
        let j = 0;
        const inIdx = s.map((n, dim) => {
          if (axes.includes(dim)) {
            const v = newVar(n, "r");
            rvars.push(v);
            return ivar(v);
          }
          return idx[j++]!;
        });
        const body = exprOf(e.inputs[0]!, inIdx);
        return f.reduce(op, body, rvars, out.dtype);
      }
    }
  };
  /** Threefry-2x32 (20 rounds), as codegen/ref/threefry.ts: both words from one shared DAG. */
  const threefry = (e: Eqn, idx: readonly IExpr[]): SExpr[] => {
    const [k0, k1, x0, x1] = [0, 1, 2, 3].map((k) => operand(e, k, idx)) as [SExpr, SExpr, SExpr, SExpr];
    const u = "uint32";
    const add = (a: SExpr, b: SExpr) => f.binary("add", a, b, u);
    const xor = (a: SExpr, b: SExpr) => f.binary("xor", a, b, u);
    const c = (v: number) => f.const(v >>> 0, u);
    const rotl = (v: SExpr, r: number) => f.binary("or", f.binary("shiftLeft", v, c(r), u), f.binary("shiftRightLogical", v, c(32 - r), u), u);
    const ks = [k0, k1, xor(xor(k0, k1), c(0x1bd11bda))];
    const rotations = [
      [13, 15, 26, 6],
      [17, 29, 16, 24],
    ];
    let a = add(x0, ks[0]!);
    let b = add(x1, ks[1]!);
    for (let block = 0; block < 5; block++) {
      for (const r of rotations[block % 2]!) {
        a = add(a, b);
        b = xor(rotl(b, r), a);
      }
      a = add(a, ks[(block + 1) % 3]!);
      b = add(add(b, ks[(block + 2) % 3]!), c(block + 1));
    }
    return [a, b];
  };
  const computeAll = (e: Eqn, idx: readonly IExpr[]): SExpr[] => (e.primitive === "threefry2x32" ? threefry(e, idx) : [compute(e, idx)]);
  const and = (a: SExpr, b: SExpr): SExpr => {
    if (a.k === "const") return a.value ? b : a;
    if (b.k === "const") return b.value ? a : b;
    return f.binary("and", a, b, "bool");
  };
  const computeDot = (e: Eqn, idx: readonly IExpr[]): SExpr => {
    const out = e.outVars[0]!.aval;
    if (g.dotStyle === "matmul" && g.core === producer.get(e.outVars[0]!)) return contractionValue(f, e);
    // Reduce style: a sum over the contracting dims of the converted product.
    const d = dotDims(e);
    const [lhs, rhs] = e.inputs as [Atom, Atom];
    const rvars = d.contract.map((n) => newVar(n, "k"));
    const nb = d.batch.length;
    const nl = d.lfree.length;
    const operandIdx = (a: Atom, c: readonly number[], b: readonly number[], freeOffset: number) => {
      let free = 0;
      return a.aval.shape.map((_, dim) => {
        const ci = c.indexOf(dim);
        if (ci >= 0) return ivar(rvars[ci]!);
        const bi = b.indexOf(dim);
        if (bi >= 0) return idx[bi]!;
        return idx[freeOffset + free++]!;
      });
    };
    // (int8/uint8 results: int32 sums, wrapped once; contractionAcc.ts)
    const acc = accumulatorDtype(e);
    const A = f.convert(exprOf(lhs, operandIdx(lhs, d.lc, d.lb, nb)), acc);
    const B = f.convert(exprOf(rhs, operandIdx(rhs, d.rc, d.rb, nb + nl)), acc);
    return f.convert(f.reduce("sum", f.binary("mul", A, B, acc), rvars, acc), out.dtype);
  };
  return { exprOf, compute, computeAll };
}

export type KernelExprs = ReturnType<typeof kernelExprs>;
