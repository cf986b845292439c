"""Figures: what is drawn, the files written, and greyscale-safe styles."""

import math

import matplotlib
import numpy as np
import pytest
from matplotlib.colors import to_rgb

from numerics.figure_data import RatioSeries, exact_series, simulated_series, store_series
from numerics.plots import (
    MODEL_MARKERS,
    PUBLICATION_RC,
    WORKFLOW_STYLES,
    new_figure,
    plot_real_data,
    plot_risk_ratios,
    publication_style,
    risk_ratio_figure,
    save_figure,
)
from theory import preset, risk_ratios

from ..statistics import assert_within


def test_plot_draws_exact_curves_points_asymptote_and_legend():
    points = RatioSeries("augment", np.arange(1, 5), np.array([1.0, 1.2, 1.4, 1.4]), np.full(4, 0.05), "m",
                         "gaussian-mean, $n=20$")
    with publication_style():
        fig = plot_risk_ratios([exact_series("augment", 4), exact_series("discard", 4), points], log=True,
                               asymptote=math.pi**2 / 6)
    ax = fig.axes[0]
    ydata = [np.asarray(line.get_ydata(), dtype=float).tolist() for line in ax.get_lines()]
    assert [float(r) for r in risk_ratios(preset("augment", 4))] in ydata
    assert [1.0, 2.0, 3.0, 4.0] in ydata
    assert any(np.allclose(y, math.pi**2 / 6) for y in ydata)  # the horizontal asymptote
    assert len(ax.containers) == 1  # one errorbar series
    assert ax.get_yscale() == "log"
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["augment", "discard", "gaussian-mean, $n=20$", r"$\pi^2/6$"]
    assert "$" in ax.get_xlabel() and "$" in ax.get_ylabel()  # mathtext labels


def test_styles_survive_greyscale():
    # every pair of workflows differs in line style, and neighbours also in lightness
    styles = [str(s["linestyle"]) for s in WORKFLOW_STYLES]
    assert len(set(styles)) == len(styles)
    markers = [(m["marker"], m["fillstyle"]) for m in MODEL_MARKERS]
    assert len({m for m, _ in markers}) == len(markers)

    def grey(colour):
        r, g, b = to_rgb(colour)
        return 0.299 * r + 0.587 * g + 0.114 * b

    greys = [grey(s["color"]) for s in WORKFLOW_STYLES[:4]]
    assert min(abs(a - b) for i, a in enumerate(greys) for b in greys[i + 1:]) > 0.05


def test_publication_style_is_scoped():
    before = matplotlib.rcParams["font.size"]
    with publication_style():
        assert matplotlib.rcParams["font.size"] == PUBLICATION_RC["font.size"]
    assert matplotlib.rcParams["font.size"] == before


def test_files_by_suffix(tmp_path):
    with publication_style():
        fig = plot_risk_ratios([exact_series("augment", 5)])
    png = save_figure(fig, tmp_path / "f.png")
    pdf = save_figure(fig, tmp_path / "f.PDF")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    data = pdf.read_bytes()
    assert data[:5] == b"%PDF-" and b"/FontFile2" in data  # TrueType fonts embedded (fonttype 42)
    from matplotlib.image import imread

    height, width = imread(png).shape[:2]
    # 3.5 in at 300 dpi, minus the tight bounding box's trim
    assert 900 < width <= 1060 and height < width
    with pytest.raises(ValueError, match=r"must end in .png or .pdf, got '.*f.svg'"):
        save_figure(fig, tmp_path / "f.svg")


def test_new_figure_is_one_column_wide():
    fig, ax = new_figure()
    assert fig.get_size_inches()[0] == 3.5 and ax.figure is fig


def test_simulated_ratios_sit_on_the_exact_curve():
    # gaussian-mean: the prediction is exact at every n, so the ratio is divided by the exact risk_1
    s = simulated_series("gaussian-mean", "augment", n=10, generations=5, replicates=4000, seed=3)
    exact = np.array([float(r) for r in risk_ratios(preset("augment", 5))])
    assert s.exact_denominator and s.model == "gaussian-mean"
    assert_within(s.ratio, s.stderr, exact, k=4)  # 4 standard errors; exact at this n: no allowance
    figure = risk_ratio_figure(["augment", "discard"], ["gaussian-mean"], n=10, replicates=500, generations=4)
    ax = figure.axes[0]
    assert len(ax.containers) == 2
    assert any(np.allclose(line.get_ydata(), math.pi**2 / 6) for line in ax.get_lines())


def test_asymptote_only_for_augment_like_workflows():
    ax = risk_ratio_figure(["discard", "mix:1"], generations=4).axes[0]
    assert not any(np.allclose(line.get_ydata(), math.pi**2 / 6) for line in ax.get_lines())


def test_points_from_a_sweep_store(tmp_path):
    from numerics.sweep import Sweep, run_sweep

    sweep = Sweep.from_data({"seed": 2, "replicates": 500, "chunk": 250, "generations": 3, "n": [8, 16],
                             "workflows": ["discard", "augment"], "models": [{"name": "poisson"}]})
    path = tmp_path / "s.sqlite"
    run_sweep(sweep, path, workers=1)
    series = store_series(path, ["augment"], ["poisson"], 16)
    assert len(series) == 1 and series[0].n == 16 and not series[0].exact_denominator
    assert series[0].ratio[0] == 1.0 and series[0].stderr[0] == 0.0
    fig = risk_ratio_figure(["discard", "augment"], ["poisson"], store=path, generations=3, n=None)
    assert len(fig.axes[0].containers) == 4  # two workflows x two n
    with pytest.raises(ValueError, match="no risk results matching"):
        store_series(path, ["mix:1"])


def test_real_data_figure_has_four_panels():
    from numerics.real_data import run_real_data

    res = run_real_data("diabetes", generations=4, replicates=3, seed=0)
    fig = plot_real_data(res)
    assert len(fig.axes) == 4
    assert fig.axes[0].get_ylabel() == "test log-loss"
