"""The exponential-family model's numeric face: ``scipy.stats`` samplers and the MLE, vectorised.

The symbolic face (:mod:`theory.models.expfam`) supplies the family: the
statistic T, the mean map A' and, where SymPy finds one, its inverse. Here they
become numpy functions once per model: T lambdified (:func:`statistic_function`),
and the MLE map ``mean of T -> eta_hat`` that solves ``A'(eta_hat) = mean T``
(:func:`mean_to_natural`: SymPy's inverse lambdified, or else a vectorised
bisection on the increasing A', :func:`invert_increasing`). Each family is drawn
by a ``scipy.stats`` distribution whose arguments are numpy functions of eta and
the family's constants (:class:`FamilySampler`; the built-in families' are in
:data:`SAMPLERS`), so one call samples every replicate at its own fitted eta.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import scipy.stats
import sympy as sp

from theory.input_limits import MAX_POISSON_MEAN, MAX_SCALE, LimitError
from theory.models.expfam import MEAN_T
from theory.rationals import to_rational

from .base import NumericModel, gather
from .counts import pooled_ratio
from .registry import numeric_face

__all__ = ["ExponentialFamilyModel", "FamilySampler", "SAMPLERS", "mean_to_natural", "statistic_function",
           "invert_increasing"]


@dataclass(frozen=True)
class FamilySampler:
    """How ``scipy.stats`` draws the member of a family with natural parameter eta.

    Parameters
    ----------
    distribution : str
        The name of a ``scipy.stats`` distribution.
    arguments : callable
        ``(eta, constants) -> {keyword: value}``: the distribution's keyword
        arguments as numpy functions of an array ``eta`` and a dict of the family's
        constants (floats, by name).

    Examples
    --------
    >>> SAMPLERS["geometric"].at(-1.0)
    ('geom', {'p': 0.6321205588285577, 'loc': -1.0})
    """

    distribution: str
    arguments: Callable

    def __post_init__(self):
        if not isinstance(self.distribution, str) or not hasattr(scipy.stats, self.distribution):
            raise ValueError(f"a family sampler needs the name of a scipy.stats distribution, "
                             f"got {self.distribution!r}")

    def at(self, eta, constants=None):
        """(distribution name, keyword arguments as floats) of the member with parameter ``eta``."""
        args = self.arguments(np.float64(eta), dict(constants or {}))
        return self.distribution, {key: float(value) for key, value in args.items()}


def _exact_square(value):
    """value^2 computed on its decimal spelling (as the symbolic face reads constants), as a float."""
    return float(to_rational(value) ** 2)


SAMPLERS = {
    "bernoulli": FamilySampler("bernoulli", lambda eta, c: {"p": np.exp(eta) / (np.exp(eta) + 1)}),
    "poisson": FamilySampler("poisson", lambda eta, c: {"mu": np.exp(eta)}),
    "geometric": FamilySampler("geom", lambda eta, c: {"p": 1 - np.exp(eta), "loc": -1.0}),
    "exponential": FamilySampler("expon", lambda eta, c: {"scale": -1 / eta}),
    "gamma": FamilySampler("gamma", lambda eta, c: {"a": c["shape"], "scale": -1 / eta}),
    "normal": FamilySampler("norm", lambda eta, c: {"loc": _exact_square(c["sigma"]) * eta, "scale": c["sigma"]}),
}
"""The built-in families' samplers, by family name (:data:`theory.models.expfam.FAMILIES`)."""


def statistic_function(family, params=None):
    """T of ``family`` as a numpy-vectorised function of the data, constants set from ``params``.

    Examples
    --------
    >>> from theory.models.expfam import FAMILIES
    >>> statistic_function(FAMILIES["poisson"])(np.array([0, 3]))
    array([0, 3])
    """
    return sp.lambdify(family.x, family.statistic.subs(family.constant_values(params)), "numpy")


def mean_to_natural(family, params=None):
    """A numpy-vectorised eta_hat(mean of T): the MLE's moment equation A'(eta_hat) = mean T.

    Lambdified from SymPy's inverse of A' when one exists, else a vectorised
    bisection on the increasing A'. Means outside the mean space give the boundary
    of the natural parameter space (for example -inf for a Poisson sample of zeros).

    Parameters
    ----------
    family : theory.models.ExponentialFamily
    params : dict, optional
        Values of the family's constants (by name); defaults otherwise.

    Returns
    -------
    callable
        Array of means -> array of eta_hat.

    Examples
    --------
    >>> from theory.models.expfam import FAMILIES
    >>> f = mean_to_natural(FAMILIES["gamma"], {"shape": 2.0})
    >>> f(np.array([1.0, 4.0])).tolist()
    [-2.0, -0.5]
    """
    consts = family.constant_values(params)
    sol = family.mean_to_natural_expr()
    if sol is not None:
        fn = sp.lambdify(MEAN_T, sol.subs(consts), "numpy")

        def closed(t):
            with np.errstate(divide="ignore", invalid="ignore"):
                return np.asarray(fn(np.asarray(t, dtype=float)), dtype=float) * np.ones(np.shape(t))

        return closed
    mean_fn = sp.lambdify(family.eta, family.mean_map().subs(consts), "numpy")
    lo_bound, hi_bound = float(family.eta_domain.inf), float(family.eta_domain.sup)
    eta0 = float(family.natural_param_value)
    return lambda t: invert_increasing(mean_fn, np.asarray(t, dtype=float), eta0, lo_bound, hi_bound)


def invert_increasing(fn, t, eta0, lo_bound, hi_bound, steps=200):
    """Vectorised bisection for fn(eta) = t, fn increasing on (lo_bound, hi_bound).

    The bracket grows from eta0 by doubling steps (towards a finite bound, by halving
    the distance to it); a t that no finite evaluation reaches gets the bound.

    Parameters
    ----------
    fn : callable
        Increasing, numpy-vectorised.
    t : ndarray
        Targets.
    eta0 : float
        A point inside (lo_bound, hi_bound) to start the brackets from.
    lo_bound, hi_bound : float
        The domain of ``fn`` (possibly infinite).
    steps : int
        Bisection steps.

    Returns
    -------
    ndarray
        The solutions, shaped as ``t``.

    Examples
    --------
    >>> x = invert_increasing(np.tanh, np.array([0.5, 2.0]), 0.0, -np.inf, np.inf)  # tanh never reaches 2
    >>> bool(np.isclose(x[0], np.arctanh(0.5), rtol=1e-15)), x[1]
    (True, np.float64(inf))
    """
    def f(eta):
        with np.errstate(all="ignore"):
            return np.asarray(fn(eta), dtype=float) * np.ones(t.shape)

    def bracket(sign, bound):
        edge = np.full(t.shape, float(eta0))
        value = f(edge)
        found = np.isfinite(value) & ((value <= t) if sign < 0 else (value > t))
        for j in range(64):
            trial = eta0 + sign * 2.0**j if math.isinf(bound) else bound - (bound - eta0) * 2.0 ** (-j - 1)
            value = f(np.full(t.shape, trial))
            # only a finite value brackets: an overflowed or cancelled A' says nothing
            new = ~found & np.isfinite(value) & ((value <= t) if sign < 0 else (value > t))
            edge, found = np.where(new, trial, edge), found | new
            if found.all():
                break
        return edge, found

    lo, lo_found = bracket(-1, lo_bound)
    hi, hi_found = bracket(1, hi_bound)
    for _ in range(steps):
        mid = (lo + hi) / 2
        below = f(mid) <= t
        lo, hi = np.where(below, mid, lo), np.where(below, hi, mid)
    out = np.where(lo_found & hi_found, (lo + hi) / 2, np.nan)
    out = np.where(~lo_found, lo_bound, out)
    return np.where(~hi_found, hi_bound, out)


@numeric_face("expfam")
class ExponentialFamilyModel(NumericModel):
    """MLE of the natural parameter eta of a one-parameter exponential family.

    A fit whose mean of T lies on the boundary of the mean space (for example a
    Poisson sample of zeros: eta_hat = -inf) has no MLE and is *failed*.

    Parameters
    ----------
    params : dict
        Validated ``expfam`` parameters (``family``, ``eta`` and the family's constants).
    truth : array_like
        eta_0.
    symbolic : theory.models.ExponentialFamilyModel, optional
        The symbolic face that knows the family (default: the registered ``expfam``).
    sampler : FamilySampler, optional
        How to draw the family (default: its entry in :data:`SAMPLERS`).

    Examples
    --------
    >>> from fractions import Fraction
    >>> from numerics.models.base import Part
    >>> from numerics.models.random import BlockRandom
    >>> model = ExponentialFamilyModel({"family": "poisson", "eta": 0.0}, [0.0])
    >>> rand = BlockRandom([np.random.default_rng(0)], [3])
    >>> ctx = model.context(rand, 50)
    >>> pts = model.draw(ctx, model.truth(ctx), 50, rand)
    >>> state, _ = model.fit(ctx, [Part(model.summarise(ctx, pts, 50), Fraction(1), 50, 50)])
    >>> bool(np.allclose(state["eta"], np.log(pts["x"].mean(axis=1))))
    True
    """

    summary_draw = False

    def __init__(self, params, truth, symbolic=None, sampler=None):
        super().__init__(params, truth)
        if symbolic is None:
            from theory.models import get_model

            symbolic = get_model("expfam")
        params = symbolic.validate_params(params)
        fam = symbolic.family(params)
        sampler = SAMPLERS.get(fam.name) if sampler is None else sampler
        if not isinstance(sampler, FamilySampler):
            raise ValueError(f"expfam: family {fam.name!r} has no sampler; pass sampler=FamilySampler(...), "
                             f"got {sampler!r}")
        self.family = fam.name
        self.eta0 = float(self.theta0[0])
        self.statistic = statistic_function(fam, params)
        self.eta_of_mean = mean_to_natural(fam, params)
        self.distribution = getattr(scipy.stats, sampler.distribution)
        self.sampler = sampler
        self.constants = {c.name: float(params.get(c.name, default)) for c, default in fam.constants}
        self._check_representable(params)

    def _check_representable(self, params):
        """Refuse a member whose draws float64 or the sampler cannot handle (:mod:`theory.input_limits`).

        The risk of eta-hat is about 1 / (m Var T), and its standard error needs its
        square: Var X must lie within MAX_SCALE^-2 .. MAX_SCALE^2 (T = x for the built-in
        families). A Poisson mean above MAX_POISSON_MEAN is beyond numpy's exact sampler.
        """
        with np.errstate(all="ignore"):
            args = self._arguments(np.array([self.eta0]))
            mean, var = (float(np.asarray(v).ravel()[0])
                         for v in self.distribution.stats(**{k: v[0] for k, v in args.items()}, moments="mv"))
        where = f"expfam: parameter eta = {params.get('eta')!r} for family {self.family}"
        if not (math.isfinite(var) and MAX_SCALE**-2 <= var <= MAX_SCALE**2):
            raise LimitError(f"{where} gives Var X = {var:.3g}, outside the limits {MAX_SCALE**-2:g} to "
                             f"{MAX_SCALE**2:g} that float64 can average")
        if self.distribution is scipy.stats.poisson and not mean <= MAX_POISSON_MEAN:
            raise LimitError(f"{where} gives a Poisson mean of {mean:.3g}, above the limit {MAX_POISSON_MEAN:g} "
                             "of numpy's Poisson sampler")

    def truth(self, ctx):
        return {"eta": np.full(ctx.R, self.eta0)}

    def _arguments(self, eta):
        with np.errstate(all="ignore"):
            return {key: np.broadcast_to(np.asarray(value, dtype=float), eta.shape) for key, value in
                    self.sampler.arguments(eta, self.constants).items()}

    def draw(self, ctx, state, m, rand):
        args = self._arguments(state["eta"])
        parts = []
        for gen, rows in zip(rand.generators, rand.slices, strict=True):
            kwargs = {key: value[rows, None] for key, value in args.items()}
            parts.append(self.distribution.rvs(size=(rows.stop - rows.start, m), random_state=gen, **kwargs))
        return {"x": np.concatenate(parts, axis=0).astype(float)}

    def summarise(self, ctx, points, m, idx=None):
        x = points["x"] if idx is None else gather(points["x"], idx)
        t = np.broadcast_to(np.asarray(self.statistic(x), dtype=float), x.shape)
        return {"total": t.sum(axis=1)}

    def fit(self, ctx, parts):
        eta = self.eta_of_mean(pooled_ratio(parts))
        return {"eta": eta}, ~np.isfinite(eta)

    def metrics(self, ctx, state):
        return {"risk": (state["eta"] - self.eta0) ** 2}
