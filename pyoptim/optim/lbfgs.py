"""L-BFGS as a torch-style optimizer (book 8.6.3): ``pyoptim.optim.LBFGS`` with ``step(closure)``.

The algorithm and its bookkeeping are torch.optim.LBFGS's (itself from minFunc): the same history
update rule (skip unless yᵀs > 1e-10), the same first step min(1, 1/‖g‖₁)·lr, the same stopping tests,
and the same strong-Wolfe line search; the two-loop recursion and the line search run in C
(:func:`pyoptim.kernels.lbfgs_two_loop`, :func:`pyoptim.kernels.line_search`). So a model from
:mod:`pyoptim.nn` trains full-batch with L-BFGS exactly as it would in torch.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from .. import kernels
from .._validation import check_int, check_not_masked
from .._internal.params import is_parameter
from .optimizer import Optimizer, check_hyper, hyper_value

__all__ = ["LBFGS"]


class LBFGS(Optimizer):
    """Limited-memory BFGS (Nocedal 1980; Liu & Nocedal 1989; book 8.6.3) with torch's interface.

    Each ``step(closure)`` runs up to ``max_iter`` L-BFGS iterations: the direction d = −H g comes from
    the two-loop recursion over the last ``history_size`` pairs s = x_{k+1} − x_k, y = g_{k+1} − g_k
    with H₀ = (sᵀy / yᵀy) I; the step is ``lr`` (or min(1, 1/‖g‖₁)·lr on the very first iteration), or
    is chosen by the strong-Wolfe line search when ``line_search_fn="strong_wolfe"``.

    Parameters
    ----------
    params : iterable of pyoptim.nn.Parameter or of numpy arrays (one dtype; updated in place), or of
        (name, parameter) pairs
    lr : float or 1-element array, the step (default 1). An array (torch's Tensor lr) is used as torch
        uses it: after the first iteration the step length ``state["t"]`` *is* that array object, so
        a scheduler filling it in place between steps changes the length of the next step's first
        s = t·d, exactly as in torch; the first iteration's min(1, 1/‖g‖₁)·lr is a new value.
    max_iter : int, iterations per ``step`` (default 20)
    max_eval : int, closure evaluations per ``step`` (default max_iter · 5 // 4)
    tolerance_grad : float, stop when max|g| <= tolerance_grad (default 1e-7)
    tolerance_change : float, stop when the step or the loss change is below it (default 1e-9)
    history_size : int, the memory m (default 100); memory O(m n)
    line_search_fn : None or "strong_wolfe"

    The closure re-evaluates the model: with Parameters it zeroes the gradients, computes the loss,
    back-propagates (accumulating into ``.grad``) and returns the loss; with plain arrays it returns
    ``(loss, grads)`` (one gradient array per parameter). ``step`` returns the first loss.

    Example
    -------
    >>> import numpy as np, pyoptim as po
    >>> f = po.functions.rosenbrock(2)
    >>> x = f.x0.copy()
    >>> opt = po.optim.LBFGS([x], line_search_fn="strong_wolfe", max_iter=100)
    >>> def closure():
    ...     v, g = f.value_and_grad(x)
    ...     return v, [g]
    >>> _ = opt.step(closure)
    >>> bool(np.allclose(x, 1, atol=1e-4))
    True

    Differences from torch: none in the algorithm (the strong-Wolfe search is called as torch calls it:
    at most ``max_eval`` minus the evaluations already spent in the step, with its own tolerance_change
    1e-9); dot products accumulate in double, so float32 runs agree with torch to float32 rounding. The
    bits differ: torch's dot products are MKL's ddot and its updates fused multiply-adds, so on problems
    where L-BFGS amplifies rounding the two runs part as far as torch parts from itself when started
    1 ulp away (a function that changes between steps, or a line search ending on the tolerance_change
    test near the minimum). On a fixed objective the configurations of torch's own test table agree
    with torch to 1e-10 over 100 steps, all but strong_wolfe, which torch itself does not reproduce from
    1 ulp away past its second step (tests/optim/test_optim_torch_tables.py). Only one parameter group
    (as torch).
    """

    def __init__(self, params, lr: float = 1, max_iter: int = 20, max_eval: int | None = None,
                 tolerance_grad: float = 1e-7, tolerance_change: float = 1e-9, history_size: int = 100,
                 line_search_fn: str | None = None):
        if max_eval is None:
            max_eval = max_iter * 5 // 4
        defaults = dict(lr=lr, max_iter=max_iter, max_eval=max_eval, tolerance_grad=tolerance_grad,
                        tolerance_change=tolerance_change, history_size=history_size,
                        line_search_fn=line_search_fn)
        super().__init__(params, defaults)
        if len(self.param_groups) != 1:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups)")
        dts = {(p.data if is_parameter(p) else p).dtype for p in self._params}
        if len(dts) != 1:
            raise TypeError(f"LBFGS: all parameters must share one dtype, got {sorted(map(str, dts))}")
        self._dtype = dts.pop()
        self._n = sum((p.data if is_parameter(p) else p).size for p in self._params)

    def _validate_group(self, group: dict) -> None:
        check_hyper("learning rate", group["lr"], lo=0.0, lo_open=True, expected="a value > 0")
        for name in ("max_iter", "max_eval", "history_size"):
            v = group[name]
            check_int(name, v, 1)
        for name in ("tolerance_grad", "tolerance_change"):
            v = group[name]
            if isinstance(v, bool) or not isinstance(v, (int, float, np.integer, np.floating)) or not v >= 0:
                raise ValueError(f"Invalid {name}: {v!r} (expected a value >= 0)")
        if group["line_search_fn"] not in (None, "strong_wolfe"):
            raise ValueError(f"Invalid line_search_fn: {group['line_search_fn']!r} (expected None or 'strong_wolfe')")

    # -- flat views ------------------------------------------------------------------------------------
    def _arrays(self):
        return [p.data if is_parameter(p) else p for p in self._params]

    def _get_flat(self) -> np.ndarray:
        return np.concatenate([a.reshape(-1) for a in self._arrays()]).astype(self._dtype, copy=False)

    def _set_flat(self, x: np.ndarray) -> None:
        off = 0
        for a in self._arrays():
            a[...] = x[off:off + a.size].reshape(a.shape)
            off += a.size

    def _evaluate(self, closure: Callable):
        """Call the closure; return (float loss, flat gradient in the parameters' dtype)."""
        res = closure()
        if all(is_parameter(p) for p in self._params):
            loss, grads = res, [p.grad for p in self._params]
        else:
            if not (isinstance(res, tuple) and len(res) == 2):
                raise TypeError("LBFGS.step(): with plain arrays the closure must return (loss, grads)")
            loss, grads = res
            if len(grads) != len(self._params):
                raise ValueError(f"LBFGS.step(): the closure returned {len(grads)} gradients for "
                                 f"{len(self._params)} parameters")
        parts = []
        for i, (a, g) in enumerate(zip(self._arrays(), grads)):
            if g is None:
                parts.append(np.zeros(a.size, self._dtype))
                continue
            check_not_masked(f"gradient grads[{i}]", g)
            g = np.asarray(g)
            if g.dtype.kind == "c":
                raise TypeError(f"LBFGS.step(): grads[{i}] is complex ({g.dtype}); expected real gradients")
            if g.shape != a.shape:
                raise ValueError(f"LBFGS.step(): grads[{i}] has shape {g.shape} but params[{i}] has shape {a.shape}")
            parts.append(g.reshape(-1))
        return float(loss), np.concatenate(parts).astype(self._dtype), loss

    # -- the step (torch.optim.LBFGS.step, line by line) -------------------------------------------------
    def step(self, closure: Callable):  # type: ignore[override]
        """Run up to ``max_iter`` L-BFGS iterations; returns the loss of the first closure call.

        All or nothing: if the closure or a check raises during any iteration, the parameters and the
        state are put back as they were before the step. Concurrent calls from several threads run one
        after the other (the optimizer's lock)."""
        if not callable(closure):
            raise TypeError("LBFGS.step() requires a closure that re-evaluates the model")
        with self._step_lock():
            x0 = self._get_flat().copy()
            st = dict.get(self.state, 0)
            saved = None if st is None else dict(st)   # the history arrays are replaced, never written
            try:
                return self._step_unlocked(closure)
            except BaseException:
                self._set_flat(x0)
                if saved is None:
                    dict.pop(self.state, 0, None)
                else:
                    st.clear()
                    st.update(saved)
                raise

    def _strong_wolfe(self, closure: Callable, loss, flat_grad, d, t, max_ls: int):
        """torch's _strong_wolfe from the current parameters along d, first step t, at most max_ls evaluations;
        leaves the parameters at the accepted point. Returns (t, loss, flat_grad, evaluations)."""
        dt = self._dtype
        x_init = self._get_flat().astype(np.float64)
        d64 = d.astype(np.float64)

        def obj_func(x):
            self._set_flat(x)
            f_, g_, _ = self._evaluate(closure)
            return f_, g_.astype(np.float64)

        t, loss, _, g_new, ls_func_evals, _ = kernels.line_search(
            obj_func, x_init, d64, loss, flat_grad.astype(np.float64), t=hyper_value(t), max_ls=max_ls)
        self._set_flat((x_init.astype(dt) + dt.type(t) * d) if dt == np.float32 else x_init + t * d64)
        return t, loss, g_new.astype(dt), ls_func_evals

    # torch.optim.LBFGS.step's loop in torch's order (direction, step length, line search or fixed step, the
    # stopping tests), so that it reads beside torch's; the history is _History, the search _strong_wolfe.
    def _step_unlocked(self, closure: Callable):
        group = self.param_groups[0]
        self._validate_group(group)
        lr = group["lr"]   # kept as given: an array lr becomes the step length object (torch's t = lr)
        max_iter, max_eval = int(group["max_iter"]), int(group["max_eval"])
        tolerance_grad, tolerance_change = float(group["tolerance_grad"]), float(group["tolerance_change"])
        line_search_fn = group["line_search_fn"]
        dt = self._dtype

        state = self._state_of(0)
        state.setdefault("func_evals", 0)
        state.setdefault("n_iter", 0)

        loss, flat_grad, orig_loss = self._evaluate(closure)
        current_evals = 1
        state["func_evals"] += 1
        if np.abs(flat_grad).max(initial=0.0) <= tolerance_grad:
            return orig_loss

        d, t = state.get("d"), state.get("t")
        hist = _History(state, int(group["history_size"]), self._n, dt)
        prev_flat_grad, prev_loss = state.get("prev_flat_grad"), state.get("prev_loss")

        n_iter = 0
        while n_iter < max_iter:
            n_iter += 1
            state["n_iter"] += 1
            # ---- direction ----
            if state["n_iter"] == 1:
                d = -flat_grad
                hist.clear()
            else:
                hist.push(d * dt.type(hyper_value(t)), flat_grad - prev_flat_grad)
                d = hist.direction(flat_grad)
            prev_flat_grad = flat_grad.copy()
            prev_loss = loss
            # ---- step length ----
            t = _first_step_length(lr, flat_grad) if state["n_iter"] == 1 else lr
            gtd = float(np.dot(flat_grad.astype(np.float64), d))
            if gtd > -tolerance_change:
                break
            ls_func_evals = 0
            if line_search_fn is not None:
                # torch's call: _strong_wolfe(..., max_ls=max_eval - current_evals) -- the evaluations left in
                # this step bound the search -- and the search's own tolerance_change (1e-9), not the group's
                t, loss, flat_grad, ls_func_evals = self._strong_wolfe(closure, loss, flat_grad, d, t,
                                                                       max(max_eval - current_evals, 0))
                opt_cond = np.abs(flat_grad).max() <= tolerance_grad
            else:
                self._set_flat(self._get_flat() + dt.type(hyper_value(t)) * d)
                opt_cond = False
                if n_iter != max_iter:
                    loss, flat_grad, _ = self._evaluate(closure)
                    opt_cond = np.abs(flat_grad).max() <= tolerance_grad
                    ls_func_evals = 1
            current_evals += ls_func_evals
            state["func_evals"] += ls_func_evals
            # ---- stopping tests ----
            if n_iter == max_iter or current_evals >= max_eval or opt_cond:
                break
            if np.abs(d * dt.type(hyper_value(t))).max() <= tolerance_change:
                break
            if abs(loss - prev_loss) < tolerance_change:
                break

        state.update(d=d, t=t, **hist.as_state(), prev_flat_grad=prev_flat_grad, prev_loss=prev_loss)
        return orig_loss

    def state_dict(self) -> dict:
        """``{"state": {0: {...}}, "param_groups": [...]}``: the history as (m, n) arrays, copied."""
        sd = super().state_dict()
        return sd

    def load_state_dict(self, state_dict) -> None:
        """Load a ``state_dict()`` of an LBFGS over parameters of the same total size and dtype."""
        if not isinstance(state_dict, dict) or "state" not in state_dict or "param_groups" not in state_dict:
            raise ValueError("load_state_dict(): expected a dict with keys 'state' and 'param_groups'")
        groups = state_dict["param_groups"]
        if len(groups) != 1 or len(groups[0].get("params", ())) != len(self._params):
            raise ValueError("load_state_dict(): the state does not match this optimizer's parameters")
        g = {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in groups[0].items() if k != "params"}
        if "param_names" in self.param_groups[0] and "param_names" not in g:
            g["param_names"] = self.param_groups[0]["param_names"]
        g["params"] = self.param_groups[0]["params"]
        self._validate_group(g)
        st = dict(state_dict["state"].get(0, state_dict["state"].get("0", {})))
        for name in ("d", "prev_flat_grad"):
            v = st.get(name)
            if v is not None and (np.shape(v) != (self._n,) or np.asarray(v).dtype != self._dtype):
                raise ValueError(f"load_state_dict(): state '{name}' has the wrong shape or dtype")
        st = {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in st.items()}
        self.param_groups[0].clear()
        self.param_groups[0].update(g)
        dict.clear(self.state)
        if st:
            dict.__setitem__(self.state, 0, st)


def _first_step_length(lr, flat_grad):
    """torch's first step length: t = min(1, 1 / sum|g|) lr (an array lr keeps its own dtype when not scaled)."""
    scale = min(1.0, 1.0 / float(np.abs(flat_grad).sum()))
    if isinstance(lr, np.ndarray):
        # torch: a float64 0-d tensor times the lr tensor is float64; 1.0 * lr keeps lr's dtype
        return scale * hyper_value(lr) if scale < 1.0 else lr.copy()
    return scale * lr


class _History:
    """torch's old_dirs / old_stps / ro / H_diag as a ring of history_size pairs (S, Y, rho = 1 / y's, the
    newest at ``newest``, ``count`` kept) taken from a step's state; the arrays are copied on the first write,
    so a saved state stays intact."""

    def __init__(self, state: dict, history_size: int, n: int, dt):
        self.S, self.Y, self.rho = state.get("S"), state.get("Y"), state.get("rho")
        self.newest, self.count = state.get("newest", 0), state.get("count", 0)
        self.H_diag = state.get("H_diag", 1.0)
        self.m, self.n, self.dt = history_size, n, dt
        self.own = False

    def clear(self) -> None:
        """The first iteration: no pairs, H_diag = 1."""
        self.count, self.newest, self.H_diag = 0, 0, 1.0
        self.S = self.Y = self.rho = None

    def push(self, s, y) -> None:
        """Keep the pair s = t d, y = g - g_prev when y's > 1e-10 (torch's test), with H_diag = y's / y'y."""
        ys = float(np.dot(y.astype(np.float64), s))
        if not ys > 1e-10:
            return
        m, dt = self.m, self.dt
        if self.S is None:
            self.S, self.Y, self.rho = np.zeros((m, self.n), dt), np.zeros((m, self.n), dt), np.zeros(m, dt)
        elif not self.own:   # copy on first write: the saved state stays intact
            self.S, self.Y, self.rho = self.S.copy(), self.Y.copy(), self.rho.copy()
        self.own = True
        self.newest = 0 if self.count == 0 else (self.newest + 1) % m
        self.S[self.newest], self.Y[self.newest], self.rho[self.newest] = s, y, 1.0 / ys
        self.count = min(self.count + 1, m)
        self.H_diag = ys / float(np.dot(y.astype(np.float64), y))

    def direction(self, flat_grad):
        """d = -H g: -H_diag g without pairs, else the two-loop recursion with gamma = H_diag."""
        d = np.empty(self.n, self.dt)
        if self.count == 0:
            d[...] = -flat_grad * self.dt.type(self.H_diag)
        else:
            kernels.lbfgs_two_loop(d, np.ascontiguousarray(flat_grad), self.S, self.Y, self.rho,
                                   newest=self.newest, count=self.count, gamma=self.H_diag)
        return d

    def as_state(self) -> dict:
        """The history as the step's state keys."""
        return dict(S=self.S, Y=self.Y, rho=self.rho, newest=self.newest, count=self.count, H_diag=self.H_diag)
