"""``pi2over6 latex WORKFLOW [--model MODEL] [--set KEY=VALUE] [--table] [--generations G]``.

Prints a LaTeX snippet a paper can ``\\input`` (it needs ``amsmath``; ``booktabs`` for
``--table``): the proved recurrence of the workflow's risk ratio R_k, its closed form,
limit and bound (:mod:`theory.latex`); with ``--model`` the model's asymptotic
covariance V (derived by :mod:`theory.models`, printed by SymPy) and the risk of
generation k in terms of R_k and V; with ``--table`` a booktabs table of the exact
ratios. A workflow without a proved closed form gets its table.
"""

from __future__ import annotations

import numpy as np
import sympy as sp

from .arguments import add_settings_option, integer_in, parse_settings

__all__ = ["register", "run", "latex_document", "model_risk_latex"]


def register(subparsers):
    parser = subparsers.add_parser(
        "latex", help="print LaTeX of a workflow's risk ratios (and a model's risk) for a paper",
        description="Print a LaTeX snippet to \\input in a paper (needs amsmath, and booktabs for --table): "
                    "the recurrence, closed form, limit and bound of the risk ratio R_k; with --model the "
                    "model's asymptotic covariance V and its risk E||theta_k - theta_0||^2 = R_k tr(V)/n + "
                    "o(1/n); with --table the exact ratios.")
    parser.add_argument("workflow", metavar="WORKFLOW",
                        help="a preset (discard, augment, subsample, window:W, mix:L, weighted:W[:M]) or a "
                             ".json/.toml workflow file")
    parser.add_argument("--model", default=None, metavar="MODEL", help="also print this model's V and risk")
    add_settings_option(parser)
    parser.add_argument("--table", action="store_true", help="also print a booktabs table of the exact ratios")
    parser.add_argument("--generations", type=integer_in(1, 10_000), default=None, metavar="G",
                        help="rows of the table (default 10 for presets and rule files, else as listed)")
    parser.set_defaults(run=run)



def _tex_text(text):
    special = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "$": r"\$", "&": r"\&", "#": r"\#",
               "^": r"\^{}", "_": r"\_", "~": r"\~{}", "%": r"\%"}
    return "".join(special.get(ch, ch) for ch in str(text))


_LONG = 600  # characters of LaTeX beyond which V is shown at the truth only


def model_risk_latex(model, params=None):
    r"""LaTeX of a model's asymptotic covariance V and of the risk of generation k.

    V is the estimator's asymptotic covariance in the model's parameter vector
    (:meth:`theory.models.SymbolicModel.asymptotic_covariance`), printed by SymPy;
    a V whose LaTeX would run past a few lines (logistic regression's integrals) is
    shown at the truth, to six significant digits. The risk is the squared error on
    the natural parameter, ``E||theta_k - theta_0||^2 = R_k tr(V_nat)/n + o(1/n)`` as
    n grows with k fixed, symbolically and at the truth set by ``params``.

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
    from theory.models import get_model

    symbolic = get_model(model)
    full = symbolic.validate_params(params or {})
    V = symbolic.asymptotic_covariance(None, full)
    theta = symbolic.theta(full)
    natural = symbolic.natural_indices(full)
    truth = symbolic.truth(full)
    trace = V.extract(natural, natural).trace()
    closed = not trace.has(sp.Integral)  # integrals (logistic) stay as they are: simplify would crawl
    if closed:
        trace = sp.simplify(trace)
    n = sp.Symbol("n", positive=True)
    settings = ", ".join(f"{key} = {value}" for key, value in full.items() if key != "estimator")
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
        value = float(np.trace(symbolic.natural_covariance(full)))
        risk += r" \approx R_k\," + sp.latex(sp.Float(value, 6) / n) + r"\ \text{at the truth}"
    lines += [r"\begin{gather*}", first + r",\quad \theta = " + vector + natural_note + r" \\", risk,
              r"\end{gather*}"]
    return "\n".join(lines)


def latex_document(workflow, model=None, params=None, table=False, generations=None):
    r"""The snippet ``pi2over6 latex`` prints.

    Examples
    --------
    >>> text = latex_document("augment")
    >>> r"\lim_{k \to \infty} {R}_{k} = \frac{\pi^{2}}{6}" in text, r"\toprule" in text
    (True, False)
    >>> r"\toprule" in latex_document("augment", table=True, generations=3)
    True
    """
    from theory.latex import default_workflow, latex_pieces

    wf = default_workflow(workflow, generations)
    pieces = latex_pieces(workflow, generations)
    name = wf.name or str(workflow)
    lines = [f"% pi2over6: risk ratios R_k = Var H_k / Var H_1 of the workflow {name} "
             f"(needs amsmath{', booktabs' if table else ''})."]
    formulas = [pieces[key] for key in ("recurrence", "closed_form", "limit", "bound") if pieces[key]]
    if formulas:
        lines += [r"\begin{gather*}", " \\\\\n".join(formulas), r"\end{gather*}"]
    else:
        lines.append("% No closed form is proved for this workflow; its exact ratios follow (needs booktabs).")
        table = True
    if table:
        lines += [r"\begin{table}[ht]", r"\centering", pieces["table"],
                  rf"\caption{{Exact risk ratios $R_k$ of the workflow \texttt{{{_tex_text(name)}}}.}}",
                  r"\end{table}"]
    if model is not None:
        lines.append(model_risk_latex(model, params))
    return "\n".join(lines) + "\n"


def run(args):

    params = parse_settings(args.settings)
    if params and args.model is None:
        raise ValueError("--set needs --model: the ratios do not depend on the model")
    print(latex_document(args.workflow, args.model, params, args.table, args.generations), end="")
    return 0
