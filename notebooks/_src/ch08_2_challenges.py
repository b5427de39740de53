"""Source of notebooks/ch08_2_challenges.ipynb (build: python notebooks/_build.py)."""
# %%
import importlib.util, subprocess, sys; importlib.util.find_spec("pyoptim") or subprocess.check_call([sys.executable, "-m", "pip", "install", "-q", "pyoptim-dlbook[hosted]"])  # hosted notebooks (Colab): install pyoptim

# %% [markdown]
# # 8.2 Challenges in neural network optimization
#
# *Deep Learning*, section 8.2: ill-conditioning (8.2.1), many equivalent minima (8.2.2), saddle
# points and plateaus (8.2.3), cliffs and exploding gradients (8.2.4), long-term dependencies (8.2.5),
# inexact gradients (8.2.6), local against global structure (8.2.7) and the limits of theory (8.2.8).
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
# | sharpness at 2/ε (Fig. 8.1) | `po.diagnostics.SpectrumMonitor`, `po.plot.sharpness` |
# | noisy and biased gradients (8.2.6) | `po.diagnostics.NoisyOracle`, `BiasedOracle` |

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
# R-operator). The prediction says the step goes uphill for any ε above ε_c = 2gᵀg/gᵀHg. Below, the
# rate at which the *actual* change f(x − εg) − f(x) turns positive, found by bisection on f alone,
# against that prediction:

# %%
c_ok = D.curvature_along_gradient(f, x=x, lr=0.01)
eps_bad = 1.2 * 2 * (g @ g) / (g @ f.hess(x) @ g)
c_bad = D.curvature_along_gradient(f, x=x, lr=eps_bad)
print(f"ε = {eps_bad:.4f}: predicted {float(c_bad['predicted']):+.4f}, actual {float(c_bad['actual']):+.4f}, "
      f"increase predicted: {c_bad['increase_predicted']}")
lo, hi = 1e-6, 1.0                                             # bisection on the measured change only
for _ in range(60):
    mid = 0.5 * (lo + hi)
    lo, hi = (mid, hi) if f(x - mid * g) < f(x) else (lo, mid)
eps_c = 2 * float(c_ok["gTg"]) / float(c_ok["gTHg"])           # pyoptim's gᵀg and gᵀHg
print(f"uphill from ε = {lo:.6f} (bisection on f), predicted ε_c = {eps_c:.6f}")
assert np.isclose(lo, eps_c, rtol=1e-8)
# pyoptim's predicted change and its uphill flag against the change of f measured in NumPy, for rates
# on both sides of ε_c
eps_grid = eps_c * np.array([0.1, 0.5, 0.9, 0.99, 1.01, 1.1, 2.0])
checks = [D.curvature_along_gradient(f, x=x, lr=e) for e in eps_grid]
change = np.array([f(x - e * g) - f(x) for e in eps_grid])
assert np.allclose([c["predicted"] for c in checks], change, rtol=1e-8) and [c["increase_predicted"] for c in checks] == list(change > 0)

# %% [markdown]
# ### Book Fig. 8.1: the gradient does not shrink while the curvature grows
#
# The book's Fig. 8.1 follows gᵀg and gᵀHg through a real training run: the gradient norm does not
# shrink, while gᵀHg grows by more than an order of magnitude, until ½ε²gᵀHg catches up with εgᵀg and
# steps stop paying off. *Why* it happens is now well documented (Cohen et al., 2021, "Gradient
# descent on neural networks typically occurs at the edge of stability"): full-batch gradient descent
# with rate ε drives the sharpness λ_max (the Hessian's largest eigenvalue) up to 2/ε, the rate at
# which a quadratic would diverge, and then keeps it there, oscillating along the sharpest direction.
# The gradient then points more and more along that direction, so gᵀHg/gᵀg → 2/ε: exactly the point
# where ½ε²gᵀHg = εgᵀg.
#
# Here: full-batch gradient descent (ε = 0.5) on 500 digits, a 64-64-64-10 tanh network with squared
# error, in float64. `CurvatureMonitor` measures gᵀg and gᵀHg every 5 steps with exact Hessian-vector
# products; `SpectrumMonitor` measures λ_max with Lanczos every 50 steps: two independent computations.

# %%
Xtr, Xte, ytr, yte = po.datasets.load_digits(test_size=0.3, seed=SEED)
n_eos, lr_eos, steps_eos = 500, 0.5, 600
Xe = Xtr[:n_eos].astype(np.float64)
Ye = np.eye(10)[ytr[:n_eos]]
net = nn.Sequential(nn.Dense(64, 64, seed=1, dtype=np.float64), nn.Tanh(),
                    nn.Dense(64, 64, seed=3, dtype=np.float64), nn.Tanh(),
                    nn.Dense(64, 10, seed=2, dtype=np.float64))
curv = D.CurvatureMonitor(every=5)
sharp = D.SpectrumMonitor(every=50, k=1, method="lanczos", m=20)
eos = po.fit(net, nn.MSELoss(), po.optim.SGD(net.parameters(), lr=lr_eos), Xe, Ye, epochs=steps_eos,
             batch_size=None, shuffle=False, callbacks=[curv, sharp], progress=False, seed=SEED)
st = np.asarray(curv.history["step"])
gTg, gTHg = np.asarray(curv.history["gTg"]), np.asarray(curv.history["gTHg"])
fig, axes = P.figure(figsize=(11, 3.8), ncols=2)
P.curvature(gTg, gTHg, lr=lr_eos, steps=st, ax=axes[0], title="gᵀg and gᵀHg (book Fig. 8.1)")
P.sharpness(sharp.history["step"], sharp.history["top"], lr_eos, ax=axes[1], ratio_steps=st, ratio=gTHg / gTg)
fig

# %% [markdown]
# After the first fast drop (the first 100 steps) the run is in the book's regime. We compare the
# window of steps 100-200 with the last 200 steps: the gradient norm has not shrunk (it grew),
# gᵀHg grew by more than an order of magnitude, λ_max sits at 2/ε, and the curvature along the
# gradient caught up with it, so about a third of the steps now *raise* the cost although the loss
# still falls overall. With ε = 0.1 the same network shows none of this within 2000 steps: its λ_max
# (≈ 9) stays below 2/ε = 20, and gᵀg and gᵀHg both shrink (try it: the effect needs the rate).

# %%
early, late = (st >= 100) & (st < 200), st >= steps_eos - 200
growth_g = np.median(gTg[late]) / np.median(gTg[early])
growth_H = np.median(gTHg[late]) / np.median(gTHg[early])
lam_end = np.asarray(sharp.history["top"])[-4:]
up_early = np.mean(0.5 * lr_eos * gTHg[early] > gTg[early])
up_late = np.mean(0.5 * lr_eos * gTHg[late] > gTg[late])
loss_hist = eos.history["loss"]
print(f"median gᵀg grew {growth_g:.0f}x, median gᵀHg grew {growth_H:.0f}x; "
      f"λ_max at the end {lam_end.round(2)} against 2/ε = {2 / lr_eos}")
print(f"steps with ½ε²gᵀHg > εgᵀg: {up_early:.0%} in steps 100-200, {up_late:.0%} in the last 200; "
      f"loss {loss_hist[200]:.4f} -> {loss_hist[-1]:.4f}")
assert growth_g >= 1.0                                           # the gradient norm did not shrink
assert growth_H >= 10.0                                          # gᵀHg grew by an order of magnitude
assert np.all(np.abs(lam_end - 2 / lr_eos) < 0.15 * 2 / lr_eos)  # Lanczos λ_max ≈ 2/ε
assert np.all(gTHg / gTg <= 1.01 * max(sharp.history["top"]))    # a Rayleigh quotient ≤ λ_max
assert up_early < 0.1 and up_late > 0.2                          # ½ε²gᵀHg overtook εgᵀg
assert loss_hist[-1] < loss_hist[200]                            # and training still succeeds

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
legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]   # the figure shows the same count
assert f"{round(spec0.negative_fraction * spec0.n)} negative" in legend[0]

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
# ## 8.2.3 Saddle points, plateaus and other flat regions
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
# ### Plateaus: flat without a saddle
#
# A plateau is a wide region where the gradient is nearly zero although no stationary point is near:
# gradient descent is not attracted anywhere, it just crawls, and it crawls in proportion to the
# flatness. A saturated sigmoid unit is the classic example: f(w) = ½(1 − σ(w))², whose slope
# f′(w) = −σ(w)(1 − σ(w))² ≈ −eʷ for w ≪ 0 never vanishes (no saddle, no minimum in the flat part).
# With small steps, gradient descent follows the gradient flow dw/dt = −εf′(w), so the number of steps
# to cross from w₀ to 0 is about ∫ dw / (ε|f′(w)|): each unit deeper into the plateau multiplies it by
# e. Below: the steps pyoptim's SGD takes, counted, against that integral, computed by quadrature.

# %%
sig = lambda w: 1.0 / (1.0 + np.exp(-w))
f_plateau = lambda w: 0.5 * (1.0 - sig(w)) ** 2
df_plateau = lambda w: -sig(w) * (1.0 - sig(w)) ** 2
eps_p = 1.0


def steps_to_cross(w0):
    w = np.array([w0], dtype=np.float64)
    opt, n = po.optim.SGD([w], lr=eps_p), 0
    while w[0] < 0.0:
        opt.step([df_plateau(w)])
        n += 1
    return n


depths = np.arange(2, 9)
counted = np.array([steps_to_cross(-d) for d in depths])
flow = np.array([np.trapezoid(1.0 / (eps_p * np.abs(df_plateau(grid))), grid)
                 for grid in (np.linspace(-d, 0.0, 200001) for d in depths)])
fig, axes = P.figure(figsize=(11, 3.6), ncols=2)
ww = np.linspace(-9, 3, 400)
P.curves({"f(w) = ½(1 − σ(w))²": f_plateau(ww), "|f′(w)|": np.abs(df_plateau(ww))},
         x=ww, ax=axes[0], xlabel="w", ylabel="value", title="A plateau: flat, but no stationary point (log scale)")
axes[0].set_yscale("log")
axes[1].semilogy(depths, counted, "o", label="steps counted (pyoptim SGD, ε = 1)")
axes[1].semilogy(depths, flow, "-", label="∫ dw / (ε|f′(w)|) (gradient flow)")
axes[1].set_xlabel("depth of the start in the plateau, −w₀")
axes[1].set_ylabel("steps to reach w = 0")
axes[1].set_title("Crossing time grows like 1/|f′|")
axes[1].legend()
fig

# %%
print(dict(zip((-depths).tolist(), counted.tolist())))
np.testing.assert_allclose(counted, flow, rtol=0.1)                 # simulation vs quadrature of the flow
ratios = counted[1:] / counted[:-1]
assert np.all(np.diff(ratios) > 0) and abs(ratios[-1] / np.e - 1) < 0.05   # → e per unit depth, as |f′| ≈ eʷ
assert np.all(df_plateau(np.linspace(-9, 0, 1000)) < 0)              # and no stationary point anywhere

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
dist_plain, dist_clip = np.linalg.norm(plain, axis=1), np.linalg.norm(clip, axis=1)   # the minimum is the origin
# the plain step at the wall throws the point further from the minimum than it started; the clipped
# path gets closer at every step
assert dist_plain.max() > dist_plain[0] and np.all(np.diff(dist_clip) < 0)
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
# ## 8.2.6 Inexact gradients
#
# Optimization algorithms are designed for the exact gradient; in practice we get a noisy estimate
# (a minibatch) or even a biased one (an approximate model, a truncated computation). Two facts on the
# quadratic f(x) = ½xᵀHx, with oracles from `po.diagnostics`:
#
# * **Noise, unbiased** (`NoisyOracle`, g̃ = ∇f + σξ): SGD does not converge to the minimum but keeps
#   moving in a neighbourhood of it. For this linear recursion the stationary spread has a closed form
#   per eigenvalue λ: Var = εσ²/(λ(2 − ελ)), so E f = ½Σ λ·Var = ½Σ εσ²/(2 − ελ) ≈ ¼ n ε σ²: the
#   neighbourhood scales with ε·σ² (hence the decaying rates of 8.3.1).
# * **Bias** (`BiasedOracle`, g̃ = ∇f + b): averaging does not help; the fixed point moves to where
#   ∇f = −b, i.e. x = −H⁻¹b.

# %%
Hq = np.diag([1.0, 4.0])
quad = lambda x: 0.5 * x @ Hq @ x
grad_q = lambda x: Hq @ x


def stationary_mean_f(eps, sigma, steps=40000, burn=2000, seed=SEED):
    oracle = D.NoisyOracle(grad_q, sigma=sigma, seed=seed)
    x = np.array([1.0, 1.0])
    opt = po.optim.SGD([x], lr=eps)
    vals = []
    for t in range(steps):
        opt.step([oracle(x)])
        if t >= burn:
            vals.append(quad(x))
    return float(np.mean(vals))


lam_q = np.diag(Hq)
settings = [(0.05, 0.5), (0.1, 0.5), (0.2, 0.5), (0.1, 1.0)]
measured = np.array([stationary_mean_f(e, s) for e, s in settings])
closed = np.array([0.5 * np.sum(e * s ** 2 / (2 - e * lam_q)) for e, s in settings])
b = np.array([0.3, -0.4])
xb = np.array([1.0, 1.0])
opt_b, biased = po.optim.SGD([xb], lr=0.1), D.BiasedOracle(grad_q, bias=b)
for _ in range(500):
    opt_b.step([biased(xb)])
fig, ax = P.figure(figsize=(5.5, 3.8))
es2 = np.array([e * s ** 2 for e, s in settings])
ax.loglog(es2, closed, "-", label="closed form ½Σ εσ²/(2 − ελ)")
ax.loglog(es2, measured, "o", label="measured: mean f over 38 000 SGD steps")
for (e, s_), x_, y_ in zip(settings, es2, measured):
    ax.annotate(f"ε={e}, σ={s_}", (x_, y_), textcoords="offset points", xytext=(6, -10), fontsize=8)
from matplotlib.ticker import FormatStrFormatter, LogLocator, NullFormatter
ax.set_xticks(es2, [f"{v:g}" for v in es2], minor=False)   # the four runs' ε·σ², plainly
ax.xaxis.set_minor_formatter(NullFormatter())              # no 2×10⁻² 3×10⁻² … running together
ax.yaxis.set_major_locator(LogLocator(subs=(1, 2, 5)))     # 0.01 0.02 0.05
ax.yaxis.set_major_formatter(FormatStrFormatter("%g"))
ax.yaxis.set_minor_formatter(NullFormatter())
ax.set_xlabel("ε·σ²")
ax.set_ylabel("mean f at stationarity")
ax.set_title("Noisy gradients: SGD settles in an ε·σ² neighbourhood")
ax.legend(fontsize=8)
fig

# %%
print("measured", measured.round(5), "closed form", closed.round(5))
np.testing.assert_allclose(measured, closed, rtol=0.1)              # simulation vs closed form
assert measured[2] > 1.7 * measured[0] and measured[3] > 3.5 * measured[1]   # grows with ε and with σ²
np.testing.assert_allclose(xb, -np.linalg.solve(Hq, b), atol=1e-10)  # bias: converges to −H⁻¹b, not 0

# %% [markdown]
# ## 8.2.7 Poor correspondence between local and global structure
#
# Even with exact gradients and no saddle on the way, local descent can head the wrong way: the local
# slope says nothing about where the global minimum is. Below, a deep basin (global minimum near
# (3, 0)) sits behind a hill; from a start on the wrong side of the hill, gradient descent *and*
# L-BFGS (whose steps are as good as local information allows) walk around the hill into a shallow
# basin. A start on the other side finds the global minimum. The global minimum is found
# independently, by evaluating f on a grid.

# %%
def landscape(v):
    x, y = v
    deep = 2.0 * np.exp(-((x - 3) ** 2 + y ** 2) / 2)
    shallow = 1.0 * np.exp(-((x + 2) ** 2 + y ** 2))
    hill = 1.5 * np.exp(-(x ** 2 + y ** 2) / 0.5)
    f = -deep - shallow + hill
    g = np.array([deep * (x - 3) + shallow * 2 * (x + 2) - hill * 2 * x / 0.5,
                  deep * y + shallow * 2 * y - hill * 2 * y / 0.5])
    return f, g


fval = lambda v: landscape(v)[0]
wrong, right = np.array([-0.6, 0.3]), np.array([0.8, 0.3])
gd_wrong = P.optimizer_path(lambda p: po.optim.SGD(p, lr=0.2), lambda v: landscape(v)[1], wrong, 300)
gd_right = P.optimizer_path(lambda p: po.optim.SGD(p, lr=0.2), lambda v: landscape(v)[1], right, 300)
lb_wrong = po.minimize(landscape, wrong, method="lbfgs", jac=True, options={"return_path": True})
gx, gy = np.meshgrid(np.linspace(-5, 7, 601), np.linspace(-4, 4, 401))
grid_f = np.vectorize(lambda a, c: fval((a, c)))(gx, gy)
i = np.unravel_index(np.argmin(grid_f), grid_f.shape)
x_global = np.array([gx[i], gy[i]])
fig = P.contour_paths(fval, {"GD, wrong side": gd_wrong, "L-BFGS, wrong side": lb_wrong.path, "GD, right side": gd_right},
                      xlim=(-4, 5.5), ylim=(-3, 3), minimum=x_global,
                      title="Local descent follows the local slope (book 8.2.7)")
fig

# %%
v = np.array([0.3, -0.7]); e = np.array([1e-6, 0.0])   # the hand-written gradient is right
assert np.isclose((fval(v + e) - fval(v - e)) / 2e-6, landscape(v)[1][0], rtol=1e-6)
print(f"global (grid) f = {grid_f.min():.3f} at {x_global}; GD from the wrong side f = {fval(gd_wrong[-1]):.3f}, "
      f"L-BFGS f = {lb_wrong.fun:.3f}; GD from the right side f = {fval(gd_right[-1]):.3f}")
assert lb_wrong.success and np.linalg.norm(landscape(lb_wrong.x)[1]) < 1e-5     # a true local minimum ...
assert lb_wrong.fun > grid_f.min() + 0.5 and fval(gd_wrong[-1]) > grid_f.min() + 0.5   # ... in the worse basin
assert lb_wrong.x[0] < 0 and gd_wrong[-1][0] < 0
assert abs(fval(gd_right[-1]) - grid_f.min()) < 1e-3                          # the other side finds it

# %% [markdown]
# ## 8.2.8 Theoretical limits of optimization
#
# Several results bound what *any* optimization algorithm can promise for neural networks (book 8.2.8):
#
# * Training is intractable in the worst case: finding the weights of even a 3-node network that fit a
#   set of examples is NP-complete (Blum & Rivest, 1992); loading a net of fixed architecture with data
#   is NP-complete too (Judd, 1989).
# * Such results concern *exact* solutions, or specific small architectures. In practice we need a
#   *good enough* point, not the global minimum (8.2.2), and a larger network has many more parameter
#   settings that reach an acceptable cost, which is why the limits rarely bite.
# * No-free-lunch theorems for optimization (Wolpert & Macready, 1997): averaged over all problems, no
#   algorithm beats another; an algorithm is good only relative to a class of problems (see the
#   ranking change in 8.5.4).
#
# Developing realistic bounds on the performance of optimization algorithms for neural networks is
# still an open research question; nothing in this notebook can assert it, so this section is prose.

# %% [markdown]
# ## Exercises
#
# 1. Re-run the CurvatureMonitor cell with `lr=0.5` and with momentum. How often is
#    `increase_predicted` true? Does the loss still fall?
# 2. Start the saddle example at (1, 0): why does gradient descent now converge to the saddle?
# 3. For the cliff, clip by value instead (`po.optim.clip_grad_value_`). Is the direction kept?
