"""The curvature monitor: is the next gradient step going to help? (book 8.2.1, eq. 8.10, Fig. 8.1)

A second-order Taylor expansion of the cost around θ along the gradient step −εg predicts

    J(θ − εg) ≈ J(θ) − ε gᵀg + ½ ε² gᵀHg                                     (book eq. 8.10)

so the step *increases* the cost when ½ε²gᵀHg > εgᵀg. Ill-conditioning shows up as gᵀHg growing
faster than gᵀg: the book's Fig. 8.1 shows the gradient norm rising during a successful training run,
the learning rate having to shrink to keep the step useful. pyoptim computes gᵀHg exactly with the
R-operator (:func:`pyoptim.diagnostics.hvp`), per step, on the batch the step uses.
"""
from __future__ import annotations

import numpy as np

from ..callbacks import Callback
from ..nn.rop import loss_value
from ._hvp import HessianOperator, hvp_fn
from .._validation import check_finite, check_int

__all__ = ["CurvatureMonitor", "curvature_along_gradient", "loss_value"]


def curvature_along_gradient(f, grad=None, hessp=None, x=None, lr: float = 0.1) -> dict:
    """Book eq. 8.10 at one point of a plain function: gᵀg, gᵀHg, the predicted change
    ½ε²gᵀHg − εgᵀg of the step x − εg, the actual change f(x − εg) − f(x), and whether the step is
    predicted to / does increase the cost (ε -> ``lr``).

    ``f`` is a callable or a :mod:`pyoptim.functions` objective (then ``grad``/``hessp`` default to its
    methods; ``x`` to its ``x0``). Without ``hessp``, Hg comes from central differences of ``grad``.
    On a quadratic the prediction is exact.
    """
    check_finite("lr", lr, 0, closed="neither")
    if grad is None:
        grad = getattr(f, "grad", None)
        if grad is None:
            raise ValueError("Invalid grad: None (expected a callable, or an objective with .grad)")
    if hessp is None:
        hessp = getattr(f, "hessp", None)
    if x is None:
        x = getattr(f, "x0")
    fun = getattr(f, "fun", f)
    x = np.asarray(x, dtype=np.float64)
    g = np.asarray(grad(x), dtype=np.float64)
    Hg = np.asarray(hessp(x, g), dtype=np.float64) if hessp is not None else hvp_fn(grad, x, g)
    gTg = float(g @ g)
    gTHg = float(g @ Hg)
    predicted = 0.5 * lr * lr * gTHg - lr * gTg
    actual = float(fun(x - lr * g)) - float(fun(x))
    return {"gTg": gTg, "gTHg": gTHg, "lr": float(lr), "predicted": predicted, "actual": actual,
            "increase_predicted": bool(0.5 * lr * lr * gTHg > lr * gTg), "increase_actual": bool(actual > 0)}


def _lr_of(opt) -> float:
    for o in (opt, getattr(opt, "optimizer", None)):
        groups = getattr(o, "param_groups", None)
        if groups:
            return float(groups[0]["lr"])
    return float("nan")


class CurvatureMonitor(Callback):
    """A ``fit`` callback logging gᵀg, gᵀHg and the predicted against the actual cost change of every
    step (book 8.2.1, eq. 8.10, Fig. 8.1).

    Every ``every`` steps, in ``on_before_step`` (the gradient g is in ``.grad``, θ is still the
    pre-step value): J is the mean loss on the step's batch (``trainer.batch``), or on fixed (X, y) when
    given; H = ∇²J by the R-operator; ε = ``optimizer.param_groups[0]["lr"]``. It records

    * ``gTg`` = gᵀg and ``gTHg`` = gᵀHg, with g the gradient the optimizer will use (zero for frozen
      parameters; regularizer and custom-objective gradients included, as fit accumulates them, while
      J and H are of the plain loss);
    * ``predicted`` = −ε∇Jᵀg + ½ε²gᵀHg, the book's ½ε²gᵀHg − εgᵀg when g = ∇J (monitoring the batch,
      no regularizer): the second-order prediction for a plain SGD step θ − εg;
    * ``increase_predicted``: the book's test ½ε²gᵀHg > εgᵀg (the step is predicted to raise J);
    * after the step (``on_batch_end``), with d the actual change of θ: ``predicted_step`` =
      ∇Jᵀd + ½dᵀHd (the same prediction for whatever step the optimizer took: momentum, Adam...),
      ``actual`` = J(θ + d) − J(θ) on the same data, ``increase_actual`` = actual > 0;
    * ``step``, ``epoch``, ``lr``, ``loss`` (J before the step).

    On a quadratic J (a linear model with MSELoss) ``predicted_step`` equals ``actual`` to rounding.
    Cost: one forward/backward, two Hessian-vector products and one forward per monitored step.
    """

    KEYS = ("step", "epoch", "lr", "loss", "gTg", "gTHg", "predicted", "increase_predicted", "predicted_step",
            "actual", "increase_actual")

    def __init__(self, every: int = 1, X=None, y=None):
        check_int("every", every, 1)
        if (X is None) != (y is None):
            raise ValueError("Invalid X, y: give both or neither")
        self.every = int(every)
        self.X, self.y = X, y
        self.history = {k: [] for k in self.KEYS}
        self._count = 0
        self._pending = None

    def on_train_begin(self, trainer) -> None:
        self.trainer = trainer

    def on_before_step(self, batch, logs) -> None:
        self._count += 1
        if self._pending is not None:  # fit skipped the last monitored step (non-finite): keep lists aligned
            for k in ("predicted_step", "actual"):
                self.history[k].append(float("nan"))
            self.history["increase_actual"].append(False)
        self._pending = None
        if (self._count - 1) % self.every:
            return
        tr = self.trainer
        X, y = (self.X, self.y) if self.X is not None else tr.batch
        op = HessianOperator(tr.model, tr.loss, X, y, dtype=np.float64, compute_grad=True)
        params = op.params
        g = [np.asarray(p.grad, np.float64) if getattr(p, "requires_grad", True) else np.zeros(p.data.shape)
             for p in params]
        Hg = op.matvec(g)
        gTg = float(sum(np.vdot(a, a) for a in g))
        gTHg = float(sum(np.vdot(a, b) for a, b in zip(g, Hg)))
        gJg = float(sum(np.vdot(a, b) for a, b in zip(op.grad, g)))
        lr = _lr_of(tr.optimizer)
        h = self.history
        h["step"].append(int(getattr(tr, "step", self._count - 1)))
        h["epoch"].append(int(getattr(tr, "epoch", 0)))
        h["lr"].append(lr)
        h["loss"].append(op.value)
        h["gTg"].append(gTg)
        h["gTHg"].append(gTHg)
        h["predicted"].append(0.5 * lr * lr * gTHg - lr * gJg)
        h["increase_predicted"].append(bool(0.5 * lr * lr * gTHg > lr * gTg))
        self._pending = (op, X, y)

    def on_batch_end(self, batch, logs) -> None:
        if self._pending is None:
            return
        op, X, y = self._pending
        self._pending = None
        tr = self.trainer
        theta0 = op._ctx.data
        d = [np.asarray(p.data, np.float64) - t for p, t in zip(op.params, theta0)]
        Hd = op.matvec(d)
        pred = float(sum(np.vdot(a, b) for a, b in zip(op.grad, d))) + 0.5 * float(
            sum(np.vdot(a, b) for a, b in zip(d, Hd)))
        after = loss_value(tr.model, tr.loss, X, y, params_data=[p.data for p in op.params])
        h = self.history
        h["predicted_step"].append(pred)
        h["actual"].append(after - op.value)
        h["increase_actual"].append(bool(after > op.value))

    def plot(self, ax=None):
        """Book Fig. 8.1-style figure: gᵀg and gᵀHg over steps (log scale), and the predicted against
        the actual change of the cost per step. Needs matplotlib (``pip install "pyoptim-dlbook[tour]"``)."""
        from .. import plot as P   # raises an ImportError naming the extra when matplotlib is missing
        h = self.history
        if ax is None:
            fig, ax = P.figure((10, 3.8), 1, 2)
        else:
            fig = np.ravel(ax)[0].figure
        a0, a1 = np.ravel(ax)[:2]
        steps = np.asarray(h["step"])
        a0.semilogy(steps, h["gTg"], label="gᵀg (squared gradient norm)")
        a0.semilogy(steps, np.abs(h["gTHg"]), label="|gᵀHg| (curvature along g)")
        a0.set_xlabel("training step")
        a0.set_title("book Fig. 8.1: gradient norm and curvature")
        a0.legend()
        n = len(h["actual"])
        a1.plot(steps[:n], h["predicted_step"][:n], ".", ms=3, label="predicted ∇Jᵀd + ½dᵀHd")
        a1.plot(steps[:n], h["actual"], ".", ms=3, alpha=0.6, label="actual J(θ+d) − J(θ)")
        a1.axhline(0.0, color="k", lw=0.5)
        a1.set_xlabel("training step")
        a1.set_title("change of the batch cost per step")
        a1.legend()
        return fig
