"""Start-up of the command line and the packages, as ratios against ``python -c "import numpy"``.

Run:  python benchmarks/bench_startup.py [--repeat 5] [--loop 100]

Every task is a fresh Python process (this interpreter, with this checkout first on the path;
``pi2over6 ...`` runs as ``python -m proofs_check ...``). The tasks run ``--repeat`` times,
interleaved with the baselines ``python -c "import numpy"`` and ``python -c "import sympy"``, and
the fastest run of each counts, for both the wall time and the CPU time (user + system of the
child, which other processes sharing the machine disturb far less). Printed per task: both times
and their ratios against each baseline. The tasks:

* ``import numerics``, ``import theory``, ``import proofs_check`` (each package top);
* ``pi2over6 --help`` and an argument error of the top-level parser;
* for every command of ``proofs_check.cli.COMMANDS`` (new commands are covered by themselves):
  ``pi2over6 COMMAND --help`` and an argument error (an unknown option);
* ``pi2over6 risk augment --generations 5``, deriving everything (the disk cache of derived
  values off, ``PI2OVER6_CACHE_DIR=""``) and again with its derivation cached (a repeated command);
* ``pi2over6 simulate`` of a small ``gaussian-mean`` configuration (n = 10, G = 3, R = 250), and
  with the sample median, whose asymptotic prediction SymPy derives (cache off, and cached).

The cached runs use a cache folder of this run, filled by a first call that is not timed.

Targets on 2 cores: ``--help`` and argument errors under 0.4 s; the small simulate under 5x
``import numpy``; ``risk augment --generations 5`` under 1.5x ``import sympy``; ``import
numerics`` under 0.5 s. A target is met when the best wall time meets it (the CPU time, also
shown, is the figure to trust on a busy machine).

``--loop N`` also times a shell-script-like loop of N small ``simulate`` calls (one process
each, one after the other, seeds 1..N) and prints the SHA-256 of their concatenated output, so
that two checkouts can be compared for identical output as well as for time.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from proofs_check.cli import COMMANDS  # noqa: E402  (the dispatch table only: cheap)

SMALL_SIMULATE = ["simulate", "--model", "gaussian-mean", "--workflow", "augment", "--n", "10",
                  "--generations", "3", "--replicates", "250"]


CACHE = tempfile.TemporaryDirectory(prefix="bench-startup-cache-")
OFF, CACHED = {"PI2OVER6_CACHE_DIR": ""}, {"PI2OVER6_CACHE_DIR": CACHE.name}


def environment(extra=None):
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), *filter(None, [env.get("PYTHONPATH")])])
    env.setdefault("PI2OVER6_CACHE_DIR", CACHE.name)
    env.update(extra or {})
    return env


def cli(*args):
    return [sys.executable, "-m", "proofs_check", *args]


def tasks():
    """(name, argv, expected exit status, target as (kind, value) or None, extra environment)."""
    out = [("import numerics", [sys.executable, "-c", "import numerics"], 0, ("seconds", 0.5)),
           ("import theory", [sys.executable, "-c", "import theory"], 0, None),
           ("import proofs_check", [sys.executable, "-c", "import proofs_check"], 0, None),
           ("pi2over6 --help", cli("--help"), 0, ("seconds", 0.4)),
           ("pi2over6 (argument error)", cli("--no-such-option"), 2, ("seconds", 0.4))]
    for name in COMMANDS:
        out.append((f"pi2over6 {name} --help", cli(name, "--help"), 0, ("seconds", 0.4)))
        out.append((f"pi2over6 {name} (argument error)", cli(name, "--no-such-option"), 2, ("seconds", 0.4)))
    risk = cli("risk", "augment", "--generations", "5")
    out.append(("pi2over6 risk augment --generations 5 (cache off)", risk, 0, ("import sympy", 1.5), OFF))
    out.append(("pi2over6 risk augment --generations 5 (cached)", risk, 0, ("import sympy", 1.5), CACHED))
    out.append(("pi2over6 simulate (small gaussian-mean)", cli(*SMALL_SIMULATE, "--seed", "1"), 0,
                ("import numpy", 5.0)))
    median = cli(*SMALL_SIMULATE, "--seed", "1", "--set", "estimator=median")
    out.append(("pi2over6 simulate (small, median, cache off)", median, 0, None, OFF))
    out.append(("pi2over6 simulate (small, median, cached)", median, 0, ("import numpy", 5.0), CACHED))
    return [task if len(task) == 5 else (*task, None) for task in out]


def run_once(argv, env, expected=None):
    """(wall seconds, CPU seconds of the child, stdout bytes)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(argv, env=env, capture_output=True, cwd=ROOT)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if expected is not None and proc.returncode != expected:
        raise SystemExit(f"{' '.join(argv)}: exit status {proc.returncode}, expected {expected}\n"
                         f"{proc.stderr.decode(errors='replace')}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, proc.stdout


def measure(repeat):
    baselines = {"import numpy": [sys.executable, "-c", "import numpy"],
                 "import sympy": [sys.executable, "-c", "import sympy"]}
    best = {}
    jobs = [(name, argv, 0, None) for name, argv in baselines.items()]
    jobs += [(n, a, s, extra) for n, a, s, _, extra in tasks()]
    for _name, argv, status, extra in jobs:
        if extra is CACHED:
            run_once(argv, environment(extra), status)   # fills the cache: not timed
    for _ in range(repeat):
        for name, argv, status, extra in jobs:   # interleaved: a burst of load hits every task alike
            wall, cpu, _out = run_once(argv, environment(extra), status)
            w, c = best.get(name, (float("inf"), float("inf")))
            best[name] = (min(w, wall), min(c, cpu))
    return best


def verdict(target, wall, best):
    if target is None:
        return ""
    kind, value = target
    limit = value if kind == "seconds" else value * best[kind][0]
    text = f"< {value:g} s" if kind == "seconds" else f"< {value:g}x {kind}"
    return f"{text}: {'yes' if wall < limit else 'NO'}"


def report(best):
    np_wall, np_cpu = best["import numpy"]
    sp_wall, sp_cpu = best["import sympy"]
    print(f"baselines: import numpy {np_wall:.3f} s wall, {np_cpu:.3f} s CPU; "
          f"import sympy {sp_wall:.3f} s wall, {sp_cpu:.3f} s CPU")
    header = ("task", "wall s", "CPU s", "/numpy wall", "/numpy CPU", "/sympy wall", "/sympy CPU", "target")
    rows = [header]
    for name, _argv, _status, target, _extra in tasks():
        wall, cpu = best[name]
        rows.append((name, f"{wall:.3f}", f"{cpu:.3f}", f"{wall / np_wall:.2f}", f"{cpu / np_cpu:.2f}",
                     f"{wall / sp_wall:.2f}", f"{cpu / sp_cpu:.2f}", verdict(target, wall, best)))
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    for row in rows:
        print("  ".join(cell.ljust(w) if i in (0, 7) else cell.rjust(w)
                        for i, (cell, w) in enumerate(zip(row, widths, strict=True))).rstrip())


def loop(count):
    """Time ``count`` small simulate calls one after another; hash their output."""
    env = environment()
    digest = hashlib.sha256()
    wall = cpu = 0.0
    for seed in range(1, count + 1):
        w, c, out = run_once(cli(*SMALL_SIMULATE, "--seed", str(seed)), env, 0)
        wall, cpu = wall + w, cpu + c
        digest.update(out)
    print(f"loop of {count} small simulate calls: {wall:.1f} s wall, {cpu:.1f} s CPU "
          f"({wall / count:.3f} s, {cpu / count:.3f} s CPU per call); output sha256 {digest.hexdigest()[:16]}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="runs per task; the fastest counts (default 5)")
    parser.add_argument("--loop", type=int, default=0, metavar="N",
                        help="also time a loop of N small simulate calls and hash their output")
    args = parser.parse_args(argv)
    report(measure(args.repeat))
    if args.loop:
        loop(args.loop)


if __name__ == "__main__":
    main()
