"""The C core's NumPy-aware functions (``pyoptim._core``), public and documented.

Every optimizer update, loss and activation gradient, dropout mask and second-order step that the
classes of pyoptim use is callable here on plain arrays, in place where it updates state.

The contract, for every function here:

* arrays are ``numpy.ndarray`` of dtype float32 or float64 (integer label arrays where documented),
  native byte order, aligned and C-contiguous; all float arguments of one call share one dtype;
* arrays updated in place must be writeable and are never copied or cast: a wrong dtype or layout
  raises ``TypeError`` (type, dtype, byte order) or ``ValueError`` (shape, contiguity, read-only, 0-d,
  overlapping buffers), naming the argument;
* the GIL is released around every loop, so calls from several Python threads run concurrently; a
  thread that writes a running call's arrays (or clears the list it passed) can change the numbers but
  never make the call touch memory outside them (csrc/module.c's header says what each kernel
  guarantees); an integer label that is out of range when read raises ``ValueError``;
* hyperparameters must be finite (``ValueError`` naming the parameter, the range and the value) except
  where inf is documented as "no bound" (``clip_value``, ``max_value``, ``radius``, ``threshold``);
* large arrays (>= ``PAR_GRAIN`` = 262144 elements) are split across ``get_num_threads()`` OpenMP threads and the
  results are bit-identical for any thread count.

Each function has a plain-NumPy twin of the same name in :mod:`pyoptim._reference` (the readable
version and the test oracle). ``help(pyoptim.kernels.sgd_step)`` shows the formula.
"""
from . import _core

__all__ = sorted(name for name in dir(_core) if not name.startswith("_") and callable(getattr(_core, name)))
globals().update({name: getattr(_core, name) for name in __all__})
PAR_GRAIN: int = _core.PAR_GRAIN
