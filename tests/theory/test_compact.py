"""The compact float64 path against the exact process, and its refusals against the Workflow's own."""

import json

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

from tests.strategies import workflow_data
from theory import Workflow, covariance, preset, risk_ratios, risk_ratios_float
from theory.compact import _from_data, compact_form
from theory.workflow import WorkflowError

SETTINGS = settings(suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)


def write(tmp_path, data, name="wf.json"):
    path = tmp_path / name
    path.write_text(json.dumps(data))
    return path


@SETTINGS
@given(workflow_data(max_generations=8))
def test_a_listed_file_read_compactly_agrees_with_the_exact_process(tmp_path_factory, data):
    path = write(tmp_path_factory.mktemp("wf"), data)
    assert _from_data(data, None) is not None          # read without building a Workflow
    exact = Workflow.from_data(data)
    # float64 of the exact rationals: relative error of a few ulps per generation
    expected = np.array([float(v) for v in risk_ratios(exact)])
    assert np.allclose(risk_ratios_float(path), expected, rtol=1e-12, atol=0)
    cov = np.array([[float(c) for c in row] for row in covariance(exact)])
    assert np.allclose(compact_form(path).covariance(), cov, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("spec", ["augment", "subsample", "window:3", "mix:0.5", "weighted:0.618"])
def test_presets_through_the_compact_form(spec):
    expected = np.array([float(r) for r in risk_ratios(preset(spec, 40))])
    assert np.allclose(risk_ratios_float(spec, 40), expected, rtol=1e-12)


def test_a_long_explicit_list(tmp_path):
    data = preset("augment", 300).to_data()
    data.pop("name")
    path = write(tmp_path, data)
    basel = np.cumsum(1 / np.arange(1, 301) ** 2)
    assert np.allclose(risk_ratios_float(path), basel, rtol=1e-12)


BAD = [
    ({"generations": [{"fit": [{"batch": "S1"}]}]}, "'S1'"),
    ({"generations": [{"fit": [{"batch": "R0", "count": 3}]}]}, "count 3"),
    ({"generations": [{"fit": [{"batch": "R0", "weight": -1}]}]}, "-1"),
    ({"generations": [{"fit": [{"batch": "R0", "count": None}]}]}, "None"),
    ({"generations": [{"fit": [{"batch": ["R0"]}]}]}, "['R0']"),
    ({"generations": [{"fit": [{"batch": "R0"}, {"batch": "R0"}]}]}, "appears twice"),
    ({"generations": [{"fit": [{"batch": "R0", "weight": 1}]}, {"fit": [{"batch": "R0", "weight": 1},
                                                                        {"batch": "R0"}]}]}, "R0"),
    ({"generations": [{"fit": [{"batch": "R0", "weight": 0}]}]}, "must not all be 0"),
    ({"real": "1/0", "generations": [{"fit": [{"batch": "R0"}]}]}, "1/0"),
    ({"generations": [{"fit": [{"batch": "R0"}], "emit": 1}], "then": {"fit": [{"batch": "R[x]"}]}}, "R[x]"),
]


@pytest.mark.parametrize("data, needle", BAD)
def test_a_bad_file_is_refused_with_the_workflows_own_message(tmp_path, data, needle):
    path = write(tmp_path, data)
    with pytest.raises(WorkflowError) as compact_error:
        risk_ratios_float(path)
    with pytest.raises(WorkflowError) as workflow_error:
        Workflow.from_file(path)
    assert str(compact_error.value) == str(workflow_error.value) and needle in str(compact_error.value)
