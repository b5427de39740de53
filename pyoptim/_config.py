"""``pyoptim.show_config()``: which backend runs the kernels, how the C core was built, what the CPU
picked at run time, and NumPy's BLAS (the numbers to quote in a bug report or a benchmark)."""
import os
import platform
import sys

import numpy as np

from . import kernels
from ._version import __version__
from ._validation import check_choice

DISTRIBUTION = "pyoptim-dlbook"   # the name on PyPI (pip install pyoptim-dlbook); the import name is pyoptim


def _blas() -> list:
    """NumPy's BLAS libraries: threadpoolctl's view where it is installed, else NumPy's build record."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        try:
            blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
            return [{"name": blas.get("name"), "version": blas.get("version"),
                     "source": "numpy.show_config (install threadpoolctl for the threads)"}]
        except Exception:   # NumPy < 1.26 has no mode="dicts"
            return [{"name": "unknown", "source": "see numpy.show_config()"}]
    return [{"name": i.get("internal_api"), "version": i.get("version"), "threads": i.get("num_threads"),
             "architecture": i.get("architecture"), "source": "threadpoolctl"}
            for i in threadpool_info() if i.get("user_api") == "blas"]


def show_config(mode: str = "stdout"):
    """Print (mode="stdout") or return (mode="dicts") how pyoptim runs here.

    Reports the backend (``"c"``: the compiled ``pyoptim._core``; ``"numpy"``: the plain-NumPy twins of
    :mod:`pyoptim._reference`, chosen by ``PYOPTIM_BACKEND=numpy`` or because the C core is not built),
    the compiler and flags the C core was built with, its OpenMP version and thread count, the SIMD
    variant the CPU selected at load time (AVX-512F, AVX2 or the baseline; csrc/compat.h), the BLAS
    NumPy uses (threadpoolctl where installed), and which linear algebra factors Newton's Hessian in
    ``minimize(method="newton")`` (SciPy's LAPACK, numpy.linalg or the own routines; this looks for SciPy).

    Parameters
    ----------
    mode : {"stdout", "dicts"}
        Print a readable report, or return it as a dict.

    Returns
    -------
    dict or None
    """
    check_choice("mode", mode, "stdout", "dicts")
    info = {"pyoptim": {"version": __version__, "distribution": DISTRIBUTION, "path": os.path.dirname(__file__)},
            "backend": kernels.BACKEND,
            "python": f"{platform.python_implementation()} {platform.python_version()} ({sys.platform}, "
                      f"{platform.machine()})",
            "numpy": np.__version__, "blas": _blas()}
    b = kernels.build_info()
    if b is not None:
        info["c_core"] = {"path": b["path"], "compiler": b["compiler"].strip(), "flags": b["flags"],
                          "openmp": b["openmp"], "threads": kernels.get_num_threads(), "simd": b["simd"]}
    else:
        why = ("PYOPTIM_BACKEND=numpy" if os.environ.get("PYOPTIM_BACKEND", "").strip().lower() == "numpy"
               else "the C core is not built: run pip install -e . (needs a C compiler)")
        info["c_core"] = None
        info["numpy_backend"] = {"reason": why, "threads": 1}
    from ._minimize import newton_linalg   # Newton's factorizations (imports SciPy here, if installed: lazily)
    info["newton_linalg"] = newton_linalg()
    if mode == "dicts":
        return info
    lines = [f"pyoptim {__version__} (pip install {DISTRIBUTION}) at {info['pyoptim']['path']}",
             f"backend:   {info['backend']}"]
    c = info["c_core"]
    if c is not None:
        omp = f"{c['openmp']} (threads: {c['threads']})" if c["openmp"] else "not in this build (one thread)"
        lines += [f"C core:    {c['path']}", f"compiler:  {c['compiler']}", f"flags:     {c['flags']}",
                  f"OpenMP:    {omp}", f"SIMD:      {c['simd']}" + (" (chosen at run time)" if c["simd"] in ("avx512f", "avx2", "baseline") else "")]
    else:
        lines += [f"C core:    none ({info['numpy_backend']['reason']})"]
    lines += [f"Newton:    {info['newton_linalg']['auto']} [{info['newton_linalg']['detail']}]"]
    lines += [f"python:    {info['python']}", f"numpy:     {info['numpy']}"]
    for lib in info["blas"] or [{"name": "none found"}]:
        extra = ", ".join(f"{k} {lib[k]}" for k in ("version", "threads", "architecture") if lib.get(k) is not None)
        lines.append(f"BLAS:      {lib['name']}" + (f" ({extra})" if extra else "") + f" [{lib.get('source', '')}]")
    print("\n".join(lines))
    return None
