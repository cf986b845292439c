"""Figure data: exact ratios, Monte Carlo points from a run or a store, real-data panels; any WorkflowLike."""

import json
import subprocess
import sys

import numpy as np
import pytest

from numerics.figure_data import (
    exact_series,
    is_augment_like,
    real_data_panels,
    risk_ratio_series,
    simulated_series,
    workflow_name,
)
from theory import preset, risk_ratios


def test_exact_series_is_the_exact_ratio():
    s = exact_series("window:2", 6)
    assert s.ratio.tolist() == [float(r) for r in risk_ratios(preset("window:2", 6))]
    assert s.generation.tolist() == [1, 2, 3, 4, 5, 6] and s.stderr is None and s.workflow == "window:2"


def test_augment_like_workflows_are_those_tending_to_pi2_over_6():
    assert is_augment_like("augment")
    for name in ("discard", "mix:1", "subsample", "window:3", "weighted:0.618"):
        assert not is_augment_like(name), name


def test_every_workflow_argument_takes_a_workflow_a_spelling_or_a_path(tmp_path):
    path = tmp_path / "halves.json"
    path.write_text(json.dumps(preset("augment", 4).to_data()))
    spellings = (preset("augment", 4), "augment", path, str(path))
    curves = [exact_series(w, 4) for w in spellings]
    assert all(c.ratio.tolist() == curves[0].ratio.tolist() for c in curves)
    assert [workflow_name(w) for w in spellings] == ["augment"] * 4  # the file keeps the workflow's name
    assert all(is_augment_like(w) for w in spellings[:2])
    series = risk_ratio_series(spellings, generations=4)
    assert [s.workflow for s in series] == ["augment"] * 4
    with pytest.raises(ValueError, match="unknown workflow 'sideways'"):
        risk_ratio_series(["augment", "sideways"], ["gaussian-mean"])  # before any simulation
    with pytest.raises(ValueError, match="give at least one workflow"):
        risk_ratio_series([])


def test_simulated_series_of_a_workflow_object_equals_the_spelled_one():
    by_name = simulated_series("poisson", "mix:1/2", n=8, generations=3, replicates=250, seed=2)
    by_object = simulated_series("poisson", preset("mix:0.5", 3), n=8, generations=3, replicates=250, seed=2)
    assert by_name.workflow == by_object.workflow == "mix:0.5"
    assert by_name.ratio.tolist() == by_object.ratio.tolist() and by_name.stderr.tolist() == by_object.stderr.tolist()


def test_real_data_panels_are_the_protocols_quartiles_and_drift():
    from numerics.real_data import run_real_data

    res = run_real_data("diabetes", generations=3, replicates=5, seed=4)
    for panel in real_data_panels(res):
        m = res.metrics[panel.workflow]
        assert panel.accuracy[1].tolist() == np.quantile(m["test_accuracy"], 0.5, axis=0,
                                                         method="inverted_cdf").tolist()
        assert np.allclose(panel.drift_mean, m["drift"].mean(axis=0))
        assert np.allclose(panel.drift_stderr, m["drift"].std(axis=0, ddof=1) / np.sqrt(5))
        assert panel.separated.tolist() == m["separated"].mean(axis=0).tolist()


def test_figure_data_does_not_import_matplotlib():
    code = "import sys, numerics, numerics.figure_data; print('matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
