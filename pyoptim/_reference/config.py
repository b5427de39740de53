"""Twins of the thread setting (csrc/common.c): the twins run on one thread."""
import operator

__all__ = ["PAR_GRAIN", "set_num_threads", "get_num_threads"]


PAR_GRAIN = 262144   # csrc/pyoptim.h PO_PAR_GRAIN: the C core's split size (no effect on the twins)


def set_num_threads(n, /):
    """Twin of :func:`pyoptim.kernels.set_num_threads`: checks n like the C core; the twins run on one
    thread (NumPy's BLAS keeps its own threads), as a C core built without OpenMP does."""
    n = operator.index(n)
    if n < 1:
        raise ValueError(f"set_num_threads(): invalid n: {n} (expected an integer >= 1)")


def get_num_threads():
    """Twin of :func:`pyoptim.kernels.get_num_threads`: 1 (the twins run on the calling thread)."""
    return 1
