"""Korean for the figure texts of notebook ch08_2_challenges."""
import re

STRINGS = {
    # 8.2.1 Fig. 8.1 at the edge of stability
    "gᵀg and gᵀHg (book Fig. 8.1)": "gᵀg와 gᵀHg (책 그림 8.1)",
    # Hessian spectra
    "at initialization": "초기화 시점",
    "after training": "학습 후",
    # 8.2.3 saddle
    "Newton": "뉴턴법",
    "saddle-free Newton (|H|)": "안장점 없는 뉴턴법 (|H|)",
    "Newton is attracted to the saddle of x² − y²": "뉴턴법은 x² − y²의 안장점으로 끌려간다",
    # 8.2.3 plateau
    "f(w) = ½(1 − σ(w))²": "f(w) = ½(1 − σ(w))²",
    "|f′(w)|": "|f′(w)|",
    "A plateau: flat, but no stationary point (log scale)": "고원: 평평하지만 정류점은 없다 (로그 눈금)",
    "steps counted (pyoptim SGD, ε = 1)": "센 단계 수 (pyoptim SGD, ε = 1)",
    "∫ dw / (ε|f′(w)|) (gradient flow)": "∫ dw / (ε|f′(w)|) (그래디언트 흐름)",
    "depth of the start in the plateau, −w₀": "고원 속 출발점의 깊이, −w₀",
    "steps to reach w = 0": "w = 0에 이르는 단계 수",
    "Crossing time grows like 1/|f′|": "건너는 시간은 1/|f′|처럼 커진다",
    # 8.2.4 cliff
    "plain gradient step": "보통의 경사 단계",
    "clipped to norm 1": "노름 1로 클리핑",
    "A cliff: plain vs clipped gradient steps (book Fig. 8.3)": "절벽: 보통의 경사 단계 대 클리핑한 단계 (책 그림 8.3)",
    # 8.2.5
    "‖Wᵗx‖: vanishing (|λ| < 1) and exploding (|λ| > 1)": "‖Wᵗx‖: 소실 (|λ| < 1)과 폭발 (|λ| > 1)",
    # 8.2.6
    "closed form ½Σ εσ²/(2 − ελ)": "닫힌 형식 ½Σ εσ²/(2 − ελ)",
    "measured: mean f over 38 000 SGD steps": "측정: SGD 38 000단계에 걸친 f의 평균",
    "ε·σ²": "ε·σ²",
    "mean f at stationarity": "정상 상태에서 f의 평균",
    "Noisy gradients: SGD settles in an ε·σ² neighbourhood": "잡음 섞인 그래디언트: SGD는 ε·σ² 근방에 머문다",
    # 8.2.7
    "GD, wrong side": "경사 하강법, 반대편",
    "L-BFGS, wrong side": "L-BFGS, 반대편",
    "GD, right side": "경사 하강법, 올바른 편",
    "Local descent follows the local slope (book 8.2.7)": "국소적 하강은 국소적 기울기를 따른다 (책 8.2.7)",
    # texts of po.plot.sharpness / po.plot.power_norms this notebook shows (not in ko_plot.py)
    "t (number of steps)": "t (단계 수)",
    "Repeated multiplication by W": "W를 거듭 곱하기",
}

PATTERNS = [
    # the Hessian-spectrum legend: "<label>: λ ∈ [a, b], N negative" with this notebook's labels
    (r"^at initialization: λ ∈ \[(.+)\], (\d+) negative$", r"초기화 시점: λ ∈ [\1], 음수 \2개"),
    (r"^after training: λ ∈ \[(.+)\], (\d+) negative$", r"학습 후: λ ∈ [\1], 음수 \2개"),
    (r"^at initialization: λ ∈ \[(.+)\], κ = (.+)$", r"초기화 시점: λ ∈ [\1], κ = \2"),
    (r"^after training: λ ∈ \[(.+)\], κ = (.+)$", r"학습 후: λ ∈ [\1], κ = \2"),
    (r"^(.+) \(curvature along g\)$", r"\1 (g 방향의 곡률)"),
    (r"^(.+) \(Lanczos\)$", r"\1 (란초스)"),
]

# po.plot.contour_paths appends " (N steps)" to each path's label: the Korean label with the count
for _en, _ko in [("Newton", "뉴턴법"), ("saddle-free Newton (|H|)", "안장점 없는 뉴턴법 (|H|)"),
                 ("gradient descent", "경사 하강법"), ("plain gradient step", "보통의 경사 단계"),
                 ("clipped to norm 1", "노름 1로 클리핑"), ("GD, wrong side", "경사 하강법, 반대편"),
                 ("L-BFGS, wrong side", "L-BFGS, 반대편"), ("GD, right side", "경사 하강법, 올바른 편")]:
    PATTERNS.append((r"^" + re.escape(_en) + r" \((\d+) steps?\)$", _ko + r" (\1단계)"))
