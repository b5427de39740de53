"""Adafactor: factored second moments (Shazeer & Stern 2018), torch.optim.Adafactor on a C kernel."""
from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np

from .. import kernels
from .._internal.params import is_parameter
from .optimizer import Optimizer, check_hyper

__all__ = ["Adafactor"]


def _num(x):
    return not isinstance(x, bool) and isinstance(x, (int, float, np.integer, np.floating))


class Adafactor(Optimizer):
    r"""Adafactor: RMSProp-style scaling with the second moment of a matrix stored as a row and a column.

    The update (torch.optim.Adafactor's form), with t the step count (from 1) and n = θ.size:

    .. code-block:: text

        g' = -g if maximize else g
        β̂2 = 1 - t ** beta2_decay                  (so 1 - β̂2 = t ** beta2_decay, tends to 0)
        ρ  = min(lr, 1 / sqrt(t))                    (relative step size)
        α  = max(eps2, RMS(θ)) * ρ                   (RMS(θ) = ||θ|| / sqrt(n), before the decay)
        θ  = θ * (1 - lr * weight_decay)
        θ of shape (..., m, c), factored:
            R = β̂2 R + (1 - β̂2) mean_last(g'²)      R -> state["row_var"],  shape (..., m, 1)
            C = β̂2 C + (1 - β̂2) mean_2nd_last(g'²)  C -> state["col_var"],  shape (..., 1, c)
            V = R C / max(mean(R), eps1)             (rank-1 estimate of the matrix of g'²)
        else (vectors, scalars):
            V = β̂2 V + (1 - β̂2) g'²                  V -> state["variance"]
        U  = g' / sqrt(max(V, eps1²))
        θ  = θ - α / max(1, RMS(U) / d) * U

    Relation to the book: the second-moment average is RMSProp's/Adam's r (8.5.2-8.5.3, ρ2 -> β̂2) with
    a decay that grows toward 1 with t, and no first moment (no momentum, ρ1 = 0). For an m×c weight
    matrix the m·c averages are replaced by m + c (row and column means; their outer product divided by
    the total mean is the rank-1 fit that is exact when g'² is rank 1), which is why Adafactor fits very
    large models. The update is clipped in RMS to at most d (compare gradient clipping, 8.2.4) and
    scaled relative to the parameter's own RMS, so ``lr`` caps a relative step size ρ.

    The elementwise work and the row/column sums run in one C kernel (pyoptim.kernels.adafactor_step):
    sums of squares in double in a fixed order, bit-identical for any thread count.

    Differences from torch: with ``eps=(None, ...)`` torch takes eps1 from the dtype of the first
    parameter it steps in a group and keeps it for the rest of the group; pyoptim takes each parameter's
    own dtype (the same unless a group mixes float32 and float64). A parameter with no elements is left
    alone (torch divides by zero). ``foreach`` is accepted and ignored.

    Parameters
    ----------
    params : iterable of Parameters, arrays or parameter-group dicts
    lr : float, default 1e-2
        The cap on the relative step size ρ (>= 0).
    beta2_decay : float, default -0.8
        The exponent of the second-moment decay (<= 0).
    eps : (float or None, float), default (None, 1e-3)
        (eps1, eps2): eps1 floors the second moment (None: the dtype's machine epsilon); eps2 floors
        RMS(θ) in the step size.
    d : float, default 1.0
        The clipping threshold on RMS(U) (>= 1).
    weight_decay : float, default 0.0
        Decoupled decay: θ <- θ (1 - lr weight_decay).
    foreach, maximize : keyword-only, as torch

    State
    -----
    ``step`` (int); ``row_var`` (shape (..., m, 1)) and ``col_var`` (shape (..., 1, c)) for parameters
    with 2 or more dimensions; ``variance`` (the parameter's shape) otherwise.

    Raises
    ------
    ValueError (torch's messages): "Learning rate should be >= 0", "beta2_decay should be <= 0",
    "epsilon1 should be >= 0", "epsilon2 should be >= 0", "Clipping threshold d should be >= 1",
    "weight_decay should be >= 0".

    References
    ----------
    Shazeer & Stern (2018), Adafactor: adaptive learning rates with sublinear memory cost, ICML.
    Goodfellow et al. (2016), 8.5.2-8.5.3 (RMSProp, Adam), 8.2.4 (clipping).
    """

    _array_state = ("variance",)

    def __init__(self, params, lr: float = 1e-2, beta2_decay: float = -0.8,
                 eps: tuple[float | None, float] = (None, 1e-3), d: float = 1.0, weight_decay: float = 0.0, *,
                 foreach: bool | None = None, maximize: bool = False):
        defaults = dict(lr=lr, beta2_decay=beta2_decay, eps=eps, d=d, weight_decay=weight_decay, foreach=foreach,
                        maximize=maximize)
        super().__init__(params, defaults)

    def _validate_group(self, g):
        def need(ok, msg, value):
            if not ok:
                raise ValueError(f"{msg} but is: {value}")
        for name in ("lr", "beta2_decay", "d", "weight_decay"):
            check_hyper(name, g[name])     # a real number or a 1-element array (torch: "Tensor lr must be 1-element")
        need(0.0 <= float(g["lr"]), "Learning rate should be >= 0", g["lr"])
        need(0.0 >= float(g["beta2_decay"]), "beta2_decay should be <= 0", g["beta2_decay"])
        eps = g["eps"]
        if not isinstance(eps, (tuple, list)) or len(eps) != 2:
            raise ValueError(f"Invalid eps: {eps!r} (expected a pair (eps1 or None, eps2))")
        if eps[0] is not None:
            if not _num(eps[0]):
                raise TypeError(f"Invalid eps[0]: {eps[0]!r} (expected a real number or None)")
            need(0.0 <= eps[0], "epsilon1 should be >= 0", eps[0])
        if not _num(eps[1]):
            raise TypeError(f"Invalid eps[1]: {eps[1]!r} (expected a real number)")
        need(0.0 <= eps[1], "epsilon2 should be >= 0", eps[1])
        need(1.0 <= float(g["d"]), "Clipping threshold d should be >= 1", g["d"])
        need(0.0 <= float(g["weight_decay"]), "weight_decay should be >= 0", g["weight_decay"])

    def _required_state(self, group):
        return ("step",)

    def _update(self, group, i, p, g):
        st = self._state_of(i)
        if "step" not in st:
            st["step"] = 0
            if p.ndim > 1:
                st["row_var"] = np.zeros(p.shape[:-1] + (1,), dtype=p.dtype)
                st["col_var"] = np.zeros(p.shape[:-2] + (1, p.shape[-1]), dtype=p.dtype)
            else:
                st["variance"] = np.zeros_like(p)
        step = st["step"] + 1
        eps1, eps2 = group["eps"]
        kernels.adafactor_step(p, g, st.get("row_var"), st.get("col_var"), st.get("variance"), lr=float(group["lr"]),
                               beta2_decay=float(group["beta2_decay"]), eps1=None if eps1 is None else float(eps1),
                               eps2=float(eps2), d=float(group["d"]), weight_decay=float(group["weight_decay"]),
                               step=float(step), maximize=bool(group["maximize"]))
        st["step"] = step

    # The factored moments do not have the parameter's shape, which the base class checks for every
    # state array: check them here, load the rest through the base class, then put them in.
    def load_state_dict(self, state_dict: Mapping) -> None:
        """Load a ``state_dict()`` (see :meth:`Optimizer.load_state_dict`); ``row_var``/``col_var`` are
        checked against the factored shapes (..., m, 1) / (..., 1, c) of their parameter, and a parameter
        with state must have them (>= 2-D) or ``variance`` (otherwise)."""
        if not isinstance(state_dict, Mapping) or "state" not in state_dict or "param_groups" not in state_dict:
            raise ValueError("load_state_dict(): expected a dict with keys 'state' and 'param_groups'")
        rest, factored = {}, {}
        for k, st in state_dict["state"].items():
            st = dict(st)
            try:
                idx = int(k)
            except (TypeError, ValueError):
                raise ValueError(f"load_state_dict(): state key {k!r} is not a parameter index") from None
            if not 0 <= idx < len(self._params):
                raise ValueError(f"load_state_dict(): state for parameter {idx}, but the optimizer has "
                                 f"{len(self._params)} parameters")
            q = self._params[idx]
            arr = q.data if is_parameter(q) else q
            if arr.ndim > 1:
                want = {"row_var": arr.shape[:-1] + (1,), "col_var": arr.shape[:-2] + (1, arr.shape[-1])}
                if "step" in st and any(n not in st for n in want):
                    raise ValueError(f"load_state_dict(): state of parameter {idx} is missing "
                                     f"{[n for n in want if n not in st]}")
                for name, shape in want.items():
                    if name not in st:
                        continue
                    v = np.asarray(st.pop(name))
                    if v.shape != shape:
                        raise ValueError(f"load_state_dict(): state '{name}' of parameter {idx} has shape "
                                         f"{v.shape}, expected {shape}")
                    if v.dtype != arr.dtype:
                        raise TypeError(f"load_state_dict(): state '{name}' of parameter {idx} has dtype "
                                        f"{v.dtype}, expected {arr.dtype}")
                    factored.setdefault(idx, {})[name] = np.array(v, order="C", copy=True)
            elif "step" in st and "variance" not in st:
                raise ValueError(f"load_state_dict(): state of parameter {idx} is missing ['variance']")
            rest[k] = st
        super().load_state_dict({**state_dict, "state": rest})
        for idx, arrays in factored.items():
            self._state_of(idx).update(arrays)
