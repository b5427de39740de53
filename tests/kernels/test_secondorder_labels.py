"""One label rule for every kernel that takes class labels: int64 or int32 (issue 17, item 1)."""
import numpy as np
import pytest

from pyoptim import kernels


def _problem(seed=0, N=7, D=3, K=4):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((N, D)), rng.standard_normal(D * K), rng.integers(0, K, N), K


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_softmax_value_and_grad_int32_labels_equal_int64(dtype):
    X, w, y, K = _problem()
    X, w = X.astype(dtype), w.astype(dtype)
    g64, g32 = np.empty_like(w), np.empty_like(w)
    f64 = kernels.softmax_value_and_grad(g64, w, X, y.astype(np.int64), n_classes=K, l2=0.1)
    f32 = kernels.softmax_value_and_grad(g32, w, X, y.astype(np.int32), n_classes=K, l2=0.1)
    assert f32 == f64
    assert g32.tobytes() == g64.tobytes()


@pytest.mark.c_only
def test_minimize_softmax_model_int32_labels_equal_int64():
    from pyoptim import _core
    X, _, y, K = _problem(1)
    x0 = np.zeros(X.shape[1] * K)
    r64 = _core._minimize(None, x0, model=("softmax", X, y.astype(np.int64), 0.1, K))
    r32 = _core._minimize(None, x0, model=("softmax", X, y.astype(np.int32), 0.1, K))
    assert r32[0].tobytes() == r64[0].tobytes() and r32[2].tobytes() == r64[2].tobytes() and r32[1] == r64[1] and r32[3:] == r64[3:]


@pytest.mark.c_only
@pytest.mark.parametrize("bad,exc,match", [
    (np.zeros(7, np.uint8), TypeError, "int64 or int32"),
    (np.zeros(7, np.int16), TypeError, "int64 or int32"),
    (np.zeros(6, np.int32), ValueError, r"'y' has shape \(6,\), expected shape \(7,\)"),
    (np.zeros(7, ">i4"), TypeError, "byte order"),
])
def test_softmax_value_and_grad_label_rule(bad, exc, match):
    X, w, _, K = _problem()
    with pytest.raises(exc, match=match):
        kernels.softmax_value_and_grad(np.empty_like(w), w, X, bad, n_classes=K)
