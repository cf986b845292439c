"""``pi2over6 verify``: run the claims ledger, print a table, write the reports.

::

    pi2over6 verify [--quick | --full] [--out DIR] [--json] [--only ID ...] [--list]

Every claim of the ledger (``proofs_check.ledger``) is decided by its symbolic,
numeric and Monte Carlo evidence; the exit status is 0 only when every claim run is
verified (1 otherwise, 2 for bad input). ``report.md``, ``report.tex`` (a complete
LaTeX document), ``report.json`` and ``figures/`` go to ``--out``
(default ``./pi2over6-report``).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

__all__ = ["register", "run", "format_table"]

DEFAULT_OUT = "pi2over6-report"


def register(subparsers):
    parser = subparsers.add_parser(
        "verify", help="verify every claim of the ledger and write the report",
        description="Verify every claim of the ledger with symbolic, high-precision and Monte Carlo "
                    "evidence; print a table and write report.md, report.tex and figures.")
    budget = parser.add_mutually_exclusive_group()
    budget.add_argument("--quick", dest="budget", action="store_const", const="quick",
                        help="the quick Monte Carlo budget (default; a couple of minutes)")
    budget.add_argument("--full", dest="budget", action="store_const", const="full",
                        help="the full Monte Carlo budget (about ten times the quick one)")
    parser.add_argument("--out", default=DEFAULT_OUT, metavar="DIR",
                        help=f"folder for report.md, report.tex and figures (default ./{DEFAULT_OUT})")
    parser.add_argument("--json", action="store_true", help="print the result as one JSON object")
    parser.add_argument("--only", nargs="+", metavar="ID", help="run only the claims with these ids")
    parser.add_argument("--seed", type=int, default=None, help="master seed of the Monte Carlo evidence")
    parser.add_argument("--list", action="store_true", help="list the claim ids and exit")
    parser.set_defaults(run=run, budget="quick")


def _progress_bar(total, enabled):
    if not enabled:
        return None
    from tqdm import tqdm

    return tqdm(total=total, desc="verify", unit="claim", file=sys.stderr, leave=False)


def format_table(run_result):
    """The plain-text table: claim, symbolic, numeric, Monte Carlo, status.

    Examples
    --------
    >>> from proofs_check.claims import Claim, Source, check, verify
    >>> c = Claim("one", "1 = 1", "1 = 1", Source("A", 2024, "T"), symbolic=lambda b: [check("1 = 1", True)],
    ...           numeric=lambda b: [check("1.0 = 1", True)])
    >>> print(format_table(verify([c])))  # doctest: +NORMALIZE_WHITESPACE
    claim  symbolic  numeric  Monte Carlo  status
    -----  --------  -------  -----------  --------
    one    pass      pass     n/a          verified
    """
    from ..claims import KIND_TITLES, KINDS

    header = ["claim", *(KIND_TITLES[k] for k in KINDS), "status"]
    rows = [[r.claim.id, *(r.evidence[k].status.upper() if r.evidence[k].status == "fail"
                           else r.evidence[k].status for k in KINDS), r.status]
            for r in run_result.results]
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    widths[-1] = max(widths[-1], len("verified"))

    def line(cells):
        return "  ".join(str(c).ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()

    return "\n".join([line(header), line(["-" * w for w in widths]), *(line(r) for r in rows)])


def _failures(run_result):
    from ..claims import KIND_TITLES, KINDS, NA

    lines = []
    for r in run_result.results:
        for kind in KINDS:
            e = r.evidence[kind]
            if e.status not in (NA, "pass"):
                lines.append(f"  {r.claim.id} [{KIND_TITLES[kind]}]: {e.summary}")
    return lines


def run(args):
    from ..claims import budget_named, verify
    from ..ledger import LEDGER
    from ..report import write_report

    if args.list:
        for claim in LEDGER:
            print(f"{claim.id}  ({claim.source.cite()}): {claim.statement}")
        return 0
    claims = LEDGER.select(args.only)
    budget = budget_named(args.budget, args.seed)
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise ValueError(f"--out must be a folder, got the file {str(out)!r}")

    bar = _progress_bar(len(claims), enabled=not args.json and sys.stderr.isatty())
    failed = []

    def starting(claim):
        if bar is not None:
            bar.set_postfix_str(claim.id + (f"; failed so far: {', '.join(failed)}" if failed else ""))

    def progress(result):
        if not result.verified:
            failed.append(result.claim.id)
        if bar is not None:
            bar.update(1)

    try:
        result = verify(claims, budget, progress=progress, starting=starting)
    finally:
        if bar is not None:
            bar.close()
    subset = [c.id for c in claims] if args.only else None
    folder = write_report(result, out, subset=subset)
    if args.json:
        data = result.to_json_dict()
        data["summary"]["report"] = str(folder)
        if subset:
            data["summary"]["subset"] = subset
        print(json.dumps(data, indent=1))
    else:
        print(format_table(result))
        s = result.summary()
        print()
        print(f"{s['verified']} of {s['claims']} claims verified ({s['budget']} budget, seed {s['seed']}, "
              f"{s['seconds']:.1f} s). Report: {folder / 'report.md'}, {folder / 'report.tex'}")
        failures = _failures(result)
        if failures:
            print("Failed evidence:")
            print("\n".join(failures))
    return 0 if result.verified else 1
