"""Resuming :func:`pyoptim.fit`: the checkpoint schedule and the validation of a saved fit state."""
from __future__ import annotations

import re

import numpy as np

from .history import History

# ------------------------------------------------------------------------------------------------------
# checkpoint schedule
# ------------------------------------------------------------------------------------------------------
def parse_every(every) -> tuple[str, int]:
    """``None``/"epoch" -> every epoch; int k -> every k epochs; "k epochs" / "k batches" (or "kb")."""
    if every is None:
        return "epoch", 1
    if isinstance(every, (int, np.integer)) and not isinstance(every, bool):
        if every < 1:
            raise ValueError(f"Invalid checkpoint_every: {every!r} (expected a positive int of epochs)")
        return "epoch", int(every)
    if isinstance(every, str):
        s = every.strip().lower()
        if s in ("epoch", "batch"):
            return s, 1
        m = re.fullmatch(r"(\d+)\s*(e|epochs?|b|batch|batches)", s)
        if m and int(m.group(1)) >= 1:
            return ("epoch" if m.group(2).startswith("e") else "batch"), int(m.group(1))
    raise ValueError(f"Invalid checkpoint_every: {every!r} (expected a positive int of epochs, 'epoch', "
                     f"'batch', 'k epochs' or 'k batches')")


def check_trainer_state(path: str, st, n: int, bs: int, n_callbacks: int, rng):
    """Validate fit's state in a checkpoint before anything is applied: ValueError naming the path and the
    field. Returns (state with int counters, the RNG state, a History loaded from it)."""
    def bad(field, what):
        return ValueError(f"{path}: corrupt fit checkpoint (field trainer[{field!r}]: {what})")

    if not isinstance(st, dict) or st.get("format") != "pyoptim.fit":
        raise ValueError(f"{path}: not a checkpoint written by fit (no trainer state)")
    if (st.get("n_samples"), st.get("batch_size")) != (n, bs):
        raise ValueError(f"{path}: the checkpoint was written for {str(st.get('n_samples'))[:20]} "
                         f"samples in batches of {str(st.get('batch_size'))[:20]}, this run has {n} in batches "
                         f"of {bs} (resume needs the same data and batch_size)")
    st = dict(st)
    for key in ("epoch", "batch", "step"):
        v = st.get(key)
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 0:
            raise bad(key, f"{str(v)[:40]!r} (expected an integer >= 0)")
        st[key] = int(v)
    gen = np.random.Generator(type(rng.bit_generator)())   # a scratch generator tries the state first
    try:
        gen.bit_generator.state = st.get("rng")
    except (TypeError, ValueError, KeyError, OverflowError) as exc:
        raise bad("rng", f"not a {type(rng.bit_generator).__name__} state ({str(exc)[:80]})") from None
    history = History()
    try:
        history.load_state_dict(st.get("history"))
    except (TypeError, ValueError, KeyError, AttributeError, OverflowError) as exc:
        raise bad("history", f"not a History state ({str(exc)[:80]})") from None
    cbs = st.get("callbacks")
    if cbs is not None and not isinstance(cbs, list):
        raise bad("callbacks", "expected a list of callback states")
    if "plan_indices" in st or "plan_sizes" in st:
        idx, sizes = st.get("plan_indices"), st.get("plan_sizes")
        for key, a in (("plan_indices", idx), ("plan_sizes", sizes)):
            if not (isinstance(a, np.ndarray) and a.ndim == 1 and a.dtype == np.int64):
                raise bad(key, "expected a 1-d int64 array")
        if sizes.size and sizes.min() < 0:
            raise bad("plan_sizes", "batch sizes must be >= 0")
        if int(sizes.sum()) != idx.size:
            raise bad("plan_sizes", f"they sum to {int(sizes.sum())}, plan_indices has {idx.size}")
        if idx.size and (idx.min() < 0 or idx.max() >= n):
            raise bad("plan_indices", f"indices must lie in [0, {n})")
        acc = st.get("acc")
        if not (isinstance(acc, list) and len(acc) == 5
                and all(isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool)
                        for v in acc)
                and all(isinstance(v, (int, np.integer)) and v >= 0 for v in acc[1:])):
            raise bad("acc", "expected [sum_loss, seen, correct, counted, skipped] with counts >= 0")
    return st, gen.bit_generator.state, history
