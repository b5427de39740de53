"""Argument normalization for :func:`pyoptim.minimize`: method names, ``tol`` and ``options`` -> C settings.

SciPy's option names mean what SciPy documents, with SciPy's defaults; pyoptim's own options (line
search, Newton damping, ...) keep their names, except the More-Thuente bracket width, ``ls_xtol``
(``xtol`` is Newton-CG's step tolerance, as in SciPy).
"""
from __future__ import annotations

import math
import warnings

import numpy as np

from .._validation import Interval, Real, check, check_int

METHODS = {"gd": 0, "newton": 1, "newton-cg": 2, "cg": 3, "bfgs": 4, "lbfgs": 5}
LINE_SEARCHES = {"strong-wolfe": 0, "backtracking": 1, "more-thuente": 2}
ALIASES = {"l-bfgs": "lbfgs", "l-bfgs-b": "lbfgs", "newtoncg": "newton-cg", "steepest": "gd",
           "gradient-descent": "gd"}
NO_LIMIT = 2 ** 62

# per method: SciPy's options (with SciPy's defaults; None = computed) plus pyoptim's own
_COMMON = {"disp": False, "return_all": False, "maxiter": None, "gtol": 1e-5, "norm": math.inf, "eps": None,
           "finite_diff_rel_step": None, "workers": None, "c1": 1e-4, "c2": 0.9,
           # pyoptim's own
           "maxfev": None, "ftol": 0.0, "line_search": "strong-wolfe", "max_ls": 25, "tolerance_change": 1e-9,
           "ls_xtol": 1e-14, "return_path": False}
_EXTRA = {
    "bfgs": {"xrtol": 0.0, "hess_inv0": None, "init_step": "unit", "h0": "scaled"},
    "cg": {"c2": 0.4, "beta": "pr+", "restart": 0},
    "newton-cg": {"xtol": None, "cg_maxiter": 0},
    "lbfgs": {"maxcor": 10, "m": None, "ftol": 2.2204460492503131e-09, "maxfun": 15000, "maxiter": 15000,
              "maxls": 20, "eps": 1e-8, "iprint": None, "init_step": "unit"},
    "gd": {"tolerance_change": 1e-12},
    "newton": {"damping": "auto", "saddle_free": False, "linalg": "auto"},
}
_SCIPY_EPS = np.finfo(float).eps ** 0.5   # SciPy's legacy absolute finite-difference step (BFGS, CG, Newton-CG)


def canonical_method(method, bounds) -> str:
    """SciPy's choice for None (L-BFGS-B with bounds, else BFGS); names are case-insensitive."""
    if method is None:
        return "lbfgs" if bounds is not None else "bfgs"
    key = method.lower().replace("_", "-") if isinstance(method, str) else None
    if key is None or key not in {**METHODS, **ALIASES}:
        raise ValueError(f"Invalid method: {method!r} (expected one of {sorted(METHODS)} or SciPy's "
                         "'BFGS', 'CG', 'Newton-CG', 'L-BFGS-B')")
    return ALIASES.get(key, key)


def _num(o, name, lo=0.0, hi=math.inf, lo_open=False):
    return check(name, o[name], Interval(Real, lo, hi, closed="right" if lo_open else "both", coerce=True))


def _int(o, name, lo=0):
    """SciPy accepts integer-valued floats for counts (maxiter=100.0)."""
    v = o[name]
    if isinstance(v, (float, np.floating)) and float(v).is_integer():
        v = int(v)
    return check_int(name, v, lo)


def _choice(o, name, allowed):
    if o[name] not in allowed:
        raise ValueError(f"Invalid {name}: {o[name]!r} (expected one of {list(allowed)})")
    return o[name]


def normalize_options(method: str, n: int, tol, options) -> dict:
    """The options dict, completed with defaults and checked; unknown keys warn (SciPy's OptimizeWarning)."""
    from ._result import optimize_warning
    known = {**_COMMON, **_EXTRA.get(method, {})}
    given = dict(options or {})
    unknown = [k for k in given if k not in known]
    if unknown:
        warnings.warn(f"Unknown solver options: {', '.join(map(str, unknown))}", optimize_warning(), stacklevel=3)
        for k in unknown:
            del given[k]
    if tol is not None:
        try:
            ok = float(tol) >= 0
        except (TypeError, ValueError):
            ok = False
        if not ok:
            raise ValueError(f"Invalid tol: {tol!r} (expected a number >= 0)")
        for k in {"bfgs": ("gtol",), "cg": ("gtol",), "lbfgs": ("gtol", "ftol"), "newton-cg": ("xtol",),
                  "gd": ("gtol",), "newton": ("gtol",)}[method]:
            given.setdefault(k, float(tol))
    o = {**known, **given}
    if o["maxiter"] is not None:   # SciPy: any real count; maxiter=100.1 allows 101 iterations, -1 none
        v = o["maxiter"]
        if isinstance(v, (float, np.floating)) and math.isfinite(v):
            v = math.ceil(v)
        o["maxiter"] = max(_int({"maxiter": v}, "maxiter", lo=-(2 ** 62)), 0)
    o["maxiter"] = o["maxiter"] if o["maxiter"] is not None else (
        max(1000, 200 * n) if method in ("gd", "newton") else 200 * n)
    if method == "lbfgs":
        o["maxfev"] = _int({"maxfun": o["maxfun"] if o["maxfev"] is None else o["maxfev"]}, "maxfun", 1)
        o["m"] = _int({"maxcor": o["maxcor"]}, "maxcor", 1) if o["m"] is None else _int(o, "m", 1)
        o["max_ls"] = _int({"maxls": o["maxls"] if "max_ls" not in given else o["max_ls"]}, "maxls", 1)
    else:
        o["maxfev"] = NO_LIMIT if o["maxfev"] is None else _int(o, "maxfev", 1)
        o["max_ls"] = _int(o, "max_ls", 1)
    for k in ("gtol", "ftol", "tolerance_change", "ls_xtol", "xrtol"):
        if k in o:
            o[k] = _num(o, k)
    if method == "newton-cg" and o["xtol"] is not None:
        o["xtol"] = _num(o, "xtol")
    c1, c2 = o["c1"], o["c2"]
    try:
        c_ok = 0 < float(c1) < float(c2) < 1
    except (TypeError, ValueError):
        c_ok = False
    if not c_ok:
        raise ValueError(f"'c1' and 'c2' do not satisfy '0 < c1 < c2 < 1' (c1={c1!r}, c2={c2!r}).")
    o["c1"], o["c2"] = float(c1), float(c2)
    o["norm"] = float(o["norm"])
    if o["norm"] == 0 or math.isnan(o["norm"]):
        raise ValueError(f"Invalid norm: {o['norm']!r} (expected inf, -inf or a nonzero order)")
    if o["eps"] is None:
        o["eps"] = _SCIPY_EPS
    _choice(o, "line_search", LINE_SEARCHES)
    for k, allowed in (("init_step", ("unit", "quadratic")), ("h0", ("scaled", "identity")), ("beta", ("fr", "pr+"))):
        if k in o:
            _choice(o, k, allowed)
    for k in ("restart", "cg_maxiter"):
        if k in o:
            o[k] = _int(o, k)
    if "damping" in o and not (o["damping"] == "auto" if isinstance(o["damping"], str) else False):
        o["damping"] = _num(o, "damping") if not isinstance(o["damping"], str) else _choice(o, "damping", ("auto",))
    if "linalg" in o:
        from ._linalg import CHOICES
        _choice(o, "linalg", CHOICES)
    if o.get("hess_inv0") is not None:
        o["hess_inv0"] = check_positive_definite(o["hess_inv0"], n)
    return o


def check_positive_definite(H, n):
    """SciPy's check of ``hess_inv0``: symmetric and Cholesky-factorable, shape (n, n)."""
    H = np.array(H, dtype=np.float64)
    if H.shape != (n, n):
        raise ValueError(f"Invalid hess_inv0: shape {H.shape} (expected ({n}, {n}))")
    try:
        ok = np.allclose(H, H.T, rtol=0, atol=0) and np.linalg.cholesky(H) is not None
    except np.linalg.LinAlgError:
        ok = False
    if not ok:
        raise ValueError("'hess_inv0' matrix isn't positive definite.")
    return np.ascontiguousarray(H)


def c_settings(method: str, o: dict) -> dict:
    """The keyword arguments of the C loop (``kernels.minimize_loop``) for the normalized options."""
    damping = o.get("damping", "auto")
    return dict(method=METHODS[method], gtol=o["gtol"], ftol=o["ftol"], maxiter=o["maxiter"],
                maxfev=o["maxfev"], m=o.get("m") or 10, beta=0 if o.get("beta") == "fr" else 1,
                restart=o.get("restart", 0), damping=-1.0 if damping == "auto" else float(damping),
                saddle_free=bool(o.get("saddle_free", False)), cg_maxiter=o.get("cg_maxiter", 0),
                line_search=LINE_SEARCHES[o["line_search"]], c1=o["c1"], c2=o["c2"], max_ls=o["max_ls"],
                tolerance_change=o["tolerance_change"], xtol=o["ls_xtol"],
                init_step=0 if o.get("init_step", "unit") == "unit" else 1,
                h0_scaled=o.get("h0", "scaled") == "scaled" and o.get("hess_inv0") is None,
                norm=o["norm"], xrtol=o.get("xrtol", 0.0), hess_inv0=o.get("hess_inv0"))
