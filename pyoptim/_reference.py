"""Plain-NumPy twins of every function in :mod:`pyoptim.kernels` (the C core).

Each twin has the kernel's name and signature and does the same arithmetic in the same order with
NumPy expressions, so it is both the readable version of the kernel and the oracle the tests compare
the kernel against. Twins update their in-place arguments in place, like the kernels. They check
nothing: the argument checks are the kernels' job.
"""
import numpy as np

# --- optim: first-order updates (book 8.3, 8.5) -------------------------------------------------------


def sgd_step(param, grad, momentum_buffer=None, *, lr, momentum=0.0, dampening=0.0, weight_decay=0.0,
             nesterov=False, maximize=False, first_step=False):
    """Twin of :func:`pyoptim.kernels.sgd_step`."""
    dt = param.dtype.type
    g = (-grad if maximize else grad) + dt(weight_decay) * param
    if momentum != 0.0:
        if first_step:
            momentum_buffer[...] = g
        else:
            momentum_buffer[...] = dt(momentum) * momentum_buffer + dt(1.0 - dampening) * g
        d = g + dt(momentum) * momentum_buffer if nesterov else momentum_buffer
    else:
        d = g
    param[...] = param - dt(lr) * d

# --- end optim ----------------------------------------------------------------------------------------

# --- nn: activations, losses, batch normalization (book 6, 8.7.1) --------------------------------------
# --- end nn -------------------------------------------------------------------------------------------

# --- secondorder: line searches, Newton, CG, BFGS, L-BFGS (book 8.6) -----------------------------------
# --- end secondorder ----------------------------------------------------------------------------------

# --- regularize: RNG, dropout, proximal steps, constraints (book 7) -----------------------------------
# --- end regularize -----------------------------------------------------------------------------------
