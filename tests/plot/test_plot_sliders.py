"""The sliders of pyoptim.plot.interactive_* can land on every value the notebooks start from and every
value their exercises ask for.

The values are read from the notebooks' sources (notebooks/_src/*.py): the literal arguments of each
``P.interactive_*(...)`` call, and, from the exercise cells, the values an exercise names for a slider.
A value is reachable when it is one of the slider's own positions, computed from the widget
(``min + k*step`` for a FloatSlider, the options of a SelectionSlider), and setting the slider there
redraws the figure at that value.
"""
import ast
import re
from pathlib import Path

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
pytest.importorskip("ipywidgets")

import pyoptim as po  # noqa: E402

P = po.plot
SRC = Path(__file__).resolve().parents[2] / "notebooks" / "_src"
PARAMS = {"interactive_trajectories": ("lr", "momentum", "beta"), "interactive_l2": ("alpha",),
          "interactive_l1": ("alpha",), "interactive_dropout": ("p",), "interactive_continuation": ("sigma",)}


def _exercises(stem: str) -> str:
    text = (SRC / f"{stem}.py").read_text(encoding="utf-8")
    return text[text.index("# ## Exercises"):]


def _notebook_calls():
    """(notebook, function, parameter, value) for every literal slider argument of an interactive_* call."""
    out = []
    for src in sorted(SRC.glob("ch*.py")):
        for node in ast.walk(ast.parse(src.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in PARAMS:
                for kw in node.keywords:
                    if kw.arg in PARAMS[node.func.attr] and isinstance(kw.value, ast.Constant):
                        out.append((src.stem, node.func.attr, kw.arg, float(kw.value.value)))
    return out


def _exercise_values():
    """(notebook, function, parameter, value) that the exercise cells ask for, each read from the text."""
    out = []
    # 8.3 exercise 1: GD diverges above 2/λ_max; momentum α converges below 2(1 + α)/λ_max
    ex = _exercises("ch08_3_sgd_momentum")
    limit = float(re.search(r"ε > 2/λ_max = ([0-9]+(?:\.[0-9]+)?)", ex).group(1))
    alpha = float(re.search(r"momentum α = ([0-9]+(?:\.[0-9]+)?)", ex).group(1))
    lam_max = 2.0 / limit
    theory = 2.0 * (1.0 + alpha) / lam_max
    out += [("ch08_3_sgd_momentum", "interactive_trajectories", "momentum", alpha)]
    out += [("ch08_3_sgd_momentum", "interactive_trajectories", "lr", v)
            for v in (limit, round(theory, 3), round(theory, 3) - 0.001, round(theory, 3) + 0.001)]
    # 8.5 exercise 3: vary β on RMSprop and Adam, down to a short memory for r
    assert "vary β" in _exercises("ch08_5_adaptive")
    out += [("ch08_5_adaptive", "interactive_trajectories", "beta", b) for b in (0.5, 0.9, 0.99, 0.999)]
    # 7.12 exercise 1: p = 0.2
    p = float(re.search(r"with p = ([0-9]+(?:\.[0-9]+)?)", _exercises("ch07_12_dropout")).group(1))
    out += [("ch07_12_dropout", "interactive_dropout", "p", p)]
    # 8.7 exercise 2: sigmas=(1.0, 0.0), and the stages of the main experiment
    ex = _exercises("ch08_7_strategies")
    stages = [float(s) for s in re.search(r"sigmas=\(([^)]*)\)", ex).group(1).split(",")]
    main = (SRC / "ch08_7_strategies.py").read_text(encoding="utf-8")
    stages += [float(s) for s in re.search(r"sigmas = \(([^)]*)\)", main).group(1).split(",")]
    out += [("ch08_7_strategies", "interactive_continuation", "sigma", s) for s in stages]
    # 7.1 exercise 1 (interactive_l2, a rotated H): α = 0 (no penalty, w~ = w*) as the reference
    assert "interactive_l2" in _exercises("ch07_1-3_norm_penalties")
    out += [("ch07_1-3_norm_penalties", "interactive_l2", "alpha", 0.0)]
    return out


def _make(function: str):
    quad = np.diag([1.0, 25.0])
    if function == "interactive_trajectories":
        return P.interactive_trajectories(lambda x: 0.5 * x @ quad @ x, [-1.8, 0.9], grad=lambda x: quad @ x,
                                          steps=5, methods=("GD", "momentum", "RMSprop"))
    if function == "interactive_l2":
        return P.interactive_l2(np.diag([0.6, 5.0]), np.array([2.0, 1.0]))
    if function == "interactive_l1":
        return P.interactive_l1([2.0, -1.0, 0.3], [1.0, 2.0, 1.0])
    if function == "interactive_dropout":
        return P.interactive_dropout(10, 3)
    f = po.functions.bumpy()
    return P.interactive_continuation(f, f.smoothed, x0=float(f.x0[0]), steps=5)


def _positions(slider) -> np.ndarray:
    """Every value the slider's handle can stop at, from the widget's own settings."""
    if hasattr(slider, "options"):
        return np.array([v for _, v in slider.options] if isinstance(slider.options[0], tuple) else slider.options,
                        dtype=float)
    k = np.arange(int(np.floor((slider.max - slider.min) / slider.step + 1e-9)) + 1)
    if hasattr(slider, "base"):                         # FloatLogSlider: min, max and step are exponents
        return slider.base ** (slider.min + k * slider.step)
    return slider.min + k * slider.step


CASES = sorted(set(_notebook_calls() + _exercise_values()))


def test_the_notebooks_use_every_interactive_function_and_the_table_is_read_from_them():
    calls = _notebook_calls()
    assert {f for _, f, _, _ in calls} == set(PARAMS)
    assert ("ch08_3_sgd_momentum", "interactive_trajectories", "lr", 0.08) in CASES
    assert ("ch08_3_sgd_momentum", "interactive_trajectories", "lr", 0.152) in CASES   # 2(1 + 0.9)/25


@pytest.mark.parametrize("notebook, function, name, value", CASES, ids=[f"{c[0][:7]}-{c[2]}={c[3]:g}" for c in CASES])
def test_each_value_is_a_slider_position(notebook, function, name, value):
    inter = _make(function)
    slider = inter.sliders[name]
    pos = _positions(slider)
    assert np.min(np.abs(pos - value)) <= 1e-9 * max(1.0, abs(value)), \
        f"{notebook}: {function}'s {name} slider cannot stop at {value} (positions {pos[:5]}...{pos[-3:]})"
    target = float(pos[np.argmin(np.abs(pos - value))])
    if slider.value == target:                          # move away first, so setting it fires the redraw
        slider.value = float(pos[0] if pos[0] != target else pos[-1])
    slider.value = target                               # what dragging the handle there does
    assert inter.values[name] == pytest.approx(value, abs=1e-9)


def test_a_log_range_keeps_working_and_values_between_choices_are_accepted():
    inter = P.interactive_l2(np.diag([0.6, 5.0]), np.array([2.0, 1.0]), alpha=1.0)
    inter.update(alpha=3.7)                             # scripted: not a slider position, still drawn
    assert inter.sliders["alpha"].value == 3.7 and inter.values["alpha"] == 3.7
    legacy = P.Interactive(lambda fig, x: None, {"x": 0.1}, {"x": (1e-3, 1.0, 0.5, True)}, inter.fig)
    assert legacy.sliders["x"].min == pytest.approx(-3.0) and legacy.sliders["x"].base == 10
