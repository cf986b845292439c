"""The canonical models' numeric faces: samplers and estimators vectorised over replicates.

Every model of THEORY.md §4 has a :class:`~numerics.models.base.NumericModel` here
(the symbolic face, with parameters, truth and natural parameter, is
:mod:`theory.models`). Arrays carry a leading replicate axis, so one call fits or
samples every replicate of a chunk.

==================  ===================================  ========================================
model               estimator (numeric)                  fast path (batch drawn as its statistic)
==================  ===================================  ========================================
``gaussian-mean``   weighted mean / weighted median      mean: N(mu, sigma^2/m); median: none
``gaussian``        weighted mean and variance           mean and sigma^2 chi^2_{m-1} scatter
``mvn``             weighted mean and covariance         mean and Wishart(m-1, Sigma) scatter
``linreg``          weighted least squares               fixed: per-row label sums; fresh: Wishart
``logistic``        weighted MLE, batched damped Newton  fixed: per-row binomial counts
``bernoulli``       weighted proportion                  Binomial(m, p)
``poisson``         weighted mean                        Poisson(m lambda)
``exponential``     1 / weighted mean                    Gamma(m) / rate
``expfam``          moment equation A'(eta) = mean T     none
``kde``             the weighted pooled points           none
==================  ===================================  ========================================

Failures (a fit with no valid estimate: zero variance, singular covariance or Gram
matrix, separable logistic data, non-convergence, an MLE on the boundary) are
flagged per replicate by :meth:`NumericModel.fit`; the Monte Carlo engine counts
them and keeps them out of every other metric.

Examples
--------
>>> model = numeric_model("poisson", {"lam": "2"})
>>> model.name, model.params, model.theta0.tolist()
('poisson', {'lam': 2.0}, [2.0])
"""

from __future__ import annotations

from .base import NumericModel, Part
from .counts import Bernoulli, Exponential, Poisson
from .expfam import ExponentialFamilyFit
from .gaussian import Gaussian, GaussianMean, MultivariateGaussian
from .kde import KernelDensity
from .random import BlockRandom
from .regression import LinearRegression, LogisticRegression, logistic_mle

__all__ = ["NUMERIC_MODELS", "numeric_model", "NumericModel", "Part", "BlockRandom", "GaussianMean",
           "Gaussian", "MultivariateGaussian", "LinearRegression", "LogisticRegression", "logistic_mle",
           "Bernoulli", "Poisson", "Exponential", "ExponentialFamilyFit", "KernelDensity"]

NUMERIC_MODELS = {cls.name: cls for cls in (GaussianMean, Gaussian, MultivariateGaussian, LinearRegression,
                                             LogisticRegression, Bernoulli, Poisson, Exponential,
                                             ExponentialFamilyFit, KernelDensity)}


def numeric_model(name, params=None, truth=None):
    """The numeric face of model ``name`` at parameters ``params`` (raw values are validated).

    Parameters
    ----------
    name : str
        A CLI model name (THEORY.md §4).
    params : dict, optional
        Model parameters, raw (``--set`` strings) or validated; defaults filled in by
        :meth:`theory.models.SymbolicModel.validate_params`.
    truth : array_like, optional
        theta_0; by default the symbolic model's natural parameter.

    Raises
    ------
    ValueError
        For an unknown model or a parameter outside its domain.
    """
    from theory.models import get_model

    symbolic = get_model(name)
    params = symbolic.validate_params(params or {})
    if truth is None:
        truth = symbolic.natural_parameter(params)
    if name == "expfam":
        return ExponentialFamilyFit(params, truth, symbolic)
    return NUMERIC_MODELS[name](params, truth)
