"""Korean for the figure texts of notebooks/ch08_5_adaptive (8.5, adaptive learning rates)."""

STRINGS = {
    # AdaGrad's rates
    "θ₁ (low curvature)": "θ₁ (곡률이 작음)",
    "θ₂ (high curvature)": "θ₂ (곡률이 큼)",
    "effective rate ε/(δ + √r)": "실제 학습률 ε/(δ + √r)",
    "AdaGrad: per-parameter effective rates": "AdaGrad: 매개변수별 실제 학습률",
    # Algorithm 8.6
    "RMSProp (Alg. 8.5)": "RMSProp (알고리즘 8.5)",
    "RMSProp + Nesterov (Alg. 8.6)": "RMSProp + 네스테로프 (알고리즘 8.6)",
    "f(θ)": "f(θ)",
    "The same ε goes much further with momentum": "같은 ε이라도 모멘텀을 쓰면 훨씬 멀리 간다",
    # 8.5.4, every optimizer
    "momentum": "모멘텀",
    "Every optimizer, 50 steps, on one quadratic": "하나의 이차 함수에서 모든 옵티마이저, 50단계",
    "held-out loss": "검증 손실",
    "Every optimizer on the digits (64-64-10 MLP)": "숫자(digits) 데이터에서 모든 옵티마이저 (64-64-10 MLP)",
    # AdaDelta and NAdam
    "AdaDelta (no ε)": "AdaDelta (ε 없음)",
    "AdaDelta and NAdam beside RMSProp and Adam on the quadratic":
        "이차 함수에서 RMSProp, Adam과 나란히 본 AdaDelta와 NAdam",
    "With AdaDelta and NAdam, on the digits": "AdaDelta와 NAdam을 더해, 숫자(digits) 데이터에서",
}

PATTERNS = [
    # contour_paths writes "<name> (<n> steps)"; these names need translating too
    (r"^RMSProp \(Alg\. 8\.5\) \((\d+) steps?\)$", r"RMSProp (알고리즘 8.5) (\1단계)"),
    (r"^RMSProp \+ Nesterov \(Alg\. 8\.6\) \((\d+) steps?\)$", r"RMSProp + 네스테로프 (알고리즘 8.6) (\1단계)"),
    (r"^momentum, ε = ([^,]+),? \((\d+) steps?\)$", r"모멘텀, ε = \1 (\2단계)"),
    (r"^momentum, ε = (.+)$", r"모멘텀, ε = \1"),
]
