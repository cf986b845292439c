"""He, Xu & Cheng (2025): the best share of fresh real data is 1/golden ratio.

In the ``weighted:W:M`` workflow generation k >= 2 fits a fresh real batch R<k>
(n points) with share W and the previous generation's synthetic batch (M n points)
with share 1 - W. The process gives H_k = W eps_R + (1 - W)(H_{k-1} + eps_S), so
the risk settles at a limit that depends on W; the symbolic evidence derives the
recursion from the shares with symbolic W and M, solves it, and minimises the
limit over W with SymPy (for M = 1 the minimiser comes out as (sqrt 5 - 1)/2); the
numeric evidence minimises the stationary risk independently at 50 digits; the
Gaussian-process simulator and real fits check the ordering by simulation.
"""

from __future__ import annotations

from fractions import Fraction
from functools import cache

import mpmath
import numpy as np
import sympy as sp

from theory import preset, risk_ratios
from theory.rationals import as_sympy

from ..claims import Claim, agrees, check, close
from ._common import (
    DPS,
    HE_XU_CHENG,
    fractions_equal,
    gp_simulate,
    ratio_check,
    ratio_figure,
    ratio_points,
    simulate,
    vanishes,
)

__all__ = ["claims", "derive_weighted"]

SHARES = (Fraction(1, 2), Fraction(309, 500), Fraction(3, 4))
SIZES = (Fraction(1), Fraction(2))


@cache
def derive_weighted():
    """Risk of ``weighted:W:M`` for symbolic W and M: closed form, limit, optimal share.

    Examples
    --------
    >>> d = derive_weighted()
    >>> d["optimum"], d["optimum_M1"]
    ((sqrt(4*M + 1) - 1)/(2*M), -1/2 + sqrt(5)/2)
    """
    W, M = sp.Symbol("W", positive=True), sp.Symbol("M", positive=True)
    k = sp.Symbol("k", integer=True, positive=True)
    v = sp.Function("v")
    var_r, var_s = sp.Integer(1), 1 / M  # fresh real batch of n points; synthetic batch of M n points
    # Fresh real noise and the synthetic batch's own noise are independent of H_{k-1}.
    step = W**2 * var_r + (1 - W) ** 2 * (v(k - 1) + var_s)
    ratio = sp.simplify(sp.rsolve(v(k) - step, v(k), {v(1): 1}))  # H_1 fits R0 of size 1
    x = sp.Dummy("x")
    (limit,) = sp.solve(sp.Eq(x, step.subs(v(k - 1), x)), x)
    limit = sp.factor(limit)
    slope = sp.together(sp.diff(limit, W))
    critical = [c for c in sp.solve(sp.numer(slope), W) if _in_unit_interval(c)]
    if len(critical) != 1:
        raise ArithmeticError(f"expected one critical share in (0, 1), got {critical}")
    optimum = sp.simplify(critical[0])
    curvature = sp.simplify(sp.diff(limit, W, 2).subs(W, optimum))
    limit_1 = limit.subs(M, 1)
    critical_1 = [c for c in sp.solve(sp.numer(sp.together(sp.diff(limit_1, W))), W) if _in_unit_interval(c)]
    return {"W": W, "M": M, "k": k, "ratio": ratio, "limit": limit, "step": (v, step), "optimum": optimum,
            "curvature": curvature, "optimum_M1": sp.simplify(critical_1[0]) if len(critical_1) == 1 else None,
            "critical_M1": critical_1, "limit_M1": limit_1}


def _in_unit_interval(c):
    """Whether the critical point lies in (0, 1) for every M > 0 (checked at M = 1 and in general)."""
    c1 = sp.simplify(c.subs(sp.Symbol("M", positive=True), 1))
    if not c1.is_real:
        return False
    return bool(sp.simplify(c1).is_positive) and bool(sp.simplify(1 - c1).is_positive)


def _symbolic(budget):
    d = derive_weighted()
    W, M, k, ratio, limit = d["W"], d["M"], d["k"], d["ratio"], d["limit"]
    v, step = d["step"]
    residual = ratio - step.subs(v(k - 1), ratio.subs(k, k - 1))
    yield check("the closed form solves the risk recursion with R_1 = 1",
                vanishes(residual, k) and sp.simplify(ratio.subs(k, 1)) == 1, closed_form=ratio)
    for w in SHARES:
        for m in SIZES:
            G = 15
            spec = f"weighted:{w}:{m}"
            exact = risk_ratios(preset(spec, G))
            at = {W: as_sympy(w), M: as_sympy(m)}
            derived = [sp.Rational(sp.simplify(ratio.subs({**at, k: j}))) for j in range(1, G + 1)]
            yield fractions_equal(f"closed form = exact process ratios for {spec}, k <= {G}",
                                  derived, exact)
    geometric = sp.simplify((ratio - limit) / ((1 - W) ** 2) ** k)
    yield check("R_k converges to the recursion's fixed point: R_k - lim = C ((1 - W)^2)^k, and "
                "1 - (1 - W)^2 = W (2 - W) > 0 for 0 < W <= 1", not geometric.has(k)
                and sp.factor(1 - (1 - W) ** 2) == sp.factor(W * (2 - W)), limit=limit, C=geometric)
    optimum_1 = d["optimum_M1"]
    yield check("for M = 1 the limit has exactly one critical share in (0, 1)", optimum_1 is not None,
                critical=d["critical_M1"])
    yield check("it is the reciprocal of the golden ratio, (sqrt 5 - 1)/2",
                sp.simplify(optimum_1 - 1 / sp.GoldenRatio) == 0, W_star=optimum_1,
                decimal=sp.N(optimum_1, 20))
    curvature_1 = sp.simplify(sp.diff(d["limit_M1"], W, 2).subs(W, optimum_1))
    ends = [sp.limit(d["limit_M1"], W, 0, "+"), d["limit_M1"].subs(W, 1)]
    at_opt = sp.simplify(d["limit_M1"].subs(W, optimum_1))
    yield check("and a minimum: positive curvature, below the values at both ends of (0, 1]",
                bool(curvature_1.is_positive) and all(bool((e - at_opt).is_extended_positive) for e in ends),
                curvature=curvature_1, minimum=at_opt, ends=ends)
    yield check("for any synthetic size M the optimum is (sqrt(4M + 1) - 1)/(2M) (He, Xu & Cheng's unified "
                "expression with k = 1/M)", sp.simplify(d["optimum"] - (sp.sqrt(4 * M + 1) - 1) / (2 * M)) == 0
                and sp.simplify(d["optimum"].subs(M, 1) - optimum_1) == 0, W_star=d["optimum"])


def _stationary_mp(w, m):
    """The stationary Var H of weighted:w:m at the working precision, by iterating the process to convergence.

    The map v -> w^2 / |R| + (1 - w)^2 (v + 1 / |S|) contracts by (1 - w)^2, so after j
    steps from v = 0 the error is at most (1 - w)^(2j) v_j / (1 - (1 - w)^2).
    """
    contraction = (1 - w) ** 2
    value, tol = mpmath.mpf(0), mpmath.mpf(10) ** (-(mpmath.mp.dps - 5))
    for _ in range(100000):
        new = w**2 + contraction * (value + 1 / m)
        if abs(new - value) * contraction / (1 - contraction) < tol:
            return new
        value = new
    raise ArithmeticError(f"no convergence for w = {w}")


def _numeric(budget):
    d = derive_weighted()
    with mpmath.workdps(DPS + 15):
        for m in (mpmath.mpf(1), mpmath.mpf(2)):
            # Minimise by solving d/dw stationary(w) = 0 (derivative by mpmath's numerical differentiation).
            w_num = mpmath.findroot(lambda w, m=m: mpmath.diff(lambda u: _stationary_mp(u, m), w), mpmath.mpf("0.6"))
            target = mpmath.mpf(sp.N(d["optimum"].subs(d["M"], int(m)), DPS + 15))
            yield close(f"M = {int(m)}: the numerical minimiser of the stationary risk = the symbolic optimum",
                        w_num, target, mpmath.mpf(10) ** -(DPS - 5), minimiser=mpmath.nstr(w_num, 30))
            left, right = _stationary_mp(w_num - mpmath.mpf("0.01"), m), _stationary_mp(w_num + mpmath.mpf("0.01"), m)
            yield check(f"M = {int(m)}: it is a minimum (risk 0.01 either side is larger)",
                        left > _stationary_mp(w_num, m) < right, at_minimum=mpmath.nstr(_stationary_mp(w_num, m), 20))
        golden = (1 + mpmath.sqrt(5)) / 2
        w_num = mpmath.findroot(lambda w: mpmath.diff(lambda u: _stationary_mp(u, 1), w), mpmath.mpf("0.5"))
        yield close("M = 1: the minimiser is 1/golden ratio to 50 digits", w_num, 1 / golden,
                    mpmath.mpf(10) ** -DPS)
        G = 30
        for w in SHARES:
            exact = risk_ratios(preset(f"weighted:{w}", G))
            wmp = mpmath.mpf(w.numerator) / w.denominator
            gap = abs(mpmath.mpf(exact[-1].numerator) / exact[-1].denominator - _stationary_mp(wmp, 1))
            bound = (1 - wmp) ** (2 * (G - 1)) * abs(1 - _stationary_mp(wmp, 1))
            yield check(f"exact R_{G} of weighted:{w} is within the geometric tail of the stationary value",
                        gap <= bound * (1 + mpmath.mpf(10) ** -20), gap=mpmath.nstr(gap, 5),
                        bound=mpmath.nstr(bound, 5))


def _monte_carlo(budget):
    d = derive_weighted()
    w_star = float(d["optimum_M1"])
    G, reps = 12, budget.replicates("process")
    curves, points, finals = [], [], {}
    for w in (0.5, w_star, 0.75):
        spec = f"weighted:{Fraction(w).limit_denominator(10**6) if w == w_star else w}"
        estimate = gp_simulate(spec, G, reps, budget, f"gp-{w:.4f}")
        exact = risk_ratios_float_spec(spec, G)
        yield agrees(f"Gaussian-process simulator, {spec}: R_k = exact ratios", estimate.ratios[1:],
                     estimate.stderr[1:], exact[1:], k=4, exact=True, x=list(range(2, G + 1)))
        finals[w] = (float(estimate.ratios[-1]), float(estimate.stderr[-1]))
        curves.append((f"exact, W = {w:.3f}", list(range(1, G + 1)), exact.tolist()))
        points.append((f"GP simulator, W = {w:.3f}", list(range(1, G + 1)), estimate.ratios.tolist(),
                       estimate.stderr.tolist()))
    best, se_best = finals[w_star]
    for w in (0.5, 0.75):
        other, se_other = finals[w]
        # The simulated R_G at W* is below the others by more than 3 (conservative) standard errors.
        yield check(f"simulated R_{G} at W* = {w_star:.4f} is below that at W = {w}",
                    other - best > 3 * (se_best + se_other), at_optimum=best, other=other,
                    stderr=se_best + se_other)
    result = simulate("gaussian-mean", {}, "weighted:0.618", 20, G, budget.replicates("cheap"), budget, "fits")
    target = risk_ratios(preset("weighted:0.618", G).at_sample_size(20))
    yield ratio_check("Gaussian-mean fits (n = 20) under weighted:0.618 = the process (exact at every n)",
                      result, target, k=4, exact=True)
    points.append(ratio_points("Gaussian mean fits, W = 0.618", result))
    yield ratio_figure("weighted", "weighted:W: fresh real data and weighted synthetic data", curves, points)


def risk_ratios_float_spec(spec, G):
    return np.array([float(r) for r in risk_ratios(preset(spec, G))])


def claims():
    return [Claim(
        "weighted-golden-share",
        statement=("With a fresh real batch each generation weighted W against the previous generation's "
                   "synthetic batch of equal size (weighted:W), the limiting risk is smallest at the real "
                   "share W = (sqrt 5 - 1)/2 = 1/golden ratio; for a synthetic batch M times as large the "
                   "optimum is (sqrt(4M + 1) - 1)/(2M)."),
        latex=r"\operatorname*{arg\,min}_{0<W\le 1}\ \lim_{k\to\infty} R_k(W) = \frac{\sqrt5-1}{2} = "
              r"\frac{1}{\varphi}, \qquad W^*(M) = \frac{\sqrt{4M+1}-1}{2M}",
        source=HE_XU_CHENG, symbolic=_symbolic, numeric=_numeric, monte_carlo=_monte_carlo,
        tags=("weighted",))]
