"""A one-parameter exponential family named by ``--set family=...``, refitted by maximum likelihood.

The symbolic side (:class:`theory.models.ExponentialFamilyModel`) supplies the
statistic T, the MLE map ``mean of T -> eta_hat`` (the moment equation
``A'(eta_hat) = mean T``) and the ``scipy.stats`` sampler whose arguments are SymPy
expressions in eta; here they are turned into vectorised functions once, so one
call samples every replicate at its own fitted eta.
"""

from __future__ import annotations

import numpy as np
import scipy.stats
import sympy as sp

from theory.rationals import as_sympy

from .base import NumericModel, gather
from .counts import pooled_ratio

__all__ = ["ExponentialFamilyFit"]


class ExponentialFamilyFit(NumericModel):
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

    Examples
    --------
    >>> import numpy as np
    >>> from fractions import Fraction
    >>> from numerics.models.base import Part
    >>> from numerics.models.random import BlockRandom
    >>> model = ExponentialFamilyFit({"family": "poisson", "eta": 0.0}, [0.0])
    >>> rand = BlockRandom([np.random.default_rng(0)], [3])
    >>> ctx = model.context(rand, 50)
    >>> pts = model.draw(ctx, model.truth(ctx), 50, rand)
    >>> state, _ = model.fit(ctx, [Part(model.summarise(ctx, pts, 50), Fraction(1), 50, 50)])
    >>> bool(np.allclose(state["eta"], np.log(pts["x"].mean(axis=1))))
    True
    """

    name = "expfam"
    summary_draw = False

    def __init__(self, params, truth, symbolic=None):
        super().__init__(params, truth)
        if symbolic is None:
            from theory.models import get_model

            symbolic = get_model("expfam")
        params = symbolic.validate_params(params)
        fam = symbolic.family(params)
        if fam.sampler_name is None or not hasattr(scipy.stats, fam.sampler_name):
            raise ValueError(f"expfam: family {fam.name!r} has no scipy.stats sampler, got "
                             f"{fam.sampler_name!r}")
        self.family = fam.name
        self.eta0 = float(self.theta0[0])
        self.statistic = symbolic.statistic_function(params)
        self.eta_of_mean = symbolic.mean_to_natural(params)
        self.distribution = getattr(scipy.stats, fam.sampler_name)
        consts = fam.constant_values(params)
        self.arguments = {key: sp.lambdify(fam.eta, as_sympy(expr).subs(consts), "numpy")
                          for key, expr in fam.sampler_params.items()}

    def truth(self, ctx):
        return {"eta": np.full(ctx.R, self.eta0)}

    def _arguments(self, eta):
        with np.errstate(all="ignore"):
            return {key: np.broadcast_to(np.asarray(fn(eta), dtype=float), eta.shape) for key, fn in
                    self.arguments.items()}

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
