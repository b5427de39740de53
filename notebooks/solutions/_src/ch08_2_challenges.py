"""Worked solutions to the exercises of notebooks/ch08_2_challenges (build: python notebooks/solutions/_build.py)."""
# %% [markdown]
# # Solutions: 8.2 Challenges in neural network optimization
#
# Each exercise of `ch08_2_challenges.ipynb`, solved; the asserts compare a second-order prediction
# with the cost actually evaluated, or pyoptim with a NumPy computation.

# %%
import numpy as np
import pyoptim as po
from pyoptim import nn

P = po.plot
D = po.diagnostics
SEED = 0

# %% [markdown]
# ## Exercise 1: the curvature monitor at ε = 0.5, with and without momentum
#
# The notebook's full-batch run (500 digits, 64-64-64-10 tanh network, squared error), shortened to
# 300 steps. `increase_predicted` is the book's test ½ε²gᵀHg > εgᵀg for a plain gradient step;
# `increase_actual` evaluates J after the step the optimizer actually took. Without momentum the step
# *is* −εg, so the prediction and the evaluation agree on most steps; with momentum the step is
# −ε(g + αb), the test no longer describes it and the two part more often. In both runs the loss still
# falls overall: single steps that raise the cost are compensated by the others (edge of stability).

# %%
Xtr, Xte, ytr, yte = po.datasets.load_digits(test_size=0.3, seed=SEED)
Xe = Xtr[:500].astype(np.float64)
Ye = np.eye(10)[ytr[:500]]
runs = {}
for name, momentum in (("ε = 0.5", 0.0), ("ε = 0.5, momentum 0.5", 0.5)):
    net = nn.Sequential(nn.Dense(64, 64, seed=1, dtype=np.float64), nn.Tanh(),
                        nn.Dense(64, 64, seed=3, dtype=np.float64), nn.Tanh(),
                        nn.Dense(64, 10, seed=2, dtype=np.float64))
    curv = D.CurvatureMonitor(every=5)
    hist = po.fit(net, nn.MSELoss(), po.optim.SGD(net.parameters(), lr=0.5, momentum=momentum), Xe, Ye,
                  epochs=300, batch_size=None, shuffle=False, callbacks=[curv], progress=False, seed=SEED)
    runs[name] = (hist.history["loss"], curv.history)

for name, (loss_hist, h) in runs.items():
    pred = np.asarray(h["increase_predicted"])
    act = np.asarray(h["increase_actual"])
    agree = np.mean(pred == act)
    print(f"{name}: increase predicted on {pred.mean():.0%} of the monitored steps, actual on {act.mean():.0%}, "
          f"agreement {agree:.0%}; loss {loss_hist[0]:.3f} -> {loss_hist[-1]:.3f}")
    assert loss_hist[-1] < 0.5 * loss_hist[0]                         # the loss still falls
plain_h, mom_h = runs["ε = 0.5"][1], runs["ε = 0.5, momentum 0.5"][1]
agree_plain = np.mean(np.asarray(plain_h["increase_predicted"]) == np.asarray(plain_h["increase_actual"]))
agree_mom = np.mean(np.asarray(mom_h["increase_predicted"]) == np.asarray(mom_h["increase_actual"]))
assert agree_plain > 0.8 and agree_mom < agree_plain
fig = P.curves({n: l for n, (l, _) in runs.items()}, xlabel="step", ylabel="loss", logy=True,
               title="Full-batch training at ε = 0.5")
fig

# %% [markdown]
# ## Exercise 2: the saddle from (1, 0)
#
# On f(x, y) = x² − y² the gradient is (2x, −2y). Started on the line y = 0 the y component of the
# gradient is exactly 0 at every step, so gradient descent never leaves the line and converges to the
# saddle (0, 0), the minimum of f *restricted to that line*. The escaping direction y has to be excited;
# the slightest perturbation (y = 10⁻⁸) is amplified by (1 + 2ε) per step and gradient descent escapes.

# %%
s = po.functions.saddle()
on_line = P.optimizer_path(lambda p: po.optim.SGD(p, lr=0.1), s, [1.0, 0.0], 100)
perturbed = P.optimizer_path(lambda p: po.optim.SGD(p, lr=0.1), s, [1.0, 1e-8], 100)
assert np.all(on_line[:, 1] == 0.0) and np.allclose(on_line[-1], [0.0, 0.0], atol=1e-8)
# NumPy: x_k = 0.8^k, y_k = 1.2^k · 10⁻⁸
k = np.arange(101)
np.testing.assert_allclose(perturbed[:, 0], 0.8 ** k, rtol=1e-12)
np.testing.assert_allclose(perturbed[:, 1], 1e-8 * 1.2 ** k, rtol=1e-9)
assert abs(perturbed[-1, 1]) > 0.5
fig = P.contour_paths(s, {"from (1, 0)": on_line, "from (1, 1e-8)": perturbed}, xlim=(-1.5, 1.5), ylim=(-1.5, 1.5),
                      title="Gradient descent from the saddle's stable line")
fig

# %% [markdown]
# ## Exercise 3: clipping by value at the cliff
#
# `clip_grad_value_` clips each component to [−c, c] independently. When the components of the
# gradient are not all clipped by the same factor the direction changes: at the cliff's wall the
# huge x component is cut to c while the small y component stays, so the clipped gradient turns
# towards y. Norm clipping scales the whole vector and keeps the direction.

# %%
cliff = po.functions.cliff()
x_wall = np.array([cliff.c if hasattr(cliff, "c") else 1.0, 0.3])
g = cliff.grad(x_wall)
g_val = g.copy()
po.optim.clip_grad_value_([g_val], clip_value=1.0)
g_norm = g.copy()
po.optim.clip_grad_norm_([g_norm], max_norm=1.0)
np.testing.assert_array_equal(g_val, np.clip(g, -1.0, 1.0))                    # NumPy
cos = lambda a, b: a @ b / (np.linalg.norm(a) * np.linalg.norm(b))        # noqa: E731
angle = np.degrees(np.arccos(np.clip(cos(g_val, g), -1, 1)))
print(f"gradient at the wall {g}, value-clipped {g_val}: turned by {angle:.1f}°; norm-clipped {g_norm}")
assert np.isclose(cos(g_norm, g), 1.0) and angle > 5.0
