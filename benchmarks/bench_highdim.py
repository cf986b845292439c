"""Speed of the batched ridge / minimum-norm fits, as ratios against per-replicate loops run in the same process.

Run:  python benchmarks/bench_highdim.py [--quick]

Two settings, each for minimum-norm interpolation (R = 2000 replicates, d = 200, n = 100, lam = 0,
against ``numpy.linalg.lstsq`` called replicate by replicate) and ridge (R = 2000, d = 100, n = 400,
lam = 0.5, against ``sklearn.linear_model.Ridge(alpha = n lam, fit_intercept=False)`` replicate by
replicate), with the same estimates to 1e-8:

1. Monte Carlo fits (the target, >= 20x): labels resampled G = 10 times on each replicate's fixed
   design, every generation fitted — the engine factors each design once (``DesignRidge``, what
   ``linreg`` with ``design=fixed`` does; its stacks split over the cores, one BLAS thread each),
   the loop refits from scratch.
2. One fit per replicate on its own data (``ridge_fit``), reported for scale: here both sides pay for
   the Gram or kernel matrix, so the gain is what batching the linear algebra brings.
3. The engine end to end (``numerics.montecarlo.simulate``: draws and fits), for scale.

Both sides get the same data and the same BLAS threads; each time is the best of three runs (the loops
on a subset of replicates, scaled and printed as such). ``--quick`` uses R = 400.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench_montecarlo import timed  # noqa: E402

from numerics.models.ridge import DesignRidge, ridge_fit  # noqa: E402

TARGET = 20.0
AGREEMENT = 1e-8


def lstsq_loop(X, y):
    return np.array([np.linalg.lstsq(X[r], y[r], rcond=None)[0] for r in range(len(X))])


def sklearn_loop(X, y, lam):
    from sklearn.linear_model import Ridge

    m = X.shape[1]
    return np.array([Ridge(alpha=m * lam, fit_intercept=False).fit(X[r], y[r]).coef_ for r in range(len(X))])


def _report(label, batched, loop_time, sub, R, agreement, target):
    ratio = loop_time / batched
    ok = ratio >= target and agreement <= AGREEMENT
    print(f"  {label}: batched {batched:8.3f} s   per-replicate loop {loop_time:8.3f} s"
          f"{'' if sub == R else f' (timed on {sub} replicates, scaled)'}")
    print(f"    speed-up {ratio:6.1f}x" + (f" (target >= {target:g}x)" if target else "")
          + f"   max |difference| {agreement:.2e} (target <= {AGREEMENT:g})   "
          + ("ok" if ok else ("BELOW TARGET" if target else "")))
    return ok or not target


def compare(label, R, n, d, lam, loop, loop_subset, generations=10):
    rng = np.random.default_rng(20250101)
    X = rng.standard_normal((R, n, d))
    w0 = np.full(d, 1 / np.sqrt(d))
    Y = X @ w0 + rng.standard_normal((generations, R, n))      # labels resampled on the fixed design
    sub = min(R, loop_subset)
    print(f"{label}: R = {R}, n = {n}, d = {d}, lam = {lam}")

    def batched_design():
        solve = DesignRidge(X, 1 / n, lam)
        return [solve(Y[g] / n) for g in range(generations)]

    def looped_design():
        return [loop(X[:sub], Y[g, :sub]) for g in range(generations)]

    t_batched, fits = timed(batched_design, 3)
    t_loop, reference = timed(looped_design, 3)
    agreement = max(float(np.abs(f[:sub] - r).max()) for f, r in zip(fits, reference, strict=True))
    ok = _report(f"1. {generations} fits per replicate on its fixed design", t_batched, t_loop * R / sub, sub, R,
                 agreement, TARGET)
    t_batched, w = timed(lambda: ridge_fit(X, Y[0], lam), 3)
    t_loop, reference = timed(lambda: loop(X[:sub], Y[0, :sub]), 3)
    _report("2. one fit per replicate", t_batched, t_loop * R / sub, sub, R, float(np.abs(w[:sub] - reference).max()),
            0)
    return ok


def engine(R, n, d, lam):
    from numerics.montecarlo import SimulationConfig, simulate

    config = SimulationConfig("linreg", {"d": d, "lam": lam, "design": "fresh"}, "discard", n, 1, R).validated()
    seconds, _ = timed(lambda: simulate(config, 1, progress=False), repeat=1)
    print(f"  3. engine, linreg with a fresh design, one generation, R = {R}: {seconds:.3f} s "
          f"(draws the design and labels, then fits)")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="R = 400 instead of 2000")
    args = parser.parse_args(argv)
    R = 400 if args.quick else 2000
    warnings.simplefilter("ignore")
    ok = compare("minimum-norm interpolation", R, 100, 200, 0.0, lstsq_loop, 200)
    engine(R, 100, 200, 0.0)
    ok &= compare("ridge", R, 400, 100, 0.5, lambda X, y: sklearn_loop(X, y, 0.5), 200)
    engine(R, 400, 100, 0.5)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
