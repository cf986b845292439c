"""Speed of the categorical model: counts vectorised over replicates against drawing tokens, and the exact theory.

Run:  python benchmarks/bench_categorical.py [--quick]

1. Monte Carlo of a Zipf(1.5) vocabulary with K = 10^5 categories, n = 10^6 draws per
   generation, 50 generations, 200 replicates under discard (target: under a minute), against
   a loop that draws the tokens with ``numpy.random.Generator.choice`` replicate by replicate and
   refits by counting them (target: >= 50x). The loop is timed on a few replicates, all 50
   generations, in the same run and scaled to 200 replicates (printed).
2. The exact expected lost mass and support (the ancestral chain and the sums over the
   categories) for K = 10^5 and 100 generations, at n = 10^4 (target: seconds), and the
   whole prediction of ``simulate`` for the run of part 1 (mean-field genealogy at n = 10^6).

``--quick`` runs 20 replicates, 10 generations and one baseline replicate.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from numerics.montecarlo import BLOCK, SimulationConfig, simulate_blocks  # noqa: E402
from theory.ancestry import AncestorLaw, Categories, ancestor_laws  # noqa: E402
from theory.models import model_spec  # noqa: E402
from theory.models.categorical import categorical_truth  # noqa: E402
from theory.predictions import predict  # noqa: E402
from theory.presets import preset  # noqa: E402

PARAMS = {"truth": "zipf", "beta": "1.5", "K": 100000}


def timed(fn):
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


def token_loop(p, n, G, replicates, seed=0):
    """Draw n tokens per generation with Generator.choice, count them, refit: the straightforward way."""
    rng = np.random.default_rng(seed)
    K = len(p)
    lost = np.empty((replicates, G))
    for r in range(replicates):
        q = p
        for k in range(G):
            tokens = rng.choice(K, size=n, p=q)
            q = np.bincount(tokens, minlength=K) / n
            lost[r, k] = p[q == 0].sum()
    return lost


def bench_monte_carlo(R, G, baseline_reps):
    n = 10**6
    print(f"\n1. categorical Zipf(1.5), K = 10^5, n = 10^6, G = {G}, R = {R}, discard")
    cfg = SimulationConfig("categorical", PARAMS, "discard", n, G, R)
    t_engine, blocks = timed(lambda: simulate_blocks(cfg, 1, range(-(-R // BLOCK))))
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    lost = sum(b.sums["lost_mass"] for b in blocks) / R
    print(f"   engine (counts, row-compressed)   {t_engine:8.2f} s   target < 60 s   "
          f"[lost mass {lost[0]:.5f} -> {lost[-1]:.5f}; peak RSS {rss:.0f} MB]")
    p = categorical_truth(cfg.validated().params).p
    t_loop, _ = timed(lambda: token_loop(p, n, G, baseline_reps))
    scaled = t_loop * R / baseline_reps
    print(f"   Generator.choice token loop       {scaled:8.1f} s   (timed on {baseline_reps} replicate(s) x {G} "
          f"generations: {t_loop:.2f} s, scaled to {R})")
    print(f"   speed-up                          {scaled / t_engine:8.1f}x  target >= 50x")
    t_theory, pred = timed(lambda: predict("categorical", PARAMS, preset("discard", G).at_sample_size(n), n))
    print(f"   the theory beside it (predict)    {t_theory:8.2f} s   [{pred.notes['lost_mass'].split(':')[0]}; "
          f"lost mass {pred.metrics['lost_mass'][0]:.5f} -> {pred.metrics['lost_mass'][-1]:.5f}]")


def bench_exact(G=100, n=10**4):
    print(f"\n2. exact expected lost mass and support, K = 10^5, n = {n}, G = {G} (discard)")
    p = categorical_truth(model_spec("categorical").validate(PARAMS)).p
    t_chain, laws = timed(lambda: [AncestorLaw.point(n)] + ancestor_laws(n, [n] * (G - 1)))
    cats = Categories(p)
    weights = np.vstack([p, np.ones_like(p)])
    t_sums, sums = timed(lambda: [cats.expected_powers(law, weights) for law in laws])
    print(f"   ancestral chain (law of A_k, k <= {G})     {t_chain:6.2f} s")
    print(f"   sums over 10^5 categories, {G} laws         {t_sums:6.2f} s   total {t_chain + t_sums:.2f} s "
          f"(target: seconds)")
    print(f"   lost mass {sums[0][0]:.6f} -> {sums[-1][0]:.6f}; support {len(p) - sums[0][1]:.1f} -> "
          f"{len(p) - sums[-1][1]:.1f}")
    t_all, pred = timed(lambda: predict("categorical", PARAMS, preset("discard", G).at_sample_size(n), n))
    print(f"   every metric of simulate (predict)         {t_all:6.2f} s   [{pred.notes['lost_mass'].split(':')[0]}]")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer replicates and generations")
    args = parser.parse_args(argv)
    if args.quick:
        bench_monte_carlo(20, 10, 1)
        bench_exact(G=20)
    else:
        bench_monte_carlo(200, 50, 2)
        bench_exact()


if __name__ == "__main__":
    main()
