"""Tour part: regularization on the digits (book chapter 7).

One MLP (64-256-256-10, ReLU), one small training set (so that it can overfit), the same initialization
and minibatch order, trained four ways: no regularization, L2 weight decay (7.1.1), dropout with a
max-norm constraint (7.12, 7.2) and early stopping on a held-out validation split (7.8, restoring the
best epoch). The table gives the final training and test accuracy of each.
"""
from __future__ import annotations

import time

import numpy as np


def _model(po, dropout: float = 0.0):
    layers = [po.nn.Dense(64, 256, seed=0), po.nn.ReLU()]
    if dropout:
        layers.append(po.nn.Dropout(dropout, seed=1))
    layers += [po.nn.Dense(256, 256, seed=2), po.nn.ReLU()]
    if dropout:
        layers.append(po.nn.Dropout(dropout, seed=3))
    layers.append(po.nn.Dense(256, 10, seed=4))
    return po.nn.Sequential(*layers)


def run(args) -> None:
    import pyoptim as po

    quick = bool(getattr(args, "quick", False))
    try:
        Xtr, Xte, ytr, yte = po.datasets.load_digits(test_size=0.5, seed=1)
    except ImportError as exc:
        print(f"  skipped: {exc}")
        return
    n_train = 300
    Xtr, ytr = Xtr[:n_train], ytr[:n_train]
    Xfit, yfit, Xval, yval = Xtr[:240], ytr[:240], Xtr[240:], ytr[240:]
    epochs = 15 if quick else 60
    loss = po.nn.SoftmaxCrossEntropy()

    def opt(m):
        return po.optim.SGD(m.parameters(), lr=0.05, momentum=0.9)

    runs = [
        ("none", "", lambda: _model(po), {}),
        ("L2", "alpha=1e-3 (weights only)", lambda: _model(po), {"regularizers": [po.regularizers.L2(1e-3)]}),
        ("dropout", "p=0.5, max-norm 3", lambda: _model(po, 0.5),
         {"constraints": [po.constraints.MaxNorm(3.0, axis=0)]}),
        ("early stopping", "patience 5, 60 train / 240 fit", lambda: _model(po), "es"),
    ]
    print(f"  digits: {n_train} train / {len(Xte)} test, MLP 64-256-256-10 ReLU, SGD lr=0.05 momentum 0.9, "
          f"batch 32, {epochs} epochs, seed 0")
    print(f"  {'regularizer':<16} {'settings':<32} {'train acc':>9} {'test acc':>9} {'epochs run':>10} {'s':>6}")
    for name, settings, make, kw in runs:
        model = make()
        t0 = time.perf_counter()
        if kw == "es":
            es = po.callbacks.EarlyStopping("val_loss", patience=5)
            es_hist = po.fit(model, loss, opt(model), Xfit, yfit, epochs=epochs, batch_size=32,
                             validation_data=(Xval, yval), callbacks=[es], seed=0, progress=False)
            ran = (es.stopped_epoch + 1) if es.stopped_epoch is not None else epochs
            settings = f"patience 5, best epoch {es.best_epoch} (from 0)"
        else:
            po.fit(model, loss, opt(model), Xtr, ytr, epochs=epochs, batch_size=32, seed=0, progress=False, **kw)
            ran = epochs
        dt = time.perf_counter() - t0
        tr = po.evaluate(model, loss, Xtr, ytr)["accuracy"]
        te = po.evaluate(model, loss, Xte, yte)["accuracy"]
        print(f"  {name:<16} {settings:<32} {tr:>9.4f} {te:>9.4f} {ran:>10d} {dt:>6.1f}")
        try:
            from . import figures
            figures.note(args, f"regularization: {name} test accuracy", f"{te:.4f}")
        except (ImportError, AttributeError):
            pass
    print("  (early stopping trains on 240 of the 300 examples and validates on the other 60)")
    if getattr(args, "out", None):
        try:
            from . import figures
            figures.save(po.plot.loss_curves(es_hist, mark_epoch=es, title="Early stopping (book Fig. 7.3)"),
                         args, "tour_regularization_early_stopping")
            masks = np.stack([po.nn.Dropout(0.5, seed=0).mask((8, 8), counter=c) for c in range(8)])
            figures.save(po.plot.dropout_masks(masks, p=0.5), args, "tour_regularization_dropout_masks")
        except ImportError as exc:  # matplotlib is optional
            print(f"  (no figures: {exc})")
