"""pyoptim.datasets: the digits loader and the seeded synthetic generators."""
import sys

import numpy as np
import pytest

import pyoptim as po
from pyoptim import datasets as ds


def test_load_digits_scaled_and_split():
    pytest.importorskip("sklearn")
    X, y = ds.load_digits()
    assert X.shape == (1797, 64) and X.dtype == np.float32 and y.dtype == np.int64
    assert X.min() == 0.0 and X.max() == 1.0 and set(np.unique(y)) == set(range(10))
    Xtr, Xte, ytr, yte = ds.load_digits(test_size=0.25, seed=0, dtype=np.float64)
    assert Xtr.dtype == np.float64 and len(Xtr) + len(Xte) == 1797 and abs(len(Xte) - 449) <= 5
    # stratified: every class keeps its share
    share = np.bincount(yte, minlength=10) / np.bincount(y, minlength=10)
    assert np.all(np.abs(share - 0.25) < 0.02)
    again = ds.load_digits(test_size=0.25, seed=0, dtype=np.float64)
    np.testing.assert_array_equal(again[1], Xte)
    other = ds.load_digits(test_size=0.25, seed=1)
    assert not np.array_equal(other[3], yte)
    bunch = ds.load_digits(return_X_y=False)
    assert bunch["images"].shape == (1797, 8, 8)


def test_load_digits_without_sklearn_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "sklearn", None)
    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)
    with pytest.raises(ImportError, match=r'pip install "pyoptim-dlbook\[datasets\]"'):
        ds.load_digits()


GENERATORS = [
    ("blobs", lambda s: ds.blobs(n=90, centers=3, d=4, seed=s)),
    ("two_moons", lambda s: ds.two_moons(n=51, seed=s)),
    ("spirals", lambda s: ds.spirals(n=90, classes=3, seed=s)),
    ("linear_regression", lambda s: ds.linear_regression(n=40, d=5, seed=s)),
    ("separable", lambda s: ds.separable(n=40, d=3, seed=s)),
    ("random_classification", lambda s: ds.random_classification(n=200, d=20, classes=4, seed=s)),
]


@pytest.mark.parametrize("name,make", GENERATORS, ids=[g[0] for g in GENERATORS])
def test_generators_are_seeded_and_well_formed(name, make):
    X, y = make(0)[:2]
    X2, y2 = make(0)[:2]
    X3, _ = make(1)[:2]
    np.testing.assert_array_equal(X, X2)
    np.testing.assert_array_equal(y, y2)
    assert not np.array_equal(X, X3)
    assert X.dtype == np.float32 and X.ndim == 2 and len(X) == len(y) and np.all(np.isfinite(X))
    if name != "linear_regression":
        assert y.dtype == np.int64 and y.min() == 0
    rng = np.random.default_rng(3)  # a Generator works as the seed too
    make(rng)


def test_class_balance_and_shapes():
    X, y = ds.blobs(n=90, centers=3, d=4, seed=0)
    assert np.bincount(y).tolist() == [30, 30, 30]
    X, y = ds.spirals(n=90, classes=3, seed=0)
    assert X.shape == (90, 2) and np.bincount(y).tolist() == [30, 30, 30]
    X, y = ds.two_moons(n=51, seed=0)
    assert np.bincount(y).tolist() == [25, 26]
    X, y = ds.random_classification(n=300, d=16, classes=5, seed=0)
    assert X.shape == (300, 16) and set(np.unique(y)) <= set(range(5))


def test_linear_regression_correlation_and_coefficients():
    X, y, w = ds.linear_regression(n=20000, d=4, correlation=0.8, noise=0.1, seed=0, dtype=np.float64,
                                   return_coef=True)
    C = np.corrcoef(X.T)
    off = C[~np.eye(4, dtype=bool)]
    assert np.all(np.abs(off - 0.8) < 0.02)
    w_hat = np.linalg.lstsq(X, y, rcond=None)[0]
    np.testing.assert_allclose(w_hat, w, atol=0.01)
    resid = y - X @ w
    assert abs(resid.std() - 0.1) < 0.01


def test_separable_has_the_margin():
    X, y, w = ds.separable(n=500, d=5, margin=0.4, seed=2, dtype=np.float64, return_w=True)
    s = np.where(y == 1, 1.0, -1.0) * (X @ w)
    assert s.min() >= 0.2 - 1e-12 and set(np.unique(y)) == {0, 1}


@pytest.mark.parametrize("call,match", [
    (lambda: ds.blobs(n=0), "Invalid n"),
    (lambda: ds.blobs(std=0.0), "Invalid std"),
    (lambda: ds.linear_regression(correlation=1.0), "Invalid correlation"),
    (lambda: ds.two_moons(noise=-1), "Invalid noise"),
    (lambda: ds.separable(margin=-0.1), "Invalid margin"),
    (lambda: ds.random_classification(n=10, d=3, dtype=np.int32), "Invalid dtype"),
    (lambda: ds.train_test_split(np.zeros((10, 1)), np.zeros(10), test_size=1.5), "Invalid test_size"),
    (lambda: ds.train_test_split(np.zeros((10, 1)), np.zeros(9)), "X has 10 samples, y has 9"),
])
def test_generator_argument_errors(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_top_level_exports():
    for name in ("fit", "minibatches", "History", "evaluate", "predict", "save", "load", "datasets"):
        assert hasattr(po, name) and name in po.__all__
