"""``pi2over6 latex WORKFLOW [--model MODEL] [--set KEY=VALUE] [--table] [--generations G]``.

Prints a LaTeX snippet a paper can ``\\input`` (it needs ``amsmath``; ``booktabs`` for
``--table``): the proved recurrence of the workflow's risk ratio R_k, its closed form,
limit and bound (:mod:`theory.latex`); with ``--model`` the model's asymptotic
covariance V (derived by :mod:`theory.models`, printed by SymPy) and the risk of
generation k in terms of R_k and V; with ``--table`` a booktabs table of the exact
ratios. A workflow without a proved closed form gets its table. The snippet is
:func:`theory.latex.latex_snippet`'s; this module only reads the arguments and prints it.
"""

from __future__ import annotations

from theory.input_limits import MAX_GENERATIONS

from .arguments import add_settings_option, integer_in, parse_settings

__all__ = ["register", "run"]


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
    parser.add_argument("--generations", type=integer_in(1, MAX_GENERATIONS), default=None, metavar="G",
                        help="rows of the table (default 10 for presets and rule files, else as listed)")
    parser.set_defaults(run=run)


def run(args):
    from theory.latex import latex_snippet

    params = parse_settings(args.settings)
    if params and args.model is None:
        raise ValueError("--set needs --model: the ratios do not depend on the model")
    print(latex_snippet(args.workflow, args.generations, table=args.table, model=args.model, params=params), end="")
    return 0
