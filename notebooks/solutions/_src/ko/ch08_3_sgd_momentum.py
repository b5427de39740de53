"""Worked solutions to the exercises of notebooks/ko/ch08_3_sgd_momentum (Korean edition; build: python notebooks/solutions/_build.py)."""
# %% [markdown]
# # 연습 문제 풀이: 8.3 SGD와 모멘텀
#
# `ch08_3_sgd_momentum.ipynb`의 연습 문제를 하나씩 풀어 봅니다. 각 풀이에는 독립적인 두 계산(이론과 시뮬레이션,
# pyoptim과 NumPy 반복문)을 비교하는 `assert`가 있습니다.

# %%
import numpy as np
import pyoptim as po

P = po.plot
SEED = 0
Hq = np.diag([1.0, 25.0])                    # the notebook's ill-conditioned quadratic, λ_max = 25
quad = lambda x: 0.5 * x @ Hq @ x            # noqa: E731
grad = lambda x: Hq @ x                      # noqa: E731
x0 = np.array([-1.8, 0.9])

# %% [markdown]
# ## 연습 문제 1: 모멘텀 α = 0.9에서 가장 큰 ε
#
# 고윳값(eigenvalue)이 λ인 고유벡터(eigenvector) 방향으로 보면, heavy-ball 모멘텀(momentum)은 선형 점화식
# (θ_{k+1}, θ_k) = M (θ_k, θ_{k−1}), M = [[1 + α − ελ, −α], [1, 0]]입니다. M의 두 고윳값이 모두 단위원 안에 있으면
# 수렴하는데, 0 ≤ α < 1에서는 이 조건이 ελ < 2(1 + α)와 같습니다. 곧 ε < 2(1 + 0.9)/25 = 0.152입니다. 슬라이더의
# 격자(간격 0.001) 위에서 수렴하는 가장 큰 ε은 0.151입니다. 먼저 슬라이더가 멈추는 값들을 훑으며
# 시뮬레이션(pyoptim의 SGD, 3000단계)해 봅시다.

# %%
grid = np.round(np.arange(0.001, 0.3, 0.001), 3)
assert all(np.min(np.abs(P.SLIDERS["lr"][0] + P.SLIDERS["lr"][2] * np.arange(1000) - v)) < 1e-9
           for v in (0.151, 0.152))                # the slider can stop at both


def converges(eps, alpha=0.9, steps=2000):
    with np.errstate(over="ignore", invalid="ignore"):       # a diverging run overflows; it is stopped
        path = P.optimizer_path(lambda p: po.optim.SGD(p, lr=eps, momentum=alpha), grad, x0, steps)
    return len(path) == steps + 1 and np.linalg.norm(path[-1]) < 1e-3 * np.linalg.norm(x0)


largest = max(e for e in grid[(grid > 0.14) & (grid < 0.16)] if converges(e))
theory = 2 * (1 + 0.9) / 25
# the spectral radius of M, strictly below 1 (at 0.152 it is 1 up to rounding)
spectral = max(e for e in grid if np.abs(np.linalg.eigvals([[1 + 0.9 - e * 25, -0.9], [1, 0]])).max() < 1 - 1e-9)
print(f"largest converging ε: simulated {largest}, spectral radius < 1 up to {spectral}, theory < {theory:.3f}")
assert largest == spectral == 0.151 and largest < theory < largest + 0.001 + 1e-12
assert converges(0.079, alpha=0.0) and not converges(0.081, alpha=0.0)   # GD: ε < 2/λ_max = 0.08

# %% [markdown]
# 슬라이더로는 이렇게 합니다. `inter.update(lr=0.151, momentum=0.9)`는 두 슬라이더를 움직이는 것과 같습니다.
# 그러면 그림에서 모멘텀이 최솟점에 도달하고, 0.153에서는 나선을 그리며 바깥으로 튀어 나갑니다.

# %%
inter = P.interactive_trajectories(quad, x0, grad=grad, lr=0.151, momentum=0.9, beta=0.99, steps=400,
                                   methods=("GD", "momentum"), xlim=(-2, 2), ylim=(-1.2, 1.2), minimum=[0, 0])
line = next(l for l in inter.fig.axes[0].lines if l.get_label().startswith("momentum"))
assert np.linalg.norm(line.get_xydata()[-1]) < 0.05
with np.errstate(over="ignore", invalid="ignore"):
    inter.update(lr=0.153)
    line = next(l for l in inter.fig.axes[0].lines if l.get_label().startswith("momentum"))
    assert np.linalg.norm(line.get_xydata()[-1]) > np.linalg.norm(x0)
inter.fig

# %% [markdown]
# ## 연습 문제 2: ε_k = ε₀/√k
#
# 노트북과 같은 잡음 섞인 2차 함수에서 스케줄 ε_k = ε₀/√(1 + k/10)을 ε₀/(1 + k/10)과 나란히 돌려 봅니다.
# 이론적으로 ε_k를 쓰는 SGD의 초과 오차는 *현재* 학습률(learning rate)의 잡음 바닥(noise floor), 곧 ε_k에 비례하는 값 근처에
# 머뭅니다. 따라서 ε_k ∝ 1/√k이면 로그-로그 그래프에서 기울기가 약 −½로, ε_k ∝ 1/k의 −1보다 나쁩니다. 학습률이
# 너무 천천히 줄어서 잡음을 평균으로 없애지 못하는 것입니다.

# %%
H = np.diag([1.0, 4.0])
sigma, chains, steps = 1.0, 400, 2000


def run(factor):
    theta = np.tile([0.5, 0.5], (chains, 1))
    opt = po.optim.SGD([theta], lr=0.1)
    sched = po.optim.lr_scheduler.LambdaLR(opt, factor)
    noise = np.random.default_rng(SEED)
    curve = []
    for _ in range(steps):
        opt.step([theta @ H + sigma * noise.standard_normal(theta.shape)])
        sched.step()
        curve.append(0.5 * np.mean(theta ** 2 @ np.diag(H)))
    return np.array(curve)


excess = {"ε₀/√(1 + k/10)": run(lambda k: 1.0 / np.sqrt(1.0 + k / 10.0)),
          "ε₀/(1 + k/10)": run(lambda k: 1.0 / (1.0 + k / 10.0))}
k = np.arange(1, steps + 1)
late = k > 200
slopes = {n: np.polyfit(np.log(k[late]), np.log(c[late]), 1)[0] for n, c in excess.items()}
print({n: round(s, 2) for n, s in slopes.items()})
# the noise floor of a constant rate ε (an independent computation, per coordinate with curvature h:
# stationary variance ε σ² / (h (2 − ε h)), so E f = Σ ½ h var = Σ ε σ² / (2 (2 − ε h)))
eps_end = 0.1 / np.sqrt(1 + steps / 10)
floor = sum(eps_end * sigma ** 2 / (2 * (2 - eps_end * h)) for h in np.diag(H))
assert -0.7 < slopes["ε₀/√(1 + k/10)"] < -0.3 and slopes["ε₀/(1 + k/10)"] < slopes["ε₀/√(1 + k/10)"] - 0.3
assert abs(excess["ε₀/√(1 + k/10)"][-100:].mean() / floor - 1) < 0.25
fig = P.curves(excess, x=k, xlabel="step k", ylabel="E f(θ_k) − f*", logx=True, logy=True,
               title="1/√k decays too slowly")
fig

# %% [markdown]
# ## 연습 문제 3: ε이 바뀌면 책의 모멘텀과 torch의 모멘텀이 달라진다
#
# 책: v ← αv − ε_k g, θ ← θ + v. torch: b ← αb + g, θ ← θ − ε_k b. v = −ε b로 바꿔 쓰는 것은 ε이 모든 단계에서 같을
# 때만 성립합니다. torch의 θ_{k+1} − θ_k = −ε_k b_k는 *과거 전체*를 현재의 ε_k로 다시 스케일하지만, 책의 방식은 예전
# 그래디언트(gradient) 하나하나를 그것을 계산할 때의 ε과 함께 간직합니다. StepLR 스케줄러(10단계 뒤에 ε이 절반으로)를 쓰면
# 두 방식은 10단계 동안 일치하다가 그 뒤로 갈라집니다. 각 방식은 자신의 NumPy 반복문과 일치합니다.

# %%
def numpy_paths(eps_of_k, alpha, steps):
    tb, v = x0.copy(), np.zeros(2)
    tt, b = x0.copy(), np.zeros(2)
    book, torch_ = [tb.copy()], [tt.copy()]
    for k in range(steps):
        v = alpha * v - eps_of_k(k) * grad(tb)
        tb = tb + v
        b = alpha * b + grad(tt)
        tt = tt - eps_of_k(k) * b
        book.append(tb.copy())
        torch_.append(tt.copy())
    return np.array(book), np.array(torch_)


def po_path(cls, steps=30, **kw):
    theta = x0.copy()
    opt = cls([theta], lr=0.02, **kw)
    sched = po.optim.lr_scheduler.StepLR(opt, step_size=10, gamma=0.5)
    out = [theta.copy()]
    for _ in range(steps):
        opt.step([grad(theta)])
        sched.step()
        out.append(theta.copy())
    return np.array(out)


book_np, torch_np = numpy_paths(lambda k: 0.02 * 0.5 ** (k // 10), 0.8, 30)
book_po = po_path(po.optim.MomentumBook, alpha=0.8)
torch_po = po_path(po.optim.SGD, momentum=0.8)
assert np.allclose(book_po, book_np, rtol=1e-12, atol=1e-14) and np.allclose(torch_po, torch_np, rtol=1e-12, atol=1e-14)
gap = np.linalg.norm(book_po - torch_po, axis=1)
print("largest gap before the change:", gap[:11].max(), " after:", gap[11:].max())
assert gap[:11].max() < 1e-12 and gap[11:].max() > 1e-3
