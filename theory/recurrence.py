"""Linear recurrences of risk-ratio sequences: sum_i p_i(k) R(k + i) = q(k).

A :class:`Recurrence` has polynomial coefficients p_0..p_d and right-hand side q
over QQ, and holds for every k >= ``start``. It may be *derived* from a family's
state-space form (:mod:`theory.derivation`; then it holds for every k by that
argument) or *found* from finitely many terms (:mod:`theory.recurrence_search`; then
it is a conjecture). The object itself only states the relation; who made it and
why it holds is recorded by its ``origin``.

:meth:`Recurrence.extend` runs the recurrence forward over exact rationals: with
constant coefficients over integers scaled by a common denominator (no gcd per step),
otherwise over FLINT rationals, so that thousands of terms take seconds.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

import flint
import sympy as sp

__all__ = ["k", "R", "Recurrence", "rational", "poly_expr", "fraction"]

k = sp.Symbol("k", integer=True, positive=True)
"""The generation index of every closed form and recurrence."""

R = sp.Function("R")
"""R(k), the risk ratio of generation k, as it appears in recurrences."""


def rational(x):
    """A SymPy Rational from a Fraction, int or fmpq.

    Examples
    --------
    >>> rational(Fraction(3, 4))
    3/4
    """
    if isinstance(x, flint.fmpq):
        return sp.Rational(int(x.p), int(x.q))
    x = Fraction(x)
    return sp.Rational(x.numerator, x.denominator)


def _trim(p):
    p = list(p)
    while p and p[-1] == 0:
        p.pop()
    return p


def _peval(p, n):
    total = Fraction(0)
    for c in reversed(p):
        total = total * n + c
    return total


def poly_expr(p, symbol=k):
    """The polynomial with coefficients ``p`` (constant term first) as a SymPy expression.

    Examples
    --------
    >>> poly_expr([Fraction(1), Fraction(0), Fraction(1, 2)])
    k**2/2 + 1
    """
    return sum((rational(c) * symbol**i for i, c in enumerate(p) if c), sp.Integer(0))


def _q(x):
    x = Fraction(x)
    return flint.fmpq(x.numerator, x.denominator)


def fraction(q):
    """A FLINT rational as a Fraction without a second gcd (FLINT keeps p/q in lowest terms).

    Fraction(p, q) would divide by gcd(p, q) again, which for the thousands of digits of
    a late ratio costs more than computing it.
    """
    out = object.__new__(Fraction)
    out._numerator, out._denominator = int(q.p), int(q.q)
    return out


def _growth(a):
    """The least q with a_i q^(d-i) an integer for every i: per prime p, ceil(v_p(den a_i) / (d - i)).

    Scaling R_n by q^n keeps a constant-coefficient recurrence in integers; the least
    such q keeps the integers as short as the true denominators allow (the lcm of the
    denominators would make them several times longer).
    """
    d, exponents = len(a), {}
    for i, x in enumerate(a):
        if x.denominator == 1:
            continue
        for p, e in flint.fmpz(x.denominator).factor():
            exponents[int(p)] = max(exponents.get(int(p), 0), -(-int(e) // (d - i)))
    return math.prod(p**e for p, e in exponents.items())


@dataclass(frozen=True, eq=False)
class Recurrence:
    """sum_i p_i(k) R(k+i) = q(k) for every k >= ``start``, with p_i, q polynomials over QQ.

    Attributes
    ----------
    coefficients : tuple of tuple of Fraction
        p_0..p_d, each as coefficients from the constant term up.
    rhs : tuple of Fraction
        q, from the constant term up.
    start : int
        k0, the first k the recurrence holds for.
    origin : str
        How it was obtained, in words (derived from the state-space form, or found
        from terms R_1..R_N and checked on R_1..R_M).

    Examples
    --------
    >>> rec = Recurrence(((Fraction(-1),), (Fraction(1),)), (Fraction(1),), 1)
    >>> rec.equation(), rec.order, rec.constant_coefficients
    (Eq(R(k + 1), R(k) + 1), 1, True)
    >>> [str(t) for t in rec.extend([Fraction(1)], 5)]
    ['1', '2', '3', '4', '5']
    """

    coefficients: tuple
    rhs: tuple
    start: int
    origin: str = ""

    # ----------------------------------------------------------------- reading
    @property
    def order(self):
        return len(self.coefficients) - 1

    @property
    def constant_coefficients(self):
        return all(len(_trim(p)) <= 1 for p in self.coefficients) and len(_trim(self.rhs)) <= 1

    def poly(self, i):
        """p_i(k) as a SymPy expression."""
        return poly_expr(self.coefficients[i])

    def rhs_expr(self):
        return poly_expr(self.rhs)

    def residual(self, f):
        """sum_i p_i(k) f(k+i) - q(k) for a SymPy expression f in k."""
        return sum(self.poly(i) * f.subs(k, k + i) for i in range(self.order + 1)) - self.rhs_expr()

    def holds(self, terms, first=1):
        """Whether the recurrence holds wherever ``terms`` (R_first, R_first+1, ...) reach."""
        last = first + len(terms) - 1
        for n in range(max(self.start, first), last - self.order + 1):
            total = sum(_peval(p, n) * terms[n + i - first] for i, p in enumerate(self.coefficients))
            if total != _peval(self.rhs, n):
                return False
        return True

    def leading_zeros(self):
        """The integers n >= ``start`` where p_d(n) = 0: there the recurrence does not give R(n + d)."""
        from .rational_functions import integer_roots

        lead = flint.fmpq_poly([_q(c) for c in self.coefficients[-1]])
        return integer_roots(lead, self.start)

    def normal_form(self):
        """(a, r) when the recurrence reads R(k+1) = a R(k) + r(k), a constant; else None."""
        if self.order != 1:
            return None
        p0, p1 = _trim(self.coefficients[0]), _trim(self.coefficients[1])
        if not p1 or len(p0) != len(p1):
            return None
        a = -p0[-1] / p1[-1]
        if any(c0 != -a * c1 for c0, c1 in zip(p0, p1, strict=True)):
            return None
        return a, sp.factor(sp.cancel(self.rhs_expr() / self.poly(1)))

    def equation(self):
        """The recurrence as a SymPy ``Eq`` in R(k), solved for its highest term where that reads well."""
        normal = self.normal_form()
        if normal is not None:
            a, r = normal
            return sp.Eq(R(k + 1), rational(a) * R(k) + r, evaluate=False)
        if self.constant_coefficients:
            lead = self.coefficients[-1][0]
            rest = sum(rational(-_trim(p)[0] / lead if _trim(p) else 0) * R(k + i)
                       for i, p in enumerate(self.coefficients[:-1]))
            return sp.Eq(R(k + self.order), rest + rational(_peval(self.rhs, 0) / lead), evaluate=False)
        lhs = sum(sp.factor(self.poly(i)) * R(k + i) for i in range(self.order + 1))
        return sp.Eq(lhs, sp.factor(self.rhs_expr()), evaluate=False)

    def __repr__(self):
        return f"Recurrence({self.equation()}, k >= {self.start})"

    def _repr_latex_(self):
        from .latex import display_form

        return f"$\\displaystyle {sp.latex(display_form(self.equation()))},\\quad k \\geq {self.start}$"

    # ----------------------------------------------------------------- running forward
    def extend(self, initial, upto, first=None):
        """R_first..R_upto from the initial values R_first..R_{first+d-1}, exactly (Fractions).

        ``first`` defaults to ``start``. The recurrence must not have a leading zero
        (:meth:`leading_zeros`) in the range.
        """
        values = self.extend_fmpq([_q(x) for x in initial], upto, first)
        return [fraction(v) for v in values]

    def extend_fmpq(self, initial, upto, first=None):
        """As :meth:`extend`, with FLINT rationals in and out (no conversion cost)."""
        first = self.start if first is None else first
        d = self.order
        if first < self.start:
            raise ValueError(f"the recurrence holds from k = {self.start}, not from {first}")
        if len(initial) != d:
            raise ValueError(f"a recurrence of order {d} needs {d} initial values, got {len(initial)}")
        bad = [n for n in self.leading_zeros() if n + d <= upto]
        if bad:
            raise ValueError(f"the leading coefficient of the recurrence vanishes at k = {bad[0]}")
        count = upto - first + 1
        if count <= d:
            return list(initial[:max(count, 0)])
        if d == 0:  # R_n itself: q(n) / p_0(n)
            p0 = flint.fmpq_poly([_q(c) for c in self.coefficients[0]])
            rhs = flint.fmpq_poly([_q(c) for c in self.rhs])
            return [rhs(flint.fmpq(n)) / p0(flint.fmpq(n)) for n in range(first, upto + 1)]
        if self.constant_coefficients and d >= 3:
            # many terms per step: integers over one growing denominator, one gcd per term at the end
            return self._extend_constant(list(initial), count)
        # few terms per step: FLINT's rational arithmetic, whose gcds mostly involve small numbers
        return self._extend_polynomial(list(initial), first, count)

    def _extend_constant(self, values, count):
        """Integer recurrence for N_n = s q^n R_n, s and q clearing every denominator: no gcd per step."""
        d = self.order
        lead = self.coefficients[-1][0]
        a = [-(_trim(p)[0] if _trim(p) else Fraction(0)) / lead for p in self.coefficients[:-1]]
        b = _peval(self.rhs, 0) / lead
        q = _growth(a)
        s = math.lcm(*(int(v.q) for v in values), b.denominator)
        # N_n = s q^n R_n; R_{n+d} = sum a_i R_{n+i} + b gives
        # N_{n+d} = sum a_i q^(d-i) N_{n+i} + b s q^(n+d), every coefficient an integer.
        weights = [flint.fmpz(int(x * q ** (d - i))) for i, x in enumerate(a)]
        qf = flint.fmpz(q)
        constant, power = flint.fmpz(int(b * s)), qf**d
        N = [flint.fmpz(int(v.p) * (s // int(v.q))) * qf**i for i, v in enumerate(values)]
        out = list(values)
        denominator = flint.fmpz(s) * qf ** (d - 1)
        for n in range(count - d):
            new = constant * power
            for w, x in zip(weights, N[n:n + d], strict=True):
                if w:
                    new += w * x
            N.append(new)
            power *= qf
            denominator *= qf
            out.append(flint.fmpq(new, denominator))
        return out

    def _extend_polynomial(self, values, first, count):
        d = self.order
        polys = [flint.fmpq_poly([_q(c) for c in p]) for p in self.coefficients]
        rhs = flint.fmpq_poly([_q(c) for c in self.rhs])
        out = list(values)
        for n in range(first, first + count - d):
            x = flint.fmpq(n)
            total = rhs(x)
            for i in range(d):
                c = polys[i](x)
                if c != 0:
                    total -= c * out[n - first + i]
            out.append(total / polys[d](x))
        return out
