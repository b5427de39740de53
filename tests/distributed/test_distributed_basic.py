"""pyoptim.distributed without MPI: the package imports without mpi4py (lazily), the shard rule, and
the clear ImportError of fit(distributed=True) when the extra is missing. (The MPI runs themselves are
in test_distributed_mpi.py, marked ``mpi``.)"""
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]

# a child interpreter in which "import mpi4py" fails, as on a machine without the extra
_NO_MPI = "import sys; sys.modules['mpi4py'] = None\n"


def _child(code):
    env = {"PYTHONPATH": str(ROOT), "OPENBLAS_NUM_THREADS": "1", "PATH": "/usr/bin:/bin"}
    # keep what a sanitizer run (scripts/sanitize.sh) needs to load its runtime and the instrumented core
    keep = ("LD_PRELOAD", "ASAN_OPTIONS", "UBSAN_OPTIONS", "PYTHONMALLOC", "PYOPTIM_EXPECT_CORE")
    env.update({k: os.environ[k] for k in keep if k in os.environ})
    if "PYOPTIM_EXPECT_CORE" in os.environ:
        env["PYTHONPATH"] = os.environ.get("PYTHONPATH", str(ROOT))
    return subprocess.run([sys.executable, "-c", _NO_MPI + code], capture_output=True, text=True, timeout=120,
                          cwd=str(ROOT), env=env)


def test_package_imports_without_mpi4py_and_fit_names_the_extra():
    code = ("import numpy as np, pyoptim as po, pyoptim.distributed as D\n"
            "assert 'mpi4py' not in [k for k, v in sys.modules.items() if v is not None]\n"
            "print(D.shard_bounds(10, 3, 2))\n"
            "m = po.nn.Sequential(po.nn.Dense(2, 2, seed=0))\n"
            "try:\n"
            "    po.fit(m, po.nn.SoftmaxCrossEntropy(), po.optim.SGD(m.parameters()), np.zeros((4, 2), np.float32),\n"
            "           np.zeros(4, np.int64), epochs=1, progress=False, distributed=True)\n"
            "except ImportError as exc:\n"
            "    print('ImportError:', exc)\n")
    proc = _child(code)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0] == "(7, 10)"
    assert lines[1].startswith("ImportError:") and 'pip install "pyoptim-dlbook[mpi]"' in lines[1]


@pytest.mark.parametrize("m", [0, 1, 2, 5, 12, 13, 61])
@pytest.mark.parametrize("size", [1, 2, 3, 4])
def test_shards_are_numpy_array_split_in_rank_order(m, size):
    from pyoptim.distributed import shard_bounds
    parts = np.array_split(np.arange(m), size)
    for r in range(size):
        lo, hi = shard_bounds(m, size, r)
        assert np.array_equal(np.arange(m)[lo:hi], parts[r])


def test_bad_distributed_options_are_rejected_before_mpi_is_touched():
    import pyoptim as po
    m = po.nn.Sequential(po.nn.Dense(2, 2, seed=0))
    args = (m, po.nn.SoftmaxCrossEntropy(), po.optim.SGD(m.parameters()), np.zeros((4, 2), np.float32),
            np.zeros(4, np.int64))
    with pytest.raises(ValueError, match=r"Invalid distributed option\(s\) \['sync_bn'\]"):
        po.fit(*args, progress=False, distributed={"sync_bn": True})
    with pytest.raises(TypeError, match="Invalid distributed: 'yes'"):
        po.fit(*args, progress=False, distributed="yes")
