"""Sphinx configuration for pyoptim's documentation site.

Build (from the repository root; the one command, also in docs/README.md):

    python -m sphinx -W --keep-going -b html docs docs/_build/html

Why Sphinx + napoleon + myst-nb (not Jupyter Book): the API reference is generated from the
docstrings by autodoc (Sphinx's own tool; napoleon reads the numpydoc-style sections the package
writes and ships with Sphinx, so the extra has one dependency fewer than numpydoc, and it does not
add autosummary tables of its own), and myst-nb renders notebooks that docs/_ext/pyoptim_docs.py has
executed beforehand, two at a time, with a cache keyed on the notebook and the package sources.
Jupyter Book 1 is this same stack behind a YAML layer; Jupyter Book 2 is a Node.js application,
which this project (NumPy only at run time, Python tooling) avoids.

Offline: MathJax 3 is copied into the site from the sphinx-mathjax-offline package (no CDN), and
myst-nb's ipywidgets scripts (also a CDN) are not included: the notebooks are executed with their
figures drawn statically.
"""
import os
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path.insert(0, str(ROOT))          # this checkout's pyoptim (built in place or installed with -e)
sys.path.insert(0, str(DOCS / "_ext"))

import pyoptim  # noqa: E402
import pyoptim_docs  # noqa: E402

project = "pyoptim"
author = "The pyoptim developers"
copyright = "the pyoptim developers (BSD-3-Clause)"
release = pyoptim.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.napoleon",
    "sphinx.ext.mathjax",
    "sphinx-mathjax-offline",   # MathJax 3 shipped with the site: _static/mathjax/tex-chtml.js
    "myst_nb",
    "pyoptim_docstrings",       # docs/_ext: pyoptim's plain-text docstrings (formula blocks, |x|) as written
]

# ---- the generated parts: API pages from the modules, executed notebooks, the notebooks' map
pyoptim_docs.write_api_pages(DOCS)
if os.environ.get("PYOPTIM_DOCS_EXECUTE", "") != "off":
    pyoptim_docs.prepare_notebooks(DOCS)
pyoptim_docs.write_notebook_map(DOCS)
pyoptim_docs.write_index_pages(DOCS)   # notebooks/index.md (Korean ones when notebooks/ko exists), figures
pyoptim_docs.copy_if_changed(ROOT / "CHANGELOG.md", DOCS / "_generated" / "changelog.md")

exclude_patterns = ["_build", "README.md", "_ext", "**/.ipynb_checkpoints", "**/*.tmp"]

# ---- autodoc / napoleon
autodoc_default_options = {"member-order": "bysource"}
autodoc_typehints = "none"           # the docstrings name the types; signatures stay readable
autodoc_preserve_defaults = True
autosummary_generate = False         # summary tables only; the pages are written by pyoptim_docs
napoleon_google_docstring = False
napoleon_numpy_docstring = True
napoleon_use_rtype = False
napoleon_preprocess_types = False
add_module_names = False

# ---- notebooks (already executed by pyoptim_docs.prepare_notebooks)
nb_execution_mode = "off"
nb_ipywidgets_js = {}                # no widget-manager scripts from a CDN
myst_enable_extensions = ["dollarmath", "amsmath"]
myst_heading_anchors = 3
suppress_warnings = ["myst.header"]  # the notebooks start at "#" and go on with "##"; that is fine

# ---- math: the local MathJax copy (sphinx-mathjax-offline sets mathjax_path to it)
mathjax3_config = {"tex": {"inlineMath": [["\\(", "\\)"]], "displayMath": [["\\[", "\\]"]]}}

# ---- HTML
html_theme = "furo"
html_title = f"pyoptim {release}"
html_static_path = []
html_extra_path = []
html_last_updated_fmt = None
html_show_sourcelink = False
templates_path = []
