"""Worked solutions to the exercises of notebooks/ko/ch08_6_second_order (Korean edition; build: python notebooks/solutions/_build.py)."""
# %% [markdown]
# # 연습 문제 풀이: 8.6 근사 2차 방법
#
# `ch08_6_second_order.ipynb`의 연습 문제를 하나씩 풀어 봅니다. 각 `assert`는 pyoptim의 실행 결과를 손으로 직접 적은
# 헤시안(Hessian)·그래디언트(gradient), 그리고 이미 알고 있는 최솟점과 비교합니다.

# %%
import numpy as np
import pyoptim as po

P = po.plot
rb = po.functions.rosenbrock()


def f_np(x):                                   # Rosenbrock written out: (1 − x)² + 100 (y − x²)²
    return (1 - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2


def g_np(x):
    return np.array([-400 * x[0] * (x[1] - x[0] ** 2) - 2 * (1 - x[0]), 200 * (x[1] - x[0] ** 2)])


def h_np(x):
    return np.array([[1200 * x[0] ** 2 - 400 * x[1] + 2, -400 * x[0]], [-400 * x[0], 200.0]])


for p in ([-1.2, 1.0], [0.0, 2.0], [0.3, -0.7]):
    p = np.array(p)
    assert np.isclose(rb(p), f_np(p)) and np.allclose(rb.grad(p), g_np(p))

# %% [markdown]
# ## 연습 문제 1: 순수한 뉴턴 단계는 언제 오르막으로 가는가?
#
# 뉴턴법(Newton's method)의 방향 d = −H⁻¹g를 따라가는 기울기는 gᵀd = −gᵀH⁻¹g입니다. H가 양의 정부호(positive
# definite)이면 이 값은 음수, 곧 내리막입니다. H에 음의 고윳값(eigenvalue)이 있으면(로젠브록 함수(Rosenbrock
# function)에서 ∂²f/∂x² = 1200x² − 400y + 2 < 0, 곧 y > 3x² + 1/200인 곳) gᵀd가 양수가
# *될 수 있습니다*. 그러면 순수한 뉴턴 단계는 국소 2차 모델의 안장점(saddle point)을 향해, 오르막으로 갑니다.
# (−1.2, 1)에서는 H가 양의 정부호입니다. (0, 2)에서는 H가 부정부호(indefinite)이지만 g가 곡률이 양수인 y 방향과 거의 나란해서
# 방향은 여전히 내리막입니다. 포물선 바로 위인 (0, 0.02)에서는 오르막입니다. pyoptim의 `damping="auto"`는 H + αI가
# 양의 정부호가 될 때까지 αI를 더하므로 방향이 늘 내리막입니다. 두 설정 모두 두 출발점에서 (1, 1)에 도달합니다
# (순수한 단계는 선 탐색(line search)이 지켜 줍니다).

# %%
runs = {}
for start in ([-1.2, 1.0], [0.0, 2.0]):
    for damping in (0.0, "auto"):
        r = po.minimize(rb, np.array(start), method="newton",
                        options={"damping": damping, "return_path": True, "maxiter": 100})
        runs[(tuple(start), damping)] = r
        assert r.success and np.allclose(r.x, [1.0, 1.0], atol=1e-6)
        print(f"start {start}, damping {damping!r}: {r.nit} iterations")


def newton_direction(x):
    return -np.linalg.solve(h_np(x), g_np(x))


def uphill(x):
    return g_np(x) @ newton_direction(x) > 0


assert np.linalg.eigvalsh(h_np([-1.2, 1.0])).min() > 0 and not uphill(np.array([-1.2, 1.0]))
assert np.linalg.eigvalsh(h_np([0.0, 2.0])).min() < 0 and not uphill(np.array([0.0, 2.0]))
x_up = np.array([0.0, 0.02])
assert np.linalg.eigvalsh(h_np(x_up)).min() < 0 and uphill(x_up)
# independently of the slope formula: a small step along d raises f
assert f_np(x_up + 1e-4 * newton_direction(x_up)) > f_np(x_up)
# on a grid: an uphill plain-Newton direction only where H has a negative eigenvalue
grid = [np.array([a, b]) for a in np.linspace(-1.5, 1.5, 31) for b in np.linspace(-0.5, 2.5, 31)]
ups = [x for x in grid if uphill(x)]
assert ups and all(np.linalg.eigvalsh(h_np(x)).min() < 0 for x in ups)
print(f"{len(ups)} of {len(grid)} grid points have an uphill Newton direction, all where H is indefinite")
fig = P.contour_paths(rb, {f"{s}, damping={d}": r.path for (s, d), r in runs.items()}, xlim=(-1.5, 1.5),
                      ylim=(-0.5, 2.5), minimum=[1, 1], title="Newton on Rosenbrock: plain and damped")
fig

# %% [markdown]
# ## 연습 문제 2: 비선형 켤레 그래디언트(nonlinear conjugate gradient), Fletcher–Reeves와 Polak–Ribière+ 비교
#
# 10차원 로젠브록 함수에서 PR+는 훨씬 적은 반복으로 끝납니다. β_PR = gₖᵀ(gₖ − gₖ₋₁)/‖gₖ₋₁‖²은 연이은 그래디언트가
# 비슷하면 거의 0으로 떨어져 사실상 재시작하는 반면, FR의 ‖gₖ‖²/‖gₖ₋₁‖²은 1 근처에 머물러 짧은 단계 뒤에도 나쁜 옛
# 방향을 그대로 끌고 갑니다(Nocedal & Wright, §5.2).

# %%
r10 = po.functions.rosenbrock(10)
cg = {b: po.minimize(r10, r10.x0, method="cg", options={"beta": b, "maxiter": 20000}) for b in ("fr", "pr+")}
for b, r in cg.items():
    print(f"beta={b}: {r.nit} iterations, {r.nfev} evaluations, f = {r.fun:.1e}")
    assert r.success and np.allclose(r.x, np.ones(10), atol=1e-4)
assert cg["pr+"].nit < cg["fr"].nit

# %% [markdown]
# ## 연습 문제 3: L-BFGS의 메모리
#
# (s, y) 쌍을 더 많이 기억할수록 역헤시안 모델이 좋아져 반복 횟수가 줄지만, 그 효과는 점점 줄어듭니다. 여기서는
# m = 10과 m = 30이 거의 같은 횟수를 쓰고, m = 1은 훨씬 많이 씁니다. 각 실행은 최솟점 (1, …, 1), 그리고 같은 메모리를
# 쓰는 SciPy의 L-BFGS-B(독립적인 구현)와 비교해 확인합니다.

# %%
from scipy.optimize import minimize as sp_minimize   # noqa: E402

nit = {}
for m in (1, 3, 10, 30):
    r = po.minimize(r10, r10.x0, method="lbfgs", options={"m": m, "maxiter": 5000})
    ref = sp_minimize(r10, r10.x0, jac=r10.grad, method="L-BFGS-B", options={"maxcor": m, "maxiter": 5000})
    nit[m] = r.nit
    print(f"m = {m:2d}: {r.nit} iterations (SciPy: {ref.nit})")
    assert r.success and np.allclose(r.x, np.ones(10), atol=1e-3) and np.allclose(ref.x, r.x, atol=1e-3)
assert nit[1] > nit[10] and nit[3] > nit[10]
fig = P.bars({f"m = {m}": n for m, n in nit.items()}, ylabel="iterations", fmt="{:.0f}",
             title="L-BFGS on Rosenbrock(10): memory")
fig
