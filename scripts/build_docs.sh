#!/usr/bin/env bash
# Build the documentation site into docs/_build/html (warnings are errors) and check it in a headless
# Chromium. Needs the docs extra (pip install -e ".[docs]") and, for the check, Debian's chromium and
# chromium-driver (apt-get install -y chromium chromium-driver). --no-check: build only.
# PYOPTIM_DOCS_EXECUTE=force re-executes every notebook; =off reuses what docs/notebooks/ holds.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
python -m sphinx -W --keep-going -b html docs docs/_build/html
echo "== docs built in $(( $(date +%s) - start )) s: docs/_build/html/index.html"
if [ "${1:-}" != "--no-check" ]; then
  python scripts/check_docs.py
fi
