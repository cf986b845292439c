"""Exact finite-n moments of refitted models: the resampling recursion and distributional moments.

The exact predictions of :func:`theory.predictions.predict` come from here,
derived rather than typed in:

- :func:`~theory.resampling.resampling_moments` (in :mod:`theory.resampling`, exact
  rationals without SymPy, re-exported here) — the second moments of location fits
  under *every* workflow.
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

import mpmath
import sympy as sp

from .rationals import as_sympy, to_rational
from .resampling import ResamplingMoments, resampling_moments

__all__ = ["ResamplingMoments", "resampling_moments", "chi_square_moment", "gamma_inverse_moment",
           "inverse_wishart_trace", "gaussian_discard_moments", "mvn_discard_moments",
           "exponential_discard_moments", "kde_discard_closed_form"]


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
