"""Worked solutions to the exercises of notebooks/ko/ch07_4-7_noise_augmentation_multitask (Korean edition; build: python notebooks/solutions/_build.py)."""
# %% [markdown]
# # 연습 문제 풀이: 7.4–7.7 데이터 증강, 잡음, 다중 작업 학습
#
# `ch07_4-7_noise_augmentation_multitask.ipynb`의 연습 문제를 하나씩 풀어 봅니다. 각 `assert`는 몬테카를로 평균을
# 유도한 식과 비교하거나, 모델을 독립적으로 다시 계산한 값과 비교합니다.

# %%
import numpy as np
import pyoptim as po
from pyoptim import nn

P = po.plot
R = po.regularization
SEED = 0
Xtr, Xte, ytr, yte = po.datasets.load_digits(test_size=0.3, seed=SEED)
loss = nn.SoftmaxCrossEntropy()
X300, y300 = Xtr[:300], ytr[:300]
X_shift = R.shift_images(Xte, np.zeros(len(Xte)), np.random.default_rng(SEED).choice([-1, 1], len(Xte)))

# %% [markdown]
# ## 연습 문제 1: 은닉 유닛에 넣는 잡음과 입력에 넣는 잡음
#
# 은닉층 뒤에 둔 `nn.GaussianNoise(0.1)`은 학습하는 동안 학습된 특징을 흔들고, 평가할 때는 아무 일도 하지 않는
# 항등 함수입니다. `PixelNoise(0.1)`은 입력을 흔듭니다(데이터 증강(data augmentation)의 하나). 노트북의 숫자 300개로
# 둘 다 학습하고, 깨끗한 테스트 숫자와 이동한 테스트 숫자에서 정확도를 보고합니다(시드 하나뿐이니 비교만 하고,
# 어느 쪽이 나은지 결론을 내리기 전에 여러 시드로 반복해 보세요).

# %%
acc = {}
nets = {}
for name in ("no noise", "hidden noise", "input noise"):
    layers = [nn.Dense(64, 64, seed=1), nn.ReLU()] + ([nn.GaussianNoise(0.1, seed=3)] if name == "hidden noise" else [])
    net = nn.Sequential(*layers, nn.Dense(64, 10, seed=2))
    po.fit(net, loss, po.optim.Adam(net.parameters(), lr=0.01), X300, y300, epochs=30, batch_size=30,
           augment=R.PixelNoise(0.1) if name == "input noise" else None, progress=False, seed=SEED)
    nets[name] = net
    acc[f"{name}\nclean"] = po.evaluate(net, loss, Xte, yte)["accuracy"]
    acc[f"{name}\nshifted"] = po.evaluate(net, loss, X_shift, yte)["accuracy"]
print({k.replace("\n", " "): round(v, 3) for k, v in acc.items()})
fig = P.bars(acc, ylabel="test accuracy", title="Noise on hidden units vs inputs")
fig.axes[0].set_ylim(0.3, 1.0)
fig

# %%
# at evaluation the noise layer is the identity: the same network without it predicts the same
net = nets["hidden noise"]
without = nn.Sequential(net[0], net[1], net[3])
np.testing.assert_allclose(po.predict(net, Xte), po.predict(without, Xte), rtol=1e-6)
# and in training mode it does add N(0, 0.1²) noise: its sample std, measured on zeros
noise = nn.GaussianNoise(0.1, seed=7)
noise.train()
sample = noise(np.zeros((2000, 64), dtype=np.float32))
assert abs(sample.std() - 0.1) < 0.005 and abs(sample.mean()) < 0.005
assert all(v > 0.8 for k, v in acc.items() if k.endswith("clean"))

# %% [markdown]
# ## 연습 문제 2: 레이블 100개로 숫자와 홀짝 함께 배우기
#
# 공유 몸통(trunk) 하나에 헤드(head) 두 개, 곧 숫자(클래스 10개)와 그 홀짝(클래스 2개)을 달고,
# `MultiTaskObjective([loss, loss])`로 목표값 `np.stack([y, y % 2], 1)`에 대해 학습합니다. 이것을 숫자 헤드 하나만
# 학습한 경우와 비교합니다. 홀짝은 숫자에서 바로 정해지므로 새 정보를 주지 않습니다. 추가된 그래디언트(gradient)가
# 공유 특징에 도움이 되는지는 시드 세 개로 측정합니다(도움이 되지 않을 수도 있습니다).

# %%
results = {"digit only": [], "digit + parity": []}
for seed in (1, 2, 3):
    for name in results:
        trunk = nn.Sequential(nn.Dense(64, 32, seed=seed), nn.Tanh())
        head = nn.Dense(32, 10, seed=seed + 10)
        if name == "digit only":
            clf = nn.Sequential(trunk, head)
            po.fit(clf, loss, po.optim.Adam(clf.parameters(), lr=0.01), Xtr[:100], ytr[:100], epochs=150,
                   batch_size=None, progress=False, seed=seed)
        else:
            mt = R.MultiTask(trunk, [head, nn.Dense(32, 2, seed=seed + 20)])
            obj = R.MultiTaskObjective([loss, loss], int_tasks=(0, 1))
            po.fit(mt, None, po.optim.Adam(mt.parameters(), lr=0.01), Xtr[:100], np.stack([ytr[:100], ytr[:100] % 2], 1),
                   epochs=150, batch_size=None, objective=obj, progress=False, seed=seed)
            clf = nn.Sequential(trunk, head)
            # the parity head learned its task: checked by an argmax count of its own outputs
            parity = mt.forward(Xte.astype(np.float32))[1].argmax(axis=1)
            assert np.mean(parity == yte % 2) > 0.75
        results[name].append(po.evaluate(clf, loss, Xte, yte)["accuracy"])
print({k: np.round(v, 3).tolist() for k, v in results.items()})
print({k: round(float(np.mean(v)), 3) for k, v in results.items()})
assert all(a > 0.6 for v in results.values() for a in v)

# %% [markdown]
# ## 연습 문제 3: 입력 잡음 항등식
#
# ε ~ N(0, σ²I)가 x와 독립이면
# ((x + ε)ᵀw − y)² = (xᵀw − y)² + 2(xᵀw − y)εᵀw + (εᵀw)²입니다. 기댓값을 취하면 가운데 항은 사라지고(E ε = 0),
# E(εᵀw)² = wᵀE[εεᵀ]w = σ²‖w‖²이므로 **E = (xᵀw − y)² + σ²‖w‖²**, 곧 가중치에 세기 σ²의 L2 페널티를 준 것과 같습니다
# (선형 회귀에 대한 책 식 7.31). 몬테카를로로 항 하나하나를 확인합니다.

# %%
rng = np.random.default_rng(SEED)
x, w, y = rng.standard_normal(5), rng.standard_normal(5), 0.7
sigma = 0.3
eps = sigma * rng.standard_normal((200_000, 5))
lhs = ((x + eps) @ w - y) ** 2
cross = 2 * (x @ w - y) * (eps @ w)
quad = (eps @ w) ** 2
se = lhs.std() / np.sqrt(len(lhs))
print(f"E[((x+ε)ᵀw − y)²] = {lhs.mean():.4f} ± {se:.4f}, (xᵀw − y)² + σ²‖w‖² = {(x @ w - y) ** 2 + sigma ** 2 * w @ w:.4f}")
assert abs(lhs.mean() - ((x @ w - y) ** 2 + sigma ** 2 * w @ w)) < 4 * se
assert abs(cross.mean()) < 4 * cross.std() / np.sqrt(len(cross))                 # the cross term averages out
assert abs(quad.mean() - sigma ** 2 * w @ w) < 4 * quad.std() / np.sqrt(len(quad))
