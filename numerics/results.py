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
    """Per configuration with a finished cell: its record, the replicates stored, and the aggregate.

    The store checks that cells fit their configurations (:meth:`SweepStore.checked_cells`);
    here every block's sums are checked against its place: its index, its number of
    replicates, one value per generation, counts between 0 and the block's replicates, and
    the same metrics in every block. A store that fails is refused with the bad cell named,
    never aggregated into a wrong table.
    """
    block = store.description["block"]
    for config, stored in store.checked_cells():
        if not stored:
            continue
        blocks, names = [], None
        for cell in stored:
            where = f"sweep store {str(store.path)!r}: cell ({cell.config_id}, {cell.first_block})"
            for b, data in zip(range(cell.first_block, cell.stop_block), cell.sums, strict=True):
                try:
                    sums = BlockSums.from_dict(data)
                except ValueError as err:
                    raise StoreError(f"{where}, block {b}: {str(err).splitlines()[0]}") from None
                size = min((b + 1) * block, config["replicates"]) - b * block
                names = names if names is not None else set(sums.sums)
                problem = _block_problem(sums, b, size, config["generations"], names)
                if problem:
                    raise StoreError(f"{where}, block {b}: {problem}")
                blocks.append(sums)
        replicates = sum(b.count for b in blocks)
        yield config, replicates, aggregate(blocks)


def _block_problem(sums, index, size, G, names):
    """What is wrong with one block's sums at its place in a configuration, or None."""
    if sums.block != index:
        return f"holds the sums of block {sums.block}"
    if sums.count != size:
        return f"counts {sums.count} replicates, expected {size}"
    if set(sums.sums) != names or set(sums.sumsq) != names:
        return f"has metrics {sorted(sums.sums)}, expected {sorted(names)}"
    for table in (sums.sums, sums.sumsq, sums.counts, sums.cross, sums.first):
        for name, values in table.items():
            if name not in names or len(values) != G:
                return f"has {len(values)} values of {name!r}, expected {G} (one per generation)"
    for name, counts in sums.counts.items():
        if counts.min(initial=0) < 0 or counts.max(initial=0) > size:
            return f"counts of {name!r} {counts.tolist()} are not between 0 and {size}"
    return None


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
