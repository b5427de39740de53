"""Tour part: a 64-128-10 ReLU MLP on the digits with SGD, momentum and Adam (book 8.1, 8.3, 8.5).

The same network, initialization, minibatch order (seed) and number of epochs for the three
optimizers; the table shows training and test accuracy and the time per epoch, the figure the train and
test loss curves (book 8.1.1: the test loss flattens or rises while the training loss keeps falling).
"""
from __future__ import annotations

import time

import numpy as np


def _model(po):
    return po.nn.Sequential(po.nn.Dense(64, 128, seed=0), po.nn.ReLU(), po.nn.Dense(128, 10, seed=1))


def run(args) -> None:
    import pyoptim as po

    quick = bool(getattr(args, "quick", False))
    try:
        Xtr, Xte, ytr, yte = po.datasets.load_digits(test_size=0.25, seed=1)
    except ImportError as exc:
        print(f"  skipped: {exc}")
        return
    mu, sd = Xtr.mean(0), Xtr.std(0) + 0.1  # standardize with training statistics
    Xtr, Xte = (Xtr - mu) / sd, (Xte - mu) / sd
    epochs = 8 if quick else 30
    loss = po.nn.SoftmaxCrossEntropy()
    runs = [
        ("SGD", "lr=0.05", lambda p: po.optim.SGD(p, lr=0.05)),
        ("SGD + momentum", "lr=0.01, momentum=0.9", lambda p: po.optim.SGD(p, lr=0.01, momentum=0.9)),
        ("Adam", "lr=1e-3", lambda p: po.optim.Adam(p, lr=1e-3)),
    ]
    print(f"  digits: {len(Xtr)} train / {len(Xte)} test, MLP 64-128-10 ReLU, batch 32, {epochs} epochs, seed 0")
    print(f"  {'optimizer':<16} {'settings':<24} {'train acc':>9} {'test acc':>9} {'test loss':>9} {'ms/epoch':>9}")
    histories = {}
    for name, settings, make in runs:
        model = _model(po)
        t0 = time.perf_counter()
        hist = po.fit(model, loss, make(model.parameters()), Xtr, ytr, epochs=epochs, batch_size=32,
                      validation_data=(Xte, yte), seed=0, progress=False)
        per_epoch = (time.perf_counter() - t0) / epochs * 1e3
        train = po.evaluate(model, loss, Xtr, ytr)
        h = hist.history
        histories[name] = h
        print(f"  {name:<16} {settings:<24} {train['accuracy']:>9.4f} {h['val_accuracy'][-1]:>9.4f} "
              f"{h['val_loss'][-1]:>9.4f} {per_epoch:>9.1f}")
    try:
        from . import figures
        for name, h in histories.items():
            figures.note(args, f"{name} test accuracy", f"{h['val_accuracy'][-1]:.4f}")
    except ImportError:  # pragma: no cover
        figures = None
    if not getattr(args, "out", None):
        return
    try:
        import pyoptim as po
        po.plot.matplotlib_module()
    except ImportError:
        print('  (matplotlib not installed: no figure; pip install "pyoptim-dlbook[tour]")')
        return
    fig, (ax1, ax2) = po.plot.figure((10, 3.6), 1, 2)     # translated when drawn (--lang ko)
    x = np.arange(1, epochs + 1)
    for (name, h), color in zip(histories.items(), list(po.plot.OKABE_ITO.values())):
        ax1.plot(x, h["loss"], "-", color=color, label=f"{name} train")
        ax1.plot(x, h["val_loss"], "--", color=color, label=f"{name} test")
        ax2.plot(x, h["val_accuracy"], "-", color=color, label=name)
    ax1.set_yscale("log")
    ax1.set(xlabel="epoch", ylabel="cross-entropy", title="digits: train (solid) vs test (dashed) loss")
    ax2.set(xlabel="epoch", ylabel="test accuracy", title="test accuracy")
    ax1.legend(ncol=2, loc="upper right")   # 9 pt: 7 and 8 pt read as 6 once a 10-inch figure fits a page
    ax2.legend(loc="lower right")
    ax1.grid(alpha=0.3)
    ax2.grid(alpha=0.3)
    if figures is not None:
        figures.save(fig, args, "digits_loss")
    else:  # pragma: no cover
        import os
        os.makedirs(args.out, exist_ok=True)
        fig.savefig(os.path.join(args.out, "digits_loss.png"), dpi=110)
