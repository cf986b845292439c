"""Speed of the batched ridge / minimum-norm fits, as ratios against per-replicate loops run in the same process.

Run:  python benchmarks/bench_highdim.py [--quick]

1. Minimum-norm interpolation, R = 2000 replicates, d = 200, n = 100 (numerics.models.ridge.ridge_fit,
   lam = 0) against ``numpy.linalg.lstsq`` called replicate by replicate (target: >= 20x, the same
   estimates to 1e-8).
2. Ridge, R = 2000, d = 100, n = 400, lam = 0.5 against ``sklearn.linear_model.Ridge(alpha = n lam,
   fit_intercept=False)`` fitted replicate by replicate (target: >= 20x, the same estimates to 1e-8).
3. The same fits inside the Monte Carlo engine: one generation of linreg (fresh design) per replicate,
   for scale.

Both sides get the same data and the same BLAS threads; each time is the best of three runs (the loops
on a subset of replicates, scaled and printed as such). ``--quick`` uses R = 400.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from numerics.models.ridge import ridge_fit  # noqa: E402

TARGET = 20.0
AGREEMENT = 1e-8


def timed(fn, repeat=3):
    best, out = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - start)
    return best, out


def lstsq_loop(X, y):
    return np.array([np.linalg.lstsq(X[r], y[r], rcond=None)[0] for r in range(len(X))])


def sklearn_loop(X, y, lam):
    from sklearn.linear_model import Ridge

    m = X.shape[1]
    return np.array([Ridge(alpha=m * lam, fit_intercept=False).fit(X[r], y[r]).coef_ for r in range(len(X))])


def compare(label, R, n, d, lam, loop, loop_subset):
    rng = np.random.default_rng(20250101)
    X = rng.standard_normal((R, n, d))
    w0 = np.full(d, 1 / np.sqrt(d))
    y = X @ w0 + rng.standard_normal((R, n))
    batched, w = timed(lambda: ridge_fit(X, y, lam))
    sub = min(R, loop_subset)
    loop_time, reference = timed(lambda: loop(X[:sub], y[:sub]))
    loop_time *= R / sub
    agreement = float(np.abs(w[:sub] - reference).max())
    ratio = loop_time / batched
    ok = ratio >= TARGET and agreement <= AGREEMENT
    print(f"{label}: R = {R}, n = {n}, d = {d}, lam = {lam}")
    print(f"  batched ridge_fit {batched:8.3f} s   per-replicate loop {loop_time:8.3f} s"
          f"{'' if sub == R else f' (timed on {sub} replicates, scaled)'}")
    print(f"  speed-up {ratio:6.1f}x (target >= {TARGET:g}x)   max |difference| {agreement:.2e} "
          f"(target <= {AGREEMENT:g})   {'ok' if ok else 'BELOW TARGET'}")
    return ok


def engine(R, n, d, lam):
    from numerics.montecarlo import SimulationConfig, simulate

    config = SimulationConfig("linreg", {"d": d, "lam": lam, "design": "fresh"}, "discard", n, 1, R).validated()
    seconds, _ = timed(lambda: simulate(config, 1, progress=False), repeat=1)
    print(f"  engine: linreg fresh design, one generation, R = {R}: {seconds:.3f} s "
          f"(draws the design, labels and fits)")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="R = 400 instead of 2000")
    args = parser.parse_args(argv)
    R = 400 if args.quick else 2000
    warnings.simplefilter("ignore")
    ok = compare("1. minimum-norm interpolation", R, 100, 200, 0.0, lstsq_loop, 400)
    # engine(R, 100, 200, 0.0)
    ok &= compare("2. ridge", R, 400, 100, 0.5, lambda X, y: sklearn_loop(X, y, 0.5), 400)
    # engine(R, 400, 100, 0.5)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
