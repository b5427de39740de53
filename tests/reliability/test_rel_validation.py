"""Input validation of the high-level API (issue 6, part 7): one table.

Every row is a call that must be rejected before anything is computed, with the exception type and a
message that names the argument and shows the value received (the project's format:
``ValueError(f"Invalid {name}: {value!r} (expected ...)")``; TypeError rows need only name the argument).
"""
from __future__ import annotations

import numpy as np
import pytest

import pyoptim as po

nn, optim = po.nn, po.optim


def _params():
    return [po.nn.Parameter(np.zeros(3))]


def _opt():
    return optim.SGD(_params(), lr=0.1)


def _data():
    rng = np.random.default_rng(0)
    return rng.standard_normal((10, 3)), rng.integers(0, 2, 10)


def _fit(**kw):
    X, y = _data()
    model = nn.Sequential(nn.Dense(3, 2, seed=0))
    args = dict(epochs=1, batch_size=4, progress=False)
    args.update(kw)
    return po.fit(model, nn.SoftmaxCrossEntropy(), optim.SGD(model.parameters(), lr=0.1), X, y, **args)


def _quad(x):
    return float(x @ x), 2 * x


# (id, thunk, exception, argument name, value shown in the message or None)
ROWS = [
    # ---- optimizers
    ("SGD lr<0", lambda: optim.SGD(_params(), lr=-0.1), ValueError, "lr", "-0.1"),
    ("SGD lr nan", lambda: optim.SGD(_params(), lr=float("nan")), ValueError, "lr", "nan"),
    ("SGD momentum<0", lambda: optim.SGD(_params(), lr=0.1, momentum=-0.5), ValueError, "momentum", "-0.5"),
    ("SGD weight_decay<0", lambda: optim.SGD(_params(), lr=0.1, weight_decay=-1.0), ValueError, "weight_decay", "-1.0"),
    ("SGD nesterov without momentum", lambda: optim.SGD(_params(), lr=0.1, nesterov=True), ValueError, "esterov", None),
    ("SGD lr str", lambda: optim.SGD(_params(), lr="fast"), (TypeError, ValueError), "lr|learning rate", None),
    ("SGD empty params", lambda: optim.SGD([], lr=0.1), ValueError, "param", None),
    ("SGD params not iterable", lambda: optim.SGD(5, lr=0.1), TypeError, "param", None),
    ("SGD int params", lambda: optim.SGD([np.zeros(3, np.int64)], lr=0.1), (TypeError, ValueError), "param", None),
    ("sgd_step kernel lr nan", lambda: po.kernels.sgd_step(np.zeros(2), np.zeros(2), lr=float("nan")), ValueError,
     "lr", "nan"),
    ("Adam lr<0", lambda: optim.Adam(_params(), lr=-1.0), ValueError, "lr", "-1.0"),
    ("Adam beta1=1", lambda: optim.Adam(_params(), betas=(1.0, 0.999)), ValueError, "beta", "1.0"),
    ("Adam beta2<0", lambda: optim.Adam(_params(), betas=(0.9, -0.1)), ValueError, "beta", "-0.1"),
    ("Adam eps<0", lambda: optim.Adam(_params(), eps=-1e-8), ValueError, "eps", "-1e-08"),
    ("Adam weight_decay<0", lambda: optim.Adam(_params(), weight_decay=-0.1), ValueError, "weight_decay", "-0.1"),
    ("AdamW beta1<0", lambda: optim.AdamW(_params(), betas=(-0.1, 0.999)), ValueError, "beta", "-0.1"),
    ("AdamW eps nan", lambda: optim.AdamW(_params(), eps=float("nan")), ValueError, "eps", "nan"),
    ("Adagrad lr_decay<0", lambda: optim.Adagrad(_params(), lr_decay=-1.0), ValueError, "lr_decay", "-1.0"),
    ("Adagrad eps<0", lambda: optim.Adagrad(_params(), eps=-1.0), ValueError, "eps", "-1.0"),
    ("Adagrad initial_accumulator_value<0", lambda: optim.Adagrad(_params(), initial_accumulator_value=-1.0),
     ValueError, "initial_accumulator_value", "-1.0"),
    ("RMSprop alpha<0", lambda: optim.RMSprop(_params(), alpha=-0.5), ValueError, "alpha", "-0.5"),
    ("RMSprop momentum<0", lambda: optim.RMSprop(_params(), momentum=-0.5), ValueError, "momentum", "-0.5"),
    ("RMSprop eps<0", lambda: optim.RMSprop(_params(), eps=-1.0), ValueError, "eps", "-1.0"),
    ("Averaged mode", lambda: optim.Averaged(_opt(), mode="median"), ValueError, "mode", "median"),
    ("Averaged decay>1", lambda: optim.Averaged(_opt(), mode="ema", decay=1.5), ValueError, "decay", "1.5"),
    ("Averaged start<0", lambda: optim.Averaged(_opt(), start=-1), ValueError, "start", "-1"),
    ("clip_grad_norm_ norm_type<=0", lambda: optim.clip_grad_norm_([np.ones(3)], 1.0, norm_type=0.0),
     ValueError, "norm_type", "0.0"),
    ("clip_grad_value_ clip_value<0", lambda: optim.clip_grad_value_([np.ones(3)], -1.0), ValueError,
     "clip_value", "-1.0"),
    # ---- schedulers
    ("StepLR step_size=0", lambda: optim.lr_scheduler.StepLR(_opt(), step_size=0), ValueError, "step_size", "0"),
    ("ExponentialLR gamma<0", lambda: optim.lr_scheduler.ExponentialLR(_opt(), gamma=-0.5), ValueError, "gamma",
     "-0.5"),
    ("LinearLR start_factor=0", lambda: optim.lr_scheduler.LinearLR(_opt(), start_factor=0.0), ValueError,
     "start_factor", "0.0"),
    ("LinearLR total_iters<0", lambda: optim.lr_scheduler.LinearLR(_opt(), total_iters=-1), ValueError,
     "total_iters", "-1"),
    ("CosineAnnealingLR T_max=0", lambda: optim.lr_scheduler.CosineAnnealingLR(_opt(), T_max=0), ValueError,
     "T_max", "0"),
    ("ReduceLROnPlateau factor=1", lambda: optim.lr_scheduler.ReduceLROnPlateau(_opt(), factor=1.0), ValueError,
     "factor", "1.0"),
    ("ReduceLROnPlateau mode", lambda: optim.lr_scheduler.ReduceLROnPlateau(_opt(), mode="up"), ValueError,
     "mode", "up"),
    ("LambdaLR not callable", lambda: optim.lr_scheduler.LambdaLR(_opt(), lr_lambda=3), TypeError, "lr_lambda",
     None),
    ("scheduler non-optimizer", lambda: optim.lr_scheduler.StepLR(object(), step_size=1), TypeError, "ptimizer",
     None),
    # ---- layers and losses
    ("Dense in_features=0", lambda: nn.Dense(0, 3), ValueError, "in_features", "0"),
    ("Dense out_features<0", lambda: nn.Dense(3, -2), ValueError, "out_features", "-2"),
    ("Dense in_features float", lambda: nn.Dense(2.5, 3), (TypeError, ValueError), "in_features", "2.5"),
    ("Dense init", lambda: nn.Dense(3, 2, init="magic"), ValueError, "init", "magic"),
    ("Dense dtype int", lambda: nn.Dense(3, 2, dtype=np.int32), (TypeError, ValueError), "dtype", None),
    ("Dropout p>1", lambda: nn.Dropout(p=1.5), ValueError, "p", "1.5"),
    ("Dropout p<0", lambda: nn.Dropout(p=-0.1), ValueError, "p", "-0.1"),
    ("BatchNorm num_features=0", lambda: nn.BatchNorm(0), ValueError, "num_features", "0"),
    ("BatchNorm momentum>1", lambda: nn.BatchNorm(4, momentum=1.5), ValueError, "momentum", "1.5"),
    ("BatchNorm eps<=0", lambda: nn.BatchNorm(4, eps=0.0), ValueError, "eps", "0.0"),
    ("Residual non-module", lambda: nn.Residual(3), TypeError, "module", None),
    ("Sequential non-module", lambda: nn.Sequential(nn.ReLU(), "relu"), TypeError, "odule", None),
    ("SoftmaxCrossEntropy label_smoothing>1", lambda: nn.SoftmaxCrossEntropy(label_smoothing=1.5), ValueError,
     "label_smoothing", "1.5"),
    ("SoftmaxCrossEntropy label_smoothing<0", lambda: nn.SoftmaxCrossEntropy(label_smoothing=-0.1), ValueError,
     "label_smoothing", "-0.1"),
    ("Dense forward wrong width", lambda: nn.Dense(3, 2, seed=0).forward(np.ones((4, 5), np.float32)),
     ValueError, "5", None),
    ("SoftmaxCrossEntropy label out of range",
     lambda: nn.SoftmaxCrossEntropy().forward(np.zeros((2, 3)), np.array([0, 3])), ValueError, "3", None),
    ("MSELoss shape mismatch", lambda: nn.MSELoss().forward(np.zeros((2, 3)), np.zeros((3, 2))), ValueError,
     "shape", None),
    ("init gain<0", lambda: nn.init.glorot_uniform_(np.zeros((3, 3)), gain=-1.0, rng=0), ValueError, "gain",
     "-1.0"),
    # ---- training
    ("fit epochs<0", lambda: _fit(epochs=-1), ValueError, "epochs", "-1"),
    ("fit epochs float", lambda: _fit(epochs=1.5), (TypeError, ValueError), "epochs", "1.5"),
    ("fit batch_size=0", lambda: _fit(batch_size=0), ValueError, "batch_size", "0"),
    ("fit on_nonfinite", lambda: _fit(on_nonfinite="ignore"), ValueError, "on_nonfinite", "ignore"),
    ("fit checkpoint_every", lambda: _fit(checkpoint_every="sometimes"), ValueError, "checkpoint_every",
     "sometimes"),
    ("fit X/y length", lambda: po.fit(nn.Sequential(nn.Dense(3, 2)), nn.SoftmaxCrossEntropy(),
                                      optim.SGD(nn.Dense(3, 2).parameters(), lr=0.1), np.ones((10, 3)),
                                      np.zeros(9, np.int64), progress=False), ValueError, "10", None),
    ("minibatches batch_size=0", lambda: list(po.minibatches(np.ones((4, 2)), np.ones(4), 0)), ValueError,
     "batch_size", "0"),
    ("EarlyStopping patience<0", lambda: po.callbacks.EarlyStopping(patience=-1), ValueError, "patience", "-1"),
    ("save no path", lambda: po.save(None, extra=np.ones(2)), TypeError, "path", None),
    # ---- second order
    ("minimize method", lambda: po.minimize(_quad, np.ones(2), method="simplex"), ValueError, "method",
     "simplex"),
    ("minimize c1>c2", lambda: po.minimize(_quad, np.ones(2), options={"c1": 0.95}), ValueError, "c1",
     "0.95"),
    ("minimize maxiter", lambda: po.minimize(_quad, np.ones(2), options={"maxiter": "all"}), ValueError, "maxiter",
     "all"),
    ("minimize m=0", lambda: po.minimize(_quad, np.ones(2), method="lbfgs", options={"m": 0}), ValueError, "m", "0"),
    ("minimize gtol<0", lambda: po.minimize(_quad, np.ones(2), options={"gtol": -1.0}), ValueError, "gtol",
     "-1.0"),
    ("minimize line_search", lambda: po.minimize(_quad, np.ones(2), options={"line_search": "exact"}),
     ValueError, "line_search", "exact"),
    ("minimize x0 empty", lambda: po.minimize(_quad, np.ones(0)), ValueError, "x0", None),
    ("minimize fun not callable", lambda: po.minimize(3, np.ones(2)), TypeError, "fun", None),
    ("linear_cg tol<0", lambda: po.linear_cg(np.eye(2), np.ones(2), tol=-1.0), ValueError, "tol", "-1.0"),
    ("linear_cg shape", lambda: po.linear_cg(np.eye(3), np.ones(2)), ValueError, "shape", None),
    # ---- regularizers and constraints
    ("L2 alpha<0", lambda: po.regularizers.L2(alpha=-0.1), ValueError, "alpha", "-0.1"),
    ("L1 alpha<0", lambda: po.regularizers.L1(alpha=-0.1), ValueError, "alpha", "-0.1"),
    ("L1 alpha nan", lambda: po.regularizers.L1(alpha=float("nan")), ValueError, "alpha", "nan"),
    ("MaxNorm max_value<0", lambda: po.constraints.MaxNorm(max_value=-1.0), ValueError, "max_value", "-1.0"),
    ("MaxNorm max_value str", lambda: po.constraints.MaxNorm(max_value="big"), (TypeError, ValueError), "max_value",
     "big"),
    # ---- threads
    ("set_num_threads(0)", lambda: po.set_num_threads(0), ValueError, "n", "0"),
]

@pytest.mark.parametrize("row", [pytest.param(r, id=r[0], marks=[pytest.mark.c_only] if " kernel " in r[0] else [])
                                 for r in ROWS])
def test_rejects_with_a_message_naming_the_argument(row):
    _id, thunk, exc, name, value = row
    with np.errstate(all="ignore"), pytest.raises(exc) as info:
        thunk()
    msg = str(info.value)
    assert any(n.lower() in msg.lower() for n in name.split("|")), f"{_id}: the message does not name {name!r}: {msg}"
    if value is not None:
        assert value in msg, f"{_id}: the message does not show the value {value!r}: {msg}"
