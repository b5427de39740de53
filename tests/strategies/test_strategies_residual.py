"""Book 8.7.5: skip connections make a deep net easier to optimize: a 20-layer residual MLP's training
loss falls faster than the plain one's under the same optimizer, seed and data order."""
import numpy as np

from pyoptim.strategies import compare_plain_vs_residual


def test_deep_residual_trains_faster_than_plain():
    rng = np.random.default_rng(0)
    centers = 2.0 * rng.standard_normal((4, 10))
    y = rng.integers(0, 4, 256)
    X = centers[y] + rng.standard_normal((256, 10))
    out = compare_plain_vs_residual(20, 16, X, y, epochs=4, batch_size=32, seed=0)
    plain, res = out["plain"], out["residual"]
    assert len(plain) == len(res) == 4
    assert res[-1] < 0.5 * plain[-1]
    assert res[-1] < res[0]
    assert len(out["plain_batches"]) == 4 * 8


def test_callbacks_reach_both_runs():
    """``callbacks=`` goes to both fits (it used to be consumed by the plain run): each callback sees
    the plain model's training, then the residual model's, and every batch of both."""
    from pyoptim.callbacks import LambdaCallback

    rng = np.random.default_rng(1)
    X, y = rng.standard_normal((64, 5)), rng.integers(0, 3, 64)
    seen, batches = [], []
    cb = LambdaCallback(on_train_begin=lambda trainer: seen.append(trainer.model),
                        on_batch_end=lambda b, logs: batches.append(logs["loss"]))
    out = compare_plain_vs_residual(3, 4, X, y, epochs=2, batch_size=16, seed=0, callbacks=[cb])
    assert len(seen) == 2 and seen[0] is out["models"][0] and seen[1] is out["models"][1]
    assert np.allclose(batches, out["plain_batches"] + out["residual_batches"])
