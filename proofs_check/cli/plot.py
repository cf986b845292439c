"""``pi2over6 plot WORKFLOW... [--model MODEL ...] --out FILE.png|FILE.pdf``.

Risk ratio against generation: each workflow's exact curve (the same for every
model), Monte Carlo points of real model fits with one-standard-error bars (from a
fresh simulation, or from a sweep store with ``--store``), and the pi^2/6
asymptote when a workflow tends to it. The file type follows the suffix.
"""

from __future__ import annotations

from pathlib import Path

from theory.input_limits import MAX_GENERATIONS, MAX_REPLICATES, MAX_SAMPLE_SIZE, MAX_SEED

from .arguments import add_settings_option, integer_in, parse_settings


def register(subparsers):
    parser = subparsers.add_parser(
        "plot", help="draw risk ratios against generation (exact curves and Monte Carlo points)",
        description="Draw the exact risk ratios R_k = risk_k / risk_1 of each workflow and, for each "
                    "--model, Monte Carlo ratios of real fits with one-standard-error bars. The ratio's "
                    "denominator is the exact generation-1 risk when the toolkit's prediction is exact at "
                    "this n, otherwise the Monte Carlo one (error bars then by the delta method with the "
                    "covariance of the two risks, which come from the same replicates). With --store the points "
                    "come from a sweep store (Monte Carlo denominator). The pi^2/6 asymptote is marked when a "
                    "workflow tends to it.")
    parser.add_argument("workflows", nargs="+", metavar="WORKFLOW",
                        help="a preset (discard, augment, subsample, window:W, mix:L, weighted:W[:M]) or a "
                             ".json/.toml workflow file")
    parser.add_argument("--model", action="append", dest="models", default=[], metavar="MODEL",
                        help="a model to simulate (repeat for several); none: exact curves only")
    add_settings_option(parser)
    parser.add_argument("--n", type=integer_in(1, MAX_SAMPLE_SIZE), default=None, metavar="N",
                        help="base sample size of the simulation (default 100); with --store, selects "
                             "configurations with this n")
    parser.add_argument("--replicates", type=integer_in(1, MAX_REPLICATES), default=2000, metavar="R",
                        help="Monte Carlo replicates per model and workflow (default 2000)")
    parser.add_argument("--seed", type=integer_in(0, MAX_SEED), default=0, metavar="S",
                        help="master seed (default 0)")
    parser.add_argument("--generations", type=integer_in(1, MAX_GENERATIONS), default=None, metavar="G",
                        help="generations (default 10, or as many as a workflow file lists)")
    parser.add_argument("--log", action="store_true", help="logarithmic ratio axis")
    parser.add_argument("--store", default=None, metavar="RESULTS.sqlite",
                        help="draw the Monte Carlo points from this sweep store instead of simulating")
    parser.add_argument("--out", required=True, metavar="FILE.png|FILE.pdf", help="the figure file to write")
    parser.set_defaults(run=run)


def run(args):
    from numerics.plots import FIGURE_SUFFIXES, risk_ratio_figure, save_figure
    from theory import load_workflow
    from theory.models import model_spec

    out = Path(args.out)
    # check everything cheap before simulating
    if out.suffix.lower() not in FIGURE_SUFFIXES:
        raise ValueError(f"--out must end in .png or .pdf, got {args.out!r}")
    if not out.parent.is_dir():
        raise ValueError(f"--out: directory {str(out.parent)!r} does not exist")
    params = parse_settings(args.settings)
    # presets default to 10 generations, a file to the generations it lists
    G = args.generations or max(load_workflow(spec).G for spec in args.workflows)
    for spec in args.workflows:
        load_workflow(spec, G)
    for model in args.models:
        model_spec(model).validate(params)
    if args.store is not None and not Path(args.store).is_file():
        raise ValueError(f"--store: no sweep store at {args.store!r}")
    if args.store is None and params and not args.models:
        raise ValueError("--set needs --model (or --store): exact curves do not depend on the model")
    n = args.n if args.n is not None or args.store is not None else 100
    fig = risk_ratio_figure(args.workflows, args.models, params or None, n=n, replicates=args.replicates,
                            seed=args.seed, generations=G, log=args.log, store=args.store)
    save_figure(fig, out)
    print(f"plot: wrote {out}")
    return 0
