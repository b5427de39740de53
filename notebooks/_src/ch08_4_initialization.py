"""Source of notebooks/ch08_4_initialization.ipynb (build: python notebooks/_build.py)."""
# %%
import importlib.util, subprocess, sys; importlib.util.find_spec("pyoptim") or subprocess.check_call([sys.executable, "-m", "pip", "install", "-q", "pyoptim-dlbook[hosted]"])  # hosted notebooks (Colab): install pyoptim

# %% [markdown]
# # 8.4 Parameter initialization strategies
#
# *Deep Learning*, section 8.4. The initial weights must break the symmetry between units and keep
# the scale of the activations (forward) and of the gradients (backward) roughly constant from layer
# to layer. Each idea: words, NumPy, pyoptim, a figure, an `assert`.
#
# | book | pyoptim |
# |---|---|
# | normalized initialization U(−√(6/(m+n)), √(6/(m+n))) (eq. 8.23) | `po.nn.init.glorot_uniform_`, `Dense(init="glorot_uniform")` |
# | Gaussian variants, He for ReLU | `glorot_normal_`, `he_normal_`, `he_uniform_` |
# | random orthogonal matrices (Saxe et al.) with a gain | `po.nn.init.orthogonal_(W, gain)` |
# | sparse initialization (Martens) | `po.nn.init.sparse_(W, k)` |
# | output bias from the marginal statistics | `po.nn.init.output_bias_from_marginals(b, y)` |

# %%
import numpy as np
import pyoptim as po
from pyoptim import nn

P = po.plot
init = po.nn.init
SEED = 0

# %% [markdown]
# ## Variance of the initial weights
#
# Glorot and Bengio's normalized initialization draws W ~ U(−a, a) with a = √(6/(m + n)), so that
# Var(W) = a²/3 = 2/(m + n): a compromise between keeping the forward variance (Var = 1/m) and the
# backward variance (Var = 1/n). In NumPy:

# %%
m, n = 400, 200
a = np.sqrt(6 / (m + n))
W_np = np.random.default_rng(SEED).uniform(-a, a, size=(m, n))
W = np.empty((m, n))
init.glorot_uniform_(W, rng=np.random.default_rng(SEED))
print(f"variance: NumPy {W_np.var():.6f}, pyoptim {W.var():.6f}, formula 2/(m+n) = {2 / (m + n):.6f}")
assert abs(W.var() / (2 / (m + n)) - 1) < 0.02 and np.abs(W).max() <= a

init.he_normal_(W, rng=np.random.default_rng(SEED))          # He et al.: Var = 2 / fan_in, for ReLU
assert abs(W.var() / (2 / m) - 1) < 0.02
init.glorot_normal_(W, rng=np.random.default_rng(SEED))
assert abs(W.var() / (2 / (m + n)) - 1) < 0.02

# %% [markdown]
# A random orthogonal matrix keeps every vector's norm; `orthogonal_` multiplies it by a gain.
# Sparse initialization gives every unit (a column of W: the layout is (in, out)) exactly k non-zero
# incoming weights, so the total input does not shrink with the layer's width.

# %%
Q = np.empty((256, 256))
init.orthogonal_(Q, gain=1.0, rng=np.random.default_rng(SEED))
assert np.allclose(Q.T @ Q, np.eye(256), atol=1e-10)
S = np.empty((300, 50))
init.sparse_(S, k=15, rng=np.random.default_rng(SEED))
assert np.all((S != 0).sum(axis=0) == 15)

# %% [markdown]
# ## Activations through depth
#
# Push a batch through 20 tanh layers of width 256 and follow the standard deviation of each layer's
# output. With too small a scale (N(0, 0.01²)) it collapses geometrically (the gradients with it);
# Glorot keeps it in a useful range; orthogonal with tanh's gain 5/3 keeps it close to constant. For
# a *linear* net, an orthogonal W preserves the norm exactly.

# %%
depth, width = 20, 256
X = np.random.default_rng(SEED).standard_normal((500, width))


def activation_stds(fill, activation=np.tanh):
    rng = np.random.default_rng(SEED)
    h, stds = X, []
    for _ in range(depth):
        W = np.empty((width, width))
        fill(W, rng)
        h = activation(h @ W)
        stds.append(h.std())
    return np.array(stds)


inits = {
    "N(0, 0.01²)": lambda W, rng: W.__setitem__(..., rng.normal(0, 0.01, W.shape)),
    "Glorot uniform": lambda W, rng: init.glorot_uniform_(W, rng=rng),
    "orthogonal, gain 5/3": lambda W, rng: init.orthogonal_(W, gain=init.calculate_gain("tanh"), rng=rng),
    "He normal (meant for ReLU)": lambda W, rng: init.he_normal_(W, rng=rng),
}
stats = {name: activation_stds(fill) for name, fill in inits.items()}
fig = P.activation_stats(stats, title="tanh net, width 256: activation std by layer")
fig

# %%
assert stats["N(0, 0.01²)"][-1] < 1e-10                              # collapses
assert stats["Glorot uniform"][-1] > 0.05                            # kept in a useful range
assert 0.5 < stats["orthogonal, gain 5/3"][-1] / stats["orthogonal, gain 5/3"][0] < 1.5
linear = activation_stds(lambda W, rng: init.orthogonal_(W, rng=rng), activation=lambda z: z)
assert np.allclose(linear, X.std(), rtol=0.02)                       # linear + orthogonal: exactly kept

# %% [markdown]
# The same with pyoptim's layers: `Dense(init=...)` draws with these functions and a seed.

# %%
net = nn.Sequential(*[m for i in range(8) for m in (nn.Dense(width, width, init="orthogonal", seed=i,
                                                              dtype=np.float64), nn.Tanh())])
h = X
for layer in net:
    h = layer(h)
print(f"std after 8 Dense(init='orthogonal') + tanh layers: {h.std():.3f}")
assert h.std() > 0.1

# %% [markdown]
# ## The output bias
#
# Initialize the output layer's bias so that, with zero weights, the model predicts the marginal
# class frequencies: b_k = log c_k (book 8.4). The initial loss is then the entropy of the labels
# instead of log K.

# %%
y = np.random.default_rng(SEED).choice(4, size=1000, p=[0.7, 0.2, 0.05, 0.05])
b = np.zeros(4)
init.output_bias_from_marginals(b, y)
c = np.bincount(y, minlength=4) / len(y)
assert np.allclose(np.exp(b) / np.exp(b).sum(), c)
loss = nn.SoftmaxCrossEntropy()
logits = np.tile(b, (len(y), 1))
print(f"initial loss {loss.forward(logits, y):.3f} vs log K = {np.log(4):.3f}")
assert loss.forward(logits, y) < np.log(4)

# %% [markdown]
# ## Exercises
#
# 1. Replace tanh by ReLU in `activation_stds`: which initialization keeps the scale now? (He's.)
# 2. Backward: multiply a gradient by Wᵀ 20 times. Which initialization keeps the gradient's norm?
# 3. Try the orthogonal initialization with gain 1 on the tanh net. Why does the scale decay?
