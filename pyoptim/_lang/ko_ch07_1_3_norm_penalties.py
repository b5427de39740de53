"""Korean for the figure texts of notebooks/ch07_1-3_norm_penalties (and the pyoptim.plot texts its figures show)."""

STRINGS = {
    # pyoptim.plot.l2_picture / interactive_l2 (book Fig. 7.1)
    "L2 regularization (book Fig. 7.1)": "L2 규제 (책 그림 7.1)",
    "$w^*$ (minimum of J)": "$w^*$ (J의 최솟점)",
    "contours of J": "J의 등고선",
    "contours of ½‖w‖²": "½‖w‖²의 등고선",
    r"$\tilde w(\alpha)$, α: 0 → ∞": r"$\tilde w(\alpha)$: α를 0에서 ∞까지",
    # pyoptim.plot.l1_path / interactive_l1
    "L1 path: weights vs α": "L1 경로: α에 따른 가중치",
    "penalty strength α": "페널티 강도 α",
    "weight $w_i$": "가중치 $w_i$",
    "non-zeros": "0이 아닌 개수",
    "$w^*$ (unregularized)": "$w^*$ (규제 없음)",
    "weight index i": "가중치 번호 i",
    # 7.2 max-norm
    "Max-norm constraint, applied after every step": "매 단계 뒤에 적용한 최대 노름(max-norm) 제약",
    "largest column norm ‖W[:, j]‖": "가장 큰 열 노름 ‖W[:, j]‖",
    "no constraint": "제약 없음",
    # 7.2 Lagrangian
    "Constrained minimum on the ball ½‖w‖² ≤ k": "공 ½‖w‖² ≤ k 위의 제약 있는 최솟점",
    "descent–ascent on L(θ, α)": "L(θ, α)에 대한 하강–상승",
    "projected gradient descent": "투영 경사 하강법",
    "closed form": "닫힌 형태",
    "α rises while Ω > k, falls while Ω < k": "Ω > k이면 α가 오르고, Ω < k이면 내려간다",
    "α* (closed form)": "α* (닫힌 형태)",
    "Each penalty α is a constraint Ω ≤ k(α)": "페널티 α 하나는 제약 Ω ≤ k(α) 하나",
    "constraint size k": "제약 크기 k",
    "k(α) = Ω(θ̃(α)) of the penalized minimum": "페널티 최솟점의 k(α) = Ω(θ̃(α))",
    "α found by descent–ascent for k": "k에 대해 하강–상승이 찾은 α",
    # 7.3
    "Separable data: ‖w‖ grows without a penalty": "분리 가능한 데이터: 페널티가 없으면 ‖w‖가 계속 커진다",
    "gradient step": "경사 하강 단계",
    "no penalty": "페널티 없음",
}

PATTERNS = [
    (r"^descent–ascent on L\(θ, α\) \((\d+) steps?\)$", r"L(θ, α)에 대한 하강–상승 (\1단계)"),
    (r"^projected gradient descent \((\d+) steps?\)$", r"투영 경사 하강법 (\1단계)"),
    (r"^(\d+) of (\d+) weights exactly zero$", r"가중치 \2개 중 \1개가 정확히 0"),
    (r"^\$w\$, L1 with α = (\S+)$", r"$w$, L1 규제 α = \1"),
    (r"^Ω\(θ_t\) from α₀ = (\S+)$", r"Ω(θ_t), α₀ = \1에서 시작"),
    (r"^α_t from α₀ = (\S+)$", r"α_t, α₀ = \1에서 시작"),
]

STRINGS.update({
    "projected gd": "사영 경사 하강법",
    "Projected gradient descent in a box (7.2)": "상자 안의 사영 경사 하강법 (7.2)",
    "the box": "상자 (제약 영역)",
})
PATTERNS.append((r"^projected gd \((\d+) steps?\)$", r"사영 경사 하강법 (\1단계)"))
