"""Central-difference gradient checks for layers, models and losses (book 6.5; 8.7.1's "finite-difference
gradient check"; scikit-learn's test_mlp.py::test_gradient).

:func:`check_gradients` compares the analytic gradients a ``backward`` pass produces with

    dL/dθ_i ≈ (L(θ + h e_i) - L(θ - h e_i)) / (2 h)        (error O(h^2))

for the input and every parameter, and returns the largest relative error

    ||g_analytic - g_numeric||_2 / (||g_analytic||_2 + ||g_numeric||_2)

over the checked arrays (0 when both norms are below 1e-7: a gradient that is exactly zero). Run it on float64 models (``dtype=np.float64``): with
h = 1e-6 a correct gradient gives about 1e-9 .. 1e-7; float32 cannot resolve the difference quotient.

What L is:

* a :class:`~pyoptim.nn.Module`: L = sum(forward(x) * R) with a fixed random R (seeded), so that
  ``backward(R)`` is exactly dL/dx and the parameter gradients accumulate into ``.grad``;
* a loss (anything with ``forward(output, target) -> float`` and ``backward()``): L = forward(x, target);
* a callable ``f(x) -> (value, gradient)`` (a penalty, an objective): L = value;
* a Module with ``loss=`` given: L = J(θ), the mean ``loss`` of the model's output on (x, target) (the
  training cost of chapter 8), evaluated without touching the model (:func:`pyoptim.nn.rop.loss_value`);
  the parameter gradients come from one ``backward`` pass, and the result is the largest *elementwise*
  relative error |a − n| / max(1e-8, |a| + |n|) over ``max_elements`` random coordinates of the flat θ
  (all when None). ``pyoptim.diagnostics.check_gradient(model, loss, X, y, n_checks)`` is this form.

This is pyoptim's one gradient checker: :func:`pyoptim.diagnostics.check_gradient` calls it.

Modules with buffers (BatchNorm's running statistics) are restored after every evaluation, so the check
leaves the model as it found it (parameter gradients excepted: they hold the analytic gradient of the
check's own L). Stochastic modules (dropout) must be deterministic during the check (eval mode, or a
fixed mask).
"""
from __future__ import annotations

import numpy as np

from .._internal.params import flatten, unflatten
from ._module import Module
from .._validation import check_choice

__all__ = ["check_gradients", "relative_error"]


def relative_error(analytic, numeric, zero_tol: float = 1e-7) -> float:
    """||a - n|| / (||a|| + ||n||) (scale-free; robust to single entries near 0).

    0 when both norms are below ``zero_tol``: a gradient that is exactly 0 (a bias followed by
    BatchNorm, a dead ReLU) has a numeric estimate of pure rounding noise, ~1e-10 |L| / h.
    """
    a = np.asarray(analytic, dtype=np.float64).ravel()
    n = np.asarray(numeric, dtype=np.float64).ravel()
    na, nn_ = np.linalg.norm(a), np.linalg.norm(n)
    if max(na, nn_) <= zero_tol:
        return 0.0
    den = na + nn_
    return float(np.linalg.norm(a - n) / den)


def _is_loss(obj) -> bool:
    import inspect
    if isinstance(obj, Module) or not hasattr(obj, "forward") or not hasattr(obj, "backward"):
        return False
    try:
        return len(inspect.signature(obj.backward).parameters) == 0
    except (TypeError, ValueError):
        return False


def check_gradients(fn, x, target=None, *, eps: float = 1e-6, wrt: str = "all", seed=0,
                    max_elements: int | None = None, details: bool = False, loss=None):
    """Largest relative error between analytic and central-difference gradients.

    Parameters
    ----------
    fn : Module, loss, or callable x -> (value, grad)
    x : array
        The input (converted to a float64 copy; it is perturbed, never the caller's array).
    target : array, optional
        The loss target (for a loss).
    eps : float
        The difference step h.
    wrt : "all" | "input" | "params"
        Which gradients to check (a loss or a callable has only the input).
    seed : int or Generator
        Draws R (for a module) and the subsample of checked elements.
    max_elements : int, optional
        Check at most this many randomly chosen elements per array (all by default).
    details : bool
        Return a dict {"input": err, "<param name>": err, ...} instead of the maximum.
    loss : a pyoptim.nn loss, optional
        With a Module: check the parameter gradients of the mean loss on (x, target) instead (see the
        module docstring); ``max_elements`` then counts coordinates of the whole flat θ.

    Returns
    -------
    float (or dict)
    """
    check_choice("wrt", wrt, "all", "input", "params")
    if not eps > 0:
        raise ValueError(f"Invalid eps: {eps!r} (expected a value > 0)")
    if loss is not None:
        return _check_loss_gradient(fn, loss, x, target, max_elements, eps, seed)
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    x = np.array(x, dtype=np.float64, copy=True)
    errors: dict[str, float] = {}

    if isinstance(fn, Module):
        model = fn
        saved = {k: np.array(v, copy=True) for k, v in model.named_buffers()}

        def restore():
            if saved:
                model.load_state_dict(saved, strict=False)

        y = model.forward(x)
        R = rng.standard_normal(np.shape(y))
        restore()

        def L(xx):
            v = float(np.sum(np.asarray(model.forward(xx), dtype=np.float64) * R))
            restore()
            return v

        model.zero_grad()
        model.forward(x)
        gx = np.asarray(model.backward(R.astype(np.asarray(y).dtype)), dtype=np.float64)
        restore()
        if wrt in ("all", "input"):
            errors["input"] = relative_error(gx, _numeric(lambda: L(x), x, eps, rng, max_elements, gx))
        if wrt in ("all", "params"):
            for name, p in model.named_parameters():
                if not p.requires_grad:
                    continue
                ga = np.array(p.grad, dtype=np.float64, copy=True)
                errors[name] = relative_error(ga, _numeric(lambda: L(x), p.data, eps, rng, max_elements, ga))
    elif _is_loss(fn):
        fn.forward(x, target)
        gx = np.array(fn.backward(), dtype=np.float64, copy=True)
        errors["input"] = relative_error(gx, _numeric(lambda: float(fn.forward(x, target)), x, eps, rng,
                                                      max_elements, gx))
    elif callable(fn):
        _, g = fn(x)
        gx = np.array(g, dtype=np.float64, copy=True)
        errors["input"] = relative_error(gx, _numeric(lambda: float(fn(x)[0]), x, eps, rng, max_elements, gx))
    else:
        raise TypeError(f"check_gradients: expected a Module, a loss or a callable, got {type(fn).__name__}")
    if details:
        return errors
    return max(errors.values()) if errors else 0.0


def _numeric(L, arr: np.ndarray, eps: float, rng, max_elements, analytic: np.ndarray) -> np.ndarray:
    """Central differences of L() w.r.t. `arr` (perturbed in place and restored). Elements not sampled
    get the analytic value, so they do not count in the relative error."""
    flat = arr.reshape(-1)
    num = np.array(analytic, dtype=np.float64, copy=True).reshape(-1)
    idx = np.arange(flat.size)
    if max_elements is not None and flat.size > max_elements:
        idx = rng.choice(flat.size, size=int(max_elements), replace=False)
    for i in idx:
        num[i] = _central_difference(L, flat, i, eps)
    return num.reshape(analytic.shape)


def _central_difference(L, flat: np.ndarray, i: int, eps: float) -> float:
    """(L(θ + h e_i) − L(θ − h e_i)) / 2h, perturbing ``flat[i]`` and restoring it."""
    old = flat[i]
    flat[i] = old + eps
    fp = L()
    flat[i] = old - eps
    fm = L()
    flat[i] = old
    return (fp - fm) / (2 * eps)


def _check_loss_gradient(model, loss, X, y, n_checks, eps, seed) -> float:
    """The ``loss=`` form: the largest elementwise relative error of ∂J/∂θ on ``n_checks`` coordinates."""
    from .rop import loss_value   # rop imports the layers; this module is imported before them
    params = model.parameters()
    model.zero_grad()
    out = model.forward(X)
    loss.forward(out, y)
    model.backward(loss.backward())
    analytic = flatten([p.grad for p in params]).astype(np.float64)
    theta = flatten(params).astype(np.float64)
    n = theta.size
    rng = np.random.default_rng(seed)
    idx = np.arange(n) if n_checks is None or n_checks >= n else rng.choice(n, n_checks, replace=False)
    worst = 0.0
    for i in idx:
        num = _central_difference(lambda: loss_value(model, loss, X, y, params_data=unflatten(theta, params)),
                                  theta, i, eps)
        worst = max(worst, abs(num - analytic[i]) / max(1e-8, abs(num) + abs(analytic[i])))
    return worst
