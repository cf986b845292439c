"""Monte Carlo budgets: how much the evidence may spend, and how a comparison's tolerance sets it.

A :class:`Budget` (``quick`` or ``full``, with a master seed) is handed to every
evidence function. A comparison either takes a fixed number of replicates per cost
class (:meth:`Budget.replicates`, :meth:`Budget.pick`) or states its
:class:`Tolerance` and gets the replicates that tolerance needs
(:meth:`Budget.replicates_for`): enough for k standard errors to stay within the
budget's resolution of the target, or within the comparison's own finite-n
allowance where that is wider. The ledger's helpers
(:func:`proofs_check.ledger._common.simulate`, ``gp_simulate``) measure the spread on
a pilot of blocks and add the rest.
"""

from __future__ import annotations

import math
import zlib
from dataclasses import dataclass

import numpy as np

from theory.input_limits import MAX_SEED, LimitError

__all__ = ["Budget", "Tolerance", "QUICK", "FULL", "REPLICATES", "RESOLUTION", "BLOCK_REPLICATES", "PILOT_BLOCKS",
           "budget_named"]


@dataclass(frozen=True)
class Budget:
    """How much Monte Carlo to spend, and the master seed.

    A Monte Carlo comparison either asks for a fixed number of replicates per cost
    class (:meth:`replicates`, :meth:`pick`) or states its :class:`Tolerance` and
    gets the replicates that tolerance needs (:meth:`replicates_for`): enough for k
    standard errors to stay within the budget's :meth:`resolution` of the target, or
    within the comparison's own finite-n allowance where that is wider (a Monte Carlo
    error far below the allowance buys nothing). ``quick`` (the default) resolves
    3% for models drawn through sufficient statistics and 12% for Newton fits; ``full``
    resolves sqrt(10) times finer, about ten times the replicates.

    Parameters
    ----------
    name : {"quick", "full"}
        The size of the Monte Carlo budget.
    seed : int
        The master seed; each claim spawns its own stream (:meth:`for_claim`).
    claim_id : str
        The claim this budget is bound to ("" for the ledger's).

    Examples
    --------
    >>> QUICK.pick(2000, 20000), FULL.pick(2000, 20000)
    (2000, 20000)
    >>> QUICK.replicates("cheap"), FULL.replicates("cheap")
    (40000, 400000)
    >>> QUICK.resolution("iterative"), round(FULL.resolution("iterative"), 4)
    (0.12, 0.0379)
    >>> QUICK.stream("augment") == QUICK.stream("augment") != QUICK.stream("discard")
    True
    """

    name: str = "quick"
    seed: int = 20241029
    claim_id: str = ""

    def __post_init__(self):
        if self.name not in ("quick", "full"):
            raise ValueError(f"budget must be 'quick' or 'full', got {self.name!r}")
        if isinstance(self.seed, bool) or not isinstance(self.seed, int) or self.seed < 0:
            raise ValueError(f"the master seed must be a non-negative integer, got {self.seed!r}")
        if self.seed > MAX_SEED:
            raise LimitError(f"the master seed {self.seed} is more than the limit of 2**128 - 1")

    def pick(self, quick, full):
        """The quick or the full value."""
        return quick if self.name == "quick" else full

    def replicates(self, cost):
        """Monte Carlo replicates for a simulation of the given ``cost``.

        ``"cheap"``: models drawn through sufficient statistics; ``"points"``: models
        that need every point (median, KDE); ``"iterative"``: fits by Newton's method
        (logistic); ``"process"``: the Gaussian-process simulator.
        """
        if cost not in REPLICATES:
            raise ValueError(f"cost must be one of {', '.join(REPLICATES)}, got {cost!r}")
        return self.pick(*REPLICATES[cost])

    def resolution(self, cost):
        """The relative half-width (k standard errors over |target|) a comparison of ``cost`` resolves."""
        if cost not in RESOLUTION:
            raise ValueError(f"cost must be one of {', '.join(RESOLUTION)}, got {cost!r}")
        return RESOLUTION[cost] / (1.0 if self.name == "quick" else math.sqrt(10.0))

    def replicates_for(self, tolerance, spread):
        """Replicates a comparison needs for its ``tolerance``, given the statistic's ``spread``.

        Parameters
        ----------
        tolerance : Tolerance
        spread : sequence of float
            Per compared entry (e.g. per generation), the standard deviation of one
            replicate's contribution relative to |target|: the relative standard error
            of R replicates is ``spread / sqrt(R)``. Entries that are not finite are
            ignored.

        Returns
        -------
        int
            The smallest multiple of :data:`BLOCK_REPLICATES` at which
            ``tolerance.k * spread / sqrt(R) <= max(resolution, allowance)`` for every
            entry, within ``[tolerance.at_least, tolerance.at_most]`` (the cost class's
            default bounds when None).

        Examples
        --------
        >>> QUICK.replicates_for(Tolerance("iterative"), [1.0, 1.25])
        1750
        >>> QUICK.replicates_for(Tolerance("iterative", relative=[0.05, 0.2]), [1.0, 1.25])
        1250
        >>> FULL.replicates_for(Tolerance("iterative"), [1.0, 1.25])
        17500
        """
        if not isinstance(tolerance, Tolerance):
            raise TypeError(f"tolerance must be a Tolerance, got {tolerance!r}")
        spread = np.atleast_1d(np.asarray(spread, dtype=float))
        allowance = np.broadcast_to(np.asarray(tolerance.relative, dtype=float), spread.shape)
        width = np.maximum(self.resolution(tolerance.cost), allowance)
        ok = np.isfinite(spread)
        need = float(np.max((tolerance.k * spread[ok] / width[ok]) ** 2, initial=0.0))
        low, high = self.replicate_bounds(tolerance)
        blocks = math.ceil(min(max(need, low), high) * (1 - 1e-12) / BLOCK_REPLICATES)   # rounding, not a block
        return blocks * BLOCK_REPLICATES

    def replicate_bounds(self, tolerance):
        """``(at_least, at_most)`` replicates for ``tolerance`` (the cost class's defaults where not given)."""
        quick, full = REPLICATES[tolerance.cost]
        low = tolerance.at_least if tolerance.at_least is not None else PILOT_BLOCKS * BLOCK_REPLICATES
        high = tolerance.at_most if tolerance.at_most is not None else 4 * self.pick(quick, full)
        return low, max(low, high)

    def stream(self, *labels):
        """A stream key (for ``numerics.montecarlo.simulate(..., stream=...)``), fixed per claim and label."""
        return tuple(zlib.crc32(str(x).encode()) for x in (self.claim_id, *labels))

    def for_claim(self, claim_id):
        return Budget(self.name, self.seed, claim_id)


REPLICATES = {"cheap": (40000, 400000), "points": (10000, 100000), "iterative": (3000, 30000),
              "process": (200000, 2000000)}
"""Replicates per cost class: (quick, full)."""

RESOLUTION = {"cheap": 0.03, "points": 0.06, "iterative": 0.12, "process": 0.015}
"""The quick budget's relative resolution per cost class (k standard errors over |target|); the full
budget's is sqrt(10) times finer."""

BLOCK_REPLICATES = 250
"""Replicates come in blocks of this size (``numerics.montecarlo.BLOCK``)."""

PILOT_BLOCKS = 2
"""Blocks run first to measure a statistic's spread when the replicates follow from a tolerance."""


@dataclass(frozen=True)
class Tolerance:
    """What a Monte Carlo comparison tolerates, from which its number of replicates follows.

    The comparison looks at the ratios R_k = metric_k / metric_1 (k = 2..G), at the
    metric itself (k = 1..G), or at both; each entry tolerates ``k`` standard errors
    plus its finite-n allowance.

    Parameters
    ----------
    cost : {"cheap", "points", "iterative", "process"}
        The cost class (sets the budget's resolution and the default bounds).
    relative : float or sequence of float
        The finite-n allowance of the ratios, relative to |target| (one per
        generation k = 2..G, or one for all); 0 for an exact target.
    k : float
        Standard errors the comparison allows.
    at_least, at_most : int, optional
        Bounds on the replicates (default: the pilot, and four times the cost class's
        fixed count).
    levels : bool, optional
        Whether the metric itself is compared (None: when the toolkit's prediction of
        it is exact at the simulated n).
    level_relative : float or sequence of float
        The finite-n allowance of the metric itself (k = 1..G, or one for all).
    ratios : bool
        Whether the ratios are compared.

    Examples
    --------
    >>> Tolerance("cheap", relative=0.05).k
    4.0
    >>> Tolerance("free")
    Traceback (most recent call last):
    ...
    ValueError: cost must be one of cheap, points, iterative, process, got 'free'
    """

    cost: str
    relative: float | tuple = 0.0
    k: float = 4.0
    at_least: int | None = None
    at_most: int | None = None
    levels: bool | None = None
    level_relative: float | tuple = 0.0
    ratios: bool = True

    def __post_init__(self):
        if self.cost not in RESOLUTION:
            raise ValueError(f"cost must be one of {', '.join(RESOLUTION)}, got {self.cost!r}")
        for name in ("relative", "level_relative"):
            given = getattr(self, name)
            value = np.asarray(given, dtype=float)
            if value.ndim > 1 or not np.all(np.isfinite(value)) or np.any(value < 0):
                raise ValueError(f"{name} allowances must be finite and non-negative, got {given!r}")
            object.__setattr__(self, name, float(value) if value.ndim == 0 else tuple(value.tolist()))
        if not (isinstance(self.k, int | float) and not isinstance(self.k, bool) and self.k > 0):
            raise ValueError(f"k must be a positive number of standard errors, got {self.k!r}")
        object.__setattr__(self, "k", float(self.k))
        for name in ("at_least", "at_most"):
            value = getattr(self, name)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
        if not self.ratios and self.levels is False:
            raise ValueError("a tolerance compares the ratios, the metric itself, or both; got neither")


QUICK, FULL = Budget("quick"), Budget("full")


def budget_named(name, seed=None):
    """The budget called ``name`` ('quick' or 'full'), optionally with another master seed.

    Examples
    --------
    >>> budget_named("full", 7)
    Budget(name='full', seed=7, claim_id='')
    """
    base = Budget(name)
    return base if seed is None else Budget(name, int(seed))
