"""Monte Carlo uncertainty: the tolerance rule, and the standard error of a ratio of means against the
spread of the ratio over independent Monte Carlo runs."""

import numpy as np
import pytest

from numerics.block_sums import aggregate
from numerics.montecarlo import BLOCK, SimulationConfig, simulate_blocks
from numerics.uncertainty import agreement, ratio_stderr


def test_agreement_is_k_standard_errors_plus_the_allowances_entry_by_entry():
    a = agreement([1.0, 2.3, 3.0], [0.1, 0.1, 0.0], [1.0, 2.0, 3.0], k=2, allowance=0.05, relative=0.05)
    assert a.passed and a.tolerance.round(12).tolist() == [0.3, 0.35, 0.2]
    b = agreement([1.0, 2.3], [0.1, 0.1], [1.0, 2.0], k=2)
    assert not b.passed and b.worst == 1 and "fails at 1: mean 2.3, target 2" in b.describe()
    assert not agreement([1.0, np.inf], [0.1, 0.1], [1.0, 2.0]).passed
    assert agreement(2.0, 0.0, 2.0).passed  # an exact hit with no tolerance


def independent_runs(model, params, workflow, n, G, R, runs, seed=1):
    """``runs`` independent Monte Carlo estimates of the risk (one spawned stream each)."""
    config = SimulationConfig(model, params, workflow, n, G, R).validated()
    blocks = range(-(-R // BLOCK))
    return [aggregate(simulate_blocks(config, seed, blocks, (run,)))["risk"] for run in range(runs)]


@pytest.mark.parametrize("model, workflow", [("gaussian-mean", "augment"), ("gaussian-mean", "discard"),
                                             ("poisson", "subsample")])
def test_ratio_standard_error_is_the_spread_of_the_ratio_over_independent_runs(model, workflow):
    # The honest check of a standard error: over M independent runs the ratio R_k spreads with a standard
    # deviation that each run's own delta-method error must predict.
    M, R = 1000, 500
    runs = independent_runs(model, {}, workflow, 10, 4, R, M)
    ratios, errors = zip(*(ratio_stderr(**r) for r in runs), strict=True)
    spread = np.std(ratios, axis=0, ddof=1)[1:]
    predicted = np.mean(errors, axis=0)[1:]
    # Tolerance: the sample standard deviation of M nearly normal ratios has relative standard error
    # 1/sqrt(2(M - 1)) = 2.2%: 4 of them, plus 2% for the first-order delta method at R = 500 replicates
    # (the risk's coefficient of variation per run is about 6%, its second-order terms about 3 x 6%^2).
    tolerance = 4 / np.sqrt(2 * (M - 1)) + 0.02
    assert np.all(np.abs(predicted / spread - 1) <= tolerance), (predicted, spread)
    # The bound that ignores the covariance is far off here, so the check above can tell them apart.
    bound = np.mean([ratio_stderr(r["mean"], r["stderr"])[1] for r in runs], axis=0)[1:]
    assert np.all(bound / spread - 1 > 3 * tolerance), (bound, spread)


def test_delta_method_matches_a_simulated_ratio_of_independent_means():
    # independent route: the spread of a / b over many draws of two independent estimates
    rng = np.random.default_rng(np.random.SeedSequence(5))
    a = rng.normal(3.0, 0.06, 400_000)
    b = rng.normal(2.0, 0.03, 400_000)
    _, se = ratio_stderr([2.0, 3.0], [0.03, 0.06], [0.03**2, 0.0])
    # relative errors of 2% and 1.5%: the first-order delta method is accurate to about 1%; the
    # standard deviation of 400 000 draws is known to 0.2%
    assert se[1] == pytest.approx(np.std(a / b), rel=0.015)


def test_ratio_without_the_covariance_is_bounded_over_every_correlation():
    # perfectly negatively correlated generations attain the bound se(R) = (se_k + R se_1) / m_1
    rng = np.random.default_rng(np.random.SeedSequence(7))
    z = rng.standard_normal(200_000)
    first, later = 1 + 0.1 * z, 2 - 0.2 * z
    mean = [first.mean(), later.mean()]
    se = [first.std() / np.sqrt(z.size), later.std() / np.sqrt(z.size)]
    covariance = [se[0] ** 2, np.cov(first, later)[0, 1] / z.size]
    bound, delta = ratio_stderr(mean, se)[1], ratio_stderr(mean, se, covariance)[1]
    direct = np.std(later / mean[0] - mean[1] * first / mean[0] ** 2) / np.sqrt(z.size)  # linearised ratio
    assert bound[1] == pytest.approx(direct, rel=1e-2) and delta[1] == pytest.approx(direct, rel=1e-2)
    # an unknown covariance for one generation only (None: fewer than two replicates) takes the bound there
    mixed = ratio_stderr([1.0, 2.0, 3.0], [0.1, 0.1, 0.1], [0.01, 0.005, None])[1]
    assert mixed[2] == pytest.approx((0.1 + 3 * 0.1) / 1.0)
    assert mixed[1] == pytest.approx(np.sqrt(0.01 - 2 * 2 * 0.005 + 4 * 0.01))


def test_ratio_over_an_exact_denominator_and_bad_input():
    ratio, se = ratio_stderr([2.0, 3.0], [0.03, 0.06], denominator=2.0)
    assert ratio.tolist() == [1.0, 1.5] and se.tolist() == [0.015, 0.03]
    assert np.isnan(ratio_stderr([None, 1.0], [None, 0.1])[0]).all()
    with pytest.raises(ValueError, match="must be positive, got 0.0"):
        ratio_stderr([1.0], [0.1], denominator=0.0)
    with pytest.raises(ValueError, match="same length"):
        ratio_stderr([1.0, 2.0], [0.1])
    with pytest.raises(ValueError, match="one entry per generation"):
        ratio_stderr([1.0, 2.0], [0.1, 0.1], [0.01])
