"""Hogwild!: asynchronous, lock-free SGD with threads on a sparse problem (book 8.1.3; Recht et al., 2011).

Several threads update one shared parameter vector w without any lock. Each thread draws its own
examples; for an example i that touches the coordinates J(i) (its non-zero features) it reads w_J,
computes the example's gradient and writes w_J <- w_J - ε·∇ℓᵢ(w)_J. Another thread may have written
some of those coordinates between the read and the write, so an update can be computed from a stale
w. When every example touches few coordinates, two updates rarely collide and SGD converges as if it
were serial (Recht, Re, Wright & Niu, "Hogwild!: A Lock-Free Approach to Parallelizing Stochastic
Gradient Descent", NeurIPS 2011).
"""
from __future__ import annotations

import math
import threading

import numpy as np

from .._validation import check_int

__all__ = ["hogwild_sgd"]

_LOSSES = ("squared", "logistic")


def _sparse_rows(X):
    """Per-row (column indices, values) of the non-zeros of X: a 2-D array, or any object with ``tocsr()``
    (a SciPy sparse matrix; SciPy is not a dependency, only its duck type is read)."""
    if hasattr(X, "tocsr"):
        A = X.tocsr()
        n, d = A.shape
        indptr, indices, data = np.asarray(A.indptr), np.asarray(A.indices), np.asarray(A.data, dtype=np.float64)
        rows = []
        for i in range(n):
            sl = slice(indptr[i], indptr[i + 1])
            keep = data[sl] != 0
            order = np.argsort(indices[sl][keep], kind="stable")
            rows.append((np.ascontiguousarray(indices[sl][keep][order], dtype=np.intp),
                         np.ascontiguousarray(data[sl][keep][order])))
        return rows, n, d
    if isinstance(X, np.ma.MaskedArray):
        raise TypeError("Invalid X: a numpy.ma.MaskedArray (expected a plain numpy.ndarray; fill it first)")
    Xa = np.asarray(X)
    if Xa.ndim != 2:
        raise ValueError(f"Invalid X: an array of shape {Xa.shape} (expected a 2-D array (n_examples, n_features))")
    if not (np.issubdtype(Xa.dtype, np.floating) or np.issubdtype(Xa.dtype, np.integer)) or Xa.dtype == bool:
        raise TypeError(f"Invalid X: dtype {Xa.dtype} (expected real numbers)")
    Xa = Xa.astype(np.float64, copy=False)
    if not np.all(np.isfinite(Xa)):
        raise ValueError("Invalid X: non-finite values (expected finite numbers)")
    rows = []
    for row in Xa:
        J = np.flatnonzero(row)
        rows.append((J, np.ascontiguousarray(row[J])))
    return rows, Xa.shape[0], Xa.shape[1]


def _residual(loss: str, z: float, yi: float) -> float:
    """dℓ/dz for one example: z − y (squared loss ½(z − y)²) or σ(z) − y (logistic NLL, y in {0, 1})."""
    if loss == "squared":
        return z - yi
    if z >= 0.0:                                   # σ(z) without overflow
        return 1.0 / (1.0 + math.exp(-z)) - yi
    e = math.exp(z)
    return e / (1.0 + e) - yi


def hogwild_sgd(X, y, w0=None, *, lr: float, epochs: int = 1, n_threads: int = 2, seed=None,
                loss: str = "squared") -> np.ndarray:
    """Asynchronous lock-free SGD (Hogwild!) for a linear model on sparse data; returns the final w.

    Every example i has a loss ℓᵢ(w) = L(xᵢᵀw, yᵢ) that depends only on the coordinates J(i) where
    xᵢ is non-zero. ``n_threads`` threads share one float64 vector w; thread t owns the examples
    t, t + T, t + 2T, ... (T = ``n_threads``), visits them in a fresh random order every epoch, and
    for each one applies the book's SGD update (Algorithm 8.1, one example per step, ε -> ``lr``)
    to the touched coordinates only, without a lock:

        r ← L′(x_{i,J}ᵀ w_J, yᵢ);   w_J ← w_J − ε · r · x_{i,J}

    with L′(z, y) = z − y for ``loss="squared"`` (L = ½(z − y)², least squares) and σ(z) − y for
    ``loss="logistic"`` (the logistic NLL, labels in {0, 1}). The update is written with
    ``numpy.subtract.at``, an element-wise (never torn) add; the read of w_J and the write are
    separate, so another thread's updates can land in between: the stale reads Hogwild! tolerates.

    Randomness and reproducibility: ``seed`` feeds ``numpy.random.SeedSequence(seed)``, whose
    ``spawn(n_threads)`` gives each thread its own ``numpy.random.Generator``, so the *order* in which
    each thread visits its examples is fixed by the seed. With ``n_threads=1`` the result is
    therefore bit-for-bit reproducible (it is plain serial SGD). With several threads it is not,
    by nature: which update reads which value of w depends on how the operating system and the
    interpreter interleave the threads, which changes from run to run. Expect results that differ
    in the last digits, or more on dense data where updates collide.

    Threads in CPython: NumPy and pyoptim's C kernels release the GIL inside their loops, so threads
    run concurrently there; between those calls the interpreter switches threads every few
    milliseconds (``sys.setswitchinterval``). For the tiny per-example updates of a sparse problem the
    speed-up on this interpreter is small; what the function shows is the *convergence* of updates
    made without locks on stale parameters, which is the subject of the paper.

    Parameters
    ----------
    X : 2-D array (n_examples, n_features), mostly zeros; or a SciPy sparse matrix (anything with
        ``tocsr()``). Only the non-zeros are stored and touched.
    y : 1-D array of n_examples targets (labels 0/1 for the logistic loss).
    w0 : 1-D array of n_features, the start (copied; default zeros).
    lr : float > 0, the learning rate ε.
    epochs : int >= 1, passes of every thread over its examples.
    n_threads : int >= 1, the number of threads T.
    seed : None, an int, a sequence of ints or a ``numpy.random.SeedSequence`` (spawned: pass a new
        one, or an int, for a repeatable call).
    loss : "squared" or "logistic".

    Returns
    -------
    w : 1-D float64 array, the shared parameters after every thread has finished.

    Raises
    ------
    ValueError / TypeError naming the argument: lr not finite > 0, epochs or n_threads not an int >= 1,
    an unknown loss, X not 2-D or not finite, y or w0 of the wrong shape, logistic labels not 0/1.
    An exception raised in a thread is re-raised here after every thread has stopped.

    Example
    -------
    >>> import numpy as np
    >>> from pyoptim.distributed import hogwild_sgd
    >>> rng = np.random.default_rng(0)
    >>> X, w_true = rng.standard_normal((500, 20)), rng.standard_normal(20)
    >>> w = hogwild_sgd(X, X @ w_true, lr=0.01, epochs=20, n_threads=2, seed=0)
    >>> bool(np.abs(w - w_true).max() < 1e-6)   # consistent least squares: every interleaving gets there
    True

    References: book section 8.1.3 (minibatches and parallelism; asynchronous updates, Dean et al.,
    2012); Recht, Re, Wright, Niu (2011), Hogwild!, NeurIPS.
    """
    try:
        lr_f = float(lr)
    except (TypeError, ValueError):
        lr_f = float("nan")
    if not (math.isfinite(lr_f) and lr_f > 0.0):
        raise ValueError(f"Invalid lr: {lr!r} (expected a finite number > 0)")
    epochs = check_int("epochs", epochs, 1)
    n_threads = check_int("n_threads", n_threads, 1)
    if loss not in _LOSSES:
        raise ValueError(f"Invalid loss: {loss!r} (expected one of {', '.join(map(repr, _LOSSES))})")
    rows, n, d = _sparse_rows(X)
    if isinstance(y, np.ma.MaskedArray):
        raise TypeError("Invalid y: a numpy.ma.MaskedArray (expected a plain numpy.ndarray; fill it first)")
    ya = np.asarray(y, dtype=np.float64)
    if ya.shape != (n,):
        raise ValueError(f"Invalid y: shape {ya.shape} (expected ({n},), one target per row of X)")
    if not np.all(np.isfinite(ya)):
        raise ValueError("Invalid y: non-finite values (expected finite numbers)")
    if loss == "logistic" and not np.all((ya == 0) | (ya == 1)):
        raise ValueError("Invalid y: labels other than 0 and 1 (expected 0/1 labels for loss='logistic')")
    if w0 is None:
        w = np.zeros(d)
    else:
        w = np.array(w0, dtype=np.float64, copy=True)
        if w.shape != (d,):
            raise ValueError(f"Invalid w0: shape {w.shape} (expected ({d},), one weight per column of X)")
    ss = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    rngs = [np.random.default_rng(child) for child in ss.spawn(n_threads)]
    errors: list[BaseException] = []

    def worker(t: int) -> None:
        try:
            mine = np.arange(t, n, n_threads)
            rng = rngs[t]
            for _ in range(epochs):
                for i in mine[rng.permutation(len(mine))]:
                    J, v = rows[i]
                    if J.size == 0:
                        continue
                    r = _residual(loss, float(v @ w[J]), float(ya[i]))   # reads w_J (maybe stale)
                    np.subtract.at(w, J, (lr_f * r) * v)                  # writes w_J, no lock
        except BaseException as exc:   # noqa: BLE001  (re-raised in the caller's thread)
            errors.append(exc)

    if n_threads == 1:
        worker(0)
    else:
        threads = [threading.Thread(target=worker, args=(t,), name=f"hogwild-{t}", daemon=True)
                   for t in range(n_threads)]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
    if errors:
        raise errors[0]
    return w
