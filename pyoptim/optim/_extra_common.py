"""Small helpers shared by ASGD, Rprop, Adafactor and Muon (pyoptim.optim.asgd, rprop, adafactor, muon)."""
from __future__ import annotations

import numpy as np

__all__ = ["check_not_captured", "to_f32"]


def check_not_captured(group: dict) -> None:
    """``capturable`` / ``differentiable`` are accepted as False (torch's defaults) and refused as True:
    pyoptim's updates run eagerly on NumPy arrays (no CUDA-graph capture, no autograd through the step).
    ``foreach`` is accepted with any value: every pyoptim update is already one fused pass per array."""
    for name in ("capturable", "differentiable"):
        if group.get(name, False):
            raise NotImplementedError(f"{name}=True is not supported: pyoptim's optimizers update NumPy arrays "
                                      f"eagerly (pass {name}=False, the default)")


def to_f32(x: float) -> float:
    """x rounded to float32 (as torch stores a scalar state tensor under its default dtype), as a float."""
    with np.errstate(over="ignore"):
        return float(np.float32(x))
