"""Hostile checkpoints (issue 12, items 4 and 8): a crafted file can make ``load`` allocate no more than
its budget; every malformed file raises ValueError naming the path (and the manifest field at fault);
nothing is changed on any failure.

The files are built here by hand (zipfile + numpy.lib.format), so each attack is exactly the bytes it
claims to be: compression bombs (a member whose deflated data is far larger than its header says, or a
manifest that declares terabytes), manifests with wrongly typed or absurd fields, and fuzzed copies (bit
flips, truncation) of a real checkpoint. Peak allocation is measured with tracemalloc (NumPy reports its
buffers to it), so "never exceeds the budget" is a measurement, not a promise.
"""
from __future__ import annotations

import io
import json
import os
import tracemalloc
import zipfile

import numpy as np
import pytest

import pyoptim as po
from pyoptim.checkpoint import DEFAULT_MAX_BYTES
from test_checkpoint import assert_tree_equal, fresh, run_fit
from training_helpers import params_copy

MiB = 1 << 20


# ------------------------------------------------------------------------------------------------------
# building files by hand
# ------------------------------------------------------------------------------------------------------
def npy_header(dtype, shape) -> bytes:
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        buf, {"descr": np.lib.format.dtype_to_descr(np.dtype(dtype)), "fortran_order": False, "shape": tuple(shape)})
    return buf.getvalue()


def manifest_member(tree) -> tuple[bytes, int]:
    text = (tree if isinstance(tree, (bytes, str)) else json.dumps(tree))
    blob = text.encode() if isinstance(text, str) else text
    return npy_header(np.uint8, (len(blob),)) + blob


def write_zip(path, members: dict, compress=zipfile.ZIP_STORED):
    """``members``: name -> bytes, or name -> (header bytes, n zero bytes of data streamed after it)."""
    with zipfile.ZipFile(path, "w", compression=compress) as zf:
        for name, content in members.items():
            with zf.open(name + ".npy", "w", force_zip64=True) as f:
                if isinstance(content, bytes):
                    f.write(content)
                else:
                    head, n_zero = content
                    f.write(head)
                    chunk = bytes(4 * MiB)
                    while n_zero > 0:
                        f.write(chunk[:min(n_zero, len(chunk))])
                        n_zero -= len(chunk)
    return str(path)


def tree_with(arrays: dict, model=None, **fields):
    tree = {"format": "pyoptim-checkpoint", "version": 1, "model": model, "optimizer": None,
            "extra": {"__d": []}, "arrays": arrays}
    tree.update(fields)
    return tree


def peak_of(fn):
    """(exception or None, peak bytes traced while calling fn)."""
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        try:
            fn()
            exc = None
        except Exception as e:  # noqa: BLE001 - returned to the caller, which asserts its type
            exc = e
        return exc, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def snapshot(model, opt):
    return params_copy(model), opt.state_dict()


def assert_unchanged(before, model, opt):
    p0, s0 = before
    for a, b in zip(p0, params_copy(model)):
        np.testing.assert_array_equal(a, b)
    assert_tree_equal(s0, opt.state_dict())


@pytest.fixture
def target():
    """A trained model and optimizer (non-empty state): what a failed load must leave alone."""
    model, opt = fresh()
    run_fit(model, opt, 1)
    return model, opt


# ------------------------------------------------------------------------------------------------------
# compression bombs and size budgets
# ------------------------------------------------------------------------------------------------------
def test_a_bomb_is_decompressed_only_up_to_its_declared_size(tmp_path, target):
    """The manifest and the .npy header say 4 doubles; the deflated member holds 256 MiB of zeros (a
    file of ~256 KiB). load stops after 32 bytes + 1 and raises; it never holds the 256 MiB."""
    path = write_zip(tmp_path / "bomb.npz", {
        "__manifest__": manifest_member(tree_with({"a0": ["<f8", [4]]}, model={"__d": [["w", {"__a": "a0"}]]})),
        "a0": (npy_header("<f8", (4,)), 256 * MiB)}, compress=zipfile.ZIP_DEFLATED)
    assert os.path.getsize(path) < 2 * MiB
    model, opt = target
    before = snapshot(model, opt)
    exc, peak = peak_of(lambda: po.load(path, model=model, optimizer=opt))
    assert isinstance(exc, ValueError) and path in str(exc) and "more data" in str(exc), exc
    assert peak < 16 * MiB, peak
    assert_unchanged(before, model, opt)


@pytest.mark.parametrize("declared", [(2**25,), (1 << 40,), (2**40, 2**40), (10**300,), (10**200, 10**200)])
def test_a_declared_size_over_the_budget_is_refused_before_reading(tmp_path, declared):
    """The manifest and header agree on a huge array (256 MiB, 8 TiB, 2^80 doubles, a 301-digit
    dimension and a product of two 200-digit ones: Python ints, no overflow); load(max_bytes=1 MiB) refuses
    it before allocating. (Integers over 400 digits are refused by the JSON parser: the MALFORMED table.)"""
    shape = list(declared)
    head = npy_header("<f8", (4,))  # the header itself is never reached: the manifest is refused first
    text = json.dumps(tree_with({"a0": ["<f8", shape]}))
    path = write_zip(tmp_path / "big.npz", {"__manifest__": manifest_member(text), "a0": head + bytes(32)})
    exc, peak = peak_of(lambda: po.load(path, max_bytes=MiB))
    assert isinstance(exc, ValueError), exc
    assert path in str(exc) and "max_bytes" in str(exc) and "arrays['a0']" in str(exc)
    assert peak < 4 * MiB, peak


def test_the_default_budget_refuses_an_8_terabyte_member(tmp_path):
    path = write_zip(tmp_path / "tb.npz", {
        "__manifest__": manifest_member(tree_with({"a0": ["<f8", [10**12]]})),
        "a0": npy_header("<f8", (10**12,)) + bytes(64)}, compress=zipfile.ZIP_DEFLATED)
    exc, peak = peak_of(lambda: po.load(path))
    assert isinstance(exc, ValueError) and f"max_bytes={DEFAULT_MAX_BYTES}" in str(exc), exc
    assert peak < 4 * MiB


def test_a_header_that_disagrees_with_the_manifest_is_refused_before_reading(tmp_path):
    """Small in the manifest, 1 GiB in the member's .npy header: the header is checked, no data read."""
    path = write_zip(tmp_path / "liar.npz", {
        "__manifest__": manifest_member(tree_with({"a0": ["<f8", [4]]})),
        "a0": (npy_header("<f8", (2**27,)), 8 * MiB)}, compress=zipfile.ZIP_DEFLATED)
    exc, peak = peak_of(lambda: po.load(path))
    assert isinstance(exc, ValueError) and path in str(exc) and "arrays['a0']" in str(exc), exc
    assert peak < 4 * MiB


def test_a_budget_exactly_the_data_size_loads_and_one_byte_less_refuses(tmp_path):
    a = np.arange(1000, dtype=np.float64)
    path = str(tmp_path / "ok.npz")
    po.save(path, w=a)
    np.testing.assert_array_equal(po.load(path, max_bytes=a.nbytes)["extra"]["w"], a)
    with pytest.raises(ValueError, match="max_bytes=7999"):
        po.load(path, max_bytes=a.nbytes - 1)
    for bad in (-1, 1.5, "1", True, None):
        with pytest.raises(ValueError, match="Invalid max_bytes"):
            po.load(path, max_bytes=bad)


@pytest.mark.slow
def test_a_one_megabyte_file_that_would_decompress_to_a_gigabyte(tmp_path, target):
    """The issue's bomb: ~1 MiB on disk, 1 GiB of float64 zeros declared (exactly the default budget) in
    the header but 4 doubles in the manifest; and the same bomb honestly declared, loaded with a 64 MiB
    budget. Neither allocates more than a few MiB."""
    model, opt = target
    before = snapshot(model, opt)
    path = write_zip(tmp_path / "gb.npz", {
        "__manifest__": manifest_member(tree_with({"a0": ["<f8", [4]]}, model={"__d": [["w", {"__a": "a0"}]]})),
        "a0": (npy_header("<f8", (4,)), 1 << 30)}, compress=zipfile.ZIP_DEFLATED)
    assert os.path.getsize(path) < 2 * MiB
    exc, peak = peak_of(lambda: po.load(path, model=model, optimizer=opt))
    assert isinstance(exc, ValueError) and path in str(exc) and peak < 16 * MiB, (exc, peak)
    honest = write_zip(tmp_path / "gb2.npz", {
        "__manifest__": manifest_member(tree_with({"a0": ["<f8", [2**27]]})),
        "a0": (npy_header("<f8", (2**27,)), 1 << 30)}, compress=zipfile.ZIP_DEFLATED)
    exc, peak = peak_of(lambda: po.load(honest, max_bytes=64 * MiB))
    assert isinstance(exc, ValueError) and "max_bytes" in str(exc) and peak < 4 * MiB, (exc, peak)
    assert_unchanged(before, model, opt)


# ------------------------------------------------------------------------------------------------------
# malformed manifests: ValueError naming the path and the field, nothing changed
# ------------------------------------------------------------------------------------------------------
A0 = npy_header("<f8", (2,)) + np.zeros(2).tobytes()
MODEL = {"__d": [["w", {"__a": "a0"}]]}

MALFORMED = {
    # name: (manifest JSON text, expected field in the message)
    "arrays missing": (json.dumps(tree_with(None, model=MODEL)), "field arrays"),
    "arrays a list": (json.dumps(tree_with([], model=MODEL)), "field arrays"),
    "arrays entry empty": (json.dumps(tree_with({"a0": []}, model=MODEL)), "arrays['a0']"),
    "arrays entry a number": (json.dumps(tree_with({"a0": 7}, model=MODEL)), "arrays['a0']"),
    "arrays entry dtype only": (json.dumps(tree_with({"a0": ["<f8"]}, model=MODEL)), "arrays['a0']"),
    "arrays dtype not a string": (json.dumps(tree_with({"a0": [8, [2]]}, model=MODEL)), "arrays['a0']"),
    "arrays dtype garbage": (json.dumps(tree_with({"a0": ["<zz", [2]]}, model=MODEL)), "arrays['a0']"),
    "arrays dtype object": (json.dumps(tree_with({"a0": ["|O", [2]]}, model=MODEL)), "arrays['a0']"),
    "arrays negative shape": (json.dumps(tree_with({"a0": ["<f8", [-2]]}, model=MODEL)), "arrays['a0']"),
    "arrays bool shape": (json.dumps(tree_with({"a0": ["<f8", [True, True]]}, model=MODEL)), "arrays['a0']"),
    "arrays float shape": (json.dumps(tree_with({"a0": ["<f8", [2.0]]}, model=MODEL)), "arrays['a0']"),
    "arrays wrong shape": (json.dumps(tree_with({"a0": ["<f8", [3]]}, model=MODEL)), "arrays['a0']"),
    "arrays wrong dtype": (json.dumps(tree_with({"a0": ["<f4", [4]]}, model=MODEL)), "arrays['a0']"),
    "arrays extra member": (json.dumps(tree_with({"a0": ["<f8", [2]], "a1": ["<f8", [2]]}, model=MODEL)),
                            "field arrays"),
    "arrays member missing": (json.dumps(tree_with({}, model=MODEL)), "field arrays"),
    "5000-digit int": (json.dumps(tree_with({"a0": ["<f8", [2]]}, model=MODEL))[:-1] + ', "x": ' + "9" * 5000 + "}",
                       "field manifest"),
    "5000-digit shape": (json.dumps(tree_with({"a0": ["<f8", [2]]}, model=MODEL)).replace("[2]", "[" + "9" * 5000 + "]"),
                         "field manifest"),
    "deep nesting (JSON)": (json.dumps(tree_with({"a0": ["<f8", [2]]}, model=MODEL))[:-1]
                            + ', "x": ' + "[" * 100_000 + "]" * 100_000 + "}", "field manifest"),
    "deep nesting (tree)": (json.dumps(tree_with({"a0": ["<f8", [2]]},
                                                 model={"__d": [["w", json.loads("[" * 500 + "]" * 500)]]})),
                            "nested deeper"),
    "array name missing": (json.dumps(tree_with({"a0": ["<f8", [2]]}, model={"__d": [["w", {"__a": "a9"}]]})),
                           "field model['w']"),
    "array name not a string": (json.dumps(tree_with({"a0": ["<f8", [2]]}, model={"__d": [["w", {"__a": [1]}]]})),
                                "field model['w']"),
    "scalar of an array": (json.dumps(tree_with({"a0": ["<f8", [2]]}, model={"__d": [["w", {"__s": "a0"}]]})),
                           "field model['w']"),
    "dict pair not a pair": (json.dumps(tree_with({"a0": ["<f8", [2]]}, model={"__d": [["w"]]})), "field model"),
    "dict not a list": (json.dumps(tree_with({"a0": ["<f8", [2]]}, model={"__d": 5})), "field model"),
    "unhashable key": (json.dumps(tree_with({"a0": ["<f8", [2]]}, model={"__d": [[{"__d": []}, 1]]})),
                       "field model"),
    "unknown node": (json.dumps(tree_with({"a0": ["<f8", [2]]}, model={"w": 1})), "field model"),
    "model not a dict": (json.dumps(tree_with({"a0": ["<f8", [2]]}, model=[{"__a": "a0"}])), "field model"),
    "not JSON": ("{'format': 1", "field manifest"),
    "not UTF-8": (b"\xff\xfe{}", "field manifest"),
    "not a dict": ("[1, 2]", "format marker"),
    "other version": (json.dumps(tree_with({"a0": ["<f8", [2]]}, model=MODEL, version=2)), "version"),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_a_malformed_manifest_raises_naming_the_path_and_field_and_changes_nothing(tmp_path, target, case):
    text, field = MALFORMED[case]
    path = write_zip(tmp_path / "bad.npz", {"__manifest__": manifest_member(text), "a0": A0})
    model, opt = target
    before = snapshot(model, opt)
    exc, peak = peak_of(lambda: po.load(path, model=model, optimizer=opt))
    assert isinstance(exc, ValueError), (case, exc)
    assert path in str(exc) and field in str(exc), (case, str(exc)[:300])
    assert peak < 64 * MiB
    assert_unchanged(before, model, opt)


def test_the_crafted_well_formed_file_loads(tmp_path):
    """The control for the table above: the same construction with a correct manifest loads."""
    path = write_zip(tmp_path / "good.npz", {
        "__manifest__": manifest_member(tree_with({"a0": ["<f8", [2]]}, model=MODEL)), "a0": A0})
    state = po.load(path)["model_state"]
    assert list(state) == ["w"] and state["w"].dtype == np.float64 and state["w"].tolist() == [0.0, 0.0]


def test_an_oversized_manifest_is_refused_before_reading(tmp_path):
    """A manifest member whose .npy header claims 1 GiB of JSON: refused from the header."""
    path = write_zip(tmp_path / "m.npz", {"__manifest__": (npy_header(np.uint8, (1 << 30,)), MiB)},
                     compress=zipfile.ZIP_DEFLATED)
    exc, peak = peak_of(lambda: po.load(path))
    assert isinstance(exc, ValueError) and path in str(exc) and "field manifest" in str(exc), exc
    assert peak < 4 * MiB


def test_archive_level_defects(tmp_path):
    good = tree_with({"a0": ["<f8", [2]]}, model=MODEL)
    cases = {
        "no manifest": {"a0": A0},
        "object member": {"__manifest__": manifest_member(tree_with({"a0": ["<f8", [2]]}, model=MODEL)),
                          "a0": npy_header(object, (2,)) + bytes(16)},
        "fortran member": {"__manifest__": manifest_member(tree_with({"a0": ["<f8", [2, 2]]}, model=MODEL)),
                           "a0": npy_header("<f8", (2, 2)).replace(b"False", b"True ") + bytes(32)},
        "short member": {"__manifest__": manifest_member(good), "a0": A0[:-3]},
        "bad npy magic": {"__manifest__": manifest_member(good), "a0": b"NOTNUMPY" + A0[8:]},
    }
    for name, members in cases.items():
        path = write_zip(tmp_path / f"{name.replace(' ', '_')}.npz", members)
        with pytest.raises(ValueError) as info:
            po.load(path)
        assert path in str(info.value), (name, info.value)


# ------------------------------------------------------------------------------------------------------
# fit checkpoints: the trainer state is checked before anything is applied
# ------------------------------------------------------------------------------------------------------
@pytest.fixture
def fit_checkpoint(tmp_path):
    """A mid-epoch fit checkpoint (with a batch plan), as dicts to tamper with."""
    model, opt = fresh()
    path = str(tmp_path / "fit.npz")

    class Stop(Exception):
        pass

    def stop(batch, logs):
        if cb.trainer.step == 5:
            raise Stop

    from pyoptim.callbacks import LambdaCallback
    cb = LambdaCallback(on_batch_end=stop)
    with pytest.raises(Stop):
        run_fit(model, opt, 3, checkpoint=path, checkpoint_every="2 batches", callbacks=[cb])
    ck = po.load(path)
    assert "plan_sizes" in ck["extra"]["trainer"]
    return path, ck


TAMPER = {
    "negative step": ("step", lambda t: t.update(step=-3)),
    "negative epoch": ("epoch", lambda t: t.update(epoch=-1)),
    "string batch": ("batch", lambda t: t.update(batch="1")),
    "negative plan size": ("plan_sizes", lambda t: t["plan_sizes"].__setitem__(0, -5)),
    "plan sizes do not add up": ("plan_sizes", lambda t: t["plan_sizes"].__setitem__(0, 1)),
    "plan sizes float": ("plan_sizes", lambda t: t.update(plan_sizes=t["plan_sizes"].astype(float))),
    "plan index out of range": ("plan_indices", lambda t: t["plan_indices"].__setitem__(0, 10**6)),
    "negative plan index": ("plan_indices", lambda t: t["plan_indices"].__setitem__(0, -1)),
    "rng garbage": ("rng", lambda t: t.update(rng={"bit_generator": "PCG64", "state": 5})),
    "history garbage": ("history", lambda t: t.update(history=[1, 2])),
    "acc short": ("acc", lambda t: t.update(acc=[0.0, 1])),
    "acc negative count": ("acc", lambda t: t.update(acc=[0.0, -1, 0, 0, 0])),
    "callbacks not a list": ("callbacks", lambda t: t.update(callbacks=5)),
}


@pytest.mark.parametrize("case", sorted(TAMPER))
def test_a_tampered_fit_checkpoint_raises_naming_the_field_and_changes_nothing(fit_checkpoint, case):
    path, ck = fit_checkpoint
    field, tamper = TAMPER[case]
    trainer = dict(ck["extra"]["trainer"])
    tamper(trainer)
    po.save(path, model=ck["model_state"], optimizer=ck["optimizer_state"], trainer=trainer)
    model, opt = fresh()
    run_fit(model, opt, 1)
    before = snapshot(model, opt)
    with pytest.raises(ValueError) as info:
        run_fit(model, opt, 3, checkpoint=path, resume=path)
    assert path in str(info.value) and f"trainer[{field!r}]" in str(info.value), str(info.value)
    assert_unchanged(before, model, opt)


def test_the_untampered_fit_checkpoint_resumes(fit_checkpoint):
    """The control: the same file re-saved unchanged resumes and finishes."""
    path, ck = fit_checkpoint
    po.save(path, model=ck["model_state"], optimizer=ck["optimizer_state"], trainer=ck["extra"]["trainer"])
    model, opt = fresh()
    h = run_fit(model, opt, 3, checkpoint=path, resume=path)
    assert h.epoch == [0, 1, 2] and h.meta["steps"] == 30


# ------------------------------------------------------------------------------------------------------
# fuzzing a real checkpoint: bit flips and truncation
# ------------------------------------------------------------------------------------------------------
def fuzz(tmp_path, target, n_flips, seed):
    """Every damaged copy either loads (a flip in bytes no check covers, e.g. a zip timestamp) or raises
    ValueError naming its path; the target is unchanged after each failure; the peak stays in budget."""
    model, opt = target
    src = str(tmp_path / "src.npz")
    po.save(src, model=model, optimizer=opt, epoch=3)
    with open(src, "rb") as f:
        data = f.read()
    budget = 4 * len(data) + MiB   # the real data is < len(data) bytes
    rng = np.random.default_rng(seed)
    before = snapshot(model, opt)
    model_state = {k: np.array(v, copy=True) for k, v in model.state_dict().items()}
    path = str(tmp_path / "fuzzed.npz")
    outcomes = {"loaded": 0, "refused": 0}
    variants = [("trunc", int(k)) for k in np.unique(np.linspace(0, len(data) - 1, 60).astype(int))]
    variants += [("flip", int(k)) for k in rng.integers(0, len(data) * 8, n_flips)]
    variants += [("bytes", int(k)) for k in rng.integers(0, len(data), n_flips // 4)]
    tracemalloc.start()
    try:
        for kind, k in variants:
            if kind == "trunc":
                damaged = data[:k]
            elif kind == "flip":
                b = bytearray(data)
                b[k // 8] ^= 1 << (k % 8)
                damaged = bytes(b)
            else:
                b = bytearray(data)
                b[k:k + 8] = rng.integers(0, 256, len(b[k:k + 8]), dtype=np.uint8).tobytes()
                damaged = bytes(b)
            with open(path, "wb") as f:
                f.write(damaged)
            tracemalloc.reset_peak()
            try:
                po.load(path, model=model, optimizer=opt, max_bytes=budget)
                outcomes["loaded"] += 1
                model.load_state_dict(model_state)   # a benign flip may still change a value
                opt.load_state_dict(before[1])
            except ValueError as exc:
                assert path in str(exc), (kind, k, exc)
                outcomes["refused"] += 1
            assert tracemalloc.get_traced_memory()[1] < budget + 2 * MiB, (kind, k)
            assert_unchanged(before, model, opt)
    finally:
        tracemalloc.stop()
    assert outcomes["refused"] > len(variants) // 2   # most damage is detected (CRCs, headers, manifest)
    return outcomes


def test_fuzzed_checkpoints_raise_or_load_and_never_half_load(tmp_path, target):
    fuzz(tmp_path, target, n_flips=200, seed=1)


@pytest.mark.slow
def test_fuzzed_checkpoints_long(tmp_path, target):
    fuzz(tmp_path, target, n_flips=4000, seed=2)
