"""pyoptim.optim: first-order optimizers (book 8.3, 8.5) with torch.optim's names and numbers."""

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
