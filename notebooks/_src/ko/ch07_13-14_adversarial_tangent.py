"""Source of notebooks/ko/ch07_13-14_adversarial_tangent.ipynb (Korean edition; build: python notebooks/_build.py)."""
# %%
import importlib.util, subprocess, sys; importlib.util.find_spec("pyoptim") or subprocess.check_call([sys.executable, "-m", "pip", "install", "-q", "pyoptim-dlbook[hosted]"])  # hosted notebooks (Colab): install pyoptim

# %% [markdown]
# # 7.13 적대적 학습 · 7.14 접선 거리, 접선 전파, 다양체 접선 분류기
#
# *Deep Learning* 책의 7.13절과 7.14절입니다. 두 방법 모두 분류기를 국소적으로 불변하게 만듭니다. 하나는
# 가장 나쁜 작은 교란에 대해(적대적 학습(adversarial training)), 다른 하나는 평행 이동처럼 이미 알고 있는
# 입력 변환에 대해(접선 전파(tangent propagation)) 불변하게 만듭니다.
#
# | 책 | pyoptim |
# |---|---|
# | FGSM x + ε·sign(∇ₓJ) (Goodfellow 등, 2014b) | `po.regularization.fgsm(model, loss, X, y, eps)` |
# | 적대적 학습 | `po.fit(..., objective=po.regularization.AdversarialObjective(eps, weight))` |
# | 평행 이동/회전의 접선 벡터(tangent vector) | `po.regularization.image_tangents(X, kinds=("dx", "dy", "rot"))` |
# | 접선 전파 페널티 Σᵢ((∇ₓf)ᵀv⁽ⁱ⁾)² (식 7.67) | `po.regularization.tangent_prop_penalty`, `TangentPropObjective` |
# | 접선 거리(tangent distance) 최근접 이웃 | `po.regularization.TangentDistanceClassifier`, `tangent_distance` |
# | 다양체 접선 분류기(manifold tangent classifier) (학습한 접선) | `po.regularization.ContractiveObjective`, `TangentPropObjective` 안의 `encoder_tangents(encoder, k)` |

# %%
import numpy as np
import pyoptim as po
from pyoptim import nn

P = po.plot
R = po.regularization
SEED = 0
Xtr, Xte, ytr, yte = po.datasets.load_digits(test_size=0.3, seed=SEED)   # pixels in [0, 1]
loss = nn.SoftmaxCrossEntropy()

# %% [markdown]
# ## 7.13 빠른 그래디언트 부호 방법(FGSM)
#
# 선형에 가까운 모델은 교란 ε·sign(w)를 받으면 출력이 ε‖w‖₁만큼 바뀌는데, 고차원에서는 ε가 아주 작아도
# 이 값이 큽니다. 교란 x + ε·sign(∇ₓJ(θ; x, y))는 1차 근사로 보면, 최대 노름이 ε인 교란 가운데 손실을 가장
# 많이 올립니다. 소프트맥스 회귀(로짓 xW + b)에서 배치 평균 손실의 입력 그래디언트(gradient)는
# (softmax(xW + b) − onehot(y))Wᵀ/B입니다. NumPy로 계산하면 다음과 같습니다.

# %%
lin = nn.Sequential(nn.Dense(64, 10, seed=1, dtype=np.float64))
po.fit(lin, loss, po.optim.SGD(lin.parameters(), lr=0.5), Xtr, ytr, epochs=20, batch_size=64, progress=False,
       seed=SEED)
Xb, yb = Xte[:20].astype(np.float64), yte[:20]
Wl, bl = lin[0].weight.data, lin[0].bias.data
z = Xb @ Wl + bl
p_soft = np.exp(z - z.max(1, keepdims=True))
p_soft /= p_soft.sum(1, keepdims=True)
grad_x = (p_soft - np.eye(10)[yb]) @ Wl.T / len(yb)
adv_np = Xb + 0.1 * np.sign(grad_x)
assert np.allclose(R.fgsm(lin, loss, Xb, yb, eps=0.1), adv_np)

# %% [markdown]
# 보통 방식으로 학습한 MLP와, 같은 MLP를 J̃ = ½J(x) + ½J(x + ε·sign(∇ₓJ))로 적대적으로 학습한 것을
# ε = 0.1로 공격합니다(픽셀 값은 [0, 1] 범위).

# %%
eps = 0.1
models, acc = {}, {}
for name, objective in (("standard", None), ("adversarial training", R.AdversarialObjective(eps, weight=0.5, clip=(0, 1)))):
    net = nn.Sequential(nn.Dense(64, 64, seed=1), nn.ReLU(), nn.Dense(64, 10, seed=2))
    po.fit(net, loss, po.optim.Adam(net.parameters(), lr=0.005), Xtr, ytr, epochs=12, batch_size=32,
           objective=objective, progress=False, seed=SEED)
    models[name] = net
    X_adv = R.fgsm(net, loss, Xte, yte, eps=eps, clip=(0, 1))
    acc[f"{name}\nclean"] = po.evaluate(net, loss, Xte, yte)["accuracy"]
    acc[f"{name}\nFGSM ε={eps}"] = po.evaluate(net, loss, X_adv, yte)["accuracy"]
fig = P.bars(acc, ylabel="test accuracy", title="Clean vs adversarial accuracy")
fig

# %%
assert acc[f"adversarial training\nFGSM ε={eps}"] > acc[f"standard\nFGSM ε={eps}"] + 0.05   # lower error on FGSM examples
assert acc["adversarial training\nclean"] > 0.9

# %% [markdown]
# 공격은 이렇게 생겼습니다. 원래 숫자, 교란 ε·sign(∇ₓJ)(빨강 +, 파랑 −), 그리고 일반 신경망이 잘못 분류하는
# 적대적 숫자입니다.

# %%
net = models["standard"]
X_adv = R.fgsm(net, loss, Xte, yte, eps=eps, clip=(0, 1))
fooled = np.flatnonzero((po.predict(net, X_adv).argmax(1) != yte) & (po.predict(net, Xte).argmax(1) == yte))[:4]
pred_adv = po.predict(net, X_adv[fooled]).argmax(1)
fig = P.image_grid(np.concatenate([Xte[fooled], X_adv[fooled] - Xte[fooled], X_adv[fooled]]), ncols=len(fooled),
                   symmetric=[False] * len(fooled) + [True] * len(fooled) + [False] * len(fooled), vmin=0, vmax=1,
                   titles=[f"clean: {yte[i]}" for i in fooled] + ["perturbation"] * len(fooled)
                   + [f"adv: predicted {p}" for p in pred_adv], title="FGSM on the digits")
fig

# %% [markdown]
# ## 7.14 접선 전파
#
# 어떤 변환(한 픽셀 이동)을 해도 클래스가 바뀌지 않아야 한다면, x에서 그 변환의 접선 벡터 v 방향으로는
# 출력도 바뀌지 않아야 합니다. 이것이 페널티 Ω = Σᵢ((∇ₓf(x))ᵀv⁽ⁱ⁾)²입니다(식 7.67). 평행 이동의 접선 벡터는
# 이미지의 공간 그래디언트에 마이너스를 붙인 것입니다.

# %%
T = R.image_tangents(Xte[:6], kinds=("dx", "dy", "rot"))                  # (6, 3, 64)
fig = P.image_grid(np.concatenate([Xte[:6], T[:, 0], T[:, 1], T[:, 2]]), ncols=6, symmetric=[False] * 6 + [True] * 18,
                   titles=["image"] * 6 + ["tangent dx"] * 6 + ["tangent dy"] * 6 + ["tangent rot"] * 6,
                   title="Digits and the tangent vectors of shifts and rotation (red +, blue −)")
fig

# %% [markdown]
# 선형 모델 f(x) = xW + b에서 야코비안-벡터 곱은 vW이므로, 페널티는 정확히 (1/B)Σ_b Σᵢ‖v_b⁽ⁱ⁾W‖²입니다
# (pyoptim은 중심 차분으로 계산하는데, f가 선형이면 중심 차분이 정확합니다).

# %%
V = R.image_tangents(Xb, kinds=("dx", "dy"))
omega_np = np.mean(np.sum((V @ Wl) ** 2, axis=(1, 2)))
omega_po = R.tangent_prop_penalty(lin, Xb, V)
print(f"penalty: NumPy {omega_np:.6f}, pyoptim {omega_po:.6f}")
assert np.isclose(omega_np, omega_po, rtol=1e-6)

# %% [markdown]
# 평행 이동 접선에 대한 페널티를 넣어 학습하면 분류기가 이동한 숫자에 더 강건해집니다. 두 신경망 모두 학습
# 숫자 300개만 보고, 왼쪽이나 오른쪽으로 한 픽셀 이동한 테스트 숫자로 시험합니다(8×8 이미지에서는 큰
# 변화라서 두 신경망 모두 정확도가 떨어집니다).

# %%
Xs_tr, ys_tr = Xtr[:300], ytr[:300]
rng = np.random.default_rng(SEED)
X_shift = R.shift_images(Xte, np.zeros(len(Xte)), rng.choice([-1, 1], size=len(Xte)))
tangents = lambda Xq: R.image_tangents(Xq, kinds=("dx", "dy"))   # noqa: E731
shift_acc = {}
for name, objective in (("standard", None), ("tangent prop", R.TangentPropObjective(tangents, weight=0.5))):
    net = nn.Sequential(nn.Dense(64, 64, seed=1), nn.Tanh(), nn.Dense(64, 10, seed=2))
    po.fit(net, loss, po.optim.Adam(net.parameters(), lr=0.01), Xs_tr, ys_tr, epochs=30, batch_size=30,
           objective=objective, progress=False, seed=SEED)
    shift_acc[f"{name}\nclean"] = po.evaluate(net, loss, Xte, yte)["accuracy"]
    shift_acc[f"{name}\nshifted 1 px"] = po.evaluate(net, loss, X_shift, yte)["accuracy"]
fig = P.bars(shift_acc, ylabel="test accuracy", title="Tangent prop on 300 digits")
fig

# %%
assert shift_acc["tangent prop\nshifted 1 px"] > shift_acc["standard\nshifted 1 px"] + 0.05   # lower error on shifted digits

# %% [markdown]
# ### 접선 거리 분류기
#
# 접선 전파 이전에 Simard 등(1993)은 불변성을 *최근접 이웃* 분류기에 넣었습니다. 두 이미지 사이의 거리를,
# 각 이미지의 접선 벡터가 펼치는 두 평면 사이의 거리 min over a, b of ‖(x₁ + T₁ᵀa) − (x₂ + T₂ᵀb)‖로
# 정의합니다(쌍마다 작은 최소제곱 문제 하나). 한 픽셀 이동은 유클리드 거리로는 이미지를 멀리 옮기지만 접선
# 거리로는 거의 옮기지 않습니다. 같은 학습 숫자 300개와, 이동한 테스트 숫자 중 처음 300개를 씁니다.

# %%
Xq, yq = X_shift[:300], yte[:300]
tdc = R.TangentDistanceClassifier(tangents=tangents).fit(Xs_tr, ys_tr)
D_td = tdc.distances(Xq)
D_eu = np.sqrt(((Xq[:, None, :] - Xs_tr[None, :, :]) ** 2).sum(axis=-1))    # plain NumPy 1-NN
nn_acc = {"Euclidean 1-NN\nshifted 1 px": np.mean(ys_tr[D_eu.argmin(axis=1)] == yq),
          "tangent-distance 1-NN\nshifted 1 px": np.mean(tdc.predict(Xq) == yq)}
fig = P.bars(nn_acc, ylabel="test accuracy", title="Nearest neighbour under tangent distance")
fig

# %%
i, j = 0, int(D_td[0].argmin())          # the batched solver against a direct least-squares solve
direct = R.tangent_distance(Xq[i], tangents(Xq[i:i + 1])[0], Xs_tr[j], tangents(Xs_tr[j:j + 1])[0])
assert np.isclose(D_td[i, j], direct, rtol=1e-6)
assert np.all(D_td <= D_eu + 1e-9)     # a distance between planes never exceeds the one between points
print(nn_acc)
assert nn_acc["tangent-distance 1-NN\nshifted 1 px"] > nn_acc["Euclidean 1-NN\nshifted 1 px"] + 0.15

# %% [markdown]
# ### 다양체 접선 분류기
#
# 접선 전파는 접선 벡터를 미리 알고 있어야 합니다(여기서는 이동). 다양체 접선 분류기(Rifai 등, 2011)는
# 접선을 *학습*합니다. 레이블 없는 데이터로 학습한 수축 오토인코더(contractive autoencoder)는 코드 h(x)가
# 대부분의 입력 방향에 둔감하도록 만듭니다. 그래도 민감하게 남는 소수의 방향, 곧 ∂h/∂x의 앞쪽 오른쪽
# 특이벡터들이 x에서 데이터 다양체의 접평면을 추정합니다(`encoder_tangents`). 이 접선들로 접선 전파를 하면
# 분류기가 학습된 다양체를 따라 불변해집니다. 오토인코더는 학습 숫자 전체를 레이블 없이 보고, 분류기는
# 레이블이 있는 숫자 300개를 봅니다.

# %%
enc_dense = nn.Dense(64, 20, seed=3)
cae = nn.Sequential(enc_dense, nn.Tanh(), nn.Dense(20, 64, seed=4))
po.fit(cae, nn.MSELoss(), po.optim.Adam(cae.parameters(), lr=0.01), Xtr, Xtr, epochs=40, batch_size=64,
       objective=R.ContractiveObjective(enc_dense, weight=0.05), progress=False, seed=SEED)
learned = R.encoder_tangents(nn.Sequential(cae[0], cae[1]), k=3)
V_learned = learned(Xte[:4])                                                   # (4, 3, 64)
fig = P.image_grid(np.concatenate([Xte[:4], V_learned[:, 0], V_learned[:, 1], V_learned[:, 2]]), ncols=4,
                   symmetric=[False] * 4 + [True] * 12, titles=["image"] * 4 + [f"learned tangent {t}" for t in
                                                                               (1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3)],
                   title="Learned tangents (red +, blue −)")
fig

# %%
def sensitivity(net, Xq, V, h=1e-3):
    """Σⱼ mean ‖(f(x + h vⱼ) − f(x − h vⱼ)) / 2h‖², by finite differences: independent of the penalty code."""
    return sum(np.mean(np.sum(((net(Xq + h * V[:, j]) - net(Xq - h * V[:, j])) / (2 * h)) ** 2, axis=1))
               for j in range(V.shape[1]))


mtc = {}
V_eval = learned(Xte[:200])
for name, objective in (("standard", None), ("manifold tangent", R.TangentPropObjective(learned, weight=0.02))):
    net = nn.Sequential(nn.Dense(64, 64, seed=1), nn.Tanh(), nn.Dense(64, 10, seed=2))
    po.fit(net, loss, po.optim.Adam(net.parameters(), lr=0.01), Xs_tr, ys_tr, epochs=30, batch_size=30,
           objective=objective, progress=False, seed=SEED)
    mtc[name] = (po.evaluate(net, loss, Xte, yte)["accuracy"], float(sensitivity(net, Xte[:200], V_eval)))
print({k: f"test accuracy {a:.3f}, sensitivity along the learned tangents {s_:.3g}" for k, (a, s_) in mtc.items()})
assert mtc["manifold tangent"][1] < 0.2 * mtc["standard"][1]     # invariant along the learned manifold
assert mtc["manifold tangent"][0] > mtc["standard"][0] - 0.02    # at no cost in accuracy

# %% [markdown]
# 분류기는 같은 정확도를 유지하면서 학습된 접선 방향으로의 민감도가 10분의 1로 줄었습니다. 다만 여기서
# 정확도가 *더 높아지지는* 않았습니다. 8×8 숫자에 작은 오토인코더 층 하나로는 학습된 접선이 거친 추정일
# 뿐이고, 레이블 300개와 30 에폭으로는 이 사전 지식이 바로잡을 여지가 별로 없습니다. Rifai 등은 더 깊은
# 수축 오토인코더를 써서 MNIST에서 성능 향상을 보고했습니다. 효과를 보려면 접선이 좋아야 하고, 분류기가
# 원래 그 방향으로 민감해야 합니다.

# %% [markdown]
# ## 연습 문제
#
# 1. 적대적으로 학습한 신경망을 ε = 0.2로 공격해 보세요. 그래도 우위가 유지되나요?
# 2. 접선 거리 분류기에 회전 접선도 넣고(`kinds=("dx", "dy", "rot")`), 15° 회전한 숫자(`R.rotate_images`)로
#    시험해 보세요. 어떤 왜곡에 어떤 접선이 중요한가요?
# 3. 오토인코더의 수축 가중치(0에서 0.5까지)와 학습할 접선의 개수 k를 바꿔 보세요. 학습된 접선은 언제
#    이동처럼 보이나요? 다양체 접선 분류기는 언제 도움이 되나요?
