"""Spectrum tools (book 8.2.1, 8.2.3) against numpy.linalg.eigvalsh on explicit symmetric matrices."""
import numpy as np
import pytest

import pyoptim as po
from pyoptim.diagnostics import (condition_number, full_hessian, lanczos, lanczos_eigs, negative_fraction,
                                 power_iteration, slq_density)


def _sym(n, seed=0, neg=0):
    rng = np.random.default_rng(seed)
    Q, _ = np.linalg.qr(rng.standard_normal((n, n)))
    lam = np.sort(rng.uniform(0.5, 10.0, n))
    lam[:neg] *= -1
    return Q @ np.diag(lam) @ Q.T, np.sort(lam)


def test_lanczos_basis_orthonormal_and_tridiagonal():
    A, _ = _sym(40)
    alpha, beta, Q = lanczos(lambda v: A @ v, 40, 15, seed=1)
    np.testing.assert_allclose(Q.T @ Q, np.eye(15), atol=1e-12)
    T = np.diag(alpha) + np.diag(beta, 1) + np.diag(beta, -1)
    np.testing.assert_allclose(Q.T @ A @ Q, T, atol=1e-10)


def test_lanczos_full_steps_is_exact():
    A, lam = _sym(30, seed=2, neg=4)
    top, bottom = lanczos_eigs(lambda v: A @ v, 30, k=3, m=30)
    np.testing.assert_allclose(top, lam[::-1][:3], rtol=1e-10)
    np.testing.assert_allclose(bottom, lam[:3], rtol=1e-10)


def test_lanczos_extremes_converge_first():
    rng = np.random.default_rng(3)
    Q, _ = np.linalg.qr(rng.standard_normal((300, 300)))
    lam = np.concatenate([[-5.0], np.linspace(0.1, 1.0, 298), [20.0]])
    A = Q @ np.diag(lam) @ Q.T
    top, bottom = lanczos_eigs(lambda v: A @ v, 300, k=1, m=40)
    assert top[0] == pytest.approx(20.0, rel=1e-8)
    assert bottom[0] == pytest.approx(-5.0, rel=1e-8)


def test_power_iteration_top_and_bottom_by_shift():
    A, lam = _sym(20, seed=4)
    lmax, v = power_iteration(lambda x: A @ x, 20, iters=5000, tol=1e-14)
    assert lmax == pytest.approx(lam[-1], rel=1e-6)
    lmin, _ = power_iteration(lambda x: A @ x, 20, iters=5000, tol=1e-14, shift=lmax)
    assert lmin == pytest.approx(lam[0], rel=1e-4)


def test_condition_number_and_negative_fraction_exact():
    A, lam = _sym(25, seed=5, neg=5)
    assert condition_number(lam) == pytest.approx(np.abs(lam).max() / np.abs(lam).min())
    assert negative_fraction(np.linalg.eigvalsh(A)) == pytest.approx(5 / 25)
    assert condition_number([0.0, 1.0]) == np.inf


def test_slq_negative_fraction_estimate():
    A, lam = _sym(200, seed=6, neg=50)
    nodes, weights = slq_density(lambda v: A @ v, 200, m=40, n_vectors=20, seed=0)
    assert weights.sum() == pytest.approx(1.0)
    frac = negative_fraction(nodes=nodes, weights=weights)
    assert abs(frac - 0.25) < 0.06


def test_full_hessian_from_matvec():
    A, _ = _sym(12, seed=7)
    np.testing.assert_allclose(full_hessian(lambda v: A @ v, 12), A, atol=1e-14)


def test_bad_arguments():
    A, _ = _sym(5)
    with pytest.raises(ValueError, match="Invalid k"):
        lanczos_eigs(lambda v: A @ v, 5, k=0)
    with pytest.raises(ValueError, match="Invalid which"):
        lanczos_eigs(lambda v: A @ v, 5, which="LM")
    with pytest.raises(ValueError, match="Invalid v0"):
        lanczos(lambda v: A @ v, 5, 3, v0=np.zeros(5))


def test_plotted_negative_count_equals_negative_fraction_times_n():
    """One truth: the count in plot.hessian_spectrum's legend is Spectrum.negative_fraction · n, also
    for eigenvalues within rounding of zero (below the 1e-8·max|λ| rule they do not count)."""
    pytest.importorskip("matplotlib")
    import matplotlib
    matplotlib.use("Agg")
    ev = np.array([-3.0, -1e-12, 0.0, 1e-13, 2.0, 5.0])          # two tiny negatives are rounding, not curvature
    frac = po.diagnostics.negative_fraction(ev, tol=po.diagnostics.EXACT_NEGATIVE_RTOL * np.abs(ev).max())
    fig = po.plot.hessian_spectrum(ev)
    legend = fig.axes[0].get_legend().get_texts()[0].get_text()
    assert f"{round(frac * ev.size)} negative" in legend and round(frac * ev.size) == 1
