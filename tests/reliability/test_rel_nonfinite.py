"""The non-finite policy (issue 6, part 3; docs/nonfinite.md), tested layer by layer.

* kernels and optimizer steps do not check: a NaN or inf in a gradient propagates into exactly the
  parameter (and state) elements it touches, as IEEE arithmetic says; every other element is
  bit-identical to a step with a clean gradient; nothing raises;
* ``fit`` is the guard: ``on_nonfinite="raise" | "stop" | "skip_batch"`` each leave the parameters, the
  optimizer state and the model's buffers exactly as after the last good step (compared bit for bit
  with runs that never saw the bad batch);
* ``minimize`` never returns a non-finite x: a NaN objective at the start gives status 4; NaN regions
  met during line searches are treated as too-long steps.
"""
from __future__ import annotations

import math

import numpy as np
import pytest

import pyoptim as po

OPTIMIZERS = [
    ("SGD", lambda ps: po.optim.SGD(ps, lr=0.1)),
    ("SGD-momentum", lambda ps: po.optim.SGD(ps, lr=0.1, momentum=0.9, nesterov=True)),
    ("Adagrad", lambda ps: po.optim.Adagrad(ps, lr=0.1)),
    ("RMSprop", lambda ps: po.optim.RMSprop(ps, lr=0.01, momentum=0.5, centered=True)),
    ("Adam", lambda ps: po.optim.Adam(ps, lr=0.01, amsgrad=True)),
    ("AdamW", lambda ps: po.optim.AdamW(ps, lr=0.01)),
]


# ---- optimizer steps: IEEE propagation, elementwise ---------------------------------------------------

@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name,make", OPTIMIZERS)
def test_nonfinite_gradient_propagates_elementwise(name, make, dtype):
    rng = np.random.default_rng(0)
    p0 = rng.standard_normal(50).astype(dtype)
    grads = [rng.standard_normal(50).astype(dtype) for _ in range(3)]
    bad = {3: np.nan, 17: np.inf, 31: -np.inf}
    clean_p, dirty_p = p0.copy(), p0.copy()
    clean, dirty = make([clean_p]), make([dirty_p])
    for t, g in enumerate(grads):
        gd = g.copy()
        if t == 1:
            for i, v in bad.items():
                gd[i] = v
        clean.step([g])
        with np.errstate(all="ignore"):
            dirty.step([gd])           # no exception: optimizers do not check (fit does)
    idx = np.array(sorted(bad))
    others = np.setdiff1d(np.arange(50), idx)
    assert not np.isfinite(dirty_p[idx]).any(), f"{name}: a non-finite gradient did not reach its parameter"
    assert dirty_p[others].tobytes() == clean_p[others].tobytes(), f"{name}: a NaN leaked to other elements"
    # the optimizer state is poisoned at the same elements only
    for key, v in dirty.state_dict()["state"].get(0, {}).items():
        if isinstance(v, np.ndarray) and v.shape == p0.shape:
            cv = clean.state_dict()["state"][0][key]
            assert v[others].tobytes() == cv[others].tobytes(), f"{name}: state {key!r} leaked"


def test_clip_grad_norm_reports_nonfinite():
    g = [np.array([1.0, np.nan]), np.array([2.0])]
    with np.errstate(all="ignore"):
        total = po.optim.clip_grad_norm_(g, max_norm=1.0)
    assert math.isnan(total)
    with pytest.raises(RuntimeError, match="non-finite"):
        po.optim.clip_grad_norm_([np.array([np.inf])], max_norm=1.0, error_if_nonfinite=True)


# ---- fit: the guard -----------------------------------------------------------------------------------

def _problem(bn: bool):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((64, 5))
    y = (X[:, 0] > 0).astype(np.int64)
    layers = [po.nn.Dense(5, 8, seed=1, dtype=np.float64)]
    if bn:
        layers.append(po.nn.BatchNorm(8))
    layers += [po.nn.Tanh(), po.nn.Dense(8, 2, seed=2, dtype=np.float64)]
    model = po.nn.Sequential(*layers)
    opt = po.optim.Adam(model.parameters(), lr=0.05)
    return model, opt, X, y


def _state(model, opt):
    flat = {}

    def walk(x, pre):
        if isinstance(x, dict):
            for k in x:
                walk(x[k], f"{pre}/{k}")
        elif isinstance(x, (list, tuple)):
            for i, v in enumerate(x):
                walk(v, f"{pre}[{i}]")
        elif isinstance(x, np.ndarray):
            flat[pre] = (x.dtype.str, x.shape, x.tobytes())
        else:
            flat[pre] = repr(x)
    walk({"model": model.state_dict(), "opt": opt.state_dict()}, "")
    return flat


BS = 8
BAD_BATCH = 3   # 0-based index of the poisoned minibatch in epoch 0 (shuffle=False)


def _fit(model, opt, X, y, **kw):
    return po.fit(model, po.nn.SoftmaxCrossEntropy(), opt, X, y, batch_size=BS, shuffle=False, progress=False,
                  **kw)


def _poison_data(X):
    Xb = X.copy()
    Xb[BAD_BATCH * BS + 2, 1] = np.nan
    return Xb


def _poison_grad_objective():
    """The default objective, then an inf written into one gradient at batch BAD_BATCH of epoch 0 (a
    finite loss with a non-finite gradient)."""
    calls = {"n": 0}

    def objective(model, loss, Xb, yb):
        out = model.forward(Xb)
        val = loss.forward(out, yb)
        model.backward(loss.backward())
        if calls["n"] == BAD_BATCH:
            model.parameters()[0].grad[0, 0] = np.inf
        calls["n"] += 1
        return val
    return objective


@pytest.mark.parametrize("bn", [False, True])
@pytest.mark.parametrize("where", ["data", "grad"])
@pytest.mark.parametrize("mode", ["raise", "stop"])
def test_fit_raise_and_stop_keep_the_last_good_step(mode, where, bn):
    model, opt, X, y = _problem(bn)
    Xd = _poison_data(X) if where == "data" else X
    obj = _poison_grad_objective() if where == "grad" else None
    with np.errstate(all="ignore"):
        if mode == "raise":
            with pytest.raises(FloatingPointError):
                _fit(model, opt, Xd, y, epochs=2, on_nonfinite="raise", objective=obj)
        else:
            hist = _fit(model, opt, Xd, y, epochs=2, on_nonfinite="stop", objective=obj)
            assert hist.meta.get("nonfinite"), "stop mode must record why it stopped"
    # reference: exactly the good batches before the bad one
    ref_model, ref_opt, _, _ = _problem(bn)
    _fit(ref_model, ref_opt, X[:BAD_BATCH * BS], y[:BAD_BATCH * BS], epochs=1)
    got, ref = _state(model, opt), _state(ref_model, ref_opt)
    diff = [k for k in ref if got.get(k) != ref[k]]
    assert not diff, f"on_nonfinite={mode!r} ({where}): state differs from the last good step: {diff[:6]}"


@pytest.mark.parametrize("bn", [False, True])
@pytest.mark.parametrize("where", ["data", "grad"])
def test_fit_skip_batch_equals_training_without_it(where, bn):
    model, opt, X, y = _problem(bn)
    Xd = _poison_data(X) if where == "data" else X
    obj = _poison_grad_objective() if where == "grad" else None
    with np.errstate(all="ignore"):
        hist = _fit(model, opt, Xd, y, epochs=1, on_nonfinite="skip_batch", objective=obj)
    assert hist.history["skipped_batches"] == [1]
    keep = np.r_[0:BAD_BATCH * BS, (BAD_BATCH + 1) * BS:len(X)]
    ref_model, ref_opt, _, _ = _problem(bn)
    _fit(ref_model, ref_opt, X[keep], y[keep], epochs=1)
    got, ref = _state(model, opt), _state(ref_model, ref_opt)
    diff = [k for k in ref if got.get(k) != ref[k]]
    assert not diff, f"skip_batch ({where}): state differs from a run without the bad batch: {diff[:6]}"


def test_fit_raise_names_epoch_and_batch():
    model, opt, X, y = _problem(False)
    with np.errstate(all="ignore"), pytest.raises(FloatingPointError, match=r"(?i)epoch.*batch|batch.*epoch"):
        _fit(model, opt, _poison_data(X), y, epochs=1, on_nonfinite="raise")


# ---- minimize -----------------------------------------------------------------------------------------

METHODS = ["gd", "cg", "bfgs", "lbfgs", "newton"]


def _nan_everywhere(x):
    return math.nan, np.full_like(x, math.nan)


def _walled_quadratic(x):
    """(x - 1)^2 summed, NaN beyond |x_i| > 3: a region a long first step falls into."""
    if np.any(np.abs(x) > 3.0):
        return math.nan, np.full_like(x, math.nan)
    return float(np.sum((x - 1.0) ** 2)), 2.0 * (x - 1.0)


def _walled_hess(x):
    return 2.0 * np.eye(x.size)


@pytest.mark.parametrize("method", METHODS)
def test_minimize_nonfinite_start_reports_status_4(method):
    x0 = np.array([0.5, -0.25])
    kw = {"hess": lambda x: np.full((2, 2), np.nan)} if method == "newton" else {}
    with np.errstate(all="ignore"):
        res = po.minimize(_nan_everywhere, x0, method=method, **kw)
    # SciPy's codes for its methods: 3 "NaN result encountered." (BFGS, CG), 2 "ABNORMAL" (L-BFGS-B)
    assert res.status == {"bfgs": 3, "cg": 3, "newton-cg": 3, "lbfgs": 2}.get(method, 4) and not res.success, \
        (res.status, res.message)
    assert np.isfinite(res.x).all() and np.array_equal(res.x, x0)
    assert "finite" in res.message.lower() or "nan" in res.message.lower()


@pytest.mark.parametrize("method", METHODS)
def test_minimize_backs_off_nonfinite_regions(method):
    x0 = np.array([-2.9, 2.5, 0.0])
    kw = {"hess": _walled_hess} if method == "newton" else {}
    with np.errstate(all="ignore"):
        res = po.minimize(_walled_quadratic, x0, method=method, options={"line_search": "backtracking"}
                          if method != "newton" else None, **kw)
    assert np.isfinite(res.x).all() and np.isfinite(res.fun)
    assert res.success, (res.status, res.message)
    np.testing.assert_allclose(res.x, 1.0, atol=1e-4)


def test_minimize_rejects_nonfinite_x0():
    with pytest.raises(ValueError, match="x0"):
        po.minimize(lambda x: (float(x @ x), 2 * x), np.array([np.nan, 1.0]))
