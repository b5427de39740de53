"""Source of notebooks/ko/ch07_1-3_norm_penalties.ipynb (Korean edition; build: python notebooks/_build.py)."""
# %%
import importlib.util, subprocess, sys; importlib.util.find_spec("pyoptim") or subprocess.check_call([sys.executable, "-m", "pip", "install", "-q", "pyoptim-dlbook[hosted]"])  # hosted notebooks (Colab): install pyoptim

# %% [markdown]
# # 7.1–7.3 매개변수 노름 페널티, 제약, 과소 제약 문제
#
# *Deep Learning* 책의 7.1절(L2 페널티와 L1 페널티), 7.2절(제약 있는 최적화로서의 노름 페널티), 7.3절(규제와
# 과소 제약 문제)을 다룹니다. 아이디어 하나마다 설명, 순수 NumPy 구현, pyoptim 호출, 그림, 그리고 책의 주장을
# 확인하는 `assert`의 순서로 진행합니다.
#
# | 책 | pyoptim |
# |---|---|
# | L2 규제(regularization), 가중치 감쇠(weight decay) αΩ(w) = (α/2)‖w‖² (식 7.2–7.5) | `po.fit(..., regularizers=[...])` 안의 `po.regularizers.L2(alpha)`; `po.optim.AdamW` (분리된 감쇠) |
# | w̃ = Q(Λ + αI)⁻¹ΛQᵀw* (식 7.13), 리지 회귀(ridge regression) (식 7.17) | `po.regularization.l2_quadratic_minimum`, `l2_shrinkage_factors`, `ridge` |
# | L1 규제 (식 7.18–7.24), 소프트 임계화(soft thresholding) (식 7.22) | `po.regularizers.L1(alpha, mode="subgradient" \| "proximal")`, `po.regularization.l1_diagonal_minimum` |
# | 명시적 제약(explicit constraint), 재투영(reprojection) (7.2절) | `po.fit(..., constraints=[...])` 안의 `po.constraints.MaxNorm(k, axis=0)`, `L2Ball`, `L1Ball`; 상자 제약: `po.kernels.project_box`, `po.minimize(method="gd", bounds=...)` |
# | 일반화된 라그랑주 함수(generalized Lagrangian), KKT 조건, 주어진 k에 대응하는 α (식 7.25–7.27) | `po.regularization.l2_ball_minimum`, `lagrangian_descent_ascent` |
# | 리지 회귀의 극한으로서의 유사역행렬(pseudo-inverse) (식 7.29) | `po.regularization.ridge_pseudo_inverse(X, alpha)` |
# | 선형 분리 가능한 데이터에서 한없이 커지는 로지스틱 회귀 가중치 | `po.regularization.logistic_weight_path` |

# %%
import numpy as np
import pyoptim as po
from pyoptim import nn

P = po.plot
R = po.regularization
SEED = 0

# %% [markdown]
# ## 7.1.1 L2 매개변수 규제
#
# 최솟점 w* 근처에서 비용은 J(w) = ½(w − w*)ᵀH(w − w*)로 근사됩니다. 여기에 (α/2)‖w‖²를 더하면 최솟점이
# w̃ = (H + αI)⁻¹Hw*로 옮겨 갑니다. 헤시안(Hessian)을 H = QΛQᵀ로 고윳값 분해하면 w̃ = Q(Λ + αI)⁻¹ΛQᵀw*이므로,
# w*의 i번째 고유벡터(eigenvector) 방향 성분은 λᵢ/(λᵢ + α)배로 줄어듭니다. 곡률이 작은 방향(λᵢ ≪ α)은 거의
# 0까지 줄어들고, 곡률이 큰 방향은 거의 그대로 남습니다. NumPy로 확인해 봅시다.

# %%
rng = np.random.default_rng(SEED)
Q = np.linalg.qr(rng.standard_normal((4, 4)))[0]
lam = np.array([0.1, 1.0, 5.0, 50.0])
H = Q @ np.diag(lam) @ Q.T
w_star = rng.standard_normal(4)
alpha = 1.0

w_tilde_np = Q @ np.diag(lam / (lam + alpha)) @ Q.T @ w_star
w_tilde_po = R.l2_quadratic_minimum(H, w_star, alpha)
assert np.allclose(w_tilde_np, np.linalg.solve(H + alpha * np.eye(4), H @ w_star))
assert np.allclose(w_tilde_po, w_tilde_np)
# the factor kept along each eigenvector, read off the solved w̃ (no formula for it used here)
assert np.allclose((Q.T @ np.linalg.solve(H + alpha * np.eye(4), H @ w_star)) / (Q.T @ w_star),
                   R.l2_shrinkage_factors(lam, alpha))
print("shrinkage factors λ/(λ+α):", np.round(lam / (lam + alpha), 3))

# %% [markdown]
# 책 그림 7.1을 2차원에서 그려 봅니다. J의 등고선(실선)과 페널티의 등고선(점선)이 w̃에서 맞닿습니다.
# 약한 방향(가로축, 작은 고윳값(eigenvalue) λ)이 강한 방향보다 훨씬 더 많이 0 쪽으로 끌려갑니다.

# %%
H2 = np.diag([0.6, 5.0])
fig = P.l2_picture(H2, np.array([2.0, 1.0]), alpha=1.0)
fig

# %% [markdown]
# ipywidgets가 있으면 α를 슬라이더로 바꿔 볼 수 있고, 없으면 정적인 그림이 나옵니다.

# %%
P.interactive_l2(H2, np.array([2.0, 1.0]), alpha=1.0)

# %% [markdown]
# 학습에서는 `po.regularizers.L2(alpha)`가 손실에 (α/2)‖W‖²를 더하고 각 가중치의 그래디언트(gradient)에
# αW를 더합니다(편향은 빼고 가중치에만). 평균제곱오차를 쓰는 선형 회귀 (1/N)‖Xw − y‖² + (α/2)‖w‖²의 최솟점은
# 리지 회귀의 해 (XᵀX + (αN/2) I)⁻¹Xᵀy입니다(이 손실의 상수를 넣은 식 7.17).

# %%
X, y = po.datasets.linear_regression(n=100, d=5, noise=0.5, seed=SEED, dtype=np.float64)
y = y.reshape(-1, 1)
model = nn.Sequential(nn.Dense(5, 1, bias=False, seed=1, dtype=np.float64))
reg = po.regularizers.L2(alpha=0.3)
W = model[0].weight.data


def penalty_at(v):
    """pyoptim's penalty Ω evaluated with the weights set to v."""
    saved = W.copy()
    W[...] = v
    try:
        return reg.penalty(model)
    finally:
        W[...] = saved


def central_differences(fun, v, h=1e-5):
    g = np.zeros_like(v)
    for i in np.ndindex(v.shape):
        e = np.zeros_like(v)
        e[i] = h
        g[i] = (fun(v + e) - fun(v - e)) / (2 * h)
    return g


w_ridge = np.linalg.solve(X.T @ X + 0.3 * len(X) / 2 * np.eye(5), X.T @ y)
# ridge by least squares on the augmented system [X; √c I] w ≈ [y; 0] (an SVD, no normal equations)
w_aug = np.linalg.lstsq(np.vstack([X, np.sqrt(0.3 * len(X) / 2) * np.eye(5)]), np.vstack([y, np.zeros((5, 1))]),
                        rcond=None)[0]
# the penalty: zero at w = 0, and the ridge solution is a stationary point of (1/N)‖Xw − y‖² + L2.penalty(w)
assert penalty_at(np.zeros_like(W)) == 0.0 and np.allclose(central_differences(lambda v: np.mean((X @ v - y) ** 2) + penalty_at(v), w_aug), 0, atol=1e-7)
# its gradient: L2.grad against central differences of L2.penalty
assert np.allclose(reg.grad(model)[0], central_differences(penalty_at, W.copy()), rtol=1e-7, atol=1e-10)

po.fit(model, nn.MSELoss(), po.optim.SGD(model.parameters(), lr=0.2), X, y, epochs=400, batch_size=None,
       regularizers=[reg], progress=False, seed=SEED)
assert np.allclose(R.ridge(X, y, 0.3 * len(X) / 2), w_aug, rtol=1e-10, atol=1e-12)
print("trained:", model[0].weight.data.ravel().round(5), "\nridge:  ", w_ridge.ravel().round(5))
assert np.allclose(model[0].weight.data, w_ridge, atol=1e-8)

# %% [markdown]
# ## 7.1.2 L1 규제
#
# 페널티가 α‖w‖₁이고 헤시안이 대각행렬이면 최솟점을 닫힌 형태로 쓸 수 있습니다(식 7.22):
# wᵢ = sign(w*ᵢ)·max(|w*ᵢ| − α/Hᵢᵢ, 0). |w*ᵢ|가 α/Hᵢᵢ보다 작은 가중치는 **정확히** 0이 됩니다.
# L1은 희소한(sparse) 해를 주고, L2는 결코 그렇지 않습니다.

# %%
w_star = np.array([2.0, -1.2, 0.8, 0.4, -0.25, 0.1])
h = np.array([1.0, 2.0, 0.5, 1.5, 1.0, 3.0])


def soft_threshold(w_star, h, alpha):
    return np.sign(w_star) * np.maximum(np.abs(w_star) - alpha / h, 0.0)


# optimality of l1_diagonal_minimum's answer for ½Σ Hᵢᵢ(wᵢ − w*ᵢ)² + α‖w‖₁ (subgradients, α = 0.5):
# where wᵢ ≠ 0, Hᵢᵢ(wᵢ − w*ᵢ) + α·sign(wᵢ) = 0; where wᵢ = 0, |Hᵢᵢ w*ᵢ| ≤ α
w_l1 = R.l1_diagonal_minimum(h, w_star, 0.5)
nz = w_l1 != 0
assert np.allclose(h[nz] * (w_l1[nz] - w_star[nz]) + 0.5 * np.sign(w_l1[nz]), 0, atol=1e-12) and np.all(np.abs(h[~nz] * w_star[~nz]) <= 0.5) and 0 < nz.sum() < 6
alphas = np.geomspace(1e-3, 3, 80)
path = np.array([R.l1_diagonal_minimum(h, w_star, a) for a in alphas])
fig = P.l1_path(alphas, path, names=[f"w{i + 1}* = {w:g}" for i, w in enumerate(w_star)])
fig

# %% [markdown]
# `po.regularizers.L1(alpha, mode="proximal")`은 학습으로 이 해에 도달합니다. J에 대한 경사 하강법(gradient
# descent) 한 단계를 밟은 뒤 lr·α로 소프트 임계화를 적용합니다(ISTA). 아래에서 "모델"은 가중치 행렬 w 하나이고
# J = ½Σ Hᵢᵢ(wᵢ − w*ᵢ)²이며, 그 그래디언트는 우리가 직접 `.grad`에 써 넣습니다.

# %%
lin = nn.Sequential(nn.Dense(6, 1, bias=False, init="zeros", dtype=np.float64))
w = lin[0].weight
l1 = po.regularizers.L1(alpha=0.5, mode="proximal")
opt = po.optim.SGD(lin.parameters(), lr=0.2)
for step in range(300):
    lin.zero_grad()
    w.grad[:, 0] = h * (w.data[:, 0] - w_star)
    opt.step()
    l1.after_step(lin, lr=0.2)
print("proximal L1:", w.data[:, 0].round(6))
assert np.allclose(w.data[:, 0], soft_threshold(w_star, h, 0.5), atol=1e-10)
zeros = np.abs(w_star) <= 0.5 / h
assert np.all(w.data[zeros, 0] == 0.0) and zeros.sum() >= 2                # exact zeros

# %%
P.interactive_l1(w_star, h, alpha=0.5)

# %% [markdown]
# ## 7.2 제약 있는 최적화로서의 노름 페널티
#
# 페널티 대신 Ω(w) ≤ k라는 제약(constraint)을 걸고, 매 단계 뒤에 제약 영역으로 다시 투영(재투영)할 수도 있습니다.
# Hinton 등(2012)은 행렬 전체가 아니라 각 *열*(한 유닛으로 들어오는 가중치들)의 노름을 제한했습니다:
# `MaxNorm(k, axis=0)`. 아래는 숫자 손글씨(digits) 데이터에서 높은 학습률(learning rate)로 학습한 MLP를
# 이 제약이 있을 때와 없을 때 비교한 것입니다.

# %%
Xtr, Xte, ytr, yte = po.datasets.load_digits(test_size=0.3, seed=SEED)


class ColumnNorms(po.callbacks.Callback):
    def __init__(self):
        self.max_norm = []

    def on_batch_end(self, batch, logs):
        self.max_norm.append(max(np.linalg.norm(m.weight.data, axis=0).max()
                                 for m in self.trainer.model if isinstance(m, nn.Dense)))


norms = {}
for name, constraints in (("no constraint", []), ("MaxNorm(2.0)", [po.constraints.MaxNorm(2.0, axis=0)])):
    net = nn.Sequential(nn.Dense(64, 64, seed=1), nn.ReLU(), nn.Dense(64, 10, seed=2))
    cb = ColumnNorms()
    po.fit(net, nn.SoftmaxCrossEntropy(), po.optim.SGD(net.parameters(), lr=0.5, momentum=0.9), Xtr, ytr,
           epochs=3, batch_size=32, constraints=constraints, callbacks=[cb], progress=False, seed=SEED)
    norms[name] = cb.max_norm
fig = P.curves(norms, xlabel="step", ylabel="largest column norm ‖W[:, j]‖",
               title="Max-norm constraint, applied after every step")
fig

# %%
assert max(norms["MaxNorm(2.0)"]) <= 2.0 * (1 + 1e-6)      # after every step, every column norm ≤ k
assert max(norms["no constraint"]) > 2.0

# %% [markdown]
# ### 일반화된 라그랑주 함수: 제약 크기 k에는 어떤 α가 대응하는가?
#
# 책은 제약 Ω(θ) ≤ k를 *일반화된 라그랑주 함수*(generalized Lagrangian)로 씁니다(식 7.25).
#
# L(θ, α; X, y) = J(θ; X, y) + α(Ω(θ) − k),  θ* = argmin_θ max_{α ≥ 0} L(θ, α).
#
# 해는 KKT(Karush–Kuhn–Tucker) 조건을 만족합니다. 정상성 조건(stationarity) ∇J(θ*) + α*∇Ω(θ*) = 0,
# 쌍대 실현 가능성(dual feasibility) α* ≥ 0, 원문제 실현 가능성(primal feasibility) Ω(θ*) ≤ k, 그리고
# 상보적 여유성(complementary slackness) α*(Ω(θ*) − k) = 0입니다(제약이 경계에 걸려 있거나, 아니면 α* = 0).
# α를 α*에 고정하면 L을 최소화하는 것은 페널티가 붙은 비용 J + α*Ω를 최소화하는 것과 같습니다. 즉
# **k 하나마다 그에 대응하는 페널티 강도 α\*가 하나 있습니다.**
#
# > *"k를 모르므로 α를 사용해서 constrained region의 크기를 조절한다?"*
#
# 네, 바로 그 뜻입니다. 페널티 방식에서 우리가 직접 고르는 것은 α뿐이고, k는 식 어디에도 나타나지 않습니다.
# 그렇다고 k가 사라진 것은 아닙니다. α를 하나 고르면 페널티 문제의 해 θ̃(α)가 정해지고, 그와 함께 그 해가
# 놓인 영역의 크기 k = Ω(θ̃(α))도 정해집니다. α를 키우면 이 k가 작아지고, α를 줄이면 k가 커집니다. 그러니
# α는 제약 영역의 크기를 **간접적으로** 조절하는 손잡이입니다. 다만 어떤 α가 어떤 k를 주는지는 J의 모양,
# 곧 데이터에 따라 달라지므로 미리 알 수는 없습니다. 검증 오차를 보며 α를 튜닝하는 일은, 결국 알맞은 영역의
# 크기를 찾는 일인 셈입니다.
#
# 반대 방향도 가능합니다. k를 알고 있다면 그에 맞는 α를 *찾아낼* 수 있습니다. L에 대해 θ로는 경사 하강을,
# α로는 경사 상승을 하면 됩니다. 그러면 Ω(θ) > k인 동안에는 α가 커지고, Ω(θ) < k인 동안에는 α가 작아집니다
# (`po.regularization.lagrangian_descent_ascent`). 아래 오른쪽 그림이 바로 이 과정입니다.
#
# 이차 함수 J(w) = ½(w − w*)ᵀH(w − w*)와 Ω(w) = ½‖w‖²에서 제약 있는 최솟점을 서로 독립적인 세 방법으로
# 계산합니다. 닫힌 형태(H의 고유기저에서 α를 이분법으로 찾는 `l2_ball_minimum`), 하강–상승 반복(α = 0에서
# 시작한 것과 α = 10에서 시작한 것), 그리고 α를 전혀 모르는 평범한 투영 경사 하강법(한 단계 내려간 뒤 C 커널
# `kernels.l2_ball_project`로 공 위에 재투영)입니다.

# %%
H2 = np.array([[3.0, 0.8], [0.8, 0.5]])
w_opt = np.array([2.0, 1.5])
k = 0.5                                           # Ω(w) = ½‖w‖² ≤ k, a ball of radius √(2k) = 1
J = lambda w: 0.5 * (w - w_opt) @ H2 @ (w - w_opt)
grad_J = lambda w: H2 @ (w - w_opt)

w_cf, alpha_cf = R.l2_ball_minimum(H2, w_opt, k)                              # closed form + bisection
lag = R.lagrangian_descent_ascent(grad_J, np.zeros(2), k, lr=0.1, alpha_lr=0.5, steps=400)
w_pg = np.zeros(2)                                                             # projected gradient descent
pg_path = [w_pg.copy()]
for _ in range(400):
    w_pg = w_pg - 0.1 * grad_J(w_pg)
    po.kernels.l2_ball_project(w_pg, radius=np.sqrt(2 * k))
    pg_path.append(w_pg.copy())

fig, axes = P.figure(figsize=(11, 4.8), ncols=2)
P.contour_paths(J, {"descent–ascent on L(θ, α)": lag["theta"], "projected gradient descent": np.array(pg_path)},
                xlim=(-1.5, 2.5), ylim=(-1.5, 2.0), minimum=w_opt, ax=axes[0],
                title="Constrained minimum on the ball ½‖w‖² ≤ k")
t = np.linspace(0, 2 * np.pi, 200)
axes[0].plot(np.sqrt(2 * k) * np.cos(t), np.sqrt(2 * k) * np.sin(t), color="black", lw=1.2, label="Ω(w) = k")
axes[0].plot(*w_cf, "kx", ms=10, mew=2, label="closed form")
axes[0].legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=2)   # under the panel: off the paths
lag_hi = R.lagrangian_descent_ascent(grad_J, np.zeros(2), k, lr=0.1, alpha_lr=0.5, steps=400, alpha0=10.0)
P.curves({"α_t from α₀ = 0": lag["alpha"][:100], "Ω(θ_t) from α₀ = 0": lag["omega"][:100],
          "α_t from α₀ = 10": lag_hi["alpha"][:100], "Ω(θ_t) from α₀ = 10": lag_hi["omega"][:100]},
         ax=axes[1], xlabel="step", ylabel="value", title="α rises while Ω > k, falls while Ω < k")
axes[1].axhline(k, color="black", ls=":", lw=1, label="k")
axes[1].axhline(alpha_cf, color="0.4", ls="--", lw=1, label="α* (closed form)")
axes[1].legend()
fig

# %% [markdown]
# 세 방법의 결과가 일치하고, 해에서 KKT 조건이 성립합니다. 하강–상승으로 찾은 α는 닫힌 형태의 α*에
# 수렴하고, 그 α를 쓴 *페널티*의 최솟점(식 7.13의 리지형 최솟점을 k에 대해 아무것도 모르는
# `l2_quadratic_minimum`으로 계산)이 제약 있는 해와 정확히 같은 곳에 떨어집니다.

# %%
w_lag, alpha_lag = lag["theta"][-1], lag["alpha"][-1]
np.testing.assert_allclose(w_lag, w_cf, atol=1e-8)
np.testing.assert_allclose(w_pg, w_cf, atol=1e-8)
np.testing.assert_allclose(alpha_lag, alpha_cf, rtol=1e-6)
np.testing.assert_allclose(lag_hi["alpha"][-1], alpha_cf, rtol=1e-6)                # from above too
np.testing.assert_allclose(R.l2_quadratic_minimum(H2, w_opt, alpha_cf), w_cf, atol=1e-10)   # penalty α* = constraint k
stationarity = grad_J(w_cf) + alpha_cf * w_cf                                  # ∇J + α∇Ω, with ∇Ω(w) = w
print(f"α* = {alpha_cf:.4f}; ‖∇J + α*∇Ω‖ = {np.linalg.norm(stationarity):.1e}; "
      f"α*(Ω − k) = {alpha_cf * (0.5 * w_cf @ w_cf - k):.1e}")
assert alpha_cf > 0 and np.linalg.norm(stationarity) < 1e-10                     # KKT: stationarity, α ≥ 0
assert abs(alpha_cf * (0.5 * w_cf @ w_cf - k)) < 1e-10                            # complementary slackness
# a looser constraint (w* inside the ball) is inactive: α* = 0 and the iteration's α dies out too
loose = R.lagrangian_descent_ascent(grad_J, np.zeros(2), 5.0, lr=0.1, alpha_lr=0.5, steps=1500)
assert R.l2_ball_minimum(H2, w_opt, 5.0)[1] == 0.0 and loose["alpha"][-1] == 0.0
np.testing.assert_allclose(loose["theta"][-1], w_opt, atol=1e-8)

# %% [markdown]
# α마다 그에 해당하는 k가 있고, 이 대응은 단조입니다. 페널티가 클수록 영역은 작아집니다. 아래 그림은
# 페널티를 붙여 얻은 해로부터 계산한 k(α) = Ω(θ̃(α)) 곡선과, 세 가지 k에 대해 하강–상승이 찾아낸 α
# (전혀 다른 계산)가 같은 곡선 위에 놓이는 모습을 보여 줍니다.

# %%
alphas = np.geomspace(1e-2, 1e2, 60)
k_of_alpha = np.array([0.5 * np.sum(R.l2_quadratic_minimum(H2, w_opt, a) ** 2) for a in alphas])
found = {kk: R.lagrangian_descent_ascent(grad_J, np.zeros(2), kk, lr=0.1, alpha_lr=0.5, steps=5000)["alpha"][-1]
         for kk in (0.1, 0.5, 1.5)}
fig, ax = P.figure(figsize=(5.5, 3.8))
ax.loglog(alphas, k_of_alpha, label="k(α) = Ω(θ̃(α)) of the penalized minimum")
ax.loglog(list(found.values()), list(found.keys()), "o", label="α found by descent–ascent for k")
ax.set_xlabel("penalty strength α")
ax.set_ylabel("constraint size k")
ax.set_title("Each penalty α is a constraint Ω ≤ k(α)")
ax.legend(fontsize=8)
fig

# %%
assert np.all(np.diff(k_of_alpha) < 0)                                  # larger α, smaller region
for kk, a in found.items():                                             # the found α lies on the curve
    np.testing.assert_allclose(0.5 * np.sum(R.l2_quadratic_minimum(H2, w_opt, a) ** 2), kk, rtol=1e-6)

# %% [markdown]
# ### 명시적 제약은 무엇을 얻게 해 주는가
#
# > *"explicit constraints 라는 것은 k값을 알고 있다는 의미?"*
#
# 네, 핵심은 그것입니다. 명시적 제약은 k를 알고 있거나 k를 직접 정하고 싶을 때 씁니다. 예를 들어 "어떤 유닛으로
# 들어오는 가중치 벡터도 길이가 3을 넘지 않는다"(Hinton 등, 2012)처럼요. 그러면 그 k에 해당하는 α를 찾으려고
# 여러 α로 학습을 되풀이할 필요 없이, 매 단계 뒤에 재투영만 하면 됩니다. 실제로는 k를 "정확히 안다"기보다
# k로 생각하는 편이 더 자연스러운 경우가 많습니다. 가중치 길이의 상한인 k는 뜻이 분명하지만, α의 의미는
# J의 크기와 데이터에 따라 달라지기 때문입니다. 책은 k를 알 때 편하다는 점 말고도 명시적 제약을 쓸 이유를
# 두 가지 더 듭니다.
#
# 1. **페널티는 제약이 이미 만족된 곳에서도 원점 쪽으로 끌어당깁니다.** 영역 안에서는 투영이 아무 일도 하지
#    않으므로, 이미 Ω ≤ k를 만족하는 점은 데이터가 정해 준 자리에 그대로 남습니다. 반면 α > 0인 페널티는
#    그 점을 계속 줄이고, 비볼록 학습에서는 유닛을 가중치가 작은 "죽은" 상태에 갇히게 할 수 있습니다.
# 2. **높은 학습률에서의 안정성**: 재투영은 한 단계가 무엇을 하든 가중치의 크기를 묶어 둡니다(위의 max-norm
#    실험). 페널티는 되돌리는 힘을 더할 뿐이어서, 학습률이 크면 그 힘이 압도당할 수 있습니다.
#
# w*가 공 안에 들어올 만큼 k를 크게 잡은 이차 함수로 1번을 확인해 봅시다.

# %%
k_big = 5.0
w_proj = np.zeros(2)
for _ in range(1500):
    w_proj = w_proj - 0.1 * grad_J(w_proj)
    po.kernels.l2_ball_project(w_proj, radius=np.sqrt(2 * k_big))
w_pen = R.l2_quadratic_minimum(H2, w_opt, 0.1)
print(f"w* = {w_opt}, projected descent → {w_proj.round(6)}, penalty α = 0.1 → {w_pen.round(4)}")
np.testing.assert_allclose(w_proj, np.linalg.solve(H2, H2 @ w_opt), atol=1e-8)   # the data's minimum, untouched
assert np.linalg.norm(w_pen) < np.linalg.norm(w_opt) - 0.05                       # the penalty shrinks it anyway

# %% [markdown]
# ### 상자 제약: 사영 경사 하강법(projected gradient descent)
#
# 가장 간단한 명시적 제약은 상자(box) lo ≤ w ≤ hi입니다. 재투영 P(w) = min(max(w, lo), hi)는 상자 안에서
# 가장 가까운 점이고, 사영 경사 하강법은 한 걸음 내딛은 뒤 다시 상자로 돌려놓습니다:
# w ← P(w − t∇J(w)). 제약 아래의 최솟점에서는 자유로운 좌표의 그래디언트가 0이 되고, 경계에 걸린(active)
# 좌표에서는 그래디언트가 상자 바깥을 가리킵니다. 책의 일반화된 라그랑주 함수가 말하는 KKT 조건이 바로
# 이것입니다. 제약 없는 최솟점 (1, 1)이 상자 [−1.5, 0.5] × [−0.5, 1.5] 바깥에 있는 로젠브록(Rosenbrock)
# 함수에서, 먼저 순수 NumPy로, 다음에 `po.minimize(method="gd", bounds=...)`로 풀어 봅니다:

# %%
rb = po.functions.rosenbrock(2)
lo, hi = np.array([-1.5, -0.5]), np.array([0.5, 1.5])
w = np.array([-1.2, 1.0])
for _ in range(20000):                                      # fixed step, small enough for this box
    w = np.clip(w - 1e-3 * rb.grad(w), lo, hi)
res = po.minimize(rb.value_and_grad, rb.x0, method="gd", bounds=list(zip(lo, hi)),
                  options={"return_path": True, "gtol": 1e-8, "maxiter": 100000})
print(f"NumPy: w = {w}, pyoptim: x = {res.x} in {res.nit} iterations ({res.message})")
fig = P.contour_paths(rb, {"projected gd": res.path}, (-1.6, 1.2), (-0.6, 1.6), np.geomspace(0.05, 500, 14),
                      minimum=rb.xmin, markers=False, title="Projected gradient descent in a box (7.2)")
fig.axes[0].plot(*np.array([[lo[0], lo[1]], [hi[0], lo[1]], [hi[0], hi[1]], [lo[0], hi[1]], [lo[0], lo[1]]]).T,
                 color="black", lw=1, ls="--", label="the box")
fig.axes[0].legend(loc="upper left", bbox_to_anchor=(1.02, 1.0))   # beside: the box fills the panel
fig.set_figwidth(8.0)
fig

# %%
np.testing.assert_allclose(res.x, w, atol=1e-4)             # the same constrained minimum
assert res.x[0] == hi[0]                                    # the bound w₁ ≤ 0.5 is active there
g = rb.grad(res.x)
assert g[0] < 0 and abs(g[1]) < 1e-6                        # ∇J points out of the box; zero on the free w₂

# %% [markdown]
# ## 7.3 규제와 과소 제약 문제
#
# 선형 분리 가능한 데이터에서 로지스틱 회귀는 최솟점이 없습니다. 분리하는 w의 크기를 키우면 손실이 언제나
# 줄어들기 때문에, 경사 하강법은 ‖w‖를 끝없이(log t처럼 천천히) 키웁니다. 가중치 감쇠를 넣으면 문제가
# 잘 정의되고(well-posed) w가 수렴합니다. 먼저 순수 NumPy로, 그다음 pyoptim의 도우미 함수로 확인합니다.

# %%
Xs, ys = po.datasets.separable(n=100, d=2, margin=0.5, seed=SEED, dtype=np.float64)
yt = 2 * ys - 1


def gd_norms(l2, steps=3000, lr=0.5):
    w, out = np.zeros(2), []
    for _ in range(steps):
        s = 1 / (1 + np.exp(yt * (Xs @ w)))                 # σ(−ỹ xᵀw)
        w -= lr * (-(Xs.T @ (yt * s)) / len(yt) + l2 * w)
        out.append(np.linalg.norm(w))
    return np.array(out)


curves = {"no penalty": gd_norms(0.0), "L2, α = 0.01": gd_norms(0.01)}
w_po, norms_po = R.logistic_weight_path(Xs, ys, l2=0.0, lr=0.5, steps=3000)
assert np.allclose(norms_po[-1], curves["no penalty"][-1], rtol=1e-6)
fig = P.curves(curves, x=np.arange(1, 3001), xlabel="gradient step", ylabel="‖w‖", logx=True,
               title="Separable data: ‖w‖ grows without a penalty")
fig

# %%
free, decay = curves["no penalty"], curves["L2, α = 0.01"]
assert free[-1] > free[1499] + 0.3 * np.log(2)              # still growing (about log t)
assert abs(decay[-1] - decay[-300]) < 1e-6 * decay[-1]      # converged

# %% [markdown]
# 무어-펜로즈 유사역행렬(Moore-Penrose pseudo-inverse)은 α → 0일 때 리지 회귀의 극한입니다(식 7.29).
# 예제보다 특성이 많은 과소결정 X에 대해 X⁺ = lim (XᵀX + αI)⁻¹Xᵀ입니다.

# %%
Xu = np.random.default_rng(SEED).standard_normal((5, 12))
for a in (1e-2, 1e-5, 1e-8):
    print(f"α = {a:g}: ‖(XᵀX + αI)⁻¹Xᵀ − X⁺‖ = {np.linalg.norm(R.ridge_pseudo_inverse(Xu, a) - np.linalg.pinv(Xu)):.2e}")
assert np.allclose(R.ridge_pseudo_inverse(Xu, 1e-10), np.linalg.pinv(Xu), atol=1e-7)

# %% [markdown]
# ## 연습 문제
#
# 1. `interactive_l2`에서 H를 회전시켜 보세요(`Q @ np.diag([0.6, 5.0]) @ Q.T`를 사용). w̃가 여전히 0과 w*를
#    잇는 선분 위에 있나요? 그렇지 않다면 왜일까요?
# 2. L1 예제를 `mode="subgradient"`로 학습해 보세요. 작은 가중치들이 정확히 0이 되나요? 왜 그럴까요?
# 3. 리지 회귀 문제에 `po.optim.AdamW(weight_decay=...)`와 `po.optim.Adam(weight_decay=...)`를 써 보세요.
#    L2 규제가 붙은 문제를 실제로 푸는 것은 어느 쪽인가요?
