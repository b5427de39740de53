"""pyoptim.optim: first-order optimizers (book 8.3, 8.5) with torch.optim's names and numbers.

Every optimizer of torch.optim's CPU path is here under torch's name (SGD, Adam, AdamW, Adagrad,
RMSprop, Adadelta, Adamax, NAdam, RAdam, ASGD, Rprop, Adafactor, Muon, LBFGS), with the schedulers in
:mod:`~pyoptim.optim.lr_scheduler` and the averaging utilities in :mod:`~pyoptim.optim.swa_utils`, except
``SparseAdam``: it exists for ``torch.sparse`` gradients (embedding rows touched by a batch), updating
only the stored entries. NumPy has no sparse array type that pyoptim's parameters and gradients could
be, and a dense gradient with zeros is not the same input (SparseAdam's moments would then decay on
every entry), so an honest SparseAdam needs a sparse gradient format first; it is left out.
"""

__all__: list[str] = []

# --- first-order: Optimizer, SGD, Adagrad, RMSprop, Adam, AdamW, book forms, clipping, Averaged ---
from . import book, lr_scheduler
from ._first_order import SGD, Adagrad, Adam, AdamW, RMSprop
from .averaged import Averaged
from .book import AdaGradBook, AdamBook, MomentumBook, NesterovBook, RMSPropBook
from .clip import clip_grad_norm_, clip_grad_value_
from .optimizer import Optimizer

__all__ += ["Optimizer", "SGD", "Adagrad", "RMSprop", "Adam", "AdamW", "Averaged", "clip_grad_norm_",
            "clip_grad_value_", "lr_scheduler", "book", "MomentumBook", "NesterovBook", "AdaGradBook",
            "RMSPropBook", "AdamBook"]
# --- end first-order ---

# --- secondorder: LBFGS ---
from .lbfgs import LBFGS

__all__ += ["LBFGS"]
# --- end secondorder ---

# --- sched-swa: swa_utils (AveragedModel, SWALR, update_bn); the schedulers live in lr_scheduler ---
from . import swa_utils  # noqa: E402

__all__ += ["swa_utils"]
# --- end sched-swa ---

# --- optim-more-a: Adadelta, Adamax, NAdam, RAdam ---
from ._adaptive_more import Adadelta, Adamax, NAdam, RAdam

__all__ += ["Adadelta", "Adamax", "NAdam", "RAdam"]
# --- end optim-more-a ---

# --- optim-extra: ASGD, Rprop, Adafactor, Muon ---
from .adafactor import Adafactor
from .asgd import ASGD
from .muon import Muon
from .rprop import Rprop

__all__ += ["ASGD", "Rprop", "Adafactor", "Muon"]
# --- end optim-extra ---
