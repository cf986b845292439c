"""The canonical models' numeric faces: samplers and estimators vectorised over replicates.

Every model of THEORY.md §4 has a :class:`~numerics.models.base.NumericModel` here,
in the module that mirrors its symbolic face's (:mod:`theory.models`): ``gaussian``,
``regression``, ``counts``, ``kde``, ``expfam``, ``categorical``. Both faces attach to the model's one
declaration (name, parameters, metrics: :mod:`theory.models.registry`;
:mod:`numerics.models.registry` for the numeric side), and each loads on first
use. Arrays carry a leading replicate axis, so one call fits or samples every
replicate of a chunk.

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
``categorical``     weighted empirical frequencies       Multinomial counts (row-compressed)
==================  ===================================  ========================================

Failures (a fit with no valid estimate: zero variance, singular covariance or Gram
matrix, separable logistic data, non-convergence, an MLE on the boundary) are
flagged per replicate by :meth:`NumericModel.fit`; the Monte Carlo engine counts
them and keeps them out of every other metric.

Examples
--------
>>> model = numeric_model("poisson", {"lam": "2"})
>>> model.name, model.params, model.theta0.tolist(), model.metric_names
('poisson', {'lam': 2.0}, [2.0], ('risk', 'absorbed'))
"""

from __future__ import annotations

from theory.lazy import lazy_attributes

from .base import NumericModel, Part
from .random import BlockRandom
from .registry import NUMERIC_MODELS, numeric_face, numeric_model, numeric_model_class

__all__ = ["NUMERIC_MODELS", "numeric_model", "numeric_model_class", "numeric_face", "NumericModel", "Part",
           "BlockRandom", "GaussianMean", "Gaussian", "MultivariateGaussian", "LinearRegression",
           "LogisticRegression", "FitStatus", "logistic_mle", "Bernoulli", "Poisson", "Exponential",
           "ExponentialFamilyModel", "KernelDensity", "Categorical"]

# the faces, loaded with their module on first access
__getattr__, __dir__ = lazy_attributes(__name__, {
    "GaussianMean": "gaussian", "Gaussian": "gaussian", "MultivariateGaussian": "gaussian",
    "LinearRegression": "regression", "LogisticRegression": "regression", "FitStatus": "regression",
    "logistic_mle": "regression",
    "Bernoulli": "counts", "Poisson": "counts", "Exponential": "counts", "ExponentialFamilyModel": "expfam",
    "KernelDensity": "kde", "Categorical": "categorical"})
