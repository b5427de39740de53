"""Source of notebooks/ch08_3_sgd_momentum.ipynb (build: python notebooks/_build.py)."""
# %%
import importlib.util, subprocess, sys; importlib.util.find_spec("pyoptim") or subprocess.check_call([sys.executable, "-m", "pip", "install", "-q", "pyoptim-dlbook[hosted]"])  # hosted notebooks (Colab): install pyoptim

# %% [markdown]
# # 8.3 Basic algorithms: SGD, momentum, Nesterov momentum
#
# *Deep Learning* (Goodfellow, Bengio, Courville), section 8.3, Algorithms 8.1–8.3.
# Each idea below comes as: the idea in words, a plain-NumPy version, the pyoptim call, a figure,
# and an `assert` that the book's claim holds numerically. Run it top to bottom (about 10 s).
#
# | book | pyoptim |
# |---|---|
# | Algorithm 8.1 SGD, learning rate ε | `po.optim.SGD(params, lr=ε)` |
# | linear decay of ε to ε_τ at step τ (eq. 8.14) | `po.optim.lr_scheduler.LinearLR(opt, 1.0, ε_τ/ε₀, τ)` |
# | Algorithm 8.2 momentum (α, ε) | `po.optim.SGD(params, lr=ε, momentum=α)`; the book's form `po.optim.MomentumBook(params, lr=ε, alpha=α)` |
# | Algorithm 8.3 Nesterov momentum | `po.optim.SGD(params, lr=ε, momentum=α, nesterov=True)`; the book's form `po.optim.NesterovBook` |

# %%
import numpy as np
import pyoptim as po

P = po.plot
SEED = 0

# %% [markdown]
# ## 8.3.1 Stochastic gradient descent and the learning-rate schedule
#
# SGD follows a noisy estimate ĝ of the gradient: θ ← θ − ε_k ĝ. Because ĝ stays noisy even at the
# minimum, ε must decrease; the book's schedule decays it linearly until step τ and then holds it:
#
# ε_k = (1 − k/τ) ε₀ + (k/τ) ε_τ  for k ≤ τ,  ε_k = ε_τ after.
#
# In plain NumPy:

# %%
def book_linear_decay(k, eps0, eps_tau, tau):
    a = min(k / tau, 1.0)
    return (1 - a) * eps0 + a * eps_tau


# %% [markdown]
# In pyoptim (and torch) this is `LinearLR` with `end_factor = ε_τ/ε₀`: the scheduler multiplies the
# optimizer's `lr` after every `sched.step()`.

# %%
theta = np.zeros(2)
opt = po.optim.SGD([theta], lr=0.5)
sched = po.optim.lr_scheduler.LinearLR(opt, start_factor=1.0, end_factor=0.05 / 0.5, total_iters=100)
lrs = []
for k in range(150):
    lrs.append(opt.param_groups[0]["lr"])
    opt.step([np.zeros(2)])
    sched.step()

assert np.allclose(lrs, [book_linear_decay(k, 0.5, 0.05, 100) for k in range(150)])

# %% [markdown]
# **Why decay?** Take a strongly convex problem, f(θ) = ½θᵀHθ, seen through a noisy gradient
# ĝ = Hθ + σξ. With a constant ε, SGD stalls at a noise floor proportional to ε; with
# ε_k ∝ 1/k the excess error E[f(θ_k)] − f* keeps falling like O(1/k) (book 8.3.1). We run 400
# independent chains at once: one parameter array of shape (400, 2), one row per chain
# (pyoptim's SGD updates every element independently).

# %%
H = np.diag([1.0, 4.0])
sigma, chains, steps = 1.0, 400, 2000
schedules = {
    "constant ε = 0.1": lambda opt: None,
    "book's linear decay to 0.01 at τ = 500": lambda opt: po.optim.lr_scheduler.LinearLR(
        opt, start_factor=1.0, end_factor=0.1, total_iters=500),
    "ε_k = ε₀ / (1 + k/10)": lambda opt: po.optim.lr_scheduler.LambdaLR(opt, lambda k: 1.0 / (1.0 + k / 10.0)),
}
excess = {}
for name, make in schedules.items():
    theta = np.tile([0.5, 0.5], (chains, 1))
    opt = po.optim.SGD([theta], lr=0.1)
    sched = make(opt)
    noise = np.random.default_rng(SEED)
    curve = []
    for k in range(steps):
        g = theta @ H + sigma * noise.standard_normal(theta.shape)
        opt.step([g])
        if sched is not None:
            sched.step()
        curve.append(0.5 * np.mean(theta ** 2 @ np.diag(H)))   # E f(θ_k) − f*  (f* = 0, H diagonal)
    excess[name] = np.array(curve)

fig = P.curves(excess, x=np.arange(1, steps + 1), xlabel="step k", ylabel="E f(θ_k) − f*", logx=True, logy=True,
               title="SGD on a noisy quadratic: schedules")
fig

# %%
# the claim: with ε_k ∝ 1/k the excess error falls like O(1/k): slope about -1 on the log-log plot
k = np.arange(1, steps + 1)
late = k > 200
slope = np.polyfit(np.log(k[late]), np.log(excess["ε_k = ε₀ / (1 + k/10)"][late]), 1)[0]
print(f"fitted slope of the 1/k schedule: {slope:.2f}")
assert -1.3 < slope < -0.7
# ... while a constant rate stalls at its noise floor, above the decayed one
assert excess["constant ε = 0.1"][-200:].mean() > 3 * excess["ε_k = ε₀ / (1 + k/10)"][-200:].mean()

# %% [markdown]
# ## 8.3.2 Momentum
#
# The book writes momentum with a *velocity* v (Algorithm 8.2):
#
# v ← αv − εg,  θ ← θ + v.
#
# torch (and pyoptim's `SGD(momentum=α)`) keep a *buffer* b of accumulated gradients instead:
#
# b ← αb + g,  θ ← θ − εb.
#
# They are the same algorithm under the change of variables v = −εb (for a constant ε). Plain NumPy:

# %%
def momentum_book(grad, theta0, eps, alpha, steps):
    theta, v = np.array(theta0, float), np.zeros(len(theta0))
    path = [theta.copy()]
    for _ in range(steps):
        v = alpha * v - eps * grad(theta)
        theta = theta + v
        path.append(theta.copy())
    return np.array(path)


Hq = np.diag([1.0, 25.0])                    # an ill-conditioned quadratic, κ = 25
quad = lambda x: 0.5 * x @ Hq @ x            # noqa: E731
grad = lambda x: Hq @ x                      # noqa: E731
x0 = np.array([-1.8, 0.9])

book = momentum_book(grad, x0, eps=0.02, alpha=0.8, steps=60)
ours = P.optimizer_path(lambda p: po.optim.SGD(p, lr=0.02, momentum=0.8), grad, x0, 60)
assert np.allclose(book, ours, rtol=1e-12, atol=1e-14)    # the two forms give the same iterates
# the book's form is in pyoptim too, as MomentumBook (lr -> ε, alpha -> α)
book_po = P.optimizer_path(lambda p: po.optim.MomentumBook(p, lr=0.02, alpha=0.8), grad, x0, 60)
assert np.allclose(book_po, book, rtol=1e-12, atol=1e-14)

# %% [markdown]
# The picture of book Fig. 8.5: on a long narrow valley gradient descent zig-zags across it, momentum
# builds up speed along it.

# %%
paths = {
    "gradient descent, ε = 0.072": P.optimizer_path(lambda p: po.optim.SGD(p, lr=0.072), grad, x0, 60),
    "momentum α = 0.8, ε = 0.02": ours,
    "Nesterov α = 0.8, ε = 0.02": P.optimizer_path(lambda p: po.optim.SGD(p, lr=0.02, momentum=0.8, nesterov=True),
                                                   grad, x0, 60),
}
fig = P.contour_paths(quad, paths, xlim=(-2, 2), ylim=(-1.2, 1.2), minimum=[0, 0],
                      title="Momentum on an ill-conditioned quadratic (book Fig. 8.5)",
                      linestyles=("-", "-", "--"))   # Nesterov dashed: it runs along gradient descent's tail
fig

# %% [markdown]
# **Terminal velocity.** If the gradient is always g, momentum accelerates until each step has size
# ε‖g‖/(1 − α) (book eq. 8.18): with α = 0.9 that is 10 times a gradient step.

# %%
g_const = np.array([3.0, -4.0])              # f(θ) = gᵀθ: a constant gradient, ‖g‖ = 5
theta = np.zeros(2)
opt = po.optim.SGD([theta], lr=0.01, momentum=0.9)
for _ in range(300):
    before = theta.copy()
    opt.step([g_const])
step = np.linalg.norm(theta - before)
print(f"step size {step:.6f}, book: ε‖g‖/(1−α) = {0.01 * 5 / (1 - 0.9):.6f}")
assert np.isclose(step, 0.01 * 5 / (1 - 0.9), rtol=1e-6)

# %% [markdown]
# **How much faster?** On a quadratic with condition number κ, gradient descent with its best rate
# ε = 2/(λ_max + λ_min) shrinks the error by (κ − 1)/(κ + 1) per step. Momentum with the tuned
# α = ((√κ − 1)/(√κ + 1))² and ε = 4/(√λ_max + √λ_min)² shrinks it by (√κ − 1)/(√κ + 1)
# (Polyak, 1964): for κ = 100, 0.82 per step instead of 0.98.

# %%
kappa = 100.0
Hk = np.diag([1.0, kappa])
gk = lambda x: Hk @ x                        # noqa: E731
lmin, lmax = 1.0, kappa
eps_gd = 2 / (lmax + lmin)
eps_hb = 4 / (np.sqrt(lmax) + np.sqrt(lmin)) ** 2
alpha_hb = ((np.sqrt(kappa) - 1) / (np.sqrt(kappa) + 1)) ** 2
runs = {
    "gradient descent": P.optimizer_path(lambda p: po.optim.SGD(p, lr=eps_gd), gk, [1.0, 1.0], 200),
    "tuned momentum": P.optimizer_path(lambda p: po.optim.SGD(p, lr=eps_hb, momentum=alpha_hb), gk, [1.0, 1.0], 200),
}
err = {name: np.linalg.norm(p, axis=1) for name, p in runs.items()}
fig = P.curves(err, xlabel="step k", ylabel="‖θ_k − θ*‖", logy=True, title=f"Convergence rate, κ = {kappa:g}")
fig

# %%
rate = {name: (e[200] / e[100]) ** (1 / 100) for name, e in err.items()}
rho_gd, rho_hb = (kappa - 1) / (kappa + 1), (np.sqrt(kappa) - 1) / (np.sqrt(kappa) + 1)
print(f"measured: GD {rate['gradient descent']:.4f} (theory {rho_gd:.4f}), "
      f"momentum {rate['tuned momentum']:.4f} (theory {rho_hb:.4f})")
assert abs(rate["gradient descent"] - rho_gd) < 2e-3
assert rate["tuned momentum"] < rho_hb * 1.02      # within the polynomial factor of a double root

# %% [markdown]
# ## 8.3.3 Nesterov momentum
#
# The book's Algorithm 8.3 evaluates the gradient *after* the momentum step, at θ + αv:
#
# v ← αv − ε∇f(θ + αv),  θ ← θ + v.
#
# torch's `nesterov=True` (Sutskever et al., 2013) rewrites it so that the gradient is taken at the
# current parameters: b ← αb + g, θ ← θ − ε(g + αb). The parameters torch stores are the book's
# *look-ahead point* θ + αv, so the two agree step by step:

# %%
def nesterov_book(grad, theta0, eps, alpha, steps):
    theta, v = np.array(theta0, float), np.zeros(len(theta0))
    lookahead = [theta.copy()]
    for _ in range(steps):
        v = alpha * v - eps * grad(theta + alpha * v)
        theta = theta + v
        lookahead.append(theta + alpha * v)
    return np.array(lookahead)


book_n = nesterov_book(grad, x0, eps=0.02, alpha=0.8, steps=60)
ours_n = paths["Nesterov α = 0.8, ε = 0.02"]
assert np.allclose(book_n, ours_n, rtol=1e-10, atol=1e-12)

# %% [markdown]
# ## Try it: the learning rate, momentum and β
#
# With `ipywidgets` installed (`pip install "pyoptim-dlbook[notebooks]"`) the sliders redraw the
# trajectories; without it you see the static figure. `beta` is RMSProp's ρ and Adam's β₂ (see 8.5).

# %%
P.interactive_trajectories(quad, x0, grad=grad, lr=0.02, momentum=0.8, beta=0.99, steps=60,
                           methods=("GD", "momentum", "Nesterov", "Adam"), xlim=(-2, 2), ylim=(-1.2, 1.2),
                           minimum=[0, 0])

# %% [markdown]
# ## Exercises
#
# 1. Gradient descent diverges on this quadratic when ε > 2/λ_max = 0.08. Find, with the slider, the
#    largest ε for which momentum α = 0.9 still converges. Compare with the theory: 2(1 + α)/λ_max.
# 2. Replace the 1/k schedule by ε_k = ε₀/√k. Which slope do you measure, and why is it worse?
# 3. Show with the change of variables that the book's and torch's momentum differ when ε changes
#    between steps (hint: v = −ε b only holds for a constant ε). Check it numerically with a scheduler.
