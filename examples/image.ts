/**
 * Pictures for the examples: PNG encoding, colormaps for heatmaps, and image grids with digit
 * labels. Plain TypeScript with no imports, so it runs in browsers as well as Node; the PNG
 * encoder takes an optional `deflate` (Node's `zlib.deflateSync`, or a browser's
 * CompressionStream wrapped by the caller) and otherwise writes uncompressed ("stored") deflate
 * blocks, which every PNG reader accepts.
 *
 * It lives in examples/ rather than the library: it is presentation, not numerics, and jaxts's
 * API (API.md) has no image module. Curves are SVG (examples/plot.ts).
 */

/** An RGB image, row-major, 3 bytes per pixel. */
export interface RgbImage {
  width: number;
  height: number;
  rgb: Uint8Array;
}

export type Rgb = readonly [number, number, number];

// --- PNG ----------------------------------------------------------------------------------------

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32 (ISO 3309, as PNG's chunks use). */
export function crc32(bytes: Uint8Array, crc = 0): number {
  let c = ~crc >>> 0;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

function adler32(bytes: Uint8Array): number {
  let a = 1;
  let b = 0;
  for (let i = 0; i < bytes.length; i++) {
    a = (a + bytes[i]!) % 65521;
    b = (b + a) % 65521;
  }
  return ((b << 16) | a) >>> 0;
}

/** A zlib stream of uncompressed deflate blocks (at most 65535 bytes each). */
function storedZlib(data: Uint8Array): Uint8Array {
  const blocks = Math.max(1, Math.ceil(data.length / 65535));
  const out = new Uint8Array(2 + data.length + 5 * blocks + 4);
  out[0] = 0x78;
  out[1] = 0x01;
  let o = 2;
  for (let b = 0; b < blocks; b++) {
    const chunk = data.subarray(b * 65535, Math.min(data.length, (b + 1) * 65535));
    out[o++] = b === blocks - 1 ? 1 : 0;
    out[o++] = chunk.length & 0xff;
    out[o++] = chunk.length >>> 8;
    out[o++] = ~chunk.length & 0xff;
    out[o++] = (~chunk.length >>> 8) & 0xff;
    out.set(chunk, o);
    o += chunk.length;
  }
  new DataView(out.buffer).setUint32(o, adler32(data));
  return out;
}

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

/**
 * An 8-bit RGB PNG. `deflate` compresses the zlib stream (`zlib.deflateSync` in Node); without
 * it the pixels are stored uncompressed.
 */
export function encodePng(image: RgbImage, opts: { deflate?: (bytes: Uint8Array) => Uint8Array } = {}): Uint8Array {
  const { width, height, rgb } = image;
  if (rgb.length !== width * height * 3) throw new Error(`encodePng: expected ${width * height * 3} bytes for ${width}x${height} RGB, got ${rgb.length}`);
  // Each row starts with its filter type (0: none).
  const raw = new Uint8Array(height * (1 + width * 3));
  for (let y = 0; y < height; y++) raw.set(rgb.subarray(y * width * 3, (y + 1) * width * 3), y * (1 + width * 3) + 1);
  const header = new Uint8Array(13);
  const hv = new DataView(header.buffer);
  hv.setUint32(0, width);
  hv.setUint32(4, height);
  header.set([8, 2, 0, 0, 0], 8); // bit depth 8, colour type 2 (RGB), deflate, adaptive filters, no interlace
  const idat = opts.deflate ? opts.deflate(raw) : storedZlib(raw);
  const parts = [new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk("IHDR", header), chunk("IDAT", idat), chunk("IEND", new Uint8Array(0))];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

// --- colormaps ----------------------------------------------------------------------------------

function interpolate(stops: readonly Rgb[], t: number): Rgb {
  const u = Math.min(Math.max(Number.isFinite(t) ? t : 0, 0), 1) * (stops.length - 1);
  const i = Math.min(Math.floor(u), stops.length - 2);
  const f = u - i;
  const [a, b] = [stops[i]!, stops[i + 1]!];
  return [0, 1, 2].map((c) => Math.round(a[c]! + f * (b[c]! - a[c]!))) as unknown as Rgb;
}

/** "hot": black, red, yellow, white, for magnitudes in [0, 1]. */
export const hot = (t: number): Rgb => interpolate([[0, 0, 0], [230, 0, 0], [255, 210, 0], [255, 255, 255]], t);
/** Blue, white, red for signed values in [-1, 1] (negative blue). */
export const diverging = (t: number): Rgb => interpolate([[33, 102, 172], [247, 247, 247], [178, 24, 43]], (t + 1) / 2);
export const gray = (t: number): Rgb => {
  const v = Math.round(Math.min(Math.max(Number.isFinite(t) ? t : 0, 0), 1) * 255);
  return [v, v, v];
};

/**
 * A height x width tile from values (row-major): `gray` maps [lo, hi] (default the values' own
 * range) to black..white; pass `colormap` for heatmaps.
 */
export function tile(values: ArrayLike<number>, height: number, width: number, opts: { lo?: number; hi?: number; colormap?: (t: number) => Rgb } = {}): RgbImage {
  let lo = opts.lo ?? Infinity;
  let hi = opts.hi ?? -Infinity;
  if (opts.lo === undefined || opts.hi === undefined)
    for (let i = 0; i < height * width; i++) {
      if (opts.lo === undefined) lo = Math.min(lo, values[i]!);
      if (opts.hi === undefined) hi = Math.max(hi, values[i]!);
    }
  const map = opts.colormap ?? gray;
  const rgb = new Uint8Array(height * width * 3);
  for (let i = 0; i < height * width; i++) rgb.set(map(hi > lo ? (values[i]! - lo) / (hi - lo) : 0), 3 * i);
  return { width, height, rgb };
}

/** A heatmap tile of |values| scaled by their maximum (the usual saliency picture). */
export function heatTile(values: ArrayLike<number>, height: number, width: number): RgbImage {
  const mags = Float32Array.from({ length: height * width }, (_, i) => Math.abs(values[i]!));
  return tile(mags, height, width, { lo: 0, hi: Math.max(...mags, 1e-12), colormap: hot });
}

// --- grids and labels ---------------------------------------------------------------------------

// 3x5 bitmaps for the digits, one row of three bits per entry.
const DIGITS = ["111101101101111", "010110010010111", "111001111100111", "111001111001111", "101101111001001", "111100111001111", "111100111101111", "111001001001001", "111101111101111", "111101111001111"];

/** Draws `text` (digits; other characters leave a gap) at (x, y) with `size`-pixel dots. */
export function drawDigits(img: RgbImage, text: string, x: number, y: number, color: Rgb, size = 2): void {
  [...text].forEach((ch, k) => {
    const bits = DIGITS[ch.charCodeAt(0) - 48];
    if (bits === undefined) return;
    for (let r = 0; r < 5; r++)
      for (let c = 0; c < 3; c++) {
        if (bits[r * 3 + c] !== "1") continue;
        for (let dy = 0; dy < size; dy++)
          for (let dx = 0; dx < size; dx++) {
            const px = x + (k * 4 + c) * size + dx;
            const py = y + r * size + dy;
            if (px >= 0 && py >= 0 && px < img.width && py < img.height) img.rgb.set(color, 3 * (py * img.width + px));
          }
      }
  });
}

/**
 * Tiles laid out in rows, each scaled up `scale` times (nearest neighbour) with `pad` pixels of
 * `background` between them; `labels[r][c]` (digits) are drawn under each tile in `labelColor`
 * (or per label). Rows may differ in length; missing tiles are left blank.
 */
export function grid(
  rows: readonly (readonly (RgbImage | null)[])[],
  opts: { scale?: number; pad?: number; background?: Rgb; labels?: readonly (readonly (string | { text: string; color: Rgb } | null)[])[] } = {},
): RgbImage {
  const scale = opts.scale ?? 1;
  const pad = opts.pad ?? 2;
  const labelHeight = opts.labels ? 14 : 0;
  const tiles = rows.flat().filter((t): t is RgbImage => t !== null);
  const cellW = Math.max(...tiles.map((t) => t.width)) * scale;
  const cellH = Math.max(...tiles.map((t) => t.height)) * scale + labelHeight;
  const cols = Math.max(...rows.map((r) => r.length));
  const width = cols * cellW + (cols + 1) * pad;
  const height = rows.length * cellH + (rows.length + 1) * pad;
  const out: RgbImage = { width, height, rgb: new Uint8Array(width * height * 3) };
  const bg = opts.background ?? [255, 255, 255];
  for (let i = 0; i < width * height; i++) out.rgb.set(bg, 3 * i);
  rows.forEach((row, r) =>
    row.forEach((t, c) => {
      const x0 = pad + c * (cellW + pad);
      const y0 = pad + r * (cellH + pad);
      if (t !== null)
        for (let y = 0; y < t.height * scale; y++)
          for (let x = 0; x < t.width * scale; x++) {
            const src = 3 * (Math.floor(y / scale) * t.width + Math.floor(x / scale));
            out.rgb.set(t.rgb.subarray(src, src + 3), 3 * ((y0 + y) * width + x0 + x));
          }
      const label = opts.labels?.[r]?.[c];
      if (label !== undefined && label !== null) {
        const { text, color } = typeof label === "string" ? { text: label, color: [0, 0, 0] as Rgb } : label;
        drawDigits(out, text, x0 + 2, y0 + cellH - labelHeight + 2, color);
      }
    }),
  );
  return out;
}
