"""The C core's module-level contract: threads setting and the kernels namespace."""
import inspect

import numpy as np
import pytest

import pyoptim
from pyoptim import _reference, kernels


def test_threads_roundtrip():
    pyoptim.set_num_threads(1)
    assert pyoptim.get_num_threads() == 1
    with pytest.raises(ValueError, match="n"):
        pyoptim.set_num_threads(0)


def test_every_kernel_has_signature_doc_and_twin():
    for name in kernels.__all__:
        fn = getattr(kernels, name)
        inspect.signature(fn)  # raises if no __text_signature__
        assert fn.__doc__ and len(fn.__doc__) > 40, name
        if name not in ("set_num_threads", "get_num_threads"):
            assert hasattr(_reference, name), f"pyoptim._reference has no twin for {name}"
