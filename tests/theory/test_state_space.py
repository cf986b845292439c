"""Families and their state-space forms, against the workflows the library builds and the exact process."""

import json
from fractions import Fraction

import pytest
import sympy as sp
from hypothesis import HealthCheck, given, settings

from tests.strategies import rule_family_data, valid_rule_workflow
from theory import Workflow, preset, variances
from theory.families import family_of, preset_family
from theory.recurrence import k
from theory.state_space import state_space
from theory.workflow import WorkflowError

PRESETS = ["discard", "augment", "subsample", "mix:0.5", "mix:3", "weighted:0.618", "weighted:0.5:2", "weighted:0",
           "weighted:1"] + [f"window:{W}" for W in range(1, 13)]
SLOW_SETTINGS = settings(max_examples=15, deadline=None,
                         suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


def family_workflow(fam, G):
    """The workflow of G generations built from the family's own description (prefix, then its rule)."""
    gens = tuple(fam.generation(n) for n in range(1, G + 1))
    return Workflow(gens, fam.real, None, fam.name).expand(G)


@pytest.mark.parametrize("spec", PRESETS)
def test_a_presets_family_builds_the_preset(spec):
    fam = preset_family(spec)
    G = 2 * fam.P + 12
    assert family_workflow(fam, G).shares() == preset(spec, G).shares()


@SLOW_SETTINGS
@given(rule_family_data())
def test_a_rule_familys_description_reads_the_rule_as_expand_does(data):
    wf = valid_rule_workflow(data)
    fam = family_of(wf)
    G = fam.P + 10
    assert family_workflow(fam, G).shares() == wf.expand(G).shares()


def iterate_variances(ss, G):
    """Var H_k for k = k0..G by running the moment recursion at numeric k, with SymPy matrices only."""
    moments, out = ss.initial, []
    for n in range(ss.start, G + 1):
        at = {k: n}
        A, B, c, d = (M.subs(at) for M in (ss.A, ss.B, ss.c, ss.d))
        Q = sp.diag(*[sp.sympify(q).subs(at) for q in ss.Q]) if ss.Q else sp.zeros(0, 0)
        out.append((c * moments * c.T + d * Q * d.T)[0, 0])
        moments = A * moments * A.T + B * Q * B.T
    return out


@pytest.mark.parametrize("spec", ["augment", "subsample", "window:4", "mix:0.5", "weighted:0.618"])
def test_the_moment_recursion_reproduces_the_process_for_forty_generations(spec):
    ss = state_space(spec)
    G = ss.start + 40
    exact = variances(preset(spec, G))
    assert iterate_variances(ss, G) == [sp.Rational(v.numerator, v.denominator) for v in exact[ss.start - 1:]]


@SLOW_SETTINGS
@given(rule_family_data())
def test_the_moment_recursion_of_a_random_rule_family_reproduces_the_process(data):
    wf = valid_rule_workflow(data)
    ss = state_space(wf)
    G = ss.start + 25
    exact = variances(wf.expand(G))
    assert iterate_variances(ss, G) == [sp.Rational(v.numerator, v.denominator) for v in exact[ss.start - 1:]]


def test_the_state_of_the_presets():
    # augment: the real batch and a running sum of every synthetic batch's statistic (unbounded memory)
    ss = state_space("augment")
    assert ss.components == ("X[R0]", "U_S(k-1)") and ss.start == 1 and not ss.constant
    # window:W: the last W synthetic statistics, from the first generation that fits only synthetic data
    for W in (1, 3, 7):
        ss = state_space(f"window:{W}")
        assert ss.dimension == W and ss.start == W + 1 and ss.constant
    # weighted: fresh real data enters as noise, the state is the last synthetic statistic
    ss = state_space("weighted:0.5:2")
    assert ss.components == ("X[S(k-1)]",) and ss.noises == ("Z[R(k)]", "Z[S(k)]")
    # subsample: the part of each subsample no other generation shares, a variance rational in k
    assert "xi(k)" in state_space("subsample").noises


def test_the_warm_up_waits_for_batches_of_the_rules_shape(tmp_path):
    # Generation 2 emits 3 points, the rule 1: S[-2] reaches S2 at k = 4, so the map starts at k = 5.
    path = tmp_path / "warm.json"
    path.write_text(json.dumps({"generations": [{"fit": [{"batch": "R0"}], "emit": 1},
                                                {"fit": [{"batch": "S1"}], "emit": 3}],
                                "then": {"fit": [{"batch": "S[-2]"}, {"batch": "R0"}], "emit": 1}}))
    fam = family_of(path)
    assert fam.P == 2 and state_space(fam).start == 5


def test_listed_generations_that_are_the_rules_own_count_as_the_rule(tmp_path):
    data = preset("augment", 6).to_data()
    data["then"] = {"fit": [{"batch": "R0"}, {"batch": "S[:]"}], "emit": 1}
    fam = family_of(Workflow.from_data(data))
    assert fam.P == 0 and state_space(fam).start == 1


def test_families_are_refused_with_the_reason():
    with pytest.raises(WorkflowError, match="no 'then' rule"):
        family_of(Workflow.from_data({"generations": [{"fit": [{"batch": "R0"}], "emit": 1}]}))
    with pytest.raises(WorkflowError, match="unknown workflow 'windows:2'"):
        family_of("windows:2")
    with pytest.raises(WorkflowError, match="a family is a preset spelling"):
        family_of(3)


def test_state_space_repr_and_latex():
    ss = state_space("mix:0.5")
    assert repr(ss) == "StateSpace('mix:0.5', k >= 2: state (X[R0], X[S(k-1)]), noise (Z[S(k)]))"
    text = ss._repr_latex_()
    assert text.startswith("$\\begin{aligned}") and "X_{S_{k-1}}" in text
    assert Fraction(1, 3) == Fraction(str(ss.c[0, 1]))
