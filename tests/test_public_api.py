"""The curated public API: every exported name resolves, and the notebooks use nothing else."""

import ast
import importlib
import os
import subprocess
import sys
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


def test_a_public_name_that_is_also_a_submodule_stays_the_public_name():
    # theory.closed_form is a function and a module; whichever is imported first, the package keeps the function
    code = ("import theory.closed_form\nfrom theory import closed_form\nimport theory\n"
            "assert callable(closed_form) and theory.closed_form is closed_form\n"
            "from theory.closed_form import ClosedForm\nassert isinstance(closed_form('augment'), ClosedForm)")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT)
    assert result.returncode == 0, result.stderr


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


def test_results_print_as_tables_in_a_terminal_and_in_a_notebook():
    from numerics import SimulationConfig, limit_estimate, simulate, simulate_gp
    from theory import predict

    result = simulate(SimulationConfig("gaussian", {}, "augment", 10, 12, 250), seed=1, progress=False)
    text = repr(result)
    lines = text.splitlines()
    assert lines[0].startswith("SimulationResult: gaussian (estimator=mle, mu=0.0, sigma=1.0) under augment, n = 10")
    for name in result.metrics:
        assert name in lines[1]
    # 12 generations: the first five, an ellipsis, the last three
    assert [line.split()[0] for line in lines[3:]] == ["1", "2", "3", "4", "5", "…", "10", "11", "12"]
    gp = simulate_gp("discard", 500, seed=1, G=3)
    assert repr(gp).splitlines()[0].startswith("GPResult: mle estimator, 500 replicates, 3 generations")
    estimate = limit_estimate("augment", 20)
    assert repr(estimate).startswith("Estimate(1.6449340668482264365 (bound")
    assert estimate._repr_latex_().startswith("$1.6449340668482264365 \\pm ")
    prediction = predict("gaussian", {}, "augment", 10, generations=3)
    for shown in (result, gp, prediction):
        assert shown._repr_html_().startswith("<table><caption>")
