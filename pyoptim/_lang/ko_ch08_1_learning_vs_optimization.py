"""Korean for the figure texts of notebook ch08_1_learning_vs_optimization."""

STRINGS = {
    # 8.1.1
    "Width 64 on 300 digits: train vs held-out": "숫자 300개에 폭 64: 학습 대 보류 데이터",
    # 8.1.2
    "NLL (surrogate, minimized)": "NLL (대리 손실, 최소화 대상)",
    "training 0-1 error": "학습 0-1 오차",
    "gradient step": "경사 단계",
    "loss / error": "손실 / 오차",
    "Separable data: the NLL keeps falling at 0 error": "분리 가능한 데이터: 오차가 0이어도 NLL은 계속 감소",
    # 8.1.3 batch-size trade-offs
    "largest stable ε (measured)": "안정적인 최대 ε (측정)",
    "2/λ_max (full batch, theory)": "2/λ_max (전체 배치, 이론)",
    "Small batches need a smaller ε": "작은 배치에는 더 작은 ε이 필요",
    "Newton step H⁻¹g: measured": "뉴턴 단계 H⁻¹g: 측정",
    "√(tr(H⁻¹SH⁻¹)/m)": "√(tr(H⁻¹SH⁻¹)/m)",
    "gradient step εg: measured": "경사 단계 εg: 측정",
    "ε√(tr Σ/m)": "ε√(tr Σ/m)",
    "RMS error of the step": "단계 오차의 RMS",
    "Second-order steps amplify the sampling noise": "2차 방법의 단계는 표본 잡음을 증폭",
    # po.plot.gradient_noise's own texts (not in ko_plot.py)
    "std of the gradient estimate": "그래디언트 추정값의 표준편차",
    "Minibatch gradient noise": "미니배치 그래디언트의 잡음",
    "σ/√m (slope −½)": "σ/√m (기울기 −½)",
    # 8.1.3 minibatches and parallelism
    "examples seen": "처리한 예제 수",
    "excess loss J(w) − J(w*)": "초과 손실 J(w) − J(w*)",
    "Linear scaling: batch k·b with rate k·ε": "선형 스케일링: 배치 k·b, 학습률 k·ε",
    "serial SGD (1 thread)": "직렬 SGD (스레드 1개)",
    "Lock-free SGD on a sparse problem": "희소 문제에서 잠금 없는 SGD",
}

PATTERNS = [
    (r"^measured \(fitted slope (.+)\)$", r"측정 (맞춘 기울기 \1)"),
    (r"^batch (\d+), ε = (.+)$", r"배치 \1, ε = \2"),
    (r"^Hogwild! \((\d+) threads\)$", r"Hogwild! (스레드 \1개)"),
]
