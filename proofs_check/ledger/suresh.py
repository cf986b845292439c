"""Suresh et al. (2024): under discard, Bernoulli and Poisson fits are absorbed and stay there.

Refitting a Bernoulli proportion on its own samples is the Wright-Fisher chain
X_k | X_{k-1} ~ Bin(n, X_{k-1}/n); refitting a Poisson mean is a critical
Galton-Watson process N_k | N_{k-1} ~ Poisson(N_{k-1}) (N = n lam-hat). Both are
martingales that end, with probability one, in the absorbing state (p-hat in {0, 1};
lam-hat = 0). The symbolic evidence derives the moments from the probability
generating functions, solves the recursions and proves absorption; the numeric
evidence propagates the exact distributions at 50 digits; Monte Carlo refits the
models.
"""

from __future__ import annotations

from functools import cache

import mpmath
import numpy as np
import sympy as sp

from ..claims import Claim, agrees, check, close
from ._common import DPS, SURESH, metric, prediction, ratio_figure, simulate

__all__ = ["claims", "derive_bernoulli", "derive_poisson"]

BERNOULLI = {"p": sp.Rational(3, 10), "n": 10, "G": 20}
POISSON = {"lam": 1, "n": 5, "G": 20}


@cache
def derive_bernoulli():
    """Moments of the refitted Bernoulli proportion under discard, from the binomial PGF.

    Returns a dict with the per-generation factor of E p(1 - p), the closed forms of
    h_k = E p_k (1 - p_k) and of the risk E (p_k - p)^2, and the bound on
    P(not absorbed at k).

    Examples
    --------
    >>> d = derive_bernoulli()
    >>> n, k, p = d["n"], d["k"], d["p"]
    >>> sp.simplify(d["risk"] - p * (1 - p) * (1 - (1 - 1 / n) ** k))
    0
    """
    n = sp.Symbol("n", integer=True, positive=True)
    k = sp.Symbol("k", integer=True, positive=True)
    p, q, s = sp.symbols("p q s", positive=True)
    pgf = (1 - q + q * s) ** n                        # X ~ Bin(n, q), q the previous fit
    m1 = sp.diff(pgf, s).subs(s, 1)
    m2 = sp.simplify(sp.diff(pgf, s, 2).subs(s, 1) + m1)  # E X^2 = G''(1) + G'(1)
    mean_next = sp.simplify(m1 / n)                     # E[p_k | p_{k-1} = q]
    het_next = sp.factor(sp.simplify((n * m1 - m2) / n**2))  # E[p_k (1 - p_k) | q]
    factor = sp.simplify(het_next / (q * (1 - q)))
    h = sp.Function("h")
    het = sp.simplify(sp.rsolve(h(k) - factor * h(k - 1), h(k), {h(1): factor * p * (1 - p)}))
    risk = sp.simplify(p - het - p**2)                  # E p_k^2 - p^2 with E p_k = p
    gap = (n - 1) / n**2                                # min of x (1 - x) over x in {1/n, ..., (n-1)/n}
    bound = sp.simplify(het / gap)                      # Markov: P(not absorbed) <= h_k / gap
    return {"n": n, "k": k, "p": p, "q": q, "mean_next": mean_next, "het_next": het_next, "factor": factor,
            "het": het, "risk": risk, "bound": bound, "gap": gap}


@cache
def derive_poisson():
    """The refitted Poisson total N_k = n lam_k under discard: moments and extinction, from the PGF.

    Examples
    --------
    >>> d = derive_poisson()
    >>> d["risk"]
    k*lam/n
    """
    n = sp.Symbol("n", integer=True, positive=True)
    k = sp.Symbol("k", integer=True, positive=True)
    lam, mu, s = sp.symbols("lam mu s", positive=True)
    pgf = sp.exp(mu * (s - 1))                          # N_k | N_{k-1} = mu ~ Poisson(mu)
    mean_next = sp.diff(pgf, s).subs(s, 1)
    var_next = sp.simplify(sp.diff(pgf, s, 2).subs(s, 1) + mean_next - mean_next**2)
    V = sp.Function("V")
    # Law of total variance: Var N_k = Var E[N_k | N_{k-1}] + E Var[N_k | N_{k-1}] = V_{k-1} + E N_{k-1}.
    variance = sp.simplify(sp.rsolve(V(k) - V(k - 1) - n * lam, V(k), {V(1): n * lam}))
    risk = sp.simplify(variance / n**2)
    offspring = sp.exp(s - 1)                           # each of the N_{k-1} points' share: Poisson(1)
    g = offspring - s
    return {"n": n, "k": k, "lam": lam, "mean_next": mean_next, "var_next": var_next, "variance": variance,
            "risk": risk, "offspring": offspring, "g": g, "s": s}


def absorbed_poisson(lam, n, G, dps=DPS):
    """P(lam_k = 0) for k = 1..G from the offspring PGF: exp(n lam (q_{k-1} - 1)), q_0 = 0, q_j = e^{q_{j-1} - 1}."""
    with mpmath.workdps(dps + 10):
        q, out = mpmath.mpf(0), []
        for _ in range(G):
            out.append(mpmath.exp(n * mpmath.mpf(lam) * (q - 1)))
            q = mpmath.exp(q - 1)
        return out


def _symbolic(budget):
    b = derive_bernoulli()
    n, k, p, q = b["n"], b["k"], b["p"], b["q"]
    yield check("Bernoulli: p_k is a martingale, E[p_k | p_{k-1} = q] = q", sp.simplify(b["mean_next"] - q) == 0,
                derived=b["mean_next"])
    yield check("Bernoulli: E[p_k (1 - p_k) | q] = (1 - 1/n) q (1 - q)",
                sp.simplify(b["factor"] - (1 - 1 / n)) == 0, derived=b["het_next"])
    yield check("Bernoulli: E p_k (1 - p_k) = (1 - 1/n)^k p (1 - p) -> 0",
                sp.limit(b["het"].subs({n: 10, p: sp.Rational(3, 10)}), k, sp.oo) == 0
                and sp.simplify(b["het"] - (1 - 1 / n) ** k * p * (1 - p)) == 0, h_k=b["het"])
    yield check("Bernoulli: P(not absorbed at k) <= n p (1 - p) (1 - 1/n)^(k - 1) -> 0 (Markov, since "
                "x (1 - x) >= (n - 1)/n^2 off {0, 1})", sp.simplify(b["bound"] - n * p * (1 - p) * (1 - 1 / n)
                                                                      ** (k - 1)) == 0, bound=b["bound"])
    yield check("Bernoulli: risk E (p_k - p)^2 = p (1 - p)(1 - (1 - 1/n)^k) -> p (1 - p), the risk of a fit "
                "absorbed at 1 with probability p", sp.simplify(sp.limit(b["risk"].subs(n, 10), k, sp.oo)
                                                               - p * (1 - p)) == 0, risk=b["risk"])
    d = derive_poisson()
    yield check("Poisson: n lam_k is a martingale with conditional variance equal to its mean",
                d["mean_next"] == sp.Symbol("mu", positive=True) and d["var_next"] == sp.Symbol("mu", positive=True),
                mean=d["mean_next"], variance=d["var_next"])
    yield check("Poisson: risk E (lam_k - lam)^2 = k lam / n, linear in k at every n",
                sp.simplify(d["risk"] - d["k"] * d["lam"] / d["n"]) == 0, risk=d["risk"])
    s, g = d["s"], d["g"]
    slope = sp.diff(g, s)
    stationary = sp.solve(sp.Eq(slope, 0), s)
    yield check("Poisson: s = 1 is the only fixed point of the offspring PGF e^(s - 1) in [0, 1] "
                "(g = e^(s-1) - s has g(1) = 0 and g' < 0 on [0, 1)), so q_j = P(extinct by j) increases to 1",
                g.subs(s, 1) == 0 and stationary == [1] and bool(slope.subs(s, 0) < 0), g_prime=slope,
                g_prime_zero=stationary)
    x = sp.Symbol("x", positive=True)
    expansion = sp.series(d["offspring"].subs(s, 1 - x), x, 0, 3).removeO()
    yield check("Poisson: 1 - q_j shrinks as x -> x - x^2/2 + O(x^3) (critical), so absorption by generation k "
                "has probability exp(-n lam (1 - q_(k-1))) ~ exp(-2 n lam / k) -> 1", sp.expand(1 - expansion)
                == sp.expand(x - x**2 / 2), expansion=expansion)


def _wright_fisher(n, p, G):
    """Distributions of X_1..X_G (X_k = n p_k) at the working precision, by the exact transition matrix."""
    pm = mpmath.mpf(p.p) / p.q
    dist = [mpmath.binomial(n, j) * pm**j * (1 - pm) ** (n - j) for j in range(n + 1)]
    trans = [[mpmath.binomial(n, j) * (mpmath.mpf(i) / n) ** j * (1 - mpmath.mpf(i) / n) ** (n - j)
              for j in range(n + 1)] for i in range(n + 1)]
    out = [dist]
    for _ in range(G - 1):
        dist = [mpmath.fsum(dist[i] * trans[i][j] for i in range(n + 1)) for j in range(n + 1)]
        out.append(dist)
    return out


def _poisson_chain(lam, n, G, cap):
    """Distributions of N_1..N_G truncated at ``cap``, and the probability mass lost to truncation."""
    mu = n * mpmath.mpf(lam)
    dist = [mpmath.exp(-mu) * mu**j / mpmath.factorial(j) for j in range(cap + 1)]
    pois = [[mpmath.exp(-mpmath.mpf(i)) * mpmath.mpf(i) ** j / mpmath.factorial(j) if i else (1 if j == 0 else 0)
             for j in range(cap + 1)] for i in range(cap + 1)]
    out = [dist]
    for _ in range(G - 1):
        dist = [mpmath.fsum(dist[i] * pois[i][j] for i in range(cap + 1)) for j in range(cap + 1)]
        out.append(dist)
    return out, [1 - mpmath.fsum(d) for d in out]


def _numeric(budget):
    b = derive_bernoulli()
    n, G, p = BERNOULLI["n"], BERNOULLI["G"], BERNOULLI["p"]
    with mpmath.workdps(DPS + 10):
        dists = _wright_fisher(n, p, G)
        tol = mpmath.mpf(10) ** -DPS
        pm = mpmath.mpf(p.p) / p.q
        means = [mpmath.fsum(j * d[j] for j in range(n + 1)) / n for d in dists]
        yield close(f"Bernoulli n = {n}: exact chain keeps E p_k = p for k <= {G}", max(abs(m - pm) for m in means),
                    0, tol)
        risks = [mpmath.fsum((mpmath.mpf(j) / n - pm) ** 2 * d[j] for j in range(n + 1)) for d in dists]
        closed = [mpmath.mpf(sp.N(b["risk"].subs({b["p"]: p, b["n"]: n, b["k"]: j}), DPS + 10))
                  for j in range(1, G + 1)]
        yield close(f"Bernoulli n = {n}: exact chain risk = the derived closed form for k <= {G}",
                    max(abs(a - c) for a, c in zip(risks, closed, strict=True)), 0, tol)
        absorbed = [d[0] + d[n] for d in dists]
        bounds = [1 - mpmath.mpf(sp.N(b["bound"].subs({b["p"]: p, b["n"]: n, b["k"]: j}), DPS + 10))
                  for j in range(1, G + 1)]
        yield check(f"Bernoulli n = {n}: P(absorbed at k) increases and respects the derived lower bound",
                    all(a <= c for a, c in zip(absorbed, absorbed[1:], strict=False))
                    and all(a >= lo for a, lo in zip(absorbed, bounds, strict=True)),
                    absorbed_at_G=mpmath.nstr(absorbed[-1], 15), bound_at_G=mpmath.nstr(bounds[-1], 15))
        # Far out the chain is absorbed, at 1 with probability p (bounded martingale).
        long = _wright_fisher(n, p, 1200)[-1]
        yield close("Bernoulli: after 1200 generations P(p_k = 1) = p and P(absorbed) = 1 to 40 digits",
                    long[n], pm, mpmath.mpf(10) ** -40, not_absorbed=mpmath.nstr(1 - long[0] - long[n], 5))
        d_p = derive_poisson()
        lam, n_p, G_p = POISSON["lam"], POISSON["n"], 6
        chain, lost = _poisson_chain(lam, n_p, G_p, cap=160)
        pgf = absorbed_poisson(lam, n_p, G_p)
        worst = max(abs(d[0] - a) for d, a in zip(chain, pgf, strict=True))
        yield close(f"Poisson lam = {lam}, n = {n_p}: P(absorbed at k), k <= {G_p}, by propagating the distribution "
                    "= the PGF composition", worst, 0, max(lost) + tol, truncation_mass=mpmath.nstr(max(lost), 5))
        # Moments from the composed PGF F_k(s) = exp(n lam (f_{k-1}(s) - 1)), f = e^(s - 1), by numerical
        # differentiation at 50 digits: Var N_k = F''(1) + F'(1) - F'(1)^2.
        def pgf_k(x, j):
            for _ in range(j - 1):
                x = mpmath.exp(x - 1)
            return mpmath.exp(n_p * lam * (x - 1))

        variances = []
        for j in range(1, POISSON["G"] + 1):
            d1, d2 = mpmath.diff(lambda x, j=j: pgf_k(x, j), 1, 1), mpmath.diff(lambda x, j=j: pgf_k(x, j), 1, 2)
            variances.append(d2 + d1 - d1**2)
        derived = [sp.N(d_p["variance"].subs({d_p["n"]: n_p, d_p["lam"]: lam, d_p["k"]: j}), DPS)
                   for j in range(1, POISSON["G"] + 1)]
        yield close(f"Poisson: Var(n lam_k) from the composed PGF = the derived k n lam, k <= {POISSON['G']}",
                    max(abs(v - mpmath.mpf(str(t))) for v, t in zip(variances, derived, strict=True)), 0,
                    mpmath.mpf(10) ** -40, variances=[mpmath.nstr(v, 12) for v in variances[:5]])
        far = absorbed_poisson(lam, n_p, 10**4)
        yield check("Poisson: P(absorbed by generation 10^4) > 0.99 and increasing",
                    far[-1] > mpmath.mpf("0.99") and all(a < c for a, c in zip(far[:50], far[1:51], strict=False)),
                    at_1e4=mpmath.nstr(far[-1], 15))


def _monte_carlo(budget):
    reps = budget.replicates("cheap")
    b = derive_bernoulli()
    n, G, p = BERNOULLI["n"], BERNOULLI["G"], BERNOULLI["p"]
    res = simulate("bernoulli", {"p": float(p)}, "discard", n, G, reps, budget, "bernoulli")
    mean, se = metric(res, "absorbed")
    exact = prediction(res, "absorbed")
    ks = list(range(1, G + 1))
    # Exact finite-n targets: 4 standard errors, no allowance.
    yield agrees(f"Bernoulli p = {p}, n = {n}: fraction absorbed = the exact prediction", mean, se, exact, k=4,
                 exact=True)
    chain = _wright_fisher(n, p, G)
    with mpmath.workdps(30):
        chain_abs = np.array([float(d[0] + d[n]) for d in chain])
    yield agrees("Bernoulli: fraction absorbed = the exact Wright-Fisher chain", mean, se, chain_abs, k=4, exact=True)
    rmean, rse = metric(res, "risk")
    closed = np.array([float(b["risk"].subs({b["p"]: p, b["n"]: n, b["k"]: j})) for j in ks])
    yield agrees("Bernoulli: risk = p (1 - p)(1 - (1 - 1/n)^k) (derived)", rmean, rse, closed, k=4, exact=True)
    fig_points = [("Bernoulli absorbed (Monte Carlo)", ks, mean.tolist(), se.tolist())]
    fig_curves = [("Bernoulli, exact chain", ks, chain_abs.tolist())]
    d = derive_poisson()
    lam, n_p, G_p = POISSON["lam"], POISSON["n"], POISSON["G"]
    res = simulate("poisson", {"lam": float(lam)}, "discard", n_p, G_p, reps, budget, "poisson")
    mean, se = metric(res, "absorbed")
    pgf = np.array([float(x) for x in absorbed_poisson(lam, n_p, G_p, dps=20)])
    yield agrees(f"Poisson lam = {lam}, n = {n_p}: fraction absorbed = exp(n lam (q_(k-1) - 1)) (derived)",
                 mean, se, pgf, k=4, exact=True)
    exact = prediction(res, "absorbed")
    yield agrees("Poisson: fraction absorbed = the toolkit's exact prediction", mean, se, exact, k=4, exact=True)
    rmean, rse = metric(res, "risk")
    closed = np.array([float(d["risk"].subs({d["lam"]: lam, d["n"]: n_p, d["k"]: j})) for j in range(1, G_p + 1)])
    yield agrees("Poisson: risk = k lam / n (derived)", rmean, rse, closed, k=4, exact=True)
    fig_points.append(("Poisson absorbed (Monte Carlo)", list(range(1, G_p + 1)), mean.tolist(), se.tolist()))
    fig_curves.append(("Poisson, PGF", list(range(1, G_p + 1)), pgf.tolist()))
    yield ratio_figure("absorption", "Absorption under discard", fig_curves, fig_points,
                       ylabel="P(absorbed by generation k)")


def claims():
    return [Claim(
        "discard-absorption",
        statement=("Under discard, a refitted Bernoulli proportion and a refitted Poisson mean are martingales "
                   "that are absorbed with probability one (p-hat in {0, 1}, lam-hat = 0): the Bernoulli risk "
                   "rises to p(1 - p) as E p(1 - p) decays like (1 - 1/n)^k, and the Poisson risk grows as "
                   "k lam / n while P(absorbed) tends to 1."),
        latex=r"\Pr\{\hat p_k\in\{0,1\}\}\to1,\ \mathbb E(\hat p_k-p)^2 = p(1-p)\bigl(1-(1-\tfrac1n)^k\bigr);\quad "
              r"\Pr\{\hat\lambda_k=0\}\to1,\ \mathbb E(\hat\lambda_k-\lambda)^2=\frac{k\lambda}{n}",
        source=SURESH, symbolic=_symbolic, numeric=_numeric, monte_carlo=_monte_carlo,
        tags=("discard", "absorption"))]
