"""The Gaussian-process simulator against the exact covariance of theory.process.

The simulator never looks at theory.process: it draws batch score statistics and applies the
linearised fits, so agreement with the exact rational covariance is an independent check of both.
Tolerances: k = 4.5 standard errors for ratios and covariance entries (many entries are tested at
once); the median adds a finite-n allowance for its sign law (see below).
"""

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings

from numerics.gp_simulator import simulate_gp
from theory.presets import preset
from theory.process import covariance, risk_ratios
from theory.workflow import Workflow

from ..statistics import assert_within
from ..strategies import workflow_data

K = 4.5
PRESETS = ["discard", "augment", "subsample", "window:2", "mix:0.5", "weighted:0.618", "weighted:0.5:2"]


def exact(workflow):
    return (np.array([float(r) for r in risk_ratios(workflow)]),
            np.array(covariance(workflow), dtype=float))


def assert_agrees(result, workflow, allowance=0.0):
    ratios, cov = exact(workflow)
    # allowance: a relative finite-n term, zero for the efficient (exactly Gaussian) simulator
    assert_within(result.ratios, result.stderr, ratios, k=K, relative=allowance, what="ratios")
    assert_within(result.covariance, result.covariance_stderr, cov, k=K, relative=allowance, what="covariance")


@pytest.mark.parametrize("spec", PRESETS)
def test_efficient_simulator_matches_the_exact_covariance(spec):
    wf = preset(spec, 6)
    assert_agrees(simulate_gp(wf, 20000, seed=3), wf)


@pytest.mark.parametrize("spec", ["discard", "augment", "subsample", "weighted:0.5:2"])
def test_median_simulator_matches_the_exact_covariance(spec):
    """Sign-based batch statistics give the same ratios as the efficient estimator.

    Finite-n allowance: the sign law's variance 4p(1-p) and its mean 2 Phi(H/sqrt n) - 1 deviate from
    the linear limit by O(H^2/n) per generation, so relative G^2/n (0.25% at n = 10^4, G = 5).
    """
    n, G = 10_000, 5
    wf = preset(spec, G)
    median = simulate_gp(wf, 20000, seed=4, estimator="median", n=n)
    assert_agrees(median, wf.at_sample_size(n), allowance=G**2 / n)
    efficient = simulate_gp(wf.at_sample_size(n), 20000, seed=5)
    gap = np.abs(median.ratios - efficient.ratios)
    assert np.all(gap <= K * np.hypot(median.stderr, efficient.stderr) + G**2 / n * efficient.ratios)


def test_median_at_small_n_shows_its_finite_n_deviation():
    """At n = 20 the sign law's O(H^2/n) terms are visible under discard: the simulator is not the limit."""
    wf = preset("discard", 8)
    res = simulate_gp(wf, 20000, seed=6, estimator="median", n=20)
    ratios, _ = exact(wf.at_sample_size(20))
    assert res.ratios[-1] < ratios[-1] - K * res.stderr[-1]


def test_ratios_do_not_depend_on_information_or_loss():
    """Universality: a 2-d model with correlated Fisher information and a non-identity loss, same ratios."""
    wf = preset("augment", 5)
    res = simulate_gp(wf, 20000, seed=7, information=[[2.0, 0.6], [0.6, 1.0]], loss=[[1.0, 0.0], [0.0, 3.0]])
    assert_agrees(res, wf)


@settings(deadline=None)
@given(workflow_data(max_generations=5))
def test_random_workflows_match_the_exact_covariance(data):
    wf = Workflow.from_data(data)
    assert_agrees(simulate_gp(wf, 4000, seed=8), wf)


def test_paths_do_not_depend_on_the_chunk():
    wf = preset("subsample", 4)
    a = simulate_gp(wf, 1500, seed=9, chunk=250)
    b = simulate_gp(wf, 1500, seed=9, chunk=1000)
    assert np.allclose(a.ratios, b.ratios, rtol=1e-12) and np.allclose(a.covariance, b.covariance, rtol=1e-12)


def test_first_generation_is_one_unit_of_v_over_real():
    wf = Workflow.from_data({"real": "1/2", "generations": [{"fit": [{"batch": "R0"}]}]})
    res = simulate_gp(wf, 20000, seed=10)
    assert abs(res.covariance[0, 0] - 2.0) < K * res.covariance_stderr[0, 0]
    assert covariance(wf)[0][0] == Fraction(2)


def test_any_workflow_spelling_and_the_old_estimator_name_give_the_same_paths():
    base = simulate_gp(preset("window:2", 4), 500, seed=11)
    assert base.estimator == "mle"
    for res in (simulate_gp("window:2", 500, seed=11, G=4), simulate_gp(preset("window:2", 9), 500, seed=11, G=4),
                simulate_gp(preset("window:2", 4), 500, seed=11, estimator="efficient")):
        assert np.array_equal(res.covariance, base.covariance) and res.estimator == "mle"


def test_bad_arguments_are_rejected():
    wf = preset("discard", 2)
    with pytest.raises(ValueError, match="'mode'"):
        simulate_gp(wf, 100, 1, estimator="mode")
    with pytest.raises(ValueError, match="None"):
        simulate_gp(wf, 100, 1, estimator="median")
    with pytest.raises(ValueError, match="1"):
        simulate_gp(wf, 1, 1)
    with pytest.raises(ValueError, match="positive definite"):
        simulate_gp(wf, 100, 1, information=[[1.0, 2.0], [2.0, 1.0]])
    with pytest.raises(ValueError, match="multiple of 250"):
        simulate_gp(wf, 100, 1, chunk=100)


@pytest.mark.slow
@pytest.mark.parametrize("spec", PRESETS)
def test_efficient_simulator_at_a_large_budget(spec):
    """400 000 replicates, 10 generations: agreement at a standard error near 0.2%."""
    wf = preset(spec, 10)
    assert_agrees(simulate_gp(wf, 400_000, seed=11), wf)


@pytest.mark.slow
def test_median_simulator_at_a_large_budget():
    """The sign-based median at n = 10^5 and 200 000 replicates (allowance G^2/n as above)."""
    n, G = 100_000, 8
    wf = preset("augment", G)
    assert_agrees(simulate_gp(wf, 200_000, seed=12, estimator="median", n=n), wf.at_sample_size(n),
                  allowance=G**2 / n)
