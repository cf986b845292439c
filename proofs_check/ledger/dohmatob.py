"""Dohmatob, Feng, Yang, Charton & Kempe (2024): heavy tails are what recursive training loses.

Two claims. *Tail loss*: refitting a categorical model (empirical frequencies) on its
own samples loses categories for good under discard, and loses none of the real
data's under augment; the expected lost mass is exact through the ancestral chain
of :mod:`theory.ancestry` (one law of the distinct real ancestors A_k serves every
category: P(category i lost) = E(1 - p_i)^{A_k}). *The memoriser's law*: on clean
Zipf(beta) data the memoriser's error is C T^-(1 - 1/beta) with C derived, a tail cut
leaves the floor zeta(beta, k + 1)/zeta(beta), and generations of discard shrink the
memoriser's effective sample along the mean-field ancestral recursion.
"""

from __future__ import annotations

import mpmath
import numpy as np
import sympy as sp

from numerics.models.categorical import multinomial_counts
from numerics.tails import clean_error, memorizer_constant, tail_cut_error, tail_floor
from theory.absorption import wright_fisher_laws
from theory.ancestry import (
    absorption_exact,
    ancestor_laws,
    ancestor_laws_exact,
    derive_ancestor_recursion,
    mean_field_step,
    occupancy_law,
)
from theory.models.categorical import categorical_truth
from theory.predictions import predict
from theory.tails import (
    derive_generations_law,
    derive_memorizer_constant,
    derive_memorizer_correction,
    derive_tail_floor,
    tail_cut_error_float,
)

from ..claims import Claim, agrees, check, close
from ._common import DOHMATOB, DPS, metric, prediction, ratio_figure, simulate

__all__ = ["claims"]

TAIL = {"truth": "zipf", "beta": "1.5", "K": 2000}
TAIL_N, TAIL_G = 500, 8


# --------------------------------------------------------------------------- tail loss
def _tail_symbolic(budget):
    from fractions import Fraction

    n, G = 5, 4
    for p in (Fraction(1, 7), Fraction(2, 5)):
        laws = [{n: Fraction(1)}] + ancestor_laws_exact(n, [n] * (G - 1))
        chain = wright_fisher_laws(p, n, G)
        same = all(absorption_exact(p, law) == (dist[0], dist[n]) for law, dist in zip(laws, chain, strict=True))
        yield check(f"duality, p = {p}, n = {n}, k <= {G}: P(lost) = E(1 - p)^A_k and P(fixed) = E p^A_k equal the "
                    "exact Wright-Fisher chain of the category's count", same,
                    lost=[str(absorption_exact(p, law)[0]) for law in laws])
    d = derive_ancestor_recursion()
    agree = all(sp.Rational(sum(k * w for k, w in enumerate(occupancy_law(a, b))))
                == d["mean"].subs({d["a"]: a, d["b"]: b}) for a in range(1, 9) for b in range(1, 9))
    yield check("the ancestral step's mean is b (1 - (1 - 1/b)^a) (derived; equals the Stirling-number law's)",
                agree, mean=d["mean"])
    beyond = all(sum(occupancy_law(a, b)[: a + 1]) == 1 for a in range(0, 12) for b in range(1, 12))
    yield check("A_{k+1} <= A_k surely (a points have at most a distinct parents: S(a, d) = 0 for d > a), so "
                "E(1 - p_i)^A_k and the expected lost mass can only grow with k", beyond)
    # augment keeps R0 whole in every fit: A_k = n for every k, so the lost mass never moves
    t = [Fraction(1, 2), Fraction(1, 3), Fraction(1, 6)]
    exact = sum((pi * (1 - pi) ** n for pi in t), Fraction(0))
    values = _exact_prediction(t, "augment", n, G, "lost_mass")
    yield check(f"augment: E lost mass = sum_i p_i (1 - p_i)^n = {exact} at every generation (exact enumeration "
                "route of the prediction)", all(abs(v - float(exact)) < 1e-15 for v in values), values=values)


def _exact_prediction(p, workflow, n, G, name):
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "p.txt"
        path.write_text(" ".join(str(x) for x in p))
        return predict("categorical", {"truth": str(path)}, workflow, n, generations=G).metrics[name]


def _tail_numeric(budget):
    n, G = 60, 5
    laws = [{n: 1}] + ancestor_laws_exact(n, [n] * (G - 1))
    with mpmath.workdps(DPS + 10):
        b = mpmath.mpf("1.5")
        w = [mpmath.mpf(i) ** -b for i in range(1, 301)]
        z = mpmath.fsum(w)
        p = [x / z for x in w]
        lost = []
        for law in laws:
            powers = {a: mpmath.fsum(pi * (1 - pi) ** a for pi in p) for a in law}
            lost.append(mpmath.fsum(mpmath.mpf(q.numerator) / q.denominator * powers[a] for a, q in law.items()))
        floats = predict("categorical", {"truth": "zipf", "beta": "1.5", "K": 300}, "discard", n,
                         generations=G).metrics["lost_mass"]
        worst = max(abs(mpmath.mpf(f) - x) / x for f, x in zip(floats, lost, strict=True))
        yield close(f"Zipf(1.5), K = 300, n = {n}: the float64 chain's lost mass = the exact rational chain at "
                    f"{DPS} digits, k <= {G} (relative)", worst, 0, mpmath.mpf(10) ** -12,
                    lost=[mpmath.nstr(x, 20) for x in lost])
        yield check("the exact expected lost mass increases with every generation of discard",
                    all(a < c for a, c in zip(lost, lost[1:], strict=False)))


def _tail_monte_carlo(budget):
    reps = budget.pick(2000, 20000)
    ks = list(range(1, TAIL_G + 1))
    curves, points, lost = [], [], {}
    for wf in ("discard", "augment"):
        res = simulate("categorical", TAIL, wf, TAIL_N, TAIL_G, reps, budget, "tails")
        for name in ("lost_mass", "support"):
            mean, se = metric(res, name)
            # exact finite-n targets (the ancestral chain; A_k = n under augment): 4 standard errors
            yield agrees(f"{wf}: {name} of Zipf(1.5), K = 2000, n = {TAIL_N} = the exact prediction", mean, se,
                         prediction(res, name), k=4, exact=True)
        mean, se = metric(res, "lost_mass")
        lost[wf] = mean
        curves.append((f"{wf}, exact", ks, prediction(res, "lost_mass").tolist()))
        points.append((f"{wf}, Monte Carlo", ks, mean.tolist(), se.tolist()))
    yield check("discard loses mass every generation; augment's lost mass stays at generation 1's",
                bool(np.all(np.diff(lost["discard"]) > 0)) and float(np.ptp(lost["augment"])) == 0.0,
                discard=lost["discard"], augment=lost["augment"])
    yield ratio_figure("tail_loss", "Lost mass: discard against augment (Zipf 1.5, K = 2000)", curves, points,
                       ylabel="expected lost mass", logy=True)


# --------------------------------------------------------------------------- the memoriser
def _memo_symbolic(budget):
    d = derive_memorizer_constant()
    beta = d["beta"]
    yield check("E(T) T^(1 - 1/beta) -> C = Gamma(1 - 1/beta) / (beta zeta(beta)^(1/beta)) (the Gamma integral of "
                "the substitution u = T x^-beta / zeta(beta))",
                sp.simplify(d["constant"] - sp.gamma(1 - 1 / beta) / (beta * sp.zeta(beta) ** (1 / beta))) == 0,
                constant=d["constant"])
    c1 = derive_memorizer_correction()
    yield check("the next term is the relative correction -(beta - 1)(2 beta - 1)/(2 beta^2 T) < 0 for beta > 1",
                sp.simplify(c1["c1"] + (c1["beta"] - 1) * (2 * c1["beta"] - 1) / (2 * c1["beta"] ** 2)) == 0,
                c1=c1["c1"])
    f = derive_tail_floor()
    yield check("a tail cut at k leaves the floor sum_{i > k} p_i = zeta(beta, k + 1)/zeta(beta), of order "
                "k^(1 - beta)/((beta - 1) zeta(beta))",
                sp.simplify(f["floor"] - sp.zeta(f["beta"], f["k"] + 1) / sp.zeta(f["beta"])) == 0,
                floor=f["floor"], leading=f["leading"])
    g = derive_generations_law()
    rec = derive_ancestor_recursion()
    yield check("each step of discard adds 1/(2n) + u/(12 n) + O(u^3/n) to 1/a (u = a/n): a_k = 2 T n/(2n + k T) "
                "to first order, about 2n/k", rec["series"] == sp.Rational(1, 2) + rec["u"] / 12
                and sp.simplify(g["effective"] - 2 * g["T"] * g["n"] / (2 * g["n"] + g["k"] * g["T"])) == 0,
                series=rec["series"], effective=g["effective"], floor=g["floor"])
    j = rec["j"]
    yield check("0 <= coth x - 1/x <= x/3 for every x > 0 (the bounds of the step): the power-series "
                "coefficients 2j/(2j + 1)! and 4j(j - 1)/(3 (2j + 1)!) are non-negative",
                sp.simplify(rec["lower_coefficient"] - 2 * j / sp.factorial(2 * j + 1)) == 0
                and sp.simplify(rec["upper_coefficient"] - 4 * j * (j - 1) / (3 * sp.factorial(2 * j + 1))) == 0)


def _memo_numeric(budget):
    c1 = derive_memorizer_correction()
    for beta in ("1.5", 2):
        with mpmath.workdps(DPS):
            C = memorizer_constant(beta, dps=DPS)
            b = mpmath.mpf(beta)
            coef = mpmath.mpf(str(c1["c1"].subs(c1["beta"], sp.Rational(str(beta))).evalf(DPS)))
            worst = mpmath.mpf(0)
            for T in (10**4, 10**6, 10**8):
                ratio = clean_error(beta, T, dps=DPS) * mpmath.mpf(T) ** (1 - 1 / b) / C
                worst = max(worst, abs(ratio - 1 - coef / T) * mpmath.mpf(T) ** 2)
            yield check(f"beta = {beta}: E(T) T^(1 - 1/beta)/C = 1 + c1/T + O(T^-2) at {DPS} digits, "
                        "T = 10^4, 10^6, 10^8 (|remainder| T^2 below 10)", worst < 10, C=mpmath.nstr(C, 30),
                        worst_scaled_remainder=mpmath.nstr(worst, 6))
    with mpmath.workdps(DPS):
        floor = tail_floor("1.5", 100, dps=DPS)
        cut = [tail_cut_error("1.5", 100, T, dps=DPS) for T in (10**2, 10**4, 10**8)]
        yield check("tail cut at k = 100 (beta = 1.5): the error decreases to the floor zeta(1.5, 101)/zeta(1.5) "
                    "and stays above it", cut[0] > cut[1] > cut[2] >= floor and cut[2] - floor < mpmath.mpf(10) ** -40,
                    floor=mpmath.nstr(floor, 30))
    # generations of discard: the exact ancestral chain against the mean-field effective sample
    C = float(memorizer_constant("1.5", dps=20))
    coef = float(c1["c1"].subs(c1["beta"], sp.Rational(3, 2)))
    errors = {}
    for n in (1000, 10000):
        laws = ancestor_laws(n, [n] * 20)
        a, worst = float(n), 0.0
        for k, law in enumerate(laws, start=1):
            a = mean_field_step(a, n)
            values = np.arange(law.offset, law.offset + len(law.pmf), dtype=float)
            chain = float((law.pmf * C * values ** (-1 / 3) * (1 + coef / values)).sum())
            worst = max(worst, abs(chain / (C * a ** (-1 / 3) * (1 + coef / a)) - 1) * n / k)
        errors[n] = worst
    yield check("T = n draws, 20 generations of discard: the exact chain's memoriser error = the clean law at the "
                "mean-field effective size a_k, within a Jensen gap below 0.1 k/n",
                all(v < 0.1 for v in errors.values()), scaled_gaps={str(k): v for k, v in errors.items()})
    with mpmath.workdps(30):
        n, a = mpmath.mpf(10**6), mpmath.mpf(10**6)
        scaled = {}
        for k in range(1, 10**4 + 1):
            a = n * (1 - (1 - 1 / n) ** a)
            if k in (10, 100, 1000, 10000):
                scaled[k] = k * a / (2 * n)
        yield check("n = 10^6: the effective size follows a_k ~ 2n/k (k a_k/(2n) approaches 1, within 1% at "
                    "k = 10^4)", abs(scaled[10**4] - 1) < 0.01 and
                    all(abs(scaled[x] - 1) > abs(scaled[y] - 1) for x, y in ((10, 100), (100, 1000), (1000, 10000))),
                    scaled={str(k): mpmath.nstr(v, 8) for k, v in scaled.items()})


def _memo_monte_carlo(budget):
    reps = budget.pick(300, 3000)
    big = {"truth": "zipf", "beta": "1.5", "K": 20000}
    for T in (1000, 10000):
        res = simulate("categorical", big, "discard", T, 1, reps, budget, "clean")
        mean, se = metric(res, "lost_mass")       # one fit on T clean draws: its lost mass is the memoriser's error
        p = categorical_truth(res.config.params).p
        exact = float(np.sum(p * np.exp(T * np.log1p(-p))))
        yield agrees(f"clean Zipf(1.5), K = 20000, T = {T}: memoriser error = sum_i p_i (1 - p_i)^T", mean, se,
                     [exact], k=4, exact=True)
    rng = np.random.default_rng(np.random.SeedSequence([budget.seed, *budget.stream("cut")]))
    p = categorical_truth(big).p
    cut = p[:100] / p[:100].sum()
    for T in (300, 3000):
        errors = np.array([p[100:].sum() + p[:100][multinomial_counts(rng, T, cut) == 0].sum() for _ in range(reps)])
        yield agrees(f"tail cut at k = 100, T = {T}: a memoriser trained on the cut law errs by "
                     "sum_{i <= k} p_i (1 - q_i)^T + the floor", [errors.mean()], [errors.std(ddof=1) / np.sqrt(reps)],
                     [tail_cut_error_float(p, 100, T)], k=4, exact=True)
    res = simulate("categorical", {**big, "T": 2000}, "discard", 2000, 6, reps, budget, "memo-generations")
    mean, se = metric(res, "memorizer_error")
    yield agrees("6 generations of discard, n = T = 2000: memoriser error = the exact ancestral chain", mean, se,
                 prediction(res, "memorizer_error"), k=4, exact=True)
    gens = list(range(1, 7))
    yield ratio_figure("memoriser_generations", "The memoriser under discard (Zipf 1.5, n = T = 2000)",
                       [("exact chain", gens, prediction(res, "memorizer_error").tolist())],
                       [("Monte Carlo", gens, mean.tolist(), se.tolist())], ylabel="memoriser error")


def claims():
    return [
        Claim("discard-loses-the-tail",
              statement=("Refitting a categorical model on its own samples loses categories for good: under "
                         "discard the expected lost mass sum_i p_i E(1 - p_i)^A_k (A_k the distinct real ancestors "
                         "of the k-th fit's data) rises every generation and the support falls, while augment, "
                         "which keeps the real data in every fit, never loses a category the real data hold: its "
                         "lost mass stays sum_i p_i (1 - p_i)^n."),
              latex=r"\mathbb E\,\mathrm{lost}_k=\sum_i p_i\,\mathbb E(1-p_i)^{A_k}\uparrow\ \text{(discard)},\qquad"
                    r"\mathbb E\,\mathrm{lost}_k=\sum_i p_i(1-p_i)^{n}\ \text{(augment)}",
              source=DOHMATOB, symbolic=_tail_symbolic, numeric=_tail_numeric, monte_carlo=_tail_monte_carlo,
              tags=("categorical", "tails", "discard", "augment")),
        Claim("memorizer-scaling-law",
              statement=("On clean Zipf(beta) data the memoriser trained on T draws errs with probability "
                         "C T^-(1 - 1/beta) (1 - (beta - 1)(2 beta - 1)/(2 beta^2 T) + O(T^-2)), C = Gamma(1 - 1/beta)/"
                         "(beta zeta(beta)^(1/beta)); a tail cut at k leaves the floor zeta(beta, k + 1)/zeta(beta); "
                         "after k generations of discard it errs as if trained on the mean-field number of "
                         "distinct real ancestors a_k (a_0 = T, a_j = n (1 - (1 - 1/n)^a_{j-1})), about 2n/k."),
              latex=r"E(T)\sim\frac{\Gamma(1-1/\beta)}{\beta\,\zeta(\beta)^{1/\beta}}\,T^{-(1-1/\beta)},\quad "
                    r"E_{\mathrm{cut}}(\infty)=\frac{\zeta(\beta,k+1)}{\zeta(\beta)},\quad a_k\sim\frac{2n}{k}",
              source=DOHMATOB, symbolic=_memo_symbolic, numeric=_memo_numeric, monte_carlo=_memo_monte_carlo,
              tags=("categorical", "tails", "memoriser")),
    ]
