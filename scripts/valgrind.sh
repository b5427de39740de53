#!/usr/bin/env bash
# valgrind memcheck over pyoptim's C core (issue 6, part 4).
#
# Runs scripts/_valgrind_driver.py (every kernel, success and error paths, small and OpenMP-sized inputs)
# under memcheck with PYTHONMALLOC=malloc (so Python's own allocations are visible to valgrind rather
# than hidden in pymalloc arenas), writing an XML report. The "suppression" is a filter limited to
# frames outside pyoptim: an error (invalid read/write, use of uninitialised memory, bad free, a
# definite leak) FAILS the run when any frame of its stack is in pyoptim's extension (_core*.so, or a
# po_/py_ function); errors wholly inside CPython, NumPy, libgomp or the loader are counted and listed
# as ignored. Exit status: 0 clean, 1 pyoptim errors, 2 the run itself failed.
#
# Usage: bash scripts/valgrind.sh            (about 2-4 minutes on 2 cores)
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python}
# the real interpreter, not a wrapper script (pyenv's shim would be what valgrind traces)
PY=$("$PY" -c 'import sys; print(sys.executable)')
command -v valgrind >/dev/null || { echo "valgrind.sh: valgrind is not installed (apt-get install valgrind)"; exit 2; }
OUT=$(mktemp -d /tmp/pyoptim-valgrind.XXXXXX)
T0=$(date +%s)
echo "== valgrind memcheck of pyoptim._core ($($PY -c 'import pyoptim._core as c; print(c.__file__)'))"
set +e
PYTHONMALLOC=malloc OMP_NUM_THREADS=2 valgrind --tool=memcheck --leak-check=full \
  --errors-for-leak-kinds=definite --show-leak-kinds=definite --track-origins=no \
  --num-callers=30 --xml=yes --xml-file="$OUT/memcheck.xml" --log-file="$OUT/memcheck.log" \
  "$PY" -X faulthandler scripts/_valgrind_driver.py >"$OUT/driver.out" 2>&1
rc=$?
set -e
cat "$OUT/driver.out"
if [ "$rc" -ne 0 ] || ! grep -q "valgrind driver:" "$OUT/driver.out"; then
  echo "valgrind.sh: the driver failed (exit $rc)"; tail -30 "$OUT/memcheck.log"; exit 2
fi
if "$PY" - "$OUT/memcheck.xml" <<'PYEOF'
import sys
import xml.etree.ElementTree as ET

root = ET.parse(sys.argv[1]).getroot()
ours, ignored = [], {}
for err in root.iter("error"):
    kind = err.findtext("kind")
    frames = [(f.findtext("obj") or "", f.findtext("fn") or "", f.findtext("file") or "", f.findtext("line") or "")
              for f in err.iter("frame")]
    mine = any("pyoptim/_core" in o or "/csrc/" in fl or fl.endswith((".h", ".c")) and (fn.startswith(("po_", "py_")))
               for o, fn, fl, _ in frames)
    if mine:
        what = err.findtext("what") or (err.find("xwhat").findtext("text") if err.find("xwhat") is not None else "")
        ours.append((kind, what, frames[:12]))
    else:
        ignored[kind] = ignored.get(kind, 0) + 1
print(f"valgrind.sh: {len(ours)} error(s) with a pyoptim frame; ignored (no pyoptim frame): {ignored or 'none'}")
for kind, what, frames in ours:
    print(f"---- {kind}: {what}")
    for o, fn, fl, ln in frames:
        print(f"     {fn}  {fl}:{ln}  ({o})")
sys.exit(1 if ours else 0)
PYEOF
then :; else echo "valgrind.sh: FAILED (see above; report in $OUT)"; exit 1; fi
echo "valgrind.sh: clean ($(( $(date +%s) - T0 )) s)"
if [ "${PYOPTIM_VG_KEEP:-0}" = 1 ]; then echo "kept $OUT"; else rm -rf "$OUT"; fi
