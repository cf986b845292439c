"""Limits and bounds of R_k from a solved recurrence: characteristic roots, increments, monotonicity.

For a constant-coefficient recurrence the limit comes from its characteristic roots:
every root but 1 must lie strictly inside the unit circle (the exact Schur-Cohn test,
:func:`inside_unit_disk`), and the root 1 carries a polynomial in k whose degree and
leading sign decide between a finite limit and +-oo. For R(k+1) = R(k) + r(k) the limit
is the sum of the increments (:func:`sympy.limit`, or term by term over harmonic
numbers). Where R_k is monotone with a finite limit, R_k < lim R_k (or >) is a
:class:`Bound`; terms before the point where monotonicity is proved are checked one by
one (finitely many, exactly).

Everything here is as good as the recurrence it starts from: proved for a recurrence
derived from the family's structure, a conjecture for one found from terms.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

import sympy as sp

from .recurrence import R, k, rational

__all__ = ["Bound", "inside_unit_disk", "constant_limit", "constant_bound", "increments_limit", "increment_bound"]

_j = sp.Symbol("j", integer=True, positive=True)


@dataclass(frozen=True, eq=False)
class Bound:
    """A bound of R_k by its limit, from monotone increments.

    Attributes
    ----------
    relation : sympy.Rel
        ``R(k) < L`` (increasing) or ``R(k) > L`` (decreasing).
    holds_from : int
        The relation holds for every k >= holds_from (checked term by term below the
        point where monotonicity is proved).
    monotone : str
        ``"increasing"`` or ``"decreasing"``, strictly, for k >= ``monotone_from``.
    monotone_from : int
    supremum, infimum : sympy.Expr
        sup_k R_k and inf_k R_k over k >= 1.
    checks : tuple of str

    Examples
    --------
    >>> from theory.closed_form import closed_form
    >>> b = closed_form("mix:2").bound
    >>> b.relation, b.monotone, b.infimum, b.supremum
    (R(k) < 7/5, 'increasing', 1, 7/5)
    """

    relation: sp.Rel
    holds_from: int
    monotone: str
    monotone_from: int
    supremum: sp.Expr
    infimum: sp.Expr
    checks: tuple

    def __repr__(self):
        return f"Bound({self.relation} for k >= {self.holds_from}; {self.monotone} from k = {self.monotone_from})"

    def _repr_latex_(self):
        return f"$\\displaystyle {sp.latex(self.relation)},\\quad k \\geq {self.holds_from}$"


def inside_unit_disk(coefficients):
    """Whether every root of a real polynomial lies strictly inside the unit circle (Schur-Cohn test).

    Exact for rational coefficients: the test replaces p (degree n) by
    (a_n p(z) - a_0 z^n p(1/z)) / z, of degree n - 1, while |a_0| < |a_n|.

    Parameters
    ----------
    coefficients : sequence of rationals
        Constant term first.

    Returns
    -------
    bool

    Examples
    --------
    >>> inside_unit_disk([1, 2, 3, 4])     # 4x^3 + 3x^2 + 2x + 1
    True
    >>> inside_unit_disk([-1, 1]), inside_unit_disk([1, 0, 2])
    (False, True)
    """
    p = _primitive([Fraction(c) for c in coefficients])
    while len(p) > 1:
        a0, an = p[0], p[-1]
        if abs(a0) >= abs(an):
            return False
        n = len(p) - 1
        # a positive scale changes neither the roots nor the test: keep the integers primitive
        p = _primitive([an * p[i] - a0 * p[n - i] for i in range(1, n + 1)])
    return bool(p)


def _primitive(p):
    """Integer coefficients without common factor, the same up to a positive scale; trailing zeros dropped."""
    p = list(p)
    while p and p[-1] == 0:
        p.pop()
    if not p:
        return p
    den = math.lcm(*(Fraction(c).denominator for c in p))
    ints = [int(Fraction(c) * den) for c in p]
    g = math.gcd(*ints)
    return [c // g for c in ints]


_UNIT = (Fraction(-1), Fraction(1))


def constant_limit(groups):
    """(limit, reason) of sum over root groups, or (None, None) when a root lies on or outside the circle.

    ``groups`` are (factor, coefficients) pairs: a monic irreducible factor of the
    characteristic polynomial (constant term first) and, per power t of k, the
    amplitude polynomial g_t(x) the solution carries on its roots.
    """
    unit, others = None, []
    for factor, coefficients in groups:
        if factor == _UNIT:
            unit = coefficients
        elif any(any(c) for c in coefficients):
            others.append(factor)
    for factor in others:
        if not inside_unit_disk(factor):
            return None, None
    word = ("every other characteristic root lies inside the unit circle (Schur-Cohn), so its terms vanish"
            if others else "no other characteristic root contributes")
    if unit is None:
        return sp.Integer(0), f"limit from the roots: {word}"
    poly = [cs[0] for cs in unit]
    while len(poly) > 1 and poly[-1] == 0:
        poly.pop()
    if len(poly) > 1:
        return (sp.oo if poly[-1] > 0 else -sp.oo), \
            f"limit from the roots: the root 1 carries a polynomial of degree {len(poly) - 1} in k; {word}"
    return rational(poly[0]), f"limit from the roots: the root 1 carries the constant {poly[0]}; {word}"


def constant_bound(groups, limit, terms, start):
    """Monotone with a finite limit when one positive real root rho in (0, 1) carries a constant."""
    if limit is None or limit in (sp.oo, -sp.oo):
        return None
    moving = [(f, cs) for f, cs in groups if f != _UNIT and any(any(c) for c in cs)]
    if len(moving) != 1 or len(moving[0][0]) != 2 or len(moving[0][1]) != 1:
        return None
    rho, c = -moving[0][0][0], moving[0][1][0][0]
    if not 0 < rho < 1:
        return None
    # R_{k+1} - R_k = c rho^k (rho - 1): one sign for every k >= start.
    direction = "increasing" if c * (rho - 1) > 0 else "decreasing"
    why = f"R_(k+1) - R_k = {c} * {rho}^k * ({rho} - 1) has one sign for k >= {start}"
    return _make_bound(limit, direction, start, terms, why)


def _make_bound(limit, direction, monotone_from, terms, why):
    increasing = direction == "increasing"
    checks = [why, f"R_k is strictly {direction} for k >= {monotone_from} and tends to {limit}, so "
              f"R_k {'<' if increasing else '>'} {limit} for every k >= {monotone_from}"]
    holds_from = monotone_from
    for n in range(monotone_from - 1, 0, -1):
        value = rational(terms[n - 1])
        if not bool(value < limit if increasing else value > limit):
            break
        holds_from = n
    if holds_from < monotone_from:
        checks.append(f"checked term by term for k = {holds_from}..{monotone_from - 1}")
    # Before monotone_from, the terms are finitely many: extremes over them are exact.
    early = [rational(t) for t in terms[:monotone_from]]
    if increasing:
        supremum, infimum = limit, min(early)
    else:
        supremum, infimum = max(early), limit
    relation = sp.Lt(R(k), limit) if increasing else sp.Gt(R(k), limit)
    return Bound(relation, holds_from, direction, monotone_from, supremum, infimum, tuple(checks))


def increments_limit(expr, poly, fractions, checks):
    """lim R_k of R_k = R_k0 + sum of the increments poly(j) + sum c (j + b)^-p (None when unknown)."""
    try:
        limit = sp.limit(expr, k, sp.oo)
    except (NotImplementedError, ValueError, TypeError):
        limit = None
    if limit is not None and not limit.has(sp.Limit, sp.AccumBounds):
        checks.append("limit by sympy.limit")
        return limit
    # harmonic(k + f, p) -> zeta(p) for p >= 2; the p = 1 terms must cancel; a polynomial part diverges.
    if sp.Poly(poly, _j).degree() >= 0 and poly != 0:
        lead = sp.Poly(poly, _j).LC()
        return sp.oo if lead > 0 else -sp.oo
    ones = sum(c for c, _, p in fractions if p == 1)
    if ones != 0:
        return sp.oo if ones > 0 else -sp.oo
    limit = expr.replace(lambda e: isinstance(e, sp.harmonic) and e.args[0].has(k),
                         lambda h: sp.zeta(h.args[1]) if h.args[1] > 1 else sp.EulerGamma)
    checks.append("limit term by term: harmonic(k + f, p) -> zeta(p) for p >= 2, the p = 1 terms cancel")
    return sp.simplify(limit)


def increment_bound(r, k0, terms, limit):
    """The bound of R_k by a finite limit when r(k) = R_(k+1) - R_k has one strict sign for every k >= k0."""
    if limit is None or not limit.is_finite:
        return None
    num, den = sp.fraction(sp.cancel(sp.together(r)))
    for part in (num, den):
        poly = sp.Poly(part, k)
        if poly.degree() >= 1 and poly.count_roots(k0, None) > 0:
            return None
    at = r.subs(k, k0)
    if at == 0:
        return None
    direction = "increasing" if at > 0 else "decreasing"
    why = (f"R_(k+1) - R_k = {sp.factor(r)} has no real zero or pole at k >= {k0} (Sturm count) and is "
           f"{'positive' if at > 0 else 'negative'} at k = {k0}")
    # Earlier increments are exact terms: extend monotonicity downwards while they keep the sign.
    from_k = k0
    while from_k > 1:
        step = terms[from_k - 1] - terms[from_k - 2]
        if (step > 0) != (at > 0) or step == 0:
            break
        from_k -= 1
    return _make_bound(limit, direction, from_k, terms, why)
