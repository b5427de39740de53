"""Optimization strategies and meta-algorithms (book 8.7.4-8.7.6).

* Supervised pretraining (8.7.4): :func:`greedy_layerwise_pretrain` (add a layer, train it with a
  temporary output head, freeze it or keep fine-tuning; book Fig. 8.7, Bengio et al. 2007) and the
  teacher-student hint loss :class:`HintObjective` (FitNets, Romero et al. 2015); :func:`freeze` /
  :func:`unfreeze` (``requires_grad``: optimizers skip frozen parameters).
* Models that aid optimization (8.7.5): :func:`compare_plain_vs_residual`, a deep plain net against
  the same net with skip connections (He et al. 2016), under the same optimizer and seed.
* Continuation and curriculum learning (8.7.6): :class:`GaussianSmoothing` /
  :func:`smoothed_objective` (the blurred cost J_σ(θ) = E_{z~N(0,I)} J(θ + σz)), :func:`continuation`
  (minimize J_σ for a decreasing σ schedule, each from the last minimizer), and
  :class:`CurriculumSampler` (easy examples first, widening over epochs, with the stochastic mixing of
  Zaremba & Sutskever 2014) for ``fit(sampler=...)``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np
from ._validation import check_choice, check_finite, check_int

__all__ = ["GaussianSmoothing", "smoothed_objective", "continuation", "ContinuationResult", "CurriculumSampler",
           "greedy_layerwise_pretrain", "HintObjective", "freeze", "unfreeze", "compare_plain_vs_residual",
           "linear_schedule"]


def _rng(seed):
    return seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)


# ---------------------------------------------------------------------------------------------------
# 8.7.6 continuation: Gaussian smoothing
# ---------------------------------------------------------------------------------------------------

def _num_grad(f, x, h=1e-6):
    g = np.empty(x.size)
    flat = x.reshape(-1)
    for i in range(flat.size):
        e = np.zeros_like(flat)
        e[i] = h * max(1.0, abs(flat[i]))
        g[i] = (float(f((flat + e).reshape(x.shape))) - float(f((flat - e).reshape(x.shape)))) / (2 * e[i])
    return g.reshape(x.shape)


class GaussianSmoothing:
    """The Gaussian-smoothed objective J_σ(x) = E_{z~N(0,I)} J(x + σz) (book 8.7.6, continuation methods).

    Blurring removes ripples narrower than about σ (a sinusoid of frequency ω is damped by
    e^{−ω²σ²/2}), so for large σ the cost is easier (often convex), and its minimizer moves
    continuously towards the original one as σ -> 0.

    * If ``f`` has ``.smoothed(sigma)`` (e.g. :func:`pyoptim.functions.bumpy`), the exact smoothed
      objective is used (``analytic`` is True).
    * Otherwise a Monte-Carlo average over ``n_samples`` fixed draws z₁..z_S (common random numbers:
      the same draws at every x, so J_σ is a smooth deterministic function that optimizers can
      minimize). ``sampling="stratified"`` (default) uses a Latin hypercube of the normal's
      mid-quantiles, far more accurate than plain draws for oscillating costs (in 1-D, 128 points damp
      sin(10x) at σ = 0.5 to ~5e-3 against ~9e-2 for 128 random draws); ``"random"`` uses normal draws,
      antithetic (z and −z) by default. The gradient is the average of ∇J(x + σzᵢ) when
      ``f`` has ``grad``, else the Gaussian score-function estimate (1/σ)·mean (J(x + σzᵢ) − J(x)) zᵢ
      (which needs values only).

    Exposes ``fun``, ``grad``, ``value_and_grad``, ``__call__`` (and ``x0``, ``n`` when ``f`` has them).
    """

    def __init__(self, f, sigma: float, n_samples: int = 128, seed=0, sampling: str = "stratified",
                 antithetic: bool = True):
        check_finite("sigma", sigma, 0)
        check_choice("sampling", sampling, "stratified", "random")
        self.sampling = sampling
        self.n_samples = check_int("n_samples", n_samples, 1)
        self.f, self.sigma, self.antithetic = f, float(sigma), bool(antithetic)
        self._seed = seed
        self._Z = None
        self.x0 = getattr(f, "x0", None)
        self.n = getattr(f, "n", None)
        self._exact = None
        if self.sigma == 0.0:
            self._exact = f
        elif callable(getattr(f, "smoothed", None)):
            self._exact = f.smoothed(self.sigma)
        self._fun = getattr(f, "fun", f)
        self._grad = getattr(f, "grad", None)

    @property
    def analytic(self) -> bool:
        return self._exact is not None

    def _draws(self, n):
        if self._Z is None or self._Z.shape[1] != n:
            rng = _rng(self._seed)
            S = self.n_samples
            if self.sampling == "stratified":
                # Latin hypercube: the S mid-quantiles Φ⁻¹((i + ½)/S) of N(0, 1) in every coordinate,
                # independently permuted per coordinate (symmetric, so also antithetic)
                from statistics import NormalDist
                q = np.array([NormalDist().inv_cdf((i + 0.5) / S) for i in range(S)])
                self._Z = np.stack([q[rng.permutation(S)] for _ in range(n)], axis=1)
            elif self.antithetic:
                half = rng.standard_normal(((S + 1) // 2, n))
                self._Z = np.concatenate([half, -half])
            else:
                self._Z = rng.standard_normal((S, n))
        return self._Z

    def value_and_grad(self, x):
        x = np.asarray(x, dtype=np.float64)
        if self._exact is not None:
            e = self._exact
            if hasattr(e, "value_and_grad"):
                f, g = e.value_and_grad(x)
                return float(f), np.asarray(g, np.float64).reshape(x.shape)
            fe = getattr(e, "fun", e)
            if callable(getattr(e, "grad", None)):
                return float(fe(x)), np.asarray(e.grad(x), np.float64).reshape(x.shape)
            return float(fe(x)), _num_grad(fe, x)
        flat = x.reshape(-1)
        Z = self._draws(flat.size)
        pts = flat + self.sigma * Z
        vals = np.array([float(self._fun(p.reshape(x.shape))) for p in pts])
        if self._grad is not None:
            g = np.mean([np.asarray(self._grad(p.reshape(x.shape)), np.float64).reshape(-1) for p in pts], axis=0)
        else:
            g = ((vals - float(self._fun(x)))[:, None] * Z).mean(axis=0) / self.sigma
        return float(vals.mean()), g.reshape(x.shape)

    def fun(self, x) -> float:
        if self._exact is not None:
            return float(getattr(self._exact, "fun", self._exact)(np.asarray(x, np.float64)))
        return self.value_and_grad(x)[0]

    __call__ = fun

    def grad(self, x) -> np.ndarray:
        return self.value_and_grad(x)[1]

    def __repr__(self):
        kind = "analytic" if self.analytic else f"sampled, {self.n_samples} draws"
        return f"GaussianSmoothing(sigma={self.sigma}, {kind})"


def smoothed_objective(obj, sigma: float, n_samples: int = 128, seed=0):
    """J_σ for ``obj``: ``obj.smoothed(sigma)`` when the objective knows it analytically, else a
    sampled :class:`GaussianSmoothing` with common random numbers (book 8.7.6)."""
    check_finite("sigma", sigma, 0)
    if sigma > 0 and callable(getattr(obj, "smoothed", None)):
        return obj.smoothed(sigma)
    return GaussianSmoothing(obj, sigma, n_samples=n_samples, seed=seed)


@dataclass
class ContinuationResult:
    """``x`` the final point, ``fun`` J(x) on the original objective, ``path`` the (stages+1, n) array
    of x₀ and each stage's end point, ``sigmas`` the schedule, ``trajectories`` every iterate per
    stage (gradient-descent inner loop only)."""

    x: np.ndarray
    fun: float
    path: np.ndarray
    sigmas: list
    trajectories: list = field(default_factory=list, repr=False)


def _gd(obj, x, lr, steps, tol):
    traj = [x.copy()]
    for _ in range(steps):
        _, g = obj.value_and_grad(x) if hasattr(obj, "value_and_grad") else (None, obj.grad(x))
        x = x - lr * np.asarray(g, np.float64).reshape(x.shape)
        traj.append(x.copy())
        if np.linalg.norm(g) <= tol:
            break
    return x, np.array(traj)


def continuation(obj, x0=None, sigmas: Sequence[float] = (1.0, 0.5, 0.25, 0.1, 0.05, 0.0), inner="gd",
                 lr: float = 0.005, steps: int = 500, tol: float = 1e-10, n_samples: int = 128,
                 seed=0) -> ContinuationResult:
    """Continuation (book 8.7.6): minimize a sequence of blurred costs J_{σ₀}, J_{σ₁}, ... with
    σ decreasing to 0 (the original cost), each stage starting from the previous stage's minimizer.

    ``obj`` is an objective with ``value_and_grad`` or ``grad`` (or a plain callable, smoothed by
    sampling); x0 defaults to ``obj.x0``. ``inner``: "gd" (``steps`` of gradient descent with rate ε ->
    ``lr``), a method name of :func:`pyoptim.minimize` ("lbfgs", "bfgs", "cg", ...), or a callable
    ``inner(objective, x) -> x``. Smoothing is analytic when ``obj.smoothed`` exists, sampled with
    common random numbers otherwise (``n_samples``, ``seed``). Returns a :class:`ContinuationResult`.

    Unlike the book's sketch, the last σ need not be 0; add 0 to finish on the original cost.
    """
    sig = [float(s) for s in sigmas]
    if not sig or any(not (np.isfinite(s) and s >= 0) for s in sig):
        raise ValueError(f"Invalid sigmas: {sigmas!r} (expected a non-empty sequence of finite values >= 0)")
    check_finite("lr", lr, 0, closed="neither")
    steps = check_int("steps", steps, 1)
    if x0 is None:
        x0 = getattr(obj, "x0", None)
        if x0 is None:
            raise ValueError("Invalid x0: None (expected a start point; the objective has no x0)")
    x = np.array(x0, dtype=np.float64)
    path, trajs = [x.copy()], []
    for s in sig:
        js = smoothed_objective(obj, s, n_samples=n_samples, seed=seed)
        if callable(inner):
            x = np.asarray(inner(js, x.copy()), dtype=np.float64).reshape(x.shape)
        elif inner == "gd":
            x, traj = _gd(js, x, lr, steps, tol)
            trajs.append(traj)
        elif isinstance(inner, str):
            from . import minimize  # lazily: pyoptim.minimize, the function (the second-order solvers)
            vg = js.value_and_grad if hasattr(js, "value_and_grad") else (lambda z: (js.fun(z), js.grad(z)))
            x = np.asarray(minimize(lambda z: vg(z.reshape(x.shape)), x.reshape(-1), method=inner, jac=True).x,
                           dtype=np.float64).reshape(x.shape)
        else:
            raise ValueError(f"Invalid inner: {inner!r} (expected 'gd', a minimize method name or a callable)")
        path.append(x.copy())
    f = float(getattr(obj, "fun", obj)(x))
    return ContinuationResult(x, f, np.array(path), sig, trajs)


# ---------------------------------------------------------------------------------------------------
# 8.7.6 curriculum learning
# ---------------------------------------------------------------------------------------------------

def linear_schedule(start: float = 0.2, epochs_to_full: int = 5) -> Callable[[int], float]:
    """Fraction of the easiest examples available at ``epoch``: ``start`` at epoch 0, growing linearly
    to 1 at ``epochs_to_full``."""
    if not (0 < start <= 1):
        raise ValueError(f"Invalid start: {start!r} (expected a value in (0, 1])")
    epochs_to_full = check_int("epochs_to_full", epochs_to_full, 1)
    return lambda epoch: min(1.0, start + (1.0 - start) * epoch / epochs_to_full)


class CurriculumSampler:
    """Curriculum learning as a ``fit`` sampler (book 8.7.6; Bengio et al. 2009; Zaremba & Sutskever 2014).

    Examples are ranked by ``difficulty_scores`` (lower = easier). At epoch e the pool is the
    ``ceil(schedule(e)·n)`` easiest examples; the epoch is one shuffled pass over the pool in batches
    of ``batch_size``. Stochastic mixing (Zaremba & Sutskever's "combined" curriculum): each slot of a
    batch is, with probability ``mix``, replaced by an example drawn uniformly from *all* n examples,
    so hard examples are seen from the start and earlier ones are not forgotten.

    ``schedule`` is a callable epoch -> fraction in (0, 1] (default :func:`linear_schedule`, 20% of the
    data at epoch 0 growing to all of it at epoch 5) or a sequence of fractions per epoch (the last
    repeats). Implements ``batches(n_samples, batch_size, epoch, rng)``; ``fit`` passes its own rng, so
    runs are reproducible from fit's seed (``seed`` is used when ``rng`` is None).
    """

    def __init__(self, difficulty_scores, schedule=None, mix: float = 0.1, seed=None):
        d = np.asarray(difficulty_scores, dtype=np.float64)
        if d.ndim != 1 or d.size == 0 or not np.all(np.isfinite(d)):
            raise ValueError(f"Invalid difficulty_scores: shape {d.shape} (expected a non-empty 1-D array of finite values)")
        if not (0 <= mix <= 1):
            raise ValueError(f"Invalid mix: {mix!r} (expected a value in [0, 1])")
        if schedule is None:
            schedule = linear_schedule()
        elif not callable(schedule):
            fr = [float(s) for s in schedule]
            if not fr or any(not (0 < s <= 1) for s in fr):
                raise ValueError(f"Invalid schedule: {schedule!r} (expected fractions in (0, 1])")
            schedule = (lambda fr: lambda e: fr[min(e, len(fr) - 1)])(fr)
        self.order = np.argsort(d, kind="stable")
        self.scores = d
        self.schedule, self.mix, self.seed = schedule, float(mix), seed

    def pool_size(self, epoch: int) -> int:
        frac = float(self.schedule(epoch))
        if not (0 < frac <= 1):
            raise ValueError(f"Invalid schedule: returned {frac!r} at epoch {epoch} (expected a fraction in (0, 1])")
        return max(1, int(np.ceil(frac * self.order.size)))

    def batches(self, n_samples: int, batch_size: int, epoch: int, rng=None):
        n = self.order.size
        if n_samples != n:
            raise ValueError(f"Invalid n_samples: {n_samples!r} (expected {n}, the number of difficulty scores)")
        batch_size = check_int("batch_size", batch_size, 1)
        rng = _rng(self.seed) if rng is None else rng
        pool = self.order[:self.pool_size(epoch)]
        perm = pool[rng.permutation(pool.size)]
        out = []
        for s in range(0, perm.size, batch_size):
            idx = perm[s:s + batch_size].copy()
            if self.mix > 0:
                swap = rng.random(idx.size) < self.mix
                k = int(swap.sum())
                if k:
                    idx[swap] = rng.integers(0, n, size=k)
            out.append(idx)
        return out


# ---------------------------------------------------------------------------------------------------
# 8.7.4 supervised pretraining
# ---------------------------------------------------------------------------------------------------

def freeze(module) -> None:
    """Set ``requires_grad = False`` on every parameter of ``module``: optimizers and fit skip them."""
    for p in module.parameters():
        p.requires_grad = False


_freeze_module = freeze   # greedy_layerwise_pretrain's ``freeze`` argument shadows the function


def unfreeze(module) -> None:
    """Set ``requires_grad = True`` on every parameter of ``module``."""
    for p in module.parameters():
        p.requires_grad = True


def _out_features(block, X):
    dense = [m for m in block.modules() if hasattr(m, "weight") and getattr(m.weight, "data", None) is not None
             and m.weight.data.ndim == 2]
    if dense:
        return int(dense[-1].weight.data.shape[1])
    return None


def greedy_layerwise_pretrain(layers, X, y, loss=None, head_factory: Callable | None = None,
                              optimizer_factory: Callable | None = None, epochs_per_layer: int = 5,
                              batch_size: int | None = 32, freeze: bool = True, fine_tune_epochs: int = 0,
                              seed=0, **fit_kwargs):
    """Greedy supervised layer-wise pretraining (book 8.7.4, Fig. 8.7; Bengio et al. 2007).

    Stage k (k = 1..L): the model is ``Sequential(block₁, ..., block_k, head_k)`` with a fresh
    temporary output head ``head_factory(width of block_k)``; it is trained for ``epochs_per_layer``
    epochs. With ``freeze=True`` the earlier blocks 1..k−1 are frozen (``requires_grad=False``), so
    each stage trains only the new block and its head (the book's "greedy" variant); with
    ``freeze=False`` everything keeps being fine-tuned. After the last stage, ``fine_tune_epochs``
    epochs of joint training (everything unfrozen) are optional.

    ``layers``: a list of modules (the blocks), or a list of hidden widths (ints): each becomes
    ``Sequential(Dense(prev, width), ReLU())``. ``loss`` defaults to ``SoftmaxCrossEntropy()``;
    ``head_factory(in_features)`` to ``Dense(in_features, n_classes)``; ``optimizer_factory(params)``
    to ``SGD(params, lr=0.1, momentum=0.9)``. Extra keyword arguments go to :func:`pyoptim.fit`.

    Returns ``(model, histories)``: the final model (blocks + the last head) and each stage's History.
    """
    from . import nn, optim
    from .training import fit

    X = np.asarray(X)
    epochs_per_layer = check_int("epochs_per_layer", epochs_per_layer, 1)
    fine_tune_epochs = check_int("fine_tune_epochs", fine_tune_epochs, 0)
    if not len(layers):
        raise ValueError(f"Invalid layers: {layers!r} (expected a non-empty list of modules or widths)")
    dtype = X.dtype if X.dtype in (np.float32, np.float64) else np.float32
    rng = np.random.default_rng(seed)
    if all(isinstance(w, (int, np.integer)) and not isinstance(w, bool) for w in layers):
        blocks, prev = [], X.shape[1]
        for w in layers:
            blocks.append(nn.Sequential(nn.Dense(prev, int(w), seed=int(rng.integers(2**31)), dtype=dtype), nn.ReLU()))
            prev = int(w)
    else:
        blocks = list(layers)
    if loss is None:
        loss = nn.SoftmaxCrossEntropy()
    if head_factory is None:
        n_out = int(np.max(y)) + 1

        def head_factory(k):
            return nn.Dense(k, n_out, seed=int(rng.integers(2**31)), dtype=dtype)
    if optimizer_factory is None:
        def optimizer_factory(params):
            return optim.SGD(params, lr=0.1, momentum=0.9)
    fit_kwargs.setdefault("progress", False)
    histories, model = [], None
    for k, block in enumerate(blocks):
        width = _out_features(block, X)
        if width is None:
            raise ValueError(f"Invalid layers: block {k} has no Dense layer to read its width from")
        model = nn.Sequential(*blocks[:k + 1], head_factory(width))
        if freeze:
            for b in blocks[:k]:
                _freeze_module(b)
        opt = optimizer_factory(model.parameters())
        histories.append(fit(model, loss, opt, X, y, epochs=epochs_per_layer, batch_size=batch_size,
                             seed=int(rng.integers(2**31)), **fit_kwargs))
    if fine_tune_epochs:
        unfreeze(model)
        histories.append(fit(model, loss, optimizer_factory(model.parameters()), X, y, epochs=fine_tune_epochs,
                             batch_size=batch_size, seed=int(rng.integers(2**31)), **fit_kwargs))
    return model, histories


class HintObjective:
    """A teacher-student hint loss as a ``fit`` objective (book 8.7.4; FitNets, Romero et al. 2015).

    The student is a ``Sequential``; the output h of its layer ``student_layer_index`` is pulled towards
    the teacher's intermediate representation t = ``teacher_layer_output_fn(Xb)``:

        J = L(student(x), y) + weight · ½ · (1/m) Σᵢ ‖r(hᵢ) − tᵢ‖²

    with r the identity, or ``regressor`` (a module mapping the student's width to the teacher's, as in
    FitNets; include its parameters in the optimizer). The hint gradient is injected into the backward
    pass at that layer. Returns the total; ``last_hint`` keeps the hint term of the last call.
    """

    def __init__(self, teacher_layer_output_fn: Callable, student_layer_index: int, weight: float = 1.0,
                 regressor=None):
        if not callable(teacher_layer_output_fn):
            raise ValueError(f"Invalid teacher_layer_output_fn: {teacher_layer_output_fn!r} (expected a callable)")
        check_finite("weight", weight, 0)
        self.teacher = teacher_layer_output_fn
        self.index = check_int("student_layer_index", student_layer_index, 0)
        self.weight = float(weight)
        self.regressor = regressor
        self.last_hint = None

    def __call__(self, model, loss, Xb, yb) -> float:
        children = list(model)
        if self.index >= len(children):
            raise ValueError(f"Invalid student_layer_index: {self.index} (the model has {len(children)} layers)")
        h, hint_h = Xb, None
        for i, c in enumerate(children):
            h = c.forward(h)
            if i == self.index:
                hint_h = h
        value = float(loss.forward(h, yb))
        g = loss.backward()
        t = np.asarray(self.teacher(Xb), dtype=hint_h.dtype)
        r = self.regressor.forward(hint_h) if self.regressor is not None else hint_h
        if r.shape != t.shape:
            raise ValueError(f"Invalid teacher output: shape {t.shape} (expected {r.shape}, the student's hint layer)")
        diff = r - t
        m = len(Xb)
        hint = 0.5 * self.weight * float(np.sum(diff * diff)) / m
        gh = (self.weight / m) * diff
        if self.regressor is not None:
            gh = self.regressor.backward(gh)
        for i in range(len(children) - 1, -1, -1):
            if i == self.index:
                g = g + gh.astype(g.dtype, copy=False)
            g = children[i].backward(g)
        self.last_hint = hint
        return value + hint


# ---------------------------------------------------------------------------------------------------
# 8.7.5 models that aid optimization
# ---------------------------------------------------------------------------------------------------

def _build_deep(kind, depth, width, n_in, n_out, seed, dtype, branch_scale):
    from . import nn
    rng = np.random.default_rng(seed)

    def dense(a, b):
        return nn.Dense(a, b, seed=int(rng.integers(2**31)), dtype=dtype)

    mods = [dense(n_in, width), nn.ReLU()]
    for _ in range(depth):
        d = dense(width, width)
        if kind == "plain":
            mods += [d, nn.ReLU()]
        else:
            d.weight.data *= d.weight.data.dtype.type(branch_scale)
            mods.append(nn.Residual(nn.Sequential(nn.ReLU(), d)))
    if kind != "plain":
        mods.append(nn.ReLU())
    mods.append(dense(width, n_out))
    return nn.Sequential(*mods)


def compare_plain_vs_residual(depth: int, width: int, X, y, loss=None, optimizer_factory: Callable | None = None,
                              epochs: int = 5, batch_size: int | None = 32, seed=0, branch_scale: float | None = None,
                              **fit_kwargs) -> dict:
    """Train a deep plain MLP and the same MLP with skip connections, same init seeds, optimizer and
    data order, and return both training-loss histories (book 8.7.5, He et al. 2016).

    plain:    Dense(in, w), ReLU, [Dense(w, w), ReLU] × depth, Dense(w, out)
    residual: Dense(in, w), ReLU, [x + Dense(w, w)(ReLU(x))] × depth, ReLU, Dense(w, out)

    Both use the same Dense initialization (Glorot uniform, same seeds); in the residual net each
    branch's weights are multiplied by ``branch_scale`` (default 1/√depth) so the variance of the
    residual stream stays bounded, Var(x_L) ≈ (1 + c/depth)^depth·Var(x_0) (a common recipe, cf. Fixup,
    Zhang et al. 2019; "pre-activation" blocks as He et al. 2016b). The skip connections give the
    gradient a path of identity Jacobians to every layer, so deep nets start learning at once, while the
    plain net's signal and gradient shrink layer by layer.
    ``optimizer_factory(params)`` defaults to ``SGD(params, lr=0.01, momentum=0.9)``; ``loss`` to
    ``SoftmaxCrossEntropy()``. ``fit_kwargs`` (``callbacks=`` included) go to both ``fit`` calls, the plain
    net's first. Returns ``{"plain": [...], "residual": [...], "plain_batches": [...],
    "residual_batches": [...], "models": (plain, residual)}`` (per-epoch and per-batch losses).
    """
    from . import nn, optim
    from .callbacks import Callback
    from .training import fit

    depth = check_int("depth", depth, 1)
    width = check_int("width", width, 1)
    if branch_scale is None:
        branch_scale = 1.0 / np.sqrt(depth)
    check_finite("branch_scale", branch_scale, 0)
    X = np.asarray(X)
    dtype = X.dtype if X.dtype in (np.float32, np.float64) else np.float32
    if loss is None:
        loss = nn.SoftmaxCrossEntropy()
    if optimizer_factory is None:
        def optimizer_factory(params):
            return optim.SGD(params, lr=0.01, momentum=0.9)
    n_out = int(np.max(y)) + 1 if getattr(loss, "__class__", type).__name__ == "SoftmaxCrossEntropy" else (
        1 if np.ndim(y) == 1 else np.shape(y)[1])

    class _Batches(Callback):
        def __init__(self):
            self.losses = []

        def on_before_step(self, batch, logs):
            pass

        def on_batch_end(self, batch, logs):
            self.losses.append(float(logs["loss"]))

    fit_kwargs.setdefault("progress", False)
    extra_callbacks = list(fit_kwargs.pop("callbacks", []))   # both runs get them (plain first, then residual)
    out = {}
    models = []
    for kind in ("plain", "residual"):
        model = _build_deep(kind, depth, width, X.shape[1], n_out, seed, dtype, branch_scale)
        cb = _Batches()
        h = fit(model, loss, optimizer_factory(model.parameters()), X, y, epochs=epochs, batch_size=batch_size,
                seed=seed, callbacks=[cb] + extra_callbacks, **fit_kwargs)
        out[kind] = list(h.history["loss"])
        out[kind + "_batches"] = cb.losses
        models.append(model)
    out["models"] = tuple(models)
    return out
