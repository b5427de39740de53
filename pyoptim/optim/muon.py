"""Muon: orthogonalized momentum for 2-D parameters (Jordan et al. 2024), torch.optim.Muon."""
from __future__ import annotations

import math

import numpy as np

from .. import kernels
from .._internal.params import is_parameter
from .optimizer import Optimizer, check_hyper

__all__ = ["Muon", "zeropower_via_newtonschulz"]

# Keller Jordan's quintic coefficients and defaults (torch.optim._muon)
EPS = 1e-7
DEFAULT_A = 3.4445
DEFAULT_B = -4.7750
DEFAULT_C = 2.0315
DEFAULT_NS_STEPS = 5


def zeropower_via_newtonschulz(grad: np.ndarray, ns_coefficients=(DEFAULT_A, DEFAULT_B, DEFAULT_C),
                               ns_steps: int = DEFAULT_NS_STEPS, eps: float = EPS) -> np.ndarray:
    r"""An approximately orthogonal matrix with the singular vectors of ``grad``: ≈ U S' Vᵀ where
    grad = U S Vᵀ and S' has entries near 1 (torch.optim._muon._zeropower_via_newtonschulz).

    .. code-block:: text

        X = G (or Gᵀ when G has more rows than columns);  X = X / max(||X||_F, eps)
        repeat ns_steps times:  A = X Xᵀ;  B = b A + c A A;  X = a X + B X
        (transposed back)

    Each step applies p(s) = a s + b s³ + c s⁵ to every singular value s; the default coefficients
    push all s in (0, 1] toward [0.7, 1.2] in 5 steps. The products are NumPy matmuls (BLAS) in the
    array's own dtype. Torch casts G to bfloat16 first and iterates in bfloat16; pyoptim does not
    (NumPy has no bfloat16), so its result is the exact-arithmetic iteration to float32/float64
    rounding, while torch's carries bfloat16 rounding (about 3 significant digits) in every entry.

    Raises ValueError for ns_steps >= 100, a non-2-D grad, or not exactly 3 coefficients (torch's
    messages).
    """
    if ns_steps >= 100:
        raise ValueError("Number of steps must be less than 100 for computational efficiency")
    if grad.ndim != 2:
        raise ValueError("Input tensor gradient must be a 2D matrix")
    if len(ns_coefficients) != 3:
        raise ValueError("Coefficients must be a tuple of exactly 3 values")
    dt = grad.dtype.type
    a, b, c = (dt(x) for x in ns_coefficients)
    tall = grad.shape[0] > grad.shape[1]
    X = grad.T if tall else grad
    # torch: ortho_grad.div_(ortho_grad.norm().clamp(min=eps)), the norm rounded to the dtype
    nrm = np.maximum(dt(kernels.grad_norm([np.ascontiguousarray(grad)], 2.0)), dt(eps))
    X = X / nrm
    for _ in range(int(ns_steps)):
        A = X @ X.T                  # torch: gram_matrix = X @ X.T
        B = A @ A                    # torch: addmm(A, A, A, beta=b, alpha=c) = b A + c (A A)
        B *= c
        B += b * A
        Y = B @ X                    # torch: addmm(X, B, X, beta=a) = a X + B X
        Y += a * X
        X = Y
    return np.ascontiguousarray(X.T if tall else X)


def _adjust_lr(lr: float, adjust_lr_fn: str | None, shape) -> float:
    """torch.optim._muon._adjust_lr: lr scaled so the update's RMS is consistent across shapes."""
    A, B = shape[:2]
    if adjust_lr_fn is None or adjust_lr_fn == "original":
        ratio = math.sqrt(max(1, A / B))
    elif adjust_lr_fn == "match_rms_adamw":
        ratio = 0.2 * math.sqrt(max(A, B))
    else:
        ratio = 1.0
    return lr * ratio


class Muon(Optimizer):
    r"""Muon: momentum whose update is orthogonalized by Newton–Schulz iterations (2-D parameters only).

    The update (torch.optim.Muon's form), for a weight matrix θ of shape (A, B):

    .. code-block:: text

        b  = momentum * b + (1 - momentum) * g              (an exponential average; torch's lerp)
        u  = (1 - momentum) * g + momentum * b   if nesterov else b
        O  = NS(u)                                           (≈ U Vᵀ of u = U S Vᵀ; see zeropower_via_newtonschulz)
        θ  = θ * (1 - lr * weight_decay)                     (decoupled weight decay)
        θ  = θ - lr' * O,   lr' = lr * sqrt(max(1, A/B))     ("original")
                            lr' = lr * 0.2 * sqrt(max(A, B)) ("match_rms_adamw")

    Relation to the book: momentum and Nesterov momentum (8.3.2-8.3.3) with the buffer in
    exponential-average form (dampening 1 - momentum), then the step direction replaced by the nearest
    semi-orthogonal matrix: every singular direction of the momentum moves by the same amount, a
    steepest-descent step under the spectral norm instead of the Euclidean one (compare the book's
    remark in 8.2 that the gradient is the steepest direction only for the Euclidean metric, and the
    ill-conditioning of 8.2.1, which orthogonalization removes from the update). Muon is for the
    weight matrices of hidden layers; biases, gains and embeddings go to another optimizer (AdamW),
    as torch's documentation says.

    Shapes: torch 2.13's Muon has no fallback for other shapes: it raises ValueError at construction
    for any parameter that is not 2-D, and so does this class (same message).

    Differences from torch: torch casts the momentum to bfloat16 and runs the Newton–Schulz iteration
    in bfloat16; NumPy has no bfloat16, so pyoptim runs it in the parameter's dtype (float32 or
    float64). The results therefore differ by bfloat16 rounding (about 3 significant digits per entry
    of O); pyoptim's float64 result equals torch's algorithm run in float64 (the tests patch torch's cast
    out and compare 100 steps to 1e-10). The momentum and the final update are fused C kernels
    (pyoptim.kernels.muon_momentum, muon_apply); the iteration is NumPy matmul (BLAS). A 0-d float32
    array lr (torch's tensor lr) forms 1 − lr·weight_decay and lr' in float32, as torch's tensor
    arithmetic does.

    Parameters
    ----------
    params : iterable of 2-D Parameters or arrays, or parameter-group dicts
    lr : float, default 1e-3
    weight_decay : float, default 0.1
    momentum : float, default 0.95
    nesterov : bool, default True
    ns_coefficients : (float, float, float), default (3.4445, -4.7750, 2.0315)
        (a, b, c) of the quintic p(s) = a s + b s³ + c s⁵.
    eps : float, default 1e-7
        Floor of the Frobenius norm in the normalization.
    ns_steps : int, default 5
        Newton–Schulz iterations (< 100).
    adjust_lr_fn : None, "original" or "match_rms_adamw", default None ("original")

    State
    -----
    ``momentum_buffer`` (array), as torch (no step count).

    Raises
    ------
    ValueError (torch's messages): "Learning rate should be >= 0", "momentum should be >= 0",
    "weight decay should be >= 0", "Adjust learning rate function ... is not supported",
    "Muon only supports 2D parameters ..."; at step: ns_steps >= 100, not 3 coefficients.

    References
    ----------
    Jordan et al. (2024), Muon: an optimizer for hidden layers in neural networks,
    https://kellerjordan.github.io/posts/muon/. Liu et al. (2025), Muon is scalable for LLM training,
    arXiv:2502.16982 ("match_rms_adamw"). Bernstein & Newhouse (2024), Old optimizer, new norm.
    Goodfellow et al. (2016), 8.3.2-8.3.3 (momentum, Nesterov).
    """

    _array_state = ("momentum_buffer",)

    def __init__(self, params, lr: float = 1e-3, weight_decay: float = 0.1, momentum: float = 0.95,
                 nesterov: bool = True, ns_coefficients: tuple[float, float, float] = (DEFAULT_A, DEFAULT_B, DEFAULT_C),
                 eps: float = EPS, ns_steps: int = DEFAULT_NS_STEPS, adjust_lr_fn: str | None = None):
        defaults = dict(lr=lr, weight_decay=weight_decay, momentum=momentum, nesterov=nesterov,
                        ns_coefficients=ns_coefficients, eps=eps, ns_steps=ns_steps, adjust_lr_fn=adjust_lr_fn)
        super().__init__(params, defaults)
        for p in self._params:
            arr = p.data if is_parameter(p) else p
            if arr.ndim != 2:
                raise ValueError(f"Muon only supports 2D parameters whereas we found a parameter with size: "
                                 f"{tuple(arr.shape)}")

    def _validate_group(self, g):
        for name, msg in (("lr", "Learning rate"), ("momentum", "momentum"), ("weight_decay", "weight decay")):
            v = check_hyper(f"{name}", g[name], expected="a real number >= 0") if not (
                isinstance(g[name], np.ndarray) and g[name].ndim == 0) else float(g[name])
            if not v >= 0.0:
                raise ValueError(f"{msg} should be >= 0 but is: {g[name]}")
        fn = g["adjust_lr_fn"]
        if fn is not None and fn not in ("original", "match_rms_adamw"):
            raise ValueError(f"Adjust learning rate function {fn} is not supported")

    def _required_state(self, group):
        return ("momentum_buffer",)

    def _update(self, group, i, p, g):
        if p.ndim != 2:
            raise ValueError("Param gradient must be a 2D matrix")
        st = self._zeros_state(i, p, "momentum_buffer", step=False)
        lr = float(group["lr"])
        u = np.empty_like(p)
        kernels.muon_momentum(g, st["momentum_buffer"], u, momentum=float(group["momentum"]),
                              nesterov=bool(group["nesterov"]))
        O = zeropower_via_newtonschulz(u, group["ns_coefficients"], group["ns_steps"], float(group["eps"]))
        wd, lr_raw = float(group["weight_decay"]), group["lr"]
        if isinstance(lr_raw, np.ndarray) and lr_raw.dtype != np.float64:
            # torch with a Tensor lr: 1 - lr * weight_decay and lr * ratio are 0-d tensors of lr's dtype (a
            # float32 tensor lr gives float32 factors, the Python floats cast to float32 first). The same
            # factors here; the kernel forms 1 - lr' * wd' = factor with lr' = 1, wd' = 1 - factor, exactly
            # whenever |factor| >= 2^-29 (factor has a 24-bit significand, so 1 - factor fits in 53 bits).
            T = lr_raw.dtype.type
            factor = float(T(1.0) - T(lr_raw) * T(wd))
            adjusted = float(T(lr_raw) * T(_adjust_lr(1.0, group["adjust_lr_fn"], p.shape)))
            kernels.muon_apply(p, O, lr=1.0, weight_decay=1.0 - factor, adjusted_lr=adjusted)
            return
        kernels.muon_apply(p, O, lr=lr, weight_decay=wd, adjusted_lr=_adjust_lr(lr, group["adjust_lr_fn"], p.shape))
