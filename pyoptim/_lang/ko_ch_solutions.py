"""Korean for the figure texts of the worked solutions (notebooks/solutions/ko/), one section per notebook.

The texts a solution shares with its lesson are in the lesson's catalog (``ko_<lesson>.py``). This module
is named to sort before ``ko_plot.py``: its PATTERNS are tried before that module's generic
``"<label> (<n> steps)"`` pattern, so a whole path label is translated, not only its step count.
"""

STRINGS = {
    # ch07_12_dropout, exercise 3
    "largest column norm": "가장 큰 열 노름",
    "Dropout at ε = 0.3: max-norm keeps the weights bounded": "ε = 0.3에서의 드롭아웃: 최대 노름 제약이 가중치를 묶어 둔다",
    "dropout": "드롭아웃",
    "dropout + MaxNorm(3)": "드롭아웃 + MaxNorm(3)",
    "dropout + MaxNorm(2)": "드롭아웃 + MaxNorm(2)",
    # ch07_13-14_adversarial_tangent, exercise 1
    "FGSM at the training ε and beyond": "학습 때의 ε과 그보다 큰 ε에서의 FGSM 공격",
    "FGSM ε": "FGSM의 ε",
    # ch07_4-7_noise_augmentation_multitask, exercise 1 (bar labels "<run>\n<test set>", translated line by line)
    "no noise": "잡음 없음",
    "hidden noise": "은닉 유닛 잡음",
    "input noise": "입력 잡음",
    "Noise on hidden units vs inputs": "은닉 유닛에 넣은 잡음과 입력에 넣은 잡음",
    # ch07_8_early_stopping
    "L2 in place of early stopping": "조기 종료 대신 L2",
    "early stopping (restored)": "조기 종료 (복원한 가중치)",
    "same epochs (Algorithm 7.2)": "같은 에폭 수 (알고리즘 7.2)",
    "same updates": "같은 갱신 횟수",
    "(mean of 3 sets)": "(데이터 3묶음 평균)",
    "Retraining on all the labelled data": "레이블이 있는 데이터 전체로 다시 학습",
    "Only ετ matters": "중요한 것은 ετ뿐",
    # ch07_9-11_sharing_sparsity_ensembles, exercise 1
    "eq. 7.50 with the measured v, c": "측정한 v, c를 넣은 식 7.50",
    "measured E[(mean error of k)²]": "측정한 E[(k개 평균 오차)²]",
    "ensemble 0-1 error": "앙상블의 0-1 오차",
    "k (members)": "k (구성원 수)",
    "error": "오차",
    "Bagged networks: eq. 7.50 and the ensemble's error": "배깅한 신경망: 식 7.50과 앙상블의 오차",
    # ch08_1_learning_vs_optimization, exercise 3
    "measured (4000 minibatches)": "측정값 (미니배치 4000개)",
    "σ/√m (with replacement)": "σ/√m (복원 추출)",
    "standard error": "표준 오차",
    "Finite-population correction, n = 512": "유한 모집단 보정, n = 512",
    # ch08_2_challenges
    "Full-batch training at ε = 0.5": "ε = 0.5에서의 전체 배치 학습",
    "ε = 0.5, momentum 0.5": "ε = 0.5, 모멘텀 0.5",
    "Gradient descent from the saddle's stable line": "안장점의 안정 직선에서 출발한 경사 하강법",
    # ch08_3_sgd_momentum, exercise 2
    "1/√k decays too slowly": "1/√k는 너무 천천히 줄어든다",
    # ch08_4_initialization
    "rms of activations": "활성값의 RMS",
    "ReLU net: He keeps the scale": "ReLU 신경망: He 초기화는 스케일을 유지한다",
    "He normal": "He 정규 분포",
    "orthogonal, gain 1": "직교, 이득 1",
    "Gradient norm through 20 × Wᵀ": "Wᵀ를 20번 거친 그래디언트의 노름",
    "tanh net: gain 1 decays": "tanh 신경망: 이득 1이면 줄어든다",
    # ch08_5_adaptive, exercise 1
    "step t": "단계 t",
    "target c_t": "목표 c_t",
    "A moving minimum: AdaGrad falls behind": "움직이는 최솟점: AdaGrad는 뒤처진다",
    # ch08_6_second_order
    "Newton on Rosenbrock: plain and damped": "로젠브록 함수에서의 뉴턴법: 순수한 단계와 감쇠한 단계",
    "iterations": "반복 횟수",
    "L-BFGS on Rosenbrock(10): memory": "로젠브록(10)에서의 L-BFGS: 메모리",
    # ch08_7_strategies
    "Polyak average": "폴랴크 평균",
    "exponential average, decay 0.99": "지수 이동 평균, 감쇠율 0.99",
    "Polyak against exponential averaging": "폴랴크 평균과 지수 이동 평균",
    "two stages end": "두 단계의 끝",
    "Batch norm with sigmoid and with ReLU (ε = 0.5 unless named)": "시그모이드와 ReLU에서의 배치 정규화 (따로 적지 않으면 ε = 0.5)",
    "Sigmoid": "시그모이드",
    "Sigmoid, batch norm": "시그모이드, 배치 정규화",
    "ReLU, batch norm": "ReLU, 배치 정규화",
    "frozen": "고정",
    "not frozen": "고정하지 않음",
    "from scratch": "처음부터 학습",
    "Pretraining variants against training from scratch": "사전 학습의 변형들과 처음부터의 학습",
}

PATTERNS = [
    # ch08_2_challenges, exercise 2: contour_paths labels "from (x, y) (<n> steps)"
    (r"^from \((.+)\) \((\d+) steps?\)$", r"(\1)에서 출발 (\2단계)"),
    # ch08_7_strategies, the pretraining bars
    (r"^fine-tune (\d+)$", r"미세 조정 \1 에폭"),
    (r"^(\d+) epochs$", r"\1 에폭"),
]
