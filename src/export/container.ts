/**
 * The byte container of a serialized export: a fixed header, a JSON document, and the raw
 * bytes of the constants. Versioned (a reader refuses other versions instead of guessing) and
 * checksummed (CRC-32 over everything after the header's checksum field), so truncation and
 * corruption are reported as such before any JSON is parsed.
 *
 *   offset 0   8 bytes  magic "JAXTSEXP"
 *          8   u32      format version
 *         12   u32      total length in bytes
 *         16   u32      CRC-32 of bytes [20, total)
 *         20   u32      JSON length n
 *         24   n bytes  JSON (UTF-8), zero-padded to a multiple of 8
 *              ...      data: each constant's bytes at the (8-aligned) offset the JSON gives
 */

export const MAGIC = "JAXTSEXP";
export const FORMAT_VERSION = 1;
const HEADER = 24;

/** A serialized export that cannot be read: the message says what is wrong. */
export class DeserializeError extends Error {
  override readonly name = "DeserializeError";
}

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32 (the zlib/PNG polynomial). */
export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

const align8 = (n: number) => Math.ceil(n / 8) * 8;

/** Packs a JSON document and data blobs; `place(blobOffsets)` fills the offsets into the document first. */
export function pack(blobs: readonly Uint8Array[], document: (offsets: number[]) => unknown): Uint8Array {
  const offsets: number[] = [];
  let dataBytes = 0;
  for (const b of blobs) {
    offsets.push(dataBytes);
    dataBytes = align8(dataBytes + b.byteLength);
  }
  const json = new TextEncoder().encode(JSON.stringify(document(offsets)));
  const dataStart = align8(HEADER + json.byteLength);
  const total = dataStart + dataBytes;
  if (total > 0xffffffff) throw new RangeError(`serialize: the export is ${total} bytes, more than the format's 4 GiB limit`);
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  out.set(new TextEncoder().encode(MAGIC), 0);
  view.setUint32(8, FORMAT_VERSION, true);
  view.setUint32(12, total, true);
  view.setUint32(20, json.byteLength, true);
  out.set(json, HEADER);
  blobs.forEach((b, i) => out.set(b, dataStart + offsets[i]!));
  view.setUint32(16, crc32(out.subarray(20)), true);
  return out;
}

export interface Unpacked {
  document: unknown;
  /** The data region: constants' offsets in the document are relative to it. */
  data: Uint8Array;
  version: number;
}

/** Checks the header, length and checksum, then parses the JSON document. */
export function unpack(bytes: Uint8Array): Unpacked {
  const what = "deserialize";
  if (!(bytes instanceof Uint8Array)) throw new TypeError(`${what}: expected a Uint8Array of serialized bytes, got ${bytes === null ? "null" : typeof bytes}`);
  if (bytes.byteLength < HEADER)
    throw new DeserializeError(`${what}: ${bytes.byteLength} bytes are too few to be a serialized jaxts export (the header alone is ${HEADER} bytes)`);
  const magic = new TextDecoder().decode(bytes.subarray(0, 8));
  if (magic !== MAGIC) throw new DeserializeError(`${what}: not a serialized jaxts export (the file starts with ${JSON.stringify(magic)}, expected ${JSON.stringify(MAGIC)})`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(8, true);
  if (version !== FORMAT_VERSION)
    throw new DeserializeError(`${what}: the bytes are in export format version ${version}, but this jaxts reads version ${FORMAT_VERSION} only; export the function again with this version`);
  const total = view.getUint32(12, true);
  if (bytes.byteLength < total) throw new DeserializeError(`${what}: the bytes are truncated: the header says ${total} bytes, but only ${bytes.byteLength} were given`);
  if (bytes.byteLength > total) throw new DeserializeError(`${what}: ${bytes.byteLength - total} unexpected bytes follow the ${total} bytes of the export`);
  const expected = view.getUint32(16, true);
  const actual = crc32(bytes.subarray(20));
  if (expected !== actual)
    throw new DeserializeError(`${what}: the bytes are corrupted: their CRC-32 is ${hex(actual)} but the header records ${hex(expected)}`);
  const jsonLength = view.getUint32(20, true);
  if (HEADER + jsonLength > total) throw new DeserializeError(`${what}: the header's JSON length ${jsonLength} runs past the end of the ${total} bytes`);
  let document: unknown;
  try {
    document = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(HEADER, HEADER + jsonLength)));
  } catch (e) {
    throw new DeserializeError(`${what}: the JSON part of the export cannot be read: ${(e as Error).message}`);
  }
  return { document, data: bytes.subarray(align8(HEADER + jsonLength)), version };
}

const hex = (n: number) => `0x${n.toString(16).padStart(8, "0")}`;
