"""Speed and memory of the Monte Carlo engine, as ratios against baselines run in the same process.

Run:  python benchmarks/bench_montecarlo.py [--quick]

1. Sample-level Monte Carlo of gaussian-mean (n = 100, G = 100, R = 10^4; discard and augment)
   against the time numpy needs just to generate the same standard normals (target: within 2x).
2. The engine (fast path and sample level) against a straightforward per-replicate,
   per-generation Python loop on the same configuration with R = 1000 (target: >= 50x).
3. Batched logistic regression (n = 2000, d = 5, G = 20, R = 400, augment, fixed design) against
   statsmodels GLM fitted replicate by replicate on the pooled data (target: >= 10x, same estimates
   to 1e-6), and against the same loop on the grouped binomial form. The loops are timed on a
   subset of replicates and scaled (printed).
4. R = 10^6 replicates of gaussian-mean under augment (n = 100, G = 100) with peak memory
   (process max RSS and tracemalloc peak; target: under 1 GB).
5. The logistic kernel on one shared design, as the real-data protocol uses it (the diabetes
   training split, 309 rows, 11 coefficients; C = 400 label sets, separation certified exactly):
   against the same kernel given the design stacked per label set (sharing saves the C copies of the
   design; target: at least as fast, which needs an idle machine: on a loaded one OpenBLAS threads
   slow the shared design's larger products, compare with OPENBLAS_NUM_THREADS=1) and against
   statsmodels GLM fitted label set by label set (target >= 10x, same estimates to 1e-6). The
   statsmodels loop is timed on a subset and scaled (printed).
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from numerics.block_sums import aggregate  # noqa: E402
from numerics.models.random import BlockRandom  # noqa: E402
from numerics.montecarlo import (  # noqa: E402
    BLOCK,
    SimulationConfig,
    block_seed,
    prepare,
    run_replicates,
    simulate_blocks,
)


def timed(fn, repeat=1):
    best = float("inf")
    out = None
    for _ in range(repeat):
        start = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - start)
    return best, out


def blocks_of(R):
    return range(-(-R // BLOCK))


# ------------------------------------------------------------------------------------------- 1
def numpy_generation_only(R, n, batches, chunk):
    """Generate exactly the standard normals a sample-level run draws, in the same (chunk, n) arrays."""
    gen = np.random.default_rng(0)
    buf = np.empty((chunk, n))
    for start in range(0, R, chunk):
        rows = buf[:min(chunk, R - start)]
        for _ in range(batches):
            gen.standard_normal(out=rows)


def bench_sample_level(R, n, G):
    print(f"\n1. sample-level gaussian-mean, n = {n}, G = {G}, R = {R}")
    for wf in ("discard", "augment"):
        cfg = SimulationConfig("gaussian-mean", {}, wf, n, G, R)
        t_engine, _ = timed(lambda cfg=cfg: simulate_blocks(cfg, 1, blocks_of(R), method="sample"))
        # R0 plus S1..S_{G-1}: the last emitted batch is never fitted, so never drawn
        t_numpy, _ = timed(lambda: numpy_generation_only(R, n, G, 5000))
        t_fast, _ = timed(lambda cfg=cfg: simulate_blocks(cfg, 1, blocks_of(R)))
        print(f"   {wf:8s} engine (sample level) {t_engine:7.3f} s   numpy normals only {t_numpy:7.3f} s   "
              f"ratio {t_engine / t_numpy:5.2f}x (target <= 2)   [fast path: {t_fast:6.3f} s]")


# ------------------------------------------------------------------------------------------- 2
def python_loop(R, n, G, workflow, seed=0):
    """The straightforward way: one replicate, one generation at a time."""
    rng = np.random.default_rng(seed)
    risk = np.zeros(G)
    for _ in range(R):
        data = [rng.normal(0.0, 1.0, n)]
        for k in range(G):
            fit = data[-1] if workflow == "discard" else np.concatenate(data)
            mu = fit.mean()
            risk[k] += mu * mu
            data.append(rng.normal(mu, 1.0, n))
    return risk / R


def bench_python_loop(R, n, G):
    print(f"\n2. against a per-replicate, per-generation Python loop: gaussian-mean, n = {n}, G = {G}, "
          f"R = {R}")
    for wf in ("discard", "augment"):
        cfg = SimulationConfig("gaussian-mean", {}, wf, n, G, R)
        t_loop, loop_risk = timed(lambda wf=wf: python_loop(R, n, G, wf))
        t_fast, fast = timed(lambda cfg=cfg: aggregate(simulate_blocks(cfg, 1, blocks_of(R))), repeat=3)
        t_sample, _ = timed(lambda cfg=cfg: simulate_blocks(cfg, 1, blocks_of(R), method="sample"), repeat=2)
        print(f"   {wf:8s} loop {t_loop:7.3f} s   engine fast path {t_fast:7.4f} s ({t_loop / t_fast:6.0f}x, "
              f"target >= 50)   engine sample level {t_sample:7.3f} s ({t_loop / t_sample:5.1f}x)")
        print(f"            risk at G: loop {loop_risk[-1]:.5f}, engine {fast['risk']['mean'][-1]:.5f} "
              f"(+- {fast['risk']['stderr'][-1]:.5f})")


# ------------------------------------------------------------------------------------------- 3
class Recording:
    """A numeric model that remembers the labels it drew and the coefficients it fitted, per replicate."""

    def __init__(self, model, keep):
        self.model, self.keep, self.labels, self.fits = model, keep, [], []

    def __getattr__(self, name):
        return getattr(self.model, name)

    def draw_summary(self, ctx, state, m, rand):
        s = self.model.draw_summary(ctx, state, m, rand)
        self.labels.append(s["b"][:self.keep].copy())      # m = rows: per-row sums are the labels
        return s

    def fit(self, ctx, parts):
        state, failed = self.model.fit(ctx, parts)
        self.fits.append(state["coef"][:self.keep].copy())
        return state, failed


def bench_logistic(R, n, d, G, subset):
    import statsmodels.api as sm

    print(f"\n3. batched logistic regression, n = {n}, d = {d}, G = {G}, R = {R}, augment, fixed design")
    cfg = SimulationConfig("logistic", {"d": d}, "augment", n, G, R).validated()
    model, plan = prepare(cfg)
    sizes = [min(BLOCK, R - b * BLOCK) for b in blocks_of(R)]

    def engine(record=None):
        rand = BlockRandom([np.random.default_rng(block_seed(1, b)) for b in blocks_of(R)], sizes)
        return run_replicates(record or model, plan, rand)

    t_engine, (_, failed) = timed(engine)
    rec = Recording(model, subset)
    rand = BlockRandom([np.random.default_rng(block_seed(1, b)) for b in blocks_of(R)], sizes)
    ctx_holder = {}
    original_context = model.context

    def context(rand_, real_size):
        ctx_holder["ctx"] = original_context(rand_, real_size)
        return ctx_holder["ctx"]

    rec.context = context
    run_replicates(rec, plan, rand)
    X = ctx_holder["ctx"].X[:subset]
    start = time.perf_counter()
    worst = 0.0
    for i in range(subset):
        for k in range(G):
            y = np.concatenate([rec.labels[j][i] for j in range(k + 1)])     # R0, S1, ..., S_k
            design = np.concatenate([X[i]] * (k + 1))
            glm = sm.GLM(y, design, family=sm.families.Binomial()).fit(tol=1e-12)
            worst = max(worst, float(np.abs(glm.params - rec.fits[k][i]).max()))
    t_subset = time.perf_counter() - start
    # a smarter loop: statsmodels on the grouped binomial form (one row per design row, k + 1 trials)
    start = time.perf_counter()
    worst_grouped = 0.0
    for i in range(subset):
        for k in range(G):
            successes = sum(rec.labels[j][i] for j in range(k + 1))
            endog = np.column_stack([successes, k + 1 - successes])
            glm = sm.GLM(endog, X[i], family=sm.families.Binomial()).fit(tol=1e-12)
            worst_grouped = max(worst_grouped, float(np.abs(glm.params - rec.fits[k][i]).max()))
    t_grouped = time.perf_counter() - start
    scale = R / subset
    print(f"   engine {t_engine:7.3f} s for {R} x {G} fits ({failed[:, -1].sum()} failed)")
    print(f"   statsmodels GLM on the pooled points: {t_subset:6.2f} s on {subset} replicates -> "
          f"{t_subset * scale:7.1f} s scaled to {R}: speed-up {t_subset * scale / t_engine:5.1f}x "
          "(target >= 10)")
    print(f"   statsmodels GLM, grouped binomial rows: {t_grouped:6.2f} s on {subset} replicates -> "
          f"{t_grouped * scale:7.1f} s scaled to {R}: speed-up {t_grouped * scale / t_engine:5.1f}x")
    print(f"   largest |beta_engine - beta_statsmodels| over {subset} x {G} fits: {worst:.2e} (pooled), "
          f"{worst_grouped:.2e} (grouped); target < 1e-6")


# ------------------------------------------------------------------------------------------- 5
def bench_shared_design(C, subset):
    import statsmodels.api as sm

    from numerics.models.regression import FitStatus, logistic_mle
    from numerics.real_data import split_dataset

    X = split_dataset("diabetes").X_train
    print(f"\n5. logistic kernel on one shared design: diabetes split, m = {X.shape[0]}, p = {X.shape[1]}, C = {C}")
    rng = np.random.default_rng(np.random.SeedSequence(5))
    truth = logistic_mle(X, 1.0, split_dataset("diabetes").y_train[None], separation="certificate").coef[0]
    labels = (rng.random((C, X.shape[0])) < 1 / (1 + np.exp(-X @ truth))).astype(float)
    t_shared, shared = timed(lambda: logistic_mle(X, 1.0, labels, separation="certificate"), repeat=3)
    stack = np.ascontiguousarray(np.broadcast_to(X, (C, *X.shape)))
    t_stacked, stacked = timed(lambda: logistic_mle(stack, 1.0, labels, separation="certificate"), repeat=3)
    converged = shared.status == FitStatus.CONVERGED
    same = np.array_equal(shared.status, stacked.status) and bool(np.allclose(shared.coef, stacked.coef, atol=1e-12))
    start = time.perf_counter()
    worst = 0.0
    for c in np.flatnonzero(converged)[:subset]:
        glm = sm.GLM(labels[c], X, family=sm.families.Binomial()).fit(tol=1e-12)
        worst = max(worst, float(np.abs(glm.params - shared.coef[c]).max()))
    t_subset = time.perf_counter() - start
    scale = C / subset
    print(f"   shared design {t_shared:7.3f} s ({int(converged.sum())} converged, "
          f"{int((shared.status == FitStatus.SEPARATED).sum())} separated); stacked {t_stacked:7.3f} s: "
          f"ratio {t_stacked / t_shared:4.1f}x (target >= 1), saving {stack.nbytes / 2**20:.0f} MiB; same fits: {same}")
    print(f"   statsmodels GLM: {t_subset:6.2f} s on {subset} label sets -> {t_subset * scale:7.1f} s scaled to {C}: "
          f"speed-up {t_subset * scale / t_shared:5.1f}x (target >= 10); largest |beta - beta_statsmodels| "
          f"{worst:.2e} (target < 1e-6)")


# ------------------------------------------------------------------------------------------- 4
def max_rss():
    """Peak resident memory of this process in bytes (Linux VmHWM: reset by exec, unlike ru_maxrss)."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024   # kilobytes on Linux


def bench_memory(R, n, G):
    print(f"\n4. gaussian-mean under augment, n = {n}, G = {G}, R = {R} (fast path, default chunk)")
    cfg = SimulationConfig("gaussian-mean", {}, "augment", n, G, R)
    cfg.validated()
    before = max_rss()
    t, result = timed(lambda: aggregate(simulate_blocks(cfg, 1, blocks_of(R))))
    ratio = result["risk"]["mean"][-1] / result["risk"]["mean"][0]
    print(f"   {t:7.2f} s   process max RSS {max_rss() / 2**20:7.1f} MiB (target < 1024; "
          f"{before / 2**20:.1f} MiB after imports and validation)   R_G = {ratio:.4f}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes (a smoke run)")
    parser.add_argument("--memory-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    scale = 10 if args.quick else 1
    if args.memory_only:
        bench_memory(1_000_000 // scale, 100, 100)
        return
    print(f"numpy {np.__version__}; {'quick run' if args.quick else 'full sizes'}")
    bench_sample_level(10_000 // scale, 100, 100)
    bench_python_loop(1000 // scale, 100, 100)
    bench_logistic(400 // scale, 2000, 5, 20, subset=max(2, 10 // scale))
    bench_shared_design(400 // scale, subset=max(4, 40 // scale))
    sys.stdout.flush()
    flags = ["--memory-only"] + (["--quick"] if args.quick else [])
    subprocess.run([sys.executable, __file__, *flags], check=True)


if __name__ == "__main__":
    main()
