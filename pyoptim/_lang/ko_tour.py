"""Korean for the figure texts of the tour (``python -m pyoptim tour --lang ko``; pyoptim/_tour/)."""

STRINGS = {
    # optimizers: optimizers_quadratic.png (one panel per optimizer) and tour_trajectories.png
    "SGD + momentum": "SGD + 모멘텀(momentum)",
    "Nesterov": "네스테로프 모멘텀(Nesterov)",
    "start": "시작점",
    "momentum 0.8 (30 steps)": "모멘텀 0.8 (30단계)",
    "momentum 0.8 (60 steps)": "모멘텀 0.8 (60단계)",
    "momentum 0.9 (1000 steps)": "모멘텀 0.9 (1000단계)",
    "Rosenbrock (1000 steps)": "로젠브록 함수(Rosenbrock) (1000단계)",
    "Quadratic, condition number 25 (30 steps)": "조건수(condition number) 25인 이차 함수 (30단계)",
    "Quadratic, condition number 25 (60 steps)": "조건수(condition number) 25인 이차 함수 (60단계)",
    # secondorder
    "Book 8.6: gradient descent zig-zags; CG, BFGS and Newton use curvature":
        "책 8.6: 경사 하강법(gradient descent)은 지그재그로 가고, CG·BFGS·뉴턴법(Newton)은 곡률을 이용한다",
    "Second-order methods on Rosenbrock (8.6)": "로젠브록 함수(Rosenbrock)에서의 2차 방법 (8.6)",
    # digits
    "digits: train (solid) vs test (dashed) loss": "숫자 데이터: 학습(실선) 대 테스트(점선) 손실",
    "cross-entropy": "교차 엔트로피(cross-entropy)",
    "SGD train": "SGD 학습",
    "SGD test": "SGD 테스트",
    "SGD + momentum train": "SGD + 모멘텀 학습",
    "SGD + momentum test": "SGD + 모멘텀 테스트",
    "Adam train": "Adam 학습",
    "Adam test": "Adam 테스트",
    "An MLP on the digits (8.1, 8.3, 8.5)": "숫자 데이터에서의 다층 퍼셉트론(MLP) (8.1, 8.3, 8.5)",
    "held-out loss": "검증 손실",
    # regularization: input dropout masks
    "mask": "마스크",
    "masked input\n(ink dark)": "마스크 적용 입력\n(진할수록 잉크)",
    "kept pixel (mask row)": "유지된 픽셀 (마스크 행)",
    "dropped pixel (mask row)": "드롭된 픽셀 (마스크 행)",
    "kept unit": "유지된 유닛",
    "dropped unit": "드롭된 유닛",
    # diagnostics fallback
    "‖Wᵗx‖: vanishing and exploding (8.2.5)": "‖Wᵗx‖: 소멸과 폭발 (8.2.5)",
}

PATTERNS = [
    (r"^First (\d+) steps on an ill-conditioned quadratic \(κ = ([\d.]+)\), book 8\.3 and 8\.5$",
     r"악조건(ill-conditioned) 이차 함수(κ = \2)에서 처음 \1단계 (책 8.3, 8.5)"),
    (r"^after (\d+) steps$", r"\1단계 후"),
    (r"^quadratic n=(\d+) cond=([\d.]+): the runs of the table above$",
     r"이차 함수 n=\1, 조건수 \2: 위 표의 실행들"),
    (r"^Rosenbrock n=(\d+): the runs of the table above$", r"로젠브록 함수 n=\1: 위 표의 실행들"),
    (r"^Early stopping \(book Fig\. 7\.3\), clean labels, seed (\d+)$",
     r"조기 종료(early stopping) (책 그림 7.3), 깨끗한 레이블, 시드 \1"),
    (r"^Early stopping \(book Fig\. 7\.3\), (\d+)% wrong labels, seed (\d+)$",
     r"조기 종료(early stopping) (책 그림 7.3), 레이블 \1% 오류, 시드 \2"),
    (r"^example (\d+)$", r"예제 \1"),
    (r"^Input dropout at the first training step \(drop p = ([\d.]+), dropped here: ([\d.]+)\)$",
     r"첫 학습 단계의 입력 드롭아웃(dropout) (드롭 확률 p = \1, 실제 드롭 비율: \2)"),
    (r"^Hidden dropout masks \(p = ([\d.]+)\)$", r"은닉층 드롭아웃(dropout) 마스크 (p = \1)"),
    (r"^(\d+) examples x (\d+) of (\d+) units$", r"예제 \1개 × 유닛 \3개 중 \2개"),
]
