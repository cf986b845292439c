"""Sweeps: a grid of Monte Carlo configurations, split into cells, run on local processes or Dask.

This module holds the grid (the sweep file's schema, configurations, stream ids, cells), the work
of one cell and the loop that commits finished cells to the store; how the cells are run (process
pool, lifeline pipe, signals, Dask) is :mod:`numerics.executor`.

A sweep file (TOML, DESIGN.md) names a seed, a number of replicates per configuration, a chunk
size, and the axes of a grid: models (with parameters) x workflows x n x generations. Every
configuration of the grid is validated before any work starts.

Randomness. The engine (:mod:`numerics.montecarlo`) draws replicates in blocks of ``BLOCK``;
block ``b`` of a configuration uses only ``block_seed(seed, b, stream)``. The **stream id** of a
configuration is derived from a SHA-256 hash of its canonical identity (model, validated
parameters, the workflow's full definition as data, n, generations), not from its position in
the grid. So a configuration draws the same random numbers in every sweep that contains it, with
the same seed: adding a model or a workflow to a sweep, or reordering its lists, changes no
existing result, and a configuration can be reproduced alone with ``simulate_blocks(config,
seed, blocks, configuration.stream)``. The number of replicates is not part of the identity, so
a larger sweep extends a smaller one block by block.

Cells. A configuration's blocks are cut into cells of ``ceil(chunk / BLOCK)`` consecutive blocks;
a cell is the unit of work and of storage. Workers return the blocks' exact sums, the
coordinating process commits each cell to the SQLite store (:mod:`numerics.store`), and results
are aggregated from the stored blocks with the engine's exactly rounded ``aggregate``. Hence the
results are bitwise identical for any number of workers, with or without Dask, and whether or not
the sweep was interrupted and resumed: re-running a sweep computes only the cells the store lacks.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import sys
import tempfile
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import NamedTuple

from theory.datafile import read_data_file
from theory.input_limits import MAX_REPLICATES, MAX_SEED, MAX_SWEEP_CONFIGURATIONS, MAX_WORKERS, available_memory
from theory.presets import is_preset_spec, load_workflow
from theory.workflow import WorkflowError

from .executor import ExecutorError, available_cores, completed, open_executor
from .montecarlo import BLOCK, SimulationConfig, plain_data, simulate_blocks
from .store import SweepStore, canonical_json

__all__ = ["Sweep", "SweepError", "Configuration", "Cell", "SweepSummary", "load_sweep", "run_sweep",
           "compute_cell", "configuration_stream", "DEFAULT_CHUNK"]

DEFAULT_CHUNK = 10 * BLOCK
"""Replicates per cell when a sweep file gives no ``chunk``."""

_REQUIRED = ("seed", "replicates", "generations", "n", "workflows", "models")
_KEYS = (*_REQUIRED, "chunk")
_MODEL_KEYS = ("name", "params")


class SweepError(ValueError):
    """A sweep that cannot be run; the message names the bad key and value."""


# --------------------------------------------------------------------- the grid
class Cell(NamedTuple):
    """A unit of work: blocks ``first_block <= b < stop_block`` of configuration ``config_id``."""

    config_id: int
    first_block: int
    stop_block: int


@dataclass(frozen=True)
class Configuration:
    """One point of a sweep's grid, validated.

    Attributes
    ----------
    config_id : int
        Its position in the grid's canonical order (models, then workflows, n, generations, each in
        the order the sweep file lists them); the key of its rows in the store.
    config : SimulationConfig
        The engine's validated configuration; a workflow file is named by its absolute path.
    workflow : str
        The workflow as results show it: a preset's canonical spelling, or the path as written.
    workflow_json : str or None
        A workflow file's definition (expanded to ``generations``), shipped to workers so that they
        need not share the file system; None for presets.
    stream : tuple of int
        The stream id: four 32-bit words of the SHA-256 of the configuration's identity.
    """

    config_id: int
    config: SimulationConfig
    workflow: str
    workflow_json: str | None
    stream: tuple[int, ...]

    @property
    def blocks(self):
        """The number of random-number blocks, ``ceil(replicates / BLOCK)``."""
        return -(-self.config.replicates // BLOCK)

    @property
    def params(self):
        """The validated model parameters as canonical JSON text."""
        return canonical_json(plain_data(self.config.params))

    def record(self):
        """The configuration as the store describes it."""
        c = self.config
        return {"model": c.model, "params": self.params, "workflow": self.workflow, "n": c.n,
                "generations": c.G, "replicates": c.replicates, "blocks": self.blocks,
                "stream": list(self.stream)}

    def label(self):
        """A short description for messages."""
        c = self.config
        return (f"model={c.model} params={self.params} workflow={self.workflow} n={c.n} "
                f"generations={c.G}")


def configuration_stream(model, params, workflow, n, generations):
    """The stream id of a configuration: four 32-bit words of a SHA-256 of its identity.

    ``workflow`` is the workflow's definition as data (:meth:`theory.workflow.Workflow.to_data`), so
    a preset and a file describing the same workflow, or one file reached by two paths, share a
    stream, and an edited workflow file gets a new one.

    Examples
    --------
    >>> from theory.presets import preset
    >>> s = configuration_stream("gaussian-mean", {"mu": 0}, preset("discard", 3).to_data(), 10, 3)
    >>> len(s), all(0 <= w < 2**32 for w in s)
    (4, True)
    >>> s == configuration_stream("gaussian-mean", {"mu": 0}, preset("discard", 3).to_data(), 20, 3)
    False
    """
    identity = {"model": model, "params": plain_data(params), "workflow": workflow, "n": n,
                "generations": generations}
    digest = hashlib.sha256(canonical_json(identity).encode()).digest()
    return tuple(int.from_bytes(digest[i:i + 4], "big") for i in range(0, 16, 4))


@dataclass(frozen=True)
class Sweep:
    """A validated sweep: its seed, sizes and the configurations of its grid.

    Build one with :func:`load_sweep` or :meth:`from_data`; both validate every configuration
    with the engine, so a ``Sweep`` can always run.

    Attributes
    ----------
    seed : int
        The master seed; every configuration and cell spawns its own stream from it.
    replicates : int
        Replicates per configuration.
    chunk : int
        Replicates per cell (a unit of work with its own seed).
    configurations : tuple of Configuration
        The grid: models x workflows x n x generations, each a validated configuration.
    source : str
        Where the sweep came from (the file), for messages.

    Examples
    --------
    >>> sweep = Sweep.from_data({"seed": 1, "replicates": 600, "chunk": 500, "generations": 3, "n": [5, 8],
    ...                          "workflows": ["discard", "mix:1/2"], "models": [{"name": "gaussian-mean"}]})
    >>> [(c.workflow, c.config.n) for c in sweep.configurations]
    [('discard', 5), ('discard', 8), ('mix:0.5', 5), ('mix:0.5', 8)]
    >>> sweep.cell_blocks, sweep.cells()[:2]
    (2, [Cell(config_id=0, first_block=0, stop_block=2), Cell(config_id=0, first_block=2, stop_block=3)])
    >>> Sweep.from_data({"seed": 1, "replicates": 0, "generations": 3, "n": 5, "workflows": ["discard"],
    ...                  "models": [{"name": "gaussian-mean"}]})
    Traceback (most recent call last):
    ...
    numerics.sweep.SweepError: sweep: 'replicates' must be a positive integer, got 0
    """

    seed: int
    replicates: int
    chunk: int
    configurations: tuple[Configuration, ...]
    source: str = "sweep"

    @classmethod
    def from_data(cls, data, base=".", source="sweep"):
        """Validate parsed sweep data; relative workflow paths resolve against ``base``."""
        return _parse(data, Path(base).absolute(), source)

    @property
    def cell_blocks(self):
        """Blocks per cell: ``chunk`` rounded up to whole blocks."""
        return -(-self.chunk // BLOCK)

    def cells(self):
        """Every cell of the sweep, in canonical order (configuration, then first block)."""
        step = self.cell_blocks
        return [Cell(c.config_id, first, min(first + step, c.blocks))
                for c in self.configurations for first in range(0, c.blocks, step)]

    def description(self):
        """The canonical description a store records; a store refuses any other sweep.

        It holds what determines the stored numbers (seed, block and cell sizes, every
        configuration with its stream id), not the file's spelling of them.
        """
        return {"seed": self.seed, "replicates": self.replicates, "block": BLOCK,
                "cell_blocks": self.cell_blocks, "configurations": [c.record() for c in self.configurations]}


def load_sweep(path):
    """Read and validate a sweep file (TOML).

    Parameters
    ----------
    path : str or Path
        The sweep file; relative workflow paths in it are resolved against its folder.

    Returns
    -------
    Sweep

    Raises
    ------
    SweepError
        If the file is missing or malformed, or any key, value or configuration is invalid; the
        one-line message names the key and the bad value.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "sweep.toml"
    >>> _ = path.write_text('seed = 1\\nreplicates = 500\\ngenerations = 2\\nn = 4\\n'
    ...                     'workflows = ["augment"]\\n'
    ...                     '[[models]]\\nname = "gaussian-mean"\\nparams = { sigma = 2 }\\n')
    >>> [c.label() for c in load_sweep(path).configurations]  # doctest: +ELLIPSIS
    ['model=gaussian-mean params={..."sigma":2...} workflow=augment n=4 generations=2']
    """
    path = Path(path)
    # a regular file of bounded size and nesting, as workflow files (theory.datafile); read as TOML whatever
    # its suffix, numbers as floats
    data = read_data_file(path, "sweep file", error=SweepError, exact=False, as_format=".toml")
    return Sweep.from_data(data, path.parent, f"sweep file {str(path)!r}")


def _parse(data, base, source):
    def fail(message):
        raise SweepError(f"{source}: {message}")

    if not isinstance(data, dict):
        fail(f"a sweep is a table of keys {', '.join(_KEYS)}, got {data!r}")
    unknown = [k for k in data if k not in _KEYS]
    if unknown:
        fail(f"unknown key {unknown[0]!r}; a sweep has keys {', '.join(_KEYS)}")
    missing = [k for k in _REQUIRED if k not in data]
    if missing:
        fail(f"missing key {missing[0]!r}; a sweep needs {', '.join(_REQUIRED)} (and optionally chunk)")
    seed = data["seed"]
    if not _is_int(seed) or seed < 0:
        fail(f"'seed' must be a non-negative integer, got {seed!r}")
    if seed > MAX_SEED:
        fail(f"'seed' = {seed} is more than the limit of 2**128 - 1")
    replicates = _positive_int(data["replicates"], "replicates", fail)
    if replicates > MAX_REPLICATES:
        fail(f"'replicates' = {replicates} is more than the limit of {MAX_REPLICATES}")
    chunk = _positive_int(data.get("chunk", DEFAULT_CHUNK), "chunk", fail)
    ns = _positive_ints(data["n"], "n", fail)
    gens = _positive_ints(data["generations"], "generations", fail)

    workflows = data["workflows"]
    if not isinstance(workflows, list) or not workflows:
        fail(f"'workflows' must be a non-empty list of presets or workflow files, got {workflows!r}")
    specs = []
    for i, spec in enumerate(workflows):
        if not isinstance(spec, str) or not spec.strip():
            fail(f"workflows[{i}] must be a preset name or a file path, got {spec!r}")
        is_file = not is_preset_spec(spec) and Path(spec).suffix.lower() in (".json", ".toml")
        engine_spec = str(base / spec) if is_file else spec
        specs.append((i, spec, engine_spec))

    models = data["models"]
    if not isinstance(models, list) or not models:
        fail(f"'models' must be a non-empty array of tables ([[models]] with a name), got {models!r}")
    entries = []
    for i, entry in enumerate(models):
        if not isinstance(entry, dict):
            fail(f"models[{i}] must be a table with a 'name', got {entry!r}")
        bad = [k for k in entry if k not in _MODEL_KEYS]
        if bad:
            fail(f"models[{i}]: unknown key {bad[0]!r}; a model has keys name, params")
        name = entry.get("name")
        if not isinstance(name, str) or not name:
            fail(f"models[{i}]: 'name' must be a model name, got {name!r}")
        params = entry.get("params", {})
        if not isinstance(params, dict):
            fail(f"models[{i}] ({name}): 'params' must be a table, got {params!r}")
        entries.append((name, params))

    size = len(entries) * len(specs) * len(ns) * len(gens)
    if size > MAX_SWEEP_CONFIGURATIONS:
        fail(f"the grid has {size} configurations ({len(entries)} models x {len(specs)} workflows x {len(ns)} n "
             f"x {len(gens)} generations); the limit is {MAX_SWEEP_CONFIGURATIONS}")
    # Workflows first, so that a bad workflow is named as such rather than by its first configuration.
    defined = {}
    for i, spec, engine_spec in specs:
        for G in gens:
            try:
                defined[i, G] = load_workflow(engine_spec, G)
            except (WorkflowError, ValueError, TypeError) as err:
                fail(f"workflows[{i}] = {spec!r} with generations = {G}: {err}")

    configurations, streams = [], {}
    for name, params in entries:
        for i, spec, engine_spec in specs:
            for n in ns:
                for G in gens:
                    wf = defined[i, G]
                    raw = SimulationConfig(model=name, params=dict(params), workflow=engine_spec, n=n,
                                           generations=G, replicates=replicates)
                    where = f"model {name!r} with workflow {spec!r}, n = {n}, generations = {G}"
                    try:
                        config = raw.validated()
                    except (ValueError, TypeError) as err:
                        fail(f"{where}: {err}")
                    preset_spec = is_preset_spec(spec)
                    stream = configuration_stream(config.model, config.params, wf.to_data(), n, G)
                    if stream in streams:
                        fail(f"{where} is the same configuration as {streams[stream]} (listed twice)")
                    streams[stream] = where
                    configurations.append(Configuration(
                        len(configurations), config, wf.name if preset_spec else spec,
                        None if preset_spec else wf.to_json(), stream))
    return Sweep(seed, replicates, chunk, tuple(configurations), source)


def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def _positive_int(value, key, fail):
    if not _is_int(value) or value < 1:
        fail(f"{key!r} must be a positive integer, got {value!r}")
    return value


def _positive_ints(value, key, fail):
    values = value if isinstance(value, list) else [value]
    if not values:
        fail(f"{key!r} must be a positive integer or a non-empty list of them, got {value!r}")
    for v in values:
        if not _is_int(v) or v < 1:
            fail(f"{key!r} must be a positive integer or a non-empty list of them, got {value!r}")
    if len(set(values)) != len(values):
        fail(f"{key!r} lists a value twice: {value!r}")
    return tuple(values)


# --------------------------------------------------------------------- one cell
def compute_cell(config, seed, first_block, stop_block, stream, workflow_json=None):
    """Simulate blocks ``first_block <= b < stop_block`` of one configuration (runs on a worker).

    Parameters
    ----------
    config : SimulationConfig
    seed : int
    first_block, stop_block : int
    stream : tuple of int
    workflow_json : str or None
        A workflow file's definition; used when the worker cannot read the same file.

    Returns
    -------
    sums : list of dict
        ``BlockSums.to_dict()`` of each block, in block order.
    seconds : float
        Time spent simulating.
    worker : str
        ``host:pid`` of the process that did the work.

    Examples
    --------
    >>> from numerics.montecarlo import SimulationConfig
    >>> config = SimulationConfig(model="gaussian-mean", params={}, workflow="discard", n=4, generations=2,
    ...                           replicates=300).validated()
    >>> sums, seconds, worker = compute_cell(config, 1, 0, 2, (7,))
    >>> len(sums)
    2
    """
    if workflow_json is not None:
        config = replace(config, workflow=_workflow_here(config.workflow, workflow_json, config.G))
    start = time.perf_counter()
    blocks = simulate_blocks(config, seed, range(first_block, stop_block), tuple(stream))
    seconds = time.perf_counter() - start
    return [b.to_dict() for b in blocks], seconds, f"{socket.gethostname()}:{os.getpid()}"


_workflow_paths = {}


def _workflow_here(path, text, generations):
    """A path on this machine holding the workflow ``text``: ``path`` itself if it still says that."""
    try:
        stat = os.stat(path)
        key = (path, text, stat.st_ino, stat.st_size, stat.st_mtime_ns)
    except OSError:
        key = (path, text, None)
    if key not in _workflow_paths:
        wanted = canonical_json(json.loads(text))
        try:
            same = canonical_json(load_workflow(path, generations).to_data()) == wanted
        except (OSError, ValueError):
            same = False
        if not same:
            folder = Path(tempfile.gettempdir()) / "pi2over6-workflows"
            folder.mkdir(exist_ok=True)
            target = folder / f"{hashlib.sha256(wanted.encode()).hexdigest()}.json"
            if not target.exists():
                scratch = folder / f"{target.stem}.{os.getpid()}.tmp"
                scratch.write_text(text, encoding="utf-8")
                os.replace(scratch, target)
            path = str(target)
        _workflow_paths[key] = path
    return _workflow_paths[key]


# --------------------------------------------------------------------- running
@dataclass(frozen=True)
class SweepSummary:
    """What a call of :func:`run_sweep` did.

    Attributes
    ----------
    configurations, cells : int
        The size of the grid and the number of cells in it.
    stored_before : int
        Cells already in the store when the run started (a resumed sweep skips them).
    computed : int
        Cells computed and committed by this run.
    wall_seconds, compute_seconds : float
        Elapsed time of the run, and the sum of the workers' time spent simulating.
    """

    configurations: int
    cells: int
    stored_before: int
    computed: int
    wall_seconds: float
    compute_seconds: float


def run_sweep(sweep, store, *, workers=None, scheduler=None, progress=None):
    """Run the cells of ``sweep`` that ``store`` lacks, committing each as it finishes.

    Parameters
    ----------
    sweep : Sweep
    store : str or Path
        The SQLite store; created if missing. A store holding a different sweep, or in use by
        another running sweep, is refused (:class:`~numerics.store.StoreError`).
    workers : int, optional
        Local worker processes (default: every core available). ``workers=1`` runs the cells in
        this process. No more start than there are cells, or than can each simulate the largest
        cell side by side in the memory available (the engine's estimate, before any starts).
    scheduler : str or distributed.Client, optional
        Run on a Dask cluster instead: a scheduler address such as ``"tcp://host:8786"`` or a
        connected client. Workers need pi2over6 installed; workflow files are shipped to them.
    progress : bool, optional
        Show a progress bar (default: when standard error is a terminal).

    Returns
    -------
    SweepSummary

    Examples
    --------
    >>> import tempfile, pathlib
    >>> sweep = Sweep.from_data({"seed": 3, "replicates": 500, "chunk": 250, "generations": 2, "n": 4,
    ...                          "workflows": ["discard"], "models": [{"name": "gaussian-mean"}]})
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "s.sqlite"
    >>> run_sweep(sweep, path, workers=1).computed
    2
    >>> run_sweep(sweep, path, workers=1).computed  # everything is stored: nothing to do
    0
    """
    if workers is not None and scheduler is not None:
        raise SweepError("give either workers or a scheduler, not both")
    if workers is not None and (not _is_int(workers) or workers < 1):
        raise SweepError(f"workers must be a positive integer, got {workers!r}")
    workers = workers or available_cores()
    if scheduler is None:
        workers = min(workers, max(1, len(sweep.cells())), _workers_that_fit(sweep))
    executor_name = f"dask {scheduler if isinstance(scheduler, str) else 'client'}" if scheduler is not None \
        else f"{workers} local process{'es' if workers > 1 else ''}"
    started = time.perf_counter()
    by_id = sweep.configurations
    cells = sweep.cells()
    show = sys.stderr.isatty() if progress is None else progress
    compute = 0.0
    SweepStore.preflight(store, sweep.description())  # refuse a busy or foreign store before starting workers
    # The executor first: local workers are forked before this process opens the store or takes its lock.
    try:
        with open_executor(workers, scheduler) as (executor, window), \
                SweepStore.create_or_resume(store, sweep.description(), executor=executor_name) as db:
            done = db.finished()
            todo = [c for c in cells if (c.config_id, c.first_block) not in done]
            with _progress_bar(len(cells), len(cells) - len(todo), show) as bar:
                for cell, (sums, seconds, worker) in _run_cells(executor, window, todo, by_id, sweep.seed):
                    db.add_cell(cell.config_id, cell.first_block, cell.stop_block, sums, seconds, worker)
                    compute += seconds
                    bar.update(1)
    except ExecutorError as err:
        raise SweepError(str(err)) from None
    return SweepSummary(len(by_id), len(cells), len(cells) - len(todo), len(todo),
                        time.perf_counter() - started, compute)


def _workers_that_fit(sweep, available=None):
    """How many local workers can each simulate the largest cell of ``sweep`` side by side in memory.

    Examples
    --------
    >>> sweep = Sweep.from_data({"seed": 1, "replicates": 500, "chunk": 250, "generations": 2, "n": 10**6,
    ...                          "workflows": ["discard"], "models": [{"name": "gaussian-mean",
    ...                                                                "params": {"estimator": "median"}}]})
    >>> _workers_that_fit(sweep, available=16 * 2**30)   # about 10 GB per cell: one at a time
    1
    """
    if available is None:
        total = available_memory()
        if total is None:
            return MAX_WORKERS
        available = int(0.8 * total)
    largest = max(c.config.chunk_bytes(min(sweep.cell_blocks * BLOCK, c.config.replicates))
                  for c in sweep.configurations)
    return max(1, available // max(1, largest))


def _progress_bar(total, initial, show):
    from tqdm import tqdm

    return tqdm(total=total, initial=initial, unit="cell", desc="sweep", disable=not show, file=sys.stderr,
                dynamic_ncols=True)


def _arguments(cell, configurations, seed):
    c = configurations[cell.config_id]
    return c.config, seed, cell.first_block, cell.stop_block, c.stream, c.workflow_json


def _run_cells(executor, window, cells, configurations, seed):
    """Yield ``(cell, compute_cell(...))`` as cells finish; a failing cell is a SweepError naming it."""
    return completed(executor, window, compute_cell, cells, lambda cell: _arguments(cell, configurations, seed),
                     lambda cell, err: SweepError(_failure(cell, configurations, err)))


def _failure(cell, configurations, err):
    what = str(err).splitlines()[0] if str(err) else type(err).__name__
    return (f"cell with blocks {cell.first_block}..{cell.stop_block - 1} of "
            f"{configurations[cell.config_id].label()} failed: {type(err).__name__}: {what} "
            "(finished cells are stored; re-run to resume)")
