"""Garg, Bhattacharya & Sur (2025): the golden share survives interpolation.

Minimum-norm interpolation on one fixed Gaussian design X of n < d rows, labels
resampled: generation k >= 2 fits fresh real labels with share W and the previous
generation's synthetic labels with share 1 - W (``weighted:W``; on a fixed design that
is the fit to the share-weighted labels). The toolkit's exact risk
(:func:`theory.highdim.fixed_design_terms` with the rank of X):

    risk_k = (1 - n/d) ||w0||^2 + sigma^2 n/(d - n - 1) v_k(W),

the bias of the part of w0 outside the row space plus the sequential Gaussian process
of ``weighted:W`` on the row space (v_k its variance, He, Xu & Cheng's recursion). The
bias does not depend on W and the factor n/(d - n - 1) is positive, so the limit is
minimised where v_infinity(W) is: at W = (sqrt 5 - 1)/2 whatever d/n. For ridge (every
eigenvalue x of X^T X/n feeds back through rho = x/(x + lam)) the optimal share is
computed from the Marchenko–Pastur deterministic equivalent and lies above 1/2.
"""

from __future__ import annotations

from fractions import Fraction
from functools import cache

import mpmath
import sympy as sp

from numerics.marchenko_pastur import mp_integral
from theory import preset
from theory.highdim import MarchenkoPastur, WishartRank, fixed_design_terms
from theory.moments import inverse_wishart_trace

from ..claims import Claim, agrees, check, close
from ._common import DPS, GARG_BHATTACHARYA_SUR, metric, prediction, ratio_figure, simulate
from .he_xu_cheng import _stationary_mp, derive_weighted

__all__ = ["claims", "derive_min_norm_weighted", "ridge_stationary_risk"]

SIZES = ((20, 40), (10, 50), (30, 40))   # (n, d): d/n = 2, 5, 4/3
SHARES = (Fraction(1, 2), Fraction(309, 500), Fraction(3, 4))


@cache
def derive_min_norm_weighted():
    """risk_k(W) and its limit for symbolic n, d, W (sigma^2 = 1, ||w0|| = 1), and the minimising share.

    Examples
    --------
    >>> d = derive_min_norm_weighted()
    >>> d["optimum"]
    -1/2 + sqrt(5)/2
    """
    n, dim = sp.symbols("n d", positive=True)
    hxc = derive_weighted()
    W, M, k = hxc["W"], hxc["M"], hxc["k"]
    bias = 1 - n / dim                                   # E ||P^perp w0||^2 = 1 - rank/d
    scale = sp.factor(inverse_wishart_trace(dim, n))     # E tr (X^T X)^+ = E tr (X X^T)^{-1}, n rows, d > n + 1
    variance = hxc["ratio"].subs(M, 1)                   # v_k of weighted:W (R0 and every batch of n points)
    risk = bias + scale * variance
    limit = bias + scale * hxc["limit"].subs(M, 1)
    slope = sp.together(sp.diff(limit, W))
    critical = [c for c in sp.solve(sp.numer(slope), W) if c.is_real and 0 < c < 1]
    optimum = sp.simplify(critical[0]) if len(critical) == 1 else None
    curvature = sp.simplify(sp.diff(limit, W, 2).subs(W, optimum)) if optimum is not None else None
    return {"n": n, "d": dim, "W": W, "k": k, "bias": bias, "scale": scale, "risk": risk, "limit": limit,
            "critical": critical, "optimum": optimum, "curvature": curvature}


def _symbolic(budget):
    d = derive_min_norm_weighted()
    n, dim, W, k = d["n"], d["d"], d["W"], d["k"]
    yield check("E tr (X^T X)^+ for n < d - 1 rows is n/(d - n - 1) > 0 (the inverse Wishart of X X^T)",
                sp.simplify(d["scale"] - n / (dim - n - 1)) == 0, scale=d["scale"])
    for rows, dims in SIZES:
        for w in SHARES:
            G = 6
            wf = preset(f"weighted:{w}", G)
            terms = fixed_design_terms(wf, rows, dims, WishartRank(rows, dims))
            exact = [t.signal + t.noise for t in terms]
            at = {n: rows, dim: dims, W: sp.Rational(w.numerator, w.denominator)}
            closed = [sp.Rational(d["risk"].subs(at).subs(k, j)) for j in range(1, G + 1)]
            yield check(f"n = {rows}, d = {dims}, W = {w}: the formula = the toolkit's exact risk (theory.highdim), "
                        f"k <= {G}", [Fraction(int(x.p), int(x.q)) for x in closed] == exact,
                        first=[str(x) for x in exact[:3]])
    yield check("the limit has exactly one critical share in (0, 1), free of n and d", d["optimum"] is not None
                and not d["optimum"].free_symbols, critical=d["critical"])
    yield check("it is (sqrt 5 - 1)/2 = 1/golden ratio, for every d > n + 1", d["optimum"] is not None and
                sp.simplify(d["optimum"] - 1 / sp.GoldenRatio) == 0, W_star=d["optimum"])
    curvature = sp.factor(d["curvature"])
    yield check("and a minimum: the curvature there is positive for every d > n + 1 (a positive multiple of "
                "n/(d - n - 1))", bool(sp.simplify(curvature * (dim - n - 1) / n).is_positive),
                curvature=curvature)


def ridge_stationary_risk(w, gamma, lam, dps):
    """lim_k risk of ridge under weighted:w on a fixed design, Marchenko–Pastur at gamma = d/n, sigma = ||w0|| = 1.

    Per eigenvalue x, with rho = x/(x + lam): the mean settles at a = rho w/(1 - (1 - w) rho) and
    the variance at Q = (w^2 + (1 - w)^2)/(1 - (1 - w)^2 rho^2); the risk is
    int (1 - a)^2 + gamma Q x/(x + lam)^2 dMP_gamma (quadrature at ``dps`` digits).
    """
    def f(x):
        lam_ = mpmath.mpf(lam.numerator) / lam.denominator
        g = mpmath.mpf(gamma.numerator) / gamma.denominator
        rho = x / (x + lam_)
        a = rho * w / (1 - (1 - w) * rho)
        Q = (w**2 + (1 - w) ** 2) / (1 - (1 - w) ** 2 * rho**2)
        return (1 - a) ** 2 + g * Q * x / (x + lam_) ** 2

    return mp_integral(f, gamma, dps).value


def _numeric(budget):
    d = derive_min_norm_weighted()
    with mpmath.workdps(DPS + 15):
        one = mpmath.mpf(1)
        for rows, dims in SIZES[:2]:
            bias, scale = one - mpmath.mpf(rows) / dims, mpmath.mpf(rows) / (dims - rows - 1)
            # He, Xu & Cheng's stationary variance by iterating the process at 65 digits, not the closed form
            limit = lambda w, b=bias, s=scale: b + s * _stationary_mp(w, one)  # noqa: E731
            w_num = mpmath.findroot(lambda w, f=limit: mpmath.diff(f, w), mpmath.mpf("0.6"))
            yield close(f"n = {rows}, d = {dims}: the minimiser of the limiting risk is 1/golden ratio to 50 digits",
                        w_num, 2 / (1 + mpmath.sqrt(5)), mpmath.mpf(10) ** -DPS, minimiser=mpmath.nstr(w_num, 30))
        stated = mpmath.mpf(str(sp.N(d["optimum"], DPS + 15)))
        yield close("the symbolic optimum evaluates to the same number", stated, 2 / (1 + mpmath.sqrt(5)),
                    mpmath.mpf(10) ** -DPS)
    # ridge: the optimal share in (0, 1] from the Marchenko-Pastur limit, by quadrature (15 digits suffice to
    # place it against 1/2)
    with mpmath.workdps(15):
        h = mpmath.mpf(10) ** -5
        for gamma, lam in ((Fraction(2), Fraction(1, 10)), (Fraction(1, 2), Fraction(1))):
            f = lambda w, g=gamma, lm=lam: ridge_stationary_risk(w, g, lm, 12)  # noqa: E731
            slope = lambda w, f=f: (f(w + h) - f(w - h)) / (2 * h)  # noqa: E731
            # the risk still falls at W = 1: only real data is best; otherwise the root of the slope
            w_star = mpmath.mpf(1) if slope(1 - h) < 0 else mpmath.findroot(slope, mpmath.mpf("0.7"))
            yield check(f"ridge, gamma = d/n = {gamma}, lam = {lam}: the optimal real share W* lies in [1/2, 1]",
                        mpmath.mpf("0.5") <= w_star <= 1 and f(w_star) < f(mpmath.mpf("0.5")),
                        W_star=mpmath.nstr(w_star, 12), risk_at_optimum=mpmath.nstr(f(w_star), 12),
                        risk_at_half=mpmath.nstr(f(mpmath.mpf("0.5")), 12))
    # the limit formula of the ridge case against the toolkit's finite-k deterministic equivalent
    G = 40
    terms = fixed_design_terms(preset("weighted:1/2", G), 20, 40, MarchenkoPastur(Fraction(2), Fraction(1)))
    with mpmath.workdps(30):
        last = terms[-1].signal.evaluate(30) + terms[-1].noise.evaluate(30)
        # the mean settles at rate (1 - W) rho <= 1/2 per generation, the variance at (1 - W)^2: within 4 (1/2)^k
        yield close(f"ridge, gamma = 2, lam = 1, W = 1/2: the toolkit's risk at k = {G} (exact surds) = the "
                    "stationary formula", last, ridge_stationary_risk(mpmath.mpf(1) / 2, Fraction(2), Fraction(1), 25),
                    4 * mpmath.mpf(2) ** -G)


def _monte_carlo(budget):
    G, rows, dims = 10, 20, 40
    reps = budget.pick(4000, 40000)
    points, curves, finals = [], [], {}
    for w in ("0.5", "0.618", "0.75"):
        res = simulate("linreg", {"d": dims, "design": "fixed"}, f"weighted:{w}", rows, G, reps, budget, w)
        mean, se = metric(res, "risk")
        exact = prediction(res, "risk")
        yield agrees(f"minimum-norm fits, n = {rows}, d = {dims}, weighted:{w}: risk = the exact prediction",
                     mean, se, exact, k=4, exact=True)
        finals[w] = (mean[-1], se[-1])
        points.append((f"fits, W = {w}", list(range(1, G + 1)), mean.tolist(), se.tolist()))
        curves.append((f"exact, W = {w}", list(range(1, G + 1)), exact.tolist()))
    best, se_best = finals["0.618"]
    for w in ("0.5", "0.75"):
        other, se_other = finals[w]
        # independent runs: the difference exceeds 3 times the sum of the standard errors
        yield check(f"the measured risk at k = {G} is lowest at W = 0.618 (vs W = {w})",
                    other - best > 3 * (se_best + se_other), at_optimum=best, other=other, stderr=se_best + se_other)
    yield ratio_figure("gbs-golden", "Minimum-norm interpolation, fixed design n = 20, d = 40: fresh labels with "
                       "share W", curves, points, ylabel="risk $E\\|\\hat w_k - w_0\\|^2$")


def claims():
    return [Claim(
        "min-norm-golden-share",
        statement=("For minimum-norm interpolation on one fixed Gaussian design with n <= d - 2 rows, fitting fresh "
                   "real labels with share W and the previous generation's synthetic labels with share 1 - W gives "
                   "the exact risk (1 - n/d)||w0||^2 + sigma^2 n/(d - n - 1) v_k(W), v_k the process variance of "
                   "weighted:W; its limit is smallest at W = (sqrt 5 - 1)/2 for every d/n, the golden share of "
                   "He, Xu & Cheng carried past the interpolation threshold, and for ridge on isotropic features the "
                   "optimal share is at least 1/2. The pi^2/6 process still governs the part of the risk on the "
                   "row space; the bias off it is untouched by synthetic data."),
        latex=r"\mathcal E_k(W)=\Bigl(1-\frac nd\Bigr)\|w_0\|^2+\frac{\sigma^2 n}{d-n-1}\,v_k(W),\qquad "
              r"\operatorname*{arg\,min}_{W}\lim_{k\to\infty}\mathcal E_k(W)=\frac{\sqrt5-1}{2}",
        source=GARG_BHATTACHARYA_SUR, symbolic=_symbolic, numeric=_numeric, monte_carlo=_monte_carlo,
        tags=("linreg", "interpolation", "weighted"))]
