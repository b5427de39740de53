"""Source of notebooks/ko/ch08_3_sgd_momentum.ipynb (Korean edition; build: python notebooks/_build.py)."""
# %%
import importlib.util, subprocess, sys; importlib.util.find_spec("pyoptim") or subprocess.check_call([sys.executable, "-m", "pip", "install", "-q", "pyoptim-dlbook[hosted]"])  # hosted notebooks (Colab): install pyoptim

# %% [markdown]
# # 8.3 기본 알고리즘: SGD, 모멘텀(momentum), 네스테로프 모멘텀(Nesterov momentum)
#
# *Deep Learning* (Goodfellow, Bengio, Courville) 8.3절, 알고리즘 8.1–8.3.
# 아래의 각 주제는 설명, 순수 NumPy 구현, pyoptim 호출, 그림, 그리고 책의 주장이 수치적으로 성립함을 확인하는
# `assert` 순서로 진행합니다. 위에서 아래로 실행하세요(약 10초).
#
# | 책 | pyoptim |
# |---|---|
# | 알고리즘 8.1 SGD, 학습률 ε | `po.optim.SGD(params, lr=ε)` |
# | 단계 τ에서 ε_τ까지 ε을 선형 감소 (식 8.14) | `po.optim.lr_scheduler.LinearLR(opt, 1.0, ε_τ/ε₀, τ)` |
# | 알고리즘 8.2 모멘텀 (α, ε) | `po.optim.SGD(params, lr=ε, momentum=α)`; 책의 형태는 `po.optim.MomentumBook(params, lr=ε, alpha=α)` |
# | 알고리즘 8.3 네스테로프 모멘텀 | `po.optim.SGD(params, lr=ε, momentum=α, nesterov=True)`; 책의 형태는 `po.optim.NesterovBook` |

# %%
import numpy as np
import pyoptim as po

P = po.plot
SEED = 0

# %% [markdown]
# ## 8.3.1 확률적 경사 하강법과 학습률 스케줄
#
# 확률적 경사 하강법(SGD)은 그래디언트(gradient)의 잡음 섞인 추정값 ĝ를 따라갑니다: θ ← θ − ε_k ĝ. ĝ는 최솟점에서도
# 여전히 잡음을 품고 있으므로 학습률(learning rate) ε은 줄어들어야 합니다. 책의 스케줄은 단계 τ까지 학습률을 선형으로
# 줄이고 그 뒤로는 고정합니다.
#
# ε_k = (1 − k/τ) ε₀ + (k/τ) ε_τ  (k ≤ τ일 때),  그 뒤로는 ε_k = ε_τ.
#
# 순수 NumPy로:

# %%
def book_linear_decay(k, eps0, eps_tau, tau):
    a = min(k / tau, 1.0)
    return (1 - a) * eps0 + a * eps_tau


# %% [markdown]
# pyoptim(그리고 torch)에서는 `end_factor = ε_τ/ε₀`인 `LinearLR`이 바로 이 스케줄입니다. 스케줄러는
# `sched.step()`을 부를 때마다 옵티마이저의 `lr`에 계수를 곱합니다.

# %%
theta = np.zeros(2)
opt = po.optim.SGD([theta], lr=0.5)
sched = po.optim.lr_scheduler.LinearLR(opt, start_factor=1.0, end_factor=0.05 / 0.5, total_iters=100)
lrs = []
for k in range(150):
    lrs.append(opt.param_groups[0]["lr"])
    opt.step([np.zeros(2)])
    sched.step()

assert np.allclose(lrs, [book_linear_decay(k, 0.5, 0.05, 100) for k in range(150)])

# %% [markdown]
# **왜 감소시켜야 할까요?** 강볼록(strongly convex) 문제 f(θ) = ½θᵀHθ를 잡음 섞인 그래디언트 ĝ = Hθ + σξ를 통해
# 본다고 합시다. ε이 일정하면 SGD는 ε에 비례하는 잡음 바닥(noise floor)에서 멈춥니다. ε_k ∝ 1/k이면 초과 오차
# E[f(θ_k)] − f*가 O(1/k)처럼 계속 줄어듭니다(책 8.3.1). 서로 독립인 사슬 400개를 한꺼번에 돌립니다. 파라미터는
# (400, 2) 모양의 배열 하나이고, 행 하나가 사슬 하나입니다(pyoptim의 SGD는 모든 원소를 독립적으로 갱신합니다).

# %%
H = np.diag([1.0, 4.0])
sigma, chains, steps = 1.0, 400, 2000
schedules = {
    "constant ε = 0.1": lambda opt: None,
    "book's linear decay to 0.01 at τ = 500": lambda opt: po.optim.lr_scheduler.LinearLR(
        opt, start_factor=1.0, end_factor=0.1, total_iters=500),
    "ε_k = ε₀ / (1 + k/10)": lambda opt: po.optim.lr_scheduler.LambdaLR(opt, lambda k: 1.0 / (1.0 + k / 10.0)),
}
excess = {}
for name, make in schedules.items():
    theta = np.tile([0.5, 0.5], (chains, 1))
    opt = po.optim.SGD([theta], lr=0.1)
    sched = make(opt)
    noise = np.random.default_rng(SEED)
    curve = []
    for k in range(steps):
        g = theta @ H + sigma * noise.standard_normal(theta.shape)
        opt.step([g])
        if sched is not None:
            sched.step()
        curve.append(0.5 * np.mean(theta ** 2 @ np.diag(H)))   # E f(θ_k) − f*  (f* = 0, H diagonal)
    excess[name] = np.array(curve)

fig = P.curves(excess, x=np.arange(1, steps + 1), xlabel="step k", ylabel="E f(θ_k) − f*", logx=True, logy=True,
               title="SGD on a noisy quadratic: schedules")
fig

# %%
# the claim: with ε_k ∝ 1/k the excess error falls like O(1/k): slope about -1 on the log-log plot
k = np.arange(1, steps + 1)
late = k > 200
slope = np.polyfit(np.log(k[late]), np.log(excess["ε_k = ε₀ / (1 + k/10)"][late]), 1)[0]
print(f"fitted slope of the 1/k schedule: {slope:.2f}")
assert -1.3 < slope < -0.7
# ... while a constant rate stalls at its noise floor, above the decayed one
assert excess["constant ε = 0.1"][-200:].mean() > 3 * excess["ε_k = ε₀ / (1 + k/10)"][-200:].mean()

# %% [markdown]
# ## 8.3.2 모멘텀
#
# 책은 모멘텀(momentum)을 *속도*(velocity) v로 씁니다(알고리즘 8.2).
#
# v ← αv − εg,  θ ← θ + v.
#
# torch(그리고 pyoptim의 `SGD(momentum=α)`)는 대신 그래디언트를 누적한 *버퍼* b를 유지합니다.
#
# b ← αb + g,  θ ← θ − εb.
#
# 변수를 v = −εb로 바꾸면(ε이 일정할 때) 두 식은 같은 알고리즘입니다. 순수 NumPy로:

# %%
def momentum_book(grad, theta0, eps, alpha, steps):
    theta, v = np.array(theta0, float), np.zeros(len(theta0))
    path = [theta.copy()]
    for _ in range(steps):
        v = alpha * v - eps * grad(theta)
        theta = theta + v
        path.append(theta.copy())
    return np.array(path)


Hq = np.diag([1.0, 25.0])                    # an ill-conditioned quadratic, κ = 25
quad = lambda x: 0.5 * x @ Hq @ x            # noqa: E731
grad = lambda x: Hq @ x                      # noqa: E731
x0 = np.array([-1.8, 0.9])

book = momentum_book(grad, x0, eps=0.02, alpha=0.8, steps=60)
ours = P.optimizer_path(lambda p: po.optim.SGD(p, lr=0.02, momentum=0.8), grad, x0, 60)
assert np.allclose(book, ours, rtol=1e-12, atol=1e-14)    # the two forms give the same iterates
# the book's form is in pyoptim too, as MomentumBook (lr -> ε, alpha -> α)
book_po = P.optimizer_path(lambda p: po.optim.MomentumBook(p, lr=0.02, alpha=0.8), grad, x0, 60)
assert np.allclose(book_po, book, rtol=1e-12, atol=1e-14)

# %% [markdown]
# 책 그림 8.5의 모습: 길고 좁은 골짜기에서 경사 하강법(gradient descent)은 골짜기를 가로질러 지그재그로 움직이고,
# 모멘텀은 골짜기를 따라 속도를 붙여 나갑니다.

# %%
paths = {
    "gradient descent, ε = 0.072": P.optimizer_path(lambda p: po.optim.SGD(p, lr=0.072), grad, x0, 60),
    "momentum α = 0.8, ε = 0.02": ours,
    "Nesterov α = 0.8, ε = 0.02": P.optimizer_path(lambda p: po.optim.SGD(p, lr=0.02, momentum=0.8, nesterov=True),
                                                   grad, x0, 60),
}
fig = P.contour_paths(quad, paths, xlim=(-2, 2), ylim=(-1.2, 1.2), minimum=[0, 0],
                      title="Momentum on an ill-conditioned quadratic (book Fig. 8.5)",
                      linestyles=("-", "-", "--"))   # Nesterov dashed: it runs along gradient descent's tail
fig

# %% [markdown]
# **종단 속도(terminal velocity).** 그래디언트가 늘 g로 같다면, 모멘텀은 한 단계의 크기가 ε‖g‖/(1 − α)가 될 때까지
# 가속합니다(책 식 8.18). α = 0.9이면 그래디언트 단계의 10배입니다.

# %%
g_const = np.array([3.0, -4.0])              # f(θ) = gᵀθ: a constant gradient, ‖g‖ = 5
theta = np.zeros(2)
opt = po.optim.SGD([theta], lr=0.01, momentum=0.9)
for _ in range(300):
    before = theta.copy()
    opt.step([g_const])
step = np.linalg.norm(theta - before)
print(f"step size {step:.6f}, book: ε‖g‖/(1−α) = {0.01 * 5 / (1 - 0.9):.6f}")
assert np.isclose(step, 0.01 * 5 / (1 - 0.9), rtol=1e-6)

# %% [markdown]
# **얼마나 빠를까요?** 조건수(condition number)가 κ인 2차 함수에서, 가장 좋은 학습률 ε = 2/(λ_max + λ_min)을 쓴 경사
# 하강법은 한 단계마다 오차를 (κ − 1)/(κ + 1)배로 줄입니다. 조율된 α = ((√κ − 1)/(√κ + 1))²와
# ε = 4/(√λ_max + √λ_min)²을 쓴 모멘텀은 오차를 (√κ − 1)/(√κ + 1)배로 줄입니다(Polyak, 1964). κ = 100이면 한 단계에
# 0.98배가 아니라 0.82배입니다.

# %%
kappa = 100.0
Hk = np.diag([1.0, kappa])
gk = lambda x: Hk @ x                        # noqa: E731
lmin, lmax = 1.0, kappa
eps_gd = 2 / (lmax + lmin)
eps_hb = 4 / (np.sqrt(lmax) + np.sqrt(lmin)) ** 2
alpha_hb = ((np.sqrt(kappa) - 1) / (np.sqrt(kappa) + 1)) ** 2
runs = {
    "gradient descent": P.optimizer_path(lambda p: po.optim.SGD(p, lr=eps_gd), gk, [1.0, 1.0], 200),
    "tuned momentum": P.optimizer_path(lambda p: po.optim.SGD(p, lr=eps_hb, momentum=alpha_hb), gk, [1.0, 1.0], 200),
}
err = {name: np.linalg.norm(p, axis=1) for name, p in runs.items()}
fig = P.curves(err, xlabel="step k", ylabel="‖θ_k − θ*‖", logy=True, title=f"Convergence rate, κ = {kappa:g}")
fig

# %%
rate = {name: (e[200] / e[100]) ** (1 / 100) for name, e in err.items()}
rho_gd, rho_hb = (kappa - 1) / (kappa + 1), (np.sqrt(kappa) - 1) / (np.sqrt(kappa) + 1)
print(f"measured: GD {rate['gradient descent']:.4f} (theory {rho_gd:.4f}), "
      f"momentum {rate['tuned momentum']:.4f} (theory {rho_hb:.4f})")
assert abs(rate["gradient descent"] - rho_gd) < 2e-3
assert rate["tuned momentum"] < rho_hb * 1.02      # within the polynomial factor of a double root

# %% [markdown]
# ## 8.3.3 네스테로프 모멘텀
#
# 책의 알고리즘 8.3은 그래디언트를 모멘텀 단계를 밟은 *뒤의* 점 θ + αv에서 계산합니다.
#
# v ← αv − ε∇f(θ + αv),  θ ← θ + v.
#
# torch의 `nesterov=True`(Sutskever et al., 2013)는 이 식을 그래디언트가 현재 파라미터에서 계산되도록 다시 씁니다:
# b ← αb + g, θ ← θ − ε(g + αb). torch가 저장하는 파라미터는 책의 *미리 보기 점*(look-ahead point) θ + αv이므로, 두
# 형태는 단계마다 일치합니다.

# %%
def nesterov_book(grad, theta0, eps, alpha, steps):
    theta, v = np.array(theta0, float), np.zeros(len(theta0))
    lookahead = [theta.copy()]
    for _ in range(steps):
        v = alpha * v - eps * grad(theta + alpha * v)
        theta = theta + v
        lookahead.append(theta + alpha * v)
    return np.array(lookahead)


book_n = nesterov_book(grad, x0, eps=0.02, alpha=0.8, steps=60)
ours_n = paths["Nesterov α = 0.8, ε = 0.02"]
assert np.allclose(book_n, ours_n, rtol=1e-10, atol=1e-12)

# %% [markdown]
# ## 직접 해 보기: 학습률, 모멘텀, β
#
# `ipywidgets`가 설치되어 있으면(`pip install "pyoptim-dlbook[notebooks]"`) 슬라이더를 움직일 때마다 궤적이 다시 그려지고,
# 없으면 정지된 그림이 보입니다. `beta`는 RMSProp의 ρ이자 Adam의 β₂입니다(8.5 참고).

# %%
P.interactive_trajectories(quad, x0, grad=grad, lr=0.02, momentum=0.8, beta=0.99, steps=60,
                           methods=("GD", "momentum", "Nesterov", "Adam"), xlim=(-2, 2), ylim=(-1.2, 1.2),
                           minimum=[0, 0])

# %% [markdown]
# ## 연습문제
#
# 1. 이 2차 함수에서 경사 하강법은 ε > 2/λ_max = 0.08이면 발산합니다. 모멘텀 α = 0.9가 여전히 수렴하는 가장 큰 ε을
#    슬라이더로 찾아보세요. 이론값 2(1 + α)/λ_max와 비교해 보세요.
# 2. 1/k 스케줄을 ε_k = ε₀/√k로 바꿔 보세요. 기울기가 얼마로 측정됩니까? 왜 더 나쁩니까?
# 3. 단계 사이에 ε이 바뀌면 책의 모멘텀과 torch의 모멘텀이 달라진다는 것을 변수 변환으로 보이세요(힌트: v = −ε b는
#    ε이 일정할 때만 성립합니다). 스케줄러로 수치적으로 확인해 보세요.
