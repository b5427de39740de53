"""Twin of the box projection (csrc/bounds.c)."""
import numpy as np

__all__ = ["project_box"]


def project_box(x, lo, hi):
    """Twin of :func:`pyoptim.kernels.project_box`: x <- min(max(x, lo), hi), in place."""
    x[...] = np.minimum(np.maximum(x, lo), hi)
