"""Curated retraining: the one-step map against brute force, the limit map, the workflow format.

The finite-K map by reward levels is checked against enumeration of every K-tuple of
candidates (exact rationals), and against the integral representation by quadrature;
the K -> infinity limit against large K; the monotone expected reward over random laws
(Hypothesis); the workflow key for its messages and its round trip.
"""

import itertools
import json
import tomllib
from fractions import Fraction

import numpy as np
import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

from theory.curation import (
    Curation,
    _factors_by_quadrature,
    curate_probabilities,
    derive_fixed_point,
    derive_iterated_tilt,
    derive_two_level_map,
    level_factors,
    tilt,
)
from theory.process import risk_ratios
from theory.workflow import Workflow, WorkflowError


def _brute_force(q, w, K):
    """P(the kept point is category i): every K-tuple of candidates, kept with probability w_j / sum w."""
    out = [Fraction(0)] * len(q)
    for cands in itertools.product(range(len(q)), repeat=K):
        prob = Fraction(1)
        for c in cands:
            prob *= q[c]
        total = sum(w[c] for c in cands)
        for c in cands:
            out[c] += prob * w[c] / total
    return out


@pytest.mark.parametrize("K", [1, 2, 3, 4])
def test_level_map_equals_every_candidate_tuple(K):
    q = [Fraction(1, 2), Fraction(1, 3), Fraction(1, 6)]
    w = [Fraction(3), Fraction(1), Fraction(2)]
    factors = level_factors(q, w, K)                       # three categories, three levels
    assert [qi * g for qi, g in zip(q, factors, strict=True)] == _brute_force(q, w, K)


def test_levels_group_categories_with_equal_rewards():
    q = np.array([0.1, 0.2, 0.3, 0.4])
    r = np.array([1.0, 0.0, 1.0, 0.0])
    exact = _brute_force([Fraction(x).limit_denominator() for x in q], [Fraction(3), 1, Fraction(3), 1], 3)
    # rewards enter through e^r; compare with weights 3 and 1 via r = log 3
    got = curate_probabilities(q, np.where(r > 0, np.log(3.0), 0.0), 3)
    assert np.allclose(got, [float(x) for x in exact], rtol=1e-13)


def test_quadrature_agrees_with_the_level_sums():
    rng = np.random.default_rng(3)
    masses = rng.dirichlet(np.ones(6))
    weights = np.exp(rng.normal(size=6))
    weights /= weights.max()
    exact = np.array(level_factors(masses.tolist(), weights.tolist(), 5), dtype=float)
    assert np.allclose(_factors_by_quadrature(masses, weights, 5), exact, rtol=1e-10)


def test_the_limit_map_is_the_tilt():
    q = np.array([0.2, 0.5, 0.3])
    r = np.array([1.0, 0.0, 2.0])
    limit = q * np.exp(r) / np.dot(q, np.exp(r))
    assert np.allclose(curate_probabilities(q, r, None), limit, rtol=1e-14)
    gaps = [np.abs(curate_probabilities(q, r, K) - limit).max() for K in (10, 100, 1000)]
    assert gaps[0] > gaps[1] > gaps[2] and gaps[2] < 2e-3          # O(1/K)
    assert [sp.simplify(x) for x in tilt([sp.Rational(1, 2)] * 2, [sp.log(3), 0])] == [sp.Rational(3, 4),
                                                                                       sp.Rational(1, 4)]


@given(st.lists(st.floats(0.01, 1.0), min_size=2, max_size=6), st.lists(st.floats(-2, 2), min_size=6, max_size=6),
       st.integers(1, 6))
def test_curation_never_lowers_the_expected_reward(raw, rewards, K):
    q = np.array(raw) / sum(raw)
    r = np.array(rewards[:len(q)])
    after = curate_probabilities(q, r, K)
    assert np.dot(after, r) >= np.dot(q, r) - 1e-12
    assert np.all((after > 0) == (q > 0))                  # curation never revives nor kills a category


def test_derivations_hold():
    d = derive_two_level_map()
    assert all(sp.simplify(d["finite"][K] - d["integral"][K]) == 0 for K in d["finite"])
    assert sp.simplify(d["finite"][1] - d["Q"]) == 0
    t = derive_iterated_tilt()
    assert t["induction"] == 0 and t["reward_limit"] == t["c"]
    # the step increases Q: Q (1 - Q)(a - 1)/(a Q + 1 - Q) > 0 for a > 1, 0 < Q < 1
    assert sp.simplify(t["increment"] - t["Q"] * (1 - t["Q"]) * (t["a"] - 1) / (t["a"] * t["Q"] + 1 - t["Q"])) == 0
    f = derive_fixed_point()
    values = {f["a"]: sp.E, f["lam"]: sp.Rational(3, 10), f["P"]: sp.Rational(1, 5)}
    root = f["root"].subs(values)
    Q = sp.Rational(1, 5)
    for _ in range(200):                                   # iterating the map converges to the root
        Q = f["map"].subs(values).subs(f["Q"], Q).evalf(30)
    assert abs(Q - root.evalf(30)) < 1e-25
    assert 0 < f["slope"].subs(values).subs(f["Q"], root).evalf() < 1


# --------------------------------------------------------------------- the workflow key
def _curated(curate, **extra):
    return {"generations": [{"fit": [{"batch": "R0"}], "emit": 1, "curate": curate, **extra}]}


@pytest.mark.parametrize("curate,message", [
    ({"candidates": 0, "reward": [1]}, r"generation 1: curate candidates must be an integer of at least 1 or "
                                       r"\"inf\", got 0"),
    ({"candidates": "2.5", "reward": [1]}, r"got '2.5'"),
    ({"candidates": 2}, "needs both candidates and reward"),
    ({"candidates": 2, "reward": [1, "x"]}, r"generation 1: curate reward 2 must be a finite number .* got 'x'"),
    ({"candidates": 2, "reward": {"top": 0, "value": 1}}, r"top must be an integer of at least 1, got 0"),
    ({"candidates": 2, "reward": {"top": 3}}, r"got keys \['top'\]"),
    ({"candidates": 2, "reward": []}, "reward list is empty"),
    ({"candidates": 2, "reward": [1], "keep": 1}, r"unknown curate key\(s\) \['keep'\]"),
    ("many", "must be a table with candidates and reward, got 'many'"),
])
def test_bad_curation_is_named(curate, message):
    with pytest.raises(WorkflowError, match=message):
        Workflow.from_data(_curated(curate))


def test_curation_needs_an_emit():
    with pytest.raises(WorkflowError, match=r"generation 1: 'curate' needs an 'emit'"):
        Workflow.from_data({"generations": [{"fit": [{"batch": "R0"}],
                                             "curate": {"candidates": 2, "reward": [1]}}]})


def test_curated_workflows_round_trip_and_expand(tmp_path):
    rewards = tmp_path / "r.txt"
    rewards.write_text("1\n0 # the rest\n0.5")
    data = {"name": "curated", "generations": [
        {"fit": [{"batch": "R0"}], "emit": 1, "curate": {"candidates": 3, "reward": {"top": 2, "value": "1/2"}}}],
        "then": {"new_real": 1, "fit": [{"batch": "R[0]", "weight": "1/2"}, {"batch": "S[-1]", "weight": "1/2"}],
                 "emit": 1, "curate": {"candidates": "inf", "reward": {"file": "r.txt"}}}}
    path = tmp_path / "wf.json"
    path.write_text(json.dumps(data))
    wf = Workflow.from_file(path, generations=4)
    assert wf.generations[0].curate.rewards(3) == (Fraction(1, 2), Fraction(1, 2), 0)
    assert wf.generations[3].curate.candidates is None
    assert wf.generations[3].curate.rewards(3) == (1, 0, Fraction(1, 2))
    again = Workflow.from_data(json.loads(wf.to_json()), generations=4)
    assert again == wf and again.to_data() == wf.to_data()
    from_toml = Workflow.from_data(tomllib.loads(wf.to_toml(), parse_float=Fraction), generations=4)
    assert from_toml == wf and from_toml.at_sample_size(10).generations[1].curate == wf.generations[1].curate
    with pytest.raises(ValueError, match="lists 3 values but the model has K = 4"):
        wf.generations[3].curate.rewards(4)


def test_the_gaussian_theory_rejects_curation():
    wf = Workflow.from_data(_curated({"candidates": 2, "reward": {"top": 1, "value": 1}}))
    with pytest.raises(WorkflowError, match="curation is outside the linear Gaussian theory"):
        risk_ratios(wf)
    assert Curation.from_data({"candidates": 2, "reward": [0, 1]}, "x").describe() == \
        "curated: K = 2 candidates, a reward vector of 2 values"


def test_a_curated_workflow_prints_its_curation():
    wf = Workflow.from_data(_curated({"candidates": "inf", "reward": [1, 0]}))
    assert wf.describe().splitlines()[1] == "  1: R0 -> S1, curated (K = oo)"
    assert r"\text{curated }(K = \infty)" in wf._repr_latex_()
