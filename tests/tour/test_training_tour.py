"""The tour part ``digits`` (python -m pyoptim tour --only digits)."""
import types

import pytest

pytest.importorskip("sklearn")


@pytest.mark.slow  # three 8-epoch trainings: a few seconds
def test_digits_tour_prints_the_table_and_writes_the_figure(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    from pyoptim._tour import digits
    digits.run(types.SimpleNamespace(quick=True, out=str(tmp_path)))
    out = capsys.readouterr().out
    for name in ("SGD ", "SGD + momentum", "Adam"):
        assert name in out
    rows = [line.split() for line in out.splitlines() if line.strip().startswith(("SGD", "Adam"))]
    accs = [float(r[-3]) for r in rows]  # test accuracy column
    assert len(accs) == 3 and min(accs) > 0.9
    assert (tmp_path / "digits_loss.png").stat().st_size > 10_000
