"""Source of notebooks/ko/ch08_5_adaptive.ipynb (Korean edition; build: python notebooks/_build.py)."""
# %%
import importlib.util, subprocess, sys; importlib.util.find_spec("pyoptim") or subprocess.check_call([sys.executable, "-m", "pip", "install", "-q", "pyoptim-dlbook[hosted]"])  # hosted notebooks (Colab): install pyoptim

# %% [markdown]
# # 8.5 적응적 학습률 알고리즘
#
# *Deep Learning* 8.5절, 알고리즘 8.4(AdaGrad), 8.5–8.6(RMSProp), 8.7(Adam)을 다룹니다. 알고리즘마다
# 책의 갱신 규칙을 NumPy로 그대로 옮긴 구현, pyoptim 옵티마이저, 두 구현이 같은 반복값(iterate)을
# 내는지 확인하는 `assert`, 그리고 그림 하나를 차례로 봅니다. 마지막에는 모든 옵티마이저를 같은 문제에서
# 비교합니다(8.5.4).
#
# | 책 | pyoptim (torch 방식) | pyoptim (책 방식) |
# |---|---|---|
# | 알고리즘 8.4 AdaGrad | `po.optim.Adagrad(params, lr, eps)` | `po.optim.AdaGradBook(params, lr, eps)` |
# | 알고리즘 8.5 RMSProp (δ가 제곱근 안) | `po.optim.RMSprop(params, lr, alpha=ρ, eps)` (δ가 제곱근 밖) | `po.optim.RMSPropBook(params, lr, rho, eps)` |
# | 알고리즘 8.6 RMSProp + 네스테로프 | `RMSprop(momentum=...)`은 네스테로프가 아닌 heavy-ball 모멘텀 | `RMSPropBook(..., alpha, nesterov=True)` |
# | 알고리즘 8.7 Adam | `po.optim.Adam(params, lr, betas=(ρ₁, ρ₂), eps=δ)`, `AdamW` | `po.optim.AdamBook(params, lr, rho1, rho2, eps)` |
# | 8.5.4 AdaDelta (이름만 언급; Zeiler 2012) | `po.optim.Adadelta(params, lr=1.0, rho=ρ, eps=δ)` | 아래에서 논문대로 구현 |
# | Adam + 네스테로프 모멘텀 (8.3.3; Dozat 2016) | `po.optim.NAdam(params, lr, betas, eps, momentum_decay)` | 아래에서 논문대로 구현 |

# %%
import numpy as np
import pyoptim as po
from pyoptim import nn

P = po.plot
SEED = 0

# a test problem with very different curvatures per coordinate
H = np.diag([0.5, 20.0])
quad = lambda x: 0.5 * x @ H @ x     # noqa: E731
grad = lambda x: H @ x               # noqa: E731
x0 = np.array([-1.8, 1.0])

# %% [markdown]
# ## 8.5.1 AdaGrad
#
# 각 매개변수의 학습률(learning rate)을, 그 매개변수가 지금까지 받은 그래디언트(gradient) 제곱의 합의
# 제곱근에 반비례하도록 조절합니다: r ← r + g⊙g, θ ← θ − ε/(δ + √r) ⊙ g. 그래디언트가 큰 매개변수일수록
# 학습률이 작아집니다.
#
# 아래 셀은 이 주장을 pyoptim이 실제로 지나간 경로에서, 공식을 쓰지 않고 측정합니다. 각 좌표가 실제로
# 받은 학습률은 그 좌표의 이동량을 그래디언트로 나눈 값이고, 두 좌표의 학습률 비는 각 좌표의 그래디언트
# 제곱 누적합의 제곱근 비(평범한 반복문으로 따로 더한 값)의 역수와 같아야 합니다. 가파른 좌표 θ₂(곡률 20)가
# 더 큰 그래디언트를 받으므로 학습률은 더 작아지며, 여기서는 약 17~22배 작습니다. 그다음 pyoptim의
# `Adagrad`와 `AdaGradBook`을 NumPy로 쓴 알고리즘 8.4와 한 단계씩 비교합니다.

# %%
def adagrad_book(theta0, eps, delta, steps):
    theta, r = np.array(theta0, float), np.zeros(len(theta0))
    path, rates = [theta.copy()], []
    for _ in range(steps):
        g = grad(theta)
        r = r + g * g
        rates.append(eps / (delta + np.sqrt(r)))
        theta = theta - eps / (delta + np.sqrt(r)) * g
        path.append(theta.copy())
    return np.array(path), np.array(rates)


book, rates = adagrad_book(x0, eps=0.5, delta=1e-7, steps=100)
ours = P.optimizer_path(lambda p: po.optim.Adagrad(p, lr=0.5, eps=1e-7), grad, x0, 100)
ours_book = P.optimizer_path(lambda p: po.optim.AdaGradBook(p, lr=0.5, eps=1e-7), grad, x0, 100)
# the book's claim on pyoptim's path: the rate each coordinate got (its step / its gradient) is inversely
# proportional to the root of that coordinate's accumulated squared gradients, summed here in a plain loop
g_seen = np.array([grad(p) for p in ours[:-1]])
used = (ours[:-1] - ours[1:]) / g_seen
acc, root_r = np.zeros(2), []
for g in g_seen:
    acc = acc + g * g
    root_r.append(np.sqrt(acc))
root_r = np.array(root_r)
print(f"θ₂'s rate is {np.min(used[:, 0] / used[:, 1]):.1f} to {np.max(used[:, 0] / used[:, 1]):.1f} times smaller than θ₁'s")
assert np.allclose(used[:, 0] / used[:, 1], root_r[:, 1] / root_r[:, 0], rtol=1e-6)   # rate ratio = √(Σg₂²)/√(Σg₁²)
assert np.allclose(ours, book, rtol=1e-10, atol=1e-12) and np.allclose(ours_book, book, rtol=1e-10, atol=1e-12)
fig = P.curves({"θ₁ (low curvature)": rates[:, 0], "θ₂ (high curvature)": rates[:, 1]}, xlabel="step",
               ylabel="effective rate ε/(δ + √r)", logy=True, title="AdaGrad: per-parameter effective rates")
fig

# %% [markdown]
# 책의 표현으로는 "그 결과 완만하게 기울어진 방향으로 더 크게 진전한다"는 것입니다. 평범한
# 경사 하강법(gradient descent)은 가파른 좌표 방향에서 안정하려면 ε을 2/λ_max = 0.1보다 작게 잡아야 하고,
# 그러면 완만한 좌표(λ = 0.5)에서는 거의 기어가듯 움직입니다. AdaGrad는 매개변수마다 학습률이 따로
# 있으므로 이런 연동이 없습니다.

# %%
gd_best = P.optimizer_path(lambda p: po.optim.SGD(p, lr=0.099), grad, x0, 100)   # just below 2/λ_max
print(f"after 100 steps, |θ₁|/|θ₁(0)|: gradient descent {abs(gd_best[-1, 0] / x0[0]):.1e}, "
      f"AdaGrad {abs(ours[-1, 0] / x0[0]):.1e}")
assert abs(ours[-1, 0]) < 1e-3 * abs(gd_best[-1, 0])        # far more progress on the gentle slope

# %% [markdown]
# ## 8.5.2 RMSProp
#
# AdaGrad의 학습률은 끝없이 줄어들기만 합니다. RMSProp은 합 대신 지수적으로 감소하는 이동 평균
# r ← ρr + (1 − ρ)g⊙g를 씁니다. 책은 δ를 제곱근 *안*에 넣어 θ ← θ − ε/√(δ + r) ⊙ g로 쓰고, torch(와
# `po.optim.RMSprop`)는 제곱근 *밖*에 더해 ε/(√r + δ)로 씁니다. r이 δ보다 충분히 크지 않은 동안에는 두
# 형태가 다른 결과를 냅니다:

# %%
def rmsprop(theta0, eps, rho, delta, steps, inside):
    theta, r = np.array(theta0, float), np.zeros(len(theta0))
    path = [theta.copy()]
    for _ in range(steps):
        g = grad(theta)
        r = rho * r + (1 - rho) * g * g
        theta = theta - (eps / np.sqrt(delta + r) if inside else eps / (np.sqrt(r) + delta)) * g
        path.append(theta.copy())
    return np.array(path)


torch_form = P.optimizer_path(lambda p: po.optim.RMSprop(p, lr=0.05, alpha=0.9, eps=1e-2), grad, x0, 80)
book_form = P.optimizer_path(lambda p: po.optim.RMSPropBook(p, lr=0.05, rho=0.9, eps=1e-2), grad, x0, 80)
assert np.allclose(torch_form, rmsprop(x0, 0.05, 0.9, 1e-2, 80, inside=False), rtol=1e-10, atol=1e-12)
assert np.allclose(book_form, rmsprop(x0, 0.05, 0.9, 1e-2, 80, inside=True), rtol=1e-10, atol=1e-12)
print("largest difference between the two forms:", np.abs(torch_form - book_form).max())

# %% [markdown]
# ### 알고리즘 8.6: 네스테로프 모멘텀을 적용한 RMSProp
#
# 책은 RMSProp의 크기 조절에 네스테로프 모멘텀(Nesterov momentum)을 결합합니다. 그래디언트를 중간 지점
# θ + αv에서 구한 다음 r ← ρr + (1 − ρ)g⊙g, v ← αv − ε/√(δ + r) ⊙ g, θ ← θ + v로 갱신합니다. torch에는
# 이런 옵티마이저가 없습니다(torch의 `RMSprop(momentum=...)`은 heavy-ball 모멘텀입니다).
# `po.optim.RMSPropBook(..., nesterov=True)`가 바로 알고리즘 8.6이며, 그 `step`은 중간 지점에서
# 그래디언트를 계산하는 클로저(closure)를 받습니다. 같은 이차 함수에서 먼저 NumPy로, 이어서 pyoptim으로
# 실행해 봅니다:

# %%
def rmsprop_nesterov(theta0, eps, rho, delta, alpha, steps):
    theta, r, v = np.array(theta0, float), np.zeros(len(theta0)), np.zeros(len(theta0))
    path = [theta.copy()]
    for _ in range(steps):
        g = grad(theta + alpha * v)                     # gradient at the interim point
        r = rho * r + (1 - rho) * g * g
        v = alpha * v - eps / np.sqrt(delta + r) * g
        theta = theta + v
        path.append(theta.copy())
    return np.array(path)


x86 = x0.copy()
opt86 = po.optim.RMSPropBook([x86], lr=0.02, rho=0.9, eps=1e-6, alpha=0.9, nesterov=True)
path86 = [x86.copy()]
for _ in range(80):
    opt86.step(lambda: [grad(x86)])                     # the closure sees x86 at θ + αv
    path86.append(x86.copy())
path86 = np.array(path86)
path85 = P.optimizer_path(lambda p: po.optim.RMSPropBook(p, lr=0.02, rho=0.9, eps=1e-6), grad, x0, 80)
fig, axes = P.figure(figsize=(11, 4), ncols=2)
P.contour_paths(quad, {"RMSProp (Alg. 8.5)": path85, "RMSProp + Nesterov (Alg. 8.6)": path86}, ax=axes[0],
                xlim=(-2, 2), ylim=(-1.2, 1.2), minimum=np.zeros(2), title="ε = 0.02, ρ = 0.9, α = 0.9")
P.curves({"RMSProp (Alg. 8.5)": [quad(p) for p in path85], "RMSProp + Nesterov (Alg. 8.6)": [quad(p) for p in path86]},
         ax=axes[1], xlabel="step", ylabel="f(θ)", logy=True, title="The same ε goes much further with momentum")
fig

# %%
assert np.allclose(path86, rmsprop_nesterov(x0, 0.02, 0.9, 1e-6, 0.9, 80), rtol=1e-12, atol=1e-14)  # NumPy = pyoptim
assert quad(path86[40]) < 0.01 * quad(path85[40])       # after 40 steps: 100x lower cost than Algorithm 8.5

# %% [markdown]
# ## 8.5.3 Adam
#
# Adam은 그래디언트의 감쇠 평균(1차 모멘트 s, ρ₁)과 그래디언트 제곱의 감쇠 평균(2차 모멘트 r, ρ₂)을 함께
# 유지하고, 두 값이 0에서 출발한 탓에 생기는 편향을 보정합니다(알고리즘 8.7, 편향 보정(bias
# correction)): ŝ = s/(1 − ρ₁ᵗ), r̂ = r/(1 − ρ₂ᵗ), θ ← θ − ε ŝ/(√r̂ + δ).

# %%
def adam_book(theta0, eps, rho1, rho2, delta, steps):
    theta = np.array(theta0, float)
    s, r = np.zeros(len(theta0)), np.zeros(len(theta0))
    path = [theta.copy()]
    for t in range(1, steps + 1):
        g = grad(theta)
        s = rho1 * s + (1 - rho1) * g
        r = rho2 * r + (1 - rho2) * g * g
        s_hat, r_hat = s / (1 - rho1 ** t), r / (1 - rho2 ** t)
        theta = theta - eps * s_hat / (np.sqrt(r_hat) + delta)
        path.append(theta.copy())
    return np.array(path)


book = adam_book(x0, 0.1, 0.9, 0.999, 1e-8, 100)
ours = P.optimizer_path(lambda p: po.optim.Adam(p, lr=0.1, betas=(0.9, 0.999), eps=1e-8), grad, x0, 100)
ours_book = P.optimizer_path(lambda p: po.optim.AdamBook(p, lr=0.1, rho1=0.9, rho2=0.999, eps=1e-8), grad, x0, 100)
assert np.allclose(ours, book, rtol=1e-9, atol=1e-12) and np.allclose(ours_book, book, rtol=1e-9, atol=1e-12)
# the first step has size ε in every coordinate, whatever the gradient's scale (bias correction)
assert np.allclose(np.abs(book[1] - book[0]), 0.1, rtol=1e-6)

# %% [markdown]
# ## 8.5.4 적절한 최적화 알고리즘 고르기
#
# 언제나 가장 좋은 단 하나의 알고리즘은 없습니다(Schaul et al., 2014). 문제와 하이퍼파라미터 조정에 따라
# 달라집니다. 아래에서는 모든 옵티마이저를 먼저 같은 2차원 이차 함수에서, 이어서 숫자(digits) 데이터를
# 분류하는 작은 MLP에서 실행합니다.

# %%
rates_2d = {"SGD": 0.09, "momentum": 0.02, "Adagrad": 0.5, "RMSprop": 0.05, "Adam": 0.1}
makers = {
    "SGD": lambda p, lr: po.optim.SGD(p, lr=lr),
    "momentum": lambda p, lr: po.optim.SGD(p, lr=lr, momentum=0.9),
    "Adagrad": lambda p, lr: po.optim.Adagrad(p, lr=lr),
    "RMSprop": lambda p, lr: po.optim.RMSprop(p, lr=lr, alpha=0.9),
    "Adam": lambda p, lr: po.optim.Adam(p, lr=lr),
}
paths = {f"{name}, ε = {rates_2d[name]}": P.optimizer_path(lambda p, n=name: makers[n](p, rates_2d[n]), grad, x0, 50)
         for name in makers}
# one panel each: Adagrad, RMSprop and Adam leave the start along the same curve
fig = P.path_panels(quad, paths, xlim=(-2, 2), ylim=(-1.2, 1.2), minimum=[0, 0], ncols=3,
                    title="Every optimizer, 50 steps, on one quadratic")
fig

# %%
Xtr, Xte, ytr, yte = po.datasets.load_digits(test_size=0.3, seed=SEED)
rates_nn = {"SGD": 0.1, "momentum": 0.05, "Adagrad": 0.05, "RMSprop": 0.002, "Adam": 0.002}
val = {}
for name in makers:
    model = nn.Sequential(nn.Dense(64, 64, seed=1), nn.ReLU(), nn.Dense(64, 10, seed=2))
    hist = po.fit(model, nn.SoftmaxCrossEntropy(), makers[name](model.parameters(), rates_nn[name]), Xtr, ytr,
                  epochs=8, batch_size=32, validation_data=(Xte, yte), progress=False, seed=SEED)
    val[name] = hist.history["val_loss"]
fig = P.curves(val, x=np.arange(1, 9), xlabel="epoch", ylabel="held-out loss", logy=True,
               title="Every optimizer on the digits (64-64-10 MLP)")
fig

# %%
assert all(v[-1] < np.log(10) / 4 for v in val.values())      # every one of them learns (chance: log 10)

# %% [markdown]
# ### 책의 알고리즘과 나란히 놓은 AdaDelta와 NAdam
#
# 8.5.4절은 현재 널리 쓰이는 알고리즘으로 **AdaDelta**를 언급합니다. AdaDelta는 RMSProp
# (r ← ρr + (1 − ρ)g⊙g)에서 전역 학습률 ε을 최근 *갱신량* u의 제곱평균제곱근(RMS)으로 바꾼
# 것입니다(Zeiler, 2012): Δθ = −√(u + δ)/√(r + δ) ⊙ g, u ← ρu + (1 − ρ)Δθ⊙Δθ. 그래서 한 단계의 크기가 θ와
# 같은 단위를 갖고, 조정할 학습률이 없습니다(`lr=1`). **NAdam**(Dozat, 2016)은 8.3.3절의 네스테로프
# 모멘텀을 Adam에 넣은 것입니다. *다음* 단계의 모멘텀을 지금 미리 적용하여
# θ ← θ − ε[μₜ₊₁ s/(1 − Πₜ₊₁) + (1 − μₜ) g/(1 − Πₜ)]/(√r̂ + δ)로 갱신하며, 모멘텀 스케줄은
# μₜ = ρ₁(1 − ½·0.96^(0.004 t)), Πₜ = μ₁⋯μₜ입니다. 두 알고리즘 모두 논문대로 NumPy로 구현한 뒤
# `po.optim.Adadelta`, `po.optim.NAdam`(torch의 클래스와 수치를 따름)과 비교합니다:

# %%
def adadelta_paper(theta0, rho, delta, steps):
    theta = np.array(theta0, float)
    r, u = np.zeros(len(theta0)), np.zeros(len(theta0))
    path = [theta.copy()]
    for _ in range(steps):
        g = grad(theta)
        r = rho * r + (1 - rho) * g * g
        step = -np.sqrt(u + delta) / np.sqrt(r + delta) * g
        u = rho * u + (1 - rho) * step * step
        theta = theta + step
        path.append(theta.copy())
    return np.array(path)


def nadam_paper(theta0, eps, rho1, rho2, delta, psi, steps, product=float):
    """``product=np.float32`` keeps Π in float32, as torch (and pyoptim) do."""
    theta = np.array(theta0, float)
    s, r, prod = np.zeros(len(theta0)), np.zeros(len(theta0)), product(1.0)
    mu = lambda t: rho1 * (1 - 0.5 * 0.96 ** (t * psi))   # noqa: E731
    path = [theta.copy()]
    for t in range(1, steps + 1):
        g = grad(theta)
        prod = product(prod * product(mu(t)))
        s = rho1 * s + (1 - rho1) * g
        r = rho2 * r + (1 - rho2) * g * g
        look_ahead = mu(t + 1) * s / (1 - float(prod) * mu(t + 1)) + (1 - mu(t)) * g / (1 - float(prod))
        theta = theta - eps * look_ahead / (np.sqrt(r / (1 - rho2 ** t)) + delta)
        path.append(theta.copy())
    return np.array(path)


ada = P.optimizer_path(lambda p: po.optim.Adadelta(p, rho=0.9, eps=1e-6), grad, x0, 300)
assert np.allclose(ada, adadelta_paper(x0, 0.9, 1e-6, 300), rtol=1e-10, atol=1e-12)
nad = P.optimizer_path(lambda p: po.optim.NAdam(p, lr=0.1), grad, x0, 300)
assert np.allclose(nad, nadam_paper(x0, 0.1, 0.9, 0.999, 1e-8, 4e-3, 300, product=np.float32), rtol=1e-9, atol=1e-12)
# with Π kept in double the iterates move only in the last digits
print("NAdam, Π in double vs float32:", np.abs(nad - nadam_paper(x0, 0.1, 0.9, 0.999, 1e-8, 4e-3, 300)).max())
# AdaDelta's first step is sqrt(δ/(δ + (1-ρ)g²))·g ≈ sqrt(δ/(1-ρ)) per coordinate: tiny, whatever ε
print("AdaDelta's first step:", ada[1] - ada[0])

# %%
loss_2d = {"Adam, ε = 0.1": P.optimizer_path(lambda p: po.optim.Adam(p, lr=0.1), grad, x0, 300),
           "RMSprop, ε = 0.05": P.optimizer_path(lambda p: po.optim.RMSprop(p, lr=0.05, alpha=0.9), grad, x0, 300),
           "NAdam, ε = 0.1": nad, "AdaDelta (no ε)": ada,
           "AdaDelta, δ = 0.1": P.optimizer_path(lambda p: po.optim.Adadelta(p, eps=0.1), grad, x0, 300)}
fig = P.curves({k: [quad(x) for x in v] for k, v in loss_2d.items()}, xlabel="step", ylabel="f(θ)", logy=True,
               title="AdaDelta and NAdam beside RMSProp and Adam on the quadratic")
fig

# %%
# AdaDelta with δ = 1e-6 starts slowly (its steps start near √δ and grow with u) but needs no ε. δ is
# not harmless, though: where δ dominates u and r the step is √δ/√δ · g = g, gradient descent with
# rate 1, unstable on a curvature above 2 (here 20): with δ = 0.1 the θ₂ coordinate oscillates and grows
f_end = {k: quad(v[-1]) for k, v in loss_2d.items()}
assert f_end["AdaDelta (no ε)"] < 0.05 * quad(x0) and f_end["AdaDelta, δ = 0.1"] > quad(x0)
assert f_end["NAdam, ε = 0.1"] < 1e-2 * quad(x0)

# %%
extra = {"AdaDelta": (lambda p: po.optim.Adadelta(p, lr=1.0)), "NAdam": (lambda p: po.optim.NAdam(p, lr=0.002))}
for name, make in extra.items():
    model = nn.Sequential(nn.Dense(64, 64, seed=1), nn.ReLU(), nn.Dense(64, 10, seed=2))
    hist = po.fit(model, nn.SoftmaxCrossEntropy(), make(model.parameters()), Xtr, ytr, epochs=8, batch_size=32,
                  validation_data=(Xte, yte), progress=False, seed=SEED)
    val[name] = hist.history["val_loss"]
fig = P.curves(val, x=np.arange(1, 9), xlabel="epoch", ylabel="held-out loss", logy=True,
               title="With AdaDelta and NAdam, on the digits")
fig

# %%
assert val["AdaDelta"][-1] < np.log(10) / 4 and val["NAdam"][-1] < np.log(10) / 4

# %% [markdown]
# ## 연습 문제
#
# 1. 최솟값이 움직이는 문제(비정상(non-stationary) 목적 함수)에서 AdaGrad를 10,000단계 실행해 보세요.
#    RMSProp은 최솟값을 따라가는데 AdaGrad는 왜 따라가지 못할까요?
# 2. Adam의 편향 보정을 없애 보세요. ρ₂ = 0.999일 때 첫 단계의 크기는 얼마가 될까요?
# 3. `P.interactive_trajectories(..., methods=("RMSprop", "Adam"))`로 β를 바꿔 보세요. β가 작으면(r에
#    대한 기억이 짧으면) 이차 함수에서 어떤 일이 일어날까요?
