"""The package's import rules, checked by parsing every module of pyoptim (docs/architecture.md):

1. one path to the C core: only ``pyoptim.kernels`` imports ``pyoptim._core`` or reaches its attributes;
2. no module imports another module's underscore names (``from .training import _helper``) or reads one
   through an imported module (``kernels._core``); shared helpers live in ``pyoptim._internal`` or under
   a public name;
3. a private module (``pkg._mod``) is imported only from inside its own package ``pkg``, except the
   package-wide internal modules named below;
4. the NumPy twins (the package ``pyoptim._reference``, the backend beneath everything and the tests' oracle)
   import nothing of pyoptim outside their own package.
"""
import ast
import pathlib

import pytest

import pyoptim

ROOT = pathlib.Path(pyoptim.__file__).parent
#: private modules every part of the package may import (their names are the internal API)
PACKAGE_WIDE = {"pyoptim._validation", "pyoptim._internal", "pyoptim._version", "pyoptim._config"}
#: what the backend switch alone may import (the modules and, for a package, its modules)
KERNELS_ONLY = {"pyoptim._core", "pyoptim._reference"}
#: the twins' package: its modules import only each other (rule 4)
TWINS = "pyoptim._reference"


def _within(name: str, pkg: str) -> bool:
    return name == pkg or name.startswith(pkg + ".")


def _kernels_only(name: str) -> bool:
    return any(_within(name, k) for k in KERNELS_ONLY)


def _modname(path: pathlib.Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _package(path: pathlib.Path) -> str:
    me = _modname(path)
    return me if path.name == "__init__.py" else me.rpartition(".")[0]


def _resolve(path, node: ast.ImportFrom) -> str:
    if node.level == 0:
        return node.module or ""
    base = _package(path).split(".")
    base = base[:len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def _is_module(name: str) -> bool:
    rel = pathlib.Path(*name.split(".")[1:])
    return (ROOT / rel).with_suffix(".py").exists() or (ROOT / rel / "__init__.py").exists() \
        or any((ROOT / rel.parent).glob(rel.name + ".*.so")) or name.endswith("._core")


def _private_part(name: str):
    """The innermost private component's package and full name, e.g. pyoptim.nn._layers -> (pyoptim.nn,
    pyoptim.nn._layers); None when no component is private."""
    parts = name.split(".")
    for i in range(len(parts) - 1, 0, -1):
        if parts[i].startswith("_") and not parts[i].startswith("__"):
            return ".".join(parts[:i]), ".".join(parts[:i + 1])
    return None


def _violations(files=None):
    """Every broken rule, as text; ``files``: (path, source) pairs (default: the package's modules)."""
    if files is None:
        files = [(p, p.read_text(encoding="utf-8")) for p in sorted(ROOT.rglob("*.py"))]
    out = []
    for path, source in files:
        me, pkg = _modname(path), _package(path)
        tree = ast.parse(source, str(path))
        module_aliases = {}
        imported = []
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                target = _resolve(path, node)
                for a in node.names:
                    full = f"{target}.{a.name}"
                    if _is_module(full):
                        imported.append(full)
                        module_aliases[a.asname or a.name] = full
                    else:
                        imported.append(target)
                        if a.name.startswith("_") and not a.name.startswith("__") and target != me:
                            out.append(f"{me}: imports the underscore name {a.name} from {target}")
            elif isinstance(node, ast.Import):
                for a in node.names:
                    if a.name.startswith("pyoptim"):
                        imported.append(a.name)
                        if a.asname:
                            module_aliases[a.asname] = a.name
        for full in imported:
            if not full.startswith("pyoptim"):
                continue
            if _within(me, TWINS) and not _within(full, TWINS):
                out.append(f"{me}: imports {full} (the twins import nothing of pyoptim outside {TWINS})")
                continue
            if _kernels_only(full) and me != "pyoptim.kernels" and not _within(me, TWINS):
                out.append(f"{me}: imports {full} (only pyoptim.kernels may)")
                continue
            priv = _private_part(full)
            if priv is None or _kernels_only(full):
                continue
            owner, private_mod = priv
            if private_mod in PACKAGE_WIDE or me == private_mod or me.startswith(private_mod + "."):
                continue
            if not (pkg == owner or pkg.startswith(owner + ".")):
                out.append(f"{me}: imports the private module {private_mod} from outside {owner}")
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) \
                    and node.value.id in module_aliases and node.attr.startswith("_") \
                    and not node.attr.startswith("__"):
                if me == "pyoptim.kernels":
                    continue
                out.append(f"{me}: reads {module_aliases[node.value.id]}.{node.attr}")
    return out


def test_the_package_keeps_its_import_rules():
    assert _violations() == []


@pytest.mark.parametrize("src, expected", [
    ("from .._core import adam_step\n", "imports pyoptim._core"),
    ("from .._reference.optim import adam_step\n", "imports pyoptim._reference.optim (only pyoptim.kernels"),
    ("from ..training import _batch_plan\n", "underscore name _batch_plan"),
    ("from .. import kernels\nkernels._core\n", "reads pyoptim.kernels._core"),
    ("from ..nn._layers import Dense\n", "private module pyoptim.nn._layers from outside pyoptim.nn"),
])
def test_the_checker_catches_each_kind_of_violation(src, expected):
    probe = ROOT / "optim" / "zz_house_probe.py"      # parsed from text, never written
    found = _violations([(probe, src)])
    assert any("pyoptim.optim.zz_house_probe" in v and expected in v for v in found), found


@pytest.mark.parametrize("src, ok", [
    ("from ._common import decayed\nfrom . import linesearch\n", True),
    ("from .. import kernels\n", False),
    ("from .._validation import check_lr\n", False),
])
def test_the_twins_import_only_each_other(src, ok):
    probe = ROOT / "_reference" / "zz_house_probe.py"   # parsed from text, never written
    found = [v for v in _violations([(probe, src)]) if "zz_house_probe" in v]
    assert (found == []) == ok, found
