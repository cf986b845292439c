"""Absorption of refitted count models under discard: the Wright-Fisher and Galton-Watson chains.

Refitting a Bernoulli proportion on its own samples is a Wright-Fisher chain on
the counts, and refitting a Poisson mean a Galton-Watson process; both are
eventually absorbed (p_hat in {0, 1}, lambda_hat = 0). The probabilities of
absorption by generation k, and for Bernoulli the risk, are computed exactly
from the chains' laws.
"""

from __future__ import annotations

import math
from fractions import Fraction

import mpmath
import numpy as np

from .rationals import as_sympy, to_rational

__all__ = ["wright_fisher", "wright_fisher_laws", "poisson_absorption"]


def wright_fisher_laws(p, n, G):
    """Exact laws of a category's count over G generations of discard: Bin(n, p), then Bin(n, N/n).

    Returns
    -------
    list of list of Fraction
        P(N_k = j) for j = 0..n, for k = 1..G.

    Examples
    --------
    >>> [str(x) for x in wright_fisher_laws(Fraction(1, 2), 1, 2)[1]]
    ['1/2', '1/2']
    """
    p = to_rational(p, "p")
    dist = [Fraction(math.comb(n, j)) * p**j * (1 - p) ** (n - j) for j in range(n + 1)]
    out = [dist]
    for _ in range(G - 1):
        new = [Fraction(0)] * (n + 1)
        for i, w in enumerate(dist):
            q = Fraction(i, n)
            for j in range(n + 1):
                new[j] += w * math.comb(n, j) * q**j * (1 - q) ** (n - j)
        dist = new
        out.append(dist)
    return out


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
        import sympy as sp

        lam, one, exp, ratio = as_sympy(to_rational(lam, "lam")), sp.S.One, sp.exp, sp.Rational
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
