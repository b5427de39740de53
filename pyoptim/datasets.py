"""Data sets for the examples and tests: the digits, and seeded synthetic generators.

* :func:`load_digits` — scikit-learn's bundled copy of the UCI optical digits (1,797 8×8 images,
  10 classes), scaled to [0, 1]; needs the optional extra ``pip install "pyoptim-dlbook[datasets]"``.
* :func:`blobs`, :func:`two_moons`, :func:`spirals` — small 2-D classification problems for pictures.
* :func:`linear_regression` — correlated Gaussian features (ill-conditioned least squares, book 8.2.1,
  7.1.1) with a known coefficient vector.
* :func:`separable` — linearly separable binary data (book 7.3: unregularized logistic weights grow
  without bound; 8.1.2: the 0-1 error reaches 0 while the NLL keeps falling).
* :func:`random_classification` — an MNIST-sized synthetic problem (60,000 × 784, 10 classes) for
  benchmarks.

Every generator takes ``seed`` (an int or a ``numpy.random.Generator``) and never touches global random
state; the same seed returns the same arrays. Inputs are ``dtype`` (float32 by default, the dtype of a
default pyoptim model), class labels int64.
"""
from __future__ import annotations

import numpy as np

from ._validation import check_float_dtype, check_int

__all__ = ["load_digits", "blobs", "two_moons", "spirals", "linear_regression", "separable",
           "random_classification", "train_test_split"]


def _rng(seed) -> np.random.Generator:
    if isinstance(seed, np.random.Generator):
        return seed
    return np.random.default_rng(seed)


def train_test_split(X, y, test_size=0.25, seed=0, stratify: bool = True):
    """Split ``(X, y)`` into ``X_train, X_test, y_train, y_test`` (scikit-learn's order), seeded.

    ``test_size`` is a fraction in (0, 1) or a number of examples. With ``stratify`` (and integer
    labels) each class is split in the same proportion, so small test sets keep the class balance.
    """
    n = len(X)
    if len(y) != n:
        raise ValueError(f"X and y have different lengths: X has {n} samples, y has {len(y)}")
    if isinstance(test_size, float) and 0.0 < test_size < 1.0:
        frac = test_size
    elif isinstance(test_size, (int, np.integer)) and not isinstance(test_size, bool) and 0 < test_size < n:
        frac = test_size / n
    else:
        raise ValueError(f"Invalid test_size: {test_size!r} (expected a fraction in (0, 1) or a count in [1, {n}))")
    rng = _rng(seed)
    y = np.asarray(y)
    if stratify and np.issubdtype(y.dtype, np.integer):
        test = []
        for c in np.unique(y):
            idx = np.flatnonzero(y == c)
            idx = idx[rng.permutation(len(idx))]
            test.append(idx[:int(round(frac * len(idx)))])
        test = np.sort(np.concatenate(test))
    else:
        test = np.sort(rng.permutation(n)[:int(round(frac * n))])
    mask = np.ones(n, dtype=bool)
    mask[test] = False
    train = np.flatnonzero(mask)
    return X[train], X[test], y[train], y[test]


def load_digits(return_X_y: bool = True, dtype=np.float32, test_size=None, seed=0):
    """The 8×8 handwritten digits (1,797 images, 10 classes), pixel values scaled to [0, 1].

    The data are scikit-learn's bundled copy (no download). 64 features per image, labels 0..9.

    Parameters
    ----------
    return_X_y : bool
        True: return arrays. False: return a dict with ``data``, ``target``, ``images`` (n, 8, 8),
        ``target_names`` and, with ``test_size``, ``data_test`` / ``target_test``.
    dtype : float32 or float64
    test_size : None, a fraction in (0, 1), or a count
        If given, a seeded stratified split: ``X_train, X_test, y_train, y_test``.
    seed : int or Generator, for the split.

    Raises
    ------
    ImportError
        When scikit-learn is not installed: ``pip install "pyoptim-dlbook[datasets]"``.
    """
    dt = check_float_dtype(dtype)
    try:
        from sklearn.datasets import load_digits as _sk_load_digits
    except ImportError as exc:
        raise ImportError('pyoptim.datasets.load_digits needs scikit-learn, which ships the digits: '
                          'pip install "pyoptim-dlbook[datasets]"') from exc
    d = _sk_load_digits()
    X = (np.asarray(d.data, dtype=np.float64) / 16.0).astype(dt)
    y = np.asarray(d.target, dtype=np.int64)
    if test_size is None:
        if return_X_y:
            return X, y
        return {"data": X, "target": y, "images": X.reshape(-1, 8, 8), "target_names": np.arange(10)}
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=test_size, seed=seed)
    if return_X_y:
        return X_tr, X_te, y_tr, y_te
    return {"data": X_tr, "target": y_tr, "data_test": X_te, "target_test": y_te,
            "images": X_tr.reshape(-1, 8, 8), "target_names": np.arange(10)}


def blobs(n: int = 300, centers: int = 3, d: int = 2, std: float = 1.0, box: float = 5.0, seed=0,
          dtype=np.float32):
    """Isotropic Gaussian blobs: ``centers`` classes, centres uniform in [-box, box]^d, spread ``std``.

    Returns ``X`` (n, d) and ``y`` (n,) with labels 0..centers-1, about n/centers per class.
    """
    n, centers, d = check_int("n", n, 1), check_int("centers", centers, 1), check_int("d", d, 1)
    if not std > 0:
        raise ValueError(f"Invalid std: {std!r} (expected > 0)")
    rng = _rng(seed)
    mu = rng.uniform(-box, box, size=(centers, d))
    y = np.arange(n) % centers
    y = y[rng.permutation(n)]
    X = mu[y] + std * rng.standard_normal((n, d))
    return X.astype(check_float_dtype(dtype)), y.astype(np.int64)


def two_moons(n: int = 200, noise: float = 0.1, seed=0, dtype=np.float32):
    """Two interleaving half circles (labels 0 and 1) with Gaussian noise of std ``noise``."""
    n = check_int("n", n, 2)
    if noise < 0:
        raise ValueError(f"Invalid noise: {noise!r} (expected >= 0)")
    rng = _rng(seed)
    n0 = n // 2
    t0 = np.linspace(0.0, np.pi, n0)
    t1 = np.linspace(0.0, np.pi, n - n0)
    X = np.concatenate([np.c_[np.cos(t0), np.sin(t0)], np.c_[1.0 - np.cos(t1), 0.5 - np.sin(t1)]])
    y = np.concatenate([np.zeros(n0, np.int64), np.ones(n - n0, np.int64)])
    X = X + noise * rng.standard_normal(X.shape)
    perm = rng.permutation(n)
    return X[perm].astype(check_float_dtype(dtype)), y[perm]


def spirals(n: int = 300, classes: int = 3, noise: float = 0.2, turns: float = 1.0, seed=0, dtype=np.float32):
    """``classes`` interleaved spiral arms in 2-D (the classic not-linearly-separable picture).

    Arm k has points at radius r in [0, 1] and angle 2π·turns·r·... + 2πk/classes, plus angular noise.
    """
    n, classes = check_int("n", n, 1), check_int("classes", classes, 2)
    rng = _rng(seed)
    y = np.arange(n) % classes
    r = rng.uniform(0.0, 1.0, n)
    theta = 2 * np.pi * (turns * r + y / classes) + noise * rng.standard_normal(n)
    X = np.c_[r * np.cos(theta), r * np.sin(theta)]
    perm = rng.permutation(n)
    return X[perm].astype(check_float_dtype(dtype)), y[perm].astype(np.int64)


def linear_regression(n: int = 200, d: int = 10, correlation: float = 0.0, noise: float = 0.1, seed=0,
                      dtype=np.float32, return_coef: bool = False):
    """y = X w + noise·ε with equicorrelated Gaussian features.

    Each row x ~ N(0, Σ) with Σ = (1 − ρ) I + ρ 11ᵀ (ρ = ``correlation`` in [0, 1)): unit variances and
    pairwise correlation ρ, built as x = √(1−ρ) z + √ρ z₀ 1 with a shared factor z₀. The condition
    number of Σ is (1 + (d−1)ρ)/(1 − ρ), so ρ → 1 gives the ill-conditioned problems of book 8.2.1.
    w ~ N(0, I_d); ε ~ N(0, 1).

    Returns ``X, y`` (float ``dtype``), and the true ``w`` when ``return_coef``.
    """
    n, d = check_int("n", n, 1), check_int("d", d, 1)
    if not 0.0 <= correlation < 1.0:
        raise ValueError(f"Invalid correlation: {correlation!r} (expected 0 <= correlation < 1)")
    if noise < 0:
        raise ValueError(f"Invalid noise: {noise!r} (expected >= 0)")
    rng = _rng(seed)
    z = rng.standard_normal((n, d))
    z0 = rng.standard_normal((n, 1))
    X = np.sqrt(1.0 - correlation) * z + np.sqrt(correlation) * z0
    w = rng.standard_normal(d)
    y = X @ w + noise * rng.standard_normal(n)
    dt = check_float_dtype(dtype)
    out = (X.astype(dt), y.astype(dt))
    return out + (w.astype(dt),) if return_coef else out


def separable(n: int = 200, d: int = 2, margin: float = 0.5, seed=0, dtype=np.float32, return_w: bool = False):
    """Linearly separable binary data: labels 1[xᵀw > 0] for a random unit w, with a gap of ``margin``.

    Points start as N(0, I_d) and are pushed ``margin/2`` away from the hyperplane xᵀw = 0 on their own
    side, so the geometric margin of the best separator is at least ``margin/2``. Labels are 0/1 int64
    (use them with ``BinaryCrossEntropy`` or a 2-class ``SoftmaxCrossEntropy``). Book 7.3 and 8.1.2.
    """
    n, d = check_int("n", n, 2), check_int("d", d, 1)
    if margin < 0:
        raise ValueError(f"Invalid margin: {margin!r} (expected >= 0)")
    rng = _rng(seed)
    w = rng.standard_normal(d)
    w /= np.linalg.norm(w)
    X = rng.standard_normal((n, d))
    s = X @ w
    y = (s > 0).astype(np.int64)
    y[: 2] = [0, 1]  # both classes present even for tiny n
    sign = np.where(y == 1, 1.0, -1.0)
    X += ((margin / 2) * sign - s + sign * np.abs(s))[:, None] * w  # project |s| to the right side, add gap
    dt = check_float_dtype(dtype)
    return (X.astype(dt), y, w.astype(dt)) if return_w else (X.astype(dt), y)


def random_classification(n: int = 60000, d: int = 784, classes: int = 10, separation: float = 1.0, seed=0,
                          dtype=np.float32):
    """An MNIST-sized synthetic classification problem: x = μ_y + z with z ~ N(0, I_d).

    The class means μ_k ~ N(0, (4·separation)²/d · I) are drawn once, so two means are about
    5.7·separation apart against unit noise: overlapping a little, easy to learn. The default shapes
    match MNIST (60,000 × 784, 10 classes), for benchmarks. Returns ``X`` (n, d) of ``dtype`` and
    ``y`` (n,) int64.
    """
    n, d, classes = check_int("n", n, 1), check_int("d", d, 1), check_int("classes", classes, 2)
    if not separation >= 0:
        raise ValueError(f"Invalid separation: {separation!r} (expected >= 0)")
    rng = _rng(seed)
    dt = check_float_dtype(dtype)
    mu = (rng.standard_normal((classes, d)) * (4.0 * separation / np.sqrt(d))).astype(dt)
    y = rng.integers(0, classes, n).astype(np.int64)
    X = rng.standard_normal((n, d), dtype=dt)
    X += mu[y]
    return X, y
