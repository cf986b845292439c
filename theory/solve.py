"""Closed forms that solve a linear recurrence, each checked to satisfy it identically in k.

:func:`solve` takes a :class:`~theory.recurrence.Recurrence` and exact terms R_1..R_N
(at least through the recurrence's initial values) and returns a :class:`Solution`:

- constant coefficients: the characteristic polynomial is factored over QQ (FLINT);
  each irreducible factor f of multiplicity m carries sum_t k^t g_t(rho) rho^k over its
  roots rho, written through the power sums of the roots so that every unknown is a
  rational number, solved from the initial values. The closed form satisfies the
  recurrence because each group's residual reduces to 0 modulo its factor, for every
  power of k (checked exactly);
- R(k+1) = R(k) + r(k) with r rational: partial fractions of r summed into harmonic
  numbers; substituted back, the residual simplifies to 0 in SymPy;
- otherwise :func:`sympy.rsolve`, substituted back and simplified to 0.

In every case the closed form equals the initial values, so by induction it is the
recurrence's solution for every k >= its start: the closed form is exactly as proved
as the recurrence. The limit and a bound come from :mod:`theory.limits`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

import flint
import sympy as sp

from .limits import constant_bound, constant_limit, increment_bound, increments_limit
from .recurrence import k, rational

__all__ = ["Solution", "solve", "partial_fractions", "PRINTABLE"]

PRINTABLE = 4000    # characters of a closed form's text beyond which it is not printed (the recurrence is)
_x = sp.Symbol("x")
_j = sp.Symbol("j", integer=True, positive=True)


@dataclass(frozen=True, eq=False)
class Solution:
    """A closed form of a recurrence's solution, with the checks that make it one.

    ``expr`` is None when the closed form is too large to print; ``value`` still
    evaluates it exactly and ``limit``, ``bound`` are still derived from it.
    """

    expr: sp.Expr | None
    method: str
    checks: tuple
    start: int
    initial: dict
    limit: sp.Expr | None
    bound: object
    increment: sp.Expr | None = None
    characteristic: sp.Poly | None = None
    value: object = field(default=None, repr=False)


def solve(rec, terms):
    """The closed form of the solution of ``rec`` through ``terms`` = (R_1, R_2, ...), or None.

    Examples
    --------
    >>> from theory.recurrence_search import find_recurrence
    >>> terms = [Fraction(2) ** n + 1 for n in range(1, 20)]
    >>> solve(find_recurrence(terms), terms).expr
    2**k + 1
    """
    if rec.order == 0:
        return _solve_explicit(rec, terms)
    if rec.constant_coefficients:
        return _solve_constant(rec, terms)
    normal = rec.normal_form()
    if normal is not None and normal[0] == 1:
        solved = _solve_increments(rec, terms, normal[1])
        if solved is not None:
            return solved
    return _solve_rsolve(rec, terms)


def _first_match(value, terms, last):
    """The smallest s such that the closed form matches every term from s to ``last`` - 1."""
    s = last
    while s > 1 and value(s - 1) == terms[s - 2]:
        s -= 1
    return s


# ---------------------------------------------------------------------- order 0: R_k given explicitly
def _solve_explicit(rec, terms):
    expr = sp.cancel(rec.rhs_expr() / rec.poly(0))
    k0 = rec.start

    def value(n):
        return Fraction(int(expr.subs(k, n).p), int(expr.subs(k, n).q))

    if any(value(n) != terms[n - 1] for n in range(k0, len(terms) + 1)):
        return None
    start = _first_match(value, terms, k0)
    checks = (f"the recurrence gives R_k = {expr} directly; it equals every computed term R_{start}..R_{len(terms)}",)
    limit = sp.limit(expr, k, sp.oo)
    return Solution(expr, "the recurrence of order 0 states R_k itself", checks, start, {}, limit, None,
                    value=value)


# ---------------------------------------------------------------------- constant coefficients
def _q(x):
    x = Fraction(x)
    return flint.fmpq(x.numerator, x.denominator)


def _power_sums(f, upto):
    """p_n = sum of rho^n over the roots rho of the monic polynomial f, for n = 0..upto (FLINT rationals)."""
    m = len(f) - 1
    e = [_q(f[m - i]) for i in range(m + 1)]  # x^m + e_1 x^{m-1} + ... + e_m
    p = [flint.fmpq(m)]
    for n in range(1, upto + 1):
        s = flint.fmpq(0)
        for i in range(1, min(n - 1, m) + 1):
            if e[i] != 0:
                s += e[i] * p[n - i]
        if n <= m:
            s += n * e[n]
        p.append(-s)
    return p


def _factor(char):
    """Monic irreducible factors of a polynomial (constant term first) with multiplicities, by FLINT."""
    poly = flint.fmpq_poly([_q(c) for c in char])
    out = []
    for fac, mult in poly.factor()[1]:
        monic = fac / fac.leading_coefficient()
        out.append((tuple(Fraction(int(c.p), int(c.q)) for c in monic.coeffs()), int(mult)))
    return out


class _GroupValues:
    """R_n from the root groups of a constant-coefficient closed form, exactly, for any n."""

    def __init__(self, groups):
        self.groups, self.sums = groups, {}

    def __call__(self, n):
        total = flint.fmpq(0)
        for factor, coefficients in self.groups:
            sums = self.sums.get(factor)
            if sums is None or len(sums) <= n + len(factor):
                sums = self.sums[factor] = _power_sums(factor, 2 * n + len(factor))
            m = len(factor) - 1
            for t, g in enumerate(coefficients):
                inner = sum((_q(g[s]) * sums[s + n] for s in range(m) if g[s]), flint.fmpq(0))
                total += flint.fmpq(n) ** t * inner
        return Fraction(int(total.p), int(total.q))


def _residual_vanishes(q, factor, coefficients, const):
    """The group's part of sum_i q_i u(k+i), for u = sum_rho sum_t k^t g_t(rho) rho^k, is 0 identically in k.

    For each power k^s the coefficient is a polynomial in x that must vanish modulo the
    factor (for the factor x - 1: equal the constant right-hand side at s = 0).
    """
    f = flint.fmpq_poly([_q(c) for c in factor])
    g = [flint.fmpq_poly([_q(c) for c in cs]) for cs in coefficients]
    x = flint.fmpq_poly([0, 1])
    for s in range(len(g)):
        total = flint.fmpq_poly([])
        for i, qi in enumerate(q):
            if qi == 0:
                continue
            # (k + i)^t = sum_s binom(t, s) i^(t-s) k^s
            for t in range(s, len(g)):
                coeff = _binomial(t, s) * i ** (t - s)
                if coeff:
                    total += _q(qi) * coeff * x**i * g[t]
        if factor == (Fraction(-1), Fraction(1)):
            value = total(flint.fmpq(1)) - (_q(const) if s == 0 else 0)
            if value != 0:
                return False
        elif not (total % f).is_zero():
            return False
    return True


def _binomial(n, r):
    from math import comb

    return comb(n, r)


def _solve_constant(rec, terms):
    coeffs = [p[0] if p else Fraction(0) for p in (list(q) for q in rec.coefficients)]
    coeffs = [c if c else Fraction(0) for c in coeffs]
    const = rec.rhs[0] if rec.rhs else Fraction(0)
    char = list(coeffs)
    if const:  # homogenise: the constant right-hand side adds the root 1
        char = [-coeffs[0]] + [coeffs[i - 1] - coeffs[i] for i in range(1, len(coeffs))] + [coeffs[-1]]
    lead = char[-1]
    char = [c / lead for c in char]
    d, k0, N = len(char) - 1, rec.start, len(terms)
    if k0 + d - 1 > N:
        return None
    factors = _factor(char)
    sums = {f: _power_sums(f, k0 + d + len(f)) for f, _ in factors}
    unknowns = [(f, t, s) for f, mult in factors for t in range(mult) for s in range(len(f) - 1)]
    system = flint.fmpq_mat(d, d)
    rhs = flint.fmpq_mat(d, 1)
    for row in range(d):
        n = k0 + row
        for col, (f, t, s) in enumerate(unknowns):
            system[row, col] = flint.fmpq(n) ** t * sums[f][s + n]
        rhs[row, 0] = _q(terms[n - 1])
    try:
        solution = system.solve(rhs)
    except ZeroDivisionError:
        return None
    values = [Fraction(int(solution[i, 0].p), int(solution[i, 0].q)) for i in range(d)]
    groups, pos = [], 0
    for f, mult in factors:
        m = len(f) - 1
        per_t = []
        for _ in range(mult):
            per_t.append(tuple(values[pos:pos + m]))
            pos += m
        groups.append((f, tuple(per_t)))
    checks = []
    if not all(_residual_vanishes(coeffs, f, cs, const) for f, cs in groups):
        return None
    checks.append("closed form substituted into the recurrence: for every power of k, each root group's "
                  "residual reduces to 0 modulo its characteristic factor (the constant term is matched by the "
                  "root 1), exactly")
    value = _GroupValues(groups)
    if any(value(n) != terms[n - 1] for n in range(k0, k0 + d)):
        return None
    checks.append(f"closed form equals the initial values R_{k0}..R_{k0 + d - 1}, so by induction it solves "
                  f"the recurrence for every k >= {k0}")
    if any(value(n) != terms[n - 1] for n in range(k0, N + 1)):
        return None
    start = _first_match(value, terms, k0)
    checks.append(f"closed form equals every computed term R_{start}..R_{N} exactly")
    expr = _constant_expr(groups)
    if expr is not None:
        numeric = _numeric_roots(expr)
        for n in sorted({start, k0 + d - 1, N}):
            if abs(sp.N(numeric.subs(k, n) - rational(terms[n - 1]), 40)) > sp.Float("1e-30"):
                return None
        checks.append(f"the SymPy expression agrees with the exact terms at k = {start}, {k0 + d - 1}, {N} "
                      "to 30 digits")
    limit, limit_check = constant_limit(groups)
    if limit_check:
        checks.append(limit_check)
    increment = rational(const / coeffs[1]) if len(coeffs) == 2 and coeffs[0] == -coeffs[1] else None
    bound = constant_bound(groups, limit, terms, start)
    char_poly = sp.Poly([rational(c) for c in reversed(char)], _x)
    order = len(coeffs) - 1
    initial = {n: rational(terms[n - 1]) for n in range(k0, k0 + order)}
    method = (f"constant-coefficient recurrence of order {order}, solved by its characteristic roots "
              f"({len(groups)} irreducible factor{'s' if len(groups) != 1 else ''} over QQ)")
    return Solution(expr, method, tuple(checks), start, initial, limit, bound, increment, char_poly, value)


def _constant_expr(groups):
    """The closed form as a SymPy expression, or None when it would be too large to print."""
    if sum(len(f) - 1 for f, cs in groups if any(any(c) for c in cs) and len(f) > 3) > 12:
        return None
    expr = sp.Integer(0)
    for f, cs in groups:
        expr += _group_expr(f, cs)
    expr = sp.expand(expr) if all(len(f) == 2 for f, _ in groups) else expr
    return expr if len(str(expr)) <= PRINTABLE else None


def _group_expr(factor, coefficients):
    m = len(factor) - 1
    f_expr = sum(rational(c) * _x**i for i, c in enumerate(factor))
    amplitude = sum(k**t * sum(rational(c) * _x**s for s, c in enumerate(cs)) for t, cs in enumerate(coefficients))
    if m == 1:
        root = rational(-factor[0])
        return sp.expand(amplitude.subs(_x, root)) * (root**k if root != 1 else 1)
    if m == 2:
        return sum(sp.expand(amplitude.subs(_x, rho)) * rho**k for rho in sp.roots(f_expr, _x, multiple=True))
    return sp.RootSum(sp.Poly(f_expr, _x), sp.Lambda(_x, amplitude * _x**k))


def _numeric_roots(expr, digits=50):
    """``expr`` with every RootSum written out over its roots computed to ``digits`` digits."""
    def expand(rs):
        return sp.Add(*(rs.fun(rho) for rho in sp.Poly(rs.poly, _x).nroots(n=digits, maxsteps=200)))
    return expr.replace(lambda e: isinstance(e, sp.RootSum), expand)


# ---------------------------------------------------------------------- rational increments
def partial_fractions(r):
    """A rational function of k as a polynomial plus a sum of c (k + b)^-p with rational b.

    Returns
    -------
    (poly, parts) or None
        ``poly`` a SymPy polynomial in an integer symbol j, ``parts`` a list of
        (c, b, p) with SymPy rationals c, b and an int p; None when a pole is not rational.

    Examples
    --------
    >>> partial_fractions(4 / ((k + 1) * (k + 2) ** 2))
    (0, [(-4, 2, 1), (-4, 2, 2), (4, 1, 1)])
    """
    r = sp.cancel(r.subs(k, _j))
    poly, parts = sp.Integer(0), []
    for term in sp.Add.make_args(sp.apart(r, _j)):
        if term.is_polynomial(_j):
            poly += term
            continue
        num, den = sp.fraction(sp.factor(term))
        if num.has(_j):
            return None
        scale, factors = sp.Poly(den, _j).factor_list()
        if len(factors) != 1 or factors[0][0].degree() != 1:
            return None
        (base, p), = factors
        alpha, beta = base.all_coeffs()
        parts.append((num / (scale * alpha**p), beta / alpha, int(p)))
    return poly, parts


def expand_harmonic_shifts(expr):
    """Write harmonic(k + s, p) as harmonic(k + f, p) plus rational terms, f = s - floor(s)."""
    def shift(h):
        arg, order = h.args if len(h.args) == 2 else (h.args[0], sp.Integer(1))
        s = sp.simplify(arg - k)
        if not s.is_Rational:
            return h
        n = int(sp.floor(s))
        f = s - n
        base = sp.harmonic(k + f, order)
        if n >= 0:
            return base + sum(1 / (k + f + i) ** order for i in range(1, n + 1))
        return base - sum(1 / (k + f + i) ** order for i in range(n + 1, 1))
    return expr.replace(lambda e: isinstance(e, sp.harmonic) and e.args[0].has(k), shift)


def _reduce_harmonic_constants(expr):
    """harmonic(n + f, p) at a rational point as harmonic(f, p) plus rationals (0 <= f < 1), so they cancel."""
    def reduce(h):
        arg, order = h.args if len(h.args) == 2 else (h.args[0], sp.Integer(1))
        if not arg.is_Rational or arg.is_integer:
            return h
        n = int(sp.floor(arg))
        f = arg - n
        return sp.harmonic(f, order) + sum(1 / (f + i) ** order for i in range(1, n + 1)) if n >= 0 else h
    return expr.replace(lambda e: isinstance(e, sp.harmonic) and not e.has(k), reduce)


def _solve_increments(rec, terms, r):
    parts = partial_fractions(r)
    if parts is None:
        return None
    poly, fractions = parts
    k0, N = rec.start, len(terms)
    expr = rational(terms[k0 - 1]) + sp.summation(poly, (_j, k0, k - 1))
    for c, b, p in fractions:
        expr += c * (sp.harmonic(k - 1 + b, p) - sp.harmonic(k0 - 1 + b, p))
    expr = sp.expand(expand_harmonic_shifts(expr))
    expr = sp.expand(_reduce_harmonic_constants(expr))
    harmonics = sum((t for t in sp.Add.make_args(expr) if t.has(sp.harmonic)), sp.Integer(0))
    expr = harmonics + sp.apart(sp.cancel(expr - harmonics), k)  # rational part in partial fractions
    checks = []
    residual = expand_harmonic_shifts(expr.subs(k, k + 1)) - expr - r
    if sp.simplify(sp.cancel(sp.expand(residual))) != 0:
        return None
    checks.append("closed form substituted into R(k+1) - R(k) = r(k) simplifies to 0 in SymPy "
                  "(harmonic(z + 1, p) = harmonic(z, p) + (z + 1)^-p)")
    exact = all(b.is_integer for _, b, _ in fractions)

    def value(n):
        v = expr.subs(k, n)
        return Fraction(int(v.p), int(v.q)) if v.is_Rational else None

    def agrees(n):
        if exact:
            return value(n) == terms[n - 1]
        return abs(sp.N(expr.subs(k, n) - rational(terms[n - 1]), 60)) < sp.Float("1e-50")

    if not agrees(k0):
        return None
    checks.append(f"closed form equals the initial value R_{k0}, so by induction it solves the recurrence "
                  f"for every k >= {k0}")
    # Exact values are cheap: compare them all; numeric ones (irrational constants) at a few points.
    points = range(k0, N + 1) if exact else sorted({k0, (k0 + N) // 2, N})
    if not all(agrees(n) for n in points):
        return None
    start = _first_match(value, terms, k0) if exact else k0
    checks.append(f"closed form equals every computed term R_{start}..R_{N} exactly" if exact else
                  f"closed form equals the computed terms R_n, n = {', '.join(map(str, points))}, to 50 digits")
    limit = increments_limit(expr, poly, fractions, checks)
    bound = increment_bound(r, k0, terms, limit)
    method = ("first-order recurrence R(k+1) = R(k) + r(k) with r rational, summed by partial fractions into "
              "harmonic numbers")
    return Solution(expr, method, tuple(checks), start, {k0: rational(terms[k0 - 1])}, limit, bound,
                    sp.factor(r), None, value if exact else None)


# ---------------------------------------------------------------------- polynomial coefficients
RSOLVE_ORDER = 2    # sympy.rsolve is tried on recurrences up to this order (beyond, it rarely succeeds, slowly)


def _solve_rsolve(rec, terms):
    if rec.order > RSOLVE_ORDER:
        return None
    f = sp.Function("f")
    equation = sum(rec.poly(i) * f(k + i) for i in range(rec.order + 1)) - rec.rhs_expr()
    k0, N = rec.start, len(terms)
    init = {f(k0 + i): rational(terms[k0 - 1 + i]) for i in range(rec.order)}
    try:
        expr = sp.rsolve(equation, f(k), init)
    except (NotImplementedError, ValueError, TypeError, ZeroDivisionError):
        return None
    if expr is None or expr.has(sp.Sum, sp.Product, f):
        return None
    if not _solves(rec, expr):
        return None
    checks = ["closed form (sympy.rsolve) substituted into the recurrence simplifies to 0 in SymPy"]
    for n in range(k0, N + 1):
        if abs(sp.N(expr.subs(k, n) - rational(terms[n - 1]), 60)) > sp.Float("1e-50"):
            return None
    checks.append(f"closed form equals the initial values R_{k0}..R_{k0 + rec.order - 1}, so by induction it "
                  f"solves the recurrence for every k >= {k0}; it equals every computed term R_{k0}..R_{N} to 50 "
                  "digits")
    try:
        limit = sp.limit(expr, k, sp.oo)
        if limit.has(sp.Limit, sp.AccumBounds):
            limit = None
    except (NotImplementedError, ValueError, TypeError):
        limit = None
    method = f"polynomial-coefficient recurrence of order {rec.order}, solved by sympy.rsolve"
    initial = {n: rational(terms[n - 1]) for n in range(k0, k0 + rec.order)}
    return Solution(expr, method, tuple(checks), k0, initial, limit, None)


def _solves(rec, expr):
    """Whether ``expr`` satisfies the recurrence identically in k (symbolic simplification)."""
    residual = sp.expand_func(expand_harmonic_shifts(rec.residual(expr)))
    if sp.simplify(sp.gammasimp(residual)) == 0:
        return True
    if any(rec.rhs):
        return False
    # Homogeneous with a hypergeometric solution: every shift ratio expr(k+i)/expr(k) is rational in k.
    total = sp.Integer(0)
    for i in range(rec.order + 1):
        ratio = sp.expand_func(sp.gammasimp((expr.subs(k, k + i) / expr).rewrite(sp.gamma)))
        total += rec.poly(i) * ratio
    total = sp.cancel(sp.expand_power_base(sp.powsimp(sp.expand_func(total), force=True)))
    return total == 0
