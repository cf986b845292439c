"""Figure data: what the figures draw, as plain arrays, from the exact theory, a fresh simulation or a store.

A figure of risk ratios shows, per workflow, the exact curve ``R_k`` (``theory.risk_ratios``,
the same for every model) and Monte Carlo points of real model fits with error bars of one
standard error (:class:`RatioSeries`). The points come from a fresh simulation
(:func:`simulated_series`) or from a sweep store (:func:`store_series`). A simulated ratio's
denominator is the toolkit's predicted generation-1 risk when that prediction is exact at the
simulated n (then the error bar is ``stderr_k / risk_1``); otherwise it is the Monte Carlo
``risk_1`` itself and the error bar is the delta method's with the covariance of the two risks,
which come from the same replicates (:func:`numerics.uncertainty.ratio_stderr`, the standard error
the claims ledger uses too). The real-data protocol's panels are :func:`real_data_panels`.

Every function that takes a workflow accepts a ``theory.WorkflowLike``: a
:class:`~theory.workflow.Workflow`, a preset spelling or the path of a workflow file. Drawing
(matplotlib) is :mod:`numerics.plots`.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from theory import load_workflow, risk_ratios
from theory.input_limits import LimitError
from theory.rationals import float_or_none, format_decimal
from theory.workflow import Workflow

__all__ = ["RatioSeries", "RealDataPanel", "exact_series", "simulated_series", "store_series", "risk_ratio_series",
           "is_augment_like", "workflow_name", "real_data_panels"]


@dataclass(frozen=True)
class RatioSeries:
    """Risk ratios of one workflow against generation.

    ``stderr`` is None for an exact curve. ``model`` is None for the universal exact
    curve of the workflow. ``exact_denominator`` says whether Monte Carlo ratios were
    divided by the exact generation-1 risk (True) or by the Monte Carlo one.
    ``bounded`` says that the standard errors are the bound over every correlation
    of the two risks (from a store written without their covariance), not the delta
    method's.

    Attributes
    ----------
    workflow : str
        The workflow's name (its spelling, or a Workflow's name).
    generation : ndarray
        Generations 1..G.
    ratio : ndarray
        R_k (exact) or risk_k / risk_1 (Monte Carlo).
    stderr : ndarray or None
        One standard error per ratio; None for an exact curve.
    model : str or None
        The simulated model; None for the universal exact curve.
    label : str or None
        The legend entry.
    n : int or None
        The base sample size of a simulation.
    exact_denominator : bool
        Whether the Monte Carlo ratios were divided by the exact generation-1 risk.
    bounded : bool
        Whether the standard errors are the bound over every correlation of the two risks.
    """

    workflow: str
    generation: np.ndarray
    ratio: np.ndarray
    stderr: np.ndarray | None = None
    model: str | None = None
    label: str | None = None
    n: int | None = None
    exact_denominator: bool = True
    bounded: bool = False


def exact_series(workflow, generations=None):
    """The exact risk ratios of a workflow (a preset spelling, a file, or a Workflow).

    Parameters
    ----------
    workflow : WorkflowLike
        A workflow, a preset spelling or a workflow file.
    generations : int, optional
        The number of generations (default as :func:`theory.load_workflow`).

    Returns
    -------
    RatioSeries
        The exact curve (``stderr`` and ``model`` None).

    Examples
    --------
    >>> s = exact_series("augment", 3)
    >>> s.workflow, s.ratio.round(4).tolist()
    ('augment', [1.0, 1.25, 1.3611])
    """
    wf = load_workflow(workflow, generations)
    exact = risk_ratios(wf)
    ratios = [float_or_none(r) for r in exact]
    for k, (r, value) in enumerate(zip(exact, ratios, strict=True), start=1):
        if value is None or value == 0:   # an axis of float64 cannot show it; `pi2over6 risk` prints it exactly
            raise LimitError(f"workflow {_name(wf, workflow)[:40]!r}: the exact risk ratio R_{k} = "
                             f"{format_decimal(r)} lies outside float64's range, so a figure cannot show it")
    return RatioSeries(_name(wf, workflow), np.arange(1, wf.G + 1), np.array(ratios))


def workflow_name(workflow, generations=None):
    """How figures name a workflow: its own name, else a file's stem.

    Examples
    --------
    >>> from theory import preset
    >>> workflow_name("mix:1/2"), workflow_name(preset("augment", 3))
    ('mix:0.5', 'augment')
    """
    return _name(load_workflow(workflow, generations), workflow)


def _name(wf, spec):
    name = wf.name or (Path(spec).stem if isinstance(spec, str | Path) else "workflow")
    # a legend entry stays short (mix:1e-400 is named by its exact 401-digit ratio)
    return name if len(name) <= 60 else name[:57] + "..."


def _series_label(model, params, n):
    from theory.models import model_spec

    defaults = model_spec(model).defaults
    changed = {k: v for k, v in params.items() if defaults.get(k) != v}
    extra = ", ".join(f"{k}={v}" for k, v in changed.items())
    return f"{model}" + (f" ({extra})" if extra else "") + ("" if n is None else f", $n={n}$")


def simulated_series(model, workflow, n=100, generations=10, replicates=2000, seed=0, params=None,
                     progress=None):
    """Monte Carlo risk ratios of real model fits (``numerics.montecarlo.simulate``).

    The ratio's denominator is the exact generation-1 risk when the toolkit's
    prediction is exact at this n, else the Monte Carlo one (module docstring).

    Parameters
    ----------
    model : str
    workflow : theory.WorkflowLike
    n, generations, replicates, seed : int
        The simulation (a workflow file may list fewer generations than asked for
        only if it has a rule for later ones).
    params : dict, optional
        Model parameters.
    progress : bool, optional
        A progress bar on standard error (default: when it is a terminal).

    Returns
    -------
    RatioSeries

    Examples
    --------
    >>> s = simulated_series("gaussian-mean", "discard", n=10, generations=3, replicates=500, seed=1)
    >>> s.exact_denominator, s.ratio.shape, s.label
    (True, (3,), 'gaussian-mean, $n=10$')
    """
    from numerics.montecarlo import SimulationConfig, simulate
    from numerics.uncertainty import ratio_stderr

    config = SimulationConfig(model, dict(params or {}), _simulated_spec(workflow, generations), n, generations,
                              replicates).validated()
    result = simulate(config, seed, progress=progress)
    risk = result.metrics["risk"]
    theory_risk = (result.theory or {}).get("risk")
    exact = bool(result.exact) and theory_risk is not None
    ratio, se = ratio_stderr(**risk, denominator=theory_risk[0] if exact else None)
    return RatioSeries(workflow_name(workflow, generations), np.arange(1, len(ratio) + 1), ratio, se, model,
                       _series_label(model, config.params, n), n, exact)


def _simulated_spec(workflow, generations):
    """What the engine's configuration is given: a preset's spelling for a preset Workflow, else the workflow."""
    from theory.presets import is_preset_spec, preset

    if isinstance(workflow, Workflow):
        name = workflow.name
        if name and is_preset_spec(name) and preset(name, workflow.G) == workflow:
            return name
        return workflow
    return str(workflow)


def store_series(store, workflows=None, models=None, n=None, params=None):
    """Risk-ratio series from a sweep store (:func:`numerics.results.ratio_frame`).

    Selects configurations whose workflow is in ``workflows``, model in ``models``,
    base size equal to ``n`` and parameters containing ``params`` (each filter only
    when given). Ratios use the Monte Carlo generation-1 risk (the store holds no
    predictions), with the standard errors of :func:`numerics.results.ratio_frame`.

    Parameters
    ----------
    store : str, Path or SweepStore
    workflows : list of theory.WorkflowLike, optional
        Workflows as the store names them: a preset (any spelling) or a Workflow by its
        name, a file by the path the sweep file gave.
    models : list of str, optional
    n : int, optional
    params : dict, optional

    Returns
    -------
    list of RatioSeries

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from numerics.sweep import Sweep, run_sweep
    >>> sweep = Sweep.from_data({"seed": 5, "replicates": 250, "chunk": 250, "generations": 3, "n": 6,
    ...                          "workflows": ["discard"], "models": [{"name": "poisson"}]})
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "s.sqlite"
    >>> _ = run_sweep(sweep, path, workers=1)
    >>> [(s.workflow, s.model, s.n, float(s.ratio[0])) for s in store_series(path)]
    [('discard', 'poisson', 6, 1.0)]
    """
    from numerics.results import ratio_frame

    frame = ratio_frame(store)
    if frame.empty:
        raise ValueError(f"sweep store {str(store)!r} holds no risk results yet")
    if workflows:
        frame = frame[frame.workflow.isin([_stored_name(w) for w in workflows])]
    if models:
        frame = frame[frame.model.isin(list(models))]
    if n is not None:
        frame = frame[frame.n == n]
    out = []
    for (model, params_json, workflow, size, _), rows in frame.groupby(
            ["model", "params", "workflow", "n", "generations"], sort=True):
        stored = json.loads(params_json)
        if params and any(str(stored.get(k)) != str(v) for k, v in params.items()):
            continue
        rows = rows.sort_values("generation")
        out.append(RatioSeries(workflow, rows["generation"].to_numpy(), rows["ratio"].to_numpy(),
                               rows["stderr"].to_numpy(), model, _series_label(model, stored, int(size)), int(size),
                               False, bool(rows["bounded"].any())))
    if not out:
        wanted = ", ".join(f"{k}={v}" for k, v in (("workflows", workflows), ("models", models), ("n", n),
                                                     ("params", params)) if v)
        raise ValueError(f"sweep store {str(store)!r} has no risk results matching {wanted or 'anything'}")
    return out


def _stored_name(workflow):
    """The workflow column of a store: a preset's canonical spelling, a Workflow's name, else the path."""
    from theory.presets import is_preset_spec

    if isinstance(workflow, Workflow):
        return workflow.name
    if isinstance(workflow, str) and is_preset_spec(workflow):
        return load_workflow(workflow, 1).name
    return str(workflow)


def risk_ratio_series(workflows, models=(), params=None, n=100, replicates=2000, seed=0, generations=10,
                      store=None, progress=None):
    """The series of ``pi2over6 plot``'s figure: each workflow's exact curve and Monte Carlo points.

    Parameters
    ----------
    workflows : theory.WorkflowLike or list of them
    models : list of str
        Models to simulate (:func:`simulated_series`), or to select from ``store``.
        None or empty: exact curves only (without a store).
    params : dict, optional
        Model parameters (``--set``), applied to every model.
    n, replicates, seed, generations : int
        The simulation; with ``store``, ``n`` (if not None) selects configurations.
    store : path, optional
        A sweep store to take the Monte Carlo points from instead of simulating; the
        exact curves then run as far as the stored generations.
    progress : bool, optional

    Returns
    -------
    list of RatioSeries
        The exact curves first, in the order of ``workflows``, then the points.

    Examples
    --------
    >>> [(s.workflow, s.stderr is None) for s in risk_ratio_series(["discard", "augment"], generations=3)]
    [('discard', True), ('augment', True)]
    """
    if isinstance(workflows, str | Path | Workflow):
        workflows = [workflows]
    if not workflows:
        raise ValueError("give at least one workflow")
    models = list(models or [])
    for w in workflows:   # a bad workflow is reported before any simulation or store read
        load_workflow(w, generations)
    if store is None:
        series = [exact_series(w, generations) for w in workflows]
        for model in models:
            series += [simulated_series(model, w, n, generations, replicates, seed, params, progress)
                       for w in workflows]
        return series
    points = store_series(store, workflows, models, n, params)
    horizon = max(int(s.generation.max()) for s in points)
    stored = {p.workflow for p in points}
    # each exact curve carries the store's name of its workflow, so that it is styled as its points
    return [replace(exact_series(w, horizon), workflow=_stored_name(w)) for w in workflows
            if _stored_name(w) in stored] + points


def is_augment_like(workflow, generations=200):
    """Whether a workflow's risk ratios tend to pi^2/6, as augment's do.

    Uses the proved limit of the workflow family (:func:`theory.closed_form.risk_limit`)
    when one is derived; otherwise (no closed form, or a file without a rule for later
    generations) the float ratios up to ``generations``, extrapolated in 1/k, must lie
    within 1e-3 of pi^2/6.

    Parameters
    ----------
    workflow : theory.WorkflowLike
    generations : int
        How far the float ratios go when no limit is proved.

    Returns
    -------
    bool

    Examples
    --------
    >>> is_augment_like("augment"), is_augment_like("discard"), is_augment_like("subsample")
    (True, False, False)
    """
    import sympy as sp

    from theory.closed_form import risk_limit

    try:
        limit = risk_limit(workflow)
    except ValueError:  # a workflow without a rule for later generations is no family
        limit = None
    if limit is not None:
        return bool(sp.simplify(limit - sp.pi**2 / 6) == 0)
    from theory import risk_ratios_float

    try:
        wf = load_workflow(workflow, generations)
    except ValueError:
        wf = load_workflow(workflow)
    r = risk_ratios_float(wf)
    K = len(r)
    if K < 4 or not np.all(np.isfinite(r)):
        return False
    # R_k = L - c/k + O(1/k^2): two-point extrapolation from k = K/2 and K
    estimate = 2 * r[-1] - r[K // 2 - 1]
    return bool(abs(estimate - math.pi**2 / 6) < 1e-3)




@dataclass(frozen=True)
class RealDataPanel:
    """What the real-data figure draws for one workflow of a :class:`~numerics.real_data.RealDataResult`.

    Attributes
    ----------
    workflow : str
    generation : ndarray
        1, ..., G.
    logloss, accuracy : ndarray, shape (3, G)
        The quartiles (25%, median, 75%) of the test log-loss and accuracy over the
        replicates, without interpolation, so that an infinite log-loss (a hard
        classifier that misclassifies a test point) counts as the largest value.
    drift_generation, drift_mean, drift_stderr : ndarray
        The mean drift and its standard error over the replicates, at the
        generations where every chain's drift is finite.
    drift_theory : ndarray, shape (G,)
        The sequential Gaussian process's prediction of the mean drift.
    separated : ndarray, shape (G,)
        The share of fits whose labels were separable.
    """

    workflow: str
    generation: np.ndarray
    logloss: np.ndarray
    accuracy: np.ndarray
    drift_generation: np.ndarray
    drift_mean: np.ndarray
    drift_stderr: np.ndarray
    drift_theory: np.ndarray
    separated: np.ndarray


def real_data_panels(result):
    """The panel data of the real-data protocol, one :class:`RealDataPanel` per workflow.

    Parameters
    ----------
    result : numerics.real_data.RealDataResult

    Returns
    -------
    list of RealDataPanel

    Examples
    --------
    >>> from numerics.real_data import run_real_data
    >>> panel = real_data_panels(run_real_data("diabetes", generations=3, replicates=2))[0]
    >>> panel.workflow, panel.logloss.shape, panel.drift_generation.tolist()
    ('discard', (3, 3), [1, 2, 3])
    """
    generation = np.arange(1, result.generations + 1)
    panels = []
    for wf in result.workflows:
        m = result.metrics[wf]
        drift = m["drift"]
        finite = np.all(np.isfinite(drift), axis=0)
        R = drift.shape[0]
        mean = drift[:, finite].mean(axis=0)
        stderr = drift[:, finite].std(axis=0, ddof=1) / np.sqrt(R) if R > 1 else np.zeros_like(mean)
        panels.append(RealDataPanel(wf, generation, _quartiles(m["test_logloss"]), _quartiles(m["test_accuracy"]),
                                    generation[finite], mean, stderr, np.asarray(result.theory[wf], dtype=float),
                                    m["separated"].mean(axis=0)))
    return panels


def _quartiles(values):
    return np.quantile(values, [0.25, 0.5, 0.75], axis=0, method="inverted_cdf")
