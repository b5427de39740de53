"""Worked solutions to the exercises of notebooks/ko/ch07_9-11_sharing_sparsity_ensembles (Korean edition; build: python notebooks/solutions/_build.py)."""
# %% [markdown]
# # 연습 문제 풀이: 7.9–7.11 매개변수 공유, 희소 표현, 배깅
#
# `ch07_9-11_sharing_sparsity_ensembles.ipynb`의 연습 문제를 하나씩 풀어 봅니다. 각 `assert`는 측정값을 식과
# 비교하거나, 역전파로 구한 그래디언트(gradient)를 유한 차분(finite difference)과 비교합니다.

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
# ## 연습 문제 1: 배깅한 신경망들의 오차로 v와 c 구하기
#
# 테스트 예제 하나에서 i번째 구성원이 내는 0-1 오차를 확률 변수 εᵢ ∈ {0, 1}로 봅시다. 테스트 집합 전체에서
# v = E[εᵢ²](구성원들의 오류율)이고 c = E[εᵢεⱼ], i ≠ j(두 구성원이 함께 틀리는 빈도)입니다. 식 7.50,
# E[(1/k Σ εᵢ)²] = v/k + (k − 1)c/k는 구성원 k개의 *평균 오차*의 제곱 평균을 나타내고, 측정값과 잘 맞습니다. 하지만
# 이 식이 앙상블(ensemble)의 0-1 오차를 예측하지는 *않습니다*. 그것은 다른 양입니다. 구성원들의 확률을 평균해 argmax를
# 취하면, 모아 낸 투표가 틀릴 때 오류가 나는 것이지 (1/k Σ εᵢ)²에 비례해 오류가 나는 것이 아닙니다. 두 양 모두 k와
# 함께 줄어들다가 c(구성원들이 함께 저지르는 오류)가 정하는 바닥에서 멈추지만, 값은 서로 다릅니다.

# %%
def make_model(i):
    return nn.Sequential(nn.Dense(64, 32, seed=10 + i), nn.ReLU(), nn.Dense(32, 10, seed=20 + i))


bag = R.Bagging(make_model, k=8, seed=SEED)
bag.fit(loss, lambda model: po.optim.Adam(model.parameters(), lr=0.01), Xtr[:500], ytr[:500], epochs=15, batch_size=32,
        progress=False)
probs = [R.softmax(out) for out in bag.member_predictions(Xte)]
E = np.array([p.argmax(1) != yte for p in probs], dtype=float)          # (members, examples)
v = np.mean(E ** 2)
pairs = [(i, j) for i in range(8) for j in range(8) if i != j]
c = np.mean([np.mean(E[i] * E[j]) for i, j in pairs])
ks = np.arange(1, 9)
predicted = np.array([R.ensemble_expected_error(v, c, k) for k in ks])
measured_sq = np.array([np.mean(E[:k].mean(axis=0) ** 2) for k in ks])
ens_err = np.array([np.mean(np.mean(probs[:k], axis=0).argmax(1) != yte) for k in ks])
print(f"v = {v:.4f}, c = {c:.4f} (correlation c/v = {c / v:.2f})")
print(np.c_[ks, predicted.round(4), measured_sq.round(4), ens_err.round(4)])
assert np.allclose(measured_sq, predicted, rtol=0.15)      # eq. 7.50 describes the average error
assert 0 < c < v                                            # the members err partly together
assert ens_err[-1] < v                                      # the vote errs less than a member
fig = P.curves({"eq. 7.50 with the measured v, c": predicted, "measured E[(mean error of k)²]": measured_sq,
                "ensemble 0-1 error": ens_err}, x=ks, xlabel="k (members)", ylabel="error",
               title="Bagged networks: eq. 7.50 and the ensemble's error")
fig

# %% [markdown]
# ## 연습 문제 2: W와 Wᵀ를 쓰는 묶인 오토인코더
#
# 노트북에서처럼 *같은* Parameter 객체를 두 `Dense` 층이 공유하려면 모양이 같아야 합니다. 인코더의 W를 *전치해서*
# 쓰는 디코더는 따로 층을 만들어야 합니다. forward는 h Wᵀ를 계산하고, backward는 자신의 그래디언트를 전치해서 공유
# Parameter의 `.grad`에 더하는 `Module`입니다(x Wᵀ에서 dL/dW = gᵀh). 나머지(옵티마이저, `zero_grad`, 그래디언트 검사)는
# 그대로 동작합니다. W가 그래디언트 하나(두 번 쓰인 몫의 합)를 가진 Parameter 하나이기 때문입니다.

# %%
class TiedDecoder(nn.Module):
    """y = h Wᵀ with W the encoder's weight (shape (in, hidden)): the decoder of a tied autoencoder."""

    def __init__(self, encoder: nn.Dense):
        super().__init__()
        self.encoder = encoder          # the encoder's W is the shared parameter
        self._h = None

    def parameters(self):
        return []                       # W is listed (once) by the encoder

    def forward(self, h):
        self._h = np.asarray(h, dtype=self.encoder.weight.data.dtype)
        return self._h @ self.encoder.weight.data.T

    def backward(self, g):
        self.encoder.weight.grad += g.T @ self._h          # d(h Wᵀ)/dW = gᵀh
        return g @ self.encoder.weight.data


enc = nn.Dense(6, 3, bias=False, seed=1, dtype=np.float64)
auto = nn.Sequential(enc, nn.Tanh(), TiedDecoder(enc))
Xa = np.random.default_rng(SEED).standard_normal((10, 6))
mse = nn.MSELoss()
auto.zero_grad()
mse.forward(auto(Xa), Xa)
auto.backward(mse.backward())
W = enc.weight
numeric = np.zeros_like(W.data)
for i in range(6):
    for j in range(3):
        old = W.data[i, j]
        W.data[i, j] = old + 1e-6
        up = mse.forward(auto(Xa), Xa)
        W.data[i, j] = old - 1e-6
        down = mse.forward(auto(Xa), Xa)
        W.data[i, j] = old
        numeric[i, j] = (up - down) / 2e-6
print("max |backprop − finite differences| =", np.abs(W.grad - numeric).max())
assert np.allclose(W.grad, numeric, atol=1e-8)
assert len(auto.parameters()) == 1 and auto.parameters()[0] is W   # one parameter, trained once
# and it trains: the reconstruction error falls
opt = po.optim.SGD(auto.parameters(), lr=0.1)
before = mse.forward(auto(Xa), Xa)
for _ in range(200):
    auto.zero_grad()
    mse.forward(auto(Xa), Xa)
    auto.backward(mse.backward())
    opt.step()
assert mse.forward(auto(Xa), Xa) < 0.8 * before

# %% [markdown]
# ## 연습 문제 3: 활성값에 거는 L1과 가중치에 거는 L1
#
# `ActivityL1`은 은닉 활성값 h에 페널티를 줍니다. 그러면 많은 유닛이 정확히 0을 출력하고(ReLU가 0 아래를 잘라 냅니다),
# 가중치는 조밀한 채로 *표현*이 희소해집니다. 반면 가중치에 근접 단계(proximal step)로 거는 `po.regularizers.L1`은
# 가중치를 정확히 0으로 만듭니다. *매개변수*가 희소해지는 것이고, 활성값은 희소하지 않아도 됩니다.

# %%
def train(reg_kind):
    dense1 = nn.Dense(64, 64, seed=1)
    layers = [dense1, nn.ReLU()]
    regs = []
    if reg_kind == "activations":
        layers.append(po.regularizers.ActivityL1(0.05))
        regs = [layers[-1]]
    elif reg_kind == "weights":
        regs = [po.regularizers.L1(0.1, mode="proximal")]
    trunk = nn.Sequential(*layers)
    model = nn.Sequential(trunk, nn.Dense(64, 10, seed=2))
    po.fit(model, loss, po.optim.Adam(model.parameters(), lr=0.005), Xtr, ytr, epochs=10, batch_size=32,
           regularizers=regs, progress=False, seed=SEED)
    trunk.eval()
    h = trunk(Xte)
    return np.mean(h == 0), np.mean(dense1.weight.data == 0), po.evaluate(model, loss, Xte, yte)["accuracy"]


table = {kind: train(kind) for kind in ("none", "activations", "weights")}
for kind, (hz, wz, acc) in table.items():
    print(f"L1 on {kind:11s}: zero activations {hz:.0%}, zero first-layer weights {wz:.0%}, accuracy {acc:.3f}")
assert table["activations"][0] > table["none"][0] + 0.2 and table["activations"][1] < 0.01
assert table["weights"][1] > 0.1 and table["none"][1] < 0.01
assert table["weights"][0] < table["activations"][0]
