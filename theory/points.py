"""A workflow in whole points, as lists: each generation's fit entries with sizes and counts in points.

The exact finite-n formulas (:mod:`theory.resampling`, :mod:`theory.moments`,
:mod:`theory.absorption`) and :func:`theory.predictions.predict` read a workflow
rounded to whole points at a base size n (``workflow.at_sample_size(n)``) as the
lists of :class:`~theory.workflow.Share` built here from
:meth:`~theory.workflow.Workflow.in_points`.
"""

from __future__ import annotations

from .workflow import Workflow

__all__ = ["fit_points", "discard_sizes"]


def fit_points(workflow: Workflow, n):
    """Per generation, the fit entries with sizes and counts in points.

    The entries are the :class:`~theory.workflow.Share` objects of
    :meth:`theory.workflow.Workflow.in_points` (``size`` and ``count`` in points,
    ``source`` the generation that emitted the batch, 0 for real data), as lists.

    Raises
    ------
    ValueError
        If a size or count times n is not a whole number (the workflow was not
        rounded by ``workflow.at_sample_size(n)``).

    Examples
    --------
    >>> from theory.presets import preset
    >>> fit_points(preset("augment", 2), 5)[1]
    [Share(batch='R0', size=5, count=5, share=Fraction(1, 2)), Share(batch='S1', size=5, count=5, share=Fraction(1, 2))]
    """
    return [list(gen.fit) for gen in workflow.in_points(n).generations]


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
        if e.batch != ("R0" if k == 1 else f"S{k - 1}") or e.count != e.size:
            return None
        sizes.append(e.size)
    return sizes

