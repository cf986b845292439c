"""Shared test settings: Hypothesis profiles and mpmath precision hygiene."""

import os
import shutil
import tempfile

import mpmath
import pytest
from hypothesis import HealthCheck, settings

# "dev": quick local runs. "ci": deterministic (derandomised), the same examples every run.
settings.register_profile("dev", max_examples=25, deadline=None)
settings.register_profile("ci", max_examples=40, deadline=None, derandomize=True, print_blob=True,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))

# The tests keep what they derive (evidence, SymPy derivations) in a cache folder of their own, empty when the
# run starts: everything is derived at least once per run, and the cache of whoever runs them is neither read
# nor written. The tests of the caches give them folders of their own.
_CACHE = tempfile.mkdtemp(prefix="pi2over6-test-cache-")
os.environ["PI2OVER6_CACHE_DIR"] = _CACHE


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


def pytest_unconfigure(config):
    shutil.rmtree(_CACHE, ignore_errors=True)
