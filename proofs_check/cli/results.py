"""``pi2over6 results RESULTS.sqlite [--csv FILE]``: the tidy table of a sweep store.

One row per configuration x generation x metric, columns ``model, params, workflow, n,
generations, generation, metric, mean, stderr, replicates``, sorted by those columns.
"""

from __future__ import annotations

import sys


def register(subparsers):
    parser = subparsers.add_parser(
        "results", help="print (or write as CSV) the aggregated results of a sweep store",
        description="Print the aggregated tidy table of a sweep store, one row per configuration x "
                    "generation x metric; with --csv, write it as CSV instead ('-' for standard output).")
    parser.add_argument("store", metavar="RESULTS.sqlite", help="the store a sweep wrote")
    parser.add_argument("--csv", metavar="FILE", help="write the table as CSV to FILE ('-': standard output)")
    parser.set_defaults(run=run)


def run(args):
    from numerics.results import results_frame

    frame = results_frame(args.store)
    if args.csv == "-":
        frame.to_csv(sys.stdout, index=False)
    elif args.csv is not None:
        frame.to_csv(args.csv, index=False)
    elif frame.empty:
        print("  ".join(frame.columns))
    else:
        print(frame.to_string(index=False))
    return 0
