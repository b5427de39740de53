"""Source of notebooks/ko/ch08_6_second_order.ipynb (Korean edition; build: python notebooks/_build.py)."""
# %%
import importlib.util, subprocess, sys; importlib.util.find_spec("pyoptim") or subprocess.check_call([sys.executable, "-m", "pip", "install", "-q", "pyoptim-dlbook[hosted]"])  # hosted notebooks (Colab): install pyoptim

# %% [markdown]
# # 8.6 근사 2차 방법
#
# *Deep Learning* 8.6절: 뉴턴 방법(Newton's method, 8.6.1, 알고리즘 8.8), 켤레 그래디언트(conjugate
# gradients, 8.6.2, 알고리즘 8.9), BFGS와 L-BFGS(8.6.3)를 다룹니다. 방법마다 아이디어, NumPy 구현,
# pyoptim, 그림, `assert`를 차례로 봅니다.
#
# | 책 | pyoptim |
# |---|---|
# | 뉴턴 θ ← θ − H⁻¹g, 규제(regularization)를 더한 H + αI | `po.minimize(f, x0, method="newton", options={"damping": α})` |
# | 안장점 회피 뉴턴(saddle-free Newton, \|H\|) | `options={"saddle_free": True}` (노트북 8.2) |
# | 선형 CG (헤시안(Hessian)-벡터 곱을 쓰는 헤시안 프리(Hessian-free) 방법) | `po.linear_cg(A_or_matvec, b)`, `method="newton-cg"` |
# | 비선형 CG, Fletcher–Reeves / Polak–Ribière | `method="cg", options={"beta": "fr" \| "pr+"}` |
# | BFGS, L-BFGS (메모리 m) | `method="bfgs"`, `method="lbfgs", options={"m": 10}` |
# | 그림을 그리기 위한 반복값(iterate)들 | `options={"return_path": True}` → `result.path` |

# %%
import numpy as np
import pyoptim as po

P = po.plot
SEED = 0

# %% [markdown]
# ## 8.6.1 뉴턴 방법
#
# 뉴턴 방법은 국소 이차 모델의 최솟값으로 곧장 건너뜁니다: θ* = θ₀ − H⁻¹∇J(θ₀) (책 식 8.27). 이차
# 함수에서는 이 모델이 정확하므로, 조건수(condition number)가 아무리 나빠도 **단 한 번**의 단계로
# 최솟값에 도달합니다:

# %%
f = po.functions.quadratic(n=10, cond=1000.0, seed=SEED)
x0 = f.x0
x1 = x0 - np.linalg.solve(f.hess(x0), f.grad(x0))          # NumPy: one Newton step
assert np.allclose(x1, f.xmin, atol=1e-10)
res = po.minimize(f, x0, method="newton")
print(f"pyoptim newton: {res.nit} iteration(s), |x − x*| = {np.abs(res.x - f.xmin).max():.1e}")
assert res.nit == 1 and np.allclose(res.x, f.xmin, atol=1e-10)

# %% [markdown]
# 이차 함수가 아니면 뉴턴 방법도 몇 단계가 필요하고, 경사 하강법(gradient descent)은 훨씬 많은 단계가
# 필요합니다. 로젠브록(Rosenbrock)의 바나나 함수에서 보겠습니다:

# %%
rb = po.functions.rosenbrock(2)
paths = {m: po.minimize(rb, rb.x0, method=m, options={"return_path": True, "maxiter": 200 if m == "gd" else 100}).path
         for m in ("gd", "newton", "bfgs")}
# one panel per method: all three follow the same curved valley, on top of each other in one panel
fig = P.path_panels(rb, {"gradient descent + line search": paths["gd"], "Newton": paths["newton"],
                         "BFGS": paths["bfgs"]}, xlim=(-1.6, 1.6), ylim=(-0.6, 1.6), levels=np.geomspace(0.05, 500, 14),
                    minimum=rb.xmin, title="Rosenbrock from (−1.2, 1)")
fig

# %% [markdown]
# ## 8.6.2 켤레 그래디언트
#
# 정확한 선 탐색(line search)을 쓰는 최급강하법(steepest descent)에서는 새 방향이 언제나 바로 앞 방향과
# 직교하므로 지그재그로 움직입니다. 켤레 그래디언트는 H에 대해 서로 켤레인(dᵢᵀHdⱼ = 0) 방향을 고르며,
# n차원 이차 함수에서는 최대 n단계 안에 최솟값에 도달합니다. NumPy로 쓴 선형 CG입니다:

# %%
def cg_numpy(A, b, iters):
    x = np.zeros(len(b))
    r = b - A @ x
    p = r.copy()
    path = [x.copy()]
    for _ in range(iters):
        Ap = A @ p
        a = (r @ r) / (p @ Ap)
        x = x + a * p
        r_new = r - a * Ap
        p = r_new + (r_new @ r_new) / (r @ r) * p
        r = r_new
        path.append(x.copy())
    return np.array(path)


n = 20
q = po.functions.quadratic(n=n, cond=10.0, seed=SEED)
A, b = q.H, q.b
mine = cg_numpy(A, b, n)
res = po.linear_cg(A, b, tol=1e-8, return_path=True)       # stop at ‖r‖ ≤ 1e-8‖b‖
print(f"pyoptim linear_cg: {res.nit} iterations for n = {n}, residual {res.residual:.1e}")
assert res.nit <= n and np.allclose(res.x, np.linalg.solve(A, b), atol=1e-8)        # at most n iterations
assert np.allclose(res.path, mine[: len(res.path)], atol=1e-8)                      # the same iterates
assert np.linalg.norm(A @ mine[n] - b) < 1e-8 * np.linalg.norm(b)

# %% [markdown]
# "최대 n단계"는 정확한 산술에서만 성립합니다. 부동소수점에서는 반올림 오차가 방향들의 켤레성을 조금씩
# 무너뜨리므로, 조건수가 클수록 CG는 n보다 몇 단계 더 필요합니다:

# %%
resid = {}
for cond in (10.0, 100.0, 1000.0):
    qc = po.functions.quadratic(n=n, cond=cond, seed=SEED)
    rc = po.linear_cg(qc.H, qc.b, tol=1e-10, return_path=True)
    resid[f"κ = {cond:g} ({rc.nit} iterations)"] = [np.linalg.norm(qc.b - qc.H @ x) / np.linalg.norm(qc.b)
                                                   for x in rc.path]
fig = P.curves(resid, xlabel="iteration", ylabel="relative residual ‖b − Ax‖/‖b‖", logy=True,
               title=f"Linear CG, n = {n}")
fig.axes[0].axvline(n, color="black", ls=":", lw=1)
fig

# %% [markdown]
# 헤시안 프리 방법: CG에는 H 자체가 필요 없고 곱 Hv만 있으면 됩니다. 신경망이라면 예를 들어
# `po.diagnostics.hvp`로 구합니다. 여기서는 행렬-벡터 곱(matvec)을 계산하는 호출 가능 객체를 넘깁니다:

# %%
res_free = po.linear_cg(lambda v: A @ v, b, tol=1e-8)
assert np.allclose(res_free.x, res.x)

# %% [markdown]
# 2차원 이차 함수(조건수 10)에서 본 지그재그: 선 탐색을 쓰는 최급강하법과 비선형 CG(여기서는 정확한 선
# 탐색을 쓰면 선형 CG와 같으므로 두 단계면 끝납니다)를 비교합니다.

# %%
q2 = po.functions.quadratic(n=2, cond=10.0, seed=3)
gd_path = po.minimize(q2, q2.x0, method="gd", options={"return_path": True, "maxiter": 30}).path
cg_path = po.minimize(q2, q2.x0, method="cg", options={"return_path": True}).path
lo = np.minimum(gd_path.min(0), q2.xmin) - 0.5
hi = np.maximum(gd_path.max(0), q2.xmin) + 0.5
fig = P.contour_paths(q2, {"steepest descent": gd_path, "conjugate gradients": cg_path}, xlim=(lo[0], hi[0]),
                      ylim=(lo[1], hi[1]), minimum=q2.xmin, title="Steepest descent zig-zags, CG does not")
fig

# %%
assert len(cg_path) - 1 <= 3 and np.allclose(cg_path[-1], q2.xmin, atol=1e-5)
assert len(gd_path) - 1 > 5

# %% [markdown]
# ## 8.6.3 BFGS와 L-BFGS
#
# BFGS는 그래디언트의 변화 s = Δθ, y = Δg로부터 H⁻¹의 근사를 쌓아 갑니다. L-BFGS는 마지막 m개의 쌍만
# 보관합니다(메모리가 O(n²) 대신 O(mn)). 최적점 근처에서 수렴은 *초선형(superlinear)*입니다. 즉 비율
# ‖g_{k+1}‖/‖g_k‖가 0으로 가는 반면, 경사 하강법의 비율은 어떤 상수 근처에 머뭅니다.

# %%
norms = {}
for m in ("gd", "cg", "bfgs", "lbfgs", "newton"):
    r = po.minimize(rb, rb.x0, method=m, options={"return_path": True, "gtol": 1e-10, "maxiter": 80})
    norms[m] = np.array([np.linalg.norm(rb.grad(x)) for x in r.path])
fig = P.curves(norms, xlabel="iteration k", ylabel="‖∇f(θ_k)‖", logy=True,
               title="Gradient norm on Rosenbrock, every method")
fig

# %%
ratios = norms["bfgs"][-5:] / norms["bfgs"][-6:-1]
print("BFGS ‖g_{k+1}‖/‖g_k‖ at the end:", np.round(ratios, 4))
assert np.all(ratios < 0.1)                                          # superlinear
gd_ratios = norms["gd"][-20:] / norms["gd"][-21:-1]
assert np.median(gd_ratios) > 0.5 and norms["gd"][-1] > 1e-3        # GD: linear at best, far from done

# %% [markdown]
# ## 선 탐색: d 방향으로 얼마나 갈 것인가
#
# 위의 모든 방법은 방향 d를 고른 뒤 그 방향으로 갈 보폭 α를 정합니다. 선 탐색은 *충분한 감소*
# 조건 f(θ + αd) ≤ f(θ) + c₁α∇f'd를 만족하는 α를 찾습니다. 강한 울프 조건(strong Wolfe conditions)을
# 쓴다면 기울기도 충분히 작아야 합니다: |∇f(θ + αd)'d| ≤ c₂|∇f'd|. pyoptim에는 세 가지 선 탐색이 있으며, 모두 C로
# 구현되어 모든 방법이 함께 씁니다: `"strong-wolfe"`(Nocedal & Wright 알고리즘 3.5–3.6,
# torch.optim.LBFGS의 방식), `"more-thuente"`(Moré & Thuente 1994, scipy의 BFGS와 L-BFGS-B가 쓰는 방식),
# `"backtracking"`(아르미호(Armijo) 조건만 확인). 아래 그림은 Moré & Thuente 논문의 첫 번째 시험 함수
# φ(α) = −α/(α² + 2)에서, α₀ = 0.001부터 시작해 각 선 탐색이 평가하는 시도 보폭들을 보여 줍니다.

# %%
K = po.kernels


def phi(x):
    a = x[0]
    return -a / (a * a + 2.0), np.array([(a * a - 2.0) / (a * a + 2.0) ** 2])


trials, found = {}, {}
for kind in ("strong-wolfe", "more-thuente", "backtracking"):
    seen = []

    def rec(x):
        seen.append(float(x[0]))
        return phi(x)
    f0, g0 = phi(np.zeros(1))
    out = K.line_search(rec, np.zeros(1), np.ones(1), f0, g0, t=1e-3, kind=kind, c1=1e-3, c2=0.1)
    trials[kind], found[kind] = seen, out
fig, ax = P.figure((6.5, 3.8))
with P.style():
    a = np.geomspace(1e-4, 30, 400)
    ax.plot(a, [phi([v])[0] for v in a], color="0.4", lw=1.5, label="φ(α)")
    for i, (kind, seen) in enumerate(trials.items()):
        line, = ax.plot(seen, [phi([v])[0] for v in seen], "o--", ms=5, lw=0.8, alpha=0.85,
                        label=f"{kind}: {len(seen)} evaluation(s), α = {found[kind][0]:.3g}")
        ax.plot(found[kind][0], phi([found[kind][0]])[0], "*", ms=14, color=line.get_color())
    ax.set_xscale("log")
    ax.set_xlabel("α (log scale)")
    ax.set_ylabel("φ(α)")
    ax.set_title("Trial steps of three line searches on Moré & Thuente's φ₁ (★ accepted)")
    ax.legend(fontsize=8, loc="lower left")
fig

# %% [markdown]
# 백트래킹은 f를 충분히 줄이는 첫 번째 α에서 멈추는데, 여기서는 α₀ 자체입니다. 아주 작은 보폭도 아르미호
# 검사는 통과하기 때문입니다. 이런 보폭을 걸러 내는 것이 곡률 조건이며, 그래서 s = αd와 y = Δ∇f로부터
# 갱신을 배우는 준뉴턴(quasi-Newton) 방법들은 울프 탐색을 씁니다.

# %%
t_mt, f_mt, _, g_mt, nfev_mt, outcome = found["more-thuente"]
assert outcome == 0 and nfev_mt == 6 and round(t_mt, 1) == 1.4          # the paper's Table I
assert f_mt <= f0 + 1e-3 * t_mt * g0[0] and abs(g_mt[0]) <= 0.1 * abs(g0[0])
t_bt, f_bt = found["backtracking"][:2]
assert f_bt <= f0 + 1e-3 * t_bt * g0[0]                                  # Armijo only

# %% [markdown]
# 선 탐색은 한 방법의 계산 비용의 절반을 차지합니다. scipy의 설정(`line_search="more-thuente"`,
# `init_step="quadratic"`, `h0="identity"`)을 쓰면 pyoptim의 BFGS는 scipy의 BFGS가 평가하는 바로 그
# 점들을 평가합니다. 이 문제 하나에서는 그 설정이 pyoptim의 기본값(강한 울프 조건, 첫 보폭 1, y's/y'y로
# 크기를 맞춘 H₀)보다 평가 횟수가 적지만, `benchmarks/bench_secondorder.py`의 32개 문제 전체에서는
# 기하 평균으로 기본값의 평가 횟수가 더 적습니다(benchmarks/README.md 참고).

# %%
evals = {}
for name, opts in {"strong Wolfe (default)": {}, "Moré–Thuente": {"line_search": "more-thuente"},
                   "scipy's BFGS settings": {"line_search": "more-thuente", "init_step": "quadratic",
                                             "h0": "identity"},
                   "backtracking": {"line_search": "backtracking"}}.items():
    evals[name] = po.minimize(rb, rb.x0, method="bfgs", options={**opts, "maxiter": 5000}).nfev
fig = P.bars(evals, ylabel="evaluations of f and ∇f", fmt="{:.0f}",
             title="BFGS on Rosenbrock from (−1.2, 1), by line search")
fig

# %%
assert max(evals.values()) < 200

# %% [markdown]
# ## 연습 문제
#
# 1. 로젠브록 함수에서 (−1.2, 1)과 (0, 2)로부터 `method="newton"`을 `damping=0`으로, 그리고 기본값
#    `"auto"`로 실행해 보세요. 평범한 뉴턴 단계는 언제 오르막으로 갈까요?
# 2. `po.functions.rosenbrock(10)`에서 `method="cg"`의 `beta="fr"`과 `beta="pr+"`를 비교해 보세요.
# 3. `lbfgs`에서 메모리 m을 {1, 3, 10, 30}으로 바꿔 보세요. 각각 몇 번의 반복이 필요할까요?
