"""LaTeX of a family's risk ratios, printed by SymPy and ready to paste.

:func:`latex_pieces` returns the proved recurrence, the closed form, the limit, the
bound and a booktabs table of the exact ratios, each a LaTeX string (math without
delimiters; the table a ``tabular``). :func:`latex_snippet` wraps them into a block
that a paper can ``\\input`` (it needs ``amsmath`` and ``booktabs``).

Every formula is a SymPy object (``Eq``, ``Sum``, ``Limit``, relations) printed by
:func:`sympy.latex`; R(k + i) is printed as R_{k + i} and a harmonic number
harmonic(k, p) as the sum it stands for.
"""

from __future__ import annotations

import sympy as sp

from .closed_form import R, closed_form, k
from .process import risk_ratios
from .rationals import as_sympy
from .workflow import Workflow

__all__ = ["latex_pieces", "latex_snippet", "ratio_table", "display_form", "default_workflow", "tex_text"]

_Rk = sp.IndexedBase("R")
_j = sp.Symbol("j", integer=True, positive=True)
PIECES = ("recurrence", "closed_form", "limit", "bound", "table")
_TEX_SPECIAL = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "$": r"\$", "&": r"\&", "#": r"\#",
                "^": r"\^{}", "_": r"\_", "~": r"\~{}", "%": r"\%"}


def tex_text(text):
    r"""``text`` with LaTeX's special characters escaped, to print as text (a workflow's name, a file path).

    Examples
    --------
    >>> print(tex_text("my_workflow 50%"))
    my\_workflow 50\%
    """
    return "".join(_TEX_SPECIAL.get(ch, ch) for ch in str(text))


def display_form(expr):
    """``expr`` as it is printed: R(k + i) as R_{k+i}, harmonic(k + s, p) as a sum over j.

    Examples
    --------
    >>> display_form(sp.harmonic(k, 2) + R(k + 1))
    R[k + 1] + Sum(j**(-2), (j, 1, k))
    """
    expr = expr.replace(lambda e: isinstance(e, sp.harmonic) and e.args[0].has(k),
                        lambda h: sp.Sum(1 / _j ** h.args[1], (_j, 1, h.args[0])))
    return expr.replace(lambda e: isinstance(e, sp.core.function.AppliedUndef) and e.func == R,
                        lambda e: _Rk[e.args[0]])


def _latex(expr):
    return sp.latex(expr)


def ratio_table(workflow, digits=6):
    r"""A booktabs ``tabular`` of k, R_k exact, R_k in decimals and ARE_k = 1/R_k.

    Examples
    --------
    >>> from theory.presets import preset
    >>> print(ratio_table(preset("augment", 2), digits=3))
    \begin{tabular}{rlll}
    \toprule
    $k$ & $R_k$ & $R_k$ (decimal) & $\mathrm{ARE}_k = 1/R_k$ \\
    \midrule
    1 & $1$ & 1.000 & 1.000 \\
    2 & $\frac{5}{4}$ & 1.250 & 0.800 \\
    \bottomrule
    \end{tabular}
    """
    if isinstance(digits, bool) or not isinstance(digits, int) or digits < 0:
        raise ValueError(f"digits must be a non-negative integer, got {digits!r}")
    rows = [r"\begin{tabular}{rlll}", r"\toprule",
            r"$k$ & $R_k$ & $R_k$ (decimal) & $\mathrm{ARE}_k = 1/R_k$ \\", r"\midrule"]
    for n, r in enumerate(risk_ratios(workflow), start=1):
        exact = as_sympy(r)
        rows.append(f"{n} & ${_latex(exact)}$ & {float(r):.{digits}f} & {float(1 / r):.{digits}f} \\\\")
    rows += [r"\bottomrule", r"\end{tabular}"]
    return "\n".join(rows)


def _from(n):
    return r",\quad " + _latex(sp.Ge(k, n, evaluate=False))


def default_workflow(family, generations=None):
    """The workflow a family shows: ``generations`` of them, else 10 for a preset or a rule, else as listed.

    Examples
    --------
    >>> default_workflow("augment").G, default_workflow("augment", 3).G
    (10, 3)
    """
    from .presets import is_preset_spec, load_workflow

    if isinstance(family, Workflow):
        return family if generations is None else family.expand(generations)
    if isinstance(family, str) and is_preset_spec(family):
        return load_workflow(family, generations or 10)
    base = load_workflow(family)
    if generations is not None:
        return base.expand(generations)
    return base.expand(max(10, base.G)) if base.then is not None else base


def latex_pieces(family, generations=None):
    r"""The LaTeX of a family's recurrence, closed form, limit, bound and ratio table.

    Parameters
    ----------
    family : str, path or Workflow
        A preset spelling, a workflow file, or a Workflow. Without a closed form
        (a plain workflow, or none found) only the table is filled in.
    generations : int, optional
        Rows of the table: by default 10 for a preset or a file with a rule (or
        the number it lists, if more), else the generations a file lists.

    Returns
    -------
    dict
        Keys ``recurrence``, ``closed_form``, ``limit``, ``bound`` (str or None) and
        ``table`` (str).

    Examples
    --------
    >>> pieces = latex_pieces("augment", generations=3)
    >>> pieces["closed_form"]
    '{R}_{k} = \\sum_{j=1}^{k} \\frac{1}{j^{2}},\\quad k \\geq 1'
    >>> pieces["bound"]
    '{R}_{k} = \\sum_{j=1}^{k} \\frac{1}{j^{2}} < \\frac{\\pi^{2}}{6},\\quad k \\geq 1'
    >>> pieces["limit"]
    '\\lim_{k \\to \\infty} {R}_{k} = \\frac{\\pi^{2}}{6}'
    """
    workflow = default_workflow(family, generations)
    cf = _family_closed_form(family)
    pieces = dict.fromkeys(PIECES)
    pieces["table"] = ratio_table(workflow)
    if cf is None:
        return pieces
    Rk = _Rk[k]
    shown = display_form(cf.expr)
    pieces["recurrence"] = _latex(display_form(cf.recurrence)) + _from(cf.recurrence_start)
    pieces["closed_form"] = _latex(sp.Eq(Rk, shown, evaluate=False)) + _from(cf.start)
    if cf.limit is not None:
        pieces["limit"] = _latex(sp.Eq(sp.Limit(Rk, k, sp.oo), cf.limit, evaluate=False))
    if cf.bound is not None:
        relation = cf.bound.relation.func(shown, cf.limit, evaluate=False)
        pieces["bound"] = _latex(Rk) + " = " + _latex(relation) + _from(cf.bound.holds_from)
    return pieces


def _family_closed_form(family):
    if isinstance(family, Workflow) and family.then is None:
        from .presets import is_preset_spec

        if not (isinstance(family.name, str) and is_preset_spec(family.name)):
            return None
    try:
        return closed_form(family)
    except ValueError:
        # A plain workflow file (no rule for later generations) has a table but no family.
        return None


def latex_snippet(family, generations=None):
    r"""A block of LaTeX a paper can ``\input``: the formulas in ``gather*`` and the table in a ``table``.

    Examples
    --------
    >>> text = latex_snippet("discard", generations=2)
    >>> print(text.splitlines()[0])
    % Risk ratios R_k = Var H_k / Var H_1 of the workflow discard (needs amsmath and booktabs).
    >>> r"\begin{gather*}" in text and r"\begin{tabular}{rlll}" in text
    True
    """
    pieces = latex_pieces(family, generations)
    name = default_workflow(family, generations).name or str(family)
    lines = [f"% Risk ratios R_k = Var H_k / Var H_1 of the workflow {name} (needs amsmath and booktabs)."]
    formulas = [pieces[key] for key in ("recurrence", "closed_form", "limit", "bound") if pieces[key]]
    if formulas:
        lines += [r"\begin{gather*}", " \\\\\n".join(formulas), r"\end{gather*}"]
    caption = tex_text(name)
    lines += [r"\begin{table}[ht]", r"\centering", pieces["table"],
              rf"\caption{{Exact risk ratios $R_k$ of the workflow \texttt{{{caption}}}.}}", r"\end{table}"]
    return "\n".join(lines)
