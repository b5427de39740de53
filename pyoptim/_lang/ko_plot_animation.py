"""Korean for the texts pyoptim.plot.animate_paths writes into its frames."""

STRINGS: dict = {}

PATTERNS = [
    (r"^step (\d+)$", r"\1단계"),
]
