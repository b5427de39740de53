"""Korean for the figure texts of notebook ch08_4_initialization."""

STRINGS = {
    # the activation-statistics figure: legend entries and title
    "N(0, 0.01²)": "N(0, 0.01²)",
    "Glorot uniform": "Glorot 균등 분포",
    "orthogonal, gain 5/3": "직교, 이득 5/3",
    "He normal (meant for ReLU)": "He 정규 분포 (ReLU용)",
    "tanh net, width 256: activation std by layer": "tanh 신경망, 폭 256: 층별 활성값 표준편차",
    # po.plot.activation_stats's own texts (not in ko_plot.py)
    "std of activations": "활성값의 표준편차",
    "Activations through depth, per initialization": "초기화 방법별, 깊이에 따른 활성값",
}

PATTERNS = []
