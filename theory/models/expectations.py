"""Expectations under normal laws, exactly: standard normal moments, Isserlis' theorem, quadrature.

The symbolic faces reduce the expectation of a function of one observation to
moments of standard normal variables: polynomials in ``z``, ``sign(z)`` and
``|z|`` (split at 0, each monomial integrated once and cached), polynomials in
independent standard normals, and polynomials in a Gaussian vector with a
symbolic covariance (Isserlis' theorem). What does not reduce, such as the
logistic Fisher information's one-dimensional integrals, is kept as a SymPy
``Integral`` and evaluated by :func:`quadrature`. That is the one numeric routine
of the symbolic layer, kept here for a reason: the asymptotic predictions of
:mod:`theory.predictions` need the logistic V as a number, and ``theory`` may not
import ``numerics``; it evaluates the SymPy object with mpmath (SymPy's own
arbitrary-precision backend), not with floats.

Examples
--------
>>> std_normal_expect(sp.Abs(Z) ** 3)
2*sqrt(2)/sqrt(pi)
>>> s = sp.Matrix(2, 2, sp.symbols("s11 s12 s12 s22"))
>>> a, b = sp.symbols("a b")
>>> gaussian_vector_expect(a**2 * b**2, [a, b], s)
s11*s22 + 2*s12**2
"""

from __future__ import annotations

from functools import cache

import sympy as sp

from ..rationals import as_sympy

__all__ = ["Z", "STD_NORMAL_DENSITY", "std_normal_moment", "std_normal_expect", "independent_normal_expect",
           "wick", "gaussian_vector_expect", "polynomial_terms", "quadrature"]

Z = sp.Symbol("z", real=True)
"""The standard normal variable of :func:`std_normal_expect`."""
STD_NORMAL_DENSITY = sp.exp(-Z**2 / 2) / sp.sqrt(2 * sp.pi)


@cache
def std_normal_moment(k, half=False):
    """E z^k for z ~ N(0, 1) (or the half-line integral over z > 0), by SymPy integration.

    Parameters
    ----------
    k : int
        The power.
    half : bool
        Integrate over z > 0 only.

    Returns
    -------
    sympy.Expr

    Examples
    --------
    >>> [std_normal_moment(k) for k in range(5)]
    [1, 0, 1, 0, 3]
    >>> std_normal_moment(1, half=True)
    sqrt(2)/(2*sqrt(pi))
    """
    return sp.integrate(Z**k * STD_NORMAL_DENSITY, (Z, 0 if half else -sp.oo, sp.oo))


def polynomial_terms(expr, gens):
    """(exponents, coefficient) of ``expr`` as a polynomial in ``gens``, or None if it is not one.

    Examples
    --------
    >>> x, c = sp.symbols("x c")
    >>> polynomial_terms(c * x**2 + 1, [x]), polynomial_terms(sp.exp(x), [x]) is None
    ([((2,), c), ((0,), 1)], True)
    """
    try:
        return sp.Poly(sp.expand(expr), *gens).terms()
    except sp.PolynomialError:  # also raised, unlike PolificationFailed, when a generator sits inside exp()
        return None


def std_normal_expect(expr, z=Z):
    """E expr(z) for z ~ N(0, 1), expr a polynomial in z, sign(z) and |z|: split at 0, integrate monomials.

    Parameters
    ----------
    expr : sympy.Expr
    z : sympy.Symbol
        The standard normal variable.

    Returns
    -------
    sympy.Expr

    Examples
    --------
    >>> std_normal_expect(sp.sign(Z) * Z)
    sqrt(2)/sqrt(pi)
    """
    total = sp.S.Zero
    for side in (1, -1):
        g = expr.subs({sp.sign(z): side, sp.Abs(z): side * z})
        terms = polynomial_terms(g, [z])
        if terms is None:
            limits = (z, 0, sp.oo) if side == 1 else (z, -sp.oo, 0)
            total += sp.integrate(g * STD_NORMAL_DENSITY.subs(Z, z), limits)
            continue
        for (k,), coeff in terms:
            total += coeff * side**k * std_normal_moment(k, half=True)
    return total


def independent_normal_expect(expr, gens):
    """E expr for independent N(0, 1) variables ``gens``, expr a polynomial in them.

    Parameters
    ----------
    expr : sympy.Expr
    gens : sequence of sympy.Symbol

    Returns
    -------
    sympy.Expr

    Raises
    ------
    ValueError
        If ``expr`` is not a polynomial in ``gens``.

    Examples
    --------
    >>> a, b = sp.symbols("a b")
    >>> independent_normal_expect((a + b) ** 4, [a, b])
    12
    """
    terms = polynomial_terms(expr, gens)
    if terms is None:
        raise ValueError(f"expected a polynomial in {gens}, got {expr}")
    total = sp.S.Zero
    for exps, coeff in terms:
        total += coeff * sp.prod([std_normal_moment(e) for e in exps])
    return total


def wick(indices, cov):
    """E prod z_i for z ~ N(0, cov) over the multiset ``indices``: Isserlis' sum over pairings.

    Parameters
    ----------
    indices : tuple of int
        Positions into ``cov``, repeated as often as the variable appears.
    cov : sympy.Matrix
        The covariance.

    Returns
    -------
    sympy.Expr

    Examples
    --------
    >>> wick((0, 0, 1, 1), sp.Matrix([[1, 2], [2, 1]]))
    9
    """
    if not indices:
        return sp.S.One
    if len(indices) % 2:
        return sp.S.Zero
    first, rest = indices[0], indices[1:]
    return sum((cov[first, rest[j]] * wick(rest[:j] + rest[j + 1:], cov) for j in range(len(rest))),
               sp.S.Zero)


def gaussian_vector_expect(expr, gens, cov, max_degree=12):
    """E expr for (gens) ~ N(0, cov), expr a polynomial in gens (coefficients may be any expressions).

    Isserlis' theorem in operator form: E f(z) = sum_k (L^k f)(0) / k! with
    L = (1/2) sum_ij cov_ij d^2/dz_i dz_j, a finite sum for a polynomial; no expansion
    of the coefficients is needed.

    Parameters
    ----------
    expr : sympy.Expr
    gens : sequence of sympy.Symbol
    cov : sympy.Matrix
    max_degree : int
        The largest degree accepted.

    Returns
    -------
    sympy.Expr

    Raises
    ------
    ValueError
        If ``expr`` is not a polynomial of degree at most ``max_degree`` in ``gens``.
    """
    origin = dict.fromkeys(gens, 0)
    total, term = sp.S.Zero, as_sympy(expr)
    for k in range(max_degree // 2 + 2):
        if term == 0:
            return total
        total += term.subs(origin) / sp.factorial(k)
        term = sum((cov[i, j] * sp.diff(term, gens[i], gens[j]) for i in range(len(gens))
                    for j in range(len(gens))), sp.S.Zero) / 2
    raise ValueError(f"expected a polynomial of degree at most {max_degree} in {gens}, got {expr}")


def quadrature(integral, dps=20):
    """The value of a one-dimensional SymPy ``Integral`` as a float, by mpmath quadrature at ``dps`` digits.

    The integrand is lambdified for mpmath (SymPy's own ``Integral.evalf`` reaches
    the same digits about thirty times slower); the interval is split at 0.

    Parameters
    ----------
    integral : sympy.Integral
        One variable, finite or infinite limits.
    dps : int
        Working precision in decimal digits.

    Returns
    -------
    float

    Examples
    --------
    >>> round(quadrature(sp.Integral(Z**2 * STD_NORMAL_DENSITY, (Z, -sp.oo, sp.oo))), 12)
    1.0
    """
    import mpmath

    (var, lo, hi), = integral.limits
    fn = sp.lambdify(var, integral.function, "mpmath")
    with mpmath.workdps(dps):
        return float(mpmath.quad(fn, [mpmath.mpf(lo) if lo.is_finite else -mpmath.inf, 0,
                                      mpmath.mpf(hi) if hi.is_finite else mpmath.inf]))
