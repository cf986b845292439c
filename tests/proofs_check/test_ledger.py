"""The ledger: what it covers, and that its derivations agree with independent routes."""

import re

import mpmath
import pytest
import sympy as sp

from numerics.precision import limit_estimate
from proofs_check.claims import KINDS, Claim, Source
from proofs_check.ledger import LEDGER, MODULES, builtin_claims
from proofs_check.ledger._common import vanishes
from theory.closed_form import closed_form, k


def test_every_registered_claim_is_complete():
    assert len(LEDGER) >= 14
    for claim in LEDGER:
        assert isinstance(claim, Claim)
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9.]+)*", claim.id), claim.id
        assert claim.statement.strip().endswith("."), claim.id
        assert claim.latex.strip() and "$" not in claim.latex, claim.id
        assert isinstance(claim.source, Source) and 2024 <= claim.source.year <= 2025, claim.id
        assert claim.source.reference, claim.id
        assert len(claim.kinds) >= 2, claim.id


def test_the_builtin_claims_carry_all_three_kinds_of_evidence():
    assert all(claim.kinds == KINDS for claim in builtin_claims())


def test_the_ledger_covers_the_literature():
    cited = {claim.source.authors for claim in LEDGER}
    assert cited >= {"Dey & Donoho", "Gerstgrasser et al.", "Shumailov et al.", "Kazdan et al.", "Bertrand et al.",
                     "He, Xu & Cheng", "Suresh et al.", "Dohmatob, Feng, Yang, Charton & Kempe",
                     "Ferbach, Bertrand, Bose & Gidel", "Seddik, Chen, Hayou, Youssef & Debbah",
                     "Dohmatob, Feng & Kempe", "Garg, Bhattacharya & Sur", "Dohmatob, Feng, Subramonian & Kempe"}
    assert {"discard-linear-growth", "augment-pi2over6-bound", "universality-models-estimators",
            "universality-dimension-loss", "gaussian-process-limit", "ols-fixed-design", "gaussian-discard-collapse",
            "mvn-replace-covariance", "subsample-plateau", "kde-replace-variance", "mix-stable",
            "weighted-golden-share", "discard-absorption", "discard-loses-the-tail", "memorizer-scaling-law",
            "curation-maximises-reward", "synthetic-categorical-collapse", "regression-chain-linear",
            "min-norm-golden-share", "biased-generator-floor"} <= set(LEDGER.ids)


def test_each_module_builds_fresh_claims():
    for module in MODULES:
        first, second = module.claims(), module.claims()
        assert [c.id for c in first] == [c.id for c in second]
        assert all(a is not b for a, b in zip(first, second, strict=True))


# ------------------------------------------------------------------ derivations against independent routes
def test_mix_limit_matches_the_closed_form_found_from_exact_terms():
    from proofs_check.ledger.bertrand import derive_mix

    d = derive_mix()
    for L in ("1/2", "2", "5"):
        derived = d["limit"].subs(d["L"], sp.Rational(L))
        assert sp.simplify(derived - closed_form(f"mix:{L}").limit) == 0


def test_golden_share_matches_a_brute_force_search_over_exact_ratios():
    from proofs_check.ledger.he_xu_cheng import derive_weighted
    from theory import preset, risk_ratios_float

    w_star = float(derive_weighted()["optimum_M1"])
    # R_80 of weighted:W is within 1e-15 of its limit for W >= 0.5; the best W on a 0.001 grid brackets W*.
    grid = [i / 1000 for i in range(590, 650)]
    values = {w: risk_ratios_float(preset(f"weighted:{w}", 80))[-1] for w in grid}
    best = min(values, key=values.get)
    assert abs(best - w_star) <= 0.001


def test_subsample_plateau_matches_the_rigorous_tail_estimate():
    from proofs_check.ledger.kazdan import derive_subsample

    estimate = limit_estimate("subsample", 40, route="tail")
    with mpmath.workdps(50):
        derived = mpmath.mpf(str(sp.N(derive_subsample()["limit"], 50)))
        assert abs(derived - estimate.value) <= estimate.error_bound + mpmath.mpf(10) ** -38


def test_subsample_closed_form_agrees_with_the_recurrence_route():
    from proofs_check.ledger.kazdan import derive_subsample

    d = derive_subsample()
    assert sp.simplify(d["ratio"].subs(d["k"], k) - closed_form("subsample").expr) == 0


def test_vanishes_proves_geometric_identities_and_refuses_false_ones():
    w = sp.Symbol("w", positive=True)
    assert vanishes(((w - 1) / w) ** k - (w - 1) ** k * w ** (-k), k)
    assert not vanishes((w - 1) ** (2 * k) - (w - 1) ** (2 * k - 1), k)
    with pytest.raises(ArithmeticError, match="not linear"):
        vanishes(w ** (k**2) - 1, k)


def test_derived_finite_n_values_agree_with_the_toolkit_predictions():
    from proofs_check.ledger.shumailov import derive_gaussian_discard
    from proofs_check.ledger.suresh import absorbed_poisson
    from theory import preset
    from theory.predictions import predict

    n, G = 8, 6
    wf = preset("discard", G).at_sample_size(n)
    d = derive_gaussian_discard()
    c = d["c"].subs(d["nu"], n - 1)
    p = predict("gaussian", {"estimator": "unbiased"}, wf, n)
    for j in range(1, G + 1):
        w2 = d["w2sq"].subs({d["c_symbol"]: c, d["n"]: n, d["k"]: j})
        assert float(w2) == pytest.approx(p.metrics["w2sq"][j - 1], rel=1e-12)
    absorbed = predict("poisson", {"lam": 1}, wf, n).metrics["absorbed"]
    assert [float(x) for x in absorbed_poisson(1, n, G)] == pytest.approx(absorbed, rel=1e-12)


def test_the_categorical_derivations_agree_with_the_moment_recursion():
    from proofs_check.ledger.seddik import derive_seddik
    from theory import preset
    from theory.category_moments import category_moments
    from theory.points import fit_points

    d = derive_seddik()
    n, G = 6, 5
    mom = category_moments(fit_points(preset("discard", G).at_sample_size(n), n), K=3)
    s = sp.Rational(1, 3)          # any sum of squares: the moments are linear in it
    from fractions import Fraction

    assert [sp.Rational(x.numerator, x.denominator) for x in mom.sum_of_squares(Fraction(1, 3))] == [
        sp.simplify(d["S"].subs({d["n"]: n, d["s"]: s, d["k"]: j})) for j in range(1, G + 1)]
