"""Synchronized batch normalization: the batch statistics of the *global* minibatch (book 8.7.1).

Under data parallelism each rank sees b_r of the B = Σ b_r examples of a minibatch. A plain
:class:`pyoptim.nn.BatchNorm` would normalize each shard by its own mean and variance, which is not the
large-batch model. :class:`SyncBatchNorm` all-reduces (in fixed rank order) the per-feature sums

    forward:  N = Σ_r b_r,  μ = (1/N) Σ_r Σ_{i∈r} x_i,  σ² = (1/N) Σ_r Σ_{i∈r} (x_i − μ)²
    backward: ΣG = Σ_r w_r Σ_{i∈r} g_i,  ΣGx̂ = Σ_r w_r Σ_{i∈r} g_i x̂_i,   w_r = b_r / N

so the output, the running estimates and the gradients are those of one BatchNorm over the whole
minibatch. The incoming gradient g on rank r is that of the rank's *mean* loss; the global loss is
Σ_r w_r L_r, so the global upstream gradient is G_i = w_r g_i, and in the rank's own units

    dx_i = γ σ⁻¹ (g_i − (ΣG + x̂_i ΣGx̂) / b_r)

(the standard batch-norm backward, Ioffe and Szegedy 2015, with the sums taken over all ranks).
``pyoptim.fit(..., distributed={"sync_batchnorm": True})`` turns every BatchNorm of the model into a
SyncBatchNorm for the run and back afterwards; eval mode is the plain BatchNorm (running estimates).
"""
from __future__ import annotations

import numpy as np

from ..nn import BatchNorm

__all__ = ["SyncBatchNorm", "convert_sync_batchnorm", "revert_sync_batchnorm"]


class SyncBatchNorm(BatchNorm):
    """BatchNorm whose training-mode statistics are those of the global minibatch over all ranks.

    Same parameters, buffers and state_dict as :class:`pyoptim.nn.BatchNorm`; ``comm`` (a
    :class:`pyoptim.distributed.Communicator`) is set by :func:`convert_sync_batchnorm`. Without a
    communicator, or in eval mode, it is exactly BatchNorm.

    Raises
    ------
    ValueError (on every rank) when the global minibatch has fewer than 2 examples.
    """

    _dist_comm = None

    def forward(self, x):
        comm = self._dist_comm
        if comm is None or not self.training:
            self._synced = False
            return super().forward(x)
        dt = self.weight.data.dtype
        x = np.ascontiguousarray(x, dtype=dt)
        if x.ndim != 2 or x.shape[1] != self.num_features:
            raise ValueError(f"SyncBatchNorm: expected input of shape (batch, {self.num_features}), got {x.shape}")
        b, D = x.shape[0], self.num_features
        local = np.empty(D + 1, dtype=dt)
        local[0] = b
        local[1:] = x.sum(axis=0)
        tot = comm.sum_fixed_order(local, "SyncBatchNorm forward (sums)")
        N = int(round(float(tot[0])))
        if N < 2:
            raise ValueError(f"SyncBatchNorm: training mode needs more than 1 example in the global batch "
                             f"to estimate a variance, got {N}")
        mean = tot[1:] / dt.type(N)
        xc = x - mean
        var = comm.sum_fixed_order((xc * xc).sum(axis=0), "SyncBatchNorm forward (variance)") / dt.type(N)
        invstd = 1.0 / np.sqrt(var + dt.type(self.eps))
        xhat = xc * invstd
        out = xhat * self.weight.data + self.bias.data
        # running estimates as torch.nn.BatchNorm1d (unbiased variance N/(N-1)), with the global N
        self.num_batches_tracked += 1
        m = self.momentum if self.momentum is not None else 1.0 / float(self.num_batches_tracked)
        self.running_mean *= dt.type(1.0 - m)
        self.running_mean += dt.type(m) * mean
        self.running_var *= dt.type(1.0 - m)
        self.running_var += dt.type(m) * var * dt.type(N / (N - 1))
        self._x, self._mean, self._invstd, self._fwd_training = x, mean, invstd, True
        self._xhat, self._b, self._N, self._synced = xhat, b, N, True
        return out

    def backward(self, grad_output):
        if not getattr(self, "_synced", False):
            return super().backward(grad_output)
        dt = self.weight.data.dtype
        g = np.ascontiguousarray(grad_output, dtype=dt)
        if g.shape != self._x.shape:
            raise ValueError(f"SyncBatchNorm: grad_output has shape {g.shape}, the input had {self._x.shape}")
        D, b, N = self.num_features, self._b, self._N
        sg = g.sum(axis=0)
        sgx = (g * self._xhat).sum(axis=0)
        w = dt.type(b / N)
        tot = self._dist_comm.sum_fixed_order(np.concatenate([w * sg, w * sgx]), "SyncBatchNorm backward")
        SG, SGX = tot[:D], tot[D:]
        if self.weight.requires_grad:
            self.weight.grad += sgx
        if self.bias.requires_grad:
            self.bias.grad += sg
        if b == 0:
            return np.zeros_like(g)
        return (self.weight.data * self._invstd) * (g - (SG + self._xhat * SGX) / dt.type(b))


def convert_sync_batchnorm(model, comm) -> list:
    """Turn every :class:`pyoptim.nn.BatchNorm` in ``model`` into a :class:`SyncBatchNorm` on ``comm``,
    in place (the objects keep their parameters and buffers); returns the converted modules, for
    :func:`revert_sync_batchnorm`."""
    done = []
    for mod in (model.modules() if hasattr(model, "modules") else ()):
        if isinstance(mod, BatchNorm):
            done.append((mod, type(mod)))
            if not isinstance(mod, SyncBatchNorm):
                mod.__class__ = SyncBatchNorm
            object.__setattr__(mod, "_dist_comm", comm)
    return done


def revert_sync_batchnorm(converted: list) -> None:
    """Undo :func:`convert_sync_batchnorm`."""
    for mod, cls in converted:
        object.__setattr__(mod, "_dist_comm", None)
        mod.__class__ = cls
