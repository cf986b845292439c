"""The genealogy of resampled data, against independent routes.

The occupancy law (Stirling numbers) against brute-force enumeration of ball
placements; the float ancestral chain against the exact one; the duality
P(category lost) = E(1 - p)^A and P(category fixed) = E p^A against the exact
Wright-Fisher chain of one category's count; the series evaluation of the category
sums against direct sums; the mean-field genealogy against the exact chain.
"""

import itertools
from fractions import Fraction

import numpy as np
import pytest
import sympy as sp

from theory.absorption import wright_fisher_laws
from theory.ancestry import (
    AncestorLaw,
    Categories,
    absorption_exact,
    ancestor_laws,
    ancestor_laws_exact,
    category_sums_exact,
    derive_ancestor_recursion,
    mean_field_step,
    occupancy_law,
    occupancy_step,
    real_ancestors_mean_field,
)
from theory.predictions import fit_points
from theory.presets import preset


def _enumerated_occupancy(balls, boxes):
    counts = [0] * (balls + 1)
    for placement in itertools.product(range(boxes), repeat=balls):
        counts[len(set(placement))] += 1
    return [Fraction(c, boxes**balls) for c in counts]


@pytest.mark.parametrize("balls,boxes", [(0, 3), (1, 1), (3, 2), (4, 3), (5, 5), (6, 2)])
def test_occupancy_law_counts_every_placement(balls, boxes):
    assert occupancy_law(balls, boxes) == _enumerated_occupancy(balls, boxes)


def test_float_chain_matches_the_exact_chain():
    for start, boxes in [(6, [6, 6, 6, 6]), (30, [30] * 3), (9, [5, 12, 7])]:
        exact = ancestor_laws_exact(start, boxes)
        for e, f in zip(exact, ancestor_laws(start, boxes), strict=True):
            dense = np.zeros(start + 1)
            for a, w in e.items():
                dense[a] = float(w)
            # float64 rounding over a few hundred operations
            assert np.abs(dense[f.offset:f.offset + len(f.pmf)] - f.pmf).max() < 1e-14
            assert sum(e.values()) == 1


@pytest.mark.parametrize("p,n", [(Fraction(1, 5), 6), (Fraction(1, 2), 4), (Fraction(2, 7), 5)])
def test_duality_lost_and_fixed_equal_the_wright_fisher_chain(p, n):
    G = 4
    laws = [{n: Fraction(1)}] + ancestor_laws_exact(n, [n] * (G - 1))
    for law, dist in zip(laws, wright_fisher_laws(p, n, G), strict=True):
        assert absorption_exact(p, law) == (dist[0], dist[n])


def test_category_sums_by_series_equal_direct_sums():
    rng = np.random.default_rng(5)
    p = rng.dirichlet(np.full(3000, 0.05))          # many tiny and a few large probabilities
    cats = Categories(p)
    for law in ancestor_laws(2000, [2000] * 6)[::2] + [AncestorLaw(3, np.array([0.25, 0.5, 0.25]))]:
        a = np.arange(law.offset, law.offset + len(law.pmf))
        direct = (p[:, None] * (1 - p[:, None]) ** a[None, :]) @ law.pmf
        both = cats.expected_powers(law, np.vstack([p, np.ones_like(p)]))
        # the series' remainder is below 1e-20; the rest is rounding of a few thousand terms
        assert both[0] == pytest.approx(direct.sum(), rel=1e-12)
        assert both[1] == pytest.approx(((1 - p[:, None]) ** a[None, :] @ law.pmf).sum(), rel=1e-12)


def test_category_sums_exact_match_the_float_evaluation():
    p = [Fraction(1, 2), Fraction(1, 3), Fraction(1, 6)]
    law = ancestor_laws_exact(4, [4, 4])[-1]
    lost, absent = category_sums_exact(p, law)
    dense = AncestorLaw(min(law), np.array([float(law.get(a, 0)) for a in range(min(law), max(law) + 1)]))
    pf = np.array([float(x) for x in p])
    assert Categories(pf).expected_powers(dense) == pytest.approx(float(lost), rel=1e-14)
    assert Categories(pf).expected_powers(dense, np.ones(3)) == pytest.approx(float(absent), rel=1e-14)


def test_mean_field_is_close_to_the_exact_chain_for_large_n():
    # The mean-field error is second order (Jensen gaps of relative size Var A / A^2 ~ k / n).
    n, G = 3000, 8
    rng = np.random.default_rng(1)
    p = rng.dirichlet(np.full(2000, 0.3))
    cats = Categories(p)
    exact = [cats.expected_powers(law) for law in ancestor_laws(n, [n] * G)]
    a, mf = float(n), []
    for _ in range(G):
        a = mean_field_step(a, n)
        mf.append(cats.expected_powers(a))
    assert np.allclose(mf, exact, rtol=2e-3)
    rows = fit_points(preset("discard", G + 1), n)     # the general genealogy reduces to the same recursion
    assert [real_ancestors_mean_field(rows, k + 2).mean for k in range(G)] == pytest.approx(_iterate(n, G),
                                                                                           rel=1e-12)


def _iterate(n, G):
    a, out = float(n), []
    for _ in range(G):
        a = mean_field_step(a, n)
        out.append(a)
    return out


def test_exact_ancestry_where_the_fit_keeps_its_real_batches():
    rows = fit_points(preset("augment", 4), 10)
    assert [real_ancestors_mean_field(rows, k) for k in range(1, 5)] == [(10.0, True)] * 4
    rows = fit_points(preset("mix:2", 3), 10)
    assert real_ancestors_mean_field(rows, 3) == (10.0, True)
    weighted = fit_points(preset("weighted:0.5", 3), 10)
    anc = real_ancestors_mean_field(weighted, 3)
    assert not anc.exact and 10 < anc.mean < 30
    # draws from a fit are never deterministic, but T draws from one real batch of n follow the occupancy mean
    memo = real_ancestors_mean_field(fit_points(preset("discard", 1), 10), 1, draws=7)
    assert memo.mean == pytest.approx(mean_field_step(7, 10), rel=1e-12) and not memo.exact


def test_occupancy_step_of_a_wide_law_matches_the_exact_mixture():
    law = ancestor_laws_exact(12, [12])[0]
    start = AncestorLaw(min(law), np.array([float(law.get(a, 0)) for a in range(min(law), max(law) + 1)]))
    step = occupancy_step(start, 5)
    exact = ancestor_laws_exact(12, [12, 5])[-1]
    assert {a: pytest.approx(float(w), abs=1e-15) for a, w in exact.items()} == {
        step.offset + i: w for i, w in enumerate(step.pmf)}


def test_the_derived_mean_is_the_occupancy_mean():
    d = derive_ancestor_recursion()
    for a in range(1, 8):
        for b in range(1, 8):
            exact = sum(k * w for k, w in enumerate(occupancy_law(a, b)))
            assert d["mean"].subs({d["a"]: a, d["b"]: b}) == sp.Rational(exact.numerator, exact.denominator)


def test_the_recursion_bounds_have_nonnegative_coefficients():
    d = derive_ancestor_recursion()
    j = d["j"]
    assert all(d["lower_coefficient"].subs(j, k) >= 0 for k in range(0, 30))
    assert all(d["upper_coefficient"].subs(j, k) >= 0 for k in range(1, 30))
    x = d["x"]
    # the coefficient formulas reproduce the power series they stand for
    lower = sum(d["lower_coefficient"].subs(j, k) * x ** (2 * k + 1) for k in range(8))
    assert sp.series(x * sp.cosh(x) - sp.sinh(x), x, 0, 16).removeO() == sp.expand(lower)
    upper = sum(d["upper_coefficient"].subs(j, k) * x ** (2 * k) for k in range(1, 8))
    assert sp.series((x / 3 + 1 / x) * sp.sinh(x) - sp.cosh(x), x, 0, 15).removeO() == sp.expand(upper)
