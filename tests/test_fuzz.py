"""A fuzz campaign over the command line: every input succeeds or is refused in one line, in bounded time.

Hypothesis draws odd workflow files (JSON and TOML: nesting, types, sizes, names,
rules, encodings, file kinds), argument sets for every sub-command, sweep files and
corrupted sweep stores (tests/fuzzing.py), runs each through
``proofs_check.cli.main(argv)`` in this process and asserts the rule of
:attr:`tests.fuzzing.Outcome.problem`: exit 0, or exit 2 with exactly one line on
stderr, never a traceback, never past the time limit, and no ``simulate --json``
risk more than 6 standard errors from its exact theory (:meth:`tests.fuzzing.Outcome.problem`).
The default run tries about 420 inputs (100 examples per test; about 15 s on two
cores); ``--runslow`` adds a campaign of about 3,300 more (1,000 per test, 300
sweeps; about 2 minutes). The explicit examples of issue 10 are tests/test_robustness.py.
"""

import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.fuzzing import (
    PRESETS,
    STORE_MUTATIONS,
    corrupt_store,
    file_bytes,
    latex_arguments,
    plot_arguments,
    risk_arguments,
    run_cli,
    simulate_arguments,
    sweep_documents,
    verify_arguments,
    workflow_files,
)

# A command must answer (or refuse) within this many seconds; the budgets drawn are small.
TIMEOUT = 60
QUICK = settings(max_examples=100, deadline=None, suppress_health_check=list(HealthCheck))
LARGE = settings(max_examples=1000, deadline=None, suppress_health_check=list(HealthCheck))


def check(outcome):
    assert outcome.problem is None, (f"{outcome.problem}: pi2over6 {' '.join(outcome.argv)[:300]}\n"
                                     f"error: {outcome.error}\nstderr: {outcome.stderr[-2000:]}")


class Scratch:
    """A fresh folder per example (Hypothesis runs many examples in one test call)."""

    def __enter__(self):
        self.path = Path(tempfile.mkdtemp(prefix="pi2over6-fuzz-"))
        return self.path

    def __exit__(self, *exc):
        shutil.rmtree(self.path, ignore_errors=True)


def _workflow_commands(data, file_spec):
    with Scratch() as folder:
        path = str(file_spec.create(folder))
        command = data.draw(st.sampled_from(["risk", "risk", "latex", "simulate", "simulate", "plot"]))
        if command == "risk":
            argv = data.draw(risk_arguments(path))
        elif command == "latex":
            argv = data.draw(latex_arguments(path))
        elif command == "simulate":
            argv = data.draw(simulate_arguments(path))
        else:
            argv = data.draw(plot_arguments([path], str(folder / "figure.png")))
        check(run_cli(argv, TIMEOUT))


def _preset_commands(data):
    with Scratch() as folder:
        spec = data.draw(st.sampled_from(PRESETS))
        command = data.draw(st.sampled_from(["risk", "latex", "simulate", "simulate", "plot"]))
        strategy = {"risk": risk_arguments(spec), "latex": latex_arguments(spec),
                    "simulate": simulate_arguments(spec),
                    "plot": plot_arguments([spec], str(folder / "figure.png"))}[command]
        check(run_cli(data.draw(strategy), TIMEOUT))


def _sweep(data):
    with Scratch() as folder:
        workflow = data.draw(workflow_files()) if data.draw(st.booleans()) else None
        name = str(workflow.create(folder).name) if workflow is not None else None
        document = data.draw(sweep_documents(name))
        config = folder / data.draw(st.sampled_from(["sweep.toml", "sweep.toml", "sweep.cfg"]))
        config.write_bytes(data.draw(file_bytes(document, ".toml")))
        store = folder / "results.sqlite"
        outcome = run_cli(["sweep", config, "--store", store, "--workers", "1"], TIMEOUT)
        check(outcome)
        if outcome.status == 0:
            check(run_cli(["results", store], TIMEOUT))


@pytest.fixture(scope="module")
def clean_store(tmp_path_factory):
    folder = tmp_path_factory.mktemp("clean")
    (folder / "sweep.toml").write_text('seed = 2\nreplicates = 750\nchunk = 250\ngenerations = [2, 3]\nn = 5\n'
                                       'workflows = ["discard", "augment"]\n[[models]]\nname = "gaussian-mean"\n')
    outcome = run_cli(["sweep", folder / "sweep.toml", "--store", folder / "s.sqlite", "--workers", "1"])
    assert outcome.status == 0, outcome.stderr
    return folder / "s.sqlite"


def _store(data, clean_store):
    with Scratch() as folder:
        mutation = data.draw(st.sampled_from([None, *[sql for _, sql in STORE_MUTATIONS]]))
        damage = data.draw(st.sampled_from([None, None, "flips", "truncate"]))   # besides the SQL mutation
        flips = data.draw(st.lists(st.tuples(st.integers(0, 2**20), st.integers(0, 255)), min_size=1, max_size=3)) \
            if damage == "flips" else []
        truncate = data.draw(st.integers(0, 2**16)) if damage == "truncate" else None
        bad = corrupt_store(clean_store, folder / "bad.sqlite", mutation, flips, truncate)
        command = data.draw(st.sampled_from(["results", "results-csv", "plot"]))
        if command == "results":
            argv = ["results", bad]
        elif command == "results-csv":
            argv = ["results", bad, "--csv", folder / "out.csv"]
        else:
            argv = ["plot", "discard", "--model", "gaussian-mean", "--store", bad, "--out", folder / "f.png"]
        check(run_cli(argv, TIMEOUT))


def _verify(data):
    with Scratch() as folder:
        check(run_cli(data.draw(verify_arguments(str(folder / "report"))), TIMEOUT))


# ------------------------------------------------------------------------------------------ the default campaign

@QUICK
@given(st.data(), workflow_files())
def test_workflow_files_through_every_command(data, file_spec):
    _workflow_commands(data, file_spec)


@QUICK
@given(st.data())
def test_presets_and_odd_options(data):
    _preset_commands(data)


@QUICK
@given(st.data())
def test_sweep_files(data):
    _sweep(data)


@QUICK
@given(st.data())
def test_corrupted_stores(clean_store, data):
    _store(data, clean_store)


@settings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.data())
def test_verify_arguments(data):
    _verify(data)


# ------------------------------------------------------------------------------------------ the larger campaign

@pytest.mark.slow
@LARGE
@given(st.data(), workflow_files())
def test_workflow_files_large_campaign(data, file_spec):
    _workflow_commands(data, file_spec)


@pytest.mark.slow
@LARGE
@given(st.data())
def test_presets_large_campaign(data):
    _preset_commands(data)


@pytest.mark.slow
@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.data())
def test_sweeps_large_campaign(data):
    _sweep(data)


@pytest.mark.slow
@LARGE
@given(st.data())
def test_stores_large_campaign(clean_store, data):
    _store(data, clean_store)
