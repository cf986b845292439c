"""Publication figures, drawn with matplotlib: risk ratios against generation, and the real-data protocol.

What a figure shows (exact ratios, Monte Carlo points and their error bars, from a fresh run or a
sweep store; the real-data panels) is computed by :mod:`numerics.figure_data`; this module only
draws it. Every figure is a :class:`matplotlib.figure.Figure` built without pyplot (no global
state), styled for a one-column journal figure by default: 3.5 in wide, 8 pt STIX serif text and
mathtext, TrueType fonts embedded in PDFs, and series that stay distinguishable in greyscale (each
workflow has its own colour, lightness *and* line style; each model its own marker). It is the
only module of the toolkit that imports matplotlib.
"""

from __future__ import annotations

import math
from contextlib import contextmanager
from pathlib import Path

import matplotlib
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import FuncFormatter, LogLocator, MaxNLocator, NullFormatter

from theory.workflow import Workflow

from .figure_data import is_augment_like, real_data_panels, risk_ratio_series

__all__ = ["PUBLICATION_RC", "WORKFLOW_STYLES", "MODEL_MARKERS", "COLUMN_WIDTH", "FIGURE_SUFFIXES",
           "publication_style", "new_figure", "plot_risk_ratios", "risk_ratio_figure", "plot_real_data",
           "save_figure"]

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

    Parameters
    ----------
    **overrides
        matplotlib rc settings that replace the publication style's.

    Yields
    ------
    None
        The style holds inside the ``with`` block.

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

    Parameters
    ----------
    width : float
        Inches (default one journal column, :data:`COLUMN_WIDTH`).
    height : float, optional
        Inches (default: the golden ratio of the width, per row).
    nrows, ncols : int
        The grid of axes.
    **subplots
        Passed to :meth:`matplotlib.figure.Figure.subplots` (``sharex``, ...).

    Returns
    -------
    (matplotlib.figure.Figure, Axes or array of Axes)

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
    series : list of numerics.figure_data.RatioSeries
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
    >>> from numerics.figure_data import exact_series
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

    The series are :func:`numerics.figure_data.risk_ratio_series`'s; the asymptote is
    drawn when a workflow tends to pi^2/6 (:func:`~numerics.figure_data.is_augment_like`).

    Parameters
    ----------
    workflows : theory.WorkflowLike or list of them
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
    width : float
        Inches.
    progress : bool, optional
        A progress bar while simulating (default: when standard error is a terminal).

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> fig = risk_ratio_figure(["discard", "augment"], generations=5)
    >>> [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    ['discard', 'augment', '$\\\\pi^2/6$']
    """
    series = risk_ratio_series(workflows, models, params, n, replicates, seed, generations, store, progress)
    if isinstance(workflows, str | Path | Workflow):
        workflows = [workflows]
    with publication_style():
        augment_like = any(is_augment_like(w) for w in workflows)
        entries = len({s.workflow for s in series}) + len({s.label for s in series if s.stderr is not None})
        entries += augment_like
        height = width / ((1 + 5**0.5) / 2)
        if entries > 4:  # room for the legend under the plot, 0.15 in per row of two entries
            height += 0.15 * math.ceil(entries / 2) + 0.1
        fig, ax = new_figure(width, height)
        plot_risk_ratios(series, ax, log=log, asymptote=math.pi**2 / 6 if augment_like else None)
    return fig


def plot_real_data(result, width=2 * COLUMN_WIDTH, height=None):
    """Four panels of the real-data protocol (:mod:`numerics.real_data`) against generation.

    Test log-loss (log scale) and test accuracy: median and interquartile range over
    the replicates, quantiles without interpolation so that an infinite log-loss (a
    hard classifier that misclassifies a test point) counts as the largest value and
    the median leaves the panel once half the chains have one. Drift
    ``(b_k - b_1)' F_1 (b_k - b_1)/p``: mean and one standard error over replicates,
    drawn while every chain is finite, with the sequential Gaussian process's
    prediction as dots. The share of fits whose labels were separable (no MLE).
    The data are :func:`numerics.figure_data.real_data_panels`'.

    Parameters
    ----------
    result : numerics.real_data.RealDataResult
    width, height : float, optional
        Inches (the height defaults to 0.62 of the width).

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
        handles = []
        for i, panel in enumerate(real_data_panels(result)):
            style = WORKFLOW_STYLES[i % len(WORKFLOW_STYLES)]
            line = {"color": style["color"], "linestyle": style["linestyle"]}
            gens = panel.generation
            for ax, (lo, mid, hi) in ((ax_loss, panel.logloss), (ax_acc, panel.accuracy)):
                shown = np.isfinite(mid)
                ax.plot(gens[shown], mid[shown], **line)
                band = np.isfinite(lo) & np.isfinite(hi)
                ax.fill_between(gens[band], lo[band], hi[band], color=style["color"], alpha=0.15, linewidth=0)
            if panel.drift_generation.size:
                mean, se = panel.drift_mean, panel.drift_stderr
                ax_drift.plot(panel.drift_generation, mean, **line)
                ax_drift.fill_between(panel.drift_generation, mean - se, mean + se, color=style["color"],
                                      alpha=0.2, linewidth=0)
                ax_drift.plot(gens, panel.drift_theory, color=style["color"], linestyle="none", marker=".",
                              markersize=2.5)
            ax_sep.plot(gens, panel.separated, **line)
            handles.append(Line2D([], [], label=panel.workflow, **line))
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

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure (from :func:`new_figure` or :func:`risk_ratio_figure`).
    path : str or Path
        The file to write; ``.png`` or ``.pdf``.

    Returns
    -------
    Path

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
