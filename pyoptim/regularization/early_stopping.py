"""Early stopping (book 7.8): its equivalence with L2 decay and the two retraining strategies.

The early-stopping *callback* is :class:`pyoptim.callbacks.EarlyStopping`. This module holds:

* :func:`gd_factors` / :func:`equivalent_alpha`: the book's analysis (eq. 7.33-7.45). On a quadratic
  with Hessian H = QΛQᵀ, τ steps of gradient descent with rate ε from w⁽⁰⁾ = 0 give
  Qᵀw⁽τ⁾ = [I − (I − εΛ)^τ]Qᵀw* (eq. 7.40), while L2 decay gives Qᵀw̃ = [I − (Λ + αI)⁻¹α]Qᵀw* =
  Λ(Λ + αI)⁻¹Qᵀw* (eq. 7.41). In the regime the book states, ελᵢ ≪ 1 and λᵢ ≪ α (so that
  (1 − ελᵢ)^τ ≈ 1 − τελᵢ and α/(λᵢ + α) ≈ 1 − λᵢ/α), the two factors agree when α = 1/(τε)
  (eq. 7.42-7.45): the number of steps τ plays the role of the inverse decay coefficient.
* :func:`retrain_same_steps` (Algorithm 7.2) and :func:`continue_until_loss` (Algorithm 7.3): two ways
  to use the data held out for validation once the stopping point is known.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from .norm_penalties import l2_shrinkage_factors

__all__ = ["gd_factors", "l2_shrinkage_factors", "equivalent_alpha", "gd_from_zero",
           "retrain_same_steps", "continue_until_loss"]


def gd_factors(eigvals, lr: float, steps: int) -> np.ndarray:
    """1 − (1 − ελᵢ)^τ: the fraction of w* reached along eigenvector i after τ gradient steps from 0
    (book eq. 7.40)."""
    lam = np.asarray(eigvals, dtype=np.float64)
    return 1.0 - (1.0 - float(lr) * lam) ** int(steps)


def equivalent_alpha(lr: float, steps: int) -> float:
    """α ≈ 1/(τε), the L2 coefficient equivalent to τ early-stopped steps of rate ε (book eq. 7.45)."""
    return 1.0 / (int(steps) * float(lr))


def gd_from_zero(H, w_star, lr: float, steps: int) -> np.ndarray:
    """w⁽τ⁾ of plain gradient descent on ½(w − w*)ᵀH(w − w*) from w⁽⁰⁾ = 0 (iterated, not closed form)."""
    H = np.asarray(H, dtype=np.float64)
    w_star = np.asarray(w_star, dtype=np.float64)
    w = np.zeros_like(w_star)
    for _ in range(int(steps)):
        w = w - lr * (H @ (w - w_star))
    return w


def _split(X, y, validation_fraction: float, seed):
    n = len(X)
    if not 0.0 < validation_fraction < 1.0:
        raise ValueError(f"Invalid validation_fraction: {validation_fraction!r} (expected a number in (0, 1))")
    rng = np.random.default_rng(seed)
    perm = rng.permutation(n)
    nv = max(1, int(round(validation_fraction * n)))
    return perm[nv:], perm[:nv]


def retrain_same_steps(make_model: Callable, loss, make_optimizer: Callable, X, y, *, validation_fraction=0.2,
                       max_epochs: int = 100, patience: int = 5, batch_size: int | None = 32, seed: int = 0,
                       monitor: str = "val_loss", **fit_kwargs):
    """The book's Algorithm 7.2: early stopping to find the best *number of steps*, then retrain on all data.

    1. Split (X, y) into X⁽ᵗʳᵃⁱⁿ⁾ and X⁽ᵛᵃˡⁱᵈ⁾ (``validation_fraction``).
    2. From a fresh model, run early stopping (Algorithm 7.1) on X⁽ᵗʳᵃⁱⁿ⁾, validating on X⁽ᵛᵃˡⁱᵈ⁾:
       it gives i* = the best number of training epochs.
    3. Re-initialize (``make_model()`` again) and train on all of X for i* epochs.

    The book counts optimizer steps; here the unit is an epoch of the *first* run, so the second run
    takes the same number of *passes* over a larger set (i.e. more steps). The book notes the ambiguity
    ("it is not clear whether to retrain for the same number of parameter updates or the same number of
    passes through the dataset"). Returns (model, info) with info = {"best_epochs", "first_history",
    "history", "split"}, where split = (train indices, validation indices) of step 1.
    """
    from ..callbacks import EarlyStopping
    from ..training import fit

    tr, va = _split(X, y, validation_fraction, seed)
    model = make_model()
    es = EarlyStopping(monitor=monitor, patience=patience, restore_best=False)
    h1 = fit(model, loss, make_optimizer(model), X[tr], y[tr], epochs=max_epochs, batch_size=batch_size,
             validation_data=(X[va], y[va]), callbacks=[es], seed=seed, progress=False, **fit_kwargs)
    best_epochs = (es.best_epoch if es.best_epoch is not None else max_epochs - 1) + 1
    model = make_model()
    h2 = fit(model, loss, make_optimizer(model), X, y, epochs=best_epochs, batch_size=batch_size, seed=seed,
             progress=False, **fit_kwargs)
    return model, {"best_epochs": best_epochs, "first_history": h1, "history": h2, "split": (tr, va)}


def continue_until_loss(make_model: Callable, loss, make_optimizer: Callable, X, y, *, validation_fraction=0.2,
                        max_epochs: int = 100, patience: int = 5, extra_epochs: int = 100,
                        batch_size: int | None = 32, seed: int = 0, monitor: str = "val_loss", **fit_kwargs):
    """The book's Algorithm 7.3: keep the early-stopped parameters and continue on all data until the
    validation loss falls below the training loss at the stopping point.

    1. Split (X, y) into X⁽ᵗʳᵃⁱⁿ⁾, X⁽ᵛᵃˡⁱᵈ⁾; run early stopping on X⁽ᵗʳᵃⁱⁿ⁾ (restoring the best θ).
    2. ε ← J(θ, X⁽ᵗʳᵃⁱⁿ⁾) at the best point.
    3. While J(θ, X⁽ᵛᵃˡⁱᵈ⁾) > ε: train for one epoch on all of X (at most ``extra_epochs`` epochs; the
       book warns that the target may never be reached).

    Returns (model, info) with info = {"target", "extra_epochs", "reached", "first_history", "split"}, where
    split = (train indices, validation indices) of step 1.
    """
    from ..callbacks import EarlyStopping
    from ..training import evaluate, fit

    tr, va = _split(X, y, validation_fraction, seed)
    model = make_model()
    opt = make_optimizer(model)
    es = EarlyStopping(monitor=monitor, patience=patience, restore_best=True)
    h1 = fit(model, loss, opt, X[tr], y[tr], epochs=max_epochs, batch_size=batch_size,
             validation_data=(X[va], y[va]), callbacks=[es], seed=seed, progress=False, **fit_kwargs)
    target = evaluate(model, loss, X[tr], y[tr])["loss"]
    done, reached = 0, False
    while done < extra_epochs:
        if evaluate(model, loss, X[va], y[va])["loss"] <= target:
            reached = True
            break
        fit(model, loss, opt, X, y, epochs=1, batch_size=batch_size, seed=seed + 1 + done, progress=False, **fit_kwargs)
        done += 1
    else:
        reached = evaluate(model, loss, X[va], y[va])["loss"] <= target
    return model, {"target": target, "extra_epochs": done, "reached": bool(reached), "first_history": h1,
                   "split": (tr, va)}
