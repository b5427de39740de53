"""Book 8.7.6: the curriculum sampler yields easy examples first, widens over epochs, mixes in uniform
draws (Zaremba & Sutskever 2014), and yields every example eventually."""
import numpy as np
import pytest

from pyoptim.strategies import CurriculumSampler, linear_schedule


def test_easy_first_then_everything():
    n = 100
    diff = np.random.default_rng(0).permutation(n).astype(float)   # example i has difficulty diff[i]
    s = CurriculumSampler(diff, schedule=linear_schedule(0.2, 4), mix=0.0)
    rng = np.random.default_rng(1)
    b0 = np.concatenate(s.batches(n, 8, 0, rng))
    assert len(b0) == 20 and set(b0) == set(np.argsort(diff)[:20])   # exactly the 20 easiest
    sizes = [len(np.concatenate(s.batches(n, 8, e, rng))) for e in range(6)]
    assert sizes == sorted(sizes) and sizes[0] == 20 and sizes[-1] == n
    last = np.concatenate(s.batches(n, 8, 5, rng))
    assert sorted(last) == list(range(n))                          # every example, once


def test_mixing_draws_from_all_examples():
    n = 1000
    diff = np.arange(n, dtype=float)
    s = CurriculumSampler(diff, schedule=[0.1], mix=0.3)
    rng = np.random.default_rng(2)
    idx = np.concatenate([np.concatenate(s.batches(n, 16, 0, rng)) for _ in range(20)])
    outside = np.mean(idx >= 100)
    assert 0.25 < outside < 0.30          # ≈ mix·(1 − 0.1) of the slots come from outside the pool
    assert idx.max() > 900                # including the hardest


def test_reproducible_with_rng_and_seed():
    s = CurriculumSampler(np.arange(50.0), mix=0.2, seed=3)
    a = s.batches(50, 7, 1, np.random.default_rng(5))
    b = s.batches(50, 7, 1, np.random.default_rng(5))
    assert all(np.array_equal(x, y) for x, y in zip(a, b))
    c = CurriculumSampler(np.arange(50.0), mix=0.2, seed=3).batches(50, 7, 1, None)
    d = CurriculumSampler(np.arange(50.0), mix=0.2, seed=3).batches(50, 7, 1, None)
    assert all(np.array_equal(x, y) for x, y in zip(c, d))


@pytest.mark.parametrize("kw, match", [
    ({"difficulty_scores": []}, "difficulty_scores"),
    ({"difficulty_scores": [1.0, np.nan]}, "difficulty_scores"),
    ({"difficulty_scores": [1.0], "mix": 1.5}, "mix"),
    ({"difficulty_scores": [1.0], "schedule": [0.0]}, "schedule"),
])
def test_bad_arguments(kw, match):
    with pytest.raises(ValueError, match=f"Invalid {match}"):
        CurriculumSampler(**kw)


def test_wrong_n_samples():
    with pytest.raises(ValueError, match="Invalid n_samples"):
        CurriculumSampler(np.arange(5.0)).batches(6, 2, 0, None)


def test_sampler_drives_fit_easy_first():
    import pyoptim as po
    from pyoptim import nn
    from pyoptim.callbacks import Callback

    n = 60
    X = np.c_[np.arange(n, dtype=float), np.ones(n)]     # column 0 identifies the example
    y = (np.arange(n) % 2).astype(np.int64)
    seen = {}

    class Record(Callback):
        def on_before_step(self, batch, logs):
            seen.setdefault(self.trainer.epoch, []).extend(self.trainer.batch[0][:, 0].astype(int))

    model = nn.Sequential(nn.Dense(2, 2, seed=0, dtype=np.float64))
    sampler = CurriculumSampler(np.arange(n, dtype=float), schedule=[0.25, 0.5, 1.0], mix=0.0)
    po.fit(model, nn.SoftmaxCrossEntropy(), po.optim.SGD(model.parameters(), lr=1e-3), X, y, epochs=3,
           batch_size=5, sampler=sampler, callbacks=[Record()], progress=False)
    assert sorted(seen[0]) == list(range(15))
    assert sorted(seen[1]) == list(range(30))
    assert sorted(seen[2]) == list(range(n))
