"""nn.Dropout against the book's keep probability: keep_prob= is the book's reading of p (p = 1 − keep_prob)."""
import numpy as np
import pytest

import pyoptim as po


def test_keep_prob_is_one_minus_p_in_masks_and_outputs():
    x = np.ones((200, 300), np.float64)
    a = po.nn.Dropout(keep_prob=0.8, seed=3)
    b = po.nn.Dropout(p=1.0 - 0.8, seed=3)
    ya, yb = a(x), b(x)
    np.testing.assert_array_equal(ya, yb)
    kept = np.count_nonzero(ya) / ya.size          # independent: count the survivors
    assert abs(kept - 0.8) < 0.01
    np.testing.assert_allclose(ya[ya != 0], 1.0 / 0.8)    # inverted dropout scales by 1/keep_prob
    assert a.keep_prob == pytest.approx(0.8) and a.p == pytest.approx(0.2)


def test_weight_scaling_rule_uses_the_keep_probability():
    d = po.nn.Dropout(keep_prob=0.5, inverted=False, seed=0).eval()
    np.testing.assert_allclose(d(np.full((2, 3), 4.0)), 2.0)


@pytest.mark.parametrize("kwargs, match", [
    (dict(p=0.2, keep_prob=0.8), r"Invalid p, keep_prob: .*one of them, not both"),
    (dict(p=0.5, keep_prob=0.5), r"one of them, not both"),        # even when they agree
    (dict(keep_prob=1.5), r"Invalid keep_prob: 1.5 \(expected a probability in \[0, 1\]\)"),
    (dict(keep_prob=float("nan")), r"Invalid keep_prob"),
    (dict(p=-0.1), r"Invalid p: -0.1 \(expected a probability in \[0, 1\]\)"),
])
def test_exactly_one_of_p_and_keep_prob(kwargs, match):
    with pytest.raises(ValueError, match=match):
        po.nn.Dropout(**kwargs)


def test_the_default_is_still_p_one_half():
    d = po.nn.Dropout()
    assert d.p == 0.5 and type(d.p) is float and d.keep_prob == 0.5
    assert repr(d) == repr(po.nn.Dropout(p=0.5))
