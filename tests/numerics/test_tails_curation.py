"""High-precision tails and curation, and the exact split multinomial sampler.

The memoriser's error for an infinite Zipf vocabulary against a second, independent
evaluation (a direct sum and the binomial expansion of the tail in Hurwitz zeta
values); its scaling constant and 1/T correction as derived; the curated fixed point
against the SymPy closed form at 50 digits; the split sampler's moments against the
multinomial's (fixed seeds, K_SE standard errors).
"""

import math
from fractions import Fraction

import mpmath
import numpy as np
import pytest
import sympy as sp

from numerics.curation import curated_path, fixed_point
from numerics.models.categorical import multinomial_counts
from numerics.tails import clean_error, memorizer_constant, tail_cut_error, tail_floor
from theory.curation import derive_fixed_point, derive_iterated_tilt
from theory.tails import derive_memorizer_correction

K_SE = 4.5


def _clean_error_by_expansion(beta, T, M, dps):
    """The first M terms directly; beyond, sum_j C(T, j) (-1)^j zeta(b (j + 1), M + 1) / Z^(j + 1)."""
    with mpmath.workdps(dps):
        b = mpmath.mpf(beta)
        z = mpmath.zeta(b)
        head = mpmath.fsum((mpmath.mpf(i) ** -b / z) * (1 - mpmath.mpf(i) ** -b / z) ** T for i in range(1, M + 1))
        terms, j = [], 0
        while True:
            term = mpmath.binomial(T, j) * (-1) ** j * mpmath.zeta(b * (j + 1), M + 1) / z ** (j + 1)
            terms.append(term)
            if abs(term) < mpmath.mpf(10) ** -(dps + 5) or j >= T:
                break
            j += 1
        return head + mpmath.fsum(terms)


@pytest.mark.parametrize("beta,T", [(2, 1000), ("1.5", 500)])
def test_clean_error_by_two_routes(beta, T):
    with mpmath.workdps(30):
        a = clean_error(beta, T, dps=30)
        b = _clean_error_by_expansion(beta, T, 4000, 30)
        assert abs(a - b) < mpmath.mpf(10) ** -25 * a


def test_scaling_law_and_its_derived_correction():
    c1 = derive_memorizer_correction()
    for beta in (2, "1.5"):
        with mpmath.workdps(25):
            C = memorizer_constant(beta, dps=25)
            coef = mpmath.mpf(str(c1["c1"].subs(c1["beta"], sp.Rational(str(beta))).evalf(25)))
            for T in (10**4, 10**6):
                b = mpmath.mpf(beta)
                ratio = clean_error(beta, T, dps=25) * mpmath.mpf(T) ** (1 - 1 / b) / C
                # the next term is O(T^-2): 10/T^2 covers it with room
                assert abs(ratio - 1 - coef / T) < 10 / mpmath.mpf(T) ** 2, (beta, T, ratio)


def test_tail_cut_floor_and_its_approach():
    with mpmath.workdps(30):
        floor = tail_floor(2, 100, dps=30)
        assert abs(floor - (mpmath.zeta(2) - mpmath.fsum(mpmath.mpf(i) ** -2 for i in range(1, 101)))
                   / mpmath.zeta(2)) < mpmath.mpf(10) ** -28
        errors = [tail_cut_error(2, 100, T, dps=30) for T in (10**3, 10**4, 10**6)]
        assert errors[0] > errors[1] > floor and errors[2] - floor < mpmath.mpf(10) ** -20


def test_the_fixed_point_equals_the_closed_form():
    d = derive_fixed_point()
    for lam, P, c in [("0.5", "0.5", 1), ("0.2", "0.1", 2), ("0.9", "0.3", "0.5")]:
        p = [Fraction(P), 1 - Fraction(P)]
        fp = fixed_point(p, [c, 0], None, lam, dps=50)
        root = d["root"].subs({d["a"]: sp.exp(sp.Rational(str(c))), d["lam"]: sp.Rational(lam),
                               d["P"]: sp.Rational(P)})
        with mpmath.workdps(60):
            assert abs(fp.masses[1] - mpmath.mpf(str(sp.N(root, 60)))) < mpmath.mpf(10) ** -50
        assert fp.slope < 1 and abs(mpmath.fsum(fp.probabilities) - 1) < mpmath.mpf(10) ** -50


def test_finite_candidates_fixed_point_is_a_fixed_point():
    p = [Fraction(x) for x in ("0.4", "0.3", "0.2", "0.1")]
    r = [2, 0, 1, 0]
    fp = fixed_point(p, r, 3, "0.25", dps=50)
    with mpmath.workdps(60):
        q = fp.probabilities
        # one more step of the exact map from q* returns q*: lam p + (1 - lam) curate(q*)
        from theory.curation import level_factors

        levels = sorted(set(r))
        masses = [mpmath.fsum(q[i] for i in range(4) if r[i] == v) for v in levels]
        g = level_factors(masses, [mpmath.exp(mpmath.mpf(v) - 2) for v in levels], 3)
        image = [mpmath.mpf("0.25") * mpmath.mpf(p[i].numerator) / p[i].denominator
                 + mpmath.mpf("0.75") * q[i] * g[levels.index(r[i])] for i in range(4)]
        assert max(abs(a - b) for a, b in zip(image, q, strict=True)) < mpmath.mpf(10) ** -48


def test_curated_path_without_real_data_follows_the_derived_closed_form():
    t = derive_iterated_tilt()
    p = [Fraction(3, 10)] + [Fraction(7, 90)] * 9
    rewards, entropies = curated_path(p, [1] + [0] * 9, None, 8, dps=30)
    closed = [t["closed"].subs({t["P"]: sp.Rational(3, 10), t["a"]: sp.E, t["t"]: k}) for k in range(8)]
    with mpmath.workdps(30):
        assert all(abs(r - mpmath.mpf(str(sp.N(c, 30)))) < 1e-25 for r, c in zip(rewards, closed, strict=True))
    assert all(b < a for a, b in zip(entropies, entropies[1:], strict=False))
    finite, _ = curated_path(p, [1] + [0] * 9, 4, 8, dps=30)
    assert all(b > a for a, b in zip(finite, finite[1:], strict=False)) and finite[-1] < rewards[-1]


def test_the_split_sampler_has_the_multinomial_law():
    rng = np.random.default_rng(3)
    probs = np.concatenate([[0.3, 0.2], np.full(4000, 0.5 / 4000)])   # 4000 rare categories at m = 300
    m, reps = 300, 2000
    draws = np.array([multinomial_counts(rng, m, probs) for _ in range(reps)])
    assert np.all(draws.sum(axis=1) == m)
    rare_total = draws[:, 2:].sum(axis=1)
    for x, mean, var in [(draws[:, 0], m * 0.3, m * 0.3 * 0.7), (rare_total, m * 0.5, m * 0.25),
                         (draws[:, 2:100].sum(axis=1), m * 98 * 0.5 / 4000, None)]:
        se = x.std(ddof=1) / math.sqrt(reps)
        assert abs(x.mean() - mean) <= K_SE * se
        if var is not None:   # the variance estimate's standard error, about var sqrt(2 / reps)
            assert abs(x.var(ddof=1) - var) <= K_SE * var * math.sqrt(2 / reps)
    cov = np.cov(draws[:, 0], rare_total)[0, 1]
    assert abs(cov + m * 0.3 * 0.5) <= K_SE * m * 0.3 * 0.5 * math.sqrt(3 / reps)
