"""Known bugs found by the reliability checks, pinned as strict xfails (issue 6).

Each test states the contract and the exact reproducer. When the owner fixes the bug the test passes,
strict xfail turns that into a failure, and the mark (and the matching `known=` / spec restriction in
tests/kernel_registry.py) should be removed.
"""
import os

import numpy as np
import pytest

from pyoptim import _reference, kernels


@pytest.mark.xfail(strict=True, reason="BUG (secondorder): coordinate_descent_sweep turns a NaN into 0 "
                                       "(the soft threshold's max() drops it) instead of propagating it")
def test_coordinate_descent_sweep_propagates_nan():
    x, A, b = np.zeros(2), np.eye(2), np.array([np.nan, 1.0])
    kernels.coordinate_descent_sweep(x, A, b)          # gives x = [0, 1]
    assert np.isnan(x[0]), x                           # the twin gives [nan, nan]


@pytest.mark.xfail(strict=True, reason="BUG (secondorder): least_squares_value_and_grad adds "
                                       "(l2/2)*||w||^2 even when l2 == 0, so 0 * inf gives a NaN value")
def test_least_squares_l2_zero_with_huge_w_is_finite():
    g, w, X, y = np.zeros(2), np.array([1e300, 0.0]), np.array([[1e-300, 0.0]]), np.zeros(1)
    f = kernels.least_squares_value_and_grad(g, w, X, y, l2=0.0)   # nan; the exact value is 0.5
    assert f == _reference.least_squares_value_and_grad(np.zeros(2), w, X, y, l2=0.0) == 0.5


@pytest.mark.xfail(strict=True, reason="BUG (secondorder): softmax_value_and_grad accepts an unaligned "
                                       "int64 label array (misaligned loads; every other kernel raises)")
@pytest.mark.skipif(bool(os.environ.get("PYOPTIM_EXPECT_CORE")),
                    reason="under scripts/sanitize.sh UBSan aborts on the misaligned load (which is the bug)")
def test_softmax_value_and_grad_rejects_unaligned_labels():
    buf = np.zeros(8 + 1, np.uint8)
    y = buf[1:].view(np.int64)
    assert not y.flags.aligned
    with pytest.raises(ValueError, match="y"):
        kernels.softmax_value_and_grad(np.zeros(2), np.zeros(2), np.ones((1, 2)), y, n_classes=1)


@pytest.mark.xfail(strict=True, reason="BUG (secondorder): a non-contiguous label array raises TypeError; "
                                       "the kernels' contract says ValueError for layout")
def test_softmax_value_and_grad_noncontiguous_labels_is_valueerror():
    y = np.zeros(4, np.int64)[::2]
    with pytest.raises(ValueError, match="y"):
        kernels.softmax_value_and_grad(np.zeros(2), np.zeros(2), np.ones((2, 1)), y, n_classes=2)


@pytest.mark.xfail(strict=True, reason="BUG (secondorder): cg_step(rr=0) returns inf directions while its "
                                       "twin raises ZeroDivisionError; rr = r'r = 0 (converged) should raise "
                                       "ValueError in both or be handled the same way")
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


@pytest.mark.xfail(strict=True, reason="BUG (optim, twin): _reference.grad_norm(norm_type=inf) loses a NaN "
                                       "(Python's max() over per-array maxima); the kernel returns NaN as "
                                       "documented ('NaN if any element is NaN')")
def test_grad_norm_twin_inf_norm_keeps_nan():
    arrays = [np.array([0.5]), np.array([np.nan, 1.0])]
    assert np.isnan(kernels.grad_norm(arrays, np.inf))
    assert np.isnan(_reference.grad_norm([a.copy() for a in arrays], np.inf))


@pytest.mark.xfail(strict=True, reason="BUG (secondorder, accuracy): bfgs_update's expanded form "
                                       "H - rho(s(Hy)' + (Hy)s') + (rho^2 y'Hy + rho)ss' cancels catastrophically "
                                       "when |H| >> the update; the product form (I - rho s y')H(I - rho y s') + "
                                       "rho s s' (the twin) is exact here")
def test_bfgs_update_large_H_keeps_the_update():
    H = np.array([[1.2573022e33]], np.float32)
    s = y = np.array([0.12573022], np.float32)
    kernels.bfgs_update(H, s, y)          # H becomes 0.0; the exact result is 1/(y's) * s*s = 1.0
    np.testing.assert_allclose(H, [[1.0]], rtol=1e-3)


@pytest.mark.xfail(strict=True, reason="BUG (optim): adam_step(amsgrad=True) drops a NaN in max_exp_avg_sq "
                                       "(fmax-style max); torch.maximum and the twin propagate it")
def test_adam_amsgrad_max_propagates_nan():
    p, g, m, v = np.ones(3), np.ones(3), np.zeros(3), np.zeros(3)
    vmax = np.array([np.nan, 0.0, 0.0])
    with np.errstate(all="ignore"):
        kernels.adam_step(p, g, m, v, vmax, lr=0.1, beta1=0.0, beta2=0.0, eps=1e-8, step=1.0, amsgrad=True)
    assert np.isnan(vmax[0]) and np.isnan(p[0]), (vmax, p)   # kernel: vmax = [1, 1, 1], p = [0.9, 0.9, 0.9]
