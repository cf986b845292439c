"""``pi2over6 verify``: run the claims ledger, print a table, write the reports.

::

    pi2over6 verify [--quick | --full] [--out DIR] [--json] [--only ID ...] [--list] [--workers N] [--seed S]
                    [--fresh]

Every claim of the ledger (``proofs_check.ledger``) is decided by its symbolic,
numeric and Monte Carlo evidence; the exit status is 0 only when every claim run is
verified (1 otherwise, 2 for bad input). ``report.md``, ``report.tex`` (a complete
LaTeX document), ``report.json`` and ``figures/`` go to ``--out``
(default ``./pi2over6-report``). Claims run in parallel on ``--workers`` processes
(default: every available core), each drawing its own figures; the results do not
depend on the number of workers. Symbolic and numeric evidence derived by the same
code, libraries and budget in an earlier run is replayed from the evidence cache
(:mod:`proofs_check.evidence_cache`; the report says when it was derived);
``--fresh`` derives it all again. Monte Carlo evidence is drawn on every run. A
progress bar shows on a terminal, never with ``--json``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from .arguments import positive_int

__all__ = ["register", "run", "format_table"]

DEFAULT_OUT = "pi2over6-report"


def register(subparsers):
    parser = subparsers.add_parser(
        "verify", help="verify every claim of the ledger and write the report",
        description="Verify every claim of the ledger with symbolic, high-precision and Monte Carlo "
                    "evidence; print a table and write report.md, report.tex and figures.")
    budget = parser.add_mutually_exclusive_group()
    budget.add_argument("--quick", dest="budget", action="store_const", const="quick",
                        help="the quick Monte Carlo budget (the default)")
    budget.add_argument("--full", dest="budget", action="store_const", const="full",
                        help="the full Monte Carlo budget (about ten times the quick one)")
    parser.add_argument("--out", default=DEFAULT_OUT, metavar="DIR",
                        help=f"folder for report.md, report.tex and figures (default ./{DEFAULT_OUT})")
    parser.add_argument("--json", action="store_true", help="print the result as one JSON object")
    parser.add_argument("--only", nargs="+", metavar="ID", help="run only the claims with these ids")
    parser.add_argument("--seed", type=int, default=None, help="master seed of the Monte Carlo evidence")
    parser.add_argument("--list", action="store_true", help="list the claim ids and exit")
    parser.add_argument("--workers", type=positive_int, default=None, metavar="N",
                        help="worker processes (default: every available core; results do not depend on it)")
    parser.add_argument("--fresh", action="store_true",
                        help="derive the symbolic and numeric evidence again instead of replaying what an earlier "
                             "run of the same code derived (the cache: $PI2OVER6_CACHE_DIR, empty to turn it off)")
    parser.set_defaults(run=run, budget="quick")


class _Progress:
    """The progress bar (on a terminal only): claims done, and the ones handed to workers."""

    def __init__(self, total, enabled):
        self.total, self.enabled = total, enabled
        self.bar, self.running, self.failed = None, [], []

    def starting(self, claim):
        # created at the first claim, after the workers were forked (the bar starts a thread)
        if self.enabled and self.bar is None:
            from tqdm import tqdm

            self.bar = tqdm(total=self.total, desc="verify", unit="claim", file=sys.stderr, leave=False)
        self.running.append(claim.id)
        self._describe()

    def finished(self, result):
        if result.claim.id in self.running:
            self.running.remove(result.claim.id)
        if not result.verified:
            self.failed.append(result.claim.id)
        if self.bar is not None:
            self.bar.update(1)
            self._describe()

    def _describe(self):
        if self.bar is not None:
            text = ", ".join(self.running)
            if self.failed:
                text += f"; failed so far: {', '.join(self.failed)}"
            self.bar.set_postfix_str(text)

    def close(self):
        if self.bar is not None:
            self.bar.close()


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
    from numerics.executor import available_cores

    from ..claims import budget_named
    from ..evidence_cache import EvidenceCache
    from ..ledger import LEDGER
    from ..report import render_claim_figures, write_report
    from ..runner import LedgerError, verify

    if args.list:
        for claim in LEDGER:
            print(f"{claim.id}  ({claim.source.cite()}): {claim.statement}")
        return 0
    claims = LEDGER.select(args.only)
    budget = budget_named(args.budget, args.seed)
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise ValueError(f"--out must be a folder, got the file {str(out)!r}")

    workers = args.workers if args.workers is not None else available_cores()
    bar = _Progress(len(claims), enabled=not args.json and sys.stderr.isatty())
    try:
        result = verify(claims, budget, progress=bar.finished, starting=bar.starting, workers=workers,
                        finish=render_claim_figures, cache=EvidenceCache.default(fresh=args.fresh))
    except LedgerError as err:
        print(f"pi2over6: error: {err}".splitlines()[0], file=sys.stderr)
        return 1
    finally:
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
              f"{s['seconds']:.1f} s on {s['workers']} worker{'s' if s['workers'] > 1 else ''}"
              + (f"; {s['replayed']} symbolic or numeric evidence replayed from the cache, --fresh derives it again"
                 if s["replayed"] else "") + f"). Report: {folder / 'report.md'}, {folder / 'report.tex'}")
        failures = _failures(result)
        if failures:
            print("Failed evidence:")
            print("\n".join(failures))
    return 0 if result.verified else 1
