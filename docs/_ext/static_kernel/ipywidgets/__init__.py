# On the kernels that execute the notebooks for the documentation site only (docs/_ext/pyoptim_docs.py
# puts this folder first on their PYTHONPATH): a static page has no kernel behind its sliders, so
# pyoptim.plot's interactive_* functions take their documented no-ipywidgets path and draw the figure.
raise ImportError("ipywidgets is hidden while executing notebooks for the static documentation site")
