"""The one validation module (constraint objects in scikit-learn's manner), the one Parameter rule and the
one train/eval mode context manager."""
import math

import numpy as np
import pytest

import pyoptim as po
from pyoptim._internal.modes import mode
from pyoptim._internal.params import is_parameter, param_data
from pyoptim._validation import (Integral, Interval, Options, Real, StrOptions, check, check_choice, check_finite,
                                 check_hyper, check_int, check_seed)


@pytest.mark.parametrize("constraint, text", [
    (Interval(Integral, 1, None, closed="left"), "an integer >= 1"),
    (Interval(Integral, 0, 10, closed="both"), "an integer in [0, 10]"),
    (Interval(Real, 0, None, closed="neither", finite=True), "a finite number > 0"),
    (Interval(Real, 0, 1, closed="left"), "a number in [0, 1)"),
    (Interval(Real, None, 5, closed="neither"), "a number < 5"),
    (StrOptions("min", "max"), "'min' or 'max'"),
    (StrOptions("a", "b", "c"), "'a', 'b' or 'c'"),
    (Options(None, "strong_wolfe"), "None or 'strong_wolfe'"),
])
def test_each_constraint_writes_its_part_of_the_one_message(constraint, text):
    with pytest.raises(ValueError) as info:
        check("x", object(), constraint) if not isinstance(constraint, Interval) or constraint.type is not Real \
            else check("x", math.nan, constraint)
    assert str(info.value).endswith(f"(expected {text})")
    assert str(info.value).startswith("Invalid x: ")


def test_check_converts_and_allows_none_when_asked():
    assert check("n", np.int64(3), Interval(Integral, 1, None)) == 3
    assert type(check("n", np.int64(3), Interval(Integral, 1, None))) is int
    assert check("b", None, None, Interval(Integral, 1, None)) is None
    with pytest.raises(ValueError, match=r"^Invalid b: 0 \(expected None or an integer >= 1\)$"):
        check("b", 0, None, Interval(Integral, 1, None))
    with pytest.raises(ValueError, match=r"^Invalid b: 0 \(expected something else\)$"):
        check("b", 0, Interval(Integral, 1, None), expected="something else")


def test_strict_int_and_bool_refused():
    assert check_int("k", 2, 1, strict=True) == 2
    for bad in (True, np.int64(2)):
        with pytest.raises(ValueError, match=r"expected an integer >= 1"):
            check_int("k", bad, 1, strict=True)
    with pytest.raises(ValueError):
        check_int("k", np.bool_(True), 0)


def test_check_finite_keeps_the_value_as_given_in_the_message():
    assert check_finite("a", np.float32(2.5), 0, closed="neither") == 2.5
    with pytest.raises(ValueError, match=r"^Invalid a: -1 \(expected a finite number >= 0\)$"):
        check_finite("a", -1, 0)
    with pytest.raises(ValueError, match=r"^Invalid a: '-1' \(expected a finite number >= 0\)$"):
        check_finite("a", "-1", 0, coerce=True)
    with pytest.raises(TypeError):
        check_finite("a", None, 0)             # a non-number: the TypeError its comparison raises


def test_check_choice_and_check_hyper_and_seed():
    assert check_choice("mode", "max", "min", "max") == "max"
    with pytest.raises(ValueError, match=r"^Invalid mode: 'mean' \(expected 'min' or 'max'\)$"):
        check_choice("mode", "mean", "min", "max")
    assert check_hyper("lr", np.array(0.5), lo=0.0, lo_open=True) == 0.5
    with pytest.raises(ValueError, match=r"^Invalid lr: 0.0 \(expected a value in \(0.0, inf\]\)$"):
        check_hyper("lr", 0.0, lo=0.0, lo_open=True)
    assert po.optim.optimizer.check_hyper is check_hyper     # the old home still answers
    assert check_seed(np.uint64(2**64 - 1)) == 2**64 - 1 and isinstance(check_seed(None), int)
    with pytest.raises(ValueError, match=r"^Invalid seed: -1 \(expected None or an integer in \[0, 2\*\*64\)\)$"):
        check_seed(-1)


def test_one_parameter_rule_everywhere():
    class Like:       # parameter-like: torch-style .data and .grad
        def __init__(self, a):
            self.data, self.grad = a, np.zeros_like(a)

    p = Like(np.array([[3.0, -4.0]]))
    assert is_parameter(p) and not is_parameter(np.ones(2)) and param_data(p) is p.data
    assert is_parameter(po.nn.Parameter(np.ones(2)))
    # the optimizer, the penalty and the Hessian-vector helpers all take it as a parameter
    p.grad[...] = [[1.0, 1.0]]
    po.optim.SGD([p], lr=0.5).step()
    np.testing.assert_array_equal(p.data, [[2.5, -4.5]])
    assert po.regularizers.L2(2.0).penalty([p]) == pytest.approx(0.5 * 2.0 * (2.5 ** 2 + 4.5 ** 2))
    np.testing.assert_array_equal(po.diagnostics.flatten([p, np.ones(1)]), [2.5, -4.5, 1.0])


def test_the_mode_manager_restores_each_modules_own_mode_even_on_error():
    model = po.nn.Sequential(po.nn.Dense(2, 2), po.nn.Dropout(0.5, seed=0), po.nn.ReLU())
    model.train()
    model[1].eval()                                  # mixed modes
    before = [m.training for m in model.modules()]
    with pytest.raises(RuntimeError):
        with mode(model, training=False) as m:
            assert m is model and not any(x.training for x in model.modules())
            raise RuntimeError
    assert [m.training for m in model.modules()] == before
    with mode(model, training=True):
        assert all(x.training for x in model.modules())
    assert [m.training for m in model.modules()] == before
