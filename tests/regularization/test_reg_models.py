"""Book 7.6, 7.7, 7.10, 7.11, 7.13, 7.14: multi-task and semi-supervised training, sparse
representations, bagging, adversarial training, tangent distance / tangent prop / manifold tangents."""
import numpy as np
import pytest

import pyoptim as po
from pyoptim import regularization as reg
from pyoptim.regularization import augment as aug


@pytest.fixture(scope="module")
def digits():
    X, y = po.datasets.load_digits()
    rng = np.random.default_rng(0)
    perm = rng.permutation(len(X))
    return X[perm], y[perm]


def _fd_param_grad(f, P, idx, h=1e-6):
    old = P.data[idx]
    P.data[idx] = old + h
    fp = f()
    P.data[idx] = old - h
    fm = f()
    P.data[idx] = old
    return (fp - fm) / (2 * h)


# ---- 7.11 bagging ----------------------------------------------------------------------------------

@pytest.mark.parametrize("v,c,k", [(1.0, 0.0, 5), (1.0, 0.5, 5), (2.0, 2.0, 4), (1.5, 0.3, 10)])
def test_ensemble_error_formula_monte_carlo(v, c, k):
    """Book eq. 7.50: E[(mean of k errors)²] = v/k + (k − 1)c/k for variance v, covariance c."""
    rng = np.random.default_rng(0)
    C = np.full((k, k), c) + np.eye(k) * (v - c)
    e = rng.multivariate_normal(np.zeros(k), C, size=200_000)
    sq = e.mean(axis=1) ** 2
    expected = reg.ensemble_expected_error(v, c, k)
    assert abs(sq.mean() - expected) < 5 * sq.std() / np.sqrt(len(sq))
    assert expected == pytest.approx(v / k + (k - 1) * c / k)


def test_bagging_trains_members_on_bootstraps_and_averages():
    X, y = po.datasets.linear_regression(n=120, d=5, noise=0.5, seed=0)
    y = y.reshape(-1, 1)
    bag = reg.Bagging(lambda i: po.nn.Sequential(po.nn.Dense(5, 16, seed=i), po.nn.Tanh(), po.nn.Dense(16, 1, seed=100 + i)),
                      k=4, seed=1)
    bag.fit(po.nn.MSELoss(), lambda m: po.optim.Adam(m.parameters(), lr=1e-2), X, y, epochs=20, batch_size=16)
    assert len(bag.members) == 4
    assert all(len(np.unique(i)) < len(X) for i in bag.indices)          # sampling with replacement
    assert not np.array_equal(bag.indices[0], bag.indices[1])
    preds = bag.member_predictions(X)
    np.testing.assert_allclose(bag.predict(X), np.mean(preds, axis=0))
    ens_err = np.mean((bag.predict(X) - y) ** 2)
    member_err = np.mean([np.mean((p - y) ** 2) for p in preds])
    assert ens_err <= member_err                                           # Jensen: never worse on average
    with pytest.raises(ValueError, match="Invalid k"):
        reg.Bagging(lambda: None, k=0)


# ---- 7.10 sparse representations ---------------------------------------------------------------------

def test_activity_l1_gradient_and_penalty():
    act = reg.ActivityL1(0.3)
    h = np.random.default_rng(0).standard_normal((4, 5))
    act.forward(h)
    assert act.penalty() == pytest.approx(0.3 * np.abs(h).sum() / 4)
    g = act.backward(np.zeros_like(h))
    num = np.zeros_like(h)
    for i in np.ndindex(h.shape):
        hp, hm = h.copy(), h.copy()
        hp[i] += 1e-6
        hm[i] -= 1e-6
        num[i] = (0.3 * np.abs(hp).sum() / 4 - 0.3 * np.abs(hm).sum() / 4) / 2e-6
    np.testing.assert_allclose(g, num, atol=1e-8)
    assert po.regularizers.ActivityL1 is reg.ActivityL1


def test_activation_sparsity_rises_with_the_penalty(digits):
    X, y = digits
    X, y = X[:600], y[:600]
    zero_frac = []
    for alpha in (0.0, 0.01, 0.05):
        act = reg.ActivityL1(alpha)
        model = po.nn.Sequential(po.nn.Dense(64, 64, seed=0), po.nn.ReLU(), act, po.nn.Dense(64, 10, seed=1))
        opt = po.optim.Adam(model.parameters(), lr=5e-3)
        po.fit(model, po.nn.SoftmaxCrossEntropy(), opt, X, y, epochs=8, batch_size=32, progress=False,
               regularizers=[act])
        model.eval()
        H = model[1](model[0](X))
        zero_frac.append(float((H == 0).mean()))
    assert zero_frac[0] < zero_frac[1] < zero_frac[2]
    assert zero_frac[2] > zero_frac[0] + 0.2


# ---- 7.13 adversarial training ----------------------------------------------------------------------

def test_fgsm_is_the_sign_of_the_input_gradient():
    rng = np.random.default_rng(0)
    model = po.nn.Sequential(po.nn.Dense(3, 4, seed=0, dtype=np.float64), po.nn.Tanh(), po.nn.Dense(4, 2, seed=1, dtype=np.float64))
    loss = po.nn.SoftmaxCrossEntropy()
    X = rng.standard_normal((5, 3))
    y = rng.integers(0, 2, 5)
    model.zero_grad()
    Xa = reg.fgsm(model, loss, X, y, 0.1)
    assert all(not p.grad.any() for p in model.parameters())    # parameter gradients untouched
    num = np.zeros_like(X)
    for i in np.ndindex(X.shape):
        xp, xm = X.copy(), X.copy()
        xp[i] += 1e-6
        xm[i] -= 1e-6
        num[i] = (loss.forward(model(xp), y) - loss.forward(model(xm), y)) / 2e-6
    np.testing.assert_allclose(Xa, X + 0.1 * np.sign(num))
    assert loss.forward(model(Xa), y) > loss.forward(model(X), y)


def test_adversarial_training_lowers_the_error_on_fgsm_digits(digits):
    X, y = digits
    Xtr, ytr, Xte, yte = X[:1200], y[:1200], X[1200:], y[1200:]
    loss = po.nn.SoftmaxCrossEntropy()
    errs = {}
    for name, obj in (("plain", None), ("adversarial", reg.AdversarialObjective(0.1, weight=0.5))):
        model = po.nn.Sequential(po.nn.Dense(64, 64, seed=0), po.nn.ReLU(), po.nn.Dense(64, 10, seed=1))
        opt = po.optim.Adam(model.parameters(), lr=5e-3)
        po.fit(model, loss, opt, Xtr, ytr, epochs=10, batch_size=32, progress=False, objective=obj)
        Xa = reg.fgsm(model, loss, Xte, yte, 0.1)               # each model's own worst case
        errs[name] = ((po.predict(model, Xte).argmax(1) != yte).mean(),
                      (po.predict(model, Xa).argmax(1) != yte).mean())
    assert errs["adversarial"][1] < 0.6 * errs["plain"][1]
    assert errs["adversarial"][0] < 0.1                           # clean accuracy is kept


def test_adversarial_objective_gradient_by_finite_differences():
    rng = np.random.default_rng(1)
    model = po.nn.Sequential(po.nn.Dense(3, 4, seed=0, dtype=np.float64), po.nn.Tanh(), po.nn.Dense(4, 2, seed=1, dtype=np.float64))
    loss = po.nn.SoftmaxCrossEntropy()
    X = rng.standard_normal((6, 3))
    y = rng.integers(0, 2, 6)
    obj = reg.AdversarialObjective(0.05, weight=0.3)
    model.zero_grad()
    v = obj(model, loss, X, y)
    # with the adversarial points held fixed (sign(∇ₓJ) is locally constant), J̃ is differentiable
    Xa = reg.fgsm(model, loss, X, y, 0.05, training=True)

    def f():
        return 0.7 * loss.forward(model(X), y) + 0.3 * loss.forward(model(Xa), y)
    assert v == pytest.approx(f())
    W = model[0].weight
    for idx in [(0, 0), (2, 3), (1, 2)]:
        assert W.grad[idx] == pytest.approx(_fd_param_grad(f, W, idx), rel=1e-5, abs=1e-9)


# ---- 7.6 / 7.7 multi-task and semi-supervised --------------------------------------------------------

def _mt_model(dtype=np.float64):
    trunk = po.nn.Sequential(po.nn.Dense(4, 8, seed=0, dtype=dtype), po.nn.Tanh())
    return reg.MultiTask(trunk, [po.nn.Dense(8, 3, seed=1, dtype=dtype), po.nn.Dense(8, 1, seed=2, dtype=dtype)])


def test_multitask_trunk_gradient_is_the_weighted_sum_by_finite_differences():
    rng = np.random.default_rng(0)
    model = _mt_model()
    X = rng.standard_normal((7, 4))
    Y = np.column_stack([rng.integers(0, 3, 7), rng.standard_normal(7)])
    obj = reg.MultiTaskObjective([po.nn.SoftmaxCrossEntropy(), po.nn.MSELoss()], weights=[1.0, 0.5], int_tasks=[0])
    model.zero_grad()
    v = obj(model, None, X, Y)
    assert v == pytest.approx(obj.last_values[0] + 0.5 * obj.last_values[1])

    def f():
        o = model.forward(X)
        return obj.losses[0].forward(o[0], Y[:, 0].astype(int)) + 0.5 * obj.losses[1].forward(o[1], Y[:, 1:])
    W = model.trunk[0].weight
    for idx in [(0, 0), (3, 7), (2, 5)]:
        assert W.grad[idx] == pytest.approx(_fd_param_grad(f, W, idx), rel=1e-6, abs=1e-10)
    # and the trunk gradient is the weighted sum of the two tasks' trunk gradients
    per_task = []
    for t in range(2):
        model.zero_grad()
        o = model.forward(X)
        L = obj.losses[t]
        L.forward(o[t], Y[:, 0].astype(int) if t == 0 else Y[:, 1:])
        grads = [None, None]
        grads[t] = L.backward()
        grads[1 - t] = np.zeros_like(o[1 - t])
        model.backward(grads)
        per_task.append(W.grad.copy())
    model.zero_grad()
    obj(model, None, X, Y)
    np.testing.assert_allclose(W.grad, per_task[0] + 0.5 * per_task[1], atol=1e-12)


def test_multitask_fit_lowers_both_losses():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((300, 4))
    cls = (X[:, 0] + X[:, 1] > 0).astype(int) + (X[:, 2] > 1).astype(int)
    reg_t = X[:, 0] - 2 * X[:, 3]
    Y = np.column_stack([cls, reg_t])
    model = _mt_model()
    obj = reg.MultiTaskObjective([po.nn.SoftmaxCrossEntropy(), po.nn.MSELoss()], weights=[1.0, 0.5], int_tasks=[0])
    h = po.fit(model, None, po.optim.Adam(model.parameters(), lr=1e-2), X, Y, epochs=15, batch_size=32,
               progress=False, objective=obj)
    assert h.history["loss"][-1] < 0.5 * h.history["loss"][0]


def test_semi_supervised_objective_trains_with_few_labels(digits):
    X, y = digits
    X, y = X[:800].astype(np.float64), y[:800]
    y_partial = y.copy()
    y_partial[100:] = -1                               # only 100 labels; 700 unlabeled rows
    trunk = po.nn.Sequential(po.nn.Dense(64, 32, seed=0, dtype=np.float64), po.nn.Tanh())
    model = reg.MultiTask(trunk, [po.nn.Dense(32, 10, seed=1, dtype=np.float64), po.nn.Dense(32, 64, seed=2, dtype=np.float64)])
    obj = reg.SemiSupervisedObjective(po.nn.SoftmaxCrossEntropy(), po.nn.MSELoss(), weight=1.0)
    # the objective's gradient: finite differences on the trunk
    Xb, yb = X[95:105], y_partial[95:105]
    model.zero_grad()
    obj(model, None, Xb, yb)
    lab = yb >= 0

    def f():
        o = model.forward(Xb)
        return po.nn.SoftmaxCrossEntropy().forward(o[0][lab], yb[lab]) + po.nn.MSELoss().forward(o[1], Xb)
    W = trunk[0].weight
    for idx in [(10, 3), (40, 20)]:
        assert W.grad[idx] == pytest.approx(_fd_param_grad(f, W, idx), rel=1e-5, abs=1e-10)
    h = po.fit(model, None, po.optim.Adam(model.parameters(), lr=5e-3), X, y_partial, epochs=10,
               batch_size=32, progress=False, objective=obj)
    assert h.history["loss"][-1] < 0.5 * h.history["loss"][0]
    model.eval()
    acc = (model.forward(X[100:])[0].argmax(1) == y[100:]).mean()
    assert acc > 0.6                                   # learned from 100 labels + unlabeled data


# ---- 7.14 tangent distance, tangent prop, manifold tangents ------------------------------------------

def test_image_tangents_are_derivatives_of_the_transformations(digits):
    X, _ = digits
    x = X[:3].astype(np.float64)
    T = reg.image_tangents(x, kinds=("dx", "dy", "rot"))
    h = 1e-4
    # away from the border pixels (where np.gradient is one-sided) the tangent equals the derivative of
    # the bilinear transformation to O(h) up to the interpolation difference; compare the interior
    fd_dx = (aug.shift_images(x, 0, h) - aug.shift_images(x, 0, -h)) / (2 * h)
    inner = np.zeros((8, 8), bool)
    inner[1:-1, 1:-1] = True
    inner = inner.ravel()
    c = np.corrcoef(fd_dx[:, inner].ravel(), T[:, 0, inner].ravel())[0, 1]
    assert c > 0.8
    fd_rot = (aug.rotate_images(x, h) - aug.rotate_images(x, -h)) / (2 * h)
    c = np.corrcoef(fd_rot[:, inner].ravel(), T[:, 2, inner].ravel())[0, 1]
    assert c > 0.8


def test_tangent_distance_zero_on_the_tangent_plane_and_symmetric(digits):
    X, _ = digits
    x1, x2 = X[0].astype(np.float64), X[1].astype(np.float64)
    T1 = reg.image_tangents(x1)
    T2 = reg.image_tangents(x2)
    neighbour = x1 + T1.T @ np.array([0.3, -0.2, 0.1])
    assert reg.tangent_distance(x1, T1, neighbour) < 1e-10
    assert reg.tangent_distance(x1, T1, neighbour, reg.image_tangents(neighbour)) < 1e-10
    d12 = reg.tangent_distance(x1, T1, x2, T2)
    assert d12 == pytest.approx(reg.tangent_distance(x2, T2, x1, T1), rel=1e-9)
    assert 0 < d12 <= np.linalg.norm(x1 - x2)
    clf = reg.TangentDistanceClassifier(1).fit(X[:5], np.arange(5))
    D = clf.distances(X[5:8])
    for i in range(3):
        for j in range(5):
            assert D[i, j] == pytest.approx(reg.tangent_distance(X[j], clf.T_[j], X[5 + i], reg.image_tangents(X[5 + i])), abs=1e-6)


def test_tangent_distance_classifier_beats_euclidean_nn_on_shifted_digits(digits):
    X, y = digits
    Xtr, ytr = X[:300].astype(np.float64), y[:300]
    rng = np.random.default_rng(1)
    Xq, yq = X[1000:1150].astype(np.float64), y[1000:1150]
    d = rng.uniform(-0.6, 0.6, size=(2, len(Xq)))
    Xsh = aug.shift_images(Xq, d[0], d[1])
    td_err = (reg.TangentDistanceClassifier(1).fit(Xtr, ytr).predict(Xsh) != yq).mean()
    D = ((Xsh[:, None, :] - Xtr[None]) ** 2).sum(-1)
    nn_err = (ytr[D.argmin(1)] != yq).mean()
    assert td_err < 0.6 * nn_err


def test_tangent_prop_penalty_and_gradient_match_finite_differences():
    rng = np.random.default_rng(0)
    model = po.nn.Sequential(po.nn.Dense(6, 5, seed=0, dtype=np.float64), po.nn.Tanh(), po.nn.Dense(5, 3, seed=1, dtype=np.float64))
    X = rng.standard_normal((4, 6))
    V = rng.standard_normal((4, 2, 6))
    # the penalty equals Σᵢ ‖J_f(x) vᵢ‖² with the exact Jacobian (from 3 backward passes per example)
    J = np.zeros((4, 3, 6))
    for k in range(3):
        e = np.zeros((4, 3))
        e[:, k] = 1
        model.forward(X)
        J[:, k, :] = model.backward(e)
    exact = np.sum(np.einsum("bkd,bid->bik", J, V) ** 2) / 4
    model.zero_grad()
    pen = reg.tangent_prop_penalty(model, X, V, h=1e-4, accumulate=True, weight=1.0)
    assert pen == pytest.approx(exact, rel=1e-6)
    # its parameter gradient matches central differences of the penalty
    for P, idx in ((model[0].weight, (2, 3)), (model[0].bias, (1,)), (model[2].weight, (4, 0))):
        def f():
            return reg.tangent_prop_penalty(model, X, V, h=1e-4)
        assert P.grad[idx] == pytest.approx(_fd_param_grad(f, P, idx, h=1e-5), rel=1e-5, abs=1e-9)


def test_tangent_prop_reduces_the_penalty_without_hurting_shifted_digits(digits):
    """Tangent prop with translation tangents: what we measure is that the tangent penalty on test
    digits falls by more than 10x and the error on sub-pixel-shifted test digits does not rise by more
    than 2 points (on this small problem the accuracy gain itself is within noise)."""
    X, y = digits
    X = X.astype(np.float64)
    Xtr, ytr, Xq, yq = X[:300], y[:300], X[1000:1400], y[1000:1400]
    d = np.random.default_rng(0).uniform(-0.6, 0.6, size=(2, len(Xq)))
    Xsh = aug.shift_images(Xq, d[0], d[1])
    tang = lambda Xb: reg.image_tangents(Xb, kinds=("dx", "dy"))  # noqa: E731
    out = {}
    for w in (0.0, 0.1):
        model = po.nn.Sequential(po.nn.Dense(64, 64, seed=0, dtype=np.float64), po.nn.Tanh(),
                                 po.nn.Dense(64, 10, seed=1, dtype=np.float64))
        obj = reg.TangentPropObjective(tang, weight=w, h=1e-2) if w else None
        po.fit(model, po.nn.SoftmaxCrossEntropy(), po.optim.Adam(model.parameters(), lr=5e-3), Xtr, ytr,
               epochs=20, batch_size=32, progress=False, objective=obj)
        out[w] = (reg.tangent_prop_penalty(model, Xq, tang(Xq)), (po.predict(model, Xsh).argmax(1) != yq).mean())
    assert out[0.1][0] < out[0.0][0] / 10
    assert out[0.1][1] <= out[0.0][1] + 0.02


@pytest.mark.parametrize("seed", [0, 1])
def test_tangent_prop_lowers_the_error_on_shifted_digits(seed):
    """Book 7.14: tangent prop with translation tangents lowers the error on shifted digits. 300
    training digits, test digits shifted by one whole pixel left or right; measured gains over plain
    training were 9-13 points across split/initialization seeds 0-3, so 5 points leaves a margin."""
    Xtr, Xte, ytr, yte = po.datasets.load_digits(test_size=0.3, seed=seed)
    rng = np.random.default_rng(seed)
    X_shift = aug.shift_images(Xte, np.zeros(len(Xte)), rng.choice([-1, 1], size=len(Xte)))
    tang = lambda Xb: reg.image_tangents(Xb, kinds=("dx", "dy"))  # noqa: E731
    loss = po.nn.SoftmaxCrossEntropy()
    err = {}
    for name, obj in (("plain", None), ("tangent prop", reg.TangentPropObjective(tang, weight=0.5))):
        net = po.nn.Sequential(po.nn.Dense(64, 64, seed=seed + 1), po.nn.Tanh(), po.nn.Dense(64, 10, seed=seed + 2))
        po.fit(net, loss, po.optim.Adam(net.parameters(), lr=0.01), Xtr[:300], ytr[:300], epochs=30,
               batch_size=30, objective=obj, progress=False, seed=seed)
        err[name] = 1.0 - po.evaluate(net, loss, X_shift, yte)["accuracy"]
    assert err["tangent prop"] < err["plain"] - 0.05, err


def test_manifold_tangents_from_a_contractive_autoencoder(digits):
    """Manifold tangent classifier: tangents learned without labels (leading right singular vectors of
    a contractive encoder's Jacobian) capture more of the true translation tangents than random
    directions do; then tangent prop uses them."""
    X, y = digits
    X = X.astype(np.float64)
    enc = po.nn.Sequential(po.nn.Dense(64, 16, seed=0, dtype=np.float64), po.nn.Tanh())
    ae = po.nn.Sequential(enc, po.nn.Dense(16, 64, seed=1, dtype=np.float64))
    cae = reg.ContractiveObjective(enc[0], weight=0.01)
    # the contractive penalty's gradient by finite differences
    Xb = X[:8]
    ae.zero_grad()
    cae(ae, po.nn.MSELoss(), Xb, Xb)

    def f():
        return po.nn.MSELoss().forward(ae.forward(Xb), Xb) + 0.01 * (
            ((1 - np.tanh(Xb @ enc[0].weight.data + enc[0].bias.data) ** 2) ** 2) * (enc[0].weight.data ** 2).sum(0)).sum() / 8
    for idx in [(10, 3), (30, 15)]:
        assert enc[0].weight.grad[idx] == pytest.approx(_fd_param_grad(f, enc[0].weight, idx), rel=1e-5, abs=1e-10)
    po.fit(ae, po.nn.MSELoss(), po.optim.Adam(ae.parameters(), lr=1e-2), X[:1000], X[:1000], epochs=30,
           batch_size=32, progress=False, objective=cae)
    fn = reg.encoder_tangents(enc, 5)
    V = fn(X[1000:1100])
    assert V.shape == (100, 5, 64)
    J = reg.encoder_jacobian(enc, X[1000:1001])[0]
    u, s, vt = np.linalg.svd(J)
    np.testing.assert_allclose(np.abs(V[0] / s[:5, None]), np.abs(vt[:5]), atol=1e-8)
    T = reg.image_tangents(X[1000:1100], kinds=("dx", "dy"))

    def captured(B):
        fr = []
        for b, t in zip(B, T):
            Q, _ = np.linalg.qr(b.T)
            fr += [np.linalg.norm(Q.T @ tt) ** 2 / np.linalg.norm(tt) ** 2 for tt in t]
        return np.mean(fr)
    learned = captured(V)
    rand = captured(np.random.default_rng(0).standard_normal(V.shape))
    assert learned > 1.5 * rand
    # tangent prop with the learned tangents trains a classifier
    model = po.nn.Sequential(po.nn.Dense(64, 32, seed=0, dtype=np.float64), po.nn.Tanh(), po.nn.Dense(32, 10, seed=1, dtype=np.float64))
    h = po.fit(model, po.nn.SoftmaxCrossEntropy(), po.optim.Adam(model.parameters(), lr=5e-3), X[:300], y[:300],
               epochs=5, batch_size=32, progress=False, objective=reg.TangentPropObjective(fn, weight=0.01))
    assert h.history["loss"][-1] < 0.5 * h.history["loss"][0]
