"""Worked solutions to the exercises of notebooks/ko/ch07_12_dropout (Korean edition; build: python notebooks/solutions/_build.py)."""
# %% [markdown]
# # 연습 문제 풀이: 7.12 드롭아웃
#
# `ch07_12_dropout.ipynb`의 연습 문제를 하나씩 풀어 봅니다. 모든 `assert`는 하위 신경망(sub-network)을 빠짐없이
# 나열해 얻은 값(또는 측정값)을, 그것이 확인하려는 식이나 pyoptim 함수와 비교합니다.

# %%
import itertools

import numpy as np
import pyoptim as po
from pyoptim import nn

P = po.plot
R = po.regularization
SEED = 0
rng = np.random.default_rng(SEED)
n, k = 8, 3
W = rng.standard_normal((n, k))
b = rng.standard_normal(k)
Xq = rng.standard_normal((5, n))


def log_softmax(z):
    z = z - z.max(axis=-1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=-1, keepdims=True))


def geometric_mean(model, p):
    """The renormalized geometric mean over all 2ⁿ input masks, each weighted by its probability."""
    log_mean = 0.0
    for d in itertools.product([0.0, 1.0], repeat=n):
        d = np.array(d)
        prob = np.prod(np.where(d == 1.0, 1 - p, p))
        log_mean = log_mean + prob * log_softmax(model(Xq * d))
    return np.exp(log_softmax(log_mean))

# %% [markdown]
# ## 연습 문제 1: p = 0.2
#
# 유지 확률이 1 − p이면 마스크들이 더는 같은 확률로 나오지 않습니다. 그래서 기하 평균(geometric mean)은 각
# 마스크에 P(d) = Π (1 − p)^{dᵢ} p^{1 − dᵢ}의 가중치를 줍니다. 각 하위 모델의 소프트맥스에 로그를 취하면, 클래스와
# 무관한 로그 정규화 상수를 빼고는 d에 대해 선형입니다. 따라서 가중 평균은
# softmax(E_d[Wᵀ(d ⊙ x)] + b) = softmax((1 − p)Wᵀx + b)가 되고, 가중치 스케일링(weight scaling)은 여전히 정확합니다.

# %%
linear = lambda X: X @ W + b               # noqa: E731
geo = geometric_mean(linear, 0.2)
assert np.allclose(geo, R.geometric_mean_ensemble(W, b, Xq, p=0.2), atol=1e-12)
assert np.allclose(geo, R.weight_scaling_predict(W, b, Xq, p=0.2), atol=1e-12)      # exact
assert np.allclose(geo, np.exp(log_softmax(0.8 * Xq @ W + b)), atol=1e-12)
print("p = 0.2, largest |geometric mean − weight scaling|:",
      np.abs(geo - R.weight_scaling_predict(W, b, Xq, p=0.2)).max())

# %% [markdown]
# ## 연습 문제 2: tanh 은닉층 하나
#
# softmax(tanh(Wᵀ₁(d ⊙ x)) W₂ + b)에서는 로짓이 더는 d에 대해 선형이 아닙니다. 그러므로
# E_d[tanh(·)] ≠ tanh(E_d[·])이고, 가중치 스케일링(입력에 1 − p를 한 번 곱하기)은 기하 평균의 근사일 뿐입니다.
# 마스크 256개 전부에 대해 그 차이를 재 봅시다.

# %%
W1 = rng.standard_normal((n, 6))
W2 = rng.standard_normal((6, k))
hidden = lambda X: np.tanh(X @ W1) @ W2 + b          # noqa: E731
gaps = {}
for p in (0.2, 0.5):
    geo_h = geometric_mean(hidden, p)
    scaled = np.exp(log_softmax(hidden((1 - p) * Xq)))
    gaps[p] = np.abs(geo_h - scaled).max()
    lin_gap = np.abs(geometric_mean(linear, p) - np.exp(log_softmax(linear((1 - p) * Xq)))).max()
    print(f"p = {p}: gap with tanh {gaps[p]:.4f}, without (softmax regression) {lin_gap:.1e}")
    assert lin_gap < 1e-12 and gaps[p] > 1e-3           # exact without the tanh layer, not with it
assert gaps[0.5] > gaps[0.2]                            # more dropout, a larger gap

# %% [markdown]
# ## 연습 문제 3: 더 높은 학습률에서 드롭아웃과 최대 노름 함께 쓰기
#
# Hinton 등(2012)은 드롭아웃(dropout)에 각 유닛으로 들어오는 가중치의 최대 노름(max-norm) 제약을 함께 걸었습니다. 그러면
# 가중치가 커지지 않으므로 높은 학습률(learning rate)을 쓸 수 있습니다. 노트북의 MLP(드롭아웃 p = 0.5)를 ε = 0.1 대신
# ε = 0.3으로 학습하되, `MaxNorm(k, axis=0)`을 k = 3, k = 2로 걸 때와 걸지 않을 때를 비교합니다. 제약을 건 학습에서는
# 열 노름이 매 단계 뒤에 잰 값으로 늘 k 이하이고, 제약이 없으면 3을 넘어 커집니다. 테스트 정확도가 좋아지는지는
# k와 시드에 따라 다릅니다(여기서는 시드 하나뿐이니 숫자를 비교해 보고, 결론을 내리기 전에 여러 시드로 반복해
# 보세요). ε = 0.5에 모멘텀(momentum) 0.9를 쓰면 어느 경우든 학습이 실패합니다.

# %%
Xtr, Xte, ytr, yte = po.datasets.load_digits(test_size=0.5, seed=SEED)
Xtr, ytr = Xtr[:300], ytr[:300]
loss = nn.SoftmaxCrossEntropy()


class ColumnNorms(po.callbacks.Callback):
    def __init__(self):
        self.max_norm = []

    def on_batch_end(self, batch, logs):
        self.max_norm.append(max(np.linalg.norm(m.weight.data, axis=0).max()
                                 for m in self.trainer.model if isinstance(m, nn.Dense)))


acc, norms = {}, {}
runs = {"dropout": [], "dropout + MaxNorm(3)": [po.constraints.MaxNorm(3.0, axis=0)],
        "dropout + MaxNorm(2)": [po.constraints.MaxNorm(2.0, axis=0)]}
for name, cons in runs.items():
    net = nn.Sequential(nn.Dense(64, 256, seed=1), nn.ReLU(), nn.Dropout(0.5, seed=2), nn.Dense(256, 10, seed=3))
    cb = ColumnNorms()
    po.fit(net, loss, po.optim.SGD(net.parameters(), lr=0.3, momentum=0.9), Xtr, ytr, epochs=20, batch_size=30,
           constraints=cons, callbacks=[cb], progress=False, seed=SEED)
    acc[name] = po.evaluate(net, loss, Xte, yte)["accuracy"]
    norms[name] = cb.max_norm
print({k: round(v, 3) for k, v in acc.items()})
fig = P.curves(norms, xlabel="step", ylabel="largest column norm", logy=True,
               title="Dropout at ε = 0.3: max-norm keeps the weights bounded")
fig

# %%
assert max(norms["dropout + MaxNorm(3)"]) <= 3.0 * (1 + 1e-6) and max(norms["dropout + MaxNorm(2)"]) <= 2.0 * (1 + 1e-6)
assert max(norms["dropout"]) > 3.0
assert min(acc.values()) > 0.8                  # every run learns at this rate
