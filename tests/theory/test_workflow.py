"""Workflows as data: parsing, validation, lossless round trips, presets, rules."""

import json
import subprocess
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.strategies import workflow_data
from tests.tools import system_tool
from theory import FitEntry, Generation, Workflow, WorkflowError, load_workflow, preset, risk_ratios
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


def as_objects(data):
    """The constructor's arguments for workflow data, values as written (no parsing, no checks)."""
    def gen(g):
        return Generation(tuple(FitEntry(e["batch"], e.get("count"), e.get("weight")) for e in g["fit"]),
                          g.get("new_real"), g.get("emit"))

    return ([gen(g) for g in data["generations"]], data.get("real", 1),
            gen(data["then"]) if "then" in data else None)


@given(workflow_data(max_generations=5))
def test_the_constructor_builds_what_from_data_builds(data):
    # plain numbers and "p/q" strings, lists for tuples: the constructor converts them as from_data does
    wf = Workflow(*as_objects(data))
    assert wf == Workflow.from_data(data) and wf.shares() == Workflow.from_data(data).shares()
    assert Workflow(wf.generations, wf.real) is not wf and Workflow(wf.generations, wf.real) == wf


@pytest.mark.parametrize("data, bad", [(d, b) for d, b in BAD if isinstance(d, dict)
                                       and isinstance(d.get("generations"), list) and "size" not in str(d)])
def test_the_constructor_rejects_what_from_data_rejects_with_the_same_message(data, bad):
    with pytest.raises(WorkflowError) as parsed:
        Workflow.from_data(data)
    with pytest.raises(WorkflowError) as built:
        Workflow(*as_objects(data))
    assert str(built.value) == str(parsed.value)


def test_a_batch_fitted_before_it_exists_never_reaches_the_process():
    with pytest.raises(WorkflowError, match="generation 1, fit entry 1: batch 'S5' does not exist yet"):
        risk_ratios(Workflow((Generation((FitEntry("S5", Fraction(1)),), emit=Fraction(1)),)))
    with pytest.raises(WorkflowError, match="generation 1 must be a Generation"):
        Workflow([("R0", 1)])
    with pytest.raises(WorkflowError, match="at least one generation"):
        Workflow(())
    with pytest.raises(WorkflowError, match="'then' rule, fit entry 1: bad batch name 'S'"):
        Workflow((Generation((FitEntry("R0"),)),), then=Generation((FitEntry("S"),)))


def test_expand_keeps_a_valid_prefix_and_extends_with_the_rule():
    wf = preset("window:2", 6)
    assert wf.expand(6) is wf
    assert wf.expand(3) == preset("window:2", 3) and wf.expand(3).shares() == preset("window:2", 3).shares()
    with pytest.raises(WorkflowError, match="no 'then' rule"):
        wf.expand(7)


def test_summary_is_short_and_names_every_part():
    text = repr(preset("augment", 2000))
    assert len(text) < 600 and text.splitlines()[0] == "Workflow 'augment' (G = 2000)"
    assert "2000: R0 + S1 + S2 + ... + S1999 (2000 batches) -> S2000" in text
    rule = Workflow.from_data({"real": 2, "generations": [{"fit": [{"batch": "R0", "count": "1/2"}], "emit": 3}],
                               "then": {"new_real": 1, "fit": [{"batch": "R[0]", "weight": 1},
                                                               {"batch": "S[-2:]", "weight": "1/3"}]}},
                              name="rule", generations=3)
    assert repr(rule).splitlines() == [
        "Workflow 'rule' (G = 3; R0 has 2n points)",
        "  1: R0(n/2) -> S1(3n)",
        "  2: new R2; 0.75 R2 + 0.25 S1",
        "  3: new R3; 0.75 R3 + 0.25 S1",
        "  then: new R[0]; 1 R[0] + 1/3 S[-2:]"]
    with pytest.raises(WorkflowError) as err:
        load_workflow(object())
    assert len(str(err.value)) < 150


@pytest.mark.parametrize("wf", [preset("weighted:0.25:2", 3), preset("subsample", 9),
                                Workflow.from_data({"name": "odd_name 50%", "real": "1/2",
                                                    "generations": [{"fit": [{"batch": "R0"}], "emit": 1}],
                                                    "then": {"new_real": 2, "fit": [{"batch": "R[0]", "weight": 1},
                                                                                    {"batch": "S[-3:]", "weight": 1}]}},
                                                   generations=2)])
def test_latex_summary_compiles(tmp_path, wf):
    pdflatex = system_tool("pdflatex")
    text = wf._repr_latex_()
    assert text.startswith("$$") and text.endswith("$$")
    (tmp_path / "wf.tex").write_text("\\documentclass{article}\\usepackage{amsmath}\\begin{document}\n"
                                     + text + "\n\\end{document}\n")
    result = subprocess.run([pdflatex, "-interaction=nonstopmode", "-halt-on-error", "wf.tex"], cwd=tmp_path,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout[-2000:]


@given(workflow_data(max_generations=4), st.sampled_from([6, 12, 30]))
def test_points_are_the_rounded_workflow_times_n(data, n):
    rounded = Workflow.from_data(data).at_sample_size(n)
    points = rounded.in_points(n)
    assert points.real == rounded.real * n and points.G == rounded.G
    for fit, gen in zip(rounded.shares(), points.generations, strict=True):
        assert [(s.batch, s.size * n, s.count * n, s.share) for s in fit] == list(gen.fit)
    assert points.batch_sizes() == {name: size * n for name, (size, _) in rounded.batch_sizes().items()}


def test_points_refuse_a_fraction_of_a_point():
    with pytest.raises(WorkflowError, match=r"generation 1: emit times n = 5/2 is not a whole number of points; "
                                            r"simulate workflow.at_sample_size\(5\)"):
        preset("mix:0.5", 2).in_points(5)
    with pytest.raises(WorkflowError, match="n must be a positive integer, got 2.5"):
        preset("augment", 2).in_points(2.5)
