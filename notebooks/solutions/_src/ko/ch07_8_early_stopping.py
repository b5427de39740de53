"""Worked solutions to the exercises of notebooks/ko/ch07_8_early_stopping (Korean edition; build: python notebooks/solutions/_build.py)."""
# %% [markdown]
# # 연습 문제 풀이: 7.8 조기 종료
#
# `ch07_8_early_stopping.ipynb`의 연습 문제를 하나씩 풀어 봅니다. 각 `assert`는 학습 결과끼리, 단계 수를 콜백이 직접
# 센 값과, 닫힌 형태의 식을 NumPy 반복문과 비교합니다.

# %%
import numpy as np
import pyoptim as po
from pyoptim import nn

P = po.plot
R = po.regularization
SEED = 0
loss = nn.SoftmaxCrossEntropy()

# %% [markdown]
# ## 연습 문제 1: 조기 종료 대신 L2 쓰기
#
# 노트북의 신경망(학습 숫자 100개, ReLU 유닛 256개, Adam ε = 0.01)을 `po.regularizers.L2(α)`로 α 몇 개에 대해 60 에폭
# 동안 학습하고, 조기 종료(early stopping)한 학습과 비교합니다. α가 너무 작으면 별 효과가 없고, 너무 크면 과소적합이
# 됩니다. 그 사이의 α에서는 마지막 검증 손실이 페널티가 없을 때보다 낮고, 이 시드에서는 조기 종료한 경우보다도
# 낮습니다. 그것도 학습하는 동안 검증 집합을 지켜보지 않고서 말이지요(다만 α 자체는 검증 집합으로 골라야 합니다).

# %%
Xtr, Xval, ytr, yval = po.datasets.load_digits(test_size=0.5, seed=SEED)
Xtr, ytr = Xtr[:100], ytr[:100]


def net():
    return nn.Sequential(nn.Dense(64, 256, seed=1), nn.ReLU(), nn.Dense(256, 10, seed=2))


final = {}
curves = {}
for alpha in (0.0, 1e-3, 1e-2, 1e-1):
    m = net()
    h = po.fit(m, loss, po.optim.Adam(m.parameters(), lr=0.01), Xtr, ytr, epochs=60, batch_size=25,
               validation_data=(Xval, yval), regularizers=[po.regularizers.L2(alpha)] if alpha else [],
               progress=False, seed=SEED)
    curves[f"L2, α = {alpha:g}"] = h.history["val_loss"]
    final[alpha] = po.evaluate(m, loss, Xval, yval)["loss"]
    assert np.isclose(final[alpha], h.history["val_loss"][-1], rtol=1e-4)   # the history is the evaluation
m = net()
stopper = po.callbacks.EarlyStopping(monitor="val_loss", patience=20, restore_best=True)
h = po.fit(m, loss, po.optim.Adam(m.parameters(), lr=0.01), Xtr, ytr, epochs=60, batch_size=25,
           validation_data=(Xval, yval), callbacks=[stopper], progress=False, seed=SEED)
es = po.evaluate(m, loss, Xval, yval)["loss"]
best_alpha = min((a for a in final if a > 0), key=final.get)
print({f"α = {a:g}": round(v, 3) for a, v in final.items()}, f"early stopping: {es:.3f}; best α = {best_alpha:g}")
fig = P.curves(curves, x=np.arange(1, 61), xlabel="epoch", ylabel="validation loss",
               title="L2 in place of early stopping")
fig.axes[0].axhline(es, color="black", ls=":", label="early stopping (restored)")
fig.axes[0].legend(fontsize=8)
fig

# %%
assert final[best_alpha] < final[0.0]             # the best penalty beats no regularization at 60 epochs
assert es < final[0.0]                            # and so does early stopping

# %% [markdown]
# ## 연습 문제 2: 같은 *갱신 횟수*만큼 다시 학습하기
#
# 알고리즘 7.2는 레이블이 있는 데이터 전체로 i* *에폭* 동안 다시 학습합니다. 데이터가 4분의 1 늘어나면 에폭마다
# 미니배치(minibatch)가 더 많으므로, 다시 학습한 모델은 조기 종료한 모델보다 갱신을 더 많이 합니다. 다른 해석은
# 매개변수 *갱신 횟수*를 같게 맞춰 다시 학습하는 것입니다. 노트북의 레이블 데이터 세 묶음에서 두 해석을 모두
# 시험합니다. 갱신 횟수는 에폭으로 계산한 값과 별개로 콜백이 직접 셉니다.

# %%
Xpool, Xtest, ypool, ytest = po.datasets.load_digits(test_size=0.5, seed=SEED)


class CountSteps(po.callbacks.Callback):
    def __init__(self):
        self.n = 0

    def on_batch_end(self, batch, logs):
        self.n += 1


acc = {"same epochs (Algorithm 7.2)": [], "same updates": []}
for s in (0, 1, 2):
    X, y = Xpool[150 * s:150 * (s + 1)], ypool[150 * s:150 * (s + 1)]
    make_model = lambda: nn.Sequential(nn.Dense(64, 256, seed=s + 1), nn.ReLU(), nn.Dense(256, 10, seed=s + 2))  # noqa: E731
    make_opt = lambda m: po.optim.Adam(m.parameters(), lr=0.01)  # noqa: E731
    m72, info = R.retrain_same_steps(make_model, loss, make_opt, X, y, validation_fraction=0.25, max_epochs=150,
                                     patience=20, batch_size=25, seed=s)
    tr, _ = info["split"]
    per_epoch_first = int(np.ceil(len(tr) / 25))
    per_epoch_all = int(np.ceil(len(y) / 25))
    updates = info["best_epochs"] * per_epoch_first             # what the early-stopped run took
    m_same = make_model()
    counter = CountSteps()
    po.fit(m_same, loss, make_opt(m_same), X, y, epochs=int(np.ceil(updates / per_epoch_all)), batch_size=25,
           callbacks=[counter], progress=False, seed=s)
    assert abs(counter.n - updates) < per_epoch_all               # the same number of updates, to an epoch
    acc["same epochs (Algorithm 7.2)"].append(po.evaluate(m72, loss, Xtest, ytest)["accuracy"])
    acc["same updates"].append(po.evaluate(m_same, loss, Xtest, ytest)["accuracy"])
print({k: np.round(v, 3).tolist() for k, v in acc.items()})
fig = P.bars({f"{k}\n(mean of 3 sets)": float(np.mean(v)) for k, v in acc.items()}, ylabel="test accuracy",
             title="Retraining on all the labelled data")
fig.axes[0].set_ylim(0.7, 1.0)
fig

# %%
assert all(a > 0.75 for v in acc.values() for a in v)      # both readings learn the task on every set

# %% [markdown]
# ## 연습 문제 3: τ는 두 배로, ε은 절반으로
#
# 조기 종료가 헤시안(Hessian)의 각 고유벡터 방향에서 w*를 남기는 비율은 1 − (1 − ελ)^τ입니다.
# ελ가 작으면 (1 − ελ)^τ ≈ e^{−ελτ}이므로 이 비율은 곱 ετ에만 달려 있습니다.
# τ를 두 배로, ε을 절반으로 하면 이 곱이 그대로이고, 대응하는 α = 1/(τε)도 그대로입니다. 그래서 곡선은 거의 움직이지
# 않습니다. 차이는 ελ가 작지 않은 곳(가장 큰 λ)에서만 나는데, 거기서는 두 비율 모두 ≈ 1입니다.

# %%
rng = np.random.default_rng(SEED)
Q = np.linalg.qr(rng.standard_normal((6, 6)))[0]
lam = np.array([0.01, 0.05, 0.3, 1.0, 5.0, 40.0])
H = Q @ np.diag(lam) @ Q.T
w_star = rng.standard_normal(6)
w = np.zeros(6)                                   # NumPy: 2τ steps of ε/2 from 0
for _ in range(200):
    w -= 0.005 * H @ (w - w_star)
assert np.allclose(Q.T @ w, R.gd_factors(lam, 0.005, 200) * (Q.T @ w_star))
lams = np.geomspace(1e-3, 1e2, 200)
a, b = R.gd_factors(lams, 0.01, 100), R.gd_factors(lams, 0.005, 200)
print(f"largest change of the kept fraction: {np.abs(a - b).max():.4f}")
assert np.abs(a - b).max() < 0.01 and R.equivalent_alpha(0.01, 100) == R.equivalent_alpha(0.005, 200)
assert np.allclose(b, 1 - np.exp(-0.01 * 100 * lams), atol=0.01)
fig = P.curves({"τ = 100, ε = 0.01": a, "τ = 200, ε = 0.005": b}, x=lams, xlabel="eigenvalue λ of H",
               ylabel="fraction of w* kept", logx=True, styles={"τ = 200, ε = 0.005": "--"},
               title="Only ετ matters")
fig
