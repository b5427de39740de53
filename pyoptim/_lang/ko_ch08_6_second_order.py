"""Korean for the figure texts of notebooks/ch08_6_second_order (8.6, approximate second-order methods)."""

STRINGS = {
    # 8.6.1
    "Rosenbrock from (−1.2, 1)": "(−1.2, 1)에서 출발한 로젠브록 함수",
    # 8.6.2
    "iteration": "반복",
    "relative residual ‖b − Ax‖/‖b‖": "상대 잔차 ‖b − Ax‖/‖b‖",
    "Steepest descent zig-zags, CG does not": "최급강하법은 지그재그로 가고, CG는 그렇지 않다",
    # 8.6.3
    "iteration k": "반복 k",
    "‖∇f(θ_k)‖": "‖∇f(θ_k)‖",
    "Gradient norm on Rosenbrock, every method": "로젠브록 함수에서 모든 방법의 그래디언트 노름",
    # line searches
    "φ(α)": "φ(α)",
    "α (log scale)": "α (로그 눈금)",
    "Trial steps of three line searches on Moré & Thuente's φ₁ (★ accepted)":
        "Moré & Thuente의 φ₁에서 세 가지 선 탐색의 시도 보폭 (★ 채택)",
    "strong Wolfe (default)": "강한 울프 조건 (기본값)",
    "Moré–Thuente": "Moré–Thuente",
    "scipy's BFGS settings": "scipy BFGS의 설정",
    "backtracking": "백트래킹",
    "evaluations of f and ∇f": "f와 ∇f의 평가 횟수",
    "BFGS on Rosenbrock from (−1.2, 1), by line search": "(−1.2, 1)에서 출발한 로젠브록 함수의 BFGS, 선 탐색별",
}

PATTERNS = [
    # contour_paths writes "<name> (<n> steps)"; these names need translating too
    (r"^gradient descent \+ line search \((\d+) steps?\)$", r"경사 하강법 + 선 탐색 (\1단계)"),
    (r"^Newton \((\d+) steps?\)$", r"뉴턴 (\1단계)"),
    (r"^steepest descent \((\d+) steps?\)$", r"최급강하법 (\1단계)"),
    (r"^conjugate gradients \((\d+) steps?\)$", r"켤레 그래디언트 (\1단계)"),
    (r"^κ = (\S+) \((\d+) iterations?\)$", r"κ = \1 (반복 \2번)"),
    (r"^Linear CG, n = (\d+)$", r"선형 CG, n = \1"),
    (r"^strong-wolfe: (\d+) evaluation\(s\), α = (.+)$", r"strong-wolfe: 평가 \1번, α = \2"),
    (r"^more-thuente: (\d+) evaluation\(s\), α = (.+)$", r"more-thuente: 평가 \1번, α = \2"),
    (r"^backtracking: (\d+) evaluation\(s\), α = (.+)$", r"backtracking: 평가 \1번, α = \2"),
]
