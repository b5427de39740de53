"""The tour's figure helper (pyoptim/_tour/figures.py): save, notes, the summary table, fallbacks."""
from types import SimpleNamespace

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")

import pyoptim as po  # noqa: E402
from pyoptim._tour import figures  # noqa: E402


@pytest.fixture(autouse=True)
def _fresh():
    figures.reset()
    yield
    figures.reset()


def test_save_writes_png_and_records_it(tmp_path, capsys):
    args = SimpleNamespace(out=str(tmp_path / "tour"), quick=True)
    figures.begin_part("demo", "A demo part")
    path = figures.save(po.plot.curves({"a": [1.0, 2.0]}), args, "demo_curve")
    figures.note(args, "answer", 42)
    rec = figures.end_part(args)
    assert path.exists() and path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert rec["figures"] == [str(path)] and rec["status"] == "ok"
    table = figures.summary_table()
    assert "demo" in table and "[demo] answer" in table and "42" in table
    assert "figure:" in capsys.readouterr().out


def test_out_none_writes_nothing_and_pyplot_figures_are_closed(tmp_path):
    import matplotlib.pyplot as plt
    args = SimpleNamespace(out=None)
    figures.begin_part("demo")
    fig = plt.figure()
    assert figures.save(fig, args, "x") is None
    assert not plt.fignum_exists(fig.number)           # closed: no open-figure pile-up
    assert figures.end_part(args)["figures"] == ["x"]


def test_files_a_part_writes_itself_count_and_fallback_runs_only_without_figures(tmp_path, monkeypatch):
    """The second part starts right after the first wrote own.png (no sleep: the case that used to fail
    on fast machines, where own.png's mtime fell within the 1 ms slack of the next part's start)."""
    args = SimpleNamespace(out=str(tmp_path))
    (tmp_path / "old.png").write_bytes(b"from an earlier run")          # there before: never counted
    calls = []
    monkeypatch.setitem(figures.FALLBACKS, "p", lambda a: calls.append("fallback"))
    figures.begin_part("p", "", args)
    po.plot.curves({"a": [1.0]}).savefig(tmp_path / "own.png")     # written directly, not via save()
    rec = figures.end_part(args)
    assert rec["figures"] == [str(tmp_path / "own.png")] and calls == []
    figures.begin_part("p", "", args)
    rec = figures.end_part(args, error=RuntimeError("boom"))
    assert rec["figures"] == [] and calls == ["fallback"] and rec["status"].startswith("FAILED: RuntimeError: boom")
    assert "FAILED" in figures.summary_table()
    figures.begin_part("p", "", args)                                  # a part that rewrites a file counts it
    (tmp_path / "old.png").write_bytes(b"rewritten by this part, longer")
    assert figures.end_part(args)["figures"] == [str(tmp_path / "old.png")] and calls == ["fallback"]


def test_a_figure_written_just_before_a_part_starts_is_not_counted(tmp_path, monkeypatch):
    """The cause of the flaky run, forced: the file's mtime is set to the clock at the next part's start."""
    import os
    import time
    args = SimpleNamespace(out=str(tmp_path))
    calls = []
    monkeypatch.setitem(figures.FALLBACKS, "q", lambda a: calls.append("fallback"))
    png = tmp_path / "prev.png"
    png.write_bytes(b"written by the previous part")
    now = time.time_ns()
    os.utime(png, ns=(now, now + 5_000_000))                            # "in the future" by a coarse tick
    figures.begin_part("q", "", args)
    assert figures.end_part(args)["figures"] == [] and calls == ["fallback"]


def test_trajectories_figure_draws_both_problems_one_panel_per_optimizer():
    if not all(hasattr(po.optim, n) for n in ("SGD", "Adam")):
        pytest.skip("pyoptim.optim has not landed")
    fig = figures.trajectories_figure(steps=10)
    assert len(fig.axes) == 6 and all(a.get_xlabel() and a.get_ylabel() for a in fig.axes)
    titles = [a.get_title() for a in fig.axes]
    assert titles[:3] == ["gradient descent (10 steps)", "momentum 0.8 (10 steps)", "Adam (10 steps)"]
    assert all(t.endswith("(1000 steps)") for t in titles[3:])
    for ax in fig.axes:      # one path per panel, as long as its title says, finite
        (path,) = [line.get_xydata() for line in ax.lines if len(line.get_xydata()) > 1]
        assert np.isfinite(path).all() and len(path) - 1 == int(ax.get_title().split("(")[-1].split()[0])
