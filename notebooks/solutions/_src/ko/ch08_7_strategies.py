"""Worked solutions to the exercises of notebooks/ko/ch08_7_strategies (Korean edition; build: python notebooks/solutions/_build.py)."""
# %% [markdown]
# # 연습 문제 풀이: 8.7 최적화 전략과 메타 알고리즘
#
# `ch08_7_strategies.ipynb`의 연습 문제를 하나씩 풀어 봅니다. 각 `assert`는 pyoptim을 여기서 직접 적은 NumPy
# 점화식과 비교하거나, 두 학습 결과를 서로 비교합니다.

# %%
import numpy as np
import pyoptim as po
from pyoptim import nn

P = po.plot
S = po.strategies
SEED = 0

# %% [markdown]
# ## 연습 문제 1: 감쇠율 0.99의 지수 이동 평균
#
# 노트북의 잡음 섞인 2차 함수(사슬 200개, 일정한 ε = 0.05, 100단계부터 평균)에서 지수 이동 평균(exponential
# moving average) θ̄ ← 0.99 θ̄ + 0.01 θ는 대략 (1 + 0.99)/(1 − 0.99) ≈ 200개의 반복값을 기억하고, 폴랴크 평균(Polyak averaging)은
# 900개 전부를 기억합니다. 그래서 마지막에는 폴랴크 평균이 최솟점에 더 가깝습니다. 최솟점이 움직이지 않는 볼록
# 문제에서는 이것이 바라는 바입니다. 하지만 볼록하지 않은 신경망에서는 초반의 반복값들이 매개변수 공간의 다른 영역에
# 있어서, 그것들까지 평균에 넣으면 θ̄가 지금의 골짜기에서 벗어나게 됩니다. 지수 이동 평균은 그런 값들을 잊어버립니다.

# %%
Hq = np.diag([1.0, 3.0])


def run(mode):
    theta = np.tile([2.0, -2.0], (200, 1))
    avg = po.optim.Averaged(po.optim.SGD([theta], lr=0.05), mode=mode, decay=0.99, start=100)
    noise = np.random.default_rng(SEED)
    f = []
    for _ in range(1000):
        avg.step([theta @ Hq + noise.standard_normal(theta.shape)])
        f.append(0.5 * np.mean(avg.averaged()[0] ** 2 @ np.diag(Hq)))
    return np.array(f), avg.averaged()[0]


f_polyak, _ = run("polyak")
f_ema, ema_po = run("ema")

# the exponential average written out (it starts at the first included iterate)
theta = np.tile([2.0, -2.0], (200, 1))
opt = po.optim.SGD([theta], lr=0.05)
noise = np.random.default_rng(SEED)
ema = None
for k in range(1000):
    opt.step([theta @ Hq + noise.standard_normal(theta.shape)])
    if k >= 100:
        ema = theta.copy() if ema is None else 0.99 * ema + 0.01 * theta
assert np.allclose(ema, ema_po, rtol=1e-10, atol=1e-12)
print(f"at the end: Polyak {f_polyak[-50:].mean():.5f}, EMA(0.99) {f_ema[-50:].mean():.5f}")
assert f_polyak[-50:].mean() < 0.5 * f_ema[-50:].mean()
fig = P.curves({"Polyak average": f_polyak, "exponential average, decay 0.99": f_ema}, xlabel="step",
               ylabel="E f(θ̄) − f*", logy=True, title="Polyak against exponential averaging")
fig

# %% [markdown]
# ## 연습 문제 2: σ = 1, 그다음 0의 두 단계 연속 방법
#
# 첫 단계는 많이 흐리게 만들어 거의 볼록한 f₁을 따라 내려가고, 둘째 단계는 첫 단계가 끝난 곳에서 f를 따라 내려갑니다.
# f₁의 최솟점이 f의 전역 최솟점이 있는 골짜기 안에 있을 때, 그리고 그때에만 전역 최솟점을 찾습니다. pyoptim의 답을
# 독립적으로 계산한 예측과 비교해 확인합니다. 해석적으로 구한 f₁의 최솟점을 촘촘한 격자에서 찾고, 거기서부터 f에
# 대해 순수한 경사 하강법(NumPy, 중앙 차분)을 돌린 결과입니다.

# %%
f = po.functions.bumpy()
a_, b_, w_, phi = f.a, f.b, f.omega, f.phi
xs = np.linspace(-3, 3, 60001)
f1 = a_ * (xs ** 2 + 1.0) + b_ * np.exp(-w_ ** 2 / 2) * np.sin(w_ * xs + phi)
x = xs[np.argmin(f1)]
fx = lambda x: a_ * x ** 2 + b_ * np.sin(w_ * x + phi)       # noqa: E731
for _ in range(20000):
    x -= 0.005 * (fx(x + 1e-6) - fx(x - 1e-6)) / 2e-6
two = S.continuation(f, sigmas=(1.0, 0.0), inner="gd", lr=0.005, steps=500)
print(f"two stages: x = {two.x[0]:.4f}, f = {two.fun:.4f}; predicted x = {x:.4f}; "
      f"global minimum x = {f.xmin[0]:.4f}, f = {f.fmin:.4f}")
assert abs(two.x[0] - x) < 1e-3
found_global = abs(two.x[0] - f.xmin[0]) < 1e-3
print("finds the global minimum:", found_global)
assert found_global == (abs(x - f.xmin[0]) < 1e-3)
fig = P.continuation(f, {1.0: f.smoothed(1.0)}, xlim=(-3, 3), path=two.path[:, 0],
                     points={"two stages end": float(two.x[0]), "start x₀": float(f.x0[0])})
fig

# %% [markdown]
# ## 연습 문제 3: 배치 정규화 실험에서 시그모이드 대신 ReLU 쓰기
#
# ReLU는 활성 유닛을 지날 때 그래디언트(gradient)가 줄어들지 않으니, 배치 정규화(batch normalization)가 필요 없어질 것이라고
# 기대할 수도 있습니다. 측정해 보면(노트북과 같은 데이터, 시드, 학습 예산) ε = 0.5에서는 정규화하지 않은 ReLU 신경망도
# 학습되지 않고, 배치 정규화는 여전히 마지막 학습 손실을 10배 넘게 낮춥니다. 범인은 학습률(learning rate)입니다.
# 정규화가 없으면 6층 ReLU 신경망에 ε = 0.5는 너무 크고(ε = 0.05에서는 학습됩니다), 배치 정규화는 각 층의 스케일을
# 가중치의 스케일과 무관하게 만들어 높은 학습률을 견딥니다(Ioffe & Szegedy, 2015, §3.3).

# %%
Xtr, Xte, ytr, yte = po.datasets.load_digits(test_size=0.3, seed=SEED)
loss = nn.SoftmaxCrossEntropy()


def deep(bn_layers, act, seed=1):
    layers, width = [], 64
    for i in range(5):
        layers += [nn.Dense(width, 64, seed=seed + i)] + ([nn.BatchNorm(64)] if bn_layers else []) + [act()]
    return nn.Sequential(*layers, nn.Dense(64, 10, seed=seed + 9))


final = {}
curves = {}
for act in (nn.Sigmoid, nn.ReLU):
    for use_bn in (False, True):
        model = deep(use_bn, act)
        hist = po.fit(model, loss, po.optim.SGD(model.parameters(), lr=0.5), Xtr, ytr, epochs=8, batch_size=32,
                      progress=False, seed=SEED)
        name = f"{act.__name__}{', batch norm' if use_bn else ''}"
        curves[name] = hist.history["loss"]
        final[name] = hist.history["loss"][-1]
model = deep(False, nn.ReLU)
hist = po.fit(model, loss, po.optim.SGD(model.parameters(), lr=0.05), Xtr, ytr, epochs=8, batch_size=32,
              progress=False, seed=SEED)
curves["ReLU, ε = 0.05"] = hist.history["loss"]
final["ReLU, ε = 0.05"] = hist.history["loss"][-1]
print({k: round(float(v), 3) for k, v in final.items()})
fig = P.curves(curves, x=np.arange(1, 9), xlabel="epoch", ylabel="training loss", logy=True,
               title="Batch norm with sigmoid and with ReLU (ε = 0.5 unless named)")
fig

# %%
ratio_sigmoid = final["Sigmoid"] / final["Sigmoid, batch norm"]
ratio_relu = final["ReLU"] / final["ReLU, batch norm"]
print(f"loss without / with batch norm: sigmoid {ratio_sigmoid:.1f}, ReLU {ratio_relu:.1f}")
assert ratio_sigmoid > 10 and ratio_relu > 10             # batch norm still matters with ReLU at ε = 0.5
assert final["ReLU, ε = 0.05"] < 0.5 * final["ReLU"]     # the plain ReLU net trains at a smaller rate

# %% [markdown]
# ## 8.7.4의 연습 문제: 고정하지 않는 사전 학습, 또는 더 긴 미세 조정
#
# `freeze=False`이면 각 단계에서 앞쪽 블록도 계속 학습합니다. 미세 조정(fine-tuning) 에폭을 늘리면 신경망 전체가
# 함께 학습하는 시간이 늘어납니다. 두 경우 모두 전체 에폭 수를 같게 맞춘 처음부터의 학습과 비교합니다(시드
# 하나뿐이니 숫자를 비교해 보고, 결론을 내리기 전에 여러 시드로 반복해 보세요).

# %%
Xtr8, Xte8, ytr8, yte8 = po.datasets.load_digits(test_size=0.3, seed=SEED)
pre = {}
for name, kw in (("frozen, fine-tune 2", dict(freeze=True, fine_tune_epochs=2)),
                 ("not frozen, fine-tune 2", dict(freeze=False, fine_tune_epochs=2)),
                 ("frozen, fine-tune 8", dict(freeze=True, fine_tune_epochs=8))):
    model, _ = S.greedy_layerwise_pretrain([64, 64, 64], Xtr8, ytr8, epochs_per_layer=3, progress=False, seed=SEED, **kw)
    pre[name] = (model, po.evaluate(model, loss, Xte8, yte8)["accuracy"])
for epochs in (11, 17):
    scratch = nn.Sequential(nn.Dense(64, 64, seed=SEED), nn.ReLU(), nn.Dense(64, 64, seed=SEED + 1), nn.ReLU(),
                            nn.Dense(64, 64, seed=SEED + 2), nn.ReLU(), nn.Dense(64, 10, seed=SEED + 3))
    po.fit(scratch, loss, po.optim.SGD(scratch.parameters(), lr=0.1, momentum=0.9), Xtr8, ytr8, epochs=epochs,
           batch_size=32, progress=False, seed=SEED)
    pre[f"from scratch, {epochs} epochs"] = (scratch, po.evaluate(scratch, loss, Xte8, yte8)["accuracy"])
for name, (_, a) in pre.items():
    print(f"{name}: test accuracy {a:.3f}")
fig = P.bars({name.replace(", ", "\n"): a for name, (_, a) in pre.items()}, ylabel="test accuracy",
             title="Pretraining variants against training from scratch")
fig

# %%
# freeze=False really trains the first block in later stages: its weights end elsewhere
w_frozen = pre["frozen, fine-tune 2"][0].parameters()[0].data
w_free = pre["not frozen, fine-tune 2"][0].parameters()[0].data
assert not np.allclose(w_frozen, w_free)
assert all(a > 0.8 for _, a in pre.values())
