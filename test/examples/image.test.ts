/**
 * examples/image.ts: PNG files are checked against the format with Node's zlib as the independent
 * reader (inflate checks the stream's Adler-32, zlib.crc32 each chunk's CRC), for both the
 * stored and the deflated encodings; grids place tiles and labels where they say.
 */
import { crc32 as zlibCrc32, deflateSync, inflateSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { crc32, diverging, encodePng, grid, heatTile, hot, tile } from "../../examples/image.js";

/** The chunks of a PNG file, with each CRC verified. */
function readPng(bytes: Uint8Array): { width: number; height: number; colorType: number; pixels: Uint8Array } {
  expect([...bytes.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const view = new DataView(bytes.buffer, bytes.byteOffset);
  let o = 8;
  const chunks: [string, Uint8Array][] = [];
  while (o < bytes.length) {
    const len = view.getUint32(o);
    const type = String.fromCharCode(...bytes.subarray(o + 4, o + 8));
    const data = bytes.subarray(o + 8, o + 8 + len);
    expect(view.getUint32(o + 8 + len), `${type} CRC`).toBe(zlibCrc32(bytes.subarray(o + 4, o + 8 + len)));
    chunks.push([type, data]);
    o += 12 + len;
  }
  expect(chunks.map(([t]) => t)).toEqual(["IHDR", "IDAT", "IEND"]);
  const ihdr = new DataView(chunks[0]![1].buffer, chunks[0]![1].byteOffset);
  return { width: ihdr.getUint32(0), height: ihdr.getUint32(4), colorType: chunks[0]![1][9]!, pixels: new Uint8Array(inflateSync(chunks[1]![1])) };
}

describe("encodePng", () => {
  const width = 5;
  const height = 3;
  const rgb = Uint8Array.from({ length: width * height * 3 }, (_, i) => (i * 37) % 256);
  for (const [name, deflate] of [["stored", undefined], ["zlib", (b: Uint8Array) => new Uint8Array(deflateSync(b))]] as const) {
    it(`writes a valid RGB PNG (${name}): chunk CRCs, the zlib stream, filter bytes and pixels`, () => {
      const png = readPng(encodePng({ width, height, rgb }, { deflate }));
      expect([png.width, png.height, png.colorType]).toEqual([5, 3, 2]);
      for (let y = 0; y < height; y++) {
        expect(png.pixels[y * (1 + 3 * width)]).toBe(0);
        expect([...png.pixels.subarray(y * (1 + 3 * width) + 1, (y + 1) * (1 + 3 * width))]).toEqual([...rgb.subarray(y * 3 * width, (y + 1) * 3 * width)]);
      }
    });
  }
  it("splits stored blocks past 65535 bytes", () => {
    const big = { width: 200, height: 150, rgb: new Uint8Array(200 * 150 * 3).fill(7) };
    expect(readPng(encodePng(big)).pixels.length).toBe(150 * 601);
  });
  it("has the standard CRC-32", () => {
    const bytes = new TextEncoder().encode("123456789");
    expect(crc32(bytes)).toBe(0xcbf43926);
    expect(crc32(bytes)).toBe(zlibCrc32(bytes));
  });
});

describe("tiles, colormaps and grids", () => {
  it("map values to colours: gray range, hot from black to white, diverging blue-white-red", () => {
    const t = tile([0, 0.5, 1, 2], 2, 2, { lo: 0, hi: 2 });
    expect([...t.rgb]).toEqual([0, 0, 0, 64, 64, 64, 128, 128, 128, 255, 255, 255]);
    expect([hot(0), hot(1)]).toEqual([[0, 0, 0], [255, 255, 255]]);
    expect([diverging(-1)[2] > diverging(-1)[0], diverging(0), diverging(1)[0] > diverging(1)[2]]).toEqual([true, [247, 247, 247], true]);
    expect([...heatTile([-2, 1], 1, 2).rgb.subarray(0, 3)]).toEqual([255, 255, 255]);
  });
  it("lays tiles out with padding and scaling, and draws digit labels under them", () => {
    const black = { width: 2, height: 2, rgb: new Uint8Array(12) };
    const g = grid([[black, null], [black, black]], { scale: 3, pad: 1 });
    expect([g.width, g.height]).toEqual([2 * 6 + 3, 2 * 6 + 3]);
    const at = (x: number, y: number) => [...g.rgb.subarray(3 * (y * g.width + x), 3 * (y * g.width + x) + 3)];
    expect(at(0, 0)).toEqual([255, 255, 255]);
    expect(at(1, 1)).toEqual([0, 0, 0]);
    expect(at(6, 6)).toEqual([0, 0, 0]);
    expect(at(8, 1)).toEqual([255, 255, 255]); // the missing tile
    const labelled = grid([[black]], { scale: 10, pad: 0, labels: [[{ text: "7", color: [255, 0, 0] }]] });
    expect(labelled.height).toBe(20 + 14);
    let red = 0;
    for (let i = 0; i < labelled.width * labelled.height; i++) if (labelled.rgb[3 * i] === 255 && labelled.rgb[3 * i + 1] === 0) red++;
    expect(red).toBe(7 * 4); // the 3x5 "7" has seven dots (three on top, one per row below), each 2x2
  });
});
