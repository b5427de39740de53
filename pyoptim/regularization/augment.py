"""Dataset augmentation in the minibatch stream (book 7.4).

Each augmentation is a callable ``(Xb, rng) -> Xb'`` -- exactly the ``augment=`` hook of
:func:`pyoptim.fit`, which applies it to every training minibatch with the fit's seeded Generator, so a
run is reproducible. They compose with :class:`Compose`. Images are the rows of ``Xb``, flattened in C
order from ``shape`` (8x8 for scikit-learn's digits); inputs are never modified in place.

The book's caution applies: transformations must not change the class (no 180° rotation of a 6), and
when comparing two learning algorithms, both must use the same augmentation.
"""
from __future__ import annotations

import numpy as np
from .._validation import check_finite, check_int

__all__ = ["shift_images", "rotate_images", "RandomShift", "RandomRotation", "PixelNoise", "Compose",
           "digits_augment"]


def _as_images(Xb, shape):
    X = np.asarray(Xb)
    h, w = shape
    if X.ndim != 2 or X.shape[1] != h * w:
        raise ValueError(f"Invalid Xb: shape {X.shape} (expected (batch, {h * w}) images of shape {shape})")
    return X.reshape(len(X), h, w)


def _bilinear(imgs: np.ndarray, ys: np.ndarray, xs: np.ndarray) -> np.ndarray:
    """Sample imgs (B, h, w) at real coordinates ys, xs (B, h, w) bilinearly, zero outside."""
    B, h, w = imgs.shape
    y0 = np.floor(ys).astype(np.int64)
    x0 = np.floor(xs).astype(np.int64)
    fy, fx = ys - y0, xs - x0
    bi = np.arange(B)[:, None, None]
    out = np.zeros(imgs.shape, dtype=np.float64)
    for dy, wy in ((0, 1.0 - fy), (1, fy)):
        for dx, wx in ((0, 1.0 - fx), (1, fx)):
            yy, xx = y0 + dy, x0 + dx
            ok = (yy >= 0) & (yy < h) & (xx >= 0) & (xx < w)
            vals = imgs[bi, np.clip(yy, 0, h - 1), np.clip(xx, 0, w - 1)]
            out += np.where(ok, vals, 0.0) * wy * wx
    return out


def shift_images(Xb, dy, dx, shape=(8, 8)) -> np.ndarray:
    """Translate each image by (dy, dx) pixels (arrays of length batch, or scalars; real values are
    interpolated bilinearly); pixels shifted in from outside are 0. out[i, y, x] = in[i, y − dy, x − dx]."""
    imgs = _as_images(Xb, shape).astype(np.float64)
    B, h, w = imgs.shape
    dy = np.broadcast_to(np.asarray(dy, dtype=np.float64), (B,))[:, None, None]
    dx = np.broadcast_to(np.asarray(dx, dtype=np.float64), (B,))[:, None, None]
    yy, xx = np.meshgrid(np.arange(h, dtype=np.float64), np.arange(w, dtype=np.float64), indexing="ij")
    out = _bilinear(imgs, yy[None] - dy, xx[None] - dx)
    return out.reshape(B, h * w).astype(np.asarray(Xb).dtype, copy=False)


def rotate_images(Xb, angles, shape=(8, 8)) -> np.ndarray:
    """Rotate each image by ``angles`` radians (array of length batch, or a scalar) about its centre,
    bilinear interpolation, zeros outside."""
    imgs = _as_images(Xb, shape).astype(np.float64)
    B, h, w = imgs.shape
    a = np.broadcast_to(np.asarray(angles, dtype=np.float64), (B,))[:, None, None]
    cy, cx = (h - 1) / 2.0, (w - 1) / 2.0
    yy, xx = np.meshgrid(np.arange(h, dtype=np.float64) - cy, np.arange(w, dtype=np.float64) - cx, indexing="ij")
    # inverse map: the source of output pixel (y, x) is the point rotated by -angle
    c, s = np.cos(a), np.sin(a)
    ys = c * yy[None] + s * xx[None] + cy
    xs = -s * yy[None] + c * xx[None] + cx
    out = _bilinear(imgs, ys, xs)
    return out.reshape(B, h * w).astype(np.asarray(Xb).dtype, copy=False)


class RandomShift:
    """Shift each image by an integer offset drawn uniformly from [−max_shift, max_shift]² (book 7.4)."""

    def __init__(self, max_shift: int = 1, shape=(8, 8)):
        check_int("max_shift", max_shift, 0)
        self.max_shift, self.shape = int(max_shift), tuple(shape)

    def __call__(self, Xb, rng: np.random.Generator):
        B = len(Xb)
        d = rng.integers(-self.max_shift, self.max_shift + 1, size=(2, B))
        return shift_images(Xb, d[0], d[1], self.shape)


class RandomRotation:
    """Rotate each image by an angle drawn uniformly from [−max_degrees, max_degrees] (book 7.4)."""

    def __init__(self, max_degrees: float = 10.0, shape=(8, 8)):
        v = float(max_degrees)
        if not (np.isfinite(v) and 0 <= v <= 180):
            raise ValueError(f"Invalid max_degrees: {max_degrees!r} (expected a number in [0, 180])")
        self.max_degrees, self.shape = v, tuple(shape)

    def __call__(self, Xb, rng: np.random.Generator):
        a = np.deg2rad(rng.uniform(-self.max_degrees, self.max_degrees, size=len(Xb)))
        return rotate_images(Xb, a, self.shape)


class PixelNoise:
    """Add N(0, std²) noise to every pixel (noise injection on the inputs, book 7.4/7.5); optionally clip
    to [lo, hi]."""

    def __init__(self, std: float = 0.1, clip: tuple | None = None):
        v = check_finite("std", std, 0, coerce=True)
        self.std, self.clip = v, clip

    def __call__(self, Xb, rng: np.random.Generator):
        X = np.asarray(Xb)
        out = X + rng.standard_normal(X.shape).astype(X.dtype, copy=False) * X.dtype.type(self.std)
        if self.clip is not None:
            out = np.clip(out, self.clip[0], self.clip[1])
        return out.astype(X.dtype, copy=False)


class Compose:
    """Apply augmentations in order, each with the same Generator: ``Compose([RandomShift(1), PixelNoise(0.5)])``."""

    def __init__(self, augmentations):
        self.augmentations = list(augmentations)
        for a in self.augmentations:
            if not callable(a):
                raise ValueError(f"Invalid augmentation: {a!r} (expected a callable (Xb, rng) -> Xb)")

    def __call__(self, Xb, rng: np.random.Generator):
        for a in self.augmentations:
            Xb = a(Xb, rng)
        return Xb


def digits_augment(max_shift: int = 1, max_degrees: float = 10.0, noise_std: float = 0.0, scale: float = 1.0):
    """A ready augmentation for 8x8 digits with pixels in [0, scale] (``pyoptim.datasets.load_digits`` gives
    [0, 1]; scikit-learn's raw digits [0, 16]): a small rotation, then a shift of at
    most ``max_shift`` pixels, then optional pixel noise (clipped to [0, scale])."""
    augs = []
    if max_degrees:
        augs.append(RandomRotation(max_degrees))
    if max_shift:
        augs.append(RandomShift(max_shift))
    if noise_std:
        augs.append(PixelNoise(noise_std, clip=(0.0, scale)))
    return Compose(augs)
