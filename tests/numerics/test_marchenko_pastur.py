"""Marchenko–Pastur integrals: the closed form and quadrature agree to 50 digits within their errors."""

from fractions import Fraction

import mpmath
import pytest

from numerics.marchenko_pastur import mp_integral, resolvent_moment, spectral_expectation
from theory.highdim import RHO, feedback_polynomials
from theory.presets import preset


@pytest.mark.parametrize("gamma, lam", [(Fraction(1, 5), Fraction(1, 2)), (Fraction(1), Fraction(1, 10)),
                                        (Fraction(5, 2), Fraction(2))])
def test_routes_agree_on_resolvent_moments(gamma, lam):
    for j in (1, 3):
        exact = resolvent_moment(gamma, lam, j, 50)
        quad = resolvent_moment(gamma, lam, j, 50, route="quadrature")
        assert exact.rigorous and not quad.rigorous
        with mpmath.workdps(60):
            assert abs(exact.value - quad.value) <= exact.error_bound + quad.error_bound + mpmath.mpf(10) ** -48


def test_routes_agree_on_a_risk_polynomial_with_the_atom():
    # the augment variance polynomial Q_3(rho) of the feedback process, over MP with an atom at 0
    Q = feedback_polynomials(preset("augment", 3)).variance[-1]
    for noise in (False, True):
        a = spectral_expectation(Q, Fraction(3), Fraction(1, 4), 50, noise=noise)
        b = spectral_expectation(Q, Fraction(3), Fraction(1, 4), 50, route="quadrature", noise=noise)
        with mpmath.workdps(60):
            assert abs(a.value - b.value) < mpmath.mpf(10) ** -45


def test_moments_and_bad_input():
    # int x^k dMP: 1, 1 + gamma, 1 + 3 gamma + gamma^2 (Narayana polynomials)
    g = Fraction(2, 3)
    for k, target in ((1, 1), (2, 1 + g), (3, 1 + 3 * g + g * g)):
        e = mp_integral(lambda x, k=k: x**k, g, 40)
        with mpmath.workdps(50):
            assert abs(e.value - mpmath.mpf(target.numerator) / target.denominator) < mpmath.mpf(10) ** -38
    with pytest.raises(ValueError, match="route must be one of closed-form, quadrature, got 'guess'"):
        spectral_expectation(RHO, 1, 1, route="guess")
    with pytest.raises(ValueError, match="gamma = d/m must be positive, got 0"):
        mp_integral(lambda x: x, 0)
