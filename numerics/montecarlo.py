"""Monte Carlo of real model fits under any workflow: data drawn and fitted, generation after generation.

For every replicate the engine does what an experimenter would: it draws the real
batches from the truth, fits the model's real estimator on the entries each
generation's fit lists (whole batches, or subsamples drawn without replacement
afresh in every generation, pooled or weighted by their shares), computes the
per-replicate metrics of DESIGN.md, and samples the next synthetic batch from the
fitted model. Everything is vectorised over a chunk of replicates.

Fast paths (``method="auto"``, the default) are exact in distribution: a batch that
no fit subsamples and whose estimator has a sufficient statistic is drawn as that
statistic alone (the mean of m Gaussian points as N(mu, sigma^2/m), a Poisson total
as Poisson(m lambda), ...), and whole batches enter a pooled fit through their
statistics only. ``method="sample"`` draws every point.

A generation that curates its emission (:mod:`theory.curation`) emits, in the fast
path, a batch drawn from the exact one-step map of its fit; ``method="sample"`` draws
the candidates and the reward-weighted choice point by point. Curated workflows
report two more metrics: ``reward`` (the expected reward of each fit under the first
curation's reward) and ``entropy`` (of each fit, in nats: its diversity). Curation
needs a model with categories (``categorical``).

Reproducibility
---------------
Replicates come in blocks of :data:`BLOCK`; block ``b`` draws its random numbers only
from ``numpy.random.default_rng(block_seed(seed, b, stream))``, in an order fixed by
the workflow, and every per-replicate computation is row-wise, so a block's results
and its :class:`BlockSums` do not depend on the other blocks computed with it:
results are identical (``==``) whatever the chunk size or the grouping of blocks
into cells, and :func:`aggregate` combines blocks with exactly rounded sums.

Failures
--------
A replicate whose fit fails (see :mod:`numerics.models`), or whose metrics are not
finite, is *failed* from that generation on: its later fits would be built on a fit
that does not exist. The ``failed`` metric is the fraction of replicates failed by
generation k; every other metric averages over the replicates not failed at k (their
number is kept in :attr:`BlockSums.counts`). A model's *partial* metrics (the
categorical KL, infinite once a category is lost) may be infinite in a valid fit: they
average over the replicates where they are finite and never fail a replicate. A failed replicate keeps drawing its
random numbers (from the truth) so that the others' streams do not move.
"""

from __future__ import annotations

import functools
import json
import math
import os
import reprlib
import sys
from dataclasses import dataclass, field, replace
from fractions import Fraction
from pathlib import Path

import numpy as np

from theory.display import elide, html_table, number, text_table
from theory.input_limits import (
    MAX_GENERATIONS,
    MAX_REPLICATES,
    MAX_SAMPLE_SIZE,
    MAX_SEED,
    LimitError,
    check_count,
    check_memory,
)
from theory.presets import WorkflowLike
from theory.rationals import rational_to_data
from theory.workflow import Workflow

from .block_sums import BlockSums, aggregate, block_sums
from .models import numeric_model
from .models.random import BlockRandom
from .replicates import RunPlan, run_replicates

__all__ = ["BLOCK", "block_seed", "SimulationConfig", "SimulationResult", "simulate_blocks", "simulate", "prepare",
           "run_replicates", "METHODS"]

BLOCK = 250
"""Replicates per random-number block (part of the reproducibility contract)."""

METHODS = ("auto", "sample")
# bytes a chunk may use, roughly: small enough to stay near the caches (at 256 MiB the logistic fits ran
# 15-30% slower than at 16 MiB, from page faults and cache misses; never slower for the other models)
_MEMORY_BUDGET = 16 * 2**20
_MAX_CHUNK = 100 * BLOCK


def block_seed(seed: int, block: int, stream: tuple[int, ...] = ()) -> np.random.SeedSequence:
    """The seed of block ``block``: ``SeedSequence(seed, spawn_key=(*stream, block))``.

    Examples
    --------
    >>> block_seed(7, 3, (1,)).spawn_key
    (1, 3)
    """
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise ValueError(f"the seed must be a non-negative integer, got {seed!r}")
    if seed > MAX_SEED:
        raise LimitError(f"the seed {seed} is more than the limit of 2**128 - 1")
    if isinstance(block, bool) or not isinstance(block, int | np.integer) or block < 0:
        raise ValueError(f"the block index must be a non-negative integer, got {block!r}")
    stream = tuple(stream)
    if any(isinstance(s, bool) or not isinstance(s, int | np.integer) or s < 0 for s in stream):
        raise ValueError(f"a stream is a tuple of non-negative integers, got {stream!r}")
    return np.random.SeedSequence(int(seed), spawn_key=(*map(int, stream), int(block)))


# ----------------------------------------------------------------------------------- configuration
def _positive_int(value, what, limit):
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
        raise ValueError(f"{what} must be a positive integer, got {value!r}")
    return check_count(int(value), limit, what)


@dataclass(frozen=True, init=False)
class SimulationConfig:
    """What to simulate: model and parameters, the workflow, base size n, G generations, replicates.

    Parameters
    ----------
    model : str
        A model name (:data:`theory.models.MODEL_NAMES`).
    params : dict
        Model parameters (strings are parsed; :meth:`validated` fills in defaults).
    workflow : Workflow, preset spelling or path
        The workflow (:data:`theory.presets.WorkflowLike`), in units of n; the run
        simulates ``load_workflow(workflow, G).at_sample_size(n)``.
    n : int
        The base sample size.
    G : int, optional
        The number of generations; by default the workflow's own (10 for a preset).
    replicates : int
        The Monte Carlo replicates.
    generations : int, optional
        Another spelling of ``G`` (the CLI's and the JSON's).

    Examples
    --------
    >>> cfg = SimulationConfig("gaussian-mean", {"sigma": "2"}, "augment", 10, 3, 500).validated()
    >>> cfg.params
    {'mu': 0.0, 'sigma': 2.0, 'estimator': 'mean'}
    >>> cfg.to_json()
    '{"generations":3,"model":"gaussian-mean","n":10,"params":{"estimator":"mean","mu":0.0,"sigma":2.0},\
"replicates":500,"workflow":"augment"}'
    >>> from theory import preset
    >>> SimulationConfig("poisson", {}, preset("augment", 3), n=10, replicates=500).validated().G
    3
    >>> SimulationConfig("gaussian-mean", {}, "augment", 0, 3, 500).validated()
    Traceback (most recent call last):
    ...
    ValueError: n (the base sample size) must be a positive integer, got 0
    """

    model: str
    params: dict
    workflow: WorkflowLike
    n: int
    G: int | None
    replicates: int

    def __init__(self, model, params, workflow, n, G=None, replicates=None, *, generations=None):
        if generations is not None:
            if G is not None and G != generations:
                raise TypeError(f"give the number of generations once (G, or generations), got G = {G!r} and "
                                f"generations = {generations!r}")
            G = generations
        for key, value in (("model", model), ("params", params), ("workflow", workflow), ("n", n), ("G", G),
                           ("replicates", replicates)):
            object.__setattr__(self, key, value)

    def validated(self) -> SimulationConfig:
        """This configuration with checked sizes and validated (typed, defaults filled) parameters.

        Raises
        ------
        ValueError
            Naming the bad value: sizes below 1, an unknown model or workflow, or a
            parameter outside the model's domain.
        """
        from theory.models import model_spec

        n = _positive_int(self.n, "n (the base sample size)", MAX_SAMPLE_SIZE)
        G = None if self.G is None else _positive_int(self.G, "generations", MAX_GENERATIONS)
        R = _positive_int(self.replicates, "replicates", MAX_REPLICATES)
        spec = self.workflow
        if isinstance(spec, Path):
            spec = str(spec)
        if not (isinstance(spec, Workflow) or (isinstance(spec, str) and spec)):
            raise ValueError(f"the workflow must be a Workflow, a preset name or a file path, got "
                             f"{type(spec).__name__} {reprlib.repr(spec)}")
        params = model_spec(self.model).validate(self.params)
        workflow = _workflow_at(spec, G, n)
        model = _model(self.model, params)   # the numeric side's own checks (e.g. an expfam sampler)
        _check_curation(model, workflow)
        points = workflow.in_points(n)
        model.check_sizes(points)
        model.check_budget(points, R)
        config = replace(self, params=params, workflow=spec, n=n, G=workflow.G, replicates=R)
        _check_memory(config, model)
        return config

    def chunk_bytes(self, replicates=None):
        """Estimated peak memory of simulating ``replicates`` of this validated configuration in one process.

        The engine vectorises as many replicates at once as its memory budget allows (at
        least one block of :data:`BLOCK`), so this is the memory a worker needs for a
        sweep cell of ``replicates``.

        Parameters
        ----------
        replicates : int, optional
            The replicates simulated (default: all of the configuration's).

        Returns
        -------
        int
            Bytes.

        Examples
        --------
        >>> config = SimulationConfig("gaussian-mean", {"estimator": "median"}, "discard", 10**6, 2, 500)
        >>> config.validated().chunk_bytes(250) > 250 * 10**6 * 8    # at least 250 x 10^6 float64 points
        True
        """
        model, plan = prepare(self)
        per = plan.bytes_per_replicate(model, model.metric_names)
        size = BLOCK * -(-(self.replicates if replicates is None else replicates) // BLOCK)
        return min(size, _default_chunk(plan, model)) * per + _sums_bytes(self.G, model.metric_names)

    def workflow_at_n(self):
        """The workflow actually simulated: ``load_workflow(workflow, G).at_sample_size(n)``."""
        return _workflow_at(self.workflow, self.G, self.n)

    def workflow_label(self):
        """The workflow as a short text: its spelling, or a Workflow's name."""
        if isinstance(self.workflow, Workflow):
            return self.workflow.name or "workflow"
        return str(self.workflow)

    def to_json(self) -> str:
        """Canonical JSON (sorted keys, no spaces): the configuration's identity.

        A workflow given as a spelling is identified by it; a Workflow by its data
        (:meth:`theory.workflow.Workflow.to_data`).
        """
        workflow = self.workflow.to_data() if isinstance(self.workflow, Workflow) else self.workflow
        return json.dumps({"model": self.model, "params": plain_data(self.params), "workflow": workflow,
                           "n": self.n, "generations": self.G, "replicates": self.replicates},
                          sort_keys=True, separators=(",", ":"), allow_nan=False)


def _stamp(spec):
    """What identifies a workflow spec's content: nothing for a preset, else the file's mtime and size."""
    from theory.presets import is_preset_spec

    if is_preset_spec(spec):
        return None
    try:
        st = os.stat(spec)
    except OSError:
        return ()      # let the loader report the missing file
    return (st.st_mtime_ns, st.st_size)


class _Same:
    """A cache key that matches only the very object it holds.

    A Workflow given as an object is cached by identity: hashing a long one costs more
    than building its plan again, and the key keeps the object (so its id) alive.
    """

    __slots__ = ("value",)

    def __init__(self, value):
        self.value = value

    def __hash__(self):
        return id(self.value)

    def __eq__(self, other):
        return isinstance(other, _Same) and other.value is self.value


def _key(spec):
    """(cache key, content stamp) of a workflow spec."""
    return (_Same(spec), None) if isinstance(spec, Workflow) else (spec, _stamp(spec))


@functools.lru_cache(maxsize=128)
def _workflow_cached(key, G, n, stamp):
    from theory.presets import load_workflow

    return load_workflow(key.value if isinstance(key, _Same) else key, G).at_sample_size(n)


def _workflow_at(spec, G, n):
    """``load_workflow(spec, G).at_sample_size(n)``, built once per content (workflows are immutable)."""
    key, stamp = _key(spec)
    return _workflow_cached(key, G, n, stamp)


@functools.lru_cache(maxsize=64)
def _model_cached(name, items):
    return numeric_model(name, dict(items))


def _model(name, params):
    """The numeric model for validated ``params``, built once (models are stateless between chunks)."""
    return _model_cached(name, tuple(sorted(params.items())))


@functools.lru_cache(maxsize=128)
def _plan_cached(key, G, n, stamp, needs_points, summary_draw, summary_subsample, method):
    return RunPlan(_workflow_cached(key, G, n, stamp), n, needs_points, summary_draw, summary_subsample, method)


def prepare(config, method="auto"):
    """The numeric model and the run plan of a validated configuration: what :func:`run_replicates` needs.

    Both are built once per configuration content and shared (they are not modified).
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}, got {method!r}")
    model = _model(config.model, config.params)
    key, stamp = _key(config.workflow)
    return model, _plan_cached(key, config.G, config.n, stamp, model.needs_points, model.summary_draw,
                               model.summary_subsample, method)


def plain_data(value):
    """Parameters as plain JSON data: exact rationals as "p/q" strings, numpy scalars as Python numbers.

    Examples
    --------
    >>> plain_data({"L": Fraction(1, 2), "d": np.int64(3), "name": "mix"})
    {'L': '1/2', 'd': 3, 'name': 'mix'}
    """
    if isinstance(value, dict):
        return {str(k): plain_data(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain_data(v) for v in value]
    if isinstance(value, Fraction):
        return rational_to_data(value)
    if isinstance(value, str | bool | int | float) or value is None:
        return value
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"parameter value {value!r} of type {type(value).__name__} is not plain data")


def _check_curation(model, workflow):
    """A curated workflow needs a model with categories, and reward vectors as long as its K."""
    for k, gen in enumerate(workflow.generations, start=1):
        if gen.curate is None:
            continue
        if not model.curation:
            raise ValueError(f"generation {k} curates its emission, but model {model.name} has no categories to "
                             "reward; curation needs the categorical model")
        try:
            gen.curate.rewards(model.K)
        except ValueError as err:
            raise ValueError(f"generation {k}: {err}") from None


def _sums_bytes(G, metrics):
    """Memory of one block's :class:`BlockSums`: five float64 arrays of G values per metric, and overheads."""
    return (len(metrics) + 1) * 5 * (8 * G + 112) + 1024


def _check_memory(config, model):
    """Refuse a configuration whose smallest unit of work does not fit in memory, before it starts.

    One block of :data:`BLOCK` replicates is the smallest chunk; a run also keeps every
    block's sums until it aggregates them.
    """
    plan = prepare(config)[1]
    per = plan.bytes_per_replicate(model, model.metric_names)
    blocks = -(-config.replicates // BLOCK)
    check_memory(BLOCK * per + blocks * _sums_bytes(config.G, model.metric_names),
                 f"{config.model} with n = {config.n}, {config.G} generations and {config.replicates} replicates "
                 f"(one block of {BLOCK} replicates at a time)")


def _default_chunk(plan, model):
    per = max(1, plan.bytes_per_replicate(model, model.metric_names))
    blocks = max(1, min(_MAX_CHUNK // BLOCK, _MEMORY_BUDGET // (per * BLOCK)))
    return blocks * BLOCK


# ----------------------------------------------------------------------------------- running
def _chunks(config, seed, blocks, stream, chunk, method):
    model, plan = prepare(config, method)
    total = -(-config.replicates // BLOCK)
    blocks = list(blocks)
    for b in blocks:
        if isinstance(b, bool) or not isinstance(b, int | np.integer) or not 0 <= b < total:
            raise ValueError(f"block {b!r} is outside 0..{total - 1} ({config.replicates} replicates "
                             f"in blocks of {BLOCK})")
    chunk = _default_chunk(plan, model) if chunk is None else _checked_chunk(chunk)
    per = int(chunk) // BLOCK
    for start in range(0, len(blocks), per):
        group = blocks[start:start + per]
        sizes = [min(BLOCK, config.replicates - b * BLOCK) for b in group]
        gens = [np.random.default_rng(block_seed(seed, b, stream)) for b in group]
        rand = BlockRandom(gens, sizes)
        values, failed_by = run_replicates(model, plan, rand)
        # blocks in a group need not be consecutive: each one's rows are its own
        yield [replace(s, block=b) for b, s in zip(group, block_sums(values, failed_by, 0, sizes), strict=True)]


def _checked_chunk(chunk):
    if isinstance(chunk, bool) or not isinstance(chunk, int | np.integer) or chunk < BLOCK or chunk % BLOCK:
        raise ValueError(f"chunk must be a positive multiple of {BLOCK} replicates, got {chunk!r}")
    return int(chunk)


def simulate_blocks(config: SimulationConfig, seed: int, blocks: range, stream: tuple = (), *, chunk=None,
                    method="auto") -> list[BlockSums]:
    """The :class:`BlockSums` of the given blocks of ``config``'s replicates.

    Block ``b`` covers replicates ``[b * BLOCK, min((b + 1) * BLOCK, replicates))`` and
    draws only from ``block_seed(seed, b, stream)``; up to ``chunk`` replicates are
    vectorised at once (default: as many as a memory budget allows).

    Examples
    --------
    >>> cfg = SimulationConfig("poisson", {}, "discard", 5, 3, 600)
    >>> [b.count for b in simulate_blocks(cfg, 1, range(3))]
    [250, 250, 100]
    """
    config = config.validated()
    return [b for group in _chunks(config, seed, blocks, tuple(stream), chunk, method) for b in group]


@dataclass(frozen=True)
class SimulationResult:
    """The outcome of :func:`simulate`: configuration, seed, Monte Carlo metrics and the theory's prediction.

    Attributes
    ----------
    config : SimulationConfig
    seed : int
    metrics : dict
        As :func:`aggregate`: ``{name: {"mean": [G], "stderr": [G], "covariance": [G]}}``.
    theory : dict
        ``{name: [G floats] or None}``, the prediction of :func:`theory.predictions.predict`
        for the simulated workflow (``workflow.at_sample_size(n)``).
    exact : bool
        Whether that prediction is exact at this n (otherwise asymptotic).
    notes : dict
        The prediction's notes.
    """

    config: SimulationConfig
    seed: int
    metrics: dict
    theory: dict
    exact: bool
    notes: dict = field(default_factory=dict)

    def _table(self):
        c = self.config
        params = ", ".join(f"{k}={v}" for k, v in sorted(c.params.items()))
        title = (f"SimulationResult: {c.model} ({params}) under {c.workflow_label()}, n = {c.n}, {c.G} generations, "
                 f"{c.replicates} replicates, seed {self.seed} (the theory's sources in .notes)")
        header, kinds = ["generation"], [""]
        for name in self.metrics:
            note = self.notes.get(name) or "none"
            header += [name, "stderr", "theory"]
            kinds += ["mean", "", note.split(":")[0] if self.theory.get(name) is not None else "none"]
        rows = []
        for g in range(c.G):
            row = [g + 1]
            for name, stats in self.metrics.items():
                theory = self.theory.get(name)
                row += [number(stats["mean"][g]), number(stats["stderr"][g], 2),
                        number(None if theory is None else theory[g])]
            rows.append(row)
        return header, [kinds, *elide(rows)], title

    def __repr__(self):
        return text_table(*self._table())

    def _repr_html_(self):
        return html_table(*self._table())

    @classmethod
    def from_blocks(cls, config, seed, sums, prediction=None):
        """The result of ``config`` from the :class:`BlockSums` of all its blocks (in any order or grouping).

        ``prediction`` is the theory's (:func:`theory.predictions.predict`), computed here when not given.
        """
        config = config.validated()
        prediction = _prediction(config) if prediction is None else prediction
        metrics = aggregate(sums)
        theory = {name: (None if prediction.metrics.get(name) is None
                         else [None if v is None else float(v) for v in prediction.metrics[name]])
                  for name in metrics}
        return cls(config, int(seed), metrics, theory, bool(prediction.exact), dict(prediction.notes))

    def to_json_dict(self):
        """The ``simulate --json`` object of DESIGN.md (non-finite numbers as ``null``)."""
        c = self.config
        workflow = c.workflow.to_data() if isinstance(c.workflow, Workflow) else c.workflow
        return {"model": c.model, "workflow": workflow, "n": c.n, "generations": c.G,
                "replicates": c.replicates, "seed": self.seed, "params": plain_data(c.params),
                "metrics": {k: {"mean": _finite(v["mean"]), "stderr": _finite(v["stderr"])}
                            for k, v in self.metrics.items()},
                "theory": {k: None if v is None else _finite(v) for k, v in self.theory.items()},
                "exact": bool(self.exact)}


def _prediction(config):
    from theory.predictions import predict

    return predict(config.model, config.params, config.workflow_at_n(), config.n)


def _finite(values):
    return [None if v is None or not math.isfinite(float(v)) else float(v) for v in values]


def simulate(config, seed, chunk=None, progress=None, stream=(), *, method="auto") -> SimulationResult:
    """Simulate ``config`` with ``seed``: Monte Carlo of real fits, with the theory's prediction beside it.

    Parameters
    ----------
    config : SimulationConfig
    seed : int
    chunk : int, optional
        Replicates vectorised at once, a multiple of :data:`BLOCK` (default: bounded
        memory). Results do not depend on it.
    progress : bool, optional
        Show a progress bar on stderr; ``None`` shows one when stderr is a terminal.
    stream : tuple of int
        Extra spawn-key prefix, for independent runs with one seed.
    method : {"auto", "sample"}
        ``"auto"`` uses the exact-in-distribution fast paths; ``"sample"`` draws every point.

    Returns
    -------
    SimulationResult
        Per metric the Monte Carlo mean and standard error by generation, with the
        theory's prediction (:func:`theory.predict`) beside it.

    Examples
    --------
    >>> cfg = SimulationConfig("gaussian-mean", {}, "discard", 20, 3, 2000)
    >>> result = simulate(cfg, seed=1, progress=False)
    >>> result.exact, [round(t * 20, 6) for t in result.theory["risk"]]
    (True, [1.0, 2.0, 3.0])
    >>> [abs(m - t) < 4 * s for m, s, t in zip(result.metrics["risk"]["mean"],
    ...     result.metrics["risk"]["stderr"], result.theory["risk"])]
    [True, True, True]
    """
    config = config.validated()
    block_seed(seed, 0, stream)
    if chunk is not None:
        _checked_chunk(chunk)
    prediction = _prediction(config)   # a setting the theory refuses is refused before any work
    show = sys.stderr.isatty() if progress is None else bool(progress)
    total = -(-config.replicates // BLOCK)
    sums = []
    bar = None
    if show:
        from tqdm import tqdm

        bar = tqdm(total=config.replicates, unit="rep", desc=f"{config.model} {config.workflow_label()}",
                   file=sys.stderr, leave=False)
    try:
        for group in _chunks(config, seed, range(total), tuple(stream), chunk, method):
            sums.extend(group)
            if bar is not None:
                bar.update(sum(b.count for b in group))
    finally:
        if bar is not None:
            bar.close()
    return SimulationResult.from_blocks(config, seed, sums, prediction)
