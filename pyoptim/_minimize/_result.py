"""Result assembly for :func:`pyoptim.minimize`: SciPy's status codes, messages, ``hess_inv`` and report.

The C loop stops for one of csrc/so.h's PO_STOP_* reasons; each method reports it as SciPy's method of
the same name does (BFGS/CG/Newton-CG: 0 success, 1 iteration limit, 2 precision loss, 3 NaN;
L-BFGS-B: 0 convergence, 1 a limit, 2 abnormal; 99 a callback's StopIteration).
"""
from __future__ import annotations

import sys
import warnings

import numpy as np

# C reason -> (pyoptim status, success, message): the "gd" and "newton" methods, pyoptim's own
MESSAGES = {
    0: (True, "Optimization terminated successfully: the gradient norm is at most gtol."),
    1: (False, "Maximum number of iterations reached (maxiter)."),
    2: (False, "Maximum number of function evaluations reached (maxfev)."),
    3: (False, "Line search failed: no step along the search direction decreased the objective "
               "(the gradient may be inaccurate, the objective unbounded below, or gtol below what the "
               "precision allows)."),
    4: (False, "Non-finite objective or gradient (NaN or inf) at the starting point or in the Hessian."),
    5: (False, "The search direction is not a descent direction (g'd >= 0): the Hessian is not positive "
               "definite; use damping='auto' or saddle_free=True."),
    6: (False, "Stopped by callback (StopIteration)."),
    7: (True, "Optimization terminated successfully: the relative reduction of the objective is at most ftol."),
    8: (False, "The objective is unbounded below: f = -inf at x."),
}
_SUCCESS = "Optimization terminated successfully."
_PR_LOSS = "Desired error not necessarily achieved due to precision loss."
_SCIPY = {   # C reason -> (status, message) as SciPy's BFGS, CG and Newton-CG report it
    0: (0, _SUCCESS), 7: (0, _SUCCESS), 1: (1, "Maximum number of iterations has been exceeded."),
    2: (1, "Maximum number of function evaluations has been exceeded."), 3: (2, _PR_LOSS),
    4: (3, "NaN result encountered."), 5: (2, _PR_LOSS), 8: (2, MESSAGES[8][1]),
}
_LBFGSB = {   # ... and as SciPy's L-BFGS-B reports it
    0: (0, "CONVERGENCE: NORM OF PROJECTED GRADIENT <= PGTOL"),
    7: (0, "CONVERGENCE: RELATIVE REDUCTION OF F <= FACTR*EPSMCH"),
    1: (1, "STOP: TOTAL NO. OF ITERATIONS REACHED LIMIT"),
    2: (1, "STOP: TOTAL NO. OF F,G EVALUATIONS EXCEEDS LIMIT"),
    3: (2, "ABNORMAL: "),   # SciPy's exact text when the line search fails with an empty memory
    4: (2, "ABNORMAL: NON-FINITE F OR G"),
    5: (2, "ABNORMAL: NOT A DESCENT DIRECTION"), 8: (2, "ABNORMAL: F = -INF, THE OBJECTIVE IS UNBOUNDED BELOW"),
}
STOP_MESSAGE = "`callback` raised `StopIteration`."


class OptimizeWarning(UserWarning):
    """A solver did not converge (``disp=True``) or was given unknown options; SciPy's when SciPy is loaded."""


def optimize_warning():
    """scipy.optimize.OptimizeWarning when SciPy is already imported (so SciPy's filters catch it), else ours."""
    mod = sys.modules.get("scipy.optimize")
    return getattr(mod, "OptimizeWarning", OptimizeWarning) if mod is not None else OptimizeWarning


def status_of(method: str, reason: int, stopped: bool):
    """(status, success, message) for the C loop's reason in the convention of ``method``."""
    if stopped:
        return 99, False, STOP_MESSAGE
    if method in ("gd", "newton"):
        ok, msg = MESSAGES[reason]
        return reason, ok, msg
    status, msg = (_LBFGSB if method == "lbfgs" else _SCIPY)[reason]
    if method == "newton-cg" and status in (1, 2) and msg != MESSAGES[8][1]:
        msg = "Warning: " + msg   # SciPy's Newton-CG wording
    return status, status == 0, msg


class LbfgsInvHessProduct:
    """L-BFGS's inverse-Hessian approximation H as an operator, from its kept pairs (s, y), oldest first.

    H v by the two-loop recursion (Nocedal & Wright Algorithm 7.4) with H0 = γI, γ = s'y / y'y of the
    newest pair (as the solver used it; SciPy's LbfgsInvHessProduct takes H0 = I). ``matvec``,
    ``matmat``, ``rmatvec`` (H is symmetric), ``todense``, ``@`` and calls, ``shape``, ``dtype``, ``sk``,
    ``yk``, ``rho``, ``n_corrs``; SciPy's
    ``aslinearoperator`` accepts it.
    """

    def __init__(self, sk, yk):
        self.sk = np.asarray(sk, dtype=np.float64)
        self.yk = np.asarray(yk, dtype=np.float64)
        n = self.sk.shape[1]
        self.shape = (n, n)
        self.dtype = np.dtype(np.float64)
        self.rho = 1.0 / np.einsum("ij,ij->i", self.sk, self.yk)
        k = self.n_corrs = len(self.sk)
        self.gamma = float(self.sk[-1] @ self.yk[-1] / (self.yk[-1] @ self.yk[-1])) if k else 1.0

    def matvec(self, v):
        """H v; an (n, 1) column gives an (n, 1) column, as LinearOperator.matvec."""
        col = np.ndim(v) == 2
        r = self._matvec(np.array(v, dtype=np.float64).reshape(-1))
        return r.reshape(-1, 1) if col else r

    def _matvec(self, q):
        a = np.empty(len(self.sk))
        for i in range(len(self.sk) - 1, -1, -1):
            a[i] = self.rho[i] * (self.sk[i] @ q)
            q -= a[i] * self.yk[i]
        r = self.gamma * q
        for i in range(len(self.sk)):
            b = self.rho[i] * (self.yk[i] @ r)
            r += (a[i] - b) * self.sk[i]
        return r

    rmatvec = matvec

    def matmat(self, X):
        X = np.asarray(X, dtype=np.float64)
        return np.column_stack([self.matvec(X[:, j]) for j in range(X.shape[1])]) if X.shape[1] else X.copy()

    def todense(self):
        return self.matmat(np.eye(self.shape[0]))

    def dot(self, v):
        v = np.asarray(v)
        return self.matvec(v) if v.ndim == 1 or v.shape[1:] == (1,) else self.matmat(v)

    __matmul__ = __call__ = dot

    def __repr__(self):
        return f"<{self.shape[0]}x{self.shape[1]} LbfgsInvHessProduct with {len(self.sk)} pairs>"


def report(res, disp: bool):
    """SciPy's convergence report: the message (an OptimizeWarning on failure), then the counts."""
    if not disp:
        return
    if res.success:
        print(res.message)
    else:
        warnings.warn(res.message, optimize_warning(), stacklevel=4)
    print(f"         Current function value: {res.fun:f}")
    print(f"         Iterations: {res.nit:d}")
    print(f"         Function evaluations: {res.nfev:d}")
    print(f"         Gradient evaluations: {res.njev:d}")
    if "nhev" in res and res.method in ("newton-cg", "newton"):
        print(f"         Hessian evaluations: {res.nhev:d}")


def assemble(method, o, out, pb, flags, path, state):
    """The OptimizeResult SciPy's method of the same name returns (plus ``method``, ``nhev``, ``path``)."""
    from ._api import OptimizeResult
    xs, f, g, nit, nfev, njev, nhev, reason, nmem = out
    if flags["xtol"]:
        reason = 0   # Newton-CG's step test, run by the monitor
    status, success, message = status_of(method, reason, flags["stopped"])
    if pb is not None:
        nfev, njev, nhev = pb.nfev, pb.njev, pb.nhev
    res = OptimizeResult(x=xs, fun=f, jac=g, nit=nit, nfev=nfev, njev=njev, nhev=nhev, status=status,
                         success=success, message=message, method=method)
    if method == "bfgs":
        res["hess_inv"] = state
    elif method == "lbfgs":
        m = state.shape[0] // 2
        res["hess_inv"] = LbfgsInvHessProduct(state[:nmem], state[m:m + nmem])
    if o["return_all"]:
        res["allvecs"] = list(path)
    if o["return_path"]:
        res["path"] = np.array(path)
    report(res, o["disp"])
    return res
