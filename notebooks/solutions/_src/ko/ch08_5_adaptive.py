"""Worked solutions to the exercises of notebooks/ko/ch08_5_adaptive (Korean edition; build: python notebooks/solutions/_build.py)."""
# %% [markdown]
# # 연습 문제 풀이: 8.5 적응적 학습률 알고리즘
#
# `ch08_5_adaptive.ipynb`의 연습 문제를 하나씩 풀어 봅니다. 모든 `assert`는 pyoptim을 NumPy 반복문과 비교하거나
# 측정값을 예측과 비교합니다.

# %%
import numpy as np
import pyoptim as po

P = po.plot
H = np.diag([0.5, 20.0])                     # the notebook's quadratic
quad = lambda x: 0.5 * x @ H @ x             # noqa: E731
grad = lambda x: H @ x                       # noqa: E731
x0 = np.array([-1.8, 1.0])

# %% [markdown]
# ## 연습 문제 1: 움직이는 최솟점, 10,000단계
#
# f_t(θ) = ½(θ − c_t)²의 최솟점 c_t = sin(2πt/500)는 쉬지 않고 움직입니다. AdaGrad는 √r, r = Σ g²로 나누는데 r은 커지기만
# 합니다. 그래서 많은 단계를 지나면 학습률(learning rate) ε/√r이 아주 작아져 목표를 따라가지 못하고 뒤처집니다. RMSProp의 r은 지수
# 이동 평균이므로 학습률이 대략 ε/rms(g)에 머물러 목표를 계속 따라갑니다.

# %%
T = 10_000
c = np.sin(2 * np.pi * np.arange(T) / 500)


def track(make):
    theta = np.zeros(1)
    opt = make([theta])
    out = np.empty(T)
    for t in range(T):
        opt.step([theta - c[t]])
        out[t] = theta[0]
    return out


ada = track(lambda p: po.optim.Adagrad(p, lr=0.1))
rms = track(lambda p: po.optim.RMSprop(p, lr=0.01, alpha=0.99))

# AdaGrad written out in NumPy (torch's form: r += g², θ -= ε g / (√r + δ))
theta, r, ada_np = 0.0, 0.0, np.empty(T)
for t in range(T):
    g = theta - c[t]
    r += g * g
    theta -= 0.1 * g / (np.sqrt(r) + 1e-10)
    ada_np[t] = theta
assert np.allclose(ada, ada_np, rtol=1e-9, atol=1e-12)

lag = {name: np.abs(path[-2000:] - c[-2000:]).mean() for name, path in (("Adagrad", ada), ("RMSprop", rms))}
print({k: round(v, 4) for k, v in lag.items()})
assert lag["RMSprop"] < 0.05 * lag["Adagrad"]
# and AdaGrad falls further behind as r keeps growing: its lag late in the run exceeds its lag early on
assert np.abs(ada[-2000:] - c[-2000:]).mean() > np.abs(ada[1000:3000] - c[1000:3000]).mean()
fig = P.curves({"target c_t": c, "Adagrad": ada, "RMSprop": rms}, xlabel="step t", ylabel="θ",
               title="A moving minimum: AdaGrad falls behind")
fig

# %% [markdown]
# ## 연습 문제 2: 편향 보정 없는 Adam
#
# 한 단계 뒤에는 s = (1 − ρ₁)g, r = (1 − ρ₂)g²입니다. 보정하지 않으면 단계의 크기가 좌표마다
# ε s/√r = ε (1 − ρ₁)/√(1 − ρ₂) · g/|g| = ε · 0.1/√0.001 ≈ 3.16 ε입니다. 편향 보정(bias correction)
# (ŝ = s/(1 − ρ₁), r̂ = r/(1 − ρ₂))을 하면 (δ를 빼면) 정확히 ε입니다.

# %%
eps, rho1, rho2 = 0.1, 0.9, 0.999
g = grad(x0)
s, r = (1 - rho1) * g, (1 - rho2) * g * g
uncorrected = eps * s / (np.sqrt(r) + 1e-8)
theta = x0.copy()
po.optim.Adam([theta], lr=eps, betas=(rho1, rho2), eps=1e-8).step([g])
corrected = x0 - theta
print("first step without correction:", uncorrected, " with (pyoptim Adam):", corrected)
assert np.allclose(np.abs(uncorrected), eps * (1 - rho1) / np.sqrt(1 - rho2), rtol=1e-6)
assert np.allclose(np.abs(corrected), eps, rtol=1e-6)
assert np.allclose(np.abs(uncorrected) / np.abs(corrected), 3.162, rtol=1e-3)

# %% [markdown]
# ## 연습 문제 3: r에 짧은 기억 β 쓰기
#
# β가 작으면 r은 거의 *현재의* g²이므로, RMSProp의 각 단계는 ε g/|g|, 곧 부호만 쓰는 하강(sign descent)이 됩니다.
# 최솟점에 아무리 가까워도 모든 좌표에서 크기 ε인 단계를 밟는 것이지요. 그래서 반복값이 자리를 잡지 못하고 최솟점
# 주위에서 ε 정도 거리로 덜컹거립니다. β = 0.999이면 이동 평균이 초반의 큰 그래디언트(gradient)를 기억하므로 최솟점 근처에서
# 단계가 작아지고 경로가 매끄럽습니다. β 슬라이더를 움직여 봅시다.

# %%
inter = P.interactive_trajectories(quad, x0, grad=grad, lr=0.05, momentum=0.9, beta=0.999, steps=200,
                                   methods=("RMSprop", "Adam"), xlim=(-2, 2), ylim=(-1.2, 1.2), minimum=[0, 0])


def last_steps(name):
    line = next(l for l in inter.fig.axes[0].lines if l.get_label().startswith(name))
    xy = line.get_xydata()
    return np.linalg.norm(np.diff(xy[-20:], axis=0), axis=1)


smooth = last_steps("RMSprop").mean()
inter.update(beta=0.5)
rattle = last_steps("RMSprop")
print(f"RMSprop's last steps: β = 0.999 {smooth:.4f}, β = 0.5 {rattle.mean():.4f} (ε√2 = {0.05 * np.sqrt(2):.4f})")
assert rattle.mean() > 5 * smooth
# sign descent: each coordinate moves by about ε (ratio of |g| to √r near 1 with β = 0.5)
assert 0.5 * 0.05 < rattle.mean() < 2 * 0.05 * np.sqrt(2)
inter.fig
