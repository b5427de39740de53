"""pyoptim._validation: the shared argument checks and their one message format."""
import math

import numpy as np
import pytest

from pyoptim._validation import check_float_dtype, check_int, check_nonneg


@pytest.mark.parametrize("value", [3, np.int64(3), np.uint8(3)])
def test_check_int_accepts_python_and_numpy_integers(value):
    out = check_int("n", value, 1)
    assert out == 3 and type(out) is int


@pytest.mark.parametrize("value", [True, 0, -1, 2.0, "3", None, np.float64(3)])
def test_check_int_refuses_the_rest_naming_the_argument(value):
    with pytest.raises(ValueError, match=r"^Invalid n: .* \(expected an integer >= 1\)$"):
        check_int("n", value, 1)


@pytest.mark.parametrize("value, expected", [(0, 0.0), (2, 2.0), (np.float32(0.5), 0.5), ("1.5", 1.5)])
def test_check_nonneg_returns_a_float(value, expected):
    out = check_nonneg("alpha", value)
    assert out == expected and type(out) is float


@pytest.mark.parametrize("value", [-1e-300, math.inf, math.nan, -math.inf])
def test_check_nonneg_refuses_negative_and_nonfinite(value):
    for type_error in (False, True):
        with pytest.raises(ValueError, match=r"^Invalid alpha: .* \(expected a finite number >= 0\)$"):
            check_nonneg("alpha", value, type_error=type_error)


def test_check_nonneg_non_number_error_type():
    with pytest.raises(ValueError, match="Invalid gain"):
        check_nonneg("gain", "big")
    with pytest.raises(TypeError, match="Invalid gain"):
        check_nonneg("gain", [1.0], type_error=True)


def test_check_float_dtype():
    assert check_float_dtype("float32") == np.float32 and check_float_dtype(np.float64) == np.float64
    assert check_float_dtype(None, allow_none=True) is None
    with pytest.raises(ValueError, match=r"expected float32 or float64\)$"):
        check_float_dtype(np.int32)
    with pytest.raises(ValueError, match=r"expected float32, float64 or None\)$"):
        check_float_dtype(np.float16, allow_none=True)
    assert check_float_dtype(None) == np.float64     # NumPy's reading of dtype=None
