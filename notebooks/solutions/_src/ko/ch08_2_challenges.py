"""Worked solutions to the exercises of notebooks/ko/ch08_2_challenges (Korean edition; build: python notebooks/solutions/_build.py)."""
# %% [markdown]
# # 연습 문제 풀이: 8.2 신경망 최적화의 어려움
#
# `ch08_2_challenges.ipynb`의 연습 문제를 하나씩 풀어 봅니다. 각 `assert`는 2차 근사로 한 예측을 실제로 계산한
# 비용과 비교하거나, pyoptim의 결과를 NumPy 계산과 비교합니다.

# %%
import numpy as np
import pyoptim as po
from pyoptim import nn

P = po.plot
D = po.diagnostics
SEED = 0

# %% [markdown]
# ## 연습 문제 1: ε = 0.5에서 모멘텀이 있을 때와 없을 때의 곡률 모니터
#
# 노트북의 전체 배치 학습(숫자 500개, 64-64-64-10 tanh 신경망, 제곱 오차)을 300단계로 줄여서 돌립니다.
# `increase_predicted`는 보통의 경사 하강법(gradient descent) 단계에 대한 책의 판정 ½ε²gᵀHg > εgᵀg이고, `increase_actual`은 옵티마이저가
# 실제로 밟은 단계 뒤에 J를 계산한 결과입니다. 모멘텀(momentum)이 없으면 단계가 *바로* −εg이므로 대부분의 단계에서
# 예측과 실제 계산이 일치합니다. 모멘텀이 있으면 단계가 −ε(g + αb)가 되어 이 판정이 더는 단계를 설명하지 못하고,
# 둘이 어긋나는 일이 잦아집니다. 두 경우 모두 손실은 전체적으로는 여전히 줄어듭니다. 비용을 올리는 단계가 있어도
# 다른 단계들이 그만큼 만회하기 때문입니다(안정성의 경계(edge of stability)).

# %%
Xtr, Xte, ytr, yte = po.datasets.load_digits(test_size=0.3, seed=SEED)
Xe = Xtr[:500].astype(np.float64)
Ye = np.eye(10)[ytr[:500]]
runs = {}
for name, momentum in (("ε = 0.5", 0.0), ("ε = 0.5, momentum 0.5", 0.5)):
    net = nn.Sequential(nn.Dense(64, 64, seed=1, dtype=np.float64), nn.Tanh(),
                        nn.Dense(64, 64, seed=3, dtype=np.float64), nn.Tanh(),
                        nn.Dense(64, 10, seed=2, dtype=np.float64))
    curv = D.CurvatureMonitor(every=5)
    hist = po.fit(net, nn.MSELoss(), po.optim.SGD(net.parameters(), lr=0.5, momentum=momentum), Xe, Ye,
                  epochs=300, batch_size=None, shuffle=False, callbacks=[curv], progress=False, seed=SEED)
    runs[name] = (hist.history["loss"], curv.history)

for name, (loss_hist, h) in runs.items():
    pred = np.asarray(h["increase_predicted"])
    act = np.asarray(h["increase_actual"])
    agree = np.mean(pred == act)
    print(f"{name}: increase predicted on {pred.mean():.0%} of the monitored steps, actual on {act.mean():.0%}, "
          f"agreement {agree:.0%}; loss {loss_hist[0]:.3f} -> {loss_hist[-1]:.3f}")
    assert loss_hist[-1] < 0.5 * loss_hist[0]                         # the loss still falls
plain_h, mom_h = runs["ε = 0.5"][1], runs["ε = 0.5, momentum 0.5"][1]
agree_plain = np.mean(np.asarray(plain_h["increase_predicted"]) == np.asarray(plain_h["increase_actual"]))
agree_mom = np.mean(np.asarray(mom_h["increase_predicted"]) == np.asarray(mom_h["increase_actual"]))
assert agree_plain > 0.8 and agree_mom < agree_plain
fig = P.curves({n: l for n, (l, _) in runs.items()}, xlabel="step", ylabel="loss", logy=True,
               title="Full-batch training at ε = 0.5")
fig

# %% [markdown]
# ## 연습 문제 2: (1, 0)에서 출발한 안장점
#
# f(x, y) = x² − y²의 그래디언트(gradient)는 (2x, −2y)입니다. 직선 y = 0 위에서 출발하면 그래디언트의 y 성분이 모든 단계에서
# 정확히 0이므로, 경사 하강법은 그 직선을 벗어나지 못하고 안장점(saddle point) (0, 0), 곧 *그 직선으로 제한한* f의
# 최솟점으로 수렴합니다. 빠져나가려면 y 방향으로 조금이라도 움직임이 있어야 합니다. 아주 작은 교란(y = 10⁻⁸)만 있어도 단계마다
# (1 + 2ε)배로 커지므로 경사 하강법이 안장점을 빠져나갑니다.

# %%
s = po.functions.saddle()
on_line = P.optimizer_path(lambda p: po.optim.SGD(p, lr=0.1), s, [1.0, 0.0], 100)
perturbed = P.optimizer_path(lambda p: po.optim.SGD(p, lr=0.1), s, [1.0, 1e-8], 100)
assert np.all(on_line[:, 1] == 0.0) and np.allclose(on_line[-1], [0.0, 0.0], atol=1e-8)
# NumPy: x_k = 0.8^k, y_k = 1.2^k · 10⁻⁸
k = np.arange(101)
np.testing.assert_allclose(perturbed[:, 0], 0.8 ** k, rtol=1e-12)
np.testing.assert_allclose(perturbed[:, 1], 1e-8 * 1.2 ** k, rtol=1e-9)
assert abs(perturbed[-1, 1]) > 0.5
fig = P.contour_paths(s, {"from (1, 0)": on_line, "from (1, 1e-8)": perturbed}, xlim=(-1.5, 1.5), ylim=(-1.5, 1.5),
                      title="Gradient descent from the saddle's stable line")
fig

# %% [markdown]
# ## 연습 문제 3: 절벽에서 값으로 클리핑하기
#
# `clip_grad_value_`는 각 성분을 독립적으로 [−c, c]로 자릅니다. 그래디언트의 성분들이 모두 같은 비율로 잘리지 않으면
# 방향이 바뀝니다. 절벽의 벽에서는 거대한 x 성분이 c로 잘리는 반면 작은 y 성분은 그대로 남으므로, 잘린 그래디언트가
# y 쪽으로 돌아갑니다. 노름으로 클리핑하면 벡터 전체의 크기를 줄이므로 방향이 유지됩니다.

# %%
cliff = po.functions.cliff()
x_wall = np.array([cliff.c if hasattr(cliff, "c") else 1.0, 0.3])
g = cliff.grad(x_wall)
g_val = g.copy()
po.optim.clip_grad_value_([g_val], clip_value=1.0)
g_norm = g.copy()
po.optim.clip_grad_norm_([g_norm], max_norm=1.0)
np.testing.assert_array_equal(g_val, np.clip(g, -1.0, 1.0))                    # NumPy
cos = lambda a, b: a @ b / (np.linalg.norm(a) * np.linalg.norm(b))        # noqa: E731
angle = np.degrees(np.arccos(np.clip(cos(g_val, g), -1, 1)))
print(f"gradient at the wall {g}, value-clipped {g_val}: turned by {angle:.1f}°; norm-clipped {g_norm}")
assert np.isclose(cos(g_norm, g), 1.0) and angle > 5.0
