"""``pi2over6 sweep`` and ``pi2over6 results``: resumable after SIGKILL, single-writer, one-line errors."""

import io
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pandas as pd
import pytest

from numerics.results import COLUMNS, results_frame
from numerics.store import SweepStore
from numerics.sweep import load_sweep
from proofs_check.cli import main

ROOT = Path(__file__).resolve().parents[2]

# The median reads every point, so a cell takes tens of milliseconds: a kill lands mid-sweep, and the
# whole sweep still takes about a second.
SWEEP = """\
seed = 11
replicates = 1500
chunk = 250
generations = [8]
n = [200, 400]
workflows = ["augment", "mix:1"]

[[models]]
name = "gaussian-mean"
params = { estimator = "median" }
"""


def run_cli(*args):
    """Run the command line in this process: (status, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        status = main([str(a) for a in args])
    return status, out.getvalue(), err.getvalue()


def spawn(*args):
    path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    env = dict(os.environ, PYTHONPATH=path)
    return subprocess.Popen([sys.executable, "-m", "proofs_check", *map(str, args)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def committed(store):
    """The number of committed cells, or -1 while the store has no cells table yet."""
    try:
        db = sqlite3.connect(f"{Path(store).as_uri()}?mode=ro", uri=True, timeout=5)
        try:
            return db.execute("SELECT count(*) FROM cells").fetchone()[0]
        finally:
            db.close()
    except sqlite3.Error:
        return -1


def kill_after(process, store, cells, timeout=60):
    """SIGKILL ``process`` once ``store`` holds at least ``cells`` cells (-1: as soon as the file exists)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the sweep finished before {cells} cells were committed: {process.communicate()}")
        if (cells < 0 and Path(store).exists()) or (cells >= 0 and committed(store) >= cells):
            process.send_signal(signal.SIGKILL)
            process.communicate()
            return
        time.sleep(0.002)
    process.kill()
    pytest.fail("timed out waiting for the sweep")


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """The sweep file and the results of one uninterrupted in-process run with one worker."""
    folder = tmp_path_factory.mktemp("sweep")
    config = folder / "sweep.toml"
    config.write_text(SWEEP)
    status, out, err = run_cli("sweep", config, "--store", folder / "reference.sqlite", "--workers", 1)
    assert (status, err) == (0, "")
    assert "4 configurations, 24 cells (24 computed now, 0 already stored)" in out
    return config, results_frame(folder / "reference.sqlite")


def test_sweeps_killed_at_several_points_resume_to_identical_results(reference, tmp_path):
    config, expected = reference
    store = tmp_path / "killed.sqlite"
    for cells in (-1, 1, 7, 13):  # while starting up, after the first cell, mid-way, late
        kill_after(spawn("sweep", config, "--store", store, "--workers", 2), store, cells)
        assert committed(store) < 24
    finished = spawn("sweep", config, "--store", store, "--workers", 2)
    out, err = finished.communicate(timeout=120)
    assert finished.returncode == 0 and err == ""  # no progress bar when stderr is not a terminal
    assert "24 cells (" in out and "already stored)" in out
    assert results_frame(store).equals(expected)  # bitwise identical to the uninterrupted run
    db = sqlite3.connect(store)
    blocks = db.execute("SELECT config_id, first_block, stop_block FROM cells ORDER BY 1, 2").fetchall()
    runs = db.execute("SELECT count(*), count(finished_at) FROM runs").fetchone()
    db.close()
    assert blocks == [(c, b, b + 1) for c in range(4) for b in range(6)]  # every block once, none twice
    assert runs[1] == 1 and runs[0] >= 2  # the killed runs that got as far as recording themselves


def test_a_concurrent_second_sweep_is_refused_and_the_first_finishes_intact(reference, tmp_path):
    config, expected = reference
    store = tmp_path / "busy.sqlite"
    first = spawn("sweep", config, "--store", store, "--workers", 1)
    try:
        deadline = time.monotonic() + 60
        while committed(store) < 1 and first.poll() is None and time.monotonic() < deadline:
            time.sleep(0.005)
        status, out, err = run_cli("sweep", config, "--store", store, "--workers", 1)
    finally:
        out_first, err_first = first.communicate(timeout=120)
    assert first.returncode == 0, err_first
    assert status == 2 and out == "" and err.count("\n") == 1
    assert f"is in use by another sweep (pid {first.pid} on " in err
    assert results_frame(store).equals(expected)


def test_a_killed_worker_stops_the_sweep_with_one_line_and_a_rerun_completes_it(reference, tmp_path):
    config, expected = reference
    store = tmp_path / "s.sqlite"
    process = spawn("sweep", config, "--store", store, "--workers", 2)
    deadline = time.monotonic() + 60
    while committed(store) < 1 and time.monotonic() < deadline:
        time.sleep(0.002)
    db = sqlite3.connect(f"{store.as_uri()}?mode=ro", uri=True)
    (worker,) = db.execute("SELECT worker FROM cells LIMIT 1").fetchone()
    db.close()
    os.kill(int(worker.rsplit(":", 1)[1]), signal.SIGKILL)  # as the kernel's out-of-memory killer would
    out, err = process.communicate(timeout=60)
    assert process.returncode == 2 and out == "" and err.count("\n") == 1
    assert "failed: BrokenProcessPool" in err and "(finished cells are stored; re-run to resume)" in err
    status, out, _ = run_cli("sweep", config, "--store", store, "--workers", 1)
    assert status == 0 and "already stored" in out
    assert results_frame(store).equals(expected)


def test_sweep_on_a_dask_scheduler(reference, tmp_path):
    from distributed import LocalCluster

    config, expected = reference
    store = tmp_path / "dask.sqlite"
    with LocalCluster(n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None) as cluster:
        address = cluster.scheduler_address
        status, out, err = run_cli("sweep", config, "--store", store, "--scheduler", address)
    assert (status, err) == (0, "") and "24 computed now" in out
    assert results_frame(store).equals(expected)


def test_a_store_holding_another_sweep_is_refused(reference, tmp_path):
    config, _ = reference
    other = tmp_path / "other.toml"
    other.write_text(SWEEP.replace("seed = 11", "seed = 12").replace("[8]", "[2]").replace("1500", "250"))
    store = tmp_path / "s.sqlite"
    assert run_cli("sweep", other, "--store", store, "--workers", 1)[0] == 0
    before = results_frame(store)
    status, out, err = run_cli("sweep", config, "--store", store)
    assert status == 2 and err.count("\n") == 1
    assert err.startswith(f"pi2over6: error: sweep store '{store}' holds a different sweep: "
                          "replicates is 250 there, 1500 here; seed is 12 there, 11 here; use a new store")
    assert results_frame(store).equals(before)


@pytest.mark.parametrize("text, message", [
    ("seed = 1\nreplicates = 10\n", "missing key 'generations'"),
    ("seed = 1\nreplicates = \n", "malformed sweep file"),
    (SWEEP.replace("chunk = 250", "chunk = 0"), "'chunk' must be a positive integer, got 0"),
    (SWEEP.replace("chunk = 250", "chunk = 2.5"), "'chunk' must be a positive integer, got 2.5"),
    (SWEEP.replace("seed = 11", "seed = 11\nworkers = 2"), "unknown key 'workers'"),
    (SWEEP.replace("gaussian-mean", "gaussain"), "model 'gaussain' with workflow 'augment'"),
    (SWEEP.replace('"mix:1"', '"mix:0"'),
     "workflows[1] = 'mix:0' with generations = 8: mix ratio L must be positive"),
    (SWEEP.replace('"mix:1"', '"nowhere.toml"'),
     "workflows[1] = 'nowhere.toml' with generations = 8: cannot read"),
    (SWEEP.replace('estimator = "median"', "sigma = 0"), "sigma"),
    (SWEEP.replace('estimator = "median"', 'estimator = "mode"'), "'mode'"),
])
def test_bad_sweep_files_exit_2_with_one_line(tmp_path, text, message):
    config = tmp_path / "bad.toml"
    config.write_text(text)
    status, out, err = run_cli("sweep", config, "--store", tmp_path / "s.sqlite")
    assert status == 2 and out == "" and err.count("\n") == 1 and err.startswith("pi2over6: error: ")
    assert message in err
    assert not (tmp_path / "s.sqlite").exists()  # validated before any work, store included


def test_bad_options_exit_2(reference, tmp_path):
    config, _ = reference
    both = ["--workers", "2", "--scheduler", "tcp://h:1"]
    for args in (["--workers", "0"], ["--workers", "two"], both, []):
        store = [] if not args else ["--store", tmp_path / "s.sqlite"]
        status, _, err = run_cli("sweep", config, *store, *args)
        assert status == 2 and err.count("\n") == 1, (args, err)


def test_the_command_line_reports_errors_without_a_traceback(tmp_path):
    config = tmp_path / "bad.toml"
    config.write_text(SWEEP.replace("n = [200, 400]", "n = [400, 400]"))
    process = spawn("sweep", config, "--store", tmp_path / "s.sqlite")
    out, err = process.communicate(timeout=60)
    assert process.returncode == 2 and out == ""
    assert err == f"pi2over6: error: sweep file '{config}': 'n' lists a value twice: [400, 400]\n"


def test_results_prints_the_table_and_writes_csv(reference, tmp_path):
    config, expected = reference
    store = config.parent / "reference.sqlite"
    status, out, err = run_cli("results", store)
    assert status == 0 and err == ""
    lines = out.splitlines()
    assert lines[0].split() == COLUMNS
    assert len(lines) == 1 + len(expected) == 1 + 4 * 8 * expected.metric.nunique()
    first = expected.iloc[0]
    assert lines[1].split()[:7] == [first.model, first.params, first.workflow, str(first.n),
                                    str(first.generations), "1", first.metric]
    assert run_cli("results", store, "--csv", tmp_path / "r.csv")[:2] == (0, "")
    from_file = pd.read_csv(tmp_path / "r.csv", dtype={"params": str})
    pd.testing.assert_frame_equal(from_file, expected, check_exact=True, check_dtype=False)
    assert json.loads(from_file.params[0]) == json.loads(first.params)
    status, out, _ = run_cli("results", store, "--csv", "-")
    assert status == 0 and out == (tmp_path / "r.csv").read_text()


def test_results_of_a_store_being_written_or_empty(reference, tmp_path):
    config, _ = reference
    store = tmp_path / "s.sqlite"
    kill_after(spawn("sweep", config, "--store", store, "--workers", 1), store, 2)
    frame = results_frame(store)  # readable after a kill, WAL and all
    configurations = frame.drop_duplicates(["model", "params", "workflow", "n", "generations"])
    assert 0 < configurations.replicates.sum() == 250 * committed(store) < 4 * 1500
    empty = tmp_path / "empty.sqlite"
    SweepStore.create_or_resume(empty, load_sweep(config).description()).close()
    assert run_cli("results", empty) == (0, "  ".join(COLUMNS) + "\n", "")


def test_results_of_missing_foreign_or_corrupt_stores_exit_2(tmp_path):
    foreign = tmp_path / "foreign.sqlite"
    db = sqlite3.connect(foreign)
    db.execute("CREATE TABLE results (x)")
    db.commit()
    db.close()
    corrupt = tmp_path / "corrupt.sqlite"
    corrupt.write_bytes(b"\x00garbage" * 1000)
    for store, message in ((tmp_path / "missing.sqlite", "no sweep store at"),
                           (foreign, "is an SQLite database but not a pi2over6 sweep store"),
                           (corrupt, "file is not a database")):
        status, out, err = run_cli("results", store)
        assert status == 2 and out == "" and err.count("\n") == 1 and message in err, err
    assert not (tmp_path / "missing.sqlite").exists()
