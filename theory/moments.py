"""Exact finite-n moments of refitted models: the resampling recursion and distributional moments.

The exact predictions of :func:`theory.predictions.predict` come from here,
derived rather than typed in:

- :func:`resampling_moments` — models whose fit's location is a weighted mean of
  its batches' means and whose emitted points have the fitted mean and a variance
  set by the fit (Gaussian mean and variance, multivariate normal coordinates,
  Bernoulli, Poisson, KDE). Second moments then follow an exact linear recursion
  under *every* workflow: the fitted means are linear in orthogonal primitives (a
  batch's own noise, a subsample's own noise) whose second moments are the expected
  emitted variances of earlier generations.
- :func:`chi_square_moment` (SymPy integration) with products over generations:
  the Gaussian variance under discard (E sigma^2, Var sigma^2, E sigma, E W_2^2,
  :func:`gaussian_discard_moments`) and the Bartlett decomposition for the
  multivariate normal determinant (:func:`mvn_discard_moments`).
- :func:`inverse_wishart_trace` — E tr (X^T X)^{-1} for a Gaussian design: OLS.
- :func:`gamma_inverse_moment` — the exponential rate under discard
  (:func:`exponential_discard_moments`).
- :func:`kde_discard_closed_form` — the KDE variance recursion solved by ``rsolve``.

The absorption chains of the count models are in :mod:`theory.absorption`.
"""

from __future__ import annotations

from fractions import Fraction
from functools import cache
from typing import NamedTuple

import mpmath
import sympy as sp

from .points import fit_points
from .rationals import as_sympy, to_rational
from .workflow import Workflow

__all__ = ["ResamplingMoments", "resampling_moments", "chi_square_moment", "gamma_inverse_moment",
           "inverse_wishart_trace", "gaussian_discard_moments", "mvn_discard_moments",
           "exponential_discard_moments", "kde_discard_closed_form"]


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
            e2 *= to_rational(chi_square_moment(m - 1, 1)) / D
            e4 *= to_rational(chi_square_moment(m - 1, 2)) / D**2
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
    r = as_sympy(to_rational(rate, "rate"))
    first, second = r, r**2
    out = {"mean": [], "risk": []}
    for m in sizes:
        first *= m * gamma_inverse_moment(m, 1)
        second *= m**2 * gamma_inverse_moment(m, 2)
        out["mean"].append(float(first))
        out["risk"].append(float(second - 2 * r * first + r**2))
    return out


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
