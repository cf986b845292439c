"""``pi2over6 sweep CONFIG.toml --store RESULTS.sqlite [--workers N | --scheduler ADDRESS]``.

Runs every configuration of a sweep file, cell by cell, into an SQLite store. Re-running the same
command after an interruption computes only the missing cells; the results do not depend on the
number of workers, on Dask, or on interruptions.
"""

from __future__ import annotations

from theory.input_limits import MAX_WORKERS

from .arguments import integer_in


def register(subparsers):
    parser = subparsers.add_parser(
        "sweep", help="run a grid of Monte Carlo configurations into an SQLite store (resumable)",
        description="Run the grid models x workflows x n x generations of a sweep file. Each finished cell "
                    "is committed to the store, so re-running the command after an interruption runs only "
                    "the missing cells; results are identical for any number of workers.")
    parser.add_argument("config", metavar="CONFIG.toml", help="the sweep file (TOML)")
    parser.add_argument("--store", required=True, metavar="RESULTS.sqlite",
                        help="the SQLite store to create or resume")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--workers", type=integer_in(1, MAX_WORKERS), metavar="N",
                       help="local worker processes (default: all cores)")
    where.add_argument("--scheduler", metavar="ADDRESS",
                       help="address of a Dask distributed scheduler, e.g. tcp://host:8786")
    parser.set_defaults(run=run)



def run(args):
    # Imported here so that the other commands start without the Monte Carlo engine.
    from numerics.sweep import load_sweep, run_sweep

    sweep = load_sweep(args.config)
    summary = run_sweep(sweep, args.store, workers=args.workers, scheduler=args.scheduler)
    print(f"sweep: {summary.configurations} configurations, {summary.cells} cells "
          f"({summary.computed} computed now, {summary.stored_before} already stored) "
          f"in {summary.wall_seconds:.1f} s -> {args.store}")
    return 0
