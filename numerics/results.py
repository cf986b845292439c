"""A sweep's results as one tidy table, aggregated from the blocks in its store.

Every configuration's stored blocks are combined with the engine's exactly rounded
:func:`numerics.block_sums.aggregate`, so the table depends only on which blocks are stored, not on
how many workers computed them, in what order, or across how many interrupted runs. A sweep still
running (or stopped) gives the results of the blocks finished so far; the ``replicates`` column says
how many replicates each row rests on.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .block_sums import BlockSums, aggregate
from .store import StoreError, SweepStore

__all__ = ["COLUMNS", "RATIO_COLUMNS", "results_frame", "ratio_frame"]

COLUMNS = ["model", "params", "workflow", "n", "generations", "generation", "metric", "mean", "stderr",
           "replicates"]
"""The columns of the tidy table, in order (DESIGN.md)."""

RATIO_COLUMNS = ["model", "params", "workflow", "n", "generations", "generation", "metric", "ratio", "stderr",
                 "bounded", "replicates"]
"""The columns of :func:`ratio_frame`, in order."""

_DTYPES = {"model": object, "params": object, "workflow": object, "n": "int64", "generations": "int64",
           "generation": "int64", "metric": object, "mean": "float64", "stderr": "float64",
           "replicates": "int64"}


def results_frame(store):
    """The aggregated results of a sweep store as a tidy DataFrame.

    Parameters
    ----------
    store : str, Path or SweepStore
        The SQLite store a sweep wrote (opened read-only if a path).

    Returns
    -------
    pandas.DataFrame
        One row per configuration x generation x metric with columns :data:`COLUMNS`: ``params``
        is the model's validated parameters as canonical JSON, ``generation`` runs from 1 to
        ``generations``, ``mean`` and ``stderr`` are the Monte Carlo mean and its standard error
        (NaN where the engine has none), ``replicates`` is the number of replicates simulated so
        far. As in the engine, metric ``failed`` is the fraction of replicates whose fit failed by
        that generation, and every other metric averages over the replicates not failed. Rows are
        sorted by the columns in order; configurations without a finished cell have no rows.

    Raises
    ------
    StoreError
        If the store is missing, not a sweep store, or corrupt.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from numerics.sweep import Sweep, run_sweep
    >>> sweep = Sweep.from_data({"seed": 5, "replicates": 300, "chunk": 250, "generations": 2, "n": 6,
    ...                          "workflows": ["discard"], "models": [{"name": "gaussian-mean"}]})
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "s.sqlite"
    >>> _ = run_sweep(sweep, path, workers=1)
    >>> frame = results_frame(path)
    >>> list(frame.columns) == COLUMNS
    True
    >>> risk = frame[frame.metric == "risk"]
    >>> print(risk[["workflow", "n", "generation", "replicates"]].to_string(index=False))
    workflow  n  generation  replicates
     discard  6           1         300
     discard  6           2         300
    """
    return _opened(store, _frame)


def _aggregated(store):
    """Per configuration with a finished cell: its record, the replicates stored, and the aggregate."""
    block = store.description["block"]
    cells = {}
    for cell in store.cells():
        cells.setdefault(cell.config_id, []).append(cell)
    for config in store.configurations():
        stored = cells.get(config["config_id"], [])
        if not stored:
            continue
        blocks, replicates = [], 0
        for cell in stored:
            expected = cell.stop_block - cell.first_block
            if len(cell.sums) != expected:
                raise StoreError(f"sweep store {str(store.path)!r}: cell ({cell.config_id}, "
                                 f"{cell.first_block}) holds {len(cell.sums)} blocks, expected {expected}")
            blocks.extend(BlockSums.from_dict(d) for d in cell.sums)
            replicates += sum(min((b + 1) * block, config["replicates"]) - b * block
                              for b in range(cell.first_block, cell.stop_block))
        yield config, replicates, aggregate(blocks)


def _opened(store, build):
    if isinstance(store, SweepStore):
        return build(store)
    with SweepStore.open(Path(store)) as opened:
        return build(opened)


def _key(config):
    return (config["model"], config["params"], config["workflow"], config["n"], config["generations"])


def _frame(store):
    rows = []
    for config, replicates, metrics in _aggregated(store):
        for metric, stats in metrics.items():
            pairs = zip(stats["mean"], stats["stderr"], strict=True)
            for generation, (mean, stderr) in enumerate(pairs, start=1):
                rows.append((*_key(config), generation, metric, mean, stderr, replicates))
    return _tidy(rows, COLUMNS, _DTYPES)


def ratio_frame(store, metric="risk"):
    """Ratios ``metric_k / metric_1`` of every configuration of a sweep store, with their standard errors.

    The standard error is :func:`numerics.uncertainty.ratio_stderr`'s delta method with the
    covariance of the two means, from the cross moments the store keeps. A store written before
    they were kept has none: its rows hold the bound over every correlation instead (conservative),
    and say so in the column ``bounded``.

    Parameters
    ----------
    store : str, Path or SweepStore
    metric : str
        A metric every configuration reports (default the risk).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`RATIO_COLUMNS`, one row per configuration x generation, sorted as
        :func:`results_frame`.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from numerics.sweep import Sweep, run_sweep
    >>> sweep = Sweep.from_data({"seed": 5, "replicates": 300, "chunk": 250, "generations": 2, "n": 6,
    ...                          "workflows": ["augment"], "models": [{"name": "gaussian-mean"}]})
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "s.sqlite"
    >>> _ = run_sweep(sweep, path, workers=1)
    >>> frame = ratio_frame(path)
    >>> print(frame[["workflow", "generation", "ratio", "bounded"]].round(1).to_string(index=False))
    workflow  generation  ratio  bounded
     augment           1    1.0    False
     augment           2    1.2    False
    """
    from .uncertainty import ratio_stderr

    def build(opened):
        rows = []
        for config, replicates, metrics in _aggregated(opened):
            if metric not in metrics:
                raise ValueError(f"sweep store {str(opened.path)!r}: no metric {metric!r} for configuration "
                                 f"{config['config_id']} ({config['model']}); it reports {', '.join(metrics)}")
            stats = metrics[metric]
            ratio, stderr = ratio_stderr(**stats)
            bounded = [c is None for c in stats["covariance"]]
            for g in range(len(ratio)):
                rows.append((*_key(config), g + 1, metric, ratio[g], stderr[g], bounded[g] and g > 0, replicates))
        return _tidy(rows, RATIO_COLUMNS, {**_DTYPES, "ratio": "float64", "bounded": bool})

    return _opened(store, build)


def _tidy(rows, columns, dtypes):
    frame = pd.DataFrame(rows, columns=columns).astype({c: dtypes[c] for c in columns})
    return frame.sort_values(columns, kind="mergesort").reset_index(drop=True)
