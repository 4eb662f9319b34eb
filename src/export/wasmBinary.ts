/**
 * Adding an active data segment to an assembled module's binary, so weights are baked in
 * without going through WAT text (a string escape per byte would triple their size to parse).
 * The segment goes in a data section (id 11) right after the code section, where the binary
 * format orders it; the generated modules have none of their own and no data-count section.
 */
import { sleb32, uleb } from "../../codegen/wasm/leb.js";

function readUleb(bytes: Uint8Array, at: number): [number, number] {
  let n = 0;
  let mul = 1;
  for (;;) {
    const b = bytes[at++]!;
    n += (b & 0x7f) * mul;
    mul *= 128;
    if ((b & 0x80) === 0) return [n, at];
  }
}

/** The module with one active segment writing `data` at `offset` of memory 0. */
export function appendDataSegment(module: Uint8Array, offset: number, data: Uint8Array): Uint8Array {
  // Find the end of the code section (id 10), checking there is no data section already.
  let at = 8;
  let insertAt = -1;
  while (at < module.length) {
    const id = module[at]!;
    const [size, bodyAt] = readUleb(module, at + 1);
    if (id === 11 || id === 12) throw new Error("internal: the module already has data segments");
    at = bodyAt + size;
    if (id === 10) insertAt = at;
  }
  if (insertAt < 0) insertAt = module.length;
  const segment = [0x00, 0x41, ...sleb32(offset), 0x0b, ...uleb(data.length)];
  const body = [...uleb(1), ...segment];
  const header = [11, ...uleb(body.length + data.length)];
  const out = new Uint8Array(module.length + header.length + body.length + data.length);
  out.set(module.subarray(0, insertAt), 0);
  let k = insertAt;
  out.set(header, k);
  k += header.length;
  out.set(body, k);
  k += body.length;
  out.set(data, k);
  k += data.length;
  out.set(module.subarray(insertAt), k);
  return out;
}
