"""Korean for the figure texts of notebooks/ch07_12_dropout (and the pyoptim.plot texts its figures show)."""

STRINGS = {
    # pyoptim.plot.dropout_masks / interactive_dropout
    "mask sample": "마스크 표본",
    "unit": "유닛",
    # the digits experiment
    "Dropout on 300 digits": "숫자 300개에서의 드롭아웃",
    "no dropout": "드롭아웃 없음",
    "test accuracy": "테스트 정확도",
    "100 digits, 1024 hidden units (mean of 3 seeds)": "숫자 100개, 은닉 유닛 1024개 (시드 3개 평균)",
}

PATTERNS = [
    (r"^Dropout masks \(white = kept\), dropped: (\S+) \(p = (\S+)\)$",
     r"드롭아웃 마스크 (흰색 = 유지), 버려진 비율: \1 (p = \2)"),
    (r"^dropout p = (\S+)$", r"드롭아웃 p = \1"),
    (r"^MC average, k = (\d+)$", r"MC 평균, k = \1"),
]
