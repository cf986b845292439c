"""Closed forms of risk-ratio sequences: found from exact terms, then proved.

A *family* is a workflow defined for every number of generations: a preset spelling
(``augment``, ``window:3``, ``mix:0.5``, ...), a workflow file with a ``then`` rule,
or a :class:`~theory.workflow.Workflow` with one. For a family, :func:`closed_form`

1. computes the exact ratios R_1..R_N (:func:`theory.process.risk_ratios`);
2. finds a recurrence from the first terms by exact linear algebra over QQ:
   constant coefficients (Berlekamp-Massey), else polynomial coefficients of small
   order and degree with a polynomial right-hand side; the recurrence may start at
   some k0 > 1 (``window:W`` is irregular for its first W generations);
3. checks it on every computed term, including the held-out ones not used to find it;
4. solves it: characteristic roots for constant coefficients, a sum of partial
   fractions (harmonic numbers) for R_{k+1} - R_k = r(k), :func:`sympy.rsolve` else;
5. proves the solution: the closed form, substituted into the recurrence, reduces to
   0 symbolically, and it matches the initial values (so, by induction, it is the
   recurrence's solution), and it equals every computed term.

Anything that fails a step gives ``None``: never an unproved formula. What remains
empirical is that the recurrence, found from N terms and checked on all of them,
holds beyond N; the ``checks`` of the result say so.

The limit comes from :func:`sympy.limit` or, for constant coefficients, from the
characteristic roots (all but 1 proved inside the unit disk by the Schur-Cohn test);
where the sequence is monotone the bound ``R_k < lim R_k`` (or ``>``) is proved from
the sign of the increments and the limit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import flint
import sympy as sp

from .presets import is_preset_spec, preset
from .process import risk_ratios
from .workflow import Workflow, WorkflowError

__all__ = ["k", "R", "Recurrence", "ClosedForm", "Bound", "PooledFitIdentity", "closed_form",
           "find_recurrence", "closed_form_from_terms", "partial_fractions", "risk_limit", "risk_bound",
           "family_terms", "inside_unit_disk", "pooled_fit_identity"]

k = sp.Symbol("k", integer=True, positive=True)
"""The generation index of every closed form."""

R = sp.Function("R")
"""R(k), the risk ratio of generation k, as it appears in recurrences."""

_j = sp.Symbol("j", integer=True, positive=True)
_x = sp.Symbol("x")

TERMS = 40          # exact terms computed for a family
HELD_OUT = 8        # the last terms are used only to check a recurrence, never to find it
LONG_TERMS = 80     # a second, longer try for constant-coefficient recurrences of high order
MAX_START = 6       # latest k0 tried for polynomial-coefficient recurrences
_POLY_SHAPES = sorted(((d, D) for d in (1, 2) for D in range(1, 5)), key=lambda s: ((s[0] + 2) * (s[1] + 1), s[0]))


# ---------------------------------------------------------------------- families
def _family(family):
    """(cache key, label, terms(N) -> list of Fraction) for anything a family may be."""
    if isinstance(family, Workflow):
        if family.then is not None:
            return ("workflow", family.to_json()), family.name or "workflow", \
                lambda N: risk_ratios(family.expand(N))
        name = family.name
        if isinstance(name, str) and is_preset_spec(name):
            try:
                same = preset(name, family.G) == family
            except WorkflowError:
                same = False
            if same:
                return _family(name)
        raise WorkflowError(
            f"workflow {name!r} lists {family.G} generations and has no 'then' rule, so it is not a family "
            "of workflows for every k; give a preset spelling or a workflow with a 'then' rule")
    if isinstance(family, str) and is_preset_spec(family):
        canonical = preset(family, 1).name
        return ("preset", canonical), canonical, lambda N: risk_ratios(preset(canonical, N))
    if isinstance(family, str | Path):
        path = Path(family)
        if path.suffix.lower() not in (".json", ".toml"):
            preset(str(family), 1)  # raises the "unknown workflow" message
        base = Workflow.from_file(path)
        if base.then is None:
            raise WorkflowError(
                f"workflow file {str(path)!r} has no 'then' rule, so it defines only {base.G} generations; "
                "a closed form needs a rule for every later generation")
        return ("file", base.to_json()), base.name or path.stem, lambda N: risk_ratios(base.expand(N))
    raise WorkflowError(f"a family is a preset spelling, a workflow file or a Workflow, got {family!r}")


def family_terms(family, N):
    """The exact risk ratios R_1..R_N of a family.

    Examples
    --------
    >>> [str(r) for r in family_terms("subsample", 3)]
    ['1', '7/4', '25/12']
    """
    return _family(family)[2](N)


# ---------------------------------------------------------------------- recurrences
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
    fitted, checked : int
        The recurrence was found from terms up to R_fitted and checked on every
        term up to R_checked.

    Examples
    --------
    >>> rec = closed_form("window:2").found
    >>> rec.order, rec.start, rec.constant_coefficients
    (3, 1, True)
    >>> rec.equation()
    Eq(R(k + 3), -R(k)/8 + 3*R(k + 1)/8 + 3*R(k + 2)/4 + 1/2)
    """

    coefficients: tuple
    rhs: tuple
    start: int
    fitted: int
    checked: int

    @property
    def order(self):
        return len(self.coefficients) - 1

    @property
    def constant_coefficients(self):
        return all(len(_trim(p)) <= 1 for p in self.coefficients) and len(_trim(self.rhs)) <= 1

    def poly(self, i):
        """p_i(k) as a SymPy expression."""
        return _poly_expr(self.coefficients[i])

    def rhs_expr(self):
        return _poly_expr(self.rhs)

    def residual(self, f):
        """sum_i p_i(k) f(k+i) - q(k) for a SymPy expression f in k."""
        return sum(self.poly(i) * f.subs(k, k + i) for i in range(self.order + 1)) - self.rhs_expr()

    def holds(self, terms, first=1):
        """Whether the recurrence holds wherever ``terms`` (R_first, R_first+1, ...) reach."""
        last = first + len(terms) - 1
        for n in range(self.start, last - self.order + 1):
            total = sum(_peval(p, n) * terms[n + i - first] for i, p in enumerate(self.coefficients))
            if total != _peval(self.rhs, n):
                return False
        return True

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
            return sp.Eq(R(k + 1), _rat(a) * R(k) + r)
        if self.constant_coefficients:
            lead = self.coefficients[-1][0]
            rest = sum(_rat(-_trim(p)[0] / lead if _trim(p) else 0) * R(k + i)
                       for i, p in enumerate(self.coefficients[:-1]))
            return sp.Eq(R(k + self.order), rest + _rat(_peval(self.rhs, 0) / lead))
        lhs = sum(sp.factor(self.poly(i)) * R(k + i) for i in range(self.order + 1))
        return sp.Eq(lhs, sp.factor(self.rhs_expr()))


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


def _rat(x):
    x = Fraction(x)
    return sp.Rational(x.numerator, x.denominator)


def _poly_expr(p):
    return sum((_rat(c) * k**i for i, c in enumerate(p) if c), sp.Integer(0))


def _berlekamp_massey(seq):
    """The shortest linear recurrence of ``seq`` over QQ: (L, c) with sum_i c_i s_{n-i} = 0, c_0 = 1."""
    one = Fraction(1)
    C, B, L, m, b = [one], [one], 0, 1, one
    for n, s in enumerate(seq):
        d = s + sum(C[i] * seq[n - i] for i in range(1, min(L, len(C) - 1) + 1))
        if d == 0:
            m += 1
            continue
        coef, previous = d / b, list(C)
        C = C + [Fraction(0)] * max(0, len(B) + m - len(C))
        for i, bi in enumerate(B):
            C[i + m] -= coef * bi
        if 2 * L <= n:
            L, B, b, m = n + 1 - L, previous, d, 1
        else:
            m += 1
    C = (C + [Fraction(0)] * (L + 1))[:L + 1]
    return L, C


def _constant_recurrence(terms, fit):
    """A constant-coefficient recurrence found from terms[:fit] and checked on all, or None."""
    L, c = _berlekamp_massey(terms[:fit])
    if L == 0 or 2 * L + 4 > fit:
        return None
    char = [c[L - i] for i in range(L + 1)]        # characteristic polynomial, constant term first
    shift = next(i for i, a in enumerate(char) if a != 0)
    char = char[shift:]
    rec = Recurrence(tuple((a,) for a in char), (Fraction(0),), 1 + shift, fit, len(terms))
    if not rec.holds(terms):
        return None
    if sum(char) == 0:  # 1 is a root: present the order-lower recurrence with a constant right-hand side
        reduced, carry = [], Fraction(0)
        for a in reversed(char[1:]):
            carry += a
            reduced.append(carry)
        reduced.reverse()
        first = rec.start
        const = sum(q * terms[first - 1 + i] for i, q in enumerate(reduced))
        lower = Recurrence(tuple((q,) for q in reduced), (const,), first, fit, len(terms))
        if lower.holds(terms):
            return lower
    return rec


def _polynomial_recurrence(terms, fit, d, D, start):
    """sum_{i<=d} p_i(k) R(k+i) = q(k), deg p_i, q <= D, from k = start; found from terms[:fit]."""
    rows = []
    for n in range(start, fit - d + 1):
        row = [Fraction(n) ** t * terms[n + i - 1] for i in range(d + 1) for t in range(D + 1)]
        row += [-Fraction(n) ** t for t in range(D + 1)]
        rows.append(row)
    unknowns = (d + 2) * (D + 1)
    if len(rows) < unknowns + 4:
        return None
    scaled = []
    for row in rows:
        den = math.lcm(*(x.denominator for x in row))
        scaled.append([int(x * den) for x in row])
    basis, rank = flint.fmpz_mat(scaled).nullspace()
    for col in range(unknowns - rank):
        ints = [int(basis[r, col]) for r in range(unknowns)]
        g = math.gcd(*ints) or 1
        lead = [x for x in ints[d * (D + 1):(d + 1) * (D + 1)] if x]
        sign = -1 if lead and lead[-1] < 0 else 1  # leading coefficient positive
        v = [Fraction(sign * x // g) for x in ints]
        coefficients = tuple(tuple(v[i * (D + 1):(i + 1) * (D + 1)]) for i in range(d + 1))
        rhs = tuple(v[(d + 1) * (D + 1):])
        lead = _trim(coefficients[-1])
        if not lead or not _trim(coefficients[0]) or _has_integer_root(lead, start):
            continue
        rec = Recurrence(coefficients, rhs, start, fit, len(terms))
        if rec.holds(terms):
            return rec
    return None


def _has_integer_root(p, at_least):
    poly = flint.fmpq_poly([flint.fmpq(c.numerator, c.denominator) for c in p])
    if poly.degree() < 1:
        return False
    return any(int(r.q) == 1 and int(r.p) >= at_least for r, _ in poly.roots())


def find_recurrence(terms, held_out=HELD_OUT):
    """A linear recurrence of the sequence ``terms`` = (R_1, R_2, ...), checked on every term.

    The recurrence is found from all but the last ``held_out`` terms and must then
    hold on every term. Constant coefficients are tried first (Berlekamp-Massey),
    then polynomial coefficients of order 1-2 and degree 1-4 with a polynomial
    right-hand side, starting at k0 = 1..6.

    Returns
    -------
    Recurrence or None

    Examples
    --------
    >>> from fractions import Fraction
    >>> rec = find_recurrence([Fraction(2) ** n + 1 for n in range(1, 20)])
    >>> rec.equation()
    Eq(R(k + 1), 2*R(k) - 1)
    >>> rec = find_recurrence([sum(Fraction(1, i * i) for i in range(1, n + 1)) for n in range(1, 30)])
    >>> rec.equation()
    Eq(R(k + 1), R(k) + (k + 1)**(-2))
    >>> find_recurrence([Fraction(1, 2 ** (n * n)) for n in range(1, 30)]) is None
    True
    """
    terms = [Fraction(t) for t in terms]
    fit = len(terms) - held_out
    if fit < 8:
        return None
    rec = _constant_recurrence(terms, fit)
    if rec is not None:
        return rec
    for d, D in _POLY_SHAPES:
        for start in range(1, MAX_START + 1):
            rec = _polynomial_recurrence(terms, fit, d, D, start)
            if rec is not None:
                return rec
    return None


# ---------------------------------------------------------------------- results
@dataclass(frozen=True, eq=False)
class Bound:
    """A proved bound of R_k by its limit, from monotone increments.

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


@dataclass(frozen=True, eq=False)
class ClosedForm:
    """A proved closed form of R_k for a family of workflows.

    Attributes
    ----------
    family : str
        The family's name.
    expr : sympy.Expr
        R_k in the symbol :data:`k`.
    recurrence : sympy.Eq
        The recurrence in R(k) that ``expr`` provably solves.
    recurrence_start : int
        The first k the recurrence holds for.
    start : int
        The first k from which ``expr`` equals R_k (every computed term from there on).
    initial : dict
        {k: R_k} for the initial values of the recurrence.
    method : str
        How the recurrence was found and solved.
    checks : tuple of str
        The proof obligations discharged, each in words.
    limit : sympy.Expr or None
        lim_{k -> oo} R_k (``sympy.oo`` when R_k grows without bound), None when unknown.
    bound : Bound or None
        The bound of R_k by its limit where R_k is monotone with a finite limit.
    increment : sympy.Expr or None
        r(k) = R_{k+1} - R_k for k >= ``recurrence_start`` when it is a rational function.
    characteristic : sympy.Poly or None
        For constant coefficients: the characteristic polynomial of the homogeneous
        recurrence (in the symbol x) that ``expr`` solves.
    terms : tuple of Fraction
        The exact R_1..R_N the recurrence was found from and checked on.
    found : Recurrence
        The recurrence as found, with its polynomial coefficients.
    """

    family: str
    expr: sp.Expr
    recurrence: sp.Eq
    recurrence_start: int
    start: int
    initial: dict
    method: str
    checks: tuple
    limit: sp.Expr | None
    bound: Bound | None
    increment: sp.Expr | None
    characteristic: sp.Poly | None
    terms: tuple
    found: Recurrence | None = None
    _exact: object = None

    def __call__(self, n):
        """R_n from the closed form, exactly (n >= ``start``).

        Examples
        --------
        >>> from theory.presets import preset
        >>> closed_form("window:2")(50) == risk_ratios(preset("window:2", 50))[-1]
        True
        """
        if self._exact is not None:
            return _rat(self._exact(n))
        return self.expr.subs(k, n)


_CACHE: dict = {}


def closed_form(family):
    """The proved closed form of R_k for a family of workflows, or None.

    Parameters
    ----------
    family : str, path or Workflow
        A preset spelling, a workflow file with a ``then`` rule, or a Workflow with
        one (or a preset workflow itself).

    Returns
    -------
    ClosedForm or None
        None when no recurrence is found in the exact terms or when its solution
        cannot be proved.

    Raises
    ------
    WorkflowError
        For an unknown preset, a bad file, or a workflow with no rule for later generations.

    Examples
    --------
    >>> cf = closed_form("augment")
    >>> cf.expr, cf.recurrence, cf.limit
    (harmonic(k, 2), Eq(R(k + 1), R(k) + (k + 1)**(-2)), pi**2/6)
    >>> cf.bound.relation
    R(k) < pi**2/6
    >>> closed_form("discard").expr, closed_form("discard").limit
    (k, oo)
    >>> closed_form("mix:0.5").expr
    5/4 - 9/(4*9**k)
    """
    key, label, terms_of = _family(family)
    if key not in _CACHE:
        _CACHE[key] = _derive(label, terms_of)
    return _CACHE[key]


def risk_limit(family):
    """lim_{k -> oo} R_k of a family from its proved closed form (None when unknown).

    Examples
    --------
    >>> risk_limit("augment"), risk_limit("subsample"), risk_limit("window:2")
    (pi**2/6, -2 + pi**2/2, oo)
    """
    cf = closed_form(family)
    return None if cf is None else cf.limit


def risk_bound(family):
    """The proved bound of R_k by its limit (None when R_k is not provably monotone with a finite limit).

    Examples
    --------
    >>> b = risk_bound("weighted:0.5")
    >>> b.relation, b.monotone, b.supremum
    (R(k) > 2/3, 'decreasing', 1)
    """
    cf = closed_form(family)
    return None if cf is None else cf.bound


def _derive(label, terms_of):
    terms = terms_of(TERMS)
    rec = find_recurrence(terms)
    if rec is None:
        longer = terms_of(LONG_TERMS)
        if len(longer) < LONG_TERMS:
            return None
        rec = _constant_recurrence(longer, LONG_TERMS - HELD_OUT)
        if rec is None:
            return None
        terms = longer
    if rec.constant_coefficients:
        return _solve_constant(label, rec, terms)
    normal = rec.normal_form()
    if normal is not None and normal[0] == 1:
        solved = _solve_increments(label, rec, terms, normal[1])
        if solved is not None:
            return solved
    return _solve_rsolve(label, rec, terms)


def closed_form_from_terms(terms, name="sequence"):
    """The proved closed form of a sequence given by its exact terms R_1, R_2, ... (None if none).

    The same derivation as :func:`closed_form`, for a sequence that does not come from
    a workflow family; give at least 40 terms (80 reach constant-coefficient
    recurrences of higher order).

    Examples
    --------
    >>> from fractions import Fraction
    >>> closed_form_from_terms([Fraction(n * n + 1, 2) for n in range(1, 41)]).expr
    k**2/2 + 1/2
    >>> closed_form_from_terms([Fraction(1, 2 ** (n * n)) for n in range(1, 41)]) is None
    True
    """
    terms = [Fraction(t) for t in terms]
    if len(terms) < 16:
        raise ValueError(f"a closed form needs at least 16 exact terms, got {len(terms)}")
    return _derive(name, lambda N: terms[:N] if N == TERMS else terms)


def _found(rec):
    return (f"recurrence found from R_1..R_{rec.fitted} and checked on every computed term "
            f"R_{rec.start}..R_{rec.checked} ({rec.checked - rec.fitted} held out)")


def _first_match(values, terms, last_proved):
    """The smallest s such that the closed form matches every term from s to ``last_proved`` - 1."""
    s = last_proved
    while s > 1 and values(s - 1) == terms[s - 2]:
        s -= 1
    return s


# ---------------------------------------------------------------------- constant coefficients
@dataclass(frozen=True)
class _RootGroup:
    factor: tuple          # monic, constant term first (Fractions)
    multiplicity: int
    coefficients: tuple    # per power t of k: coefficients of g_t(x), constant term first


def _power_sums(f, upto):
    """p_n = sum of rho^n over the roots rho of the monic polynomial f, for n = 0..upto."""
    m = len(f) - 1
    e = [f[m - i] for i in range(m + 1)]  # x^m + e_1 x^{m-1} + ... + e_m
    p = [Fraction(m)]
    for n in range(1, upto + 1):
        s = sum(e[i] * p[n - i] for i in range(1, min(n - 1, m) + 1))
        if n <= m:
            s += n * e[n]
        p.append(-s)
    return p


def _factor(char):
    poly = sp.Poly([_rat(c) for c in reversed(char)], _x)
    out = []
    for fac, mult in poly.factor_list()[1]:
        coeffs = [Fraction(int(c.p), int(c.q)) for c in reversed(fac.monic().all_coeffs())]
        out.append((tuple(coeffs), mult))
    return out


def _group_value(group, sums, n):
    m = len(group.factor) - 1
    return sum(Fraction(n) ** t * sum(g[s] * sums[s + n] for s in range(m))
               for t, g in enumerate(group.coefficients))


def _solve_constant(label, rec, terms):
    coeffs = [p[0] if p else Fraction(0) for p in (_trim(q) for q in rec.coefficients)]
    const = rec.rhs[0] if rec.rhs else Fraction(0)
    char = list(coeffs)
    if const:  # homogenise: the constant right-hand side adds the root 1
        char = [-coeffs[0]] + [coeffs[i - 1] - coeffs[i] for i in range(1, len(coeffs))] + [coeffs[-1]]
    lead = char[-1]
    char = [c / lead for c in char]
    d, k0, N = len(char) - 1, rec.start, len(terms)
    factors = _factor(char)
    sums = {f: _power_sums(f, N + len(f)) for f, _ in factors}
    unknowns = [(f, mult, t, s) for f, mult in factors for t in range(mult) for s in range(len(f) - 1)]
    system = flint.fmpq_mat(d, d)
    rhs = flint.fmpq_mat(d, 1)
    for row in range(d):
        n = k0 + row
        for col, (f, _, t, s) in enumerate(unknowns):
            v = Fraction(n) ** t * sums[f][s + n]
            system[row, col] = flint.fmpq(v.numerator, v.denominator)
        rhs[row, 0] = flint.fmpq(terms[n - 1].numerator, terms[n - 1].denominator)
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
        groups.append(_RootGroup(f, mult, tuple(per_t)))

    value = _ExactValues(groups)
    checks = [_found(rec)]
    # The closed form solves the recurrence: substituted into it, each root group leaves a
    # polynomial that vanishes modulo its factor (the constant right-hand side is met by root 1).
    q = [_rat(c) for c in coeffs]
    for g in groups:
        f_expr = sum(_rat(c) * _x**i for i, c in enumerate(g.factor))
        gt = [sum(_rat(c) * _x**s for s, c in enumerate(cs)) for cs in g.coefficients]
        S = sum(q[i] * _x**i * sum((k + i) ** t * gt[t] for t in range(len(gt))) for i in range(len(q)))
        if g.factor == (Fraction(-1), Fraction(1)):
            leftover = sp.expand(S.subs(_x, 1) - _rat(const))
        else:
            leftover = sp.expand(sp.rem(sp.expand(S), f_expr, _x))
        if leftover != 0:
            return None
    checks.append("closed form substituted into the recurrence: every root group's residual reduces to 0 "
                  "modulo its characteristic factor (and the constant term is matched by the root 1)")
    order = len(coeffs) - 1
    for n in range(k0, k0 + d):
        if value(n) != terms[n - 1]:
            return None
    checks.append(f"closed form equals the initial values R_{k0}..R_{k0 + d - 1}, so by induction it is "
                  f"the recurrence's solution for every k >= {k0}")
    if any(value(n) != terms[n - 1] for n in range(k0, N + 1)):
        return None
    start = _first_match(value, terms, k0)
    checks.append(f"closed form equals every computed term R_{start}..R_{N} exactly")

    expr = sp.Integer(0)
    for g in groups:
        expr += _group_expr(g)
    expr = sp.expand(expr) if all(len(g.factor) == 2 for g in groups) else expr
    numeric = _numeric_roots(expr)
    for n in sorted({start, k0 + d - 1, N}):
        if abs(sp.N(numeric.subs(k, n) - _rat(terms[n - 1]), 40)) > sp.Float("1e-30"):
            return None
    checks.append(f"the SymPy expression agrees with the exact terms at k = {start}, {k0 + d - 1}, {N} "
                  "to 30 digits")

    limit, limit_check = _constant_limit(groups)
    if limit_check:
        checks.append(limit_check)
    increment = None
    if len(coeffs) == 2 and coeffs[0] == -coeffs[1]:
        increment = _rat(const / coeffs[1])
    bound = _bound_constant(groups, limit, terms, start) if limit is not None else None
    char_poly = sp.Poly([_rat(c) for c in reversed(char)], _x)
    initial = {n: _rat(terms[n - 1]) for n in range(k0, k0 + order)}
    method = (f"constant-coefficient recurrence of order {order} (Berlekamp-Massey over QQ), solved by "
              "its characteristic roots")
    return ClosedForm(label, expr, rec.equation(), k0, start, initial, method, tuple(checks), limit, bound,
                      increment, char_poly, tuple(terms), rec, value)


def _numeric_roots(expr, digits=50):
    """``expr`` with every RootSum written out over its roots computed to ``digits`` digits."""
    def expand(rs):
        return sp.Add(*(rs.fun(rho) for rho in sp.Poly(rs.poly, _x).nroots(n=digits, maxsteps=200)))
    return expr.replace(lambda e: isinstance(e, sp.RootSum), expand)


class _ExactValues:
    """R_n from the root groups of a constant-coefficient closed form, exactly, for any n >= 1."""

    def __init__(self, groups):
        self.groups, self.sums = groups, {}

    def __call__(self, n):
        total = Fraction(0)
        for g in self.groups:
            sums = self.sums.get(g.factor)
            if sums is None or len(sums) <= n + len(g.factor):
                sums = self.sums[g.factor] = _power_sums(g.factor, 2 * n + len(g.factor))
            total += _group_value(g, sums, n)
        return total


def _group_expr(g):
    m = len(g.factor) - 1
    f_expr = sum(_rat(c) * _x**i for i, c in enumerate(g.factor))
    amplitude = sum(k**t * sum(_rat(c) * _x**s for s, c in enumerate(cs)) for t, cs in enumerate(g.coefficients))
    if m == 1:
        root = _rat(-g.factor[0])
        return sp.expand(amplitude.subs(_x, root)) * (root**k if root != 1 else 1)
    if m == 2:
        return sum(sp.expand(amplitude.subs(_x, rho)) * rho**k for rho in sp.roots(f_expr, _x, multiple=True))
    return sp.RootSum(sp.Poly(f_expr, _x), sp.Lambda(_x, amplitude * _x**k))


def inside_unit_disk(coefficients):
    """Whether every root of a real polynomial lies strictly inside the unit circle (Schur-Cohn test).

    Exact for rational coefficients: the test replaces p (degree n) by
    (a_n p(z) - a_0 z^n p(1/z)) / z, of degree n - 1, while |a_0| < |a_n|.

    Parameters
    ----------
    coefficients : sequence of rationals
        Constant term first.

    Examples
    --------
    >>> inside_unit_disk([1, 2, 3, 4])     # 4x^3 + 3x^2 + 2x + 1
    True
    >>> inside_unit_disk([-1, 1]), inside_unit_disk([1, 0, 2])
    (False, True)
    """
    p = [Fraction(c) for c in coefficients]
    p = _trim(p)
    while len(p) > 1:
        a0, an = p[0], p[-1]
        if abs(a0) >= abs(an):
            return False
        n = len(p) - 1
        p = _trim([an * p[i] - a0 * p[n - i] for i in range(1, n + 1)])
    return bool(p)


def _constant_limit(groups):
    unit, others = None, []
    for g in groups:
        if g.factor == (Fraction(-1), Fraction(1)):
            unit = g
        elif any(any(c) for c in g.coefficients):
            others.append(g)
    for g in others:
        if not inside_unit_disk(g.factor):
            return None, None
    word = ("every other characteristic root lies inside the unit circle (Schur-Cohn), so its terms vanish"
            if others else "no other characteristic root contributes")
    if unit is None:
        return sp.Integer(0), f"limit from the roots: {word}"
    poly = [cs[0] for cs in unit.coefficients]
    while len(poly) > 1 and poly[-1] == 0:
        poly.pop()
    if len(poly) > 1:
        return (sp.oo if poly[-1] > 0 else -sp.oo), \
            f"limit from the roots: the root 1 carries a polynomial of degree {len(poly) - 1} in k; {word}"
    return _rat(poly[0]), f"limit from the roots: the root 1 carries the constant {poly[0]}; {word}"


def _bound_constant(groups, limit, terms, start):
    """Monotone with a finite limit when one positive real root rho in (0, 1) carries a constant."""
    if limit in (sp.oo, -sp.oo):
        return None
    moving = [g for g in groups if g.factor != (Fraction(-1), Fraction(1)) and any(any(c) for c in g.coefficients)]
    if len(moving) != 1 or len(moving[0].factor) != 2 or len(moving[0].coefficients) != 1:
        return None
    rho, c = -moving[0].factor[0], moving[0].coefficients[0][0]
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
        value = _rat(terms[n - 1])
        if not bool(value < limit if increasing else value > limit):
            break
        holds_from = n
    if holds_from < monotone_from:
        checks.append(f"checked term by term for k = {holds_from}..{monotone_from - 1}")
    # Before monotone_from, the terms are finitely many: extremes over them are exact.
    early = [_rat(t) for t in terms[:monotone_from]]
    if increasing:
        supremum, infimum = limit, min(early)
    else:
        supremum, infimum = max(early), limit
    relation = sp.Lt(R(k), limit) if increasing else sp.Gt(R(k), limit)
    return Bound(relation, holds_from, direction, monotone_from, supremum, infimum, tuple(checks))


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


def _expand_harmonic_shifts(expr):
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


def _solve_increments(label, rec, terms, r):
    parts = partial_fractions(r)
    if parts is None:
        return None
    poly, fractions = parts
    k0, N = rec.start, len(terms)
    expr = _rat(terms[k0 - 1]) + sp.summation(poly, (_j, k0, k - 1))
    for c, b, p in fractions:
        expr += c * (sp.harmonic(k - 1 + b, p) - sp.harmonic(k0 - 1 + b, p))
    expr = sp.expand(_expand_harmonic_shifts(expr))
    harmonics = sum((t for t in sp.Add.make_args(expr) if t.has(sp.harmonic)), sp.Integer(0))
    expr = harmonics + sp.apart(sp.cancel(expr - harmonics), k)  # rational part in partial fractions
    checks = [_found(rec)]
    residual = _expand_harmonic_shifts(expr.subs(k, k + 1)) - expr - r
    if sp.simplify(sp.cancel(sp.expand(residual))) != 0:
        return None
    checks.append("closed form substituted into R(k+1) - R(k) = r(k) simplifies to 0 "
                  "(harmonic(z + 1, p) = harmonic(z, p) + (z + 1)^-p)")
    exact = all(b.is_integer for _, b, _ in fractions)

    def value(n):
        v = expr.subs(k, n)
        return Fraction(int(v.p), int(v.q)) if v.is_Rational else None

    def agrees(n):
        if exact:
            return value(n) == terms[n - 1]
        return abs(sp.N(expr.subs(k, n) - _rat(terms[n - 1]), 60)) < sp.Float("1e-50")

    if not agrees(k0):
        return None
    checks.append(f"closed form equals the initial value R_{k0}, so by induction it solves the recurrence "
                  f"for every k >= {k0}")
    if not all(agrees(n) for n in range(k0, N + 1)):
        return None
    start = _first_match(value, terms, k0) if exact else k0
    checks.append(f"closed form equals every computed term R_{start}..R_{N} "
                  + ("exactly" if exact else "to 50 digits"))
    limit = _increments_limit(expr, poly, fractions, checks)
    bound = None
    if limit is not None and limit.is_finite:
        direction, from_k, why = _increment_sign(r, k0, terms)
        if direction:
            bound = _make_bound(limit, direction, from_k, terms, why)
    method = ("first-order recurrence R(k+1) = R(k) + r(k) with r rational (polynomial-coefficient search "
              "over QQ), summed by partial fractions into harmonic numbers")
    return ClosedForm(label, expr, rec.equation(), k0, start, {k0: _rat(terms[k0 - 1])}, method,
                      tuple(checks), limit, bound, sp.factor(r), None, tuple(terms), rec)


def _increments_limit(expr, poly, fractions, checks):
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


def _increment_sign(r, k0, terms):
    """(direction, from_k, why) when r(k) has one strict sign for every integer k >= k0."""
    num, den = sp.fraction(sp.cancel(sp.together(r)))
    for part in (num, den):
        poly = sp.Poly(part, k)
        if poly.degree() >= 1 and poly.count_roots(k0, None) > 0:
            return None, None, None
    at = r.subs(k, k0)
    if at == 0:
        return None, None, None
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
    return direction, from_k, why


# ---------------------------------------------------------------------- polynomial coefficients
def _solve_rsolve(label, rec, terms):
    f = sp.Function("f")
    equation = sum(rec.poly(i) * f(k + i) for i in range(rec.order + 1)) - rec.rhs_expr()
    k0, N = rec.start, len(terms)
    init = {f(k0 + i): _rat(terms[k0 - 1 + i]) for i in range(rec.order)}
    try:
        expr = sp.rsolve(equation, f(k), init)
    except (NotImplementedError, ValueError, TypeError, ZeroDivisionError):
        return None
    if expr is None or expr.has(sp.Sum, sp.Product, f):
        return None
    if not _solves(rec, expr):
        return None
    checks = [_found(rec), "closed form (sympy.rsolve) substituted into the recurrence simplifies to 0"]
    for n in range(k0, N + 1):
        if abs(sp.N(expr.subs(k, n) - _rat(terms[n - 1]), 60)) > sp.Float("1e-50"):
            return None
    checks.append(f"closed form equals the initial values and every computed term R_{k0}..R_{N} to 50 digits")
    try:
        limit = sp.limit(expr, k, sp.oo)
        if limit.has(sp.Limit, sp.AccumBounds):
            limit = None
    except (NotImplementedError, ValueError, TypeError):
        limit = None
    method = f"polynomial-coefficient recurrence of order {rec.order}, solved by sympy.rsolve"
    initial = {n: _rat(terms[n - 1]) for n in range(k0, k0 + rec.order)}
    return ClosedForm(label, expr, rec.equation(), k0, k0, initial, method, tuple(checks), limit, None, None,
                      None, tuple(terms), rec)


def _solves(rec, expr):
    """Whether ``expr`` satisfies the recurrence identically in k (symbolic simplification)."""
    residual = sp.expand_func(_expand_harmonic_shifts(rec.residual(expr)))
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


# ---------------------------------------------------------------------- the pooled fit
@dataclass(frozen=True, eq=False)
class PooledFitIdentity:
    """The augment fit's telescoping, derived from its definition.

    Attributes
    ----------
    definition : sympy.Eq
        H_k = (eps_0 + sum_{j=1}^{k-1} (H_j + eps_j)) / k, the pooled fit of R0, S1..S<k-1>.
    identity : sympy.Eq
        k H_k - (k - 1) H_{k-1} = H_{k-1} + eps_{k-1}.
    residual : sympy.Expr
        The identity's two sides subtracted, after SymPy's simplification (0 when proved).
    update : sympy.Eq
        H_k = H_{k-1} + eps_{k-1} / k, solved from the identity.
    variance : sympy.Expr
        Var H_k / Var H_1 from the update (eps_{k-1} independent of H_{k-1}, unit variance).
    proved : bool
    """

    definition: sp.Eq
    identity: sp.Eq
    residual: sp.Expr
    update: sp.Eq
    variance: sp.Expr
    proved: bool


def pooled_fit_identity():
    """Derive H_k = H_{k-1} + eps_{k-1}/k from the definition of the augment fit.

    The proof is SymPy's: the two definitions for k and k - 1 are subtracted, the
    last summand is written as a one-term sum, and SymPy's sum simplification
    merges and cancels the sums.

    Examples
    --------
    >>> result = pooled_fit_identity()
    >>> result.proved, result.update
    (True, Eq(H(k), H(k - 1) + epsilon(k - 1)/k))
    >>> result.variance
    harmonic(k, 2)
    """
    H, eps = sp.Function("H"), sp.Function("epsilon")
    summand = H(_j) + eps(_j)

    def fit(n):
        return (eps(0) + sp.Sum(summand, (_j, 1, n - 1))) / n

    definition = sp.Eq(H(k), fit(k))
    last = sp.Sum(summand, (_j, k - 1, k - 1))
    identity = sp.Eq(k * H(k) - (k - 1) * H(k - 1), H(k - 1) + eps(k - 1))
    residual = sp.simplify(sp.expand(k * fit(k) - (k - 1) * fit(k - 1)) - last)
    solved = sp.solve(identity, H(k))
    update = sp.Eq(H(k), sp.expand(solved[0]))
    # Var H_k = Var H_{k-1} + Var(eps_{k-1}) / k^2: eps_{k-1} is independent of H_{k-1}, Var eps = 1.
    scale = sp.expand(update.rhs - H(k - 1)).coeff(eps(k - 1))
    variance = sp.simplify(1 + sp.summation((scale**2).subs(k, _j), (_j, 2, k)))
    last_summand_ok = last.doit() == H(k - 1) + eps(k - 1)
    proved = last_summand_ok and residual == 0 and sp.simplify(update.rhs - H(k - 1) - eps(k - 1) / k) == 0
    return PooledFitIdentity(definition, identity, residual, update, variance, proved)
