"""The tour part on first-order optimizers runs, prints its table and writes its figure."""
import argparse

import pytest

from pyoptim._tour import optimizers


def test_tour_part_runs_quick(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    optimizers.run(argparse.Namespace(quick=True, out=str(tmp_path / "figs")))
    out = capsys.readouterr().out
    for name in ("SGD", "SGD + momentum", "Nesterov", "Adagrad", "RMSprop", "Adam", "AdamW"):
        assert f"  {name} " in out
    assert "quadratic" in out and "Rosenbrock" in out
    assert (tmp_path / "figs" / "optimizers_quadratic.png").stat().st_size > 10_000

