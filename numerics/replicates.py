"""The run plan of a simulated workflow and the vectorised loop over its generations.

:class:`RunPlan` turns a workflow at sample size n into what the loop needs per
generation (the fit's entries in points, which batches to draw as statistics or as
points, when a batch is last used); :func:`run_replicates` draws, fits, measures and
emits generation after generation for a chunk of replicates at once. Configuration,
chunking and results are :mod:`numerics.montecarlo`'s.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from theory.workflow import Share

from .models import Part

__all__ = ["RunPlan", "run_replicates"]

# ----------------------------------------------------------------------------------- the plan
class _Generation(NamedTuple):
    new_real: int | None
    entries: tuple[Share, ...]     # the fit's entries with a share, sizes and counts in points
    emit: int | None
    curate: object = None


class RunPlan:
    """A workflow at sample size n as the engine runs it: sizes in points, what to keep, when to drop it."""

    def __init__(self, workflow, n, needs_points, summary_draw, summary_subsample, method):
        points = workflow.in_points(n)
        self.G = points.G
        self.real = points.real
        gens = [_Generation(g.new_real, tuple(s for s in g.fit if s.share), g.emit, g.curate)
                for g in points.generations]
        self.generations = tuple(gens)
        self.reward = next((g.curate for g in gens if g.curate is not None), None)
        self.last_use = {}
        subsampled = set()
        for k, g in enumerate(gens, start=1):
            for e in g.entries:
                self.last_use[e.batch] = k
                if e.count < e.size:
                    subsampled.add(e.batch)
        self.keep_points = {b: needs_points or (b in subsampled and not summary_subsample) for b in self.last_use}
        self.fast = {b: method == "auto" and summary_draw and not self.keep_points[b] for b in self.last_use}

    def bytes_per_replicate(self, model, metrics):
        """An upper bound of the memory one replicate needs while a chunk runs, phase by phase.

        It follows :func:`run_replicates`: the batches alive (points where they are kept,
        else their summaries), plus what the current step allocates for a moment:
        drawing a batch (its points, three times over: draw, scale, summarise; on the
        fast path, temporaries of 16 summaries, enough for a Wishart draw), subsampling
        (sort keys and indices over the batch, the gathered points) and a fit (16
        summaries, and four copies of the points for a fit that reads every point).
        Measured against tracemalloc in tests/numerics/test_montecarlo.py.
        """
        point, summary = model.point_bytes, model.summary_bytes(self.real)
        alive, peak = {}, 0

        def held():
            return sum(alive.values())

        def draw(name, m):
            nonlocal peak
            if name not in self.last_use:
                return
            peak = max(peak, held() + (16 * summary if self.fast[name] else 3 * m * point))
            alive[name] = m * point if self.keep_points[name] else summary

        draw("R0", self.real)
        for k, g in enumerate(self.generations, start=1):
            if g.new_real:
                draw(f"R{k}", g.new_real)
            temp = 16 * summary + sum(16 * e.size + e.count * (8 + point) + summary
                                      for e in g.entries if e.count < e.size)
            if model.needs_points:
                temp += 4 * sum(e.count for e in g.entries) * point
            peak = max(peak, held() + temp)
            if g.emit:
                draw(f"S{k}", g.emit)
            for name in [b for b in alive if self.last_use[b] <= k]:
                del alive[name]
        return peak + self.G * 8 * 3 * (len(metrics) + 1) + model.context_bytes(self.real)


# ----------------------------------------------------------------------------------- the engine
def run_replicates(model, plan, rand):
    """Run every generation of ``plan`` for the replicates of ``rand``.

    Returns
    -------
    values : dict of str -> ndarray, shape (R, G)
        Per-replicate metrics (meaningless where ``failed``).
    failed : ndarray of bool, shape (R, G)
        Whether the replicate has failed by generation k.
    """
    R, G = rand.size, plan.G
    ctx = model.context(rand, plan.real)
    truth = model.truth(ctx)
    store = {}

    def make(name, state, m, curate=None):
        if name not in plan.last_use:
            return
        if curate is not None and not (plan.fast[name] or plan.keep_points[name]):
            store[name] = {"whole": model.summarise(ctx, model.draw_curated(ctx, state, curate, m, rand), m)}
            return
        if curate is not None:
            state = model.curated(ctx, state, curate)
        if plan.keep_points[name]:
            store[name] = {"points": model.draw(ctx, state, m, rand), "whole": None}
        elif plan.fast[name]:
            store[name] = {"whole": model.draw_summary(ctx, state, m, rand)}
        else:
            store[name] = {"whole": model.summarise(ctx, model.draw(ctx, state, m, rand), m)}

    make("R0", truth, plan.real)
    names = model.metric_names + (("reward", "entropy") if plan.reward is not None else ())
    values = {name: np.empty((R, G)) for name in names}
    failed_by = np.empty((R, G), dtype=bool)
    failed = np.zeros(R, dtype=bool)
    partial = set(model.partial_metrics)
    for k, gen in enumerate(plan.generations, start=1):
        if gen.new_real:
            make(f"R{k}", truth, gen.new_real)
        parts = []
        for e in gen.entries:
            batch = store[e.batch]
            if e.count == e.size:
                if batch["whole"] is None:
                    batch["whole"] = model.summarise(ctx, batch["points"], e.size)
                summary = batch["whole"]
            elif "points" not in batch:
                summary = model.subsample_summary(ctx, batch["whole"], e.size, e.count, rand)
            else:
                keys = rand.uniform(e.size)
                idx = np.argpartition(keys, e.count - 1, axis=1)[:, :e.count]
                summary = model.summarise(ctx, batch["points"], e.size, idx)
            parts.append(Part(summary, e.share, e.count, e.size))
        with np.errstate(all="ignore"):     # a degenerate fit shows as non-finite values, flagged below
            state, fit_failed = model.fit(ctx, parts)
            metrics = model.metrics(ctx, state)
            if plan.reward is not None:
                metrics.update(model.curation_metrics(ctx, state, plan.reward))
        bad = fit_failed.copy()
        for name, v in metrics.items():
            if name not in partial:
                bad |= ~np.isfinite(v)
            values[name][:, k - 1] = v
        failed |= bad
        failed_by[:, k - 1] = failed
        if failed.any():
            state = model.where_state(~failed, state, truth)
        if gen.emit:
            make(f"S{k}", state, gen.emit, gen.curate)
        for name in [b for b in store if plan.last_use[b] <= k]:
            del store[name]
    return values, failed_by
