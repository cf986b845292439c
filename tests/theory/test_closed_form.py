"""Closed forms, limits and bounds: checked against exact terms and independent derivations."""

import json
import math
from fractions import Fraction

import numpy as np
import pytest
import sympy as sp
from hypothesis import example, given
from hypothesis import strategies as st

from theory import Workflow, load_workflow, preset, risk_ratios, risk_ratios_float
from theory.closed_form import (
    R,
    closed_form,
    closed_form_from_terms,
    find_recurrence,
    inside_unit_disk,
    k,
    risk_bound,
    risk_limit,
)
from theory.pooled_fit import pooled_fit_identity
from theory.proofs import prove
from theory.workflow import WorkflowError

PRESETS = ["discard", "augment", "subsample", "window:1", "window:2", "window:3", "window:4", "mix:0.5",
           "mix:2", "weighted:0.618", "weighted:0.5:2"]

# A rule file: the real set and every synthetic batch pooled, but generation 1 emits twice as much.
RULE_FILE = {"name": "pooled, large first batch",
             "generations": [{"fit": [{"batch": "R0"}], "emit": 2}],
             "then": {"fit": [{"batch": "R0"}, {"batch": "S[:]"}], "emit": 1}}
RULE_TOML = """name = "fresh real data plus the last two synthetic batches"
[[generations]]
fit = [{batch = "R0", count = 1}]
emit = 1
[then]
new_real = 1
fit = [{batch = "R[0]", weight = "1/2"}, {batch = "S[-2:]", weight = "1/4"}]
emit = 1
"""


def basel_partial_sums(n):
    """sum_{j<=k} 1/j^2 for k = 1..n with Fractions, nothing else."""
    out, total = [], Fraction(0)
    for j in range(1, n + 1):
        total += Fraction(1, j * j)
        out.append(total)
    return out


def test_discard_and_augment_exactly_up_to_200():
    assert risk_ratios(preset("discard", 200)) == [Fraction(n) for n in range(1, 201)]
    sums = basel_partial_sums(200)
    assert risk_ratios(preset("augment", 200)) == sums
    # the closed forms reach far beyond the 40 terms they were found from
    for name, expected in (("discard", list(range(1, 201))), ("augment", sums)):
        cf = closed_form(name)
        for n in (41, 97, 200):
            assert cf(n) == sp.Rational(Fraction(expected[n - 1]).numerator, Fraction(expected[n - 1]).denominator)


@pytest.mark.parametrize("spec", PRESETS)
def test_every_preset_has_a_proved_closed_form(spec):
    cf = closed_form(spec)
    assert cf is not None, spec
    assert cf.status == "proved" and cf.proof.status == "proved"
    assert any("by induction" in c for c in cf.checks)
    # Beyond the computed terms: the closed form and the recurrence hold on fresh exact terms.
    G = 56
    exact = risk_ratios(preset(spec, G))
    for n in range(cf.start, G + 1):
        assert cf(n) == sp.Rational(exact[n - 1].numerator, exact[n - 1].denominator), (spec, n)
    eq = cf.recurrence
    order = max(a.args[0].subs(k, 0) for a in eq.atoms(R))
    for n in range(cf.recurrence_start, G - order + 1):
        values = {R(k + i): sp.Rational(exact[n + i - 1].numerator, exact[n + i - 1].denominator)
                  for i in range(order + 1)}
        assert (eq.lhs - eq.rhs).subs(values).subs(k, n) == 0, (spec, n)
    # The initial values are the exact terms.
    for n, value in cf.initial.items():
        assert value == sp.Rational(exact[n - 1].numerator, exact[n - 1].denominator)


@pytest.mark.parametrize("spec", ["mix:0.5", "mix:2", "weighted:0.618", "weighted:0.5:2", "window:2"])
def test_constant_coefficient_solution_agrees_with_rsolve(spec):
    cf = closed_form(spec)
    eq = cf.recurrence
    order = max(a.args[0].subs(k, 0) for a in eq.atoms(R))
    f = sp.Function("f")
    equation = (eq.lhs - eq.rhs).replace(R, f)
    init = {f(cf.recurrence_start + i): cf.initial[cf.recurrence_start + i] for i in range(order)}
    assert sp.simplify(sp.rsolve(equation, f(k), init) - cf.expr) == 0


def test_augment_closed_form_limit_and_bound():
    cf = closed_form("augment")
    j = sp.Symbol("j", integer=True, positive=True)
    assert sp.simplify(cf.expr - sp.Sum(1 / j**2, (j, 1, k)).doit()) == 0
    assert sp.simplify(cf.limit - sp.pi**2 / 6) == 0
    assert cf.bound.relation == sp.Lt(R(k), sp.pi**2 / 6)
    assert cf.bound.holds_from == 1 and cf.bound.monotone == "increasing"
    assert all(s < sp.pi**2 / 6 for s in map(sp.Rational, map(str, basel_partial_sums(200))))
    assert risk_limit("augment") == cf.limit and risk_bound("augment") is cf.bound


def test_discard_and_window_grow_without_bound():
    assert closed_form("discard").expr == k
    assert risk_limit("discard") == sp.oo and risk_bound("discard") is None
    for W in (2, 3, 4):
        cf = closed_form(f"window:{W}")
        assert cf.limit == sp.oo
        assert sp.Poly(cf.characteristic, cf.characteristic.gens[0]).eval(1) == 0


def stationary_variance(shares_real, shares_synth, var_real, var_synth, fresh_real):
    """lim Var H_k for H_k = a (eps_real) + b (H_{k-1} + eps_synth), solved from its stationary equations.

    With a fixed real set (fresh_real False) eps_real is the same draw every generation, so
    c = Cov(H, eps_real) obeys c = a var_real + b c.
    """
    a, b = shares_real, shares_synth
    V, c = sp.symbols("V c")
    cross = 0 if fresh_real else 2 * a * b * c
    equations = [sp.Eq(V, a**2 * var_real + b**2 * (V + var_synth) + cross)]
    if not fresh_real:
        equations.append(sp.Eq(c, a * var_real + b * c))
    solution = sp.solve(equations, [V, c] if not fresh_real else [V], dict=True)[0]
    return solution[V]


@pytest.mark.parametrize("L", [sp.Rational(1, 2), sp.Integer(2), sp.Rational(7, 3)])
def test_mix_limit_is_the_stationary_variance(L):
    spec = f"mix:{L}"
    expected = stationary_variance(1 / (1 + L), L / (1 + L), 1, 1 / L, fresh_real=False)
    cf = closed_form(spec)
    assert cf.limit == expected
    assert sp.limit(cf.expr, k, sp.oo) == expected  # SymPy's own limit of the derived expression
    assert cf.bound.relation == sp.Lt(R(k), expected)


@pytest.mark.parametrize("W, M", [("0.618", "1"), ("0.5", "2"), ("1/3", "1/2")])
def test_weighted_limit_is_the_stationary_variance(W, M):
    w, m = sp.Rational(W), sp.Rational(M)
    expected = stationary_variance(w, 1 - w, 1, 1 / m, fresh_real=True)
    cf = closed_form(f"weighted:{W}:{M}")
    assert cf.limit == expected
    # R_k moves monotonically from R_1 = 1 to the limit: below 1 it falls, above 1 it rises.
    if expected < 1:
        assert cf.bound.relation == sp.Gt(R(k), expected) and cf.bound.supremum == 1
    else:
        assert cf.bound.relation == sp.Lt(R(k), expected) and cf.bound.infimum == 1


def test_subsample_limit_from_its_increments():
    cf = closed_form("subsample")
    # The increments summed by SymPy to infinity: a route that does not use the closed form.
    assert sp.simplify(cf.limit - (1 + sp.summation(cf.increment, (k, 1, sp.oo)))) == 0
    assert cf.bound.relation.rel_op == "<"


def test_a_rule_file_family(tmp_path):
    path = tmp_path / "pooled.json"
    path.write_text(json.dumps(RULE_FILE))
    cf = closed_form(str(path))
    assert cf is not None and cf.increment is not None
    exact = risk_ratios(load_workflow(str(path), 60))
    for n in range(cf.start, 61):
        assert cf(n) == sp.Rational(exact[n - 1].numerator, exact[n - 1].denominator)
    # Generation 1 emits twice as much: the recurrence and the closed form start at k = 2.
    assert cf.start == cf.recurrence_start == 2 and cf(1) != 1
    # The same family handed over as a Workflow with its rule.
    again = closed_form(Workflow.from_file(path))
    assert sp.simplify(again.expr - cf.expr) == 0

    toml = tmp_path / "fresh.toml"
    toml.write_text(RULE_TOML)
    cf = closed_form(toml)
    exact = risk_ratios(load_workflow(toml, 50))
    assert all(abs(sp.N(cf.expr.subs(k, n) - sp.Rational(str(exact[n - 1])), 40)) < 1e-35 for n in (1, 17, 50))
    # The float64 process far out (geometric convergence) is an independent route to the limit.
    far = risk_ratios_float(load_workflow(toml, 300))[-1]
    assert abs(float(cf.limit) - far) < 1e-12


def test_a_preset_workflow_object_is_its_family():
    assert closed_form(load_workflow("augment", 7)) is closed_form("augment")
    assert closed_form("mix:1/2") is closed_form("mix:0.5")


def test_non_families_are_rejected(tmp_path):
    plain = tmp_path / "plain.json"
    plain.write_text(json.dumps({"generations": RULE_FILE["generations"]}))
    with pytest.raises(WorkflowError, match="no 'then' rule"):
        closed_form(plain)
    with pytest.raises(WorkflowError, match="unknown workflow 'nonsense'"):
        closed_form("nonsense")
    custom = Workflow.from_data({"name": "augment", "generations": [{"fit": [{"batch": "R0"}], "emit": 2}]})
    with pytest.raises(WorkflowError, match="no 'then' rule"):
        closed_form(custom)


def test_an_irregular_prefix_then_a_rule_is_proved_from_the_rule_on(tmp_path):
    # 30 irregular generations (emit sizes cycling through 1, 2, 1/2, 3) before an augment-like rule:
    # no recurrence can be found early in the terms, but the rule's structure gives one from k = 31 on.
    sizes = ["1", "2", "1/2", "3"]
    gens = [{"fit": [{"batch": "R0"}] + [{"batch": f"S{j}"} for j in range(1, g)], "emit": sizes[g % 4]}
            for g in range(1, 31)]
    path = tmp_path / "irregular.json"
    path.write_text(json.dumps({"generations": gens,
                                "then": {"fit": [{"batch": "R0"}, {"batch": "S[:]"}], "emit": 1}}))
    result = prove(path)
    assert result.status == "proved" and result.proof.valid_from == 31
    exact = risk_ratios(load_workflow(path, 100))
    assert result.ratios(100) == exact
    cf = closed_form(path)
    assert all(cf(n) == sp.Rational(exact[n - 1].numerator, exact[n - 1].denominator) for n in (31, 64, 100))
    # A sequence that satisfies no linear recurrence with polynomial coefficients.
    assert closed_form_from_terms([Fraction(1, 2 ** (n * n)) for n in range(1, 41)]) is None


def test_an_unsolvable_recurrence_gives_none():
    # sum_{j<=n} j! satisfies R(k+2) = (k+3) R(k+1) - (k+2) R(k), which has no hypergeometric closed form.
    terms = [Fraction(sum(math.factorial(j) for j in range(1, n + 1))) for n in range(1, 41)]
    assert find_recurrence(terms) is not None
    assert closed_form_from_terms(terms) is None


def test_a_hypergeometric_sequence_through_rsolve():
    terms = [Fraction(math.comb(2 * n, n), n + 1) for n in range(1, 41)]   # Catalan numbers
    cf = closed_form_from_terms(terms, "catalan")
    assert cf is not None and "rsolve" in cf.method and cf.status == "conjectured" and cf.bound is None
    assert all(sp.simplify(cf.expr.subs(k, n)) == terms[n - 1] for n in (1, 5, 40))


@given(st.lists(st.fractions(min_value=-3, max_value=3, max_denominator=7), min_size=2, max_size=7))
def test_schur_cohn_agrees_with_numpy_roots(coeffs):
    if coeffs[-1] == 0:
        coeffs[-1] = Fraction(1)
    roots = np.roots([float(c) for c in reversed(coeffs)])
    radius = max(abs(roots)) if len(roots) else 0.0
    if abs(radius - 1) > 1e-6:  # away from the circle, floating point decides reliably
        assert inside_unit_disk(coeffs) == (radius < 1)


@given(st.lists(st.fractions(min_value=-5, max_value=5, max_denominator=9), min_size=1, max_size=3),
       st.fractions(min_value=-2, max_value=2, max_denominator=5).filter(lambda x: x != 0),
       st.fractions(min_value=-3, max_value=3, max_denominator=4))
@example(roots_seed=[Fraction(0)], ratio=Fraction(1), offset=Fraction(-1))  # the all-zero sequence
def test_recurrences_of_generated_sequences_are_found(roots_seed, ratio, offset):
    # x_n = offset + ratio^n + sum_i c_i n^i: C-finite, so a recurrence must be found and proved.
    def term(n):
        return offset + ratio**n + sum(c * n**i for i, c in enumerate(roots_seed))

    terms = [term(n) for n in range(1, 41)]
    cf = closed_form_from_terms(terms)
    assert cf is not None
    assert all(cf(n) == sp.Rational(term(n).numerator, term(n).denominator) for n in (1, 41, 60))


def test_pooled_fit_identity_gives_the_augment_sequence():
    result = pooled_fit_identity()
    assert result.proved and result.residual == 0
    H, eps = sp.Function("H"), sp.Function("epsilon")
    assert result.update == sp.Eq(H(k), H(k - 1) + eps(k - 1) / k)
    # The structural route and the sequence route meet.
    assert sp.simplify(result.variance - closed_form("augment").expr) == 0
