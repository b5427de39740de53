"""Bugs found by the reliability checks (issue 6), each kept as a regression test now that it is fixed.

Each test states the contract and the exact reproducer; a comment above it names the fix. A bug found
and not yet fixed is pinned here with `@pytest.mark.xfail(strict=True)` (none is open today): when the
owner fixes it the test passes, the strict xfail turns that into a failure, and the mark (and any
matching spec restriction in tests/_support/kernel_registry.py) is removed.
"""
import numpy as np
import pytest

from pyoptim import _reference, kernels

pytestmark = pytest.mark.c_only   # bugs of the C core


# fixed (secondorder): coordinate_descent_sweep turned a NaN into 0 (the soft threshold's max() dropped it)
def test_coordinate_descent_sweep_propagates_nan():
    x, A, b = np.zeros(2), np.eye(2), np.array([np.nan, 1.0])
    ch = kernels.coordinate_descent_sweep(x, A, b)     # gave x = [0, 1]
    assert np.isnan(x).all() and np.isnan(ch), (x, ch)   # x0 = NaN reaches z_1 through A[1] @ x
    xt = np.zeros(2)
    with np.errstate(invalid="ignore"):
        cht = _reference.coordinate_descent_sweep(xt, A, b)
    assert np.isnan(xt).all() and np.isnan(cht), (xt, cht)


# fixed (secondorder): the l2 penalty was (l2/2)*||w||^2, so l2 == 0 with an overflowing ||w||^2 gave
# 0 * inf = NaN; now sum_j ((l2/2) w_j) w_j like the twins (least squares, logistic and softmax)
@pytest.mark.parametrize("dt", [np.float64, np.float32])
def test_least_squares_l2_zero_with_huge_w_is_finite(dt):
    big, tiny = (1e300, 1e-300) if dt == np.float64 else (1e30, 1e-30)
    g, w, X, y = np.zeros(2, dt), np.array([big, 0.0], dt), np.array([[tiny, 0.0]], dt), np.zeros(1, dt)
    f = kernels.least_squares_value_and_grad(g, w, X, y, l2=0.0)   # was nan; the exact value is 0.5
    assert f == pytest.approx(0.5, rel=1e-6)
    assert f == pytest.approx(_reference.least_squares_value_and_grad(np.zeros(2, dt), w, X, y, l2=0.0), rel=1e-6)
    assert np.isfinite(g).all(), g


@pytest.mark.parametrize("name", ["logistic_value_and_grad", "softmax_value_and_grad"])
def test_glm_l2_zero_with_huge_w_is_finite(name):
    w, X = np.array([1e300, 0.0]), np.array([[0.0, 1.0]])
    y = np.zeros(1, np.int64) if name == "softmax_value_and_grad" else np.zeros(1)
    kw = {"n_classes": 1} if name == "softmax_value_and_grad" else {}
    f = getattr(kernels, name)(np.zeros(2), w, X, y, l2=0.0, **kw)
    ft = getattr(_reference, name)(np.zeros(2), w, X, y, l2=0.0, **kw)
    assert np.isfinite(f) and f == pytest.approx(ft, rel=1e-12), (f, ft)


# fixed (secondorder): an unaligned int64 label array was accepted (misaligned loads)
def test_softmax_value_and_grad_rejects_unaligned_labels():
    buf = np.zeros(8 + 1, np.uint8)
    y = buf[1:].view(np.int64)
    assert not y.flags.aligned
    with pytest.raises(ValueError, match="'y' must be aligned"):
        kernels.softmax_value_and_grad(np.zeros(2), np.zeros(2), np.ones((1, 2)), y, n_classes=1)


def test_minimize_softmax_model_rejects_unaligned_labels():
    from pyoptim import _core
    y = np.zeros(8 + 1, np.uint8)[1:].view(np.int64)
    with pytest.raises(ValueError, match="'y' must be aligned"):
        _core._minimize(None, np.zeros(2), model=("softmax", np.ones((1, 2)), y, 0.0, 1))


# fixed (secondorder): a non-contiguous label array raised TypeError; layout errors are ValueError
def test_softmax_value_and_grad_noncontiguous_labels_is_valueerror():
    y = np.zeros(4, np.int64)[::2]
    with pytest.raises(ValueError, match="y"):
        kernels.softmax_value_and_grad(np.zeros(2), np.zeros(2), np.ones((2, 1)), y, n_classes=2)


# fixed (secondorder): cg_step(rr=0) returned inf directions while its twin raised ZeroDivisionError;
# now rr = r'r = 0 (converged) raises ValueError in both, before anything is written
def test_cg_step_rr_zero_kernel_and_twin_agree():
    args = lambda: (np.ones(2), np.ones(2), np.ones(2), np.ones(2))  # noqa: E731
    k_err = t_err = None
    try:
        kernels.cg_step(*args(), 0.0)
    except Exception as e:  # noqa: BLE001
        k_err = type(e)
    try:
        _reference.cg_step(*args(), 0.0)
    except Exception as e:  # noqa: BLE001
        t_err = type(e)
    assert k_err is t_err is ValueError
    x = np.ones(2)
    with pytest.raises(ValueError, match="rr"):
        kernels.cg_step(x, np.ones(2), np.ones(2), np.ones(2), 0.0)
    assert (x == 1).all()


# fixed (optim, twin): _reference.grad_norm(norm_type=inf) lost a NaN (Python's max() over per-array
# maxima); it now takes np.max over them, and kernel and twin both return NaN ('NaN if any element is NaN')
def test_grad_norm_twin_inf_norm_keeps_nan():
    arrays = [np.array([0.5]), np.array([np.nan, 1.0])]
    assert np.isnan(kernels.grad_norm(arrays, np.inf))
    assert np.isnan(_reference.grad_norm([a.copy() for a in arrays], np.inf))


# fixed (secondorder, accuracy): bfgs_update's expanded form H - rho(s(Hy)' + (Hy)s') + (rho^2 y'Hy + rho)ss'
# cancelled catastrophically when |H| >> the update; the kernel now uses the product form in O(n^2)
@pytest.mark.parametrize("dt", [np.float32, np.float64])
def test_bfgs_update_large_H_keeps_the_update(dt):
    H = np.array([[1.2573022e33]], dt)
    s = y = np.array([0.12573022], dt)
    Ht = H.copy()
    kernels.bfgs_update(H, s, y)          # was 0.0; the exact result is 1/(y's) * s*s = 1.0
    _reference.bfgs_update(Ht, s, y)
    np.testing.assert_allclose(H, [[1.0]], rtol=1e-3)
    assert abs(H[0, 0] - 1.0) <= abs(Ht[0, 0] - 1.0) + 1e-6, (H, Ht)


# fixed (optim): adam_step(amsgrad=True) dropped a NaN in max_exp_avg_sq (a max that kept the other
# operand); the kernel's max now propagates NaN, as torch.maximum and the twin
def test_adam_amsgrad_max_propagates_nan():
    p, g, m, v = np.ones(3), np.ones(3), np.zeros(3), np.zeros(3)
    vmax = np.array([np.nan, 0.0, 0.0])
    with np.errstate(all="ignore"):
        kernels.adam_step(p, g, m, v, vmax, lr=0.1, beta1=0.0, beta2=0.0, eps=1e-8, step=1.0, amsgrad=True)
    assert np.isnan(vmax[0]) and np.isnan(p[0]), (vmax, p)   # was: vmax = [1, 1, 1], p = [0.9, 0.9, 0.9]
