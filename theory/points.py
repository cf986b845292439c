"""A workflow in whole points: each generation's fit entries with their sizes and counts in points.

The exact finite-n formulas (:mod:`theory.moments`, :mod:`theory.absorption`) and
:func:`theory.predictions.predict` read a workflow rounded to whole points at a
base size n (``workflow.at_sample_size(n)``) as the lists built here.
"""

from __future__ import annotations

from fractions import Fraction
from typing import NamedTuple

from .workflow import Workflow

__all__ = ["FitEntryPoints", "fit_points", "discard_sizes"]


class FitEntryPoints(NamedTuple):
    """A fit entry in points: batch name, batch size N, count c used, share, source generation (0: real)."""

    batch: str
    points: int
    count: int
    share: Fraction
    source: int


def fit_points(workflow: Workflow, n):
    """Per generation, the fit entries with sizes and counts in points.

    The sizes come from :meth:`theory.workflow.Workflow.in_points`, as lists.

    Raises
    ------
    ValueError
        If a size or count times n is not a whole number (the workflow was not
        rounded by ``workflow.at_sample_size(n)``).

    Examples
    --------
    >>> from theory.presets import preset
    >>> fit_points(preset("augment", 2), 5)[1]
    [FitEntryPoints(batch='R0', points=5, count=5, share=Fraction(1, 2), source=0), \
FitEntryPoints(batch='S1', points=5, count=5, share=Fraction(1, 2), source=1)]
    """
    return [[FitEntryPoints(s.batch, s.size, s.count, s.share, s.source) for s in gen.fit]
            for gen in workflow.in_points(n).generations]


def discard_sizes(workflow: Workflow, n):
    """The fitted sizes m_1..m_G in points if the workflow has the shape of discard, else None.

    Discard-shaped: generation 1 fits the whole of R0 alone, generation k >= 2 the
    whole of S<k-1> alone (sizes may differ between generations).

    Examples
    --------
    >>> from theory.presets import preset
    >>> discard_sizes(preset("discard", 3), 4), discard_sizes(preset("augment", 3), 4)
    ([4, 4, 4], None)
    """
    sizes = []
    for k, row in enumerate(fit_points(workflow, n), start=1):
        live = [e for e in row if e.share]
        if len(live) != 1:
            return None
        e = live[0]
        if e.batch != ("R0" if k == 1 else f"S{k - 1}") or e.count != e.points:
            return None
        sizes.append(e.points)
    return sizes

