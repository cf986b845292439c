"""High-precision limits: every route against mpmath's own constants and against each other."""

import json
from fractions import Fraction

import mpmath
import pytest
from mpmath import mp

from numerics.precision import limit_estimate, ratios_mp
from theory import preset


def pi2_over_6(dps):
    with mp.workdps(dps):
        return mpmath.pi**2 / 6


def test_ratios_mp_are_the_exact_fractions_rounded():
    prec = mp.prec
    values = ratios_mp(preset("augment", 5), 60)
    assert mp.prec == prec
    with mp.workdps(80):
        for n, v in enumerate(values, start=1):
            exact = sum(Fraction(1, j * j) for j in range(1, n + 1))
            assert abs(v - mpmath.mpf(exact.numerator) / exact.denominator) <= mpmath.mpf(10) ** -59


def test_augment_limit_to_100_digits_within_its_bound():
    prec = mp.prec
    estimate = limit_estimate("augment", 100)
    assert mp.prec == prec
    assert estimate.rigorous and estimate.error_bound < mpmath.mpf(10) ** -100
    with mp.workdps(150):
        assert abs(estimate.value - pi2_over_6(150)) <= estimate.error_bound
        assert len(estimate.decimal.replace(".", "").lstrip("0")) == 100
        assert abs(mpmath.mpf(estimate.decimal) - pi2_over_6(150)) <= mpmath.mpf(10) ** -99


@pytest.mark.parametrize("family", ["augment", "subsample"])
def test_tail_route_agrees_with_the_symbolic_route(family):
    symbolic = limit_estimate(family, 100, route="symbolic")
    tail = limit_estimate(family, 100, route="tail")
    assert tail.rigorous and "Euler-Maclaurin" in tail.method
    with mp.workdps(150):
        assert abs(symbolic.value - tail.value) <= symbolic.error_bound + tail.error_bound
        assert tail.error_bound < mpmath.mpf(10) ** -100


def test_tail_route_on_a_rule_file_with_telescoping_poles(tmp_path):
    # Fit R0 with half of every synthetic batch: R_{k+1} - R_k = 4 / ((k+1)(k+2)^2), simple poles included.
    path = tmp_path / "half.json"
    path.write_text(json.dumps({"generations": [{"fit": [{"batch": "R0"}], "emit": 1}],
                                "then": {"fit": [{"batch": "R0"}, {"batch": "S[:]", "count": "1/2"}],
                                         "emit": 1}}))
    symbolic = limit_estimate(str(path), 60, route="symbolic")
    tail = limit_estimate(str(path), 60, route="tail")
    with mp.workdps(80):
        assert abs(symbolic.value - tail.value) <= symbolic.error_bound + tail.error_bound


@pytest.mark.parametrize("family", ["mix:0.5", "mix:3", "weighted:0.618", "weighted:0.5:2", "window:1"])
def test_fixed_point_route_agrees_with_the_symbolic_route(family):
    symbolic = limit_estimate(family, 40, route="symbolic")
    if not symbolic.finite:
        with pytest.raises(ValueError, match="unit circle"):
            limit_estimate(family, 40, route="tail")
        return
    tail = limit_estimate(family, 40, route="tail")
    assert "fixed point" in tail.method and tail.rigorous
    with mp.workdps(60):
        assert abs(symbolic.value - tail.value) <= symbolic.error_bound + tail.error_bound


def test_extrapolation_is_labelled_an_estimate():
    estimate = limit_estimate("augment", 30, route="extrapolation")
    assert not estimate.rigorous and "not bounded" in estimate.method
    with mp.workdps(40):
        # Levin's u-transform on 60 terms of a 1/k tail: 30 digits are far beyond it; 1e-20 is not.
        assert abs(estimate.value - pi2_over_6(40)) < mpmath.mpf(10) ** -20


def test_divergent_families():
    for family in ("discard", "window:3"):
        estimate = limit_estimate(family, 20)
        assert not estimate.finite and estimate.decimal == "oo"


@pytest.mark.parametrize("dps", [5, 17, 40])
def test_bounds_hold_at_every_precision(dps):
    for route in ("symbolic", "tail"):
        estimate = limit_estimate("augment", dps, route=route)
        with mp.workdps(dps + 40):
            assert abs(estimate.value - pi2_over_6(dps + 40)) <= estimate.error_bound
            assert estimate.error_bound < mpmath.mpf(10) ** -dps


@pytest.mark.parametrize("bad", [0, -3, 2.5, "30", True, 10**6])
def test_bad_dps(bad):
    with pytest.raises(ValueError, match="dps must be an integer") as info:
        limit_estimate("augment", bad)
    assert repr(bad) in str(info.value)


def test_bad_route():
    with pytest.raises(ValueError, match="'fast'"):
        limit_estimate("augment", 10, route="fast")
