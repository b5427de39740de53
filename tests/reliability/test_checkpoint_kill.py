"""Kill-and-resume: a training process killed with SIGKILL (mid-epoch, or in the middle of writing a
checkpoint) and restarted with the same command finishes with bit-identically the parameters of an
uninterrupted run. Slow: each case starts Python subprocesses."""
import os
import signal
import subprocess
import sys
import textwrap

import numpy as np
import pytest

pytestmark = [pytest.mark.slow, pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")]

SCRIPT = textwrap.dedent("""
    import os, signal, sys
    import numpy as np
    import pyoptim as po

    path, out, kill_at, kill_in_save = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4] == "1"
    X, y = po.datasets.blobs(n=120, centers=3, d=6, std=2.0, seed=0)
    model = po.nn.Sequential(po.nn.Dense(6, 16, seed=0), po.nn.ReLU(), po.nn.Dropout(0.2, seed=3),
                             po.nn.Dense(16, 3, seed=1))
    opt = po.optim.Adam(model.parameters(), lr=0.01)

    class Killer(po.callbacks.Callback):
        def on_batch_end(self, batch, logs):
            if self.trainer.step == kill_at:
                if kill_in_save:  # die inside the next save, after the archive is written, before the rename
                    def dying_replace(a, b):
                        os.kill(os.getpid(), signal.SIGKILL)
                    os.replace = dying_replace
                else:
                    os.kill(os.getpid(), signal.SIGKILL)

    cbs = [Killer()] if kill_at >= 0 else []
    po.fit(model, po.nn.SoftmaxCrossEntropy(), opt, X, y, epochs=4, batch_size=7, seed=5, progress=False,
           checkpoint=path if path != "-" else None, checkpoint_every="4 batches",
           resume=path if path != "-" else None, callbacks=cbs)
    np.savez(out, *[p.data for p in model.parameters()])
""")


def run(tmp_path, *args):
    script = tmp_path / "train.py"
    script.write_text(SCRIPT)
    env = dict(os.environ, OMP_NUM_THREADS="1")
    return subprocess.run([sys.executable, str(script), *map(str, args)], env=env, capture_output=True,
                          text=True, timeout=300)


def params(path):
    with np.load(path) as z:
        return [z[k] for k in sorted(z.files, key=lambda s: int(s.split("_")[1]))]


@pytest.mark.parametrize("kill_in_save", [False, True], ids=["mid-epoch", "during-save"])
def test_sigkill_then_resume_is_bit_identical(tmp_path, kill_in_save):
    ref = run(tmp_path, "-", tmp_path / "ref.npz", -1, 0)
    assert ref.returncode == 0, ref.stderr
    ck = tmp_path / "ck.npz"
    killed = run(tmp_path, ck, tmp_path / "never.npz", 27, int(kill_in_save))  # epoch 1 (18 batches/epoch)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert ck.exists() and not (tmp_path / "never.npz").exists()
    resumed = run(tmp_path, ck, tmp_path / "resumed.npz", -1, 0)
    assert resumed.returncode == 0, resumed.stderr
    for a, b in zip(params(tmp_path / "ref.npz"), params(tmp_path / "resumed.npz")):
        np.testing.assert_array_equal(a, b)
    assert not [f for f in os.listdir(tmp_path) if f.endswith(".tmp")]  # the resume cleaned up
