"""Installing anywhere (issue 16): the NumPy backend and its warning, show_config, the version's one
source, the licence and citation files, the notebooks' install cell, and optional matplotlib.

Backend behaviour is checked in fresh interpreters (``subprocess``), since the backend is chosen once,
when ``pyoptim.kernels`` is first imported.
"""
import ast
import importlib.metadata
import inspect
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import pyoptim
from pyoptim import _reference, kernels

ROOT = Path(__file__).resolve().parent.parent
DIST = "pyoptim-dlbook"


def _run(code: str, cwd=None, no_site=False, **env) -> subprocess.CompletedProcess:
    """``code`` in a fresh interpreter. ``no_site``: without the site module, so no ``.pth`` file runs
    (an editable install's import hook would otherwise find the built core for any copy of the package);
    site-packages stay importable through PYTHONPATH."""
    import site
    e = {k: v for k, v in os.environ.items() if k != "PYOPTIM_BACKEND"}
    e["PYTHONPATH"] = os.pathsep.join([str(Path(pyoptim.__file__).parent.parent)] +
                                      ([e["PYTHONPATH"]] if e.get("PYTHONPATH") else []))
    e.update(env)
    if no_site:
        e["PYTHONPATH"] = os.pathsep.join([e["PYTHONPATH"], *site.getsitepackages()])
    return subprocess.run([sys.executable, *(["-S"] if no_site else []), "-c", code], capture_output=True,
                          text=True, env=e, timeout=120, cwd=cwd)


# a short run of real features on whatever backend is active: Adam on a quadratic, L-BFGS on Rosenbrock,
# a dropout forward pass; prints JSON so the two backends' results can be compared
FEATURES = r"""
import json, warnings
with warnings.catch_warnings(record=True) as w:
    warnings.simplefilter("always")
    import numpy as np, pyoptim as po
msgs = [(c.category.__name__, str(c.message)) for c in w]
p = po.nn.Parameter(np.array([3.0, -2.0])); opt = po.optim.Adam([p], lr=0.1)
for _ in range(50):
    p.grad[...] = 2 * p.data; opt.step()
f = po.functions.rosenbrock(4)
res = po.minimize(f, f.x0, method="lbfgs")
y = po.nn.Dropout(0.5, seed=1).forward(np.ones(1000))
print(json.dumps({"backend": po.kernels.BACKEND, "warnings": msgs, "adam": p.data.tolist(),
                  "lbfgs": [res.x.tolist(), res.nit, res.nfev, bool(res.success)],
                  "kept": int((y != 0).sum())}))
"""


def test_unbuilt_core_falls_back_to_numpy_with_one_warning():
    out = _run("import sys; sys.modules['pyoptim._core'] = None\n" + FEATURES)
    assert out.returncode == 0, out.stderr
    r = json.loads(out.stdout)
    assert r["backend"] == "numpy"
    assert [c for c, _ in r["warnings"]] == ["PerformanceWarning"], r["warnings"]
    msg = r["warnings"][0][1]
    assert "the C core is not built" in msg and "pip install -e ." in msg and DIST in msg
    assert "slower" in msg and "PYOPTIM_BACKEND=numpy" in msg
    assert "circular import" not in msg and "partially initialized" not in msg
    assert r["lbfgs"][3] and np.allclose(r["lbfgs"][0], 1.0, atol=1e-4)


def test_a_checkout_without_the_built_core_says_so(tmp_path):
    """A copy of the package with no _core file (an unbuilt checkout): the warning says the C core is
    not built and how to build it, never "partially initialized module ... circular import"."""
    import shutil
    shutil.copytree(Path(pyoptim.__file__).parent, tmp_path / "pyoptim",
                    ignore=shutil.ignore_patterns("_core*", "__pycache__"))
    out = _run("import warnings\nwith warnings.catch_warnings(record=True) as w:\n"
               "    warnings.simplefilter('always')\n    import pyoptim\n"
               "print(pyoptim.kernels.BACKEND, pyoptim.__file__)\nprint([str(x.message) for x in w])",
               cwd=tmp_path, no_site=True, PYTHONPATH=str(tmp_path))
    assert out.returncode == 0, out.stderr
    first, msgs = out.stdout.splitlines()[:2]
    assert first.startswith("numpy " + str(tmp_path))
    assert "the C core is not built" in msgs and "pip install -e ." in msgs
    assert "circular import" not in msgs and "partially initialized" not in msgs


def test_backend_env_var_selects_numpy_without_a_warning():
    out = _run(FEATURES, PYOPTIM_BACKEND="numpy")
    assert out.returncode == 0, out.stderr
    r = json.loads(out.stdout)
    assert r["backend"] == "numpy" and r["warnings"] == []


@pytest.mark.c_only
def test_both_backends_give_the_same_results():
    """The same script on the C core and on the twins: same Adam iterates and dropout mask (the twins
    do the kernels' arithmetic in the same order), the same L-BFGS path to rounding."""
    c, n = (json.loads(_run(FEATURES, PYOPTIM_BACKEND=b).stdout) for b in ("c", "numpy"))
    assert c["backend"] == "c" and n["backend"] == "numpy"
    assert c["adam"] == n["adam"] and c["kept"] == n["kept"]
    np.testing.assert_allclose(c["lbfgs"][0], n["lbfgs"][0], rtol=1e-8)
    assert abs(c["lbfgs"][1] - n["lbfgs"][1]) <= 2


def test_backend_c_insists_on_the_c_core():
    out = _run("import sys; sys.modules['pyoptim._core'] = None\nimport pyoptim", PYOPTIM_BACKEND="c")
    assert out.returncode != 0 and "PYOPTIM_BACKEND=c but the C core is not built" in out.stderr
    assert "pip install -e ." in out.stderr


def test_unknown_backend_is_refused_by_name():
    out = _run("import pyoptim", PYOPTIM_BACKEND="fortran")
    assert out.returncode != 0 and "PYOPTIM_BACKEND" in out.stderr and "'fortran'" in out.stderr


@pytest.mark.c_only
def test_numpy_backend_has_every_kernel_with_the_c_signature():
    """Every name of pyoptim._core has a twin with the same signature (parameter names, kinds,
    defaults), so code written against pyoptim.kernels runs on either backend."""
    core = kernels._core
    names = sorted(n for n in dir(core) if not n.startswith("_") and callable(getattr(core, n)))
    out = _run("import json, pyoptim.kernels as k; print(json.dumps(k.__all__))", PYOPTIM_BACKEND="numpy")
    assert json.loads(out.stdout) == names
    for name in names + ["_minimize", "_lbfgsb"]:
        assert inspect.signature(getattr(core, name)) == inspect.signature(getattr(_reference, name)), name


def test_show_config_reports_the_build_and_the_cpu(capsys):
    info = pyoptim.show_config(mode="dicts")
    assert info["backend"] == kernels.BACKEND and info["pyoptim"]["distribution"] == DIST
    pyoptim.show_config()
    text = capsys.readouterr().out
    assert f"backend:   {kernels.BACKEND}" in text and "BLAS:" in text and DIST in text
    with pytest.raises(ValueError, match="mode"):
        pyoptim.show_config(mode="json")
    if kernels.BACKEND != "c":
        assert info["c_core"] is None
        return
    c = info["c_core"]
    # OpenMP reported by the compiled code (_OPENMP) agrees with the flags setup.py passed
    assert (c["openmp"] > 0) == any("openmp" in f for f in c["flags"].split()), c
    assert c["threads"] == pyoptim.get_num_threads()
    # the SIMD variant agrees with the CPU flags the kernel (Linux) reports, when the build has clones
    if c["simd"] in ("avx512f", "avx2", "baseline") and Path("/proc/cpuinfo").exists():
        flags = set(re.search(r"^flags\s*:(.*)$", Path("/proc/cpuinfo").read_text(), re.M).group(1).split())
        want = "avx512f" if "avx512f" in flags else "avx2" if "avx2" in flags else "baseline"
        assert c["simd"] == want


def test_version_has_one_source_used_everywhere():
    src = (ROOT / "pyoptim" / "_version.py").read_text()
    version = ast.literal_eval(re.search(r"__version__ = (.+)", src).group(1))
    assert pyoptim.__version__ == version
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert 'dynamic = ["version"]' in pyproject and 'attr = "pyoptim._version.__version__"' in pyproject
    assert f'name = "{DIST}"' in pyproject
    assert re.search(r'^version: "(.+)"$', (ROOT / "CITATION.cff").read_text(), re.M).group(1) == version
    assert f"## [{version}]" in (ROOT / "CHANGELOG.md").read_text()
    try:
        installed = importlib.metadata.version(DIST)
    except importlib.metadata.PackageNotFoundError:
        return
    if Path(importlib.metadata.distribution(DIST).locate_file("pyoptim")).resolve() == ROOT / "pyoptim":
        assert installed == version


def test_licence_and_citation():
    lic = (ROOT / "LICENSE").read_text()
    assert lic.startswith("BSD 3-Clause License") and "the pyoptim developers" in lic
    assert 'license = "BSD-3-Clause"' in (ROOT / "pyproject.toml").read_text()
    yaml = pytest.importorskip("yaml")
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text())
    assert cff["cff-version"] == "1.2.0"
    for key in ("message", "title", "authors", "version", "license"):   # CFF 1.2.0 requires the first three
        assert cff[key], key
    assert cff["license"] == "BSD-3-Clause"


def _install_cells():
    import nbformat
    for path in sorted((ROOT / "notebooks").glob("ch*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        yield path.stem, nb.cells[0]


def test_every_notebook_starts_with_an_install_cell():
    pytest.importorskip("nbformat")
    cells = list(_install_cells())
    assert len(cells) >= 13
    for name, cell in cells:
        assert cell.cell_type == "code" and len(cell.source.strip().splitlines()) == 1, name
        assert f'"{DIST}[hosted]"' in cell.source, name


def test_install_cell_runs_pip_only_when_pyoptim_is_missing(monkeypatch):
    pytest.importorskip("nbformat")
    import importlib.util
    _, cell = next(_install_cells())
    calls = []
    monkeypatch.setattr(subprocess, "check_call", lambda args, **kw: calls.append(args) or 0)
    exec(cell.source, {})                      # pyoptim importable: no pip
    assert calls == []
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None)
    exec(cell.source, {})                      # not importable: one pip install of the distribution
    assert calls == [[sys.executable, "-m", "pip", "install", "-q", f"{DIST}[hosted]"]]


def test_plot_without_matplotlib_names_the_extra():
    out = _run("import sys; sys.modules['matplotlib'] = None\n"
               "import numpy as np, pyoptim.plot as P\n"
               "try:\n    P.curvature(np.ones(3), np.ones(3))\n"
               "except ImportError as e:\n    print('ImportError:', e)\n")
    assert out.returncode == 0, out.stderr
    assert f'pip install "{DIST}[tour]"' in out.stdout


def test_error_hints_name_the_distribution():
    """Every `pip install "<name>[extra]"` a user is told names our distribution, never `pyoptim`."""
    bad = []
    for path in list((ROOT / "pyoptim").rglob("*.py")) + list((ROOT / "notebooks" / "_src").glob("*.py")) + \
            [ROOT / "README.md", ROOT / "notebooks" / "README.md"]:
        for m in re.finditer(r'pip install (?:-\S+ )*"?pyoptim(?![-\w])', path.read_text(encoding="utf-8")):
            bad.append(f"{path.name}: {m.group(0)}")
    assert not bad, bad
