"""Random numbers for a chunk of replicates made of independent blocks.

A Monte Carlo run splits its replicates into blocks of consecutive replicates, each
with its own :class:`numpy.random.Generator`. A chunk processed in one vectorised
call is a run of consecutive blocks; :class:`BlockRandom` hands out arrays with a
leading replicate axis whose rows for block ``b`` come only from block ``b``'s
generator, in the same order of calls whatever else is in the chunk. That is what
makes results identical however the blocks are grouped into chunks.
"""

from __future__ import annotations

import numpy as np

__all__ = ["BlockRandom"]


class BlockRandom:
    """Draws for a chunk of replicates, block by block.

    Parameters
    ----------
    generators : sequence of numpy.random.Generator
        One generator per block, in replicate order.
    sizes : sequence of int
        The number of replicates in each block.

    Examples
    --------
    >>> import numpy as np
    >>> two = BlockRandom([np.random.default_rng(1), np.random.default_rng(2)], [2, 3]).normal(4)
    >>> alone = BlockRandom([np.random.default_rng(2)], [3]).normal(4)  # the second block by itself
    >>> two.shape, bool((two[2:] == alone).all())
    ((5, 4), True)
    """

    def __init__(self, generators, sizes):
        self.generators = list(generators)
        self.sizes = [int(s) for s in sizes]
        if len(self.generators) != len(self.sizes) or any(s < 1 for s in self.sizes):
            raise ValueError(f"need one generator per block and positive block sizes, "
                             f"got sizes {self.sizes!r}")
        edges = np.concatenate([[0], np.cumsum(self.sizes)])
        self.slices = [slice(int(lo), int(hi)) for lo, hi in zip(edges[:-1], edges[1:], strict=True)]
        self.size = int(edges[-1])

    def _fill(self, method, tail):
        out = np.empty((self.size, *tail))
        for gen, rows in zip(self.generators, self.slices, strict=True):
            getattr(gen, method)(out=out[rows])
        return out

    def normal(self, *tail):
        """Standard normal draws of shape ``(replicates, *tail)``."""
        return self._fill("standard_normal", tail)

    def uniform(self, *tail):
        """Uniform draws on [0, 1) of shape ``(replicates, *tail)``."""
        return self._fill("random", tail)

    def exponential(self, *tail):
        """Standard exponential draws of shape ``(replicates, *tail)``."""
        return self._fill("standard_exponential", tail)

    def each(self, method, *arrays, tail=()):
        """Call ``Generator.<method>(*args, size=(block, *tail))`` block by block.

        Every argument broadcasts against ``(replicates, *tail)`` (a per-replicate
        value is an array of shape ``(replicates, 1, ...)``); the result has that shape.
        """
        shape = (self.size, *tail)
        arrays = [np.broadcast_to(a, shape) if np.ndim(a) else a for a in arrays]
        parts = []
        for gen, rows in zip(self.generators, self.slices, strict=True):
            args = [a[rows] if np.ndim(a) else a for a in arrays]
            parts.append(getattr(gen, method)(*args, size=(rows.stop - rows.start, *tail)))
        return np.concatenate(parts, axis=0)

    def gamma(self, shape, *tail):
        """Gamma(shape, 1) draws; ``shape`` broadcasts against ``(replicates, *tail)``."""
        return self.each("standard_gamma", shape, tail=tail)

    def chisquare(self, df, *tail):
        """Chi-square draws with ``df`` degrees of freedom (broadcasting as :meth:`gamma`)."""
        return 2.0 * self.gamma(np.asarray(df, dtype=float) / 2.0, *tail)

    def binomial(self, trials, p, *tail):
        """Binomial(trials, p) draws; arguments broadcast against ``(replicates, *tail)``."""
        return self.each("binomial", trials, p, tail=tail)

    def poisson(self, lam, *tail):
        """Poisson(lam) draws; ``lam`` broadcasts against ``(replicates, *tail)``."""
        return self.each("poisson", lam, tail=tail)

    def hypergeometric(self, good, bad, sample, *tail):
        """Hypergeometric draws: successes among ``sample`` drawn without replacement."""
        return self.each("hypergeometric", good, bad, sample, tail=tail)
