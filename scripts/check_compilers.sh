#!/usr/bin/env bash
# The C core with other compilers and without OpenMP: each build in a fresh copy of the source tree,
# then the C-core tests against it.
#
#   gcc, PYOPTIM_OPENMP=0        a serial build on purpose
#   clang (OpenMP)               needs libomp-dev on Debian/Ubuntu
#   clang without OpenMP         a clang whose -fopenmp fails as Debian's clang does without libomp-dev
#                                ('omp.h' file not found): setup.py's probe must notice, print its notice
#                                and build serially; the build must report openmp 0
#
# (the gcc + OpenMP build is the ordinary one: .ci/run's main test stage). A missing clang skips its
# two builds with a message. The same C-core test files run after each build.
#
# Usage: bash scripts/check_compilers.sh        (about 1.5-2 minutes per build on 2 cores)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
PY=${PYTHON:-python}
WORK=$(mktemp -d /tmp/pyoptim-compilers.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
T0=$(date +%s)
TESTS=(tests/kernels/test_core.py tests/kernels/test_optim_kernels.py tests/kernels/test_nn_kernels.py tests/kernels/test_reg_kernels.py
       tests/kernels/test_secondorder_kernels.py)

# a clang whose OpenMP is missing (what Debian's clang is without libomp-dev)
mkdir -p "$WORK/bin"
cat > "$WORK/bin/clang-noomp" <<'EOF'
#!/bin/sh
for a in "$@"; do
  case "$a" in -fopenmp*) echo "clang-noomp: fatal error: 'omp.h' file not found" >&2; exit 1;; esac
done
exec clang "$@"
EOF
chmod +x "$WORK/bin/clang-noomp"

build_and_test() {   # name, expected openmp ("yes"/"no"), then env assignments for the build
  local name=$1 want=$2; shift 2
  local src="$WORK/$name" t=$(date +%s)
  mkdir -p "$src"
  (cd "$ROOT" && git ls-files -z --cached --others --exclude-standard \
     | tar --null -T - --ignore-failed-read -cf - 2>/dev/null) | tar -xf - -C "$src"
  find "$src" -name '_core*.so' -delete
  (cd "$src" && env "$@" "$PY" setup.py -q build_ext --inplace -j 2 > "$WORK/$name.log" 2>&1) \
    || { cat "$WORK/$name.log"; echo "check_compilers: $name build failed"; exit 1; }
  echo "== $name: built in $(( $(date +%s) - t )) s"
  (cd "$src" && PYTHONPATH="$src" "$PY" - "$want" "$src" <<'EOF'
import sys
import pyoptim
info = pyoptim.show_config(mode="dicts")["c_core"]
print("  ", info["compiler"], "| openmp", info["openmp"], "| simd", info["simd"])
assert pyoptim.kernels.BACKEND == "c" and info["path"].startswith(sys.argv[2]), info["path"]
assert (info["openmp"] > 0) == (sys.argv[1] == "yes"), info
EOF
  )
  if [ "$want" = no ] && [ "$name" = clang-noomp ]; then
    grep -q "cannot build an OpenMP program" "$WORK/$name.log" || { echo "check_compilers: no OpenMP notice"; exit 1; }
  fi
  (cd "$src" && PYTHONPATH="$src" "$PY" -m pytest -p no:cacheprovider -q "${TESTS[@]}" | tail -1)
}

build_and_test gcc-serial no CC=gcc PYOPTIM_OPENMP=0
if command -v clang > /dev/null; then
  if echo '#include <omp.h>' | clang -fopenmp -x c -fsyntax-only - 2> /dev/null; then
    build_and_test clang-openmp yes CC=clang
  else
    echo "== clang has no OpenMP here (apt-get install libomp-dev): the clang + OpenMP build is skipped"
  fi
  build_and_test clang-noomp no CC="$WORK/bin/clang-noomp"
else
  echo "== clang is not installed: the clang builds are skipped (apt-get install clang libomp-dev)"
fi
echo "== compilers checked in $(( $(date +%s) - T0 )) s"
