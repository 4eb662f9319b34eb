/**
 * Issue 11 item 2 for the narrow dtypes: every primitive on int8, uint8 and float16 compiles to
 * native wasm kernels (no host step in asText), but the ones narrowProbe.ts's expectedHost lists
 * and justifies; each native probe also agrees with the cpu reference, bit for bit (float16
 * transcendentals within one float16 ulp: the kernels' float32 polynomials are not the
 * reference's double functions, and a float32 result within an ulp of a float16 rounding
 * boundary may round the other way).
 */
import { describe, expect, it } from "vitest";
import type { AnyTypedArray } from "../../ir/dtype.js";
import { evalJaxprRef } from "../../codegen/ref/index.js";
import { expectClose, runJaxprWasm, wasmBackend } from "./helpers.js";
import { exactFloatOps, expectFloat16, expectHost, narrowDtypes, narrowProbes } from "./narrowProbe.js";

describe("narrow dtypes: no host steps on wasm", () => {
  for (const dtype of narrowDtypes) {
    it(`every ${dtype} primitive is a native kernel (but the listed ones) and agrees with the reference`, () => {
      const hosts: string[] = [];
      for (const p of narrowProbes(dtype)) {
        const text = wasmBackend.lowerText(p.jaxpr);
        const host = /: host /.test(text);
        if (host) hosts.push(p.name);
        expect(host, `${p.name}: host step ${host ? "present" : "absent"}\n${text}`).toBe(expectHost(p.prim, dtype));
        if (host) continue;
        const want = evalJaxprRef(p.jaxpr, [], p.inputs);
        const got = runJaxprWasm(p.jaxpr, p.inputs);
        want.forEach((w, k) => {
          const aval = p.jaxpr.outs[k]!.aval;
          if (aval.dtype === "float16") expectFloat16(got[k] as Uint16Array, w as Uint16Array, !exactFloatOps.has(p.prim), p.name);
          else expectClose(got[k]! as AnyTypedArray, w, aval.dtype, { rtol: 0, atol: 0 }, p.name);
        });
      }
      // the table's exceptions are real (a probe that silently stopped lowering would not be)
      expect(hosts).toEqual(dtype === "float16" ? ["bitcastConvertType<float16>"] : []);
    });
  }
});
