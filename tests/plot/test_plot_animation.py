"""pyoptim.plot.animate_paths: frames drawn headless (Agg) show each path up to the frame's step, the end
markers only in the last frame, and the animation saves to a GIF that Pillow reads back frame by frame."""
import io

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
PIL = pytest.importorskip("PIL")

import pyoptim as po  # noqa: E402
from matplotlib.animation import FuncAnimation  # noqa: E402

P = po.plot
H = np.diag([1.0, 10.0])


def _gd_path(lr, x0, steps):
    """Gradient descent on ½xᵀHx written out (independent of pyoptim's optimizers)."""
    xs = [np.asarray(x0, dtype=float)]
    for _ in range(steps):
        xs.append(xs[-1] - lr * (H @ xs[-1]))
    return np.array(xs)


def _anim(**kw):
    paths = {"short": _gd_path(0.05, [-1.5, 1.0], 6), "long": _gd_path(0.02, [1.5, -1.0], 10)}
    kw.setdefault("hold", 0)
    return paths, P.animate_paths(lambda x: 0.5 * x @ H @ x, paths, (-2, 2), (-1.5, 1.5), resolution=20,
                                  minimum=[0, 0], figsize=(3, 2.5), **kw)


def test_frames_grow_the_paths_and_show_the_end_markers_only_in_the_last_frame():
    paths, anim = _anim()
    assert isinstance(anim, FuncAnimation)
    assert anim.steps == list(range(11))                  # the longest path has 11 iterates
    n = len(anim.steps)
    for i in range(n):
        anim.frame(i)
        anim.fig.savefig(io.BytesIO(), format="png")      # an Agg render of the frame
        visible = [end.get_visible() for end in anim.ends]
        assert visible == [i == n - 1] * 2, (i, visible)
        for path, line, head in zip(paths.values(), anim.lines, anim.heads):
            j = min(i, len(path) - 1)                     # a path that ended stays at its end
            np.testing.assert_array_equal(line.get_xydata(), path[: j + 1])
            np.testing.assert_array_equal(head.get_xydata()[0], path[j])
        assert anim.ax.texts[0].get_text() == f"step {i}"
    # the end markers stand on the last iterates; the legend counts steps as contour_paths does
    for path, end in zip(paths.values(), anim.ends):
        np.testing.assert_array_equal(end.get_xydata()[0], path[-1])
    static = P.contour_paths(lambda x: 0.5 * x @ H @ x, paths, resolution=10, minimum=[0, 0])
    assert anim.ax.get_legend_handles_labels()[1] == static.axes[0].get_legend_handles_labels()[1]
    with pytest.raises(ValueError, match="Invalid i"):
        anim.frame(n)


def test_hold_repeats_the_last_frame_and_long_paths_are_thinned():
    _, anim = _anim(hold=3)
    assert anim.steps == list(range(11)) + [10, 10, 10]
    for i in range(len(anim.steps)):
        anim.frame(i)
        assert [e.get_visible() for e in anim.ends] == [i >= 10] * 2
    anim = P.animate_paths(lambda x: x @ x, {"p": np.zeros((101, 2))}, resolution=10, max_frames=7, hold=0)
    assert anim.steps[0] == 0 and anim.steps[-1] == 100 and len(anim.steps) <= 8
    assert np.all(np.diff(anim.steps) > 0)
    with pytest.raises(ValueError, match="Invalid paths"):
        P.animate_paths(lambda x: x @ x, {"bad": np.zeros((3, 3))}, resolution=10)
    with pytest.raises(ValueError, match="Invalid max_frames"):
        P.animate_paths(lambda x: x @ x, {"p": np.zeros((3, 2))}, resolution=10, max_frames=0)


def test_save_gif_writes_every_frame(tmp_path):
    paths, anim = _anim(hold=2, interval=50)
    out = anim.save(tmp_path / "paths.gif", dpi=40)
    from PIL import Image, ImageChops

    with Image.open(out) as im:
        assert im.format == "GIF"
        frames = []
        for k in range(im.n_frames):
            im.seek(k)
            frames.append(im.convert("RGB").copy())
    # Pillow merges identical consecutive frames into one longer frame, so the held end shows once:
    # 11 distinct steps, the last (end markers) different from the one before it
    assert 10 <= len(frames) <= len(anim.steps)
    assert ImageChops.difference(frames[-1], frames[-2]).getbbox() is not None
    assert ImageChops.difference(frames[0], frames[-1]).getbbox() is not None


def test_mp4_needs_ffmpeg_and_other_extensions_are_refused(tmp_path, monkeypatch):
    _, anim = _anim()
    with pytest.raises(ValueError, match="Invalid filename"):
        anim.save(tmp_path / "x.avi")
    monkeypatch.setattr(type(anim), "ffmpeg_available", staticmethod(lambda: False))
    with pytest.raises(RuntimeError, match="ffmpeg"):
        anim.save(tmp_path / "x.mp4")


def test_jupyter_shows_the_javascript_player_without_ffmpeg(monkeypatch):
    _, anim = _anim()
    monkeypatch.setattr(type(anim), "ffmpeg_available", staticmethod(lambda: False))
    html = anim._repr_html_()
    assert "<script" in html and "animation" in html.lower()
    assert html.count("data:image/png;base64") == len(anim.steps)   # one embedded PNG per frame


def test_frames_are_drawn_in_korean():
    pytest.importorskip("koreanize_matplotlib")
    _, anim = _anim()
    anim.frame(3)
    buf = io.StringIO()
    with P.language("ko"), matplotlib.rc_context({"svg.fonttype": "none"}):
        anim.fig.savefig(buf, format="svg")
    svg = buf.getvalue()
    assert "3단계" in svg and "short (6단계)" in svg and "최솟값" in svg
    assert anim.ax.texts[0].get_text() == "step 3"        # the figure keeps its texts
