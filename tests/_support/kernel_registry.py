"""A registry describing every function in :mod:`pyoptim.kernels`, for generic property tests.

Each kernel gets a :class:`KernelSpec`: how to draw a *valid* call (shapes, dtypes, values,
hyperparameters) with hypothesis, which array arguments it writes in place, and the tolerance
against its plain-NumPy twin in :mod:`pyoptim._reference`. The property tests
(tests/reliability/test_rel_properties.py) then check, for every kernel, the same contract:

* a valid call matches the twin (to the stated tolerance, NaN where NaN, inf where inf) and touches
  nothing but its outputs (guard bytes around every array, inputs unchanged byte for byte);
* a hostile call (wrong dtype, byte order, layout, alignment, read-only target, aliasing, 0-d,
  wrong shape, lists, bad hyperparameters: the generator is tests/_support/hostile.py) raises TypeError
  or ValueError, naming the argument, and changes nothing; or, where the mutation left the call valid,
  matches the twin.

Kernels without an explicit entry get one derived from their signature (:func:`auto_spec`): every
positional argument an array of one shared shape, keyword-only floats drawn in (0, 1], in-place
arguments found by running the twin. That covers elementwise kernels; anything with structure (matrices,
labels, reductions) gets an explicit entry below. ``test_registry_covers_every_kernel`` lists kernels
whose derived entry does not work, so a new kernel cannot silently escape the tests.
"""
from __future__ import annotations

import inspect
import math
import warnings
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np
from hypothesis import strategies as st

from pyoptim import _reference, kernels

import hostile  # the special values (hostile.specials); imported as a module: hostile imports this one

DTYPES = (np.float32, np.float64)
NOT_KERNELS = {"set_num_threads", "get_num_threads"}
#: the private solver loops of pyoptim.kernels (callbacks into Python, not array kernels): outside the
#: hypothesis registry, covered through minimize (tests/test_minimize_*.py: C against twin, against SciPy)
SOLVER_LOOPS = ("_minimize", "_lbfgsb")
#: elements above which the C core splits loops across OpenMP threads (pyoptim.h)
PAR_GRAIN = kernels.PAR_GRAIN  # the C core's parallel threshold


def kernel_names() -> list[str]:
    return [n for n in kernels.__all__ if n not in NOT_KERNELS]


# ---- values -------------------------------------------------------------------------------------------

VALUE_MODES = ("normal", "normal", "normal", "scaled", "sprinkled", "special", "tiny", "huge")
#: knobs for sample_calls(): value modes drawn, and 1-in-N chance of a large (OpenMP-path) shape
KNOBS = {"modes": VALUE_MODES, "big_one_in": 20}


def fill(draw, shape, dtype, *, positive=False, lo=None, hi=None, finite=False) -> np.ndarray:
    """A C-contiguous array of `shape` and `dtype`: normal values at a random scale, or sprinkled with
    (or made of) hostile.specials(). `finite` keeps NaN/inf out; `positive` takes |x|; lo/hi clip."""
    seed = draw(st.integers(0, 2**32 - 1), label="seed")
    mode = draw(st.sampled_from(KNOBS["modes"]), label="values")
    rng = np.random.default_rng(seed)
    n = int(np.prod(shape, dtype=np.int64))
    x = rng.standard_normal(n)
    maxexp = 300 if dtype == np.float64 else 36
    if mode == "scaled":
        x *= 10.0 ** rng.integers(-maxexp // 3, maxexp // 3 + 1)
    elif mode == "tiny":
        x *= float(np.finfo(dtype).smallest_subnormal) * rng.integers(1, 1000)
    elif mode == "huge":
        x *= 10.0 ** (maxexp - 2)
    elif mode in ("sprinkled", "special"):
        sp = hostile.specials(np.float64)
        if dtype == np.float32:
            sp = hostile.specials(np.float32).astype(np.float64)
        mask = rng.random(n) < (0.3 if mode == "sprinkled" else 1.0)
        x[mask] = rng.choice(sp, size=int(mask.sum()))
    with np.errstate(all="ignore"):
        x = x.astype(dtype)
        if finite:
            x[~np.isfinite(x)] = dtype(1.0)
        if positive:
            x = np.abs(x)
        if lo is not None or hi is not None:
            x = np.clip(x, lo, hi)
    return np.ascontiguousarray(x.reshape(shape))


def draw_shape(draw, *, min_dims=1, max_dims=3, max_side=7, big=True) -> tuple[int, ...]:
    """A shape, sometimes empty (a zero side), sometimes large enough for the OpenMP path."""
    if big and draw(st.integers(0, KNOBS["big_one_in"] - 1), label="big") == 0:
        return (draw(st.integers(PAR_GRAIN, PAR_GRAIN + 5000), label="n"),)
    nd = draw(st.integers(min_dims, max_dims), label="ndim")
    return tuple(draw(st.integers(0, max_side), label="side") for _ in range(nd))


def draw_rows_cols(draw, *, min_rows=0, min_cols=0, big=True) -> tuple[int, int]:
    if big and draw(st.integers(0, KNOBS["big_one_in"] - 1), label="big") == 0:
        return draw(st.sampled_from([(4096, 9), (300, 130), (2, 20000)]), label="bigshape")
    return (draw(st.integers(min_rows, 9), label="B"), draw(st.integers(min_cols, 9), label="D"))


def hp(draw, lo, hi, *, label="hp", specials_ok=()) -> float:
    """A float hyperparameter in [lo, hi]: the ends, simple values, or uniform."""
    choices = [lo, hi] if math.isfinite(hi) else [lo]
    v = draw(st.one_of(st.sampled_from(choices + list(specials_ok)),
                       st.floats(lo, hi if math.isfinite(hi) else 1e6, allow_nan=False)), label=label)
    return float(v)


# ---- specs --------------------------------------------------------------------------------------------

@dataclass
class KernelSpec:
    """How to test one kernel.

    build(draw, dtype) -> dict of argument name -> value (arrays C-contiguous, one float dtype), a valid
    call. written: names of arguments written in place. expect(values) -> exception types the valid call
    may raise (e.g. FloatingPointError for a non-finite input under a raising policy), or () for none.
    tol(dtype) -> (rtol, atol). compare_return: whether the return value is compared with the twin's.
    """
    name: str
    build: Callable[[Any, Any], dict]
    written: tuple[str, ...]
    tol: Callable[[Any], tuple[float, float]] = lambda dt: (2e-6, 0.0) if dt == np.float32 else (1e-13, 0.0)
    expect: Callable[[dict], tuple] = lambda v: ()
    compare_return: bool = True
    dtypes: tuple = DTYPES
    auto: bool = False
    notes: str = ""
    #: hyperparameters whose out-of-range values must raise ValueError: name -> list of bad values
    bad_hypers: dict = field(default_factory=dict)
    #: written arguments compared with the twin (None: all of them); others are only checked for bounds
    compare: tuple | None = None
    #: "strict": NaN where the twin has NaN, the same infinities. "loose" (reductions and linear algebra,
    #: where an algebraically equal form or another summation order turns inf into NaN or flips the sign
    #: of an overflow): non-finite exactly where the twin is non-finite; finite values within tolerance
    nonfinite: str = "strict"
    #: the kernel may return inf/NaN where the twin is finite when some input is beyond the square root
    #: of the overflow threshold (an algebraically equal form whose intermediate product overflows)
    overflow_ok: bool = False
    #: reductions and linear algebra: the absolute tolerance grows with the inputs' magnitude,
    #: |kernel - twin| <= atol + rtol * (|twin| + max|input|)  (a backward-stability style bound:
    #: summation order and cancellation make the error relative to the inputs, not to the result)
    scale_atol: bool = False


REGISTRY: dict[str, KernelSpec] = {}


def register(spec: KernelSpec) -> KernelSpec:
    REGISTRY[spec.name] = spec
    return spec


# ---- calling ------------------------------------------------------------------------------------------

def split_args(fn, values: dict) -> tuple[list, dict]:
    """Arrange `values` as fn's signature wants: positional-only (and positional-or-keyword while all
    earlier ones are present) positionally, the rest by keyword."""
    sig = inspect.signature(fn)
    pos, kw, positional = [], {}, True
    params = list(sig.parameters.values())
    last_posonly = max([i for i, p in enumerate(params) if p.kind == p.POSITIONAL_ONLY and p.name in values],
                       default=-1)
    for i, p in enumerate(params):
        if p.name not in values:
            if p.kind == p.POSITIONAL_ONLY and p.default is p.empty:
                raise TypeError(f"spec for {fn.__name__} lacks {p.name}")
            if p.kind == p.POSITIONAL_ONLY and i < last_posonly:
                pos.append(p.default)   # a gap before a later positional-only argument
                continue
            positional = False
            continue
        v = values[p.name]
        if p.kind == p.POSITIONAL_ONLY or (p.kind == p.POSITIONAL_OR_KEYWORD and positional):
            pos.append(v)
        else:
            kw[p.name] = v
    extra = set(values) - set(sig.parameters)
    if extra:
        raise TypeError(f"spec for {fn.__name__} has unknown arguments {extra}")
    return pos, kw


def copy_values(v):
    """A deep copy of a kernel argument: arrays copied, lists/tuples of arrays rebuilt, the rest as is."""
    if isinstance(v, np.ndarray):
        return v.copy()
    if isinstance(v, (list, tuple)):
        return type(v)(copy_values(x) for x in v)
    return v


def call(fn, values: dict):
    pos, kw = split_args(fn, values)
    return fn(*pos, **kw)


def call_twin(name: str, values: dict):
    """Run the NumPy twin quietly (IEEE warnings are expected with NaN/inf inputs)."""
    twin = getattr(_reference, name)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return call(twin, values)


# ---- the derived spec for kernels without an entry ----------------------------------------------------

def _float_default(p) -> bool:
    return isinstance(p.default, float) and not isinstance(p.default, bool)


def auto_spec(name: str) -> KernelSpec:
    """Derive a spec from the signature: arrays for every positional parameter (optional ones:
    None or an array), keyword-only parameters left at their defaults or, when required, drawn in
    (0, 1]; all arrays one shape. The written arguments are the ones the twin changes."""
    fn = getattr(kernels, name)
    params = list(inspect.signature(fn).parameters.values())
    arrays = [p for p in params if p.kind != p.KEYWORD_ONLY]
    kwonly = [p for p in params if p.kind == p.KEYWORD_ONLY]

    def build(draw, dtype, shape=None):
        shape = draw_shape(draw) if shape is None else shape
        v = {}
        for p in arrays:
            if p.default is None and draw(st.booleans(), label=f"{p.name}?"):
                continue
            v[p.name] = fill(draw, shape, dtype)
        for p in kwonly:
            if p.default is p.empty:
                v[p.name] = hp(draw, 1e-3, 1.0, label=p.name)
            elif isinstance(p.default, bool):
                v[p.name] = draw(st.booleans(), label=p.name)
        return v

    # which arguments does the twin write? probe with finite data, every optional array present
    rng = np.random.default_rng(0)
    probe = {p.name: rng.standard_normal(5) for p in arrays}
    for p in kwonly:
        if p.default is p.empty:
            probe[p.name] = 0.1
    before = {k: v.copy() for k, v in probe.items() if isinstance(v, np.ndarray)}
    try:
        call_twin(name, probe)
        written = tuple(k for k in before if not np.array_equal(before[k], probe[k]))
    except Exception:
        written = ()
    return KernelSpec(name, build, written, auto=True, notes="derived from the signature")


def sample_calls(name: str, n: int, *, big: bool = False, finite: bool = False, seed: int = 0) -> list[dict]:
    """`n` valid calls of kernel `name`, drawn by hypothesis outside a test (for the leak, thread and
    valgrind checks): always large shapes when `big`, only normal values when `finite`."""
    from hypothesis import HealthCheck, Phase, given, settings
    spec = spec_for(name)
    out: list[dict] = []
    old = dict(KNOBS)
    KNOBS.update(big_one_in=1 if big else 10**9, modes=("normal",) if finite else VALUE_MODES)
    try:
        @settings(max_examples=n, database=None, derandomize=True, deadline=None, phases=[Phase.generate],
                  suppress_health_check=list(HealthCheck))
        @given(st.data(), st.just(seed))
        def collect(data, _seed):
            dtype = data.draw(st.sampled_from(spec.dtypes), label="dtype")
            out.append(spec.build(data.draw, dtype))
        collect()
    finally:
        KNOBS.clear()
        KNOBS.update(old)
    return out[:n]


def spec_for(name: str) -> KernelSpec:
    if name not in REGISTRY:
        REGISTRY[name] = auto_spec(name)
    return REGISTRY[name]


# ==== explicit entries =================================================================================
# One per kernel with structure. Keep them next to the kernel's docstring when editing.

# ---- optim --------------------------------------------------------------------------------------------

def _sgd(draw, dtype):
    shape = draw_shape(draw)
    v = {"param": fill(draw, shape, dtype), "grad": fill(draw, shape, dtype),
         "lr": hp(draw, 0.0, 10.0, label="lr")}
    mom = draw(st.sampled_from([0.0, 0.0, 0.5, 0.9, 1.0]), label="momentum")
    if mom or draw(st.booleans(), label="buf?"):
        v["momentum_buffer"] = fill(draw, shape, dtype)
    v.update(momentum=mom, dampening=hp(draw, 0.0, 1.0, label="dampening"),
             weight_decay=hp(draw, 0.0, 1.0, label="weight_decay"),
             nesterov=draw(st.booleans(), label="nesterov"), maximize=draw(st.booleans(), label="maximize"),
             first_step=draw(st.booleans(), label="first_step"))
    return v


register(KernelSpec("sgd_step", _sgd, ("param", "momentum_buffer"),
                    bad_hypers={"lr": [-1.0, math.nan], "momentum": [-0.5, math.nan],
                                "weight_decay": [-1e-3, math.nan], "dampening": [math.nan]}))


def _opt_common(draw, dtype):
    shape = draw_shape(draw)
    return shape, {"param": fill(draw, shape, dtype), "grad": fill(draw, shape, dtype)}


def _step(draw):
    return float(draw(st.one_of(st.integers(1, 5), st.integers(6, 10**6)), label="step"))


def _adagrad(draw, dtype):
    shape, v = _opt_common(draw, dtype)
    v["state_sum"] = fill(draw, shape, dtype, positive=True)
    v.update(lr=hp(draw, 0.0, 10.0, label="lr"), lr_decay=hp(draw, 0.0, 1.0, label="lr_decay"),
             weight_decay=hp(draw, 0.0, 1.0, label="weight_decay"), eps=hp(draw, 0.0, 1e-3, label="eps"),
             step=_step(draw), maximize=draw(st.booleans(), label="maximize"))
    return v


register(KernelSpec("adagrad_step", _adagrad, ("param", "state_sum"),
                    bad_hypers={"lr": [-1.0, math.nan], "eps": [-1.0, math.nan], "lr_decay": [-1.0],
                                "weight_decay": [-1.0], "step": [0.0, math.nan]}))


def _adam(draw, dtype):
    shape, v = _opt_common(draw, dtype)
    v["exp_avg"] = fill(draw, shape, dtype)
    v["exp_avg_sq"] = fill(draw, shape, dtype, positive=True)
    ams = draw(st.booleans(), label="amsgrad")
    if ams:
        v["max_exp_avg_sq"] = fill(draw, shape, dtype, positive=True)
    v.update(lr=hp(draw, 0.0, 10.0, label="lr"), beta1=hp(draw, 0.0, 0.999, label="beta1"),
             beta2=hp(draw, 0.0, 0.9999, label="beta2"), eps=hp(draw, 0.0, 1e-3, label="eps"),
             weight_decay=hp(draw, 0.0, 1.0, label="weight_decay"), step=_step(draw), amsgrad=ams,
             maximize=draw(st.booleans(), label="maximize"),
             decoupled_weight_decay=draw(st.booleans(), label="decoupled"))
    return v


register(KernelSpec("adam_step", _adam, ("param", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"),
                    tol=lambda dt: (1e-5, 0.0) if dt == np.float32 else (1e-12, 0.0),
                    bad_hypers={"lr": [-1.0, math.nan], "beta1": [1.0, -0.1, math.nan], "beta2": [1.0, -0.1],
                                "eps": [-1.0, math.nan], "weight_decay": [-1.0], "step": [0.0, math.nan]}))


def _rmsprop(draw, dtype):
    shape, v = _opt_common(draw, dtype)
    v["square_avg"] = fill(draw, shape, dtype, positive=True)
    centered = draw(st.booleans(), label="centered")
    mom = draw(st.sampled_from([0.0, 0.0, 0.9]), label="momentum")
    if centered:
        v["grad_avg"] = fill(draw, shape, dtype)
    if mom:
        v["momentum_buffer"] = fill(draw, shape, dtype)
    v.update(lr=hp(draw, 0.0, 10.0, label="lr"), alpha=hp(draw, 0.0, 1.0, label="alpha"),
             eps=hp(draw, 0.0, 1e-3, label="eps"), weight_decay=hp(draw, 0.0, 1.0, label="weight_decay"),
             momentum=mom, centered=centered, maximize=draw(st.booleans(), label="maximize"))
    return v


register(KernelSpec("rmsprop_step", _rmsprop, ("param", "square_avg", "grad_avg", "momentum_buffer"),
                    tol=lambda dt: (1e-5, 0.0) if dt == np.float32 else (1e-12, 0.0),
                    bad_hypers={"lr": [-1.0, math.nan], "alpha": [-0.1, math.nan], "eps": [-1.0, math.nan],
                                "momentum": [-1.0], "weight_decay": [-1.0]}))


def _average(draw, dtype):
    shape = draw_shape(draw)
    return {"avg": fill(draw, shape, dtype), "param": fill(draw, shape, dtype),
            "weight": hp(draw, 0.0, 1.0, label="weight")}


register(KernelSpec("average_update", _average, ("avg",), bad_hypers={"weight": [-0.1, 1.5, math.nan]}))


def _array_list(draw, dtype, *, mixed=False, zero_d=False):
    k = draw(st.integers(0, 4), label="narrays")
    out = []
    for _ in range(k):
        dt = draw(st.sampled_from(DTYPES), label="dtype_i") if mixed else dtype
        shape = () if zero_d and draw(st.integers(0, 5), label="0d?") == 0 else draw_shape(draw, max_dims=2)
        out.append(fill(draw, shape, dt))
    return out


def _clamp(draw, dtype):
    return {"arrays": _array_list(draw, dtype), "clip_value": hp(draw, 0.0, 1e3, label="clip_value",
                                                                 specials_ok=(math.inf,))}


def _scale(draw, dtype):
    return {"arrays": _array_list(draw, dtype),
            "factor": draw(st.one_of(st.floats(-10, 10), st.sampled_from([0.0, math.inf, math.nan, 1e-300])),
                           label="factor")}


def _grad_norm(draw, dtype):
    v = {"arrays": _array_list(draw, dtype, mixed=True, zero_d=True),
         "norm_type": draw(st.one_of(st.sampled_from([1.0, 2.0, math.inf, 0.5, 3.0]),
                                     st.floats(0.1, 8.0)), label="norm_type")}
    if v["norm_type"] == math.inf:   # NaN with the inf-norm: the twin drops it (tests/reliability/test_rel_bugs.py)
        for a in v["arrays"]:
            a[np.isnan(a)] = 0.0
    return v


register(KernelSpec("clamp_arrays", _clamp, ("arrays",), bad_hypers={"clip_value": [-1.0, math.nan]}))
register(KernelSpec("scale_arrays", _scale, ("arrays",)))
register(KernelSpec("grad_norm", _grad_norm, (),
                    nonfinite="loose", overflow_ok=True, tol=lambda dt: (1e-10, 0.0),
                    bad_hypers={"norm_type": [0.0, -1.0, math.nan]}))


# ---- nn -----------------------------------------------------------------------------------------------

KINDS = ("relu", "tanh", "sigmoid")
_act_tol = lambda dt: (1e-5, 1e-6) if dt == np.float32 else (1e-13, 1e-15)  # noqa: E731 (f32: polynomial exp)


def _act_fwd(draw, dtype):
    shape = draw_shape(draw)
    v = {"x": fill(draw, shape, dtype), "kind": draw(st.sampled_from(KINDS), label="kind")}
    if draw(st.booleans(), label="out?"):
        v["out"] = fill(draw, shape, dtype)
    return v


def _act_bwd(draw, dtype):
    shape = draw_shape(draw)
    v = {"grad_output": fill(draw, shape, dtype), "output": fill(draw, shape, dtype),
         "kind": draw(st.sampled_from(KINDS), label="kind")}
    if draw(st.booleans(), label="grad_input?"):
        v["grad_input"] = fill(draw, shape, dtype)
    return v


register(KernelSpec("activation_forward", _act_fwd, ("out",), tol=_act_tol, bad_hypers={"kind": ["softplus"]}))
register(KernelSpec("activation_backward", _act_bwd, ("grad_input",), tol=_act_tol,
                    bad_hypers={"kind": ["softplus"]}))


def _bias_grad(draw, dtype):
    B, D = draw_rows_cols(draw)
    return {"grad_bias": fill(draw, (D,), dtype), "grad_output": fill(draw, (B, D), dtype)}


# sums in double in the kernel, in the dtype in the twin; gradients of a mean are O(1/n): small atol.
# These kernels are "loose" + overflow_ok: computing in double, the kernel stays finite (or overflows with
# another sign) where the float32 twin overflows, when inputs are near the overflow threshold.
_red_tol = lambda dt: (2e-5, 1e-10) if dt == np.float32 else (1e-12, 1e-15)  # noqa: E731
register(KernelSpec("bias_grad", _bias_grad, ("grad_bias",), scale_atol=True, tol=_red_tol))


def _mse(draw, dtype):
    shape = draw_shape(draw)
    v = {"output": fill(draw, shape, dtype), "target": fill(draw, shape, dtype)}
    if draw(st.booleans(), label="grad?"):
        v["grad"] = fill(draw, shape, dtype)
    return v


def _bce(draw, dtype):
    shape = draw_shape(draw)
    v = {"logits": fill(draw, shape, dtype), "target": fill(draw, shape, dtype, lo=0.0, hi=1.0, finite=True)}
    if draw(st.booleans(), label="grad?"):
        v["grad"] = fill(draw, shape, dtype)
    return v


register(KernelSpec("mse_loss", _mse, ("grad",), nonfinite="loose", overflow_ok=True, tol=_red_tol))
register(KernelSpec("bce_with_logits", _bce, ("grad",), nonfinite="loose", overflow_ok=True, tol=_red_tol))


def _xent(draw, dtype):
    B, K = draw_rows_cols(draw, min_cols=1)
    ldt = draw(st.sampled_from([np.int64, np.int32]), label="label_dtype")
    seed = draw(st.integers(0, 2**32 - 1), label="label_seed")
    v = {"logits": fill(draw, (B, K), dtype),
         "labels": np.random.default_rng(seed).integers(0, K, B).astype(ldt),
         "label_smoothing": hp(draw, 0.0, 1.0, label="label_smoothing")}
    if draw(st.booleans(), label="grad?"):
        v["grad"] = fill(draw, (B, K), dtype)
    if draw(st.booleans(), label="row_loss?"):
        v["row_loss"] = fill(draw, (B,), dtype)
    return v


register(KernelSpec("softmax_cross_entropy", _xent, ("grad", "row_loss"), nonfinite="loose", overflow_ok=True, tol=_red_tol,
                    bad_hypers={"label_smoothing": [-0.1, 1.5, math.nan]}))


def _bn_fwd(draw, dtype):
    training = draw(st.booleans(), label="training")
    B, D = draw_rows_cols(draw, min_rows=2 if training else 0)
    v = {"x": fill(draw, (B, D), dtype), "weight": fill(draw, (D,), dtype), "bias": fill(draw, (D,), dtype),
         "out": fill(draw, (B, D), dtype), "save_mean": fill(draw, (D,), dtype),
         "save_invstd": fill(draw, (D,), dtype), "training": training,
         "momentum": hp(draw, 0.0, 1.0, label="momentum"), "eps": hp(draw, 1e-8, 1.0, label="eps")}
    if not training or draw(st.booleans(), label="running?"):
        v["running_mean"] = fill(draw, (D,), dtype)
        v["running_var"] = fill(draw, (D,), dtype, positive=True)
    return v


def _bn_bwd(draw, dtype):
    B, D = draw_rows_cols(draw)
    v = {"grad_output": fill(draw, (B, D), dtype), "x": fill(draw, (B, D), dtype),
         "weight": fill(draw, (D,), dtype), "save_mean": fill(draw, (D,), dtype),
         "save_invstd": fill(draw, (D,), dtype, positive=True), "training": draw(st.booleans(), label="training")}
    for k, shp in (("grad_input", (B, D)), ("grad_weight", (D,)), ("grad_bias", (D,))):
        if draw(st.booleans(), label=f"{k}?"):
            v[k] = fill(draw, shp, dtype)
    return v


_bn_tol = lambda dt: (1e-4, 1e-6) if dt == np.float32 else (1e-10, 1e-12)  # noqa: E731
register(KernelSpec("batchnorm_forward", _bn_fwd, ("out", "save_mean", "save_invstd", "running_mean", "running_var"),
                    scale_atol=True, tol=_bn_tol, bad_hypers={"momentum": [-0.1, 1.5, math.nan], "eps": [0.0, -1.0, math.nan]}))
register(KernelSpec("batchnorm_backward", _bn_bwd, ("grad_input", "grad_weight", "grad_bias"), scale_atol=True, tol=_bn_tol))


# ---- regularize ---------------------------------------------------------------------------------------

def _seed(draw, label):
    return draw(st.one_of(st.integers(0, 10), st.integers(0, 2**64 - 1)), label=label)


def _dropout_fwd(draw, dtype):
    shape = draw_shape(draw)
    return {"x": fill(draw, shape, dtype), "out": fill(draw, shape, dtype),
            "p": draw(st.one_of(st.sampled_from([0.0, 0.5, 1.0]), st.floats(0.0, 1.0)), label="p"),
            "seed": _seed(draw, "seed"), "counter": _seed(draw, "counter"),
            "inverted": draw(st.booleans(), label="inverted")}


def _dropout_bwd(draw, dtype):
    v = _dropout_fwd(draw, dtype)
    return {"grad_output": v["x"], "grad_input": v["out"], "p": v["p"], "seed": v["seed"],
            "counter": v["counter"], "inverted": v["inverted"]}


def _dropout_mask(draw, dtype):
    shape = draw_shape(draw)
    return {"out": fill(draw, shape, dtype), "p": draw(st.floats(0.0, 1.0), label="p"),
            "seed": _seed(draw, "seed"), "counter": _seed(draw, "counter")}


def _rng_uniform(draw, dtype):
    return {"out": fill(draw, draw_shape(draw), dtype), "seed": _seed(draw, "seed"),
            "counter": _seed(draw, "counter")}


_drop_bad = {"p": [-0.1, 1.5, math.nan], "seed": [-1, 2**64], "counter": [-1]}
register(KernelSpec("dropout_forward", _dropout_fwd, ("out",), bad_hypers=_drop_bad))
register(KernelSpec("dropout_backward", _dropout_bwd, ("grad_input",), bad_hypers=_drop_bad))
register(KernelSpec("dropout_mask", _dropout_mask, ("out",), bad_hypers=_drop_bad))
register(KernelSpec("rng_uniform", _rng_uniform, ("out",), tol=lambda dt: (0.0, 0.0),
                    bad_hypers={"seed": [-1, 2**64], "counter": [-1]}))


def _one_param(hname, lo=0.0, hi=10.0):
    def build(draw, dtype):
        return {"param": fill(draw, draw_shape(draw), dtype), hname: hp(draw, lo, hi, label=hname)}
    return build


def _has_nonfinite(v):
    return (FloatingPointError,) if not np.isfinite(v["param"]).all() else ()


register(KernelSpec("prox_l1", _one_param("threshold"), ("param",), bad_hypers={"threshold": [-1.0, math.nan]}))
register(KernelSpec("l2_ball_project", _one_param("radius"), ("param",), nonfinite="loose", overflow_ok=True, tol=_red_tol,
                    bad_hypers={"radius": [-1.0, math.nan]}))
register(KernelSpec("l1_ball_project", _one_param("radius"), ("param",), nonfinite="loose", overflow_ok=True, tol=_red_tol, expect=_has_nonfinite,
                    bad_hypers={"radius": [-1.0, math.nan]}))


def _max_norm(draw, dtype):
    shape = draw_shape(draw)
    return {"param": fill(draw, shape, dtype), "max_value": hp(draw, 0.0, 10.0, label="max_value"),
            "axis": draw(st.integers(-len(shape), len(shape) - 1), label="axis")}


register(KernelSpec("max_norm", _max_norm, ("param",), nonfinite="loose", overflow_ok=True, tol=_red_tol,
                    bad_hypers={"max_value": [-1.0, math.nan], "axis": [5, -6]}))


# ---- secondorder --------------------------------------------------------------------------------------
# float64 and float32 where the kernel takes both; small n (O(n^2)/O(n^3) kernels).

_la_tol = lambda dt: (1e-4, 1e-5) if dt == np.float32 else (1e-9, 1e-12)  # noqa: E731


def _n(draw, lo=0, hi=8):
    return draw(st.integers(lo, hi), label="n")


def _bfgs(draw, dtype):
    n = _n(draw, 1)
    H = fill(draw, (n, n), dtype)
    with np.errstate(all="ignore"):
        H = np.ascontiguousarray(((H + H.T) / 2).astype(dtype))   # an inverse-Hessian estimate is symmetric
    return {"H": H, "s": fill(draw, (n,), dtype), "y": fill(draw, (n,), dtype)}


def _cg(draw, dtype):
    n = _n(draw, 1, 40)
    return {"x": fill(draw, (n,), dtype), "r": fill(draw, (n,), dtype), "p": fill(draw, (n,), dtype),
            "Ap": fill(draw, (n,), dtype), "rr": hp(draw, 1e-12, 10.0, label="rr", specials_ok=(1e-300,))}


def _chol(draw, dtype):
    n = _n(draw, 1)
    M = fill(draw, (n, n), dtype)
    if draw(st.booleans(), label="spd?"):
        with np.errstate(all="ignore"):
            M = (M @ M.T + n * np.eye(n)).astype(dtype)
    return {"x": fill(draw, (n,), dtype), "A": M, "b": fill(draw, (n,), dtype),
            "shift": hp(draw, 0.0, 10.0, label="shift")}


def _may_not_pd(v):
    return (np.linalg.LinAlgError, FloatingPointError)


def _lbfgs(draw, dtype):
    n = _n(draw, 0, 20)
    m = draw(st.integers(1, 5), label="m")
    return {"d": fill(draw, (n,), dtype), "g": fill(draw, (n,), dtype), "s": fill(draw, (m, n), dtype),
            "y": fill(draw, (m, n), dtype), "rho": fill(draw, (m,), dtype),
            "newest": draw(st.integers(0, m - 1), label="newest"), "count": draw(st.integers(0, m), label="count"),
            "gamma": hp(draw, 0.0, 10.0, label="gamma")}


def _glm(kind):
    def build(draw, dtype):
        N, D = draw_rows_cols(draw, big=False)
        K = draw(st.integers(1, 4), label="K") if kind == "softmax" else 1
        seed = draw(st.integers(0, 2**32 - 1), label="yseed")
        rng = np.random.default_rng(seed)
        v = {"g": fill(draw, (D * K,), dtype), "w": fill(draw, (D * K,), dtype), "X": fill(draw, (N, D), dtype)}
        if kind == "softmax":
            v["y"] = rng.integers(0, K, N).astype(np.int64)
            v["n_classes"] = K
        elif kind == "logistic":
            v["y"] = rng.integers(0, 2, N).astype(dtype)
        else:
            v["y"] = fill(draw, (N,), dtype)
        v["l2"] = hp(draw, 0.0, 1.0, label="l2")
        return v
    return build


def _quad(draw, dtype):
    n = _n(draw)
    return {"g": fill(draw, (n,), dtype), "x": fill(draw, (n,), dtype), "H": fill(draw, (n, n), dtype),
            "b": fill(draw, (n,), dtype)}


def _rosen(draw, dtype):
    n = _n(draw, 0, 40)
    return {"g": fill(draw, (n,), dtype), "x": fill(draw, (n,), dtype)}


def _eig(draw, dtype):
    n = _n(draw, 1, 6)
    return {"w": fill(draw, (n,), dtype), "V": fill(draw, (n, n), dtype), "A": fill(draw, (n, n), dtype)}


def _quadratic_fun(x):
    with np.errstate(all="ignore"):
        return 0.5 * float(x @ x), x.copy()


def _line_search(draw, dtype):
    n = _n(draw, 1, 10)
    # moderate finite values: a line search is control flow, and at 1e29 scale rounding differences send
    # kernel and twin down different (equally valid) branches; NaN objectives are tests/reliability/test_rel_nonfinite.py
    x = fill(draw, (n,), np.float64, finite=True, lo=-1e3, hi=1e3)
    with np.errstate(all="ignore"):
        f, g = _quadratic_fun(x)
    d = -g if draw(st.booleans(), label="descent?") else fill(draw, (n,), np.float64, finite=True, lo=-1e3, hi=1e3)
    return {"fun": _quadratic_fun, "x": x, "d": np.ascontiguousarray(d), "f": f, "g": g,
            "t": hp(draw, 1e-3, 10.0, label="t"), "kind": draw(st.sampled_from(["strong-wolfe", "more-thuente", "backtracking"]), label="kind"),
            "c1": 1e-4, "c2": 0.9}


def _cd(draw, dtype):
    n = _n(draw, 1, 12)
    M = fill(draw, (n, n), dtype, finite=True, lo=-1e15, hi=1e15)
    with np.errstate(all="ignore"):   # the kernel's domain: A symmetric positive definite
        M = np.ascontiguousarray((M @ M.T + n * np.eye(n)).astype(dtype))
    v = {"x": fill(draw, (n,), dtype), "A": M, "b": fill(draw, (n,), dtype),
         "l1": hp(draw, 0.0, 2.0, label="l1")}
    if draw(st.booleans(), label="path?"):
        v["path"] = fill(draw, (n, n), dtype)
    return v


register(KernelSpec("coordinate_descent_sweep", _cd, ("x", "path"), scale_atol=True, tol=_la_tol, overflow_ok=True, nonfinite="loose",
                    expect=lambda v: (ValueError, FloatingPointError, np.linalg.LinAlgError),
                    bad_hypers={"l1": [-1.0, math.nan]}))
register(KernelSpec("bfgs_update", _bfgs, ("H",), overflow_ok=True, nonfinite="loose", scale_atol=True, tol=_la_tol))
register(KernelSpec("cg_step", _cg, ("x", "r", "p"), overflow_ok=True, nonfinite="loose", scale_atol=True, tol=_la_tol, expect=_may_not_pd))
# any finite shift is valid: A + shift I may be positive definite for a negative shift (a drawn A with a
# diagonal above 1 and shift=-1 is), so only non-finite shifts must raise
register(KernelSpec("cholesky_solve", _chol, ("x",), overflow_ok=True, nonfinite="loose", tol=_la_tol, expect=_may_not_pd,
                    bad_hypers={"shift": [-math.inf, math.nan]}))
register(KernelSpec("lbfgs_two_loop", _lbfgs, ("d",), overflow_ok=True, nonfinite="loose", scale_atol=True, tol=_la_tol,
                    bad_hypers={"newest": [-1, 99], "count": [-1, 99]}))
register(KernelSpec("least_squares_value_and_grad", _glm("ls"), ("g",), overflow_ok=True, nonfinite="loose",
                    scale_atol=True, tol=_la_tol, bad_hypers={"l2": [-1.0]}))
register(KernelSpec("logistic_value_and_grad", _glm("logistic"), ("g",), overflow_ok=True, nonfinite="loose",
                    scale_atol=True, tol=_la_tol, bad_hypers={"l2": [-1.0]}))
register(KernelSpec("softmax_value_and_grad", _glm("softmax"), ("g",), overflow_ok=True, nonfinite="loose",
                    scale_atol=True, tol=_la_tol, bad_hypers={"l2": [-1.0], "n_classes": [0, -1]}))
register(KernelSpec("quadratic_value_and_grad", _quad, ("g",), overflow_ok=True, nonfinite="loose", scale_atol=True, tol=_la_tol))
register(KernelSpec("rosenbrock_value_and_grad", _rosen, ("g",), overflow_ok=True, nonfinite="loose", scale_atol=True, tol=_la_tol))
register(KernelSpec("sym_eig", _eig, ("w", "V"), overflow_ok=True, nonfinite="loose", scale_atol=True, tol=_la_tol, compare=("w",),
                    expect=lambda v: (FloatingPointError,)))
def _not_descent(v):
    with np.errstate(all="ignore"):
        return () if float(v["g"] @ v["d"]) < 0 else (ValueError,)


# the accepted step is compared with the twin in tests/kernels/test_secondorder_kernels.py; here (random starts,
# t on a Wolfe boundary) the two may legitimately accept different points: outputs and bounds only
register(KernelSpec("line_search", _line_search, (), compare_return=False, overflow_ok=True, nonfinite="loose", tol=_la_tol, dtypes=(np.float64,), expect=_not_descent,
                    bad_hypers={"kind": ["nope"], "c1": [-1.0], "c2": [2.0], "max_ls": [-1], "xtol": [-1.0, math.nan]}))


# ---- optim-more-a: Adadelta, Adamax, NAdam, RAdam ------------------------------------------------------

def _adadelta(draw, dtype):
    shape, v = _opt_common(draw, dtype)
    v["square_avg"] = fill(draw, shape, dtype, positive=True)
    v["acc_delta"] = fill(draw, shape, dtype, positive=True)
    v.update(lr=hp(draw, 0.0, 10.0, label="lr"), rho=hp(draw, 0.0, 1.0, label="rho"),
             eps=hp(draw, 0.0, 1e-3, label="eps"), weight_decay=hp(draw, 0.0, 1.0, label="weight_decay"),
             maximize=draw(st.booleans(), label="maximize"))
    return v


def _adamax(draw, dtype):
    shape, v = _opt_common(draw, dtype)
    v["exp_avg"] = fill(draw, shape, dtype)
    v["exp_inf"] = fill(draw, shape, dtype, positive=True)
    v.update(lr=hp(draw, 0.0, 10.0, label="lr"), beta1=hp(draw, 0.0, 0.999, label="beta1"),
             beta2=hp(draw, 0.0, 0.9999, label="beta2"), eps=hp(draw, 0.0, 1e-3, label="eps"),
             weight_decay=hp(draw, 0.0, 1.0, label="weight_decay"), step=_step(draw),
             maximize=draw(st.booleans(), label="maximize"))
    return v


def _adam_like(draw, dtype):
    shape, v = _opt_common(draw, dtype)
    v["exp_avg"] = fill(draw, shape, dtype)
    v["exp_avg_sq"] = fill(draw, shape, dtype, positive=True)
    v.update(lr=hp(draw, 0.0, 10.0, label="lr"), beta1=hp(draw, 0.0, 0.999, label="beta1"),
             beta2=hp(draw, 0.0, 0.9999, label="beta2"), eps=hp(draw, 0.0, 1e-3, label="eps"),
             weight_decay=hp(draw, 0.0, 1.0, label="weight_decay"), step=_step(draw),
             maximize=draw(st.booleans(), label="maximize"),
             decoupled_weight_decay=draw(st.booleans(), label="decoupled"))
    return v


def _nadam(draw, dtype):
    v = _adam_like(draw, dtype)
    v.update(momentum_decay=hp(draw, 0.0, 0.1, label="momentum_decay"),
             mu_product=hp(draw, 0.0, 0.999, label="mu_product"))
    return v


_ADAM_LIKE_BAD = {"lr": [-1.0, math.nan], "beta1": [1.0, -0.1, math.nan], "beta2": [1.0, -0.1],
                  "eps": [-1.0, math.nan], "weight_decay": [-1.0], "step": [0.0, math.nan]}
_MORE_TOL = lambda dt: (1e-5, 0.0) if dt == np.float32 else (1e-12, 0.0)  # noqa: E731

register(KernelSpec("adadelta_step", _adadelta, ("param", "square_avg", "acc_delta"), tol=_MORE_TOL,
                    bad_hypers={"lr": [-1.0, math.nan], "rho": [-0.1, 1.5, math.nan], "eps": [-1.0, math.nan],
                                "weight_decay": [-1.0, math.nan]}))
register(KernelSpec("adamax_step", _adamax, ("param", "exp_avg", "exp_inf"), tol=_MORE_TOL,
                    bad_hypers={k: v for k, v in _ADAM_LIKE_BAD.items()}))
register(KernelSpec("nadam_step", _nadam, ("param", "exp_avg", "exp_avg_sq"), tol=_MORE_TOL,
                    bad_hypers=dict(_ADAM_LIKE_BAD, momentum_decay=[-1.0, math.nan], mu_product=[1.0, -0.1, math.nan])))
register(KernelSpec("radam_step", _adam_like, ("param", "exp_avg", "exp_avg_sq"), tol=_MORE_TOL,
                    bad_hypers=dict(_ADAM_LIKE_BAD)))

# ---- optim extra: ASGD, Rprop, Adafactor, Muon (csrc/optim_extra.c) ------------------------------------

def _asgd(draw, dtype):
    shape, v = _opt_common(draw, dtype)
    v["ax"] = fill(draw, shape, dtype)
    v.update(eta=hp(draw, 0.0, 10.0, label="eta"), lambd=hp(draw, 0.0, 1.0, label="lambd"),
             mu=hp(draw, 0.0, 1.0, label="mu"), weight_decay=hp(draw, 0.0, 1.0, label="weight_decay"),
             maximize=draw(st.booleans(), label="maximize"))
    return v


register(KernelSpec("asgd_step", _asgd, ("param", "ax"),
                    tol=lambda dt: (1e-6, 0.0) if dt == np.float32 else (1e-13, 0.0),
                    bad_hypers={"eta": [-1.0, math.nan], "mu": [-0.1, 1.5, math.nan], "lambd": [math.nan],
                                "weight_decay": [-1.0, math.nan]}))


def _rprop(draw, dtype):
    shape, v = _opt_common(draw, dtype)
    v["prev"] = fill(draw, shape, dtype)
    v["step_size"] = fill(draw, shape, dtype, positive=True)
    v.update(etaminus=hp(draw, 0.01, 0.99, label="etaminus"), etaplus=hp(draw, 1.01, 3.0, label="etaplus"),
             step_size_min=hp(draw, 0.0, 1e-3, label="step_size_min"),
             step_size_max=hp(draw, 1.0, 100.0, label="step_size_max"), maximize=draw(st.booleans(), label="maximize"))
    return v


register(KernelSpec("rprop_step", _rprop, ("param", "prev", "step_size"),
                    tol=lambda dt: (0.0, 0.0),
                    bad_hypers={"etaminus": [0.0, 1.0, -0.5, math.nan], "etaplus": [1.0, 0.5, math.nan],
                                "step_size_min": [math.nan], "step_size_max": [math.nan]}))


def _adafactor(draw, dtype):
    if draw(st.integers(0, KNOBS["big_one_in"] - 1), label="big") == 0:
        shape = draw(st.sampled_from([(PAR_GRAIN + 37,), (600, 500), (3, 300, 301)]), label="bigshape")
    else:
        shape = draw_shape(draw, big=False)
    v = {"param": fill(draw, shape, dtype), "grad": fill(draw, shape, dtype)}
    if len(shape) >= 2:
        v["row_var"] = fill(draw, shape[:-1] + (1,), dtype, positive=True)
        v["col_var"] = fill(draw, shape[:-2] + (1, shape[-1]), dtype, positive=True)
    else:
        v["variance"] = fill(draw, shape, dtype, positive=True)
    v.update(lr=hp(draw, 0.0, 1.0, label="lr"), beta2_decay=hp(draw, -2.0, 0.0, label="beta2_decay"),
             eps2=hp(draw, 0.0, 1e-2, label="eps2"), d=hp(draw, 1.0, 5.0, label="d"),
             weight_decay=hp(draw, 0.0, 1.0, label="weight_decay"), step=_step(draw),
             maximize=draw(st.booleans(), label="maximize"))
    if draw(st.booleans(), label="eps1?"):
        v["eps1"] = hp(draw, 0.0, 1e-3, label="eps1")
    return v


# sums of squares in another order than the twin's: the norms (and so the step's scale) agree to rounding
register(KernelSpec("adafactor_step", _adafactor, ("param", "row_var", "col_var", "variance"),
                    nonfinite="loose", overflow_ok=True, scale_atol=True,
                    tol=lambda dt: (1e-5, 0.0) if dt == np.float32 else (1e-12, 0.0),
                    bad_hypers={"lr": [-1.0, math.nan], "beta2_decay": [0.5, math.nan], "eps1": [-1.0, math.nan],
                                "eps2": [-1.0, math.nan], "d": [0.5, math.nan], "weight_decay": [-1.0],
                                "step": [0.0, math.nan]}))


def _muon_momentum(draw, dtype):
    shape = draw_shape(draw)
    return {"grad": fill(draw, shape, dtype), "momentum_buffer": fill(draw, shape, dtype),
            "out": fill(draw, shape, dtype), "momentum": hp(draw, 0.0, 1.5, label="momentum"),
            "nesterov": draw(st.booleans(), label="nesterov")}


def _muon_apply(draw, dtype):
    shape = draw_shape(draw)
    return {"param": fill(draw, shape, dtype), "update": fill(draw, shape, dtype),
            "lr": hp(draw, 0.0, 1.0, label="lr"), "weight_decay": hp(draw, 0.0, 1.0, label="weight_decay"),
            "adjusted_lr": hp(draw, 0.0, 2.0, label="adjusted_lr")}


register(KernelSpec("muon_momentum", _muon_momentum, ("momentum_buffer", "out"), tol=lambda dt: (0.0, 0.0),
                    bad_hypers={"momentum": [-0.1, math.nan]}))
register(KernelSpec("muon_apply", _muon_apply, ("param",), tol=lambda dt: (0.0, 0.0),
                    bad_hypers={"lr": [-1.0, math.nan], "weight_decay": [-1.0, math.nan],
                                "adjusted_lr": [-1.0, math.nan]}))
