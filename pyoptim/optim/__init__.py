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

# --- optim-extra: ASGD, Rprop, Adafactor, Muon ---
from .adafactor import Adafactor
from .asgd import ASGD
from .muon import Muon
from .rprop import Rprop

__all__ += ["ASGD", "Rprop", "Adafactor", "Muon"]
# --- end optim-extra ---
