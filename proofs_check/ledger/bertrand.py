"""Bertrand et al. (2024): retraining with a fixed real set plus fresh synthetic data is stable.

In the ``mix:L`` workflow every generation refits the real set R0 (size n) pooled
with L n points emitted by the previous generation. The sequential Gaussian process
gives H_k = w_R Z_R0 + w_S (H_{k-1} + eps_k) with pooled shares w_R = 1/(1+L),
w_S = L/(1+L); the symbolic evidence derives the risk recursion for a *symbolic* L
from those shares, solves it, and takes the limit; the numeric evidence solves the
stationary equations of the process at 50 digits from the workflow's own shares;
Monte Carlo fits real models.
"""

from __future__ import annotations

from fractions import Fraction
from functools import cache

import mpmath
import sympy as sp

from theory import preset, risk_ratios
from theory.rationals import as_sympy

from ..claims import Claim, at_most, check, close
from ._common import BERTRAND, DPS, fractions_equal, model_runs, ratio_figure, steady, vanishes

__all__ = ["claims", "derive_mix"]

L_VALUES = (Fraction(1, 2), Fraction(1), Fraction(3))


@cache
def derive_mix():
    """The risk of ``mix:L`` for symbolic L: shares, closed form R_k, its limit and recursion.

    Returns
    -------
    dict
        ``L``, ``k``, ``shares`` (w_R, w_S), ``ratio`` (closed form of R_k), ``limit``,
        ``recursion`` (R_k in terms of R_{k-1}), ``cov`` (Cov(H_k, Z_R0)).

    Examples
    --------
    >>> d = derive_mix()
    >>> d["limit"]
    (3*L + 1)/(2*L + 1)
    """
    L = sp.Symbol("L", positive=True)
    k = sp.Symbol("k", integer=True, positive=True)
    counts = {"R0": sp.Integer(1), "S": L}          # whole batches, pooled by counts
    total = sum(counts.values())
    w_r, w_s = counts["R0"] / total, counts["S"] / total
    var_r, var_s = 1 / counts["R0"], 1 / counts["S"]  # Var of a batch's noise, units V/n
    c, v = sp.Function("c"), sp.Function("v")
    # Cov(H_k, Z_R0): H_1 = Z_R0, then the real share carries Z_R0 and the synthetic share carries H_{k-1}.
    cov = sp.simplify(sp.rsolve(c(k) - (w_r * var_r + w_s * c(k - 1)), c(k), {c(1): var_r}))
    if cov.has(k):
        raise ArithmeticError(f"Cov(H_k, Z_R0) was expected to settle at once, got {cov}")
    step = w_r**2 * var_r + w_s**2 * (v(k - 1) + var_s) + 2 * w_r * w_s * cov
    ratio = sp.simplify(sp.rsolve(v(k) - step, v(k), {v(1): var_r}))  # Var H_1 = var_r, so R_k = v_k
    x = sp.Dummy("x")
    (limit,) = sp.solve(sp.Eq(x, step.subs(v(k - 1), x)), x)  # the fixed point of the recursion
    limit = sp.factor(limit)
    # Convergence: R_k - limit = C rho^k with rho = w_S^2 in (0, 1).
    rho = w_s**2
    C = sp.simplify((ratio - limit) / rho**k)
    if C.has(k) or not _positive(1 - rho):
        raise ArithmeticError(f"R_k - lim is not geometric with ratio in (0, 1): C = {C}, rho = {rho}")
    return {"L": L, "k": k, "shares": (w_r, w_s), "cov": cov, "ratio": ratio, "limit": limit,
            "recursion": (v, step), "rho": rho, "C": C}


def _positive(expr):
    """Whether SymPy proves ``expr`` > 0 under the symbols' assumptions (None counts as not proved)."""
    return bool(sp.factor(sp.simplify(expr)).is_positive)


def _stated_limit(L):
    return (1 + 3 * L) / (1 + 2 * L)


def _symbolic(budget):
    d = derive_mix()
    L, k, ratio, limit = d["L"], d["k"], d["ratio"], d["limit"]
    v, step = d["recursion"]
    for value in L_VALUES:
        shares = [s.share for s in preset(f"mix:{value}", 2).shares()[1]]
        derived = [sp.Rational(w.subs(L, as_sympy(value))) for w in d["shares"]]
        yield check(f"the pooled shares for L = {value} are those of the workflow", derived ==
                    [as_sympy(s) for s in shares],
                    derived=[str(x) for x in derived], workflow=[str(s) for s in shares])
    residual = ratio - step.subs(v(k - 1), ratio.subs(k, k - 1))
    yield check("the closed form solves the risk recursion with R_1 = 1", vanishes(residual, k)
                and sp.simplify(ratio.subs(k, 1)) == 1, closed_form=ratio)
    for value in L_VALUES:
        G = 25
        exact = risk_ratios(preset(f"mix:{value}", G))
        at = as_sympy(value)
        derived = [sp.Rational(sp.simplify(ratio.subs({L: at, k: j}))) for j in range(1, G + 1)]
        yield fractions_equal(f"closed form = exact process ratios for L = {value}, k <= {G}",
                              derived, exact)
    yield check("lim R_k = (1 + 3L)/(1 + 2L)", sp.simplify(limit - _stated_limit(L)) == 0, derived=limit)
    yield check("R_k converges: R_k - lim R_k = C rho^k with rho = (L/(1+L))^2 in (0, 1)",
                not d["C"].has(k) and _positive(1 - d["rho"]), C=d["C"], rho=d["rho"])
    yield check("R_k increases to its limit: C < 0", _positive(-d["C"]), C=d["C"])
    slope = sp.simplify(sp.diff(limit, L))
    yield check("lim R_k increases with L (derivative positive)", _positive(slope), derivative=slope)
    sup = sp.limit(limit, L, sp.oo)
    yield check("sup over L > 0 of lim R_k is 3/2, not attained: R_k < 3/2 for all k and L",
                sup == sp.Rational(3, 2) and _positive(sup - limit), sup=sup,
                gap=sp.simplify(sup - limit))


def _stationary_mp(L):
    """lim R_k from the stationary equations of the process, at the working precision.

    The shares and batch sizes come from the workflow itself (generation 2 of ``mix:L``).
    Unknowns c = Cov(H, Z_R0), v = Var H:  c = w_R |R0|^-1 + w_S c,
    v = w_R^2 |R0|^-1 + w_S^2 (v + |S|^-1) + 2 w_R w_S c.
    """
    wf = preset(f"mix:{L}", 2)
    (real, synth) = wf.shares()[1]
    mpq = lambda q: mpmath.mpf(q.numerator) / q.denominator  # noqa: E731
    wr, ws, vr, vs = mpq(real.share), mpq(synth.share), 1 / mpq(real.size), 1 / mpq(synth.size)
    A = mpmath.matrix([[1 - ws, 0], [-2 * wr * ws, 1 - ws**2]])
    b = mpmath.matrix([wr * vr, wr**2 * vr + ws**2 * vs])
    c, v = mpmath.lu_solve(A, b)
    return v / vr, c


def _numeric(budget):
    d = derive_mix()
    with mpmath.workdps(DPS + 10):
        for value in L_VALUES:
            lim_mp, _ = _stationary_mp(value)
            symbolic = mpmath.mpf(sp.N(d["limit"].subs(d["L"], as_sympy(value)),
                                       DPS + 10))
            yield close(f"stationary risk at 50 digits = the symbolic limit, L = {value}", lim_mp, symbolic,
                        mpmath.mpf(10) ** -DPS)
            G = 20  # the gap at G stays far above the working precision
            exact = risk_ratios(preset(f"mix:{value}", G))
            r = [mpmath.mpf(x.numerator) / x.denominator for x in exact]
            # The gap to the stationary value shrinks by the factor w_S^2 each generation.
            w_s = preset(f"mix:{value}", 2).shares()[1][1].share
            rho = (mpmath.mpf(w_s.numerator) / w_s.denominator) ** 2
            yield close(f"exact R_k approaches it geometrically, (R_{G} - lim)/(R_{G - 1} - lim) = w_S^2, "
                        f"L = {value}", (r[-1] - lim_mp) / (r[-2] - lim_mp), rho, mpmath.mpf(10) ** -30,
                        gap_at_G=mpmath.nstr(abs(r[-1] - lim_mp), 5))
            yield check(f"R_k is increasing and below 3/2 for k <= {G}, L = {value}",
                        all(a < b for a, b in zip(r, r[1:], strict=False)) and max(r) < mpmath.mpf(3) / 2,
                        max=mpmath.nstr(max(r), 20))
        big = mpmath.mpf(10) ** 6
        yield at_most("stationary risk for L = 10^6 stays below 3/2", _stationary_mp(Fraction(10**6))[0],
                      mpmath.mpf(3) / 2, limit_L_1e6=mpmath.nstr(_stationary_mp(Fraction(10**6))[0], 20),
                      L=mpmath.nstr(big, 3))


def _monte_carlo(budget):
    G = 8
    points, curves = [], []
    for spec, specs in (("mix:1", [("gaussian-mean", {}, 20, "cheap", None),
                                   ("logistic", {"d": 2}, 400, "iterative", steady(0.05))]),
                        ("mix:2", [("poisson", {"lam": 2}, 200, "cheap", None),
                                   ("exponential", {"rate": 1}, 200, "cheap", steady(0.05))])):
        checks, found = model_runs(specs, spec, G, budget, "mix")
        yield from checks
        points += [(f"{label}, {spec}", x, y, e) for label, x, y, e in found]
        exact = [float(t) for t in risk_ratios(preset(spec, G))]
        curves.append((f"limit process, {spec}", list(range(1, G + 1)), exact))
    yield ratio_figure("mix", "mix:L: a fixed real set plus fresh synthetic data", curves, points,
                       hlines=[("$3/2$", 1.5)])


def claims():
    return [Claim(
        "mix-stable",
        statement=("Keeping the real set in every fit and adding L n fresh synthetic points per generation "
                   "(mix:L), the risk ratio increases to the finite limit (1 + 3L)/(1 + 2L), which is below "
                   "3/2 for every L > 0: iterative retraining is stable."),
        latex=r"R_k \uparrow \lim_{k\to\infty} R_k = \frac{1+3L}{1+2L} < \frac{3}{2}\quad (L > 0)",
        source=BERTRAND, symbolic=_symbolic, numeric=_numeric, monte_carlo=_monte_carlo,
        tags=("mix", "bertrand"))]

