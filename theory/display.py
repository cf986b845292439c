"""How results print in a terminal and in a notebook: aligned text tables and HTML tables.

The results objects of the three packages (:class:`theory.Prediction`,
:class:`numerics.SimulationResult`, :class:`numerics.GPResult`,
:class:`proofs_check.LedgerRun`, ...) build their ``__repr__`` with
:func:`text_table` and their ``_repr_html_`` with :func:`html_table`, from the same
header and rows. Long tables keep their first and last rows (:func:`elide`).

Examples
--------
>>> print(text_table(["k", "R_k"], [[1, "1"], [2, "5/4"]], title="augment"))
augment
k  R_k
1  1
2  5/4
>>> html_table(["k"], [[1]])
'<table><thead><tr><th>k</th></tr></thead><tbody><tr><td>1</td></tr></tbody></table>'
"""

from __future__ import annotations

import html
import math

__all__ = ["text_table", "html_table", "elide", "number"]

ELIDED = "…"


def number(value, digits=6):
    """A float in ``digits`` significant digits; None as ``n/a``; strings as they are.

    Parameters
    ----------
    value : float, int, str or None
        The value to show.
    digits : int
        Significant digits.

    Returns
    -------
    str

    Examples
    --------
    >>> number(0.1361111111), number(None), number(float("inf")), number(2)
    ('0.136111', 'n/a', 'inf', '2')
    """
    if value is None:
        return "n/a"
    if isinstance(value, str):
        return value
    if isinstance(value, int):
        return str(value)
    value = float(value)
    return str(value) if not math.isfinite(value) else f"{value:.{digits}g}"


def elide(rows, head=5, tail=3):
    """The rows, or their first ``head`` and last ``tail`` around a row of ``…`` when there are more.

    Parameters
    ----------
    rows : list of lists
        The table's rows (all of one length).
    head, tail : int
        Rows kept at each end.

    Returns
    -------
    list of lists

    Examples
    --------
    >>> elide([[i] for i in range(10)], head=2, tail=1)
    [[0], [1], ['…'], [9]]
    """
    rows = list(rows)
    if len(rows) <= head + tail + 1:
        return rows
    width = len(rows[0]) if rows else 1
    return [*rows[:head], [ELIDED] * width, *rows[len(rows) - tail:]]


def text_table(header, rows, title=None):
    """An aligned plain-text table: left-aligned cells separated by two spaces.

    Parameters
    ----------
    header : list of str
        Column titles.
    rows : list of lists
        Cells (anything with ``str``).
    title : str, optional
        A line (or lines) above the table.

    Returns
    -------
    str
    """
    cells = [[str(c) for c in header], *[[str(c) for c in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    lines = [] if title is None else [title]
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in cells]
    return "\n".join(lines)


def html_table(header, rows, title=None):
    """The table of :func:`text_table` (same arguments) as HTML, cells escaped, ``title`` its caption."""
    def cells(row, tag):
        return "".join(f"<{tag}>{html.escape(str(c))}</{tag}>" for c in row)

    caption = "" if title is None else f"<caption>{html.escape(title)}</caption>"
    body = "".join(f"<tr>{cells(row, 'td')}</tr>" for row in rows)
    return f"<table>{caption}<thead><tr>{cells(header, 'th')}</tr></thead><tbody>{body}</tbody></table>"
