"""Block sums: what one block of Monte Carlo replicates leaves behind, and their exact aggregation.

The engine (:mod:`numerics.montecarlo`) reduces every block of replicates to per-metric,
per-generation sums (:class:`BlockSums`): sums and sums of squares, the number of replicates
counted, and the cross moments with generation 1 that the covariance of a generation's mean with
generation 1's needs. Blocks travel as JSON (floats as exact hexadecimal strings) from workers to
a sweep's store, and :func:`aggregate` combines any set of them with exactly rounded sums, so
results do not depend on how blocks were grouped, ordered or computed.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np

__all__ = ["BlockSums", "aggregate", "block_sums"]


def _hex(values):
    return [float(v).hex() for v in values]


def _unhex(values):
    return np.array([float.fromhex(v) for v in values], dtype=float)


@dataclass(eq=False)
class BlockSums:
    """One block's per-metric, per-generation sums: all a later aggregate needs, exactly.

    Attributes
    ----------
    block : int
        The block index.
    count : int
        Replicates in the block.
    sums, sumsq : dict of str -> ndarray, shape (G,)
        Sum and sum of squares of each metric over the block's counted replicates.
    counts : dict of str -> ndarray of int, shape (G,)
        For every metric that excludes failed replicates (all but ``failed``), how many
        replicates were counted at each generation.
    cross, first : dict of str -> ndarray, shape (G,)
        Over the replicates counted at generation k, the sum of ``metric_k * metric_1``
        and the sum of ``metric_1``: what the covariance of a generation's mean with
        generation 1's needs (the two come from the same replicates). ``first`` is kept
        only for the metrics where it is not generation 1's sum (where a replicate
        counted at generation 1 failed later). Sums of a store written before the cross
        moments were kept have neither.

    Examples
    --------
    >>> import json
    >>> import numpy as np
    >>> b = BlockSums(0, 2, {"risk": np.array([0.1, 0.3])}, {"risk": np.array([0.01, 0.05])},
    ...               {"risk": np.array([2, 1])}, {"risk": np.array([0.01, 0.02])}, {"risk": np.array([0.1, 0.1])})
    >>> BlockSums.from_dict(json.loads(json.dumps(b.to_dict()))) == b
    True
    >>> b.first_sums("risk").tolist(), BlockSums(0, 1, {"x": np.array([2.0, 3.0])}, {}).first_sums("x").tolist()
    ([0.1, 0.1], [2.0, 2.0])
    """

    block: int
    count: int
    sums: dict
    sumsq: dict
    counts: dict = field(default_factory=dict)
    cross: dict = field(default_factory=dict)
    first: dict = field(default_factory=dict)

    def replicates(self, name):
        """How many replicates each generation's sum of ``name`` covers."""
        return self.counts[name] if name in self.counts else np.full(len(self.sums[name]), self.count)

    def first_sums(self, name):
        """Per generation k, the sum of ``name`` at generation 1 over the replicates counted at k."""
        if name in self.first:
            return self.first[name]
        return np.full(len(self.sums[name]), self.sums[name][0])

    def to_dict(self):
        """JSON-able data; floats as exact hexadecimal strings (``float.hex``)."""
        data = {"block": int(self.block), "count": int(self.count),
                "sums": {k: _hex(v) for k, v in self.sums.items()},
                "sumsq": {k: _hex(v) for k, v in self.sumsq.items()},
                "counts": {k: [int(c) for c in v] for k, v in self.counts.items()}}
        if self.cross:
            data["cross"] = {k: _hex(v) for k, v in self.cross.items()}
        first = {k: _hex(v) for k, v in self.first.items()
                 if not np.array_equal(v, np.full(len(v), self.sums[k][0]))}
        if first:
            data["first"] = first
        return data

    @classmethod
    def from_dict(cls, data):
        """The inverse of :meth:`to_dict` (also reads sums stored without cross moments)."""
        try:
            return cls(int(data["block"]), int(data["count"]),
                       {k: _unhex(v) for k, v in data["sums"].items()},
                       {k: _unhex(v) for k, v in data["sumsq"].items()},
                       {k: np.array(v, dtype=np.int64) for k, v in data.get("counts", {}).items()},
                       {k: _unhex(v) for k, v in data.get("cross", {}).items()},
                       {k: _unhex(v) for k, v in data.get("first", {}).items()})
        except (KeyError, TypeError, ValueError) as err:
            raise ValueError(f"malformed block sums {str(data)[:120]!r}: {err}") from None

    def __eq__(self, other):
        return isinstance(other, BlockSums) and self.to_dict() == other.to_dict()

    __hash__ = None


def block_sums(values, failed_by, first_block, sizes):
    """The :class:`BlockSums` of consecutive blocks of ``sizes`` replicates (values and failures as
    :func:`numerics.montecarlo.run_replicates` returns them), numbered from ``first_block``."""
    out = []
    lo = 0
    for i, size in enumerate(sizes):
        hi = lo + size
        failed = np.ascontiguousarray(failed_by[lo:hi].T)            # (G, replicates): row-wise sums
        sums, sumsq, counts, cross, first = {}, {}, {}, {}, {}
        for name, v in values.items():
            v = np.ascontiguousarray(v[lo:hi].T)
            ok = ~failed & np.isfinite(v)        # a model's partial metrics count where finite (others are or fail)
            x = np.where(ok, v, 0.0)
            x1 = np.where(ok, x[0], 0.0)        # generation 1's value of the replicates counted at k
            sums[name], sumsq[name] = x.sum(axis=1), (x * x).sum(axis=1)
            cross[name], first[name] = (x * x[0]).sum(axis=1), x1.sum(axis=1)
            counts[name] = ok.sum(axis=1).astype(np.int64)
        f = failed.astype(float)
        sums["failed"], sumsq["failed"] = f.sum(axis=1), f.sum(axis=1)
        cross["failed"] = (f * f[0]).sum(axis=1)
        out.append(BlockSums(first_block + i, size, sums, sumsq, counts, cross, first))
        lo = hi
    return out


def aggregate(blocks: Iterable[BlockSums]) -> dict[str, dict[str, list[float]]]:
    """Mean and standard error of every metric and generation over the blocks, and its covariance with generation 1.

    Sums are combined with :func:`math.fsum` (exactly rounded) and the (co)variances
    from them in exact rational arithmetic, so the result does not depend on how the
    blocks were grouped or ordered. A generation where no replicate was counted has
    mean ``None``; with one replicate the standard error is ``None``.

    ``covariance[k]`` estimates the covariance of generation k's mean with generation
    1's (they come from the same replicates), ``c_k / N_1`` with ``c_k`` the sample
    covariance of ``metric_k`` and ``metric_1`` over the ``N_k`` replicates counted at
    k; ``covariance[0]`` is ``stderr[0] ** 2``. It is ``None`` where a block lacks the
    cross moments (a store written before they were kept): use a bound then
    (:func:`numerics.uncertainty.ratio_stderr`).

    Examples
    --------
    >>> import numpy as np
    >>> one = lambda b, x, y: BlockSums(b, 1, {"risk": np.array([x, y])}, {"risk": np.array([x * x, y * y])},
    ...                                 {"risk": np.array([1, 1])}, {"risk": np.array([x * x, x * y])})
    >>> aggregate([one(0, 1.0, 2.0), one(1, 3.0, 8.0)])
    {'risk': {'mean': [2.0, 5.0], 'stderr': [1.0, 3.0], 'covariance': [1.0, 3.0]}}
    """
    blocks = list(blocks)
    if not blocks:
        raise ValueError("aggregate needs at least one block, got none")
    names = list(blocks[0].sums)
    out = {}
    for name in names:
        try:
            rows = [(b.sums[name], b.sumsq[name], b.replicates(name)) for b in blocks]
        except KeyError:
            raise ValueError(f"metric {name!r} is missing from some blocks") from None
        crossed = all(name in b.cross for b in blocks)
        cross = [(b.cross[name], b.first_sums(name)) for b in blocks] if crossed else None
        G = len(rows[0][0])
        means, errors, covariances = [], [], []
        N1 = sum(int(r[2][0]) for r in rows)
        for g in range(G):
            s1 = math.fsum(r[0][g] for r in rows)
            s2 = math.fsum(r[1][g] for r in rows)
            N = sum(int(r[2][g]) for r in rows)
            covariances.append(None)
            if N == 0 or not (math.isfinite(s1) and math.isfinite(s2)):
                means.append(None if N == 0 else s1 / N)
                errors.append(None)
                continue
            means.append(s1 / N)
            if N < 2:
                errors.append(None)
                continue
            S1, S2 = Fraction(s1), Fraction(s2)
            var = max(Fraction(0), (S2 - S1 * S1 / N) / (N - 1))
            errors.append(math.sqrt(var / N))
            if cross is not None and N1 > 0:     # (no replicate counted in generation 1: no covariance)
                sxy = math.fsum(c[0][g] for c in cross)
                sx1 = math.fsum(c[1][g] for c in cross)
                if math.isfinite(sxy) and math.isfinite(sx1):
                    # Cov(mean_k, mean_1) = sum over the N_k shared replicates of Cov(x_k, x_1) / (N_k N_1)
                    cov = (Fraction(sxy) - S1 * Fraction(sx1) / N) / (N - 1)
                    covariances[g] = float(var / N1) if g == 0 else float(cov / N1)
        out[name] = {"mean": means, "stderr": errors, "covariance": covariances}
    return out
