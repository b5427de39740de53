"""Twins of Adadelta, Adamax, NAdam, RAdam (csrc/optim_more.c; torch.optim's single-tensor arithmetic)."""
import numpy as np

from ._common import adam_moments, decayed, lerp

__all__ = ["_torch_maximum", "adadelta_step", "adamax_step", "nadam_step", "radam_step"]


def _torch_maximum(a, b):
    """torch.maximum: NaN where either operand is NaN, else the larger (the kernel's select)."""
    return np.where((a >= b) | np.isnan(a), a, b)


def adadelta_step(param, grad, square_avg, acc_delta, *, lr, rho=0.9, eps=1e-6, weight_decay=0.0,
                  maximize=False):
    """Twin of :func:`pyoptim.kernels.adadelta_step` (Zeiler 2012; book 8.5.4)."""
    dt = param.dtype.type
    g = decayed(grad, param, weight_decay, maximize)
    square_avg[...] = square_avg * dt(rho) + (dt(1.0 - rho) * g) * g
    std = np.sqrt(square_avg + dt(eps))
    delta = (np.sqrt(acc_delta + dt(eps)) / std) * g
    acc_delta[...] = acc_delta * dt(rho) + (dt(1.0 - rho) * delta) * delta
    param[...] = param + dt(-lr) * delta


def adamax_step(param, grad, exp_avg, exp_inf, *, lr, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.0, step,
                maximize=False):
    """Twin of :func:`pyoptim.kernels.adamax_step` (Kingma & Ba 2015, section 7.1)."""
    dt = param.dtype.type
    clr = lr / (1.0 - beta1 ** float(step))
    g = decayed(grad, param, weight_decay, maximize)
    exp_avg[...] = lerp(exp_avg, g, dt(1.0 - beta1))
    exp_inf[...] = _torch_maximum(exp_inf * dt(beta2), np.abs(g) + dt(eps))
    param[...] = param + (dt(-clr) * exp_avg) / exp_inf


def nadam_step(param, grad, exp_avg, exp_avg_sq, *, lr, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.0,
               momentum_decay=4e-3, mu_product, step, maximize=False, decoupled_weight_decay=False):
    """Twin of :func:`pyoptim.kernels.nadam_step` (Dozat 2016). ``mu_product`` includes this step's mu."""
    dt = param.dtype.type
    t = float(step)
    bias_correction2 = 1.0 - beta2 ** t
    mu = beta1 * (1.0 - 0.5 * (0.96 ** (t * momentum_decay)))
    mu_next = beta1 * (1.0 - 0.5 * (0.96 ** ((t + 1.0) * momentum_decay)))
    mu_product_next = mu_product * mu_next
    c1 = -lr * (1.0 - mu) / (1.0 - mu_product)
    c2 = (-lr * mu_next) / (1.0 - mu_product_next)
    g = adam_moments(param, grad, exp_avg, exp_avg_sq, lr=lr, beta1=beta1, beta2=beta2, weight_decay=weight_decay,
                     maximize=maximize, decoupled=decoupled_weight_decay)
    den = np.sqrt(exp_avg_sq / dt(bias_correction2)) + dt(eps)
    param[...] = param + (dt(c1) * g) / den
    param[...] = param + (dt(c2) * exp_avg) / den


def radam_step(param, grad, exp_avg, exp_avg_sq, *, lr, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.0, step,
               maximize=False, decoupled_weight_decay=False):
    """Twin of :func:`pyoptim.kernels.radam_step` (Liu et al. 2020)."""
    dt = param.dtype.type
    t = float(step)
    adam_moments(param, grad, exp_avg, exp_avg_sq, lr=lr, beta1=beta1, beta2=beta2, weight_decay=weight_decay,
                 maximize=maximize, decoupled=decoupled_weight_decay)
    bias_correction1 = 1.0 - beta1 ** t
    bias_correction2 = 1.0 - beta2 ** t
    update = (exp_avg / dt(bias_correction1)) * dt(lr)
    rho_inf = 2 / (1 - beta2) - 1
    rho_t = rho_inf - 2 * t * (beta2 ** t) / bias_correction2
    if rho_t > 5.0:
        rect = ((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) ** 0.5
        adaptive = (dt(1) / (np.sqrt(exp_avg_sq) + dt(eps))) * dt(bias_correction2 ** 0.5)
        update = (update * adaptive) * dt(rect)
    param[...] = param - update
