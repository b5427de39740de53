"""Tangent distance, tangent prop and the manifold tangent classifier (book 7.14).

The manifold hypothesis: examples of one class lie near a low-dimensional manifold, and small moves
along it (a shift, a small rotation of a digit) should not change the class.

* :func:`image_tangents` -- the tangent vectors ∂/∂t T_t(x) at t = 0 of translations and rotations of an
  image, from its spatial gradient (Simard et al. 1993).
* :func:`tangent_distance` and :class:`TangentDistanceClassifier` -- nearest neighbour whose metric is
  the distance between the *tangent planes* {x₁ + T₁a} and {x₂ + T₂b} of two points (Simard, LeCun,
  Denker 1993): min_{a,b} ‖x₁ + T₁a − x₂ − T₂b‖, a small linear least-squares problem per pair.
* :func:`tangent_prop_penalty` and :class:`TangentPropObjective` -- tangent propagation (Simard et al.
  1992): the penalty Ω(f) = Σᵢ ((∇ₓf(x))ᵀv⁽ⁱ⁾)² makes f locally invariant along the given tangents
  v⁽ⁱ⁾ (book eq. 7.67). For a vector output f the term is ‖J_f(x)v⁽ⁱ⁾‖², averaged over the batch.
* :func:`encoder_tangents` -- the manifold tangent classifier (Rifai et al. 2011c): tangents are not
  given but *learned*, as the leading right singular vectors of the Jacobian ∂h/∂x of an autoencoder's
  encoder trained on unlabeled data; they then feed tangent prop.

How we compute tangent prop (and how it differs from the paper). pyoptim's layers have a backward pass
but no double-backward, so J_f(x)v is taken as the central difference
D = (f(x + hv) − f(x − hv))/(2h), accurate to O(h²) for smooth f (exact for piecewise-linear ReLU nets
when no unit changes state within ±hv). The penalty used is ‖D‖², whose parameter gradient is *exact*
by ordinary backprop: ∂‖D‖²/∂θ = (D/h)ᵀ(∂f(x + hv)/∂θ − ∂f(x − hv)/∂θ) -- two extra forward/backward
passes per batch (all tangents stacked into one batch). Don't combine it with dropout in the same model
(the two passes would see different masks).
"""
from __future__ import annotations

import numpy as np

from ._objective import default_objective
from .._validation import check_finite, check_int

__all__ = ["image_tangents", "tangent_distance", "TangentDistanceClassifier", "tangent_prop_penalty",
           "TangentPropObjective", "encoder_jacobian", "encoder_tangents", "ContractiveObjective"]

_KINDS = ("dx", "dy", "rot")


def image_tangents(images, shape=(8, 8), kinds=("dx", "dy", "rot")) -> np.ndarray:
    """Tangent vectors of small transformations of images (rows of ``images``, C-order ``shape``).

    With the spatial gradients I_y, I_x (central differences, ``np.gradient``) and coordinates (y, x)
    relative to the image centre:

    * "dx": translation to the right by t, d/dt I(y, x − t) = −I_x;
    * "dy": translation downwards, −I_y;
    * "rot": rotation by angle t about the centre (the convention of
      :func:`pyoptim.regularization.augment.rotate_images`), x·I_y − y·I_x.

    Returns an array (batch, len(kinds), h*w) (float64).
    """
    X = np.asarray(images, dtype=np.float64)
    single = X.ndim == 1
    if single:
        X = X[None]
    h, w = shape
    if X.ndim != 2 or X.shape[1] != h * w:
        raise ValueError(f"Invalid images: shape {X.shape} (expected (batch, {h * w}) for shape {shape})")
    for k in kinds:
        if k not in _KINDS:
            raise ValueError(f"Invalid kinds: {kinds!r} (expected a subset of {_KINDS})")
    imgs = X.reshape(-1, h, w)
    Iy, Ix = np.gradient(imgs, axis=(1, 2))
    yy, xx = np.meshgrid(np.arange(h) - (h - 1) / 2.0, np.arange(w) - (w - 1) / 2.0, indexing="ij")
    out = []
    for k in kinds:
        if k == "dx":
            t = -Ix
        elif k == "dy":
            t = -Iy
        else:
            t = xx[None] * Iy - yy[None] * Ix
        out.append(t.reshape(len(X), h * w))
    T = np.stack(out, axis=1)
    return T[0] if single else T


def tangent_distance(x1, T1, x2, T2=None) -> float:
    """The two-sided tangent distance min_{a,b} ‖(x₁ + T₁ᵀa) − (x₂ + T₂ᵀb)‖ (Simard et al. 1993).

    x1, x2 : (D,) points; T1, T2 : (k, D) tangent vectors as rows (T2=None: one-sided, x₂ fixed).
    Computed as the norm of the residual of x₁ − x₂ after least-squares projection onto span(T₁, T₂).
    """
    x1 = np.asarray(x1, dtype=np.float64)
    x2 = np.asarray(x2, dtype=np.float64)
    A = np.asarray(T1, dtype=np.float64)
    if T2 is not None:
        A = np.concatenate([A, -np.asarray(T2, dtype=np.float64)], axis=0)
    d = x1 - x2
    coef, *_ = np.linalg.lstsq(A.T, -d, rcond=None)
    return float(np.linalg.norm(d + A.T @ coef))


class TangentDistanceClassifier:
    """k-nearest-neighbour classification under the two-sided tangent distance (book 7.14).

    Parameters
    ----------
    n_neighbors : int, k (majority vote; ties go to the smallest label).
    tangents : callable ``(X) -> (n, k, D)`` tangent vectors, default ``image_tangents`` for 8x8 images
        with translations and rotation.
    ridge : small Tikhonov term added to each pair's normal equations (numerical safety; the distance
        changes by O(ridge)).

    ``fit(X, y)`` stores the training set and its tangents; ``distances(Xq)`` returns the (q, n) matrix;
    ``predict(Xq)`` the labels. Cost: one (2k x 2k) solve per (query, training point) pair, batched.
    """

    def __init__(self, n_neighbors: int = 1, tangents=None, ridge: float = 1e-8):
        check_int("n_neighbors", n_neighbors, 1)
        self.n_neighbors, self.ridge = int(n_neighbors), float(ridge)
        self.tangents = tangents or (lambda X: image_tangents(X))

    def fit(self, X, y) -> "TangentDistanceClassifier":
        self.X_ = np.asarray(X, dtype=np.float64)
        self.y_ = np.asarray(y)
        self.T_ = np.asarray(self.tangents(self.X_), dtype=np.float64)
        return self

    def distances(self, Xq) -> np.ndarray:
        Xq = np.asarray(Xq, dtype=np.float64)
        Tq = np.asarray(self.tangents(Xq), dtype=np.float64)
        n, k, _ = self.T_.shape
        out = np.empty((len(Xq), n))
        for i in range(len(Xq)):
            # A_j = [T_train_j ; -T_q] (2k, D) for every training point j; d_j = x_train_j - x_q
            A = np.concatenate([self.T_, np.broadcast_to(-Tq[i], (n,) + Tq[i].shape)], axis=1)
            d = self.X_ - Xq[i]
            G = A @ A.transpose(0, 2, 1) + self.ridge * np.eye(A.shape[1])
            r = A @ d[:, :, None]
            c = np.linalg.solve(G, -r)
            res = d + (A.transpose(0, 2, 1) @ c)[:, :, 0]
            out[i] = np.sqrt(np.einsum("nd,nd->n", res, res))
        return out

    def predict(self, Xq) -> np.ndarray:
        D = self.distances(Xq)
        idx = np.argsort(D, axis=1, kind="stable")[:, : self.n_neighbors]
        labels = self.y_[idx]
        if self.n_neighbors == 1:
            return labels[:, 0]
        out = []
        for row in labels:
            vals, counts = np.unique(row, return_counts=True)
            out.append(vals[np.argmax(counts)])
        return np.array(out)


def _stack_shifted(X, V, h):
    """(B*k, D) arrays x + h v and x − h v for tangents V (B, k, D)."""
    B, k, D = V.shape
    Xr = np.repeat(X[:, None, :], k, axis=1)
    return (Xr + h * V).reshape(B * k, D), (Xr - h * V).reshape(B * k, D)


def tangent_prop_penalty(model, X, V, h: float = 1e-3, accumulate: bool = False, weight: float = 1.0) -> float:
    """Ω = (1/B) Σ_b Σᵢ ‖J_f(x_b) v_b⁽ⁱ⁾‖², with J_f v by central differences of step h (book eq. 7.67).

    X : (B, D) inputs; V : (B, k, D) tangents (e.g. ``image_tangents(X)``). With ``accumulate=True`` the
    gradient of weight·Ω with respect to the parameters is added into their ``.grad`` (exact for the
    central-difference penalty; see the module docstring). Returns Ω.
    """
    X = np.asarray(X)
    dt = X.dtype if X.dtype in (np.float32, np.float64) else np.dtype(np.float64)
    X = X.astype(dt, copy=False)
    V = np.asarray(V, dtype=dt)
    if V.ndim == 2:
        V = V[:, None, :]
    B = len(X)
    xp, xm = _stack_shifted(X, V, dt.type(h))
    fp = np.array(model.forward(xp), dtype=np.float64)
    fm = np.array(model.forward(xm), dtype=np.float64)
    Dv = (fp - fm) / (2.0 * h)
    if accumulate:
        # d||D||^2/dθ = (D/h)ᵀ(∂f(x+hv)/∂θ − ∂f(x−hv)/∂θ), over B examples; each backward needs its forward
        g = (Dv * (weight / (h * B))).astype(dt, copy=False)
        model.forward(xp)
        model.backward(g)
        model.forward(xm)
        model.backward(-g)
    return float(np.sum(np.asarray(Dv, dtype=np.float64) ** 2) / B)


class TangentPropObjective:
    """``fit`` objective: J(θ) + λ·Ω_tangent(θ) (book 7.14, tangent propagation).

    Parameters
    ----------
    tangents : callable ``(Xb) -> (B, k, D)`` (e.g. ``image_tangents`` for translations, or the learned
        ``encoder_tangents(encoder, k)``).
    weight : λ >= 0.
    h : the central-difference step along each tangent.
    base : the data objective (default: forward, loss, backward).

    ``last_penalty`` holds the latest Ω. The returned value is J + λΩ.
    """

    def __init__(self, tangents, weight: float = 0.1, h: float = 1e-2, base=None):
        w = check_finite("weight", weight, 0, coerce=True)
        if not callable(tangents):
            raise ValueError(f"Invalid tangents: {tangents!r} (expected a callable (Xb) -> (B, k, D))")
        self.tangents, self.weight, self.h = tangents, w, float(h)
        self.base = base or default_objective
        self.last_penalty = 0.0

    def __call__(self, model, loss, Xb, yb) -> float:
        value = float(self.base(model, loss, Xb, yb))
        if self.weight == 0.0:
            return value
        V = self.tangents(Xb)
        self.last_penalty = tangent_prop_penalty(model, Xb, V, h=self.h, accumulate=True, weight=self.weight)
        return value + self.weight * self.last_penalty


def encoder_jacobian(encoder, X) -> np.ndarray:
    """∂h/∂x of ``encoder`` at each row of X, shape (B, d_h, D), from d_h backward passes (row j of
    every example's Jacobian at once: the examples are independent). Parameter gradients are restored."""
    X = np.asarray(X)
    params = encoder.parameters()
    saved = [p.grad.copy() for p in params]
    H = np.asarray(encoder.forward(X))
    B, dh = H.shape
    J = np.empty((B, dh, X.shape[1]))
    for j in range(dh):
        e = np.zeros_like(H)
        e[:, j] = 1
        encoder.forward(X)
        J[:, j, :] = encoder.backward(e)
    for p, g in zip(params, saved):
        p.grad[...] = g
    return J


def encoder_tangents(encoder, k: int):
    """The manifold tangent classifier's tangents (Rifai et al. 2011c): a callable ``(Xb) -> (B, k, D)``
    giving, at each x, the k leading right singular vectors of the encoder's Jacobian ∂h/∂x (the input
    directions the learned representation is most sensitive to: the estimated manifold's tangent
    plane), scaled by their singular values. Train the encoder as part of an autoencoder on unlabeled
    data first (Rifai et al. use a contractive autoencoder; any encoder works here)."""
    k = int(k)

    def fn(Xb):
        J = encoder_jacobian(encoder, Xb)
        _, s, Vt = np.linalg.svd(J, full_matrices=False)
        return Vt[:, :k, :] * s[:, :k, None]
    return fn


class ContractiveObjective:
    """``fit`` objective for a contractive autoencoder (Rifai et al. 2011a; book 14.7, used by 7.14's
    manifold tangent classifier): reconstruction loss + λ‖∂h/∂x‖²_F for a one-layer tanh encoder.

    With h = tanh(xW + b) the Jacobian is diag(1 − h²)Wᵀ, so ‖J‖²_F = Σⱼ (1 − hⱼ²)²‖W₋ⱼ‖² (averaged
    over the batch). The penalty makes the code insensitive to most input directions; the few it stays
    sensitive to (the leading singular vectors of J, :func:`encoder_tangents`) estimate the data
    manifold's tangent plane. The penalty's gradient is written out here (dense = the encoder's Dense
    layer, followed by a Tanh); ``last_penalty`` holds the latest value.
    """

    def __init__(self, dense, weight: float = 0.01, base=None):
        w = check_finite("weight", weight, 0, coerce=True)
        self.dense, self.weight = dense, w
        self.base = base or default_objective
        self.last_penalty = 0.0

    def __call__(self, model, loss, Xb, yb) -> float:
        value = float(self.base(model, loss, Xb, yb))
        d = self.dense
        W = d.weight.data
        z = Xb @ W + (d.bias.data if getattr(d, "bias", None) is not None else 0)
        h = np.tanh(z)
        a = (1 - h * h) ** 2                      # (B, H)
        s = (W * W).sum(axis=0)                   # ‖W₋ⱼ‖², (H,)
        B = len(Xb)
        self.last_penalty = float((a * s).sum() / B)
        lam = self.weight
        # d/dW of Σ a s through s: 2 W a.sum(0); through h: dP/dz = s·(−4h(1 − h²)²)
        gW = (2.0 * lam / B) * W * a.sum(axis=0)
        dz = (lam / B) * s * (-4.0 * h * (1 - h * h) ** 2)
        d.weight.grad += (gW + Xb.T @ dz).astype(d.weight.grad.dtype, copy=False)
        if getattr(d, "bias", None) is not None:
            d.bias.grad += dz.sum(axis=0).astype(d.bias.grad.dtype, copy=False)
        return value + lam * self.last_penalty
