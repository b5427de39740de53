"""Source of notebooks/ch08_2_challenges.ipynb (build: python notebooks/_build.py)."""
# %%
import importlib.util, subprocess, sys; importlib.util.find_spec("pyoptim") or subprocess.check_call([sys.executable, "-m", "pip", "install", "-q", "pyoptim-dlbook[hosted]"])  # hosted notebooks (Colab): install pyoptim

# %% [markdown]
# # 8.2 Challenges in neural network optimization
#
# *Deep Learning*, section 8.2: ill-conditioning (8.2.1), many equivalent minima (8.2.2), saddle
# points (8.2.3), cliffs and exploding gradients (8.2.4), long-term dependencies (8.2.5).
# Each idea: words, plain NumPy, the pyoptim call, a figure, an `assert` of the book's claim.
#
# | book | pyoptim |
# |---|---|
# | gᵀg, gᵀHg, eq. 8.10 | `po.diagnostics.curvature_along_gradient`, `po.diagnostics.CurvatureMonitor` (a `fit` callback) |
# | Hessian eigenvalues | `po.diagnostics.hessian_spectrum`, `po.diagnostics.hvp` |
# | weight-space symmetries | `po.diagnostics.permute_hidden_units`, `rescale_relu_unit` |
# | saddle points, Newton | `po.functions.saddle()`, `po.minimize(method="newton")` |
# | gradient clipping | `po.optim.clip_grad_norm_`, `clip_grad_value_`; `po.functions.cliff()` |
# | Wᵗ = V diag(λ)ᵗ V⁻¹ | `po.diagnostics.matrix_power_eig`, `power_norms` |

# %%
import numpy as np
import pyoptim as po
from pyoptim import nn

P = po.plot
D = po.diagnostics
SEED = 0

# %% [markdown]
# ## 8.2.1 Ill-conditioning
#
# A gradient step x − εg changes the cost, to second order, by (book eq. 8.10)
#
# ½ε² gᵀHg − ε gᵀg.
#
# The step *raises* the cost when ½ε²gᵀHg > εgᵀg, however small the gradient is. On a quadratic the
# second-order expansion is exact; in NumPy:

# %%
f = po.functions.quadratic(n=5, cond=50.0, seed=SEED)
x = f.x0
g = f.grad(x)
for eps in (0.01, 0.05):
    predicted = 0.5 * eps ** 2 * g @ f.hess(x) @ g - eps * g @ g
    actual = f(x - eps * g) - f(x)
    print(f"ε = {eps}: predicted {predicted:+.6f}, actual {actual:+.6f}")
    assert np.isclose(predicted, actual, rtol=1e-10)

# %% [markdown]
# pyoptim computes the same terms for any function (`curvature_along_gradient`) and, during training,
# for every step of a network (`CurvatureMonitor`, with exact Hessian-vector products by the
# R-operator). A rate above 2gᵀg/gᵀHg makes the step go uphill:

# %%
c_ok = D.curvature_along_gradient(f, x=x, lr=0.01)
eps_bad = 1.2 * 2 * (g @ g) / (g @ f.hess(x) @ g)
c_bad = D.curvature_along_gradient(f, x=x, lr=eps_bad)
print(f"ε = {eps_bad:.4f}: predicted {float(c_bad['predicted']):+.4f}, actual {float(c_bad['actual']):+.4f}, "
      f"increase predicted: {c_bad['increase_predicted']}")
assert c_bad["actual"] > 0 and f(x - eps_bad * g) > f(x)      # the step increases the cost
assert c_ok["actual"] < 0

# %% [markdown]
# Book Fig. 8.1 follows gᵀg and gᵀHg while a network trains: the gradient norm need not shrink, and
# the curvature term can grow faster than it. Here: a small MLP on the 8×8 digits.

# %%
Xtr, Xte, ytr, yte = po.datasets.load_digits(test_size=0.3, seed=SEED)
model = nn.Sequential(nn.Dense(64, 32, seed=1), nn.Tanh(), nn.Dense(32, 10, seed=2))
monitor = D.CurvatureMonitor(every=3)
lr = 0.2
hist = po.fit(model, nn.SoftmaxCrossEntropy(), po.optim.SGD(model.parameters(), lr=lr), Xtr, ytr,
              epochs=4, batch_size=64, callbacks=[monitor], progress=False, seed=SEED)
rec = monitor.history if hasattr(monitor, "history") else monitor.records
gTg, gTHg = np.asarray(rec["gTg"]), np.asarray(rec["gTHg"])
fig = P.curvature(gTg, gTHg, lr=lr, steps=np.asarray(rec["step"]))
fig

# %% [markdown]
# The whole spectrum of a small network's Hessian (exact: `method="full"` assembles H from
# Hessian-vector products): at initialization some eigenvalues are negative (not a minimum yet);
# κ = λ_max/λ_min measures the ill-conditioning.

# %%
small = nn.Sequential(nn.Dense(64, 6, seed=3, dtype=np.float64), nn.Tanh(), nn.Dense(6, 10, seed=4, dtype=np.float64))
loss = nn.SoftmaxCrossEntropy()
Xs, ys = Xtr[:300].astype(np.float64), ytr[:300]
spec0 = D.hessian_spectrum(small, loss, Xs, ys, method="full")
po.fit(small, loss, po.optim.Adam(small.parameters(), lr=0.02), Xs, ys, epochs=30, batch_size=None,
       progress=False, seed=SEED)
spec1 = D.hessian_spectrum(small, loss, Xs, ys, method="full")
fig = P.hessian_spectrum({"at initialization": spec0.eigenvalues, "after training": spec1.eigenvalues}, bins=60)
fig

# %%
print(f"negative fraction: {spec0.negative_fraction:.3f} at init, {spec1.negative_fraction:.3f} after training")
assert spec0.negative_fraction > spec1.negative_fraction        # training moved towards a minimum

# %% [markdown]
# ## 8.2.2 Local minima: weight-space symmetry
#
# Swapping two hidden units (and their outgoing weights), or scaling a ReLU unit's incoming weights by
# a > 0 and its outgoing weights by 1/a, leaves the network's function unchanged: every minimum comes
# with n!·(many) equivalent copies, so "local minima" from symmetry are harmless.

# %%
relu_net = nn.Sequential(nn.Dense(64, 16, seed=5, dtype=np.float64), nn.ReLU(), nn.Dense(16, 10, seed=6, dtype=np.float64))
Xd = Xte[:50].astype(np.float64)
out0 = relu_net(Xd).copy()
W0 = relu_net[0].weight.data.copy()
D.permute_hidden_units(relu_net, 0, np.random.default_rng(SEED).permutation(16))
D.rescale_relu_unit(relu_net, 0, unit=3, a=7.5)
assert not np.allclose(relu_net[0].weight.data, W0)         # different parameters ...
assert np.allclose(relu_net(Xd), out0, rtol=1e-12, atol=1e-12)  # ... the same function

# %% [markdown]
# ## 8.2.3 Saddle points
#
# Newton's method solves H d = −g: on f(x, y) = x² − y² it jumps *to* the saddle, because it treats
# every stationary point alike. Gradient descent slides away along the negative-curvature direction;
# "saddle-free" Newton (|H|: eigenvalues replaced by their absolute values; Dauphin et al., 2014)
# escapes too. In NumPy:

# %%
s = po.functions.saddle()
start = np.array([1.0, 0.05])


def newton_path(hfun, steps):
    xs = [start.copy()]
    for _ in range(steps):
        lam, Q = np.linalg.eigh(s.hess(xs[-1]))
        xs.append(xs[-1] - Q @ ((Q.T @ s.grad(xs[-1])) / hfun(lam)))
    return np.array(xs)


newton = newton_path(lambda lam: lam, 5)
saddle_free = newton_path(np.abs, 5)
assert np.allclose(newton[1], [0.0, 0.0])                                  # NumPy Newton: on the saddle
# pyoptim: damping=0 is the book's plain Newton step; saddle_free=True uses |H|
res = po.minimize(s, start, method="newton", options={"damping": 0.0, "return_path": True, "maxiter": 5})
assert np.allclose(res.path[-1], [0.0, 0.0], atol=1e-12)                  # attracted to the saddle
sfn = po.minimize(s, start, method="newton", options={"saddle_free": True, "return_path": True, "maxiter": 3})
gd = P.optimizer_path(lambda p: po.optim.SGD(p, lr=0.1), s, start, 25)
assert abs(gd[-1, 1]) > 1.0 and abs(saddle_free[-1, 1]) > 1.0 and abs(sfn.path[-1, 1]) > 1.0   # they escape
fig = P.contour_paths(s, {"Newton": res.path, "saddle-free Newton (|H|)": sfn.path, "gradient descent": gd},
                      xlim=(-1.5, 1.5), ylim=(-1.5, 1.5), levels=np.linspace(-2, 2, 17),
                      title="Newton is attracted to the saddle of x² − y²")
fig

# %% [markdown]
# ## 8.2.4 Cliffs and exploding gradients
#
# Near a cliff the gradient is huge and a normal step catapults the parameters away. Clipping the
# gradient's norm to a threshold (Pascanu et al., 2013) keeps its *direction* and bounds the step:
# g ← g · min(1, threshold/‖g‖).

# %%
cliff = po.functions.cliff()
x_wall = np.array([cliff.c if hasattr(cliff, "c") else 1.0, 0.3])
g = cliff.grad(x_wall)
g_np = g * min(1.0, 1.0 / np.linalg.norm(g))                   # NumPy
g_po = g.copy()
total = po.optim.clip_grad_norm_([g_po], max_norm=1.0)         # pyoptim: in place, returns the norm
assert np.isclose(total, np.linalg.norm(g)) and np.allclose(g_po, g_np)
assert np.isclose(g_po @ g / (np.linalg.norm(g_po) * np.linalg.norm(g)), 1.0)   # same direction
assert np.linalg.norm(g_po) <= 1.0 + 1e-12                     # bounded step


def clipped(x):
    gx = cliff.grad(x).copy()
    po.optim.clip_grad_norm_([gx], max_norm=1.0)
    return gx


x_start = np.array([2.0, 0.8])
plain = P.optimizer_path(lambda p: po.optim.SGD(p, lr=0.15), cliff, x_start, 30)
clip = P.optimizer_path(lambda p: po.optim.SGD(p, lr=0.15), clipped, x_start, 30)
steps_plain = np.linalg.norm(np.diff(plain, axis=0), axis=1)
steps_clip = np.linalg.norm(np.diff(clip, axis=0), axis=1)
print(f"largest step: plain {steps_plain.max():.2f}, clipped {steps_clip.max():.3f}")
assert steps_clip.max() <= 0.15 + 1e-12 < steps_plain.max()
fig = P.contour_paths(cliff, {"plain gradient step": plain, "clipped to norm 1": clip},
                      xlim=(-3, 2.5), ylim=(-0.6, 1.2), resolution=120,
                      title="A cliff: plain vs clipped gradient steps (book Fig. 8.3)")
fig

# %% [markdown]
# ## 8.2.5 Long-term dependencies
#
# A recurrent net multiplies by the same W at every time step: h_t = Wᵗh₀ with
# Wᵗ = V diag(λ)ᵗ V⁻¹ (book eq. 8.14). Components along eigenvalues with |λ| < 1 vanish like λᵗ,
# those with |λ| > 1 explode.

# %%
rng = np.random.default_rng(SEED)
V = rng.standard_normal((4, 4))
x0 = rng.standard_normal(4)
T = 60
ts = np.arange(T + 1)
norms = {}
for rho in (0.9, 1.0, 1.1):
    W = V @ np.diag([rho, 0.7 * rho, 0.5, -0.3]) @ np.linalg.inv(V)
    assert np.allclose(D.matrix_power_eig(W, 7), np.linalg.matrix_power(W, 7))
    norms[rho] = D.power_norms(W, x0, T)
    assert np.allclose(norms[rho], [np.linalg.norm(np.linalg.matrix_power(W, t) @ x0) for t in ts])
    growth = (norms[rho][T] / norms[rho][T - 20]) ** (1 / 20)
    assert np.isclose(growth, rho, rtol=1e-2)                   # the rate is the largest |λ|
fig = P.power_norms(ts, norms, title="‖Wᵗx‖: vanishing (|λ| < 1) and exploding (|λ| > 1)")
fig

# %% [markdown]
# ## Exercises
#
# 1. Re-run the CurvatureMonitor cell with `lr=0.5` and with momentum. How often is
#    `increase_predicted` true? Does the loss still fall?
# 2. Start the saddle example at (1, 0): why does gradient descent now converge to the saddle?
# 3. For the cliff, clip by value instead (`po.optim.clip_grad_value_`). Is the direction kept?
