"""Dey & Donoho (2024): discard collapses, augment stays below pi^2/6, for every regular model.

The claims of the paper the toolkit is built around (THEORY.md §1-3):

- ``discard-linear-growth``: under discard R_k = k, ARE_k = 1/k -> 0;
- ``augment-pi2over6-bound``: under augment R_k = sum_{j<=k} 1/j^2 < pi^2/6, ARE_k > 6/pi^2;
- ``universality-models-estimators``: R_k is the same for every regular model and
  asymptotically linear estimator (the median included): V cancels;
- ``universality-dimension-loss``: nor does it depend on the dimension or the loss matrix A;
- ``gaussian-process-limit``: the scaled errors converge to the sequential Gaussian
  process with the exact covariance of :func:`theory.covariance`; the process
  simulator reproduces it and fits of nonlinear models approach it as n grows;
- ``workflow-framework``: every other workflow gets its own exact sequence, closed form
  and limit, confirmed by simulation.
"""

from __future__ import annotations

import mpmath
import numpy as np
import sympy as sp

from theory import Workflow, covariance, covariance_float, linear_form, preset, risk_ratios
from theory.closed_form import closed_form, k
from theory.models import get_model
from theory.pooled_fit import pooled_fit_identity
from theory.predictions import universal_ratio_symbolic
from theory.rationals import as_sympy

from ..claims import Claim, Tolerance, agrees, at_most, check, close
from ._common import (
    DEY_DONOHO,
    DPS,
    compounding,
    gp_simulate,
    metric,
    model_runs,
    ratio_check,
    ratio_figure,
    ratio_points,
    simulate,
    simulated_ratios,
    steady,
)

__all__ = ["claims"]

PI2_6 = sp.pi**2 / 6


def _curve(spec, G, label=None):
    return (label or f"process, {spec}", list(range(1, G + 1)), [float(r) for r in risk_ratios(preset(spec, G))])


# =========================================================================== discard
def _discard_symbolic(budget):
    cf = closed_form("discard")
    yield check("the closed form of discard, proved for every k from its state-space form, is R_k = k",
                cf is not None and cf.status == "proved" and sp.simplify(cf.expr - k) == 0,
                closed_form=cf.expr, recurrence=cf.recurrence, status=cf.status, method=cf.proof.method,
                valid_from=cf.proof.valid_from, proof=list(cf.proof.steps))
    lf = linear_form(preset("discard", 6))
    walk = all(share == 1 and j == kk - 1 for kk, j, share in lf.feedback) and len(lf.feedback) == 5
    yield check("the linearised fit is a random walk: H_k = H_{k-1} + eps_k (feedback share 1, unit noise)",
                walk and all(v == 1 for v in lf.variances),
                feedback=[(a + 1, b + 1, str(c)) for a, b, c in lf.feedback])
    are = sp.limit(1 / cf.expr, k, sp.oo)
    yield check("lim R_k = oo and ARE_k = 1/k -> 0: collapse", cf.limit == sp.oo and are == 0, limit=cf.limit,
                ARE_limit=are)


def _discard_numeric(budget):
    from numerics.precision import ratios_mp

    G = 200
    with mpmath.workdps(DPS + 10):
        values = ratios_mp(preset("discard", G), DPS + 10)
        worst = max(abs(v - (i + 1)) for i, v in enumerate(values))
        yield close(f"R_k at 50 digits equals k for k <= {G}", worst, 0, mpmath.mpf(10) ** -DPS)
        yield close(f"ARE_{G} = 1/R_{G} = 1/{G} at 50 digits: the efficiency is lost", 1 / values[-1],
                    1 / mpmath.mpf(G), mpmath.mpf(10) ** -DPS)


def _discard_monte_carlo(budget):
    G = 8
    specs = [("gaussian-mean", {}, 20, "cheap", None),
             ("poisson", {"lam": 2}, 50, "cheap", None),
             ("exponential", {"rate": 1}, 100, "cheap", None),
             ("logistic", {"d": 2}, 800, "iterative", compounding(20))]
    checks, points = model_runs(specs, "discard", G, budget, "discard")
    yield from checks
    yield ratio_figure("discard", "discard: the risk ratio grows linearly", [_curve("discard", G, "$R_k = k$")], points)


# =========================================================================== augment
def _augment_symbolic(budget):
    identity = pooled_fit_identity()
    yield check("the pooled augment fit telescopes: H_k = H_{k-1} + eps_{k-1}/k (SymPy, from the definition of "
                "the fit)", identity.proved, definition=identity.definition, update=identity.update,
                residual=identity.residual)
    cf = closed_form("augment")
    yield check("the process variance from the telescoping, sum_{j<=k} 1/j^2, is the closed form proved for every "
                "k from the state-space form", cf is not None and cf.status == "proved"
                and sp.simplify(identity.variance - cf.expr) == 0,
                from_identity=identity.variance, closed_form=cf.expr, recurrence=cf.recurrence, status=cf.status,
                proof=list(cf.proof.steps))
    bound = cf.bound
    proved = (bound is not None and bound.monotone == "increasing" and bound.holds_from == 1
              and bound.relation == sp.Lt(sp.Function("R")(k), PI2_6))
    yield check("R_k increases to pi^2/6, so R_k < pi^2/6 for every k >= 1 (proved)",
                cf.limit == PI2_6 and proved and cf.status == "proved",
                limit=cf.limit, bound=bound.relation if bound else None, supremum=bound.supremum if bound else None)
    are = sp.simplify(1 / cf.limit)
    yield check("ARE_k = 1/R_k > 6/pi^2 = 0.6079... for every k", are == 6 / sp.pi**2 and bool(are > sp.Rational(3, 5)),
                ARE_infimum=are, decimal=sp.N(are, 15))


def _augment_numeric(budget):
    from numerics.precision import limit_estimate, ratios_mp

    with mpmath.workdps(DPS + 10):
        tail = limit_estimate("augment", DPS, route="tail")
        zeta2 = mpmath.zeta(2)
        yield close("lim R_k by the Euler-Maclaurin tail of the exact increments = zeta(2) = pi^2/6 (mpmath)",
                    tail.value, zeta2, tail.error_bound + mpmath.mpf(10) ** -(DPS + 5), method=tail.method,
                    rigorous=tail.rigorous, decimal=tail.decimal)
        G = 400
        values = _augment_values(G)
        gaps = [zeta2 - v for v in values]
        ok = all(1 / mpmath.mpf(i + 2) < g < 1 / mpmath.mpf(i + 1) for i, g in enumerate(gaps))
        yield check(f"pi^2/6 - R_k lies strictly between 1/(k+1) and 1/k for k <= {G} (50 digits): the bound holds "
                    "with a gap of about 1/k", ok, gap_at_G=mpmath.nstr(gaps[-1], 20))
        yield at_most(f"max_k<={G} R_k < pi^2/6", max(values), zeta2, max=mpmath.nstr(max(values), 25))
        check_values = ratios_mp(preset("augment", 40), DPS + 10)
        yield close("the exact process ratios (FLINT rationals) agree with the partial sums at 50 digits, k <= 40",
                    max(abs(a - b) for a, b in zip(check_values, values[:40], strict=True)), 0, mpmath.mpf(10) ** -DPS)


def _augment_values(G):
    """Partial sums of 1/j^2 at the working precision (an independent route to R_k under augment)."""
    out, total = [], mpmath.mpf(0)
    for j in range(1, G + 1):
        total += 1 / mpmath.mpf(j) ** 2
        out.append(total)
    return tuple(out)


def _augment_monte_carlo(budget):
    G = 10
    specs = [("gaussian-mean", {}, 20, "cheap", None),
             ("gaussian-mean", {"estimator": "median"}, 100, "points", steady(0.06)),
             ("poisson", {"lam": 2}, 50, "cheap", None),
             ("logistic", {"d": 2}, 400, "iterative", steady(0.05))]
    checks, points = model_runs(specs, "augment", G, budget, "augment")
    yield from checks
    for label, _, y, yerr in points:
        # No model exceeds the bound: R_G - 4 SE stays below pi^2/6.
        yield at_most(f"{label}: Monte Carlo R_{G} - 4 SE below pi^2/6", y[-1] - 4 * yerr[-1], float(PI2_6))
    yield ratio_figure("augment", r"augment: the risk ratio stays below $\pi^2/6$",
                       [_curve("augment", G, r"$\sum_{j\leq k} 1/j^2$")], points, hlines=[(r"$\pi^2/6$", float(PI2_6))])


# =========================================================================== universality: models, estimators
REGULAR = [("gaussian-mean", "mean"), ("gaussian-mean", "median"), ("gaussian", "mle"), ("bernoulli", "mle"),
           ("poisson", "mle"), ("exponential", "mle"), ("expfam", "mle"), ("linreg", "ols")]


def _settle(expr):
    """Evaluate sums and simplify twice (an expectation may come back as a series times an exponential)."""
    return sp.simplify(sp.expand(sp.simplify(as_sympy(expr).doit())))


def _universality_symbolic(budget):
    for name, estimator in REGULAR:
        model = get_model(name)
        params = model.validate_params({"estimator": estimator} if "estimator" in model.defaults else {})
        psi, score = model.influence_function(estimator, params), model.score(params)
        inner = (psi * score.T).applyfunc(lambda e, m=model, p=params: _settle(m.expectation(e, p)))
        V = model.asymptotic_covariance(estimator, params)
        yield check(f"{name} ({estimator}): E[psi score^T] = I (asymptotically linear and regular), V derived",
                    inner == sp.eye(inner.shape[0]), V=V if V.shape[0] <= 2 else f"{V.shape[0]}x{V.shape[0]} matrix")
    median = get_model("gaussian-mean").asymptotic_covariance("median")
    mean = get_model("gaussian-mean").asymptotic_covariance("mean")
    yield check("the median is not efficient (V = pi sigma^2/2 > sigma^2), yet it enters the process the same way",
                sp.simplify(median[0, 0] / mean[0, 0]) == sp.pi / 2, V_median=median[0, 0], V_mean=mean[0, 0])
    for spec in ("augment", "subsample", "mix:1"):
        out = universal_ratio_symbolic(preset(spec, 4), d=2)
        yield check(f"{spec}: tr(A Cov_kk V)/tr(A Cov_11 V) with symbolic V and A simplifies to the exact R_k",
                    out.symbolic == out.exact and all(not as_sympy(r).free_symbols for r in out.symbolic),
                    symbolic=[str(r) for r in out.symbolic])


def _universality_numeric(budget):
    # R_k at 50 digits from each model's own V (derived by SymPy, at the truth) and a random loss matrix,
    # through the d-dimensional process built from the definition: every H_k is a combination of entry noises.
    rng = np.random.default_rng(np.random.SeedSequence(budget.seed, spawn_key=budget.stream("loss")))
    with mpmath.workdps(DPS + 10):
        for spec in ("augment", "window:2"):
            wf = preset(spec, 5)
            exact = [mpmath.mpf(r.numerator) / r.denominator for r in risk_ratios(wf)]
            for name, estimator in [("gaussian", "mle"), ("linreg", "ols"), ("gaussian-mean", "median")]:
                model = get_model(name)
                params = model.validate_params({"estimator": estimator} if "estimator" in model.defaults else {})
                V = mpmath.matrix(model.asymptotic_covariance(estimator, params).subs(model.truth(params))
                                  .evalf(DPS + 10).tolist())
                d = V.rows
                B = mpmath.matrix(rng.standard_normal((d, d)).tolist())
                A = B * B.T
                risks = _process_risks(wf, V, A)
                ratios = [r / risks[0] for r in risks]
                worst = max(abs(a - b) for a, b in zip(ratios, exact, strict=True))
                yield close(f"{spec}, {name} ({estimator}), d = {d}, random A: R_k at 50 digits = exact ratios",
                            worst, 0, mpmath.mpf(10) ** -(DPS - 5))


def _process_risks(wf, V, A):
    """E H_k^T A H_k for the d-dimensional process, from the definition (THEORY.md §3), at the working precision.

    Entry e of generation k contributes share * (H_src + eps); eps of two entries are correlated only when they
    use the same batch: Cov = V / count in one generation, V / |B| across generations.
    """
    fits = wf.shares()
    combos = []
    for kk, fit in enumerate(fits):
        combo = {}
        for e, s in enumerate(fit):
            w = mpmath.mpf(s.share.numerator) / s.share.denominator
            combo[(kk, e)] = combo.get((kk, e), 0) + w
            if s.batch.startswith("S"):
                for key, coef in combos[s.source - 1].items():
                    combo[key] = combo.get(key, 0) + w * coef
        combos.append(combo)
    trace_AV = mpmath.fsum((A * V)[i, i] for i in range(V.rows))

    def noise(a, b):
        (ka, ea), (kb, eb) = a, b
        sa, sb = fits[ka][ea], fits[kb][eb]
        if sa.batch != sb.batch:
            return 0
        q = sa.count if ka == kb else sa.size
        return mpmath.mpf(q.denominator) / q.numerator

    return [mpmath.fsum(ca * cb * noise(a, b) for a, ca in c.items() for b, cb in c.items()) * trace_AV
            for c in combos]


def _universality_monte_carlo(budget):
    G = 6
    reps = "cheap"
    specs = [("gaussian-mean", {}, 20, reps, None),
             ("gaussian-mean", {"estimator": "median"}, 100, "points", steady(0.06)),
             ("bernoulli", {"p": 0.3}, 100, reps, None),
             ("exponential", {"rate": 2}, 200, reps, steady(0.05)),
             ("gaussian", {"estimator": "mle"}, 100, reps, None),
             ("logistic", {"d": 2}, 400, "iterative", steady(0.05))]
    checks, points = model_runs(specs, "mix:1", G, budget, "universality")
    yield from checks
    yield ratio_figure("models", "mix:1 across models and estimators: one ratio", [_curve("mix:1", G)], points)


# =========================================================================== universality: dimension, loss
def _dimension_symbolic(budget):
    for d in (1, 2, 3):
        out = universal_ratio_symbolic(preset("augment", 3), d=d)
        yield check(f"d = {d}: with symbolic V and A (d x d) the risk ratio simplifies to the exact R_k",
                    out.symbolic == out.exact and all(not as_sympy(r).free_symbols for r in out.symbolic),
                    symbolic=[str(r) for r in out.symbolic], V_entries=len(out.V.free_symbols),
                    A_entries=len(out.A.free_symbols))
    out = universal_ratio_symbolic(preset("weighted:1/2", 3), d=2)
    yield check("weighted:1/2, d = 2: the same (a workflow with fresh real data)", out.symbolic == out.exact,
                symbolic=[str(r) for r in out.symbolic])


def _dimension_numeric(budget):
    rng = np.random.default_rng(np.random.SeedSequence(budget.seed, spawn_key=budget.stream("spd")))
    with mpmath.workdps(DPS + 10):
        for spec in ("augment", "subsample"):
            wf = preset(spec, 5)
            exact = [mpmath.mpf(r.numerator) / r.denominator for r in risk_ratios(wf)]
            for d in (1, 4, 7):
                B, C = (mpmath.matrix(rng.standard_normal((d, d)).tolist()) for _ in range(2))
                V, A = B * B.T, C * C.T
                risks = _process_risks(wf, V, A)
                yield close(f"{spec}, d = {d}, random V and A: R_k at 50 digits = exact ratios",
                            max(abs(r / risks[0] - e) for r, e in zip(risks, exact, strict=True)), 0,
                            mpmath.mpf(10) ** -(DPS - 5))


def _dimension_monte_carlo(budget):
    G = 6
    rng = np.random.default_rng(np.random.SeedSequence(budget.seed, spawn_key=budget.stream("gp-matrices")))
    B, C = rng.standard_normal((3, 3)), rng.standard_normal((3, 3))
    info, loss = B @ B.T + np.eye(3), C @ C.T
    for spec in ("augment", "subsample"):
        res = gp_simulate(spec, G, budget.replicates("process"), budget, f"gp-{spec}", information=info, loss=loss)
        exact = np.array([float(r) for r in risk_ratios(preset(spec, G))])
        yield agrees(f"process simulator, {spec}, d = 3, random Fisher information and loss matrix: R_k = exact",
                     res.ratios[1:], res.stderr[1:], exact[1:], k=4, exact=True, x=list(range(2, G + 1)))
    reps = "cheap"
    specs = [("mvn", {"d": 1}, 30, reps, None), ("mvn", {"d": 4}, 30, reps, None),
             ("linreg", {"d": 2, "design": "fresh"}, 40, reps, steady(0.05)),
             ("linreg", {"d": 8, "design": "fresh"}, 80, reps, steady(0.05)),
             ("logistic", {"d": 4}, 800, "iterative", steady(0.05))]
    checks, points = model_runs(specs, "augment", G, budget, "dimension")
    yield from checks
    yield ratio_figure("dimension", "augment across dimensions", [_curve("augment", G)], points)


# =========================================================================== the Gaussian-process limit
def _covariance_by_definition(wf):
    """Cov(H) from THEORY.md §3 with SymPy rationals, a construction that shares nothing with theory.process."""
    fits = wf.shares()
    combos = []
    for kk, fit in enumerate(fits):
        combo = {}
        for e, s in enumerate(fit):
            w = as_sympy(s.share)
            combo[(kk, e)] = combo.get((kk, e), 0) + w
            if s.batch.startswith("S"):
                for key, coef in combos[s.source - 1].items():
                    combo[key] = combo.get(key, 0) + w * coef
        combos.append(combo)

    def noise(a, b):
        sa, sb = fits[a[0]][a[1]], fits[b[0]][b[1]]
        if sa.batch != sb.batch:
            return 0
        q = sa.count if a[0] == b[0] else sa.size
        return sp.Rational(q.denominator, q.numerator)

    G = len(fits)
    return sp.Matrix(G, G, lambda i, j: sum(ca * cb * noise(a, b) for a, ca in combos[i].items()
                                            for b, cb in combos[j].items()))


GP_WORKFLOWS = ("augment", "subsample", "window:2", "mix:1/2", "weighted:1/2")
MEDIAN_N = 400


def _gp_symbolic(budget):
    for spec in GP_WORKFLOWS:
        wf = preset(spec, 5)
        definition = _covariance_by_definition(wf)
        exact = sp.Matrix([[as_sympy(c) for c in row] for row in covariance(wf)])
        pivots = definition.LDLdecomposition(hermitian=False)[1].diagonal() if definition.det() != 0 else None
        yield check(f"{spec}: Cov(H_1..H_5) from the definition (SymPy) = the exact process covariance, positive "
                    "definite", definition == exact and pivots is not None and all(p > 0 for p in pivots),
                    diagonal=[str(x) for x in exact.diagonal()])
    cov = sp.Matrix(covariance(preset("augment", 4)))
    yield check("augment: Cov(H_j, H_k) = R_j for j <= k (the telescoping's independent increments)",
                all(cov[i, j] == cov[min(i, j), min(i, j)] for i in range(4) for j in range(4)),
                covariance=[[str(x) for x in row] for row in cov.tolist()])


def _gp_numeric(budget):
    from numerics.precision import ratios_mp

    with mpmath.workdps(DPS + 10):
        for spec in GP_WORKFLOWS:
            wf = preset(spec, 30)
            exact = covariance(wf)
            floats = covariance_float(wf)
            worst = max(abs(float(exact[i][j]) - floats[i, j]) for i in range(30) for j in range(30))
            yield check(f"{spec}: the float64 (LAPACK) covariance agrees with the exact one to 1e-12, G = 30",
                        worst < 1e-12, max_error=worst)
        wf = preset("window:3", 40)
        values = ratios_mp(wf, DPS + 10)
        cf = closed_form("window:3")
        evaluate = sp.lambdify(k, cf.expr, "mpmath")   # complex characteristic roots: the real part remains
        closed = [mpmath.re(evaluate(mpmath.mpf(j))) for j in range(1, 41)]
        yield close("window:3: exact ratios at 50 digits = the proved closed form (complex roots) for k <= 40",
                    max(abs(a - b) for a, b in zip(values, closed, strict=True)), 0, mpmath.mpf(10) ** -(DPS - 5))


def _gp_monte_carlo(budget):
    G = 6
    for spec in ("subsample", "window:2"):
        wf = preset(spec, G)
        exact = np.array([[float(c) for c in row] for row in covariance(wf)])
        for estimator, extra in (("efficient", {}), ("median", {"n": MEDIAN_N})):
            # the efficient simulator is cheap: the fixed count; the median's sign counts cost more, and its
            # comparison tolerates 4% (below): the replicates that needs
            reps = (budget.replicates("process") if estimator == "efficient" else
                    Tolerance("process", ratios=False, levels=True, level_relative=0.04))
            res = gp_simulate(spec, G, reps, budget, f"gp-{spec}-{estimator}", estimator=estimator, **extra)
            target = exact if estimator == "efficient" else np.array(
                [[float(c) for c in row] for row in covariance(wf.at_sample_size(MEDIAN_N))])
            iu = np.triu_indices(G)
            # The efficient simulator draws Gaussian score statistics: its covariance estimates the exact one
            # (4 SE). The median's sign counts are binomial: the linearisation is off by O(Var H / n) per
            # generation, hence a stated relative allowance of 4% at n = 400.
            yield agrees(f"process simulator ({estimator}), {spec}: every entry of Cov(H) = exact", res.covariance[iu],
                         res.covariance_stderr[iu], target[iu], k=4, exact=estimator == "efficient",
                         **({} if estimator == "efficient" else {"relative": 0.04}),
                         x=[f"{i + 1},{j + 1}" for i, j in zip(*iu, strict=True)])
    # Fits of nonlinear models against the limit process: E||theta_k - theta_0||^2 against risk_1(n) R_k with
    # risk_1(n) = tr V / n (the model's V, derived symbolically). Under discard the relative deviation is about
    # c k / n (each fit's O(1/n) bias is carried forward): significant at the small n (more than 4 standard
    # errors), and at the large n within 4 standard errors plus a stated allowance of 20 k / n (the logistic
    # fits at the large n get the replicates that tolerance needs).
    points = []
    G = 8
    ks = np.arange(1, G + 1)
    for model, params, spec, small, large, cost in (("gaussian", {"estimator": "mle"}, "discard", 20, 320, "cheap"),
                                                    ("logistic", {"d": 2}, "discard", 50, 400, "iterative")):
        sym = get_model(model)
        valid = sym.validate_params(params)
        deviation = {}
        for n in (small, large):
            # the small n needs the power to show its deviation (the cost class's count); the large n the
            # replicates its tolerance, 4 SE + 20 k/n on the risk itself, needs
            count = budget.replicates(cost) if n == small else Tolerance(cost, ratios=False, levels=True,
                                                                         level_relative=tuple(20 * ks / n))
            res = simulate(model, params, spec, n, G, count, budget, f"limit-{n}")
            mean, se = metric(res, "risk")
            limit = sym.risk1(valid, n) * np.array([float(r) for r in risk_ratios(preset(spec, G).at_sample_size(n))])
            rel, rel_se = mean / limit - 1, se / limit
            deviation[n] = (float(np.max(np.abs(rel))), float(np.max(np.abs(rel) / rel_se)), rel, rel_se)
            ratio, rse = simulated_ratios(res)
            points.append((f"{model}, n = {n}", list(range(1, G + 1)), ratio.tolist(), rse.tolist()))
        (d_small, z_small, _, _), (d_large, z_large, rel, rel_se) = deviation[small], deviation[large]
        allowance = 20 * ks / large
        yield check(f"{model}, {spec}: the relative deviation of the risk from the limit process exceeds 4 SE at "
                    f"n = {small}, shrinks at n = {large}, and is there within 4 SE + 20 k/n",
                    z_small > 4 and d_large < d_small and bool(np.all(np.abs(rel) <= 4 * rel_se + allowance)),
                    max_relative_deviation_small_n=d_small, z_small_n=z_small, max_relative_deviation_large_n=d_large,
                    z_large_n=z_large)
    yield ratio_figure("limit", "Fits approach the Gaussian-process limit as n grows (discard)",
                       [_curve("discard", G, "process")], points)


# =========================================================================== any workflow
CUSTOM = {"name": "fresh real data plus the last two synthetic batches", "real": 1,
          "generations": [{"fit": [{"batch": "R0", "count": 1}], "emit": 1}],
          "then": {"new_real": 1, "emit": 1,
                   "fit": [{"batch": "R[0]", "weight": "1/2"}, {"batch": "S[-2:]", "weight": "1/4"}]}}


def _framework_symbolic(budget):
    for spec in ("window:2", "window:3", "mix:1/2", "weighted:1/2", "subsample"):
        cf = closed_form(spec)
        ok = cf is not None and cf.status == "proved"
        yield check(f"{spec}: closed form proved for every k (recurrence derived from the state-space form, solved, "
                    "substituted back, induction on the initial values)", ok,
                    closed_form=cf.expr if cf else None, limit=cf.limit if cf else None,
                    status=cf.status if cf else None, method=cf.proof.method if cf else None)
    wf = Workflow.from_data(CUSTOM, generations=3)
    cf = closed_form(Workflow.from_data(CUSTOM))
    yield check("a workflow written as data (fresh real data + the last two synthetic batches) gets a closed form "
                "and limit proved for every k", cf is not None and cf.status == "proved" and cf.limit is not None
                and cf.limit.is_finite,
                closed_form=cf.expr if cf else None, limit=cf.limit if cf else None,
                first=[str(r) for r in risk_ratios(wf)])


def _framework_numeric(budget):
    from numerics.precision import limit_estimate

    with mpmath.workdps(DPS + 10):
        for spec in ("mix:1/2", "weighted:1/2", "subsample", Workflow.from_data(CUSTOM)):
            label = spec if isinstance(spec, str) else "custom workflow"
            sym = limit_estimate(spec, DPS, route="symbolic")
            tail = limit_estimate(spec, DPS, route="tail")
            yield close(f"{label}: lim R_k from the closed form = from the exact tail (rigorous bounds), 50 digits",
                        sym.value, tail.value, sym.error_bound + tail.error_bound + mpmath.mpf(10) ** -(DPS + 5),
                        decimal=tail.decimal, method=tail.method)
        est = limit_estimate("window:2", 20)
        yield check("window:2: the real data drop out, lim R_k = oo", not est.finite, decimal=est.decimal)


def _framework_monte_carlo(budget):
    G = 8
    wf = Workflow.from_data(CUSTOM, generations=G)
    exact = np.array([float(r) for r in risk_ratios(wf)])
    res = gp_simulate(wf, G, budget.replicates("process"), budget, "custom")
    yield agrees("process simulator, custom workflow: R_k = exact", res.ratios[1:], res.stderr[1:], exact[1:], k=4,
                 exact=True, x=list(range(2, G + 1)))
    curves, points = [("custom workflow (exact)", list(range(1, G + 1)), exact.tolist())], []
    points.append(("process simulator, custom", list(range(1, G + 1)), res.ratios.tolist(), res.stderr.tolist()))
    for spec in ("window:3", "mix:2", "weighted:0.3"):
        res = simulate("gaussian-mean", {}, spec, 20, G, budget.replicates("cheap"), budget, "framework")
        # Exact at every n for the Gaussian mean.
        yield ratio_check(f"Gaussian-mean fits, {spec}: R_k = the exact process at n = 20", res,
                          risk_ratios(preset(spec, G).at_sample_size(20)), k=4, exact=True)
        points.append(ratio_points(f"Gaussian mean, {spec}", res))
        curves.append(_curve(spec, G))
    yield ratio_figure("workflows", "Other workflows: exact sequences and simulation", curves, points)


# =========================================================================== the claims
def claims():
    return [
        Claim("discard-linear-growth",
              statement=("Under the discard workflow the risk ratio is R_k = k for every regular model: the risk grows "
                         "linearly and the asymptotic relative efficiency 1/k tends to 0 (collapse)."),
              latex=r"R_k^{\mathrm{discard}} = k,\qquad \mathrm{ARE}_k = \frac1k \to 0",
              source=DEY_DONOHO, symbolic=_discard_symbolic, numeric=_discard_numeric,
              monte_carlo=_discard_monte_carlo, tags=("discard",)),
        Claim("augment-pi2over6-bound",
              statement=("Under the augment workflow the pooled fit telescopes, H_k = H_{k-1} + eps_{k-1}/k, so "
                         "R_k = sum_{j<=k} 1/j^2 increases to pi^2/6 and stays below it for every k: "
                         "ARE_k > 6/pi^2 = 0.6079..."),
              latex=r"R_k^{\mathrm{augment}} = \sum_{j=1}^k \frac{1}{j^2} < \frac{\pi^2}{6},\qquad "
                    r"\mathrm{ARE}_k > \frac{6}{\pi^2}",
              source=DEY_DONOHO, symbolic=_augment_symbolic, numeric=_augment_numeric,
              monte_carlo=_augment_monte_carlo, tags=("augment",)),
        Claim("universality-models-estimators",
              statement=("The risk ratio of a workflow is the same for every regular model and every asymptotically "
                         "linear estimator, efficient or not (the sample median included): V cancels."),
              latex=r"\frac{\mathbb E\|\hat\theta_k-\theta_0\|_A^2}{\mathbb E\|\hat\theta_1-\theta_0\|_A^2} "
                    r"\to \frac{\operatorname{Var} H_k}{\operatorname{Var} H_1}\ \text{for every } (P_\theta, T)",
              source=DEY_DONOHO, symbolic=_universality_symbolic, numeric=_universality_numeric,
              monte_carlo=_universality_monte_carlo, tags=("universality",)),
        Claim("universality-dimension-loss",
              statement=("Nor does the risk ratio depend on the dimension d of the parameter or on the loss matrix A "
                         "(squared error, local KL, prediction error)."),
              latex=r"\frac{\operatorname{tr}(A\,\mathrm{Cov}(H)_{kk} V)}{\operatorname{tr}(A\,\mathrm{Cov}(H)_{11} V)}"
                    r" = R_k\quad\text{for all } d,\ V \succ 0,\ A \succeq 0",
              source=DEY_DONOHO, symbolic=_dimension_symbolic, numeric=_dimension_numeric,
              monte_carlo=_dimension_monte_carlo, tags=("universality",)),
        Claim("gaussian-process-limit",
              statement=("As n grows with G fixed, the scaled errors sqrt(n)(theta_k - theta_0) converge jointly to "
                         "the sequential Gaussian process whose covariance is computed exactly; the process can be "
                         "simulated from batch score statistics (efficient estimator or median), and fits of "
                         "nonlinear models approach it as n grows."),
              latex=r"\bigl(\sqrt n(\hat\theta_k-\theta_0)\bigr)_{k\le G} \Rightarrow (H_k)_{k\le G},\quad "
                    r"H_k = \sum_e \omega_{ke}\,(H_{\mathrm{src}(e)} + \varepsilon_{ke})",
              source=DEY_DONOHO, symbolic=_gp_symbolic, numeric=_gp_numeric, monte_carlo=_gp_monte_carlo,
              tags=("process",)),
        Claim("workflow-framework",
              statement=("Every workflow, preset or written as data, gets its exact risk sequence, a proved closed "
                         "form and limit where one exists, confirmed by the process simulator and by fits."),
              latex=r"\text{workflow} \mapsto (R_k)_{k\ge1},\ \text{closed form},\ \lim_{k\to\infty} R_k",
              source=DEY_DONOHO, symbolic=_framework_symbolic, numeric=_framework_numeric,
              monte_carlo=_framework_monte_carlo, tags=("framework",)),
    ]

