"""One-parameter models whose MLE is a (weighted) mean: Bernoulli, Poisson, exponential.

The sum of a batch is sufficient and has a named law (binomial, Poisson, gamma),
so a batch used only whole is drawn as its mean alone. Pooled estimates are
``sum_e w_e T_e / sum_e w_e c_e`` with ``w_e = share_e / count_e`` and ``T_e`` the
entry's total: numerator and denominator are computed alike, so a fit on data that
are all 0 (or all 1) gives exactly 0 (or 1), which the ``absorbed`` metric needs.
"""

from __future__ import annotations

import math

import numpy as np

from theory.input_limits import MAX_POISSON_MEAN, MAX_REPLICATES, MIN_RARE_OUTCOMES, LimitError

from .base import NumericModel, gather
from .registry import numeric_face

__all__ = ["Bernoulli", "Poisson", "Exponential", "pooled_ratio", "smallest_fit_points", "check_rare_outcomes"]


def pooled_ratio(parts, key="total"):
    """``sum_e w_e total_e / sum_e w_e count_e``, the weighted mean of pooled entries."""
    num = den = 0.0
    for p in parts:
        w = p.point_weight
        num = num + w * p.summary[key]
        den = den + w * p.count
    return num / den


def smallest_fit_points(points):
    """The fewest distinct points any generation fits (per batch at most the sum of its counts).

    Examples
    --------
    >>> from theory.workflow import Workflow
    >>> wf = Workflow.from_data({"generations": [{"fit": [{"batch": "R0"}], "emit": 1},
    ...                                          {"fit": [{"batch": "S1", "count": "1/5"}]}]})
    >>> smallest_fit_points(wf.in_points(10))       # generation 2 fits a fifth of S1's 10 points
    2
    """
    smallest = None
    for generation in points.generations:
        used = {}
        for entry in generation.fit:
            if entry.share:
                used[entry.batch] = min(entry.size, used.get(entry.batch, 0) + entry.count)
        total = sum(used.values())
        smallest = total if smallest is None else min(smallest, total)
    return smallest


def _points(m):
    return f"{m} point" if m == 1 else f"{m} points"


def check_rare_outcomes(model, what, outcome, chance, replicates):
    """Refuse a run whose replicates are not expected to see ``outcome`` :data:`MIN_RARE_OUTCOMES` times.

    ``chance`` is the probability that a fit's data hold ``outcome``, for the smallest fit of the
    workflow (a fit of synthetic data draws from a fitted model, whose parameter is the truth's on
    average).

    Examples
    --------
    >>> check_rare_outcomes("bernoulli", "p = 0.3, fits of 5 points", "a success", 0.83, 250)
    >>> check_rare_outcomes("bernoulli", "p = 1e-06, fits of 5 points", "a success", 5e-6, 250)
    Traceback (most recent call last):
    ...
    theory.input_limits.LimitError: bernoulli: p = 1e-06, fits of 5 points: 250 replicates expect 0.00125 with a \
success in a fit, below the limit of 30 a Monte Carlo risk needs (it rests on them); give at least \
6000000 replicates
    """
    expected = replicates * chance
    if expected >= MIN_RARE_OUTCOMES:
        return
    needed = math.ceil(MIN_RARE_OUTCOMES / chance) if chance > 0 else math.inf
    advice = (f"give at least {needed} replicates" if needed <= MAX_REPLICATES else
              f"more than the limit of {MAX_REPLICATES} replicates would be needed; the exact risk needs none "
              f"(pi2over6 latex WORKFLOW --model {model})")
    raise LimitError(f"{model}: {what}: {replicates} replicates expect {expected:.3g} with {outcome} in a fit, "
                     f"below the limit of {MIN_RARE_OUTCOMES} a Monte Carlo risk needs (it rests on them); {advice}")


class _MeanModel(NumericModel):
    """Models fitted by a weighted mean of the points (or of 1/points)."""

    param = ""

    def __init__(self, params, truth):
        super().__init__(params, truth)
        self.value0 = float(params.get(self.param, self.default))

    def truth(self, ctx):
        return {self.param: np.full(ctx.R, self.value0)}

    def summarise(self, ctx, points, m, idx=None):
        x = points["x"] if idx is None else gather(points["x"], idx)
        return {"total": x.sum(axis=1, dtype=float)}


@numeric_face("bernoulli")
class Bernoulli(_MeanModel):
    """Bernoulli(p); the MLE is the sample proportion. ``absorbed``: p-hat is 0 or 1.

    Examples
    --------
    >>> import numpy as np
    >>> from fractions import Fraction
    >>> from numerics.models.base import Part
    >>> from numerics.models.random import BlockRandom
    >>> model = Bernoulli({"p": 0.3}, [0.3])
    >>> rand = BlockRandom([np.random.default_rng(0)], [3])
    >>> ctx = model.context(rand, 5)
    >>> absorbed = {"p": np.array([0.0, 1.0, 0.5])}
    >>> s = model.summarise(ctx, model.draw(ctx, absorbed, 5, rand), 5)
    >>> state, _ = model.fit(ctx, [Part(s, Fraction(1), 5, 5)])
    >>> model.metrics(ctx, state)["absorbed"][:2].tolist()
    [1.0, 1.0]
    """

    param, default = "p", 0.3
    point_bytes = 1

    def draw(self, ctx, state, m, rand):
        return {"x": (rand.uniform(m) < state["p"][:, None]).astype(np.uint8)}

    def draw_summary(self, ctx, state, m, rand):
        return {"total": rand.binomial(m, state["p"]).astype(float)}

    def check_budget(self, points, replicates):
        m, p = smallest_fit_points(points), self.value0
        for outcome, q in (("a success", p), ("a failure", 1 - p)):
            # P(at least one of m points is the outcome) = 1 - (1 - q)^m, without cancellation for small q
            check_rare_outcomes("bernoulli", f"p = {p:g}, fits of {_points(m)}", outcome,
                                -math.expm1(m * math.log1p(-q)) if q < 1 else 1.0, replicates)

    def fit(self, ctx, parts):
        p = pooled_ratio(parts)
        return {"p": p}, ~np.isfinite(p)

    def metrics(self, ctx, state):
        p = state["p"]
        return {"risk": (p - self.value0) ** 2, "absorbed": ((p == 0) | (p == 1)).astype(float)}


@numeric_face("poisson")
class Poisson(_MeanModel):
    """Poisson(lam); the MLE is the sample mean. ``absorbed``: lam-hat = 0 (then every later draw is 0).

    Examples
    --------
    >>> import numpy as np
    >>> from numerics.models.random import BlockRandom
    >>> model = Poisson({"lam": 2}, [2.0])
    >>> rand = BlockRandom([np.random.default_rng(0)], [50000])
    >>> ctx = model.context(rand, 1)
    >>> x = model.draw(ctx, model.truth(ctx), 1, rand)["x"]
    >>> round(float(x.mean()), 1), round(float(x.var()), 1)
    (2.0, 2.0)
    """

    param, default = "lam", 1.0

    def draw(self, ctx, state, m, rand):
        return {"x": rand.poisson(state["lam"][:, None], m)}

    def draw_summary(self, ctx, state, m, rand):
        return {"total": rand.poisson(m * state["lam"]).astype(float)}

    def check_sizes(self, points):
        largest = max(points.batch_sizes().values())
        if self.value0 * largest > MAX_POISSON_MEAN:
            raise LimitError(f"poisson: lam = {self.value0:g} times the largest batch of {largest} points is "
                             f"{self.value0 * largest:.3g}, above the limit {MAX_POISSON_MEAN:g} of numpy's "
                             "Poisson sampler (a batch's total is one draw)")

    def check_budget(self, points, replicates):
        m = smallest_fit_points(points)
        check_rare_outcomes("poisson", f"lam = {self.value0:g}, fits of {_points(m)}", "a non-zero count",
                            -math.expm1(-m * self.value0), replicates)

    def fit(self, ctx, parts):
        lam = pooled_ratio(parts)
        return {"lam": lam}, ~np.isfinite(lam)

    def metrics(self, ctx, state):
        lam = state["lam"]
        return {"risk": (lam - self.value0) ** 2, "absorbed": (lam == 0).astype(float)}


@numeric_face("exponential")
class Exponential(_MeanModel):
    """Exponential with rate lambda; the MLE is 1 / (weighted) sample mean.

    Examples
    --------
    >>> import numpy as np
    >>> from numerics.models.random import BlockRandom
    >>> model = Exponential({"rate": 4}, [4.0])
    >>> rand = BlockRandom([np.random.default_rng(0)], [40000])
    >>> ctx = model.context(rand, 1)
    >>> round(float(model.draw(ctx, model.truth(ctx), 1, rand)["x"].mean()), 2)
    0.25
    """

    param, default = "rate", 1.0

    def draw(self, ctx, state, m, rand):
        x = rand.exponential(m)
        x /= state["rate"][:, None]
        return {"x": x}

    def draw_summary(self, ctx, state, m, rand):
        return {"total": rand.gamma(float(m)) / state["rate"]}

    def fit(self, ctx, parts):
        with np.errstate(divide="ignore"):
            rate = 1.0 / pooled_ratio(parts)
        return {"rate": rate}, ~(np.isfinite(rate) & (rate > 0))

    def metrics(self, ctx, state):
        return {"risk": (state["rate"] - self.value0) ** 2}
