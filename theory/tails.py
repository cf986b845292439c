"""Heavy tails and the memoriser: the scaling law of its test error, tail cuts, and generations of discard.

The memoriser of Hutter (2021) and Dohmatob, Feng, Yang, Charton & Kempe (2024)
learns the label of every input it has seen; trained on T draws from a law q and
tested on the law p it errs with probability

    E(T) = sum_i p_i (1 - q_i)^T.

On clean data (q = p) with Zipf frequencies p_i = i^-beta / zeta(beta) (beta > 1, K = infinity),
E(T) ~ C T^-(1 - 1/beta): replacing the sum by an integral and (1 - p)^T by e^{-T p},
the substitution u = T x^-beta / zeta(beta) turns int p(x) e^{-T p(x)} dx into a Gamma
integral, C = Gamma(1 - 1/beta) / (beta zeta(beta)^(1/beta)) (:func:`derive_memorizer_constant`),
with a relative correction -(beta - 1)(2 beta - 1)/(2 beta^2 T) (:func:`derive_memorizer_correction`).

A *tail cut* at k (data from p restricted to its k most frequent categories) leaves the
memoriser an error floor sum_{i>k} p_i = zeta(beta, k + 1)/zeta(beta) however large T is
(:func:`derive_tail_floor`).

Under k generations of discard with n points each, T draws from the k-th fit descend from
A_k distinct real points (:mod:`theory.ancestry`), so E_k(T) = sum_i p_i E(1 - p_i)^{A_k}:
the memoriser sees the truth through an *effective sample* of A_k clean draws. The
mean-field recursion a -> n (1 - (1 - 1/n)^a) started at T gives
1/a_k = 1/T + k/(2n) + ..., hence (:func:`derive_generations_law`)

    E_k(T) ~ C (1/T + k/(2n))^(1 - 1/beta):

the clean scaling law until T ~ 2n/k, then a floor C (k/(2n))^(1 - 1/beta) that rises with
the number of generations like k^(1 - 1/beta).

Examples
--------
>>> d = derive_memorizer_constant()
>>> d["constant"]
gamma(1 - 1/beta)/(beta*zeta(beta)**(1/beta))
>>> derive_tail_floor()["floor"]
zeta(beta, k + 1)/zeta(beta)
"""

from __future__ import annotations

from fractions import Fraction
from functools import cache

import numpy as np
import sympy as sp

__all__ = ["derive_memorizer_constant", "derive_memorizer_correction", "derive_tail_floor", "derive_generations_law",
           "memorizer_error_exact", "memorizer_error_float", "tail_cut_error_float"]


@cache
def derive_memorizer_constant():
    """E(T) T^(1 - 1/beta) -> C for Zipf(beta) with K = infinity, C derived by SymPy.

    The integral int_0^infinity p(x) exp(-T p(x)) dx, p(x) = x^-beta / Z, is transformed by
    x = (T/(Z u))^(1/beta) and integrated (a Gamma integral, finite because beta > 1).

    Returns
    -------
    dict
        ``integral`` (in T, beta, Z), ``constant`` (C with Z = zeta(beta)), ``exponent``
        (1 - 1/beta) and the symbols.
    """
    x, T, Z, u = sp.symbols("x T Z u", positive=True)
    delta = sp.Symbol("delta", positive=True)           # beta = 1 + delta > 1
    beta = sp.Symbol("beta", positive=True)
    density = x ** -(1 + delta) / Z
    integral = sp.Integral(density * sp.exp(-T * density), (x, 0, sp.oo))
    substituted = integral.transform(x, ((T / (Z * u)) ** (1 / (1 + delta)), u))
    value = sp.simplify(substituted.doit(conds="none")).subs(delta, beta - 1)
    exponent = 1 - 1 / beta
    constant = sp.simplify(value * T**exponent)
    constant = sp.simplify(constant.subs(Z, sp.zeta(beta)))
    return {"T": T, "beta": beta, "Z": Z, "integral": sp.simplify(value), "constant": constant,
            "exponent": exponent}


@cache
def derive_memorizer_correction():
    """The next term: E(T) = C T^-(1 - 1/beta) (1 + c_1/T + O(T^-2)), c_1 derived.

    (1 - p)^T = e^{-T p} (1 - T p^2/2 + O(T p^3, T^2 p^4)), and in the bulk p ~ 1/T, so the
    first correction is -(T/2) int p^3 e^{-T p} dx, the same Gamma integral with
    exponent 3: relative to the leading term, -(T/2) Gamma(3 - 1/beta)/Gamma(1 - 1/beta) T^-2.
    (The sum differs from the integral by far less: the summand is analytic on the
    scale of its bump, T^(1/beta).)

    Examples
    --------
    >>> derive_memorizer_correction()["c1"]
    -(beta - 1)*(2*beta - 1)/(2*beta**2)
    """
    x, T, Z, u = sp.symbols("x T Z u", positive=True)
    delta = sp.Symbol("delta", positive=True)
    beta = sp.Symbol("beta", positive=True)
    p = x ** -(1 + delta) / Z

    def moment(k):
        integral = sp.Integral(p**k * sp.exp(-T * p), (x, 0, sp.oo))
        return sp.simplify(integral.transform(x, ((T / (Z * u)) ** (1 / (1 + delta)), u)).doit(conds="none"))

    c1 = sp.simplify(sp.gammasimp(-(T / 2) * moment(3) / moment(1) * T))
    return {"beta": beta, "c1": sp.factor(sp.simplify(c1.subs(delta, beta - 1)))}


@cache
def derive_tail_floor():
    """The memoriser's floor under a tail cut at k: sum_{i > k} p_i = zeta(beta, k + 1)/zeta(beta).

    Returns
    -------
    dict
        ``floor`` (beta > 1), ``leading`` (its order k^(1 - beta) / ((beta - 1) zeta(beta)),
        from the integral of x^-beta beyond k) and the symbols.
    """
    i = sp.Symbol("i", integer=True, positive=True)
    k = sp.Symbol("k", integer=True, positive=True)
    beta = sp.Symbol("beta", positive=True)
    delta = sp.Symbol("delta", positive=True)
    tail = sp.Sum(i ** -(1 + delta), (i, k + 1, sp.oo)).doit()
    tail = tail.args[0][0] if isinstance(tail, sp.Piecewise) else tail
    floor = (tail / sp.zeta(1 + delta)).subs(delta, beta - 1)
    x = sp.Symbol("x", positive=True)
    leading = sp.simplify(sp.integrate(x ** -(1 + delta), (x, k, sp.oo), conds="none").subs(delta, beta - 1)
                          / sp.zeta(beta))
    return {"i": i, "k": k, "beta": beta, "floor": sp.simplify(floor), "leading": leading}


@cache
def derive_generations_law():
    """The memoriser after k generations of discard: the effective sample size and the error law.

    From :func:`theory.ancestry.derive_ancestor_recursion`: each step back adds
    1/(2n) + O(a/n^2) to 1/a, so a_k = 1/(1/T + k/(2n)) to first order; the clean law
    at that sample size gives E_k ~ C (1/T + k/(2n))^(1 - 1/beta). Returned with its two
    regimes (k T << n: the clean law; k T >> n: C (k/(2n))^(1 - 1/beta)).

    Examples
    --------
    >>> d = derive_generations_law()
    >>> d["effective"]
    2*T*n/(T*k + 2*n)
    """
    from .ancestry import derive_ancestor_recursion

    rec = derive_ancestor_recursion()
    T, n = sp.symbols("T n", positive=True)
    k = sp.Symbol("k", integer=True, nonnegative=True)
    C, beta = sp.symbols("C beta", positive=True)
    step = rec["series"].subs(rec["u"], 0)              # the constant term 1/2 of (1/a' - 1/a) b
    effective = sp.simplify(1 / (1 / T + k * step / n))
    exponent = 1 - 1 / beta
    error = C * effective ** -exponent
    large_T = sp.simplify(sp.limit(error, T, sp.oo))
    return {"T": T, "n": n, "k": k, "C": C, "beta": beta, "effective": effective, "error": error,
            "floor": large_T, "clean": sp.simplify(error.subs(k, 0))}


# --------------------------------------------------------------------------- evaluation
def memorizer_error_exact(p, q, T):
    """sum_i p_i (1 - q_i)^T exactly (rationals).

    Examples
    --------
    >>> memorizer_error_exact([Fraction(1, 2)] * 2, [Fraction(1, 2)] * 2, 2)
    Fraction(1, 4)
    """
    return sum((Fraction(pi) * (1 - Fraction(qi)) ** int(T) for pi, qi in zip(p, q, strict=True)), Fraction(0))


def memorizer_error_float(p, T, q=None):
    """sum_i p_i (1 - q_i)^T in float64 (q = p: clean data), stable for tiny q_i.

    Examples
    --------
    >>> round(memorizer_error_float(np.array([0.5, 0.5]), 2), 12)
    0.25
    """
    p = np.asarray(p, dtype=float)
    q = p if q is None else np.asarray(q, dtype=float)
    with np.errstate(divide="ignore"):
        powers = np.where(q < 1, np.exp(float(T) * np.log1p(-np.minimum(q, 1.0))), 0.0)
    return float(np.dot(p, powers))


def tail_cut_error_float(p, k, T):
    """The memoriser trained on T draws from p cut to its first k categories (renormalised), tested on p.

    Examples
    --------
    >>> p = np.array([0.5, 0.3, 0.2])
    >>> round(tail_cut_error_float(p, 2, 10**6), 12)                 # the floor: the cut mass
    0.2
    """
    p = np.asarray(p, dtype=float)
    q = np.zeros_like(p)
    q[:k] = p[:k] / p[:k].sum()
    return memorizer_error_float(p, T, q)
