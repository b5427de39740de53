"""Korean for the figure texts of notebooks/ch08_7_strategies (8.7, optimization strategies)."""

STRINGS = {
    # 8.7.1 batch normalization
    "plain": "기본 신경망",
    "batch norm": "배치 정규화",
    "training loss": "학습 손실",
    "3 sigmoid layers, each at its best SGD rate": "시그모이드 3층, 각자 가장 좋은 SGD 학습률",
    # 8.7.2 coordinate descent
    "α = 0.02: a slow staircase (20 sweeps)": "α = 0.02: 느린 계단 (20회 순회)",
    "α = 1: converged after a few sweeps": "α = 1: 몇 번의 순회로 수렴",
    # 8.7.3 Polyak averaging
    "last iterate": "마지막 반복값",
    "Polyak average (from step 100)": "폴랴크 평균 (100단계부터)",
    "E f(θ) − f*": "E f(θ) − f*",
    "SGD with a constant rate on a noisy quadratic": "잡음이 있는 이차 함수에서 학습률이 일정한 SGD",
    # 8.7.4, 8.7.5
    "plain, 16 hidden layers": "평범한 신경망, 은닉층 16개",
    "residual, 16 blocks": "잔차 신경망, 블록 16개",
    "Skip connections aid optimization (8.7.5)": "스킵 연결은 최적화를 돕는다 (8.7.5)",
    "greedy pretraining\n+ fine-tuning": "탐욕적 사전 학습\n+ 미세 조정",
    "from scratch\n(same epochs)": "처음부터 학습\n(같은 에폭 수)",
    "Supervised pretraining, 3 sigmoid layers, 400 labels (8.7.4)": "지도 사전 학습, 시그모이드 3층, 레이블 400개 (8.7.4)",
    "test accuracy (mean of 3 seeds)": "테스트 정확도 (시드 3개 평균)",
    # 8.7.6 continuation (texts plot.continuation and plot.interactive_continuation write)
    "f (σ = 0)": "f (σ = 0)",
    "continuation path": "연속 방법의 경로",
    "objective": "목적 함수",
    "Continuation: smoothing removes local minima": "연속 방법: 평활화가 국소 최솟값을 없앤다",
    "plain descent ends": "평범한 경사 하강법의 끝",
    "start x₀": "시작점 x₀",
    # curriculum learning
    "random order": "무작위 순서",
    "curriculum": "커리큘럼",
    "Curriculum learning": "커리큘럼 학습",
    "SGD steps (the same for both)": "SGD 단계 수 (두 순서가 같음)",
}

PATTERNS = [
    (r"^plain, ε = (.+)$", r"기본 신경망, ε = \1"),
    (r"^batch norm, ε = (.+)$", r"배치 정규화, ε = \1"),
    # contour_paths writes "<name> (<n> steps)"
    (r"^coordinate descent \((\d+) steps?\)$", r"좌표 하강법 (\1단계)"),
    (r"^Gaussian smoothing, σ = (.+)$", r"가우스 평활화, σ = \1"),
    (r"^clean labels: mean of (\d+) seeds, best ε each$", r"깨끗한 레이블: 시드 \1개 평균, 각자 가장 좋은 ε"),
    (r"^(\d+)% wrong labels: mean of (\d+) seeds, best ε each$", r"틀린 레이블 \1%: 시드 \2개 평균, 각자 가장 좋은 ε"),
    (r"^descent on \$f_\\sigma\$ from (.+)$", r"$f_\\sigma$에서 \1부터 경사 하강"),
]
