"""The exact resampling recursion: second moments of refitted location fits under any workflow.

Models whose fit's location is a weighted mean of its batches' means, and whose
emitted points have the fitted mean and a variance set by the fit (Gaussian mean
and variance, multivariate normal coordinates, Bernoulli, Poisson, KDE), have
second moments that follow an exact linear recursion under *every* workflow: the
fitted means are linear in orthogonal primitives (a batch's own noise, a
subsample's own noise) whose second moments are the expected emitted variances of
earlier generations. Everything here is exact rational arithmetic, without SymPy;
the distributional moments that need SymPy are in :mod:`theory.moments`.
"""

from __future__ import annotations

from fractions import Fraction
from typing import NamedTuple

from .points import fit_points
from .rationals import to_rational
from .workflow import Workflow

__all__ = ["ResamplingMoments", "resampling_moments", "RULES"]


class ResamplingMoments(NamedTuple):
    """E (mu_k - mu_0)^2 (the fitted location's risk) and E v_k (the emitted variance), k = 1..G, exact."""

    mean_sq: list
    variance: list


RULES = ("constant", "mle", "unbiased", "bernoulli")


def resampling_moments(workflow: Workflow, n, *, variance, rule="mle", h2=0):
    """Exact second moments of a location fit and of the emitted variance, under any workflow.

    The fit of generation k has location mu_k = sum_e w_e (mean of entry e's points)
    and emits points with mean mu_k and a variance v_k set by the fit; real points
    have the truth's mean and variance ``variance``. Writing each entry's mean as the
    source's location plus the batch's own noise plus the subsample's own noise (a
    subsample of c of N points: variance (1/c - 1/N) times the batch's expected
    spread), every term is orthogonal to the others, so E mu_k^2 is exact; E v_k
    follows from the rule:

    - ``"constant"``: E v_k = ``variance`` (Gaussian mean with known sigma; Poisson,
      whose emitted variance lambda_k has mean lambda);
    - ``"mle"``: v_k = sum_e w_e (mean of squares of e) - mu_k^2 + ``h2`` (the weighted
      Gaussian MLE variance; with ``h2`` = h^2 the variance of a KDE whose fit is the
      mixture sum_e w_e KDE(entry e));
    - ``"unbiased"``: the weighted variance divided by 1 - sum_i w_i^2 (w_i the
      normalised per-point weights share/count), the divisor N - 1 of a pooled fit;
    - ``"bernoulli"``: v_k = p_k (1 - p_k), so E v_k = p(1 - p) - E (p_k - p)^2.

    Parameters
    ----------
    workflow : Workflow
        Rounded to whole points (``workflow.at_sample_size(n)``).
    n : int
        The base sample size.
    variance : rational
        The truth's variance (exact rational: Fraction, int, or float taken at its decimal spelling).
    rule : str
        One of ``constant``, ``mle``, ``unbiased``, ``bernoulli``.
    h2 : rational
        Variance added to every emitted point (a KDE's squared bandwidth).

    Returns
    -------
    ResamplingMoments
        Lists of Fractions.

    Examples
    --------
    >>> from theory.presets import preset
    >>> wf = preset("discard", 3).at_sample_size(4)
    >>> mom = resampling_moments(wf, 4, variance=1, rule="mle")
    >>> [str(v) for v in mom.variance], [str(r) for r in mom.mean_sq]
    (['3/4', '9/16', '27/64'], ['1/4', '7/16', '37/64'])
    """
    if rule not in RULES:
        raise ValueError(f"rule must be one of {', '.join(RULES)}, got {rule!r}")
    entries = fit_points(workflow, n)
    v0, h2 = to_rational(variance, "variance"), to_rational(h2, "h2")
    loadings, second_moment_of = [], {}
    spread, square = {}, {}  # per batch: E v of the law that produced it, E x^2 of a point (centred)
    mean_sq, var = [], []
    for k, row in enumerate(entries, start=1):
        coef, q = {}, Fraction(0)
        for e in row:
            if not e.share:
                continue
            if e.batch not in spread:  # a real batch; synthetic ones are registered when emitted
                spread[e.batch], square[e.batch] = v0, v0
            if e.source:
                for p, a in loadings[e.source - 1].items():
                    coef[p] = coef.get(p, 0) + e.share * a
            own = ("batch", e.batch)
            second_moment_of.setdefault(own, spread[e.batch] / e.size)
            coef[own] = coef.get(own, 0) + e.share
            if e.count != e.size:
                sub = ("subsample", k, e.batch)
                second_moment_of[sub] = (Fraction(1, e.count) - Fraction(1, e.size)) * spread[e.batch]
                coef[sub] = e.share
            q += e.share * square[e.batch]
        mu2 = sum((a * a * second_moment_of[p] for p, a in coef.items()), Fraction(0))
        if rule == "constant":
            v = v0
        elif rule == "mle":
            v = q - mu2 + h2
        elif rule == "unbiased":
            divisor = 1 - sum((e.share * e.share / e.count for e in row if e.share), Fraction(0))
            if divisor <= 0:
                raise ValueError(f"generation {k} fits a single point; the unbiased variance needs at least 2")
            v = (q - mu2) / divisor
        else:
            v = v0 - mu2
        loadings.append(coef)
        mean_sq.append(mu2)
        var.append(v)
        spread[f"S{k}"], square[f"S{k}"] = v, mu2 + v
    return ResamplingMoments(mean_sq, var)
