"""Workflows as data: parsing, validation, lossless round trips, presets, rules."""

import json
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.strategies import workflow_data
from theory import Workflow, WorkflowError, load_workflow, preset
from theory.rationals import to_rational


@given(workflow_data())
def test_data_round_trip_is_lossless(data):
    wf = Workflow.from_data(data)
    again = Workflow.from_data(json.loads(wf.to_json()))
    assert again.to_data() == wf.to_data()
    assert again.shares() == wf.shares()


@given(workflow_data(max_generations=4))
def test_file_round_trip(tmp_path_factory, data):
    wf = Workflow.from_data(data, name="random")
    folder = tmp_path_factory.mktemp("wf")
    for suffix, text in ((".json", wf.to_json()), (".toml", wf.to_toml())):
        path = folder / f"random{suffix}"
        path.write_text(text)
        assert load_workflow(str(path)).shares() == wf.shares()


def test_rationals_are_parsed_never_evaluated():
    assert to_rational("1/3") == Fraction(1, 3)
    assert to_rational(" -2.5e-1 ") == Fraction(-1, 4)
    for bad in ["__import__('os')", "1+1", "nan", "inf", "1/0", "", True, None, [1]]:
        with pytest.raises(ValueError, match="1/0|must be") as err:
            to_rational(bad)
        assert repr(bad) in str(err.value) or "zero denominator" in str(err.value)


def test_float_from_a_file_keeps_its_decimal_value(tmp_path):
    path = tmp_path / "w.json"
    path.write_text('{"generations": [{"fit": [{"batch": "R0", "count": 0.1}], "emit": 0.3}]}')
    wf = load_workflow(str(path))
    assert wf.shares()[0][0].count == Fraction(1, 10)
    assert wf.batch_sizes()["S1"] == (Fraction(3, 10), 1)


BAD = [
    ({"generations": [{"fit": [{"batch": "S1", "count": 1}]}]}, "S1"),
    ({"generations": [{"fit": [{"batch": "R0", "count": 2}]}]}, "count 2"),
    ({"generations": [{"fit": [{"batch": "R0", "count": -1}]}]}, "-1"),
    ({"generations": [{"fit": [{"batch": "R0", "count": "1/0"}]}]}, "1/0"),
    ({"generations": [{"fit": []}]}, "[]"),
    ({"generations": [{"fit": [{"batch": "X0"}]}]}, "X0"),
    ({"generations": [{"fit": [{"batch": "R0"}, {"batch": "R0"}]}]}, "R0"),
    ({"generations": [{"fit": [{"batch": "R0", "weight": 0}]}]}, "must not all be 0"),
    ({"generations": [{"fit": [{"batch": "R0", "weight": -1}]}]}, "-1"),
    ({"generations": [{"fit": [{"batch": "R0", "count": 1}], "emit": 1},
                      {"fit": [{"batch": "R0", "weight": 1}, {"batch": "S1"}]}]}, "None"),
    ({"generations": [{"fit": [{"batch": "R2"}]}]}, "R2"),
    ({"generations": [{"fit": [{"batch": "R0"}], "size": 3}]}, "size"),
    ({"real": 0, "generations": [{"fit": [{"batch": "R0"}]}]}, "0"),
    ({"generations": [{"fit": [{"batch": "R0", "count": "one"}]}]}, "one"),
    ({"generations": "all"}, "all"),
    ([1, 2], "[1, 2]"),
]


@pytest.mark.parametrize("data, bad", BAD)
def test_invalid_workflows_name_the_bad_value(data, bad):
    with pytest.raises(WorkflowError) as err:
        Workflow.from_data(data)
    message = str(err.value)
    assert bad in message and "\n" not in message


@given(workflow_data(max_generations=4), st.data())
def test_using_a_batch_before_it_exists_is_rejected(data, draw):
    k = draw.draw(st.integers(1, len(data["generations"])))
    fit = data["generations"][k - 1]["fit"]
    fit.append({"batch": f"S{k}", "count": 1, **({"weight": 1} if "weight" in fit[0] else {})})
    with pytest.raises(WorkflowError, match=f"generation {k}, fit entry .*'S{k}'"):
        Workflow.from_data(data)


def test_presets_match_their_definitions():
    aug = preset("augment", 4).shares()[3]
    assert [s.batch for s in aug] == ["R0", "S1", "S2", "S3"] and {s.share for s in aug} == {Fraction(1, 4)}
    sub = preset("subsample", 4).shares()[3]
    assert {s.count for s in sub} == {Fraction(1, 4)} and {s.size for s in sub} == {Fraction(1)}
    mix = preset("mix:2", 3)
    assert [(s.batch, s.count) for s in mix.shares()[2]] == [("R0", 1), ("S2", 2)]
    assert mix.batch_sizes()["S2"] == (Fraction(2), 2)
    wtd = preset("weighted:0.25:3", 3)
    assert [(s.batch, s.share, s.count) for s in wtd.shares()[2]] == [("R3", Fraction(1, 4), 1),
                                                                     ("S2", Fraction(3, 4), 3)]
    assert [s.batch for s in preset("window:2", 5).shares()[4]] == ["S3", "S4"]


@pytest.mark.parametrize("spec", ["window:0", "window:x", "window:1.5", "mix:-1", "mix:0", "mix", "weighted:2",
                                  "weighted:-0.1", "weighted:0.5:0", "weighted", "discard:3", "augmented",
                                  "weighted:1/0", "nothing.yaml", "missing.toml"])
def test_bad_specs_are_rejected(spec):
    with pytest.raises(ValueError) as err:
        load_workflow(spec, 5)
    assert spec.split(":")[-1] in str(err.value) or spec in str(err.value)


def test_then_rule_extends_a_file(tmp_path):
    path = tmp_path / "rule.toml"
    path.write_text("""
name = "fresh real + last two synthetic"
[[generations]]
fit = [{batch = "R0"}]
emit = 1
[then]
new_real = "1/2"
fit = [{batch = "R[0]", weight = 1}, {batch = "S[-2:]", weight = "1/2"}]
emit = 1
""")
    wf = load_workflow(str(path), 4)
    assert [[s.batch for s in fit] for fit in wf.shares()] == [["R0"], ["R2", "S1"], ["R3", "S1", "S2"],
                                                              ["R4", "S2", "S3"]]
    assert [s.share for s in wf.shares()[3]] == [Fraction(1, 2), Fraction(1, 4), Fraction(1, 4)]
    assert wf.batch_sizes()["R4"] == (Fraction(1, 2), 4)
    assert Workflow.from_data(wf.to_data()).shares() == wf.shares()
    with pytest.raises(WorkflowError, match="no 'then' rule"):
        load_workflow(str(path), 4).__class__.from_data({"generations": [{"fit": [{"batch": "R0"}]}]}, generations=3)


def test_rule_naming_a_missing_batch_names_the_generation():
    data = {"generations": [{"fit": [{"batch": "R0"}]}], "then": {"fit": [{"batch": "S[-1]"}], "emit": 1}}
    with pytest.raises(WorkflowError, match="generation 2.*S1"):
        Workflow.from_data(data, generations=3)


def test_sample_size_rounding_keeps_whole_points():
    wf = preset("subsample", 3).at_sample_size(100)
    assert {s.count * 100 for fit in wf.shares() for s in fit} == {100, 50, 33}
