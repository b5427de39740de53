"""pyoptim: chapters 7 (Regularization) and 8 (Optimization for Training Deep Models) of the
Deep Learning book (Goodfellow, Bengio, Courville, 2016) as an exact, fast and teachable library.

A C core (``pyoptim.kernels``) holds the hot loops; this package composes them into optimizers
(``pyoptim.optim``), models (``pyoptim.nn``), training (``pyoptim.fit``), regularizers and
second-order solvers (``pyoptim.minimize``). Where a name matches PyTorch's, the numbers match too.
"""
import os as _os

from ._version import __version__

# OpenMP's worker threads spin after each parallel region by default; on a 2-core machine they then
# fight NumPy's OpenBLAS threads for the cores (a training epoch measured 6x slower). Sleep instead,
# unless the user chose a policy. libgomp reads this when the C core first loads it.
if "OMP_WAIT_POLICY" not in _os.environ and "GOMP_SPINCOUNT" not in _os.environ:
    _os.environ["OMP_WAIT_POLICY"] = "PASSIVE"

from . import kernels   # the C core, or its NumPy twins (kernels.BACKEND; PYOPTIM_BACKEND=numpy)
from . import callbacks, nn, optim
from ._config import show_config
from .kernels import PerformanceWarning

set_num_threads = kernels.set_num_threads
get_num_threads = kernels.get_num_threads

__all__ = ["kernels", "nn", "optim", "callbacks", "set_num_threads", "get_num_threads", "show_config",
           "PerformanceWarning", "__version__"]

# --- training: fit, minibatches, History, save/load, datasets ------------------------------------------
from . import datasets
from .checkpoint import load, save
from .training import History, Trainer, evaluate, fit, minibatches, predict

__all__ += ["fit", "minibatches", "History", "Trainer", "evaluate", "predict", "save", "load", "datasets"]
# --- end training ---

# --- secondorder: minimize, OptimizeResult, linear_cg, coordinate_descent, functions -------------------
from . import functions
from ._minimize import (OptimizeResult, OptimizeWarning, coordinate_descent, linear_cg, minimize,
                        scipy_method)

__all__ += ["minimize", "OptimizeResult", "OptimizeWarning", "scipy_method", "linear_cg", "coordinate_descent",
            "functions"]
# --- end secondorder ---

# --- regularize: regularizers, constraints --------------------------------------------------------------
from . import constraints, regularization, regularizers  # noqa: E402

__all__ += ["regularizers", "constraints", "regularization"]
# --- end regularize ---

# --- diagnostics ----------------------------------------------------------------------------------------
from . import diagnostics, strategies  # noqa: E402  (book 8.2 tools; 8.7.4-8.7.6 strategies)

__all__ += ["diagnostics", "strategies"]
# --- end diagnostics ---

# --- plot (imported lazily: matplotlib is optional) -----------------------------------------------------
def __getattr__(name: str):
    """Import ``pyoptim.plot`` on first use, so ``import pyoptim`` never imports matplotlib."""
    if name == "plot":
        import importlib
        return importlib.import_module(".plot", __name__)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | {"plot"})


__all__ += ["plot"]
# --- end plot ---

# --- distributed (MPI; mpi4py is imported only when a communicator is made) ----------------------------
from . import distributed  # noqa: E402  (po.fit(..., distributed=True), po.distributed.minimize)

__all__ += ["distributed"]
# --- end distributed ---
