"""The C core's NumPy-aware functions (``pyoptim._core``), public and documented.

Every optimizer update, loss and activation gradient, dropout mask and second-order step that the
classes of pyoptim use is callable here on plain arrays, in place where it updates state.

The contract, for every function here:

* arrays are ``numpy.ndarray`` of dtype float32 or float64 (integer label arrays where documented),
  native byte order, aligned and C-contiguous; all float arguments of one call share one dtype;
* arrays updated in place must be writeable and are never copied or cast: a wrong dtype or layout
  raises ``TypeError`` (type, dtype, byte order) or ``ValueError`` (shape, contiguity, read-only, 0-d,
  overlapping buffers), naming the argument;
* the GIL is released around every loop, so calls from several Python threads run concurrently; a
  thread that writes a running call's arrays (or clears the list it passed) can change the numbers but
  never make the call touch memory outside them (csrc/module.c's header says what each kernel
  guarantees); an integer label that is out of range when read raises ``ValueError``;
* hyperparameters must be finite (``ValueError`` naming the parameter, the range and the value) except
  where inf is documented as "no bound" (``clip_value``, ``max_value``, ``radius``, ``threshold``);
* large arrays (>= ``PAR_GRAIN`` = 262144 elements) are split across ``get_num_threads()`` OpenMP threads and the
  results are bit-identical for any thread count.

Each function has a plain-NumPy twin of the same name in :mod:`pyoptim._reference` (the readable
version and the test oracle). ``help(pyoptim.kernels.sgd_step)`` shows the formula.

Backends: ``BACKEND`` is ``"c"`` (the compiled ``pyoptim._core``) or ``"numpy"`` (the twins themselves,
one thread). ``PYOPTIM_BACKEND=numpy`` chooses the twins on purpose, ``PYOPTIM_BACKEND=c`` insists on the
C core; unset, when the C core cannot be imported (no compiler at install time, an unsupported platform,
an unbuilt checkout) pyoptim falls back to the twins with one :class:`PerformanceWarning`. Every module of pyoptim calls the kernels through this module.
"""
import functools
import importlib.util
import os
import warnings

import numpy as np

from . import _reference


class PerformanceWarning(RuntimeWarning):
    """pyoptim runs on the plain-NumPy twins because the C core could not be imported (slower)."""


BACKEND: str = os.environ.get("PYOPTIM_BACKEND", "c").strip().lower() or "c"
if BACKEND not in ("c", "numpy"):
    raise ImportError(f"PYOPTIM_BACKEND must be 'c' or 'numpy', got {BACKEND!r}")
_core = None
if BACKEND == "c":
    try:
        from . import _core
    except ImportError as exc:
        if os.environ.get("PYOPTIM_BACKEND", "").strip():   # PYOPTIM_BACKEND=c asked for the C core explicitly
            raise ImportError(f"PYOPTIM_BACKEND=c but the C core is not built ({exc}): run pip install -e . "
                              "(needs a C compiler)") from exc
        BACKEND = "numpy"
        # not built (no _core file: say so, not "partially initialized module"), or built but unloadable
        why = ("the C core is not built" if importlib.util.find_spec(__package__ + "._core") is None
               else f"the C core could not be loaded ({exc})")
        warnings.warn(
            f"{why}: pyoptim runs on its plain-NumPy twins, single-threaded and "
            "slower (measured: a training epoch about 2x, optimizer updates on large arrays and minimize's "
            "loop 100x or more). To get the C core: run pip install -e . in a source "
            "checkout (needs a C compiler), or pip install pyoptim-dlbook where a wheel exists. Set "
            "PYOPTIM_BACKEND=numpy to choose the NumPy backend without this warning.", PerformanceWarning,
            stacklevel=2)
_impl = _core if _core is not None else _reference
_TWINS = _reference.__name__ + "."   # the twins are defined in the modules of the _reference package
__all__ = sorted(name for name, f in vars(_impl).items() if not name.startswith("_") and callable(f)
                 and (_core is not None or (getattr(f, "__module__", None) or "").startswith(_TWINS)))


def _ieee(twin):
    """A twin as a kernel: IEEE arithmetic without NumPy's warnings (a NaN gradient gives a NaN
    parameter silently, as in C; docs/nonfinite.md)."""
    @functools.wraps(twin)
    def kernel(*args, **kwargs):
        with np.errstate(all="ignore"):
            return twin(*args, **kwargs)
    return kernel


globals().update({name: getattr(_impl, name) if _core is not None else _ieee(getattr(_impl, name))
                  for name in __all__})
_minimize = _impl._minimize
_lbfgsb = _impl._lbfgsb   # L-BFGS-B's loop (csrc/lbfgsb.c), private like _minimize
minimize_loop = _minimize   # the second-order loop of pyoptim.minimize (C: _core._minimize; twin: _reference._minimize)
lbfgsb_loop = _lbfgsb       # L-BFGS-B's loop of pyoptim.minimize with bounds (C: _core._lbfgsb; twin: _reference._lbfgsb)
PAR_GRAIN: int = _core.PAR_GRAIN if _core is not None else _reference.PAR_GRAIN


def build_info():
    """The C core's build facts as a dict (``path``, ``compiler``, ``flags``, ``openmp``, ``simd``), or None
    on the NumPy backend: what :func:`pyoptim.show_config` reports, without reaching past this module."""
    if _core is None:
        return None
    info = dict(_core._build_info())
    info["path"] = _core.__file__
    return info


def set_lapack(capsules: dict) -> bool:
    """Hand SciPy's ``cython_lapack`` capsules (a dict name -> PyCapsule) to the C core's Newton loop; True
    when the table is in place. False on the NumPy backend (no C core to hand them to)."""
    if _core is None:
        return False
    _core._set_lapack(capsules)
    return bool(_core._lapack_ready())
