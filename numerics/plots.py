"""Publication figures: risk ratios against generation, and the real-data protocol.

Every figure is a :class:`matplotlib.figure.Figure` built without pyplot (no global
state), styled for a one-column journal figure by default: 3.5 in wide, 8 pt STIX
serif text and mathtext, TrueType fonts embedded in PDFs, and series that stay
distinguishable in greyscale (each workflow has its own colour, lightness *and*
line style; each model its own marker).

Monte Carlo points are risk ratios ``R_k = risk_k / risk_1`` with error bars of one
standard error. The denominator is the toolkit's predicted generation-1 risk when
that prediction is exact at the simulated n (then the error bar is
``stderr_k / risk_1``); otherwise it is the Monte Carlo ``risk_1`` itself and the
error bar is the delta method's with the covariance of the two risks, which come
from the same replicates (:func:`numerics.uncertainty.ratio_stderr`, the standard
error the claims ledger uses too). The exact curve of each workflow
(``theory.risk_ratios``, the same for every model) is drawn as a line.
"""

from __future__ import annotations

import math
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import matplotlib
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import FuncFormatter, LogLocator, MaxNLocator, NullFormatter

from theory import load_workflow, risk_ratios

__all__ = ["PUBLICATION_RC", "WORKFLOW_STYLES", "MODEL_MARKERS", "COLUMN_WIDTH", "FIGURE_SUFFIXES",
           "RatioSeries", "publication_style", "new_figure", "exact_series",
           "simulated_series", "store_series", "plot_risk_ratios", "risk_ratio_figure", "plot_real_data",
           "save_figure", "is_augment_like"]

COLUMN_WIDTH = 3.5
"""One journal column, in inches."""

FIGURE_SUFFIXES = (".png", ".pdf")

PUBLICATION_RC = {
    "font.family": "serif",
    "font.serif": ["STIXGeneral", "DejaVu Serif"],
    "mathtext.fontset": "stix",
    "font.size": 8,
    "axes.labelsize": 8,
    "axes.titlesize": 8,
    "legend.fontsize": 7,
    "xtick.labelsize": 7,
    "ytick.labelsize": 7,
    "axes.linewidth": 0.6,
    "lines.linewidth": 1.1,
    "lines.markersize": 3.5,
    "errorbar.capsize": 1.5,
    "xtick.major.width": 0.6,
    "ytick.major.width": 0.6,
    "xtick.direction": "in",
    "ytick.direction": "in",
    "legend.frameon": False,
    "legend.handlelength": 2.6,
    "figure.dpi": 150,
    "savefig.dpi": 300,
    "savefig.bbox": "tight",
    "savefig.pad_inches": 0.02,
    "pdf.fonttype": 42,
    "ps.fonttype": 42,
    "svg.fonttype": "none",
}
"""Matplotlib settings for a publication figure (applied only inside :func:`publication_style`)."""

# Okabe & Ito's colour-blind-safe palette, ordered so that neighbours differ in lightness;
# line styles differ too, so the series survive greyscale printing.
WORKFLOW_STYLES = (
    {"color": "#000000", "linestyle": "-"},
    {"color": "#D55E00", "linestyle": "--"},
    {"color": "#0072B2", "linestyle": "-."},
    {"color": "#E69F00", "linestyle": ":"},
    {"color": "#009E73", "linestyle": (0, (5, 1.5, 1, 1.5, 1, 1.5))},
    {"color": "#CC79A7", "linestyle": (0, (8, 2))},
    {"color": "#56B4E9", "linestyle": (0, (1, 1))},
)
MODEL_MARKERS = (
    {"marker": "o", "fillstyle": "full"},
    {"marker": "s", "fillstyle": "none"},
    {"marker": "^", "fillstyle": "full"},
    {"marker": "D", "fillstyle": "none"},
    {"marker": "v", "fillstyle": "full"},
    {"marker": "P", "fillstyle": "none"},
    {"marker": "X", "fillstyle": "full"},
    {"marker": "h", "fillstyle": "none"},
    {"marker": "<", "fillstyle": "full"},
    {"marker": "*", "fillstyle": "none"},
)

_RATIO_LABEL = r"risk ratio $R_k=\mathrm{risk}_k/\mathrm{risk}_1$"
_GENERATION_LABEL = r"generation $k$"


@contextmanager
def publication_style(**overrides):
    """Apply :data:`PUBLICATION_RC` (and ``overrides``) inside a ``with`` block only.

    Examples
    --------
    >>> with publication_style():
    ...     matplotlib.rcParams["font.size"]
    8.0
    """
    with matplotlib.rc_context({**PUBLICATION_RC, **overrides}):
        yield


def new_figure(width=COLUMN_WIDTH, height=None, nrows=1, ncols=1, **subplots):
    """A pyplot-free figure with an Agg canvas and its axes (golden-ratio height by default).

    Examples
    --------
    >>> fig, ax = new_figure()
    >>> [round(float(x), 3) for x in fig.get_size_inches()]
    [3.5, 2.163]
    """
    if height is None:
        height = width / ((1 + 5**0.5) / 2) * (nrows / ncols if ncols > 1 else nrows)
    fig = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(nrows, ncols, squeeze=True, **subplots)
    return fig, axes


@dataclass(frozen=True)
class RatioSeries:
    """Risk ratios of one workflow against generation.

    ``stderr`` is None for an exact curve. ``model`` is None for the universal exact
    curve of the workflow. ``exact_denominator`` says whether Monte Carlo ratios were
    divided by the exact generation-1 risk (True) or by the Monte Carlo one.
    ``bounded`` says that the standard errors are the bound over every correlation
    of the two risks (from a store written without their covariance), not the delta
    method's.
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

    Examples
    --------
    >>> s = exact_series("augment", 3)
    >>> s.workflow, s.ratio.round(4).tolist()
    ('augment', [1.0, 1.25, 1.3611])
    """
    wf = load_workflow(workflow, generations)
    ratios = np.array([float(r) for r in risk_ratios(wf)])
    return RatioSeries(_name(wf, workflow), np.arange(1, wf.G + 1), ratios)


def _name(wf, spec):
    return wf.name or (Path(spec).stem if isinstance(spec, str | Path) else "workflow")


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
    ``workflow`` is a preset spelling or a workflow file, as for ``pi2over6 simulate``.

    Examples
    --------
    >>> s = simulated_series("gaussian-mean", "discard", n=10, generations=3, replicates=500, seed=1)
    >>> s.exact_denominator, s.ratio.shape, s.label
    (True, (3,), 'gaussian-mean, $n=10$')
    """
    from numerics.montecarlo import SimulationConfig, simulate
    from numerics.uncertainty import ratio_stderr

    if not isinstance(workflow, str | Path):
        raise TypeError(f"a simulation needs a preset spelling or a workflow file, got {workflow!r}")
    spec = str(workflow)
    config = SimulationConfig(model, dict(params or {}), spec, n, generations, replicates).validated()
    result = simulate(config, seed, progress=progress)
    risk = result.metrics["risk"]
    theory_risk = (result.theory or {}).get("risk")
    exact = bool(result.exact) and theory_risk is not None
    ratio, se = ratio_stderr(**risk, denominator=theory_risk[0] if exact else None)
    wf_name = _name(load_workflow(workflow, generations), workflow)
    return RatioSeries(wf_name, np.arange(1, len(ratio) + 1), ratio, se, model,
                       _series_label(model, config.params, n), n, exact)


def store_series(store, workflows=None, models=None, n=None, params=None):
    """Risk-ratio series from a sweep store (``numerics.results.results_frame``).

    Selects configurations whose workflow is in ``workflows``, model in ``models``,
    base size equal to ``n`` and parameters containing ``params`` (each filter only
    when given). Ratios use the Monte Carlo generation-1 risk (the store holds no
    predictions), with the standard errors of :func:`numerics.results.ratio_frame`.

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
    import json

    from numerics.results import ratio_frame

    frame = ratio_frame(store)
    if frame.empty:
        raise ValueError(f"sweep store {str(store)!r} holds no risk results yet")
    if workflows:
        frame = frame[frame.workflow.isin(list(workflows))]
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


def is_augment_like(workflow, generations=200):
    """Whether a workflow's risk ratios tend to pi^2/6, as augment's do.

    Uses the proved limit of the workflow family (:func:`theory.closed_form.risk_limit`)
    when one is derived; otherwise (no closed form, or a file without a rule for later
    generations) the float ratios up to ``generations``, extrapolated in 1/k, must lie
    within 1e-3 of pi^2/6.

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


def _log_axis(ax):
    """A logarithmic y axis labelled 1, 2, 5, 10, ... in plain numbers."""
    ax.set_yscale("log")
    ax.yaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda y, _: f"{y:g}"))
    ax.yaxis.set_minor_formatter(NullFormatter())


def plot_risk_ratios(series, ax=None, log=False, asymptote=None, legend=True, dodge=0.0, legend_columns=2):
    """Draw risk-ratio series: exact curves as lines, Monte Carlo points with error bars.

    Parameters
    ----------
    series : list of RatioSeries
        Exact series (``stderr`` None) and Monte Carlo series, in any order.
        Colours and line styles follow the workflows, markers the models.
    ax : matplotlib Axes, optional
        Where to draw (default: a new one-column figure).
    log : bool
        Logarithmic ratio axis.
    asymptote : float, optional
        Draw a horizontal ``pi^2/6`` line at this value (pass ``math.pi**2/6``).
    legend : bool
    dodge : float
        Shift each model's points sideways by this many generations (centred), so
        that many models at one generation stay readable.
    legend_columns : int
        Columns of the legend when it goes under the plot (more than four entries
        on a figure with one axes).

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> with publication_style():
    ...     fig = plot_risk_ratios([exact_series("augment", 5), exact_series("discard", 5)],
    ...                            asymptote=math.pi**2 / 6)
    >>> [line.get_label() for line in fig.axes[0].get_legend().get_lines()]
    ['augment', 'discard', '$\\\\pi^2/6$']
    """
    if ax is None:
        fig, ax = new_figure()
    fig = ax.figure
    workflows, models = [], []
    for s in series:
        if s.workflow not in workflows:
            workflows.append(s.workflow)
        if s.stderr is not None and s.label not in models:
            models.append(s.label)
    handles = []
    for s in series:
        style = WORKFLOW_STYLES[workflows.index(s.workflow) % len(WORKFLOW_STYLES)]
        if s.stderr is None:
            ax.plot(s.generation, s.ratio, color=style["color"], linestyle=style["linestyle"], zorder=2)
        else:
            i = models.index(s.label)
            mark = MODEL_MARKERS[i % len(MODEL_MARKERS)]
            shift = dodge * (i - (len(models) - 1) / 2)
            ax.errorbar(np.asarray(s.generation) + shift, s.ratio, yerr=s.stderr, linestyle="none",
                        color=style["color"], marker=mark["marker"], fillstyle=mark["fillstyle"], markeredgewidth=0.7,
                        elinewidth=0.7, zorder=3)
    for w in workflows:
        style = WORKFLOW_STYLES[workflows.index(w) % len(WORKFLOW_STYLES)]
        handles.append(Line2D([], [], color=style["color"], linestyle=style["linestyle"], label=w))
    for label in models:
        mark = MODEL_MARKERS[models.index(label) % len(MODEL_MARKERS)]
        handles.append(Line2D([], [], color="0.25", linestyle="none", marker=mark["marker"],
                              fillstyle=mark["fillstyle"], markeredgewidth=0.7, label=label))
    if asymptote is not None:
        ax.axhline(asymptote, color="0.45", linewidth=0.7, linestyle=(0, (2, 2)), zorder=1)
        handles.append(Line2D([], [], color="0.45", linewidth=0.7, linestyle=(0, (2, 2)), label=r"$\pi^2/6$"))
    ax.set_xlabel(_GENERATION_LABEL)
    ax.set_ylabel(_RATIO_LABEL)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    if log:
        _log_axis(ax)
    ax.grid(True, which="major", color="0.9", linewidth=0.5, zorder=0)
    if legend:
        if len(handles) > 4 and len(fig.axes) == 1:
            # many entries: a two-column legend under the plot, where it hides no data
            fig.legend(handles=handles, loc="outside lower center", ncols=legend_columns)
        else:
            ax.legend(handles=handles, loc="best")
    return fig


def risk_ratio_figure(workflows, models=(), params=None, n=100, replicates=2000, seed=0, generations=10,
                      log=False, store=None, width=COLUMN_WIDTH, progress=None):
    """The figure of ``pi2over6 plot``: exact curves, Monte Carlo points, the pi^2/6 asymptote.

    Parameters
    ----------
    workflows : list of str or Workflow
    models : list of str
        Models to simulate (``numerics.montecarlo.simulate``), or to select from
        ``store``. None or empty: exact curves only (without a store).
    params : dict, optional
        Model parameters (``--set``), applied to every model.
    n, replicates, seed, generations : int
        The simulation; with ``store``, ``n`` (if not None) selects configurations.
    log : bool
    store : path, optional
        A sweep store to draw Monte Carlo points from instead of simulating.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> fig = risk_ratio_figure(["discard", "augment"], generations=5)
    >>> [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    ['discard', 'augment', '$\\\\pi^2/6$']
    """
    if isinstance(workflows, str):
        workflows = [workflows]
    if not workflows:
        raise ValueError("give at least one workflow")
    models = list(models or [])
    with publication_style():
        series = []
        if store is not None:
            selected = [_name(load_workflow(w, generations), w) for w in workflows]
            points = store_series(store, selected, models, n, params)
            horizon = max(int(s.generation.max()) for s in points)
            names = []
            for p in points:
                if p.workflow not in names:
                    names.append(p.workflow)
            for w in workflows:
                name = _name(load_workflow(w, generations), w)
                if name in names:
                    series.append(exact_series(w, horizon))
            series += points
        else:
            for w in workflows:
                series.append(exact_series(w, generations))
            for model in models:
                for w in workflows:
                    series.append(simulated_series(model, w, n, generations, replicates, seed, params,
                                                   progress))
        augment_like = any(is_augment_like(w) for w in workflows)
        entries = len({s.workflow for s in series}) + len({s.label for s in series if s.stderr is not None})
        entries += augment_like
        height = width / ((1 + 5**0.5) / 2)
        if entries > 4:  # room for the legend under the plot, 0.15 in per row of two entries
            height += 0.15 * math.ceil(entries / 2) + 0.1
        fig, ax = new_figure(width, height)
        plot_risk_ratios(series, ax, log=log, asymptote=math.pi**2 / 6 if augment_like else None)
    return fig


def _quantile_band(values, axis=0):
    q = np.quantile(values, [0.25, 0.5, 0.75], axis=axis, method="inverted_cdf")
    return q[0], q[1], q[2]


def plot_real_data(result, width=2 * COLUMN_WIDTH, height=None):
    """Four panels of the real-data protocol (:mod:`numerics.real_data`) against generation.

    Test log-loss (log scale) and test accuracy: median and interquartile range over
    the replicates, quantiles without interpolation so that an infinite log-loss (a
    hard classifier that misclassifies a test point) counts as the largest value and
    the median leaves the panel once half the chains have one. Drift
    ``(b_k - b_1)' F_1 (b_k - b_1)/p``: mean and one standard error over replicates,
    drawn while every chain is finite, with the sequential Gaussian process's
    prediction as dots. The share of fits whose labels were separable (no MLE).

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> from numerics.real_data import run_real_data
    >>> fig = plot_real_data(run_real_data("diabetes", generations=3, replicates=2))
    >>> [ax.get_ylabel() for ax in fig.axes][:2]
    ['test log-loss', 'test accuracy']
    """
    with publication_style():
        fig, axes = new_figure(width, height if height is not None else 0.62 * width, 2, 2, sharex=True)
        (ax_loss, ax_acc), (ax_drift, ax_sep) = axes
        gens = np.arange(1, result.generations + 1)
        handles = []
        for i, wf in enumerate(result.workflows):
            style = WORKFLOW_STYLES[i % len(WORKFLOW_STYLES)]
            line = {"color": style["color"], "linestyle": style["linestyle"]}
            m = result.metrics[wf]
            for ax, key in ((ax_loss, "test_logloss"), (ax_acc, "test_accuracy")):
                lo, mid, hi = _quantile_band(m[key])
                shown = np.isfinite(mid)
                ax.plot(gens[shown], mid[shown], **line)
                band = np.isfinite(lo) & np.isfinite(hi)
                ax.fill_between(gens[band], lo[band], hi[band], color=style["color"], alpha=0.15, linewidth=0)
            drift = m["drift"]
            finite = np.all(np.isfinite(drift), axis=0)
            if finite.any():
                mean = drift[:, finite].mean(axis=0)
                R = drift.shape[0]
                se = drift[:, finite].std(axis=0, ddof=1) / np.sqrt(R) if R > 1 else 0 * mean
                ax_drift.plot(gens[finite], mean, **line)
                ax_drift.fill_between(gens[finite], mean - se, mean + se, color=style["color"], alpha=0.2,
                                      linewidth=0)
                ax_drift.plot(gens, result.theory[wf], color=style["color"], linestyle="none", marker=".",
                              markersize=2.5)
            ax_sep.plot(gens, m["separated"].mean(axis=0), **line)
            handles.append(Line2D([], [], label=wf, **line))
        handles.append(Line2D([], [], color="0.3", linestyle="none", marker=".", label="process (drift)"))
        ax_loss.set_ylabel("test log-loss")
        _log_axis(ax_loss)
        ax_acc.set_ylabel("test accuracy")
        ax_drift.set_ylabel(r"drift $(b_k-b_1)^\top F_1 (b_k-b_1)/p$")
        ax_drift.set_yscale("symlog", linthresh=1.0)
        ax_drift.set_ylim(bottom=0)
        ax_sep.set_ylabel("share of separated fits")
        ax_sep.set_ylim(-0.03, 1.03)
        for ax in (ax_drift, ax_sep):
            ax.set_xlabel(_GENERATION_LABEL)
        for ax in axes.ravel():
            ax.grid(True, color="0.9", linewidth=0.5)
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax_acc.legend(handles=handles, loc="best")
        fig.suptitle(f"{result.dataset}: {result.n_train} training rows, {len(result.feature_names)} "
                     f"coefficients, {result.replicates} replicates", fontsize=8)
    return fig


def save_figure(fig, path):
    """Save ``fig`` as PNG or PDF, chosen by the suffix of ``path``; return the path.

    Raises
    ------
    ValueError
        If the suffix is not ``.png`` or ``.pdf``.

    Examples
    --------
    >>> save_figure(new_figure()[0], "figure.svg")
    Traceback (most recent call last):
    ...
    ValueError: the figure file must end in .png or .pdf, got 'figure.svg'
    """
    path = Path(path)
    if path.suffix.lower() not in FIGURE_SUFFIXES:
        raise ValueError(f"the figure file must end in .png or .pdf, got {str(path)!r}")
    with publication_style():
        fig.savefig(path, format=path.suffix.lower()[1:], metadata=_metadata(path.suffix.lower()))
    return path


def _metadata(suffix):
    # reproducible files: no creation date in a PDF, a fixed producer in both formats
    if suffix == ".pdf":
        return {"Creator": "pi2over6", "CreationDate": None}
    return {"Software": "pi2over6"}
