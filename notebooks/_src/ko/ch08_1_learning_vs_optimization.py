"""Source of notebooks/ko/ch08_1_learning_vs_optimization.ipynb (Korean edition; build: python notebooks/_build.py)."""
# %%
import importlib.util, subprocess, sys; importlib.util.find_spec("pyoptim") or subprocess.check_call([sys.executable, "-m", "pip", "install", "-q", "pyoptim-dlbook[hosted]"])  # hosted notebooks (Colab): install pyoptim

# %% [markdown]
# # 8.1 학습은 순수한 최적화와 어떻게 다른가
#
# *Deep Learning* 8.1절: 우리가 정말 신경 쓰는 것은 학습에 쓰지 않은 데이터에서의 성능이지만, 실제로 최소화하는 것은
# 학습 집합에서의 경험적 위험(empirical risk)입니다(8.1.1). 게다가 그 위험을 *대리* 손실(surrogate loss)로 바꾸어
# (8.1.2) *미니배치*(minibatch)로 추정하면서 최소화합니다(8.1.3).
#
# | 책 | pyoptim |
# |---|---|
# | 학습 집합에서의 경험적 위험, 보류 데이터에서의 위험 | `po.fit(..., validation_data=...)`, `po.evaluate` |
# | 대리 손실(NLL)과 0-1 손실 | `history["loss"]` 옆의 `history["accuracy"]`; `po.functions.logistic_regression` |
# | 배치, 확률적, 미니배치 방법 | `po.minibatches(X, y, batch_size, shuffle, seed)`, `po.diagnostics.MinibatchOracle` |

# %%
import numpy as np
import pyoptim as po
from pyoptim import nn

P = po.plot
SEED = 0

# %% [markdown]
# ## 8.1.1 경험적 위험 최소화
#
# 학습은 학습 집합 전체에 대한 손실의 평균 J(θ) = (1/m) Σ L(f(x⁽ⁱ⁾; θ), y⁽ⁱ⁾)를 최소화합니다. 이것은 데이터 생성
# 분포에 대한 기대 손실, 즉 위험(risk)의 대용품일 뿐입니다. 모델의 용량(capacity)이 충분하면 학습 손실이 보류
# 데이터(held-out)의 손실보다 낮아집니다. 과적합(overfitting)을 숫자로 잴 수 있다는 뜻입니다. 아래에서는 숫자 이미지
# 300개로 폭을 늘려 가며 MLP를 학습합니다.

# %%
Xtr, Xte, ytr, yte = po.datasets.load_digits(test_size=0.5, seed=SEED)
Xtr, ytr = Xtr[:300], ytr[:300]
loss = nn.SoftmaxCrossEntropy()
gaps, hists = {}, {}
for width in (2, 8, 64):
    model = nn.Sequential(nn.Dense(64, width, seed=1), nn.Tanh(), nn.Dense(width, 10, seed=2))
    hists[width] = po.fit(model, loss, po.optim.Adam(model.parameters(), lr=0.01), Xtr, ytr, epochs=60,
                          batch_size=50, validation_data=(Xte, yte), progress=False, seed=SEED)
    train = po.evaluate(model, loss, Xtr, ytr)["loss"]
    test = po.evaluate(model, loss, Xte, yte)["loss"]
    gaps[width] = test - train
    print(f"width {width:3d}: train loss {train:.3f}, held-out loss {test:.3f}, gap {test - train:.3f}")
fig = P.loss_curves(hists[64], metrics=["loss", "val_loss"], title="Width 64 on 300 digits: train vs held-out")
fig

# %%
assert gaps[64] > 0                       # the empirical risk underestimates the held-out risk ...
assert gaps[64] > gaps[2]                 # ... more so with more capacity

# %% [markdown]
# ## 8.1.2 대리 손실 함수와 조기 종료
#
# 우리가 원하는 것은 0-1 오차를 줄이는 것이지만, 0-1 손실에는 쓸모 있는 그래디언트(gradient)가 없습니다(거의 모든
# 곳에서 도함수가 0이거나 정의되지 않습니다). 그래서 대신 음의 로그 가능도(negative log-likelihood, NLL)를
# 최소화합니다. 선형 분리 가능한 데이터에서는 학습 0-1 오차가 0이 된 뒤에도 NLL이 계속 줄어듭니다. 두 클래스가 더
# 멀리 밀려나기 때문입니다(마진이 커집니다). 로지스틱 NLL과 그 그래디언트를 NumPy로 쓰면 다음과 같습니다.

# %%
X, y = po.datasets.separable(n=200, d=2, margin=0.5, seed=SEED, dtype=np.float64)


def nll_and_grad(w):
    z = X @ w
    return np.mean(np.logaddexp(0, z) - y * z), X.T @ (1 / (1 + np.exp(-z)) - y) / len(y)


f = po.functions.logistic_regression(X, y)
w_test = np.array([0.3, -0.7])
assert np.isclose(f(w_test), nll_and_grad(w_test)[0]) and np.allclose(f.grad(w_test), nll_and_grad(w_test)[1])

w = np.zeros(2)
opt = po.optim.SGD([w], lr=2.0)
nll, err, margin = [], [], []
for k in range(400):
    z = X @ w
    nll.append(f(w))
    err.append(np.mean((z > 0) != (y == 1)))
    margin.append(np.min(np.where(y == 1, z, -z)))      # the smallest signed score y·xᵀw
    opt.step([f.grad(w)])
fig = P.curves({"NLL (surrogate, minimized)": nll, "training 0-1 error": err}, x=np.arange(1, 401),
               xlabel="gradient step", ylabel="loss / error", logx=True,
               title="Separable data: the NLL keeps falling at 0 error")
fig

# %%
k0 = int(np.argmax(np.array(err) == 0))                 # the first step with zero training error
print(f"0-1 error is 0 from step {k0}; NLL {nll[k0]:.4f} -> {nll[-1]:.4f}; margin {margin[k0]:.3f} -> {margin[-1]:.3f}")
assert err[-1] == 0 and 0 < k0 < 300
assert np.all(np.diff(nll[k0:]) < 0)                    # the surrogate keeps decreasing
assert margin[-1] > margin[k0] > 0                      # and the margin keeps growing

# %% [markdown]
# ## 8.1.3 배치 알고리즘과 미니배치 알고리즘
#
# 경험적 위험의 그래디언트는 예제들에 대한 평균입니다. 예제 m개로 이루어진 미니배치는 이 평균을 표준 오차 σ/√m로
# 추정합니다. 계산을 네 배로 늘려도 잡음은 절반으로만 줄어듭니다. `po.minibatches`는 데이터를 섞어 한 바퀴(에폭)를
# 돌려줍니다(batch_size=None이면 전체 데이터를 한 번에, 1이면 확률적 방법).

# %%
Xd, yd = po.datasets.load_digits(seed=SEED)
batches = list(po.minibatches(Xd, yd, batch_size=100, shuffle=True, seed=SEED))
assert sum(len(b[1]) for b in batches) == len(yd)
assert np.array_equal(np.sort(np.concatenate([b[1] for b in batches])), np.sort(yd))  # each example once
assert len(list(po.minibatches(Xd, yd, batch_size=None))) == 1

# %% [markdown]
# `po.fit`이 하는 그대로, 미니배치 한 단계를 손으로 밟아 봅니다: 순전파, 손실, 역전파, 갱신. 입력 데이터에는
# 그래디언트가 필요 없으므로 `fit`은 `model.backward_params`를 부릅니다. 이 함수는 첫 층의 g Wᵀ 곱(그리고 그 앞에
# 있는, 파라미터가 없는 층들)을 건너뜁니다. PyTorch가 grad가 필요 없는 입력에 대해 하는 것과 같습니다. 파라미터의
# 그래디언트는 `model.backward`의 결과와 정확히 같습니다.

# %%
Xb, yb = batches[0]
Xb = Xb.astype(np.float32)
net = po.nn.Sequential(po.nn.Dense(64, 32, seed=SEED), po.nn.ReLU(), po.nn.Dense(32, 10, seed=SEED + 1))
ce = po.nn.SoftmaxCrossEntropy()
grads = {}
for how in ("backward", "backward_params"):
    net.zero_grad()
    ce.forward(net(Xb), yb)
    getattr(net, how)(ce.backward())
    grads[how] = [p.grad.copy() for p in net.parameters()]
assert all(np.array_equal(a, b) for a, b in zip(grads["backward"], grads["backward_params"]))
opt = po.optim.SGD(net.parameters(), lr=0.1)
before = ce.forward(net(Xb), yb)
opt.step()                                   # the gradients of the last pass are still in .grad
after = ce.forward(net(Xb), yb)
print(f"batch loss {before:.4f} -> {after:.4f} after one step")
assert after < before

# %% [markdown]
# 로지스틱 회귀에서 고정된 w에 대해, 미니배치 그래디언트의 표준 오차를 `MinibatchOracle`로 m = 1 … 256에 대해
# 재어 봅니다(배치는 비복원 추출이며, 부를 때마다 새로 뽑습니다).

# %%
Xg, yg = po.datasets.separable(n=20000, d=5, margin=0.0, seed=SEED, dtype=np.float64)
fg = po.functions.logistic_regression(Xg, yg)
w_fixed = np.full(5, 0.3)
oracle_grad = lambda w, Xb, yb: po.functions.logistic_regression(Xb, yb).grad(w)  # noqa: E731
full = fg.grad(w_fixed)
ms = np.array([1, 2, 4, 8, 16, 32, 64, 128, 256])
stds = []
for m in ms:
    oracle = po.diagnostics.MinibatchOracle(oracle_grad, Xg, yg, batch_size=int(m), seed=SEED)
    draws = np.array([oracle(w_fixed) for _ in range(300)])
    stds.append(np.sqrt(np.mean(np.sum((draws - full) ** 2, axis=1))))
fig = P.gradient_noise(ms, stds)
fig

# %%
slope = np.polyfit(np.log(ms), np.log(stds), 1)[0]
print(f"fitted slope {slope:.3f} (book: -1/2)")
assert abs(slope + 0.5) < 0.05

# %% [markdown]
# ### 배치 크기가 주고받는 것
#
# 책은 미니배치 크기 m을 정하는 요인들을 나열합니다. 그중 세 가지 주장을 직접 재어 봅니다.
#
# 1. **작은 배치는 안정성을 유지하려면 작은 학습률(learning rate)이 필요합니다.** 그래디언트 추정의 분산이 크기
#    때문입니다. 최소 제곱 문제에서 전체 배치 경사 하강법(gradient descent)은 정확히 ε = 2/λ_max(H)
#    (H = XᵀX/n) 아래에서 안정적입니다. 아래에서는 각 m에 대해, 모든 시드에서 확률적 경사 하강법(SGD)이 300단계 안에 손실을 낮추는
#    가장 큰 ε을 이분법으로 찾습니다.
# 2. **중복(redundancy)**: 학습 집합에 같은 예제가 여러 벌 들어 있다면, 작은 표본도 전체 집합과 같은 그래디언트를
#    훨씬 적은 비용으로 줍니다.
# 3. **2차 방법에는 훨씬 큰 배치가 필요합니다**(책: 100 대 10 000). 뉴턴 단계 H⁻¹g는 그래디언트의 표본 오차에 H⁻¹을
#    곱하는데, 곡률이 작은 방향에서는 이 값이 큽니다. 1차 근사로, 미니배치 뉴턴 단계의 오차는 *최적점에서의*
#    그래디언트 표본 오차 (1/m)Σ xᵢrᵢ (rᵢ는 그곳의 잔차)에 H⁻¹을 곱한 것이므로, 그 제곱평균제곱근(RMS) 크기는
#    √(tr(H⁻¹SH⁻¹)/m)입니다(S = (1/n)Σ rᵢ²xᵢxᵢᵀ). 안정적인 크기 ε = 1/λ_max의 그래디언트 단계는 오차가
#    √(ε² tr Σ/m)입니다. 두 닫힌 형식을 실제로 뽑은 미니배치와 비교합니다.

# %%
rng_b = np.random.default_rng(SEED)
n_b, d_b = 20000, 10
Xl = rng_b.standard_normal((n_b, d_b)) * np.geomspace(1.0, 0.1, d_b)      # condition number κ = 100
yl = Xl @ rng_b.standard_normal(d_b) + 0.5 * rng_b.standard_normal(n_b)
Hl = Xl.T @ Xl / n_b
lam_l = np.linalg.eigvalsh(Hl)


def sgd_is_stable(eps, m, seed, steps=300):
    w, r = np.zeros(d_b), np.random.default_rng(seed)
    opt = po.optim.SGD([w], lr=eps)
    start = np.mean((Xl @ w - yl) ** 2)
    for _ in range(steps):
        idx = r.integers(0, n_b, size=m) if m < n_b else slice(None)
        opt.step([Xl[idx].T @ (Xl[idx] @ w - yl[idx]) / len(yl[idx])])
        if not np.all(np.abs(w) < 1e6):
            return False
    return np.mean((Xl @ w - yl) ** 2) < start


def largest_stable_lr(m, lo=0.05, hi=5.0):
    for _ in range(14):                         # bisection in log scale
        mid = np.sqrt(lo * hi)
        lo, hi = (mid, hi) if all(sgd_is_stable(mid, m, s) for s in (0, 1)) else (lo, mid)
    return lo


batch_sizes = [1, 2, 4, 16, n_b]
eps_max = np.array([largest_stable_lr(m) for m in batch_sizes])

# 2. redundancy: 200 distinct examples, each copied 100 times
base = rng_b.integers(0, n_b, size=200)
Xr, yr = np.repeat(Xl[base], 100, axis=0), np.repeat(yl[base], 100)
w_any = rng_b.standard_normal(d_b)
g_copies = Xr.T @ (Xr @ w_any - yr) / len(yr)                   # 20 000 example gradients
g_distinct = Xl[base].T @ (Xl[base] @ w_any - yl[base]) / 200   # 200 example gradients
# minibatches drawn from the 20 000 copies by pyoptim's MinibatchOracle: their error is σ/√m with σ
# the spread of the 200 distinct examples' gradients (the copies add no information)
per_ex_r = Xl[base] * (Xl[base] @ w_any - yl[base])[:, None]
sigma_r = np.sqrt(np.mean(np.sum((per_ex_r - g_distinct) ** 2, axis=1)))
ms_r = np.array([10, 50, 200])
meas_r, pred_r = [], []
for m in ms_r:
    oracle_r = po.diagnostics.MinibatchOracle(lambda w, Xb, yb: Xb.T @ (Xb @ w - yb) / len(yb), Xr, yr,
                                              batch_size=int(m), seed=SEED)
    draws_r = np.array([oracle_r(w_any) for _ in range(400)])
    meas_r.append(np.sqrt(np.mean(np.sum((draws_r - g_copies) ** 2, axis=1))))
    pred_r.append(sigma_r / np.sqrt(m) * np.sqrt((len(yr) - m) / (len(yr) - 1)))

# 3. Newton against gradient steps from minibatches, at w = 0
w_opt = np.linalg.solve(Hl, Xl.T @ yl / n_b)
r_opt = Xl @ w_opt - yl
w0 = np.zeros(d_b)
g_full = Xl.T @ (Xl @ w0 - yl) / n_b
step_newton, eps_gd = np.linalg.solve(Hl, g_full), 1.0 / lam_l.max()
Hinv = np.linalg.inv(Hl)
S = (Xl * r_opt[:, None] ** 2).T @ Xl / n_b
per_example = Xl * (Xl @ w0 - yl)[:, None]
Sigma = np.cov(per_example.T, bias=True)
ms_b = np.array([64, 256, 1024, 4096])
fpc = np.sqrt((n_b - ms_b) / (n_b - 1))                          # sampling without replacement
pred_newton = np.sqrt(np.trace(Hinv @ S @ Hinv) / ms_b) * fpc
pred_gd = eps_gd * np.sqrt(np.trace(Sigma) / ms_b) * fpc
meas_newton, meas_gd = [], []
for m in ms_b:
    en, eg = [], []
    for _ in range(300):
        idx = rng_b.choice(n_b, size=m, replace=False)
        Xm = Xl[idx]
        gm = Xm.T @ (Xm @ w0 - yl[idx]) / m
        en.append(np.sum((np.linalg.solve(Xm.T @ Xm / m, gm) - step_newton) ** 2))
        eg.append(np.sum((eps_gd * (gm - g_full)) ** 2))
    meas_newton.append(np.sqrt(np.mean(en)))
    meas_gd.append(np.sqrt(np.mean(eg)))
meas_newton, meas_gd = np.array(meas_newton), np.array(meas_gd)

fig, axes = P.figure(figsize=(11, 3.8), ncols=2)
axes[0].semilogx(batch_sizes, eps_max, "o-", label="largest stable ε (measured)")
axes[0].axhline(2 / lam_l.max(), color="black", ls="--", lw=1, label="2/λ_max (full batch, theory)")
axes[0].set_xlabel("batch size m")
axes[0].set_ylabel("learning rate ε")
axes[0].set_title("Small batches need a smaller ε")
axes[0].legend()
axes[1].loglog(ms_b, meas_newton, "o", label="Newton step H⁻¹g: measured")
axes[1].loglog(ms_b, pred_newton, "-", label="√(tr(H⁻¹SH⁻¹)/m)")
axes[1].loglog(ms_b, meas_gd, "s", label="gradient step εg: measured")
axes[1].loglog(ms_b, pred_gd, "--", label="ε√(tr Σ/m)")
axes[1].set_xlabel("batch size m")
axes[1].set_ylabel("RMS error of the step")
axes[1].set_title("Second-order steps amplify the sampling noise")
axes[1].legend()
fig

# %%
print("largest stable ε:", dict(zip(batch_sizes, eps_max.round(3))), f"2/λ_max = {2 / lam_l.max():.3f}")
print("RMS step error, Newton:", meas_newton.round(3), " gradient:", meas_gd.round(3))
assert np.all(np.diff(eps_max[:4]) > 0) and eps_max[0] < 0.5 * eps_max[-1]     # smaller m, smaller stable ε
np.testing.assert_allclose(eps_max[-1], 2 / lam_l.max(), rtol=0.03)            # full batch: the theory's 2/λ_max
print("redundant set, RMS error of m-example gradients:", np.round(meas_r, 3), f"(full gradient norm {np.linalg.norm(g_copies):.3f})")
np.testing.assert_allclose(meas_r, pred_r, rtol=0.1)                             # 100 copies: the error of 200 examples
np.testing.assert_allclose(meas_newton[1:], pred_newton[1:], rtol=0.15)          # noise amplified by H⁻¹
np.testing.assert_allclose(meas_gd, pred_gd, rtol=0.15)
ratio_b = meas_newton / meas_gd
assert np.all(ratio_b > 2)       # same m: Newton's step error is > 2x; matching it needs > 4x the batch

# %% [markdown]
# 작은 배치가 *규제*(regularization) 효과를 낸다는(일반화는 m = 1에서 가장 좋은 경우가 많다는; Wilson & Martinez,
# 2003) 책의 네 번째 주장은 모델과 계산 예산에 따라 달라지므로 여기서 assert하지 않습니다. 연습문제 4에서 숫자
# 데이터로 직접 재어 봅니다.

# %% [markdown]
# ### 미니배치와 병렬 처리
#
# 책(8.1.3)은 미니배치가 *병렬* 작업의 단위라는 점을 짚습니다. 미니배치에 든 예제들의 그래디언트는 여러 코어나
# 여러 컴퓨터에서 동시에 계산할 수 있습니다. 이를 활용하는 세 가지 방법을 직접 재어 봅니다.
#
# 1. **동기식 데이터 병렬 처리(synchronous data parallelism).** 작업자(worker) K개가 각자 예제 b개짜리
#    조각(shard)을 받아 그 조각의 평균 그래디언트를 계산하고, K개의 그래디언트를 평균("올리듀스(all-reduce)")한
#    다음 공유된 한 단계를 밟습니다. 손실이 예제들에 대한 평균이므로 조각별 평균들의 평균은 K·b개 배치 전체의
#    그래디언트와 *같습니다*. 배치 b를 쓰는 작업자 K개는 배치 K·b를 쓰는 작업자 하나와 똑같이 학습합니다.
#    아래에서는 작업자 네 개가 pyoptim의 층으로 소프트맥스 회귀의 조각별 그래디언트를 계산하고, 큰 배치
#    실행은 그래디언트 (1/N)Xᵀ(softmax(XW + b) − Y)를 NumPy로 직접 씁니다.

# %%
Xp = Xd.astype(np.float64)
order_p = np.random.default_rng(SEED).permutation(len(yd))
K_w, b_w = 4, 32                               # 4 workers, 32 examples each: a global batch of 128


def shard_gradients(layer, Xs, ys):
    """What one worker computes: its shard's mean gradient, through pyoptim's forward and backward."""
    ce_w = nn.SoftmaxCrossEntropy()
    layer.zero_grad()
    ce_w.forward(layer(Xs), ys)
    layer.backward(ce_w.backward())
    return [p.grad.copy() for p in layer.parameters()]


def big_batch_gradient(W, bias, Xs, ys):
    """The gradient of the mean cross-entropy over the whole batch, in NumPy."""
    Z = Xs @ W + bias
    Pr = np.exp(Z - Z.max(axis=1, keepdims=True))
    Pr /= Pr.sum(axis=1, keepdims=True)
    Pr[np.arange(len(ys)), ys] -= 1.0
    return Xs.T @ Pr / len(ys), Pr.mean(axis=0)


softmax_reg = nn.Dense(64, 10, seed=SEED, dtype=np.float64)
W_init = softmax_reg.weight.data.copy()
W_big, b_big = W_init.copy(), softmax_reg.bias.data.copy()     # the large-batch run, in NumPy
opt_dp = po.optim.SGD(softmax_reg.parameters(), lr=0.5)
grad_gap = []
for step in range(12):
    idx = order_p[step * K_w * b_w:(step + 1) * K_w * b_w]
    Xs, ys = Xp[idx], yd[idx]
    per_worker = [shard_gradients(softmax_reg, Xs[k::K_w], ys[k::K_w]) for k in range(K_w)]
    averaged = [np.mean([g[j] for g in per_worker], axis=0) for j in range(2)]   # the all-reduce
    gW, gb = big_batch_gradient(W_big, b_big, Xs, ys)
    grad_gap.append(max(np.abs(averaged[0] - gW).max(), np.abs(averaged[1] - gb).max()))
    for p, g in zip(softmax_reg.parameters(), averaged):
        p.grad[...] = g
    opt_dp.step()                              # one synchronous step of the 4 workers
    W_big -= 0.5 * gW                          # one step of the single large-batch run
    b_big -= 0.5 * gb
print(f"largest gap, averaged worker gradients vs the batch-128 gradient: {max(grad_gap):.1e}")
print(f"after 12 steps the weights moved {np.abs(W_big - W_init).max():.2f}; "
      f"the two runs differ by {np.abs(softmax_reg.weight.data - W_big).max():.1e}")

# %%
assert max(grad_gap) < 1e-12                                          # K shard means averaged = the big batch's
np.testing.assert_allclose(softmax_reg.weight.data, W_big, rtol=0, atol=1e-12)   # and so is the training run
assert np.abs(W_big - W_init).max() > 0.1                             # (which did move)

# %% [markdown]
# 2. **선형 스케일링 규칙(linear scaling rule).** 배치를 K배로 키우면 한 단계의 계산도 K배(또는 작업자 K개)가
#    되고, 그래디언트 잡음의 분산은 1/K이 됩니다. Goyal 외(2017)는 학습률(learning rate)도 같은 비율로
#    키웁니다. k·ε이 작은 동안에는 배치 k·b와 학습률 k·ε가, 본 예제 수를 기준으로, 배치 b와 학습률 ε와 같은 경로를
#    따릅니다(작은 배치의 작은 단계 k번이 k배 큰 한 단계와 거의 같기 때문입니다). k·ε이 전체 배치 경사 하강법의
#    안정성 한계 2/λ_max(위 절)를 넘으면 이 규칙은 깨질 수밖에 없습니다. 다시 최소제곱 문제에서, k = 1 … 512에
#    대해 본 예제 수에 따른 손실입니다.

# %%
eps_s, b_s = 0.005, 2
ks_s = [1, 4, 16, 64, 512]
budget_s = 512 * b_s * 40                      # examples seen by every run
f_best = np.mean((Xl @ w_opt - yl) ** 2) / 2   # the least-squares optimum (w_opt solved above)
scaling = {}
for k in ks_s:
    m, lr = k * b_s, k * eps_s
    w_s, r_s = np.zeros(d_b), np.random.default_rng(SEED + k)
    opt_s = po.optim.SGD([w_s], lr=lr)
    n_steps = budget_s // m
    seen_s, excess_s = [], []
    for s in range(1, n_steps + 1):
        idx = r_s.integers(0, n_b, size=m)
        opt_s.step([Xl[idx].T @ (Xl[idx] @ w_s - yl[idx]) / m])
        if s % max(1, n_steps // 40) == 0:
            seen_s.append(s * m)
            excess_s.append(np.mean((Xl @ w_s - yl) ** 2) / 2 - f_best)
            if not excess_s[-1] < 1e6:         # diverged
                break
    scaling[k] = (np.array(seen_s), np.array(excess_s))
fig, ax = P.figure(figsize=(6.5, 4))
for i, (k, (seen_s, excess_s)) in enumerate(scaling.items()):   # the curves coincide: styles and widths
    ax.semilogy(seen_s, np.minimum(excess_s, 1e6), label=f"batch {k * b_s}, ε = {k * eps_s:g}",   # tell them apart
                ls=("-", "--", "-.", ":")[i % 4], lw=3.2 - 0.5 * i)
ax.set_xlabel("examples seen")
ax.set_ylabel("excess loss J(w) − J(w*)")
ax.set_title("Linear scaling: batch k·b with rate k·ε")
ax.legend(fontsize=8)
fig

# %%
final_s = {k: v[1][-1] for k, v in scaling.items()}
print({k: f"{v:.2e}" for k, v in final_s.items()}, f"stability limit 2/λ_max = {2 / lam_l.max():.2f}")
assert all(0.67 < final_s[k] / final_s[1] < 1.5 for k in (4, 16, 64))    # the rule holds while kε < 2/λ_max
assert 64 * eps_s < 2 / lam_l.max() < 512 * eps_s and not final_s[512] < 100 * final_s[1]   # and breaks past it

# %% [markdown]
# 3. **비동기식 갱신: Hogwild!** 동기식 작업자들은 매 단계마다 서로를 기다립니다. Recht 외(2011)는 기다림도
#    잠금(lock)도 없앱니다. 여러 스레드가 공유된 파라미터 벡터 하나를 아무 때나 읽고 쓰며, 각자 예제 하나짜리
#    확률적 경사 하강법(SGD) 단계를 적용합니다. 어떤 갱신은 그사이 다른 스레드가 바꾼 파라미터로 계산될 수
#    있습니다. 예제마다 몇 개의 좌표만 건드리는 *희소* 문제에서는 두 갱신이 같은 좌표를 건드리는 일이 드물어서,
#    SGD가 직렬로 돌린 것처럼 수렴합니다. `po.distributed.hogwild_sgd`는 이를 파이썬 스레드로 실행합니다(NumPy와
#    pyoptim의 커널은 반복문 안에서 인터프리터 잠금을 풉니다). 희소 최소제곱 문제: 예제 4000개, 좌표 200개,
#    예제마다 0이 아닌 특성 5개. 스레드 하나(평범한 직렬 SGD로, 비트 단위까지 재현됩니다)와 스레드 네 개를
#    비교하고, 최적값은 `np.linalg.lstsq`로 구합니다. 각 스레드는 시드가 정해진 자기 생성기로 예제를 뽑지만,
#    갱신이 *어느* 시점의 w를 읽는지는 스레드가 번갈아 실행되는 방식에 달려 있습니다. 그래서 스레드 네 개의
#    결과는 실행할 때마다 마지막 자릿수가 달라지며, 이는 방법의 본성입니다.

# %%
from pyoptim.distributed import hogwild_sgd

rng_h = np.random.default_rng(SEED)
n_h, d_h, k_h = 4000, 200, 5
Xh = np.zeros((n_h, d_h))
for i in range(n_h):
    Xh[i, rng_h.choice(d_h, size=k_h, replace=False)] = rng_h.standard_normal(k_h)
yh = Xh @ rng_h.standard_normal(d_h) + 0.3 * rng_h.standard_normal(n_h)
f_ls = 0.5 * np.mean((Xh @ np.linalg.lstsq(Xh, yh, rcond=None)[0] - yh) ** 2)   # the optimum, by SVD


def half_mse(w):
    return 0.5 * np.mean((Xh @ w - yh) ** 2)


hog = {}
for T in (1, 4):
    w_h, hist_h = np.zeros(d_h), []
    for e in range(12):                          # ε_e = 0.05/(1 + e/2), one epoch per call
        w_h = hogwild_sgd(Xh, yh, w_h, lr=0.05 / (1 + 0.5 * e), epochs=1, n_threads=T, seed=[SEED, e])
        hist_h.append(half_mse(w_h))
    hog["serial SGD (1 thread)" if T == 1 else f"Hogwild! ({T} threads)"] = np.array(hist_h)
fig = P.curves({name: v / f_ls - 1 for name, v in hog.items()}, x=np.arange(1, 13), xlabel="epoch",
               ylabel="(J(w) − J(w*)) / J(w*)", logy=True, title="Lock-free SGD on a sparse problem")
fig

# %%
j_serial, j_hog = hog["serial SGD (1 thread)"][-1], hog["Hogwild! (4 threads)"][-1]
print(f"optimum {f_ls:.5f}; after 12 epochs: serial {j_serial:.5f} ({j_serial / f_ls - 1:+.2%}), "
      f"Hogwild! {j_hog:.5f} ({j_hog / f_ls - 1:+.2%})")
assert j_serial < 1.01 * f_ls and j_hog < 1.01 * f_ls     # both within 1% of the least-squares optimum
assert abs(j_hog - j_serial) < 0.01 * f_ls                # lock-free threads lose nothing measurable here

# %% [markdown]
# ## 연습문제
#
# 1. 폭 64 모델을 `EarlyStopping`으로 학습해 보세요(노트북 7.8). 간극(gap)은 얼마나 남습니까?
# 2. 분리 가능한 데이터에서 로지스틱 손실을 제곱 오차로 바꿔 보세요. 그 최소점의 0-1 오차는 0입니까? 이제는 왜
#    마진이 한없이 커질 수 없습니까?
# 3. 유한 모집단 보정을 넣으면 표준 오차는 σ/√m · √((n − m)/(n − 1))입니다. 예제 n = 512개짜리 집합에서 m을 n까지
#    늘려 가며 재어 보세요.
# 4. 8.1.1의 폭 64 신경망을 숫자 이미지 300개로 m = 4와 전체 배치로 각각 학습하세요. 각각 작은 격자에서 가장 좋은
#    학습률을 골라, 같은 에폭 수만큼 학습합니다. 어느 쪽이 더 잘 일반화합니까? 답을 믿기 전에 시드 세 개로
#    반복하세요(책 8.1.3: 작은 배치는 규제 효과를 낼 수 있습니다).
