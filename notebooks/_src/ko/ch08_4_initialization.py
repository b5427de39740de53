"""Source of notebooks/ko/ch08_4_initialization.ipynb (Korean edition; build: python notebooks/_build.py)."""
# %%
import importlib.util, subprocess, sys; importlib.util.find_spec("pyoptim") or subprocess.check_call([sys.executable, "-m", "pip", "install", "-q", "pyoptim-dlbook[hosted]"])  # hosted notebooks (Colab): install pyoptim

# %% [markdown]
# # 8.4 파라미터 초기화 전략
#
# *Deep Learning* 8.4절. 초기 가중치는 유닛들 사이의 대칭을 깨뜨려야 하고, 활성값(순방향)과 그래디언트(gradient,
# 역방향)의 크기를 층에서 층으로 대략 일정하게 유지해야 합니다. 각 주제는 설명, NumPy, pyoptim, 그림, `assert`
# 순서로 다룹니다.
#
# | 책 | pyoptim |
# |---|---|
# | 정규화된 초기화(normalized initialization) U(−√(6/(m+n)), √(6/(m+n))) (식 8.23) | `po.nn.init.glorot_uniform_`, `Dense(init="glorot_uniform")` |
# | 가우스 분포 변형, ReLU용 He 초기화 | `glorot_normal_`, `he_normal_`, `he_uniform_` |
# | 이득(gain)을 곱한 무작위 직교 행렬 (Saxe et al.) | `po.nn.init.orthogonal_(W, gain)` |
# | 희소 초기화(sparse initialization, Martens) | `po.nn.init.sparse_(W, k)` |
# | 주변 통계로 정한 출력 편향 | `po.nn.init.output_bias_from_marginals(b, y)` |

# %%
import numpy as np
import pyoptim as po
from pyoptim import nn

P = po.plot
init = po.nn.init
SEED = 0

# %% [markdown]
# ## 초기 가중치의 분산
#
# Glorot과 Bengio의 정규화된 초기화는 W ~ U(−a, a), a = √(6/(m + n))으로 가중치를 뽑습니다. 그러면
# Var(W) = a²/3 = 2/(m + n)이 되는데, 이는 순방향 분산을 유지하는 값(Var = 1/m)과 역방향 분산을 유지하는 값
# (Var = 1/n) 사이의 절충입니다. NumPy로:

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
# 무작위 직교 행렬은 모든 벡터의 노름을 보존합니다. `orthogonal_`은 여기에 이득을 곱합니다.
# 희소 초기화는 모든 유닛(W의 열 하나; W의 배치는 (입력, 출력))에 0이 아닌 입력 가중치를 정확히 k개씩 주므로, 층의
# 폭이 넓어져도 유닛에 들어가는 입력의 합이 작아지지 않습니다.

# %%
Q = np.empty((256, 256))
init.orthogonal_(Q, gain=1.0, rng=np.random.default_rng(SEED))
assert np.allclose(Q.T @ Q, np.eye(256), atol=1e-10)
S = np.empty((300, 50))
init.sparse_(S, k=15, rng=np.random.default_rng(SEED))
assert np.all((S != 0).sum(axis=0) == 15)

# %% [markdown]
# ## 깊이에 따른 활성값
#
# 폭 256인 tanh 층 20개에 배치 하나를 통과시키며 각 층 출력의 표준편차를 추적합니다. 크기가 너무 작으면
# (N(0, 0.01²)) 표준편차가 기하급수적으로 무너지고(그래디언트도 함께 무너집니다), Glorot 초기화는 쓸모 있는 범위에
# 머물게 하며, tanh의 이득 5/3을 곱한 직교 초기화는 거의 일정하게 유지합니다. *선형* 신경망이라면 직교 행렬 W는
# 노름을 정확히 보존합니다.

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
# pyoptim의 층으로도 같은 결과를 얻습니다. `Dense(init=...)`는 시드를 받아 이 함수들로 가중치를 뽑습니다.

# %%
net = nn.Sequential(*[m for i in range(8) for m in (nn.Dense(width, width, init="orthogonal", seed=i,
                                                              dtype=np.float64), nn.Tanh())])
h = X
for layer in net:
    h = layer(h)
print(f"std after 8 Dense(init='orthogonal') + tanh layers: {h.std():.3f}")
assert h.std() > 0.1

# %% [markdown]
# ## 출력 편향
#
# 출력층의 편향을, 가중치가 0일 때 모델이 클래스의 주변 빈도(marginal frequency)를 예측하도록 초기화합니다:
# b_k = log c_k (책 8.4). 그러면 초기 손실은 log K가 아니라 레이블의 엔트로피가 됩니다.

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
# ## 연습문제
#
# 1. `activation_stds`에서 tanh를 ReLU로 바꿔 보세요. 이제 어느 초기화가 크기를 유지합니까? (He 초기화입니다.)
# 2. 역방향: 그래디언트에 Wᵀ를 20번 곱해 보세요. 어느 초기화가 그래디언트의 노름을 유지합니까?
# 3. tanh 신경망에서 이득 1로 직교 초기화를 해 보세요. 크기가 왜 줄어듭니까?
