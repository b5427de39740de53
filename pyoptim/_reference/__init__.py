"""Plain-NumPy twins of every function in :mod:`pyoptim.kernels` (the C core).

Each twin has the kernel's name and signature and does the same arithmetic in the same order with
NumPy expressions, so it is both the readable version of the kernel and the oracle the tests compare
the kernel against. Twins update their in-place arguments in place, like the kernels. They check
nothing: the argument checks are the kernels' job.

One module per part of csrc/, each listing in ``__all__`` the names it gives this package (private ones
included: the tests reach a few, e.g. ``_reference._lbfgsb``, ``_reference._lb_cauchy``):

=================  ============================================================================
``optim``          csrc/optim.c: SGD, AdaGrad, RMSProp, Adam, averaging, gradient norm, clipping
``optim_more``     csrc/optim_more.c: Adadelta, Adamax, NAdam, RAdam
``optim_extra``    csrc/optim_extra.c: ASGD, Rprop, Adafactor, Muon
``nn``             csrc/layers.c, losses.c, batchnorm.c, vecmath.h: activations, losses, batch norm
``dropout``        csrc/rng.c, dropout.c: the counter-based random stream and dropout masks
``regularize``     csrc/regularize.c: proximal steps and norm constraints
``bounds``         csrc/bounds.c: box projection
``linesearch``     csrc/linesearch.c: More-Thuente, strong Wolfe, backtracking
``linalg``         csrc/linalg.c: two-loop recursion, BFGS update, solves, CG step, objectives
``secondorder``    csrc/secondorder.c: the solver loop of :func:`pyoptim.minimize`
``lbfgsb``         csrc/lbfgsb.c + lbfgsb_model.c: L-BFGS-B's loop
``config``         csrc/common.c: the thread setting, ``PAR_GRAIN``
``_common``        the helpers several modules share
=================  ============================================================================
"""
from ._common import copy_out as _so_copy_out, decayed as _decayed, lerp as _lerp
from .optim import *          # noqa: F401,F403  (each module's __all__: the names it re-exports)
from .optim_more import *     # noqa: F401,F403
from .optim_extra import *    # noqa: F401,F403
from .nn import *             # noqa: F401,F403
from .dropout import *        # noqa: F401,F403
from .regularize import *     # noqa: F401,F403
from .bounds import *         # noqa: F401,F403
from .linesearch import *     # noqa: F401,F403
from .linalg import *         # noqa: F401,F403
from .secondorder import *    # noqa: F401,F403
from .lbfgsb import *         # noqa: F401,F403
from .config import *         # noqa: F401,F403
