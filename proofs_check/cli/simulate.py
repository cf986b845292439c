"""``pi2over6 simulate``: Monte Carlo of real model fits under a workflow, beside the theory's prediction.

    pi2over6 simulate --model MODEL --workflow WORKFLOW --n N --generations G --replicates R --seed S
                      [--set KEY=VALUE ...] [--json] [--chunk C]

Prints a table per metric (generation, Monte Carlo mean, standard error, theory),
or with ``--json`` the object of DESIGN.md. A progress bar appears on a terminal
only, never with ``--json``.
"""

from __future__ import annotations

import argparse
import json
import sys

from .arguments import add_settings_option, parse_settings

__all__ = ["register", "run"]


def _integer(text):
    """argparse type: an integer (argparse reports ``invalid integer value: 'x'`` otherwise)."""
    return int(text)


_integer.__name__ = "integer"


def _models_epilog():
    """The models and their ``--set`` parameters, read from the model registry."""
    from theory.models import MODELS

    width = max(map(len, MODELS))
    lines = ["models and their parameters (--set KEY=VALUE; defaults in brackets):"]
    lines += [f"  {name:<{width}}  {MODELS[name].describe_parameters() or '-'}" for name in MODELS]
    return "\n".join(lines)


def register(subparsers):
    """Add the ``simulate`` sub-command."""
    from theory.models import MODEL_NAMES

    p = subparsers.add_parser(
        "simulate", help="Monte Carlo of real model fits under a workflow, with the theory beside it",
        description="Draw the data, fit the model's estimator generation after generation under WORKFLOW, "
                    "and report each metric's mean and standard error with the toolkit's prediction.",
        epilog=_models_epilog(), formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", required=True, metavar="MODEL",
                   help=f"a model name (THEORY.md §4): {', '.join(MODEL_NAMES)}")
    p.add_argument("--workflow", required=True, metavar="WORKFLOW",
                   help="a preset (discard, augment, subsample, window:W, mix:L, weighted:W[:M]) "
                        "or a .json/.toml file")
    p.add_argument("--n", required=True, type=_integer, metavar="N", help="the base sample size")
    p.add_argument("--generations", required=True, type=_integer, metavar="G")
    p.add_argument("--replicates", required=True, type=_integer, metavar="R")
    p.add_argument("--seed", required=True, type=_integer, metavar="S")
    add_settings_option(p)
    p.add_argument("--json", action="store_true", help="print the result as one JSON object")
    p.add_argument("--chunk", type=_integer, default=None, metavar="C",
                   help="replicates vectorised at once (a multiple of 250; results do not depend on it)")
    p.set_defaults(run=run)
    return p


def run(args):
    """Run ``simulate``; return the exit status."""
    from numerics.montecarlo import SimulationConfig, block_seed, simulate

    block_seed(args.seed, 0)   # a bad seed is reported before any work
    config = SimulationConfig(args.model, parse_settings(args.settings), args.workflow, args.n,
                              args.generations, args.replicates).validated()
    progress = False if args.json else None
    result = simulate(config, args.seed, chunk=args.chunk, progress=progress)
    if args.json:
        print(json.dumps(result.to_json_dict(), allow_nan=False))
    else:
        sys.stdout.write(format_table(result))
    return 0


def _number(value):
    return "n/a" if value is None else f"{value:.6g}"


def _kind(note):
    if note is None or note.startswith("none"):
        return "no theory"
    return f"theory {'exact at this n' if note.startswith('exact') else 'asymptotic'}"


def format_table(result):
    """The readable report: a header, then per metric a table of generation, mean, stderr, theory."""
    c = result.config
    params = ", ".join(f"{k}={v}" for k, v in sorted(c.params.items()))
    lines = [f"{c.model} under {c.workflow}: n = {c.n}, {c.G} generations, "
             f"{c.replicates} replicates, seed {result.seed}", f"parameters: {params}", ""]
    for name, stats in result.metrics.items():
        theory = result.theory.get(name)
        lines.append(f"{name} ({_kind(result.notes.get(name))})")
        lines.append(f"{'generation':>10}  {'mean':>14}  {'stderr':>12}  {'theory':>14}")
        for g in range(c.G):
            t = None if theory is None else theory[g]
            lines.append(f"{g + 1:>10}  {_number(stats['mean'][g]):>14}  {_number(stats['stderr'][g]):>12}  "
                         f"{_number(t):>14}")
        lines.append("")
    for key, note in sorted(result.notes.items()):
        lines.append(f"note ({key}): {note}")
    return "\n".join(lines).rstrip("\n") + "\n"
