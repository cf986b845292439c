"""Shared test settings: Hypothesis profiles and mpmath precision hygiene."""

import os

import mpmath
import pytest
from hypothesis import HealthCheck, settings

# "dev": quick local runs. "ci": deterministic (derandomised), the same examples every run.
settings.register_profile("dev", max_examples=25, deadline=None)
settings.register_profile("ci", max_examples=40, deadline=None, derandomize=True, print_blob=True,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))

# Every test derives its evidence: no replay from (or writing into) the evidence cache of whoever runs them.
# The tests of the cache give it a folder of their own.
os.environ["PI2OVER6_CACHE"] = "off"


@pytest.fixture(autouse=True)
def _restore_mpmath_precision():
    """A test that changes mpmath's working precision must not leak it into the next."""
    prec = mpmath.mp.prec
    yield
    mpmath.mp.prec = prec


def pytest_addoption(parser):
    parser.addoption("--runslow", action="store_true", default=False, help="also run tests marked slow")


def pytest_collection_modifyitems(config, items):
    if config.getoption("--runslow"):
        return
    skip = pytest.mark.skip(reason="slow: run with --runslow")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)
