/**
 * The affine resampler behind `data.augment.randomAffine`: one image, one rotation, scaling and
 * translation, bilinear interpolation with zeros outside the image. Written with `lax.gather` so
 * it traces, differentiates (the gather's transpose is a scatter-add) and vmaps like any other
 * function; `randomAffine` vmaps it over a batch with per-example parameters.
 *
 * The map, in pixel coordinates (row y down, column x right, centre c = ((H-1)/2, (W-1)/2)):
 * an output pixel p takes the input at
 *
 *   x_in = (cos(a) * dx - sin(a) * dy) / s + cx,   y_in = (sin(a) * dx + cos(a) * dy) / s + cy,
 *   with dx = x_out - cx - tx, dy = y_out - cy - ty,
 *
 * which is the inverse of "scale by s about the centre, rotate by a counterclockwise as the image
 * is displayed, shift by (ty, tx) pixels". test/golden/gen_augment.py computes the same map in
 * NumPy.
 */
import type { JArray } from "../core/array.js";
import * as lax from "../lax.js";
import * as np from "../numpy/index.js";

/** Gathers `image[rows, cols, :]` for int32 index grids of shape [H, W]: an [H, W, C] result. */
function gatherPixels(image: JArray, rows: JArray, cols: JArray): JArray {
  const channels = image.shape[2]!;
  const indices = np.stack([rows, cols], -1);
  return lax.gather(image, indices, { offsetDims: [2], collapsedSliceDims: [0, 1], startIndexMap: [0, 1] }, [1, 1, channels], { mode: "clip" });
}

/**
 * One [H, W, C] image resampled under the affine map above; `angle` in radians, `scale` a
 * factor, `ty`/`tx` in pixels (scalars, traced or not).
 */
export function affineImage(image: JArray, angle: JArray | number, scale: JArray | number, ty: JArray | number, tx: JArray | number): JArray {
  const [H, W] = [image.shape[0]!, image.shape[1]!];
  const cy = (H - 1) / 2;
  const cx = (W - 1) / 2;
  const yOut = np.reshape(np.arange(H).astype("float32"), [H, 1]);
  const xOut = np.reshape(np.arange(W).astype("float32"), [1, W]);
  const dy = np.subtract(np.subtract(yOut, cy), ty);
  const dx = np.subtract(np.subtract(xOut, cx), tx);
  const cos = np.cos(angle);
  const sin = np.sin(angle);
  const xIn = np.add(np.divide(np.subtract(np.multiply(cos, dx), np.multiply(sin, dy)), scale), cx);
  const yIn = np.add(np.divide(np.add(np.multiply(sin, dx), np.multiply(cos, dy)), scale), cy);
  const y0 = np.floor(yIn);
  const x0 = np.floor(xIn);
  const wy = np.subtract(yIn, y0);
  const wx = np.subtract(xIn, x0);
  let out: JArray | undefined;
  for (const [oy, ox] of [[0, 0], [0, 1], [1, 0], [1, 1]] as const) {
    const yy = np.add(y0, oy);
    const xx = np.add(x0, ox);
    // Corners outside the image contribute zero (zero padding); inside ones their bilinear weight.
    const inside = np.logicalAnd(np.logicalAnd(np.greaterEqual(yy, 0), np.lessEqual(yy, H - 1)), np.logicalAnd(np.greaterEqual(xx, 0), np.lessEqual(xx, W - 1)));
    const weight = np.where(inside, np.multiply(oy ? wy : np.subtract(1, wy), ox ? wx : np.subtract(1, wx)), 0);
    const rows = np.clip(yy, 0, H - 1).astype("int32");
    const cols = np.clip(xx, 0, W - 1).astype("int32");
    const term = np.multiply(gatherPixels(image, rows, cols), np.expandDims(weight, -1));
    out = out === undefined ? term : np.add(out, term);
  }
  return out!;
}
