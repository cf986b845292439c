"""What every numeric model provides, and the array helpers the models share.

A numeric model works on a *chunk*: many replicates at once, every array with a
leading replicate axis. The Monte Carlo engine (:mod:`numerics.montecarlo`) asks it to

- :meth:`~NumericModel.context`: set up per-chunk data that every batch shares (a
  fixed regression design), drawn before anything else;
- :meth:`~NumericModel.truth`: the true model, as a fitted state;
- :meth:`~NumericModel.draw`: draw a batch of ``m`` points from a fitted state;
- :meth:`~NumericModel.draw_summary`: draw only the batch's sufficient statistic,
  exactly in distribution (the fast path; models without one set
  ``summary_draw = False``);
- :meth:`~NumericModel.summarise`: the statistic of a whole batch or of a subsample;
- :meth:`~NumericModel.fit`: the real estimator on the pooled entries, each with its
  share of the fit (every point of entry e weighs ``share_e / count_e``), with a
  per-replicate ``failed`` flag;
- :meth:`~NumericModel.metrics`: the per-replicate metrics of DESIGN.md.

States, points and summaries are dicts of arrays with a leading replicate axis (a
model may use its own containers when it also provides
:meth:`~NumericModel.where_state`). Optional abilities, off by default:
``partial_metrics`` (metrics that may be infinite in a valid fit: averaged where
finite, never failing the replicate), ``summary_subsample`` (a subsample of a batch is
drawn from its summary: :meth:`~NumericModel.subsample_summary`) and ``curation`` (the
model has categories that a curated emission can reward: ``curated``,
``draw_curated``, ``curation_metrics``; see :mod:`numerics.models.categorical`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from types import SimpleNamespace

import numpy as np

__all__ = ["NumericModel", "Part", "weighted_median", "point_weights", "wishart", "bartlett_factor", "gram", "gather",
           "where_state", "pooled_mean", "pooled_moments"]


@dataclass(frozen=True)
class Part:
    """One entry of a fit as the estimator sees it.

    Attributes
    ----------
    summary : dict
        The entry's statistic (or its points, for estimators that need them).
    share : Fraction
        The entry's normalised share of the fit.
    count : int
        The number of points of the entry.
    size : int
        The number of points of the batch it comes from.
    """

    summary: dict
    share: Fraction
    count: int
    size: int

    @property
    def point_weight(self):
        """The weight of each of the entry's points, ``share / count``, as a float."""
        return float(Fraction(self.share) / self.count)


class NumericModel:
    """Base class of the numeric faces of the canonical models.

    A subclass is attached to its model's declaration by ``@numeric_face(name)``
    (:mod:`numerics.models.registry`), which gives it ``spec``: the name and the
    metric names come from there. It sets ``needs_points`` (the estimator reads
    every point: no sufficient statistic), ``summary_draw`` (a batch's statistic can
    be drawn directly) and ``point_bytes`` (memory per point), and implements the
    methods below. ``params`` are validated: build models through
    :func:`numerics.models.numeric_model`, which checks them with the model's
    declaration (the one place parameter domains are stated). A chunk's
    context may also carry what one fit leaves for the next of the same replicates
    (the logistic fit keeps its estimate as the next Newton start).

    Parameters
    ----------
    params : dict
        The model's validated parameters.
    truth : array_like
        The true natural parameter theta_0 (on which the risk is measured).

    Examples
    --------
    >>> import numpy as np
    >>> from fractions import Fraction
    >>> from numerics.models import numeric_model
    >>> from numerics.models.random import BlockRandom
    >>> model = numeric_model("bernoulli", {"p": 0.5})
    >>> rand = BlockRandom([np.random.default_rng(0)], [3])
    >>> ctx = model.context(rand, 4)
    >>> batch = model.draw(ctx, model.truth(ctx), 4, rand)          # 3 replicates x 4 points
    >>> state, failed = model.fit(ctx, [Part(model.summarise(ctx, batch, 4), Fraction(1), 4, 4)])
    >>> bool(np.allclose(state["p"], batch["x"].mean(axis=1))), sorted(model.metrics(ctx, state))
    (True, ['absorbed', 'risk'])
    """

    spec = None
    partial_metrics: tuple[str, ...] = ()
    needs_points = False
    summary_draw = True
    summary_subsample = False
    curation = False
    point_bytes = 8

    def __init__(self, params, truth):
        self.params = dict(params)
        self.theta0 = np.atleast_1d(np.asarray(truth, dtype=float))

    def __repr__(self):
        return f"{type(self).__name__}({self.params!r})"

    @property
    def name(self):
        """The model's CLI name."""
        return self.spec.name

    @property
    def metric_names(self):
        """The per-replicate metrics of :meth:`metrics` (the declaration's; ``failed`` is the engine's)."""
        return self.spec.metrics

    # -- per chunk -------------------------------------------------------------------------------------
    def context(self, rand, real_size):
        """Per-chunk data shared by every batch; by default only the chunk size."""
        return SimpleNamespace(R=rand.size)

    def context_bytes(self, real_size):
        """Memory per replicate that :meth:`context` holds."""
        return 0

    def check_sizes(self, points):
        """Refuse, before any work, batch sizes the model cannot simulate faithfully (default: any size).

        ``points`` is the workflow at the run's sample size
        (:class:`theory.workflow.WorkflowInPoints`).
        """

    def check_budget(self, points, replicates):
        """Refuse, before any work, too few replicates for an honest Monte Carlo of this model (default: any).

        ``points`` is the workflow at the run's sample size
        (:class:`theory.workflow.WorkflowInPoints`), ``replicates`` the run's number.
        """

    def summary_bytes(self, real_size):
        """Memory per replicate of a whole batch's summary."""
        return 16

    def truth(self, ctx):
        """The true model as a fitted state (a dict of per-replicate arrays)."""
        raise NotImplementedError

    def draw(self, ctx, state, m, rand):
        """A batch of ``m`` points from each replicate's fitted ``state``, drawn from ``rand``."""
        raise NotImplementedError

    def draw_summary(self, ctx, state, m, rand):
        """The statistic a whole batch of ``m`` points would have, drawn directly (same law)."""
        raise NotImplementedError

    def summarise(self, ctx, points, m, idx=None):
        """The statistic of a batch of ``m`` points, or of its points at positions ``idx`` (R, c)."""
        raise NotImplementedError

    def fit(self, ctx, parts):
        """The estimator on the pooled :class:`Part` s: ``(state, failed)`` per replicate."""
        raise NotImplementedError

    def metrics(self, ctx, state):
        """The per-replicate metrics (``metric_names``) of a fitted state."""
        raise NotImplementedError

    def subsample_summary(self, ctx, summary, size, count, rand):
        """The summary of ``count`` of a batch's ``size`` points drawn without replacement (``summary_subsample``)."""
        raise NotImplementedError

    def where_state(self, mask, a, b):
        """Per replicate, state ``a`` where ``mask`` holds and ``b`` elsewhere."""
        return where_state(mask, a, b)


# ------------------------------------------------------------------------------------------- helpers
def gather(array, idx):
    """Rows ``idx`` (shape ``(R, c)``) of each replicate of ``array`` (shape ``(R, m, ...)``).

    Examples
    --------
    >>> import numpy as np
    >>> gather(np.arange(6.0).reshape(2, 3), np.array([[2, 0], [1, 1]])).tolist()
    [[2.0, 0.0], [4.0, 4.0]]
    """
    return np.take_along_axis(array, idx.reshape(idx.shape + (1,) * (array.ndim - 2)), axis=1)


def gram(X):
    """X^T X for a stack of designs ``X`` of shape ``(R, m, d)``.

    Examples
    --------
    >>> import numpy as np
    >>> gram(np.ones((1, 3, 2))).tolist()
    [[[3.0, 3.0], [3.0, 3.0]]]
    """
    return np.matmul(np.ascontiguousarray(np.swapaxes(X, 1, 2)), X)


def where_state(mask, a, b):
    """Per replicate, state ``a`` where ``mask`` holds and ``b`` elsewhere (dicts of arrays).

    Keys that start with ``_`` hold values shared by every replicate: ``a``'s are kept.
    """
    out = {}
    for key, value in a.items():
        if key.startswith("_"):
            out[key] = value
            continue
        m = mask.reshape(mask.shape + (1,) * (np.ndim(value) - 1))
        out[key] = np.where(m, value, b[key])
    return out


def point_weights(parts, exact=True):
    """The per-point weights of the pooled data, in the order of ``parts``.

    With ``exact`` the weights ``share / count`` are scaled to integers (so that
    ties in a weighted median are decided exactly); ``None`` when all points weigh
    the same (a pooled fit). Falls back to floats if the integers would be huge.

    Examples
    --------
    >>> from fractions import Fraction
    >>> parts = [Part({}, Fraction(1, 2), 2, 2), Part({}, Fraction(1, 2), 4, 4)]
    >>> point_weights(parts).tolist()
    [2, 2, 1, 1, 1, 1]
    >>> point_weights([Part({}, Fraction(1), 3, 3)]) is None
    True
    """
    per_point = [Fraction(p.share) / p.count for p in parts]
    counts = [p.count for p in parts]
    if len(set(per_point)) == 1:
        return None
    if exact:
        scale = math.lcm(*(w.denominator for w in per_point))
        ints = [int(w * scale) for w in per_point]
        if max(ints) * sum(counts) < 2**53:
            return np.repeat(np.array(ints, dtype=np.int64), counts)
    return np.repeat(np.array([float(w) for w in per_point]), counts)


def weighted_median(x, weights=None):
    """Per row of ``x`` (shape ``(R, M)``), the weighted median.

    The midpoint of the lower and upper weighted medians (the smallest points whose
    cumulative weight reaches, respectively exceeds, half the total), so that equal
    weights give the ordinary sample median.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.array([[3.0, 1.0, 2.0, 10.0]])
    >>> weighted_median(x).tolist(), weighted_median(x, np.array([1, 1, 1, 5])).tolist()
    ([2.5], [10.0])
    >>> weighted_median(x, np.array([1, 1, 2, 0])).tolist()
    [2.0]
    """
    if weights is None:
        return np.median(x, axis=1)
    order = np.argsort(x, axis=1, kind="stable")
    xs = np.take_along_axis(x, order, axis=1)
    cum = np.cumsum(weights[order], axis=1)
    total = cum[:, -1:]
    lower = np.argmax(2 * cum >= total, axis=1)
    upper = np.argmax(2 * cum > total, axis=1)
    rows = np.arange(x.shape[0])
    return 0.5 * (xs[rows, lower] + xs[rows, upper])


def wishart(rand, df, d):
    """Wishart(df, I_d) matrices, one per replicate (the scatter of ``df`` standard normal rows).

    Bartlett's decomposition when ``df >= d`` (:func:`bartlett_factor`); otherwise the
    product ``Z^T Z`` of ``df`` rows (the singular case).

    Examples
    --------
    >>> import numpy as np
    >>> from numerics.models.random import BlockRandom
    >>> rand = BlockRandom([np.random.default_rng(0)], [20000])
    >>> W = wishart(rand, 7, 2)
    >>> np.round(W.mean(axis=0) / 7, 1).tolist()  # E W = df I
    [[1.0, 0.0], [0.0, 1.0]]
    """
    df = int(df)
    if df < d:
        return gram(rand.normal(df, d))
    A = bartlett_factor(rand, df, d)
    return np.matmul(A, np.ascontiguousarray(np.swapaxes(A, 1, 2)))


def bartlett_factor(rand, df, d):
    """The lower-triangular A with A A^T ~ Wishart(df, I_d), ``df >= d`` (Bartlett): its Cholesky factor.

    The diagonal holds sqrt(chi^2_{df - i}), i = 0..d-1, and the entries below it are
    independent N(0, 1).

    Examples
    --------
    >>> import numpy as np
    >>> from numerics.models.random import BlockRandom
    >>> A = bartlett_factor(BlockRandom([np.random.default_rng(0)], [2]), 5, 3)
    >>> bool(np.all(np.triu(A, 1) == 0) and np.all(np.diagonal(A, axis1=1, axis2=2) > 0))
    True
    """
    df = int(df)
    if df < d:
        raise ValueError(f"Bartlett's factor needs df >= d, got df = {df} and d = {d}")
    A = np.zeros((rand.size, d, d))
    dfs = df - np.arange(d)
    A[:, np.arange(d), np.arange(d)] = np.sqrt(rand.chisquare(np.broadcast_to(dfs, (rand.size, d)), d))
    low = np.tril_indices(d, -1)
    if low[0].size:
        A[:, low[0], low[1]] = rand.normal(low[0].size)
    return A


def pooled_mean(parts, key="mean"):
    """``sum_e share_e summary_e[key]``, the shares normalised by their float sum.

    The weighted mean of pooled entries when each carries its own mean.
    """
    shares = np.array([float(p.share) for p in parts])
    shares = shares / shares.sum()
    mean = shares[0] * parts[0].summary[key]
    term = np.empty_like(mean)
    for s, p in zip(shares[1:], parts[1:], strict=True):
        np.multiply(p.summary[key], s, out=term)
        mean += term
    return mean


def pooled_moments(parts, mean_key="mean", scatter_key="m2"):
    """Weighted mean and weighted average squared deviation of pooled entries.

    Every entry carries its mean and its scatter (sum of squared deviations about
    its own mean; a ``(R, d, d)`` matrix for vectors). With ``w_e = share_e /
    count_e`` per point, the pooled mean is ``sum_e share_e mean_e`` and the
    weighted scatter about it combines the entries exactly (Chan's parallel
    formula), which stays accurate when the spread is tiny next to the mean.
    Returns ``(mean, scatter, v2)`` with ``v2 = sum_i w_i^2`` (for an unbiased
    correction); the shares are normalised by their float sum.
    """
    shares = np.array([float(p.share) for p in parts])
    shares = shares / shares.sum()
    mean = pooled_mean(parts, mean_key)
    scatter = 0.0
    for s, p in zip(shares, parts, strict=True):
        dev = p.summary[mean_key] - mean
        outer = dev * dev if dev.ndim == 1 else dev[:, :, None] * dev[:, None, :]
        scatter = scatter + s * (p.summary[scatter_key] / p.count + outer)
    total = sum(Fraction(p.share) for p in parts)
    v2 = float(sum(Fraction(p.share) ** 2 / p.count for p in parts) / total**2)
    return mean, scatter, v2
