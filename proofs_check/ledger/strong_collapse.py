"""Dohmatob, Feng, Subramonian & Kempe (2024): a biased generator leaves an error floor ("strong" collapse).

The generator of every synthetic batch is the fitted model plus ``shift`` e_1 (linreg's
``shift``: a fixed distance s from anything the fit could learn). Least squares on one
fixed design of N >= d + 2 rows is unbiased for the labels' coefficients, so the mean
of generation k's fit is w0 + s beta_k e_1 with beta_k the synthetic share it carries,
beta_k = sum_e share_e (beta_src(e) + 1) over its synthetic entries
(:func:`theory.highdim.feedback_polynomials` at rho = 1), and the risk is exactly

    risk_k = s^2 beta_k^2 + sigma^2 d/(N - d - 1) (N/n) Var H_k.

The noise term vanishes as n -> infinity; s^2 beta_k^2 does not. With the fixed real set
plus fresh synthetic data (``mix:L``, synthetic share p = L/(1 + L)) generation 2 is their
one-step mixture and beta_2 = p, so the floor is p^2 s^2 however small p; over the
generations beta_k -> L. The fixed-d pi^2/6 theory assumes a generator within
O(1/sqrt n) of the truth (contiguity); a fixed shift breaks it, and R_k = risk_k/risk_1
grows without bound with n.
"""

from __future__ import annotations

from fractions import Fraction
from functools import cache

import mpmath
import sympy as sp

from theory import preset
from theory.highdim import feedback_polynomials

from ..claims import Claim, agrees, check, close
from ._common import DPS, STRONG_COLLAPSE, metric, prediction, ratio_figure, simulate, vanishes

__all__ = ["claims", "derive_floor"]


@cache
def derive_floor():
    """beta_k for mix:L and weighted:W (symbolic L, W, k) and the exact risk of least squares, symbolic n.

    Examples
    --------
    >>> d = derive_floor()
    >>> sp.simplify(d["beta_mix"].subs(d["k"], 2)), d["floor_mix_2"]
    (L/(L + 1), L**2*s**2/(L + 1)**2)
    """
    L, W, s = sp.Symbol("L", positive=True), sp.Symbol("W", positive=True), sp.Symbol("s", positive=True)
    n, dim, sigma2, v = sp.symbols("n d sigma2 v", positive=True)
    k = sp.Symbol("k", integer=True, positive=True)
    b = sp.Function("b")
    p = L / (1 + L)                              # pooled share of the L n synthetic points next to R0's n
    mix_step = p * (b(k - 1) + 1)
    beta_mix = sp.simplify(sp.rsolve(b(k) - mix_step, b(k), {b(1): 0}))
    weighted_step = (1 - W) * (b(k - 1) + 1)     # fresh real share W, synthetic 1 - W
    beta_weighted = sp.simplify(sp.rsolve(b(k) - weighted_step, b(k), {b(1): 0}))
    # least squares on the fixed design (N = n rows): noise sigma^2 v d/(n - d - 1), v = Var H_k of the process
    risk = s**2 * beta_mix**2 + sigma2 * v * dim / (n - dim - 1)
    return {"L": L, "W": W, "s": s, "n": n, "d": dim, "sigma2": sigma2, "v": v, "k": k, "p": p, "b": b,
            "mix_step": mix_step, "weighted_step": weighted_step, "beta_mix": beta_mix, "beta_weighted": beta_weighted,
            "risk_mix": risk, "floor_mix_2": sp.factor(s**2 * beta_mix.subs(k, 2) ** 2)}


def _symbolic(budget):
    d = derive_floor()
    k, b = d["k"], d["b"]
    for name, step in (("mix", d["mix_step"]), ("weighted", d["weighted_step"])):
        beta = d[f"beta_{name}"]
        yield check(f"{name}: the closed form of beta_k solves beta_k = {step} with beta_1 = 0 (every k)",
                    vanishes(beta - step.subs(b(k - 1), beta.subs(k, k - 1)), k) and sp.simplify(beta.subs(k, 1)) == 0,
                    beta=beta)
    for spec, name, at in (("mix:1/2", "mix", {d["L"]: sp.Rational(1, 2)}), ("mix:3", "mix", {d["L"]: 3}),
                           ("weighted:0.618", "weighted", {d["W"]: sp.Rational(309, 500)})):
        G = 8
        carried = [Fraction(int(q(1).p), int(q(1).q)) for q in feedback_polynomials(preset(spec, G)).shift]
        closed = [sp.Rational(d[f"beta_{name}"].subs(at).subs(k, j)) for j in range(1, G + 1)]
        yield check(f"{spec}: beta_k = the shift the toolkit's feedback process carries (exact, k <= {G})",
                    [Fraction(int(x.p), int(x.q)) for x in closed] == carried, first=[str(x) for x in carried[:4]])
    yield check("mix:L at generation 2 is the one-step mixture with synthetic share p = L/(1 + L): floor p^2 s^2",
                sp.simplify(d["floor_mix_2"] - d["p"] ** 2 * d["s"] ** 2) == 0, floor=d["floor_mix_2"])
    limit_n = sp.limit(d["risk_mix"], d["n"], sp.oo)
    yield check("as n -> infinity the exact risk tends to s^2 beta_k^2, positive for k >= 2 and every L > 0",
                sp.simplify(limit_n - d["s"] ** 2 * d["beta_mix"] ** 2) == 0
                and bool(sp.simplify(d["beta_mix"].subs(k, 2)).is_positive), limit=limit_n)
    L, p = d["L"], d["p"]
    C = sp.simplify((d["beta_mix"] - L) / p**k)
    yield check("over the generations beta_k -> L geometrically: beta_k - L = C p^k with p = L/(1 + L) in (0, 1), so "
                "the floor settles at s^2 L^2", not C.has(k) and bool(sp.simplify(1 - p).is_positive), C=C)
    risk1 = d["sigma2"] * d["d"] / (d["n"] - d["d"] - 1)
    ratio = sp.limit(d["risk_mix"].subs(k, 2) / risk1, d["n"], sp.oo)
    yield check("the pi^2/6 theory does not apply: R_2 = risk_2/risk_1 -> infinity as n -> infinity (a fixed shift "
                "is not a contiguous alternative)", ratio == sp.oo, limit=ratio)


def _numeric(budget):
    d = derive_floor()
    with mpmath.workdps(DPS + 10):
        for L in (mpmath.mpf(1) / 4, mpmath.mpf(2)):
            beta = mpmath.mpf(0)
            p = L / (1 + L)
            for _ in range(2, 41):      # the mean of the fits, iterated at 60 digits
                beta = p * (beta + 1)
            closed = mpmath.mpf(str(sp.N(d["beta_mix"].subs({d["L"]: sp.Rational(str(L)), d["k"]: 40}), DPS + 10)))
            yield close(f"L = {mpmath.nstr(L, 3)}: beta_40 by iteration at 60 digits = the closed form", beta, closed,
                        mpmath.mpf(10) ** -DPS)
        # the exact risk at growing n (d = 5, s = 1/2, sigma = 1, mix:1, k = 2, Var H_2 = 5/4) decreases to the floor
        floor = mpmath.mpf(1) / 16
        values = []
        for e in (2, 4, 8, 16, 32):
            n = mpmath.mpf(10) ** e
            values.append(floor + mpmath.mpf(5) / 4 * 5 / (n - 6))
        yield check("mix:1, s = 1/2, k = 2: the exact risk at n = 10^2 ... 10^32 decreases to the floor 1/16 and "
                    "stays above it", all(a > b > floor for a, b in zip(values, values[1:], strict=False)),
                    risks=[mpmath.nstr(v, 25) for v in values])
        yield close("... the gap at n = 10^32 is 25/4 (10^32 - 6)^-1", values[-1] - floor,
                    mpmath.mpf(25) / 4 / (mpmath.mpf(10) ** 32 - 6), mpmath.mpf(10) ** -(DPS + 8))


def _monte_carlo(budget):
    G, dim, s = 4, 5, 0.5
    reps = budget.pick(4000, 40000)
    d = derive_floor()
    floor = s**2 * float(d["beta_mix"].subs({d["L"]: 1, d["k"]: 2})) ** 2
    points, curves, second = [], [], {}
    for n in (20, 80, 320):
        for shift in (0.0, s):
            res = simulate("linreg", {"d": dim, "design": "fixed", "shift": shift}, "mix:1", n, G, reps, budget,
                           f"n{n}-s{shift}")
            mean, se = metric(res, "risk")
            exact = prediction(res, "risk")
            yield agrees(f"least squares, fixed design, d = {dim}, n = {n}, shift = {shift}, mix:1: risk = the exact "
                         "prediction", mean, se, exact, k=4, exact=True)
            second[(n, shift)] = (mean[1], se[1])
            if shift:
                points.append((f"fits, n = {n}", list(range(1, G + 1)), mean.tolist(), se.tolist()))
                curves.append((f"exact, n = {n}", list(range(1, G + 1)), exact.tolist()))
    big, se_big = second[(320, s)]
    unbiased, se_unbiased = second[(320, 0.0)]
    # at n = 320 the measured risk of generation 2 sits at the floor (1/16) plus the small noise term, while the
    # unbiased generator's is the noise term alone; 4 standard errors on each side
    yield check(f"n = 320, generation 2: the biased generator's risk stays above the floor {floor:.4f}, the unbiased "
                "one's falls below it", big + 4 * se_big > floor > unbiased + 4 * se_unbiased, biased=big,
                unbiased=unbiased, floor=floor)
    curves.append(("floor $p^2 s^2$ at $k = 2$", [1, G], [floor, floor]))
    yield ratio_figure("strong-collapse", "A biased generator (shift 0.5), mix:1, least squares d = 5", curves, points,
                       ylabel="risk $E\\|\\hat w_k - w_0\\|^2$")


def claims():
    return [Claim(
        "biased-generator-floor",
        statement=("When every synthetic batch is drawn from the fitted model shifted by a fixed vector of length s, "
                   "least squares on a fixed design has the exact risk s^2 beta_k^2 + sigma^2 d/(N - d - 1) (N/n) "
                   "Var H_k, with beta_k the synthetic share generation k carries (beta_2 = L/(1 + L) for a real set "
                   "plus L n synthetic points, beta_k -> L): any fixed share of synthetic data leaves the floor "
                   "s^2 beta_k^2 > 0 that more data does not remove, and R_k grows without bound in n, outside the "
                   "contiguous regime of the pi^2/6 theory."),
        latex=r"\mathcal E_k = s^2\beta_k^2+\frac{\sigma^2 d}{N-d-1}\frac Nn\operatorname{Var}H_k\ "
              r"\xrightarrow[n\to\infty]{}\ s^2\beta_k^2>0,\qquad \beta_2=\frac{L}{1+L}",
        source=STRONG_COLLAPSE, symbolic=_symbolic, numeric=_numeric, monte_carlo=_monte_carlo,
        tags=("linreg", "shift", "mix"))]
