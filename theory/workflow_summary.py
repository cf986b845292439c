"""How a workflow prints: the compact notation of its summary, as text and as LaTeX.

One line per generation::

    2: new R2; 0.25 R2 + 0.75 S1 -> S2(2n)

reads "generation 2 collects a fresh real batch R2 (n points), fits R2 and S1 with
shares 1/4 and 3/4, and emits S2 (2n points)". A curated emission ends in
``, curated (K = 4)`` (the number of candidates per point, ``K = oo`` for the limit
map). ``R0(n/2)`` is a subsample of n/2 points of R0; a batch fitted whole carries no count, and a batch created without
a size has n points. Shares are shown only where the workflow gives weights (a
pooled fit weighs its entries by their counts). The middle of a long workflow and
of a long fit is elided. :meth:`theory.workflow.Workflow.describe` and
``Workflow._repr_latex_`` use :func:`summary` and :func:`summary_latex`.
"""

from __future__ import annotations

from .rationals import format_rational
from .workflow_format import RANGE, RELATIVE

__all__ = ["summary", "summary_latex"]


def summary(workflow, first=4, last=2):
    """The text summary of ``workflow`` (see :meth:`theory.workflow.Workflow.describe`)."""
    head = "Workflow" + ("" if workflow.name is None else f" {workflow.name!r}") + f" (G = {workflow.G}"
    head += ")" if workflow.real == 1 else f"; R0 has {_times_n(workflow.real)} points)"
    width = len(str(workflow.G))
    lines = [head]
    for k in _shown(workflow.G, first, last):
        if k is None:
            lines.append("  " + " " * (width - 1) + "...")
            continue
        lines.append(f"  {k:>{width}}: " + _describe(workflow.generations[k - 1], workflow.shares()[k - 1], k, False))
    if workflow.then is not None:
        lines.append("  then: " + _describe(workflow.then, None, None, False))
    return "\n".join(lines)


def summary_latex(workflow, first=4, last=2):
    """The summary as display math: the name and G, then an ``array`` of the generations."""
    from .latex import tex_text

    title = (r"\texttt{" + tex_text(workflow.name) + r"}\ " if workflow.name is not None else "") + \
        f"(G = {workflow.G}"
    title += ")" if workflow.real == 1 else r",\ |R_0| = " + _times_n(workflow.real, latex=True) + ")"
    rows = []
    for k in _shown(workflow.G, first, last):
        body = r"\vdots & " if k is None else \
            f"{k}: & " + _describe(workflow.generations[k - 1], workflow.shares()[k - 1], k, True)
        rows.append(body + r" \\")
    if workflow.then is not None:
        rows.append(r"\text{then } k: & " + _describe(workflow.then, None, None, True) + r" \\")
    return "$$" + title + r"\qquad\begin{array}{rl}" + "\n" + "\n".join(rows) + "\n" + r"\end{array}$$"


_LONG_FIT = 6   # entries beyond which a fit is shown as its first three, "...", its last


def _shown(G, first, last):
    """The generations a summary shows: all, or the first and last ones around None (the elided middle)."""
    if G <= first + last + 1:
        return list(range(1, G + 1))
    return [*range(1, first + 1), None, *range(G - last + 1, G + 1)]


def _times_n(x, latex=False):
    """``x n`` points spelled compactly: n, 2n, n/3, 3n/2."""
    p, q = x.numerator, x.denominator
    top = "n" if p == 1 else f"{p}n"
    if q == 1:
        return top
    return rf"\tfrac{{{top}}}{{{q}}}" if latex else f"{top}/{q}"


def _number(x, latex):
    """A share: whole, a short exact decimal, else p/q (a fraction in LaTeX)."""
    text = format_rational(x)
    return rf"\tfrac{{{x.numerator}}}{{{x.denominator}}}" if latex and "/" in text else text


def _batch(name, latex):
    """A batch name; in LaTeX R3 is R_{3} and a rule's S[-1] is S_{k-1}, S[-2:] is S_{k-2},...,S_{k-1}."""
    if not latex:
        return name
    kind, rest = name[0], name[1:]
    if rest.isdigit():
        return f"{kind}_{{{rest}}}"
    top = "k" if kind == "R" else "k-1"
    rel = RELATIVE.match(name)
    if rel:
        offset = int(rel.group(2))
        return f"{kind}_{{k{offset:+d}}}" if offset else f"{kind}_{{k}}"
    start = RANGE.match(name).group(2)
    first = f"k{int(start):+d}" if start else ("0" if kind == "R" else "1")
    return rf"{kind}_{{{first}}},\dots,{kind}_{{{top}}}"


def _describe(gen, shares, k, latex):
    """One generation in the notation of the module docstring; ``k`` None for the rule."""
    here = "[0]" if k is None else str(k)
    text = []
    if gen.new_real is not None:
        size = "" if gen.new_real == 1 else f"({_times_n(gen.new_real, latex)})"
        text.append((r"\text{new } " if latex else "new ") + _batch("R" + here, latex) + size
                    + (r";\ " if latex else "; "))
    weighted = gen.fit[0].weight is not None
    entries = []
    for i, e in enumerate(gen.fit):
        # listed generations show their normalised shares and counts that differ from the batch size;
        # the rule, whose batches have no size yet, shows what it says
        share, count = (e.weight, e.count) if shares is None else (shares[i].share, shares[i].count)
        whole = e.count is None or (shares is not None and count == shares[i].size)
        item = (_number(share, latex) + (r"\," if latex else " ") if weighted else "") + _batch(e.batch, latex)
        entries.append(item + ("" if whole else f"({_times_n(count, latex)})"))
    dots = r"\dots" if latex else "..."
    if len(entries) > _LONG_FIT:
        count = len(entries)
        entries = entries[:3] + [dots, entries[-1]]
        entries[-1] += rf"\ ({count}\text{{ batches}})" if latex else f" ({count} batches)"
    text.append(" + ".join(entries))
    if gen.emit is not None:
        size = "" if gen.emit == 1 else f"({_times_n(gen.emit, latex)})"
        text.append((r" \to " if latex else " -> ") + _batch("S" + here, latex) + size)
    curate = getattr(gen, "curate", None)
    if curate is not None:
        K = (r"\infty" if latex else "oo") if curate.candidates is None else str(curate.candidates)
        text.append(rf",\ \text{{curated }}(K = {K})" if latex else f", curated (K = {K})")
    return "".join(text)
