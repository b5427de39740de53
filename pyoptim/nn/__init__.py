"""pyoptim.nn: a small, explicit, NumPy-native network library (book 6, 7.12, 8.1, 8.4, 8.7.1).

Every layer's forward and backward pass is written out and checked by finite differences; the hot
elementwise loops are C kernels from :mod:`pyoptim.kernels`; matrix products go through NumPy's BLAS.
"""
from ._module import Module, Parameter

__all__ = ["Module", "Parameter"]

# --- layers, losses, init ---
# --- end layers ---

# --- regularize: Dropout, GaussianNoise ---
# --- end regularize ---
