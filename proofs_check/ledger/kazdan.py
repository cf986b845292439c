"""Kazdan et al. (2024): multivariate Gaussian under replace, accumulate-subsample, and KDE.

Three claims:

- ``mvn-replace-covariance``: refitting N_d(mu, Sigma) with the MLE covariance on its
  own samples shrinks the covariance: E tr Sigma_k / tr Sigma = ((n-1)/n)^k and
  E det Sigma_k / det Sigma = (prod_i (n-i)/n)^k, both -> 0, while the mean error
  E ||mu_k - mu||^2 = d (1 - ((n-1)/n)^k) stays bounded (Bartlett decomposition);
- ``subsample-plateau``: with a fixed budget of n points drawn evenly from all data
  so far (accumulate-subsample), the risk ratio plateaus at a finite level
  R_k = 3 sum_{j<=k} 1/j^2 - 2 -> pi^2/2 - 2 (above augment's pi^2/6, far below
  discard's growth);
- ``kde-replace-variance``: a Gaussian KDE refitted on its own samples inflates its
  variance, E v_k = rho^k + n h^2 (1 - rho^k), rho = (n-1)/n, rising towards n h^2.
"""

from __future__ import annotations

from functools import cache

import mpmath
import numpy as np
import sympy as sp
import sympy.stats as stats

from theory import linear_form, preset, risk_ratios
from theory.rationals import as_fraction

from ..claims import Claim, agrees, check, close
from ._common import (
    DPS,
    KAZDAN,
    fractions_equal,
    metric,
    model_runs,
    prediction,
    ratio_figure,
    simulate,
    steady,
    vanishes,
)

__all__ = ["claims", "derive_wishart", "derive_subsample", "derive_kde"]


# =========================================================================== multivariate Gaussian
@cache
def derive_wishart(d):
    """E det W and E tr W for W ~ Wishart_d(I, nu), by the Bartlett decomposition, and the mvn recursions.

    Returns the per-generation factors of E tr and E det (with nu = n - 1 and the MLE
    divisor n) and closed forms in k for the trace ratio, the determinant ratio and
    the mean error.

    Examples
    --------
    >>> derive_wishart(2)["det"]
    nu*(nu - 1)
    """
    nu = sp.Symbol("nu", positive=True)
    n = sp.Symbol("n", integer=True, positive=True)
    k = sp.Symbol("k", integer=True, positive=True)
    T = sp.zeros(d, d)
    for i in range(d):
        T[i, i] = sp.sqrt(stats.ChiSquared(f"c{i}", nu - i))
        for j in range(i):
            T[i, j] = stats.Normal(f"z{i}{j}", 0, 1)
    W = T * T.T  # Bartlett: W = T T^T ~ Wishart_d(I, nu)
    det = sp.factor(sp.expand_func(stats.E(W.det())))
    trace = sp.factor(sp.expand_func(stats.E(W.trace())))
    # Sigma_k = S_k / n with S_k | Sigma_{k-1} ~ Wishart(Sigma_{k-1}, n - 1): factors multiply over generations.
    tr_factor = sp.simplify(trace.subs(nu, n - 1) / (d * n))
    det_factor = sp.simplify(det.subs(nu, n - 1) / n**d)
    t, D, m = sp.Function("t"), sp.Function("D"), sp.Function("m")
    trace_ratio = sp.simplify(sp.rsolve(t(k) - tr_factor * t(k - 1), t(k), {t(0): 1}))
    det_ratio = sp.simplify(sp.rsolve(D(k) - det_factor * D(k - 1), D(k), {D(0): 1}))
    # mu_k = mean of n draws from N(mu_{k-1}, Sigma_{k-1}): E||mu_k - mu||^2 grows by E tr Sigma_{k-1} / n.
    mean_error = sp.simplify(sp.rsolve(m(k) - m(k - 1) - d * trace_ratio.subs(k, k - 1) / n, m(k), {m(0): 0}))
    return {"nu": nu, "n": n, "k": k, "d": d, "det": det, "trace": trace, "tr_factor": tr_factor,
            "det_factor": det_factor, "trace_ratio": trace_ratio, "det_ratio": det_ratio, "mean_error": mean_error}


def _mvn_symbolic(budget):
    for d in (1, 2, 3):
        w = derive_wishart(d)
        nu = w["nu"]
        stated = sp.prod([nu - i for i in range(d)])
        yield check(f"d = {d}: E det W = nu (nu - 1) ... (nu - d + 1) and E tr W = d nu (Bartlett decomposition)",
                    sp.expand(w["det"] - stated) == 0 and sp.simplify(w["trace"] - d * nu) == 0, det=w["det"],
                    trace=w["trace"])
        n, k = w["n"], w["k"]
        yield check(f"d = {d}: E tr Sigma_k/tr Sigma = ((n-1)/n)^k and E det Sigma_k/det Sigma = "
                    "(prod_i (n-i)/n)^k, both -> 0",
                    sp.simplify(w["trace_ratio"] - ((n - 1) / n) ** k) == 0
                    and sp.simplify(w["det_ratio"] - (sp.prod([(n - 1 - i) / n for i in range(d)])) ** k) == 0
                    and sp.limit(w["det_ratio"].subs(n, 20), k, sp.oo) == 0
                    and sp.limit(w["trace_ratio"].subs(n, 20), k, sp.oo) == 0,
                    trace_ratio=w["trace_ratio"], det_ratio=w["det_ratio"])
        yield check(f"d = {d}: the mean error E||mu_k - mu||^2 = d (1 - ((n-1)/n)^k) stays below d",
                    sp.simplify(w["mean_error"] - d * (1 - ((n - 1) / n) ** k)) == 0, mean_error=w["mean_error"])


def _mvn_numeric(budget):
    with mpmath.workdps(DPS + 10):
        for d in (2, 3, 5):
            for n in (10, 50):
                nu = mpmath.mpf(n - 1)
                # E|W| = 2^d Gamma_d(nu/2 + 1)/Gamma_d(nu/2), Gamma_d the multivariate gamma function.
                def gamma_d(a, d=d):
                    return mpmath.pi ** (d * (d - 1) / mpmath.mpf(4)) * mpmath.fprod(
                        mpmath.gamma(a - mpmath.mpf(j) / 2) for j in range(d))
                by_gamma = 2**d * gamma_d(nu / 2 + 1) / gamma_d(nu / 2)
                w = derive_wishart(d) if d <= 3 else None
                bartlett = mpmath.fprod(nu - i for i in range(d))
                yield close(f"d = {d}, n = {n}: E det W by the multivariate gamma function = the Bartlett product",
                            by_gamma, bartlett, mpmath.mpf(10) ** -(DPS - 5),
                            **({"symbolic": str(w["det"])} if w else {}))
        rates = []
        for n in (10**3, 10**6):
            factor = mpmath.fprod((n - 1 - mpmath.mpf(i)) / n for i in range(3))
            rates.append(-mpmath.log(factor) * n)
        yield check("d = 3: the determinant shrinks by exp(-d(d+1)/(2n)) per generation for large n "
                    "(n * (-log factor) -> 6)", abs(rates[-1] - 6) < mpmath.mpf(10) ** -4,
                    n_log_factor=[mpmath.nstr(r, 12) for r in rates])


def _mvn_monte_carlo(budget):
    d, n, G = 2, 50, 8
    w = derive_wishart(d)
    res = simulate("mvn", {"d": d, "estimator": "mle"}, "discard", n, G, budget.replicates("cheap"), budget, "mvn")
    ks = range(1, G + 1)
    targets = {"trace_ratio": w["trace_ratio"], "det_ratio": w["det_ratio"], "risk": w["mean_error"]}
    points, curves = [], []
    for name, expr in targets.items():
        mean, se = metric(res, name)
        derived = np.array([float(expr.subs({w["n"]: n, w["k"]: j})) for j in ks])
        # Exact at every n (Wishart recursions): 4 standard errors, no allowance.
        yield agrees(f"mvn d = {d}, n = {n}: Monte Carlo {name} = the derived exact value", mean, se, derived,
                     k=4, exact=True)
        own = prediction(res, name)
        if own is not None:
            yield agrees(f"mvn: Monte Carlo {name} = the toolkit's exact prediction", mean, se, own, k=4,
                         exact=True)
        if name != "risk":
            points.append((f"{name} (Monte Carlo)", list(ks), mean.tolist(), se.tolist()))
            curves.append((f"{name} (derived)", list(ks), derived.tolist()))
    yield ratio_figure("mvn", f"MVN refitted with the MLE covariance under replace (d = {d}, n = {n})", curves, points,
                       ylabel="ratio to the truth")


# =========================================================================== accumulate-subsample
@cache
def derive_subsample():
    """R_k of accumulate-subsample for symbolic k, from the workflow rule, and its limit.

    Generation k fits n/k points from each of R0, S1, ..., S<k-1> (shares 1/k). With
    A_k = sum_{j<k} (H_j + Z_j) (H_0 = 0 for the real batch, Z_j the batch's noise
    of variance 1), H_k = A_k / k + eta_k, where eta_k collects the subsamples' own
    noise, of variance sum_j (1/k)^2 (k - 1) = (k - 1)/k; then A_{k+1} = (1 + 1/k) A_k
    + eta_k + Z_k.

    Examples
    --------
    >>> derive_subsample()["limit"]
    -2 + pi**2/2
    """
    k = sp.Symbol("k", integer=True, positive=True)
    j = sp.Symbol("j", integer=True, positive=True)
    share, count, size = 1 / k, 1 / k, sp.Integer(1)
    eta = sp.simplify(k * share**2 * (1 / count - 1 / size))          # k entries
    # a_k = Var A_k / k^2: a_{k+1} = a_k + (Var eta_k + Var Z_k) / (k + 1)^2, a_1 = Var Z_R0 = 1.
    increment = sp.factor((eta + 1 / size) / (k + 1) ** 2)
    terms = sp.Add.make_args(sp.apart(increment.subs(k, j), j))
    total = sp.Integer(0)
    for term in terms:   # sum_{j=1}^{k-1}, each partial fraction with its index shifted to a plain power
        shift = 1 if term.has(j + 1) else 0
        total += sp.summation(term.subs(j, j - shift), (j, 1 + shift, k - 1 + shift))
    ratio = sp.expand_func(sp.simplify(1 + total + eta))              # R_k = Var H_k (Var H_1 = 1)
    ratio = sp.simplify(ratio.subs(sp.harmonic(k - 1), sp.harmonic(k) - 1 / k))
    limit = sp.limit(ratio, k, sp.oo)
    return {"k": k, "eta": eta, "increment": increment, "ratio": ratio, "limit": limit}


def _subsample_symbolic(budget):
    d = derive_subsample()
    k, ratio = d["k"], d["ratio"]
    for G in (3, 6):
        lf = linear_form(preset("subsample", G))
        extra = [v for name, v in zip(lf.primitives, lf.variances, strict=True) if name.startswith("eta")]
        yield check(f"the subsample noise variance (k - 1)/k matches the workflow's linear form at G = {G}",
                    [as_fraction(d["eta"].subs(k, j)) for j in range(2, G + 1)]
                    == extra, derived=d["eta"], workflow=[str(x) for x in extra])
    G = 30
    exact = risk_ratios(preset("subsample", G))
    derived = [sp.Rational(ratio.subs(k, j)) for j in range(1, G + 1)]
    yield fractions_equal(f"the closed form R_k = {ratio} equals the exact process for k <= {G}",
                          derived, exact)
    yield check("R_k = 3 sum_{j<=k} 1/j^2 - 2", sp.simplify(ratio - (3 * sp.harmonic(k, 2) - 2)) == 0,
                closed_form=ratio)
    step = sp.factor(d["increment"] + d["eta"].subs(k, k + 1) - d["eta"])   # R_{k+1} - R_k from the recursion
    yield check("R_k increases (R_{k+1} - R_k = 3/(k+1)^2 > 0) to the plateau pi^2/2 - 2",
                bool(step.is_positive) and sp.simplify(d["limit"] - (sp.pi**2 / 2 - 2)) == 0, step=step,
                limit=d["limit"], decimal=sp.N(d["limit"], 20))
    gap = d["limit"] - sp.pi**2 / 6
    yield check("the plateau lies above augment's pi^2/6 and is finite (discard diverges)",
                bool(gap.is_positive) and d["limit"].is_finite, gap=sp.N(gap))


def _subsample_numeric(budget):
    d = derive_subsample()
    with mpmath.workdps(DPS + 10):
        # The plateau as a convergent series summed by mpmath (Richardson/Euler-Maclaurin), against pi^2/2 - 2.
        series = 1 + mpmath.nsum(lambda j: (2 * j - 1) / (j * (j + 1) ** 2), [1, mpmath.inf]) + 1
        target = mpmath.mpf(str(sp.N(d["limit"], DPS + 10)))
        yield close("lim R_k by summing the increments at 50 digits = the symbolic plateau", series, target,
                    mpmath.mpf(10) ** -(DPS - 5), series=mpmath.nstr(series, 30))
        G = 60
        exact = risk_ratios(preset("subsample", G))
        r = [mpmath.mpf(x.numerator) / x.denominator for x in exact]
        partial = [3 * mpmath.fsum(1 / mpmath.mpf(j) ** 2 for j in range(1, i + 1)) - 2 for i in range(1, G + 1)]
        yield close(f"exact process ratios = 3 H_k^(2) - 2 at 50 digits, k <= {G}",
                    max(abs(a - b) for a, b in zip(r, partial, strict=True)), 0, mpmath.mpf(10) ** -DPS)
        # Tail: pi^2/2 - 2 - R_k = 3 sum_{j>k} 1/j^2, between 3/(k+1) and 3/k.
        gap = target - r[-1]
        yield check(f"the gap to the plateau at k = {G} lies between 3/(k+1) and 3/k",
                    3 / mpmath.mpf(G + 1) < gap < 3 / mpmath.mpf(G), gap=mpmath.nstr(gap, 20))


def _subsample_monte_carlo(budget):
    G = 8
    # Subsamples are drawn point by point: the "points" cost class, whatever the model.
    checks, points = model_runs([("gaussian-mean", {}, 24, "points", None),
                                 ("poisson", {"lam": 1}, 48, "points", None),
                                 ("exponential", {"rate": 1}, 240, "points", steady(0.05))],
                                "subsample", G, budget, "subsample")
    yield from checks
    curves = []
    d = derive_subsample()
    ks = list(range(1, G + 1))
    curves.append((r"$3\sum_{j\leq k} 1/j^2 - 2$", ks, [float(d["ratio"].subs(d["k"], j)) for j in ks]))
    yield ratio_figure("subsample", "accumulate-subsample: a plateau", curves, points,
                       hlines=[(r"$\pi^2/2 - 2$", float(d["limit"]))])


# =========================================================================== KDE
@cache
def derive_kde():
    """E of the fitted KDE's variance under replace, for symbolic n, h and k (truth N(0, 1)).

    The variance of the KDE of points x_1..x_n is s^2 + h^2 (s^2 with divisor n).
    Its n samples are i.i.d. with that variance, and E s^2 = (1 - 1/n) Var for
    i.i.d. points (E mean x_i^2 = Var + mu^2, E xbar^2 = Var/n + mu^2), so
    E v_k = rho E v_{k-1} + h^2 with rho = (n - 1)/n and v_0 = 1 (the truth).

    Examples
    --------
    >>> derive_kde()["limit"]
    h**2*n
    """
    n = sp.Symbol("n", integer=True, positive=True)
    h, var, mu = sp.Symbol("h", positive=True), sp.Symbol("V", positive=True), sp.Symbol("mu", real=True)
    k = sp.Symbol("k", integer=True, positive=True)
    rho = sp.simplify((var + mu**2) - (var / n + mu**2)) / var        # E s^2 / Var
    # The same with m = 3 points written out (E x_i^2 = 1, E x_i x_j = 0): a check on the general step.
    x = sp.symbols("x1:4")
    s2 = sum((xi - sum(x) / 3) ** 2 for xi in x) / 3
    e_s2_m3 = sp.expand(s2).subs({xi**2: 1 for xi in x}).subs({xi: 0 for xi in x})
    v = sp.Function("v")
    ev = sp.simplify(sp.rsolve(v(k) - rho * v(k - 1) - h**2, v(k), {v(0): 1}))
    z = sp.Dummy("z")
    (limit,) = sp.solve(sp.Eq(z, rho * z + h**2), z)                  # the fixed point
    remainder = sp.simplify((ev - limit) / rho**k)                      # geometric: ev - limit = C rho^k
    return {"n": n, "h": h, "k": k, "rho": rho, "e_s2_m3": e_s2_m3, "ev": ev, "limit": sp.simplify(limit),
            "remainder": remainder}


def _kde_symbolic(budget):
    d = derive_kde()
    n, h, k, rho = d["n"], d["h"], d["k"], d["rho"]
    yield check("E s^2 (divisor n) = (n - 1)/n times the variance of i.i.d. points; by expansion at n = 3 too",
                sp.simplify(rho - (n - 1) / n) == 0 and d["e_s2_m3"] == rho.subs(n, 3), rho=rho,
                e_s2_m3=d["e_s2_m3"])
    yield check("E v_k = rho^k + n h^2 (1 - rho^k)", sp.simplify(d["ev"] - (rho**k + n * h**2 * (1 - rho**k)))
                == 0, closed_form=d["ev"])
    yield check("E v_k -> n h^2 geometrically (E v_k - n h^2 = (1 - n h^2) rho^k, 0 <= rho < 1): the fitted "
                "density's variance rises towards n h^2, above the truth's 1 when n h^2 > 1",
                sp.simplify(d["limit"] - n * h**2) == 0 and not d["remainder"].has(k), limit=d["limit"],
                remainder=d["remainder"])
    step = sp.simplify(d["ev"] - d["ev"].subs(k, k - 1))
    yield check("each generation adds (n h^2 - 1) rho^(k-1) / n: growth exactly when n h^2 > 1",
                vanishes(step - (n * h**2 - 1) * rho ** (k - 1) / n, k), step=step)


def _kde_numeric(budget):
    d = derive_kde()
    with mpmath.workdps(DPS + 10):
        n, h = 20, mpmath.mpf(1) / 2
        # E s^2 for n standard normal points by quadrature of the chi-square law: E chi^2_{n-1} / n.
        nu = mpmath.mpf(n - 1)
        density = lambda x: x ** (nu / 2 - 1) * mpmath.exp(-x / 2) / (2 ** (nu / 2) * mpmath.gamma(nu / 2))  # noqa: E731
        e_s2 = mpmath.quad(lambda x: x * density(x), [0, nu, 4 * nu, mpmath.inf]) / n
        yield close(f"E s^2 for n = {n} points by quadrature = rho = (n - 1)/n", e_s2, nu / n,
                    mpmath.mpf(10) ** -(DPS - 5))
        # Iterate E v_k = E[s'^2] + h^2 with E[s'^2] = rho v_{k-1}, rho from the quadrature above.
        v, values = mpmath.mpf(1), []
        for _ in range(40):
            v = e_s2 * v + h**2
            values.append(v)
        closed = [mpmath.mpf(str(sp.N(d["ev"].subs({d["n"]: n, d["h"]: sp.Rational(1, 2), d["k"]: j}), DPS + 10)))
                  for j in range(1, 41)]
        yield close("the iterated variance at 50 digits = the closed form, k <= 40",
                    max(abs(a - b) for a, b in zip(values, closed, strict=True)), 0, mpmath.mpf(10) ** -(DPS - 5))


def _kde_monte_carlo(budget):
    d = derive_kde()
    n, h, G = 20, 0.5, 12
    res = simulate("kde", {"h": h}, "discard", n, G, budget.replicates("points"), budget, "kde")
    mean, se = metric(res, "var")
    ks = list(range(1, G + 1))
    derived = np.array([float(d["ev"].subs({d["n"]: n, d["h"]: sp.Rational(1, 2), d["k"]: j})) for j in ks])
    # Exact at every n: 4 standard errors.
    yield agrees(f"KDE h = {h}, n = {n}: Monte Carlo variance of the fitted density = the derived value", mean, se,
                 derived, k=4, exact=True)
    own = prediction(res, "var")
    if own is not None:
        yield agrees("KDE: Monte Carlo variance = the toolkit's exact prediction", mean, se, own, k=4, exact=True)
    yield ratio_figure("kde", f"KDE refitted under replace (h = {h}, n = {n})", [("derived", ks, derived.tolist())],
                       [("Monte Carlo", ks, mean.tolist(), se.tolist())], ylabel="variance of the fitted density",
                       hlines=[("$n h^2$", n * h * h)])


def claims():
    return [
        Claim("mvn-replace-covariance",
              statement=("Refitting a d-dimensional Gaussian with the MLE covariance on its own samples (replace), "
                         "the covariance collapses: E tr Sigma_k/tr Sigma = ((n-1)/n)^k and E det Sigma_k/det Sigma = "
                         "(prod_{i<d} (n-1-i)/n)^k tend to 0, while the mean error E||mu_k - mu||^2 = "
                         "d(1 - ((n-1)/n)^k) stays below d."),
              latex=r"\frac{\mathbb E\operatorname{tr}\hat\Sigma_k}{\operatorname{tr}\Sigma}="
                    r"\Bigl(\frac{n-1}{n}\Bigr)^k,\quad \frac{\mathbb E\det\hat\Sigma_k}{\det\Sigma}="
                    r"\Bigl(\prod_{i=0}^{d-1}\frac{n-1-i}{n}\Bigr)^k \to 0",
              source=KAZDAN, symbolic=_mvn_symbolic, numeric=_mvn_numeric, monte_carlo=_mvn_monte_carlo,
              tags=("discard", "mvn")),
        Claim("subsample-plateau",
              statement=("Accumulate-subsample (a fixed budget of n points drawn evenly from the real data and every "
                         "synthetic batch so far) plateaus: R_k = 3 sum_{j<=k} 1/j^2 - 2 increases to "
                         "pi^2/2 - 2 = 2.93..., above augment's pi^2/6 but bounded, unlike discard."),
              latex=r"R_k = 3\sum_{j=1}^k \frac{1}{j^2} - 2 \;\uparrow\; \frac{\pi^2}{2} - 2",
              source=KAZDAN, symbolic=_subsample_symbolic, numeric=_subsample_numeric,
              monte_carlo=_subsample_monte_carlo, tags=("subsample",)),
        Claim("kde-replace-variance",
              statement=("A Gaussian kernel density estimate with bandwidth h refitted on its own samples (replace) "
                         "inflates its variance: E v_k = rho^k + n h^2 (1 - rho^k) with rho = (n-1)/n, rising towards "
                         "n h^2 whenever n h^2 > 1."),
              latex=r"\mathbb E v_k = \rho^k + n h^2 (1-\rho^k),\quad \rho=\frac{n-1}{n},\quad v_k \to n h^2",
              source=KAZDAN, symbolic=_kde_symbolic, numeric=_kde_numeric, monte_carlo=_kde_monte_carlo,
              tags=("discard", "kde")),
    ]
