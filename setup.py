"""Build pyoptim's C core, ``pyoptim._core``, from ``csrc/*.c`` against the NumPy C API.

Flags, and why (see benchmarks/README.md for the measurements behind them):

* ``-O3`` explicitly: setuptools inherits the interpreter's CFLAGS, which may be ``-O2``, and GCC 12's
  ``-O2`` barely vectorizes.
* ``-fno-math-errno``: with errno semantics GCC will not vectorize any loop containing ``sqrt``
  (Adam, AdaGrad, RMSProp would run 3-4x below memory bandwidth). It changes nothing else we rely on.
* never ``-ffast-math``: it implies finite-math (NaN checks vanish) and, at link time, sets
  flush-to-zero for the whole Python process.
* ``-fopenmp``: large arrays are split across cores with ``schedule(static)`` chunks on 64-byte
  boundaries, so results do not depend on the thread count. The build first compiles and links a tiny
  OpenMP program with the chosen compiler (the constructs csrc/ uses); when that fails (Debian's clang
  without libomp-dev, Apple clang without libomp) it prints a notice and builds serially.
* no ``-march=native`` by default (the wheel must run anywhere; csrc/compat.h compiles the hot loops
  for AVX-512/AVX2/baseline and the CPU picks one at load time); ``PYOPTIM_NATIVE=1`` opts in.
* ``PYOPTIM_SANITIZE=1`` builds with AddressSanitizer and UndefinedBehaviorSanitizer
  (run the tests with the ASan runtime preloaded: see ``scripts/sanitize.sh``).
* ``PYOPTIM_OPENMP=0`` builds without OpenMP (one thread everywhere).
* MSVC gets the equivalent ``/O2 /std:c11`` flags (written for it, not tested here).

Works without a compiler: when the C core cannot be built, the build prints a notice and installs the
package without it; ``import pyoptim`` then runs on the NumPy twins (``pyoptim._reference``) with a
``PerformanceWarning``. ``PYOPTIM_REQUIRE_C=1`` turns that into a build error (CI, wheels).

NumPy >= 2 is needed at build time; ``NPY_TARGET_VERSION`` makes the extension import on every runtime
NumPy from 1.25 on.
"""
import glob
import os
import shutil
import sys
import tempfile

import numpy as np
from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

GNU_ARGS = ["-std=c11", "-O3", "-fno-math-errno", "-fno-trapping-math", "-Wall", "-Wextra",
            "-Wno-unused-parameter", "-Wno-missing-field-initializers", "-Wno-cast-function-type"]
MSVC_ARGS = ["/std:c11", "/O2", "/fp:precise", "/W3"]

# The OpenMP constructs csrc/ uses (parallel for simd over size_t with an if(parallel:) clause, simd
# reductions, omp_get_thread_num): a compiler that builds this builds the core with OpenMP.
OMP_PROBE = r"""
#include <omp.h>
#include <stddef.h>
int main(void)
{
    double a[64] = {0}, s = 0.0;
    size_t n = 64;
#pragma omp parallel for simd schedule(static) num_threads(2) if(parallel: n >= 32)
    for (size_t i = 0; i < n; i++) a[i] = (double)i;
#pragma omp simd reduction(+ : s)
    for (size_t i = 0; i < n; i++) s += a[i];
    return (s == 2016.0 && omp_get_thread_num() == 0) ? 0 : 1;
}
"""


def _notice(msg: str) -> None:
    bar = "*" * 78
    print(f"\n{bar}\npyoptim: {msg}\n{bar}\n", file=sys.stderr, flush=True)


class OptionalBuildExt(build_ext):
    """build_ext that probes OpenMP and, when the C core cannot be built, skips it with a notice."""

    def _openmp_flags(self, msvc: bool):
        """(compile, link) flags for OpenMP that compile and link the probe, or None."""
        if os.environ.get("PYOPTIM_OPENMP", "1") == "0":
            return None
        candidates = [(["/openmp:llvm"], [])] if msvc else [(["-fopenmp"], ["-fopenmp"])]
        if sys.platform == "darwin":   # Apple clang: libomp from Homebrew
            candidates.append((["-Xpreprocessor", "-fopenmp"], ["-lomp"]))
        tmp = tempfile.mkdtemp(prefix="pyoptim-omp-")
        try:
            src = os.path.join(tmp, "omp_probe.c")
            with open(src, "w") as f:
                f.write(OMP_PROBE)
            for cflags, lflags in candidates:
                try:
                    objs = self.compiler.compile([src], output_dir=tmp, extra_postargs=cflags)
                    self.compiler.link_executable(objs, "omp_probe", output_dir=tmp, extra_postargs=lflags)
                    return cflags, lflags
                except Exception:   # CompileError, LinkError, a missing compiler
                    continue
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        return None

    def build_extensions(self):
        msvc = self.compiler.compiler_type == "msvc"
        cargs, largs = list(MSVC_ARGS if msvc else GNU_ARGS), []
        if not msvc and "clang" in " ".join(getattr(self.compiler, "compiler_so", None) or []):
            cargs.append("-Wno-pass-failed")   # clang notes each `omp simd` loop it leaves scalar
        if os.environ.get("PYOPTIM_NATIVE") == "1" and not msvc:
            cargs.append("-march=native")
        if os.environ.get("PYOPTIM_SANITIZE") == "1" and not msvc:
            san = ["-fsanitize=address,undefined", "-fno-omit-frame-pointer", "-fno-sanitize-recover=undefined"]
            cargs = [a for a in cargs if a != "-O3"] + ["-O1", "-g"] + san
            largs += san
        omp = self._openmp_flags(msvc)
        if omp is None:
            if os.environ.get("PYOPTIM_OPENMP", "1") != "0":
                _notice("this C compiler cannot build an OpenMP program (omp.h or the OpenMP runtime is "
                        "missing; on Debian/Ubuntu with clang: apt-get install libomp-dev). Building the C "
                        "core without OpenMP: every kernel runs on one thread, with the same results.")
        else:
            cargs += omp[0]
            largs += omp[1]
        flags = " ".join(cargs + [a for a in largs if a not in cargs]).replace("\\", "\\\\").replace('"', '\\"')
        for ext in self.extensions:
            ext.extra_compile_args = cargs
            ext.extra_link_args = largs
            ext.define_macros.append(("PO_BUILD_FLAGS", f'"{flags}"'))
        try:
            super().build_extensions()
        except Exception as exc:   # CCompilerError, DistutilsExecError, a missing compiler (OSError)
            if os.environ.get("PYOPTIM_REQUIRE_C") == "1":
                raise
            _notice(f"the C core could not be built ({type(exc).__name__}: {exc}).\n"
                    "pyoptim is installed without it and runs every feature on its plain-NumPy twins\n"
                    "(slower; import pyoptim warns once). To get the C core, install a C compiler\n"
                    "(gcc or clang; on Windows the MSVC Build Tools) and reinstall.")

    def run(self):
        try:
            super().run()
        except Exception as exc:   # the compiler could not even be set up (DistutilsPlatformError)
            if os.environ.get("PYOPTIM_REQUIRE_C") == "1":
                raise
            _notice(f"no C compiler is available ({type(exc).__name__}: {exc}); pyoptim is installed "
                    "without its C core and runs on its plain-NumPy twins (slower).")


core = Extension(
    "pyoptim._core",
    sources=sorted(glob.glob(os.path.join("csrc", "*.c"))),
    depends=sorted(glob.glob(os.path.join("csrc", "*.h"))),
    include_dirs=[np.get_include(), "csrc"],
    define_macros=[
        ("NPY_NO_DEPRECATED_API", "NPY_1_25_API_VERSION"),
        ("NPY_TARGET_VERSION", "NPY_1_25_API_VERSION"),
    ],
)

setup(ext_modules=[core], cmdclass={"build_ext": OptionalBuildExt})
