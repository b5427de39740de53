"""Learning-rate schedules (book 8.3.1) with torch.optim.lr_scheduler's names, arguments and numbers.

SGD needs a decreasing learning rate: the minibatch gradient's noise does not vanish at a minimum, so
a constant ε leaves the iterates wandering. The book's sufficient conditions are Σ ε_k = ∞ and
Σ ε_k² < ∞; in practice it decays ε linearly until step τ and then keeps it constant:

    ε_k = (1 - k/τ) ε_0 + (k/τ) ε_τ   for k <= τ,   ε_k = ε_τ afterwards,

which is ``LinearLR(opt, start_factor=1.0, end_factor=eps_tau / eps_0, total_iters=tau)``.

Every scheduler changes ``group["lr"]`` of each of the optimizer's parameter groups. Call
``scheduler.step()`` after ``optimizer.step()`` (once per epoch or per step, as you choose);
``get_last_lr()`` returns the rates just set. The recurrences are torch's (each step multiplies the
current rate), so the values agree with torch to the last bit, and two schedulers stepping one
optimizer compose as in torch (or use ``ChainedScheduler``; ``SequentialLR`` runs them one after
another); ``state_dict()`` / ``load_state_dict()`` save and restore the position.

=============================  ===================================================================
step-indexed                   ``LambdaLR, MultiplicativeLR, StepLR, MultiStepLR, ConstantLR,
                               LinearLR, ExponentialLR, PolynomialLR, CosineAnnealingLR``
on a metric                    ``ReduceLROnPlateau``
cyclical (per batch)           ``CosineAnnealingWarmRestarts, CyclicLR, OneCycleLR`` (the last two
                               also cycle the momentum or Adam's β1)
composite                      ``SequentialLR, ChainedScheduler``
averaging (SWA)                ``pyoptim.optim.swa_utils.SWALR``
=============================  ===================================================================
"""
from ._base import LRScheduler, format_param  # noqa: F401  (format_param: shared with swa_utils.SWALR)
from ._basic import (ConstantLR, CosineAnnealingLR, ExponentialLR, LambdaLR, LinearLR, MultiplicativeLR,
                     MultiStepLR, PolynomialLR, ReduceLROnPlateau, StepLR)
from ._composite import ChainedScheduler, SequentialLR
from ._cyclic import CosineAnnealingWarmRestarts, CyclicLR, OneCycleLR

__all__ = ["LRScheduler", "LambdaLR", "MultiplicativeLR", "StepLR", "MultiStepLR", "ConstantLR", "LinearLR",
           "ExponentialLR", "PolynomialLR", "CosineAnnealingLR", "ReduceLROnPlateau", "CosineAnnealingWarmRestarts",
           "CyclicLR", "OneCycleLR", "SequentialLR", "ChainedScheduler"]
