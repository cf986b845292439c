"""Imports follow use: package tops, ``--help``, argument errors and light commands stay free of heavy modules.

Each check runs in a fresh interpreter and reads ``sys.modules`` afterwards (the rule
is in :mod:`theory.lazy`). The command-line checks are parameterised over
:data:`proofs_check.cli.COMMANDS`, so a new command is covered as soon as it is listed.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from proofs_check.cli import COMMANDS

ROOT = Path(__file__).resolve().parents[1]

HEAVY = {"sympy", "scipy", "matplotlib", "pandas", "dask", "distributed", "IPython", "ipykernel", "jupyter_client",
         "nbformat", "nbclient", "jupytext", "statsmodels", "sklearn", "tqdm"}
"""Never imported by a package top, a parser, or a command that does not use them."""
NUMERIC = {"numpy", "mpmath", "flint"}
"""Not needed before a command runs: package tops and parsers stay free of these too."""

# One valid argument list per command, parsed (not run) in the parser check; a command without
# an example is still checked on --help and on an argument error.
EXAMPLES = {
    "risk": ["risk", "augment", "--generations", "5"],
    "prove": ["prove", "window:2", "--json"],
    "simulate": ["simulate", "--model", "gaussian-mean", "--workflow", "augment", "--n", "10", "--generations",
                 "3", "--replicates", "250", "--seed", "1"],
    "verify": ["verify", "--quick", "--out", "report"],
    "latex": ["latex", "augment", "--model", "gaussian-mean"],
    "plot": ["plot", "augment", "--model", "poisson", "--out", "figure.png"],
    "sweep": ["sweep", "sweep.toml", "--store", "results.sqlite"],
    "results": ["results", "results.sqlite"],
    "real-data": ["real-data", "diabetes", "--split", "paper", "--json"],
}


def loaded_after(code, env=None):
    """The top-level names in ``sys.modules`` after running ``code`` in a fresh interpreter."""
    probe = code + "\nimport json as _j, sys as _s\nprint(_j.dumps(sorted({m.split('.')[0] for m in _s.modules})))"
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
                   **(env or {})}
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT,
                            env=environment, timeout=300)
    assert result.returncode == 0, result.stderr
    return set(json.loads(result.stdout.splitlines()[-1])), result.stdout


@pytest.mark.parametrize("package", ["theory", "numerics", "proofs_check"])
def test_package_tops_import_nothing_heavy(package):
    loaded, _ = loaded_after(f"import {package}")
    assert not loaded & (HEAVY | NUMERIC), f"import {package} loads {sorted(loaded & (HEAVY | NUMERIC))}"


def test_a_public_name_loads_only_its_own_path():
    loaded, _ = loaded_after("from theory import preset, risk_ratios\nrisk_ratios(preset('augment', 3))")
    assert not loaded & (HEAVY | {"numpy"}), sorted(loaded & (HEAVY | {"numpy"}))


@pytest.mark.parametrize("command", [None, *COMMANDS])
def test_help_and_argument_errors_answer_before_heavy_imports(command):
    words = [] if command is None else [command]
    code = f"""
from contextlib import redirect_stdout, redirect_stderr
import io
from proofs_check.cli import build_parser, main, UsageError
with redirect_stdout(io.StringIO()), redirect_stderr(io.StringIO()):
    try:
        main({words + ["--help"]!r})
    except SystemExit as stop:
        assert stop.code == 0, stop.code
    else:
        raise AssertionError("--help did not exit")
    assert main({words + ["--no-such-option"]!r}) == 2
example = {EXAMPLES.get(command)!r}
if example is not None:
    args = build_parser().parse_args(example)
    assert callable(args.run)
"""
    loaded, _ = loaded_after(code)
    assert not loaded & (HEAVY | NUMERIC), f"parsing {command or 'the top level'} loads " \
                                           f"{sorted(loaded & (HEAVY | NUMERIC))}"


def run_command(argv, env=None):
    code = f"from proofs_check.cli import main\nassert main({argv!r}) == 0"
    return loaded_after(code, env)


def test_simulate_of_a_numeric_model_imports_neither_sympy_nor_scipy():
    loaded, out = run_command(EXAMPLES["simulate"])
    assert "theory exact at this n" in out
    assert not loaded & HEAVY, sorted(loaded & HEAVY)


def test_risk_imports_neither_scipy_nor_matplotlib_and_again_not_even_sympy(tmp_path):
    env = {"PI2OVER6_CACHE_DIR": str(tmp_path)}
    loaded, out = run_command(EXAMPLES["risk"], env)
    assert "pi**2/6" in out
    assert "sympy" in loaded   # it derives the closed form
    assert not loaded & (HEAVY - {"sympy"}), sorted(loaded & (HEAVY - {"sympy"}))
    again_loaded, again = run_command(EXAMPLES["risk"], env)
    assert again.splitlines()[:-1] == out.splitlines()[:-1]    # the last line lists the modules
    assert not again_loaded & HEAVY, sorted(again_loaded & HEAVY)


def test_prove_imports_sympy_and_nothing_else_heavy():
    loaded, out = run_command(EXAMPLES["prove"])
    assert json.loads(out.splitlines()[0])["status"] == "proved"
    assert not loaded & (HEAVY - {"sympy"}) and "numpy" not in loaded, sorted(loaded & (HEAVY | {"numpy"}))


def test_risk_of_a_workflow_file_is_derived_again_when_the_file_changes(tmp_path):
    env = {"PI2OVER6_CACHE_DIR": str(tmp_path / "cache")}
    path = tmp_path / "w.toml"
    argv = ["risk", str(path), "--generations", "3", "--json"]
    rule = '[[generations]]\nfit = [{batch = "R0"}]\nemit = 1\n[then]\nfit = [{batch = "S[-1]"}]\nemit = 1\n'
    path.write_text(rule)
    _, discard = run_command(argv, env)
    path.write_text(rule.replace('"S[-1]"', '"R[:]", weight = "1/2"}, {batch = "S[-1]", weight = "1/2"'))
    _, mixed = run_command(argv, env)
    assert json.loads(discard.splitlines()[0])["ratio"] == ["1", "2", "3"]
    assert json.loads(mixed.splitlines()[0])["ratio"] != ["1", "2", "3"]


def test_a_derived_prediction_is_cached_so_the_next_run_needs_no_sympy(tmp_path):
    # the sample median's asymptotic risk needs V = pi sigma^2 / 2, derived by SymPy
    argv = [*EXAMPLES["simulate"], "--set", "estimator=median", "--json"]
    env = {"PI2OVER6_CACHE_DIR": str(tmp_path)}
    first_loaded, first = run_command(argv, env)
    again_loaded, again = run_command(argv, env)
    assert "sympy" in first_loaded
    assert not again_loaded & HEAVY, sorted(again_loaded & HEAVY)
    assert json.loads(first.splitlines()[0]) == json.loads(again.splitlines()[0])
