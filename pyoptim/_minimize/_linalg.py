"""Which linear algebra factors Newton's Hessian (``minimize(method="newton")``, book 8.6.1).

The C loop (csrc/secondorder.c) takes its factorizations from a provider table (csrc/lapack.h). Three
providers, chosen per call by the ``linalg`` option of method "newton" (default ``"auto"``):

``"lapack"``
    LAPACK through SciPy's ``scipy.linalg.cython_lapack`` capsules (dpotrf/dpotrs for the Cholesky solves
    of Nocedal & Wright's Algorithm 3.3, dgetrf/dgetrs for a fixed indefinite ``damping``, dsyevd for
    ``saddle_free``), called from C with no Python in between. SciPy is imported the first time a Newton
    solve asks for it, never at ``import pyoptim``; the capsules are handed to the C core once
    (``kernels.set_lapack``) and kept for the process.
``"numpy"``
    ``numpy.linalg`` (NumPy's own LAPACK: cholesky, solve, eigh) called from the C loop through Python;
    the two triangular solves after the Cholesky factor run in C (NumPy has no triangular solver).
``"own"``
    the C core's own O(n^3) routines (Cholesky-Banachiewicz, LU with partial pivoting, cyclic Jacobi):
    no dependency at all, the reference the others are tested against.

``"auto"`` takes ``"lapack"`` when SciPy is installed, else ``"numpy"`` from ``NUMPY_MIN_N`` parameters on
(below that the Python round trip costs more than the own routine's O(n^3) work), else ``"own"``. With
``PYOPTIM_BACKEND=numpy`` the loop is the NumPy twin, which always uses ``numpy.linalg``.
``pyoptim.show_config()`` reports the choice. Every provider takes the same route (the same shifts
tau, the same Cholesky-then-LU fallback); only the factorization's rounding differs.
"""
from __future__ import annotations

import threading

import numpy as np

from .. import kernels

CHOICES = ("auto", "lapack", "numpy", "own")
# measured with benchmarks/bench_secondorder.py's problems, ms per Newton iteration, one BLAS thread:
#   convex (one Cholesky per iteration)     n = 64: own 0.13, numpy 0.12; n = 128: own 1.8, numpy 0.30
#   nonconvex (a dozen failed Cholesky      n = 128: own 2.6, numpy 5.1;  n = 400: own 128, numpy 34
#   attempts per iteration, each a LinAlgError in Python)
NUMPY_MIN_N = 128
_LAPACK_NAMES = ("dpotrf", "dpotrs", "dsyevd", "dgetrf", "dgetrs")
_lock = threading.Lock()
_lapack = {"tried": False, "ok": False, "why": "not tried yet", "scipy": None}


def _np_cholesky(A, shift):
    """L with A + shift I = L L' (numpy.linalg.cholesky reads the lower triangle), None if not PD."""
    if shift:
        A[np.diag_indices_from(A)] += shift
    try:
        return np.linalg.cholesky(A)
    except np.linalg.LinAlgError:
        return None


def _np_lu_solve(A, b, shift):
    """d with (A + shift I) d = b (numpy.linalg.solve: LU with partial pivoting), None if singular."""
    if shift:
        A[np.diag_indices_from(A)] += shift
    try:
        return np.linalg.solve(A, b)
    except np.linalg.LinAlgError:
        return None


def _np_eigh(A):
    """(w, V) of (A + A')/2, w ascending (numpy.linalg.eigh)."""
    return np.linalg.eigh(0.5 * (A + A.T))


NUMPY_PROVIDER = (_np_cholesky, _np_lu_solve, _np_eigh)


def lapack_available() -> bool:
    """Hand SciPy's LAPACK to the C core on first use (thread-safe, once); True when it is in place."""
    if kernels.BACKEND != "c":
        return False
    if _lapack["tried"]:
        return _lapack["ok"]
    with _lock:
        if not _lapack["tried"]:
            try:
                import scipy
                from scipy.linalg import cython_lapack
                capi = cython_lapack.__pyx_capi__
                ok = kernels.set_lapack({k: capi[k] for k in _LAPACK_NAMES})
                _lapack.update(ok=ok, why="", scipy=scipy.__version__)
            except ImportError as exc:
                _lapack.update(ok=False, why=f"SciPy is not installed ({exc})")
            except (KeyError, TypeError, AttributeError) as exc:   # a SciPy whose capsules differ
                _lapack.update(ok=False, why=f"scipy.linalg.cython_lapack has no usable capsules ({exc})")
            _lapack["tried"] = True
    return _lapack["ok"]


def resolve(choice: str, n: int) -> str:
    """The provider that runs for option ``linalg=choice`` at dimension n: "lapack", "numpy" or "own"."""
    if kernels.BACKEND != "c":
        return "numpy"
    if choice == "auto":
        if lapack_available():
            return "lapack"
        return "numpy" if n >= NUMPY_MIN_N else "own"
    if choice == "lapack" and not lapack_available():
        raise ValueError(f"minimize(): linalg='lapack' needs SciPy's LAPACK: {_lapack['why']}")
    return choice


def argument(name: str):
    """The C loop's ``linalg=`` argument for a resolved provider name."""
    return {"lapack": "lapack", "numpy": NUMPY_PROVIDER, "own": None}[name]


def describe() -> dict:
    """For show_config: what ``linalg="auto"`` picks (small and large n) and why."""
    if kernels.BACKEND != "c":
        return {"auto": "numpy", "detail": "the NumPy backend's twin uses numpy.linalg"}
    if lapack_available():
        return {"auto": "lapack", "detail": f"scipy.linalg.cython_lapack (SciPy {_lapack['scipy']}): "
                                            "dpotrf/dpotrs, dgetrf/dgetrs, dsyevd"}
    return {"auto": f"own (n < {NUMPY_MIN_N}), numpy (n >= {NUMPY_MIN_N})",
            "detail": f"no LAPACK capsules: {_lapack['why']}; numpy.linalg from Python, else the own C routines"}
