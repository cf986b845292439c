"""What the toolkit predicts for a simulation: exact finite-n values where they exist, else asymptotic.

:func:`predict` returns, for a model, its parameters and the workflow actually
simulated (rounded to whole points by ``Workflow.at_sample_size(n)``), one value
per generation for every metric of DESIGN.md, and says for each whether it is
exact at this n or asymptotic (``risk_1 R_k`` from the process of THEORY.md §3).

The exact values are derived, not typed in:

- :func:`resampling_moments` — models whose fit's location is a weighted mean of
  its batches' means and whose emitted points have the fitted mean and a variance
  set by the fit (Gaussian mean and variance, multivariate normal coordinates,
  Bernoulli, Poisson, KDE). Second moments then follow an exact linear recursion
  under *every* workflow: the fitted means are linear in orthogonal primitives (a
  batch's own noise, a subsample's own noise) whose second moments are the expected
  emitted variances of earlier generations.
- :func:`chi_square_moment` (SymPy integration) with products over generations:
  the Gaussian variance under discard (E sigma^2, Var sigma^2, E sigma, E W_2^2) and
  the Bartlett decomposition for the multivariate normal determinant.
- :func:`inverse_wishart_trace` — E tr (X^T X)^{-1} for a Gaussian design: OLS.
- :func:`wright_fisher` and :func:`poisson_absorption` — the absorption chains.
- :func:`gamma_inverse_moment` — the exponential rate under discard.
- :func:`kde_discard_closed_form` — the KDE variance recursion solved by ``rsolve``.

Which predictions are exact ("discard" means any discard-shaped workflow: each
generation fits the whole previous synthetic batch alone):

=================  ==========================================================================
model              exact at finite n (everything else asymptotic, or None where stated)
=================  ==========================================================================
``gaussian-mean``  risk under every workflow (sample mean); the median is asymptotic
``gaussian``       discard: risk, sigma2, sigma, w2sq; every other workflow: risk and sigma2
                   (sigma None, w2sq asymptotic)
``mvn``            discard: risk, trace_ratio, det_ratio; otherwise risk and trace_ratio
                   (det_ratio None)
``linreg``         fixed design when every fit pools whole batches of the design's size;
                   fresh design under discard; needs d + 2 rows per fit (ValueError)
``logistic``       nothing (failed None: separation)
``bernoulli``      risk under every workflow; absorbed under discard (None otherwise)
``poisson``        risk under every workflow; absorbed under discard (None otherwise)
``exponential``    risk under discard (fits of at least 3 points)
``expfam``         nothing (failed None for discrete families)
``kde``            risk and var under every workflow (a weighted fit is the mixture of its
                   entries' KDEs)
=================  ==========================================================================

``failed`` is predicted 0 (exact) wherever the estimator is defined on every sample.

Examples
--------
>>> from theory.presets import preset
>>> wf = preset("discard", 3).at_sample_size(10)
>>> p = predict("gaussian", {"estimator": "unbiased"}, wf, 10)
>>> p.exact, [round(x, 4) for x in p.metrics["sigma2"]]
(True, [1.0, 1.0, 1.0])
>>> [round(x, 4) for x in p.metrics["risk"]]
[0.1, 0.2, 0.3]
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from functools import cache
from typing import NamedTuple

import mpmath
import numpy as np
import sympy as sp

from .models import get_model
from .process import covariance, risk_ratios, variances
from .rationals import to_rational
from .workflow import Workflow

__all__ = ["Prediction", "predict", "FitEntryPoints", "fit_points", "discard_sizes", "resampling_moments",
           "ResamplingMoments", "chi_square_moment", "gamma_inverse_moment", "inverse_wishart_trace",
           "gaussian_discard_moments", "mvn_discard_moments", "exponential_discard_moments", "wright_fisher",
           "poisson_absorption", "kde_discard_closed_form", "universal_ratio_symbolic", "UniversalRatio"]


@dataclass(frozen=True)
class Prediction:
    """The toolkit's prediction for every metric of a simulation.

    Attributes
    ----------
    metrics : dict
        Metric name -> one value per generation 1..G, or None where there is no prediction.
    exact : bool
        True iff every non-None value is exact at this n (finite-sample).
    notes : dict
        Metric name -> ``"exact: ..."``, ``"asymptotic: ..."`` or ``"none: ..."``, the source.
    """

    metrics: dict
    exact: bool
    notes: dict


# --------------------------------------------------------------------- workflows in points
class FitEntryPoints(NamedTuple):
    """A fit entry in points: batch name, batch size N, count c used, share, source generation (0: real)."""

    batch: str
    points: int
    count: int
    share: Fraction
    source: int


def fit_points(workflow: Workflow, n):
    """Per generation, the fit entries with sizes and counts in points.

    Raises
    ------
    ValueError
        If a size or count times n is not a whole number (the workflow was not
        rounded by ``workflow.at_sample_size(n)``).

    Examples
    --------
    >>> from theory.presets import preset
    >>> fit_points(preset("augment", 2), 5)[1]
    [FitEntryPoints(batch='R0', points=5, count=5, share=Fraction(1, 2), source=0), \
FitEntryPoints(batch='S1', points=5, count=5, share=Fraction(1, 2), source=1)]
    """
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"the base sample size n must be a positive integer, got {n!r}")
    out = []
    for k, fit in enumerate(workflow.shares(), start=1):
        row = []
        for s in fit:
            size, count = s.size * n, s.count * n
            for what, value in (("size", size), ("count", count)):
                if value.denominator != 1:
                    raise ValueError(
                        f"generation {k}, batch {s.batch}: {what} times n = {value} is not a whole number of "
                        f"points; simulate workflow.at_sample_size({n})")
            row.append(FitEntryPoints(s.batch, int(size), int(count), s.share, s.source))
        out.append(row)
    return out


def discard_sizes(workflow: Workflow, n):
    """The fitted sizes m_1..m_G in points if the workflow has the shape of discard, else None.

    Discard-shaped: generation 1 fits the whole of R0 alone, generation k >= 2 the
    whole of S<k-1> alone (sizes may differ between generations).

    Examples
    --------
    >>> from theory.presets import preset
    >>> discard_sizes(preset("discard", 3), 4), discard_sizes(preset("augment", 3), 4)
    ([4, 4, 4], None)
    """
    sizes = []
    for k, row in enumerate(fit_points(workflow, n), start=1):
        live = [e for e in row if e.share]
        if len(live) != 1:
            return None
        e = live[0]
        if e.batch != ("R0" if k == 1 else f"S{k - 1}") or e.count != e.points:
            return None
        sizes.append(e.points)
    return sizes


# --------------------------------------------------------------------- the moment recursion
class ResamplingMoments(NamedTuple):
    """E (mu_k - mu_0)^2 (the fitted location's risk) and E v_k (the emitted variance), k = 1..G, exact."""

    mean_sq: list
    variance: list


_RULES = ("constant", "mle", "unbiased", "bernoulli")


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
    if rule not in _RULES:
        raise ValueError(f"rule must be one of {', '.join(_RULES)}, got {rule!r}")
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
            second_moment_of.setdefault(own, spread[e.batch] / e.points)
            coef[own] = coef.get(own, 0) + e.share
            if e.count != e.points:
                sub = ("subsample", k, e.batch)
                second_moment_of[sub] = (Fraction(1, e.count) - Fraction(1, e.points)) * spread[e.batch]
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


# --------------------------------------------------------------------- distributional moments
_NU, _R = sp.Symbol("nu", positive=True), sp.Symbol("r", real=True)


@cache
def _chi_square_moment_formula():
    x = sp.Symbol("x", positive=True)
    density = x ** (_NU / 2 - 1) * sp.exp(-x / 2) / (2 ** (_NU / 2) * sp.gamma(_NU / 2))
    return sp.gammasimp(sp.integrate(x**_R * density, (x, 0, sp.oo), conds="none"))


def chi_square_moment(nu, r):
    """E Q^r for Q ~ chi^2_nu, from the integral of the density (valid for nu/2 + r > 0).

    Examples
    --------
    >>> nu = sp.Symbol("nu", positive=True)
    >>> chi_square_moment(nu, 1), sp.factor(chi_square_moment(nu, 2)), chi_square_moment(nu, -1)
    (nu, nu*(nu + 2), 1/(nu - 2))
    >>> chi_square_moment(3, sp.Rational(1, 2))
    2*sqrt(2)/sqrt(pi)
    """
    # simplify in the bare symbol nu first: gammasimp misses Gamma(z - 1)/Gamma(z) once z is compound
    in_nu = sp.gammasimp(_chi_square_moment_formula().subs(_R, r))
    return sp.gammasimp(in_nu.subs(_NU, nu))


@cache
def _gamma_inverse_formula():
    g, m = sp.Symbol("g", positive=True), sp.Symbol("m", positive=True)
    return m, sp.gammasimp(sp.integrate(g ** (-_R) * g ** (m - 1) * sp.exp(-g) / sp.gamma(m), (g, 0, sp.oo),
                                        conds="none"))


def gamma_inverse_moment(m, r):
    """E G^{-r} for G ~ Gamma(m, 1), from the integral of the density (valid for m > r).

    Examples
    --------
    >>> m = sp.Symbol("m", positive=True)
    >>> gamma_inverse_moment(m, 1), sp.factor(gamma_inverse_moment(m, 2))
    (1/(m - 1), 1/((m - 2)*(m - 1)))
    """
    sym, formula = _gamma_inverse_formula()
    return sp.gammasimp(sp.gammasimp(formula.subs(_R, r)).subs(sym, m))


def inverse_wishart_trace(m, d):
    """E tr (X^T X)^{-1} for an m x d matrix X of independent N(0, 1) entries (m >= d + 2).

    By orthogonal invariance E (X^T X)^{-1} = c I_d, and 1/[(X^T X)^{-1}]_11 is the
    Schur complement of the Wishart matrix, a chi^2_{m-d+1} (Bartlett), so
    c = E 1/chi^2_{m-d+1}, taken from :func:`chi_square_moment`.

    Examples
    --------
    >>> m, d = sp.symbols("m d", positive=True)
    >>> inverse_wishart_trace(m, d)
    -d/(d - m + 1)
    >>> inverse_wishart_trace(10, 3)
    1/2
    """
    return sp.simplify(d * chi_square_moment(m - d + 1, -1))


@cache
def _chi_square_moment_mpmath():
    return sp.lambdify((_NU, _R), _chi_square_moment_formula(), "mpmath")


def _frac(value):
    """A SymPy rational as a Fraction."""
    value = sp.Rational(value)
    return Fraction(int(value.p), int(value.q))


def gaussian_discard_moments(sigma, sizes, estimator="mle"):
    """Exact moments of the Gaussian fit under discard with fitted sizes ``sizes`` (each >= 2).

    sigma_hat_k^2 = sigma^2 prod_{i <= k} Q_i / D_i with independent Q_i ~ chi^2_{m_i - 1}
    and D_i = m_i (MLE) or m_i - 1 (unbiased), and
    E (mu_k - mu)^2 = E (mu_{k-1} - mu)^2 + E sigma_hat_{k-1}^2 / m_k.

    Returns
    -------
    dict
        Lists (generations 1..G, floats): ``sigma2`` (E sigma_hat^2), ``sigma2_var``
        (Var sigma_hat^2), ``sigma`` (E sigma_hat), ``risk`` (E (mu_hat - mu)^2),
        ``w2sq`` (E W_2^2 between N(mu_hat, sigma_hat^2) and the truth).

    Examples
    --------
    >>> out = gaussian_discard_moments(1, [5, 5], "mle")
    >>> [round(x, 6) for x in out["sigma2"]], [round(x, 6) for x in out["risk"]]
    ([0.8, 0.64], [0.2, 0.36])
    """
    if estimator not in ("mle", "unbiased"):
        raise ValueError(f"estimator must be mle or unbiased, got {estimator!r}")
    if any(m < 2 for m in sizes):
        raise ValueError(f"the Gaussian variance needs fits of at least 2 points, got sizes {list(sizes)}")
    s = to_rational(sigma, "sigma")
    half = _chi_square_moment_mpmath()
    out = {key: [] for key in ("sigma2", "sigma2_var", "sigma", "risk", "w2sq")}
    with mpmath.workdps(40):
        # exact rationals for the integer moments, 40-digit mpmath for the Gamma-function ratio
        e2, e4, e1 = s**2, s**4, mpmath.mpf(s.numerator) / s.denominator
        risk, previous = Fraction(0), s**2
        for m in sizes:
            D = m if estimator == "mle" else m - 1
            risk += previous / m
            e2 *= _frac(chi_square_moment(m - 1, 1)) / D
            e4 *= _frac(chi_square_moment(m - 1, 2)) / D**2
            e1 *= half(m - 1, mpmath.mpf(1) / 2) / mpmath.sqrt(D)
            previous = e2
            out["sigma2"].append(float(e2))
            out["sigma2_var"].append(float(e4 - e2**2))
            out["sigma"].append(float(e1))
            out["risk"].append(float(risk))
            rest = risk + e2 + s**2
            sigma0 = mpmath.mpf(s.numerator) / s.denominator
            out["w2sq"].append(float(mpmath.mpf(rest.numerator) / rest.denominator - 2 * sigma0 * e1))
    return out


def mvn_discard_moments(d, sizes, estimator="mle"):
    """Exact moments of the N_d(0, I) fit under discard with fitted sizes ``sizes`` (each >= d + 1).

    Sigma_hat_k = Sigma_hat_{k-1}^{1/2} W_k Sigma_hat_{k-1}^{1/2} / D_k with W_k ~ Wishart_d(m_k - 1, I):
    E tr W = d E chi^2_{m-1}, and by the Bartlett decomposition
    det W = prod_{j=1}^{d} chi^2_{m-j}, independent factors.

    Returns
    -------
    dict
        Lists (floats): ``trace_ratio`` (E tr Sigma_hat / d), ``det_ratio``
        (E det Sigma_hat), ``risk`` (E ||mu_hat||^2).

    Examples
    --------
    >>> out = mvn_discard_moments(2, [4, 4])
    >>> out["trace_ratio"], out["det_ratio"]
    ([0.75, 0.5625], [0.375, 0.140625])
    """
    if estimator not in ("mle", "unbiased"):
        raise ValueError(f"estimator must be mle or unbiased, got {estimator!r}")
    if any(m < d + 1 for m in sizes):
        raise ValueError(f"the covariance fit needs at least d + 1 = {d + 1} points, got sizes {list(sizes)}")
    trace, det, risk, previous = sp.S.One, sp.S.One, sp.S.Zero, sp.S.One
    out = {"trace_ratio": [], "det_ratio": [], "risk": []}
    for m in sizes:
        D = m if estimator == "mle" else m - 1
        risk += d * previous / m
        trace *= chi_square_moment(m - 1, 1) / D
        det *= sp.prod([chi_square_moment(m - j, 1) for j in range(1, d + 1)]) / D**d
        previous = trace
        out["trace_ratio"].append(float(trace))
        out["det_ratio"].append(float(det))
        out["risk"].append(float(risk))
    return out


def exponential_discard_moments(rate, sizes):
    """Exact E rate_hat_k and E (rate_hat_k - rate)^2 under discard (sizes each >= 3).

    rate_hat_k = m_k / sum of m_k draws from Exp(rate_hat_{k-1}) = rate_hat_{k-1} m_k / G_k,
    G_k ~ Gamma(m_k, 1) independent, so the moments are products of
    :func:`gamma_inverse_moment`.

    Examples
    --------
    >>> out = exponential_discard_moments(1, [4])
    >>> out["mean"], out["risk"]
    ([1.3333333333333333], [1.0])
    """
    if any(m < 3 for m in sizes):
        raise ValueError(f"E rate_hat^2 is finite only for fits of at least 3 points, "
                         f"got sizes {list(sizes)}")
    r = _exact_sympy(rate)
    first, second = r, r**2
    out = {"mean": [], "risk": []}
    for m in sizes:
        first *= m * gamma_inverse_moment(m, 1)
        second *= m**2 * gamma_inverse_moment(m, 2)
        out["mean"].append(float(first))
        out["risk"].append(float(second - 2 * r * first + r**2))
    return out


def _exact_sympy(value):
    if isinstance(value, sp.Rational):
        return value
    q = to_rational(value)
    return sp.Rational(q.numerator, q.denominator)


# --------------------------------------------------------------------- absorption chains
def _log_factorials(m):
    return np.concatenate([[0.0], np.cumsum(np.log(np.arange(1, m + 1, dtype=float)))])


def _binomial_rows(m, q, lo=0, hi=None, lf=None):
    """Binomial(m, q_i) probabilities at j = lo..hi, one row per q_i, in float64 (log-space)."""
    hi = m if hi is None else hi
    lf = _log_factorials(m) if lf is None else lf
    j = np.arange(lo, hi + 1)
    rows = np.zeros((len(q), len(j)))
    inner = (q > 0) & (q < 1)
    qi = q[inner][:, None]
    rows[inner] = np.exp(lf[m] - lf[j] - lf[m - j] + j * np.log(qi) + (m - j) * np.log1p(-qi))
    if lo == 0:
        rows[q <= 0, 0] = 1.0
    if hi == m:
        rows[q >= 1, -1] = 1.0
    return rows


def wright_fisher(p, sizes, exact=False):
    """P(p_hat_k in {0, 1}) and E (p_hat_k - p)^2 under discard, from the Wright-Fisher chain.

    N_1 ~ Binomial(m_1, p) and N_k | N_{k-1} ~ Binomial(m_k, N_{k-1}/m_{k-1}); the
    distribution of N_k is propagated exactly (``exact=True``: rationals, for small
    sizes) or in float64. The float path works on blocks of 64 neighbouring states
    and only on the columns within 20 sqrt(m) of their means (Hoeffding: the mass
    left out is below 2 exp(-800)), so it costs about m (64 + 40 sqrt(m)) per generation.

    Returns
    -------
    (absorbed, risk) : two lists over generations (Fractions if ``exact``, else floats)

    Examples
    --------
    >>> absorbed, risk = wright_fisher("1/2", [2, 2], exact=True)
    >>> [str(a) for a in absorbed], [str(r) for r in risk]
    (['1/2', '3/4'], ['1/8', '3/16'])
    """
    p = to_rational(p, "p")
    if not 0 <= p <= 1:
        raise ValueError(f"p must lie in [0, 1], got {p}")
    absorbed, risk = [], []
    if exact:
        first = sizes[0]
        dist = [Fraction(math.comb(first, j)) * p**j * (1 - p) ** (first - j) for j in range(first + 1)]
        prev = sizes[0]
        for k, m in enumerate(sizes):
            if k:
                new = [Fraction(0)] * (m + 1)
                for i, w in enumerate(dist):
                    if w:
                        q = Fraction(i, prev)
                        for j in range(m + 1):
                            new[j] += w * math.comb(m, j) * q**j * (1 - q) ** (m - j)
                dist, prev = new, m
            absorbed.append(dist[0] + dist[-1])
            risk.append(sum(w * (Fraction(j, m) - p) ** 2 for j, w in enumerate(dist)))
        return absorbed, risk
    pf = float(p)
    dist = _binomial_rows(sizes[0], np.array([pf]))[0]
    prev = sizes[0]
    for k, m in enumerate(sizes):
        if k:
            new, lf = np.zeros(m + 1), _log_factorials(m)
            reach = 20 * math.sqrt(m) + 1
            live = np.nonzero(dist > 0)[0]
            for start in range(0, len(live), 64):
                idx = live[start:start + 64]
                q = idx / prev
                lo, hi = max(0, math.floor(m * q.min() - reach)), min(m, math.ceil(m * q.max() + reach))
                new[lo:hi + 1] += dist[idx] @ _binomial_rows(m, q, lo, hi, lf)
            dist, prev = new, m
        j = np.arange(m + 1)
        absorbed.append(float(dist[0] + dist[-1]))
        risk.append(float(dist @ (j / m - pf) ** 2))
    return absorbed, risk


def poisson_absorption(lam, sizes, symbolic=False):
    """P(lambda_hat_k = 0) under discard, from generating functions.

    N_k = m_k lambda_hat_k: N_1 ~ Poisson(m_1 lam) and N_k | N_{k-1} ~ Poisson(m_k N_{k-1}/m_{k-1}), a
    Galton-Watson process with Poisson(m_k/m_{k-1}) offspring (Poisson(1), critical, for
    equal sizes). With G_1(s) = exp(m_1 lam (s - 1)) and f_k(s) = exp((m_k/m_{k-1})(s - 1)),
    P(N_k = 0) = G_1(f_2(...f_k(0))).

    Examples
    --------
    >>> poisson_absorption(1, [1, 1], symbolic=True)
    [exp(-1), exp(-1 + exp(-1))]
    >>> [round(x, 6) for x in poisson_absorption(1, [1, 1])]
    [0.367879, 0.531464]
    """
    if symbolic:
        lam, one, exp, ratio = _exact_sympy(lam), sp.S.One, sp.exp, sp.Rational
    else:
        q = to_rational(lam, "lam")
        one, exp = mpmath.mpf(1), mpmath.exp
        lam = mpmath.mpf(q.numerator) / q.denominator

        def ratio(a, b):
            return mpmath.mpf(a) / b

    out = []
    with mpmath.workdps(30):
        for k in range(len(sizes)):
            s = 0 * one
            for i in range(k, 0, -1):
                s = exp(ratio(sizes[i], sizes[i - 1]) * (s - 1))
            out.append(exp(sizes[0] * lam * (s - 1)))
        return out if symbolic else [float(v) for v in out]


# --------------------------------------------------------------------- KDE closed form
_K = sp.Symbol("k", integer=True, nonnegative=True)
_M = sp.Symbol("m", positive=True)
_H = sp.Symbol("h", positive=True)


@cache
def kde_discard_closed_form():
    """E var_k and E mean_k^2 of the KDE under discard with m points per generation, in k, m, h.

    The recursion comes from the resampling step: a fit on m points drawn from a
    density of mean mu and variance v has E (mean^2) = mu^2 + v/m and E (data variance,
    divisor m) = (1 - 1/m) v, and the fitted density adds h^2:
    v_k = (1 - 1/m) v_{k-1} + h^2 with v_0 = 1 (the truth), solved by ``rsolve``;
    then E mean_k^2 = sum_{j < k} v_j / m.

    Returns
    -------
    (variance, mean_sq, (k, m, h)) : two SymPy expressions and their symbols

    Examples
    --------
    >>> var, mean_sq, (k, m, h) = kde_discard_closed_form()
    >>> var.subs({k: 1, m: 4, h: sp.Rational(1, 2)}), mean_sq.subs({k: 2, m: 4, h: sp.Rational(1, 2)})
    (1, 1/2)
    """
    v, mu2 = sp.Function("v"), sp.Function("q")
    # One resampling step, from the moments of the previous generation.
    step_var = mu2(_K - 1) + v(_K - 1) - (mu2(_K - 1) + v(_K - 1) / _M) + _H**2
    step_mean = mu2(_K - 1) + v(_K - 1) / _M
    variance = sp.rsolve(v(_K) - sp.expand(step_var), v(_K), {v(0): 1})
    j = sp.Symbol("j", integer=True, nonnegative=True)
    mean_sq = sp.summation((step_mean - mu2(_K - 1)).subs(v(_K - 1), variance.subs(_K, j)), (j, 0, _K - 1))
    return sp.simplify(variance), sp.simplify(mean_sq), (_K, _M, _H)


# --------------------------------------------------------------------- universality
class UniversalRatio(NamedTuple):
    """risk_k/risk_1 = tr(A Cov_kk V)/tr(A Cov_11 V) simplified by SymPy, beside the exact R_k."""

    symbolic: list
    exact: list
    V: sp.Matrix
    A: sp.Matrix


def universal_ratio_symbolic(workflow: Workflow, d=2):
    """Show that R_k depends on neither V, the dimension nor the loss matrix A.

    The errors (theta_1..theta_G) have covariance Cov(H) (x) V / n; with V and A
    symbolic symmetric d x d matrices the ratio tr(A Cov_kk V)/tr(A Cov_11 V) is
    simplified by SymPy and returned beside R_k from :func:`theory.risk_ratios`. Keep
    G and d small.

    Examples
    --------
    >>> from theory.presets import preset
    >>> out = universal_ratio_symbolic(preset("augment", 3))
    >>> out.symbolic, out.exact, out.symbolic == out.exact
    ([1, 5/4, 49/36], [1, 5/4, 49/36], True)
    """
    if isinstance(d, bool) or not isinstance(d, int) or d < 1:
        raise ValueError(f"d must be a positive integer, got {d!r}")
    cov = sp.Matrix([[sp.Rational(c.numerator, c.denominator) for c in row] for row in covariance(workflow)])

    def symmetric(name):
        return sp.Matrix(d, d, lambda i, j: sp.Symbol(f"{name}{min(i, j) + 1}{max(i, j) + 1}", real=True))

    V, A = symmetric("v"), symmetric("a")
    full = sp.kronecker_product(cov, V)
    risks = [(A * full[k * d:(k + 1) * d, k * d:(k + 1) * d]).trace() for k in range(workflow.G)]
    symbolic = [sp.simplify(r / risks[0]) for r in risks]
    exact = [sp.Rational(r.numerator, r.denominator) for r in risk_ratios(workflow)]
    return UniversalRatio(symbolic, exact, V, A)


# --------------------------------------------------------------------- predict
def _floats(values):
    return [float(v) for v in values]


class _Context(NamedTuple):
    model: object
    params: dict
    workflow: Workflow
    n: int
    entries: list
    cov_diag: list  # Cov(H)_kk, exact Fractions, units of V/n

    @property
    def G(self):
        return self.workflow.G


def _asymptotic_risk(ctx, trace=None, what="risk"):
    trace = float(np.trace(ctx.model.natural_covariance(ctx.params))) if trace is None else trace
    values = [trace * float(c) / ctx.n for c in ctx.cov_diag]
    note = (f"asymptotic: risk_1 R_k = tr(V) Cov(H)_kk / n with tr(V) = {trace:.6g} "
            f"({ctx.model.name}, estimator {ctx.model.estimator(ctx.params)}) and Cov(H) from the "
            f"sequential Gaussian process of workflow {ctx.workflow.name or ''}".rstrip())
    return values, note


def _none(reason):
    return None, f"none: {reason}"


def _min_fit(ctx):
    return min(sum(e.count for e in row if e.share) for row in ctx.entries)


def _predict_gaussian_mean(ctx):
    sigma = to_rational(ctx.params["sigma"])
    out = {"failed": ([0.0] * ctx.G, "exact: the sample mean and median are defined on every sample")}
    if ctx.params["estimator"] == "mean":
        out["risk"] = (_floats(sigma**2 * c / ctx.n for c in ctx.cov_diag),
                       "exact: (sigma^2/n) Cov(H)_kk; the sequential Gaussian process is exact at every n "
                       "for the Gaussian mean with known sigma")
    else:
        out["risk"] = _asymptotic_risk(ctx)
    return out


def _predict_gaussian(ctx):
    p, est = ctx.params, ctx.params["estimator"]
    sigma = to_rational(p["sigma"])
    few = _min_fit(ctx) < 2
    out = {"failed": _none("a fit on one point has a zero or undefined variance") if few else
           ([0.0] * ctx.G, "exact: every fit has at least 2 points, so sigma_hat^2 > 0 almost surely")}
    sizes = discard_sizes(ctx.workflow, ctx.n)
    if sizes is not None and min(sizes) >= 2:
        mom = gaussian_discard_moments(p["sigma"], sizes, est)
        src = f"exact: products of chi-square moments under discard ({est} divisor)"
        out.update(risk=(mom["risk"], src + "; E(mu_k-mu)^2 = E(mu_{k-1}-mu)^2 + E sigma_{k-1}^2/m"),
                   sigma2=(mom["sigma2"], src), sigma=(mom["sigma"], src + ": E sqrt(chi^2)/sqrt(divisor)"),
                   w2sq=(mom["w2sq"], src + ": E(mu-mu0)^2 + E sigma^2 - 2 sigma0 E sigma + sigma0^2"))
        return out
    delta = ctx.model.sigma_covariance(p).subs(ctx.model.truth(p))
    values, note = _asymptotic_risk(ctx, float(delta.trace()))
    out["w2sq"] = (values, note + "; V of (mu_hat, sigma_hat) by the delta method")
    out["sigma"] = _none("E sigma_hat has no closed form outside discard")
    if est == "mle" or not few:
        mom = resampling_moments(ctx.workflow, ctx.n, variance=sigma**2, rule=est)
        src = (f"exact: second-moment recursion of the resampled Gaussian ({est} variance; weighted fits use "
               "the weighted mean and variance" + (", divided by 1 - sum w_i^2)" if est == "unbiased" else ")"))
        out.update(risk=(_floats(mom.mean_sq), src), sigma2=(_floats(mom.variance), src))
        return out
    out.update(risk=_asymptotic_risk(ctx), sigma2=_none("a one-point fit has no unbiased variance"))
    return out


def _predict_mvn(ctx):
    est, d = ctx.params["estimator"], ctx.params["d"]
    few = _min_fit(ctx) < d + 1
    out = {"failed": _none(f"a fit on fewer than d + 1 = {d + 1} points has a singular covariance")
           if few else ([0.0] * ctx.G, f"exact: every fit has at least d + 1 = {d + 1} points, so "
                        "Sigma_hat is invertible")}
    sizes = discard_sizes(ctx.workflow, ctx.n)
    if sizes is not None and min(sizes) >= d + 1:
        mom = mvn_discard_moments(d, sizes, est)
        src = f"exact: chi-square moments under discard ({est} divisor)"
        out.update(risk=(mom["risk"], src + "; E||mu_k||^2 = E||mu_{k-1}||^2 + E tr Sigma_{k-1}/m"),
                   trace_ratio=(mom["trace_ratio"], src + ": E tr W = d E chi^2_{m-1}"),
                   det_ratio=(mom["det_ratio"], src + ": Bartlett, det W = prod_j chi^2_{m-j}"))
        return out
    det = _none("E det Sigma_hat is derived under discard only")
    if est == "mle" or _min_fit(ctx) >= 2:
        mom = resampling_moments(ctx.workflow, ctx.n, variance=1, rule=est)
        src = f"exact: per-coordinate second-moment recursion of the resampled Gaussian ({est} covariance)"
        out.update(risk=(_floats(d * r for r in mom.mean_sq), src), trace_ratio=(_floats(mom.variance), src),
                   det_ratio=det)
        return out
    out.update(risk=_asymptotic_risk(ctx), trace_ratio=_none("a one-point fit has no unbiased covariance"),
               det_ratio=det)
    return out


def _predict_linreg(ctx):
    p, d, design = ctx.params, ctx.params["d"], ctx.params["design"]
    sigma2 = to_rational(p["sigma"]) ** 2
    n = ctx.n
    if design == "fixed":
        rows = int(ctx.workflow.real * n)  # the fixed design is R0's; batches cycle its rows
        if min(n, rows) < d + 2:
            raise ValueError(f"linreg with design=fixed needs n >= d + 2 = {d + 2} and as many design rows "
                             f"(E (X^T X)^-1 is finite only then), got n = {n} and d = {d} ({rows} rows)")
    else:
        for k, row in enumerate(ctx.entries, start=1):
            points = sum(e.count for e in row if e.share)
            if points < d + 2:
                raise ValueError(f"linreg needs at least d + 2 = {d + 2} points per fit for a finite risk, got "
                                 f"{points} in generation {k} (n = {n}, d = {d})")
    live = [[e for e in row if e.share] for row in ctx.entries]
    if design == "fixed":
        def spans(e):  # the entry certainly covers d distinct rows of the design
            return (e.count == e.points and min(e.points, rows) >= d) or (e.points <= rows and e.count >= d)

        full_rank = all(any(spans(e) for e in row) for row in live)
        whole = all(e.points == rows and e.count == e.points for row in live for e in row)
    else:
        full_rank, whole = True, False
    out = {"failed": ([0.0] * ctx.G, "exact: every fit sees at least d rows of a Gaussian design, full rank "
                      "almost surely") if full_rank else
           _none("a fit may see fewer than d distinct rows of the fixed design")}
    if whole:
        # every batch is the design's rows with fresh labels: the process is exact given X, with the
        # noise of a batch (size real in units of n) sigma^2 (X^T X)^-1 in place of (1/real) V/n
        factor = _frac(inverse_wishart_trace(rows, d)) * sigma2 * ctx.workflow.real
        out["risk"] = (_floats(c * factor for c in ctx.cov_diag),
                       "exact: Cov(H)_kk real sigma^2 E tr (X^T X)^-1 with E (X^T X)^-1 = I/(rows-d-1); every "
                       "fit pools whole batches on the one fixed design")
        return out
    sizes = discard_sizes(ctx.workflow, n) if design == "fresh" else None
    if sizes is not None:
        total, values = Fraction(0), []
        for m in sizes:
            total += sigma2 * _frac(inverse_wishart_trace(m, d))
            values.append(float(total))
        out["risk"] = (values, "exact: sum over generations of sigma^2 E tr (X_i^T X_i)^-1 = "
                       "sigma^2 d/(m_i-d-1), a fresh design per batch under discard")
        return out
    out["risk"] = _asymptotic_risk(ctx)
    return out


def _predict_logistic(ctx):
    return {"risk": _asymptotic_risk(ctx),
            "failed": _none("the MLE does not exist when the labels are separable, which has positive "
                            "probability at every n")}


def _absorbing_failed(what, G):
    return ([0.0] * G, f"exact: the MLE is a weighted sample mean, finite on every sample; the boundary "
            f"estimate {what} is a valid fit, counted by the metric absorbed")


def _predict_bernoulli(ctx):
    p = ctx.params["p"]
    out = {"failed": _absorbing_failed("p_hat in {0, 1}", ctx.G)}
    sizes = discard_sizes(ctx.workflow, ctx.n)
    if sizes is not None:
        absorbed, risk = wright_fisher(p, sizes)
        out.update(absorbed=(absorbed, "exact: Wright-Fisher chain on the counts, propagated in float64"),
                   risk=(risk, "exact: E(p_k - p)^2 from the Wright-Fisher chain's distribution"))
        return out
    q = to_rational(p)
    mom = resampling_moments(ctx.workflow, ctx.n, variance=q * (1 - q), rule="bernoulli")
    out.update(risk=(_floats(mom.mean_sq), "exact: second-moment recursion (emitted variance p_k(1-p_k))"),
               absorbed=_none("absorption is derived under discard only"))
    return out


def _predict_poisson(ctx):
    lam = to_rational(ctx.params["lam"])
    out = {"failed": _absorbing_failed("lambda_hat = 0", ctx.G)}
    mom = resampling_moments(ctx.workflow, ctx.n, variance=lam, rule="constant")
    out["risk"] = (_floats(mom.mean_sq), "exact: second-moment recursion; the emitted variance lambda_k "
                   "has mean lambda (a martingale)")
    sizes = discard_sizes(ctx.workflow, ctx.n)
    out["absorbed"] = ((poisson_absorption(lam, sizes), "exact: Galton-Watson generating functions of the "
                        "counts") if sizes is not None else _none("absorption is derived under discard only"))
    return out


def _predict_exponential(ctx):
    out = {"failed": ([0.0] * ctx.G, "exact: the sample mean of positive data is positive")}
    sizes = discard_sizes(ctx.workflow, ctx.n)
    if sizes is not None and min(sizes) >= 3:
        mom = exponential_discard_moments(ctx.params["rate"], sizes)
        out["risk"] = (mom["risk"], "exact: products of inverse Gamma moments under discard")
    elif sizes is not None:
        out["risk"] = _none(f"E rate_hat^2 is infinite for a fit on fewer than 3 points (sizes {sizes})")
    else:
        out["risk"] = _asymptotic_risk(ctx)
    return out


def _predict_expfam(ctx):
    fam = ctx.model.family(ctx.params)
    failed = (_none("the MLE of eta does not exist when the mean of T sits on the boundary of the mean space")
              if fam.discrete else
              ([0.0] * ctx.G, "exact: the mean of T lies inside the mean space almost surely"))
    risk = _asymptotic_risk(ctx, float(fam.mle_variance().subs(ctx.model.truth(ctx.params))))
    return {"risk": risk, "failed": failed}


def _predict_kde(ctx):
    h = to_rational(ctx.params["h"])
    out = {"failed": ([0.0] * ctx.G, "exact: a kernel density estimate is defined on every sample")}
    sizes = discard_sizes(ctx.workflow, ctx.n)
    if sizes is not None and len(set(sizes)) == 1:
        var, mean_sq, (k, m, hs) = kde_discard_closed_form()
        at = {m: sizes[0], hs: sp.Rational(h.numerator, h.denominator)}
        src = "exact: closed form of the discard recursion v_k = (1-1/m) v_{k-1} + h^2 (rsolve)"
        out["var"] = ([float(var.subs(at).subs(k, j)) for j in range(1, ctx.G + 1)], src)
        out["risk"] = ([float(mean_sq.subs(at).subs(k, j)) for j in range(1, ctx.G + 1)], src)
        return out
    mom = resampling_moments(ctx.workflow, ctx.n, variance=1, rule="mle", h2=h * h)
    src = ("exact: second-moment recursion of the resampled KDE (a weighted fit is the mixture of its "
           "entries' KDEs)")
    out.update(var=(_floats(mom.variance), src), risk=(_floats(mom.mean_sq), src))
    return out


_PREDICTORS = {"gaussian-mean": _predict_gaussian_mean, "gaussian": _predict_gaussian, "mvn": _predict_mvn,
               "linreg": _predict_linreg, "logistic": _predict_logistic, "bernoulli": _predict_bernoulli,
               "poisson": _predict_poisson, "exponential": _predict_exponential, "expfam": _predict_expfam,
               "kde": _predict_kde}


def predict(model, params, workflow: Workflow, n) -> Prediction:
    """The toolkit's prediction of every metric of ``simulate`` for one model, workflow and n.

    Parameters
    ----------
    model : str or SymbolicModel
        A name from :data:`theory.models.MODEL_NAMES` (or a model object, such as an
        ``expfam`` model with extra families).
    params : dict
        Model parameters (validated again here; strings are parsed).
    workflow : Workflow
        The workflow actually simulated: ``workflow.at_sample_size(n)``.
    n : int
        The base sample size.

    Returns
    -------
    Prediction

    Raises
    ------
    ValueError
        For bad parameters, a workflow not in whole points, or a formula that needs
        more points (linreg needs at least d + 2 rows per fit).

    Examples
    --------
    >>> from theory.presets import preset
    >>> wf = preset("augment", 3).at_sample_size(20)
    >>> p = predict("gaussian-mean", {}, wf, 20)
    >>> p.exact, [round(x, 5) for x in p.metrics["risk"]], p.notes["risk"][:6]
    (True, [0.05, 0.0625, 0.06806], 'exact:')
    >>> predict("logistic", {"d": 2}, wf, 20).exact
    False
    >>> predict("linreg", {"d": 5}, preset("discard", 2).at_sample_size(6), 6)
    Traceback (most recent call last):
    ...
    ValueError: linreg with design=fixed needs n >= d + 2 = 7 and as many design rows \
(E (X^T X)^-1 is finite only then), got n = 6 and d = 5 (6 rows)
    """
    sym = get_model(model)
    params = sym.validate_params(params)
    if not isinstance(workflow, Workflow):
        raise TypeError(f"workflow must be a theory.Workflow, got {workflow!r}")
    entries = fit_points(workflow, n)
    ctx = _Context(sym, params, workflow, n, entries, variances(workflow))
    found = _PREDICTORS[sym.name](ctx)
    metrics, notes = {}, {}
    for name in sym.metrics:
        values, note = found[name]
        metrics[name], notes[name] = values, note
    exact = all(notes[k].startswith("exact") for k in metrics if metrics[k] is not None)
    return Prediction(metrics, exact, notes)
