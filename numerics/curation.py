"""Curated retraining at high precision (mpmath): trajectories and the fixed point with real data.

The curated one-step map multiplies every category by a factor that depends only on
its reward level and on the masses of the levels (:func:`theory.curation.level_factors`),
so the expected-law dynamics of a workflow whose fit mixes a share ``lam`` of fresh
real data with the curated emission of the previous fit,

    q_{k+1} = lam p + (1 - lam) curate(q_k),

closes on the level masses Q_v: Q'_v = lam P_v + (1 - lam) Q_v g_v(Q). Its fixed point
Q* is found by iterating that map, a contraction near Q*, until successive iterates
agree to 10 digits beyond the precision asked for (with contraction rate L the
distance to Q* is then at most L/(1 - L) times the last step; the rate is reported);
the category probabilities then follow in closed form,
q*_i = lam p_i / (1 - (1 - lam) g_{v(i)}(Q*)). :func:`curated_path` gives the
trajectory with and without real data. Everything runs inside ``mp.workdps``.

Examples
--------
>>> import mpmath
>>> fp = fixed_point([0.5, 0.5], [1, 0], None, "0.5", dps=30)       # half real data, K -> infinity
>>> mpmath.nstr(fp.masses[1], 20), fp.residual < mpmath.mpf(10)**-30
('0.67466545716470291809', True)
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import mpmath

from theory.curation import level_factors

__all__ = ["FixedPoint", "fixed_point", "curated_path", "level_masses"]


def _mp(x):
    """An mpf at the working precision: Fractions and decimal strings exactly, floats as the binary value."""
    if isinstance(x, Fraction):
        return mpmath.mpf(x.numerator) / x.denominator
    return mpmath.mpf(x)


@dataclass(frozen=True)
class FixedPoint:
    """The fixed point of curated retraining with a share of real data.

    Attributes
    ----------
    masses : list of mpf
        Q*_v per reward level (levels in increasing reward).
    probabilities : list of mpf
        q*_i per category.
    reward : mpf
        sum_i q*_i r_i.
    residual : mpf
        max_v |T(Q*)_v - Q*_v| at the working precision.
    slope : mpf
        The contraction rate near Q*, from the last steps (below 1: the fixed point attracts).
    error_bound : mpf
        slope/(1 - slope) times the residual: a bound on the distance to Q*.
    dps : int
    """

    masses: list
    probabilities: list
    reward: mpmath.mpf
    residual: mpmath.mpf
    slope: mpmath.mpf
    error_bound: mpmath.mpf
    dps: int


def level_masses(p, rewards):
    """(sorted distinct rewards, mass of each level, level index of each category), as mpf.

    Examples
    --------
    >>> level_masses([0.25, 0.5, 0.25], [1, 0, 1])[1]
    [mpf('0.5'), mpf('0.5')]
    """
    values = sorted({_mp(r) for r in rewards})
    index = {v: i for i, v in enumerate(values)}
    levels = [index[_mp(r)] for r in rewards]
    masses = [mpmath.mpf(0)] * len(values)
    for pi, v in zip(p, levels, strict=True):
        masses[v] += _mp(pi)
    return values, masses, levels


def _step(masses, real, weights, candidates, lam):
    # on the simplex: off it the map scales like (sum Q)^(K-1) and rounding would grow
    total = mpmath.fsum(masses)
    masses = [m / total for m in masses]
    live = [m > 0 for m in masses]
    factors = [mpmath.mpf(0)] * len(masses)
    g = level_factors([m for m, ok in zip(masses, live, strict=True) if ok],
                      [w for w, ok in zip(weights, live, strict=True) if ok], candidates)
    it = iter(g)
    for v, ok in enumerate(live):
        if ok:
            factors[v] = next(it)
    return [lam * r + (1 - lam) * m * f for r, m, f in zip(real, masses, factors, strict=True)], factors


def fixed_point(p, rewards, candidates, lam, dps=50, max_steps=100_000):
    """The fixed point of q -> lam p + (1 - lam) curate(q) at ``dps`` digits.

    Parameters
    ----------
    p : sequence
        The truth (the fresh real data's law): Fractions or decimal strings are read
        exactly; floats are taken at their binary value.
    rewards : sequence
        One reward per category (read like ``p``).
    candidates : int or None
        K; None for the K -> infinity map.
    lam : number or str
        The real share, 0 < lam <= 1.
    dps : int
        Decimal digits.
    max_steps : int
        The most iterations of the map.

    Returns
    -------
    FixedPoint
    """
    with mpmath.workdps(dps + 20):
        lam = _mp(lam)
        if not 0 < lam <= 1:
            raise ValueError(f"the real share lam must lie in (0, 1], got {lam}")
        values, real, levels = level_masses(p, rewards)
        top = max(values)
        weights = [mpmath.exp(v - top) for v in values]
        Q = list(real)
        tol = mpmath.mpf(10) ** -(dps + 10)
        previous_gap = None
        slope = mpmath.mpf(0)
        for _ in range(max_steps):
            new, _ = _step(Q, real, weights, candidates, lam)
            gap = max(abs(a - b) for a, b in zip(new, Q, strict=True))
            if previous_gap:
                slope = gap / previous_gap
            Q, previous_gap = new, gap
            if gap < tol:
                break
        else:
            raise ArithmeticError(f"curated fixed-point iteration did not converge in {max_steps} steps")
        image, factors = _step(Q, real, weights, candidates, lam)
        residual = max(abs(a - b) for a, b in zip(image, Q, strict=True))
        probs = [lam * _mp(pi) / (1 - (1 - lam) * factors[v]) for pi, v in zip(p, levels, strict=True)]
        reward = mpmath.fsum(q * _mp(r) for q, r in zip(probs, rewards, strict=True))
        if not slope < 1:
            raise ArithmeticError(f"the curated map is not contracting at its fixed point (rate {slope})")
        bound = slope / (1 - slope) * residual
        return FixedPoint([+m for m in Q], [+x for x in probs], +reward, +residual, +slope, +bound, dps)


def curated_path(p, rewards, candidates, generations, lam=0, dps=30):
    """Expected reward and entropy of q_1 = p, q_{k+1} = lam p + (1 - lam) curate(q_k), k = 1..G.

    Parameters
    ----------
    p : sequence
        The truth, read as :func:`fixed_point` reads it.
    rewards : sequence
        One reward per category.
    candidates : int or None
        K; None for the K -> infinity map.
    generations : int
        G.
    lam : number or str
        The real share, 0 <= lam <= 1.
    dps : int
        Decimal digits.

    Returns
    -------
    (rewards, entropies) : two lists of mpf

    Examples
    --------
    >>> r, h = curated_path([0.5, 0.5], [1, 0], None, 3)
    >>> [mpmath.nstr(x, 6) for x in r]
    ['0.5', '0.731059', '0.880797']
    """
    with mpmath.workdps(dps + 10):
        lam = _mp(lam)
        values, _, levels = level_masses(p, rewards)
        top = max(values)
        weights = [mpmath.exp(v - top) for v in values]
        q = [_mp(x) for x in p]
        out_r, out_h = [], []
        for _ in range(generations):
            out_r.append(mpmath.fsum(qi * _mp(ri) for qi, ri in zip(q, rewards, strict=True)))
            out_h.append(-mpmath.fsum(qi * mpmath.log(qi) for qi in q if qi > 0))
            masses = [mpmath.mpf(0)] * len(values)
            for qi, v in zip(q, levels, strict=True):
                masses[v] += qi
            _, factors = _step(masses, [mpmath.mpf(0)] * len(values), weights, candidates, mpmath.mpf(0))
            q = [lam * _mp(pi) + (1 - lam) * qi * factors[v] for pi, qi, v in zip(p, q, levels, strict=True)]
        return out_r, out_h
