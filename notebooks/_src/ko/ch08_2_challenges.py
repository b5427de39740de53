"""Source of notebooks/ko/ch08_2_challenges.ipynb (Korean edition; build: python notebooks/_build.py)."""
# %%
import importlib.util, subprocess, sys; importlib.util.find_spec("pyoptim") or subprocess.check_call([sys.executable, "-m", "pip", "install", "-q", "pyoptim-dlbook[hosted]"])  # hosted notebooks (Colab): install pyoptim

# %% [markdown]
# # 8.2 신경망 최적화의 어려움
#
# *Deep Learning* 8.2절: 악조건(ill-conditioning, 8.2.1), 서로 동등한 수많은 최솟점(8.2.2), 안장점(saddle point)과
# 고원(plateau, 8.2.3), 절벽과 그래디언트 폭발(exploding gradient, 8.2.4), 장기 의존성(long-term dependency, 8.2.5),
# 부정확한 그래디언트(inexact gradient, 8.2.6), 국소 구조와 전역 구조의 불일치(8.2.7), 그리고 이론의 한계(8.2.8).
# 각 주제는 설명, 순수 NumPy 구현, pyoptim 호출, 그림, 책의 주장을 확인하는 `assert` 순서로 다룹니다.
#
# | 책 | pyoptim |
# |---|---|
# | gᵀg, gᵀHg, 식 8.10 | `po.diagnostics.curvature_along_gradient`, `po.diagnostics.CurvatureMonitor` (`fit` 콜백) |
# | 헤시안 고윳값 | `po.diagnostics.hessian_spectrum`, `po.diagnostics.hvp` |
# | 가중치 공간의 대칭성 | `po.diagnostics.permute_hidden_units`, `rescale_relu_unit` |
# | 안장점, 뉴턴법 | `po.functions.saddle()`, `po.minimize(method="newton")` |
# | 그래디언트 클리핑 | `po.optim.clip_grad_norm_`, `clip_grad_value_`; `po.functions.cliff()` |
# | Wᵗ = V diag(λ)ᵗ V⁻¹ | `po.diagnostics.matrix_power_eig`, `power_norms` |
# | 2/ε에서의 날카로움 (그림 8.1) | `po.diagnostics.SpectrumMonitor`, `po.plot.sharpness` |
# | 잡음 섞인 그래디언트와 편향된 그래디언트 (8.2.6) | `po.diagnostics.NoisyOracle`, `BiasedOracle` |

# %%
import numpy as np
import pyoptim as po
from pyoptim import nn

P = po.plot
D = po.diagnostics
SEED = 0

# %% [markdown]
# ## 8.2.1 악조건
#
# 경사 하강법(gradient descent)의 한 단계 x − εg는 비용을 2차 근사까지 다음만큼 바꿉니다(책 식 8.10).
#
# ½ε² gᵀHg − ε gᵀg.
#
# ½ε²gᵀHg > εgᵀg이면, 그래디언트(gradient)가 아무리 작아도 이 단계는 비용을 *올립니다*. 헤시안(Hessian) H의
# 조건수(condition number), 즉 가장 큰 고윳값(eigenvalue)과 가장 작은 고윳값의 비가 클수록 이런 일이 쉽게
# 일어납니다. 2차 함수에서는 2차 전개가 정확합니다. NumPy로 확인하면:

# %%
f = po.functions.quadratic(n=5, cond=50.0, seed=SEED)
x = f.x0
g = f.grad(x)
for eps in (0.01, 0.05):
    predicted = 0.5 * eps ** 2 * g @ f.hess(x) @ g - eps * g @ g
    actual = f(x - eps * g) - f(x)
    print(f"ε = {eps}: predicted {predicted:+.6f}, actual {actual:+.6f}")
    assert np.isclose(predicted, actual, rtol=1e-10)

# %% [markdown]
# pyoptim은 같은 항들을 임의의 함수에 대해 계산하고(`curvature_along_gradient`), 학습 중에는 신경망의 매 단계마다
# 계산합니다(`CurvatureMonitor`, R-연산자로 정확한 헤시안-벡터 곱을 구합니다). 예측에 따르면 ε이
# ε_c = 2gᵀg/gᵀHg를 넘으면 단계는 오르막이 됩니다. 아래에서는 *실제* 변화 f(x − εg) − f(x)가 양수로 바뀌는 학습률(learning rate)을
# f만 가지고 이분법으로 찾아, 그 예측과 비교합니다.

# %%
c_ok = D.curvature_along_gradient(f, x=x, lr=0.01)
eps_bad = 1.2 * 2 * (g @ g) / (g @ f.hess(x) @ g)
c_bad = D.curvature_along_gradient(f, x=x, lr=eps_bad)
print(f"ε = {eps_bad:.4f}: predicted {float(c_bad['predicted']):+.4f}, actual {float(c_bad['actual']):+.4f}, "
      f"increase predicted: {c_bad['increase_predicted']}")
lo, hi = 1e-6, 1.0                                             # bisection on the measured change only
for _ in range(60):
    mid = 0.5 * (lo + hi)
    lo, hi = (mid, hi) if f(x - mid * g) < f(x) else (lo, mid)
eps_c = 2 * float(c_ok["gTg"]) / float(c_ok["gTHg"])           # pyoptim's gᵀg and gᵀHg
print(f"uphill from ε = {lo:.6f} (bisection on f), predicted ε_c = {eps_c:.6f}")
assert np.isclose(lo, eps_c, rtol=1e-8)
# pyoptim's predicted change and its uphill flag against the change of f measured in NumPy, for rates
# on both sides of ε_c
eps_grid = eps_c * np.array([0.1, 0.5, 0.9, 0.99, 1.01, 1.1, 2.0])
checks = [D.curvature_along_gradient(f, x=x, lr=e) for e in eps_grid]
change = np.array([f(x - e * g) - f(x) for e in eps_grid])
assert np.allclose([c["predicted"] for c in checks], change, rtol=1e-8) and [c["increase_predicted"] for c in checks] == list(change > 0)

# %% [markdown]
# ### 책 그림 8.1: 그래디언트는 줄지 않는데 곡률은 커진다
#
# 책의 그림 8.1은 실제 학습 과정에서 gᵀg와 gᵀHg를 추적합니다. 그래디언트 노름은 줄어들지 않는 반면 gᵀHg는 한 자릿수
# 이상 커지고, 마침내 ½ε²gᵀHg가 εgᵀg를 따라잡으면 단계가 더 이상 이득이 되지 않습니다. *왜* 이런 일이 생기는지는
# 이제 잘 알려져 있습니다(Cohen et al., 2021, "Gradient descent on neural networks typically occurs at the edge of
# stability"). 학습률 ε의 전체 배치 경사 하강법은 날카로움(sharpness) λ_max(헤시안의 가장 큰 고윳값)를 2차 함수라면
# 발산하기 시작하는 값인 2/ε까지 끌어올리고, 그 뒤로는 가장 날카로운 방향을 따라 진동하면서 그 값에 머무릅니다. 이것이
# 안정성의 경계(edge of stability)입니다. 그러면 그래디언트가 점점 그 방향을 향하게 되어 gᵀHg/gᵀg → 2/ε, 곧 정확히
# ½ε²gᵀHg = εgᵀg인 지점에 이릅니다.
#
# 여기서는 숫자 이미지 500개에 대해, 제곱 오차를 쓰는 64-64-64-10 tanh 신경망을 float64로 전체 배치 경사 하강법
# (ε = 0.5)으로 학습합니다. `CurvatureMonitor`는 5단계마다 정확한 헤시안-벡터 곱으로 gᵀg와 gᵀHg를 재고,
# `SpectrumMonitor`는 50단계마다 란초스(Lanczos) 방법으로 λ_max를 잽니다. 서로 독립적인 두 계산입니다.

# %%
Xtr, Xte, ytr, yte = po.datasets.load_digits(test_size=0.3, seed=SEED)
n_eos, lr_eos, steps_eos = 500, 0.5, 600
Xe = Xtr[:n_eos].astype(np.float64)
Ye = np.eye(10)[ytr[:n_eos]]
net = nn.Sequential(nn.Dense(64, 64, seed=1, dtype=np.float64), nn.Tanh(),
                    nn.Dense(64, 64, seed=3, dtype=np.float64), nn.Tanh(),
                    nn.Dense(64, 10, seed=2, dtype=np.float64))
curv = D.CurvatureMonitor(every=5)
sharp = D.SpectrumMonitor(every=50, k=1, method="lanczos", m=20)
eos = po.fit(net, nn.MSELoss(), po.optim.SGD(net.parameters(), lr=lr_eos), Xe, Ye, epochs=steps_eos,
             batch_size=None, shuffle=False, callbacks=[curv, sharp], progress=False, seed=SEED)
st = np.asarray(curv.history["step"])
gTg, gTHg = np.asarray(curv.history["gTg"]), np.asarray(curv.history["gTHg"])
fig, axes = P.figure(figsize=(11, 3.8), ncols=2)
P.curvature(gTg, gTHg, lr=lr_eos, steps=st, ax=axes[0], title="gᵀg and gᵀHg (book Fig. 8.1)")
P.sharpness(sharp.history["step"], sharp.history["top"], lr_eos, ax=axes[1], ratio_steps=st, ratio=gTHg / gTg)
fig

# %% [markdown]
# 처음의 빠른 감소(처음 100단계)가 끝나면 학습은 책이 말하는 영역에 들어갑니다. 100-200단계 구간과 마지막 200단계를
# 비교하면: 그래디언트 노름은 줄지 않았고(오히려 커졌고), gᵀHg는 한 자릿수 이상 커졌으며, λ_max는 2/ε에 머물고, 그래디언트
# 방향의 곡률이 그 값을 따라잡아, 손실은 전체적으로 여전히 줄어드는데도 단계의 약 3분의 1은 비용을 *올립니다*. ε = 0.1로
# 학습하면 같은 신경망에서 2000단계 안에 이런 현상이 전혀 나타나지 않습니다. λ_max(≈ 9)가 2/ε = 20 아래에 머물고,
# gᵀg와 gᵀHg가 함께 줄어듭니다(직접 해 보세요: 이 효과에는 그만큼 큰 학습률이 필요합니다).

# %%
early, late = (st >= 100) & (st < 200), st >= steps_eos - 200
growth_g = np.median(gTg[late]) / np.median(gTg[early])
growth_H = np.median(gTHg[late]) / np.median(gTHg[early])
lam_end = np.asarray(sharp.history["top"])[-4:]
up_early = np.mean(0.5 * lr_eos * gTHg[early] > gTg[early])
up_late = np.mean(0.5 * lr_eos * gTHg[late] > gTg[late])
loss_hist = eos.history["loss"]
print(f"median gᵀg grew {growth_g:.0f}x, median gᵀHg grew {growth_H:.0f}x; "
      f"λ_max at the end {lam_end.round(2)} against 2/ε = {2 / lr_eos}")
print(f"steps with ½ε²gᵀHg > εgᵀg: {up_early:.0%} in steps 100-200, {up_late:.0%} in the last 200; "
      f"loss {loss_hist[200]:.4f} -> {loss_hist[-1]:.4f}")
assert growth_g >= 1.0                                           # the gradient norm did not shrink
assert growth_H >= 10.0                                          # gᵀHg grew by an order of magnitude
assert np.all(np.abs(lam_end - 2 / lr_eos) < 0.15 * 2 / lr_eos)  # Lanczos λ_max ≈ 2/ε
assert np.all(gTHg / gTg <= 1.01 * max(sharp.history["top"]))    # a Rayleigh quotient ≤ λ_max
assert up_early < 0.1 and up_late > 0.2                          # ½ε²gᵀHg overtook εgᵀg
assert loss_hist[-1] < loss_hist[200]                            # and training still succeeds

# %% [markdown]
# 작은 신경망의 헤시안 스펙트럼 전체입니다(정확한 값: `method="full"`은 헤시안-벡터 곱들로 H를 조립합니다). 초기화
# 시점에는 일부 고윳값이 음수입니다(아직 최솟점이 아닙니다). 조건수 κ = λ_max/λ_min이 악조건의 정도를 나타냅니다.

# %%
small = nn.Sequential(nn.Dense(64, 6, seed=3, dtype=np.float64), nn.Tanh(), nn.Dense(6, 10, seed=4, dtype=np.float64))
loss = nn.SoftmaxCrossEntropy()
Xs, ys = Xtr[:300].astype(np.float64), ytr[:300]
spec0 = D.hessian_spectrum(small, loss, Xs, ys, method="full")
po.fit(small, loss, po.optim.Adam(small.parameters(), lr=0.02), Xs, ys, epochs=30, batch_size=None,
       progress=False, seed=SEED)
spec1 = D.hessian_spectrum(small, loss, Xs, ys, method="full")
fig = P.hessian_spectrum({"at initialization": spec0.eigenvalues, "after training": spec1.eigenvalues}, bins=60)
fig

# %%
print(f"negative fraction: {spec0.negative_fraction:.3f} at init, {spec1.negative_fraction:.3f} after training")
assert spec0.negative_fraction > spec1.negative_fraction        # training moved towards a minimum
legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]   # the figure shows the same count
assert f"{round(spec0.negative_fraction * spec0.n)} negative" in legend[0]

# %% [markdown]
# ## 8.2.2 국소 최솟점: 가중치 공간의 대칭성
#
# 은닉 유닛 두 개를 (나가는 가중치와 함께) 맞바꾸거나, ReLU 유닛으로 들어오는 가중치에 a > 0을 곱하고 나가는 가중치에
# 1/a를 곱해도 신경망이 나타내는 함수는 변하지 않습니다. 모든 최솟점에는 n!·(여러) 개의 동등한 복사본이 있으므로,
# 대칭성에서 생기는 "국소 최솟점"은 해가 없습니다.

# %%
relu_net = nn.Sequential(nn.Dense(64, 16, seed=5, dtype=np.float64), nn.ReLU(), nn.Dense(16, 10, seed=6, dtype=np.float64))
Xd = Xte[:50].astype(np.float64)
out0 = relu_net(Xd).copy()
W0 = relu_net[0].weight.data.copy()
D.permute_hidden_units(relu_net, 0, np.random.default_rng(SEED).permutation(16))
D.rescale_relu_unit(relu_net, 0, unit=3, a=7.5)
assert not np.allclose(relu_net[0].weight.data, W0)         # different parameters ...
assert np.allclose(relu_net(Xd), out0, rtol=1e-12, atol=1e-12)  # ... the same function

# %% [markdown]
# ## 8.2.3 안장점, 고원, 그 밖의 평평한 영역
#
# 뉴턴법(Newton's method)은 H d = −g를 풉니다. 그래서 f(x, y) = x² − y²에서는 안장점으로 *곧장* 뛰어듭니다. 모든
# 정류점(stationary point)을 똑같이 취급하기 때문입니다. 경사 하강법은 음의 곡률 방향을 따라 미끄러져 빠져나갑니다.
# "안장점 없는(saddle-free)" 뉴턴법(|H|: 고윳값을 절댓값으로 바꿈; Dauphin et al., 2014)도 빠져나갑니다. NumPy로:

# %%
s = po.functions.saddle()
start = np.array([1.0, 0.05])


def newton_path(hfun, steps):
    xs = [start.copy()]
    for _ in range(steps):
        lam, Q = np.linalg.eigh(s.hess(xs[-1]))
        xs.append(xs[-1] - Q @ ((Q.T @ s.grad(xs[-1])) / hfun(lam)))
    return np.array(xs)


newton = newton_path(lambda lam: lam, 5)
saddle_free = newton_path(np.abs, 5)
assert np.allclose(newton[1], [0.0, 0.0])                                  # NumPy Newton: on the saddle
# pyoptim: damping=0 is the book's plain Newton step; saddle_free=True uses |H|
res = po.minimize(s, start, method="newton", options={"damping": 0.0, "return_path": True, "maxiter": 5})
assert np.allclose(res.path[-1], [0.0, 0.0], atol=1e-12)                  # attracted to the saddle
sfn = po.minimize(s, start, method="newton", options={"saddle_free": True, "return_path": True, "maxiter": 3})
gd = P.optimizer_path(lambda p: po.optim.SGD(p, lr=0.1), s, start, 25)
assert abs(gd[-1, 1]) > 1.0 and abs(saddle_free[-1, 1]) > 1.0 and abs(sfn.path[-1, 1]) > 1.0   # they escape
fig = P.contour_paths(s, {"Newton": res.path, "saddle-free Newton (|H|)": sfn.path, "gradient descent": gd},
                      xlim=(-1.5, 1.5), ylim=(-1.5, 1.5), levels=np.linspace(-2, 2, 17),
                      title="Newton is attracted to the saddle of x² − y²")
fig

# %% [markdown]
# ### 고원: 안장점 없이 평평한 곳
#
# 고원(plateau)은 근처에 정류점이 없는데도 그래디언트가 거의 0인 넓은 영역입니다. 경사 하강법은 어디로도 끌려가지
# 않고 그저 기어가며, 그 속도는 평평한 정도에 비례합니다. 포화된 시그모이드 유닛이 전형적인 예입니다:
# f(w) = ½(1 − σ(w))²의 기울기 f′(w) = −σ(w)(1 − σ(w))²는 w ≪ 0에서 ≈ −eʷ이며 결코 0이 되지 않습니다(평평한 부분에
# 안장점도 최솟점도 없습니다). 단계가 작으면 경사 하강법은 그래디언트 흐름 dw/dt = −εf′(w)를 따르므로, w₀에서 0까지
# 건너가는 데 드는 단계 수는 약 ∫ dw / (ε|f′(w)|)입니다. 고원 속으로 한 단위 더 깊이 들어갈 때마다 이 값은 e배가
# 됩니다. 아래에서는 pyoptim의 `SGD`가 실제로 밟은 단계 수를 세어, 구적법으로 계산한 이 적분과 비교합니다.

# %%
sig = lambda w: 1.0 / (1.0 + np.exp(-w))
f_plateau = lambda w: 0.5 * (1.0 - sig(w)) ** 2
df_plateau = lambda w: -sig(w) * (1.0 - sig(w)) ** 2
eps_p = 1.0


def steps_to_cross(w0):
    w = np.array([w0], dtype=np.float64)
    opt, n = po.optim.SGD([w], lr=eps_p), 0
    while w[0] < 0.0:
        opt.step([df_plateau(w)])
        n += 1
    return n


depths = np.arange(2, 9)
counted = np.array([steps_to_cross(-d) for d in depths])
flow = np.array([np.trapezoid(1.0 / (eps_p * np.abs(df_plateau(grid))), grid)
                 for grid in (np.linspace(-d, 0.0, 200001) for d in depths)])
fig, axes = P.figure(figsize=(11, 3.6), ncols=2)
ww = np.linspace(-9, 3, 400)
P.curves({"f(w) = ½(1 − σ(w))²": f_plateau(ww), "|f′(w)|": np.abs(df_plateau(ww))},
         x=ww, ax=axes[0], xlabel="w", ylabel="value", title="A plateau: flat, but no stationary point (log scale)")
axes[0].set_yscale("log")
axes[1].semilogy(depths, counted, "o", label="steps counted (pyoptim SGD, ε = 1)")
axes[1].semilogy(depths, flow, "-", label="∫ dw / (ε|f′(w)|) (gradient flow)")
axes[1].set_xlabel("depth of the start in the plateau, −w₀")
axes[1].set_ylabel("steps to reach w = 0")
axes[1].set_title("Crossing time grows like 1/|f′|")
axes[1].legend()
fig

# %%
print(dict(zip((-depths).tolist(), counted.tolist())))
np.testing.assert_allclose(counted, flow, rtol=0.1)                 # simulation vs quadrature of the flow
ratios = counted[1:] / counted[:-1]
assert np.all(np.diff(ratios) > 0) and abs(ratios[-1] / np.e - 1) < 0.05   # → e per unit depth, as |f′| ≈ eʷ
assert np.all(df_plateau(np.linspace(-9, 0, 1000)) < 0)              # and no stationary point anywhere

# %% [markdown]
# ## 8.2.4 절벽과 그래디언트 폭발
#
# 절벽 근처에서는 그래디언트가 엄청나게 커서, 보통의 한 단계가 파라미터를 멀리 날려 버립니다. 그래디언트의 노름을
# 임계값으로 자르는 그래디언트 클리핑(gradient clipping; Pascanu et al., 2013)은 그래디언트의 *방향*은 유지하면서
# 단계의 크기를 제한합니다: g ← g · min(1, threshold/‖g‖).

# %%
cliff = po.functions.cliff()
x_wall = np.array([cliff.c if hasattr(cliff, "c") else 1.0, 0.3])
g = cliff.grad(x_wall)
g_np = g * min(1.0, 1.0 / np.linalg.norm(g))                   # NumPy
g_po = g.copy()
total = po.optim.clip_grad_norm_([g_po], max_norm=1.0)         # pyoptim: in place, returns the norm
assert np.isclose(total, np.linalg.norm(g)) and np.allclose(g_po, g_np)
assert np.isclose(g_po @ g / (np.linalg.norm(g_po) * np.linalg.norm(g)), 1.0)   # same direction


def clipped(x):
    gx = cliff.grad(x).copy()
    po.optim.clip_grad_norm_([gx], max_norm=1.0)
    return gx


x_start = np.array([2.0, 0.8])
plain = P.optimizer_path(lambda p: po.optim.SGD(p, lr=0.15), cliff, x_start, 30)
clip = P.optimizer_path(lambda p: po.optim.SGD(p, lr=0.15), clipped, x_start, 30)
steps_plain = np.linalg.norm(np.diff(plain, axis=0), axis=1)
steps_clip = np.linalg.norm(np.diff(clip, axis=0), axis=1)
print(f"largest step: plain {steps_plain.max():.2f}, clipped {steps_clip.max():.3f}")
dist_plain, dist_clip = np.linalg.norm(plain, axis=1), np.linalg.norm(clip, axis=1)   # the minimum is the origin
# the plain step at the wall throws the point further from the minimum than it started; the clipped
# path gets closer at every step
assert dist_plain.max() > dist_plain[0] and np.all(np.diff(dist_clip) < 0)
fig = P.contour_paths(cliff, {"plain gradient step": plain, "clipped to norm 1": clip},
                      xlim=(-3, 2.5), ylim=(-0.6, 1.2), resolution=120,
                      title="A cliff: plain vs clipped gradient steps (book Fig. 8.3)")
fig

# %% [markdown]
# ## 8.2.5 장기 의존성
#
# 순환 신경망은 매 시간 단계마다 같은 W를 곱합니다: h_t = Wᵗh₀, Wᵗ = V diag(λ)ᵗ V⁻¹ (책 식 8.14). |λ| < 1인
# 고윳값 방향의 성분은 λᵗ처럼 사라지고(vanishing), |λ| > 1인 방향의 성분은 폭발합니다(exploding).

# %%
rng = np.random.default_rng(SEED)
V = rng.standard_normal((4, 4))
x0 = rng.standard_normal(4)
T = 60
ts = np.arange(T + 1)
norms = {}
for rho in (0.9, 1.0, 1.1):
    W = V @ np.diag([rho, 0.7 * rho, 0.5, -0.3]) @ np.linalg.inv(V)
    assert np.allclose(D.matrix_power_eig(W, 7), np.linalg.matrix_power(W, 7))
    norms[rho] = D.power_norms(W, x0, T)
    assert np.allclose(norms[rho], [np.linalg.norm(np.linalg.matrix_power(W, t) @ x0) for t in ts])
    growth = (norms[rho][T] / norms[rho][T - 20]) ** (1 / 20)
    assert np.isclose(growth, rho, rtol=1e-2)                   # the rate is the largest |λ|
fig = P.power_norms(ts, norms, title="‖Wᵗx‖: vanishing (|λ| < 1) and exploding (|λ| > 1)")
fig

# %% [markdown]
# ## 8.2.6 부정확한 그래디언트
#
# 최적화 알고리즘은 정확한 그래디언트를 전제로 설계되지만, 실제로 얻는 것은 잡음 섞인 추정값(미니배치)이거나 심지어
# 편향된 추정값(근사 모델, 잘린 계산)입니다. 2차 함수 f(x) = ½xᵀHx에서 `po.diagnostics`의 오라클(oracle)로 두 가지
# 사실을 확인합니다.
#
# * **잡음, 편향 없음** (`NoisyOracle`, g̃ = ∇f + σξ): 확률적 경사 하강법(SGD)은 최솟점으로 수렴하지 않고 그 근방에서
#   계속 움직입니다. 이 선형 점화식에서는 정상 상태의 퍼짐이 고윳값 λ마다 닫힌 형식을 가집니다:
#   Var = εσ²/(λ(2 − ελ)), 따라서 E f = ½Σ λ·Var = ½Σ εσ²/(2 − ελ) ≈ ¼ n ε σ². 근방의 크기는 ε·σ²에 비례합니다
#   (그래서 8.3.1에서 학습률을 감소시킵니다).
# * **편향** (`BiasedOracle`, g̃ = ∇f + b): 평균을 내도 소용없습니다. 고정점이 ∇f = −b인 곳, 즉 x = −H⁻¹b로 옮겨
#   갑니다.

# %%
Hq = np.diag([1.0, 4.0])
quad = lambda x: 0.5 * x @ Hq @ x
grad_q = lambda x: Hq @ x


def stationary_mean_f(eps, sigma, steps=40000, burn=2000, seed=SEED):
    oracle = D.NoisyOracle(grad_q, sigma=sigma, seed=seed)
    x = np.array([1.0, 1.0])
    opt = po.optim.SGD([x], lr=eps)
    vals = []
    for t in range(steps):
        opt.step([oracle(x)])
        if t >= burn:
            vals.append(quad(x))
    return float(np.mean(vals))


lam_q = np.diag(Hq)
settings = [(0.05, 0.5), (0.1, 0.5), (0.2, 0.5), (0.1, 1.0)]
measured = np.array([stationary_mean_f(e, s) for e, s in settings])
closed = np.array([0.5 * np.sum(e * s ** 2 / (2 - e * lam_q)) for e, s in settings])
b = np.array([0.3, -0.4])
xb = np.array([1.0, 1.0])
opt_b, biased = po.optim.SGD([xb], lr=0.1), D.BiasedOracle(grad_q, bias=b)
for _ in range(500):
    opt_b.step([biased(xb)])
fig, ax = P.figure(figsize=(5.5, 3.8))
es2 = np.array([e * s ** 2 for e, s in settings])
ax.loglog(es2, closed, "-", label="closed form ½Σ εσ²/(2 − ελ)")
ax.loglog(es2, measured, "o", label="measured: mean f over 38 000 SGD steps")
for (e, s_), x_, y_ in zip(settings, es2, measured):
    ax.annotate(f"ε={e}, σ={s_}", (x_, y_), textcoords="offset points", xytext=(6, -10), fontsize=8)
from matplotlib.ticker import FormatStrFormatter, LogLocator, NullFormatter
ax.set_xticks(es2, [f"{v:g}" for v in es2], minor=False)   # the four runs' ε·σ², plainly
ax.xaxis.set_minor_formatter(NullFormatter())              # no 2×10⁻² 3×10⁻² … running together
ax.yaxis.set_major_locator(LogLocator(subs=(1, 2, 5)))     # 0.01 0.02 0.05
ax.yaxis.set_major_formatter(FormatStrFormatter("%g"))
ax.yaxis.set_minor_formatter(NullFormatter())
ax.set_xlabel("ε·σ²")
ax.set_ylabel("mean f at stationarity")
ax.set_title("Noisy gradients: SGD settles in an ε·σ² neighbourhood")
ax.legend(fontsize=8)
fig

# %%
print("measured", measured.round(5), "closed form", closed.round(5))
np.testing.assert_allclose(measured, closed, rtol=0.1)              # simulation vs closed form
assert measured[2] > 1.7 * measured[0] and measured[3] > 3.5 * measured[1]   # grows with ε and with σ²
np.testing.assert_allclose(xb, -np.linalg.solve(Hq, b), atol=1e-10)  # bias: converges to −H⁻¹b, not 0

# %% [markdown]
# ## 8.2.7 국소 구조와 전역 구조의 불일치
#
# 정확한 그래디언트를 쓰고 가는 길에 안장점이 없어도, 국소적인 하강은 엉뚱한 방향으로 갈 수 있습니다. 국소적인 기울기는
# 전역 최솟점이 어디 있는지 알려 주지 않습니다. 아래에서는 깊은 분지(전역 최솟점은 (3, 0) 근처)가 언덕 뒤에 있습니다.
# 언덕의 반대편에서 출발하면 경사 하강법*도*, L-BFGS(국소 정보로 할 수 있는 최선의 단계를 밟는 방법)*도* 언덕을 돌아
# 얕은 분지로 내려갑니다. 다른 쪽에서 출발하면 전역 최솟점을 찾습니다. 전역 최솟점은 격자에서 f를 계산하여 독립적으로
# 구합니다.

# %%
def landscape(v):
    x, y = v
    deep = 2.0 * np.exp(-((x - 3) ** 2 + y ** 2) / 2)
    shallow = 1.0 * np.exp(-((x + 2) ** 2 + y ** 2))
    hill = 1.5 * np.exp(-(x ** 2 + y ** 2) / 0.5)
    f = -deep - shallow + hill
    g = np.array([deep * (x - 3) + shallow * 2 * (x + 2) - hill * 2 * x / 0.5,
                  deep * y + shallow * 2 * y - hill * 2 * y / 0.5])
    return f, g


fval = lambda v: landscape(v)[0]
wrong, right = np.array([-0.6, 0.3]), np.array([0.8, 0.3])
gd_wrong = P.optimizer_path(lambda p: po.optim.SGD(p, lr=0.2), lambda v: landscape(v)[1], wrong, 300)
gd_right = P.optimizer_path(lambda p: po.optim.SGD(p, lr=0.2), lambda v: landscape(v)[1], right, 300)
lb_wrong = po.minimize(landscape, wrong, method="lbfgs", jac=True, options={"return_path": True})
gx, gy = np.meshgrid(np.linspace(-5, 7, 601), np.linspace(-4, 4, 401))
grid_f = np.vectorize(lambda a, c: fval((a, c)))(gx, gy)
i = np.unravel_index(np.argmin(grid_f), grid_f.shape)
x_global = np.array([gx[i], gy[i]])
fig = P.contour_paths(fval, {"GD, wrong side": gd_wrong, "L-BFGS, wrong side": lb_wrong.path, "GD, right side": gd_right},
                      xlim=(-4, 5.5), ylim=(-3, 3), minimum=x_global,
                      title="Local descent follows the local slope (book 8.2.7)")
fig

# %%
v = np.array([0.3, -0.7]); e = np.array([1e-6, 0.0])   # the hand-written gradient is right
assert np.isclose((fval(v + e) - fval(v - e)) / 2e-6, landscape(v)[1][0], rtol=1e-6)
print(f"global (grid) f = {grid_f.min():.3f} at {x_global}; GD from the wrong side f = {fval(gd_wrong[-1]):.3f}, "
      f"L-BFGS f = {lb_wrong.fun:.3f}; GD from the right side f = {fval(gd_right[-1]):.3f}")
assert lb_wrong.success and np.linalg.norm(landscape(lb_wrong.x)[1]) < 1e-5     # a true local minimum ...
assert lb_wrong.fun > grid_f.min() + 0.5 and fval(gd_wrong[-1]) > grid_f.min() + 0.5   # ... in the worse basin
assert lb_wrong.x[0] < 0 and gd_wrong[-1][0] < 0
assert abs(fval(gd_right[-1]) - grid_f.min()) < 1e-3                          # the other side finds it

# %% [markdown]
# ## 8.2.8 최적화의 이론적 한계
#
# 여러 결과가 신경망에 대해 *어떤* 최적화 알고리즘이든 보장할 수 있는 것의 한계를 보여 줍니다(책 8.2.8).
#
# * 최악의 경우 학습은 다루기 어렵습니다(intractable). 노드 3개짜리 신경망조차, 주어진 예제들에 맞는 가중치를 찾는
#   문제는 NP-완전입니다(Blum & Rivest, 1992). 구조가 고정된 신경망에 데이터를 적재하는 문제도 NP-완전입니다
#   (Judd, 1989).
# * 이런 결과는 *정확한* 해나 특정한 작은 구조에 관한 것입니다. 실제로 필요한 것은 전역 최솟점이 아니라 *충분히 좋은*
#   점이며(8.2.2), 큰 신경망에는 받아들일 만한 비용에 이르는 파라미터 설정이 훨씬 많습니다. 그래서 이 한계가 실제로
#   문제가 되는 일은 드뭅니다.
# * 최적화의 공짜 점심 없음 정리(no-free-lunch theorem; Wolpert & Macready, 1997): 모든 문제에 대해 평균하면 어떤
#   알고리즘도 다른 알고리즘보다 낫지 않습니다. 알고리즘은 어떤 문제 부류에 대해서만 좋을 수 있습니다(8.5.4에서 순위가
#   바뀌는 것을 보세요).
#
# 신경망 최적화 알고리즘의 성능에 대해 현실적인 한계를 세우는 일은 아직 열린 연구 문제입니다. 이 노트북의 어떤 계산도
# 이를 assert할 수 없으므로, 이 절은 설명만 담습니다.

# %% [markdown]
# ## 연습문제
#
# 1. CurvatureMonitor 셀을 `lr=0.5`로, 그리고 모멘텀(momentum)을 넣어 다시 실행해 보세요. `increase_predicted`는
#    얼마나 자주 참입니까? 손실은 여전히 줄어듭니까?
# 2. 안장점 예제를 (1, 0)에서 시작해 보세요. 이제는 왜 경사 하강법이 안장점으로 수렴합니까?
# 3. 절벽에서 노름 대신 값으로 잘라 보세요(`po.optim.clip_grad_value_`). 방향이 유지됩니까?
