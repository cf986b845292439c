"""Exact first and second moments of every category's fitted frequency, under any workflow.

The categorical fit of a generation is q = lam f + (1 - lam)/K: f = sum_e share_e
(counts of entry e)/(points of entry e) is the weighted empirical distribution,
lam = m/(m + K alpha) the shrinkage of add-alpha smoothing (m the points fitted; lam = 1
without smoothing). One category's indicator is a Bernoulli variable, so, as for the
resampling moments of :mod:`theory.predictions`, each entry's frequency is its
source's fitted frequency plus the batch's own noise plus the subsample's own noise,
three orthogonal terms with

    E batch noise^2 = E[q_src (1 - q_src)] / |B|,    E subsample noise^2 = (1/c - 1/|B|) E[q_src (1 - q_src)],

(a subsample of c of a batch's |B| points: the hypergeometric variance, whose
expectation has this form). Everything is then affine in the previous moments, and
every moment of category i is a polynomial of degree at most 2 in p_i with exact
rational coefficients: E q_k = a_k p + b_k, Var q_k = c_k p^2 + d_k p + e_k. Sums over
categories need only sum p_i^2 and K. Without smoothing Var q_k is a multiple of
p(1 - p), and the expected sum of squares E sum_i q_{k,i}^2 = 1 - (1 - sum p^2) prod (1 - 1/m_j)
under discard (Seddik et al. 2024).

Examples
--------
>>> from theory.presets import preset
>>> from theory.predictions import fit_points
>>> mom = category_moments(fit_points(preset("discard", 2), 4), K=3)
>>> [str(c) for c in mom.variance[1]]       # Var q_2 = (7/16) p (1 - p)
['-7/16', '7/16', '0']
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from .rationals import to_rational

__all__ = ["CategoryMoments", "category_moments", "poly_value"]

_ZERO = (Fraction(0), Fraction(0), Fraction(0))
_P = (Fraction(0), Fraction(1), Fraction(0))            # the truth's frequency p
_SPREAD = (Fraction(-1), Fraction(1), Fraction(0))      # p (1 - p)


def _add(u, v, scale=1):
    return tuple(a + scale * b for a, b in zip(u, v, strict=True))


def _square_linear(u):
    """(a p + b)^2 for u = (0, a, b)."""
    _, a, b = u
    return (a * a, 2 * a * b, b * b)


def poly_value(poly, p):
    """c2 p^2 + c1 p + c0 at ``p`` (a number or an array; Fractions stay exact).

    Examples
    --------
    >>> poly_value((Fraction(-1), Fraction(1), Fraction(0)), Fraction(1, 3))
    Fraction(2, 9)
    """
    c2, c1, c0 = poly
    if isinstance(p, np.ndarray):
        return (float(c2) * p + float(c1)) * p + float(c0)
    return (c2 * p + c1) * p + c0


@dataclass(frozen=True)
class CategoryMoments:
    """Per generation, E q_{k,i} and Var q_{k,i} as polynomials (c2, c1, c0) in p_i (exact rationals).

    Attributes
    ----------
    mean, variance : list of tuple
        One polynomial per generation.
    K : int
        The number of categories.
    """

    mean: list
    variance: list
    K: int

    def _sum(self, poly, sum_p2):
        c2, c1, c0 = poly
        return c2 * sum_p2 + c1 + c0 * self.K

    def risk(self, sum_p2):
        """E sum_i (q_{k,i} - p_i)^2 per generation, given sum_i p_i^2 (exact if it is a Fraction).

        Examples
        --------
        >>> from theory.presets import preset
        >>> from theory.predictions import fit_points
        >>> mom = category_moments(fit_points(preset("discard", 2), 4), K=2)
        >>> [str(r) for r in mom.risk(Fraction(1, 2))]     # (1 - 1/2)(1 - (3/4)^k)
        ['1/8', '7/32']
        """
        out = []
        for mean, var in zip(self.mean, self.variance, strict=True):
            bias = _add(mean, _P, -1)
            out.append(self._sum(_add(_square_linear(bias), var), sum_p2))
        return out

    def sum_of_squares(self, sum_p2):
        """E sum_i q_{k,i}^2 per generation (Seddik et al.'s S_k)."""
        return [self._sum(_add(_square_linear(mean), var), sum_p2)
                for mean, var in zip(self.mean, self.variance, strict=True)]

    def at(self, k, p):
        """(E q_{k,i}, Var q_{k,i}) for every category, ``p`` a float array (k is 1-based)."""
        return poly_value(self.mean[k - 1], p), np.maximum(poly_value(self.variance[k - 1], p), 0.0)


def category_moments(entries, K, alpha=0):
    """Exact E q_{k,i} and Var q_{k,i} for every generation, as polynomials in p_i.

    Parameters
    ----------
    entries : list of list of Share
        ``theory.predictions.fit_points(workflow, n)``: sizes and counts in points.
    K : int
        The number of categories.
    alpha : rational
        The add-alpha smoothing (0: the empirical frequencies).

    Returns
    -------
    CategoryMoments
    """
    if isinstance(K, bool) or not isinstance(K, int) or K < 1:
        raise ValueError(f"the number of categories K must be a positive integer, got {K!r}")
    alpha = to_rational(alpha, "alpha")
    if alpha < 0:
        raise ValueError(f"the smoothing alpha must be at least 0, got {alpha}")
    loadings, second = [], {}
    means, variances, spread_of = [], [], {}
    for k, row in enumerate(entries, start=1):
        live = [e for e in row if e.share]
        m = sum(e.count for e in live)
        lam = Fraction(m) / (m + K * alpha)
        coef, mean = {}, (Fraction(0), Fraction(0), (1 - lam) / K)
        for e in live:
            w = lam * e.share
            if e.source:
                mean = _add(mean, means[e.source - 1], w)
                for prim, a in loadings[e.source - 1].items():
                    coef[prim] = coef.get(prim, 0) + w * a
            else:
                mean = _add(mean, _P, w)
            spread = spread_of.get(e.batch, _SPREAD)
            own = ("batch", e.batch)
            second.setdefault(own, tuple(c / e.size for c in spread))
            coef[own] = coef.get(own, 0) + w
            if e.count != e.size:
                sub = ("subsample", k, e.batch)
                second[sub] = tuple(c * (Fraction(1, e.count) - Fraction(1, e.size)) for c in spread)
                coef[sub] = w
        var = _ZERO
        for prim, a in coef.items():
            var = _add(var, second[prim], a * a)
        loadings.append(coef)
        means.append(mean)
        variances.append(var)
        # E q (1 - q) = E q - (E q)^2 - Var q: the spread of the batch this fit emits
        spread_of[f"S{k}"] = _add(_add(mean, _square_linear(mean), -1), var, -1)
    return CategoryMoments(means, variances, K)
