"""Worked solutions to the exercises of notebooks/ko/ch08_4_initialization (Korean edition; build: python notebooks/solutions/_build.py)."""
# %% [markdown]
# # 연습 문제 풀이: 8.4 매개변수 초기화
#
# `ch08_4_initialization.ipynb`의 연습 문제를 하나씩 풀어 봅니다. 각 `assert`는 측정값을 독립적인 예측과 비교합니다.

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
# ## 연습 문제 1: tanh 대신 ReLU
#
# h' = ReLU(hW)에서 W의 분산이 v이고 입력 개수(fan-in)가 n이면 E[h'²] = ½ n v E[h²]입니다(사전 활성값의 절반이 잘려
# 나가니까요). He의 v = 2/n은 2차 모멘트를 유지하지만, Glorot의 v = 2/(n + n) = 1/n은 층마다 그것을 절반으로 줄입니다.
# 그래서 20층을 지나면 제곱 평균 제곱근(RMS)이 (½)^(20/2) ≈ 1e-3배로 줄어듭니다.

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
# ## 연습 문제 2: Wᵀ를 20번 거치는 역전파
#
# 선형 층을 거꾸로 전파할 때마다 그래디언트(gradient)에 Wᵀ가 곱해지므로, 그 노름의 제곱은 층마다 대략 n_out·v배가
# 됩니다. 직교(orthogonal) W는 노름을 정확히 유지하고, Glorot(정사각 층에서 v = 1/n)은 평균적으로 유지하며, He(v = 2/n)는
# 매번 노름의 제곱을 두 배로 만들고, N(0, 0.01²)은 노름을 줄입니다.

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
# ## 연습 문제 3: tanh 신경망에 이득 1인 직교 초기화
#
# 직교 W는 ‖h‖를 유지하지만, tanh는 축소 사상입니다. z ≠ 0이면 |tanh z| < |z|이므로 층마다 활성값이 조금씩 줄어들고,
# 그 손실이 층을 거듭하며 쌓입니다. 이득(gain) 5/3(`calculate_gain("tanh")`)은 1보다 작은 tanh의 기울기를 보상합니다.
# 측정해 보면 이득 1에서는 표준편차가 층마다 줄어듭니다.

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
