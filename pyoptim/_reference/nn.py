"""Twins of the nn kernels (csrc/layers.c, losses.c, batchnorm.c, vecmath.h; book 6, 8.7.1): activations,
the bias gradient, losses, batch normalization."""
import numpy as np

__all__ = ["_nn_expf", "activation_forward", "activation_backward", "bias_grad", "softmax_cross_entropy", "mse_loss",
           "bce_with_logits", "batchnorm_forward", "batchnorm_backward"]


def _nn_expf(x):
    """exp in x's dtype (the float32 kernels use a polynomial exp within a few ulp of this)."""
    return np.exp(x)


def activation_forward(x, out=None, /, *, kind="relu"):
    """Twin of :func:`pyoptim.kernels.activation_forward`.

    Not bit-identical to the C kernel for tanh and sigmoid: the C core uses vectorized approximations
    (csrc/nn_math.h for float32, csrc/vecmath.h for float64) where this twin calls np.tanh / np.exp. Both
    are within 3 ulp of the exact value in float64 (3e-7 relative in float32), so the tests compare the
    two within twice that bound (tests/test_nn_vecmath.py, tests/test_nn_kernels.py); relu is exact."""
    if out is None:
        out = np.empty_like(x)
    dt = x.dtype.type
    if kind == "relu":
        out[...] = np.where((x > 0) | np.isnan(x), x, dt(0))
    elif kind == "tanh":
        out[...] = np.tanh(x)
    elif kind == "sigmoid":                 # stable form: e = exp(-|x|) never overflows
        e = _nn_expf(-np.abs(x))
        r = dt(1) / (dt(1) + e)
        out[...] = np.where(x >= 0, r, e * r)
    else:
        raise ValueError(f"activation_forward(): invalid kind: {kind!r} (expected 'relu', 'tanh' or 'sigmoid')")
    return out


def activation_backward(grad_output, output, grad_input=None, /, *, kind="relu"):
    """Twin of :func:`pyoptim.kernels.activation_backward`: grad_input = grad_output * f'(x) from y = f(x)."""
    dy, y = grad_output, output
    dt = dy.dtype.type
    if kind == "relu":
        d = np.where(y > 0, dy, dt(0))
    elif kind == "tanh":
        d = dy * (dt(1) - y * y)
    elif kind == "sigmoid":
        d = dy * (y * (dt(1) - y))
    else:
        raise ValueError(f"activation_backward(): invalid kind: {kind!r} (expected 'relu', 'tanh' or 'sigmoid')")
    if grad_input is None:
        return d
    grad_input[...] = d
    return grad_input


def bias_grad(grad_bias, grad_output, /):
    """Twin of :func:`pyoptim.kernels.bias_grad`: grad_bias += grad_output.sum(axis=0)."""
    grad_bias += grad_output.sum(axis=0, dtype=grad_output.dtype)


def softmax_cross_entropy(logits, labels, grad=None, row_loss=None, /, *, label_smoothing=0.0):
    """Twin of :func:`pyoptim.kernels.softmax_cross_entropy` (returns the mean loss)."""
    B, K = logits.shape
    bad = (labels < 0) | (labels >= K)
    if bad.any():
        i = int(np.argmax(bad))
        raise ValueError(f"softmax_cross_entropy(): labels[{i}] = {int(labels[i])} is outside [0, {K})")
    if B == 0:
        return float("nan")
    dt = logits.dtype.type
    eps = float(label_smoothing)
    on, off = 1.0 - eps, eps / K
    rows = np.arange(B)
    m = logits.max(axis=1)                                  # log-sum-exp, stable
    e = _nn_expf(logits - m[:, None])
    s = e.sum(axis=1, dtype=dt)
    z_y = logits[rows, labels].astype(np.float64)
    loss = m.astype(np.float64) + np.log(s.astype(np.float64)) - on * z_y
    if eps != 0.0:                                          # target t = (1 - eps) onehot + eps / K
        loss = loss - off * logits.sum(axis=1, dtype=dt).astype(np.float64)
    if grad is not None:                                    # (softmax - t) / B
        c = ((1.0 / B) / s.astype(np.float64)).astype(dt)
        grad[...] = e * c[:, None] - dt(off / B)
        grad[rows, labels] -= dt(on / B)
    if row_loss is not None:
        row_loss[...] = loss
    return float(loss.sum() / B)


def mse_loss(output, target, grad=None, /):
    """Twin of :func:`pyoptim.kernels.mse_loss`: mean (output - target)^2, grad 2 (output - target) / n."""
    n = output.size
    d = output - target
    if grad is not None:
        grad[...] = output.dtype.type(2.0 / max(n, 1)) * d
    d64 = d.astype(np.float64)
    return float(np.sum(d64 * d64) / n) if n else float("nan")


def bce_with_logits(logits, target, grad=None, /):
    """Twin of :func:`pyoptim.kernels.bce_with_logits`: mean of max(z,0) - z y + log1p(exp(-|z|))."""
    n = logits.size
    dt = logits.dtype.type
    z, y = logits, target
    e = _nn_expf(-np.abs(z))
    if grad is not None:
        r = dt(1) / (dt(1) + e)
        sig = np.where(z >= 0, r, e * r)
        grad[...] = dt(1.0 / max(n, 1)) * (sig - y)
    terms = np.where(z > 0, z, dt(0)) - z * y + np.log1p(e)
    return float(np.sum(terms.astype(np.float64)) / n) if n else float("nan")


def batchnorm_forward(x, weight, bias, out, save_mean, save_invstd, running_mean=None, running_var=None, /, *,
                      training=True, momentum=0.1, eps=1e-5):
    """Twin of :func:`pyoptim.kernels.batchnorm_forward` (torch.nn.BatchNorm1d's numbers)."""
    B = x.shape[0]
    if training:
        if B < 2:
            raise ValueError("batchnorm_forward(): training needs more than 1 sample per feature")
        x64 = x.astype(np.float64)
        mean = x64.mean(axis=0)
        var = ((x64 - mean) ** 2).mean(axis=0)                  # biased: used to normalize
        if running_mean is not None:                             # unbiased in the running estimate
            running_mean[...] = (1.0 - momentum) * running_mean.astype(np.float64) + momentum * mean
            running_var[...] = (1.0 - momentum) * running_var.astype(np.float64) + momentum * var * B / (B - 1)
        save_mean[...] = mean
        save_invstd[...] = 1.0 / np.sqrt(var + eps)
    else:
        save_mean[...] = running_mean
        save_invstd[...] = 1.0 / np.sqrt(running_var.astype(np.float64) + eps)
    out[...] = (x - save_mean) * save_invstd * weight + bias


def batchnorm_backward(grad_output, x, weight, save_mean, save_invstd, grad_input=None, grad_weight=None,
                       grad_bias=None, /, *, training=True):
    """Twin of :func:`pyoptim.kernels.batchnorm_backward` (accumulates grad_weight, grad_bias)."""
    B = x.shape[0]
    dy = grad_output
    xhat = (x - save_mean) * save_invstd
    sdy = dy.astype(np.float64).sum(axis=0)
    sdyx = (dy.astype(np.float64) * xhat.astype(np.float64)).sum(axis=0)
    if grad_bias is not None:
        grad_bias += sdy.astype(dy.dtype)
    if grad_weight is not None:
        grad_weight += sdyx.astype(dy.dtype)
    if grad_input is not None:
        a = weight * save_invstd
        if training:
            grad_input[...] = a * (dy - (sdy / B).astype(dy.dtype) - xhat * (sdyx / B).astype(dy.dtype))
        else:
            grad_input[...] = a * dy
