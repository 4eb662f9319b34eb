/**
 * Which register tile a matmul gets. The configured tile (LowerOptions.matmulTile; the wasm
 * backend picks one per engine, see defaultMatmulTile) is used when the product has at least
 * a tile's rows and columns; a smaller product falls back to the 4x8 tile, so that choosing a
 * wider tile (3x12 under relaxed SIMD) does not send products with 8 to 11 columns (an MLP's
 * 10-class output layer) to the slower reduction kernels.
 */
export const FALLBACK_TILE: readonly [number, number] = [4, 8];

export function matmulTileFor(tile: readonly [number, number], M: number, N: number): readonly [number, number] {
  if (M >= tile[0] && N >= tile[1]) return tile;
  if (M >= FALLBACK_TILE[0] && N >= FALLBACK_TILE[1]) return FALLBACK_TILE;
  return tile;
}
