"""Training on more than one worker (book 8.1.3: minibatches and parallelism).

``hogwild_sgd``: asynchronous, lock-free SGD with threads on a sparse problem (Recht et al., 2011).
"""
from .hogwild import hogwild_sgd

__all__ = ["hogwild_sgd"]
