"""Source of notebooks/ko/ch07_12_dropout.ipynb (Korean edition; build: python notebooks/_build.py)."""
# %%
import importlib.util, subprocess, sys; importlib.util.find_spec("pyoptim") or subprocess.check_call([sys.executable, "-m", "pip", "install", "-q", "pyoptim-dlbook[hosted]"])  # hosted notebooks (Colab): install pyoptim

# %% [markdown]
# # 7.12 드롭아웃
#
# *Deep Learning* 책의 7.12절(식 7.52–7.66)입니다. 드롭아웃(dropout)은 유닛을 제거해서 얻을 수 있는 모든
# 부분 신경망의 앙상블을, 매개변수를 공유한 채로 학습합니다. 테스트 때에는 가중치 스케일링 추론 규칙(weight
# scaling inference rule)이 앙상블의 (기하 평균) 예측을 한 번의 순전파로 근사하며, 소프트맥스 회귀에서는
# 이 근사가 정확합니다.
#
# | 책 | pyoptim |
# |---|---|
# | 마스크 μ, 유닛을 *포함할* 확률 | `po.nn.Dropout(p, seed)`: p는 *버릴* 확률(torch의 관례)이고, 유지 확률 = 1 − p |
# | 역드롭아웃(inverted dropout) (학습 때 1/(1 − p)배로 조정) | `Dropout(p, inverted=True)` (기본값) |
# | 책의 형태 + 가중치 스케일링 추론 (식 7.66) | `Dropout(p, inverted=False)`; `po.regularization.weight_scaling_predict` |
# | 산술 평균 앙상블 (식 7.54) | `po.regularization.mc_predict(model, X, k)` |
# | 2ⁿ개 마스크 전체에 대해 다시 정규화한 기하 평균 (식 7.56–7.58) | `po.regularization.geometric_mean_ensemble` |

# %%
import itertools

import numpy as np
import pyoptim as po
from pyoptim import nn

P = po.plot
R = po.regularization
SEED = 0

# %% [markdown]
# ## 마스크
#
# 학습 중에는 각 유닛이 확률 1 − p로 서로 독립적으로 유지됩니다. NumPy로는 `rng.random(shape) >= p`입니다.
# pyoptim은 시드를 준 카운터 기반 난수열로 C에서 마스크를 뽑습니다(스레드 수와 상관없이, 같은 시드에서는
# 같은 마스크가 나옵니다).

# %%
drop = nn.Dropout(p=0.5, seed=SEED)
masks = drop.mask((12, 40), counter=0)
fig = P.dropout_masks(masks, p=0.5)
fig

# %%
big = nn.Dropout(p=0.3, seed=SEED).mask((1000, 1000), counter=0)
keep = big.mean()
se = np.sqrt(0.7 * 0.3 / big.size)
print(f"keep rate {keep:.5f}, expected 0.7 ± {se:.5f}")
assert abs(keep - 0.7) < 5 * se                               # mask keep rate matches 1 − p

# inverted dropout keeps the expected activation: E[x ⊙ m/(1 − p)] = x
x = np.full((1, 50_000), 2.0, dtype=np.float32)
layer = nn.Dropout(p=0.3, seed=1)
layer.train()
y = layer(x)
assert set(np.unique(y)) <= {0.0, np.float32(2.0 / 0.7)} and abs(y.mean() - 2.0) < 0.05
layer.eval()
assert np.array_equal(layer(x), x)                             # identity at test time

# %% [markdown]
# ipywidgets가 있으면 p를 슬라이더로 바꿔 볼 수 있습니다.

# %%
P.interactive_dropout(40, 12, p=0.5, seed=SEED)

# %% [markdown]
# ## 소프트맥스 회귀에서는 가중치 스케일링 = 기하 평균 앙상블
#
# n개의 입력에 드롭아웃을 건 소프트맥스 회귀 모델 P(y | x) = softmax(Wᵀx + b)는 마스크 d 하나마다 하나씩,
# 2ⁿ개의 부분 모델을 정의합니다. p = 0.5일 때 앙상블의 다시 정규화한 기하 평균(식 7.56–7.58)
# p̃(y | x) ∝ (Π_d P(y | x, d))^(1/2ⁿ)은 softmax((1 − p)Wᵀx + b)와 정확히 같습니다. 이것이 가중치 스케일링
# 규칙입니다. NumPy로 2ⁿ개 마스크를 모두 나열해서 확인해 봅시다.

# %%
rng = np.random.default_rng(SEED)
n, k = 8, 3
W = rng.standard_normal((n, k))
b = rng.standard_normal(k)
Xq = rng.standard_normal((5, n))


def log_softmax(z):
    z = z - z.max(axis=-1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=-1, keepdims=True))


log_mean = np.zeros((5, k))
for d in itertools.product([0.0, 1.0], repeat=n):        # all 2ⁿ = 256 sub-networks
    log_mean += log_softmax((Xq * np.array(d)) @ W + b) / 2 ** n
geo = np.exp(log_softmax(log_mean))                      # renormalized geometric mean

assert np.allclose(geo, R.geometric_mean_ensemble(W, b, Xq, p=0.5), atol=1e-12)
assert np.allclose(geo, R.weight_scaling_predict(W, b, Xq, p=0.5), atol=1e-12)     # exact
print(np.round(geo[:2], 4))

# %% [markdown]
# ## 숫자 데이터에서의 드롭아웃
#
# 학습 숫자 300개로 MLP를 학습하되, 은닉층에 드롭아웃을 쓸 때와 쓰지 않을 때를 비교합니다. 테스트 때
# (역)드롭아웃 층은 항등 함수입니다. k개 마스크에 대한 몬테카를로 평균(`mc_predict`)은 식 7.54의 산술 평균
# 앙상블이며, k가 커질수록 한 번의 순전파로 얻은 예측에 가까워집니다.

# %%
Xtr, Xte, ytr, yte = po.datasets.load_digits(test_size=0.5, seed=SEED)
Xtr, ytr = Xtr[:300], ytr[:300]
loss = nn.SoftmaxCrossEntropy()
acc, models = {}, {}
for name, p in (("no dropout", 0.0), ("dropout p = 0.5", 0.5)):
    layers = [nn.Dense(64, 256, seed=1), nn.ReLU()] + ([nn.Dropout(p, seed=2)] if p else []) + [nn.Dense(256, 10, seed=3)]
    models[name] = nn.Sequential(*layers)
    po.fit(models[name], loss, po.optim.SGD(models[name].parameters(), lr=0.1, momentum=0.9), Xtr, ytr,
           epochs=40, batch_size=30, progress=False, seed=SEED)
    acc[name] = po.evaluate(models[name], loss, Xte, yte)["accuracy"]
net = models["dropout p = 0.5"]
probs = {kk: R.mc_predict(net, Xte, k=kk) for kk in (1, 4, 32)}
for kk, pr in probs.items():
    acc[f"MC average, k = {kk}"] = float(np.mean(pr.argmax(axis=1) == yte))
fig = P.bars(acc, ylabel="test accuracy", title="Dropout on 300 digits", fmt="{:.3f}")
fig.axes[0].set_ylim(0.7, 1.0)
fig

# %%
one_pass = R.softmax(po.predict(net, Xte))
gaps = {kk: np.abs(pr - one_pass).mean() for kk, pr in probs.items()}
print("mean |MC average − one-pass weight scaling| by k:", {kk: round(float(g), 4) for kk, g in gaps.items()})
assert gaps[32] < gaps[1]                       # the MC ensemble approaches the weight-scaling prediction
assert acc["dropout p = 0.5"] > 0.85

# %% [markdown]
# 그렇다면 드롭아웃이 검증용(held-out) 데이터에서 드롭아웃 없는 신경망을 *이길까요*? 학습 집합을 더 줄이고
# (숫자 100개) 신경망을 더 넓혀(은닉 유닛 1024개) 세 시드로 실험하면, p = 0.5 드롭아웃이 모든 시드에서
# 앞서지만 그 차이는 1포인트도 되지 않아(우리가 돌린 실험에서) assert로 주장하기에는 너무 작습니다.
# Srivastava 외(2014)가 보고한 이점은 큰 데이터에서 오래 학습한 큰 신경망(수천 개 유닛, 수백 에폭,
# 최대 노름 제약을 쓴 MNIST)에서 나타납니다. 여기서는 64픽셀 숫자가 쉬운 데이터이고, SGD로 학습한 은닉층
# 하나짜리 신경망이 이미 예제 100개가 허락하는 만큼 일반화합니다: 학습 예제를 다 맞히고 나면 교차
# 엔트로피의 그래디언트가 사라져 가중치가 더 자라지 않으므로, 드롭아웃이 없앨 과적합(overfitting)이 거의
# 남지 않습니다. 실제로 성립하고 assert로 확인하는 것은 이렇습니다: p = 0.5는 손해가 없고(모든 시드에서
# 1포인트 이내), p = 0.8은 유닛을 너무 많이 버려 신경망이 과소적합합니다. p는 "클수록 좋은" 값이 아니라
# 적당한 값이 있는 하이퍼파라미터입니다.

# %%
# a smaller training set and a wider net, three seeds, p ∈ {0 (none), 0.5, 0.8}
Xs, ys = Xtr[:100], ytr[:100]          # the first 100 of the 300 training digits
seed_acc = {p: [] for p in (0.0, 0.5, 0.8)}
for p in seed_acc:
    for s in (1, 2, 3):
        layers = [nn.Dense(64, 1024, seed=10 * s), nn.ReLU()] + ([nn.Dropout(p, seed=10 * s + 1)] if p else [])
        m = nn.Sequential(*layers, nn.Dense(1024, 10, seed=10 * s + 2))
        po.fit(m, loss, po.optim.SGD(m.parameters(), lr=0.1, momentum=0.9), Xs, ys, epochs=80, batch_size=20,
               progress=False, seed=s)
        seed_acc[p].append(po.evaluate(m, loss, Xte, yte)["accuracy"])
seed_acc = {p: np.array(a) for p, a in seed_acc.items()}
for p, a in seed_acc.items():
    print(f"p = {p}: test accuracy per seed {np.round(a, 4)}, mean {a.mean():.4f}")
fig = P.bars({("no dropout" if p == 0 else f"dropout p = {p}"): a.mean() for p, a in seed_acc.items()},
             ylabel="test accuracy", title="100 digits, 1024 hidden units (mean of 3 seeds)", fmt="{:.3f}")
fig.axes[0].set_ylim(0.6, 1.0)
fig

# %%
assert np.all(seed_acc[0.5] > seed_acc[0.0] - 0.01)              # p = 0.5 never costs more than a point
assert seed_acc[0.8].mean() < seed_acc[0.0].mean() - 0.03        # p = 0.8: too much noise, the net underfits

# %% [markdown]
# ## 연습 문제
#
# 1. 기하 평균 확인을 p = 0.2로 다시 해 보세요(`geometric_mean_ensemble(W, b, X, p=0.2)`를 쓰세요. 이때
#    마스크들은 각자의 확률로 가중됩니다). 가중치 스케일링이 여전히 정확한가요?
# 2. 소프트맥스 모델에 tanh 은닉층을 하나 넣어 보세요. 가중치 스케일링이 여전히 기하 평균과 정확히 같나요?
#    그 차이를 측정해 보세요.
# 3. Hinton 등(2012)처럼 드롭아웃과 `po.constraints.MaxNorm(3.0)`을 함께 쓰고, 학습률(learning rate)을
#    더 높여 보세요.
