/**
 * safetensors: the weights format of Hugging Face's `safetensors` package, so parameter trees
 * travel between jaxts and Python. A file is an 8-byte little-endian header length N, N bytes
 * of JSON (`{name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {str: str}}`,
 * padded with spaces so the data starts 8-byte aligned), then the tensors' bytes, row-major
 * little-endian, back to back, offsets counted from the end of the header.
 *
 * Tensor names are tree paths joined with "." (`{conv: {w}}` -> "conv.w", `[[w, b]]` -> "0.0",
 * "0.1"). The tree's exact structure (empty nodes, lists versus objects) goes in the metadata
 * under "jaxts.tree", so our files load back to the same tree; a file without it (from Python)
 * loads as nested objects and lists rebuilt from the names.
 */
import { type AnyTypedArray, type DType, float16Bits, itemSize } from "../../ir/dtype.js";
import { shapeSize } from "../../ir/aval.js";
import { getBackend } from "../backends/index.js";
import { ConcreteArray, JArray } from "../core/array.js";
import { bindArgs, keywordOnly, kind, object, required } from "../core/options.js";
import { ValueError } from "../errors.js";
import { array as npArray } from "../numpy/creation.js";

const TREE_KEY = "jaxts.tree";
/** Larger headers are refused, as the Python package does (it would be a corrupt or hostile file). */
const MAX_HEADER_BYTES = 100_000_000;

const toSafetensorsDtype: Record<DType, string> = {
  float32: "F32",
  float64: "F64",
  int32: "I32",
  uint32: "U32",
  bool: "BOOL",
  int8: "I8",
  uint8: "U8",
  float16: "F16",
};
const fromSafetensorsDtype: Record<string, DType> = Object.fromEntries(Object.entries(toSafetensorsDtype).map(([d, s]) => [s, d as DType]));

/** The Python package's Dtype enum order for our dtypes; it writes the highest first. */
const layoutRank: Record<DType, number> = { bool: 0, uint8: 1, int8: 2, float16: 3, int32: 4, uint32: 5, float32: 6, float64: 7 };

/** A tree's structure as JSON: a leaf is 0, `null` is null, a list is an array, an object maps keys. */
type Structure = 0 | null | Structure[] | { [key: string]: Structure };

interface Entry {
  name: string;
  array: JArray;
}

const isLittleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function checkEndianness(fn: string): void {
  if (!isLittleEndian) throw new Error(`${fn}: safetensors data is little-endian and this host is big-endian, which jaxts does not support`);
}

/** Leaves with their dotted paths, and the structure that puts them back. */
function flattenWithNames(fn: string, tree: unknown): { entries: Entry[]; structure: Structure } {
  const entries: Entry[] = [];
  const walk = (x: unknown, path: string[]): Structure => {
    if (x === null || x === undefined) return null;
    if (x instanceof JArray || typeof x === "number" || typeof x === "boolean") {
      if (path.length === 0) throw new TypeError(`${fn}: tree must be a list or object of arrays (a safetensors file names every tensor), got a single ${describe(x)}`);
      entries.push({ name: path.join("."), array: x instanceof JArray ? x : npArray(x) });
      return 0;
    }
    const keyed = Array.isArray(x) ? x.map((v, i) => [String(i), v] as const) : isPlain(x) ? Object.entries(x).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)) : undefined;
    if (keyed === undefined) throw new TypeError(`${fn}: tree leaves must be arrays, numbers or booleans; ${path.join(".") || "the tree"} is a ${describe(x)}`);
    for (const [k] of keyed) {
      if (k === "__metadata__") throw new ValueError(`${fn}: "__metadata__" is reserved by the format and cannot be a tree key`);
    }
    const children = keyed.map(([k, v]) => [k, walk(v, [...path, k])] as const);
    return Array.isArray(x) ? children.map(([, s]) => s) : Object.fromEntries(children);
  };
  const structure = walk(tree, []);
  // Keys may hold dots themselves (a flat object of Hugging Face names), so two paths can collide.
  const seen = new Set<string>();
  for (const { name } of entries) {
    if (seen.has(name)) throw new ValueError(`${fn}: two leaves of the tree are both named ${JSON.stringify(name)} (tensor names are keys joined with ".")`);
    seen.add(name);
  }
  return { entries, structure };
}

const isPlain = (x: unknown): x is Record<string, unknown> =>
  typeof x === "object" && x !== null && (Object.getPrototypeOf(x) === Object.prototype || Object.getPrototypeOf(x) === null);

const describe = (x: unknown) => (x === null ? "null" : x instanceof JArray ? `${x.dtype}[${x.shape}] array` : Array.isArray(x) ? "list" : typeof x === "object" ? (x.constructor?.name ?? "object") : typeof x);

/** A tensor's bytes exactly as stored (float16 as its bits). */
function storedBytes(a: JArray): Uint8Array {
  const c = a.toConcrete("io.saveSafetensors");
  let data: AnyTypedArray = c.readHost();
  if (a.dtype === "float16") {
    // readHost widens float16 to float32 values, which are exact: rounding them back is exact too.
    const bits = new Uint16Array(data.length);
    for (let i = 0; i < data.length; i++) bits[i] = float16Bits(data[i]!);
    data = bits;
  }
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

const metadataKind = kind<Record<string, string>>(
  "an object of string values",
  (v) => isPlain(v) && Object.values(v).every((s) => typeof s === "string"),
);

/**
 * `io.saveSafetensors(tree, {metadata?})`: the bytes of a .safetensors file holding every array
 * leaf of `tree` (JS numbers and booleans become float32 and bool scalars). Tensors are laid out
 * as the Python package does (dtype, in the reverse of its Dtype enum's order, then name), so
 * the same tensors give the same bytes from either side.
 */
export function saveSafetensors(...args: unknown[]): Uint8Array {
  const fn = "io.saveSafetensors";
  const a = bindArgs(fn, args, { tree: required(object), metadata: keywordOnly(metadataKind) });
  checkEndianness(fn);
  const { entries, structure } = flattenWithNames(fn, a.tree);
  const userMeta = a.metadata ?? {};
  if (TREE_KEY in userMeta) throw new ValueError(`${fn}: metadata key "${TREE_KEY}" is reserved for the tree's structure`);
  const metadata = { ...userMeta, [TREE_KEY]: JSON.stringify(structure) };
  entries.sort((x, y) => layoutRank[y.array.dtype] - layoutRank[x.array.dtype] || (x.name < y.name ? -1 : x.name > y.name ? 1 : 0));
  const header: Record<string, unknown> = { __metadata__: metadata };
  const blobs: Uint8Array[] = [];
  let offset = 0;
  for (const { name, array } of entries) {
    const bytes = storedBytes(array);
    header[name] = { dtype: toSafetensorsDtype[array.dtype], shape: [...array.shape], data_offsets: [offset, offset + bytes.length] };
    blobs.push(bytes);
    offset += bytes.length;
  }
  let json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.length / 8) * 8;
  if (padded !== json.length) {
    const p = new Uint8Array(padded).fill(0x20);
    p.set(json);
    json = p;
  }
  const out = new Uint8Array(8 + json.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  let at = 8 + json.length;
  for (const b of blobs) {
    out.set(b, at);
    at += b.length;
  }
  return out;
}

interface HeaderEntry {
  dtype: DType;
  shape: number[];
  begin: number;
  end: number;
}

/** Parses and checks the header: every tensor's dtype, shape and byte range, and the metadata. */
function parseHeader(fn: string, bytes: Uint8Array): { tensors: Map<string, HeaderEntry>; metadata: Record<string, string>; dataStart: number } {
  if (bytes.length < 8) throw new ValueError(`${fn}: ${bytes.length} bytes is too short for a safetensors file (it starts with an 8-byte header length)`);
  const n = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getBigUint64(0, true);
  if (n > BigInt(MAX_HEADER_BYTES)) throw new ValueError(`${fn}: the header length ${n} is over the ${MAX_HEADER_BYTES}-byte limit; not a safetensors file, or a corrupt one`);
  const headerLen = Number(n);
  if (8 + headerLen > bytes.length) throw new ValueError(`${fn}: the header claims ${headerLen} bytes but the file has ${bytes.length - 8} after the length; the file is truncated`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(8, 8 + headerLen)));
  } catch (e) {
    throw new ValueError(`${fn}: the header is not valid UTF-8 JSON (${(e as Error).message})`);
  }
  if (!isPlain(parsed)) throw new ValueError(`${fn}: the header must be a JSON object`);
  const dataStart = 8 + headerLen;
  const dataLen = bytes.length - dataStart;
  let metadata: Record<string, string> = {};
  const tensors = new Map<string, HeaderEntry>();
  for (const [name, value] of Object.entries(parsed)) {
    if (name === "__metadata__") {
      if (!isPlain(value) || !Object.values(value).every((v) => typeof v === "string")) throw new ValueError(`${fn}: __metadata__ must map strings to strings`);
      metadata = value as Record<string, string>;
      continue;
    }
    if (!isPlain(value)) throw new ValueError(`${fn}: tensor ${JSON.stringify(name)}: its header entry must be an object`);
    const { dtype, shape, data_offsets: offsets } = value as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    const d = typeof dtype === "string" ? fromSafetensorsDtype[dtype] : undefined;
    if (d === undefined)
      throw new ValueError(`${fn}: tensor ${JSON.stringify(name)} has dtype ${JSON.stringify(dtype)}; jaxts reads ${Object.keys(fromSafetensorsDtype).join(", ")}`);
    if (!Array.isArray(shape) || !shape.every((s) => Number.isSafeInteger(s) && s >= 0))
      throw new ValueError(`${fn}: tensor ${JSON.stringify(name)} has shape ${JSON.stringify(shape)}; a shape is a list of non-negative integers`);
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && o >= 0) || offsets[0] > offsets[1])
      throw new ValueError(`${fn}: tensor ${JSON.stringify(name)} has data_offsets ${JSON.stringify(offsets)}; they must be [begin, end] with 0 <= begin <= end`);
    const [begin, end] = offsets as [number, number];
    const expected = shapeSize(shape) * itemSize[d];
    if (end - begin !== expected)
      throw new ValueError(`${fn}: tensor ${JSON.stringify(name)} is ${dtype}[${shape}] (${expected} bytes) but data_offsets [${begin}, ${end}] span ${end - begin} bytes`);
    if (end > dataLen) throw new ValueError(`${fn}: tensor ${JSON.stringify(name)} ends at byte ${end} of the data but the file holds ${dataLen}; the file is truncated or the header lies`);
    tensors.set(name, { dtype: d, shape, begin, end });
  }
  // As the Python package requires: the tensors tile the data exactly, without gaps or overlaps.
  const ranges = [...tensors.entries()].sort(([, x], [, y]) => x.begin - y.begin || x.end - y.end);
  let covered = 0;
  for (const [name, { begin, end }] of ranges) {
    if (begin !== covered) throw new ValueError(`${fn}: tensor ${JSON.stringify(name)} starts at byte ${begin} of the data where ${covered} was expected (tensors must not overlap or leave gaps)`);
    covered = end;
  }
  if (covered !== dataLen) throw new ValueError(`${fn}: the tensors cover ${covered} bytes of data but the file holds ${dataLen}`);
  return { tensors, metadata, dataStart };
}

/** Puts leaves back into the structure saved with them, checking that the names match it. */
function rebuildFromStructure(fn: string, structure: Structure, arrays: Map<string, JArray>): unknown {
  const used = new Set<string>();
  const build = (s: Structure, path: string[]): unknown => {
    if (s === null) return null;
    if (s === 0) {
      const name = path.join(".");
      const a = arrays.get(name);
      if (a === undefined) throw new ValueError(`${fn}: the saved tree structure names tensor ${JSON.stringify(name)}, which the file does not hold`);
      used.add(name);
      return a;
    }
    if (Array.isArray(s)) return s.map((c, i) => build(c, [...path, String(i)]));
    return Object.fromEntries(Object.entries(s).map(([k, c]) => [k, build(c, [...path, k])]));
  };
  const tree = build(structure, []);
  const extra = [...arrays.keys()].filter((k) => !used.has(k));
  if (extra.length > 0) throw new ValueError(`${fn}: tensors ${extra.map((e) => JSON.stringify(e)).join(", ")} are not in the saved tree structure`);
  return tree;
}

/** Nested objects from dotted names; a level whose keys are exactly 0..n-1 becomes a list. */
function rebuildFromNames(fn: string, arrays: Map<string, JArray>): unknown {
  type Node = Map<string, Node | JArray>;
  const root: Node = new Map();
  for (const [name, a] of arrays) {
    const parts = name.split(".");
    let node = root;
    for (const [i, p] of parts.entries()) {
      const last = i === parts.length - 1;
      const existing = node.get(p);
      if (last) {
        if (existing !== undefined) throw new ValueError(`${fn}: tensor name ${JSON.stringify(name)} is both a tensor and a prefix of other names`);
        node.set(p, a);
      } else {
        if (existing instanceof JArray) throw new ValueError(`${fn}: tensor name ${JSON.stringify(parts.slice(0, i + 1).join("."))} is both a tensor and a prefix of other names`);
        const next: Node = existing ?? new Map();
        node.set(p, next);
        node = next;
      }
    }
  }
  const toTree = (n: Node): unknown => {
    const keys = [...n.keys()];
    const asList = keys.length > 0 && keys.every((k) => /^(0|[1-9]\d*)$/.test(k)) && keys.map(Number).sort((x, y) => x - y).every((k, i) => k === i);
    const conv = (v: Node | JArray) => (v instanceof JArray ? v : toTree(v));
    return asList ? keys.map(Number).sort((x, y) => x - y).map((k) => conv(n.get(String(k))!)) : Object.fromEntries(keys.sort().map((k) => [k, conv(n.get(k)!)]));
  };
  return toTree(root);
}

/**
 * `io.loadSafetensors(bytes)`: the tree of arrays in a .safetensors file (see the module
 * comment for how names become a tree). Every header field is checked against the bytes: a
 * truncated file, offsets that overlap, leave gaps or run past the end, a shape that does not
 * match its byte count, or an unknown dtype is a ValueError naming the tensor.
 */
export function loadSafetensors(...args: unknown[]): unknown {
  const fn = "io.loadSafetensors";
  const a = bindArgs(fn, args, { bytes: required(kind<Uint8Array>("a Uint8Array", (v) => v instanceof Uint8Array)) });
  checkEndianness(fn);
  return loadWithMetadata(fn, a.bytes).tree;
}

/** The tree and the user's metadata (without jaxts's structure entry). */
export function loadWithMetadata(fn: string, bytes: Uint8Array): { tree: unknown; metadata: Record<string, string> } {
  const { tensors, metadata, dataStart } = parseHeader(fn, bytes);
  const backend = getBackend();
  const arrays = new Map<string, JArray>();
  for (const [name, t] of tensors) {
    // A copy: the source may be unaligned for the element type, and the array must not alias the file.
    // A copy, aligned for the typed array: Uint8Array's slice, not Node Buffer's (a view into
    // the file's shared pool, whose .buffer is the whole pool).
    const raw = Uint8Array.prototype.slice.call(bytes, dataStart + t.begin, dataStart + t.end);
    const data = typedFromBytes(t.dtype, raw);
    if (t.dtype === "bool" && !data.every((v) => v === 0 || v === 1))
      throw new ValueError(`${fn}: tensor ${JSON.stringify(name)} is BOOL but holds bytes other than 0 and 1`);
    arrays.set(name, ConcreteArray.fromHost(data, t.shape, t.dtype, backend));
  }
  const { [TREE_KEY]: saved, ...user } = metadata;
  let tree: unknown;
  if (saved !== undefined) {
    let structure: Structure;
    try {
      structure = JSON.parse(saved) as Structure;
    } catch {
      throw new ValueError(`${fn}: the "${TREE_KEY}" metadata entry is not valid JSON`);
    }
    tree = rebuildFromStructure(fn, structure, arrays);
  } else tree = rebuildFromNames(fn, arrays);
  return { tree, metadata: user };
}

function typedFromBytes(dtype: DType, raw: Uint8Array): AnyTypedArray {
  const buf = raw.buffer as ArrayBuffer;
  switch (dtype) {
    case "float32":
      return new Float32Array(buf);
    case "float64":
      return new Float64Array(buf);
    case "int32":
      return new Int32Array(buf);
    case "uint32":
      return new Uint32Array(buf);
    case "bool":
    case "uint8":
      return new Uint8Array(buf);
    case "int8":
      return new Int8Array(buf);
    case "float16":
      return new Uint16Array(buf);
  }
}


