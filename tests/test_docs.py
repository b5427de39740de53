"""The documentation site's generators (docs/_ext): the docstring rules give reStructuredText that
docutils parses without a message, and the generated API pages cover every public name.

The full site build (Sphinx with -W, the executed notebooks, the Chromium check) is
``bash scripts/build_docs.sh``, run by .ci/run; these tests need only docutils and Sphinx's napoleon
and are skipped without them (the docs extra).
"""
import importlib
import inspect
import io
import re
import sys
from pathlib import Path

import pytest

docutils_core = pytest.importorskip("docutils.core")
napoleon = pytest.importorskip("sphinx.ext.napoleon")

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "docs" / "_ext"))
import pyoptim_docs  # noqa: E402
import pyoptim_docstrings  # noqa: E402

sys.path.remove(str(ROOT / "docs" / "_ext"))


def _rst_messages(lines):
    """docutils' warnings and errors for the text (Sphinx roles and directives registered as no-ops)."""
    text = "\n".join(lines)
    text = re.sub(r":(?:py:)?(?:mod|class|func|meth|attr|obj|data|exc):`", ":title-reference:`", text)
    text = text.replace(".. code-block:: text", "::")
    stream = io.StringIO()
    docutils_core.publish_doctree(text, settings_overrides={"warning_stream": stream, "report_level": 2,
                                                           "halt_level": 5})
    # Sphinx's own directives and roles (``.. attribute::`` from napoleon, ...) are unknown to bare docutils
    msgs = re.split(r"(?=<string>:\d+: \()", stream.getvalue())
    return "".join(m for m in msgs if m and not re.search(r"Unknown (directive type|interpreted text role)", m)
                   and "No role entry for" not in m and "No directive entry for" not in m)


def _processed(doc):
    lines = inspect.cleandoc(doc).splitlines()
    pyoptim_docstrings.process(lines)
    config = napoleon.Config(napoleon_numpy_docstring=True, napoleon_google_docstring=False)
    return str(napoleon.NumpyDocstring(lines, config)).splitlines()


SAMPLE = '''One step, in place on ``param``; torch's clip_grad_norm_ semantics.

    v <- alpha * v - lr * g
    |w| <- max(|w| - t, 0)

Book: Algorithm 8.2, with |x| the absolute value.
Both forms accept
* arrays
* Parameters

=========== =====
method      book
=========== =====
"newton-cg-long" 8.6
=========== =====

Parameters
----------
param : ndarray
lr : float

``forward(x)``: the forward pass, written as prose after the fields.

Raises
------
TypeError for a wrong dtype; ValueError for a bad shape.
'''


def test_raw_sample_is_not_valid_rst_but_processed_is():
    raw = str(napoleon.NumpyDocstring(inspect.cleandoc(SAMPLE).splitlines(),
                                      napoleon.Config(napoleon_google_docstring=False))).splitlines()
    assert _rst_messages(raw) != ""                  # the plain-text conventions break RST as is
    out = _processed(SAMPLE)
    assert _rst_messages(out) == ""
    text = "\n".join(out)
    assert "\\|w\\|" not in text.split(".. code-block:: text")[1].split("\n\n")[1]   # formula verbatim
    assert "with \\|x\\| the absolute value" in text and "clip_grad_norm\\_ semantics" in text
    assert ".. rubric:: Raises" in text and "TypeError for a wrong dtype" in text
    assert text.count(".. code-block:: text") == 2   # the formula block and the table that overflows


@pytest.mark.parametrize("modname", ["pyoptim", "pyoptim.optim", "pyoptim.nn", "pyoptim.nn.init", "pyoptim.kernels",
                                     "pyoptim.regularization", "pyoptim.diagnostics", "pyoptim.plot"])
def test_every_public_docstring_renders_without_messages(modname):
    mod = importlib.import_module(modname)
    bad = []
    for name in getattr(mod, "__all__", []):
        obj = getattr(mod, name)
        if inspect.ismodule(obj) or not (inspect.isclass(obj) or callable(obj)) or not obj.__doc__:
            continue
        msgs = _rst_messages(_processed(obj.__doc__))
        if msgs:
            bad.append(f"{modname}.{name}: {msgs[:300]}")
    assert not bad, "\n".join(bad)


def test_api_pages_document_every_public_name(tmp_path):
    pages = pyoptim_docs.write_api_pages(tmp_path)
    text = "\n".join((tmp_path / "api" / f"{p}.rst").read_text() for p in pages)
    documented = set(re.findall(r"^\.\. auto(?:class|function|data):: (\S+)$", text, re.M))
    objects = {id(_resolve(n)) for n in documented}
    # independently of the generator's walk: each package's and listed module's __all__
    missing = []
    for modname in ["pyoptim", "pyoptim.optim", "pyoptim.optim.lr_scheduler", "pyoptim.nn", "pyoptim.nn.init",
                    "pyoptim.kernels", "pyoptim.regularizers", "pyoptim.constraints", "pyoptim.regularization",
                    "pyoptim.callbacks", "pyoptim.diagnostics", "pyoptim.datasets", "pyoptim.functions",
                    "pyoptim.plot", "pyoptim.checkpoint", "pyoptim.strategies"]:
        mod = importlib.import_module(modname)
        for name in getattr(mod, "__all__", []):
            obj = getattr(mod, name)
            if inspect.ismodule(obj) or name.startswith("__"):
                continue
            if f"{modname}.{name}" not in documented and id(obj) not in objects:
                missing.append(f"{modname}.{name}")
    assert not missing, missing
    assert "pyoptim.kernels" in pages and "pyoptim.optim.lr_scheduler" in pages


def _resolve(dotted):
    parts = dotted.split(".")
    for i in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:i]))
        except ImportError:
            continue
        for p in parts[i:]:
            obj = getattr(obj, p)
        return obj
    raise ImportError(dotted)
