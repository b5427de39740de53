"""Korean for the figure texts of notebooks/ch07_8_early_stopping."""

STRINGS = {
    "Early stopping (book Fig. 7.3)": "조기 종료 (책 그림 7.3)",
    # Algorithms 7.2 / 7.3
    "Algorithm 7.1 (75% of the data)": "알고리즘 7.1 (데이터의 75%)",
    "Algorithm 7.2 (retrain on all)": "알고리즘 7.2 (전체로 다시 학습)",
    "Algorithm 7.3 (continue on all)": "알고리즘 7.3 (전체로 이어서 학습)",
    "Retraining with the validation data": "검증 데이터까지 써서 다시 학습하기",
    "test accuracy": "테스트 정확도",
    # eq. 7.40-7.45
    "Kept fraction: 1 − (1 − ελ)^τ  vs  λ/(λ + α)": "남는 비율: 1 − (1 − ελ)^τ 대 λ/(λ + α)",
    "eigenvalue λ of H": "H의 고윳값 λ",
    "fraction of w* kept": "w*가 남는 비율",
}

PATTERNS = [
    (r"^labelled set (\d+)$", r"레이블 데이터 \1"),
    (r"^early stopping, τ = (\S+), ε = (\S+)$", r"조기 종료, τ = \1, ε = \2"),
]
