"""Gerstgrasser et al. (2024): OLS with a fixed design, replace versus accumulate.

Every generation relabels the same design X (n x d): y = X theta_{k-1} + eps with
eps ~ N(0, sigma^2 I). With P = (X^T X)^{-1} X^T, one has P X = I, so a fit on one
batch returns theta_{k-1} + P eps_k (replace: a random walk, error linear in k),
while the fit on all k batches stacked (accumulate: Gram matrix k X^T X) telescopes
to e_k = e_{k-1} + P eps_k / k (error sum_{j<=k} 1/j^2, below pi^2/6 of the first).
Both hold exactly for every fixed X and n, so also in expectation over a Gaussian
design, where E tr (X^T X)^{-1} = d/(n - d - 1).
"""

from __future__ import annotations

from functools import cache

import mpmath
import numpy as np
import sympy as sp

from ..claims import Claim, Tolerance, agrees, check, close
from ._common import DPS, GERSTGRASSER, metric, prediction, ratio_check, ratio_figure, ratio_points, simulate

__all__ = ["claims", "derive_ols"]


@cache
def derive_ols():
    """The error recursions of OLS on a reused design under replace and accumulate, for symbolic k.

    Returns the facts the derivation rests on (P X = I, stacked Gram = k X^T X), the
    solved one-step relation of accumulate, and the variance coefficients
    (Cov e_k = coef_k sigma^2 (X^T X)^{-1}).

    Examples
    --------
    >>> d = derive_ols()
    >>> d["accumulate_step"], d["replace_coef"], d["accumulate_coef"]
    (e_prev + u/k, k, harmonic(k, 2))
    """
    X = sp.MatrixSymbol("X", 7, 2)  # the algebra below does not depend on the sizes
    P = (X.T * X).I * X.T
    px = sp.block_collapse(P * X)
    stacked = sp.BlockMatrix([[X], [X], [X]])
    gram = sp.block_collapse(stacked.T * stacked)
    k = sp.Symbol("k", integer=True, positive=True)
    j = sp.Symbol("j", integer=True, positive=True)
    e_k, e_prev, u, E_prev, U_prev = sp.symbols("e_k e_prev u E_prev U_prev")
    # Generation k pools k batches on X: k X^T X theta_k = X^T sum_i y_i. Multiplying by (X^T X)^{-1} and using
    # P X = I: k e_k = E_k + U_k, with E_k = sum_{j<k} e_j (e_0 = 0: the real batch sits at theta) and
    # U_k = sum_{i<=k} u_i, u_i = P eps_i. One step: E_k = E_{k-1} + e_{k-1}, U_k = U_{k-1} + u_k, and the
    # equation at k - 1 says E_{k-1} + U_{k-1} = (k - 1) e_{k-1}.
    normal_k = sp.Eq(k * e_k, (E_prev + e_prev) + (U_prev + u))
    normal_prev = sp.Eq(E_prev + U_prev, (k - 1) * e_prev)
    solved = sp.solve([normal_k, normal_prev], [e_k, E_prev], dict=True)[0][e_k]
    step = sp.expand(solved)
    # Cov of e_k in units of sigma^2 (X^T X)^{-1}: the u_i are independent with that covariance.
    c = sp.Function("c")
    replace_coef = sp.rsolve(c(k) - c(k - 1) - 1, c(k), {c(1): 1})          # e_k = e_{k-1} + u_k
    coef_step = sp.simplify(step.coeff(u) ** 2)                              # Var adds (1/k)^2
    accumulate_coef = sp.summation(coef_step.subs(k, j), (j, 1, k))
    return {"px": px, "gram": gram, "X": X, "k": k, "accumulate_step": step, "replace_coef": replace_coef,
            "accumulate_coef": accumulate_coef, "symbols": (e_k, e_prev, u)}


def _inverse_gram_trace(d):
    """E tr (X^T X)^{-1} for an n x d standard Gaussian design, by the Bartlett decomposition and the
    chi-square moments E[(chi^2_m)^t] = 2^t Gamma(m/2 + t) / Gamma(m/2)."""
    n = sp.Symbol("n", positive=True)
    T = sp.zeros(d, d)
    a = sp.symbols(f"a0:{d}", positive=True)
    zs = {}
    for i in range(d):
        T[i, i] = a[i]
        for jj in range(i):
            zs[(i, jj)] = T[i, jj] = sp.Symbol(f"z{i}{jj}")
    inv = T.inv()
    trace = sp.expand(sum(inv[i, jj] ** 2 for i in range(d) for jj in range(d)))
    total = sp.Integer(0)
    for term in sp.Add.make_args(trace):
        powers = term.as_powers_dict()
        value = term.subs({**{z: 1 for z in zs.values()}, **{ai: 1 for ai in a}})   # the numeric coefficient
        for z in zs.values():     # independent N(0, 1): E z^p = (p - 1)!! for even p, 0 for odd p
            p = int(powers.get(z, 0))
            value *= 0 if p % 2 else (sp.factorial2(p - 1) if p else 1)
        for i in range(d):        # a_i^2 ~ chi^2_{n-i}: E a_i^p = 2^(p/2) Gamma((n-i)/2 + p/2) / Gamma((n-i)/2)
            p = powers.get(a[i], 0)
            if p:
                m = n - i
                value *= 2 ** (sp.Rational(p, 2)) * sp.gamma(m / 2 + sp.Rational(p, 2)) / sp.gamma(m / 2)
        total += value
    return sp.factor(sp.simplify(sp.expand_func(total))), n


def _symbolic(budget):
    d = derive_ols()
    X, k = d["X"], d["k"]
    yield check("P X = I for P = (X^T X)^{-1} X^T: a fit on labels X theta + eps returns theta + P eps",
                d["px"] == sp.Identity(X.shape[1]), PX=d["px"])
    yield check("the stacked design [X; X; X] has Gram matrix 3 X^T X (the design is reused)",
                sp.simplify(d["gram"] - 3 * X.T * X) == sp.ZeroMatrix(*d["gram"].shape), gram=d["gram"])
    e_k, e_prev, u = d["symbols"]
    yield check("accumulate telescopes: e_k = e_{k-1} + P eps_k / k (solved from the normal equations)",
                sp.simplify(d["accumulate_step"] - (e_prev + u / k)) == 0, step=d["accumulate_step"])
    yield check("replace: Cov e_k = k sigma^2 (X^T X)^{-1}; the error ratio is exactly k, for every X and n",
                d["replace_coef"] == k, coefficient=d["replace_coef"])
    coef = d["accumulate_coef"]
    limit = sp.limit(coef, k, sp.oo)
    yield check("accumulate: Cov e_k = sum_{j<=k} 1/j^2 sigma^2 (X^T X)^{-1}, increasing to pi^2/6: the error "
                "stays below pi^2/6 times the first generation's", coef == sp.harmonic(k, 2) and limit == sp.pi**2 / 6,
                coefficient=coef, limit=limit)
    for dim in (1, 2):
        value, n = _inverse_gram_trace(dim)
        yield check(f"d = {dim}: E tr (X^T X)^{{-1}} = d/(n - d - 1) for a Gaussian design (Bartlett)",
                    sp.simplify(value - dim / (n - dim - 1)) == 0, derived=value)


def _numeric(budget):
    # Carry out the least-squares fits themselves at 50 digits on one fixed design and read off the
    # linear map from the label noises to the error: an independent route to the coefficients.
    rng = np.random.default_rng(np.random.SeedSequence(budget.seed, spawn_key=budget.stream("design")))
    n, dim, G = 9, 3, 6
    with mpmath.workdps(DPS + 10):
        X = mpmath.matrix(rng.standard_normal((n, dim)).tolist())
        gram = X.T * X
        P = mpmath.inverse(gram) * X.T
        base = mpmath.fsum(P[i, j] ** 2 for i in range(dim) for j in range(n))  # tr (X^T X)^{-1}
        for workflow in ("replace", "accumulate"):
            # maps[k][i]: the d x n matrix taking eps_i to e_k.
            maps = []
            for gen in range(1, G + 1):
                if workflow == "replace" or gen == 1:
                    # Fit on one batch of labels X theta_{k-1} + eps_k: theta_k = P X theta_{k-1} + P eps_k.
                    prev = maps[-1] if maps else {}
                    current = {i: P * (X * m) for i, m in prev.items()}
                    current[gen] = P
                else:
                    # Fit on the k stacked batches: normal equations (k X^T X) theta_k = X^T sum_i y_i.
                    rhs = {}
                    for src in range(gen):
                        if src >= 1:
                            for i, m in maps[src - 1].items():   # labels X theta_src carry e_src
                                rhs[i] = rhs.get(i, mpmath.zeros(dim, n)) + gram * m
                        rhs[src + 1] = rhs.get(src + 1, mpmath.zeros(dim, n)) + X.T
                    solve = mpmath.inverse(gen * gram)
                    current = {i: solve * m for i, m in rhs.items()}
                maps.append(current)
            ratios = [mpmath.fsum(m[r, c] ** 2 for m in gen_map.values() for r in range(dim) for c in range(n)) / base
                      for gen_map in maps]
            if workflow == "replace":
                targets = [mpmath.mpf(g) for g in range(1, G + 1)]
            else:
                targets = [mpmath.fsum(1 / mpmath.mpf(j) ** 2 for j in range(1, g + 1)) for g in range(1, G + 1)]
            yield close(f"{workflow}: least squares at 50 digits on a fixed {n} x {dim} design gives error ratios "
                        + ("k" if workflow == "replace" else "sum 1/j^2") + f", k <= {G}",
                        max(abs(a - b) for a, b in zip(ratios, targets, strict=True)), 0, mpmath.mpf(10) ** -(DPS - 10),
                        ratios=[mpmath.nstr(r, 15) for r in ratios])
        for m in (8, 20):
            # d = 2: tr W^{-1} = 1/a^2 + z^2/(a^2 c^2) + 1/c^2 with a^2 ~ chi^2_m, c^2 ~ chi^2_{m-1}, z ~ N(0, 1).
            def inv_moment(df):
                dens = lambda x: x ** (df / 2 - 1) * mpmath.exp(-x / 2) / (2 ** (df / 2) * mpmath.gamma(df / 2))  # noqa: E731
                return mpmath.quad(lambda x: dens(x) / x, [0, df, 4 * df, mpmath.inf])
            a, c = inv_moment(mpmath.mpf(m)), inv_moment(mpmath.mpf(m - 1))
            yield close(f"d = 2, n = {m}: E tr (X^T X)^{{-1}} by quadrature = 2/(n - 3)", a + a * c + c,
                        mpmath.mpf(2) / (m - 3), mpmath.mpf(10) ** -(DPS - 10))


def _monte_carlo(budget):
    G = 8
    reps = Tolerance("cheap", levels=True)   # ratios and risks, all exact: the budget's resolution
    derived = derive_ols()
    k = derived["k"]
    points, curves = [], []
    for spec, coef in (("discard", derived["replace_coef"]), ("augment", derived["accumulate_coef"])):
        target = [float(coef.subs(k, j)) for j in range(1, G + 1)]
        for dim, n in ((2, 12), (5, 20)):
            res = simulate("linreg", {"d": dim, "design": "fixed"}, spec, n, G, reps, budget, f"d{dim}")
            # Exact for every fixed design, hence for the expectation: 4 standard errors.
            yield ratio_check(f"OLS, fixed design, d = {dim}, n = {n}, {spec}: risk ratio = "
                              + ("k" if spec == "discard" else "sum 1/j^2") + " (exact)", res, target, k=4, exact=True)
            mean, se = metric(res, "risk")
            if dim == 2:
                trace = dim / (n - dim - 1)   # E tr (X^T X)^{-1}, derived above for d <= 2 (sigma = 1)
                yield agrees(f"d = 2, n = {n}, {spec}: risk = coefficient x d/(n - d - 1) (derived, exact)", mean, se,
                             np.array(target) * trace, k=4, exact=True)
            own = prediction(res, "risk")
            if own is not None:
                yield agrees(f"d = {dim}, n = {n}, {spec}: risk = the toolkit's exact prediction", mean, se, own, k=4,
                             exact=True)
            if dim == 5:
                points.append(ratio_points(f"OLS {spec} (d = 5, n = 20)", res))
        curves.append((("$k$ (replace)" if spec == "discard" else r"$\sum_{j\leq k} 1/j^2$ (accumulate)"),
                       list(range(1, G + 1)), target))
    yield ratio_figure("ols", "OLS on a fixed design: replace (discard) vs accumulate (augment)", curves, points,
                       hlines=[(r"$\pi^2/6$", float(sp.pi**2 / 6))])


def claims():
    return [Claim(
        "ols-fixed-design",
        statement=("For linear regression refitted by OLS on labels resampled over one fixed design, replacing the "
                   "data (discard) makes the test error grow linearly, E||theta_k - theta||^2 = k sigma^2 "
                   "tr E(X^T X)^{-1}, while accumulating it (augment) keeps it below pi^2/6 times the first "
                   "generation's: the ratio is sum_{j<=k} 1/j^2, exactly, at every n."),
        latex=r"\text{replace: } \frac{\mathcal E_k}{\mathcal E_1}=k,\qquad \text{accumulate: } "
              r"\frac{\mathcal E_k}{\mathcal E_1}=\sum_{j=1}^k\frac1{j^2}<\frac{\pi^2}{6},\qquad "
              r"\mathcal E_1=\sigma^2\,\frac{d}{n-d-1}",
        source=GERSTGRASSER, symbolic=_symbolic, numeric=_numeric, monte_carlo=_monte_carlo,
        tags=("ols", "discard", "augment"))]

