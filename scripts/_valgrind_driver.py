"""Driver for scripts/valgrind.sh: call every kernel of pyoptim.kernels on a few valid inputs (small
shapes, with NaN/inf/denormals, plus one large shape for the OpenMP path) and on a few invalid ones
(each raising from the argument checks), so that memcheck sees every wrapper's success and error paths.
"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "_support"))
import kernel_registry as kr  # noqa: E402

from pyoptim import kernels  # noqa: E402


def _bad_variants(values):
    """float16 for each array argument in turn, and a list in place of the first one."""
    out = []
    for k, v in values.items():
        if isinstance(v, np.ndarray):
            b = dict(values)
            b[k] = v.astype(np.float16) if v.dtype.kind == "f" else v.astype(np.float64)
            out.append(b)
            if len(out) == 1:
                b = dict(values)
                b[k] = v.tolist()
                out.append(b)
    return out


def main():
    n_ok = n_err = 0
    names = kr.kernel_names()
    with np.errstate(all="ignore"):
        for name in names:
            fn = getattr(kernels, name)
            calls = kr.sample_calls(name, 6)[2:] + kr.sample_calls(name, 2, big=True)[-1:]
            for i, c in enumerate(calls):
                for vals in [c] + (_bad_variants(c) if i < 2 else []):
                    try:
                        kr.call(fn, {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in vals.items()})
                        n_ok += 1
                    except Exception:  # noqa: BLE001 - error paths are exercised on purpose
                        n_err += 1
    print(f"valgrind driver: {len(names)} kernels, {n_ok} successful calls, {n_err} raising calls")


if __name__ == "__main__":
    main()
