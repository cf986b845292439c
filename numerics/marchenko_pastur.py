"""Marchenko–Pastur integrals to any precision, by two independent routes, each with its error.

Deterministic equivalents of ridge risks are integrals ``int f(x) dMP_gamma(x)`` of
rational functions of x with poles at x = -lam only (:mod:`theory.highdim`).

``"closed-form"``
    The exact value from :mod:`theory.random_matrix`: the resolvent moments
    ``int (x + lam)^-j dMP`` are the Taylor coefficients of the Stieltjes transform at
    -lam, quadratic surds a + b sqrt(D) combined in exact arithmetic; the only error is
    the final rounding, bounded rigorously.
``"quadrature"``
    Tanh-sinh quadrature (mpmath) of the density after x = a + (b - a) sin^2 t, which
    takes the square-root edges away and leaves a smooth integrand on [0, pi/2], plus
    the atom (1 - 1/gamma) at 0 when gamma > 1. Its error is mpmath's estimate (the
    change between the last two levels), not a bound.

Both return :class:`numerics.precision.Estimate`; precision changes only inside
``mp.workdps``.
"""

from __future__ import annotations

from fractions import Fraction

import flint
import mpmath
from mpmath import mp

from theory.highdim import MarchenkoPastur
from theory.rationals import to_rational

from .precision import GUARD, Estimate, _check_dps, _estimate

__all__ = ["mp_integral", "resolvent_moment", "spectral_expectation", "ROUTES"]

ROUTES = ("closed-form", "quadrature")


def _mpq(q):
    q = Fraction(q)
    return mpmath.mpf(q.numerator) / q.denominator


def mp_integral(f, gamma, dps=50) -> Estimate:
    """int f dMP_gamma by quadrature of the density (and the atom at 0 when gamma > 1), with mpmath's error.

    Parameters
    ----------
    f : callable
        An mpmath function of x >= 0, smooth on the support; it is called at the working
        precision (dps + 10 digits), so it should convert its constants inside.
    gamma : rational > 0
        The ratio d/m.
    dps : int
        Significant digits wanted.

    Returns
    -------
    Estimate
        ``rigorous`` is False: the error is mpmath's estimate.

    Examples
    --------
    >>> e = mp_integral(lambda x: x**2, Fraction(1, 4), 30)      # the second moment, 1 + gamma
    >>> e.decimal, e.error_bound < 1e-30
    ('1.25000000000000000000000000000', True)
    """
    _check_dps(dps)
    gamma = to_rational(gamma, "gamma")
    if gamma <= 0:
        raise ValueError(f"gamma = d/m must be positive, got {gamma}")
    with mp.workdps(dps + GUARD):
        g = _mpq(gamma)
        a, b = (1 - mpmath.sqrt(g)) ** 2, (1 + mpmath.sqrt(g)) ** 2

        def integrand(t):
            s2, c2 = mpmath.sin(t) ** 2, mpmath.cos(t) ** 2
            x = a + (b - a) * s2
            return (b - a) ** 2 * s2 * c2 / (mpmath.pi * g * x) * f(x)

        value, error = mpmath.quad(integrand, [0, mpmath.pi / 4, mpmath.pi / 2], error=True)
        if gamma > 1:
            value += (1 - 1 / g) * f(mpmath.mpf(0))
        bound = abs(error) + abs(value) * mpmath.mpf(10) ** (-(dps + GUARD - 2))
        method = "tanh-sinh quadrature of the density (x = a + (b - a) sin^2 t); mpmath's error estimate"
        return _estimate(value, bound, False, method, dps)


def _exact(value, dps, method):
    """An exact surd or rational as an Estimate: the only error is the rounding of the last step."""
    with mp.workdps(dps + GUARD):
        v = value.evaluate(dps + GUARD) if hasattr(value, "evaluate") else _mpq(value)
        bound = abs(v) * mpmath.mpf(10) ** (-(dps + GUARD - 3))
        return _estimate(v, bound, True, method, dps)


def _check_route(route):
    if route not in ROUTES:
        raise ValueError(f"route must be one of {', '.join(ROUTES)}, got {route!r}")


def resolvent_moment(gamma, lam, j, dps=50, route="closed-form") -> Estimate:
    """int (x + lam)^-j dMP_gamma, j >= 1, by the closed form or by quadrature.

    Parameters
    ----------
    gamma : Fraction
        The aspect ratio d/n of the Marchenko-Pastur law.
    lam : Fraction
        The ridge penalty, positive.
    j : int
        The power of the resolvent, at least 1.
    dps : int
        Decimal digits of the value.
    route : {"closed-form", "quadrature"}
        The closed form from the Stieltjes transform (rigorous bound) or mpmath quadrature.

    Returns
    -------
    Estimate
        The value with its error bound and whether the bound is rigorous.

    Examples
    --------
    >>> a = resolvent_moment(Fraction(1, 2), Fraction(1, 3), 2, 50)
    >>> b = resolvent_moment(Fraction(1, 2), Fraction(1, 3), 2, 50, route="quadrature")
    >>> abs(a.value - b.value) <= a.error_bound + b.error_bound, a.rigorous, b.rigorous
    (True, True, False)
    """
    _check_dps(dps)
    _check_route(route)
    if isinstance(j, bool) or not isinstance(j, int) or j < 1:
        raise ValueError(f"j must be a positive integer, got {j!r}")
    if route == "quadrature":
        lam = to_rational(lam, "lam")
        return mp_integral(lambda x: (x + _mpq(lam)) ** -j, gamma, dps)
    # (x + lam)^-j = y^j with y = 1/(x + lam); in rho = 1 - lam y that is ((1 - rho)/lam)^j
    lam_q = to_rational(lam, "lam")
    y = flint.fmpq_poly([1, -1]) * flint.fmpq(lam_q.denominator, lam_q.numerator)
    value = MarchenkoPastur(gamma, lam).expect(y**j)
    return _exact(value, dps, "closed form: Taylor coefficient of the Stieltjes transform at -lam (exact surd)")


def spectral_expectation(poly, gamma, lam, dps=50, route="closed-form", noise=False) -> Estimate:
    """int p(rho(x)) dMP_gamma (or int p(rho(x)) x/(x + lam)^2 dMP_gamma with ``noise``), rho = x/(x + lam).

    ``poly`` is a polynomial in rho with rational coefficients (FLINT ``fmpq_poly``, as
    :func:`theory.highdim.feedback_polynomials` returns them).

    Examples
    --------
    >>> from theory.highdim import RHO
    >>> c = spectral_expectation(RHO * RHO, Fraction(2), Fraction(1, 2), 40)
    >>> q = spectral_expectation(RHO * RHO, Fraction(2), Fraction(1, 2), 40, route="quadrature")
    >>> abs(c.value - q.value) < 1e-35
    True
    """
    _check_dps(dps)
    _check_route(route)
    if route == "closed-form":
        spectrum = MarchenkoPastur(gamma, lam)
        value = spectrum.expect_noise(poly) if noise else spectrum.expect(poly)
        return _exact(value, dps, "closed form: resolvent moments of the Stieltjes transform (exact surds)")
    coefficients = [Fraction(int(c.p), int(c.q)) for c in poly.coeffs()][::-1]
    lam = to_rational(lam, "lam")

    def f(x):   # called at the working precision: constants are converted there
        shift = _mpq(lam)
        rho = x / (x + shift)
        value = mpmath.polyval([_mpq(c) for c in coefficients], rho) if coefficients else mpmath.mpf(0)
        return value * x / (x + shift) ** 2 if noise else value

    return mp_integral(f, gamma, dps)

