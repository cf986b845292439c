"""Seddik, Chen, Hayou, Youssef & Debbah (2024): a categorical model fed its own samples collapses; real data stop it.

Fully synthetic (discard): each category's frequency is a Wright-Fisher chain, so
E q(1 - q) shrinks by 1 - 1/n per generation and E sum_i q_{k,i}^2 = 1 - (1 - sum p^2)(1 - 1/n)^k
tends to 1, a Dirac mass. Partially synthetic with a fixed real sample (``mix:L``: the
n real points and L n fresh synthetic points per generation, pooled), given the real
sample's frequency c each category's frequency has a variance that obeys an affine
recursion and stays bounded, with a limit increasing in the synthetic-to-real ratio L.
The symbolic evidence solves both recursions (rsolve); the numeric evidence compares
them at 50 digits with the toolkit's exact per-category moment recursion; Monte Carlo
refits the categorical model.
"""

from __future__ import annotations

from fractions import Fraction
from functools import cache

import mpmath
import sympy as sp

from theory.category_moments import category_moments
from theory.models.categorical import categorical_truth
from theory.points import fit_points
from theory.presets import preset

from ..claims import Claim, agrees, check, close
from ._common import DPS, SEDDIK, metric, prediction, ratio_figure, simulate, vanishes

__all__ = ["claims", "derive_seddik"]

TRUTH = {"truth": "zipf", "beta": "1", "K": 30}
L_VALUES = (Fraction(1, 2), Fraction(1), Fraction(3))


@cache
def derive_seddik():
    """The fully synthetic S_k and the partially synthetic conditional variance, for symbolic n, k, L.

    Returns
    -------
    dict
        ``S`` (E sum q_k^2 with s = sum p^2), ``U`` (the conditional variance of one category given the real
        frequency c, generation k of mix:L), ``U_limit``, ``nU_large_n`` (lim n U as n -> infinity) and symbols.

    Examples
    --------
    >>> d = derive_seddik()
    >>> d["nU_large_n"]
    L*c*(1 - c)/(2*L + 1)
    """
    n, L = sp.symbols("n L", positive=True)
    k = sp.Symbol("k", integer=True, positive=True)
    s, c = sp.symbols("s c", positive=True)
    q = sp.Symbol("q", positive=True)
    # one resample of m points from frequency q: E[X(m - X)]/m^2 = q(1 - q)(1 - 1/m) (binomial moments)
    m = sp.Symbol("m", positive=True)
    x = sp.Symbol("x")
    pgf = (1 - q + q * x) ** m
    ex = sp.diff(pgf, x).subs(x, 1)
    ex2 = sp.simplify(sp.diff(pgf, x, 2).subs(x, 1) + ex)
    shrink = sp.simplify((m * ex - ex2) / m**2 / (q * (1 - q)))      # = 1 - 1/m
    h = sp.Function("h")
    het = sp.rsolve(h(k) - shrink.subs(m, n) * h(k - 1), h(k), {h(1): shrink.subs(m, n) * (1 - s)})
    S = sp.simplify(1 - het)                                         # E sum q^2 = 1 - E sum q (1 - q)
    alpha = L / (1 + L)
    U = sp.Function("U")
    # given c: q_k - c = alpha (q_{k-1} - c) + alpha eps, E eps^2 = E q(1 - q)/(L n) = (c(1 - c) - U_{k-1})/(L n)
    step = sp.factor(alpha**2 * (1 - 1 / (L * n)))
    source = alpha**2 * c * (1 - c) / (L * n)
    recurrence = U(k) - step * U(k - 1) - source
    Uk = sp.rsolve(recurrence, U(k), {U(1): 0})
    U_limit = sp.factor(sp.simplify(source / (1 - step)))
    closed = U_limit * (1 - step ** (k - 1))
    nU = sp.simplify(sp.limit(n * U_limit, n, sp.oo))
    return {"n": n, "k": k, "L": L, "s": s, "c": c, "shrink": shrink, "S": S, "U_rsolve": Uk, "U": closed,
            "U_limit": U_limit, "nU_large_n": nU, "step": step, "source": source,
            "U_factor": closed / (c * (1 - c))}


def _symbolic(budget):
    d = derive_seddik()
    n, k, s = d["n"], d["k"], d["s"]
    yield check("resampling m points shrinks E q(1 - q) by the factor 1 - 1/m (binomial probability generating "
                "function)", sp.simplify(d["shrink"] - (1 - 1 / sp.Symbol("m", positive=True))) == 0)
    yield check("fully synthetic: E sum_i q_{k,i}^2 = 1 - (1 - sum p^2)(1 - 1/n)^k, which tends to 1 (collapse to a "
                "Dirac mass)", sp.simplify(d["S"] - (1 - (1 - s) * (1 - 1 / n) ** k)) == 0
                and sp.limit(d["S"].subs({n: 10, s: sp.Rational(1, 3)}), k, sp.oo) == 1, S=d["S"])
    L, c = d["L"], d["c"]
    residual = d["U"] - d["step"] * d["U"].subs(k, k - 1) - d["source"]
    sample = {n: 7, L: sp.Rational(3, 2), c: sp.Rational(1, 3)}
    yield check("partially synthetic (mix:L, pooled): U_k = U_lim (1 - rho^(k-1)), rho = alpha^2 (1 - 1/(L n)), "
                "satisfies the derived recursion identically in k and U_1 = 0 (induction; rsolve agrees), so it "
                "stays below its limit for every k", vanishes(residual, k) and d["U"].subs(k, 1) == 0
                and all(sp.simplify((d["U_rsolve"] - d["U"]).subs(sample).subs(k, j)) == 0 for j in (1, 2, 5)),
                U=d["U"], limit=d["U_limit"])
    yield check("as n grows, n U_k -> c (1 - c) L/(1 + 2L), increasing in the synthetic-to-real ratio L and below "
                "c(1 - c)/2", sp.simplify(d["nU_large_n"] - c * (1 - c) * L / (1 + 2 * L)) == 0
                and sp.simplify(sp.diff(L / (1 + 2 * L), L) - 1 / (1 + 2 * L) ** 2) == 0)


def _risk_from_derivation(d, sum_p2, n, L, k):
    """E sum_i (q_k - p_i)^2 = (1 - sum p^2)/n + E sum_i U_k(c_i), with E c(1 - c) = p(1 - p)(1 - 1/n)."""
    factor = sp.simplify(d["U_factor"].subs({d["n"]: n, d["L"]: L, d["k"]: k}))
    return (1 - sum_p2) / n + (1 - sum_p2) * (1 - sp.Rational(1, n)) * factor


def _numeric(budget):
    d = derive_seddik()
    truth = categorical_truth(TRUTH)
    sum_p2 = sp.Rational(truth.sum_p2.numerator, truth.sum_p2.denominator)
    n, G = 20, 12
    mom = category_moments(fit_points(preset("discard", G).at_sample_size(n), n), K=truth.K)
    S_exact = mom.sum_of_squares(truth.sum_p2)
    with mpmath.workdps(DPS + 10):
        worst = max(abs(mpmath.mpf(x.numerator) / x.denominator
                        - mpmath.mpf(str(sp.N(d["S"].subs({d["n"]: n, d["s"]: sum_p2, d["k"]: k}), DPS + 10))))
                    for k, x in zip(range(1, G + 1), S_exact, strict=True))
        yield close(f"E sum q_k^2, n = {n}, k <= {G}: the derived closed form = the exact moment recursion at "
                    f"{DPS} digits", worst, 0, mpmath.mpf(10) ** -DPS, S=[str(x) for x in S_exact[:3]])
        for L in L_VALUES:
            wf = preset(f"mix:{L}", G).at_sample_size(n)
            risk = category_moments(fit_points(wf, n), K=truth.K).risk(truth.sum_p2)
            Ls = sp.Rational(L.numerator, L.denominator)
            derived = [_risk_from_derivation(d, sum_p2, n, Ls, k) for k in range(1, G + 1)]
            gap = max(abs(mpmath.mpf(r.numerator) / r.denominator - mpmath.mpf(str(sp.N(x, DPS + 10))))
                      for r, x in zip(risk, derived, strict=True))
            yield close(f"mix:{L}, n = {n}: the risk from the derived conditional variance = the exact moment "
                        f"recursion, k <= {G}", gap, 0, mpmath.mpf(10) ** -DPS)


def _monte_carlo(budget):
    reps, G = budget.pick(2000, 20000), 8
    n = 20
    curves, points = [], []
    res = simulate("categorical", TRUTH, "discard", n, G, reps, budget, "seddik-discard")
    mean, se = metric(res, "risk")
    sum_p2 = float(categorical_truth(TRUTH).sum_p2)
    # E sum q^2 = risk + sum p^2 (the frequencies are unbiased); exact target, 4 standard errors
    yield agrees(f"fully synthetic, n = {n}: E sum_i q_k^2 = the exact value", mean + sum_p2, se,
                 prediction(res, "risk") + sum_p2, k=4, exact=True)
    ks = list(range(1, G + 1))
    curves.append(("discard, exact", ks, (prediction(res, "risk") + sum_p2).tolist()))
    points.append(("discard, Monte Carlo", ks, (mean + sum_p2).tolist(), se.tolist()))
    plateau = []
    for L in L_VALUES:
        res = simulate("categorical", TRUTH, f"mix:{L}", n, G, reps, budget, "seddik-mix")
        mean, se = metric(res, "risk")
        yield agrees(f"mix:{L}, n = {n}: risk = the exact value", mean, se, prediction(res, "risk"), k=4, exact=True)
        plateau.append(float(prediction(res, "risk")[-1]))
        curves.append((f"mix:{L}, exact", ks, (prediction(res, "risk") + sum_p2).tolist()))
        points.append((f"mix:{L}, Monte Carlo", ks, (mean + sum_p2).tolist(), se.tolist()))
    yield check("the partially synthetic risk levels off higher for a larger synthetic-to-real ratio",
                all(a < b for a, b in zip(plateau, plateau[1:], strict=False)), plateau=plateau)
    yield ratio_figure("seddik", "E sum q^2: collapse without real data, a plateau with it (Zipf 1, K = 30, n = 20)",
                       curves, points, ylabel=r"$\mathbb{E}\sum_i q_{k,i}^2$", hlines=[("Dirac mass", 1.0)])


def claims():
    return [Claim(
        "synthetic-categorical-collapse",
        statement=("A categorical model trained only on its own samples collapses: E sum_i q_{k,i}^2 = "
                   "1 - (1 - sum_i p_i^2)(1 - 1/n)^k tends to 1, a Dirac mass; with a fixed real sample of n points "
                   "and L n synthetic points per generation each category's variance given the real sample stays "
                   "bounded, tending to c(1 - c) L/((1 + 2L) n) for large n, which grows with the "
                   "synthetic-to-real ratio L."),
        latex=r"\mathbb E\sum_i q_{k,i}^2 = 1-\Bigl(1-\sum_i p_i^2\Bigr)\Bigl(1-\frac1n\Bigr)^k\to1,\qquad "
              r"n\,\mathrm{Var}(q_{k,i}\mid c_i)\to c_i(1-c_i)\frac{L}{1+2L}",
        source=SEDDIK, symbolic=_symbolic, numeric=_numeric, monte_carlo=_monte_carlo,
        tags=("categorical", "discard", "mix"))]
