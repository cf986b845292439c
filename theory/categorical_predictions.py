"""What the toolkit predicts for a simulation of the categorical model, metric by metric.

=================  =================================================================================
metric             prediction
=================  =================================================================================
``risk``           exact under every workflow, with or without smoothing
                   (:mod:`theory.category_moments`)
``lost_mass``,     without smoothing: sum_i p_i E(1 - p_i)^A and K - sum_i E(1 - p_i)^A over the law
``support``        of the distinct real ancestors A (:mod:`theory.ancestry`): exact for
                   discard-shaped workflows (the ancestral chain, while its cost stays in
                   seconds) and wherever the fit keeps every real batch it descends from
                   whole (augment, mix); otherwise the mean-field genealogy (asymptotic).
                   With smoothing every category keeps positive mass: 0 and K, exact.
``memorizer_error``  the same sums over the ancestors of T draws from the fit (exact for
                   discard-shaped workflows); with smoothing, second order in the exact moments
``kl_infinite``    P(some category of positive mass is absent): exact for a uniform truth (the
                   occupancy law of its ancestors) and for at most 12 categories
                   (inclusion-exclusion); otherwise between
                   1 - prod_i (1 - (1 - p_i)^{max A}) (negative association of multinomial counts)
                   and the expected number of absent categories, reported when the two agree
                   to 1e-9; 0 with smoothing
``tv``             exact when the fit pools real data only (binomial mean absolute deviations);
                   otherwise 2 p_i P(q_i = 0) for categories rarer than the fit's smallest
                   positive frequency and the Gaussian limit with the exact variance for
                   the others (asymptotic)
``kl``             second order in the exact means and variances (asymptotic: n -> infinity at
                   fixed K); the mean where KL is finite
``failed``         0, exact
=================  =================================================================================

A workflow that curates (:mod:`theory.curation`) is predicted by its deterministic
trajectory as n -> infinity at fixed K (every metric asymptotic), with two more
metrics: ``reward`` (the fit's expected reward under the first curation's reward) and
``entropy`` (of the fit).
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
from scipy import special

from .ancestry import (
    AncestorLaw,
    Categories,
    ancestor_laws,
    ball_steps,
    occupancy_step,
    real_ancestors_mean_field,
)
from .category_moments import category_moments
from .curation import curate_probabilities
from .models.categorical import categorical_truth
from .rationals import to_rational

__all__ = ["predict_categorical", "EXACT_CHAIN_BALLS", "binomial_mean_abs_dev", "curated_trajectory"]

EXACT_CHAIN_BALLS = 400_000     # the exact ancestral chain is used while it adds at most this many balls
_TIGHT = 1e-9
_SUBSETS_K = 12                 # inclusion-exclusion over the subsets of at most this many categories


def predict_categorical(params, workflow, n, entries, discard_sizes):
    """The prediction for the categorical model: ``(metrics, notes)``, each a dict by metric name.

    Parameters
    ----------
    params : dict
        Validated parameters.
    workflow : Workflow
        At sample size n.
    n : int
    entries : list
        ``fit_points(workflow, n)``.
    discard_sizes : list of int or None
        The fitted sizes when the workflow is discard-shaped.
    """
    truth = categorical_truth(params)
    p = truth.p
    K, G = truth.K, workflow.G
    alpha = to_rational(params["alpha"])
    T = int(params["T"]) if params.get("T") else int(workflow.real * n)
    curations = [g.curate for g in workflow.generations if getattr(g, "curate", None) is not None]
    out = {"failed": ([0.0] * G, "exact: the empirical frequencies are defined on every sample")}
    if curations:
        out.update(_curated(p, workflow, entries, T, curations))
        return out
    moments = category_moments(entries, K, alpha)
    risk = moments.risk(truth.sum_p2)
    out["risk"] = ([float(r) for r in risk], "exact: per-category moment recursion (binomial noise of every "
                   "batch and subsample)" + (", add-alpha smoothing as an affine shrinkage" if alpha else ""))
    stats = [moments.at(k, p) for k in range(1, G + 1)]
    out.update(_second_order(p, stats, T, alpha))
    if alpha:
        out["lost_mass"] = ([0.0] * G, "exact: smoothing gives every category positive mass")
        out["support"] = ([float(K)] * G, "exact: smoothing gives every category positive mass")
        out["kl_infinite"] = ([0.0] * G, "exact: smoothing gives every category positive mass")
        return out
    laws, memo, exact, memo_exact, how = _ancestry(entries, discard_sizes, T, G)
    cats = Categories(p)
    positive = (p > 0).astype(float)
    rare = _rare_weights(p, entries)
    sums = [cats.expected_powers(law, np.vstack([p, positive, w])) for law, w in zip(laws, rare, strict=True)]
    lost = [float(s[0]) for s in sums]
    absent = [float(s[1]) for s in sums]
    kind = "exact" if exact else "asymptotic"
    out["lost_mass"] = (lost, f"{kind}: sum_i p_i E(1 - p_i)^A over the distinct real ancestors A ({how})")
    out["support"] = ([float(positive.sum()) - a for a in absent],
                      f"{kind}: K - sum_i E(1 - p_i)^A over the distinct real ancestors A ({how})")
    out["memorizer_error"] = ([cats.expected_powers(law) for law in memo],
                              f"{'exact' if memo_exact else 'asymptotic'}: sum_i p_i E(1 - p_i)^A over the "
                              f"distinct real ancestors of T = {T} draws from the fit ({how})")
    out["kl_infinite"] = _kl_infinite(truth, p, laws, absent, exact)
    out["tv"] = _tv(p, entries, stats, [float(s[2]) for s in sums], exact)
    return out


# --------------------------------------------------------------------------- the ancestors
def _ancestry(entries, sizes, T, G):
    """Laws (or mean-field values) of the ancestors of each fit's data and of T draws from each fit."""
    if sizes is not None:
        equal = len(set(sizes)) == 1
        chains = [(sizes[0], sizes[:1] * (G - 1)), (T, sizes[:1] * G)] if equal else \
            [(sizes[k - 1], sizes[k - 2::-1]) for k in range(2, G + 1)] + \
            [(T, sizes[k - 1::-1]) for k in range(1, G + 1)]
        work = sum(ball_steps(start, boxes) for start, boxes in chains)
        if work <= EXACT_CHAIN_BALLS:
            if equal:
                data = [AncestorLaw.point(sizes[0])] + ancestor_laws(sizes[0], sizes[:1] * (G - 1))
                memo = ancestor_laws(T, sizes[:1] * G)
            else:
                data = [AncestorLaw.point(sizes[0])] + [ancestor_laws(sizes[k - 1], sizes[k - 2::-1])[-1]
                                                        for k in range(2, G + 1)]
                memo = [ancestor_laws(T, sizes[k - 1::-1])[-1] for k in range(1, G + 1)]
            return data, memo, True, True, "the exact ancestral chain of discard"
    data, memo, exact = [], [], True
    for k in range(1, G + 1):
        anc = real_ancestors_mean_field(entries, k)
        data.append(AncestorLaw.point(round(anc.mean)) if anc.exact else anc.mean)
        exact &= anc.exact
        memo.append(real_ancestors_mean_field(entries, k, draws=T).mean)
    how = ("every real batch the fit descends from is in it whole" if exact else
           "mean-field genealogy: distinct-ancestor counts at their law-of-large-numbers values")
    return data, memo, exact, False, how


def _coverage_by_subsets(pos, law):
    """E P(A draws from p cover every category) by inclusion-exclusion over the subsets (few categories)."""
    masks = np.arange(2 ** len(pos))
    members = (masks[:, None] >> np.arange(len(pos))) & 1
    sign = np.where(members.sum(axis=1) % 2, -1.0, 1.0)
    rest = np.clip(1.0 - members @ pos, 0.0, None)
    a = np.arange(law.offset, law.offset + len(law.pmf))
    return float(sign @ (rest[:, None] ** a[None, :]) @ law.pmf)


def _kl_infinite(truth, p, laws, absent, exact):
    pos = p[p > 0]
    uniform = truth.description.startswith("uniform")
    values, exact_all, loose = [], exact, []
    for k, (law, expected_absent) in enumerate(zip(laws, absent, strict=True), start=1):
        if uniform and isinstance(law, AncestorLaw):
            covered = occupancy_step(law, len(p))
            top = covered.offset + len(covered.pmf) - 1
            values.append(1.0 - (float(covered.pmf[-1]) if top == len(p) else 0.0))
            continue
        if len(pos) <= _SUBSETS_K and isinstance(law, AncestorLaw):
            values.append(1.0 - _coverage_by_subsets(pos, law))
            continue
        a_max = law.offset + len(law.pmf) - 1 if isinstance(law, AncestorLaw) else law
        with np.errstate(divide="ignore"):
            log_cover = float(np.sum(np.log1p(-np.exp(a_max * np.log1p(-pos)))))
        lower, upper = -math.expm1(log_cover), min(1.0, expected_absent)
        if upper - lower <= _TIGHT:
            values.append(0.5 * (lower + upper))
        else:
            values.append(None)
            loose.append(f"k = {k}: [{lower:.4g}, {upper:.4g}]")
    if loose:
        return None, ("none: P(some category lost) is only bracketed (negative association and the union "
                      "bound): " + "; ".join(loose[:4]) + ("; ..." if len(loose) > 4 else ""))
    how = ("the occupancy law of the ancestors over the K equally likely categories" if uniform else
           "inclusion-exclusion over the subsets of categories" if len(pos) <= _SUBSETS_K else
           "the negative-association and union bounds agree to 1e-9")
    return values, f"{'exact' if exact_all else 'asymptotic'}: {how}"


def _pooled_real(row):
    live = [e for e in row if e.share]
    total = sum(e.count for e in live)
    return all(e.source == 0 and e.share == Fraction(e.count, total) for e in live), total


def binomial_mean_abs_dev(m, p):
    """E|X - m p| for X ~ Binomial(m, p_i), every p_i at once (de Moivre's closed form).

    E|X - m p| = 2 nu C(m, nu) p^nu (1 - p)^(m - nu + 1) with nu = floor(m p) + 1.

    Examples
    --------
    >>> bool(np.isclose(binomial_mean_abs_dev(2, np.array([0.5]))[0], 0.5))
    True
    """
    p = np.asarray(p, dtype=float)
    out = np.zeros_like(p)
    inner = (p > 0) & (p < 1)
    q = p[inner]
    nu = np.floor(m * q) + 1
    with np.errstate(divide="ignore"):
        log = (np.log(2 * nu) + special.gammaln(m + 1) - special.gammaln(nu + 1) - special.gammaln(m - nu + 1)
               + nu * np.log(q) + (m - nu + 1) * np.log1p(-q))
    out[inner] = np.where(nu <= m, np.exp(log), 0.0)
    return out


def _rare_weights(p, entries):
    """Per generation, p_i for the categories rarer than the fit's smallest positive frequency, else 0."""
    return [np.where(p < min(float(e.share) / e.count for e in row if e.share), p, 0.0) for row in entries]


def _tv(p, entries, stats, rare_absent, exact):
    """``rare_absent``: per generation, sum over the rare categories of p_i P(q_i = 0)."""
    values, all_exact = [], True
    for row, (_, var), term in zip(entries, stats, rare_absent, strict=True):
        pooled, m = _pooled_real(row)
        if pooled:
            values.append(float(binomial_mean_abs_dev(m, p).sum()) / (2 * m))
            continue
        all_exact = False
        rare = p < min(float(e.share) / e.count for e in row if e.share)
        gauss = np.sqrt(2.0 * var[~rare] / np.pi)
        values.append(term + 0.5 * float(gauss.sum()))
    note = ("exact: binomial mean absolute deviations of a pooled real sample" if all_exact else
            "asymptotic: exact 2 p_i P(q_i = 0) for categories rarer than the fit's smallest positive "
            "frequency, the Gaussian limit with the exact variance for the others"
            + ("" if exact else " (absences from the mean-field genealogy)")
            + "; generations fitted on pooled real data are exact")
    return values, note


def _second_order(p, stats, T, alpha):
    """KL (and with smoothing TV and the memoriser) to second order in the exact moments."""
    kl, tv, memo = [], [], []
    pos = p > 0
    for mean, var in stats:
        mu, v = mean[pos], var[pos]
        kl.append(float(np.sum(p[pos] * (np.log(p[pos] / mu) + v / (2 * mu * mu)))))
        if alpha:
            sd = np.sqrt(var)
            bias = mean - p
            with np.errstate(divide="ignore", invalid="ignore"):
                z = np.where(sd > 0, bias / sd, 0.0)
            folded = sd * np.sqrt(2 / np.pi) * np.exp(-z * z / 2) + bias * (1 - 2 * special.ndtr(-z))
            tv.append(0.5 * float(folded.sum()))
            one = 1.0 - mean
            memo.append(float(np.dot(p, one**T + 0.5 * T * (T - 1) * one ** max(T - 2, 0) * var)))
    note = "asymptotic: second order in the exact means and variances (n -> infinity at fixed K)"
    out = {"kl": (kl, note + "; the mean of KL where it is finite")}
    if alpha:
        out["tv"] = (tv, "asymptotic: folded Gaussian with the exact means and variances")
        out["memorizer_error"] = (memo, note)
    return out


# --------------------------------------------------------------------------- curated workflows
def curated_trajectory(p, workflow):
    """The fits' expected laws as n -> infinity: each fit is the share-weighted mix of its sources.

    A real batch contributes the truth p; a synthetic batch contributes its
    generation's fit, curated (:func:`theory.curation.curate_probabilities`) when that
    generation curates. Returns one array per generation.

    Examples
    --------
    >>> from theory.workflow import Workflow
    >>> wf = Workflow.from_data({"generations": [{"fit": [{"batch": "R0"}], "emit": 1,
    ...     "curate": {"candidates": "inf", "reward": [1, 0]}}, {"fit": [{"batch": "S1"}]}]})
    >>> [q.round(4).tolist() for q in curated_trajectory(np.array([0.5, 0.5]), wf)]
    [[0.5, 0.5], [0.7311, 0.2689]]
    """
    p = np.asarray(p, dtype=float)
    fits, emitted = [], {}
    for k, (gen, row) in enumerate(zip(workflow.generations, workflow.shares(), strict=True), start=1):
        q = np.zeros_like(p)
        for s in row:
            if s.share:
                q += float(s.share) * (p if s.source == 0 else emitted[s.source])
        q /= q.sum()
        fits.append(q)
        if gen.emit is not None:
            cur = gen.curate
            emitted[k] = q if cur is None else curate_probabilities(
                q, np.array([float(r) for r in cur.rewards(len(p))]), cur.candidates)
    return fits


def _curated(p, workflow, entries, T, curations):
    fits = curated_trajectory(p, workflow)
    rewards = np.array([float(r) for r in curations[0].rewards(len(p))])
    pos = p > 0
    note = ("asymptotic: the deterministic curated trajectory as n -> infinity at fixed K (each fit the "
            "share-weighted mix of its sources, synthetic sources curated by the exact one-step map)")
    metrics = {"risk": [], "tv": [], "kl": [], "kl_infinite": [], "lost_mass": [], "support": [],
               "memorizer_error": [], "entropy": [], "reward": []}
    for q in fits:
        metrics["risk"].append(float(np.sum((q - p) ** 2)))
        metrics["tv"].append(0.5 * float(np.abs(q - p).sum()))
        metrics["kl"].append(float(np.sum(p[pos] * np.log(p[pos] / q[pos]))))
        metrics["kl_infinite"].append(0.0)
        metrics["lost_mass"].append(float(p[q == 0].sum()))
        metrics["support"].append(float((q > 0).sum()))
        with np.errstate(divide="ignore"):
            metrics["memorizer_error"].append(float(np.dot(p, np.exp(T * np.log1p(-np.minimum(q, 1.0))))))
        metrics["entropy"].append(float(-np.sum(q[q > 0] * np.log(q[q > 0]))))
        metrics["reward"].append(float(np.dot(q, rewards)))
    return {name: (values, note + ("; the expected reward under the first curation's reward"
                                   if name == "reward" else "")) for name, values in metrics.items()}
