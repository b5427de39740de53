"""Worked solutions to the exercises of notebooks/ko/ch07_13-14_adversarial_tangent (Korean edition; build: python notebooks/solutions/_build.py)."""
# %% [markdown]
# # 연습 문제 풀이: 7.13 적대적 학습 · 7.14 접선 거리, 접선 전파, 다양체 접선
#
# `ch07_13-14_adversarial_tangent.ipynb`의 연습 문제를 하나씩 풀어 봅니다. 각 `assert`는 pyoptim의 결과를 NumPy로
# 다시 계산한 값(argmax로 센 정답 수, 최소제곱 풀이, 주각(principal angle))과 비교합니다.

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
# ## 연습 문제 1: 적대적 학습을 한 신경망을 ε = 0.2로 공격하기
#
# 이 신경망은 ε = 0.1의 FGSM에 맞서도록 학습했습니다. ε = 0.2에서는 교란이 두 배로 커져서(모든 픽셀이 [0, 1] 범위의
# 0.2만큼 움직입니다) 두 신경망 모두 정확도를 훨씬 더 많이 잃습니다. 적대적 학습(adversarial training)을 한 쪽이
# 여전히 앞서는지는 아래 숫자에서 읽어 냅니다(시드 하나). 각 정확도는 신경망 자신의 출력에서 argmax로 센 값이고,
# 각 공격은 정해진 ε 안에 머뭅니다.

# %%
models, acc = {}, {}
for name, objective in (("standard", None), ("adversarial training", R.AdversarialObjective(0.1, weight=0.5, clip=(0, 1)))):
    net = nn.Sequential(nn.Dense(64, 64, seed=1), nn.ReLU(), nn.Dense(64, 10, seed=2))
    po.fit(net, loss, po.optim.Adam(net.parameters(), lr=0.005), Xtr, ytr, epochs=12, batch_size=32,
           objective=objective, progress=False, seed=SEED)
    models[name] = net
    for eps in (0.0, 0.1, 0.2):
        X_adv = R.fgsm(net, loss, Xte, yte, eps=eps, clip=(0, 1)) if eps else Xte
        assert np.abs(X_adv - Xte).max() <= eps + 1e-6 and X_adv.min() >= 0 and X_adv.max() <= 1
        acc[(name, eps)] = float(np.mean(po.predict(net, X_adv).argmax(1) == yte))
for name in models:
    print(name, {f"ε = {e}": round(acc[(name, e)], 3) for e in (0.0, 0.1, 0.2)})
advantage = {e: acc[("adversarial training", e)] - acc[("standard", e)] for e in (0.1, 0.2)}
print("advantage of adversarial training:", {f"ε = {e}": round(v, 3) for e, v in advantage.items()})
for name in models:
    assert acc[(name, 0.0)] > acc[(name, 0.1)] > acc[(name, 0.2)]      # a larger ε hurts more
fig = P.curves({name: [acc[(name, e)] for e in (0.0, 0.1, 0.2)] for name in models}, x=[0.0, 0.1, 0.2],
               xlabel="FGSM ε", ylabel="test accuracy", title="FGSM at the training ε and beyond")
fig

# %% [markdown]
# ## 연습 문제 2: 15° 회전한 숫자에서 회전 접선 쓰기
#
# 접선 거리(tangent distance)는 접선 벡터를 알려 준 변환에 대해서만 (1차 근사로) 불변입니다. 이동 접선만으로는 회전을
# 설명할 수 없지만, 회전 접선을 더하면 설명할 수 있습니다. 그래서 15° 회전한 숫자에서는 (dx, dy, rot)을 쓴 분류기가
# (dx, dy)만 쓴 분류기보다 나아야 하고, 한 픽셀 이동한 숫자에서는 회전 접선이 보태는 것이 거의 없어야 합니다.
# 거리 하나하나는 최소제곱 문제를 직접 풀어 확인합니다.

# %%
Xs_tr, ys_tr = Xtr[:300], ytr[:300]
Xq, yq = Xte[:200], yte[:200]
X_rot = R.rotate_images(Xq, np.deg2rad(15.0))
X_shift = R.shift_images(Xq, np.zeros(len(Xq)), np.random.default_rng(SEED).choice([-1, 1], len(Xq)))
res = {}
for kinds in (("dx", "dy"), ("dx", "dy", "rot")):
    tang = lambda Xb, kinds=kinds: R.image_tangents(Xb, kinds=kinds)       # noqa: E731
    tdc = R.TangentDistanceClassifier(tangents=tang).fit(Xs_tr, ys_tr)
    for dname, Xd in (("rotated 15°", X_rot), ("shifted 1 px", X_shift)):
        res[(kinds, dname)] = float(np.mean(tdc.predict(Xd) == yq))
    D = tdc.distances(X_rot[:1])
    j = int(D[0].argmin())
    # the two-sided tangent distance by hand: min over a, b of ‖(x + T_x a) − (y + T_y b)‖
    Tx, Ty = tang(X_rot[:1])[0], tang(Xs_tr[j:j + 1])[0]
    A = np.concatenate([Tx, -Ty]).T
    coef = np.linalg.lstsq(A, Xs_tr[j] - X_rot[0], rcond=None)[0]
    assert np.isclose(D[0, j], np.linalg.norm(X_rot[0] + A @ coef - Xs_tr[j]), rtol=1e-5)
for (kinds, dname), a in res.items():
    print(f"tangents {kinds}: {dname} accuracy {a:.3f}")
assert res[(("dx", "dy", "rot"), "rotated 15°")] > res[(("dx", "dy"), "rotated 15°")]

# %% [markdown]
# ## 연습 문제 3: 수축 페널티의 가중치와 학습한 접선의 개수
#
# 학습한 접선은 얼마나 이동처럼 보일까요? 재어 봅시다. 학습한 접선 k개가 펼치는 공간과 (dx, dy) 접선이 펼치는 공간
# 사이의 주각 코사인을 테스트 숫자들에 대해 평균합니다(1이면 학습한 평면이 이동 방향을 포함한다는 뜻입니다).
# 아래 측정 결과를 보면, 적당한 페널티(노트북에서 쓴 가중치 0.05)에서 접선이 이동에 가장 가깝습니다. 페널티가 없으면
# 인코더가 데이터와 상관없는 여러 방향에 민감해지고, 강한 페널티(0.5)에서는 거의 모든 방향을 수축시키는 바람에 남은
# 몇 안 되는 민감한 방향이 다시 엇나갑니다. 접선이 많을수록(k = 3) 하나일 때보다 잘 정렬됩니다. 그래도 어느 것도
# 순수한 이동에 가깝지는 않습니다(코사인이 1보다 한참 작습니다). 오토인코더(autoencoder)는 숫자 자체의 변형을 배우고, 이동은 그
# 일부일 뿐이기 때문입니다. 그렇게 얻은 다양체 접선 분류기(manifold tangent classifier)가 실제로 도움이 되는지는
# 노트북의 마지막 실험이 보여 줍니다(가중치 0.05: 정확도 손실 없이 불변성을 얻습니다). 이 노트북을 빠르게 유지하려고
# 가중치마다 분류기를 다시 학습하는 일은 여기서 생략합니다.

# %%
def shift_alignment(tangent_fn, Xb):
    cos = []
    for V, S in zip(tangent_fn(Xb), R.image_tangents(Xb, kinds=("dx", "dy"))):
        qv = np.linalg.qr(V.T)[0]
        qs = np.linalg.qr(S.T)[0]
        cos.append(np.linalg.svd(qv.T @ qs, compute_uv=False).max())     # cos of the smallest angle
    return float(np.mean(cos))


align = {}
for weight in (0.0, 0.05, 0.5):
    enc_dense = nn.Dense(64, 20, seed=3)
    cae = nn.Sequential(enc_dense, nn.Tanh(), nn.Dense(20, 64, seed=4))
    po.fit(cae, nn.MSELoss(), po.optim.Adam(cae.parameters(), lr=0.01), Xtr, Xtr, epochs=20, batch_size=64,
           objective=R.ContractiveObjective(enc_dense, weight=weight) if weight else None, progress=False, seed=SEED)
    for k in (1, 3):
        learned = R.encoder_tangents(nn.Sequential(cae[0], cae[1]), k=k)
        align[(weight, k)] = shift_alignment(learned, Xte[:50])
        # independent check of one tangent: the top right singular vector of a finite-difference Jacobian
        if k == 1 and weight == 0.05:
            x0 = Xte[:1].astype(np.float32)
            enc = nn.Sequential(cae[0], cae[1])
            J = np.stack([(enc(x0 + 1e-3 * e) - enc(x0 - 1e-3 * e))[0] / 2e-3 for e in np.eye(64, dtype=np.float32)], 1)
            v_fd = np.linalg.svd(J)[2][0]
            v = learned(x0)[0, 0]
            assert abs(v @ v_fd) / np.linalg.norm(v) > 0.99
for (weight, k), a in align.items():
    print(f"contractive weight {weight:<4}, k = {k}: mean cos(learned, shift plane) = {a:.3f}")
assert all(0.0 <= a <= 1.0 + 1e-9 for a in align.values())
assert all(align[(w, 3)] >= align[(w, 1)] - 1e-9 for w in (0.0, 0.05, 0.5))   # a larger span aligns at least as well
assert align[(0.05, 3)] > max(align[(0.0, 3)], align[(0.5, 3)])                # the moderate penalty aligns best
