"""notebooks/CLAIMS.md against the notebook sources: every claim row points at a real assert, every
assert has a row, and a sample of ten rows fails when the pyoptim function it exercises is perturbed.

The default run only parses text (fast). ``test_perturbed_claims_fail`` (slow) executes a notebook's
code cells, parsed from ``notebooks/_src/<name>.py`` with the notebook builder's own parser, in a fresh
namespace, up to and including the cell of the row's assert: once with the perturbation applied (the
row's assert line must raise AssertionError) and once without (every cell must pass).
"""
from __future__ import annotations

import functools
import re
import sys
import traceback
import warnings
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
NB_DIR = ROOT / "notebooks"
SRC_DIR = NB_DIR / "_src"
CLAIMS = NB_DIR / "CLAIMS.md"

# a code line that asserts: a bare ``assert`` statement or a numpy.testing assertion
ASSERT_LINE = re.compile(r"^\s*(assert\b|np\.testing\.assert_\w+\()")

# Assert lines that check bookkeeping, not a claim of the book: (notebook, substring) -> reason.
EXCLUDED = {
    ("ch07_8_early_stopping", 'assert np.array_equal(va, info73["split"][1])'):
        "both retraining helpers drew the same validation split, so Algorithm 7.1 can be rerun on it",
    ("ch07_4-7_noise_augmentation_multitask", "assert np.array_equal(out, augment(batch, np.random.default_rng(SEED)))"):
        "the augmentation is reproducible for a seed (the same call twice): a determinism check",
}


def _builder():
    sys.path.insert(0, str(NB_DIR))
    try:
        import _build
    finally:
        sys.path.remove(str(NB_DIR))
    return _build


@functools.lru_cache(maxsize=None)
def code_cells(notebook: str) -> tuple[str, ...]:
    text = (SRC_DIR / f"{notebook}.py").read_text(encoding="utf-8")
    return tuple(src for kind, src in _builder().parse(text) if kind == "code")


def _cells(text: str) -> list[str]:
    return [c.strip() for c in text.strip().strip("|").split("|")]


@functools.lru_cache(maxsize=None)
def claim_rows() -> tuple[dict, ...]:
    """The rows of the claim tables (the part of CLAIMS.md before "Known weak asserts")."""
    text = CLAIMS.read_text(encoding="utf-8")
    body = text.split("## Known weak asserts")[0]
    rows, header = [], None
    for line in body.splitlines():
        if not line.startswith("|"):
            header = None if not line.strip() else header
            continue
        cells = _cells(line)
        if header is None:
            header = [c.lower() for c in cells]
            continue
        if set(line.replace("|", "").strip()) <= set("-: "):
            continue
        row = dict(zip(header, cells))
        m = re.fullmatch(r"`(.+)`", row.get("assert", ""))
        assert m, f"CLAIMS.md: the assert column must be one backticked substring: {line}"
        row["substring"] = m.group(1)
        rows.append(row)
    return tuple(rows)


def _section(title: str) -> str:
    text = CLAIMS.read_text(encoding="utf-8")
    assert f"## {title}" in text, f"CLAIMS.md has no section '## {title}'"
    return text.split(f"## {title}", 1)[1].split("\n## ", 1)[0]


def _assert_lines(notebook: str):
    for i, cell in enumerate(code_cells(notebook)):
        for line in cell.splitlines():
            if ASSERT_LINE.match(line):
                yield i, line


def _cell_of(notebook: str, substring: str) -> int:
    """Index (among code cells) of the one code cell whose assert line holds ``substring``."""
    hits = sorted({i for i, line in _assert_lines(notebook) if substring in line})
    assert hits, f"{notebook}: no assert line contains {substring!r}"
    assert len(hits) == 1, f"{notebook}: {substring!r} is not unique (code cells {hits})"
    return hits[0]


NOTEBOOKS = sorted(p.stem for p in SRC_DIR.glob("ch*.py"))


# ---- the default run: parsing only ------------------------------------------------------------

def test_claims_table_is_well_formed():
    rows = claim_rows()
    assert len(rows) >= 100, f"only {len(rows)} claim rows"
    for key in ("§", "claim", "notebook", "assert", "compares", "independent?"):
        assert all(key in r for r in rows), f"a claim row lacks the column {key!r}"
    seen = set()
    for r in rows:
        assert r["§"] and r["claim"] and r["compares"], f"empty cell in the row for {r['substring']!r}"
        assert r["independent?"].split()[0].rstrip(":,.—-") in ("yes", "no"), r
        if r["independent?"].startswith("no"):
            assert len(r["independent?"].split()) > 2, f"a 'no' needs its reason: {r['substring']!r}"
        key = (r["notebook"], r["substring"])
        assert key not in seen, f"duplicate row {key}"
        seen.add(key)


def test_every_row_points_at_an_assert_cell():
    for r in claim_rows():
        name = r["notebook"]
        assert (SRC_DIR / f"{name}.py").exists(), f"no notebook source for {name}"
        assert (NB_DIR / f"{name}.ipynb").exists(), f"no notebook {name}.ipynb"
        cell = code_cells(name)[_cell_of(name, r["substring"])]
        assert "assert" in cell, f"{name}: the cell of {r['substring']!r} asserts nothing"


def test_every_assert_line_has_a_row():
    """A new assert in a notebook without a row in CLAIMS.md (or an exclusion here) fails."""
    by_nb: dict[str, list[str]] = {}
    for r in claim_rows():
        by_nb.setdefault(r["notebook"], []).append(r["substring"])
    for (nb, sub) in EXCLUDED:
        by_nb.setdefault(nb, []).append(sub)
        _cell_of(nb, sub)   # every exclusion still names a real assert
    missing = [f"{nb}: {line.strip()}" for nb in NOTEBOOKS for _, line in _assert_lines(nb)
               if not any(s in line for s in by_nb.get(nb, []))]
    assert not missing, "asserts without a row in notebooks/CLAIMS.md:\n" + "\n".join(missing)
    assert set(by_nb) <= set(NOTEBOOKS), f"rows name unknown notebooks: {set(by_nb) - set(NOTEBOOKS)}"


def test_weak_asserts_are_listed():
    weak = _section("Known weak asserts")
    for r in claim_rows():
        if r["independent?"].startswith("no"):
            assert r["substring"] in weak, f"{r['substring']!r} is marked weak but not listed under Known weak asserts"


# ---- the perturbation sample (slow) -----------------------------------------------------------

def _scaled(fn, factor=1.01):
    @functools.wraps(fn)
    def wrapped(*args, **kwargs):
        return fn(*args, **kwargs) * factor
    return wrapped


def _p_l2_minimum(mp, po):
    mp.setattr(po.regularization, "l2_quadratic_minimum", _scaled(po.regularization.l2_quadratic_minimum))


def _p_proximal_l1(mp, po):
    orig = po.regularizers.L1.after_step
    mp.setattr(po.regularizers.L1, "after_step", lambda self, model, lr: orig(self, model, lr * 1.01))


def _p_weight_scaling(mp, po):
    orig = po.regularization.weight_scaling_predict
    mp.setattr(po.regularization, "weight_scaling_predict", lambda W, b, X, p: orig(W * 1.01, b, X, p))


def _p_shift(mp, po):
    orig = po.regularization.shift_images
    mp.setattr(po.regularization, "shift_images",
               lambda Xb, dy, dx, shape=(8, 8): orig(Xb, dy, -np.asarray(dx), shape))


def _p_tanh_backward(mp, po):
    mp.setattr(po.nn.Tanh, "backward", _scaled(po.nn.Tanh.backward))


def _p_fgsm_sign(mp, po):
    orig = po.regularization.fgsm
    mp.setattr(po.regularization, "fgsm", lambda model, loss, X, y, eps, **kw:
               2 * np.asarray(X, dtype=np.float64) - orig(model, loss, X, y, eps, **kw))


def _p_sgd_momentum(mp, po):
    orig = po.optim.SGD.__init__

    def init(self, params, lr=1e-3, momentum=0.0, *args, **kwargs):
        orig(self, params, lr, momentum * 1.01, *args, **kwargs)
    mp.setattr(po.optim.SGD, "__init__", init)


def _p_adam_lr(mp, po):
    orig = po.optim.Adam.__init__

    def init(self, params, lr=1e-3, *args, **kwargs):
        orig(self, params, lr * 1.01, *args, **kwargs)
    mp.setattr(po.optim.Adam, "__init__", init)


def _p_curvature(mp, po):
    orig = po.diagnostics.curvature_along_gradient

    def curvature(*args, **kwargs):
        out = dict(orig(*args, **kwargs))
        out["gTHg"] = out["gTHg"] * 1.01
        return out
    mp.setattr(po.diagnostics, "curvature_along_gradient", curvature)


def _p_linear_cg(mp, po):
    orig = po.linear_cg
    mp.setattr(po, "linear_cg", lambda A, b, *args, **kwargs:
               orig(A * 1.01 if isinstance(A, np.ndarray) else A, b, *args, **kwargs))


# ---- the asserts that replaced the "Known weak asserts" (issue 13 item 1), and the 8.1.3 parallelism rows

def _p_l2_penalty(mp, po):
    mp.setattr(po.regularizers.L2, "penalty", _scaled(po.regularizers.L2.penalty))


def _p_l2_grad(mp, po):
    orig = po.regularizers.L2.grad
    mp.setattr(po.regularizers.L2, "grad", lambda self, model: [g * 1.01 for g in orig(self, model)])


def _p_ridge(mp, po):
    mp.setattr(po.regularization, "ridge", _scaled(po.regularization.ridge))


def _p_l1_minimum(mp, po):
    mp.setattr(po.regularization, "l1_diagonal_minimum", _scaled(po.regularization.l1_diagonal_minimum))


def _p_patience(mp, po):
    orig = po.callbacks.EarlyStopping.__init__

    def init(self, monitor="val_loss", patience=0, *args, **kwargs):
        orig(self, monitor, patience + 1, *args, **kwargs)
    mp.setattr(po.callbacks.EarlyStopping, "__init__", init)


def _p_alg73_target(mp, po):
    orig = po.regularization.continue_until_loss

    def wrapped(*args, **kwargs):
        model, info = orig(*args, **kwargs)
        return model, dict(info, target=info["target"] * 1.01)
    mp.setattr(po.regularization, "continue_until_loss", wrapped)


def _p_alg72_epochs(mp, po):
    import pyoptim.training as training
    orig = training.fit

    def fit(model, loss, optimizer, X, y, epochs=10, *args, validation_data=None, **kwargs):
        if validation_data is None and epochs > 1:      # the retraining call: one epoch too many
            epochs += 1
        return orig(model, loss, optimizer, X, y, epochs, *args, validation_data=validation_data, **kwargs)
    mp.setattr(training, "fit", fit)


def _p_tying_penalty(mp, po):
    mp.setattr(po.regularizers.Tying, "penalty", _scaled(po.regularizers.Tying.penalty))


def _p_tying_grad(mp, po):
    orig = po.regularizers.Tying.grad
    mp.setattr(po.regularizers.Tying, "grad", lambda self, model=None: [g * 1.01 for g in orig(self, model)])


def _p_oracle_half(mp, po):
    def call(self, x):                                   # draws from the first half of the data only
        self.calls += 1
        idx = self.rng.choice(len(self.X) // 2, size=self.batch_size, replace=False)
        return np.asarray(self.grad_fn(x, self.X[idx], self.y[idx]), dtype=np.float64)
    mp.setattr(po.diagnostics.MinibatchOracle, "__call__", call)


def _p_curvature_lr(mp, po):
    orig = po.diagnostics.curvature_along_gradient
    mp.setattr(po.diagnostics, "curvature_along_gradient",
               lambda f, grad=None, hessp=None, x=None, lr=0.1: orig(f, grad, hessp, x, lr * 1.01))


def _p_smoothed(mp, po):
    orig = po.functions.Bumpy.smoothed
    mp.setattr(po.functions.Bumpy, "smoothed", lambda self, sigma: orig(self, sigma * 1.01))


def _p_ce_backward(mp, po):
    mp.setattr(po.nn.SoftmaxCrossEntropy, "backward", _scaled(po.nn.SoftmaxCrossEntropy.backward))


def _p_hogwild_half(mp, po):
    import pyoptim.distributed as distributed
    orig = distributed.hogwild_sgd
    mp.setattr(distributed, "hogwild_sgd", lambda X, y, w0=None, **kw: orig(X[: len(X) // 2], y[: len(y) // 2], w0, **kw))


# ---- the two claims that were shown but not asserted: AdaGrad's per-parameter rates, skip connections

def _p_adagrad_sgd(mp, po):
    mp.setattr(po.optim, "Adagrad", lambda params, lr=0.01, eps=1e-10, **kw: po.optim.SGD(params, lr=lr))


def _p_residual_no_identity(mp, po):
    mp.setattr(po.nn.Residual, "backward", lambda self, grad_output: self.module.backward(np.asarray(grad_output)))


def _p_residual_swapped(mp, po):
    orig = po.strategies.compare_plain_vs_residual

    def swapped(*args, **kwargs):
        out = dict(orig(*args, **kwargs))
        out["plain"], out["residual"] = out["residual"], out["plain"]
        return out
    mp.setattr(po.strategies, "compare_plain_vs_residual", swapped)


# (id, notebook, the row's assert substring, perturbation); CLAIMS.md "Perturbation checks" records them
PERTURBATIONS = [
    ("l2-minimum", "ch07_1-3_norm_penalties", "assert np.allclose(w_tilde_po, w_tilde_np)", _p_l2_minimum),
    ("proximal-l1", "ch07_1-3_norm_penalties", "np.allclose(w.data[:, 0], soft_threshold(", _p_proximal_l1),
    ("weight-scaling", "ch07_12_dropout", "np.allclose(geo, R.weight_scaling_predict(", _p_weight_scaling),
    ("shift-images", "ch07_4-7_noise_augmentation_multitask", "R.shift_images(img, 0, 1).reshape(8, 8), rolled",
     _p_shift),
    ("shared-gradient", "ch07_9-11_sharing_sparsity_ensembles", "np.allclose(W.grad, numeric, atol=1e-8)",
     _p_tanh_backward),
    ("fgsm-sign", "ch07_13-14_adversarial_tangent", "R.fgsm(lin, loss, Xb, yb, eps=0.1), adv_np", _p_fgsm_sign),
    ("momentum", "ch08_3_sgd_momentum", "np.allclose(book, ours, rtol=1e-12", _p_sgd_momentum),
    ("adam", "ch08_5_adaptive", "np.allclose(ours, book, rtol=1e-9", _p_adam_lr),
    ("critical-rate", "ch08_2_challenges", "np.isclose(lo, eps_c, rtol=1e-8)", _p_curvature),
    ("linear-cg", "ch08_6_second_order", "np.allclose(res.x, np.linalg.solve(A, b), atol=1e-8)", _p_linear_cg),
    # the replaced weak asserts
    ("l2-penalty", "ch07_1-3_norm_penalties", "assert penalty_at(np.zeros_like(W)) == 0.0", _p_l2_penalty),
    ("l2-grad", "ch07_1-3_norm_penalties", "np.allclose(reg.grad(model)[0], central_differences(", _p_l2_grad),
    ("ridge", "ch07_1-3_norm_penalties", "np.allclose(R.ridge(X, y, 0.3 * len(X) / 2), w_aug", _p_ridge),
    ("l1-optimality", "ch07_1-3_norm_penalties", "np.allclose(h[nz] * (w_l1[nz] - w_star[nz])", _p_l1_minimum),
    ("stopping-rule", "ch07_8_early_stopping", "stopper.stopped_epoch == stop_v", _p_patience),
    ("alg73-target", "ch07_8_early_stopping", 'np.isclose(info73["target"], target71', _p_alg73_target),
    ("alg72-epochs", "ch07_8_early_stopping", "== es71.best_epoch + 1", _p_alg72_epochs),
    ("tying-penalty", "ch07_9-11_sharing_sparsity_ensembles", "tie_penalty_at(wb0, wb0) == 0.0", _p_tying_penalty),
    ("tying-grad", "ch07_9-11_sharing_sparsity_ensembles", "np.allclose(ga, fd_a, rtol=1e-7", _p_tying_grad),
    ("redundancy", "ch08_1_learning_vs_optimization", "np.testing.assert_allclose(meas_r, pred_r", _p_oracle_half),
    ("prediction-grid", "ch08_2_challenges", 'np.allclose([c["predicted"] for c in checks], change', _p_curvature_lr),
    ("smoothed", "ch08_7_strategies", "np.allclose([f.smoothed(0.4)(np.array([x])) for x in xs], blurred",
     _p_smoothed),
    # 8.1.3 minibatches and parallelism
    ("data-parallel", "ch08_1_learning_vs_optimization", "assert max(grad_gap) < 1e-12", _p_ce_backward),
    ("hogwild", "ch08_1_learning_vs_optimization", "assert j_serial < 1.01 * f_ls", _p_hogwild_half),
    # AdaGrad's rates (8.5.1) and skip connections (8.7.5)
    ("adagrad-rates", "ch08_5_adaptive", "np.allclose(used[:, 0] / used[:, 1], root_r[:, 1] / root_r[:, 0]",
     _p_adagrad_sgd),
    ("residual-gradient", "ch08_7_strategies", "assert np.all(grad0[:, 1] > 100 * grad0[:, 0])",
     _p_residual_no_identity),
    ("residual-loss", "ch08_7_strategies", 'assert np.all(res_best["residual"] < 0.25 * res_best["plain"])',
     _p_residual_swapped),
]


def test_perturbation_sample_is_recorded():
    """The perturbed rows are claim rows, cover both chapters, and are recorded in CLAIMS.md."""
    section = _section("Perturbation checks")
    rows = {(r["notebook"], r["substring"]) for r in claim_rows()}
    for pid, nb, sub, _ in PERTURBATIONS:
        assert any(n == nb and (sub in s or s in sub) for n, s in rows), f"{pid}: not a claim row"
        _cell_of(nb, sub)
        assert pid in section and sub in section, f"{pid} is not recorded under Perturbation checks"
    assert len(PERTURBATIONS) >= 10 and len({p[0] for p in PERTURBATIONS}) == len(PERTURBATIONS)
    assert {nb[:4] for _, nb, _, _ in PERTURBATIONS} == {"ch07", "ch08"}


def _run_through(notebook: str, substring: str):
    """Execute the code cells of ``notebook`` up to and including the cell of ``substring``.

    Returns None if every cell passed, else (cell index, line number in the cell, the exception)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    target = _cell_of(notebook, substring)
    ns = {"__name__": "__main__"}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")       # as in a notebook kernel: warnings are not errors
            for i, src in enumerate(code_cells(notebook)[: target + 1]):
                exec(compile(src, f"<{notebook} cell {i}>", "exec"), ns)
    except AssertionError as exc:
        frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename.startswith(f"<{notebook} cell ")]
        assert frames, f"AssertionError raised outside the notebook's cells: {exc!r}"
        return int(frames[-1].filename.rsplit(" ", 1)[1].rstrip(">")), frames[-1].lineno, exc
    finally:
        plt.close("all")
    return None


@pytest.mark.slow
@pytest.mark.parametrize("perturbed", [True, False], ids=["perturbed", "clean"])
@pytest.mark.parametrize("pid,notebook,substring,perturb", PERTURBATIONS, ids=[p[0] for p in PERTURBATIONS])
def test_perturbed_claims_fail(pid, notebook, substring, perturb, perturbed, monkeypatch):
    import pyoptim as po

    monkeypatch.chdir(NB_DIR)   # the notebooks run from their own folder
    if perturbed:
        perturb(monkeypatch, po)
    outcome = _run_through(notebook, substring)
    if not perturbed:
        assert outcome is None, f"{notebook} fails without a perturbation: {outcome}"
        return
    assert outcome is not None, f"{pid}: the perturbed {notebook} still passed {substring!r}"
    cell, lineno, _ = outcome
    target = _cell_of(notebook, substring)
    failed_line = code_cells(notebook)[cell].splitlines()[lineno - 1]
    assert cell == target and substring in failed_line, \
        f"{pid}: a different assert failed first (code cell {cell}): {failed_line.strip()}"
