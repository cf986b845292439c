"""Proofs for every k: what is marked proved is never contradicted by exact process terms far beyond.

The exact process (theory.process, a different construction: the full linear system of
every generation) is the independent route. Every check compares a proved recurrence,
closed form or bound with process terms up to three times as many as the proof used (the
largest windows, whose derivations run Berlekamp-Massey over 2 deg(chi_T) + 2 terms: twice
as many by default, three times with --runslow).
"""

import json
from fractions import Fraction

import pytest
import sympy as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.strategies import law_then_change_data, rule_family_data, valid_rule_workflow
from tests.tools import system_tool
from theory import Workflow, load_workflow, preset, risk_ratios
from theory.closed_form import closed_form, closed_form_from_terms, risk_bound
from theory.proofs import CONJECTURED, PROVED, TERMS, prove
from theory.recurrence import R, k

PRESETS = ["discard", "augment", "subsample", "mix:0.5", "mix:7/3", "weighted:0.618", "weighted:0.5:2",
           "weighted:1/3:1/2", "weighted:0", "weighted:1"] + [f"window:{W}" for W in range(1, 13)]
# A proof is checked against the process up to this many times the terms it used (and at least 60).
BEYOND = 3


def used_terms(result):
    """The last generation whose exact value the proof computed (its checks, the prefix, Berlekamp-Massey)."""
    used = max(len(result.prefix), TERMS)
    derivation = result.derivation
    if derivation is not None and derivation.characteristic is not None:
        used = max(used, result.state_space.start + 2 * derivation.characteristic.degree() + 1)
    return used


def as_sympy(x):
    return sp.Rational(x.numerator, x.denominator)


def assert_never_contradicted(result, exact):
    """Everything ``result`` states as proved agrees with the exact terms R_1..R_G."""
    G = len(exact)
    assert result.ratios(G) == exact
    rec = result.recurrence
    assert rec.holds(exact), rec
    cf = result.closed_form
    if cf is not None:
        points = sorted({cf.start, (cf.start + G) // 2, G - 1, G})
        for n in points:
            value = cf(n)
            if value.is_Rational:
                assert value == as_sympy(exact[n - 1]), (n, cf)
            else:  # irrational pieces (harmonic numbers at half-integers, RootSums): 40 digits
                assert abs(sp.N(value - as_sympy(exact[n - 1]), 50)) < sp.Float("1e-40"), (n, cf)
    if result.bound is not None:
        relation = result.bound.relation.func  # exact comparison: SymPy decides against pi^2/6 and the like
        for n in range(result.bound.holds_from, G + 1):
            assert bool(relation(as_sympy(exact[n - 1]), result.limit)), (n, result.bound)


@pytest.mark.parametrize("spec", PRESETS)
def test_every_preset_is_proved_for_every_k(spec):
    result = prove(spec)
    assert result.status == PROVED and result.proof.valid_from == result.recurrence.start
    assert result.derivation is not None and result.proof.steps
    G = max(min(BEYOND * used_terms(result), 200), 2 * used_terms(result), 60)
    assert_never_contradicted(result, risk_ratios(preset(spec, G)))


@pytest.mark.slow
@pytest.mark.parametrize("W", range(7, 13))
def test_large_windows_are_never_contradicted_three_times_beyond(W):
    result = prove(f"window:{W}")
    assert_never_contradicted(result, risk_ratios(preset(f"window:{W}", BEYOND * used_terms(result))))


def test_large_windows_still_give_the_recurrence_and_the_limit():
    # window:12: the closed form (78 characteristic roots) is too large to print; the proof stands.
    result = prove("window:12")
    assert result.closed_form is None and result.solution is not None
    assert result.limit == sp.oo and result.recurrence.order == 78
    assert "characteristic roots" in result.text()


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(st.one_of(rule_family_data(), law_then_change_data()))
def test_random_families_are_proved_and_never_contradicted_far_beyond(data):
    # Random rules after short random prefixes, and rules after one preset's law kept for 10-45 generations.
    wf = valid_rule_workflow(data, "random family")
    result = prove(wf)
    assert result.status == PROVED
    G = max(min(BEYOND * used_terms(result), 160), 2 * used_terms(result))
    assert_never_contradicted(result, risk_ratios(wf.expand(G)))


def test_forty_agreeing_terms_prove_nothing():
    # Augment for 45 listed generations, then every generation refits only the last synthetic batch.
    data = preset("augment", 45).to_data()
    data["then"] = {"fit": [{"batch": "S[-1]"}], "emit": 1}
    wf = Workflow.from_data(data, name="augment, then discard")
    exact = risk_ratios(wf.expand(120))
    # The first 40 terms are the Basel partial sums: a search in them finds augment's law ...
    guess = closed_form_from_terms(exact[:40])
    assert guess.status == CONJECTURED and guess.bound is None
    assert sp.simplify(guess.expr - sp.harmonic(k, 2)) == 0
    # ... which the exact process contradicts from generation 47 on (and its limit pi^2/6 is wrong).
    assert guess(47) != as_sympy(exact[46])
    # The structure proves the law that holds: R_(k+1) = R_k + 1 from the rule on, divergence.
    result = prove(wf)
    assert result.proof.valid_from == 46 and result.limit == sp.oo and result.bound is None
    assert result.recurrence.equation() == sp.Eq(R(k + 1), R(k) + 1)
    assert_never_contradicted(result, exact)


def test_nothing_conjectured_is_stated_as_a_bound(monkeypatch):
    import theory.derivation as derivation
    import theory.proofs as proofs

    # A moment map larger than the derivation takes on: the recurrence is only found from terms.
    monkeypatch.setattr(derivation, "MAX_ORDER", 2)
    monkeypatch.setattr(proofs, "_CACHE", {})
    monkeypatch.setattr(derivation, "_CACHE", {})
    result = prove("mix:2")
    assert result.status == CONJECTURED and result.bound is None and result.derivation is None
    assert "not proved" in result.proof.method and risk_bound("mix:2") is None
    assert result.closed_form.status == CONJECTURED and result.closed_form.bound is None
    # Exact ratios then come from the process, never from the conjectured recurrence.
    assert result.ratios(7) == risk_ratios(preset("mix:2", 7))
    assert "conjectured" in result.text().splitlines()[0]


def test_prefix_values_before_the_rule_are_exact_and_reported(tmp_path):
    path = tmp_path / "first.json"
    path.write_text(json.dumps({"generations": [{"fit": [{"batch": "R0"}], "emit": 2}],
                                "then": {"fit": [{"batch": "R0"}, {"batch": "S[:]"}], "emit": 1}}))
    result = prove(path)
    assert result.proof.valid_from == 2
    exact = risk_ratios(load_workflow(path, 90))
    assert result.prefix[0] == exact[0] == 1
    assert_never_contradicted(result, exact)
    assert result.to_data()["prefix"] == [str(r) for r in exact[:result.recurrence.start]]


def test_fast_exact_ratios_equal_a_plain_fraction_loop():
    # augment: R_(k+1) = R_k + 1/(k+1)^2, summed here with Fractions and nothing else.
    total, sums = Fraction(0), []
    for j in range(1, 1201):
        total += Fraction(1, j * j)
        sums.append(total)
    assert prove("augment").ratios(1200) == sums
    assert prove("discard").ratios(1000) == [Fraction(n) for n in range(1, 1001)]


def test_status_and_reprs():
    result = prove("augment")
    assert repr(result) == "FamilyProof('augment', proved for k >= 1: R_k = harmonic(k, 2), limit pi**2/6)"
    assert result._repr_latex_() == closed_form("augment")._repr_latex_()
    assert repr(result.proof).startswith("Proof(proved, k >= 1: state-space form")
    data = result.to_data()
    assert data["status"] == PROVED and data["valid_from"] == 1 and data["bound"] == "R(k) < pi**2/6 for k >= 1"
    assert data["state"]["components"] == ["X[R0]", "U_S(k-1)"]
    text = result.text()
    for piece in ("State after generation k-1", "Second moments", "Recurrence: Eq(R(k + 1), R(k) + (k + 1)**(-2))",
                  "Closed form: R_k = harmonic(k, 2)", "Bound: R(k) < pi**2/6"):
        assert piece in text


@pytest.mark.parametrize("spec", ["augment", "window:3", "weighted:0.618", "rule"])
def test_latex_section_compiles(tmp_path, spec):
    import subprocess

    pdflatex = system_tool("pdflatex")
    if spec == "rule":
        spec = tmp_path / "rule_family.toml"
        spec.write_text('name = "fresh_and_pooled"\n[[generations]]\nfit = [{batch = "R0"}]\nemit = 2\n'
                        '[then]\nnew_real = 1\nfit = [{batch = "R[0]", weight = 1}, {batch = "S[:]", weight = 1}]\n'
                        'emit = 1\n')
    section = prove(spec).latex()
    (tmp_path / "proof.tex").write_text("\\documentclass{article}\\usepackage{amsmath}\n\\begin{document}\n"
                                        + section + "\\end{document}\n")
    result = subprocess.run([pdflatex, "-interaction=nonstopmode", "-halt-on-error", "proof.tex"],
                            cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout[-2000:]
