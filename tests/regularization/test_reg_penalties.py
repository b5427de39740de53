"""Book 7.1-7.3, 7.9: norm penalties, constraints by reprojection, under-constrained problems, tying."""
import numpy as np
import pytest

import pyoptim as po
from pyoptim import regularization as reg
from pyoptim.constraints import L1Ball, L2Ball, MaxNorm
from pyoptim.regularizers import L1, L2, Tying, select_params
from refcount import refcounts_unchanged


def _quadratic(n=6, seed=0, lam=None):
    rng = np.random.default_rng(seed)
    Q, _ = np.linalg.qr(rng.standard_normal((n, n)))
    lam = np.geomspace(0.05, 5.0, n) if lam is None else np.asarray(lam, float)
    H = Q @ np.diag(lam) @ Q.T
    w_star = rng.standard_normal(n)
    return H, Q, lam, w_star


def _minimize_with(reg_obj, H, w_star, lr, steps):
    """Gradient descent on J(w) = ½(w − w*)ᵀH(w − w*) plus the regularizer, through its protocol on a
    plain array (grad via grads=, proximal step via after_step)."""
    w = np.zeros_like(w_star)
    for _ in range(steps):
        g = H @ (w - w_star)
        reg_obj.accumulate_grad([w], grads=[g])
        w -= lr * g
        reg_obj.after_step([w], lr)
    return w


def test_l2_minimum_on_a_quadratic_is_the_eigen_rescaled_optimum():
    """Book eq. 7.13: w̃ = Q(Λ + αI)⁻¹ΛQᵀw*, component i scaled by λᵢ/(λᵢ + α)."""
    H, Q, lam, w_star = _quadratic()
    alpha = 0.3
    w = _minimize_with(L2(alpha), H, w_star, lr=0.3, steps=3000)
    closed = reg.l2_quadratic_minimum(H, w_star, alpha)
    np.testing.assert_allclose(w, closed, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(Q.T @ w, (lam / (lam + alpha)) * (Q.T @ w_star), rtol=1e-9, atol=1e-12)
    # directions with λ ≫ α are nearly kept, with λ ≪ α nearly removed
    f = (Q.T @ w) / (Q.T @ w_star)
    assert f[-1] > 0.9 and f[0] < 0.2


def test_ridge_equals_the_l2_regularized_least_squares():
    rng = np.random.default_rng(1)
    X = rng.standard_normal((40, 5))
    y = rng.standard_normal(40)
    alpha = 2.0
    w = _minimize_with(L2(alpha), X.T @ X, np.linalg.lstsq(X, y, rcond=None)[0], lr=0.01, steps=5000)
    np.testing.assert_allclose(w, np.linalg.solve(X.T @ X + alpha * np.eye(5), X.T @ y), rtol=1e-8)
    np.testing.assert_allclose(reg.ridge(X, y, alpha), np.linalg.solve(X.T @ X + alpha * np.eye(5), X.T @ y))


def test_l2_matches_torch_weight_decay_gradient():
    w = np.array([[1.0, -2.0], [0.5, 3.0]])
    p = po.nn.Parameter(w.copy())
    r = L2(0.1, params="all")
    assert r.penalty([p]) == pytest.approx(0.05 * (w ** 2).sum())
    r.accumulate_grad([p])
    np.testing.assert_allclose(p.grad, 0.1 * w)


def test_l1_proximal_reaches_the_books_diagonal_solution_with_exact_zeros():
    """Book eq. 7.22: with H diagonal the minimum is sign(w*ᵢ)·max(|w*ᵢ| − α/Hᵢᵢ, 0)."""
    h = np.array([0.5, 1.0, 2.0, 4.0, 1.5, 3.0])
    w_star = np.array([0.1, -0.3, 1.2, -2.0, 0.9, 0.05])
    alpha = 0.5
    w = _minimize_with(L1(alpha, mode="proximal"), np.diag(h), w_star, lr=0.2, steps=400)
    expected = reg.l1_diagonal_minimum(h, w_star, alpha)
    np.testing.assert_allclose(w, expected, atol=1e-12)
    zeros = expected == 0
    assert zeros.sum() >= 2
    assert np.all(w[zeros] == 0.0)                 # exact zeros, not small numbers
    # the subgradient method hovers near the solution but does not produce exact zeros
    ws = _minimize_with(L1(alpha, mode="subgradient"), np.diag(h), w_star, lr=0.01, steps=2000)
    np.testing.assert_allclose(ws, expected, atol=0.02)
    assert np.count_nonzero(ws[zeros] == 0.0) < zeros.sum()


def test_l1_penalty_and_subgradient_values():
    p = po.nn.Parameter(np.array([[1.0, -2.0], [0.0, 3.0]]))
    r = L1(0.5, params="all")
    assert r.penalty([p]) == pytest.approx(3.0)
    r.accumulate_grad([p])
    np.testing.assert_array_equal(p.grad, 0.5 * np.sign(p.data))


def test_default_applies_to_weights_not_biases():
    model = po.nn.Sequential(po.nn.Dense(3, 4, seed=0, dtype=np.float64), po.nn.ReLU(),
                             po.nn.Dense(4, 2, seed=1, dtype=np.float64))
    sel = select_params(model)
    assert [p.shape for p in sel] == [(3, 4), (4, 2)]
    assert len(select_params(model, "all")) == 4
    r = L2(1.0)
    model.zero_grad()
    r.accumulate_grad(model)
    assert not model[0].bias.grad.any() and model[0].weight.grad.any()
    expect = 0.5 * sum((p.data.astype(np.float64) ** 2).sum() for p in sel)
    assert r.penalty(model) == pytest.approx(expect)
    model[0].weight.requires_grad = False
    assert [p.shape for p in select_params(model)] == [(4, 2)]
    only = select_params(model, lambda name, p: name == "2.weight")
    assert [p.shape for p in only] == [(4, 2)]


def test_l2_and_l1_gradient_by_central_differences():
    rng = np.random.default_rng(5)
    for r in (L2(0.7, params="all"), L1(0.3, params="all")):
        w = rng.standard_normal((3, 4)) + 0.05     # away from the kink of |w|
        p = po.nn.Parameter(w.copy())
        r.accumulate_grad([p])
        num = np.zeros_like(w)
        h = 1e-6
        for i in np.ndindex(w.shape):
            wp, wm = w.copy(), w.copy()
            wp[i] += h
            wm[i] -= h
            num[i] = (r.penalty([wp]) - r.penalty([wm])) / (2 * h)
        np.testing.assert_allclose(p.grad, num, rtol=1e-6, atol=1e-8)


def test_tying_penalty_and_gradient():
    rng = np.random.default_rng(2)
    a = po.nn.Parameter(rng.standard_normal((4, 3)))
    b = po.nn.Parameter(rng.standard_normal((4, 3)))
    t = Tying(a, b, 0.25)
    assert t.penalty() == pytest.approx(0.25 * ((a.data - b.data) ** 2).sum())
    t.accumulate_grad(None)
    h = 1e-6
    for P, G in ((a, a.grad), (b, b.grad)):
        i = (1, 2)
        old = P.data[i]
        P.data[i] = old + h
        fp = t.penalty()
        P.data[i] = old - h
        fm = t.penalty()
        P.data[i] = old
        assert G[i] == pytest.approx((fp - fm) / (2 * h), rel=1e-6)
    with pytest.raises(ValueError, match="Invalid param_b"):
        Tying(a, po.nn.Parameter(np.zeros(3)), 1.0)


def test_shared_parameter_gradient_is_the_sum_of_its_uses():
    """Book 7.9: one weight Parameter in two Dense layers receives the sum of both uses' gradients."""
    d1 = po.nn.Dense(4, 4, seed=0, dtype=np.float64)
    d2 = po.nn.Dense(4, 4, seed=1, dtype=np.float64)
    d2.weight = d1.weight                         # sharing
    model = po.nn.Sequential(d1, po.nn.Tanh(), d2)
    assert len(model.parameters()) == 3           # weight once, two biases
    rng = np.random.default_rng(0)
    X = rng.standard_normal((5, 4))
    R = rng.standard_normal((5, 4))
    model.zero_grad()
    model.forward(X)
    model.backward(R)
    W = d1.weight.data
    num = np.zeros_like(W)
    h = 1e-6
    for i in np.ndindex(W.shape):
        old = W[i]
        W[i] = old + h
        fp = (model.forward(X) * R).sum()
        W[i] = old - h
        fm = (model.forward(X) * R).sum()
        W[i] = old
        num[i] = (fp - fm) / (2 * h)
    np.testing.assert_allclose(d1.weight.grad, num, rtol=1e-6, atol=1e-9)
    # and that is the sum of the two uses: the layer-1 use alone differs
    a = np.tanh(X @ W + d1.bias.data)
    use2 = a.T @ R
    assert not np.allclose(d1.weight.grad, use2)


@pytest.mark.parametrize("bad", [-1.0, float("nan"), float("inf"), "x"])
def test_penalty_hyperparameter_validation(bad):
    with pytest.raises(ValueError, match="Invalid alpha"):
        L2(bad)
    with pytest.raises(ValueError, match="Invalid alpha"):
        L1(bad)
    with pytest.raises(ValueError, match="Invalid max_value"):
        MaxNorm(bad)
    with pytest.raises(ValueError, match="Invalid radius"):
        L2Ball(bad)


def test_l1_mode_and_params_validation():
    with pytest.raises(ValueError, match="Invalid mode"):
        L1(0.1, mode="prox")
    with pytest.raises(ValueError, match="Invalid params"):
        L2(0.1, params="biases").penalty(po.nn.Dense(2, 2))
    with pytest.raises(TypeError, match="plain arrays"):
        L2(0.1).accumulate_grad([np.ones((2, 2))])


# ---- 7.2 constraints -------------------------------------------------------------------------------

def test_maxnorm_in_fit_bounds_every_column_after_every_step_and_leaves_small_ones_untouched():
    X, y = po.datasets.blobs(n=200, centers=3, d=5, seed=0)
    X = X.astype(np.float32)
    model = po.nn.Sequential(po.nn.Dense(5, 16, seed=0), po.nn.ReLU(), po.nn.Dense(16, 3, seed=1))
    k = 0.9
    stats = {"applies": 0, "rescaled": 0, "untouched": 0, "max_norm": 0.0}

    class Recorded(MaxNorm):
        def apply(self, m):
            before = [p.data.copy() for p in self.targets(m)]
            super().apply(m)
            stats["applies"] += 1
            for b, p in zip(before, self.targets(m)):
                nb = np.sqrt((b.astype(np.float64) ** 2).sum(axis=0))
                na = np.sqrt((p.data.astype(np.float64) ** 2).sum(axis=0))
                stats["max_norm"] = max(stats["max_norm"], na.max())
                under = nb <= k
                np.testing.assert_array_equal(p.data[:, under], b[:, under])   # bit-identical
                stats["untouched"] += int(under.sum())
                stats["rescaled"] += int((~under).sum())
    opt = po.optim.SGD(model.parameters(), lr=0.5)
    po.fit(model, po.nn.SoftmaxCrossEntropy(), opt, X, y, epochs=3, batch_size=20, constraints=[Recorded(k, axis=0)],
           progress=False)
    assert stats["applies"] == 30
    assert stats["max_norm"] <= k * (1 + 1e-6)          # after every step, every column norm <= k
    assert stats["rescaled"] > 0 and stats["untouched"] > 0   # the constraint was active, and selective


def test_constraint_untouched_bit_identical_and_projection():
    rng = np.random.default_rng(0)
    W = rng.standard_normal((10, 6)).astype(np.float32)
    W[:, 0] *= 0.01
    W0 = W.copy()
    MaxNorm(1.0).apply([W])
    np.testing.assert_array_equal(W[:, 0], W0[:, 0])
    np.testing.assert_allclose(np.linalg.norm(W[:, 1:], axis=0), 1.0, rtol=1e-6)
    v = rng.standard_normal((3, 30))
    L2Ball(2.0).apply([v])
    assert np.linalg.norm(v) == pytest.approx(2.0)
    u = rng.standard_normal((3, 30))
    L1Ball(2.0).apply([u])
    assert np.abs(u).sum() == pytest.approx(2.0)
    assert (u == 0).sum() > 50                 # the L1 projection is sparse


# ---- 7.3 under-constrained problems ----------------------------------------------------------------

def test_pseudo_inverse_is_the_limit_of_ridge():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((4, 9)) @ np.diag(np.linspace(0.5, 2, 9))   # under-determined: XᵀX singular
    X[3] = X[0] + X[1]                                                 # and rank-deficient
    pinv = np.linalg.pinv(X)
    errs = [np.abs(reg.ridge_pseudo_inverse(X, a) - pinv).max() for a in (1e-1, 1e-3, 1e-5, 1e-7)]
    assert all(e2 < e1 / 50 for e1, e2 in zip(errs, errs[1:]))        # converges linearly in α
    assert errs[-1] < 1e-6
    np.testing.assert_allclose(reg.ridge_pseudo_inverse(X, 0.0), pinv, atol=1e-10)
    # the SVD form equals the book's (XᵀX + αI)⁻¹Xᵀ
    a = 0.1
    np.testing.assert_allclose(reg.ridge_pseudo_inverse(X, a), np.linalg.solve(X.T @ X + a * np.eye(9), X.T), atol=1e-12)


def test_separable_logistic_weights_diverge_without_l2_and_converge_with_it():
    X, y = po.datasets.separable(n=100, d=2, margin=0.5, seed=0, dtype=np.float64)
    _, n0 = reg.logistic_weight_path(X, y, l2=0.0, lr=1.0, steps=8000, record_every=1000)
    _, n2 = reg.logistic_weight_path(X, y, l2=0.05, lr=1.0, steps=8000, record_every=1000)
    assert np.all(np.diff(n0) > 0)                     # keeps growing ...
    # ... without bound: ‖w‖ grows like log t (the gain from 4000 to 8000 steps is as large as from
    # 1000 to 2000), whereas a converging sequence's gains shrink geometrically
    assert (n0[7] - n0[3]) > 0.8 * (n0[1] - n0[0])
    assert abs(n2[-1] - n2[-2]) < 1e-8 * n2[-1]        # with L2: converged
    assert n2[-1] < n0[-1]


# ---- the regularizers inside fit -------------------------------------------------------------------

def _digits_subset(n=300):
    X, y = po.datasets.blobs(n=n, centers=4, d=8, std=2.0, seed=3)
    return X.astype(np.float64), y


def test_l2_in_fit_equals_sgd_weight_decay():
    """L2(alpha, params="all") added by fit gives the same iterates as torch-style SGD(weight_decay=alpha)."""
    X, y = _digits_subset()
    res = []
    for use_reg in (True, False):
        model = po.nn.Sequential(po.nn.Dense(8, 16, seed=0, dtype=np.float64), po.nn.Tanh(),
                                 po.nn.Dense(16, 4, seed=1, dtype=np.float64))
        if use_reg:
            opt = po.optim.SGD(model.parameters(), lr=0.1)
            kw = {"regularizers": [L2(0.01, params="all")]}
        else:
            opt = po.optim.SGD(model.parameters(), lr=0.1, weight_decay=0.01)
            kw = {}
        po.fit(model, po.nn.SoftmaxCrossEntropy(), opt, X, y, epochs=3, batch_size=30, progress=False, **kw)
        res.append([p.data.copy() for p in model.parameters()])
    for a, b in zip(*res):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)


def test_l1_proximal_in_fit_makes_exact_zeros_and_subgradient_does_not():
    X, y = _digits_subset()
    zeros = {}
    for mode in ("proximal", "subgradient"):
        model = po.nn.Sequential(po.nn.Dense(8, 32, seed=0, dtype=np.float64), po.nn.ReLU(),
                                 po.nn.Dense(32, 4, seed=1, dtype=np.float64))
        r = L1(0.01, mode=mode)
        h = po.fit(model, po.nn.SoftmaxCrossEntropy(), po.optim.SGD(model.parameters(), lr=0.1), X, y,
                   epochs=20, batch_size=30, progress=False, regularizers=[r])
        zeros[mode] = sum(int((p.data == 0).sum()) for p in select_params(model))
        assert h.history["loss"][-1] < h.history["loss"][0]
        assert not (model[0].bias.data == 0).all()          # biases are not penalized
    assert zeros["proximal"] > 50
    assert zeros["subgradient"] < zeros["proximal"] / 10
    with pytest.raises(ValueError, match="Invalid lr"):
        L1(0.1, mode="proximal").after_step([np.ones((2, 2))], None)


@pytest.mark.slow
def test_kernels_do_not_leak_references_or_memory():
    import tracemalloc
    from pyoptim import kernels as K
    x = np.ones(1000)
    o = np.empty_like(x)
    tracemalloc.start()
    try:
        with refcounts_unchanged(x, o):
            grown = _dropout_max_norm_calls(K, x, o)
    finally:
        tracemalloc.stop()
    assert grown < 50_000


def _dropout_max_norm_calls(K, x, o):
    """Valid and failing dropout/max_norm calls; the traced memory grown after the first round."""
    import tracemalloc
    for i in range(3):
        for _ in range(2000):
            K.dropout_forward(x, o, 0.5, 1, 2)
            K.max_norm(o.reshape(10, 100), max_value=1.0)
            try:
                K.dropout_forward(x, o, 2.0, 1, 2)
            except ValueError:
                pass
            try:
                K.dropout_forward(x, o, 0.5, -1, 2)
            except ValueError:
                pass
        if i == 0:
            base = tracemalloc.get_traced_memory()[0]
    return tracemalloc.get_traced_memory()[0] - base


# ---- 7.2: the generalized Lagrangian and its KKT point ----

def _random_quadratic(n, seed):
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((n, n))
    return A @ A.T + 0.1 * np.eye(n), rng.standard_normal(n) * 2.0


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_l2_ball_minimum_matches_scipy_slsqp_and_satisfies_kkt(seed):
    scipy_optimize = pytest.importorskip("scipy.optimize")
    H, w_star = _random_quadratic(4, seed)
    k = 0.1 * 0.5 * w_star @ w_star                      # active: w* is outside the ball
    w, alpha = po.regularization.l2_ball_minimum(H, w_star, k)
    res = scipy_optimize.minimize(lambda v: 0.5 * (v - w_star) @ H @ (v - w_star), np.zeros(4),
                                  jac=lambda v: H @ (v - w_star), method="SLSQP",
                                  constraints=[{"type": "ineq", "fun": lambda v: k - 0.5 * v @ v,
                                                "jac": lambda v: -v}], options={"ftol": 1e-14, "maxiter": 500})
    np.testing.assert_allclose(w, res.x, atol=1e-6)
    assert alpha > 0
    np.testing.assert_allclose(H @ (w - w_star) + alpha * w, 0.0, atol=1e-9)   # stationarity
    assert abs(0.5 * w @ w - k) < 1e-10                                        # tight: α(Ω − k) = 0


def test_l2_ball_minimum_inactive_constraint_has_zero_multiplier():
    H, w_star = _random_quadratic(3, 5)
    w, alpha = po.regularization.l2_ball_minimum(H, w_star, 10.0 * w_star @ w_star)
    assert alpha == 0.0
    np.testing.assert_array_equal(w, w_star)


@pytest.mark.parametrize("alpha0", [0.0, 2.0])
def test_lagrangian_descent_ascent_reaches_the_kkt_point_and_projection_agrees(alpha0):
    H, w_star = _random_quadratic(3, 7)
    H = H / np.linalg.eigvalsh(H).max()                   # so lr = 0.5 is stable
    k = 0.2 * 0.5 * w_star @ w_star
    w, alpha = po.regularization.l2_ball_minimum(H, w_star, k)
    out = po.regularization.lagrangian_descent_ascent(lambda t: H @ (t - w_star), np.zeros(3), k, lr=0.5,
                                                     alpha_lr=1.0, steps=20000, alpha0=alpha0)
    assert out["theta"].shape == (20001, 3) and out["alpha"].shape == out["omega"].shape == (20001,)
    np.testing.assert_allclose(out["theta"][-1], w, atol=1e-7)
    np.testing.assert_allclose(out["alpha"][-1], alpha, rtol=1e-6)
    v = np.zeros(3)                                      # projected gradient descent never sees α
    for _ in range(20000):
        v = v - 0.5 * H @ (v - w_star)
        po.kernels.l2_ball_project(v, radius=np.sqrt(2 * k))
    np.testing.assert_allclose(v, w, atol=1e-7)


@pytest.mark.parametrize("kw, match", [({"k": 0.0}, "k"), ({"k": np.inf}, "k"), ({"lr": 0.0}, "lr"),
                                       ({"alpha_lr": -1.0}, "alpha_lr"), ({"alpha0": -1.0}, "alpha0"),
                                       ({"steps": -1}, "steps"), ({"steps": 1.5}, "steps")])
def test_lagrangian_descent_ascent_bad_arguments(kw, match):
    args = {"k": 1.0, "lr": 0.1, "alpha_lr": 0.1, "steps": 3, **kw}
    k = args.pop("k")
    with pytest.raises(ValueError, match=match):
        po.regularization.lagrangian_descent_ascent(lambda t: t, np.zeros(2), k, **args)
    if "k" in kw:
        with pytest.raises(ValueError, match="k"):
            po.regularization.l2_ball_minimum(np.eye(2), np.ones(2), kw["k"])
