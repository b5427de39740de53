"""Worked solutions to the exercises of notebooks/ch08_5_adaptive (build: python notebooks/solutions/_build.py)."""
# %% [markdown]
# # Solutions: 8.5 Algorithms with adaptive learning rates
#
# Each exercise of `ch08_5_adaptive.ipynb`, solved; every assert compares pyoptim with a NumPy loop or
# a measurement with a prediction.

# %%
import numpy as np
import pyoptim as po

P = po.plot
H = np.diag([0.5, 20.0])                     # the notebook's quadratic
quad = lambda x: 0.5 * x @ H @ x             # noqa: E731
grad = lambda x: H @ x                       # noqa: E731
x0 = np.array([-1.8, 1.0])

# %% [markdown]
# ## Exercise 1: a moving minimum, 10,000 steps
#
# f_t(θ) = ½(θ − c_t)² with the minimum c_t = sin(2πt/500) moving all the time. AdaGrad divides by
# √r, r = Σ g², which only grows: after many steps its rate ε/√r is tiny and it lags behind the
# target. RMSProp's r is an exponential average, so its rate stays about ε/rms(g) and it keeps up.

# %%
T = 10_000
c = np.sin(2 * np.pi * np.arange(T) / 500)


def track(make):
    theta = np.zeros(1)
    opt = make([theta])
    out = np.empty(T)
    for t in range(T):
        opt.step([theta - c[t]])
        out[t] = theta[0]
    return out


ada = track(lambda p: po.optim.Adagrad(p, lr=0.1))
rms = track(lambda p: po.optim.RMSprop(p, lr=0.01, alpha=0.99))

# AdaGrad written out in NumPy (torch's form: r += g², θ -= ε g / (√r + δ))
theta, r, ada_np = 0.0, 0.0, np.empty(T)
for t in range(T):
    g = theta - c[t]
    r += g * g
    theta -= 0.1 * g / (np.sqrt(r) + 1e-10)
    ada_np[t] = theta
assert np.allclose(ada, ada_np, rtol=1e-9, atol=1e-12)

lag = {name: np.abs(path[-2000:] - c[-2000:]).mean() for name, path in (("Adagrad", ada), ("RMSprop", rms))}
print({k: round(v, 4) for k, v in lag.items()})
assert lag["RMSprop"] < 0.05 * lag["Adagrad"]
# and AdaGrad falls further behind as r keeps growing: its lag late in the run exceeds its lag early on
assert np.abs(ada[-2000:] - c[-2000:]).mean() > np.abs(ada[1000:3000] - c[1000:3000]).mean()
fig = P.curves({"target c_t": c, "Adagrad": ada, "RMSprop": rms}, xlabel="step t", ylabel="θ",
               title="A moving minimum: AdaGrad falls behind")
fig

# %% [markdown]
# ## Exercise 2: Adam without its bias correction
#
# After one step, s = (1 − ρ₁)g and r = (1 − ρ₂)g². Without the correction the step is
# ε s/√r = ε (1 − ρ₁)/√(1 − ρ₂) · g/|g| = ε · 0.1/√0.001 ≈ 3.16 ε per coordinate; with the correction
# (ŝ = s/(1 − ρ₁), r̂ = r/(1 − ρ₂)) it is ε exactly (up to δ).

# %%
eps, rho1, rho2 = 0.1, 0.9, 0.999
g = grad(x0)
s, r = (1 - rho1) * g, (1 - rho2) * g * g
uncorrected = eps * s / (np.sqrt(r) + 1e-8)
theta = x0.copy()
po.optim.Adam([theta], lr=eps, betas=(rho1, rho2), eps=1e-8).step([g])
corrected = x0 - theta
print("first step without correction:", uncorrected, " with (pyoptim Adam):", corrected)
assert np.allclose(np.abs(uncorrected), eps * (1 - rho1) / np.sqrt(1 - rho2), rtol=1e-6)
assert np.allclose(np.abs(corrected), eps, rtol=1e-6)
assert np.allclose(np.abs(uncorrected) / np.abs(corrected), 3.162, rtol=1e-3)

# %% [markdown]
# ## Exercise 3: a short memory β for r
#
# With a small β, r is about the *current* g², so each RMSProp step is ε g/|g|: sign descent, a step
# of size ε in every coordinate however close the minimum is. The iterate cannot settle and rattles
# around the minimum at a distance of order ε. With β = 0.999 the average remembers the large early
# gradients, the steps shrink near the minimum and the path is smooth. Moving the β slider:

# %%
inter = P.interactive_trajectories(quad, x0, grad=grad, lr=0.05, momentum=0.9, beta=0.999, steps=200,
                                   methods=("RMSprop", "Adam"), xlim=(-2, 2), ylim=(-1.2, 1.2), minimum=[0, 0])


def last_steps(name):
    line = next(l for l in inter.fig.axes[0].lines if l.get_label().startswith(name))
    xy = line.get_xydata()
    return np.linalg.norm(np.diff(xy[-20:], axis=0), axis=1)


smooth = last_steps("RMSprop").mean()
inter.update(beta=0.5)
rattle = last_steps("RMSprop")
print(f"RMSprop's last steps: β = 0.999 {smooth:.4f}, β = 0.5 {rattle.mean():.4f} (ε√2 = {0.05 * np.sqrt(2):.4f})")
assert rattle.mean() > 5 * smooth
# sign descent: each coordinate moves by about ε (ratio of |g| to √r near 1 with β = 0.5)
assert 0.5 * 0.05 < rattle.mean() < 2 * 0.05 * np.sqrt(2)
inter.fig
