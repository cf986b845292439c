"""Gaussian models: the mean with known sigma, mean and variance, and the multivariate normal.

Centred on the truth. Every estimator here is translation equivariant (the mean, the
median and the variance of x + c are those of x, shifted by c or unchanged), so the
one-dimensional models simulate x - mu0 and fit mu-hat - mu0 directly: the risk
(mu-hat - mu0)^2 never subtracts two large numbers, and ``mu = 1e16`` gives the same
(correct) risk as ``mu = 0`` instead of a cancelled 0. States hold the centred mean.

Summaries are exact sufficient statistics, so a batch that is only ever used whole
can be drawn as its statistic alone (:meth:`draw_summary`): the mean of m points of
N(mu, sigma^2) is N(mu, sigma^2/m); their scatter about it is sigma^2 chi^2_{m-1},
independent of the mean; for vectors the scatter is Wishart(m - 1, Sigma).
"""

from __future__ import annotations

import numpy as np

from .base import (
    NumericModel,
    gather,
    gram,
    point_weights,
    pooled_mean,
    pooled_moments,
    weighted_median,
    wishart,
)
from .registry import numeric_face

__all__ = ["GaussianMean", "Gaussian", "MultivariateGaussian"]


def _points(points, idx):
    return points if idx is None else gather(points, idx)


@numeric_face("gaussian-mean")
class GaussianMean(NumericModel):
    """N(mu, sigma^2) with sigma known; the sample mean or the sample median.

    A fit with unequal per-point weights uses the weighted mean, or the weighted
    median (the point that minimises the weighted absolute deviation; the midpoint
    when two do). The median has no sufficient statistic: its fits read every point.

    Examples
    --------
    >>> import numpy as np
    >>> from fractions import Fraction
    >>> from numerics.models.base import Part
    >>> from numerics.models.random import BlockRandom
    >>> model = GaussianMean({"mu": 0, "sigma": 2, "estimator": "mean"}, [0.0])
    >>> rand = BlockRandom([np.random.default_rng(0)], [4])
    >>> ctx = model.context(rand, 10)
    >>> x = model.draw(ctx, model.truth(ctx), 10, rand)
    >>> state, failed = model.fit(ctx, [Part(model.summarise(ctx, x, 10), Fraction(1), 10, 10)])
    >>> bool(np.allclose(state["mu"], x["x"].mean(axis=1))), bool(failed.any())
    (True, False)
    """

    def __init__(self, params, truth):
        super().__init__(params, truth)
        self.mu0 = 0.0      # centred on the truth (see the module docstring): mu is not needed
        self.sigma = float(params.get("sigma", 1))
        self.estimator = params.get("estimator", "mean")
        self.needs_points = self.estimator == "median"
        self.summary_draw = not self.needs_points

    def truth(self, ctx):
        return {"mu": np.full(ctx.R, self.mu0)}

    def draw(self, ctx, state, m, rand):
        x = rand.normal(m)
        x *= self.sigma
        x += state["mu"][:, None]
        return {"x": x}

    def draw_summary(self, ctx, state, m, rand):
        return {"mean": state["mu"] + (self.sigma / np.sqrt(m)) * rand.normal()}

    def summarise(self, ctx, points, m, idx=None):
        x = _points(points["x"], idx)
        return {"x": x} if self.needs_points else {"mean": x.mean(axis=1)}

    def fit(self, ctx, parts):
        if self.estimator == "median":
            x = np.concatenate([p.summary["x"] for p in parts], axis=1)
            mu = weighted_median(x, point_weights(parts))
        else:
            mu = pooled_mean(parts)
        return {"mu": mu}, np.zeros(ctx.R, dtype=bool)

    def metrics(self, ctx, state):
        return {"risk": (state["mu"] - self.mu0) ** 2}


@numeric_face("gaussian")
class Gaussian(NumericModel):
    """N(mu, sigma^2), both unknown: the MLE (divisor m) or the unbiased variance (divisor m - 1).

    Weighted fits use the weighted mean and the weighted average squared deviation;
    the unbiased version divides that by ``1 - sum_i w_i^2`` (weights normalised to
    sum 1), which is the divisor m - 1 for m equal weights. A fit whose variance is
    not positive and finite (a single point, or points all equal) is *failed*.

    Examples
    --------
    >>> import numpy as np
    >>> from fractions import Fraction
    >>> from numerics.models.base import Part
    >>> from numerics.models.random import BlockRandom
    >>> model = Gaussian({"mu": 0, "sigma": 1, "estimator": "unbiased"}, [0.0])
    >>> rand = BlockRandom([np.random.default_rng(0)], [3])
    >>> ctx = model.context(rand, 8)
    >>> x = model.draw(ctx, model.truth(ctx), 8, rand)
    >>> state, _ = model.fit(ctx, [Part(model.summarise(ctx, x, 8), Fraction(1), 8, 8)])
    >>> bool(np.allclose(state["var"], x["x"].var(axis=1, ddof=1)))
    True
    """

    def __init__(self, params, truth):
        super().__init__(params, truth)
        self.mu0 = 0.0      # centred on the truth (see the module docstring)
        self.sigma0 = float(params.get("sigma", 1))
        self.estimator = params.get("estimator", "mle")

    def truth(self, ctx):
        return {"mu": np.full(ctx.R, self.mu0), "var": np.full(ctx.R, self.sigma0**2)}

    def draw(self, ctx, state, m, rand):
        x = rand.normal(m)
        x *= np.sqrt(state["var"])[:, None]
        x += state["mu"][:, None]
        return {"x": x}

    def draw_summary(self, ctx, state, m, rand):
        mean = state["mu"] + np.sqrt(state["var"] / m) * rand.normal()
        m2 = state["var"] * rand.chisquare(m - 1) if m > 1 else np.zeros(ctx.R)
        return {"mean": mean, "m2": m2}

    def summarise(self, ctx, points, m, idx=None):
        x = _points(points["x"], idx)
        mean = x.mean(axis=1)
        dev = x - mean[:, None]
        return {"mean": mean, "m2": (dev * dev).sum(axis=1)}

    def fit(self, ctx, parts):
        mean, scatter, v2 = pooled_moments(parts)
        if self.estimator == "unbiased":
            with np.errstate(divide="ignore", invalid="ignore"):
                var = scatter / (1.0 - v2) if v2 < 1 else np.full(ctx.R, np.nan)
        else:
            var = scatter
        failed = ~(np.isfinite(var) & (var > 0))
        return {"mu": mean, "var": var}, failed

    def metrics(self, ctx, state):
        sigma = np.sqrt(state["var"])
        risk = (state["mu"] - self.mu0) ** 2
        return {"risk": risk, "sigma2": state["var"], "sigma": sigma,
                "w2sq": risk + (sigma - self.sigma0) ** 2}


@numeric_face("mvn")
class MultivariateGaussian(NumericModel):
    """N_d(mu, Sigma), truth mu = 0 and Sigma = I_d; MLE or unbiased covariance.

    Weighted fits as :class:`Gaussian`, with the scatter matrix. A fitted covariance
    that is not positive definite (fewer than d + 1 distinct points, or numerically
    singular: smallest eigenvalue below ``d * 1e-14`` times the largest) is *failed*.
    """

    def __init__(self, params, truth):
        super().__init__(params, truth)
        self.d = int(params.get("d", 2))
        self.estimator = params.get("estimator", "mle")
        self.point_bytes = 8 * self.d

    def summary_bytes(self, real_size):
        return 8 * (self.d + 1) * self.d

    def truth(self, ctx):
        eye = np.broadcast_to(np.eye(self.d), (ctx.R, self.d, self.d))
        return {"mu": np.zeros((ctx.R, self.d)), "cov": eye.copy(), "chol": eye.copy(),
                "eig": np.ones((ctx.R, self.d))}

    def draw(self, ctx, state, m, rand):
        z = rand.normal(m, self.d)
        x = np.matmul(z, np.ascontiguousarray(np.swapaxes(state["chol"], 1, 2)))
        x += state["mu"][:, None, :]
        return {"x": x}

    def draw_summary(self, ctx, state, m, rand):
        L = state["chol"]
        mean = state["mu"] + np.matmul(L, rand.normal(self.d)[:, :, None])[:, :, 0] / np.sqrt(m)
        W = wishart(rand, m - 1, self.d) if m > 1 else np.zeros((ctx.R, self.d, self.d))
        scatter = np.matmul(np.matmul(L, W), np.ascontiguousarray(np.swapaxes(L, 1, 2)))
        return {"mean": mean, "m2": scatter}

    def summarise(self, ctx, points, m, idx=None):
        x = _points(points["x"], idx)
        mean = x.mean(axis=1)
        return {"mean": mean, "m2": gram(x - mean[:, None, :])}

    def fit(self, ctx, parts):
        mean, scatter, v2 = pooled_moments(parts)
        if self.estimator == "unbiased":
            scatter = scatter / (1.0 - v2) if v2 < 1 else np.full_like(scatter, np.nan)
        cov = 0.5 * (scatter + np.swapaxes(scatter, 1, 2))
        finite = np.isfinite(cov).all(axis=(1, 2))
        safe = np.where(finite[:, None, None], cov, np.eye(self.d))
        eig = np.linalg.eigvalsh(safe)
        failed = ~finite | ~(eig[:, 0] > self.d * 1e-14 * eig[:, -1])
        safe = np.where(failed[:, None, None], np.eye(self.d), safe)
        return {"mu": mean, "cov": cov, "chol": np.linalg.cholesky(safe), "eig": eig}, failed

    def metrics(self, ctx, state):
        return {"risk": (state["mu"] ** 2).sum(axis=1),
                "trace_ratio": np.trace(state["cov"], axis1=1, axis2=2) / self.d,
                "det_ratio": np.prod(state["eig"], axis=1)}
