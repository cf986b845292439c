"""Dohmatob, Feng & Kempe (2024): model collapse in regression, ridge after a chain of synthetic labels.

Their setting: labels pass through a chain of k least-squares "data generators" fitted
one after the other on one fixed design X0 (T0 rows, d <= T0 - 2), each on labels
drawn from the previous one with noise sigma0; a ridge model is then fitted on T
fresh rows labelled by the last generator (noise sigma). The toolkit's derivation:

- the chain is discard on a fixed design, so w_k - w0 has covariance
  k sigma0^2 (X0^T X0)^{-1} exactly and E = k kappa I/d with
  kappa = sigma0^2 d/(T0 - d - 1) (Gerstgrasser et al.'s replace law, reused);
- a ridge fit of labels X(w0 + delta) + eps has error (P - I) w0 + P delta + noise with
  P = S (S + lam)^{-1}, so its risk is B + k kappa V + sigma^2 N with B = tau((I - P)^2),
  V = tau(P^2) > 0, N = (d/T) tau(S (S + lam)^{-2}) (tau = E tr/d): affine in k,
  with a positive slope, at every size;
- in the proportional limit the three are integrals against Marchenko–Pastur, in
  closed form through the Stieltjes transform m: B = lam^2 m'(-lam), V = 1 - 2 lam m +
  lam^2 m', N = gamma (m - lam m'); dV/dlam = -2 int x^2/(x + lam)^3 < 0, so the
  minimiser lam*(k) of the risk grows with k (implicit differentiation);
- with a fresh over-parameterised design in every generation (m < d rows,
  minimum-norm fits) E w_k = (m/d)^k w0 and the risk converges geometrically, at rate
  m/d, to ||w0||^2 + sigma^2 m d/((d - m)(d - m - 1)): the error of a vector that
  carries nothing of w0.
"""

from __future__ import annotations

from fractions import Fraction
from functools import cache

import mpmath
import numpy as np
import sympy as sp

from numerics.marchenko_pastur import spectral_expectation
from theory.highdim import RHO, MarchenkoPastur, WishartRank, fresh_discard_terms
from theory.random_matrix import mp_stieltjes

from ..claims import Claim, agrees, check, close
from ._common import DOHMATOB_FENG_KEMPE, DPS, metric, ratio_figure, simulate, vanishes
from .gerstgrasser import derive_ols

__all__ = ["claims", "derive_chain_ridge", "derive_overparameterised_chain", "chain_then_ridge"]

# the Monte Carlo setting: chain on T0 = 100 rows, ridge on T = 80 fresh rows, d = 40 (gamma = 1/2)
D, T0, T = 40, 100, 80
GAMMA = Fraction(D, T)
KAPPA = Fraction(D, T0 - D - 1)   # sigma0 = 1
CHAIN = 4


@cache
def derive_chain_ridge():
    """The ridge risk after a k-generation label chain, for symbolic k, lam, gamma, kappa, sigma^2.

    Examples
    --------
    >>> d = derive_chain_ridge()
    >>> sp.degree(d["risk"], d["k"]), sp.simplify(d["slope"] - d["kappa"] * d["V"])
    (1, 0)
    """
    z, gamma = sp.Symbol("z"), sp.Symbol("gamma", positive=True)
    lam, kappa, sigma2 = sp.symbols("lam kappa sigma2", positive=True)
    k = sp.Symbol("k", integer=True, nonnegative=True)
    m = mp_stieltjes()
    c = [sp.diff(m, z, j).subs(z, -lam) / sp.factorial(j) for j in range(3)]   # int (x + lam)^-(j+1) dMP
    B = lam**2 * c[1]
    V = 1 - 2 * lam * c[0] + lam**2 * c[1]
    N = gamma * (c[0] - lam * c[1])
    risk = sp.expand(B + k * kappa * V + sigma2 * N)
    return {"k": k, "lam": lam, "gamma": gamma, "kappa": kappa, "sigma2": sigma2, "c": c, "B": B, "V": V, "N": N,
            "risk": risk, "slope": sp.diff(risk, k), "dV": sp.diff(V, lam),
            "dV_integral": -2 * (c[0] - 2 * lam * c[1] + lam**2 * c[2])}


@cache
def derive_overparameterised_chain():
    """Risk of minimum-norm fits on a fresh m x d design per generation (m <= d - 2), symbolic in m, d, k.

    E w_k = tau^k w0 with tau = m/d; q_k = E ||w_k||^2 solves q_k = tau q_{k-1} + nu,
    q_1 = tau + nu, nu = sigma^2 E tr (X^T X)^+ = sigma^2 m/(d - m - 1); risk_k = q_k - 2 tau^k + 1.

    Examples
    --------
    >>> d = derive_overparameterised_chain()
    >>> sp.factor(d["limit"] - 1)
    d*m*sigma2/((d - m)*(d - m - 1))
    """
    m, dim, sigma2 = sp.symbols("m d sigma2", positive=True)
    k = sp.Symbol("k", integer=True, positive=True)
    tau = m / dim
    nu = sigma2 * m / (dim - m - 1)
    q = sp.Function("q")
    qk = sp.simplify(sp.rsolve(q(k) - tau * q(k - 1) - nu, q(k), {q(1): tau + nu}))
    risk = qk - 2 * tau**k + 1
    x = sp.Dummy("x")
    (fixed,) = sp.solve(sp.Eq(x, tau * x + nu), x)
    limit = sp.simplify(fixed + 1)
    return {"m": m, "d": dim, "sigma2": sigma2, "k": k, "tau": tau, "nu": nu, "q": qk, "risk": risk,
            "limit": limit, "step": (q, tau * q(k - 1) + nu)}


def _at(expr, **values):
    d = derive_chain_ridge()
    return expr.subs({d[name]: sp.Rational(str(v)) if isinstance(v, Fraction) else v for name, v in values.items()})


def _symbolic(budget):
    ols = derive_ols()
    yield check("the chain is discard on one fixed design: w_k - w0 has covariance k sigma0^2 (X0^T X0)^{-1} for "
                "every k (Gerstgrasser et al.'s replace law)", ols["replace_coef"] == ols["k"],
                coefficient=ols["replace_coef"])
    d = derive_chain_ridge()
    yield check("the ridge risk after k generations is B + k kappa V + sigma^2 N: affine in k with slope kappa V",
                sp.degree(d["risk"], d["k"]) == 1 and sp.simplify(d["slope"] - d["kappa"] * d["V"]) == 0,
                risk=d["risk"])
    # the closed forms against the exact surds of theory.highdim (resolvent moments by the series route)
    for gamma, lam in ((Fraction(1, 2), Fraction(1, 2)), (Fraction(3), Fraction(1, 4))):
        spectrum = MarchenkoPastur(gamma, lam)
        pairs = (("B", spectrum.expect((1 - RHO) * (1 - RHO))), ("V", spectrum.expect(RHO * RHO)),
                 ("N", spectrum.expect_noise(RHO**0) * gamma))
        for name, surd in pairs:
            closed = sp.radsimp(_at(d[name], gamma=gamma, lam=lam))
            yield check(f"gamma = {gamma}, lam = {lam}: {name} from the Stieltjes transform = the exact surd",
                        sp.expand(closed - surd.to_sympy()) == 0, closed_form=closed)
    identity = sp.simplify(d["dV"] - d["dV_integral"])
    yield check("dV/dlam = -2 int x^2/(x + lam)^3 dMP (x^2 = (x+lam)^2 - 2 lam (x+lam) + lam^2): negative, so the "
                "risk's minimiser lam*(k) increases with k wherever the risk is locally convex",
                identity == 0, difference=identity)
    o = derive_overparameterised_chain()
    q, step = o["step"]
    k = o["k"]
    yield check("over-parameterised fresh chain: the closed form of E ||w_k||^2 solves its recursion",
                vanishes(o["q"] - step.subs(q(k - 1), o["q"].subs(k, k - 1)), k)
                and sp.simplify(o["q"].subs(k, 1) - o["tau"] - o["nu"]) == 0, closed_form=o["q"])
    gap = sp.simplify((o["risk"] - o["limit"]) / o["tau"] ** k)
    yield check("risk_k - lim = C (m/d)^k: geometric convergence at rate m/d < 1 to ||w0||^2 + sigma^2 m d/((d-m)"
                "(d-m-1)), the error of a vector uncorrelated with w0", not gap.has(k), C=gap, limit=o["limit"])
    for m_rows, dim in ((20, 40), (5, 30)):
        terms = fresh_discard_terms([WishartRank(m_rows, dim)] * 6, dim, [m_rows] * 6)
        at = {o["m"]: m_rows, o["d"]: dim, o["sigma2"]: 1}
        closed = [sp.Rational(o["risk"].subs(at).subs(k, j)) for j in range(1, 7)]
        exact = [t.signal + t.noise for t in terms]
        yield check(f"m = {m_rows}, d = {dim}: the closed form = the toolkit's exact risks (theory.highdim), k <= 6",
                    [Fraction(int(x.p), int(x.q)) for x in closed] == exact, first=[str(x) for x in exact[:3]])


def _risk_function(d, gamma, kappa, sigma2=1):
    """R(lam) and its first two derivatives as mpmath functions (closed form), k kappa given as ``kappa``."""
    expr = d["risk"].subs({d["gamma"]: sp.Rational(str(gamma)), d["kappa"]: kappa, d["sigma2"]: sigma2, d["k"]: 1})
    return [sp.lambdify(d["lam"], sp.diff(expr, d["lam"], j), "mpmath") for j in range(3)]


def optimal_penalties(generations=CHAIN, dps=DPS):
    """lam*(k) for k = 0..generations in the Monte Carlo setting, at ``dps`` digits (closed form + findroot)."""
    d = derive_chain_ridge()
    out = []
    with mpmath.workdps(dps + 10):
        start = mpmath.mpf(GAMMA.numerator) / GAMMA.denominator
        for j in range(generations + 1):
            kappa = sp.Rational(j) * sp.Rational(KAPPA.numerator, KAPPA.denominator)
            _, first, second = [*_risk_function(d, GAMMA, kappa)]
            root = mpmath.findroot(first, start)
            out.append((root, second(root)))
            start = root
    return out


def _numeric(budget):
    d = derive_chain_ridge()
    for gamma, lam in ((Fraction(1, 2), Fraction(1, 2)), (Fraction(3), Fraction(1, 4))):
        for name, poly, noise in (("V", RHO * RHO, False), ("B", (1 - RHO) * (1 - RHO), False)):
            quad = spectral_expectation(poly, gamma, lam, DPS, route="quadrature", noise=noise)
            with mpmath.workdps(DPS + 10):
                closed = mpmath.mpf(str(sp.N(_at(d[name], gamma=gamma, lam=lam), DPS + 10)))
            yield close(f"gamma = {gamma}, lam = {lam}: {name} by quadrature of the density = the closed form",
                        quad.value, closed, quad.error_bound + mpmath.mpf(10) ** -(DPS - 2))
    optima = optimal_penalties()
    with mpmath.workdps(DPS):
        yield close("no chain: lam* = sigma^2 gamma/||w0||^2 (the classic optimum) at 50 digits", optima[0][0],
                    mpmath.mpf(GAMMA.numerator) / GAMMA.denominator, mpmath.mpf(10) ** -(DPS - 5))
        increasing = all(b[0] > a[0] for a, b in zip(optima, optima[1:], strict=False))
        yield check(f"lam*(k) increases with the chain length, k = 0..{CHAIN} (d = {D}, T0 = {T0}, T = {T})",
                    increasing and all(c > 0 for _, c in optima),
                    lam_star=[mpmath.nstr(r, 20) for r, _ in optima], curvature=[mpmath.nstr(c, 6) for _, c in optima])
    o = derive_overparameterised_chain()
    with mpmath.workdps(DPS + 10):
        m_rows, dim = mpmath.mpf(20), mpmath.mpf(40)
        tau, nu = m_rows / dim, m_rows / (dim - m_rows - 1)
        q, risk = tau + nu, None
        for _ in range(2, 401):
            q = tau * q + nu
        risk = q - 2 * tau**400 + 1
        limit = mpmath.mpf(str(sp.N(o["limit"].subs({o["m"]: 20, o["d"]: 40, o["sigma2"]: 1}), DPS + 10)))
        # the distance is at most C (1/2)^400 with |C| < 2^10, plus the rounding of 400 steps at 60 digits
        yield close("over-parameterised fresh chain (m = 20, d = 40): 400 steps of the recursion at 60 digits reach "
                    "the closed-form limit within (1/2)^390 plus rounding", risk, limit,
                    mpmath.mpf(2) ** -390 + mpmath.mpf(10) ** -(DPS + 5))


def chain_then_ridge(lams, chain, replicates, seed_sequence, d=D, rows_chain=T0, rows=T):
    """Dohmatob, Feng & Kempe's protocol with real fits: squared errors per replicate, chain length, penalty.

    Every replicate draws one chain design X0, one downstream design X and one noise
    vector per fit; chain lengths and penalties share them (common random numbers), so
    differences between settings are measured on the same data.

    Returns
    -------
    ndarray, shape (replicates, chain + 1, len(lams))
    """
    from numerics.models.ridge import ridge_fit

    rng = np.random.default_rng(seed_sequence)
    w0 = np.full(d, 1 / np.sqrt(d))
    X0 = rng.standard_normal((replicates, rows_chain, d))
    X = rng.standard_normal((replicates, rows, d))
    eps = rng.standard_normal((replicates, rows))
    out = np.empty((replicates, chain + 1, len(lams)))
    w = np.broadcast_to(w0, (replicates, d))
    for k in range(chain + 1):
        if k:   # one more least-squares generator, fitted on labels drawn from the previous one
            w = ridge_fit(X0, np.einsum("rmd,rd->rm", X0, w) + rng.standard_normal((replicates, rows_chain)))
        y = np.einsum("rmd,rd->rm", X, w) + eps
        for i, lam in enumerate(lams):
            out[:, k, i] = ((ridge_fit(X, y, lam) - w0) ** 2).sum(axis=1)
    return out


def _monte_carlo(budget):
    d = derive_chain_ridge()
    optima = optimal_penalties(dps=20)
    lams = [float(optima[0][0]), float(optima[-1][0])]
    reps = budget.pick(2000, 20000)
    errors = chain_then_ridge(lams, CHAIN, reps, np.random.SeedSequence(budget.seed, spawn_key=budget.stream("chain")))
    mean, se = errors.mean(axis=0), errors.std(axis=0, ddof=1) / np.sqrt(reps)
    ks = list(range(CHAIN + 1))
    curves, points = [], []
    for i, lam in enumerate(lams):
        theory = [float(_at(d["risk"], gamma=GAMMA, lam=sp.Rational(lam), kappa=sp.Rational(KAPPA.numerator,
                                                                                            KAPPA.denominator),
                            sigma2=1, k=j).evalf(20)) for j in ks]
        # asymptotic target (d = 40): 4 standard errors plus 1% for the distance to the proportional limit
        yield agrees(f"lam = {lam:.4g}: measured ridge risk after k = 0..{CHAIN} generations = B + k kappa V + N "
                     "(Marchenko-Pastur)", mean[:, i], se[:, i], theory, k=4, relative=0.01, exact=False, x=ks)
        second = errors[:, 2:, i] - 2 * errors[:, 1:-1, i] + errors[:, :-2, i]
        # exact target: the risk is affine in k at every size, so each second difference has mean 0
        yield agrees(f"lam = {lam:.4g}: the risk is linear in k (second differences vanish)", second.mean(axis=0),
                     second.std(axis=0, ddof=1) / np.sqrt(reps), np.zeros(CHAIN - 1), k=4, exact=True,
                     x=ks[1:-1])
        curves.append((f"theory, $\\lambda = {lam:.3g}$", ks, theory))
        points.append((f"fits, $\\lambda = {lam:.3g}$", ks, mean[:, i].tolist(), se[:, i].tolist()))
    for k, better, worse in ((0, 0, 1), (CHAIN, 1, 0)):
        diff = errors[:, k, worse] - errors[:, k, better]
        # paired comparison on common random numbers: 3 standard errors of the difference
        yield check(f"k = {k}: the penalty lam*({k}) = {lams[better]:.4g} beats {lams[worse]:.4g} on the same data",
                    diff.mean() > 3 * diff.std(ddof=1) / np.sqrt(reps), difference=float(diff.mean()),
                    stderr=float(diff.std(ddof=1) / np.sqrt(reps)))
    yield ratio_figure("dfk-chain", "Ridge after a chain of least-squares label generators (d = 40)", curves, points,
                       ylabel="test error $E\\|\\hat w - w_0\\|^2$")
    o = derive_overparameterised_chain()
    G = 6
    res = simulate("linreg", {"d": 40, "design": "fresh"}, "discard", 20, G, budget.pick(4000, 40000), budget,
                   "overparameterised")
    m_, s_ = metric(res, "risk")
    exact = [float(o["risk"].subs({o["m"]: 20, o["d"]: 40, o["sigma2"]: 1, o["k"]: j})) for j in range(1, G + 1)]
    yield agrees("minimum-norm fits on a fresh 20 x 40 design per generation: risk = the exact closed form, which "
                 "converges geometrically (symbolic evidence)", m_, s_, exact, k=4, exact=True)


def claims():
    return [Claim(
        "regression-chain-linear",
        statement=("A ridge fit (normalised penalty lam) on labels drawn from the last of a chain of k least-squares "
                   "generators, each refitted on one fixed design of T0 >= d + 2 rows, has test error "
                   "B(lam) + k sigma0^2 d/(T0 - d - 1) V(lam) + sigma^2 N(lam): linear in k with slope proportional "
                   "to V = E tr P^2/d > 0 for P = S (S + lam)^{-1}, and the penalty that minimises it grows with k; "
                   "with minimum-norm fits on a fresh over-parameterised design (m <= d - 2 rows) in every "
                   "generation the error converges geometrically, at rate m/d, to ||w0||^2 + sigma^2 m d/((d - m)"
                   "(d - m - 1)), that of a vector uncorrelated with w0. The fixed-d pi^2/6 theory describes the "
                   "chain itself (it is discard, R_k = k), not the ridge bias or the proportional regime."),
        latex=r"\mathcal E_k(\lambda)=B(\lambda)+k\,\frac{\sigma_0^2 d}{T_0-d-1}\,V(\lambda)+\sigma^2N(\lambda),\quad "
              r"\frac{d\lambda^*}{dk}>0;\qquad \text{fresh, } m<d:\ \mathcal E_k-\mathcal E_\infty\propto"
              r"\left(\tfrac md\right)^k",
        source=DOHMATOB_FENG_KEMPE, symbolic=_symbolic, numeric=_numeric, monte_carlo=_monte_carlo,
        tags=("linreg", "ridge", "high-dimensional"))]

