"""``pi2over6 real-data``: Dey & Donoho's logistic protocol on a real table (``numerics.real_data``).

::

    pi2over6 real-data DATASET [--split paper | --split-seed S] [--target COL [--threshold T]]
                       [--workflows WORKFLOW ...] [--generations G] [--replicates R] [--seed S]
                       [--csv FILE] [--json]

DATASET is ``diabetes``, ``breast-cancer`` (the data sets scikit-learn ships: install
the ``real-data`` extra) or a CSV file whose column ``--target`` holds the labels (0/1,
or any numbers with ``--threshold T``: label ``target > T``). The table is split once,
30% for testing: by the toolkit's seeded split (``--split-seed``, default 0) or by the
authors' (``--split paper``: scikit-learn's ``train_test_split(test_size=0.3,
random_state=123456)``, reproduced row for row). Generation 1 is the unpenalised MLE
on the real training labels, with separation certified exactly: when the labels are
separable there is no MLE, and the report says so instead of printing where an
optimiser happened to stop. Later generations refit labels resampled from earlier
fits, as each workflow says.

The text report gives generation 1 and, per workflow and generation, the test
log-loss (median and quartiles over the replicates), the test accuracy, the share of
separated fits and the drift of the coefficients beside the Gaussian process's
prediction. ``--json`` prints one object: the setting, ``generation_1`` (its numbers
and a note on the MLE) and ``summary``, the tidy table of
``RealDataResult.summary()`` as a list of records (non-finite numbers as null; the
``finite`` column counts the finite values). ``--csv FILE`` writes that table as CSV
(``-``: standard output). A progress bar shows on a terminal, never with ``--json``.
"""

from __future__ import annotations

import json
import math
import os
import sys
import tempfile
from pathlib import Path

from .arguments import integer_in

__all__ = ["register", "run", "format_report", "MAX_GENERATIONS", "MAX_REPLICATES", "MEMORY_LIMIT"]

MAX_GENERATIONS = 1000
MAX_REPLICATES = 10000
MEMORY_LIMIT = 2 * 2**30
"""Bytes the chains' labels and coefficients may take (estimated before any work)."""

NAMED = ("diabetes", "breast-cancer")


def register(subparsers):
    """Add the ``real-data`` sub-command."""
    p = subparsers.add_parser(
        "real-data", help="Dey & Donoho's logistic protocol on a real table: refit on resampled labels",
        description="Split a real table once (30%% test), fit the unpenalised logistic MLE to the real training "
                    "labels (generation 1; separation certified exactly), then refit labels resampled from earlier "
                    "fits under each workflow and score every fit on the real test set.")
    p.add_argument("dataset", metavar="DATASET",
                   help="diabetes, breast-cancer (scikit-learn's; install pi2over6[real-data]) or a CSV file")
    split = p.add_mutually_exclusive_group()
    split.add_argument("--split", choices=["paper"], default=None,
                       help="the authors' split: scikit-learn's train_test_split(test_size=0.3, random_state=123456)")
    split.add_argument("--split-seed", type=integer_in(0), default=None, metavar="S",
                       help="the toolkit's own seeded split (default: seed 0)")
    p.add_argument("--target", metavar="COL", help="the label column of a CSV file")
    p.add_argument("--threshold", type=_finite_float, metavar="T",
                   help="label a CSV row by target > T (otherwise the target must be 0 or 1)")
    p.add_argument("--workflows", nargs="+", default=["discard", "augment"], metavar="WORKFLOW",
                   help="presets or workflow files without fresh real data (default: discard augment)")
    p.add_argument("--generations", type=integer_in(1, MAX_GENERATIONS), default=20, metavar="G",
                   help="generations (default 20)")
    p.add_argument("--replicates", type=integer_in(1, MAX_REPLICATES), default=20, metavar="R",
                   help="independent chains of synthetic labels (default 20)")
    p.add_argument("--seed", type=integer_in(0), default=0, metavar="S",
                   help="seed of the synthetic labels (default 0)")
    p.add_argument("--csv", metavar="FILE", help="write the tidy summary table as CSV to FILE ('-': standard output)")
    p.add_argument("--json", action="store_true", help="print the result as one JSON object")
    p.set_defaults(run=run)
    return p


def _finite_float(text):
    import argparse

    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"must be a finite number, got {text!r}")
    return value


def _dataset(args):
    """The Dataset DATASET names, its description, and whether it came from a CSV file."""
    from numerics.tabular import DATASETS, load_csv, load_dataset

    if args.dataset in NAMED or args.dataset.replace("_", "-") in NAMED:
        if args.target is not None or args.threshold is not None:
            raise ValueError(f"--target and --threshold apply to a CSV file, not to the data set {args.dataset!r}")
        data = load_dataset(args.dataset)
        return data, DATASETS[data.name]
    if args.target is None:
        if not Path(args.dataset).exists():
            raise ValueError(f"DATASET must be {' or '.join(NAMED)} or a CSV file, got {args.dataset!r} (no such file)")
        raise ValueError(f"a CSV file needs --target COL, the column of its labels (file {args.dataset!r})")
    data = load_csv(args.dataset, args.target, args.threshold)
    rule = args.target if args.threshold is None else f"{args.target} > {args.threshold:g}"
    return data, f"{data.X.shape[0]} rows, {data.X.shape[1]} features; label {rule}"


def _check_size(args, rows, coefficients):
    chains = args.replicates * len(args.workflows)
    need = chains * args.generations * (rows + 8 * coefficients + 64)
    if need > MEMORY_LIMIT:
        raise ValueError(f"{args.replicates} replicates x {args.generations} generations x {len(args.workflows)} "
                         f"workflows on {rows} training rows need about {need / 2**30:.1f} GiB, above the limit of "
                         f"{MEMORY_LIMIT / 2**30:.0f} GiB: use fewer replicates or generations")


def run(args):
    """Run ``real-data``; return the exit status."""
    from numerics.real_data import run_real_data
    from numerics.tabular import paper_split, split_dataset

    if args.csv == "-" and args.json:
        raise ValueError("--csv - and --json both write to standard output; give --csv a file")
    if args.threshold is not None and args.target is None:
        raise ValueError("--threshold needs --target, the column it applies to")
    try:
        data, description = _dataset(args)
    except ImportError as err:   # a named data set without scikit-learn: say what to install
        print(f"pi2over6: error: {err}".splitlines()[0], file=sys.stderr)
        return 2
    split = paper_split(data) if args.split == "paper" else split_dataset(data, 0.3, args.split_seed or 0)
    _check_size(args, *split.X_train.shape)
    result = run_real_data(split, args.workflows, args.generations, args.replicates, args.seed,
                           progress=False if args.json else None)
    table = result.summary()
    if args.csv is not None:
        _write_csv(table, args.csv)
    if args.json:
        print(json.dumps(to_json_dict(result, description), allow_nan=False))
    elif args.csv != "-":
        sys.stdout.write(format_report(result, description))
    return 0


def _write_csv(table, target):
    if target == "-":
        table.to_csv(sys.stdout, index=False)
        return
    path = Path(target)
    if path.is_dir():
        raise ValueError(f"--csv must be a file, got the folder {target!r}")
    # written beside the target and moved into place whole: never a partial table under its name
    fd, temporary = tempfile.mkstemp(prefix=".pi2over6-", suffix=".csv", dir=path.parent if str(path.parent) else ".")
    try:
        with os.fdopen(fd, "w", newline="", encoding="utf-8") as f:
            table.to_csv(f, index=False)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _plain(value):
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value
    value = float(value)
    return value if math.isfinite(value) else None


def to_json_dict(result, description):
    """The ``--json`` object: the setting, generation 1 with its note, and the tidy summary as records."""
    table = result.summary()
    records = [{column: _plain(value) for column, value in zip(table.columns, row, strict=True)}
               for row in table.itertuples(index=False)]
    for r in records:
        r["generation"], r["finite"], r["replicates"] = int(r["generation"]), int(r["finite"]), int(r["replicates"])
    return {"dataset": result.dataset, "description": description, "split": result.split,
            "n_train": result.n_train, "n_test": result.n_test, "features": list(result.feature_names[1:]),
            "workflows": list(result.workflows), "generations": result.generations, "replicates": result.replicates,
            "seed": result.seed, "generation_1": result.first.to_json_dict(),
            "theory": {w: [float(x) for x in result.theory[w]] for w in result.workflows},
            "summary": records}


def _number(value, digits=4):
    value = float(value)
    if math.isnan(value):
        return "n/a"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return f"{value:.{digits}f}"


def format_report(result, description):
    """The text report: the setting, generation 1, then a table per workflow."""
    first = result.first
    p = len(result.feature_names)
    lines = [f"Dey & Donoho's real-data protocol on {result.dataset}: {description}",
             f"split: {result.split}; {result.n_train} training rows, {result.n_test} test rows; {p} coefficients "
             f"(an intercept and {p - 1} standardised features)",
             f"generation 1, the unpenalised MLE on the real training labels: {first.note}.", "",
             f"{result.replicates} chains of synthetic labels (seed {result.seed}), {result.generations} generations. "
             "Log-loss and accuracy on the real test set: median [quartiles] over the chains; separated: the share of "
             "fits whose labels were separable; drift: mean (standard error) of (b_k - b_1)' F_1 (b_k - b_1)/p, "
             "beside the Gaussian process's prediction.", ""]
    table = result.summary().set_index(["workflow", "metric", "generation"])
    header = (f"{'generation':>10}  {'log-loss':>9}  {'[q25, q75]':>19}  {'accuracy':>8}  {'separated':>9}  "
              f"{'drift':>9}  {'(SE)':>8}  {'process':>8}")
    for w in result.workflows:
        lines += [w, header]
        for g in range(1, result.generations + 1):
            loss, acc = table.loc[(w, "test_logloss", g)], table.loc[(w, "test_accuracy", g)]
            sep, drift = table.loc[(w, "separated", g)], table.loc[(w, "drift", g)]
            quartiles = f"[{_number(loss['q25'])}, {_number(loss['q75'])}]"
            lines.append(f"{g:>10}  {_number(loss['median']):>9}  {quartiles:>19}  {_number(acc['median']):>8}  "
                         f"{_number(sep['mean'], 2):>9}  {_number(drift['mean'], 3):>9}  "
                         f"{'(' + _number(drift['stderr'], 3) + ')':>8}  {_number(result.theory[w][g - 1], 3):>8}")
        lines.append("")
    return "\n".join(lines)
