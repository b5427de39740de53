"""Worked solutions to the exercises of notebooks/ko/ch08_1_learning_vs_optimization (Korean edition; build: python notebooks/solutions/_build.py)."""
# %% [markdown]
# # 연습 문제 풀이: 8.1 학습은 순수한 최적화와 어떻게 다른가
#
# `ch08_1_learning_vs_optimization.ipynb`의 연습 문제를 하나씩 풀어 봅니다. 각 `assert`는 pyoptim의 실행 결과를
# NumPy로 구한 해와, 시뮬레이션을 식과, 검증 데이터에서 잰 값들을 서로 비교합니다.

# %%
import numpy as np
import pyoptim as po
from pyoptim import nn

P = po.plot
SEED = 0
Xtr, Xho, ytr, yho = po.datasets.load_digits(test_size=0.5, seed=SEED)
Xtr, ytr = Xtr[:300], ytr[:300]
# early stopping needs a validation set of its own: half of the held-out digits, the rest for testing
Xval, yval, Xte, yte = Xho[: len(Xho) // 2], yho[: len(yho) // 2], Xho[len(Xho) // 2:], yho[len(yho) // 2:]
loss = nn.SoftmaxCrossEntropy()

# %% [markdown]
# ## 연습 문제 1: 폭 64인 모델에 조기 종료 쓰기
#
# 검증 손실이 가장 낮은 에폭에서 멈추면(그리고 그때의 가중치를 되살리면), 모델이 학습 집합에 그만큼 딱 맞기 전에
# 학습이 끝납니다. 검증 손실과 학습 손실의 차이는 줄어들지만 사라지지는 않습니다(되살린 모델도 이미 자기 학습
# 집합에 맞춰져 있으니까요).

# %%
gap = {}
for name, callbacks in (("60 epochs", []), ("early stopping", [po.callbacks.EarlyStopping(patience=5)])):
    model = nn.Sequential(nn.Dense(64, 64, seed=1), nn.Tanh(), nn.Dense(64, 10, seed=2))
    po.fit(model, loss, po.optim.Adam(model.parameters(), lr=0.01), Xtr, ytr, epochs=60, batch_size=50,
           validation_data=(Xval, yval), callbacks=callbacks, progress=False, seed=SEED)
    gap[name] = po.evaluate(model, loss, Xte, yte)["loss"] - po.evaluate(model, loss, Xtr, ytr)["loss"]
    if callbacks:
        print(f"best epoch {callbacks[0].best_epoch}, stopped at {callbacks[0].stopped_epoch}")
print({k: round(v, 3) for k, v in gap.items()})
assert 0 < gap["early stopping"] < gap["60 epochs"]

# %% [markdown]
# ## 연습 문제 2: 선형 분리 가능한 데이터에서의 제곱 오차
#
# 목표값이 t = ±1이면 제곱 오차 ½ Σ (xᵀw − t)²의 최솟점은 최소제곱 해 w = X⁺t입니다. 제곱 오차는 목표값을 *넘어선*
# 점수도 목표에 못 미친 점수만큼 벌점을 주므로, 마진(margin)을 키워도 결코 보상하지 않습니다. 그래서 경사 하강법(gradient descent)은
# 유한한 w로 수렴합니다(로지스틱 음의 로그 가능도에서는 w가 한없이 커지지요). 또 최소제곱
# 분리면은 학습 데이터를 모두 맞게 분류하지 못할 수도 있습니다. 목표값의 부호가 아니라 값 자체에 맞추기 때문입니다.

# %%
X, y = po.datasets.separable(n=200, d=2, margin=0.5, seed=SEED, dtype=np.float64)
t = 2.0 * y - 1.0
w_ls = np.linalg.lstsq(X, t, rcond=None)[0]
w = np.zeros(2)
opt = po.optim.SGD([w], lr=0.5)
norms = []
for _ in range(400):
    opt.step([X.T @ (X @ w - t) / len(t)])
    norms.append(np.linalg.norm(w))
assert np.allclose(w, w_ls, atol=1e-8)                           # GD finds the least-squares minimizer
assert abs(norms[-1] - norms[-50]) < 1e-9                        # and stops there: the norm is bounded
err_ls = np.mean(np.sign(X @ w_ls) != t)
margin = np.min(t * (X @ w_ls)) / np.linalg.norm(w_ls)
print(f"least squares: 0-1 training error {err_ls:.3f}, geometric margin {margin:.3f}, ‖w‖ = {norms[-1]:.3f}")
# the logistic NLL keeps growing ‖w‖ on the same data
f = po.functions.logistic_regression(X, y)
wl = np.zeros(2)
opt = po.optim.SGD([wl], lr=2.0)
lnorms = []
for _ in range(400):
    opt.step([f.grad(wl)])
    lnorms.append(np.linalg.norm(wl))
assert lnorms[-1] > lnorms[-50] > norms[-1]

# %% [markdown]
# ## 연습 문제 3: 유한 모집단 보정
#
# 예제 n개 가운데 m개를 비복원으로 뽑으면, 미니배치(minibatch) 평균의 표준 오차는 σ/√m · √((n − m)/(n − 1))입니다.
# m = n, 곧 미니배치가 데이터 전체일 때 0이 됩니다. 예제별 "그래디언트(gradient)" n = 512개(좌표 하나)로, m마다 미니배치
# 4000개를 뽑아 시뮬레이션해 봅시다.

# %%
n = 512
rng = np.random.default_rng(SEED)
g = rng.standard_normal(n) * 3.0 + 1.0
sigma = g.std()                                  # the population's σ (divisor n)
ms = np.array([1, 4, 16, 64, 128, 256, 384, 500, 512])
measured = np.array([np.std([g[rng.permutation(n)[:m]].mean() for _ in range(4000)]) for m in ms])
formula = sigma / np.sqrt(ms) * np.sqrt((n - ms) / (n - 1))
print(np.c_[ms, measured.round(4), formula.round(4)])
assert np.allclose(measured[:-1], formula[:-1], rtol=0.06) and measured[-1] < 1e-12 and formula[-1] == 0
fig = P.curves({"measured (4000 minibatches)": measured, "σ/√m · √((n − m)/(n − 1))": formula,
                "σ/√m (with replacement)": sigma / np.sqrt(ms)}, x=ms, xlabel="minibatch size m",
               ylabel="standard error", logy=True, styles={"σ/√m (with replacement)": ":"},
               title="Finite-population correction, n = 512")
fig

# %% [markdown]
# ## 연습 문제 4: 세 시드에서 m = 4와 전체 배치 비교
#
# 폭 64인 신경망을 숫자 300개로 30 에폭 동안 학습하되, 배치 크기마다 작은 격자에서 가장 좋은 학습률(learning rate)을
# 고릅니다(검증용 절반에서 고르고, 테스트용 절반에서 보고합니다). 잡음이 많은 작은 배치가 더 잘 일반화하는지는
# 실험으로 확인할 문제입니다. 이 학습 예산에서의 답은 표가 시드별로 보여 줍니다. `assert`는 이 비교의 전제만
# 확인합니다. 모든 실행을 같은 테스트 집합에서 `po.evaluate`와 독립적인 argmax 세기로 평가하고, 두 값이 일치하는지
# 봅니다.

# %%
def run(batch_size, lr, seed):
    model = nn.Sequential(nn.Dense(64, 64, seed=seed), nn.Tanh(), nn.Dense(64, 10, seed=seed + 1))
    po.fit(model, loss, po.optim.SGD(model.parameters(), lr=lr), Xtr, ytr, epochs=30, batch_size=batch_size,
           progress=False, seed=seed)
    val = po.evaluate(model, loss, Xval, yval)["accuracy"]
    test = po.evaluate(model, loss, Xte, yte)["accuracy"]
    assert np.isclose(test, np.mean(po.predict(model, Xte).argmax(axis=1) == yte))
    return val, test


grids = {4: (0.01, 0.05), None: (0.5, 2.0)}
table = {}
for bs, lrs in grids.items():
    for seed in (1, 2, 3):
        val, test, lr = max((run(bs, lr, seed) + (lr,) for lr in lrs), key=lambda r: r[0])   # by validation
        table[(bs or "full", seed)] = (lr, test)
for (bs, seed), (lr, test) in table.items():
    print(f"m = {bs}, seed {seed}: best ε = {lr}, test accuracy {test:.3f}")
mean = {bs: np.mean([v[1] for (b, _), v in table.items() if b == bs]) for bs in (4, "full")}
print({k: round(float(v), 3) for k, v in mean.items()})
assert all(0.5 < v[1] <= 1.0 for v in table.values())
