"""Korean for the figure texts of notebook ch08_3_sgd_momentum."""
import re

STRINGS = {
    # 8.3.1 schedules
    "constant ε = 0.1": "일정한 ε = 0.1",
    "book's linear decay to 0.01 at τ = 500": "책의 선형 감소 (τ = 500에서 0.01까지)",
    "ε_k = ε₀ / (1 + k/10)": "ε_k = ε₀ / (1 + k/10)",
    "step k": "단계 k",
    "E f(θ_k) − f*": "E f(θ_k) − f*",
    "SGD on a noisy quadratic: schedules": "잡음 섞인 2차 함수에서의 SGD: 학습률 스케줄",
    # 8.3.2 momentum
    "Momentum on an ill-conditioned quadratic (book Fig. 8.5)": "악조건 2차 함수에서의 모멘텀 (책 그림 8.5)",
    "gradient descent": "경사 하강법",
    "tuned momentum": "조율된 모멘텀",
    "‖θ_k − θ*‖": "‖θ_k − θ*‖",
}

PATTERNS = [
    (r"^Convergence rate, κ = (.+)$", r"수렴 속도, κ = \1"),
    # po.plot.interactive_trajectories: its title and the methods' legend entries
    (r"^ε = (.+), momentum = (.+), β = (.+)$", r"ε = \1, 모멘텀 = \2, β = \3"),
    (r"^GD \((\d+) steps?\)$", r"경사 하강법 (\1단계)"),
    (r"^momentum \((\d+) steps?\)$", r"모멘텀 (\1단계)"),
    (r"^Nesterov \((\d+) steps?\)$", r"네스테로프 (\1단계)"),
]

# po.plot.contour_paths appends " (N steps)" to each path's label: the Korean label with the count
for _en, _ko in [("gradient descent, ε = 0.072", "경사 하강법, ε = 0.072"),
                 ("momentum α = 0.8, ε = 0.02", "모멘텀 α = 0.8, ε = 0.02"),
                 ("Nesterov α = 0.8, ε = 0.02", "네스테로프 α = 0.8, ε = 0.02")]:
    STRINGS[_en] = _ko
    PATTERNS.append((r"^" + re.escape(_en) + r" \((\d+) steps?\)$", _ko + r" (\1단계)"))
