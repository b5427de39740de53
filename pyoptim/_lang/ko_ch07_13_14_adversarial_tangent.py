"""Korean for the figure texts of notebooks/ch07_13-14_adversarial_tangent (bar labels are
"<model>\n<test set>", translated line by line)."""

STRINGS = {
    # 7.13 adversarial training
    "Clean vs adversarial accuracy": "깨끗한 예제와 적대적 예제에서의 정확도",
    "standard": "일반 학습",
    "adversarial training": "적대적 학습",
    "clean": "깨끗한 테스트",
    "test accuracy": "테스트 정확도",
    "FGSM on the digits": "숫자 데이터에 대한 FGSM",
    "perturbation": "교란",
    # 7.14 tangent prop
    "Digits and the tangent vectors of shifts and rotation (red +, blue −)":
        "숫자와, 이동·회전의 접선 벡터 (빨강 +, 파랑 −)",
    "image": "이미지",
    "tangent dx": "접선 dx",
    "tangent dy": "접선 dy",
    "tangent rot": "접선 rot",
    "Tangent prop on 300 digits": "숫자 300개에서의 접선 전파",
    "tangent prop": "접선 전파",
    "shifted 1 px": "1픽셀 이동",
    # tangent-distance classifier
    "Nearest neighbour under tangent distance": "접선 거리로 찾는 최근접 이웃",
    "Euclidean 1-NN": "유클리드 거리 1-NN",
    "tangent-distance 1-NN": "접선 거리 1-NN",
    # manifold tangent classifier
    "Learned tangents (red +, blue −)": "학습된 접선 (빨강 +, 파랑 −)",
}

PATTERNS = [
    (r"^FGSM ε=(\S+)$", r"FGSM 공격 ε=\1"),
    (r"^clean: (\S+)$", r"원본: \1"),
    (r"^adv: predicted (\S+)$", r"적대적: 예측 \1"),
    (r"^learned tangent (\d+)$", r"학습된 접선 \1"),
]
