"""Shared pieces of the ledger: the sources, and helpers that turn theory and simulation into checks."""

from __future__ import annotations

import numpy as np

from theory import preset, risk_ratios
from theory.rationals import as_fraction

from ..claims import Figure, Source, Tolerance, agrees, check, ratio_stderr

DEY_DONOHO = Source("Dey & Donoho", 2024, "Universality of the pi^2/6 pathway in avoiding model collapse",
                    reference="arXiv:2410.22812")
GERSTGRASSER = Source("Gerstgrasser et al.", 2024, "Is model collapse inevitable? Breaking the curse of "
                      "recursion by accumulating real and synthetic data", reference="arXiv:2404.01413")
SHUMAILOV = Source("Shumailov et al.", 2024, "AI models collapse when trained on recursively generated data",
                   reference="Nature 631, 755-759")
KAZDAN = Source("Kazdan et al.", 2024, "Collapse or thrive? Perils and promises of synthetic data in a "
                "self-generating world", reference="arXiv:2410.16713")
BERTRAND = Source("Bertrand et al.", 2024, "On the stability of iterative retraining of generative models on "
                  "their own data", reference="ICLR 2024, arXiv:2310.00429")
HE_XU_CHENG = Source("He, Xu & Cheng", 2025, "Golden ratio weighting prevents model collapse",
                     reference="arXiv:2502.18049")
SURESH = Source("Suresh et al.", 2024, "Rate of model collapse in recursive training",
                reference="arXiv:2412.17646")
DOHMATOB = Source("Dohmatob, Feng, Yang, Charton & Kempe", 2024, "A tale of tails: model collapse as a change of "
                  "scaling laws", reference="ICML 2024, arXiv:2402.07043")
FERBACH = Source("Ferbach, Bertrand, Bose & Gidel", 2024, "Self-consuming generative models with curated data "
                 "provably optimize human preferences", reference="NeurIPS 2024, arXiv:2407.09499")
SEDDIK = Source("Seddik, Chen, Hayou, Youssef & Debbah", 2024, "How bad is training on synthetic data? A "
                "statistical analysis of language model collapse", reference="arXiv:2404.05090")
DOHMATOB_FENG_KEMPE = Source("Dohmatob, Feng & Kempe", 2024, "Model collapse demystified: the case of regression",
                             reference="NeurIPS 2024, arXiv:2402.07712")
GARG_BHATTACHARYA_SUR = Source("Garg, Bhattacharya & Sur", 2025, "Preventing model collapse under "
                               "overparametrization: optimal mixing ratios for interpolation learning and ridge "
                               "regression", reference="arXiv:2509.22341")
STRONG_COLLAPSE = Source("Dohmatob, Feng, Subramonian & Kempe", 2024, "Strong model collapse",
                         reference="ICLR 2025, arXiv:2410.04840")

DPS = 50  # digits for the numeric evidence


def fractions_equal(what, derived, exact, **details):
    """A check that two sequences of exact rationals (Fraction, SymPy or FLINT) agree term by term."""
    derived, exact = [as_fraction(x) for x in derived], [as_fraction(x) for x in exact]
    bad = [i + 1 for i, (a, b) in enumerate(zip(derived, exact, strict=True)) if a != b]
    return check(what, not bad, terms=len(exact), first=[str(x) for x in exact[:6]],
                 **({"mismatch_at": bad[:5]} if bad else {}), **details)


# --------------------------------------------------------------------------- Monte Carlo
def simulate(model, params, workflow, n, generations, replicates, budget, label):
    """Monte Carlo of real model fits (numerics.montecarlo.simulate) on the claim's own stream.

    ``replicates`` is a number, or the :class:`~proofs_check.claims.Tolerance` of the
    comparison the run serves, from which the number follows: a pilot of the first
    blocks measures the spread of the compared statistics (:func:`relative_spread`),
    the budget turns it into replicates (:meth:`~proofs_check.claims.Budget.replicates_for`),
    and the remaining blocks are added to the pilot's. Blocks draw from their own seeds,
    so the result is the one a run of that many replicates gives from the start, and
    it depends only on the seed.
    """
    from dataclasses import replace

    from numerics.montecarlo import BLOCK, SimulationConfig, SimulationResult, simulate_blocks
    from numerics.montecarlo import simulate as run
    from theory.predictions import predict

    stream = budget.stream(label, model, workflow, n)
    if not isinstance(replicates, Tolerance):
        config = SimulationConfig(model, dict(params), workflow, n, generations, replicates).validated()
        return run(config, budget.seed, progress=False, stream=stream)
    low, high = budget.replicate_bounds(replicates)
    pilot = -(-low // BLOCK)
    widest = SimulationConfig(model, dict(params), workflow, n, generations, max(high, pilot * BLOCK)).validated()
    prediction = predict(widest.model, widest.params, widest.workflow_at_n(), widest.n)   # once, before any work
    sums = simulate_blocks(widest, budget.seed, range(pilot), stream)
    first = SimulationResult.from_blocks(replace(widest, replicates=pilot * BLOCK), budget.seed, sums, prediction)
    spread, tolerance = relative_spread(first, replicates)
    total = budget.replicates_for(tolerance, spread)
    if total <= pilot * BLOCK:
        return first
    config = replace(widest, replicates=total)
    sums += simulate_blocks(config, budget.seed, range(pilot, -(-total // BLOCK)), stream)
    return SimulationResult.from_blocks(config, budget.seed, sums, prediction)


def relative_spread(result, tolerance, name="risk"):
    """One replicate's standard deviation over |value| for each statistic a comparison looks at.

    The statistics are the ratios R_k = metric_k / metric_1 for k >= 2 (when
    ``tolerance.ratios``, with the allowances ``tolerance.relative``) and the metric
    itself at every generation (when ``tolerance.levels`` says so, None meaning: when
    the toolkit's prediction of it is exact at this n; with the allowances
    ``tolerance.level_relative``). Returns the spreads and a tolerance with one
    allowance per spread, for :meth:`~proofs_check.claims.Budget.replicates_for`.

    Examples
    --------
    >>> from proofs_check.claims import QUICK
    >>> res = simulate("gaussian-mean", {}, "discard", 20, 3, 4000, QUICK, "doc")
    >>> spread, tol = relative_spread(res, Tolerance("cheap"))
    >>> len(spread), [round(float(s), 1) for s in spread[2:]]     # R_2, R_3, then the exact risks
    (5, [1.4, 1.4, 1.4])
    """
    from dataclasses import replace

    R, G = result.config.replicates, result.config.G
    spread, allowance = [], []
    if tolerance.ratios:
        ratio, rse = simulated_ratios(result, name)
        with np.errstate(divide="ignore", invalid="ignore"):
            spread.append(np.abs(rse[1:] / ratio[1:]) * np.sqrt(R))
        allowance.append(np.broadcast_to(np.asarray(tolerance.relative, dtype=float), (G - 1,)))
    levels = tolerance.levels if tolerance.levels is not None else exact_note(result, name)
    if levels:
        mean, se = metric(result, name)
        with np.errstate(divide="ignore", invalid="ignore"):
            spread.append(np.abs(se / mean) * np.sqrt(R))
        allowance.append(np.broadcast_to(np.asarray(tolerance.level_relative, dtype=float), (G,)))
    if not spread:
        raise ValueError(f"the tolerance compares nothing: no ratios, and the prediction of {name!r} is not exact")
    return np.concatenate(spread), replace(tolerance, relative=tuple(np.concatenate(allowance).tolist()))


def metric(result, name):
    """(mean, stderr) arrays of one metric of a SimulationResult."""
    m = result.metrics[name]
    return np.asarray(m["mean"], dtype=float), np.asarray(m["stderr"], dtype=float)


def prediction(result, name):
    """The toolkit's own prediction of a metric (theory.predictions via the simulation), or None."""
    values = (result.theory or {}).get(name)
    return None if values is None else np.asarray(values, dtype=float)


def exact_note(result, name):
    """Whether the toolkit's prediction of metric ``name`` is exact at the simulated n."""
    return str((result.notes or {}).get(name, "")).startswith("exact")


def simulated_ratios(result, name="risk"):
    """R_k = metric_k / metric_1 of a simulation and their standard errors (the delta method with the
    covariance of the two means, :func:`numerics.uncertainty.ratio_stderr`)."""
    return ratio_stderr(**result.metrics[name])


def ratio_check(what, result, target, *, k=4.0, allowance=0.0, exact, start=1, **details):
    """R_k = risk_k / risk_1 from a simulation against ``target`` (ratios)."""
    ratio, rse = simulated_ratios(result)
    target = np.asarray([float(t) for t in target], dtype=float)
    sl = slice(start, None)
    return agrees(what, ratio[sl], rse[sl], target[sl], k=k, allowance=allowance, exact=exact,
                  x=list(range(start + 1, len(ratio) + 1)), **details)


def ratio_points(label, result):
    ratio, rse = simulated_ratios(result)
    x = list(range(1, len(ratio) + 1))
    return (label, x, ratio.tolist(), rse.tolist())


def steady(fraction):
    """Relative finite-n allowance that does not grow with k.

    In workflows that keep real data in every fit, one fit's O(1/n) deviation from
    the limit does not build up: at n >= 100 the measured deviations of the ratio are
    a few per cent (median, exponential, logistic, fresh-design OLS).
    """
    return lambda ks, n: np.full(len(ks), float(fraction))


def compounding(rate):
    """Relative finite-n allowance ``rate * (k - 1) / n`` for R_k (``rate * k / n`` for the risk itself).

    Under discard every fit's O(1/n) bias is carried into the next, so the distance to
    the limit grows about linearly in k (the logistic MLE: about 10 k/n).
    """
    return lambda ks, n: rate * (np.asarray(ks, dtype=float) - 1) / n


def model_runs(specs, workflow, G, budget, label):
    """Monte Carlo of several models on one workflow, each compared with the process.

    ``specs`` holds ``(model, params, n, replicates, allowance)`` with ``allowance``
    from :func:`steady` or :func:`compounding` (or None), and ``replicates`` a number
    or a cost class (``"cheap"``, ``"points"``, ``"iterative"``): then the replicates
    follow from the comparison's tolerance (4 standard errors within the budget's
    resolution, or within the allowance where that is wider). When the toolkit's
    prediction of the risk is exact at that n the risk itself is compared with it (4
    standard errors, no allowance); the ratio R_k is then compared with the universal
    ratio of the process with an allowance equal to the exact finite-n gap. Otherwise
    the ratio is compared with the process under the stated finite-n allowance.

    Returns (checks, figure points).
    """
    checks, points = [], []
    for model, params, n, reps, relative in specs:
        if isinstance(reps, str):
            reps = Tolerance(reps, relative=relative(range(2, G + 1), n) if relative is not None else 0.0)
        res = simulate(model, params, workflow, n, G, reps, budget, label)
        universal = np.array([float(r) for r in risk_ratios(preset(workflow, G).at_sample_size(n))])
        name = f"{model}" + (f" ({params['estimator']})" if "estimator" in params else "") + f", n = {n}"
        mean, se = metric(res, "risk")
        if exact_note(res, "risk"):
            exact = np.asarray(res.theory["risk"], dtype=float)
            checks.append(agrees(f"{name}, {workflow}: risk = the exact finite-n prediction", mean, se, exact, k=4,
                                 exact=True))
            gap = float(np.max(np.abs(exact / exact[0] - universal)))
            if gap < 1e-12:   # the exact finite-n ratio is the universal one (up to rounding)
                checks.append(ratio_check(f"{name}, {workflow}: R_k = the universal ratio, exact at this n", res,
                                          universal, k=4, exact=True))
            else:
                checks.append(ratio_check(f"{name}, {workflow}: R_k = the universal ratio (allowance: the exact "
                                          f"finite-n gap {gap:.3g})", res, universal, k=4, allowance=gap,
                                          exact=False))
        else:
            if relative is None:
                raise ValueError(f"{name}: an asymptotic comparison needs a stated finite-n allowance")
            checks.append(_relative_ratio_check(name, workflow, res, universal, relative(range(2, G + 1), n)))
        points.append(ratio_points(name, res))
    return checks, points


def _relative_ratio_check(name, workflow, res, universal, relative):
    ratio, rse = simulated_ratios(res)
    # Asymptotic target: 4 standard errors plus the stated relative finite-n allowance.
    return agrees(f"{name}, {workflow}: R_k = the universal ratio (asymptotic)", ratio[1:], rse[1:], universal[1:],
                  k=4, relative=relative, exact=False, x=list(range(2, len(ratio) + 1)))


def ratio_figure(name, title, curves, points, hlines=(), ylabel="risk ratio $R_k$", logy=False):
    return Figure(name, title, "generation $k$", ylabel, tuple(curves), tuple(points), logy, tuple(hlines))


def gp_simulate(workflow, generations, replicates, budget, label, **options):
    """The Gaussian-process simulator (numerics.gp_simulator.simulate_gp) on the claim's own stream.

    ``options`` go to ``simulate_gp`` (``estimator``, ``n``, ``information``, ``loss``).
    ``replicates`` is a number, or a :class:`~proofs_check.claims.Tolerance` from which
    the number follows: a pilot measures the spread of the ratios R_k (k >= 2) and, with
    ``levels=True``, of the covariance entries (upper triangle, row by row); the run is
    then repeated at the replicates the tolerance needs (its blocks include the
    pilot's, so the result depends only on the seed).
    """
    from numerics.gp_simulator import simulate_gp

    wf = workflow if not isinstance(workflow, str) else preset(workflow, generations)
    stream = budget.stream(label, wf.name or "workflow")
    if not isinstance(replicates, Tolerance):
        return simulate_gp(wf, int(replicates), budget.seed, stream=stream, **options)
    low = budget.replicate_bounds(replicates)[0]
    pilot = simulate_gp(wf, low, budget.seed, stream=stream, **options)
    spread, allowance = [], []
    with np.errstate(divide="ignore", invalid="ignore"):
        if replicates.ratios:
            spread.append(np.abs(pilot.stderr[1:] / pilot.ratios[1:]) * np.sqrt(low))
            allowance.append(np.broadcast_to(np.asarray(replicates.relative, dtype=float), spread[-1].shape))
        if replicates.levels:
            iu = np.triu_indices(len(pilot.ratios))
            spread.append(np.abs(pilot.covariance_stderr[iu] / pilot.covariance[iu]) * np.sqrt(low))
            allowance.append(np.broadcast_to(np.asarray(replicates.level_relative, dtype=float), spread[-1].shape))
    from dataclasses import replace

    tolerance = replace(replicates, relative=tuple(np.concatenate(allowance).tolist()))
    total = budget.replicates_for(tolerance, np.concatenate(spread))
    return pilot if total <= low else simulate_gp(wf, total, budget.seed, stream=stream, **options)


def vanishes(expr, k):
    """Whether SymPy proves ``expr`` = 0 identically, for a sum of geometric terms in the integer ``k``.

    Every power ``base**(a k + b)`` is written as ``t * base**b`` with a fresh symbol
    ``t`` standing for ``base**(a k)``; the remaining rational function must
    simplify to 0. That proves the identity for every k.

    Examples
    --------
    >>> import sympy as sp
    >>> k, w = sp.Symbol("k", integer=True, positive=True), sp.Symbol("w", positive=True)
    >>> vanishes((w - 1)**(2*k) - (w - 1)**2 * (w - 1)**(2*k - 2), k)
    True
    """
    import sympy as sp

    if sp.simplify(expr) == 0:
        return True
    fresh = {}

    def replace(power):
        base, exponent = power.as_base_exp()
        poly = sp.Poly(sp.expand(exponent), k)
        if poly.degree() != 1:
            raise ArithmeticError(f"exponent {exponent} is not linear in {k}")
        a, b = poly.all_coeffs()
        t = fresh.setdefault(base, sp.Dummy("t"))  # t stands for base**k
        return t**a * base**b

    factored = sp.expand(expr).replace(lambda e: e.is_Pow and e.exp.has(k), lambda p: sp.factor(p.base) ** p.exp)
    flat = sp.expand_power_base(sp.expand_power_exp(factored), force=True)
    rewritten = flat.replace(lambda e: e.is_Pow and e.exp.has(k), replace)
    return sp.simplify(rewritten) == 0
