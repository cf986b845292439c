"""Risk ratios and their limits at any precision, each with an error bound.

:func:`ratios_mp` turns the exact ratios of a workflow into mpmath numbers.
:func:`limit_estimate` evaluates lim R_k of a family of workflows by one of three
routes, and says how far the value can be from the limit:

``"symbolic"``
    the limit that :func:`theory.proofs.prove` derives (from the closed form, or
    from the characteristic roots of the recurrence), evaluated by SymPy at extra
    precision; the bound covers the rounding.
``"tail"``
    from the proved recurrence itself, independently of the closed form. When
    the increments R_{k+1} - R_k = r(k) are a rational function whose partial
    fractions c (k + b)^-p all have p >= 2 and one sign (so every derivative of r
    keeps its sign), the tail sum from K on is the Euler-Maclaurin expansion, all of
    whose terms are exact rationals here, and the remainder after the B_2m term is
    at most that term in size (Knuth 1997, TAOCP vol. 1, §1.2.11.2, exercise 3).
    When the recurrence has constant coefficients with every characteristic root
    strictly inside the unit circle (Schur-Cohn), the limit is its fixed point,
    an exact rational. Both results are rigorous.
``"extrapolation"``
    Levin's u-transform (mpmath) of the exact terms; its error is an estimate,
    not a bound (``rigorous=False``).

``"auto"`` takes the first route that applies, in that order. A value is
``rigorous`` only when the limit or recurrence it rests on is *proved* for every k
(THEORY.md §7): the limit of a conjectured closed form is reported with
``rigorous=False``, and the tail route needs a proved recurrence. mpmath's working
precision is changed only inside ``mp.workdps``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

import mpmath
import sympy as sp
from mpmath import mp

from theory.limits import inside_unit_disk
from theory.process import risk_ratios
from theory.proofs import prove
from theory.rationals import as_fraction
from theory.solve import partial_fractions

__all__ = ["Estimate", "ratios_mp", "limit_estimate", "ROUTES", "MAX_DPS"]

ROUTES = ("auto", "symbolic", "tail", "extrapolation")
MAX_DPS = 100_000
GUARD = 10  # extra decimal digits carried through every evaluation


@dataclass(frozen=True)
class Estimate:
    """A high-precision value with a bound on its error.

    Attributes
    ----------
    value : mpmath.mpf
        The value, carried at ``dps`` + 10 digits (``mpf('inf')`` for a divergent sequence).
    decimal : str
        ``value`` rounded to ``dps`` significant digits (``"oo"`` or ``"-oo"`` if infinite).
    error_bound : mpmath.mpf
        |value - true value| <= error_bound when ``rigorous``; an estimate otherwise.
    rigorous : bool
    method : str
    dps : int

    Examples
    --------
    >>> e = limit_estimate("weighted:0.5:2", 12)
    >>> e.decimal, e.rigorous, e.finite
    ('0.500000000000', True, True)
    """

    value: mpmath.mpf
    decimal: str
    error_bound: mpmath.mpf
    rigorous: bool
    method: str
    dps: int

    @property
    def finite(self):
        return bool(mpmath.isfinite(self.value))

    def __str__(self):
        if not self.finite:
            return f"{self.decimal} ({self.method})"
        kind = "bound" if self.rigorous else "estimated error"
        return f"{self.decimal} ({kind} {mpmath.nstr(self.error_bound, 3)}; {self.method})"

    def __repr__(self):
        return f"Estimate({self}, {self.dps} digits)"

    def _repr_latex_(self):
        if not self.finite:
            return r"$" + (r"-\infty" if self.decimal.startswith("-") else r"\infty") + "$"
        mantissa, _, exponent = mpmath.nstr(self.error_bound, 2, min_fixed=0, max_fixed=0).partition("e")
        bound = rf"{mantissa} \times 10^{{{int(exponent)}}}" if exponent else mantissa
        relation = r"\pm" if self.rigorous else r"\pm_{\text{est.}}"
        return rf"${self.decimal} {relation} {bound}$"


def _check_dps(dps):
    if isinstance(dps, bool) or not isinstance(dps, int) or not 1 <= dps <= MAX_DPS:
        raise ValueError(f"dps must be an integer from 1 to {MAX_DPS}, got {dps!r}")


def _mpf(x):
    x = as_fraction(x)
    return mpmath.mpf(x.numerator) / x.denominator


def ratios_mp(workflow, dps):
    """The exact risk ratios of ``workflow`` as mpmath numbers of ``dps`` digits.

    Parameters
    ----------
    workflow : WorkflowLike
        A workflow, a preset spelling or a workflow file (:func:`theory.load_workflow`).
    dps : int
        Decimal digits of the mpmath numbers.

    Returns
    -------
    list of mpmath.mpf
        R_1, ..., R_G.

    Examples
    --------
    >>> from theory.presets import preset
    >>> [mpmath.nstr(r, 20) for r in ratios_mp(preset("augment", 3), 20)]
    ['1.0', '1.25', '1.3611111111111111111']
    """
    _check_dps(dps)
    exact = risk_ratios(workflow)
    with mp.workdps(dps):
        return [_mpf(r) for r in exact]


def _estimate(value, bound, rigorous, method, dps):
    with mp.workdps(dps + GUARD):
        value = +value
        if mpmath.isinf(value):
            text = "oo" if value > 0 else "-oo"
        else:
            text = mpmath.nstr(value, dps, strip_zeros=False, min_fixed=-mpmath.inf, max_fixed=mpmath.inf) \
                if value != 0 else "0"
        return Estimate(value, text, mpmath.mpf(bound), rigorous, method, dps)


def _from_rational(q, dps, method, rigorous=True):
    """An exact rational as an Estimate: the only error is the conversion."""
    with mp.workdps(dps + GUARD):
        value = _mpf(q)
        bound = abs(value) * mpmath.mpf(10) ** (-(dps + GUARD - 2)) if q else mpmath.mpf(0)
        return _estimate(value, bound, rigorous, method, dps)


def limit_estimate(family, dps=30, route="auto"):
    """lim_{k -> oo} R_k of a family of workflows to ``dps`` significant digits, with an error bound.

    Parameters
    ----------
    family : WorkflowLike
        A family, as for :func:`theory.proofs.prove`.
    dps : int
        Significant decimal digits wanted.
    route : {"auto", "symbolic", "tail", "extrapolation"}

    Returns
    -------
    Estimate

    Raises
    ------
    ValueError
        For a bad ``dps`` or ``route``, or when the requested route does not apply.

    Examples
    --------
    >>> e = limit_estimate("augment", 50)
    >>> e.decimal, e.rigorous, e.error_bound < mpmath.mpf(10) ** -50
    ('1.6449340668482264364724151666460251892189499012068', True, True)
    >>> t = limit_estimate("augment", 50, route="tail")
    >>> t.method.startswith("Euler-Maclaurin"), abs(t.value - e.value) <= t.error_bound + e.error_bound
    (True, True)
    >>> limit_estimate("mix:1", 10, route="tail").decimal
    '1.333333333'
    """
    _check_dps(dps)
    if route not in ROUTES:
        raise ValueError(f"route must be one of {', '.join(ROUTES)}, got {route!r}")
    proof = prove(family)
    order = ("symbolic", "tail", "extrapolation") if route == "auto" else (route,)
    reasons = []
    for name in order:
        result, why = {"symbolic": _symbolic, "tail": _tail, "extrapolation": _extrapolation}[name](proof, dps)
        if result is not None:
            return result
        reasons.append(f"{name}: {why}")
    raise ValueError(f"no limit of R_k for {family!r} by route {route!r} ({'; '.join(reasons)})")


# ---------------------------------------------------------------------- route (a): the derived limit
def _symbolic(proof, dps):
    limit = proof.limit
    if limit is None:
        return None, "no limit derived"
    rigorous = proof.proved
    source = "proved" if rigorous else "conjectured (not proved)"
    method = f"symbolic limit {limit} ({source}), evaluated by SymPy"
    if limit in (sp.oo, -sp.oo):
        return _estimate(mpmath.inf if limit == sp.oo else -mpmath.inf, 0, rigorous, method, dps), None
    if limit.is_Rational:
        return _from_rational(as_fraction(limit), dps, method, rigorous), None
    digits = dps + GUARD
    text = str(sp.N(limit, digits + 5))
    with mp.workdps(digits):
        value = mpmath.mpf(text)
        # SymPy's evalf tracks its own error to the digits asked (digits + 5): 10^-(digits) is generous.
        bound = abs(value) * mpmath.mpf(10) ** (-(digits - 1))
        return _estimate(value, bound, rigorous, method, dps), None


# ---------------------------------------------------------------------- route (b): the sequence's tail
def _tail(proof, dps):
    if not proof.proved:
        return None, "no recurrence proved for every k"
    rec = proof.recurrence
    if rec.constant_coefficients:
        return _fixed_point(rec, dps)
    normal = rec.normal_form()
    if normal is None or normal[0] != 1:
        return None, "the recurrence is neither R(k+1) = R(k) + r(k) nor constant-coefficient"
    return _euler_maclaurin(proof, normal[1], dps)


def _fixed_point(rec, dps):
    q = [p[0] if p else Fraction(0) for p in rec.coefficients]
    const = rec.rhs[0] if rec.rhs else Fraction(0)
    if not inside_unit_disk(q):
        return None, "a characteristic root lies on or outside the unit circle"
    # Every root inside the unit circle: the homogeneous part decays and R_k -> c / Q(1).
    limit = const / sum(q)
    method = "fixed point c/Q(1) of the constant-coefficient recurrence, its roots inside the unit circle " \
             "(Schur-Cohn)"
    return _from_rational(limit, dps, method), None


def _euler_maclaurin(proof, r, dps):
    split = partial_fractions(r)
    if split is None:
        return None, "the increment has an irrational pole"
    poly, parts = split
    if poly != 0 or not parts:
        return None, "the increment has a polynomial part, so the sum diverges"
    parts = [(as_fraction(c), as_fraction(b), p) for c, b, p in parts]
    simple = [(c, b) for c, b, p in parts if p == 1]
    parts = [part for part in parts if part[2] >= 2]
    # Simple poles must telescope: within each class of b modulo 1 the residues sum to 0.
    classes = {}
    for c, b in simple:
        classes.setdefault(b - math.floor(b), []).append((c, b))
    if any(sum(c for c, _ in group) != 0 for group in classes.values()):
        return None, "the increment's simple poles do not cancel: R_k grows like log k"
    if not parts and not simple:
        return None, "the increment is 0"
    if len({c > 0 for c, _, _ in parts}) > 1:
        return None, "the increment's partial fractions change sign: the remainder bound does not apply"
    k0 = proof.recurrence.start
    target = Fraction(1, 10 ** (dps + GUARD))
    lowest = min(b for _, b, _ in parts + [(c, b, 1) for c, b in simple])
    K = max(k0, 2 - math.floor(lowest), math.ceil(0.4 * (dps + GUARD)) + 8)
    while True:
        result = _em_tail(parts, K, target) if parts else (Fraction(0), Fraction(0), 0)
        if result is not None:
            break
        K *= 2
    tail, remainder, terms_used = result
    tail += _telescoped(classes, K)
    # R_K exactly, from the proved recurrence.
    head = proof.ratios(K)[-1]
    value = head + tail
    with mp.workdps(dps + GUARD):
        mp_value = _mpf(value)
        bound = _mpf(remainder) + abs(mp_value) * mpmath.mpf(10) ** (-(dps + GUARD - 2))
    method = (f"Euler-Maclaurin tail from K = {K} with {terms_used} Bernoulli terms, exact rationals; "
              "remainder bounded by the last term (Knuth 1997, 1.2.11.2 ex. 3)")
    return _estimate(mp_value, bound, True, method, dps), None


def _telescoped(classes, K):
    """sum_{j >= K} of the simple-pole parts, exactly: within a class they telescope."""
    total = Fraction(0)
    for group in classes.values():
        base = min(b for _, b in group)
        for c, b in group:
            # sum_{j>=K} [1/(j+b) - 1/(j+base)] = -sum_{m=0}^{b-base-1} 1/(K+base+m)
            total -= c * sum(Fraction(1) / (K + base + m) for m in range(int(b - base)))
    return total


def _rf(parts, x):
    return sum(c / (x + b) ** p for c, b, p in parts)


def _em_tail(parts, K, target):
    """sum_{j >= K} r(j) as an exact rational and a bound on its remainder, or None if K is too small."""
    total = sum(c * (K + b) ** (1 - p) / (p - 1) for c, b, p in parts) + _rf(parts, K) / 2
    previous = None
    for m in range(1, 4 * K + 50):
        num, den = mpmath.bernfrac(2 * m)
        bern = Fraction(int(num), int(den))
        # f^(2m-1)(K) for f = c (x + b)^-p: c (-1)^(2m-1) p (p+1) ... (p+2m-2) (K + b)^-(p+2m-1)
        derivative = sum(-c * _rising(p, 2 * m - 1) / (K + b) ** (p + 2 * m - 1) for c, b, p in parts)
        term = -bern / math.factorial(2 * m) * derivative
        total += term
        if abs(term) < target:
            return total, abs(term), m
        if previous is not None and abs(term) > abs(previous):
            return None  # the asymptotic series turned before reaching the target: move K out
        previous = term
    return None


def _rising(p, n):
    out = 1
    for i in range(n):
        out *= p + i
    return out


# ---------------------------------------------------------------------- route (c): extrapolation
def _extrapolation(proof, dps):
    terms = proof.ratios(60)
    with mp.workdps(2 * dps + 2 * GUARD):
        partial = [_mpf(t) for t in terms]
        try:
            # The error estimate compares the transform of all terms with that of the first N - 10.
            value, _ = mpmath.levin(method="levin", variant="u").update_psum(partial)
            earlier, _ = mpmath.levin(method="levin", variant="u").update_psum(partial[:-10])
        except ZeroDivisionError:
            return None, "the sequence has equal consecutive terms, which Levin's transform cannot take"
    with mp.workdps(dps + GUARD):
        method = (f"Levin u-transform of R_1..R_{len(terms)}; error estimated from the transform of the "
                  "first N - 10 terms, not bounded")
        return _estimate(+value, abs(value - earlier), False, method, dps), None
