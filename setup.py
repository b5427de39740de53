"""Build pyoptim's C core, ``pyoptim._core``, from ``csrc/*.c`` against the NumPy C API.

Flags, and why (see ../shared/PERF.md for the measurements behind them):

* ``-O3`` explicitly: setuptools inherits the interpreter's CFLAGS, which may be ``-O2``, and GCC 12's
  ``-O2`` barely vectorizes.
* ``-fno-math-errno``: with errno semantics GCC will not vectorize any loop containing ``sqrt``
  (Adam, AdaGrad, RMSProp would run 3-4x below memory bandwidth). It changes nothing else we rely on.
* never ``-ffast-math``: it implies finite-math (NaN checks vanish) and, at link time, sets
  flush-to-zero for the whole Python process.
* ``-fopenmp``: large arrays are split across cores with ``schedule(static)`` chunks on 64-byte
  boundaries, so results do not depend on the thread count.
* no ``-march=native`` by default (the wheel must run anywhere); ``PYOPTIM_NATIVE=1`` opts in.
* ``PYOPTIM_SANITIZE=1`` builds with AddressSanitizer and UndefinedBehaviorSanitizer
  (run the tests with the ASan runtime preloaded: see ``scripts/sanitize.sh``).
* ``PYOPTIM_OPENMP=0`` builds without OpenMP (one thread everywhere).

NumPy >= 2 is needed at build time; ``NPY_TARGET_VERSION`` makes the extension import on every runtime
NumPy from 1.25 on.
"""
import glob
import os

import numpy as np
from setuptools import Extension, setup

sources = sorted(glob.glob(os.path.join("csrc", "*.c")))
depends = sorted(glob.glob(os.path.join("csrc", "*.h")))

compile_args = ["-std=c11", "-O3", "-fno-math-errno", "-fno-trapping-math", "-Wall", "-Wextra",
                "-Wno-unused-parameter", "-Wno-missing-field-initializers", "-Wno-cast-function-type"]
link_args = []

if os.environ.get("PYOPTIM_OPENMP", "1") != "0":
    compile_args.append("-fopenmp")
    link_args.append("-fopenmp")

if os.environ.get("PYOPTIM_NATIVE") == "1":
    compile_args.append("-march=native")

if os.environ.get("PYOPTIM_SANITIZE") == "1":
    san = ["-fsanitize=address,undefined", "-fno-omit-frame-pointer", "-fno-sanitize-recover=undefined"]
    compile_args = [a for a in compile_args if a != "-O3"] + ["-O1", "-g"] + san
    link_args += san

core = Extension(
    "pyoptim._core",
    sources=sources,
    depends=depends,
    include_dirs=[np.get_include(), "csrc"],
    define_macros=[
        ("NPY_NO_DEPRECATED_API", "NPY_1_25_API_VERSION"),
        ("NPY_TARGET_VERSION", "NPY_1_25_API_VERSION"),
    ],
    extra_compile_args=compile_args,
    extra_link_args=link_args,
)

setup(ext_modules=[core])
