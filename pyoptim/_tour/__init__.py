"""The tour: ``python -m pyoptim tour`` walks through both chapters and prints summary tables.

Each part lives in its own module of this package and exposes ``run(args) -> None``; PARTS lists them
in the order they run.
"""
from __future__ import annotations

import argparse
import importlib
import os
import time

PARTS = [
    ("optimizers", "First-order optimizers on an ill-conditioned quadratic and on Rosenbrock (8.3, 8.5)"),
    ("secondorder", "Newton, conjugate gradients, BFGS and L-BFGS against SciPy (8.6)"),
    ("digits", "An MLP on the digits with SGD, momentum and Adam (8.1, 8.3, 8.5)"),
    ("regularization", "Regularization on the digits: none, L2, dropout, early stopping (chapter 7)"),
    ("diagnostics", "Book Fig. 8.1: gᵀg and gᵀHg at the edge of stability (8.2.1)"),
]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pyoptim", description="pyoptim: the tour of chapters 7 and 8")
    sub = parser.add_subparsers(dest="command", required=True)
    tour = sub.add_parser("tour", help="walk through chapters 7 and 8, printing tables and writing figures")
    tour.add_argument("--quick", action="store_true", help="a short version (about 30 seconds)")
    tour.add_argument("--out", default="pyoptim-tour", help="folder for the figures (default ./pyoptim-tour)")
    tour.add_argument("--only", default=None, help="comma-separated part names to run")
    tour.add_argument("--lang", default=os.environ.get("PYOPTIM_LANG", "en"), choices=("en", "ko"),
                      help="language of the figures' texts: en or ko (default $PYOPTIM_LANG, else en)")
    args = parser.parse_args(argv)
    import pyoptim as po
    before = po.plot.get_language()
    args.lang = po.plot.set_language(args.lang)   # "en" (with a warning) when no Hangul font is found
    try:
        return _run(args)
    finally:
        po.plot.set_language(before)


def _run(args) -> int:
    only = set(args.only.split(",")) if args.only else None
    from . import figures
    figures.reset()
    t0 = time.perf_counter()
    failed = False
    for name, title in PARTS:
        if only and name not in only:
            continue
        print(f"\n=== {title} ===", flush=True)
        figures.begin_part(name, title, args)
        error = None
        try:
            importlib.import_module(f"{__name__}.{name}").run(args)
        except Exception as exc:  # noqa: BLE001 - report the part, go on with the tour
            import traceback
            traceback.print_exc()
            error, failed = exc, True
        figures.end_part(args, error)
    print(f"\n=== Summary ===\n{figures.summary_table()}")
    if args.out:
        print(f"\nFigures are in {args.out}/")
    print(f"\nTour finished in {time.perf_counter() - t0:.1f} s.")
    return 1 if failed else 0
