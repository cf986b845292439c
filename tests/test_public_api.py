"""The curated public API: every exported name resolves, and the notebooks use nothing else."""

import ast
import importlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("theory", "numerics", "proofs_check")
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.py"))


@pytest.mark.parametrize("package", PACKAGES)
def test_every_exported_name_resolves_and_is_listed(package):
    module = importlib.import_module(package)
    assert len(set(module.__all__)) == len(module.__all__), "a name is exported twice"
    for name in module.__all__:
        assert getattr(module, name) is not None
    assert set(module.__all__) <= set(dir(module))


def test_an_unknown_name_is_an_attribute_error():
    import theory

    with pytest.raises(AttributeError, match="no attribute 'no_such_name'"):
        theory.no_such_name  # noqa: B018


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebooks_import_only_from_the_package_tops(notebook):
    tree = ast.parse(notebook.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] in PACKAGES:
            assert node.module in PACKAGES, f"{notebook.name}:{node.lineno}: from {node.module} import ..."
            exported = importlib.import_module(node.module).__all__
            missing = [a.name for a in node.names if a.name not in exported]
            assert not missing, f"{notebook.name}:{node.lineno}: {missing} not in {node.module}.__all__"
        if isinstance(node, ast.Import):
            deep = [a.name for a in node.names if a.name.split(".")[0] in PACKAGES and "." in a.name]
            assert not deep, f"{notebook.name}:{node.lineno}: import {deep}"
