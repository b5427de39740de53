"""Source of notebooks/ko/ch08_7_strategies.ipynb (Korean edition; build: python notebooks/_build.py)."""
# %%
import importlib.util, subprocess, sys; importlib.util.find_spec("pyoptim") or subprocess.check_call([sys.executable, "-m", "pip", "install", "-q", "pyoptim-dlbook[hosted]"])  # hosted notebooks (Colab): install pyoptim

# %% [markdown]
# # 8.7 최적화 전략과 메타 알고리즘
#
# *Deep Learning* 8.7절: 배치 정규화(batch normalization, 8.7.1), 좌표 하강법(coordinate descent, 8.7.2),
# 폴랴크 평균(Polyak averaging, 8.7.3), 지도 사전 학습(supervised pretraining, 8.7.4), 최적화를 돕는 모델
# 설계(8.7.5), 연속 방법(continuation methods)과 커리큘럼 학습(curriculum learning, 8.7.6)을 다룹니다.
#
# | 책 | pyoptim |
# |---|---|
# | 배치 정규화, γ와 β | `po.nn.BatchNorm(num_features, momentum, eps)` |
# | 좌표 하강법 | `po.coordinate_descent` |
# | 폴랴크 평균, 지수 이동 평균 | `po.optim.Averaged(optimizer, mode="polyak" \| "ema", decay, start)` |
# | 탐욕적 지도 사전 학습 | `po.strategies.greedy_layerwise_pretrain` |
# | 스킵 연결(skip connection) | `po.nn.Residual(module)`, `po.strategies.compare_plain_vs_residual` |
# | 연속 방법 (가우스 평활화) | `po.strategies.continuation`, `po.functions.bumpy().smoothed(σ)` |
# | 커리큘럼 학습 | `po.fit(..., sampler=po.strategies.CurriculumSampler(scores))` |

# %%
import numpy as np
import pyoptim as po
from pyoptim import nn

P = po.plot
S = po.strategies
SEED = 0
Xtr, Xte, ytr, yte = po.datasets.load_digits(test_size=0.3, seed=SEED)
loss = nn.SoftmaxCrossEntropy()

# %% [markdown]
# ## 8.7.1 배치 정규화
#
# 각 유닛을 미니배치(minibatch)에 대해 정규화하고(H′ = (H − μ)/σ), 그다음 크기와 위치를 신경망이 다시
# 고르도록 γH′ + β로 되돌립니다. NumPy로 쓰면 다음과 같습니다(학습 모드이며, σ²은 편향된 배치 분산에
# ε을 더한 값):

# %%
rng = np.random.default_rng(SEED)
H = rng.standard_normal((32, 5)) * 3 + 1
bn = nn.BatchNorm(5)
bn.weight.data[:] = rng.standard_normal(5)       # γ
bn.bias.data[:] = rng.standard_normal(5)         # β
bn.train()
ours = bn(H.astype(np.float32))
mine = bn.weight.data * (H - H.mean(0)) / np.sqrt(H.var(0) + 1e-5) + bn.bias.data
assert np.allclose(ours, mine, atol=1e-4)

# %% [markdown]
# 배치 정규화된 유닛의 출력은 그 유닛에 들어오는 가중치의 크기에 의존하지 않습니다. 앞 층의 가중치(와
# 편향)에 어떤 a > 0을 곱해도 신경망은 그대로이므로, 그 크기 때문에 최적화가 나쁜 조건(ill-conditioned)이
# 되는 일이 더는 없습니다.

# %%
def bn_net(seed, eps=1e-5):
    return nn.Sequential(nn.Dense(64, 32, seed=seed, dtype=np.float64), nn.BatchNorm(32, eps=eps, dtype=np.float64), nn.Tanh(),
                         nn.Dense(32, 10, seed=seed + 1, dtype=np.float64))


net = bn_net(1, eps=1e-12)      # ε, added to the variance, is the only thing that sees the scale
net.train()
X64 = Xtr[:64].astype(np.float64)
before = net(X64).copy()
net[0].weight.data *= 7.0
net[0].bias.data *= 7.0
assert np.allclose(net(X64), before, rtol=1e-9, atol=1e-10)   # invariant to the previous layer's scale
print("gradient check (max relative error):", po.diagnostics.check_gradient(bn_net(3), loss, X64, ytr[:64]))
assert po.diagnostics.check_gradient(bn_net(3), loss, X64, ytr[:64]) < 1e-5

# %% [markdown]
# 은닉층이 세 개인 시그모이드 신경망을 배치 정규화가 있을 때와 없을 때로 비교합니다. 공정하게 비교하려면
# 각 신경망에 저마다 가장 좋은 학습률(learning rate)을 주어야 합니다: 두 신경망 모두 ε ∈ {0.5, 2, 8}로,
# 각각 세 가지 초기화에서 학습하고, 최종 손실의 평균이 가장 낮은 학습률을 고릅니다. 배치 정규화가 없으면
# 시그모이드가 포화되어 앞쪽 층까지 오는 그래디언트가 작습니다: 기본 신경망도 학습은 하지만(ε = 2에서 손실이
# 무작위 추측 수준인 ln 10 ≈ 2.30 아래로 내려갑니다) 느리고, 학습률을 더 키우면 발산합니다. 배치 정규화가
# 있으면 모든 유닛의 입력이 중심화되고 크기가 맞춰지므로, 같은 신경망이 넓은 범위의 학습률에서 빠르게
# 학습합니다. (층이 다섯 개이면 기본 신경망은 이 학습률 중 어느 것으로도 8에폭 안에 ln 10을 벗어나지 못해,
# 비교가 한쪽으로 치우칩니다.)

# %%
def deep(bn_layers, seed=1, depth=3):
    layers, width = [], 64
    for i in range(depth):
        layers += [nn.Dense(width, 64, seed=seed + i)] + ([nn.BatchNorm(64)] if bn_layers else []) + [nn.Sigmoid()]
    return nn.Sequential(*layers, nn.Dense(64, 10, seed=seed + 9))


# each network at its own best rate from the same grid, three initializations (seeds) each
LRS, BN_SEEDS = (0.5, 2.0, 8.0), (1, 11, 21)
runs = {}                                # (name, lr, seed) -> training loss per epoch
for name, use_bn in (("plain", False), ("batch norm", True)):
    for lr in LRS:
        for s in BN_SEEDS:
            model = deep(use_bn, seed=s)
            runs[name, lr, s] = po.fit(model, loss, po.optim.SGD(model.parameters(), lr=lr), Xtr, ytr, epochs=8,
                                       batch_size=32, progress=False, seed=s).history["loss"]
best_lr = {name: min(LRS, key=lambda lr: np.mean([runs[name, lr, s][-1] for s in BN_SEEDS]))
           for name in ("plain", "batch norm")}
final = {name: np.array([runs[name, best_lr[name], s][-1] for s in BN_SEEDS]) for name in best_lr}
print("best rate:", best_lr)
for name in final:
    print(f"{name:>10}: final training loss per seed {np.round(final[name], 3)}, mean {final[name].mean():.3f}")
fig = P.curves({f"{name}, ε = {best_lr[name]}": runs[name, best_lr[name], BN_SEEDS[0]] for name in best_lr},
               x=np.arange(1, 9), xlabel="epoch", ylabel="training loss", logy=True,
               title="3 sigmoid layers, each at its best SGD rate")
fig

# %%
assert np.all(final["plain"] < 0.9 * np.log(10))                # the plain net learns too (below chance, ln 10)
assert np.all(final["batch norm"] < 0.25 * final["plain"])       # batch norm: 4x lower loss on every seed
assert final["batch norm"].mean() < 0.25 * final["plain"].mean()

# %% [markdown]
# ## 8.7.2 좌표 하강법
#
# 한 번에 좌표 하나씩, 그 좌표에 대해 정확히 최소화합니다. 책의 예 f(x) = (x₁ − x₂)² + α(x₁² + x₂²)에서는
# 좌표마다 x₁ ← x₂/(1 + α), x₂ ← x₁/(1 + α)로 갱신합니다. α가 작으면 두 변수가 강하게 얽혀 있어서, 경로가
# 골짜기를 따라 느리게 내려가는 계단 모양이 됩니다. NumPy로는:

# %%
def cd_numpy(alpha, x0, sweeps):
    x = np.array(x0, float)
    path = [x.copy()]
    for _ in range(sweeps):
        x[0] = x[1] / (1 + alpha)
        path.append(x.copy())
        x[1] = x[0] / (1 + alpha)
        path.append(x.copy())
    return np.array(path)


def book_f(alpha):
    return lambda x: (x[0] - x[1]) ** 2 + alpha * (x[0] ** 2 + x[1] ** 2)


slow, fast = cd_numpy(0.02, [1.5, 2.0], 20), cd_numpy(1.0, [1.5, 2.0], 20)
# pyoptim: exact cyclic coordinate descent on ½xᵀAx − bᵀx; the book's f has A = [[2+2α, −2], [−2, 2+2α]], b = 0
A_book = lambda alpha: np.array([[2 + 2 * alpha, -2.0], [-2.0, 2 + 2 * alpha]])   # noqa: E731
res_cd = po.coordinate_descent(A_book(0.02), np.zeros(2), x0=[1.5, 2.0], maxiter=20, tol=0.0, return_path=True)
assert np.allclose(res_cd.path, slow)                                # the same staircase
fig, axes = P.figure((10, 4.4), 1, 2)
P.contour_paths(book_f(0.02), {"coordinate descent": slow}, xlim=(-0.5, 2.2), ylim=(-0.5, 2.2), minimum=[0, 0],
                ax=axes[0], title="α = 0.02: a slow staircase (20 sweeps)")
P.contour_paths(book_f(1.0), {"coordinate descent": fast}, xlim=(-0.5, 2.2), ylim=(-0.5, 2.2), minimum=[0, 0],
                ax=axes[1], title="α = 1: converged after a few sweeps")
fig

# %%
assert np.linalg.norm(slow[-1]) > 0.5 * np.linalg.norm(slow[0])     # small α: still far after 20 sweeps
assert np.linalg.norm(fast[-1]) < 1e-10                              # large α: converged

# %% [markdown]
# ## 8.7.3 폴랴크 평균
#
# 그래디언트(gradient)에 잡음이 있으면, 학습률이 일정한 SGD는 최솟값 주변을 계속 맴돕니다. 반복값
# (iterate)들의 평균은 최솟값에 훨씬 가까이 있습니다. `Averaged`는 어떤 옵티마이저든 감쌀 수 있습니다.
# 노트북 8.3에서처럼 독립적인 체인 200개를 한꺼번에 실행합니다:

# %%
Hq = np.diag([1.0, 3.0])
theta = np.tile([2.0, -2.0], (200, 1))
avg = po.optim.Averaged(po.optim.SGD([theta], lr=0.05), mode="polyak", start=100)
noise = np.random.default_rng(SEED)
last, averaged = [], []
for k in range(1000):
    avg.step([theta @ Hq + noise.standard_normal(theta.shape)])
    f_last = 0.5 * np.mean(theta ** 2 @ np.diag(Hq))
    f_avg = 0.5 * np.mean(avg.averaged()[0] ** 2 @ np.diag(Hq))
    last.append(f_last)
    averaged.append(f_avg)
fig = P.curves({"last iterate": last, "Polyak average (from step 100)": averaged}, xlabel="step",
               ylabel="E f(θ) − f*", logy=True, title="SGD with a constant rate on a noisy quadratic")
fig

# %%
# NumPy: the Polyak average is the plain mean of the iterates after `start`
theta2 = np.tile([2.0, -2.0], (200, 1))
noise2 = np.random.default_rng(SEED)
opt2 = po.optim.SGD([theta2], lr=0.05)
iterates = []
for k in range(1000):
    opt2.step([theta2 @ Hq + noise2.standard_normal(theta2.shape)])
    if k >= 100:
        iterates.append(theta2.copy())
assert np.allclose(np.mean(iterates, axis=0), avg.averaged()[0])
assert np.mean(averaged[-100:]) < 0.2 * np.mean(last[-100:])        # the average is far closer

# %% [markdown]
# ## 8.7.4 지도 사전 학습 · 8.7.5 최적화를 돕는 모델 설계
#
# 깊은 평범한 ReLU MLP와, 같은 MLP에 스킵 연결(y = x + F(x))을 더한 것을 비교합니다. 항등 경로를 통해
# 그래디언트가 모든 층에 닿으므로, 깊은 잔차(residual) 신경망은 곧바로 학습을 시작합니다.

# %%
res = S.compare_plain_vs_residual(depth=16, width=32, X=Xtr, y=ytr, epochs=5, batch_size=32, seed=SEED)
fig = P.curves({"plain, 16 hidden layers": res["plain"], "residual, 16 blocks": res["residual"]},
               x=np.arange(1, 6), xlabel="epoch", ylabel="training loss", logy=True,
               title="Skip connections aid optimization (8.7.5)")
fig

# %%
# the same comparison over 3 seeds (initial weights and data order), each net at its own best ε of a small grid
# (SGD, momentum 0.9, 5 epochs); before the first step, a callback measures by backprop on the whole training
# set the gradient norm ‖∂J/∂W₁‖ that reaches the first layer
def first_layer_grad(trainer):
    m = trainer.model
    m.zero_grad()
    loss.forward(m.forward(Xtr), ytr)
    m.backward(loss.backward())
    grad0.append(np.linalg.norm(m.parameters()[0].grad))


RES_SEEDS, RES_LRS = (0, 1, 2), (0.003, 0.01, 0.03)
res_final = {"plain": np.full((3, 3), np.inf), "residual": np.full((3, 3), np.inf)}
grad0 = []                                                  # plain, residual, plain, residual, ...
probe = po.callbacks.LambdaCallback(on_train_begin=first_layer_grad)
for i, s in enumerate(RES_SEEDS):
    for j, lr in enumerate(RES_LRS):
        r = S.compare_plain_vs_residual(depth=16, width=32, X=Xtr, y=ytr, epochs=5, batch_size=32, seed=s,
                                        optimizer_factory=lambda p: po.optim.SGD(p, lr=lr, momentum=0.9),
                                        callbacks=[probe] if j == 0 else [])   # the weights at start: same for every ε
        res_final["plain"][i, j], res_final["residual"][i, j] = r["plain"][-1], r["residual"][-1]
res_best = {k: v.min(axis=1) for k, v in res_final.items()}       # each net's best ε, per seed
grad0 = np.array(grad0).reshape(len(RES_SEEDS), 2)
print(f"final training loss per seed at each net's best ε: plain {np.round(res_best['plain'], 3)}, "
      f"residual {np.round(res_best['residual'], 3)}")
print("‖∂J/∂W₁‖ at initialization, plain:", [f"{v:.1e}" for v in grad0[:, 0]], "residual:", [f"{v:.2f}" for v in grad0[:, 1]])
assert np.all(grad0[:, 1] > 100 * grad0[:, 0])            # the gradient reaching layer 1: 100x larger with skips
assert np.all(res_best["residual"] < 0.25 * res_best["plain"])    # the residual net trains, the plain one barely moves

# %% [markdown]
# 모든 시드에서 잔차 신경망은 5에폭 뒤 훈련 손실이 0.2~0.3 근처까지 내려가지만, 평범한 신경망은 자신에게
# 가장 좋은 학습률에서도 여전히 무작위 추측 수준(ln 10 ≈ 2.3)에 머뭅니다. 이유는 역전파에서 보입니다.
# 초기화 시점에 평범한 신경망의 첫 층에 닿는 그래디언트는 스킵 연결이 있을 때보다 약 천 배
# 작습니다. Glorot 초기화를 쓴 평범한 ReLU 층은 층마다 신호와 그래디언트의 분산을 절반으로 줄이고, 이것이
# 16번 반복됩니다. 잔차 블록은 자신의 가지를 항등 경로에 더하므로, 블록에 도착한 그래디언트는 항등 경로를 따라
# 그대로 전달되고 거기에 가지의 몫이 더해집니다. 이 효과는 이런 조건에 달려 있습니다. 깊이가 깊을수록 커지고, 분산을
# 유지하는 초기화(He 초기화, 8.4)를 쓰면 줄어듭니다. He 초기화를 쓰면 같은 평범한 신경망도 학습을
# 시작하지만, 여기서는 여전히 잔차 신경망에 크게 뒤처집니다.
# *연습 문제*: `depth=4`로 바꾸어 다시 비교해 보세요.

# %% [markdown]
# 탐욕적 지도 사전 학습(그림 8.7)은 은닉층을 한 번에 하나씩, 층마다 임시 출력 헤드를 붙여 학습한 뒤,
# 마지막에 전체를 미세 조정(fine-tuning)합니다:

# %%
# a deep sigmoid network (3 hidden layers of 64) and few labels (400 training digits)
Xl, yl = Xtr[:400], ytr[:400]
EPL, FT, PRE_SEEDS = 10, 10, (0, 1, 2)


def sigmoid_blocks(seed):
    return [nn.Sequential(nn.Dense(64, 64, seed=seed + i), nn.Sigmoid()) for i in range(3)]


acc_pre, acc_scratch = [], {lr: [] for lr in (0.1, 0.3, 1.0)}
for s in PRE_SEEDS:
    pre_model, stages = S.greedy_layerwise_pretrain(sigmoid_blocks(10 * s), Xl, yl, epochs_per_layer=EPL,
                                                    fine_tune_epochs=FT, progress=False, seed=s)
    acc_pre.append(po.evaluate(pre_model, loss, Xte, yte)["accuracy"])
    # the same blocks, the same initial weights, trained end to end for the same number of epochs (3 x 10 + 10),
    # with the same optimizer (SGD with momentum 0.9) at each rate of a small grid
    for lr in acc_scratch:
        scratch = nn.Sequential(*sigmoid_blocks(10 * s), nn.Dense(64, 10, seed=10 * s + 9))
        po.fit(scratch, loss, po.optim.SGD(scratch.parameters(), lr=lr, momentum=0.9), Xl, yl, epochs=3 * EPL + FT,
               batch_size=32, progress=False, seed=s)
        acc_scratch[lr].append(po.evaluate(scratch, loss, Xte, yte)["accuracy"])
acc_pre = np.array(acc_pre)
lr_scratch = max(acc_scratch, key=lambda lr: np.mean(acc_scratch[lr]))   # scratch's best rate, picked on the test set
acc_best = np.array(acc_scratch[lr_scratch])
print(f"test accuracy per seed: greedy pretraining + fine-tuning {np.round(acc_pre, 3)}; "
      f"from scratch at its best ε = {lr_scratch}: {np.round(acc_best, 3)}")
fig = P.bars({"greedy pretraining\n+ fine-tuning": acc_pre.mean(), "from scratch\n(same epochs)": acc_best.mean()},
             ylabel="test accuracy (mean of 3 seeds)", title="Supervised pretraining, 3 sigmoid layers, 400 labels (8.7.4)")
fig

# %%
assert np.all(acc_pre > acc_best + 0.03)                  # pretraining wins on every seed
assert acc_pre.mean() > acc_best.mean() + 0.05            # and by 5 points on average

# %% [markdown]
# 시그모이드를 깊게 쌓고 레이블이 적은 이 영역에서는 책이 말하는 효과가 실제로 나타납니다: 탐욕적 사전
# 학습은 모든 시드에서, 같은 초기 가중치로 같은 에폭 수만큼 처음부터 끝까지 학습한 같은 신경망보다 높은
# 테스트 정확도에 이릅니다. 처음부터 학습하는 쪽의 학습률을 테스트 집합으로 골라 그쪽에 유리하게 했는데도
# 그렇습니다. 탐욕적 학습의 각 단계는 시그모이드 층 하나를 바로 옆의 출력 헤드와 함께 학습하므로
# 그래디언트(gradient)가 큽니다. 처음부터 끝까지 학습할 때는 첫 층에 닿는 그래디언트가 포화되는
# 시그모이드 세 개를 지나야 하므로 학습이 느립니다. ReLU를 쓰거나, 데이터가 많거나, 좋은 초기화(8.4)와
# 스킵 연결(8.7.5)이 있으면 이 이점은 줄어들고 뒤집히기도 합니다: 학습 데이터 전체에서 ReLU 블록을 쓰면
# 처음부터 학습하는 편이 적어도 그만큼은 잘합니다. 오늘날 사전 학습의 원래 동기가 약해진 이유입니다.
# *연습*: `freeze=False`로 사전 학습하거나, `[64, 64, 64]`(ReLU 블록)와 `Xtr` 전체로 바꿔 다시 비교해 보세요.

# %% [markdown]
# ## 8.7.6 연속 방법과 커리큘럼 학습
#
# 연속 방법은 더 쉬운, 흐리게 만든 비용 함수들 J_σ(x) = E_{z~N(0,1)} J(x + σz)를 σ를 0까지 줄여 가며
# 차례로 최소화합니다. 각 단계는 앞 단계가 끝난 곳에서 출발합니다. 울퉁불퉁한 1차원 함수
# f(x) = a x² + b sin(ωx + φ)에서는 흐리게 만든 함수를 해석적으로 구할 수 있습니다:
# f_σ(x) = a(x² + σ²) + b e^{−ω²σ²/2} sin(ωx + φ).

# %%
f = po.functions.bumpy()
a_, b_, w_, phi = f.a, f.b, f.omega, f.phi


def f_sigma(x, s):                                     # NumPy
    return a_ * (x ** 2 + s ** 2) + b_ * np.exp(-(w_ * s) ** 2 / 2) * np.sin(w_ * x + phi)


xs = np.linspace(-3, 3, 7)
# the blur E f(x + σz) computed directly: Gauss–Hermite quadrature of f itself over z ~ N(0, 1)
z_gh, w_gh = np.polynomial.hermite_e.hermegauss(80)
blurred = [np.sum(w_gh * np.array([f(np.array([x + 0.4 * z])) for z in z_gh])) / np.sqrt(2 * np.pi) for x in xs]
assert np.allclose(f_sigma(xs, 0.4), blurred, rtol=1e-10, atol=1e-12)                          # the formula above
assert np.allclose([f.smoothed(0.4)(np.array([x])) for x in xs], blurred, rtol=1e-10, atol=1e-12)   # pyoptim's blur

# plain gradient descent from x0 stops in a local minimum
plain = P.optimizer_path(lambda p: po.optim.SGD(p, lr=0.005), f, f.x0, 2000)
sigmas = (1.0, 0.5, 0.3, 0.2, 0.1, 0.05, 0.0)
cont = S.continuation(f, sigmas=sigmas, inner="gd", lr=0.005, steps=500)
print(f"plain descent: x = {plain[-1, 0]:.4f}, f = {f(plain[-1]):.4f};  continuation: x = {cont.x[0]:.4f}, "
      f"f = {cont.fun:.4f};  global minimum f = {f.fmin:.4f} at x = {f.xmin[0]:.4f}")
fig = P.continuation(f, {s: f.smoothed(s) for s in (1.0, 0.3, 0.1)}, xlim=(-3, 3), path=cont.path[:, 0],
                     points={"plain descent ends": float(plain[-1, 0]), "start x₀": float(f.x0[0])})
fig

# %%
assert abs(cont.x[0] - f.xmin[0]) < 1e-4 and abs(cont.fun - f.fmin) < 1e-8      # the global minimum
assert f(plain[-1]) > f.fmin + 0.5                                                # plain: a local one

# %% [markdown]
# σ 슬라이더로 확인해 보세요. σ가 크면 평활화된 비용 함수는 볼록하고, σ가 작으면 잔물결이 돌아옵니다.

# %%
P.interactive_continuation(f, f.smoothed, sigma=0.5, xlim=(-3, 3), x0=float(f.x0[0]), steps=300, lr=0.005)

# %% [markdown]
# **커리큘럼 학습**(curriculum learning, Bengio et al., 2009)은 쉬운 예제를 먼저 보여 주고 점점 더 어려운
# 예제로 넘어가며, 그 사이에 둘을 확률적으로 섞습니다. 책은 이것이 학습을 빠르게 하고 더 좋은 해에
# 이르게 할 수 있다고 말하지만 수치는 없습니다. 후속 연구(Hacohen & Weinshall, 2019; Wu, Dyer & Neyshabur,
# 2021, "When do curricula work?")는 효과가 나는 곳을 찾았습니다. **학습 단계 수(예산)가 제한될 때**와
# **레이블에 잡음이 있을 때**, 그리고 난이도를 손으로 만든 규칙이 아니라 *교사(teacher) 모델*에게서 얻을
# 때입니다. 바로 그 조건에서, 같은 것끼리 비교합니다.
#
# - 학습 데이터 레이블의 30%를 틀린 클래스로 바꿉니다(테스트 레이블은 깨끗하게 둡니다).
# - 난이도 = 선형 소프트맥스 교사 모델이 그 예제의 레이블에 주는 교차 엔트로피. 교사는 학습 데이터의
#   *다른* 절반으로 학습하므로 틀린 레이블을 외워 둘 수 없습니다.
# - `CurriculumSampler(difficulty, mix=0.1)`: 처음에는 가장 쉬운 20%, 5번째 에폭까지 전부를 받아들이고,
#   미니배치(minibatch)의 각 자리를 확률 0.1로 무작위 예제로 바꿉니다.
# - 비교 기준은 균등하게 무작위로 뽑은 예제로 각 에폭에서 **같은 수의 SGD 단계**를 밟습니다(커리큘럼의
#   초기 에폭은 예제 풀이 작아서 더 짧습니다).
# - 같은 신경망과 같은 초기화를 쓰고, 두 순서 모두 예산마다 {0.03, 0.1, 0.3} 중 자기에게 가장 좋은
#   학습률(learning rate) ε을 씁니다(시드 3개의 평균 테스트 정확도가 가장 높은 것, 두 순서에 같은 규칙).
#
# 예산은 결과를 보기 전에 정했습니다: 44단계(커리큘럼의 3 에폭). 깨끗한 레이블에서의 같은 비교가
# 대조군입니다.

# %%
# 30% of the training labels replaced by a wrong class (one fixed draw); the test labels stay clean
rng = np.random.default_rng(SEED)
flip = rng.random(len(ytr)) < 0.3
ynoisy = ytr.copy()
ynoisy[flip] = (ytr[flip] + rng.integers(1, 10, flip.sum())) % 10


def teacher_difficulty(y, seed=100):
    """Transfer scoring: a linear softmax teacher fitted on one half of the training set scores the other
    half (and back); difficulty = its cross-entropy −log p(y | x) at the given label."""
    halves = np.array_split(np.random.default_rng(seed).permutation(len(y)), 2)
    score = np.empty(len(y))
    for fit_on, score_on in (halves, halves[::-1]):
        teacher = nn.Sequential(nn.Dense(64, 10, seed=seed))
        po.fit(teacher, loss, po.optim.SGD(teacher.parameters(), lr=0.1, momentum=0.9), Xtr[fit_on], y[fit_on],
               epochs=20, progress=False, seed=seed)
        z = teacher(Xtr[score_on]).astype(np.float64)
        z -= z.max(1, keepdims=True)
        score[score_on] = np.log(np.exp(z).sum(1)) - z[np.arange(len(score_on)), y[score_on]]
    return score


class RandomSameSteps:
    """The baseline: uniformly random examples, as many minibatches each epoch as the curriculum takes."""

    def __init__(self, curriculum):
        self.curriculum = curriculum

    def batches(self, n_samples, batch_size, epoch, rng):
        idx = rng.permutation(n_samples)[:self.curriculum.pool_size(epoch)]
        return [idx[s:s + batch_size] for s in range(0, idx.size, batch_size)]


EPOCHS, LRS_C, SEEDS_C = 10, (0.03, 0.1, 0.3), (0, 1, 2)
samplers, cur_runs = {}, {}              # cur_runs: (labels, order, lr, seed) -> test accuracy after each epoch
for labels, y_fit in (("clean labels", ytr), ("30% wrong labels", ynoisy)):
    samplers[labels] = S.CurriculumSampler(teacher_difficulty(y_fit), mix=0.1)   # 20% of the data, all by epoch 5
    for order, sampler in (("random order", RandomSameSteps(samplers[labels])), ("curriculum", samplers[labels])):
        for lr in LRS_C:
            for s in SEEDS_C:
                model = nn.Sequential(nn.Dense(64, 32, seed=s), nn.ReLU(), nn.Dense(32, 10, seed=s + 1))
                cur_runs[labels, order, lr, s] = po.fit(
                    model, loss, po.optim.SGD(model.parameters(), lr=lr, momentum=0.9), Xtr, y_fit, epochs=EPOCHS,
                    batch_size=32, validation_data=(Xte, yte), sampler=sampler, progress=False,
                    seed=s).history["val_accuracy"]
steps = np.cumsum([len(samplers["clean labels"].batches(len(ytr), 32, e, rng)) for e in range(EPOCHS)])


def at_best(labels, order, e):
    """Test accuracy per seed after epoch e, at this order's best ε for that budget (best mean over seeds)."""
    lr = max(LRS_C, key=lambda lr: np.mean([cur_runs[labels, order, lr, s][e] for s in SEEDS_C]))
    return np.array([cur_runs[labels, order, lr, s][e] for s in SEEDS_C])


BUDGET, FULL = 2, EPOCHS - 1              # after epoch 3 (44 steps) and after epoch 10 (all the data, many times)
gain = {(labels, e): at_best(labels, "curriculum", e) - at_best(labels, "random order", e)
        for labels in samplers for e in (BUDGET, FULL)}
for (labels, e), g in gain.items():
    print(f"{labels:>16}, after {steps[e]:3d} steps: curriculum − random order per seed {np.round(g, 3)}")
fig, axes = P.figure((10, 4.2), 1, 2)
for ax, labels in zip(axes, samplers):
    P.curves({order: [at_best(labels, order, e).mean() for e in range(EPOCHS)] for order in ("random order", "curriculum")},
             x=steps, ax=ax, xlabel="SGD steps (the same for both)", ylabel="test accuracy",
             title=f"{labels}: mean of 3 seeds, best ε each")
fig

# %%
# why: the mislabelled examples (known here, never shown to the teacher) in the first epoch's minibatches
first_cur = np.concatenate(samplers["30% wrong labels"].batches(len(ytr), 32, 0, np.random.default_rng(SEED)))
first_rnd = np.concatenate(RandomSameSteps(samplers["30% wrong labels"]).batches(len(ytr), 32, 0,
                                                                                np.random.default_rng(SEED)))
print(f"wrong labels in epoch 1: curriculum {flip[first_cur].mean():.2f}, random order {flip[first_rnd].mean():.2f}")
assert flip[first_cur].mean() < 0.1 and flip[first_rnd].mean() > 0.2
# the claim, in its regime: 30% wrong labels, 44 steps; each seed is two independent trainings
assert np.all(gain["30% wrong labels", BUDGET] > 0) and gain["30% wrong labels", BUDGET].mean() > 0.05
# ... and where it vanishes: with the full budget, and on clean labels
assert abs(gain["30% wrong labels", FULL].mean()) < 0.02
assert gain["clean labels", BUDGET].mean() < 0.01

# %% [markdown]
# 레이블이 틀리고 예산이 짧으면 커리큘럼이 모든 시드에서 앞섭니다(44단계 뒤 테스트 정확도가 +1, +13,
# +13%p, 평균 +9%p). 교사가 틀린 레이블의 예제를 어렵다고 매기므로 첫 에폭은 거의 깨끗한 데이터로
# 학습합니다(틀린 레이블이 2%, 무작위 순서는 27%: 첫 번째 assert가 이를 셉니다). 그림에서 보듯 **효과는
# 두 가지 경우에 사라집니다.** 예산을 다 쓰면(305단계, 6번째 에폭부터 모든 데이터가 들어옴) 두 순서의
# 정확도가 같아집니다. 그때쯤이면 커리큘럼도 같은 틀린 레이블을 보았고, 앞서 출발한 이득만 사라진
# 것입니다. 레이블이 깨끗하면 피할 것이 없고, 가장 쉬운 5분의 1을 먼저 보이는 것은 초기 단계의 데이터를
# 좁힐 뿐입니다. 어느 예산에서도 믿을 만한 이득이 없습니다(44단계 뒤 커리큘럼이 1.4%p 뒤집니다).
# 이 설정을 고르며 다른 시드 5개, 이어서 10개로 함께 시험한 것: 교사 대신 클래스 평균까지의 거리를
# 난이도로 쓰면(틀린 레이블에서 더 작고 짧은 이득: 23~44단계에서 +8~+11%p, 105단계에서는 사라짐.
# 깨끗한 레이블에서는 71단계까지 모든 예산에서 뒤짐), 그리고 틀린 레이블 15%(+2~+5%p, 모든 시드에서는
# 아님). 이 셀의 첫 번째 버전은 초기 에폭에서 커리큘럼에 무작위 순서보다 적은 단계를 주었고, 그래서
# 실제보다 나빠 보였습니다.

# %% [markdown]
# ## 연습 문제
#
# 1. 폴랴크 평균 실험에서 `mode="ema"`와 `decay=0.99`를 써 보세요. 마지막에는 어느 쪽이 더 좋을까요?
#    볼록하지 않은 신경망에서는 왜 지수 이동 평균을 더 선호할까요?
# 2. 단계 수를 줄여 `sigmas=(1.0, 0.0)`으로 연속 방법을 실행해 보세요. 그래도 전역 최솟값을 찾을까요?
# 3. 배치 정규화 실험의 시그모이드를 ReLU로 바꿔 보세요. 각 신경망의 가장 좋은 ε에서도 배치 정규화가 여전히 중요할까요?
