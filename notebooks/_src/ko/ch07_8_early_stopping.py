"""Source of notebooks/ko/ch07_8_early_stopping.ipynb (Korean edition; build: python notebooks/_build.py)."""
# %%
import importlib.util, subprocess, sys; importlib.util.find_spec("pyoptim") or subprocess.check_call([sys.executable, "-m", "pip", "install", "-q", "pyoptim-dlbook[hosted]"])  # hosted notebooks (Colab): install pyoptim

# %% [markdown]
# # 7.8 조기 종료
#
# *Deep Learning* 책의 7.8절(알고리즘 7.1–7.3, 그림 7.3, 식 7.40–7.45)입니다. 지금까지 본 것 중 검증 오차가
# 가장 좋았던 매개변수를 간직하고, 한동안 나아지지 않으면 학습을 멈춥니다. 조기 종료(early stopping)는 딥러닝에서
# 가장 널리 쓰이는 규제(regularization)이며, 이차 비용에서는 L2 가중치 감쇠(weight decay)와 동등합니다.
#
# | 책 | pyoptim |
# |---|---|
# | 알고리즘 7.1 (인내 횟수(patience) p, 가장 좋은 θ를 반환) | `po.callbacks.EarlyStopping(monitor="val_loss", patience=p, restore_best=True)` |
# | 그림 7.3, 학습 곡선과 검증 곡선 | `po.plot.loss_curves(history, mark_epoch=early_stopping)` |
# | 알고리즘 7.2 / 7.3 (모든 데이터로 다시 학습) | `po.regularization.retrain_same_steps`, `continue_until_loss` |
# | 학습률(learning rate) ε로 τ단계 ≈ α ≈ 1/(τε)인 L2 (식 7.45) | `po.regularization.gd_factors`, `gd_from_zero`, `equivalent_alpha` |

# %%
import numpy as np
import pyoptim as po
from pyoptim import nn

P = po.plot
R = po.regularization
SEED = 0

# %% [markdown]
# ## 알고리즘 7.1: 조기 종료
#
# 학습 숫자 100개만으로 넓은 MLP를 학습하면 과적합(overfitting)이 일어납니다. 학습 손실은 계속 떨어지는데
# 검증 손실은 다시 올라갑니다. 이 알고리즘을 순수 NumPy로 관리한다면 이렇습니다. 에폭마다 검증 손실이
# 나아졌으면 매개변수를 복사해 두고 카운터를 0으로 되돌리며, 그렇지 않으면 카운터를 1 늘리고 p에 이르면
# 멈춥니다. pyoptim의 콜백은 정확히 이 일을 하고, 끝에서 가장 좋았던 매개변수를 되돌려 놓습니다.

# %%
Xtr, Xval, ytr, yval = po.datasets.load_digits(test_size=0.5, seed=SEED)
Xtr, ytr = Xtr[:100], ytr[:100]
loss = nn.SoftmaxCrossEntropy()
model = nn.Sequential(nn.Dense(64, 256, seed=1), nn.ReLU(), nn.Dense(256, 10, seed=2))
stopper = po.callbacks.EarlyStopping(monitor="val_loss", patience=20, restore_best=True)
hist = po.fit(model, loss, po.optim.Adam(model.parameters(), lr=0.01), Xtr, ytr, epochs=150, batch_size=25,
              validation_data=(Xval, yval), callbacks=[stopper], progress=False, seed=SEED)
print(f"best epoch {stopper.best_epoch}, stopped at the end of epoch {stopper.stopped_epoch}")
fig = P.loss_curves(hist, metrics=["loss", "val_loss"], mark_epoch=stopper,
                    title="Early stopping (book Fig. 7.3)")
fig

# %%
val = np.asarray(hist.history["val_loss"])
assert stopper.stopped_epoch is not None and stopper.stopped_epoch < 149           # it stopped early
assert stopper.best_epoch == int(np.argmin(val))                                   # at the best epoch
# Algorithm 7.1's stopping rule replayed in NumPy on the recorded validation losses: the epoch at
# which 20 epochs in a row have not improved on the best so far
best_v, wait_v, stop_v = np.inf, 0, None
for i_v, v_v in enumerate(val):
    best_v, wait_v = (v_v, 0) if v_v < best_v else (best_v, wait_v + 1)
    if wait_v == 20:
        stop_v = i_v
        break
assert stopper.stopped_epoch == stop_v == len(val) - 1                             # it stopped by the rule
# the best parameters were restored: the model's validation loss is the best one seen
assert np.isclose(po.evaluate(model, loss, Xval, yval)["loss"], val.min(), rtol=1e-4)

# %% [markdown]
# ## 알고리즘 7.2와 7.3: 검증 데이터까지 활용하기
#
# 조기 종료는 레이블이 있는 데이터의 일부를 언제 멈출지 정하는 데 떼어 두므로, 그 예제들은 모델 학습에
# 전혀 쓰이지 않습니다. 책은 이 데이터를 되찾는 두 가지 방법을 제시합니다.
#
# * **알고리즘 7.2**는 조기 종료가 찾은 최적 에폭 수 i*만큼 *모든* 데이터로 처음부터 다시 학습합니다
#   (`retrain_same_steps`).
# * **알고리즘 7.3**은 조기 종료된 매개변수에서 출발해, 검증 손실이 종료 시점의 학습 손실보다 낮아질 때까지
#   모든 데이터로 학습을 이어 갑니다(`continue_until_loss`).
#
# 숫자 150개짜리 레이블 데이터 세 벌(각각 4분의 1은 검증용으로 떼어 둠)로 실험하고, 모든 모델을 처음 보는
# 같은 숫자 899개로 테스트합니다.

# %%
Xpool, Xtest, ypool, ytest = po.datasets.load_digits(test_size=0.5, seed=SEED)

acc = {"Algorithm 7.1 (75% of the data)": [], "Algorithm 7.2 (retrain on all)": [],
       "Algorithm 7.3 (continue on all)": []}
for s in (0, 1, 2):
    X, y = Xpool[150 * s:150 * (s + 1)], ypool[150 * s:150 * (s + 1)]
    make_model = lambda: nn.Sequential(nn.Dense(64, 256, seed=s + 1), nn.ReLU(), nn.Dense(256, 10, seed=s + 2))  # noqa: E731
    make_opt = lambda m: po.optim.Adam(m.parameters(), lr=0.01)  # noqa: E731
    kw = dict(validation_fraction=0.25, max_epochs=150, patience=20, batch_size=25, seed=s)
    m72, info72 = R.retrain_same_steps(make_model, loss, make_opt, X, y, **kw)
    m73, info73 = R.continue_until_loss(make_model, loss, make_opt, X, y, extra_epochs=100, **kw)
    tr, va = info72["split"]                      # Algorithm 7.1 alone, on the same split
    assert np.array_equal(va, info73["split"][1])
    m71 = make_model()
    es71 = po.callbacks.EarlyStopping(monitor="val_loss", patience=20)
    po.fit(m71, loss, make_opt(m71), X[tr], y[tr], epochs=150, batch_size=25, validation_data=(X[va], y[va]),
           callbacks=[es71], seed=s, progress=False)
    target71 = po.evaluate(m71, loss, X[tr], y[tr])["loss"]   # the training loss at 7.1's best point
    # 7.3 stops on the target recomputed from our own 7.1 run, and its validation loss is below it
    assert np.isclose(info73["target"], target71, rtol=1e-9) and po.evaluate(m73, loss, X[va], y[va])["loss"] <= target71
    assert len(info72["history"].history["loss"]) == es71.best_epoch + 1    # 7.2 retrains for 7.1's i* epochs
    for name, m in zip(acc, (m71, m72, m73)):
        acc[name].append(po.evaluate(m, loss, Xtest, ytest)["accuracy"])

fig, ax = P.figure(figsize=(6.5, 3.8))
for k_, (name, vals) in enumerate(acc.items()):
    ax.bar(np.arange(3) + 0.27 * (k_ - 1), vals, width=0.27, label=name)
ax.set_xticks(range(3), [f"labelled set {s}" for s in range(3)])
ax.set_ylim(0.75, 0.95)
ax.set_ylabel("test accuracy")
ax.set_title("Retraining with the validation data")
ax.legend(fontsize=8, loc="upper left")
fig

# %%
a71, a72, a73 = (np.array(v) for v in acc.values())
print({k: np.round(v, 3).tolist() for k, v in acc.items()})
assert np.all(a72 > a71)                # 7.2 beat early stopping alone on every labelled set
assert a73.mean() > a71.mean()          # 7.3 on average (on one set it lost 0.6 points: the book's caveat,
                                        # its target may be reached early or never)

# %% [markdown]
# ## L2 규제로서의 조기 종료 (식 7.40–7.45)
#
# J(w) = ½(w − w*)ᵀH(w − w*)에서 w⁽⁰⁾ = 0부터 학습률 ε로 경사 하강법(gradient descent)을 τ단계 진행하면,
# H의 i번째 고유벡터 방향으로 w*ᵢ의 1 − (1 − ελᵢ)^τ만큼에 도달합니다. 계수 α인 L2 규제는 λᵢ/(λᵢ + α)를
# 줍니다. 두 식은 α ≈ 1/(τε)일 때 서로 맞아떨어집니다. 즉 학습 단계 수가 가중치 감쇠 계수의 역수 역할을 합니다.

# %%
rng = np.random.default_rng(SEED)
Q = np.linalg.qr(rng.standard_normal((6, 6)))[0]
lam = np.array([0.01, 0.05, 0.3, 1.0, 5.0, 40.0])
H = Q @ np.diag(lam) @ Q.T
w_star = rng.standard_normal(6)
eps, tau = 0.01, 100

w = np.zeros(6)                                   # NumPy: τ gradient steps from 0
for _ in range(tau):
    w -= eps * H @ (w - w_star)
assert np.allclose(R.gd_from_zero(H, w_star, eps, tau), w)
assert np.allclose(Q.T @ w, R.gd_factors(lam, eps, tau) * (Q.T @ w_star))   # per-eigenvector fractions

alpha = R.equivalent_alpha(eps, tau)
lams = np.geomspace(1e-3, 1e2, 200)
fig = P.curves({f"early stopping, τ = {tau}, ε = {eps}": R.gd_factors(lams, eps, tau),
                f"L2, α = 1/(τε) = {alpha:g}": R.l2_shrinkage_factors(lams, alpha)},
               x=lams, xlabel="eigenvalue λ of H", ylabel="fraction of w* kept", logx=True,
               title="Kept fraction: 1 − (1 − ελ)^τ  vs  λ/(λ + α)")
fig

# %%
gd, l2 = R.gd_factors(lams, eps, tau), R.l2_shrinkage_factors(lams, alpha)
print(f"largest gap between the two: {np.abs(gd - l2).max():.3f}")
# with ελ small, 1 − (1 − ελ)^τ ≈ 1 − e^(−x) and λ/(λ + α) = x/(1 + x) for x = λτε: they are never
# more than max_x (1 − e^(−x) − x/(1 + x)) ≈ 0.2 apart (at λ ≈ 2.5α), and agree at both ends
x = np.geomspace(1e-3, 1e3, 10_000)
bound = np.max(1 - np.exp(-x) - x / (1 + x))
assert np.abs(gd - l2).max() <= bound + 0.01
small = lams < 0.1 * alpha
assert np.allclose(gd[small], l2[small], rtol=0.1)               # nearly exact where λ ≪ α ...
assert np.all(np.abs(gd - l2)[lams > 20 * alpha] < 0.05)         # ... and where λ ≫ α
# the α that best matches early stopping, found by a search, is of the order of 1/(τε)
grid = np.geomspace(1e-2, 1e2, 4001)
alpha_fit = grid[np.argmin([np.abs(gd - lams / (lams + a)).max() for a in grid])]
print(f"best-fitting α = {alpha_fit:.3f}, 1/(τε) = {alpha:g}")
assert 0.25 < alpha_fit * tau * eps < 2.0

# %% [markdown]
# ## 연습 문제
#
# 1. 첫 번째 실험을 조기 종료 대신 `po.regularizers.L2(alpha)`로 몇 가지 α에 대해 다시 돌려 보세요. 어떤 α가
#    가장 좋은 검증 손실을 주나요? 조기 종료한 결과와 비교해 보세요.
# 2. 알고리즘 7.2는 더 큰 데이터에서 같은 *에폭* 수만큼 다시 학습하므로 매개변수 갱신 횟수가 더 많습니다.
#    대신 같은 *갱신* 횟수만큼 다시 학습해 보세요(책의 또 다른 해석). 여기서는 어느 쪽이 더 잘 일반화하나요?
# 3. 두 번째 실험에서 τ를 두 배로, ε를 절반으로 바꿔 보세요. 곡선이 달라지나요? 왜 그럴까요?
