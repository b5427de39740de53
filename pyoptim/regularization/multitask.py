"""Multi-task learning (book 7.7) and semi-supervised learning with a shared representation (book 7.6).

A :class:`MultiTask` model is a shared trunk h = trunk(x) feeding several task heads; its forward pass
returns the list of head outputs and its backward pass takes the list of gradients, so the trunk's
gradient is the sum of the heads' contributions (the statistical strength the tasks share).
:class:`MultiTaskObjective` trains it with ``fit(objective=...)``: the loss is Σₜ λₜ·Lₜ.

Semi-supervised learning (7.6): :class:`SemiSupervisedObjective` trains a supervised head on the labeled
rows of each minibatch (label ≥ 0) and an unsupervised reconstruction head (a decoder) on *all* rows,
labeled or not, through the same trunk, in one fit: J = L_sup + λ·L_rec (Ranzato & Szummer 2008 style
shared representation).
"""
from __future__ import annotations

import numpy as np

from ..nn import Module
from .._validation import check_finite

__all__ = ["MultiTask", "MultiTaskObjective", "SemiSupervisedObjective"]


class MultiTask(Module):
    """Shared trunk + task heads: forward(x) -> [head_t(trunk(x)) for each t]; backward([g_t]) -> dL/dx.

    Parameters
    ----------
    trunk : Module (the shared representation)
    heads : list of Modules (one per task), registered as ``head0``, ``head1``, ...
    """

    def __init__(self, trunk: Module, heads):
        super().__init__()
        self.trunk = trunk
        self.n_heads = 0
        for i, h in enumerate(heads):
            setattr(self, f"head{i}", h)
            self.n_heads += 1
        if self.n_heads == 0:
            raise ValueError("Invalid heads: [] (expected at least one head Module)")

    @property
    def heads(self) -> list:
        return [getattr(self, f"head{i}") for i in range(self.n_heads)]

    def forward(self, x):
        h = self.trunk.forward(x)
        return [head.forward(h) for head in self.heads]

    def backward(self, grad_outputs):
        grad_outputs = list(grad_outputs)
        if len(grad_outputs) != self.n_heads:
            raise ValueError(f"MultiTask.backward: got {len(grad_outputs)} gradients for {self.n_heads} heads")
        gh = None
        for head, g in zip(self.heads, grad_outputs):
            if g is None:
                continue
            gi = head.backward(g)
            gh = gi if gh is None else gh + gi
        return self.trunk.backward(gh)


def _weights(weights, n):
    w = [1.0] * n if weights is None else [float(v) for v in weights]
    if len(w) != n or any(not (np.isfinite(v) and v >= 0) for v in w):
        raise ValueError(f"Invalid weights: {weights!r} (expected {n} finite numbers >= 0)")
    return w


class MultiTaskObjective:
    """``fit`` objective for a :class:`MultiTask` model: Σₜ λₜ·Lₜ(head_t output, targets of task t).

    ``targets`` maps a minibatch's ``yb`` to the per-task targets: by default column t of a 2-D ``yb``
    (cast to int64 for classification losses that need labels, see ``int_tasks``). Pass ``fit(model,
    None, opt, X, Y, objective=MultiTaskObjective([loss_a, loss_b], [1.0, 0.5]))``.
    """

    def __init__(self, losses, weights=None, targets=None, int_tasks=()):
        self.losses = list(losses)
        self.weights = _weights(weights, len(self.losses))
        self.targets = targets
        self.int_tasks = set(int_tasks)
        self.last_values: list = []

    def split(self, yb) -> list:
        if self.targets is not None:
            return list(self.targets(yb))
        yb = np.asarray(yb)
        out = []
        for t in range(len(self.losses)):
            col = yb[:, t]
            out.append(col.astype(np.int64) if t in self.int_tasks else col.reshape(-1, 1))
        return out

    def __call__(self, model, loss, Xb, yb) -> float:
        outs = model.forward(Xb)
        ys = self.split(yb)
        grads, total, self.last_values = [], 0.0, []
        for out, y, L, w in zip(outs, ys, self.losses, self.weights):
            v = float(L.forward(out, y))
            g = np.asarray(L.backward())
            grads.append(g * g.dtype.type(w))
            total += w * v
            self.last_values.append(v)
        model.backward(grads)
        return total


class SemiSupervisedObjective:
    """``fit`` objective for a two-head :class:`MultiTask` model (head 0: classifier, head 1: decoder).

        J = L_sup(head0 on labeled rows, y) + weight·L_rec(head1 on all rows, x)

    Rows with label < 0 are unlabeled: they contribute only to the reconstruction term. ``sup_loss`` is
    e.g. ``SoftmaxCrossEntropy()`` and ``rec_loss`` ``MSELoss()``. The returned value is J.
    """

    def __init__(self, sup_loss, rec_loss, weight: float = 1.0):
        w = check_finite("weight", weight, 0, coerce=True)
        self.sup_loss, self.rec_loss, self.weight = sup_loss, rec_loss, w

    def __call__(self, model, loss, Xb, yb) -> float:
        yb = np.asarray(yb).astype(np.int64)
        lab = yb >= 0
        logits, recon = model.forward(Xb)
        total = 0.0
        g_sup = np.zeros_like(logits)
        nl = int(lab.sum())
        if nl:
            v = float(self.sup_loss.forward(logits[lab], yb[lab]))
            g = np.asarray(self.sup_loss.backward())
            # the supervised loss is a mean over the labeled rows only
            g_sup[lab] = g
            total += v
        v = float(self.rec_loss.forward(recon, np.asarray(Xb, dtype=recon.dtype)))
        g_rec = np.asarray(self.rec_loss.backward())
        total += self.weight * v
        model.backward([g_sup, g_rec * g_rec.dtype.type(self.weight)])
        return total
