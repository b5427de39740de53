"""The C core's module-level contract: threads setting and the kernels namespace."""
import inspect
import re

import pytest

import pyoptim
from pyoptim import _reference, kernels


def test_threads_roundtrip():
    pyoptim.set_num_threads(1)
    assert pyoptim.get_num_threads() == 1
    with pytest.raises(ValueError, match="n"):
        pyoptim.set_num_threads(0)


def test_every_kernel_has_signature_doc_and_twin():
    """The one signature/twin check: every kernel has a text signature, a twin in pyoptim._reference with
    the same parameters in the same order, and (C core) a docstring with a Raises section and a reference
    (the book's section or the paper/library it follows)."""
    for name in kernels.__all__:
        fn = getattr(kernels, name)
        inspect.signature(fn)  # raises if no __text_signature__
        assert fn.__doc__ and len(fn.__doc__) > 40, name
        if name in ("set_num_threads", "get_num_threads"):
            continue
        assert hasattr(_reference, name), f"pyoptim._reference has no twin for {name}"
        twin = getattr(_reference, name)
        assert list(inspect.signature(fn).parameters) == list(inspect.signature(twin).parameters), name
        if inspect.isbuiltin(fn):   # the C core (the twins document themselves)
            assert "Raises" in fn.__doc__, f"{name}: says nothing of its errors"
            assert re.search(r"[Bb]ook|torch|SciPy|scipy|Nocedal|Algorithm|et al|\(\d{4}\)", fn.__doc__), \
                f"{name}: no reference"
