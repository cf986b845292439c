"""Curated retraining: a generation keeps, of K candidates drawn from its fit, one chosen by reward.

A generation whose workflow entry carries ``curate`` emits every point as follows:
draw ``candidates`` = K points X_1..X_K independently from the fitted model q, and keep
X_j with probability exp(r(X_j)) / sum_l exp(r(X_l)), for a reward r given per
category (Ferbach, Bertrand, Bose & Gidel 2024). Points are curated independently,
so the emitted batch is a sample of the one-step map q -> q', with (w = e^r)

    q'_i = K q_i w_i E[1/(w_i + S_{K-1})] = K q_i w_i int_0^infinity e^{-t w_i} phi(t)^{K-1} dt,

S_{K-1} the sum of the weights of K - 1 independent draws from q and
phi(t) = sum_j q_j e^{-t w_j} (1/x = int e^{-t x} dt). Categories with equal rewards
form a *level*; with V levels the expectation is a finite sum over the compositions of
K - 1 into V parts (:func:`level_factors`, exact in rationals or SymPy). As K -> infinity,
phi(s/K)^{K-1} -> exp(-s sum_j q_j w_j), so q' -> q e^r / sum_j q_j e^{r_j}
(:func:`derive_two_level_map` derives both for a reward with two levels). The
multiplier q'_i/q_i is increasing in r_i, so by Chebyshev's sum inequality the
expected reward never decreases from one generation to the next, for every K.

In a workflow file (rewards are exact rationals; ``candidates`` may be ``"inf"`` for the
limit map)::

    [[generations]]
    fit = [{batch = "R0"}]
    emit = 1
    curate = {candidates = 4, reward = {top = 10, value = 1}}   # r_i = 1 for i <= 10, else 0

``reward`` may also be a list (one value per category) or ``{file = "rewards.txt"}``
(numbers as in a categorical truth file). Curation applies to models with categories
(``categorical``); it is outside the linear Gaussian theory of THEORY.md §3.

Examples
--------
>>> c = Curation.from_data({"candidates": 2, "reward": {"top": 1, "value": "1"}}, "generation 1")
>>> c.rewards(3)
(Fraction(1, 1), Fraction(0, 1), Fraction(0, 1))
>>> import sympy as sp
>>> [sp.simplify(f) for f in level_factors([sp.Rational(1, 2)] * 2, [sp.E, 1], 2)]
[(1 + 3*E)/(2*(1 + E)), (E + 3)/(2*(1 + E))]
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from fractions import Fraction
from functools import cache

from .input_limits import read_regular_file
from .rationals import rational_to_data, to_rational

__all__ = ["Curation", "CurationError", "level_factors", "levels_of", "curate_probabilities", "tilt",
           "derive_two_level_map", "derive_iterated_tilt", "derive_fixed_point", "COMPOSITIONS_MAX"]

COMPOSITIONS_MAX = 20000      # beyond this many compositions the map is evaluated by quadrature


class CurationError(ValueError):
    """A curation entry that cannot be built; the message names the place and the bad value."""


@dataclass(frozen=True)
class Curation:
    """K candidates per emitted point and a reward per category.

    Attributes
    ----------
    candidates : int or None
        K >= 1; None is the K -> infinity limit (emit q e^r / Z).
    top : tuple (m, value) or None
        The rule r_i = value for i <= m, else 0.
    vector : tuple of Fraction or None
        The rewards of categories 1..len(vector).
    file : str or None
        Where ``vector`` was read from (kept for :meth:`to_data`).
    """

    candidates: int | None
    top: tuple | None = None
    vector: tuple | None = None
    file: str | None = None

    @classmethod
    def from_data(cls, data, where, base=None):
        """Parse a ``curate`` table; ``where`` names the generation in messages, ``base`` resolves files."""
        if not isinstance(data, dict):
            raise CurationError(f"{where}: 'curate' must be a table with candidates and reward, got {data!r}")
        unknown = set(data) - {"candidates", "reward"}
        if unknown:
            raise CurationError(f"{where}: unknown curate key(s) {sorted(unknown)}; expected candidates, reward")
        if "candidates" not in data or "reward" not in data:
            raise CurationError(f"{where}: 'curate' needs both candidates and reward, got {data!r}")
        raw = data["candidates"]
        if isinstance(raw, str) and raw.strip().lower() in ("inf", "infinity"):
            candidates = None
        else:
            try:
                value = to_rational(raw, "candidates")
            except ValueError:
                value = None
            if value is None or value.denominator != 1 or value < 1:
                raise CurationError(f"{where}: curate candidates must be an integer of at least 1 or \"inf\", "
                                    f"got {raw!r}")
            candidates = int(value)
        reward = data["reward"]
        if isinstance(reward, list):
            return cls(candidates, vector=_reward_values(reward, where))
        if not isinstance(reward, dict):
            raise CurationError(f"{where}: curate reward must be a list, {{top = m, value = c}} or "
                                f"{{file = PATH}}, got {reward!r}")
        if set(reward) == {"file"}:
            path = reward["file"]
            if not isinstance(path, str) or not path:
                raise CurationError(f"{where}: curate reward file must be a path, got {path!r}")
            full = os.path.abspath(os.path.join(base or "", os.path.expanduser(path)))
            try:   # a regular file of bounded size: never a FIFO or a device (theory.input_limits)
                text = read_regular_file(full, "reward file").decode("utf-8")
            except OSError as err:
                raise CurationError(f"{where}: cannot read the reward file {path!r}: {err.strerror}") from None
            except (ValueError, UnicodeDecodeError) as err:
                raise CurationError(f"{where}: reward file {path!r}: {str(err).splitlines()[0]}") from None
            tokens = [t for line in text.splitlines() for t in line.split("#", 1)[0].replace(",", " ").split()]
            return cls(candidates, vector=_reward_values(tokens, f"{where}, reward file {path!r}"), file=full)
        if set(reward) != {"top", "value"}:
            raise CurationError(f"{where}: a curate reward rule is {{top = m, value = c}} (r_i = c for i <= m, "
                                f"else 0), got keys {sorted(reward)}")
        try:
            m = to_rational(reward["top"], "top")
        except ValueError:
            m = None
        if m is None or m.denominator != 1 or m < 1:
            raise CurationError(f"{where}: curate reward top must be an integer of at least 1, "
                                f"got {reward['top']!r}")
        return cls(candidates, top=(int(m), _reward_value(reward["value"], f"{where}: curate reward value")))

    def to_data(self):
        """Plain data that :meth:`from_data` reads back into an equal curation."""
        cand = "inf" if self.candidates is None else self.candidates
        if self.top is not None:
            reward = {"top": self.top[0], "value": rational_to_data(self.top[1])}
        elif self.file is not None:
            reward = {"file": self.file}
        else:
            reward = [rational_to_data(v) for v in self.vector]
        return {"candidates": cand, "reward": reward}

    def rewards(self, K):
        """The reward of each of K categories (exact rationals).

        Raises
        ------
        ValueError
            If a reward vector does not have K values.
        """
        if self.top is not None:
            m, value = self.top
            return tuple(value if i < m else Fraction(0) for i in range(K))
        if len(self.vector) != K:
            raise ValueError(f"the curation reward lists {len(self.vector)} values but the model has K = {K} "
                             "categories")
        return self.vector

    def describe(self):
        """One line for notes and reports."""
        k = "K -> infinity" if self.candidates is None else f"K = {self.candidates} candidates"
        if self.top is not None:
            r = f"r_i = {rational_to_data(self.top[1])} for i <= {self.top[0]}, else 0"
        else:
            r = f"a reward vector of {len(self.vector)} values"
        return f"curated: {k}, {r}"


def _reward_value(value, what):
    try:
        return to_rational(value, what)
    except ValueError:
        raise CurationError(f"{what} must be a finite number such as 1, 0.5 or \"1/3\", got {value!r}") from None


def _reward_values(values, where):
    if not values:
        raise CurationError(f"{where}: the curate reward list is empty")
    return tuple(_reward_value(v, f"{where}: curate reward {i}") for i, v in enumerate(values, start=1))


# --------------------------------------------------------------------------- the one-step map
def levels_of(rewards):
    """Distinct reward values (sorted) and each category's level index.

    Examples
    --------
    >>> levels_of([1, 0, 1])
    ([0, 1], [1, 0, 1])
    """
    values = sorted(set(rewards))
    index = {v: i for i, v in enumerate(values)}
    return values, [index[r] for r in rewards]


def _compositions(total, parts):
    if parts == 1:
        yield (total,)
        return
    for first in range(total + 1):
        for rest in _compositions(total - first, parts - 1):
            yield (first, *rest)


def level_factors(masses, weights, candidates):
    """Multipliers g_v with q'_i = q_i g_{level(i)}, for level masses Q_v and weights w_v = e^{r_v}.

    g_v = K w_v E[1/(w_v + S)], S the total weight of K - 1 draws, whose level counts are
    multinomial(K - 1; Q): a finite sum, exact for rational or symbolic inputs. With
    ``candidates=None`` the limit g_v = w_v / sum_u Q_u w_u.

    Examples
    --------
    >>> level_factors([Fraction(1, 2), Fraction(1, 2)], [Fraction(1), Fraction(3)], 3)
    [Fraction(23, 35), Fraction(47, 35)]
    """
    if candidates is None:
        z = sum((q * w for q, w in zip(masses, weights, strict=True)), 0)
        return [w / z for w in weights]
    K = int(candidates)
    V = len(masses)
    if math.comb(K - 1 + V - 1, V - 1) > COMPOSITIONS_MAX:
        raise ValueError(f"{math.comb(K - 1 + V - 1, V - 1)} compositions of {K - 1} candidates into {V} reward "
                         f"levels; evaluate the map by quadrature (numerics.curation)")
    out = [0] * V
    for counts in _compositions(K - 1, V):
        coef = math.factorial(K - 1)
        prob = 1
        for c, q in zip(counts, masses, strict=True):
            coef //= math.factorial(c)
            prob = prob * q**c
        if prob == 0:
            continue
        s = sum((c * w for c, w in zip(counts, weights, strict=True)), 0)
        for v in range(V):
            out[v] += coef * prob / (weights[v] + s)
    return [K * weights[v] * out[v] for v in range(V)]


def curate_probabilities(q, rewards, candidates):
    """The curated law q' of one emitted point, float64.

    Categories are grouped by reward level (levels with no mass are skipped). The
    expectation is the exact finite sum over compositions when they number at most
    :data:`COMPOSITIONS_MAX`, otherwise the integral representation by adaptive
    quadrature (relative tolerance 1e-12).

    Examples
    --------
    >>> import numpy as np
    >>> curate_probabilities(np.array([0.5, 0.5]), np.array([1.0, 0.0]), None).round(6).tolist()
    [0.731059, 0.268941]
    """
    import numpy as np

    q = np.asarray(q, dtype=float)
    r = np.asarray(rewards, dtype=float)
    values, index = np.unique(r, return_inverse=True)
    masses = np.bincount(index, weights=q, minlength=len(values))
    live = masses > 0
    weights = np.exp(values[live] - values[live].max())
    factors = np.zeros(len(values))
    V = int(live.sum())
    if candidates is None or math.comb(candidates - 1 + V - 1, V - 1) <= COMPOSITIONS_MAX:
        factors[live] = level_factors(masses[live].tolist(), weights.tolist(), candidates)
    else:
        factors[live] = _factors_by_quadrature(masses[live], weights, candidates)
    out = q * factors[index]
    return out / out.sum()


def _factors_by_quadrature(masses, weights, K):
    """g_v = K w_v int_0^infinity e^{-t w_v} phi(t)^{K-1} dt for every level at once (scipy quad_vec)."""
    import numpy as np
    from scipy.integrate import quad_vec

    def integrand(t):
        e = np.exp(-t * weights)
        return e * float(np.dot(masses, e)) ** (K - 1)

    value, _ = quad_vec(integrand, 0.0, np.inf, epsabs=0.0, epsrel=1e-12)
    return K * weights * value


def tilt(q, rewards):
    """The K -> infinity map q e^r / sum q e^r (exact for rationals and SymPy numbers).

    Examples
    --------
    >>> import sympy as sp
    >>> tilt([sp.Rational(1, 2), sp.Rational(1, 2)], [1, 0])
    [E/(1 + E), 1/(1 + E)]
    """
    import sympy as sp

    w = [sp.exp(r) for r in rewards]
    z = sum(qi * wi for qi, wi in zip(q, w, strict=True))
    return [sp.simplify(qi * wi / z) for qi, wi in zip(q, w, strict=True)]


# --------------------------------------------------------------------------- derivations
@cache
def derive_two_level_map(K_values=(1, 2, 3, 4)):
    """The one-step map of the mass Q on a reward level c above the rest (two levels), derived.

    With a = e^c and B ~ Binomial(K - 1, Q) high-reward candidates among the other
    K - 1, F_K(Q) = K Q a E[1/(a (B + 1) + K - 1 - B)]. Returns the finite-K maps for
    ``K_values`` (rational functions of Q and a), the same maps from the integral
    representation K Q a int e^{-t a} phi(t)^{K-1} dt (an independent route), the
    pointwise limit of phi(s/K)^{K-1} and the K -> infinity map a Q/(a Q + 1 - Q).

    Examples
    --------
    >>> import sympy as sp
    >>> d = derive_two_level_map()
    >>> d["limit"]
    Q*a/(Q*a - Q + 1)
    >>> all(sp.simplify(d["finite"][K] - d["integral"][K]) == 0 for K in d["finite"])
    True
    """
    import sympy as sp

    Q = sp.Symbol("Q", positive=True)
    a = sp.Symbol("a", positive=True)
    t, s, h = sp.symbols("t s h", positive=True)
    finite, integral = {}, {}
    for K in K_values:
        finite[K] = sp.factor(sp.simplify(level_factors([Q, 1 - Q], [a, sp.S.One], K)[0] * Q))
        phi = Q * sp.exp(-t * a) + (1 - Q) * sp.exp(-t)
        integral[K] = sp.factor(sp.simplify(_laplace_at_zero(K * Q * a * sp.exp(-t * a) * phi ** (K - 1), t)))
    # log of phi(s/K)^(K-1) with h = 1/K, as h -> 0
    log_pointwise = sp.limit((1 / h - 1) * sp.log(Q * sp.exp(-s * a * h) + (1 - Q) * sp.exp(-s * h)), h, 0)
    pointwise = sp.exp(sp.factor(log_pointwise))
    limit = sp.factor(_laplace_at_zero(Q * a * pointwise, s))
    return {"Q": Q, "a": a, "s": s, "finite": finite, "integral": integral, "pointwise": pointwise,
            "limit": limit}


def _laplace_at_zero(expr, t):
    """int_0^infinity expr dt for a sum of terms c exp(-beta t) (beta > 0): the sum of c / beta."""
    import sympy as sp

    total = sp.S.Zero
    for term in sp.Add.make_args(sp.expand(sp.powsimp(sp.expand(expr)))):
        coeff, rest = term.as_independent(t, as_Add=False)
        rest = sp.powsimp(rest)
        if not (isinstance(rest, sp.exp) and sp.expand(rest.args[0] / t).free_symbols.isdisjoint({t})):
            raise ValueError(f"expected c exp(-beta t), got {term}")
        total += coeff / (-sp.expand(rest.args[0] / t))
    return total


@cache
def derive_iterated_tilt():
    """Iterating q -> q e^r / Z without real data: closed form, expected reward and entropy, derived.

    For a two-level reward (value c on a set of initial mass P, 0 elsewhere; a = e^c > 1)
    the top mass after t generations is Q_t = P a^t / (P a^t + 1 - P) (proved by
    induction: the map sends this form at t to the form at t + 1); Q_t increases to 1, so
    the expected reward c Q_t increases to its maximum c. Within each level the
    proportions never change, so the entropy is
    H_t = h(Q_t) + Q_t H_top + (1 - Q_t) H_rest (h the binary entropy), which tends to
    H_top, the entropy of the top set's own proportions: diversity is lost.

    Examples
    --------
    >>> d = derive_iterated_tilt()
    >>> d["induction"], d["reward_limit"], d["entropy_limit"]
    (0, c, H_top)
    """
    import sympy as sp

    P, Q = sp.symbols("P Q", positive=True)
    a, c = sp.symbols("a c", positive=True)
    t = sp.Symbol("t", integer=True, nonnegative=True)
    Ht, Hr = sp.symbols("H_top H_rest", nonnegative=True)
    step = a * Q / (a * Q + 1 - Q)
    closed = P * a**t / (P * a**t + 1 - P)
    induction = sp.simplify(step.subs(Q, closed) - closed.subs(t, t + 1))
    increment = sp.factor(sp.simplify(step - Q))           # Q (1 - Q)(a - 1)/(...) >= 0
    x = sp.Symbol("x", positive=True)
    limit_Q = sp.limit(closed.subs(a, sp.exp(c)).subs(t, x), x, sp.oo)
    binary = -Q * sp.log(Q) - (1 - Q) * sp.log(1 - Q)
    entropy = binary + Q * Ht + (1 - Q) * Hr
    entropy_limit = sp.limit(entropy, Q, 1, dir="-")
    return {"P": P, "Q": Q, "a": a, "c": c, "t": t, "step": step, "closed": closed, "induction": induction,
            "increment": increment, "reward_limit": sp.simplify(c * limit_Q), "entropy": entropy,
            "entropy_limit": entropy_limit}


@cache
def derive_fixed_point():
    """The fixed point of Q -> lam P + (1 - lam) a Q/(a Q + 1 - Q) (K -> infinity, a share lam of real data).

    The map is increasing and concave on [0, 1] with value lam P > 0 at 0 and below 1
    at 1, so it has exactly one fixed point in (0, 1), a root of a quadratic (returned
    with the quadratic and the map's slope there, which is below 1: the fixed point
    attracts).

    Examples
    --------
    >>> import sympy as sp
    >>> d = derive_fixed_point()
    >>> sp.simplify(d["map"].subs(d["Q"], d["root"]) - d["root"])
    0
    """
    import sympy as sp

    P, Q = sp.symbols("P Q", positive=True)
    a = sp.Symbol("a", positive=True)
    lam = sp.Symbol("lambda", positive=True)
    fmap = lam * P + (1 - lam) * a * Q / (a * Q + 1 - Q)
    quadratic = sp.expand(sp.numer(sp.together(fmap - Q)))
    roots = sp.solve(quadratic, Q)
    # the root in (0, 1): check at a sample point (a = 2, lam = 1/2, P = 1/4) which root it is
    sample = {a: 2, lam: sp.Rational(1, 2), P: sp.Rational(1, 4)}
    root = next(r for r in roots if 0 < r.subs(sample) < 1)
    return {"P": P, "Q": Q, "a": a, "lam": lam, "map": fmap, "quadratic": quadratic, "root": root,
            "slope": sp.diff(fmap, Q), "concavity": sp.factor(sp.diff(fmap, Q, 2))}
