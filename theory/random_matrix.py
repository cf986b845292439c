"""Gaussian designs: Wishart facts at finite size and the Marchenko–Pastur law of the proportional limit.

Finite size, exact (X an m x d matrix of independent N(0, 1) entries):

- :func:`pseudo_inverse_trace`: E tr (X^T X)^+ — d/(m - d - 1) when m >= d + 2 (the
  inverse Wishart, through the chi-square moment of the Schur complement) and
  m/(d - m - 1) when m <= d - 2 (the nonzero eigenvalues of X^T X are those of the
  m x m Wishart X X^T with d degrees of freedom); infinite in between.
- :func:`projection_trace`: the projection P onto the row space of X has rank
  min(m, d) and an orthogonally invariant law, so E P = (min(m, d)/d) I and
  E ||P^perp w||^2 = (1 - min(m, d)/d) ||w||^2 for any fixed w.

Proportional limit (d/m -> gamma): the spectrum of S = X^T X/m tends to the
Marchenko–Pastur law MP_gamma, whose Stieltjes transform m(z) = int dMP(x)/(x - z)
solves the self-consistent equation ``gamma z m^2 + (z - 1 + gamma) m + 1 = 0``
(Marchenko & Pastur 1967; Bai & Silverstein 2010, Sec. 3.3).

- :func:`mp_stieltjes` solves it with SymPy and picks the branch with m(z) ~ -1/z
  at infinity; :func:`mp_density` and :func:`mp_atom` recover the law from it
  (Stieltjes inversion and the residue at 0).
- :func:`mp_resolvent_moments` gives the resolvent moments
  int (x + lam)^-j dMP_gamma exactly: they are the Taylor coefficients of m at
  z = -lam, which the quadratic determines one by one, all in the field
  Q(sqrt Delta) of m(-lam) itself (:class:`QuadraticSurd`).

Every integral of a rational function of x with poles only at x = -lam reduces to
these moments, so deterministic equivalents of ridge risks are exact algebraic
numbers, evaluated at any precision by :meth:`QuadraticSurd.evaluate`.
"""

from __future__ import annotations

import math
import numbers
from fractions import Fraction
from functools import cache

import mpmath
import sympy as sp

from .rationals import as_sympy, to_rational

__all__ = ["pseudo_inverse_trace", "projection_trace", "QuadraticSurd", "mp_self_consistent_equation",
           "mp_stieltjes", "mp_density", "mp_atom", "mp_edges", "mp_resolvent_moments"]


# ------------------------------------------------------------------------------------------- finite size
def pseudo_inverse_trace(m, d):
    """E tr (X^T X)^+ for an m x d matrix X of independent N(0, 1) entries, exactly.

    Parameters
    ----------
    m, d : int
        Rows and columns, both >= 1.

    Returns
    -------
    Fraction

    Raises
    ------
    ValueError
        When the expectation is infinite: d - 1 <= m <= d + 1 (the smallest nonzero
        eigenvalue of X^T X then has too much mass near 0).

    Examples
    --------
    >>> pseudo_inverse_trace(10, 3), pseudo_inverse_trace(3, 10)   # d/(m-d-1), m/(d-m-1)
    (Fraction(1, 2), Fraction(1, 2))
    >>> pseudo_inverse_trace(5, 5)
    Traceback (most recent call last):
    ...
    ValueError: E tr (X^T X)^+ is infinite for a Gaussian design with m = 5 rows and d = 5 columns \
(finite only for m <= d - 2 or m >= d + 2)
    """
    for name, value in (("m", m), ("d", d)):
        if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}")
    m, d = int(m), int(d)
    if m >= d + 2:
        rows, cols = m, d
    elif m <= d - 2:
        rows, cols = d, m   # X X^T: an m x m Wishart with d degrees of freedom
    else:
        raise ValueError(f"E tr (X^T X)^+ is infinite for a Gaussian design with m = {m} rows and d = {d} columns "
                         "(finite only for m <= d - 2 or m >= d + 2)")
    formula, (M, D) = _inverse_wishart_formula()
    value = sp.Rational(formula.subs({M: rows, D: cols}))
    return Fraction(int(value.p), int(value.q))


@cache
def _inverse_wishart_formula():
    """E tr (X^T X)^{-1} in the symbols m, d (theory.moments.inverse_wishart_trace, derived once)."""
    from .moments import inverse_wishart_trace

    m, d = sp.symbols("m d", positive=True)
    return inverse_wishart_trace(m, d), (m, d)


def projection_trace(m, d):
    """tr E P / d = min(m, d)/d for P the projection onto the row space of an m x d Gaussian X.

    By orthogonal invariance E P = c I; its trace is the rank min(m, d) (almost
    surely), so c = min(m, d)/d; hence E ||P w||^2 = c ||w||^2 and E ||P^perp w||^2 =
    (1 - c) ||w||^2 for fixed w.

    Examples
    --------
    >>> projection_trace(30, 60), projection_trace(80, 60)
    (Fraction(1, 2), Fraction(1, 1))
    """
    return Fraction(min(int(m), int(d)), int(d))


# ------------------------------------------------------------------------------------------- surds
class QuadraticSurd:
    """An exact number a + b sqrt(D) with rational a, b and D > 0 (one field Q(sqrt D) at a time).

    Supports +, -, *, / with rationals and with surds of the same radicand.

    Examples
    --------
    >>> x = QuadraticSurd(1, 1, 2)            # 1 + sqrt 2
    >>> x * x, 1 / x
    (QuadraticSurd(3, 2, 2), QuadraticSurd(-1, 1, 2))
    >>> mpmath.nstr(x.evaluate(30), 30)
    '2.41421356237309504880168872421'
    >>> QuadraticSurd(0, 3, Fraction(4, 9))   # a perfect square folds into a
    QuadraticSurd(2, 0, 1)
    """

    __slots__ = ("a", "b", "D")

    def __init__(self, a, b=0, D=1):
        a, b, D = Fraction(a), Fraction(b), Fraction(D)
        if D <= 0:
            raise ValueError(f"the radicand must be positive, got {D}")
        root = _rational_sqrt(D)
        if root is not None:
            a, b, D = a + b * root, Fraction(0), Fraction(1)
        if b == 0:
            D = Fraction(1)
        else:   # an integer radicand without small square factors: sqrt(p/q) = sqrt(p q)/q
            b, D = b / D.denominator, D.numerator * D.denominator
            for f in range(2, 200):
                while D % (f * f) == 0:
                    D //= f * f
                    b *= f
            D = Fraction(D)
        self.a, self.b, self.D = a, b, D

    def __repr__(self):
        return f"QuadraticSurd({_spell(self.a)}, {_spell(self.b)}, {_spell(self.D)})"

    def _coerce(self, other):
        if isinstance(other, QuadraticSurd):
            if other.b and self.b and other.D != self.D:
                raise ValueError(f"surds of different fields: sqrt({self.D}) and sqrt({other.D})")
            return other
        if isinstance(other, int | Fraction):
            return QuadraticSurd(other, 0, self.D)
        return NotImplemented

    def _radicand(self, other):
        return self.D if self.b else other.D

    def __add__(self, other):
        other = self._coerce(other)
        if other is NotImplemented:
            return other
        return QuadraticSurd(self.a + other.a, self.b + other.b, self._radicand(other))

    __radd__ = __add__

    def __neg__(self):
        return QuadraticSurd(-self.a, -self.b, self.D)

    def __sub__(self, other):
        other = self._coerce(other)
        if other is NotImplemented:
            return other
        return self + (-other)

    def __rsub__(self, other):
        return (-self) + other

    def __mul__(self, other):
        other = self._coerce(other)
        if other is NotImplemented:
            return other
        D = self._radicand(other)
        return QuadraticSurd(self.a * other.a + self.b * other.b * D, self.a * other.b + self.b * other.a, D)

    __rmul__ = __mul__

    def conjugate(self):
        """a - b sqrt(D)."""
        return QuadraticSurd(self.a, -self.b, self.D)

    def norm(self):
        """(a + b sqrt D)(a - b sqrt D) = a^2 - b^2 D, a rational."""
        return self.a * self.a - self.b * self.b * self.D

    def __truediv__(self, other):
        other = self._coerce(other)
        if other is NotImplemented:
            return other
        norm = other.norm()
        if norm == 0:
            raise ZeroDivisionError("division by a zero surd")
        num = self * other.conjugate()
        return QuadraticSurd(num.a / norm, num.b / norm, num.D)

    def __rtruediv__(self, other):
        return QuadraticSurd(other, 0, self.D) / self

    def __eq__(self, other):
        other = self._coerce(other)
        if other is NotImplemented:
            return False
        return (self.a, self.b) == (other.a, other.b) and (not self.b or self.D == other.D)

    def __hash__(self):
        return hash((self.a, self.b, self.D if self.b else 1))

    def to_sympy(self):
        """The SymPy number a + b sqrt(D)."""
        a, b, D = (sp.Rational(q.numerator, q.denominator) for q in (self.a, self.b, self.D))
        return a + b * sp.sqrt(D)

    def evaluate(self, dps):
        """The value to ``dps`` significant digits (an mpmath number carried at ``dps`` + guard digits).

        a and b can be large with opposite signs; the guard grows with their size
        relative to the value so that the cancellation costs no digits.
        """
        if isinstance(dps, bool) or not isinstance(dps, int) or dps < 1:
            raise ValueError(f"dps must be a positive integer, got {dps!r}")
        guard = 10 + max(_digits(self.a), _digits(self.b * self.b * self.D) // 2 + 1, 0)
        while True:
            with mpmath.workdps(dps + guard):
                value = _mpq(self.a) + _mpq(self.b) * mpmath.sqrt(_mpq(self.D))
                if value == 0 and self.norm() != 0:
                    guard *= 2
                    continue
                lost = max(_digits(self.a), _digits(self.b * self.b * self.D) // 2) - \
                    (int(mpmath.floor(mpmath.log10(abs(value)))) if value else 0)
                if lost + 5 <= guard:
                    with mpmath.workdps(dps + 5):
                        return +value
                guard = lost + 15

    def __float__(self):
        return float(self.evaluate(20))


def _digits(q):
    """Decimal exponent of |q| (0 for q = 0)."""
    q = abs(Fraction(q))
    if q == 0:
        return 0
    return len(str(q.numerator)) - len(str(q.denominator))


def _mpq(q):
    return mpmath.mpf(q.numerator) / q.denominator


def _spell(q):
    return str(q.numerator) if q.denominator == 1 else f"Fraction({q.numerator}, {q.denominator})"


def _rational_sqrt(q):
    """sqrt(q) as a Fraction when q is the square of a rational, else None."""
    p, r = math.isqrt(q.numerator), math.isqrt(q.denominator)
    return Fraction(p, r) if p * p == q.numerator and r * r == q.denominator else None


# ------------------------------------------------------------------------------------------- Marchenko–Pastur
_Z = sp.Symbol("z")
_M = sp.Symbol("m")
_GAMMA = sp.Symbol("gamma", positive=True)
_X = sp.Symbol("x", positive=True)


def mp_self_consistent_equation(gamma=_GAMMA, z=_Z, m=_M):
    """The quadratic gamma z m^2 + (z - 1 + gamma) m + 1 that m(z) of MP_gamma annuls.

    Examples
    --------
    >>> mp_self_consistent_equation()
    gamma*m**2*z + m*(gamma + z - 1) + 1
    """
    return gamma * z * m**2 + (z - 1 + gamma) * m + 1


@cache
def mp_stieltjes():
    """m(z) = int dMP_gamma(x)/(x - z) in closed form on z < 0 (principal square root).

    Of the two roots of :func:`mp_self_consistent_equation`, the one positive for z < 0
    (as an integral of a positive function must be) with z m(z) -> -1 as z -> -oo.
    Returns the SymPy expression in the symbols ``z`` and ``gamma`` (positive).

    Examples
    --------
    >>> m = mp_stieltjes()
    >>> sp.nsimplify(m.subs({sp.Symbol("gamma", positive=True): sp.Rational(1, 4), sp.Symbol("z"): -1}))
    -7/2 + sqrt(65)/2
    """
    roots = sp.solve(mp_self_consistent_equation(_GAMMA, _Z, _M), _M)
    # on z < 0, m(z) = int dMP/(x - z) is positive; with the principal square root one root is, at
    # every gamma (checked on both sides of gamma = 1), and it has z m(z) -> -1 at -infinity
    points = [(g, z) for g in (sp.Rational(1, 3), sp.Integer(3)) for z in (-sp.Rational(1, 100), -1, -100)]
    chosen = [r for r in roots if all(sp.N(r.subs({_GAMMA: g, _Z: z})) > 0 for g, z in points)
              and sp.limit((_Z * r).subs(_GAMMA, sp.Rational(1, 3)), _Z, -sp.oo) == -1]
    if len(chosen) != 1:
        raise ArithmeticError(f"expected one positive root with z m(z) -> -1, got {chosen}")
    return chosen[0]


def mp_edges(gamma):
    """The edges (1 - sqrt gamma)^2 and (1 + sqrt gamma)^2 of the continuous part of MP_gamma.

    Examples
    --------
    >>> mp_edges(sp.Rational(1, 4))
    (1/4, 9/4)
    """
    gamma = as_sympy(gamma)
    return sp.expand((1 - sp.sqrt(gamma)) ** 2), sp.expand((1 + sp.sqrt(gamma)) ** 2)


@cache
def mp_density():
    """The density of the continuous part of MP_gamma on its support, by Stieltjes inversion.

    For x inside the support the discriminant (x - 1 + gamma)^2 - 4 gamma x is negative,
    and (1/pi) Im m(x + i0) is the expression returned (in ``x`` and ``gamma``).

    Examples
    --------
    >>> mp_density()
    sqrt(-gamma**2 + 2*gamma*x + 2*gamma - x**2 + 2*x - 1)/(2*pi*gamma*x)
    """
    m = mp_stieltjes().subs(_Z, _X)
    disc = sp.expand(sp.discriminant(mp_self_consistent_equation(_GAMMA, _X, _M), _M))
    # m = A + B sqrt(disc) with A real; inside the support sqrt(disc) = i sqrt(-disc), so Im m = |B| sqrt(-disc)
    A = -(_X - 1 + _GAMMA) / (2 * _GAMMA * _X)
    B = sp.simplify((m - A) / sp.sqrt(disc))
    if B.has(sp.sqrt(disc)) or B.free_symbols - {_X, _GAMMA}:
        raise ArithmeticError(f"the Stieltjes transform is not A + B sqrt(disc): B = {B}")
    return sp.simplify(sp.Abs(B) * sp.sqrt(-disc) / sp.pi)


@cache
def mp_atom():
    """The mass of MP_gamma at 0 when gamma > 1, -lim_{z -> 0-} z m(z) = (gamma - 1)/gamma (none for gamma <= 1).

    Examples
    --------
    >>> mp_atom()
    (gamma - 1)/gamma
    """
    gamma = sp.Symbol("gamma", positive=True)
    z = sp.Symbol("z", negative=True)
    big = mp_stieltjes().subs({_GAMMA: gamma, _Z: z}).subs(gamma, 1 + sp.Symbol("e", positive=True))
    mass = sp.simplify(-sp.limit(z * big, z, 0, "-"))
    return sp.simplify(mass.subs(sp.Symbol("e", positive=True), gamma - 1))


def mp_resolvent_moments(gamma, lam, J):
    """c_j = int (x + lam)^-(j+1) dMP_gamma(x) for j = 0..J-1, exactly, in Q(sqrt Delta).

    The c_j are the Taylor coefficients of m(z) at z0 = -lam (m^(j)(z0)/j!). Putting
    m = sum c_j h^j and z = z0 + h into the quadratic: c_0 is its positive root
    (int (x + lam)^-1 > 0), and for j >= 1 the coefficient of h^j is linear in c_j with
    factor dF/dm = 2 gamma z0 c_0 + z0 - 1 + gamma, nonzero off the support.

    Parameters
    ----------
    gamma : rational > 0
        d/m, the ratio of dimension to rows.
    lam : rational > 0
        The ridge penalty.
    J : int
        How many moments.

    Returns
    -------
    list of QuadraticSurd

    Examples
    --------
    >>> c = mp_resolvent_moments(Fraction(1, 4), Fraction(1), 2)
    >>> c[0], mpmath.nstr(c[0].evaluate(20), 20)     # int 1/(x + 1) dMP_{1/4} = (sqrt 65 - 7)/2
    (QuadraticSurd(Fraction(-7, 2), Fraction(1, 2), 65), '0.53112887414927482618')
    """
    gamma, lam = to_rational(gamma, "gamma"), to_rational(lam, "lam")
    if gamma <= 0:
        raise ValueError(f"gamma = d/m must be positive, got {gamma}")
    if lam <= 0:
        raise ValueError(f"the resolvent moments need a penalty lam > 0, got {lam}")
    if isinstance(J, bool) or not isinstance(J, int) or J < 1:
        raise ValueError(f"J must be a positive integer, got {J!r}")
    z0 = -lam
    b = z0 - 1 + gamma
    disc = b * b - 4 * gamma * z0
    # roots (-b +- sqrt disc)/(2 gamma z0); with z0 < 0 the product 1/(gamma z0) < 0: take the positive one
    roots = [QuadraticSurd(-b / (2 * gamma * z0), s / (2 * gamma * z0), disc) for s in (1, -1)]
    c0 = next(r for r in roots if r.evaluate(30) > 0)
    c = [c0]
    slope = 2 * gamma * z0 * c0 + b
    for j in range(1, J):
        rest = gamma * z0 * sum((c[i] * c[j - i] for i in range(1, j)), QuadraticSurd(0, 0, disc))
        rest = rest + gamma * sum((c[i] * c[j - 1 - i] for i in range(j)), QuadraticSurd(0, 0, disc)) + c[j - 1]
        c.append(-rest / slope)
    return c
