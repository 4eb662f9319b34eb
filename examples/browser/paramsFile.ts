/**
 * The page's parameter file: a tree of float32 arrays in the safetensors layout, so that it opens
 * with any safetensors reader (and with jaxts's own once `io.loadSafetensors` exists):
 *
 *   bytes 0..8     the header's length N, an unsigned 64-bit little-endian integer
 *   bytes 8..8+N   a UTF-8 JSON header, padded with spaces to a multiple of 8 bytes:
 *                  { "leaf.000": { "dtype": "F32", "shape": [5, 5, 1, 6], "data_offsets": [0, 600] },
 *                    ...,
 *                    "__metadata__": { "model": "LeNet", "treedef": "<tree.treeDefString>" } }
 *   then           the leaves' float32 little-endian bytes, back to back; data_offsets count
 *                  from the end of the header
 *
 * Leaves are named `leaf.NNN` in `tree.flatten` order. Reading needs a template tree of the same
 * structure (the model's `init`), whose leaf shapes are checked against the file's.
 *
 * Everything here runs in Node and in the browser alike (no Node modules).
 */
import { numpy as np, tree } from "../../src/index.js";

interface HeaderEntry {
  dtype: "F32";
  shape: number[];
  data_offsets: [number, number];
}

const leafName = (i: number) => `leaf.${String(i).padStart(3, "0")}`;

/** The file's bytes for a tree of arrays (`metadata` goes into the header as strings). */
export function encodeParams(params: unknown, metadata: Record<string, string> = {}): Uint8Array {
  const [leaves, def] = tree.flatten<np.Array>(params);
  const header: Record<string, HeaderEntry | Record<string, string>> = {};
  const chunks: Float32Array[] = [];
  let offset = 0;
  leaves.forEach((leaf, i) => {
    if (leaf.dtype !== "float32") throw new Error(`encodeParams: ${leafName(i)} has dtype ${leaf.dtype}; only float32 is written`);
    const values = leaf.dataSync() as Float32Array;
    header[leafName(i)] = { dtype: "F32", shape: [...leaf.shape], data_offsets: [offset, offset + values.byteLength] };
    chunks.push(values);
    offset += values.byteLength;
  });
  header.__metadata__ = { ...metadata, treedef: tree.treeDefString(def) };
  let json = JSON.stringify(header);
  json += " ".repeat((8 - (new TextEncoder().encode(json).length % 8)) % 8);
  const headerBytes = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + headerBytes.length + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let at = 8 + headerBytes.length;
  for (const c of chunks) {
    const bytes = new Uint8Array(c.byteLength);
    const dv = new DataView(bytes.buffer);
    for (let k = 0; k < c.length; k++) dv.setFloat32(4 * k, c[k]!, true);
    out.set(bytes, at);
    at += bytes.length;
  }
  return out;
}

/**
 * The tree stored in `bytes`, shaped like `template` (a tree of arrays, or of anything with a
 * `shape`, such as `init`'s output); a file of another structure or shape is an error that
 * says which leaf differs.
 */
export function decodeParams<T>(bytes: Uint8Array, template: T): T {
  const fn = "decodeParams";
  if (bytes.length < 8) throw new Error(`${fn}: the file has ${bytes.length} bytes, too few for a header`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = Number(view.getBigUint64(0, true));
  if (8 + headerLength > bytes.length) throw new Error(`${fn}: the header claims ${headerLength} bytes, the file has ${bytes.length}`);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength))) as Record<string, unknown>;
  const dataStart = 8 + headerLength;
  const [templateLeaves, def] = tree.flatten<{ shape: readonly number[] }>(template);
  const names = Object.keys(header).filter((k) => k !== "__metadata__");
  if (names.length !== templateLeaves.length)
    throw new Error(`${fn}: the file holds ${names.length} arrays, the model has ${templateLeaves.length} (${tree.treeDefString(def)})`);
  const leaves = templateLeaves.map((t, i) => {
    const e = header[leafName(i)] as HeaderEntry | undefined;
    if (!e) throw new Error(`${fn}: the file has no ${leafName(i)}`);
    if (e.dtype !== "F32") throw new Error(`${fn}: ${leafName(i)} has dtype ${e.dtype}; only F32 is read`);
    if (e.shape.length !== t.shape.length || e.shape.some((d, k) => d !== t.shape[k]))
      throw new Error(`${fn}: ${leafName(i)} has shape [${e.shape}], the model's leaf has shape [${t.shape}]`);
    const [begin, end] = e.data_offsets;
    const n = e.shape.reduce((a, b) => a * b, 1);
    if (end - begin !== 4 * n || dataStart + end > bytes.length)
      throw new Error(`${fn}: ${leafName(i)}'s data_offsets [${begin}, ${end}] do not hold ${n} float32 values in a ${bytes.length}-byte file`);
    const values = new Float32Array(n);
    for (let k = 0; k < n; k++) values[k] = view.getFloat32(dataStart + begin + 4 * k, true);
    return np.array(values, { shape: e.shape });
  });
  return tree.unflatten<T>(def, leaves);
}
