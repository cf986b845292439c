"""LaTeX of a family's risk ratios and of a model's risk, printed by SymPy and ready to paste.

:func:`latex_pieces` returns the recurrence, the closed form, the limit, the bound
and a booktabs table of the exact ratios, each a LaTeX string (math without
delimiters; the table a ``tabular``), and the status of the proof behind them
(:func:`theory.proofs.prove`): a conjectured formula is tagged as such and never
comes with a bound. :func:`model_risk_latex` prints a model's asymptotic covariance V
and the risk of generation k. :func:`latex_snippet` wraps them into the block that a
paper can ``\\input`` and that ``pi2over6 latex`` prints (it needs ``amsmath``, and
``booktabs`` for the table).

Every formula is a SymPy object (``Eq``, ``Sum``, ``Limit``, relations) printed by
:func:`sympy.latex`; R(k + i) is printed as R_{k + i} and a harmonic number
harmonic(k, p) as the sum it stands for.
"""

from __future__ import annotations

from fractions import Fraction

import flint
import sympy as sp

from .input_limits import MAX_LATEX_PARAMETERS, LimitError
from .process import risk_ratios
from .rationals import float_or_none, format_decimal
from .recurrence import R, k

__all__ = ["latex_pieces", "latex_snippet", "model_risk_latex", "ratio_table", "display_form", "tex_text"]

_Rk = sp.IndexedBase("R")
_j = sp.Symbol("j", integer=True, positive=True)
PIECES = ("recurrence", "closed_form", "limit", "bound", "table", "status")
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

    Parameters
    ----------
    workflow : Workflow, preset spelling, path, or a sequence of exact ratios
        The workflow (:data:`theory.presets.WorkflowLike`; a spelling runs its default
        number of generations, see :func:`theory.presets.load_workflow`), or the exact
        ratios R_1, R_2, ... themselves (Fractions or FLINT rationals).
    digits : int, default 6
        Decimals of the decimal columns.

    Returns
    -------
    str
        A ``tabular`` environment, one row per generation.

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
    ratios = workflow if isinstance(workflow, list | tuple) else risk_ratios(workflow)
    for n, r in enumerate(ratios, start=1):
        if not isinstance(r, flint.fmpq):
            r = Fraction(r)
            r = flint.fmpq(r.numerator, r.denominator)
        rows.append(f"{n} & ${_rational_tex(r)}$ & {_fixed(r, digits)} & {_fixed(1 / r, digits)} \\\\")
    rows += [r"\bottomrule", r"\end{tabular}"]
    return "\n".join(rows)


def _rational_tex(q):
    r"""A FLINT rational as ``\frac{p}{q}``, written by FLINT: exact values of thousands of digits print too."""
    p, d = q.p, q.q
    sign = "- " if p < 0 else ""
    return f"{sign}{abs(p)}" if d == 1 else rf"{sign}\frac{{{abs(p)}}}{{{d}}}"


def _fixed(value, digits):
    """``value`` with ``digits`` decimals; outside float64's normal range, in exact scientific notation."""
    as_float = float_or_none(value)
    return f"{as_float:.{digits}f}" if as_float is not None else format_decimal(value, digits + 1)


def _from(n):
    return r",\quad " + _latex(sp.Ge(k, n, evaluate=False))


def latex_pieces(family, generations=None):
    r"""The LaTeX of a family's recurrence, closed form, limit, bound and ratio table.

    Parameters
    ----------
    family : WorkflowLike
        A preset spelling, a workflow file, or a Workflow. Without a family (a
        plain workflow) only the table is filled in.
    generations : int, optional
        Rows of the table: by default 10 for a preset or a file with a rule (or
        the number it lists, if more), else the generations a file lists.

    Returns
    -------
    dict
        Keys ``recurrence``, ``closed_form``, ``limit``, ``bound`` (str or None),
        ``table`` (str) and ``status`` (``"proved"``, ``"conjectured"`` or None). A
        conjectured formula ends in ``\text{(conjectured)}``; a bound is given only
        when proved.

    Examples
    --------
    >>> pieces = latex_pieces("augment", generations=3)
    >>> pieces["closed_form"]
    '{R}_{k} = \\sum_{j=1}^{k} \\frac{1}{j^{2}},\\quad k \\geq 1'
    >>> pieces["bound"]
    '{R}_{k} = \\sum_{j=1}^{k} \\frac{1}{j^{2}} < \\frac{\\pi^{2}}{6},\\quad k \\geq 1'
    >>> pieces["limit"], pieces["status"]
    ('\\lim_{k \\to \\infty} {R}_{k} = \\frac{\\pi^{2}}{6}', 'proved')
    """
    from .families import resolve

    G, fam, workflow = resolve(family, generations)
    proof = _family_proof(fam)
    pieces = dict.fromkeys(PIECES)
    pieces["table"] = ratio_table(proof.ratios_fmpq(G) if proof is not None else workflow)
    if proof is None or proof.status is None:
        return pieces
    pieces["status"] = proof.status
    tag = "" if proof.proved else r"\quad\text{(conjectured)}"
    Rk = _Rk[k]
    rec = proof.recurrence
    pieces["recurrence"] = _latex(display_form(rec.equation())) + _from(rec.start) + tag
    cf = proof.closed_form
    if cf is not None:
        shown = display_form(cf.expr)
        pieces["closed_form"] = _latex(sp.Eq(Rk, shown, evaluate=False)) + _from(cf.start) + tag
    if proof.limit is not None:
        pieces["limit"] = _latex(sp.Eq(sp.Limit(Rk, k, sp.oo), proof.limit, evaluate=False)) + tag
    if proof.bound is not None and proof.proved:
        bound = proof.bound
        left = display_form(cf.expr) if cf is not None else Rk
        relation = bound.relation.func(left, proof.limit, evaluate=False)
        pieces["bound"] = (_latex(Rk) + " = " if cf is not None else "") + _latex(relation) + _from(bound.holds_from)
    return pieces


def _family_proof(fam):
    if fam is None:
        return None
    from .proofs import prove

    return prove(fam)


_LONG = 600  # characters of LaTeX beyond which V is shown at the truth only


def _settings_text(params):
    return ", ".join(f"{key} = {value}" for key, value in params.items() if key != "estimator")


def model_risk_latex(model, params=None):
    r"""LaTeX of a model's asymptotic covariance V and of the risk of generation k.

    V is the estimator's asymptotic covariance in the model's parameter vector
    (:meth:`theory.models.SymbolicModel.asymptotic_covariance`), printed by SymPy;
    a V whose LaTeX would run past a few lines (logistic regression's integrals) is
    shown at the truth, to six significant digits. The risk is the squared error on
    the natural parameter, ``E||theta_k - theta_0||^2 = R_k tr(V_nat)/n + o(1/n)`` as
    n grows with k fixed, symbolically and at the truth set by ``params``.

    Parameters
    ----------
    model : str
        A model name (:data:`theory.models.MODEL_NAMES`).
    params : dict, optional
        Model parameters (validated; defaults filled in).

    Returns
    -------
    str
        A comment line naming the model, then a ``gather*`` block.

    Raises
    ------
    ValueError
        For linreg with a ridge penalty or a shifted generator, where the formula does not hold.
    theory.input_limits.LimitError
        For a model of more than :data:`~theory.input_limits.MAX_LATEX_PARAMETERS` parameters.

    Examples
    --------
    >>> text = model_risk_latex("gaussian-mean", {"estimator": "median", "sigma": "2"})
    >>> print(text.splitlines()[0])
    % Model gaussian-mean, estimator median; parameters mu = 0.0, sigma = 2.0.
    >>> r"V = \left[\begin{matrix}\frac{\pi \sigma^{2}}{2}\end{matrix}\right]" in text
    True
    >>> text.splitlines()[-2].endswith(r"= R_k\,\frac{2 \pi}{n} + o\!\left(\frac{1}{n}\right)")
    True
    """
    from .models import get_model

    symbolic = get_model(model)
    full = symbolic.validate_params(params or {})
    if symbolic.name == "linreg" and (full["lam"] or full["shift"]):
        # ridge is biased and a shifted generator is not a contiguous alternative: the process does not apply
        raise ValueError(f"the risk R_k tr(V)/n holds for linreg at lam = 0 and shift = 0 only, got lam = "
                         f"{full['lam']} and shift = {full['shift']}; theory.highdim derives the others "
                         "(pi2over6 simulate prints them)")
    theta = symbolic.theta(full)
    if len(theta) > MAX_LATEX_PARAMETERS:
        raise LimitError(f"{symbolic.name} with {_settings_text(full)} has {len(theta)} parameters; the limit is "
                         f"{MAX_LATEX_PARAMETERS} for a symbolic V in LaTeX (simulate takes any dimension)")
    V = symbolic.asymptotic_covariance(None, full)
    natural = symbolic.natural_indices(full)
    truth = symbolic.truth(full)
    trace = V.extract(natural, natural).trace()
    closed = not trace.has(sp.Integral)  # integrals (logistic) stay as they are: simplify would crawl
    if closed:
        trace = sp.simplify(trace)
    n = sp.Symbol("n", positive=True)
    settings = _settings_text(full)
    header = (f"% Model {symbolic.name}, estimator {symbolic.estimator(full)}"
              + (f"; parameters {settings}." if settings else "."))
    vector = "(" + ", ".join(sp.latex(t) for t in theta) + ")"
    partial = len(natural) != len(theta)
    natural_note = (r",\quad \text{natural parameter } (" + ", ".join(sp.latex(theta[i]) for i in natural)
                    + ")") if partial else ""
    shown_V = sp.latex(V)
    lines = [header]
    if len(shown_V) > _LONG:
        # the numbers come from the model's own numeric evaluation of V at the truth
        lines.append(f"% V has {len(shown_V)} characters of LaTeX symbolically; its natural block is shown "
                     "at the truth.")
        block = sp.Matrix(symbolic.natural_covariance(full)).applyfunc(lambda x: sp.Float(x, 6))
        name = r"V_{\mathrm{nat}}" if partial else "V"
        first = name + " = " + sp.latex(block) + r"\ \text{at the truth}"
    else:
        first = "V = " + shown_V
    o = r" + o\!\left(\frac{1}{n}\right)"
    risk = (r"\operatorname{E}\lVert\hat\theta_k-\theta_0\rVert^2 = R_k\,\frac{\operatorname{tr} V"
            + (r"_{\mathrm{nat}}" if partial else "") + "}{n}" + o)
    if len(sp.latex(trace)) <= _LONG:
        risk += r" = R_k\," + sp.latex(trace / n) + o
    if closed:
        at_truth = sp.nsimplify(sp.simplify(trace.subs(truth)), [sp.pi])
        if at_truth != trace:
            risk += r" = R_k\," + sp.latex(at_truth / n) + o
    else:
        value = float(symbolic.natural_covariance(full).trace())
        risk += r" \approx R_k\," + sp.latex(sp.Float(value, 6) / n) + r"\ \text{at the truth}"
    lines += [r"\begin{gather*}", first + r",\quad \theta = " + vector + natural_note + r" \\", risk,
              r"\end{gather*}"]
    return "\n".join(lines)


def latex_snippet(family, generations=None, *, table=True, model=None, params=None):
    r"""The block of LaTeX a paper can ``\input``, as ``pi2over6 latex`` prints it.

    The proved formulas of the family in ``gather*`` (needs ``amsmath``), the table of
    exact ratios in a ``table`` (needs ``booktabs``; always there when no closed form
    is proved), and with ``model`` that model's V and risk (:func:`model_risk_latex`).

    Parameters
    ----------
    family : Workflow, preset spelling or path
        As :func:`latex_pieces`.
    generations : int, optional
        Rows of the table, as :func:`latex_pieces`.
    table : bool, default True
        Include the table of exact ratios.
    model : str, optional
        Also print this model's V and risk.
    params : dict, optional
        The model's parameters.

    Returns
    -------
    str
        The snippet, ending in a newline.

    Examples
    --------
    >>> text = latex_snippet("discard", generations=2)
    >>> print(text.splitlines()[0])
    % pi2over6: risk ratios R_k = Var H_k / Var H_1 of the workflow discard (needs amsmath, booktabs).
    >>> r"\begin{gather*}" in text and r"\begin{tabular}{rlll}" in text
    True
    >>> r"\toprule" in latex_snippet("augment", table=False)
    False
    """
    from .families import resolve

    pieces = latex_pieces(family, generations)
    _, fam, workflow = resolve(family, generations)
    name = (fam.name if fam is not None else workflow.name) or str(family)
    lines = [f"% pi2over6: risk ratios R_k = Var H_k / Var H_1 of the workflow {name} "
             f"(needs amsmath{', booktabs' if table else ''})."]
    if pieces["status"] is not None:
        lines.append(f"% Status: {pieces['status']} (pi2over6 prove prints the argument).")
    formulas = [pieces[key] for key in ("recurrence", "closed_form", "limit", "bound") if pieces[key]]
    if formulas:
        lines += [r"\begin{gather*}", " \\\\\n".join(formulas), r"\end{gather*}"]
    else:
        lines.append("% No recurrence or closed form for this workflow; its exact ratios follow (needs booktabs).")
        table = True
    if table:
        lines += [r"\begin{table}[ht]", r"\centering", pieces["table"],
                  rf"\caption{{Exact risk ratios $R_k$ of the workflow \texttt{{{tex_text(name)}}}.}}",
                  r"\end{table}"]
    if model is not None:
        lines.append(model_risk_latex(model, params))
    return "\n".join(lines) + "\n"
