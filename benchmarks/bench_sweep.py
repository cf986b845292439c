"""Speed of sweeps: parallel speed-up and the cost of the store and the scheduling.

Run:  python benchmarks/bench_sweep.py [--quick]

A CPU-bound sweep (gaussian-mean with the sample median, which reads every point) is cut into
cells of about ``--cell-seconds`` seconds each (calibrated on this machine). It runs

0. as a plain in-process loop over the same cells calling the engine directly (the baseline: no
   store, no scheduling);
1. with ``run_sweep(workers=1)`` (in process, every cell committed to SQLite);
2. with ``run_sweep(workers=2)`` (two local worker processes);
3. on a Dask LocalCluster of two single-threaded worker processes (cluster start-up timed apart).

Each kind runs ``--repeat`` times, interleaved, and the fastest run counts. Printed: wall times,
the sum of in-worker compute times, and the ratios
- speed-up = wall(1 worker) / wall(2 workers)                          (target >= 1.6 on 2 cores)
- overhead = wall / (baseline / workers) - 1: time not spent computing      (target < 5%)
- idle = 1 - in-cell time / (workers x wall): the workers' time lost to the store and scheduling,
  which unlike the two ratios above does not suffer when other processes share the machine;
- others: cores that other processes kept busy during the run (from /proc/stat).
It also times one committed cell (SQLite WAL, synchronous=FULL) and checks that every run gives
bitwise identical results.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from numerics.montecarlo import BLOCK, simulate_blocks  # noqa: E402
from numerics.results import results_frame  # noqa: E402
from numerics.store import SweepStore  # noqa: E402
from numerics.sweep import Sweep, run_sweep  # noqa: E402


def make_sweep(cell_blocks, cells_per_config):
    return Sweep.from_data({
        "seed": 2024, "replicates": cell_blocks * cells_per_config * BLOCK, "chunk": cell_blocks * BLOCK,
        "generations": 8, "n": [300, 400], "workflows": ["augment"],
        "models": [{"name": "gaussian-mean", "params": {"estimator": "median"}}]})


def calibrate(target_seconds):
    """Blocks per cell so that a cell of the slower configuration takes about ``target_seconds``."""
    probe = make_sweep(1, 2).configurations[-1]
    simulate_blocks(probe.config, 1, range(1), probe.stream)  # warm caches
    start = time.perf_counter()
    simulate_blocks(probe.config, 1, range(2), probe.stream)
    per_block = (time.perf_counter() - start) / 2
    return max(1, math.ceil(target_seconds / per_block)), per_block


def plain_loop(sweep):
    start = time.perf_counter()
    for cell in sweep.cells():
        c = sweep.configurations[cell.config_id]
        simulate_blocks(c.config, sweep.seed, range(cell.first_block, cell.stop_block), c.stream)
    return time.perf_counter() - start


def commit_cost(folder, sweep, cells=200):
    """Seconds per committed cell, for cells holding one block's sums."""
    c = sweep.configurations[0]
    sums = [b.to_dict() for b in simulate_blocks(c.config, sweep.seed, range(1), c.stream)]
    description = {**sweep.description(), "configurations": [{**c.record(), "blocks": cells}]}
    with SweepStore.create_or_resume(folder / "commits.sqlite", description) as store:
        start = time.perf_counter()
        for b in range(cells):
            store.add_cell(0, b, b + 1, sums, 0.0, "bench")
        return (time.perf_counter() - start) / cells


def cpu_busy_seconds():
    """CPU seconds all processes of the machine have been busy (Linux /proc/stat), or None."""
    try:
        fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    except OSError:
        return None
    user, nice, system, idle, iowait, irq, softirq, steal = (int(x) for x in fields[:8])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def own_cpu_seconds():
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def measured(run):
    """``run()``'s result, its wall time, and how many cores other processes kept busy meanwhile."""
    busy, own, start = cpu_busy_seconds(), own_cpu_seconds(), time.perf_counter()
    result = run()
    wall = time.perf_counter() - start
    others = None if busy is None else max(0.0, (cpu_busy_seconds() - busy) - (own_cpu_seconds() - own)) / wall
    return result, wall, others


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer, shorter cells (numbers less stable)")
    parser.add_argument("--cell-seconds", type=float, default=None, help="target seconds per cell")
    parser.add_argument("--repeat", type=int, default=None, help="runs of each kind; the fastest counts")
    args = parser.parse_args()
    target = args.cell_seconds or (0.3 if args.quick else 1.2)
    cells_per_config = 4 if args.quick else 10
    repeat = args.repeat or (1 if args.quick else 2)
    cell_blocks, per_block = calibrate(target)
    sweep = make_sweep(cell_blocks, cells_per_config)
    print(f"sweep: {len(sweep.configurations)} configurations x {cells_per_config} cells of {cell_blocks} "
          f"blocks ({cell_blocks * BLOCK} replicates; a block of the slower one: {per_block:.3f} s); "
          f"{os.cpu_count()} cores; best of {repeat}")
    folder = Path(tempfile.mkdtemp(prefix="bench_sweep_"))

    def local(workers, i):
        return lambda: run_sweep(sweep, folder / f"{workers}-{i}.sqlite", workers=workers, progress=False)

    def dask(i):
        from distributed import LocalCluster

        with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
            started = time.perf_counter()
            summary = run_sweep(sweep, folder / f"dask-{i}.sqlite", scheduler=cluster.scheduler_address,
                                progress=False)
            return summary, time.perf_counter() - started

    kinds = {"plain in-process loop (baseline)": (lambda i: lambda: plain_loop(sweep), 1),
             "run_sweep, 1 worker (in process)": (lambda i: local(1, i), 1),
             "run_sweep, 2 local worker processes": (lambda i: local(2, i), 2),
             "run_sweep, Dask LocalCluster of 2 processes": (lambda i: lambda: dask(i), 2)}
    best = {}
    for i in range(repeat):  # interleaved, so that a change in the machine's load hits every kind alike
        for label, (make, workers) in kinds.items():
            result, wall, others = measured(make(i))
            if label.startswith("run_sweep, Dask"):
                result, wall = result  # the sweep's own time, without starting and stopping the cluster
            if label not in best or wall < best[label][1]:
                best[label] = (result, wall, others, workers)

    plain = best["plain in-process loop (baseline)"][1]
    one = best["run_sweep, 1 worker (in process)"][1]
    print(f"{'':46s} {'wall':>8s} {'in-cell':>8s} {'speed-up':>9s} {'overhead':>9s} {'idle':>6s} "
          f"{'others':>7s}")
    for label, (result, wall, others, workers) in best.items():
        compute = result.compute_seconds if hasattr(result, "compute_seconds") else plain
        overhead = wall / (plain / workers) - 1
        idle = 1 - compute / (workers * wall)
        print(f"{label:46s} {wall:7.2f}s {compute:7.2f}s {one / wall:8.2f}x {100 * overhead:+8.1f}% "
              f"{100 * idle:5.1f}% {'' if others is None else f'{others:6.2f}c'}")
    print("speed-up: against 1 worker; overhead: wall / (baseline / workers) - 1; idle: 1 - in-cell time / "
          "(workers x wall),\nthe share of the workers' time not spent simulating; others: cores kept busy "
          "by other processes meanwhile")
    print(f"committing one cell (WAL, synchronous=FULL): {1000 * commit_cost(folder, sweep):.2f} ms")

    frames = [results_frame(path) for path in sorted(folder.glob("[12d]*.sqlite"))]
    identical = all(f.equals(frames[0]) for f in frames[1:])
    print(f"results bitwise identical across all {len(frames)} sweeps: {identical}")
    two = best["run_sweep, 2 local worker processes"]
    speedup, overhead_two = one / two[1], two[1] / (plain / 2) - 1
    idle_two = 1 - two[0].compute_seconds / (2 * two[1])
    print(f"targets: speed-up {speedup:.2f}x >= 1.6: {speedup >= 1.6}; 2-worker overhead against the "
          f"baseline {100 * overhead_two:.1f}% < 5%: {overhead_two < 0.05}; 2-worker idle "
          f"{100 * idle_two:.1f}% < 5%: {idle_two < 0.05}")
    if max(b[2] or 0 for b in best.values()) > 0.2:
        print("note: other processes were using the machine; speed-ups and overheads against the baseline "
              "understate what an idle machine gives")
    return 0 if identical else 1


if __name__ == "__main__":
    sys.exit(main())
