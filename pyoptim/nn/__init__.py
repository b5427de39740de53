"""pyoptim.nn: a small, explicit, NumPy-native network library (book 6, 7.12, 8.1, 8.4, 8.7.1).

Every layer's forward and backward pass is written out and checked by finite differences; the hot
elementwise loops are C kernels from :mod:`pyoptim.kernels`; matrix products go through NumPy's BLAS.
"""
from ._module import Module, Parameter

__all__ = ["Module", "Parameter"]

# --- layers, losses, init ---
from . import gradcheck, init, metrics
from ._layers import BatchNorm, Dense, ReLU, Residual, Sequential, Sigmoid, Tanh
from ._losses import BinaryCrossEntropy, Loss, MSELoss, SoftmaxCrossEntropy
from .gradcheck import check_gradients
from .metrics import accuracy, zero_one_error

__all__ += ["Sequential", "Dense", "ReLU", "Tanh", "Sigmoid", "Residual", "BatchNorm", "Loss",
            "SoftmaxCrossEntropy", "MSELoss", "BinaryCrossEntropy", "init", "metrics", "gradcheck",
            "check_gradients", "accuracy", "zero_one_error"]
# --- end layers ---

# --- regularize: Dropout, GaussianNoise ---
from ._dropout import Dropout  # noqa: E402
from ._noise import GaussianNoise  # noqa: E402

__all__ += ["Dropout", "GaussianNoise"]
# --- end regularize ---
from . import rop  # noqa: E402  (the R-operator rules of the layers above)
