"""The C wrappers' argument parsing (csrc/bind_args.h po_parse / po_parse_tuple): a number argument that
CPython's converters refuse is named in the error, with the exception type CPython raises (TypeError for
a wrong type, OverflowError beyond the C type); other parse errors keep CPython's own message.
The strict hostile tables (tests/_support/hostile.py, kind "hyper_str") check every kernel's optional
numbers; these cases cover the integer units, the positional-only wrappers and an unnamed format."""
import numpy as np
import pytest

from pyoptim import kernels

pytestmark = pytest.mark.c_only   # the messages of the C wrappers

P, G = np.zeros(3), np.ones(3)

CASES = [
    (lambda: kernels.sgd_step(P.copy(), G, None, lr=0.1, momentum="x"), TypeError,
     r"^sgd_step\(\): argument 'momentum' must be a real number, got str$"),
    (lambda: kernels.sgd_step(P.copy(), G, None, lr=0.1, dampening=None), TypeError,
     r"argument 'dampening' must be a real number, got NoneType"),
    (lambda: kernels.max_norm(np.ones((2, 2)), max_value=1.0, axis="a"), TypeError,
     r"^max_norm\(\): argument 'axis' must be an integer, got str$"),
    (lambda: kernels.max_norm(np.ones((2, 2)), max_value=1.0, axis=2**40), OverflowError,
     r"^max_norm\(\): argument 'axis' is out of range for a C int, got 1099511627776$"),
    (lambda: kernels.lbfgs_two_loop(P.copy(), G, np.zeros((2, 3)), np.zeros((2, 3)), np.zeros(2),
                                    newest=0, count=2.5, gamma=1.0), TypeError,
     r"argument 'count' must be an integer, got float"),
    (lambda: kernels.grad_norm([G], "x"), TypeError, r"^grad_norm\(\): argument 'norm_type' must be a real"),
    (lambda: kernels.scale_arrays([P.copy()], "y"), TypeError, r"^scale_arrays\(\): argument 'factor'"),
    (lambda: kernels.clamp_arrays([P.copy()], None), TypeError, r"^clamp_arrays\(\): argument 'clip_value'"),
    (lambda: kernels.logistic_value_and_grad(np.zeros(3), np.zeros(3), np.zeros((2, 3)), np.zeros(2), l2="a"),
     TypeError, r"argument 'l2' must be a real number, got str"),
]


@pytest.mark.parametrize("call, exc, match", CASES, ids=range(len(CASES)))
def test_a_refused_number_is_named(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


def test_other_parse_errors_keep_cpythons_message():
    with pytest.raises(TypeError, match="'bogus' is an invalid keyword argument for sgd_step"):
        kernels.sgd_step(P.copy(), G, None, lr=0.1, bogus=1)
    with pytest.raises(TypeError, match=r"takes at most 3 positional arguments \(4 given\)"):
        kernels.sgd_step(P.copy(), G, None, 0.1)
