"""``pi2over6 risk``: the exact risk ratios of a workflow, its closed form and its limit.

    pi2over6 risk WORKFLOW [--generations G] [--dps D] [--json | --latex]

WORKFLOW is a preset (``augment``, ``window:3``, ``mix:0.5``, ...) or a ``.json``/
``.toml`` file. G defaults to 10 for presets and for files with a ``then`` rule (or
the number of generations listed, if more), and to the listed count for other files;
D (default 30) is the number of significant digits of the limit. The default output is
a table (k, R_k exact, R_k, ARE_k) followed by the recurrence, closed form, limit and
bound, each with the status of its proof; ``--json`` prints the object of DESIGN.md,
``--latex`` the LaTeX pieces.

For a family (a preset or a file with a rule) the ratios come from the recurrence
proved from the family's structure (:func:`theory.proofs.prove`): exact, in time
linear in G. A plain workflow, or a family whose recurrence is only conjectured, gets
its ratios from the exact process. ``bound`` is given only when proved, and the limit
is ``rigorous`` only when proved.
"""

from __future__ import annotations

import json

from theory.input_limits import MAX_DPS, MAX_GENERATIONS, decimal_digits

from .arguments import integer_in

__all__ = ["register", "run", "risk_report", "MAX_GENERATIONS", "MAX_DPS"]

CACHED_GENERATIONS = 1000
"""Beyond this many generations ``risk`` derives its output again instead of keeping it on disk."""


def register(subparsers):
    """Add the ``risk`` sub-command."""
    p = subparsers.add_parser(
        "risk", help="exact risk ratios R_k of a workflow, with closed form and limit",
        description="Exact risk ratios R_k = Var H_k / Var H_1 of WORKFLOW for generations 1..G, the "
                    "recurrence and closed form of R_k (derived and proved), and lim R_k with an error bound.")
    p.add_argument("workflow", metavar="WORKFLOW",
                   help="a preset (discard, augment, subsample, window:W, mix:L, weighted:W[:M]) or a "
                        ".json/.toml workflow file")
    p.add_argument("--generations", "-G", type=integer_in(1, MAX_GENERATIONS), default=None,
                   metavar="G", help="generations shown (default 10 for presets and rule files, else the "
                                     "number the file lists)")
    p.add_argument("--dps", type=integer_in(1, MAX_DPS), default=30, metavar="D",
                   help="significant digits of the limit (default 30)")
    out = p.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="print one JSON object (DESIGN.md)")
    out.add_argument("--latex", action="store_true", help="print the LaTeX of the recurrence, closed form, "
                                                          "limit, bound and ratio table")
    p.set_defaults(run=run)
    return p


def risk_report(spec, generations=None, dps=30):
    """The data of ``pi2over6 risk --json`` for a workflow spelling, as a dict.

    Examples
    --------
    >>> report = risk_report("augment", 3, dps=12)
    >>> report["ratio"], report["closed_form"], report["limit"], report["limit_decimal"]
    (['1', '5/4', '49/36'], 'harmonic(k, 2)', 'pi**2/6', '1.64493406685')
    >>> report["proof"]["status"], report["proof"]["valid_from"], report["bound"]
    ('proved', 1, 'R(k) < pi**2/6 for k >= 1')
    """
    import mpmath
    import sympy as sp

    from theory.families import resolve
    from theory.latex import display_form
    from theory.rationals import exact_text, float_or_none

    G, family, workflow = resolve(spec, generations)
    proof = None
    if family is not None:
        from theory.proofs import prove

        proof = prove(family)
        ratios = proof.ratios_fmpq(G)
    else:
        from theory.process import risk_ratios

        ratios = risk_ratios(workflow)
    report = {"workflow": spec if isinstance(spec, str) else str(spec), "generations": G,
              # exact: FLINT writes its rationals whatever their size; ratio_float: the nearest float64, or
              # None outside float64's normal range (README, "The command line")
              "ratio": [str(r) if family is not None else exact_text(r, f"the exact ratio R_{k}")
                        for k, r in enumerate(ratios, start=1)],
              "ratio_float": [float_or_none(r) for r in ratios],
              "closed_form": None, "closed_form_latex": None, "closed_form_start": None,
              "limit": None, "limit_decimal": None, "limit_error_bound": None, "limit_rigorous": None,
              "limit_method": None, "recurrence": None, "recurrence_start": None, "bound": None,
              "proof": {"status": None, "method": None, "valid_from": None, "steps": []}}
    if proof is None or proof.status is None:
        return report
    report["proof"] = proof.proof.to_data()
    report.update(recurrence=str(proof.recurrence.equation()), recurrence_start=proof.recurrence.start)
    cf = proof.closed_form
    if cf is not None:
        report.update(closed_form=str(cf.expr), closed_form_latex=sp.latex(display_form(cf.expr)),
                      closed_form_start=cf.start)
    if proof.bound is not None and proof.proved:
        report["bound"] = f"{proof.bound.relation} for k >= {proof.bound.holds_from}"
    if proof.limit is not None:
        from numerics.precision import limit_estimate

        report["limit"] = str(proof.limit)
        with decimal_digits(dps + 100):    # mpmath spells D digits through Python integers
            estimate = limit_estimate(family, dps)
            if estimate.finite:
                report.update(limit_decimal=estimate.decimal,
                              limit_error_bound=mpmath.nstr(estimate.error_bound, 3),
                              limit_rigorous=estimate.rigorous, limit_method=estimate.method)
    return report


def _table(report):
    # ARE_k from the float64 ratio (R_k > 0): exact values of thousands of digits are never parsed back,
    # but for a ratio outside float64's range (ratio_float None), shown in exact scientific notation
    from fractions import Fraction

    from theory.rationals import format_decimal

    rows = [("k", "R_k (exact)", "R_k", "ARE_k = 1/R_k")]
    for n, (exact, value) in enumerate(zip(report["ratio"], report["ratio_float"], strict=True), start=1):
        if value is None:
            with decimal_digits(len(exact)):
                q = Fraction(exact)
            rows.append((str(n), exact, format_decimal(q), format_decimal(1 / q)))
        else:
            rows.append((str(n), exact, f"{value:.10g}", f"{1 / value:.10g}"))
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    return "\n".join("  ".join(cell.rjust(w) if i != 1 else cell.ljust(w)
                               for i, (cell, w) in enumerate(zip(row, widths, strict=True))).rstrip()
                     for row in rows)


def _cached(kind, args, derive):
    """What ``derive`` returns, kept on disk by :func:`theory.derivation_cache.cached_derivation`.

    The key is the workflow (a preset's spelling, a file's content), G and D: running the
    same command again prints the same text without importing SymPy. Beyond
    :data:`CACHED_GENERATIONS` generations the exact ratios run to megabytes, and the
    proved recurrence gives them again in less time than the disk would take: not kept.
    """
    if args.generations is not None and args.generations > CACHED_GENERATIONS:
        return derive()
    from theory.derivation_cache import cached_derivation
    from theory.presets import is_preset_spec, load_workflow

    content = None if is_preset_spec(args.workflow) else load_workflow(args.workflow).to_data()
    return cached_derivation(kind, [args.workflow, content, args.generations, args.dps], derive)


def run(args):
    """Run ``risk``; return the exit status."""
    if args.latex:
        def derive():
            from theory.latex import latex_pieces

            return latex_pieces(args.workflow, args.generations)

        pieces = _cached("risk-latex", args, derive)
        if pieces["status"] is not None:
            print(f"% status: {pieces['status']} (pi2over6 prove prints the argument)")
        for key in ("recurrence", "closed_form", "limit", "bound", "table"):
            if pieces[key] is not None:
                print(f"% {key.replace('_', ' ')}")
                print(pieces[key])
        return 0
    report = _cached("risk-report", args, lambda: risk_report(args.workflow, args.generations, args.dps))
    if args.json:
        print(json.dumps(report))
        return 0
    print(f"{report['workflow']}: risk ratio R_k = Var H_k / Var H_1, generations 1..{report['generations']}")
    print(_table(report))
    proof = report["proof"]
    if proof["status"] is None:
        print("closed form: none (a workflow without a rule for later generations, or no recurrence)")
        return 0
    if proof["status"] == "proved":
        print(f"proof:       proved for every k >= {proof['valid_from']} ({proof['method']}; "
              "pi2over6 prove prints the argument)")
        if proof["valid_from"] > 1:
            print(f"             R_1..R_{proof['valid_from'] - 1} are exact values of the listed prefix and the "
                  "rule's warm-up")
    else:
        print(f"proof:       CONJECTURED, not proved ({proof['method']}); no bound is stated")
    print(f"recurrence:  {report['recurrence']}  for k >= {report['recurrence_start']}")
    if report["closed_form"] is not None:
        print(f"closed form: R_k = {report['closed_form']}  for k >= {report['closed_form_start']}")
    else:
        print("closed form: too large to print, or none found (the recurrence determines R_k)")
    if report["limit"] is None:
        print("limit:       unknown")
    elif report["limit_decimal"] is None:
        print(f"limit:       {report['limit']}")
    else:
        kind = "rigorous bound" if report["limit_rigorous"] else "estimated error, not a bound"
        print(f"limit:       {report['limit']} = {report['limit_decimal']}  ({kind} {report['limit_error_bound']})")
    if report["bound"] is not None:
        print(f"bound:       {report['bound']}")
    return 0
