"""Korean for the colour keys pyoptim.plot.image_grid writes under its grids."""

STRINGS = {
    "lowest value": "가장 작은 값",
    "highest value": "가장 큰 값",
    "negative": "음수",
    "zero": "0",
    "positive": "양수",
}

# the shared key of plot.path_panels
STRINGS.update({
    "start": "시작점",
    "end": "끝점",
    # the key beside plot.dropout_masks' (k, n) masks
    "kept unit": "유지된 유닛",
    "dropped unit": "드롭된 유닛",
})
