/**
 * Setup for `npx vitest run -c vitest.assemblerCheck.config.ts test/wasm ...`: every module a
 * test compiles is assembled by both the fast assembler and wabt, and the test fails unless
 * the bytes agree (text outside the fast assembler's subset fails it too, naming the text).
 */
import { UnsupportedWat, assembleWat } from "../../codegen/wasm/assembler.js";
import { WasmRuntime } from "../../codegen/wasm/runtime.js";

WasmRuntime.prototype.assemble = function (this: WasmRuntime, wat: string): Uint8Array<ArrayBuffer> {
  const ref = this.assembleWithWabt(wat);
  let mine: Uint8Array<ArrayBuffer>;
  try {
    mine = assembleWat(wat, this.features);
  } catch (e) {
    if (e instanceof UnsupportedWat) throw new Error(`fast assembler refused a rendered module (${e.message}): ${wat.slice(0, 300)}`);
    throw e;
  }
  if (mine.length !== ref.length || mine.some((b, i) => b !== ref[i])) throw new Error(`fast assembler's bytes differ from wabt's for: ${wat.slice(0, 300)}`);
  return mine;
};
