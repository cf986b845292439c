"""The tolerance of every Monte Carlo assertion in the tests: k standard errors plus a stated allowance.

One rule (THEORY.md §6, :func:`numerics.uncertainty.agreement`, the same one the
claims ledger applies): ``|mean - target| <= k SE + allowance + relative |target|``
entry by entry. Each call site states k and the finite-n allowance, with the reason,
in a comment.
"""

import numpy as np

from numerics.uncertainty import agreement


def within(mean, stderr, target, *, k=4.0, allowance=0.0, relative=0.0):
    """Whether every entry of ``mean`` lies within the tolerance of ``target``."""
    return agreement(mean, stderr, target, k=k, allowance=allowance, relative=relative).passed


def assert_within(mean, stderr, target, *, k=4.0, allowance=0.0, relative=0.0, what=""):
    """Assert :func:`within`; the message names the worst entry and the rule."""
    result = agreement(mean, stderr, target, k=k, allowance=allowance, relative=relative)
    assert result.passed, f"{what}: {result.describe()}" if what else result.describe()


def sample_stderr(sample, axis=0):
    """The standard error of the mean of ``sample`` along ``axis`` (ddof = 1)."""
    sample = np.asarray(sample, dtype=float)
    return sample.std(axis=axis, ddof=1) / np.sqrt(sample.shape[axis])
