"""Source of notebooks/ch08_5_adaptive.ipynb (build: python notebooks/_build.py)."""
# %%
import importlib.util, subprocess, sys; importlib.util.find_spec("pyoptim") or subprocess.check_call([sys.executable, "-m", "pip", "install", "-q", "pyoptim-dlbook[hosted]"])  # hosted notebooks (Colab): install pyoptim

# %% [markdown]
# # 8.5 Algorithms with adaptive learning rates
#
# *Deep Learning*, section 8.5, Algorithms 8.4 (AdaGrad), 8.5–8.6 (RMSProp), 8.7 (Adam). Each
# algorithm: the book's update in NumPy, the pyoptim optimizer, an `assert` that they produce the
# same iterates, and a figure. At the end, every optimizer on the same problems (8.5.4).
#
# | book | pyoptim (torch's form) | pyoptim (the book's form) |
# |---|---|---|
# | Algorithm 8.4 AdaGrad | `po.optim.Adagrad(params, lr, eps)` | `po.optim.AdaGradBook(params, lr, eps)` |
# | Algorithm 8.5 RMSProp (δ inside the root) | `po.optim.RMSprop(params, lr, alpha=ρ, eps)` (δ outside) | `po.optim.RMSPropBook(params, lr, rho, eps)` |
# | Algorithm 8.6 RMSProp + Nesterov | `RMSprop(momentum=...)` is heavy-ball, not Nesterov | `RMSPropBook(..., alpha, nesterov=True)` |
# | Algorithm 8.7 Adam | `po.optim.Adam(params, lr, betas=(ρ₁, ρ₂), eps=δ)`, `AdamW` | `po.optim.AdamBook(params, lr, rho1, rho2, eps)` |
# | 8.5.4 AdaDelta (named; Zeiler 2012) | `po.optim.Adadelta(params, lr=1.0, rho=ρ, eps=δ)` | written from the paper below |
# | Adam + Nesterov momentum (8.3.3; Dozat 2016) | `po.optim.NAdam(params, lr, betas, eps, momentum_decay)` | written from the paper below |

# %%
import numpy as np
import pyoptim as po
from pyoptim import nn

P = po.plot
SEED = 0

# a test problem with very different curvatures per coordinate
H = np.diag([0.5, 20.0])
quad = lambda x: 0.5 * x @ H @ x     # noqa: E731
grad = lambda x: H @ x               # noqa: E731
x0 = np.array([-1.8, 1.0])

# %% [markdown]
# ## 8.5.1 AdaGrad
#
# Scale each parameter's rate by the inverse square root of the sum of all its past squared
# gradients: r ← r + g⊙g, θ ← θ − ε/(δ + √r) ⊙ g. Parameters with large gradients get small rates.
#
# The cell measures that claim on pyoptim's own path, without using its formula: the rate each
# coordinate actually got is its step divided by its gradient, and the ratio of the two coordinates'
# rates must equal the inverse ratio of their root accumulated squared gradients, summed in a plain
# loop. The steep coordinate θ₂ (curvature 20) sees the larger gradients, so it gets the smaller rate,
# about 17 to 22 times smaller here. Then pyoptim's `Adagrad` and `AdaGradBook` are compared with
# Algorithm 8.4 written in NumPy, step by step.

# %%
def adagrad_book(theta0, eps, delta, steps):
    theta, r = np.array(theta0, float), np.zeros(len(theta0))
    path, rates = [theta.copy()], []
    for _ in range(steps):
        g = grad(theta)
        r = r + g * g
        rates.append(eps / (delta + np.sqrt(r)))
        theta = theta - eps / (delta + np.sqrt(r)) * g
        path.append(theta.copy())
    return np.array(path), np.array(rates)


book, rates = adagrad_book(x0, eps=0.5, delta=1e-7, steps=100)
ours = P.optimizer_path(lambda p: po.optim.Adagrad(p, lr=0.5, eps=1e-7), grad, x0, 100)
ours_book = P.optimizer_path(lambda p: po.optim.AdaGradBook(p, lr=0.5, eps=1e-7), grad, x0, 100)
# the book's claim on pyoptim's path: the rate each coordinate got (its step / its gradient) is inversely
# proportional to the root of that coordinate's accumulated squared gradients, summed here in a plain loop
g_seen = np.array([grad(p) for p in ours[:-1]])
used = (ours[:-1] - ours[1:]) / g_seen
acc, root_r = np.zeros(2), []
for g in g_seen:
    acc = acc + g * g
    root_r.append(np.sqrt(acc))
root_r = np.array(root_r)
print(f"θ₂'s rate is {np.min(used[:, 0] / used[:, 1]):.1f} to {np.max(used[:, 0] / used[:, 1]):.1f} times smaller than θ₁'s")
assert np.allclose(used[:, 0] / used[:, 1], root_r[:, 1] / root_r[:, 0], rtol=1e-6)   # rate ratio = √(Σg₂²)/√(Σg₁²)
assert np.allclose(ours, book, rtol=1e-10, atol=1e-12) and np.allclose(ours_book, book, rtol=1e-10, atol=1e-12)
fig = P.curves({"θ₁ (low curvature)": rates[:, 0], "θ₂ (high curvature)": rates[:, 1]}, xlabel="step",
               ylabel="effective rate ε/(δ + √r)", logy=True, title="AdaGrad: per-parameter effective rates")
fig

# %% [markdown]
# The book: "the net effect is greater progress in the more gently sloped directions". Plain gradient
# descent must keep ε below 2/λ_max = 0.1 to stay stable along the steep coordinate, which leaves the
# gentle one (λ = 0.5) crawling; AdaGrad's per-parameter rates do not have that coupling.

# %%
gd_best = P.optimizer_path(lambda p: po.optim.SGD(p, lr=0.099), grad, x0, 100)   # just below 2/λ_max
print(f"after 100 steps, |θ₁|/|θ₁(0)|: gradient descent {abs(gd_best[-1, 0] / x0[0]):.1e}, "
      f"AdaGrad {abs(ours[-1, 0] / x0[0]):.1e}")
assert abs(ours[-1, 0]) < 1e-3 * abs(gd_best[-1, 0])        # far more progress on the gentle slope

# %% [markdown]
# ## 8.5.2 RMSProp
#
# AdaGrad's rates shrink forever; RMSProp replaces the sum by an exponentially decaying average,
# r ← ρr + (1 − ρ)g⊙g. The book puts δ *inside* the square root, θ ← θ − ε/√(δ + r) ⊙ g; torch (and
# `po.optim.RMSprop`) adds it *outside*, ε/(√r + δ). The two differ while r is not ≫ δ:

# %%
def rmsprop(theta0, eps, rho, delta, steps, inside):
    theta, r = np.array(theta0, float), np.zeros(len(theta0))
    path = [theta.copy()]
    for _ in range(steps):
        g = grad(theta)
        r = rho * r + (1 - rho) * g * g
        theta = theta - (eps / np.sqrt(delta + r) if inside else eps / (np.sqrt(r) + delta)) * g
        path.append(theta.copy())
    return np.array(path)


torch_form = P.optimizer_path(lambda p: po.optim.RMSprop(p, lr=0.05, alpha=0.9, eps=1e-2), grad, x0, 80)
book_form = P.optimizer_path(lambda p: po.optim.RMSPropBook(p, lr=0.05, rho=0.9, eps=1e-2), grad, x0, 80)
assert np.allclose(torch_form, rmsprop(x0, 0.05, 0.9, 1e-2, 80, inside=False), rtol=1e-10, atol=1e-12)
assert np.allclose(book_form, rmsprop(x0, 0.05, 0.9, 1e-2, 80, inside=True), rtol=1e-10, atol=1e-12)
print("largest difference between the two forms:", np.abs(torch_form - book_form).max())

# %% [markdown]
# ### Algorithm 8.6: RMSProp with Nesterov momentum
#
# The book combines RMSProp's scaling with Nesterov momentum: the gradient is taken at the interim
# point θ + αv, then r ← ρr + (1 − ρ)g⊙g, v ← αv − ε/√(δ + r) ⊙ g, θ ← θ + v. torch has no such
# optimizer (its `RMSprop(momentum=...)` is heavy-ball momentum); `po.optim.RMSPropBook(...,
# nesterov=True)` is Algorithm 8.6, and its `step` takes a closure that computes the gradient at the
# interim point. In NumPy, then with pyoptim, on the same quadratic:

# %%
def rmsprop_nesterov(theta0, eps, rho, delta, alpha, steps):
    theta, r, v = np.array(theta0, float), np.zeros(len(theta0)), np.zeros(len(theta0))
    path = [theta.copy()]
    for _ in range(steps):
        g = grad(theta + alpha * v)                     # gradient at the interim point
        r = rho * r + (1 - rho) * g * g
        v = alpha * v - eps / np.sqrt(delta + r) * g
        theta = theta + v
        path.append(theta.copy())
    return np.array(path)


x86 = x0.copy()
opt86 = po.optim.RMSPropBook([x86], lr=0.02, rho=0.9, eps=1e-6, alpha=0.9, nesterov=True)
path86 = [x86.copy()]
for _ in range(80):
    opt86.step(lambda: [grad(x86)])                     # the closure sees x86 at θ + αv
    path86.append(x86.copy())
path86 = np.array(path86)
path85 = P.optimizer_path(lambda p: po.optim.RMSPropBook(p, lr=0.02, rho=0.9, eps=1e-6), grad, x0, 80)
fig, axes = P.figure(figsize=(11, 4), ncols=2)
P.contour_paths(quad, {"RMSProp (Alg. 8.5)": path85, "RMSProp + Nesterov (Alg. 8.6)": path86}, ax=axes[0],
                xlim=(-2, 2), ylim=(-1.2, 1.2), minimum=np.zeros(2), title="ε = 0.02, ρ = 0.9, α = 0.9")
P.curves({"RMSProp (Alg. 8.5)": [quad(p) for p in path85], "RMSProp + Nesterov (Alg. 8.6)": [quad(p) for p in path86]},
         ax=axes[1], xlabel="step", ylabel="f(θ)", logy=True, title="The same ε goes much further with momentum")
fig

# %%
assert np.allclose(path86, rmsprop_nesterov(x0, 0.02, 0.9, 1e-6, 0.9, 80), rtol=1e-12, atol=1e-14)  # NumPy = pyoptim
assert quad(path86[40]) < 0.01 * quad(path85[40])       # after 40 steps: 100x lower cost than Algorithm 8.5

# %% [markdown]
# ## 8.5.3 Adam
#
# Adam keeps both a decaying average of the gradient (first moment s, ρ₁) and of its square (second
# moment r, ρ₂), and corrects both for their initialization at zero (Algorithm 8.7):
# ŝ = s/(1 − ρ₁ᵗ), r̂ = r/(1 − ρ₂ᵗ), θ ← θ − ε ŝ/(√r̂ + δ).

# %%
def adam_book(theta0, eps, rho1, rho2, delta, steps):
    theta = np.array(theta0, float)
    s, r = np.zeros(len(theta0)), np.zeros(len(theta0))
    path = [theta.copy()]
    for t in range(1, steps + 1):
        g = grad(theta)
        s = rho1 * s + (1 - rho1) * g
        r = rho2 * r + (1 - rho2) * g * g
        s_hat, r_hat = s / (1 - rho1 ** t), r / (1 - rho2 ** t)
        theta = theta - eps * s_hat / (np.sqrt(r_hat) + delta)
        path.append(theta.copy())
    return np.array(path)


book = adam_book(x0, 0.1, 0.9, 0.999, 1e-8, 100)
ours = P.optimizer_path(lambda p: po.optim.Adam(p, lr=0.1, betas=(0.9, 0.999), eps=1e-8), grad, x0, 100)
ours_book = P.optimizer_path(lambda p: po.optim.AdamBook(p, lr=0.1, rho1=0.9, rho2=0.999, eps=1e-8), grad, x0, 100)
assert np.allclose(ours, book, rtol=1e-9, atol=1e-12) and np.allclose(ours_book, book, rtol=1e-9, atol=1e-12)
# the first step has size ε in every coordinate, whatever the gradient's scale (bias correction)
assert np.allclose(np.abs(book[1] - book[0]), 0.1, rtol=1e-6)

# %% [markdown]
# ## 8.5.4 Choosing the right optimization algorithm
#
# There is no single best algorithm (Schaul et al., 2014): it depends on the problem and on tuning.
# Below every optimizer runs on the same 2-D quadratic, then on a small MLP for the digits.

# %%
rates_2d = {"SGD": 0.09, "momentum": 0.02, "Adagrad": 0.5, "RMSprop": 0.05, "Adam": 0.1}
makers = {
    "SGD": lambda p, lr: po.optim.SGD(p, lr=lr),
    "momentum": lambda p, lr: po.optim.SGD(p, lr=lr, momentum=0.9),
    "Adagrad": lambda p, lr: po.optim.Adagrad(p, lr=lr),
    "RMSprop": lambda p, lr: po.optim.RMSprop(p, lr=lr, alpha=0.9),
    "Adam": lambda p, lr: po.optim.Adam(p, lr=lr),
}
paths = {f"{name}, ε = {rates_2d[name]}": P.optimizer_path(lambda p, n=name: makers[n](p, rates_2d[n]), grad, x0, 50)
         for name in makers}
# one panel each: Adagrad, RMSprop and Adam leave the start along the same curve
fig = P.path_panels(quad, paths, xlim=(-2, 2), ylim=(-1.2, 1.2), minimum=[0, 0], ncols=3,
                    title="Every optimizer, 50 steps, on one quadratic")
fig

# %%
Xtr, Xte, ytr, yte = po.datasets.load_digits(test_size=0.3, seed=SEED)
rates_nn = {"SGD": 0.1, "momentum": 0.05, "Adagrad": 0.05, "RMSprop": 0.002, "Adam": 0.002}
val = {}
for name in makers:
    model = nn.Sequential(nn.Dense(64, 64, seed=1), nn.ReLU(), nn.Dense(64, 10, seed=2))
    hist = po.fit(model, nn.SoftmaxCrossEntropy(), makers[name](model.parameters(), rates_nn[name]), Xtr, ytr,
                  epochs=8, batch_size=32, validation_data=(Xte, yte), progress=False, seed=SEED)
    val[name] = hist.history["val_loss"]
fig = P.curves(val, x=np.arange(1, 9), xlabel="epoch", ylabel="held-out loss", logy=True,
               title="Every optimizer on the digits (64-64-10 MLP)")
fig

# %%
assert all(v[-1] < np.log(10) / 4 for v in val.values())      # every one of them learns (chance: log 10)

# %% [markdown]
# ### AdaDelta and NAdam beside the book's algorithms
#
# 8.5.4 names **AdaDelta** among the algorithms in active use. It is RMSProp (r ← ρr + (1 − ρ)g⊙g)
# whose global rate ε is replaced by the root mean square of the recent *updates* u (Zeiler, 2012):
# Δθ = −√(u + δ)/√(r + δ) ⊙ g, u ← ρu + (1 − ρ)Δθ⊙Δθ, so a step has the units of θ and there is no
# rate to tune (`lr=1`). **NAdam** (Dozat, 2016) puts the Nesterov momentum of 8.3.3 into Adam: the
# momentum of the *next* step is applied now, θ ← θ − ε[μₜ₊₁ s/(1 − Πₜ₊₁) + (1 − μₜ) g/(1 − Πₜ)]/(√r̂ + δ),
# with a momentum schedule μₜ = ρ₁(1 − ½·0.96^(0.004 t)) and Πₜ = μ₁⋯μₜ. Both written from the papers in
# NumPy, then compared with `po.optim.Adadelta` and `po.optim.NAdam` (torch's classes and numbers):

# %%
def adadelta_paper(theta0, rho, delta, steps):
    theta = np.array(theta0, float)
    r, u = np.zeros(len(theta0)), np.zeros(len(theta0))
    path = [theta.copy()]
    for _ in range(steps):
        g = grad(theta)
        r = rho * r + (1 - rho) * g * g
        step = -np.sqrt(u + delta) / np.sqrt(r + delta) * g
        u = rho * u + (1 - rho) * step * step
        theta = theta + step
        path.append(theta.copy())
    return np.array(path)


def nadam_paper(theta0, eps, rho1, rho2, delta, psi, steps, product=float):
    """``product=np.float32`` keeps Π in float32, as torch (and pyoptim) do."""
    theta = np.array(theta0, float)
    s, r, prod = np.zeros(len(theta0)), np.zeros(len(theta0)), product(1.0)
    mu = lambda t: rho1 * (1 - 0.5 * 0.96 ** (t * psi))   # noqa: E731
    path = [theta.copy()]
    for t in range(1, steps + 1):
        g = grad(theta)
        prod = product(prod * product(mu(t)))
        s = rho1 * s + (1 - rho1) * g
        r = rho2 * r + (1 - rho2) * g * g
        look_ahead = mu(t + 1) * s / (1 - float(prod) * mu(t + 1)) + (1 - mu(t)) * g / (1 - float(prod))
        theta = theta - eps * look_ahead / (np.sqrt(r / (1 - rho2 ** t)) + delta)
        path.append(theta.copy())
    return np.array(path)


ada = P.optimizer_path(lambda p: po.optim.Adadelta(p, rho=0.9, eps=1e-6), grad, x0, 300)
assert np.allclose(ada, adadelta_paper(x0, 0.9, 1e-6, 300), rtol=1e-10, atol=1e-12)
nad = P.optimizer_path(lambda p: po.optim.NAdam(p, lr=0.1), grad, x0, 300)
assert np.allclose(nad, nadam_paper(x0, 0.1, 0.9, 0.999, 1e-8, 4e-3, 300, product=np.float32), rtol=1e-9, atol=1e-12)
# with Π kept in double the iterates move only in the last digits
print("NAdam, Π in double vs float32:", np.abs(nad - nadam_paper(x0, 0.1, 0.9, 0.999, 1e-8, 4e-3, 300)).max())
# AdaDelta's first step is sqrt(δ/(δ + (1-ρ)g²))·g ≈ sqrt(δ/(1-ρ)) per coordinate: tiny, whatever ε
print("AdaDelta's first step:", ada[1] - ada[0])

# %%
loss_2d = {"Adam, ε = 0.1": P.optimizer_path(lambda p: po.optim.Adam(p, lr=0.1), grad, x0, 300),
           "RMSprop, ε = 0.05": P.optimizer_path(lambda p: po.optim.RMSprop(p, lr=0.05, alpha=0.9), grad, x0, 300),
           "NAdam, ε = 0.1": nad, "AdaDelta (no ε)": ada,
           "AdaDelta, δ = 0.1": P.optimizer_path(lambda p: po.optim.Adadelta(p, eps=0.1), grad, x0, 300)}
fig = P.curves({k: [quad(x) for x in v] for k, v in loss_2d.items()}, xlabel="step", ylabel="f(θ)", logy=True,
               title="AdaDelta and NAdam beside RMSProp and Adam on the quadratic")
fig

# %%
# AdaDelta with δ = 1e-6 starts slowly (its steps start near √δ and grow with u) but needs no ε. δ is
# not harmless, though: where δ dominates u and r the step is √δ/√δ · g = g, gradient descent with
# rate 1, unstable on a curvature above 2 (here 20): with δ = 0.1 the θ₂ coordinate oscillates and grows
f_end = {k: quad(v[-1]) for k, v in loss_2d.items()}
assert f_end["AdaDelta (no ε)"] < 0.05 * quad(x0) and f_end["AdaDelta, δ = 0.1"] > quad(x0)
assert f_end["NAdam, ε = 0.1"] < 1e-2 * quad(x0)

# %%
extra = {"AdaDelta": (lambda p: po.optim.Adadelta(p, lr=1.0)), "NAdam": (lambda p: po.optim.NAdam(p, lr=0.002))}
for name, make in extra.items():
    model = nn.Sequential(nn.Dense(64, 64, seed=1), nn.ReLU(), nn.Dense(64, 10, seed=2))
    hist = po.fit(model, nn.SoftmaxCrossEntropy(), make(model.parameters()), Xtr, ytr, epochs=8, batch_size=32,
                  validation_data=(Xte, yte), progress=False, seed=SEED)
    val[name] = hist.history["val_loss"]
fig = P.curves(val, x=np.arange(1, 9), xlabel="epoch", ylabel="held-out loss", logy=True,
               title="With AdaDelta and NAdam, on the digits")
fig

# %%
assert val["AdaDelta"][-1] < np.log(10) / 4 and val["NAdam"][-1] < np.log(10) / 4

# %% [markdown]
# ## Exercises
#
# 1. Run AdaGrad for 10,000 steps on a problem whose minimum moves (a non-stationary objective). Why
#    does RMSProp follow it and AdaGrad not?
# 2. Remove Adam's bias correction. How large is the first step now, with ρ₂ = 0.999?
# 3. Use `P.interactive_trajectories(..., methods=("RMSprop", "Adam"))` and vary β: what does a small
#    β (a short memory for r) do on the quadratic?
