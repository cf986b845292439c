"""Sweeps: the sweep file, the grid and its cells, stream ids, and determinism of the results."""

import json
import shutil
import sqlite3
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import numerics.sweep as sweep_module
from numerics.block_sums import aggregate
from numerics.montecarlo import BLOCK, SimulationConfig, simulate_blocks
from numerics.results import COLUMNS, RATIO_COLUMNS, ratio_frame, results_frame
from numerics.store import StoreError, SweepStore
from numerics.sweep import Cell, Sweep, SweepError, compute_cell, configuration_stream, load_sweep, run_sweep
from numerics.uncertainty import ratio_stderr
from theory.presets import preset

WORKFLOW_FILE = {"name": "halves", "generations": [{"fit": [{"batch": "R0"}], "emit": 1}],
                 "then": {"fit": [{"batch": "R0", "count": "1/2"}, {"batch": "S[-1]", "count": "1/2"}],
                          "emit": 1}}


def tiny(**changes):
    data = {"seed": 7, "replicates": 3 * BLOCK + 40, "chunk": BLOCK, "generations": 3, "n": [4, 6],
            "workflows": ["discard", "augment"], "models": [{"name": "gaussian-mean"}]}
    data.update(changes)
    return data


def write_sweep(folder, text):
    path = Path(folder) / "sweep.toml"
    path.write_text(text, encoding="utf-8")
    return path


# --------------------------------------------------------------------- the file
def test_sweep_file_grid_order_and_relative_workflow_files(tmp_path, monkeypatch):
    (tmp_path / "wf").mkdir()
    (tmp_path / "wf" / "halves.json").write_text(json.dumps(WORKFLOW_FILE))
    path = write_sweep(tmp_path, """
        seed = 3
        replicates = 600
        chunk = 300
        generations = [2, 4]
        n = 5
        workflows = ["mix:1/2", "wf/halves.json"]
        [[models]]
        name = "gaussian-mean"
        [[models]]
        name = "gaussian-mean"
        params = { sigma = 2, estimator = "median" }
        """)
    monkeypatch.chdir(tmp_path / "wf")  # relative paths resolve against the sweep file, not the cwd
    sweep = load_sweep(path)
    grid = [(json.loads(c.params)["sigma"], c.workflow, c.config.n, c.config.G)
            for c in sweep.configurations]
    assert grid == [(s, w, 5, G) for s in (1, 2) for w in ("mix:0.5", "wf/halves.json") for G in (2, 4)]
    assert [c.config_id for c in sweep.configurations] == list(range(8))
    assert sweep.configurations[1].config.workflow == "mix:1/2"  # presets go to the engine as spelled
    assert Path(sweep.configurations[2].config.workflow) == tmp_path / "wf" / "halves.json"
    assert sweep.configurations[2].workflow_json is not None and sweep.configurations[0].workflow_json is None
    assert (sweep.seed, sweep.replicates, sweep.chunk, sweep.cell_blocks) == (3, 600, 300, 2)


ONE_LINE_ERRORS = [
    ({"colour": "red"}, r"unknown key 'colour'"),
    ({"seed": None}, r"missing key 'seed'"),
    ({"seed": -1}, r"'seed' must be a non-negative integer, got -1"),
    ({"seed": "1"}, r"'seed' must be a non-negative integer, got '1'"),
    ({"replicates": 0}, r"'replicates' must be a positive integer, got 0"),
    ({"replicates": 2.5e3}, r"'replicates' must be a positive integer, got 2500.0"),
    ({"chunk": 0}, r"'chunk' must be a positive integer, got 0"),
    ({"chunk": True}, r"'chunk' must be a positive integer, got True"),
    ({"n": []}, r"'n' must be a positive integer or a non-empty list of them, got \[\]"),
    ({"n": [4, -4]}, r"'n' must be a positive integer .*got \[4, -4\]"),
    ({"n": [4, 4]}, r"'n' lists a value twice: \[4, 4\]"),
    ({"generations": 0}, r"'generations' must be a positive integer .*got 0"),
    ({"workflows": "discard"}, r"'workflows' must be a non-empty list .*got 'discard'"),
    ({"workflows": ["discard", 3]}, r"workflows\[1\] must be a preset name or a file path, got 3"),
    ({"workflows": ["discrad"]}, r"workflows\[0\] = 'discrad' with generations = 3: "
                                 r"unknown workflow 'discrad'"),
    ({"workflows": ["window:0"]}, r"workflows\[0\] = 'window:0' .*window size W must be an integer of at "
                                  r"least 1"),
    ({"workflows": ["missing.json"]}, r"workflows\[0\] = 'missing.json' .*cannot read workflow file"),
    ({"models": []}, r"'models' must be a non-empty array of tables"),
    ({"models": [{"params": {}}]}, r"models\[0\]: 'name' must be a model name, got None"),
    ({"models": [{"name": "gaussian-mean", "param": {}}]}, r"models\[0\]: unknown key 'param'"),
    ({"models": [{"name": "gaussian-mean", "params": 2}]},
     r"models\[0\] \(gaussian-mean\): 'params' must be a table"),
    ({"models": [{"name": "gausian-mean"}]}, r"model 'gausian-mean' with workflow 'discard', n = 4, "
                                             r"generations = 3: .*gausian-mean"),
    ({"models": [{"name": "gaussian-mean", "params": {"sigma": -1}}]}, r"model 'gaussian-mean' .*sigma.*-1"),
    ({"models": [{"name": "gaussian-mean", "params": {"sigmaa": 1}}]}, r"model 'gaussian-mean' .*sigmaa"),
    ({"workflows": ["mix:0.5", "mix:1/2"]},
     r"model 'gaussian-mean' with workflow 'mix:1/2', n = 4, generations = 3 is the same configuration as "
     r".*'mix:0.5'.* \(listed twice\)"),
]


@pytest.mark.parametrize("changes, message", ONE_LINE_ERRORS)
def test_bad_sweeps_are_rejected_with_one_line_naming_the_value(changes, message):
    data = tiny(**changes)
    data = {k: v for k, v in data.items() if v is not None}
    with pytest.raises(SweepError, match=message) as info:
        Sweep.from_data(data)
    assert "\n" not in str(info.value)


def test_malformed_and_missing_sweep_files(tmp_path):
    with pytest.raises(SweepError, match=r"malformed sweep file .*sweep.toml.*line 1"):
        load_sweep(write_sweep(tmp_path, "seed = = 1\n"))
    with pytest.raises(SweepError, match=r"cannot read sweep file .*nothing.toml"):
        load_sweep(tmp_path / "nothing.toml")


def test_a_workflow_file_too_short_for_the_generations_is_rejected(tmp_path):
    (tmp_path / "two.json").write_text(json.dumps({"generations": WORKFLOW_FILE["generations"] * 1}))
    with pytest.raises(SweepError, match=r"workflows\[0\] = 'two.json' with generations = 3: .*cannot run 3"):
        Sweep.from_data(tiny(workflows=["two.json"]), base=tmp_path)


# --------------------------------------------------------------------- cells
@settings(deadline=None)
@given(st.integers(1, 12 * BLOCK), st.integers(1, 5 * BLOCK))
def test_cells_partition_every_configurations_blocks(replicates, chunk):
    sweep = Sweep.from_data(tiny(replicates=replicates, chunk=chunk, n=4, workflows=["discard"]))
    blocks = -(-replicates // BLOCK)
    cells = sweep.cells()
    covered = [b for c in cells for b in range(c.first_block, c.stop_block)]
    assert covered == list(range(blocks))  # each block exactly once, in order
    assert all(0 < c.stop_block - c.first_block <= -(-chunk // BLOCK) for c in cells)
    assert len(cells) == -(-blocks // sweep.cell_blocks)


# --------------------------------------------------------------------- streams
def test_stream_ids_depend_on_the_configuration_not_on_its_place_in_the_grid(tmp_path):
    small = Sweep.from_data(tiny(workflows=["augment"], n=6))
    large = Sweep.from_data(tiny(workflows=["discard", "augment", "mix:1"], n=[4, 6]))
    (config,) = small.configurations
    twin = next(c for c in large.configurations if (c.workflow, c.config.n) == ("augment", 6))
    assert twin.config_id != config.config_id and twin.stream == config.stream
    assert len({c.stream for c in large.configurations}) == len(large.configurations)
    run_sweep(small, tmp_path / "small.sqlite", workers=1)
    run_sweep(large, tmp_path / "large.sqlite", workers=1)
    both = results_frame(tmp_path / "large.sqlite")
    shared = both[(both.workflow == "augment") & (both.n == 6)].reset_index(drop=True)
    assert shared.equals(results_frame(tmp_path / "small.sqlite"))  # bitwise


def test_a_preset_and_a_file_with_the_same_workflow_share_a_stream(tmp_path):
    (tmp_path / "discard.json").write_text(preset("discard", 3).to_json())
    assert configuration_stream("gaussian-mean", {}, preset("discard", 3).to_data(), 4, 3) == \
        configuration_stream("gaussian-mean", {}, json.loads(preset("discard", 3).to_json()), 4, 3)
    with pytest.raises(SweepError, match="is the same configuration as"):
        Sweep.from_data(tiny(workflows=["discard", "discard.json"]), base=tmp_path)


def test_editing_a_workflow_file_changes_the_stream_and_the_store_refuses_it(tmp_path):
    path = tmp_path / "wf.json"
    path.write_text(json.dumps(WORKFLOW_FILE))
    sweep = Sweep.from_data(tiny(workflows=["wf.json"], n=4, replicates=BLOCK), base=tmp_path)
    run_sweep(sweep, tmp_path / "s.sqlite", workers=1)
    edited = dict(WORKFLOW_FILE, then={**WORKFLOW_FILE["then"], "emit": 2})
    path.write_text(json.dumps(edited))
    changed = Sweep.from_data(tiny(workflows=["wf.json"], n=4, replicates=BLOCK), base=tmp_path)
    assert changed.configurations[0].stream != sweep.configurations[0].stream
    with pytest.raises(StoreError, match=r"workflow=wf.json.*has a different definition"):
        run_sweep(changed, tmp_path / "s.sqlite", workers=1)


def test_workers_without_the_workflow_file_use_the_shipped_definition(tmp_path):
    (tmp_path / "wf.json").write_text(json.dumps(WORKFLOW_FILE))
    (config,) = Sweep.from_data(tiny(workflows=["wf.json"], n=4), base=tmp_path).configurations
    args = (config.config, 1, 0, 2, config.stream, config.workflow_json)
    here, _, _ = compute_cell(*args)
    shutil.move(tmp_path / "wf.json", tmp_path / "elsewhere.json")  # as on a machine without the file
    there, _, _ = compute_cell(*args)
    assert here == there


# --------------------------------------------------------------------- results
def engine_results(sweep):
    """The sweep's results computed directly with the engine, one configuration at a time."""
    rows = []
    for c in sweep.configurations:
        agg = aggregate(simulate_blocks(c.config, sweep.seed, range(c.blocks), c.stream))
        for metric, stats in agg.items():
            for g, (mean, se) in enumerate(zip(stats["mean"], stats["stderr"], strict=True), start=1):
                rows.append((c.config.model, c.params, c.workflow, c.config.n, c.config.G, g,
                             metric, mean, se, c.config.replicates))
    frame = pd.DataFrame(rows, columns=COLUMNS)
    return frame.sort_values(COLUMNS, kind="mergesort").reset_index(drop=True)


# Models that draw every point (median), absorb (bernoulli) and fail (logistic on separable data).
VARIED = tiny(workflows=["discard", "subsample"],
              models=[{"name": "gaussian-mean", "params": {"estimator": "median"}},
                      {"name": "bernoulli", "params": {"p": 0.1}}, {"name": "logistic", "params": {"d": 2}}])


def test_results_are_the_engines_and_identical_for_any_executor_and_chunk(tmp_path):
    from distributed import LocalCluster

    sweep = Sweep.from_data(VARIED)
    run_sweep(sweep, tmp_path / "one.sqlite", workers=1)
    reference = results_frame(tmp_path / "one.sqlite")
    per_metric = reference.groupby(["model", "params", "workflow", "n", "generations", "metric"]).generation
    assert per_metric.ngroups >= 2 * len(sweep.configurations)  # risk and failed at least
    assert per_metric.apply(lambda g: list(g) == [1, 2, 3]).all()
    assert list(reference.columns) == COLUMNS and (reference.replicates == sweep.replicates).all()
    assert reference.equals(reference.sort_values(COLUMNS, kind="mergesort").reset_index(drop=True))
    expected = engine_results(sweep)
    pd.testing.assert_frame_equal(reference, expected, check_exact=True, check_dtype=False)

    summary = run_sweep(sweep, tmp_path / "two.sqlite", workers=2)
    assert summary.computed == len(sweep.cells()) and summary.stored_before == 0
    assert results_frame(tmp_path / "two.sqlite").equals(reference)
    with LocalCluster(n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None) as cluster:
        run_sweep(sweep, tmp_path / "dask.sqlite", scheduler=cluster.scheduler_address)
    assert results_frame(tmp_path / "dask.sqlite").equals(reference)
    assert {"risk", "failed", "absorbed"} <= set(reference.metric)
    assert reference[reference.model == "logistic"].query("metric == 'failed'")["mean"].max() > 0
    coarse = Sweep.from_data({**VARIED, "chunk": 3 * BLOCK})  # other cells, the same blocks
    run_sweep(coarse, tmp_path / "coarse.sqlite", workers=1)
    assert results_frame(tmp_path / "coarse.sqlite").equals(reference)


def test_partial_results_count_the_stored_replicates(tmp_path):
    sweep = Sweep.from_data(tiny(n=4, workflows=["discard"]))
    store = tmp_path / "s.sqlite"
    with SweepStore.create_or_resume(store, sweep.description()) as db:
        for cell in (Cell(0, 3, 4), Cell(0, 0, 1)):  # the short last block and the first one
            args = sweep_module._arguments(cell, sweep.configurations, sweep.seed)
            sums, seconds, worker = compute_cell(*args)
            db.add_cell(*cell, sums, seconds, worker)
    frame = results_frame(store)
    assert (frame.replicates == BLOCK + 40).all()
    config = sweep.configurations[0].config
    direct = aggregate(simulate_blocks(config, sweep.seed, [0, 3], sweep.configurations[0].stream))
    risk = frame[frame.metric == "risk"]
    assert list(risk["mean"]) == direct["risk"]["mean"] and list(risk["stderr"]) == direct["risk"]["stderr"]
    empty = tmp_path / "empty.sqlite"
    SweepStore.create_or_resume(empty, sweep.description()).close()
    assert list(results_frame(empty).columns) == COLUMNS and results_frame(empty).empty


def test_ratios_from_the_store_use_the_covariance_and_a_store_without_it_is_still_read(tmp_path):
    sweep = Sweep.from_data(tiny(n=4, workflows=["augment"]))
    store = tmp_path / "s.sqlite"
    run_sweep(sweep, store, workers=1)
    config = sweep.configurations[0]
    direct = aggregate(simulate_blocks(config.config, sweep.seed, range(config.blocks), config.stream))["risk"]
    ratios = ratio_frame(store)
    assert list(ratios.columns) == RATIO_COLUMNS and not ratios.bounded.any()
    assert ratios.stderr.tolist() == ratio_stderr(**direct)[1].tolist()
    # a store written before the cross moments were kept: the same results, ratios with the bound
    before = results_frame(store)
    db = sqlite3.connect(store)
    for key, first, sums in db.execute("SELECT config_id, first_block, sums FROM cells").fetchall():
        old = [{k: v for k, v in block.items() if k not in ("cross", "first")} for block in json.loads(sums)]
        db.execute("UPDATE cells SET sums = ? WHERE config_id = ? AND first_block = ?",
                   (json.dumps(old), key, first))
    db.commit()
    db.close()
    assert results_frame(store).equals(before)
    legacy = ratio_frame(store)
    assert legacy.bounded.tolist() == [False, True, True] and legacy.ratio.equals(ratios.ratio)
    assert legacy.stderr.tolist() == ratio_stderr(direct["mean"], direct["stderr"])[1].tolist()
    assert (legacy.stderr > ratios.stderr)[1:].all()


def test_a_failing_cell_is_named_and_the_sweep_resumes_to_the_same_results(tmp_path, monkeypatch):
    sweep = Sweep.from_data(tiny())
    run_sweep(sweep, tmp_path / "whole.sqlite", workers=1)
    real = sweep_module.simulate_blocks

    def failing(config, seed, blocks, stream=()):
        if config.n == 6 and config.workflow == "augment" and 2 in blocks:
            raise ValueError("singular fit, got nan")
        return real(config, seed, blocks, stream)

    monkeypatch.setattr(sweep_module, "simulate_blocks", failing)
    with pytest.raises(SweepError, match=r"cell with blocks 2..2 of model=gaussian-mean .*workflow=augment "
                                         r"n=6 generations=3 failed: ValueError: singular fit, got nan"):
        run_sweep(sweep, tmp_path / "s.sqlite", workers=1)
    with SweepStore.open(tmp_path / "s.sqlite") as db:
        assert len(db.finished()) == 3 * 4 + 2  # everything before the failing cell is kept
    monkeypatch.setattr(sweep_module, "simulate_blocks", real)
    summary = run_sweep(sweep, tmp_path / "s.sqlite", workers=1)
    assert (summary.stored_before, summary.computed) == (14, 2)
    assert results_frame(tmp_path / "s.sqlite").equals(results_frame(tmp_path / "whole.sqlite"))


def test_a_pool_broken_between_two_cells_is_named_not_a_traceback():
    # A worker that dies after handing back its cell breaks the pool, and the next submission (not a
    # result) is where the coordinator learns it: that too must end as one SweepError naming the cell.
    from concurrent.futures import Future
    from concurrent.futures.process import BrokenProcessPool

    sweep = Sweep.from_data(tiny())
    cells = sweep.cells()[:3]
    configurations = {c.config_id: c for c in sweep.configurations}

    class BreaksAfterOne:
        submitted = 0

        def submit(self, fn, *args):
            self.submitted += 1
            if self.submitted > 1:
                raise BrokenProcessPool("A child process terminated abruptly")
            future = Future()
            future.set_result(fn(*args))
            return future

    results = sweep_module._run_cells(BreaksAfterOne(), 1, cells, configurations, sweep.seed)
    assert next(results)[0] == cells[0]
    with pytest.raises(SweepError, match=r"cell with blocks .* failed: BrokenProcessPool: A child process "
                                         r"terminated abruptly \(finished cells are stored; re-run to resume\)"):
        next(results)


def test_run_sweep_arguments(tmp_path):
    sweep = Sweep.from_data(tiny())
    with pytest.raises(SweepError, match="workers must be a positive integer, got 0"):
        run_sweep(sweep, tmp_path / "s.sqlite", workers=0)
    with pytest.raises(SweepError, match="either workers or a scheduler"):
        run_sweep(sweep, tmp_path / "s.sqlite", workers=2, scheduler="tcp://127.0.0.1:1")
    assert not (tmp_path / "s.sqlite").exists()


def test_simulation_config_round_trip_through_the_grid():
    (c,) = Sweep.from_data(tiny(n=4, workflows=["discard"])).configurations
    assert isinstance(c.config, SimulationConfig)
    assert c.blocks == 4 and c.record()["blocks"] == 4
