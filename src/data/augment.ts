/**
 * `data.augment`: random image transforms for training, on NHWC batches. Each takes one PRNG key
 * for the whole batch and splits it into one key per example (`random.split(key, N)`), so a key
 * gives the same batch every time, on every backend, and every example gets its own draw. They
 * are written as a per-example function vmapped over the batch, so they are themselves jittable
 * and vmappable (a batch of batches with a batch of keys), and differentiable in the images.
 *
 *   const aug = data.augment.compose(
 *     (k, x) => data.augment.randomCrop(k, x, {padding: 2}),
 *     data.augment.randomFlip,
 *   );
 *   const xAug = jit(aug)(key, images);
 */
import { JArray } from "../core/array.js";
import { arrayOf, bindArgs, fn, kind, nonNegInt, num, refine, required, union } from "../core/options.js";
import { ValueError } from "../errors.js";
import * as lax from "../lax.js";
import * as np from "../numpy/index.js";
import * as random from "../random/index.js";
import { vmap } from "../vmap/api.js";
import { affineImage } from "./affine.js";

/** `(key, images) => images`: what `compose` combines. */
export type Augmentation = (key: JArray, images: JArray) => JArray;

const KEY = required(kind<JArray>("a PRNG key", (v) => v instanceof JArray));
const IMAGES = required(kind<JArray>("an NHWC batch of images (a rank-4 array)", (v) => v instanceof JArray));
const nonNegNum = refine(num, "a non-negative number", (v) => v >= 0);
const pair = (what: string) => refine(arrayOf(num), what, (v) => v.length === 2);

function checkImages(fname: string, key: JArray, images: JArray): void {
  if (images.ndim !== 4) throw new ValueError(`${fname}: images must be an NHWC batch (rank 4), got shape [${images.shape.join(", ")}]`);
  if (images.dtype !== "float32" && images.dtype !== "float64")
    throw new ValueError(`${fname}: images must be floats, got ${images.dtype} with shape [${images.shape.join(", ")}] (convert with x.astype("float32"))`);
  if (key.dtype !== "uint32" || key.shape.length !== 1 || key.shape[0] !== 2)
    throw new ValueError(`${fname}: key must be one PRNG key (uint32 of shape [2]), got ${key.dtype}[${key.shape.join(", ")}]; the transform splits it per example itself`);
}

/** Runs `perExample(key_i, image_i)` over the batch with one key per example. */
function perExample(key: JArray, images: JArray, f: (k: JArray, image: JArray) => JArray): JArray {
  const keys = random.split(key, images.shape[0]!);
  return vmap(f)(keys, images) as JArray;
}

/**
 * `randomCrop(key, images, {padding, size?})`: pads each image with `padding` zeros on every
 * side and crops a window of `size` ([h, w] or one number; default the input's H and W) at a
 * uniformly random position, per example.
 */
export function randomCrop(key: JArray, images: JArray, opts: { padding: number; size?: number | readonly [number, number] }): JArray;
export function randomCrop(key: JArray, images: JArray, padding: number, size?: number | readonly [number, number]): JArray;
export function randomCrop(...args: unknown[]): JArray {
  const o = bindArgs("data.augment.randomCrop", args, {
    key: KEY,
    images: IMAGES,
    padding: required(nonNegInt, { keyword: true }),
    size: union(nonNegInt, refine(arrayOf(nonNegInt), "a pair [h, w] of non-negative integers", (v) => v.length === 2)),
  });
  const { key, images, padding } = o;
  checkImages("data.augment.randomCrop", key, images);
  const [, H, W, C] = images.shape as [number, number, number, number];
  const [h, w] = o.size === undefined ? [H, W] : typeof o.size === "number" ? [o.size, o.size] : [o.size[0]!, o.size[1]!];
  if (h < 1 || w < 1 || h > H + 2 * padding || w > W + 2 * padding)
    throw new ValueError(`data.augment.randomCrop: size [${h}, ${w}] must fit in the padded image [${H + 2 * padding}, ${W + 2 * padding}] (images [${images.shape.join(", ")}], padding ${padding})`);
  return perExample(key, images, (k, image) => {
    const padded = np.pad(image, [[padding, padding], [padding, padding], [0, 0]]);
    const [ky, kx] = random.split(k) as unknown as [JArray, JArray];
    const top = random.randint(ky, [], 0, H + 2 * padding - h + 1);
    const left = random.randint(kx, [], 0, W + 2 * padding - w + 1);
    return lax.dynamicSlice(padded, [top, left, 0], [h, w, C]);
  });
}

/** `randomFlip(key, images)`: mirrors each image left-right with probability 1/2. */
export function randomFlip(key: JArray, images: JArray): JArray {
  bindArgs("data.augment.randomFlip", [...arguments], { key: KEY, images: IMAGES });
  checkImages("data.augment.randomFlip", key, images);
  return perExample(key, images, (k, image) => np.where(random.bernoulli(k, 0.5), np.flip(image, 1), image));
}

/**
 * `randomAffine(key, images, {rotate?, scale?, translate?})`: per example, a rotation by an angle
 * uniform in [-rotate, rotate] degrees (counterclockwise as displayed for positive angles), a
 * scaling about the centre by a factor uniform in [scale[0], scale[1]], and a shift uniform in
 * [-dy, dy] x [-dx, dx] pixels for `translate: [dy, dx]`; bilinear interpolation, zeros outside.
 * Defaults: no rotation, scale [1, 1], no shift.
 */
export function randomAffine(
  key: JArray,
  images: JArray,
  opts?: { rotate?: number; scale?: readonly [number, number]; translate?: readonly [number, number] },
): JArray;
export function randomAffine(...args: unknown[]): JArray {
  const o = bindArgs("data.augment.randomAffine", args, {
    key: KEY,
    images: IMAGES,
    rotate: nonNegNum,
    scale: refine(pair("a pair [lo, hi] of scale factors"), "a pair [lo, hi] with 0 < lo <= hi", (v) => v[0]! > 0 && v[0]! <= v[1]!),
    translate: refine(pair("a pair [dy, dx] of pixel counts"), "a pair [dy, dx] of non-negative pixel counts", (v) => v[0]! >= 0 && v[1]! >= 0),
  });
  const { key, images } = o;
  checkImages("data.augment.randomAffine", key, images);
  const maxAngle = ((o.rotate ?? 0) * Math.PI) / 180;
  const [lo, hi] = (o.scale ?? [1, 1]) as readonly [number, number];
  const [dy, dx] = (o.translate ?? [0, 0]) as readonly [number, number];
  return perExample(key, images, (k, image) => {
    const [ka, ks, kt] = random.split(k, 3) as unknown as [JArray, JArray, JArray];
    const angle = random.uniform(ka, [], { minval: -maxAngle, maxval: maxAngle });
    const scale = random.uniform(ks, [], { minval: lo, maxval: hi });
    const shift = random.uniform(kt, [2], { minval: np.array([-dy, -dx]), maxval: np.array([dy, dx]) });
    return affineImage(image, angle, scale, shift.slice(0), shift.slice(1));
  });
}

/**
 * `colorJitter(key, images, {brightness?, contrast?})`: per example, multiplies by a brightness
 * factor uniform in [max(0, 1 - brightness), 1 + brightness], then scales the deviation from
 * the image's mean (over pixels and channels) by a contrast factor drawn the same way. Values
 * are not clipped (images need not be in [0, 1]). Defaults 0: the identity.
 */
export function colorJitter(key: JArray, images: JArray, opts?: { brightness?: number; contrast?: number }): JArray;
export function colorJitter(...args: unknown[]): JArray {
  const o = bindArgs("data.augment.colorJitter", args, { key: KEY, images: IMAGES, brightness: nonNegNum, contrast: nonNegNum });
  const { key, images } = o;
  checkImages("data.augment.colorJitter", key, images);
  const b = o.brightness ?? 0;
  const c = o.contrast ?? 0;
  return perExample(key, images, (k, image) => {
    const [kb, kc] = random.split(k) as unknown as [JArray, JArray];
    const brightness = random.uniform(kb, [], { minval: Math.max(0, 1 - b), maxval: 1 + b });
    const contrast = random.uniform(kc, [], { minval: Math.max(0, 1 - c), maxval: 1 + c });
    const bright = np.multiply(image, brightness);
    const mean = np.mean(bright);
    return np.add(mean, np.multiply(np.subtract(bright, mean), contrast));
  });
}

/**
 * `compose(...augs)`: one augmentation that applies `augs` in order, each with its own key split
 * from the one it is given.
 */
export function compose(...augs: Augmentation[]): Augmentation {
  augs.forEach((a, i) => {
    if (!fn.test(a)) throw new TypeError(`data.augment.compose: argument ${i} must be a function (key, images) => images, got ${typeof a}`);
  });
  return (key: JArray, images: JArray) => {
    if (augs.length === 0) return images;
    const keys = random.split(key, augs.length);
    return augs.reduce((x, aug, i) => aug(keys.slice(i), x), images);
  };
}
