"""Monte Carlo uncertainty: when an estimate agrees with a target, and the standard error of a ratio of means.

Every comparison of a Monte Carlo estimate with a theory's value follows one policy
(THEORY.md §6): the estimate agrees when

    |mean - target| <= k * stderr + allowance + relative * |target|

entry by entry: ``k`` standard errors for the Monte Carlo error, plus an explicit
finite-n allowance (absolute and relative to the target) for the distance between
the law at the simulated n and the limit the target describes (zero when the
target is exact at that n). :func:`agreement` applies it; the claims ledger's
``agrees`` and the tests' assertions are built on it.

Risk ratios ``R_k = mean_k / mean_1`` divide two Monte Carlo means computed from
the same replicates, so their errors are correlated (strongly, when the workflow
keeps the real data). :func:`ratio_stderr` gives the delta-method standard error
with that covariance, which the engine estimates from the cross moments it keeps
(:func:`numerics.block_sums.aggregate`); figures, the claims ledger and sweep
results all use it. Without the covariance it falls back on the bound that holds
for any correlation.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Agreement", "agreement", "ratio_stderr"]


@dataclass(frozen=True)
class Agreement:
    """The outcome of :func:`agreement`, entry by entry.

    Attributes
    ----------
    passed : bool
        Whether every entry is finite and within its tolerance.
    mean, stderr, target, deviation, tolerance : ndarray
        The compared values, ``|mean - target|`` and the tolerance of each entry.
    worst : int
        The entry with the largest ratio of deviation to tolerance (a non-finite entry first).
    policy : str
        The rule in words, e.g. ``"|mean - target| <= 4 SE + 0.05|target|"``.
    """

    passed: bool
    mean: np.ndarray
    stderr: np.ndarray
    target: np.ndarray
    deviation: np.ndarray
    tolerance: np.ndarray
    worst: int
    policy: str

    def __bool__(self):
        return self.passed

    def describe(self, labels=None):
        """One line naming the worst entry, for an assertion message.

        Examples
        --------
        >>> agreement([1.0, 2.5], [0.1, 0.1], [1.0, 2.0]).describe(["k=1", "k=2"])
        '|mean - target| <= 4 SE fails at k=2: mean 2.5, target 2, deviation 0.5 > tolerance 0.4'
        """
        i = self.worst
        at = labels[i] if labels is not None else i
        verdict = "holds" if self.passed else "fails"
        return (f"{self.policy} {verdict} at {at}: mean {self.mean[i]:.6g}, target {self.target[i]:.6g}, "
                f"deviation {self.deviation[i]:.3g} {'<=' if self.passed else '>'} tolerance "
                f"{self.tolerance[i]:.3g}")


def agreement(mean, stderr, target, *, k=4.0, allowance=0.0, relative=0.0):
    """Whether Monte Carlo means agree with a target: ``|mean - target| <= k SE + allowance + relative |target|``.

    Parameters
    ----------
    mean, stderr, target : float or array_like
        Monte Carlo means, their standard errors, and the values they estimate
        (broadcast against each other).
    k : float
        Standard errors allowed.
    allowance, relative : float or array_like
        The finite-n allowance, absolute and relative to ``|target|`` (one per entry
        when an array, e.g. growing with the generation for a bias that compounds).

    Returns
    -------
    Agreement
        True in a boolean context when every entry agrees; a non-finite mean,
        standard error or target never agrees.

    Examples
    --------
    >>> bool(agreement([1.02, 1.98], [0.01, 0.02], [1, 2]))
    True
    >>> a = agreement([1.0, 2.3], [0.1, 0.1], [1.0, 2.0], k=2, allowance=0.05, relative=0.05)
    >>> a.passed, a.tolerance.round(6).tolist(), a.policy
    (True, [0.3, 0.35], '|mean - target| <= 2 SE + 0.05 + 0.05|target|')
    >>> bool(agreement(float("nan"), 0.1, 1.0))
    False
    """
    policy = (f"|mean - target| <= {k:g} SE" + (f" + {_spell(allowance)}" if np.any(allowance) else "")
              + (f" + {_spell(relative)}|target|" if np.any(relative) else ""))
    mean, stderr, target, allowance, relative = np.broadcast_arrays(
        *(np.atleast_1d(np.asarray(v, dtype=float)) for v in (mean, stderr, target, allowance, relative)))
    tolerance = k * stderr + allowance + relative * np.abs(target)
    with np.errstate(invalid="ignore"):
        deviation = np.abs(mean - target)
        finite = np.isfinite(mean) & np.isfinite(stderr) & np.isfinite(target) & np.isfinite(tolerance)
        within = finite & (deviation <= tolerance)
    with np.errstate(divide="ignore", invalid="ignore"):
        slack = np.where(finite, deviation / tolerance, np.inf)
    slack = np.where(np.isnan(slack), 0.0, slack)  # 0 / 0: an exact hit with no tolerance
    return Agreement(bool(np.all(within)), mean, stderr, target, deviation, tolerance, int(np.argmax(slack)),
                     policy)


def _spell(value):
    """A number, or a list of numbers to four digits."""
    if np.ndim(value) == 0:
        return f"{float(value):g}"
    return str([float(f"{v:.4g}") for v in np.asarray(value, dtype=float).ravel()])


def ratio_stderr(mean, stderr, covariance=None, *, denominator=None):
    """Ratios ``R_k = mean_k / mean_1`` of Monte Carlo means and their delta-method standard errors.

    With ``c_k = Cov(mean_k, mean_1)`` (the two means come from the same replicates),

        se(R_k)^2 = (se_k^2 - 2 R_k c_k + R_k^2 se_1^2) / mean_1^2,

    which is 0 at k = 1. Where ``c_k`` is unknown (``covariance`` None, or an entry
    None) the bound over every correlation, ``se(R_k) <= (se_k + R_k se_1) / mean_1``,
    is used instead: conservative, often by a factor of several when the generations
    are strongly correlated.

    Parameters
    ----------
    mean, stderr : sequence of float
        Per generation, the Monte Carlo mean and its standard error (None for a
        missing value, giving NaN).
    covariance : sequence of float, optional
        Per generation, ``Cov(mean_k, mean_1)``: the ``covariance`` entry of
        :func:`numerics.block_sums.aggregate` (``covariance[0] = stderr[0]**2``).
    denominator : float, optional
        An exact generation-1 value to divide by instead of ``mean_1``: then
        ``R_k = mean_k / denominator`` with standard error ``se_k / denominator``.

    Returns
    -------
    ratio, stderr : ndarray

    Examples
    --------
    Two generations whose means move together (correlation 0.9):

    >>> r, se = ratio_stderr([2.0, 4.0], [0.02, 0.04], [0.02**2, 0.9 * 0.02 * 0.04])
    >>> r.tolist(), [round(float(s), 6) for s in se]
    ([1.0, 2.0], [0.0, 0.008944])
    >>> [round(float(s), 6) for s in ratio_stderr([2.0, 4.0], [0.02, 0.04])[1]]  # any correlation
    [0.0, 0.04]
    >>> ratio_stderr([2.0, 4.0], [0.1, 0.2], denominator=2.0)[1].tolist()
    [0.05, 0.1]
    """
    mean, stderr = _floats(mean), _floats(stderr)
    if mean.shape != stderr.shape or mean.ndim != 1 or not mean.size:
        raise ValueError(f"mean and stderr must be sequences of the same length, got shapes {mean.shape} "
                         f"and {stderr.shape}")
    if denominator is not None:
        denominator = float(denominator)
        if not denominator > 0:
            raise ValueError(f"the generation-1 denominator must be positive, got {denominator!r}")
        return mean / denominator, stderr / denominator
    covariance = np.full(mean.shape, np.nan) if covariance is None else _floats(covariance)
    if covariance.shape != mean.shape:
        raise ValueError(f"covariance must have one entry per generation ({mean.size}), got shape "
                         f"{covariance.shape}")
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = mean / mean[0]
        variance = stderr**2 - 2 * ratio * covariance + ratio**2 * stderr[0] ** 2
        delta = np.sqrt(np.maximum(variance, 0.0)) / abs(mean[0])
        bound = (stderr + np.abs(ratio) * stderr[0]) / abs(mean[0])
    se = np.where(np.isnan(covariance), bound, delta)
    se[0] = 0.0 if np.isfinite(ratio[0]) else np.nan
    return ratio, se


def _floats(values):
    """A float array; None entries become NaN."""
    return np.array([np.nan if v is None else v for v in np.atleast_1d(np.asarray(values, dtype=object))],
                    dtype=float)
