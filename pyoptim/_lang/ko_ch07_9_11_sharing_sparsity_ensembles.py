"""Korean for the figure texts of notebooks/ch07_9-11_sharing_sparsity_ensembles."""

STRINGS = {
    # 7.10
    "hidden activation h": "은닉 활성값 h",
    "Activation sparsity with an L1 penalty on h": "h에 L1 페널티를 걸었을 때 활성값의 희소성",
    # 7.11
    "ensemble of the first k members": "처음 k개 구성원의 앙상블",
    "member k alone": "k번째 구성원 혼자",
    "test error": "테스트 오차",
    "Bagging: error vs number of members (500 digits)": "배깅: 구성원 수에 따른 오차 (숫자 500개)",
}

PATTERNS = [
    # pyoptim.plot.histograms writes the share of exact zeros after each name
    (r"^(.*) \((\d+(?:\.\d+)?)% zeros\)$", r"\1 (0인 값 \2%)"),
]
