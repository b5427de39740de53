"""Worked solutions to the exercises of notebooks/ko/ch07_1-3_norm_penalties (Korean edition; build: python notebooks/solutions/_build.py)."""
# %% [markdown]
# # 연습 문제 풀이: 7.1–7.3 매개변수 노름 페널티
#
# `ch07_1-3_norm_penalties.ipynb`의 연습 문제를 하나씩 풀어 봅니다. 각 `assert`는 pyoptim이 그린 그림과
# 학습 결과를, 여기서 NumPy로 따로 푼 닫힌 형태(closed form)의 해와 비교합니다.

# %%
import numpy as np
import pyoptim as po
from pyoptim import nn

P = po.plot
R = po.regularization
SEED = 0

# %% [markdown]
# ## 연습 문제 1: 회전한 H
#
# w̃ = (H + αI)⁻¹Hw*는 w*의 i번째 고유벡터(eigenvector) 방향 성분을 λᵢ/(λᵢ + α)배로 줄입니다. 두 성분이
# *서로 다른* 비율로 줄어들기 때문에, w*가 두 고유벡터 방향 성분을 모두 가지면 w̃는 원점과 w*를 잇는 직선에서
# 벗어납니다. 이때 w̃는 고윳값(eigenvalue)이 큰 고유벡터 쪽, 즉 곡률이 커서 거의 그대로 남는 방향 쪽으로
# 끌려갑니다. H를 회전하면 그 방향이 돌아가고, w̃도 함께 돌아갑니다.

# %%
theta = np.deg2rad(30)
Q = np.array([[np.cos(theta), -np.sin(theta)], [np.sin(theta), np.cos(theta)]])
Hr = Q @ np.diag([0.6, 5.0]) @ Q.T
w_star = np.array([2.0, 1.0])
inter = P.interactive_l2(Hr, w_star, alpha=1.0)
for alpha in (0.5, 1.0, 5.0):                        # positions of the α slider
    inter.update(alpha=alpha)
    drawn = next(l for l in inter.fig.axes[0].lines if l.get_label().startswith("$\\tilde w$")).get_xydata()[0]
    w_t = np.linalg.solve(Hr + alpha * np.eye(2), Hr @ w_star)
    np.testing.assert_allclose(drawn, w_t, rtol=1e-12)
    cross = w_t[0] * w_star[1] - w_t[1] * w_star[0]  # 0 iff w̃ is on the line through 0 and w*
    print(f"α = {alpha}: w̃ = {w_t.round(3)}, cross(w̃, w*) = {cross:.3f}")
    assert abs(cross) > 0.05
# the notebook's diagonal H = diag(0.6, 5) leaves the line too (w* = (2, 1) is not an eigenvector):
# w̃ lies on the segment from 0 to w* exactly when w* is along an eigenvector of H (or H ∝ I)
w_d = np.linalg.solve(np.diag([0.6, 5.0]) + np.eye(2), np.diag([0.6, 5.0]) @ w_star)
assert abs(w_d[0] * w_star[1] - w_d[1] * w_star[0]) > 0.05
v = Q[:, 1] * 2.0                                    # w* along an eigenvector of Hr
w_t = np.linalg.solve(Hr + np.eye(2), Hr @ v)
assert abs(w_t[0] * v[1] - w_t[1] * v[0]) < 1e-12 and np.allclose(w_t, 5.0 / 6.0 * v)
inter.update(alpha=1.0)
inter.fig

# %% [markdown]
# ## 연습 문제 2: 부분 그래디언트 하강법으로 푸는 L1
#
# α|w|의 부분 그래디언트(subgradient)는 α·sign(w)입니다. 즉 0을 향해 늘 εα만큼 움직이는 일정한 크기의
# 단계라서 0을 지나쳐 버립니다. 해가 0인 가중치는 0을 사이에 두고 계속 왔다 갔다 할 뿐 정확히 0이 되는
# 일은 거의 없습니다. 반면 근접 단계(proximal step), 곧 소프트 임계화(soft thresholding)는 그 가중치를
# 정확히 0으로 만듭니다. 부분 그래디언트로 학습한 작은 가중치들은 0에서 대략 εα 안쪽에 머뭅니다.

# %%
w_star6 = np.array([2.0, -1.2, 0.8, 0.4, -0.25, 0.1])
h = np.array([1.0, 2.0, 0.5, 1.5, 1.0, 3.0])
exact = np.sign(w_star6) * np.maximum(np.abs(w_star6) - 0.5 / h, 0.0)     # eq. 7.22
zeros = exact == 0.0


def train(mode):
    lin = nn.Sequential(nn.Dense(6, 1, bias=False, init="zeros", dtype=np.float64))
    w = lin[0].weight
    l1 = po.regularizers.L1(alpha=0.5, mode=mode)
    opt = po.optim.SGD(lin.parameters(), lr=0.2)
    for _ in range(300):
        lin.zero_grad()
        w.grad[:, 0] = h * (w.data[:, 0] - w_star6)
        if mode == "subgradient":
            w.grad[:, 0] += l1.grad(lin)[0][:, 0]
        opt.step()
        if mode == "proximal":
            l1.after_step(lin, lr=0.2)
    return w.data[:, 0].copy()


sub, prox = train("subgradient"), train("proximal")
print("subgradient:", sub.round(4), "\nproximal:   ", prox.round(4), "\nexact:      ", exact.round(4))
assert np.all(prox[zeros] == 0.0) and np.allclose(prox, exact, atol=1e-10)
assert not np.any(sub[zeros] == 0.0)                          # never exactly zero
assert np.all(np.abs(sub[zeros]) <= 0.2 * 0.5 * np.max(h) + 1e-12)   # but within a step of it
assert np.allclose(sub[~zeros], exact[~zeros], atol=0.2 * 0.5)

# %% [markdown]
# ## 연습 문제 3: 리지 회귀에서 Adam(weight_decay)과 AdamW(weight_decay) 비교
#
# `Adam(weight_decay=λ)`은 그래디언트(gradient)에 λw를 더합니다. 따라서 고정점은 ∇J(w) + λw = 0의 해,
# 곧 L2 페널티를 준 문제의 해이고, 이 손실에서는 리지 회귀(ridge regression)의 해 (XᵀX + (λN/2)I)⁻¹Xᵀy입니다.
# `AdamW`는 적응적 스케일링 바깥에서 가중치를 감쇠시키므로, 고정점이 ŝ/√r̂ = −λw를 만족하는 전혀 다른
# 문제의 해가 됩니다(페널티가 좌표마다 Adam의 √r̂로 다시 스케일됩니다). 노트북의 회귀 문제에서 두 방법을
# 전체 배치로, 학습률(learning rate)을 줄여 가며 수렴할 때까지 돌려 봅니다.

# %%
X, y = po.datasets.linear_regression(n=100, d=5, noise=0.5, seed=SEED, dtype=np.float64)
y = y.reshape(-1)
N = len(X)
w_ridge = np.linalg.solve(X.T @ X + 0.3 * N / 2 * np.eye(5), X.T @ y)
found = {}
for cls in (po.optim.Adam, po.optim.AdamW):
    w = np.zeros(5)
    opt = cls([w], lr=0.05, weight_decay=0.3)
    sched = po.optim.lr_scheduler.LambdaLR(opt, lambda k: 1.0 / (1.0 + k / 200.0))
    for _ in range(6000):
        opt.step([2.0 / N * X.T @ (X @ w - y)])
        sched.step()
    found[cls.__name__] = w
    ridge_grad = 2.0 / N * X.T @ (X @ w - y) + 0.3 * w       # the L2-penalized problem's gradient
    print(f"{cls.__name__}: |w − ridge| = {np.abs(w - w_ridge).max():.1e}, |∇(J + λ/2‖w‖²)| = "
          f"{np.linalg.norm(ridge_grad):.1e}")
assert np.allclose(found["Adam"], w_ridge, atol=1e-8)
assert np.abs(found["AdamW"] - w_ridge).max() > 0.05
