"""Golden values for data.augment (run: ~/jaxref/bin/python test/golden/gen_augment.py).

The affine resampler is written here independently in NumPy (float64, explicit loops over the
four bilinear corners): the inverse map of "scale by s about the centre, rotate by a degrees
counterclockwise as displayed, shift by (ty, tx) pixels", zeros outside the image. Fixed
parameters test the resampler alone; the random cases draw each example's parameters with
jax.random exactly as data.augment.randomAffine / randomCrop document (split(key, N) per
example, then split(k, 3) for angle, scale, shift; split(k) for the crop's top and left), so they
pin down the whole transform for a key.
"""
import json, os
import numpy as np
import jax
import jax.numpy as jnp


def affine_numpy(image, angle_rad, scale, ty, tx):
    H, W, C = image.shape
    cy, cx = (H - 1) / 2, (W - 1) / 2
    out = np.zeros_like(image, dtype=np.float64)
    for i in range(H):
        for j in range(W):
            dy, dx = i - cy - ty, j - cx - tx
            x = (np.cos(angle_rad) * dx - np.sin(angle_rad) * dy) / scale + cx
            y = (np.sin(angle_rad) * dx + np.cos(angle_rad) * dy) / scale + cy
            y0, x0 = np.floor(y), np.floor(x)
            for oy in (0, 1):
                for ox in (0, 1):
                    yy, xx = int(y0) + oy, int(x0) + ox
                    if 0 <= yy < H and 0 <= xx < W:
                        w = (y - y0 if oy else 1 - (y - y0)) * (x - x0 if ox else 1 - (x - x0))
                        out[i, j] += w * image[yy, xx]
    return out


rng = np.random.default_rng(0)
enc = lambda a: {"shape": list(np.shape(a)), "data": [float(v) for v in np.ravel(np.asarray(a, dtype=np.float64))]}

fixed = []
for shape, angle, scale, ty, tx in [
    ((7, 7, 1), 0.0, 1.0, 0.0, 0.0),
    ((7, 7, 1), 90.0, 1.0, 0.0, 0.0),
    ((6, 8, 2), 17.0, 1.0, 0.0, 0.0),
    ((6, 8, 2), 0.0, 1.3, 0.0, 0.0),
    ((6, 8, 2), 0.0, 0.8, 1.5, -2.25),
    ((9, 5, 3), -23.0, 1.1, -0.5, 0.75),
]:
    image = rng.uniform(0, 1, shape).astype(np.float32)
    fixed.append({"image": enc(image), "angle": angle, "scale": scale, "ty": ty, "tx": tx,
                  "out": enc(affine_numpy(image.astype(np.float64), np.deg2rad(angle), scale, ty, tx))})

# randomAffine(key(7), images, {rotate: 25, scale: [0.8, 1.2], translate: [2, 1.5]})
images = rng.uniform(0, 1, (4, 8, 6, 2)).astype(np.float32)
rotate, (lo, hi), (dy, dx) = 25.0, (0.8, 1.2), (2.0, 1.5)
max_angle = np.float32(rotate * np.pi / 180)
outs, params = [], []
for i, k in enumerate(jax.random.split(jax.random.PRNGKey(7), images.shape[0])):
    ka, ks, kt = jax.random.split(k, 3)
    angle = float(jax.random.uniform(ka, (), minval=-max_angle, maxval=max_angle))
    scale = float(jax.random.uniform(ks, (), minval=lo, maxval=hi))
    shift = np.asarray(jax.random.uniform(kt, (2,), minval=jnp.array([-dy, -dx]), maxval=jnp.array([dy, dx])), dtype=np.float64)
    params.append([angle, scale, float(shift[0]), float(shift[1])])
    outs.append(affine_numpy(images[i].astype(np.float64), angle, scale, shift[0], shift[1]))
random_affine = {"seed": 7, "rotate": rotate, "scale": [lo, hi], "translate": [dy, dx], "images": enc(images), "params": params, "out": enc(np.stack(outs))}

# randomCrop(key(3), images, {padding: 2, size: [5, 4]})
images_c = rng.uniform(0, 1, (5, 6, 6, 1)).astype(np.float32)
pad, (h, w) = 2, (5, 4)
crops = []
for i, k in enumerate(jax.random.split(jax.random.PRNGKey(3), images_c.shape[0])):
    ky, kx = jax.random.split(k)
    top = int(jax.random.randint(ky, (), 0, 6 + 2 * pad - h + 1))
    left = int(jax.random.randint(kx, (), 0, 6 + 2 * pad - w + 1))
    padded = np.pad(images_c[i], [(pad, pad), (pad, pad), (0, 0)])
    crops.append(padded[top:top + h, left:left + w])
random_crop = {"seed": 3, "padding": pad, "size": [h, w], "images": enc(images_c), "out": enc(np.stack(crops))}

out = {"source": "numpy " + np.__version__ + ", jax " + jax.__version__, "fixed": fixed, "randomAffine": random_affine, "randomCrop": random_crop}
with open(os.path.join(os.path.dirname(__file__), "augment.json"), "w") as f:
    json.dump(out, f)
print(f"wrote {len(fixed)} fixed cases and the random ones")
