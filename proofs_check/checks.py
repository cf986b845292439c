"""Checks: the obligations an evidence function discharges, each with the numbers behind it.

An evidence function of a :class:`~proofs_check.claims.Claim` yields :class:`Check`
objects built here: :func:`check` for any statement, :func:`close` for
|value - target| <= tolerance at high precision, :func:`at_most` for a one-sided
bound, and :func:`agrees` for Monte Carlo against theory under the tolerance policy
of THEORY.md §6. A check's details are stored JSON-ready for the reports.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np

__all__ = ["PASS", "FAIL", "Check", "check", "close", "at_most", "agrees"]

PASS, FAIL = "pass", "fail"


def _plain(value):
    """A JSON-ready copy of a number, array, SymPy or mpmath object."""
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        value = float(value)
        return value if math.isfinite(value) else str(value)
    if isinstance(value, Fraction):
        return str(value)
    if isinstance(value, np.ndarray):
        return [_plain(v) for v in value.tolist()]
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    module = type(value).__module__ or ""
    if module.startswith("mpmath"):
        import mpmath

        return mpmath.nstr(value, 20) if not isinstance(value, mpmath.matrix) else str(value)
    return str(value)


@dataclass(frozen=True)
class Check:
    """One discharged obligation: what was checked, whether it held, and the numbers behind it.

    Build checks with :func:`check`, :func:`close`, :func:`at_most` or :func:`agrees`.

    Parameters
    ----------
    what : str
        The obligation, in words.
    passed : bool
        Whether it held.
    details : dict
        The numbers a reader needs to judge it (JSON-ready).
    """

    what: str
    passed: bool
    details: dict = field(default_factory=dict)

    @property
    def status(self):
        return PASS if self.passed else FAIL

    def to_json_dict(self):
        return {"what": self.what, "status": self.status, "details": self.details}


def check(what, passed, **details):
    """A check of any statement; ``details`` are the numbers a reader needs to judge it.

    Parameters
    ----------
    what : str
        The statement checked, in words.
    passed : bool
        Whether it held.
    **details
        Numbers, arrays, SymPy or mpmath objects (stored JSON-ready).

    Returns
    -------
    Check

    Examples
    --------
    >>> check("2 + 2 = 4", 2 + 2 == 4, value=4).status
    'pass'
    """
    if not isinstance(what, str) or not what:
        raise ValueError(f"a check needs a description, got {what!r}")
    return Check(what, bool(passed), {k: _plain(v) for k, v in details.items()})


def close(what, value, target, tolerance, **details):
    """|value - target| <= tolerance, for numbers of any kind (floats, mpmath, Fractions).

    Parameters
    ----------
    what : str
        The statement checked, in words.
    value, target, tolerance : number
        Compared at 60 digits or more.
    **details
        Further numbers for the report.

    Returns
    -------
    Check
        With ``value``, ``target``, ``error`` and ``tolerance`` in its details.

    Examples
    --------
    >>> close("pi", 3.14159, 3.141592653589793, 1e-5).passed
    True
    >>> close("pi", 3.14, 3.141592653589793, 1e-5).details["error"]
    '0.0015926535898'
    """
    import mpmath

    with mpmath.workdps(max(mpmath.mp.dps, 60)):
        error = abs(mpmath.mpmathify(_mp(value)) - mpmath.mpmathify(_mp(target)))
        ok = error <= mpmath.mpmathify(_mp(tolerance))
        return check(what, ok, value=_nstr(value), target=_nstr(target), error=mpmath.nstr(error, 11),
                     tolerance=_nstr(tolerance), **details)


def at_most(what, value, bound, margin=0, **details):
    """value <= bound - margin (a one-sided check; ``margin`` is a stated safety gap).

    Parameters
    ----------
    what : str
        The statement checked, in words.
    value, bound : number
        Compared at 60 digits or more.
    margin : number
        The safety gap required below the bound.
    **details
        Further numbers for the report.

    Returns
    -------
    Check
        With ``value``, ``bound`` and ``slack`` (bound - value) in its details.

    Examples
    --------
    >>> at_most("R_10 < pi^2/6", 1.5498, 1.6449).passed
    True
    """
    import mpmath

    with mpmath.workdps(max(mpmath.mp.dps, 60)):
        v, b, m = (mpmath.mpmathify(_mp(x)) for x in (value, bound, margin))
        return check(what, v <= b - m, value=_nstr(value), bound=_nstr(bound),
                     **({"margin": _nstr(margin)} if margin else {}), slack=mpmath.nstr(b - v, 11), **details)


def _mp(x):
    if isinstance(x, Fraction):
        import mpmath

        return mpmath.mpf(x.numerator) / x.denominator
    if isinstance(x, str):
        raise TypeError(f"expected a number, got the string {x!r}")
    module = type(x).__module__ or ""
    if module.startswith("sympy"):
        import mpmath

        return mpmath.mpf(str(x.evalf(60)))
    return x


def _nstr(x):
    import mpmath

    module = type(x).__module__ or ""
    if module.startswith("mpmath"):
        return mpmath.nstr(x, 25)
    if module.startswith("sympy"):
        return str(x)
    return _plain(x)


def agrees(what, mean, stderr, target, *, k=4.0, allowance=0.0, relative=0.0, exact, x=None, **details):
    """Monte Carlo agreement under the tolerance policy of THEORY.md §6, as a check.

    The policy is :func:`numerics.uncertainty.agreement`'s, the one the tests use too.

    Every entry must satisfy |mean - target| <= k * stderr + allowance + relative * |target|:
    k standard errors for the Monte Carlo error, plus an explicit allowance for the
    distance between the finite-n law and the limit (0 when ``target`` is exact at
    this n).

    Parameters
    ----------
    what : str
        The statement checked, in words.
    mean, stderr, target : float or sequence of floats
        Monte Carlo means, their standard errors and the theory's prediction.
    k : float
        Standard errors allowed.
    allowance, relative : float or sequence of floats
        Finite-n allowance, absolute and relative to |target| (one per entry when a
        sequence, e.g. growing with the generation for a bias that compounds).
    exact : bool
        Whether ``target`` is the exact value at this n (then the allowances should be 0).
    x : sequence, optional
        Labels of the entries (e.g. generations) for the details.
    **details
        Further numbers for the report.

    Returns
    -------
    Check
        With the policy, the entries and the worst one in its details.

    Examples
    --------
    >>> agrees("risk", [1.02, 1.98], [0.01, 0.02], [1, 2], exact=True).passed
    True
    >>> c = agrees("risk", [1.10, 2.0], [0.01, 0.02], [1, 2], k=4, exact=True)
    >>> c.passed, c.details["worst"]["at"]
    (False, 1)
    >>> agrees("risk", [1.1, 2.3], [0.01, 0.01], [1, 2], relative=[0.1, 0.2], exact=False).details["policy"]
    '|mean - target| <= 4 SE + [0.1, 0.2]|target| (asymptotic target; finite-n allowance)'
    """
    from numerics.uncertainty import agreement

    mean, stderr, target = (np.atleast_1d(np.asarray(v, dtype=float)) for v in (mean, stderr, target))
    if not (mean.shape == stderr.shape == target.shape):
        raise ValueError(f"mean, stderr and target must have the same shape, got {mean.shape}, "
                         f"{stderr.shape}, {target.shape}")
    if exact and (np.any(allowance) or np.any(relative)):
        raise ValueError(f"an exact target needs no finite-n allowance, got allowance={allowance!r}, "
                         f"relative={relative!r}")
    result = agreement(mean, stderr, target, k=k, allowance=allowance, relative=relative)
    labels = list(x) if x is not None else list(range(1, mean.size + 1))
    policy = result.policy + (" (exact finite-n target)" if exact else " (asymptotic target; finite-n allowance)")
    w = result.worst
    return check(what, result.passed, policy=policy, exact=bool(exact), at=labels, mean=_round(mean),
                 stderr=_round(stderr), target=_round(target), tolerance=_round(result.tolerance),
                 worst={"at": labels[w], "mean": float(mean[w]), "target": float(target[w]),
                        "deviation": float(result.deviation[w]), "tolerance": float(result.tolerance[w])},
                 **details)


def _round(a):
    return [float(f"{v:.6g}") if math.isfinite(v) else str(v) for v in np.asarray(a, dtype=float).tolist()]
