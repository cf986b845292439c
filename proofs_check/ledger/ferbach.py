"""Ferbach, Bertrand, Bose & Gidel (2024): curated retraining maximises the reward and needs real data to stay diverse.

Each emitted point is the choice, among K candidates drawn from the fit, of one kept
with probability proportional to exp(reward) (:mod:`theory.curation`). The symbolic
evidence derives the finite-K one-step map two ways and its K -> infinity limit
p' proportional to p e^r, the closed form of the iterated limit map, its expected reward
and entropy, and the unique fixed point with a share of real data; the numeric
evidence computes that fixed point at 50 digits for finite K; Monte Carlo refits a
categorical model on curated samples drawn candidate by candidate.
"""

from __future__ import annotations

from fractions import Fraction

import mpmath
import numpy as np
import sympy as sp

from numerics.curation import curated_path, fixed_point
from theory.curation import derive_fixed_point, derive_iterated_tilt, derive_two_level_map
from theory.models.categorical import categorical_truth
from theory.workflow import Workflow

from ..claims import Claim, agrees, check, close
from ._common import DPS, FERBACH, metric, prediction, ratio_figure, simulate

__all__ = ["claims", "curated_workflow"]

K_CANDIDATES, TOP, VALUE = 4, 5, 1
TRUTH = {"truth": "zipf", "beta": "1", "K": 20}
REAL_SHARE = Fraction(1, 2)


def curated_workflow(real_share=None, candidates=K_CANDIDATES, top=TOP, value=VALUE):
    """Workflow data: generation 1 fits R0; later ones fit the previous curated batch, with fresh real data
    at share ``real_share`` if given; every generation emits n curated points.

    Examples
    --------
    >>> sorted(curated_workflow(Fraction(1, 2))["then"])
    ['curate', 'emit', 'fit', 'new_real']
    """
    rule = {"candidates": candidates, "reward": {"top": top, "value": value}}
    if real_share is None:
        then = {"fit": [{"batch": "S[-1]"}]}
    else:
        then = {"new_real": 1, "fit": [{"batch": "R[0]", "weight": str(real_share)},
                                       {"batch": "S[-1]", "weight": str(1 - real_share)}]}
    return {"generations": [{"fit": [{"batch": "R0"}], "emit": 1, "curate": rule}],
            "then": {**then, "emit": 1, "curate": rule}}


def _symbolic(budget):
    d = derive_two_level_map()
    Q, a = d["Q"], d["a"]
    yield check("the finite-K map of the top level's mass, F_K(Q) = K Q a E[1/(a (B + 1) + K - 1 - B)], equals "
                "the integral K Q a int e^{-t a} phi(t)^{K-1} dt for K = 1..4 (two routes)",
                all(sp.simplify(d["finite"][K] - d["integral"][K]) == 0 for K in d["finite"]),
                F2=d["finite"][2])
    yield check("K -> infinity: phi(s/K)^(K-1) -> exp(-s (Q a + 1 - Q)), so F_K(Q) -> a Q/(a Q + 1 - Q), the "
                "tilt p e^r / sum p e^r", sp.simplify(d["limit"] - a * Q / (a * Q + 1 - Q)) == 0,
                pointwise=d["pointwise"])
    w, S = sp.symbols("w S", positive=True)
    derivative = sp.simplify(sp.diff(w / (w + S), w) - S / (w + S) ** 2)
    yield check("for every K the multiplier K w E[1/(w + S)] increases with the weight w = e^r "
                "(d/dw w/(w + S) = S/(w + S)^2 > 0): by Chebyshev's sum inequality the expected reward never "
                "decreases from one generation to the next", derivative == 0)
    t = derive_iterated_tilt()
    yield check("without real data, Q_t = P a^t/(P a^t + 1 - P) by induction (the map sends the form at t to the "
                "form at t + 1), Q_{t+1} - Q_t = Q (1 - Q)(a - 1)/(a Q + 1 - Q) > 0, the expected reward c Q_t -> c "
                "and the entropy -> the top set's entropy", t["induction"] == 0 and t["reward_limit"] == t["c"]
                and t["entropy_limit"] == sp.Symbol("H_top", nonnegative=True), increment=t["increment"])
    f = derive_fixed_point()
    sample = {f["a"]: sp.E, f["lam"]: sp.Rational(1, 2), f["P"]: sp.Rational(1, 4)}
    yield check("with a share lam of real data the map Q -> lam P + (1 - lam) a Q/(a Q + 1 - Q) is increasing and "
                "concave (second derivative 2a(a - 1)(lam - 1)/(a Q - Q + 1)^3 < 0 for a > 1, lam < 1), lam P > 0 at "
                "0 and below 1 at 1: one fixed point, a root of a quadratic, attracting (slope < 1 there)",
                sp.simplify(f["concavity"] - 2 * f["a"] * (f["a"] - 1) * (f["lam"] - 1)
                            / (f["a"] * f["Q"] - f["Q"] + 1) ** 3) == 0
                and 0 < f["slope"].subs(sample).subs(f["Q"], f["root"].subs(sample)).evalf() < 1,
                root=f["root"])


def _numeric(budget):
    d = derive_fixed_point()
    values = {d["a"]: sp.E ** VALUE, d["lam"]: sp.Rational(1, 2), d["P"]: sp.Rational(1, 4)}
    fp = fixed_point(["1/4", "3/4"], [VALUE, 0], None, "1/2", dps=DPS)
    with mpmath.workdps(DPS + 10):
        yield close(f"K -> infinity: the fixed point by iteration at {DPS} digits = the derived root", fp.masses[1],
                    mpmath.mpf(str(sp.N(d["root"].subs(values), DPS + 10))), mpmath.mpf(10) ** -DPS)
    p = [Fraction(x) for x in categorical_truth(TRUTH).exact]
    rewards = [VALUE if i < TOP else 0 for i in range(len(p))]
    fp4 = fixed_point(p, rewards, K_CANDIDATES, str(REAL_SHARE), dps=DPS)
    yield check(f"K = {K_CANDIDATES}, fresh real data at share 1/2: the fixed point holds to {DPS} digits "
                f"(residual, contraction rate < 1)", fp4.residual < mpmath.mpf(10) ** -DPS and fp4.slope < 1,
                reward=mpmath.nstr(fp4.reward, 30), residual=mpmath.nstr(fp4.residual, 3),
                rate=mpmath.nstr(fp4.slope, 6), bound=mpmath.nstr(fp4.error_bound, 3))
    rewards_path, entropies = curated_path(p, rewards, K_CANDIDATES, 60, dps=30)
    rising = all(b > a for a, b in zip(rewards_path, rewards_path[1:], strict=False))
    falling = all(b < a for a, b in zip(entropies, entropies[1:], strict=False))
    yield check(f"K = {K_CANDIDATES}, no real data: the expected reward rises every generation towards its maximum "
                f"{VALUE} and the entropy falls", rising and falling
                and mpmath.mpf(VALUE) - rewards_path[-1] < mpmath.mpf(10) ** -6,
                reward_at_60=mpmath.nstr(rewards_path[-1], 12), entropy_at_60=mpmath.nstr(entropies[-1], 12))
    real_path, _ = curated_path(p, rewards, K_CANDIDATES, 60, lam=str(REAL_SHARE), dps=30)
    yield close("with real data the expected law reaches the fixed point (reward after 60 generations)",
                real_path[-1], fp4.reward, mpmath.mpf(10) ** -20)


def _monte_carlo(budget):
    n, G, reps = 20000, 8, budget.pick(500, 5000)
    curves, points, late = [], [], {}
    for label, share in (("no real data", None), ("fresh real data, share 1/2", REAL_SHARE)):
        workflow = Workflow.from_data(curated_workflow(share), name=f"curated, {label}")
        res = simulate("categorical", TRUTH, workflow, n, G, reps, budget, f"curation-{label}")
        mean, se = metric(res, "reward")
        theory = prediction(res, "reward")
        # asymptotic target (the deterministic curated trajectory, n -> infinity): 4 standard errors plus
        # 20/n for the O(k/n) bias of a nonlinear map applied to noisy fits
        yield agrees(f"{label}: expected reward = the curated trajectory", mean, se, theory, k=4,
                     allowance=20 / n, exact=False)
        ent, _ = metric(res, "entropy")
        late[label] = (mean, ent, se)
        ks = list(range(1, G + 1))
        curves.append((f"{label}, n -> infinity", ks, theory.tolist()))
        points.append((f"{label}, Monte Carlo", ks, mean.tolist(), se.tolist()))
    synthetic, real = late["no real data"], late["fresh real data, share 1/2"]
    yield check("without real data the reward rises and the entropy falls every generation",
                bool(np.all(np.diff(synthetic[0]) > 0) and np.all(np.diff(synthetic[1]) < 0)),
                reward=synthetic[0], entropy=synthetic[1])
    p = [Fraction(x) for x in categorical_truth(TRUTH).exact]
    fp = fixed_point(p, [VALUE if i < TOP else 0 for i in range(len(p))], K_CANDIDATES, str(REAL_SHARE), dps=30)
    yield agrees("with real data the reward settles at the 50-digit fixed point (last generation; allowance 20/n "
                 "for the nonlinear bias plus the trajectory's remaining distance)", real[0][-1:], real[2][-1:],
                 [float(fp.reward)], k=4, allowance=20 / n + float(abs(fp.slope) ** (G - 1)), exact=False)
    yield ratio_figure("curation", "Curated retraining: the expected reward (K = 4, reward 1 on the top 5 of 20)",
                       curves, points, ylabel="expected reward", hlines=[("maximum", float(VALUE))])


def claims():
    return [Claim(
        "curation-maximises-reward",
        statement=("Curated retraining, which keeps one of K candidates with probability proportional to exp(r), "
                   "maps the law q to q'_i = K q_i e^r_i E[1/(e^r_i + S_{K-1})], which tends to q_i e^r_i / "
                   "sum_j q_j e^r_j as K -> infinity; without real data the expected reward never decreases and "
                   "tends to its maximum while the entropy falls to that of the top-reward set; with a share of "
                   "fresh real data the expected law has a unique attracting fixed point."),
        latex=r"q'_i = K q_i e^{r_i}\,\mathbb E\frac{1}{e^{r_i}+S_{K-1}} \xrightarrow[K\to\infty]{} "
              r"\frac{q_i e^{r_i}}{\sum_j q_j e^{r_j}},\qquad \mathbb E_{q_{t+1}} r \ge \mathbb E_{q_t} r",
        source=FERBACH, symbolic=_symbolic, numeric=_numeric, monte_carlo=_monte_carlo,
        tags=("categorical", "curation"))]
