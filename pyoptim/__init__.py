"""pyoptim: chapters 7 (Regularization) and 8 (Optimization for Training Deep Models) of the
Deep Learning book (Goodfellow, Bengio, Courville, 2016) as an exact, fast and teachable library.

A C core (``pyoptim.kernels``) holds the hot loops; this package composes them into optimizers
(``pyoptim.optim``), models (``pyoptim.nn``), training (``pyoptim.fit``), regularizers and
second-order solvers (``pyoptim.minimize``). Where a name matches PyTorch's, the numbers match too.
"""
__version__ = "0.1.0"

from . import _core, kernels
from . import callbacks, nn, optim

set_num_threads = _core.set_num_threads
get_num_threads = _core.get_num_threads

__all__ = ["kernels", "nn", "optim", "callbacks", "set_num_threads", "get_num_threads"]

# --- training: fit, minibatches, History, save/load, datasets ------------------------------------------
# --- end training ---

# --- secondorder: minimize, OptimizeResult, linear_cg, coordinate_descent, functions -------------------
# --- end secondorder ---

# --- regularize: regularizers, constraints --------------------------------------------------------------
# --- end regularize ---

# --- diagnostics ----------------------------------------------------------------------------------------
# --- end diagnostics ---

# --- plot (imported lazily: matplotlib is optional) -----------------------------------------------------
# --- end plot ---
