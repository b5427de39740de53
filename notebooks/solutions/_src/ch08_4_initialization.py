"""Worked solutions to the exercises of notebooks/ch08_4_initialization (build: python notebooks/solutions/_build.py)."""
# %% [markdown]
# # Solutions: 8.4 Parameter initialization
#
# Each exercise of `ch08_4_initialization.ipynb`, solved, with asserts that compare a measurement with
# an independent prediction.

# %%
import numpy as np
import pyoptim as po

P = po.plot
init = po.nn.init
SEED = 0
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
    "Glorot uniform": lambda W, rng: init.glorot_uniform_(W, rng=rng),
    "He normal": lambda W, rng: init.he_normal_(W, rng=rng),
    "orthogonal, gain 1": lambda W, rng: init.orthogonal_(W, gain=1.0, rng=rng),
}
relu = lambda z: np.maximum(z, 0.0)          # noqa: E731

# %% [markdown]
# ## Exercise 1: ReLU instead of tanh
#
# For h' = ReLU(hW) with W of variance v and fan-in n, E[h'²] = ½ n v E[h²] (half the pre-activations
# are cut). He's v = 2/n keeps the second moment; Glorot's v = 2/(n + n) = 1/n halves it at every
# layer, so after 20 layers the root mean square falls by (½)^(20/2) ≈ 1e-3.

# %%
rms = {name: [] for name in inits}
for name, fill in inits.items():
    rng = np.random.default_rng(SEED)
    h = X
    for _ in range(depth):
        W = np.empty((width, width))
        fill(W, rng)
        h = relu(h @ W)
        rms[name].append(np.sqrt(np.mean(h ** 2)))
rms = {k: np.array(v) for k, v in rms.items()}
fig = P.activation_stats(rms, ylabel="rms of activations", title="ReLU net: He keeps the scale")
fig

# %%
predicted = {"He normal": 1.0, "Glorot uniform": 0.5 ** 0.5}          # per-layer factor of the rms
for name, factor in predicted.items():
    measured = (rms[name][-1] / rms[name][0]) ** (1 / (depth - 1))
    print(f"{name}: measured factor per layer {measured:.3f}, predicted {factor:.3f}")
    assert abs(measured - factor) < 0.03
assert 0.3 < rms["He normal"][-1] / rms["He normal"][0] < 3          # He keeps the scale
assert rms["Glorot uniform"][-1] / rms["Glorot uniform"][0] < 3e-3   # Glorot loses it

# %% [markdown]
# ## Exercise 2: backward through Wᵀ, 20 times
#
# Backpropagation through a linear layer multiplies the gradient by Wᵀ: its squared norm is scaled by
# about n_out·v per layer. An orthogonal W keeps it exactly; Glorot (v = 1/n for a square layer)
# keeps it on average; He (v = 2/n) doubles the squared norm each time; N(0, 0.01²) shrinks it.

# %%
g0 = np.random.default_rng(1).standard_normal(width)
backward = {}
for name, fill in {**inits, "N(0, 0.01²)": lambda W, rng: W.__setitem__(..., rng.normal(0, 0.01, W.shape))}.items():
    rng = np.random.default_rng(SEED)
    g, norms = g0.copy(), []
    for _ in range(depth):
        W = np.empty((width, width))
        fill(W, rng)
        g = W.T @ g
        norms.append(np.linalg.norm(g) / np.linalg.norm(g0))
    backward[name] = np.array(norms)
fig = P.activation_stats(backward, ylabel="‖g‖ / ‖g₀‖", title="Gradient norm through 20 × Wᵀ")
fig

# %%
assert np.allclose(backward["orthogonal, gain 1"], 1.0, rtol=1e-10)           # exactly kept
assert 0.5 < backward["Glorot uniform"][-1] < 2.0                              # kept on average
he = backward["He normal"][-1] ** (1 / depth)
assert abs(he - np.sqrt(2.0)) < 0.05                                           # √(n·2/n) per layer
assert backward["N(0, 0.01²)"][-1] < (0.01 * np.sqrt(width)) ** depth * 10     # 0.16 per layer

# %% [markdown]
# ## Exercise 3: orthogonal with gain 1 on the tanh net
#
# An orthogonal W keeps ‖h‖, but tanh is a contraction: |tanh z| < |z| for z ≠ 0, so every layer
# shrinks the activations a little, and the losses compound. The gain 5/3 (`calculate_gain("tanh")`)
# compensates tanh's slope below 1. Measured: the std falls at every layer with gain 1.

# %%
gain1 = activation_stds(lambda W, rng: init.orthogonal_(W, gain=1.0, rng=rng))
gain53 = activation_stds(lambda W, rng: init.orthogonal_(W, gain=5 / 3, rng=rng))
fig = P.activation_stats({"orthogonal, gain 1": gain1, "orthogonal, gain 5/3": gain53},
                         title="tanh net: gain 1 decays")
fig

# %%
assert np.all(np.diff(gain1) < 0)                                       # shrinks at every layer
assert gain1[-1] < 0.5 * gain1[0]
# independently: a linear net with the same orthogonal matrices keeps the std exactly
linear = activation_stds(lambda W, rng: init.orthogonal_(W, gain=1.0, rng=rng), activation=lambda z: z)
assert np.allclose(linear, X.std(), rtol=0.02)
assert gain53[-1] > 2 * gain1[-1]
