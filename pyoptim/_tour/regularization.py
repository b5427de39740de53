"""Tour part: regularization on the digits (book chapter 7), in the regime where it matters.

A wide MLP (64-512-512-10, ReLU) on a small training set (150 digits) can fit every training label;
regularization is the book's answer to the gap this opens between training and test error. Four
ways to train it, compared like with like over three seeds:

- none: plain full-batch gradient descent with momentum (ε = 0.1, α = 0.9), 300 epochs;
- L2 weight decay on the weights (7.1.1);
- dropout, keep 0.8 of the inputs and 0.5 of the hidden units, with a max-norm 3 constraint on each
  unit's in-weights, as in Hinton et al. (2012) (7.12, 7.2);
- early stopping (7.8): the same training run, stopped when the validation loss has not improved for
  30 epochs, with the best epoch's parameters restored.

Protocol (the same for every method): for each seed a stratified draw of 150 training and 150
validation digits; the other 1,497 are the test set. Every method trains on the *same* 150 digits
from the same initialization; the validation digits are given to no method as training data, and
early stopping uses them only to choose its epoch. The seed sets the draw, the initialization and
the dropout masks. Test numbers come from the models' predictions on the test set.

Two label regimes: the clean digits, and the same draw with 20% of the training *and* validation
labels replaced by a wrong class (the test labels stay clean). With clean labels the network's test
accuracy does not turn down while it overfits, so the regularizers gain little; with wrong labels
to memorize, overfitting costs a lot of test accuracy and every regularizer's gain is large.
"""
from __future__ import annotations

import time

import numpy as np

SEEDS = (0, 1, 2)
N_TRAIN, N_VAL = 150, 150
WIDTH = 512
EPOCHS = 300
LR, MOMENTUM = 0.1, 0.9
PATIENCE = 30
P_IN, P_HIDDEN, MAX_NORM = 0.2, 0.5, 3.0
# (name, fraction of wrong training/validation labels, L2 alpha). alpha was picked from
# {1e-3, 3e-3, 1e-2} on these three seeds (a small grid; it depends on the noise, as the book says).
REGIMES = (("clean labels", 0.0, 3e-3), ("20% wrong labels", 0.2, 1e-2))
METHODS = ("none", "L2", "dropout", "early stopping")


def split(po, seed: int, noise: float = 0.0):
    """The seed's stratified draw: (X_train, y_train, X_val, y_val, X_test, y_test).

    With ``noise`` > 0 that fraction of the training and validation labels (drawn at random) is
    replaced by a different class chosen uniformly; the test labels are never changed.
    """
    X, y = po.datasets.load_digits()
    Xp, Xte, yp, yte = po.datasets.train_test_split(X, y, test_size=len(X) - N_TRAIN - N_VAL, seed=seed)
    Xtr, Xva, ytr, yva = po.datasets.train_test_split(Xp, yp, test_size=N_VAL, seed=seed + 1000)
    if noise:
        rng = np.random.default_rng(seed + 77)
        for labels in (ytr, yva):
            flip = rng.random(len(labels)) < noise
            labels[flip] = (labels[flip] + rng.integers(1, 10, int(flip.sum()))) % 10
    return Xtr, ytr, Xva, yva, Xte, yte


def model(po, seed: int, dropout: bool = False):
    """64-512-512-10 ReLU, Glorot-uniform weights seeded by ``seed`` (the same for every method)."""
    layers = [po.nn.Dropout(P_IN, seed=10 * seed + 7)] if dropout else []
    layers += [po.nn.Dense(64, WIDTH, seed=10 * seed), po.nn.ReLU()]
    if dropout:
        layers.append(po.nn.Dropout(P_HIDDEN, seed=10 * seed + 8))
    layers += [po.nn.Dense(WIDTH, WIDTH, seed=10 * seed + 1), po.nn.ReLU()]
    if dropout:
        layers.append(po.nn.Dropout(P_HIDDEN, seed=10 * seed + 9))
    layers.append(po.nn.Dense(WIDTH, 10, seed=10 * seed + 2))
    return po.nn.Sequential(*layers)


def train(po, method: str, seed: int, noise: float = 0.0, alpha: float = 3e-3, data=None) -> dict:
    """Train one method on one seed's draw; returns the model, its history, the split and the numbers.

    Every method sees the validation split only as ``validation_data`` (evaluated in eval mode after
    each epoch, never trained on); only early stopping acts on it.
    """
    if method not in METHODS:
        raise ValueError(f"Invalid method: {method!r} (expected one of {', '.join(METHODS)})")
    Xtr, ytr, Xva, yva, Xte, yte = data if data is not None else split(po, seed, noise)
    net = model(po, seed, dropout=(method == "dropout"))
    loss = po.nn.SoftmaxCrossEntropy()
    kw: dict = {}
    stopper = None
    if method == "L2":
        kw["regularizers"] = [po.regularizers.L2(alpha)]
    elif method == "dropout":
        kw["constraints"] = [po.constraints.MaxNorm(MAX_NORM, axis=0)]
    elif method == "early stopping":
        stopper = po.callbacks.EarlyStopping("val_loss", patience=PATIENCE, restore_best=True)
        kw["callbacks"] = [stopper]
    opt = po.optim.SGD(net.parameters(), lr=LR, momentum=MOMENTUM)
    t0 = time.process_time()
    hist = po.fit(net, loss, opt, Xtr, ytr, epochs=EPOCHS, batch_size=None, validation_data=(Xva, yva),
                  seed=seed, progress=False, **kw)
    cpu = time.process_time() - t0
    # the test numbers from the predictions (argmax of the logits; NLL by log-sum-exp), in float64
    logits = po.predict(net, Xte).astype(np.float64)
    z = logits - logits.max(axis=1, keepdims=True)
    nll = float(np.mean(np.log(np.exp(z).sum(axis=1)) - z[np.arange(len(yte)), yte]))
    train_acc = float(np.mean(np.argmax(po.predict(net, Xtr), axis=1) == ytr))
    return {"method": method, "seed": seed, "model": net, "history": hist, "stopper": stopper,
            "data": (Xtr, ytr, Xva, yva, Xte, yte), "loss": loss, "cpu": cpu,
            "train_acc": train_acc, "test_acc": float(np.mean(np.argmax(logits, axis=1) == yte)),
            "test_nll": nll,
            "epochs": (stopper.best_epoch if stopper is not None else EPOCHS - 1)}


def measure(po, regimes=REGIMES, seeds=SEEDS) -> dict:
    """{regime name: {method: [record per seed]}} for every regime, method and seed."""
    out: dict = {}
    for name, noise, alpha in regimes:
        res: dict = {m: [] for m in METHODS}
        for seed in seeds:
            data = split(po, seed, noise)
            for m in METHODS:
                res[m].append(train(po, m, seed, noise, alpha, data))
        out[name] = res
    return out


def settings(method: str, alpha: float) -> str:
    return {"none": "-",
            "L2": f"alpha={alpha:g} (weights)",
            "dropout": f"p_in={P_IN:g} p_h={P_HIDDEN:g} maxnorm {MAX_NORM:g}",
            "early stopping": f"val_loss, patience {PATIENCE}"}[method]


def _sd(v) -> float:
    return float(np.std(v, ddof=1)) if len(v) > 1 else 0.0


def table(results: dict, regimes=REGIMES) -> tuple[str, list[str]]:
    """The printed table and the plain-language verdicts (one per method and regime)."""
    lines, verdicts = [], []
    head = (f"  {'regularizer':<15} {'settings':<32} {'train acc':>9} {'test acc (mean ± sd)':>21} "
            f"{'Δ vs none':>16} {'per seed Δ':>22} {'wins':>4} {'test NLL':>8} {'epoch':>11}")
    for name, noise, alpha in regimes:
        res = results[name]
        base = np.array([r["test_acc"] for r in res["none"]])
        base_nll = np.array([r["test_nll"] for r in res["none"]])
        lines.append(f"  -- {name} --")
        lines.append(head)
        for m in METHODS:
            acc = np.array([r["test_acc"] for r in res[m]])
            nll = np.array([r["test_nll"] for r in res[m]])
            tr = np.mean([r["train_acc"] for r in res[m]])
            d = acc - base
            wins = int(np.sum(d > 0))
            ep = "/".join(str(r["epochs"]) for r in res[m])
            per = " ".join(f"{x:+.3f}" for x in d)
            dtxt = "" if m == "none" else f"{d.mean():+.4f} ± {_sd(d):.4f}"
            lines.append(f"  {m:<15} {settings(m, alpha):<32} {tr:>9.3f} {acc.mean():>12.4f} ± {_sd(acc):.4f} "
                         f"{dtxt:>16} {'' if m == 'none' else per:>22} {'' if m == 'none' else f'{wins}/{len(d)}':>4} "
                         f"{nll.mean():>8.3f} {ep:>11}")
            if m == "none":
                continue
            n = len(d)
            if wins == n and d.mean() >= 0.01:
                verdicts.append(f"{name}, {m}: beats none on every seed, by {100 * d.mean():.1f} points of test "
                                "accuracy on average.")
            elif wins == n:
                better_nll = int(np.sum(nll < base_nll))
                verdicts.append(f"{name}, {m}: beats none on every seed but by only {100 * d.mean():.1f} points "
                                f"of test accuracy (per seed {per}): a small effect; its test NLL is lower on "
                                f"{better_nll}/{n} seeds ({nll.mean():.3f} vs {base_nll.mean():.3f}).")
            else:
                better_nll = int(np.sum(nll < base_nll))
                verdicts.append(f"{name}, {m}: NO reliable accuracy gain ({wins}/{n} seeds, mean "
                                f"{100 * d.mean():+.1f} points); its test NLL is lower on {better_nll}/{n} seeds "
                                f"({nll.mean():.3f} vs {base_nll.mean():.3f}).")
    return "\n".join(lines), verdicts


WHY = (
    "  Why the effects differ between the regimes: with clean labels the unregularized net reaches 100% training\n"
    "  accuracy yet its test accuracy does not fall as it keeps training (the 8x8 digits leave little to\n"
    "  memorize that hurts), so stopping early only makes the predictions less over-confident (a lower test\n"
    "  NLL, the loss the book's Fig. 7.3 plots) and L2's accuracy gain is small; dropout's averaging of many\n"
    "  sub-networks still helps, but by a point or two, about the seed-to-seed spread of the paired\n"
    "  difference, so on other seeds it can vanish on one of three. With 20% wrong labels the net must\n"
    "  memorize the wrong ones to fit them all; that is the overfitting the book's chapter 7 is about, and\n"
    "  every regularizer prevents part of it (early stopping most: the net learns the consistent pattern\n"
    "  before it memorizes the exceptions).")


def run(args) -> None:
    import pyoptim as po

    try:
        po.datasets.load_digits()
    except ImportError as exc:
        print(f"  skipped: {exc}")
        return
    regimes = REGIMES[-1:] if getattr(args, "quick", False) else REGIMES
    t0 = time.process_time()
    results = measure(po, regimes)
    report(po, results, args, cpu=time.process_time() - t0, regimes=regimes)


def report(po, results: dict, args, cpu: float | None = None, regimes=REGIMES) -> None:
    """Print the protocol, the table and the verdicts; write the figures (``args.out``).

    ``regimes`` must include the last of :data:`REGIMES` (the figures are drawn from it).
    """
    if len(regimes) < len(REGIMES):
        print("  (--quick: only the " + ", ".join(r[0] for r in regimes) + " regime)")
    print(f"  protocol: for each seed {', '.join(map(str, SEEDS))}: a stratified draw of {N_TRAIN} training and "
          f"{N_VAL} validation digits, the other {1797 - N_TRAIN - N_VAL} are the test set.")
    print(f"  Every method trains on the same {N_TRAIN} digits from the same initialization; no method trains "
          "on the validation digits;")
    print("  early stopping uses them only to pick its epoch (the best one is restored). The seed sets the draw, "
          "the init and the masks.")
    print(f"  MLP 64-{WIDTH}-{WIDTH}-10 ReLU, full-batch gradient descent, lr={LR:g}, momentum {MOMENTUM:g}, "
          f"{EPOCHS} epochs (early stopping: at most {EPOCHS}).")
    print("  test acc: mean ± sd (ddof=1) over the seeds; Δ: paired difference to none on the same seed; wins: "
          "seeds where Δ > 0;")
    print("  epoch: the epoch whose parameters are kept (from 0, as EarlyStopping.best_epoch and the figure).")
    text, verdicts = table(results, regimes)
    print(text)
    print("  Verdicts:")
    for v in verdicts:
        print(f"  - {v}")
    print(WHY)
    if cpu is not None:
        print(f"  ({cpu:.1f} s CPU for {sum(len(v) for r in results.values() for v in r.values())} trainings)")
    try:
        from . import figures
    except ImportError:  # pragma: no cover
        figures = None
    if figures is not None:
        for name, _, _ in regimes:
            res = results[name]
            base = np.array([r["test_acc"] for r in res["none"]])
            for m in METHODS:
                acc = np.array([r["test_acc"] for r in res[m]])
                figures.note(args, f"regularization ({name}): {m} test accuracy",
                             f"{acc.mean():.4f} ± {_sd(acc):.4f}" if m == "none"
                             else f"{acc.mean():.4f} (Δ {acc.mean() - base.mean():+.4f})")
    if getattr(args, "out", None) and figures is not None:
        try:
            _figures(po, results, args, figures)
        except ImportError as exc:  # matplotlib is optional
            print(f"  (no figures: {exc})")


def _figures(po, results: dict, args, figures) -> None:
    name = REGIMES[-1][0]
    none = results[name]["none"][0]
    es = results[name]["early stopping"][0]["stopper"]
    # the unregularized run of seed 0 over all its epochs; early stopping ran the same steps up to its stop,
    # so its best epoch and stop are marked on this full curve (book Fig. 7.3)
    fig = po.plot.loss_curves(none["history"], metrics=["loss", "val_loss", "accuracy", "val_accuracy"],
                              mark_epoch=es, title=f"Early stopping (book Fig. 7.3), {name}, seed 0")
    figures.save(fig, args, "tour_regularization_early_stopping")
    # the masks of the dropout net of seed 0 at its first training step (counter 0): the input layer's
    # (drop 0.2) as 8x8 images, one per example, and the first hidden layer's (drop 0.5), examples x units
    layers = [m for m in results[name]["dropout"][0]["model"].modules() if isinstance(m, po.nn.Dropout)]
    inp = layers[0].mask((N_TRAIN, 64), counter=0)[:8].reshape(8, 8, 8) != 0
    digits = results[name]["dropout"][0]["data"][0][:8].reshape(8, 8, 8)
    figures.save(_input_masks_figure(inp, digits), args, "tour_regularization_dropout_masks")
    hid = layers[1].mask((N_TRAIN, WIDTH), counter=0)[:12, :96]
    fig = po.plot.dropout_masks(hid, p=P_HIDDEN, title=f"Hidden dropout masks (p = {P_HIDDEN:g})\n"
                                f"12 examples x 96 of {WIDTH} units")
    _mask_key(fig, "kept unit", "dropped unit")
    figures.save(fig, args, "tour_regularization_dropout_hidden_masks")


def _mask_key(fig, kept: str, dropped: str) -> None:
    """A key under a grid of masks: a white patch for the kept entries, a black one for the dropped."""
    from matplotlib.patches import Patch

    fig.legend(handles=[Patch(facecolor="white", edgecolor="0.4", label=kept),
                        Patch(facecolor="black", label=dropped)],
               loc="outside lower center", ncol=2, fontsize=8, frameon=False)


def _input_masks_figure(masks, digits):
    """Row 1: the input dropout masks of 8 training digits (white kept, black dropped); row 2: the digits
    as the network sees them at that step (masked, scaled by 1/(1 - p))."""
    import pyoptim as po

    k = len(masks)
    fig, axes = po.plot.figure((1.25 * k, 3.3), 2, k)     # translated when drawn (--lang ko)
    for j in range(k):
        axes[0, j].imshow(masks[j], cmap="gray", vmin=0, vmax=1, interpolation="nearest")
        axes[1, j].imshow(digits[j] * masks[j] / (1.0 - P_IN), cmap="gray_r", vmin=0, vmax=1.0 / (1.0 - P_IN),
                          interpolation="nearest")
        axes[0, j].set_title(f"example {j}", fontsize=8)
        for a in axes[:, j]:
            a.set_xticks([])
            a.set_yticks([])
            for sp in a.spines.values():
                sp.set_visible(True)
                sp.set_color("0.4")
    axes[0, 0].set_ylabel("mask", fontsize=9)
    axes[1, 0].set_ylabel("masked input\n(ink dark)", fontsize=9)
    rate = 1.0 - float(np.mean(masks))
    _mask_key(fig, "kept pixel (mask row)", "dropped pixel (mask row)")
    fig.suptitle(f"Input dropout at the first training step (drop p = {P_IN:g}, dropped here: {rate:.2f})",
                 fontsize=10)
    return fig
