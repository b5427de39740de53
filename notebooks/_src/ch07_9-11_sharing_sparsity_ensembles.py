"""Source of notebooks/ch07_9-11_sharing_sparsity_ensembles.ipynb (build: python notebooks/_build.py)."""
# %%
import importlib.util, subprocess, sys; importlib.util.find_spec("pyoptim") or subprocess.check_call([sys.executable, "-m", "pip", "install", "-q", "pyoptim-dlbook[hosted]"])  # hosted notebooks (Colab): install pyoptim

# %% [markdown]
# # 7.9 Parameter tying and sharing · 7.10 Sparse representations · 7.11 Bagging and ensembles
#
# *Deep Learning*, sections 7.9–7.11. Priors expressed through parameters (tie them, share them),
# through activations (make them sparse), and averaging many models (ensembles).
#
# | book | pyoptim |
# |---|---|
# | tying penalty Ω = ‖w⁽ᴬ⁾ − w⁽ᴮ⁾‖² (eq. 7.28) | `po.regularizers.Tying(param_a, param_b, alpha)` |
# | parameter sharing | one `po.nn.Parameter` used in two places (`layer_b.weight = layer_a.weight`) |
# | representational sparsity α‖h‖₁ (eq. 7.47) | `po.regularizers.ActivityL1(alpha)`, a layer placed after the activation |
# | ensemble error v/k + (k − 1)c/k (eq. 7.50) | `po.regularization.ensemble_expected_error(v, c, k)` |
# | bagging | `po.regularization.Bagging(make_model, k, seed)` |

# %%
import numpy as np
import pyoptim as po
from pyoptim import nn

P = po.plot
R = po.regularization
SEED = 0
Xtr, Xte, ytr, yte = po.datasets.load_digits(test_size=0.3, seed=SEED)
loss = nn.SoftmaxCrossEntropy()

# %% [markdown]
# ## 7.9 Parameter tying and sharing
#
# *Tying* two models' parameters adds α‖w⁽ᴬ⁾ − w⁽ᴮ⁾‖², whose gradient is 2α(w⁽ᴬ⁾ − w⁽ᴮ⁾) for A and the
# opposite for B:

# %%
a = nn.Dense(4, 3, seed=1, dtype=np.float64)
b = nn.Dense(4, 3, seed=2, dtype=np.float64)
tie = po.regularizers.Tying(a.weight, b.weight, alpha=0.5)
diff = a.weight.data - b.weight.data


def tie_penalty_at(wa, wb):
    """pyoptim's tying penalty with the two weight matrices set to wa and wb."""
    saved = a.weight.data.copy(), b.weight.data.copy()
    a.weight.data[...], b.weight.data[...] = wa, wb
    try:
        return tie.penalty(None)
    finally:
        a.weight.data[...], b.weight.data[...] = saved


def central_differences(fun, v, h=1e-5):
    g = np.zeros_like(v)
    for i in np.ndindex(v.shape):
        e = np.zeros_like(v)
        e[i] = h
        g[i] = (fun(v + e) - fun(v - e)) / (2 * h)
    return g


wa0, wb0 = a.weight.data.copy(), b.weight.data.copy()
fd_a = central_differences(lambda v: tie_penalty_at(v, wb0), wa0)
fd_b = central_differences(lambda v: tie_penalty_at(wa0, v), wb0)
# the penalty: zero when the weights are tied, and its numerical slope is the hand-derived 2α(w⁽ᴬ⁾ − w⁽ᴮ⁾)
assert tie_penalty_at(wb0, wb0) == 0.0 and np.allclose(fd_a, 2 * 0.5 * diff, rtol=1e-7, atol=1e-10)
ga, gb = tie.grad(None)
assert np.allclose(ga, fd_a, rtol=1e-7, atol=1e-10) and np.allclose(gb, fd_b, rtol=1e-7, atol=1e-10)   # Tying.grad vs finite differences

# %% [markdown]
# *Sharing* goes further: one Parameter is used in two places (as convolutions do across positions).
# Backpropagation then *adds* the gradients of both uses. Checked by central differences:

# %%
first = nn.Dense(4, 4, seed=3, dtype=np.float64)
second = nn.Dense(4, 4, seed=4, dtype=np.float64)
second.weight = first.weight                               # the same Parameter object, used twice
net = nn.Sequential(first, nn.Tanh(), second)
Xs = np.random.default_rng(SEED).standard_normal((8, 4))
ys = np.random.default_rng(SEED + 1).standard_normal((8, 4))
mse = nn.MSELoss()
net.zero_grad()
mse.forward(net(Xs), ys)
net.backward(mse.backward())
W = first.weight
numeric = np.zeros_like(W.data)
h = 1e-6
for i in range(4):
    for j in range(4):
        old = W.data[i, j]
        W.data[i, j] = old + h
        up = mse.forward(net(Xs), ys)
        W.data[i, j] = old - h
        down = mse.forward(net(Xs), ys)
        W.data[i, j] = old
        numeric[i, j] = (up - down) / (2 * h)
print("max |backprop − finite differences| =", np.abs(W.grad - numeric).max())
assert np.allclose(W.grad, numeric, atol=1e-8)           # the gradient is the sum over both uses

# %% [markdown]
# ## 7.10 Sparse representations
#
# An L1 penalty on the *activations* h, α‖h‖₁, makes many hidden units exactly zero for each input
# (with a ReLU before it), while the weights stay dense. `ActivityL1(alpha)` is an identity layer
# that adds the penalty's subgradient α·sign(h)/B in the backward pass.

# %%
hidden = {}
for alpha in (0.0, 0.01, 0.05):
    layers = [nn.Dense(64, 64, seed=1), nn.ReLU()] + ([po.regularizers.ActivityL1(alpha)] if alpha else [])
    trunk = nn.Sequential(*layers)
    model = nn.Sequential(trunk, nn.Dense(64, 10, seed=2))
    regs = [layers[-1]] if alpha else []
    po.fit(model, loss, po.optim.Adam(model.parameters(), lr=0.005), Xtr, ytr, epochs=10, batch_size=32,
           regularizers=regs, progress=False, seed=SEED)
    trunk.eval()
    hidden[f"α = {alpha:g}"] = trunk(Xte).ravel()
    print(f"α = {alpha:g}: test accuracy {po.evaluate(model, loss, Xte, yte)['accuracy']:.3f}, "
          f"zero activations {np.mean(hidden[f'α = {alpha:g}'] == 0):.1%}")
fig = P.histograms(hidden, bins=40, xlabel="hidden activation h", logy=True,
                   title="Activation sparsity with an L1 penalty on h")
fig

# %%
zeros = [np.mean(v == 0) for v in hidden.values()]
assert zeros[0] < zeros[1] < zeros[2]                     # sparsity rises with the penalty

# %% [markdown]
# ## 7.11 Bagging and other ensemble methods
#
# If k models make errors εᵢ with variance v and covariance c, the average model's expected squared
# error is v/k + (k − 1)c/k (eq. 7.50): independent errors (c = 0) shrink like 1/k, perfectly
# correlated ones (c = v) not at all. Monte Carlo in NumPy:

# %%
rng = np.random.default_rng(SEED)
v, c, k_max = 1.0, 0.3, 10
cov = np.full((k_max, k_max), c) + (v - c) * np.eye(k_max)
errors = rng.multivariate_normal(np.zeros(k_max), cov, size=20_000)        # (draws, models)
ks = np.arange(1, k_max + 1)
measured = [np.mean(errors[:, :k].mean(axis=1) ** 2) for k in ks]
theory = [R.ensemble_expected_error(v, c, k) for k in ks]
assert np.allclose(measured, theory, rtol=0.05)

# %% [markdown]
# Bagging trains k networks on bootstrap resamples of the data (and, here, different initializations)
# and averages their predicted probabilities. The ensemble's test error falls with k, then levels off
# because the members' errors are correlated.

# %%
def make_model(i):
    return nn.Sequential(nn.Dense(64, 32, seed=10 + i), nn.ReLU(), nn.Dense(32, 10, seed=20 + i))


bag = R.Bagging(make_model, k=8, seed=SEED)
bag.fit(loss, lambda model: po.optim.Adam(model.parameters(), lr=0.01), Xtr[:500], ytr[:500], epochs=15, batch_size=32,
        progress=False)
probs = [R.softmax(out) for out in bag.member_predictions(Xte)]
ens_err = [np.mean(np.mean(probs[:k], axis=0).argmax(1) != yte) for k in range(1, 9)]
member_err = [np.mean(p.argmax(1) != yte) for p in probs]
fig = P.curves({"ensemble of the first k members": ens_err, "member k alone": member_err}, x=np.arange(1, 9),
               xlabel="k", ylabel="test error", title="Bagging: error vs number of members (500 digits)")
fig

# %%
assert ens_err[-1] < np.mean(member_err)                 # the ensemble beats the average member

# %% [markdown]
# ## Exercises
#
# 1. Use the measured member errors to estimate v and c for the bagged networks (treat the per-example
#    0-1 errors as random variables). Does eq. 7.50 predict the ensemble curve?
# 2. Share the weights of the two layers of a 2-layer linear autoencoder (tied weights, W and Wᵀ).
#    Which pyoptim feature do you need for the transpose?
# 3. Replace `ActivityL1` by an L1 penalty on the *weights* (`po.regularizers.L1`). Which of the two
#    gives sparse activations, which sparse weights?
