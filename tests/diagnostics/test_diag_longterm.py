"""Book 8.2.5: repeated multiplication by W makes components vanish (|λ| < 1) or explode (|λ| > 1)
at rate |λ|ᵗ; W^t = V diag(λ)^t V⁻¹."""
import numpy as np
import pytest

from pyoptim.diagnostics import bptt_gradient_norms, matrix_power_eig, power_norms, spectral_radius


def _w(lams, seed=0):
    rng = np.random.default_rng(seed)
    V = rng.standard_normal((len(lams), len(lams))) + 3 * np.eye(len(lams))
    return V @ np.diag(lams) @ np.linalg.inv(V), V


def test_matrix_power_eig_matches_repeated_products():
    W, _ = _w([0.9, -0.5, 1.1, 0.3])
    for t in (0, 1, 5, 17):
        np.testing.assert_allclose(matrix_power_eig(W, t), np.linalg.matrix_power(W, t), rtol=1e-9, atol=1e-12)


def test_matrix_power_eig_complex_pair_is_real():
    c, s = np.cos(0.3), np.sin(0.3)
    W = 0.95 * np.array([[c, -s], [s, c]])
    P = matrix_power_eig(W, 10)
    assert P.dtype == np.float64
    np.testing.assert_allclose(P, np.linalg.matrix_power(W, 10), atol=1e-12)


@pytest.mark.parametrize("lam", [0.5, 0.9, 1.2, -1.3])
def test_component_along_eigenvector_scales_as_lambda_power_t(lam):
    W, V = _w([lam, 0.1, 0.2])
    x = V[:, 0]
    T = 30
    norms = power_norms(W, x, T)
    np.testing.assert_allclose(norms, np.linalg.norm(x) * abs(lam) ** np.arange(T + 1), rtol=1e-8)


@pytest.mark.parametrize("rho", [0.8, 1.25])
def test_generic_vector_grows_or_decays_at_spectral_radius(rho):
    rng = np.random.default_rng(1)
    Q, _ = np.linalg.qr(rng.standard_normal((6, 6)))
    lams = np.array([rho, 0.6 * rho, 0.5, -0.4, 0.3, 0.1])
    W = Q @ np.diag(lams) @ Q.T
    assert spectral_radius(W) == pytest.approx(rho)
    x = rng.standard_normal(6)
    norms = power_norms(W, x, 80)
    rate = (norms[80] / norms[60]) ** (1 / 20)
    assert rate == pytest.approx(rho, rel=1e-3)
    if rho < 1:
        assert norms[80] < 1e-6 * norms[0]      # vanishes
    else:
        assert norms[80] > 1e6 * norms[0]       # explodes


def test_bptt_gradient_norms_use_transpose():
    W, _ = _w([0.7, 1.1, 0.2], seed=3)
    g = np.array([1.0, -2.0, 0.5])
    got = bptt_gradient_norms(W, g, 6)
    want = [np.linalg.norm(np.linalg.matrix_power(W.T, t) @ g) for t in range(7)]
    np.testing.assert_allclose(got, want, rtol=1e-12)
    ratio = got[6] / got[5]
    assert 0.9 < ratio / 1.1 < 1.1


@pytest.mark.parametrize("bad", [np.zeros((2, 3)), np.zeros(3)])
def test_bad_inputs(bad):
    with pytest.raises(ValueError, match="Invalid W"):
        power_norms(bad, np.zeros(2), 3)
    with pytest.raises(ValueError, match="Invalid T"):
        power_norms(np.eye(2), np.ones(2), -1)
    with pytest.raises(ValueError, match="Invalid W"):
        matrix_power_eig(np.array([[1.0, 1.0], [0.0, 1.0]]), 3)
