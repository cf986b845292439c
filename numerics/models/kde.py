"""The Gaussian kernel density estimate refitted on its own samples.

The fitted model of a generation is the mixture ``sum_i w_i N(x_i, h^2)`` over the
pooled points ``x_i`` with their weights (``share / count`` per point of an entry);
sampling it picks a point with probability ``w_i`` and adds N(0, h^2). The truth,
N(0, 1), is the same kind of state: one point at 0 with kernel width 1. State keys
that start with ``_`` are shared by every replicate (the weights depend only on the
workflow).
"""

from __future__ import annotations

import numpy as np

from .base import NumericModel, gather, point_weights
from .registry import numeric_face

__all__ = ["KernelDensity"]


@numeric_face("kde")
class KernelDensity(NumericModel):
    """Gaussian KDE with bandwidth h; truth N(0, 1).

    Metrics: ``var``, the variance of the fitted density (weighted variance of the
    points plus h^2), and ``risk``, the squared error of its mean (the natural
    parameter the symbolic side names).

    Examples
    --------
    >>> import numpy as np
    >>> from fractions import Fraction
    >>> from numerics.models.base import Part
    >>> from numerics.models.random import BlockRandom
    >>> model = KernelDensity({"h": 0.5}, [0.0])
    >>> rand = BlockRandom([np.random.default_rng(0)], [2])
    >>> ctx = model.context(rand, 4)
    >>> pts = model.draw(ctx, model.truth(ctx), 4, rand)
    >>> state, _ = model.fit(ctx, [Part(model.summarise(ctx, pts, 4), Fraction(1), 4, 4)])
    >>> bool(np.allclose(model.metrics(ctx, state)["var"], pts["x"].var(axis=1) + 0.25))
    True
    """

    needs_points = True
    summary_draw = False

    def __init__(self, params, truth):
        super().__init__(params, truth)
        self.h = float(params.get("h", 0.5))
        self.mean0 = float(self.theta0[0]) if self.theta0.size else 0.0

    def truth(self, ctx):
        return {"support": np.zeros((ctx.R, 1)), "_cdf": np.ones(1), "_weights": np.ones(1), "_scale": 1.0}

    def draw(self, ctx, state, m, rand):
        support = state["support"]
        if support.shape[1] == 1:
            x = np.repeat(support, m, axis=1)
        else:
            pick = np.searchsorted(state["_cdf"], rand.uniform(m), side="right")
            pick = np.minimum(pick, support.shape[1] - 1)
            x = gather(support, pick)
        x += state["_scale"] * rand.normal(m)
        return {"x": x}

    def summarise(self, ctx, points, m, idx=None):
        return {"x": points["x"] if idx is None else gather(points["x"], idx)}

    def fit(self, ctx, parts):
        support = np.concatenate([p.summary["x"] for p in parts], axis=1)
        w = point_weights(parts, exact=False)
        w = np.full(support.shape[1], 1.0 / support.shape[1]) if w is None else w / w.sum()
        cdf = np.cumsum(w)
        cdf /= cdf[-1]
        return ({"support": support, "_cdf": cdf, "_weights": w, "_scale": self.h},
                np.zeros(ctx.R, dtype=bool))

    def metrics(self, ctx, state):
        w = state["_weights"]
        mean = (state["support"] * w).sum(axis=1)
        dev = state["support"] - mean[:, None]
        return {"risk": (mean - self.mean0) ** 2, "var": (dev * dev * w).sum(axis=1) + state["_scale"] ** 2}
