"""Korean for the colour keys pyoptim.plot.image_grid writes under its grids."""

STRINGS = {
    "lowest value": "가장 작은 값",
    "highest value": "가장 큰 값",
    "negative": "음수",
    "zero": "0",
    "positive": "양수",
}
