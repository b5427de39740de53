"""Source of notebooks/ko/ch07_9-11_sharing_sparsity_ensembles.ipynb (Korean edition; build: python notebooks/_build.py)."""
# %%
import importlib.util, subprocess, sys; importlib.util.find_spec("pyoptim") or subprocess.check_call([sys.executable, "-m", "pip", "install", "-q", "pyoptim-dlbook[hosted]"])  # hosted notebooks (Colab): install pyoptim

# %% [markdown]
# # 7.9 매개변수 묶기와 공유 · 7.10 희소 표현 · 7.11 배깅과 앙상블
#
# *Deep Learning* 책의 7.9–7.11절입니다. 사전 지식을 매개변수를 통해(묶거나 공유해서), 활성값을 통해(희소하게
# 만들어서) 표현하는 방법과, 여러 모델을 평균하는 방법(앙상블)을 다룹니다.
#
# | 책 | pyoptim |
# |---|---|
# | 묶기(tying) 페널티 Ω = ‖w⁽ᴬ⁾ − w⁽ᴮ⁾‖² (식 7.28) | `po.regularizers.Tying(param_a, param_b, alpha)` |
# | 매개변수 공유(parameter sharing) | 하나의 `po.nn.Parameter`를 두 곳에서 사용 (`layer_b.weight = layer_a.weight`) |
# | 표현의 희소성(representational sparsity) α‖h‖₁ (식 7.47) | `po.regularizers.ActivityL1(alpha)`, 활성화 함수 뒤에 두는 층 |
# | 앙상블 오차 v/k + (k − 1)c/k (식 7.50) | `po.regularization.ensemble_expected_error(v, c, k)` |
# | 배깅(bagging) | `po.regularization.Bagging(make_model, k, seed)` |

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
# ## 7.9 매개변수 묶기와 공유
#
# 두 모델의 매개변수를 *묶으면*(tying) α‖w⁽ᴬ⁾ − w⁽ᴮ⁾‖²가 더해집니다. 이 항의 그래디언트(gradient)는 A에 대해
# 2α(w⁽ᴬ⁾ − w⁽ᴮ⁾)이고 B에 대해서는 그 반대 부호입니다.

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
# *공유*(sharing)는 한 걸음 더 나아가, 하나의 Parameter를 두 곳에서 씁니다(합성곱이 여러 위치에서 같은
# 가중치를 쓰는 것처럼). 그러면 역전파는 두 사용처의 그래디언트를 *더합니다*. 중심 차분으로 확인해 봅시다.

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
# ## 7.10 희소 표현
#
# *활성값* h에 L1 페널티 α‖h‖₁을 걸면(앞에 ReLU가 있을 때) 입력마다 많은 은닉 유닛이 정확히 0이 되고,
# 가중치는 여전히 조밀하게 남습니다. `ActivityL1(alpha)`는 항등 층으로, 역방향 계산에서 페널티의
# 부분 그래디언트(subgradient) α·sign(h)/B를 더합니다.

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
# ## 7.11 배깅과 그 밖의 앙상블 방법
#
# k개 모델의 오차 εᵢ가 분산 v, 공분산 c를 가지면, 평균 모델의 기대 제곱 오차는 v/k + (k − 1)c/k입니다
# (식 7.50). 오차가 서로 독립이면(c = 0) 1/k로 줄어들고, 완전히 상관되어 있으면(c = v) 전혀 줄지 않습니다.
# NumPy로 몬테카를로 실험을 해 봅시다.

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
# 배깅은 데이터를 부트스트랩 재표본추출한 집합(여기서는 초기화도 서로 다르게)으로 k개의 신경망을 학습하고,
# 예측 확률을 평균합니다. 앙상블의 테스트 오차는 k가 커지면서 떨어지다가, 구성원들의 오차가 서로 상관되어
# 있기 때문에 어느 수준에서 더 내려가지 않습니다.

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
# ## 연습 문제
#
# 1. 측정한 구성원 오차로 배깅한 신경망들의 v와 c를 추정해 보세요(예제별 0-1 오차를 확률변수로 보세요).
#    식 7.50이 앙상블 곡선을 예측하나요?
# 2. 2층 선형 오토인코더의 두 층 가중치를 공유해 보세요(묶인 가중치 W와 Wᵀ). 전치를 위해 pyoptim의 어떤
#    기능이 필요할까요?
# 3. `ActivityL1`을 *가중치*에 거는 L1 페널티(`po.regularizers.L1`)로 바꿔 보세요. 둘 중 어느 쪽이 희소한
#    활성값을, 어느 쪽이 희소한 가중치를 주나요?
