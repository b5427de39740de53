"""Worked solutions to the exercises of notebooks/ch08_3_sgd_momentum (build: python notebooks/solutions/_build.py)."""
# %% [markdown]
# # Solutions: 8.3 SGD and momentum
#
# Each exercise of `ch08_3_sgd_momentum.ipynb`, solved, with an `assert` that compares two independent
# computations (a simulation against the theory, pyoptim against a NumPy loop).

# %%
import numpy as np
import pyoptim as po

P = po.plot
SEED = 0
Hq = np.diag([1.0, 25.0])                    # the notebook's ill-conditioned quadratic, λ_max = 25
quad = lambda x: 0.5 * x @ Hq @ x            # noqa: E731
grad = lambda x: Hq @ x                      # noqa: E731
x0 = np.array([-1.8, 0.9])

# %% [markdown]
# ## Exercise 1: the largest ε for momentum α = 0.9
#
# Along an eigenvector of eigenvalue λ, heavy-ball momentum is the linear recursion
# (θ_{k+1}, θ_k) = M (θ_k, θ_{k−1}) with M = [[1 + α − ελ, −α], [1, 0]]. It converges when both
# eigenvalues of M lie inside the unit circle, which for 0 ≤ α < 1 means ελ < 2(1 + α):
# ε < 2(1 + 0.9)/25 = 0.152. On the slider's grid (steps of 0.001) the largest converging ε is 0.151.
# First the simulation (pyoptim's SGD, 3000 steps), scanning the slider's positions:

# %%
grid = np.round(np.arange(0.001, 0.3, 0.001), 3)
assert all(np.min(np.abs(P.SLIDERS["lr"][0] + P.SLIDERS["lr"][2] * np.arange(1000) - v)) < 1e-9
           for v in (0.151, 0.152))                # the slider can stop at both


def converges(eps, alpha=0.9, steps=2000):
    with np.errstate(over="ignore", invalid="ignore"):       # a diverging run overflows; it is stopped
        path = P.optimizer_path(lambda p: po.optim.SGD(p, lr=eps, momentum=alpha), grad, x0, steps)
    return len(path) == steps + 1 and np.linalg.norm(path[-1]) < 1e-3 * np.linalg.norm(x0)


largest = max(e for e in grid[(grid > 0.14) & (grid < 0.16)] if converges(e))
theory = 2 * (1 + 0.9) / 25
# the spectral radius of M, strictly below 1 (at 0.152 it is 1 up to rounding)
spectral = max(e for e in grid if np.abs(np.linalg.eigvals([[1 + 0.9 - e * 25, -0.9], [1, 0]])).max() < 1 - 1e-9)
print(f"largest converging ε: simulated {largest}, spectral radius < 1 up to {spectral}, theory < {theory:.3f}")
assert largest == spectral == 0.151 and largest < theory < largest + 0.001 + 1e-12
assert converges(0.079, alpha=0.0) and not converges(0.081, alpha=0.0)   # GD: ε < 2/λ_max = 0.08

# %% [markdown]
# With the sliders: `inter.update(lr=0.151, momentum=0.9)` is what moving the two sliders does; the
# figure then shows momentum reaching the minimum, while at 0.153 it spirals out.

# %%
inter = P.interactive_trajectories(quad, x0, grad=grad, lr=0.151, momentum=0.9, beta=0.99, steps=400,
                                   methods=("GD", "momentum"), xlim=(-2, 2), ylim=(-1.2, 1.2), minimum=[0, 0])
line = next(l for l in inter.fig.axes[0].lines if l.get_label().startswith("momentum"))
assert np.linalg.norm(line.get_xydata()[-1]) < 0.05
with np.errstate(over="ignore", invalid="ignore"):
    inter.update(lr=0.153)
    line = next(l for l in inter.fig.axes[0].lines if l.get_label().startswith("momentum"))
    assert np.linalg.norm(line.get_xydata()[-1]) > np.linalg.norm(x0)
inter.fig

# %% [markdown]
# ## Exercise 2: ε_k = ε₀/√k
#
# The same noisy quadratic as the notebook, with the schedule ε_k = ε₀/√(1 + k/10) next to ε₀/(1 + k/10).
# Theory: the excess error of SGD with ε_k settles near the noise floor of the *current* rate, ∝ ε_k,
# so ε_k ∝ 1/√k gives a slope of about −½ on the log-log plot, worse than the −1 of ε_k ∝ 1/k: the
# rate decays too slowly to average the noise away.

# %%
H = np.diag([1.0, 4.0])
sigma, chains, steps = 1.0, 400, 2000


def run(factor):
    theta = np.tile([0.5, 0.5], (chains, 1))
    opt = po.optim.SGD([theta], lr=0.1)
    sched = po.optim.lr_scheduler.LambdaLR(opt, factor)
    noise = np.random.default_rng(SEED)
    curve = []
    for _ in range(steps):
        opt.step([theta @ H + sigma * noise.standard_normal(theta.shape)])
        sched.step()
        curve.append(0.5 * np.mean(theta ** 2 @ np.diag(H)))
    return np.array(curve)


excess = {"ε₀/√(1 + k/10)": run(lambda k: 1.0 / np.sqrt(1.0 + k / 10.0)),
          "ε₀/(1 + k/10)": run(lambda k: 1.0 / (1.0 + k / 10.0))}
k = np.arange(1, steps + 1)
late = k > 200
slopes = {n: np.polyfit(np.log(k[late]), np.log(c[late]), 1)[0] for n, c in excess.items()}
print({n: round(s, 2) for n, s in slopes.items()})
# the noise floor of a constant rate ε (an independent computation, per coordinate with curvature h:
# stationary variance ε σ² / (h (2 − ε h)), so E f = Σ ½ h var = Σ ε σ² / (2 (2 − ε h)))
eps_end = 0.1 / np.sqrt(1 + steps / 10)
floor = sum(eps_end * sigma ** 2 / (2 * (2 - eps_end * h)) for h in np.diag(H))
assert -0.7 < slopes["ε₀/√(1 + k/10)"] < -0.3 and slopes["ε₀/(1 + k/10)"] < slopes["ε₀/√(1 + k/10)"] - 0.3
assert abs(excess["ε₀/√(1 + k/10)"][-100:].mean() / floor - 1) < 0.25
fig = P.curves(excess, x=k, xlabel="step k", ylabel="E f(θ_k) − f*", logx=True, logy=True,
               title="1/√k decays too slowly")
fig

# %% [markdown]
# ## Exercise 3: the book's and torch's momentum differ when ε changes
#
# Book: v ← αv − ε_k g, θ ← θ + v. torch: b ← αb + g, θ ← θ − ε_k b. Substituting v = −ε b works only
# if ε is the same at every step: torch's θ_{k+1} − θ_k = −ε_k b_k rescales the *whole* history by the
# current ε_k, the book's keeps each old gradient with the ε it was taken with. With a StepLR scheduler
# (ε halves after 10 steps) the two agree for 10 steps, then part; each agrees with its NumPy loop.

# %%
def numpy_paths(eps_of_k, alpha, steps):
    tb, v = x0.copy(), np.zeros(2)
    tt, b = x0.copy(), np.zeros(2)
    book, torch_ = [tb.copy()], [tt.copy()]
    for k in range(steps):
        v = alpha * v - eps_of_k(k) * grad(tb)
        tb = tb + v
        b = alpha * b + grad(tt)
        tt = tt - eps_of_k(k) * b
        book.append(tb.copy())
        torch_.append(tt.copy())
    return np.array(book), np.array(torch_)


def po_path(cls, steps=30, **kw):
    theta = x0.copy()
    opt = cls([theta], lr=0.02, **kw)
    sched = po.optim.lr_scheduler.StepLR(opt, step_size=10, gamma=0.5)
    out = [theta.copy()]
    for _ in range(steps):
        opt.step([grad(theta)])
        sched.step()
        out.append(theta.copy())
    return np.array(out)


book_np, torch_np = numpy_paths(lambda k: 0.02 * 0.5 ** (k // 10), 0.8, 30)
book_po = po_path(po.optim.MomentumBook, alpha=0.8)
torch_po = po_path(po.optim.SGD, momentum=0.8)
assert np.allclose(book_po, book_np, rtol=1e-12, atol=1e-14) and np.allclose(torch_po, torch_np, rtol=1e-12, atol=1e-14)
gap = np.linalg.norm(book_po - torch_po, axis=1)
print("largest gap before the change:", gap[:11].max(), " after:", gap[11:].max())
assert gap[:11].max() < 1e-12 and gap[11:].max() > 1e-3
