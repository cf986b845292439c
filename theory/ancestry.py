"""The genealogy of resampled data: which real points a synthetic batch descends from.

A fitted empirical distribution (no smoothing) emits a point by choosing a fit entry
with probability equal to its share and then a uniform point of that entry. Every
synthetic point therefore copies one *real ancestor*, and the genealogy (who copies
whom) does not depend on the points' values. Real points are independent draws from
the truth p, so a category i is absent from the data of a fit exactly when none of
its A distinct real ancestors has value i:

    P(category i absent) = E (1 - p_i)^A,     P(category i fixed) = E p_i^A,

the duality between the Wright-Fisher chain of a category's count and the
*ancestral* chain of the number of distinct ancestors. One law of A serves all K
categories, which makes the expected lost mass sum_i p_i E(1 - p_i)^A and the expected
support sum_i (1 - E(1 - p_i)^A) cheap for K = 10^5 and more.

Under a discard-shaped workflow (each generation fits the whole previous batch) the
ancestral chain is an occupancy chain: ``a`` points choose their parents uniformly
among ``b`` points, and the number of distinct parents D has the law

    P(D = d) = C(b, d) d! S(a, d) / b^a            (S: Stirling numbers of the second kind).

This module gives that chain exactly (:func:`occupancy_law`, :func:`ancestor_laws_exact`:
rationals), in float64 (:func:`ancestor_laws`: a ball-by-ball recursion whose discarded
tails are below 1e-24 of the peak), the mean-field recursion a -> b (1 - (1 - 1/b)^a)
for any workflow (:func:`real_ancestors_mean_field`, asymptotic as n -> infinity with the
generation fixed), and the sums over categories (:func:`category_sums`).

Examples
--------
>>> [str(x) for x in occupancy_law(2, 2)]
['0', '1/2', '1/2']
>>> laws = ancestor_laws_exact(2, [2, 2])      # two points, two steps back through two points
>>> {a: str(w) for a, w in sorted(laws[-1].items())}
{1: '3/4', 2: '1/4'}
"""

from __future__ import annotations

import math
from fractions import Fraction
from functools import cache
from typing import NamedTuple

import numpy as np
import sympy as sp

__all__ = ["occupancy_law", "ancestor_laws_exact", "AncestorLaw", "occupancy_step", "ancestor_laws",
           "mean_field_step", "Categories", "category_sums", "category_sums_exact", "absorption_exact", "Ancestry",
           "real_ancestors_mean_field", "derive_ancestor_recursion", "ball_steps"]

# entries of a float law below this fraction of its peak are dropped (their total is far below rounding)
_RELATIVE_CUT = 1e-24


# --------------------------------------------------------------------------- exact (rationals)
@cache
def _stirling_row(a):
    return [int(sp.functions.combinatorial.numbers.stirling(a, d)) for d in range(a + 1)]


def occupancy_law(balls, boxes):
    """Exact law of the number of distinct boxes hit by ``balls`` uniform balls in ``boxes`` boxes.

    From the Stirling numbers of the second kind: P(D = d) = C(b, d) d! S(a, d) / b^a.

    Returns
    -------
    list of Fraction
        P(D = d) for d = 0..balls.

    Examples
    --------
    >>> [str(x) for x in occupancy_law(3, 2)]
    ['0', '1/4', '3/4', '0']
    """
    a, b = _count(balls, "balls"), _count(boxes, "boxes", 1)
    row = _stirling_row(a)
    total = b**a
    return [Fraction(math.comb(b, d) * math.factorial(d) * row[d], total) if d <= b else Fraction(0)
            for d in range(a + 1)]


def ancestor_laws_exact(start, boxes):
    """Exact laws of the number of distinct ancestors, ``start`` points traced back step by step.

    Step j sends every current ancestor to a uniform parent among ``boxes[j]`` points.

    Returns
    -------
    list of dict
        After each step, ``{a: P(A = a)}`` (Fractions).
    """
    law = {_count(start, "start"): Fraction(1)}
    out = []
    for b in boxes:
        new = {}
        for a, w in law.items():
            for d, q in enumerate(occupancy_law(a, b)):
                if q:
                    new[d] = new.get(d, 0) + w * q
        law = new
        out.append(law)
    return out


def category_sums_exact(p, law):
    """(E sum_i p_i (1 - p_i)^A, E sum_i (1 - p_i)^A) for an exact law ``{a: P(A = a)}``.

    The expected lost mass and the expected number of absent categories.

    Examples
    --------
    >>> [str(x) for x in category_sums_exact([Fraction(1, 2)] * 2, {1: Fraction(1)})]
    ['1/2', '1']
    """
    lost = absent = Fraction(0)
    for pi in p:
        pi = Fraction(pi)
        miss = sum((w * (1 - pi) ** a for a, w in law.items()), Fraction(0))
        lost += pi * miss
        absent += miss
    return lost, absent


def absorption_exact(pi, law):
    """(P(category lost), P(category fixed)) = (E (1 - p_i)^A, E p_i^A) for an exact law.

    Examples
    --------
    >>> [str(x) for x in absorption_exact(Fraction(1, 3), {2: Fraction(1)})]
    ['4/9', '1/9']
    """
    pi = Fraction(pi)
    return (sum((w * (1 - pi) ** a for a, w in law.items()), Fraction(0)),
            sum((w * pi**a for a, w in law.items()), Fraction(0)))


# --------------------------------------------------------------------------- float64
class AncestorLaw(NamedTuple):
    """A law on the integers ``offset, offset + 1, ...`` with probabilities ``pmf`` (float64)."""

    offset: int
    pmf: np.ndarray

    @property
    def mean(self):
        return float(np.dot(self.pmf, np.arange(self.offset, self.offset + len(self.pmf))))

    @classmethod
    def point(cls, a):
        return cls(int(a), np.ones(1))


def occupancy_step(law, boxes):
    """The law of the distinct parents of A points (A with law ``law``), each choosing among ``boxes``.

    Balls are added one at a time: with d boxes hit, the next ball hits a new box with
    probability (b - d)/b. One pass over a = 1..max A accumulates P(A = a) times the law
    after a balls. Every 32 balls, entries below 1e-24 of the peak are dropped (the
    occupancy count has sub-Gaussian tails by McDiarmid's inequality, so the window
    stays about 21 standard deviations wide), which keeps the cost near
    (max A) x (window).

    Examples
    --------
    >>> step = occupancy_step(AncestorLaw.point(3), 2)
    >>> step.offset, step.pmf.round(6).tolist()
    (1, [0.25, 0.75])
    """
    b = _count(boxes, "boxes", 1)
    stay = np.arange(b + 1, dtype=float) / b     # P(next ball lands in a hit box | d hit)
    move = 1.0 - stay
    top = law.offset + len(law.pmf) - 1
    acc = np.zeros(min(top, b) + 1)
    cur = np.zeros(b + 1)
    cur[0], lo, hi = 1.0, 0, 1                   # the law after 0 balls: no box hit; cur lives on [lo, hi)
    if law.offset == 0:
        acc[0] += law.pmf[0]
    for a in range(1, top + 1):
        up = min(hi + 1, b + 1)
        cur[lo + 1:up] = cur[lo + 1:up] * stay[lo + 1:up] + cur[lo:up - 1] * move[lo:up - 1]
        cur[lo] *= stay[lo]
        hi = up
        if a % 32 == 0 or a == top:
            window = cur[lo:hi]
            keep = np.flatnonzero(window > _RELATIVE_CUT * window.max())
            cur[lo:lo + keep[0]] = 0.0
            cur[lo + keep[-1] + 1:hi] = 0.0
            lo, hi = lo + int(keep[0]), lo + int(keep[-1]) + 1
        if a >= law.offset:
            w = law.pmf[a - law.offset]
            if w:
                acc[lo:hi] += w * cur[lo:hi]
    nz = np.flatnonzero(acc > _RELATIVE_CUT * acc.max())
    pmf = acc[nz[0]:nz[-1] + 1]
    return AncestorLaw(int(nz[0]), pmf / pmf.sum())


def ancestor_laws(start, boxes):
    """Float64 laws of the number of distinct ancestors after each step (see :func:`ancestor_laws_exact`).

    Parameters
    ----------
    start : int
        The points traced back.
    boxes : sequence of int
        The number of possible parents at each step.

    Returns
    -------
    list of AncestorLaw
        The law after each step (``mean`` and the probabilities).

    Examples
    --------
    >>> [round(law.mean, 6) for law in ancestor_laws(2, [2, 2])]
    [1.5, 1.25]
    """
    law = AncestorLaw.point(_count(start, "start"))
    out = []
    for b in boxes:
        law = occupancy_step(law, b)
        out.append(law)
    return out


def ball_steps(start, boxes):
    """An estimate of the work of :func:`ancestor_laws` (balls added), from the mean-field means."""
    a, total = float(start), 0.0
    for b in boxes:
        total += a
        a = mean_field_step(a, b)
    return total


def mean_field_step(a, boxes):
    """E(distinct boxes hit by a balls) = b (1 - (1 - 1/b)^a), for real a (the mean-field map).

    Parameters
    ----------
    a : float
        The number of balls (ancestors), real.
    boxes : int
        The number of boxes b (possible parents).

    Returns
    -------
    float

    Examples
    --------
    >>> mean_field_step(2, 2)
    1.5
    """
    return -boxes * math.expm1(a * math.log1p(-1.0 / boxes)) if boxes > 1 else min(1.0, float(a))


# (bound on |l| * span, series terms): the remainder x^R / R! stays below 1e-20
_SERIES_GROUPS = ((1e-3, 7), (3e-2, 11), (0.3, 19), (1.0, 27))


class Categories:
    """Category probabilities prepared for many evaluations of E sum_i w_i (1 - p_i)^A.

    For a law on [c - w, c + w], (1 - p)^a = (1 - p)^c exp(j l) with l = log(1 - p) and
    j = a - c. Where |l| w <= 1 the exponential is summed as the series
    sum_r l^r M_r / r! over the law's moments M_r = E j^r, with as many terms as keep
    the remainder below 1e-20 (7 for the rarest categories, 27 at |l| w = 1);
    otherwise (at most about w categories, since the p_i sum to 1) directly. The cost
    is about 10 K plus w^2 operations per law.

    Examples
    --------
    >>> cats = Categories([0.5, 0.25, 0.25])
    >>> law = AncestorLaw(1, np.array([0.5, 0.5]))          # A = 1 or 2
    >>> p = np.array([0.5, 0.25, 0.25])
    >>> bool(np.isclose(cats.expected_powers(law), 0.5 * sum(p * ((1 - p) + (1 - p)**2)), rtol=1e-14))
    True
    """

    def __init__(self, p):
        p = np.asarray(p, dtype=float)
        self.order = np.argsort(p, kind="stable")
        self.p = p[self.order]
        with np.errstate(divide="ignore"):
            self.ell = np.log1p(-self.p)              # -inf where p = 1; sorted by |l| ascending

    def expected_powers(self, law, weights=None):
        """E sum_i w_i (1 - p_i)^A; ``weights`` None means w = p (the expected lost mass).

        ``law`` is an :class:`AncestorLaw` or a number (a deterministic, mean-field A).
        ``weights`` may be a 2-D array (one row of weights per sum): the powers are then
        computed once and an array of sums is returned.
        """
        w = self.p if weights is None else np.asarray(weights, dtype=float)[..., self.order]
        ell = self.ell
        if not isinstance(law, AncestorLaw):
            with np.errstate(invalid="ignore"):
                powers = np.where(self.p > 0, np.exp(float(law) * ell), 1.0)
            return _dot(w, powers)
        a = np.arange(law.offset, law.offset + len(law.pmf))
        c = int(round(law.mean))
        j = (a - c).astype(float)
        span = max(1.0, float(np.abs(j).max()))
        moments = np.empty(_SERIES_GROUPS[-1][1])
        term = law.pmf.copy()
        for r in range(len(moments)):
            moments[r] = term.sum()
            term *= j / (r + 1)
        total, start = 0.0, 0
        for bound, terms in _SERIES_GROUPS:
            stop = int(np.searchsorted(-ell, bound / span, side="right"))
            if stop > start:
                es = ell[start:stop]
                series = np.full_like(es, moments[terms - 1])
                for r in range(terms - 2, -1, -1):    # Horner in l
                    series *= es
                    series += moments[r]
                series *= np.exp(c * es)
                total = total + _dot(w[..., start:stop], series)
            start = max(start, stop)
        if start < len(ell):
            with np.errstate(invalid="ignore"):
                powers = np.exp(np.outer(ell[start:], a))
            powers[~np.isfinite(powers)] = 0.0
            total = total + _dot(w[..., start:], (powers * law.pmf).sum(axis=1))
        return total


def _dot(a, b):
    """sum_i a_i b_i (rows of a 2-D ``a`` each), without BLAS, whose threads stall on a loaded machine."""
    out = np.multiply(a, b).sum(axis=-1)
    return float(out) if np.ndim(out) == 0 else out


def category_sums(p, law, weights=None):
    """E sum_i w_i (1 - p_i)^A over a float law (or a mean-field value) of A (see :class:`Categories`).

    With ``weights=None`` the weights are p itself (the expected lost mass); pass
    ``np.ones(K)`` for the expected number of absent categories.

    Examples
    --------
    >>> round(category_sums([0.5, 0.5], 2.0), 12)
    0.25
    """
    return Categories(p).expected_powers(law, weights)


# --------------------------------------------------------------------------- any workflow
class Ancestry(NamedTuple):
    """The distinct real ancestors of a fit's data (or of draws from a fit).

    ``mean`` is exact when ``exact`` (the count is then deterministic), otherwise the
    mean-field value.
    """

    mean: float
    exact: bool


def real_ancestors_mean_field(entries, k, draws=None):
    """Distinct real ancestors of generation k's fit data, or of ``draws`` points sampled from its fit.

    Mean-field genealogy: every batch B gets a hit probability h_B (a point of B is an
    ancestor), and a channel that throws ``balls`` points uniformly at a subsample of c
    of its N points hits a given point with probability (c/N)(1 - (1 - 1/c)^balls);
    channels from different generations combine as independent events; the balls a
    synthetic batch throws are h |S| times the shares of its generation's fit entries.
    The result is exact (a deterministic count) when every real batch is either used
    whole by the fit itself or reached only directly (a subsample of c real points has
    exactly c distinct points); otherwise it is the law-of-large-numbers value, exact to
    first order as n -> infinity with k fixed.

    Parameters
    ----------
    entries : list of list of Share
        ``theory.predictions.fit_points(workflow, n)``.
    k : int
        The generation (1-based).
    draws : int, optional
        Trace ``draws`` points sampled from the fit of generation k instead of its data.

    Returns
    -------
    Ancestry

    Examples
    --------
    >>> from theory.presets import preset
    >>> from theory.predictions import fit_points
    >>> rows = fit_points(preset("augment", 3), 10)
    >>> real_ancestors_mean_field(rows, 3)
    Ancestry(mean=10.0, exact=True)
    >>> round(real_ancestors_mean_field(fit_points(preset("discard", 2), 10), 2).mean, 4)
    6.5132
    """
    log_miss, direct_whole, direct, via_synthetic = {}, set(), set(), set()
    sizes = {}
    for row in entries:
        for e in row:
            sizes[e.batch] = e.size

    def throw(row, balls, through):
        for e in row:
            if not e.share:
                continue
            hit = (e.count / e.size) * -math.expm1(balls * float(e.share) * math.log1p(-1.0 / e.count)) \
                if e.count > 1 else (e.count / e.size) * (1.0 if balls * float(e.share) > 0 else 0.0)
            _miss(log_miss, e.batch, hit)
            if e.source == 0 and through:
                via_synthetic.add(e.batch)
            elif e.source == 0:
                direct.add(e.batch)

    target = entries[k - 1]
    if draws is None:
        for e in target:
            if e.share:
                _miss(log_miss, e.batch, e.count / e.size)
                if e.source == 0:
                    direct.add(e.batch)
                    if e.count == e.size:
                        direct_whole.add(e.batch)
    else:
        throw(target, float(draws), through=True)
    for j in range(k - 1, 0, -1):
        name = f"S{j}"
        if name not in log_miss:
            continue
        h = -math.expm1(log_miss[name])
        throw(entries[j - 1], h * sizes[name], through=True)
    total, exact = 0.0, True
    for name, lm in log_miss.items():
        if name[0] != "R":
            continue
        total += sizes[name] * -math.expm1(lm)
        if name in via_synthetic and name not in direct_whole:
            exact = False
    return Ancestry(total, exact)


def _miss(log_miss, batch, hit):
    log_miss[batch] = log_miss.get(batch, 0.0) + (math.log1p(-hit) if hit < 1 else -math.inf)


# --------------------------------------------------------------------------- the recursion, derived
@cache
def derive_ancestor_recursion():
    """The mean of one occupancy step and the recursion of 1/a it implies, derived by SymPy.

    The expected number of distinct parents of a points among b is b P(a given
    parent is chosen) = b (1 - (1 - 1/b)^a) (linearity over the b parents). Writing
    a = b u, the continuum map u -> 1 - exp(-u) gives

        1/a' - 1/a = (1/b) (1/(1 - e^{-u}) - 1/u) = (1/b) (1/2 + u/12 + O(u^3)),

    and both bounds 0 <= coth x - 1/x <= x/3 (x = u/2) hold for every x > 0 because
    the power series of x cosh x - sinh x and of (x/3 + 1/x) sinh x - cosh x have
    non-negative coefficients (returned, as functions of the index j, for a proof).
    Summing, 1/a_k = 1/a_0 + k/(2b) + O(sum_j a_j / b^2): the effective sample size
    after k steps is 2 a_0 b / (2 b + k a_0) to first order, about 2b/k once k a_0 >> b.

    Returns
    -------
    dict
        ``mean`` (E D as a function of a, b), ``series`` (of 1/(1 - e^{-u}) - 1/u),
        ``lower_coefficient`` and ``upper_coefficient`` (in j), and the symbols.

    Examples
    --------
    >>> d = derive_ancestor_recursion()
    >>> d["series"]
    u/12 + 1/2
    >>> d["upper_coefficient"]
    4*j*(j - 1)/(3*factorial(2*j + 1))
    """
    a, b = sp.symbols("a b", positive=True, integer=True)
    u, x = sp.symbols("u x", positive=True)
    j = sp.Symbol("j", integer=True, nonnegative=True)
    empty = ((b - 1) / b) ** a                    # P(a given parent is never chosen)
    mean = sp.simplify(b * (1 - empty))
    series = sp.series(1 / (1 - sp.exp(-u)) - 1 / u, u, 0, 3).removeO()
    # x cosh x - sinh x = sum_j x^(2j+1) [1/(2j)! - 1/(2j+1)!]
    lower = sp.simplify(sp.combsimp(1 / sp.factorial(2 * j) - 1 / sp.factorial(2 * j + 1)))
    # (x/3 + 1/x) sinh x - cosh x = sum_{j>=1} x^(2j) [1/(3 (2j-1)!) + 1/(2j+1)! - 1/(2j)!]
    upper = sp.factor(sp.combsimp(1 / (3 * sp.factorial(2 * j - 1)) + 1 / sp.factorial(2 * j + 1)
                                  - 1 / sp.factorial(2 * j)))
    return {"a": a, "b": b, "u": u, "x": x, "j": j, "mean": mean, "series": series,
            "lower_coefficient": lower, "upper_coefficient": upper}


def _count(value, what, low=0):
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < low:
        raise ValueError(f"{what} must be an integer of at least {low}, got {value!r}")
    return int(value)
